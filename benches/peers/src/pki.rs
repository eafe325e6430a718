//! The certificates every implementation uses, made once at start-up: one ECDSA P-256
//! CA and three `localhost` leaves under it (ECDSA P-256, RSA-2048, Ed25519), and for
//! the chain rows, chains of N ECDSA P-256 intermediates from the CA down to a leaf
//! with the ECDSA leaf's key.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SignatureAlgorithm,
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

/// The intermediate counts of the chain rows (0: the leaf under the CA itself).
pub const CHAINS: [usize; 6] = [0, 1, 2, 4, 6, 8];

/// The CA and its three leaves, and the chains.
pub struct Pki {
    pub ca: Vec<u8>,
    pub ecdsa: Leaf,
    pub rsa: Leaf,
    pub ed25519: Leaf,
    /// Per entry of [`CHAINS`] but 0: the intermediates the server sends after its
    /// leaf, the leaf's issuer first and the one the CA signed last, and that leaf
    /// (ECDSA P-256, with `ecdsa`'s key).
    chains: Vec<(usize, Vec<Vec<u8>>, Leaf)>,
}

/// The validity window of every certificate.
fn validity(params: &mut CertificateParams) {
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
}

/// A `localhost` server certificate for `key`, signed by `issuer`.
fn leaf_cert(key: &KeyPair, issuer: &Issuer<'_, KeyPair>) -> Vec<u8> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, NAME);
    params
        .subject_alt_names
        .push(SanType::DnsName(NAME.try_into().unwrap()));
    validity(&mut params);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.signed_by(key, issuer).unwrap().der().to_vec()
}

impl Pki {
    pub fn leaf(&self, kind: KeyKind) -> &Leaf {
        match kind {
            KeyKind::Ecdsa => &self.ecdsa,
            KeyKind::Rsa => &self.rsa,
            KeyKind::Ed25519 => &self.ed25519,
        }
    }

    /// What a server with `key` presents when `intermediates` CAs stand between its
    /// leaf and the root: the certificates it sends (leaf first, then the
    /// intermediates from the leaf's issuer up) and the leaf's PKCS#8 key.
    pub fn server_chain(&self, key: KeyKind, intermediates: usize) -> (Vec<&[u8]>, &[u8]) {
        if intermediates == 0 {
            let leaf = self.leaf(key);
            return (vec![&leaf.cert], &leaf.key);
        }
        assert_eq!(
            key,
            KeyKind::Ecdsa,
            "chains are made for the ECDSA leaf only"
        );
        let (_, cas, leaf) = self
            .chains
            .iter()
            .find(|(n, _, _)| *n == intermediates)
            .unwrap_or_else(|| panic!("no chain of {intermediates} intermediates made"));
        let mut certs = vec![&leaf.cert[..]];
        certs.extend(cas.iter().map(|c| &c[..]));
        (certs, &leaf.key)
    }

    pub fn generate() -> Self {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name
            .push(DnType::CommonName, "handclasp-peers CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        validity(&mut ca);
        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let issuer = CertifiedIssuer::self_signed(ca, ca_key).unwrap();

        let leaf = |key: KeyPair| Leaf {
            cert: leaf_cert(&key, &issuer),
            key: key.serialize_der(),
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
        let ecdsa = leaf(generate(ecdsa, &rcgen::PKCS_ECDSA_P256_SHA256));
        let chains = CHAINS
            .iter()
            .filter(|&&n| n > 0)
            .map(|&n| {
                let (cas, cert) = chain(&issuer, n, &ecdsa.key);
                let leaf = Leaf {
                    cert,
                    key: ecdsa.key.clone(),
                };
                (n, cas, leaf)
            })
            .collect();
        Self {
            ca: issuer.der().to_vec(),
            ecdsa,
            rsa: leaf(generate(rsa, &rcgen::PKCS_RSA_SHA256)),
            ed25519: leaf(generate(ed25519, &rcgen::PKCS_ED25519)),
            chains,
        }
    }
}

/// `n` intermediate CAs under `root`, each signing the next (ECDSA P-256 keys, CA
/// basic constraints without a path length, key usages keyCertSign and cRLSign),
/// and a leaf for `leaf_key` (PKCS#8) under the last. Returns the intermediates in
/// the order a server sends them (the leaf's issuer first) and the leaf.
fn chain(root: &Issuer<'_, KeyPair>, n: usize, leaf_key: &[u8]) -> (Vec<Vec<u8>>, Vec<u8>) {
    let mut cas: Vec<CertifiedIssuer<'static, KeyPair>> = Vec::with_capacity(n);
    for i in 1..=n {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            format!("handclasp-peers intermediate {i} of {n}"),
        );
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        validity(&mut params);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let ca = match cas.last() {
            None => CertifiedIssuer::signed_by(params, key, root),
            Some(above) => CertifiedIssuer::signed_by(params, key, above),
        };
        cas.push(ca.unwrap());
    }
    let key = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(leaf_key.to_vec()),
        &rcgen::PKCS_ECDSA_P256_SHA256,
    )
    .unwrap();
    let leaf = leaf_cert(&key, cas.last().expect("at least one intermediate"));
    (cas.iter().rev().map(|ca| ca.der().to_vec()).collect(), leaf)
}
