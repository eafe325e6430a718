//! The bodies of handclasp's fuzz targets, one plain function per target.
//!
//! The cargo-fuzz binaries in `fuzz_targets/` call these, and the stable-toolchain
//! replay test (`tests/fuzz_corpus.rs` in the main crate) includes this file as a module
//! and runs every committed corpus file through the same functions. So this file uses
//! only `std` and `handclasp` (never `libfuzzer-sys`), and refers to its own items
//! without `crate::` paths.
//!
//! Every function must return normally for every input: a panic (including a failed
//! assertion of one of the invariants checked here) is a bug in handclasp.
#![forbid(unsafe_code)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use handclasp::crypto::ring::{AES_128_GCM, RING_KEY_PROVIDER, SUPPORTED_SIG_ALGS};
use handclasp::crypto::{AEAD_NONCE_LEN, AEAD_TAG_LEN, AeadAlgorithm, KeyProvider, Tls12Nonce};
use handclasp::enums::{ContentType, ProtocolVersion, SignatureScheme};
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
    ServerName, UnixTime,
};
use handclasp::unstable::codec::{Codec, Reader};
use handclasp::unstable::msgs::{
    AlertMessage, CertReqExtension, CertificateExtension, CertificateRequestTls12,
    CertificateRequestTls13, CertificateStatus, CertificateTls12, CertificateTls13,
    ChangeCipherSpecPayload, ClientExtension, ClientHello, DigitallySigned, EcdheClientKeyExchange,
    EcdheServerKeyExchange, Extension, HandshakeMessage, HelloRetryExtension,
    NewSessionTicketExtension, NewSessionTicketTls12, NewSessionTicketTls13, ServerExtension,
    ServerHelloOrRetry, put_extension_block, read_extension_block,
};
use handclasp::unstable::record::{
    Deframer, HEADER_LEN, HandshakeJoiner, MAX_PLAINTEXT, MAX_TLS12_CIPHERTEXT,
    MAX_TLS13_CIPHERTEXT, RecordDecrypter,
};
use handclasp::verify::{
    ClientCertVerifier, RootStore, ServerCertVerifier, WebPkiClientVerifier, WebPkiServerVerifier,
};

#[path = "adversary.rs"]
mod adversary;
#[path = "conns.rs"]
mod conns;
#[path = "seeds.rs"]
mod seeds;
#[path = "stream.rs"]
mod stream;

pub use adversary::{handshake, handshake_run};
pub use conns::{Reached, client, client_run, server, server_run};
pub use seeds::recorded_seeds;
pub use stream::{stream, stream_run, stream_seeds};

const V12: ProtocolVersion = ProtocolVersion::TLSv1_2;
const V13: ProtocolVersion = ProtocolVersion::TLSv1_3;

// ---------------------------------------------------------------------------------
// deframer
// ---------------------------------------------------------------------------------

/// The fixed TLS 1.3 record key and IV of the `deframer` target's decryption passes.
const RECORD_KEY: [u8; 16] = *b"handclasp fuzz k";
const RECORD_IV: [u8; 12] = *b"fuzz iv 1234";

/// How many sealed records the third pass of [`deframer`] builds at most.
const MAX_SEALED: usize = 16;

