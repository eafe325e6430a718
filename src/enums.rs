//! Every TLS code point the library negotiates or must recognise to refuse.
//!
//! Each enum keeps unknown values as `Unknown(v)` (RFC 8701 GREASE, newer code points),
//! so parsing never fails on a value we do not know and re-encoding reproduces it.
#![allow(non_camel_case_types)]

use crate::codec::wire_enum;

wire_enum! {
    /// The record layer's content type (RFC 8446 5.1).
    pub enum ContentType(u8) {
        /// change_cipher_spec(20)
        ChangeCipherSpec = 20,
        /// alert(21)
        Alert = 21,
        /// handshake(22)
        Handshake = 22,
        /// application_data(23)
        ApplicationData = 23,
        /// heartbeat(24), RFC 6520; never accepted.
        Heartbeat = 24,
    }
}

wire_enum! {
    /// A protocol version (RFC 8446 4.2.1, RFC 5246 6.2.1).
    pub enum ProtocolVersion(u16) {
        /// SSL 2.0; refused.
        SSLv2 = 0x0200,
        /// SSL 3.0; refused.
        SSLv3 = 0x0300,
        /// TLS 1.0; refused.
        TLSv1_0 = 0x0301,
        /// TLS 1.1; refused.
        TLSv1_1 = 0x0302,
        /// TLS 1.2.
        TLSv1_2 = 0x0303,
        /// TLS 1.3.
        TLSv1_3 = 0x0304,
    }
}

wire_enum! {
    /// A handshake message type (RFC 8446 4, RFC 5246 7.4).
    pub enum HandshakeType(u8) {
        /// hello_request(0), TLS 1.2 only.
        HelloRequest = 0,
        /// client_hello(1)
        ClientHello = 1,
        /// server_hello(2); HelloRetryRequest shares this type.
        ServerHello = 2,
        /// hello_verify_request(3), DTLS only.
        HelloVerifyRequest = 3,
        /// new_session_ticket(4)
        NewSessionTicket = 4,
        /// end_of_early_data(5)
        EndOfEarlyData = 5,
        /// encrypted_extensions(8)
        EncryptedExtensions = 8,
        /// certificate(11)
        Certificate = 11,
        /// server_key_exchange(12), TLS 1.2 only.
        ServerKeyExchange = 12,
        /// certificate_request(13)
        CertificateRequest = 13,
        /// server_hello_done(14), TLS 1.2 only.
        ServerHelloDone = 14,
        /// certificate_verify(15)
        CertificateVerify = 15,
        /// client_key_exchange(16), TLS 1.2 only.
        ClientKeyExchange = 16,
        /// finished(20)
        Finished = 20,
        /// certificate_status(22), RFC 6066 8, TLS 1.2 only.
        CertificateStatus = 22,
        /// key_update(24)
        KeyUpdate = 24,
        /// compressed_certificate(25), RFC 8879.
        CompressedCertificate = 25,
        /// message_hash(254): the synthetic message of the HelloRetryRequest transcript (RFC 8446 4.4.1).
        MessageHash = 254,
    }
}

wire_enum! {
    /// An alert's level (RFC 8446 6).
    pub enum AlertLevel(u8) {
        /// warning(1)
        Warning = 1,
        /// fatal(2)
        Fatal = 2,
    }
}

