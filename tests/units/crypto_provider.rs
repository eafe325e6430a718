//! The `ring` crypto provider, through the public provider API only: HKDF, AEAD and
//! key-exchange known answers, key loading, signing and verification (including
//! signatures made by OpenSSL), and restricting a provider.

use crate::common;

use std::sync::Arc;

use common::hex;
use handclasp::crypto::ring::{
    AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305, HMAC_SHA256, RING_KEY_PROVIDER, SECP256R1,
    SECP384R1, SUPPORTED_SIG_ALGS, TLS13_AES_256_GCM_SHA384, X25519, default_provider,
};
use handclasp::crypto::{
    AeadAlgorithm, KeyProvider, SignatureAlgorithm, SigningKey, SupportedCipherSuite,
    SupportedKxGroup, hkdf,
};
use handclasp::enums::{CipherSuite, NamedGroup, SignatureScheme};
use handclasp::error::{Error, PeerMisbehaved};
use pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};

// ---------------------------------------------------------------------------------
// HKDF (RFC 5869 appendix A)
// ---------------------------------------------------------------------------------

struct HkdfCase {
    ikm: &'static str,
    salt: &'static str,
    info: &'static str,
    prk: &'static str,
    okm: &'static str,
}

/// RFC 5869 A.1-A.3, the SHA-256 cases. A.4-A.7 use HMAC-SHA-1, which the provider
/// does not offer (TLS 1.2 and 1.3 never derive keys with SHA-1), so they are not here.
const RFC5869_SHA256: &[HkdfCase] = &[
    // A.1: basic test case with SHA-256.
    HkdfCase {
        ikm: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        salt: "000102030405060708090a0b0c",
        info: "f0f1f2f3f4f5f6f7f8f9",
        prk: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf\
              34007208d5b887185865",
    },
    // A.2: longer inputs and outputs.
    HkdfCase {
        ikm: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\
              202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\
              404142434445464748494a4b4c4d4e4f",
        salt: "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f\
               808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f\
               a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        info: "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf\
               d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef\
               f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        prk: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
        okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c\
              59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71\
              cc30c58179ec3e87c14c01d5c1f3434f1d87",
    },
    // A.3: zero-length salt and info.
    HkdfCase {
        ikm: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        salt: "",
        info: "",
        prk: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d\
              9d201395faa4b61a96c8",
    },
];

#[test]
fn hkdf_sha256_matches_rfc5869_appendix_a() {
    for (i, case) in RFC5869_SHA256.iter().enumerate() {
        let prk = hkdf::extract(&HMAC_SHA256, &hex(case.salt), &hex(case.ikm));
        assert_eq!(prk.as_ref(), &hex(case.prk)[..], "case {} PRK", i + 1);

        let expected = hex(case.okm);
        let info = hex(case.info);
        let mut okm = vec![0u8; expected.len()];
        hkdf::expand(&HMAC_SHA256, prk.as_ref(), &[&info], &mut okm).unwrap();
        assert_eq!(okm, expected, "case {} OKM", i + 1);

        // The info may arrive in parts: the result is that of their concatenation.
        let (a, b) = info.split_at(info.len() / 2);
        let mut split = vec![0u8; expected.len()];
        hkdf::expand(&HMAC_SHA256, prk.as_ref(), &[a, &[], b], &mut split).unwrap();
        assert_eq!(split, expected, "case {} OKM from split info", i + 1);
    }
}

#[test]
fn hkdf_expand_refuses_more_than_255_blocks() {
    let mut out = vec![0u8; 255 * 32 + 1];
    assert!(hkdf::expand(&HMAC_SHA256, &[0u8; 32], &[], &mut out).is_err());
    let mut out = vec![0u8; 255 * 32];
    assert!(hkdf::expand(&HMAC_SHA256, &[0u8; 32], &[], &mut out).is_ok());
}

// ---------------------------------------------------------------------------------
// AEAD known answers
// ---------------------------------------------------------------------------------

