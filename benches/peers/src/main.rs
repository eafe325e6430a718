//! handclasp against rustls, OpenSSL and the raw `ring` floor: full and resumed
//! handshakes, bulk throughput, memory, and single scenarios for callgrind.
//! See README.md.

mod alloc;
mod clock;
mod endpoint;
mod floor;
mod hc;
mod loopback;
mod ossl;
mod pki;
mod rl;
mod rlu;
mod run;
mod scenario;
mod table;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Command-line options.
pub struct Opts {
    pub quick: bool,
    pub filter: Option<String>,
    pub scenario: Option<String>,
    pub iterations: usize,
    /// `--idle N`: idle connections per side in the memory rows.
    pub idle: Option<usize>,
}

fn usage() -> ! {
    eprintln!(
        "usage: handclasp-peers [--quick] [--filter SUBSTRING] [--hc-buffered] [--rustls-buffered]\n       \
         [--hc-padding N]\n       \
         [--write-size BYTES (bulk rows; default 16384; up to 16 KiB a divisor of 1 MiB, else at most 1 MiB)] [--idle N (memory rows)]\n       \
         [--async-current-thread]\n       \
         handclasp-peers --scenario NAME [--iterations N]   (see README.md; --list-scenarios)"
    );
    std::process::exit(2)
}

fn main() {
    // Before anything touches OpenSSL, so its heap is counted too.
    if std::env::var_os("PEERS_NO_HOOK").is_none() {
        alloc::hook_openssl();
    }
    let mut opts = Opts {
        quick: false,
        filter: None,
        scenario: None,
        iterations: 20,
        idle: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => opts.quick = true,
            "--hc-buffered" => hc::BUFFERED.store(true, std::sync::atomic::Ordering::Relaxed),
            "--async-current-thread" => {
                loopback::CURRENT_THREAD.store(true, std::sync::atomic::Ordering::Relaxed)
            }
            "--rustls-buffered" => rlu::BUFFERED.store(true, std::sync::atomic::Ordering::Relaxed),
            "--hc-padding" => {
                let n: usize = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| usage());
                hc::PADDING.store(n, std::sync::atomic::Ordering::Relaxed)
            }
            "--filter" => opts.filter = Some(args.next().unwrap_or_else(|| usage())),
            "--idle" => {
                opts.idle = Some(
                    args.next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n| n > 0)
                        .unwrap_or_else(|| usage()),
                )
            }
            "--write-size" => {
                let n: usize = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    // Up to 16 KiB a write is one record, and the records must tile
                    // the 1 MiB of test data; larger writes are split by the libraries.
                    .filter(|&n| {
                        (1..=1 << 20).contains(&n) && (n > 16 * 1024 || (1 << 20) % n == 0)
                    })
                    .unwrap_or_else(|| usage());
                endpoint::WRITE.store(n, std::sync::atomic::Ordering::Relaxed)
            }
            "--scenario" => opts.scenario = Some(args.next().unwrap_or_else(|| usage())),
            "--iterations" => {
                opts.iterations = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--list-scenarios" => {
                for name in scenario::names() {
                    println!("{name}");
                }
                return;
            }
            _ => usage(),
        }
    }
    let pki = pki::Pki::generate();
    match &opts.scenario {
        Some(name) => scenario::run(&pki, name, opts.iterations),
        None => run::all(&pki, &opts),
    }
}
