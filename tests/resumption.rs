//! Session resumption between our client and our server.
mod common;

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
        let setup = setup(version, clock.clone(), Some(ticket_keys(600, 1)));
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
