//! The `handshake` target: a real client and a real server (real AEADs, HKDF and
//! Ed25519 signatures, a real X.509 chain checked by the default verifier; only the key
//! exchange and the randomness are fixed, for reproducible runs) talk through an
//! adversary that the fuzz input drives: it drops, duplicates, reorders, truncates,
//! splits, coalesces or bit-flips records, and makes either side write data, update
//! its keys or close.
//!
//! Invariants checked after every run (besides "no panic"):
//! - plaintext delivered to a side is always a prefix of what the other side wrote
//!   (0-RTT data included when the server accepted it): nothing is ever delivered
//!   that the peer did not send;
//! - if both sides completed the handshake and neither failed, they agree on the
//!   version, suite and keys (their exporters match) and on resumption;
//! - a failed side stays failed, and once its alert reaches a peer whose stream was
//!   not cut mid-record, that peer fails too.

use std::sync::{Arc, OnceLock};

use handclasp::conn::EarlyDataStatus;
use handclasp::enums::ProtocolVersion;
use handclasp::events::Side as Role;
use handclasp::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime,
};
use handclasp::resumption::ClientSessionStore;
use handclasp::testing::deterministic_provider;
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{
    ClientConfig, ClientConnection, Connection, Error, ServerConfig, ServerConnection,
};

use super::conns::{ReplayingStore, run_pair};

/// 2030-01-01T00:00:00Z.
const NOW: u64 = 1_893_456_000;

/// Prints what the adversary does when `HANDCLASP_FUZZ_TRACE` is set (to replay one
/// input by hand: `HANDCLASP_FUZZ_TRACE=1 target/.../handshake crash-file`).
macro_rules! trace {
    ($($arg:tt)*) => {
        if tracing() {
            eprintln!($($arg)*);
        }
    };
}

fn tracing() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("HANDCLASP_FUZZ_TRACE").is_some())
}
/// The most adversary steps one run takes.
const MAX_STEPS: usize = 256;

/// Configuration bits (the first input byte).
pub mod handshake_cfg {
    /// Bits 0-1: 0 or 3 = both versions, 1 = TLS 1.3 only, 2 = TLS 1.2 only.
    pub const VERSIONS: u8 = 0b11;
    /// Resume a session from an earlier handshake.
    pub const RESUME: u8 = 1 << 2;
    /// ... and send 0-RTT data.
    pub const EARLY_DATA: u8 = 1 << 3;
    /// The server requires a client certificate.
    pub const CLIENT_AUTH: u8 = 1 << 4;
    /// The server sends HelloRetryRequest (it prefers a group the client does not
    /// share a key for).
    pub const HRR: u8 = 1 << 5;
}

/// One of the two connections.
enum Peer {
    Client(ClientConnection),
    Server(ServerConnection),
}

/// One side of the conversation and what the adversary has seen of it.
struct Side {
    peer: Peer,
    /// Records this side wrote that are in flight, in order.
    in_flight: Vec<Vec<u8>>,
    /// Every plaintext byte this side's application wrote (0-RTT data kept apart).
    written: Vec<u8>,
    /// Every plaintext byte delivered to this side's application.
    received: Vec<u8>,
    /// The stream into this side was cut mid-record (a truncation or a dropped
    /// fragment): bytes after it no longer line up with record boundaries.
    misaligned: bool,
}

impl Side {
    fn new(peer: Peer) -> Self {
        Self {
            peer,
            in_flight: Vec::new(),
            written: Vec::new(),
            received: Vec::new(),
            misaligned: false,
        }
    }

    fn conn(&mut self) -> &mut Connection {
        match &mut self.peer {
            Peer::Client(c) => c,
            Peer::Server(s) => s,
        }
    }

    fn conn_ref(&self) -> &Connection {
        match &self.peer {
            Peer::Client(c) => c,
            Peer::Server(s) => s,
        }
    }

    /// Moves what the connection wants to send into `in_flight`, record by record.
    fn collect_output(&mut self) {
        let pending = self.conn().pending_tls().to_vec();
        self.conn().consume_tls(pending.len());
        let mut rest = &pending[..];
        while rest.len() >= 5 {
            let len = 5 + usize::from(u16::from_be_bytes([rest[3], rest[4]]));
            let (record, tail) = rest.split_at(len.min(rest.len()));
            self.in_flight.push(record.to_vec());
            rest = tail;
        }
        assert!(rest.is_empty(), "pending_tls ended inside a record");
    }

