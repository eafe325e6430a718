//! The state matrix: every handshake state of both sides, fed every handshake message
//! type it does not take, and a representative state per phase fed every record
//! content type, each on a fresh connection driven to that state.
//!
//! Handshake types (RFC 8446 6.2, RFC 5246 7.2.2): a type the state cannot take is
//! `unexpected_message`, decided from the type byte, whatever the body holds (here
//! three bytes 0xff that decode as nothing).
//!
//! Record types (RFC 8446 5, 5.1, 5.2, 5.4; RFC 5246 6.2.1, 7.1): an unexpected record
//! type is `unexpected_message`; one unprotected change_cipher_spec of value 1 is
//! dropped during the TLS 1.3 handshake only; zero-length handshake and alert content
//! is `unexpected_message`; under TLS 1.3 protection a record whose outer type is not
//! application_data is unexpected; a record that fails to deprotect is
//! `bad_record_mac`.
//!
//! Every failure is checked three ways: the error variant, `Error::alert`, and the
//! alert record actually queued, which the real peer (still in step) must read back
//! as `Error::AlertReceived` with that alert.
use crate::common;

use std::sync::Arc;

use common::adversary::{Established, Forger, KeyMaker, Setup, feed, plain, read_all, take};
use common::pair::Pair;
use common::pki::{Ca, LeafSpec, NOV_2026, at};
use common::tamper::{
    Inner, RecordingKeyLog, WireRecord, decrypt_flight, hello_random, join_records, message_type,
    one_record_each, open_tls12, plain_handshake_messages, split_records, split_server_flight,
    tls12_key_block,
};
use handclasp::crypto::{SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite};
use handclasp::enums::{AlertDescription as A, ContentType, HandshakeType, ProtocolVersion};
use handclasp::error::{InvalidMessage, MessageKind, PeerMisbehaved};
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, Connection, Error, ServerConfig};

use ContentType as Ct;
use HandshakeType as Ht;

// ---------------------------------------------------------------------------------
// Configurations

/// A copy of `s` sharing its configs and key logs (a `Setup` is not `Clone`).
fn share(s: &Setup) -> Setup {
    Setup {
        version: s.version,
        client: s.client.clone(),
        server: s.server.clone(),
        client_log: s.client_log.clone(),
        server_log: s.server_log.clone(),
    }
}

/// Like [`Setup::new`] (ECDSA P-256 server for a.test, secrets logged on both sides),
/// but with no client session store, so that no connection resumes the session of an
/// earlier one (every state is reached through a full handshake); with
/// `client_auth`, the server requires a client certificate and the client has one.
fn matrix_setup(version: ProtocolVersion, client_auth: bool) -> Setup {
    let ca = Ca::root("matrix root");
    let leaf = ca.issue(&LeafSpec::server(&["a.test"]));
    let mut roots = RootStore::empty();
    roots.add(&ca.cert).unwrap();
    let client_log = Arc::new(RecordingKeyLog::default());
    let server_log = Arc::new(RecordingKeyLog::default());
    let p = common::adversary::provider(version);
    let mut client = ClientConfig::builder_with_provider(p.clone())
        .with_root_store(roots.clone())
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_key_log(client_log.clone())
        .with_session_store(None);
    let mut server = ServerConfig::builder_with_provider(p)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_key_log(server_log.clone());
    if client_auth {
        let client_leaf = ca.issue(&LeafSpec::client("client.test"));
        client = client
            .with_client_auth_cert(client_leaf.chain, client_leaf.key)
            .unwrap();
        server = server.with_client_auth_roots(roots, true);
    }
    Setup {
        version,
        client: Arc::new(client.build().unwrap()),
        server: Arc::new(
            server
                .with_single_cert(leaf.chain, leaf.key)
                .unwrap()
                .build()
                .unwrap(),
        ),
        client_log,
        server_log,
    }
}

fn tls13_suite(conn: &Connection) -> &'static Tls13CipherSuite {
    match conn.negotiated_cipher_suite() {
        Some(SupportedCipherSuite::Tls13(s)) => s,
        other => panic!("not TLS 1.3: {other:?}"),
    }
}

fn tls12_suite(conn: &Connection) -> &'static Tls12CipherSuite {
    match conn.negotiated_cipher_suite() {
        Some(SupportedCipherSuite::Tls12(s)) => s,
        other => panic!("not TLS 1.2: {other:?}"),
    }
}

/// A record encrypter for `maker`'s direction, at record number `seq`.
fn forger_at(maker: &KeyMaker, seq: u64) -> Forger {
    let mut f = maker.encrypter();
    f.enc.set_sequence_number(seq);
    f
}

/// The whole handshake messages of a decrypted flight.
fn messages(inner: Vec<Inner>) -> Vec<Vec<u8>> {
    inner
        .into_iter()
        .map(|i| match i {
            Inner::Handshake(m) => m,
            Inner::Other(t, _) => panic!("{t:?} record in a handshake flight"),
        })
        .collect()
}

fn types(msgs: &[Vec<u8>]) -> Vec<HandshakeType> {
    msgs.iter().map(|m| message_type(m)).collect()
}

// ---------------------------------------------------------------------------------
// A connection driven to a state

/// One side (the victim) driven to a state, the real peer in step with it.
struct Victim {
    pair: Pair,
    /// The victim is the client.
    client: bool,
    /// Seals records as the peer under the key the victim reads with now (`None`
    /// while the victim reads plaintext).
    forger: Option<Forger>,
    /// What the real peer sends the victim next, held back.
    rest: Vec<u8>,
    /// What the victim sent the real peer, held back.
    held: Vec<u8>,
    /// The handshake messages in `rest` when it is protected, to seal again after a
    /// forged record took a sequence number.
    rest_msgs: Vec<Vec<u8>>,
}

impl Victim {
    /// (victim, peer)
    fn sides(&mut self) -> (&mut Connection, &mut Connection) {
        let (peer, victim) = self.pair.sides(!self.client);
        (victim, peer)
    }

