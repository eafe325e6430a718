//! Adversarial peers against our client and our server. Each test pins the exact
//! error on the side that detects the misbehaviour, the alert that side puts on the
//! wire (delivered to the other side, which must report `Error::AlertReceived` with
//! it), and that the failed side stays failed with no plaintext coming out.
//!
//! Protected records are forged with keys rebuilt from the logged secrets
//! (tests/common/adversary.rs), so the misbehaviour is inside the protection, where a
//! man in the middle could not put it: these are attacks by the peer itself.
use crate::common;

use common::adversary::{
    Established, Forger, KeyMaker, Setup, assert_fails, feed, header, plain, read_all, take,
};
use common::pair::Pair;
use common::tamper::{
    WireRecord, hello_random, join_records, plain_handshake_messages, split_records,
    tls12_key_block,
};
use handclasp::crypto::SupportedCipherSuite;
use handclasp::enums::{AlertDescription as A, ContentType, HandshakeType, ProtocolVersion};
use handclasp::error::{InvalidMessage, MessageKind, PeerMisbehaved};
use handclasp::{Connection, Error, Limits};

const TLS13: ProtocolVersion = ProtocolVersion::TLSv1_3;
const TLS12: ProtocolVersion = ProtocolVersion::TLSv1_2;
const WARNING: u8 = 1;
const CCS: [u8; 6] = [20, 3, 3, 0, 1, 1];

// ---------------------------------------------------------------------------------
// Checks

/// The victim of a forger: (forged sender, victim) for `as_client`.
fn sides(e: &mut Established, as_client: bool) -> (&mut Connection, &mut Connection) {
    let (from, to) = e.pair.sides(as_client);
    (to, from)
}

/// The client's first flight (its ClientHello) from a fresh pair.
fn client_hello(pair: &mut Pair) -> Vec<u8> {
    take(&mut pair.client)
}

fn unexpected_record(expected: &'static str, typ: ContentType) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: MessageKind::Record(typ),
    }
}

const NO_CCS_NOW: &str = "no change_cipher_spec (TLS 1.3 drops them only during the handshake)";
const APP_DATA_BEFORE_FINISHED: &str = "a handshake message (application data before Finished)";
const NO_KEYS_YET: &str = "a handshake message (no keys yet)";

// ---------------------------------------------------------------------------------
// Floods, each bounded by its documented `Limits` field

/// `max_empty_records` consecutive empty application-data records are tolerated (and
/// data resets the count); one more fails.
fn empty_records_flood(mut e: Established, as_client: bool) {
    let limit = Limits::default().max_empty_records;
    assert_eq!(limit, 32);
    let mut forger = e.forger(as_client);
    let flood = |f: &mut Forger| -> Vec<u8> {
        (0..limit)
            .flat_map(|_| f.seal(ContentType::ApplicationData, &[]))
            .collect()
    };
    let first = flood(&mut forger);
    let data = forger.seal(ContentType::ApplicationData, b"data");
    let second = flood(&mut forger);
    let (victim, _) = sides(&mut e, as_client);
    feed(victim, &first).unwrap();
    feed(victim, &data).unwrap();
    assert_eq!(read_all(victim), b"data");
    feed(victim, &second).unwrap();
    let one_more = forger.seal(ContentType::ApplicationData, &[]);
    let (victim, peer) = sides(&mut e, as_client);
    assert_fails(
        victim,
        peer,
        &one_more,
        PeerMisbehaved::TooManyEmptyRecords.into(),
        A::UnexpectedMessage,
    );
}

#[test]
fn empty_records_flood_tls13_against_server() {
    empty_records_flood(Established::tls13(), true);
}

#[test]
fn empty_records_flood_tls13_against_client() {
    empty_records_flood(Established::tls13(), false);
}

#[test]
fn empty_records_flood_tls12_against_server() {
    empty_records_flood(Established::tls12(), true);
}

#[test]
fn empty_records_flood_tls12_against_client() {
    empty_records_flood(Established::tls12(), false);
}

