//! The set of trusted root certificates, and where to get them: PEM files, trust
//! anchors from another crate (`webpki-roots`), or the platform's store.

use alloc::string::String;
use alloc::vec::Vec;

use pki_types::pem::PemObject;
use pki_types::{CertificateDer, TrustAnchor};

use crate::error::{ConfigError, Error, RootLoadError};

/// Trust anchors: the roots a verifier accepts chains to.
///
/// Fill it from a PEM bundle ([`Self::add_pem_file`]), from trust anchors such as
/// `webpki_roots::TLS_SERVER_ROOTS` (it implements [`Extend`] and [`FromIterator`]),
/// with the `webpki-roots` feature (`RootStore::webpki_roots`) or with the
/// `native-roots` feature (`RootStore::native_roots`).
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

/// What [`RootStore::native_roots`] loaded from the platform's store.
#[cfg(feature = "native-roots")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeLoad {
    /// Certificates added as roots.
    pub added: usize,
    /// Certificates that could not be parsed as trust anchors and were skipped.
    pub ignored: usize,
    /// Errors the platform loader reported while still finding some roots (an
    /// unreadable file in a certificate directory, a malformed PEM section, ...).
    pub errors: Vec<String>,
}

impl RootStore {
    /// An empty store (trusts nothing).
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds one DER certificate as a root.
    pub fn add(&mut self, cert: &CertificateDer<'_>) -> Result<(), Error> {
        let anchor = ::webpki::anchor_from_trusted_cert(cert)
            .map_err(|e| ConfigError::BadRoot(super::webpki::error_text(e)))?;
        self.anchors.push(anchor.to_owned());
        Ok(())
    }

    /// Adds trust anchors as they are (e.g. `webpki_roots::TLS_SERVER_ROOTS`, or
    /// anchors built elsewhere). Returns how many were added.
    ///
    /// ```
    /// # use handclasp::verify::RootStore;
    /// # let anchors: Vec<handclasp::pki_types::TrustAnchor<'static>> = Vec::new();
    /// let mut roots = RootStore::empty();
    /// // e.g. anchors = webpki_roots::TLS_SERVER_ROOTS.iter().cloned()
    /// roots.add_trust_anchors(anchors);
    /// ```
    pub fn add_trust_anchors(
        &mut self,
        anchors: impl IntoIterator<Item = TrustAnchor<'static>>,
    ) -> usize {
        let before = self.anchors.len();
        self.anchors.extend(anchors);
        self.anchors.len() - before
    }

    /// Adds every certificate of a PEM bundle (other PEM sections are skipped).
    ///
    /// Fails, saying why, if the data is not PEM, holds no certificate, has a malformed
    /// section, or none of its certificates can be a root; certificates that are not
    /// usable as roots next to usable ones are counted in [`PemLoad::ignored`].
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<PemLoad, Error> {
        self.add_pem_inner(pem)
            .map_err(|reason| ConfigError::RootPem(reason).into())
    }

