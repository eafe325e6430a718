//! TLS 1.2 failures: each one as its own error on the side that detects it, AND the
//! right alert on the wire (the alert record that side queued makes the other side
//! report `Error::AlertReceived` with that alert). The TLS 1.2 hellos and server
//! flight are plaintext, so a man in the middle edits them directly; the Finished
//! messages are re-encrypted with keys rebuilt from the logged master secret.
use crate::common;

use std::sync::Arc;

use common::adversary::{feed, take};
use common::pair::Pair;
use common::pki::{Ca, LeafSpec, NOV_2026, at};
use common::provider;
use common::tamper::{
    RecordingKeyLog, WireRecord, hello_random, one_record_each, open_tls12,
    plain_handshake_messages, seal_tls12, split_records, tls12_key_block,
};
use handclasp::crypto::{CryptoProvider, SupportedCipherSuite, Tls12CipherSuite};
use handclasp::enums::{
    AlertDescription as A, CipherSuite, ContentType, ExtensionType, HandshakeType, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use handclasp::error::{MessageKind, PeerIncompatible, PeerMisbehaved};
use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::unstable::enums::Compression;
use handclasp::unstable::msgs::{
    ClientExtension, ClientHello, Extension, HandshakeMessage, HandshakePayload, ServerExtension,
    ServerNameEntry,
};
use handclasp::verify::RootStore;
use handclasp::{
    ClientConfig, ClientConnection, Connection, Error, ServerConfig, ServerConnection,
};

const SUITE: CipherSuite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
const ALL_GROUPS: &[NamedGroup] = &[
    NamedGroup::X25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
];

// ---------------------------------------------------------------------------------
// Set-up

/// How to build one side of a pair.
struct Options {
    client_provider: Arc<CryptoProvider>,
    server_provider: Arc<CryptoProvider>,
    key: &'static rcgen::SignatureAlgorithm,
    server_requires_ems: bool,
    server_requires_secure_renegotiation: bool,
    client_log: Option<Arc<RecordingKeyLog>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            client_provider: provider::with(
                &provider::suites_of(ProtocolVersion::TLSv1_2),
                ALL_GROUPS,
            ),
            server_provider: provider::with(
                &provider::suites_of(ProtocolVersion::TLSv1_2),
                ALL_GROUPS,
            ),
            key: &rcgen::PKCS_ECDSA_P256_SHA256,
            server_requires_ems: true,
            server_requires_secure_renegotiation: false,
            client_log: None,
        }
    }
}

fn pair_with(o: Options) -> Pair {
    let ca = Ca::root("tls12 negative root");
    let leaf = ca.issue(&LeafSpec {
        algorithm: o.key,
        ..LeafSpec::server(&["a.test"])
    });
    let mut roots = RootStore::empty();
    roots.add(&ca.cert).unwrap();
    let mut c = ClientConfig::builder_with_provider(o.client_provider)
        .with_root_store(roots)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))));
    if let Some(log) = o.client_log {
        c = c.with_key_log(log);
    }
    let s = ServerConfig::builder_with_provider(o.server_provider)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_extended_master_secret_required(o.server_requires_ems)
        .with_secure_renegotiation_required(o.server_requires_secure_renegotiation)
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap();
    Pair::new(
        Arc::new(c.build().unwrap()),
        Arc::new(s.build().unwrap()),
        "a.test",
    )
}

/// A TLS 1.2 pair: every TLS 1.2 suite and group, ECDSA P-256 server for a.test.
fn plain_pair() -> Pair {
    pair_with(Options::default())
}

/// Whether the failing side's alert goes out under its write key.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Sent {
    Plain,
    Encrypted,
}

/// The failing side queued one alert record: in plaintext exactly a fatal `alert`,
/// encrypted an alert-typed record that is not those two bytes; either way the peer,
/// fed those bytes, reports that alert. The failing side stays failed.
fn assert_alert_delivered(failing: &mut Connection, peer: &mut Connection, alert: A, sent: Sent) {
    let bytes = take(failing);
    let records = split_records(&bytes);
    assert_eq!(records.len(), 1, "expected exactly the alert record");
    // RFC 5246 6.2.1: TLS 1.2 records, protected or not, carry their real type.
    assert_eq!(records[0].typ, ContentType::Alert);
    match sent {
        Sent::Plain => assert_eq!(records[0].payload, [2, u8::from(alert)]),
        Sent::Encrypted => assert!(records[0].payload.len() > 2 + 8),
    }
    assert_eq!(feed(peer, &bytes), Err(Error::AlertReceived(alert)));
    assert!(failing.process_new_packets().is_err());
}

/// The client fails on `bytes` (from "the server") with `expected`, and its alert
/// reaches the server.
fn client_rejects(pair: &mut Pair, bytes: &[u8], expected: Error, alert: A, sent: Sent) {
    assert_eq!(feed(&mut pair.client, bytes), Err(expected.clone()));
    assert_eq!(pair.client.error(), Some(&expected));
    assert_eq!(expected.alert(), Some(alert));
    assert_alert_delivered(&mut pair.client, &mut pair.server, alert, sent);
}

