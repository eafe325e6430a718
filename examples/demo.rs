//! A guided TLS 1.3 handshake, then a TLS 1.2 one: `cargo run --example demo`.
//!
//! Makes a throw-away CA and a server certificate for `localhost` in memory, starts a
//! server on an ephemeral loopback port, connects a client to it, and prints every
//! step of the handshake from both sides as it happens (through a
//! [`HandshakeObserver`]): the messages, and the secrets of the key schedule by their
//! RFC labels (never their values); then one HTTP request and its response. Then the
//! same with a server that speaks only TLS 1.2. No files, no arguments, no network
//! beyond 127.0.0.1. (`cargo run --example explain -- --local` tells one handshake in
//! more depth, and `explain HOST` a real server's.)

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use handclasp::enums::ProtocolVersion;
use handclasp::events::{HandshakeEvent, HandshakeObserver, HelloOffer, Secret, Side};
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use handclasp::time::{Rfc3339, UnixTime};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, ServerConfig, ServerConnection, StreamOwned};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SanType};

const SERVER_NAME: &str = "localhost";
const CA_NAME: &str = "handclasp demo CA";
const DAY: u64 = 86_400;

/// Prints handshake events as `[client]` / `[server]` lines. Arrows show the direction
/// of a message from the printing side's point of view: `->` sent, `<-` received.
#[derive(Debug, Default)]
struct Narrator {
    /// The version the ServerHello chose: it names the message a signature came in.
    version: Mutex<Option<ProtocolVersion>>,
}

impl Narrator {
    fn tls12(&self) -> bool {
        self.version
            .lock()
            .is_ok_and(|v| *v == Some(ProtocolVersion::TLSv1_2))
    }
}

impl HandshakeObserver for Narrator {
    fn on_event(&self, side: Side, event: &HandshakeEvent<'_>) {
        let me = match side {
            Side::Client => "[client]",
            Side::Server => "[server]",
        };
        // Arrows give a message's direction from the printing side: `->` we sent it,
        // `<-` the peer did. The server sends ServerHello and HelloRetryRequest.
        let from_server = match side {
            Side::Client => "<-",
            Side::Server => "->",
        };
        match event {
            HandshakeEvent::ClientHello(offer) => match side {
                Side::Client => print_offer(me, offer),
                Side::Server => println!(
                    "{me} <- ClientHello for {:?}: {} suites, {} groups, key share for {}, ALPN {}",
                    offer.server_name.unwrap_or("-"),
                    offer.cipher_suites.len(),
                    offer.groups.len(),
                    list(offer.key_share_groups),
                    alpn_list(offer.alpn),
                ),
            },
            HandshakeEvent::HelloRetryRequest { group, cookie } => println!(
                "{me} {from_server} HelloRetryRequest: key share wanted for {group:?}, cookie: {cookie}"
            ),
            HandshakeEvent::ServerHello {
                version,
                cipher_suite,
                group,
                ..
            } => {
                if let Ok(mut chosen) = self.version.lock() {
                    *chosen = Some(*version);
                }
                // RFC 5246 7.4.3: in TLS 1.2 the group comes with ServerKeyExchange.
                let group = group.map_or("in ServerKeyExchange".into(), |g| format!("{g:?}"));
                println!(
                    "{me} {from_server} ServerHello: {version:?}, {cipher_suite:?}, key exchange {group}"
                )
            }
            HandshakeEvent::EncryptedExtensions {
                alpn,
                server_name_acknowledged,
                early_data_accepted,
            } => println!(
                "{me} {from_server} EncryptedExtensions (the first encrypted message): ALPN {}, \
                 server name acknowledged: {server_name_acknowledged}, early data accepted: \
                 {early_data_accepted}",
                alpn.map_or_else(|| "-".into(), String::from_utf8_lossy)
            ),
            HandshakeEvent::SecretDerived(secret) => println!(
                "{me}    key schedule: derived \"{}\", {}",
                secret.label(),
                purpose(*secret)
            ),
            HandshakeEvent::ChangeCipherSpec { ours } => println!(
                "{me} {} ChangeCipherSpec: {} records are encrypted from here on",
                if *ours { "->" } else { "<-" },
                if *ours { "our" } else { "the peer's" }
            ),
            HandshakeEvent::Ticket {
                ours,
                lifetime_secs,
                ..
            } => println!(
                "{me} {} NewSessionTicket: a session to resume, for {lifetime_secs} s",
                if *ours { "->" } else { "<-" }
            ),
            HandshakeEvent::KeyExchange {
                group,
                public_key_len,
            } => println!(
                "{me}    key exchange: {group:?} shared secret ({public_key_len}-byte public key); \
                 ephemeral key discarded: forward secrecy; {}",
                if group.is_post_quantum() {
                    "post-quantum: ML-KEM-768 beside the elliptic curve, so a future quantum \
                     computer cannot read recorded traffic"
                } else {
                    "not post-quantum (TLS 1.2 has no post-quantum group)"
                }
            ),
            HandshakeEvent::HandshakeKeysInstalled { cipher_suite } => {
                println!("{me}    the rest of the handshake is encrypted ({cipher_suite:?})")
            }
            HandshakeEvent::CertificateVerified {
                chain,
                server_name,
                now,
            } => print_certificate(me, chain, *server_name, *now),
            HandshakeEvent::SignatureVerified { scheme } if self.tls12() => println!(
                "{me} <- ServerKeyExchange: {scheme:?} signature over the server's key share is valid"
            ),
            HandshakeEvent::SignatureVerified { scheme } => println!(
                "{me} <- CertificateVerify: {scheme:?} signature over the transcript is valid"
            ),
            HandshakeEvent::SignatureSent { scheme } if self.tls12() => println!(
                "{me} -> Certificate + ServerKeyExchange (key share signed with {scheme:?})"
            ),
            HandshakeEvent::SignatureSent { scheme } => println!(
                "{me} -> Certificate + CertificateVerify (transcript signed with {scheme:?})"
            ),
            HandshakeEvent::FinishedVerified => {
                println!("{me} <- Finished: verified (HMAC over the transcript matches)")
            }
            HandshakeEvent::FinishedSent => println!("{me} -> Finished"),
            // The secrets (above) say which keys exist; the chain is printed verified.
            HandshakeEvent::ApplicationKeysInstalled
            | HandshakeEvent::CertificateReceived { .. } => {}
            HandshakeEvent::HandshakeComplete {
                version,
                cipher_suite,
                alpn,
            } => println!(
                "{me}    handshake complete: {version:?} {cipher_suite:?}, ALPN {}",
                alpn.map_or_else(|| "-".into(), |p| String::from_utf8_lossy(p).into_owned())
            ),
            HandshakeEvent::KeyUpdate { ours } => println!(
                "{me}    KeyUpdate: {} traffic keys updated",
                if *ours { "our" } else { "the peer's" }
            ),
            HandshakeEvent::AlertSent(alert) => println!("{me} alert sent: {alert:?}"),
            HandshakeEvent::AlertReceived(alert) => println!("{me} alert received: {alert:?}"),
            other => println!("{me}    {other:?}"),
        }
    }
}

