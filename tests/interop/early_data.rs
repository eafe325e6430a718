//! 0-RTT early data against the real `openssl` tool: `s_client -early_data` with our
//! server, and our client with `s_server -early_data`.
use crate::common;

use std::process::Command;
use std::sync::Arc;

use common::peers::{
    Identity, KeyKind, Ours, Peer, TempDir, accept, connect_when_listening, free_port, listen,
    require_peer,
};
use common::pki::{NOV_2026, at};
use handclasp::conn::EarlyDataStatus;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

#[test]
fn s_client_early_data_is_accepted_by_our_server() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("early-server");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let config = Arc::new(
        ServerConfig::builder()
            .with_protocol_versions(&[ProtocolVersion::TLSv1_3])
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_max_early_data_size(4096)
            .with_single_cert(id.chain.clone(), id.key.clone_key())
            .unwrap()
            .build()
            .unwrap(),
    );
    let session = dir.write("session.pem", b"");
    std::fs::remove_file(&session).unwrap();
    let early = dir.write("early.txt", b"x-early-request\n");

    for attempt in 0..2 {
        let (listener, port) = listen();
        let mut cmd = Command::new("openssl");
        cmd.args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-tls1_3",
            "-servername",
            "localhost",
            "-ign_eof",
        ])
        .arg("-CAfile")
        .arg(&id.ca_pem);
        if attempt == 0 {
            cmd.arg("-sess_out").arg(&session);
        } else {
            cmd.arg("-sess_in")
                .arg(&session)
                .arg("-early_data")
                .arg(&early);
        }
        let mut client = Peer::spawn(cmd);
        let sock = accept(&listener, &mut client);
        let mut ours = Ours::new(ServerConnection::new(config.clone()).unwrap(), sock);
        ours.handshake()
            .unwrap_or_else(|e| panic!("#{attempt}: {e:?}\n{}", client.text()));
        if attempt == 0 {
            // Let the tickets reach s_client before it saves the session.
            client.wait_for("Verify return code");
            client.write(b"x-first\n");
            ours.receive_until(b"x-first")
                .unwrap_or_else(|e| panic!("{e:?}\n{}", client.text()));
        } else {
            assert_eq!(
                ours.conn.early_data_status(),
                EarlyDataStatus::Accepted,
                "{}",
                client.text()
            );
            assert_eq!(ours.conn.received_early_data(), b"x-early-request\n".len());
            // The early data arrived with the handshake: it is already decrypted.
            let mut buf = [0u8; 64];
            let n = ours.conn.read_plaintext(&mut buf);
            assert_eq!(&buf[..n], b"x-early-request\n");
            client.wait_for("Early data was accepted");
            assert!(ours.conn.is_resumed());
        }
        ours.send(b"x-bye\n");
        client.wait_for("x-bye");
        ours.close();
        let _ = client.wait_exit();
    }
}

#[test]
fn our_client_early_data_is_accepted_by_s_server() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("early-client");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let port = free_port();
    let mut server = Peer::spawn({
        let mut cmd = Command::new("openssl");
        cmd.args([
            "s_server",
            "-accept",
            &port.to_string(),
            "-tls1_3",
            "-early_data",
        ])
        .arg("-cert")
        .arg(&id.cert_pem)
        .arg("-key")
        .arg(&id.key_pem);
        cmd
    });
    let config = Arc::new(
        ClientConfig::builder()
            .with_root_store(id.roots.clone())
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_early_data(true)
            .build()
            .unwrap(),
    );
    for attempt in 0..2 {
        let sock = connect_when_listening(port, &mut server);
        let mut conn =
            ClientConnection::new(config.clone(), ServerName::try_from("localhost").unwrap())
                .unwrap();
        let token = format!("x-early-{attempt}\n");
        if attempt == 1 {
            assert_eq!(conn.early_data_status(), EarlyDataStatus::Offered);
            assert_eq!(
                conn.write_early_data(token.as_bytes()).unwrap(),
                token.len()
            );
        }
        let mut ours = Ours::new(conn, sock);
        ours.handshake()
            .unwrap_or_else(|e| panic!("#{attempt}: {e:?}\n{}", server.text()));
        if attempt == 0 {
            ours.send(token.as_bytes());
            server.wait_for(&token);
            // s_server sends its tickets right after the handshake; read them.
            server.write(b"x-ack-0\n");
            ours.receive_until(b"x-ack-0").unwrap();
        } else {
            assert_eq!(
                ours.conn.early_data_status(),
                EarlyDataStatus::Accepted,
                "{}",
                server.text()
            );
            assert!(ours.conn.is_resumed());
            server.wait_for(&token);
            // s_server prints this header through a buffered BIO but the data itself
            // with a raw write, so the header can reach the pipe after the data.
            server.wait_for("Early data received");
        }
        ours.close();
    }
}