    /// Feeds `bytes`, processes, and reads every plaintext byte out.
    fn deliver(&mut self, bytes: &[u8]) {
        trace!(
            "  deliver {} bytes to {}",
            bytes.len(),
            if matches!(self.peer, Peer::Client(_)) {
                "client"
            } else {
                "server"
            }
        );
        let mut rest = bytes;
        for _ in 0..=bytes.len() {
            let taken = self.conn().read_tls_from_slice(rest);
            rest = &rest[taken..];
            if let Err(e) = self.conn().process_new_packets() {
                trace!("    -> {e:?}");
            }
            self.read_plaintext();
            if rest.is_empty() || taken == 0 {
                break;
            }
        }
    }

    fn read_plaintext(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            let n = self.conn().read_plaintext(&mut buf);
            if n == 0 {
                break;
            }
            self.received.extend_from_slice(&buf[..n]);
        }
    }

    fn established(&self) -> bool {
        !self.conn_ref().is_handshaking() && self.conn_ref().error().is_none()
    }

    fn failed(&self) -> bool {
        self.conn_ref().error().is_some()
    }
}

/// Fuzz target `handshake`: input `[config]` + the adversary's program, one byte per
/// step: bits 0-2 the action, bit 3 the direction (client to server or back), bits
/// 4-7 a parameter; some actions take the next byte as well.
pub fn handshake(data: &[u8]) {
    let _ = handshake_run(data);
}

/// What a run of the `handshake` target reached (for the seed tests).
#[derive(Debug, Default)]
pub struct Outcome {
    /// Each side (client, server) completed the handshake and did not fail.
    pub established: [bool; 2],
    /// Each side failed.
    pub failed: [bool; 2],
    /// The client resumed.
    pub resumed: bool,
    /// The server accepted 0-RTT data.
    pub early_data_accepted: bool,
    /// Plaintext bytes delivered to each side.
    pub received: [usize; 2],
}

/// [`handshake`], returning what it reached.
pub fn handshake_run(data: &[u8]) -> Outcome {
    let Some((&cfg, program)) = data.split_first() else {
        return Outcome::default();
    };
    let (client, early_written) = new_client(cfg);
    let server = ServerConnection::new(server_config(cfg)).unwrap();
    let mut sides = [
        Side::new(Peer::Client(client)),
        Side::new(Peer::Server(server)),
    ];

    let mut program = program.iter().copied();
    let mut counter = 0u32;
    for _ in 0..MAX_STEPS {
        for side in sides.iter_mut() {
            side.collect_output();
        }
        let Some(op) = program.next() else { break };
        let from = usize::from(op >> 3 & 1);
        let param = op >> 4;
        let [a, b] = &mut sides;
        let (sender, receiver) = if from == 0 { (a, b) } else { (b, a) };
        // What a failed side sends (its alert) is left alone, so the invariant that
        // a failure reaches the peer can be checked.
        let action = if sender.failed() { 0 } else { op & 7 };
        trace!(
            "step: action {action} param {param} from {from} ({} in flight)",
            sender.in_flight.len()
        );
        step(action, param, &mut program, sender, receiver, &mut counter);
    }

    // The adversary stops: everything in flight is delivered intact until quiet.
    for _ in 0..16 {
        for side in sides.iter_mut() {
            side.collect_output();
        }
        if sides.iter().all(|s| s.in_flight.is_empty()) {
            break;
        }
        for from in 0..2 {
            let records: Vec<Vec<u8>> = sides[from].in_flight.drain(..).collect();
            let receiver = &mut sides[1 - from];
            for record in records {
                receiver.deliver(&record);
            }
        }
    }
    check(&mut sides, &early_written);
    Outcome {
        established: [sides[0].established(), sides[1].established()],
        failed: [sides[0].failed(), sides[1].failed()],
        resumed: sides[0].conn_ref().is_resumed(),
        early_data_accepted: matches!(&sides[1].peer, Peer::Server(s)
            if s.early_data_status() == EarlyDataStatus::Accepted),
        received: [sides[0].received.len(), sides[1].received.len()],
    }
}

