//! The tokio adapter between our own client and server over loopback TCP.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use handclasp::conn::EarlyDataStatus;
use handclasp::enums::AlertDescription;
use handclasp::error::CertificateError;
use handclasp::tokio::{TlsAcceptor, TlsConnector};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, Error};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use super::fixture::{self, NAME, configs, listener, name, pair, pattern};
use crate::common::early;
use crate::common::pki::{self, NOV_2026, at};

const MIB: usize = 1024 * 1024;

/// The repeating 64 KiB piece of the stream seeded by `seed`.
fn piece(seed: u64) -> Vec<u8> {
    pattern(seed, 64 * 1024)
}

/// Writes `total` bytes of the stream seeded by `seed`.
async fn send_pattern<W: AsyncWrite + Unpin>(w: &mut W, seed: u64, total: usize) {
    let piece = piece(seed);
    let mut sent = 0;
    while sent < total {
        let at = sent % piece.len();
        let n = (piece.len() - at).min(total - sent);
        w.write_all(&piece[at..at + n]).await.unwrap();
        sent += n;
    }
    w.flush().await.unwrap();
}

/// Reads until end of stream, comparing every byte with the stream seeded by `seed`
/// as it arrives (nothing is kept); returns how many bytes matched.
async fn receive_pattern<R: AsyncRead + Unpin>(r: &mut R, seed: u64) -> usize {
    let piece = piece(seed);
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0;
    loop {
        let n = r.read(&mut buf).await.unwrap();
        if n == 0 {
            return got;
        }
        let mut rest = &buf[..n];
        while !rest.is_empty() {
            let at = got % piece.len();
            let m = (piece.len() - at).min(rest.len());
            assert!(
                rest[..m] == piece[at..at + m],
                "wrong bytes at offset {got}"
            );
            got += m;
            rest = &rest[m..];
        }
    }
}

/// 200 connections at once, each moving 16 MiB each way at the same time; every byte
/// checked on arrival. Both sides shut down with close_notify at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_connections_move_16_mib_each_way() {
    const CONNECTIONS: usize = 200;
    const EACH_WAY: usize = 16 * MIB;
    let configs = configs();
    let (listener, addr) = listener().await;
    let acceptor = TlsAcceptor::from(configs.server.clone());
    let server = tokio::spawn(async move {
        let mut tasks = Vec::new();
        for _ in 0..CONNECTIONS {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tasks.push(tokio::spawn(async move {
                let tls = acceptor.accept(tcp).await.unwrap();
                let (mut r, mut w) = tokio::io::split(tls);
                let writer = async {
                    send_pattern(&mut w, 2, EACH_WAY).await;
                    w.shutdown().await.unwrap();
                };
                let ((), got) = tokio::join!(writer, receive_pattern(&mut r, 1));
                got
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    });
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        let connector = TlsConnector::from(configs.client.clone());
        clients.push(tokio::spawn(async move {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let tls = connector.connect(name(), tcp).await.unwrap();
            let (mut r, mut w) = tokio::io::split(tls);
            let writer = async {
                send_pattern(&mut w, 1, EACH_WAY).await;
                w.shutdown().await.unwrap();
            };
            let ((), got) = tokio::join!(writer, receive_pattern(&mut r, 2));
            got
        }));
    }
    for client in clients {
        assert_eq!(client.await.unwrap(), EACH_WAY);
    }
    let results = server.await.unwrap();
    assert_eq!(results.len(), CONNECTIONS);
    for got in results {
        assert_eq!(got, EACH_WAY);
    }
}

/// A peer that ends the TCP stream without close_notify: the data before it arrives,
/// then `UnexpectedEof` (possible truncation), unless the reader opted in.
#[tokio::test]
async fn eof_without_close_notify_is_an_error_unless_allowed() {
    for allow in [false, true] {
        let configs = configs();
        let (mut client, server) = pair(&configs).await;
        client.set_unclean_eof_ok(allow);
        let (mut tcp, _conn) = {
            let mut server = server;
            server.write_all(b"partial answer").await.unwrap();
            server.flush().await.unwrap();
            server.into_inner()
        };
        // The transport ends with no close_notify.
        tcp.shutdown().await.unwrap();
        let mut got = [0u8; 14];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"partial answer");
        let mut rest = Vec::new();
        let end = client.read_to_end(&mut rest).await;
        match allow {
            false => assert_eq!(end.unwrap_err().kind(), io::ErrorKind::UnexpectedEof),
            true => assert_eq!(end.unwrap(), 0),
        }
    }
}

/// Half-close both ways: the side that shut down first still reads the other's answer
/// and its close_notify; a write after our own shutdown is refused.
#[tokio::test]
async fn half_close_works_in_both_directions() {
    let configs = configs();
    for client_first in [true, false] {
        let (mut client, mut server) = pair(&configs).await;
        let (first, second): (&mut dyn AsyncDuplex, &mut dyn AsyncDuplex) = match client_first {
            true => (&mut client, &mut server),
            false => (&mut server, &mut client),
        };
        first.write_all(b"question").await.unwrap();
        first.shutdown().await.unwrap();
        let write_after = first.write_all(b"more").await.unwrap_err();
        assert_eq!(write_after.kind(), io::ErrorKind::BrokenPipe);

        let mut question = Vec::new();
        second.read_to_end(&mut question).await.unwrap();
        assert_eq!(question, b"question");
        second.write_all(b"answer").await.unwrap();
        second.shutdown().await.unwrap();

        let mut answer = Vec::new();
        first.read_to_end(&mut answer).await.unwrap();
        assert_eq!(answer, b"answer");
    }
}

trait AsyncDuplex: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncDuplex for T {}

/// A transport that gives at most 7 bytes per read and says `Pending` (waking at once)
/// every other time, so reads stop in the middle of records.
struct Trickle<T> {
    inner: T,
    stall: bool,
}

impl<T: AsyncRead + Unpin> AsyncRead for Trickle<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stall = !self.stall;
        if self.stall {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let mut small = [0u8; 7];
        let want = buf.remaining().min(small.len());
        let mut part = ReadBuf::new(&mut small[..want]);
        std::task::ready!(Pin::new(&mut self.inner).poll_read(cx, &mut part))?;
        buf.put_slice(part.filled());
        Poll::Ready(Ok(()))
    }
}

