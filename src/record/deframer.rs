//! Cutting a received byte stream into records.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use super::{HEADER_LEN, MAX_PLAINTEXT};
use crate::enums::ContentType;
use crate::error::{Error, InvalidMessage};

/// One record as received: its header fields and its payload, lent in place from the
/// [`Deframer`]'s buffer so a [`super::RecordDecrypter`] can open it without copying.
#[derive(Debug)]
pub struct InboundRecord<'a> {
    /// The (outer) content type from the header.
    pub typ: ContentType,
    /// The legacy record version from the header.
    pub version: u16,
    /// The payload: plaintext, or ciphertext to open in place.
    pub payload: &'a mut [u8],
}

/// Turns received bytes, in any chunking, into whole records.
///
/// The buffer is bounded: it never holds more than one record of the current maximum
/// payload length plus a header, plus the plaintext it holds for the application
/// ([`Deframer::capacity_bound`]). [`Deframer::feed`] takes only what fits; the caller
/// drains records with [`Deframer::next_record`] and feeds the rest later.
///
/// Consumed records are discarded lazily: handing a record out only moves a cursor,
/// and the bytes still buffered move to the front only when the tail runs out of room.
/// Once the buffer has grown to its bound it is never reallocated.
///
/// Held plaintext: a record opened in place leaves its plaintext where it lies, and
/// [`Deframer::hold`] keeps it there for [`Deframer::read_held`], so the application
/// gets it with one copy (into its own buffer) rather than two (into a queue, then
/// out). Up to [`Deframer::set_hold_limit`] bytes of buffer may be taken by it.
#[derive(Debug)]
pub struct Deframer {
    /// Initialised storage; `buf.len()` only grows (up to the bound).
    buf: Vec<u8>,
    /// The first byte not yet handed out.
    start: usize,
    /// One past the last byte received.
    end: usize,
    /// The largest payload length a header may announce.
    max_payload: usize,
    /// Plaintext kept for the application, as `[start, end)` ranges of `buf` before
    /// `start`, oldest first.
    held: VecDeque<(usize, usize)>,
    /// The bytes in `held`.
    held_len: usize,
    /// How much buffer held plaintext may take, beyond one record.
    hold_limit: usize,
}

/// Held pieces up to this size are moved to follow the previous piece rather than
/// kept apart: a stream of tiny records then needs few ranges, while large records
/// (where a copy would cost) stay where they were opened.
const MERGE_MAX: usize = 256;

impl Default for Deframer {
    fn default() -> Self {
        Self::new()
    }
}

impl Deframer {
    /// A deframer for plaintext records: payloads up to 2^14 bytes (RFC 8446 5.1). Raise
    /// the limit with [`Deframer::set_max_payload_len`] once records are protected.
    pub fn new() -> Self {
        Self::with_max_payload_len(MAX_PLAINTEXT)
    }

