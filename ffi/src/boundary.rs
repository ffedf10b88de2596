//! The boundary between C callers and Rust: every `tg_` function that returns a
//! status runs its body through [`call`], which catches panics and records failures
//! as the thread's last error, and reads its arguments through the checks here.

use std::any::Any;
use std::borrow::Cow;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::{fmt, slice, str};

use tokenguard_core::Error;

use crate::last_error;
use crate::status::{self, tg_status, TG_BUFFER_TOO_SMALL, TG_INVALID_ARGUMENT, TG_INVALID_UTF8};
use crate::status::{TG_NULL_POINTER, TG_OK, TG_PANIC};

/// Runs the body of a `tg_` function and returns its status.
///
/// A failure is recorded as the calling thread's last error. A panic is caught,
/// recorded and returned as `TG_PANIC`, so that it never unwinds into C; the body
/// writes its out-parameters only as its last step, so a caught panic leaves them
/// untouched.
pub(crate) fn call(body: impl FnOnce() -> Result<(), Failure>) -> tg_status {
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => TG_OK,
        Ok(Err(failure)) => last_error::record(failure),
        Err(payload) => last_error::record(Failure::panic(payload.as_ref())),
    }
}

/// Runs the body of a `tg_last_error_` function like [`call`], except that a
/// failure leaves the last error as it was, so reading it never overwrites it.
pub(crate) fn call_unrecorded(body: impl FnOnce() -> Result<(), Failure>) -> tg_status {
    match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => TG_OK,
        Ok(Err(failure)) => failure.status(),
        Err(_) => TG_PANIC,
    }
}

/// Frees a handle made by `Box::into_raw`. NULL is ignored.
///
/// # Safety
///
/// `ptr` must be NULL or come from `Box::<T>::into_raw` and not be freed yet.
pub(crate) unsafe fn free<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: the caller promises that `ptr` owns a live `Box<T>`.
    let owned = unsafe { Box::from_raw(ptr) };
    // Dropping frees only memory, but a panic must not unwind into C whatever
    // happens, so it is caught and ignored.
    let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(owned)));
}

/// Why a call failed: a status and what to say about it.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    status: tg_status,
    detail: Detail,
}

/// The message of a failure, formatted only when a caller asks for it, so that
/// rejecting a token allocates nothing here.
#[derive(Clone, Debug)]
pub(crate) enum Detail {
    /// An error of the core, with the input it was about, such as "jwks".
    Core {
        context: Option<&'static str>,
        error: Error,
    },
    /// A bad argument: its parameter name and the problem.
    Argument {
        name: &'static str,
        problem: &'static str,
    },
    /// Any other message.
    Text(Cow<'static, str>),
}

impl Failure {
    /// Returns a failure with `status` and `message`.
    pub(crate) fn new(status: tg_status, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            detail: Detail::Text(message.into()),
        }
    }

    /// Returns a failure for an error of the core about the input `context`.
    pub(crate) fn core_in(context: &'static str, error: Error) -> Self {
        Self {
            status: status::of_error(&error),
            detail: Detail::Core {
                context: Some(context),
                error,
            },
        }
    }

    /// Returns a failure for the argument `name` with `status`.
    pub(crate) const fn argument(
        status: tg_status,
        name: &'static str,
        problem: &'static str,
    ) -> Self {
        Self {
            status,
            detail: Detail::Argument { name, problem },
        }
    }

    fn panic(payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no message");
        Self::new(
            TG_PANIC,
            format!("internal error: tokenguard panicked ({what}); please report this bug"),
        )
    }

    /// Returns the status.
    pub(crate) const fn status(&self) -> tg_status {
        self.status
    }

    /// Returns the detail.
    pub(crate) const fn detail(&self) -> &Detail {
        &self.detail
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self {
            status: status::of_error(&error),
            detail: Detail::Core {
                context: None,
                error,
            },
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Detail::Core {
                context: Some(context),
                error,
            } => write!(f, "{context}: {error}"),
            Detail::Core {
                context: None,
                error,
            } => write!(f, "{error}"),
            Detail::Argument { name, problem } => write!(f, "argument {name} {problem}"),
            Detail::Text(text) => f.write_str(text),
        }
    }
}

