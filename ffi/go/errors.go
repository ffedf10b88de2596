package tokenguard

/*
#include <stdlib.h>
#include "tokenguard.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"unsafe"
)

// Error is a failure reported by libtokenguard: a rejected token, an invalid
// configuration or key set, or a bad argument.
//
// Compare it with the sentinel values by status, for example
// errors.Is(err, ErrExpired), and read its fields with errors.As.
type Error struct {
	// Code is the status: the Rust core's error code (100 to 899) or a code of
	// the C layer (900 to 999).
	Code int
	// Name is the status name, such as "expired".
	Name string
	// Message describes what failed, with the values involved, such as
	// "token expired at 1767225600 (now 1767229200)".
	Message string
	// HTTPStatus is the status an API should respond with: 400, 401 or 403 for a
	// rejected request (RFC 6750 section 3.1), 500 for a server-side fault.
	HTTPStatus int
	// BearerError is the RFC 6750 error code ("invalid_request",
	// "invalid_token" or "insufficient_scope"), one of the RFC 9449 codes
	// "invalid_dpop_proof" and "use_dpop_nonce", or "" when there is none.
	BearerError string
	// WWWAuthenticate is the challenge to send with HTTPStatus, such as
	// `Bearer error="invalid_token", error_description="..."`. It is "" for
	// errors that are not about a request, such as an invalid configuration.
	WWWAuthenticate string
}

// Error returns the message with the status name.
func (e *Error) Error() string {
	return "tokenguard: " + e.Message + " (" + e.Name + ")"
}

// Is reports whether target is an *Error with the same status, so that
// errors.Is(err, ErrExpired) holds for every expired token.
func (e *Error) Is(target error) bool {
	var other *Error
	return errors.As(target, &other) && other.Code == e.Code
}

// ErrClosed is returned by calls on a Validator, Token or other handle after
// Close.
var ErrClosed = errors.New("tokenguard: the validator or token is closed")

// The statuses, one sentinel each. Their Message is the generic description of
// the status, not that of a particular failure.
var (
	ErrMalformed           = sentinel(C.TG_MALFORMED)
	ErrTooLarge            = sentinel(C.TG_TOO_LARGE)
	ErrUnsupportedAlg      = sentinel(C.TG_UNSUPPORTED_ALG)
	ErrUnsupportedCrit     = sentinel(C.TG_UNSUPPORTED_CRIT)
	ErrUnknownKid          = sentinel(C.TG_UNKNOWN_KID)
	ErrKeyMismatch         = sentinel(C.TG_KEY_MISMATCH)
	ErrWeakKey             = sentinel(C.TG_WEAK_KEY)
	ErrInvalidKey          = sentinel(C.TG_INVALID_KEY)
	ErrBadSignature        = sentinel(C.TG_BAD_SIGNATURE)
	ErrKidRequired         = sentinel(C.TG_KID_REQUIRED)
	ErrSigningFailed       = sentinel(C.TG_SIGNING_FAILED)
	ErrExpired             = sentinel(C.TG_EXPIRED)
	ErrNotYetValid         = sentinel(C.TG_NOT_YET_VALID)
	ErrIssuedInFuture      = sentinel(C.TG_ISSUED_IN_FUTURE)
	ErrInvalidClaim        = sentinel(C.TG_INVALID_CLAIM)
	ErrMissingClaim        = sentinel(C.TG_MISSING_CLAIM)
	ErrWrongIssuer         = sentinel(C.TG_WRONG_ISSUER)
	ErrWrongAudience       = sentinel(C.TG_WRONG_AUDIENCE)
	ErrWrongType           = sentinel(C.TG_WRONG_TYPE)
	ErrInsufficientScope   = sentinel(C.TG_INSUFFICIENT_SCOPE)
	ErrProofRequired       = sentinel(C.TG_PROOF_REQUIRED)
	ErrInactive            = sentinel(C.TG_INACTIVE)
	ErrRevoked             = sentinel(C.TG_REVOKED)
	ErrCertificateMismatch = sentinel(C.TG_CERTIFICATE_MISMATCH)
	ErrInvalidDPoPProof    = sentinel(C.TG_INVALID_DPOP_PROOF)
	ErrUseDPoPNonce        = sentinel(C.TG_USE_DPOP_NONCE)
	ErrReplayed            = sentinel(C.TG_REPLAYED)
	ErrUnknownClient       = sentinel(C.TG_UNKNOWN_CLIENT)
	ErrInvalidConfig       = sentinel(C.TG_INVALID_CONFIG)
	ErrRevocationListFull  = sentinel(C.TG_REVOCATION_LIST_FULL)
	ErrReplayCacheFull     = sentinel(C.TG_REPLAY_CACHE_FULL)
	ErrNullPointer         = sentinel(C.TG_NULL_POINTER)
	ErrInvalidUTF8         = sentinel(C.TG_INVALID_UTF8)
	ErrPanic               = sentinel(C.TG_PANIC)
	ErrBufferTooSmall      = sentinel(C.TG_BUFFER_TOO_SMALL)
	ErrNotFound            = sentinel(C.TG_NOT_FOUND)
	ErrTypeMismatch        = sentinel(C.TG_TYPE_MISMATCH)
	ErrOutOfRange          = sentinel(C.TG_OUT_OF_RANGE)
	ErrInvalidArgument     = sentinel(C.TG_INVALID_ARGUMENT)
)

// sentinel returns the *Error of a status with the library's static strings.
func sentinel(status C.tg_status) *Error {
	err := &Error{
		Code:       int(status),
		Name:       C.GoString(C.tg_status_name(status)),
		Message:    C.GoString(C.tg_status_message(status)),
		HTTPStatus: int(C.tg_status_http_status(status)),
	}
	if bearer := C.tg_status_bearer_error(status); bearer != nil {
		err.BearerError = C.GoString(bearer)
	}
	return err
}

// call runs one library call and, when it fails, reads the thread's last error.
//
// The last error is kept per OS thread, so the goroutine stays on its thread
// from the call until the error is read. realm and scope go into the
// WWW-Authenticate value of a rejection.
func call(realm, scope string, fn func() C.tg_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := fn()
	if status == C.TG_OK {
		return nil
	}
	return lastError(status, realm, scope)
}

// lastError reads the calling thread's last error, which has status.
func lastError(status C.tg_status, realm, scope string) *Error {
	err := sentinel(status)
	if message, ok := readString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
		return C.tg_last_error_message(buf, n, outLen)
	}); ok {
		err.Message = message
	}

	var httpStatus C.uint16_t
	if C.tg_last_error_http_status(&httpStatus) == C.TG_OK {
		err.HTTPStatus = int(httpStatus)
	}
	var bearer *C.char
	if C.tg_last_error_bearer_error(&bearer) == C.TG_OK {
		err.BearerError = ""
		if bearer != nil {
			err.BearerError = C.GoString(bearer)
		}
	}

	// A challenge belongs to a response to a request, which a server-side
	// fault (500) is not.
	if err.HTTPStatus < 500 {
		realmPtr, realmLen := stringArg(realm)
		scopePtr, scopeLen := stringArg(scope)
		challenge, ok := readString(func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status {
			return C.tg_last_error_www_authenticate(realmPtr, realmLen, scopePtr, scopeLen, buf, n, outLen)
		})
		if ok {
			err.WWWAuthenticate = challenge
		}
		runtime.KeepAlive(realmPtr)
		runtime.KeepAlive(scopePtr)
	}
	return err
}

// readString calls fn with a buffer, and again with a larger one when the
// result does not fit, and returns the result.
func readString(fn func(buf *C.uint8_t, n C.size_t, outLen *C.size_t) C.tg_status) (string, bool) {
	var small [256]byte
	var n C.size_t
	status := fn((*C.uint8_t)(unsafe.Pointer(&small[0])), C.size_t(len(small)), &n)
	if status == C.TG_OK {
		return string(small[:n]), true
	}
	if status != C.TG_BUFFER_TOO_SMALL {
		return "", false
	}
	large := make([]byte, n)
	if fn((*C.uint8_t)(unsafe.Pointer(&large[0])), n, &n) != C.TG_OK {
		return "", false
	}
	return string(large[:n]), true
}

// stringArg returns a pointer to a copy of s and its length, as bytesArg does.
// Go 1.19 has no way to pass a string's own bytes, so they are copied.
func stringArg(s string) (*C.uint8_t, C.size_t) {
	return bytesArg([]byte(s))
}

// bytesArg returns a pointer to the first byte of b and its length, or NULL
// and 0 for an empty b. The pointer is valid while b is alive and must not be
// kept by C, which no tg_ function does with its inputs.
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}
