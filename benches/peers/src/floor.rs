//! The crypto floor: the operations a handshake or a record needs, as raw `ring`
//! calls (and, for the hybrid group, raw `libcrux-ml-kem` calls, the crate handclasp
//! uses) with no protocol around them.

use libcrux_ml_kem::mlkem768::{self, MlKem768Ciphertext, MlKem768KeyPair};
use ring::rand::SecureRandom;

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey as AgreePublic};
use ring::digest;
use ring::hkdf::{HKDF_SHA256, KeyType, Prk, Salt};
use ring::hmac;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

use crate::endpoint::Aead;
use crate::pki::Pki;

/// A TLS 1.3 CertificateVerify input is 64 spaces, a 33-byte context string, a zero
/// and a 32-byte transcript hash: 130 bytes (RFC 8446 4.4.3).
const SIGNED: [u8; 130] = [0x20; 130];

pub struct Keys {
    rng: SystemRandom,
    ecdsa: EcdsaKeyPair,
    rsa: RsaKeyPair,
    ed: Ed25519KeyPair,
    ecdsa_sig: Vec<u8>,
    rsa_sig: Vec<u8>,
    ed_sig: Vec<u8>,
    peer_x25519: Vec<u8>,
    /// A peer's ML-KEM-768 key pair and a ciphertext encapsulated to it.
    mlkem: MlKem768KeyPair,
    mlkem_ct: MlKem768Ciphertext,
}

impl Keys {
    pub fn new(pki: &Pki) -> Self {
        let rng = SystemRandom::new();
        let ecdsa = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            &pki.ecdsa.key,
            &rng,
        )
        .unwrap();
        let rsa = RsaKeyPair::from_pkcs8(&pki.rsa.key).unwrap();
        let ed = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&pki.ed25519.key).unwrap();
        let ecdsa_sig = ecdsa.sign(&rng, &SIGNED).unwrap().as_ref().to_vec();
        let mut rsa_sig = vec![0; rsa.public().modulus_len()];
        rsa.sign(&signature::RSA_PSS_SHA256, &rng, &SIGNED, &mut rsa_sig)
            .unwrap();
        let ed_sig = ed.sign(&SIGNED).as_ref().to_vec();
        let peer = EphemeralPrivateKey::generate(&agreement::X25519, &rng).unwrap();
        let peer_x25519 = peer.compute_public_key().unwrap().as_ref().to_vec();
        let mlkem = mlkem768::generate_key_pair(random());
        let (mlkem_ct, _) = mlkem768::encapsulate(mlkem.public_key(), random());
        Self {
            rng,
            ecdsa,
            rsa,
            ed,
            ecdsa_sig,
            rsa_sig,
            ed_sig,
            peer_x25519,
            mlkem,
            mlkem_ct,
        }
    }

    /// X25519: one key generation (with its public key) and one agreement.
    pub fn x25519(&self) {
        let key = EphemeralPrivateKey::generate(&agreement::X25519, &self.rng).unwrap();
        let public = key.compute_public_key().unwrap();
        std::hint::black_box(public.as_ref());
        let peer = AgreePublic::new(&agreement::X25519, &self.peer_x25519);
        agreement::agree_ephemeral(key, &peer, |s| std::hint::black_box(s[0])).unwrap();
    }

    /// ML-KEM-768 key generation (the client's), its 64 random bytes included.
    pub fn mlkem_keygen(&self) {
        let mut seed = [0u8; 64];
        self.rng.fill(&mut seed).unwrap();
        std::hint::black_box(mlkem768::generate_key_pair(seed));
    }

    /// The FIPS 203 7.2 check of a received encapsulation key (the server's).
    pub fn mlkem_validate(&self) {
        assert!(mlkem768::validate_public_key(std::hint::black_box(
            self.mlkem.public_key()
        )));
    }

    /// ML-KEM-768 encapsulation (the server's), its 32 random bytes included.
    pub fn mlkem_encaps(&self) {
        let mut m = [0u8; 32];
        self.rng.fill(&mut m).unwrap();
        std::hint::black_box(mlkem768::encapsulate(self.mlkem.public_key(), m));
    }

    /// ML-KEM-768 decapsulation (the client's).
    pub fn mlkem_decaps(&self) {
        std::hint::black_box(mlkem768::decapsulate(
            self.mlkem.private_key(),
            std::hint::black_box(&self.mlkem_ct),
        ));
    }

    /// Everything the hybrid X25519MLKEM768 exchange computes, both sides' ML-KEM
    /// work and one side's X25519 (as in the X25519 floor): X25519 key generation
    /// and agreement, then ML-KEM key generation, the encapsulation key's check,
    /// encapsulation and decapsulation, checked to agree.
    pub fn x25519_mlkem768(&self) {
        self.x25519();
        let mut seed = [0u8; 64];
        self.rng.fill(&mut seed).unwrap();
        let pair = mlkem768::generate_key_pair(seed);
        assert!(mlkem768::validate_public_key(pair.public_key()));
        let mut m = [0u8; 32];
        self.rng.fill(&mut m).unwrap();
        let (ct, sent) = mlkem768::encapsulate(pair.public_key(), m);
        let got = mlkem768::decapsulate(pair.private_key(), &ct);
        assert_eq!(sent, got, "ML-KEM-768 round trip failed");
    }

    pub fn ecdsa_sign(&self) {
        std::hint::black_box(self.ecdsa.sign(&self.rng, &SIGNED).unwrap());
    }

    pub fn ecdsa_verify(&self) {
        signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_ASN1,
            self.ecdsa.public_key().as_ref(),
        )
        .verify(&SIGNED, &self.ecdsa_sig)
        .unwrap();
    }

    pub fn rsa_sign(&self) {
        let mut sig = [0u8; 256];
        self.rsa
            .sign(&signature::RSA_PSS_SHA256, &self.rng, &SIGNED, &mut sig)
            .unwrap();
        std::hint::black_box(&sig);
    }

    pub fn rsa_verify(&self) {
        signature::UnparsedPublicKey::new(
            &signature::RSA_PSS_2048_8192_SHA256,
            self.rsa.public_key().as_ref(),
        )
        .verify(&SIGNED, &self.rsa_sig)
        .unwrap();
    }

    pub fn ed_sign(&self) {
        std::hint::black_box(self.ed.sign(&SIGNED));
    }

    pub fn ed_verify(&self) {
        signature::UnparsedPublicKey::new(&signature::ED25519, self.ed.public_key().as_ref())
            .verify(&SIGNED, &self.ed_sig)
            .unwrap();
    }
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).unwrap();
    out
}

