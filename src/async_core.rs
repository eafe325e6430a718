//! The runtime-neutral core of the async adapters: a connection and a transport driven
//! through `poll_*` calls. The `tokio` and `futures-io` adapters are thin shells around
//! [`TlsCore`]; any other event loop can drive it by implementing [`AsyncTransport`]
//! for its socket (see `examples/poll_loop.rs`).
//!
//! # Semantics, the same in every adapter
//! - **Reads** answer what the peer asks of us (a KeyUpdate, a refused renegotiation)
//!   and read on until there is plaintext, the peer's close_notify (`Ok(0)`), or an
//!   error. A transport that ends without a close_notify is an `UnexpectedEof` error
//!   (a truncation attack cannot pass for a clean end) unless
//!   [`TlsCore::set_unclean_eof_ok`] opted in.
//! - **Writes** queue plaintext as records and hand them to the transport as far as it
//!   takes them; only the connection's bounded send buffer ([`crate::Limits`]`::send_buffer`)
//!   is held, so a peer that stops reading stalls the writer, not memory.
//! - **Flush** writes every queued record, then flushes the transport.
//! - **Shutdown** queues our close_notify, writes it, then shuts the transport's
//!   write side. Reading goes on afterwards (half-close, RFC 8446 6.1).
//! - **Errors**: a TLS error is an `io::Error` of kind `InvalidData` whose inner error
//!   is the [`crate::Error`] (`io_error.get_ref()` and `downcast_ref`), sent after
//!   its alert went out as far as the transport took it.
//!
//! # Cancellation safety
//! Every `poll_*` method keeps its progress in the connection: bytes read from the
//! transport are in the connection before a call returns, records are queued before
//! any are written, and nothing is held in a future. Dropping a read, write, flush or
//! handshake future midway and calling again later loses nothing: a dropped read
//! leaves its bytes to the next read, a dropped write either queued its bytes (and
//! said so) or not.

use alloc::vec::Vec;
use core::ops::DerefMut;
use core::task::{Context, Poll, ready};
use std::io;

use crate::client::ClientConnection;
use crate::conn::{Connection, EarlyDataStatus};
use crate::error::Error;
use crate::record::MAX_PLAINTEXT;
use crate::server::ServerConnection;

/// A byte transport an async runtime drives: the four calls the core needs.
pub trait AsyncTransport {
    /// Reads into `buf`; `Ok(0)` is the end of the stream.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    /// Writes from `buf`; returns how many bytes were taken.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    /// Flushes what the transport itself buffers.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Shuts the write side (a TCP FIN); reading may go on.
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// A client or server connection as the core drives it. Only a client can write
/// 0-RTT early data.
pub trait Session: DerefMut<Target = Connection> {
    /// The early-data status, for a side that has one.
    fn early_data(&self) -> EarlyDataStatus;
    /// Writes 0-RTT data while the handshake allows it; `None` when it does not.
    fn write_early(&mut self, data: &[u8]) -> Option<Result<usize, Error>>;
}

impl Session for ClientConnection {
    fn early_data(&self) -> EarlyDataStatus {
        self.early_data_status()
    }

    fn write_early(&mut self, data: &[u8]) -> Option<Result<usize, Error>> {
        match self.is_handshaking() && self.early_data_status() == EarlyDataStatus::Offered {
            true => Some(self.write_early_data(data)),
            false => None,
        }
    }
}

impl Session for ServerConnection {
    fn early_data(&self) -> EarlyDataStatus {
        self.early_data_status()
    }

