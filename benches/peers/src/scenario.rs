//! Single scenarios for instruction counting: `--scenario NAME --iterations N` runs
//! one warm-up (handshake or MiB) unmarked, then N marked ones, and prints nothing.
//! Inside the marked ones every client call runs under `endpoint::client_side` and
//! every server call under `endpoint::server_side`, so callgrind's
//! `--toggle-collect` counts one side (see instructions.sh).

use std::sync::atomic::Ordering::Relaxed;

use crate::endpoint::{self, Aead, Cost, Impl, Kx, MARK, Resumption, Setup, Version};
use crate::hc::Handclasp;
use crate::ossl::Openssl;
use crate::pki::{KeyKind, Pki};
use crate::rl::{Provider, Rustls};
use crate::run::{Bulk, test_data};

/// `rustls` is rustls with its ring provider, `rustls_aws` with aws-lc-rs.
const IMPLS: [&str; 4] = ["handclasp", "rustls", "rustls_aws", "openssl"];

/// (name, setup, resumed, bulk)
fn workloads() -> Vec<(&'static str, Setup, bool, bool)> {
    let s = |version, key, resumption, aead| Setup {
        version,
        aead,
        key,
        resumption,
        kx: Kx::Classical,
        intermediates: 0,
    };
    use Aead::*;
    use KeyKind::*;
    use Resumption::*;
    use Version::*;
    vec![
        ("tls13-ecdsa", s(Tls13, Ecdsa, Off, Aes128), false, false),
        (
            "tls13-ecdsa-x25519mlkem768",
            Setup {
                kx: Kx::X25519MlKem768,
                ..s(Tls13, Ecdsa, Off, Aes128)
            },
            false,
            false,
        ),
        ("tls13-rsa", s(Tls13, Rsa, Off, Aes128), false, false),
        (
            "tls13-ed25519",
            s(Tls13, Ed25519, Off, Aes128),
            false,
            false,
        ),
        ("tls12-ecdsa", s(Tls12, Ecdsa, Off, Aes128), false, false),
        ("tls12-rsa", s(Tls12, Rsa, Off, Aes128), false, false),
        (
            "tls13-resumed",
            s(Tls13, Ecdsa, Tickets, Aes128),
            true,
            false,
        ),
        (
            "tls12-resumed-ticket",
            s(Tls12, Ecdsa, Tickets, Aes128),
            true,
            false,
        ),
        (
            "tls12-resumed-id",
            s(Tls12, Ecdsa, SessionIds, Aes128),
            true,
            false,
        ),
        (
            "tls13-aes128gcm-bulk-1mib",
            s(Tls13, Ecdsa, Off, Aes128),
            false,
            true,
        ),
        (
            "tls13-chacha20-bulk-1mib",
            s(Tls13, Ecdsa, Off, Chacha),
            false,
            true,
        ),
        (
            "tls12-aes128gcm-bulk-1mib",
            s(Tls12, Ecdsa, Off, Aes128),
            false,
            true,
        ),
    ]
}

pub fn names() -> Vec<String> {
    let mut out = Vec::new();
    for imp in IMPLS {
        for (w, setup, ..) in workloads() {
            // Only handclasp and rustls with aws-lc-rs have the hybrid group.
            if setup.kx == Kx::Classical || matches!(imp, "handclasp" | "rustls_aws") {
                out.push(format!("{imp}-{w}"));
            }
        }
    }
    out
}

fn go<I: Impl>(imp: &I, resumed: bool, bulk: bool, iterations: usize) {
    if bulk {
        let data = test_data();
        // Bulk::new runs the handshake and the warm-up MiBs unmarked.
        let mut pair = Bulk::new(imp, &data);
        MARK.store(true, Relaxed);
        for _ in 0..iterations {
            pair.once(&data);
        }
        MARK.store(false, Relaxed);
        return;
    }
    let mut cost = Cost::default();
    // Warm-up (and, for resumption, the first session).
    drop(endpoint::checked_handshake(imp, &mut cost, false));
    if resumed {
        drop(endpoint::checked_handshake(imp, &mut cost, true));
    }
    MARK.store(true, Relaxed);
    for _ in 0..iterations {
        drop(endpoint::checked_handshake(imp, &mut cost, resumed));
    }
    MARK.store(false, Relaxed);
}

pub fn run(pki: &Pki, name: &str, iterations: usize) {
    let (imp, work) = name.split_once('-').unwrap_or(("", ""));
    let Some((_, setup, resumed, bulk)) = workloads().into_iter().find(|(w, ..)| *w == work) else {
        eprintln!("unknown scenario {name:?}; --list-scenarios shows them");
        std::process::exit(2);
    };
    match imp {
        "handclasp" => go(&Handclasp::new(pki, setup), resumed, bulk, iterations),
        "rustls" => go(&Rustls::new(pki, setup), resumed, bulk, iterations),
        "rustls_aws" => go(
            &Rustls::with_provider(pki, setup, Provider::AwsLc),
            resumed,
            bulk,
            iterations,
        ),
        "openssl" => go(&Openssl::new(pki, setup), resumed, bulk, iterations),
        _ => {
            eprintln!("unknown implementation in {name:?}");
            std::process::exit(2);
        }
    }
}
