//! handclasp, driven sans-IO through its zero-copy path: received records are
//! opened in the harness's own buffer (`process_in_place`), application data is
//! sealed straight onto the harness's output (`seal_into`), and handshake flights
//! come from `pending_tls` + `consume_tls`.

use std::sync::Arc;

use handclasp::crypto::SupportedCipherSuite;
use handclasp::crypto::ring as hc_ring;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

use crate::endpoint::{Aead, Endpoint, Impl, Resumption, Setup, Sink, Version};
use crate::pki::{KeyKind, NAME, Pki};

pub struct Handclasp {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
}

fn suite(setup: &Setup) -> SupportedCipherSuite {
    use SupportedCipherSuite::{Tls12, Tls13};
    let rsa = setup.key == KeyKind::Rsa;
    match (setup.version, setup.aead) {
        (Version::Tls13, Aead::Aes128) => Tls13(&hc_ring::TLS13_AES_128_GCM_SHA256),
        (Version::Tls13, Aead::Aes256) => Tls13(&hc_ring::TLS13_AES_256_GCM_SHA384),
        (Version::Tls13, Aead::Chacha) => Tls13(&hc_ring::TLS13_CHACHA20_POLY1305_SHA256),
        (Version::Tls12, Aead::Aes128) if rsa => {
            Tls12(&hc_ring::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
        }
        (Version::Tls12, Aead::Aes256) if rsa => {
            Tls12(&hc_ring::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)
        }
        (Version::Tls12, Aead::Chacha) if rsa => {
            Tls12(&hc_ring::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256)
        }
        (Version::Tls12, Aead::Aes128) => Tls12(&hc_ring::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
        (Version::Tls12, Aead::Aes256) => Tls12(&hc_ring::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
        (Version::Tls12, Aead::Chacha) => {
            Tls12(&hc_ring::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)
        }
    }
}

impl Handclasp {
    pub fn new(pki: &Pki, setup: Setup) -> Self {
        let mut provider = hc_ring::default_provider();
        provider.cipher_suites = vec![suite(&setup)];
        provider.kx_groups = match setup.version {
            Version::Tls13 => vec![&hc_ring::X25519],
            // RFC 8422 5.1.1: a TLS 1.2 client lists the ECDSA certificate's curve
            // too (X25519 stays first, so it is still the key exchange).
            Version::Tls12 => vec![&hc_ring::X25519, &hc_ring::SECP256R1],
        };
        let provider = Arc::new(provider);
        let version = match setup.version {
            Version::Tls13 => ProtocolVersion::TLSv1_3,
            Version::Tls12 => ProtocolVersion::TLSv1_2,
        };
        let mut roots = RootStore::empty();
        roots.add(&CertificateDer::from(pki.ca.clone())).unwrap();
        let mut client = ClientConfig::builder_with_provider(provider.clone())
            .with_root_store(roots)
            .with_protocol_versions(&[version]);
        if setup.resumption == Resumption::Off {
            client = client.with_session_store(None);
        }
        let leaf = pki.leaf(setup.key);
        let mut server = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[version])
            .with_single_cert(
                vec![CertificateDer::from(leaf.cert.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key.clone())),
            )
            .unwrap();
        server = match setup.resumption {
            Resumption::Off => server
                .with_tickets(0)
                .with_ticketer(None)
                .with_session_store(None),
            // The default: stateless tickets under fresh TicketKeys.
            Resumption::Tickets => server,
            // RFC 5077 3.2: no ticketer, so a TLS 1.2 session goes under an id.
            Resumption::SessionIds => server.with_ticketer(None),
        };
        Self {
            client: Arc::new(client.build().unwrap()),
            server: Arc::new(server.build().unwrap()),
        }
    }
}

impl Impl for Handclasp {
    type Client = ClientConnection;
    type Server = ServerConnection;

    fn client(&self) -> ClientConnection {
        ClientConnection::new(self.client.clone(), ServerName::try_from(NAME).unwrap()).unwrap()
    }

    fn server(&self) -> ServerConnection {
        ServerConnection::new(self.server.clone()).unwrap()
    }
}

/// Opens every record of `tls` in place; the plaintext is copied to `app`, as an
/// application would consume it (the other implementations copy it there too).
fn recv(conn: &mut Connection, tls: &mut [u8], app: &mut Sink) {
    let mut at = 0;
    while at < tls.len() {
        let done = conn.process_in_place(&mut tls[at..]).unwrap();
        assert!(done.consumed > 0, "handclasp left a partial record");
        let plaintext = done.plaintext;
        if !plaintext.is_empty() {
            app.spare()[..plaintext.len()].copy_from_slice(plaintext);
            app.pos += plaintext.len();
        }
        at += done.consumed;
    }
}

fn send(conn: &mut Connection, out: &mut Vec<u8>) {
    let pending = conn.pending_tls();
    let n = pending.len();
    out.extend_from_slice(pending);
    conn.consume_tls(n);
}

fn write(conn: &mut Connection, data: &[u8], out: &mut Vec<u8>) {
    conn.seal_into(data, out).unwrap();
}

macro_rules! endpoint {
    ($t:ty) => {
        impl Endpoint for $t {
            fn recv(&mut self, tls: &mut Vec<u8>, app: &mut Sink) {
                recv(self, tls, app);
                tls.clear();
            }
            fn send(&mut self, out: &mut Vec<u8>) {
                send(self, out)
            }
            fn write(&mut self, data: &[u8], out: &mut Vec<u8>) {
                write(self, data, out)
            }
            fn handshaking(&self) -> bool {
                self.is_handshaking()
            }
            fn resumed(&self) -> bool {
                self.is_resumed()
            }
        }
    };
}

endpoint!(ClientConnection);
endpoint!(ServerConnection);
