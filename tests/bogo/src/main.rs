//! The BoGo shim: handclasp driven by BoringSSL's TLS test runner.
//!
//! The runner starts this binary once per test with `bssl_shim`-style flags, listens
//! on a port, and waits for the shim to connect (and identify itself with its shim
//! id). The shim then runs 1 + `-resume-count` connections, each a handshake followed
//! by an echo of every byte received, XORed with 0xff, until the peer closes. The
//! exit status and stderr tell the runner what happened: 0 for success, 1 with an
//! error report (see `report.rs`) for failure, 89 for a flag the shim does not
//! implement. See README.md for running the suite.

mod flags;
mod report;
mod verify;

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::exit;
use std::sync::Arc;

use handclasp::crypto::CryptoProvider;
use handclasp::enums::{NamedGroup, ProtocolVersion};
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use handclasp::resumption::{
    ClientSessionMemoryCache, ClientSessionStore, ProducesTickets, ServerSessionMemoryCache,
    StoresServerSessions, TicketKeys,
};
use handclasp::{
    ClientConfig, ClientConnection, Connection, Error, ServerConfig, ServerConnection,
};

use flags::{FlagError, Options, UNIMPLEMENTED, Which};

/// Why a test run failed.
enum Failure {
    /// The library reported an error.
    Tls(Error),
    /// The shim's own check or I/O failed.
    Shim(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Tls(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Shim(format!("I/O: {e}"))
    }
}

/// State shared by all of a test's connections, so that resumption can work.
struct Shared {
    client_sessions: Arc<dyn ClientSessionStore>,
    server_sessions: Arc<dyn StoresServerSessions>,
    ticketer: Option<Arc<dyn ProducesTickets>>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-is-handshaker-supported") {
        println!("No");
        return;
    }
    // Every connection's options are checked up front: an unknown flag anywhere is
    // "unimplemented" before any byte is exchanged.
    let initial = match flags::parse(&args, Which::Initial) {
        Ok(o) => o,
        Err(FlagError::Unimplemented(flag)) => {
            eprintln!("unimplemented flag: {flag}");
            note_unimplemented(&args);
            exit(UNIMPLEMENTED);
        }
        Err(FlagError::BadValue(why)) => {
            eprint!("{}", report::shim_error(&why));
            exit(1);
        }
    };
    let resumed = match flags::parse(&args, Which::Resumed) {
        Ok(o) => o,
        Err(_) => unreachable!("the same flags parsed for the initial connection"),
    };
    if let Some(flag) = unsupported_setting(&initial).or_else(|| unsupported_setting(&resumed)) {
        // Settings handclasp cannot express are unimplemented, not failures.
        eprintln!("unimplemented setting: {flag}");
        exit(UNIMPLEMENTED);
    }

    let provider = base_provider();
    let shared = Shared {
        client_sessions: Arc::new(ClientSessionMemoryCache::new(32, 8)),
        server_sessions: Arc::new(ServerSessionMemoryCache::new(256)),
        ticketer: TicketKeys::new(&provider, 3600, 1)
            .ok()
            .map(|t| Arc::new(t) as Arc<dyn ProducesTickets>),
    };

    for i in 0..=initial.resume_count {
        let opts = if i == 0 { &initial } else { &resumed };
        if let Err(failure) = run_connection(opts, &shared, i > 0) {
            if let Failure::Tls(Error::InvalidPrivateKey(why)) = &failure {
                // A credential of a key type handclasp does not implement.
                eprintln!("unimplemented key type: {why}");
                exit(UNIMPLEMENTED);
            }
            match failure {
                Failure::Tls(e) => eprint!("{}", report::library_error(&e)),
                Failure::Shim(s) => eprint!("{}", report::shim_error(&s)),
            }
            exit(1);
        }
    }
}

