//! The peer misbehaves: hostile or broken peers against our client and our server,
//! each failure pinned as its exact error, the alert on the wire and the peer's view;
//! the state matrix; what the RFCs allow that a strict implementation must still
//! accept; and no panic whatever the peer sends. One test binary; each module was its
//! own file before.

#[path = "../common/mod.rs"]
mod common;

mod adversarial;
mod field;
mod no_panic;
mod review_core;
mod state_matrix;
mod tls12_negative;
mod tls13_negative;
