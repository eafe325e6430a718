//! Private key loading: PKCS#8 (every key type), SEC1 (ECDSA) and PKCS#1 (RSA) DER
//! into a [`SigningKey`] backed by `ring`.
//!
//! `ring` reads only PKCS#8 for EC keys, so a SEC1 key is wrapped into a PKCS#8
//! PrivateKeyInfo here. Before handing a key to `ring` we look at its algorithm
//! identifier, so a rejected key gets an error that says why.

use alloc::sync::Arc;

use pki_types::{AlgorithmIdentifier, PrivateKeyDer, alg_id};
use ring::signature::{self, RsaKeyPair};

use super::der::{self, DerError};
use super::keys::{EcdsaSigningKey, Ed25519SigningKey, RsaSigningKey};
use crate::crypto::{KeyProvider, SigningKey};
use crate::enums::SignatureScheme;
use crate::error::Error;

/// Loads PKCS#8, SEC1 and PKCS#1 keys for ECDSA, Ed25519 and RSA.
///
/// Accepted: ECDSA P-256 and P-384 (PKCS#8 or SEC1 naming its curve), Ed25519 (PKCS#8
/// v1 or v2), RSA of 2048 to 4096 bits (PKCS#8 or PKCS#1).
#[derive(Debug)]
pub struct RingKeyProvider;

/// The provider's key loader.
pub static RING_KEY_PROVIDER: RingKeyProvider = RingKeyProvider;

/// The smallest RSA modulus we sign with (NIST SP 800-57: 112-bit security).
const RSA_MIN_BITS: usize = 2048;
/// The largest RSA modulus `ring` signs with.
const RSA_MAX_BITS: usize = 4096;

/// id-ecPublicKey (RFC 5480 2.1.1) as a complete DER OBJECT IDENTIFIER.
const ID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// secp256r1 (RFC 5480 2.1.1.1) as a complete DER OBJECT IDENTIFIER.
const SECP256R1_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1 (RFC 5480 2.1.1.1) as a complete DER OBJECT IDENTIFIER.
const SECP384R1_OID: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

