//! The TLS 1.3 key schedule and transcript hash against the traces of RFC 8448:
//! section 3 (full handshake), 4 (resumption with 0-RTT) and 5 (HelloRetryRequest).
//! Every input comes from the RFC text (tests/data/rfc8448.txt); every expected value
//! is the RFC's printed value.
use crate::common;

use common::hex;

use handclasp::Error;
use handclasp::crypto::ring::{SHA256, TLS13_AES_128_GCM_SHA256};
use handclasp::crypto::{Hash, SharedSecret};
use handclasp::unstable::key_schedule::tls13::{
    KeyScheduleEarly, KeyScheduleHandshake, KeyScheduleTraffic, PskKind, TrafficSecret,
};
use handclasp::unstable::key_schedule::{HandshakeHash, HandshakeHashBuffer};

const RFC: &str = include_str!("../data/rfc8448.txt");

/// One section of RFC 8448, so that step names shared by every trace (e.g.
/// `{server}  derive secret "tls13 c hs traffic":`) resolve within that section.
struct Section(&'static str);

impl Section {
    /// The section whose heading (at the start of a line) is `heading`, up to the next.
    fn new(heading: &str, next_heading: &str) -> Self {
        let start = RFC
            .find(&format!("\n{heading}\n"))
            .expect("section heading");
        let len = RFC[start + 1..]
            .find(&format!("\n{next_heading}\n"))
            .expect("next section heading");
        Self(&RFC[start..start + 1 + len])
    }

    /// The `label (N octets):` value that first follows `step`, the `skip`-th
    /// occurrence of the step text (0 = first) within the section.
    fn nth(&self, step: &str, skip: usize, label: &str) -> Vec<u8> {
        let mut at = 0;
        for _ in 0..=skip {
            at += self.0[at..]
                .find(step)
                .unwrap_or_else(|| panic!("{step:?} not in section"))
                + 1;
        }
        let rest = &self.0[at - 1..];
        let needle = format!("{label} (");
        let rest = &rest[rest.find(&needle).expect("label") + needle.len()..];
        let close = rest.find(" octets):").expect("octet count");
        let n: usize = rest[..close].trim().parse().unwrap();
        let mut out = Vec::with_capacity(n);
        for line in rest[close + " octets):".len()..].lines() {
            if line.contains("[Page") || line.contains("RFC 8448") {
                continue;
            }
            for token in line.split_whitespace() {
                if out.len() < n && token.len() == 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    out.push(u8::from_str_radix(token, 16).unwrap());
                }
            }
            if out.len() == n {
                return out;
            }
        }
        panic!("{label:?} after {step:?}: only {} of {n} octets", out.len());
    }

    fn value(&self, step: &str, label: &str) -> Vec<u8> {
        self.nth(step, 0, label)
    }
}

fn section3() -> Section {
    Section::new("3.  Simple 1-RTT Handshake", "4.  Resumed 0-RTT Handshake")
}

fn section4() -> Section {
    Section::new("4.  Resumed 0-RTT Handshake", "5.  HelloRetryRequest")
}

fn section5() -> Section {
    Section::new("5.  HelloRetryRequest", "6.  Client Authentication")
}

/// Checks a traffic secret's bytes and its write key and IV against one
/// "derive ... traffic keys" step of a section.
fn check_keys(sec: &Section, secret: &TrafficSecret, keys_step: &str) {
    assert_eq!(
        secret.secret_bytes(),
        sec.value(keys_step, "PRK"),
        "{keys_step}"
    );
    let keys = secret.derive_key_iv().unwrap();
    assert_eq!(
        keys.key(),
        sec.value(keys_step, "key expanded"),
        "{keys_step}"
    );
    assert_eq!(
        &keys.iv()[..],
        sec.value(keys_step, "iv expanded"),
        "{keys_step}"
    );
}

fn expanded(sec: &Section, step: &str) -> Vec<u8> {
    sec.value(step, "expanded")
}

