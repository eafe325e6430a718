//! Session resumption against the real `openssl` tool, TLS 1.3 and TLS 1.2: our
//! client resumes with `s_server`, and `s_client -sess_out/-sess_in` resumes with our
//! server (stateless tickets and the stateful session store).
use crate::common;

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;

use common::peers::{
    Identity, KeyKind, Ours, Peer, TempDir, accept, connect_when_listening, free_port, listen,
    require_peer,
};
use common::pki::{NOV_2026, at};
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

const VERSIONS: [(ProtocolVersion, &str); 2] = [
    (ProtocolVersion::TLSv1_3, "-tls1_3"),
    (ProtocolVersion::TLSv1_2, "-tls1_2"),
];

#[test]
fn our_client_resumes_with_s_server() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("resume-client");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    for (version, flag) in VERSIONS {
        let port = free_port();
        let mut server = Peer::spawn({
            let mut cmd = Command::new("openssl");
            cmd.args(["s_server", "-accept", &port.to_string(), flag, "-www"])
                .arg("-cert")
                .arg(&id.cert_pem)
                .arg("-key")
                .arg(&id.key_pem);
            cmd
        });
        let config = Arc::new(
            ClientConfig::builder()
                .with_root_store(id.roots.clone())
                .with_protocol_versions(&[version])
                .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
                .build()
                .unwrap(),
        );
        for attempt in 0..3 {
            let sock = connect_when_listening(port, &mut server);
            let conn =
                ClientConnection::new(config.clone(), ServerName::try_from("localhost").unwrap())
                    .unwrap();
            let mut ours = Ours::new(conn, sock);
            ours.handshake()
                .unwrap_or_else(|e| panic!("{version:?} #{attempt}: {e:?}\n{}", server.text()));
            ours.send(b"GET / HTTP/1.0\r\n\r\n");
            ours.receive_until(b"</HTML>")
                .unwrap_or_else(|e| panic!("{e:?}\n{}", server.text()));
            let page = String::from_utf8_lossy(&ours.received).into_owned();
            let resumed = attempt > 0;
            assert_eq!(ours.conn.is_resumed(), resumed, "{version:?} #{attempt}");
            // s_server's page starts its session summary with "New," or "Reused,".
            let expected = if resumed { "Reused, " } else { "New, " };
            assert!(page.contains(expected), "{version:?} #{attempt}: {page}");
            assert_eq!(ours.conn.protocol_version(), Some(version));
        }
    }
}

/// Serves one connection on `listener` (in the calling thread, while `client` runs),
/// answering one request with a line that says whether the session was resumed.
fn serve_one(listener: &TcpListener, config: Arc<ServerConfig>, client: &mut Peer) -> bool {
    let sock = accept(listener, client);
    let mut ours = Ours::new(ServerConnection::new(config).unwrap(), sock);
    ours.handshake()
        .unwrap_or_else(|e| panic!("{e:?}\n{}", client.text()));
    // s_client may drop input typed before its handshake is over: send the request
    // once it has printed its session summary.
    client.wait_for("Verify return code");
    client.write(b"GET / HTTP/1.0\r\n\r\n");
    ours.receive_until(b"\r\n\r\n")
        .unwrap_or_else(|e| panic!("{e:?}\n{}", client.text()));
    let resumed = ours.conn.is_resumed();
    ours.send(format!("HTTP/1.0 200 OK\r\n\r\nresumed={resumed}\n").as_bytes());
    ours.close();
    resumed
}

#[test]
fn s_client_resumes_with_our_server() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("resume-server");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    for stateless in [true, false] {
        for (version, flag) in VERSIONS {
            let mut builder = ServerConfig::builder()
                .with_protocol_versions(&[version])
                .with_time_provider(Arc::new(FixedTime(at(NOV_2026))));
            if !stateless {
                builder = builder.with_ticketer(None);
            }
            let config = Arc::new(
                builder
                    .with_single_cert(id.chain.clone(), id.key.clone_key())
                    .unwrap()
                    .build()
                    .unwrap(),
            );
            let session = dir.write(&format!("session-{stateless}-{flag}.pem"), b"");
            std::fs::remove_file(&session).unwrap();
            let mut flags = Vec::new();
            for (attempt, sess_arg) in ["-sess_out", "-sess_in", "-sess_in"]
                .into_iter()
                .enumerate()
            {
                let (listener, port) = listen();
                let mut client = Peer::spawn({
                    let mut cmd = Command::new("openssl");
                    cmd.args([
                        "s_client",
                        "-connect",
                        &format!("127.0.0.1:{port}"),
                        flag,
                        "-servername",
                        "localhost",
                        "-ign_eof",
                    ])
                    .arg("-CAfile")
                    .arg(&id.ca_pem)
                    .arg(sess_arg)
                    .arg(&session);
                    cmd
                });
                let ctx = format!("stateless={stateless} {version:?} #{attempt}");
                flags.push(serve_one(&listener, config.clone(), &mut client));
                client.wait_for("resumed=");
                let _ = client.wait_exit();
                let output = client.text();
                // s_client offers the saved session twice. A stateful server's TLS 1.3
                // tickets are single use (RFC 8446 8.1), so the second offer of the same
                // ticket gets a full handshake; everything else resumes.
                let single_use = !stateless && version == ProtocolVersion::TLSv1_3;
                let resumed = attempt == 1 || (attempt == 2 && !single_use);
                let expected = if resumed { "Reused, " } else { "New, " };
                assert!(
                    output.contains(expected),
                    "{ctx}: s_client printed:\n{output}"
                );
                assert_eq!(flags.last(), Some(&resumed), "{ctx}");
            }
        }
    }
}