/// The server fails on `bytes` (from "the client") with `expected`, and its alert
/// reaches the client.
fn server_rejects(pair: &mut Pair, bytes: &[u8], expected: Error, alert: A, sent: Sent) {
    assert_eq!(feed(&mut pair.server, bytes), Err(expected.clone()));
    assert_eq!(pair.server.error(), Some(&expected));
    assert_eq!(expected.alert(), Some(alert));
    assert_alert_delivered(&mut pair.server, &mut pair.client, alert, sent);
}

fn decode12(encoding: &[u8]) -> HandshakeMessage {
    HandshakeMessage::read_bytes(encoding, ProtocolVersion::TLSv1_2).unwrap()
}

fn message_type(encoding: &[u8]) -> HandshakeType {
    HandshakeType::from(encoding[0])
}

/// The server's plaintext first flight, one message each, after the ClientHello went
/// through unchanged.
fn server_flight(pair: &mut Pair) -> Vec<Vec<u8>> {
    pair.client_to_server().unwrap();
    let messages = plain_handshake_messages(&split_records(&take(&mut pair.server)));
    let types: Vec<HandshakeType> = messages.iter().map(|m| message_type(m)).collect();
    assert_eq!(
        types,
        [
            HandshakeType::ServerHello,
            HandshakeType::Certificate,
            HandshakeType::ServerKeyExchange,
            HandshakeType::ServerHelloDone
        ]
    );
    messages
}

/// Rewrites one message of a flight (found by type) through its decoded form.
fn edit_message(
    flight: &mut [Vec<u8>],
    typ: HandshakeType,
    edit: impl FnOnce(&mut HandshakePayload),
) {
    let encoding = flight
        .iter_mut()
        .find(|m| message_type(m) == typ)
        .unwrap_or_else(|| panic!("no {typ:?} in the flight"));
    let mut msg = decode12(encoding);
    edit(&mut msg.payload);
    *encoding = msg.get_encoding();
}

/// The client's ClientHello, rewritten by `edit`, as one plaintext record.
fn client_hello_with(pair: &mut Pair, edit: impl FnOnce(&mut ClientHello)) -> Vec<u8> {
    let records = split_records(&take(&mut pair.client));
    assert_eq!(records.len(), 1);
    let mut msg = decode12(&records[0].payload);
    match &mut msg.payload {
        HandshakePayload::ClientHello(ch) => edit(ch),
        other => panic!("{other:?}"),
    }
    one_record_each(&[msg.get_encoding()])
}

fn remove_client_ext(ch: &mut ClientHello, typ: ExtensionType) {
    let exts = ch.extensions.as_mut().unwrap();
    let before = exts.len();
    exts.retain(|e| e.ext_type() != typ);
    assert_eq!(exts.len(), before - 1, "{typ:?} was not in the ClientHello");
}

fn remove_server_ext(flight: &mut [Vec<u8>], typ: ExtensionType) {
    edit_message(flight, HandshakeType::ServerHello, |p| {
        let HandshakePayload::ServerHello(sh) = p else {
            panic!("{p:?}")
        };
        let exts = sh.extensions.as_mut().unwrap();
        let before = exts.len();
        exts.retain(|e| e.ext_type() != typ);
        assert_eq!(exts.len(), before - 1, "{typ:?} was not in the ServerHello");
    });
}

// ---------------------------------------------------------------------------------
// ServerKeyExchange

fn edit_ske(
    flight: &mut [Vec<u8>],
    edit: impl FnOnce(&mut handclasp::unstable::msgs::EcdheServerKeyExchange),
) {
    edit_message(flight, HandshakeType::ServerKeyExchange, |p| {
        let HandshakePayload::ServerKeyExchange(ske) = p else {
            panic!("{p:?}")
        };
        edit(ske)
    });
}

#[test]
fn bad_server_key_exchange_signature() {
    for key in [&rcgen::PKCS_ECDSA_P256_SHA256, &rcgen::PKCS_ED25519] {
        // A flipped signature byte, and (separately) a flipped byte in the signed
        // ECDHE public key: both break the signature.
        for flip_signature in [true, false] {
            let mut pair = pair_with(Options {
                key,
                ..Options::default()
            });
            let mut flight = server_flight(&mut pair);
            edit_ske(&mut flight, |ske| {
                if flip_signature {
                    *ske.signature.signature.last_mut().unwrap() ^= 0x01;
                } else {
                    ske.params.public[5] ^= 0x01;
                }
            });
            let err = feed(&mut pair.client, &one_record_each(&flight)).unwrap_err();
            assert!(matches!(err, Error::BadSignature(_)), "{err:?}");
            assert_eq!(err.alert(), Some(A::DecryptError));
            assert_alert_delivered(
                &mut pair.client,
                &mut pair.server,
                A::DecryptError,
                Sent::Plain,
            );
        }
    }
}

#[test]
fn server_key_exchange_with_an_unoffered_scheme() {
    // Our client never offers ECDSA P-521.
    let mut pair = plain_pair();
    let mut flight = server_flight(&mut pair);
    edit_ske(&mut flight, |ske| {
        assert_eq!(ske.signature.scheme, SignatureScheme::ECDSA_NISTP256_SHA256);
        ske.signature.scheme = SignatureScheme::ECDSA_NISTP521_SHA512;
    });
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerMisbehaved::UnsupportedSignatureScheme(SignatureScheme::ECDSA_NISTP521_SHA512).into(),
        A::IllegalParameter,
        Sent::Plain,
    );
    // Nor SHA-1, even though it exists.
    let mut pair = plain_pair();
    let mut flight = server_flight(&mut pair);
    edit_ske(&mut flight, |ske| {
        ske.signature.scheme = SignatureScheme::ECDSA_SHA1_Legacy;
    });
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerMisbehaved::UnsupportedSignatureScheme(SignatureScheme::ECDSA_SHA1_Legacy).into(),
        A::IllegalParameter,
        Sent::Plain,
    );
}