    fn add_pem_inner(&mut self, pem: &[u8]) -> Result<PemLoad, RootLoadError> {
        let mut load = PemLoad {
            added: 0,
            ignored: 0,
        };
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| RootLoadError::BadPem(alloc::format!("{e}")))?;
            match self.add(&cert) {
                Ok(()) => load.added += 1,
                Err(_) => load.ignored += 1,
            }
        }
        if load.added > 0 {
            return Ok(load);
        }
        if load.ignored > 0 {
            return Err(RootLoadError::NoUsableCertificate(load.ignored));
        }
        let found = pem_labels(pem);
        if found.is_empty() {
            // A DER certificate starts with a SEQUENCE tag (X.690 8.9).
            Err(RootLoadError::NotPem {
                looks_like_der: pem.first() == Some(&0x30),
            })
        } else {
            Err(RootLoadError::NoCertificate { found })
        }
    }

    /// Reads a PEM bundle from a file. The error names the file and says why it could
    /// not be used: it does not exist, may not be read, is not PEM, or holds no
    /// certificate.
    #[cfg(feature = "std")]
    pub fn add_pem_file(&mut self, path: impl AsRef<std::path::Path>) -> Result<PemLoad, Error> {
        let path = path.as_ref();
        let failed = |reason| ConfigError::RootFile {
            path: alloc::format!("{}", path.display()),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| failed(io_reason(&e)))?;
        self.add_pem_inner(&bytes)
            .map_err(|reason| failed(reason).into())
    }

    /// A store holding Mozilla's root certificates, compiled in from the
    /// `webpki-roots` crate (feature `webpki-roots`; works without `std`).
    ///
    /// The set is fixed when the program is built: rebuild to pick up changes to
    /// Mozilla's list. [`Self::native_roots`] follows the machine's store instead.
    /// The same anchors can be added to any store:
    ///
    /// ```
    /// # use handclasp::verify::RootStore;
    /// let mut roots = RootStore::empty();
    /// roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    /// assert_eq!(roots.len(), RootStore::webpki_roots().len());
    /// ```
    #[cfg(feature = "webpki-roots")]
    pub fn webpki_roots() -> Self {
        webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect()
    }

    /// A store holding the platform's trusted roots, loaded with
    /// `rustls-native-certs` (feature `native-roots`, which needs `std`).
    ///
    /// On Linux and other Unix systems it reads the distribution's CA bundle (found
    /// the way OpenSSL finds it); on macOS the keychain; on Windows the system store.
    /// If the `SSL_CERT_FILE` (a PEM bundle) or `SSL_CERT_DIR` (directories of PEM
    /// files, separated like `PATH`) environment variables are set, only those
    /// locations are read, on every platform.
    ///
    /// Fails if no usable root was found, with the errors the loader hit; otherwise
    /// returns the store and what was loaded, including errors that did not prevent
    /// loading some roots.
    #[cfg(feature = "native-roots")]
    pub fn native_roots() -> Result<(Self, NativeLoad), Error> {
        let found = rustls_native_certs::load_native_certs();
        let mut store = Self::empty();
        let mut load = NativeLoad {
            added: 0,
            ignored: 0,
            errors: found.errors.iter().map(|e| alloc::format!("{e}")).collect(),
        };
        for cert in &found.certs {
            match store.add(cert) {
                Ok(()) => load.added += 1,
                Err(_) => load.ignored += 1,
            }
        }
        if load.added == 0 {
            return Err(ConfigError::NoNativeRoots {
                ignored: load.ignored,
                errors: load.errors,
            }
            .into());
        }
        Ok((store, load))
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

impl Extend<TrustAnchor<'static>> for RootStore {
    fn extend<I: IntoIterator<Item = TrustAnchor<'static>>>(&mut self, anchors: I) {
        self.add_trust_anchors(anchors);
    }
}

impl FromIterator<TrustAnchor<'static>> for RootStore {
    fn from_iter<I: IntoIterator<Item = TrustAnchor<'static>>>(anchors: I) -> Self {
        Self {
            anchors: anchors.into_iter().collect(),
        }
    }
}

/// Why a file could not be read, in the terms a user fixes it by.
#[cfg(feature = "std")]
fn io_reason(e: &std::io::Error) -> RootLoadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => RootLoadError::NotFound,
        std::io::ErrorKind::PermissionDenied => RootLoadError::PermissionDenied,
        _ => RootLoadError::Io(alloc::format!("{e}")),
    }
}

/// The labels of the `-----BEGIN label-----` lines in `data` (RFC 7468 2), to say what
/// a bundle without certificates holds instead.
fn pem_labels(data: &[u8]) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for line in data.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let label = line
            .strip_prefix(b"-----BEGIN ")
            .and_then(|rest| rest.strip_suffix(b"-----"));
        if let Some(label) = label {
            let label = String::from_utf8_lossy(label).into_owned();
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    labels
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
    use super::{der_sequence, pem_labels};

    #[test]
    fn pem_labels_are_listed_once() {
        let pem = b"-----BEGIN PRIVATE KEY-----\r\nAA==\r\n-----END PRIVATE KEY-----\r\n\
                    -----BEGIN X509 CRL-----\nAA==\n-----END X509 CRL-----\n\
                    -----BEGIN PRIVATE KEY-----\n";
        assert_eq!(pem_labels(pem), ["PRIVATE KEY", "X509 CRL"]);
        assert!(pem_labels(b"\x30\x82\x01\x00").is_empty());
    }

    #[cfg(feature = "std")]
    #[test]
    fn io_errors_name_the_cause() {
        use super::{RootLoadError, io_reason};
        use std::io::{Error, ErrorKind};
        // Tests run as root cannot make a file unreadable, so the mapping is checked here.
        assert_eq!(
            io_reason(&Error::from(ErrorKind::PermissionDenied)),
            RootLoadError::PermissionDenied
        );
        assert_eq!(
            io_reason(&Error::from(ErrorKind::NotFound)),
            RootLoadError::NotFound
        );
        assert!(matches!(
            io_reason(&Error::other("disk on fire")),
            RootLoadError::Io(why) if why.contains("disk on fire")
        ));
    }

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
