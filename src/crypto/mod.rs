//! The crypto provider surface: everything the protocol needs from cryptography, as
//! traits, gathered into a [`CryptoProvider`] value.
//!
//! Nothing here is TLS-specific beyond naming code points; the TLS uses of these
//! primitives (key schedules, record nonces) live in the crate's internal key schedule
//! and record layer. The default implementation is [`ring`]; a user may restrict it
//! (drop suites or groups from the vectors) or supply their own parts.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Debug;

use pki_types::{PrivateKeyDer, SignatureVerificationAlgorithm, SubjectPublicKeyInfoDer};

use crate::enums::{CipherSuite, NamedGroup, SignatureScheme};
use crate::error::Error;

pub mod hkdf;
pub mod ring;

/// The longest hash output any supported algorithm produces (SHA-512).
pub const MAX_HASH_LEN: usize = 64;
/// The AEAD tag length of every supported AEAD.
pub const AEAD_TAG_LEN: usize = 16;
/// The AEAD nonce length of every supported AEAD (RFC 5116 3.2).
pub const AEAD_NONCE_LEN: usize = 12;

/// A hash or HMAC output, held inline (no allocation).
#[derive(Clone)]
pub struct HashOutput {
    buf: [u8; MAX_HASH_LEN],
    len: usize,
}

impl HashOutput {
    /// Copies `bytes` (at most [`MAX_HASH_LEN`] of them; more are cut off).
    pub fn new(bytes: &[u8]) -> Self {
        let len = bytes.len().min(MAX_HASH_LEN);
        let mut buf = [0u8; MAX_HASH_LEN];
        for (to, from) in buf.iter_mut().zip(bytes) {
            *to = *from;
        }
        Self { buf, len }
    }
}

impl AsRef<[u8]> for HashOutput {
    fn as_ref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&self.buf)
    }
}

impl Debug for HashOutput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.as_ref() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl PartialEq for HashOutput {
    fn eq(&self, other: &Self) -> bool {
        self.as_ref() == other.as_ref()
    }
}

/// A hash function usable for the transcript hash, HKDF and the PRF.
pub trait Hash: Send + Sync + Debug {
    /// Which algorithm this is.
    fn algorithm(&self) -> HashAlgorithm;
    /// The output length in bytes.
    fn output_len(&self) -> usize;
    /// Starts an incremental hash.
    fn start(&self) -> Box<dyn HashContext>;
    /// Hashes `data` in one call.
    fn hash(&self, data: &[u8]) -> HashOutput {
        let mut ctx = self.start();
        ctx.update(data);
        ctx.finish()
    }
}

/// An incremental hash in progress.
pub trait HashContext: Send + Sync {
    /// Feeds more input.
    fn update(&mut self, data: &[u8]);
    /// Copies the state, so one transcript can branch.
    fn fork(&self) -> Box<dyn HashContext>;
    /// The hash of everything fed so far, leaving the context usable.
    fn current(&self) -> HashOutput {
        self.fork().finish()
    }
    /// Ends the hash.
    fn finish(self: Box<Self>) -> HashOutput;
}

/// The hash algorithms the library knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256
    Sha256,
    /// SHA-384
    Sha384,
    /// SHA-512
    Sha512,
}

/// HMAC over some hash (RFC 2104).
pub trait Hmac: Send + Sync + Debug {
    /// Prepares a key.
    fn with_key(&self, key: &[u8]) -> Box<dyn HmacKey>;
    /// The tag length, equal to the hash's output length.
    fn hash_output_len(&self) -> usize;
    /// The tag over the concatenation of `parts` under `key`, in one call. The key
    /// schedule makes dozens of single-use HMAC keys per handshake, so a provider
    /// should override this to keep the key off the heap; the default goes through
    /// [`Self::with_key`].
    fn sign(&self, key: &[u8], parts: &[&[u8]]) -> HashOutput {
        self.with_key(key).sign(parts)
    }
    /// Runs `f` with `key` prepared once, for several tags under one key within one
    /// call (the TLS 1.2 PRF, a multi-block HKDF-Expand). The default prepares it with
    /// [`Self::with_key`]; a provider should override this to keep the prepared key
    /// on the stack, so keying once costs no allocation.
    fn with_prepared_key(
        &self,
        key: &[u8],
        f: &mut dyn FnMut(&dyn HmacKey) -> Result<(), Error>,
    ) -> Result<(), Error> {
        f(&*self.with_key(key))
    }
}