struct AeadCase {
    key: Vec<u8>,
    nonce: [u8; 12],
    aad: Vec<u8>,
    plaintext: Vec<u8>,
    ciphertext: Vec<u8>,
    tag: [u8; 16],
}

fn nonce(s: &str) -> [u8; 12] {
    hex(s).try_into().unwrap()
}

fn tag(s: &str) -> [u8; 16] {
    hex(s).try_into().unwrap()
}

/// Seals and opens `case` in place, then checks that flipping one bit of the
/// ciphertext, the tag or the AAD makes opening fail with `DecryptError`.
fn check_aead(alg: &dyn AeadAlgorithm, case: &AeadCase) {
    assert_eq!(alg.key_len(), case.key.len());
    let key = alg.new_key(&case.key).unwrap();

    let mut buf = case.plaintext.clone();
    let got_tag = key.seal_in_place(&case.nonce, &case.aad, &mut buf).unwrap();
    assert_eq!(buf, case.ciphertext, "{} ciphertext", alg.name());
    assert_eq!(got_tag, case.tag, "{} tag", alg.name());

    let sealed: Vec<u8> = [&case.ciphertext[..], &case.tag[..]].concat();
    let mut buf = sealed.clone();
    let len = key.open_in_place(&case.nonce, &case.aad, &mut buf).unwrap();
    assert_eq!(&buf[..len], &case.plaintext[..], "{} plaintext", alg.name());

    // One flipped bit anywhere in the ciphertext or the tag.
    for bit in [0, sealed.len() * 8 / 2, sealed.len() * 8 - 1] {
        let mut buf = sealed.clone();
        buf[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            key.open_in_place(&case.nonce, &case.aad, &mut buf),
            Err(Error::DecryptError),
            "{} bit {bit} flipped",
            alg.name()
        );
    }
    // A flipped bit in the AAD (or AAD added where there was none).
    let mut aad = case.aad.clone();
    match aad.first_mut() {
        Some(first) => *first ^= 0x80,
        None => aad.push(0),
    }
    let mut buf = sealed.clone();
    assert_eq!(
        key.open_in_place(&case.nonce, &aad, &mut buf),
        Err(Error::DecryptError),
        "{} AAD changed",
        alg.name()
    );
    // The wrong nonce.
    let mut wrong_nonce = case.nonce;
    wrong_nonce[11] ^= 1;
    let mut buf = sealed.clone();
    assert_eq!(
        key.open_in_place(&wrong_nonce, &case.aad, &mut buf),
        Err(Error::DecryptError)
    );
    // Shorter than a tag.
    let mut short = [0u8; 15];
    assert_eq!(
        key.open_in_place(&case.nonce, &case.aad, &mut short),
        Err(Error::DecryptError)
    );
}

#[test]
fn chacha20_poly1305_matches_rfc8439_section_2_8_2() {
    let case = AeadCase {
        key: hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
        // The 32-bit constant 07000000 followed by the 64-bit IV 4041424344454647.
        nonce: nonce("070000004041424344454647"),
        aad: hex("50515253c0c1c2c3c4c5c6c7"),
        plaintext: b"Ladies and Gentlemen of the class of '99: If I could offer you \
                     only one tip for the future, sunscreen would be it."
            .to_vec(),
        ciphertext: hex(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6\
                         3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
                         92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
                         3ff4def08e4b7a9de576d26586cec64b6116",
        ),
        tag: tag("1ae10b594f09e26a7e902ecbd0600691"),
    };
    assert_eq!(case.plaintext.len(), 114);
    check_aead(&CHACHA20_POLY1305, &case);
}

// The AES-GCM vectors are test cases 4 (AES-128) and 16 (AES-256) of D. McGrew and
// J. Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B
// (http://csrc.nist.gov/groups/ST/toolkit/BCM/documents/proposedmodes/gcm/gcm-spec.pdf):
// a 60-byte plaintext (not a whole number of blocks) with 20 bytes of AAD.
const GCM_SPEC_PLAINTEXT: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                                  1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
const GCM_SPEC_AAD: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