#[test]
fn server_key_exchange_with_a_scheme_that_does_not_fit_the_suite() {
    // Offered by the client, but an RSA scheme under an ECDHE_ECDSA suite.
    let mut pair = plain_pair();
    let mut flight = server_flight(&mut pair);
    edit_ske(&mut flight, |ske| {
        ske.signature.scheme = SignatureScheme::RSA_PSS_SHA256;
    });
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerMisbehaved::SignatureSchemeDoesNotMatchSuite(SignatureScheme::RSA_PSS_SHA256).into(),
        A::IllegalParameter,
        Sent::Plain,
    );
}

#[test]
fn server_key_exchange_with_an_unoffered_group() {
    // The client supports X25519 and its server certificate's curve (RFC 8422 5.1.1),
    // and the server picks X25519; the attacker rewrites it to P-384.
    let mut pair = pair_with(Options {
        client_provider: provider::with(
            &provider::suites_of(ProtocolVersion::TLSv1_2),
            &[NamedGroup::X25519, NamedGroup::secp256r1],
        ),
        server_provider: provider::with(
            &provider::suites_of(ProtocolVersion::TLSv1_2),
            &[NamedGroup::X25519],
        ),
        ..Options::default()
    });
    let mut flight = server_flight(&mut pair);
    edit_ske(&mut flight, |ske| {
        assert_eq!(ske.params.group, NamedGroup::X25519);
        ske.params.group = NamedGroup::secp384r1;
    });
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerMisbehaved::SelectedUnofferedGroup(NamedGroup::secp384r1).into(),
        A::IllegalParameter,
        Sent::Plain,
    );
}

#[test]
fn server_key_exchange_with_a_hybrid_group() {
    // The client offers TLS 1.3 too, so X25519MLKEM768 is in its supported_groups;
    // in TLS 1.2 it was not offered (draft-ietf-tls-ecdhe-mlkem 3), and is refused
    // before the signature over the rewritten parameters is looked at.
    let mut pair = pair_with(Options {
        // P-256 too: the server's ECDSA certificate needs it (RFC 8422 5.1.1).
        client_provider: provider::with(
            &provider::all_suites(),
            &[
                NamedGroup::X25519MLKEM768,
                NamedGroup::X25519,
                NamedGroup::secp256r1,
            ],
        ),
        server_provider: provider::with(
            &provider::suites_of(ProtocolVersion::TLSv1_2),
            &[NamedGroup::X25519MLKEM768, NamedGroup::X25519],
        ),
        ..Options::default()
    });
    let mut flight = server_flight(&mut pair);
    edit_ske(&mut flight, |ske| {
        // A TLS 1.2 server never picks the hybrid itself.
        assert_eq!(ske.params.group, NamedGroup::X25519);
        ske.params.group = NamedGroup::X25519MLKEM768;
    });
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerMisbehaved::SelectedUnofferedGroup(NamedGroup::X25519MLKEM768).into(),
        A::IllegalParameter,
        Sent::Plain,
    );
}

// ---------------------------------------------------------------------------------
// ChangeCipherSpec at the wrong moment

fn ccs_record() -> Vec<u8> {
    WireRecord::new(ContentType::ChangeCipherSpec, vec![1]).encode()
}

fn unexpected_ccs(expected: &'static str) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: MessageKind::Record(ContentType::ChangeCipherSpec),
    }
}

#[test]
fn change_cipher_spec_before_the_servers_certificate() {
    let mut pair = plain_pair();
    let flight = server_flight(&mut pair);
    let mut bytes = one_record_each(&flight[..1]);
    bytes.extend(ccs_record());
    bytes.extend(one_record_each(&flight[1..]));
    client_rejects(
        &mut pair,
        &bytes,
        unexpected_ccs("Certificate"),
        A::UnexpectedMessage,
        Sent::Plain,
    );
}

#[test]
fn change_cipher_spec_before_the_clients_key_exchange() {
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    pair.server_to_client().unwrap();
    let records = split_records(&take(&mut pair.client));
    let mut bytes = ccs_record();
    bytes.extend(records.iter().flat_map(WireRecord::encode));
    server_rejects(
        &mut pair,
        &bytes,
        unexpected_ccs("ClientKeyExchange"),
        A::UnexpectedMessage,
        Sent::Plain,
    );
}

/// `records` with a second copy of its (only) change_cipher_spec record after it.
fn with_ccs_twice(records: &[WireRecord]) -> Vec<u8> {
    let at = records
        .iter()
        .position(|r| r.typ == ContentType::ChangeCipherSpec)
        .expect("no change_cipher_spec");
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        out.extend(r.encode());
        if i == at {
            out.extend(r.encode());
        }
    }
    out
}

// RFC 5246 7.1, 6.2.3: once a ChangeCipherSpec turned the read key on, every record
// is protected under it, so a bare second one fails to authenticate: bad_record_mac.

