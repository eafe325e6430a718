//! Trust roots from files, from trust anchors and from Mozilla's bundle; a file that
//! cannot be used is a configuration error naming the file and the reason, never a
//! peer certificate error.
use crate::common;

use std::path::PathBuf;
use std::sync::Arc;

use common::pki::{self, Ca, NOV_2026, at};
use handclasp::Error;
use handclasp::crypto::ring::SUPPORTED_SIG_ALGS;
use handclasp::enums::AlertDescription;
use handclasp::error::{CertificateError, ConfigError, RootLoadError};
use handclasp::pki_types::{CertificateDer, Der, ServerName, TrustAnchor};
use handclasp::verify::{RootStore, ServerCertVerifier, WebPkiServerVerifier};
use handclasp::{ClientConfig, ClientConnection};

/// A fresh directory for one test's files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(test: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!(
        "handclasp-root-store-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// Loads `path` and returns why it failed, checking the error's shape and text.
fn file_error(path: &std::path::Path) -> RootLoadError {
    let err = RootStore::empty().add_pem_file(path).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "{text:?} does not name the file"
    );
    assert!(!text.contains("peer"), "{text:?} blames the peer");
    assert_eq!(err.alert(), None);
    match err {
        Error::Config(ConfigError::RootFile { path: p, reason }) => {
            assert_eq!(p, path.display().to_string());
            reason
        }
        other => panic!("expected a root file error, got {other:?}"),
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn a_missing_ca_file_is_named_as_not_found() {
    let dir = scratch("missing");
    let path = dir.join("no-such-bundle.pem");
    assert_eq!(file_error(&path), RootLoadError::NotFound);
    let err = RootStore::empty().add_pem_file(&path).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("configuration error: cannot load trust roots from"),
        "{err}"
    );
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn an_unreadable_ca_file_is_permission_denied() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("unreadable");
    let path = dir.join("bundle.pem");
    std::fs::write(&path, pem("CERTIFICATE", &Ca::root("r").cert)).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running with the privilege to read anything (root): the mode cannot deny the
        // read, so only the mapping of the error kind can be checked.
        eprintln!("skipped: this process can read a mode-000 file");
        return;
    }
    assert_eq!(file_error(&path), RootLoadError::PermissionDenied);
}

#[test]
fn a_directory_is_an_io_error_with_the_reason() {
    let dir = scratch("directory");
    match file_error(&dir.0) {
        RootLoadError::Io(reason) => assert!(reason.contains("directory"), "{reason}"),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

#[test]
fn a_der_or_text_file_is_not_pem() {
    let dir = scratch("not-pem");
    let der = dir.join("root.der");
    std::fs::write(&der, Ca::root("r").cert.as_ref()).unwrap();
    assert_eq!(
        file_error(&der),
        RootLoadError::NotPem {
            looks_like_der: true
        }
    );
    let err = RootStore::empty().add_pem_file(&der).unwrap_err();
    assert!(
        err.to_string().contains("openssl x509 -inform der"),
        "{err}"
    );

    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a certificate\n").unwrap();
    assert_eq!(
        file_error(&text),
        RootLoadError::NotPem {
            looks_like_der: false
        }
    );
}

#[test]
fn a_pem_file_without_certificates_says_what_it_holds() {
    let dir = scratch("key-only");
    let path = dir.join("key.pem");
    let leaf = Ca::root("r").issue(&pki::LeafSpec::server(&["a.test"]));
    std::fs::write(&path, pem("PRIVATE KEY", leaf.key.secret_der())).unwrap();
    assert_eq!(
        file_error(&path),
        RootLoadError::NoCertificate {
            found: vec!["PRIVATE KEY".into()]
        }
    );
    let err = RootStore::empty().add_pem_file(&path).unwrap_err();
    assert!(err.to_string().contains("holds no certificate"), "{err}");
}

#[test]
fn malformed_pem_and_unusable_certificates_are_named() {
    let dir = scratch("malformed");
    let broken = dir.join("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nMII*&^\n").unwrap();
    assert!(
        matches!(file_error(&broken), RootLoadError::BadPem(_)),
        "malformed PEM"
    );
    let junk = dir.join("junk.pem");
    std::fs::write(&junk, pem("CERTIFICATE", &[0x30, 0x03, 0x02, 0x01, 0x00])).unwrap();
    assert_eq!(file_error(&junk), RootLoadError::NoUsableCertificate(1));
}

#[test]
fn pem_data_and_single_roots_are_configuration_errors() {
    assert_eq!(
        RootStore::empty().add_pem(b"no pem here").unwrap_err(),
        Error::Config(ConfigError::RootPem(RootLoadError::NotPem {
            looks_like_der: false
        }))
    );
    let err = RootStore::empty()
        .add(&CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(ConfigError::BadRoot(why)) if why.contains("malformed")),
        "{err:?}"
    );
    let a = Ca::root("a");
    let b = Ca::root("b");
    let both = format!(
        "{}{}",
        pem("CERTIFICATE", &a.cert),
        pem("CERTIFICATE", &b.cert)
    );
    let dir = scratch("good");
    let path = dir.join("bundle.pem");
    std::fs::write(&path, both).unwrap();
    let mut roots = RootStore::empty();
    let load = roots.add_pem_file(&path).unwrap();
    assert_eq!((load.added, load.ignored, roots.len()), (2, 0, 2));
}

/// A trust anchor made from a certificate's fields, the way another crate (such as
/// `webpki-roots`) ships them: the subject and SubjectPublicKeyInfo contents.
fn anchor_of(cert: &CertificateDer<'_>) -> TrustAnchor<'static> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).unwrap();
    TrustAnchor {
        subject: Der::from(sequence_contents(parsed.tbs_certificate.subject.as_raw()).to_vec()),
        subject_public_key_info: Der::from(
            sequence_contents(parsed.tbs_certificate.subject_pki.raw).to_vec(),
        ),
        name_constraints: None,
    }
}

