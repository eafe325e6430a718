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

use libcrux_ml_kem::mlkem768::{self, MlKem768Ciphertext, MlKem768PrivateKey, MlKem768PublicKey};

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
        let (private, public) = mlkem768::generate_key_pair(seed).into_parts();
        seed.fill(0);
        let ecdh = self.ecdh.start()?;
        let public = self.join(public.as_slice(), ecdh.public_key());
        Ok(Box::new(ActiveHybrid {
            group: *self,
            private: DecapsulationKey(private),
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
    private: DecapsulationKey,
    ecdh: Box<dyn ActiveKeyExchange>,
    public: Vec<u8>,
}

/// The ML-KEM decapsulation key, wiped when dropped (libcrux does not wipe it).
struct DecapsulationKey(MlKem768PrivateKey);

impl Drop for DecapsulationKey {
    fn drop(&mut self) {
        self.0[0..].fill(0);
    }
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
        let mut mlkem_secret = mlkem768::decapsulate(&self.private.0, &ciphertext);
        let secret = self.group.join(&mlkem_secret, ecdh_secret.secret_bytes());
        mlkem_secret.fill(0);
        Ok(SharedSecret::new(secret))
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The vectors of one kind, as hex fields after the kind and the test case id.
    fn vectors(kind: &str) -> Vec<(String, Vec<Vec<u8>>)> {
        include_str!("../../../tests/data/mlkem768_acvp.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split(' ').collect::<Vec<_>>())
            .filter(|f| f[0] == kind)
            .map(|f| {
                let fields = f[2..]
                    .iter()
                    .map(|x| {
                        if x.len() > 5 {
                            hex(x)
                        } else {
                            x.as_bytes().to_vec()
                        }
                    })
                    .collect();
                (String::from(f[1]), fields)
            })
            .collect()
    }

    #[test]
    fn mlkem768_matches_nist_acvp_vectors() {
        let keygen = vectors("keygen");
        assert_eq!(keygen.len(), 3);
        for (id, f) in keygen {
            let mut seed = [0u8; 64];
            seed[..32].copy_from_slice(&f[0]);
            seed[32..].copy_from_slice(&f[1]);
            let pair = mlkem768::generate_key_pair(seed);
            assert_eq!(pair.pk().as_slice(), f[2].as_slice(), "keygen {id} ek");
            assert_eq!(pair.sk().as_slice(), f[3].as_slice(), "keygen {id} dk");
        }
        let encap = vectors("encap");
        assert_eq!(encap.len(), 3);
        for (id, f) in encap {
            let ek = MlKem768PublicKey::try_from(f[0].as_slice()).unwrap();
            assert!(mlkem768::validate_public_key(&ek), "encap {id}");
            let (c, k) = mlkem768::encapsulate(&ek, f[1].clone().try_into().unwrap());
            assert_eq!(c.as_slice(), f[2].as_slice(), "encap {id} c");
            assert_eq!(k.as_slice(), f[3].as_slice(), "encap {id} k");
        }
        let decap = vectors("decap");
        assert_eq!(decap.len(), 4);
        for (id, f) in decap {
            let dk = mlkem768::MlKem768PrivateKey::try_from(f[0].as_slice()).unwrap();
            let c = MlKem768Ciphertext::try_from(f[1].as_slice()).unwrap();
            assert_eq!(
                mlkem768::decapsulate(&dk, &c).as_slice(),
                f[2].as_slice(),
                "decap {id}"
            );
        }
    }

    #[test]
    fn encapsulation_keys_are_checked_as_fips_203_says() {
        let checks = vectors("ekcheck");
        assert!(checks.iter().any(|(_, f)| f[1] == b"false"));
        for (id, f) in checks {
            let valid = MlKem768PublicKey::try_from(f[0].as_slice())
                .is_ok_and(|ek| mlkem768::validate_public_key(&ek));
            assert_eq!(valid, f[1] == b"true", "ekcheck {id}");
        }
        // ACVP's invalid keys all have the wrong length; a right-length key with an
        // unreduced coefficient (0xfff >= q = 3329) must fail too (FIPS 203 7.2).
        let mut ek = vectors("encap")[0].1[0].clone();
        ek[0] = 0xff;
        ek[1] |= 0x0f;
        let result = X25519MLKEM768.respond(&[ek, [9u8; 32].to_vec()].concat());
        assert!(matches!(
            result,
            Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare))
        ));
    }

    #[test]
    fn both_sides_derive_the_same_64_byte_secret_in_either_order() {
        for group in [&X25519MLKEM768, &SECP256R1MLKEM768] {
            let client = group.start().unwrap();
            let share = client.public_key().to_vec();
            let server = group.respond(&share).unwrap();
            let client_secret = client.complete(&server.public_key).unwrap();
            assert_eq!(client_secret.secret_bytes(), server.secret.secret_bytes());
            assert_eq!(client_secret.secret_bytes().len(), 64);
            assert!(!group.usable_in_tls12());
        }
    }
}
