//! The 0-RTT fixture shared by tests/handshake/early_data.rs and
//! tests/misbehaving/review_core.rs: a client that offers early data, a server
//! certificate, ticket keys both sides' servers share, and a key log for the server.

use std::sync::Arc;

use handclasp::resumption::{ProducesTickets, TicketKeys};
use handclasp::server::ServerConfigBuilder;
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ServerConfig};

use super::pair::Pair;
use super::pki::{self, NOV_2026, at};
use super::tamper::RecordingKeyLog;

pub struct Fixture {
    pub client: Arc<ClientConfig>,
    /// The root the server's certificate chains to.
    pub root: pki::Ca,
    pub leaf: pki::Leaf,
    pub keys: Arc<TicketKeys>,
    pub server_log: Arc<RecordingKeyLog>,
}

pub fn fixture() -> Fixture {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_early_data(true)
        .build()
        .unwrap();
    let keys =
        Arc::new(TicketKeys::new(&handclasp::crypto::ring::default_provider(), 3600, 1).unwrap());
    Fixture {
        client: Arc::new(client),
        root,
        leaf,
        keys,
        server_log: Arc::new(RecordingKeyLog::default()),
    }
}

impl Fixture {
    /// A root store trusting the server's certificate, for clients of other settings.
    pub fn client_roots(&self) -> RootStore {
        let mut roots = RootStore::empty();
        roots.add(&self.root.cert).unwrap();
        roots
    }

    /// A server with the fixture's certificate, ticket keys, clock and key log, accepting
    /// up to `max_early_data` bytes of 0-RTT.
    pub fn server(&self, builder: ServerConfigBuilder, max_early_data: u32) -> ServerConfig {
        builder
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_ticketer(Some(self.keys.clone() as Arc<dyn ProducesTickets>))
            .with_max_early_data_size(max_early_data)
            .with_key_log(self.server_log.clone())
            .with_single_cert(self.leaf.chain.clone(), self.leaf.key.clone_key())
            .unwrap()
            .build()
            .unwrap()
    }

    /// A full handshake that leaves tickets (allowing early data) in the client's store.
    pub fn prime(&self, server: &Arc<ServerConfig>) {
        let mut pair = Pair::new(self.client.clone(), server.clone(), "a.test");
        pair.handshake().unwrap();
        pair.server_to_client().unwrap();
        assert!(!pair.client.is_resumed());
    }
}