#[test]
fn change_cipher_spec_twice_from_the_client() {
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    pair.server_to_client().unwrap();
    let records = split_records(&take(&mut pair.client));
    server_rejects(
        &mut pair,
        &with_ccs_twice(&records),
        Error::DecryptError,
        A::BadRecordMac,
        Sent::Plain,
    );
}

#[test]
fn change_cipher_spec_twice_from_the_server() {
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    pair.server_to_client().unwrap();
    pair.client_to_server().unwrap();
    let records = split_records(&take(&mut pair.server));
    // The client already switched its write key (its Finished went out), so its
    // alert is encrypted; the server, holding the client's key, reads it.
    client_rejects(
        &mut pair,
        &with_ccs_twice(&records),
        Error::DecryptError,
        A::BadRecordMac,
        Sent::Encrypted,
    );
}

/// RFC 5077 3.3: a NewSessionTicket "MUST be sent if the server included a
/// SessionTicket extension in the ServerHello"; a server that promised one and goes
/// straight to its ChangeCipherSpec is unexpected_message.
#[test]
fn change_cipher_spec_instead_of_a_promised_ticket() {
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    pair.server_to_client().unwrap();
    pair.client_to_server().unwrap();
    let records = split_records(&take(&mut pair.server));
    let types: Vec<ContentType> = records.iter().map(|r| r.typ).collect();
    assert_eq!(
        types,
        [
            ContentType::Handshake,
            ContentType::ChangeCipherSpec,
            ContentType::Handshake
        ]
    );
    assert_eq!(
        message_type(&records[0].payload),
        HandshakeType::NewSessionTicket
    );
    let bytes: Vec<u8> = records[1..].iter().flat_map(|r| r.encode()).collect();
    client_rejects(
        &mut pair,
        &bytes,
        Error::UnexpectedMessage {
            expected: "NewSessionTicket (promised in the ServerHello)",
            got: MessageKind::Record(ContentType::ChangeCipherSpec),
        },
        A::UnexpectedMessage,
        Sent::Encrypted,
    );
}

#[test]
fn change_cipher_spec_after_the_handshake() {
    let mut pair = plain_pair();
    pair.handshake().unwrap();
    client_rejects(
        &mut pair,
        &ccs_record(),
        Error::DecryptError,
        A::BadRecordMac,
        Sent::Encrypted,
    );
}

// ---------------------------------------------------------------------------------
// Finished

#[test]
fn bit_flipped_encrypted_finished() {
    // From the client: the server has no write key yet, so its alert is plaintext.
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    pair.server_to_client().unwrap();
    let mut bytes = take(&mut pair.client);
    *bytes.last_mut().unwrap() ^= 0x01;
    server_rejects(
        &mut pair,
        &bytes,
        Error::DecryptError,
        A::BadRecordMac,
        Sent::Plain,
    );

    // From the server: the client's alert goes out under its key.
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    pair.server_to_client().unwrap();
    pair.client_to_server().unwrap();
    let mut bytes = take(&mut pair.server);
    *bytes.last_mut().unwrap() ^= 0x01;
    client_rejects(
        &mut pair,
        &bytes,
        Error::DecryptError,
        A::BadRecordMac,
        Sent::Encrypted,
    );
}

fn tls12_suite(suite: CipherSuite) -> &'static Tls12CipherSuite {
    match handclasp::crypto::ring::default_provider().find_cipher_suite(suite) {
        Some(SupportedCipherSuite::Tls12(s)) => s,
        other => panic!("{other:?}"),
    }
}

/// Flips a byte of verify_data inside the Finished record sent as record 0 under
/// `key`/`iv`, re-encrypting it.
fn tamper_finished(
    suite: &'static Tls12CipherSuite,
    key: &[u8],
    iv: &[u8],
    record: &[u8],
) -> Vec<u8> {
    let (typ, mut finished) = open_tls12(suite, key, iv, 0, record);
    assert_eq!(typ, ContentType::Handshake);
    assert_eq!(message_type(&finished), HandshakeType::Finished);
    assert_eq!(finished.len(), 4 + 12);
    finished[10] ^= 0x20;
    seal_tls12(suite, key, iv, 0, ContentType::Handshake, &finished)
}

