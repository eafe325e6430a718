//! # handclasp
//!
//! A sans-IO TLS 1.2 and TLS 1.3 protocol library in pure Rust.
//!
//! The core never opens sockets, spawns threads, sleeps or reads the clock: the caller
//! feeds received bytes in and takes bytes to send out. Cryptography comes from a
//! [`crypto::CryptoProvider`] value (the default is [`crypto::ring::default_provider`]).
//!
//! This crate is built bottom-up; the layers present so far are:
//!
//! - [`codec`]: the wire encoding primitives (length-prefixed vectors, code points).
//! - [`enums`]: every TLS code point the library negotiates, keeping unknown values.
//! - [`msgs`]: every TLS 1.2 and TLS 1.3 handshake message and extension.
//! - [`record`]: deframing, handshake reassembly, fragmentation and AEAD record protection.
//! - [`crypto`]: the provider traits and the `ring` provider.
//! - [`key_schedule`]: the TLS 1.3 key schedule and the TLS 1.2 PRF.
//! - [`error`]: one error type whose variants know the alert they send.
#![no_std]
#![forbid(unsafe_code)]
#![deny(unused_must_use)]
#![warn(missing_docs)]

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
pub mod server;
#[cfg(feature = "std")]
pub mod stream;
pub mod time;
mod tls13;
pub mod verify;

pub use cert::CertifiedKey;
pub use client::{ClientConfig, ClientConnection};
pub use conn::{Connection, IoState, Limits};
pub use error::{Error, InvalidMessage};
/// The certificate, key and name types of `rustls-pki-types`, re-exported.
pub use pki_types;
pub use server::{ServerConfig, ServerConnection};
#[cfg(feature = "std")]
pub use stream::{Stream, StreamOwned};
