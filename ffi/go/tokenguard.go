// Package tokenguard validates OAuth 2.0 / OpenID Connect JWT access tokens with
// libtokenguard, the C ABI of the Rust crate tokenguard. A Go API thus gets the
// same verdict for the same token as the Rust, C and Python ones.
//
// A Validator holds a policy and a key set; it is safe for concurrent use, and
// SetJWKS replaces its key set atomically while other goroutines validate.
// Validate returns a *Token that owns copies of the verified header and claims.
// Rejections are *Error values, comparable with the sentinels by status:
//
//	token, err := v.ValidateAuthorization(r.Header.Get("Authorization"))
//	if errors.Is(err, tokenguard.ErrExpired) { ... }
//
// Close a Validator and each Token when done with them; a finalizer frees them
// otherwise, later. Middleware wraps an http.Handler with the whole check.
//
// The package links libtokenguard.a from target/release of the repository, so
// build it first with `cargo build -p tokenguard-ffi --release`. See
// link_static.go and link_shared.go for the debug build and the shared library.
package tokenguard

/*
#include <stdlib.h>
#include "tokenguard.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"time"
)

// Version returns the version of the linked library, such as "0.1.0".
func Version() string {
	return C.GoString(C.tg_version())
}

// Validator validates access tokens against a policy and a key set.
//
// All methods are safe for concurrent use. Close frees it; calls after Close
// return ErrClosed, and tokens it returned stay valid.
type Validator struct {
	mu  sync.RWMutex
	ptr *C.tg_validator
}

// NewValidator builds a validator from a JSON configuration and a JWK Set.
//
// The configuration has the fields issuers and audiences (required), and
// algorithms, leeway, max_age, typ, profile, required_claims, required_scopes,
// scope_match, scope_claims, scope_hierarchy, max_token_bytes, hmac_secrets,
// introspection_audience and introspection_max_age,
// as include/tokenguard.h documents for tg_validator_new. With hmac_secrets,
// jwks must be empty. An unknown field or a wrong type is an error matching
// ErrInvalidConfig whose message names the field.
func NewValidator(config, jwks []byte) (*Validator, error) {
	configPtr, configLen := bytesArg(config)
	jwksPtr, jwksLen := bytesArg(jwks)
	var ptr *C.tg_validator
	err := call("", "", func() C.tg_status {
		return C.tg_validator_new(configPtr, configLen, jwksPtr, jwksLen, &ptr)
	})
	runtime.KeepAlive(config)
	runtime.KeepAlive(jwks)
	if err != nil {
		return nil, err
	}
	v := &Validator{ptr: ptr}
	runtime.SetFinalizer(v, (*Validator).Close)
	return v, nil
}

// Close frees the validator. It is safe to call more than once.
func (v *Validator) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ptr != nil {
		C.tg_validator_free(v.ptr)
		v.ptr = nil
		runtime.SetFinalizer(v, nil)
	}
	return nil
}

// SetJWKS replaces the key set with the JWK Set document jwks, atomically:
// each validation uses the old set or the new one, never a mix. When jwks is
// rejected, the old set stays in force.
func (v *Validator) SetJWKS(jwks []byte) error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.ptr == nil {
		return ErrClosed
	}
	jwksPtr, jwksLen := bytesArg(jwks)
	err := call("", "", func() C.tg_status {
		return C.tg_validator_set_jwks(v.ptr, jwksPtr, jwksLen)
	})
	runtime.KeepAlive(jwks)
	return err
}

// KeyCounts returns the number of keys in the key set in force that can verify
// tokens, and the number the set skipped as weak, broken, not for signatures or
// of an unsupported type.
func (v *Validator) KeyCounts() (usable, skipped int, err error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.ptr == nil {
		return 0, 0, ErrClosed
	}
	var cUsable, cSkipped C.size_t
	err = call("", "", func() C.tg_status {
		return C.tg_validator_key_counts(v.ptr, &cUsable, &cSkipped)
	})
	return int(cUsable), int(cSkipped), err
}

// Validate validates a compact JWS access token at the current time.
func (v *Validator) Validate(token string) (*Token, error) {
	return v.ValidateAt(token, time.Now())
}

// ValidateAt validates a compact JWS access token at now, whole seconds.
func (v *Validator) ValidateAt(token string, now time.Time) (*Token, error) {
	return v.validate(token, now, inputToken, "", "")
}

// ValidateIntrospection checks an RFC 7662 introspection response body with
// the validator's policy at the current time and returns the token it
// describes. The token has no JWS header: Header returns nil and Algorithm
// "". An inactive token matches ErrInactive.
func (v *Validator) ValidateIntrospection(body []byte) (*Token, error) {
	return v.ValidateIntrospectionAt(body, time.Now())
}

// ValidateIntrospectionAt is ValidateIntrospection at now, whole seconds.
func (v *Validator) ValidateIntrospectionAt(body []byte, now time.Time) (*Token, error) {
	return v.validate(string(body), now, inputIntrospection, "", "")
}

// ValidateSignedIntrospection checks an RFC 9701 signed introspection response
// (a JWT) with the key set and the configured introspection_audience at the
// current time, and returns the token it describes.
func (v *Validator) ValidateSignedIntrospection(response string) (*Token, error) {
	return v.ValidateSignedIntrospectionAt(response, time.Now())
}

// ValidateSignedIntrospectionAt is ValidateSignedIntrospection at now, whole
// seconds.
func (v *Validator) ValidateSignedIntrospectionAt(response string, now time.Time) (*Token, error) {
	return v.validate(response, now, inputSignedIntrospection, "", "")
}

// ValidateAuthorization validates the token of an Authorization header value,
// such as "Bearer eyJ...", at the current time. A value that does not parse, or
// uses the DPoP scheme, whose proof is not checked here, matches ErrMalformed
// with HTTPStatus 400; ValidateDPoP checks a DPoP value with its proof.
func (v *Validator) ValidateAuthorization(value string) (*Token, error) {
	return v.ValidateAuthorizationAt(value, time.Now())
}

// ValidateAuthorizationAt is ValidateAuthorization at now, whole seconds.
func (v *Validator) ValidateAuthorizationAt(value string, now time.Time) (*Token, error) {
	return v.validate(value, now, inputAuthorization, "", "")
}

// inputKind says what the bytes given to validate are.
type inputKind int

const (
	inputToken inputKind = iota
	inputAuthorization
	inputIntrospection
	inputSignedIntrospection
)

// validate runs one validation; realm and scope go into the WWW-Authenticate
// value of a rejection.
func (v *Validator) validate(input string, now time.Time, kind inputKind, realm, scope string) (*Token, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.ptr == nil {
		return nil, ErrClosed
	}
	inputPtr, inputLen := stringArg(input)
	var ptr *C.tg_token
	at := C.int64_t(now.Unix())
	err := call(realm, scope, func() C.tg_status {
		switch kind {
		case inputAuthorization:
			return C.tg_validator_validate_authorization(v.ptr, inputPtr, inputLen, at, &ptr)
		case inputIntrospection:
			return C.tg_validator_validate_introspection(v.ptr, inputPtr, inputLen, at, &ptr)
		case inputSignedIntrospection:
			return C.tg_validator_validate_signed_introspection(v.ptr, inputPtr, inputLen, at, &ptr)
		default:
			return C.tg_validator_validate(v.ptr, inputPtr, inputLen, at, &ptr)
		}
	})
	runtime.KeepAlive(inputPtr)
	if err != nil {
		return nil, err
	}
	return newToken(ptr), nil
}

// challenge returns the WWW-Authenticate value for a request without a token.
func challenge(realm string) string {
	realmPtr, realmLen := stringArg(realm)
	value, ok := readString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_www_authenticate(C.TG_OK, realmPtr, realmLen, nil, 0, buf, n, outLen)
	})
	runtime.KeepAlive(realmPtr)
	if !ok {
		return "Bearer"
	}
	return value
}

// statusName returns the library's name of a status, for tests.
func statusName(code int) string {
	return C.GoString(C.tg_status_name(C.tg_status(code)))
}