/// Input layout: `[config][c0][c1][c2][c3]` then the byte stream.
///
/// - `config` bits 0-1 pick the deframer's payload limit (2^14, the TLS 1.3 and TLS 1.2
///   ciphertext limits, or a tiny 300 bytes that forces buffer compaction); bits 2-3
///   the joiner's message cap (64 KiB, 0, 40, 1000).
/// - `c0..c3` are the sizes of the chunks the stream is fed in, cycled; 0 means "all
///   the rest".
///
/// Pass 1 feeds the stream to a [`Deframer`], checks every record against its header
/// rules and that the records are exactly a prefix of the stream, and pushes
/// handshake payloads into a [`HandshakeJoiner`] whose messages must be a prefix of
/// the pushed bytes; each message is also decoded (and round-tripped) under TLS 1.2
/// and 1.3. Pass 2 opens every record of the stream with TLS 1.3 and TLS 1.2
/// [`RecordDecrypter`]s (fixed keys). Pass 3 seals the record payloads of pass 1 as
/// TLS 1.3 inner plaintexts under the fixed key and checks that the decrypter returns
/// exactly the content type and content RFC 8446 5.4 says it holds.
pub fn deframer(data: &[u8]) {
    let Some((&[config, c0, c1, c2, c3], stream)) = data.split_first_chunk::<5>() else {
        return;
    };
    let chunks = [c0, c1, c2, c3];
    let max_payload = match config & 3 {
        0 => MAX_PLAINTEXT,
        1 => MAX_TLS13_CIPHERTEXT,
        2 => MAX_TLS12_CIPHERTEXT,
        _ => 300,
    };
    let max_message = match (config >> 2) & 3 {
        0 => handclasp::unstable::record::DEFAULT_MAX_HANDSHAKE_MESSAGE,
        1 => 0,
        2 => 40,
        _ => 1000,
    };

    // Pass 1: framing, joining, decoding.
    let mut joiner = HandshakeJoiner::with_max_message_len(max_message);
    let mut joiner_ok = true;
    let mut pushed = Vec::new();
    let mut joined = Vec::new();
    let mut framed = Vec::new();
    let mut payloads: Vec<Vec<u8>> = Vec::new();
    let fed_all = deframe(stream, max_payload, chunks, |typ, version, payload| {
        assert!((20..=23).contains(&u8::from(typ)), "bad type {typ:?}");
        assert_eq!(version >> 8, 3, "bad record version {version:#06x}");
        assert!(payload.len() <= max_payload, "record over the limit");
        framed.push(u8::from(typ));
        framed.extend_from_slice(&version.to_be_bytes());
        framed.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        framed.extend_from_slice(payload);
        if payloads.len() < MAX_SEALED {
            payloads.push(payload.to_vec());
        }
        if !joiner_ok {
            return;
        }
        if typ != ContentType::Handshake {
            let interleaved = joiner.check_interleaved(typ).is_err();
            assert_eq!(interleaved, joiner.has_partial());
            return;
        }
        if joiner.push(payload).is_err() {
            joiner_ok = false;
            return;
        }
        pushed.extend_from_slice(payload);
        while let Some(msg) = joiner.next_message() {
            let enc = msg.encoding;
            assert!(enc.len() >= 4, "message shorter than its header");
            let body_len =
                usize::from(enc[1]) << 16 | usize::from(enc[2]) << 8 | usize::from(enc[3]);
            assert_eq!(
                enc.len(),
                4 + body_len,
                "message length differs from its header"
            );
            assert!(body_len <= max_message, "message over the cap");
            assert_eq!(msg.typ.to_wire(), enc[0]);
            assert_eq!(msg.body(), &enc[4..]);
            joined.extend_from_slice(enc);
            for version in [V12, V13] {
                handshake_round_trip(enc, version);
            }
        }
    });
    // Records come out in order and cover exactly the bytes fed so far.
    assert!(
        stream.starts_with(&framed),
        "records are not a prefix of the input"
    );
    if let Some(buffered) = fed_all {
        assert_eq!(framed.len() + buffered, stream.len());
    }
    assert!(
        pushed.starts_with(&joined),
        "messages are not a prefix of the payloads"
    );

    // Pass 2: the raw records opened by TLS 1.3 and TLS 1.2 decrypters (fixed keys).
    // Authentication fails for nearly every input; nothing may panic on the way.
    for tls13 in [true, false] {
        let mut dec = if tls13 {
            RecordDecrypter::tls13(&AES_128_GCM, &RECORD_KEY, &RECORD_IV)
        } else {
            RecordDecrypter::tls12(
                &AES_128_GCM,
                &RECORD_KEY,
                &RECORD_IV[..4],
                Tls12Nonce::GcmExplicit,
            )
        }
        .expect("fixed record keys are valid");
        let limit = if tls13 {
            MAX_TLS13_CIPHERTEXT
        } else {
            MAX_TLS12_CIPHERTEXT
        };
        let mut d = Deframer::with_max_payload_len(limit);
        feed_records(&mut d, stream, chunks, |d| {
            loop {
                let record = match d.next_record() {
                    Ok(Some(record)) => record,
                    Ok(None) => return true,
                    Err(_) => return false,
                };
                let len = record.payload.len();
                if let Ok(plain) = dec.open(record) {
                    assert!(plain.payload.len() <= len.min(MAX_PLAINTEXT));
                }
            }
        });
    }

    // Pass 3: the payloads as TLS 1.3 inner plaintexts, sealed under the fixed key.
    sealed_inner_plaintexts(&payloads, chunks);
}

