//! `std::io` adapters for a connection's plaintext.

use std::io;

use super::Connection;

/// Reads received plaintext (`std::io::Read`).
///
/// `Ok(0)` means the peer closed cleanly (close_notify). With no plaintext waiting the
/// read fails with `WouldBlock`, or with `UnexpectedEof` if the transport ended without
/// a close_notify (possible truncation).
pub struct Reader<'a> {
    conn: &'a mut Connection,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(conn: &'a mut Connection) -> Self {
        Self { conn }
    }
}

impl io::Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.conn.read_plaintext(buf);
        if n > 0 || buf.is_empty() || self.conn.peer_has_closed() {
            return Ok(n);
        }
        if let Some(error) = self.conn.error() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, error.clone()));
        }
        if self.conn.truncated() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the peer closed the connection without sending close_notify (possible truncation)",
            ));
        }
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// Writes plaintext to send (`std::io::Write`). Data written before the handshake
/// completes is queued; a full buffer gives `WouldBlock`.
pub struct Writer<'a> {
    conn: &'a mut Connection,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(conn: &'a mut Connection) -> Self {
        Self { conn }
    }
}

impl io::Write for Writer<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.conn.write_plaintext(buf) {
            Ok(0) if !buf.is_empty() => Err(io::ErrorKind::WouldBlock.into()),
            Ok(n) => Ok(n),
            Err(e) => Err(io::Error::other(e)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