wire_enum! {
    /// An alert's description (RFC 8446 6, RFC 5246 7.2).
    pub enum AlertDescription(u8) {
        /// close_notify(0)
        CloseNotify = 0,
        /// unexpected_message(10)
        UnexpectedMessage = 10,
        /// bad_record_mac(20)
        BadRecordMac = 20,
        /// decryption_failed(21), reserved.
        DecryptionFailed = 21,
        /// record_overflow(22)
        RecordOverflow = 22,
        /// decompression_failure(30), reserved.
        DecompressionFailure = 30,
        /// handshake_failure(40)
        HandshakeFailure = 40,
        /// no_certificate(41), reserved.
        NoCertificate = 41,
        /// bad_certificate(42)
        BadCertificate = 42,
        /// unsupported_certificate(43)
        UnsupportedCertificate = 43,
        /// certificate_revoked(44)
        CertificateRevoked = 44,
        /// certificate_expired(45)
        CertificateExpired = 45,
        /// certificate_unknown(46)
        CertificateUnknown = 46,
        /// illegal_parameter(47)
        IllegalParameter = 47,
        /// unknown_ca(48)
        UnknownCa = 48,
        /// access_denied(49)
        AccessDenied = 49,
        /// decode_error(50)
        DecodeError = 50,
        /// decrypt_error(51)
        DecryptError = 51,
        /// export_restriction(60), reserved.
        ExportRestriction = 60,
        /// protocol_version(70)
        ProtocolVersion = 70,
        /// insufficient_security(71)
        InsufficientSecurity = 71,
        /// internal_error(80)
        InternalError = 80,
        /// inappropriate_fallback(86)
        InappropriateFallback = 86,
        /// user_canceled(90)
        UserCanceled = 90,
        /// no_renegotiation(100)
        NoRenegotiation = 100,
        /// missing_extension(109)
        MissingExtension = 109,
        /// unsupported_extension(110)
        UnsupportedExtension = 110,
        /// certificate_unobtainable(111), reserved.
        CertificateUnobtainable = 111,
        /// unrecognized_name(112)
        UnrecognizedName = 112,
        /// bad_certificate_status_response(113)
        BadCertificateStatusResponse = 113,
        /// bad_certificate_hash_value(114), reserved.
        BadCertificateHashValue = 114,
        /// unknown_psk_identity(115)
        UnknownPskIdentity = 115,
        /// certificate_required(116)
        CertificateRequired = 116,
        /// no_application_protocol(120), RFC 7301 3.2.
        NoApplicationProtocol = 120,
    }
}

wire_enum! {
    /// A cipher suite (RFC 8446 B.4, RFC 5288, RFC 8422, RFC 7905).
    ///
    /// Besides the suites we negotiate, this names common ones we refuse, so that a
    /// refusal can say what the peer offered.
    pub enum CipherSuite(u16) {
        /// TLS_AES_128_GCM_SHA256
        TLS13_AES_128_GCM_SHA256 = 0x1301,
        /// TLS_AES_256_GCM_SHA384
        TLS13_AES_256_GCM_SHA384 = 0x1302,
        /// TLS_CHACHA20_POLY1305_SHA256
        TLS13_CHACHA20_POLY1305_SHA256 = 0x1303,
        /// TLS_AES_128_CCM_SHA256; not supported.
        TLS13_AES_128_CCM_SHA256 = 0x1304,
        /// TLS_AES_128_CCM_8_SHA256; not supported.
        TLS13_AES_128_CCM_8_SHA256 = 0x1305,
        /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289)
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b,
        /// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289)
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c,
        /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289)
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f,
        /// TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (RFC 5289)
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030,
        /// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905)
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca8,
        /// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905)
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca9,
        /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 3.3)
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff,
        /// TLS_FALLBACK_SCSV (RFC 7507)
        TLS_FALLBACK_SCSV = 0x5600,
        /// TLS_RSA_WITH_AES_128_CBC_SHA: RSA key exchange and CBC; refused.
        TLS_RSA_WITH_AES_128_CBC_SHA = 0x002f,
        /// TLS_RSA_WITH_AES_256_CBC_SHA: RSA key exchange and CBC; refused.
        TLS_RSA_WITH_AES_256_CBC_SHA = 0x0035,
        /// TLS_RSA_WITH_AES_128_GCM_SHA256: RSA key exchange; refused.
        TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c,
        /// TLS_RSA_WITH_AES_256_GCM_SHA384: RSA key exchange; refused.
        TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009d,
        /// TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: CBC; refused.
        TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA = 0xc009,
        /// TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: CBC; refused.
        TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA = 0xc00a,
        /// TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: CBC; refused.
        TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA = 0xc013,
        /// TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: CBC; refused.
        TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA = 0xc014,
    }
}

wire_enum! {
    /// A key-exchange group (RFC 8446 4.2.7, RFC 8422 5.1.1).
    pub enum NamedGroup(u16) {
        /// secp256r1 (P-256)
        secp256r1 = 0x0017,
        /// secp384r1 (P-384)
        secp384r1 = 0x0018,
        /// secp521r1 (P-521); not supported.
        secp521r1 = 0x0019,
        /// X25519 (RFC 7748)
        X25519 = 0x001d,
        /// X448; not supported.
        X448 = 0x001e,
        /// ffdhe2048 (RFC 7919); not supported.
        FFDHE2048 = 0x0100,
        /// ffdhe3072; not supported.
        FFDHE3072 = 0x0101,
        /// ffdhe4096; not supported.
        FFDHE4096 = 0x0102,
        /// SecP256r1MLKEM768: P-256 ECDHE and ML-KEM-768 (draft-ietf-tls-ecdhe-mlkem);
        /// TLS 1.3 only.
        SecP256r1MLKEM768 = 0x11eb,
        /// X25519MLKEM768: ML-KEM-768 and X25519 (draft-ietf-tls-ecdhe-mlkem); TLS 1.3
        /// only.
        X25519MLKEM768 = 0x11ec,
        /// SecP384r1MLKEM1024 (draft-ietf-tls-ecdhe-mlkem); not supported.
        SecP384r1MLKEM1024 = 0x11ed,
        /// MLKEM768 alone (draft-ietf-tls-mlkem); not supported.
        MLKEM768 = 0x0201,
        /// MLKEM1024 alone (draft-ietf-tls-mlkem); not supported.
        MLKEM1024 = 0x0202,
    }
}

