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

#[test]
fn client_corpus() {
    assert!(replay("client", fuzz_logic::client) >= 10);
}

#[test]
fn server_corpus() {
    assert!(replay("server", fuzz_logic::server) >= 10);
}

/// The server seed with a post-quantum hybrid share (the fuzzing provider's
/// X25519MLKEM768 stand-in, the only share): the server answers it without an error, so
/// the fuzzer starts from the hybrid's sizes on the server side.
#[test]
fn server_hybrid_seed_is_answered() {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "fuzz",
        "corpus",
        "server",
        "seed-hybrid-client-hello",
    ]
    .iter()
    .collect();
    let seed = std::fs::read(path).unwrap();
    let reached = fuzz_logic::server_run(&seed);
    assert_eq!(reached.error, None, "{reached:?}");
}

#[test]
fn handshake_corpus() {
    assert!(replay("handshake", fuzz_logic::handshake) >= 10);
}

#[test]
fn stream_corpus() {
    assert!(replay("stream", fuzz_logic::stream) >= 10);
}

/// The hand-written seeds of the `stream` target (fuzz/src/stream.rs) reach what their
/// names say: every one completes the handshake through the blocking adapter; a
/// `-data` seed has `read` return all the peer wrote, with no error and no tampering;
/// a `close` seed ends with `Ok(0)`. With `HANDCLASP_WRITE_SEEDS=1` they are written
/// to fuzz/corpus/stream first.
#[test]
fn stream_seeds_reach_their_states() {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fuzz", "corpus", "stream"]
        .iter()
        .collect();
    let seeds = fuzz_logic::stream_seeds();
    if std::env::var_os("HANDCLASP_WRITE_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, data) in &seeds {
            std::fs::write(dir.join(name), data).unwrap();
        }
    }
    let mut data_seeds = 0;
    for (name, data) in &seeds {
        let committed = std::fs::read(dir.join(name))
            .unwrap_or_else(|e| panic!("stream/{name} is not committed: {e}"));
        assert_eq!(
            &committed, data,
            "stream/{name} differs from stream_seeds()"
        );
        let outcome = fuzz_logic::stream_run(data);
        assert!(outcome.established, "{name}: {outcome:?}");
        if name.ends_with("-data") {
            assert!(outcome.peer_written > 0, "{name}: {outcome:?}");
            assert_eq!(
                outcome.received, outcome.peer_written,
                "{name}: {outcome:?}"
            );
            assert_eq!(outcome.error, None, "{name}: {outcome:?}");
            assert!(!outcome.tampered, "{name}: {outcome:?}");
            data_seeds += 1;
        }
        if name.contains("close") {
            assert!(outcome.saw_close, "{name}: {outcome:?}");
        }
        if name.contains("write") {
            assert!(outcome.peer_received > 0, "{name}: {outcome:?}");
            assert_eq!(
                outcome.peer_received, outcome.written,
                "{name}: {outcome:?}"
            );
        }
    }
    assert!(data_seeds >= 20, "only {data_seeds} data seeds");
}

/// The recorded seeds (fuzz/src/seeds.rs) must reach the deep states: each committed
/// `seed-ours-*` file of the `client` and `server` corpora completes its handshake, and
/// resumes when its name says so. With `HANDCLASP_WRITE_SEEDS=1` the seeds are
/// recorded afresh and written first (do that after a change of the wire format).
#[test]
fn recorded_seeds_reach_deep_states() {
    let corpus = |target: &str| -> PathBuf {
        [env!("CARGO_MANIFEST_DIR"), "fuzz", "corpus", target]
            .iter()
            .collect()
    };
    if std::env::var_os("HANDCLASP_WRITE_SEEDS").is_some() {
        for seed in fuzz_logic::recorded_seeds() {
            let dir = corpus(seed.target);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(&seed.name), &seed.data).unwrap();
        }
    }
    let mut checked = 0;
    for (target, run) in [
        (
            "client",
            fuzz_logic::client_run as fn(&[u8]) -> fuzz_logic::Reached,
        ),
        ("server", fuzz_logic::server_run),
    ] {
        for entry in std::fs::read_dir(corpus(target)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.starts_with("seed-ours-") {
                continue;
            }
            let reached = run(&std::fs::read(&path).unwrap());
            assert!(
                reached.established && reached.error.is_none(),
                "{target}/{name}: {reached:?}"
            );
            assert_eq!(reached.resumed, name.contains("resumed"), "{target}/{name}");
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} recorded seeds");
}

/// The `handshake` target's clean seeds complete (resuming, with 0-RTT accepted, where
/// their names say so) and carry data both ways. (The tampered ones are checked by the
/// invariants inside the target, in `handshake_corpus`.)
#[test]
fn handshake_seeds_complete_when_clean() {
    let dir: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fuzz", "corpus", "handshake"]
        .iter()
        .collect();
    let mut clean = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("seed-ours-") && name.ends_with("-clean")) {
            continue;
        }
        let outcome = fuzz_logic::handshake_run(&std::fs::read(&path).unwrap());
        assert_eq!(outcome.established, [true, true], "{name}: {outcome:?}");
        assert_eq!(outcome.failed, [false, false], "{name}: {outcome:?}");
        assert!(
            outcome.received.iter().all(|&n| n > 0),
            "{name}: {outcome:?}"
        );
        assert_eq!(outcome.resumed, name.contains("resumed"), "{name}");
        assert_eq!(outcome.early_data_accepted, name.contains("0rtt"), "{name}");
        clean += 1;
    }
    assert_eq!(clean, 6);
}
