//! OpenSSL (the system's libssl through the `openssl` crate): an `SslStream` over an
//! in-memory duplex that reports `WouldBlock` when it has nothing to read.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

use openssl::pkey::PKey;
use openssl::ssl::{
    ErrorCode, ShutdownState, Ssl, SslContext, SslMethod, SslOptions, SslSession,
    SslSessionCacheMode, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;

use crate::endpoint::{Aead, Endpoint, Impl, Resumption, Setup, Sink, Version};
use crate::pki::{KeyKind, NAME, Pki};

/// The in-memory transport under one `SslStream`.
#[derive(Default)]
pub struct Mem {
    input: Vec<u8>,
    read_pos: usize,
    output: Vec<u8>,
}

impl Read for Mem {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = &self.input[self.read_pos..];
        if left.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = left.len().min(buf.len());
        buf[..n].copy_from_slice(&left[..n]);
        self.read_pos += n;
        if self.read_pos == self.input.len() {
            self.input.clear();
            self.read_pos = 0;
        }
        Ok(n)
    }
}

impl Write for Mem {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub struct Openssl {
    client: SslContext,
    server: SslContext,
    session: Arc<Mutex<Option<SslSession>>>,
    resume: bool,
}

fn cipher(setup: &Setup) -> &'static str {
    let rsa = setup.key == KeyKind::Rsa;
    match (setup.version, setup.aead) {
        (Version::Tls13, Aead::Aes128) => "TLS_AES_128_GCM_SHA256",
        (Version::Tls13, Aead::Aes256) => "TLS_AES_256_GCM_SHA384",
        (Version::Tls13, Aead::Chacha) => "TLS_CHACHA20_POLY1305_SHA256",
        (Version::Tls12, Aead::Aes128) if rsa => "ECDHE-RSA-AES128-GCM-SHA256",
        (Version::Tls12, Aead::Aes256) if rsa => "ECDHE-RSA-AES256-GCM-SHA384",
        (Version::Tls12, Aead::Chacha) if rsa => "ECDHE-RSA-CHACHA20-POLY1305",
        (Version::Tls12, Aead::Aes128) => "ECDHE-ECDSA-AES128-GCM-SHA256",
        (Version::Tls12, Aead::Aes256) => "ECDHE-ECDSA-AES256-GCM-SHA384",
        (Version::Tls12, Aead::Chacha) => "ECDHE-ECDSA-CHACHA20-POLY1305",
    }
}

impl Openssl {
    pub fn new(pki: &Pki, setup: Setup) -> Self {
        let version = match setup.version {
            Version::Tls13 => SslVersion::TLS1_3,
            Version::Tls12 => SslVersion::TLS1_2,
        };
        let common = |b: &mut openssl::ssl::SslContextBuilder| {
            b.set_min_proto_version(Some(version)).unwrap();
            b.set_max_proto_version(Some(version)).unwrap();
            match setup.version {
                Version::Tls13 => b.set_ciphersuites(cipher(&setup)).unwrap(),
                Version::Tls12 => b.set_cipher_list(cipher(&setup)).unwrap(),
            }
            // The same group lists as for handclasp (see hc.rs).
            b.set_groups_list(match setup.version {
                Version::Tls13 => "X25519",
                Version::Tls12 => "X25519:P-256",
            })
            .unwrap();
        };

        let mut client = SslContext::builder(SslMethod::tls_client()).unwrap();
        common(&mut client);
        client.set_verify(SslVerifyMode::PEER);
        client
            .cert_store_mut()
            .add_cert(X509::from_der(&pki.ca).unwrap())
            .unwrap();
        let session = Arc::new(Mutex::new(None));
        let resume = setup.resumption != Resumption::Off;
        if resume {
            client.set_session_cache_mode(SslSessionCacheMode::CLIENT);
            let keep = session.clone();
            client.set_new_session_callback(move |_, s| *keep.lock().unwrap() = Some(s));
        } else {
            client.set_session_cache_mode(SslSessionCacheMode::OFF);
        }

        let mut server = SslContext::builder(SslMethod::tls_server()).unwrap();
        common(&mut server);
        let (certs, key) = pki.server_chain(setup.key, setup.intermediates);
        server
            .set_certificate(&X509::from_der(certs[0]).unwrap())
            .unwrap();
        // The chain rows' intermediates, sent after the leaf in this order.
        for ca in &certs[1..] {
            server
                .add_extra_chain_cert(X509::from_der(ca).unwrap())
                .unwrap();
        }
        server
            .set_private_key(&PKey::private_key_from_der(key).unwrap())
            .unwrap();
        server.set_session_id_context(b"handclasp-peers").unwrap();
        match setup.resumption {
            Resumption::Off => {
                server.set_session_cache_mode(SslSessionCacheMode::OFF);
                server.set_options(SslOptions::NO_TICKET);
                server.set_num_tickets(0).unwrap();
            }
            // The default: stateless tickets (2 per TLS 1.3 handshake).
            Resumption::Tickets => {}
            // No tickets: TLS 1.2 sessions go into the server's cache under an id.
            Resumption::SessionIds => {
                server.set_options(SslOptions::NO_TICKET);
            }
        }
        Self {
            client: client.build(),
            server: server.build(),
            session,
            resume,
        }
    }
}

