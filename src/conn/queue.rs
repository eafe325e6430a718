//! A contiguous FIFO of bytes that reuses its allocation: appends go to the end, reads
//! advance a start offset, and the buffer resets (keeping its capacity) once drained.
//! In a steady state where the consumer keeps up, nothing is allocated.

use alloc::vec::Vec;

#[derive(Default, Debug)]
pub(crate) struct ByteQueue {
    buf: Vec<u8>,
    start: usize,
}

impl ByteQueue {
    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The unread bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// The buffer to append to (e.g. by sealing a record into it).
    pub(crate) fn tail(&mut self) -> &mut Vec<u8> {
        // Reclaim the consumed front before growing, if it is the larger part.
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        &mut self.buf
    }

    pub(crate) fn extend(&mut self, data: &[u8]) {
        self.tail().extend_from_slice(data);
    }

    /// Drops `n` bytes from the front (at most all of them).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.buf.len());
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// Gives the allocation back if the queue is empty (a connection going idle after
    /// the handshake keeps no handshake-sized buffer). Not for the data path: a queue
    /// in steady use should keep its allocation.
    pub(crate) fn release_if_empty(&mut self) {
        if self.is_empty() {
            self.buf = Vec::new();
            self.start = 0;
        }
    }

    /// Takes everything out.
    pub(crate) fn take_all(&mut self) -> Vec<u8> {
        let out = self.as_slice().to_vec();
        self.consume(out.len());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_order_and_reuses_space() {
        let mut q = ByteQueue::default();
        q.extend(b"hello ");
        q.extend(b"world");
        q.consume(4);
        q.extend(b"!");
        assert_eq!(q.as_slice(), b"o world!");
        q.consume(100);
        assert!(q.is_empty());
        let cap = q.buf.capacity();
        q.extend(b"again");
        assert_eq!(
            q.buf.capacity(),
            cap,
            "a drained queue keeps its allocation"
        );
    }
}
