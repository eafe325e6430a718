//! Handshake crypto micro-benchmarks: the TLS 1.3 key schedule of one full handshake,
//! transcript hashing, the TLS 1.2 master secret and key block, key exchange, and
//! handshake signatures, all through the library's API and the `ring` provider.
//!
//! Run with `cargo bench --bench handshake_crypto`. Under `cargo test --all-targets`
//! each benchmark body runs once, so every body checks its own result.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use handclasp::crypto::ring::{
    RING_KEY_PROVIDER, SECP256R1, SUPPORTED_SIG_ALGS, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384,
    X25519,
};
use handclasp::crypto::{
    Hash, KeyProvider, SharedSecret, Signer, SupportedKxGroup, Tls12CipherSuite, Tls13CipherSuite,
};
use handclasp::enums::{HandshakeType, SignatureScheme};
use handclasp::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use handclasp::unstable::key_schedule::HandshakeHashBuffer;
use handclasp::unstable::key_schedule::tls12::MasterSecret;
use handclasp::unstable::key_schedule::tls13::KeyScheduleEarly;

fn main() {
    divan::main();
}

fn tls13_suite(name: &str) -> &'static Tls13CipherSuite {
    match name {
        "aes128gcm_sha256" => &TLS13_AES_128_GCM_SHA256,
        "aes256gcm_sha384" => &TLS13_AES_256_GCM_SHA384,
        _ => unreachable!("unknown suite {name}"),
    }
}

fn tls12_suite(name: &str) -> &'static Tls12CipherSuite {
    match name {
        "aes128gcm_sha256" => &TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "aes256gcm_sha384" => &TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        _ => unreachable!("unknown suite {name}"),
    }
}

const SUITES: &[&str] = &["aes128gcm_sha256", "aes256gcm_sha384"];

/// The key schedule of one full TLS 1.3 handshake without PSK (RFC 8446 7.1): early
/// secret, handshake secret from a 32-byte (EC)DHE secret, the two handshake traffic
/// secrets and their keys, both Finished MACs, master secret, the two application
/// traffic secrets and their keys. The transcript hashes are given (measured apart).
#[divan::bench(args = SUITES)]
fn tls13_key_schedule(bencher: Bencher, suite: &str) {
    let suite = tls13_suite(suite);
    let shared = SharedSecret::new(vec![0x11; 32]);
    let hash_len = suite.hash.output_len();
    let hello_hash = vec![0x22; hash_len];
    let server_fin_hash = vec![0x33; hash_len];
    let handshake_hash = vec![0x44; hash_len];
    let client_fin_hash = vec![0x55; hash_len];
    bencher.bench_local(|| {
        let early = KeyScheduleEarly::without_psk(black_box(suite)).unwrap();
        let hs = early.into_handshake(&shared, &hello_hash).unwrap();
        let client_hs = hs.client_handshake_traffic_secret().unwrap();
        let server_hs = hs.server_handshake_traffic_secret().unwrap();
        let keys = [
            client_hs.derive_key_iv().unwrap(),
            server_hs.derive_key_iv().unwrap(),
        ];
        // RFC 8446 4.4.4: each side's Finished is an HMAC under its finished_key.
        let server_fin = server_hs
            .finished_key()
            .unwrap()
            .verify_data(&server_fin_hash);
        let client_fin = client_hs
            .finished_key()
            .unwrap()
            .verify_data(&client_fin_hash);
        let traffic = hs.into_traffic(&handshake_hash).unwrap();
        let client_app = traffic.client_application_traffic_secret().unwrap();
        let server_app = traffic.server_application_traffic_secret().unwrap();
        let app_keys = [
            client_app.derive_key_iv().unwrap(),
            server_app.derive_key_iv().unwrap(),
        ];
        assert_ne!(server_fin, client_fin);
        assert_ne!(keys[0].key(), app_keys[0].key());
        black_box((keys, app_keys, server_fin, client_fin));
    });
}

/// An encoded handshake message of `len` body bytes (RFC 8446 4: type and 24-bit
/// length, then the body).
fn message(typ: HandshakeType, len: usize) -> Vec<u8> {
    let mut m = vec![u8::from(typ)];
    m.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    m.extend((0..len).map(|i| i as u8));
    m
}