/// Feeds `stream` to a deframer with payload limit `max_payload` in the chunk sizes of
/// `chunks` (cycled; 0 = the rest) and hands each record to `on_record`. Stops at the
/// first deframing error. Returns the bytes left buffered if everything was fed and
/// framing never failed.
fn deframe(
    stream: &[u8],
    max_payload: usize,
    chunks: [u8; 4],
    mut on_record: impl FnMut(ContentType, u16, &[u8]),
) -> Option<usize> {
    let mut d = Deframer::with_max_payload_len(max_payload);
    let ok = feed_records(&mut d, stream, chunks, |d| {
        loop {
            match d.next_record() {
                Ok(Some(r)) => on_record(r.typ, r.version, r.payload),
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
    });
    // RFC 8446 5.1 limits + one header: the buffer never grows past its bound.
    assert!(
        d.allocated() <= HEADER_LEN + max_payload,
        "deframer buffer over its bound"
    );
    ok.then(|| d.buffered())
}

/// The feeding loop shared by the passes: feeds chunk after chunk, calling `drain`
/// after every feed; `drain` returns false to stop. Checks that a full buffer always
/// yields a record (the deframer never stalls).
fn feed_records(
    d: &mut Deframer,
    stream: &[u8],
    chunks: [u8; 4],
    mut drain: impl FnMut(&mut Deframer) -> bool,
) -> bool {
    let mut rest = stream;
    let mut i = 0;
    while !rest.is_empty() {
        let n = match chunks[i % 4] {
            0 => rest.len(),
            n => usize::from(n).min(rest.len()),
        };
        i += 1;
        let (mut chunk, tail) = rest.split_at(n);
        rest = tail;
        while !chunk.is_empty() {
            let before = d.buffered();
            let took = d.feed(chunk);
            assert!(took <= chunk.len());
            assert_eq!(d.buffered(), before + took);
            assert!(d.buffered() <= d.capacity_bound());
            chunk = &chunk[took..];
            let buffered = d.buffered();
            if !drain(d) {
                return false;
            }
            // A full buffer holds a whole record of the maximum size, so draining
            // must have taken something out; otherwise feeding could never go on.
            assert!(
                took > 0 || d.buffered() < buffered,
                "deframer stalled with {buffered} bytes buffered"
            );
        }
    }
    true
}

/// Pass 3 of [`deframer`]: seals each payload as a TLS 1.3 record (the payload is the
/// whole TLSInnerPlaintext: content, type byte, zero padding) with the fixed key, feeds
/// the records to a deframer and checks the decrypter's verdict on each against
/// RFC 8446 5.2 and 5.4.
fn sealed_inner_plaintexts(payloads: &[Vec<u8>], chunks: [u8; 4]) {
    let key = AES_128_GCM
        .new_key(&RECORD_KEY)
        .expect("the fixed record key is valid");
    let mut wire = Vec::new();
    let mut inners = Vec::new();
    for (seq, inner) in payloads.iter().enumerate() {
        let inner = &inner[..inner.len().min(MAX_TLS13_CIPHERTEXT - AEAD_TAG_LEN)];
        let len = (inner.len() + AEAD_TAG_LEN) as u16;
        let header = [23, 3, 3, (len >> 8) as u8, len as u8];
        let mut nonce = RECORD_IV;
        for (n, s) in nonce[AEAD_NONCE_LEN - 8..]
            .iter_mut()
            .zip((seq as u64).to_be_bytes())
        {
            *n ^= s;
        }
        let mut body = inner.to_vec();
        let tag = key
            .seal_in_place(&nonce, &header, &mut body)
            .expect("sealing a valid-length record");
        wire.extend_from_slice(&header);
        wire.extend_from_slice(&body);
        wire.extend_from_slice(&tag);
        inners.push(inner);
    }

    let mut dec = RecordDecrypter::tls13(&AES_128_GCM, &RECORD_KEY, &RECORD_IV)
        .expect("fixed record keys are valid");
    let mut d = Deframer::with_max_payload_len(MAX_TLS13_CIPHERTEXT);
    let mut next = inners.iter();
    let mut failed = false;
    feed_records(&mut d, &wire, chunks, |d| {
        loop {
            let record = match d.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => return true,
                Err(e) => panic!("deframing records we sealed: {e}"),
            };
            let inner = next.next().expect("no more records than were sealed");
            let got = dec.open(record);
            match (expected_inner(inner), got) {
                (Some((typ, content)), Ok(plain)) => {
                    assert_eq!(plain.typ, typ);
                    assert_eq!(plain.payload, content);
                }
                (None, Err(_)) => {
                    // The connection is dead after an error; stop here.
                    failed = true;
                    return false;
                }
                (want, got) => {
                    panic!("inner plaintext {inner:02x?}: expected {want:?}, got {got:?}")
                }
            }
        }
    });
    if !failed {
        assert!(next.next().is_none(), "a sealed record was not handed out");
    }
}

/// What a TLS 1.3 decrypter must return for `inner` (RFC 8446 5.2, 5.4): the last
/// non-zero byte is the content type, which must be alert, handshake or
/// application_data, and the content before it is at most 2^14 bytes.
fn expected_inner(inner: &[u8]) -> Option<(ContentType, &[u8])> {
    let at = inner.iter().rposition(|&b| b != 0)?;
    let content = &inner[..at];
    if content.len() > MAX_PLAINTEXT {
        return None;
    }
    match ContentType::from(inner[at]) {
        typ @ (ContentType::Alert | ContentType::Handshake | ContentType::ApplicationData) => {
            Some((typ, content))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------
// message
// ---------------------------------------------------------------------------------

/// Decodes the input as every handshake message and extension type. Whatever decodes
/// must re-encode to bytes that decode to the same value, and that re-encoding must be
/// stable (encoding the re-decoded value gives the same bytes).
///
/// Byte-identical re-encoding of the input itself is not asserted: the codec promises
/// it for real peers' messages (tests/units/codec.rs checks those), not for every accepted
/// input.
pub fn message(data: &[u8]) {
    for version in [V12, V13] {
        handshake_round_trip(data, version);
    }
    round_trip::<ClientHello>(data);
    round_trip::<ServerHelloOrRetry>(data);
    round_trip::<ClientExtension>(data);
    round_trip::<ServerExtension>(data);
    round_trip::<HelloRetryExtension>(data);
    round_trip::<CertReqExtension>(data);
    round_trip::<CertificateExtension>(data);
    round_trip::<NewSessionTicketExtension>(data);
    round_trip::<CertificateTls12>(data);
    round_trip::<CertificateTls13>(data);
    round_trip::<CertificateRequestTls12>(data);
    round_trip::<CertificateRequestTls13>(data);
    round_trip::<DigitallySigned>(data);
    round_trip::<EcdheServerKeyExchange>(data);
    round_trip::<EcdheClientKeyExchange>(data);
    round_trip::<NewSessionTicketTls12>(data);
    round_trip::<NewSessionTicketTls13>(data);
    round_trip::<CertificateStatus>(data);
    round_trip::<AlertMessage>(data);
    round_trip::<ChangeCipherSpecPayload>(data);
    let _ = ChangeCipherSpecPayload::read_payload(data);
    block_round_trip::<ClientExtension>(data);
    block_round_trip::<ServerExtension>(data);
    block_round_trip::<HelloRetryExtension>(data);
    block_round_trip::<CertReqExtension>(data);
    block_round_trip::<CertificateExtension>(data);
    block_round_trip::<NewSessionTicketExtension>(data);
}

/// Decode -> encode -> decode for one handshake message under `version`.
fn handshake_round_trip(bytes: &[u8], version: ProtocolVersion) {
    let Ok(msg) = HandshakeMessage::read_bytes(bytes, version) else {
        return;
    };
    let enc = msg.get_encoding();
    assert_eq!(enc.first(), Some(&msg.typ().to_wire()));
    let again = HandshakeMessage::read_bytes(&enc, version)
        .unwrap_or_else(|e| panic!("{msg:?} re-encoded to {enc:02x?}, which fails: {e}"));
    assert_eq!(again, msg);
    assert_eq!(again.get_encoding(), enc, "re-encoding is not stable");
    // The binder transcript is a prefix of the message (RFC 8446 4.2.11.2).
    let truncated = msg.encoding_for_binders();
    assert!(enc.starts_with(&truncated));
}

/// Decode -> encode -> decode for one [`Codec`] type.
fn round_trip<T: Codec + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    let Ok(value) = T::read_bytes(bytes, "fuzz input") else {
        return;
    };
    let enc = value.get_encoding();
    let again = T::read_bytes(&enc, "re-encoding")
        .unwrap_or_else(|e| panic!("{value:?} re-encoded to {enc:02x?}, which fails: {e}"));
    assert_eq!(again, value);
    assert_eq!(again.get_encoding(), enc, "re-encoding is not stable");
}

/// Decode -> encode -> decode for one extension block type.
fn block_round_trip<E: Extension + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    let mut r = Reader::new(bytes);
    let Ok(exts) = read_extension_block::<E>(&mut r, "fuzz block") else {
        return;
    };
    let mut enc = Vec::new();
    put_extension_block(&mut enc, &exts);
    assert_eq!(
        enc.len(),
        r.used(),
        "a block re-encodes to a different length"
    );
    let mut r2 = Reader::new(&enc);
    let again = read_extension_block::<E>(&mut r2, "re-encoding")
        .unwrap_or_else(|e| panic!("{exts:?} re-encoded to {enc:02x?}, which fails: {e}"));
    assert!(r2.is_empty());
    assert_eq!(again, exts);
}

// ---------------------------------------------------------------------------------
// certificate_chain
// ---------------------------------------------------------------------------------

/// The fixed PKI (fuzz/certs/gen.sh): a P-256 root, an RSA intermediate and an Ed25519
/// leaf for `fuzz.example`, `*.fuzz.example` and 127.0.0.1.
const ROOT: &[u8] = include_bytes!("../certs/root.der");
const INTERMEDIATE: &[u8] = include_bytes!("../certs/intermediate.der");
const LEAF: &[u8] = include_bytes!("../certs/leaf.der");

/// 2030-01-01T00:00:00Z, inside the fixed PKI's validity.
const VERIFY_TIME: u64 = 1_893_456_000;

/// A length prefix at or above this picks one of the fixed certificates instead of
/// taking bytes from the input, so the fuzzer can build valid chains and mutate parts.
const BUILTIN_MARK: u16 = 0xfff0;

fn roots() -> Arc<RootStore> {
    static ROOTS: OnceLock<Arc<RootStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut store = RootStore::empty();
            store
                .add(&CertificateDer::from(ROOT))
                .expect("the fixed root is a valid trust anchor");
            Arc::new(store)
        })
        .clone()
}