/// One side: the stream plus whether its handshake is done.
pub struct Side {
    stream: SslStream<Mem>,
    done: bool,
}

impl Impl for Openssl {
    type Client = Side;
    type Server = Side;

    fn client(&self) -> Side {
        let mut ssl = Ssl::new(&self.client).unwrap();
        ssl.set_hostname(NAME).unwrap();
        ssl.param_mut().set_host(NAME).unwrap();
        let session = self.session.lock().unwrap();
        if let (true, Some(session)) = (self.resume, session.as_ref()) {
            // SAFETY: the session came from a connection on this same context.
            unsafe { ssl.set_session(session).unwrap() };
        }
        drop(session);
        ssl.set_connect_state();
        Side {
            stream: SslStream::new(ssl, Mem::default()).unwrap(),
            done: false,
        }
    }

    fn server(&self) -> Side {
        let mut ssl = Ssl::new(&self.server).unwrap();
        ssl.set_accept_state();
        Side {
            stream: SslStream::new(ssl, Mem::default()).unwrap(),
            done: false,
        }
    }
}

impl Side {
    fn drive(&mut self) {
        if self.done {
            return;
        }
        match self.stream.do_handshake() {
            Ok(()) => self.done = true,
            Err(e) if e.code() == ErrorCode::WANT_READ => {}
            Err(e) => panic!(
                "OpenSSL handshake failed: {e} (verify result: {})",
                self.stream.ssl().verify_result()
            ),
        }
    }
}

impl Drop for Side {
    fn drop(&mut self) {
        // Without this, freeing an SSL that never shut down takes its session out of
        // the cache (OpenSSL treats it as a possibly broken session), and nothing
        // would resume. Set outside any timed call, like every other drop.
        self.stream
            .set_shutdown(ShutdownState::SENT | ShutdownState::RECEIVED);
    }
}

impl Endpoint for Side {
    fn recv(&mut self, tls: &mut Vec<u8>, app: &mut Sink) {
        // Hand the bytes over without a copy (as a socket read into OpenSSL's buffer
        // would cost one copy, the one OpenSSL makes from here).
        let mem = self.stream.get_mut();
        if mem.input.is_empty() {
            std::mem::swap(&mut mem.input, tls);
            mem.read_pos = 0;
        } else {
            mem.input.extend_from_slice(tls);
        }
        tls.clear();
        self.drive();
        if !self.done {
            return;
        }
        // Application data, and post-handshake messages (TLS 1.3 tickets).
        loop {
            match self.stream.ssl_read(app.spare()) {
                Ok(n) => app.pos += n,
                Err(e) if e.code() == ErrorCode::WANT_READ => break,
                Err(e) => panic!("OpenSSL read failed: {e}"),
            }
        }
    }

    fn send(&mut self, out: &mut Vec<u8>) {
        self.drive();
        out.append(&mut self.stream.get_mut().output);
    }

    fn write(&mut self, data: &[u8], _out: &mut Vec<u8>) {
        let n = self.stream.ssl_write(data).unwrap();
        assert_eq!(n, data.len(), "OpenSSL took only part of a write");
    }

    fn handshaking(&self) -> bool {
        !self.done
    }

    fn resumed(&self) -> bool {
        self.stream.ssl().session_reused()
    }
}
