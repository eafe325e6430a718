//! What every implementation provides (an [`Endpoint`] per side, made by an [`Impl`]),
//! and the drivers that run a handshake or a bulk transfer between two endpoints in
//! memory, timing each side's calls separately.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use crate::alloc::{self, CLIENT, SERVER};
use crate::pki::KeyKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Tls13,
    Tls12,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aead {
    Aes128,
    Aes256,
    Chacha,
}

/// What resumption material the server hands out (and the client keeps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resumption {
    /// None at all: no tickets, no session cache, the client keeps nothing.
    Off,
    /// Stateless tickets (TLS 1.3 NewSessionTicket, TLS 1.2 RFC 5077).
    Tickets,
    /// TLS 1.2 session ids against a server-side cache.
    SessionIds,
}

/// The key exchange groups both sides have (and so the one they use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kx {
    /// TLS 1.3: X25519 only. TLS 1.2: X25519 then P-256 (the client must list the
    /// ECDSA certificate's curve, RFC 8422 5.1.1); X25519 is used.
    Classical,
    /// X25519MLKEM768 only (TLS 1.3): the client sends that one share and no
    /// classical share beside it, so the handshake does exactly one hybrid exchange.
    X25519MlKem768,
}

/// One configuration, the same for every implementation.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    pub version: Version,
    pub aead: Aead,
    pub key: KeyKind,
    pub resumption: Resumption,
    pub kx: Kx,
    /// Intermediate CAs between the server's leaf and the root, all sent by the
    /// server (0: the leaf is signed by the root itself; more: ECDSA leaves only,
    /// see `Pki::server_chain`).
    pub intermediates: usize,
}

/// Received plaintext lands here, without zero-filling on the hot path: copied into
/// `buf`, or, from an implementation that decrypts in the caller's buffer, noted as
/// ranges of that buffer (the application has its plaintext without a copy) and
/// gathered into `buf` for checking after the timed calls. An implementation that
/// lends each record's plaintext only until its next record (rustls's unbuffered
/// API) has it copied out at once for the check, with that copy's time kept apart
/// in `untimed` so the driver can leave it out, as it leaves out [`Sink::gather`].
pub struct Sink {
    pub buf: Vec<u8>,
    pub pos: usize,
    in_place: Vec<(usize, usize)>,
    pub untimed: Duration,
}

impl Sink {
    pub fn new(capacity: usize) -> Self {
        Self {
            buf: vec![0; capacity],
            pos: 0,
            // Room for every record of a bulk sample, so noting allocates nothing.
            in_place: Vec::with_capacity(1024),
            untimed: Duration::ZERO,
        }
    }

    /// Copies lent plaintext into `buf` for the check, timing the copy apart.
    pub fn copy_untimed(&mut self, plaintext: &[u8]) {
        let mut untimed = self.untimed;
        crate::clock::untimed(&mut untimed, || {
            self.spare()[..plaintext.len()].copy_from_slice(plaintext)
        });
        self.untimed = untimed;
        self.pos += plaintext.len();
    }

    /// Plaintext left in place at `tls[start..start + len]`.
    pub fn note_in_place(&mut self, start: usize, len: usize) {
        self.in_place.push((start, len));
    }

    /// Copies the noted in-place plaintext out of `tls` (untimed).
    pub fn gather(&mut self, tls: &[u8]) {
        for (start, len) in self.in_place.drain(..) {
            self.buf[self.pos..self.pos + len].copy_from_slice(&tls[start..start + len]);
            self.pos += len;
        }
    }

    pub fn spare(&mut self) -> &mut [u8] {
        let spare = &mut self.buf[self.pos..];
        assert!(!spare.is_empty(), "plaintext sink full");
        spare
    }

    pub fn data(&self) -> &[u8] {
        &self.buf[..self.pos]
    }
}

/// One side of a connection, driven through in-memory buffers.
pub trait Endpoint {
    /// Takes all of `tls`, processes it, and moves any plaintext into `app` (or notes
    /// where it lies in `tls`, which the caller then keeps until [`Sink::gather`]).
    /// The caller empties `tls` afterwards.
    fn recv(&mut self, tls: &mut Vec<u8>, app: &mut Sink);
    /// Appends every pending TLS byte to `out`.
    fn send(&mut self, out: &mut Vec<u8>);
    /// Sends `data` as application data (all of it): queued for [`Self::send`], or
    /// (an implementation with a zero-copy API) sealed straight onto `out`.
    fn write(&mut self, data: &[u8], out: &mut Vec<u8>);
    fn handshaking(&self) -> bool;
    fn resumed(&self) -> bool;
    /// Time spent in [`Self::write`] / [`Self::send`] since the last call on work the
    /// harness's buffers impose and an application would not do (rustls's unbuffered
    /// API: zero-filling `out` before encrypting onto it), left out of the send time.
    fn take_untimed(&mut self) -> Duration {
        Duration::ZERO
    }
}

/// An implementation configured for one [`Setup`].
pub trait Impl {
    type Client: Endpoint;
    type Server: Endpoint;
    fn client(&self) -> Self::Client;
    fn server(&self) -> Self::Server;
}

