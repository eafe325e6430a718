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
