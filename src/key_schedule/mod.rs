//! Key schedules built on the provider traits: the TLS 1.3 key schedule (RFC 8446 7.1),
//! the handshake transcript hash, and the TLS 1.2 PRF (RFC 5246 5) with extended master
//! secret (RFC 7627).
//!
//! Nothing here names a concrete crypto library: every hash and HMAC comes from the
//! suite's [`crate::crypto::Hash`] and [`crate::crypto::Hmac`]. Outputs are raw key and
//! IV bytes, so the record layer does not depend on this module, nor this module on it.

mod secret;
pub mod tls12;
pub mod tls13;
pub mod transcript;

pub use secret::constant_time_eq;
pub use transcript::{HandshakeHash, HandshakeHashBuffer};
