//! Whatever a peer sends, a connection returns an error or goes on: it never panics.
//! Random bytes and mutated real handshake flights are fed to both sides.
use crate::common;

use std::sync::Arc;

use common::pair::Pair;
use common::pki::{self, NOV_2026, at};
use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn configs() -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let time = Arc::new(FixedTime(at(NOV_2026)));
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(time.clone())
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_time_provider(time)
        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
        .unwrap()
        .build()
        .unwrap();
    (Arc::new(client), Arc::new(server))
}

/// Feeds `input` in pieces, processing after each; stops at the first error.
fn feed(conn: &mut Connection, input: &[u8], rng: &mut Rng) {
    let mut rest = input;
    while !rest.is_empty() {
        let piece = 1 + rng.below(rest.len().min(600));
        let taken = conn.read_tls_from_slice(&rest[..piece]);
        if conn.process_new_packets().is_err() || taken == 0 {
            return;
        }
        rest = &rest[taken..];
        let mut sink = [0u8; 1024];
        while conn.read_plaintext(&mut sink) > 0 {}
    }
}

fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            break;
        }
        let i = rng.below(out.len());
        match rng.below(4) {
            0 => out[i] ^= 1 << rng.below(8),
            1 => out[i] = rng.next() as u8,
            2 => out.truncate(i),
            _ => out.insert(i, rng.next() as u8),
        }
    }
    out
}

#[test]
fn random_and_mutated_input_never_panics_either_side() {
    let (client, server) = configs();
    // Real flights to mutate: the client's first flight and the server's answer, for
    // TLS 1.3 and TLS 1.2.
    let mut flights = Vec::new();
    for versions in [
        vec![handclasp::enums::ProtocolVersion::TLSv1_3],
        vec![handclasp::enums::ProtocolVersion::TLSv1_2],
    ] {
        let c = Arc::new(
            ClientConfig::builder()
                .with_root_store({
                    let mut r = RootStore::empty();
                    r.add(&pki::Ca::root("x").cert).unwrap();
                    r
                })
                .with_protocol_versions(&versions)
                .build()
                .unwrap(),
        );
        let mut pair = Pair::new(c, server.clone(), "a.test");
        let client_hello = pair.client.pending_tls().to_vec();
        let _ = pair.client_to_server();
        let server_flight = pair.server.pending_tls().to_vec();
        flights.push((client_hello, server_flight));
    }
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for round in 0..6000 {
        let (hello, answer) = &flights[round % flights.len()];
        let to_server = if round % 3 == 0 {
            (0..rng.below(400)).map(|_| rng.next() as u8).collect()
        } else {
            mutate(hello, &mut rng)
        };
        let mut s = ServerConnection::new(server.clone()).unwrap();
        feed(&mut s, &to_server, &mut rng);

        let to_client = if round % 3 == 0 {
            (0..rng.below(400)).map(|_| rng.next() as u8).collect()
        } else {
            mutate(answer, &mut rng)
        };
        let mut c =
            ClientConnection::new(client.clone(), ServerName::try_from("a.test").unwrap()).unwrap();
        feed(&mut c, &to_client, &mut rng);
    }
}
