//! A man in the middle for in-memory handshakes: split the bytes one side queued into
//! records, rewrite plaintext handshake messages, and decrypt, modify and re-encrypt
//! the server's encrypted TLS 1.3 handshake flight using the secrets the server logged.

use std::sync::Mutex;

use handclasp::crypto::Tls13CipherSuite;
use handclasp::enums::{ContentType, ProtocolVersion};
use handclasp::key_log::KeyLog;
use handclasp::unstable::key_schedule::tls13::hkdf_expand_label;
use handclasp::unstable::msgs::HandshakeMessage;
use handclasp::unstable::record::{
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

// ---------------------------------------------------------------------------------
// TLS 1.2

/// The whole handshake messages (headers included) carried by plaintext handshake
/// records, however they were packed into records.
pub fn plain_handshake_messages(records: &[WireRecord]) -> Vec<Vec<u8>> {
    let mut joiner = HandshakeJoiner::new();
    let mut out = Vec::new();
    for record in records {
        assert_eq!(record.typ, ContentType::Handshake, "not a handshake record");
        joiner.push(&record.payload).unwrap();
        while let Some(msg) = joiner.next_message() {
            out.push(msg.encoding.to_vec());
        }
    }
    assert!(
        !joiner.has_partial(),
        "records end inside a handshake message"
    );
    out
}

/// One plaintext handshake record per message.
pub fn one_record_each(messages: &[Vec<u8>]) -> Vec<u8> {
    messages
        .iter()
        .flat_map(|m| WireRecord::new(ContentType::Handshake, m.clone()).encode())
        .collect()
}

/// The TLS 1.2 key block of a connection, from its logged master secret
/// (`CLIENT_RANDOM`) and the two hello randoms (RFC 5246 6.3).
pub fn tls12_key_block(
    suite: &'static handclasp::crypto::Tls12CipherSuite,
    master: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> handclasp::unstable::key_schedule::tls12::Tls12Keys {
    let master: [u8; handclasp::unstable::key_schedule::tls12::MASTER_SECRET_LEN] =
        master.try_into().expect("master secret length");
    handclasp::unstable::key_schedule::tls12::MasterSecret::from_bytes(suite, &master)
        .key_block(client_random, server_random)
        .unwrap()
}

/// Seals one TLS 1.2 record under `key`/`iv` as record number `seq`.
pub fn seal_tls12(
    suite: &'static handclasp::crypto::Tls12CipherSuite,
    key: &[u8],
    iv: &[u8],
    seq: u64,
    typ: ContentType,
    plaintext: &[u8],
) -> Vec<u8> {
    let mut encrypter = RecordEncrypter::tls12(suite.aead, key, iv, suite.nonce).unwrap();
    encrypter.set_sequence_number(seq);
    let mut out = Vec::new();
    encrypter.seal(typ, plaintext, &mut out).unwrap();
    out
}

/// Opens one TLS 1.2 record (the whole of `bytes`) sent under `key`/`iv` as record
/// number `seq`.
pub fn open_tls12(
    suite: &'static handclasp::crypto::Tls12CipherSuite,
    key: &[u8],
    iv: &[u8],
    seq: u64,
    bytes: &[u8],
) -> (ContentType, Vec<u8>) {
    let mut decrypter = RecordDecrypter::tls12(suite.aead, key, iv, suite.nonce).unwrap();
    decrypter.set_sequence_number(seq);
    let mut deframer =
        Deframer::with_max_payload_len(handclasp::unstable::record::MAX_TLS12_CIPHERTEXT);
    assert_eq!(deframer.feed(bytes), bytes.len());
    let opened = {
        let record = deframer.next_record().unwrap().unwrap();
        let plain = decrypter.open(record).unwrap();
        (plain.typ, plain.payload.to_vec())
    };
    assert!(
        deframer.next_record().unwrap().is_none(),
        "more than one record"
    );
    opened
}

/// The random of a plaintext ClientHello or ServerHello record (after the 4-byte
/// handshake header and the 2-byte version).
pub fn hello_random(record: &WireRecord) -> [u8; 32] {
    assert_eq!(record.typ, ContentType::Handshake);
    record.payload[6..38].try_into().unwrap()
}