/// `max_warning_alerts` warnings are tolerated in a connection; one more fails. TLS 1.3
/// tolerates only user_canceled as a warning (RFC 8446 6.1); TLS 1.2 any warning.
fn warning_alert_flood(mut e: Established, as_client: bool, description: A) {
    let limit = Limits::default().max_warning_alerts;
    assert_eq!(limit, 4);
    let mut forger = e.forger(as_client);
    let (victim, _) = sides(&mut e, as_client);
    for _ in 0..limit {
        feed(victim, &forger.alert(WARNING, description.into())).unwrap();
        // Data in between does not reset the count: it is per connection.
        feed(victim, &forger.seal(ContentType::ApplicationData, b"x")).unwrap();
    }
    assert_eq!(read_all(victim), b"xxxx");
    let one_more = forger.alert(WARNING, description.into());
    let (victim, peer) = sides(&mut e, as_client);
    assert_fails(
        victim,
        peer,
        &one_more,
        PeerMisbehaved::TooManyWarningAlerts(description).into(),
        A::UnexpectedMessage,
    );
}

#[test]
fn warning_alert_flood_tls13_against_server() {
    warning_alert_flood(Established::tls13(), true, A::UserCanceled);
}

#[test]
fn warning_alert_flood_tls13_against_client() {
    warning_alert_flood(Established::tls13(), false, A::UserCanceled);
}

#[test]
fn warning_alert_flood_tls12_against_server() {
    warning_alert_flood(Established::tls12(), true, A::NoRenegotiation);
}

#[test]
fn warning_alert_flood_tls12_against_client() {
    warning_alert_flood(Established::tls12(), false, A::UserCanceled);
}

/// TLS 1.3 tolerates one unprotected change_cipher_spec during the handshake (RFC 8446
/// 5, D.4); a second one fails.
/// RFC 8446 5: every unprotected change_cipher_spec [1] between the first ClientHello
/// and the peer's Finished is dropped, not only the first; a run of them is bounded
/// like empty records (`max_empty_records`).
#[test]
fn ccs_flood_tls13_against_server() {
    let setup = Setup::new(TLS13);
    let limit = Limits::default().max_empty_records as usize;
    // Up to the limit they are dropped, and the handshake completes.
    let mut fresh = setup.pair();
    let mut ok_bytes = client_hello(&mut fresh);
    for _ in 0..limit {
        ok_bytes.extend_from_slice(&CCS);
    }
    feed(&mut fresh.server, &ok_bytes).unwrap();
    let flight = take(&mut fresh.server);
    feed(&mut fresh.client, &flight).unwrap();
    let finished = take(&mut fresh.client);
    // The client's own compatibility CCS, if it sent one, is one more: drop it.
    let finished: Vec<u8> = join_records(
        &split_records(&finished)
            .into_iter()
            .filter(|r| r.typ != ContentType::ChangeCipherSpec)
            .collect::<Vec<_>>(),
    );
    feed(&mut fresh.server, &finished).unwrap();
    assert!(!fresh.server.is_handshaking());
    // One more is a flood.
    let mut pair = setup.pair();
    let mut bytes = client_hello(&mut pair);
    for _ in 0..=limit {
        bytes.extend_from_slice(&CCS);
    }
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &bytes,
        PeerMisbehaved::TooManyChangeCipherSpecs.into(),
        A::UnexpectedMessage,
    );
}

#[test]
fn ccs_flood_tls13_against_client() {
    let setup = Setup::new(TLS13);
    let limit = Limits::default().max_empty_records as usize;
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let mut records = split_records(&take(&mut pair.server));
    // After the ServerHello (and the server's own CCS, if it sent one): more, to one
    // over the limit in all.
    let at = records
        .iter()
        .position(|r| r.typ == ContentType::ApplicationData)
        .unwrap();
    let had = records[..at]
        .iter()
        .filter(|r| r.typ == ContentType::ChangeCipherSpec)
        .count();
    let extra = WireRecord::new(ContentType::ChangeCipherSpec, vec![1]);
    for _ in had..=limit {
        records.insert(at, extra.clone());
    }
    assert_fails(
        &mut pair.client,
        &mut pair.server,
        &join_records(&records),
        PeerMisbehaved::TooManyChangeCipherSpecs.into(),
        A::UnexpectedMessage,
    );
}

#[test]
fn ccs_after_tls13_handshake_fails() {
    let mut e = Established::tls13();
    let (victim, peer) = sides(&mut e, true);
    assert_fails(
        victim,
        peer,
        &CCS,
        unexpected_record(NO_CCS_NOW, ContentType::ChangeCipherSpec),
        A::UnexpectedMessage,
    );
}

/// Runs a TLS 1.2 handshake up to the client's second flight, returning it as records
/// (ClientKeyExchange, ChangeCipherSpec, Finished) without delivering it.
fn tls12_client_second_flight(pair: &mut Pair) -> Vec<WireRecord> {
    let ch = client_hello(pair);
    feed(&mut pair.server, &ch).unwrap();
    let flight = take(&mut pair.server);
    feed(&mut pair.client, &flight).unwrap();
    split_records(&take(&mut pair.client))
}

