//! Logging of traffic secrets in the NSS key log format, so tools such as Wireshark
//! can decrypt a capture. Off unless a [`KeyLog`] is set in the config.

use core::fmt::Debug;

/// Receives each secret as it is derived.
///
/// Labels are the NSS ones: `CLIENT_HANDSHAKE_TRAFFIC_SECRET`,
/// `SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_TRAFFIC_SECRET_0`,
/// `SERVER_TRAFFIC_SECRET_0`, `EXPORTER_SECRET`.
pub trait KeyLog: Send + Sync + Debug {
    /// Records `secret` under `label` for the connection whose ClientHello.random is
    /// `client_random`.
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]);
}

/// Appends NSS key log lines to the file named by the `SSLKEYLOGFILE` environment
/// variable (nothing is written when it is unset). Never enable this in production:
/// anyone who reads the file can decrypt the traffic.
#[cfg(feature = "std")]
#[derive(Debug, Default)]
pub struct KeyLogFile(std::sync::Mutex<Option<std::fs::File>>);

#[cfg(feature = "std")]
impl KeyLogFile {
    /// Opens `$SSLKEYLOGFILE` for appending, if set.
    pub fn from_env() -> Self {
        let file = std::env::var_os("SSLKEYLOGFILE").and_then(|path| {
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .ok()
        });
        Self(std::sync::Mutex::new(file))
    }
}

#[cfg(feature = "std")]
impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        use std::io::Write;
        let Ok(mut guard) = self.0.lock() else { return };
        if let Some(file) = guard.as_mut() {
            let hex = |bytes: &[u8]| {
                bytes
                    .iter()
                    .map(|b| std::format!("{b:02x}"))
                    .collect::<std::string::String>()
            };
            // A failed write only loses debugging output.
            let _ = writeln!(file, "{label} {} {}", hex(client_random), hex(secret));
        }
    }
}
