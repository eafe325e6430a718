//! handclasp, driven sans-IO through its zero-copy path: received records are
//! opened in the harness's own buffer (`process_in_place`), application data is
//! sealed straight onto the harness's output (`seal_into`), and handshake flights
//! come from `pending_tls` + `consume_tls`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

use handclasp::crypto::SupportedCipherSuite;
use handclasp::crypto::ring as hc_ring;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

use crate::alloc::CLIENT;
use crate::endpoint::{Aead, Endpoint, Impl, Kx, Resumption, Setup, Sink, Version, as_side};
use crate::pki::{KeyKind, NAME, Pki};

/// `--hc-buffered`: drive handclasp through its buffered path instead
/// (`read_tls_from_slice` / `process_new_packets` / `read_plaintext`, and
/// `write_plaintext` then `pending_tls`), as most applications would.
pub static BUFFERED: AtomicBool = AtomicBool::new(false);

/// `--hc-padding N`: handclasp pads its TLS 1.3 records to a multiple of N bytes
/// (`RecordPadding::ToMultipleOf`; 0, the default, pads nothing).
pub static PADDING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The configs, shared with the async rows (loopback.rs).
pub struct Handclasp {
    pub(crate) client: Arc<ClientConfig>,
    pub(crate) server: Arc<ServerConfig>,
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
        provider.kx_groups = match (setup.kx, setup.version) {
            (Kx::Classical, Version::Tls13) => vec![&hc_ring::X25519],
            // RFC 8422 5.1.1: a TLS 1.2 client lists the ECDSA certificate's curve
            // too (X25519 stays first, so it is still the key exchange).
            (Kx::Classical, Version::Tls12) => vec![&hc_ring::X25519, &hc_ring::SECP256R1],
            // The only group, so the client sends no X25519 share beside it.
            (Kx::X25519MlKem768, Version::Tls13) => vec![&hc_ring::X25519MLKEM768],
            (Kx::X25519MlKem768, Version::Tls12) => panic!("no hybrid group in TLS 1.2"),
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
        let padding = match PADDING.load(Relaxed) {
            0 => handclasp::RecordPadding::None,
            n => handclasp::RecordPadding::ToMultipleOf(n),
        };
        client = client.with_record_padding(padding);
        // The leaf, then any intermediates (the chain rows).
        let (certs, key) = pki.server_chain(setup.key, setup.intermediates);
        let mut server = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[version])
            .with_single_cert(
                certs
                    .iter()
                    .map(|c| CertificateDer::from(c.to_vec()))
                    .collect(),
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec())),
            )
            .unwrap()
            .with_record_padding(padding);
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

/// Opens every record of `tls` in place; the plaintext stays there, as the
/// application gets it (noted in `app`, gathered for the check after timing).
fn recv(conn: &mut Connection, tls: &mut [u8], app: &mut Sink) {
    if BUFFERED.load(Relaxed) {
        return recv_buffered(conn, tls, app);
    }
    let base = tls.as_ptr() as usize;
    let mut at = 0;
    while at < tls.len() {
        let done = conn.process_in_place(&mut tls[at..]).unwrap();
        assert!(done.consumed > 0, "handclasp left a partial record");
        if !done.plaintext.is_empty() {
            // The plaintext is the end of the consumed bytes, minus the TLS 1.3 type
            // byte and padding and the tag.
            let start = done.plaintext.as_ptr() as usize - base;
            app.note_in_place(start, done.plaintext.len());
        }
        at += done.consumed;
    }
}

/// The buffered path: bytes copied into the connection, plaintext copied out.
fn recv_buffered(conn: &mut Connection, mut tls: &[u8], app: &mut Sink) {
    while !tls.is_empty() {
        let taken = conn.read_tls_from_slice(tls);
        tls = &tls[taken..];
        conn.process_new_packets().unwrap();
        let mut read = 0;
        loop {
            let n = conn.read_plaintext(app.spare());
            if n == 0 {
                break;
            }
            app.pos += n;
            read += n;
        }
        assert!(
            taken > 0 || read > 0,
            "handclasp took no bytes and gave no plaintext"
        );
    }
}

fn send(conn: &mut Connection, out: &mut Vec<u8>) {
    let pending = conn.pending_tls();
    let n = pending.len();
    out.extend_from_slice(pending);
    conn.consume_tls(n);
}

fn write(conn: &mut Connection, data: &[u8], out: &mut Vec<u8>) {
    if BUFFERED.load(Relaxed) {
        // Queued, up to the send-buffer limit: a larger write goes in turns, the
        // records moved out between them; the harness's `send` takes the rest.
        let mut rest = data;
        while !rest.is_empty() {
            let n = conn.write_plaintext(rest).unwrap();
            assert!(n > 0, "handclasp took nothing of a write");
            rest = &rest[n..];
            if !rest.is_empty() {
                send(conn, out);
            }
        }
        return;
    }
    conn.seal_into(data, out).unwrap();
}

macro_rules! endpoint {
    ($t:ty) => {
        impl Endpoint for $t {
            fn recv(&mut self, tls: &mut Vec<u8>, app: &mut Sink) {
                // In place, the plaintext stays in `tls` for the caller.
                recv(self, tls, app);
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

/// handclasp's `seal_in_place`: the application has its data in 16 KiB records of
/// its own transmit buffer, with room around each (built untimed, as the floor's
/// buffers are); only the sealing is timed. Every sample's records are then opened
/// by the server (untimed) and checked against the data.
pub struct InPlaceSend {
    client: ClientConnection,
    server: ServerConnection,
    records: Vec<Vec<u8>>,
    before: usize,
}

impl InPlaceSend {
    pub fn new(hc: &Handclasp, data: &[u8]) -> Self {
        let (client, server) =
            crate::endpoint::checked_handshake(hc, &mut crate::endpoint::Cost::default(), false);
        let record = crate::endpoint::record_size();
        let (before, after) = client.in_place_room(record).unwrap();
        let records = data
            .chunks(record)
            .map(|_| vec![0; before + record + after])
            .collect();
        Self {
            client,
            server,
            records,
            before,
        }
    }

    /// One sample: MB/s of sealing `data` in place.
    pub fn sample(&mut self, data: &[u8], target: Duration) -> f64 {
        let (mut timed, mut bytes) = (Duration::ZERO, 0usize);
        let start = crate::clock::Cpu::now();
        while bytes < 2 * data.len() || start.elapsed() < target {
            let len = crate::endpoint::record_size();
            for (record, chunk) in self.records.iter_mut().zip(data.chunks(len)) {
                record[self.before..self.before + len].copy_from_slice(chunk);
            }
            let client = &mut self.client;
            let records = &mut self.records;
            let t = crate::clock::Cpu::now();
            as_side(CLIENT, || {
                for record in records.iter_mut() {
                    client.seal_in_place(record, len).unwrap();
                }
            });
            timed += t.elapsed();
            bytes += data.len();
            self.check(data);
        }
        bytes as f64 / timed.as_secs_f64() / 1e6
    }

    fn check(&mut self, data: &[u8]) {
        let mut got = Vec::with_capacity(data.len());
        for record in &mut self.records {
            let len = record.len();
            let done = self.server.process_in_place(record).unwrap();
            assert_eq!(done.consumed, len, "a sealed record did not open whole");
            got.extend_from_slice(done.plaintext);
        }
        assert!(got == data, "records sealed in place arrived damaged");
    }
}