/// A keyed HMAC.
pub trait HmacKey: Send + Sync {
    /// The tag over the concatenation of `parts`.
    fn sign(&self, parts: &[&[u8]]) -> HashOutput;
}

/// An AEAD algorithm (RFC 5116) with a 12-byte nonce and a 16-byte tag.
pub trait AeadAlgorithm: Send + Sync + Debug {
    /// The key length in bytes.
    fn key_len(&self) -> usize;
    /// Prepares a key; `key` must be `key_len()` bytes.
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, Error>;
    /// How many records one key may seal before it must be replaced (RFC 8446 5.5).
    fn confidentiality_limit(&self) -> u64;
    /// A short human name, e.g. `"AES-128-GCM"`.
    fn name(&self) -> &'static str;
}

/// A keyed AEAD that seals and opens in place, with no allocation.
pub trait AeadKey: Send + Sync {
    /// Encrypts `in_out` in place and returns the tag.
    fn seal_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; AEAD_TAG_LEN], Error>;

    /// Decrypts `in_out` (ciphertext followed by the tag) in place and returns the
    /// plaintext length. Fails with [`Error::DecryptError`] when authentication fails.
    fn open_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<usize, Error>;
}

/// A TLS 1.3 cipher suite: AEAD plus the hash for HKDF and the transcript.
#[derive(Debug)]
pub struct Tls13CipherSuite {
    /// The code point.
    pub suite: CipherSuite,
    /// The hash for the transcript and HKDF.
    pub hash: &'static dyn Hash,
    /// HMAC over that hash, for HKDF and Finished.
    pub hmac: &'static dyn Hmac,
    /// The record protection AEAD.
    pub aead: &'static dyn AeadAlgorithm,
}

/// How a TLS 1.2 AEAD suite forms its per-record nonce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls12Nonce {
    /// AES-GCM (RFC 5288 3): 4-byte implicit salt + 8-byte explicit nonce sent in each
    /// record (we send the sequence number).
    GcmExplicit,
    /// ChaCha20-Poly1305 (RFC 7905 2): 12-byte IV XOR the sequence number, nothing sent.
    XorSequence,
}

impl Tls12Nonce {
    /// The length of the implicit IV taken from the key block (RFC 5246 6.3).
    pub fn fixed_iv_len(self) -> usize {
        match self {
            Self::GcmExplicit => 4,
            Self::XorSequence => 12,
        }
    }

    /// The length of the explicit nonce carried in each record.
    pub fn explicit_len(self) -> usize {
        match self {
            Self::GcmExplicit => 8,
            Self::XorSequence => 0,
        }
    }
}

/// The kind of key a signature scheme or TLS 1.2 suite needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// ECDSA (P-256, P-384).
    Ecdsa,
    /// RSA (PKCS#1 v1.5 or PSS).
    Rsa,
    /// Ed25519.
    Ed25519,
}

/// A TLS 1.2 ECDHE cipher suite.
#[derive(Debug)]
pub struct Tls12CipherSuite {
    /// The code point.
    pub suite: CipherSuite,
    /// The PRF hash (RFC 5246 5).
    pub hash: &'static dyn Hash,
    /// HMAC over that hash, for the PRF.
    pub hmac: &'static dyn Hmac,
    /// The record protection AEAD.
    pub aead: &'static dyn AeadAlgorithm,
    /// How record nonces are formed.
    pub nonce: Tls12Nonce,
    /// The server key type the suite authenticates with (ECDHE_ECDSA or ECDHE_RSA).
    pub sign: SignatureAlgorithm,
}