    /// A deframer accepting payloads up to `max_payload` bytes.
    pub fn with_max_payload_len(max_payload: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            end: 0,
            max_payload,
            held: VecDeque::new(),
            held_len: 0,
            hold_limit: 0,
        }
    }

    /// Lets held plaintext take up to `bytes` of buffer (gaps between held pieces
    /// included) on top of one record: the received-plaintext bound.
    pub fn set_hold_limit(&mut self, bytes: usize) {
        self.hold_limit = bytes;
    }

    /// Sets the largest payload length accepted from now on: [`MAX_PLAINTEXT`] for
    /// plaintext records, [`super::MAX_TLS13_CIPHERTEXT`] for TLS 1.3 protected records,
    /// [`super::MAX_TLS12_CIPHERTEXT`] for TLS 1.2 protected records. Headers already
    /// buffered but not yet handed out are checked against the new limit.
    pub fn set_max_payload_len(&mut self, max_payload: usize) {
        self.max_payload = max_payload;
    }

    /// The largest payload length currently accepted.
    pub fn max_payload_len(&self) -> usize {
        self.max_payload
    }

    /// The most bytes this deframer holds at once: one maximum-size record and its
    /// header, plus the hold limit.
    pub fn capacity_bound(&self) -> usize {
        HEADER_LEN + self.max_payload + self.hold_limit
    }

    /// The first byte still needed: the oldest held plaintext, else the first byte not
    /// handed out.
    fn live(&self) -> usize {
        self.held.front().map_or(self.start, |&(start, _)| start)
    }

    /// How many received bytes are buffered and not yet handed out as records. A
    /// non-zero value at end of stream means the peer stopped inside a record.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// True when no received bytes are pending.
    pub fn is_empty(&self) -> bool {
        self.buffered() == 0
    }

    /// The size of the storage allocated so far (never more than the bound of the
    /// largest limit set).
    pub fn allocated(&self) -> usize {
        self.buf.capacity()
    }

    /// How many more bytes [`Deframer::feed`] would take now: bytes not yet framed
    /// stay within one record (records are processed before more is taken), and
    /// everything, held plaintext included, within the bound.
    pub fn room(&self) -> usize {
        let unframed = (HEADER_LEN + self.max_payload).saturating_sub(self.buffered());
        // Held plaintext counts by its bytes: the headers, tags and other records
        // between its pieces are reclaimed (see `gather`) when room is needed.
        let total = self
            .capacity_bound()
            .saturating_sub(self.held_len + self.buffered());
        unframed.min(total)
    }

    /// Gives the storage back if no received bytes are pending and no plaintext is
    /// held, e.g. once the handshake is over and the connection goes idle (it grows
    /// again, to its working size, with the next records). Returns true if it is empty.
    pub fn release_if_empty(&mut self) -> bool {
        if self.is_empty() && self.held.is_empty() {
            self.buf = Vec::new();
            self.held = VecDeque::new();
            self.start = 0;
            self.end = 0;
            return true;
        }
        false
    }

    /// Drops every buffered byte not handed out yet, keeping the storage and the held
    /// plaintext (e.g. what follows a close_notify, which RFC 8446 6.1 says to ignore;
    /// what came before it is still the application's).
    pub fn clear(&mut self) {
        self.end = self.start;
    }

    /// Where the storage starts in memory, to turn a plaintext slice lent by
    /// [`Deframer::next_record`] into an offset for [`Deframer::hold`].
    pub fn base_address(&self) -> usize {
        self.buf.as_ptr() as usize
    }

    /// Keeps `len` bytes of plaintext at `offset` (inside a record already handed out)
    /// for [`Deframer::read_held`].
    pub fn hold(&mut self, offset: usize, len: usize) -> Result<(), Error> {
        if len == 0 {
            return Ok(());
        }
        let end = offset.checked_add(len).filter(|&end| end <= self.start);
        let Some(end) = end else {
            return Err(Error::Internal(
                "held plaintext outside the handed-out records",
            ));
        };
        match self.held.back_mut() {
            Some(last) if len <= MERGE_MAX && last.1 <= offset => {
                self.buf.copy_within(offset..end, last.1);
                last.1 += len;
            }
            _ => self.held.push_back((offset, end)),
        }
        self.held_len += len;
        Ok(())
    }

    /// How many plaintext bytes are held.
    pub fn held(&self) -> usize {
        self.held_len
    }

    /// Copies held plaintext, oldest first, into `out`; returns how many bytes.
    pub fn read_held(&mut self, out: &mut [u8]) -> usize {
        let mut done = 0;
        while let Some(&(start, end)) = self.held.front() {
            let Some(dest) = out.get_mut(done..) else {
                break;
            };
            let n = dest.len().min(end - start);
            if n == 0 {
                break;
            }
            if let (Some(dest), Some(src)) = (dest.get_mut(..n), self.buf.get(start..start + n)) {
                dest.copy_from_slice(src);
            }
            done += n;
            self.held_len -= n;
            match self.held.front_mut() {
                Some(first) if first.0 + n < first.1 => first.0 += n,
                _ => {
                    self.held.pop_front();
                }
            }
        }
        done
    }

    /// Takes as much of `input` as fits and returns how many bytes it took. Zero means
    /// the buffer is full: drain it with [`Deframer::next_record`] first.
    pub fn feed(&mut self, input: &[u8]) -> usize {
        let take = input.len().min(self.room());
        let Some(taken) = input.get(..take) else {
            return 0;
        };
        let Some(dest) = self.tail(take) else {
            return 0;
        };
        dest.copy_from_slice(taken);
        self.end += take;
        take
    }

    /// Reads once from `rd` into the buffer and returns how many bytes were read
    /// (`Ok(0)` is end of stream). Fails with `ErrorKind::Other` when the buffer is
    /// full, so the caller must drain records first.
    #[cfg(feature = "std")]
    pub fn read(&mut self, rd: &mut dyn std::io::Read) -> std::io::Result<usize> {
        let room = self.room();
        if room == 0 {
            return Err(std::io::Error::other(
                "the record buffer is full: process the received records first",
            ));
        }
        let dest = self
            .tail(room)
            .ok_or_else(|| std::io::Error::other("record buffer bookkeeping failed"))?;
        let n = rd.read(dest)?;
        self.end += n.min(room);
        Ok(n)
    }

    /// Returns `len` writable bytes after the buffered data, moving the buffered data to
    /// the front and growing the storage (never beyond the bound) as needed.
    fn tail(&mut self, len: usize) -> Option<&mut [u8]> {
        if self.live() == self.end {
            // Everything was handed out and read: restart at the front for free.
            self.start = 0;
            self.end = 0;
        }
        // Room for one record beyond the held plaintext (which the bound caps).
        let record = HEADER_LEN + self.max_payload;
        let cap = (record + (self.start - self.live())).min(self.capacity_bound());
        if self.end + len > cap && self.live() > 0 || self.end + len > self.capacity_bound() {
            // The only memmoves: when the tail lacks room for what we are about to take.
            self.gather();
        }
        let cap = (record + self.held_len)
            .min(self.capacity_bound())
            .max(self.end);
        let needed = self.end + len;
        if needed > self.buf.len() {
            // Grow geometrically but never past `cap`, so memory stays bounded and
            // byte-at-a-time input does not reallocate at every byte.
            let target = needed
                .max(self.buf.len().saturating_mul(2))
                .max(1024)
                .min(cap)
                .max(needed);
            self.buf.reserve_exact(target - self.buf.len());
            self.buf.resize(target, 0);
        }
        self.buf.get_mut(self.end..needed)
    }

    /// Moves the held plaintext to the front of the buffer as one piece, and the bytes
    /// not yet handed out right after it: what lay between (headers, tags, handshake
    /// records already processed) is given back.
    fn gather(&mut self) {
        let mut to = 0;
        for &(start, end) in &self.held {
            self.buf.copy_within(start..end, to);
            to += end - start;
        }
        self.held.clear();
        if to > 0 {
            self.held.push_back((0, to));
        }
        self.buf.copy_within(self.start..self.end, to);
        self.end = to + (self.end - self.start);
        self.start = to;
    }

    /// Checks the header at the front as soon as its five bytes are in and, once the
    /// whole record has arrived, hands it out.
    ///
    /// Returns `Ok(None)` when more input is needed. Errors:
    /// - [`InvalidMessage::UnknownContentType`]: the type is not 20..=23 (RFC 8446 5).
    /// - [`InvalidMessage::BadRecordVersion`]: the version's major byte is not 3
    ///   (RFC 8446 5.1, RFC 5246 6.2.1); this also rejects SSLv2-framed hellos.
    /// - [`InvalidMessage::RecordTooLarge`]: the length is over the current limit
    ///   (record_overflow, RFC 8446 5.1 and 5.2, RFC 5246 6.2.3).
    ///
    /// An error leaves the buffer as it is; the connection is dead anyway.
    pub fn next_record(&mut self) -> Result<Option<InboundRecord<'_>>, Error> {
        let Some(header) = self.buf.get(self.start..self.end) else {
            return Err(Error::Internal("deframer cursor out of range"));
        };
        let Some((typ, version, len)) = check_header(header, self.max_payload)? else {
            return Ok(None);
        };
        let body_start = self.start + HEADER_LEN;
        let body_end = body_start + len;
        if body_end > self.end {
            return Ok(None);
        }
        // Lazy discard: only the cursor moves; the bytes stay until room is needed.
        self.start = body_end;
        let Some(payload) = self.buf.get_mut(body_start..body_end) else {
            return Err(Error::Internal("deframer record out of range"));
        };
        Ok(Some(InboundRecord {
            typ,
            version,
            payload,
        }))
    }
}

