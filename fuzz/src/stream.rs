//! The `stream` target: the blocking adapters (`Stream`, `StreamOwned`) over a scripted
//! in-memory transport, with a real peer (a sans-IO `ClientConnection` or
//! `ServerConnection`, insecure `fuzzing_provider`) on the other side. The other
//! targets drive the sans-IO core only; this one drives the adapter around it.
//!
//! The transport hands the adapter the peer's bytes in pieces of fuzzer-chosen sizes.
//! It is *blocking*: it never returns `WouldBlock`. When the script has no more bytes
//! it returns `TimedOut` (standing for "the read would wait forever"), or `Ok(0)`
//! once the program has made it reach end of stream.
//!
//! After the handshake (done through `Stream::read` itself) a program makes the peer
//! write data, update its keys (with and without asking for ours), and send forged
//! post-handshake records: HelloRequest, NewSessionTicket, a renegotiating ClientHello,
//! any handshake message, alerts, empty records, close_notify; it flips bits in bytes
//! not yet read, ends the stream, and makes our side read, write, flush and close.
//! Forging is possible because the no-op AEAD of the test provider seals nothing: a
//! record is its content (TLS 1.3: plus the inner content type) and a constant tag.
//!
//! Invariants checked on every `read`/`write`/`flush` of the adapter:
//! - never `WouldBlock` (the transport never says so);
//! - `read` returns `Ok(0)` only once the peer's close_notify arrived, and then (if
//!   nothing was tampered with) all the peer wrote before closing has been read;
//! - plaintext read is a prefix of what the peer wrote (until a bit flip or a forged
//!   application-data record was delivered: the no-op AEAD cannot notice those);
//! - a read that ends because the script ran out (`TimedOut`) had read everything the
//!   peer wrote (untampered runs): no plaintext is left stuck behind a record without
//!   plaintext;
//! - what the peer receives from our side is a prefix of what we wrote;
//! - what our side writes per step and what it keeps pending stay under 1 MiB.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::ops::DerefMut;
use std::sync::Arc;

use handclasp::enums::ProtocolVersion;
use handclasp::testing::TEST_TAG;
use handclasp::{ClientConnection, Connection, ServerConnection, Stream, StreamOwned};

use handclasp::pki_types::ServerName;

use super::conns::{SERVER_NAME, client_config, server_cfg, server_config};

/// The most program steps one run takes.
const MAX_STEPS: usize = 256;

/// Bound on what our side writes in one step, and keeps pending.
const MEMORY_CAP: usize = 1 << 20;

/// Configuration bits (the first input byte).
pub mod stream_cfg {
    /// Our side (the one behind the `Stream`) is the server; otherwise the client.
    pub const SERVER: u8 = 1;
    /// Bits 1-2: 0 or 3 = TLS 1.3 and 1.2, 1 = 1.3 only, 2 = 1.2 only.
    pub const VERSIONS: u8 = 0b110;
    /// Use `Stream::new(&mut conn, &mut sock)` rather than `StreamOwned`.
    pub const BORROWED: u8 = 1 << 3;
    /// The transport takes writes in the piece sizes too (short writes).
    pub const SHORT_WRITES: u8 = 1 << 4;
    /// The server keeps stateful sessions (no ticketer).
    pub const STATEFUL: u8 = 1 << 5;
}

/// Program actions (low nibble of a program byte; the high nibble is the parameter).
pub mod op {
    /// The peer writes `param * 1000` bytes (plus a short header).
    pub const PEER_DATA: u8 = 0;
    /// The peer updates its keys; bit 0 of the parameter asks for ours.
    pub const KEY_UPDATE: u8 = 1;
    /// A forged HelloRequest from the peer.
    pub const HELLO_REQUEST: u8 = 2;
    /// A forged NewSessionTicket (TLS 1.3 or 1.2 form).
    pub const TICKET: u8 = 3;
    /// A forged ClientHello (a renegotiation attempt when the peer is the client).
    pub const CLIENT_HELLO: u8 = 4;
    /// A forged alert: close_notify, user_canceled, no_renegotiation,
    /// unexpected_message, or the next two bytes as level and description.
    pub const ALERT: u8 = 5;
    /// A forged empty record (application data, handshake, alert), a plaintext CCS,
    /// or an application-data record of padding only.
    pub const EMPTY: u8 = 6;
    /// The peer sends close_notify.
    pub const PEER_CLOSE: u8 = 7;
    /// Flip bit `param & 7` of the unread byte given by the next byte (from the end).
    pub const FLIP: u8 = 8;
    /// Our side reads once, with a buffer of `READ_SIZES[param]` bytes.
    pub const READ: u8 = 9;
    /// Our side writes `param * 500` bytes (plus a short header).
    pub const WRITE: u8 = 10;
    /// Our side flushes.
    pub const FLUSH: u8 = 11;
    /// Our side sends close_notify and flushes.
    pub const CLOSE: u8 = 12;
    /// The transport reaches end of stream once the bytes so far are read.
    pub const EOF: u8 = 13;
    /// A forged handshake message: next byte its type, next its length, then the body.
    pub const HANDSHAKE: u8 = 14;
    /// A forged record: next byte its type, next its length, then the content.
    pub const RECORD: u8 = 15;
}

