//! No-std build check for handclasp (built by `.ci/run`, never run).
//!
//! This crate stands in for a bare-metal application: it depends on handclasp with
//! `default-features = false`, is itself `#![no_std]`, and is compiled for
//! `x86_64-unknown-none`, a target without an operating system. It has to supply what
//! the operating system would: the current time (a [`TimeProvider`]) and randomness.
//! ring draws its randomness from getrandom 0.2, which on such a target needs its
//! `custom` feature and a registered function; the one here always fails, where a real
//! device would read its hardware RNG. The public functions build client and server
//! configs and connections, so the library's code is compiled for the target, not only
//! its crate metadata.
//!
//! What this checks is compilation (handclasp, ring's Rust and C, webpki) for the
//! target. Linking a whole program does not work yet: ring 0.17 assembles its x86_64
//! assembly only for the operating systems it lists, not for `target_os = "none"`, while
//! its C code still calls those routines (`ecp_nistz256_*`, `bn_mul_mont_nohw`, ...), so
//! rust-lld reports them undefined.
//!
//! Run by hand: `cargo build --target x86_64-unknown-none` in this directory (after
//! `rustup target add x86_64-unknown-none`).
#![no_std]

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec;
use core::num::NonZeroU32;

use handclasp::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use handclasp::time::TimeProvider;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Error, ServerConfig, ServerConnection};

/// A clock set from outside (a real device would read its RTC here).
#[derive(Debug)]
pub struct FixedClock(pub u64);

impl TimeProvider for FixedClock {
    fn now(&self) -> Option<UnixTime> {
        Some(UnixTime::since_unix_epoch(core::time::Duration::from_secs(
            self.0,
        )))
    }
}

/// The device's RNG. This check has none, so every request fails; handclasp must turn
/// that into an error, never into predictable "random" bytes.
fn no_rng(_dest: &mut [u8]) -> Result<(), getrandom::Error> {
    // Codes from CUSTOM_START on are the application's own.
    Err(getrandom::Error::from(
        NonZeroU32::new(getrandom::Error::CUSTOM_START + 1).unwrap_or(NonZeroU32::MIN),
    ))
}

getrandom::register_custom_getrandom!(no_rng);

/// A client that trusts one root, started towards `server_name`: building the
/// ClientHello asks the RNG, so on this check's target it ends in an error.
pub fn start_client(
    root: &[u8],
    server_name: &'static str,
    now_secs: u64,
) -> Result<ClientConnection, Error> {
    let mut roots = RootStore::empty();
    roots.add(&CertificateDer::from(root))?;
    let config = ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(Arc::new(FixedClock(now_secs)))
        .build()?;
    let name = ServerName::try_from(server_name)
        .map_err(|_| Error::ApiMisuse("not a valid server name"))?;
    ClientConnection::new(Arc::new(config), name)
}

/// A server with one certificate and its PKCS#8 key, ready for a ClientHello.
pub fn start_server(
    cert: &[u8],
    pkcs8_key: &[u8],
    now_secs: u64,
) -> Result<ServerConnection, Error> {
    let chain = vec![CertificateDer::from(cert).into_owned()];
    let key = PrivateKeyDer::Pkcs8(pkcs8_key.to_vec().into());
    let config = ServerConfig::builder()
        .with_single_cert(chain, key)?
        .with_time_provider(Arc::new(FixedClock(now_secs)))
        .build()?;
    ServerConnection::new(Arc::new(config))
}