#[test]
fn aes_128_gcm_matches_gcm_spec_test_case_4() {
    let case = AeadCase {
        key: hex("feffe9928665731c6d6a8f9467308308"),
        nonce: nonce("cafebabefacedbaddecaf888"),
        aad: hex(GCM_SPEC_AAD),
        plaintext: hex(GCM_SPEC_PLAINTEXT),
        ciphertext: hex(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
                         21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        ),
        tag: tag("5bc94fbc3221a5db94fae95ae7121a47"),
    };
    check_aead(&AES_128_GCM, &case);
}

#[test]
fn aes_256_gcm_matches_gcm_spec_test_case_16() {
    let case = AeadCase {
        key: hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"),
        nonce: nonce("cafebabefacedbaddecaf888"),
        aad: hex(GCM_SPEC_AAD),
        plaintext: hex(GCM_SPEC_PLAINTEXT),
        ciphertext: hex(
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
                         8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        ),
        tag: tag("76fc6ece0f4e1768cddf8853bb2d551b"),
    };
    check_aead(&AES_256_GCM, &case);
}

#[test]
fn aead_keys_of_the_wrong_length_are_refused() {
    for alg in [
        &AES_128_GCM as &dyn AeadAlgorithm,
        &AES_256_GCM,
        &CHACHA20_POLY1305,
    ] {
        assert!(alg.new_key(&vec![0u8; alg.key_len() - 1]).is_err());
        assert!(alg.new_key(&vec![0u8; alg.key_len() + 1]).is_err());
        assert!(alg.new_key(&vec![0u8; alg.key_len()]).is_ok());
    }
}

// ---------------------------------------------------------------------------------
// Key exchange
// ---------------------------------------------------------------------------------

/// Each group with its code point, public key length (RFC 8446 4.2.8.2: 32 bytes for
/// X25519, an uncompressed point 04 || X || Y for the NIST curves) and secret length.
fn groups() -> [(&'static dyn SupportedKxGroup, NamedGroup, usize, usize); 3] {
    [
        (&X25519, NamedGroup::X25519, 32, 32),
        (&SECP256R1, NamedGroup::secp256r1, 65, 32),
        (&SECP384R1, NamedGroup::secp384r1, 97, 48),
    ]
}

#[test]
fn key_exchange_both_sides_agree() {
    for (group, name, public_len, secret_len) in groups() {
        assert_eq!(group.name(), name);
        let alice = group.start().unwrap();
        let bob = group.start().unwrap();
        assert_eq!(alice.group(), name);
        assert_eq!(alice.public_key().len(), public_len, "{name:?}");
        assert_eq!(bob.public_key().len(), public_len, "{name:?}");
        assert_ne!(alice.public_key(), bob.public_key(), "{name:?}");
        if public_len != 32 {
            assert_eq!(alice.public_key()[0], 0x04, "{name:?} uncompressed point");
        }
        let alice_public = alice.public_key().to_vec();
        let bob_public = bob.public_key().to_vec();
        let a = alice.complete(&bob_public).unwrap();
        let b = bob.complete(&alice_public).unwrap();
        assert_eq!(a.secret_bytes(), b.secret_bytes(), "{name:?}");
        assert_eq!(a.secret_bytes().len(), secret_len, "{name:?}");
        assert!(a.secret_bytes().iter().any(|b| *b != 0), "{name:?}");
    }
}

fn assert_invalid_share(group: &dyn SupportedKxGroup, peer: &[u8], what: &str) {
    let ours = group.start().unwrap();
    assert_eq!(
        ours.complete(peer).unwrap_err(),
        Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare),
        "{:?}: {what}",
        group.name()
    );
}

