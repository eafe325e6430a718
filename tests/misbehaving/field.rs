//! Field correctness: what the RFCs allow a peer that a strict implementation must
//! still accept, and the exact alert the RFCs name for what they forbid. Each test
//! pins one behaviour that real peers or conformance suites exercise: the error on
//! the side that detects it, the alert it puts on the wire, and the peer's view.
use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::adversary::{Established, Setup, assert_fails, feed, plain, read_all, take};
use common::pair::Pair;
use common::pki::{self, NOV_2026, at};
use common::tamper::{
    WireRecord, decode_message, join_records, split_records, split_server_flight,
};
use handclasp::conn::EarlyDataStatus;
use handclasp::enums::{
    AlertDescription as A, CipherSuite, ContentType, ExtensionType, HandshakeType, NamedGroup,
    ProtocolVersion,
};
use handclasp::error::{InvalidMessage, MessageKind, PeerIncompatible, PeerMisbehaved};
use handclasp::pki_types::{ServerName, UnixTime};
use handclasp::resumption::{ProducesTickets, TicketKeys};
use handclasp::server::ServerConfigBuilder;
use handclasp::time::{FixedTime, TimeProvider};
use handclasp::unstable::msgs::{
    ClientExtension, ClientHello, Extension, HandshakeMessage, HandshakePayload,
};
use handclasp::verify::RootStore;
use handclasp::{
    ClientConfig, ClientConnection, Connection, Error, Limits, ServerConfig, ServerConnection,
};

const TLS13: ProtocolVersion = ProtocolVersion::TLSv1_3;
const TLS12: ProtocolVersion = ProtocolVersion::TLSv1_2;

// ---------------------------------------------------------------------------------
// Fixtures and checks

/// A client and a server with the default provider (both versions, every suite and
/// group), a certificate for a.test, and the given builders' settings.
fn configs(
    client: impl FnOnce(
        handclasp::client::ClientConfigBuilder,
    ) -> handclasp::client::ClientConfigBuilder,
    server: impl FnOnce(ServerConfigBuilder) -> ServerConfigBuilder,
) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let c = client(
        ClientConfig::builder()
            .with_root_store(roots)
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026)))),
    );
    let s = server(ServerConfig::builder().with_time_provider(Arc::new(FixedTime(at(NOV_2026)))))
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap();
    (Arc::new(c.build().unwrap()), Arc::new(s.build().unwrap()))
}

fn default_pair() -> Pair {
    let (c, s) = configs(|c| c, |s| s);
    Pair::new(c, s, "a.test")
}

/// The client's ClientHello, rewritten by `edit`, as plaintext records of at most
/// 2^14 bytes each (RFC 8446 5.1: a large message spans several records).
fn client_hello_with(pair: &mut Pair, edit: impl FnOnce(&mut ClientHello)) -> Vec<u8> {
    let records = split_records(&take(&mut pair.client));
    let mut msg = decode_message(&records[0]);
    match &mut msg.payload {
        HandshakePayload::ClientHello(ch) => edit(ch),
        other => panic!("{other:?}"),
    }
    let encoding = msg.get_encoding();
    let mut out: Vec<u8> = encoding
        .chunks(16384)
        .flat_map(|piece| WireRecord::new(ContentType::Handshake, piece.to_vec()).encode())
        .collect();
    out.extend(join_records(&records[1..]));
    out
}

fn set_versions(ch: &mut ClientHello, versions: Vec<ProtocolVersion>) {
    for e in ch.extensions.as_mut().unwrap() {
        if let ClientExtension::SupportedVersions(v) = e {
            *v = versions;
            return;
        }
    }
    panic!("no supported_versions");
}

fn without(ch: &mut ClientHello, typ: ExtensionType) {
    ch.extensions
        .as_mut()
        .unwrap()
        .retain(|e| e.ext_type() != typ);
}

