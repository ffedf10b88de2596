//! The checks every C ABI call goes through: its status, what it wrote, and the
//! calling thread's last error before and after.
//!
//! Before each call that records failures, [`Checker`] makes the last error a known
//! sentinel, a deliberate failure of `tg_www_authenticate`. A successful call must
//! leave the sentinel in place, and a failed one must replace it with a message,
//! HTTP status and RFC 6750 error that agree with the status returned.

use std::ffi::{c_char, CStr};
use std::fmt::Debug;

use tokenguard_ffi::{
    tg_last_error_bearer_error, tg_last_error_http_status, tg_last_error_message, tg_status,
    tg_status_bearer_error, tg_status_http_status, tg_status_name, tg_www_authenticate,
    TG_BUFFER_TOO_SMALL, TG_INVALID_ARGUMENT, TG_INVALID_UTF8, TG_MALFORMED, TG_NOT_FOUND,
    TG_NULL_POINTER, TG_OK, TG_PANIC,
};

use super::args::{BufArg, Faults, OutArg, OutBuffer, OutCell, UNWRITTEN_LEN};

/// The status whose `tg_www_authenticate` call sets the sentinel last error: not a
/// status, so the call fails with `TG_INVALID_ARGUMENT`.
pub const SENTINEL_STATUS: tg_status = i32::MIN;

/// The RFC 6750 error codes that `tg_last_error_bearer_error` and
/// `tg_status_bearer_error` may return.
const BEARER_ERRORS: [&str; 5] = [
    "invalid_request",
    "invalid_token",
    "insufficient_scope",
    "invalid_dpop_proof",
    "use_dpop_nonce",
];

/// A C ABI call about to be checked.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    /// The function's name, for messages.
    pub name: &'static str,
    /// The faults of its arguments.
    pub faults: Faults,
    /// Whether a failure replaces the last error: false for the `tg_last_error_`
    /// functions.
    pub recorded: bool,
    /// Whether it reads an `Authorization` value, whose `TG_MALFORMED` may carry HTTP
    /// status 400 and `invalid_request`, or no RFC 6750 error for another scheme.
    pub authorization: bool,
    /// Whether its failure may repeat the sentinel exactly.
    pub may_repeat_sentinel: bool,
}

impl Call {
    /// Returns a call of `name` that records its failures.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            faults: Faults {
                null: false,
                bad_utf8: false,
            },
            recorded: true,
            authorization: false,
            may_repeat_sentinel: false,
        }
    }

    /// Returns a call of the `tg_last_error_` function `name`.
    pub const fn unrecorded(name: &'static str) -> Self {
        Self {
            recorded: false,
            ..Self::new(name)
        }
    }

    /// Adds `faults` to the call's argument faults.
    pub const fn with(self, faults: Faults) -> Self {
        Self {
            faults: self.faults.and(faults),
            ..self
        }
    }
}

/// The expected result of a call.
#[derive(Clone, Debug)]
pub enum Expect<T> {
    /// `TG_OK` with this value.
    Value(T),
    /// This failure.
    Status(tg_status),
    /// `TG_OK` with any value.
    Success,
    /// Anything the checks allow.
    Unknown,
}

/// The calling thread's last error, as the `tg_last_error_` functions return it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastError {
    /// `tg_last_error_message`.
    pub message: String,
    /// `tg_last_error_http_status`.
    pub http_status: u16,
    /// `tg_last_error_bearer_error`.
    pub bearer_error: Option<&'static str>,
}

/// Runs C ABI calls and checks their statuses, outputs and the last error.
pub struct Checker {
    /// The sentinel last error.
    sentinel: LastError,
    /// The last error as the previous call left it.
    last: LastError,
    /// The function that recorded it.
    last_call: &'static str,
}

impl Checker {
    /// Sets the sentinel last error, so that every input starts from the same state.
    pub fn new() -> Self {
        let sentinel = set_sentinel();
        Self {
            last: sentinel.clone(),
            sentinel,
            last_call: "tg_www_authenticate",
        }
    }

    /// Returns the last error as the previous call left it.
    pub fn last(&self) -> &LastError {
        &self.last
    }

