//! The `client` and `server` targets: bytes from a made-up peer fed to one of our
//! connections, in chunks the input chooses, with the insecure test provider
//! (`handclasp::testing::fuzzing_provider`) so that made-up bytes get past record
//! protection, Finished, binders and signatures and reach the deep states: TLS 1.3 and
//! 1.2 handshakes, HelloRetryRequest, client certificates, resumption (tickets the
//! fuzzer can read and rewrite, and session ids), 0-RTT, KeyUpdate, close_notify.
//!
//! Invariants checked: no panic; an error is final (the next call fails the same way
//! and no more plaintext comes out); received plaintext stays within its limit.

use std::sync::{Arc, Mutex, OnceLock};

use handclasp::Limits;
use handclasp::client::ClientConfigBuilder;
use handclasp::enums::ProtocolVersion;
use handclasp::events::Side;
use handclasp::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime,
};
use handclasp::resumption::{
    ClientSessionStore, MemoryAntiReplay, ServerSessionMemoryCache, Tls12ClientSession,
    Tls13ClientSession,
};
use handclasp::testing::{AcceptAnyClientCert, AcceptAnyServerCert, fuzzing_provider};
use handclasp::time::FixedTime;
use handclasp::{
    ClientConfig, ClientConnection, Connection, Error, ServerConfig, ServerConnection,
};

/// The name the client asks for.
pub const SERVER_NAME: &str = "fuzz.example";

/// 2030-01-01T00:00:00Z, the fixed "now" of both sides.
const NOW: u64 = 1_893_456_000;

/// Client configuration bits (the first input byte of the `client` target).
pub mod client_cfg {
    /// Bits 0-1: 0 or 3 = TLS 1.3 and 1.2, 1 = 1.3 only, 2 = 1.2 only.
    pub const VERSIONS: u8 = 0b11;
    /// Offer a session saved from an earlier handshake (ticket or session id).
    pub const RESUME: u8 = 1 << 2;
    /// Write 0-RTT data before the handshake (with RESUME and TLS 1.3).
    pub const EARLY_DATA: u8 = 1 << 3;
    /// Have a client certificate to send.
    pub const CLIENT_CERT: u8 = 1 << 4;
    /// Offer ALPN ("h2", "http/1.1").
    pub const ALPN: u8 = 1 << 5;
    /// Once established: send data, a KeyUpdate and close_notify.
    pub const AFTER: u8 = 1 << 6;
    /// Send a P-256 key share only: a server preferring X25519 answers with a
    /// HelloRetryRequest.
    pub const HRR: u8 = 1 << 7;
}

/// Server configuration bits (the first input byte of the `server` target).
pub mod server_cfg {
    /// Bits 0-1: as for the client.
    pub const VERSIONS: u8 = 0b11;
    /// Ask for a client certificate (any is accepted).
    pub const CLIENT_AUTH: u8 = 1 << 2;
    /// ... and require one.
    pub const CLIENT_AUTH_REQUIRED: u8 = 1 << 3;
    /// Stateful sessions (no ticketer) instead of stateless tickets.
    pub const STATEFUL: u8 = 1 << 4;
    /// Accept 0-RTT data (up to 1 KiB).
    pub const EARLY_DATA: u8 = 1 << 5;
    /// Use an RSA key (ECDHE_RSA suites) instead of ECDSA.
    pub const RSA_KEY: u8 = 1 << 6;
    /// Offer ALPN and HRR cookies.
    pub const ALPN: u8 = 1 << 7;
}

/// What a run reached; the seed tests check that recorded seeds go deep.
#[derive(Debug, Default)]
pub struct Reached {
    /// The handshake completed.
    pub established: bool,
    /// The session was resumed.
    pub resumed: bool,
    /// Plaintext bytes received.
    pub plaintext: usize,
    /// The error the connection failed with, if it did.
    pub error: Option<Error>,
}

/// Fuzz target `client`: input `[config][c0][c1][c2][c3]` + the server's bytes, fed in
/// chunks of sizes `c0..c3` (cycled; 0 = all the rest).
pub fn client(data: &[u8]) {
    let _ = client_run(data);
}

/// [`client`], returning what it reached.
pub fn client_run(data: &[u8]) -> Reached {
    let Some((&[cfg, c0, c1, c2, c3], stream)) = data.split_first_chunk::<5>() else {
        return Reached::default();
    };
    let after = cfg & client_cfg::AFTER != 0;
    let chunks = [c0, c1, c2, c3];
    let reached = drive(&mut new_client(cfg), stream, chunks, after, Path::Buffered);
    let in_place = drive(&mut new_client(cfg), stream, chunks, after, Path::InPlace);
    same_outcome(&reached, &in_place);
    reached
}

