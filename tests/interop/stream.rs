//! The blocking adapters `Stream` and `StreamOwned` over real loopback TCP against
//! `openssl s_server` / `openssl s_client`, when the peer sends records that make us
//! write but carry no plaintext: a TLS 1.3 KeyUpdate asking for ours, a TLS 1.2
//! HelloRequest, a TLS 1.2 renegotiating ClientHello.
//!
//! Regression tests: `read` on a blocking socket used to end in
//! `ErrorKind::WouldBlock` after such a record. Now it answers (flushing the reply)
//! and reads on until it has plaintext, a clean end of stream or an error.
//!
//! The peer's data after the event is sent only once our reply was seen by the peer
//! (or, without a reply, once the peer acted on the command), so our `read` always
//! gets the event's record on its own, as in the bug.
use crate::common;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use common::openssl::{
    DEADLINE, OpenSsl, Recorder, Seen, ServerSetup, accept, listener, path_arg, s_client_args,
    s_server_version, server_setup, token, version_flag,
};
use common::peers::require_peer;
use handclasp::enums::{AlertDescription, ProtocolVersion};
use handclasp::pki_types::ServerName;
use handclasp::verify::RootStore;
use handclasp::{
    ClientConfig, ClientConnection, Error, ServerConfig, ServerConnection, Stream, StreamOwned,
};

const NAME: &str = "a.test";

/// What openssl's `-msg` prints for a KeyUpdate it received / sent.
const KU_RECEIVED: &str = "<<< TLS 1.3, Handshake [length 0005], KeyUpdate";
const KU_SENT: &str = ">>> TLS 1.3, Handshake [length 0005], KeyUpdate";

type Setup = ServerSetup;

fn setup() -> Setup {
    server_setup("interop-stream", NAME)
}

/// Blocking socket timeouts long enough never to fire in a passing run: a timeout
/// would itself surface as `WouldBlock`, the error these tests look for.
fn blocking(sock: TcpStream) -> TcpStream {
    sock.set_read_timeout(Some(DEADLINE)).unwrap();
    sock.set_write_timeout(Some(DEADLINE)).unwrap();
    sock.set_nodelay(true).unwrap();
    sock
}

/// Our client, through `StreamOwned`, connected to `openssl s_server -msg`.
fn client_with_s_server(
    setup: &Setup,
    version: ProtocolVersion,
    recorder: &Arc<Recorder>,
) -> (StreamOwned<ClientConnection, TcpStream>, OpenSsl) {
    let (server, addr) = s_server_version(
        version_flag(version),
        &[
            "-cert".into(),
            path_arg(&setup.server.cert_pem),
            "-key".into(),
            path_arg(&setup.server.key_pem),
            "-msg".into(),
        ],
    );
    let mut roots = RootStore::empty();
    roots.add(&setup.pki.ca_cert).unwrap();
    let config = ClientConfig::builder()
        .with_root_store(roots)
        .with_protocol_versions(&[version])
        .with_observer(recorder.clone())
        .build()
        .unwrap();
    let conn =
        ClientConnection::new(Arc::new(config), ServerName::try_from(NAME).unwrap()).unwrap();
    let sock = blocking(TcpStream::connect_timeout(&addr, DEADLINE).unwrap());
    (StreamOwned::new(conn, sock), server)
}

/// `openssl s_client -msg` (taking connected commands) connected to a fresh listener,
/// and our server connection for the accepted socket (used through `Stream`).
fn s_client_with_server(
    setup: &Setup,
    version: ProtocolVersion,
    recorder: &Arc<Recorder>,
) -> (ServerConnection, TcpStream, OpenSsl) {
    let (listener, addr) = listener();
    let mut all = s_client_args(addr, version_flag(version), NAME, &setup.pki.ca_pem);
    all.push("-msg".into());
    let mut client = OpenSsl::spawn(&all);
    let sock = blocking(accept(&listener, &mut client));
    let config = ServerConfig::builder()
        .with_protocol_versions(&[version])
        .with_observer(recorder.clone())
        .with_single_cert(setup.server.chain.clone(), setup.server.key.clone_key())
        .unwrap()
        .build()
        .unwrap();
    let conn = ServerConnection::new(Arc::new(config)).unwrap();
    (conn, sock, client)
}