/// The server's first handshake message (its ServerHello), from what it queued.
/// The server's first handshake message, however its flight was packed into records.
fn first_server_message(server: &mut Connection) -> HandshakeMessage {
    let records = split_records(&take(server));
    let plain: Vec<_> = records
        .into_iter()
        .take_while(|r| r.typ == ContentType::Handshake)
        .collect();
    let messages = common::tamper::plain_handshake_messages(&plain);
    HandshakeMessage::read_bytes(&messages[0], ProtocolVersion::TLSv1_3).unwrap()
}

// ---------------------------------------------------------------------------------
// Version negotiation (RFC 8446 4.2.1, D.2; RFC 5246 E.1; RFC 8701)

/// A ClientHello "from the future" (legacy_version above TLS 1.2) without
/// supported_versions speaks TLS 1.2 or earlier: it gets a TLS 1.2 ServerHello.
#[test]
fn client_hello_from_the_future_without_supported_versions_gets_tls12() {
    for legacy in [0x0304u16, 0x0305, 0x0400, 0xff00, 0xffff] {
        let mut pair = default_pair();
        let bytes = client_hello_with(&mut pair, |ch| {
            without(ch, ExtensionType::SupportedVersions);
            ch.legacy_version = ProtocolVersion::from(legacy);
        });
        feed(&mut pair.server, &bytes).unwrap_or_else(|e| panic!("{legacy:#06x}: {e}"));
        assert_eq!(pair.server.protocol_version(), Some(TLS12), "{legacy:#06x}");
        let HandshakePayload::ServerHello(sh) = first_server_message(&mut pair.server).payload
        else {
            panic!("{legacy:#06x}: no ServerHello");
        };
        assert_eq!(sh.legacy_version, TLS12, "{legacy:#06x}");
        assert!(
            !sh.extensions()
                .iter()
                .any(|e| e.ext_type() == ExtensionType::SupportedVersions),
            "{legacy:#06x}: a TLS 1.2 ServerHello carries no supported_versions"
        );
    }
}

/// supported_versions holding only values we do not know (GREASE, or versions after
/// TLS 1.3) offers nothing: protocol_version, with an error that says so.
#[test]
fn supported_versions_of_only_unknown_values_is_protocol_version() {
    let grease = [0x0a0a_u16, 0x1a1a, 0xfafa];
    for versions in [&grease[..], &[0x0305], &[0x0a0a, 0x0305, 0x7f1c]] {
        let mut pair = default_pair();
        let bytes = client_hello_with(&mut pair, |ch| {
            set_versions(
                ch,
                versions.iter().map(|&v| ProtocolVersion::from(v)).collect(),
            )
        });
        let error: Error = PeerIncompatible::NoKnownVersion.into();
        assert!(error.to_string().contains("no version this side knows"));
        let (server, client) = (&mut pair.server, &mut pair.client);
        assert_fails(server, client, &bytes, error, A::ProtocolVersion);
    }
    // GREASE beside a real version is ignored (RFC 8701 3).
    let mut pair = default_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        set_versions(
            ch,
            vec![
                ProtocolVersion::from(0x3a3a),
                TLS13,
                ProtocolVersion::from(0x0305),
            ],
        )
    });
    feed(&mut pair.server, &bytes).unwrap();
    assert_eq!(pair.server.protocol_version(), Some(TLS13));
}

/// Only TLS 1.0/1.1 offered: refused as legacy, and said so.
#[test]
fn supported_versions_of_only_legacy_versions() {
    let mut pair = default_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        set_versions(ch, vec![ProtocolVersion::TLSv1_1, ProtocolVersion::TLSv1_0])
    });
    let (server, client) = (&mut pair.server, &mut pair.client);
    assert_fails(
        server,
        client,
        &bytes,
        PeerIncompatible::OnlyLegacyVersions.into(),
        A::ProtocolVersion,
    );
}

