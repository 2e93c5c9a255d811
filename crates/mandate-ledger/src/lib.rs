//! The gate as the log's one writer, and whole-log verification, over any [`backend::LogBackend`].
//!
//! # Brief overview
//! - [`gate::Gate`] takes [`gate::Submission`]s (body bytes and signatures), judges them with
//!   `mandate-rules`, and appends the accepted ones with a signed receipt each
//!   ([`record::SignedReceipt`]). Batches verify in parallel and commit once.
//! - [`backend::LogBackend`] is what a log offers: durable atomic appends at dense positions,
//!   reads by position, by id and by stream.
//! - [`verify::verify_log`] re-checks a whole log and reports every finding with its position.
//! - [`clock`] holds the injected clocks: the wall clock and a simulated one.
//!
//! This crate does no I/O itself; backends do.

#![forbid(unsafe_code)]

pub mod backend;
pub mod clock;
pub mod gate;
pub mod migrate;
pub mod record;
mod signatures;
pub mod verify;

/// An error and its causes, joined by ": ", for messages and reports.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