/// The server's and client's Finished checks of one trace, then the traffic stage.
/// `transcript` holds ClientHello..CertificateVerify (or ..EncryptedExtensions).
fn finish_handshake(
    sec: &Section,
    hs: KeyScheduleHandshake,
    transcript: &mut HandshakeHash,
    client_second_flight: &[&[u8]],
) -> (KeyScheduleTraffic, Vec<u8>) {
    // Server Finished (RFC 8446 4.4.4).
    let s_hs = hs.server_handshake_traffic_secret().unwrap();
    let s_finished_key = s_hs.finished_key().unwrap();
    let step = "{server}  calculate finished \"tls13 finished\":";
    assert_eq!(s_finished_key.secret_bytes(), expanded(sec, step));
    let s_verify = s_finished_key.verify_data(transcript.current().as_ref());
    assert_eq!(s_verify.as_ref(), sec.value(step, "finished"));
    let s_finished = sec.value(
        "{server}  construct a Finished handshake message:",
        "Finished",
    );
    assert_eq!(&s_finished[4..], s_verify.as_ref());
    s_finished_key
        .check(transcript.current().as_ref(), &s_finished[4..])
        .unwrap();
    // A flipped bit, a truncated value or the wrong transcript is BadFinished.
    let mut forged = s_finished[4..].to_vec();
    forged[31] ^= 0x80;
    let hash = transcript.current();
    assert_eq!(
        s_finished_key.check(hash.as_ref(), &forged),
        Err(Error::BadFinished)
    );
    assert_eq!(
        s_finished_key.check(hash.as_ref(), &s_finished[4..35]),
        Err(Error::BadFinished)
    );
    assert_eq!(
        s_finished_key.check(&[0u8; 32], &s_finished[4..]),
        Err(Error::BadFinished)
    );
    transcript.add_message(&s_finished);

    // The client Finished key comes from the handshake stage, so take it before moving on.
    let c_finished_key = hs
        .client_handshake_traffic_secret()
        .unwrap()
        .finished_key()
        .unwrap();
    let master = hs.into_traffic(transcript.current().as_ref()).unwrap();
    assert_eq!(
        master.secret_bytes(),
        sec.value("{server}  extract secret \"master\":", "secret")
    );

    for msg in client_second_flight {
        transcript.add_message(msg);
    }
    let step = "{client}  calculate finished \"tls13 finished\":";
    assert_eq!(c_finished_key.secret_bytes(), expanded(sec, step));
    let c_verify = c_finished_key.verify_data(transcript.current().as_ref());
    assert_eq!(c_verify.as_ref(), sec.value(step, "finished"));
    let c_finished = sec.value(
        "{client}  construct a Finished handshake message:",
        "Finished",
    );
    assert_eq!(&c_finished[4..], c_verify.as_ref());
    transcript.add_message(&c_finished);
    (master, transcript.current().as_ref().to_vec())
}

fn check_application_secrets(sec: &Section, master: &KeyScheduleTraffic) {
    let c_ap = master.client_application_traffic_secret().unwrap();
    assert_eq!(
        c_ap.secret_bytes(),
        expanded(sec, "{server}  derive secret \"tls13 c ap traffic\":")
    );
    check_keys(
        sec,
        &c_ap,
        "{client}  derive write traffic keys for application data:",
    );
    let s_ap = master.server_application_traffic_secret().unwrap();
    assert_eq!(
        s_ap.secret_bytes(),
        expanded(sec, "{server}  derive secret \"tls13 s ap traffic\":")
    );
    check_keys(
        sec,
        &s_ap,
        "{server}  derive write traffic keys for application data:",
    );
    assert_eq!(
        master.exporter().unwrap().secret_bytes(),
        expanded(sec, "{server}  derive secret \"tls13 exp master\":")
    );
}

