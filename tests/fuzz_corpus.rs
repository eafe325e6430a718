//! Replays every committed fuzz corpus file (fuzz/corpus/<target>/) through the same
//! target functions the cargo-fuzz binaries run, so a regression shows up in a plain
//! stable `cargo test` without the fuzzer. Crashes the fuzzer found are committed to
//! the corpus and stay here as regression tests.

#[path = "../fuzz/src/lib.rs"]
mod fuzz_logic;

use std::path::PathBuf;

/// Runs `target` over every file of fuzz/corpus/`name`, naming the file that panics.
/// Returns how many files ran.
fn replay(name: &str, target: fn(&[u8])) -> usize {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fuzz", "corpus", name]
        .iter()
        .collect();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    for path in &paths {
        let data = std::fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(|| target(&data));
        if let Err(panic) = outcome {
            let msg = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(non-string panic)");
            panic!("{name}: {} panicked: {msg}", path.display());
        }
    }
    paths.len()
}

#[test]
fn deframer_corpus() {
    assert!(replay("deframer", fuzz_logic::deframer) >= 10);
}

#[test]
fn message_corpus() {
    assert!(replay("message", fuzz_logic::message) >= 10);
}

#[test]
fn certificate_chain_corpus() {
    assert!(replay("certificate_chain", fuzz_logic::certificate_chain) >= 10);
}

#[test]
fn pem_corpus() {
    assert!(replay("pem", fuzz_logic::pem) >= 10);
}
