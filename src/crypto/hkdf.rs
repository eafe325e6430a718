//! HKDF (RFC 5869), built on the provider's [`Hmac`], so a provider only has to supply
//! HMAC to get HKDF, the TLS 1.3 key schedule and the TLS 1.2 PRF.

use super::{HashOutput, Hmac, HmacKey, MAX_HASH_LEN};
use crate::error::Error;

/// HKDF-Extract (RFC 5869 2.2). An empty `salt` means a string of hash-length zeros.
pub fn extract(hmac: &dyn Hmac, salt: &[u8], ikm: &[u8]) -> HashOutput {
    let zeros = [0u8; MAX_HASH_LEN];
    let salt = if salt.is_empty() {
        zeros.get(..hmac.hash_output_len()).unwrap_or(&zeros)
    } else {
        salt
    };
    hmac.sign(salt, &[ikm])
}

/// HKDF-Expand (RFC 5869 2.3): fills `out` from `prk` and the concatenation of `info`.
///
/// Fails if `out` is longer than 255 hash lengths, or `info` has more than 6 parts.
pub fn expand(hmac: &dyn Hmac, prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<(), Error> {
    let hash_len = hmac.hash_output_len();
    if out.len() <= hash_len {
        // One block (every TLS 1.3 key, IV and secret) needs no prepared key.
        return expand_blocks(hash_len, info, out, |parts| hmac.sign(prk, parts));
    }
    with_prepared_key_checked(hmac, prk, &mut |key| {
        expand_blocks(hash_len, info, out, |parts| key.sign(parts))
    })
}

/// [`Hmac::with_prepared_key`], checking that the provider really ran `f`: keys and
/// secrets are filled in place from zeroed buffers, so a provider that skipped `f`
/// would otherwise leave them all zero.
pub(crate) fn with_prepared_key_checked(
    hmac: &dyn Hmac,
    key: &[u8],
    f: &mut dyn FnMut(&dyn HmacKey) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut ran = false;
    hmac.with_prepared_key(key, &mut |prepared| {
        ran = true;
        f(prepared)
    })?;
    if ran {
        Ok(())
    } else {
        Err(Error::Internal(
            "the HMAC provider did not run the keyed operation",
        ))
    }
}

/// HKDF-Expand with the PRK already keyed into `key` (an HMAC with `hash_len`-byte
/// tags): for a secret several labels are expanded from, so HMAC is keyed once.
pub fn expand_prepared(
    key: &dyn HmacKey,
    hash_len: usize,
    info: &[&[u8]],
    out: &mut [u8],
) -> Result<(), Error> {
    expand_blocks(hash_len, info, out, |parts| key.sign(parts))
}

fn expand_blocks(
    hash_len: usize,
    info: &[&[u8]],
    out: &mut [u8],
    sign: impl Fn(&[&[u8]]) -> HashOutput,
) -> Result<(), Error> {
    const MAX_INFO_PARTS: usize = 6;
    if hash_len == 0 || out.len() > 255 * hash_len {
        return Err(Error::Internal("HKDF-Expand output too long"));
    }
    if info.len() > MAX_INFO_PARTS {
        return Err(Error::Internal("HKDF-Expand info has too many parts"));
    }
    let mut previous: Option<HashOutput> = None;
    for (i, chunk) in out.chunks_mut(hash_len).enumerate() {
        // T(i) = HMAC(PRK, T(i-1) | info | i), counting from 1.
        let counter = [(i + 1) as u8];
        let mut parts: [&[u8]; MAX_INFO_PARTS + 2] = [&[]; MAX_INFO_PARTS + 2];
        let previous_part = previous.as_ref().map_or(&[][..], |p| p.as_ref());
        let all = core::iter::once(previous_part)
            .chain(info.iter().copied())
            .chain(core::iter::once(&counter[..]));
        for (slot, part) in parts.iter_mut().zip(all) {
            *slot = part;
        }
        let block = sign(parts.get(..info.len() + 2).unwrap_or(&parts));
        let block_part = block
            .as_ref()
            .get(..chunk.len())
            .ok_or(Error::Internal("HKDF-Expand block shorter than its chunk"))?;
        chunk.copy_from_slice(block_part);
        previous = Some(block);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloc::boxed::Box;

    use super::*;

    /// A provider HMAC whose stack-keyed override never runs the operation.
    #[derive(Debug)]
    struct SkippingHmac;

    struct NoKey;

    impl HmacKey for NoKey {
        fn sign(&self, _parts: &[&[u8]]) -> HashOutput {
            HashOutput::new(&[1; 32])
        }
    }

    impl Hmac for SkippingHmac {
        fn with_key(&self, _key: &[u8]) -> Box<dyn HmacKey> {
            Box::new(NoKey)
        }
        fn hash_output_len(&self) -> usize {
            32
        }
        fn with_prepared_key(
            &self,
            _key: &[u8],
            _f: &mut dyn FnMut(&dyn HmacKey) -> Result<(), Error>,
        ) -> Result<(), Error> {
            Ok(())
        }
    }

    #[test]
    fn a_provider_that_skips_the_keyed_operation_is_caught() {
        // Two blocks of output take the prepared-key path; the zeroed output must not
        // be taken as a result.
        let mut out = [0u8; 64];
        assert!(matches!(
            expand(&SkippingHmac, &[7; 32], &[b"info"], &mut out),
            Err(Error::Internal(_))
        ));
    }
}