/// Section 3, then the PSK of its ticket (nonce 00 00). Returns the traffic stage
/// and the PSK.
fn full_handshake() -> (KeyScheduleTraffic, Vec<u8>) {
    let sec = section3();
    let suite = &TLS13_AES_128_GCM_SHA256;
    let early = KeyScheduleEarly::without_psk(suite).unwrap();
    assert_eq!(
        early.secret_bytes(),
        sec.value("{server}  extract secret \"early\":", "secret")
    );

    let mut buffer = HandshakeHashBuffer::new();
    buffer.add_message(&sec.value("{client}  construct a ClientHello", "ClientHello"));
    let mut transcript = buffer.start_hash(&SHA256);
    transcript.add_message(&sec.value("{server}  construct a ServerHello", "ServerHello"));
    let step = "{server}  derive secret \"tls13 c hs traffic\":";
    assert_eq!(transcript.current().as_ref(), sec.value(step, "hash"));

    let ikm = sec.value("{server}  extract secret \"handshake\":", "IKM");
    let hs = early
        .into_handshake(&SharedSecret::new(ikm), transcript.current().as_ref())
        .unwrap();
    assert_eq!(
        hs.secret_bytes(),
        sec.value("{server}  extract secret \"handshake\":", "secret")
    );
    let c_hs = hs.client_handshake_traffic_secret().unwrap();
    assert_eq!(c_hs.secret_bytes(), expanded(&sec, step));
    check_keys(
        &sec,
        &c_hs,
        "{server}  derive read traffic keys for handshake data:",
    );
    let s_hs = hs.server_handshake_traffic_secret().unwrap();
    assert_eq!(
        s_hs.secret_bytes(),
        expanded(&sec, "{server}  derive secret \"tls13 s hs traffic\":")
    );
    check_keys(
        &sec,
        &s_hs,
        "{server}  derive write traffic keys for handshake data:",
    );

    for (step, name) in [
        (
            "{server}  construct an EncryptedExtensions ",
            "EncryptedExtensions",
        ),
        ("{server}  construct a Certificate ", "Certificate"),
        (
            "{server}  construct a CertificateVerify ",
            "CertificateVerify",
        ),
    ] {
        transcript.add_message(&sec.value(step, name));
    }
    let (master, client_finished_hash) = finish_handshake(&sec, hs, &mut transcript, &[]);
    check_application_secrets(&sec, &master);

    let step = "{client}  derive secret \"tls13 res master\":";
    assert_eq!(client_finished_hash, sec.value(step, "hash"));
    let res = master
        .resumption_master_secret(&client_finished_hash)
        .unwrap();
    assert_eq!(res.secret_bytes(), expanded(&sec, step));
    let step = "{server}  generate resumption secret \"tls13 resumption\":";
    let nonce = sec.value(step, "hash");
    assert_eq!(nonce, [0, 0]);
    let psk = res.psk_for_ticket(&nonce).unwrap();
    assert_eq!(psk.secret_bytes(), expanded(&sec, step));
    (master, psk.secret_bytes().to_vec())
}

#[test]
fn section3_simple_1rtt_handshake() {
    full_handshake();
}

#[test]
fn section4_resumed_0rtt_handshake() {
    let (_, psk) = full_handshake();
    let sec = section4();
    let suite = &TLS13_AES_128_GCM_SHA256;
    assert_eq!(psk, sec.value("{client}  extract secret \"early\":", "IKM"));
    let early = KeyScheduleEarly::with_psk(suite, &psk).unwrap();
    assert_eq!(
        early.secret_bytes(),
        sec.value("{client}  extract secret \"early\":", "secret")
    );

    // RFC 8446 4.2.11.2: the binder covers the ClientHello up to the binders list, which
    // here is the last 2 + 1 + 32 bytes (list length, entry length, one SHA-256 HMAC).
    let client_hello = sec.value("{client}  send handshake record:", "payload");
    assert_eq!(client_hello.len(), 512);
    let (truncated, binders) = client_hello.split_at(client_hello.len() - (2 + 1 + 32));
    let step = "{client}  calculate PSK binder:";
    let buffer = HandshakeHashBuffer::new();
    let binder_hash = buffer.hash_given(&SHA256, truncated);
    assert_eq!(binder_hash.as_ref(), sec.value(step, "binder hash"));
    let binder_key = early.binder_key(PskKind::Resumption).unwrap();
    assert_eq!(binder_key.secret_bytes(), sec.value(step, "PRK"));
    assert_eq!(
        binder_key.finished_key().unwrap().secret_bytes(),
        expanded(&sec, step)
    );
    let binder = binder_key.binder(binder_hash.as_ref()).unwrap();
    assert_eq!(binder.as_ref(), sec.value(step, "finished"));
    assert_eq!(&binders[3..], binder.as_ref());
    binder_key
        .finished_key()
        .unwrap()
        .check(binder_hash.as_ref(), &binders[3..])
        .unwrap();
    // An external PSK's binder key has a different label, so a different value.
    assert_ne!(
        early.binder_key(PskKind::External).unwrap().secret_bytes(),
        binder_key.secret_bytes()
    );

    let mut buffer = HandshakeHashBuffer::new();
    buffer.add_message(&client_hello);
    let mut transcript = buffer.start_hash(&SHA256);
    let hello_hash = transcript.current();
    let step = "{client}  derive secret \"tls13 c e traffic\":";
    assert_eq!(hello_hash.as_ref(), sec.value(step, "hash"));
    let c_e = early
        .client_early_traffic_secret(hello_hash.as_ref())
        .unwrap();
    assert_eq!(c_e.secret_bytes(), expanded(&sec, step));
    check_keys(
        &sec,
        &c_e,
        "{client}  derive write traffic keys for early application data:",
    );
    assert_eq!(
        early
            .early_exporter(hello_hash.as_ref())
            .unwrap()
            .secret_bytes(),
        expanded(&sec, "{client}  derive secret \"tls13 e exp master\":")
    );

    transcript.add_message(&sec.value("{server}  construct a ServerHello", "ServerHello"));
    let ikm = sec.value("{server}  extract secret \"handshake\":", "IKM");
    let hs = early
        .into_handshake(&SharedSecret::new(ikm), transcript.current().as_ref())
        .unwrap();
    assert_eq!(
        hs.secret_bytes(),
        sec.value("{server}  extract secret \"handshake\":", "secret")
    );
    let c_hs = hs.client_handshake_traffic_secret().unwrap();
    assert_eq!(
        c_hs.secret_bytes(),
        expanded(&sec, "{server}  derive secret \"tls13 c hs traffic\":")
    );
    check_keys(
        &sec,
        &c_hs,
        "{client}  derive write traffic keys for handshake data:",
    );
    let s_hs = hs.server_handshake_traffic_secret().unwrap();
    assert_eq!(
        s_hs.secret_bytes(),
        expanded(&sec, "{server}  derive secret \"tls13 s hs traffic\":")
    );
    check_keys(
        &sec,
        &s_hs,
        "{server}  derive write traffic keys for handshake data:",
    );

    transcript.add_message(&sec.value(
        "{server}  construct an EncryptedExtensions",
        "EncryptedExtensions",
    ));
    // RFC 8446 4.4.1: the client's Finished also covers EndOfEarlyData.
    let eoed = sec.value("{client}  construct an EndOfEarlyData", "EndOfEarlyData");
    let (master, client_finished_hash) = finish_handshake(&sec, hs, &mut transcript, &[&eoed]);
    check_application_secrets(&sec, &master);
    let step = "{client}  derive secret \"tls13 res master\":";
    assert_eq!(client_finished_hash, sec.value(step, "hash"));
    assert_eq!(
        master
            .resumption_master_secret(&client_finished_hash)
            .unwrap()
            .secret_bytes(),
        expanded(&sec, step)
    );
}

