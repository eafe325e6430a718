//! Certificates that are wrong in one way each, made with rcgen for the tests of the
//! certificate and configuration error messages: CAs that are not CAs, name and path
//! length constraints, odd extensions, self-signed leaves and weak RSA keys.

use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, PublicKeyData, SanType, SignatureAlgorithm, SigningKey,
};

/// A key rcgen can sign with: a real one, or the RSA-1024 test key, whose signatures
/// are junk (see [`WeakRsa`]).
pub enum AnyKey {
    Real(Box<KeyPair>),
    WeakRsa(WeakRsa),
}

impl PublicKeyData for AnyKey {
    fn der_bytes(&self) -> &[u8] {
        match self {
            Self::Real(k) => k.der_bytes(),
            Self::WeakRsa(k) => k.der_bytes(),
        }
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        match self {
            Self::Real(k) => PublicKeyData::algorithm(k.as_ref()),
            Self::WeakRsa(k) => k.algorithm(),
        }
    }
}

impl SigningKey for AnyKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match self {
            Self::Real(k) => k.sign(msg),
            Self::WeakRsa(k) => k.sign(msg),
        }
    }
}

/// The public half of tests/data/keys/rsa-1024.pkcs8.der. `ring` can neither sign
/// with a key this small nor verify with one: it refuses the key before looking at
/// the signature, so a certificate "signed" by it carries junk bytes and fails the
/// same way a real RSA-1024 signature would.
pub struct WeakRsa {
    rsa_public_key: Vec<u8>,
}

impl WeakRsa {
    pub fn new() -> Self {
        let pkcs8 = include_bytes!("../data/keys/rsa-1024.pkcs8.der");
        Self {
            rsa_public_key: rsa_public_key_of(pkcs8),
        }
    }
}

impl PublicKeyData for WeakRsa {
    fn der_bytes(&self) -> &[u8] {
        &self.rsa_public_key
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl SigningKey for WeakRsa {
    fn sign(&self, _msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(vec![0x5a; 128])
    }
}

/// Reads one DER element (short or long length) and returns (tag, value, rest).
fn tlv(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = der[0];
    let (len, header) = match der[1] {
        n if n < 0x80 => (n as usize, 2),
        n => {
            let bytes = (n & 0x7f) as usize;
            let len = der[2..2 + bytes]
                .iter()
                .fold(0usize, |l, b| (l << 8) | *b as usize);
            (len, 2 + bytes)
        }
    };
    (tag, &der[header..header + len], &der[header + len..])
}

fn der(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match value.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(value);
    out
}

/// RSAPublicKey { n, e } (RFC 8017 A.1.1) from a PKCS#8 RSA private key.
fn rsa_public_key_of(pkcs8: &[u8]) -> Vec<u8> {
    let (_, info, _) = tlv(pkcs8);
    let (_, _version, rest) = tlv(info);
    let (_, _algorithm, rest) = tlv(rest);
    let (_, rsa_private_key, _) = tlv(rest);
    let (_, fields, _) = tlv(rsa_private_key);
    let (_, _version, rest) = tlv(fields);
    let (_, n, rest) = tlv(rest);
    let (_, e, _) = tlv(rest);
    der(0x30, &[der(0x02, n), der(0x02, e)].concat())
}

/// A certificate that can issue others, with its key.
pub struct Node {
    pub cert: CertificateDer<'static>,
    /// The certificate as PEM.
    pub pem: String,
    issuer: Issuer<'static, AnyKey>,
}

/// A leaf: its chain (leaf first) and key.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

fn p256() -> KeyPair {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap()
}

/// A CA's parameters: CN `name`, unconstrained, valid 2025 to 2035.
pub fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    params
}

/// A server leaf's parameters: CN the first name, each name a DNS subjectAltName
/// (even one that spells an IP address), valid through 2026, serverAuth.
pub fn leaf_params(names: &[&str]) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, names.first().copied().unwrap_or("leaf"));
    for name in names {
        params
            .subject_alt_names
            .push(SanType::DnsName((*name).try_into().unwrap()));
    }
    params.not_before = rcgen::date_time_ymd(2026, 1, 1);
    params.not_after = rcgen::date_time_ymd(2027, 1, 1);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params
}

/// An extension rcgen does not know, as given: `value` is the extnValue contents.
pub fn custom_extension(oid: &[u64], value: Vec<u8>, critical: bool) -> CustomExtension {
    let mut ext = CustomExtension::from_oid_content(oid, value);
    ext.set_criticality(critical);
    ext
}

impl Node {
    /// A self-signed root with these parameters and a new P-256 key.
    pub fn root_with(params: CertificateParams) -> Self {
        let key = AnyKey::Real(Box::new(p256()));
        let cert = params.self_signed(&key).unwrap();
        Self {
            cert: cert.der().clone(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A self-signed CA named `name`.
    pub fn root(name: &str) -> Self {
        Self::root_with(ca_params(name))
    }

    /// A certificate with these parameters and `key`, issued by this one, able to
    /// issue in turn (whether a verifier accepts that is up to its parameters).
    pub fn child_with_key(&self, params: CertificateParams, key: AnyKey) -> Self {
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Self {
            cert: cert.der().clone(),
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// As [`Self::child_with_key`], with a new P-256 key.
    pub fn child(&self, params: CertificateParams) -> Self {
        self.child_with_key(params, AnyKey::Real(Box::new(p256())))
    }

    /// An intermediate CA named `name`.
    pub fn intermediate(&self, name: &str) -> Self {
        self.child(ca_params(name))
    }

    /// A leaf with these parameters and a new P-256 key; the chain holds the leaf only.
    pub fn leaf(&self, params: CertificateParams) -> Leaf {
        let key = p256();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            chain: vec![cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        }
    }

    /// A leaf whose public key is `key` (which need not be able to sign).
    pub fn leaf_with_public_key(
        &self,
        params: CertificateParams,
        key: &impl PublicKeyData,
    ) -> CertificateDer<'static> {
        params.signed_by(key, &self.issuer).unwrap().der().clone()
    }
}

/// A self-signed end-entity certificate (not a CA) for `names`.
pub fn self_signed_leaf(names: &[&str]) -> Leaf {
    let key = p256();
    let cert = leaf_params(names).self_signed(&key).unwrap();
    Leaf {
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// A new key of `alg` as PKCS#8 (not RSA: rcgen cannot make those with ring).
pub fn new_key(alg: &'static SignatureAlgorithm) -> PrivateKeyDer<'static> {
    let key = KeyPair::generate_for(alg).unwrap();
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}