wire_enum! {
    /// A signature scheme (RFC 8446 4.2.3).
    pub enum SignatureScheme(u16) {
        /// rsa_pkcs1_sha1; refused.
        RSA_PKCS1_SHA1 = 0x0201,
        /// ecdsa_sha1; refused.
        ECDSA_SHA1_Legacy = 0x0203,
        /// rsa_pkcs1_sha256 (TLS 1.2 and certificates only)
        RSA_PKCS1_SHA256 = 0x0401,
        /// rsa_pkcs1_sha384 (TLS 1.2 and certificates only)
        RSA_PKCS1_SHA384 = 0x0501,
        /// rsa_pkcs1_sha512 (TLS 1.2 and certificates only)
        RSA_PKCS1_SHA512 = 0x0601,
        /// ecdsa_secp256r1_sha256
        ECDSA_NISTP256_SHA256 = 0x0403,
        /// ecdsa_secp384r1_sha384
        ECDSA_NISTP384_SHA384 = 0x0503,
        /// ecdsa_secp521r1_sha512; not supported.
        ECDSA_NISTP521_SHA512 = 0x0603,
        /// rsa_pss_rsae_sha256
        RSA_PSS_SHA256 = 0x0804,
        /// rsa_pss_rsae_sha384
        RSA_PSS_SHA384 = 0x0805,
        /// rsa_pss_rsae_sha512
        RSA_PSS_SHA512 = 0x0806,
        /// ed25519
        ED25519 = 0x0807,
        /// ed448; not supported.
        ED448 = 0x0808,
        /// rsa_pss_pss_sha256; not supported.
        RSA_PSS_PSS_SHA256 = 0x0809,
        /// rsa_pss_pss_sha384; not supported.
        RSA_PSS_PSS_SHA384 = 0x080a,
        /// rsa_pss_pss_sha512; not supported.
        RSA_PSS_PSS_SHA512 = 0x080b,
    }
}

wire_enum! {
    /// An extension type (RFC 8446 4.2 and the RFCs that define each).
    pub enum ExtensionType(u16) {
        /// server_name (RFC 6066 3)
        ServerName = 0,
        /// max_fragment_length (RFC 6066 4); not negotiated.
        MaxFragmentLength = 1,
        /// status_request (RFC 6066 8)
        StatusRequest = 5,
        /// supported_groups (RFC 8446 4.2.7)
        SupportedGroups = 10,
        /// ec_point_formats (RFC 8422 5.1.2)
        ECPointFormats = 11,
        /// signature_algorithms (RFC 8446 4.2.3)
        SignatureAlgorithms = 13,
        /// use_srtp (RFC 5764)
        UseSrtp = 14,
        /// heartbeat (RFC 6520)
        Heartbeat = 15,
        /// application_layer_protocol_negotiation (RFC 7301)
        ALProtocolNegotiation = 16,
        /// signed_certificate_timestamp (RFC 6962)
        SCT = 18,
        /// padding (RFC 7685)
        Padding = 21,
        /// encrypt_then_mac (RFC 7366)
        EncryptThenMac = 22,
        /// extended_master_secret (RFC 7627)
        ExtendedMasterSecret = 23,
        /// compress_certificate (RFC 8879)
        CompressCertificate = 27,
        /// record_size_limit (RFC 8449)
        RecordSizeLimit = 28,
        /// session_ticket (RFC 5077)
        SessionTicket = 35,
        /// pre_shared_key (RFC 8446 4.2.11)
        PreSharedKey = 41,
        /// early_data (RFC 8446 4.2.10)
        EarlyData = 42,
        /// supported_versions (RFC 8446 4.2.1)
        SupportedVersions = 43,
        /// cookie (RFC 8446 4.2.2)
        Cookie = 44,
        /// psk_key_exchange_modes (RFC 8446 4.2.9)
        PSKKeyExchangeModes = 45,
        /// certificate_authorities (RFC 8446 4.2.4)
        CertificateAuthorities = 47,
        /// oid_filters (RFC 8446 4.2.5)
        OIDFilters = 48,
        /// post_handshake_auth (RFC 8446 4.2.6)
        PostHandshakeAuth = 49,
        /// signature_algorithms_cert (RFC 8446 4.2.3)
        SignatureAlgorithmsCert = 50,
        /// key_share (RFC 8446 4.2.8)
        KeyShare = 51,
        /// encrypted_client_hello (draft-ietf-tls-esni)
        EncryptedClientHello = 0xfe0d,
        /// renegotiation_info (RFC 5746 3.2)
        RenegotiationInfo = 0xff01,
    }
}

