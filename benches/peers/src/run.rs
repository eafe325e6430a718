//! The full comparison: every row measured for each implementation in turn, A B C
//! A B C ..., over several rounds, medians reported.

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use crate::Opts;
use crate::alloc::{self, CLIENT, SERVER};
use crate::endpoint::{
    self, Aead, Cost, Impl, Resumption, Setup, Sink, Version, checked_handshake,
};
use crate::floor::{self, Keys, RawAead};
use crate::hc::Handclasp;
use crate::ossl::Openssl;
use crate::pki::{KeyKind, Pki};
use crate::rl::Rustls;
use crate::rlu::{self, RustlsUnbuffered};
use crate::table::{self, Row};

pub struct Params {
    pub rounds: usize,
    /// Wall time one sample should last.
    pub target: Duration,
    pub idle_connections: usize,
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
    let start = Instant::now();
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
    sign: [f64; 3],
    verify: [f64; 3],
    hkdf13: f64,
    prf12: f64,
    sha: f64,
    seal: [f64; 3],
    open: [f64; 3],
}

const KEYS: [KeyKind; 3] = [KeyKind::Ecdsa, KeyKind::Rsa, KeyKind::Ed25519];
const AEADS: [Aead; 3] = [Aead::Aes128, Aead::Aes256, Aead::Chacha];

fn key_index(k: KeyKind) -> usize {
    KEYS.iter().position(|&x| x == k).unwrap()
}

