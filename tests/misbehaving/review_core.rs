//! Security review of the connection core and the handshake state machines: attacks a
//! man in the middle (or a malicious peer) can mount, each checked on the wire.
use crate::common;

use std::sync::Arc;

use common::adversary::read_all;
use common::early::{Fixture, fixture};
use common::pair::Pair;
use common::pki::{self, NOV_2026, at};
use common::tamper::{Inner, WireRecord, encrypt_flight, split_records, split_server_flight};
use handclasp::crypto::SupportedCipherSuite;
use handclasp::enums::{AlertDescription, ContentType, ProtocolVersion};
use handclasp::error::{Error, PeerIncompatible};
use handclasp::resumption::{ProducesTickets, TicketKeys};
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ServerConfig};

fn server(f: &Fixture, versions: &[ProtocolVersion]) -> Arc<ServerConfig> {
    let builder = ServerConfig::builder().with_protocol_versions(versions);
    Arc::new(f.server(builder, 1024))
}

/// The server handshake traffic key is agreed before the server is authenticated, so
/// anyone who answers the ClientHello has it. Application data under it must never
/// reach the client application: a client that offered 0-RTT used to mistake it for
/// accepted early data (its own *sending* budget) and deliver it.
#[test]
fn client_offering_early_data_refuses_application_data_under_the_handshake_key() {
    let f = fixture();
    let tls13 = server(&f, &[ProtocolVersion::TLSv1_3]);
    f.prime(&tls13);
    let mut pair = Pair::new(f.client.clone(), tls13, "a.test");
    pair.client.write_early_data(b"GET /").unwrap();
    pair.client_to_server().unwrap();

    // Keep the server's plaintext records (ServerHello, CCS); replace its protected
    // flight by one application_data record under its handshake key.
    let flight = pair.server.pending_tls().to_vec();
    let (plain, _protected) = split_server_flight(&flight);
    let Some(SupportedCipherSuite::Tls13(suite)) = pair.server.negotiated_cipher_suite() else {
        panic!("not TLS 1.3");
    };
    let secret = f.server_log.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET");
    let injected = encrypt_flight(
        suite,
        &secret,
        &[Inner::Other(
            ContentType::ApplicationData,
            b"HTTP/1.1 200 attacker".to_vec(),
        )],
    );
    let mut bytes = common::tamper::join_records(&plain);
    bytes.extend_from_slice(&injected);

    assert_eq!(pair.client.read_tls_from_slice(&bytes), bytes.len());
    let result = pair.client.process_new_packets();
    let delivered = read_all(&mut pair.client);
    assert!(
        delivered.is_empty(),
        "unauthenticated data reached the application: {:?}",
        String::from_utf8_lossy(&delivered)
    );
    assert!(
        matches!(result, Err(Error::UnexpectedMessage { .. })),
        "{result:?}"
    );
}

/// RFC 8446 6.1: a clean close is a close_notify from the peer. Before the handshake
/// ends, a TLS 1.3 server also takes alert records in plaintext (for a client that
/// fails before it has keys); an unauthenticated close_notify must not look like the
/// end of the client's (accepted, already delivered) early data, or an attacker can
/// truncate it undetected.
#[test]
fn plaintext_close_notify_cannot_truncate_accepted_early_data() {
    let f = fixture();
    let tls13 = server(&f, &[ProtocolVersion::TLSv1_3]);
    f.prime(&tls13);
    let mut pair = Pair::new(f.client.clone(), tls13, "a.test");
    pair.client
        .write_early_data(b"POST /transfer amount=1")
        .unwrap();
    pair.client.write_early_data(b"000000").unwrap();
    let flight = pair.client.pending_tls().to_vec();
    let records = split_records(&flight);
    // The attacker drops the last early-data record and adds a plaintext close_notify.
    let kept = &records[..records.len() - 1];
    let mut bytes = common::tamper::join_records(kept);
    bytes.extend_from_slice(&WireRecord::new(ContentType::Alert, vec![1, 0]).encode());

    assert_eq!(pair.server.read_tls_from_slice(&bytes), bytes.len());
    let result = pair.server.process_new_packets();
    assert_eq!(read_all(&mut pair.server), b"POST /transfer amount=1");
    assert!(
        !pair.server.peer_has_closed(),
        "an unauthenticated close_notify was taken as a clean close ({result:?})"
    );
    assert_eq!(
        result.unwrap_err(),
        Error::AlertReceived(AlertDescription::CloseNotify)
    );
}