/// What a secret of the key schedule is for.
fn purpose(secret: Secret) -> &'static str {
    match secret {
        Secret::ClientHandshakeTraffic => "the client's handshake key (RFC 8446 7.1)",
        Secret::ServerHandshakeTraffic => "the server's handshake key (RFC 8446 7.1)",
        Secret::ClientApplicationTraffic => "the client's data key (RFC 8446 7.1)",
        Secret::ServerApplicationTraffic => "the server's data key (RFC 8446 7.1)",
        Secret::ExporterMaster => "for exported keys (RFC 8446 7.5)",
        Secret::Tls12Master { extended: true } => "bound to the transcript (RFC 7627 4)",
        Secret::Tls12Master { extended: false } => "from the two randoms (RFC 5246 8.1)",
        Secret::Tls12KeyBlock => "both directions' keys and IVs (RFC 5246 6.3)",
        _ => "(RFC 8446 7.1)",
    }
}

fn print_offer(me: &str, offer: &HelloOffer<'_>) {
    println!("{me} -> ClientHello");
    println!("{me}      versions:    {}", list(offer.versions));
    println!("{me}      suites:      {}", list(offer.cipher_suites));
    println!(
        "{me}      groups:      {} (key share sent for {})",
        list(offer.groups),
        list(offer.key_share_groups)
    );
    println!("{me}      signatures:  {}", list(offer.signature_schemes));
    println!(
        "{me}      SNI: {}   ALPN: {}",
        offer.server_name.unwrap_or("-"),
        alpn_list(offer.alpn)
    );
}