/// Cuts the whole record at the front of `buf` (received bytes in a buffer the caller
/// owns, for opening in place there) from the bytes after it.
///
/// Returns the record and the rest of `buf`, or `Ok(None)` when `buf` does not hold a
/// whole record yet. The header is checked as soon as its five bytes are in, with the
/// same checks and errors as [`Deframer::next_record`], against `max_payload`.
#[inline]
pub fn split_record(
    buf: &mut [u8],
    max_payload: usize,
) -> Result<Option<(InboundRecord<'_>, &mut [u8])>, Error> {
    let Some((typ, version, len)) = check_header(buf, max_payload)? else {
        return Ok(None);
    };
    let Some(record) = buf.get_mut(HEADER_LEN..) else {
        return Ok(None);
    };
    if record.len() < len {
        return Ok(None);
    }
    let (payload, rest) = record.split_at_mut(len);
    Ok(Some((
        InboundRecord {
            typ,
            version,
            payload,
        },
        rest,
    )))
}

/// Names the plain-text HTTP that starts `bytes`, if it does: the usual reason for
/// bytes that are not a TLS record is a peer speaking HTTP on a TLS port.
fn plain_http(bytes: &[u8]) -> Option<&'static str> {
    // Four bytes are enough to tell, and a header check has at least five.
    const REQUESTS: &[&[u8]] = &[
        b"GET ", b"POST", b"HEAD", b"PUT ", b"DELE", b"OPTI", b"PATC",
    ];
    let start = bytes.get(..4)?;
    if start == b"CONN" {
        Some("an HTTP proxy request (CONNECT): this endpoint is a TLS server, not an HTTP proxy")
    } else if REQUESTS.contains(&start) {
        Some("a plain-text HTTP request: the client used http:// on a TLS port")
    } else if start == b"HTTP" {
        Some(
            "a plain-text HTTP response: the server does not speak TLS on this port \
             (http://, not https://?)",
        )
    } else {
        None
    }
}

