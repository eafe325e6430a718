//! The zero-copy path: records are opened in the caller's own buffer and application
//! data is sealed straight into the caller's output, so bulk data is never copied
//! through the connection's queues.
//!
//! The buffered path ([`Connection::read_tls`], [`Connection::read_plaintext`], ...)
//! copies each received byte twice (into the record buffer, then out of the plaintext
//! queue) and each sent byte twice (into the send queue, then out of it). Here a
//! received byte is not copied at all, and a sent byte once, into the record it goes
//! out in ([`Connection::seal_into`]) or not at all, when the application builds its
//! data inside the record ([`Connection::seal_in_place`]).
//!
//! Ordering is the caller's to keep, since the records leave through its buffers: what
//! [`Connection::pending_tls`] holds goes out before a record sealed after it, and what
//! it gains later (a KeyUpdate answering the peer's, a close_notify, an alert) goes out
//! after every record sealed before. The peer opens records strictly in order, and a
//! KeyUpdate switches our write key.

use alloc::vec::Vec;

use super::Connection;
use crate::error::Error;
use crate::record::{HEADER_LEN, split_record};

/// What [`Connection::process_in_place`] did with the front of the caller's buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct InPlace<'a> {
    /// How many bytes at the front of the buffer were used up. Once done with
    /// `plaintext`, drop them and keep the rest (a record not yet whole) for the next
    /// call, after more received bytes.
    pub consumed: usize,
    /// Application data, decrypted in place: a part of the consumed bytes. Empty when
    /// the records used up carried none.
    pub plaintext: &'a [u8],
}

impl Connection {
    /// Processes received records straight from `buf`, the caller's buffer of bytes
    /// read from the transport, decrypting them there: no copy into the connection.
    ///
    /// Handshake, alert and change_cipher_spec records are acted on as
    /// [`Self::process_new_packets`] does (replies go to [`Self::pending_tls`]). The
    /// call stops after the first record with application data, and returns that
    /// plaintext as a slice of `buf`; or when what is left of `buf` is not a whole
    /// record. Bytes after the peer's close_notify are used up and ignored
    /// (RFC 8446 6.1). On a server that accepted 0-RTT, plaintext returned while
    /// [`Self::is_handshaking`] is still true is early data, which an attacker can
    /// replay (RFC 8446 8): treat it as such. Call again, after dropping `consumed` bytes, until `consumed` is
    /// 0; then read more from the transport, appended to what is left.
    ///
    /// A record may be up to 5 + 2^14 + 2048 bytes, so `buf` must be able to hold that
    /// much. An error is final, as with [`Self::process_new_packets`], except
    /// [`Error::ApiMisuse`] when this path and the buffered one are mixed: bytes given
    /// to [`Self::read_tls`] are still waiting to be processed, or plaintext is still
    /// waiting to be read with [`Self::read_plaintext`].
    ///
    /// ```
    /// # fn demo(conn: &mut handclasp::Connection, received: &mut Vec<u8>) -> Result<(), handclasp::Error> {
    /// loop {
    ///     let done = conn.process_in_place(received)?;
    ///     if done.consumed == 0 {
    ///         break; // read more from the transport onto the end of `received`
    ///     }
    ///     println!("{} bytes of plaintext", done.plaintext.len());
    ///     let consumed = done.consumed;
    ///     received.drain(..consumed);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn process_in_place<'a>(&mut self, buf: &'a mut [u8]) -> Result<InPlace<'a>, Error> {
        self.check_not_failed()?;
        if !self.deframer.is_empty() {
            return Err(Error::ApiMisuse(
                "bytes given to read_tls wait to be processed: call process_new_packets first",
            ));
        }
        if self.deframer.held() > 0 {
            return Err(Error::ApiMisuse(
                "received plaintext waits to be read: call read_plaintext first",
            ));
        }
        match self.open_records_in_place(buf) {
            Ok(done) => {
                // Keep the record buffer's limit current, should the caller go back to
                // the buffered path.
                self.deframer
                    .set_max_payload_len(self.inner.max_record_payload());
                self.release_idle_buffers();
                Ok(done)
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    fn open_records_in_place<'a>(&mut self, buf: &'a mut [u8]) -> Result<InPlace<'a>, Error> {
        let mut consumed = 0;
        let mut rest = buf;
        loop {
            if self.inner.common.received_close_notify {
                // RFC 8446 6.1: "Any data received after a closure alert has been
                // received MUST be ignored."
                consumed += rest.len();
                return Ok(InPlace {
                    consumed,
                    plaintext: &[],
                });
            }
            let max_payload = self.inner.max_record_payload();
            let Some((record, after)) = split_record(rest, max_payload)? else {
                return Ok(InPlace {
                    consumed,
                    plaintext: &[],
                });
            };
            consumed += HEADER_LEN + record.payload.len();
            rest = after;
            if let Some(plaintext) = self.inner.handle_record(record)? {
                return Ok(InPlace {
                    consumed,
                    plaintext,
                });
            }
        }
    }