/// Reads through `stream` (any number of `read` calls) until the plaintext holds
/// `token`. Any error, `WouldBlock` included, or an end of stream fails the test.
fn read_token(stream: &mut impl Read, token: &str, peer: &OpenSsl) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(token) {
        match stream.read(&mut buf) {
            Ok(0) => panic!(
                "end of stream before {token:?}; got {:?}\n{}",
                String::from_utf8_lossy(&got),
                peer.transcript()
            ),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!(
                "read returned {:?} ({e}) before {token:?}; got {:?}\n{}",
                e.kind(),
                String::from_utf8_lossy(&got),
                peer.transcript()
            ),
        }
    }
}

/// Writes a unique line through `stream` and waits for the peer to print it.
fn write_token(stream: &mut impl Write, peer: &OpenSsl, what: &str) {
    let line = token(what);
    stream
        .write_all(format!("{line}\n").as_bytes())
        .and_then(|()| stream.flush())
        .unwrap_or_else(|e| panic!("write: {e}\n{}", peer.transcript()));
    peer.expect(&line);
}

/// The peer types a unique line (once `wait_for` has been seen `count` times in its
/// output, if given) while we read it through `stream`.
fn peer_sends_while_we_read(
    stream: &mut impl Read,
    peer: &mut OpenSsl,
    wait_for: Option<(&str, usize)>,
    what: &str,
) {
    let line = token(what);
    let read = std::thread::scope(|scope| {
        let typist = scope.spawn(|| {
            if let Some((needle, count)) = wait_for {
                // Our reply reached the peer: only now is there more to read.
                peer.expect_count(needle, count);
            }
            peer.send_line(&line);
        });
        // Blocks in `read` from before the peer's record until the line arrives.
        let read = read_token_quiet(stream, &line);
        (read, typist.join())
    });
    match read {
        (Ok(()), Ok(())) => {}
        (Err(e), _) => panic!("{e}\n{}", peer.transcript()),
        (Ok(()), Err(panic)) => std::panic::resume_unwind(panic),
    }
}

/// [`read_token`] returning the failure as text (for use while another thread holds
/// the peer).
fn read_token_quiet(stream: &mut impl Read, token: &str) -> Result<(), String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(token) {
        match stream.read(&mut buf) {
            Ok(0) => return Err(format!("end of stream before {token:?}")),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => {
                return Err(format!(
                    "read returned {:?} ({e}) before {token:?}; got {:?}",
                    e.kind(),
                    String::from_utf8_lossy(&got)
                ));
            }
        }
    }
    Ok(())
}

/// The TLS error inside an `io::Error` from the adapters.
fn tls_error(e: &io::Error) -> Option<&Error> {
    e.get_ref()?.downcast_ref::<Error>()
}

// --- TLS 1.3 KeyUpdate ---------------------------------------------------------------

#[test]
fn stream_owned_client_reads_through_s_server_key_updates() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup();
    let recorder = Recorder::new();
    let (mut stream, mut server) =
        client_with_s_server(&setup, ProtocolVersion::TLSv1_3, &recorder);

    // Data both ways before (the first write runs the handshake).
    write_token(&mut stream, &server, "before-up");
    let down = token("before-down");
    server.send_line(&down);
    read_token(&mut stream, &down, &server);

    // "K": s_server updates its keys and asks for ours. Our `read` gets the
    // KeyUpdate alone, must send our KeyUpdate and go on reading.
    server.command("K", KU_SENT, 1);
    peer_sends_while_we_read(&mut stream, &mut server, Some((KU_RECEIVED, 1)), "after-K");
    server.expect(&format!("{KU_SENT}\n    18 00 00 01 01"));
    server.expect(&format!("{KU_RECEIVED}\n    18 00 00 01 00"));
    write_token(&mut stream, &server, "after-K-up");

    // "k": an update without a request; nothing for us to send.
    server.command("k", KU_SENT, 2);
    peer_sends_while_we_read(&mut stream, &mut server, None, "after-k");
    write_token(&mut stream, &server, "after-k-up");

    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: false }), 2);
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 1);
    server.expect_count(KU_RECEIVED, 1);
    assert!(stream.conn.error().is_none());
}

