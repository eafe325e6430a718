//! X25519, P-256 and P-384 ephemeral key exchange from `ring`.

use alloc::boxed::Box;

use ring::agreement;
use ring::rand::SystemRandom;

use crate::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup};
use crate::enums::NamedGroup;
use crate::error::{Error, PeerMisbehaved};

/// A `ring` key-agreement algorithm as a provider [`SupportedKxGroup`].
#[derive(Debug)]
pub struct RingKxGroup {
    name: NamedGroup,
    algorithm: &'static agreement::Algorithm,
}

/// X25519 (RFC 7748; RFC 8446 4.2.8.2: 32-byte public keys).
pub static X25519: RingKxGroup = RingKxGroup {
    name: NamedGroup::X25519,
    algorithm: &agreement::X25519,
};

/// secp256r1 (RFC 8446 4.2.8.2: uncompressed points only).
pub static SECP256R1: RingKxGroup = RingKxGroup {
    name: NamedGroup::secp256r1,
    algorithm: &agreement::ECDH_P256,
};

/// secp384r1 (RFC 8446 4.2.8.2: uncompressed points only).
pub static SECP384R1: RingKxGroup = RingKxGroup {
    name: NamedGroup::secp384r1,
    algorithm: &agreement::ECDH_P384,
};

impl SupportedKxGroup for RingKxGroup {
    fn name(&self) -> NamedGroup {
        self.name
    }

    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let rng = SystemRandom::new();
        let private = agreement::EphemeralPrivateKey::generate(self.algorithm, &rng)
            .map_err(|_| Error::FailedToGetRandomBytes)?;
        let public = private
            .compute_public_key()
            .map_err(|_| Error::Internal("key exchange public key computation failed"))?;
        Ok(Box::new(RingActiveKx {
            name: self.name,
            algorithm: self.algorithm,
            public,
            private,
        }))
    }
}

struct RingActiveKx {
    name: NamedGroup,
    algorithm: &'static agreement::Algorithm,
    // ring keeps the public key inline: no allocation.
    public: agreement::PublicKey,
    private: agreement::EphemeralPrivateKey,
}

impl ActiveKeyExchange for RingActiveKx {
    fn group(&self) -> NamedGroup {
        self.name
    }

    fn public_key(&self) -> &[u8] {
        self.public.as_ref()
    }

    fn complete(self: Box<Self>, peer_public_key: &[u8]) -> Result<SharedSecret, Error> {
        // ring validates the peer's point (on the curve, not the identity) and, for
        // X25519, rejects the all-zero output (RFC 8446 7.4.2).
        let peer = agreement::UnparsedPublicKey::new(self.algorithm, peer_public_key);
        agreement::agree_ephemeral(self.private, &peer, |secret| {
            SharedSecret::new(secret.to_vec())
        })
        .map_err(|_| PeerMisbehaved::InvalidKeyShare.into())
    }
}