/// The same operations from aws-lc-rs, the crypto under the `rustls-aws` column
/// (reference rows, not a floor for handclasp): X25519, the ECDSA P-256 leaf's
/// signature and its check, and ML-KEM-768 as rustls 0.23 drives it (key generation
/// with the encapsulation key's bytes; the received key parsed, then encapsulated
/// to; decapsulation).
pub struct AwsKeys {
    rng: aws_lc_rs::rand::SystemRandom,
    ecdsa: aws_lc_rs::signature::EcdsaKeyPair,
    ecdsa_sig: Vec<u8>,
    peer_x25519: Vec<u8>,
    mlkem: aws_lc_rs::kem::DecapsulationKey<aws_lc_rs::kem::AlgorithmId>,
    mlkem_ek: Vec<u8>,
    mlkem_ct: Vec<u8>,
}

impl AwsKeys {
    pub fn new(pki: &Pki) -> Self {
        use aws_lc_rs::signature as sig;
        use aws_lc_rs::{agreement as agr, kem};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let ecdsa =
            sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, &pki.ecdsa.key)
                .unwrap();
        let ecdsa_sig = ecdsa.sign(&rng, &SIGNED).unwrap().as_ref().to_vec();
        let peer = agr::EphemeralPrivateKey::generate(&agr::X25519, &rng).unwrap();
        let peer_x25519 = peer.compute_public_key().unwrap().as_ref().to_vec();
        let mlkem = kem::DecapsulationKey::generate(&kem::ML_KEM_768).unwrap();
        let ek = mlkem.encapsulation_key().unwrap();
        let mlkem_ek = ek.key_bytes().unwrap().as_ref().to_vec();
        let (ct, _) = ek.encapsulate().unwrap();
        let mlkem_ct = ct.as_ref().to_vec();
        Self {
            rng,
            ecdsa,
            ecdsa_sig,
            peer_x25519,
            mlkem,
            mlkem_ek,
            mlkem_ct,
        }
    }

    pub fn x25519(&self) {
        use aws_lc_rs::agreement as agr;
        let key = agr::EphemeralPrivateKey::generate(&agr::X25519, &self.rng).unwrap();
        let public = key.compute_public_key().unwrap();
        std::hint::black_box(public.as_ref());
        let peer = agr::UnparsedPublicKey::new(&agr::X25519, &self.peer_x25519);
        agr::agree_ephemeral(key, peer, (), |s| Ok(std::hint::black_box(s[0]))).unwrap();
    }

    pub fn ecdsa_sign(&self) {
        std::hint::black_box(self.ecdsa.sign(&self.rng, &SIGNED).unwrap());
    }

    pub fn ecdsa_verify(&self) {
        use aws_lc_rs::signature::{self as sig, KeyPair as _};
        sig::UnparsedPublicKey::new(
            &sig::ECDSA_P256_SHA256_ASN1,
            self.ecdsa.public_key().as_ref(),
        )
        .verify(&SIGNED, &self.ecdsa_sig)
        .unwrap();
    }

    pub fn mlkem_keygen(&self) {
        use aws_lc_rs::kem;
        let key = kem::DecapsulationKey::generate(&kem::ML_KEM_768).unwrap();
        let ek = key.encapsulation_key().unwrap();
        std::hint::black_box(ek.key_bytes().unwrap().as_ref());
    }

    pub fn mlkem_encaps(&self) {
        use aws_lc_rs::kem;
        let ek = kem::EncapsulationKey::new(&kem::ML_KEM_768, &self.mlkem_ek).unwrap();
        std::hint::black_box(ek.encapsulate().unwrap());
    }

    pub fn mlkem_decaps(&self) {
        let ct = std::hint::black_box(&self.mlkem_ct[..]);
        std::hint::black_box(self.mlkem.decapsulate(ct.into()).unwrap());
    }
}