/// Writes pass straight through a test transport wrapper (`$t<T>` with an `inner: T`).
macro_rules! forward_writes {
    ($t:ident) => {
        impl<T: AsyncWrite + Unpin> AsyncWrite for $t<T> {
            fn poll_write(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.inner).poll_write(cx, buf)
            }
            fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut self.inner).poll_flush(cx)
            }
            fn poll_shutdown(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Pin::new(&mut self.inner).poll_shutdown(cx)
            }
        }
    };
}

forward_writes!(Trickle);

/// Handshake and read futures dropped after one poll, again and again, while records
/// arrive a few bytes at a time: every byte still arrives, in order, and the stream
/// stays usable.
#[tokio::test]
async fn dropped_futures_lose_nothing() {
    let configs = configs();
    let (listener, addr) = listener().await;
    let acceptor = TlsAcceptor::from(configs.server.clone());
    let data = pattern(7, 200_000);
    let sent = data.clone();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        tls.write_all(&sent).await.unwrap();
        tls.shutdown().await.unwrap();
        let mut echo = Vec::new();
        tls.read_to_end(&mut echo).await.unwrap();
        echo
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let trickle = Trickle {
        inner: tcp,
        stall: false,
    };
    // The handshake future is polled to its end through cancelled wrappers.
    let mut connect = TlsConnector::from(configs.client.clone()).connect(name(), trickle);
    let mut client = loop {
        // One poll at a time, with a yield between, as for the reads below.
        match std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut connect).poll(cx))).await {
            Poll::Ready(done) => break done.unwrap(),
            Poll::Pending => tokio::task::yield_now().await,
        }
    };
    let mut got = Vec::new();
    let mut cancelled = 0;
    loop {
        let mut buf = [0u8; 1000];
        // Each read future is polled exactly once and dropped if it is not done (no
        // timer decides, so the count does not depend on the machine's speed); the
        // yield lets the server task run between reads.
        let once = {
            let mut read = std::pin::pin!(client.read(&mut buf));
            std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await
        };
        match once {
            Poll::Pending => {
                cancelled += 1;
                tokio::task::yield_now().await;
            }
            Poll::Ready(Ok(0)) => break,
            Poll::Ready(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Poll::Ready(Err(e)) => panic!("read failed: {e}"),
        }
    }
    // The trickle stalls after every 7 bytes it delivers, so a read is dropped at
    // least once per 7 bytes until a record is whole: thousands of times for 200 KB.
    assert!(
        cancelled > 10_000,
        "reads were cancelled only {cancelled} times"
    );
    assert_eq!(got, data);
    // Still usable after all that: write, and the server sees it.
    client.write_all(b"after").await.unwrap();
    client.shutdown().await.unwrap();
    assert_eq!(server.await.unwrap(), b"after");
}

