//! After the verifier refuses a chain, look at the chain to say why in terms a user can
//! act on: which certificate, which name, which key.
//!
//! The verifier's verdict stands; these functions only pick the most specific
//! [`CertificateError`] that the certificates support, and fall back to the generic
//! one when the chain does not say more.

use alloc::string::String;
use alloc::vec::Vec;

use pki_types::{CertificateDer, TrustAnchor};

use super::x509::{self, CertFacts};
use crate::error::CertificateError;

/// The smallest RSA modulus accepted anywhere in a chain. `ring` verifies RSA
/// signatures only with 2048 bits or more (NIST SP 800-57: 112-bit security).
pub(crate) const RSA_MIN_BITS: usize = 2048;

/// The chain a verifier was given, and who sent it.
pub(crate) struct Chain<'a> {
    pub(crate) end_entity: &'a CertificateDer<'a>,
    pub(crate) intermediates: &'a [CertificateDer<'a>],
    pub(crate) anchors: &'a [TrustAnchor<'static>],
    /// `"server"` or `"client"`.
    pub(crate) peer: &'static str,
}

impl<'a> Chain<'a> {
    fn leaf(&self) -> Option<CertFacts<'a>> {
        CertFacts::parse(self.end_entity.as_ref())
    }

    fn intermediates(&self) -> impl Iterator<Item = CertFacts<'a>> + 'a {
        self.intermediates
            .iter()
            .filter_map(|c| CertFacts::parse(c.as_ref()))
    }

    /// The leaf, then the intermediates, each parsed.
    fn all(&self) -> impl Iterator<Item = CertFacts<'a>> + 'a {
        self.leaf().into_iter().chain(self.intermediates())
    }

    /// Why no path reached a trust anchor. Walks up from the leaf through the
    /// certificates sent, matching issuer to subject (RFC 5280 6.1), until it reaches
    /// a self-issued certificate (a root, or a self-signed leaf) or a name nothing
    /// matches.
    pub(crate) fn unknown_issuer(&self) -> CertificateError {
        let Some(leaf) = self.leaf() else {
            return CertificateError::UnknownIssuer;
        };
        let sent: Vec<CertFacts<'_>> = self.intermediates().collect();
        let mut used = alloc::vec![false; sent.len()];
        let mut current = leaf;
        let mut is_leaf = true;
        // Each step uses up one sent certificate, so this ends.
        loop {
            if self
                .anchors
                .iter()
                .any(|a| a.subject.as_ref() == current.issuer)
            {
                // A trusted root has the right name, yet no path verified: nothing
                // more specific can be said.
                return CertificateError::UnknownIssuer;
            }
            if current.self_issued() {
                return if is_leaf {
                    CertificateError::SelfSigned {
                        subject: current.subject_text(),
                    }
                } else {
                    CertificateError::UnknownRoot {
                        root: current.subject_text(),
                    }
                };
            }
            let next = sent
                .iter()
                .zip(used.iter_mut())
                .find(|(c, used)| !**used && c.subject == current.issuer);
            match next {
                Some((issuer, used)) => {
                    *used = true;
                    current = *issuer;
                    is_leaf = false;
                }
                None => {
                    return CertificateError::MissingIntermediate {
                        subject: current.subject_text(),
                        issuer: x509::name_text(current.issuer),
                        peer: self.peer,
                    };
                }
            }
        }
    }

    /// A signature did not verify: if an issuing key in the chain is an RSA key too
    /// small to verify with, that is the cause.
    pub(crate) fn weak_issuer_key(&self) -> Option<CertificateError> {
        let issuers: Vec<&[u8]> = self.all().map(|c| c.issuer).collect();
        let sent = self
            .intermediates()
            .map(|c| (c.subject, c.spki))
            .filter(|(subject, _)| issuers.contains(subject));
        let trusted = self
            .anchors
            .iter()
            .map(|a| (a.subject.as_ref(), a.subject_public_key_info.as_ref()))
            .filter(|(subject, _)| issuers.contains(subject));
        sent.chain(trusted)
            .find_map(|(subject, spki)| weak_rsa(subject, spki))
    }

    /// The end-entity key itself is an RSA key too small to verify its handshake
    /// signature with.
    pub(crate) fn weak_leaf_key(&self) -> Option<CertificateError> {
        let leaf = self.leaf()?;
        weak_rsa(leaf.subject, leaf.spki)
    }

    /// The subject of the leaf, for errors about the leaf itself.
    pub(crate) fn leaf_subject(&self) -> String {
        self.leaf()
            .map(|c| c.subject_text())
            .unwrap_or_else(|| String::from("the end-entity certificate"))
    }

    /// A sent certificate that issued another one in the chain without being a CA.
    pub(crate) fn non_ca_issuer(&self) -> Option<String> {
        let issuers: Vec<&[u8]> = self.all().map(|c| c.issuer).collect();
        self.intermediates()
            .filter(|c| issuers.contains(&c.subject))
            .find(|c| !c.basic_constraints().is_some_and(|b| b.ca))
            .map(|c| c.subject_text())
    }

    /// The first CA in the chain (sent, then trusted) with name constraints.
    pub(crate) fn name_constrained_ca(&self) -> Option<String> {
        self.intermediates()
            .find(|c| c.has_name_constraints())
            .map(|c| c.subject_text())
            .or_else(|| {
                self.anchors
                    .iter()
                    .find(|a| a.name_constraints.is_some())
                    .map(|a| x509::name_text(a.subject.as_ref()))
            })
    }

    /// A sent CA whose pathLenConstraint is smaller than the number of CAs sent below
    /// it (RFC 5280 4.2.1.9).
    pub(crate) fn path_len_ca(&self) -> Option<(String, u64)> {
        let sent: Vec<CertFacts<'_>> = self.intermediates().collect();
        sent.iter().enumerate().find_map(|(below, ca)| {
            let limit = ca.basic_constraints()?.path_len?;
            (below as u64 > limit).then(|| (ca.subject_text(), limit))
        })
    }

    /// The first critical extension in the chain the verifier does not understand
    /// (RFC 5280 4.2), with its certificate's subject.
    pub(crate) fn unknown_critical_extension(&self) -> Option<(String, String)> {
        self.all().find_map(|c| {
            c.extensions()
                .find(|e| e.critical && !x509::understood_extension(e.oid))
                .map(|e| (c.subject_text(), x509::oid_text(e.oid)))
        })
    }

    /// The leaf's subjectAltName entries, typed (`DNS:a.test`, `IP:192.0.2.1`).
    pub(crate) fn leaf_names(&self) -> Option<Vec<String>> {
        self.leaf()?.alt_names()
    }
}

fn weak_rsa(subject: &[u8], spki: &[u8]) -> Option<CertificateError> {
    let bits = x509::key_kind(spki).rsa_bits()?;
    (bits < RSA_MIN_BITS).then(|| CertificateError::WeakKey {
        subject: x509::name_text(subject),
        bits,
        min: RSA_MIN_BITS,
    })
}

/// RFC 8446 4.4.2.2 (and 4.4.2.3 for clients): the end-entity key signs the
/// handshake, so a keyUsage extension must allow digitalSignature (RFC 5280 4.2.1.3);
/// without the extension any use is allowed. Checked by the handshake whatever the
/// verifier decided: it is a TLS rule, not a path-building one.
pub(crate) fn leaf_may_sign(end_entity: &CertificateDer<'_>) -> Result<(), CertificateError> {
    let Some(leaf) = CertFacts::parse(end_entity.as_ref()) else {
        return Ok(());
    };
    match leaf.key_usage_digital_signature() {
        Some(false) => Err(CertificateError::KeyUsageWithoutDigitalSignature {
            subject: leaf.subject_text(),
        }),
        _ => Ok(()),
    }
}