    /// A handshake message as the victim would receive it now.
    fn handshake(&mut self, msg: &[u8]) -> Vec<u8> {
        match &mut self.forger {
            Some(f) => f.seal(Ct::Handshake, msg),
            None => plain(Ct::Handshake, msg),
        }
    }

    /// Checks the victim is healthy: nothing failed, nothing queued.
    fn check_quiet(mut self) -> Self {
        let (victim, _) = self.sides();
        assert_eq!(victim.error(), None);
        assert!(victim.pending_tls().is_empty(), "victim queued bytes");
        self
    }
}

/// The states walked, by side and version, in handshake order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    // TLS 1.3 client
    C13ServerHello,
    C13EncryptedExtensions,
    C13CertificateOrCertificateRequest,
    /// After a CertificateRequest.
    C13Certificate,
    C13CertificateVerify,
    C13Finished,
    C13Traffic,
    // TLS 1.3 server
    S13ClientHello,
    /// Client authentication required.
    S13Certificate,
    /// Client authentication required.
    S13CertificateVerify,
    S13Finished,
    S13Traffic,
    // TLS 1.2 client
    C12ServerHello,
    C12Certificate,
    C12ServerKeyExchange,
    C12ServerHelloDone,
    /// Before the server's ChangeCipherSpec (the client already switched its write key).
    C12ChangeCipherSpec,
    /// After the server's ChangeCipherSpec.
    C12Finished,
    C12Traffic,
    // TLS 1.2 server
    S12ClientKeyExchange,
    S12ChangeCipherSpec,
    /// After the client's ChangeCipherSpec.
    S12Finished,
    S12Traffic,
}

use State::*;

impl State {
    fn version(self) -> ProtocolVersion {
        match self {
            C13ServerHello
            | C13EncryptedExtensions
            | C13CertificateOrCertificateRequest
            | C13Certificate
            | C13CertificateVerify
            | C13Finished
            | C13Traffic
            | S13ClientHello
            | S13Certificate
            | S13CertificateVerify
            | S13Finished
            | S13Traffic => ProtocolVersion::TLSv1_3,
            _ => ProtocolVersion::TLSv1_2,
        }
    }

    fn needs_client_auth(self) -> bool {
        matches!(self, C13Certificate | S13Certificate | S13CertificateVerify)
    }

    /// The configs this state is reached with.
    fn setup(self) -> Setup {
        matrix_setup(self.version(), self.needs_client_auth())
    }

    /// The handshake types the RFCs let this state take (written from the RFCs, not
    /// from the library's tables).
    fn accepts(self) -> &'static [HandshakeType] {
        match self {
            C13ServerHello | C12ServerHello => &[Ht::ServerHello],
            C13EncryptedExtensions => &[Ht::EncryptedExtensions],
            // RFC 8446 4.3.2, 4.4.2
            C13CertificateOrCertificateRequest => &[Ht::Certificate, Ht::CertificateRequest],
            C13Certificate | S13Certificate | C12Certificate => &[Ht::Certificate],
            C13CertificateVerify | S13CertificateVerify => &[Ht::CertificateVerify],
            C13Finished | S13Finished | C12Finished | S12Finished => &[Ht::Finished],
            // RFC 8446 4.6: NewSessionTicket, KeyUpdate (no post-handshake
            // authentication was offered).
            C13Traffic => &[Ht::NewSessionTicket, Ht::KeyUpdate],
            S13ClientHello => &[Ht::ClientHello],
            S13Traffic => &[Ht::KeyUpdate],
            // RFC 5246 7.4.3 (ECDHE always sends it).
            C12ServerKeyExchange => &[Ht::ServerKeyExchange],
            // RFC 5246 7.4.4, 7.4.5
            C12ServerHelloDone => &[Ht::CertificateRequest, Ht::ServerHelloDone],
            // RFC 5077 3.3: a promised ticket comes just before the ChangeCipherSpec.
            C12ChangeCipherSpec => &[Ht::NewSessionTicket],
            // RFC 5246 7.4.1.1: a refused renegotiation.
            C12Traffic => &[Ht::HelloRequest],
            S12ClientKeyExchange => &[Ht::ClientKeyExchange],
            S12ChangeCipherSpec => &[],
            // RFC 5746 4.4: a renegotiating ClientHello is refused with a warning.
            S12Traffic => &[Ht::ClientHello],
        }
    }

    /// A TLS 1.2 client negotiating a session ignores HelloRequest (RFC 5246 7.4.1.1),
    /// so type 0 is not "unexpected" there (see `hello_request_is_ignored_*`).
    fn ignores_hello_request(self) -> bool {
        matches!(
            self,
            C12ServerHello
                | C12Certificate
                | C12ServerKeyExchange
                | C12ServerHelloDone
                | C12ChangeCipherSpec
                | C12Finished
        )
    }

    /// A fresh connection in this state.
    fn reach(self, setup: &Setup) -> Victim {
        let v = match self {
            C13ServerHello | C12ServerHello => {
                let mut pair = setup.pair();
                let held = take(&mut pair.client);
                Victim {
                    pair,
                    client: true,
                    forger: None,
                    rest: Vec::new(),
                    held,
                    rest_msgs: Vec::new(),
                }
            }
            C13EncryptedExtensions => client13(setup, &[]),
            C13CertificateOrCertificateRequest => client13(setup, &[Ht::EncryptedExtensions]),
            C13Certificate => client13(setup, &[Ht::EncryptedExtensions, Ht::CertificateRequest]),
            C13CertificateVerify => client13(setup, &[Ht::EncryptedExtensions, Ht::Certificate]),
            C13Finished => client13(
                setup,
                &[
                    Ht::EncryptedExtensions,
                    Ht::Certificate,
                    Ht::CertificateVerify,
                ],
            ),
            C13Traffic | C12Traffic => traffic(setup, true),
            S13ClientHello => {
                let mut pair = setup.pair();
                let rest = take(&mut pair.client);
                Victim {
                    pair,
                    client: false,
                    forger: None,
                    rest,
                    held: Vec::new(),
                    rest_msgs: Vec::new(),
                }
            }
            S13Certificate => server13(setup, &[]),
            S13CertificateVerify => server13(setup, &[Ht::Certificate]),
            S13Finished => server13(setup, &[]),
            S13Traffic | S12Traffic => traffic(setup, false),
            C12Certificate => client12(setup, 1),
            C12ServerKeyExchange => client12(setup, 2),
            C12ServerHelloDone => client12(setup, 3),
            C12ChangeCipherSpec => client12_after_flight(setup, false),
            C12Finished => client12_after_flight(setup, true),
            S12ClientKeyExchange => server12(setup, 0),
            S12ChangeCipherSpec => server12(setup, 1),
            S12Finished => server12(setup, 2),
        };
        v.check_quiet()
    }
}

