//! **INSECURE** stand-ins for cryptography and certificate checks, for tests and
//! fuzzing only. Compiled only with the non-default `test-provider` feature.
//!
//! Nothing here protects anything. Two providers are offered:
//!
//! - [`fuzzing_provider`]: every piece of "crypto" is trivially predictable, so that
//!   bytes made up by a fuzzer get past the checks real crypto would stop them at and
//!   reach the deep handshake states. Record protection is a no-op AEAD whose tag is the
//!   constant [`TEST_TAG`] (a wrong tag still fails, so the decryption-failure path stays
//!   reachable); HMAC returns a constant, so every derived secret, Finished value, binder
//!   and ticket key is the same in every run; key exchange is a fixed, public
//!   computation; randomness is a fixed pattern. Pair it with [`AcceptAnyServerCert`] /
//!   [`AcceptAnyClientCert`] and keys loaded through [`TEST_KEY_PROVIDER`] (which signs
//!   with a constant signature) to accept every certificate and signature.
//! - [`deterministic_provider`]: the real `ring` hash, HMAC and AEADs, with the fixed
//!   randomness and the fixed key exchange. A client and a server built on it produce
//!   byte-identical transcripts in every run (with Ed25519 or RSA PKCS#1 keys, whose
//!   signatures are deterministic), while tampering with a record is still detected.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::crypto::ring::{SHA256, SHA384, SUPPORTED_SIG_ALGS, default_provider};
use crate::crypto::{
    AEAD_NONCE_LEN, AEAD_TAG_LEN, ActiveKeyExchange, AeadAlgorithm, AeadKey, CompletedKeyExchange,
    CryptoProvider, HashOutput, Hmac, HmacKey, KeyProvider, SecureRandom, SharedSecret,
    SignatureAlgorithm, Signer, SigningKey, SupportedCipherSuite, SupportedKxGroup,
    Tls12CipherSuite, Tls12Nonce, Tls13CipherSuite,
};
use crate::enums::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::error::{Error, PeerMisbehaved};
use crate::events::Side;
use crate::verify::{ClientCertVerifier, ServerCertVerifier, schemes_allowed_in};

/// The tag the no-op AEAD appends to every record, and requires on every record it opens.
pub const TEST_TAG: [u8; AEAD_TAG_LEN] = *b"handclasp-notag!";

/// The signature every key of [`TEST_KEY_PROVIDER`] makes.
pub const TEST_SIGNATURE: &[u8] = b"handclasp test signature";

/// The insecure provider for fuzzing, for one `side`: no-op AEAD, constant HMAC, fixed
/// key exchange and randomness, keys that sign with a constant. The suites and groups
/// are the default provider's code points, in the same order, so the wire looks like a
/// real handshake.
pub fn fuzzing_provider(side: Side) -> CryptoProvider {
    CryptoProvider {
        cipher_suites: FUZZING_SUITES.to_vec(),
        kx_groups: FIXED_GROUPS.to_vec(),
        signature_verification_algorithms: SUPPORTED_SIG_ALGS,
        secure_random: fixed_random(side),
        key_provider: &TEST_KEY_PROVIDER,
    }
}

/// The real `ring` provider with fixed randomness and the fixed key exchange, for one
/// `side`, for reproducible transcripts (see the module documentation).
pub fn deterministic_provider(side: Side) -> CryptoProvider {
    CryptoProvider {
        kx_groups: FIXED_GROUPS.to_vec(),
        secure_random: fixed_random(side),
        ..default_provider()
    }
}

/// The fixed randomness of each side. The two differ: were they equal, a TLS 1.2
/// server's fresh session id would equal the one the client offered, which the client
/// must take as the server resuming (RFC 5246 7.4.1.3).
pub fn fixed_random(side: Side) -> &'static FixedRandom {
    match side {
        Side::Client => &FIXED_RANDOM_CLIENT,
        Side::Server => &FIXED_RANDOM_SERVER,
    }
}

// ---------------------------------------------------------------------------------
// Randomness

/// "Randomness" that is the same fixed pattern on every call.
#[derive(Debug)]
pub struct FixedRandom {
    /// Varies the pattern.
    pub seed: u8,
}

