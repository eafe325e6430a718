//! The full comparison: every row measured for each implementation in turn, A B C D
//! B C D A ... (a different one first each round), over several rounds, medians
//! reported.

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use crate::Opts;
use crate::alloc::{self, CLIENT, SERVER};
use crate::endpoint::{
    self, Aead, Cost, Impl, Kx, Resumption, Setup, Sink, Version, checked_handshake,
};
use crate::floor::{self, AwsAead, AwsKeys, Keys, RawAead};
use crate::hc::Handclasp;
use crate::ossl::Openssl;
use crate::pki::{KeyKind, Pki};
use crate::rl::{Provider, Rustls};
use crate::rlu::{self, RustlsUnbuffered};
use crate::table::{self, FLOOR, HC, OS, RL, RLA, Row};

pub struct Params {
    pub rounds: usize,
    /// Wall time one sample should last.
    pub target: Duration,
    pub idle_connections: usize,
    /// The concurrent-connection rows: bytes moved per transfer, all connections
    /// together (each connection moves its share).
    pub concurrent_bytes: usize,
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Microseconds per call of `f`, over one sample of about `target`.
fn per_op(target: Duration, mut f: impl FnMut()) -> f64 {
    let start = crate::clock::Cpu::now();
    let mut n = 0u32;
    while n < 3 || start.elapsed() < target {
        f();
        n += 1;
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

/// The floor's medians, µs per operation and MB/s per AEAD direction.
struct Floor {
    x25519: f64,
    /// libcrux ML-KEM-768: key generation and decapsulation (client), the
    /// encapsulation key's check and encapsulation (server).
    mlkem_keygen: f64,
    mlkem_decaps: f64,
    mlkem_validate: f64,
    mlkem_encaps: f64,
    /// The transcript hash with the hybrid shares' 2,272 extra bytes.
    sha_hybrid: f64,
    sign: [f64; 3],
    verify: [f64; 3],
    hkdf13: f64,
    prf12: f64,
    sha: f64,
}

const KEYS: [KeyKind; 3] = [KeyKind::Ecdsa, KeyKind::Rsa, KeyKind::Ed25519];
const AEADS: [Aead; 3] = [Aead::Aes128, Aead::Aes256, Aead::Chacha];

fn key_index(k: KeyKind) -> usize {
    KEYS.iter().position(|&x| x == k).unwrap()
}

fn key_name(k: KeyKind) -> &'static str {
    match k {
        KeyKind::Ecdsa => "ecdsa-p256",
        KeyKind::Rsa => "rsa-2048",
        KeyKind::Ed25519 => "ed25519",
    }
}

pub fn aead_name(a: Aead) -> &'static str {
    match a {
        Aead::Aes128 => "aes128gcm",
        Aead::Aes256 => "aes256gcm",
        Aead::Chacha => "chacha20",
    }
}

fn version_name(v: Version) -> &'static str {
    match v {
        Version::Tls13 => "tls13",
        Version::Tls12 => "tls12",
    }
}

/// The X25519MLKEM768 shares' extra transcript bytes over X25519's: the client's
/// share grows by 1,184 (the encapsulation key), the server's by 1,088 (the
/// ciphertext).
const HYBRID_EXTRA: usize = 1184 + 1088;