#[test]
fn section5_hello_retry_request() {
    let sec = section5();
    let suite = &TLS13_AES_128_GCM_SHA256;
    let client_hello1 = sec.value("{client}  construct a ClientHello", "ClientHello");
    assert_eq!(client_hello1.len(), 180);
    let hrr = sec.value("{server}  construct a ServerHello", "ServerHello");
    assert_eq!(hrr.len(), 176);
    let client_hello2 = sec.nth("{client}  construct a ClientHello", 1, "ClientHello");
    assert_eq!(client_hello2.len(), 512);
    let server_hello = sec.nth("{server}  construct a ServerHello", 1, "ServerHello");
    assert_eq!(server_hello.len(), 123);

    let mut buffer = HandshakeHashBuffer::new();
    buffer.add_message(&client_hello1);
    let mut transcript = buffer.start_hash(&SHA256);
    transcript.rollup_for_hrr();
    // RFC 8446 4.4.1: ClientHello1 becomes message_hash (254), 00 00 20, Hash(CH1).
    let mut synthetic = vec![254, 0, 0, 32];
    synthetic.extend_from_slice(SHA256.hash(&client_hello1).as_ref());
    assert_eq!(transcript.current(), SHA256.hash(&synthetic));
    for msg in [&hrr, &client_hello2, &server_hello] {
        transcript.add_message(msg);
    }
    let step = "{server}  derive secret \"tls13 c hs traffic\":";
    assert_eq!(transcript.current().as_ref(), sec.value(step, "hash"));

    let early = KeyScheduleEarly::without_psk(suite).unwrap();
    let ikm = sec.value("{server}  extract secret \"handshake\":", "IKM");
    let hs = early
        .into_handshake(&SharedSecret::new(ikm), transcript.current().as_ref())
        .unwrap();
    assert_eq!(
        hs.secret_bytes(),
        sec.value("{server}  extract secret \"handshake\":", "secret")
    );
    let c_hs = hs.client_handshake_traffic_secret().unwrap();
    assert_eq!(c_hs.secret_bytes(), expanded(&sec, step));
    check_keys(
        &sec,
        &c_hs,
        "{server}  derive read traffic keys for handshake data:",
    );
    let s_hs = hs.server_handshake_traffic_secret().unwrap();
    assert_eq!(
        s_hs.secret_bytes(),
        expanded(&sec, "{server}  derive secret \"tls13 s hs traffic\":")
    );
    check_keys(
        &sec,
        &s_hs,
        "{server}  derive write traffic keys for handshake data:",
    );

    transcript.add_message(&sec.value(
        "{server}  construct an EncryptedExtensions",
        "EncryptedExtensions",
    ));
    transcript.add_message(&sec.value("{server}  construct a Certificate ", "Certificate"));
    transcript.add_message(&sec.value(
        "{server}  construct a CertificateVerify",
        "CertificateVerify",
    ));
    let (master, client_finished_hash) = finish_handshake(&sec, hs, &mut transcript, &[]);
    check_application_secrets(&sec, &master);
    let step = "{client}  derive secret \"tls13 res master\":";
    assert_eq!(client_finished_hash, sec.value(step, "hash"));
    assert_eq!(
        master
            .resumption_master_secret(&client_finished_hash)
            .unwrap()
            .secret_bytes(),
        expanded(&sec, step)
    );
}