#[test]
fn malformed_peer_key_shares_are_refused() {
    for (group, _, public_len, _) in groups() {
        let valid = group.start().unwrap().public_key().to_vec();
        assert_invalid_share(group, &[], "empty");
        assert_invalid_share(group, &valid[..public_len - 1], "one byte short");
        assert_invalid_share(group, &[&valid[..], &[0]].concat(), "one byte long");
    }

    // X25519 (RFC 7748 6.1, RFC 8446 7.4.2): points of small order give an all-zero
    // shared secret, which must be refused. u = 0 and u = 1 are two of them.
    assert_invalid_share(&X25519, &[0u8; 32], "all-zero point");
    let mut one = [0u8; 32];
    one[0] = 1;
    assert_invalid_share(&X25519, &one, "u = 1 (small order)");

    // NIST curves: (1, 1) is not on either curve (1 != 1 - 3 + b), the all-zero
    // encoding is not a point, and compressed points are not allowed in TLS 1.3.
    for (group, coord_len) in [(&SECP256R1 as &dyn SupportedKxGroup, 32), (&SECP384R1, 48)] {
        let mut off_curve = vec![0x04];
        for _ in 0..2 {
            off_curve.extend(std::iter::repeat_n(0, coord_len - 1));
            off_curve.push(1);
        }
        assert_invalid_share(group, &off_curve, "(1, 1) is not on the curve");
        assert_invalid_share(group, &vec![0u8; 1 + 2 * coord_len], "all zeros");

        let valid = group.start().unwrap().public_key().to_vec();
        let mut compressed = vec![0x02 | (valid[valid.len() - 1] & 1)];
        compressed.extend_from_slice(&valid[1..=coord_len]);
        assert_invalid_share(group, &compressed, "compressed point");

        let mut wrong_form = valid.clone();
        wrong_form[0] = 0x05;
        assert_invalid_share(group, &wrong_form, "unknown point form");
    }
}

// ---------------------------------------------------------------------------------
// Signing keys and verification
// ---------------------------------------------------------------------------------

fn key_file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pkcs8(name: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_file(name)))
}

fn sec1(name: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(key_file(name)))
}

fn pkcs1(name: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(key_file(name)))
}

fn load(key: PrivateKeyDer<'static>) -> Arc<dyn SigningKey> {
    RING_KEY_PROVIDER.load_private_key(key).unwrap()
}

fn load_err(key: PrivateKeyDer<'static>) -> &'static str {
    match RING_KEY_PROVIDER.load_private_key(key) {
        Err(Error::InvalidPrivateKey(why)) => why,
        other => panic!("expected InvalidPrivateKey, got {other:?}"),
    }
}

/// Reads one DER element (single-byte tag, definite length): (tag, value, rest).
fn der_element(input: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = input[0];
    let (len, header) = match input[1] {
        n @ 0..=0x7f => (n as usize, 2),
        n => {
            let count = (n & 0x7f) as usize;
            let len = input[2..2 + count]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize);
            (len, 2 + count)
        }
    };
    (tag, &input[header..header + len], &input[header + len..])
}

/// Splits SubjectPublicKeyInfo DER (RFC 5280 4.1.2.7) into the AlgorithmIdentifier
/// contents and the subjectPublicKey bits.
fn parse_spki(spki: &[u8]) -> (&[u8], &[u8]) {
    let (tag, body, rest) = der_element(spki);
    assert_eq!((tag, rest.len()), (0x30, 0));
    let (tag, algorithm, body) = der_element(body);
    assert_eq!(tag, 0x30);
    let (tag, bits, rest) = der_element(body);
    assert_eq!((tag, bits[0], rest.len()), (0x03, 0, 0));
    (algorithm, &bits[1..])
}

/// Verifies through `SUPPORTED_SIG_ALGS.for_scheme(scheme)`, with the algorithm whose
/// public key identifier matches the SPKI's (as a certificate verifier would pick).
fn verify(scheme: SignatureScheme, spki: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (algorithm, key_bits) = parse_spki(spki);
    let algs = SUPPORTED_SIG_ALGS
        .for_scheme(scheme)
        .unwrap_or_else(|| panic!("{scheme:?} is not verifiable"));
    let alg = algs
        .iter()
        .find(|a| a.public_key_alg_id().as_ref() == algorithm)
        .unwrap_or_else(|| panic!("{scheme:?} has no algorithm for this key type"));
    alg.verify_signature(key_bits, message, signature).is_ok()
}