#[test]
fn ccs_flood_tls12_against_server() {
    let setup = Setup::new(TLS12);
    let mut pair = setup.pair();
    let mut records = tls12_client_second_flight(&mut pair);
    let at = records
        .iter()
        .position(|r| r.typ == ContentType::ChangeCipherSpec)
        .unwrap();
    records.insert(at, records[at].clone());
    // RFC 5246 7.1, 6.2.3: after the first, the read key is on; a bare second one
    // does not authenticate under it.
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &join_records(&records),
        Error::DecryptError,
        A::BadRecordMac,
    );
}

#[test]
fn ccs_flood_tls12_against_client() {
    let setup = Setup::new(TLS12);
    let mut pair = setup.pair();
    let records = tls12_client_second_flight(&mut pair);
    feed(&mut pair.server, &join_records(&records)).unwrap();
    let mut last = split_records(&take(&mut pair.server));
    let at = last
        .iter()
        .position(|r| r.typ == ContentType::ChangeCipherSpec)
        .unwrap();
    last.insert(at, last[at].clone());
    // RFC 5246 7.1, 6.2.3: the second arrives under the new read key, which a bare
    // change_cipher_spec cannot satisfy.
    assert_fails(
        &mut pair.client,
        &mut pair.server,
        &join_records(&last),
        Error::DecryptError,
        A::BadRecordMac,
    );
}

/// `max_post_handshake_messages` KeyUpdates in a row are tolerated (data in between resets the
/// count); one more fails.
fn key_update_flood(as_client: bool) {
    let limit = Limits::default().max_post_handshake_messages;
    assert_eq!(limit, 32);
    let mut e = Established::tls13();
    let mut forger = e.forger(as_client);
    let (victim, _) = sides(&mut e, as_client);
    for _ in 0..limit {
        feed(victim, &forger.key_update()).unwrap();
    }
    // Still in step: data under the 32nd key arrives.
    feed(victim, &forger.seal(ContentType::ApplicationData, b"data")).unwrap();
    assert_eq!(read_all(victim), b"data");
    for _ in 0..limit {
        feed(victim, &forger.key_update()).unwrap();
    }
    let one_more = forger.key_update();
    let (victim, peer) = sides(&mut e, as_client);
    assert_fails(
        victim,
        peer,
        &one_more,
        PeerMisbehaved::TooManyPostHandshakeMessages.into(),
        A::UnexpectedMessage,
    );
}

#[test]
fn key_update_flood_against_server() {
    key_update_flood(true);
}

#[test]
fn key_update_flood_against_client() {
    key_update_flood(false);
}

// ---------------------------------------------------------------------------------
// Sizes

fn too_long(len: usize, max: usize) -> Error {
    InvalidMessage::TooLong {
        what: "handshake message",
        len,
        max,
    }
    .into()
}

fn too_long_client_hello(len: usize, max: usize) -> Error {
    InvalidMessage::TooLong {
        what: "ClientHello",
        len,
        max,
    }
    .into()
}

/// A handshake header announcing more than its cap fails on the header alone: the 4
/// bytes are all that is sent. A ClientHello may be as large as its vectors allow
/// (MAX_CLIENT_HELLO, about 128 KiB); every other message is capped at
/// `max_handshake_message`.
#[test]
fn oversized_handshake_message_fails_on_its_header_tls13_server() {
    let setup = Setup::new(TLS13);
    let max = Limits::default().max_client_hello;
    assert_eq!(max, handclasp::MAX_CLIENT_HELLO);
    assert_eq!(max, 131_396);
    let header = |typ: u8, len: usize| {
        let [_, a, b, c] = (len as u32).to_be_bytes();
        plain(ContentType::Handshake, &[typ, a, b, c])
    };
    // Exactly the limit: the server waits for the body.
    let mut pair = setup.pair();
    feed(&mut pair.server, &header(1, max)).unwrap();
    assert!(pair.server.error().is_none());
    // One more byte: refused at once.
    let mut pair = setup.pair();
    let _ = client_hello(&mut pair);
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &header(1, max + 1),
        too_long_client_hello(max + 1, max),
        A::DecodeError,
    );
    // Any other message keeps the 64 KiB cap.
    let other = Limits::default().max_handshake_message;
    assert_eq!(other, 65536);
    let mut pair = setup.pair();
    let _ = client_hello(&mut pair);
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &header(11, other + 1),
        too_long(other + 1, other),
        A::DecodeError,
    );
}