/// A client offering only TLS 1.3 to a server that enables only TLS 1.2 is told the
/// version it wants is not enabled, not that it offers only legacy versions.
#[test]
fn tls13_only_client_and_tls12_only_server() {
    let (c, s) = configs(
        |c| c.with_protocol_versions(&[TLS13]),
        |s| s.with_protocol_versions(&[TLS12]),
    );
    let mut pair = Pair::new(c, s, "a.test");
    let hello = take(&mut pair.client);
    let (server, client) = (&mut pair.server, &mut pair.client);
    assert_fails(
        server,
        client,
        &hello,
        PeerIncompatible::VersionNotEnabled(TLS13).into(),
        A::ProtocolVersion,
    );
}

// ---------------------------------------------------------------------------------
// 0-RTT skipping ends with the second ClientHello (RFC 8446 4.1.2, 4.2.10)

/// After a HelloRetryRequest, 0-RTT records sent with the first ClientHello are
/// skipped; the second ClientHello has no early data, so once it is in, a record
/// that fails to decrypt is bad_record_mac at once.
#[test]
fn early_data_skipping_ends_with_the_second_client_hello() {
    // The client sends an X25519 share; the server takes only P-384, so it retries.
    let mut p = handclasp::crypto::ring::default_provider();
    p.kx_groups.retain(|g| g.name() == NamedGroup::secp384r1);
    let (c, _) = configs(|c| c, |s| s);
    let (_, leaf) = pki::server_chain(&["a.test"]);
    let s = ServerConfig::builder_with_provider(Arc::new(p))
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .build()
        .unwrap();
    let mut pair = Pair::new(c, Arc::new(s), "a.test");
    // ClientHello1 offers early data (as a resuming client's would).
    let ch1 = client_hello_with(&mut pair, |ch| {
        ch.extensions
            .as_mut()
            .unwrap()
            .push(ClientExtension::EarlyData)
    });
    feed(&mut pair.server, &ch1).unwrap();
    let retry = take(&mut pair.server);
    // The 0-RTT record sent after ClientHello1 is skipped.
    let garbage = plain(ContentType::ApplicationData, &[0x42; 64]);
    feed(&mut pair.server, &garbage).unwrap();
    feed(&mut pair.client, &retry).unwrap();
    let ch2 = take(&mut pair.client);
    feed(&mut pair.server, &ch2).unwrap();
    assert!(
        pair.server.wants_write(),
        "the server answered ClientHello2"
    );
    let _flight = take(&mut pair.server);
    // Now the same garbage is a record that fails to decrypt. (The client, whose
    // ClientHello1 was edited, has another transcript, so it cannot read the
    // server's protected alert: the alert is checked on the server's side.)
    assert_eq!(feed(&mut pair.server, &garbage), Err(Error::DecryptError));
    assert_eq!(Error::DecryptError.alert(), Some(A::BadRecordMac));
    let alert = split_records(&take(&mut pair.server));
    assert_eq!(alert.len(), 1, "one alert record");
    assert_eq!(alert[0].typ, ContentType::ApplicationData, "protected");
    assert_eq!(
        alert[0].payload.len(),
        2 + 1 + 16,
        "an alert, its type and a tag"
    );
}

// ---------------------------------------------------------------------------------
// Post-handshake messages (RFC 8446 4.6.3)

/// Requests for our KeyUpdate while we send nothing get one answer (RFC 8446 4.6.3),
/// so a reading-only application does not pile answers up in its send queue; once
/// we send data, the next request is answered again.
#[test]
fn key_update_requests_while_silent_get_one_answer() {
    let mut e = Established::tls13();
    let mut forger = e.forger(false);
    for i in 0..500u32 {
        let mut bytes = forger.key_update_with(true);
        bytes.extend(forger.seal(ContentType::ApplicationData, &i.to_be_bytes()));
        feed(&mut e.pair.client, &bytes).unwrap();
        assert_eq!(read_all(&mut e.pair.client), i.to_be_bytes());
    }
    let answers = take(&mut e.pair.client);
    assert_eq!(
        split_records(&answers).len(),
        1,
        "one KeyUpdate for 500 requests while silent"
    );
    // The server reads the client's answer and what the client sends after it.
    e.pair.client.write_plaintext(b"after").unwrap();
    let mut to_server = answers;
    to_server.extend(take(&mut e.pair.client));
    feed(&mut e.pair.server, &to_server).unwrap();
    assert_eq!(read_all(&mut e.pair.server), b"after");
    // Having sent data, the client answers the next request.
    feed(&mut e.pair.client, &forger.key_update_with(true)).unwrap();
    let answer = take(&mut e.pair.client);
    assert_eq!(split_records(&answer).len(), 1);
    feed(&mut e.pair.server, &answer).unwrap();
    e.pair.client.write_plaintext(b"again").unwrap();
    let data = take(&mut e.pair.client);
    feed(&mut e.pair.server, &data).unwrap();
    assert_eq!(read_all(&mut e.pair.server), b"again");
}

