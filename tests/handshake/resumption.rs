//! Session resumption between our client and our server.
use crate::common;

use std::sync::Arc;

use common::pair::Pair;
use common::pki::{self, NOV_2026, at};
use handclasp::enums::ProtocolVersion;
use handclasp::resumption::{ProducesTickets, TicketKeys};
use handclasp::time::{FixedTime, TimeProvider};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ServerConfig};

struct Setup {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
}

fn setup(
    version: ProtocolVersion,
    time: Arc<dyn TimeProvider>,
    ticketer: Option<Arc<dyn ProducesTickets>>,
) -> Setup {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_protocol_versions(&[version])
        .with_time_provider(time.clone())
        .build()
        .unwrap();
    let mut server = ServerConfig::builder()
        .with_protocol_versions(&[version])
        .with_time_provider(time)
        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
        .unwrap();
    if let Some(ticketer) = ticketer {
        server = server.with_ticketer(Some(ticketer));
    }
    Setup {
        client: Arc::new(client),
        server: Arc::new(server.build().unwrap()),
    }
}

/// Runs one connection to completion (tickets included) and reports whether it resumed.
fn connect(setup: &Setup) -> bool {
    let mut pair = Pair::new(setup.client.clone(), setup.server.clone(), "a.test");
    pair.handshake().unwrap();
    pair.server_to_client().unwrap();
    pair.send_and_receive(true, b"ping");
    pair.send_and_receive(false, b"pong");
    assert_eq!(pair.client.is_resumed(), pair.server.is_resumed());
    if pair.client.is_resumed() {
        assert!(
            pair.client.peer_certificates().is_none(),
            "a resumed handshake sends no certificate"
        );
    }
    pair.client.is_resumed()
}

#[test]
fn tls13_full_then_resumed_twice() {
    let setup = setup(
        ProtocolVersion::TLSv1_3,
        Arc::new(FixedTime(at(NOV_2026))),
        None,
    );
    assert!(!connect(&setup));
    assert!(connect(&setup));
    assert!(connect(&setup));
}

#[test]
fn tls12_full_then_resumed_with_tickets() {
    let setup = setup(
        ProtocolVersion::TLSv1_2,
        Arc::new(FixedTime(at(NOV_2026))),
        None,
    );
    assert!(!connect(&setup));
    assert!(connect(&setup));
    assert!(connect(&setup));
}

#[test]
fn tls12_full_then_resumed_by_session_id() {
    // No ticketer: the server keeps sessions in its store, under a session id.
    let time: Arc<dyn TimeProvider> = Arc::new(FixedTime(at(NOV_2026)));
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let setup = Setup {
        client: Arc::new(
            ClientConfig::builder()
                .with_root_store(roots)
                .with_protocol_versions(&[ProtocolVersion::TLSv1_2])
                .with_time_provider(time.clone())
                .build()
                .unwrap(),
        ),
        server: Arc::new(
            ServerConfig::builder()
                .with_protocol_versions(&[ProtocolVersion::TLSv1_2])
                .with_time_provider(time)
                .with_ticketer(None)
                .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
                .unwrap()
                .build()
                .unwrap(),
        ),
    };
    assert!(!connect(&setup));
    assert!(connect(&setup));
    assert!(connect(&setup));
}

/// A clock the test moves forward.
#[derive(Debug)]
struct Clock(std::sync::atomic::AtomicU64);

