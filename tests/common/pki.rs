//! A throw-away PKI for tests: a root CA, an intermediate and leaf certificates made
//! with rcgen, with chosen names, validity windows, key usages and key types.

use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use handclasp::time::UnixTime;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType, SignatureAlgorithm,
};

/// 2026-01-01T00:00:00Z
pub const JAN_2026: u64 = 1_767_225_600;
/// 2027-01-01T00:00:00Z
pub const JAN_2027: u64 = 1_798_761_600;
/// 2026-11-29T12:00:00Z, inside the default validity window.
pub const NOV_2026: u64 = 1_795_953_600;

pub fn at(secs: u64) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs))
}

/// A certificate authority able to issue leaves.
pub struct Ca {
    pub cert: CertificateDer<'static>,
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A leaf certificate with its chain (leaf, intermediates...) and private key.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    params
}

impl Ca {
    /// A self-signed root.
    pub fn root(name: &str) -> Self {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let issuer = CertifiedIssuer::self_signed(ca_params(name), key).unwrap();
        Self {
            cert: issuer.der().clone(),
            issuer,
        }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, name: &str) -> Self {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let issuer = CertifiedIssuer::signed_by(ca_params(name), key, &self.issuer).unwrap();
        Self {
            cert: issuer.der().clone(),
            issuer,
        }
    }

    /// Issues a leaf; see [`LeafSpec`].
    pub fn issue(&self, spec: &LeafSpec) -> Leaf {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            spec.names.first().copied().unwrap_or("leaf"),
        );
        for name in &spec.names {
            params
                .subject_alt_names
                .push(match name.parse::<std::net::IpAddr>() {
                    Ok(ip) => SanType::IpAddress(ip),
                    Err(_) => SanType::DnsName((*name).try_into().unwrap()),
                });
        }
        params.not_before =
            rcgen::date_time_ymd(spec.not_before.0, spec.not_before.1, spec.not_before.2);
        params.not_after =
            rcgen::date_time_ymd(spec.not_after.0, spec.not_after.1, spec.not_after.2);
        params.extended_key_usages = spec.usages.clone();
        let key = if RSA.contains(&spec.algorithm) {
            KeyPair::from_pkcs8_der_and_sign_algo(&rsa_2048_key(), spec.algorithm).unwrap()
        } else {
            KeyPair::generate_for(spec.algorithm).unwrap()
        };
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            chain: vec![cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }
}

/// The RSA signature algorithms a leaf can have: rcgen cannot generate RSA keys with
/// ring, so such a leaf reuses the RSA-2048 test key in tests/data/keys.
const RSA: [&SignatureAlgorithm; 3] = [
    &rcgen::PKCS_RSA_SHA256,
    &rcgen::PKCS_RSA_SHA384,
    &rcgen::PKCS_RSA_SHA512,
];

/// The RSA-2048 test key in tests/data/keys (made by gen.sh there).
pub fn rsa_2048_key() -> PrivatePkcs8KeyDer<'static> {
    PrivatePkcs8KeyDer::from(include_bytes!("../data/keys/rsa-2048.pkcs8.der").to_vec())
}

/// What leaf to make.
pub struct LeafSpec {
    pub names: Vec<&'static str>,
    pub not_before: (i32, u8, u8),
    pub not_after: (i32, u8, u8),
    pub usages: Vec<ExtendedKeyUsagePurpose>,
    /// The leaf's key type; an RSA one uses the fixed key [`rsa_2048_key`].
    pub algorithm: &'static SignatureAlgorithm,
}

impl LeafSpec {
    /// A server certificate for `names`, valid through 2026, ECDSA P-256.
    pub fn server(names: &[&'static str]) -> Self {
        Self {
            names: names.to_vec(),
            not_before: (2026, 1, 1),
            not_after: (2027, 1, 1),
            usages: vec![ExtendedKeyUsagePurpose::ServerAuth],
            algorithm: &rcgen::PKCS_ECDSA_P256_SHA256,
        }
    }

    /// A client certificate, valid through 2026, ECDSA P-256.
    pub fn client(name: &'static str) -> Self {
        Self {
            usages: vec![ExtendedKeyUsagePurpose::ClientAuth],
            ..Self::server(&[name])
        }
    }
}

/// A root, an intermediate, and a server leaf for `names` issued by the intermediate
/// (the returned chain is leaf, intermediate).
pub fn server_chain(names: &[&'static str]) -> (Ca, Leaf) {
    let root = Ca::root("handclasp test root");
    let inter = root.intermediate("handclasp test intermediate");
    let mut leaf = inter.issue(&LeafSpec::server(names));
    leaf.chain.push(inter.cert.clone());
    (root, leaf)
}
