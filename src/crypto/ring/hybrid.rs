//! Hybrid post-quantum key exchange (draft-ietf-tls-ecdhe-mlkem): ML-KEM-768
//! (FIPS 203, from `libcrux-ml-kem`) beside an ECDHE exchange (from `ring`), so the
//! traffic stays secret unless both are broken. TLS 1.3 only.
//!
//! The client's share is an ML-KEM encapsulation key and an ECDHE public key; the
//! server's, a ciphertext encapsulated to that key and its own ECDHE public key. The
//! shared secret is the two secrets concatenated, in the order of the share's parts
//! (draft-ietf-tls-ecdhe-mlkem 3): ML-KEM first for X25519MLKEM768, ECDHE first for
//! SecP256r1MLKEM768.

use alloc::boxed::Box;
use alloc::vec::Vec;

use libcrux_ml_kem::mlkem768::{self, MlKem768Ciphertext, MlKem768KeyPair, MlKem768PublicKey};

use super::kx::{RingKxGroup, SECP256R1, X25519};
use super::random::RING_RANDOM;
use crate::crypto::{
    ActiveKeyExchange, CompletedKeyExchange, SecureRandom, SharedSecret, SupportedKxGroup,
};
use crate::enums::NamedGroup;
use crate::error::{Error, PeerMisbehaved};

/// ML-KEM-768 encapsulation key (FIPS 203 8: 384 k + 32 bytes, k = 3).
const EK_LEN: usize = 1184;
/// ML-KEM-768 ciphertext (FIPS 203 8: 32 (du k + dv) bytes).
const CT_LEN: usize = 1088;

/// Which part comes first in shares and in the shared secret.
#[derive(Debug, Clone, Copy)]
enum Order {
    MlKemFirst,
    EcdhFirst,
}

/// A hybrid group: ML-KEM-768 with one ECDHE group.
#[derive(Debug, Clone, Copy)]
pub struct HybridKxGroup {
    name: NamedGroup,
    ecdh: &'static RingKxGroup,
    /// The length of the ECDHE group's public key (the same on both sides).
    ecdh_len: usize,
    order: Order,
}

/// X25519MLKEM768 (0x11EC): client share 1,184 + 32 bytes, server share 1,088 + 32.
pub static X25519MLKEM768: HybridKxGroup = HybridKxGroup {
    name: NamedGroup::X25519MLKEM768,
    ecdh: &X25519,
    ecdh_len: 32,
    order: Order::MlKemFirst,
};

/// SecP256r1MLKEM768 (0x11EB): client share 65 + 1,184 bytes, server share 65 + 1,088
/// (the P-256 point uncompressed, RFC 8446 4.2.8.2).
pub static SECP256R1MLKEM768: HybridKxGroup = HybridKxGroup {
    name: NamedGroup::SecP256r1MLKEM768,
    ecdh: &SECP256R1,
    ecdh_len: 65,
    order: Order::EcdhFirst,
};

impl HybridKxGroup {
    /// Splits a share into (ML-KEM part, ECDHE part), refusing any other length
    /// (draft-ietf-tls-ecdhe-mlkem 4: a malformed share is illegal_parameter).
    fn split<'a>(&self, share: &'a [u8], mlkem_len: usize) -> Result<(&'a [u8], &'a [u8]), Error> {
        if share.len() != mlkem_len + self.ecdh_len {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
        let (first, second) = match self.order {
            Order::MlKemFirst => share.split_at(mlkem_len),
            Order::EcdhFirst => share.split_at(self.ecdh_len),
        };
        Ok(match self.order {
            Order::MlKemFirst => (first, second),
            Order::EcdhFirst => (second, first),
        })
    }

    /// Joins the two parts in the group's order (shares and secrets alike).
    fn join(&self, mlkem: &[u8], ecdh: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(mlkem.len() + ecdh.len());
        match self.order {
            Order::MlKemFirst => {
                out.extend_from_slice(mlkem);
                out.extend_from_slice(ecdh);
            }
            Order::EcdhFirst => {
                out.extend_from_slice(ecdh);
                out.extend_from_slice(mlkem);
            }
        }
        out
    }
}

impl SupportedKxGroup for HybridKxGroup {
    fn name(&self) -> NamedGroup {
        self.name
    }

    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        // FIPS 203 7.1: ML-KEM.KeyGen takes 64 random bytes (d || z).
        let mut seed = [0u8; 64];
        RING_RANDOM.fill(&mut seed)?;
        let mlkem = mlkem768::generate_key_pair(seed);
        seed.fill(0);
        let ecdh = self.ecdh.start()?;
        let public = self.join(mlkem.pk(), ecdh.public_key());
        Ok(Box::new(ActiveHybrid {
            group: *self,
            mlkem,
            ecdh,
            public,
        }))
    }

    fn respond(&self, peer_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        let (ek, peer_ecdh) = self.split(peer_share, EK_LEN)?;
        let ek = MlKem768PublicKey::try_from(ek).map_err(|_| PeerMisbehaved::InvalidKeyShare)?;
        // FIPS 203 7.2: the encapsulation key's coefficients must be reduced mod q;
        // libcrux's encapsulate does not check it, so it is checked here.
        if !mlkem768::validate_public_key(&ek) {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
        // The ECDHE half first: an invalid point is refused before any more work.
        let ecdh = self.ecdh.start()?;
        let ecdh_public = ecdh.public_key().to_vec();
        let ecdh_secret = ecdh.complete(peer_ecdh)?;
        // FIPS 203 7.2: ML-KEM.Encaps takes 32 random bytes (m).
        let mut m = [0u8; 32];
        RING_RANDOM.fill(&mut m)?;
        let (ciphertext, mut mlkem_secret) = mlkem768::encapsulate(&ek, m);
        m.fill(0);
        let secret = self.join(&mlkem_secret, ecdh_secret.secret_bytes());
        mlkem_secret.fill(0);
        Ok(CompletedKeyExchange {
            public_key: self.join(ciphertext.as_slice(), &ecdh_public),
            secret: SharedSecret::new(secret),
        })
    }

    fn usable_in_tls12(&self) -> bool {
        false
    }
}

/// The client's hybrid key pair, waiting for the server's share.
struct ActiveHybrid {
    group: HybridKxGroup,
    mlkem: MlKem768KeyPair,
    ecdh: Box<dyn ActiveKeyExchange>,
    public: Vec<u8>,
}

impl ActiveKeyExchange for ActiveHybrid {
    fn group(&self) -> NamedGroup {
        self.group.name
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, Error> {
        let (ciphertext, peer_ecdh) = self.group.split(peer_public_key, CT_LEN)?;
        let ciphertext = MlKem768Ciphertext::try_from(ciphertext)
            .map_err(|_| PeerMisbehaved::InvalidKeyShare)?;
        let ecdh_secret = self.ecdh.complete(peer_ecdh)?;
        // FIPS 203 6.3: decapsulation never fails; a forged ciphertext yields an
        // unrelated secret (implicit rejection), and the Finished check fails.
        let mut mlkem_secret = mlkem768::decapsulate(self.mlkem.private_key(), &ciphertext);
        let secret = self.group.join(&mlkem_secret, ecdh_secret.secret_bytes());
        mlkem_secret.fill(0);
        Ok(SharedSecret::new(secret))
    }
}
