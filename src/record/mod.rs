//! The record layer: framing, reassembly, fragmentation and AEAD protection.
//!
//! This layer knows nothing of handshake messages or key schedules. Protection is set
//! up from a raw key and IV handed over by the caller (the key schedule), and the
//! handshake messages it reassembles stay opaque bytes.
//!
//! # Receiving
//!
//! ```text
//! peer bytes ─► Deframer ─► InboundRecord ─► RecordDecrypter ─► Plaintext
//!               (any split,  (type, version,  (AEAD open in place,  │
//!                header and   payload in the   sequence number,     ├─ Handshake ─► HandshakeJoiner ─► messages
//!                size checks) deframer's own   TLS 1.3 inner type)  ├─ Alert ─► close / fail
//!                             buffer)                               └─ ApplicationData ─► the application
//! ```
//!
//! 1. [`Deframer::feed`] (or `Deframer::read` with `std`) takes received bytes in any
//!    chunking. Its buffer is bounded: it holds at most one record of the current
//!    maximum size plus a header.
//! 2. [`Deframer::next_record`] checks each header as soon as its five bytes are in
//!    (content type, version, length against the limit set with
//!    [`Deframer::set_max_payload_len`]) and, once the whole record is in, lends its
//!    payload as `&mut [u8]` inside the deframer's buffer.
//! 3. Before keys are installed the payload is the plaintext. After, a
//!    [`RecordDecrypter`] opens it in that same buffer (no copy) and returns the real
//!    content type and the plaintext slice.
//! 4. Handshake plaintext goes to a [`HandshakeJoiner`], which yields whole messages
//!    with their 4-byte headers (ready for the transcript hash).
//!
//! # Sending
//!
//! ```text
//! message / app data ─► Fragmenter ─► RecordEncrypter::seal ─► output Vec<u8>
//!                       (≤ max_fragment  (header, explicit nonce,
//!                        per record)      ciphertext, tag appended)
//! ```
//!
//! Sealing appends the whole record to a caller-owned vector and encrypts in place
//! inside it: with enough capacity there is no allocation per record.
//!
//! # Example
//!
//! (Internal: outside the crate this module is `handclasp::unstable::record`.)
//!
//! ```
//! use handclasp::crypto::ring::AES_128_GCM;
//! use handclasp::enums::{ContentType, HandshakeType};
//! use handclasp::unstable::record::*;
//!
//! # fn main() -> Result<(), handclasp::Error> {
//! let (key, iv) = ([7u8; 16], [9u8; 12]);
//! let mut encrypter = RecordEncrypter::tls13(&AES_128_GCM, &key, &iv)?;
//! let mut decrypter = RecordDecrypter::tls13(&AES_128_GCM, &key, &iv)?;
//!
//! // Send: one handshake message (Finished, 32-byte body), fragmented and sealed.
//! let mut message = vec![20, 0, 0, 32];
//! message.extend([0xab; 32]);
//! let mut wire = Vec::new();
//! for fragment in Fragmenter::with_max_fragment(20)?.fragment(&message) {
//!     encrypter.seal(ContentType::Handshake, fragment, &mut wire)?;
//! }
//!
//! // Receive: the bytes arrive one at a time.
//! let mut deframer = Deframer::new();
//! deframer.set_max_payload_len(MAX_TLS13_CIPHERTEXT);
//! let mut joiner = HandshakeJoiner::new();
//! let mut got = Vec::new();
//! for byte in &wire {
//!     deframer.feed(core::slice::from_ref(byte));
//!     while let Some(record) = deframer.next_record()? {
//!         let plain = decrypter.open(record)?; // in place, in the deframer's buffer
//!         assert_eq!(plain.typ, ContentType::Handshake);
//!         joiner.push(plain.payload)?;
//!         while let Some(msg) = joiner.next_message() {
//!             got.push((msg.typ, msg.encoding.to_vec()));
//!         }
//!     }
//! }
//! assert_eq!(got, [(HandshakeType::Finished, message)]);
//! # Ok(())
//! # }
//! ```
//!
//! # Limits
//!
//! | constant | value | source |
//! |---|---|---|
//! | [`MAX_PLAINTEXT`] | 2^14 | RFC 8446 5.1, RFC 5246 6.2.1 |
//! | [`MAX_TLS13_CIPHERTEXT`] | 2^14 + 256 | RFC 8446 5.2 |
//! | [`MAX_TLS12_CIPHERTEXT`] | 2^14 + 2048 | RFC 5246 6.2.3 |
//! | [`DEFAULT_MAX_HANDSHAKE_MESSAGE`] | 64 KiB (configurable) | local policy |

mod deframer;
mod fragmenter;
mod joiner;
mod nonce;
mod tls12;
mod tls13;

mod protect;

pub use deframer::{Deframer, InboundRecord, split_record};
pub use fragmenter::{Fragmenter, Fragments, encode_plain_record};
pub use joiner::{HandshakeJoiner, HandshakeMessage};
pub use protect::{Padding, Plaintext, RecordDecrypter, RecordEncrypter};

/// The length of a record header: type (1), legacy version (2), length (2).
pub const HEADER_LEN: usize = 5;

/// The largest plaintext fragment a record may carry (RFC 8446 5.1, RFC 5246 6.2.1).
pub const MAX_PLAINTEXT: usize = 1 << 14;

/// The largest TLS 1.3 `TLSCiphertext.length` (RFC 8446 5.2): 2^14 + 256.
pub const MAX_TLS13_CIPHERTEXT: usize = MAX_PLAINTEXT + 256;

/// The largest TLS 1.2 `TLSCiphertext.length` (RFC 5246 6.2.3): 2^14 + 2048.
pub const MAX_TLS12_CIPHERTEXT: usize = MAX_PLAINTEXT + 2048;

/// The length of a handshake message header: type (1) and a 24-bit length (3).
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// The default cap on one handshake message's body, in bytes.
pub const DEFAULT_MAX_HANDSHAKE_MESSAGE: usize = 64 * 1024;

/// The legacy record version written in every protected record and every record after
/// the first ClientHello (RFC 8446 5.1: TLS 1.3 records carry 0x0303).
pub const LEGACY_RECORD_VERSION: u16 = 0x0303;