wire_enum! {
    /// An EC point format (RFC 8422 5.1.2); only `Uncompressed` is accepted.
    pub enum ECPointFormat(u8) {
        /// uncompressed
        Uncompressed = 0,
        /// ansiX962_compressed_prime (deprecated by RFC 8422)
        ANSIX962CompressedPrime = 1,
        /// ansiX962_compressed_char2 (deprecated by RFC 8422)
        ANSIX962CompressedChar2 = 2,
    }
}

wire_enum! {
    /// A PSK key-exchange mode (RFC 8446 4.2.9).
    pub enum PskKeyExchangeMode(u8) {
        /// psk_ke: PSK only, no forward secrecy.
        PSK_KE = 0,
        /// psk_dhe_ke: PSK with (EC)DHE.
        PSK_DHE_KE = 1,
    }
}

wire_enum! {
    /// Whether a KeyUpdate asks the peer to update too (RFC 8446 4.6.3).
    pub enum KeyUpdateRequest(u8) {
        /// update_not_requested
        UpdateNotRequested = 0,
        /// update_requested
        UpdateRequested = 1,
    }
}

wire_enum! {
    /// The certificate status type of status_request (RFC 6066 8).
    pub enum CertificateStatusType(u8) {
        /// ocsp
        OCSP = 1,
    }
}

wire_enum! {
    /// The name type in server_name (RFC 6066 3).
    pub enum ServerNameType(u8) {
        /// host_name
        HostName = 0,
    }
}

wire_enum! {
    /// The certificate types of a TLS 1.2 CertificateRequest (RFC 5246 7.4.4, RFC 8422 5.5).
    pub enum ClientCertificateType(u8) {
        /// rsa_sign
        RSASign = 1,
        /// ecdsa_sign
        ECDSASign = 64,
    }
}

wire_enum! {
    /// The curve type of a TLS 1.2 ServerECDHParams (RFC 8422 5.4); only `NamedCurve` is accepted.
    pub enum ECCurveType(u8) {
        /// explicit_prime; refused.
        ExplicitPrime = 1,
        /// explicit_char2; refused.
        ExplicitChar2 = 2,
        /// named_curve
        NamedCurve = 3,
    }
}

wire_enum! {
    /// A compression method (RFC 5246 7.4.1.2); only `Null` is accepted.
    pub enum Compression(u8) {
        /// null
        Null = 0,
        /// DEFLATE (RFC 3749); refused.
        Deflate = 1,
    }
}

impl ProtocolVersion {
    /// True for the versions this library will speak at all (TLS 1.2 and 1.3).
    pub fn is_supported(self) -> bool {
        matches!(self, Self::TLSv1_2 | Self::TLSv1_3)
    }
}