/// A reader that does not read: the writer stalls once the transport and the
/// connection's bounded send buffer are full; nothing grows without bound. Then every
/// byte arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reader_stalls_the_writer_not_memory() {
    const TOTAL: usize = 64 * MIB;
    let configs = configs();
    let (mut client, mut server) = pair(&configs).await;
    let accepted = Arc::new(AtomicUsize::new(0));
    let most_queued = Arc::new(AtomicUsize::new(0));
    let (acc, queued) = (accepted.clone(), most_queued.clone());
    let writer = tokio::spawn(async move {
        let piece = piece(3);
        let mut sent = 0;
        while sent < TOTAL {
            let at = sent % piece.len();
            let n = server.write(&piece[at..]).await.unwrap();
            sent += n;
            acc.store(sent, Ordering::SeqCst);
            let pending = server.get_ref().1.pending_tls().len();
            queued.fetch_max(pending, Ordering::SeqCst);
        }
        server.shutdown().await.unwrap();
    });
    // The writer runs while nobody reads: it can get only as far as the buffers go.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before_reading = accepted.load(Ordering::SeqCst);
    assert!(
        before_reading < TOTAL,
        "all {TOTAL} bytes went without a reader"
    );
    let limit = handclasp::Limits::default().send_buffer;
    // A full send buffer plus one record's framing.
    assert!(most_queued.load(Ordering::SeqCst) <= limit + 16 * 1024 + 256);
    assert_eq!(receive_pattern(&mut client, 3).await, TOTAL);
    writer.await.unwrap();
}

/// A certificate from an unknown root: the client's handshake ends in the typed
/// certificate error, the server's in the alert it received.
#[tokio::test]
async fn a_failed_handshake_surfaces_a_typed_error() {
    let configs = configs();
    let other_root = pki::Ca::root("a root the server's chain does not lead to");
    let mut roots = RootStore::empty();
    roots.add(&other_root.cert).unwrap();
    let stranger = ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(Arc::new(handclasp::time::FixedTime(at(NOV_2026))))
        .build()
        .unwrap();
    let (listener, addr) = listener().await;
    let acceptor = TlsAcceptor::from(configs.server.clone());
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        acceptor.accept(tcp).await.map(|_| ())
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let client = TlsConnector::from(Arc::new(stranger))
        .connect(name(), tcp)
        .await
        .map(|_| ());
    let client = client.unwrap_err();
    assert_eq!(client.kind(), io::ErrorKind::InvalidData);
    assert!(
        matches!(
            fixture::tls_error(&client),
            Some(Error::Certificate(
                CertificateError::MissingIntermediate { .. }
            ))
        ),
        "{client:?}"
    );
    let server = server.await.unwrap().unwrap_err();
    assert_eq!(
        fixture::tls_error(&server),
        Some(&Error::AlertReceived(AlertDescription::UnknownCa))
    );
}

/// Vectored writes send the buffers in order.
#[tokio::test]
async fn vectored_writes_keep_order() {
    let configs = configs();
    let (mut client, mut server) = pair(&configs).await;
    let parts: [&[u8]; 4] = [b"one ", b"", b"two ", b"three"];
    let mut slices: Vec<io::IoSlice<'_>> = parts.iter().map(|p| io::IoSlice::new(p)).collect();
    let mut left = &mut slices[..];
    while !left.is_empty() {
        let n = client.write_vectored(left).await.unwrap();
        io::IoSlice::advance_slices(&mut left, n);
    }
    client.shutdown().await.unwrap();
    let mut got = Vec::new();
    server.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"one two three");
}

/// The connection behind the stream tells what was negotiated.
#[tokio::test]
async fn the_stream_exposes_the_connection() {
    let configs = configs();
    let (client, server) = pair(&configs).await;
    let (_, conn) = client.get_ref();
    assert_eq!(
        conn.protocol_version(),
        Some(handclasp::enums::ProtocolVersion::TLSv1_3)
    );
    assert!(conn.peer_certificates().is_some_and(|c| !c.is_empty()));
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    conn.export_keying_material(&mut a, b"EXPORTER-test", None)
        .unwrap();
    server
        .get_ref()
        .1
        .export_keying_material(&mut b, b"EXPORTER-test", None)
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(server.get_ref().1.server_name(), Some(NAME));
}

