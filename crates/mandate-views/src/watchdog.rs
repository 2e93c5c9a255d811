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
        self.owed_since(views, now, None)
    }

    /// [`Watchdog::owed`], only for periods due at or after `since` (all with `None`).
    pub fn owed_since(
        &self,
        views: &Views,
        now: Timestamp,
        since: Option<Timestamp>,
    ) -> Result<Vec<OwedMiss>, WatchdogError> {
        let reader = views.reader()?;
        let mut owed = Vec::new();
        for task in reader.tasks()? {
            for period in reader.periods(&task, now)? {
                if period.due_at >= now
                    || since.is_some_and(|since| period.due_at < since)
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

    /// One guarded look (what `mandate watchdog` and `mandate serve` run): projects the log,
    /// finds the misses owed at the gate's current time, and records those due at or after
    /// `look.since`; older ones are held back and counted, never recorded without an explicit
    /// backfill (a miss is a permanent fact, so a watchdog that was down, or a ledger whose
    /// duties have no end, must not silently write years of them). With `look.dry_run` nothing
    /// is submitted.
    pub fn look<L: LogBackend>(
        &self,
        gate: &mut Gate<L>,
        views: &Views,
        look: Look,
    ) -> Result<LookReport, WatchdogError> {
        views.catch_up(gate.log(), None, 4_096, Commit::Durable, |_| true)?;
        let now = gate.clock().now();
        let mut report = LookReport { now: Some(now), since: look.since, ..LookReport::default() };
        for miss in self.owed(views, now)? {
            let due = miss.body.occurred_at;
            if look.since.is_some_and(|since| due < since) {
                report.held_back.push(miss);
            } else {
                report.owed.push(miss);
            }
        }
        if look.dry_run || report.owed.is_empty() {
            return Ok(report);
        }
        report.recorded = self.submit(gate, &report.owed)?;
        views.catch_up(gate.log(), None, 4_096, Commit::Durable, |_| true)?;
        Ok(report)
    }

    fn submit<L: LogBackend>(
        &self,
        gate: &mut Gate<L>,
        owed: &[OwedMiss],
    ) -> Result<Vec<SignedReceipt>, WatchdogError> {
        let submissions: Vec<Submission> =
            owed.iter().map(|o| Submission::sign(o.bytes.clone(), &self.key)).collect();
        let mut receipts = Vec::new();
        for (result, miss) in gate.submit_batch(submissions).into_iter().zip(owed) {
            match result {
                Ok(receipt) => receipts.push(receipt),
                Err(source) => {
                    return Err(WatchdogError::Refused {
                        stream: miss.body.stream.to_string(),
                        source,
                    });
                }
            }
        }
        Ok(receipts)
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
        let receipts = self.submit(gate, &owed)?;
        views.catch_up(gate.log(), None, 4_096, Commit::Durable, |_| true)?;
        Ok(receipts)
    }
}

/// How one guarded look ([`Watchdog::look`]) behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Look {
    /// Record only periods due at or after this; older ones are held back.
    pub since: Option<Timestamp>,
    /// Find what is owed, record nothing.
    pub dry_run: bool,
}

/// What one guarded look found and did.
#[derive(Debug, Default)]
pub struct LookReport {
    /// The gate's clock at the look.
    pub now: Option<Timestamp>,
    pub since: Option<Timestamp>,
    /// The misses owed within the window, in due order per task.
    pub owed: Vec<OwedMiss>,
    /// Owed misses due before the window, not recorded.
    pub held_back: Vec<OwedMiss>,
    /// The receipts of what was recorded (empty on a dry run).
    pub recorded: Vec<SignedReceipt>,
}