/// Buffer sizes of [`op::READ`].
pub const READ_SIZES: [usize; 16] = [
    1, 3, 16, 100, 512, 1000, 4096, 16384, 5, 64, 2048, 8192, 40, 300, 65536, 7,
];

/// What a run reached (for the seed tests).
#[derive(Debug, Default)]
pub struct StreamOutcome {
    /// Both sides completed the handshake.
    pub established: bool,
    /// The version negotiated.
    pub version: Option<ProtocolVersion>,
    /// Plaintext bytes the peer wrote, and the adapter returned.
    pub peer_written: usize,
    /// Plaintext bytes `read` returned.
    pub received: usize,
    /// Plaintext bytes our side wrote, and the peer received.
    pub written: usize,
    /// Plaintext bytes the peer received.
    pub peer_received: usize,
    /// `read` returned `Ok(0)` (clean end of stream).
    pub saw_close: bool,
    /// Reads that ended because the script ran out.
    pub blocked: usize,
    /// The last error `read` returned, other than the script running out.
    pub error: Option<io::ErrorKind>,
    /// A bit flip or forged application-data record was delivered.
    pub tampered: bool,
}

/// Fuzz target `stream`: input `[config][c0][c1][c2][c3]` + the program; the peer's
/// bytes reach the adapter in reads of at most `c0..c3` bytes (cycled; 0 = all).
pub fn stream(data: &[u8]) {
    let _ = stream_run(data);
}

/// [`stream`], returning what it reached.
pub fn stream_run(data: &[u8]) -> StreamOutcome {
    let Some((&[cfg, c0, c1, c2, c3], program)) = data.split_first_chunk::<5>() else {
        return StreamOutcome::default();
    };
    let versions = (cfg & stream_cfg::VERSIONS) >> 1;
    let mut server_bits = versions;
    if cfg & stream_cfg::STATEFUL != 0 {
        server_bits |= server_cfg::STATEFUL;
    }
    let client = || ClientConnection::new(client_config(versions), server_name()).unwrap();
    let server = || ServerConnection::new(Arc::new(server_config(server_bits))).unwrap();
    let script = Script::new([c0, c1, c2, c3], cfg & stream_cfg::SHORT_WRITES != 0);
    let borrowed = cfg & stream_cfg::BORROWED != 0;
    let hello = client_hello(versions);
    if cfg & stream_cfg::SERVER != 0 {
        Run::new(server(), client(), script, borrowed, hello).go(program)
    } else {
        Run::new(client(), server(), script, borrowed, hello).go(program)
    }
}

fn server_name() -> ServerName<'static> {
    ServerName::try_from(SERVER_NAME).unwrap()
}

/// The ClientHello message (without record header) a fresh client of `versions` sends.
fn client_hello(versions: u8) -> Vec<u8> {
    let conn = ClientConnection::new(client_config(versions), server_name()).unwrap();
    let record = conn.pending_tls();
    assert_eq!(record[0], 22, "the first flight is one handshake record");
    let len = usize::from(u16::from_be_bytes([record[3], record[4]]));
    assert_eq!(record.len(), 5 + len, "the ClientHello fits one record");
    record[5..].to_vec()
}

// ---------------------------------------------------------------------------------
// The scripted transport

/// A blocking transport whose input is a script: the bytes the peer sent so far,
/// handed out in pieces. Output is collected for the harness to pass to the peer.
#[derive(Debug)]
pub struct Script {
    incoming: VecDeque<u8>,
    pieces: [u8; 4],
    next_piece: usize,
    short_writes: bool,
    written: Vec<u8>,
    /// Once the incoming bytes are read, `read` returns `Ok(0)`; nothing more arrives.
    eof: bool,
}