/// A TLS 1.3 client that received the ServerHello (without the compatibility
/// change_cipher_spec, so its one tolerated CCS is unused) and then the first
/// messages of the server's encrypted flight, of types `before`.
fn client13(setup: &Setup, before: &[HandshakeType]) -> Victim {
    let mut pair = setup.pair();
    pair.client_to_server().unwrap();
    let (plain_records, protected) = split_server_flight(&take(&mut pair.server));
    let maker = KeyMaker::Tls13 {
        suite: tls13_suite(&pair.server),
        secret: setup.server_log.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
    };
    let KeyMaker::Tls13 { suite, secret } = &maker else {
        unreachable!()
    };
    let msgs = messages(decrypt_flight(suite, secret, &protected));
    let k = before.len();
    assert_eq!(types(&msgs[..k]), before);
    let hellos: Vec<WireRecord> = plain_records
        .into_iter()
        .filter(|r| r.typ == Ct::Handshake)
        .collect();
    feed(&mut pair.client, &join_records(&hellos)).unwrap();
    let mut forger = forger_at(&maker, 0);
    let prefix: Vec<u8> = msgs[..k]
        .iter()
        .flat_map(|m| forger.seal(Ct::Handshake, m))
        .collect();
    feed(&mut pair.client, &prefix).unwrap();
    let mut after = forger_at(&maker, k as u64);
    let rest = msgs[k..]
        .iter()
        .flat_map(|m| after.seal(Ct::Handshake, m))
        .collect();
    let rest_msgs = msgs[k..].to_vec();
    Victim {
        pair,
        client: true,
        forger: Some(forger),
        rest,
        held: Vec::new(),
        rest_msgs,
    }
}

/// A TLS 1.3 server that sent its flight and received the first messages of the
/// client's encrypted flight, of types `before` (without the client's compatibility
/// change_cipher_spec).
fn server13(setup: &Setup, before: &[HandshakeType]) -> Victim {
    let mut pair = setup.pair();
    pair.client_to_server().unwrap();
    pair.server_to_client().unwrap();
    let (plain_records, protected) = split_server_flight(&take(&mut pair.client));
    assert!(plain_records.iter().all(|r| r.typ == Ct::ChangeCipherSpec));
    let maker = KeyMaker::Tls13 {
        suite: tls13_suite(&pair.server),
        secret: setup.client_log.secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
    };
    let KeyMaker::Tls13 { suite, secret } = &maker else {
        unreachable!()
    };
    let msgs = messages(decrypt_flight(suite, secret, &protected));
    let k = before.len();
    assert_eq!(types(&msgs[..k]), before);
    let mut forger = forger_at(&maker, 0);
    let prefix: Vec<u8> = msgs[..k]
        .iter()
        .flat_map(|m| forger.seal(Ct::Handshake, m))
        .collect();
    feed(&mut pair.server, &prefix).unwrap();
    let mut after = forger_at(&maker, k as u64);
    let rest = msgs[k..]
        .iter()
        .flat_map(|m| after.seal(Ct::Handshake, m))
        .collect();
    let rest_msgs = msgs[k..].to_vec();
    Victim {
        pair,
        client: false,
        forger: Some(forger),
        rest,
        held: Vec::new(),
        rest_msgs,
    }
}

/// Both sides past the handshake; the forger speaks as the peer, in step.
fn traffic(setup: &Setup, client_victim: bool) -> Victim {
    let mut e = Established::new(share(setup));
    let forger = e.forger(!client_victim);
    Victim {
        pair: e.pair,
        client: client_victim,
        forger: Some(forger),
        rest: Vec::new(),
        held: Vec::new(),
        rest_msgs: Vec::new(),
    }
}

/// A TLS 1.2 client given the first `k` messages of the server's plaintext flight
/// (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone), one record each.
fn client12(setup: &Setup, k: usize) -> Victim {
    let mut pair = setup.pair();
    pair.client_to_server().unwrap();
    let msgs = plain_handshake_messages(&split_records(&take(&mut pair.server)));
    assert_eq!(
        types(&msgs),
        [
            Ht::ServerHello,
            Ht::Certificate,
            Ht::ServerKeyExchange,
            Ht::ServerHelloDone
        ]
    );
    feed(&mut pair.client, &one_record_each(&msgs[..k])).unwrap();
    Victim {
        pair,
        client: true,
        forger: None,
        rest: one_record_each(&msgs[k..]),
        held: Vec::new(),
        rest_msgs: Vec::new(),
    }
}

/// The TLS 1.2 key block's protection of one direction, for a pair whose first
/// records were `client_hello` and `server_hello`.
fn tls12_maker(
    setup: &Setup,
    suite: &'static Tls12CipherSuite,
    client_hello: &[u8],
    server_hello: &[u8],
    client_writes: bool,
) -> KeyMaker {
    let keys = tls12_key_block(
        suite,
        &setup.client_log.secret("CLIENT_RANDOM"),
        &hello_random(&split_records(client_hello)[0]),
        &hello_random(&split_records(server_hello)[0]),
    );
    let (key, iv) = if client_writes {
        (keys.client_key().to_vec(), keys.client_iv().to_vec())
    } else {
        (keys.server_key().to_vec(), keys.server_iv().to_vec())
    };
    KeyMaker::Tls12 { suite, key, iv }
}

