//! Arguments of the C ABI calls, decoded from the fuzz input: pointer and length
//! pairs, output buffers, out-parameters, handles, indexes, times and statuses.
//!
//! Every pointer passed is either NULL or valid for its whole length, as the
//! header's safety sections require. Inputs and output buffers are copied into heap
//! allocations of exactly their length, so AddressSanitizer reports any access
//! past either end.

use std::fmt;

use arbitrary::{Arbitrary, Result, Unstructured};
use tokenguard_ffi::tg_status;

/// Byte fill of output buffers and the value of unwritten out-parameters, so that
/// a write shows.
pub const CANARY: u8 = 0xa5;

/// Initial value of every `size_t` out-parameter.
pub const UNWRITTEN_LEN: usize = 0xa5a5_a5a5;

/// Bytes of the fuzz input: a little-endian `u16` length, then that many bytes, or
/// fewer when the input ends first.
///
/// Decoded by hand so that `fuzz/seeds.py` can write it: the `&[u8]` of `arbitrary`
/// reads its length from the end of the input.
#[derive(Clone, Copy)]
pub struct Bytes<'a>(pub &'a [u8]);

impl<'a> Arbitrary<'a> for Bytes<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let len = usize::from(u16::arbitrary(u)?).min(u.len());
        Ok(Self(u.bytes(len)?))
    }
}

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// An input pointer and length.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum BytesArg<'a> {
    /// The bytes with their length.
    Bytes(Bytes<'a>),
    /// NULL with length 0, the empty input.
    NullEmpty,
    /// NULL with this length, or 1 for 0: `TG_NULL_POINTER`.
    NullWithLen(usize),
}

/// What is wrong with the arguments of a call, which decides its status before
/// anything else: a NULL pointer gives `TG_NULL_POINTER` and text that is not UTF-8
/// gives `TG_INVALID_UTF8`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// A required pointer is NULL, or an input is NULL with a length that is not 0.
    pub null: bool,
    /// A text argument is not UTF-8.
    pub bad_utf8: bool,
}

impl Faults {
    /// Returns the faults of both.
    pub const fn and(self, other: Self) -> Self {
        Self {
            null: self.null || other.null,
            bad_utf8: self.bad_utf8 || other.bad_utf8,
        }
    }

    /// Returns the faults of a required pointer that is NULL when `null`.
    pub const fn null_if(null: bool) -> Self {
        Self {
            null,
            bad_utf8: false,
        }
    }

    /// Returns whether any argument is at fault.
    pub const fn any(self) -> bool {
        self.null || self.bad_utf8
    }
}

/// An input pointer and length ready to pass, owning its copy of the bytes.
pub struct Input {
    bytes: Option<Box<[u8]>>,
    null_len: usize,
}

impl Input {
    /// Copies the bytes of `arg`, or keeps its NULL pointer and length.
    pub fn new(arg: BytesArg<'_>) -> Self {
        match arg {
            BytesArg::Bytes(bytes) => Self::owned(bytes.0.to_vec()),
            BytesArg::NullEmpty => Self::null(0),
            BytesArg::NullWithLen(len) => Self::null(len.max(1)),
        }
    }

    /// Passes `bytes` in an allocation of exactly their length.
    pub fn owned(bytes: Vec<u8>) -> Self {
        Self {
            bytes: Some(bytes.into_boxed_slice()),
            null_len: 0,
        }
    }

    /// Passes NULL with length `len`.
    pub const fn null(len: usize) -> Self {
        Self {
            bytes: None,
            null_len: len,
        }
    }

    /// Returns the pointer to pass.
    pub fn ptr(&self) -> *const u8 {
        self.bytes
            .as_ref()
            .map_or(std::ptr::null(), |bytes| bytes.as_ptr())
    }

    /// Returns the length to pass.
    pub fn len(&self) -> usize {
        self.bytes
            .as_ref()
            .map_or(self.null_len, |bytes| bytes.len())
    }

    /// Returns whether the length passed is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the bytes the call reads, or `None` for NULL with a length.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.bytes {
            Some(bytes) => Some(bytes),
            None if self.null_len == 0 => Some(&[]),
            None => None,
        }
    }

    /// Returns the text the call reads when the input is valid UTF-8.
    pub fn text(&self) -> Option<&str> {
        self.bytes()
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
    }

    /// Returns the faults of this input as bytes.
    pub fn faults(&self) -> Faults {
        Faults::null_if(self.bytes().is_none())
    }

    /// Returns the faults of this input as text.
    pub fn text_faults(&self) -> Faults {
        Faults {
            null: self.bytes().is_none(),
            bad_utf8: self.bytes().is_some() && self.text().is_none(),
        }
    }
}