/// With `BOGO_UNIMPLEMENTED_LOG=FILE`, appends the unknown flags of this command line
/// as one line to FILE (`summarize.py --flags FILE` ranks them).
fn note_unimplemented(args: &[String]) {
    if let Some(path) = std::env::var_os("BOGO_UNIMPLEMENTED_LOG") {
        let line = flags::unknown_flags(args).join(" ") + "\n";
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// Settings the flags can express but handclasp (deliberately) cannot do, reported
/// as unimplemented so the runner does not count them as failures.
fn unsupported_setting(o: &Options) -> Option<String> {
    const TLS12: u16 = 0x0303;
    if let Some(v) = o.max_version {
        if v < TLS12 {
            return Some(format!("-max-version {v:#06x} (below TLS 1.2)"));
        }
    }
    // -curves naming only groups the provider lacks (P-521, FFDHE, ...).
    if !o.curves.is_empty() {
        let provider = base_provider();
        if !o
            .curves
            .iter()
            .any(|id| provider.find_kx_group(NamedGroup::from(*id)).is_some())
        {
            return Some(format!("-curves {:?} (no group we implement)", o.curves));
        }
    }
    None
}

fn base_provider() -> CryptoProvider {
    handclasp::crypto::ring::default_provider()
}

fn provider_for(o: &Options) -> Result<Arc<CryptoProvider>, Failure> {
    let mut provider = base_provider();
    if !o.curves.is_empty() {
        let mut groups = Vec::new();
        for id in &o.curves {
            // A group we lack is skipped, as BoringSSL skips unknown curve ids.
            if let Some(g) = provider.find_kx_group(NamedGroup::from(*id)) {
                groups.push(g);
            }
        }
        provider.kx_groups = groups;
    }
    Ok(Arc::new(provider))
}

fn versions_for(o: &Options) -> Vec<ProtocolVersion> {
    let min = o.min_version.unwrap_or(0);
    let max = o.max_version.unwrap_or(u16::MAX);
    [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]
        .into_iter()
        .filter(|v| (min..=max).contains(&u16::from(*v)))
        .collect()
}

fn load_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, Failure> {
    CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| Failure::Shim(format!("reading {path}: {e}")))
}

fn load_key(path: &str) -> Result<PrivateKeyDer<'static>, Failure> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| Failure::Shim(format!("reading {path}: {e}")))
}

fn connect(o: &Options) -> Result<TcpStream, Failure> {
    let addr = if o.ipv6 {
        SocketAddr::from((Ipv6Addr::LOCALHOST, o.port))
    } else {
        SocketAddr::from((Ipv4Addr::LOCALHOST, o.port))
    };
    let mut sock = TcpStream::connect(addr)?;
    sock.set_nodelay(true)?;
    // The runner tells its shims apart by this id, sent first, little-endian.
    sock.write_all(&o.shim_id.to_le_bytes())?;
    Ok(sock)
}

fn run_connection(o: &Options, shared: &Shared, resuming: bool) -> Result<(), Failure> {
    let provider = provider_for(o)?;
    let versions = versions_for(o);
    if o.server {
        let (Some(cert), Some(key)) = (&o.cert_file, &o.key_file) else {
            return Err(Failure::Shim(
                "a server needs -cert-file and -key-file".into(),
            ));
        };
        let mut b = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .with_single_cert(load_certs(cert)?, load_key(key)?)?
            .with_session_store(Some(shared.server_sessions.clone()))
            .with_ticketer(shared.ticketer.clone());
        if let Some(p) = &o.select_alpn {
            b = b.with_alpn_protocols(vec![p.clone()]);
        }
        if o.require_any_client_certificate || o.verify_peer {
            b = b.with_client_cert_verifier(Arc::new(verify::AnyClientChain::new(
                &provider,
                o.require_any_client_certificate,
            )));
        }
        let config = Arc::new(b.build()?);
        let mut sock = connect(o)?;
        let mut conn = ServerConnection::new(config)?;
        handshake(&mut conn, &mut sock)?;
        if let Some(want) = &o.expect_server_name {
            let got = conn.server_name().map(str::to_string);
            if got.as_deref() != Some(want.as_str()) {
                return Err(Failure::Shim(format!(
                    "server name: got {got:?}, want {want:?}"
                )));
            }
        }
        exchange(&mut conn, &mut sock, o, resuming)
    } else {
        let mut b = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .with_verifier(Arc::new(verify::AnyServerChain::new(&provider)))
            .with_session_store(Some(shared.client_sessions.clone()));
        if let Some(list) = &o.advertise_alpn {
            b = b.with_alpn_protocols(list.clone());
        }
        if let (Some(cert), Some(key)) = (&o.cert_file, &o.key_file) {
            b = b.with_client_auth_cert(load_certs(cert)?, load_key(key)?)?;
        }
        if !o.curves.is_empty() {
            b = b.with_key_shares(1);
        }
        let config = Arc::new(b.build()?);
        // Without -host-name, BoringSSL's shim sends no SNI; an IP address as the
        // name does the same here (RFC 6066 3: no literal addresses in SNI).
        let name = match &o.host_name {
            Some(h) => ServerName::try_from(h.clone())
                .map_err(|e| Failure::Shim(format!("-host-name {h:?}: {e}")))?,
            None => ServerName::from(std::net::IpAddr::from(Ipv4Addr::LOCALHOST)),
        };
        let mut sock = connect(o)?;
        let mut conn = ClientConnection::new(config, name)?;
        handshake(&mut conn, &mut sock)?;
        exchange(&mut conn, &mut sock, o, resuming)
    }
}

