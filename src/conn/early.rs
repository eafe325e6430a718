//! Where 0-RTT early data stands (RFC 8446 2.3, 4.2.10): the status the API reports,
//! and the byte budgets that bound it. The handshake states move it from one status
//! to the next; the record layer spends and checks the budgets.

use crate::error::{Error, PeerMisbehaved};

/// Where 0-RTT early data stands (RFC 8446 2.3, 4.2.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EarlyDataStatus {
    /// No early data was offered (or, on a server, accepted).
    NotOffered,
    /// The client offered early data and may still write it; the server has not
    /// answered yet.
    Offered,
    /// The server accepted the early data.
    Accepted,
    /// The server rejected the early data: it was not delivered, and the application
    /// may send it again as ordinary data.
    Rejected,
}

/// A connection's early data: its status and what is left of each budget.
#[derive(Debug)]
pub(crate) struct EarlyData {
    status: EarlyDataStatus,
    /// Client: bytes we may still send (until the server answers).
    to_send: Option<usize>,
    /// Server: accepted bytes we still take. Only this makes application data legal
    /// before the handshake completes.
    to_accept: Option<usize>,
    /// Server: rejected early data still to skip, in bytes.
    to_skip: Option<usize>,
    /// Server: how much early data was received.
    received: usize,
}

impl EarlyData {
    pub(crate) fn new() -> Self {
        Self {
            status: EarlyDataStatus::NotOffered,
            to_send: None,
            to_accept: None,
            to_skip: None,
            received: 0,
        }
    }

    pub(crate) fn status(&self) -> EarlyDataStatus {
        self.status
    }

    /// Server: how many bytes of early data were received.
    pub(crate) fn received(&self) -> usize {
        self.received
    }

    /// Client: we offer up to `budget` bytes (the ticket's max_early_data_size).
    pub(crate) fn offer(&mut self, budget: usize) {
        self.status = EarlyDataStatus::Offered;
        self.to_send = Some(budget);
    }

    /// Client: up to how many of `wanted` bytes may be written now, taken from the
    /// budget.
    pub(crate) fn take_send_budget(&mut self, wanted: usize) -> Result<usize, Error> {
        match (self.status, self.to_send) {
            (EarlyDataStatus::Offered, Some(budget)) => {
                let n = wanted.min(budget);
                self.to_send = Some(budget - n);
                Ok(n)
            }
            _ => Err(Error::ApiMisuse(
                "early data can be written only while it is offered",
            )),
        }
    }

    /// Client: the server answered (RFC 8446 4.2.10); no more early data is written.
    /// A retry or a TLS 1.2 answer rejects it.
    pub(crate) fn settle(&mut self, accepted: bool) {
        if self.status == EarlyDataStatus::Offered {
            self.to_send = None;
            self.status = match accepted {
                true => EarlyDataStatus::Accepted,
                false => EarlyDataStatus::Rejected,
            };
        }
    }

    /// Server: the client's early data is accepted, up to `max` bytes.
    pub(crate) fn accept(&mut self, max: usize) {
        self.status = EarlyDataStatus::Accepted;
        self.to_accept = Some(max);
    }

    /// Server: the client's EndOfEarlyData came (RFC 8446 4.5): no more 0-RTT data.
    pub(crate) fn end(&mut self) {
        self.to_accept = None;
    }

    /// Server: how much accepted 0-RTT data may still come, while it may.
    pub(crate) fn accepting(&self) -> Option<usize> {
        self.to_accept
    }

    /// Server: `len` bytes of accepted 0-RTT data arrived; over the budget is
    /// unexpected_message (RFC 8446 4.2.10).
    pub(crate) fn receive(&mut self, len: usize) -> Result<(), Error> {
        let budget = self.to_accept.unwrap_or_default();
        if len > budget {
            return Err(PeerMisbehaved::TooMuchEarlyData.into());
        }
        self.to_accept = Some(budget - len);
        self.received += len;
        Ok(())
    }

    /// Server: rejected 0-RTT records fail to decrypt and are skipped, up to
    /// `budget` bytes (RFC 8446 4.2.10); `None` ends the skipping.
    pub(crate) fn skip_rejected(&mut self, budget: Option<usize>) {
        self.to_skip = budget;
    }

    /// Server: a record of `len` bytes that failed to decrypt may be rejected early
    /// data: true if it fits in what is left to skip.
    pub(crate) fn skip(&mut self, len: usize) -> bool {
        match self.to_skip {
            Some(budget) if len <= budget => {
                self.to_skip = Some(budget - len);
                true
            }
            _ => false,
        }
    }
}
