//! The TLS 1.3 key schedule (RFC 8446 7.1), traffic keys (7.3), key updates (7.2),
//! Finished (4.4.4), PSK binders (4.2.11.2), resumption PSKs (4.6.1) and exporters (7.5).
//!
//! # Stages, consumed by value
//!
//! ```text
//!   KeyScheduleEarly        Early Secret       binder keys, c e traffic, e exp master
//!        | into_handshake(shared secret, Hash(ClientHello..ServerHello))
//!   KeyScheduleHandshake    Handshake Secret   c/s hs traffic
//!        | into_traffic(Hash(ClientHello..server Finished))
//!   KeyScheduleTraffic      Master Secret      c/s ap traffic 0, exp master, res master
//! ```
//!
//! Each stage owns its secret privately and the only way to the next stage is a method
//! that takes `self` by value, so using a secret before it exists (a handshake
//! traffic secret without a shared secret) or out of order (deriving early secrets
//! after the handshake secret) does not compile: the earlier stage has been moved.
//! The transcript hash a stage's secrets depend on is captured at the transition, so
//! each secret is derived from the one transcript point RFC 8446 7.1 names.

use alloc::boxed::Box;
use core::fmt;

use super::secret::{SecretBytes, constant_time_eq};
use crate::crypto::{
    AEAD_NONCE_LEN, HashOutput, Hmac, HmacKey, SharedSecret, Tls13CipherSuite, hkdf,
};
use crate::error::Error;

/// The longest AEAD key any supported suite uses (AES-256, ChaCha20).
pub const MAX_KEY_LEN: usize = 32;

/// The prefix RFC 8446 7.1 puts before every HKDF label.
const LABEL_PREFIX: &[u8] = b"tls13 ";

/// HKDF-Expand-Label (RFC 8446 7.1): HKDF-Expand(secret, HkdfLabel, out.len()), where
///
/// ```text
/// struct {
///     uint16 length = Length;
///     opaque label<7..255> = "tls13 " + Label;
///     opaque context<0..255> = Context;
/// } HkdfLabel;
/// ```
///
/// Fails if the label or context is too long for its one-byte length, or `out` is
/// longer than HKDF allows.
pub fn hkdf_expand_label(
    hmac: &dyn Hmac,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    expand_label_with(label, context, out, |info, out| {
        hkdf::expand(hmac, secret, info, out)
    })
}