/// aws-lc-rs AES-128-GCM over 16 KiB records in place, as [`RawAead`] does with
/// ring (reference rows for the `rustls-aws` column).
pub struct AwsAead {
    key: aws_lc_rs::aead::LessSafeKey,
    records: Vec<(Vec<u8>, [u8; 16])>,
}

impl AwsAead {
    pub fn new(records: usize) -> Self {
        use aws_lc_rs::aead::{AES_128_GCM, LessSafeKey, UnboundKey};
        let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &[7; 16]).unwrap());
        let records = (0..records)
            .map(|i| (vec![i as u8; 16 * 1024], [0; 16]))
            .collect();
        Self { key, records }
    }

    fn nonce(i: usize) -> aws_lc_rs::aead::Nonce {
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(&(i as u64).to_be_bytes());
        aws_lc_rs::aead::Nonce::assume_unique_for_key(n)
    }

    pub fn seal(&mut self) {
        use aws_lc_rs::aead::Aad;
        for (i, (record, tag)) in self.records.iter_mut().enumerate() {
            let t = self
                .key
                .seal_in_place_separate_tag(Self::nonce(i), Aad::from([23, 3, 3, 64, 17]), record)
                .unwrap();
            tag.copy_from_slice(t.as_ref());
        }
    }

    pub fn open(&mut self) {
        use aws_lc_rs::aead::Aad;
        for (i, (record, tag)) in self.records.iter_mut().enumerate() {
            self.key
                .open_in_place_separate_tag(
                    Self::nonce(i),
                    Aad::from([23, 3, 3, 64, 17]),
                    tag,
                    record,
                )
                .unwrap();
        }
    }

    pub fn bytes(&self) -> usize {
        self.records.len() * 16 * 1024
    }

    pub fn check(&self) {
        for (i, (record, _)) in self.records.iter().enumerate() {
            assert!(
                record.iter().all(|&b| b == i as u8),
                "aws-lc-rs AEAD round trip failed"
            );
        }
    }
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// RFC 8446 7.1 HKDF-Expand-Label into `out`.
fn expand_bytes(prk: &Prk, label: &[u8], context: &[u8], out: &mut [u8]) {
    let out_len = (out.len() as u16).to_be_bytes();
    let label_len = [6 + label.len() as u8];
    let context_len = [context.len() as u8];
    let info: [&[u8]; 6] = [
        &out_len,
        &label_len,
        b"tls13 ",
        label,
        &context_len,
        context,
    ];
    prk.expand(&info, Len(out.len()))
        .unwrap()
        .fill(out)
        .unwrap();
}

