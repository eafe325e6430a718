//! The `Acceptor`: reading the ClientHello before choosing the `ServerConfig`, then
//! handing every received byte to the real connection. Its failures are compared
//! with a `ServerConnection` fed the same bytes.
use crate::common;

use std::io::Read;
use std::sync::Arc;

use common::adversary::{Setup, feed, header, plain, read_all, take};
use common::early::fixture;
use common::pair::Pair;
use common::pki::{Ca, LeafSpec, NOV_2026, at};
use common::tamper::{decode_message, plain_record, split_records};
use handclasp::conn::EarlyDataStatus;
use handclasp::enums::{AlertDescription, ContentType, NamedGroup, ProtocolVersion};
use handclasp::error::{PeerIncompatible, PeerMisbehaved};
use handclasp::server::ClientHello;
use handclasp::time::FixedTime;
use handclasp::unstable::msgs::{ClientExtension, Extension, HandshakePayload};
use handclasp::unstable::record::{HEADER_LEN, MAX_PLAINTEXT};
use handclasp::verify::RootStore;
use handclasp::{
    AcceptError, Accepted, Acceptor, ClientConfig, Error, InvalidMessage, Limits, ServerConfig,
    ServerConnection,
};

/// How the client's bytes reach the acceptor.
#[derive(Clone, Copy, Debug)]
enum Feed {
    /// `read_tls_from_slice` with everything at once.
    Slice,
    /// `read_tls_from_slice`, one byte per call.
    SliceBytewise,
    /// `read_tls` from a reader that has everything.
    Read,
    /// `read_tls` from a reader giving one byte per read.
    ReadBytewise,
}

const FEEDS: [Feed; 4] = [
    Feed::Slice,
    Feed::SliceBytewise,
    Feed::Read,
    Feed::ReadBytewise,
];

/// A transport giving at most `step` bytes per read; records the buffer sizes asked.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
    asked: Vec<usize>,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.asked.push(buf.len());
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Feeds `bytes` until `accept` answers something other than "more"; returns that
/// answer and the bytes the acceptor did not take (for the connection).
fn run(
    acceptor: &mut Acceptor,
    bytes: &[u8],
    how: Feed,
) -> (Result<Option<Accepted>, AcceptError>, Vec<u8>) {
    match how {
        Feed::Slice | Feed::SliceBytewise => {
            let step = if matches!(how, Feed::Slice) {
                bytes.len()
            } else {
                1
            };
            let mut at = 0;
            while at < bytes.len() {
                let n = acceptor.read_tls_from_slice(&bytes[at..(at + step).min(bytes.len())]);
                at += n;
                match acceptor.accept() {
                    Ok(None) => assert!(n > 0, "the acceptor stalled"),
                    other => return (other, bytes[at..].to_vec()),
                }
            }
            (acceptor.accept(), Vec::new())
        }
        Feed::Read | Feed::ReadBytewise => {
            let step = if matches!(how, Feed::Read) {
                usize::MAX
            } else {
                1
            };
            let mut transport = Trickle {
                data: bytes,
                step,
                asked: Vec::new(),
            };
            loop {
                let n = acceptor.read_tls(&mut transport).unwrap();
                match acceptor.accept() {
                    Ok(None) if n > 0 => {}
                    other => return (other, transport.data.to_vec()),
                }
            }
        }
    }
}