/// The fixed randomness of client-side test providers.
pub static FIXED_RANDOM_CLIENT: FixedRandom = FixedRandom { seed: 0x5a };

/// The fixed randomness of server-side test providers.
pub static FIXED_RANDOM_SERVER: FixedRandom = FixedRandom { seed: 0xc3 };

impl SecureRandom for FixedRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error> {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.seed ^ (i as u8).wrapping_mul(0x9d);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// AEAD

/// An AEAD that leaves the plaintext as it is and appends [`TEST_TAG`].
#[derive(Debug)]
pub struct NoopAead {
    key_len: usize,
    name: &'static str,
}

/// The no-op AEAD standing in for 16-byte-key suites (AES-128-GCM).
pub static NOOP_AEAD_128: NoopAead = NoopAead {
    key_len: 16,
    name: "NOOP-128 (insecure)",
};

/// The no-op AEAD standing in for 32-byte-key suites (AES-256-GCM, ChaCha20-Poly1305).
pub static NOOP_AEAD_256: NoopAead = NoopAead {
    key_len: 32,
    name: "NOOP-256 (insecure)",
};

impl AeadAlgorithm for NoopAead {
    fn key_len(&self) -> usize {
        self.key_len
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, Error> {
        if key.len() != self.key_len {
            return Err(Error::Internal("no-op AEAD: wrong key length"));
        }
        Ok(Box::new(NoopAeadKey))
    }

    fn confidentiality_limit(&self) -> u64 {
        u64::MAX
    }

    fn name(&self) -> &'static str {
        self.name
    }
}

struct NoopAeadKey;

impl AeadKey for NoopAeadKey {
    fn seal_in_place(
        &self,
        _nonce: &[u8; AEAD_NONCE_LEN],
        _aad: &[u8],
        _in_out: &mut [u8],
    ) -> Result<[u8; AEAD_TAG_LEN], Error> {
        Ok(TEST_TAG)
    }

    fn open_in_place(
        &self,
        _nonce: &[u8; AEAD_NONCE_LEN],
        _aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<usize, Error> {
        let plain_len = in_out
            .len()
            .checked_sub(AEAD_TAG_LEN)
            .ok_or(Error::DecryptError)?;
        match in_out.get(plain_len..) {
            Some(tag) if tag == TEST_TAG => Ok(plain_len),
            _ => Err(Error::DecryptError),
        }
    }
}

// ---------------------------------------------------------------------------------
// HMAC

/// An "HMAC" whose output is a constant: every HKDF output, Finished value and binder
/// is then the same whatever the transcript.
#[derive(Debug)]
pub struct ConstantHmac {
    len: usize,
}

/// The constant HMAC with SHA-256's output length.
pub static CONSTANT_HMAC_SHA256: ConstantHmac = ConstantHmac { len: 32 };

/// The constant HMAC with SHA-384's output length.
pub static CONSTANT_HMAC_SHA384: ConstantHmac = ConstantHmac { len: 48 };

impl Hmac for ConstantHmac {
    fn with_key(&self, _key: &[u8]) -> Box<dyn HmacKey> {
        Box::new(ConstantHmacKey(self.len))
    }

    fn hash_output_len(&self) -> usize {
        self.len
    }