/// Prints the end-entity certificate of a chain that just passed verification.
fn print_certificate(me: &str, chain: &[CertificateDer<'_>], name: Option<&str>, now: UnixTime) {
    println!(
        "{me} <- Certificate: chain of {} verified to a trusted root{} at {}",
        chain.len(),
        name.map(|n| format!(" for {n:?}")).unwrap_or_default(),
        Rfc3339(now)
    );
    let Some(end_entity) = chain.first() else {
        return;
    };
    match x509_parser::parse_x509_certificate(end_entity.as_ref()) {
        Ok((_, cert)) => {
            let validity = cert.validity();
            println!("{me}      subject:     {}", cert.subject());
            println!("{me}      issuer:      {}", cert.issuer());
            println!(
                "{me}      valid:       {} .. {}",
                timestamp(validity.not_before.timestamp()),
                timestamp(validity.not_after.timestamp())
            );
            let names = match cert.subject_alternative_name() {
                Ok(Some(san)) => san
                    .value
                    .general_names
                    .iter()
                    .map(general_name)
                    .collect::<Vec<_>>()
                    .join(", "),
                Ok(None) => "-".into(),
                Err(e) => format!("(unreadable: {e})"),
            };
            println!("{me}      names:       {names}");
        }
        Err(e) => println!("{me}      (cannot parse the certificate: {e})"),
    }
}

fn general_name(name: &x509_parser::extensions::GeneralName<'_>) -> String {
    use x509_parser::extensions::GeneralName;
    match name {
        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
        GeneralName::IPAddress([a, b, c, d]) => format!("IP:{a}.{b}.{c}.{d}"),
        other => other.to_string(),
    }
}

fn timestamp(secs: i64) -> String {
    let secs = u64::try_from(secs).unwrap_or(0);
    Rfc3339(UnixTime::since_unix_epoch(Duration::from_secs(secs))).to_string()
}

fn list<T: std::fmt::Debug>(items: &[T]) -> String {
    if items.is_empty() {
        return "-".into();
    }
    items
        .iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn alpn_list(protocols: &[Vec<u8>]) -> String {
    if protocols.is_empty() {
        return "-".into();
    }
    protocols
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The calendar date (year, month, day; UTC) `days` from now, negative for the past.
fn date_from_now(days: i64) -> Result<(i32, u8, u8), String> {
    let now = UnixTime::now().as_secs();
    let secs = now.saturating_add_signed(days.saturating_mul(DAY as i64));
    // Reuse the library's formatter: "YYYY-MM-DDTHH:MM:SSZ".
    let text = Rfc3339(UnixTime::since_unix_epoch(Duration::from_secs(secs))).to_string();
    let field = |range: std::ops::Range<usize>| {
        text.get(range)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or(format!("cannot read a date from {text:?}"))
    };
    let small = |v: u16| u8::try_from(v).map_err(|e| e.to_string());
    Ok((
        i32::from(field(0..4)?),
        small(field(5..7)?)?,
        small(field(8..10)?)?,
    ))
}

/// A throw-away CA and a `localhost` certificate it issued, valid from yesterday.
struct DemoPki {
    ca: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn make_pki() -> Result<DemoPki, String> {
    let err = |e: rcgen::Error| e.to_string();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, CA_NAME);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let (yesterday, in_a_year, in_90_days) =
        (date_from_now(-1)?, date_from_now(365)?, date_from_now(90)?);
    ca_params.not_before = rcgen::date_time_ymd(yesterday.0, yesterday.1, yesterday.2);
    ca_params.not_after = rcgen::date_time_ymd(in_a_year.0, in_a_year.1, in_a_year.2);
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(err)?;

    let mut params = CertificateParams::new(vec![SERVER_NAME.to_string()]).map_err(err)?;
    params
        .subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    params
        .distinguished_name
        .push(DnType::CommonName, SERVER_NAME);
    params.not_before = rcgen::date_time_ymd(yesterday.0, yesterday.1, yesterday.2);
    params.not_after = rcgen::date_time_ymd(in_90_days.0, in_90_days.1, in_90_days.2);
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let cert = params.signed_by(&key, &ca).map_err(err)?;
    Ok(DemoPki {
        ca: ca.der().clone(),
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// Prints an HTTP message line by line with a prefix and an arrow.
fn print_http(prefix: &str, arrow: &str, message: &[u8]) {
    let text = String::from_utf8_lossy(message);
    let mut lines = text.split("\r\n").peekable();
    while let Some(line) = lines.next() {
        // Skip the empty line after the last body line (only when nothing follows).
        if line.is_empty() && lines.peek().is_none() {
            break;
        }
        match line.trim_end_matches('\n') {
            "" => println!("{prefix} {arrow}"),
            line => println!("{prefix} {arrow} {line}"),
        }
    }
}

/// The server side: one connection, one request, one response.
fn serve(
    config: Arc<ServerConfig>,
    listener: TcpListener,
    handshake_done: mpsc::Sender<()>,
) -> Result<(), String> {
    let (sock, _) = listener.accept().map_err(|e| format!("accept: {e}"))?;
    sock.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
    let mut tls = StreamOwned::new(conn, sock);
    let result = tls.conn.complete_io(&mut tls.sock);
    // Let the client go on (even after an error, so it does not wait forever).
    let _ = handshake_done.send(());
    result.map_err(|e| format!("server handshake: {e}"))?;

    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls
            .read(&mut buf)
            .map_err(|e| format!("server read: {e}"))?
        {
            0 => break,
            n => request.extend_from_slice(buf.get(..n).unwrap_or_default()),
        }
    }
    print_http("[server]", "<-", &request);

    let body = format!(
        "hello from handclasp over {:?} / {:?}\n",
        tls.conn.protocol_version().ok_or("no version")?,
        tls.conn
            .negotiated_cipher_suite()
            .map(|s| s.suite())
            .ok_or("no suite")?,
    );
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    println!(
        "[server] -> HTTP/1.1 200 OK ({} bytes), then close_notify",
        response.len()
    );
    tls.write_all(response.as_bytes())
        .map_err(|e| format!("server write: {e}"))?;
    tls.conn.send_close_notify();
    tls.flush().map_err(|e| format!("server flush: {e}"))
}

fn run() -> Result<(), String> {
    let pki = make_pki()?;
    println!("handclasp demo: a TLS 1.3 handshake over loopback TCP, seen from both sides");
    println!(
        "  a throw-away CA {CA_NAME:?} issued a certificate for {SERVER_NAME:?} (ECDSA P-256)"
    );
    let both = [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];
    run_once(&pki, &both)?;
    println!("\nhandclasp demo: the same with a server that speaks only TLS 1.2");
    println!("  the client still offers TLS 1.3 and TLS 1.2; the server chooses");
    run_once(&pki, &[ProtocolVersion::TLSv1_2])
}

/// One connection: a server speaking `server_versions`, a client offering TLS 1.3 and
/// TLS 1.2, the handshake told from both sides, then one HTTP request.
fn run_once(pki: &DemoPki, server_versions: &[ProtocolVersion]) -> Result<(), String> {
    let observer: Arc<dyn HandshakeObserver> = Arc::new(Narrator::default());
    let alpn = vec![b"http/1.1".to_vec()];

    let server_config = ServerConfig::builder()
        .with_protocol_versions(server_versions)
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .map_err(|e| e.to_string())?
        .with_alpn_protocols(alpn.clone())
        .with_observer(observer.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let mut roots = RootStore::empty();
    roots.add(&pki.ca).map_err(|e| e.to_string())?;
    let client_config = ClientConfig::builder()
        .with_root_store(roots)
        .with_alpn_protocols(alpn)
        .with_observer(observer)
        .build()
        .map_err(|e| e.to_string())?;

    let listener =
        TcpListener::bind(("127.0.0.1", 0)).map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
    let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("  server listening on {addr}; the client trusts only that CA\n");

    let (done_tx, done_rx) = mpsc::channel();
    let server = std::thread::spawn(move || serve(Arc::new(server_config), listener, done_tx));

    let client_result = (|| {
        let name = ServerName::try_from(SERVER_NAME).map_err(|e| e.to_string())?;
        let conn = ClientConnection::new(Arc::new(client_config), name.to_owned())
            .map_err(|e| e.to_string())?;
        let sock = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
        sock.set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        let mut tls = StreamOwned::new(conn, sock);
        tls.conn
            .complete_io(&mut tls.sock)
            .map_err(|e| format!("client handshake: {e}"))?;
        // Wait for the server to finish its side so the two logs do not interleave.
        done_rx
            .recv_timeout(Duration::from_secs(5))
            .map_err(|e| format!("server did not finish the handshake: {e}"))?;

        println!();
        let request = format!("GET / HTTP/1.1\r\nHost: {SERVER_NAME}\r\nConnection: close\r\n\r\n");
        print_http("[client]", "->", request.as_bytes());
        tls.write_all(request.as_bytes())
            .map_err(|e| format!("client write: {e}"))?;
        tls.flush().map_err(|e| format!("client flush: {e}"))?;
        let mut response = Vec::new();
        tls.read_to_end(&mut response)
            .map_err(|e| format!("client read: {e}"))?;
        print_http("[client]", "<-", &response);
        if !tls.conn.peer_has_closed() {
            return Err("the server did not send close_notify".to_string());
        }
        println!("[client] <- close_notify: the connection ended cleanly");
        Ok::<(), String>(())
    })();

    let server_result = server
        .join()
        .map_err(|_| "the server thread panicked".to_string())?;
    client_result?;
    server_result
}

fn main() -> ExitCode {
    // RUST_LOG=debug shows the handshake, RUST_LOG=trace the records too.
    env_logger::init();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("demo failed: {message}");
            ExitCode::FAILURE
        }
    }
}
