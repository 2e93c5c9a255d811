//! The ledger's runtime: the one place where a ledger is assembled — its log (embedded or
//! JetStream), the gate, the read models, the notary and the watchdog — for every interface
//! (the `mandate` command, the HTTP API) to call. Neither interface re-implements a step.
//!
//! - [`ledger::Ledger`]: where a ledger is, and opening its log and gate.
//! - [`ask`]: asking a question now or as of a point, with the events behind the answer
//!   checked against the log.
//! - [`submit`]: envelopes in, outcomes out (receipt, already in the log, or the gate's rule).
//! - [`runtime::Runtime`]: the long-running process `mandate serve` is.

pub mod ask;
pub mod backend;
pub mod import;
pub mod keys;
pub mod ledger;
pub mod pending;
pub mod proofs;
pub mod records;
pub mod runtime;
pub mod submit;

pub use ledger::{Access, Ledger};