#[test]
fn oversized_handshake_message_respects_configured_limit() {
    let limits = Limits {
        max_client_hello: 1000,
        ..Limits::default()
    };
    let setup = Setup::with_limits(TLS13, limits, limits);
    let mut pair = setup.pair();
    feed(
        &mut pair.server,
        &plain(ContentType::Handshake, &[1, 0, 3, 232]),
    )
    .unwrap();
    let mut pair = setup.pair();
    let _ = client_hello(&mut pair);
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &plain(ContentType::Handshake, &[1, 0, 3, 233]),
        too_long_client_hello(1001, 1000),
        A::DecodeError,
    );
}

#[test]
fn oversized_certificate_header_tls12_client() {
    let setup = Setup::new(TLS12);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let flight = split_records(&take(&mut pair.server));
    let messages = plain_handshake_messages(&flight);
    assert_eq!(messages[0][0], u8::from(HandshakeType::ServerHello));
    let mut bytes = plain(ContentType::Handshake, &messages[0]);
    bytes.extend(plain(ContentType::Handshake, &[11, 1, 0, 1]));
    assert_fails(
        &mut pair.client,
        &mut pair.server,
        &bytes,
        too_long(65537, 65536),
        A::DecodeError,
    );
}

fn record_too_large(len: usize, max: usize) -> Error {
    InvalidMessage::RecordTooLarge { len, max }.into()
}

/// RFC 8446 5.2 / RFC 5246 6.2.3: a protected record longer than 2^14 + 256 (TLS 1.3)
/// or 2^14 + 2048 (TLS 1.2) gets record_overflow, on its header alone.
fn record_overflow(mut e: Established, as_client: bool, max: usize) {
    // Exactly the limit passes the header check (the body never comes).
    let mut probe = Established::new(Setup::new(e.setup.version));
    let (victim, peer) = sides(&mut e, as_client);
    let (probe_victim, _) = sides(&mut probe, as_client);
    feed(probe_victim, &header(23, 0x0303, max as u16)).unwrap();
    assert_fails(
        victim,
        peer,
        &header(23, 0x0303, max as u16 + 1),
        record_too_large(max + 1, max),
        A::RecordOverflow,
    );
}

#[test]
fn record_overflow_tls13_against_server() {
    record_overflow(Established::tls13(), true, 16384 + 256);
}

#[test]
fn record_overflow_tls13_against_client() {
    record_overflow(Established::tls13(), false, 16384 + 256);
}

#[test]
fn record_overflow_tls12_against_server() {
    record_overflow(Established::tls12(), true, 16384 + 2048);
}

#[test]
fn record_overflow_tls12_against_client() {
    record_overflow(Established::tls12(), false, 16384 + 2048);
}

/// Before keys, a record is plaintext: at most 2^14 bytes (RFC 8446 5.1).
#[test]
fn plaintext_record_overflow_before_keys() {
    let setup = Setup::new(TLS13);
    let mut pair = setup.pair();
    let _ = client_hello(&mut pair);
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &header(22, 0x0303, 16385),
        record_too_large(16385, 16384),
        A::RecordOverflow,
    );
}

// ---------------------------------------------------------------------------------
// Key changes

/// RFC 8446 5.1: handshake messages MUST NOT span a key change. The ClientHello's
/// record also carries the start of the next message (or a whole one): the server
/// changes its read key after the ClientHello with bytes pending.
#[test]
fn handshake_bytes_across_key_change_tls13_server() {
    for extra in [&[20u8, 0, 0][..], &[20, 0, 0, 1, 0][..]] {
        let setup = Setup::new(TLS13);
        let mut pair = setup.pair();
        let records = split_records(&client_hello(&mut pair));
        assert_eq!(records.len(), 1);
        let mut payload = records[0].payload.clone();
        payload.extend_from_slice(extra);
        assert_fails(
            &mut pair.server,
            &mut pair.client,
            &plain(ContentType::Handshake, &payload),
            PeerMisbehaved::KeyChangeWithPendingFragment.into(),
            A::UnexpectedMessage,
        );
    }
}

#[test]
fn handshake_bytes_across_key_change_tls13_client() {
    let setup = Setup::new(TLS13);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let records = split_records(&take(&mut pair.server));
    let mut payload = records[0].payload.clone();
    assert_eq!(payload[0], u8::from(HandshakeType::ServerHello));
    payload.extend_from_slice(&[8, 0]);
    assert_fails(
        &mut pair.client,
        &mut pair.server,
        &plain(ContentType::Handshake, &payload),
        PeerMisbehaved::KeyChangeWithPendingFragment.into(),
        A::UnexpectedMessage,
    );
}