fn measure_floor(pki: &Pki, p: &Params, rows: &mut Vec<Row>, want: &dyn Fn(&str) -> bool) -> Floor {
    let keys = Keys::new(pki);
    let shared = [3u8; 32];
    let th = [5u8; 32];
    let transcript = vec![0x42u8; 4096];
    let transcript_hybrid = vec![0x42u8; 4096 + HYBRID_EXTRA];
    // The bulk rows' records: 1 MiB in writes of --write-size.
    let record = crate::endpoint::record_size();
    let mut raw: Vec<RawAead> = AEADS
        .iter()
        .map(|&a| RawAead::new(a, (1 << 20) / record, record, 0))
        .collect();
    let t = p.target / 4;
    let mut ops: Vec<(String, Vec<f64>)> = Vec::new();
    let names = [
        "ring x25519 keygen+agree",
        "ring ecdsa-p256 sign",
        "ring rsa-2048 pss sign",
        "ring ed25519 sign",
        "ring ecdsa-p256 verify",
        "ring rsa-2048 pss verify",
        "ring ed25519 verify",
        "ring tls13 key schedule (23 hkdf/hmac)",
        "ring tls12 prf (ems, key block, 2 finished)",
        "ring sha256 transcript 4 KiB, 6 forks",
        "libcrux mlkem768 keygen",
        "libcrux mlkem768 decaps",
        "libcrux mlkem768 validate encaps key",
        "libcrux mlkem768 encaps",
        "ring sha256 transcript 4 KiB + 2,272 B x25519mlkem768 shares, 6 forks",
        "x25519mlkem768 kx: ring x25519 keygen+agree + libcrux mlkem768 keygen+validate+encaps+decaps",
        // Reference rows, in the rustls-aws column: aws-lc-rs's own primitives.
        "aws-lc-rs x25519 keygen+agree",
        "aws-lc-rs ecdsa-p256 sign",
        "aws-lc-rs ecdsa-p256 verify",
        "aws-lc-rs mlkem768 keygen",
        "aws-lc-rs mlkem768 decaps",
        "aws-lc-rs mlkem768 encaps (key parsed and checked)",
    ];
    let aws = AwsKeys::new(pki);
    for n in names {
        ops.push((n.to_string(), Vec::new()));
    }
    let mut seal = vec![Vec::new(); 3];
    let mut open = vec![Vec::new(); 3];
    let mut seal_copied = vec![Vec::new(); 3];
    let mut open_copied = vec![Vec::new(); 3];
    let app: Vec<u8> = (0..1 << 20).map(|i| (i / record) as u8).collect();
    let mut wire = Vec::with_capacity((1 << 20) / record * (record + 16));
    let mut back = vec![0u8; app.len()];
    let mut aws_aead = AwsAead::new(64);
    let (mut aws_seal, mut aws_open) = (Vec::new(), Vec::new());
    for _ in 0..p.rounds {
        let fns: [&dyn Fn(); 22] = [
            &|| keys.x25519(),
            &|| keys.ecdsa_sign(),
            &|| keys.rsa_sign(),
            &|| keys.ed_sign(),
            &|| keys.ecdsa_verify(),
            &|| keys.rsa_verify(),
            &|| keys.ed_verify(),
            &|| floor::tls13_key_schedule(&shared, &th),
            &|| floor::tls12_prf(&shared, &th),
            &|| floor::transcript_hash(&transcript),
            &|| keys.mlkem_keygen(),
            &|| keys.mlkem_decaps(),
            &|| keys.mlkem_validate(),
            &|| keys.mlkem_encaps(),
            &|| floor::transcript_hash(&transcript_hybrid),
            &|| keys.x25519_mlkem768(),
            &|| aws.x25519(),
            &|| aws.ecdsa_sign(),
            &|| aws.ecdsa_verify(),
            &|| aws.mlkem_keygen(),
            &|| aws.mlkem_decaps(),
            &|| aws.mlkem_encaps(),
        ];
        for (i, f) in fns.iter().enumerate() {
            ops[i].1.push(per_op(t, f));
        }
        for (i, r) in raw.iter_mut().enumerate() {
            let (mut s, mut o, mut bytes) = (Duration::ZERO, Duration::ZERO, 0usize);
            let start = crate::clock::Cpu::now();
            while bytes == 0 || start.elapsed() < t {
                let a = crate::clock::Cpu::now();
                r.seal();
                s += a.elapsed();
                let a = crate::clock::Cpu::now();
                r.open();
                o += a.elapsed();
                r.check();
                bytes += r.bytes();
            }
            seal[i].push(bytes as f64 / s.as_secs_f64() / 1e6);
            open[i].push(bytes as f64 / o.as_secs_f64() / 1e6);
            let (mut s, mut o, mut bytes) = (Duration::ZERO, Duration::ZERO, 0usize);
            let start = crate::clock::Cpu::now();
            while bytes == 0 || start.elapsed() < t {
                let a = crate::clock::Cpu::now();
                r.seal_copied(&app, &mut wire);
                s += a.elapsed();
                let a = crate::clock::Cpu::now();
                r.open_copied(&wire, &mut back);
                o += a.elapsed();
                assert!(back == app, "raw AEAD with copies: round trip failed");
                bytes += r.bytes();
            }
            seal_copied[i].push(bytes as f64 / s.as_secs_f64() / 1e6);
            open_copied[i].push(bytes as f64 / o.as_secs_f64() / 1e6);
        }
        let (mut s, mut o, mut bytes) = (Duration::ZERO, Duration::ZERO, 0usize);
        let start = crate::clock::Cpu::now();
        while bytes == 0 || start.elapsed() < t {
            let a = crate::clock::Cpu::now();
            aws_aead.seal();
            s += a.elapsed();
            let a = crate::clock::Cpu::now();
            aws_aead.open();
            o += a.elapsed();
            aws_aead.check();
            bytes += aws_aead.bytes();
        }
        aws_seal.push(bytes as f64 / s.as_secs_f64() / 1e6);
        aws_open.push(bytes as f64 / o.as_secs_f64() / 1e6);
    }
    let m: Vec<f64> = ops.iter().map(|(_, v)| median(v.clone())).collect();
    let seal: Vec<f64> = seal.into_iter().map(median).collect();
    let open: Vec<f64> = open.into_iter().map(median).collect();
    let seal_copied: Vec<f64> = seal_copied.into_iter().map(median).collect();
    let open_copied: Vec<f64> = open_copied.into_iter().map(median).collect();
    for ((name, _), v) in ops.iter().zip(&m) {
        if want(name) {
            let mut row = Row::new(name.clone(), "µs/op");
            let col = if name.starts_with("aws-lc-rs") {
                RLA
            } else {
                FLOOR
            };
            row.values[col] = Some(*v);
            rows.push(row);
        }
    }
    for (i, a) in AEADS.iter().enumerate() {
        for (dir, v) in [
            ("seal", seal[i]),
            ("open", open[i]),
            ("seal + copies in and out", seal_copied[i]),
            ("open + copies in and out", open_copied[i]),
        ] {
            let name = format!("ring {} {dir} {}", aead_name(*a), size_name(record));
            if want(&name) {
                let mut row = Row::new(name, "MB/s");
                row.values[FLOOR] = Some(v);
                rows.push(row);
            }
        }
    }
    for (dir, v) in [("seal", aws_seal), ("open", aws_open)] {
        let name = format!("aws-lc-rs aes128gcm {dir} 16 KiB");
        if want(&name) {
            let mut row = Row::new(name, "MB/s");
            row.values[RLA] = Some(median(v));
            rows.push(row);
        }
    }
    Floor {
        x25519: m[0],
        sign: [m[1], m[2], m[3]],
        verify: [m[4], m[5], m[6]],
        hkdf13: m[7],
        prf12: m[8],
        sha: m[9],
        mlkem_keygen: m[10],
        mlkem_decaps: m[11],
        mlkem_validate: m[12],
        mlkem_encaps: m[13],
        sha_hybrid: m[14],
    }
}

