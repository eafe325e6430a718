//! # handclasp
//!
//! A sans-IO TLS 1.2 and TLS 1.3 protocol library in pure Rust.
//!
//! The core never opens sockets, spawns threads, sleeps or reads the clock: the caller
//! feeds received bytes in and takes bytes to send out. Cryptography comes from a
//! [`crypto::CryptoProvider`] value (the default is [`crypto::ring::default_provider`]),
//! time from a [`time::TimeProvider`] in the config.
//!
//! # The loop
//!
//! A [`ClientConnection`] or [`ServerConnection`] is driven in four steps, repeated:
//! feed what the transport received ([`Connection::read_tls`] or
//! [`Connection::read_tls_from_slice`]), call [`Connection::process_new_packets`], send
//! what is pending ([`Connection::write_tls`] or [`Connection::pending_tls`] +
//! [`Connection::consume_tls`]), and move plaintext ([`Connection::reader`] /
//! [`Connection::writer`], or [`Connection::read_plaintext`] /
//! [`Connection::write_plaintext`]). Here both ends run in memory:
//!
//! ```
//! use std::sync::Arc;
//!
//! use handclasp::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
//! use handclasp::verify::RootStore;
//! use handclasp::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};
//!
//! /// Moves bytes from one end to the other; in real code, a socket does this.
//! fn transfer(from: &mut Connection, to: &mut Connection) -> Result<(), handclasp::Error> {
//!     while from.wants_write() {
//!         let n = to.read_tls_from_slice(from.pending_tls());
//!         from.consume_tls(n);
//!         to.process_new_packets()?;
//!     }
//!     Ok(())
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A self-signed certificate for "localhost" (made with rcgen for this example).
//! let key = rcgen::KeyPair::generate()?;
//! let cert = rcgen::CertificateParams::new(vec!["localhost".into()])?.self_signed(&key)?;
//! let chain = vec![cert.der().clone()];
//! let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
//!
//! let mut roots = RootStore::empty();
//! roots.add(&chain[0])?;
//! let client_config = Arc::new(ClientConfig::builder().with_root_store(roots).build()?);
//! let server_config = Arc::new(ServerConfig::builder().with_single_cert(chain, key)?.build()?);
//!
//! let mut client = ClientConnection::new(client_config, ServerName::try_from("localhost")?)?;
//! let mut server = ServerConnection::new(server_config)?;
//!
//! // Written before the handshake completes: queued until keys exist.
//! client.write_plaintext(b"ping")?;
//! while client.is_handshaking() || server.is_handshaking() || client.wants_write() {
//!     transfer(&mut client, &mut server)?;
//!     transfer(&mut server, &mut client)?;
//! }
//!
//! let mut buf = [0u8; 16];
//! let n = server.read_plaintext(&mut buf);
//! assert_eq!(&buf[..n], b"ping");
//! server.write_plaintext(b"pong")?;
//! transfer(&mut server, &mut client)?;
//! let n = client.read_plaintext(&mut buf);
//! assert_eq!(&buf[..n], b"pong");
//! # Ok(())
//! # }
//! ```
//!
//! # Layers
//!
//! From the bottom, crate-private: the wire codec (over the panic-free `untrusted`
//! reader), every message and extension, the record layer (deframing, reassembly,
//! fragmentation, AEAD protection) and the key schedules (TLS 1.3 HKDF schedule, TLS 1.2
//! PRF). Public: [`enums`] (the code points users name, unknown values kept), [`crypto`]
//! (provider traits and the `ring` provider), [`verify`] (certificate verification), the
//! connection core ([`conn`]), [`client`] and [`server`], and the blocking [`Stream`]
//! adapter. Every error is one [`Error`] whose [`Error::alert`] names the alert it sends.
//!
//! # Features
//!
//! - `std` (default): the `std::io` conveniences (`read_tls`/`write_tls` over
//!   `Read`/`Write`, [`Stream`]), default time and session stores, ticket key caching.
//! - `logging` (default): the handshake (debug) and the record layer (trace) through
//!   the `log` facade; never a secret.
//! - `mlkem` (default): the post-quantum hybrid groups X25519MLKEM768 (offered first)
//!   and SecP256r1MLKEM768 in the `ring` provider, with ML-KEM-768 from
//!   `libcrux-ml-kem`.
//! - `webpki-roots` (off): `RootStore::webpki_roots`, Mozilla's roots compiled in.
//!   `native-roots` (off): `RootStore::native_roots`, the platform's store.
//! - `tokio` (off): `handclasp::tokio`, the tokio adapter; `futures-io` (off):
//!   `handclasp::futures_io`.
//! - `test-provider` (off): `handclasp::testing`, **insecure** deterministic crypto and
//!   accept-anything verifiers for tests and fuzzing (what `fuzz/` builds on). Never
//!   enable it in a build that talks to real peers.
//! - `unstable` (off): `handclasp::unstable`, the internals (codec, messages, record
//!   layer, key schedules, every code point) for this crate's own tests, fuzz targets and
//!   benches. Hidden from the docs and exempt from semver: never depend on it.
#![no_std]
#![forbid(unsafe_code)]
#![deny(unused_must_use)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[macro_use]
mod logging;