impl Script {
    fn new(pieces: [u8; 4], short_writes: bool) -> Self {
        Self {
            incoming: VecDeque::new(),
            pieces,
            next_piece: 0,
            short_writes,
            written: Vec::new(),
            eof: false,
        }
    }

    fn piece(&mut self, wanted: usize) -> usize {
        let n = self.pieces[self.next_piece % 4];
        self.next_piece += 1;
        match n {
            0 => wanted,
            n => wanted.min(usize::from(n)),
        }
    }

    /// The peer's bytes arrive (nothing arrives after end of stream).
    fn deliver(&mut self, bytes: &[u8]) {
        if !self.eof {
            self.incoming.extend(bytes);
        }
    }
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.incoming.is_empty() {
            if self.eof {
                return Ok(0);
            }
            // A real blocking socket would wait here for ever: the peer sent nothing
            // more. Never `WouldBlock`: that would make the transport non-blocking.
            return Err(io::Error::new(io::ErrorKind::TimedOut, "script exhausted"));
        }
        let n = self.piece(buf.len().min(self.incoming.len()));
        for (to, from) in buf.iter_mut().zip(self.incoming.drain(..n)) {
            *to = from;
        }
        Ok(n)
    }
}

impl Write for Script {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = if self.short_writes {
            self.piece(buf.len())
        } else {
            buf.len()
        };
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// The harness

/// Our connection behind the adapter, the peer, and what each side sent and got.
struct Run<C: DerefMut<Target = Connection>, P: DerefMut<Target = Connection>> {
    tls: StreamOwned<C, Script>,
    peer: P,
    borrowed: bool,
    /// The peer's ClientHello-shaped message for [`op::CLIENT_HELLO`].
    hello: Vec<u8>,
    /// TLS 1.3 (inner content types) rather than 1.2.
    tls13: bool,
    /// What a TLS 1.2 record carries before its content (the explicit nonce).
    tls12_prefix: Vec<u8>,
    peer_written: Vec<u8>,
    /// `peer_written.len()` when the first close_notify reached the script.
    peer_closed_at: Option<usize>,
    received: Vec<u8>,
    written: Vec<u8>,
    peer_received: Vec<u8>,
    counter: u32,
    out: StreamOutcome,
}

impl<C: DerefMut<Target = Connection>, P: DerefMut<Target = Connection>> Run<C, P> {
    fn new(conn: C, peer: P, script: Script, borrowed: bool, hello: Vec<u8>) -> Self {
        Self {
            tls: StreamOwned::new(conn, script),
            peer,
            borrowed,
            hello,
            tls13: true,
            tls12_prefix: Vec::new(),
            peer_written: Vec::new(),
            peer_closed_at: None,
            received: Vec::new(),
            written: Vec::new(),
            peer_received: Vec::new(),
            counter: 0,
            out: StreamOutcome::default(),
        }
    }