impl Floor {
    /// The crypto floor of one handshake on one side, µs (formulas in README.md).
    fn handshake(&self, s: &Setup, resumed: bool, client: bool) -> f64 {
        let k = key_index(s.key);
        let kdf = match s.version {
            Version::Tls13 => self.hkdf13,
            Version::Tls12 => self.prf12,
        };
        let sha = match s.kx {
            Kx::Classical => self.sha,
            Kx::X25519MlKem768 => self.sha_hybrid,
        };
        let classical = match (resumed, s.version, client) {
            // PSK with (EC)DHE: a fresh X25519 exchange, the key schedule, the hash.
            (true, Version::Tls13, _) => self.x25519 + kdf + sha,
            // Abbreviated TLS 1.2 handshake: no key exchange at all.
            (true, Version::Tls12, _) => kdf + sha,
            // CA's ECDSA signature over the leaf (and over each intermediate, all
            // ECDSA P-256) + the leaf's handshake signature.
            (false, _, true) => {
                let cas = 1.0 + s.intermediates as f64;
                self.x25519 + cas * self.verify[0] + self.verify[k] + kdf + sha
            }
            (false, _, false) => self.x25519 + self.sign[k] + kdf + sha,
        };
        classical + self.mlkem(s, client)
    }

    /// What the side's ML-KEM-768 half adds to the floor: the client generates the
    /// key pair and decapsulates, the server checks the key and encapsulates.
    fn mlkem(&self, s: &Setup, client: bool) -> f64 {
        match (s.kx, client) {
            (Kx::Classical, _) => 0.0,
            (Kx::X25519MlKem768, true) => self.mlkem_keygen + self.mlkem_decaps,
            (Kx::X25519MlKem768, false) => self.mlkem_validate + self.mlkem_encaps,
        }
    }
}

/// One sample of handshakes: µs per handshake on the client and on the server.
fn sample_handshakes<I: Impl>(imp: &I, target: Duration, resumed: bool) -> (f64, f64) {
    let mut cost = Cost::default();
    let start = crate::clock::Cpu::now();
    let mut n = 0u32;
    while n < 3 || start.elapsed() < target {
        drop(checked_handshake(imp, &mut cost, resumed));
        n += 1;
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(n);
    (us(cost.client), us(cost.server))
}

/// Handshakes of any implementation, so one loop can interleave them all.
trait Handshakes {
    /// One sample: µs per handshake on the client and on the server.
    fn sample(&self, target: Duration, resumed: bool) -> (f64, f64);
    fn warm_up(&self);
    /// One full handshake, outside any sample: `None` if it completed, or why the
    /// client refused a chain as too long (the one failure a row may report as a
    /// missing value instead of a number). Any other failure panics.
    fn chain_refusal(&self) -> Option<String>;
}

/// What each library says when a chain has more intermediates than it follows:
/// handclasp's error, rustls-webpki's (inside rustls's), OpenSSL's verify result.
const TOO_LONG: [&str; 3] = [
    "ChainTooLong",
    "MaximumPathDepthExceeded",
    "certificate chain too long",
];

impl<I: Impl> Handshakes for I {
    fn sample(&self, target: Duration, resumed: bool) -> (f64, f64) {
        sample_handshakes(self, target, resumed)
    }

    fn warm_up(&self) {
        // For resumption rows this also leaves the first session behind.
        let mut cost = Cost::default();
        for _ in 0..2 {
            drop(endpoint::handshake(self, &mut cost));
        }
    }

    fn chain_refusal(&self) -> Option<String> {
        // The drivers panic on any library error (`unwrap`); catch that one panic,
        // quietly, and let it through unless it is a too-long chain.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            drop(checked_handshake(self, &mut Cost::default(), false))
        }));
        std::panic::set_hook(hook);
        let payload = result.err()?;
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if !TOO_LONG.iter().any(|m| message.contains(m)) {
            // The quiet hook swallowed the message: say it before unwinding on.
            eprintln!("handshake failed: {message}");
            std::panic::resume_unwind(payload);
        }
        let message = message.trim_start_matches("called `Result::unwrap()` on an `Err` value: ");
        Some(message.to_string())
    }
}

/// The four implementations, one per table column (handclasp, rustls with ring,
/// rustls with aws-lc-rs, OpenSSL).
struct Four {
    hc: Handclasp,
    rl: Rustls,
    rla: Rustls,
    os: Openssl,
}

impl Four {
    fn new(pki: &Pki, s: Setup) -> Self {
        Self {
            hc: Handclasp::new(pki, s),
            rl: Rustls::new(pki, s),
            rla: Rustls::with_provider(pki, s, Provider::AwsLc),
            os: Openssl::new(pki, s),
        }
    }
}

/// The implementations that have the setup's key exchange, by column: rustls's
/// ring provider has no ML-KEM, and OpenSSL 3.0 has no hybrid group.
fn handshakers(pki: &Pki, s: Setup) -> Vec<(usize, Box<dyn Handshakes>)> {
    let mut out: Vec<(usize, Box<dyn Handshakes>)> = vec![
        (HC, Box::new(Handclasp::new(pki, s))),
        (
            RLA,
            Box::new(Rustls::with_provider(pki, s, Provider::AwsLc)),
        ),
    ];
    if s.kx == Kx::Classical {
        out.push((RL, Box::new(Rustls::new(pki, s))));
        out.push((OS, Box::new(Openssl::new(pki, s))));
    }
    out.sort_by_key(|(col, _)| *col);
    out
}

