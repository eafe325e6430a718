//! The handshake message and extension codec: hand-built round trips of every message
//! and extension, real bytes (RFC 8448 traces, ClientHellos captured from
//! `openssl s_client`) re-encoded byte for byte, seeded random round trips, random and
//! mutated input that must never panic, and the exact error for malformed input.
use crate::common;

use std::fmt::Debug;

use common::{Rfc8448, hex};
use handclasp::InvalidMessage;
use handclasp::unstable::codec::{Codec, Reader};
use handclasp::unstable::enums::*;
use handclasp::unstable::msgs::*;

const V12: ProtocolVersion = ProtocolVersion::TLSv1_2;
const V13: ProtocolVersion = ProtocolVersion::TLSv1_3;

// ---------------------------------------------------------------------------------
// A small seeded PRNG (xorshift64*) and generators of valid values.
// ---------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next() % one_in == 0
    }
    fn u8(&mut self) -> u8 {
        self.next() as u8
    }
    fn u16(&mut self) -> u16 {
        self.next() as u16
    }
    fn u32(&mut self) -> u32 {
        self.next() as u32
    }
    fn bytes(&mut self, lo: usize, hi: usize) -> Vec<u8> {
        let n = self.range(lo, hi);
        (0..n).map(|_| self.u8()).collect()
    }
    fn list<T>(&mut self, lo: usize, hi: usize, mut f: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let n = self.range(lo, hi);
        (0..n).map(|_| f(self)).collect()
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.range(0, i);
            items.swap(i, j);
        }
    }
    /// An extension type this library has no name for (often an RFC 8701 GREASE value).
    fn unknown_ext_type(&mut self, used: &mut Vec<u16>) -> ExtensionType {
        loop {
            let v = if self.chance(3) {
                let n = self.u8() & 0xf0 | 0x0a;
                u16::from_be_bytes([n, n])
            } else {
                self.u16()
            };
            if matches!(ExtensionType::from(v), ExtensionType::Unknown(_)) && !used.contains(&v) {
                used.push(v);
                return ExtensionType::from(v);
            }
        }
    }
}

/// How many ClientExtension variants `client_ext` can make (excluding Unknown).
const CLIENT_EXT_KINDS: usize = 21;

fn client_ext(rng: &mut Rng, kind: usize) -> ClientExtension {
    use ClientExtension as E;
    match kind {
        0 => E::ServerName(rng.list(1, 3, |r| ServerNameEntry {
            typ: ServerNameType::from(if r.chance(2) { 0 } else { r.u8() }),
            name: r.bytes(1, 20),
        })),
        1 => {
            if rng.chance(2) {
                E::StatusRequest(CertificateStatusRequest::Ocsp {
                    responder_ids: rng.list(0, 3, |r| r.bytes(1, 10)),
                    extensions: rng.bytes(0, 10),
                })
            } else {
                E::StatusRequest(CertificateStatusRequest::Unknown {
                    typ: CertificateStatusType::from(rng.range(2, 255) as u8),
                    data: rng.bytes(0, 10),
                })
            }
        }
        2 => E::SupportedGroups(rng.list(1, 10, |r| NamedGroup::from(r.u16()))),
        3 => E::EcPointFormats(rng.list(1, 3, |r| ECPointFormat::from(r.u8()))),
        4 => E::SignatureAlgorithms(rng.list(1, 10, |r| SignatureScheme::from(r.u16()))),
        5 => E::SignatureAlgorithmsCert(rng.list(1, 10, |r| SignatureScheme::from(r.u16()))),
        6 => E::Alpn(rng.list(1, 4, |r| r.bytes(1, 10))),
        7 => E::SignedCertificateTimestamp,
        8 => E::Padding(rng.bytes(0, 50)),
        9 => E::ExtendedMasterSecret,
        10 => E::RecordSizeLimit(rng.u16()),
        11 => E::SessionTicket(rng.bytes(0, 50)),
        12 => {
            let n = rng.range(1, 3);
            E::PreSharedKey(PresharedKeyOffer {
                identities: (0..n)
                    .map(|_| PskIdentity {
                        identity: rng.bytes(1, 40),
                        obfuscated_ticket_age: rng.u32(),
                    })
                    .collect(),
                binders: (0..n).map(|_| rng.bytes(32, 48)).collect(),
            })
        }
        13 => E::EarlyData,
        14 => E::SupportedVersions(rng.list(1, 5, |r| ProtocolVersion::from(r.u16()))),
        15 => E::Cookie(rng.bytes(1, 50)),
        16 => E::PskKeyExchangeModes(rng.list(1, 2, |r| PskKeyExchangeMode::from(r.u8()))),
        17 => E::CertificateAuthorities(rng.list(1, 3, |r| r.bytes(1, 20))),
        18 => E::PostHandshakeAuth,
        19 => E::KeyShare(rng.list(0, 3, key_share)),
        20 => E::RenegotiationInfo(rng.bytes(0, 12)),
        _ => unreachable!(),
    }
}

fn key_share(rng: &mut Rng) -> KeyShareEntry {
    KeyShareEntry {
        group: NamedGroup::from(rng.u16()),
        payload: rng.bytes(1, 65),
    }
}

const SERVER_EXT_KINDS: usize = 14;

fn server_ext(rng: &mut Rng, kind: usize) -> ServerExtension {
    use ServerExtension as E;
    match kind {
        0 => E::ServerNameAck,
        1 => E::StatusRequestAck,
        2 => E::SupportedGroups(rng.list(1, 10, |r| NamedGroup::from(r.u16()))),
        3 => E::EcPointFormats(rng.list(1, 3, |r| ECPointFormat::from(r.u8()))),
        4 => E::Alpn(rng.bytes(1, 20)),
        5 => E::SignedCertificateTimestamp(rng.list(1, 3, |r| r.bytes(1, 30))),
        6 => E::ExtendedMasterSecret,
        7 => E::RecordSizeLimit(rng.u16()),
        8 => E::SessionTicketAck,
        9 => E::PreSharedKey(rng.u16()),
        10 => E::EarlyData,
        11 => E::SupportedVersions(ProtocolVersion::from(rng.u16())),
        12 => E::KeyShare(key_share(rng)),
        13 => E::RenegotiationInfo(rng.bytes(0, 12)),
        _ => unreachable!(),
    }
}