/// Builds the HkdfLabel of [`hkdf_expand_label`] and hands it to `expand`.
fn expand_label_with(
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
    expand: impl FnOnce(&[&[u8]], &mut [u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let length = u16::try_from(out.len())
        .map_err(|_| Error::Internal("HKDF-Expand-Label output too long"))?
        .to_be_bytes();
    let label_len = u8::try_from(LABEL_PREFIX.len() + label.len())
        .map_err(|_| Error::Internal("HKDF-Expand-Label label too long"))?;
    let context_len = u8::try_from(context.len())
        .map_err(|_| Error::Internal("HKDF-Expand-Label context too long"))?;
    // The info is assembled from parts, so no allocation is needed.
    expand(
        &[
            &length,
            &[label_len],
            LABEL_PREFIX,
            label,
            &[context_len],
            context,
        ],
        out,
    )
}

/// A secret with its HMAC key prepared once. A stage's secret has three or four
/// labels expanded from it at different times, and keying HMAC anew for each would
/// cost two hash blocks every time; that is worth the allocation a prepared key
/// costs.
///
/// A secret only one label is expanded from (the Early Secret without a PSK) is left
/// unprepared. Traffic secrets are not `PreparedSecret`s: see [`TrafficSecret`].
struct PreparedSecret {
    secret: SecretBytes,
    key: Option<Box<dyn HmacKey>>,
}

impl PreparedSecret {
    fn new(hmac: &dyn Hmac, secret: SecretBytes) -> Self {
        Self {
            key: Some(hmac.with_key(secret.as_ref())),
            secret,
        }
    }

    fn unprepared(secret: SecretBytes) -> Self {
        Self { key: None, secret }
    }

    /// HKDF-Expand-Label(this secret, label, context, out.len()) with `hmac`, the
    /// suite's (the one the key was prepared with).
    fn expand_label(
        &self,
        hmac: &dyn Hmac,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        expand_label_with(label, context, out, |info, out| match &self.key {
            Some(key) => hkdf::expand_prepared(&**key, hmac.hash_output_len(), info, out),
            None => hkdf::expand(hmac, self.secret.as_ref(), info, out),
        })
    }

    /// HKDF-Expand-Label to one hash length, as a secret.
    fn expand_label_secret(
        &self,
        hmac: &dyn Hmac,
        label: &[u8],
        context: &[u8],
    ) -> Result<SecretBytes, Error> {
        SecretBytes::filled_by(hmac.hash_output_len(), |out| {
            self.expand_label(hmac, label, context, out)
        })
    }

    fn as_ref(&self) -> &[u8] {
        self.secret.as_ref()
    }
}

/// HKDF-Expand-Label to one hash length, as a secret.
fn expand_label_secret(
    hmac: &dyn Hmac,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
) -> Result<SecretBytes, Error> {
    SecretBytes::filled_by(hmac.hash_output_len(), |out| {
        hkdf_expand_label(hmac, secret, label, context, out)
    })
}

/// Derive-Secret (RFC 8446 7.1): HKDF-Expand-Label(secret, label, transcript_hash,
/// Hash.length). The caller supplies Transcript-Hash(Messages), already computed.
fn derive_secret(
    suite: &Tls13CipherSuite,
    secret: &[u8],
    label: &[u8],
    transcript_hash: &[u8],
) -> Result<SecretBytes, Error> {
    expand_label_secret(suite.hmac, secret, label, transcript_hash)
}

/// HKDF-Extract into a secret.
fn extract(suite: &Tls13CipherSuite, salt: &[u8], ikm: &[u8]) -> Result<SecretBytes, Error> {
    SecretBytes::from_output(&hkdf::extract(suite.hmac, salt, ikm))
}

/// Which kind of PSK a binder is for (RFC 8446 7.1: "ext binder" / "res binder").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PskKind {
    /// A PSK from a NewSessionTicket of an earlier connection.
    Resumption,
    /// A PSK provisioned outside TLS.
    External,
}

/// The first stage: the Early Secret, from a PSK or from zeros.
pub struct KeyScheduleEarly {
    suite: &'static Tls13CipherSuite,
    secret: PreparedSecret,
}

impl KeyScheduleEarly {
    /// Early Secret = HKDF-Extract(0, PSK) (RFC 8446 7.1).
    pub fn with_psk(suite: &'static Tls13CipherSuite, psk: &[u8]) -> Result<Self, Error> {
        // A binder key, the derived salt and maybe 0-RTT secrets come from it.
        Ok(Self {
            suite,
            secret: PreparedSecret::new(suite.hmac, extract(suite, &[], psk)?),
        })
    }

    /// Early Secret without a PSK: the PSK input is Hash.length zeros (RFC 8446 7.1).
    pub fn without_psk(suite: &'static Tls13CipherSuite) -> Result<Self, Error> {
        let zeros = SecretBytes::zeros(suite.hash.output_len())?;
        // Only the derived salt comes from it.
        Ok(Self {
            suite,
            secret: PreparedSecret::unprepared(extract(suite, &[], zeros.as_ref())?),
        })
    }

    /// The suite this schedule runs under.
    pub fn suite(&self) -> &'static Tls13CipherSuite {
        self.suite
    }

    /// The same Early Secret, for the suite the server chose: a suite with the same
    /// hash (RFC 8446 4.2.11), whose AEAD the later traffic keys are for.
    pub fn with_suite(self, suite: &'static Tls13CipherSuite) -> Result<Self, Error> {
        if suite.hash.algorithm() != self.suite.hash.algorithm() {
            return Err(Error::Internal(
                "a PSK's early secret reused under a suite with another hash",
            ));
        }
        Ok(Self { suite, ..self })
    }

    /// binder_key = Derive-Secret(Early Secret, "res binder" | "ext binder", "").
    pub fn binder_key(&self, kind: PskKind) -> Result<BinderKey, Error> {
        let label: &[u8] = match kind {
            PskKind::Resumption => b"res binder",
            PskKind::External => b"ext binder",
        };
        let empty_hash = self.suite.hash.hash(&[]);
        Ok(BinderKey {
            suite: self.suite,
            secret: self
                .secret
                .expand_label_secret(self.suite.hmac, label, empty_hash.as_ref())?,
        })
    }

    /// client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic",
    /// Hash(ClientHello)) (RFC 8446 7.1), protecting 0-RTT data.
    pub fn client_early_traffic_secret(&self, hello_hash: &[u8]) -> Result<TrafficSecret, Error> {
        self.traffic_secret(b"c e traffic", hello_hash)
    }

    /// early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master",
    /// Hash(ClientHello)) (RFC 8446 7.1).
    pub fn early_exporter(&self, hello_hash: &[u8]) -> Result<Exporter, Error> {
        let secret =
            self.secret
                .expand_label_secret(self.suite.hmac, b"e exp master", hello_hash)?;
        Ok(Exporter {
            suite: self.suite,
            secret,
        })
    }

    /// Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""),
    /// (EC)DHE), then on to the handshake stage. `hello_hash` is
    /// Transcript-Hash(ClientHello...ServerHello), which the handshake traffic secrets
    /// derive from.
    pub fn into_handshake(
        self,
        shared_secret: &SharedSecret,
        hello_hash: &[u8],
    ) -> Result<KeyScheduleHandshake, Error> {
        let empty_hash = self.suite.hash.hash(&[]);
        let salt =
            self.secret
                .expand_label_secret(self.suite.hmac, b"derived", empty_hash.as_ref())?;
        let secret = extract(self.suite, salt.as_ref(), shared_secret.secret_bytes())?;
        Ok(KeyScheduleHandshake {
            suite: self.suite,
            secret: PreparedSecret::new(self.suite.hmac, secret),
            hello_hash: SecretBytes::new(hello_hash)?,
            empty_hash,
        })
    }

    /// The Early Secret itself, for test vectors and diagnostics. Never send it.
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.as_ref()
    }

    fn traffic_secret(&self, label: &[u8], hash: &[u8]) -> Result<TrafficSecret, Error> {
        let secret = self
            .secret
            .expand_label_secret(self.suite.hmac, label, hash)?;
        Ok(TrafficSecret::new(self.suite, secret))
    }
}