/// Returns `ptr` when it is not NULL and is aligned for `T`.
///
/// Every pointer argument goes through this check, whatever it points to.
pub(crate) fn non_null<T>(ptr: *const T, name: &'static str) -> Result<NonNull<T>, Failure> {
    let Some(ptr) = NonNull::new(ptr.cast_mut()) else {
        return Err(Failure::argument(TG_NULL_POINTER, name, "is NULL"));
    };
    if !ptr.as_ptr().is_aligned() {
        return Err(Failure::argument(
            TG_INVALID_ARGUMENT,
            name,
            "is not aligned for its type",
        ));
    }
    Ok(ptr)
}

/// Borrows the `len` bytes at `ptr`. NULL with `len` 0 is the empty input.
///
/// # Safety
///
/// Unless `len` is 0, `ptr` must point to `len` readable bytes that nothing writes
/// while the returned slice lives.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    let ptr = non_null(ptr, name)?;
    check_len(len, name)?;
    // SAFETY: `ptr` is not NULL, `len` is at most `isize::MAX`, and the caller
    // promises `len` readable bytes at `ptr` for the lifetime `'a`.
    Ok(unsafe { slice::from_raw_parts(ptr.as_ptr(), len) })
}

/// Borrows the `len` bytes at `ptr` as UTF-8 text. NULL with `len` 0 is empty.
///
/// # Safety
///
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a str, Failure> {
    // SAFETY: the caller's promise is passed on.
    let bytes = unsafe { bytes(ptr, len, name) }?;
    str::from_utf8(bytes)
        .map_err(|_| Failure::argument(TG_INVALID_UTF8, name, "is not valid UTF-8"))
}

/// Borrows the object behind a handle.
///
/// # Safety
///
/// A non-NULL `ptr` must come from the matching `_new` or `_validate` function and
/// not be freed while the reference lives.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, Failure> {
    let ptr = non_null(ptr, name)?;
    // SAFETY: the caller promises a live handle, which is never written through.
    Ok(unsafe { ptr.as_ref() })
}

/// A checked out-parameter, written once when the call succeeds.
pub(crate) struct Out<T> {
    ptr: NonNull<T>,
}

impl<T> Out<T> {
    /// Checks the out-parameter `ptr` before any work is done.
    pub(crate) fn new(ptr: *mut T, name: &'static str) -> Result<Self, Failure> {
        Ok(Self {
            ptr: non_null(ptr, name)?,
        })
    }

    /// Writes `value` without reading or dropping what was there.
    ///
    /// # Safety
    ///
    /// The pointer given to [`new`](Self::new) must be valid for a write of `T`.
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: the pointer is not NULL and aligned, and the caller promises it is
        // valid for writes. `write` does not drop the old, possibly uninitialised,
        // value.
        unsafe { self.ptr.as_ptr().write(value) }
    }
}

/// A checked caller buffer for a string result: `buf` of `buf_len` bytes, and
/// `out_len` for the length of the result.
///
/// The string is copied without a terminating NUL. When it does not fit, the call
/// fails with `TG_BUFFER_TOO_SMALL` and only `*out_len` is written, with the length
/// needed, so that the caller can retry with a larger buffer.
pub(crate) struct OutBuf {
    buf: *mut u8,
    capacity: usize,
    out_len: Out<usize>,
}

impl OutBuf {
    /// Checks the buffer arguments before any work is done. `buf` may be NULL only
    /// when `buf_len` is 0, which asks for the length.
    pub(crate) fn new(buf: *mut u8, buf_len: usize, out_len: *mut usize) -> Result<Self, Failure> {
        let out_len = Out::new(out_len, "out_len")?;
        if buf_len != 0 {
            non_null(buf, "buf")?;
            check_len(buf_len, "buf_len")?;
        }
        Ok(Self {
            buf,
            capacity: buf_len,
            out_len,
        })
    }

    /// Copies `text` into the buffer and writes its length.
    ///
    /// # Safety
    ///
    /// `buf` must be valid for writes of `buf_len` bytes, must not overlap `text`,
    /// and `out_len` must be valid for a write.
    pub(crate) unsafe fn write(self, text: &[u8]) -> Result<(), Failure> {
        if text.len() > self.capacity {
            let needed = text.len();
            // SAFETY: the caller's promise for `out_len` is passed on.
            unsafe { self.out_len.write(needed) };
            return Err(Failure::new(
                TG_BUFFER_TOO_SMALL,
                format!(
                    "the buffer of {} bytes is too small for the {needed} bytes of the result",
                    self.capacity
                ),
            ));
        }
        if !text.is_empty() {
            // SAFETY: `buf` is not NULL because `capacity` is not 0, the caller
            // promises `capacity >= text.len()` writable bytes that do not overlap
            // `text`.
            unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), self.buf, text.len()) };
        }
        // SAFETY: the caller's promise for `out_len` is passed on.
        unsafe { self.out_len.write(text.len()) };
        Ok(())
    }
}

