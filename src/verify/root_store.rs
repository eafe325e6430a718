//! The set of trusted root certificates.

use alloc::vec::Vec;

use pki_types::pem::PemObject;
use pki_types::{CertificateDer, TrustAnchor};

use crate::error::{CertificateError, Error};

/// Trust anchors: the roots a verifier accepts chains to.
#[derive(Debug, Clone, Default)]
pub struct RootStore {
    anchors: Vec<TrustAnchor<'static>>,
}

/// What [`RootStore::add_pem`] did with a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PemLoad {
    /// Certificates added as roots.
    pub added: usize,
    /// Certificates that could not be parsed as trust anchors and were skipped.
    pub ignored: usize,
}

impl RootStore {
    /// An empty store (trusts nothing).
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds one DER certificate as a root.
    pub fn add(&mut self, cert: &CertificateDer<'_>) -> Result<(), Error> {
        let anchor = ::webpki::anchor_from_trusted_cert(cert)
            .map_err(|e| CertificateError::BadEncoding(alloc::format!("root certificate: {e}")))?;
        self.anchors.push(anchor.to_owned());
        Ok(())
    }

    /// Adds every certificate of a PEM bundle (other PEM sections are skipped).
    ///
    /// Fails if the PEM itself is malformed or holds no certificate; certificates that
    /// are not usable as roots are counted in [`PemLoad::ignored`].
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<PemLoad, Error> {
        let mut load = PemLoad {
            added: 0,
            ignored: 0,
        };
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert
                .map_err(|e| CertificateError::BadEncoding(alloc::format!("PEM bundle: {e:?}")))?;
            match self.add(&cert) {
                Ok(()) => load.added += 1,
                Err(_) => load.ignored += 1,
            }
        }
        if load.added + load.ignored == 0 {
            return Err(
                CertificateError::BadEncoding("PEM bundle holds no certificate".into()).into(),
            );
        }
        Ok(load)
    }

    /// Reads a PEM bundle from a file.
    #[cfg(feature = "std")]
    pub fn add_pem_file(&mut self, path: impl AsRef<std::path::Path>) -> Result<PemLoad, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| {
            CertificateError::BadEncoding(alloc::format!("cannot read {}: {e}", path.display()))
        })?;
        self.add_pem(&bytes)
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// The DER subject names of the roots (for CertificateRequest hints), each a whole
    /// `Name` (RFC 8446 4.2.4: DistinguishedName is a DER-encoded X.501 Name).
    pub fn subjects(&self) -> Vec<Vec<u8>> {
        self.anchors
            .iter()
            .map(|a| der_sequence(a.subject.as_ref()))
            .collect()
    }

    /// How many roots the store holds.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True if the store holds no roots.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// Wraps `contents` in a DER SEQUENCE header: a trust anchor's `subject` holds the
/// contents of the Name SEQUENCE without its tag and length.
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(0x30);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        // Long form: 0x80 | number of length bytes, then the length, big-endian.
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::der_sequence;

    #[test]
    fn der_sequence_short_and_long_lengths() {
        assert_eq!(der_sequence(&[1, 2]), [0x30, 2, 1, 2]);
        let long = der_sequence(&[7; 200]);
        assert_eq!(long.get(..3), Some(&[0x30, 0x81, 200][..]));
        assert_eq!(long.len(), 203);
        let longer = der_sequence(&[7; 300]);
        assert_eq!(longer.get(..4), Some(&[0x30, 0x82, 0x01, 0x2c][..]));
        assert_eq!(longer.len(), 304);
    }
}
