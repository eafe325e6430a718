//! The record layer: protection round trips and known answers, the deframer under any
//! chunking, the handshake joiner and the fragmenter.
use crate::common;

use common::Rfc8448;
use handclasp::crypto::ring::{AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};
use handclasp::crypto::{AeadAlgorithm, Tls12Nonce};
use handclasp::enums::{AlertDescription, ContentType, HandshakeType};
use handclasp::error::{Error, InvalidMessage, PeerMisbehaved};
use handclasp::unstable::record::{
    Deframer, Fragmenter, HandshakeJoiner, InboundRecord, MAX_PLAINTEXT, MAX_TLS12_CIPHERTEXT,
    MAX_TLS13_CIPHERTEXT, Padding, RecordDecrypter, RecordEncrypter, encode_plain_record,
};

// ---------------------------------------------------------------------------
// Helpers

/// The TLS 1.3 AEADs with their key lengths.
fn tls13_aeads() -> [(&'static dyn AeadAlgorithm, usize); 3] {
    [
        (&AES_128_GCM, 16),
        (&AES_256_GCM, 32),
        (&CHACHA20_POLY1305, 32),
    ]
}

/// The TLS 1.2 AEADs with key length and nonce construction.
fn tls12_aeads() -> [(&'static dyn AeadAlgorithm, usize, Tls12Nonce); 3] {
    [
        (&AES_128_GCM, 16, Tls12Nonce::GcmExplicit),
        (&AES_256_GCM, 32, Tls12Nonce::GcmExplicit),
        (&CHACHA20_POLY1305, 32, Tls12Nonce::XorSequence),
    ]
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// An encrypter/decrypter pair sharing a key, for one configuration.
#[derive(Clone, Copy)]
enum Config {
    Tls13(&'static dyn AeadAlgorithm, usize),
    Tls12(&'static dyn AeadAlgorithm, usize, Tls12Nonce),
}

impl Config {
    fn all() -> Vec<Config> {
        let mut v: Vec<Config> = tls13_aeads()
            .into_iter()
            .map(|(a, k)| Config::Tls13(a, k))
            .collect();
        v.extend(
            tls12_aeads()
                .into_iter()
                .map(|(a, k, n)| Config::Tls12(a, k, n)),
        );
        v
    }

    fn pair(self) -> (RecordEncrypter, RecordDecrypter) {
        match self {
            Config::Tls13(aead, key_len) => {
                let key = bytes(key_len, 1);
                let iv = bytes(12, 2);
                (
                    RecordEncrypter::tls13(aead, &key, &iv).unwrap(),
                    RecordDecrypter::tls13(aead, &key, &iv).unwrap(),
                )
            }
            Config::Tls12(aead, key_len, nonce) => {
                let key = bytes(key_len, 3);
                let iv = bytes(nonce.fixed_iv_len(), 4);
                (
                    RecordEncrypter::tls12(aead, &key, &iv, nonce).unwrap(),
                    RecordDecrypter::tls12(aead, &key, &iv, nonce).unwrap(),
                )
            }
        }
    }

    /// Bytes before the ciphertext in a record's payload.
    fn explicit_len(self) -> usize {
        match self {
            Config::Tls13(..) => 0,
            Config::Tls12(_, _, n) => n.explicit_len(),
        }
    }

    /// Bytes the payload adds to the plaintext.
    fn overhead(self) -> usize {
        match self {
            Config::Tls13(..) => 1 + 16,
            Config::Tls12(_, _, n) => n.explicit_len() + 16,
        }
    }

    fn name(self) -> String {
        match self {
            Config::Tls13(a, _) => format!("TLS 1.3 {}", a.name()),
            Config::Tls12(a, _, _) => format!("TLS 1.2 {}", a.name()),
        }
    }
}

/// Splits one whole sealed record into an `InboundRecord` borrowing `rec`.
fn inbound(rec: &mut [u8]) -> InboundRecord<'_> {
    let typ = ContentType::from(rec[0]);
    let version = u16::from_be_bytes([rec[1], rec[2]]);
    let len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
    assert_eq!(rec.len(), 5 + len, "record length field");
    InboundRecord {
        typ,
        version,
        payload: &mut rec[5..],
    }
}

fn open_owned(dec: &mut RecordDecrypter, rec: &[u8]) -> Result<(ContentType, Vec<u8>), Error> {
    let mut copy = rec.to_vec();
    let p = dec.open(inbound(&mut copy))?;
    Ok((p.typ, p.payload.to_vec()))
}

fn assert_bad_record_mac(r: Result<(ContentType, Vec<u8>), Error>, what: &str) {
    let err = r.expect_err(what);
    assert_eq!(err, Error::DecryptError, "{what}");
    assert_eq!(err.alert(), Some(AlertDescription::BadRecordMac), "{what}");
}

// ---------------------------------------------------------------------------
// Protection round trips

#[test]
fn seal_then_open_every_aead_both_versions() {
    let plaintexts: [(ContentType, Vec<u8>); 5] = [
        (ContentType::Handshake, bytes(100, 7)),
        (ContentType::ApplicationData, Vec::new()),
        (ContentType::Alert, vec![1, 0]),
        (ContentType::ApplicationData, bytes(MAX_PLAINTEXT, 9)),
        (ContentType::ApplicationData, bytes(1, 10)),
    ];
    for config in Config::all() {
        let (mut enc, mut dec) = config.pair();
        let mut sealed = Vec::new();
        for (i, (typ, plain)) in plaintexts.iter().enumerate() {
            assert_eq!(enc.sequence_number(), i as u64);
            let mut out = vec![0xaa]; // sealing appends after what is there
            enc.seal(*typ, plain, &mut out).unwrap();
            assert_eq!(out[0], 0xaa);
            let rec = out[1..].to_vec();
            assert_eq!(
                rec.len(),
                5 + plain.len() + config.overhead(),
                "{}",
                config.name()
            );
            let outer = match config {
                Config::Tls13(..) => ContentType::ApplicationData,
                Config::Tls12(..) => *typ,
            };
            assert_eq!(rec[0], u8::from(outer));
            assert_eq!(&rec[1..3], &[3, 3]);
            if let Config::Tls12(_, _, Tls12Nonce::GcmExplicit) = config {
                // RFC 5288 3: we send the sequence number as the explicit nonce.
                assert_eq!(&rec[5..13], &(i as u64).to_be_bytes());
            }
            // Encrypted: the plaintext does not appear as is.
            if plain.len() >= 8 {
                let body = &rec[5 + config.explicit_len()..];
                assert_ne!(&body[..plain.len()], &plain[..], "{}", config.name());
            }
            sealed.push(rec);
        }
        assert_eq!(enc.sequence_number(), plaintexts.len() as u64);
        for (i, rec) in sealed.iter().enumerate() {
            let (typ, plain) = open_owned(&mut dec, rec).unwrap();
            assert_eq!((typ, &plain), (plaintexts[i].0, &plaintexts[i].1));
            assert_eq!(dec.sequence_number(), i as u64 + 1);
        }
    }
}

#[test]
fn records_opened_out_of_order_fail() {
    for config in Config::all() {
        let (mut enc, mut dec) = config.pair();
        let mut r0 = Vec::new();
        let mut r1 = Vec::new();
        enc.seal(ContentType::ApplicationData, b"first", &mut r0)
            .unwrap();
        enc.seal(ContentType::ApplicationData, b"second", &mut r1)
            .unwrap();
        assert_bad_record_mac(open_owned(&mut dec, &r1), &config.name());
        // A failed open does not consume a sequence number.
        assert_eq!(dec.sequence_number(), 0);
        assert_eq!(open_owned(&mut dec, &r0).unwrap().1, b"first");
        // Replaying record 0 as record 1 fails.
        assert_bad_record_mac(open_owned(&mut dec, &r0), &config.name());
        assert_eq!(open_owned(&mut dec, &r1).unwrap().1, b"second");
    }
}

#[test]
fn a_flipped_bit_anywhere_is_bad_record_mac() {
    for config in Config::all() {
        let (mut enc, _) = config.pair();
        let mut rec = Vec::new();
        enc.seal(ContentType::Handshake, &bytes(40, 1), &mut rec)
            .unwrap();
        // Header: type and version bytes (the AAD; the length is implied by the
        // payload). Then explicit nonce, ciphertext and tag: every byte.
        let positions = (0..3).chain(5..rec.len());
        for pos in positions {
            for bit in [0x01u8, 0x80] {
                let (_, mut dec) = config.pair();
                let mut bad = rec.clone();
                bad[pos] ^= bit;
                let what = format!("{} byte {pos} bit {bit:#x}", config.name());
                let result = open_owned(&mut dec, &bad);
                if pos == 0 && matches!(config, Config::Tls13(..)) {
                    // RFC 8446 5, 5.2: a TLS 1.3 record whose outer type is not
                    // application_data is an unexpected record, refused before opening.
                    let err = result.expect_err(&what);
                    assert!(
                        matches!(err, Error::UnexpectedMessage { .. }),
                        "{what}: {err:?}"
                    );
                    assert_eq!(err.alert(), Some(AlertDescription::UnexpectedMessage));
                } else {
                    assert_bad_record_mac(result, &what);
                }
            }
        }
        // The untouched record still opens.
        let (_, mut dec) = config.pair();
        assert!(open_owned(&mut dec, &rec).is_ok());
    }
}

#[test]
fn records_too_short_for_a_tag_are_bad_record_mac() {
    for config in Config::all() {
        let (_, mut dec) = config.pair();
        // One byte short of explicit nonce + tag (+ nothing else).
        let len = config.explicit_len() + 16 - 1;
        let mut rec = vec![23, 3, 3, 0, len as u8];
        rec.extend(bytes(len, 5));
        assert_bad_record_mac(open_owned(&mut dec, &rec), &config.name());
        let empty = [23, 3, 3, 0, 0];
        assert_bad_record_mac(
            open_owned(&mut dec, &empty),
            &format!("{} empty", config.name()),
        );
    }
}

#[test]
fn oversize_records_are_record_overflow() {
    // At the deframer, for both protected limits and the plaintext one.
    for limit in [MAX_PLAINTEXT, MAX_TLS13_CIPHERTEXT, MAX_TLS12_CIPHERTEXT] {
        let mut d = Deframer::with_max_payload_len(limit);
        let len = (limit + 1) as u16;
        let [hi, lo] = len.to_be_bytes();
        assert_eq!(d.feed(&[23, 3, 3, hi, lo]), 5);
        let err = d.next_record().unwrap_err();
        assert_eq!(
            err,
            Error::InvalidMessage(InvalidMessage::RecordTooLarge {
                len: limit + 1,
                max: limit
            })
        );
        assert_eq!(err.alert(), Some(AlertDescription::RecordOverflow));
        // Exactly the limit is fine.
        let mut d = Deframer::with_max_payload_len(limit);
        let [hi, lo] = (limit as u16).to_be_bytes();
        d.feed(&[23, 3, 3, hi, lo]);
        assert!(d.next_record().unwrap().is_none());
    }
    // At a TLS 1.3 decrypter handed an over-long record directly.
    let (_, mut dec) = Config::Tls13(&AES_128_GCM, 16).pair();
    let mut payload = vec![0u8; MAX_TLS13_CIPHERTEXT + 1];
    let err = dec
        .open(InboundRecord {
            typ: ContentType::ApplicationData,
            version: 0x0303,
            payload: &mut payload,
        })
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidMessage(InvalidMessage::RecordTooLarge { .. })
    ));
    assert_eq!(err.alert(), Some(AlertDescription::RecordOverflow));
    // The encrypter refuses types that do not exist on the wire.
    for typ in [ContentType::Unknown(0), ContentType::Heartbeat] {
        let (mut enc, _) = Config::Tls13(&AES_128_GCM, 16).pair();
        let mut out = Vec::new();
        assert!(matches!(
            enc.seal(typ, b"x", &mut out),
            Err(Error::ApiMisuse(_))
        ));
        assert!(out.is_empty());
    }
    // The encrypter refuses plaintext over 2^14.
    for config in Config::all() {
        let (mut enc, _) = config.pair();
        let mut out = Vec::new();
        let err = enc
            .seal(
                ContentType::ApplicationData,
                &bytes(MAX_PLAINTEXT + 1, 0),
                &mut out,
            )
            .unwrap_err();
        assert_eq!(err, Error::EncryptError);
        assert!(out.is_empty());
        assert_eq!(enc.sequence_number(), 0);
    }
}

/// Seals a raw TLS 1.3 inner plaintext as record 0 with the provider directly, to build
/// records our encrypter refuses to make.
fn raw_tls13_record(inner: &[u8]) -> (Vec<u8>, RecordDecrypter) {
    let key = bytes(16, 1);
    let iv: [u8; 12] = bytes(12, 2).try_into().unwrap();
    let len = (inner.len() + 16) as u16;
    let [hi, lo] = len.to_be_bytes();
    let header = [23, 3, 3, hi, lo];
    let mut body = inner.to_vec();
    let k = AES_128_GCM.new_key(&key).unwrap();
    let tag = k.seal_in_place(&iv, &header, &mut body).unwrap(); // seq 0: nonce = iv
    let mut rec = header.to_vec();
    rec.extend(body);
    rec.extend(tag);
    (
        rec,
        RecordDecrypter::tls13(&AES_128_GCM, &key, &iv).unwrap(),
    )
}

#[test]
fn tls13_inner_plaintext_rules() {
    // RFC 8446 5.4: all padding, no type.
    let (rec, mut dec) = raw_tls13_record(&[0u8; 10]);
    let err = open_owned(&mut dec, &rec).unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::MissingInnerContentType)
    );
    assert_eq!(err.alert(), Some(AlertDescription::UnexpectedMessage));
    let (rec, mut dec) = raw_tls13_record(&[]);
    assert_eq!(
        open_owned(&mut dec, &rec).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::MissingInnerContentType)
    );

    // RFC 8446 5.2: content over 2^14 is record_overflow, even when the record fits.
    let mut inner = bytes(MAX_PLAINTEXT + 1, 3);
    inner.push(23);
    let (rec, mut dec) = raw_tls13_record(&inner);
    let err = open_owned(&mut dec, &rec).unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::PlaintextTooLarge(MAX_PLAINTEXT + 2))
    );
    assert_eq!(err.alert(), Some(AlertDescription::RecordOverflow));

    // RFC 8446 5.4: padding counts: "the full encoded TLSInnerPlaintext MUST NOT
    // exceed 2^14 + 1 octets". 2^14 of content and the type is the most...
    let mut inner = bytes(MAX_PLAINTEXT, 3);
    inner.push(22);
    let (rec, mut dec) = raw_tls13_record(&inner);
    let (typ, plain) = open_owned(&mut dec, &rec).unwrap();
    assert_eq!(typ, ContentType::Handshake);
    assert_eq!(plain, bytes(MAX_PLAINTEXT, 3));
    // ... one byte of padding more, or small content padded past it, is too much.
    for (content, padding) in [(MAX_PLAINTEXT, 1), (8193, 8192), (1, MAX_PLAINTEXT)] {
        let mut inner = bytes(content, 3);
        inner.push(22);
        inner.extend(vec![0u8; padding]);
        let (rec, mut dec) = raw_tls13_record(&inner);
        let err = open_owned(&mut dec, &rec).unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::PlaintextTooLarge(content + 1 + padding)),
            "{content} + {padding}"
        );
        assert_eq!(err.alert(), Some(AlertDescription::RecordOverflow));
    }

    // Content ending in zeros keeps them: only bytes after the type are padding.
    let (rec, mut dec) = raw_tls13_record(&[5, 0, 0, 21, 0, 0]);
    assert_eq!(
        open_owned(&mut dec, &rec).unwrap(),
        (ContentType::Alert, vec![5, 0, 0])
    );

    // RFC 8446 5: a protected change_cipher_spec is unexpected_message.
    let (rec, mut dec) = raw_tls13_record(&[1, 20]);
    let err = open_owned(&mut dec, &rec).unwrap_err();
    assert!(matches!(err, Error::UnexpectedMessage { .. }), "{err:?}");
    assert_eq!(err.alert(), Some(AlertDescription::UnexpectedMessage));

    // An unknown inner type is unexpected_message.
    let (rec, mut dec) = raw_tls13_record(&[1, 2, 99, 0]);
    let err = open_owned(&mut dec, &rec).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidMessage(InvalidMessage::UnknownContentType(99))
    );
    assert_eq!(err.alert(), Some(AlertDescription::UnexpectedMessage));
}

