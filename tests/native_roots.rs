//! `RootStore::native_roots` through the `SSL_CERT_FILE` override: the system bundle
//! plus a CA made here load, and a chain from that CA verifies; a bundle with nothing
//! usable is an error that says so.
//!
//! The environment is process-wide, so each case runs this binary again as a child
//! with its own environment (no `set_var` racing other tests): the parent test picks
//! the case and checks the child's exit status; the child does the work.
#![cfg(feature = "native-roots")]

#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::pki::{NOV_2026, at};
use common::pki_errors::{Node, leaf_params};
use handclasp::Error;
use handclasp::crypto::ring::SUPPORTED_SIG_ALGS;
use handclasp::error::ConfigError;
use handclasp::pki_types::ServerName;
use handclasp::verify::{RootStore, ServerCertVerifier, WebPkiServerVerifier};

/// Names the case a child process runs.
const CASE: &str = "HANDCLASP_NATIVE_ROOTS_CASE";
/// Debian's and Ubuntu's bundle, where present.
const SYSTEM_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Runs `case` in a child process with `SSL_CERT_FILE` set to `bundle` (which the
/// child writes) and `SSL_CERT_DIR` unset.
fn run_child(case: &str, bundle: &Path) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CASE, case)
        .env("SSL_CERT_FILE", bundle)
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child {case} failed:\n{log}");
    assert!(log.contains("1 passed"), "child {case} did not run:\n{log}");
}

fn scratch(case: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "handclasp-native-roots-{}-{case}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_chain_from_a_ca_added_to_ssl_cert_file_verifies() {
    let dir = scratch("bundle");
    run_child("bundle", &dir.join("bundle.pem"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bundle_without_usable_roots_is_an_error() {
    let dir = scratch("empty");
    run_child("empty", &dir.join("bundle.pem"));
    let _ = std::fs::remove_dir_all(dir);
}

/// The child's side: does nothing unless started by one of the tests above.
#[test]
fn child() {
    let Ok(case) = std::env::var(CASE) else {
        return;
    };
    let bundle = PathBuf::from(std::env::var_os("SSL_CERT_FILE").unwrap());
    // Never write anywhere but the parent's scratch directory: run by hand under
    // cargo, SSL_CERT_FILE may name the system bundle (cargo sets it to OpenSSL's
    // probed location, a link to that bundle).
    assert!(
        bundle.starts_with(std::env::temp_dir())
            && bundle.to_string_lossy().contains("handclasp-native-roots-"),
        "refusing to write {}",
        bundle.display()
    );
    match case.as_str() {
        "bundle" => bundle_case(&bundle),
        "empty" => empty_case(&bundle),
        other => panic!("unknown case {other}"),
    }
}

fn bundle_case(bundle: &Path) {
    let ca = Node::root("handclasp native test CA");
    let system = std::fs::read_to_string(SYSTEM_BUNDLE).unwrap_or_default();
    let system_roots = system.matches("-----BEGIN CERTIFICATE-----").count();
    std::fs::write(bundle, format!("{system}\n{}", ca.pem)).unwrap();

    let (roots, load) = RootStore::native_roots().unwrap();
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    // The system roots (the loader drops duplicates; a few may be unusable as
    // anchors) and ours.
    let found = load.added + load.ignored;
    assert!(found <= system_roots + 1, "{load:?}");
    if system_roots > 0 {
        assert!(
            found > system_roots / 2,
            "system bundle not loaded: {load:?}"
        );
    }
    assert_eq!(roots.len(), load.added);
    eprintln!("loaded {load:?} from {}", bundle.display());

    let inter = ca.intermediate("handclasp native test intermediate");
    let mut leaf = inter.leaf(leaf_params(&["native.test"]));
    leaf.chain.push(inter.cert.clone());
    let verifier = WebPkiServerVerifier::new(Arc::new(roots), SUPPORTED_SIG_ALGS);
    let name = ServerName::try_from("native.test").unwrap();
    verifier
        .verify_server_cert(&leaf.chain[0], &leaf.chain[1..], &name, &[], at(NOV_2026))
        .unwrap();

    // A CA that is not in the bundle is not trusted.
    let stranger = Node::root("stranger");
    let other = stranger.leaf(leaf_params(&["native.test"]));
    assert!(
        verifier
            .verify_server_cert(&other.chain[0], &[], &name, &[], at(NOV_2026))
            .is_err()
    );
}

fn empty_case(bundle: &Path) {
    std::fs::write(bundle, "no certificates in here\n").unwrap();
    let err = RootStore::native_roots().unwrap_err();
    assert!(
        matches!(err, Error::Config(ConfigError::NoNativeRoots { .. })),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("no trust roots were loaded"), "{text}");
    assert!(text.contains("SSL_CERT_FILE"), "{text}");
}
