//! Certificate trust as BoringSSL's shim has it by default: any chain is accepted (the
//! runner's certificates chain to its own throwaway CA), but handshake signatures are
//! checked for real, with handclasp's own verifier (an empty root store, used only for
//! its signature checks).

use std::sync::Arc;

use handclasp::Error;
use handclasp::crypto::CryptoProvider;
use handclasp::enums::{ProtocolVersion, SignatureScheme};
use handclasp::pki_types::{CertificateDer, ServerName, UnixTime};
use handclasp::verify::{
    ClientCertVerifier, RootStore, ServerCertVerifier, WebPkiClientVerifier, WebPkiServerVerifier,
};

/// Accepts every server chain; verifies the server's signatures.
#[derive(Debug)]
pub struct AnyServerChain(WebPkiServerVerifier);

impl AnyServerChain {
    pub fn new(provider: &CryptoProvider) -> Self {
        Self(WebPkiServerVerifier::new(
            Arc::new(RootStore::empty()),
            provider.signature_verification_algorithms,
        ))
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
        Ok(())
    }

    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.0
            .verify_signature(version, message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes(version)
    }
}

/// Accepts every client chain (requiring one if `mandatory`); verifies the client's
/// signatures.
#[derive(Debug)]
pub struct AnyClientChain(WebPkiClientVerifier);

impl AnyClientChain {
    pub fn new(provider: &CryptoProvider, mandatory: bool) -> Self {
        Self(WebPkiClientVerifier::new(
            Arc::new(RootStore::empty()),
            provider.signature_verification_algorithms,
            mandatory,
        ))
    }
}

impl ClientCertVerifier for AnyClientChain {
    fn client_auth_mandatory(&self) -> bool {
        self.0.client_auth_mandatory()
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
        Ok(())
    }

    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.0
            .verify_signature(version, message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes(version)
    }
}