/// TLS 1.2: a fragment left pending when ChangeCipherSpec arrives (RFC 5246 7.1).
#[test]
fn handshake_fragment_before_ccs_tls12_server() {
    let setup = Setup::new(TLS12);
    let mut pair = setup.pair();
    let mut records = tls12_client_second_flight(&mut pair);
    let at = records
        .iter()
        .position(|r| r.typ == ContentType::ChangeCipherSpec)
        .unwrap();
    records.insert(at, WireRecord::new(ContentType::Handshake, vec![20, 0, 0]));
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &join_records(&records),
        PeerMisbehaved::InterleavedWithHandshakeFragment(ContentType::ChangeCipherSpec).into(),
        A::UnexpectedMessage,
    );
}

// ---------------------------------------------------------------------------------
// Application data before Finished

#[test]
fn plaintext_application_data_before_keys_server() {
    for version in [TLS13, TLS12] {
        let setup = Setup::new(version);
        let mut pair = setup.pair();
        let _ = client_hello(&mut pair);
        assert_fails(
            &mut pair.server,
            &mut pair.client,
            &plain(ContentType::ApplicationData, b"early"),
            unexpected_record(NO_KEYS_YET, ContentType::ApplicationData),
            A::UnexpectedMessage,
        );
    }
}

#[test]
fn plaintext_application_data_before_keys_client() {
    for version in [TLS13, TLS12] {
        let setup = Setup::new(version);
        let mut pair = setup.pair();
        let _ = client_hello(&mut pair);
        assert_fails(
            &mut pair.client,
            &mut pair.server,
            &plain(ContentType::ApplicationData, b"early"),
            unexpected_record(NO_KEYS_YET, ContentType::ApplicationData),
            A::UnexpectedMessage,
        );
    }
}

/// TLS 1.3 handshake keys for one side, from its logged secret.
fn tls13_handshake_forger(setup: &Setup, pair: &Pair, label: &str) -> Forger {
    let Some(SupportedCipherSuite::Tls13(suite)) = pair.server.negotiated_cipher_suite() else {
        panic!("no TLS 1.3 suite");
    };
    KeyMaker::Tls13 {
        suite,
        secret: setup.server_log.secret(label),
    }
    .encrypter()
}

/// Application data under the client's handshake key, before its Finished.
#[test]
fn protected_application_data_before_finished_tls13_server() {
    let setup = Setup::new(TLS13);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let mut forger = tls13_handshake_forger(&setup, &pair, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &forger.seal(ContentType::ApplicationData, b"early"),
        unexpected_record(APP_DATA_BEFORE_FINISHED, ContentType::ApplicationData),
        A::UnexpectedMessage,
    );
}

/// Application data under the server's handshake key, before its Finished.
#[test]
fn protected_application_data_before_finished_tls13_client() {
    let setup = Setup::new(TLS13);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let records = split_records(&take(&mut pair.server));
    let at = records
        .iter()
        .position(|r| r.typ == ContentType::ApplicationData)
        .unwrap();
    let mut bytes = join_records(&records[..at]);
    let mut forger = tls13_handshake_forger(&setup, &pair, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    bytes.extend(forger.seal(ContentType::ApplicationData, b"early"));
    assert_fails(
        &mut pair.client,
        &mut pair.server,
        &bytes,
        unexpected_record(APP_DATA_BEFORE_FINISHED, ContentType::ApplicationData),
        A::UnexpectedMessage,
    );
}

/// TLS 1.2 keys for one side of a handshake in progress, from the client's logged
/// master secret and the two hello randoms.
fn tls12_forger(setup: &Setup, pair: &Pair, hellos: (&[u8], &[u8]), as_client: bool) -> Forger {
    let client_random = hello_random(&split_records(hellos.0)[0]);
    let server_random = hello_random(&split_records(hellos.1)[0]);
    let master = setup.client_log.secret("CLIENT_RANDOM");
    let Some(SupportedCipherSuite::Tls12(suite)) = pair.client.negotiated_cipher_suite() else {
        panic!("no TLS 1.2 suite");
    };
    let keys = tls12_key_block(suite, &master, &client_random, &server_random);
    let (key, iv) = if as_client {
        (keys.client_key().to_vec(), keys.client_iv().to_vec())
    } else {
        (keys.server_key().to_vec(), keys.server_iv().to_vec())
    };
    KeyMaker::Tls12 { suite, key, iv }.encrypter()
}

/// TLS 1.2: after the client's ChangeCipherSpec, application data instead of Finished.
#[test]
fn protected_application_data_before_finished_tls12_server() {
    let setup = Setup::new(TLS12);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let flight = take(&mut pair.server);
    feed(&mut pair.client, &flight).unwrap();
    let mut records = split_records(&take(&mut pair.client));
    let mut forger = tls12_forger(&setup, &pair, (&ch, &flight), true);
    let data = forger.seal(ContentType::ApplicationData, b"early");
    *records.last_mut().unwrap() = split_records(&data).remove(0);
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &join_records(&records),
        unexpected_record(APP_DATA_BEFORE_FINISHED, ContentType::ApplicationData),
        A::UnexpectedMessage,
    );
}

