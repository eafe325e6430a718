//! The certificates every implementation uses, made once at start-up: one ECDSA P-256
//! CA and three `localhost` leaves under it (ECDSA P-256, RSA-2048, Ed25519).

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType, SignatureAlgorithm,
};
use rustls::pki_types::PrivatePkcs8KeyDer;

/// The name every leaf is issued for and every client asks for.
pub const NAME: &str = "localhost";

/// The leaf's key type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Ecdsa,
    Rsa,
    Ed25519,
}

/// One leaf: its DER certificate and PKCS#8 private key.
pub struct Leaf {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
}

/// The CA and its three leaves.
pub struct Pki {
    pub ca: Vec<u8>,
    pub ecdsa: Leaf,
    pub rsa: Leaf,
    pub ed25519: Leaf,
}

impl Pki {
    pub fn leaf(&self, kind: KeyKind) -> &Leaf {
        match kind {
            KeyKind::Ecdsa => &self.ecdsa,
            KeyKind::Rsa => &self.rsa,
            KeyKind::Ed25519 => &self.ed25519,
        }
    }

    pub fn generate() -> Self {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name
            .push(DnType::CommonName, "handclasp-peers CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.not_before = rcgen::date_time_ymd(2025, 1, 1);
        ca.not_after = rcgen::date_time_ymd(2035, 1, 1);
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let issuer = CertifiedIssuer::self_signed(ca, ca_key).unwrap();

        let leaf = |key: KeyPair| {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.distinguished_name.push(DnType::CommonName, NAME);
            params
                .subject_alt_names
                .push(SanType::DnsName(NAME.try_into().unwrap()));
            params.not_before = rcgen::date_time_ymd(2025, 1, 1);
            params.not_after = rcgen::date_time_ymd(2035, 1, 1);
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let cert = params.signed_by(&key, &issuer).unwrap();
            Leaf {
                cert: cert.der().to_vec(),
                key: key.serialize_der(),
            }
        };
        // OpenSSL makes the leaf keys (ring cannot generate RSA keys, and OpenSSL 3.0
        // cannot read ring's PKCS#8 v2 documents); rcgen signs with them.
        let generate = |key: openssl::pkey::PKey<openssl::pkey::Private>,
                        alg: &'static SignatureAlgorithm| {
            let der = key.private_key_to_pkcs8().unwrap();
            KeyPair::from_pkcs8_der_and_sign_algo(&PrivatePkcs8KeyDer::from(der), alg).unwrap()
        };
        let p256 =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let ecdsa =
            openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&p256).unwrap()).unwrap();
        let rsa =
            openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let ed25519 = openssl::pkey::PKey::generate_ed25519().unwrap();
        Self {
            ca: issuer.der().to_vec(),
            ecdsa: leaf(generate(ecdsa, &rcgen::PKCS_ECDSA_P256_SHA256)),
            rsa: leaf(generate(rsa, &rcgen::PKCS_RSA_SHA256)),
            ed25519: leaf(generate(ed25519, &rcgen::PKCS_ED25519)),
        }
    }
}
