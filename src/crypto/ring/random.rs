//! The operating system's random number generator, through `ring`.

use ring::rand::{SecureRandom as _, SystemRandom};

use crate::crypto::SecureRandom;
use crate::error::Error;

/// `ring`'s `SystemRandom` as a provider [`SecureRandom`].
#[derive(Debug)]
pub struct RingRandom;

/// The provider's random number generator.
pub static RING_RANDOM: RingRandom = RingRandom;

impl SecureRandom for RingRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), Error> {
        SystemRandom::new()
            .fill(buf)
            .map_err(|_| Error::FailedToGetRandomBytes)
    }
}