#[test]
fn finished_that_does_not_match_the_transcript() {
    for suite in [
        SUITE,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ] {
        let s = tls12_suite(suite);
        for client_finished in [true, false] {
            let log = Arc::new(RecordingKeyLog::default());
            let mut pair = pair_with(Options {
                client_provider: provider::with(&[suite], ALL_GROUPS),
                client_log: Some(log.clone()),
                ..Options::default()
            });
            let client_random = hello_random(&split_records(pair.client.pending_tls())[0]);
            pair.client_to_server().unwrap();
            let server_random = hello_random(&split_records(pair.server.pending_tls())[0]);
            pair.server_to_client().unwrap();
            let keys = tls12_key_block(
                s,
                &log.secret("CLIENT_RANDOM"),
                &client_random,
                &server_random,
            );
            let mut records = split_records(&take(&mut pair.client));
            if client_finished {
                let last = records.pop().unwrap();
                let mut bytes: Vec<u8> = records.iter().flat_map(WireRecord::encode).collect();
                bytes.extend(tamper_finished(
                    s,
                    keys.client_key(),
                    keys.client_iv(),
                    &last.encode(),
                ));
                server_rejects(
                    &mut pair,
                    &bytes,
                    Error::BadFinished,
                    A::DecryptError,
                    Sent::Plain,
                );
            } else {
                feed(
                    &mut pair.server,
                    &records
                        .iter()
                        .flat_map(WireRecord::encode)
                        .collect::<Vec<_>>(),
                )
                .unwrap();
                let mut records = split_records(&take(&mut pair.server));
                let last = records.pop().unwrap();
                let mut bytes: Vec<u8> = records.iter().flat_map(WireRecord::encode).collect();
                bytes.extend(tamper_finished(
                    s,
                    keys.server_key(),
                    keys.server_iv(),
                    &last.encode(),
                ));
                client_rejects(
                    &mut pair,
                    &bytes,
                    Error::BadFinished,
                    A::DecryptError,
                    Sent::Encrypted,
                );
            }
        }
    }
}

#[test]
fn reencrypting_an_unchanged_finished_is_accepted() {
    // The tamper helpers themselves: opening and resealing the client's Finished
    // unchanged must be invisible.
    let log = Arc::new(RecordingKeyLog::default());
    let mut pair = pair_with(Options {
        client_log: Some(log.clone()),
        ..Options::default()
    });
    let client_random = hello_random(&split_records(pair.client.pending_tls())[0]);
    pair.client_to_server().unwrap();
    let server_random = hello_random(&split_records(pair.server.pending_tls())[0]);
    pair.server_to_client().unwrap();
    let s = match pair.client.negotiated_cipher_suite() {
        Some(SupportedCipherSuite::Tls12(s)) => s,
        other => panic!("{other:?}"),
    };
    let keys = tls12_key_block(
        s,
        &log.secret("CLIENT_RANDOM"),
        &client_random,
        &server_random,
    );
    let mut records = split_records(&take(&mut pair.client));
    let last = records.pop().unwrap();
    let (typ, finished) = open_tls12(s, keys.client_key(), keys.client_iv(), 0, &last.encode());
    let mut bytes: Vec<u8> = records.iter().flat_map(WireRecord::encode).collect();
    bytes.extend(seal_tls12(
        s,
        keys.client_key(),
        keys.client_iv(),
        0,
        typ,
        &finished,
    ));
    feed(&mut pair.server, &bytes).unwrap();
    pair.handshake().unwrap();
    pair.send_and_receive(true, b"through the middle");
}

// ---------------------------------------------------------------------------------
// Extended master secret and secure renegotiation

#[test]
fn client_hello_without_extended_master_secret() {
    let mut pair = plain_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        remove_client_ext(ch, ExtensionType::ExtendedMasterSecret)
    });
    server_rejects(
        &mut pair,
        &bytes,
        PeerIncompatible::ExtendedMasterSecretRequired.into(),
        A::HandshakeFailure,
        Sent::Plain,
    );
}

#[test]
fn server_hello_without_extended_master_secret() {
    // Stripped in flight.
    let mut pair = plain_pair();
    let mut flight = server_flight(&mut pair);
    remove_server_ext(&mut flight, ExtensionType::ExtendedMasterSecret);
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerIncompatible::ExtendedMasterSecretRequired.into(),
        A::HandshakeFailure,
        Sent::Plain,
    );

    // A server that does not insist answers a ClientHello without it with a
    // ServerHello without it; our client refuses that.
    let mut pair = pair_with(Options {
        server_requires_ems: false,
        ..Options::default()
    });
    let bytes = client_hello_with(&mut pair, |ch| {
        remove_client_ext(ch, ExtensionType::ExtendedMasterSecret)
    });
    feed(&mut pair.server, &bytes).unwrap();
    let flight = plain_handshake_messages(&split_records(&take(&mut pair.server)));
    let HandshakePayload::ServerHello(sh) = decode12(&flight[0]).payload else {
        panic!("no ServerHello")
    };
    assert!(!sh.has_extension(ExtensionType::ExtendedMasterSecret));
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerIncompatible::ExtendedMasterSecretRequired.into(),
        A::HandshakeFailure,
        Sent::Plain,
    );
}

/// RFC 5746 4.2 leaves the server's policy open. We never renegotiate, so a client
/// without the signal is accepted by default (as OpenSSL, GnuTLS and rustls do), and
/// our ServerHello then carries no renegotiation_info (RFC 5746 3.6: it answers the
/// signal only); a server configured to require the signal refuses.
#[test]
fn missing_renegotiation_info_is_accepted_by_default() {
    let mut pair = plain_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        remove_client_ext(ch, ExtensionType::RenegotiationInfo)
    });
    feed(&mut pair.server, &bytes).unwrap();
    let flight = plain_handshake_messages(&split_records(&take(&mut pair.server)));
    let HandshakePayload::ServerHello(sh) = decode12(&flight[0]).payload else {
        panic!("no ServerHello")
    };
    assert_eq!(sh.renegotiation_info(), None, "no unsolicited extension");
    assert!(
        flight.len() >= 4,
        "the whole server flight follows (Certificate, ServerKeyExchange, ServerHelloDone)"
    );

    let mut pair = pair_with(Options {
        server_requires_secure_renegotiation: true,
        ..Options::default()
    });
    let bytes = client_hello_with(&mut pair, |ch| {
        remove_client_ext(ch, ExtensionType::RenegotiationInfo)
    });
    server_rejects(
        &mut pair,
        &bytes,
        PeerIncompatible::SecureRenegotiationRequired.into(),
        A::HandshakeFailure,
        Sent::Plain,
    );
}

