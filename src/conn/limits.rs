//! The bounds on what a connection buffers and tolerates, with their defaults.

/// The largest ClientHello body its vectors allow (RFC 8446 4.1.2, RFC 5246 7.4.1.2):
/// legacy_version (2), random (32), legacy_session_id (1 + 32), cipher_suites
/// (2 + 65,534), legacy_compression_methods (1 + 255) and extensions (2 + 65,535).
pub const MAX_CLIENT_HELLO: usize = 2 + 32 + (1 + 32) + (2 + 65_534) + (1 + 255) + (2 + 65_535);

/// Bounds on a connection's memory and on floods a peer can send. Every buffer a peer
/// can fill is bounded by one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest handshake message accepted, in bytes (default 64 KiB). A certificate
    /// chain must fit in one message.
    pub max_handshake_message: usize,
    /// The largest ClientHello a server accepts, in bytes (default
    /// [`MAX_CLIENT_HELLO`], the most its vectors can hold: legitimate clients send
    /// long cipher-suite and signature lists, or large padding).
    pub max_client_hello: usize,
    /// Received plaintext not yet read by the application (default 64 KiB). Beyond it,
    /// `read_tls` takes no more input until the application reads.
    pub received_plaintext: usize,
    /// Encrypted bytes waiting to be written out (default 64 KiB). Beyond it, plaintext
    /// writes are refused (`WouldBlock`) until `write_tls` drains the buffer.
    pub send_buffer: usize,
    /// Plaintext written before the handshake completes, queued until keys exist
    /// (default 64 KiB).
    pub early_plaintext: usize,
    /// The largest plaintext per record we send (default and maximum 16384).
    pub max_fragment: usize,
    /// Consecutive empty application-data records tolerated (default 32).
    pub max_empty_records: u32,
    /// Warning alerts tolerated in one connection (default 4).
    pub max_warning_alerts: u32,
    /// Post-handshake handshake messages (KeyUpdate, refused renegotiation requests)
    /// in a row without application data between them (default 32): each costs a key
    /// derivation or a reply.
    pub max_post_handshake_messages: u32,
    /// TLS 1.3 NewSessionTickets in a row without application data between them
    /// (default 256): RFC 8446 4.6.1 lets a server send any number, each costs a key
    /// derivation and a store insert (the store keeps a bounded number per server).
    pub max_new_session_tickets: u32,
    /// TLS 1.2 renegotiation requests tolerated in one connection (default 1): each
    /// HelloRequest (to a client) or ClientHello after the handshake (to a server) is
    /// refused with a no_renegotiation warning, so without a bound a peer could make us
    /// queue warnings, or ignore HelloRequests, forever.
    pub max_renegotiation_requests: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_handshake_message: 64 * 1024,
            max_client_hello: MAX_CLIENT_HELLO,
            received_plaintext: 64 * 1024,
            send_buffer: 64 * 1024,
            early_plaintext: 64 * 1024,
            max_fragment: crate::record::MAX_PLAINTEXT,
            max_empty_records: 32,
            max_warning_alerts: 4,
            max_post_handshake_messages: 32,
            max_new_session_tickets: 256,
            max_renegotiation_requests: 1,
        }
    }
}