/// Fuzz target `server`: input `[config][c0][c1][c2][c3]` + the client's bytes.
pub fn server(data: &[u8]) {
    let _ = server_run(data);
}

/// [`server`], returning what it reached.
pub fn server_run(data: &[u8]) -> Reached {
    let Some((&[cfg, c0, c1, c2, c3], stream)) = data.split_first_chunk::<5>() else {
        return Reached::default();
    };
    let chunks = [c0, c1, c2, c3];
    // A config each: one server's 0-RTT anti-replay record must not refuse the other.
    let run = |path| {
        let mut server = ServerConnection::new(Arc::new(server_config(cfg))).unwrap();
        drive(&mut server, stream, chunks, true, path)
    };
    let reached = run(Path::Buffered);
    let in_place = run(Path::InPlace);
    same_outcome(&reached, &in_place);
    reached
}

/// The buffered and the in-place receive paths must agree on every input: the same
/// plaintext, the same handshake outcome, the same error.
fn same_outcome(buffered: &Reached, in_place: &Reached) {
    assert_eq!(
        buffered.error, in_place.error,
        "the two receive paths differ"
    );
    assert_eq!(buffered.plaintext, in_place.plaintext, "plaintext differs");
    assert_eq!(buffered.established, in_place.established);
    assert_eq!(buffered.resumed, in_place.resumed);
}

/// A client for `cfg`, with its 0-RTT data written if `cfg` asks for it.
pub fn new_client(cfg: u8) -> ClientConnection {
    let mut conn = ClientConnection::new(client_config(cfg), server_name()).unwrap();
    if cfg & client_cfg::EARLY_DATA != 0 {
        let _ = conn.write_early_data(EARLY_DATA);
    }
    conn
}

/// The 0-RTT data a client writes.
pub const EARLY_DATA: &[u8] = b"0-RTT data from the fuzz client";

fn server_name() -> ServerName<'static> {
    ServerName::try_from(SERVER_NAME).unwrap()
}

/// How received bytes reach the connection.
#[derive(Clone, Copy)]
enum Path {
    /// `read_tls_from_slice`, `process_new_packets`, `read_plaintext`.
    Buffered,
    /// Appended to our own buffer and opened there with `process_in_place`.
    InPlace,
}

/// Feeds `stream` in the given chunking through `path`, processing as it goes; stops
/// at the first error and checks that it is final.
fn drive(
    conn: &mut Connection,
    stream: &[u8],
    chunks: [u8; 4],
    after: bool,
    path: Path,
) -> Reached {
    let mut reached = Reached::default();
    let mut buf = Vec::new();
    let mut rest = stream;
    let mut did_after = false;
    let mut stalled = 0;
    for round in 0.. {
        if rest.is_empty() {
            break;
        }
        let size = match chunks[round % 4] {
            0 => rest.len(),
            n => usize::from(n).min(rest.len()),
        };
        let chunk = &rest[..size];
        let (taken, result) = match path {
            Path::Buffered => feed_buffered(conn, chunk, &mut reached),
            Path::InPlace => feed_in_place(conn, chunk, &mut buf, &mut reached),
        };
        rest = &rest[taken..];
        conn.consume_tls(conn.pending_tls().len());
        if let Err(error) = result {
            check_final(conn, &error);
            reached.error = Some(error);
            break;
        }
        if !conn.is_handshaking() {
            reached.established = true;
            reached.resumed = conn.is_resumed();
            if after && !did_after {
                did_after = true;
                let _ = conn.write_plaintext(b"application data from the fuzz side");
                let _ = conn.refresh_traffic_keys(true);
                conn.consume_tls(conn.pending_tls().len());
            }
        }
        // Nothing taken twice in a row, the plaintext read in between: the connection
        // refuses input.
        stalled = if taken == 0 { stalled + 1 } else { 0 };
        if stalled > 1 {
            break;
        }
    }
    if after && reached.error.is_none() {
        conn.send_close_notify();
        conn.consume_tls(conn.pending_tls().len());
    }
    reached
}

/// Feeds what the connection takes of `chunk`, processes it and reads the plaintext
/// out; returns how much was taken.
fn feed_buffered(
    conn: &mut Connection,
    chunk: &[u8],
    reached: &mut Reached,
) -> (usize, Result<(), Error>) {
    let taken = conn.read_tls_from_slice(chunk);
    let result = conn.process_new_packets().map(|_| ());
    reached.plaintext += drain_plaintext(conn);
    (taken, result)
}