/// TLS 1.2: after the server's ChangeCipherSpec, application data instead of Finished.
#[test]
fn protected_application_data_before_finished_tls12_client() {
    let setup = Setup::new(TLS12);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let flight = take(&mut pair.server);
    feed(&mut pair.client, &flight).unwrap();
    let second = take(&mut pair.client);
    feed(&mut pair.server, &second).unwrap();
    let mut last = split_records(&take(&mut pair.server));
    let mut forger = tls12_forger(&setup, &pair, (&ch, &flight), false);
    let data = forger.seal(ContentType::ApplicationData, b"early");
    *last.last_mut().unwrap() = split_records(&data).remove(0);
    assert_fails(
        &mut pair.client,
        &mut pair.server,
        &join_records(&last),
        unexpected_record(APP_DATA_BEFORE_FINISHED, ContentType::ApplicationData),
        A::UnexpectedMessage,
    );
}

// ---------------------------------------------------------------------------------
// A second ClientHello

/// On an established TLS 1.3 connection, a ClientHello (protected, from the client
/// itself) is refused: TLS 1.3 has no renegotiation (RFC 8446 4.1.2).
#[test]
fn second_client_hello_on_established_tls13_server() {
    let mut e = Established::tls13();
    let hello = split_records(&e.to_server)[0].payload.clone();
    let mut forger = e.forger(true);
    let bytes = forger.seal(ContentType::Handshake, &hello);
    let (victim, peer) = sides(&mut e, true);
    assert_fails(
        victim,
        peer,
        &bytes,
        Error::UnexpectedMessage {
            expected: "KeyUpdate",
            got: MessageKind::Handshake(HandshakeType::ClientHello),
        },
        A::UnexpectedMessage,
    );
}

/// Without a HelloRetryRequest, the server's next message from the client is under the
/// client's handshake key: a second ClientHello there is unexpected.
#[test]
fn second_client_hello_without_hrr_tls13_server() {
    let setup = Setup::new(TLS13);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let hello = split_records(&ch)[0].payload.clone();
    let mut forger = tls13_handshake_forger(&setup, &pair, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &forger.seal(ContentType::Handshake, &hello),
        Error::UnexpectedMessage {
            expected: "Finished",
            got: MessageKind::Handshake(HandshakeType::ClientHello),
        },
        A::UnexpectedMessage,
    );
}

/// The same, sent in plaintext as a second record: under the client's handshake key
/// only protected records (outer type application_data) may come, so a plaintext
/// handshake record is an unexpected record type (RFC 8446 5, 5.2).
#[test]
fn second_plaintext_client_hello_without_hrr_tls13_server() {
    let setup = Setup::new(TLS13);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    let mut twice = ch.clone();
    twice.extend_from_slice(&ch);
    assert_fails(
        &mut pair.server,
        &mut pair.client,
        &twice,
        unexpected_record(
            "a protected record (outer type application_data)",
            ContentType::Handshake,
        ),
        A::UnexpectedMessage,
    );
}

// ---------------------------------------------------------------------------------
// Record headers

