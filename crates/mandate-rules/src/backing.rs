//! Where the gate's state finds what it did not fold in at start: the heads of streams and the
//! reports, looked up in the log's own indexes (schemas/SPEC.md §6: the state is the fold of
//! every earlier event; which of its parts are kept in memory is the implementation's).
//!
//! A gate over a log that indexes them folds only the events that change the registry
//! (`mandate_ledger::backend::changes_registry`) when it opens, so opening costs what the
//! registry costs, not what the log's age costs; a stream's head or a report's task is read
//! from the log the first time a judgement needs it, and remembered until the next commit
//! makes the log hold it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use mandate_model::event::EventBody;
use mandate_model::ids::{EventId, StreamId};

/// A stream's head as the log holds it, with its first event's body (which fixes its subject).
#[derive(Debug, Clone)]
pub struct BackedHead {
    pub version: u64,
    pub last: EventId,
    pub last_position: u64,
    pub first: EventBody,
}

/// Look-ups into the log. Errors are the log's, as text: the gate judges nothing on a state it
/// could not read.
pub trait Backing: Send + Sync {
    /// The head of `stream`, if the log holds any event of it.
    fn head(&self, stream: &StreamId) -> Result<Option<BackedHead>, String>;
    /// The task stream of the `report.filed` with id `id`, if the log holds one.
    fn report_task(&self, id: &EventId) -> Result<Option<StreamId>, String>;
}

/// A state's backing and what it has looked up since the last commit.
#[derive(Default)]
pub(crate) struct Lazy {
    pub(crate) backing: Option<Arc<dyn Backing>>,
    pub(crate) heads: Mutex<BTreeMap<StreamId, Option<crate::state::StreamHead>>>,
    pub(crate) reports: Mutex<BTreeMap<EventId, Option<StreamId>>>,
    pub(crate) error: Mutex<Option<String>>,
}

impl Clone for Lazy {
    fn clone(&self) -> Self {
        // Look-ups are caches: a clone starts without them.
        Self { backing: self.backing.clone(), ..Self::default() }
    }
}

impl std::fmt::Debug for Lazy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lazy").field("backed", &self.backing.is_some()).finish()
    }
}

impl Lazy {
    pub(crate) fn failed(&self, message: String) {
        let mut slot = self.error.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(message);
    }
}
