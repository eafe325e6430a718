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

    /// The DER subject names of the roots (for CertificateRequest hints).
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

/// Wraps `contents` in a DER SEQUENCE header. A trust anchor's `subject` holds the
/// contents of the Name without its outer SEQUENCE, but a `DistinguishedName` on the
/// wire (RFC 5246 7.4.4, RFC 8446 4.2.4) is the whole DER Name; peers such as OpenSSL
/// reject the bare contents with decode_error.
fn der_sequence(contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(contents.len() + 6);
    out.push(0x30);
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
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
    fn der_sequence_encodes_short_and_long_lengths() {
        assert_eq!(der_sequence(&[1, 2]), [0x30, 2, 1, 2]);
        let long = der_sequence(&[7; 0x80]);
        assert_eq!(&long[..3], &[0x30, 0x81, 0x80]);
        assert_eq!(long.len(), 3 + 0x80);
        let longer = der_sequence(&[7; 0x1234]);
        assert_eq!(&longer[..4], &[0x30, 0x82, 0x12, 0x34]);
    }
}
