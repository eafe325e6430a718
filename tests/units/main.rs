//! The parts below a connection, each on its own: the message codec, the record
//! layer, the TLS 1.3 key schedule against RFC 8448 and the TLS 1.2 PRF, the
//! certificate verifiers, the ring crypto provider and the insecure test providers.
//! One test binary; each module was its own file before.

#[path = "../common/mod.rs"]
mod common;

mod cert_errors;
mod codec;
mod config_errors;
mod crypto_provider;
mod record;
mod rfc8448;
mod rfc8448_reader;
mod root_store;
mod test_provider;
mod tls12_prf;
mod verify;