/// Input layout: `[flags]`, then up to four certificates as `[u16 length][DER]` (a
/// length >= 0xfff0 stands for the fixed leaf, intermediate or root), then
/// `[u16 scheme][signature]` checked against the first certificate.
///
/// `flags` picks the server name (fuzz.example, a.fuzz.example, 127.0.0.1,
/// other.example) and the time (2030, or the Unix epoch). The first certificate is the
/// end entity, the rest intermediates. Verification must return `Ok` or `Err`; it must
/// return `Ok` for the genuine chain (leaf, intermediate) with a matching name in 2030.
pub fn certificate_chain(data: &[u8]) {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let mut certs: Vec<CertificateDer<'_>> = Vec::new();
    let mut genuine: Vec<&[u8]> = Vec::new();
    while certs.len() < 4 {
        let Some((&[hi, lo], tail)) = rest.split_first_chunk::<2>() else {
            break;
        };
        let len = u16::from_be_bytes([hi, lo]);
        let der = if len >= BUILTIN_MARK {
            rest = tail;
            [LEAF, INTERMEDIATE, ROOT][usize::from(len - BUILTIN_MARK) % 3]
        } else {
            let (der, tail) = tail.split_at(usize::from(len).min(tail.len()));
            rest = tail;
            der
        };
        genuine.push(der);
        certs.push(CertificateDer::from(der));
    }
    let Some((end_entity, intermediates)) = certs.split_first() else {
        return;
    };

    let names = [
        "fuzz.example",
        "a.fuzz.example",
        "127.0.0.1",
        "other.example",
    ];
    let name_idx = usize::from(flags & 3);
    let name = ServerName::try_from(names[name_idx]).expect("fixed names are valid");
    let late = flags & 4 == 0;
    let now = UnixTime::since_unix_epoch(Duration::from_secs(if late { VERIFY_TIME } else { 0 }));

    let server = WebPkiServerVerifier::new(roots(), SUPPORTED_SIG_ALGS);
    let result = server.verify_server_cert(end_entity, intermediates, &name, &[], now);
    if genuine == [LEAF, INTERMEDIATE] && late && name_idx < 3 {
        if let Err(e) = result {
            panic!("the genuine chain for {} was refused: {e}", names[name_idx]);
        }
    }
    let client = WebPkiClientVerifier::new(roots(), SUPPORTED_SIG_ALGS, flags & 8 != 0);
    let _ = client.verify_client_cert(end_entity, intermediates, now);

    // A handshake signature made with the end entity's key.
    if let Some((&[hi, lo], signature)) = rest.split_first_chunk::<2>() {
        let scheme = SignatureScheme::from(u16::from_be_bytes([hi, lo]));
        for version in [V12, V13] {
            let msg = b"handclasp fuzz signed message";
            let _ = server.verify_signature(version, msg, end_entity, scheme, signature);
            let _ = client.verify_signature(version, msg, end_entity, scheme, signature);
        }
    }
}