/// An output buffer for a string result, with its `out_len`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum BufArg {
    /// A buffer of this many bytes, mostly too small for longer results.
    Small(u8),
    /// A buffer of this many bytes.
    Large(u16),
    /// NULL with length 0, a query for the length.
    Query,
    /// NULL with this length, or 1 for 0: `TG_NULL_POINTER`.
    NullWithLen(usize),
    /// A buffer of this many bytes and a NULL `out_len`: `TG_NULL_POINTER`.
    NullOutLen(u8),
}

/// An output buffer ready to pass: the bytes, filled with [`CANARY`], and `out_len`.
pub struct OutBuffer {
    buf: Option<Box<[u8]>>,
    null_len: usize,
    out_len: Option<Box<usize>>,
}

impl OutBuffer {
    /// Allocates the buffer that `arg` describes.
    pub fn new(arg: BufArg) -> Self {
        match arg {
            BufArg::Small(capacity) => Self::sized(usize::from(capacity)),
            BufArg::Large(capacity) => Self::sized(usize::from(capacity)),
            BufArg::Query => Self::sized_null(0),
            BufArg::NullWithLen(len) => Self::sized_null(len.max(1)),
            BufArg::NullOutLen(capacity) => Self {
                out_len: None,
                ..Self::sized(usize::from(capacity))
            },
        }
    }

    /// Allocates a buffer of exactly `capacity` bytes.
    pub fn sized(capacity: usize) -> Self {
        Self {
            buf: Some(vec![CANARY; capacity].into_boxed_slice()),
            null_len: 0,
            out_len: Some(Box::new(UNWRITTEN_LEN)),
        }
    }

    /// Passes NULL for the buffer with length `len`.
    fn sized_null(len: usize) -> Self {
        Self {
            buf: None,
            null_len: len,
            out_len: Some(Box::new(UNWRITTEN_LEN)),
        }
    }

    /// Returns the buffer pointer, length and `out_len` pointer to pass.
    pub fn args(&mut self) -> (*mut u8, usize, *mut usize) {
        let (buf, len) = match &mut self.buf {
            Some(buf) => (buf.as_mut_ptr(), buf.len()),
            None => (std::ptr::null_mut(), self.null_len),
        };
        let out_len = self
            .out_len
            .as_deref_mut()
            .map_or(std::ptr::null_mut(), |out_len| out_len as *mut usize);
        (buf, len, out_len)
    }

    /// Returns the capacity passed.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().map_or(self.null_len, |buf| buf.len())
    }

    /// Returns the faults of these arguments: a NULL `out_len`, or a NULL buffer
    /// with a length.
    pub fn faults(&self) -> Faults {
        let null_buf = self.buf.is_none() && self.null_len != 0;
        Faults::null_if(self.out_len.is_none() || null_buf)
    }

    /// Returns the value in `out_len`, [`UNWRITTEN_LEN`] when unwritten.
    pub fn out_len(&self) -> usize {
        self.out_len.as_deref().copied().unwrap_or(UNWRITTEN_LEN)
    }

    /// Panics unless the call wrote nothing, neither the buffer nor `out_len`.
    pub fn assert_untouched(&self, function: &str) {
        assert_eq!(self.out_len(), UNWRITTEN_LEN, "{function} wrote out_len");
        self.assert_canary_from(0, function);
    }

    /// Panics unless the bytes from `start` are still [`CANARY`].
    pub fn assert_canary_from(&self, start: usize, function: &str) {
        // Whole blocks are compared with `memcmp`: a loop over the bytes would run
        // the fuzzer's comparison hook once per byte.
        static CANARIES: [u8; 4096] = [CANARY; 4096];
        let Some(buf) = &self.buf else { return };
        let mut offset = start;
        for block in buf[start..].chunks(CANARIES.len()) {
            if block != &CANARIES[..block.len()] {
                let at = offset + block.iter().position(|byte| *byte != CANARY).unwrap_or(0);
                panic!(
                    "{function} wrote byte {at} of a {}-byte buffer, past the {start} bytes of its \
                     result",
                    buf.len()
                );
            }
            offset += block.len();
        }
    }

    /// Returns the result of a successful call after checking that it fits the
    /// capacity, that nothing after it was written (no NUL either) and that it is
    /// UTF-8.
    pub fn result(&self, function: &str) -> String {
        let len = self.out_len();
        let capacity = self.capacity();
        assert!(
            len <= capacity,
            "{function} returned TG_OK with out_len {len} for a {capacity}-byte buffer"
        );
        self.assert_canary_from(len, function);
        let written = self.buf.as_ref().map_or(&[][..], |buf| &buf[..len]);
        match String::from_utf8(written.to_vec()) {
            Ok(text) => text,
            Err(error) => panic!("{function} wrote bytes that are not UTF-8: {error}"),
        }
    }
}