/// RFC 8448 has no KeyUpdate or exporter output, so these expected values were computed
/// with OpenSSL 3.0 as plain HKDF-Expand (`openssl kdf -kdfopt mode:EXPAND_ONLY
/// -kdfopt digest:SHA256 -kdfopt hexkey:<secret> -kdfopt hexinfo:<HkdfLabel> HKDF`,
/// HkdfLabel bytes written out by hand), from the section 3 secrets.
#[test]
fn key_update_and_exporter_match_openssl_hkdf() {
    let (master, _) = full_handshake();
    // RFC 8446 7.2: application_traffic_secret_1 = HKDF-Expand-Label(secret_0,
    // "traffic upd", "", 32).
    let c_ap_1 = master
        .client_application_traffic_secret()
        .unwrap()
        .next()
        .unwrap();
    assert_eq!(
        c_ap_1.secret_bytes(),
        hex("fcdfcc72725aaee48bf64e4fd8b749cdbdbab39d90da0b26e2245ca6ea167207")
    );
    let c_ap_2 = c_ap_1.next().unwrap();
    assert_ne!(
        c_ap_2.secret_bytes(),
        hex("fcdfcc72725aaee48bf64e4fd8b749cdbdbab39d90da0b26e2245ca6ea167207")
    );

    // RFC 8446 7.5, label "EXPORTER-Test": Derive-Secret(exporter_master_secret,
    // label, "") = 8c396854..., then HKDF-Expand-Label(that, "exporter", Hash(context)).
    let exporter = master.exporter().unwrap();
    let mut out = [0u8; 40];
    exporter.export(b"EXPORTER-Test", b"ctx", &mut out).unwrap();
    assert_eq!(
        out[..],
        hex("5519ad32e4105af7583249508cd443f19776e8083f962564b6afb8a494571ec9d22e71bbec35daee")
    );
    let mut out = [0u8; 20];
    exporter.export(b"EXPORTER-Test", b"", &mut out).unwrap();
    assert_eq!(out[..], hex("a89659d5e55beebe07a58ab3fab70f2dc6997729"));
}

/// The transcript hash is incremental: queries do not consume it, a partial-message
/// hash does not add the message, and the raw copy (for TLS 1.2 client auth) is exact.
#[test]
fn transcript_queries_do_not_disturb_the_running_hash() {
    let (a, b, c) = (
        &b"\x01\x00\x00\x02hi"[..],
        &b"\x02\x00\x00\x01!"[..],
        &b"xyz"[..],
    );
    let mut buffer = HandshakeHashBuffer::new();
    buffer.add_message(a);
    assert_eq!(buffer.hash_given(&SHA256, b), SHA256.hash(&[a, b].concat()));
    let mut transcript = buffer.start_hash_keeping_raw(&SHA256);
    assert_eq!(transcript.current(), SHA256.hash(a));
    assert_eq!(transcript.current(), SHA256.hash(a));
    assert_eq!(transcript.hash_given(c), SHA256.hash(&[a, c].concat()));
    transcript.add_message(b);
    assert_eq!(transcript.current(), SHA256.hash(&[a, b].concat()));
    assert_eq!(transcript.raw_transcript(), Some(&[a, b].concat()[..]));
    transcript.drop_raw();
    assert_eq!(transcript.raw_transcript(), None);
    transcript.add_message(c);
    assert_eq!(transcript.current(), SHA256.hash(&[a, b, c].concat()));

    let mut plain = HandshakeHashBuffer::new().start_hash(&SHA256);
    plain.add_message(a);
    assert_eq!(plain.raw_transcript(), None);
    assert_eq!(plain.current(), SHA256.hash(a));
}