// ---------------------------------------------------------------------------------
// pem
// ---------------------------------------------------------------------------------

/// The input as a PEM bundle of roots, as one DER root, as a PEM private key and as
/// PKCS#8, SEC1 and PKCS#1 private-key DER. Every load must return `Ok` or `Err`; a
/// key that loads must offer a scheme and sign with it.
pub fn pem(data: &[u8]) {
    let mut store = RootStore::empty();
    if let Ok(load) = store.add_pem(data) {
        assert!(
            load.added + load.ignored > 0,
            "an Ok load found no certificate"
        );
        assert_eq!(store.len(), load.added);
        assert_eq!(store.subjects().len(), load.added);
    }
    let mut store = RootStore::empty();
    if store.add(&CertificateDer::from(data)).is_ok() {
        assert_eq!(store.len(), 1);
    }

    if let Ok(key) = PrivateKeyDer::from_pem_slice(data) {
        load_key(key);
    }
    load_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        data.to_vec(),
    )));
    load_key(PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(data.to_vec())));
    load_key(PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(
        data.to_vec(),
    )));
}

/// Loads `key` with the ring key provider; an ECDSA or Ed25519 key that loads must sign.
fn load_key(key: PrivateKeyDer<'static>) {
    let Ok(signing) = RING_KEY_PROVIDER.load_private_key(key) else {
        return;
    };
    let schemes = SUPPORTED_SIG_ALGS.supported_schemes();
    let signer = signing
        .choose_scheme(&schemes)
        .unwrap_or_else(|| panic!("a loaded {:?} key offers no scheme", signing.algorithm()));
    // Every key that loads must sign: RSA keys whose CRT components disagree
    // (corpus/pem/regression-rsa-inconsistent-dq) are refused at load time.
    match signer.sign(b"handclasp fuzz message") {
        Ok(signature) => assert!(!signature.is_empty()),
        Err(e) => panic!("signing with {:?} failed: {e}", signer.scheme()),
    }
}
