//! The BoGo shim: handclasp driven by BoringSSL's TLS test runner.
//!
//! The runner starts this binary once per test with `bssl_shim`-style flags, listens
//! on a port, and waits for the shim to connect (and identify itself with its shim
//! id). The shim then runs 1 + `-resume-count` connections, each a handshake followed
//! by an echo of every byte received, XORed with 0xff, until the peer closes. The
//! exit status and stderr tell the runner what happened: 0 for success, 1 with an
//! error report (see `report.rs`) for failure, 89 for a flag the shim does not
//! implement. See README.md for running the suite.

mod compliance;
mod flags;
mod keys;
mod report;
mod verify;
mod wire;

use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::process::exit;
use std::sync::{Arc, Mutex};

use handclasp::conn::EarlyDataStatus;
use handclasp::crypto::CryptoProvider;
use handclasp::enums::{NamedGroup, ProtocolVersion, SignatureScheme};
use handclasp::events::{HandshakeEvent, HandshakeObserver, Side};
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
use wire::Wire;

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
    /// The last certificate check's result; a resumed session keeps its original one.
    verify_result: Arc<Mutex<Option<bool>>>,
    /// The peer's signature scheme in the full handshake, which a resumed session
    /// reports again (it has no signature of its own).
    peer_signature: Mutex<Option<SignatureScheme>>,
}

/// What one connection's handshake events showed.
#[derive(Debug, Default)]
struct Facts {
    peer_signature: Option<SignatureScheme>,
    hello_retry_request: bool,
    /// `max_early_data` of each ticket received.
    tickets: Vec<u32>,
}

#[derive(Debug, Default)]
struct Recorder(Mutex<Facts>);

