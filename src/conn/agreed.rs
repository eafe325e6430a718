//! What the two sides agreed on during the handshake. The handshake states record
//! each fact once, through the methods here, and the connection only reads them.

use alloc::string::String;
use alloc::vec::Vec;

use pki_types::CertificateDer;

use crate::crypto::SupportedCipherSuite;
use crate::enums::{NamedGroup, ProtocolVersion};
use crate::error::Error;
use crate::key_schedule::tls12::MasterSecret;
use crate::key_schedule::tls13::Exporter;

/// Derives keying material for the application after the handshake.
pub(crate) enum KeyExporter {
    /// RFC 8446 7.5.
    Tls13(Exporter),
    /// RFC 5705 over the TLS 1.2 master secret.
    Tls12 {
        master: MasterSecret,
        client_random: [u8; 32],
        server_random: [u8; 32],
    },
}

impl KeyExporter {
    pub(crate) fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        out: &mut [u8],
    ) -> Result<(), Error> {
        match self {
            // RFC 8446 7.5: no context and an empty context are the same.
            Self::Tls13(exporter) => exporter.export(label, context.unwrap_or_default(), out),
            Self::Tls12 {
                master,
                client_random,
                server_random,
            } => master.export(label, context, client_random, server_random, out),
        }
    }
}

/// The negotiated results of one handshake.
#[derive(Default)]
pub(crate) struct Agreed {
    version: Option<ProtocolVersion>,
    suite: Option<SupportedCipherSuite>,
    group: Option<NamedGroup>,
    alpn: Option<Vec<u8>>,
    sni: Option<String>,
    peer_certificates: Option<Vec<CertificateDer<'static>>>,
    exporter: Option<KeyExporter>,
    resumed: bool,
}

impl Agreed {
    /// The version is settled (by a ServerHello or, in TLS 1.3, a HelloRetryRequest).
    pub(crate) fn set_version(&mut self, version: ProtocolVersion) {
        self.version = Some(version);
    }

    /// The cipher suite is chosen; it also settles the version.
    pub(crate) fn set_suite(&mut self, suite: SupportedCipherSuite) {
        self.version = Some(match suite {
            SupportedCipherSuite::Tls13(_) => ProtocolVersion::TLSv1_3,
            SupportedCipherSuite::Tls12(_) => ProtocolVersion::TLSv1_2,
        });
        self.suite = Some(suite);
    }

    pub(crate) fn set_group(&mut self, group: NamedGroup) {
        self.group = Some(group);
    }

    pub(crate) fn set_alpn(&mut self, protocol: Option<Vec<u8>>) {
        self.alpn = protocol;
    }

    /// The server name the client asked for (SNI), on the server side.
    pub(crate) fn set_sni(&mut self, name: Option<String>) {
        self.sni = name;
    }

    /// The peer's certificate chain, end-entity first, once verified.
    pub(crate) fn set_peer_certificates(&mut self, chain: Vec<CertificateDer<'static>>) {
        self.peer_certificates = Some(chain);
    }

    pub(crate) fn set_exporter(&mut self, exporter: KeyExporter) {
        self.exporter = Some(exporter);
    }

    pub(crate) fn set_resumed(&mut self, resumed: bool) {
        self.resumed = resumed;
    }

    pub(crate) fn version(&self) -> Option<ProtocolVersion> {
        self.version
    }

    /// True once TLS 1.2 is settled: the rules that differ by version follow it.
    pub(crate) fn is_tls12(&self) -> bool {
        self.version == Some(ProtocolVersion::TLSv1_2)
    }

    pub(crate) fn suite(&self) -> Option<SupportedCipherSuite> {
        self.suite
    }

    pub(crate) fn group(&self) -> Option<NamedGroup> {
        self.group
    }

    pub(crate) fn alpn(&self) -> Option<&[u8]> {
        self.alpn.as_deref()
    }

    pub(crate) fn sni(&self) -> Option<&str> {
        self.sni.as_deref()
    }

    pub(crate) fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.peer_certificates.as_deref()
    }

    pub(crate) fn exporter(&self) -> Option<&KeyExporter> {
        self.exporter.as_ref()
    }

    pub(crate) fn resumed(&self) -> bool {
        self.resumed
    }
}
