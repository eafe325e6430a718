//! 0-RTT early data (RFC 8446 2.3, 4.2.10, 8) between our client and our server:
//! accepted, rejected and skipped, replayed, over the limit, and after a retry.
use crate::common;

use std::sync::Arc;

use common::adversary::read_all;
use common::early::{Fixture, fixture};
use common::pair::Pair;
use handclasp::conn::EarlyDataStatus;
use handclasp::enums::{AlertDescription, NamedGroup};
use handclasp::error::PeerMisbehaved;
use handclasp::pki_types::ServerName;
use handclasp::{ClientConnection, Error, ServerConfig, ServerConnection};

fn server(f: &Fixture, max_early_data: u32, groups: Option<NamedGroup>) -> Arc<ServerConfig> {
    let mut provider = handclasp::crypto::ring::default_provider();
    if let Some(group) = groups {
        provider.kx_groups.retain(|g| g.name() == group);
    }
    let builder = ServerConfig::builder_with_provider(Arc::new(provider));
    Arc::new(f.server(builder, max_early_data))
}

#[test]
fn early_data_is_accepted_and_delivered_before_the_handshake_ends() {
    let f = fixture();
    let server = server(&f, 1024, None);
    f.prime(&server);
    let mut pair = Pair::new(f.client.clone(), server, "a.test");
    assert_eq!(pair.client.early_data_status(), EarlyDataStatus::Offered);
    assert_eq!(pair.client.write_early_data(b"GET /early").unwrap(), 10);
    pair.client_to_server().unwrap();
    // The server has the early data before the client's Finished, and still wants to
    // read (the blocking adapters spin otherwise).
    assert!(pair.server.is_handshaking());
    assert!(pair.server.wants_read());
    assert_eq!(read_all(&mut pair.server), b"GET /early");
    assert_eq!(pair.server.early_data_status(), EarlyDataStatus::Accepted);
    pair.handshake().unwrap();
    assert_eq!(pair.client.early_data_status(), EarlyDataStatus::Accepted);
    assert!(pair.client.is_resumed() && pair.server.is_resumed());
    assert_eq!(pair.server.received_early_data(), 10);
    assert!(
        pair.client.write_early_data(b"late").is_err(),
        "early data ends with the handshake"
    );
    pair.send_and_receive(true, b"after");
    pair.send_and_receive(false, b"reply");
}

