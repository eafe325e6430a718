//! The `log` output: a handshake's steps at debug level, in wire order; the record
//! layer at trace level; and never a secret.
//!
//! A logger is process-wide, so this is its own test binary and its tests take a lock:
//! each one starts from an empty capture.

#[path = "common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex, MutexGuard};

use common::pair::Pair;
use common::pki::{Ca, LeafSpec, NOV_2026, at};
use handclasp::enums::ProtocolVersion;
use handclasp::key_log::KeyLog;
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ServerConfig};
use log::{Level, LevelFilter, Log, Metadata, Record};

/// Keeps every record from the crate.
struct Capture(Mutex<Vec<(Level, String)>>);

impl Log for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("handclasp")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = record.args().to_string();
            self.0.lock().unwrap().push((record.level(), line));
        }
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Installs the logger (once) and empties the capture; hold the guard for the test.
fn start() -> MutexGuard<'static, ()> {
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if log::set_logger(&CAPTURE).is_ok() {
        log::set_max_level(LevelFilter::Trace);
    }
    CAPTURE.0.lock().unwrap().clear();
    guard
}

fn lines(level: Level) -> Vec<String> {
    CAPTURE
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, _)| *l == level)
        .map(|(_, line)| line.clone())
        .collect()
}

/// Every secret handed to the key log, hex-encoded.
#[derive(Debug, Default)]
struct Secrets(Mutex<Vec<Vec<u8>>>);

impl KeyLog for Secrets {
    fn log(&self, _label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0.lock().unwrap().push(secret.to_vec());
    }
}

fn pair(version: ProtocolVersion, secrets: &Arc<Secrets>) -> Pair {
    let ca = Ca::root("log root");
    let leaf = ca.issue(&LeafSpec::server(&["log.test"]));
    let mut roots = RootStore::empty();
    roots.add(&ca.cert).unwrap();
    let time = Arc::new(FixedTime(at(NOV_2026)));
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_protocol_versions(&[version])
        .with_time_provider(time.clone())
        .with_key_log(secrets.clone())
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .with_time_provider(time)
        .build()
        .unwrap();
    Pair::new(Arc::new(client), Arc::new(server), "log.test")
}

/// Asserts that lines starting with each of `steps` appear in this order.
fn assert_steps_in_order(lines: &[String], steps: &[&str]) {
    let mut rest = lines.iter();
    for step in steps {
        assert!(
            rest.any(|line| line.starts_with(step)),
            "{step:?} missing or out of order in:\n{}",
            lines.join("\n")
        );
    }
}

fn assert_no_secret_logged(secrets: &Secrets) {
    let secrets = secrets.0.lock().unwrap();
    assert!(!secrets.is_empty(), "the key log saw no secret");
    let all: Vec<String> = CAPTURE
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, l)| l.to_lowercase())
        .collect();
    for secret in secrets.iter() {
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        // Debug of a byte slice prints decimal numbers: look for the first few.
        let debug = format!("{:?}", &secret[..6]);
        let debug = debug.trim_end_matches(']');
        for line in &all {
            assert!(!line.contains(&hex[..16]), "a secret in the log: {line}");
            assert!(!line.contains(debug), "a secret in the log: {line}");
        }
    }
}

#[test]
fn tls13_handshake_steps_are_logged_at_debug_in_order() {
    let _guard = start();
    let secrets = Arc::new(Secrets::default());
    let mut pair = pair(ProtocolVersion::TLSv1_3, &secrets);
    pair.handshake().unwrap();
    pair.send_and_receive(true, b"hello");

    let debug = lines(Level::Debug);
    let client: Vec<String> = debug
        .iter()
        .filter_map(|l| l.strip_prefix("client: ").map(String::from))
        .collect();
    assert_steps_in_order(
        &client,
        &[
            "ClientHello: versions [TLSv1_3]",
            "ServerHello: TLSv1_3",
            "key exchange: X25519",
            "derived secret \"c hs traffic\"",
            "derived secret \"s hs traffic\"",
            "EncryptedExtensions",
            "Certificate: chain of 1 received",
            "certificate chain of 1 verified for log.test",
            "peer's handshake signature verified",
            "peer's Finished verified",
            "derived secret \"c ap traffic\"",
            "Finished sent",
            "derived secret \"res master\"",
            "handshake complete: TLSv1_3",
            "session ticket received",
        ],
    );
    let server: Vec<String> = debug
        .iter()
        .filter_map(|l| l.strip_prefix("server: ").map(String::from))
        .collect();
    assert_steps_in_order(
        &server,
        &[
            "ClientHello",
            "ServerHello: TLSv1_3",
            "EncryptedExtensions",
            "handshake signature sent",
            "Finished sent",
            "peer's Finished verified",
            "handshake complete: TLSv1_3",
        ],
    );

    // The record layer, at trace: plaintext hellos, then numbered protected records.
    let trace = lines(Level::Trace);
    assert_steps_in_order(
        &trace,
        &[
            "client: plaintext record sent: Handshake",
            "server: plaintext record received: Handshake",
            "server: records sent now use a new TLS 1.3 key",
            "sealed record #0: Handshake",
            "opened record #0: Handshake",
        ],
    );
    assert!(
        trace
            .iter()
            .any(|l| l.starts_with("sealed record #0: ApplicationData, 5 bytes")),
        "{trace:?}"
    );
    assert_no_secret_logged(&secrets);
}

#[test]
fn tls12_handshake_steps_are_logged_in_wire_order() {
    let _guard = start();
    let secrets = Arc::new(Secrets::default());
    let mut pair = pair(ProtocolVersion::TLSv1_2, &secrets);
    pair.handshake().unwrap();

    let client: Vec<String> = lines(Level::Debug)
        .iter()
        .filter_map(|l| l.strip_prefix("client: ").map(String::from))
        .collect();
    // RFC 5246 7.3: ServerHello, Certificate, ServerKeyExchange, ... in that order.
    assert_steps_in_order(
        &client,
        &[
            "ClientHello: versions [TLSv1_2]",
            "ServerHello: TLSv1_2",
            "Certificate: chain of 1 received",
            "certificate chain of 1 verified",
            "peer's handshake signature verified",
            "key exchange: X25519",
            "derived secret \"extended master secret\"",
            "derived secret \"key expansion\"",
            "ChangeCipherSpec sent",
            "Finished sent",
            "ChangeCipherSpec received",
            "peer's Finished verified",
            "handshake complete: TLSv1_2",
        ],
    );
    assert_no_secret_logged(&secrets);
}

#[test]
fn nothing_below_the_max_level_is_built() {
    let _guard = start();
    log::set_max_level(LevelFilter::Info);
    let secrets = Arc::new(Secrets::default());
    let mut pair = pair(ProtocolVersion::TLSv1_3, &secrets);
    pair.handshake().unwrap();
    log::set_max_level(LevelFilter::Trace);
    assert!(CAPTURE.0.lock().unwrap().is_empty());
}