    fn write_early(&mut self, _data: &[u8]) -> Option<Result<usize, Error>> {
        None
    }
}

/// The most 0-RTT data a client stream keeps to send again if the server rejects it
/// (RFC 8446 4.2.10: rejected early data is lost unless resent). The ticket's own
/// `max_early_data_size` bounds what is written; this bounds what is kept.
const MAX_EARLY_RESEND: usize = 64 * 1024;

/// A connection and a transport driven together by `poll_*` calls.
#[derive(Debug)]
pub struct TlsCore<T, C> {
    io: T,
    conn: C,
    unclean_eof_ok: bool,
    /// Our close_notify is queued: we write no more.
    closing: bool,
    /// The transport's write side is shut.
    closed: bool,
    /// 0-RTT data written, kept to resend as ordinary data if the server rejects it.
    early_sent: Vec<u8>,
}

/// A TLS error as the `io::Error` every adapter returns (kind `InvalidData`).
pub fn tls_error(error: Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

fn eof_in_handshake() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the peer closed the connection during the handshake",
    )
}

impl<T: AsyncTransport, C: Session> TlsCore<T, C> {
    /// Drives `conn` over `io`.
    pub fn new(io: T, conn: C) -> Self {
        Self {
            io,
            conn,
            unclean_eof_ok: false,
            closing: false,
            closed: false,
            early_sent: Vec::new(),
        }
    }

    /// Treats a transport that ends without the peer's close_notify as a clean end
    /// (`Ok(0)`) instead of an `UnexpectedEof` error. Only for protocols that frame
    /// their own data (HTTP with a length, for instance): otherwise a truncation
    /// attack passes unnoticed.
    pub fn set_unclean_eof_ok(&mut self, ok: bool) {
        self.unclean_eof_ok = ok;
    }

    /// The transport and the connection.
    pub fn get_ref(&self) -> (&T, &C) {
        (&self.io, &self.conn)
    }

    /// The transport and the connection, mutably.
    pub fn get_mut(&mut self) -> (&mut T, &mut C) {
        (&mut self.io, &mut self.conn)
    }

    /// The transport and the connection, apart.
    pub fn into_inner(self) -> (T, C) {
        (self.io, self.conn)
    }