/// The second stage: the Handshake Secret and Hash(ClientHello..ServerHello).
pub struct KeyScheduleHandshake {
    suite: &'static Tls13CipherSuite,
    secret: PreparedSecret,
    hello_hash: SecretBytes,
    /// Hash(""), for the next "derived" salt: computed once per handshake.
    empty_hash: HashOutput,
}

impl KeyScheduleHandshake {
    /// client_handshake_traffic_secret (RFC 8446 7.1, "c hs traffic").
    pub fn client_handshake_traffic_secret(&self) -> Result<TrafficSecret, Error> {
        self.traffic_secret(b"c hs traffic")
    }

    /// server_handshake_traffic_secret (RFC 8446 7.1, "s hs traffic").
    pub fn server_handshake_traffic_secret(&self) -> Result<TrafficSecret, Error> {
        self.traffic_secret(b"s hs traffic")
    }

    /// Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0),
    /// then on to the traffic stage. `handshake_hash` is
    /// Transcript-Hash(ClientHello...server Finished).
    ///
    /// Derive the handshake traffic secrets the rest of the handshake still needs
    /// (the client's Finished key, the keys for the client's second flight) first.
    pub fn into_traffic(self, handshake_hash: &[u8]) -> Result<KeyScheduleTraffic, Error> {
        let salt = self.secret.expand_label_secret(
            self.suite.hmac,
            b"derived",
            self.empty_hash.as_ref(),
        )?;
        let zeros = SecretBytes::zeros(self.suite.hash.output_len())?;
        let secret = extract(self.suite, salt.as_ref(), zeros.as_ref())?;
        Ok(KeyScheduleTraffic {
            suite: self.suite,
            secret: PreparedSecret::new(self.suite.hmac, secret),
            handshake_hash: SecretBytes::new(handshake_hash)?,
        })
    }