#[test]
fn tls13_padding_policies() {
    fn pad_to_100(_: ContentType, len: usize) -> usize {
        100usize.saturating_sub(len)
    }
    for (padding, plain_len, expect_inner) in [
        (Padding::ToMultipleOf(64), 10, 64),
        (Padding::ToMultipleOf(64), 63, 64),
        (Padding::ToMultipleOf(64), 64, 128),
        (Padding::Custom(pad_to_100), 30, 101),
        // Padding is cut so the inner plaintext stays within 2^14 + 1.
        (
            Padding::ToMultipleOf(1000),
            MAX_PLAINTEXT - 2,
            MAX_PLAINTEXT + 1,
        ),
    ] {
        let (mut enc, mut dec) = Config::Tls13(&CHACHA20_POLY1305, 32).pair();
        enc.set_padding(padding);
        let plain = bytes(plain_len, 8);
        let mut rec = Vec::new();
        enc.seal(ContentType::Handshake, &plain, &mut rec).unwrap();
        assert_eq!(rec.len(), 5 + expect_inner + 16, "{padding:?} {plain_len}");
        assert_eq!(
            open_owned(&mut dec, &rec).unwrap(),
            (ContentType::Handshake, plain)
        );
    }
}

#[test]
fn constructors_check_lengths() {
    let e = RecordEncrypter::tls13(&AES_128_GCM, &[0; 16], &[0; 11]).unwrap_err();
    assert!(matches!(e, Error::ApiMisuse(_)));
    let e = RecordDecrypter::tls13(&AES_128_GCM, &[0; 32], &[0; 12]).unwrap_err();
    assert!(matches!(e, Error::ApiMisuse(_)));
    let e = RecordEncrypter::tls12(&AES_128_GCM, &[0; 16], &[0; 12], Tls12Nonce::GcmExplicit)
        .unwrap_err();
    assert!(matches!(e, Error::ApiMisuse(_)));
    let e = RecordDecrypter::tls12(
        &CHACHA20_POLY1305,
        &[0; 32],
        &[0; 4],
        Tls12Nonce::XorSequence,
    )
    .unwrap_err();
    assert!(matches!(e, Error::ApiMisuse(_)));
}

