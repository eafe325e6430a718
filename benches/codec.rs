//! Handshake message codec micro-benchmarks: decoding and encoding every handshake
//! message of a full TLS 1.3 and TLS 1.2 handshake (both directions, client
//! certificate included), as our client and server really send them.
//!
//! The messages are recorded once from an in-memory handshake under the insecure
//! `handclasp::testing::fuzzing_provider`, whose records carry their plaintext, so
//! the encrypted messages can be cut out of the records without keys.
//!
//! Run with `cargo bench --bench codec`. Under `cargo test --all-targets` each body
//! runs once and checks its own result.

use std::sync::{Arc, OnceLock};

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use handclasp::enums::{ContentType, ProtocolVersion};
use handclasp::events::Side;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use handclasp::testing::{AcceptAnyClientCert, AcceptAnyServerCert, fuzzing_provider};
use handclasp::unstable::msgs::HandshakeMessage;
use handclasp::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

fn main() {
    divan::main();
}

const VERSIONS: &[&str] = &["tls13", "tls12"];

fn version(name: &str) -> ProtocolVersion {
    match name {
        "tls13" => ProtocolVersion::TLSv1_3,
        _ => ProtocolVersion::TLSv1_2,
    }
}

/// Every handshake message of one full handshake, in the order sent.
fn messages(name: &str) -> &'static [Vec<u8>] {
    static TLS13: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    static TLS12: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let cell = if name == "tls13" { &TLS13 } else { &TLS12 };
    cell.get_or_init(|| record(version(name)))
}

fn record(version: ProtocolVersion) -> Vec<Vec<u8>> {
    // A real certificate's size matters to the Certificate message; the accept-any
    // verifiers do not look inside it.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    let key = || PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let client = ClientConfig::builder_with_provider(Arc::new(fuzzing_provider(Side::Client)))
        .with_verifier(Arc::new(AcceptAnyServerCert))
        .with_protocol_versions(&[version])
        .with_client_auth_cert(chain.clone(), key())
        .unwrap()
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_provider(Arc::new(fuzzing_provider(Side::Server)))
        .with_single_cert(chain, key())
        .unwrap()
        .with_client_cert_verifier(Arc::new(AcceptAnyClientCert { mandatory: true }))
        .build()
        .unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut c = ClientConnection::new(Arc::new(client), name).unwrap();
    let mut s = ServerConnection::new(Arc::new(server)).unwrap();
    let mut messages = Vec::new();
    for _ in 0..4 {
        move_flight(&mut c, &mut s, version, &mut messages);
        move_flight(&mut s, &mut c, version, &mut messages);
    }
    assert!(!c.is_handshaking() && !s.is_handshaking());
    messages
}

/// Moves `from`'s output to `to`, cutting the handshake messages out of the records.
fn move_flight(
    from: &mut Connection,
    to: &mut Connection,
    version: ProtocolVersion,
    out: &mut Vec<Vec<u8>>,
) {
    let bytes = from.pending_tls().to_vec();
    from.consume_tls(bytes.len());
    let mut handshake = Vec::new();
    let mut rest = &bytes[..];
    let mut tls12_encrypted = false;
    while rest.len() >= 5 {
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        let (typ, body) = (rest[0], &rest[5..5 + len]);
        rest = &rest[5 + len..];
        match ContentType::from(typ) {
            ContentType::ChangeCipherSpec => tls12_encrypted = version == ProtocolVersion::TLSv1_2,
            // TLS 1.2 AES-GCM under the no-op AEAD: explicit nonce, plaintext, tag.
            ContentType::Handshake if tls12_encrypted => {
                handshake.extend_from_slice(&body[8..body.len() - 16]);
            }
            ContentType::Handshake => handshake.extend_from_slice(body),
            // The no-op AEAD: plaintext, then (TLS 1.3) the inner type, then the tag.
            ContentType::ApplicationData if version == ProtocolVersion::TLSv1_3 => {
                let inner = &body[..body.len() - 16];
                let (&inner_type, content) = inner.split_last().unwrap();
                if ContentType::from(inner_type) == ContentType::Handshake {
                    handshake.extend_from_slice(content);
                }
            }
            _ => {}
        }
    }
    let mut at = &handshake[..];
    while at.len() >= 4 {
        let len = 4 + (usize::from(at[1]) << 16 | usize::from(at[2]) << 8 | usize::from(at[3]));
        out.push(at[..len].to_vec());
        at = &at[len..];
    }
    to.read_tls_from_slice(&bytes);
    to.process_new_packets().unwrap();
}

fn total_len(messages: &[Vec<u8>]) -> usize {
    messages.iter().map(Vec::len).sum()
}

/// Decoding every message of a full handshake (ClientHello ... Finished, with client
/// authentication and tickets).
#[divan::bench(args = VERSIONS)]
fn decode_handshake(bencher: Bencher, name: &str) {
    let messages = messages(name);
    assert!(
        messages.len() >= 8,
        "{name}: only {} messages",
        messages.len()
    );
    let v = version(name);
    bencher
        .counter(BytesCount::new(total_len(messages)))
        .bench(|| {
            for m in messages {
                black_box(HandshakeMessage::read_bytes(black_box(m), v).unwrap());
            }
        });
}

/// Encoding them again (into one reused buffer, as the connection does).
#[divan::bench(args = VERSIONS)]
fn encode_handshake(bencher: Bencher, name: &str) {
    let messages = messages(name);
    let v = version(name);
    let decoded: Vec<HandshakeMessage> = messages
        .iter()
        .map(|m| HandshakeMessage::read_bytes(m, v).unwrap())
        .collect();
    let mut out = Vec::with_capacity(8192);
    bencher
        .counter(BytesCount::new(total_len(messages)))
        .bench_local(|| {
            out.clear();
            for m in &decoded {
                m.encode(&mut out);
            }
            assert_eq!(out.len(), total_len(messages));
            black_box(&out);
        });
}
