//! Record layer micro-benchmarks: sealing and opening one full-size (16 KiB)
//! application-data record per suite, deframing a stream of records, and the same
//! AEAD work done with raw `ring::aead` calls (the crypto floor the record layer sits
//! on).
//!
//! Run with `cargo bench --bench record`. Under `cargo test --all-targets` each
//! benchmark body runs once, so every body checks its own result.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use handclasp::crypto::ring::{AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};
use handclasp::crypto::{AeadAlgorithm, Tls12Nonce};
use handclasp::enums::ContentType;
use handclasp::unstable::record::{
    Deframer, HEADER_LEN, InboundRecord, MAX_PLAINTEXT, MAX_TLS12_CIPHERTEXT, MAX_TLS13_CIPHERTEXT,
    RecordDecrypter, RecordEncrypter,
};
use ring::aead;

fn main() {
    divan::main();
}

/// A full-size record's content: 2^14 bytes (RFC 8446 5.1).
const RECORD: usize = MAX_PLAINTEXT;

/// The protections measured, by bench argument.
const PROTECTIONS: &[&str] = &[
    "tls13_aes128gcm",
    "tls13_aes256gcm",
    "tls13_chacha20",
    "tls12_aes128gcm",
];

/// The raw AEADs measured for the floor, by bench argument.
const AEADS: &[&str] = &["aes128gcm", "aes256gcm", "chacha20"];

/// Fixed key and IV bytes: the values do not change the cost.
const KEY: [u8; 32] = [0x42; 32];
const IV: [u8; 12] = [0x24; 12];

fn provider_aead(name: &str) -> &'static dyn AeadAlgorithm {
    match name {
        "aes128gcm" => &AES_128_GCM,
        "aes256gcm" => &AES_256_GCM,
        "chacha20" => &CHACHA20_POLY1305,
        _ => unreachable!("unknown AEAD {name}"),
    }
}

fn ring_aead(name: &str) -> &'static aead::Algorithm {
    match name {
        "aes128gcm" => &aead::AES_128_GCM,
        "aes256gcm" => &aead::AES_256_GCM,
        "chacha20" => &aead::CHACHA20_POLY1305,
        _ => unreachable!("unknown AEAD {name}"),
    }
}

/// Splits a protection name such as `tls13_aes128gcm` into version and AEAD.
fn split(protection: &str) -> (bool, &'static dyn AeadAlgorithm) {
    let (version, aead) = protection
        .split_once('_')
        .unwrap_or_else(|| unreachable!("bad protection name {protection}"));
    (version == "tls13", provider_aead(aead))
}

fn encrypter(protection: &str) -> RecordEncrypter {
    let (tls13, aead) = split(protection);
    let key = &KEY[..aead.key_len()];
    if tls13 {
        RecordEncrypter::tls13(aead, key, &IV).unwrap()
    } else {
        // RFC 5288 3: AES-GCM in TLS 1.2 takes a 4-byte salt from the key block.
        RecordEncrypter::tls12(aead, key, &IV[..4], Tls12Nonce::GcmExplicit).unwrap()
    }
}

fn decrypter(protection: &str) -> RecordDecrypter {
    let (tls13, aead) = split(protection);
    let key = &KEY[..aead.key_len()];
    if tls13 {
        RecordDecrypter::tls13(aead, key, &IV).unwrap()
    } else {
        RecordDecrypter::tls12(aead, key, &IV[..4], Tls12Nonce::GcmExplicit).unwrap()
    }
}

fn max_ciphertext(protection: &str) -> usize {
    if split(protection).0 {
        MAX_TLS13_CIPHERTEXT
    } else {
        MAX_TLS12_CIPHERTEXT
    }
}

/// Record layer seal: header, (explicit nonce,) content, (inner type,) AEAD and tag
/// appended to a reused output vector, as a connection sends application data.
#[divan::bench(args = PROTECTIONS)]
fn seal(bencher: Bencher, protection: &str) {
    let mut enc = encrypter(protection);
    let plaintext = vec![0xa5u8; RECORD];
    let mut out = Vec::with_capacity(HEADER_LEN + MAX_TLS12_CIPHERTEXT);
    bencher.counter(BytesCount::new(RECORD)).bench_local(|| {
        out.clear();
        enc.seal(
            ContentType::ApplicationData,
            black_box(&plaintext),
            &mut out,
        )
        .unwrap();
        assert!(out.len() > RECORD + HEADER_LEN);
        black_box(&out);
    });
}

/// Record layer open: one sealed record, opened in place with a fresh decrypter
/// (sequence number 0). The copy of the record and the key setup are untimed inputs.
#[divan::bench(args = PROTECTIONS)]
fn open(bencher: Bencher, protection: &str) {
    let mut wire = Vec::new();
    encrypter(protection)
        .seal(ContentType::ApplicationData, &[0xa5; RECORD], &mut wire)
        .unwrap();
    bencher
        .counter(BytesCount::new(RECORD))
        .with_inputs(|| (decrypter(protection), wire.clone()))
        .bench_local_refs(|(dec, record)| {
            let (header, payload) = record.split_at_mut(HEADER_LEN);
            let inbound = InboundRecord {
                typ: ContentType::from(header[0]),
                version: u16::from_be_bytes([header[1], header[2]]),
                payload,
            };
            let plain = dec.open(black_box(inbound)).unwrap();
            assert_eq!(plain.typ, ContentType::ApplicationData);
            assert_eq!(plain.payload.len(), RECORD);
        });
}