/// The Finished message in `records`, the single record sealed first under `maker`.
fn open_finished(maker: &KeyMaker, records: &[WireRecord]) -> Vec<u8> {
    let KeyMaker::Tls12 { suite, key, iv } = maker else {
        unreachable!()
    };
    assert_eq!(records.len(), 1, "expected only the Finished record");
    let (typ, finished) = open_tls12(suite, key, iv, 0, &records[0].encode());
    assert_eq!(typ, Ct::Handshake);
    assert_eq!(message_type(&finished), Ht::Finished);
    finished
}

/// A TLS 1.2 client that sent its second flight and received the server's records up
/// to (`after_ccs`: and including) its ChangeCipherSpec.
fn client12_after_flight(setup: &Setup, after_ccs: bool) -> Victim {
    let mut pair = setup.pair();
    let client_hello = pair.client.pending_tls().to_vec();
    pair.client_to_server().unwrap();
    let server_hello = pair.server.pending_tls().to_vec();
    pair.server_to_client().unwrap();
    pair.client_to_server().unwrap();
    let records = split_records(&take(&mut pair.server));
    let ccs = records
        .iter()
        .position(|r| r.typ == Ct::ChangeCipherSpec)
        .expect("no ChangeCipherSpec from the server");
    // A promised NewSessionTicket comes before it.
    let cut = if after_ccs { ccs + 1 } else { ccs };
    feed(&mut pair.client, &join_records(&records[..cut])).unwrap();
    let (forger, rest_msgs) = if after_ccs {
        let suite = tls12_suite(&pair.client);
        let maker = tls12_maker(setup, suite, &client_hello, &server_hello, false);
        let finished = open_finished(&maker, &records[cut..]);
        (Some(forger_at(&maker, 0)), vec![finished])
    } else {
        (None, Vec::new())
    };
    Victim {
        pair,
        client: true,
        forger,
        rest: join_records(&records[cut..]),
        held: Vec::new(),
        rest_msgs,
    }
}

/// A TLS 1.2 server given the first `k` records of the client's second flight
/// (ClientKeyExchange, ChangeCipherSpec, Finished).
fn server12(setup: &Setup, k: usize) -> Victim {
    let mut pair = setup.pair();
    let client_hello = pair.client.pending_tls().to_vec();
    pair.client_to_server().unwrap();
    let server_hello = pair.server.pending_tls().to_vec();
    pair.server_to_client().unwrap();
    let records = split_records(&take(&mut pair.client));
    let record_types: Vec<ContentType> = records.iter().map(|r| r.typ).collect();
    assert_eq!(
        record_types,
        [Ct::Handshake, Ct::ChangeCipherSpec, Ct::Handshake]
    );
    feed(&mut pair.server, &join_records(&records[..k])).unwrap();
    let (forger, rest_msgs) = if k == 2 {
        let suite = tls12_suite(&pair.server);
        let maker = tls12_maker(setup, suite, &client_hello, &server_hello, true);
        let finished = open_finished(&maker, &records[k..]);
        (Some(forger_at(&maker, 0)), vec![finished])
    } else {
        (None, Vec::new())
    };
    Victim {
        pair,
        client: false,
        forger,
        rest: join_records(&records[k..]),
        held: Vec::new(),
        rest_msgs,
    }
}

// ---------------------------------------------------------------------------------
// Checks

/// The victim queued exactly one alert record (after anything it already had queued,
/// e.g. a TLS 1.3 client's compatibility CCS): in plaintext it is exactly the fatal
/// `alert`, protected it is not readable here, so the real peer, fed everything,
/// must report `alert`.
fn assert_alert_sent(victim: &mut Connection, peer: &mut Connection, alert: A, label: &str) {
    let bytes = take(victim);
    let records = split_records(&bytes);
    let last = records
        .last()
        .unwrap_or_else(|| panic!("{label}: no alert queued"));
    match last.typ {
        // Plaintext (a protected alert has at least a tag).
        Ct::Alert if last.payload.len() == 2 => {
            assert_eq!(last.payload, [2, u8::from(alert)], "{label}: alert record")
        }
        // TLS 1.2 protected (RFC 5246 6.2.1: the real type is in the header).
        Ct::Alert => assert!(last.payload.len() > 2 + 8, "{label}"),
        // TLS 1.3 protected (RFC 8446 5.2).
        Ct::ApplicationData => {}
        other => panic!("{label}: last queued record is {other:?}"),
    }
    assert_eq!(
        feed(peer, &bytes),
        Err(Error::AlertReceived(alert)),
        "{label}: the peer did not read our alert"
    );
    assert!(victim.process_new_packets().is_err(), "{label}: not final");
}

/// `message` of type `t`, with a 3-byte body that decodes as nothing.
fn message(t: u8) -> Vec<u8> {
    vec![t, 0, 0, 3, 0xff, 0xff, 0xff]
}

/// Every handshake type value, defined or not, is tried on every state (the whole
/// matrix runs in a few seconds, so no sampling is needed).
fn tried() -> impl Iterator<Item = u8> {
    0..=255
}

/// Walks one state: each type it does not take, on a fresh connection, is refused
/// with `unexpected_message` before its body is read.
fn walk(state: State) {
    let setup = state.setup();
    let mut walked = 0;
    for t in tried() {
        let typ = HandshakeType::from(t);
        if state.accepts().contains(&typ) || (t == 0 && state.ignores_hello_request()) {
            continue;
        }
        let label = format!("{state:?} given handshake type {t}");
        let mut v = state.reach(&setup);
        let bytes = v.handshake(&message(t));
        let (victim, peer) = v.sides();
        let err = feed(victim, &bytes).expect_err(&label);
        assert!(
            matches!(
                &err,
                Error::UnexpectedMessage { got: MessageKind::Handshake(got), .. } if *got == typ
            ),
            "{label}: {err:?}"
        );
        assert_eq!(err.alert(), Some(A::UnexpectedMessage), "{label}");
        assert_eq!(victim.error(), Some(&err), "{label}");
        assert_alert_sent(victim, peer, A::UnexpectedMessage, &label);
        walked += 1;
    }
    // 256 values less the accepted ones (and the ignored HelloRequest).
    assert!(walked >= 252, "{state:?}: only {walked} types tried");
}