// ---------------------------------------------------------------------------
// Sequence numbers

#[test]
fn sequence_numbers_never_wrap() {
    for config in Config::all() {
        let (mut enc, mut dec) = config.pair();
        enc.set_sequence_number(u64::MAX - 1);
        dec.set_sequence_number(u64::MAX - 1);
        let mut last = Vec::new();
        enc.seal(ContentType::ApplicationData, b"last", &mut last)
            .unwrap();
        if let Config::Tls12(_, _, Tls12Nonce::GcmExplicit) = config {
            assert_eq!(&last[5..13], &(u64::MAX - 1).to_be_bytes());
        }
        let mut out = Vec::new();
        assert_eq!(
            enc.seal(ContentType::ApplicationData, b"one more", &mut out),
            Err(Error::SequenceNumberExhausted)
        );
        assert!(out.is_empty());
        assert_eq!(
            open_owned(&mut dec, &last).unwrap(),
            (ContentType::ApplicationData, b"last".to_vec())
        );
        let err = open_owned(&mut dec, &last).unwrap_err();
        assert_eq!(err, Error::SequenceNumberExhausted, "{}", config.name());
        assert_eq!(err.alert(), Some(AlertDescription::InternalError));
    }
}

#[test]
fn key_update_is_due_before_the_confidentiality_limit() {
    let limit = AES_128_GCM.confidentiality_limit();
    let (mut enc, _) = Config::Tls13(&AES_128_GCM, 16).pair();
    assert!(!enc.needs_key_update());
    enc.set_sequence_number(limit - 2);
    assert!(!enc.needs_key_update());
    enc.seal(ContentType::ApplicationData, b"x", &mut Vec::new())
        .unwrap();
    // One record (the KeyUpdate) is left under this key.
    assert!(enc.needs_key_update());
    assert_eq!(enc.sequence_number(), limit - 1);

    // ChaCha20-Poly1305's limit is beyond the sequence space.
    let (mut enc, _) = Config::Tls13(&CHACHA20_POLY1305, 32).pair();
    enc.set_sequence_number(u64::MAX - 2);
    assert!(!enc.needs_key_update());
}

