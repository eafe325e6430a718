//! Interop with real peers run as child processes (`openssl s_client`/`s_server`,
//! `gnutls-cli`/`gnutls-serv`, Go's crypto/tls through tests/go). A test whose peer
//! program is missing prints a `SKIPPED:` line and passes, unless
//! `HANDCLASP_REQUIRE_PEERS=1` (`common::peers::require_peer`). One test binary; each module was its own
//! `interop_*` file before.

#[path = "../common/mod.rs"]
mod common;

mod early_data;
mod gnutls;
mod go;
mod in_place;
mod openssl;
mod openssl_tls12;
mod resumption;
mod stream;