fn expand_prk(prk: &Prk, label: &[u8], context: &[u8]) -> Prk {
    let mut secret = [0u8; 32];
    expand_bytes(prk, label, context, &mut secret);
    Prk::new_less_safe(HKDF_SHA256, &secret)
}

/// One full TLS 1.3 key schedule with SHA-256 (RFC 8446 7.1, 7.3, 4.4.4): 3
/// extractions, 8 secret derivations, key + IV for 4 traffic secrets, 2 Finished
/// keys and 2 Finished MACs: 23 HKDF/HMAC operations.
pub fn tls13_key_schedule(shared: &[u8; 32], transcript: &[u8; 32]) {
    let empty = digest::digest(&digest::SHA256, b"");
    let early = Salt::new(HKDF_SHA256, &[0; 32]).extract(&[0; 32]);
    let mut derived = [0u8; 32];
    expand_bytes(&early, b"derived", empty.as_ref(), &mut derived);
    let handshake = Salt::new(HKDF_SHA256, &derived).extract(shared);
    let c_hs = expand_prk(&handshake, b"c hs traffic", transcript);
    let s_hs = expand_prk(&handshake, b"s hs traffic", transcript);
    expand_bytes(&handshake, b"derived", empty.as_ref(), &mut derived);
    let master = Salt::new(HKDF_SHA256, &derived).extract(&[0; 32]);
    let c_ap = expand_prk(&master, b"c ap traffic", transcript);
    let s_ap = expand_prk(&master, b"s ap traffic", transcript);
    let _exp = expand_prk(&master, b"exp master", transcript);
    let _res = expand_prk(&master, b"res master", transcript);
    for secret in [&c_hs, &s_hs, &c_ap, &s_ap] {
        let mut key = [0u8; 16];
        let mut iv = [0u8; 12];
        expand_bytes(secret, b"key", b"", &mut key);
        expand_bytes(secret, b"iv", b"", &mut iv);
        std::hint::black_box((key, iv));
    }
    for secret in [&c_hs, &s_hs] {
        let mut finished = [0u8; 32];
        expand_bytes(secret, b"finished", b"", &mut finished);
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &finished), transcript);
        std::hint::black_box(tag);
    }
}

/// RFC 5246 5 P_SHA256 into `out`.
fn p_sha256(secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut a = hmac::sign(&key, &[label, seed].concat());
    for chunk in out.chunks_mut(32) {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(label);
        ctx.update(seed);
        let block = ctx.sign();
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        a = hmac::sign(&key, a.as_ref());
    }
}

/// One TLS 1.2 handshake's PRF work with SHA-256: the extended master secret (RFC
/// 7627 4), an AES-128-GCM key block (40 bytes, RFC 5246 6.3) and both Finished
/// values (RFC 5246 7.4.9).
pub fn tls12_prf(shared: &[u8; 32], transcript: &[u8; 32]) {
    let mut master = [0u8; 48];
    p_sha256(shared, b"extended master secret", transcript, &mut master);
    let mut block = [0u8; 40];
    p_sha256(&master, b"key expansion", &[0x11; 64], &mut block);
    let mut finished = [0u8; 12];
    p_sha256(&master, b"client finished", transcript, &mut finished);
    p_sha256(&master, b"server finished", transcript, &mut finished);
    std::hint::black_box((master, block, finished));
}

/// SHA-256 over a typical full-handshake transcript: 4 KiB in 10 messages, with the
/// running hash taken 6 times along the way.
pub fn transcript_hash(transcript: &[u8]) {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for (i, message) in transcript.chunks(transcript.len() / 10).enumerate() {
        ctx.update(message);
        if i % 2 == 1 && i < 12 {
            std::hint::black_box(ctx.clone().finish());
        }
    }
    std::hint::black_box(ctx.finish());
}

fn algorithm(aead: Aead) -> &'static aead::Algorithm {
    match aead {
        Aead::Aes128 => &aead::AES_128_GCM,
        Aead::Aes256 => &aead::AES_256_GCM,
        Aead::Chacha => &aead::CHACHA20_POLY1305,
    }
}

