//! A counting global allocator: allocations, live bytes and peak bytes, in total and
//! per side (whichever side's call is running on the allocating thread, see
//! [`enter`]; per thread, so the async rows can attribute tokio tasks on any worker
//! thread to their side). OpenSSL's own
//! `CRYPTO_malloc` family is routed through it too, so OpenSSL's heap is counted like
//! Rust's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

/// No side: set-up, the driver, drops outside timed calls.
pub const NONE: usize = 0;
/// The client's calls.
pub const CLIENT: usize = 1;
/// The server's calls.
pub const SERVER: usize = 2;

thread_local! {
    /// The side whose call is running on this thread. Const-initialised with no
    /// destructor, so reading it in the allocator never allocates or fails.
    static SIDE: Cell<usize> = const { Cell::new(NONE) };
}

fn side() -> usize {
    SIDE.try_with(Cell::get).unwrap_or(NONE)
}
static ALLOCS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];
static LIVE: [AtomicI64; 3] = [const { AtomicI64::new(0) }; 3];
static PEAK: [AtomicI64; 3] = [const { AtomicI64::new(0) }; 3];
static TOTAL_LIVE: AtomicI64 = AtomicI64::new(0);

/// The allocator installed for the whole binary.
pub struct Counting;

fn on_alloc(size: usize) {
    let side = side();
    ALLOCS[side].fetch_add(1, Relaxed);
    let now = LIVE[side].fetch_add(size as i64, Relaxed) + size as i64;
    PEAK[side].fetch_max(now, Relaxed);
    TOTAL_LIVE.fetch_add(size as i64, Relaxed);
}

fn on_free(size: usize) {
    let side = side();
    LIVE[side].fetch_sub(size as i64, Relaxed);
    TOTAL_LIVE.fetch_sub(size as i64, Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters
// are plain atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_free(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc counts as one allocation of the new size (and a free of the old).
        on_free(layout.size());
        on_alloc(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` with the allocations it makes on this thread attributed to `side`.
#[inline]
pub fn enter<R>(side: usize, f: impl FnOnce() -> R) -> R {
    /// Puts the previous side back however `f` ends: a panic caught further up (the
    /// chain rows catch a too-long chain) must not leave the harness's own later
    /// allocations counted to `side`.
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            SIDE.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SIDE.with(|s| s.replace(side)));
    f()
}

/// Allocations made so far in `side`'s calls.
pub fn allocs(side: usize) -> u64 {
    ALLOCS[side].load(Relaxed)
}

/// Live bytes, all sides together.
pub fn live() -> i64 {
    TOTAL_LIVE.load(Relaxed)
}

/// Starts a peak measurement for `side`: its live counter and peak go to zero, so
/// [`peak`] then reports the highest net growth of that side's heap since.
pub fn reset_peak(side: usize) {
    LIVE[side].store(0, Relaxed);
    PEAK[side].store(0, Relaxed);
}

/// The highest net heap growth in `side`'s calls since [`reset_peak`].
pub fn peak(side: usize) -> i64 {
    PEAK[side].load(Relaxed)
}

// OpenSSL's allocator hooks: each block carries its size in a 16-byte header so that
// free and realloc can hand the right layout back to the counting allocator.
const HEADER: usize = 16;

unsafe extern "C" {
    fn CRYPTO_set_mem_functions(
        m: unsafe extern "C" fn(usize, *const c_char, c_int) -> *mut c_void,
        r: unsafe extern "C" fn(*mut c_void, usize, *const c_char, c_int) -> *mut c_void,
        f: unsafe extern "C" fn(*mut c_void, *const c_char, c_int),
    ) -> c_int;
}

unsafe extern "C" fn ossl_malloc(size: usize, _: *const c_char, _: c_int) -> *mut c_void {
    unsafe {
        let base = libc::malloc(size + HEADER).cast::<u8>();
        on_alloc(size);
        if base.is_null() {
            return base.cast();
        }
        base.cast::<usize>().write(size);
        base.add(HEADER).cast()
    }
}

unsafe extern "C" fn ossl_realloc(
    ptr: *mut c_void,
    size: usize,
    file: *const c_char,
    line: c_int,
) -> *mut c_void {
    if ptr.is_null() {
        return unsafe { ossl_malloc(size, file, line) };
    }
    unsafe {
        let base = ptr.cast::<u8>().sub(HEADER);
        let old = base.cast::<usize>().read();
        let new = libc::realloc(base.cast(), size + HEADER).cast::<u8>();
        on_free(old);
        on_alloc(size);
        if new.is_null() {
            return new.cast();
        }
        new.cast::<usize>().write(size);
        new.add(HEADER).cast()
    }
}

unsafe extern "C" fn ossl_free(ptr: *mut c_void, _: *const c_char, _: c_int) {
    if ptr.is_null() {
        return;
    }
    unsafe {
        let base = ptr.cast::<u8>().sub(HEADER);
        let old = base.cast::<usize>().read();
        on_free(old);
        libc::free(base.cast());
    }
}

/// Routes OpenSSL's heap through the counting allocator. Must run before OpenSSL
/// allocates anything (first thing in `main`).
pub fn hook_openssl() {
    // SAFETY: the three functions form a consistent allocator (header-tagged blocks
    // from the global allocator); OpenSSL accepts them only before its first
    // allocation, which the assertion checks.
    let ok = unsafe { CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) };
    assert_eq!(
        ok, 1,
        "OpenSSL allocated before its allocator hooks were set"
    );
}