/// A TLS 1.3 NewSessionTicket body: lifetime, age_add, nonce, ticket, no extensions.
fn new_session_ticket(n: u8) -> Vec<u8> {
    let body = [0, 0, 0x0e, 0x10, 0, 0, 0, n, 1, n, 0, 4, 1, 2, 3, n, 0, 0];
    let mut msg = vec![
        u8::from(HandshakeType::NewSessionTicket),
        0,
        0,
        body.len() as u8,
    ];
    msg.extend_from_slice(&body);
    msg
}

/// NewSessionTickets in a row without application data are bounded on their own
/// (`max_new_session_tickets`: each is an HKDF and a store insert), apart from the
/// bound on KeyUpdates and renegotiation requests: a server may send many tickets
/// (RFC 8446 4.6.1), and a KeyUpdate flood after them is still caught at its own bound.
#[test]
fn post_handshake_message_floods_are_bounded() {
    let tickets = Limits::default().max_new_session_tickets;
    let others = Limits::default().max_post_handshake_messages;
    assert_eq!((tickets, others), (256, 32));
    let mut e = Established::tls13();
    let mut forger = e.forger(false);
    for n in 0..tickets {
        feed(
            &mut e.pair.client,
            &forger.seal(ContentType::Handshake, &new_session_ticket(n as u8)),
        )
        .unwrap();
    }
    // KeyUpdates count apart from the tickets.
    for _ in 0..others {
        feed(&mut e.pair.client, &forger.key_update()).unwrap();
    }
    let one_more = forger.seal(ContentType::Handshake, &new_session_ticket(99));
    let (client, server) = (&mut e.pair.client, &mut e.pair.server);
    assert_fails(
        client,
        server,
        &one_more,
        PeerMisbehaved::TooManyPostHandshakeMessages.into(),
        A::UnexpectedMessage,
    );

    // Data resets both counts.
    let mut e = Established::tls13();
    let mut forger = e.forger(false);
    for round in 0..2 {
        for n in 0..tickets {
            feed(
                &mut e.pair.client,
                &forger.seal(ContentType::Handshake, &new_session_ticket(n as u8)),
            )
            .unwrap();
        }
        feed(
            &mut e.pair.client,
            &forger.seal(ContentType::ApplicationData, &[round]),
        )
        .unwrap();
        assert_eq!(read_all(&mut e.pair.client), [round]);
    }
}

/// A server that sends 40 tickets after the handshake (with_tickets allows up to
/// 255) is a server our client works with.
#[test]
fn our_client_takes_forty_tickets_from_our_server() {
    let (c, s) = configs(|c| c, |s| s.with_tickets(40));
    let mut pair = Pair::new(c, s, "a.test");
    pair.handshake().unwrap();
    pair.server_to_client().unwrap();
    pair.send_and_receive(true, b"after 40 tickets");
}

