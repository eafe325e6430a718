//! An adversarial peer for in-memory connections: a handshake whose bytes are recorded
//! in both directions, and a record forger that holds one side's write keys (rebuilt
//! from the secrets that side logged) so a test can send, as that side, records the
//! library itself would never send: empty floods, warning alerts, KeyUpdates, records
//! of unknown types, messages at the wrong time.

use std::sync::Arc;

use handclasp::crypto::{CryptoProvider, SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite};
use handclasp::enums::{AlertDescription, ContentType, HandshakeType, NamedGroup, ProtocolVersion};
use handclasp::time::FixedTime;
use handclasp::unstable::key_schedule::tls13::hkdf_expand_label;
use handclasp::unstable::record::{
    Deframer, MAX_TLS12_CIPHERTEXT, RecordDecrypter, RecordEncrypter,
};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, Connection, Error, Limits, ServerConfig};

use super::pair::Pair;
use super::pki::{Ca, LeafSpec, NOV_2026, at};
use super::tamper::{RecordingKeyLog, WireRecord, hello_random, split_records, traffic_key_iv};

/// The ring provider restricted to one protocol version's suites.
pub fn provider(version: ProtocolVersion) -> Arc<CryptoProvider> {
    // X25519 for the key exchange; P-256 listed too, for the ECDSA P-256 certificate
    // (RFC 8422 5.1.1).
    super::provider::with(
        &super::provider::suites_of(version),
        &[NamedGroup::X25519, NamedGroup::secp256r1],
    )
}

/// A client and a server config for one version, each logging its secrets.
pub struct Setup {
    pub version: ProtocolVersion,
    pub client: Arc<ClientConfig>,
    pub server: Arc<ServerConfig>,
    pub client_log: Arc<RecordingKeyLog>,
    pub server_log: Arc<RecordingKeyLog>,
}

impl Setup {
    pub fn new(version: ProtocolVersion) -> Self {
        Self::with_limits(version, Limits::default(), Limits::default())
    }

    pub fn with_limits(version: ProtocolVersion, client: Limits, server: Limits) -> Self {
        let ca = Ca::root("adversary root");
        // ECDSA P-256: usable by every TLS 1.2 suite the provider has (ECDHE_ECDSA).
        let leaf = ca.issue(&LeafSpec {
            algorithm: &rcgen::PKCS_ECDSA_P256_SHA256,
            ..LeafSpec::server(&["a.test"])
        });
        let mut roots = RootStore::empty();
        roots.add(&ca.cert).unwrap();
        let client_log = Arc::new(RecordingKeyLog::default());
        let server_log = Arc::new(RecordingKeyLog::default());
        let p = provider(version);
        let c = ClientConfig::builder_with_provider(p.clone())
            .with_root_store(roots)
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_limits(client)
            .with_key_log(client_log.clone())
            .build()
            .unwrap();
        let s = ServerConfig::builder_with_provider(p)
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_limits(server)
            .with_key_log(server_log.clone())
            .with_single_cert(leaf.chain, leaf.key)
            .unwrap()
            .build()
            .unwrap();
        Self {
            version,
            client: Arc::new(c),
            server: Arc::new(s),
            client_log,
            server_log,
        }
    }

    pub fn pair(&self) -> Pair {
        Pair::new(self.client.clone(), self.server.clone(), "a.test")
    }
}

/// Feeds `bytes` to `conn`, processing as it goes; the first error is returned.
pub fn feed(conn: &mut Connection, mut bytes: &[u8]) -> Result<(), Error> {
    while !bytes.is_empty() {
        let n = conn.read_tls_from_slice(bytes);
        bytes = &bytes[n..];
        conn.process_new_packets()?;
        assert!(n > 0, "receiver stalled");
    }
    Ok(())
}

/// Takes everything `conn` queued.
pub fn take(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    bytes
}