/// Appends `chunk` to `buf` and opens every whole record there; the plaintext is
/// counted where it lies.
fn feed_in_place(
    conn: &mut Connection,
    chunk: &[u8],
    buf: &mut Vec<u8>,
    reached: &mut Reached,
) -> (usize, Result<(), Error>) {
    buf.extend_from_slice(chunk);
    loop {
        match conn.process_in_place(buf) {
            Ok(done) if done.consumed == 0 => return (chunk.len(), Ok(())),
            Ok(done) => {
                reached.plaintext += done.plaintext.len();
                let consumed = done.consumed;
                buf.drain(..consumed);
            }
            Err(error) => return (chunk.len(), Err(error)),
        }
    }
}

fn drain_plaintext(conn: &mut Connection) -> usize {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        let n = conn.read_plaintext(&mut buf);
        if n == 0 {
            return total;
        }
        total += n;
        assert!(
            total <= Limits::default().received_plaintext,
            "more plaintext buffered than the limit"
        );
    }
}

/// An error is final: later calls fail the same way and deliver nothing.
fn check_final(conn: &mut Connection, error: &Error) {
    assert_eq!(conn.error(), Some(error), "error() disagrees");
    conn.read_tls_from_slice(&[0x17, 3, 3, 0, 1, 0]);
    assert_eq!(
        conn.process_new_packets().err().as_ref(),
        Some(error),
        "error not final"
    );
    assert_eq!(
        conn.read_plaintext(&mut [0u8; 64]),
        0,
        "plaintext after an error"
    );
    assert!(!conn.wants_read(), "a failed connection wants input");
}

// ---------------------------------------------------------------------------------
// Configurations

fn versions(bits: u8) -> &'static [ProtocolVersion] {
    // The same two bits on both sides.
    const _: () = assert!(client_cfg::VERSIONS == server_cfg::VERSIONS);
    match bits & client_cfg::VERSIONS {
        1 => &[ProtocolVersion::TLSv1_3],
        2 => &[ProtocolVersion::TLSv1_2],
        _ => &[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2],
    }
}

fn alpn() -> Vec<Vec<u8>> {
    vec![b"h2".to_vec(), b"http/1.1".to_vec()]
}

/// Made-up certificate bytes: the accept-anything verifiers never parse them.
fn chain() -> Vec<CertificateDer<'static>> {
    vec![CertificateDer::from(b"handclasp fuzz certificate".to_vec())]
}

/// A made-up PKCS#8 key; the test key provider only looks for an algorithm OID in it.
fn key(rsa: bool) -> PrivateKeyDer<'static> {
    let oid: &[u8] = if rsa {
        &[
            0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
        ]
    } else {
        &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
    };
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(oid.to_vec()))
}

fn client_builder(cfg: u8) -> ClientConfigBuilder {
    let mut provider = fuzzing_provider(Side::Client);
    if cfg & client_cfg::HRR != 0 {
        provider.kx_groups.rotate_left(1);
    }
    let mut builder = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_verifier(Arc::new(AcceptAnyServerCert))
        .with_protocol_versions(versions(cfg))
        .with_time_provider(Arc::new(FixedTime(UnixTime::since_unix_epoch(
            std::time::Duration::from_secs(NOW),
        ))));
    if cfg & client_cfg::ALPN != 0 {
        builder = builder.with_alpn_protocols(alpn());
    }
    if cfg & client_cfg::CLIENT_CERT != 0 {
        builder = builder.with_client_auth_cert(chain(), key(false)).unwrap();
    }
    builder
}

/// The client configuration for `cfg` (the AFTER and EARLY_DATA bits aside, which act
/// on the connection), built once per process.
pub fn client_config(cfg: u8) -> Arc<ClientConfig> {
    use client_cfg::{ALPN, CLIENT_CERT, HRR, RESUME, VERSIONS};
    static CONFIGS: [OnceLock<Arc<ClientConfig>>; 256] = [const { OnceLock::new() }; 256];
    let cfg = cfg & (VERSIONS | RESUME | CLIENT_CERT | ALPN | HRR);
    let config = CONFIGS[usize::from(cfg)].get_or_init(|| {
        // Without RESUME no store at all: a default one would carry tickets from run to
        // run and make runs depend on each other.
        let store = (cfg & RESUME != 0).then(|| saved_sessions().store_for(cfg));
        let builder = client_builder(cfg).with_early_data(true);
        Arc::new(builder.with_session_store(store).build().unwrap())
    });
    config.clone()
}