fn hrr_ext(rng: &mut Rng, kind: usize) -> HelloRetryExtension {
    match kind {
        0 => HelloRetryExtension::KeyShare(NamedGroup::from(rng.u16())),
        1 => HelloRetryExtension::Cookie(rng.bytes(1, 60)),
        2 => HelloRetryExtension::SupportedVersions(ProtocolVersion::from(rng.u16())),
        _ => unreachable!(),
    }
}

fn certreq_ext(rng: &mut Rng, kind: usize) -> CertReqExtension {
    match kind {
        0 => CertReqExtension::SignatureAlgorithms(rng.list(1, 6, |r| r.u16().into())),
        1 => CertReqExtension::SignatureAlgorithmsCert(rng.list(1, 6, |r| r.u16().into())),
        2 => CertReqExtension::CertificateAuthorities(rng.list(1, 3, |r| r.bytes(1, 20))),
        _ => unreachable!(),
    }
}

fn cert_ext(rng: &mut Rng, kind: usize) -> CertificateExtension {
    match kind {
        0 => CertificateExtension::StatusRequest(CertificateStatus {
            ocsp_response: rng.bytes(1, 40),
        }),
        1 => CertificateExtension::SignedCertificateTimestamp(rng.list(1, 3, |r| r.bytes(1, 30))),
        _ => unreachable!(),
    }
}

/// A random valid extension block: distinct known kinds plus unknown ones, shuffled.
fn ext_block<E>(
    rng: &mut Rng,
    kinds: usize,
    mut make: impl FnMut(&mut Rng, usize) -> E,
    unknown: impl Fn(ExtensionType, Vec<u8>) -> E,
) -> Vec<E> {
    let mut chosen: Vec<usize> = (0..kinds).filter(|_| rng.chance(2)).collect();
    rng.shuffle(&mut chosen);
    let mut exts: Vec<E> = chosen.into_iter().map(|k| make(rng, k)).collect();
    let mut used = Vec::new();
    for _ in 0..rng.range(0, 3) {
        let typ = rng.unknown_ext_type(&mut used);
        let pos = rng.range(0, exts.len());
        exts.insert(pos, unknown(typ, rng.bytes(0, 20)));
    }
    exts
}

fn client_hello(rng: &mut Rng) -> ClientHello {
    let extensions = if rng.chance(8) {
        None
    } else {
        let mut exts = ext_block(rng, CLIENT_EXT_KINDS, client_ext, |typ, data| {
            ClientExtension::Unknown { typ, data }
        });
        // RFC 8446 4.2.11: pre_shared_key goes last.
        if let Some(pos) = exts
            .iter()
            .position(|e| matches!(e, ClientExtension::PreSharedKey(_)))
        {
            let psk = exts.remove(pos);
            exts.push(psk);
        }
        Some(exts)
    };
    ClientHello {
        legacy_version: ProtocolVersion::from(rng.u16()),
        random: rng.bytes(32, 32).try_into().unwrap(),
        session_id: rng.bytes(0, 32),
        cipher_suites: rng.list(1, 20, |r| CipherSuite::from(r.u16())),
        compression_methods: rng.list(1, 3, |r| Compression::from(r.u8())),
        extensions,
    }
}

fn server_exts(rng: &mut Rng) -> Vec<ServerExtension> {
    ext_block(rng, SERVER_EXT_KINDS, server_ext, |typ, data| {
        ServerExtension::Unknown { typ, data }
    })
}

fn cert_entry(rng: &mut Rng) -> CertificateEntry {
    CertificateEntry {
        cert: rng.bytes(1, 100),
        extensions: ext_block(rng, 2, cert_ext, |typ, data| {
            CertificateExtension::Unknown { typ, data }
        }),
    }
}

/// Handshake types whose body this library decodes (others are kept raw).
const DECODED_TYPES: &[u8] = &[0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24];

/// How many payload kinds `message` can make.
const MESSAGE_KINDS: usize = 20;