    fn sign(&self, _key: &[u8], _parts: &[&[u8]]) -> HashOutput {
        constant_tag(self.len)
    }
}

struct ConstantHmacKey(usize);

impl HmacKey for ConstantHmacKey {
    fn sign(&self, _parts: &[&[u8]]) -> HashOutput {
        constant_tag(self.0)
    }
}

fn constant_tag(len: usize) -> HashOutput {
    let bytes = [0x42; 64];
    HashOutput::new(bytes.get(..len).unwrap_or(&bytes))
}

// ---------------------------------------------------------------------------------
// Suites

macro_rules! tls13_suite {
    ($name:ident, $suite:ident, $hash:ident, $hmac:ident, $aead:ident) => {
        static $name: Tls13CipherSuite = Tls13CipherSuite {
            suite: CipherSuite::$suite,
            hash: &$hash,
            hmac: &$hmac,
            aead: &$aead,
        };
    };
}

macro_rules! tls12_suite {
    ($name:ident, $suite:ident, $hash:ident, $hmac:ident, $aead:ident, $nonce:ident, $sign:ident) => {
        static $name: Tls12CipherSuite = Tls12CipherSuite {
            suite: CipherSuite::$suite,
            hash: &$hash,
            hmac: &$hmac,
            aead: &$aead,
            nonce: Tls12Nonce::$nonce,
            sign: SignatureAlgorithm::$sign,
        };
    };
}

tls13_suite!(
    T13_AES128,
    TLS13_AES_128_GCM_SHA256,
    SHA256,
    CONSTANT_HMAC_SHA256,
    NOOP_AEAD_128
);
tls13_suite!(
    T13_AES256,
    TLS13_AES_256_GCM_SHA384,
    SHA384,
    CONSTANT_HMAC_SHA384,
    NOOP_AEAD_256
);
tls13_suite!(
    T13_CHACHA,
    TLS13_CHACHA20_POLY1305_SHA256,
    SHA256,
    CONSTANT_HMAC_SHA256,
    NOOP_AEAD_256
);
tls12_suite!(
    T12_EC_AES128,
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    SHA256,
    CONSTANT_HMAC_SHA256,
    NOOP_AEAD_128,
    GcmExplicit,
    Ecdsa
);
tls12_suite!(
    T12_EC_AES256,
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    SHA384,
    CONSTANT_HMAC_SHA384,
    NOOP_AEAD_256,
    GcmExplicit,
    Ecdsa
);
tls12_suite!(
    T12_EC_CHACHA,
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    SHA256,
    CONSTANT_HMAC_SHA256,
    NOOP_AEAD_256,
    XorSequence,
    Ecdsa
);
tls12_suite!(
    T12_RSA_AES128,
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    SHA256,
    CONSTANT_HMAC_SHA256,
    NOOP_AEAD_128,
    GcmExplicit,
    Rsa
);
tls12_suite!(
    T12_RSA_AES256,
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    SHA384,
    CONSTANT_HMAC_SHA384,
    NOOP_AEAD_256,
    GcmExplicit,
    Rsa
);
tls12_suite!(
    T12_RSA_CHACHA,
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    SHA256,
    CONSTANT_HMAC_SHA256,
    NOOP_AEAD_256,
    XorSequence,
    Rsa
);

static FUZZING_SUITES: &[SupportedCipherSuite] = &[
    SupportedCipherSuite::Tls13(&T13_AES128),
    SupportedCipherSuite::Tls13(&T13_AES256),
    SupportedCipherSuite::Tls13(&T13_CHACHA),
    SupportedCipherSuite::Tls12(&T12_EC_AES128),
    SupportedCipherSuite::Tls12(&T12_EC_AES256),
    SupportedCipherSuite::Tls12(&T12_EC_CHACHA),
    SupportedCipherSuite::Tls12(&T12_RSA_AES128),
    SupportedCipherSuite::Tls12(&T12_RSA_AES256),
    SupportedCipherSuite::Tls12(&T12_RSA_CHACHA),
];

// ---------------------------------------------------------------------------------
// Key exchange

/// A key exchange whose public key is a fixed pattern of the group's real length and
/// whose shared secret is the bytewise sum of both public keys: both sides agree, and
/// anyone can compute it.
///
/// A KEM stand-in answers with a share of another length (`response_len`), like the
/// hybrid groups' ciphertexts, and is TLS 1.3 only.
#[derive(Debug)]
pub struct FixedKxGroup {
    name: NamedGroup,
    public_len: usize,
    /// The length of the server's answer; equal to `public_len` for (EC)DH.
    response_len: usize,
    secret_len: usize,
}

/// Stands in for X25519 (32-byte keys).
pub static FIXED_X25519: FixedKxGroup = FixedKxGroup {
    name: NamedGroup::X25519,
    public_len: 32,
    response_len: 32,
    secret_len: 32,
};

/// Stands in for P-256 (65-byte uncompressed points).
pub static FIXED_SECP256R1: FixedKxGroup = FixedKxGroup {
    name: NamedGroup::secp256r1,
    public_len: 65,
    response_len: 65,
    secret_len: 32,
};

/// Stands in for P-384 (97-byte uncompressed points).
pub static FIXED_SECP384R1: FixedKxGroup = FixedKxGroup {
    name: NamedGroup::secp384r1,
    public_len: 97,
    response_len: 97,
    secret_len: 48,
};

/// Stands in for X25519MLKEM768: a 1,216-byte client share, a 1,120-byte answer and a
/// 64-byte secret (draft-ietf-tls-ecdhe-mlkem), so fuzzing reaches the hybrid's sizes
/// (after a HelloRetryRequest, or in a made-up ClientHello).
pub static FIXED_X25519MLKEM768: FixedKxGroup = FixedKxGroup {
    name: NamedGroup::X25519MLKEM768,
    public_len: 1216,
    response_len: 1120,
    secret_len: 64,
};

// The hybrid last: the clients send their first share for X25519 as before.
static FIXED_GROUPS: &[&'static dyn SupportedKxGroup] = &[
    &FIXED_X25519,
    &FIXED_SECP256R1,
    &FIXED_SECP384R1,
    &FIXED_X25519MLKEM768,
];

impl SupportedKxGroup for FixedKxGroup {
    fn name(&self) -> NamedGroup {
        self.name
    }

    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let mut public = vec![0; self.public_len];
        FixedRandom { seed: 0x33 }.fill(&mut public)?;
        if self.public_len > 32 {
            // Keep the uncompressed-point marker of the NIST curves (RFC 8446 4.2.8.2).
            if let Some(first) = public.first_mut() {
                *first = 4;
            }
        }
        Ok(Box::new(FixedKx {
            name: self.name,
            secret_len: self.secret_len,
            public,
            peer_len: self.response_len,
        }))
    }