// ---------------------------------------------------------------------------------
// 1. Every state x every handshake type it does not take

macro_rules! walk_tests {
    ($($name:ident => $state:expr,)*) => {
        $(
            #[test]
            fn $name() {
                walk($state);
            }
        )*
    };
}

walk_tests! {
    handshake_types_tls13_client_expect_server_hello => C13ServerHello,
    handshake_types_tls13_client_expect_encrypted_extensions => C13EncryptedExtensions,
    handshake_types_tls13_client_expect_certificate_or_request => C13CertificateOrCertificateRequest,
    handshake_types_tls13_client_expect_certificate_after_request => C13Certificate,
    handshake_types_tls13_client_expect_certificate_verify => C13CertificateVerify,
    handshake_types_tls13_client_expect_finished => C13Finished,
    handshake_types_tls13_client_traffic => C13Traffic,
    handshake_types_tls13_server_expect_client_hello => S13ClientHello,
    handshake_types_tls13_server_expect_certificate => S13Certificate,
    handshake_types_tls13_server_expect_certificate_verify => S13CertificateVerify,
    handshake_types_tls13_server_expect_finished => S13Finished,
    handshake_types_tls13_server_traffic => S13Traffic,
    handshake_types_tls12_client_expect_server_hello => C12ServerHello,
    handshake_types_tls12_client_expect_certificate => C12Certificate,
    handshake_types_tls12_client_expect_server_key_exchange => C12ServerKeyExchange,
    handshake_types_tls12_client_expect_server_hello_done => C12ServerHelloDone,
    handshake_types_tls12_client_expect_change_cipher_spec => C12ChangeCipherSpec,
    handshake_types_tls12_client_expect_finished => C12Finished,
    handshake_types_tls12_client_traffic => C12Traffic,
    handshake_types_tls12_server_expect_client_key_exchange => S12ClientKeyExchange,
    handshake_types_tls12_server_expect_change_cipher_spec => S12ChangeCipherSpec,
    handshake_types_tls12_server_expect_finished => S12Finished,
    handshake_types_tls12_server_traffic => S12Traffic,
}

// ---------------------------------------------------------------------------------
// Going on after a record that was dropped or read

/// The victim is still in step: the rest of the handshake completes and data flows.
/// `forged`: a record sealed by the forger was accepted, so it took a sequence number
/// the real peer will also use; the rest of the peer's flight is sealed again by the
/// forger, and only the victim's direction is checked with the real peer.
/// `took_ccs`: the record fed was a ChangeCipherSpec that stands for the peer's own,
/// so the peer's own, if it has one still to come, is left out (a second is refused).
fn carries_on(mut v: Victim, forged: bool, took_ccs: bool, label: &str) {
    let held = std::mem::take(&mut v.held);
    let rest = std::mem::take(&mut v.rest);
    let rest_msgs = std::mem::take(&mut v.rest_msgs);
    if forged {
        let f = v.forger.as_mut().expect("forged without a forger");
        let mut bytes: Vec<u8> = rest_msgs
            .iter()
            .flat_map(|m| f.seal(Ct::Handshake, m))
            .collect();
        let traffic = rest_msgs.is_empty();
        if traffic {
            bytes.extend(f.seal(Ct::ApplicationData, b"after"));
        }
        let (victim, _) = v.sides();
        feed(victim, &bytes).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        if traffic {
            assert_eq!(read_all(victim), b"after", "{label}");
        }
        v.pair
            .handshake()
            .unwrap_or_else(|e| panic!("{label}: {e:?}"));
        v.pair.send_and_receive(v.client, b"the victim still sends");
    } else {
        let (victim, peer) = v.sides();
        feed(peer, &held).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        let mut from_peer = split_records(&rest);
        from_peer.extend(split_records(&take(peer)));
        let peer_ccs = from_peer.iter().position(|r| r.typ == Ct::ChangeCipherSpec);
        if let (true, Some(at)) = (took_ccs, peer_ccs) {
            from_peer.remove(at);
        }
        feed(victim, &join_records(&from_peer)).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        v.pair
            .handshake()
            .unwrap_or_else(|e| panic!("{label}: {e:?}"));
        v.pair.send_and_receive(true, b"ping");
        v.pair.send_and_receive(false, b"pong");
    }
    assert!(!v.pair.client.is_handshaking() && !v.pair.server.is_handshaking());
}

// ---------------------------------------------------------------------------------
// 2. Representative states x every record content type

/// A record to feed.
#[derive(Clone, Copy, Debug)]
enum Rec {
    /// change_cipher_spec [1]
    Ccs1,
    /// Two change_cipher_spec [1] records in a row.
    Ccs1Twice,
    /// change_cipher_spec [2]
    Ccs2,
    /// alert [fatal, handshake_failure]
    AlertFatal,
    AlertEmpty,
    HandshakeEmpty,
    AppData,
    AppDataEmpty,
    /// heartbeat(24), or a type TLS does not define; payload [1, 2, 3].
    Other(u8),
    /// TLS 1.3 protected only: an inner plaintext of zeros, with no content type.
    NoInnerType,
}

use Rec::*;

/// How the record is sent: unprotected, or sealed under the key the victim reads
/// with (TLS 1.3: the inner type is the record's, the outer type application_data;
/// TLS 1.2: a type outside 20..=23 is written into the header of a sealed record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wire {
    Plain,
    Sealed,
}

use Wire::{Plain, Sealed};

const APP_DATA: &[u8] = b"forged application data";

