//! The tokio adapter against real peers over loopback TCP: our client against
//! `openssl s_server`, our server against `openssl s_client` and `gnutls-cli`, TLS 1.3
//! and TLS 1.2, with data both ways and the close handshake at the end.

use std::process::Command;
use std::sync::Arc;

use handclasp::enums::ProtocolVersion;
use handclasp::tokio::{TlsAcceptor, TlsConnector};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ServerConfig};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::fixture::{NAME, name};
use crate::common::openssl::{
    self, OpenSsl, path_arg, s_client_args, s_server_version, server_setup, token, version_flag,
};
use crate::common::peers::{self, Identity, Peer, require_peer, require_peers};

/// Reads until `needle` has arrived; panics on an error or the end of the stream.
async fn read_until<R: AsyncRead + Unpin>(r: &mut R, needle: &str, peer: &dyn Fn() -> String) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains(needle) {
        match r.read(&mut buf).await {
            Ok(0) => panic!("end of stream before {needle}; peer:\n{}", peer()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read: {e}; peer:\n{}", peer()),
        }
    }
}

/// A std listener's next connection as a tokio stream.
fn to_tokio(sock: std::net::TcpStream) -> TcpStream {
    sock.set_nonblocking(true).unwrap();
    TcpStream::from_std(sock).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_with_openssl_s_server() {
    if !require_peer("openssl") {
        return;
    }
    let setup = server_setup("async-interop", NAME);
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let (mut server, addr) = s_server_version(
            version_flag(version),
            &[
                "-cert".into(),
                path_arg(&setup.server.cert_pem),
                "-key".into(),
                path_arg(&setup.server.key_pem),
            ],
        );
        let mut roots = RootStore::empty();
        roots.add(&setup.pki.ca_cert).unwrap();
        let config = ClientConfig::builder()
            .with_root_store(roots)
            .with_protocol_versions(&[version])
            .build()
            .unwrap();
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut tls = TlsConnector::from(Arc::new(config))
            .connect(name(), tcp)
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e}\n{}", server.transcript()));
        assert_eq!(tls.get_ref().1.protocol_version(), Some(version));

        let up = token("up");
        tls.write_all(format!("{up}\n").as_bytes()).await.unwrap();
        tls.flush().await.unwrap();
        tokio::task::block_in_place(|| server.expect(&up));
        let down = token("down");
        server.send_line(&down);
        read_until(&mut tls, &down, &|| server.transcript()).await;

        // Our close_notify: s_server ends the session and answers with its own.
        tls.shutdown().await.unwrap();
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest)
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e}\n{}", server.transcript()));
        assert!(tls.get_ref().1.peer_has_closed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_server_with_openssl_s_client() {
    if !require_peer("openssl") {
        return;
    }
    let setup = server_setup("async-interop", NAME);
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let (listener, addr) = openssl::listener();
        let all = s_client_args(addr, version_flag(version), NAME, &setup.pki.ca_pem);
        let mut client: OpenSsl = OpenSsl::spawn(&all);
        let sock = to_tokio(openssl::accept(&listener, &mut client));
        let config = ServerConfig::builder()
            .with_protocol_versions(&[version])
            .with_single_cert(setup.server.chain.clone(), setup.server.key.clone_key())
            .unwrap()
            .build()
            .unwrap();
        let mut tls = TlsAcceptor::from(Arc::new(config))
            .accept(sock)
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e}\n{}", client.transcript()));
        assert_eq!(tls.get_ref().1.protocol_version(), Some(version));
        assert_eq!(tls.get_ref().1.server_name(), Some(NAME));

        let down = token("down");
        tls.write_all(format!("{down}\n").as_bytes()).await.unwrap();
        tls.flush().await.unwrap();
        tokio::task::block_in_place(|| client.expect(&down));
        let up = token("up");
        client.send_line(&up);
        read_until(&mut tls, &up, &|| client.transcript()).await;

        // s_client sends close_notify when its input ends: a clean end for us.
        client.close_stdin();
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest)
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e}\n{}", client.transcript()));
        assert!(tls.get_ref().1.peer_has_closed());
        tls.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_server_with_gnutls_cli() {
    if !require_peers(&["stdbuf", "gnutls-cli"]) {
        return;
    }
    let dir = peers::TempDir::new("async-gnutls-cli");
    let id = Identity::server(&dir, peers::KeyKind::Ecdsa);
    for priority in [
        "NORMAL:-VERS-ALL:+VERS-TLS1.3",
        "NORMAL:-VERS-ALL:+VERS-TLS1.2",
    ] {
        let (listener, port) = peers::listen();
        let mut cmd = Command::new("stdbuf");
        cmd.args([
            "-oL",
            "-eL",
            "gnutls-cli",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .args(["--x509cafile", id.ca_pem.to_str().unwrap()])
        .args([
            "--verify-hostname",
            "localhost",
            "--sni-hostname",
            "localhost",
        ])
        .args(["--priority", priority]);
        let mut peer = Peer::spawn(cmd);
        let sock = to_tokio(peers::accept(&listener, &mut peer));
        let config = ServerConfig::builder()
            .with_single_cert(id.chain.clone(), id.key.clone_key())
            .unwrap()
            .build()
            .unwrap();
        let mut tls = TlsAcceptor::from(Arc::new(config))
            .accept(sock)
            .await
            .unwrap_or_else(|e| panic!("{priority}: {e}\n{}", peer.final_text()));
        tokio::task::block_in_place(|| peer.wait_for("- Handshake was completed"));
        let (to_peer, to_us) = (token("srv"), token("cli"));
        tls.write_all(format!("{to_peer}\n").as_bytes())
            .await
            .unwrap();
        tls.flush().await.unwrap();
        peer.write(format!("{to_us}\n").as_bytes());
        read_until(&mut tls, &to_us, &|| String::new()).await;
        tokio::task::block_in_place(|| peer.wait_for(&to_peer));
        // gnutls-cli sends its close_notify when its input ends: a clean end for us.
        peer.close_stdin();
        let mut rest = Vec::new();
        let end = tls.read_to_end(&mut rest).await;
        assert!(end.is_ok(), "{priority}: {end:?}\n{}", peer.final_text());
        assert!(tls.get_ref().1.peer_has_closed());
        tls.shutdown().await.unwrap();
    }
}

/// What openssl's `-msg` prints for a KeyUpdate it received / sent.
const KU_RECEIVED: &str = "<<< TLS 1.3, Handshake [length 0005], KeyUpdate";
const KU_SENT: &str = ">>> TLS 1.3, Handshake [length 0005], KeyUpdate";

/// Records that make us write but carry no plaintext, through the async read path:
/// a TLS 1.3 KeyUpdate asking for ours (answered, and reading goes on), a TLS 1.2
/// HelloRequest (refused with no_renegotiation; OpenSSL then ends the connection with
/// a fatal handshake_failure, which the read reports).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_answers_s_server_key_update_and_refuses_renegotiation() {
    if !require_peer("openssl") {
        return;
    }
    let setup = server_setup("async-interop-ku", NAME);
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
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
            .build()
            .unwrap();
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut tls = TlsConnector::from(Arc::new(config))
            .connect(name(), tcp)
            .await
            .unwrap();
        let up = token("up");
        tls.write_all(format!("{up}\n").as_bytes()).await.unwrap();
        tls.flush().await.unwrap();
        let (command, ack) = match version {
            // "K": s_server updates its keys and asks for ours.
            ProtocolVersion::TLSv1_3 => ("K", KU_SENT),
            // "r": s_server sends a HelloRequest (RFC 5246 7.4.1.1).
            _ => ("r", "HelloRequest"),
        };
        let after = token("after");
        let line = after.clone();
        // The peer acts while we wait in `read`; its line follows only once our
        // KeyUpdate reached it.
        let typist = tokio::task::spawn_blocking(move || {
            let mut server = server;
            server.expect(&up);
            server.command(command, ack, 1);
            if command == "K" {
                server.expect_count(KU_RECEIVED, 1);
                server.send_line(&line);
            }
            server
        });
        match version {
            ProtocolVersion::TLSv1_3 => {
                let read = read_until(&mut tls, &after, &String::new);
                // Bounded: without our KeyUpdate the peer never sends the line.
                if tokio::time::timeout(openssl::DEADLINE, read).await.is_err() {
                    let server = typist.await;
                    panic!("no line after K: {:?}", server.map(|s| s.transcript()));
                }
                let server = typist.await.unwrap();
                // Ours: update_not_requested (RFC 8446 4.6.3).
                server.expect(&format!("{KU_RECEIVED}\n    18 00 00 01 00"));
            }
            _ => {
                let mut buf = [0u8; 1024];
                let e = loop {
                    match tls.read(&mut buf).await {
                        Ok(0) => panic!("end of stream, expected handshake_failure"),
                        Ok(_) => {}
                        Err(e) => break e,
                    }
                };
                let server = typist.await.unwrap();
                assert_eq!(
                    super::fixture::tls_error(&e),
                    Some(&handclasp::Error::AlertReceived(
                        handclasp::enums::AlertDescription::HandshakeFailure
                    )),
                    "{e}\n{}",
                    server.transcript()
                );
                server.expect("no renegotiation");
            }
        }
    }
}