    /// Returns the name of the function that recorded the last error.
    pub fn last_call(&self) -> &'static str {
        self.last_call
    }

    /// Runs `f`, the C ABI call described by `call`, and checks its status and the
    /// last error it leaves.
    pub fn invoke(&mut self, call: Call, f: impl FnOnce() -> tg_status) -> tg_status {
        if call.recorded {
            // The message is read back after the call, so it is not read here.
            fail_for_sentinel();
            self.last = self.sentinel.clone();
            self.last_call = "tg_www_authenticate";
        }
        let status = f();
        let name = call.name;
        assert_ne!(status, TG_PANIC, "{name} panicked: {:?}", read_last_error());
        // SAFETY: `tg_status_name` returns a static NUL-terminated string.
        let status_name = unsafe { CStr::from_ptr(tg_status_name(status)) };
        assert_ne!(
            status_name.to_bytes(),
            b"unknown",
            "{name} returned status {status}, which tg_status_name does not know"
        );
        check_argument_status(call, status);

        let after = read_last_error().unwrap_or_else(|| {
            panic!("{name} returned {status} and left no last error on this thread")
        });
        if !call.recorded || status == TG_OK {
            assert_eq!(
                after, self.last,
                "{name} returned {status} and changed the last error"
            );
            return status;
        }
        check_recorded_failure(call, status, &after);
        if !call.may_repeat_sentinel {
            assert_ne!(
                after, self.sentinel,
                "{name} returned {status} but left the last error of an earlier call"
            );
        }
        self.last = after;
        self.last_call = name;
        status
    }

    /// Calls a function with a string result into the buffer that `buf` describes,
    /// checks the result against `expect`, and returns it on success.
    ///
    /// `TG_BUFFER_TOO_SMALL` must write only the length needed, and a retry with a
    /// buffer of exactly that length must succeed. A successful result must fit, be
    /// UTF-8, be followed by untouched bytes, and have the length that a length
    /// query (NULL and 0) returns.
    pub fn string(
        &mut self,
        call: Call,
        buf: BufArg,
        expect: Expect<&str>,
        f: &dyn Fn(*mut u8, usize, *mut usize) -> tg_status,
    ) -> Option<String> {
        let name = call.name;
        let mut out = OutBuffer::new(buf);
        let call = call.with(out.faults());
        let (ptr, capacity, out_len) = out.args();
        let status = self.invoke(call, || f(ptr, capacity, out_len));
        if call.faults.any() {
            out.assert_untouched(name);
            return None;
        }

        match status {
            TG_OK => {
                let text = out.result(name);
                if let Expect::Value(expected) = expect {
                    assert_eq!(text, expected, "{name} returned another string");
                }
                assert!(
                    !matches!(expect, Expect::Status(_)),
                    "{name} returned TG_OK, expected {expect:?}"
                );
                self.check_length_query(call, text.len(), f);
                Some(text)
            }
            TG_BUFFER_TOO_SMALL => {
                let needed = out.out_len();
                assert!(
                    needed > out.capacity(),
                    "{name}: TG_BUFFER_TOO_SMALL with out_len {needed} for a {capacity}-byte buffer"
                );
                out.assert_canary_from(0, name);
                match expect {
                    Expect::Value(expected) => assert_eq!(needed, expected.len(), "{name}"),
                    Expect::Status(expected) => panic!("{name}: expected {expected}, got {status}"),
                    Expect::Success | Expect::Unknown => {}
                }
                if call.recorded {
                    self.check_too_small_message(name, capacity, needed);
                }
                let text = self.retry_exact(call, needed, f);
                if let Expect::Value(expected) = expect {
                    assert_eq!(text, expected, "{name} returned another string");
                }
                Some(text)
            }
            failure => {
                out.assert_untouched(name);
                match expect {
                    Expect::Value(expected) => {
                        panic!("{name} returned {failure}, expected TG_OK with {expected:?}")
                    }
                    Expect::Status(expected) => assert_eq!(failure, expected, "{name}"),
                    Expect::Success => panic!("{name} returned {failure}, expected TG_OK"),
                    Expect::Unknown => {}
                }
                None
            }
        }
    }

    /// Calls a function with one out-parameter, set to `sentinel` before, and checks
    /// the status and value against `expect`. Returns the value on success.
    pub fn value<T: Copy + PartialEq + Debug>(
        &mut self,
        call: Call,
        out: OutArg,
        sentinel: T,
        expect: Expect<T>,
        f: impl FnOnce(*mut T) -> tg_status,
    ) -> Option<T> {
        let name = call.name;
        let mut cell = OutCell::new(out, sentinel);
        let call = call.with(cell.faults());
        let ptr = cell.ptr();
        let status = self.invoke(call, || f(ptr));
        if call.faults.any() {
            cell.assert_untouched(name);
            return None;
        }
        self.check_value(name, status, &cell, expect)
    }

    /// Calls a function that returns only a status and checks it against
    /// `expected`, the core's result for the same arguments when known.
    pub fn status(
        &mut self,
        call: Call,
        expected: Option<Result<(), tg_status>>,
        f: impl FnOnce() -> tg_status,
    ) -> tg_status {
        let status = self.invoke(call, f);
        if let (false, Some(expected)) = (call.faults.any(), expected) {
            let expected = expected.err().unwrap_or(TG_OK);
            assert_eq!(status, expected, "{} and the core disagree", call.name);
        }
        status
    }

    /// Calls a `_new` function with a handle out-parameter and checks it against
    /// `expected`, the core's result for the same arguments when known. Returns
    /// the new handle, never NULL.
    pub fn handle<T>(
        &mut self,
        call: Call,
        out: OutArg,
        expected: Option<Result<(), tg_status>>,
        f: impl FnOnce(*mut *mut T) -> tg_status,
    ) -> Option<*mut T> {
        static UNWRITTEN: u8 = 0;
        let unwritten = (&UNWRITTEN as *const u8).cast_mut().cast::<T>();
        let expect = match expected {
            None => Expect::Unknown,
            Some(Ok(())) => Expect::Success,
            Some(Err(code)) => Expect::Status(code),
        };
        let ptr = self.value(call, out, unwritten, expect, f)?;
        assert!(!ptr.is_null(), "{} returned TG_OK and NULL", call.name);
        Some(ptr)
    }

    /// Checks the status and out-parameter of a call against `expect`.
    pub fn check_value<T: Copy + PartialEq + Debug>(
        &self,
        name: &str,
        status: tg_status,
        cell: &OutCell<T>,
        expect: Expect<T>,
    ) -> Option<T> {
        if status != TG_OK {
            cell.assert_untouched(name);
            match expect {
                Expect::Value(expected) => {
                    panic!("{name} returned {status}, expected TG_OK with {expected:?}")
                }
                Expect::Status(expected) => assert_eq!(status, expected, "{name}"),
                Expect::Success => panic!("{name} returned {status}, expected TG_OK"),
                Expect::Unknown => {}
            }
            return None;
        }
        let value = cell.get();
        match expect {
            Expect::Value(expected) => assert_eq!(value, expected, "{name} wrote another value"),
            Expect::Status(expected) => panic!("{name} returned TG_OK, expected {expected}"),
            Expect::Success | Expect::Unknown => {}
        }
        Some(value)
    }

    /// Asks for the length with NULL and 0, which must give `len`.
    fn check_length_query(
        &mut self,
        call: Call,
        len: usize,
        f: &dyn Fn(*mut u8, usize, *mut usize) -> tg_status,
    ) {
        let mut query = OutBuffer::new(BufArg::Query);
        let (ptr, capacity, out_len) = query.args();
        let status = self.invoke(call, || f(ptr, capacity, out_len));
        let name = call.name;
        let expected = if len == 0 { TG_OK } else { TG_BUFFER_TOO_SMALL };
        assert_eq!(
            status, expected,
            "{name} with NULL and 0 for a {len}-byte result"
        );
        assert_eq!(query.out_len(), len, "{name} with NULL and 0");
    }

    /// Calls again with a buffer of exactly `needed` bytes, which must succeed.
    fn retry_exact(
        &mut self,
        call: Call,
        needed: usize,
        f: &dyn Fn(*mut u8, usize, *mut usize) -> tg_status,
    ) -> String {
        let mut retry = OutBuffer::sized(needed);
        let (ptr, capacity, out_len) = retry.args();
        let status = self.invoke(call, || f(ptr, capacity, out_len));
        let name = call.name;
        assert_eq!(
            status, TG_OK,
            "{name} failed with a buffer of the {needed} bytes it asked for"
        );
        let text = retry.result(name);
        assert_eq!(text.len(), needed, "{name} wrote another length on retry");
        text
    }

    /// Checks that the message of `TG_BUFFER_TOO_SMALL` names both lengths.
    fn check_too_small_message(&self, name: &str, capacity: usize, needed: usize) {
        let message = &self.last.message;
        assert!(
            message.contains(&format!("{capacity} bytes"))
                && message.contains(&format!("{needed} bytes")),
            "{name}: the message {message:?} does not name the capacity {capacity} and the \
             length {needed}"
        );
    }
}