impl Clock {
    fn new(secs: u64) -> Arc<Self> {
        Arc::new(Self(std::sync::atomic::AtomicU64::new(secs)))
    }

    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

impl TimeProvider for Clock {
    fn now(&self) -> Option<handclasp::time::UnixTime> {
        Some(at(self.0.load(std::sync::atomic::Ordering::SeqCst)))
    }
}

fn ticket_keys(period: u64, previous: u64) -> Arc<TicketKeys> {
    Arc::new(
        TicketKeys::new(
            &handclasp::crypto::ring::default_provider(),
            period,
            previous,
        )
        .unwrap(),
    )
}

#[test]
fn servers_sharing_exported_ticket_keys_resume_each_others_sessions() {
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let keys = ticket_keys(3600, 1);
        let shared =
            TicketKeys::import(&handclasp::crypto::ring::default_provider(), &keys.export())
                .unwrap();
        let time: Arc<dyn TimeProvider> = Arc::new(FixedTime(at(NOV_2026)));
        let first = setup(version, time.clone(), Some(keys));
        let second = Setup {
            client: first.client.clone(),
            server: setup(version, time.clone(), Some(Arc::new(shared))).server,
        };
        // The second server has another certificate but the same ticket keys: a
        // session from the first resumes on it without a certificate at all.
        assert!(!connect(&first), "{version:?}");
        assert!(connect(&second), "{version:?}");

        let stranger = Setup {
            client: first.client.clone(),
            server: setup(version, time, Some(ticket_keys(3600, 1))).server,
        };
        // A server with other keys cannot open the client's ticket: full handshake.
        assert!(!connect_expecting_full(&stranger), "{version:?}");
    }
}

/// Like `connect`, for a server that cannot open the ticket: the handshake falls
/// back to a full one, which needs the client to trust the server's certificate; here
/// it does not, so the certificate error proves the fallback happened.
fn connect_expecting_full(setup: &Setup) -> bool {
    let mut pair = Pair::new(setup.client.clone(), setup.server.clone(), "a.test");
    match pair.handshake() {
        Err(handclasp::Error::Certificate(_)) => false,
        other => panic!(
            "expected a full handshake, got {other:?} (resumed: {})",
            pair.client.is_resumed()
        ),
    }
}

#[test]
fn ticket_key_rotation_keeps_the_previous_key_for_one_period() {
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let clock = Clock::new(NOV_2026);
        // The ticketer claims a one-day lifetime, so a refusal below can only come
        // from the key having rotated out, not from the ticket's own expiry.
        let keys = Arc::new(LongLived(ticket_keys(600, 1)));
        let setup = setup(version, clock.clone(), Some(keys));
        assert!(!connect(&setup));
        // One rotation later the old key still opens the ticket...
        clock.advance(600);
        assert!(connect(&setup), "{version:?}: after one rotation");
        // ...two rotations after a ticket was issued, its key has left the set. The
        // server then refuses the ticket and runs a full handshake.
        clock.advance(1200);
        assert!(!connect(&setup), "{version:?}: after the key left the set");
    }
}

/// Ticket keys that announce a longer ticket lifetime than their keys last.
#[derive(Debug)]
struct LongLived(Arc<TicketKeys>);

impl ProducesTickets for LongLived {
    fn lifetime(&self) -> u32 {
        24 * 3600
    }
    fn encrypt(&self, plain: &[u8], now: handclasp::time::UnixTime) -> Option<Vec<u8>> {
        self.0.encrypt(plain, now)
    }
    fn decrypt(&self, ticket: &[u8], now: handclasp::time::UnixTime) -> Option<Vec<u8>> {
        self.0.decrypt(ticket, now)
    }
}

/// Configs for a client and server that share a PKI, with the given ALPN lists and
/// server provider (suites), so sessions can be resumed across them.
struct Variant {
    alpn: Vec<Vec<u8>>,
    suites: Option<Vec<handclasp::enums::CipherSuite>>,
}

