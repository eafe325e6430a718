//! The async rows: handclasp's tokio adapter against tokio-rustls, both on one tokio
//! runtime, over real TCP on 127.0.0.1. Full TLS 1.3 handshakes per second, one
//! connection's bulk throughput each way with its allocations per MiB, and the
//! aggregate throughput of 1, 100 and 1,000 connections sending at once. Client and
//! server run in this process; the times are wall clock for both together.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{
    AtomicBool,
    Ordering::{Relaxed, SeqCst},
};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

use crate::alloc::{self, CLIENT, SERVER};
use crate::endpoint::{Aead, Kx, Resumption, Setup, Version};
use crate::hc::Handclasp;
use crate::pki::{KeyKind, NAME, Pki};
use crate::rl::Rustls;
use crate::run::{Params, median, test_data};
use crate::table::Row;

/// `--async-current-thread`: one current-thread runtime instead of the default
/// multi-thread runtime with 2 workers.
pub static CURRENT_THREAD: AtomicBool = AtomicBool::new(false);

/// Client tasks making handshakes at once in a handshake sample.
const CONCURRENT_HANDSHAKES: usize = 4;
/// One bulk transfer: 64 MiB in writes of 16 KiB.
const BULK: usize = 64 << 20;
const WRITE: usize = 16 << 10;
/// Reads ask for at most this much, as an application's read buffer would.
const READ: usize = 64 << 10;
/// The concurrent rows' connection counts.
pub const CONCURRENT: [usize; 3] = [1, 100, 1000];

pub fn runtime_name() -> &'static str {
    if CURRENT_THREAD.load(Relaxed) {
        "tokio current_thread runtime"
    } else {
        "tokio multi-thread runtime, 2 workers"
    }
}

fn runtime() -> Runtime {
    let mut builder = if CURRENT_THREAD.load(Relaxed) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(2);
        b
    };
    builder.enable_io().build().unwrap()
}