/// Our own KeyUpdate sent before the peer asks for one does not answer the request:
/// RFC 8446 4.6.3 wants a KeyUpdate of ours after the request and before our next
/// application data.
#[test]
fn a_key_update_of_ours_before_the_request_does_not_answer_it() {
    let mut e = Established::tls13();
    let mut forger = e.forger(false);
    e.pair.client.refresh_traffic_keys(false).unwrap();
    let ours = take(&mut e.pair.client);
    assert_eq!(split_records(&ours).len(), 1);
    feed(&mut e.pair.client, &forger.key_update_with(true)).unwrap();
    let answer = take(&mut e.pair.client);
    assert_eq!(split_records(&answer).len(), 1, "the request is answered");
    let mut to_server = ours;
    to_server.extend(answer);
    e.pair
        .client
        .write_plaintext(b"under the third key")
        .unwrap();
    to_server.extend(take(&mut e.pair.client));
    feed(&mut e.pair.server, &to_server).unwrap();
    assert_eq!(read_all(&mut e.pair.server), b"under the third key");
}

// ---------------------------------------------------------------------------------
// 0-RTT replay window (RFC 8446 8.2, 8.3)

/// A clock the test moves.
#[derive(Debug)]
struct Clock(AtomicU64);

impl Clock {
    fn set(&self, secs: u64) {
        self.0.store(secs, Ordering::SeqCst);
    }
}

impl TimeProvider for Clock {
    fn now(&self) -> Option<UnixTime> {
        Some(at(self.0.load(Ordering::SeqCst)))
    }
}

/// A flight recorded from a client whose clock runs 10 s ahead passes the ticket-age
/// check (±11 s) for 21 s after its first use: the default anti-replay guard must
/// remember the ticket that long, so no replay in that window is accepted.
#[test]
fn replays_are_refused_for_as_long_as_the_ticket_age_check_passes() {
    let t0 = NOV_2026;
    let client_clock = Arc::new(Clock(AtomicU64::new(t0)));
    let server_clock = Arc::new(Clock(AtomicU64::new(t0)));
    let keys =
        Arc::new(TicketKeys::new(&handclasp::crypto::ring::default_provider(), 3600, 1).unwrap());
    let (client, server) = configs(
        |c| {
            c.with_time_provider(client_clock.clone())
                .with_early_data(true)
        },
        |s| {
            s.with_time_provider(server_clock.clone())
                .with_ticketer(Some(keys.clone() as Arc<dyn ProducesTickets>))
                .with_max_early_data_size(1024)
        },
    );
    let mut prime = Pair::new(client.clone(), server.clone(), "a.test");
    prime.handshake().unwrap();
    prime.server_to_client().unwrap();

    // The client's clock now runs 10 s ahead of the server's.
    server_clock.set(t0 + 100);
    client_clock.set(t0 + 110);
    let name = ServerName::try_from("a.test").unwrap();
    let mut c = ClientConnection::new(client, name).unwrap();
    assert_eq!(c.write_early_data(b"transfer 100").unwrap(), 12);
    let flight = c.pending_tls().to_vec();
    let mut first = ServerConnection::new(server.clone()).unwrap();
    feed(&mut first, &flight).unwrap();
    assert_eq!(first.early_data_status(), EarlyDataStatus::Accepted);
    assert_eq!(read_all(&mut first), b"transfer 100");

    for later in [0, 1, 10, 19, 20, 21, 22, 23, 30] {
        server_clock.set(t0 + 100 + later);
        let mut replay = ServerConnection::new(server.clone()).unwrap();
        let _ = feed(&mut replay, &flight);
        assert_ne!(
            replay.early_data_status(),
            EarlyDataStatus::Accepted,
            "replayed {later} s later"
        );
        assert!(
            read_all(&mut replay).is_empty(),
            "replayed early data delivered {later} s later"
        );
    }
}

// ---------------------------------------------------------------------------------
// Alerts: the one the RFC names

