//! The async adapters (`handclasp::tokio`, `handclasp::futures_io`) over real loopback
//! TCP: in-process pairs, and openssl / gnutls peers. One test binary.

#[path = "../common/mod.rs"]
mod common;

mod fixture;
mod futures_io;
mod interop;
mod tokio_loopback;
