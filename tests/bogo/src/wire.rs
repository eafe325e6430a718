//! The socket to the runner. With `-async` every byte crosses it alone, in both
//! directions, as BoringSSL's async BIO delivers them: the state machine then sees
//! each record split at every possible point.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};

use handclasp::Connection;

pub struct Wire {
    sock: TcpStream,
    trickle: bool,
}

impl Wire {
    /// Connects to the runner and sends the shim id (8 bytes, little-endian), by which
    /// the runner tells its shims apart.
    pub fn connect(port: u16, ipv6: bool, shim_id: u64, trickle: bool) -> io::Result<Self> {
        let addr = if ipv6 {
            SocketAddr::from((Ipv6Addr::LOCALHOST, port))
        } else {
            SocketAddr::from((Ipv4Addr::LOCALHOST, port))
        };
        let mut sock = TcpStream::connect(addr)?;
        sock.set_nodelay(true)?;
        sock.write_all(&shim_id.to_le_bytes())?;
        Ok(Self { sock, trickle })
    }

    /// Writes everything the connection has pending.
    pub fn flush(&mut self, conn: &mut Connection) -> io::Result<()> {
        while conn.wants_write() {
            if self.trickle {
                let pending = conn.pending_tls();
                let n = self.sock.write(pending.get(..1).unwrap_or(pending))?;
                conn.consume_tls(n);
            } else {
                conn.write_tls(&mut self.sock)?;
            }
        }
        Ok(())
    }

    /// Reads once from the socket into the connection; 0 means the peer closed.
    pub fn read_into(&mut self, conn: &mut Connection) -> io::Result<usize> {
        if !self.trickle {
            return conn.read_tls(&mut self.sock);
        }
        let mut byte = [0u8; 1];
        let n = self.sock.read(&mut byte)?;
        if n > 0 && conn.read_tls_from_slice(&byte) == 0 {
            return Err(io::Error::other("the connection's input buffer is full"));
        }
        Ok(n)
    }

    /// After a fatal alert: closes our sending side and drains what the peer still
    /// sends, so that closing the socket does not reset the connection before the peer
    /// has read the alert (a reset would replace the alert with "broken pipe" there).
    pub fn linger(&mut self) {
        let _ = self.sock.shutdown(std::net::Shutdown::Write);
        let _ = self
            .sock
            .set_read_timeout(Some(std::time::Duration::from_secs(2)));
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.sock.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
    }
}
