//! The revocation-list functions, each checked against a core `RevocationList`
//! that gets the same calls with the same arguments.

use arbitrary::Arbitrary;
use tokenguard::{Claims, RevocationList};
use tokenguard_ffi::{
    tg_revocation_list, tg_revocation_list_check, tg_revocation_list_counts,
    tg_revocation_list_evict_expired, tg_revocation_list_free, tg_revocation_list_new,
    tg_revocation_list_revoke, tg_revocation_list_revoke_subject, tg_revocation_list_revoke_token,
    tg_status, TG_REVOKED,
};

use super::args::{Faults, HandleArg, NowArg, OutArg, OutCell, UNWRITTEN_LEN};
use super::calls::{Call, Expect};
use super::requests::{CapacityArg, TextArg, ISSUERS, JTIS, SUBJECTS};
use super::Harness;

/// A call of the revocation-list functions.
#[derive(Arbitrary, Debug)]
pub enum RevocationOp<'a> {
    /// `tg_revocation_list_new`.
    New {
        /// The capacity for `jti` values.
        max_tokens: CapacityArg,
        /// The capacity for subject cut-offs.
        max_subjects: CapacityArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_revocation_list_revoke`.
    Revoke {
        /// The list.
        list: HandleArg,
        /// The issuer.
        issuer: TextArg<'a>,
        /// The `jti`.
        jti: TextArg<'a>,
        /// The token's `exp`.
        expires_at: NowArg,
        /// The time of the call.
        now: NowArg,
    },
    /// `tg_revocation_list_revoke_token`.
    RevokeToken {
        /// The list.
        list: HandleArg,
        /// The token.
        token: HandleArg,
        /// The time of the call.
        now: NowArg,
    },
    /// `tg_revocation_list_revoke_subject`.
    RevokeSubject {
        /// The list.
        list: HandleArg,
        /// The issuer.
        issuer: TextArg<'a>,
        /// The subject.
        subject: TextArg<'a>,
        /// The cut-off, compared with `iat`.
        cutoff: NowArg,
        /// The time until which the entry is kept.
        keep_until: NowArg,
        /// The time of the call.
        now: NowArg,
    },
    /// `tg_revocation_list_check`.
    Check {
        /// The list.
        list: HandleArg,
        /// The token.
        token: HandleArg,
    },
    /// `tg_revocation_list_evict_expired`.
    EvictExpired {
        /// The list.
        list: HandleArg,
        /// The time of the call.
        now: NowArg,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_revocation_list_counts`.
    Counts {
        /// The list.
        list: HandleArg,
        /// The `jti` count out-parameter.
        tokens: OutArg,
        /// The subject count out-parameter.
        subjects: OutArg,
    },
    /// `tg_revocation_list_free`, for which NULL is a no-op.
    Free {
        /// The list.
        list: HandleArg,
    },
}

/// A live revocation list and the core list that gets the same calls.
pub struct LiveRevocationList {
    /// The handle.
    pub ptr: *mut tg_revocation_list,
    /// The core list.
    pub twin: RevocationList,
}

fn code(result: Result<(), tokenguard::Error>) -> Result<(), tg_status> {
    result.map_err(|error| tg_status::from(error.code()))
}