// ---------------------------------------------------------------------------
// RFC 8448 known answers

#[test]
fn rfc8448_server_handshake_record() {
    let rfc = Rfc8448::load();
    let anchor = "{server}  derive write traffic keys for handshake data";
    let key = rfc.value(anchor, "key expanded");
    let iv = rfc.value(anchor, "iv expanded");
    // The EncryptedExtensions..Finished flight, sent after the Finished is built.
    let anchor = "{server}  construct a Finished handshake message";
    let payload = rfc.value(anchor, "payload");
    let expected = rfc.value(anchor, "complete record");
    assert_eq!((payload.len(), expected.len()), (657, 679));

    let mut enc = RecordEncrypter::tls13(&AES_128_GCM, &key, &iv).unwrap();
    let mut out = Vec::new();
    enc.seal(ContentType::Handshake, &payload, &mut out)
        .unwrap();
    assert_eq!(hex_str(&out), hex_str(&expected));

    let mut dec = RecordDecrypter::tls13(&AES_128_GCM, &key, &iv).unwrap();
    assert_eq!(
        open_owned(&mut dec, &expected).unwrap(),
        (ContentType::Handshake, payload)
    );
}

#[test]
fn rfc8448_application_and_alert_records() {
    let rfc = Rfc8448::load();
    // Client: application data (record 0), then close_notify (record 1).
    let anchor = "{client}  derive write traffic keys for application data";
    let key = rfc.value(anchor, "key expanded");
    let iv = rfc.value(anchor, "iv expanded");
    let mut enc = RecordEncrypter::tls13(&AES_128_GCM, &key, &iv).unwrap();
    let mut dec = RecordDecrypter::tls13(&AES_128_GCM, &key, &iv).unwrap();
    for (anchor, typ) in [
        (
            "{client}  send application_data record",
            ContentType::ApplicationData,
        ),
        ("{client}  send alert record", ContentType::Alert),
    ] {
        let payload = rfc.value(anchor, "payload");
        let expected = rfc.value(anchor, "complete record");
        let mut out = Vec::new();
        enc.seal(typ, &payload, &mut out).unwrap();
        assert_eq!(hex_str(&out), hex_str(&expected), "{anchor}");
        assert_eq!(open_owned(&mut dec, &expected).unwrap(), (typ, payload));
    }

    // Server: NewSessionTicket (record 0) then application data (record 1).
    let anchor = "{server}  derive write traffic keys for application data";
    let key = rfc.value(anchor, "key expanded");
    let iv = rfc.value(anchor, "iv expanded");
    let mut enc = RecordEncrypter::tls13(&AES_128_GCM, &key, &iv).unwrap();
    for (anchor, typ) in [
        (
            "{server}  construct a NewSessionTicket handshake message",
            ContentType::Handshake,
        ),
        (
            "{server}  send application_data record",
            ContentType::ApplicationData,
        ),
    ] {
        let payload = rfc.value(anchor, "payload");
        let expected = rfc.value(anchor, "complete record");
        let mut out = Vec::new();
        enc.seal(typ, &payload, &mut out).unwrap();
        assert_eq!(hex_str(&out), hex_str(&expected), "{anchor}");
    }
}

