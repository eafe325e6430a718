//! Steady-state record protection allocates nothing: once the output vector and the
//! deframer buffer are warm, sealing and opening 1,000 records of 16 KiB performs zero
//! heap allocations.
//!
//! This file is its own test binary with one test, so no other test thread allocates
//! while the counter is read.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use handclasp::crypto::Tls12Nonce;
use handclasp::crypto::ring::{AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};
use handclasp::enums::ContentType;
use handclasp::record::{
    Deframer, MAX_PLAINTEXT, MAX_TLS12_CIPHERTEXT, MAX_TLS13_CIPHERTEXT, RecordDecrypter,
    RecordEncrypter,
};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; we only count.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
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

fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
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
