//! Unit tests of the generic extension-block code and the hello messages' framing.

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::codec::{Codec, Reader};
use crate::enums::{CipherSuite, Compression, ExtensionType, NamedGroup, ProtocolVersion};
use crate::error::InvalidMessage;

fn hello(extensions: Option<Vec<ClientExtension>>) -> ClientHello {
    ClientHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: [3; 32],
        session_id: vec![9; 32],
        cipher_suites: vec![CipherSuite::TLS13_AES_256_GCM_SHA384],
        compression_methods: vec![Compression::Null],
        extensions,
    }
}

#[test]
fn missing_and_empty_extension_blocks_stay_distinct() {
    let none = hello(None).get_encoding();
    let empty = hello(Some(vec![])).get_encoding();
    // An empty block is its two-byte zero length.
    assert_eq!(empty.len(), none.len() + 2);
    assert_eq!(empty[none.len()..], [0, 0]);
    assert_eq!(
        ClientHello::read_bytes(&none, "ch").unwrap().extensions,
        None
    );
    assert_eq!(
        ClientHello::read_bytes(&empty, "ch").unwrap().extensions,
        Some(vec![])
    );
}

#[test]
fn unknown_extensions_re_encode_byte_identically() {
    // RFC 8701 GREASE type with arbitrary content, and a known-but-uninterpreted type.
    let block = [
        0x00, 0x0a, // block length
        0x3a, 0x3a, 0x00, 0x01, 0x00, // GREASE, one byte
        0x00, 0x01, 0x00, 0x01, 0x04, // max_fragment_length 2^12
    ];
    let mut r = Reader::new(&block);
    let exts: Vec<ClientExtension> = read_extension_block(&mut r, "block").unwrap();
    assert!(r.is_empty());
    assert_eq!(
        exts,
        [
            ClientExtension::Unknown {
                typ: ExtensionType::Unknown(0x3a3a),
                data: vec![0],
            },
            ClientExtension::Unknown {
                typ: ExtensionType::MaxFragmentLength,
                data: vec![4],
            },
        ]
    );
    let mut out = Vec::new();
    put_extension_block(&mut out, &exts);
    assert_eq!(out, block);
}

#[test]
fn duplicates_are_found_wherever_they_are() {
    let ext = |typ: u16| ClientExtension::Unknown {
        typ: ExtensionType::from(typ),
        data: vec![],
    };
    // Sorting must find the pair even when it is far apart.
    let exts: Vec<ClientExtension> = (0x100..0x140).map(ext).chain([ext(0x100)]).collect();
    let mut bytes = Vec::new();
    put_extension_block(&mut bytes, &exts);
    assert_eq!(
        read_extension_block::<ClientExtension>(&mut Reader::new(&bytes), "block"),
        Err(InvalidMessage::DuplicateExtension(0x100))
    );
    let distinct: Vec<ClientExtension> = (0x100..0x140).map(ext).collect();
    let mut bytes = Vec::new();
    put_extension_block(&mut bytes, &distinct);
    assert_eq!(
        read_extension_block::<ClientExtension>(&mut Reader::new(&bytes), "block").unwrap(),
        distinct
    );
}

#[test]
fn hello_retry_request_is_recognised_by_its_random() {
    let hrr = HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSv1_2,
        session_id: vec![],
        cipher_suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
        compression_method: Compression::Null,
        extensions: vec![HelloRetryExtension::KeyShare(NamedGroup::secp384r1)],
    };
    let mut bytes = Vec::new();
    hrr.encode(&mut bytes);
    assert_eq!(bytes[2..34], HELLO_RETRY_REQUEST_RANDOM);
    assert_eq!(
        ServerHelloOrRetry::read_bytes(&bytes, "hrr").unwrap(),
        ServerHelloOrRetry::HelloRetryRequest(hrr)
    );
    // One bit away from the special random, it is an ordinary ServerHello whose
    // key_share (a bare group) is then malformed.
    bytes[33] ^= 1;
    assert_eq!(
        ServerHelloOrRetry::read_bytes(&bytes, "sh"),
        Err(InvalidMessage::Truncated("key_exchange"))
    );
}

#[test]
fn binders_length_matches_their_encoding() {
    let offer = PresharedKeyOffer {
        identities: vec![
            PskIdentity {
                identity: vec![1; 10],
                obfuscated_ticket_age: 1,
            },
            PskIdentity {
                identity: vec![2; 5],
                obfuscated_ticket_age: 2,
            },
        ],
        binders: vec![vec![0; 32], vec![0; 48]],
    };
    let all = offer.get_encoding();
    let identities_len = 2 + (2 + 10 + 4) + (2 + 5 + 4);
    assert_eq!(offer.binders_encoded_len(), all.len() - identities_len);
    let msg = HandshakeMessage::from(HandshakePayload::ClientHello(hello(Some(vec![
        ClientExtension::PreSharedKey(offer.clone()),
    ]))));
    let full = msg.get_encoding();
    let truncated = msg.encoding_for_binders();
    assert_eq!(
        truncated[..],
        full[..full.len() - offer.binders_encoded_len()]
    );
    // A message without a PSK offer is not truncated.
    let plain = HandshakeMessage::from(HandshakePayload::ClientHello(hello(None)));
    assert_eq!(plain.encoding_for_binders(), plain.get_encoding());
}

#[test]
fn handshake_header_length_is_checked() {
    // Finished takes the rest of its body; the u24 length bounds it.
    let msg = [20, 0, 0, 2, 0xaa, 0xbb];
    let mut r = Reader::new(&msg);
    assert_eq!(
        HandshakeMessage::read_version(&mut r, ProtocolVersion::TLSv1_3)
            .unwrap()
            .payload,
        HandshakePayload::Finished(vec![0xaa, 0xbb])
    );
    assert_eq!(
        HandshakeMessage::read_bytes(&msg[..5], ProtocolVersion::TLSv1_3),
        Err(InvalidMessage::Truncated("handshake message body"))
    );
    assert_eq!(
        HandshakeMessage::read_bytes(&[20, 0, 0], ProtocolVersion::TLSv1_3),
        Err(InvalidMessage::Truncated("handshake message body"))
    );
}