fn aead_index(a: Aead) -> usize {
    AEADS.iter().position(|&x| x == a).unwrap()
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

fn measure_floor(pki: &Pki, p: &Params, rows: &mut Vec<Row>, show: bool) -> Floor {
    let keys = Keys::new(pki);
    let shared = [3u8; 32];
    let th = [5u8; 32];
    let transcript = vec![0x42u8; 4096];
    let mut raw: Vec<RawAead> = AEADS.iter().map(|&a| RawAead::new(a, 64)).collect();
    let t = p.target / 4;
    let mut ops: Vec<(String, Vec<f64>)> = Vec::new();
    let names = [
        "x25519 keygen+agree",
        "ecdsa-p256 sign",
        "rsa-2048 pss sign",
        "ed25519 sign",
        "ecdsa-p256 verify",
        "rsa-2048 pss verify",
        "ed25519 verify",
        "tls13 key schedule (23 hkdf/hmac)",
        "tls12 prf (ems, key block, 2 finished)",
        "sha256 transcript 4 KiB, 6 forks",
    ];
    for n in names {
        ops.push((n.to_string(), Vec::new()));
    }
    let mut seal = vec![Vec::new(); 3];
    let mut open = vec![Vec::new(); 3];
    for _ in 0..p.rounds {
        let fns: [&dyn Fn(); 10] = [
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
        ];
        for (i, f) in fns.iter().enumerate() {
            ops[i].1.push(per_op(t, f));
        }
        for (i, r) in raw.iter_mut().enumerate() {
            let (mut s, mut o, mut bytes) = (Duration::ZERO, Duration::ZERO, 0usize);
            let start = Instant::now();
            while bytes == 0 || start.elapsed() < t {
                let a = Instant::now();
                r.seal();
                s += a.elapsed();
                let a = Instant::now();
                r.open();
                o += a.elapsed();
                r.check();
                bytes += r.bytes();
            }
            seal[i].push(bytes as f64 / s.as_secs_f64() / 1e6);
            open[i].push(bytes as f64 / o.as_secs_f64() / 1e6);
        }
    }
    let m: Vec<f64> = ops.iter().map(|(_, v)| median(v.clone())).collect();
    let seal: Vec<f64> = seal.into_iter().map(median).collect();
    let open: Vec<f64> = open.into_iter().map(median).collect();
    if show {
        for ((name, _), v) in ops.iter().zip(&m) {
            let mut row = Row::new(format!("ring {name}"), "µs/op");
            row.values[3] = Some(*v);
            rows.push(row);
        }
        for (i, a) in AEADS.iter().enumerate() {
            let mut row = Row::new(format!("ring {} seal 16 KiB", aead_name(*a)), "MB/s");
            row.values[3] = Some(seal[i]);
            rows.push(row);
            let mut row = Row::new(format!("ring {} open 16 KiB", aead_name(*a)), "MB/s");
            row.values[3] = Some(open[i]);
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
        seal: [seal[0], seal[1], seal[2]],
        open: [open[0], open[1], open[2]],
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
        match (resumed, s.version, client) {
            // PSK with (EC)DHE: a fresh X25519 exchange, the key schedule, the hash.
            (true, Version::Tls13, _) => self.x25519 + kdf + self.sha,
            // Abbreviated TLS 1.2 handshake: no key exchange at all.
            (true, Version::Tls12, _) => kdf + self.sha,
            // CA's ECDSA signature over the leaf + the leaf's handshake signature.
            (false, _, true) => self.x25519 + self.verify[0] + self.verify[k] + kdf + self.sha,
            (false, _, false) => self.x25519 + self.sign[k] + kdf + self.sha,
        }
    }
}

/// One sample of handshakes: µs per handshake on the client and on the server.
fn sample_handshakes<I: Impl>(imp: &I, target: Duration, resumed: bool) -> (f64, f64) {
    let mut cost = Cost::default();
    let start = Instant::now();
    let mut n = 0u32;
    while n < 3 || start.elapsed() < target {
        drop(checked_handshake(imp, &mut cost, resumed));
        n += 1;
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(n);
    (us(cost.client), us(cost.server))
}

struct Three {
    hc: Handclasp,
    rl: Rustls,
    os: Openssl,
}

impl Three {
    fn new(pki: &Pki, s: Setup) -> Self {
        Self {
            hc: Handclasp::new(pki, s),
            rl: Rustls::new(pki, s),
            os: Openssl::new(pki, s),
        }
    }
}

fn handshake_rows(
    pki: &Pki,
    p: &Params,
    f: &Floor,
    label: &str,
    s: Setup,
    resumed: bool,
    rows: &mut Vec<Row>,
) {
    let three = Three::new(pki, s);
    let mut cost = Cost::default();
    // Warm-up; for resumption rows this also leaves the first session behind.
    for _ in 0..2 {
        drop(endpoint::handshake(&three.hc, &mut cost));
        drop(endpoint::handshake(&three.rl, &mut cost));
        drop(endpoint::handshake(&three.os, &mut cost));
    }
    let mut client: [Vec<f64>; 3] = Default::default();
    let mut server: [Vec<f64>; 3] = Default::default();
    for _ in 0..p.rounds {
        let results = [
            sample_handshakes(&three.hc, p.target, resumed),
            sample_handshakes(&three.rl, p.target, resumed),
            sample_handshakes(&three.os, p.target, resumed),
        ];
        for (i, (c, s)) in results.into_iter().enumerate() {
            client[i].push(c);
            server[i].push(s);
        }
    }
    for (side, samples, is_client) in [("client", client, true), ("server", server, false)] {
        let us: Vec<f64> = samples.into_iter().map(median).collect();
        let fl = f.handshake(&s, resumed, is_client);
        let mut row = Row::new(format!("{label} {side}"), "µs/hs");
        row.values = [Some(us[0]), Some(us[1]), Some(us[2]), Some(fl)];
        rows.push(row);
        let mut row = Row::new(format!("{label} {side}"), "hs/s/core");
        row.values = [
            Some(1e6 / us[0]),
            Some(1e6 / us[1]),
            Some(1e6 / us[2]),
            Some(1e6 / fl),
        ];
        rows.push(row);
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
}

impl<I: Impl> BulkPair for Bulk<I> {
    fn sample(&mut self, data: &[u8], target: Duration) -> (f64, f64) {
        let (mut s, mut r, mut bytes) = (Duration::ZERO, Duration::ZERO, 0usize);
        let start = Instant::now();
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

pub fn test_data() -> Vec<u8> {
    (0..1usize << 20).map(|i| (i * 31 % 251) as u8).collect()
}

fn bulk_rows(pki: &Pki, p: &Params, f: &Floor, s: Setup, rows: &mut Vec<Row>) {
    let label = format!("bulk {} {}", version_name(s.version), aead_name(s.aead));
    let data = test_data();
    let three = Three::new(pki, s);
    let mut hc = Bulk::new(&three.hc, &data);
    // rustls: the unbuffered API, as handclasp's zero-copy path; the buffered one
    // with --rustls-buffered (the handshake and memory rows always use that).
    let mut rl: Box<dyn BulkPair> = if rlu::BUFFERED.load(Relaxed) {
        Box::new(Bulk::new(&three.rl, &data))
    } else {
        Box::new(Bulk::new(&RustlsUnbuffered::new(&three.rl), &data))
    };
    let mut os = Bulk::new(&three.os, &data);
    let mut hc_in_place = crate::hc::InPlaceSend::new(&three.hc, &data);
    let mut send: [Vec<f64>; 3] = Default::default();
    let mut recv: [Vec<f64>; 3] = Default::default();
    let mut sealed_in_place = Vec::new();
    for _ in 0..p.rounds {
        let results = [
            hc.sample(&data, p.target),
            rl.sample(&data, p.target),
            os.sample(&data, p.target),
        ];
        for (i, (a, b)) in results.into_iter().enumerate() {
            send[i].push(a);
            recv[i].push(b);
        }
        sealed_in_place.push(hc_in_place.sample(&data, p.target));
    }
    let a = aead_index(s.aead);
    for (dir, samples, fl) in [("send", send, f.seal[a]), ("recv", recv, f.open[a])] {
        let v: Vec<f64> = samples.into_iter().map(median).collect();
        let mut row = Row::new(format!("{label} {dir}"), "MB/s");
        row.values = [Some(v[0]), Some(v[1]), Some(v[2]), Some(fl)];
        rows.push(row);
        if dir == "send" {
            // handclasp only: the data built in the records, sealed where it lies.
            let mut row = Row::new(format!("{label} send, sealed in place"), "MB/s");
            row.values = [Some(median(sealed_in_place.clone())), None, None, Some(fl)];
            rows.push(row);
        }
    }
    let allocs = [hc.allocs(&data), rl.allocs(&data), os.allocs(&data)];
    let mut row = Row::new(format!("{label} send allocs"), "allocs/MiB");
    row.values = [
        Some(allocs[0].0),
        Some(allocs[1].0),
        Some(allocs[2].0),
        None,
    ];
    rows.push(row);
    let mut row = Row::new(format!("{label} recv allocs"), "allocs/MiB");
    row.values = [
        Some(allocs[0].1),
        Some(allocs[1].1),
        Some(allocs[2].1),
        None,
    ];
    rows.push(row);
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
    let three = Three::new(pki, s);
    let m = [
        memory(&three.hc, p.idle_connections),
        memory(&three.rl, p.idle_connections),
        memory(&three.os, p.idle_connections),
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
        row.values = [Some(m[0][i]), Some(m[1][i]), Some(m[2][i]), None];
        rows.push(row);
    }
}

pub fn all(pki: &Pki, opts: &Opts) {
    let p = if opts.quick {
        Params {
            rounds: 3,
            target: Duration::from_millis(15),
            idle_connections: 200,
        }
    } else {
        Params {
            rounds: 7,
            target: Duration::from_millis(120),
            idle_connections: 1000,
        }
    };
    let want = |name: &str| {
        opts.filter
            .as_ref()
            .is_none_or(|f| name.contains(f.as_str()))
    };
    let started = Instant::now();
    let mut rows = Vec::new();
    let floor = measure_floor(pki, &p, &mut rows, want("ring"));
    let setup = |version, key, resumption| Setup {
        version,
        aead: Aead::Aes128,
        key,
        resumption,
    };
    let mut handshakes = Vec::new();
    for key in KEYS {
        handshakes.push((
            format!("full tls13 {}", key_name(key)),
            setup(Version::Tls13, key, Resumption::Off),
            false,
        ));
    }
    for key in [KeyKind::Ecdsa, KeyKind::Rsa] {
        handshakes.push((
            format!("full tls12 {}", key_name(key)),
            setup(Version::Tls12, key, Resumption::Off),
            false,
        ));
    }
    handshakes.push((
        "resumed tls13 ticket".into(),
        setup(Version::Tls13, KeyKind::Ecdsa, Resumption::Tickets),
        true,
    ));
    handshakes.push((
        "resumed tls12 ticket".into(),
        setup(Version::Tls12, KeyKind::Ecdsa, Resumption::Tickets),
        true,
    ));
    handshakes.push((
        "resumed tls12 session-id".into(),
        setup(Version::Tls12, KeyKind::Ecdsa, Resumption::SessionIds),
        true,
    ));
    for (label, s, resumed) in handshakes {
        if want(&label) {
            handshake_rows(pki, &p, &floor, &label, s, resumed, &mut rows);
        }
    }
    for version in [Version::Tls13, Version::Tls12] {
        for aead in AEADS {
            let s = Setup {
                version,
                aead,
                key: KeyKind::Ecdsa,
                resumption: Resumption::Off,
            };
            if want(&format!(
                "bulk {} {}",
                version_name(version),
                aead_name(aead)
            )) {
                bulk_rows(pki, &p, &floor, s, &mut rows);
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
    if want(crate::loopback::HANDSHAKES) || want(crate::loopback::BULK_ROWS) {
        crate::loopback::rows(pki, &p, &want, &mut rows);
    }
    table::print(&rows);
    if rows.iter().any(|r| r.name.starts_with("bulk ")) {
        let api = |buffered: bool, zero_copy: &'static str| {
            if buffered { "buffered" } else { zero_copy }
        };
        println!(
            "\nbulk rows: handclasp {}, rustls {}, OpenSSL SSL_read/SSL_write",
            api(crate::hc::BUFFERED.load(Relaxed), "in place"),
            api(rlu::BUFFERED.load(Relaxed), "unbuffered"),
        );
    }
    if rows.iter().any(|r| r.name.starts_with("async ")) {
        println!(
            "\nasync rows: the rustls column is tokio-rustls (same rustls configs), the floor \
             column plain TCP without TLS;\n{}, TCP on 127.0.0.1, wall clock for client and \
             server together",
            crate::loopback::runtime_name()
        );
    }
    println!(
        "\n{} mode, {} rounds per row (A B C interleaved), medians; {:.1} s",
        if opts.quick { "quick" } else { "full" },
        p.rounds,
        started.elapsed().as_secs_f64()
    );
}