/// RFC 8446 D.3: "A client that attempts to send 0-RTT data MUST fail a connection if
/// it receives a ServerHello with TLS 1.2 or older."
#[test]
fn client_offering_early_data_fails_on_a_tls12_server_hello() {
    let f = fixture();
    f.prime(&server(&f, &[ProtocolVersion::TLSv1_3]));
    let tls12 = server(&f, &[ProtocolVersion::TLSv1_2]);
    let mut pair = Pair::new(f.client.clone(), tls12, "a.test");
    pair.client.write_early_data(b"GET /").unwrap();
    // Only the ClientHello reaches the server (its CCS and 0-RTT records would make a
    // TLS 1.2 server fail on its own).
    let records = split_records(pair.client.pending_tls());
    let hello = records[0].encode();
    let sent = pair.client.pending_tls().len();
    pair.client.consume_tls(sent);
    assert_eq!(pair.server.read_tls_from_slice(&hello), hello.len());
    pair.server.process_new_packets().unwrap();
    assert_eq!(
        pair.server.protocol_version(),
        Some(ProtocolVersion::TLSv1_2)
    );
    let result = pair.server_to_client();
    assert_eq!(
        result,
        Err(Error::PeerIncompatible(
            PeerIncompatible::EarlyDataNeedsTls13
        ))
    );
    // The alert is readable by the TLS 1.2 server: in plaintext, not under the early key.
    let alert = split_records(pair.client.pending_tls());
    assert_eq!(
        alert,
        vec![WireRecord::new(
            ContentType::Alert,
            vec![2, u8::from(AlertDescription::ProtocolVersion)]
        )]
    );
}

struct ClientAuthSetup {
    client: Arc<ClientConfig>,
    client_with_cert: Arc<ClientConfig>,
    open: Arc<ServerConfig>,
    strict: Arc<ServerConfig>,
}

/// Two servers sharing ticket keys: `open` asks for no client certificate, `strict`
/// requires one.
fn client_auth_setup(version: ProtocolVersion) -> ClientAuthSetup {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client_ca = pki::Ca::root("client ca");
    let client_leaf = client_ca.issue(&pki::LeafSpec::client("client.test"));
    let mut client_roots = RootStore::empty();
    client_roots.add(&client_ca.cert).unwrap();
    let client_builder = || {
        ClientConfig::builder()
            .with_root_store(roots.clone())
            .with_protocol_versions(&[version])
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
    };
    let keys: Arc<dyn ProducesTickets> =
        Arc::new(TicketKeys::new(&handclasp::crypto::ring::default_provider(), 3600, 1).unwrap());
    let server_builder = || {
        ServerConfig::builder()
            .with_protocol_versions(&[version])
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_ticketer(Some(keys.clone()))
    };
    ClientAuthSetup {
        client: Arc::new(client_builder().build().unwrap()),
        client_with_cert: Arc::new(
            client_builder()
                .with_client_auth_cert(client_leaf.chain.clone(), client_leaf.key.clone_key())
                .unwrap()
                .build()
                .unwrap(),
        ),
        open: Arc::new(
            server_builder()
                .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
                .unwrap()
                .build()
                .unwrap(),
        ),
        strict: Arc::new(
            server_builder()
                .with_client_auth_roots(client_roots, true)
                .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
                .unwrap()
                .build()
                .unwrap(),
        ),
    }
}

