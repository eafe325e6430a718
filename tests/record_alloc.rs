//! Steady-state record protection allocates nothing: once the output vector and the
//! deframer buffer are warm, sealing and opening 1,000 records of 16 KiB performs zero
//! heap allocations.
//!
//! Allocations are counted per thread: the counter lives in a `thread_local!` `Cell`, so
//! what libtest's own threads (or any other thread) allocate while the test runs is never
//! counted against the thread being measured. Only the thread that calls
//! [`allocations`] sees its own count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use handclasp::crypto::Tls12Nonce;
use handclasp::crypto::ring::{AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};
use handclasp::enums::ContentType;
use handclasp::unstable::record::{
    Deframer, MAX_PLAINTEXT, MAX_TLS12_CIPHERTEXT, MAX_TLS13_CIPHERTEXT, RecordDecrypter,
    RecordEncrypter,
};

struct Counting;

thread_local! {
    // Const-initialised and without a destructor: reading or writing it never allocates
    // and never registers a thread-exit hook, so the allocator may touch it.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Counts one allocation on the calling thread. `try_with` rather than `with`: it cannot
/// panic (a panic inside the allocator would abort), even on a thread being torn down.
fn count_one() {
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get().wrapping_add(1)));
}

// The package denies unsafe code (Cargo.toml `[lints]`, and src/lib.rs forbids it); a
// global allocator cannot be written without it, so this one item is exempt.
// SAFETY: every call is forwarded unchanged to the system allocator; we only count, and
// counting neither allocates nor unwinds.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made so far by the calling thread (and only by it).
fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// Seals `count` records of `plain` one at a time into `wire`, feeds each through the
/// deframer and opens it in place; returns the bytes of plaintext seen.
fn pump(
    enc: &mut RecordEncrypter,
    dec: &mut RecordDecrypter,
    deframer: &mut Deframer,
    wire: &mut Vec<u8>,
    plain: &[u8],
    count: usize,
) -> usize {
    let mut seen = 0;
    for _ in 0..count {
        wire.clear();
        enc.seal(ContentType::ApplicationData, plain, wire).unwrap();
        // Feed in two uneven pieces so the deframer also handles partial records.
        let (a, b) = wire.split_at(wire.len() / 3);
        assert_eq!(deframer.feed(a), a.len());
        assert!(deframer.next_record().unwrap().is_none());
        assert_eq!(deframer.feed(b), b.len());
        let rec = deframer.next_record().unwrap().unwrap();
        let opened = dec.open(rec).unwrap();
        assert_eq!(opened.typ, ContentType::ApplicationData);
        assert_eq!(opened.payload.len(), plain.len());
        assert_eq!(opened.payload.first(), plain.first());
        seen += opened.payload.len();
    }
    seen
}

#[test]
fn steady_state_sealing_and_opening_does_not_allocate() {
    let plain: Vec<u8> = (0..MAX_PLAINTEXT).map(|i| i as u8).collect();
    let configs: [(&str, RecordEncrypter, RecordDecrypter, usize); 4] = [
        (
            "TLS 1.3 AES-128-GCM",
            RecordEncrypter::tls13(&AES_128_GCM, &[1; 16], &[2; 12]).unwrap(),
            RecordDecrypter::tls13(&AES_128_GCM, &[1; 16], &[2; 12]).unwrap(),
            MAX_TLS13_CIPHERTEXT,
        ),
        (
            "TLS 1.3 ChaCha20-Poly1305",
            RecordEncrypter::tls13(&CHACHA20_POLY1305, &[1; 32], &[2; 12]).unwrap(),
            RecordDecrypter::tls13(&CHACHA20_POLY1305, &[1; 32], &[2; 12]).unwrap(),
            MAX_TLS13_CIPHERTEXT,
        ),
        (
            "TLS 1.2 AES-256-GCM",
            RecordEncrypter::tls12(&AES_256_GCM, &[1; 32], &[2; 4], Tls12Nonce::GcmExplicit)
                .unwrap(),
            RecordDecrypter::tls12(&AES_256_GCM, &[1; 32], &[2; 4], Tls12Nonce::GcmExplicit)
                .unwrap(),
            MAX_TLS12_CIPHERTEXT,
        ),
        (
            "TLS 1.2 ChaCha20-Poly1305",
            RecordEncrypter::tls12(
                &CHACHA20_POLY1305,
                &[1; 32],
                &[2; 12],
                Tls12Nonce::XorSequence,
            )
            .unwrap(),
            RecordDecrypter::tls12(
                &CHACHA20_POLY1305,
                &[1; 32],
                &[2; 12],
                Tls12Nonce::XorSequence,
            )
            .unwrap(),
            MAX_TLS12_CIPHERTEXT,
        ),
    ];
    for (name, mut enc, mut dec, limit) in configs {
        let mut deframer = Deframer::with_max_payload_len(limit);
        let mut wire = Vec::new();
        // Warm up: the output vector and deframer buffer grow to their working size.
        pump(&mut enc, &mut dec, &mut deframer, &mut wire, &plain, 3);

        let before = allocations();
        let seen = pump(&mut enc, &mut dec, &mut deframer, &mut wire, &plain, 1000);
        let after = allocations();

        assert_eq!(seen, 1000 * MAX_PLAINTEXT);
        assert_eq!(enc.sequence_number(), 1003);
        assert_eq!(dec.sequence_number(), 1003);
        assert_eq!(after - before, 0, "{name}: allocations in steady state");
        assert!(deframer.allocated() <= 5 + limit);
    }

    // The counter works: a fresh output vector does allocate.
    let before = allocations();
    let mut enc = RecordEncrypter::tls13(&AES_128_GCM, &[1; 16], &[2; 12]).unwrap();
    let mut cold = Vec::new();
    enc.seal(ContentType::ApplicationData, &plain, &mut cold)
        .unwrap();
    assert!(allocations() > before);
}

/// The counter is per thread: while another thread allocates, this thread's count stays
/// put (a process-wide counter would see the other thread's 100 allocations here), and an
/// allocation made on this thread is counted exactly once.
#[test]
fn the_counter_sees_only_its_own_thread() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let go = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let other = {
        let (go, done) = (Arc::clone(&go), Arc::clone(&done));
        std::thread::spawn(move || {
            while !go.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            let start = allocations();
            let v: Vec<Vec<u8>> = (0..100).map(|i| vec![0u8; 64 + i]).collect();
            let counted = allocations() - start;
            done.store(true, Ordering::SeqCst);
            drop(v);
            counted
        })
    };

    // Between these two readings this thread only spins on atomics (no allocation).
    let before = allocations();
    go.store(true, Ordering::SeqCst);
    while !done.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "another thread's allocations were counted here"
    );

    let counted_there = other.join().unwrap();
    assert!(
        counted_there >= 101,
        "the other thread counted {counted_there}"
    );

    let mid = allocations();
    let mine = std::hint::black_box(vec![1u8; 32]);
    assert_eq!(allocations() - mid, 1);
    drop(mine);
}