/// Writes everything pending. A peer that already closed its end is not an error
/// here: what it sent before closing decides the test.
fn flush(conn: &mut Connection, sock: &mut TcpStream) -> Result<(), Failure> {
    while conn.wants_write() {
        conn.write_tls(sock)?;
    }
    Ok(())
}

/// Reads once from the socket and processes what came. On a library error, the
/// alert it queued is sent before the error is returned.
fn read_some(conn: &mut Connection, sock: &mut TcpStream) -> Result<usize, Failure> {
    let n = match conn.read_tls(sock) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
            conn.note_peer_eof();
            0
        }
        Err(e) => return Err(e.into()),
    };
    match conn.process_new_packets() {
        Ok(_) => Ok(n),
        Err(e) => {
            let _ = flush(conn, sock);
            linger(sock);
            Err(e.into())
        }
    }
}

/// After a fatal alert: closes our sending side and drains what the peer still sends,
/// so that closing the socket does not reset the connection before the peer has read
/// the alert (a reset would replace the alert with "broken pipe" on its side).
fn linger(sock: &mut TcpStream) {
    let _ = sock.shutdown(std::net::Shutdown::Write);
    let _ = sock.set_read_timeout(Some(std::time::Duration::from_secs(2)));
    let mut buf = [0u8; 4096];
    while let Ok(n) = sock.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

fn handshake(conn: &mut Connection, sock: &mut TcpStream) -> Result<(), Failure> {
    while conn.is_handshaking() {
        flush(conn, sock)?;
        if !conn.is_handshaking() {
            break;
        }
        if read_some(conn, sock)? == 0 && conn.is_handshaking() {
            return Err(Failure::Shim("the peer closed during the handshake".into()));
        }
    }
    flush(conn, sock)
}

fn check_after_handshake(conn: &Connection, o: &Options, resuming: bool) -> Result<(), Failure> {
    let fail = |s: String| Err(Failure::Shim(s));
    if let Some(want) = o.expect_version {
        let got = conn.protocol_version().map(u16::from);
        if got != Some(want) {
            return fail(format!("version: got {got:?}, want {want:#06x}"));
        }
    }
    if let Some(want) = &o.expect_alpn {
        if conn.alpn_protocol() != Some(want.as_slice()) {
            return fail(format!(
                "ALPN: got {:?}, want {:?}",
                conn.alpn_protocol().map(String::from_utf8_lossy),
                String::from_utf8_lossy(want)
            ));
        }
    }
    if o.expect_no_alpn && conn.alpn_protocol().is_some() {
        return fail("ALPN: negotiated one, want none".into());
    }
    if let Some(want) = o.expect_curve_id {
        let got = conn.negotiated_group().map(u16::from);
        if got != Some(want) {
            return fail(format!("group: got {got:?}, want {want}"));
        }
    }
    if resuming {
        if o.expect_session_miss && conn.is_resumed() {
            return fail("resumed, but -expect-session-miss".into());
        }
        if !o.expect_session_miss && !conn.is_resumed() {
            return fail("did not resume".into());
        }
    } else if conn.is_resumed() {
        return fail("the initial connection claims to be resumed".into());
    }
    Ok(())
}

fn exchange(
    conn: &mut Connection,
    sock: &mut TcpStream,
    o: &Options,
    resuming: bool,
) -> Result<(), Failure> {
    check_after_handshake(conn, o, resuming)?;
    if o.export_keying_material > 0 {
        let mut out = vec![0u8; o.export_keying_material];
        let context = o.use_export_context.then_some(o.export_context.as_slice());
        conn.export_keying_material(&mut out, &o.export_label, context)?;
        conn.write_plaintext(&out)?;
    }
    if o.key_update {
        conn.refresh_traffic_keys(false)?;
    }
    if o.shim_writes_first {
        conn.write_plaintext(b"hello")?;
    }
    if o.shim_shuts_down {
        conn.send_close_notify();
    }
    flush(conn, sock)?;

    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = conn.read_plaintext(&mut buf);
        if n > 0 {
            let reply: Vec<u8> = buf[..n].iter().map(|b| b ^ 0xff).collect();
            if !o.shim_shuts_down {
                conn.write_plaintext(&reply)?;
            }
            flush(conn, sock)?;
            continue;
        }
        if conn.peer_has_closed() {
            if !o.shim_shuts_down {
                // Answer the peer's close_notify with ours (RFC 8446 6.1).
                conn.send_close_notify();
                let _ = flush(conn, sock);
            }
            return Ok(());
        }
        if read_some(conn, sock)? == 0 {
            if o.check_close_notify && !conn.peer_has_closed() {
                return Err(Failure::Shim(
                    "the peer closed the connection without close_notify".into(),
                ));
            }
            if conn.peer_has_closed() {
                continue;
            }
            return Ok(());
        }
    }
}