/// A cipher suite of either version.
#[derive(Clone, Copy, Debug)]
pub enum SupportedCipherSuite {
    /// A TLS 1.3 suite.
    Tls13(&'static Tls13CipherSuite),
    /// A TLS 1.2 suite.
    Tls12(&'static Tls12CipherSuite),
}

impl SupportedCipherSuite {
    /// The code point.
    pub fn suite(&self) -> CipherSuite {
        match self {
            Self::Tls13(s) => s.suite,
            Self::Tls12(s) => s.suite,
        }
    }

    /// The suite's hash.
    pub fn hash(&self) -> &'static dyn Hash {
        match self {
            Self::Tls13(s) => s.hash,
            Self::Tls12(s) => s.hash,
        }
    }
}

impl PartialEq for SupportedCipherSuite {
    fn eq(&self, other: &Self) -> bool {
        self.suite() == other.suite()
    }
}

/// A key-exchange group the provider can run: (EC)DHE, or a hybrid with a KEM.
pub trait SupportedKxGroup: Send + Sync + Debug {
    /// The group's code point.
    fn name(&self) -> NamedGroup;
    /// Generates an ephemeral key pair (the client's share, or a TLS 1.2 server's).
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error>;

    /// The TLS 1.3 server's side: answers the client's share `peer_share` with ours
    /// and the shared secret. For a Diffie-Hellman group that is [`Self::start`] then
    /// [`ActiveKeyExchange::complete`]; a KEM encapsulates to the client's key instead,
    /// so its answer depends on the client's share (draft-ietf-tls-ecdhe-mlkem 3).
    fn respond(&self, peer_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        let ours = self.start()?;
        let public_key = ours.public_key().to_vec();
        let secret = ours.complete(peer_share)?;
        Ok(CompletedKeyExchange { public_key, secret })
    }

    /// True if TLS 1.2 may use the group (RFC 8422 ECDHE). The hybrid ML-KEM groups
    /// are TLS 1.3 only: never offered, chosen or accepted in TLS 1.2.
    fn usable_in_tls12(&self) -> bool {
        true
    }
}

/// What [`SupportedKxGroup::respond`] gives: our share and the shared secret.
pub struct CompletedKeyExchange {
    /// Our share, for the ServerHello's key_share.
    pub public_key: Vec<u8>,
    /// The shared secret.
    pub secret: SharedSecret,
}

/// One side of a key exchange in progress: our ephemeral key pair.
pub trait ActiveKeyExchange: Send + Sync {
    /// The group.
    fn group(&self) -> NamedGroup;
    /// Our public key in the wire form of the group (RFC 8446 4.2.8.2).
    fn public_key(&self) -> &[u8];
    /// Combines our private key with the peer's public key. A malformed or invalid
    /// peer key fails with [`crate::error::PeerMisbehaved::InvalidKeyShare`].
    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, Error>;
}

/// The output of a key exchange; wiped when dropped.
pub struct SharedSecret(Vec<u8>);

impl SharedSecret {
    /// Wraps the raw secret.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret bytes.
    pub fn secret_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for SharedSecret {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(|b| *b = 0);
    }
}

impl Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// Turns private-key DER into a usable signing key.
pub trait KeyProvider: Send + Sync + Debug {
    /// Loads a PKCS#8, SEC1 or PKCS#1 private key.
    fn load_private_key(&self, key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, Error>;
}

/// A private key able to sign with one or more signature schemes.
pub trait SigningKey: Send + Sync + Debug {
    /// Picks the first scheme of `offered` (the peer's preference order) that this key
    /// can sign with, and returns a signer for it.
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>>;
    /// True when this key can sign with `scheme`. The default asks
    /// [`Self::choose_scheme`]; an implementation can answer without building (and
    /// allocating) a signer.
    fn supports_scheme(&self, scheme: SignatureScheme) -> bool {
        self.choose_scheme(&[scheme]).is_some()
    }
    /// The key's algorithm.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// The matching public key as SubjectPublicKeyInfo DER (RFC 5280 4.1.2.7), if the
    /// implementation can give it (e.g. to check it against the certificate).
    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'static>> {
        None
    }
}

/// A signing key bound to one scheme.
pub trait Signer: Send + Sync {
    /// Signs `message` (the scheme hashes it).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
    /// The scheme this signer uses.
    fn scheme(&self) -> SignatureScheme;
}

/// The signature verification algorithms, for certificates and handshake signatures.
///
/// These use the `rustls-pki-types` trait, so the same values drive the X.509
/// verifier and the TLS signature checks.
#[derive(Clone, Copy, Debug)]
pub struct SignatureVerificationAlgorithms {
    /// Every algorithm, for certificate chain checks.
    pub all: &'static [&'static dyn SignatureVerificationAlgorithm],
    /// For each TLS signature scheme, the algorithms that verify it (in preference order).
    pub mapping: &'static [(
        SignatureScheme,
        &'static [&'static dyn SignatureVerificationAlgorithm],
    )],
}