/// An empty alert record is an unexpected record (RFC 8446 5.1, 6), not a short
/// alert: before keys, and protected in both versions.
#[test]
fn empty_alert_record_is_unexpected_message() {
    let expected: Error = InvalidMessage::EmptyFragment(ContentType::Alert).into();
    // Before keys, to a server waiting for a ClientHello.
    let mut pair = default_pair();
    let _ = take(&mut pair.client);
    let (server, client) = (&mut pair.server, &mut pair.client);
    assert_eq!(
        feed(server, &plain(ContentType::Alert, &[])),
        Err(expected.clone())
    );
    assert_eq!(expected.alert(), Some(A::UnexpectedMessage));
    let out = take(server);
    assert_eq!(
        split_records(&out)[0].payload,
        [2, u8::from(A::UnexpectedMessage)]
    );
    assert_eq!(
        feed(client, &out),
        Err(Error::AlertReceived(A::UnexpectedMessage))
    );
    // Protected, after the handshake, both versions and both directions.
    for version in [TLS13, TLS12] {
        for as_client in [true, false] {
            let mut e = Established::new(Setup::new(version));
            let mut forger = e.forger(as_client);
            let bytes = forger.seal(ContentType::Alert, &[]);
            // The forger speaks as one side; the other is the victim.
            let (peer, victim) = e.pair.sides(as_client);
            assert_fails(victim, peer, &bytes, expected.clone(), A::UnexpectedMessage);
        }
    }
}

/// Under TLS 1.3 protection a plaintext Finished (or any record whose outer type is
/// not application_data) is an unexpected record (RFC 8446 5, 5.2), for the client
/// reading the server's encrypted flight too.
#[test]
fn plaintext_finished_where_an_encrypted_one_is_due() {
    let setup = Setup::new(TLS13);
    let mut pair = setup.pair();
    let ch = take(&mut pair.client);
    feed(&mut pair.server, &ch).unwrap();
    let (plain_part, _protected) = split_server_flight(&take(&mut pair.server));
    let mut bytes = join_records(&plain_part);
    // A Finished in plaintext where EncryptedExtensions is due, encrypted.
    bytes.extend(plain(
        ContentType::Handshake,
        &[u8::from(HandshakeType::Finished), 0, 0, 32]
            .into_iter()
            .chain([0u8; 32])
            .collect::<Vec<_>>(),
    ));
    let (client, server) = (&mut pair.client, &mut pair.server);
    assert_fails(
        client,
        server,
        &bytes,
        Error::UnexpectedMessage {
            expected: "a protected record (outer type application_data)",
            got: MessageKind::Record(ContentType::Handshake),
        },
        A::UnexpectedMessage,
    );
}

/// A handshake message whose type the state cannot take is unexpected_message,
/// whatever its body holds: here in place of a ClientHello, with bodies that would
/// not parse (so parsing first would give decode_error or illegal_parameter).
#[test]
fn wrong_handshake_type_in_place_of_a_client_hello() {
    for typ in 0..=255u8 {
        if typ == u8::from(HandshakeType::ClientHello) {
            continue;
        }
        let mut pair = default_pair();
        let _ = take(&mut pair.client);
        let (server, client) = (&mut pair.server, &mut pair.client);
        assert_fails(
            server,
            client,
            &plain(ContentType::Handshake, &[typ, 0, 0, 2, 0xff, 0xff]),
            Error::UnexpectedMessage {
                expected: "ClientHello",
                got: MessageKind::Handshake(HandshakeType::from(typ)),
            },
            A::UnexpectedMessage,
        );
    }
}

// ---------------------------------------------------------------------------------
// ClientHello size (policy: accept what the vectors allow)

/// Real clients send ClientHellos far over 64 KiB (long cipher-suite and signature
/// lists, large padding): one of about 128 KiB is answered.
#[test]
fn a_client_hello_of_128_kib_is_accepted() {
    let mut pair = default_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        // 32,000 unknown suites (about 64 KiB), ours still among them.
        let ours = std::mem::take(&mut ch.cipher_suites);
        let mut suites: Vec<CipherSuite> = (0..32_000u16)
            .map(|i| CipherSuite::from(0x8000 | i))
            .filter(|s| !ours.contains(s))
            .take(32_000 - ours.len())
            .collect();
        suites.extend(ours);
        ch.cipher_suites = suites;
        // And a padding extension filling the extensions block to near its limit.
        let exts = ch.extensions.as_mut().unwrap();
        let psk_last = exts
            .last()
            .is_some_and(|e| e.ext_type() == ExtensionType::PreSharedKey);
        assert!(!psk_last);
        exts.push(ClientExtension::Padding(vec![0; 60_000]));
    });
    assert!(bytes.len() > 120 * 1024, "{} bytes", bytes.len());
    feed(&mut pair.server, &bytes).unwrap();
    let HandshakePayload::ServerHello(_) = first_server_message(&mut pair.server).payload else {
        panic!("no ServerHello");
    };
}

