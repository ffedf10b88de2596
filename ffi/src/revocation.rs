//! The revocation-list handle: the core's bounded list of revoked `jti` values and
//! subject cut-offs, behind a lock so that any thread may use it.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokenguard_core::RevocationList;

use crate::boundary::{self, Out};
use crate::status::tg_status;
use crate::token::tg_token;

/// A revocation list: revoked tokens by issuer and `jti`, and per-subject
/// cut-offs that revoke every token issued up to a time.
///
/// Both tables have the fixed capacity given to `tg_revocation_list_new`. An entry
/// is kept until 300 seconds (the largest leeway) after the time it was given to
/// expire at; a full table evicts expired entries, and otherwise the revocation
/// fails with `TG_REVOCATION_LIST_FULL` and is not recorded. Any number of
/// threads may use one list at once; only `tg_revocation_list_free` must not
/// overlap another call on it.
pub struct tg_revocation_list {
    list: RwLock<RevocationList>,
}

/// Builds an empty revocation list with room for `max_tokens` revoked `jti`
/// values and `max_subjects` subject cut-offs, and writes it to `*out_list`.
///
/// The tables are allocated here, about 84 bytes per entry; revoking and checking
/// allocate nothing. The caller owns the list and frees it with
/// `tg_revocation_list_free`.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` when a capacity exceeds 4194304, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `out_list` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_revocation_list_new(
    max_tokens: usize,
    max_subjects: usize,
    out_list: *mut *mut tg_revocation_list,
) -> tg_status {
    boundary::call(|| {
        let out = Out::new(out_list, "out_list")?;
        let list = RevocationList::new(max_tokens, max_subjects)?;
        let handle = tg_revocation_list {
            list: RwLock::new(list),
        };
        // SAFETY: the caller promises `out_list` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(handle))) };
        Ok(())
    })
}

/// Revokes the token with `jti` from `issuer` until `expires_at` (its `exp`, in
/// Unix seconds), at `now`.
///
/// Revoking a `jti` twice keeps the later expiry. A token whose `exp` is more than
/// 300 seconds before `now` cannot pass validation, so it is not stored and the
/// call succeeds. Both strings are copied into a digest and need not be
/// NUL-terminated.
///
/// # Errors
///
/// `TG_REVOCATION_LIST_FULL`, `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `list` must be a live list; `issuer_ptr` and `jti_ptr` must point to
/// `issuer_len` and `jti_len` readable bytes, or be NULL with length 0.
#[no_mangle]
pub unsafe extern "C" fn tg_revocation_list_revoke(
    list: *const tg_revocation_list,
    issuer_ptr: *const u8,
    issuer_len: usize,
    jti_ptr: *const u8,
    jti_len: usize,
    expires_at: i64,
    now: i64,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live list.
        let list = unsafe { boundary::handle(list, "list") }?;
        // SAFETY: the caller promises `issuer_len` readable bytes at `issuer_ptr`.
        let issuer = unsafe { boundary::text(issuer_ptr, issuer_len, "issuer_ptr") }?;
        // SAFETY: the caller promises `jti_len` readable bytes at `jti_ptr`.
        let jti = unsafe { boundary::text(jti_ptr, jti_len, "jti_ptr") }?;
        list.write().revoke(issuer, jti, expires_at, now)?;
        Ok(())
    })
}

/// Revokes a verified token by its `iss`, `jti` and `exp`, at `now`.
///
/// # Errors
///
/// `TG_MISSING_CLAIM` when the token has no `jti` or `exp`,
/// `TG_REVOCATION_LIST_FULL`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `list` must be a live list and `token` a live token.
#[no_mangle]
pub unsafe extern "C" fn tg_revocation_list_revoke_token(
    list: *const tg_revocation_list,
    token: *const tg_token,
    now: i64,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live list.
        let list = unsafe { boundary::handle(list, "list") }?;
        // SAFETY: the caller promises a live token.
        let token = unsafe { boundary::handle(token, "token") }?;
        let claims = token.claims()?;
        list.write().revoke_token(&claims, now)?;
        Ok(())
    })
}