    /// The suite this schedule runs under.
    pub fn suite(&self) -> &'static Tls13CipherSuite {
        self.suite
    }

    /// The Handshake Secret itself, for test vectors and diagnostics. Never send it.
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.as_ref()
    }

    fn traffic_secret(&self, label: &[u8]) -> Result<TrafficSecret, Error> {
        let secret =
            self.secret
                .expand_label_secret(self.suite.hmac, label, self.hello_hash.as_ref())?;
        Ok(TrafficSecret::new(self.suite, secret))
    }
}

/// The last stage: the Master Secret and Hash(ClientHello..server Finished).
pub struct KeyScheduleTraffic {
    suite: &'static Tls13CipherSuite,
    secret: PreparedSecret,
    handshake_hash: SecretBytes,
}

impl KeyScheduleTraffic {
    /// client_application_traffic_secret_0 (RFC 8446 7.1, "c ap traffic").
    pub fn client_application_traffic_secret(&self) -> Result<TrafficSecret, Error> {
        self.traffic_secret(b"c ap traffic")
    }

    /// server_application_traffic_secret_0 (RFC 8446 7.1, "s ap traffic").
    pub fn server_application_traffic_secret(&self) -> Result<TrafficSecret, Error> {
        self.traffic_secret(b"s ap traffic")
    }

    /// exporter_master_secret (RFC 8446 7.1, "exp master"), for [`Exporter::export`].
    pub fn exporter(&self) -> Result<Exporter, Error> {
        Ok(Exporter {
            suite: self.suite,
            secret: self.secret.expand_label_secret(
                self.suite.hmac,
                b"exp master",
                self.handshake_hash.as_ref(),
            )?,
        })
    }

    /// resumption_master_secret = Derive-Secret(Master Secret, "res master",
    /// Transcript-Hash(ClientHello...client Finished)) (RFC 8446 7.1).
    pub fn resumption_master_secret(
        &self,
        client_finished_hash: &[u8],
    ) -> Result<ResumptionSecret, Error> {
        Ok(ResumptionSecret {
            suite: self.suite,
            secret: self.secret.expand_label_secret(
                self.suite.hmac,
                b"res master",
                client_finished_hash,
            )?,
        })
    }

    /// The suite this schedule runs under.
    pub fn suite(&self) -> &'static Tls13CipherSuite {
        self.suite
    }

    /// The Master Secret itself, for test vectors and diagnostics. Never send it.
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.as_ref()
    }

    fn traffic_secret(&self, label: &[u8]) -> Result<TrafficSecret, Error> {
        let secret = self.secret.expand_label_secret(
            self.suite.hmac,
            label,
            self.handshake_hash.as_ref(),
        )?;
        Ok(TrafficSecret::new(self.suite, secret))
    }
}

/// A traffic secret of one direction and epoch: early, handshake or application data.
/// Wiped on drop; `Debug` does not show it.
pub struct TrafficSecret {
    suite: &'static Tls13CipherSuite,
    /// Unprepared: key and IV are expanded together under one HMAC key prepared on
    /// the stack, and a handshake traffic secret's Finished key is the only other
    /// label. (So the two application secrets a connection keeps for KeyUpdate
    /// hold no boxed key either.)
    secret: SecretBytes,
}