/// RFC 8446 5: an unknown record type gets unexpected_message, before keys, as the
/// outer type of a protected record, and as the inner type of a TLS 1.3 record.
#[test]
fn unknown_record_content_type() {
    for typ in [24u8, 25, 0, 255] {
        let setup = Setup::new(TLS13);
        let mut pair = setup.pair();
        let _ = client_hello(&mut pair);
        let mut bytes = header(typ, 0x0303, 1);
        bytes.push(0);
        assert_fails(
            &mut pair.server,
            &mut pair.client,
            &bytes,
            InvalidMessage::UnknownContentType(typ).into(),
            A::UnexpectedMessage,
        );
    }
    for version in [TLS13, TLS12] {
        let mut e = Established::new(Setup::new(version));
        let (victim, peer) = sides(&mut e, false);
        assert_fails(
            victim,
            peer,
            &header(25, 0x0303, 20),
            InvalidMessage::UnknownContentType(25).into(),
            A::UnexpectedMessage,
        );
    }
    let mut e = Established::tls13();
    let mut forger = e.forger(true);
    let bytes = forger.seal_inner(b"hidden\x19");
    let (victim, peer) = sides(&mut e, true);
    assert_fails(
        victim,
        peer,
        &bytes,
        InvalidMessage::UnknownContentType(25).into(),
        A::UnexpectedMessage,
    );
}

/// RFC 8446 5.1: legacy_record_version is ignored (0x0300 on a ClientHello record is
/// fine), but a major version other than 3 is not TLS at all.
#[test]
fn legacy_record_version() {
    let setup = Setup::new(TLS13);
    let mut pair = setup.pair();
    let mut records = split_records(&client_hello(&mut pair));
    records[0].version = 0x0300;
    feed(&mut pair.server, &join_records(&records)).unwrap();
    feed(&mut pair.client, &take(&mut pair.server)).unwrap();
    assert!(!pair.client.is_handshaking());

    for version in [0x0200u16, 0x0000, 0xff03, 0x0403] {
        let mut pair = setup.pair();
        let mut records = split_records(&client_hello(&mut pair));
        records[0].version = version;
        assert_fails(
            &mut pair.server,
            &mut pair.client,
            &join_records(&records),
            InvalidMessage::BadRecordVersion(version).into(),
            A::DecodeError,
        );
    }
}

// ---------------------------------------------------------------------------------
// Closing

/// The transport ends inside a record, or between records without close_notify: the
/// library reports no error (the bytes might still be a clean close for a protocol
/// that does not need close_notify) but `truncated()` says so and the `Reader`
/// returns `UnexpectedEof`. After a close_notify, end of stream is a clean close.
#[test]
fn truncation_at_close() {
    use std::io::{ErrorKind, Read};
    for mid_record in [true, false] {
        let mut e = Established::tls13();
        e.pair.client.write_plaintext(b"hello").unwrap();
        let mut bytes = take(&mut e.pair.client);
        if mid_record {
            bytes.truncate(bytes.len() / 2);
        }
        feed(&mut e.pair.server, &bytes).unwrap();
        assert_eq!(e.pair.server.read_tls(&mut &[][..]).unwrap(), 0);
        e.pair.server.process_new_packets().unwrap();
        assert!(e.pair.server.truncated());
        assert!(!e.pair.server.peer_has_closed());
        let mut buf = [0u8; 16];
        if !mid_record {
            assert_eq!(e.pair.server.reader().read(&mut buf).unwrap(), 5);
        }
        let err = e.pair.server.reader().read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    }
    let mut e = Established::tls13();
    e.pair.client.send_close_notify();
    let bytes = take(&mut e.pair.client);
    feed(&mut e.pair.server, &bytes).unwrap();
    assert_eq!(e.pair.server.read_tls(&mut &[][..]).unwrap(), 0);
    assert!(!e.pair.server.truncated());
    assert!(e.pair.server.peer_has_closed());
    assert_eq!(e.pair.server.reader().read(&mut [0u8; 16]).unwrap(), 0);
}

/// RFC 8446 6.1: "Any data received after a closure alert has been received MUST be
/// ignored." Records after close_notify (in the same read or later) are dropped:
/// no plaintext, no error, nothing sent.
fn data_after_close_notify(mut e: Established, as_client: bool) {
    let mut forger = e.forger(as_client);
    let mut bytes = forger.alert(WARNING, A::CloseNotify.into());
    bytes.extend(forger.seal(ContentType::ApplicationData, b"after close"));
    let later = forger.seal(ContentType::ApplicationData, b"later");
    let (victim, _) = sides(&mut e, as_client);
    feed(victim, &bytes).unwrap();
    feed(victim, &later).unwrap();
    feed(victim, &header(23, 0x0303, 30000)).unwrap();
    assert!(victim.peer_has_closed());
    assert_eq!(victim.error(), None);
    assert_eq!(read_all(victim), b"");
    assert!(victim.pending_tls().is_empty());
    assert!(!victim.wants_read());
}