/// Revokes every token of `subject` from `issuer` issued at or before `cutoff`
/// (compared with `iat`, in Unix seconds), at `now`.
///
/// The entry is kept until `keep_until`, which should be `cutoff` plus the longest
/// lifetime the issuer gives its tokens. A second cut-off for the same subject
/// keeps the later `cutoff` and the later `keep_until`. A token of that subject
/// without `iat` counts as revoked.
///
/// # Errors
///
/// `TG_REVOCATION_LIST_FULL`, `TG_INVALID_UTF8`, `TG_NULL_POINTER`.
///
/// # Safety
///
/// `list` must be a live list; `issuer_ptr` and `subject_ptr` must point to
/// `issuer_len` and `subject_len` readable bytes, or be NULL with length 0.
#[no_mangle]
pub unsafe extern "C" fn tg_revocation_list_revoke_subject(
    list: *const tg_revocation_list,
    issuer_ptr: *const u8,
    issuer_len: usize,
    subject_ptr: *const u8,
    subject_len: usize,
    cutoff: i64,
    keep_until: i64,
    now: i64,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live list.
        let list = unsafe { boundary::handle(list, "list") }?;
        // SAFETY: the caller promises `issuer_len` readable bytes at `issuer_ptr`.
        let issuer = unsafe { boundary::text(issuer_ptr, issuer_len, "issuer_ptr") }?;
        // SAFETY: the caller promises `subject_len` readable bytes at `subject_ptr`.
        let subject = unsafe { boundary::text(subject_ptr, subject_len, "subject_ptr") }?;
        let mut list = list.write();
        list.revoke_subject(issuer, subject, cutoff, keep_until, now)?;
        Ok(())
    })
}

/// Checks a verified token against the list: `TG_OK` when it is not revoked.
///
/// Call it after validation, on every request that a revocation must stop.
///
/// # Errors
///
/// `TG_REVOKED` when the token's `iss` and `jti` were revoked, or its `iss` and
/// `sub` have a cut-off at or after its `iat` (or it has no `iat`);
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `list` must be a live list and `token` a live token.
#[no_mangle]
pub unsafe extern "C" fn tg_revocation_list_check(
    list: *const tg_revocation_list,
    token: *const tg_token,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live list.
        let list = unsafe { boundary::handle(list, "list") }?;
        // SAFETY: the caller promises a live token.
        let token = unsafe { boundary::handle(token, "token") }?;
        let claims = token.claims()?;
        list.read().check(&claims)?;
        Ok(())
    })
}

/// Removes every entry whose time has passed at `now`, and writes how many were
/// removed to `*out_removed`.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `list` must be a live list and `out_removed` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_revocation_list_evict_expired(
    list: *const tg_revocation_list,
    now: i64,
    out_removed: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live list.
        let list = unsafe { boundary::handle(list, "list") }?;
        let out = Out::new(out_removed, "out_removed")?;
        let removed = list.write().evict_expired(now);
        // SAFETY: the caller promises `out_removed` is valid for a write.
        unsafe { out.write(removed) };
        Ok(())
    })
}

/// Writes the number of revoked `jti` values to `*out_tokens` and of subject
/// cut-offs to `*out_subjects`.
///
/// # Errors
///
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// `list` must be a live list and each out-parameter valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_revocation_list_counts(
    list: *const tg_revocation_list,
    out_tokens: *mut usize,
    out_subjects: *mut usize,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises a live list.
        let list = unsafe { boundary::handle(list, "list") }?;
        let out_tokens = Out::new(out_tokens, "out_tokens")?;
        let out_subjects = Out::new(out_subjects, "out_subjects")?;
        let list = list.read();
        // SAFETY: the caller promises the out-parameters are valid for writes.
        unsafe {
            out_tokens.write(list.token_count());
            out_subjects.write(list.subject_count());
        }
        Ok(())
    })
}

