//! The insecure test providers of `handclasp::testing` (feature `test-provider`):
//! the deterministic provider gives byte-identical transcripts run after run, and the
//! fuzzing provider really is a pass-through whose only check is its constant tag.
use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::pair::Pair;
use handclasp::crypto::CryptoProvider;
use handclasp::enums::{AlertDescription, NamedGroup, ProtocolVersion};
use handclasp::events::Side;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use handclasp::testing::{
    AcceptAnyServerCert, FixedRandom, TEST_TAG, deterministic_provider, fuzzing_provider,
};
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, Error, ServerConfig};

/// The `handshake` fuzz target's Ed25519 PKI (committed; Ed25519 signs deterministically).
fn pki() -> (
    CertificateDer<'static>,
    PrivateKeyDer<'static>,
    CertificateDer<'static>,
) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/certs/");
    let read = |name: &str| std::fs::read(format!("{dir}{name}")).unwrap();
    (
        CertificateDer::from(read("hs-leaf.der")),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(read("hs-leaf.key.der"))),
        CertificateDer::from(read("hs-root.der")),
    )
}

fn time() -> Arc<FixedTime> {
    // 2030-01-01, inside the certificates' validity.
    Arc::new(FixedTime(UnixTime::since_unix_epoch(Duration::from_secs(
        1_893_456_000,
    ))))
}

/// Runs one handshake plus a message each way and returns every byte each side sent.
fn transcript(
    client: CryptoProvider,
    server: CryptoProvider,
    version: ProtocolVersion,
) -> (Vec<u8>, Vec<u8>) {
    let (leaf, key, root) = pki();
    let mut roots = RootStore::empty();
    roots.add(&root).unwrap();
    let client = ClientConfig::builder_with_provider(Arc::new(client))
        .with_root_store(roots)
        .with_protocol_versions(&[version])
        .with_time_provider(time())
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_provider(Arc::new(server))
        .with_single_cert(vec![leaf], key)
        .unwrap()
        .with_time_provider(time())
        .build()
        .unwrap();
    let mut pair = Pair::new(Arc::new(client), Arc::new(server), "fuzz.example");
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    for round in 0..5 {
        if round == 4 {
            assert!(!pair.client.is_handshaking() && !pair.server.is_handshaking());
            pair.client.write_plaintext(b"ping").unwrap();
            pair.server.write_plaintext(b"pong").unwrap();
        }
        to_server.extend_from_slice(pair.client.pending_tls());
        pair.client_to_server().unwrap();
        to_client.extend_from_slice(pair.server.pending_tls());
        pair.server_to_client().unwrap();
    }
    (to_server, to_client)
}

#[test]
fn deterministic_provider_repeats_transcripts_byte_for_byte() {
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let run = || {
            transcript(
                deterministic_provider(Side::Client),
                deterministic_provider(Side::Server),
                version,
            )
        };
        let (first, second) = (run(), run());
        assert!(first.0.len() > 200 && first.1.len() > 500, "{version:?}");
        assert_eq!(
            first, second,
            "{version:?}: transcripts differ between runs"
        );

        // The randomness is what fixes them: another seed, another transcript.
        static OTHER: FixedRandom = FixedRandom { seed: 1 };
        let mut other = deterministic_provider(Side::Client);
        other.secure_random = &OTHER;
        let third = transcript(other, deterministic_provider(Side::Server), version);
        assert_ne!(first.0, third.0, "{version:?}");
    }
}

#[test]
fn fuzzing_provider_passes_plaintext_and_checks_only_its_tag() {
    let (leaf, key, _) = pki();
    let client = ClientConfig::builder_with_provider(Arc::new(fuzzing_provider(Side::Client)))
        .with_verifier(Arc::new(AcceptAnyServerCert))
        .with_time_provider(time())
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_provider(Arc::new(fuzzing_provider(Side::Server)))
        .with_single_cert(vec![leaf], key)
        .unwrap()
        .with_time_provider(time())
        .build()
        .unwrap();
    let mut pair = Pair::new(Arc::new(client), Arc::new(server), "fuzz.example");
    pair.handshake().unwrap();

    // Application data crosses the wire in clear, followed by the constant tag.
    pair.client.write_plaintext(b"visible secret").unwrap();
    let record = pair.client.pending_tls().to_vec();
    let body = &record[5..];
    assert_eq!(&body[..14], b"visible secret");
    assert_eq!(&body[body.len() - 16..], TEST_TAG);

    // A record whose tag is wrong is refused like a forged one.
    let mut forged = record.clone();
    *forged.last_mut().unwrap() ^= 1;
    pair.client.consume_tls(record.len());
    pair.server.read_tls_from_slice(&forged);
    assert_eq!(
        pair.server.process_new_packets().unwrap_err(),
        Error::DecryptError
    );
    // ... and the bad_record_mac alert reaches the client.
    pair.server_to_client().unwrap_err();
    assert_eq!(
        pair.client.error(),
        Some(&Error::AlertReceived(AlertDescription::BadRecordMac))
    );
}

#[test]
fn fuzzing_provider_stands_in_for_the_hybrid_group() {
    // The stand-in has the hybrid's share sizes (1,216 out, 1,120 back), so fuzzing
    // reaches that path; a client preferring it negotiates it, in TLS 1.3 only.
    let (leaf, key, _) = pki();
    let mut client_provider = fuzzing_provider(Side::Client);
    client_provider.kx_groups.rotate_right(1);
    assert_eq!(
        client_provider.kx_groups[0].name(),
        NamedGroup::X25519MLKEM768
    );
    assert!(!client_provider.kx_groups[0].usable_in_tls12());
    let client = ClientConfig::builder_with_provider(Arc::new(client_provider))
        .with_verifier(Arc::new(AcceptAnyServerCert))
        .with_time_provider(time())
        .build()
        .unwrap();
    let mut server_provider = fuzzing_provider(Side::Server);
    server_provider.kx_groups.rotate_right(1);
    let server = ServerConfig::builder_with_provider(Arc::new(server_provider))
        .with_single_cert(vec![leaf], key)
        .unwrap()
        .with_time_provider(time())
        .build()
        .unwrap();
    let mut pair = Pair::new(Arc::new(client), Arc::new(server), "fuzz.example");
    pair.handshake().unwrap();
    for conn in [&*pair.client, &*pair.server] {
        assert_eq!(conn.negotiated_group(), Some(NamedGroup::X25519MLKEM768));
    }
    pair.send_and_receive(true, b"through the stand-in");
}