#[test]
fn data_after_close_notify_tls13() {
    data_after_close_notify(Established::tls13(), true);
    data_after_close_notify(Established::tls13(), false);
}

#[test]
fn data_after_close_notify_tls12() {
    data_after_close_notify(Established::tls12(), true);
    data_after_close_notify(Established::tls12(), false);
}

/// RFC 8446 5.2, 5.4: a TLS 1.3 record whose inner plaintext (content and type) is over
/// 2^14 + 1 bytes gets record_overflow, though its ciphertext is under the limit; and
/// an inner plaintext of only zeros (no type) gets unexpected_message.
#[test]
fn tls13_inner_plaintext_checks() {
    let mut e = Established::tls13();
    let mut forger = e.forger(true);
    // The largest legal one goes through (RFC 8446 5.4: content and type, 2^14 + 1;
    // one more byte is too many, reported as the inner plaintext length).
    let mut inner = vec![b'a'; 16384];
    inner.push(23);
    let ok = forger.seal_inner(&inner);
    inner.insert(0, b'a');
    let over = forger.seal_inner(&inner);
    let (victim, peer) = sides(&mut e, true);
    feed(victim, &ok).unwrap();
    assert_eq!(read_all(victim).len(), 16384);
    assert_fails(
        victim,
        peer,
        &over,
        PeerMisbehaved::PlaintextTooLarge(16386).into(),
        A::RecordOverflow,
    );

    let mut e = Established::tls13();
    let mut forger = e.forger(false);
    let bytes = forger.seal_inner(&[0, 0, 0]);
    let (victim, peer) = sides(&mut e, false);
    assert_fails(
        victim,
        peer,
        &bytes,
        PeerMisbehaved::MissingInnerContentType.into(),
        A::UnexpectedMessage,
    );
}

/// TLS 1.2: renegotiation requests (HelloRequest to the client, ClientHello to an
/// established server) are each refused with a no_renegotiation warning (RFC 5746 4.2,
/// 4.4) up to `max_renegotiation_requests`; one more fails, so a peer cannot make us
/// queue warnings forever.
fn renegotiation_flood(as_client: bool) {
    let limit = Limits::default().max_renegotiation_requests;
    assert_eq!(limit, 1, "rustls, too, tolerates one");
    let mut e = Established::tls12();
    let request = if as_client {
        // The client's own ClientHello, again.
        split_records(&e.to_server)[0].payload.clone()
    } else {
        vec![u8::from(HandshakeType::HelloRequest), 0, 0, 0]
    };
    let mut forger = e.forger(as_client);
    let (victim, peer) = sides(&mut e, as_client);
    for _ in 0..limit {
        feed(victim, &forger.seal(ContentType::Handshake, &request)).unwrap();
        // Each is answered with a no_renegotiation warning, which the peer tolerates
        // (within its own max_warning_alerts).
        let warning = take(victim);
        assert_eq!(split_records(&warning).len(), 1);
        feed(peer, &warning).unwrap();
    }
    let one_more = forger.seal(ContentType::Handshake, &request);
    assert_fails(
        victim,
        peer,
        &one_more,
        PeerMisbehaved::TooManyRenegotiationRequests.into(),
        A::UnexpectedMessage,
    );
}

#[test]
fn renegotiation_flood_tls12_against_server() {
    renegotiation_flood(true);
}

#[test]
fn renegotiation_flood_tls12_against_client() {
    renegotiation_flood(false);
}

/// During a TLS 1.2 handshake the client ignores HelloRequest (RFC 5246 7.4.1.1), but
/// not without end: the same bound applies.
#[test]
fn hello_request_flood_during_tls12_handshake() {
    let setup = Setup::new(TLS12);
    let mut pair = setup.pair();
    let ch = client_hello(&mut pair);
    feed(&mut pair.server, &ch).unwrap();
    let hello_request = plain(
        ContentType::Handshake,
        &[u8::from(HandshakeType::HelloRequest), 0, 0, 0],
    );
    let messages = plain_handshake_messages(&split_records(&take(&mut pair.server)));
    let mut bytes = plain(ContentType::Handshake, &messages[0]);
    for _ in 0..Limits::default().max_renegotiation_requests {
        bytes.extend_from_slice(&hello_request);
    }
    feed(&mut pair.client, &bytes).unwrap();
    assert_fails(
        &mut pair.client,
        &mut pair.server,
        &hello_request,
        PeerMisbehaved::TooManyRenegotiationRequests.into(),
        A::UnexpectedMessage,
    );
}