impl Harness {
    pub(super) fn revocation(&mut self, op: &RevocationOp<'_>) {
        match *op {
            RevocationOp::New {
                max_tokens,
                max_subjects,
                out,
            } => self.new_revocation_list(max_tokens.value(), max_subjects.value(), out),
            RevocationOp::Revoke {
                list,
                issuer,
                jti,
                expires_at,
                now,
            } => {
                let (index, ptr) = self.list(list);
                let (issuer, jti) = (issuer.input(&ISSUERS), jti.input(&JTIS));
                let call = Call::new("tg_revocation_list_revoke")
                    .with(Faults::null_if(ptr.is_null()))
                    .with(issuer.text_faults())
                    .with(jti.text_faults());
                let (expires_at, now) = (expires_at.value(), now.value());
                let expected = match (index, call.faults.any()) {
                    (Some(index), false) => {
                        let (issuer, jti) = (issuer.text().unwrap(), jti.text().unwrap());
                        let twin = &mut self.lists[index].twin;
                        Some(code(twin.revoke(issuer, jti, expires_at, now)))
                    }
                    _ => None,
                };
                // SAFETY: `ptr` is NULL or a live list, and the inputs are NULL or
                // valid for their lengths.
                self.checker.status(call, expected, || unsafe {
                    tg_revocation_list_revoke(
                        ptr,
                        issuer.ptr(),
                        issuer.len(),
                        jti.ptr(),
                        jti.len(),
                        expires_at,
                        now,
                    )
                });
            }
            RevocationOp::RevokeToken { list, token, now } => {
                let (index, ptr) = self.list(list);
                let token = token.pick(self.tokens.len());
                let token_ptr = token.map_or(std::ptr::null(), |i| self.tokens[i].ptr.cast_const());
                let call = Call::new("tg_revocation_list_revoke_token")
                    .with(Faults::null_if(ptr.is_null() || token_ptr.is_null()));
                let now = now.value();
                let expected = match (index, token) {
                    (Some(index), Some(token)) => {
                        let claims = Claims::parse(self.tokens[token].payload.as_bytes());
                        let claims = claims.expect("verified claims");
                        Some(code(self.lists[index].twin.revoke_token(&claims, now)))
                    }
                    _ => None,
                };
                // SAFETY: `ptr` is NULL or a live list and `token_ptr` NULL or a live
                // token.
                self.checker.status(call, expected, || unsafe {
                    tg_revocation_list_revoke_token(ptr, token_ptr, now)
                });
            }
            RevocationOp::RevokeSubject {
                list,
                issuer,
                subject,
                cutoff,
                keep_until,
                now,
            } => {
                let (index, ptr) = self.list(list);
                let (issuer, subject) = (issuer.input(&ISSUERS), subject.input(&SUBJECTS));
                let call = Call::new("tg_revocation_list_revoke_subject")
                    .with(Faults::null_if(ptr.is_null()))
                    .with(issuer.text_faults())
                    .with(subject.text_faults());
                let (cutoff, keep_until, now) = (cutoff.value(), keep_until.value(), now.value());
                let expected = match (index, call.faults.any()) {
                    (Some(index), false) => {
                        let (issuer, subject) = (issuer.text().unwrap(), subject.text().unwrap());
                        let twin = &mut self.lists[index].twin;
                        let result = twin.revoke_subject(issuer, subject, cutoff, keep_until, now);
                        Some(code(result))
                    }
                    _ => None,
                };
                // SAFETY: `ptr` is NULL or a live list, and the inputs are NULL or
                // valid for their lengths.
                self.checker.status(call, expected, || unsafe {
                    tg_revocation_list_revoke_subject(
                        ptr,
                        issuer.ptr(),
                        issuer.len(),
                        subject.ptr(),
                        subject.len(),
                        cutoff,
                        keep_until,
                        now,
                    )
                });
            }
            RevocationOp::Check { list, token } => {
                let (index, ptr) = self.list(list);
                let token = token.pick(self.tokens.len());
                let token_ptr = token.map_or(std::ptr::null(), |i| self.tokens[i].ptr.cast_const());
                let call = Call::new("tg_revocation_list_check")
                    .with(Faults::null_if(ptr.is_null() || token_ptr.is_null()));
                let expected = match (index, token) {
                    (Some(index), Some(token)) => {
                        let claims = Claims::parse(self.tokens[token].payload.as_bytes());
                        let claims = claims.expect("verified claims");
                        Some(code(self.lists[index].twin.check(&claims)))
                    }
                    _ => None,
                };
                // SAFETY: `ptr` is NULL or a live list and `token_ptr` NULL or a live
                // token.
                let status = self.checker.status(call, expected, || unsafe {
                    tg_revocation_list_check(ptr, token_ptr)
                });
                if status == TG_REVOKED {
                    self.summary.revoked += 1;
                }
            }
            RevocationOp::EvictExpired { list, now, out } => {
                let (index, ptr) = self.list(list);
                let mut cell = OutCell::new(out, UNWRITTEN_LEN);
                let call = Call::new("tg_revocation_list_evict_expired")
                    .with(Faults::null_if(ptr.is_null()))
                    .with(cell.faults());
                let now = now.value();
                let out_ptr = cell.ptr();
                // SAFETY: `ptr` is NULL or a live list, and the out-parameter is valid
                // or NULL.
                let status = self.checker.invoke(call, || unsafe {
                    tg_revocation_list_evict_expired(ptr, now, out_ptr)
                });
                let expect = match (index, call.faults.any()) {
                    (Some(index), false) => {
                        Expect::Value(self.lists[index].twin.evict_expired(now))
                    }
                    _ => Expect::Unknown,
                };
                self.checker.check_value(call.name, status, &cell, expect);
            }
            RevocationOp::Counts {
                list,
                tokens,
                subjects,
            } => {
                let (index, ptr) = self.list(list);
                let mut tokens = OutCell::new(tokens, UNWRITTEN_LEN);
                let mut subjects = OutCell::new(subjects, UNWRITTEN_LEN);
                let call = Call::new("tg_revocation_list_counts")
                    .with(Faults::null_if(ptr.is_null()))
                    .with(tokens.faults())
                    .with(subjects.faults());
                let (tokens_ptr, subjects_ptr) = (tokens.ptr(), subjects.ptr());
                // SAFETY: `ptr` is NULL or a live list, and the out-parameters are
                // valid or NULL.
                let status = self.checker.invoke(call, || unsafe {
                    tg_revocation_list_counts(ptr, tokens_ptr, subjects_ptr)
                });
                let expected = index
                    .filter(|_| !call.faults.any())
                    .map(|index| &self.lists[index].twin);
                let expect = |count: fn(&RevocationList) -> usize| {
                    expected.map_or(Expect::Unknown, |twin| Expect::Value(count(twin)))
                };
                let name = call.name;
                self.checker.check_value(
                    name,
                    status,
                    &tokens,
                    expect(RevocationList::token_count),
                );
                self.checker.check_value(
                    name,
                    status,
                    &subjects,
                    expect(RevocationList::subject_count),
                );
            }
            RevocationOp::Free { list } => self.free_revocation_list(list),
        }
    }