fn sequence_contents(der: &[u8]) -> &[u8] {
    assert_eq!(der[0], 0x30);
    match der[1] {
        n if n < 0x80 => &der[2..],
        n => &der[2 + (n & 0x7f) as usize..],
    }
}

fn verifies(roots: RootStore, chain: &[CertificateDer<'static>]) -> Result<(), Error> {
    let v = WebPkiServerVerifier::new(Arc::new(roots), SUPPORTED_SIG_ALGS);
    let name = ServerName::try_from("a.test").unwrap();
    v.verify_server_cert(&chain[0], &chain[1..], &name, &[], at(NOV_2026))
}

#[test]
fn trust_anchors_from_elsewhere_extend_a_store() {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let other = Ca::root("other");

    let mut roots = RootStore::empty();
    roots.extend([anchor_of(&other.cert), anchor_of(&root.cert)]);
    assert_eq!(roots.len(), 2);
    verifies(roots, &leaf.chain).unwrap();

    let mut roots = RootStore::empty();
    assert_eq!(roots.add_trust_anchors([anchor_of(&root.cert)]), 1);
    verifies(roots, &leaf.chain).unwrap();

    let roots: RootStore = [anchor_of(&root.cert)].into_iter().collect();
    verifies(roots, &leaf.chain).unwrap();

    let roots: RootStore = [anchor_of(&other.cert)].into_iter().collect();
    assert!(verifies(roots, &leaf.chain).is_err());
}

#[test]
fn webpki_roots_hold_mozillas_bundle() {
    let roots = RootStore::webpki_roots();
    assert!(roots.len() > 100, "only {} roots", roots.len());
    // Let's Encrypt's root is in Mozilla's list.
    assert!(
        roots.anchors().iter().any(|a| a
            .subject
            .as_ref()
            .windows(12)
            .any(|w| w == b"ISRG Root X1")),
        "ISRG Root X1 missing"
    );
    // The same anchors go into another store through `Extend`.
    let mut copy = RootStore::empty();
    copy.extend(roots.anchors().iter().cloned());
    assert_eq!(copy.len(), roots.len());

    // A chain from a test CA is not trusted by it.
    let (_, leaf) = pki::server_chain(&["a.test"]);
    let err = verifies(roots.clone(), &leaf.chain).unwrap_err();
    assert_eq!(
        err,
        Error::Certificate(CertificateError::MissingIntermediate {
            subject: "CN=handclasp test intermediate".into(),
            issuer: "CN=handclasp test root".into(),
            peer: "server",
        })
    );
    assert_eq!(err.alert(), Some(AlertDescription::UnknownCa));

    // And a client can be built on it.
    let config = ClientConfig::builder()
        .with_root_store(roots)
        .build()
        .unwrap();
    ClientConnection::new(
        Arc::new(config),
        ServerName::try_from("example.com").unwrap(),
    )
    .unwrap();
}