fn hex_str(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

// ---------------------------------------------------------------------------
// Deframer

type Owned = (ContentType, u16, Vec<u8>);

/// A stream of plaintext records of assorted types and sizes, including empty and
/// maximum-size ones.
fn sample_stream() -> (Vec<u8>, Vec<Owned>) {
    let records: Vec<Owned> = vec![
        (ContentType::Handshake, 0x0301, bytes(200, 1)),
        (ContentType::ChangeCipherSpec, 0x0303, vec![1]),
        (ContentType::ApplicationData, 0x0303, Vec::new()),
        (
            ContentType::ApplicationData,
            0x0303,
            bytes(MAX_PLAINTEXT, 2),
        ),
        (ContentType::Alert, 0x0303, vec![2, 40]),
        (
            ContentType::ApplicationData,
            0x0303,
            bytes(MAX_PLAINTEXT, 3),
        ),
        (ContentType::Handshake, 0x0303, bytes(5000, 4)),
    ];
    let mut stream = Vec::new();
    for (typ, version, payload) in &records {
        encode_plain_record(*typ, *version, payload, &mut stream).unwrap();
    }
    (stream, records)
}

/// Feeds `stream` in the chunk sizes `next_chunk` picks, draining records as it goes,
/// and checks the buffer bound throughout.
fn deframe(stream: &[u8], mut next_chunk: impl FnMut() -> usize) -> Vec<Owned> {
    let mut d = Deframer::new();
    let bound = d.capacity_bound();
    let mut out = Vec::new();
    let mut at = 0;
    while at < stream.len() {
        let n = next_chunk().clamp(1, stream.len() - at);
        let mut chunk = &stream[at..at + n];
        while !chunk.is_empty() {
            let took = d.feed(chunk);
            assert!(d.buffered() <= bound);
            assert!(d.allocated() <= bound, "buffer grew past its bound");
            chunk = &chunk[took..];
            at += took;
            while let Some(r) = d.next_record().unwrap() {
                out.push((r.typ, r.version, r.payload.to_vec()));
            }
            if took == 0 {
                assert!(!chunk.is_empty());
                panic!("deframer full without a whole record");
            }
        }
    }
    assert!(d.is_empty());
    out
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn deframer_gives_the_same_records_for_any_chunking() {
    let (stream, records) = sample_stream();
    assert_eq!(deframe(&stream, || usize::MAX), records);
    assert_eq!(deframe(&stream, || 1), records);
    for seed in [1u64, 0x9e37_79b9_7f4a_7c15, 12345] {
        let mut rng = XorShift(seed);
        // Mostly small splits, sometimes large ones.
        let got = deframe(&stream, || {
            let r = rng.next();
            if r % 4 == 0 {
                (r >> 8) as usize % 20000
            } else {
                (r >> 8) as usize % 300
            }
        });
        assert_eq!(got, records, "seed {seed}");
    }
}

#[test]
fn deframer_feed_takes_only_what_fits() {
    let (stream, _) = sample_stream();
    let mut d = Deframer::new();
    let took = d.feed(&stream);
    assert_eq!(took, d.capacity_bound());
    assert_eq!(d.feed(&stream[took..]), 0);
    assert!(d.allocated() <= d.capacity_bound());
    // Draining the complete records makes room again.
    let mut n = 0;
    while d.next_record().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 3, "the records that fit whole in the first bound");
    assert!(d.feed(&stream[took..]) > 0);
}

#[test]
fn deframer_rejects_bad_headers_before_the_body() {
    let cases: [(&[u8], Error); 5] = [
        (
            &[24, 3, 3, 0, 10],
            InvalidMessage::UnknownContentType(24).into(),
        ),
        (
            &[0, 3, 3, 0, 1],
            InvalidMessage::UnknownContentType(0).into(),
        ),
        // An SSLv2-framed ClientHello: 2-byte length with the high bit set.
        (
            &[0x80, 0x2e, 0x01, 0x03, 0x01],
            InvalidMessage::UnknownContentType(0x80).into(),
        ),
        (
            &[22, 2, 0, 0, 10],
            InvalidMessage::BadRecordVersion(0x0200).into(),
        ),
        (
            &[22, 0x7f, 0x12, 0x40, 0x01],
            InvalidMessage::BadRecordVersion(0x7f12).into(),
        ),
    ];
    for (header, expected) in cases {
        let mut d = Deframer::new();
        // Four bytes are not yet a header: no verdict.
        for b in &header[..4] {
            assert_eq!(d.feed(&[*b]), 1);
            assert!(d.next_record().unwrap().is_none());
        }
        d.feed(&header[4..]);
        let err = d.next_record().unwrap_err();
        assert_eq!(err, expected);
    }
    let bad_version = Error::from(InvalidMessage::BadRecordVersion(0x0200));
    assert_eq!(bad_version.alert(), Some(AlertDescription::DecodeError));
    let bad_type = Error::from(InvalidMessage::UnknownContentType(24));
    assert_eq!(bad_type.alert(), Some(AlertDescription::UnexpectedMessage));

    // A bad header after a good record is caught once the good one is drained.
    let mut d = Deframer::new();
    d.feed(&[22, 3, 3, 0, 1, 9, 24, 3, 3]);
    assert_eq!(d.next_record().unwrap().unwrap().payload, &[9]);
    assert!(d.next_record().unwrap().is_none());
    d.feed(&[0, 1]);
    assert!(d.next_record().is_err());
}

#[test]
fn deframer_limit_changes_apply_to_the_next_header() {
    let mut d = Deframer::new();
    let big = MAX_PLAINTEXT + 100;
    let [hi, lo] = (big as u16).to_be_bytes();
    d.feed(&[23, 3, 3, hi, lo]);
    assert!(d.next_record().is_err());
    d.set_max_payload_len(MAX_TLS13_CIPHERTEXT);
    assert!(d.next_record().unwrap().is_none());
    let body = bytes(big, 0);
    assert_eq!(d.feed(&body), big);
    assert_eq!(d.next_record().unwrap().unwrap().payload, &body[..]);
    assert!(d.allocated() <= 5 + MAX_TLS13_CIPHERTEXT);
}

#[test]
fn deframer_reads_from_io() {
    struct Trickle<'a>(&'a [u8], usize);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let (stream, records) = sample_stream();
    let mut src = Trickle(&stream, 777);
    let mut d = Deframer::new();
    let mut got = Vec::new();
    loop {
        let n = d.read(&mut src).unwrap();
        while let Some(r) = d.next_record().unwrap() {
            got.push((r.typ, r.version, r.payload.to_vec()));
        }
        if n == 0 {
            break;
        }
    }
    assert_eq!(got, records);
    // A full buffer refuses to read rather than reporting end of stream.
    let mut d = Deframer::new();
    let mut src = Trickle(&stream, usize::MAX);
    while d.room() > 0 {
        d.read(&mut src).unwrap();
    }
    assert!(d.read(&mut src).is_err());
}