/// Per variant, per column: every round's (client, server) µs per handshake.
type Samples = Vec<Vec<Vec<(f64, f64)>>>;

/// Table column names, for notes.
const COLUMN: [&str; 4] = ["handclasp", "rustls", "rustls-aws", "openssl"];

/// Handshake rows for one or more variants of a setup (e.g. X25519 and
/// X25519MLKEM768, or chains of different lengths), all measured in one interleaved
/// loop: every implementation of every variant takes one sample per round, starting
/// at a different one each round. Returns the samples, for ratio rows that pair
/// each round's samples (see [`hybrid_rows`], [`chain_rows`]). An implementation
/// that refuses a variant's chain as too long is left out of that variant (its
/// cells stay empty) and the reason goes into `notes`.
fn handshake_rows(
    pki: &Pki,
    p: &Params,
    f: &Floor,
    variants: &[(String, Setup)],
    resumed: bool,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) -> Samples {
    // (variant, column, implementation)
    let mut all: Vec<(usize, usize, Box<dyn Handshakes>)> = variants
        .iter()
        .enumerate()
        .flat_map(|(v, (_, s))| {
            handshakers(pki, *s)
                .into_iter()
                .map(move |(col, imp)| (v, col, imp))
        })
        .collect();
    all.retain(|(v, col, imp)| {
        let (label, s) = &variants[*v];
        if s.intermediates == 0 {
            return true;
        }
        match imp.chain_refusal() {
            None => true,
            Some(why) => {
                notes.push(format!(
                    "{label}: no {} numbers, its client refuses the chain: {why}",
                    COLUMN[*col]
                ));
                false
            }
        }
    });
    for (_, _, imp) in &all {
        imp.warm_up();
    }
    // [variant][column] -> per-round samples, (client, server) µs.
    let mut samples = vec![vec![Vec::<(f64, f64)>::new(); 4]; variants.len()];
    for round in 0..p.rounds {
        for k in 0..all.len() {
            let (v, col, imp) = &all[(round + k) % all.len()];
            samples[*v][*col].push(imp.sample(p.target, resumed));
        }
    }
    let side_median = |v: usize, col: usize, client: bool| {
        let s = &samples[v][col];
        (!s.is_empty()).then(|| median(s.iter().map(|x| if client { x.0 } else { x.1 }).collect()))
    };
    for (v, (label, s)) in variants.iter().enumerate() {
        for (side, client) in [("client", true), ("server", false)] {
            let fl = f.handshake(s, resumed, client);
            let mut us = [None; 5];
            for col in [HC, RL, RLA, OS] {
                us[col] = side_median(v, col, client);
            }
            us[FLOOR] = Some(fl);
            let mut row = Row::new(format!("{label} {side}"), "µs/hs");
            row.values = us;
            rows.push(row);
            let mut row = Row::new(format!("{label} {side}"), "hs/s/core");
            row.values = us.map(|u| u.map(|u| 1e6 / u));
            rows.push(row);
        }
    }
    samples
}

/// For a classical variant and its hybrid: the hybrid's cost over the classical
/// one's as ratio rows (medians of the per-round ratios, so both halves of each
/// ratio come from the same stretch of time).
fn hybrid_rows(
    f: &Floor,
    variants: &[(String, Setup)],
    resumed: bool,
    samples: &Samples,
    rows: &mut Vec<Row>,
) {
    if let [(base_label, base), (label, s)] = variants {
        let name = label
            .strip_prefix(base_label.as_str())
            .unwrap_or(label)
            .trim();
        for (side, client) in [("client", true), ("server", false)] {
            let pick = |x: &(f64, f64)| if client { x.0 } else { x.1 };
            // Per round: this variant's µs over the base's, same implementation.
            let paired = |col: usize| {
                let (a, b) = (&samples[1][col], &samples[0][col]);
                (!a.is_empty() && !b.is_empty())
                    .then(|| median(a.iter().zip(b).map(|(a, b)| pick(a) / pick(b)).collect()))
            };
            let mut row = Row::new(
                format!("{base_label} {name} / classical, {side}"),
                "ratio µs",
            );
            for col in [HC, RL, RLA, OS] {
                row.values[col] = paired(col);
            }
            row.values[FLOOR] =
                Some(f.handshake(s, resumed, client) / f.handshake(base, resumed, client));
            row.ratios = false;
            rows.push(row);
            // handclasp's hybrid handshake against its classical one plus the ML-KEM
            // half's floor: 1.0 would mean the hybrid costs nothing beyond that crypto.
            // The floor's extra: the ML-KEM operations and the longer transcript hash.
            let extra = f.handshake(s, resumed, client) - f.handshake(base, resumed, client);
            let plus_floor = {
                let (a, b) = (&samples[1][HC], &samples[0][HC]);
                median(
                    a.iter()
                        .zip(b)
                        .map(|(a, b)| pick(a) / (pick(b) + extra))
                        .collect(),
                )
            };
            let mut row = Row::new(
                format!("{base_label} {name} / (classical + its floor's extra), {side}"),
                "ratio µs",
            );
            row.values[HC] = Some(plus_floor);
            row.ratios = false;
            rows.push(row);
        }
    }
}

