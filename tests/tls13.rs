//! In-memory TLS 1.3 handshakes between our client and our server.
mod common;

use std::sync::Arc;

use common::pair::{Chunking, Pair};
use common::pki::{self, NOV_2026, at};
use handclasp::enums::{NamedGroup, ProtocolVersion};
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ServerConfig};

fn configs(names: &[&'static str]) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let (root, leaf) = pki::server_chain(names);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
        .unwrap()
        .build()
        .unwrap();
    (Arc::new(client), Arc::new(server))
}

#[test]
fn handshake_and_data_both_ways() {
    for chunking in [Chunking::Whole, Chunking::Bytewise, Chunking::Random(7)] {
        let (client, server) = configs(&["a.test"]);
        let mut pair = Pair::new(client, server, "a.test").with_chunking(chunking);
        pair.handshake().unwrap();
        assert_eq!(
            pair.client.protocol_version(),
            Some(ProtocolVersion::TLSv1_3)
        );
        assert_eq!(pair.server.server_name(), Some("a.test"));
        pair.send_and_receive(true, b"hello server");
        pair.send_and_receive(false, b"hello client");
    }
}

#[test]
fn hello_retry_request_with_cookie_and_compat_ccs() {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .build()
        .unwrap();
    // The client sends an X25519 share; the server accepts only P-384.
    let mut provider = handclasp::crypto::ring::default_provider();
    provider
        .kx_groups
        .retain(|g| g.name() == NamedGroup::secp384r1);
    let server = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_hrr_cookie(true)
        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
        .unwrap()
        .build()
        .unwrap();
    let mut pair = Pair::new(Arc::new(client), Arc::new(server), "a.test");
    pair.handshake().unwrap();
    assert_eq!(pair.client.negotiated_group(), Some(NamedGroup::secp384r1));
    assert_eq!(
        pair.client.protocol_version(),
        Some(ProtocolVersion::TLSv1_3)
    );
    pair.send_and_receive(true, b"after a retry");
}