/// The messages of a full TLS 1.3 handshake with client authentication, about 4 KiB
/// in all, in order, each with whether the handshake takes the transcript hash right
/// after it (RFC 8446 4.4.1 and 7.1: handshake secrets after ServerHello, the server's
/// CertificateVerify after its Certificate, the server Finished after that
/// CertificateVerify, the application secrets after the server Finished, the client's
/// CertificateVerify and Finished likewise, the resumption secret at the end).
fn handshake_messages() -> Vec<(Vec<u8>, bool)> {
    use HandshakeType as T;
    vec![
        (message(T::ClientHello, 508), false),
        (message(T::ServerHello, 118), true),
        (message(T::EncryptedExtensions, 36), false),
        (message(T::CertificateRequest, 56), false),
        (message(T::Certificate, 1500), true),
        (message(T::CertificateVerify, 76), true),
        (message(T::Finished, 32), true),
        (message(T::Certificate, 1500), true),
        (message(T::CertificateVerify, 76), true),
        (message(T::Finished, 32), true),
    ]
}

fn hash_by_name(name: &str) -> &'static dyn Hash {
    match name {
        "sha256" => &handclasp::crypto::ring::SHA256,
        "sha384" => &handclasp::crypto::ring::SHA384,
        _ => unreachable!("unknown hash {name}"),
    }
}

/// Transcript hashing of a whole handshake: ClientHello buffered until the suite is
/// known, then every message hashed incrementally, with a `current()` fork wherever
/// the handshake needs the transcript hash (7 times).
#[divan::bench(args = ["sha256", "sha384"])]
fn transcript_hash(bencher: Bencher, hash: &str) {
    let hash = hash_by_name(hash);
    let messages = handshake_messages();
    let total: usize = messages.iter().map(|(m, _)| m.len()).sum();
    let forks = messages.iter().filter(|(_, fork)| *fork).count();
    bencher.counter(BytesCount::new(total)).bench_local(|| {
        let mut iter = messages.iter();
        let mut buffer = HandshakeHashBuffer::new();
        let (hello, _) = iter.next().unwrap();
        buffer.add_message(hello);
        let mut transcript = buffer.start_hash(black_box(hash));
        let mut taken = 0;
        for (msg, fork) in iter {
            transcript.add_message(black_box(msg));
            if *fork {
                black_box(transcript.current());
                taken += 1;
            }
        }
        assert_eq!(taken, forks);
    });
}

/// The TLS 1.2 extended master secret (RFC 7627 4) from a 32-byte pre-master secret,
/// then the key block (RFC 5246 6.3) for an AES-GCM suite.
#[divan::bench(args = SUITES)]
fn tls12_master_secret_and_key_block(bencher: Bencher, suite: &str) {
    let suite = tls12_suite(suite);
    let pms = SharedSecret::new(vec![0x11; 32]);
    let session_hash = vec![0x22; suite.hash.output_len()];
    let (client_random, server_random) = ([0x33; 32], [0x44; 32]);
    bencher.bench_local(|| {
        let master = MasterSecret::extended(black_box(suite), &pms, &session_hash).unwrap();
        let keys = master.key_block(&client_random, &server_random).unwrap();
        assert_eq!(keys.client_key().len(), suite.aead.key_len());
        assert_ne!(keys.client_key(), keys.server_key());
        black_box(keys);
    });
}

fn kx_group(name: &str) -> &'static dyn SupportedKxGroup {
    match name {
        "x25519" => &X25519,
        "secp256r1" => &SECP256R1,
        _ => unreachable!("unknown group {name}"),
    }
}

/// One side of an ephemeral key exchange: generate a key pair, then combine it with
/// the peer's public key (made once, outside the timing).
#[divan::bench(args = ["x25519", "secp256r1"])]
fn key_exchange(bencher: Bencher, group: &str) {
    let group = kx_group(group);
    let peer = group.start().unwrap();
    let peer_public = peer.public_key().to_vec();
    bencher.bench_local(|| {
        let ours = black_box(group).start().unwrap();
        let shared = ours.complete(black_box(&peer_public)).unwrap();
        assert_eq!(shared.secret_bytes().len(), 32);
        black_box(shared);
    });
}