/// Returns the calling thread's last error, or `None` when no call has failed on
/// this thread; the reads are checked too.
pub fn read_last_error() -> Option<LastError> {
    let mut len = UNWRITTEN_LEN;
    // SAFETY: NULL with length 0 is a length query, and `len` is valid for a write.
    let status = unsafe { tg_last_error_message(std::ptr::null_mut(), 0, &mut len) };
    if status == TG_NOT_FOUND {
        assert_eq!(len, UNWRITTEN_LEN, "TG_NOT_FOUND wrote out_len");
        let mut http_status = 0;
        // SAFETY: `http_status` is valid for a write.
        let http = unsafe { tg_last_error_http_status(&mut http_status) };
        assert_eq!(
            http, TG_NOT_FOUND,
            "tg_last_error_http_status without an error"
        );
        return None;
    }
    assert_eq!(
        status, TG_BUFFER_TOO_SMALL,
        "tg_last_error_message length query; messages are never empty"
    );

    let mut buf = vec![0u8; len].into_boxed_slice();
    let mut written = UNWRITTEN_LEN;
    // SAFETY: `buf` has `len` writable bytes and `written` is valid for a write.
    let status = unsafe { tg_last_error_message(buf.as_mut_ptr(), len, &mut written) };
    assert_eq!(
        status, TG_OK,
        "tg_last_error_message with the length it asked for"
    );
    assert_eq!(written, len, "tg_last_error_message wrote another length");
    let message = String::from_utf8(buf.into_vec()).expect("the last error message is UTF-8");

    let mut http_status = 0;
    // SAFETY: `http_status` is valid for a write.
    let status = unsafe { tg_last_error_http_status(&mut http_status) };
    assert_eq!(status, TG_OK, "tg_last_error_http_status");

    let mut bearer = std::ptr::null();
    // SAFETY: `bearer` is valid for a write.
    let status = unsafe { tg_last_error_bearer_error(&mut bearer) };
    assert_eq!(status, TG_OK, "tg_last_error_bearer_error");
    Some(LastError {
        message,
        http_status,
        bearer_error: bearer_error_name(bearer, "tg_last_error_bearer_error"),
    })
}