/// 0-RTT through the adapter: the client writes before the handshake completes; an
/// accepting server reads it as early data; a rejecting one gets it resent as
/// ordinary data.
#[tokio::test]
async fn early_data_is_written_before_the_handshake_and_resent_if_rejected() {
    for accept in [true, false] {
        let fixture = early::fixture();
        let accepting = Arc::new(fixture.server(handclasp::ServerConfig::builder(), 16 * 1024));
        fixture.prime(&accepting);
        // Same ticket keys, so the ticket resumes, but no 0-RTT.
        let server_config = match accept {
            true => accepting,
            false => Arc::new(fixture.server(handclasp::ServerConfig::builder(), 0)),
        };

        let (listener, addr) = listener().await;
        let acceptor = TlsAcceptor::from(server_config);
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(tcp).await.unwrap();
            let mut got = [0u8; 11];
            tls.read_exact(&mut got).await.unwrap();
            let status = tls.early_data_status();
            tls.write_all(b"reply").await.unwrap();
            tls.shutdown().await.unwrap();
            (got, status)
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut client = TlsConnector::from(fixture.client.clone())
            .early_data(true)
            .connect(name(), tcp)
            .await
            .unwrap();
        assert!(client.get_ref().1.is_handshaking());
        assert_eq!(client.early_data_status(), EarlyDataStatus::Offered);
        client.write_all(b"early hello").await.unwrap();
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, b"reply");
        let (got, server_status) = server.await.unwrap();
        assert_eq!(&got, b"early hello");
        let want = if accept {
            EarlyDataStatus::Accepted
        } else {
            EarlyDataStatus::Rejected
        };
        assert_eq!(client.early_data_status(), want);
        let server_want = if accept {
            EarlyDataStatus::Accepted
        } else {
            EarlyDataStatus::NotOffered
        };
        assert_eq!(server_status, server_want);
    }
}

/// The server reads the ClientHello, waits for an (async) choice of config by the
/// name the client asked for, then completes the handshake under that config.
#[tokio::test]
async fn lazy_acceptor_waits_for_the_config_chosen_by_sni() {
    use handclasp::tokio::LazyConfigAcceptor;

    let (root, leaf) = pki::server_chain(&["a.test", "b.test"]);
    let server_for = |protocol: &[u8]| {
        Arc::new(
            handclasp::ServerConfig::builder()
                .with_time_provider(Arc::new(handclasp::time::FixedTime(at(NOV_2026))))
                .with_alpn_protocols(vec![protocol.to_vec()])
                .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
                .unwrap()
                .build()
                .unwrap(),
        )
    };
    let (for_a, for_b) = (server_for(b"proto-a"), server_for(b"proto-b"));
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client_config = Arc::new(
        ClientConfig::builder()
            .with_root_store(roots)
            .with_alpn_protocols(vec![b"proto-a".to_vec(), b"proto-b".to_vec()])
            .with_time_provider(Arc::new(handclasp::time::FixedTime(at(NOV_2026))))
            .build()
            .unwrap(),
    );
    for (host, want) in [("a.test", b"proto-a"), ("b.test", b"proto-b")] {
        let (listener, addr) = listener().await;
        let (for_a, for_b) = (for_a.clone(), for_b.clone());
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let start = LazyConfigAcceptor::new(tcp).await.unwrap();
            let hello = start.client_hello();
            let name = hello.server_name().map(str::to_string);
            let offered: Vec<Vec<u8>> = hello.alpn().map(<[u8]>::to_vec).collect();
            // The "database lookup".
            tokio::time::sleep(Duration::from_millis(5)).await;
            let config = match name.as_deref() {
                Some("a.test") => for_a,
                _ => for_b,
            };
            let mut tls = start.into_stream(config).await.unwrap();
            tls.write_all(b"chosen").await.unwrap();
            tls.shutdown().await.unwrap();
            (name, offered)
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        let host_name = handclasp::pki_types::ServerName::try_from(host).unwrap();
        let mut tls = TlsConnector::from(client_config.clone())
            .connect(host_name, tcp)
            .await
            .unwrap();
        let mut got = Vec::new();
        tls.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"chosen");
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&want[..]));
        let (name, offered) = server.await.unwrap();
        assert_eq!(name.as_deref(), Some(host));
        assert_eq!(offered, vec![b"proto-a".to_vec(), b"proto-b".to_vec()]);
    }
}

