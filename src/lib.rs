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
//! From the bottom: [`codec`] (wire primitives over the panic-free `untrusted` reader),
//! [`enums`] (code points, unknown values kept), [`msgs`] (every message and
//! extension), [`record`] (deframing, reassembly, fragmentation, AEAD protection),
//! [`crypto`] (provider traits and the `ring` provider), [`key_schedule`] (TLS 1.3
//! HKDF schedule, TLS 1.2 PRF), [`verify`] (certificate verification), then the
//! connection core ([`conn`]), [`client`] and [`server`], and the blocking
//! [`Stream`] adapter. Every error is one [`Error`] whose [`Error::alert`] names the
//! alert it sends.
//!
//! # Features
//!
//! - `std` (default): the `std::io` conveniences (`read_tls`/`write_tls` over
//!   `Read`/`Write`, [`Stream`]), default time and session stores, ticket key caching.
//! - `test-provider` (off): `handclasp::testing`, **insecure** deterministic crypto and
//!   accept-anything verifiers for tests and fuzzing (what `fuzz/` builds on). Never
//!   enable it in a build that talks to real peers.
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

pub mod cert;
pub mod client;
pub mod codec;
pub mod conn;
pub mod crypto;
pub mod enums;
pub mod error;
pub mod events;
pub mod key_log;
pub mod key_schedule;
pub mod msgs;
pub mod record;
pub mod resumption;
pub mod server;
#[cfg(feature = "std")]
pub mod stream;
#[cfg(feature = "test-provider")]
pub mod testing;
pub mod time;

mod tls12;
mod tls13;
pub mod verify;

pub use cert::CertifiedKey;
pub use client::{ClientConfig, ClientConnection};
pub use conn::{Connection, InPlace, IoState, Limits, MAX_CLIENT_HELLO};
pub use error::{Error, InvalidMessage};
/// The certificate, key and name types of `rustls-pki-types`, re-exported.
pub use pki_types;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
pub use server::{ServerConfig, ServerConnection};
#[cfg(feature = "std")]
pub use stream::{Stream, StreamOwned};