// ---------------------------------------------------------------------------------
// Policy texts

/// The extended-master-secret refusal names the option that relaxes it.
#[test]
fn ems_error_names_its_option() {
    let text = PeerIncompatible::ExtendedMasterSecretRequired.to_string();
    assert!(
        text.contains("with_extended_master_secret_required(false)"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------
// The blocking adapter

/// A transport that must not be read from (a read would block forever on a peer
/// that has nothing to say); what is written to it is kept.
#[derive(Default)]
struct NoReads(Vec<u8>);

impl std::io::Read for NoReads {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        panic!("the adapter read from the transport");
    }
}

impl std::io::Write for NoReads {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An empty write on an established connection does no I/O (std::io::Write: "a
/// return value of Ok(0) ... may indicate ... the buffer provided was 0 bytes"); it
/// must not wait for the peer.
#[test]
fn stream_empty_write_does_not_read() {
    use std::io::Write;
    let mut pair = default_pair();
    pair.handshake().unwrap();
    let mut transport = NoReads::default();
    let mut stream = handclasp::Stream::new(&mut pair.client, &mut transport);
    assert_eq!(stream.write(&[]).unwrap(), 0);
    assert_eq!(stream.write(b"data").unwrap(), 4);
    assert!(!transport.0.is_empty(), "the data went out");
}

/// A transport that delivers `input`, then end of stream; it counts its reads and
/// refuses more than a few hundred (a spinning adapter would call it forever).
struct Scripted {
    input: std::io::Cursor<Vec<u8>>,
    reads: usize,
}

impl std::io::Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reads += 1;
        assert!(
            self.reads < 500,
            "the adapter keeps reading a finished transport"
        );
        self.input.read(buf)
    }
}

impl std::io::Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` on a thread; None if it has not returned within `DEADLINE` (a spin).
fn returns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    const DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(DEADLINE).ok()
}

/// A close_notify before the handshake completed ends the blocking handshake with
/// UnexpectedEof: nothing can finish it, so it must not loop.
#[test]
fn stream_handshake_ends_on_a_close_notify() {
    let (_, server) = configs(|c| c, |s| s);
    let result = returns(move || {
        let mut conn = ServerConnection::new(server).unwrap();
        let mut transport = Scripted {
            input: std::io::Cursor::new(plain(ContentType::Alert, &[1, 0])),
            reads: 0,
        };
        conn.complete_io(&mut transport).map_err(|e| e.kind())
    });
    assert_eq!(
        result.expect("complete_io spun"),
        Err(std::io::ErrorKind::UnexpectedEof)
    );
}

/// A handshake error is final for the blocking adapter too: every later read says it
/// again at once.
#[test]
fn stream_reads_after_a_handshake_error_return_it() {
    use std::io::Read;
    let (_, server) = configs(|c| c, |s| s);
    let result = returns(move || {
        let mut conn = ServerConnection::new(server).unwrap();
        let mut transport = Scripted {
            input: std::io::Cursor::new(plain(ContentType::Handshake, &[2, 0, 0, 0])),
            reads: 0,
        };
        let mut stream = handclasp::Stream::new(&mut conn, &mut transport);
        let mut buf = [0u8; 16];
        let first = stream.read(&mut buf).map_err(|e| e.kind());
        let second = stream.read(&mut buf).map_err(|e| e.kind());
        (first, second)
    });
    let (first, second) = result.expect("a read after the error spun");
    assert_eq!(first, Err(std::io::ErrorKind::InvalidData));
    assert_eq!(second, Err(std::io::ErrorKind::InvalidData));
}
