//! The zero-copy path against a real peer: our client, driven only through
//! `process_in_place` (its own receive buffer) and `seal_into` / `seal_in_place` (its
//! own transmit buffer), talks to `openssl s_server` over TCP, TLS 1.3 and TLS 1.2: the handshake,
//! a 100 KB message up (several records), lines down, and for TLS 1.3 key updates
//! from OpenSSL that we must answer before our next data.
use crate::common;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

use common::openssl::{
    DEADLINE, KeyKind, OpenSsl, Pki, Recorder, Seen, TempDir, Validity, args, connect, path_arg,
    s_server_version, token,
};
use common::peers::require_peer;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::ServerName;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection};
use rcgen::ExtendedKeyUsagePurpose;

const NAME: &str = "a.test";
const KU_SENT: &str = ">>> TLS 1.3, Handshake [length 0005], KeyUpdate";

/// Our client with its own buffers: nothing goes through the connection's queues but
/// handshake flights and alerts.
struct InPlaceClient {
    conn: ClientConnection,
    sock: TcpStream,
    received: Vec<u8>,
    plaintext: Vec<u8>,
    out: Vec<u8>,
}

impl InPlaceClient {
    /// Sends what is pending (handshake flights, key updates, alerts).
    fn flush_pending(&mut self) {
        while self.conn.wants_write() {
            let n = self.sock.write(self.conn.pending_tls()).unwrap();
            self.conn.consume_tls(n);
        }
    }

    /// Reads once from the socket onto the end of our buffer and processes every
    /// whole record in it. Returns false on a read timeout.
    fn pump(&mut self, server: &OpenSsl) -> bool {
        self.flush_pending();
        let start = self.received.len();
        self.received.resize(start + 32 * 1024, 0);
        let n = match self.sock.read(&mut self.received[start..]) {
            Ok(0) => panic!("s_server closed the connection:\n{}", server.transcript()),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                0
            }
            Err(e) => panic!("socket read failed: {e}"),
        };
        self.received.truncate(start + n);
        loop {
            let done = match self.conn.process_in_place(&mut self.received) {
                Ok(done) => done,
                Err(e) => {
                    self.flush_pending();
                    panic!("{e}:\n{}", server.transcript());
                }
            };
            if done.consumed == 0 {
                break;
            }
            self.plaintext.extend_from_slice(done.plaintext);
            let consumed = done.consumed;
            self.received.drain(..consumed);
        }
        self.flush_pending();
        n > 0
    }

    fn handshake(&mut self, server: &OpenSsl) {
        let deadline = Instant::now() + DEADLINE;
        while self.conn.is_handshaking() {
            assert!(Instant::now() < deadline, "handshake timed out");
            self.pump(server);
        }
    }

    /// Sends `data` sealed onto our transmit buffer (`seal_into`), or (`in_place`)
    /// built in records and sealed where it lies (`seal_in_place`).
    fn send(&mut self, data: &[u8], in_place: bool) {
        self.out.clear();
        if !in_place {
            self.conn.seal_into(data, &mut self.out).unwrap();
            self.sock.write_all(&self.out).unwrap();
            return;
        }
        for chunk in data.chunks(16 * 1024) {
            let (before, after) = self.conn.in_place_room(chunk.len()).unwrap();
            self.out.resize(before + chunk.len() + after, 0);
            self.out[before..before + chunk.len()].copy_from_slice(chunk);
            self.flush_pending();
            self.conn.seal_in_place(&mut self.out, chunk.len()).unwrap();
            self.sock.write_all(&self.out).unwrap();
        }
    }

    fn read_until(&mut self, token: &str, server: &OpenSsl) {
        let deadline = Instant::now() + DEADLINE;
        while !String::from_utf8_lossy(&self.plaintext).contains(token) {
            assert!(
                Instant::now() < deadline,
                "{token} never arrived:\n{}",
                server.transcript()
            );
            self.pump(server);
        }
    }

    /// A 100 KB line up (it must reach s_server's stdout whole), a line down.
    fn exchange(&mut self, server: &mut OpenSsl, in_place: bool) {
        let up = token("in-place-up");
        let mut line = vec![b'.'; 100_000];
        line.extend_from_slice(format!("{up}\n").as_bytes());
        self.send(&line, in_place);
        server.expect(&format!("{}{up}", ".".repeat(64)));
        let down = token("in-place-down");
        server.send_line(&down);
        self.read_until(&down, server);
    }
}

fn run(version: ProtocolVersion) {
    let dir = TempDir::new("interop-in-place");
    let pki = Pki::new(&dir, "ca");
    let leaf = pki.leaf(
        &dir,
        "server",
        &[NAME],
        KeyKind::EcdsaP256,
        ExtendedKeyUsagePurpose::ServerAuth,
        Validity::Always,
    );
    let mut roots = RootStore::empty();
    roots.add(&pki.ca_cert).unwrap();
    let recorder = Recorder::new();
    let config = ClientConfig::builder()
        .with_root_store(roots)
        .with_protocol_versions(&[version])
        .with_observer(recorder.clone())
        .build()
        .unwrap();
    let flag = match version {
        ProtocolVersion::TLSv1_3 => "-tls1_3",
        _ => "-tls1_2",
    };
    let mut extra = args(&["-msg", "-cert"]);
    extra.push(path_arg(&leaf.cert_pem));
    extra.push("-key".into());
    extra.push(path_arg(&leaf.key_pem));
    let (mut server, addr) = s_server_version(flag, &extra);
    let mut client = InPlaceClient {
        conn: ClientConnection::new(Arc::new(config), ServerName::try_from(NAME).unwrap()).unwrap(),
        sock: connect(addr),
        received: Vec::new(),
        plaintext: Vec::new(),
        out: Vec::new(),
    };
    client.handshake(&server);
    assert_eq!(client.conn.protocol_version(), Some(version));
    client.exchange(&mut server, false);
    client.exchange(&mut server, true);

    if version == ProtocolVersion::TLSv1_3 {
        // s_server updates its keys and asks us to update ours ("K"): we open its
        // KeyUpdate in place, and our answer must go out ahead of our next data.
        server.command("K", KU_SENT, 1);
        client.exchange(&mut server, true);
        assert_eq!(recorder.count(&Seen::KeyUpdate { ours: false }), 1);
        assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 1);
        client.exchange(&mut server, false);
    }
    assert!(client.conn.error().is_none());
}

#[test]
fn in_place_client_with_s_server_tls13() {
    if !require_peer("openssl") {
        return;
    }
    run(ProtocolVersion::TLSv1_3);
}

#[test]
fn in_place_client_with_s_server_tls12() {
    if !require_peer("openssl") {
        return;
    }
    run(ProtocolVersion::TLSv1_2);
}