/// Returns the RFC 6750 error code that a `bearer_error` function returned.
pub fn bearer_error_name(ptr: *const c_char, function: &str) -> Option<&'static str> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the functions return NULL or a static NUL-terminated string.
    let name = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    let known = BEARER_ERRORS.iter().find(|known| known.as_bytes() == name);
    Some(known.unwrap_or_else(|| panic!("{function} returned {:?}", name.escape_ascii())))
}

/// Makes the sentinel failure the calling thread's last error and returns it.
pub fn set_sentinel() -> LastError {
    fail_for_sentinel();
    read_last_error().expect("the sentinel failure is recorded")
}

/// Makes the sentinel failure the calling thread's last error.
fn fail_for_sentinel() {
    let mut len = UNWRITTEN_LEN;
    // SAFETY: NULL with length 0 for every input and for the buffer; `len` is valid
    // for a write.
    let status = unsafe {
        tg_www_authenticate(
            SENTINEL_STATUS,
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
            0,
            &mut len,
        )
    };
    assert_eq!(
        status, TG_INVALID_ARGUMENT,
        "tg_www_authenticate({SENTINEL_STATUS})"
    );
    assert_eq!(
        len, UNWRITTEN_LEN,
        "a failed tg_www_authenticate wrote out_len"
    );
}

/// Checks the status of a call against the faults of its arguments.
///
/// NULL must be reported as `TG_NULL_POINTER` and text that is not UTF-8 as
/// `TG_INVALID_UTF8`, whichever argument the function checks first. Without such an
/// argument, neither status may appear.
fn check_argument_status(call: Call, status: tg_status) {
    let Call { name, faults, .. } = call;
    if faults.null {
        assert!(
            status == TG_NULL_POINTER || (faults.bad_utf8 && status == TG_INVALID_UTF8),
            "{name} returned {status} for a NULL argument ({faults:?})"
        );
    } else if faults.bad_utf8 {
        assert_eq!(
            status, TG_INVALID_UTF8,
            "{name} with text that is not UTF-8"
        );
    } else {
        assert!(
            status != TG_NULL_POINTER && status != TG_INVALID_UTF8,
            "{name} returned {status} without a NULL or non-UTF-8 argument"
        );
    }
}

/// Checks the last error that a failed call recorded against its status.
fn check_recorded_failure(call: Call, status: tg_status, last: &LastError) {
    let name = call.name;
    let message = &last.message;
    match status {
        TG_NULL_POINTER => assert!(
            message.starts_with("argument ") && message.ends_with(" is NULL"),
            "{name}: TG_NULL_POINTER with the message {message:?}"
        ),
        TG_INVALID_UTF8 => assert!(
            message.ends_with(" is not valid UTF-8"),
            "{name}: TG_INVALID_UTF8 with the message {message:?}"
        ),
        _ => {}
    }

    let http_status = tg_status_http_status(status);
    let bearer_error = bearer_error_name(tg_status_bearer_error(status), "tg_status_bearer_error");
    let found = (last.http_status, last.bearer_error);
    if call.authorization && status == TG_MALFORMED {
        // A malformed value is the request's fault (400), another scheme gets a bare
        // challenge, and a malformed token is invalid_token.
        assert!(
            matches!(
                found,
                (400, Some("invalid_request")) | (401, None) | (401, Some("invalid_token"))
            ),
            "{name}: TG_MALFORMED of an Authorization value with last error {last:?}"
        );
    } else {
        assert_eq!(
            found,
            (http_status, bearer_error),
            "{name}: the last error's HTTP status and RFC 6750 error disagree with status \
             {status} ({message:?})"
        );
    }
}