/// Bytes that are not a ClientHello: the lazy acceptor fails with the TLS error and
/// sends the client the alert.
#[tokio::test]
async fn lazy_acceptor_refuses_what_is_not_a_client_hello() {
    use handclasp::tokio::LazyConfigAcceptor;

    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        LazyConfigAcceptor::new(tcp).await.map(|_| ())
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    // An application-data record before any handshake.
    tcp.write_all(&[23, 3, 3, 0, 2, 0xde, 0xad]).await.unwrap();
    let error = server.await.unwrap().unwrap_err();
    assert!(
        matches!(
            fixture::tls_error(&error),
            Some(Error::UnexpectedMessage { .. })
        ),
        "{error:?}"
    );
    let mut alert = Vec::new();
    tcp.read_to_end(&mut alert).await.unwrap();
    // A fatal (2) unexpected_message (10) alert record.
    assert_eq!(alert, [21, 3, 3, 0, 2, 2, 10]);
}

/// A transport that keeps a copy of every byte written through it.
struct Recording<T> {
    inner: T,
    written: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Recording<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Recording<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let n = std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.written.lock().unwrap().extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Many small buffers in one vectored write go out as one record, not a record each
/// (what an HTTP server's head-plus-body writes look like).
#[tokio::test]
async fn vectored_small_buffers_make_one_record() {
    let configs = configs();
    let (listener, addr) = listener().await;
    let acceptor = TlsAcceptor::from(configs.server.clone());
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut got = Vec::new();
        tls.read_to_end(&mut got).await.unwrap();
        got
    });
    let written = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tcp = Recording {
        inner: TcpStream::connect(addr).await.unwrap(),
        written: written.clone(),
    };
    let mut client = TlsConnector::from(configs.client.clone())
        .connect(name(), tcp)
        .await
        .unwrap();
    written.lock().unwrap().clear();
    let pieces: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 10]).collect();
    let slices: Vec<io::IoSlice<'_>> = pieces.iter().map(|p| io::IoSlice::new(p)).collect();
    assert_eq!(client.write_vectored(&slices).await.unwrap(), 1000);
    client.flush().await.unwrap();
    // Walk the records written: 5-byte headers, lengths big-endian.
    let wire = written.lock().unwrap().clone();
    let mut records = 0;
    let mut at = 0;
    while at + 5 <= wire.len() {
        let len = u16::from_be_bytes([wire[at + 3], wire[at + 4]]) as usize;
        assert_eq!(wire[at], 23, "an application_data record");
        records += 1;
        at += 5 + len;
    }
    assert_eq!(at, wire.len());
    assert_eq!(records, 1, "{records} records for 100 small buffers");
    client.shutdown().await.unwrap();
    assert_eq!(server.await.unwrap(), pieces.concat());
}

/// 0-RTT through the lazy acceptor over TCP: the early data the client sent while the
/// server waited for its config is accepted by the chosen config and read from the
/// stream. (Early data in the same read as the hello is replayed by the sans-IO
/// `Acceptor`; tests/handshake/acceptor.rs covers that byte-exactly.)
#[tokio::test]
async fn lazy_acceptor_passes_early_data_on() {
    use handclasp::tokio::LazyConfigAcceptor;

    let fixture = early::fixture();
    let server_config = Arc::new(fixture.server(handclasp::ServerConfig::builder(), 16 * 1024));
    fixture.prime(&server_config);
    let (listener, addr) = listener().await;
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let start = LazyConfigAcceptor::new(tcp).await.unwrap();
        // Let the early data arrive before the config is chosen.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut tls = start.into_stream(server_config).await.unwrap();
        let mut got = [0u8; 11];
        tls.read_exact(&mut got).await.unwrap();
        let status = tls.early_data_status();
        tls.shutdown().await.unwrap();
        (got, status)
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut client = TlsConnector::from(fixture.client.clone())
        .early_data(true)
        .connect(name(), tcp)
        .await
        .unwrap();
    client.write_all(b"early hello").await.unwrap();
    client.flush().await.unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await.unwrap();
    assert_eq!(client.early_data_status(), EarlyDataStatus::Accepted);
    let (got, status) = server.await.unwrap();
    assert_eq!(&got, b"early hello");
    assert_eq!(status, EarlyDataStatus::Accepted);
}