    fn respond(&self, peer_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        if peer_share.len() != self.public_len {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
        let mut public_key = vec![0; self.response_len];
        FixedRandom { seed: 0x66 }.fill(&mut public_key)?;
        if self.response_len == self.public_len && self.public_len > 32 {
            if let Some(first) = public_key.first_mut() {
                *first = 4;
            }
        }
        let secret = fixed_secret(&public_key, peer_share, self.secret_len);
        Ok(CompletedKeyExchange { public_key, secret })
    }

    fn usable_in_tls12(&self) -> bool {
        self.response_len == self.public_len
    }
}

/// The bytewise sum of the two shares' last `len` bytes (both sides agree).
fn fixed_secret(a: &[u8], b: &[u8], len: usize) -> SharedSecret {
    let secret = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .cycle()
        .take(len)
        .map(|(x, y)| x.wrapping_add(*y))
        .collect();
    SharedSecret::new(secret)
}

struct FixedKx {
    name: NamedGroup,
    secret_len: usize,
    public: Vec<u8>,
    /// The length of the peer's answer.
    peer_len: usize,
}

impl ActiveKeyExchange for FixedKx {
    fn group(&self) -> NamedGroup {
        self.name
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, Error> {
        if peer_public_key.len() != self.peer_len {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
        Ok(fixed_secret(&self.public, peer_public_key, self.secret_len))
    }
}

// ---------------------------------------------------------------------------------
// Keys and signatures

/// Loads any key without parsing it; the key "signs" with [`TEST_SIGNATURE`].
///
/// The key type is guessed from the DER: PKCS#1 or a PKCS#8 naming rsaEncryption is
/// RSA, a PKCS#8 naming Ed25519 is Ed25519, anything else ECDSA (P-256).
#[derive(Debug)]
pub struct TestKeyProvider;

/// The test key provider of [`fuzzing_provider`].
pub static TEST_KEY_PROVIDER: TestKeyProvider = TestKeyProvider;

/// DER of the rsaEncryption OID (RFC 8017 A.1) and the Ed25519 OID (RFC 8410 3).
const RSA_OID: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

impl KeyProvider for TestKeyProvider {
    fn load_private_key(&self, key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, Error> {
        let contains = |needle: &[u8]| key.secret_der().windows(needle.len()).any(|w| w == needle);
        let algorithm = match key {
            PrivateKeyDer::Pkcs1(_) => SignatureAlgorithm::Rsa,
            _ if contains(RSA_OID) => SignatureAlgorithm::Rsa,
            _ if contains(ED25519_OID) => SignatureAlgorithm::Ed25519,
            _ => SignatureAlgorithm::Ecdsa,
        };
        Ok(Arc::new(TestSigningKey(algorithm)))
    }
}

#[derive(Debug)]
struct TestSigningKey(SignatureAlgorithm);

impl TestSigningKey {
    fn schemes(&self) -> &'static [SignatureScheme] {
        match self.0 {
            SignatureAlgorithm::Ecdsa => &[SignatureScheme::ECDSA_NISTP256_SHA256],
            SignatureAlgorithm::Ed25519 => &[SignatureScheme::ED25519],
            SignatureAlgorithm::Rsa => &[
                SignatureScheme::RSA_PSS_SHA256,
                SignatureScheme::RSA_PKCS1_SHA256,
            ],
        }
    }
}

impl SigningKey for TestSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = offered.iter().find(|s| self.schemes().contains(s))?;
        Some(Box::new(TestSigner(*scheme)))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.0
    }
}

struct TestSigner(SignatureScheme);

impl Signer for TestSigner {
    fn sign(&self, _message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(TEST_SIGNATURE.to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        self.0
    }
}

/// Every scheme the accept-anything verifiers offer, most preferred first.
const ANY_SCHEME: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
];

fn any_scheme(version: ProtocolVersion) -> Vec<SignatureScheme> {
    schemes_allowed_in(ANY_SCHEME, version)
}

/// A server certificate verifier that accepts every chain and every signature.
#[derive(Debug)]
pub struct AcceptAnyServerCert;

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn verify_signature(
        &self,
        _version: ProtocolVersion,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _scheme: SignatureScheme,
        _signature: &[u8],
    ) -> Result<(), Error> {
        Ok(())
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        any_scheme(version)
    }
}

/// A client certificate verifier that accepts every chain and every signature.
#[derive(Debug)]
pub struct AcceptAnyClientCert {
    /// Whether a client without a certificate is refused.
    pub mandatory: bool,
}

impl ClientCertVerifier for AcceptAnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn verify_signature(
        &self,
        _version: ProtocolVersion,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _scheme: SignatureScheme,
        _signature: &[u8],
    ) -> Result<(), Error> {
        Ok(())
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        any_scheme(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noop_aead_checks_its_tag() {
        let key = NOOP_AEAD_128.new_key(&[0; 16]).unwrap();
        let mut record = b"hello".to_vec();
        let tag = key.seal_in_place(&[0; 12], b"", &mut record).unwrap();
        record.extend_from_slice(&tag);
        assert_eq!(key.open_in_place(&[1; 12], b"x", &mut record), Ok(5));
        *record.last_mut().unwrap() ^= 1;
        assert_eq!(
            key.open_in_place(&[0; 12], b"", &mut record),
            Err(Error::DecryptError)
        );
        assert_eq!(
            key.open_in_place(&[0; 12], b"", &mut [0; 15]),
            Err(Error::DecryptError)
        );
    }

    #[test]
    fn fixed_key_exchange_agrees_and_checks_length() {
        let invalid = |r: Result<_, Error>| {
            matches!(
                r,
                Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare))
            )
        };
        for group in FIXED_GROUPS {
            // The client's share, the server's answer, the same secret on both sides.
            let client = group.start().unwrap();
            let share = client.public_key().to_vec();
            let server = group.respond(&share).unwrap();
            let secret = client.complete(&server.public_key).unwrap();
            assert_eq!(secret.secret_bytes(), server.secret.secret_bytes());
            assert!(invalid(group.respond(&share[1..]).map(|_| ())));
            let short = &server.public_key[1..];
            assert!(invalid(group.start().unwrap().complete(short).map(|_| ())));
        }
    }

    #[test]
    fn fixed_random_repeats() {
        let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
        FIXED_RANDOM_CLIENT.fill(&mut a).unwrap();
        FIXED_RANDOM_CLIENT.fill(&mut b).unwrap();
        assert_eq!(a, b);
        assert_ne!(a[..20], a[20..]);
        FIXED_RANDOM_SERVER.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
