//! Blocking adapters: a connection plus a transport (`Read + Write`, e.g. a
//! `TcpStream`) used as one `Read + Write` stream of plaintext.
//!
//! A blocking read never ends in `WouldBlock` because a record carried no plaintext:
//! records that only make us write (a TLS 1.3 KeyUpdate asking for ours, a TLS 1.2
//! HelloRequest or renegotiating ClientHello answered with `no_renegotiation`, a
//! NewSessionTicket, an empty record) are answered, and reading goes on until there
//! is plaintext, a clean end of stream (close_notify) or an error.

use std::io::{self, Read, Write};
use std::ops::DerefMut;

use crate::conn::Connection;

impl Connection {
    /// Does blocking I/O on `io` until something useful happened: during the
    /// handshake, until it completes (flushing our last flight); afterwards, one read
    /// (when plaintext is wanted) and all pending writes. Returns the bytes read from
    /// and written to `io`.
    ///
    /// A TLS error is returned as `InvalidData` after the alert has been written.
    pub fn complete_io<T: Read + Write>(&mut self, io: &mut T) -> io::Result<(usize, usize)> {
        let until_handshaked = self.is_handshaking();
        let (mut read, mut written) = (0, 0);
        loop {
            written += self.flush_tls(io)?;
            // An error is final: said again (after its alert went out), never waited on.
            if let Some(error) = self.error() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, error.clone()));
            }
            if !until_handshaked && written > 0 {
                return Ok((read, written));
            }
            if !self.wants_read() && self.is_handshaking() {
                // The peer closed (close_notify) before the handshake completed: no
                // input will ever finish it.
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the connection during the handshake",
                ));
            }
            if self.wants_read() {
                let n = self.read_and_process(io)?;
                if n == 0 {
                    if self.is_handshaking() {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the peer closed the connection during the handshake",
                        ));
                    }
                    return Ok((read, written));
                }
                read += n;
            }
            match (until_handshaked, self.is_handshaking()) {
                (_, true) => continue,
                (true, false) => {
                    written += self.flush_tls(io)?;
                    return Ok((read, written));
                }
                (false, false) => return Ok((read, written)),
            }
        }
    }

    /// Writes everything pending to `io` and flushes it; returns how many bytes.
    fn flush_tls<T: Write>(&mut self, io: &mut T) -> io::Result<usize> {
        let mut written = 0;
        while self.wants_write() {
            match self.write_tls(io)? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => written += n,
            }
        }
        io.flush()?;
        Ok(written)
    }

    /// One read from `io`, then processing of what arrived. Returns the bytes read (0
    /// at end of stream). A TLS error is returned as `InvalidData` after its alert was
    /// written (as far as the transport takes it).
    fn read_and_process<T: Read + Write>(&mut self, io: &mut T) -> io::Result<usize> {
        let n = self.read_tls(io)?;
        if let Err(error) = self.process_new_packets() {
            let _ = self.flush_tls(io);
            return Err(io::Error::new(io::ErrorKind::InvalidData, error));
        }
        Ok(n)
    }

    /// Blocking read of plaintext: answers what the peer asks of us (flushing our
    /// replies) and reads on until there is plaintext, a clean end of stream or an
    /// error. On a non-blocking transport, its `WouldBlock` comes through as it is.
    fn read_blocking<T: Read + Write>(&mut self, io: &mut T, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            // What we owe the peer (our KeyUpdate, a no_renegotiation warning) goes
            // out before we wait for more: the peer may be waiting for it.
            self.flush_tls(io)?;
            match self.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                done => return done,
            }
            self.read_and_process(io)?;
        }
    }
}

/// A connection and a transport borrowed together as a plaintext stream.
#[derive(Debug)]
pub struct Stream<'a, C: DerefMut<Target = Connection>, T: Read + Write> {
    /// The TLS connection.
    pub conn: &'a mut C,
    /// The transport.
    pub sock: &'a mut T,
}

impl<'a, C: DerefMut<Target = Connection>, T: Read + Write> Stream<'a, C, T> {
    /// Pairs `conn` with `sock`.
    pub fn new(conn: &'a mut C, sock: &'a mut T) -> Self {
        Self { conn, sock }
    }

    fn finish_handshake(&mut self) -> io::Result<()> {
        if self.conn.is_handshaking() {
            self.conn.complete_io(self.sock)?;
        }
        if self.conn.wants_write() {
            self.conn.complete_io(self.sock)?;
        }
        Ok(())
    }
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Read for Stream<'_, C, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.finish_handshake()?;
        self.conn.read_blocking(self.sock, buf)
    }
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Write for Stream<'_, C, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Nothing to send: no I/O (completing the I/O would wait for the peer).
        if buf.is_empty() {
            return Ok(0);
        }
        self.finish_handshake()?;
        let n = self.conn.writer().write(buf)?;
        self.conn.complete_io(self.sock)?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.finish_handshake()?;
        while self.conn.wants_write() {
            self.conn.complete_io(self.sock)?;
        }
        self.sock.flush()
    }
}

/// A connection that owns its transport, as a plaintext stream.
#[derive(Debug)]
pub struct StreamOwned<C: DerefMut<Target = Connection>, T: Read + Write> {
    /// The TLS connection.
    pub conn: C,
    /// The transport.
    pub sock: T,
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> StreamOwned<C, T> {
    /// Takes ownership of both.
    pub fn new(conn: C, sock: T) -> Self {
        Self { conn, sock }
    }

    fn as_stream(&mut self) -> Stream<'_, C, T> {
        Stream::new(&mut self.conn, &mut self.sock)
    }

    /// Gives both back.
    pub fn into_parts(self) -> (C, T) {
        (self.conn, self.sock)
    }
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Read for StreamOwned<C, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.as_stream().read(buf)
    }
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Write for StreamOwned<C, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.as_stream().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.as_stream().flush()
    }
}
