//! Certificate trust as BoringSSL's shim has it: any chain is accepted (the runner's
//! certificates chain to its own throwaway CA) unless `-verify-fail` says the
//! application refuses it, and handshake signatures are checked for real, with
//! handclasp's own verifier (an empty root store, used only for its signature checks),
//! restricted to `-verify-prefs` when given.

use std::sync::{Arc, Mutex};

use handclasp::Error;
use handclasp::crypto::CryptoProvider;
use handclasp::enums::{ProtocolVersion, SignatureScheme};
use handclasp::error::CertificateError;
use handclasp::pki_types::{CertificateDer, ServerName, UnixTime};
use handclasp::verify::{
    ClientCertVerifier, RootStore, ServerCertVerifier, WebPkiClientVerifier, WebPkiServerVerifier,
};

/// What the shim's certificate check does, from the flags.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// `-verify-fail`: the application refuses every chain.
    pub fail: bool,
    /// `-verify-peer` (or a server requiring certificates): a refusal ends the
    /// handshake. Without it a client only notes the result, as BoringSSL's
    /// `SSL_VERIFY_NONE` does.
    pub enforce: bool,
    /// `-verify-prefs`: the only schemes offered and accepted, in this order.
    pub schemes: Option<Vec<SignatureScheme>>,
    /// Where the result goes (`Some(true)` when accepted), for `-expect-verify-result`.
    pub result: Arc<Mutex<Option<bool>>>,
}

impl Policy {
    fn check(&self) -> Result<(), Error> {
        if let Ok(mut r) = self.result.lock() {
            *r = Some(!self.fail);
        }
        if self.fail && self.enforce {
            return Err(CertificateError::ApplicationRejected("-verify-fail".into()).into());
        }
        Ok(())
    }

    fn schemes(&self, supported: Vec<SignatureScheme>) -> Vec<SignatureScheme> {
        match &self.schemes {
            Some(prefs) => prefs
                .iter()
                .copied()
                .filter(|s| supported.contains(s))
                .collect(),
            None => supported,
        }
    }
}

/// Accepts server chains as the policy says; verifies the server's signatures.
#[derive(Debug)]
pub struct AnyServerChain {
    inner: WebPkiServerVerifier,
    policy: Policy,
}

impl AnyServerChain {
    pub fn new(provider: &CryptoProvider, policy: Policy) -> Self {
        Self {
            inner: WebPkiServerVerifier::new(
                Arc::new(RootStore::empty()),
                provider.signature_verification_algorithms,
            ),
            policy,
        }
    }
}

impl ServerCertVerifier for AnyServerChain {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<(), Error> {
        self.policy.check()
    }

    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.inner
            .verify_signature(version, message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        self.policy
            .schemes(self.inner.supported_verify_schemes(version))
    }
}

/// Accepts client chains as the policy says (requiring one if `mandatory`); verifies
/// the client's signatures.
#[derive(Debug)]
pub struct AnyClientChain {
    inner: WebPkiClientVerifier,
    policy: Policy,
}

impl AnyClientChain {
    pub fn new(provider: &CryptoProvider, mandatory: bool, policy: Policy) -> Self {
        Self {
            inner: WebPkiClientVerifier::new(
                Arc::new(RootStore::empty()),
                provider.signature_verification_algorithms,
                mandatory,
            ),
            policy,
        }
    }
}

impl ClientCertVerifier for AnyClientChain {
    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<(), Error> {
        self.policy.check()
    }

    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.inner
            .verify_signature(version, message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        self.policy
            .schemes(self.inner.supported_verify_schemes(version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_fail_records_but_accepts() {
        let p = Policy {
            fail: true,
            ..Policy::default()
        };
        assert!(p.check().is_ok());
        assert_eq!(*p.result.lock().unwrap(), Some(false));
        let p = Policy {
            fail: true,
            enforce: true,
            ..Policy::default()
        };
        assert!(matches!(
            p.check(),
            Err(Error::Certificate(CertificateError::ApplicationRejected(_)))
        ));
    }

    #[test]
    fn verify_prefs_keep_their_order_and_drop_what_we_lack() {
        let p = Policy {
            schemes: Some(vec![
                SignatureScheme::ED25519,
                SignatureScheme::from(0xfefe),
                SignatureScheme::ECDSA_NISTP256_SHA256,
            ]),
            ..Policy::default()
        };
        assert_eq!(
            p.schemes(vec![
                SignatureScheme::ECDSA_NISTP256_SHA256,
                SignatureScheme::ED25519
            ]),
            vec![
                SignatureScheme::ED25519,
                SignatureScheme::ECDSA_NISTP256_SHA256
            ]
        );
    }
}
