//! Seed inputs for the `client`, `server` and `handshake` targets, recorded from real
//! handshakes between our client and our server under the same configurations the
//! targets use. `tests/fuzz_corpus.rs` writes them to `corpus/<target>/seed-ours-*`
//! (with `HANDCLASP_WRITE_SEEDS=1`) and checks that the committed ones still complete
//! their handshakes, so the corpus keeps reaching the deep states.

use std::sync::Arc;

use handclasp::{ClientConnection, ServerConnection};

use super::adversary::handshake_cfg;
use super::conns::{client_cfg as c, new_client, run_pair, server_cfg as s, server_config};

/// One recorded seed: the target, a file name saying what it reaches, the bytes.
pub struct Seed {
    /// `client`, `server` or `handshake`.
    pub target: &'static str,
    /// `seed-ours-<what>`; names containing `resumed` must resume.
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
}

/// (name, client config, server config) of the recorded conversations.
const CONVERSATIONS: &[(&str, u8, u8)] = &[
    ("tls13-full", c::ALPN | c::AFTER, s::ALPN),
    ("tls13-hrr-cookie", c::HRR | c::AFTER, s::ALPN),
    (
        "tls13-client-auth",
        1 | c::CLIENT_CERT,
        s::CLIENT_AUTH | s::CLIENT_AUTH_REQUIRED,
    ),
    ("tls13-rsa", 1, s::RSA_KEY),
    (
        "tls13-resumed-0rtt",
        c::RESUME | c::EARLY_DATA | c::ALPN | c::AFTER,
        s::EARLY_DATA | s::ALPN,
    ),
    ("tls13-resumed", 1 | c::RESUME | c::ALPN, s::ALPN),
    ("tls12-full-ecdsa", 2 | c::AFTER, 2),
    ("tls12-full-rsa", 2 | c::ALPN, 2 | s::RSA_KEY | s::ALPN),
    ("tls12-client-auth", 2 | c::CLIENT_CERT, 2 | s::CLIENT_AUTH),
    ("tls12-resumed", 2 | c::RESUME | c::AFTER, 2),
    ("tls12-stateful", 2, 2 | s::STATEFUL),
];

/// Every seed, recorded now.
pub fn recorded_seeds() -> Vec<Seed> {
    let mut seeds = Vec::new();
    for &(name, client_cfg, server_cfg) in CONVERSATIONS {
        let (to_server, to_client) = record(client_cfg, server_cfg);
        let prefix = |cfg: u8| vec![cfg, 0, 0, 0, 0];
        seeds.push(Seed {
            target: "client",
            name: format!("seed-ours-{name}"),
            data: [prefix(client_cfg), to_client].concat(),
        });
        seeds.push(Seed {
            target: "server",
            name: format!("seed-ours-{name}"),
            data: [prefix(server_cfg), to_server].concat(),
        });
    }
    seeds.extend(handshake_seeds());
    seeds
}

/// Runs one conversation (and, for AFTER clients, data, a KeyUpdate and close_notify
/// from the client) and returns what each side sent.
fn record(client_cfg: u8, server_cfg: u8) -> (Vec<u8>, Vec<u8>) {
    let mut client: ClientConnection = new_client(client_cfg);
    let mut server = ServerConnection::new(Arc::new(server_config(server_cfg))).unwrap();
    let (mut to_server, mut to_client) = run_pair(&mut client, &mut server).unwrap();
    assert!(
        !client.is_handshaking() && !server.is_handshaking(),
        "{client_cfg:#x}: no handshake"
    );
    if client_cfg & c::AFTER != 0 {
        client.write_plaintext(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        server
            .write_plaintext(b"HTTP/1.1 200 OK\r\n\r\nhello")
            .unwrap();
        let _ = client.refresh_traffic_keys(true);
        client.send_close_notify();
        server.send_close_notify();
        let (more_to_server, more_to_client) = run_pair(&mut client, &mut server).unwrap();
        to_server.extend(more_to_server);
        to_client.extend(more_to_client);
    }
    (to_server, to_client)
}

/// Programs for the adversary: a clean conversation with data both ways, then the same
/// with a tampering step in the middle.
fn handshake_seeds() -> Vec<Seed> {
    // Deliver client->server (0x00) and server->client (0x08) in turns, then write
    // (0x07: client, 0x0f: server), update keys (0x97 with request), close (0xc7).
    let mut clean = Vec::new();
    for _ in 0..12 {
        clean.extend_from_slice(&[0x00, 0x08]);
    }
    clean.extend_from_slice(&[0x07, 0x3f, 0x97, 0x00, 0x08, 0x00, 0x08, 0x07, 0xc7, 0x00]);
    let tampered = |op: &[u8]| {
        let mut p = clean[..6].to_vec();
        p.extend_from_slice(op);
        p.extend_from_slice(&clean[6..]);
        p
    };
    let configs = [
        ("both", 0),
        ("tls13", 1),
        ("tls12", 2),
        (
            "tls13-resumed-0rtt",
            1 | handshake_cfg::RESUME | handshake_cfg::EARLY_DATA,
        ),
        ("tls12-resumed", 2 | handshake_cfg::RESUME),
        (
            "tls13-client-auth-hrr",
            1 | handshake_cfg::CLIENT_AUTH | handshake_cfg::HRR,
        ),
    ];
    let programs = [
        ("clean", clean.clone()),
        ("drop", tampered(&[0x09])),
        ("duplicate", tampered(&[0x0a])),
        ("reorder", tampered(&[0x0b])),
        ("flip", tampered(&[0x3d, 40])),
        ("trickle", tampered(&[0x0e])),
    ];
    let mut seeds = Vec::new();
    for (config_name, cfg) in configs {
        for (program_name, program) in &programs {
            seeds.push(Seed {
                target: "handshake",
                name: format!("seed-ours-{config_name}-{program_name}"),
                data: [&[cfg][..], program].concat(),
            });
        }
    }
    seeds
}