/// An async TLS implementation: streams over TCP, and whether a handshake was full.
trait AsyncTls: Send + Sync + 'static {
    type Client: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    type Server: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    fn connect(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Client>> + Send;
    fn accept(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Server>> + Send;
    fn client_full(c: &Self::Client) -> bool;
    fn server_full(s: &Self::Server) -> bool;
}

struct HcAsync {
    connector: handclasp::tokio::TlsConnector,
    acceptor: handclasp::tokio::TlsAcceptor,
}

impl HcAsync {
    fn new(hc: &Handclasp) -> Self {
        Self {
            connector: handclasp::tokio::TlsConnector::from(hc.client.clone()),
            acceptor: handclasp::tokio::TlsAcceptor::from(hc.server.clone()),
        }
    }
}

impl AsyncTls for HcAsync {
    type Client = handclasp::tokio::ClientTlsStream<TcpStream>;
    type Server = handclasp::tokio::ServerTlsStream<TcpStream>;

    fn connect(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Client>> + Send {
        let name = handclasp::pki_types::ServerName::try_from(NAME).unwrap();
        self.connector.connect(name, tcp)
    }

    fn accept(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Server>> + Send {
        self.acceptor.accept(tcp)
    }

    fn client_full(c: &Self::Client) -> bool {
        !c.get_ref().1.is_handshaking() && !c.get_ref().1.is_resumed()
    }

    fn server_full(s: &Self::Server) -> bool {
        !s.get_ref().1.is_handshaking() && !s.get_ref().1.is_resumed()
    }
}

struct RlAsync {
    connector: tokio_rustls::TlsConnector,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl RlAsync {
    fn new(rl: &Rustls) -> Self {
        Self {
            connector: tokio_rustls::TlsConnector::from(rl.client.clone()),
            acceptor: tokio_rustls::TlsAcceptor::from(rl.server.clone()),
        }
    }
}

impl AsyncTls for RlAsync {
    type Client = tokio_rustls::client::TlsStream<TcpStream>;
    type Server = tokio_rustls::server::TlsStream<TcpStream>;

    fn connect(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Client>> + Send {
        let name = rustls::pki_types::ServerName::try_from(NAME).unwrap();
        self.connector.connect(name, tcp)
    }

    fn accept(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Server>> + Send {
        self.acceptor.accept(tcp)
    }

    fn client_full(c: &Self::Client) -> bool {
        c.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Full)
    }

    fn server_full(s: &Self::Server) -> bool {
        s.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Full)
    }
}

/// No TLS at all: the bare TCP streams, the same reads, writes and closes (a
/// shutdown is the FIN). The baseline in the floor column.
struct PlainTcp;

impl AsyncTls for PlainTcp {
    type Client = TcpStream;
    type Server = TcpStream;

    fn connect(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Client>> + Send {
        std::future::ready(Ok(tcp))
    }

    fn accept(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Server>> + Send {
        std::future::ready(Ok(tcp))
    }

    fn client_full(_: &Self::Client) -> bool {
        true
    }

    fn server_full(_: &Self::Server) -> bool {
        true
    }
}

/// Runs `f` with every poll, on whichever worker thread, attributed to `side` by the
/// counting allocator.
async fn on_side<F: Future>(side: usize, f: F) -> F::Output {
    let mut f = pin!(f);
    std::future::poll_fn(|cx| alloc::enter(side, || f.as_mut().poll(cx))).await
}

async fn tcp_connect(addr: SocketAddr) -> TcpStream {
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    tcp
}

/// The server's side of a handshake connection: handshake, wait for the client's
/// close_notify, send ours.
async fn serve_one<T: AsyncTls>(imp: Arc<T>, tcp: TcpStream) {
    let mut tls = imp.accept(tcp).await.unwrap();
    assert!(T::server_full(&tls), "server: not a full handshake");
    let mut b = [0u8; 64];
    assert_eq!(
        tls.read(&mut b).await.unwrap(),
        0,
        "server: data, not close"
    );
    tls.shutdown().await.unwrap();
}

/// Accepts connections for good, a task per connection.
async fn serve<T: AsyncTls>(imp: Arc<T>, listener: TcpListener) {
    loop {
        let (tcp, _) = listener.accept().await.unwrap();
        tcp.set_nodelay(true).unwrap();
        tokio::spawn(on_side(SERVER, serve_one(imp.clone(), tcp)));
    }
}

/// One client task's handshakes until `deadline`: connect, full handshake, our
/// close_notify, the server's close_notify (so the server's side is done too).
async fn handshake_loop<T: AsyncTls>(imp: Arc<T>, addr: SocketAddr, deadline: Instant) -> u64 {
    let mut n = 0;
    while n == 0 || Instant::now() < deadline {
        let mut tls = imp.connect(tcp_connect(addr).await).await.unwrap();
        assert!(T::client_full(&tls), "client: not a full handshake");
        tls.shutdown().await.unwrap();
        let mut b = [0u8; 64];
        assert_eq!(
            tls.read(&mut b).await.unwrap(),
            0,
            "client: data, not close"
        );
        n += 1;
    }
    n
}

struct Handshakes<T: AsyncTls> {
    imp: Arc<T>,
    addr: SocketAddr,
}

impl<T: AsyncTls> Handshakes<T> {
    fn new(rt: &Runtime, imp: T) -> Self {
        let imp = Arc::new(imp);
        let listener = rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let _guard = rt.enter();
        tokio::spawn(serve(imp.clone(), listener));
        Self { imp, addr }
    }

    /// One sample: full handshakes per second, wall clock.
    fn sample(&self, rt: &Runtime, target: Duration) -> f64 {
        let start = Instant::now();
        let deadline = start + target;
        let n: u64 = rt.block_on(async {
            let tasks: Vec<_> = (0..CONCURRENT_HANDSHAKES)
                .map(|_| {
                    let f = handshake_loop(self.imp.clone(), self.addr, deadline);
                    tokio::spawn(on_side(CLIENT, f))
                })
                .collect();
            let mut n = 0;
            for t in tasks {
                n += t.await.unwrap();
            }
            n
        });
        n as f64 / start.elapsed().as_secs_f64()
    }
}

async fn send_all<S: AsyncWrite + Unpin>(mut s: S, data: Arc<Vec<u8>>) -> S {
    for _ in 0..BULK / data.len() {
        for chunk in data.chunks(WRITE) {
            s.write_all(chunk).await.unwrap();
        }
    }
    s.flush().await.unwrap();
    s
}

async fn recv_all<S: AsyncRead + Unpin>(mut s: S, mut buf: Vec<u8>) -> (S, Vec<u8>) {
    let mut pos = 0;
    while pos < buf.len() {
        let end = buf.len().min(pos + READ);
        let n = s.read(&mut buf[pos..end]).await.unwrap();
        assert!(n > 0, "stream ended early");
        pos += n;
    }
    (s, buf)
}

/// One transfer's wall time and the allocations on the sending and the receiving
/// side.
struct Transfer {
    time: Duration,
    send_allocs: u64,
    recv_allocs: u64,
}

/// One established connection, kept for the bulk samples.
struct Bulk<T: AsyncTls> {
    client: Option<T::Client>,
    server: Option<T::Server>,
    /// Where received bytes land (64 MiB, reused; cleared before each transfer).
    buf: Option<Vec<u8>>,
}

impl<T: AsyncTls> Bulk<T> {
    fn new(rt: &Runtime, imp: T, data: &Arc<Vec<u8>>) -> Self {
        let (client, server) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (tcp, accepted) = tokio::join!(tcp_connect(addr), listener.accept());
            let server_tcp = accepted.unwrap().0;
            server_tcp.set_nodelay(true).unwrap();
            let (c, s) = tokio::join!(imp.connect(tcp), imp.accept(server_tcp));
            (c.unwrap(), s.unwrap())
        });
        let mut b = Self {
            client: Some(client),
            server: Some(server),
            buf: Some(vec![0; BULK]),
        };
        // Warm-up: buffers (and the socket buffers) reach their steady size.
        b.transfer(rt, data, true);
        b.transfer(rt, data, false);
        b
    }

    /// Moves `BULK` bytes client to server (`up`) or server to client, then checks
    /// every byte against the pattern (untimed).
    fn transfer(&mut self, rt: &Runtime, data: &Arc<Vec<u8>>, up: bool) -> Transfer {
        let mut buf = self.buf.take().unwrap();
        buf.fill(0);
        let (client, server) = (self.client.take().unwrap(), self.server.take().unwrap());
        let (send_side, recv_side) = if up {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        let before = (alloc::allocs(send_side), alloc::allocs(recv_side));
        let start = Instant::now();
        let (client, server, buf) = rt.block_on(async {
            if up {
                let w = tokio::spawn(on_side(CLIENT, send_all(client, data.clone())));
                let r = tokio::spawn(on_side(SERVER, recv_all(server, buf)));
                let (server, buf) = r.await.unwrap();
                (w.await.unwrap(), server, buf)
            } else {
                let w = tokio::spawn(on_side(SERVER, send_all(server, data.clone())));
                let r = tokio::spawn(on_side(CLIENT, recv_all(client, buf)));
                let (client, buf) = r.await.unwrap();
                (client, w.await.unwrap(), buf)
            }
        });
        let time = start.elapsed();
        let t = Transfer {
            time,
            send_allocs: alloc::allocs(send_side) - before.0,
            recv_allocs: alloc::allocs(recv_side) - before.1,
        };
        assert!(
            buf.chunks(data.len()).all(|c| c == &data[..]),
            "bulk bytes arrived damaged"
        );
        self.client = Some(client);
        self.server = Some(server);
        self.buf = Some(buf);
        t
    }

    /// MB/s over transfers lasting `target` in all (at least one).
    fn sample(&mut self, rt: &Runtime, data: &Arc<Vec<u8>>, up: bool, target: Duration) -> f64 {
        let (mut time, mut bytes) = (Duration::ZERO, 0);
        while bytes == 0 || time < target {
            time += self.transfer(rt, data, up).time;
            bytes += BULK;
        }
        bytes as f64 / time.as_secs_f64() / 1e6
    }

    /// Allocations per MiB on the sending and the receiving side, client to server.
    fn allocs(&mut self, rt: &Runtime, data: &Arc<Vec<u8>>) -> (f64, f64) {
        let t = self.transfer(rt, data, true);
        let mib = (BULK >> 20) as f64;
        (t.send_allocs as f64 / mib, t.recv_allocs as f64 / mib)
    }
}

/// The test pattern (as `run::test_data`, whose period is 251 bytes), `len` long.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// Where connection `i`'s bytes start in the pattern: neighbouring connections send
/// different bytes, so crossed streams would not pass the check.
fn phase(i: usize) -> usize {
    i % 251
}

/// Each connection's share of a concurrent transfer: the transfer's bytes over `c`,
/// in whole writes.
fn share(c: usize, p: &Params) -> usize {
    (p.concurrent_bytes / c / WRITE).max(1) * WRITE
}

/// "1,000", "64 KiB", "64 MiB": for row names.
fn count_name(n: usize) -> String {
    match n {
        0..1000 => n.to_string(),
        _ => format!("{},{:03}", n / 1000, n % 1000),
    }
}

fn size_name(bytes: usize) -> String {
    match bytes {
        _ if bytes.is_multiple_of(1 << 20) => format!("{} MiB", bytes >> 20),
        _ if bytes.is_multiple_of(1 << 10) => format!("{} KiB", bytes >> 10),
        _ => format!("{bytes} B"),
    }
}

/// A concurrent row's name (the connections' share depends on the mode).
pub fn concurrent_label(c: usize, p: &Params) -> String {
    format!(
        "async concurrent over loopback TCP, {} connection{} x {}, client to server",
        count_name(c),
        if c == 1 { "" } else { "s" },
        size_name(share(c, p))
    )
}

/// Lets this process hold `n` open files (two sockets per connection pair): raises
/// the soft `RLIMIT_NOFILE` to `n` if it is lower (up to the hard limit).
fn allow_open_files(n: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit for the call to fill.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    assert_eq!(rc, 0, "getrlimit(RLIMIT_NOFILE) failed");
    if lim.rlim_cur >= n {
        return;
    }
    assert!(
        lim.rlim_max >= n,
        "the concurrent rows need {n} open files, the hard limit is {} (ulimit -Hn)",
        lim.rlim_max
    );
    lim.rlim_cur = n;
    // SAFETY: as above; only the soft limit changes, within the hard one.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    assert_eq!(rc, 0, "setrlimit(RLIMIT_NOFILE) failed");
}

async fn send_part<S: AsyncWrite + Unpin>(mut s: S, src: Arc<Vec<u8>>, at: usize, len: usize) -> S {
    for chunk in src[at..at + len].chunks(WRITE) {
        s.write_all(chunk).await.unwrap();
    }
    s.flush().await.unwrap();
    s
}

/// A start signal for many tasks: the concurrent rows spawn every connection's
/// tasks first, so spawning 2,000 tasks is not timed, then open the gate and start
/// the clock.
#[derive(Default)]
struct Gate {
    open: AtomicBool,
    waiting: Mutex<Vec<Waker>>,
}

impl Gate {
    fn open(&self) {
        self.open.store(true, SeqCst);
        for w in self.waiting.lock().unwrap().drain(..) {
            w.wake();
        }
    }

    async fn wait(&self) {
        std::future::poll_fn(|cx| {
            if self.open.load(SeqCst) {
                return Poll::Ready(());
            }
            let mut waiting = self.waiting.lock().unwrap();
            // Checked again under the lock: `open` drains the list after setting it.
            if self.open.load(SeqCst) {
                return Poll::Ready(());
            }
            waiting.push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

/// `c` established connection pairs of one implementation, kept for the
/// concurrent samples.
struct Concurrent<T: AsyncTls> {
    pairs: Vec<(T::Client, T::Server)>,
}

impl<T: AsyncTls> Concurrent<T> {
    /// Connects `c` pairs one after the other, then makes all their handshakes at
    /// once (a task per pair), each checked to be full on both sides.
    fn new(rt: &Runtime, imp: T, c: usize) -> Self {
        let imp = Arc::new(imp);
        let pairs = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut tcp = Vec::with_capacity(c);
            for _ in 0..c {
                let (client, accepted) = tokio::join!(tcp_connect(addr), listener.accept());
                let server = accepted.unwrap().0;
                server.set_nodelay(true).unwrap();
                tcp.push((client, server));
            }
            let tasks: Vec<_> = tcp
                .into_iter()
                .map(|(client, server)| {
                    let imp = imp.clone();
                    tokio::spawn(async move {
                        let (c, s) = tokio::join!(
                            on_side(CLIENT, imp.connect(client)),
                            on_side(SERVER, imp.accept(server))
                        );
                        let (c, s) = (c.unwrap(), s.unwrap());
                        assert!(T::client_full(&c), "client: not a full handshake");
                        assert!(T::server_full(&s), "server: not a full handshake");
                        (c, s)
                    })
                })
                .collect();
            let mut pairs = Vec::with_capacity(c);
            for t in tasks {
                pairs.push(t.await.unwrap());
            }
            pairs
        });
        Self { pairs }
    }

    /// Every connection sends its `share` client to server, all at once (two tasks
    /// per connection, spawned before the clock starts and held at a [`Gate`]): the
    /// wall time from opening the gate until the last byte arrived. Then (untimed)
    /// every connection's bytes are checked against the pattern at its phase. `bufs` are the receive buffers, one per connection,
    /// shared with the other implementations' samples.
    fn transfer(
        &mut self,
        rt: &Runtime,
        src: &Arc<Vec<u8>>,
        share: usize,
        bufs: &mut Vec<Vec<u8>>,
    ) -> Duration {
        for b in bufs.iter_mut() {
            b.fill(0);
        }
        let pairs = std::mem::take(&mut self.pairs);
        let taken = std::mem::take(bufs);
        let n = pairs.len();
        let gate = Arc::new(Gate::default());
        let (time, pairs, back) = rt.block_on(async {
            let tasks: Vec<_> = pairs
                .into_iter()
                .zip(taken)
                .enumerate()
                .map(|(i, ((client, server), buf))| {
                    let (g, f) = (
                        gate.clone(),
                        send_part(client, src.clone(), phase(i), share),
                    );
                    let w = tokio::spawn(on_side(CLIENT, async move {
                        g.wait().await;
                        f.await
                    }));
                    let g = gate.clone();
                    let r = tokio::spawn(on_side(SERVER, async move {
                        g.wait().await;
                        recv_all(server, buf).await
                    }));
                    (w, r)
                })
                .collect();
            let start = Instant::now();
            gate.open();
            let (mut pairs, mut bufs) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for (w, r) in tasks {
                let (server, buf) = r.await.unwrap();
                pairs.push((w.await.unwrap(), server));
                bufs.push(buf);
            }
            (start.elapsed(), pairs, bufs)
        });
        for (i, buf) in back.iter().enumerate() {
            let at = phase(i);
            assert!(
                buf[..] == src[at..at + share],
                "concurrent bytes arrived damaged (connection {i})"
            );
        }
        self.pairs = pairs;
        *bufs = back;
        time
    }

    /// MB/s, all connections together, over transfers lasting `target` in all (at
    /// least one).
    fn sample(
        &mut self,
        rt: &Runtime,
        src: &Arc<Vec<u8>>,
        share: usize,
        bufs: &mut Vec<Vec<u8>>,
        target: Duration,
    ) -> f64 {
        let (mut time, mut bytes) = (Duration::ZERO, 0);
        while bytes == 0 || time < target {
            time += self.transfer(rt, src, share, bufs);
            bytes += share * self.pairs.len();
        }
        bytes as f64 / time.as_secs_f64() / 1e6
    }
}

/// The concurrent rows: per connection count, that many pairs of each of the three
/// (all alive at once, so their samples can be interleaved), one warm-up transfer
/// each, then one sample each per round.
fn concurrent_rows(
    rt: &Runtime,
    hc: &Handclasp,
    rl: &Rustls,
    p: &Params,
    want: &dyn Fn(&str) -> bool,
    rows: &mut Vec<Row>,
) {
    let wanted: Vec<usize> = CONCURRENT
        .into_iter()
        .filter(|&c| want(&concurrent_label(c, p)))
        .collect();
    let Some(&most) = wanted.iter().max() else {
        return;
    };
    // Three implementations' pairs, two sockets each, and some to spare.
    allow_open_files(6 * most as u64 + 256);
    let longest = wanted.iter().map(|&c| share(c, p)).max().unwrap();
    let src = Arc::new(pattern(longest + 251));
    for c in wanted {
        let share = share(c, p);
        let mut bufs = vec![vec![0u8; share]; c];
        let mut h = Concurrent::new(rt, HcAsync::new(hc), c);
        let mut r = Concurrent::new(rt, RlAsync::new(rl), c);
        let mut t = Concurrent::new(rt, PlainTcp, c);
        h.transfer(rt, &src, share, &mut bufs);
        r.transfer(rt, &src, share, &mut bufs);
        t.transfer(rt, &src, share, &mut bufs);
        let mut v: [Vec<f64>; 3] = Default::default();
        for round in 0..p.rounds {
            // A different one first each round.
            for k in 0..3 {
                let i = (round + k) % 3;
                let b = &mut bufs;
                v[i].push(match i {
                    0 => h.sample(rt, &src, share, b, p.target),
                    1 => r.sample(rt, &src, share, b, p.target),
                    _ => t.sample(rt, &src, share, b, p.target),
                });
            }
        }
        push(
            rows,
            &concurrent_label(c, p),
            "MB/s",
            v.map(|v| Some(median(v))),
        );
    }
}

fn setup() -> Setup {
    Setup {
        version: Version::Tls13,
        aead: Aead::Aes128,
        key: KeyKind::Ecdsa,
        resumption: Resumption::Off,
        kx: Kx::Classical,
        intermediates: 0,
    }
}

/// One sample of each of the three (handclasp, tokio-rustls, plain TCP), starting
/// with a different one each round.
fn three(round: usize, f: [&mut dyn FnMut() -> f64; 3]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for k in 0..3 {
        let i = (round + k) % 3;
        out[i] = f[i]();
    }
    out
}

fn push(rows: &mut Vec<Row>, name: &str, unit: &'static str, v: [Option<f64>; 3]) {
    let mut row = Row::new(name, unit);
    row.values = [v[0], v[1], None, None, v[2]];
    rows.push(row);
}

pub const HANDSHAKES: &str = "async handshakes over loopback TCP";
pub const BULK_ROWS: &str = "async bulk over loopback TCP";

pub fn rows(pki: &Pki, p: &Params, want: &dyn Fn(&str) -> bool, rows: &mut Vec<Row>) {
    let rt = runtime();
    let hc = Handclasp::new(pki, setup());
    let rl = Rustls::new(pki, setup());
    if want(HANDSHAKES) {
        let h = Handshakes::new(&rt, HcAsync::new(&hc));
        let r = Handshakes::new(&rt, RlAsync::new(&rl));
        let t = Handshakes::new(&rt, PlainTcp);
        // Warm-up.
        h.sample(&rt, p.target / 4);
        r.sample(&rt, p.target / 4);
        t.sample(&rt, p.target / 4);
        let mut v: [Vec<f64>; 3] = Default::default();
        for round in 0..p.rounds {
            let s = three(
                round,
                [
                    &mut || h.sample(&rt, p.target),
                    &mut || r.sample(&rt, p.target),
                    &mut || t.sample(&rt, p.target),
                ],
            );
            for (v, s) in v.iter_mut().zip(s) {
                v.push(s);
            }
        }
        push(rows, HANDSHAKES, "hs/s", v.map(|v| Some(median(v))));
    }
    if want(BULK_ROWS) {
        let data = Arc::new(test_data());
        let mut h = Bulk::new(&rt, HcAsync::new(&hc), &data);
        let mut r = Bulk::new(&rt, RlAsync::new(&rl), &data);
        let mut t = Bulk::new(&rt, PlainTcp, &data);
        for (name, up) in [("client to server", true), ("server to client", false)] {
            let mut v: [Vec<f64>; 3] = Default::default();
            for round in 0..p.rounds {
                let s = three(
                    round,
                    [
                        &mut || h.sample(&rt, &data, up, p.target),
                        &mut || r.sample(&rt, &data, up, p.target),
                        &mut || t.sample(&rt, &data, up, p.target),
                    ],
                );
                for (v, s) in v.iter_mut().zip(s) {
                    v.push(s);
                }
            }
            let name = format!("{BULK_ROWS}, {name}");
            push(rows, &name, "MB/s", v.map(|v| Some(median(v))));
        }
        let a = [
            h.allocs(&rt, &data),
            r.allocs(&rt, &data),
            t.allocs(&rt, &data),
        ];
        let name = format!("{BULK_ROWS}, send allocs");
        push(rows, &name, "allocs/MiB", a.map(|a| Some(a.0)));
        let name = format!("{BULK_ROWS}, recv allocs");
        push(rows, &name, "allocs/MiB", a.map(|a| Some(a.1)));
    }
    concurrent_rows(&rt, &hc, &rl, p, want, rows);
}