impl HandshakeObserver for Recorder {
    fn on_event(&self, _side: Side, event: &HandshakeEvent<'_>) {
        let Ok(mut facts) = self.0.lock() else { return };
        match event {
            HandshakeEvent::SignatureVerified { scheme } => facts.peer_signature = Some(*scheme),
            HandshakeEvent::HelloRetryRequest { .. } => facts.hello_retry_request = true,
            HandshakeEvent::Ticket {
                ours: false,
                max_early_data,
                ..
            } => facts.tickets.push(*max_early_data),
            _ => {}
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-is-handshaker-supported") {
        println!("No");
        return;
    }
    // run.sh lists every test (for counting the disabled ones) with this set.
    if std::env::var_os("BOGO_LIST_ONLY").is_some() {
        exit(UNIMPLEMENTED);
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
        verify_result: Arc::default(),
        peer_signature: Mutex::default(),
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
    if let Some(v) = o.max_version
        && v < TLS12
    {
        return Some(format!("-max-version {v:#06x} (below TLS 1.2)"));
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
    if let Some(policy) = o.compliance.and_then(compliance::by_flag) {
        let provider = base_provider();
        if !policy
            .groups
            .iter()
            .any(|id| provider.find_kx_group(NamedGroup::from(*id)).is_some())
        {
            return Some(format!(
                "{} (no group of the policy we implement)",
                policy.flag
            ));
        }
    }
    // -verify-prefs naming only schemes the provider cannot verify (ML-DSA, P-521, ...).
    if !o.verify_prefs.is_empty() {
        let supported = base_provider()
            .signature_verification_algorithms
            .supported_schemes();
        if !o
            .verify_prefs
            .iter()
            .any(|s| supported.contains(&SignatureScheme::from(*s)))
        {
            return Some(format!(
                "-verify-prefs {:?} (no scheme we verify)",
                o.verify_prefs
            ));
        }
    }
    // -signing-prefs naming only schemes our key cannot sign with (MD5-SHA1, the
    // legacy TLS 1.3 PKCS#1 code point, ...).
    if let (false, Some(key)) = (o.signing_prefs.is_empty(), &o.key_file) {
        let provider = base_provider();
        let loaded = load_key(key)
            .map_err(|_| ())
            .and_then(|k| provider.key_provider.load_private_key(k).map_err(|_| ()));
        if let Ok(key) = loaded
            && !o
                .signing_prefs
                .iter()
                .any(|s| key.supports_scheme(SignatureScheme::from(*s)))
        {
            return Some(format!(
                "-signing-prefs {:?} (no scheme our key signs with)",
                o.signing_prefs
            ));
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
    if let Some(policy) = o.compliance.and_then(compliance::by_flag) {
        provider
            .cipher_suites
            .retain(|s| policy.suites.contains(&u16::from(s.suite())));
        provider
            .kx_groups
            .retain(|g| policy.groups.contains(&u16::from(g.name())));
    }
    if o.cnsa_202407 {
        let rank = |id: u16| {
            compliance::CNSA_202407_ORDER
                .iter()
                .position(|x| *x == id)
                .unwrap_or(usize::MAX)
        };
        provider
            .cipher_suites
            .sort_by_key(|s| rank(u16::from(s.suite())));
    }
    if let Some(prefs) = signing_schemes(o) {
        // The provider is 'static by type; one per connection of a short-lived shim.
        provider.key_provider = Box::leak(Box::new(keys::PrefsKeyProvider {
            inner: provider.key_provider,
            prefs: prefs.into_iter().map(SignatureScheme::from).collect(),
        }));
    }
    Ok(Arc::new(provider))
}

/// The schemes our key may sign with, most preferred first: `-signing-prefs` within
/// the compliance policy; `None` for no restriction.
fn signing_schemes(o: &Options) -> Option<Vec<u16>> {
    restrict(&o.signing_prefs, o)
}

/// The schemes we accept from the peer, likewise from `-verify-prefs`.
fn verify_schemes(o: &Options) -> Option<Vec<u16>> {
    restrict(&o.verify_prefs, o)
}

fn restrict(prefs: &[u16], o: &Options) -> Option<Vec<u16>> {
    match (prefs.is_empty(), o.compliance.and_then(compliance::by_flag)) {
        (true, None) => None,
        (false, None) => Some(prefs.to_vec()),
        (true, Some(policy)) => Some(policy.schemes.to_vec()),
        (false, Some(policy)) => Some(compliance::keep(prefs, policy.schemes)),
    }
}

fn versions_for(o: &Options) -> Vec<ProtocolVersion> {
    let tls13_only = o
        .compliance
        .and_then(compliance::by_flag)
        .is_some_and(|p| p.tls13_only);
    let min = match tls13_only {
        true => 0x0304,
        false => o.min_version.unwrap_or(0),
    };
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

fn connect(o: &Options) -> Result<Wire, Failure> {
    Ok(Wire::connect(o.port, o.ipv6, o.shim_id, o.async_io)?)
}

/// The certificate check the flags ask for, recording into the shared result.
fn verify_policy(o: &Options, shared: &Shared, enforce: bool) -> verify::Policy {
    verify::Policy {
        fail: o.verify_fail,
        enforce,
        schemes: verify_schemes(o)
            .map(|list| list.into_iter().map(SignatureScheme::from).collect()),
        result: shared.verify_result.clone(),
    }
}

fn run_connection(o: &Options, shared: &Shared, resuming: bool) -> Result<(), Failure> {
    let provider = provider_for(o)?;
    let versions = versions_for(o);
    let recorder = Arc::new(Recorder::default());
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
            .with_ticketer(shared.ticketer.clone())
            .with_observer(recorder.clone());
        if o.enable_early_data {
            b = b.with_max_early_data_size(MAX_EARLY_DATA);
        }
        if let Some(p) = &o.select_alpn {
            b = b.with_alpn_protocols(vec![p.clone()]);
        }
        if o.require_any_client_certificate || o.verify_peer {
            b = b.with_client_cert_verifier(Arc::new(verify::AnyClientChain::new(
                &provider,
                o.require_any_client_certificate,
                verify_policy(o, shared, true),
            )));
        }
        let config = Arc::new(b.build()?);
        let mut wire = connect(o)?;
        let mut conn = ServerConnection::new(config)?;
        server_handshake(&mut conn, &mut wire)?;
        check_early_data(conn.early_data_status(), o)?;
        if let Some(want) = &o.expect_server_name {
            let got = conn.server_name().map(str::to_string);
            if got.as_deref() != Some(want.as_str()) {
                return Err(Failure::Shim(format!(
                    "server name: got {got:?}, want {want:?}"
                )));
            }
        }
        check_after_handshake(&conn, o, shared, &recorder, resuming)?;
        let first = match o.shim_writes_first {
            true => SHIM_INITIAL_WRITE,
            false => &[],
        };
        exchange(&mut conn, &mut wire, o, first)?;
        check_after_close(&conn, o, &recorder)
    } else {
        let mut b = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .with_verifier(Arc::new(verify::AnyServerChain::new(
                &provider,
                verify_policy(o, shared, o.verify_peer),
            )))
            .with_session_store(Some(shared.client_sessions.clone()))
            .with_early_data(o.enable_early_data)
            .with_observer(recorder.clone());
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
        let mut wire = connect(o)?;
        let mut client = ClientConnection::new(config, name)?;
        let offered_early = client.early_data_status() == EarlyDataStatus::Offered;
        if offered_early && o.expect_no_offer_early_data {
            return Err(Failure::Shim("offered early data, want none".into()));
        }
        // 0-RTT: the first write goes out as early data, before the server answers, as
        // much of it as the ticket allows.
        let mut sent_early = 0;
        if offered_early && o.shim_writes_first {
            sent_early = client.write_early_data(SHIM_INITIAL_WRITE)?;
        }
        if offered_early && o.export_keying_material > 0 {
            // BoringSSL's handshake call returns once 0-RTT can be written; an export
            // there must fail, as no exporter exists before the handshake completes.
            let mut out = vec![0u8; o.export_keying_material];
            let context = o.use_export_context.then_some(o.export_context.as_slice());
            client.export_keying_material(&mut out, &o.export_label, context)?;
        }
        handshake(&mut client, &mut wire)?;
        check_early_data(client.early_data_status(), o)?;
        if client.early_data_status() != EarlyDataStatus::Accepted {
            // Rejected early data was not delivered: send it again (RFC 8446 4.2.10).
            sent_early = 0;
        }
        check_after_handshake(&client, o, shared, &recorder, resuming)?;
        let first = match o.shim_writes_first {
            true => SHIM_INITIAL_WRITE.get(sent_early..).unwrap_or_default(),
            false => &[],
        };
        exchange(&mut client, &mut wire, o, first)?;
        check_after_close(&client, o, &recorder)
    }
}

/// The most 0-RTT data the shim's server takes, BoringSSL's limit.
const MAX_EARLY_DATA: u32 = 14336;

/// A server handshake that echoes 0-RTT data as it arrives, as half-RTT data (the
/// runner reads that echo before it sends its Finished).
fn server_handshake(conn: &mut ServerConnection, wire: &mut Wire) -> Result<(), Failure> {
    let mut buf = vec![0u8; 1 << 16];
    while conn.is_handshaking() {
        flush(conn, wire)?;
        if read_some(conn, wire)? == 0 && conn.is_handshaking() {
            return Err(Failure::Shim("the peer closed during the handshake".into()));
        }
        if conn.is_handshaking() && conn.early_data_status() == EarlyDataStatus::Accepted {
            let n = conn.read_plaintext(&mut buf);
            let reply: Vec<u8> = buf[..n].iter().map(|b| b ^ 0xff).collect();
            conn.write_plaintext(&reply)?;
        }
    }
    flush(conn, wire)
}

/// What the shim writes first (`-shim-writes-first`), the runner's `shimInitialWrite`.
const SHIM_INITIAL_WRITE: &[u8] = b"hello";

fn check_early_data(status: EarlyDataStatus, o: &Options) -> Result<(), Failure> {
    let accepted = status == EarlyDataStatus::Accepted;
    if o.expect_accept_early_data && !accepted {
        return Err(Failure::Shim(format!(
            "early data: {status:?}, want accepted"
        )));
    }
    if o.expect_reject_early_data && accepted {
        return Err(Failure::Shim("early data accepted, want rejected".into()));
    }
    Ok(())
}

/// Writes everything pending. A peer that already closed its end is not an error
/// here: what it sent before closing decides the test.
fn flush(conn: &mut Connection, wire: &mut Wire) -> Result<(), Failure> {
    Ok(wire.flush(conn)?)
}

/// Reads once from the socket and processes what came. On a library error, the
/// alert it queued is sent before the error is returned.
fn read_some(conn: &mut Connection, wire: &mut Wire) -> Result<usize, Failure> {
    let n = match wire.read_into(conn) {
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
            conn.note_peer_eof();
            0
        }
        Err(e) => return Err(e.into()),
    };
    if n == 0 {
        conn.note_peer_eof();
    }
    match conn.process_new_packets() {
        Ok(_) => Ok(n),
        Err(e) => {
            let _ = flush(conn, wire);
            wire.linger();
            Err(e.into())
        }
    }
}

fn handshake(conn: &mut Connection, wire: &mut Wire) -> Result<(), Failure> {
    while conn.is_handshaking() {
        flush(conn, wire)?;
        if !conn.is_handshaking() {
            break;
        }
        if read_some(conn, wire)? == 0 && conn.is_handshaking() {
            return Err(Failure::Shim("the peer closed during the handshake".into()));
        }
    }
    flush(conn, wire)
}

fn check_after_handshake(
    conn: &Connection,
    o: &Options,
    shared: &Shared,
    recorder: &Recorder,
    resuming: bool,
) -> Result<(), Failure> {
    let fail = |s: String| Err(Failure::Shim(s));
    if let Some(want) = o.expect_version {
        let got = conn.protocol_version().map(u16::from);
        if got != Some(want) {
            return fail(format!("version: got {got:?}, want {want:#06x}"));
        }
    }
    if let Some(want) = &o.expect_alpn
        && conn.alpn_protocol() != Some(want.as_slice())
    {
        return fail(format!(
            "ALPN: got {:?}, want {:?}",
            conn.alpn_protocol().map(String::from_utf8_lossy),
            String::from_utf8_lossy(want)
        ));
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
    if o.expect_verify_result {
        // No certificate checked counts as a pass, as BoringSSL's X509_V_OK default.
        let passed = shared
            .verify_result
            .lock()
            .ok()
            .and_then(|r| *r)
            .unwrap_or(true);
        if passed == o.verify_fail {
            return fail(format!(
                "certificate check passed: {passed}, want {}",
                !o.verify_fail
            ));
        }
    }
    let hrr = recorder.0.lock().is_ok_and(|f| f.hello_retry_request);
    if (o.expect_hrr && !hrr) || (o.expect_no_hrr && hrr) {
        return fail(format!("HelloRetryRequest: {hrr}, want {}", o.expect_hrr));
    }
    // A resumed session reports the signature of the handshake that made it.
    let seen = recorder.0.lock().ok().and_then(|f| f.peer_signature);
    let peer_signature = match (seen, shared.peer_signature.lock()) {
        (Some(s), Ok(mut kept)) => {
            *kept = Some(s);
            Some(s)
        }
        (None, Ok(kept)) if conn.is_resumed() => *kept,
        _ => seen,
    };
    if let Some(want) = o.expect_peer_signature_algorithm {
        let got = peer_signature.map(u16::from);
        if got != Some(want) {
            return fail(format!(
                "peer signature algorithm: got {got:04x?}, want {want:04x}"
            ));
        }
    }
    Ok(())
}

/// Checks that need the whole connection: TLS 1.3 tickets arrive after the handshake.
fn check_after_close(conn: &Connection, o: &Options, recorder: &Recorder) -> Result<(), Failure> {
    // A shim that shuts down first reads on only to see the peer's close_notify;
    // BoringSSL's never sees the tickets then, and does not check them.
    if o.server || o.shim_shuts_down || conn.protocol_version() != Some(ProtocolVersion::TLSv1_3) {
        return Ok(());
    }
    let tickets = recorder
        .0
        .lock()
        .map(|f| f.tickets.clone())
        .unwrap_or_default();
    let want_ticket = !o.expect_no_session;
    if want_ticket == tickets.is_empty() {
        return Err(Failure::Shim(format!(
            "tickets received: {}, want {}",
            tickets.len(),
            if want_ticket { "some" } else { "none" }
        )));
    }
    if want_ticket {
        let early = tickets.iter().any(|&max| max > 0);
        if early != o.expect_ticket_supports_early_data {
            return Err(Failure::Shim(format!(
                "ticket allows early data: {early}, want {}",
                o.expect_ticket_supports_early_data
            )));
        }
    }
    Ok(())
}

/// After the handshake: the writes the flags ask for (`first`: what is left of the
/// initial write after accepted early data), then the echo until the peer closes.
fn exchange(
    conn: &mut Connection,
    wire: &mut Wire,
    o: &Options,
    first: &[u8],
) -> Result<(), Failure> {
    if o.export_keying_material > 0 {
        let mut out = vec![0u8; o.export_keying_material];
        let context = o.use_export_context.then_some(o.export_context.as_slice());
        conn.export_keying_material(&mut out, &o.export_label, context)?;
        conn.write_plaintext(&out)?;
    }
    if o.key_update {
        conn.refresh_traffic_keys(false)?;
    }
    if !first.is_empty() {
        conn.write_plaintext(first)?;
    }
    if o.shim_shuts_down {
        conn.send_close_notify();
    }
    flush(conn, wire)?;

    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = conn.read_plaintext(&mut buf);
        if n > 0 {
            let reply: Vec<u8> = buf[..n].iter().map(|b| b ^ 0xff).collect();
            if !o.shim_shuts_down {
                conn.write_plaintext(&reply)?;
            }
            flush(conn, wire)?;
            continue;
        }
        if conn.peer_has_closed() {
            if !o.shim_shuts_down {
                // Answer the peer's close_notify with ours (RFC 8446 6.1).
                conn.send_close_notify();
                let _ = flush(conn, wire);
            }
            return Ok(());
        }
        if read_some(conn, wire)? == 0 {
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