impl TrafficSecret {
    fn new(suite: &'static Tls13CipherSuite, secret: SecretBytes) -> Self {
        Self { suite, secret }
    }

    /// The record protection key and IV (RFC 8446 7.3):
    /// `key = HKDF-Expand-Label(secret, "key", "", key_length)`,
    /// `iv = HKDF-Expand-Label(secret, "iv", "", iv_length)`.
    pub fn derive_key_iv(&self) -> Result<TrafficKeys, Error> {
        let key_len = self.suite.aead.key_len();
        let mut keys = TrafficKeys {
            key: [0u8; MAX_KEY_LEN],
            key_len,
            iv: [0u8; AEAD_NONCE_LEN],
        };
        let key = keys
            .key
            .get_mut(..key_len)
            .ok_or(Error::Unsupported("an AEAD key longer than 32 bytes"))?;
        let hash_len = self.suite.hmac.hash_output_len();
        let iv = &mut keys.iv;
        let hmac = self.suite.hmac;
        hkdf::with_prepared_key_checked(hmac, self.secret.as_ref(), &mut |hmac_key| {
            let expand = |label: &[u8], out: &mut [u8]| {
                expand_label_with(label, &[], out, |info, out| {
                    hkdf::expand_prepared(hmac_key, hash_len, info, out)
                })
            };
            expand(b"key", &mut *key)?;
            expand(b"iv", &mut *iv)
        })?;
        Ok(keys)
    }

    /// finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length)
    /// (RFC 8446 4.4.4).
    pub fn finished_key(&self) -> Result<FinishedKey, Error> {
        Ok(FinishedKey {
            hmac: self.suite.hmac,
            key: expand_label_secret(self.suite.hmac, self.secret.as_ref(), b"finished", &[])?,
        })
    }

    /// The next generation after a KeyUpdate (RFC 8446 7.2):
    /// `HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length)`. The old secret
    /// is consumed (and wiped), as RFC 8446 7.2 asks once the new keys are in use.
    pub fn next(self) -> Result<Self, Error> {
        let secret =
            expand_label_secret(self.suite.hmac, self.secret.as_ref(), b"traffic upd", &[])?;
        Ok(Self::new(self.suite, secret))
    }

    /// The suite this secret belongs to.
    pub fn suite(&self) -> &'static Tls13CipherSuite {
        self.suite
    }

    /// The secret itself, for key logging (the NSS key log format) and test vectors.
    /// Never send it.
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.as_ref()
    }
}

impl fmt::Debug for TrafficSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrafficSecret")
            .field("suite", &self.suite.suite)
            .finish_non_exhaustive()
    }
}

/// A record protection key and IV for one direction (RFC 8446 7.3). Wiped on drop.
pub struct TrafficKeys {
    key: [u8; MAX_KEY_LEN],
    key_len: usize,
    iv: [u8; AEAD_NONCE_LEN],
}

impl TrafficKeys {
    /// The AEAD key, `aead.key_len()` bytes.
    pub fn key(&self) -> &[u8] {
        self.key.get(..self.key_len).unwrap_or_default()
    }

    /// The 12-byte IV that record sequence numbers are XORed into (RFC 8446 5.3).
    pub fn iv(&self) -> &[u8; AEAD_NONCE_LEN] {
        &self.iv
    }
}

impl Drop for TrafficKeys {
    fn drop(&mut self) {
        super::secret::wipe(&mut self.key);
        super::secret::wipe(&mut self.iv);
    }
}

impl fmt::Debug for TrafficKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrafficKeys(..)")
    }
}

/// The key a Finished MAC (or a PSK binder) is computed with (RFC 8446 4.4.4).
pub struct FinishedKey {
    hmac: &'static dyn Hmac,
    key: SecretBytes,
}

impl FinishedKey {
    /// verify_data = HMAC(finished_key, transcript_hash) (RFC 8446 4.4.4), where
    /// `transcript_hash` is Transcript-Hash(Handshake Context, Certificate*,
    /// CertificateVerify*) — or, for a binder, the hash of the truncated ClientHello.
    pub fn verify_data(&self, transcript_hash: &[u8]) -> HashOutput {
        self.hmac.sign(self.key.as_ref(), &[transcript_hash])
    }