/// Frees a revocation list. NULL is ignored.
///
/// # Safety
///
/// `list` must be NULL or a list from `tg_revocation_list_new` that was not freed
/// yet, and no other call may use it while or after it is freed.
#[no_mangle]
pub unsafe extern "C" fn tg_revocation_list_free(list: *mut tg_revocation_list) {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::free(list) }
}

impl tg_revocation_list {
    /// Locks the list for a check. A panic while the lock was held cannot leave a
    /// table half updated, because each update is one `Vec` insertion or retain,
    /// so a poisoned lock is used as it is.
    fn read(&self) -> RwLockReadGuard<'_, RevocationList> {
        self.list.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, RevocationList> {
        self.list.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::status::{TG_INVALID_CONFIG, TG_NULL_POINTER, TG_OK, TG_REVOCATION_LIST_FULL};

    const NOW: i64 = 1_767_229_200;

    fn new_list(max_tokens: usize) -> *mut tg_revocation_list {
        let mut list = ptr::null_mut();
        // SAFETY: `list` is valid for a write.
        let status = unsafe { tg_revocation_list_new(max_tokens, 1, &mut list) };
        assert_eq!(status, TG_OK);
        list
    }

    fn revoke(list: *const tg_revocation_list, jti: &str) -> tg_status {
        let issuer = "https://issuer.test";
        // SAFETY: both strings are live for the call.
        unsafe {
            tg_revocation_list_revoke(
                list,
                issuer.as_ptr(),
                issuer.len(),
                jti.as_ptr(),
                jti.len(),
                NOW + 600,
                NOW,
            )
        }
    }

    fn counts(list: *const tg_revocation_list) -> (usize, usize) {
        let (mut tokens, mut subjects) = (0, 0);
        // SAFETY: the out-parameters are valid for writes.
        let status = unsafe { tg_revocation_list_counts(list, &mut tokens, &mut subjects) };
        assert_eq!(status, TG_OK);
        (tokens, subjects)
    }

    #[test]
    fn handle_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<tg_revocation_list>();
    }

    #[test]
    fn full_list_reports_status() {
        let list = new_list(1);
        assert_eq!(revoke(list, "a"), TG_OK);
        assert_eq!(revoke(list, "b"), TG_REVOCATION_LIST_FULL);
        assert_eq!(counts(list), (1, 0));
        // SAFETY: the list is live and freed once.
        unsafe { tg_revocation_list_free(list) };
    }

    #[test]
    fn capacity_over_limit_rejected() {
        let mut list = ptr::null_mut();
        // SAFETY: `list` is valid for a write.
        let status = unsafe { tg_revocation_list_new(usize::MAX, 0, &mut list) };
        assert_eq!(status, TG_INVALID_CONFIG);
        assert!(list.is_null());
    }

    #[test]
    fn null_arguments_rejected() {
        let list = new_list(1);
        // SAFETY: NULL pointers with nonzero lengths are what is being tested; the
        // boundary rejects them before reading.
        let status =
            unsafe { tg_revocation_list_revoke(list, ptr::null(), 3, ptr::null(), 0, NOW, NOW) };
        assert_eq!(status, TG_NULL_POINTER);
        // SAFETY: as above, for the token handle.
        let status = unsafe { tg_revocation_list_check(list, ptr::null()) };
        assert_eq!(status, TG_NULL_POINTER);
        // SAFETY: as above, for the list handle.
        let status =
            unsafe { tg_revocation_list_counts(ptr::null(), ptr::null_mut(), ptr::null_mut()) };
        assert_eq!(status, TG_NULL_POINTER);
        // SAFETY: the list is live and freed once.
        unsafe { tg_revocation_list_free(list) };
    }
}