    fn go(mut self, program: &[u8]) -> StreamOutcome {
        self.handshake();
        let mut program = program.iter().copied();
        for _ in 0..MAX_STEPS {
            let Some(byte) = program.next() else { break };
            self.step(byte & 15, byte >> 4, &mut program);
            self.pump();
        }
        // The program is over: read what is left.
        for _ in 0..64 {
            self.pump();
            match self.read(16384) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        self.out.peer_written = self.peer_written.len();
        self.out.received = self.received.len();
        self.out.written = self.written.len();
        self.out.peer_received = self.peer_received.len();
        self.out
    }

    /// The handshake, done by the adapter's own `read` (its `finish_handshake`), the
    /// script refilled with the peer's answers each time it runs out.
    fn handshake(&mut self) {
        for _ in 0..32 {
            self.pump();
            let idle = self.tls.sock.incoming.is_empty() && !self.peer.wants_write();
            if idle && !self.tls.conn.is_handshaking() && !self.peer.is_handshaking() {
                break;
            }
            if let Err(e) = self.read(4096) {
                assert_eq!(
                    e.kind(),
                    io::ErrorKind::TimedOut,
                    "the handshake through the adapter failed: {e}"
                );
            }
        }
        assert!(
            !self.tls.conn.is_handshaking() && !self.peer.is_handshaking(),
            "the handshake through the adapter did not complete"
        );
        self.out.established = true;
        self.out.version = self.tls.conn.protocol_version();
        assert_eq!(self.out.version, self.peer.protocol_version());
        self.tls13 = self.out.version == Some(ProtocolVersion::TLSv1_3);
        if !self.tls13 {
            // The record layout, from a record the peer seals (and we throw away):
            // header, explicit nonce (GCM) or nothing (ChaCha20), content, tag.
            assert_eq!(self.peer.write_plaintext(b"x"), Ok(1));
            let record = self.peer.pending_tls().to_vec();
            self.peer.consume_tls(record.len());
            assert!(record.len() >= 5 + 1 + TEST_TAG.len());
            self.tls12_prefix = record[5..record.len() - 1 - TEST_TAG.len()].to_vec();
        }
    }

    fn step(&mut self, action: u8, param: u8, program: &mut impl Iterator<Item = u8>) {
        match action {
            op::PEER_DATA => {
                self.counter += 1;
                let data = message(b'p', self.counter, usize::from(param) * 1000);
                if let Ok(n) = self.peer.write_plaintext(&data) {
                    self.peer_written.extend_from_slice(&data[..n]);
                }
            }
            op::KEY_UPDATE => {
                let _ = self.peer.refresh_traffic_keys(param & 1 == 1);
            }
            op::HELLO_REQUEST => self.forge_handshake(0, &[]),
            op::TICKET => {
                let mut body = Vec::new();
                body.extend_from_slice(&(u32::from(param) * 3600).to_be_bytes());
                if self.tls13 {
                    body.extend_from_slice(&0x0102_0304u32.to_be_bytes());
                    body.extend_from_slice(&[1, param]);
                }
                body.extend_from_slice(&[0, 8]);
                body.extend_from_slice(b"ticket\0\0");
                if self.tls13 {
                    body.extend_from_slice(&[0, 0]);
                }
                self.forge_handshake(4, &body);
            }
            op::CLIENT_HELLO => {
                let hello = self.hello.clone();
                self.forge(22, &hello);
            }
            op::ALERT => {
                let alert = match param {
                    0 => [1, 0],
                    1 => [1, 90],
                    2 => [1, 100],
                    3 => [2, 10],
                    _ => [program.next().unwrap_or(1), program.next().unwrap_or(0)],
                };
                self.forge(21, &alert);
                if alert[1] == 0 && !self.tls.sock.eof {
                    self.peer_closed_at.get_or_insert(self.peer_written.len());
                }
            }
            op::EMPTY => match param & 7 {
                0 => self.forge(23, &[]),
                1 => self.forge(22, &[]),
                2 => self.forge(21, &[]),
                3 => self.tls.sock.deliver(&[20, 3, 3, 0, 1, 1]),
                _ => {
                    let mut record = Vec::new();
                    let padding = vec![0; usize::from(param)];
                    if self.tls13 {
                        record.push(23);
                        record.extend_from_slice(&padding);
                        self.deliver_sealed(23, &record);
                    } else {
                        self.forge(23, &[]);
                    }
                }
            },
            op::PEER_CLOSE => {
                self.peer.send_close_notify();
                if !self.tls.sock.eof {
                    self.peer_closed_at.get_or_insert(self.peer_written.len());
                }
            }
            op::FLIP => {
                let at = usize::from(program.next().unwrap_or(0));
                let incoming = &mut self.tls.sock.incoming;
                if !incoming.is_empty() {
                    let i = incoming.len() - 1 - at % incoming.len();
                    incoming[i] ^= 1 << (param & 7);
                    self.out.tampered = true;
                }
            }
            op::READ => {
                let _ = self.read(READ_SIZES[usize::from(param)]);
            }
            op::WRITE => {
                self.counter += 1;
                let data = message(b'o', self.counter, usize::from(param) * 500);
                let result = self.with_stream(|s| s.write(&data));
                check_blocking(&result, "write");
                if let Ok(n) = result {
                    assert!(n <= data.len());
                    self.written.extend_from_slice(&data[..n]);
                }
            }
            op::FLUSH => {
                let result = self.with_stream(|s| s.flush());
                check_blocking(&result, "flush");
            }
            op::CLOSE => {
                self.tls.conn.send_close_notify();
                let result = self.with_stream(|s| s.flush());
                check_blocking(&result, "flush");
            }
            op::EOF => self.tls.sock.eof = true,
            op::HANDSHAKE => {
                let typ = program.next().unwrap_or(0);
                let body = take(program);
                self.forge_handshake(typ, &body);
            }
            op::RECORD => {
                let typ = program.next().unwrap_or(23);
                let content = take(program);
                // Made-up application data gets past the no-op AEAD (in TLS 1.3 also
                // as type 0: the inner type is then the content's last non-zero byte).
                self.out.tampered |= (typ == 23 || typ == 0) && !content.is_empty();
                self.forge(typ, &content);
            }
            _ => unreachable!("actions are four bits"),
        }
        self.check_memory();
    }

    /// Runs `f` on the adapter: `Stream` over the borrowed parts, or the `StreamOwned`.
    fn with_stream<R>(&mut self, f: impl FnOnce(&mut dyn ReadWrite) -> R) -> R {
        if self.borrowed {
            let tls = &mut self.tls;
            f(&mut Stream::new(&mut tls.conn, &mut tls.sock))
        } else {
            f(&mut self.tls)
        }
    }

    /// One `read` of at most `len` bytes, with the invariants of the module
    /// documentation.
    fn read(&mut self, len: usize) -> io::Result<usize> {
        let mut buf = vec![0u8; len];
        let result = self.with_stream(|s| s.read(&mut buf));
        check_blocking(&result, "read");
        let clean = !self.out.tampered;
        match &result {
            Ok(0) => {
                assert!(
                    self.tls.conn.peer_has_closed(),
                    "read returned Ok(0) without a close_notify"
                );
                self.out.saw_close = true;
                if clean {
                    assert_eq!(
                        Some(self.received.len()),
                        self.peer_closed_at,
                        "clean end of stream before all the peer wrote was read"
                    );
                }
            }
            Ok(n) => {
                assert!(*n <= len);
                self.received.extend_from_slice(&buf[..*n]);
                if clean {
                    assert!(
                        self.peer_written.starts_with(&self.received),
                        "read plaintext the peer did not write"
                    );
                }
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                assert!(self.tls.sock.incoming.is_empty() && !self.tls.sock.eof);
                self.out.blocked += 1;
                if clean && self.tls.conn.error().is_none() && self.out.established {
                    assert_eq!(
                        self.received.len(),
                        self.peer_written.len(),
                        "read waits for more input while plaintext the peer wrote is stuck"
                    );
                }
            }
            Err(e) => self.out.error = Some(e.kind()),
        }
        self.check_memory();
        result
    }

    fn check_memory(&self) {
        assert!(
            self.tls.sock.written.len() <= MEMORY_CAP,
            "{} bytes written in one step",
            self.tls.sock.written.len()
        );
        assert!(
            self.tls.conn.pending_tls().len() <= MEMORY_CAP,
            "{} bytes pending",
            self.tls.conn.pending_tls().len()
        );
    }

    /// Passes what our side wrote to the peer, and what the peer has to send to the
    /// script.
    fn pump(&mut self) {
        let ours = std::mem::take(&mut self.tls.sock.written);
        let mut rest = &ours[..];
        for _ in 0..=ours.len() {
            let taken = self.peer.read_tls_from_slice(rest);
            rest = &rest[taken..];
            let _ = self.peer.process_new_packets();
            let mut buf = [0u8; 4096];
            loop {
                let n = self.peer.read_plaintext(&mut buf);
                if n == 0 {
                    break;
                }
                self.peer_received.extend_from_slice(&buf[..n]);
            }
            if rest.is_empty() || taken == 0 {
                break;
            }
        }
        assert!(
            self.written.starts_with(&self.peer_received),
            "the peer received plaintext we did not write"
        );
        let theirs = self.peer.pending_tls().to_vec();
        self.peer.consume_tls(theirs.len());
        self.tls.sock.deliver(&theirs);
    }

    /// A forged handshake message of type `typ` from the peer.
    fn forge_handshake(&mut self, typ: u8, body: &[u8]) {
        let len = body.len() as u32;
        let mut msg = vec![typ, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        msg.extend_from_slice(body);
        self.forge(22, &msg);
    }

    /// A forged record of type `typ` carrying `content`, "sealed" as the peer would.
    fn forge(&mut self, typ: u8, content: &[u8]) {
        if self.tls13 {
            let mut inner = content.to_vec();
            inner.push(typ);
            self.deliver_sealed(23, &inner);
        } else {
            let mut payload = self.tls12_prefix.clone();
            payload.extend_from_slice(content);
            self.deliver_sealed(typ, &payload);
        }
    }

    /// Delivers a record of outer type `typ`: `payload` and the no-op AEAD's tag.
    fn deliver_sealed(&mut self, typ: u8, payload: &[u8]) {
        // The peer's own records first: they were sent before.
        self.pump();
        let len = (payload.len() + TEST_TAG.len()) as u16;
        let mut record = vec![typ, 3, 3];
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(payload);
        record.extend_from_slice(&TEST_TAG);
        self.tls.sock.deliver(&record);
    }
}

/// `Read + Write`, as one object type for [`Run::with_stream`].
trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// The blocking adapter never says `WouldBlock`: the transport never does.
fn check_blocking<T: std::fmt::Debug>(result: &io::Result<T>, what: &str) {
    if let Err(e) = result {
        assert_ne!(
            e.kind(),
            io::ErrorKind::WouldBlock,
            "{what} on a blocking transport returned WouldBlock: {e}"
        );
    }
}

/// `[tag counter:]` and `extra` filler bytes: distinct data for every write.
fn message(tag: u8, counter: u32, extra: usize) -> Vec<u8> {
    let mut data = format!("[{}{counter}:", tag as char).into_bytes();
    let fill = b'a' + (counter % 26) as u8;
    data.resize(data.len() + extra, fill);
    data
}

/// A length byte and that many bytes of the program.
fn take(program: &mut impl Iterator<Item = u8>) -> Vec<u8> {
    let len = program.next().unwrap_or(0);
    program.take(usize::from(len)).collect()
}

/// Hand-written seeds: `(name, input)`. Names ending in `-data` deliver all the peer's
/// data and fail nowhere; names containing `close` end with a clean close.
pub fn stream_seeds() -> Vec<(String, Vec<u8>)> {
    const V13: u8 = 1 << 1;
    const V12: u8 = 2 << 1;
    let rd = (op::READ) | (6 << 4); // read 4096
    let data = op::PEER_DATA | (3 << 4); // 3000 bytes
    let programs: &[(&str, u8, &[u8])] = &[
        (
            "tls13-keyupdate-requested-data",
            V13,
            &[op::KEY_UPDATE | 0x10, rd, data, rd, rd],
        ),
        ("tls13-keyupdate-data", V13, &[op::KEY_UPDATE, data, rd, rd]),
        ("tls13-ticket-data", V13, &[op::TICKET, rd, data, rd]),
        (
            "tls13-empty-records-data",
            V13,
            &[op::EMPTY, op::EMPTY | 0x40, op::EMPTY, data, rd],
        ),
        (
            "tls13-user-canceled-data",
            V13,
            &[op::ALERT | 0x10, data, rd],
        ),
        ("tls13-close", V13, &[data, op::PEER_CLOSE, rd, rd, rd]),
        (
            "tls13-write-close",
            V13,
            &[
                op::WRITE | 0x30,
                rd,
                data,
                rd,
                op::CLOSE,
                op::PEER_CLOSE,
                rd,
            ],
        ),
        ("tls13-eof", V13, &[data, op::EOF, rd, rd]),
        ("tls13-flip", V13, &[data, op::FLIP | 0x20, 5, rd, rd]),
        (
            "tls12-hello-request-data",
            V12,
            &[op::HELLO_REQUEST, rd, data, rd],
        ),
        (
            "tls12-renegotiation-data",
            V12,
            &[op::CLIENT_HELLO, rd, data, rd],
        ),
        ("tls12-empty-record-data", V12, &[op::EMPTY, data, rd]),
        ("tls12-close", V12, &[data, op::PEER_CLOSE, rd, rd]),
    ];
    let mut seeds = Vec::new();
    for &(name, versions, program) in programs {
        for (side, side_bits) in [("client", 0), ("server", stream_cfg::SERVER)] {
            // HelloRequest and tickets go to clients, ClientHello to servers.
            if ((name.contains("hello-request") || name.contains("ticket")) && side == "server")
                || (name.contains("renegotiation") && side == "client")
            {
                continue;
            }
            let pieces: [&[u8]; 2] = [&[0, 0, 0, 0], &[1, 7, 3, 200]];
            for (p, pieces) in pieces.iter().enumerate() {
                let borrowed = if p == 1 { stream_cfg::BORROWED } else { 0 };
                let cfg = versions | side_bits | borrowed;
                let mut input = vec![cfg];
                input.extend_from_slice(pieces);
                input.extend_from_slice(program);
                let chunked = if p == 1 { "-pieces" } else { "" };
                seeds.push((format!("seed-{side}{chunked}-{name}"), input));
            }
        }
    }
    seeds
}
