//! The tokio adapter (feature `tokio`): [`TlsConnector`] and [`TlsAcceptor`] make a
//! [`TlsStream`] over any `AsyncRead + AsyncWrite + Unpin` transport, and
//! [`LazyConfigAcceptor`] lets a server read the ClientHello before it chooses its
//! [`ServerConfig`].
//!
//! Reads, writes, flush, shutdown, errors and cancellation behave as
//! [`crate::async_core`] describes; in short:
//! - `shutdown().await` sends our close_notify, flushes, and shuts the transport's
//!   write side; reading goes on until the peer's close_notify (half-close).
//! - A transport that ends without the peer's close_notify is an `UnexpectedEof` error
//!   unless [`TlsStream::set_unclean_eof_ok`] opted in.
//! - Every method is cancellation safe: dropping a future midway loses no data.
//!
//! ```no_run
//! # async fn f() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use handclasp::pki_types::ServerName;
//! use handclasp::tokio::TlsConnector;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # let config: Arc<handclasp::ClientConfig> = todo!();
//! let tcp = tokio::net::TcpStream::connect("example.com:443").await?;
//! let name = ServerName::try_from("example.com").unwrap();
//! let mut tls = TlsConnector::from(config).connect(name, tcp).await?;
//! tls.write_all(b"GET / HTTP/1.0\r\nHost: example.com\r\n\r\n").await?;
//! let mut page = Vec::new();
//! tls.read_to_end(&mut page).await?;
//! # Ok(()) }
//! ```

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::io;

use ::tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

mod lazy;
pub use lazy::{LazyConfigAcceptor, StartHandshake};
use pki_types::ServerName;

use crate::async_core::{AsyncTransport, MidHandshake, Session, TlsCore};
use crate::client::{ClientConfig, ClientConnection};
use crate::conn::EarlyDataStatus;
use crate::server::{ServerConfig, ServerConnection};

/// A tokio transport seen through [`AsyncTransport`].
#[derive(Debug)]
pub(crate) struct Compat<IO>(pub(crate) IO);

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncTransport for Compat<IO> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(Pin::new(&mut self.0).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// A TLS stream over a tokio transport: `AsyncRead + AsyncWrite` of plaintext.
#[derive(Debug)]
pub struct TlsStream<IO, C> {
    core: TlsCore<Compat<IO>, C>,
}

/// A client's stream.
pub type ClientTlsStream<IO> = TlsStream<IO, ClientConnection>;
/// A server's stream.
pub type ServerTlsStream<IO> = TlsStream<IO, ServerConnection>;

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session> TlsStream<IO, C> {
    fn new(io: IO, conn: C) -> Self {
        Self {
            core: TlsCore::new(Compat(io), conn),
        }
    }

    /// The transport and the connection (ALPN, peer certificates, version, suite,
    /// exporters: see [`crate::Connection`]).
    pub fn get_ref(&self) -> (&IO, &C) {
        let (io, conn) = self.core.get_ref();
        (&io.0, conn)
    }

    /// The transport and the connection, mutably.
    pub fn get_mut(&mut self) -> (&mut IO, &mut C) {
        let (io, conn) = self.core.get_mut();
        (&mut io.0, conn)
    }

    /// The transport and the connection, apart.
    pub fn into_inner(self) -> (IO, C) {
        let (io, conn) = self.core.into_inner();
        (io.0, conn)
    }

    /// Treats a transport that ends without the peer's close_notify as a clean end
    /// (`Ok(0)`), not an `UnexpectedEof` error. Only for protocols that frame their
    /// own data; otherwise a truncation attack passes unnoticed.
    pub fn set_unclean_eof_ok(&mut self, ok: bool) {
        self.core.set_unclean_eof_ok(ok);
    }

    /// Whether 0-RTT early data was offered, accepted or rejected. A client stream
    /// resends rejected early data as ordinary data by itself.
    pub fn early_data_status(&self) -> EarlyDataStatus {
        self.core.get_ref().1.early_data()
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session + Unpin> AsyncRead for TlsStream<IO, C> {
    /// Cancellation safe: received bytes stay in the connection.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let n = ready!(this.core.poll_read(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session + Unpin> AsyncWrite for TlsStream<IO, C> {
    /// Cancellation safe: `Ready(Ok(n))` means `n` bytes are queued as records.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().core.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().core.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().core.poll_flush(cx)
    }

    /// Sends close_notify, flushes, then shuts the transport's write side.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().core.poll_shutdown(cx)
    }
}

/// A handshake in progress; resolves to the stream or the error that ended it.
/// Dropping it drops the connection.
#[derive(Debug)]
pub struct Handshake<IO, C> {
    inner: MidHandshake<TlsStream<IO, C>>,
    /// Resolve once the first flight is written if 0-RTT is offered.
    early: bool,
}

/// The client handshake ([`TlsConnector::connect`]).
pub type Connect<IO> = Handshake<IO, ClientConnection>;
/// The server handshake ([`TlsAcceptor::accept`], [`StartHandshake::into_stream`]).
pub type Accept<IO> = Handshake<IO, ServerConnection>;

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session> Handshake<IO, C> {
    fn new(conn: Result<C, crate::Error>, io: IO, early: bool) -> Self {
        Self {
            inner: MidHandshake::new(conn.map(|conn| TlsStream::new(io, conn))),
            early,
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session + Unpin> Future for Handshake<IO, C> {
    type Output = io::Result<TlsStream<IO, C>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let early = this.early;
        this.inner.poll(|stream| {
            match early && stream.early_data_status() == EarlyDataStatus::Offered {
                true => stream.core.poll_first_flight(cx),
                false => stream.core.poll_handshake(cx),
            }
        })
    }
}

/// Makes client connections from one config.
#[derive(Clone, Debug)]
pub struct TlsConnector {
    config: Arc<ClientConfig>,
    early_data: bool,
}

impl From<Arc<ClientConfig>> for TlsConnector {
    fn from(config: Arc<ClientConfig>) -> Self {
        Self {
            config,
            early_data: false,
        }
    }
}

impl TlsConnector {
    /// With 0-RTT on (and a ticket that allows it, and a config that enables early
    /// data), `connect` resolves as soon as the ClientHello is written: what the
    /// application writes next goes as early data, and is resent after the handshake
    /// if the server rejects it ([`TlsStream::early_data_status`] tells).
    pub fn early_data(mut self, on: bool) -> Self {
        self.early_data = on;
        self
    }

    /// Starts a handshake with `name` over `io`.
    pub fn connect<IO>(&self, name: ServerName<'static>, io: IO) -> Connect<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = ClientConnection::new(self.config.clone(), name);
        Handshake::new(conn, io, self.early_data)
    }
}

/// Makes server connections from one config.
#[derive(Clone, Debug)]
pub struct TlsAcceptor {
    config: Arc<ServerConfig>,
}

impl From<Arc<ServerConfig>> for TlsAcceptor {
    fn from(config: Arc<ServerConfig>) -> Self {
        Self { config }
    }
}

impl TlsAcceptor {
    /// Starts a handshake over `io`.
    pub fn accept<IO>(&self, io: IO) -> Accept<IO>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        accept_with(ServerConnection::new(self.config.clone()), io)
    }
}

pub(crate) fn accept_with<IO: AsyncRead + AsyncWrite + Unpin>(
    conn: Result<ServerConnection, crate::Error>,
    io: IO,
) -> Accept<IO> {
    Handshake::new(conn, io, false)
}
