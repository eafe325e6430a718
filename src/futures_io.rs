//! The futures-io adapter (feature `futures-io`), for smol, async-std and every
//! runtime built on the `futures` traits: [`connect`] and [`accept`] make a
//! [`TlsStream`] that is `AsyncRead + AsyncWrite`. Behaviour (close, half-close,
//! truncation, backpressure, cancellation) is [`crate::async_core`]'s, as in the tokio
//! adapter.

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;

use futures_io::{AsyncRead, AsyncWrite};
use pki_types::ServerName;

use crate::async_core::{AsyncTransport, MidHandshake, Session, TlsCore};
use crate::client::{ClientConfig, ClientConnection};
use crate::server::{ServerConfig, ServerConnection};

/// A futures-io transport seen through [`AsyncTransport`].
#[derive(Debug)]
struct Compat<IO>(IO);

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncTransport for Compat<IO> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

/// A TLS stream over a futures-io transport.
#[derive(Debug)]
pub struct TlsStream<IO, C> {
    core: TlsCore<Compat<IO>, C>,
}

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session> TlsStream<IO, C> {
    /// The transport and the connection.
    pub fn get_ref(&self) -> (&IO, &C) {
        let (io, conn) = self.core.get_ref();
        (&io.0, conn)
    }

    /// The transport and the connection, mutably.
    pub fn get_mut(&mut self) -> (&mut IO, &mut C) {
        let (io, conn) = self.core.get_mut();
        (&mut io.0, conn)
    }

    /// Treats a transport that ends without the peer's close_notify as a clean end.
    pub fn set_unclean_eof_ok(&mut self, ok: bool) {
        self.core.set_unclean_eof_ok(ok);
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session + Unpin> AsyncRead for TlsStream<IO, C> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().core.poll_read(cx, buf)
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session + Unpin> AsyncWrite for TlsStream<IO, C> {
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

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().core.poll_flush(cx)
    }

    /// Sends close_notify, flushes, then closes the transport's write side.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().core.poll_shutdown(cx)
    }
}

/// A handshake in progress; resolves to the stream.
#[derive(Debug)]
pub struct Handshake<IO, C>(MidHandshake<TlsStream<IO, C>>);

impl<IO: AsyncRead + AsyncWrite + Unpin, C: Session + Unpin> Future for Handshake<IO, C> {
    type Output = io::Result<TlsStream<IO, C>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut()
            .0
            .poll(|stream| stream.core.poll_handshake(cx))
    }
}

fn handshake<IO, C>(conn: Result<C, crate::Error>, io: IO) -> Handshake<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: Session,
{
    Handshake(MidHandshake::new(conn.map(|conn| TlsStream {
        core: TlsCore::new(Compat(io), conn),
    })))
}

/// A client handshake with `name` over `io`.
pub fn connect<IO: AsyncRead + AsyncWrite + Unpin>(
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    io: IO,
) -> Handshake<IO, ClientConnection> {
    handshake(ClientConnection::new(config, name), io)
}

/// A server handshake over `io`.
pub fn accept<IO: AsyncRead + AsyncWrite + Unpin>(
    config: Arc<ServerConfig>,
    io: IO,
) -> Handshake<IO, ServerConnection> {
    handshake(ServerConnection::new(config), io)
}