fn key_file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Reads one DER element with a short or one/two-byte long length; returns its tag,
/// contents and what follows. Enough for the small SPKIs in tests/data/keys.
fn der_element(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let (tag, first) = (input[0], input[1]);
    let (len, header) = match first {
        0..=0x7f => (usize::from(first), 2),
        0x81 => (usize::from(input[2]), 3),
        0x82 => (usize::from(u16::from_be_bytes([input[2], input[3]])), 4),
        _ => panic!("unsupported DER length"),
    };
    (tag, &input[header..header + len], &input[header + len..])
}

/// The AlgorithmIdentifier contents and subjectPublicKey bits of a
/// SubjectPublicKeyInfo (RFC 5280 4.1.2.7).
fn parse_spki(spki: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (tag, body, _) = der_element(spki);
    assert_eq!(tag, 0x30);
    let (tag, algorithm, rest) = der_element(body);
    assert_eq!(tag, 0x30);
    let (tag, bits, _) = der_element(rest);
    assert_eq!(
        (tag, bits[0]),
        (0x03, 0),
        "a BIT STRING with no unused bits"
    );
    (algorithm.to_vec(), bits[1..].to_vec())
}

/// A signing key from tests/data/keys and its scheme.
struct SigningCase {
    signer: Box<dyn Signer>,
    scheme: SignatureScheme,
    /// The SPKI's AlgorithmIdentifier contents.
    public_key_alg: Vec<u8>,
    public_key: Vec<u8>,
}

fn signing_case(name: &str) -> SigningCase {
    let (file, spki, scheme) = match name {
        "ecdsa_p256" => (
            "ecdsa-p256.pkcs8.der",
            "ecdsa-p256.spki.der",
            SignatureScheme::ECDSA_NISTP256_SHA256,
        ),
        "ed25519" => (
            "ed25519.pkcs8.der",
            "ed25519.spki.der",
            SignatureScheme::ED25519,
        ),
        _ => unreachable!("unknown key {name}"),
    };
    let key = RING_KEY_PROVIDER
        .load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_file(
            file,
        ))))
        .unwrap();
    let (public_key_alg, public_key) = parse_spki(&key_file(spki));
    SigningCase {
        signer: key.choose_scheme(&[scheme]).unwrap(),
        scheme,
        public_key_alg,
        public_key,
    }
}

/// What a TLS 1.3 server's CertificateVerify signs (RFC 8446 4.4.3): 64 spaces, the
/// context string, a zero byte and a SHA-256 transcript hash.
fn certificate_verify_content() -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(b"TLS 1.3, server CertificateVerify\0");
    m.extend_from_slice(&[0x5a; 32]);
    m
}

const SIGNING_KEYS: &[&str] = &["ecdsa_p256", "ed25519"];

/// Signing a CertificateVerify with a key loaded through the provider.
#[divan::bench(args = SIGNING_KEYS)]
fn sign(bencher: Bencher, key: &str) {
    let case = signing_case(key);
    let content = certificate_verify_content();
    bencher.bench_local(|| {
        let signature = case.signer.sign(black_box(&content)).unwrap();
        assert!(!signature.is_empty());
        black_box(signature);
    });
}

/// Verifying that signature through the provider's verification algorithms, as the
/// peer's CertificateVerify check does.
#[divan::bench(args = SIGNING_KEYS)]
fn verify(bencher: Bencher, key: &str) {
    let case = signing_case(key);
    let content = certificate_verify_content();
    let signature = case.signer.sign(&content).unwrap();
    // The scheme's algorithm for this key type, as a verifier picks it from the
    // certificate's SubjectPublicKeyInfo.
    let alg = SUPPORTED_SIG_ALGS
        .for_scheme(case.scheme)
        .unwrap()
        .iter()
        .find(|alg| alg.public_key_alg_id().as_ref() == case.public_key_alg.as_slice())
        .unwrap();
    bencher.bench_local(|| {
        alg.verify_signature(&case.public_key, black_box(&content), &signature)
            .unwrap();
    });
}