/// Validates a record header at the front of `bytes`; `None` if fewer than five bytes.
fn check_header(
    bytes: &[u8],
    max_payload: usize,
) -> Result<Option<(ContentType, u16, usize)>, InvalidMessage> {
    let Some(&[typ, major, minor, len_hi, len_lo]) = bytes.get(..HEADER_LEN) else {
        return Ok(None);
    };
    // RFC 8446 5: "If a TLS implementation receives an unexpected record type, it MUST
    // terminate the connection with an "unexpected_message" alert." Heartbeat (24) is
    // never negotiated, so only 20..=23 are known.
    if !(20..=23).contains(&typ) {
        return Err(match plain_http(bytes) {
            Some(what) => InvalidMessage::PlainHttp(what),
            None => InvalidMessage::UnknownContentType(typ),
        });
    }
    let version = u16::from_be_bytes([major, minor]);
    // RFC 8446 5.1 / RFC 5246 6.2.1 and E.1: every TLS record version is 3.x; anything
    // else is not TLS (an SSLv2-compatible hello puts its length in these bytes).
    if major != 3 {
        return Err(InvalidMessage::BadRecordVersion(version));
    }
    let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
    // RFC 8446 5.1, 5.2 and RFC 5246 6.2.3: a longer record gets record_overflow.
    if len > max_payload {
        return Err(InvalidMessage::RecordTooLarge {
            len,
            max: max_payload,
        });
    }
    Ok(Some((ContentType::from(typ), version, len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of `len` payload bytes, all `fill`.
    fn record(fill: u8, len: usize) -> Vec<u8> {
        let mut r = alloc::vec![23, 3, 3];
        r.extend_from_slice(&(len as u16).to_be_bytes());
        r.extend(core::iter::repeat_n(fill, len));
        r
    }

    /// Frames every whole record fed so far and holds its first `keep` bytes, as a
    /// connection holds the plaintext of a record opened in place.
    fn frame_and_hold(d: &mut Deframer, keep: usize) -> usize {
        let mut n = 0;
        loop {
            let base = d.base_address();
            let Some(r) = d.next_record().unwrap() else {
                return n;
            };
            let at = r.payload.as_ptr() as usize - base;
            let len = keep.min(r.payload.len());
            d.hold(at, len).unwrap();
            n += 1;
        }
    }

    #[test]
    fn held_plaintext_is_read_in_order_across_compaction() {
        let mut d = Deframer::new();
        d.set_hold_limit(1000);
        let mut wire = Vec::new();
        for (i, len) in [300usize, 10, 20, 600, 5].into_iter().enumerate() {
            wire.extend(record(b'a' + i as u8, len));
        }
        // Tiny pieces (the 10 and 20 bytes after the 300) move up to follow the piece
        // before; large ones stay where they were opened.
        let mut fed = 0;
        let mut got = Vec::new();
        while fed < wire.len() || d.held() > 0 {
            fed += d.feed(&wire[fed..]);
            frame_and_hold(&mut d, usize::MAX);
            let mut out = [0u8; 97];
            let n = d.read_held(&mut out);
            got.extend_from_slice(&out[..n]);
        }
        let mut want = Vec::new();
        for (i, len) in [300usize, 10, 20, 600, 5].into_iter().enumerate() {
            want.extend(core::iter::repeat_n(b'a' + i as u8, len));
        }
        assert_eq!(got, want);
        assert_eq!(d.held(), 0);
        assert!(d.release_if_empty());
    }

    #[test]
    fn held_plaintext_counts_against_the_room() {
        let mut d = Deframer::new();
        d.set_hold_limit(100);
        let bound = d.capacity_bound();
        let wire = record(7, 16 * 1024);
        assert_eq!(d.feed(&wire), wire.len());
        assert_eq!(frame_and_hold(&mut d, 16 * 1024), 1);
        assert_eq!(d.held(), 16 * 1024);
        // The held plaintext takes the room of a record (its header, before it, is
        // free again): about the hold limit is left until the application reads.
        assert_eq!(d.room(), bound - 16 * 1024);
        let mut out = alloc::vec![0u8; 16 * 1024];
        assert_eq!(d.read_held(&mut out), 16 * 1024);
        assert!(out.iter().all(|&b| b == 7));
        // Unframed bytes stay within one record.
        assert_eq!(d.room(), HEADER_LEN + MAX_PLAINTEXT);
    }

    #[test]
    fn the_gaps_between_held_pieces_are_given_back() {
        // Tiny records (0-RTT data sent byte by byte): each holds 1 byte of plaintext
        // behind a 5-byte header. The headers must not eat the room a whole record
        // needs while the held plaintext is far below the limit.
        let mut d = Deframer::new();
        d.set_hold_limit(64);
        for i in 0..60u8 {
            assert_eq!(d.feed(&record(i, 1)), 6);
            assert_eq!(frame_and_hold(&mut d, 1), 1);
        }
        assert_eq!(d.held(), 60);
        let big = record(0xee, MAX_PLAINTEXT);
        assert_eq!(d.room(), HEADER_LEN + MAX_PLAINTEXT);
        assert_eq!(d.feed(&big), big.len(), "a whole record still fits");
        assert_eq!(frame_and_hold(&mut d, MAX_PLAINTEXT), 1);
        assert!(d.allocated() <= d.capacity_bound());
        let mut out = alloc::vec![0u8; 60 + MAX_PLAINTEXT];
        assert_eq!(d.read_held(&mut out), 60 + MAX_PLAINTEXT);
        assert!(out[..60].iter().enumerate().all(|(i, &b)| b == i as u8));
        assert!(out[60..].iter().all(|&b| b == 0xee));
    }

    #[test]
    fn clear_keeps_what_is_held() {
        let mut d = Deframer::new();
        d.set_hold_limit(100);
        d.feed(&record(1, 4));
        frame_and_hold(&mut d, 4);
        d.feed(&[23, 3, 3, 0, 9, 9]);
        d.clear();
        assert!(d.is_empty());
        let mut out = [0u8; 8];
        assert_eq!(d.read_held(&mut out), 4);
        assert_eq!(&out[..4], &[1, 1, 1, 1]);
    }

    #[test]
    fn hold_refuses_bytes_not_handed_out() {
        let mut d = Deframer::new();
        d.feed(&record(1, 4));
        assert!(d.hold(0, 4).is_err(), "nothing was handed out yet");
        assert!(d.hold(0, 0).is_ok());
    }

    #[test]
    fn plain_http_is_named() {
        for (bytes, what) in [
            (&b"GET / HTTP/1.1\r\n"[..], "HTTP request"),
            (b"POST /x", "HTTP request"),
            (b"CONNECT example.test:443", "proxy request"),
            (b"HTTP/1.1 400 Bad Request", "HTTP response"),
        ] {
            match check_header(bytes, 100) {
                Err(InvalidMessage::PlainHttp(s)) => assert!(s.contains(what), "{s}"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            check_header(b"\x16\x03", 100),
            Ok(None),
            "a TLS header waits for five bytes"
        );
        assert_eq!(
            check_header(b"garbage", 100),
            Err(InvalidMessage::UnknownContentType(b'g'))
        );
    }

    #[test]
    fn header_needs_five_bytes() {
        assert_eq!(check_header(&[22, 3, 3, 0], 100), Ok(None));
        assert_eq!(
            check_header(&[22, 3, 3, 0, 5], 100),
            Ok(Some((ContentType::Handshake, 0x0303, 5)))
        );
    }

    #[test]
    fn split_record_waits_for_the_whole_record() {
        let mut wire = [23u8, 3, 3, 0, 2, 0xaa, 0xbb, 22, 3];
        for cut in 0..7 {
            assert!(split_record(&mut wire[..cut], 100).unwrap().is_none());
        }
        let (record, rest) = split_record(&mut wire, 100).unwrap().unwrap();
        assert_eq!(record.typ, ContentType::ApplicationData);
        assert_eq!(record.payload, [0xaa, 0xbb]);
        assert_eq!(rest, [22, 3]);
        assert!(split_record(&mut wire, 1).is_err(), "length over the limit");
    }

    #[test]
    fn compaction_keeps_partial_record() {
        let mut d = Deframer::with_max_payload_len(10);
        // Bound is 15: one full record (5 + 10) fills it.
        let rec = [23u8, 3, 3, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(d.feed(&rec), 15);
        assert_eq!(d.feed(&rec), 0);
        assert_eq!(d.next_record().unwrap().unwrap().payload.len(), 10);
        assert_eq!(d.feed(&rec[..7]), 7);
        assert_eq!(d.next_record().unwrap().map(|r| r.payload.len()), None);
        assert_eq!(d.feed(&rec[7..]), 8);
        let r = d.next_record().unwrap().unwrap();
        assert_eq!(r.payload, &rec[5..]);
        assert!(d.allocated() <= 15);
    }
}