/// One connection with tickets delivered; returns (handshake result, server resumed).
fn connect(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>) -> (Result<(), Error>, bool) {
    let mut pair = Pair::new(client.clone(), server.clone(), "a.test");
    let result = pair
        .handshake()
        .and_then(|()| pair.server_to_client().map(|_| ()));
    if result.is_ok() {
        pair.send_and_receive(true, b"ping");
    }
    (result, pair.server.is_resumed())
}

/// A server that requires client certificates must not resume a session in which no
/// client was authenticated: e.g. a ticket issued by another server (or config) that
/// shares its ticket keys but does not ask for certificates. Otherwise resumption
/// skips mandatory client authentication. Sessions that did authenticate the client
/// still resume.
fn mandatory_client_auth_survives_resumption(version: ProtocolVersion) {
    let s = client_auth_setup(version);
    // Without a ticket, the strict server refuses a certificate-less client.
    let (result, _) = connect(&s.client, &s.strict);
    assert!(result.is_err());

    // A ticket from the open server: the strict server must not take it.
    let (result, resumed) = connect(&s.client, &s.open);
    assert!(result.is_ok() && !resumed);
    let (result, resumed) = connect(&s.client, &s.strict);
    assert!(!resumed, "resumed without client authentication");
    assert!(result.is_err(), "{result:?}");

    // A session in which the client did authenticate resumes.
    let (result, resumed) = connect(&s.client_with_cert, &s.strict);
    assert!(result.is_ok() && !resumed);
    let (result, resumed) = connect(&s.client_with_cert, &s.strict);
    assert!(result.is_ok() && resumed, "{result:?}");
}

#[test]
fn tls13_mandatory_client_auth_survives_resumption() {
    mandatory_client_auth_survives_resumption(ProtocolVersion::TLSv1_3);
}

#[test]
fn tls12_mandatory_client_auth_survives_resumption() {
    mandatory_client_auth_survives_resumption(ProtocolVersion::TLSv1_2);
}

/// TLS 1.2 session ids are sent in the clear (ServerHello) and live in the same store
/// as stateful TLS 1.3 tickets. Anyone who saw one must not be able to destroy the
/// session by presenting the id as a TLS 1.3 PSK identity (whose binder it cannot
/// compute): the server used to take the entry out before checking what it was.
#[test]
fn a_tls12_session_id_offered_as_a_tls13_psk_does_not_destroy_the_session() {
    use handclasp::unstable::msgs::{
        ClientExtension, HandshakePayload, PresharedKeyOffer, PskIdentity,
    };

    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = |version: ProtocolVersion| {
        Arc::new(
            ClientConfig::builder()
                .with_root_store(roots.clone())
                .with_protocol_versions(&[version])
                .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
                .build()
                .unwrap(),
        )
    };
    let tls12_client = client(ProtocolVersion::TLSv1_2);
    // Stateful resumption: no ticketer, the default session store.
    let server = Arc::new(
        ServerConfig::builder()
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_ticketer(None)
            .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
            .unwrap()
            .build()
            .unwrap(),
    );

    // A TLS 1.2 session; an eavesdropper reads its id from the ServerHello.
    let mut pair = Pair::new(tls12_client.clone(), server.clone(), "a.test");
    pair.client_to_server().unwrap();
    let flight = pair.server.pending_tls().to_vec();
    // Record header (5), handshake header (4), version (2), random (32), id length.
    let id_len = usize::from(flight[43]);
    let session_id = flight[44..44 + id_len].to_vec();
    assert_eq!(session_id.len(), 32);
    pair.handshake().unwrap();
    pair.send_and_receive(true, b"ping");

    // The attacker's TLS 1.3 ClientHello offers the id as a PSK identity.
    let mut attacker = Pair::new(client(ProtocolVersion::TLSv1_3), server.clone(), "a.test");
    let mut records = split_records(attacker.client.pending_tls());
    let mut msg = common::tamper::decode_message(&records[0]);
    let HandshakePayload::ClientHello(ch) = &mut msg.payload else {
        panic!("not a ClientHello");
    };
    ch.extensions
        .as_mut()
        .unwrap()
        .push(ClientExtension::PreSharedKey(PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: session_id,
                obfuscated_ticket_age: 0,
            }],
            binders: vec![vec![0; 32]],
        }));
    records[0] = common::tamper::plain_record(&msg);
    let bytes = common::tamper::join_records(&records);
    assert_eq!(attacker.server.read_tls_from_slice(&bytes), bytes.len());
    attacker.server.process_new_packets().unwrap();
    assert!(!attacker.server.is_resumed());

    // The legitimate client still resumes its session.
    let mut pair = Pair::new(tls12_client, server, "a.test");
    pair.handshake().unwrap();
    assert!(
        pair.server.is_resumed(),
        "the TLS 1.2 session was destroyed"
    );
}

