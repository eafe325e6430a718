//! The sans-IO loop over a blocking socket, in one function with no helper crates:
//! the README shows this file whole, to paste into a new crate whose only dependency
//! is handclasp.
//!
//! ```text
//! cargo run --example sans_io_client -- HOST [PORT] [CA_FILE]
//! ```
//!
//! Fetches `/` over HTTP/1.1 and prints the response. Roots come from CA_FILE (PEM),
//! or else from the platform's trust store (the `native-roots` feature:
//! `handclasp = { version = "0.1", features = ["native-roots"] }`).

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;

use handclasp::pki_types::ServerName;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "example.com".into());
    let port = args.next().unwrap_or_else(|| "443".into());

    let roots = match args.next() {
        Some(ca_file) => {
            let mut roots = RootStore::empty();
            roots.add_pem_file(ca_file)?;
            roots
        }
        None => RootStore::native_roots()?.0,
    };
    let config = Arc::new(ClientConfig::builder().with_root_store(roots).build()?);
    let mut tls = ClientConnection::new(config, ServerName::try_from(host.clone())?)?;
    let mut socket = TcpStream::connect(format!("{host}:{port}"))?;

    // Queued now, sent as soon as the handshake has made keys.
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    tls.write_plaintext(request.as_bytes())?;

    let mut response = Vec::new();
    loop {
        // 1. Send whatever the connection has to say (handshake, data, alerts).
        while tls.wants_write() {
            tls.write_tls(&mut socket)?;
        }
        // 2. Done when the server said close_notify (or earlier: see below).
        if tls.peer_has_closed() || !tls.wants_read() {
            break;
        }
        // 3. Feed what the socket received, then let the state machine act on it.
        if tls.read_tls(&mut socket)? == 0 {
            // TCP closed without close_notify: the response may be cut short.
            return Err("connection closed without close_notify (truncated)".into());
        }
        tls.process_new_packets()?;
        // 4. Take the plaintext that arrived.
        let mut buf = [0u8; 4096];
        loop {
            let n = tls.read_plaintext(&mut buf);
            if n == 0 {
                break;
            }
            response.extend_from_slice(&buf[..n]);
        }
    }
    tls.send_close_notify();
    tls.write_tls(&mut socket)?;
    std::io::stdout().write_all(&response)?;
    Ok(())
}