/// A fresh server configuration for `cfg` (fresh so that no session store or replay
/// guard carries state from one run to the next).
pub fn server_config(cfg: u8) -> ServerConfig {
    let provider = Arc::new(fuzzing_provider(Side::Server));
    let mut builder = ServerConfig::builder_with_provider(provider)
        .with_single_cert(chain(), key(cfg & server_cfg::RSA_KEY != 0))
        .unwrap()
        .with_protocol_versions(versions(cfg))
        .with_time_provider(Arc::new(FixedTime(UnixTime::since_unix_epoch(
            std::time::Duration::from_secs(NOW),
        ))))
        .with_session_store(Some(Arc::new(ServerSessionMemoryCache::new(8))))
        .with_anti_replay(Some(Arc::new(MemoryAntiReplay::new(8))));
    if cfg & server_cfg::CLIENT_AUTH != 0 {
        builder = builder.with_client_cert_verifier(Arc::new(AcceptAnyClientCert {
            mandatory: cfg & server_cfg::CLIENT_AUTH_REQUIRED != 0,
        }));
    }
    if cfg & server_cfg::STATEFUL != 0 {
        builder = builder.with_ticketer(None);
    }
    if cfg & server_cfg::EARLY_DATA != 0 {
        builder = builder.with_max_early_data_size(1024);
    }
    if cfg & server_cfg::ALPN != 0 {
        builder = builder.with_alpn_protocols(alpn()).with_hrr_cookie(true);
    }
    builder.build().unwrap()
}

// ---------------------------------------------------------------------------------
// Saved sessions

/// Sessions from one real (fuzzing-provider) handshake per version, recorded once per
/// process, that a RESUME client offers in every run.
struct SavedSessions {
    tls13: Option<Tls13ClientSession>,
    tls12: Option<Tls12ClientSession>,
}

fn saved_sessions() -> &'static SavedSessions {
    static SAVED: OnceLock<SavedSessions> = OnceLock::new();
    SAVED.get_or_init(|| {
        let store = Arc::new(ReplayingStore::default());
        handshake_for_session(client_cfg::ALPN | 1, store.clone());
        handshake_for_session(2, store.clone());
        let tls13 = store.tls13.lock().unwrap().clone();
        let tls12 = store.tls12.lock().unwrap().clone();
        assert!(tls13.is_some() && tls12.is_some(), "no session to resume");
        SavedSessions { tls13, tls12 }
    })
}

impl SavedSessions {
    fn store_for(&self, cfg: u8) -> Arc<dyn ClientSessionStore> {
        let store = ReplayingStore::default();
        if cfg & 3 != 2 {
            *store.tls13.lock().unwrap() = self.tls13.clone();
        }
        if cfg & 3 != 1 {
            *store.tls12.lock().unwrap() = self.tls12.clone();
        }
        Arc::new(store)
    }
}

/// Runs a full handshake between a fuzzing client and server whose client keeps its
/// session in `store`.
fn handshake_for_session(cfg: u8, store: Arc<ReplayingStore>) {
    let client = client_builder(cfg)
        .with_early_data(true)
        .with_session_store(Some(store))
        .build()
        .unwrap();
    let server = server_config(server_cfg::EARLY_DATA | server_cfg::ALPN | (cfg & 3));
    let mut client = ClientConnection::new(Arc::new(client), server_name()).unwrap();
    let mut server = ServerConnection::new(Arc::new(server)).unwrap();
    run_pair(&mut client, &mut server).unwrap();
}

/// Moves bytes both ways until neither side has anything to send; returns the two
/// streams (client to server, server to client).
pub fn run_pair(
    client: &mut Connection,
    server: &mut Connection,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    for _ in 0..16 {
        let (c, s) = (client.pending_tls().to_vec(), server.pending_tls().to_vec());
        if c.is_empty() && s.is_empty() {
            break;
        }
        client.consume_tls(c.len());
        server.consume_tls(s.len());
        if !c.is_empty() {
            assert_eq!(server.read_tls_from_slice(&c), c.len());
            server.process_new_packets()?;
            to_server.extend_from_slice(&c);
        }
        if !s.is_empty() {
            assert_eq!(client.read_tls_from_slice(&s), s.len());
            client.process_new_packets()?;
            to_client.extend_from_slice(&s);
        }
    }
    Ok((to_server, to_client))
}

/// A client session store that keeps the first session of each kind and hands out
/// copies of it forever, so every run resumes the same way.
#[derive(Debug, Default)]
pub struct ReplayingStore {
    tls13: Mutex<Option<Tls13ClientSession>>,
    tls12: Mutex<Option<Tls12ClientSession>>,
}

impl ClientSessionStore for ReplayingStore {
    fn insert_tls13_ticket(&self, _server_name: &str, ticket: Tls13ClientSession) {
        self.tls13.lock().unwrap().get_or_insert(ticket);
    }

    fn take_tls13_ticket(&self, _server_name: &str) -> Option<Tls13ClientSession> {
        self.tls13.lock().unwrap().clone()
    }

    fn set_tls12_session(&self, _server_name: &str, session: Tls12ClientSession) {
        self.tls12.lock().unwrap().get_or_insert(session);
    }

    fn tls12_session(&self, _server_name: &str) -> Option<Tls12ClientSession> {
        self.tls12.lock().unwrap().clone()
    }

    fn remove_tls12_session(&self, _server_name: &str) {}
}