/// RFC 8446 4.2.10: 0-RTT data is sent under the ticket's ALPN protocol and may depend
/// on it; a server (or a man in the middle holding its handshake key) that accepts
/// the data but names another protocol is refused before any of it is answered.
#[test]
fn accepted_early_data_under_another_alpn_protocol_is_refused() {
    use common::tamper::{decrypt_flight, message_type};
    use handclasp::enums::HandshakeType;
    use handclasp::error::PeerMisbehaved;
    use handclasp::unstable::msgs::{HandshakeMessage, HandshakePayload, ServerExtension};
    let f = fixture();
    let protocols = vec![b"a".to_vec(), b"b".to_vec()];
    // The fixture's client, with ALPN.
    let client = Arc::new(
        ClientConfig::builder()
            .with_root_store(f.client_roots())
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_early_data(true)
            .with_alpn_protocols(protocols.clone())
            .build()
            .unwrap(),
    );
    let server = Arc::new(f.server(ServerConfig::builder().with_alpn_protocols(protocols), 1024));
    let mut prime = Pair::new(client.clone(), server.clone(), "a.test");
    prime.handshake().unwrap();
    prime.server_to_client().unwrap();
    assert_eq!(prime.client.alpn_protocol(), Some(&b"a"[..]));

    let mut pair = Pair::new(client, server, "a.test");
    pair.client.write_early_data(b"GET /").unwrap();
    pair.client_to_server().unwrap();
    assert_eq!(pair.server.alpn_protocol(), Some(&b"a"[..]));
    // EncryptedExtensions, rewritten to name "b" (the client offered it too).
    let flight = pair.server.pending_tls().to_vec();
    let (plain, protected) = split_server_flight(&flight);
    let Some(SupportedCipherSuite::Tls13(suite)) = pair.server.negotiated_cipher_suite() else {
        panic!("not TLS 1.3");
    };
    let secret = f.server_log.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET");
    let mut pieces = decrypt_flight(suite, &secret, &protected);
    let Some(Inner::Handshake(ee)) = pieces.first_mut() else {
        panic!("no EncryptedExtensions")
    };
    assert_eq!(message_type(ee), HandshakeType::EncryptedExtensions);
    let mut msg = HandshakeMessage::read_bytes(ee, ProtocolVersion::TLSv1_3).unwrap();
    let HandshakePayload::EncryptedExtensions(exts) = &mut msg.payload else {
        panic!("{msg:?}")
    };
    for e in exts.iter_mut() {
        if let ServerExtension::Alpn(p) = e {
            *p = b"b".to_vec();
        }
    }
    *ee = msg.get_encoding();
    let mut bytes = common::tamper::join_records(&plain);
    bytes.extend_from_slice(&encrypt_flight(suite, &secret, &pieces));
    assert_eq!(pair.client.read_tls_from_slice(&bytes), bytes.len());
    assert_eq!(
        pair.client.process_new_packets().unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::EarlyDataParametersChanged("ALPN protocol"))
    );
}
