//! TLS 1.2 PRF (RFC 5246 5), master secret (RFC 5246 8.1, RFC 7627 4), key block
//! (RFC 5246 6.3), Finished (RFC 5246 7.4.9) and exporter (RFC 5705) known answers.
use crate::common;

use common::hex;
use handclasp::Error;
use handclasp::crypto::ring::{
    HMAC_SHA256, HMAC_SHA384, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
use handclasp::crypto::{SharedSecret, Tls12CipherSuite};
use handclasp::unstable::key_schedule::tls12::{MasterSecret, Sender, prf};

/// The PRF vectors posted to the IETF TLS working group list ("TLS 1.2 test vectors",
/// https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), reproduced in many
/// test suites. The SHA-384 output was also checked with `openssl kdf TLS1-PRF`.
#[test]
fn prf_sha256_published_vector() {
    let mut out = [0u8; 100];
    prf(
        &HMAC_SHA256,
        &hex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35"),
        b"test label",
        &hex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c"),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out[..],
        hex(
            "e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95
             32 9b 52 d4 e6 1e db 5a 6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af
             0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab 4f bc 91 66 6e 9d ef 9b
             97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01
             87 34 7b 66"
        )
    );
}

#[test]
fn prf_sha384_published_vector() {
    let mut out = [0u8; 148];
    prf(
        &HMAC_SHA384,
        &hex("b8 0b 73 3d 6c ee fc dc 71 56 6e a4 8e 55 67 df"),
        b"test label",
        &hex("cd 66 5c f6 a8 44 7d d6 ff 8b 27 55 5e db 74 65"),
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out[..],
        hex(
            "7b 0c 18 e9 ce d4 10 ed 18 04 f2 cf a3 4a 33 6a 1c 14 df fb 49 00 bb 5f
             d7 94 21 07 e8 1c 83 cd e9 ca 0f aa 60 be 9f e3 4f 82 b1 23 3c 91 46 a0
             e5 34 cb 40 0f ed 27 00 88 4f 9d c2 36 f8 0e dd 8b fa 96 11 44 c9 e8 d7
             92 ec a7 22 a7 b3 2f c3 d4 16 d4 73 eb c2 c5 fd 4a bf da d0 5d 91 84 25
             9b 5b f8 cd 4d 90 fa 0d 31 e2 de c4 79 e4 f1 a2 60 66 f2 ee a9 a6 92 36
             a3 e5 26 55 c9 e9 ae e6 91 c8 f3 a2 68 54 30 8d 5e aa 3b e8 5e 09 90 70
             3d 73 e5 6f"
        )
    );
}

#[test]
fn prf_output_is_a_prefix_stable_stream() {
    // Shorter outputs are prefixes of longer ones, across block boundaries.
    let secret = hex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35");
    let mut long = [0u8; 100];
    prf(&HMAC_SHA256, &secret, b"test label", b"seed", &mut long).unwrap();
    for len in [0, 1, 31, 32, 33, 64, 99] {
        let mut short = vec![0u8; len];
        prf(&HMAC_SHA256, &secret, b"test label", b"seed", &mut short).unwrap();
        assert_eq!(short[..], long[..len]);
    }
}

// The remaining expected values were computed with OpenSSL 3.0's TLS 1.2 PRF, e.g.
//   openssl kdf -keylen 48 -kdfopt digest:SHA256 -kdfopt hexsecret:<pms> \
//     -kdfopt hexseed:<hex("extended master secret") || session_hash> TLS1-PRF
// from these inputs: pre-master secret 00..1f, client random 20..3f, server random
// 40..5f, session hash = SHA-256 / SHA-384 of the ASCII string "handshake".

fn pms() -> SharedSecret {
    SharedSecret::new((0u8..32).collect())
}

fn client_random() -> [u8; 32] {
    core::array::from_fn(|i| 32 + i as u8)
}

fn server_random() -> [u8; 32] {
    core::array::from_fn(|i| 64 + i as u8)
}

const SESSION_HASH_256: &str = "dfff30d188055f20aaa1610f29102805528465bbad91709ded764e8899f5ad2b";
const SESSION_HASH_384: &str = "1b133408db39267987434253e9bdf86acb6e8a3573c69c7ce4493457684dce2a\
                                ad1fb3a5ca300c7cb12d2c0a3b9cd80c";
const EMS_256: &str = "7f4d93c007b440c188b5d4cdee6b98eae475bd534404fb92\
                       a96b2acb49fcf61efe152919e234c0390afb077711313fed";
const EMS_384: &str = "699e874040220964400fc1d53f121c154eeeeae699e52661\
                       0371fb6e28408dfbff6b6145c8275cdb9a662b0d12b4c9e6";

fn ems(suite: &'static Tls12CipherSuite, session_hash: &str) -> MasterSecret {
    MasterSecret::extended(suite, &pms(), &hex(session_hash)).unwrap()
}

#[test]
fn extended_master_secret_matches_openssl() {
    let ms = ems(&TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, SESSION_HASH_256);
    assert_eq!(ms.secret_bytes()[..], hex(EMS_256));
    let ms = ems(&TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, SESSION_HASH_384);
    assert_eq!(ms.secret_bytes()[..], hex(EMS_384));
}

#[test]
fn classic_master_secret_matches_openssl() {
    let ms = MasterSecret::classic(
        &TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        &pms(),
        &client_random(),
        &server_random(),
    )
    .unwrap();
    assert_eq!(
        ms.secret_bytes()[..],
        hex("518bc65fd30dabe86349152f98435c94d907b50c92a931c5\
             a2f9e3a4d90f3439f2726c763fb1a40aec90b8bc60173f7c")
    );
    // RFC 7627: the extended form differs from the classic one for the same inputs.
    assert_ne!(ms.secret_bytes()[..], hex(EMS_256));
}

/// The key block, in RFC 5246 6.3 order (no MAC keys for AEAD suites): client key,
/// server key, client IV, server IV.
fn check_key_block(
    suite: &'static Tls12CipherSuite,
    ems_hex: &str,
    key_len: usize,
    iv_len: usize,
    block: &str,
) {
    let block = hex(block);
    assert_eq!(block.len(), 2 * key_len + 2 * iv_len);
    let ms = MasterSecret::from_bytes(suite, &hex(ems_hex).try_into().unwrap());
    let keys = ms.key_block(&client_random(), &server_random()).unwrap();
    let (client_key, rest) = block.split_at(key_len);
    let (server_key, rest) = rest.split_at(key_len);
    let (client_iv, server_iv) = rest.split_at(iv_len);
    assert_eq!(keys.client_key(), client_key);
    assert_eq!(keys.server_key(), server_key);
    assert_eq!(keys.client_iv(), client_iv);
    assert_eq!(keys.server_iv(), server_iv);
}

#[test]
fn key_block_lengths_and_contents_per_suite() {
    // AES-128-GCM: 16-byte keys, 4-byte implicit salts (RFC 5288 3).
    check_key_block(
        &TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        EMS_256,
        16,
        4,
        "788e087deafb0acb85b64397a540707c3e2c67393e5b5ecb211e6d4567efbb0842a1971333ef30fb",
    );
    // ChaCha20-Poly1305: 32-byte keys, 12-byte IVs (RFC 7905 2).
    check_key_block(
        &TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        EMS_256,
        32,
        12,
        "788e087deafb0acb85b64397a540707c3e2c67393e5b5ecb211e6d4567efbb08\
         42a1971333ef30fb7ace23e815d3221926dba73bf7fd25ee09cf83d61a22eb56\
         646e166912ce1e5f460e19a022a8436d3b4c48fea65a49e8",
    );
    // AES-256-GCM with the SHA-384 PRF: 32-byte keys, 4-byte salts.
    check_key_block(
        &TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        EMS_384,
        32,
        4,
        "3c3a5b61bf3b3c3f7e90126af3dde32f66f3590fdfbb32cf901b152013b932a2\
         caa8ad9775b010482b1093128e481a97fb37d05b3912488d6194c4c9a22a528f\
         f33e2abab7d1dc72",
    );
}

#[test]
fn finished_verify_data_matches_openssl() {
    let ms = ems(&TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, SESSION_HASH_256);
    let hash = hex(SESSION_HASH_256);
    let client = ms.verify_data(Sender::Client, &hash).unwrap();
    assert_eq!(client[..], hex("7a3b58ee50f56832aee596b1"));
    let server = ms.verify_data(Sender::Server, &hash).unwrap();
    assert_eq!(server[..], hex("e3c5abd0677eb817be1678ce"));
    ms.check_verify_data(Sender::Server, &hash, &server)
        .unwrap();
    assert_eq!(
        ms.check_verify_data(Sender::Client, &hash, &server),
        Err(Error::BadFinished)
    );
    let mut flipped = client;
    flipped[11] ^= 1;
    assert_eq!(
        ms.check_verify_data(Sender::Client, &hash, &flipped),
        Err(Error::BadFinished)
    );
    assert_eq!(
        ms.check_verify_data(Sender::Client, &hash, &client[..11]),
        Err(Error::BadFinished)
    );

    let ms = ems(&TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, SESSION_HASH_384);
    let server = ms
        .verify_data(Sender::Server, &hex(SESSION_HASH_384))
        .unwrap();
    assert_eq!(server[..], hex("f7b8e7f436c818fab7b1063b"));
}

#[test]
fn exporter_with_and_without_context_matches_openssl() {
    let ms = ems(&TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, SESSION_HASH_256);
    let (cr, sr) = (client_random(), server_random());
    let mut out = [0u8; 32];
    ms.export(b"EXPORTER-Test", None, &cr, &sr, &mut out)
        .unwrap();
    assert_eq!(
        out[..],
        hex("a61c68670ab8a6034e467162ac7cea346aeaf78569bbf329096db13ac3297595")
    );
    ms.export(b"EXPORTER-Test", Some(b"ctx"), &cr, &sr, &mut out)
        .unwrap();
    assert_eq!(
        out[..],
        hex("dd5257a917b8a5819a1b680001e976ea9e7699ed7592c504d4e68e6802366bcf")
    );
    // RFC 5705 4: an empty context is not the same as no context.
    ms.export(b"EXPORTER-Test", Some(b""), &cr, &sr, &mut out)
        .unwrap();
    assert_eq!(
        out[..],
        hex("60b41cb5a3401d24727d9d36299e40e2e41a2d476c92d2a4ca96ca6de532dfab")
    );
    let too_long = vec![0u8; 65536];
    assert!(matches!(
        ms.export(b"EXPORTER-Test", Some(&too_long), &cr, &sr, &mut out),
        Err(Error::ApiMisuse(_))
    ));
}