/// A random valid message of kind `kind`, with the version it must be decoded under.
fn message(rng: &mut Rng, kind: usize) -> (HandshakeMessage, ProtocolVersion) {
    use HandshakePayload as P;
    let any = if rng.chance(2) { V12 } else { V13 };
    let (payload, version) =
        match kind {
            0 => (P::HelloRequest, V12),
            1 => (P::ClientHello(client_hello(rng)), any),
            2 => (
                P::ServerHello(ServerHello {
                    legacy_version: ProtocolVersion::from(rng.u16()),
                    random: rng.bytes(32, 32).try_into().unwrap(),
                    session_id: rng.bytes(0, 32),
                    cipher_suite: CipherSuite::from(rng.u16()),
                    compression_method: Compression::from(rng.u8()),
                    extensions: if rng.chance(6) {
                        None
                    } else {
                        Some(server_exts(rng))
                    },
                }),
                any,
            ),
            3 => (
                P::HelloRetryRequest(HelloRetryRequest {
                    legacy_version: V12,
                    session_id: rng.bytes(0, 32),
                    cipher_suite: CipherSuite::from(rng.u16()),
                    compression_method: Compression::Null,
                    extensions: ext_block(rng, 3, hrr_ext, |typ, data| {
                        HelloRetryExtension::Unknown { typ, data }
                    }),
                }),
                any,
            ),
            4 => (P::EncryptedExtensions(server_exts(rng)), V13),
            5 => (
                P::CertificateTls12(CertificateTls12 {
                    certs: rng.list(0, 3, |r| r.bytes(1, 100)),
                }),
                V12,
            ),
            6 => (
                P::CertificateTls13(CertificateTls13 {
                    context: rng.bytes(0, 4),
                    entries: rng.list(0, 3, cert_entry),
                }),
                V13,
            ),
            7 => (
                P::ServerKeyExchange(EcdheServerKeyExchange {
                    params: EcdheParams {
                        group: NamedGroup::from(rng.u16()),
                        public: rng.bytes(1, 65),
                    },
                    signature: signed(rng),
                }),
                V12,
            ),
            8 => (
                P::CertificateRequestTls12(CertificateRequestTls12 {
                    cert_types: rng.list(1, 3, |r| ClientCertificateType::from(r.u8())),
                    sig_schemes: rng.list(1, 5, |r| SignatureScheme::from(r.u16())),
                    authorities: rng.list(0, 3, |r| r.bytes(1, 20)),
                }),
                V12,
            ),
            9 => (
                P::CertificateRequestTls13(CertificateRequestTls13 {
                    context: rng.bytes(0, 4),
                    extensions: ext_block(rng, 3, certreq_ext, |typ, data| {
                        CertReqExtension::Unknown { typ, data }
                    }),
                }),
                V13,
            ),
            10 => (P::ServerHelloDone, V12),
            11 => (P::CertificateVerify(signed(rng)), any),
            12 => (
                P::ClientKeyExchange(EcdheClientKeyExchange {
                    public: rng.bytes(1, 65),
                }),
                V12,
            ),
            13 => (P::Finished(rng.bytes(0, 48)), any),
            14 => (
                P::NewSessionTicketTls12(NewSessionTicketTls12 {
                    lifetime_hint: rng.u32(),
                    ticket: rng.bytes(0, 100),
                }),
                V12,
            ),
            15 => (
                P::NewSessionTicketTls13(NewSessionTicketTls13 {
                    lifetime: rng.u32(),
                    age_add: rng.u32(),
                    nonce: rng.bytes(0, 8),
                    ticket: rng.bytes(1, 100),
                    extensions: ext_block(
                        rng,
                        1,
                        |r, _| NewSessionTicketExtension::EarlyData(r.u32()),
                        |typ, data| NewSessionTicketExtension::Unknown { typ, data },
                    ),
                }),
                V13,
            ),
            16 => (
                P::KeyUpdate(if rng.chance(2) {
                    KeyUpdateRequest::UpdateRequested
                } else {
                    KeyUpdateRequest::UpdateNotRequested
                }),
                V13,
            ),
            17 => (P::EndOfEarlyData, V13),
            18 => (
                P::CertificateStatus(CertificateStatus {
                    ocsp_response: rng.bytes(1, 100),
                }),
                V12,
            ),
            19 => {
                let typ = loop {
                    let t = rng.u8();
                    if !DECODED_TYPES.contains(&t) {
                        break HandshakeType::from(t);
                    }
                };
                (
                    P::Unknown {
                        typ,
                        body: rng.bytes(0, 40),
                    },
                    any,
                )
            }
            _ => unreachable!(),
        };
    (HandshakeMessage::from(payload), version)
}

fn signed(rng: &mut Rng) -> DigitallySigned {
    DigitallySigned {
        scheme: SignatureScheme::from(rng.u16()),
        signature: rng.bytes(0, 80),
    }
}

// ---------------------------------------------------------------------------------
// Round-trip helpers.
// ---------------------------------------------------------------------------------

fn round_trip<T: Codec + PartialEq + Debug>(value: &T) {
    let bytes = value.get_encoding();
    let back = T::read_bytes(&bytes, "value").unwrap_or_else(|e| panic!("{value:?}: {e}"));
    assert_eq!(&back, value);
    assert_eq!(back.get_encoding(), bytes);
}

fn round_trip_message(msg: &HandshakeMessage, version: ProtocolVersion) {
    let bytes = msg.get_encoding();
    assert_eq!(bytes.first(), Some(&msg.typ().to_wire()));
    let back = HandshakeMessage::read_bytes(&bytes, version)
        .unwrap_or_else(|e| panic!("{msg:?} under {version:?}: {e}"));
    assert_eq!(&back, msg);
    assert_eq!(back.get_encoding(), bytes);
}

/// Decodes real bytes and checks they re-encode identically.
fn decode_exact(bytes: &[u8], version: ProtocolVersion) -> HandshakePayload {
    let msg = HandshakeMessage::read_bytes(bytes, version).unwrap();
    assert_eq!(msg.get_encoding(), bytes, "re-encoding differs");
    msg.payload
}

// ---------------------------------------------------------------------------------
// 1. Hand-built round trips of every extension variant and every message type.
// ---------------------------------------------------------------------------------

#[test]
fn every_extension_variant_round_trips() {
    let mut rng = Rng::new(1);
    for _ in 0..20 {
        for kind in 0..CLIENT_EXT_KINDS {
            round_trip(&client_ext(&mut rng, kind));
        }
        for kind in 0..SERVER_EXT_KINDS {
            round_trip(&server_ext(&mut rng, kind));
        }
        for kind in 0..3 {
            round_trip(&hrr_ext(&mut rng, kind));
            round_trip(&certreq_ext(&mut rng, kind));
        }
        for kind in 0..2 {
            round_trip(&cert_ext(&mut rng, kind));
        }
        round_trip(&NewSessionTicketExtension::EarlyData(rng.u32()));
    }
    let typ = ExtensionType::Unknown(0x1a1a);
    let data = vec![1, 2, 3];
    round_trip(&ClientExtension::Unknown {
        typ,
        data: data.clone(),
    });
    round_trip(&ServerExtension::Unknown {
        typ,
        data: data.clone(),
    });
    round_trip(&HelloRetryExtension::Unknown {
        typ,
        data: data.clone(),
    });
    round_trip(&CertReqExtension::Unknown {
        typ,
        data: data.clone(),
    });
    round_trip(&CertificateExtension::Unknown {
        typ,
        data: data.clone(),
    });
    round_trip(&NewSessionTicketExtension::Unknown { typ, data });
}