    /// Writes what the connection owes the peer, as far as the transport takes it.
    fn poll_write_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            let n = ready!(self.io.poll_write(cx, self.conn.pending_tls()))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.conn.consume_tls(n);
        }
        Poll::Ready(Ok(()))
    }

    /// One read from the transport into the connection, then processing of what
    /// arrived; `Ok(0)` at the end of the stream.
    fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut reader = PollReader::new(&mut self.io, cx);
        let read = self.conn.read_tls(&mut reader);
        if reader.pending() {
            return Poll::Pending;
        }
        let n = read?;
        if let Err(error) = self.conn.process_new_packets() {
            // Our alert goes out as far as the transport takes it now.
            let _ = self.poll_write_tls(cx);
            return Poll::Ready(Err(tls_error(error)));
        }
        Poll::Ready(Ok(n))
    }

    /// Drives the handshake to its end, our last flight written and flushed. A client
    /// that offered 0-RTT data may instead write early data before calling this (see
    /// [`Self::poll_write`]).
    pub fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let written = self.poll_write_tls(cx)?;
            if let Some(error) = self.conn.error() {
                return Poll::Ready(Err(tls_error(error.clone())));
            }
            if !self.conn.is_handshaking() {
                ready!(written);
                ready!(self.io.poll_flush(cx))?;
                return Poll::Ready(self.resend_rejected_early_data());
            }
            if !self.conn.wants_read() {
                return Poll::Ready(Err(eof_in_handshake()));
            }
            if ready!(self.poll_read_tls(cx))? == 0 {
                return Poll::Ready(Err(eof_in_handshake()));
            }
        }
    }

    /// The ClientHello (and any early data) is written and flushed: what a 0-RTT
    /// client waits for before handing the stream to the application.
    pub fn poll_first_flight(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_write_tls(cx))?;
        self.io.poll_flush(cx)
    }

    /// RFC 8446 4.2.10: a server that rejects early data never delivers it; what the
    /// stream wrote early goes again as ordinary data.
    fn resend_rejected_early_data(&mut self) -> io::Result<()> {
        if self.early_sent.is_empty() {
            return Ok(());
        }
        let early = core::mem::take(&mut self.early_sent);
        if self.conn.early_data() == EarlyDataStatus::Rejected {
            // Fits: the send buffer is empty after the handshake and at least as
            // large as the early-data budget kept here.
            let mut rest = early.as_slice();
            while !rest.is_empty() {
                match self.conn.write_plaintext(rest).map_err(tls_error)? {
                    0 => {
                        return Err(io::Error::other(
                            "send buffer too small to resend 0-RTT data",
                        ));
                    }
                    n => rest = rest.get(n..).unwrap_or_default(),
                }
            }
        }
        Ok(())
    }

    /// Reads plaintext into `buf` (see the module's semantics). Drives the handshake
    /// first if it is not complete.
    pub fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        loop {
            if self.conn.is_handshaking() && self.conn.error().is_none() {
                // A server may read accepted 0-RTT data before the handshake completes.
                let n = self.conn.read_plaintext(buf);
                if n > 0 {
                    return Poll::Ready(Ok(n));
                }
                ready!(self.poll_handshake(cx))?;
                continue;
            }
            // What we owe (a KeyUpdate, a no_renegotiation) goes out before we wait:
            // the peer may be waiting for it. A full transport does not stop reading.
            if let Poll::Ready(Err(e)) = self.poll_write_tls(cx) {
                return Poll::Ready(Err(e));
            }
            let n = self.conn.read_plaintext(buf);
            if n > 0 || self.conn.peer_has_closed() {
                return Poll::Ready(Ok(n));
            }
            if let Some(error) = self.conn.error() {
                return Poll::Ready(Err(tls_error(error.clone())));
            }
            if self.conn.truncated() {
                return Poll::Ready(match self.unclean_eof_ok {
                    true => Ok(0),
                    false => Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the peer closed the connection without sending close_notify (possible truncation)",
                    )),
                });
            }
            ready!(self.poll_read_tls(cx))?;
        }
    }

    /// Queues `buf` as records and writes them as far as the transport takes them;
    /// returns how many plaintext bytes were taken. Before the handshake completes, a
    /// client that offered 0-RTT writes early data (resent as ordinary data after the
    /// handshake if the server rejects it); otherwise writing drives the handshake.
    pub fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.closing {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write after shutdown (our close_notify was sent)",
            )));
        }
        if let Some(early) = self.write_early(buf) {
            let n = early?;
            if n > 0 {
                let _ = self.poll_write_tls(cx);
                return Poll::Ready(Ok(n));
            }
        }
        if self.conn.is_handshaking() {
            ready!(self.poll_handshake(cx))?;
        }
        loop {
            let n = self.conn.write_plaintext(buf).map_err(tls_error)?;
            if n > 0 {
                // Hand the records over now; a full transport is backpressure for the
                // next write, not this one.
                if let Poll::Ready(Err(e)) = self.poll_write_tls(cx) {
                    return Poll::Ready(Err(e));
                }
                return Poll::Ready(Ok(n));
            }
            // The send buffer is full: wait until the transport takes some of it.
            ready!(self.poll_write_tls(cx))?;
        }
    }

    fn write_early(&mut self, buf: &[u8]) -> Option<io::Result<usize>> {
        let room = MAX_EARLY_RESEND.saturating_sub(self.early_sent.len());
        let buf = buf.get(..room).unwrap_or(buf);
        match self.conn.write_early(buf)? {
            Ok(n) => {
                self.early_sent
                    .extend_from_slice(buf.get(..n).unwrap_or_default());
                Some(Ok(n))
            }
            Err(error) => Some(Err(tls_error(error))),
        }
    }

    /// Writes the buffers in order as one stream of plaintext; returns how many bytes
    /// were taken. Small buffers (an HTTP head, then a body chunk) are gathered into
    /// one record of up to 2^14 bytes instead of a record each; a first buffer that
    /// fills a record by itself is written as it is, with no copy.
    pub fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let Some(first) = bufs.iter().find(|b| !b.is_empty()) else {
            return Poll::Ready(Ok(0));
        };
        if first.len() >= MAX_PLAINTEXT {
            return self.poll_write(cx, first);
        }
        let mut gathered = [0u8; MAX_PLAINTEXT];
        let mut filled = 0;
        for buf in bufs {
            let n = buf.len().min(MAX_PLAINTEXT - filled);
            if let (Some(to), Some(from)) = (gathered.get_mut(filled..filled + n), buf.get(..n)) {
                to.copy_from_slice(from);
                filled += n;
            }
            if filled == MAX_PLAINTEXT {
                break;
            }
        }
        self.poll_write(cx, gathered.get(..filled).unwrap_or_default())
    }

    /// Writes every queued record, then flushes the transport.
    pub fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_write_tls(cx))?;
        self.io.poll_flush(cx)
    }

    /// Sends our close_notify (once), writes it out, then shuts the transport's write
    /// side. Reading may go on: the peer's remaining data and its close_notify. A
    /// handshake still under way (0-RTT) is completed first.
    pub fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.closing {
            // A 0-RTT client may shut down before its handshake completed: finish it,
            // so the early data is confirmed and the close_notify goes under the
            // traffic keys (RFC 8446 6.1), not a bare FIN the peer takes for a
            // truncation.
            if self.conn.is_handshaking() && self.conn.error().is_none() {
                ready!(self.poll_handshake(cx))?;
            }
            self.closing = true;
            if self.conn.error().is_none() {
                self.conn.send_close_notify();
            }
        }
        ready!(self.poll_write_tls(cx))?;
        ready!(self.io.poll_flush(cx))?;
        if !self.closed {
            ready!(self.io.poll_close(cx))?;
            self.closed = true;
        }
        Poll::Ready(Ok(()))
    }
}