/// The chain rows' label for `n` intermediates.
fn chain_label(n: usize) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("chain leaf + {n} intermediate{s}, tls13 ecdsa-p256")
}

/// Full TLS 1.3 ECDSA handshakes with the server sending 0 to 8 intermediates
/// (`pki::CHAINS`), all lengths and implementations interleaved in one loop, and
/// per length, what each intermediate adds to a handshake: the median over rounds
/// of (µs with n intermediates - µs with none) / n, both from the same round.
fn chain_rows(pki: &Pki, p: &Params, f: &Floor, rows: &mut Vec<Row>, notes: &mut Vec<String>) {
    let variants: Vec<(String, Setup)> = crate::pki::CHAINS
        .iter()
        .map(|&n| {
            let s = Setup {
                version: Version::Tls13,
                aead: Aead::Aes128,
                key: KeyKind::Ecdsa,
                resumption: Resumption::Off,
                kx: Kx::Classical,
                intermediates: n,
            };
            (chain_label(n), s)
        })
        .collect();
    assert_eq!(
        variants[0].1.intermediates, 0,
        "the first chain is the baseline"
    );
    let samples = handshake_rows(pki, p, f, &variants, false, rows, notes);
    for (v, (label, s)) in variants.iter().enumerate().skip(1) {
        let n = s.intermediates as f64;
        for (side, client) in [("client", true), ("server", false)] {
            let pick = |x: &(f64, f64)| if client { x.0 } else { x.1 };
            let mut row = Row::new(format!("{label} {side}, extra per intermediate"), "µs");
            for col in [HC, RL, RLA, OS] {
                let (a, b) = (&samples[v][col], &samples[0][col]);
                if !a.is_empty() && !b.is_empty() {
                    let per: Vec<f64> = a
                        .iter()
                        .zip(b)
                        .map(|(a, b)| (pick(a) - pick(b)) / n)
                        .collect();
                    row.values[col] = Some(median(per));
                }
            }
            // The client verifies one more ECDSA P-256 signature per intermediate. The
            // server only sends more bytes: a few µs at most, so its differences are
            // mostly noise (even below zero), and their ratios mean nothing.
            row.values[FLOOR] = client.then_some(f.verify[0]);
            row.ratios = client;
            rows.push(row);
        }
    }
}

/// A connection pair kept open for bulk samples.
pub struct Bulk<I: Impl> {
    client: I::Client,
    server: I::Server,
    wire: Vec<u8>,
    app: Sink,
}

impl<I: Impl> Bulk<I> {
    pub fn new(imp: &I, data: &[u8]) -> Self {
        let (client, server) = checked_handshake(imp, &mut Cost::default(), false);
        let mut b = Self {
            client,
            server,
            wire: Vec::new(),
            app: Sink::new(data.len() + 64 * 1024),
        };
        // Warm-up: buffers grow to their steady size.
        for _ in 0..3 {
            b.once(data);
        }
        b
    }

    pub fn once(&mut self, data: &[u8]) -> (Duration, Duration) {
        endpoint::bulk(
            &mut self.client,
            &mut self.server,
            data,
            &mut self.wire,
            &mut self.app,
        )
    }
}

/// A bulk pair of any implementation, so rustls's driver can be picked at run time.
trait BulkPair {
    /// One sample: (send MB/s, receive MB/s).
    fn sample(&mut self, data: &[u8], target: Duration) -> (f64, f64);
    /// Allocations on the send and the receive side for one more MiB.
    fn allocs(&mut self, data: &[u8]) -> (f64, f64);
    /// The floor's raw seal samples (the floor only).
    fn raw_seal_samples(&self) -> Vec<f64> {
        Vec::new()
    }
}

impl<I: Impl> BulkPair for Bulk<I> {
    fn sample(&mut self, data: &[u8], target: Duration) -> (f64, f64) {
        let (mut s, mut r, mut bytes) = (Duration::ZERO, Duration::ZERO, 0usize);
        let start = crate::clock::Cpu::now();
        while bytes < 2 * data.len() || start.elapsed() < target {
            let (a, b) = self.once(data);
            s += a;
            r += b;
            bytes += data.len();
        }
        (
            bytes as f64 / s.as_secs_f64() / 1e6,
            bytes as f64 / r.as_secs_f64() / 1e6,
        )
    }

    fn allocs(&mut self, data: &[u8]) -> (f64, f64) {
        let (c, s) = (alloc::allocs(CLIENT), alloc::allocs(SERVER));
        self.once(data);
        (
            (alloc::allocs(CLIENT) - c) as f64,
            (alloc::allocs(SERVER) - s) as f64,
        )
    }
}

/// The crypto floor as one more bulk "implementation", so its samples are taken in
/// the same rotation as the others' and each ratio pairs samples from the same
/// stretch of time: raw seal and open of the rows' records, with the copies a
/// buffered API implies when handclasp's buffered API is measured.
struct FloorPair {
    raw: RawAead,
    app: Vec<u8>,
    wire: Vec<u8>,
    back: Vec<u8>,
    /// Raw seal MB/s of every sample, for the sealed-in-place row.
    raw_seal: Vec<f64>,
}

