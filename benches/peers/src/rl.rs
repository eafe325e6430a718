//! rustls, with the ring provider (the `rustls` column) or the aws-lc-rs provider
//! (the `rustls-aws` column, rustls's default provider), driven through its buffered
//! API: `read_tls` / `process_new_packets` / `reader()` and `writer()` / `write_tls`
//! over slices and vectors. The handshake and memory rows use this; the bulk rows use
//! the unbuffered API (rlu.rs) unless `--rustls-buffered`.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::client::Resumption as RlResumption;
use rustls::crypto::{CryptoProvider, aws_lc_rs as rl_aws, ring as rl_ring};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::server::NoServerSessionStorage;
use rustls::{
    ClientConfig, ClientConnection, HandshakeKind, RootCertStore, ServerConfig, ServerConnection,
};

use crate::endpoint::{Aead, Endpoint, Impl, Kx, Resumption, Setup, Sink, Version};
use crate::pki::{KeyKind, NAME, Pki};

/// The configs, shared with the unbuffered driver (rlu.rs) so both run the same.
pub struct Rustls {
    pub(crate) client: Arc<ClientConfig>,
    pub(crate) server: Arc<ServerConfig>,
}

/// Which of rustls's crypto providers a config uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Ring,
    AwsLc,
}

/// The one cipher suite of a row, from the provider's module `$p`.
macro_rules! suite {
    ($p:ident, $setup:expr) => {{
        use $p::cipher_suite::*;
        let rsa = $setup.key == KeyKind::Rsa;
        match ($setup.version, $setup.aead) {
            (Version::Tls13, Aead::Aes128) => TLS13_AES_128_GCM_SHA256,
            (Version::Tls13, Aead::Aes256) => TLS13_AES_256_GCM_SHA384,
            (Version::Tls13, Aead::Chacha) => TLS13_CHACHA20_POLY1305_SHA256,
            (Version::Tls12, Aead::Aes128) if rsa => TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            (Version::Tls12, Aead::Aes256) if rsa => TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            (Version::Tls12, Aead::Chacha) if rsa => TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            (Version::Tls12, Aead::Aes128) => TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            (Version::Tls12, Aead::Aes256) => TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            (Version::Tls12, Aead::Chacha) => TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        }
    }};
}

/// The same group lists as for handclasp (see hc.rs), from the provider's module `$p`.
macro_rules! groups {
    ($p:ident, $setup:expr) => {
        match ($setup.kx, $setup.version) {
            (Kx::Classical, Version::Tls13) => vec![$p::kx_group::X25519],
            (Kx::Classical, Version::Tls12) => {
                vec![$p::kx_group::X25519, $p::kx_group::SECP256R1]
            }
            (Kx::X25519MlKem768, Version::Tls13) => x25519mlkem768!($p),
            (Kx::X25519MlKem768, Version::Tls12) => panic!("no hybrid group in TLS 1.2"),
        }
    };
}

/// X25519MLKEM768 alone: only aws-lc-rs has it (rustls's ring provider has no ML-KEM).
macro_rules! x25519mlkem768 {
    (rl_aws) => {
        vec![rl_aws::kx_group::X25519MLKEM768]
    };
    (rl_ring) => {
        panic!("rustls's ring provider has no X25519MLKEM768")
    };
}

/// The provider cut down to the row's one suite and its groups.
fn provider(setup: &Setup, which: Provider) -> CryptoProvider {
    match which {
        Provider::Ring => CryptoProvider {
            cipher_suites: vec![suite!(rl_ring, setup)],
            kx_groups: groups!(rl_ring, setup),
            ..rl_ring::default_provider()
        },
        Provider::AwsLc => CryptoProvider {
            cipher_suites: vec![suite!(rl_aws, setup)],
            kx_groups: groups!(rl_aws, setup),
            ..rl_aws::default_provider()
        },
    }
}

impl Rustls {
    /// rustls with its ring provider (the `rustls` column).
    pub fn new(pki: &Pki, setup: Setup) -> Self {
        Self::with_provider(pki, setup, Provider::Ring)
    }

    pub fn with_provider(pki: &Pki, setup: Setup, which: Provider) -> Self {
        let provider = Arc::new(provider(&setup, which));
        let versions: &[&'static rustls::SupportedProtocolVersion] = match setup.version {
            Version::Tls13 => &[&rustls::version::TLS13],
            Version::Tls12 => &[&rustls::version::TLS12],
        };
        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from(pki.ca.clone())).unwrap();
        let mut client = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        if setup.resumption == Resumption::Off {
            client.resumption = RlResumption::disabled();
        }
        // The leaf, then any intermediates (the chain rows).
        let (certs, key) = pki.server_chain(setup.key, setup.intermediates);
        let mut server = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                certs
                    .iter()
                    .map(|c| CertificateDer::from(c.to_vec()))
                    .collect(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec())),
            )
            .unwrap();
        match setup.resumption {
            Resumption::Off => {
                server.session_storage = Arc::new(NoServerSessionStorage {});
                server.send_tls13_tickets = 0;
            }
            Resumption::Tickets => {
                server.ticketer = match which {
                    Provider::Ring => rl_ring::Ticketer::new().unwrap(),
                    Provider::AwsLc => rl_aws::Ticketer::new().unwrap(),
                }
            }
            // The default: no ticketer, an in-memory session cache.
            Resumption::SessionIds => {}
        }
        Self {
            client: Arc::new(client),
            server: Arc::new(server),
        }
    }
}

impl Impl for Rustls {
    type Client = ClientConnection;
    type Server = ServerConnection;

    fn client(&self) -> ClientConnection {
        ClientConnection::new(self.client.clone(), ServerName::try_from(NAME).unwrap()).unwrap()
    }

    fn server(&self) -> ServerConnection {
        ServerConnection::new(self.server.clone()).unwrap()
    }
}

macro_rules! endpoint {
    ($t:ty) => {
        impl Endpoint for $t {
            fn recv(&mut self, wire: &mut Vec<u8>, app: &mut Sink) {
                let mut tls = &wire[..];
                while !tls.is_empty() {
                    self.read_tls(&mut tls).unwrap();
                    let state = self.process_new_packets().unwrap();
                    let mut left = state.plaintext_bytes_to_read();
                    while left > 0 {
                        let n = self.reader().read(app.spare()).unwrap();
                        app.pos += n;
                        left -= n;
                    }
                }
                wire.clear();
            }
            fn send(&mut self, out: &mut Vec<u8>) {
                while self.wants_write() {
                    self.write_tls(out).unwrap();
                }
            }
            fn write(&mut self, data: &[u8], out: &mut Vec<u8>) {
                // rustls takes up to its buffer limit (64 KiB) at a time: a larger
                // write goes in turns, the records moved out between them.
                let mut rest = data;
                while !rest.is_empty() {
                    let n = self.writer().write(rest).unwrap();
                    rest = &rest[n..];
                    if !rest.is_empty() {
                        assert!(n > 0 || self.wants_write(), "rustls took nothing");
                        self.send(out);
                    }
                }
            }
            fn handshaking(&self) -> bool {
                self.is_handshaking()
            }
            fn resumed(&self) -> bool {
                self.handshake_kind() == Some(HandshakeKind::Resumed)
            }
        }
    };
}

endpoint!(ClientConnection);
endpoint!(ServerConnection);
