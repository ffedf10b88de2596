package tokenguard

/*
#include "tokenguard.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AssertionVerifier verifies RFC 7523 client assertions, each with the keys
// registered for the client it names. It is immutable and safe for concurrent
// use. Close frees it.
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
	// Clients maps each registered client's identifier to that client's JWK
	// Set. An assertion is verified only with the keys of the client it names,
	// so one client cannot sign an assertion that authenticates another. At
	// least one client is required, and a verifier holds up to about 240.
	Clients map[string][]byte
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
	clients, err := clientsDocument(config.Clients)
	if err != nil {
		return nil, err
	}
	inputs := [][]byte{
		[]byte(strings.Join(config.Audiences, " ")),
		[]byte(strings.Join(config.Algorithms, " ")),
		clients,
	}
	audiencesPtr, audiencesLen := bytesArg(inputs[0])
	algorithmsPtr, algorithmsLen := bytesArg(inputs[1])
	clientsPtr, clientsLen := bytesArg(inputs[2])
	var ptr *C.tg_assertion_verifier
	err = call("", "", func() C.tg_status {
		return C.tg_assertion_verifier_new(audiencesPtr, audiencesLen, algorithmsPtr,
			algorithmsLen, maxLifetimeSeconds, leewaySeconds, clientsPtr, clientsLen, &ptr)
	})
	runtime.KeepAlive(inputs)
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

// clientsDocument returns the JSON object of client identifiers and JWK Sets
// that tg_assertion_verifier_new reads.
func clientsDocument(clients map[string][]byte) ([]byte, error) {
	document := make(map[string]json.RawMessage, len(clients))
	for clientID, jwks := range clients {
		// Marshal checks that each set is one JSON value, so that no set can add
		// members for another client to the document.
		if !json.Valid(jwks) {
			return nil, &Error{
				Code:       ErrMalformed.Code,
				Name:       ErrMalformed.Name,
				Message:    "clients: the JWK Set of client " + strconv.Quote(clientID) + " is not valid JSON",
				HTTPStatus: ErrMalformed.HTTPStatus,
			}
		}
		document[clientID] = jwks
	}
	return json.Marshal(document)
}

// Verify verifies a client assertion at the current time and records its jti
// in cache, so that it is accepted once; a second use matches ErrReplayed.
// The keys come from the client that clientID names, or, when clientID is "",
// from the client that the assertion's iss names (read before the signature is
// verified, only to choose the keys); the verified iss must equal that client.
// An unregistered client matches ErrUnknownClient. The returned token has the
// assertion's claims and no header; its Issuer is the client id.
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