    /// Checks a received Finished (or binder) value in constant time; a mismatch is
    /// [`Error::BadFinished`], which sends decrypt_error (RFC 8446 4.4.4).
    pub fn check(&self, transcript_hash: &[u8], received: &[u8]) -> Result<(), Error> {
        let expected = self.verify_data(transcript_hash);
        if constant_time_eq(expected.as_ref(), received) {
            Ok(())
        } else {
            Err(Error::BadFinished)
        }
    }

    /// The key itself, for test vectors. Never send it.
    pub fn secret_bytes(&self) -> &[u8] {
        self.key.as_ref()
    }
}

impl fmt::Debug for FinishedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FinishedKey(..)")
    }
}

/// A PSK binder key (RFC 8446 7.1); binders are computed like Finished (4.2.11.2).
pub struct BinderKey {
    suite: &'static Tls13CipherSuite,
    secret: SecretBytes,
}

impl BinderKey {
    /// The key the binder HMAC is computed with: HKDF-Expand-Label(binder_key,
    /// "finished", "", Hash.length) (RFC 8446 4.2.11.2, 4.4.4).
    pub fn finished_key(&self) -> Result<FinishedKey, Error> {
        Ok(FinishedKey {
            hmac: self.suite.hmac,
            key: expand_label_secret(self.suite.hmac, self.secret.as_ref(), b"finished", &[])?,
        })
    }

    /// The binder for a ClientHello: HMAC(finished_key, Transcript-Hash(truncated
    /// ClientHello)) (RFC 8446 4.2.11.2).
    pub fn binder(&self, truncated_hello_hash: &[u8]) -> Result<HashOutput, Error> {
        Ok(self.finished_key()?.verify_data(truncated_hello_hash))
    }

    /// The binder key itself, for test vectors. Never send it.
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.as_ref()
    }
}

impl fmt::Debug for BinderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BinderKey(..)")
    }
}

/// The resumption_master_secret, from which each ticket's PSK derives (RFC 8446 4.6.1).
pub struct ResumptionSecret {
    suite: &'static Tls13CipherSuite,
    secret: SecretBytes,
}

impl ResumptionSecret {
    /// The PSK for the ticket with this nonce:
    /// HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
    /// Hash.length) (RFC 8446 4.6.1).
    pub fn psk_for_ticket(&self, ticket_nonce: &[u8]) -> Result<Psk, Error> {
        Ok(Psk(expand_label_secret(
            self.suite.hmac,
            self.secret.as_ref(),
            b"resumption",
            ticket_nonce,
        )?))
    }

    /// The secret itself, for test vectors. Never send it.
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.as_ref()
    }
}

impl fmt::Debug for ResumptionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResumptionSecret(..)")
    }
}

/// A pre-shared key, e.g. one derived from a session ticket. Wiped on drop.
#[derive(Clone)]
pub struct Psk(SecretBytes);

impl Psk {
    /// Wraps PSK bytes (at most 64, the longest hash) — e.g. one read back from a
    /// session store.
    pub fn new(bytes: &[u8]) -> Result<Self, Error> {
        Ok(Self(SecretBytes::new(bytes)?))
    }

    /// The key bytes, to store with the ticket or feed to
    /// [`KeyScheduleEarly::with_psk`].
    pub fn secret_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }
}

impl fmt::Debug for Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Psk(..)")
    }
}

/// An exporter master secret (early or not), for RFC 8446 7.5 keying material.
pub struct Exporter {
    suite: &'static Tls13CipherSuite,
    secret: SecretBytes,
}