    /// The room [`Self::seal_in_place`] needs around `len` bytes of application data:
    /// `(before, after)` bytes. Both depend on the negotiated version and suite (and
    /// a TLS 1.3 padding policy), so ask once the handshake is complete.
    pub fn in_place_room(&self, len: usize) -> Result<(usize, usize), Error> {
        self.inner.common.in_place_room(len)
    }

    /// Seals application data where it lies, in the caller's own buffer: `record` is
    /// `before` spare bytes, `len` bytes of plaintext, then `after` spare bytes (from
    /// [`Self::in_place_room`]). On return `record` is one whole protected record, to
    /// send as it is. Nothing is copied: for an application that builds its data in
    /// its transmit buffer (serialises into it, reads a file into it), sending costs
    /// the encryption alone.
    ///
    /// `len` is at most [`crate::Limits::max_fragment`] (2^14 by default). Whatever
    /// [`Self::pending_tls`] holds must be sent first, since it belongs before this
    /// record: otherwise the call fails with [`Error::ApiMisuse`]. The same happens
    /// under TLS 1.3, once in 2^24 records or so, when the write key is worn out
    /// (RFC 8446 5.5): the call then queues the KeyUpdate to send first, and the next
    /// call succeeds (under TLS 1.2, which cannot replace a key, it fails with
    /// [`Error::EncryptError`]: close the connection). What `pending_tls` gains after
    /// this call (a KeyUpdate answering the peer's, close_notify) goes after this
    /// record. A custom TLS 1.3 padding policy must give the same padding for the same
    /// length, or the room asked for will not fit.
    ///
    /// ```
    /// # fn demo(conn: &mut handclasp::Connection, data: &[u8]) -> Result<Vec<u8>, handclasp::Error> {
    /// let (before, after) = conn.in_place_room(data.len())?;
    /// let mut record = vec![0; before + data.len() + after];
    /// record[before..before + data.len()].copy_from_slice(data); // or produce it there
    /// conn.seal_in_place(&mut record, data.len())?;
    /// # Ok(record) }
    /// ```
    pub fn seal_in_place(&mut self, record: &mut [u8], len: usize) -> Result<(), Error> {
        self.check_not_failed()?;
        self.inner.common.seal_in_place(record, len)
    }

    /// Seals `data` as application data records appended straight to `out` (the
    /// caller's transmit buffer), after any TLS bytes [`Self::pending_tls`] held, which
    /// are moved to `out` first so the order on the wire is kept. Each byte of `data`
    /// is copied once, into its record, and encrypted there.
    ///
    /// Unlike [`Self::write_plaintext`] there is no send-buffer limit: `out` belongs to
    /// the caller. Needs an established connection (before the handshake completes,
    /// [`Self::write_plaintext`] queues plaintext instead); after
    /// [`Self::send_close_notify`] or an error it fails. If sealing fails part way
    /// (the key's sequence space or, under TLS 1.2, its confidentiality limit is used
    /// up), `out` keeps the whole records sealed for a prefix of `data`: send them, then
    /// close. Whatever [`Self::pending_tls`] gains afterwards goes after `out`'s
    /// records.
    pub fn seal_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.check_not_failed()?;
        self.inner.common.seal_into(data, out)
    }
}