/// One adversary step on the records `sender` has in flight to `receiver`.
fn step(
    action: u8,
    param: u8,
    program: &mut impl Iterator<Item = u8>,
    sender: &mut Side,
    receiver: &mut Side,
    counter: &mut u32,
) {
    let queue = &mut sender.in_flight;
    match action {
        // Deliver the next record intact.
        0 => {
            if !queue.is_empty() {
                let record = queue.remove(0);
                receiver.deliver(&record);
            }
        }
        // Drop it.
        1 => {
            if !queue.is_empty() {
                queue.remove(0);
            }
        }
        // Deliver it twice.
        2 => {
            if let Some(record) = queue.first().cloned() {
                receiver.deliver(&record);
                receiver.deliver(&record);
                queue.remove(0);
            }
        }
        // Reorder: swap the next two.
        3 => {
            if queue.len() >= 2 {
                queue.swap(0, 1);
            }
        }
        // Truncate: deliver a prefix, lose the rest.
        4 => {
            if !queue.is_empty() {
                let record = queue.remove(0);
                let keep = usize::from(program.next().unwrap_or(param)) % record.len();
                receiver.deliver(&record[..keep]);
                receiver.misaligned = true;
            }
        }
        // Flip one bit.
        5 => {
            if let Some(record) = queue.first_mut() {
                let at = usize::from(program.next().unwrap_or(0)) % record.len();
                record[at] ^= 1 << (param & 7);
                // A changed header breaks record boundaries from here on.
                receiver.misaligned |= at < 5;
            }
        }
        // Coalesce everything in flight into one write, or split it into pieces of
        // `param + 1` bytes.
        6 => {
            let all: Vec<u8> = queue.drain(..).flatten().collect();
            if param >= 8 {
                receiver.deliver(&all);
            } else {
                for piece in all.chunks(usize::from(param) + 1) {
                    receiver.deliver(piece);
                }
            }
        }
        // The sender's application acts.
        _ => act(param, sender, counter),
    }
}

/// The sender's application writes, updates its keys or closes.
fn act(param: u8, side: &mut Side, counter: &mut u32) {
    if !side.established() {
        return;
    }
    match param {
        0..=7 => {
            *counter += 1;
            let message = format!("message {counter} of {} bytes;", usize::from(param) * 100);
            let mut data = message.into_bytes();
            data.resize(data.len() + usize::from(param) * 100, b'.');
            if let Ok(n) = side.conn().write_plaintext(&data) {
                side.written.extend_from_slice(&data[..n]);
            }
        }
        8..=11 => {
            let _ = side.conn().refresh_traffic_keys(param & 1 == 1);
        }
        12 => side.conn().send_close_notify(),
        _ => {}
    }
}

/// The invariants of the module documentation.
fn check(sides: &mut [Side; 2], early_written: &[u8]) {
    let [client, server] = sides;
    // The server's view: the client's 0-RTT data comes first if it accepted it.
    let mut client_sent = Vec::new();
    if let Peer::Server(s) = &server.peer {
        if s.early_data_status() == EarlyDataStatus::Accepted {
            client_sent.extend_from_slice(early_written);
        }
    }
    client_sent.extend_from_slice(&client.written);
    assert!(
        client_sent.starts_with(&server.received),
        "the server received plaintext the client did not send"
    );
    assert!(
        server.written.starts_with(&client.received),
        "the client received plaintext the server did not send"
    );

    for side in [&mut *client, &mut *server] {
        if let Some(error) = side.conn_ref().error().cloned() {
            let again = side.conn().process_new_packets().err();
            assert_eq!(again, Some(error), "error not final");
        }
    }

    if client.established() && server.established() {
        let (c, s) = (client.conn_ref(), server.conn_ref());
        assert_eq!(
            c.protocol_version(),
            s.protocol_version(),
            "versions differ"
        );
        assert_eq!(
            c.negotiated_cipher_suite().map(|s| s.suite()),
            s.negotiated_cipher_suite().map(|s| s.suite()),
            "suites differ"
        );
        assert_eq!(
            c.is_resumed(),
            s.is_resumed(),
            "one side resumed, the other not"
        );
        let (mut ck, mut sk) = ([0u8; 32], [0u8; 32]);
        let exported = (
            c.export_keying_material(&mut ck, b"EXPORTER-handclasp-fuzz", Some(b"ctx")),
            s.export_keying_material(&mut sk, b"EXPORTER-handclasp-fuzz", Some(b"ctx")),
        );
        if let (Ok(()), Ok(())) = exported {
            assert_eq!(ck, sk, "both sides completed with different keys");
        }
    }

    // A failure reaches the peer: a side that failed sent its alert, delivered intact
    // above; a peer that could still read records must have failed too (or have
    // received a close_notify first and stopped reading). A side that failed on
    // *receiving* an alert sends none (RFC 8446 6.2), so there is nothing for its peer
    // to notice, and the alert need not be the peer's: before the handshake keys are
    // in place a plaintext alert is accepted, which the adversary can forge (flipped
    // header bits turn a CCS record, with the next record's first byte, into one).
    // One more exception: a server that did not accept the 0-RTT a client offered
    // skips records it cannot decrypt (RFC 8446 4.2.10), so it cannot tell a client's
    // alert under keys it does not share from skipped early data.
    let skips_records = |sides: &[Side; 2]| match (&sides[0].peer, &sides[1].peer) {
        (Peer::Client(c), Peer::Server(s)) => {
            s.is_handshaking() && c.early_data_status() != EarlyDataStatus::NotOffered
        }
        _ => false,
    };
    for (failed, peer) in [(0, 1), (1, 0)] {
        let peer_cannot_tell = sides[peer].misaligned
            || sides[peer].conn_ref().peer_has_closed()
            || (peer == 1 && skips_records(sides));
        let sent_alert = !matches!(
            sides[failed].conn_ref().error(),
            Some(Error::AlertReceived(_))
        );
        if sides[failed].failed() && sent_alert && !peer_cannot_tell {
            assert!(
                sides[peer].failed(),
                "one side failed ({:?}), the other did not notice",
                sides[failed].conn_ref().error()
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// Set-up

fn certs() -> &'static (
    Vec<CertificateDer<'static>>,
    Vec<u8>,
    CertificateDer<'static>,
) {
    static CERTS: OnceLock<(
        Vec<CertificateDer<'static>>,
        Vec<u8>,
        CertificateDer<'static>,
    )> = OnceLock::new();
    CERTS.get_or_init(|| {
        let leaf = include_bytes!("../certs/hs-leaf.der").to_vec();
        let key = include_bytes!("../certs/hs-leaf.key.der").to_vec();
        let root = include_bytes!("../certs/hs-root.der").to_vec();
        (
            vec![CertificateDer::from(leaf)],
            key,
            CertificateDer::from(root),
        )
    })
}

fn key() -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certs().1.clone()))
}