/// Runs the client's first flight through an acceptor (fed `how`), lets `choose` pick
/// the config from the hello, and returns the pair with the resulting server.
fn through_acceptor(
    client: Arc<ClientConfig>,
    name: &str,
    how: Feed,
    choose: impl FnOnce(ClientHello<'_>) -> Arc<ServerConfig>,
    placeholder: Arc<ServerConfig>,
    early: &[u8],
) -> Pair {
    let mut pair = Pair::new(client, placeholder, name);
    if !early.is_empty() {
        assert_eq!(pair.client.write_early_data(early).unwrap(), early.len());
    }
    let flight = take(&mut pair.client);
    let mut acceptor = Acceptor::new();
    let (accepted, rest) = run(&mut acceptor, &flight, how);
    let accepted = accepted
        .unwrap_or_else(|e| panic!("{how:?}: {e}"))
        .unwrap_or_else(|| panic!("{how:?}: no ClientHello"));
    let config = choose(accepted.client_hello());
    pair.server = accepted.into_connection(config).unwrap();
    feed(&mut pair.server, &rest).unwrap();
    pair
}

fn full_handshake(version: ProtocolVersion) {
    let setup = Setup::new(version);
    for how in FEEDS {
        let mut pair = through_acceptor(
            setup.client.clone(),
            "a.test",
            how,
            |_| setup.server.clone(),
            setup.server.clone(),
            b"",
        );
        pair.handshake()
            .unwrap_or_else(|e| panic!("{version:?} {how:?}: {e}"));
        assert_eq!(pair.server.protocol_version(), Some(version));
        assert_eq!(pair.client.protocol_version(), Some(version));
        assert_eq!(pair.server.server_name(), Some("a.test"));
        pair.send_and_receive(true, b"ping");
        pair.send_and_receive(false, b"pong");
    }
}

#[test]
fn tls13_handshake_through_the_acceptor() {
    full_handshake(ProtocolVersion::TLSv1_3);
}

#[test]
fn tls12_handshake_through_the_acceptor() {
    full_handshake(ProtocolVersion::TLSv1_2);
}

/// A client trusting `ca`, offering `alpn`.
fn client(ca: &Ca, alpn: &[&[u8]]) -> Arc<ClientConfig> {
    let mut roots = RootStore::empty();
    roots.add(&ca.cert).unwrap();
    Arc::new(
        ClientConfig::builder()
            .with_root_store(roots)
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_alpn_protocols(alpn.iter().map(|p| p.to_vec()).collect())
            .build()
            .unwrap(),
    )
}

/// A server with a certificate for `name` issued by `ca`, speaking `alpn`; also returns
/// its end-entity certificate.
fn server(ca: &Ca, name: &'static str, alpn: &[&[u8]]) -> (Arc<ServerConfig>, Vec<u8>) {
    let leaf = ca.issue(&LeafSpec::server(&[name]));
    let der = leaf.chain[0].to_vec();
    let config = ServerConfig::builder()
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_alpn_protocols(alpn.iter().map(|p| p.to_vec()).collect())
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .build()
        .unwrap();
    (Arc::new(config), der)
}

#[test]
fn the_config_is_chosen_by_server_name() {
    let ca = Ca::root("acceptor root");
    let (a, a_cert) = server(&ca, "a.test", &[]);
    let (b, b_cert) = server(&ca, "b.test", &[]);
    for (name, cert) in [
        ("a.test", &a_cert),
        ("b.test", &b_cert),
        ("B.Test", &b_cert),
    ] {
        for how in [Feed::Slice, Feed::ReadBytewise] {
            let mut pair = through_acceptor(
                client(&ca, &[]),
                name,
                how,
                |hello| match hello.server_name() {
                    Some("a.test") => a.clone(),
                    Some("b.test") => b.clone(),
                    other => panic!("unexpected server name {other:?}"),
                },
                a.clone(),
                b"",
            );
            // The client checks the certificate against the name: only the right
            // config's passes.
            pair.handshake()
                .unwrap_or_else(|e| panic!("{name} {how:?}: {e}"));
            let seen = pair.client.peer_certificates().unwrap();
            assert_eq!(seen[0].as_ref(), cert.as_slice(), "{name}");
        }
    }
}

#[test]
fn the_config_is_chosen_by_alpn() {
    let ca = Ca::root("acceptor root");
    let (h2, h2_cert) = server(&ca, "a.test", &[b"h2"]);
    let (h1, h1_cert) = server(&ca, "a.test", &[b"http/1.1"]);
    /// What the client offers, what is agreed, and the certificate it gets.
    type Case<'a> = (&'a [&'a [u8]], &'a [u8], &'a Vec<u8>);
    let cases: [Case<'_>; 2] = [
        (&[b"h2", b"http/1.1"], b"h2", &h2_cert),
        (&[b"http/1.1"], b"http/1.1", &h1_cert),
    ];
    for (offered, agreed, cert) in cases {
        let mut pair = through_acceptor(
            client(&ca, offered),
            "a.test",
            Feed::Slice,
            |hello| {
                if hello.alpn().any(|p| p == b"h2") {
                    h2.clone()
                } else {
                    h1.clone()
                }
            },
            h1.clone(),
            b"",
        );
        pair.handshake().unwrap();
        assert_eq!(pair.client.alpn_protocol(), Some(agreed));
        assert_eq!(pair.server.alpn_protocol(), Some(agreed));
        let seen = pair.client.peer_certificates().unwrap();
        assert_eq!(seen[0].as_ref(), cert.as_slice());
    }
}

#[test]
fn the_view_shows_what_the_client_sent() {
    let ca = Ca::root("acceptor root");
    let client_config = client(&ca, &[b"h2", b"http/1.1"]);
    let mut pair = Pair::new(
        client_config,
        server(&ca, "a.test", &[]).0,
        "Mixed.Case.Test",
    );
    let flight = take(&mut pair.client);
    let records = split_records(&flight);
    let HandshakePayload::ClientHello(sent) = decode_message(&records[0]).payload else {
        panic!("not a ClientHello");
    };
    let find = |typ| sent.extensions().iter().find(|e| e.ext_type() == typ);

    let mut acceptor = Acceptor::new();
    let (accepted, rest) = run(&mut acceptor, &flight, Feed::SliceBytewise);
    assert!(rest.is_empty());
    let accepted = accepted.unwrap().unwrap();
    let view = accepted.client_hello();

    assert_eq!(view.server_name(), Some("mixed.case.test"));
    assert_eq!(
        view.alpn().collect::<Vec<_>>(),
        [b"h2".as_slice(), b"http/1.1"]
    );
    assert_eq!(view.cipher_suites(), sent.cipher_suites.as_slice());
    assert!(view.cipher_suites().len() >= 2);
    assert_eq!(
        view.supported_versions(),
        [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]
    );
    let Some(ClientExtension::SignatureAlgorithms(schemes)) =
        find(handclasp::enums::ExtensionType::SignatureAlgorithms)
    else {
        panic!("no signature_algorithms");
    };
    assert_eq!(view.signature_schemes(), schemes.as_slice());
    assert!(!view.signature_schemes().is_empty());
    let groups: Vec<NamedGroup> = handclasp::crypto::ring::default_provider()
        .kx_groups
        .iter()
        .map(|g| g.name())
        .collect();
    assert_eq!(view.named_groups(), groups.as_slice());
    // By default a share for the first group, the post-quantum hybrid, and one for
    // the first classical group beside it.
    assert_eq!(
        view.key_share_groups().collect::<Vec<_>>(),
        [NamedGroup::X25519MLKEM768, NamedGroup::X25519]
    );
    let Some(ClientExtension::KeyShare(shares)) = find(handclasp::enums::ExtensionType::KeyShare)
    else {
        panic!("no key_share");
    };
    assert_eq!(
        view.key_share_groups().collect::<Vec<_>>(),
        shares.iter().map(|s| s.group).collect::<Vec<_>>()
    );
}

#[test]
fn a_tls12_only_hello_has_no_supported_versions() {
    let setup = Setup::new(ProtocolVersion::TLSv1_2);
    let client =
        ClientConfig::builder_with_provider(common::adversary::provider(ProtocolVersion::TLSv1_2))
            .with_protocol_versions(&[ProtocolVersion::TLSv1_2])
            .with_root_store({
                // Only the hello is read; any root will do (an empty store is refused).
                let mut roots = RootStore::empty();
                roots.add(&Ca::root("unused").cert).unwrap();
                roots
            })
            .build()
            .unwrap();
    let mut pair = Pair::new(Arc::new(client), setup.server.clone(), "a.test");
    let flight = take(&mut pair.client);
    let (accepted, _) = run(&mut Acceptor::new(), &flight, Feed::Slice);
    let accepted = accepted.unwrap().unwrap();
    let view = accepted.client_hello();
    assert!(view.supported_versions().is_empty());
    assert_eq!(view.key_share_groups().count(), 0);
    assert_eq!(
        view.named_groups(),
        [NamedGroup::X25519, NamedGroup::secp256r1]
    );
}

#[test]
fn early_data_sent_with_the_hello_reaches_the_connection() {
    let f = fixture();
    let server = Arc::new(f.server(ServerConfig::builder(), 1024));
    f.prime(&server);
    for how in FEEDS {
        let mut pair = through_acceptor(
            f.client.clone(),
            "a.test",
            how,
            |_| server.clone(),
            server.clone(),
            b"GET /early",
        );
        assert_eq!(pair.server.early_data_status(), EarlyDataStatus::Accepted);
        assert_eq!(read_all(&mut pair.server), b"GET /early", "{how:?}");
        pair.handshake().unwrap();
        assert!(pair.server.is_resumed());
        assert_eq!(pair.client.early_data_status(), EarlyDataStatus::Accepted);
        pair.send_and_receive(true, b"after");
    }
}

#[test]
fn bytes_after_the_hello_in_one_read_are_kept() {
    // The 0-RTT flight is the hello and the early data; a single read gets both.
    let f = fixture();
    let server = Arc::new(f.server(ServerConfig::builder(), 1024));
    f.prime(&server);
    let mut pair = Pair::new(f.client.clone(), server.clone(), "a.test");
    pair.client.write_early_data(b"GET /early").unwrap();
    let flight = take(&mut pair.client);
    let hello_len = HEADER_LEN + split_records(&flight)[0].payload.len();
    assert!(flight.len() > hello_len);
    let mut acceptor = Acceptor::new();
    assert_eq!(acceptor.read_tls_from_slice(&flight), flight.len());
    assert_eq!(
        acceptor.read_tls_from_slice(&flight),
        0,
        "complete: no more"
    );
    let mut conn = acceptor
        .accept()
        .unwrap()
        .unwrap()
        .into_connection(server)
        .unwrap();
    assert_eq!(read_all(&mut conn), b"GET /early");
}

/// Feeds `bytes` to an acceptor (with `limits`) and to a fresh `ServerConnection`
/// (with the same limits); both must fail with `expected`, the acceptor's alert must
/// be the record the connection queued, and the acceptor must stay failed.
fn fails_like_a_connection(bytes: &[u8], limits: Limits, expected: &Error) {
    let setup = Setup::with_limits(ProtocolVersion::TLSv1_3, Limits::default(), limits);
    let mut conn = ServerConnection::new(setup.server.clone()).unwrap();
    assert_eq!(feed(&mut conn, bytes).as_ref(), Err(expected));
    let conn_alert = take(&mut conn);
    for how in FEEDS {
        let mut acceptor = Acceptor::with_limits(limits);
        let (result, _) = run(&mut acceptor, bytes, how);
        let error = result.unwrap_err();
        assert_eq!(error.error(), expected, "{how:?}");
        assert_eq!(
            error.alert(),
            conn_alert.as_slice(),
            "{how:?}: alert record"
        );
        // Stays failed: the same error again, and no more input taken.
        assert_eq!(acceptor.accept().unwrap_err(), error);
        assert_eq!(acceptor.read_tls_from_slice(bytes), 0);
        assert!(acceptor.read_tls(&mut &bytes[..]).is_err());
        assert_eq!(error.into_error(), *expected);
    }
    if let Some(alert) = expected.alert() {
        assert_eq!(conn_alert, plain(ContentType::Alert, &[2, u8::from(alert)]));
    } else {
        assert!(conn_alert.is_empty());
    }
}

/// The client's ClientHello record (TLS 1.3 and 1.2 offered).
fn client_hello() -> Vec<u8> {
    let setup = Setup::new(ProtocolVersion::TLSv1_3);
    take(&mut setup.pair().client)
}

#[test]
fn records_other_than_handshake_before_the_hello_fail_like_a_connection() {
    let d = Limits::default();
    let unexpected = |expected, typ| Error::UnexpectedMessage {
        expected,
        got: handclasp::error::MessageKind::Record(typ),
    };
    // RFC 8446 6.2: the client's alert ends it; none is sent back.
    fails_like_a_connection(
        &plain(ContentType::Alert, &[2, 40]),
        d,
        &Error::AlertReceived(AlertDescription::HandshakeFailure),
    );
    fails_like_a_connection(
        &plain(ContentType::Alert, &[1, 42]),
        d,
        &Error::AlertReceived(AlertDescription::BadCertificate),
    );
    fails_like_a_connection(
        &plain(ContentType::Alert, &[]),
        d,
        &InvalidMessage::EmptyFragment(ContentType::Alert).into(),
    );
    fails_like_a_connection(
        &plain(ContentType::ApplicationData, b"GET / HTTP/1.1\r\n"),
        d,
        &unexpected(
            "a handshake message (no keys yet)",
            ContentType::ApplicationData,
        ),
    );
    fails_like_a_connection(
        &plain(ContentType::ChangeCipherSpec, &[1]),
        d,
        &unexpected(
            "no change_cipher_spec (TLS 1.3 drops them only during the handshake)",
            ContentType::ChangeCipherSpec,
        ),
    );
    fails_like_a_connection(
        &plain(ContentType::ChangeCipherSpec, &[2]),
        d,
        &InvalidMessage::InvalidChangeCipherSpec.into(),
    );
    // Heartbeat, never negotiated.
    fails_like_a_connection(
        &[24, 3, 3, 0, 1, 1],
        d,
        &InvalidMessage::UnknownContentType(24).into(),
    );
}

#[test]
fn broken_framing_fails_like_a_connection() {
    let d = Limits::default();
    // An SSLv2-compatible ClientHello: its length is where the record version goes.
    fails_like_a_connection(
        &[0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15],
        d,
        &InvalidMessage::UnknownContentType(0x80).into(),
    );
    // A record version that is not 3.x.
    fails_like_a_connection(
        &[22, 2, 0, 0, 1, 1],
        d,
        &InvalidMessage::BadRecordVersion(0x0200).into(),
    );
    fails_like_a_connection(
        &header(22, 0x0301, 0),
        d,
        &InvalidMessage::EmptyFragment(ContentType::Handshake).into(),
    );
    fails_like_a_connection(
        &header(22, 0x0301, MAX_PLAINTEXT as u16 + 1),
        d,
        &InvalidMessage::RecordTooLarge {
            len: MAX_PLAINTEXT + 1,
            max: MAX_PLAINTEXT,
        }
        .into(),
    );
    // RFC 8446 5.1: an alert between two fragments of the ClientHello.
    let hello = split_records(&client_hello()).remove(0).payload;
    let mut bytes = plain(ContentType::Handshake, &hello[..50]);
    bytes.extend(plain(ContentType::Alert, &[1, 90]));
    fails_like_a_connection(
        &bytes,
        d,
        &PeerMisbehaved::InterleavedWithHandshakeFragment(ContentType::Alert).into(),
    );
    let mut bytes = plain(ContentType::Handshake, &hello[..3]);
    bytes.extend(plain(ContentType::ChangeCipherSpec, &[1]));
    fails_like_a_connection(
        &bytes,
        d,
        &PeerMisbehaved::InterleavedWithHandshakeFragment(ContentType::ChangeCipherSpec).into(),
    );
}

#[test]
fn handshake_messages_other_than_a_valid_hello_fail_like_a_connection() {
    let d = Limits::default();
    let mut finished = vec![20, 0, 0, 32];
    finished.extend([0xab; 32]);
    fails_like_a_connection(
        &plain(ContentType::Handshake, &finished),
        d,
        &Error::UnexpectedMessage {
            expected: "ClientHello",
            got: handclasp::error::MessageKind::Handshake(
                handclasp::enums::HandshakeType::Finished,
            ),
        },
    );
    // A ClientHello whose body ends inside legacy_session_id.
    let mut short = vec![1, 0, 0, 36, 3, 3];
    short.extend([0x11; 32]);
    short.extend([5, 1]);
    fails_like_a_connection(
        &plain(ContentType::Handshake, &short),
        d,
        &InvalidMessage::Truncated("legacy_session_id").into(),
    );
}

#[test]
fn an_oversize_hello_fails_like_a_connection() {
    let hello = client_hello();
    let body_len = hello.len() - HEADER_LEN - 4;
    // Over a lowered cap: refused from its header.
    let limits = Limits {
        max_client_hello: body_len - 1,
        ..Limits::default()
    };
    let too_long = |len, max| {
        Error::from(InvalidMessage::TooLong {
            what: "ClientHello",
            len,
            max,
        })
    };
    fails_like_a_connection(&hello, limits, &too_long(body_len, body_len - 1));
    // Exactly at the cap: fine.
    let limits = Limits {
        max_client_hello: body_len,
        ..Limits::default()
    };
    let (accepted, _) = run(&mut Acceptor::with_limits(limits), &hello, Feed::Slice);
    assert!(accepted.unwrap().is_some());
    // A header announcing 16 MiB with the default cap: refused before any body.
    fails_like_a_connection(
        &plain(ContentType::Handshake, &[1, 0xff, 0xff, 0xff]),
        Limits::default(),
        &too_long(0xff_ffff, handclasp::MAX_CLIENT_HELLO),
    );
}

#[test]
fn warnings_before_the_hello_are_tolerated_and_counted() {
    let setup = Setup::new(ProtocolVersion::TLSv1_3);
    let user_canceled = plain(ContentType::Alert, &[1, 90]);
    let mut pair = setup.pair();
    let mut bytes = user_canceled.repeat(2);
    bytes.extend(take(&mut pair.client));
    let (accepted, rest) = run(&mut Acceptor::new(), &bytes, Feed::SliceBytewise);
    assert!(rest.is_empty());
    pair.server = accepted
        .unwrap()
        .unwrap()
        .into_connection(setup.server.clone())
        .unwrap();
    pair.handshake().unwrap();

    // Counted as a connection counts them, replayed ones included.
    let max = Limits::default().max_warning_alerts as usize;
    fails_like_a_connection(
        &user_canceled.repeat(max + 1),
        Limits::default(),
        &PeerMisbehaved::TooManyWarningAlerts(AlertDescription::UserCanceled).into(),
    );
}

#[test]
fn replayed_warnings_count_in_the_connection() {
    // TLS 1.2 tolerates warnings until its keys change (RFC 5246 7.2), so the count
    // carries over: four before the hello, one after is one too many.
    let setup = Setup::new(ProtocolVersion::TLSv1_2);
    let user_canceled = plain(ContentType::Alert, &[1, 90]);
    let max = Limits::default().max_warning_alerts as usize;
    let mut bytes = user_canceled.repeat(max);
    bytes.extend(take(&mut setup.pair().client));
    let expected = Error::from(PeerMisbehaved::TooManyWarningAlerts(
        AlertDescription::UserCanceled,
    ));

    let mut direct = ServerConnection::new(setup.server.clone()).unwrap();
    feed(&mut direct, &bytes).unwrap();
    assert_eq!(feed(&mut direct, &user_canceled), Err(expected.clone()));

    let (accepted, _) = run(&mut Acceptor::new(), &bytes, Feed::Slice);
    let mut conn = accepted
        .unwrap()
        .unwrap()
        .into_connection(setup.server.clone())
        .unwrap();
    conn.process_new_packets().unwrap();
    assert_eq!(feed(&mut conn, &user_canceled), Err(expected));
}

#[test]
fn close_notify_before_the_hello_ends_the_acceptor() {
    let bytes = plain(ContentType::Alert, &[1, 0]);
    // A connection takes it quietly and ignores what follows (RFC 8446 6.1)...
    let setup = Setup::new(ProtocolVersion::TLSv1_3);
    let mut conn = ServerConnection::new(setup.server.clone()).unwrap();
    feed(&mut conn, &bytes).unwrap();
    assert!(conn.peer_has_closed() && !conn.wants_write());
    // ...so no ClientHello can come: the acceptor reports it, with no alert to send.
    let mut acceptor = Acceptor::new();
    let (result, _) = run(&mut acceptor, &bytes, Feed::Slice);
    let error = result.unwrap_err();
    assert_eq!(
        error.error(),
        &Error::AlertReceived(AlertDescription::CloseNotify)
    );
    assert!(error.alert().is_empty());
}

#[test]
fn a_truncated_hello_then_end_of_stream_never_completes() {
    let hello = client_hello();
    let cut = &hello[..hello.len() - 1];
    // A connection reports no error either: the stream just ended early.
    let setup = Setup::new(ProtocolVersion::TLSv1_3);
    let mut conn = ServerConnection::new(setup.server.clone()).unwrap();
    assert_eq!(conn.read_tls(&mut &cut[..]).unwrap(), cut.len());
    conn.process_new_packets().unwrap();
    assert_eq!(conn.read_tls(&mut &b""[..]).unwrap(), 0);
    conn.process_new_packets().unwrap();
    assert!(conn.truncated() && !conn.wants_write());

    let mut acceptor = Acceptor::new();
    assert_eq!(acceptor.read_tls(&mut &cut[..]).unwrap(), cut.len());
    assert!(acceptor.accept().unwrap().is_none());
    assert_eq!(acceptor.read_tls(&mut &b""[..]).unwrap(), 0);
    assert!(acceptor.accept().unwrap().is_none());
    // The last byte completes it.
    assert_eq!(acceptor.read_tls_from_slice(&hello[hello.len() - 1..]), 1);
    assert!(acceptor.accept().unwrap().is_some());
}

/// A hello that decodes but breaks a rule only the negotiation checks: the view has
/// it, and the connection fails exactly as one that received it directly.
fn refused_by_the_connection(bytes: &[u8], config: Arc<ServerConfig>, expected: &Error) {
    let mut direct = ServerConnection::new(config.clone()).unwrap();
    assert_eq!(feed(&mut direct, bytes).as_ref(), Err(expected));
    let direct_alert = take(&mut direct);
    assert!(!direct_alert.is_empty());

    let (accepted, rest) = run(&mut Acceptor::new(), bytes, Feed::SliceBytewise);
    assert!(rest.is_empty());
    let mut conn = accepted.unwrap().unwrap().into_connection(config).unwrap();
    assert_eq!(conn.process_new_packets().as_ref(), Err(expected));
    assert_eq!(conn.error(), Some(expected));
    assert_eq!(take(&mut conn), direct_alert);
}

#[test]
fn a_hello_the_chosen_config_refuses_fails_in_the_connection() {
    let ca = Ca::root("acceptor root");
    let (h2_only, _) = server(&ca, "a.test", &[b"h2"]);
    let mut pair = Pair::new(client(&ca, &[b"http/1.1"]), h2_only.clone(), "a.test");
    refused_by_the_connection(
        &take(&mut pair.client),
        h2_only.clone(),
        &PeerIncompatible::NoApplicationProtocol.into(),
    );

    // server_name holding no DNS name: decodes, but the server refuses it.
    let mut pair = Pair::new(client(&ca, &[]), h2_only.clone(), "a.test");
    let record = split_records(&take(&mut pair.client)).remove(0);
    let mut msg = decode_message(&record);
    let HandshakePayload::ClientHello(hello) = &mut msg.payload else {
        panic!("not a ClientHello");
    };
    for ext in hello.extensions.as_mut().unwrap() {
        if let ClientExtension::ServerName(names) = ext {
            names[0].name = b"not a host name!".to_vec();
        }
    }
    let bytes = plain_record(&msg).encode();
    let (accepted, _) = run(&mut Acceptor::new(), &bytes, Feed::Slice);
    assert_eq!(
        accepted.unwrap().unwrap().client_hello().server_name(),
        None
    );
    refused_by_the_connection(
        &bytes,
        h2_only,
        &InvalidMessage::IllegalValue("server_name is not a DNS host name").into(),
    );
}

#[test]
fn input_is_bounded() {
    // Each read asks for at most one record.
    let hello = client_hello();
    let mut acceptor = Acceptor::new();
    let mut transport = Trickle {
        data: &hello,
        step: 7,
        asked: Vec::new(),
    };
    while acceptor.accept().unwrap().is_none() {
        assert!(acceptor.read_tls(&mut transport).unwrap() > 0);
    }
    assert!(
        transport
            .asked
            .iter()
            .all(|&n| n <= HEADER_LEN + MAX_PLAINTEXT)
    );
    assert!(transport.asked[0] >= hello.len(), "{:?}", transport.asked);

    // After the hello, a slice is taken only up to one record more.
    let mut bytes = hello.clone();
    let app_data = plain(ContentType::ApplicationData, &[0x5a; MAX_PLAINTEXT]);
    for _ in 0..8 {
        bytes.extend_from_slice(&app_data);
    }
    let mut acceptor = Acceptor::new();
    let taken = acceptor.read_tls_from_slice(&bytes);
    assert!(acceptor.accept().unwrap().is_some());
    assert!(
        (hello.len()..=hello.len() + HEADER_LEN + MAX_PLAINTEXT).contains(&taken),
        "took {taken} of {}",
        bytes.len()
    );
    // A hello in many records: taken whole, record by record.
    let body = split_records(&hello).remove(0).payload;
    let trickled: Vec<u8> = body
        .chunks(1)
        .flat_map(|b| plain(ContentType::Handshake, b))
        .collect();
    let mut acceptor = Acceptor::new();
    assert_eq!(acceptor.read_tls_from_slice(&trickled), trickled.len());
    assert!(acceptor.accept().unwrap().is_some());
}

#[test]
fn the_hello_is_handed_out_once() {
    let mut acceptor = Acceptor::new();
    let (accepted, _) = run(&mut acceptor, &client_hello(), Feed::Slice);
    assert!(accepted.unwrap().is_some());
    let again = acceptor.accept().unwrap_err();
    assert!(matches!(again.error(), Error::ApiMisuse(_)));
    assert!(again.alert().is_empty());
    assert_eq!(acceptor.read_tls_from_slice(b"more"), 0);
}

/// The ClientHello record's payload cut into records of `size` bytes.
fn fragmented(hello_record: &[u8], size: usize) -> Vec<u8> {
    let body = split_records(hello_record).remove(0).payload;
    body.chunks(size)
        .flat_map(|piece| plain(ContentType::Handshake, piece))
        .collect()
}

#[test]
fn a_hello_over_several_records_reaches_the_connection_whole() {
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let setup = Setup::new(version);
        for size in [1, 2, 100] {
            for how in [Feed::Slice, Feed::ReadBytewise] {
                let mut pair = setup.pair();
                let bytes = fragmented(&take(&mut pair.client), size);
                let (accepted, rest) = run(&mut Acceptor::new(), &bytes, how);
                assert!(rest.is_empty());
                pair.server = accepted
                    .unwrap()
                    .unwrap()
                    .into_connection(setup.server.clone())
                    .unwrap();
                // A different hello than the client's own would break the transcript.
                pair.handshake()
                    .unwrap_or_else(|e| panic!("{version:?} {size} {how:?}: {e}"));
            }
        }
    }
}

#[test]
fn a_hello_larger_than_a_record_reaches_the_connection_whole() {
    // The client's hello with a 20,000-byte unknown extension: its records carry
    // more than 2^14 bytes before the one that completes it.
    let setup = Setup::new(ProtocolVersion::TLSv1_3);
    let record = split_records(&take(&mut setup.pair().client)).remove(0);
    let mut msg = decode_message(&record);
    let HandshakePayload::ClientHello(hello) = &mut msg.payload else {
        panic!("not a ClientHello");
    };
    hello.extensions.as_mut().unwrap().insert(
        0,
        ClientExtension::Unknown {
            typ: handclasp::enums::ExtensionType::from(0xfe42),
            data: vec![0x33; 20_000],
        },
    );
    let encoding = msg.get_encoding();
    let bytes: Vec<u8> = encoding
        .chunks(10_000)
        .flat_map(|piece| plain(ContentType::Handshake, piece))
        .collect();

    // Both reply with a ServerHello first.
    let server_hello = |conn: &mut ServerConnection| {
        let flight = split_records(&take(conn));
        (flight[0].typ, flight[0].payload[0], flight[0].payload.len())
    };
    let mut direct = ServerConnection::new(setup.server.clone()).unwrap();
    feed(&mut direct, &bytes).unwrap();
    let expected = server_hello(&mut direct);
    assert_eq!(expected.1, 2);
    for how in FEEDS {
        let (accepted, _) = run(&mut Acceptor::new(), &bytes, how);
        let mut conn = accepted
            .unwrap()
            .unwrap()
            .into_connection(setup.server.clone())
            .unwrap();
        conn.process_new_packets().unwrap();
        assert_eq!(conn.protocol_version(), Some(ProtocolVersion::TLSv1_3));
        assert_eq!(server_hello(&mut conn), expected, "{how:?}");
    }
}

/// A plain-HTTP peer is named as such where servers and clients meet it: an HTTP
/// client at the Acceptor (the front of every server, async ones included), a proxy
/// CONNECT, and an HTTP server answering our client.
#[test]
fn plain_http_is_named_at_the_acceptor_and_at_the_client() {
    let named = |err: &Error, what: &str| matches!(err, Error::InvalidMessage(InvalidMessage::PlainHttp(s)) if s.contains(what));
    for (request, what) in [
        (
            &b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"[..],
            "HTTP request",
        ),
        (b"CONNECT a.test:443 HTTP/1.1\r\n\r\n", "proxy request"),
    ] {
        let mut acceptor = Acceptor::new();
        assert_eq!(acceptor.read_tls_from_slice(request), request.len());
        let err = acceptor.accept().unwrap_err();
        assert!(named(err.error(), what), "{:?}", err.error());
    }
    let ca = Ca::root("http ca");
    let mut client = handclasp::ClientConnection::new(
        client(&ca, &[]),
        handclasp::pki_types::ServerName::try_from("a.test").unwrap(),
    )
    .unwrap();
    let answer = b"HTTP/1.1 400 Bad Request\r\n\r\n";
    assert_eq!(client.read_tls_from_slice(answer), answer.len());
    let err = client.process_new_packets().unwrap_err();
    assert!(named(&err, "HTTP response"), "{err:?}");
}