/// Raw AEAD over records of `len` bytes of content: seal `records` of them in place,
/// then open them. Each record encrypts `extra` bytes more than its content, as the
/// protocol must (TLS 1.3: the inner content type byte, RFC 8446 5.2; which, past a
/// 16-byte boundary, costs AES-GCM a partial block).
pub struct RawAead {
    key: LessSafeKey,
    records: Vec<(Vec<u8>, aead::Tag)>,
    /// The one record buffer of the buffered floors.
    scratch: Vec<u8>,
    len: usize,
    /// `len` plus the extra bytes: what each record encrypts.
    inner: usize,
}

impl RawAead {
    pub fn new(aead: Aead, records: usize, len: usize, extra: usize) -> Self {
        let key = LessSafeKey::new(
            UnboundKey::new(algorithm(aead), &[7; 32][..algorithm(aead).key_len()]).unwrap(),
        );
        let inner = len + extra;
        let records = (0..records)
            .map(|i| (vec![i as u8; inner], aead::Tag::from([0; 16])))
            .collect();
        Self {
            key,
            records,
            scratch: vec![0x17; inner],
            len,
            inner,
        }
    }

    fn nonce(i: usize) -> Nonce {
        let mut n = [0u8; 12];
        n[4..].copy_from_slice(&(i as u64).to_be_bytes());
        Nonce::assume_unique_for_key(n)
    }

    /// Seals every record in place.
    pub fn seal(&mut self) {
        for (i, (record, tag)) in self.records.iter_mut().enumerate() {
            *tag = self
                .key
                .seal_in_place_separate_tag(Self::nonce(i), Aad::from([23, 3, 3, 64, 17]), record)
                .unwrap();
        }
    }

    /// Opens every record in place (after [`Self::seal`]).
    pub fn open(&mut self) {
        for (i, (record, tag)) in self.records.iter_mut().enumerate() {
            self.key
                .open_in_place_separate_tag(
                    Self::nonce(i),
                    Aad::from([23, 3, 3, 64, 17]),
                    *tag,
                    record,
                    0..,
                )
                .unwrap();
        }
    }

    pub fn bytes(&self) -> usize {
        self.records.len() * self.len
    }

    /// The floor of a buffered send: each 16 KiB of `app` copied into one record
    /// buffer (reused, so it stays in cache, as a connection's would), sealed there,
    /// and the record with its tag copied onto `wire`: the copies a buffered API's
    /// write and its taking of the TLS bytes imply.
    pub fn seal_copied(&mut self, app: &[u8], wire: &mut Vec<u8>) {
        wire.clear();
        let record = &mut self.scratch;
        for (i, chunk) in app.chunks(self.len).enumerate() {
            record[..chunk.len()].copy_from_slice(chunk);
            if let Some(typ) = record.get_mut(self.len) {
                *typ = 0x17; // TLS 1.3's inner content type: application_data
            }
            let tag = self
                .key
                .seal_in_place_separate_tag(Self::nonce(i), Aad::from([23, 3, 3, 64, 17]), record)
                .unwrap();
            wire.extend_from_slice(record);
            wire.extend_from_slice(tag.as_ref());
        }
    }

    /// The floor of a buffered receive: each record of `wire` copied into one record
    /// buffer (as reading from the transport does), opened there, and the plaintext
    /// copied out to `app`.
    pub fn open_copied(&mut self, wire: &[u8], app: &mut [u8]) {
        let record = &mut self.scratch;
        for (i, (rec, out)) in wire
            .chunks(self.inner + 16)
            .zip(app.chunks_mut(self.len))
            .enumerate()
        {
            record.copy_from_slice(&rec[..self.inner]);
            let tag = aead::Tag::try_from(&rec[self.inner..]).unwrap();
            let plain = self
                .key
                .open_in_place_separate_tag(
                    Self::nonce(i),
                    Aad::from([23, 3, 3, 64, 17]),
                    tag,
                    record,
                    0..,
                )
                .unwrap();
            out.copy_from_slice(&plain[..self.len]);
        }
    }

    /// Every record holds its original bytes again.
    pub fn check(&self) {
        for (i, (record, _)) in self.records.iter().enumerate() {
            assert!(
                record.iter().all(|&b| b == i as u8),
                "raw AEAD round trip failed"
            );
        }
    }
}