/// Rejects lengths that no Rust slice can have.
fn check_len(len: usize, name: &'static str) -> Result<(), Failure> {
    if isize::try_from(len).is_err() {
        return Err(Failure::argument(
            TG_INVALID_ARGUMENT,
            name,
            "is larger than PTRDIFF_MAX",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::TG_NOT_FOUND;

    #[test]
    fn call_returns_ok_and_failure_status() {
        assert_eq!(call(|| Ok(())), TG_OK);
        assert_eq!(
            call(|| Err(Failure::new(TG_NOT_FOUND, "absent"))),
            TG_NOT_FOUND
        );
        assert_eq!(last_error::message().unwrap(), "absent");
    }

    #[test]
    fn call_catches_panic() {
        let status = call(|| panic!("deliberate test panic"));
        assert_eq!(status, TG_PANIC);
        let message = last_error::message().unwrap();
        assert!(message.contains("deliberate test panic"), "{message}");
    }

    #[test]
    fn bytes_accepts_null_empty() {
        // SAFETY: a zero length reads nothing.
        let empty = unsafe { bytes(std::ptr::null(), 0, "input_ptr") }.unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn bytes_rejects_null_with_length() {
        // SAFETY: the NULL check fails before anything is read.
        let failure = unsafe { bytes(std::ptr::null(), 3, "input_ptr") }.unwrap_err();
        assert_eq!(failure.status(), TG_NULL_POINTER);
        assert_eq!(failure.to_string(), "argument input_ptr is NULL");
    }

    #[test]
    fn bytes_rejects_huge_length() {
        let byte = 0u8;
        // SAFETY: the length check fails before anything is read.
        let failure = unsafe { bytes(&byte, usize::MAX, "input_len") }.unwrap_err();
        assert_eq!(failure.status(), TG_INVALID_ARGUMENT);
    }

    #[test]
    fn text_rejects_invalid_utf8() {
        let input = [b'a', 0xff];
        // SAFETY: `input` has 2 readable bytes.
        let failure = unsafe { text(input.as_ptr(), 2, "name_ptr") }.unwrap_err();
        assert_eq!(failure.status(), TG_INVALID_UTF8);
    }

    #[test]
    fn non_null_rejects_misaligned() {
        let words = [0u64; 2];
        let misaligned = words.as_ptr().cast::<u8>().wrapping_add(1).cast::<u64>();
        let failure = non_null(misaligned, "out_value").unwrap_err();
        assert_eq!(failure.status(), TG_INVALID_ARGUMENT);
    }

    #[test]
    fn out_buf_too_small_writes_length_only() {
        let mut buf = [b'x'; 4];
        let mut len = 0usize;
        let out = OutBuf::new(buf.as_mut_ptr(), buf.len(), &mut len).unwrap();
        // SAFETY: `buf` has 4 writable bytes and `len` is a valid `usize`.
        let failure = unsafe { out.write(b"too long") }.unwrap_err();
        assert_eq!(failure.status(), TG_BUFFER_TOO_SMALL);
        assert_eq!(len, 8);
        assert_eq!(&buf, b"xxxx");
    }

    #[test]
    fn out_buf_null_with_zero_length_asks_length() {
        let mut len = 0usize;
        let out = OutBuf::new(std::ptr::null_mut(), 0, &mut len).unwrap();
        // SAFETY: nothing is written to the NULL buffer, and `len` is valid.
        let failure = unsafe { out.write(b"abc") }.unwrap_err();
        assert_eq!(failure.status(), TG_BUFFER_TOO_SMALL);
        assert_eq!(len, 3);
    }

    #[test]
    fn out_buf_rejects_null_with_length() {
        let mut len = 0usize;
        let failure = OutBuf::new(std::ptr::null_mut(), 8, &mut len)
            .err()
            .unwrap();
        assert_eq!(failure.status(), TG_NULL_POINTER);
    }
}