#[test]
fn rejected_early_data_is_skipped_and_can_be_resent() {
    let f = fixture();
    f.prime(&server(&f, 1024, None));
    // Same ticket keys, but this server takes no early data.
    let mut pair = Pair::new(f.client.clone(), server(&f, 0, None), "a.test");
    assert_eq!(pair.client.write_early_data(b"GET /early").unwrap(), 10);
    pair.handshake().unwrap();
    assert!(
        pair.client.is_resumed(),
        "the PSK is accepted, only the early data is not"
    );
    assert_eq!(pair.client.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(pair.server.early_data_status(), EarlyDataStatus::NotOffered);
    assert_eq!(pair.server.received_early_data(), 0);
    assert!(
        read_all(&mut pair.server).is_empty(),
        "rejected early data is never delivered"
    );
    pair.send_and_receive(true, b"GET /early");
}

#[test]
fn replayed_early_data_is_refused() {
    let f = fixture();
    let server = server(&f, 1024, None);
    f.prime(&server);
    let mut client =
        ClientConnection::new(f.client.clone(), ServerName::try_from("a.test").unwrap()).unwrap();
    client.write_early_data(b"transfer 100").unwrap();
    let flight = client.pending_tls().to_vec();

    let mut first = ServerConnection::new(server.clone()).unwrap();
    assert_eq!(first.read_tls_from_slice(&flight), flight.len());
    first.process_new_packets().unwrap();
    assert_eq!(read_all(&mut first), b"transfer 100");

    // An attacker replays the same bytes to another connection of the same server.
    let mut replay = ServerConnection::new(server).unwrap();
    assert_eq!(replay.read_tls_from_slice(&flight), flight.len());
    replay.process_new_packets().unwrap();
    assert_ne!(replay.early_data_status(), EarlyDataStatus::Accepted);
    assert_eq!(replay.received_early_data(), 0);
    assert!(
        read_all(&mut replay).is_empty(),
        "replayed early data must not be delivered"
    );
}

#[test]
fn more_early_data_than_allowed_is_fatal() {
    let f = fixture();
    // Tickets promise 1000 bytes; the server that gets them now allows 10.
    f.prime(&server(&f, 1000, None));
    let mut pair = Pair::new(f.client.clone(), server(&f, 10, None), "a.test");
    assert_eq!(pair.client.write_early_data(&[7; 100]).unwrap(), 100);
    let err = pair.client_to_server().unwrap_err();
    assert_eq!(err, Error::PeerMisbehaved(PeerMisbehaved::TooMuchEarlyData));
    assert_eq!(err.alert(), Some(AlertDescription::UnexpectedMessage));
}

#[test]
fn a_retry_rejects_early_data_and_the_handshake_completes() {
    let f = fixture();
    f.prime(&server(&f, 1024, None));
    // The client's key share is X25519; this server asks for P-384.
    let mut pair = Pair::new(
        f.client.clone(),
        server(&f, 1024, Some(NamedGroup::secp384r1)),
        "a.test",
    );
    pair.client.write_early_data(b"GET /early").unwrap();
    pair.handshake().unwrap();
    assert_eq!(pair.client.early_data_status(), EarlyDataStatus::Rejected);
    assert_eq!(pair.server.received_early_data(), 0);
    assert!(read_all(&mut pair.server).is_empty());
    assert_eq!(pair.client.negotiated_group(), Some(NamedGroup::secp384r1));
    // The PSK survives the retry: ClientHello2's binder covers the retry transcript.
    assert!(pair.client.is_resumed() && pair.server.is_resumed());
    pair.send_and_receive(true, b"again");
}

/// Accepted 0-RTT data waits in the received-plaintext buffer until the handshake
/// completes: a budget that could fill it (leaving no room for the client's Finished)
/// is refused when the config is built, under the default limits and under others.
#[test]
fn an_early_data_budget_that_fills_the_receive_buffer_is_refused() {
    let leaf = common::pki::server_chain(&["a.test"]).1;
    for limits in [
        handclasp::Limits::default(),
        handclasp::Limits {
            received_plaintext: 4096,
            ..handclasp::Limits::default()
        },
    ] {
        let build = |budget: usize| {
            ServerConfig::builder()
                .with_limits(limits)
                .with_max_early_data_size(budget as u32)
                .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
                .unwrap()
                .build()
        };
        assert!(matches!(
            build(limits.received_plaintext),
            Err(Error::ApiMisuse(_))
        ));
        assert!(build(limits.received_plaintext - 1).is_ok());
    }
}

#[test]
fn a_server_that_accepted_early_data_answers_before_the_clients_finished() {
    // RFC 8446 2.3: after its Finished, the server may send application data at once
    // ("0.5-RTT"); the client reads it right after the server's flight.
    let f = fixture();
    let server = server(&f, 1024, None);
    f.prime(&server);
    let mut pair = Pair::new(f.client.clone(), server, "a.test");
    pair.client.write_early_data(b"GET /early").unwrap();
    pair.client_to_server().unwrap();
    assert_eq!(read_all(&mut pair.server), b"GET /early");
    assert_eq!(pair.server.write_plaintext(b"200 early").unwrap(), 9);
    assert!(
        pair.server.is_handshaking(),
        "the client's Finished is not in yet"
    );
    // The answer travels with the server's flight, before the client's Finished.
    pair.server_to_client().unwrap();
    assert_eq!(read_all(&mut pair.client), b"200 early");
    pair.handshake().unwrap();
    assert_eq!(pair.client.early_data_status(), EarlyDataStatus::Accepted);
}

#[test]
fn without_early_data_the_server_waits_for_the_clients_finished() {
    // No 0-RTT accepted: what the server writes early waits for the handshake, so
    // nothing reaches a client that has not proven itself.
    let f = fixture();
    let server = server(&f, 0, None);
    f.prime(&server);
    let mut pair = Pair::new(f.client.clone(), server, "a.test");
    pair.client_to_server().unwrap();
    assert_eq!(pair.server.write_plaintext(b"hello").unwrap(), 5);
    pair.server_to_client().unwrap();
    assert!(read_all(&mut pair.client).is_empty());
    pair.handshake().unwrap();
    assert_eq!(read_all(&mut pair.client), b"hello");
}

#[test]
fn a_second_client_hello_may_drop_a_psk_the_retry_suite_cannot_use() {
    // RFC 8446 4.1.2: after a HelloRetryRequest the client removes PSKs that do not
    // fit the suite it names (another hash); without one left, the handshake is full.
    let f = fixture();
    f.prime(&server(&f, 0, None));
    let mut provider = handclasp::crypto::ring::default_provider();
    provider
        .kx_groups
        .retain(|g| g.name() == NamedGroup::secp384r1);
    provider
        .cipher_suites
        .retain(|s| s.suite() == handclasp::enums::CipherSuite::TLS13_AES_256_GCM_SHA384);
    let builder = ServerConfig::builder_with_provider(Arc::new(provider));
    let retrying = Arc::new(f.server(builder, 0));
    let mut pair = Pair::new(f.client.clone(), retrying, "a.test");
    pair.handshake().unwrap();
    assert!(!pair.client.is_resumed() && !pair.server.is_resumed());
    assert_eq!(pair.client.negotiated_group(), Some(NamedGroup::secp384r1));
    pair.send_and_receive(true, b"full handshake after the retry");
}

#[test]
fn early_data_records_are_padded_like_the_rest() {
    // RFC 8446 5.4: padding applies to every protected record, 0-RTT ones under the
    // early key included; the server strips it before the budget counts the data.
    let mut f = fixture();
    f.client = Arc::new(
        handclasp::ClientConfig::builder()
            .with_root_store(f.client_roots())
            .with_time_provider(Arc::new(handclasp::time::FixedTime(common::pki::at(
                common::pki::NOV_2026,
            ))))
            .with_early_data(true)
            .with_record_padding(handclasp::RecordPadding::ToMultipleOf(128))
            .build()
            .unwrap(),
    );
    let server = server(&f, 1024, None);
    f.prime(&server);
    let mut pair = Pair::new(f.client.clone(), server, "a.test");
    assert_eq!(pair.client.write_early_data(b"GET /early").unwrap(), 10);
    let early: Vec<usize> = common::tamper::split_records(pair.client.pending_tls())
        .iter()
        .filter(|r| r.typ == handclasp::enums::ContentType::ApplicationData)
        .map(|r| r.payload.len() - 16)
        .collect();
    assert_eq!(early, [128], "the early data record's inner plaintext");
    pair.client_to_server().unwrap();
    assert_eq!(read_all(&mut pair.server), b"GET /early");
    assert_eq!(pair.server.received_early_data(), 10);
    pair.handshake().unwrap();
    assert_eq!(pair.client.early_data_status(), EarlyDataStatus::Accepted);
}