/// Everything `conn` has received and not yet read.
pub fn read_all(conn: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read_plaintext(&mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// A pair run to completion with every byte recorded, per direction.
pub struct Established {
    pub setup: Setup,
    pub pair: Pair,
    pub to_server: Vec<u8>,
    pub to_client: Vec<u8>,
}

impl Established {
    pub fn new(setup: Setup) -> Self {
        let pair = setup.pair();
        let mut e = Self {
            setup,
            pair,
            to_server: Vec::new(),
            to_client: Vec::new(),
        };
        for _ in 0..10 {
            if !e.pair.client.is_handshaking()
                && !e.pair.server.is_handshaking()
                && !e.pair.client.wants_write()
                && !e.pair.server.wants_write()
            {
                assert_eq!(e.pair.client.protocol_version(), Some(e.setup.version));
                return e;
            }
            let c = take(&mut e.pair.client);
            e.to_server.extend_from_slice(&c);
            feed(&mut e.pair.server, &c).unwrap();
            let s = take(&mut e.pair.server);
            e.to_client.extend_from_slice(&s);
            feed(&mut e.pair.client, &s).unwrap();
        }
        panic!("handshake did not finish");
    }

    pub fn tls13() -> Self {
        Self::new(Setup::new(ProtocolVersion::TLSv1_3))
    }

    pub fn tls12() -> Self {
        Self::new(Setup::new(ProtocolVersion::TLSv1_2))
    }

    /// A forger speaking as the client (`as_client`) or the server, in step with the
    /// victim: the real sender sends one data record, the forger finds its sequence
    /// number, the victim receives it, and the forger goes on from the next number.
    pub fn forger(&mut self, as_client: bool) -> Forger {
        let make = self.key_maker(as_client);
        let (from, to) = self.pair.sides(as_client);
        from.write_plaintext(b"sync").unwrap();
        let bytes = take(from);
        let seq = (0..64)
            .find(|&seq| try_open(&make, seq, &bytes))
            .expect("no sequence number opens the sync record");
        feed(to, &bytes).unwrap();
        assert_eq!(read_all(to), b"sync");
        let mut forger = make.encrypter();
        forger.enc.set_sequence_number(seq + 1);
        forger
    }

    fn key_maker(&self, as_client: bool) -> KeyMaker {
        match self.pair.client.negotiated_cipher_suite().unwrap() {
            SupportedCipherSuite::Tls13(suite) => {
                let label = if as_client {
                    "CLIENT_TRAFFIC_SECRET_0"
                } else {
                    "SERVER_TRAFFIC_SECRET_0"
                };
                KeyMaker::Tls13 {
                    suite,
                    secret: self.setup.client_log.secret(label),
                }
            }
            SupportedCipherSuite::Tls12(suite) => {
                let master = self.setup.client_log.secret("CLIENT_RANDOM");
                let client_random = hello_random(&split_records(&self.to_server)[0]);
                let server_random = hello_random(&split_records(&self.to_client)[0]);
                let keys =
                    super::tamper::tls12_key_block(suite, &master, &client_random, &server_random);
                let (key, iv) = if as_client {
                    (keys.client_key().to_vec(), keys.client_iv().to_vec())
                } else {
                    (keys.server_key().to_vec(), keys.server_iv().to_vec())
                };
                KeyMaker::Tls12 { suite, key, iv }
            }
        }
    }
}

/// Builds one direction's record protection.
pub enum KeyMaker {
    Tls13 {
        suite: &'static Tls13CipherSuite,
        secret: Vec<u8>,
    },
    Tls12 {
        suite: &'static Tls12CipherSuite,
        key: Vec<u8>,
        iv: Vec<u8>,
    },
}

impl KeyMaker {
    pub fn decrypter(&self) -> RecordDecrypter {
        match self {
            Self::Tls13 { suite, secret } => {
                let (key, iv) = traffic_key_iv(suite, secret);
                RecordDecrypter::tls13(suite.aead, &key, &iv).unwrap()
            }
            Self::Tls12 { suite, key, iv } => {
                RecordDecrypter::tls12(suite.aead, key, iv, suite.nonce).unwrap()
            }
        }
    }

    pub fn encrypter(&self) -> Forger {
        match self {
            Self::Tls13 { suite, secret } => {
                let (key, iv) = traffic_key_iv(suite, secret);
                Forger {
                    enc: RecordEncrypter::tls13(suite.aead, &key, &iv).unwrap(),
                    tls13: Some((suite, secret.clone())),
                }
            }
            Self::Tls12 { suite, key, iv } => Forger {
                enc: RecordEncrypter::tls12(suite.aead, key, iv, suite.nonce).unwrap(),
                tls13: None,
            },
        }
    }
}

/// True if the first record of `bytes` opens as record number `seq`.
fn try_open(make: &KeyMaker, seq: u64, bytes: &[u8]) -> bool {
    let mut dec = make.decrypter();
    dec.set_sequence_number(seq);
    let mut deframer = Deframer::with_max_payload_len(MAX_TLS12_CIPHERTEXT);
    deframer.feed(bytes);
    let record = deframer.next_record().unwrap().unwrap();
    dec.open(record).is_ok()
}

/// Seals arbitrary records under one side's write key.
pub struct Forger {
    pub enc: RecordEncrypter,
    /// TLS 1.3: the suite and current traffic secret, for KeyUpdate.
    tls13: Option<(&'static Tls13CipherSuite, Vec<u8>)>,
}

impl Forger {
    /// One protected record of type `typ` carrying `payload`.
    pub fn seal(&mut self, typ: ContentType, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.enc.seal(typ, payload, &mut out).unwrap();
        out
    }

    /// A TLS 1.3 record sealed by hand around `inner` (RFC 8446 5.2: content, type,
    /// zero padding), for what the library's encrypter refuses to build: an unknown
    /// inner type, an inner plaintext over 2^14, no type at all.
    pub fn seal_inner(&mut self, inner: &[u8]) -> Vec<u8> {
        let (suite, secret) = self.tls13.as_ref().expect("TLS 1.3 only");
        let (key, iv) = traffic_key_iv(suite, secret);
        let seq = self.enc.sequence_number();
        let mut nonce = iv;
        for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
            *n ^= s;
        }
        let len = (inner.len() + 16) as u16;
        let mut out = header(23, 0x0303, len);
        let aad = out.clone();
        let mut body = inner.to_vec();
        let tag = suite
            .aead
            .new_key(&key)
            .unwrap()
            .seal_in_place(&nonce, &aad, &mut body)
            .unwrap();
        out.extend_from_slice(&body);
        out.extend_from_slice(&tag);
        self.enc.set_sequence_number(seq + 1);
        out
    }

    /// A protected alert record.
    pub fn alert(&mut self, level: u8, description: u8) -> Vec<u8> {
        self.seal(ContentType::Alert, &[level, description])
    }

    /// A protected TLS 1.3 KeyUpdate(update_not_requested), after which the forger
    /// moves to the next traffic secret (RFC 8446 7.2), as the victim will.
    pub fn key_update(&mut self) -> Vec<u8> {
        self.key_update_with(false)
    }

    /// A protected TLS 1.3 KeyUpdate asking the victim for its own (`requested`) or
    /// not; the forger moves to its next traffic secret.
    pub fn key_update_with(&mut self, requested: bool) -> Vec<u8> {
        let msg = [
            u8::from(HandshakeType::KeyUpdate),
            0,
            0,
            1,
            u8::from(requested),
        ];
        let out = self.seal(ContentType::Handshake, &msg);
        let (suite, secret) = self.tls13.take().expect("KeyUpdate is TLS 1.3 only");
        let mut next = vec![0u8; secret.len()];
        hkdf_expand_label(suite.hmac, &secret, b"traffic upd", &[], &mut next).unwrap();
        let (key, iv) = traffic_key_iv(suite, &next);
        self.enc = RecordEncrypter::tls13(suite.aead, &key, &iv).unwrap();
        self.tls13 = Some((suite, next));
        out
    }
}

/// A plaintext record as bytes.
pub fn plain(typ: ContentType, payload: &[u8]) -> Vec<u8> {
    WireRecord::new(typ, payload.to_vec()).encode()
}

/// A record header announcing `len` bytes, with no body.
pub fn header(typ: u8, version: u16, len: u16) -> Vec<u8> {
    let mut out = vec![typ];
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out
}

// ---------------------------------------------------------------------------------
// Checks

/// `victim` fails on `bytes` with exactly `expected`, whose alert is `alert`; the alert
/// record it queued (after anything else it had queued, which goes along) makes `peer`
/// report `AlertReceived(alert)`; and the victim stays failed with nothing to read.
pub fn assert_fails(
    victim: &mut Connection,
    peer: &mut Connection,
    bytes: &[u8],
    expected: Error,
    alert: AlertDescription,
) {
    assert_eq!(feed(victim, bytes), Err(expected.clone()));
    assert_eq!(victim.error(), Some(&expected));
    assert_eq!(expected.alert(), Some(alert), "alert for {expected:?}");
    let out = take(victim);
    let records = split_records(&out);
    let last = records.last().expect("no alert queued");
    if last.typ == ContentType::Alert && last.payload.len() == 2 {
        // Unprotected: the record is the fatal alert itself.
        assert_eq!(last.payload, [2, u8::from(alert)]);
    } else {
        // Protected: outer type alert (TLS 1.2) or application_data (TLS 1.3), holding
        // a sealed two-byte alert (plus a 16-byte tag and any nonce or inner type).
        assert!(
            matches!(last.typ, ContentType::Alert | ContentType::ApplicationData),
            "alert record type {:?}",
            last.typ
        );
        assert!((2 + 16..=2 + 16 + 8).contains(&last.payload.len()));
    }
    assert_eq!(feed(peer, &out), Err(Error::AlertReceived(alert)));
    assert_stays_failed(victim, &expected);
}

/// A later `process_new_packets` fails again with the same error, nothing more is
/// queued, and no plaintext comes out.
pub fn assert_stays_failed(victim: &mut Connection, expected: &Error) {
    assert_eq!(victim.process_new_packets(), Err(expected.clone()));
    assert!(victim.pending_tls().is_empty(), "a second alert was queued");
    assert_eq!(read_all(victim), b"");
    assert!(!victim.wants_read());
}
