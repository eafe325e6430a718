//! The futures-io adapter: the same core under the `futures` traits, driven here over
//! tokio's TCP through a small bridge (any futures-io runtime would do).

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use handclasp::futures_io::{accept, connect};
use tokio::io::ReadBuf;
use tokio::net::TcpStream;

use super::fixture::{configs, listener, name};

/// tokio's TCP stream under the futures-io traits.
struct Bridge(TcpStream);

impl AsyncRead for Bridge {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut rb = ReadBuf::new(buf);
        std::task::ready!(tokio::io::AsyncRead::poll_read(
            Pin::new(&mut self.0),
            cx,
            &mut rb
        ))?;
        Poll::Ready(Ok(rb.filled().len()))
    }
}

impl AsyncWrite for Bridge {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(Pin::new(&mut self.0), cx)
    }
}

async fn write_all<W: AsyncWrite + Unpin>(w: &mut W, mut data: &[u8]) {
    while !data.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *w).poll_write(cx, data))
            .await
            .unwrap();
        data = &data[n..];
    }
    poll_fn(|cx| Pin::new(&mut *w).poll_flush(cx))
        .await
        .unwrap();
}

async fn read_to_end<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match poll_fn(|cx| Pin::new(&mut *r).poll_read(cx, &mut buf)).await? {
            0 => return Ok(all),
            n => all.extend_from_slice(&buf[..n]),
        }
    }
}

/// A request and an answer each way, half-closed, through the futures-io adapter.
#[tokio::test]
async fn futures_io_streams_exchange_and_half_close() {
    let configs = configs();
    let (listener, addr) = listener().await;
    let server_config = configs.server.clone();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = accept(server_config, Bridge(tcp)).await.unwrap();
        let question = read_to_end(&mut tls).await.unwrap();
        write_all(&mut tls, b"answer").await;
        poll_fn(|cx| Pin::new(&mut tls).poll_close(cx))
            .await
            .unwrap();
        question
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connect(configs.client.clone(), name(), Bridge(tcp))
        .await
        .unwrap();
    write_all(&mut tls, b"question").await;
    poll_fn(|cx| Pin::new(&mut tls).poll_close(cx))
        .await
        .unwrap();
    assert_eq!(read_to_end(&mut tls).await.unwrap(), b"answer");
    assert_eq!(server.await.unwrap(), b"question");
    assert!(tls.get_ref().1.peer_has_closed());
}
