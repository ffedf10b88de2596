//! A global allocator that counts heap allocations while counting is switched on.
//!
//! Each bench binary installs it with
//! `#[global_allocator] static ALLOCATOR: CountingAllocator = CountingAllocator;`.
//! While counting is off, which is always the case while criterion measures, the
//! only extra work per allocation is one relaxed load of a flag, so the timings of
//! libraries that allocate a lot are not inflated.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting `alloc`, `alloc_zeroed` and `realloc` calls and
/// their requested sizes while [`per_call`] runs.
pub struct CountingAllocator;

fn record(size: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counters do not allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        // SAFETY: the caller's contract for `realloc` is passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Heap allocations of one call, averaged over several calls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Allocations {
    /// Allocations (including reallocations) per call.
    pub count: f64,
    /// Bytes requested per call.
    pub bytes: f64,
}

/// Number of calls [`per_call`] averages over.
pub const CALLS: u32 = 100;

/// Counts the allocations of `call`, averaged over [`CALLS`] calls after one
/// uncounted call that fills any lazily initialised state.
///
/// Counting covers the whole process, so no other thread may allocate meanwhile.
/// The bench binaries call it before criterion starts.
///
/// # Panics
///
/// When the binary's global allocator is not [`CountingAllocator`], detected by a
/// test allocation that was not counted.
pub fn per_call<R>(mut call: impl FnMut() -> R) -> Allocations {
    std::hint::black_box(call());
    ALLOCATIONS.store(0, Ordering::SeqCst);
    BYTES.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    for _ in 0..CALLS {
        std::hint::black_box(call());
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    let bytes = BYTES.load(Ordering::SeqCst);

    assert_counting_installed();
    Allocations {
        count: allocations as f64 / f64::from(CALLS),
        bytes: bytes as f64 / f64::from(CALLS),
    }
}

fn assert_counting_installed() {
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    std::hint::black_box(Box::new(0u64));
    COUNTING.store(false, Ordering::SeqCst);
    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        1,
        "the bench binary must install CountingAllocator as its global allocator"
    );
}