/// What an adapter's handshake future holds: the stream while its handshake runs, or
/// the error that kept it from starting.
#[cfg(any(feature = "tokio", feature = "futures-io"))]
#[derive(Debug)]
pub(crate) struct MidHandshake<S> {
    stream: Option<S>,
    error: Option<io::Error>,
}

#[cfg(any(feature = "tokio", feature = "futures-io"))]
impl<S> MidHandshake<S> {
    pub(crate) fn new(stream: Result<S, Error>) -> Self {
        match stream {
            Ok(stream) => Self {
                stream: Some(stream),
                error: None,
            },
            Err(error) => Self {
                stream: None,
                error: Some(tls_error(error)),
            },
        }
    }

    /// Runs `step` on the stream; once it is ready, hands the stream out.
    pub(crate) fn poll(
        &mut self,
        step: impl FnOnce(&mut S) -> Poll<io::Result<()>>,
    ) -> Poll<io::Result<S>> {
        if let Some(error) = self.error.take() {
            return Poll::Ready(Err(error));
        }
        let Some(stream) = self.stream.as_mut() else {
            return Poll::Ready(Err(io::Error::other("handshake polled after it resolved")));
        };
        ready!(step(stream))?;
        match self.stream.take() {
            Some(stream) => Poll::Ready(Ok(stream)),
            None => Poll::Ready(Err(io::Error::other("handshake polled after it resolved"))),
        }
    }
}

/// `std::io::Read` over a poll read, for [`Connection::read_tls`]: `Pending` becomes
/// `WouldBlock`, flagged so it is never mistaken for a transport's own error.
pub(crate) struct PollReader<'a, 'b, T> {
    io: &'a mut T,
    cx: &'a mut Context<'b>,
    pending: bool,
}

impl<'a, 'b, T> PollReader<'a, 'b, T> {
    pub(crate) fn new(io: &'a mut T, cx: &'a mut Context<'b>) -> Self {
        Self {
            io,
            cx,
            pending: false,
        }
    }

    /// The transport had nothing to read: the read's `WouldBlock` means `Pending`.
    pub(crate) fn pending(&self) -> bool {
        self.pending
    }
}

impl<T: AsyncTransport> io::Read for PollReader<'_, '_, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.io.poll_read(self.cx, buf) {
            Poll::Ready(result) => result,
            Poll::Pending => {
                self.pending = true;
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
    }
}