#[test]
fn deframer_and_decrypter_open_in_place_at_random_splits() {
    for config in Config::all() {
        let (mut enc, mut dec) = config.pair();
        let plains: Vec<(ContentType, Vec<u8>)> = (0..20)
            .map(|i| {
                let typ = if i % 3 == 0 {
                    ContentType::Handshake
                } else {
                    ContentType::ApplicationData
                };
                (typ, bytes((i * 997) % (MAX_PLAINTEXT + 1), i as u8))
            })
            .collect();
        let mut stream = Vec::new();
        for (typ, p) in &plains {
            enc.seal(*typ, p, &mut stream).unwrap();
        }
        let mut d = Deframer::with_max_payload_len(match config {
            Config::Tls13(..) => MAX_TLS13_CIPHERTEXT,
            Config::Tls12(..) => MAX_TLS12_CIPHERTEXT,
        });
        let mut rng = XorShift(7);
        let mut got = Vec::new();
        let mut at = 0;
        while at < stream.len() {
            let n = ((rng.next() % 5000) as usize + 1).min(stream.len() - at);
            at += d.feed(&stream[at..at + n]);
            while let Some(rec) = d.next_record().unwrap() {
                let p = dec.open(rec).unwrap();
                got.push((p.typ, p.payload.to_vec()));
            }
        }
        assert_eq!(got, plains, "{}", config.name());
    }
}

// ---------------------------------------------------------------------------
// Handshake joiner

