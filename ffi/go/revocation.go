package tokenguard

/*
#include "tokenguard.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"time"
)

// RevocationList is a bounded in-process list of revoked tokens: tokens
// revoked by issuer and jti, and per-subject cut-offs that revoke every token
// issued up to a time. Check it after validation on every request that a
// revocation must stop.
//
// Both tables have the capacity given to NewRevocationList. An entry is kept
// until 300 seconds (the largest leeway) after the time it was given to expire
// at. A full table first evicts expired entries; when none has expired, the
// revocation fails with an error matching ErrRevocationListFull and is not
// recorded.
//
// All methods are safe for concurrent use. Close frees it; calls after Close
// return ErrClosed.
type RevocationList struct {
	mu  sync.RWMutex
	ptr *C.tg_revocation_list
}

// NewRevocationList builds an empty list with room for maxTokens revoked jti
// values and maxSubjects subject cut-offs, about 84 bytes each, allocated now.
func NewRevocationList(maxTokens, maxSubjects int) (*RevocationList, error) {
	if maxTokens < 0 || maxSubjects < 0 {
		return nil, &Error{
			Code:       ErrInvalidConfig.Code,
			Name:       ErrInvalidConfig.Name,
			Message:    "maxTokens and maxSubjects must not be negative",
			HTTPStatus: ErrInvalidConfig.HTTPStatus,
		}
	}
	var ptr *C.tg_revocation_list
	err := call("", "", func() C.tg_status {
		return C.tg_revocation_list_new(C.size_t(maxTokens), C.size_t(maxSubjects), &ptr)
	})
	if err != nil {
		return nil, err
	}
	list := &RevocationList{ptr: ptr}
	runtime.SetFinalizer(list, (*RevocationList).Close)
	return list, nil
}

// Close frees the list. It is safe to call more than once.
func (l *RevocationList) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ptr != nil {
		C.tg_revocation_list_free(l.ptr)
		l.ptr = nil
		runtime.SetFinalizer(l, nil)
	}
	return nil
}

// Revoke revokes the token jti of issuer until expiresAt, its exp. Revoking a
// jti twice keeps the later expiry. A token whose exp is more than 300 seconds
// in the past cannot pass validation, so it is not stored and Revoke succeeds.
func (l *RevocationList) Revoke(issuer, jti string, expiresAt time.Time) error {
	return l.RevokeAt(issuer, jti, expiresAt, time.Now())
}

// RevokeAt is Revoke at now, whole seconds.
func (l *RevocationList) RevokeAt(issuer, jti string, expiresAt, now time.Time) error {
	issuerPtr, issuerLen := stringArg(issuer)
	jtiPtr, jtiLen := stringArg(jti)
	err := l.call(func(ptr *C.tg_revocation_list) C.tg_status {
		return C.tg_revocation_list_revoke(ptr, issuerPtr, issuerLen, jtiPtr, jtiLen,
			C.int64_t(expiresAt.Unix()), C.int64_t(now.Unix()))
	})
	runtime.KeepAlive(issuerPtr)
	runtime.KeepAlive(jtiPtr)
	return err
}

// RevokeToken revokes a verified token by its iss, jti and exp. The error
// matches ErrMissingClaim when the token has no jti.
func (l *RevocationList) RevokeToken(token *Token) error {
	return l.RevokeTokenAt(token, time.Now())
}

// RevokeTokenAt is RevokeToken at now, whole seconds.
func (l *RevocationList) RevokeTokenAt(token *Token, now time.Time) error {
	return l.withToken(token, func(list *C.tg_revocation_list, t *C.tg_token) C.tg_status {
		return C.tg_revocation_list_revoke_token(list, t, C.int64_t(now.Unix()))
	})
}

// RevokeSubject revokes every token of subject from issuer issued at or
// before cutoff (its iat), keeping the entry until keepUntil: cutoff plus the
// longest lifetime the issuer gives its tokens. A token of that subject
// without iat counts as revoked.
func (l *RevocationList) RevokeSubject(issuer, subject string, cutoff, keepUntil time.Time) error {
	return l.RevokeSubjectAt(issuer, subject, cutoff, keepUntil, time.Now())
}

// RevokeSubjectAt is RevokeSubject at now, whole seconds.
func (l *RevocationList) RevokeSubjectAt(issuer, subject string, cutoff, keepUntil, now time.Time) error {
	issuerPtr, issuerLen := stringArg(issuer)
	subjectPtr, subjectLen := stringArg(subject)
	err := l.call(func(ptr *C.tg_revocation_list) C.tg_status {
		return C.tg_revocation_list_revoke_subject(ptr, issuerPtr, issuerLen, subjectPtr, subjectLen,
			C.int64_t(cutoff.Unix()), C.int64_t(keepUntil.Unix()), C.int64_t(now.Unix()))
	})
	runtime.KeepAlive(issuerPtr)
	runtime.KeepAlive(subjectPtr)
	return err
}

// Check returns nil when the verified token is not revoked, and an error
// matching ErrRevoked when it is.
func (l *RevocationList) Check(token *Token) error {
	return l.withToken(token, func(list *C.tg_revocation_list, t *C.tg_token) C.tg_status {
		return C.tg_revocation_list_check(list, t)
	})
}

// EvictExpired removes every entry whose time has passed at now and returns
// how many were removed.
func (l *RevocationList) EvictExpired(now time.Time) (int, error) {
	var removed C.size_t
	err := l.call(func(ptr *C.tg_revocation_list) C.tg_status {
		return C.tg_revocation_list_evict_expired(ptr, C.int64_t(now.Unix()), &removed)
	})
	return int(removed), err
}

// Counts returns the number of revoked jti values and of subject cut-offs.
func (l *RevocationList) Counts() (tokens, subjects int, err error) {
	var cTokens, cSubjects C.size_t
	err = l.call(func(ptr *C.tg_revocation_list) C.tg_status {
		return C.tg_revocation_list_counts(ptr, &cTokens, &cSubjects)
	})
	return int(cTokens), int(cSubjects), err
}

// call runs fn on the live list, holding the read lock so that Close waits.
func (l *RevocationList) call(fn func(*C.tg_revocation_list) C.tg_status) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.ptr == nil {
		return ErrClosed
	}
	return call("", "", func() C.tg_status { return fn(l.ptr) })
}

// withToken runs fn on the live list and the live token.
func (l *RevocationList) withToken(token *Token, fn func(*C.tg_revocation_list, *C.tg_token) C.tg_status) error {
	token.mu.RLock()
	defer token.mu.RUnlock()
	if token.ptr == nil {
		return ErrClosed
	}
	return l.call(func(ptr *C.tg_revocation_list) C.tg_status { return fn(ptr, token.ptr) })
}
