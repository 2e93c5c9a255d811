//! The deadline watchdog: turns passing time into signed facts.
//!
//! When a task's deadline, or one day's period of a reported daily duty, has passed and the
//! gate recorded no report for it by its due time, the watchdog appends `deadline.missed`
//! through the gate, signed by a registered system key (a person holding the `system` role in
//! the administration office, signing in the `system` capacity).
//!
//! Each miss is its own stream, `miss:TASK_KEY:PERIOD` (PERIOD is the day, or `deadline`), at
//! version 1, and its body depends only on the task and the period (`occurred_at` is the due
//! time), so its bytes and its id are the same whenever and however often the watchdog looks:
//! a restart, a second watchdog or a replay submits the same event, and the gate answers with
//! the original receipt instead of appending it again.

use ed25519_dalek::SigningKey;
use mandate_ledger::backend::LogBackend;
use mandate_ledger::gate::{Gate, Submission, SubmitError};
use mandate_ledger::record::SignedReceipt;
use mandate_model::event::{Actor, Capacity, EventBody, EventData};
use mandate_model::ids::{OfficeId, PersonId, StreamId, StreamKind};
use mandate_model::time::Timestamp;

use crate::query::Standing;
use crate::{Commit, Views, ViewsError};

/// A miss the watchdog owes the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedMiss {
    pub body: EventBody,
    pub bytes: Vec<u8>,
}

/// Why a watchdog round failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchdogError {
    #[error(transparent)]
    Views(#[from] ViewsError),
    #[error("the miss for {stream} could not be encoded: {reason}")]
    Encode { stream: String, reason: String },
    #[error("the gate refused the miss for {stream}")]
    Refused {
        stream: String,
        #[source]
        source: SubmitError,
    },
}

/// The watchdog's identity: who signs, for which ledger.
pub struct Watchdog {
    ledger: String,
    actor: Actor,
    key: SigningKey,
}

impl Watchdog {
    /// A watchdog signing as `person` in the administration office `admin_office`.
    pub fn new(ledger: &str, person: PersonId, admin_office: OfficeId, key: SigningKey) -> Self {
        let actor = Actor { person, office: admin_office, capacity: Capacity::System, title: None };
        Self { ledger: ledger.to_owned(), actor, key }
    }

    /// The misses owed at `now` according to `views` (which must hold the whole log): every
    /// period due before `now` with no report recorded by its due time and no miss recorded.
    pub fn owed(&self, views: &Views, now: Timestamp) -> Result<Vec<OwedMiss>, WatchdogError> {
        let reader = views.reader()?;
        let mut owed = Vec::new();
        for task in reader.tasks()? {
            for period in reader.periods(&task, now)? {
                if period.due_at >= now
                    || period.standing == Standing::OnTime
                    || period.miss.is_some()
                {
                    continue;
                }
                let label = period.period.map_or_else(|| "deadline".to_owned(), |d| d.to_string());
                let stream_key = format!("{}:{label}", task.stream.key());
                let encode_error = |reason: String| WatchdogError::Encode {
                    stream: format!("miss:{stream_key}"),
                    reason,
                };
                let stream = StreamId::new(StreamKind::Miss, &stream_key)
                    .map_err(|e| encode_error(e.to_string()))?;
                let body = EventBody {
                    ledger: self.ledger.clone(),
                    stream,
                    version: 1,
                    prev: None,
                    occurred_at: period.due_at,
                    actor: self.actor.clone(),
                    data: EventData::DeadlineMissed {
                        task: task.stream.clone(),
                        due_at: period.due_at,
                        period: period.period,
                    },
                };
                let bytes = body.to_bytes().map_err(|e| encode_error(e.to_string()))?;
                owed.push(OwedMiss { body, bytes });
            }
        }
        Ok(owed)
    }

    /// One round: projects the log into `views`, submits every miss owed at the gate's
    /// current time, and projects again. Returns the receipts of the misses submitted (a miss
    /// already in the log gets its original receipt).
    pub fn tick<L: LogBackend>(
        &self,
        gate: &mut Gate<L>,
        views: &Views,
    ) -> Result<Vec<SignedReceipt>, WatchdogError> {
        views.catch_up(gate.log(), None, 4_096, Commit::Durable, |_| true)?;
        let now = gate.clock().now();
        let owed = self.owed(views, now)?;
        if owed.is_empty() {
            return Ok(Vec::new());
        }
        let streams: Vec<String> = owed.iter().map(|o| o.body.stream.to_string()).collect();
        let submissions: Vec<Submission> =
            owed.into_iter().map(|o| Submission::sign(o.bytes, &self.key)).collect();
        let mut receipts = Vec::new();
        for (result, stream) in gate.submit_batch(submissions).into_iter().zip(streams) {
            match result {
                Ok(receipt) => receipts.push(receipt),
                Err(source) => return Err(WatchdogError::Refused { stream, source }),
            }
        }
        views.catch_up(gate.log(), None, 4_096, Commit::Durable, |_| true)?;
        Ok(receipts)
    }
}