impl KeyProvider for RingKeyProvider {
    fn load_private_key(&self, key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, Error> {
        match &key {
            PrivateKeyDer::Pkcs8(k) => load_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Sec1(k) => load_sec1(k.secret_sec1_der()),
            PrivateKeyDer::Pkcs1(k) => load_pkcs1(k.secret_pkcs1_der()),
            _ => Err(Error::InvalidPrivateKey("unknown private key encoding")),
        }
    }
}

/// The curves we sign with: the SEC1 named-curve OID, `ring`'s algorithm, the TLS
/// scheme (RFC 8446 4.2.3 binds each ECDSA scheme to one curve) and the SPKI algorithm.
struct Curve {
    oid: &'static [u8],
    signing: &'static signature::EcdsaSigningAlgorithm,
    scheme: SignatureScheme,
    public_key_alg: AlgorithmIdentifier,
}

static CURVES: &[Curve] = &[
    Curve {
        oid: SECP256R1_OID,
        signing: &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        scheme: SignatureScheme::ECDSA_NISTP256_SHA256,
        public_key_alg: alg_id::ECDSA_P256,
    },
    Curve {
        oid: SECP384R1_OID,
        signing: &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        scheme: SignatureScheme::ECDSA_NISTP384_SHA384,
        public_key_alg: alg_id::ECDSA_P384,
    },
];

fn load_ecdsa_pkcs8(curve: &Curve, pkcs8: &[u8]) -> Result<Arc<dyn SigningKey>, Error> {
    let key =
        EcdsaSigningKey::from_pkcs8(curve.signing, curve.scheme, curve.public_key_alg, pkcs8)?;
    Ok(Arc::new(key))
}

/// PrivateKeyInfo (RFC 5208 5, RFC 5958 2): dispatch on the algorithm identifier.
fn load_pkcs8(pkcs8: &[u8]) -> Result<Arc<dyn SigningKey>, Error> {
    let (algorithm, private_key) = parse_pkcs8(pkcs8)
        .map_err(|_| Error::InvalidPrivateKey("the PKCS#8 PrivateKeyInfo is malformed"))?;
    if let Some(curve) = CURVES
        .iter()
        .find(|c| algorithm == c.public_key_alg.as_ref())
    {
        return load_ecdsa_pkcs8(curve, pkcs8);
    }
    if algorithm == alg_id::ED25519.as_ref() {
        return Ok(Arc::new(Ed25519SigningKey::from_pkcs8(pkcs8)?));
    }
    if algorithm == alg_id::RSA_ENCRYPTION.as_ref() {
        check_rsa_size(private_key)?;
        let key = RsaKeyPair::from_pkcs8(pkcs8).map_err(rsa_rejected)?;
        return Ok(Arc::new(RsaSigningKey::new(key)?));
    }
    if algorithm.starts_with(ID_EC_PUBLIC_KEY) {
        return Err(Error::InvalidPrivateKey(
            "the EC key's curve is not supported (only P-256 and P-384)",
        ));
    }
    Err(Error::InvalidPrivateKey(
        "the PKCS#8 key's algorithm is not supported (only ECDSA P-256/P-384, Ed25519, RSA)",
    ))
}

/// Returns the AlgorithmIdentifier contents and the privateKey OCTET STRING contents.
fn parse_pkcs8(pkcs8: &[u8]) -> Result<(&[u8], &[u8]), DerError> {
    untrusted::Input::from(pkcs8).read_all(DerError, |outer| {
        let info = der::expect_tlv(outer, der::SEQUENCE)?;
        info.read_all(DerError, |r| {
            der::expect_tlv(r, der::INTEGER)?;
            let algorithm = der::expect_tlv(r, der::SEQUENCE)?;
            let private_key = der::expect_tlv(r, der::OCTET_STRING)?;
            // Attributes and (v2) the public key may follow; `ring` checks them.
            r.skip_to_end();
            Ok((
                algorithm.as_slice_less_safe(),
                private_key.as_slice_less_safe(),
            ))
        })
    })
}

/// ECPrivateKey (SEC1 C.4, RFC 5915 3): wrap it in a PKCS#8 PrivateKeyInfo naming the
/// curve from its `parameters [0]`, then load that.
fn load_sec1(sec1: &[u8]) -> Result<Arc<dyn SigningKey>, Error> {
    let params = sec1_curve(sec1)
        .map_err(|_| Error::InvalidPrivateKey("the SEC1 ECPrivateKey is malformed"))?
        .ok_or(Error::InvalidPrivateKey(
            "the SEC1 EC key does not name its curve (no parameters); use PKCS#8",
        ))?;
    let curve = CURVES
        .iter()
        .find(|c| c.oid == params)
        .ok_or(Error::InvalidPrivateKey(
            "the SEC1 EC key's curve is not supported (only named P-256 and P-384)",
        ))?;
    // RFC 5208 5: PrivateKeyInfo ::= SEQUENCE { version INTEGER (0),
    // privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING }; for EC keys
    // the OCTET STRING holds the ECPrivateKey unchanged (RFC 5915 2).
    let algorithm = der::tlv(der::SEQUENCE, &[curve.public_key_alg.as_ref()]);
    let mut private_key = der::tlv(der::OCTET_STRING, &[sec1]);
    let mut pkcs8 = der::tlv(
        der::SEQUENCE,
        &[&[0x02, 0x01, 0x00], &algorithm, &private_key],
    );
    let result = load_ecdsa_pkcs8(curve, &pkcs8);
    // Both temporaries hold a copy of the private key.
    wipe(&mut pkcs8);
    wipe(&mut private_key);
    result
}

/// The complete OID element inside an ECPrivateKey's `parameters [0]`, if present.
fn sec1_curve(sec1: &[u8]) -> Result<Option<&[u8]>, DerError> {
    untrusted::Input::from(sec1).read_all(DerError, |outer| {
        let key = der::expect_tlv(outer, der::SEQUENCE)?;
        key.read_all(DerError, |r| {
            // ECPrivateKey ::= SEQUENCE { version INTEGER { ecPrivkeyVer1(1) },
            //   privateKey OCTET STRING, parameters [0] ECParameters OPTIONAL,
            //   publicKey [1] BIT STRING OPTIONAL }
            if der::expect_tlv(r, der::INTEGER)?.as_slice_less_safe() != [1] {
                return Err(DerError);
            }
            der::expect_tlv(r, der::OCTET_STRING)?;
            let mut params = None;
            while !r.at_end() {
                let (tag, value) = der::read_tlv(r)?;
                if tag == der::CONTEXT_0 {
                    params = Some(value.as_slice_less_safe());
                }
            }
            Ok(params)
        })
    })
}

/// RSAPrivateKey (RFC 8017 A.1.2).
fn load_pkcs1(pkcs1: &[u8]) -> Result<Arc<dyn SigningKey>, Error> {
    check_rsa_size(pkcs1)?;
    let key = RsaKeyPair::from_der(pkcs1).map_err(rsa_rejected)?;
    Ok(Arc::new(RsaSigningKey::new(key)?))
}

fn rsa_rejected(_: ring::error::KeyRejected) -> Error {
    Error::InvalidPrivateKey("the RSA key is malformed or inconsistent")
}

/// Refuses moduli outside 2048..=4096 bits with an error that says which way.
fn check_rsa_size(pkcs1: &[u8]) -> Result<(), Error> {
    let bits = rsa_modulus_bits(pkcs1)
        .map_err(|_| Error::InvalidPrivateKey("the RSA private key is malformed"))?;
    if bits < RSA_MIN_BITS {
        return Err(Error::InvalidPrivateKey(
            "the RSA key is smaller than 2048 bits, too weak to use",
        ));
    }
    if bits > RSA_MAX_BITS {
        return Err(Error::InvalidPrivateKey(
            "the RSA key is larger than 4096 bits, more than ring can sign with",
        ));
    }
    Ok(())
}

/// The bit length of the modulus in an RSAPrivateKey ::= SEQUENCE { version,
/// modulus INTEGER, ... }.
fn rsa_modulus_bits(pkcs1: &[u8]) -> Result<usize, DerError> {
    untrusted::Input::from(pkcs1).read_all(DerError, |outer| {
        let key = der::expect_tlv(outer, der::SEQUENCE)?;
        key.read_all(DerError, |r| {
            der::expect_tlv(r, der::INTEGER)?;
            let modulus = der::expect_tlv(r, der::INTEGER)?.as_slice_less_safe();
            r.skip_to_end();
            let skip = modulus.iter().take_while(|b| **b == 0).count();
            let significant = modulus.get(skip..).unwrap_or_default();
            Ok(match significant.first() {
                Some(first) => significant.len() * 8 - first.leading_zeros() as usize,
                None => 0,
            })
        })
    })
}

/// Overwrites a temporary copy of key material.
fn wipe(buf: &mut [u8]) {
    buf.iter_mut().for_each(|b| *b = 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn modulus_bits_ignore_the_sign_byte() {
        // SEQUENCE { INTEGER 0, INTEGER 0x00ff.. (8 bits after the sign byte) }
        let key = [0x30, 0x07, 0x02, 0x01, 0x00, 0x02, 0x02, 0x00, 0xff];
        assert_eq!(rsa_modulus_bits(&key), Ok(8));
        let key = [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01];
        assert_eq!(rsa_modulus_bits(&key), Ok(1));
    }

    #[test]
    fn malformed_keys_are_errors_not_panics() {
        for len in 0..40 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 0x30) as u8).collect();
            for key in [
                PrivateKeyDer::Pkcs8(junk.clone().into()),
                PrivateKeyDer::Sec1(junk.clone().into()),
                PrivateKeyDer::Pkcs1(junk.clone().into()),
            ] {
                assert!(matches!(
                    RING_KEY_PROVIDER.load_private_key(key),
                    Err(Error::InvalidPrivateKey(_))
                ));
            }
        }
    }
}