/// Time spent inside each side's calls.
#[derive(Clone, Copy, Default, Debug)]
pub struct Cost {
    pub client: Duration,
    pub server: Duration,
}

/// When set, every side's call runs inside [`client_side`] or [`server_side`], which
/// callgrind's `--toggle-collect` can select (instruction-count scenarios).
pub static MARK: AtomicBool = AtomicBool::new(false);

/// The client's calls, as one function callgrind can toggle on (not generic, and
/// with a body of its own, so the compiler can neither clone nor merge it).
#[inline(never)]
pub fn client_side(f: &mut dyn FnMut()) {
    std::hint::black_box(CLIENT);
    f()
}

/// The server's calls, as one function callgrind can toggle on.
#[inline(never)]
pub fn server_side(f: &mut dyn FnMut()) {
    std::hint::black_box(SERVER);
    f()
}

/// Runs `f` as `side`'s call: allocations attributed to it, marked for callgrind.
#[inline]
pub fn as_side<R>(side: usize, f: impl FnOnce() -> R) -> R {
    if !MARK.load(Relaxed) {
        return alloc::enter(side, f);
    }
    let mut f = Some(f);
    let mut out = None;
    let mut call = || out = f.take().map(|f| alloc::enter(side, f));
    if side == CLIENT {
        client_side(&mut call)
    } else {
        server_side(&mut call)
    }
    out.expect("side call ran")
}

#[inline]
fn timed<R>(side: usize, acc: &mut Duration, f: impl FnOnce() -> R) -> R {
    let start = crate::clock::Cpu::now();
    let r = as_side(side, f);
    *acc += start.elapsed();
    r
}

/// One complete handshake (and whatever follows it at once, e.g. TLS 1.3 tickets),
/// connection creation included. Panics unless both sides finished.
pub fn handshake<I: Impl>(imp: &I, cost: &mut Cost) -> (I::Client, I::Server) {
    let mut client = timed(CLIENT, &mut cost.client, || imp.client());
    let mut server = timed(SERVER, &mut cost.server, || imp.server());
    let mut wire = Vec::with_capacity(16 * 1024);
    let mut app = Sink::new(4096);
    for _ in 0..16 {
        wire.clear();
        timed(CLIENT, &mut cost.client, || client.send(&mut wire));
        let client_sent = !wire.is_empty();
        if client_sent {
            timed(SERVER, &mut cost.server, || {
                server.recv(&mut wire, &mut app)
            });
        }
        wire.clear();
        timed(SERVER, &mut cost.server, || server.send(&mut wire));
        let server_sent = !wire.is_empty();
        if server_sent {
            timed(CLIENT, &mut cost.client, || {
                client.recv(&mut wire, &mut app)
            });
        }
        if !client_sent && !server_sent {
            assert!(!client.handshaking(), "client stuck in the handshake");
            assert!(!server.handshaking(), "server stuck in the handshake");
            assert!(
                app.pos == 0 && app.in_place.is_empty(),
                "plaintext during a handshake"
            );
            return (client, server);
        }
    }
    panic!("handshake did not settle in 16 flights");
}

/// A handshake that must have been full (`resumed == false`) or resumed.
pub fn checked_handshake<I: Impl>(
    imp: &I,
    cost: &mut Cost,
    resumed: bool,
) -> (I::Client, I::Server) {
    let (c, s) = handshake(imp, cost);
    assert_eq!(c.resumed(), resumed, "client resumption state");
    assert_eq!(s.resumed(), resumed, "server resumption state");
    (c, s)
}

/// The size of each application write in the bulk rows (`--write-size`, default
/// 16 KiB: one full record each).
pub static WRITE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(16 * 1024);

pub fn write_size() -> usize {
    WRITE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The records those writes make: full 16 KiB ones for writes of more (which the
/// libraries split), and for the floor and the sealed-in-place row.
pub fn record_size() -> usize {
    write_size().min(16 * 1024)
}

/// Moves `data` from `sender` to `receiver` in writes of [`write_size`]: the sender's writes
/// and TLS output are timed as the send side, the receiver's processing of the
/// whole stream as the receive side. Checks the bytes arrived intact.
pub fn bulk<S: Endpoint, R: Endpoint>(
    sender: &mut S,
    receiver: &mut R,
    data: &[u8],
    wire: &mut Vec<u8>,
    app: &mut Sink,
) -> (Duration, Duration) {
    wire.clear();
    app.pos = 0;
    app.untimed = Duration::ZERO;
    let start = crate::clock::Cpu::now();
    as_side(CLIENT, || {
        for chunk in data.chunks(write_size()) {
            sender.write(chunk, wire);
            sender.send(wire);
        }
    });
    // Saturating: the left-out stretches are wall time (see `clock::untimed`), which a
    // preemption inside one could make longer than the CPU time around it.
    let send = start.elapsed().saturating_sub(sender.take_untimed());
    let start = crate::clock::Cpu::now();
    as_side(SERVER, || receiver.recv(wire, app));
    // Less the harness's own copies of lent plaintext (see `Sink`).
    let recv = start.elapsed().saturating_sub(app.untimed);
    app.gather(wire);
    wire.clear();
    assert!(
        app.data() == data,
        "bulk data arrived damaged or incomplete"
    );
    (send, recv)
}