fn record(v: &mut Victim, rec: Rec, wire: Wire) -> Vec<u8> {
    let (typ, payload): (u8, &[u8]) = match rec {
        Ccs1 | Ccs1Twice => (20, &[1]),
        Ccs2 => (20, &[2]),
        AlertFatal => (21, &[2, 40]),
        AlertEmpty => (21, &[]),
        HandshakeEmpty => (22, &[]),
        AppData => (23, APP_DATA),
        AppDataEmpty => (23, &[]),
        Other(t) => (t, &[1, 2, 3]),
        NoInnerType => (0, &[0, 0, 0]),
    };
    let one = match wire {
        Plain => {
            let mut out = common::adversary::header(typ, 0x0303, payload.len() as u16);
            out.extend_from_slice(payload);
            out
        }
        Sealed => {
            let (victim, _) = v.sides();
            let tls13 = victim.protocol_version() == Some(ProtocolVersion::TLSv1_3);
            let f = v
                .forger
                .as_mut()
                .expect("no key to seal with in this state");
            match rec {
                NoInnerType => f.seal_inner(payload),
                Other(t) if tls13 => {
                    assert_ne!(t, 0, "a zero inner type is padding");
                    let mut inner = payload.to_vec();
                    inner.push(t);
                    f.seal_inner(&inner)
                }
                Other(t) => {
                    let mut out = f.seal(Ct::ApplicationData, payload);
                    out[0] = t;
                    out
                }
                _ => f.seal(ContentType::from(typ), payload),
            }
        }
    };
    match rec {
        Ccs1Twice => one.repeat(2),
        _ => one,
    }
}

/// What an error must be.
#[derive(Debug)]
enum Pat {
    /// `Error::UnexpectedMessage` about this kind of message.
    Unexpected(MessageKind),
    /// Exactly this error.
    Is(Error),
    /// A change_cipher_spec refused either as unexpected or as not holding 1.
    Ccs,
}

impl Pat {
    fn matches(&self, err: &Error) -> bool {
        match self {
            Self::Unexpected(kind) => {
                matches!(err, Error::UnexpectedMessage { got, .. } if got == kind)
            }
            Self::Is(e) => err == e,
            Self::Ccs => matches!(
                err,
                Error::UnexpectedMessage {
                    got: MessageKind::Record(Ct::ChangeCipherSpec),
                    ..
                } | Error::InvalidMessage(InvalidMessage::InvalidChangeCipherSpec)
            ),
        }
    }
}

/// What the victim must do with a record.
#[derive(Debug)]
enum Want {
    /// Drop it (or, for a TLS 1.2 ChangeCipherSpec in its place, take it): no error,
    /// nothing sent, and the connection carries on.
    Dropped,
    /// Read it as application data, and carry on.
    Data,
    /// Fail with this error and send this alert (`None`: no alert, the peer sent one).
    Fails(Pat, Option<A>),
}

fn unexpected(kind: MessageKind) -> Want {
    Want::Fails(Pat::Unexpected(kind), Some(A::UnexpectedMessage))
}

fn unexpected_record(typ: ContentType) -> Want {
    unexpected(MessageKind::Record(typ))
}

/// An error whose alert is unexpected_message.
fn unexpected_as(err: impl Into<Error>) -> Want {
    Want::Fails(Pat::Is(err.into()), Some(A::UnexpectedMessage))
}

fn bad_ccs() -> Want {
    Want::Fails(Pat::Ccs, Some(A::UnexpectedMessage))
}

fn bad_record_mac() -> Want {
    Want::Fails(Pat::Is(Error::DecryptError), Some(A::BadRecordMac))
}

fn peer_alert(a: A) -> Want {
    Want::Fails(Pat::Is(Error::AlertReceived(a)), None)
}

/// RFC 8446 5 / RFC 5246 6: heartbeat was not negotiated, the others are undefined.
const OTHER_TYPES: [u8; 4] = [24, 0, 25, 255];

fn unknown_types(wire: Wire) -> Vec<(Rec, Wire, Want)> {
    OTHER_TYPES
        .into_iter()
        // A zero inner type is padding, not a type (see NoInnerType).
        .filter(|&t| !(t == 0 && wire == Sealed))
        .map(|t| {
            (
                Other(t),
                wire,
                unexpected_as(InvalidMessage::UnknownContentType(t)),
            )
        })
        .collect()
}

/// Feeds each record to a fresh connection in `state` and checks the outcome.
fn run_records(state: State, cases: Vec<(Rec, Wire, Want)>) {
    let setup = state.setup();
    for (rec, wire, want) in cases {
        let label = format!("{state:?} given {wire:?} {rec:?}");
        let mut v = state.reach(&setup);
        let bytes = record(&mut v, rec, wire);
        let (victim, peer) = v.sides();
        match want {
            Want::Fails(pat, alert) => {
                let err = feed(victim, &bytes).expect_err(&label);
                assert!(pat.matches(&err), "{label}: got {err:?}, want {pat:?}");
                assert_eq!(err.alert(), alert, "{label}: {err:?}");
                assert_eq!(victim.error(), Some(&err), "{label}");
                match alert {
                    Some(a) => assert_alert_sent(victim, peer, a, &label),
                    None => assert!(victim.pending_tls().is_empty(), "{label}: answered"),
                }
            }
            Want::Dropped | Want::Data => {
                feed(victim, &bytes).unwrap_or_else(|e| panic!("{label}: {e:?}"));
                assert!(victim.pending_tls().is_empty(), "{label}: answered");
                let data = read_all(victim);
                match want {
                    Want::Data => assert_eq!(data, APP_DATA, "{label}"),
                    _ => assert!(data.is_empty(), "{label}"),
                }
                carries_on(v, wire == Sealed, matches!(rec, Ccs1), &label);
            }
        }
    }
}

/// Before any read key (TLS 1.3 ExpectServerHello / ExpectClientHello, TLS 1.2
/// before the peer's ChangeCipherSpec): every record is plaintext.
fn before_read_keys(ccs: Want) -> Vec<(Rec, Wire, Want)> {
    let mut cases = vec![
        (Ccs1, Plain, ccs),
        (Ccs2, Plain, bad_ccs()),
        (AlertFatal, Plain, peer_alert(A::HandshakeFailure)),
        // RFC 8446 5.1, 5.4 (RFC 5246 6.2.1 forbids sending it too).
        (
            AlertEmpty,
            Plain,
            unexpected_as(InvalidMessage::EmptyFragment(Ct::Alert)),
        ),
        (
            HandshakeEmpty,
            Plain,
            unexpected_as(InvalidMessage::EmptyFragment(Ct::Handshake)),
        ),
        // RFC 8446 5.1: application data is always protected; RFC 5246 7.4: none
        // before the handshake is done.
        (AppData, Plain, unexpected_record(Ct::ApplicationData)),
        (AppDataEmpty, Plain, unexpected_record(Ct::ApplicationData)),
    ];
    cases.extend(unknown_types(Plain));
    cases
}