/// The crypto floor for `seal`: one `ring` seal of 16 KiB in place with a 5-byte AAD
/// and a per-record nonce, nothing else.
#[divan::bench(args = AEADS)]
fn raw_aead_seal(bencher: Bencher, aead_name: &str) {
    let alg = ring_aead(aead_name);
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(alg, &KEY[..alg.key_len()]).unwrap());
    let mut buf = vec![0xa5u8; RECORD];
    let aad = [23u8, 3, 3, 0x40, 0x11];
    let mut seq = 0u64;
    bencher.counter(BytesCount::new(RECORD)).bench_local(|| {
        let mut nonce = IV;
        for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        seq += 1;
        let tag = key
            .seal_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                black_box(&mut buf),
            )
            .unwrap();
        black_box(&tag);
    });
}

/// The crypto floor for `open`: one `ring` open of 16 KiB (plus tag) in place.
#[divan::bench(args = AEADS)]
fn raw_aead_open(bencher: Bencher, aead_name: &str) {
    let alg = ring_aead(aead_name);
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(alg, &KEY[..alg.key_len()]).unwrap());
    let aad = [23u8, 3, 3, 0x40, 0x11];
    let mut sealed = vec![0xa5u8; RECORD];
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(IV),
        aead::Aad::from(aad),
        &mut sealed,
    )
    .unwrap();
    bencher
        .counter(BytesCount::new(RECORD))
        .with_inputs(|| sealed.clone())
        .bench_local_refs(|buf| {
            let plain = key
                .open_in_place(
                    aead::Nonce::assume_unique_for_key(IV),
                    aead::Aad::from(aad),
                    black_box(buf),
                )
                .unwrap();
            assert_eq!(plain.len(), RECORD);
        });
}

/// Records in the deframer stream.
const STREAM_RECORDS: usize = 64;
/// The size of each chunk fed to the deframer, as a socket read might return.
const CHUNK: usize = 1024;

/// 64 sealed 16 KiB records back to back, as a peer would send them.
fn stream(protection: &str) -> Vec<u8> {
    let mut enc = encrypter(protection);
    let plaintext = vec![0xa5u8; RECORD];
    let mut wire = Vec::new();
    for _ in 0..STREAM_RECORDS {
        enc.seal(ContentType::ApplicationData, &plaintext, &mut wire)
            .unwrap();
    }
    wire
}

/// Deframing alone: 64 TLS 1.3 records of 16 KiB fed in 1 KiB chunks, every record
/// handed out (not decrypted). The deframer is created per run, so its buffer grows
/// once per run, as on a new connection.
#[divan::bench]
fn deframe_64x16k_in_1k_chunks(bencher: Bencher) {
    let wire = stream("tls13_aes128gcm");
    bencher
        .counter(BytesCount::new(wire.len()))
        .bench_local(|| {
            let mut deframer = Deframer::with_max_payload_len(MAX_TLS13_CIPHERTEXT);
            let mut records = 0;
            for mut chunk in black_box(&wire).chunks(CHUNK) {
                // The buffer holds one maximum-size record: feed what fits, drain
                // the records, feed the rest, as a connection's read loop does.
                while !chunk.is_empty() {
                    let taken = deframer.feed(chunk);
                    chunk = &chunk[taken..];
                    while let Some(record) = deframer.next_record().unwrap() {
                        black_box(record.payload);
                        records += 1;
                    }
                }
            }
            assert_eq!(records, STREAM_RECORDS);
            assert!(deframer.is_empty());
        });
}

/// The whole receive path: the same stream deframed and every record opened in the
/// deframer's buffer. The decrypter (sequence number 0) is an untimed input.
#[divan::bench(args = PROTECTIONS)]
fn deframe_and_open_64x16k(bencher: Bencher, protection: &str) {
    let wire = stream(protection);
    let max = max_ciphertext(protection);
    bencher
        .counter(BytesCount::new(STREAM_RECORDS * RECORD))
        .with_inputs(|| decrypter(protection))
        .bench_local_refs(|dec| {
            let mut deframer = Deframer::with_max_payload_len(max);
            let mut bytes = 0;
            for mut chunk in black_box(&wire).chunks(CHUNK) {
                while !chunk.is_empty() {
                    let taken = deframer.feed(chunk);
                    chunk = &chunk[taken..];
                    while let Some(record) = deframer.next_record().unwrap() {
                        bytes += dec.open(record).unwrap().payload.len();
                    }
                }
            }
            assert_eq!(bytes, STREAM_RECORDS * RECORD);
        });
}