#[cfg(feature = "std")]
pub mod async_core;
pub mod cert;
pub mod client;
pub mod conn;
pub mod crypto;
pub mod error;
pub mod events;
#[cfg(feature = "futures-io")]
pub mod futures_io;
pub mod key_log;
pub mod resumption;
pub mod server;
#[cfg(feature = "std")]
pub mod stream;
#[cfg(feature = "test-provider")]
pub mod testing;
pub mod time;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod verify;

// Internals, crate-private (tests, fuzz targets and benches reach them via `unstable`).
// Their pub items used only from outside would be dead code without that feature.
#[cfg_attr(not(feature = "unstable"), allow(dead_code, unused_imports))]
mod codec;
mod config_common;
#[cfg_attr(not(feature = "unstable"), allow(dead_code, unused_imports))]
mod key_schedule;
#[cfg_attr(not(feature = "unstable"), allow(dead_code, unused_imports))]
mod msgs;
#[cfg_attr(not(feature = "unstable"), allow(dead_code, unused_imports))]
mod record;
mod tls12;
mod tls13;
// Every code point lives in `src/enums.rs`; `enums` below publishes the ones users name.
// Code points keep their RFC names (`OCSP`); clippy only checks that on private enums.
#[allow(clippy::upper_case_acronyms)]
#[path = "enums.rs"]
mod wire_enums;

pub mod enums {
    //! The TLS code points users name: in configs, errors, events and verifiers.
    //!
    //! Each enum keeps unknown values as `Unknown(v)` (RFC 8701 GREASE, newer code
    //! points), so parsing never fails on a value we do not know and re-encoding
    //! reproduces it.
    pub use crate::wire_enums::{
        AlertDescription, CipherSuite, ContentType, ExtensionType, HandshakeType, NamedGroup,
        ProtocolVersion, SignatureScheme,
    };
    // Wire-only code points: the crate's own, reached from outside only via `unstable`.
    pub(crate) use crate::wire_enums::{
        AlertLevel, CertificateStatusType, ClientCertificateType, Compression, ECCurveType,
        ECPointFormat, KeyUpdateRequest, PskKeyExchangeMode, ServerNameType,
    };
}

/// **Unstable internals, exempt from semver**: the wire codec, code points, messages,
/// record layer and key schedules, for this crate's own tests, fuzz targets and benches.
///
/// Only with the `unstable` feature (off by default). Anything here may change or
/// vanish in any release; nothing a user needs should be reachable only from here.
#[cfg(feature = "unstable")]
#[doc(hidden)]
pub mod unstable {
    /// The wire primitives (`Codec`, `Reader`, length prefixes).
    pub mod codec {
        pub use crate::codec::*;
    }
    /// Every code point, the wire-only ones included.
    pub mod enums {
        pub use crate::wire_enums::*;
    }
    /// Every handshake message and extension.
    pub mod msgs {
        pub use crate::msgs::*;
    }
    /// The record layer: deframing, reassembly, fragmentation, AEAD protection.
    pub mod record {
        pub use crate::record::*;
    }
    /// The TLS 1.3 key schedule, the transcript hash and the TLS 1.2 PRF.
    pub mod key_schedule {
        pub use crate::key_schedule::*;
    }
}

pub use cert::CertifiedKey;
pub use client::{ClientConfig, ClientConnection};
pub use conn::{Connection, InPlace, IoState, Limits, MAX_CLIENT_HELLO};
pub use error::{Error, InvalidMessage};
/// The certificate, key and name types of `rustls-pki-types`, re-exported.
pub use pki_types;
/// TLS 1.3 record padding (RFC 8446 5.4), for [`ClientConfig`] and [`ServerConfig`].
pub use record::Padding as RecordPadding;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use server::{AcceptError, Accepted, Acceptor, ServerConfig, ServerConnection};
#[cfg(feature = "std")]
pub use stream::{Stream, StreamOwned};