/// Every scheme with a code point, supported or not.
const EVERY_SCHEME: &[SignatureScheme] = &[
    SignatureScheme::RSA_PKCS1_SHA1,
    SignatureScheme::ECDSA_SHA1_Legacy,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ECDSA_NISTP521_SHA512,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::ED25519,
    SignatureScheme::ED448,
    SignatureScheme::RSA_PSS_PSS_SHA256,
    SignatureScheme::RSA_PSS_PSS_SHA384,
    SignatureScheme::RSA_PSS_PSS_SHA512,
];

const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

/// Loads `key`, and for every scheme it supports signs, verifies with the public key
/// from `spki`, and checks that a tampered message or signature fails; every other
/// scheme must be declined.
fn check_key(
    what: &str,
    key: PrivateKeyDer<'static>,
    spki: &[u8],
    algorithm: SignatureAlgorithm,
    schemes: &[SignatureScheme],
) {
    let key = load(key);
    assert_eq!(key.algorithm(), algorithm, "{what}");
    assert_eq!(
        key.public_key().as_deref(),
        Some(spki),
        "{what}: public_key() matches the SPKI"
    );
    let message = format!("handclasp test message signed by {what}");
    for &scheme in EVERY_SCHEME {
        let Some(signer) = key.choose_scheme(&[scheme]) else {
            assert!(!schemes.contains(&scheme), "{what} declined {scheme:?}");
            continue;
        };
        assert!(schemes.contains(&scheme), "{what} accepted {scheme:?}");
        assert_eq!(signer.scheme(), scheme);
        let signature = signer.sign(message.as_bytes()).unwrap();
        assert!(
            verify(scheme, spki, message.as_bytes(), &signature),
            "{what} {scheme:?} verifies"
        );
        let mut tampered = message.clone().into_bytes();
        tampered[0] ^= 1;
        assert!(
            !verify(scheme, spki, &tampered, &signature),
            "{what} {scheme:?}: tampered message"
        );
        let mut bad_signature = signature.clone();
        let last = bad_signature.len() - 1;
        bad_signature[last] ^= 1;
        assert!(
            !verify(scheme, spki, message.as_bytes(), &bad_signature),
            "{what} {scheme:?}: tampered signature"
        );
    }
}

#[test]
fn ecdsa_keys_sign_and_verify() {
    let p256 = key_file("ecdsa-p256.spki.der");
    let p384 = key_file("ecdsa-p384.spki.der");
    let p256_schemes = &[SignatureScheme::ECDSA_NISTP256_SHA256];
    let p384_schemes = &[SignatureScheme::ECDSA_NISTP384_SHA384];
    let ecdsa = SignatureAlgorithm::Ecdsa;
    check_key(
        "P-256 SEC1",
        sec1("ecdsa-p256.sec1.der"),
        &p256,
        ecdsa,
        p256_schemes,
    );
    check_key(
        "P-256 PKCS#8",
        pkcs8("ecdsa-p256.pkcs8.der"),
        &p256,
        ecdsa,
        p256_schemes,
    );
    check_key(
        "P-384 SEC1",
        sec1("ecdsa-p384.sec1.der"),
        &p384,
        ecdsa,
        p384_schemes,
    );
    check_key(
        "P-384 PKCS#8",
        pkcs8("ecdsa-p384.pkcs8.der"),
        &p384,
        ecdsa,
        p384_schemes,
    );
}