impl SignatureVerificationAlgorithms {
    /// The schemes that can be verified, in preference order.
    pub fn supported_schemes(&self) -> Vec<SignatureScheme> {
        self.mapping.iter().map(|(scheme, _)| *scheme).collect()
    }

    /// The algorithms for one scheme, if supported.
    pub fn for_scheme(
        &self,
        scheme: SignatureScheme,
    ) -> Option<&'static [&'static dyn SignatureVerificationAlgorithm]> {
        self.mapping
            .iter()
            .find(|(s, _)| *s == scheme)
            .map(|(_, algs)| *algs)
    }
}

/// A cryptographically secure random number generator.
pub trait SecureRandom: Send + Sync + Debug {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error>;
}

/// Everything the protocol needs from cryptography, as one value.
///
/// Build one with [`ring::default_provider`] and, to restrict it, remove entries from
/// `cipher_suites` or `kx_groups`: the order of each vector is the preference order.
#[derive(Clone, Debug)]
pub struct CryptoProvider {
    /// Cipher suites, most preferred first.
    pub cipher_suites: Vec<SupportedCipherSuite>,
    /// Key-exchange groups, most preferred first.
    pub kx_groups: Vec<&'static dyn SupportedKxGroup>,
    /// Signature verification algorithms.
    pub signature_verification_algorithms: SignatureVerificationAlgorithms,
    /// The random number generator.
    pub secure_random: &'static dyn SecureRandom,
    /// Private key loading.
    pub key_provider: &'static dyn KeyProvider,
}

impl CryptoProvider {
    /// The suite with this code point, if the provider offers it.
    pub fn find_cipher_suite(&self, suite: CipherSuite) -> Option<SupportedCipherSuite> {
        self.cipher_suites
            .iter()
            .copied()
            .find(|s| s.suite() == suite)
    }

    /// The group with this code point, if the provider offers it.
    pub fn find_kx_group(&self, group: NamedGroup) -> Option<&'static dyn SupportedKxGroup> {
        self.kx_groups.iter().copied().find(|g| g.name() == group)
    }

    /// The TLS 1.3 suites, in preference order.
    pub fn tls13_cipher_suites(&self) -> impl Iterator<Item = &'static Tls13CipherSuite> + '_ {
        self.cipher_suites.iter().filter_map(|s| match s {
            SupportedCipherSuite::Tls13(s) => Some(*s),
            SupportedCipherSuite::Tls12(_) => None,
        })
    }

    /// The TLS 1.2 suites, in preference order.
    pub fn tls12_cipher_suites(&self) -> impl Iterator<Item = &'static Tls12CipherSuite> + '_ {
        self.cipher_suites.iter().filter_map(|s| match s {
            SupportedCipherSuite::Tls12(s) => Some(*s),
            SupportedCipherSuite::Tls13(_) => None,
        })
    }
}
