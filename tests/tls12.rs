//! In-memory TLS 1.2 handshakes and version negotiation between our client and server.
mod common;

use std::sync::Arc;

use common::pair::{Chunking, Pair};
use common::pki::{self, NOV_2026, at};
use handclasp::enums::ProtocolVersion;
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ServerConfig};

const V12: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_2];
const BOTH: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];

fn configs(client_versions: &[ProtocolVersion], server_versions: &[ProtocolVersion]) -> Pair {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_protocol_versions(client_versions)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_protocol_versions(server_versions)
        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
        .unwrap()
        .build()
        .unwrap();
    Pair::new(Arc::new(client), Arc::new(server), "a.test")
}

#[test]
fn versions_negotiate_to_the_best_common_one() {
    for (client, server, expected) in [
        (V12, V12, ProtocolVersion::TLSv1_2),
        (V12, BOTH, ProtocolVersion::TLSv1_2),
        (BOTH, V12, ProtocolVersion::TLSv1_2),
        (BOTH, BOTH, ProtocolVersion::TLSv1_3),
    ] {
        for chunking in [Chunking::Whole, Chunking::Bytewise, Chunking::Random(3)] {
            let mut pair = configs(client, server).with_chunking(chunking);
            pair.handshake().unwrap();
            assert_eq!(pair.client.protocol_version(), Some(expected));
            assert_eq!(pair.server.protocol_version(), Some(expected));
            pair.send_and_receive(true, b"request");
            pair.send_and_receive(false, b"response");
            let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
            pair.client
                .export_keying_material(&mut a, b"EXPORTER-test", Some(b"ctx"))
                .unwrap();
            pair.server
                .export_keying_material(&mut b, b"EXPORTER-test", Some(b"ctx"))
                .unwrap();
            assert_eq!(a, b);
        }
    }
}