#[test]
fn ed25519_keys_sign_and_verify() {
    let spki = key_file("ed25519.spki.der");
    // OpenSSL writes PKCS#8 v1 (no public key).
    check_key(
        "Ed25519 PKCS#8 v1",
        pkcs8("ed25519.pkcs8.der"),
        &spki,
        SignatureAlgorithm::Ed25519,
        &[SignatureScheme::ED25519],
    );

    // A PKCS#8 v2 key (RFC 5958: with the public key), made by ring for this test.
    let rng = ring::rand::SystemRandom::new();
    let v2 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let v2 = v2.as_ref().to_vec();
    assert_eq!(v2[2..5], [0x02, 0x01, 0x01], "version 2 (encoded 1)");
    let spki = load(PrivateKeyDer::Pkcs8(v2.clone().into()))
        .public_key()
        .unwrap()
        .as_ref()
        .to_vec();
    check_key(
        "Ed25519 PKCS#8 v2",
        PrivateKeyDer::Pkcs8(v2.into()),
        &spki,
        SignatureAlgorithm::Ed25519,
        &[SignatureScheme::ED25519],
    );
}

#[test]
fn rsa_keys_sign_and_verify() {
    for bits in [2048, 4096] {
        let spki = key_file(&format!("rsa-{bits}.spki.der"));
        for (form, key) in [
            ("PKCS#1", pkcs1(&format!("rsa-{bits}.pkcs1.der"))),
            ("PKCS#8", pkcs8(&format!("rsa-{bits}.pkcs8.der"))),
        ] {
            check_key(
                &format!("RSA-{bits} {form}"),
                key,
                &spki,
                SignatureAlgorithm::Rsa,
                RSA_SCHEMES,
            );
        }
        let key = load(pkcs8(&format!("rsa-{bits}.pkcs8.der")));
        let signer = key
            .choose_scheme(&[SignatureScheme::RSA_PSS_SHA256])
            .unwrap();
        assert_eq!(signer.sign(b"x").unwrap().len(), bits / 8);
    }
}

#[test]
fn choose_scheme_follows_the_peers_order() {
    let rsa = load(pkcs8("rsa-2048.pkcs8.der"));
    let offered = [
        SignatureScheme::ED25519,
        SignatureScheme::ECDSA_NISTP256_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384,
        SignatureScheme::RSA_PSS_SHA256,
    ];
    assert_eq!(
        rsa.choose_scheme(&offered).unwrap().scheme(),
        SignatureScheme::RSA_PKCS1_SHA384
    );
    let p256 = load(sec1("ecdsa-p256.sec1.der"));
    assert_eq!(
        p256.choose_scheme(&offered).unwrap().scheme(),
        SignatureScheme::ECDSA_NISTP256_SHA256
    );
    let ed25519 = load(pkcs8("ed25519.pkcs8.der"));
    assert_eq!(
        ed25519.choose_scheme(&offered).unwrap().scheme(),
        SignatureScheme::ED25519
    );
    // Nothing in common: no signer.
    let p384 = load(pkcs8("ecdsa-p384.pkcs8.der"));
    assert!(p384.choose_scheme(&offered).is_none());
    assert!(rsa.choose_scheme(&[]).is_none());
    assert!(
        rsa.choose_scheme(&[
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::RSA_PSS_PSS_SHA256
        ])
        .is_none()
    );
}