/// Our client still requires the server's signal.
#[test]
fn missing_renegotiation_info_from_the_server() {
    let mut pair = plain_pair();
    let mut flight = server_flight(&mut pair);
    remove_server_ext(&mut flight, ExtensionType::RenegotiationInfo);
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerIncompatible::SecureRenegotiationRequired.into(),
        A::HandshakeFailure,
        Sent::Plain,
    );
}

#[test]
fn renegotiation_scsv_instead_of_the_extension_is_accepted() {
    // RFC 5746 3.4: TLS_EMPTY_RENEGOTIATION_INFO_SCSV signals the same thing.
    let mut pair = plain_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        remove_client_ext(ch, ExtensionType::RenegotiationInfo);
        ch.cipher_suites
            .push(CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    });
    feed(&mut pair.server, &bytes).unwrap();
    let flight = plain_handshake_messages(&split_records(&take(&mut pair.server)));
    let HandshakePayload::ServerHello(sh) = decode12(&flight[0]).payload else {
        panic!("no ServerHello")
    };
    assert_eq!(sh.renegotiation_info(), Some(&[][..]));
}

#[test]
fn non_empty_renegotiation_info() {
    let mut pair = plain_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        for e in ch.extensions.as_mut().unwrap() {
            if let ClientExtension::RenegotiationInfo(data) = e {
                *data = vec![0x42; 12];
            }
        }
    });
    server_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::BadRenegotiationInfo.into(),
        A::HandshakeFailure,
        Sent::Plain,
    );

    let mut pair = plain_pair();
    let mut flight = server_flight(&mut pair);
    edit_message(&mut flight, HandshakeType::ServerHello, |p| {
        let HandshakePayload::ServerHello(sh) = p else {
            panic!("{p:?}")
        };
        for e in sh.extensions.as_mut().unwrap() {
            if let ServerExtension::RenegotiationInfo(data) = e {
                *data = vec![0x42; 24];
            }
        }
    });
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerMisbehaved::BadRenegotiationInfo.into(),
        A::HandshakeFailure,
        Sent::Plain,
    );
}

/// RFC 5246 7.4.1.4 only forbids ServerHello extensions the client did not offer; a
/// TLS 1.2 server that echoes the client's supported_groups (some do) is answered,
/// and the list is ignored (the group comes with ServerKeyExchange, RFC 8422 5.4).
#[test]
fn a_tls12_server_hello_echoing_supported_groups_is_accepted() {
    let mut pair = plain_pair();
    let mut flight = server_flight(&mut pair);
    edit_message(&mut flight, HandshakeType::ServerHello, |p| {
        let HandshakePayload::ServerHello(sh) = p else {
            panic!("{p:?}")
        };
        sh.extensions
            .as_mut()
            .unwrap()
            .push(ServerExtension::SupportedGroups(vec![
                NamedGroup::secp256r1,
            ]));
    });
    feed(&mut pair.client, &one_record_each(&flight)).unwrap();
    // The client answers with its key exchange (its Finished then covers the edited
    // ServerHello, which the server would refuse: that is not the point here).
    assert!(pair.client.wants_write());
    assert!(pair.client.error().is_none());
}

// ---------------------------------------------------------------------------------
// Downgrade

/// RFC 6066 3: a TLS 1.2 server that does not recognize the name may send a
/// warning-level unrecognized_name alert (NOT RECOMMENDED, but legal) and go on. It
/// comes before the ServerHello, when the client does not know the version yet; a
/// client that offered TLS 1.2 must tolerate it (RFC 5246 7.2: after a warning "the
/// connection can continue normally"). A fatal one still ends the handshake.
#[test]
fn a_warning_unrecognized_name_before_the_server_hello_is_tolerated() {
    let warning = WireRecord::new(ContentType::Alert, vec![1, u8::from(A::UnrecognizedName)]);
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    let mut bytes = warning.encode();
    bytes.extend(take(&mut pair.server));
    feed(&mut pair.client, &bytes).unwrap();
    pair.handshake().unwrap();
    assert_eq!(
        pair.client.protocol_version(),
        Some(ProtocolVersion::TLSv1_2)
    );

    let fatal = WireRecord::new(ContentType::Alert, vec![2, u8::from(A::UnrecognizedName)]);
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    assert_eq!(
        feed(&mut pair.client, &fatal.encode()),
        Err(Error::AlertReceived(A::UnrecognizedName))
    );
}