#[test]
fn stream_server_reads_through_s_client_key_updates() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup();
    let recorder = Recorder::new();
    let (mut conn, mut sock, mut client) =
        s_client_with_server(&setup, ProtocolVersion::TLSv1_3, &recorder);
    let mut stream = Stream::new(&mut conn, &mut sock);

    // Data both ways before (the first read runs the handshake; s_client sends its
    // line once connected).
    let up = token("before-up");
    client.send_line(&up);
    read_token(&mut stream, &up, &client);
    write_token(&mut stream, &client, "before-down");

    // "K": s_client updates its keys and asks for ours (it prints KEYUPDATE).
    client.command("K", "KEYUPDATE", 1);
    peer_sends_while_we_read(&mut stream, &mut client, Some((KU_RECEIVED, 1)), "after-K");
    client.expect(&format!("{KU_SENT}\n    18 00 00 01 01"));
    client.expect(&format!("{KU_RECEIVED}\n    18 00 00 01 00"));
    write_token(&mut stream, &client, "after-K-down");

    // "k": an update without a request.
    client.command("k", "KEYUPDATE", 2);
    peer_sends_while_we_read(&mut stream, &mut client, None, "after-k");
    write_token(&mut stream, &client, "after-k-down");

    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: false }), 2);
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 1);
    client.expect_count(KU_RECEIVED, 1);
    assert!(stream.conn.error().is_none());
}

// --- TLS 1.2 renegotiation, refused ----------------------------------------------------

/// After we refused a renegotiation with a no_renegotiation warning, OpenSSL (which
/// asked for it) ends the connection with a fatal handshake_failure alert: `read`
/// must report that as an error (not `WouldBlock`), and so must a later `write`.
fn assert_refused_then_closed(
    stream: &mut (impl Read + Write),
    peer: &OpenSsl,
    recorder: &Recorder,
) {
    let mut buf = [0u8; 4096];
    let e = match stream.read(&mut buf) {
        Err(e) => e,
        Ok(n) => panic!(
            "read returned Ok({n}) {:?}, expected the peer's handshake_failure\n{}",
            String::from_utf8_lossy(&buf[..n]),
            peer.transcript()
        ),
    };
    assert_ne!(
        e.kind(),
        io::ErrorKind::WouldBlock,
        "a blocking read ended in WouldBlock after our no_renegotiation: {e}\n{}",
        peer.transcript()
    );
    assert_eq!(
        e.kind(),
        io::ErrorKind::InvalidData,
        "{e}\n{}",
        peer.transcript()
    );
    assert_eq!(
        tls_error(&e),
        Some(&Error::AlertReceived(AlertDescription::HandshakeFailure)),
        "{e}"
    );
    assert_eq!(
        recorder.count(&Seen::AlertSent(AlertDescription::NoRenegotiation)),
        1,
        "{:?}",
        recorder.seen()
    );
    peer.expect("no renegotiation");

    // The connection is over: writing fails too, with an error, not WouldBlock.
    let e = stream
        .write_all(b"too late\n")
        .and_then(|()| stream.flush())
        .expect_err("write after a fatal alert");
    assert_ne!(e.kind(), io::ErrorKind::WouldBlock, "{e}");
}

#[test]
fn stream_owned_client_refuses_s_server_hello_request() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup();
    let recorder = Recorder::new();
    let (mut stream, mut server) =
        client_with_s_server(&setup, ProtocolVersion::TLSv1_2, &recorder);
    write_token(&mut stream, &server, "before-up");
    let down = token("before-down");
    server.send_line(&down);
    read_token(&mut stream, &down, &server);

    // "r": s_server sends a HelloRequest (RFC 5246 7.4.1.1); we answer with a
    // no_renegotiation warning (RFC 5746 4.2).
    server.command("r", "HelloRequest", 1);
    assert_refused_then_closed(&mut stream, &server, &recorder);
    assert_eq!(
        stream.conn.error(),
        Some(&Error::AlertReceived(AlertDescription::HandshakeFailure))
    );
}

#[test]
fn stream_server_refuses_s_client_renegotiation() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup();
    let recorder = Recorder::new();
    let (mut conn, mut sock, mut client) =
        s_client_with_server(&setup, ProtocolVersion::TLSv1_2, &recorder);
    let mut stream = Stream::new(&mut conn, &mut sock);
    let up = token("before-up");
    client.send_line(&up);
    read_token(&mut stream, &up, &client);
    write_token(&mut stream, &client, "before-down");

    // "R": s_client sends a new ClientHello on the established connection; we answer
    // with a no_renegotiation warning (RFC 5746 4.4).
    client.command("R", "RENEGOTIATING", 1);
    assert_refused_then_closed(&mut stream, &client, &recorder);
    assert_eq!(
        conn.error(),
        Some(&Error::AlertReceived(AlertDescription::HandshakeFailure))
    );
}