fn hs(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn drain(j: &mut HandshakeJoiner) -> Vec<(HandshakeType, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(m) = j.next_message() {
        assert_eq!(m.body(), &m.encoding[4..]);
        out.push((m.typ, m.encoding.to_vec()));
    }
    out
}

#[test]
fn joiner_message_across_three_records() {
    let cert = hs(11, &bytes(3000, 1));
    let mut j = HandshakeJoiner::new();
    j.push(&cert[..2]).unwrap(); // header split too
    assert!(j.has_partial());
    assert!(j.next_message().is_none());
    j.push(&cert[2..1500]).unwrap();
    assert!(j.next_message().is_none());
    j.push(&cert[1500..]).unwrap();
    assert!(!j.has_partial());
    assert_eq!(drain(&mut j), vec![(HandshakeType::Certificate, cert)]);
    assert!(j.is_empty());
}

#[test]
fn joiner_three_messages_in_one_record_and_mixes() {
    let ee = hs(8, &bytes(40, 1));
    let cert = hs(11, &bytes(900, 2));
    let done = hs(14, &[]);
    let fin = hs(20, &bytes(32, 3));
    let mut rec = ee.clone();
    rec.extend(&cert);
    rec.extend(&done);
    let mut j = HandshakeJoiner::new();
    j.push(&rec).unwrap();
    assert_eq!(
        drain(&mut j),
        vec![
            (HandshakeType::EncryptedExtensions, ee.clone()),
            (HandshakeType::Certificate, cert.clone()),
            (HandshakeType::ServerHelloDone, done.clone()),
        ]
    );
    // Tail of one message + a whole one + the head of the next.
    let mut all = ee.clone();
    all.extend(&cert);
    all.extend(&fin);
    j.push(&all[..30]).unwrap();
    j.push(&all[30..ee.len() + cert.len() + 2]).unwrap();
    let got = drain(&mut j);
    assert_eq!(got.len(), 2);
    assert!(j.has_partial());
    j.push(&all[ee.len() + cert.len() + 2..]).unwrap();
    assert_eq!(drain(&mut j), vec![(HandshakeType::Finished, fin)]);
    assert!(j.is_empty());
}

#[test]
fn joiner_caps_message_size_before_the_body() {
    let mut j = HandshakeJoiner::with_max_message_len(1000);
    assert_eq!(j.max_message_len(), 1000);
    // Exactly the cap is fine.
    j.push(&hs(11, &bytes(1000, 0))).unwrap();
    assert_eq!(drain(&mut j).len(), 1);
    // One over: the header alone fails, split across two records.
    j.push(&[11, 0]).unwrap();
    let err = j.push(&[3, 0xe9]).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidMessage(InvalidMessage::TooLong {
            what: "handshake message",
            len: 1001,
            max: 1000
        })
    );
    assert_eq!(err.alert(), Some(AlertDescription::DecodeError));
    // The default cap is 64 KiB; a 16 MiB declaration fails at once.
    let mut j = HandshakeJoiner::new();
    assert!(matches!(
        j.push(&[11, 0xff, 0xff, 0xff]),
        Err(Error::InvalidMessage(InvalidMessage::TooLong { .. }))
    ));
    // A second message in the same record is checked too.
    let mut j = HandshakeJoiner::with_max_message_len(100);
    let mut rec = hs(8, &[1, 2]);
    rec.extend([11, 0, 0, 101]);
    assert!(j.push(&rec).is_err());
}

#[test]
fn joiner_reports_pending_fragments() {
    let mut j = HandshakeJoiner::new();
    assert!(j.is_empty() && !j.has_partial());
    assert!(j.check_key_change().is_ok());
    assert!(j.check_interleaved(ContentType::Alert).is_ok());

    let fin = hs(20, &bytes(32, 0));
    j.push(&fin[..10]).unwrap();
    assert!(!j.is_empty() && j.has_partial());
    let err = j.check_key_change().unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::KeyChangeWithPendingFragment)
    );
    assert_eq!(err.alert(), Some(AlertDescription::UnexpectedMessage));
    for typ in [
        ContentType::Alert,
        ContentType::ApplicationData,
        ContentType::ChangeCipherSpec,
    ] {
        let err = j.check_interleaved(typ).unwrap_err();
        assert_eq!(
            err,
            Error::PeerMisbehaved(PeerMisbehaved::InterleavedWithHandshakeFragment(typ))
        );
        assert_eq!(err.alert(), Some(AlertDescription::UnexpectedMessage));
    }
    assert!(j.check_interleaved(ContentType::Handshake).is_ok());

    // Whole but unconsumed: not partial, yet a key change must still wait.
    j.push(&fin[10..]).unwrap();
    assert!(!j.has_partial() && !j.is_empty());
    assert!(j.check_key_change().is_err());
    assert!(j.next_message().is_some());
    assert!(j.is_empty());
    assert!(j.check_key_change().is_ok());
}

#[test]
fn joiner_rejects_empty_records() {
    let mut j = HandshakeJoiner::new();
    let err = j.push(&[]).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidMessage(InvalidMessage::EmptyFragment(ContentType::Handshake))
    );
    assert_eq!(err.alert(), Some(AlertDescription::UnexpectedMessage));
}

// ---------------------------------------------------------------------------
// Fragmenter

#[test]
fn fragmenter_sizes_and_boundaries() {
    let f = Fragmenter::new();
    assert_eq!(f.max_fragment(), MAX_PLAINTEXT);
    let sizes = |f: &Fragmenter, len: usize| -> Vec<usize> {
        let data = bytes(len, 0);
        let frags: Vec<&[u8]> = f.fragment(&data).collect();
        assert_eq!(frags.concat(), data);
        frags.iter().map(|x| x.len()).collect()
    };
    assert_eq!(sizes(&f, 0), Vec::<usize>::new());
    assert_eq!(sizes(&f, 1), [1]);
    assert_eq!(sizes(&f, MAX_PLAINTEXT), [MAX_PLAINTEXT]);
    assert_eq!(sizes(&f, MAX_PLAINTEXT + 1), [MAX_PLAINTEXT, 1]);
    assert_eq!(sizes(&f, 40000), [16384, 16384, 7232]);

    let f = Fragmenter::with_max_fragment(64).unwrap();
    assert_eq!(sizes(&f, 130), [64, 64, 2]);
    assert_eq!(sizes(&f, 128), [64, 64]);
    assert_eq!(f.fragment(&bytes(1000, 0)).len(), 16);

    assert!(matches!(
        Fragmenter::with_max_fragment(0),
        Err(Error::ApiMisuse(_))
    ));
    assert!(matches!(
        Fragmenter::with_max_fragment(MAX_PLAINTEXT + 1),
        Err(Error::ApiMisuse(_))
    ));
    let mut f = Fragmenter::new();
    f.set_max_fragment(1).unwrap();
    assert_eq!(sizes(&f, 3), [1, 1, 1]);
}