#[test]
fn downgrade_to_tls12_is_detected() {
    // Both sides speak TLS 1.3 and 1.2. A man in the middle strips TLS 1.3 from the
    // ClientHello; the server answers with TLS 1.2 and marks its random; the client
    // sees the mark and aborts (RFC 8446 4.1.3).
    let mut pair = pair_with(Options {
        client_provider: Arc::new(handclasp::crypto::ring::default_provider()),
        server_provider: Arc::new(handclasp::crypto::ring::default_provider()),
        ..Options::default()
    });
    let bytes = client_hello_with(&mut pair, |ch| {
        assert_eq!(
            ch.supported_versions(),
            Some(&[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2][..])
        );
        remove_client_ext(ch, ExtensionType::SupportedVersions);
        remove_client_ext(ch, ExtensionType::KeyShare);
    });
    feed(&mut pair.server, &bytes).unwrap();
    assert_eq!(
        pair.server.protocol_version(),
        Some(ProtocolVersion::TLSv1_2)
    );
    let flight = take(&mut pair.server);
    let server_random = hello_random(&split_records(&flight)[0]);
    assert_eq!(&server_random[24..], b"DOWNGRD\x01");
    client_rejects(
        &mut pair,
        &flight,
        PeerMisbehaved::DowngradeDetected.into(),
        A::IllegalParameter,
        Sent::Plain,
    );
}

// ---------------------------------------------------------------------------------
// Refusals by design, against hand-built ClientHellos

/// A TLS 1.2-style ClientHello (no supported_versions) that our server would accept
/// but for `legacy_version`, `suites` and `compression`.
fn hand_built_hello(
    legacy_version: ProtocolVersion,
    suites: &[u16],
    compression: &[Compression],
) -> Vec<u8> {
    let hello = ClientHello {
        legacy_version,
        random: [0x5a; 32],
        session_id: Vec::new(),
        cipher_suites: suites.iter().map(|&s| CipherSuite::from(s)).collect(),
        compression_methods: compression.to_vec(),
        extensions: Some(vec![
            ClientExtension::ServerName(vec![ServerNameEntry {
                typ: handclasp::unstable::enums::ServerNameType::HostName,
                name: b"a.test".to_vec(),
            }]),
            ClientExtension::SupportedGroups(ALL_GROUPS.to_vec()),
            ClientExtension::SignatureAlgorithms(vec![
                SignatureScheme::ECDSA_NISTP256_SHA256,
                SignatureScheme::RSA_PSS_SHA256,
            ]),
            ClientExtension::EcPointFormats(vec![
                handclasp::unstable::enums::ECPointFormat::Uncompressed,
            ]),
            ClientExtension::ExtendedMasterSecret,
            ClientExtension::RenegotiationInfo(Vec::new()),
        ]),
    };
    let msg = HandshakeMessage::from(HandshakePayload::ClientHello(hello));
    // RFC 5246 E.1: the first record may carry 0x0301 for old servers.
    let mut record = WireRecord::new(ContentType::Handshake, msg.get_encoding());
    record.version = 0x0301;
    record.encode()
}

/// Feeds `hello` to a default server (TLS 1.3 and 1.2), expecting `expected`; the
/// server's plaintext alert reaches a client. Returns the error's text.
fn server_refuses(hello: &[u8], expected: Error, alert: A) -> String {
    let ca = Ca::root("refusal root");
    let leaf = ca.issue(&LeafSpec::server(&["a.test"]));
    let config = ServerConfig::builder()
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .build()
        .unwrap();
    let mut server = ServerConnection::new(Arc::new(config)).unwrap();
    assert_eq!(server.read_tls_from_slice(hello), hello.len());
    let err = server.process_new_packets().unwrap_err();
    assert_eq!(err, expected);
    assert_eq!(err.alert(), Some(alert));
    // Any client (its own ClientHello never sent) reads the alert.
    let mut roots = RootStore::empty();
    roots.add(&ca.cert).unwrap();
    let client_config = ClientConfig::builder()
        .with_root_store(roots)
        .build()
        .unwrap();
    let mut client = ClientConnection::new(
        Arc::new(client_config),
        ServerName::try_from("a.test").unwrap(),
    )
    .unwrap();
    assert_alert_delivered(&mut server, &mut client, alert, Sent::Plain);
    err.to_string()
}

const NULL: &[Compression] = &[Compression::Null];

