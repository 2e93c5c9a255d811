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

use std::collections::BTreeSet;

use crate::query::{Period, Standing};
use crate::rows::TaskRow;
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
                owed.push(self.miss(&task, &period)?);
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
    ///
    /// A look reads only what can have come due since the last one: the [`Cursor`] it leaves
    /// in the read models says up to when every period was judged and up to which position
    /// tasks were seen, so the next look reads the duties that can owe after that time (the
    /// `duties` index) and, whole, the tasks assigned since (which may be backdated). Without a
    /// cursor (a new or rebuilt file) or with `look.rescan`, it reads every duty once.
    pub fn look<L: LogBackend>(
        &self,
        gate: &mut Gate<L>,
        views: &Views,
        look: Look,
    ) -> Result<LookReport, WatchdogError> {
        views.catch_up(gate.log(), None, 4_096, Commit::Durable, |_| true)?;
        let now = gate.clock().now();
        let cursor = if look.rescan { None } else { views.watchdog_cursor()? };
        let position = views.position()?;
        let mut report = LookReport { now: Some(now), since: look.since, ..LookReport::default() };
        let reader = views.reader()?;
        let mut candidates = Vec::new();
        match &cursor {
            None => {
                for task in reader.tasks()? {
                    candidates.push((task, None));
                }
            }
            Some(cursor) => {
                let new = new_tasks(gate.log(), cursor.position, position)?;
                for task in reader.duties_due_between(cursor.judged_before, now)? {
                    if !new.contains(task.stream.as_str()) {
                        candidates.push((task, Some(cursor.judged_before)));
                    }
                }
                for stream in &new {
                    let stream: StreamId =
                        stream.parse().map_err(|e: mandate_model::ids::IdError| {
                            WatchdogError::Encode { stream: stream.clone(), reason: e.to_string() }
                        })?;
                    if let Some(task) = reader.task(&stream)? {
                        candidates.push((task, None));
                    }
                }
            }
        }
        for (task, from) in &candidates {
            report.examined.tasks += 1;
            for period in reader.periods_between(task, *from, now)? {
                report.examined.periods += 1;
                if period.due_at >= now
                    || period.standing == Standing::OnTime
                    || period.miss.is_some()
                {
                    continue;
                }
                let miss = self.miss(task, &period)?;
                if look.since.is_some_and(|since| period.due_at < since) {
                    report.held_back.push(miss);
                } else {
                    report.owed.push(miss);
                }
            }
        }
        drop(reader);
        report.owed.sort_by(|a, b| {
            (a.body.occurred_at, &a.body.stream).cmp(&(b.body.occurred_at, &b.body.stream))
        });
        report.held_back.sort_by(|a, b| {
            (a.body.occurred_at, &a.body.stream).cmp(&(b.body.occurred_at, &b.body.stream))
        });
        let mut tally = cursor.map(|c| c.held_back).unwrap_or_default();
        for miss in &report.held_back {
            tally.add(miss.body.occurred_at);
        }
        report.held_back_total = tally;
        if look.dry_run {
            return Ok(report);
        }
        if !report.owed.is_empty() {
            report.recorded = self.submit(gate, &report.owed)?;
            views.catch_up(gate.log(), None, 4_096, Commit::Durable, |_| true)?;
        }
        views.set_watchdog_cursor(&Cursor {
            judged_before: now,
            position: views.position()?,
            held_back: report.held_back_total,
        })?;
        Ok(report)
    }

    /// The `deadline.missed` event for one period of `task`.
    fn miss(&self, task: &TaskRow, period: &Period) -> Result<OwedMiss, WatchdogError> {
        let label = period.period.map_or_else(|| "deadline".to_owned(), |d| d.to_string());
        let stream_key = format!("{}:{label}", task.stream.key());
        let encode_error =
            |reason: String| WatchdogError::Encode { stream: format!("miss:{stream_key}"), reason };
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
        Ok(OwedMiss { body, bytes })
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
    /// current time (however old), and projects again. Returns the receipts of the misses
    /// submitted (a miss already in the log gets its original receipt).
    pub fn tick<L: LogBackend>(
        &self,
        gate: &mut Gate<L>,
        views: &Views,
    ) -> Result<Vec<SignedReceipt>, WatchdogError> {
        Ok(self.look(gate, views, Look::default())?.recorded)
    }
}

/// The tasks assigned at positions after `after`, up to `head`.
fn new_tasks<L: LogBackend>(
    log: &L,
    after: u64,
    head: u64,
) -> Result<BTreeSet<String>, WatchdogError> {
    let mut out = BTreeSet::new();
    let mut at = after;
    while at < head {
        let events = log
            .read_from(at + 1, 4_096.min((head - at) as usize))
            .map_err(|e| WatchdogError::Views(ViewsError::Log(Box::new(e))))?;
        let Some(last) = events.last() else { break };
        at = last.position;
        for event in &events {
            let body = mandate_model::body::decode_logged_body(&event.body).map_err(|e| {
                WatchdogError::Encode {
                    stream: format!("position {}", event.position),
                    reason: e.to_string(),
                }
            })?;
            if matches!(body.data, EventData::TaskAssigned { .. }) {
                out.insert(body.stream.to_string());
            }
        }
    }
    Ok(out)
}

/// Up to when a watchdog's looks have judged the log, kept in the read models between looks
/// (and restarts). Every period due before `judged_before` is met, recorded as missed, or
/// counted in `held_back`; every task assigned up to `position` was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    pub judged_before: Timestamp,
    pub position: u64,
    pub held_back: HeldBack,
}

/// Periods owed but held back (due before a look's window), not recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldBack {
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl HeldBack {
    fn add(&mut self, due: Timestamp) {
        self.count += 1;
        self.first = Some(self.first.map_or(due, |f| f.min(due)));
        self.last = Some(self.last.map_or(due, |l| l.max(due)));
    }
}

/// What a look read: a measure of its cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Examined {
    pub tasks: u64,
    pub periods: u64,
}

/// How one guarded look ([`Watchdog::look`]) behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Look {
    /// Record only periods due at or after this; older ones are held back.
    pub since: Option<Timestamp>,
    /// Find what is owed, record nothing.
    pub dry_run: bool,
    /// Ignore the cursor and read every duty (a backfill; the held-back count is then
    /// recounted).
    pub rescan: bool,
}

/// What one guarded look found and did.
#[derive(Debug, Default)]
pub struct LookReport {
    /// The gate's clock at the look.
    pub now: Option<Timestamp>,
    pub since: Option<Timestamp>,
    /// The misses owed within the window, in due order per task.
    pub owed: Vec<OwedMiss>,
    /// Owed misses due before the window that this look found, not recorded.
    pub held_back: Vec<OwedMiss>,
    /// Every period held back so far (this look's and earlier looks' since the last rescan).
    pub held_back_total: HeldBack,
    /// What the look read.
    pub examined: Examined,
    /// The receipts of what was recorded (empty on a dry run).
    pub recorded: Vec<SignedReceipt>,
}