    pub(super) fn new_revocation_list(
        &mut self,
        max_tokens: usize,
        max_subjects: usize,
        out: OutArg,
    ) {
        let call = Call::new("tg_revocation_list_new");
        let twin = RevocationList::new(max_tokens, max_subjects);
        let expected = twin
            .as_ref()
            .map(|_| ())
            .map_err(|error| tg_status::from(error.code()));
        // SAFETY: the out-parameter is valid or NULL.
        let ptr = self
            .checker
            .handle(call, out, Some(expected), |out| unsafe {
                tg_revocation_list_new(max_tokens, max_subjects, out)
            });
        if let (Some(ptr), Ok(twin)) = (ptr, twin) {
            self.lists.push(LiveRevocationList { ptr, twin });
        }
    }

    pub(super) fn free_revocation_list(&mut self, list: HandleArg) {
        match list.pick(self.lists.len()) {
            // SAFETY: NULL is a no-op.
            None => unsafe { tg_revocation_list_free(std::ptr::null_mut()) },
            Some(index) => {
                let live = self.lists.remove(index);
                // SAFETY: the list is live and removed from the list of handles, so
                // it is freed once.
                unsafe { tg_revocation_list_free(live.ptr) };
            }
        }
    }

    /// Returns the position and pointer of the list that `list` picks, or `None`
    /// and NULL.
    fn list(&self, list: HandleArg) -> (Option<usize>, *const tg_revocation_list) {
        let index = list.pick(self.lists.len());
        let ptr = index.map_or(std::ptr::null(), |i| self.lists[i].ptr.cast_const());
        (index, ptr)
    }
}