#[test]
fn client_offering_only_tls10_or_tls11() {
    let suites = [0xc02b, 0xc02f]; // ECDHE_ECDSA / ECDHE_RSA AES-128-GCM
    for version in [
        ProtocolVersion::SSLv3,
        ProtocolVersion::TLSv1_0,
        ProtocolVersion::TLSv1_1,
    ] {
        let text = server_refuses(
            &hand_built_hello(version, &suites, NULL),
            PeerIncompatible::OnlyLegacyVersions.into(),
            A::ProtocolVersion,
        );
        assert!(text.contains("before TLS 1.2"), "{text}");
    }
    // The same hello as TLS 1.2 is fine (the control).
    let ca = Ca::root("control root");
    let leaf = ca.issue(&LeafSpec::server(&["a.test"]));
    let config = ServerConfig::builder()
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .build()
        .unwrap();
    let mut server = ServerConnection::new(Arc::new(config)).unwrap();
    let hello = hand_built_hello(ProtocolVersion::TLSv1_2, &suites, NULL);
    assert_eq!(server.read_tls_from_slice(&hello), hello.len());
    server.process_new_packets().unwrap();
    assert_eq!(server.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        server.negotiated_cipher_suite().map(|s| s.suite()),
        Some(CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    );
}

/// The refusal a server gives a TLS 1.2 hello offering only `suites`.
fn refused_suites(suites: &[u16], reasons: &str) {
    let expected = format!("cipher suites: {reasons}");
    let text = server_refuses(
        &hand_built_hello(ProtocolVersion::TLSv1_2, suites, NULL),
        PeerIncompatible::OnlyRefused(expected.clone()).into(),
        A::HandshakeFailure,
    );
    assert!(text.contains(&expected), "{text}");
}

#[test]
fn client_offering_only_refused_suites() {
    // TLS_RSA_WITH_AES_128_GCM_SHA256, _256_GCM_SHA384, _AES_128_CBC_SHA.
    refused_suites(
        &[0x009c, 0x009d, 0x002f],
        "RSA key exchange (no forward secrecy)",
    );
    // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, _256_CBC_SHA, ECDHE_ECDSA _128_CBC_SHA256.
    refused_suites(
        &[0xc013, 0xc014, 0xc023],
        "CBC mode (padding oracles, Lucky 13)",
    );
    // TLS_ECDHE_RSA_WITH_RC4_128_SHA, TLS_RSA_WITH_RC4_128_MD5.
    refused_suites(&[0xc011, 0x0004], "RC4 (broken stream cipher)");
    // TLS_RSA_WITH_NULL_SHA256, TLS_ECDHE_ECDSA_WITH_NULL_SHA.
    refused_suites(&[0x003b, 0xc006], "NULL encryption (no confidentiality)");
    // TLS_DH_anon_WITH_AES_128_CBC_SHA256 (0x006c), TLS_ECDH_anon_WITH_AES_128_CBC_SHA.
    refused_suites(
        &[0x006c, 0xc018],
        "anonymous key exchange (no authentication)",
    );
    // TLS_RSA_EXPORT_WITH_RC4_40_MD5, TLS_RSA_EXPORT_WITH_DES40_CBC_SHA.
    refused_suites(&[0x0003, 0x0008], "export-grade suites (deliberately weak)");
    // A mix names every reason once, in the order first offered.
    refused_suites(
        &[0x009c, 0xc013, 0x002f, 0xc014],
        "RSA key exchange (no forward secrecy); CBC mode (padding oracles, Lucky 13)",
    );
}

#[test]
fn client_offering_only_unknown_suites() {
    // Nothing we know to refuse: a plain "no suite in common".
    server_refuses(
        &hand_built_hello(ProtocolVersion::TLSv1_2, &[0x0a0a, 0xfefe], NULL),
        PeerIncompatible::NoCipherSuiteInCommon.into(),
        A::HandshakeFailure,
    );
}

#[test]
fn client_offering_only_compression() {
    let text = server_refuses(
        &hand_built_hello(ProtocolVersion::TLSv1_2, &[0xc02b], &[Compression::Deflate]),
        PeerMisbehaved::NullCompressionMissing.into(),
        // RFC 5246 7.4.1.2: null "MUST" be in the list; a field against the rules is
        // illegal_parameter (RFC 5246 7.2.2).
        A::IllegalParameter,
    );
    assert!(
        text.contains("null compression") && text.contains("CRIME"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------
// Session ids

/// The session id of the client's ClientHello (still queued on the client).
fn client_session_id(pair: &mut Pair) -> (Vec<u8>, Vec<u8>) {
    let bytes = take(&mut pair.client);
    let records = split_records(&bytes);
    assert_eq!(records.len(), 1);
    let HandshakePayload::ClientHello(ch) = decode12(&records[0].payload).payload else {
        panic!("not a ClientHello")
    };
    (ch.session_id, bytes)
}

/// RFC 5246 7.4.1.2: the session id "is empty if no session_id is available". A
/// client that cannot speak TLS 1.3 has no middlebox-compatibility mode (RFC 8446
/// D.4) to fill it with random bytes; one that can does.
#[test]
fn a_tls12_only_client_without_a_session_sends_an_empty_session_id() {
    let (session_id, _) = client_session_id(&mut plain_pair());
    assert_eq!(session_id, b"");
    let (session_id, _) = client_session_id(&mut pair_with(Options {
        client_provider: Arc::new(handclasp::crypto::ring::default_provider()),
        ..Options::default()
    }));
    assert_eq!(session_id.len(), 32);
}

/// RFC 5246 7.4.1.3: a TLS 1.2 server echoes the client's session id only to resume
/// that session. The random id of TLS 1.3 compatibility mode (RFC 8446 D.4) names no
/// session, so an echo of it is illegal_parameter.
#[test]
fn a_tls12_server_echoing_the_compatibility_session_id() {
    let mut pair = pair_with(Options {
        client_provider: Arc::new(handclasp::crypto::ring::default_provider()),
        ..Options::default()
    });
    let (session_id, hello) = client_session_id(&mut pair);
    assert_eq!(session_id.len(), 32);
    feed(&mut pair.server, &hello).unwrap();
    let mut flight = plain_handshake_messages(&split_records(&take(&mut pair.server)));
    edit_message(&mut flight, HandshakeType::ServerHello, |p| {
        let HandshakePayload::ServerHello(sh) = p else {
            panic!("{p:?}")
        };
        sh.session_id = session_id;
    });
    client_rejects(
        &mut pair,
        &one_record_each(&flight),
        PeerMisbehaved::WrongSessionIdEcho.into(),
        A::IllegalParameter,
        Sent::Plain,
    );
}