impl FloorPair {
    fn new(s: Setup, data: &[u8]) -> Self {
        let record = crate::endpoint::record_size();
        // What the protocol encrypts beyond the content: TLS 1.3's inner content type
        // byte (RFC 8446 5.2), so the floor is one a TLS 1.3 stack could reach.
        let extra = match s.version {
            Version::Tls13 => 1,
            Version::Tls12 => 0,
        };
        Self {
            raw: RawAead::new(s.aead, data.len() / record, record, extra),
            app: data.to_vec(),
            wire: Vec::with_capacity(data.len() / record * (record + extra + 16)),
            back: vec![0; data.len()],
            raw_seal: Vec::new(),
        }
    }
}

impl BulkPair for FloorPair {
    fn sample(&mut self, _data: &[u8], target: Duration) -> (f64, f64) {
        let copies = crate::hc::BUFFERED.load(Relaxed);
        let (mut s, mut o, mut raw_s, mut bytes) =
            (Duration::ZERO, Duration::ZERO, Duration::ZERO, 0usize);
        let start = crate::clock::Cpu::now();
        while bytes == 0 || start.elapsed() < target {
            let a = crate::clock::Cpu::now();
            self.raw.seal();
            raw_s += a.elapsed();
            let a = crate::clock::Cpu::now();
            self.raw.open();
            let raw_o = a.elapsed();
            self.raw.check();
            if copies {
                let a = crate::clock::Cpu::now();
                self.raw.seal_copied(&self.app, &mut self.wire);
                s += a.elapsed();
                let a = crate::clock::Cpu::now();
                self.raw.open_copied(&self.wire, &mut self.back);
                o += a.elapsed();
                assert!(
                    self.back == self.app,
                    "floor with copies: round trip failed"
                );
            } else {
                s = raw_s;
                o += raw_o;
            }
            bytes += self.raw.bytes();
        }
        let mbs = |t: Duration| bytes as f64 / t.as_secs_f64() / 1e6;
        self.raw_seal.push(mbs(raw_s));
        (mbs(s), mbs(o))
    }

    fn allocs(&mut self, _data: &[u8]) -> (f64, f64) {
        (0.0, 0.0)
    }

    fn raw_seal_samples(&self) -> Vec<f64> {
        self.raw_seal.clone()
    }
}

pub fn test_data() -> Vec<u8> {
    (0..1usize << 20).map(|i| (i * 31 % 251) as u8).collect()
}

/// "16 KiB", "1 KiB", "100 B".
fn size_name(bytes: usize) -> String {
    match bytes % 1024 {
        0 if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) => format!("{} MiB", bytes >> 20),
        0 => format!("{} KiB", bytes / 1024),
        _ => format!("{bytes} B"),
    }
}

fn bulk_rows(pki: &Pki, p: &Params, s: Setup, rows: &mut Vec<Row>) {
    let mut label = format!("bulk {} {}", version_name(s.version), aead_name(s.aead));
    if crate::endpoint::write_size() != 16 * 1024 {
        label += &format!(" {} writes", size_name(crate::endpoint::write_size()));
    }
    let data = test_data();
    let four = Four::new(pki, s);
    // rustls: the unbuffered API, as handclasp's zero-copy path; the buffered one
    // with --rustls-buffered (the handshake and memory rows always use that).
    let rustls = |rl: &Rustls| -> Box<dyn BulkPair> {
        if rlu::BUFFERED.load(Relaxed) {
            Box::new(Bulk::new(rl, &data))
        } else {
            Box::new(Bulk::new(&RustlsUnbuffered::new(rl), &data))
        }
    };
    let mut pairs: Vec<(usize, Box<dyn BulkPair>)> = vec![
        (HC, Box::new(Bulk::new(&four.hc, &data))),
        (RL, rustls(&four.rl)),
        (RLA, rustls(&four.rla)),
        (OS, Box::new(Bulk::new(&four.os, &data))),
        (FLOOR, Box::new(FloorPair::new(s, &data))),
    ];
    let probe = Probe::from_env();
    pairs.retain(|(col, _)| probe.keeps(*col));
    let mut hc_in_place = probe
        .keeps(HC)
        .then(|| crate::hc::InPlaceSend::new(&four.hc, &data));
    let mut send: [Vec<f64>; 5] = Default::default();
    let mut recv: [Vec<f64>; 5] = Default::default();
    let mut faults = [0u64; 5];
    let mut sealed_in_place = Vec::new();
    for round in 0..p.rounds {
        // A different implementation first each round (unless the probe fixes it).
        let n = pairs.len();
        let first = if probe.fixed_order { 0 } else { round };
        for k in 0..n {
            let (col, pair) = &mut pairs[(first + k) % n];
            let before = minor_faults();
            let (a, b) = pair.sample(&data, p.target);
            faults[*col] += minor_faults() - before;
            send[*col].push(a);
            recv[*col].push(b);
        }
        if let Some(hc_in_place) = &mut hc_in_place {
            sealed_in_place.push(hc_in_place.sample(&data, p.target));
        }
    }
    // The floor's own samples, interleaved with the rest (FloorPair); its raw seal for
    // the sealed-in-place row.
    let raw_seal = {
        let mut v = Vec::new();
        for (col, pair) in &mut pairs {
            if *col == FLOOR {
                v = pair.raw_seal_samples();
            }
        }
        (!v.is_empty()).then(|| median(v))
    };
    for (dir, samples) in [("send", send), ("recv", recv)] {
        let mut row = Row::new(format!("{label} {dir}"), "MB/s");
        for (col, v) in samples.into_iter().enumerate() {
            if !v.is_empty() {
                row.values[col] = Some(median(v));
            }
        }
        rows.push(row);
        if dir == "send" {
            // handclasp only: the data built in the records, sealed where it lies.
            let mut row = Row::new(format!("{label} send, sealed in place"), "MB/s");
            row.values[HC] = (!sealed_in_place.is_empty()).then(|| median(sealed_in_place.clone()));
            row.values[FLOOR] = raw_seal;
            rows.push(row);
        }
    }
    if probe.faults {
        let mut row = Row::new(format!("{label} page faults"), "faults");
        for (col, _) in &pairs {
            row.values[*col] = Some(faults[*col] as f64);
        }
        rows.push(row);
    }
    let mut send_allocs = Row::new(format!("{label} send allocs"), "allocs/MiB");
    let mut recv_allocs = Row::new(format!("{label} recv allocs"), "allocs/MiB");
    for (col, pair) in pairs.iter_mut().filter(|(col, _)| *col != FLOOR) {
        let (a, b) = pair.allocs(&data);
        send_allocs.values[*col] = Some(a);
        recv_allocs.values[*col] = Some(b);
    }
    rows.push(send_allocs);
    rows.push(recv_allocs);
}

