//! Complete handshakes between our client and our server, in memory: TLS 1.3 and
//! TLS 1.2 across suites, groups and key types, resumption, 0-RTT, SNI and the
//! zero-copy path. One test binary; each module was its own file before.

#[path = "../common/mod.rs"]
mod common;

mod acceptor;
mod early_data;
mod hybrid;
mod in_place;
mod resumption;
mod sni;
mod tls12;
mod tls13;