impl Exporter {
    /// TLS-Exporter(label, context_value, key_length) (RFC 8446 7.5):
    /// `HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter",
    /// Hash(context_value), key_length)`, filling `out`. In TLS 1.3 an absent context
    /// and an empty one give the same output, so `context` is a plain slice.
    pub fn export(&self, label: &[u8], context: &[u8], out: &mut [u8]) -> Result<(), Error> {
        let empty_hash = self.suite.hash.hash(&[]);
        let per_label =
            derive_secret(self.suite, self.secret.as_ref(), label, empty_hash.as_ref())?;
        let context_hash = self.suite.hash.hash(context);
        hkdf_expand_label(
            self.suite.hmac,
            per_label.as_ref(),
            b"exporter",
            context_hash.as_ref(),
            out,
        )
    }

    /// The exporter master secret itself, for key logging and test vectors.
    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.as_ref()
    }
}

impl fmt::Debug for Exporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Exporter(..)")
    }
}

#[cfg(test)]
mod tests {
    use alloc::boxed::Box;
    use alloc::vec::Vec;

    use super::*;
    use crate::crypto::HmacKey;

    /// An "HMAC" whose tag is its input (the concatenated parts, cut or zero-padded to
    /// 64 bytes), so the exact HkdfLabel bytes can be checked without a real provider.
    #[derive(Debug)]
    struct EchoHmac;

    struct EchoKey;

    impl Hmac for EchoHmac {
        fn with_key(&self, _key: &[u8]) -> Box<dyn HmacKey> {
            Box::new(EchoKey)
        }
        fn hash_output_len(&self) -> usize {
            64
        }
    }

    impl HmacKey for EchoKey {
        fn sign(&self, parts: &[&[u8]]) -> HashOutput {
            let mut buf = [0u8; 64];
            let joined: Vec<u8> = parts.concat();
            let n = joined.len().min(64);
            buf[..n].copy_from_slice(&joined[..n]);
            HashOutput::new(&buf)
        }
    }

    /// The first block HKDF-Expand asks the echo HMAC to sign: HkdfLabel || 0x01.
    fn first_block(label: &[u8], context: &[u8]) -> Vec<u8> {
        let mut out = [0u8; 64];
        hkdf_expand_label(&EchoHmac, &[1; 32], label, context, &mut out).unwrap();
        out.to_vec()
    }

    #[test]
    fn hkdf_label_encoding_has_the_tls13_prefix_and_lengths() {
        // RFC 8448 prints this info for the "key" step (as "key info", with length 16).
        let mut expected = Vec::new();
        expected.extend_from_slice(&[0x00, 0x40, 9]);
        expected.extend_from_slice(b"tls13 key");
        expected.push(0); // empty context
        expected.push(1); // HKDF-Expand block counter (RFC 5869 2.3)
        expected.resize(64, 0);
        assert_eq!(first_block(b"key", b""), expected);

        let mut expected = Vec::new();
        expected.extend_from_slice(&[0x00, 0x40, 18]);
        expected.extend_from_slice(b"tls13 c hs traffic");
        expected.extend_from_slice(&[3, 0xab, 0xcd, 0xef, 1]);
        expected.resize(64, 0);
        assert_eq!(first_block(b"c hs traffic", &[0xab, 0xcd, 0xef]), expected);
    }

    #[test]
    fn hkdf_label_rejects_oversize_fields() {
        let long_label = [b'a'; 250];
        assert!(hkdf_expand_label(&EchoHmac, &[0; 32], &long_label, b"", &mut [0; 8]).is_err());
        let long_context = [0u8; 256];
        assert!(hkdf_expand_label(&EchoHmac, &[0; 32], b"x", &long_context, &mut [0; 8]).is_err());
        // 249 + 6 = 255 is the longest label that fits its one-byte length.
        assert!(
            hkdf_expand_label(&EchoHmac, &[0; 32], &long_label[..249], b"", &mut [0; 8]).is_ok()
        );
        assert!(hkdf_expand_label(&EchoHmac, &[0; 32], b"x", &[0u8; 255], &mut [0; 8]).is_ok());
    }
}
