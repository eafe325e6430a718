//! Waiting for the application's choice of server config after the ClientHello.

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;

use ::tokio::io::{AsyncRead, AsyncWrite};

use super::{Accept, Compat, accept_with};
use crate::async_core::{AsyncTransport, PollReader, tls_error};
use crate::server::{Accepted, Acceptor, ClientHello, ServerConfig};

/// Reads a ClientHello and waits for the application to choose the server config
/// (a certificate from a database, say) before the handshake goes on.
///
/// ```no_run
/// # async fn f(tcp: tokio::net::TcpStream) -> std::io::Result<()> {
/// use handclasp::tokio::LazyConfigAcceptor;
/// # async fn config_for(name: Option<&str>) -> std::sync::Arc<handclasp::ServerConfig> { todo!() }
/// let start = LazyConfigAcceptor::new(tcp).await?;
/// let config = config_for(start.client_hello().server_name()).await;
/// let tls = start.into_stream(config).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LazyConfigAcceptor<IO> {
    acceptor: Acceptor,
    io: Option<Compat<IO>>,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> LazyConfigAcceptor<IO> {
    /// Reads the ClientHello from `io` (default limits).
    pub fn new(io: IO) -> Self {
        Self::with_acceptor(Acceptor::new(), io)
    }

    /// Reads the ClientHello through `acceptor` (its limits).
    pub fn with_acceptor(acceptor: Acceptor, io: IO) -> Self {
        Self {
            acceptor,
            io: Some(Compat(io)),
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for LazyConfigAcceptor<IO> {
    type Output = io::Result<StartHandshake<IO>>;

    /// Cancellation safe: received bytes stay in the acceptor.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            let Some(io) = this.io.as_mut() else {
                return Poll::Ready(Err(io::Error::other("acceptor polled after it resolved")));
            };
            match this.acceptor.accept() {
                Ok(Some(accepted)) => {
                    let Some(io) = this.io.take() else {
                        return Poll::Ready(Err(io::Error::other("no transport")));
                    };
                    return Poll::Ready(Ok(StartHandshake { accepted, io: io.0 }));
                }
                Ok(None) => {}
                Err(rejected) => {
                    // The alert goes out as far as the transport takes it now.
                    let _ = io.poll_write(cx, rejected.alert());
                    let _ = io.poll_flush(cx);
                    return Poll::Ready(Err(tls_error(rejected.into_error())));
                }
            }
            let mut reader = PollReader::new(io, cx);
            let read = this.acceptor.read_tls(&mut reader);
            if reader.pending() {
                return Poll::Pending;
            }
            if read? == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the connection before its ClientHello",
                )));
            }
        }
    }
}

/// A ClientHello has arrived; the handshake waits for the config.
#[derive(Debug)]
pub struct StartHandshake<IO> {
    accepted: Accepted,
    io: IO,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> StartHandshake<IO> {
    /// What the client offered.
    pub fn client_hello(&self) -> ClientHello<'_> {
        self.accepted.client_hello()
    }

    /// Goes on with the handshake under `config`.
    pub fn into_stream(self, config: Arc<ServerConfig>) -> Accept<IO> {
        accept_with(self.accepted.into_connection(config), self.io)
    }
}
