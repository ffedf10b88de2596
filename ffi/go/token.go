package tokenguard

/*
#include <stdlib.h>
#include "tokenguard.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Token is an access token whose signature, header and claims passed every
// check. It owns copies of its header and claims, so it stays valid after its
// Validator is closed.
//
// All methods are safe for concurrent use. Close frees it; afterwards the
// accessors return zero values, and those with an error return ErrClosed.
type Token struct {
	mu  sync.RWMutex
	ptr *C.tg_token
}

func newToken(ptr *C.tg_token) *Token {
	t := &Token{ptr: ptr}
	runtime.SetFinalizer(t, (*Token).Close)
	return t
}

// Close frees the token. It is safe to call more than once.
func (t *Token) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ptr != nil {
		C.tg_token_free(t.ptr)
		t.ptr = nil
		runtime.SetFinalizer(t, nil)
	}
	return nil
}

// Subject returns the sub claim, and false when it is absent.
func (t *Token) Subject() (string, bool) {
	return t.optionalString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_token_subject(t.ptr, buf, n, outLen)
	})
}

// Issuer returns the iss claim, which every verified token has.
func (t *Token) Issuer() string {
	issuer, _ := t.optionalString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_token_issuer(t.ptr, buf, n, outLen)
	})
	return issuer
}

// ClientID returns the client_id claim (RFC 9068), and false when it is absent.
func (t *Token) ClientID() (string, bool) {
	return t.optionalString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_token_client_id(t.ptr, buf, n, outLen)
	})
}

// JWTID returns the jti claim, and false when it is absent.
func (t *Token) JWTID() (string, bool) {
	return t.optionalString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_token_jwt_id(t.ptr, buf, n, outLen)
	})
}

// KeyID returns the header kid, and false when it is absent.
func (t *Token) KeyID() (string, bool) {
	return t.optionalString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_token_key_id(t.ptr, buf, n, outLen)
	})
}

// Algorithm returns the name of the algorithm that verified the token, such as
// "ES256".
func (t *Token) Algorithm() string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.ptr == nil {
		return ""
	}
	var name *C.char
	if C.tg_token_algorithm(t.ptr, &name) != C.TG_OK {
		return ""
	}
	return C.GoString(name)
}

// ExpiresAt returns the exp claim, which every verified token has.
func (t *Token) ExpiresAt() time.Time {
	at, _ := t.date(func(out *C.int64_t) C.tg_status { return C.tg_token_expires_at(t.ptr, out) })
	return at
}

// IssuedAt returns the iat claim, and false when it is absent.
func (t *Token) IssuedAt() (time.Time, bool) {
	return t.date(func(out *C.int64_t) C.tg_status { return C.tg_token_issued_at(t.ptr, out) })
}

// NotBefore returns the nbf claim, and false when it is absent.
func (t *Token) NotBefore() (time.Time, bool) {
	return t.date(func(out *C.int64_t) C.tg_status { return C.tg_token_not_before(t.ptr, out) })
}

// Audiences returns the values of aud, whether it is a string or an array.
func (t *Token) Audiences() []string {
	return t.list(
		func(out *C.size_t) C.tg_status { return C.tg_token_audience_count(t.ptr, out) },
		func(i C.size_t, buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
			return C.tg_token_audience(t.ptr, i, buf, n, outLen)
		})
}

// Scopes returns the scopes the token grants: the values of scope or, with
// scope_claims "scope-or-scp" configured and no scope claim, of scp.
func (t *Token) Scopes() []string {
	return t.list(
		func(out *C.size_t) C.tg_status { return C.tg_token_scope_count(t.ptr, out) },
		func(i C.size_t, buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
			return C.tg_token_scope(t.ptr, i, buf, n, outLen)
		})
}

// HasScope reports whether the token grants scope, compared exactly.
func (t *Token) HasScope(scope string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.ptr == nil {
		return false
	}
	scopePtr, scopeLen := stringArg(scope)
	var granted C.bool
	status := C.tg_token_has_scope(t.ptr, scopePtr, scopeLen, &granted)
	runtime.KeepAlive(scopePtr)
	return status == C.TG_OK && bool(granted)
}

// Payload returns a copy of the verified claims, one JSON object.
func (t *Token) Payload() []byte {
	return t.borrowed(func(ptr **C.uint8_t, n *C.size_t) C.tg_status {
		return C.tg_token_payload(t.ptr, ptr, n)
	})
}

// Header returns a copy of the verified JOSE header, one JSON object.
func (t *Token) Header() []byte {
	return t.borrowed(func(ptr **C.uint8_t, n *C.size_t) C.tg_status {
		return C.tg_token_header(t.ptr, ptr, n)
	})
}

// ClaimString returns the string claim name, unescaped. The error matches
// ErrNotFound when the claim is absent or null, and ErrTypeMismatch when it is
// not a string.
func (t *Token) ClaimString(name string) (string, error) {
	var value string
	err := t.withName(name, func(namePtr *C.uint8_t, nameLen C.size_t) error {
		var err error
		value, err = t.readChecked(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
			return C.tg_token_claim_string(t.ptr, namePtr, nameLen, buf, n, outLen)
		})
		return err
	})
	return value, err
}

// ClaimFloat64 returns the number claim name. The error matches ErrNotFound,
// ErrTypeMismatch, or ErrOutOfRange for a number too large for a float64.
func (t *Token) ClaimFloat64(name string) (float64, error) {
	var value C.double
	err := t.withName(name, func(namePtr *C.uint8_t, nameLen C.size_t) error {
		return call("", "", func() C.tg_status {
			return C.tg_token_claim_number(t.ptr, namePtr, nameLen, &value)
		})
	})
	return float64(value), err
}

// ClaimInt64 returns the integer claim name. The error matches ErrNotFound,
// ErrTypeMismatch, or ErrOutOfRange for a number with a fraction or exponent,
// or outside the int64 range.
func (t *Token) ClaimInt64(name string) (int64, error) {
	var value C.int64_t
	err := t.withName(name, func(namePtr *C.uint8_t, nameLen C.size_t) error {
		return call("", "", func() C.tg_status {
			return C.tg_token_claim_int64(t.ptr, namePtr, nameLen, &value)
		})
	})
	return int64(value), err
}

// ClaimBool returns the boolean claim name. The error matches ErrNotFound or
// ErrTypeMismatch.
func (t *Token) ClaimBool(name string) (bool, error) {
	var value C.bool
	err := t.withName(name, func(namePtr *C.uint8_t, nameLen C.size_t) error {
		return call("", "", func() C.tg_status {
			return C.tg_token_claim_bool(t.ptr, namePtr, nameLen, &value)
		})
	})
	return bool(value), err
}

// ClaimStrings returns the array claim name, whose elements must be strings.
// The error matches ErrNotFound, or ErrTypeMismatch when it is not an array or
// an element is not a string.
func (t *Token) ClaimStrings(name string) ([]string, error) {
	var values []string
	err := t.withName(name, func(namePtr *C.uint8_t, nameLen C.size_t) error {
		var count C.size_t
		err := call("", "", func() C.tg_status {
			return C.tg_token_claim_array_len(t.ptr, namePtr, nameLen, &count)
		})
		if err != nil {
			return err
		}
		values = make([]string, 0, int(count))
		for i := C.size_t(0); i < count; i++ {
			value, err := t.readChecked(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
				return C.tg_token_claim_array_string(t.ptr, namePtr, nameLen, i, buf, n, outLen)
			})
			if err != nil {
				return err
			}
			values = append(values, value)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return values, nil
}

// Claim returns the claim name decoded from the payload with encoding/json,
// numbers as json.Number so that none loses precision: a string, json.Number,
// bool, []any or map[string]any. The error matches ErrNotFound when the claim
// is absent or null.
func (t *Token) Claim(name string) (any, error) {
	payload := t.Payload()
	if payload == nil {
		return nil, ErrClosed
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, err
	}
	raw, ok := claims[name]
	if !ok || string(raw) == "null" {
		return nil, &Error{Code: ErrNotFound.Code, Name: ErrNotFound.Name, HTTPStatus: 500,
			Message: "claim \"" + name + "\" is absent or null"}
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return nil, err
	}
	return value, nil
}

// optionalString reads a string, and false when it is absent or the token is
// closed.
func (t *Token) optionalString(fn func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.ptr == nil {
		return "", false
	}
	return readString(fn)
}

// readChecked reads a string on one OS thread and returns the library's error
// on failure. The caller holds t.mu.
func (t *Token) readChecked(fn func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status) (string, error) {
	var value string
	err := call("", "", func() C.tg_status {
		var small [256]byte
		var n C.size_t
		status := fn((*C.uint8_t)(unsafe.Pointer(&small[0])), C.size_t(len(small)), &n)
		if status == C.TG_BUFFER_TOO_SMALL {
			large := make([]byte, n)
			status = fn((*C.uint8_t)(unsafe.Pointer(&large[0])), n, &n)
			value = string(large[:n])
		} else {
			value = string(small[:n])
		}
		return status
	})
	return value, err
}

// withName runs fn with name as C arguments while the token is open.
func (t *Token) withName(name string, fn func(namePtr *C.uint8_t, nameLen C.size_t) error) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.ptr == nil {
		return ErrClosed
	}
	namePtr, nameLen := stringArg(name)
	err := fn(namePtr, nameLen)
	runtime.KeepAlive(namePtr)
	return err
}

// date reads a NumericDate, and false when it is absent or the token is closed.
func (t *Token) date(fn func(out *C.int64_t) C.tg_status) (time.Time, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.ptr == nil {
		return time.Time{}, false
	}
	var seconds C.int64_t
	if fn(&seconds) != C.TG_OK {
		return time.Time{}, false
	}
	return time.Unix(int64(seconds), 0), true
}

// list reads a count and then each string by index.
func (t *Token) list(
	count func(out *C.size_t) C.tg_status,
	at func(i C.size_t, buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status,
) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.ptr == nil {
		return nil
	}
	var n C.size_t
	if count(&n) != C.TG_OK {
		return nil
	}
	values := make([]string, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		value, ok := readString(func(buf *C.uint8_t, size C.size_t, outLen *C.size_t) C.tg_status {
			return at(i, buf, size, outLen)
		})
		if ok {
			values = append(values, value)
		}
	}
	return values
}

// borrowed copies text that the token owns.
func (t *Token) borrowed(fn func(ptr **C.uint8_t, n *C.size_t) C.tg_status) []byte {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.ptr == nil {
		return nil
	}
	var ptr *C.uint8_t
	var n C.size_t
	if fn(&ptr, &n) != C.TG_OK {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(ptr), C.int(n))
}