#[test]
fn unsuitable_keys_are_refused_with_a_reason() {
    for key in [pkcs1("rsa-1024.pkcs1.der"), pkcs8("rsa-1024.pkcs8.der")] {
        let why = load_err(key);
        assert!(why.contains("smaller than 2048"), "{why}");
    }

    // An RSAPrivateKey whose modulus has 4104 bits (more than ring signs with): the
    // size is refused before anything else about the key is looked at.
    let mut modulus = vec![0x00, 0x80];
    modulus.extend(std::iter::repeat_n(0x11, 512));
    let mut body = vec![0x02, 0x01, 0x00, 0x02, 0x82];
    body.extend_from_slice(&(modulus.len() as u16).to_be_bytes());
    body.extend_from_slice(&modulus);
    let mut big = vec![0x30, 0x82];
    big.extend_from_slice(&(body.len() as u16).to_be_bytes());
    big.extend_from_slice(&body);
    let why = load_err(PrivateKeyDer::Pkcs1(big.into()));
    assert!(why.contains("larger than 4096"), "{why}");

    for key in [sec1("ecdsa-p521.sec1.der"), pkcs8("ecdsa-p521.pkcs8.der")] {
        let why = load_err(key);
        assert!(why.contains("curve is not supported"), "{why}");
    }

    // A SEC1 key without `parameters [0]` cannot say which curve it is on.
    let why = load_err(PrivateKeyDer::Sec1(
        sec1_without_parameters(&key_file("ecdsa-p256.sec1.der")).into(),
    ));
    assert!(why.contains("does not name its curve"), "{why}");

    // Keys in the wrong container.
    assert!(
        RING_KEY_PROVIDER
            .load_private_key(sec1("rsa-2048.pkcs1.der"))
            .is_err()
    );
    assert!(
        RING_KEY_PROVIDER
            .load_private_key(pkcs1("ecdsa-p256.sec1.der"))
            .is_err()
    );
    assert!(
        RING_KEY_PROVIDER
            .load_private_key(pkcs8("ecdsa-p256.sec1.der"))
            .is_err()
    );
    // Trailing bytes after the key.
    let mut trailing = key_file("ecdsa-p256.pkcs8.der");
    trailing.push(0);
    assert!(
        RING_KEY_PROVIDER
            .load_private_key(PrivateKeyDer::Pkcs8(trailing.into()))
            .is_err()
    );
}

/// Re-encodes an ECPrivateKey without its `parameters [0]` element.
fn sec1_without_parameters(sec1: &[u8]) -> Vec<u8> {
    let (_, mut body, _) = der_element(sec1);
    let mut kept = Vec::new();
    while !body.is_empty() {
        let (tag, _, rest) = der_element(body);
        let element = &body[..body.len() - rest.len()];
        if tag != 0xa0 {
            kept.extend_from_slice(element);
        }
        body = rest;
    }
    assert!(kept.len() < 0x80);
    [&[0x30, kept.len() as u8][..], &kept].concat()
}

#[test]
fn signatures_made_by_openssl_verify() {
    // See tests/data/keys/README.txt for the openssl commands that made these.
    let message = key_file("message.txt");
    let cases = [
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            "ecdsa-p256.spki.der",
            "message.ecdsa-p256-sha256.sig",
        ),
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            "ecdsa-p384.spki.der",
            "message.ecdsa-p384-sha384.sig",
        ),
        (
            SignatureScheme::ED25519,
            "ed25519.spki.der",
            "message.ed25519.sig",
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            "rsa-2048.spki.der",
            "message.rsa-2048-pss-sha256.sig",
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            "rsa-2048.spki.der",
            "message.rsa-2048-pkcs1-sha256.sig",
        ),
    ];
    for (scheme, spki, sig) in cases {
        let spki = key_file(spki);
        let signature = key_file(sig);
        assert!(verify(scheme, &spki, &message, &signature), "{sig}");
        let mut tampered = message.clone();
        tampered.push(b'!');
        assert!(
            !verify(scheme, &spki, &tampered, &signature),
            "{sig} tampered"
        );
    }
    // The padding is part of the scheme: a PKCS#1 signature is not a PSS one.
    let spki = key_file("rsa-2048.spki.der");
    let pkcs1_sig = key_file("message.rsa-2048-pkcs1-sha256.sig");
    assert!(!verify(
        SignatureScheme::RSA_PSS_SHA256,
        &spki,
        &message,
        &pkcs1_sig
    ));
}

