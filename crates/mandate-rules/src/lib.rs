//! The gate's rules, as pure functions over a state folded from accepted events.
//!
//! # Brief overview
//! - [`state::LedgerState`] is the registry (offices, positions, delegations, people, keys),
//!   the stream heads, and the documents, tasks and citable events that later events refer to.
//!   [`state::LedgerState::apply`] folds one accepted event in.
//! - [`check::check_signature`] verifies an event's signatures strictly against the keys the
//!   state knows; it only reads the state, so a gate runs it on many events in parallel.
//! - [`check::check_rules`] applies every other rule, in log order; each failing rule has its
//!   own [`check::Rejection`] variant.
//! - [`ladder::Ladders`] is the dated sanction-ladder data the rules judge sanctions by.
//! - [`Rules`] bundles these for one event at a time.
//!
//! This crate does no I/O.

#![forbid(unsafe_code)]

pub mod backing;
pub mod check;
pub mod ladder;
mod signatures;
pub mod state;

use mandate_model::body::decode_body;
use mandate_model::event::EventBody;
use mandate_model::ids::EventId;
use mandate_model::sign::BodySignature;
use mandate_model::time::Timestamp;

pub use check::Rejection;

/// An event that passed every check, ready to be logged.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub body: EventBody,
    pub id: EventId,
    /// The keys that signed it, by key id.
    pub signers: check::Signers,
}

/// The state and the dated data the rules need.
#[derive(Debug, Clone)]
pub struct Rules {
    pub state: state::LedgerState,
    pub ladders: ladder::Ladders,
}

impl Default for Rules {
    fn default() -> Self {
        Self { state: state::LedgerState::default(), ladders: ladder::Ladders::shipped() }
    }
}

impl Rules {
    /// Decodes and checks one event, without changing anything.
    pub fn check(
        &self,
        body_bytes: &[u8],
        signatures: &[BodySignature],
        recorded_at: Timestamp,
    ) -> Result<Accepted, Rejection> {
        let body = decode_body(body_bytes)?;
        let signers = check::check_signature(&self.state, body_bytes, &body, signatures)?;
        check::check_rules(&self.state, &self.ladders, &body, &signers, recorded_at)?;
        Ok(Accepted { id: EventId::of_body(body_bytes), body, signers })
    }

    /// Folds an accepted event into the state.
    pub fn apply(&mut self, accepted: &Accepted) {
        self.state.apply(&accepted.body, accepted.id);
    }
}
