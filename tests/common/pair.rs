//! An in-memory client/server pair: bytes move between the two connections with no
//! sockets, whole, one byte at a time, or at chosen split points.

use std::sync::Arc;

use handclasp::pki_types::ServerName;
use handclasp::{
    ClientConfig, ClientConnection, Connection, Error, ServerConfig, ServerConnection,
};

/// How bytes are cut when moved between the peers.
#[derive(Clone, Copy, Debug)]
pub enum Chunking {
    /// Everything pending at once.
    Whole,
    /// One byte per feed.
    Bytewise,
    /// Pseudo-random piece sizes from this seed.
    Random(u64),
}

pub struct Pair {
    pub client: ClientConnection,
    pub server: ServerConnection,
    pub chunking: Chunking,
    rng: u64,
}

impl Pair {
    pub fn new(client: Arc<ClientConfig>, server: Arc<ServerConfig>, name: &str) -> Self {
        let name = ServerName::try_from(name.to_string()).unwrap();
        Self {
            client: ClientConnection::new(client, name).unwrap(),
            server: ServerConnection::new(server).unwrap(),
            chunking: Chunking::Whole,
            rng: 0,
        }
    }

    pub fn with_chunking(mut self, chunking: Chunking) -> Self {
        self.chunking = chunking;
        if let Chunking::Random(seed) = chunking {
            self.rng = seed | 1;
        }
        self
    }

    fn piece(&mut self, available: usize) -> usize {
        match self.chunking {
            Chunking::Whole => available,
            Chunking::Bytewise => 1,
            Chunking::Random(_) => {
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                1 + (self.rng as usize) % available.clamp(1, 3000)
            }
        }
        .min(available)
    }

    /// (sender, receiver)
    pub fn sides(&mut self, client_to_server: bool) -> (&mut Connection, &mut Connection) {
        if client_to_server {
            (&mut self.client, &mut self.server)
        } else {
            (&mut self.server, &mut self.client)
        }
    }

    /// Moves every pending byte from one side to the other, processing as it goes.
    /// Returns the receiver's processing result.
    fn transfer(&mut self, client_to_server: bool) -> Result<usize, Error> {
        let mut moved = 0;
        loop {
            let pending = self.sides(client_to_server).0.pending_tls().len();
            if pending == 0 {
                return Ok(moved);
            }
            let piece = self.piece(pending);
            let (from, to) = self.sides(client_to_server);
            let taken = to.read_tls_from_slice(&from.pending_tls()[..piece]);
            from.consume_tls(taken);
            moved += taken;
            to.process_new_packets()?;
            if taken == 0 {
                // The receiver is full of plaintext: the test must read it first.
                return Ok(moved);
            }
        }
    }

    pub fn client_to_server(&mut self) -> Result<usize, Error> {
        self.transfer(true)
    }

    pub fn server_to_client(&mut self) -> Result<usize, Error> {
        self.transfer(false)
    }

    /// Runs the handshake to completion (or the first error, from either side).
    pub fn handshake(&mut self) -> Result<(), Error> {
        for _ in 0..10 {
            if !self.client.is_handshaking()
                && !self.server.is_handshaking()
                && !self.client.wants_write()
            {
                return Ok(());
            }
            self.client_to_server()?;
            self.server_to_client()?;
        }
        panic!("handshake did not finish in 10 round trips");
    }

    /// Sends `data` from one side and checks the other receives exactly it.
    pub fn send_and_receive(&mut self, client_to_server: bool, data: &[u8]) {
        let mut received = Vec::with_capacity(data.len());
        let mut offset = 0;
        while received.len() < data.len() {
            if offset < data.len() {
                offset += self
                    .sides(client_to_server)
                    .0
                    .write_plaintext(&data[offset..])
                    .unwrap();
            }
            self.transfer(client_to_server).unwrap();
            let to = self.sides(client_to_server).1;
            let mut buf = [0u8; 8192];
            loop {
                let n = to.read_plaintext(&mut buf);
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..n]);
            }
        }
        assert!(received == data, "received data differs from what was sent");
    }
}