#[test]
fn signature_algorithms_cover_the_schemes_in_preference_order() {
    assert_eq!(
        SUPPORTED_SIG_ALGS.supported_schemes(),
        vec![
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ED25519,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PSS_SHA384,
            SignatureScheme::RSA_PSS_SHA512,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
        ]
    );
    assert_eq!(SUPPORTED_SIG_ALGS.all.len(), 11);
    for alg in SUPPORTED_SIG_ALGS.all {
        assert!(!alg.fips(), "{alg:?}");
    }
    // Each ECDSA scheme names a hash; both curves can verify it, matching curve first.
    let p256 = SUPPORTED_SIG_ALGS
        .for_scheme(SignatureScheme::ECDSA_NISTP256_SHA256)
        .unwrap();
    assert_eq!(
        p256.iter()
            .map(|a| a.public_key_alg_id())
            .collect::<Vec<_>>(),
        [pki_types::alg_id::ECDSA_P256, pki_types::alg_id::ECDSA_P384]
    );
    assert!(
        p256.iter()
            .all(|a| a.signature_alg_id() == pki_types::alg_id::ECDSA_SHA256)
    );
    let p384 = SUPPORTED_SIG_ALGS
        .for_scheme(SignatureScheme::ECDSA_NISTP384_SHA384)
        .unwrap();
    assert_eq!(
        p384.iter()
            .map(|a| a.public_key_alg_id())
            .collect::<Vec<_>>(),
        [pki_types::alg_id::ECDSA_P384, pki_types::alg_id::ECDSA_P256]
    );
    for scheme in [
        SignatureScheme::RSA_PKCS1_SHA1,
        SignatureScheme::ECDSA_SHA1_Legacy,
    ] {
        assert!(
            SUPPORTED_SIG_ALGS.for_scheme(scheme).is_none(),
            "{scheme:?}"
        );
    }
}

#[test]
fn signature_algorithms_work_for_certificate_verification() {
    // The same values drive webpki's certificate checks: an ECDSA signature by the
    // P-256 key verifies as an end-entity certificate would be checked, i.e. through
    // `all`, selected by the key's and signature's algorithm identifiers.
    let key = load(sec1("ecdsa-p256.sec1.der"));
    let spki = key_file("ecdsa-p256.spki.der");
    let (key_alg, key_bits) = parse_spki(&spki);
    let signature = key
        .choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256])
        .unwrap()
        .sign(b"tbsCertificate")
        .unwrap();
    let matching: Vec<_> = SUPPORTED_SIG_ALGS
        .all
        .iter()
        .filter(|a| {
            a.public_key_alg_id().as_ref() == key_alg
                && a.signature_alg_id() == pki_types::alg_id::ECDSA_SHA256
        })
        .collect();
    assert_eq!(matching.len(), 1);
    assert!(
        matching[0]
            .verify_signature(key_bits, b"tbsCertificate", &signature)
            .is_ok()
    );
}

// ---------------------------------------------------------------------------------
// Restricting a provider
// ---------------------------------------------------------------------------------

#[test]
fn a_restricted_provider_offers_only_what_remains() {
    let mut provider = default_provider();
    provider
        .cipher_suites
        .retain(|s| s.suite() == CipherSuite::TLS13_AES_256_GCM_SHA384);
    provider
        .kx_groups
        .retain(|g| g.name() == NamedGroup::X25519);

    assert_eq!(
        provider.cipher_suites,
        vec![SupportedCipherSuite::Tls13(&TLS13_AES_256_GCM_SHA384)]
    );
    assert!(
        provider
            .find_cipher_suite(CipherSuite::TLS13_AES_256_GCM_SHA384)
            .is_some()
    );
    for gone in [
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ] {
        assert!(provider.find_cipher_suite(gone).is_none(), "{gone:?}");
    }
    assert_eq!(
        provider.find_kx_group(NamedGroup::X25519).map(|g| g.name()),
        Some(NamedGroup::X25519)
    );
    assert!(provider.find_kx_group(NamedGroup::secp256r1).is_none());
    assert!(provider.find_kx_group(NamedGroup::secp384r1).is_none());

    let tls13: Vec<_> = provider.tls13_cipher_suites().map(|s| s.suite).collect();
    assert_eq!(tls13, vec![CipherSuite::TLS13_AES_256_GCM_SHA384]);
    assert_eq!(provider.tls12_cipher_suites().count(), 0);

    // The default provider is untouched by restricting a copy.
    let full = default_provider();
    assert_eq!(full.tls13_cipher_suites().count(), 3);
    assert_eq!(full.tls12_cipher_suites().count(), 6);
    assert_eq!(full.kx_groups.len(), 5);
}