/// A pointer out-parameter: valid, or NULL, which must be `TG_NULL_POINTER`.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutArg {
    /// A valid pointer.
    Valid,
    /// NULL.
    Null,
}

/// An out-parameter cell that starts with a sentinel value, so that a write shows.
pub struct OutCell<T> {
    cell: Option<Box<T>>,
    sentinel: T,
}

impl<T: Copy + PartialEq + fmt::Debug> OutCell<T> {
    /// Returns a cell holding `sentinel`, or a NULL pointer for [`OutArg::Null`].
    pub fn new(arg: OutArg, sentinel: T) -> Self {
        Self {
            cell: (arg == OutArg::Valid).then(|| Box::new(sentinel)),
            sentinel,
        }
    }

    /// Returns the pointer to pass.
    pub fn ptr(&mut self) -> *mut T {
        self.cell
            .as_deref_mut()
            .map_or(std::ptr::null_mut(), |cell| cell as *mut T)
    }

    /// Returns the faults of this argument.
    pub fn faults(&self) -> Faults {
        Faults::null_if(self.cell.is_none())
    }

    /// Returns the value in the cell.
    pub fn get(&self) -> T {
        self.cell.as_deref().copied().unwrap_or(self.sentinel)
    }

    /// Panics unless the cell still contains its sentinel.
    pub fn assert_untouched(&self, function: &str) {
        assert_eq!(
            self.get(),
            self.sentinel,
            "{function} wrote an out-parameter although it failed"
        );
    }
}

/// A handle argument: one of the live handles, or NULL.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum HandleArg {
    /// The most recent live handle.
    Newest,
    /// A live handle by position, modulo their number.
    Live(u8),
    /// NULL, which must be `TG_NULL_POINTER`.
    Null,
}

impl HandleArg {
    /// Returns the position among `count` live handles, or `None` for NULL or when
    /// there is none.
    pub fn pick(self, count: usize) -> Option<usize> {
        match self {
            _ if count == 0 => None,
            Self::Newest => Some(count - 1),
            Self::Live(index) => Some(usize::from(index) % count),
            Self::Null => None,
        }
    }
}

/// An index argument.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum IndexArg {
    /// A small index.
    Small(u8),
    /// `SIZE_MAX`.
    Max,
    /// Any index.
    Any(usize),
}

impl IndexArg {
    /// Returns the index to pass.
    pub const fn value(self) -> usize {
        match self {
            Self::Small(index) => index as usize,
            Self::Max => usize::MAX,
            Self::Any(index) => index,
        }
    }
}

/// The validation time.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum NowArg {
    /// [`NOW`](crate::NOW), when the fixed tokens are valid.
    Fixed,
    /// [`NOW`](crate::NOW) plus this many seconds.
    Offset(i32),
    /// Any time.
    Any(i64),
}

impl NowArg {
    /// Returns the time to pass, in Unix seconds.
    pub fn value(self) -> i64 {
        match self {
            Self::Fixed => crate::NOW,
            Self::Offset(offset) => crate::NOW + i64::from(offset),
            Self::Any(now) => now,
        }
    }
}

/// A status argument.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum StatusArg {
    /// One of the statuses the header defines, by position modulo their number.
    Known(u8),
    /// Any value.
    Any(i32),
}

impl StatusArg {
    /// Returns the status to pass.
    pub fn value(self) -> tg_status {
        match self {
            Self::Known(index) => {
                super::status::KNOWN_STATUSES
                    [usize::from(index) % super::status::KNOWN_STATUSES.len()]
            }
            Self::Any(status) => status,
        }
    }
}
