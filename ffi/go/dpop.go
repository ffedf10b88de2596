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

// DPoPVerifier holds the checks of DPoP proofs (RFC 9449) that do not depend
// on the request: the accepted algorithms and the time window. It is
// immutable and safe for concurrent use. Close frees it.
type DPoPVerifier struct {
	mu  sync.RWMutex
	ptr *C.tg_dpop_verifier
}

// NewDPoPVerifier builds a verifier that accepts proofs signed with one of
// algorithms (every asymmetric one when empty) and issued from maxAge before
// now to leeway after now, plus leeway on the old side. The core's defaults
// are 60 and 30 seconds; both round down to whole seconds. HMAC algorithms and
// a leeway above 300 seconds are errors matching ErrInvalidConfig.
func NewDPoPVerifier(algorithms []string, maxAge, leeway time.Duration) (*DPoPVerifier, error) {
	names := []byte(strings.Join(algorithms, " "))
	namesPtr, namesLen := bytesArg(names)
	maxAgeSeconds, err := seconds(maxAge, "maxAge")
	if err != nil {
		return nil, err
	}
	leewaySeconds, err := seconds(leeway, "leeway")
	if err != nil {
		return nil, err
	}
	var ptr *C.tg_dpop_verifier
	err = call("", "", func() C.tg_status {
		return C.tg_dpop_verifier_new(namesPtr, namesLen, maxAgeSeconds, leewaySeconds, &ptr)
	})
	runtime.KeepAlive(names)
	if err != nil {
		return nil, err
	}
	v := &DPoPVerifier{ptr: ptr}
	runtime.SetFinalizer(v, (*DPoPVerifier).Close)
	return v, nil
}

// Close frees the verifier. It is safe to call more than once.
func (v *DPoPVerifier) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ptr != nil {
		C.tg_dpop_verifier_free(v.ptr)
		v.ptr = nil
		runtime.SetFinalizer(v, nil)
	}
	return nil
}

// ReplayCache is a bounded set of DPoP proofs and client assertions already
// accepted, so that each is accepted once. An entry is kept until its proof
// or assertion could no longer pass the time checks; a full cache evicts such
// entries and otherwise rejects the new proof with an error matching
// ErrReplayCacheFull. It is safe for concurrent use; validations that share a
// cache run one at a time. Close frees it.
type ReplayCache struct {
	mu  sync.RWMutex
	ptr *C.tg_replay_cache
}

// NewReplayCache builds an empty cache with room for capacity entries (48
// bytes each, allocated now). A capacity above 4194304 matches
// ErrInvalidConfig.
func NewReplayCache(capacity int) (*ReplayCache, error) {
	if capacity < 0 {
		return nil, invalidConfig("capacity must not be negative")
	}
	var ptr *C.tg_replay_cache
	err := call("", "", func() C.tg_status {
		return C.tg_replay_cache_new(C.size_t(capacity), &ptr)
	})
	if err != nil {
		return nil, err
	}
	c := &ReplayCache{ptr: ptr}
	runtime.SetFinalizer(c, (*ReplayCache).Close)
	return c, nil
}

// Close frees the cache. It is safe to call more than once.
func (c *ReplayCache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr != nil {
		C.tg_replay_cache_free(c.ptr)
		c.ptr = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// Len returns the number of entries in the cache.
func (c *ReplayCache) Len() (int, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return 0, ErrClosed
	}
	var n C.size_t
	err := call("", "", func() C.tg_status { return C.tg_replay_cache_len(c.ptr, &n) })
	return int(n), err
}

// EvictExpired removes every entry whose time has passed at now and returns
// how many were removed.
func (c *ReplayCache) EvictExpired(now time.Time) (int, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return 0, ErrClosed
	}
	var removed C.size_t
	err := call("", "", func() C.tg_status {
		return C.tg_replay_cache_evict_expired(c.ptr, C.int64_t(now.Unix()), &removed)
	})
	return int(removed), err
}

// DPoPRequest is the request a DPoP proof must match.
type DPoPRequest struct {
	// Authorization is the request's Authorization value, "DPoP eyJ...".
	Authorization string
	// Proof is the request's one DPoP header value.
	Proof string
	// Method is the HTTP method, compared exactly with htm.
	Method string
	// URI is the absolute request URI, compared with htu without query and
	// fragment.
	URI string
	// Nonce is the nonce the server last sent this client in DPoP-Nonce, or ""
	// when it requires none.
	Nonce string
}