/// The most 0-RTT data a server config accepts fits the receive buffer with room for
/// the rest of the handshake: a client that sends all of it gets through `accept`.
#[tokio::test]
async fn a_full_early_data_budget_passes_through_accept() {
    let fixture = early::fixture();
    let budget = handclasp::Limits::default().received_plaintext - 1;
    let server_config = Arc::new(fixture.server(handclasp::ServerConfig::builder(), budget as u32));
    fixture.prime(&server_config);
    let (listener, addr) = listener().await;
    let acceptor = TlsAcceptor::from(server_config);
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut got = vec![0u8; budget];
        tls.read_exact(&mut got).await.unwrap();
        tls.shutdown().await.unwrap();
        (got, tls.early_data_status())
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut client = TlsConnector::from(fixture.client.clone())
        .early_data(true)
        .connect(name(), tcp)
        .await
        .unwrap();
    let data = pattern(9, budget);
    client.write_all(&data).await.unwrap();
    client.flush().await.unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).await.unwrap();
    let (got, status) = server.await.unwrap();
    assert_eq!(status, EarlyDataStatus::Accepted);
    assert!(got == data);
}

/// A 0-RTT client that writes its request and shuts down before the handshake has
/// completed: the shutdown finishes the handshake first, so the server reads the
/// request and a clean close_notify, not a truncation.
#[tokio::test]
async fn shutdown_during_a_0rtt_handshake_closes_cleanly() {
    let fixture = early::fixture();
    let server_config = Arc::new(fixture.server(handclasp::ServerConfig::builder(), 16 * 1024));
    fixture.prime(&server_config);
    let (listener, addr) = listener().await;
    let acceptor = TlsAcceptor::from(server_config);
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut got = Vec::new();
        let end = tls.read_to_end(&mut got).await.map(|_| got);
        let _ = tls.shutdown().await;
        end
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut client = TlsConnector::from(fixture.client.clone())
        .early_data(true)
        .connect(name(), tcp)
        .await
        .unwrap();
    assert!(client.get_ref().1.is_handshaking());
    client.write_all(b"request").await.unwrap();
    client.shutdown().await.unwrap();
    assert!(!client.get_ref().1.is_handshaking());
    assert_eq!(server.await.unwrap().unwrap(), b"request");
}

/// A transport that counts the bytes read through it.
struct Counting<T> {
    inner: T,
    read: Arc<AtomicUsize>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counting<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        std::task::ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        let n = buf.filled().len() - before;
        self.read.fetch_add(n, Ordering::SeqCst);
        Poll::Ready(Ok(()))
    }
}

forward_writes!(Counting);

/// Record padding (RFC 8446 5.4) through the adapters: every flushed byte goes out as
/// a record padded to 4 KiB, and the server's stream strips it.
#[tokio::test]
async fn padded_records_flow_through_the_adapters() {
    let (root, leaf) = pki::server_chain(&[NAME]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(Arc::new(handclasp::time::FixedTime(at(NOV_2026))))
        .with_record_padding(handclasp::RecordPadding::ToMultipleOf(4096))
        .build()
        .unwrap();
    let (listener, addr) = listener().await;
    let acceptor = TlsAcceptor::from(Arc::new(
        handclasp::ServerConfig::builder()
            .with_time_provider(Arc::new(handclasp::time::FixedTime(at(NOV_2026))))
            .with_single_cert(leaf.chain, leaf.key)
            .unwrap()
            .build()
            .unwrap(),
    ));
    let read = Arc::new(AtomicUsize::new(0));
    let counted = read.clone();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let tcp = Counting {
            inner: tcp,
            read: counted,
        };
        let mut tls = acceptor.accept(tcp).await.unwrap();
        let mut got = Vec::new();
        tls.read_to_end(&mut got).await.unwrap();
        got
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = TlsConnector::from(Arc::new(client))
        .connect(name(), tcp)
        .await
        .unwrap();
    let after_handshake = read.load(Ordering::SeqCst);
    for b in 0..100u8 {
        tls.write_all(&[b]).await.unwrap();
        tls.flush().await.unwrap();
    }
    tls.shutdown().await.unwrap();
    let got = server.await.unwrap();
    assert_eq!(got, (0..100u8).collect::<Vec<_>>());
    // 100 one-byte records and the close_notify, each 5 + 4096 + 16 bytes on the wire.
    let sent = read.load(Ordering::SeqCst) - after_handshake;
    assert!(
        sent >= 101 * (5 + 4096 + 16),
        "only {sent} bytes after the handshake"
    );
}
