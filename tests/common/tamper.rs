//! A man in the middle for in-memory handshakes: split the bytes one side queued into
//! records, rewrite plaintext handshake messages, and decrypt, modify and re-encrypt
//! the server's encrypted TLS 1.3 handshake flight using the secrets the server logged.

use std::sync::Mutex;

use handclasp::crypto::Tls13CipherSuite;
use handclasp::enums::{ContentType, ProtocolVersion};
use handclasp::key_log::KeyLog;
use handclasp::key_schedule::tls13::hkdf_expand_label;
use handclasp::msgs::HandshakeMessage;
use handclasp::record::{
    Deframer, HandshakeJoiner, MAX_TLS13_CIPHERTEXT, RecordDecrypter, RecordEncrypter,
};

/// A key log that keeps every secret in memory, by label.
#[derive(Debug, Default)]
pub struct RecordingKeyLog(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for RecordingKeyLog {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), secret.to_vec()));
    }
}

impl RecordingKeyLog {
    /// The last secret logged under `label`.
    pub fn secret(&self, label: &str) -> Vec<u8> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| panic!("{label} was not logged"))
    }
}

/// One record as seen on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireRecord {
    pub typ: ContentType,
    pub version: u16,
    pub payload: Vec<u8>,
}

impl WireRecord {
    pub fn new(typ: ContentType, payload: Vec<u8>) -> Self {
        Self {
            typ,
            version: 0x0303,
            payload,
        }
    }

    /// Header and payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![u8::from(self.typ)];
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&(self.payload.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }
}

/// Cuts `bytes` (whole records only) into records.
pub fn split_records(mut bytes: &[u8]) -> Vec<WireRecord> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        assert!(bytes.len() >= 5, "partial record header");
        let len = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
        out.push(WireRecord {
            typ: ContentType::from(bytes[0]),
            version: u16::from_be_bytes([bytes[1], bytes[2]]),
            payload: bytes[5..5 + len].to_vec(),
        });
        bytes = &bytes[5 + len..];
    }
    out
}

/// Encodes records back to back.
pub fn join_records(records: &[WireRecord]) -> Vec<u8> {
    records.iter().flat_map(WireRecord::encode).collect()
}

/// Decodes the single TLS 1.3 handshake message carried by a plaintext record
/// (ClientHello, ServerHello, HelloRetryRequest).
pub fn decode_message(record: &WireRecord) -> HandshakeMessage {
    assert_eq!(record.typ, ContentType::Handshake);
    HandshakeMessage::read_bytes(&record.payload, ProtocolVersion::TLSv1_3).unwrap()
}

/// A plaintext handshake record carrying `msg`.
pub fn plain_record(msg: &HandshakeMessage) -> WireRecord {
    WireRecord::new(ContentType::Handshake, msg.get_encoding())
}

/// The record protection key and IV of a TLS 1.3 traffic secret (RFC 8446 7.3).
pub fn traffic_key_iv(suite: &Tls13CipherSuite, secret: &[u8]) -> (Vec<u8>, [u8; 12]) {
    let mut key = vec![0u8; suite.aead.key_len()];
    hkdf_expand_label(suite.hmac, secret, b"key", &[], &mut key).unwrap();
    let mut iv = [0u8; 12];
    hkdf_expand_label(suite.hmac, secret, b"iv", &[], &mut iv).unwrap();
    (key, iv)
}

/// One decrypted piece of a protected flight.
#[derive(Clone, Debug)]
pub enum Inner {
    /// A whole handshake message (header included).
    Handshake(Vec<u8>),
    /// Any other content.
    Other(ContentType, Vec<u8>),
}

/// Decrypts protected records (sequence numbers from 0) sent under `secret`.
pub fn decrypt_flight(
    suite: &Tls13CipherSuite,
    secret: &[u8],
    records: &[WireRecord],
) -> Vec<Inner> {
    let (key, iv) = traffic_key_iv(suite, secret);
    let mut decrypter = RecordDecrypter::tls13(suite.aead, &key, &iv).unwrap();
    let mut deframer = Deframer::with_max_payload_len(MAX_TLS13_CIPHERTEXT);
    let mut joiner = HandshakeJoiner::new();
    let mut out = Vec::new();
    for record in records {
        assert_eq!(
            record.typ,
            ContentType::ApplicationData,
            "not a protected record"
        );
        assert_eq!(deframer.feed(&record.encode()), record.encode().len());
        let inbound = deframer.next_record().unwrap().unwrap();
        let plain = decrypter.open(inbound).unwrap();
        if plain.typ == ContentType::Handshake {
            joiner.push(plain.payload).unwrap();
            while let Some(msg) = joiner.next_message() {
                out.push(Inner::Handshake(msg.encoding.to_vec()));
            }
        } else {
            out.push(Inner::Other(plain.typ, plain.payload.to_vec()));
        }
    }
    assert!(
        !joiner.has_partial(),
        "flight ends inside a handshake message"
    );
    out
}

/// Encrypts `pieces` under `secret` with fresh sequence numbers, one record each.
pub fn encrypt_flight(suite: &Tls13CipherSuite, secret: &[u8], pieces: &[Inner]) -> Vec<u8> {
    let (key, iv) = traffic_key_iv(suite, secret);
    let mut encrypter = RecordEncrypter::tls13(suite.aead, &key, &iv).unwrap();
    let mut out = Vec::new();
    for piece in pieces {
        let (typ, payload) = match piece {
            Inner::Handshake(m) => (ContentType::Handshake, m.as_slice()),
            Inner::Other(t, p) => (*t, p.as_slice()),
        };
        encrypter.seal(typ, payload, &mut out).unwrap();
    }
    out
}

/// The server's first flight split at the key change: the plaintext records
/// (ServerHello, and the middlebox-compatibility change_cipher_spec if sent), then the
/// protected ones.
pub fn split_server_flight(bytes: &[u8]) -> (Vec<WireRecord>, Vec<WireRecord>) {
    let records = split_records(bytes);
    let first_protected = records
        .iter()
        .position(|r| r.typ == ContentType::ApplicationData)
        .expect("no protected records in the flight");
    let (plain, protected) = records.split_at(first_protected);
    (plain.to_vec(), protected.to_vec())
}

/// The type of an encoded handshake message.
pub fn message_type(encoding: &[u8]) -> handclasp::enums::HandshakeType {
    handclasp::enums::HandshakeType::from(encoding[0])
}