/// TLS 1.3 under the peer's handshake or traffic key.
fn tls13_protected(traffic: bool) -> Vec<(Rec, Wire, Want)> {
    let mut cases = vec![
        // RFC 8446 5: one CCS [1] is dropped until the peer's Finished; after it, a
        // CCS is an unexpected record type.
        (
            Ccs1,
            Plain,
            if traffic {
                unexpected_record(Ct::ChangeCipherSpec)
            } else {
                Want::Dropped
            },
        ),
        // RFC 8446 5: every one is dropped until the peer's Finished.
        (
            Ccs1Twice,
            Plain,
            if traffic {
                unexpected_record(Ct::ChangeCipherSpec)
            } else {
                Want::Dropped
            },
        ),
        (Ccs2, Plain, bad_ccs()),
        // RFC 8446 5.2: a protected record's outer type is application_data. An
        // unprotected alert is still read during the handshake (from a peer that
        // failed before it had keys), never after it.
        (
            AlertFatal,
            Plain,
            if traffic {
                unexpected_record(Ct::Alert)
            } else {
                peer_alert(A::HandshakeFailure)
            },
        ),
        (
            AlertEmpty,
            Plain,
            if traffic {
                unexpected_record(Ct::Alert)
            } else {
                unexpected_as(InvalidMessage::EmptyFragment(Ct::Alert))
            },
        ),
        (HandshakeEmpty, Plain, unexpected_record(Ct::Handshake)),
        // RFC 8446 5.2: what does not deprotect is bad_record_mac.
        (AppData, Plain, bad_record_mac()),
        (AppDataEmpty, Plain, bad_record_mac()),
        // RFC 8446 5: "receives a protected change_cipher_spec record MUST abort the
        // handshake with an "unexpected_message" alert".
        (Ccs1, Sealed, unexpected_record(Ct::ChangeCipherSpec)),
        (Ccs2, Sealed, unexpected_record(Ct::ChangeCipherSpec)),
        (AlertFatal, Sealed, peer_alert(A::HandshakeFailure)),
        // RFC 8446 5.4: zero-length handshake or alert content is unexpected_message.
        (
            AlertEmpty,
            Sealed,
            unexpected_as(InvalidMessage::EmptyFragment(Ct::Alert)),
        ),
        (
            HandshakeEmpty,
            Sealed,
            unexpected_as(InvalidMessage::EmptyFragment(Ct::Handshake)),
        ),
        // RFC 8446 5.4: no non-zero byte is unexpected_message.
        (
            NoInnerType,
            Sealed,
            unexpected_as(PeerMisbehaved::MissingInnerContentType),
        ),
    ];
    if traffic {
        cases.push((AppData, Sealed, Want::Data));
        // RFC 8446 5.1: zero-length application data MAY be sent.
        cases.push((AppDataEmpty, Sealed, Want::Dropped));
    } else {
        // RFC 8446 2: application data only after the peer's Finished.
        cases.push((AppData, Sealed, unexpected_record(Ct::ApplicationData)));
        cases.push((AppDataEmpty, Sealed, unexpected_record(Ct::ApplicationData)));
    }
    cases.extend(unknown_types(Plain));
    cases.extend(unknown_types(Sealed));
    cases
}

/// TLS 1.2 after the peer's ChangeCipherSpec: every record must open under its key.
fn tls12_protected(traffic: bool) -> Vec<(Rec, Wire, Want)> {
    let mut cases = vec![
        // A second ChangeCipherSpec, bare: it does not authenticate under the read
        // key (see `tls12_unprotected_change_cipher_spec_after_the_key_change`).
        (Ccs1, Plain, bad_record_mac()),
        (Ccs2, Plain, bad_record_mac()),
        (Ccs1, Sealed, bad_ccs()),
        // RFC 5246 6.2.3, 7.2.2: what does not authenticate is bad_record_mac.
        (AlertFatal, Plain, bad_record_mac()),
        (AlertEmpty, Plain, bad_record_mac()),
        (HandshakeEmpty, Plain, bad_record_mac()),
        (AppData, Plain, bad_record_mac()),
        (AlertFatal, Sealed, peer_alert(A::HandshakeFailure)),
        // RFC 5246 6.2.1: zero-length handshake or alert fragments are never sent.
        (
            AlertEmpty,
            Sealed,
            unexpected_as(InvalidMessage::EmptyFragment(Ct::Alert)),
        ),
        (
            HandshakeEmpty,
            Sealed,
            unexpected_as(InvalidMessage::EmptyFragment(Ct::Handshake)),
        ),
    ];
    if traffic {
        cases.push((AppData, Sealed, Want::Data));
        // RFC 5246 6.2.1: zero-length application data MAY be sent.
        cases.push((AppDataEmpty, Sealed, Want::Dropped));
    } else {
        // RFC 5246 7.4.9: no application data before Finished.
        cases.push((AppData, Sealed, unexpected_record(Ct::ApplicationData)));
        cases.push((AppDataEmpty, Sealed, unexpected_record(Ct::ApplicationData)));
    }
    cases.extend(unknown_types(Plain));
    cases.extend(unknown_types(Sealed));
    cases
}

#[test]
fn records_tls13_client_before_keys() {
    // RFC 8446 5: after the ClientHello was sent, every CCS [1] is dropped (a run of
    // them is bounded by max_empty_records, see tests/misbehaving/adversarial.rs).
    let mut cases = before_read_keys(Want::Dropped);
    cases.push((Ccs1Twice, Plain, Want::Dropped));
    run_records(C13ServerHello, cases);
}

#[test]
fn records_tls13_server_before_keys() {
    // RFC 8446 5: a CCS before the first ClientHello is an unexpected record type.
    run_records(
        S13ClientHello,
        before_read_keys(unexpected_record(Ct::ChangeCipherSpec)),
    );
}