/// Knobs for finding out what else in the process moves a bulk row (README,
/// "Placement"): `PEERS_BULK_ONLY=hc,rl,rla,os,floor` keeps only those columns,
/// `PEERS_BULK_FIXED_ORDER=1` samples them in that order every round (handclasp
/// first), `PEERS_BULK_FAULTS=1` adds a row of the page faults taken while sampling.
struct Probe {
    only: Option<Vec<usize>>,
    fixed_order: bool,
    faults: bool,
}

impl Probe {
    fn from_env() -> Self {
        let only = std::env::var("PEERS_BULK_ONLY").ok().map(|v| {
            v.split(',')
                .map(|c| match c.trim() {
                    "hc" => HC,
                    "rl" => RL,
                    "rla" => RLA,
                    "os" => OS,
                    "floor" => FLOOR,
                    other => panic!("PEERS_BULK_ONLY: unknown column {other:?}"),
                })
                .collect()
        });
        let set = |name| std::env::var_os(name).is_some_and(|v| v == "1");
        Self {
            only,
            fixed_order: set("PEERS_BULK_FIXED_ORDER"),
            faults: set("PEERS_BULK_FAULTS"),
        }
    }

    fn keeps(&self, col: usize) -> bool {
        self.only.as_ref().is_none_or(|only| only.contains(&col))
    }
}

/// Minor page faults this thread has taken so far.
fn minor_faults() -> u64 {
    // SAFETY: `usage` is a valid rusage for the call to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_THREAD) failed");
    usage.ru_minflt as u64
}

/// Memory of one implementation: [idle client, idle server, peak client, peak
/// server, allocs client, allocs server] per connection / handshake.
fn memory<I: Impl>(imp: &I, n: usize) -> [f64; 6] {
    let mut cost = Cost::default();
    drop(checked_handshake(imp, &mut cost, false));
    // Peak and allocations during one handshake.
    alloc::reset_peak(CLIENT);
    alloc::reset_peak(SERVER);
    let (ac, as_) = (alloc::allocs(CLIENT), alloc::allocs(SERVER));
    let pair = checked_handshake(imp, &mut cost, false);
    let peak = (alloc::peak(CLIENT) as f64, alloc::peak(SERVER) as f64);
    let allocs = (
        (alloc::allocs(CLIENT) - ac) as f64,
        (alloc::allocs(SERVER) - as_) as f64,
    );
    drop(pair);
    // Idle connections: what each side's n established connections hold.
    let mut clients = Vec::with_capacity(n);
    let mut servers = Vec::with_capacity(n);
    let base = alloc::live();
    for _ in 0..n {
        let (c, s) = checked_handshake(imp, &mut cost, false);
        clients.push(c);
        servers.push(s);
    }
    let all = alloc::live();
    servers.clear();
    let after_servers = alloc::live();
    clients.clear();
    let after_clients = alloc::live();
    assert!(
        after_clients - base < 4096,
        "memory not returned: {}",
        after_clients - base
    );
    let per = |bytes: i64| bytes as f64 / n as f64;
    [
        per(after_servers - after_clients) + std::mem::size_of::<I::Client>() as f64,
        per(all - after_servers) + std::mem::size_of::<I::Server>() as f64,
        peak.0,
        peak.1,
        allocs.0,
        allocs.1,
    ]
}

fn memory_rows(pki: &Pki, p: &Params, label: &str, s: Setup, rows: &mut Vec<Row>) {
    let four = Four::new(pki, s);
    let m = [
        memory(&four.hc, p.idle_connections),
        memory(&four.rl, p.idle_connections),
        memory(&four.rla, p.idle_connections),
        memory(&four.os, p.idle_connections),
    ];
    let names = [
        ("idle connection, client", "bytes"),
        ("idle connection, server", "bytes"),
        ("peak heap in handshake, client", "bytes"),
        ("peak heap in handshake, server", "bytes"),
        ("allocations per handshake, client", "allocs"),
        ("allocations per handshake, server", "allocs"),
    ];
    for (i, (name, unit)) in names.iter().enumerate() {
        let mut row = Row::new(format!("memory {label} {name}"), unit);
        for (col, m) in [HC, RL, RLA, OS].into_iter().zip(&m) {
            row.values[col] = Some(m[i]);
        }
        rows.push(row);
    }
}