impl AlertDescription {
    /// The RFC's name for this alert, e.g. `"bad_record_mac"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::CloseNotify => "close_notify",
            Self::UnexpectedMessage => "unexpected_message",
            Self::BadRecordMac => "bad_record_mac",
            Self::DecryptionFailed => "decryption_failed",
            Self::RecordOverflow => "record_overflow",
            Self::DecompressionFailure => "decompression_failure",
            Self::HandshakeFailure => "handshake_failure",
            Self::NoCertificate => "no_certificate",
            Self::BadCertificate => "bad_certificate",
            Self::UnsupportedCertificate => "unsupported_certificate",
            Self::CertificateRevoked => "certificate_revoked",
            Self::CertificateExpired => "certificate_expired",
            Self::CertificateUnknown => "certificate_unknown",
            Self::IllegalParameter => "illegal_parameter",
            Self::UnknownCa => "unknown_ca",
            Self::AccessDenied => "access_denied",
            Self::DecodeError => "decode_error",
            Self::DecryptError => "decrypt_error",
            Self::ExportRestriction => "export_restriction",
            Self::ProtocolVersion => "protocol_version",
            Self::InsufficientSecurity => "insufficient_security",
            Self::InternalError => "internal_error",
            Self::InappropriateFallback => "inappropriate_fallback",
            Self::UserCanceled => "user_canceled",
            Self::NoRenegotiation => "no_renegotiation",
            Self::MissingExtension => "missing_extension",
            Self::UnsupportedExtension => "unsupported_extension",
            Self::CertificateUnobtainable => "certificate_unobtainable",
            Self::UnrecognizedName => "unrecognized_name",
            Self::BadCertificateStatusResponse => "bad_certificate_status_response",
            Self::BadCertificateHashValue => "bad_certificate_hash_value",
            Self::UnknownPskIdentity => "unknown_psk_identity",
            Self::CertificateRequired => "certificate_required",
            Self::NoApplicationProtocol => "no_application_protocol",
            Self::Unknown(_) => "unknown",
        }
    }
}

impl NamedGroup {
    /// True for the groups with a post-quantum KEM (ML-KEM, alone or in a hybrid): a
    /// key exchange a future quantum computer cannot break.
    pub fn is_post_quantum(self) -> bool {
        matches!(
            self,
            Self::X25519MLKEM768
                | Self::SecP256r1MLKEM768
                | Self::SecP384r1MLKEM1024
                | Self::MLKEM768
                | Self::MLKEM1024
        )
    }
}

impl AlertDescription {
    /// The alert to send for this one on a TLS 1.2 connection: missing_extension and
    /// certificate_required exist from TLS 1.3 on (RFC 8446 6.2); TLS 1.2 names
    /// handshake_failure for both cases (RFC 5246 7.4.6, RFC 7627 5.2, RFC 5746 3.4).
    pub fn in_tls12(self) -> Self {
        match self {
            Self::MissingExtension | Self::CertificateRequired => Self::HandshakeFailure,
            other => other,
        }
    }

    /// What a fatal alert from the peer most often means, and where to look; empty for
    /// alerts with nothing to add. The alert alone cannot say for sure (RFC 8446 6.2:
    /// peers choose among several), so these are likely causes.
    pub fn peer_hint(self) -> &'static str {
        match self {
            Self::ProtocolVersion => {
                " (the peer speaks none of the protocol versions offered: if it only \
                 speaks TLS 1.2, enable TLS 1.2 in with_protocol_versions; versions \
                 before TLS 1.2 are refused)"
            }
            Self::HandshakeFailure => {
                " (the peer found nothing it accepts in the offer: versions, cipher \
                 suites, key-exchange groups or signature schemes; it may only speak an \
                 older TLS version, or want a client certificate)"
            }
            Self::InsufficientSecurity => " (the peer requires stronger parameters than offered)",
            Self::UnknownCa | Self::BadCertificate | Self::CertificateUnknown => {
                " (the peer rejected our certificate: is its chain complete and issued \
                 by a CA the peer trusts?)"
            }
            Self::CertificateExpired => " (the peer says our certificate expired)",
            Self::CertificateRequired => {
                " (the peer requires a client certificate: configure one with \
                 with_client_auth_cert)"
            }
            Self::UnrecognizedName => " (the peer has no certificate for the server name sent)",
            Self::NoApplicationProtocol => {
                " (no ALPN protocol in common: compare with_alpn_protocols on both sides)"
            }
            Self::DecryptError => {
                " (a signature or Finished did not verify at the peer: does the private \
                 key match the certificate?)"
            }
            _ => "",
        }
    }
}

impl core::fmt::Display for AlertDescription {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Unknown(v) => write!(f, "unknown alert {v}"),
            other => f.write_str(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Codec, Reader};

    #[test]
    fn known_and_unknown_values_round_trip() {
        for suite in CipherSuite::KNOWN {
            let bytes = suite.get_encoding();
            assert_eq!(CipherSuite::read(&mut Reader::new(&bytes)).unwrap(), *suite);
        }
        // RFC 8701 GREASE value.
        let grease = CipherSuite::read(&mut Reader::new(&[0x0a, 0x0a])).unwrap();
        assert_eq!(grease, CipherSuite::Unknown(0x0a0a));
        assert_eq!(grease.get_encoding(), [0x0a, 0x0a]);
    }
}