// ValidateDPoP validates a DPoP-bound access token with its proof at the
// current time. The token must carry cnf jkt, and the proof must pass
// verifier's checks, carry ath over the token and be signed by the key jkt
// names; it is then recorded in cache. A token whose cnf also has x5t#S256,
// binding it to a client certificate as well, matches ErrProofRequired. A
// rejected proof matches ErrInvalidDPoPProof or ErrUseDPoPNonce, and the
// error's WWWAuthenticate is a DPoP challenge with the verifier's algorithms
// in algs.
func (v *Validator) ValidateDPoP(request DPoPRequest, verifier *DPoPVerifier, cache *ReplayCache) (*Token, error) {
	return v.ValidateDPoPAt(request, verifier, cache, time.Now())
}

// ValidateDPoPAt is ValidateDPoP at now, whole seconds.
func (v *Validator) ValidateDPoPAt(request DPoPRequest, verifier *DPoPVerifier, cache *ReplayCache, now time.Time) (*Token, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	verifier.mu.RLock()
	defer verifier.mu.RUnlock()
	cache.mu.RLock()
	defer cache.mu.RUnlock()
	if v.ptr == nil || verifier.ptr == nil || cache.ptr == nil {
		return nil, ErrClosed
	}
	inputs := [][]byte{
		[]byte(request.Authorization), []byte(request.Proof), []byte(request.Method),
		[]byte(request.URI), []byte(request.Nonce),
	}
	authPtr, authLen := bytesArg(inputs[0])
	proofPtr, proofLen := bytesArg(inputs[1])
	methodPtr, methodLen := bytesArg(inputs[2])
	uriPtr, uriLen := bytesArg(inputs[3])
	noncePtr, nonceLen := bytesArg(inputs[4])
	var ptr *C.tg_token
	err := callDPoP(verifier.ptr, func() C.tg_status {
		return C.tg_validator_validate_dpop(v.ptr, authPtr, authLen, proofPtr, proofLen,
			methodPtr, methodLen, uriPtr, uriLen, noncePtr, nonceLen, verifier.ptr, cache.ptr,
			C.int64_t(now.Unix()), &ptr)
	})
	runtime.KeepAlive(inputs)
	if err != nil {
		return nil, err
	}
	return newToken(ptr), nil
}

// ValidateCertificateBound validates an access token bound to a client
// certificate (RFC 8705) at the current time: certificate is the DER of the
// certificate the TLS layer verified, such as
// r.TLS.PeerCertificates[0].Raw, whose SHA-256 must be the token's cnf
// x5t#S256. Another certificate matches ErrCertificateMismatch.
func (v *Validator) ValidateCertificateBound(token string, certificate []byte) (*Token, error) {
	return v.ValidateCertificateBoundAt(token, certificate, time.Now())
}

// ValidateCertificateBoundAt is ValidateCertificateBound at now, whole seconds.
func (v *Validator) ValidateCertificateBoundAt(token string, certificate []byte, now time.Time) (*Token, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.ptr == nil {
		return nil, ErrClosed
	}
	tokenBytes := []byte(token)
	tokenPtr, tokenLen := bytesArg(tokenBytes)
	certPtr, certLen := bytesArg(certificate)
	var ptr *C.tg_token
	err := call("", "", func() C.tg_status {
		return C.tg_validator_validate_certificate_bound(v.ptr, tokenPtr, tokenLen, certPtr,
			certLen, C.int64_t(now.Unix()), &ptr)
	})
	runtime.KeepAlive(tokenBytes)
	runtime.KeepAlive(certificate)
	if err != nil {
		return nil, err
	}
	return newToken(ptr), nil
}

// callDPoP is call with a DPoP challenge, listing verifier's algorithms, in
// place of the Bearer one.
func callDPoP(verifier *C.tg_dpop_verifier, fn func() C.tg_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := fn()
	if status == C.TG_OK {
		return nil
	}
	err := lastError(status, "", "")
	if err.HTTPStatus < 500 {
		err.WWWAuthenticate = ""
		challenge, ok := readString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
			return C.tg_last_error_www_authenticate_dpop(verifier, nil, 0, buf, n, outLen)
		})
		if ok {
			err.WWWAuthenticate = challenge
		}
	}
	return err
}

// seconds converts d to whole seconds for the C ABI.
func seconds(d time.Duration, name string) (C.uint32_t, error) {
	s := d / time.Second
	if s < 0 || s > 1<<32-1 {
		return 0, invalidConfig(name + " must be 0 to 4294967295 seconds")
	}
	return C.uint32_t(s), nil
}

// invalidConfig returns an error matching ErrInvalidConfig with message.
func invalidConfig(message string) *Error {
	return &Error{
		Code:       ErrInvalidConfig.Code,
		Name:       ErrInvalidConfig.Name,
		Message:    message,
		HTTPStatus: ErrInvalidConfig.HTTPStatus,
	}
}