#[test]
fn records_tls13_client_under_handshake_keys() {
    run_records(C13EncryptedExtensions, tls13_protected(false));
}

#[test]
fn records_tls13_client_later_in_the_handshake() {
    run_records(C13CertificateVerify, tls13_protected(false));
}

#[test]
fn records_tls13_server_under_handshake_keys() {
    run_records(S13Finished, tls13_protected(false));
}

#[test]
fn records_tls13_client_traffic() {
    run_records(C13Traffic, tls13_protected(true));
}

#[test]
fn records_tls13_server_traffic() {
    run_records(S13Traffic, tls13_protected(true));
}

#[test]
fn records_tls12_client_before_keys() {
    // RFC 5246 7.1, 7.4.9: a ChangeCipherSpec before the server's flight is done.
    run_records(
        C12Certificate,
        before_read_keys(unexpected_record(Ct::ChangeCipherSpec)),
    );
}

#[test]
fn records_tls12_client_before_the_servers_change_cipher_spec() {
    // Its own write key is on (its alerts are protected), its read key not yet; the
    // ChangeCipherSpec is due here.
    // RFC 5246 7.1, 6.2.3: the second arrives under the read key the first turned on.
    let mut cases = before_read_keys(Want::Dropped);
    cases.push((Ccs1Twice, Plain, bad_record_mac()));
    run_records(C12ChangeCipherSpec, cases);
}

#[test]
fn records_tls12_server_before_keys() {
    run_records(
        S12ClientKeyExchange,
        before_read_keys(unexpected_record(Ct::ChangeCipherSpec)),
    );
}

#[test]
fn records_tls12_server_before_the_clients_change_cipher_spec() {
    let mut cases = before_read_keys(Want::Dropped);
    cases.push((Ccs1Twice, Plain, bad_record_mac()));
    run_records(S12ChangeCipherSpec, cases);
}

#[test]
fn records_tls12_client_after_the_servers_change_cipher_spec() {
    run_records(C12Finished, tls12_protected(false));
}

#[test]
fn records_tls12_server_after_the_clients_change_cipher_spec() {
    run_records(S12Finished, tls12_protected(false));
}

#[test]
fn records_tls12_client_traffic() {
    run_records(C12Traffic, tls12_protected(true));
}

#[test]
fn records_tls12_server_traffic() {
    run_records(S12Traffic, tls12_protected(true));
}

// ---------------------------------------------------------------------------------
// HelloRequest during a TLS 1.2 handshake

#[test]
fn hello_request_is_ignored_while_a_tls12_client_negotiates() {
    // RFC 5246 7.4.1.1: "This message will be ignored by the client if the client is
    // currently negotiating a session." Ignored means: no error, no answer, not
    // hashed (the handshake then completes, so both Finished still match).
    let setup = matrix_setup(ProtocolVersion::TLSv1_2, false);
    for state in [
        C12Certificate,
        C12ServerKeyExchange,
        C12ServerHelloDone,
        C12ChangeCipherSpec,
        C12Finished,
    ] {
        assert!(state.ignores_hello_request());
        let label = format!("{state:?} given HelloRequest");
        let mut v = state.reach(&setup);
        let sealed = v.forger.is_some();
        let bytes = v.handshake(&[0, 0, 0, 0]);
        let (victim, _) = v.sides();
        feed(victim, &bytes).unwrap_or_else(|e| panic!("{label}: {e:?}"));
        assert!(victim.pending_tls().is_empty(), "{label}: answered");
        carries_on(v, sealed, false, &label);
    }
}

#[test]
fn hello_request_with_a_body_is_a_decode_error_even_when_ignored() {
    // RFC 5246 7.4.1.1: HelloRequest is an empty struct; RFC 5246 7.2.2: a message of
    // the wrong length is decode_error.
    let setup = matrix_setup(ProtocolVersion::TLSv1_2, false);
    let mut v = C12Certificate.reach(&setup);
    let bytes = v.handshake(&message(0));
    let (victim, peer) = v.sides();
    let err = feed(victim, &bytes).unwrap_err();
    assert!(matches!(err, Error::InvalidMessage(_)), "{err:?}");
    assert_eq!(err.alert(), Some(A::DecodeError));
    assert_alert_sent(victim, peer, A::DecodeError, "HelloRequest with a body");
}

#[test]
fn hello_request_before_server_hello_is_ignored_by_a_tls12_only_client() {
    // The client offered only TLS 1.2, so it is negotiating a TLS 1.2 session from its
    // ClientHello on: RFC 5246 7.4.1.1 says HelloRequest "will be ignored by the client
    // if the client is currently negotiating a session".
    let setup = matrix_setup(ProtocolVersion::TLSv1_2, false);
    assert_eq!(setup.client.versions(), [ProtocolVersion::TLSv1_2]);
    let mut v = C12ServerHello.reach(&setup);
    let bytes = v.handshake(&[0, 0, 0, 0]);
    let (victim, _) = v.sides();
    assert_eq!(feed(victim, &bytes), Ok(()));
    assert!(victim.pending_tls().is_empty());
    carries_on(v, false, false, "HelloRequest before ServerHello");
}

#[test]
fn tls12_unprotected_change_cipher_spec_after_the_key_change() {
    // RFC 5246 7.1: the ChangeCipherSpec message "is encrypted and compressed under the
    // current (not the pending) connection state". Once the peer's ChangeCipherSpec
    // switched the read state, a change_cipher_spec record holding a bare 0x01 does
    // not authenticate: RFC 5246 7.2.2, bad_record_mac "MUST be returned if an alert
    // is sent because a TLSCiphertext decrypted in an invalid way".
    for state in [C12Finished, S12Finished, C12Traffic, S12Traffic] {
        let setup = state.setup();
        let mut v = state.reach(&setup);
        let bytes = record(&mut v, Ccs1, Plain);
        let (victim, peer) = v.sides();
        let label = format!("{state:?}: plaintext CCS");
        assert_eq!(feed(victim, &bytes), Err(Error::DecryptError), "{label}");
        assert_alert_sent(victim, peer, A::BadRecordMac, &label);
    }
}