fn variant_setups(variants: &[Variant]) -> (Vec<Setup>, RootStore) {
    let (root, leaf) = pki::server_chain(&["a.test", "b.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let time: Arc<dyn TimeProvider> = Arc::new(FixedTime(at(NOV_2026)));
    let store: Arc<dyn handclasp::resumption::ClientSessionStore> =
        Arc::new(handclasp::resumption::ClientSessionMemoryCache::default());
    let keys = ticket_keys(3600, 1);
    let setups = variants
        .iter()
        .map(|v| {
            let mut provider = handclasp::crypto::ring::default_provider();
            if let Some(suites) = &v.suites {
                // These suites, in this order of preference.
                let all = provider.cipher_suites.clone();
                provider.cipher_suites = suites
                    .iter()
                    .filter_map(|want| all.iter().copied().find(|s| s.suite() == *want))
                    .collect();
            }
            let provider = Arc::new(provider);
            Setup {
                client: Arc::new(
                    ClientConfig::builder()
                        .with_root_store(roots.clone())
                        .with_time_provider(time.clone())
                        .with_alpn_protocols(v.alpn.clone())
                        .with_session_store(Some(store.clone()))
                        .build()
                        .unwrap(),
                ),
                server: Arc::new(
                    ServerConfig::builder_with_provider(provider)
                        .with_time_provider(time.clone())
                        .with_alpn_protocols(v.alpn.clone())
                        .with_ticketer(Some(keys.clone()))
                        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
                        .unwrap()
                        .build()
                        .unwrap(),
                ),
            }
        })
        .collect();
    (setups, roots)
}

fn connect_to(setup: &Setup, name: &str) -> bool {
    let mut pair = Pair::new(setup.client.clone(), setup.server.clone(), name);
    pair.handshake().unwrap();
    pair.server_to_client().unwrap();
    pair.send_and_receive(true, b"ping");
    pair.client.is_resumed()
}

#[test]
fn a_ticket_resumes_under_another_suite_with_the_same_hash() {
    use handclasp::enums::CipherSuite as S;
    // RFC 8446 4.2.11: the PSK binds the hash, not the suite. A ticket from an
    // AES-128-GCM session resumes with a server that now prefers ChaCha20-Poly1305
    // (both SHA-256), and the traffic keys must then be ChaCha20's.
    let (setups, _) = variant_setups(&[
        Variant {
            alpn: vec![],
            suites: Some(vec![S::TLS13_AES_128_GCM_SHA256]),
        },
        Variant {
            alpn: vec![],
            suites: Some(vec![
                S::TLS13_CHACHA20_POLY1305_SHA256,
                S::TLS13_AES_128_GCM_SHA256,
            ]),
        },
    ]);
    assert!(!connect_to(&setups[0], "a.test"));
    let mut pair = Pair::new(setups[1].client.clone(), setups[1].server.clone(), "a.test");
    pair.handshake().unwrap();
    pair.send_and_receive(true, b"under the new suite's keys");
    pair.send_and_receive(false, b"both ways");
    assert!(pair.client.is_resumed() && pair.server.is_resumed());
    assert_eq!(
        pair.client.negotiated_cipher_suite().map(|s| s.suite()),
        Some(S::TLS13_CHACHA20_POLY1305_SHA256)
    );
}

#[test]
fn mismatched_alpn_sni_or_suite_hash_falls_back_to_a_full_handshake() {
    use handclasp::enums::CipherSuite as S;
    let h2 = || Variant {
        alpn: vec![b"h2".to_vec()],
        suites: None,
    };
    // A session made with ALPN h2 does not resume a connection that agrees http/1.1.
    let (setups, _) = variant_setups(&[
        h2(),
        Variant {
            alpn: vec![b"http/1.1".to_vec()],
            suites: None,
        },
    ]);
    assert!(!connect_to(&setups[0], "a.test"));
    assert!(!connect_to(&setups[1], "a.test"), "ALPN differs");

    // Nor one whose only suite hashes with SHA-384 (the ticket's suite is SHA-256).
    let (setups, _) = variant_setups(&[
        h2(),
        Variant {
            alpn: vec![b"h2".to_vec()],
            suites: Some(vec![S::TLS13_AES_256_GCM_SHA384]),
        },
    ]);
    assert!(!connect_to(&setups[0], "a.test"));
    assert!(!connect_to(&setups[1], "a.test"), "suite hash differs");

    // Nor a connection for another server name (same certificate, same keys). Our
    // client keeps tickets per name, so a store that ignores names makes it offer the
    // a.test ticket to b.test: the server must refuse it.
    let (setups, roots) = variant_setups(&[h2()]);
    let careless = Setup {
        client: Arc::new(
            ClientConfig::builder()
                .with_root_store(roots)
                .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
                .with_alpn_protocols(vec![b"h2".to_vec()])
                .with_session_store(Some(Arc::new(AnyName::default())))
                .build()
                .unwrap(),
        ),
        server: setups[0].server.clone(),
    };
    assert!(!connect_to(&careless, "a.test"));
    assert!(!connect_to(&careless, "b.test"), "SNI differs");
    // The newest ticket is now b.test's, refused for a.test just the same; the next
    // is a.test's own, and resumes.
    assert!(!connect_to(&careless, "a.test"));
    assert!(connect_to(&careless, "a.test"));
}

/// A client store that files every ticket under one name, whatever the server.
#[derive(Debug, Default)]
struct AnyName(handclasp::resumption::ClientSessionMemoryCache);

impl handclasp::resumption::ClientSessionStore for AnyName {
    fn insert_tls13_ticket(&self, _: &str, ticket: handclasp::resumption::Tls13ClientSession) {
        self.0.insert_tls13_ticket("any", ticket)
    }
    fn take_tls13_ticket(&self, _: &str) -> Option<handclasp::resumption::Tls13ClientSession> {
        self.0.take_tls13_ticket("any")
    }
    fn set_tls12_session(&self, _: &str, session: handclasp::resumption::Tls12ClientSession) {
        self.0.set_tls12_session("any", session)
    }
    fn tls12_session(&self, _: &str) -> Option<handclasp::resumption::Tls12ClientSession> {
        self.0.tls12_session("any")
    }
    fn remove_tls12_session(&self, _: &str) {
        self.0.remove_tls12_session("any")
    }
}

#[test]
fn expired_tickets_are_not_offered_or_not_accepted() {
    let clock = Clock::new(NOV_2026);
    let setup = setup(
        ProtocolVersion::TLSv1_3,
        clock.clone(),
        Some(ticket_keys(3600, 24)),
    );
    assert!(!connect(&setup));
    // Our tickets last one day at most.
    clock.advance(24 * 3600 + 1);
    assert!(!connect(&setup), "an expired ticket gives a full handshake");
}

/// Records, from the client's side, whether each TLS 1.3 EncryptedExtensions
/// acknowledged the server name.
#[derive(Debug, Default)]
struct SniAcks(std::sync::Mutex<Vec<bool>>);

impl handclasp::events::HandshakeObserver for SniAcks {
    fn on_event(
        &self,
        side: handclasp::events::Side,
        event: &handclasp::events::HandshakeEvent<'_>,
    ) {
        if let (
            handclasp::events::Side::Client,
            handclasp::events::HandshakeEvent::EncryptedExtensions {
                server_name_acknowledged,
                ..
            },
        ) = (side, event)
        {
            self.0.lock().unwrap().push(*server_name_acknowledged);
        }
    }
}

/// RFC 6066 3: "When resuming a session, the server MUST NOT include a server_name
/// extension in the server hello" (in TLS 1.3 it travels in EncryptedExtensions). A
/// full handshake acknowledges the name; a resumed one does not.
#[test]
fn a_resumed_tls13_handshake_does_not_acknowledge_the_server_name() {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let acks = Arc::new(SniAcks::default());
    let time: Arc<dyn TimeProvider> = Arc::new(FixedTime(at(NOV_2026)));
    let setup = Setup {
        client: Arc::new(
            ClientConfig::builder()
                .with_root_store(roots)
                .with_time_provider(time.clone())
                .with_observer(acks.clone())
                .build()
                .unwrap(),
        ),
        server: Arc::new(
            ServerConfig::builder()
                .with_time_provider(time)
                .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
                .unwrap()
                .build()
                .unwrap(),
        ),
    };
    assert!(!connect(&setup));
    assert!(connect(&setup));
    assert_eq!(*acks.0.lock().unwrap(), [true, false]);
}