pub fn all(pki: &Pki, opts: &Opts) {
    let mut p = if opts.quick {
        Params {
            rounds: 3,
            target: Duration::from_millis(15),
            idle_connections: 200,
            concurrent_bytes: 16 << 20,
        }
    } else {
        Params {
            rounds: 7,
            target: Duration::from_millis(120),
            idle_connections: 1000,
            concurrent_bytes: 64 << 20,
        }
    };
    if let Some(n) = opts.idle {
        p.idle_connections = n;
    }
    // Several alternatives may be given, separated by `|`.
    let want = |name: &str| {
        opts.filter
            .as_ref()
            .is_none_or(|f| f.split('|').any(|f| name.contains(f)))
    };
    let started = Instant::now();
    let mut rows = Vec::new();
    let floor = measure_floor(pki, &p, &mut rows, &want);
    let setup = |version, key, resumption| Setup {
        version,
        aead: Aead::Aes128,
        key,
        resumption,
        kx: Kx::Classical,
        intermediates: 0,
    };
    // Each entry: the variants measured together (labels and setups), resumed.
    let mut handshakes: Vec<(Vec<(String, Setup)>, bool)> = Vec::new();
    for key in KEYS {
        let label = format!("full tls13 {}", key_name(key));
        let classical = setup(Version::Tls13, key, Resumption::Off);
        let mut variants = vec![(label.clone(), classical)];
        if key == KeyKind::Ecdsa {
            // The hybrid group, interleaved with the classical handshake it extends.
            let hybrid = Setup {
                kx: Kx::X25519MlKem768,
                ..classical
            };
            variants.push((format!("{label} x25519mlkem768"), hybrid));
        }
        handshakes.push((variants, false));
    }
    for key in [KeyKind::Ecdsa, KeyKind::Rsa] {
        handshakes.push((
            vec![(
                format!("full tls12 {}", key_name(key)),
                setup(Version::Tls12, key, Resumption::Off),
            )],
            false,
        ));
    }
    for (label, version, resumption) in [
        ("resumed tls13 ticket", Version::Tls13, Resumption::Tickets),
        ("resumed tls12 ticket", Version::Tls12, Resumption::Tickets),
        (
            "resumed tls12 session-id",
            Version::Tls12,
            Resumption::SessionIds,
        ),
    ] {
        handshakes.push((
            vec![(label.into(), setup(version, KeyKind::Ecdsa, resumption))],
            true,
        ));
    }
    // Footnotes: implementations left out of a row, and why.
    let mut notes = Vec::new();
    for (variants, resumed) in handshakes {
        if variants.iter().any(|(label, _)| want(label)) {
            let samples =
                handshake_rows(pki, &p, &floor, &variants, resumed, &mut rows, &mut notes);
            hybrid_rows(&floor, &variants, resumed, &samples, &mut rows);
        }
    }
    if crate::pki::CHAINS.iter().any(|&n| want(&chain_label(n))) {
        chain_rows(pki, &p, &floor, &mut rows, &mut notes);
    }
    for version in [Version::Tls13, Version::Tls12] {
        for aead in AEADS {
            let s = Setup {
                version,
                aead,
                key: KeyKind::Ecdsa,
                resumption: Resumption::Off,
                kx: Kx::Classical,
                intermediates: 0,
            };
            if want(&format!(
                "bulk {} {}",
                version_name(version),
                aead_name(aead)
            )) {
                bulk_rows(pki, &p, s, &mut rows);
            }
        }
    }
    for version in [Version::Tls13, Version::Tls12] {
        let label = format!("{} ecdsa-p256", version_name(version));
        if want(&format!("memory {label}")) {
            memory_rows(
                pki,
                &p,
                &label,
                setup(version, KeyKind::Ecdsa, Resumption::Off),
                &mut rows,
            );
        }
    }
    if want(crate::loopback::HANDSHAKES)
        || want(crate::loopback::BULK_ROWS)
        || crate::loopback::CONCURRENT
            .iter()
            .any(|&c| want(&crate::loopback::concurrent_label(c, &p)))
    {
        crate::loopback::rows(pki, &p, &want, &mut rows);
    }
    table::print(&rows);
    if !notes.is_empty() {
        println!();
        for note in &notes {
            println!("{note}");
        }
    }
    if rows.iter().any(|r| r.name.starts_with("bulk ")) {
        let api = |buffered: bool, zero_copy: &'static str| {
            if buffered { "buffered" } else { zero_copy }
        };
        println!(
            "\nbulk rows: handclasp {}, rustls (both providers) {}, OpenSSL SSL_read/SSL_write",
            api(crate::hc::BUFFERED.load(Relaxed), "in place"),
            api(rlu::BUFFERED.load(Relaxed), "unbuffered"),
        );
        if crate::hc::BUFFERED.load(Relaxed) {
            println!(
                "floor of the send/recv rows: raw seal/open with the copies a buffered API \
                 implies (application data in, TLS bytes out; TLS bytes in, plaintext out)"
            );
        }
    }
    if rows.iter().any(|r| r.name.starts_with("async ")) {
        println!(
            "\nasync rows: the rustls column is tokio-rustls (same rustls configs, ring), the \
             floor column plain TCP without TLS;\n{}, TCP on 127.0.0.1, wall clock for client and \
             server together",
            crate::loopback::runtime_name()
        );
    }
    println!(
        "\n{} mode, {} rounds per row (implementations interleaved, a different one first \
         each round), medians; {:.1} s",
        if opts.quick { "quick" } else { "full" },
        p.rounds,
        started.elapsed().as_secs_f64()
    );
}