#[test]
fn specific_extension_encodings() {
    // RFC 8446 4.2.1: supported_versions in ClientHello is a u8 list of u16s.
    let sv = ClientExtension::SupportedVersions(vec![V13, V12]);
    assert_eq!(
        sv.get_encoding(),
        [0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03]
    );
    // RFC 8446 4.2.8: a HelloRetryRequest key_share is only the group.
    let ks = HelloRetryExtension::KeyShare(NamedGroup::secp256r1);
    assert_eq!(ks.get_encoding(), [0x00, 0x33, 0x00, 0x02, 0x00, 0x17]);
    // RFC 8446 4.2.10: early_data in NewSessionTicket carries max_early_data_size.
    let ed = NewSessionTicketExtension::EarlyData(0x400);
    assert_eq!(ed.get_encoding(), [0x00, 0x2a, 0x00, 0x04, 0, 0, 4, 0]);
    // RFC 5746 3.2: an initial renegotiation_info holds an empty u8 vector.
    let ri = ServerExtension::RenegotiationInfo(vec![]);
    assert_eq!(ri.get_encoding(), [0xff, 0x01, 0x00, 0x01, 0x00]);
}

#[test]
fn every_message_type_round_trips() {
    let mut rng = Rng::new(2);
    for _ in 0..20 {
        for kind in 0..MESSAGE_KINDS {
            let (msg, version) = message(&mut rng, kind);
            round_trip_message(&msg, version);
        }
    }
    round_trip(&AlertMessage {
        level: AlertLevel::Fatal,
        description: AlertDescription::Unknown(200),
    });
    round_trip(&AlertMessage {
        level: AlertLevel::Warning,
        description: AlertDescription::CloseNotify,
    });
    round_trip(&ChangeCipherSpecPayload);
    assert_eq!(ChangeCipherSpecPayload.get_encoding(), [1]);
    assert_eq!(
        ChangeCipherSpecPayload::read_payload(&[1]),
        Ok(ChangeCipherSpecPayload)
    );
}

#[test]
fn version_selects_the_certificate_form() {
    // An empty TLS 1.3 Certificate: empty context, empty list.
    let bytes = [11, 0, 0, 4, 0, 0, 0, 0];
    assert_eq!(
        HandshakeMessage::read_bytes(&bytes, V13).unwrap().payload,
        HandshakePayload::CertificateTls13(CertificateTls13 {
            context: vec![],
            entries: vec![],
        })
    );
    // Under TLS 1.2 the same body is a u24 list of length 0 followed by a stray byte.
    assert_eq!(
        HandshakeMessage::read_bytes(&bytes, V12),
        Err(InvalidMessage::TrailingData("handshake message body"))
    );
    let empty12 = [11, 0, 0, 3, 0, 0, 0];
    assert_eq!(
        HandshakeMessage::read_bytes(&empty12, V12).unwrap().payload,
        HandshakePayload::CertificateTls12(CertificateTls12 { certs: vec![] })
    );
}

// ---------------------------------------------------------------------------------
// 2. RFC 8448 traces.
// ---------------------------------------------------------------------------------

