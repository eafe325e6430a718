//! Server certificate selection by SNI with `SniResolver`.
use crate::common;

use std::sync::Arc;

use common::pair::Pair;
use common::pki::{Ca, LeafSpec, NOV_2026, at};
use handclasp::enums::AlertDescription;
use handclasp::error::PeerIncompatible;
use handclasp::server::SniResolver;
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{CertifiedKey, ClientConfig, Error, ServerConfig};

fn certified(ca: &Ca, name: &'static str) -> CertifiedKey {
    let leaf = ca.issue(&LeafSpec::server(&[name]));
    CertifiedKey::from_der(
        &handclasp::crypto::ring::default_provider(),
        leaf.chain,
        leaf.key,
    )
    .unwrap()
}

fn client(ca: &Ca) -> Arc<ClientConfig> {
    let mut roots = RootStore::empty();
    roots.add(&ca.cert).unwrap();
    Arc::new(
        ClientConfig::builder()
            .with_root_store(roots)
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .build()
            .unwrap(),
    )
}

fn server(resolver: SniResolver) -> Arc<ServerConfig> {
    Arc::new(
        ServerConfig::builder()
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_cert_resolver(Arc::new(resolver))
            .build()
            .unwrap(),
    )
}

#[test]
fn each_name_gets_its_own_certificate() {
    let ca = Ca::root("sni root");
    let mut resolver = SniResolver::new();
    resolver.add("a.test", certified(&ca, "a.test")).unwrap();
    resolver.add("b.test", certified(&ca, "b.test")).unwrap();
    let server = server(resolver);
    for name in ["a.test", "b.test", "B.TEST"] {
        let mut pair = Pair::new(client(&ca), server.clone(), name);
        // The client checks the certificate against the name: only the right one passes.
        pair.handshake().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            pair.server.server_name(),
            Some(name.to_ascii_lowercase().as_str())
        );
    }
}

#[test]
fn an_unknown_name_gets_the_default_or_unrecognized_name() {
    let ca = Ca::root("sni root");
    let mut resolver = SniResolver::new();
    resolver.add("a.test", certified(&ca, "a.test")).unwrap();
    let mut pair = Pair::new(client(&ca), server(resolver), "c.test");
    let err = pair.handshake().unwrap_err();
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::NoCertificateForName)
    );
    assert_eq!(err.alert(), Some(AlertDescription::UnrecognizedName));

    let mut resolver = SniResolver::new();
    resolver.add("a.test", certified(&ca, "a.test")).unwrap();
    resolver.set_default(certified(&ca, "c.test"));
    let mut pair = Pair::new(client(&ca), server(resolver), "c.test");
    pair.handshake().unwrap();
}

#[test]
fn a_certificate_must_match_the_name_it_is_added_under() {
    let ca = Ca::root("sni root");
    let mut resolver = SniResolver::new();
    assert!(resolver.add("b.test", certified(&ca, "a.test")).is_err());
    assert!(
        resolver
            .add("not a name", certified(&ca, "a.test"))
            .is_err()
    );
}