/// Our tokio client against `gnutls-serv --echo` (in a loopback-only network
/// namespace: it binds every interface), TLS 1.3 and TLS 1.2: a line echoed back,
/// then our close_notify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_with_gnutls_serv() {
    if !require_peers(&["stdbuf", "gnutls-serv"]) || !peers::run_in_loopback_only_netns() {
        return;
    }
    let dir = peers::TempDir::new("async-gnutls-serv");
    let id = Identity::server(&dir, peers::KeyKind::Ecdsa);
    for (priority, version) in [
        ("NORMAL:-VERS-ALL:+VERS-TLS1.3", ProtocolVersion::TLSv1_3),
        ("NORMAL:-VERS-ALL:+VERS-TLS1.2", ProtocolVersion::TLSv1_2),
    ] {
        let (sock, mut peer) =
            tokio::task::block_in_place(|| peers::gnutls_serv(&id, &["--priority", priority]));
        let config = ClientConfig::builder()
            .with_root_store(id.roots.clone())
            .build()
            .unwrap();
        let name = handclasp::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = TlsConnector::from(Arc::new(config))
            .connect(name, to_tokio(sock))
            .await
            .unwrap_or_else(|e| panic!("{priority}: {e}\n{}", peer.final_text()));
        assert_eq!(tls.get_ref().1.protocol_version(), Some(version));
        let line = token("echo");
        tls.write_all(format!("{line}\n").as_bytes()).await.unwrap();
        tls.flush().await.unwrap();
        read_until(&mut tls, &line, &String::new).await;
        tls.shutdown().await.unwrap();
    }
}