fn client_hello_of(p: HandshakePayload) -> ClientHello {
    match p {
        HandshakePayload::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

fn server_hello_of(p: HandshakePayload) -> ServerHello {
    match p {
        HandshakePayload::ServerHello(sh) => sh,
        other => panic!("not a ServerHello: {other:?}"),
    }
}

#[test]
fn rfc8448_simple_handshake() {
    let rfc = Rfc8448::load();
    let ch = client_hello_of(decode_exact(
        &rfc.value("ClientHello (196 octets)", "ClientHello"),
        V13,
    ));
    assert_eq!(
        ch.cipher_suites,
        [
            CipherSuite::TLS13_AES_128_GCM_SHA256,
            CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS13_AES_256_GCM_SHA384
        ]
    );
    assert_eq!(
        ch.supported_groups().unwrap(),
        [
            NamedGroup::X25519,
            NamedGroup::secp256r1,
            NamedGroup::secp384r1,
            NamedGroup::secp521r1,
            NamedGroup::FFDHE2048,
            NamedGroup::FFDHE3072,
            NamedGroup::FFDHE4096,
            NamedGroup::Unknown(0x0103),
            NamedGroup::Unknown(0x0104),
        ]
    );
    let shares = ch.key_shares().unwrap();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].group, NamedGroup::X25519);
    assert_eq!(
        shares[0].payload,
        rfc.value(
            "{client}  create an ephemeral x25519 key pair",
            "public key"
        )
    );
    assert_eq!(ch.server_name(), Some(&b"server"[..]));
    assert_eq!(ch.supported_versions().unwrap(), [V13]);
    assert_eq!(ch.session_id.len(), 0);
    assert_eq!(ch.renegotiation_info(), Some(&[][..]));
    assert!(ch.psk_offer().is_none());

    let sh = server_hello_of(decode_exact(
        &rfc.value("ServerHello (90 octets)", "ServerHello"),
        V13,
    ));
    assert_eq!(sh.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
    assert_eq!(sh.supported_version(), Some(V13));
    let share = sh.key_share().unwrap();
    assert_eq!(share.group, NamedGroup::X25519);
    assert_eq!(share.payload.len(), 32);

    match decode_exact(
        &rfc.value("EncryptedExtensions (40 octets)", "EncryptedExtensions"),
        V13,
    ) {
        HandshakePayload::EncryptedExtensions(exts) => {
            assert_eq!(exts.len(), 3);
            assert!(exts.contains(&ServerExtension::RecordSizeLimit(0x4001)));
            assert!(exts.contains(&ServerExtension::ServerNameAck));
            assert!(matches!(
                find_extension(&exts, ExtensionType::SupportedGroups),
                Some(ServerExtension::SupportedGroups(groups)) if groups.len() == 9
            ));
        }
        other => panic!("{other:?}"),
    }

    match decode_exact(&rfc.value("Certificate (445 octets)", "Certificate"), V13) {
        HandshakePayload::CertificateTls13(cert) => {
            assert!(cert.context.is_empty());
            assert_eq!(cert.entries.len(), 1);
            assert_eq!(cert.entries[0].cert.len(), 0x1b0);
            assert_eq!(cert.entries[0].cert[..2], [0x30, 0x82]);
            assert!(cert.entries[0].extensions.is_empty());
        }
        other => panic!("{other:?}"),
    }

    match decode_exact(
        &rfc.value("CertificateVerify (136 octets)", "CertificateVerify"),
        V13,
    ) {
        HandshakePayload::CertificateVerify(cv) => {
            assert_eq!(cv.scheme, SignatureScheme::RSA_PSS_SHA256);
            assert_eq!(cv.signature.len(), 128);
        }
        other => panic!("{other:?}"),
    }

    for side in ["{server}", "{client}"] {
        let anchor = format!("{side}  construct a Finished handshake message");
        let verify_data = rfc.value(
            &format!("{side}  calculate finished \"tls13 finished\":"),
            "finished",
        );
        assert_eq!(
            decode_exact(&rfc.value(&anchor, "Finished"), V13),
            HandshakePayload::Finished(verify_data)
        );
    }

    match decode_exact(
        &rfc.value("NewSessionTicket (205 octets)", "NewSessionTicket"),
        V13,
    ) {
        HandshakePayload::NewSessionTicketTls13(nst) => {
            assert_eq!(nst.lifetime, 30);
            assert_eq!(nst.nonce, [0, 0]);
            assert_eq!(nst.ticket.len(), 0xb2);
            assert_eq!(nst.max_early_data_size(), Some(0x400));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rfc8448_resumed_handshake_and_binders() {
    let rfc = Rfc8448::load();
    let anchor = "{client}  calculate PSK binder";
    let full = rfc.value(anchor, "payload");
    assert_eq!(full.len(), 512);
    let msg = HandshakeMessage::read_bytes(&full, V13).unwrap();
    assert_eq!(msg.get_encoding(), full);

    // RFC 8446 4.2.11.2: the binder covers the ClientHello up to the binders list.
    assert_eq!(
        msg.encoding_for_binders(),
        rfc.value(anchor, "ClientHello prefix")
    );

    let mut ch = client_hello_of(msg.payload.clone());
    assert!(ch.early_data_offered());
    assert_eq!(ch.psk_modes().unwrap(), [PskKeyExchangeMode::PSK_DHE_KE]);
    let offer = ch.psk_offer().unwrap();
    assert_eq!(offer.identities.len(), 1);
    // The identity is the ticket of section 3's NewSessionTicket, and the obfuscated
    // age is that ticket's age_add plus a small age in milliseconds (RFC 8446 4.2.11.1).
    let nst = match decode_exact(
        &rfc.value("NewSessionTicket (205 octets)", "NewSessionTicket"),
        V13,
    ) {
        HandshakePayload::NewSessionTicketTls13(nst) => nst,
        other => panic!("{other:?}"),
    };
    assert_eq!(offer.identities[0].identity.len(), 0xb2);
    assert_eq!(offer.identities[0].identity, nst.ticket);
    let age_ms = offer.identities[0]
        .obfuscated_ticket_age
        .wrapping_sub(nst.age_add);
    assert!(age_ms < 10_000, "ticket age {age_ms} ms");
    let binder = rfc.value(anchor, "finished");
    assert_eq!(offer.binders, std::slice::from_ref(&binder));
    assert!(matches!(
        ch.extensions().last(),
        Some(ClientExtension::PreSharedKey(_))
    ));

    // Setting the binders after the fact: a placeholder then the real value.
    ch.set_psk_binders(vec![vec![0; 32]]).unwrap();
    let placeholder = HandshakeMessage::from(HandshakePayload::ClientHello(ch.clone()));
    assert_eq!(
        placeholder.encoding_for_binders(),
        msg.encoding_for_binders()
    );
    assert_ne!(placeholder.get_encoding(), full);
    ch.set_psk_binders(vec![binder.clone()]).unwrap();
    assert_eq!(
        HandshakeMessage::from(HandshakePayload::ClientHello(ch.clone())).get_encoding(),
        full
    );
    assert_eq!(
        ch.set_psk_binders(vec![]),
        Err(InvalidMessage::IllegalValue("PSK binder count"))
    );
    // The in-place setter keeps the binder's length, so the truncated encoding a
    // binder was computed over stays a prefix of what is sent.
    ch.set_psk_binders(vec![vec![0; 32]]).unwrap();
    let mut truncated = Vec::new();
    ch.encode_for_binders(&mut truncated);
    assert_eq!(
        ch.set_single_psk_binder(&binder[..31]),
        Err(InvalidMessage::IllegalValue("PSK binder length"))
    );
    ch.set_single_psk_binder(&binder).unwrap();
    let sent = HandshakeMessage::from(HandshakePayload::ClientHello(ch.clone())).get_encoding();
    assert_eq!(sent, full);
    assert!(sent.starts_with(&truncated));

    let sh = server_hello_of(decode_exact(
        &rfc.value("ServerHello (96 octets)", "ServerHello"),
        V13,
    ));
    assert_eq!(sh.psk_index(), Some(0));
    assert_eq!(sh.key_share().unwrap().group, NamedGroup::X25519);

    match decode_exact(
        &rfc.value("EncryptedExtensions (44 octets)", "EncryptedExtensions"),
        V13,
    ) {
        HandshakePayload::EncryptedExtensions(exts) => {
            assert!(exts.contains(&ServerExtension::EarlyData))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        decode_exact(
            &rfc.value("EndOfEarlyData (4 octets)", "EndOfEarlyData"),
            V13
        ),
        HandshakePayload::EndOfEarlyData
    );
}

#[test]
fn rfc8448_hello_retry_request() {
    let rfc = Rfc8448::load();
    let ch1 = client_hello_of(decode_exact(
        &rfc.value("ClientHello (180 octets)", "ClientHello"),
        V13,
    ));
    assert_eq!(ch1.key_shares().unwrap()[0].group, NamedGroup::X25519);
    assert!(ch1.cookie().is_none());

    let hrr = match decode_exact(&rfc.value("ServerHello (176 octets)", "ServerHello"), V13) {
        HandshakePayload::HelloRetryRequest(hrr) => hrr,
        other => panic!("not a HelloRetryRequest: {other:?}"),
    };
    assert_eq!(hrr.requested_group(), Some(NamedGroup::secp256r1));
    assert_eq!(hrr.supported_version(), Some(V13));
    assert_eq!(hrr.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
    let cookie = hrr.cookie().unwrap();
    assert_eq!(cookie.len(), 0x72);

    let ch2 = client_hello_of(decode_exact(
        &rfc.value("ClientHello (512 octets)", "ClientHello"),
        V13,
    ));
    assert_eq!(ch2.cookie(), Some(cookie));
    let shares = ch2.key_shares().unwrap();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].group, NamedGroup::secp256r1);
    assert_eq!(shares[0].payload.len(), 65);

    let sh = server_hello_of(decode_exact(
        &rfc.value("ServerHello (123 octets)", "ServerHello"),
        V13,
    ));
    assert_eq!(sh.key_share().unwrap().group, NamedGroup::secp256r1);
    assert_eq!(sh.key_share().unwrap().payload.len(), 65);
}

// ---------------------------------------------------------------------------------
// 3. ClientHellos captured from `openssl s_client` (OpenSSL 3.0) on a local listener.
// ---------------------------------------------------------------------------------

fn captured(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    hex(&std::fs::read_to_string(path).unwrap())
}

#[test]
fn openssl_client_hello_tls13() {
    let bytes = captured("openssl_client_hello.hex");
    let ch = client_hello_of(decode_exact(&bytes, V13));
    assert!(ch.supported_versions().unwrap().contains(&V13));
    assert!(
        ch.key_shares()
            .unwrap()
            .iter()
            .any(|s| s.group == NamedGroup::X25519 && s.payload.len() == 32)
    );
    assert!(ch.supported_groups().unwrap().contains(&NamedGroup::X25519));
    assert_eq!(ch.server_name(), Some(&b"example.test"[..]));
    assert!(
        ch.cipher_suites
            .contains(&CipherSuite::TLS13_AES_256_GCM_SHA384)
    );
    // A TLS 1.3 client in compatibility mode sends a 32-byte legacy session id.
    assert_eq!(ch.session_id.len(), 32);
}

#[test]
fn openssl_client_hello_tls12_only() {
    let bytes = captured("openssl_client_hello_tls12.hex");
    let ch = client_hello_of(decode_exact(&bytes, V12));
    assert_eq!(ch.legacy_version, V12);
    assert!(ch.supported_versions().is_none_or(|v| !v.contains(&V13)));
    assert!(ch.key_shares().is_none());
    assert!(ch.has_extension(ExtensionType::ExtendedMasterSecret));
    assert_eq!(ch.server_name(), Some(&b"example.test"[..]));
    assert!(
        ch.cipher_suites
            .contains(&CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
    );
}

// ---------------------------------------------------------------------------------
// 4. Property-style tests.
// ---------------------------------------------------------------------------------

#[test]
fn random_valid_messages_round_trip() {
    let mut rng = Rng::new(0x5eed_1234);
    for _ in 0..3000 {
        let kind = rng.range(0, MESSAGE_KINDS - 1);
        let (msg, version) = message(&mut rng, kind);
        round_trip_message(&msg, version);
    }
}

/// Feeds `bytes` to every decoder. Nothing may panic; whatever decodes must re-encode
/// to bytes that decode to the same value.
fn feed_all(bytes: &[u8]) -> usize {
    let mut ok = 0;
    for version in [V12, V13] {
        if let Ok(msg) = HandshakeMessage::read_bytes(bytes, version) {
            ok += 1;
            let again = HandshakeMessage::read_bytes(&msg.get_encoding(), version).unwrap();
            assert_eq!(again, msg);
            let _ = msg.encoding_for_binders();
        }
    }
    fn try_one<T: Codec + PartialEq + Debug>(bytes: &[u8]) -> usize {
        match T::read_bytes(bytes, "fuzz") {
            Ok(v) => {
                assert_eq!(T::read_bytes(&v.get_encoding(), "again").unwrap(), v);
                1
            }
            Err(_) => 0,
        }
    }
    ok += try_one::<ClientHello>(bytes);
    ok += try_one::<ServerHelloOrRetry>(bytes);
    ok += try_one::<ClientExtension>(bytes);
    ok += try_one::<ServerExtension>(bytes);
    ok += try_one::<HelloRetryExtension>(bytes);
    ok += try_one::<CertReqExtension>(bytes);
    ok += try_one::<CertificateExtension>(bytes);
    ok += try_one::<NewSessionTicketExtension>(bytes);
    ok += try_one::<CertificateTls12>(bytes);
    ok += try_one::<CertificateTls13>(bytes);
    ok += try_one::<CertificateRequestTls12>(bytes);
    ok += try_one::<CertificateRequestTls13>(bytes);
    ok += try_one::<DigitallySigned>(bytes);
    ok += try_one::<EcdheServerKeyExchange>(bytes);
    ok += try_one::<EcdheClientKeyExchange>(bytes);
    ok += try_one::<NewSessionTicketTls12>(bytes);
    ok += try_one::<NewSessionTicketTls13>(bytes);
    ok += try_one::<CertificateStatus>(bytes);
    ok += try_one::<AlertMessage>(bytes);
    ok += try_one::<ChangeCipherSpecPayload>(bytes);
    let _ = ChangeCipherSpecPayload::read_payload(bytes);
    let mut r = Reader::new(bytes);
    let _ = read_extension_block::<ClientExtension>(&mut r, "fuzz");
    ok
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(0xf00d);
    let mut decoded = 0;
    for i in 0..200_000 {
        let mut bytes = rng.bytes(0, 64);
        // Half the inputs get a plausible handshake header so the body decoders run.
        if i % 2 == 0 {
            let body_len = bytes.len() as u32;
            let mut framed = vec![DECODED_TYPES[rng.range(0, DECODED_TYPES.len() - 1)]];
            framed.extend_from_slice(&body_len.to_be_bytes()[1..]);
            framed.append(&mut bytes);
            bytes = framed;
        }
        decoded += feed_all(&bytes);
    }
    // Random input must exercise decoding, not only header rejection.
    assert!(decoded > 1000, "only {decoded} inputs decoded");
}

fn real_messages() -> Vec<Vec<u8>> {
    let rfc = Rfc8448::load();
    let mut out: Vec<Vec<u8>> = [
        ("ClientHello (196 octets)", "ClientHello"),
        ("ServerHello (90 octets)", "ServerHello"),
        ("EncryptedExtensions (40 octets)", "EncryptedExtensions"),
        ("Certificate (445 octets)", "Certificate"),
        ("CertificateVerify (136 octets)", "CertificateVerify"),
        ("NewSessionTicket (205 octets)", "NewSessionTicket"),
        ("{client}  calculate PSK binder", "payload"),
        ("ServerHello (96 octets)", "ServerHello"),
        ("ServerHello (176 octets)", "ServerHello"),
        ("ClientHello (512 octets)", "ClientHello"),
    ]
    .iter()
    .map(|(anchor, label)| rfc.value(anchor, label))
    .collect();
    out.push(captured("openssl_client_hello.hex"));
    out.push(captured("openssl_client_hello_tls12.hex"));
    out
}

#[test]
fn mutated_real_messages_never_panic() {
    let mut rng = Rng::new(0xbad_c0de);
    let messages = real_messages();
    for original in &messages {
        assert!(feed_all(original) > 0, "the unmutated message must decode");
    }
    for _ in 0..20_000 {
        let mut bytes = messages[rng.range(0, messages.len() - 1)].clone();
        for _ in 0..rng.range(1, 3) {
            match rng.range(0, 3) {
                // Bit flip.
                0 => {
                    let i = rng.range(0, bytes.len() - 1);
                    bytes[i] ^= 1 << rng.range(0, 7);
                }
                // Truncation.
                1 => bytes.truncate(rng.range(0, bytes.len())),
                // A length-sized byte nudged up or down, or set at random.
                2 if !bytes.is_empty() => {
                    let i = rng.range(0, bytes.len() - 1);
                    bytes[i] = match rng.range(0, 2) {
                        0 => bytes[i].wrapping_add(1),
                        1 => bytes[i].wrapping_sub(1),
                        _ => rng.u8(),
                    };
                }
                // Extra bytes appended.
                _ => bytes.extend(rng.bytes(1, 4)),
            }
            if bytes.is_empty() {
                break;
            }
        }
        feed_all(&bytes);
    }
}

// ---------------------------------------------------------------------------------
// 5. Malformed input gives the exact error.
// ---------------------------------------------------------------------------------

fn simple_client_hello(extensions: Option<Vec<ClientExtension>>) -> ClientHello {
    ClientHello {
        legacy_version: V12,
        random: [7; 32],
        session_id: vec![],
        cipher_suites: vec![CipherSuite::TLS13_AES_128_GCM_SHA256],
        compression_methods: vec![Compression::Null],
        extensions,
    }
}

fn psk() -> ClientExtension {
    ClientExtension::PreSharedKey(PresharedKeyOffer {
        identities: vec![PskIdentity {
            identity: vec![1, 2, 3],
            obfuscated_ticket_age: 9,
        }],
        binders: vec![vec![0; 32]],
    })
}

#[test]
fn duplicate_extension_is_rejected() {
    let ch = simple_client_hello(Some(vec![
        ClientExtension::ExtendedMasterSecret,
        ClientExtension::Cookie(vec![1]),
        ClientExtension::ExtendedMasterSecret,
    ]));
    assert_eq!(
        ClientHello::read_bytes(&ch.get_encoding(), "ch"),
        Err(InvalidMessage::DuplicateExtension(23))
    );
    // Unknown types count too: two GREASE extensions of one value.
    let grease = ClientExtension::Unknown {
        typ: ExtensionType::Unknown(0x2a2a),
        data: vec![],
    };
    let ch = simple_client_hello(Some(vec![grease.clone(), grease]));
    assert_eq!(
        ClientHello::read_bytes(&ch.get_encoding(), "ch"),
        Err(InvalidMessage::DuplicateExtension(0x2a2a))
    );
    let ee = HandshakeMessage::from(HandshakePayload::EncryptedExtensions(vec![
        ServerExtension::EarlyData,
        ServerExtension::EarlyData,
    ]));
    assert_eq!(
        HandshakeMessage::read_bytes(&ee.get_encoding(), V13),
        Err(InvalidMessage::DuplicateExtension(42))
    );
}

#[test]
fn truncated_vectors_are_rejected() {
    let rfc = Rfc8448::load();
    let full = rfc.value("ClientHello (196 octets)", "ClientHello");
    // The whole message one byte short: the u24 body length overruns.
    assert_eq!(
        HandshakeMessage::read_bytes(&full[..full.len() - 1], V13),
        Err(InvalidMessage::Truncated("handshake message body"))
    );
    // The body one byte short: the extensions block overruns.
    let body = &full[4..];
    assert_eq!(
        ClientHello::read_bytes(&body[..body.len() - 1], "ch"),
        Err(InvalidMessage::Truncated("ClientHello extensions"))
    );
    // A cipher_suites vector of odd length cannot hold whole suites.
    let ch = simple_client_hello(None).get_encoding();
    let mut odd = ch.clone();
    odd[36] = 1; // cipher_suites length low byte (after version, random, session id).
    assert_eq!(
        ClientHello::read_bytes(&odd, "ch"),
        Err(InvalidMessage::Truncated("CipherSuite"))
    );
    // key_exchange claiming more bytes than the extension holds.
    let ks = [0x00, 0x33, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x20];
    assert_eq!(
        ClientExtension::read_bytes(&ks, "ks"),
        Err(InvalidMessage::Truncated("key_exchange"))
    );
}

#[test]
fn trailing_bytes_are_rejected() {
    // ServerHelloDone has an empty body.
    assert_eq!(
        HandshakeMessage::read_bytes(&[14, 0, 0, 1, 0], V12),
        Err(InvalidMessage::TrailingData("handshake message body"))
    );
    // early_data in ClientHello is empty.
    assert_eq!(
        ClientExtension::read_bytes(&[0x00, 0x2a, 0x00, 0x01, 0x00], "ext"),
        Err(InvalidMessage::TrailingData("extension_data"))
    );
    // selected_identity is exactly two bytes.
    assert_eq!(
        ServerExtension::read_bytes(&[0x00, 0x29, 0x00, 0x03, 0, 0, 0], "ext"),
        Err(InvalidMessage::TrailingData("extension_data"))
    );
    // Two messages where one is expected.
    assert_eq!(
        HandshakeMessage::read_bytes(&[14, 0, 0, 0, 14, 0, 0, 0], V12),
        Err(InvalidMessage::TrailingData("handshake message"))
    );
}

#[test]
fn empty_vectors_are_rejected() {
    let mut ch = simple_client_hello(None);
    ch.cipher_suites.clear();
    assert_eq!(
        ClientHello::read_bytes(&ch.get_encoding(), "ch"),
        Err(InvalidMessage::Empty("cipher_suites"))
    );
    let mut ch = simple_client_hello(None);
    ch.compression_methods.clear();
    assert_eq!(
        ClientHello::read_bytes(&ch.get_encoding(), "ch"),
        Err(InvalidMessage::Empty("compression_methods"))
    );
    // RFC 7301 3.1: empty protocol names are not allowed.
    let alpn = ClientExtension::Alpn(vec![b"h2".to_vec(), vec![]]);
    assert_eq!(
        ClientExtension::read_bytes(&alpn.get_encoding(), "alpn"),
        Err(InvalidMessage::Empty("ALPN protocol name"))
    );
    let alpn = ClientExtension::Alpn(vec![]);
    assert_eq!(
        ClientExtension::read_bytes(&alpn.get_encoding(), "alpn"),
        Err(InvalidMessage::Empty("ALPN protocol_name_list"))
    );
    let sv = ClientExtension::SupportedVersions(vec![]);
    assert_eq!(
        ClientExtension::read_bytes(&sv.get_encoding(), "sv"),
        Err(InvalidMessage::Empty("supported_versions"))
    );
}

#[test]
fn psk_must_be_last() {
    let ch = simple_client_hello(Some(vec![psk(), ClientExtension::EarlyData]));
    assert_eq!(
        ClientHello::read_bytes(&ch.get_encoding(), "ch"),
        Err(InvalidMessage::IllegalValue(
            "pre_shared_key is not the last extension"
        ))
    );
    let ok = simple_client_hello(Some(vec![ClientExtension::EarlyData, psk()]));
    round_trip(&ok);
}

#[test]
fn bad_change_cipher_spec_and_alert() {
    for bad in [&[2u8][..], &[0], &[1, 1], &[]] {
        assert_eq!(
            ChangeCipherSpecPayload::read_payload(bad),
            Err(InvalidMessage::InvalidChangeCipherSpec),
            "{bad:?}"
        );
    }
    assert_eq!(
        ChangeCipherSpecPayload::read_bytes(&[2], "ccs"),
        Err(InvalidMessage::InvalidChangeCipherSpec)
    );
    assert_eq!(
        AlertMessage::read_bytes(&[3, 40], "alert"),
        Err(InvalidMessage::IllegalValue("alert level"))
    );
    assert_eq!(
        AlertMessage::read_bytes(&[2, 40], "alert"),
        Ok(AlertMessage {
            level: AlertLevel::Fatal,
            description: AlertDescription::HandshakeFailure,
        })
    );
    assert_eq!(
        AlertMessage::read_bytes(&[2], "alert"),
        Err(InvalidMessage::Truncated("AlertDescription"))
    );
}

#[test]
fn other_illegal_values() {
    // RFC 8446 4.6.3: request_update must be 0 or 1.
    assert_eq!(
        HandshakeMessage::read_bytes(&[24, 0, 0, 1, 2], V13),
        Err(InvalidMessage::IllegalValue("KeyUpdateRequest"))
    );
    // RFC 8422 5.4: explicit curves are refused.
    let ske = [12, 0, 0, 5, 1, 0, 0x17, 1, 4];
    assert_eq!(
        HandshakeMessage::read_bytes(&ske, V12),
        Err(InvalidMessage::IllegalValue("ECCurveType"))
    );
    // RFC 7301 3.1: a server selects exactly one protocol.
    let two = [
        0x00, 0x10, 0x00, 0x08, 0x00, 0x06, 0x02, b'h', b'2', 0x02, b'h', b'3',
    ];
    assert_eq!(
        ServerExtension::read_bytes(&two, "alpn"),
        Err(InvalidMessage::IllegalValue("ALPN protocol count"))
    );
    // legacy_session_id is at most 32 bytes.
    let mut ch = simple_client_hello(None);
    ch.session_id = vec![0; 33];
    assert_eq!(
        ClientHello::read_bytes(&ch.get_encoding(), "ch"),
        Err(InvalidMessage::TooLong {
            what: "legacy_session_id",
            len: 33,
            max: 32
        })
    );
}