#[test]
fn plain_records_are_encoded_with_their_header() {
    let mut out = vec![0xff];
    encode_plain_record(ContentType::Handshake, 0x0301, &[1, 2, 3], &mut out).unwrap();
    assert_eq!(out, [0xff, 22, 3, 1, 0, 3, 1, 2, 3]);
    assert!(
        encode_plain_record(
            ContentType::ApplicationData,
            0x0303,
            &bytes(MAX_PLAINTEXT + 1, 0),
            &mut out
        )
        .is_err()
    );
}

/// TLS 1.2 has no published trace, so build the expected records by hand from the RFC
/// text with the raw AEAD and compare byte for byte.
#[test]
fn tls12_record_layout_follows_the_rfcs() {
    for (aead, key_len, nonce_kind) in tls12_aeads() {
        let key = bytes(key_len, 3);
        let fixed_iv = bytes(nonce_kind.fixed_iv_len(), 4);
        let mut enc = RecordEncrypter::tls12(aead, &key, &fixed_iv, nonce_kind).unwrap();
        let raw = aead.new_key(&key).unwrap();
        for seq in 0u64..3 {
            let typ = ContentType::ApplicationData;
            let plain = bytes(50 + seq as usize, 6);
            let mut got = Vec::new();
            enc.seal(typ, &plain, &mut got).unwrap();

            let nonce: [u8; 12] = match nonce_kind {
                // RFC 5288 3: salt || nonce_explicit (our sequence number).
                Tls12Nonce::GcmExplicit => [&fixed_iv[..], &seq.to_be_bytes()[..]]
                    .concat()
                    .try_into()
                    .unwrap(),
                // RFC 7905 2: IV XOR the left-padded sequence number.
                Tls12Nonce::XorSequence => {
                    let mut n: [u8; 12] = fixed_iv.clone().try_into().unwrap();
                    for (i, b) in seq.to_be_bytes().iter().enumerate() {
                        n[4 + i] ^= b;
                    }
                    n
                }
            };
            // RFC 5246 6.2.3.3: seq_num + type + version + length (of the plaintext).
            let mut aad = seq.to_be_bytes().to_vec();
            aad.push(23);
            aad.extend([3, 3]);
            aad.extend((plain.len() as u16).to_be_bytes());
            let mut body = plain.clone();
            let tag = raw.seal_in_place(&nonce, &aad, &mut body).unwrap();
            let explicit = if nonce_kind == Tls12Nonce::GcmExplicit {
                seq.to_be_bytes().to_vec()
            } else {
                Vec::new()
            };
            let len = (explicit.len() + body.len() + 16) as u16;
            let mut want = vec![23, 3, 3];
            want.extend(len.to_be_bytes());
            want.extend(explicit);
            want.extend(body);
            want.extend(tag);
            assert_eq!(got, want, "{} record {seq}", aead.name());
        }
    }
}

// ---------------------------------------------------------------------------
// Sealing in place

/// Every encrypter pair the connection can use: TLS 1.3 (with and without padding) and
/// TLS 1.2, each AEAD; two encrypters with the same keys.
fn encrypter_pairs() -> Vec<(RecordEncrypter, RecordEncrypter)> {
    let mut pairs = Vec::new();
    for (aead, key_len) in tls13_aeads() {
        let key = bytes(key_len, 1);
        for padding in [Padding::None, Padding::ToMultipleOf(64)] {
            let make = || {
                let mut e = RecordEncrypter::tls13(aead, &key, &[7; 12]).unwrap();
                e.set_padding(padding);
                e
            };
            pairs.push((make(), make()));
        }
    }
    for (aead, key_len, nonce) in tls12_aeads() {
        let key = bytes(key_len, 2);
        let iv = bytes(nonce.fixed_iv_len(), 3);
        let make = || RecordEncrypter::tls12(aead, &key, &iv, nonce).unwrap();
        pairs.push((make(), make()));
    }
    pairs
}

/// `seal` lays the record out with zeroed room and seals it in place; here the caller
/// lays it out with room full of 0xaa, so any room byte `seal_in_place` failed to
/// write (header, explicit nonce, type byte, padding, tag) would show.
#[test]
fn sealing_in_place_gives_the_same_records_as_sealing_into_a_vec() {
    for (mut appending, mut in_place) in encrypter_pairs() {
        for len in [0, 1, 100, 1000, MAX_PLAINTEXT] {
            let content = bytes(len, 9);
            let mut expected = Vec::new();
            appending
                .seal(ContentType::ApplicationData, &content, &mut expected)
                .unwrap();
            let (before, after) = in_place.in_place_room(ContentType::ApplicationData, len);
            let mut record = vec![0xaa; before + len + after];
            record[before..before + len].copy_from_slice(&content);
            in_place
                .seal_in_place(ContentType::ApplicationData, &mut record, len)
                .unwrap();
            assert_eq!(record, expected, "{in_place:?}, {len} bytes");
        }
        // Wrong room or too much content: refused, and the sequence number stays.
        let seq = in_place.sequence_number();
        let (before, after) = in_place.in_place_room(ContentType::ApplicationData, 10);
        let mut short = vec![0; before + 10 + after - 1];
        assert!(matches!(
            in_place.seal_in_place(ContentType::ApplicationData, &mut short, 10),
            Err(Error::ApiMisuse(_))
        ));
        let mut huge = vec![0; MAX_PLAINTEXT + 64];
        assert_eq!(
            in_place.seal_in_place(ContentType::ApplicationData, &mut huge, MAX_PLAINTEXT + 1),
            Err(Error::EncryptError)
        );
        assert_eq!(in_place.sequence_number(), seq);
    }
}
