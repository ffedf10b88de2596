package tokenguard

/*
#include "tokenguard.h"
*/
import "C"

import (
	"runtime"
	"strings"
	"sync"
	"time"
)

// AssertionVerifier verifies RFC 7523 client assertions against the
// registered clients' keys. It is immutable and safe for concurrent use.
// Close frees it.
type AssertionVerifier struct {
	mu  sync.RWMutex
	ptr *C.tg_assertion_verifier
}

// AssertionVerifierConfig configures NewAssertionVerifier.
type AssertionVerifierConfig struct {
	// Audiences are the values this server accepts as its own in aud: its
	// token endpoint URL, its issuer identifier. At least one is required, and
	// none may contain a space.
	Audiences []string
	// Algorithms are the accepted algorithms; empty means every asymmetric one.
	// Name HS256, HS384 or HS512 for client_secret_jwt.
	Algorithms []string
	// MaxLifetime is how far after now an assertion's exp may be; 0 means 300
	// seconds.
	MaxLifetime time.Duration
	// Leeway is the clock leeway of every time check, at most 300 seconds.
	Leeway time.Duration
	// JWKS is the JWK Set of the registered clients' keys.
	JWKS []byte
}

// NewAssertionVerifier builds a verifier from config.
func NewAssertionVerifier(config AssertionVerifierConfig) (*AssertionVerifier, error) {
	for _, audience := range config.Audiences {
		if audience == "" || strings.Contains(audience, " ") {
			return nil, invalidConfig("audiences must be non-empty and contain no space")
		}
	}
	maxLifetime := config.MaxLifetime
	if maxLifetime == 0 {
		maxLifetime = 300 * time.Second
	}
	maxLifetimeSeconds, err := seconds(maxLifetime, "MaxLifetime")
	if err != nil {
		return nil, err
	}
	leewaySeconds, err := seconds(config.Leeway, "Leeway")
	if err != nil {
		return nil, err
	}
	inputs := [][]byte{
		[]byte(strings.Join(config.Audiences, " ")),
		[]byte(strings.Join(config.Algorithms, " ")),
	}
	audiencesPtr, audiencesLen := bytesArg(inputs[0])
	algorithmsPtr, algorithmsLen := bytesArg(inputs[1])
	jwksPtr, jwksLen := bytesArg(config.JWKS)
	var ptr *C.tg_assertion_verifier
	err = call("", "", func() C.tg_status {
		return C.tg_assertion_verifier_new(audiencesPtr, audiencesLen, algorithmsPtr,
			algorithmsLen, maxLifetimeSeconds, leewaySeconds, jwksPtr, jwksLen, &ptr)
	})
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(config.JWKS)
	if err != nil {
		return nil, err
	}
	v := &AssertionVerifier{ptr: ptr}
	runtime.SetFinalizer(v, (*AssertionVerifier).Close)
	return v, nil
}

// Close frees the verifier. It is safe to call more than once.
func (v *AssertionVerifier) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ptr != nil {
		C.tg_assertion_verifier_free(v.ptr)
		v.ptr = nil
		runtime.SetFinalizer(v, nil)
	}
	return nil
}

// Verify verifies a client assertion at the current time and records its jti
// in cache, so that it is accepted once; a second use matches ErrReplayed.
// With clientID not "", the assertion's iss must equal it. The returned token
// has the assertion's claims and no header; its Issuer is the client id.
func (v *AssertionVerifier) Verify(assertion, clientID string, cache *ReplayCache) (*Token, error) {
	return v.VerifyAt(assertion, clientID, cache, time.Now())
}

// VerifyAt is Verify at now, whole seconds.
func (v *AssertionVerifier) VerifyAt(assertion, clientID string, cache *ReplayCache, now time.Time) (*Token, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	cache.mu.RLock()
	defer cache.mu.RUnlock()
	if v.ptr == nil || cache.ptr == nil {
		return nil, ErrClosed
	}
	inputs := [][]byte{[]byte(assertion), []byte(clientID)}
	assertionPtr, assertionLen := bytesArg(inputs[0])
	clientPtr, clientLen := bytesArg(inputs[1])
	var ptr *C.tg_token
	err := call("", "", func() C.tg_status {
		return C.tg_assertion_verifier_verify(v.ptr, assertionPtr, assertionLen, clientPtr,
			clientLen, cache.ptr, C.int64_t(now.Unix()), &ptr)
	})
	runtime.KeepAlive(inputs)
	if err != nil {
		return nil, err
	}
	return newToken(ptr), nil
}