fn time() -> Arc<FixedTime> {
    Arc::new(FixedTime(UnixTime::since_unix_epoch(
        std::time::Duration::from_secs(NOW),
    )))
}

fn versions(cfg: u8) -> &'static [ProtocolVersion] {
    match cfg & handshake_cfg::VERSIONS {
        1 => &[ProtocolVersion::TLSv1_3],
        2 => &[ProtocolVersion::TLSv1_2],
        _ => &[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2],
    }
}

fn client_config(cfg: u8, store: Option<Arc<ReplayingStore>>) -> Arc<ClientConfig> {
    let mut roots = RootStore::empty();
    roots.add(&certs().2).unwrap();
    let provider = deterministic_provider(Role::Client);
    let mut builder = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_root_store(roots)
        .with_protocol_versions(versions(cfg))
        .with_time_provider(time())
        .with_early_data(true)
        .with_client_auth_cert(certs().0.clone(), key())
        .unwrap();
    // No store at all without RESUME: a default one would carry tickets from run to
    // run and make runs depend on each other.
    builder = builder.with_session_store(store.map(|s| s as Arc<dyn ClientSessionStore>));
    Arc::new(builder.build().unwrap())
}

/// The client for `cfg`, and the 0-RTT data it wrote (if any).
fn new_client(cfg: u8) -> (ClientConnection, Vec<u8>) {
    use handshake_cfg::{EARLY_DATA, RESUME, VERSIONS};
    static CONFIGS: [OnceLock<Arc<ClientConfig>>; 8] = [const { OnceLock::new() }; 8];
    let key = cfg & (VERSIONS | RESUME);
    let config = CONFIGS[usize::from(key)].get_or_init(|| {
        if key & RESUME == 0 {
            return client_config(key, None);
        }
        // Record a session in a first, clean handshake; every run then offers it.
        let store = Arc::new(ReplayingStore::default());
        let config = client_config(key, Some(store.clone()));
        let mut client = ClientConnection::new(config.clone(), name()).unwrap();
        let mut server = ServerConnection::new(server_config(key)).unwrap();
        run_pair(&mut client, &mut server).expect("the recording handshake failed");
        config
    });
    let mut client = ClientConnection::new(config.clone(), name()).unwrap();
    let mut early = Vec::new();
    if cfg & EARLY_DATA != 0 {
        let data = b"0-RTT request from the handshake target";
        if let Ok(n) = client.write_early_data(data) {
            early.extend_from_slice(&data[..n]);
        }
    }
    (client, early)
}

fn name() -> ServerName<'static> {
    ServerName::try_from("fuzz.example").unwrap()
}

/// A fresh server for every run (fresh replay guard and session store), sharing the
/// ticket keys: the deterministic provider derives them from its fixed randomness.
fn server_config(cfg: u8) -> Arc<ServerConfig> {
    let mut roots = RootStore::empty();
    roots.add(&certs().2).unwrap();
    let mut provider = deterministic_provider(Role::Server);
    if cfg & handshake_cfg::HRR != 0 {
        // The client sends an X25519 share; preferring P-256 forces a retry.
        provider.kx_groups.rotate_left(1);
    }
    let builder = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_single_cert(certs().0.clone(), key())
        .unwrap()
        .with_protocol_versions(versions(cfg))
        .with_time_provider(time())
        .with_client_auth_roots(roots, cfg & handshake_cfg::CLIENT_AUTH != 0)
        .with_max_early_data_size(4096);
    Arc::new(builder.build().unwrap())
}
