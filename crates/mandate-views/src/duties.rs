//! Duties and their periods: what a task owes, period by period, and which tasks can owe
//! anything in a span of time.
//!
//! A watchdog look must cost what came due since the last one, not what the ledger holds, so
//! the read models index duties by when they can come due: `tasks_by_deadline` by a single
//! deadline's due time, `tasks_recurring` by the last day a recurring duty can come due (its
//! `ends_on`, or the day after it was completed or ended, or [`OPEN_ENDED`] while it runs),
//! and reports and misses are keyed by period day, so one span's periods are range reads.

use std::collections::{BTreeMap, BTreeSet};

use mandate_model::event::Obligation;
use mandate_model::ids::{EventId, StreamId};
use mandate_model::time::{LocalDate, Timestamp, parse_offset};

use crate::project::decode;
use crate::query::{Period, Reader, Recorded, Standing};
use crate::rows::*;
use crate::*;

const MAX: &str = "\u{10ffff}";

/// The `tasks_recurring` key of a duty that has no last day yet. Sorts after every day.
pub(crate) const OPEN_ENDED: &str = "~";

/// The last day (as `tasks_recurring` keys it) on which a recurring duty can come due: an
/// upper bound, never earlier than the true one (periods are judged exactly elsewhere).
pub(crate) fn last_day_key(ends_on: Option<LocalDate>, closed_at: Option<Timestamp>) -> String {
    // A day after the close in UTC is after it in every offset's local calendar too.
    let closed =
        closed_at.map(|c| c.plus_seconds_or_same(2 * 86_400).date_at(time::UtcOffset::UTC));
    match (ends_on, closed) {
        (Some(e), Some(c)) => e.min(c).to_string(),
        (Some(e), None) => e.to_string(),
        (None, Some(c)) => c.to_string(),
        (None, None) => OPEN_ENDED.to_owned(),
    }
}

impl Reader {
    /// The reports filed for `task`, for every period or (with `days`) for the periods from
    /// the first day to the second.
    pub(crate) fn reports_of(&self, task: &StreamId) -> Result<Vec<ReportRow>, ViewsError> {
        self.reports_in(task, None)
    }

    fn reports_in(
        &self,
        task: &StreamId,
        days: Option<(&str, &str)>,
    ) -> Result<Vec<ReportRow>, ViewsError> {
        let table = self.txn.open_table(REPORTS)?;
        let t = task.as_str();
        let (first, last) = days.unwrap_or(("", MAX));
        let mut out = Vec::new();
        for entry in table.range((t, first, 0u64)..=(t, last, u64::MAX))? {
            let (key, value) = entry?;
            let key = key.value();
            if let Some(stored) =
                self.version::<(&str, &str, u64)>("reports", &key, value.value())?
            {
                out.push(decode("reports", &stored)?);
            }
        }
        Ok(out)
    }

    /// The reports of `task` made (by `occurred_at`) from `from` to `to`, in the order of
    /// [`Reader::reports_of`] (by period, then position). Reads only that span's reports.
    pub(crate) fn reports_made_between(
        &self,
        task: &StreamId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ReportRow>, ViewsError> {
        let by_time = self.txn.open_table(REPORTS_BY_TIME)?;
        let reports = self.txn.open_table(REPORTS)?;
        let t = task.as_str();
        let mut out: Vec<ReportRow> = Vec::new();
        let range = (t, from.unix_seconds(), "", 0u64)..=(t, to.unix_seconds(), MAX, u64::MAX);
        for entry in by_time.range(range)? {
            let (key, written) = entry?;
            if !self.holds(written.value()) {
                continue;
            }
            let (_, _, period, position) = key.value();
            let Some(value) = reports.get((t, period, position))? else { continue };
            if let Some(stored) =
                self.version::<(&str, &str, u64)>("reports", &(t, period, position), value.value())?
            {
                out.push(decode("reports", &stored)?);
            }
        }
        out.sort_by(|a, b| {
            (crate::project::period_key(a.period), a.position)
                .cmp(&(crate::project::period_key(b.period), b.position))
        });
        Ok(out)
    }

    /// The misses recorded for `task`, by period.
    pub(crate) fn misses_of(
        &self,
        task: &StreamId,
    ) -> Result<BTreeMap<Option<LocalDate>, MissRow>, ViewsError> {
        self.misses_in(task, None)
    }

    fn misses_in(
        &self,
        task: &StreamId,
        days: Option<(&str, &str)>,
    ) -> Result<BTreeMap<Option<LocalDate>, MissRow>, ViewsError> {
        let table = self.txn.open_table(MISSES)?;
        let t = task.as_str();
        let mut out = BTreeMap::new();
        let mut take = |key: (&str, &str), value: &[u8]| -> Result<(), ViewsError> {
            if let Some(stored) = self.version::<(&str, &str)>("misses", &key, value)? {
                let row: MissRow = decode("misses", &stored)?;
                out.insert(row.period, row);
            }
            Ok(())
        };
        match days {
            None => {
                for entry in table.range((t, "")..=(t, MAX))? {
                    let (key, value) = entry?;
                    take(key.value(), value.value())?;
                }
            }
            Some((first, last)) => {
                // The deadline's miss (period "") and the days of the span.
                if let Some(value) = table.get((t, ""))? {
                    take((t, ""), value.value())?;
                }
                for entry in table.range((t, first)..=(t, last))? {
                    let (key, value) = entry?;
                    take(key.value(), value.value())?;
                }
            }
        }
        Ok(out)
    }

    /// Every period of `task` due at or before `now`, with how it stands at `now`.
    pub fn periods(&self, task: &TaskRow, now: Timestamp) -> Result<Vec<Period>, ViewsError> {
        self.periods_between(task, None, now)
    }

    /// The periods of `task` due from `from` (from its start with `None`) to `now`, with how
    /// they stand at `now`. Reads only that span's reports and misses.
    pub fn periods_between(
        &self,
        task: &TaskRow,
        from: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Vec<Period>, ViewsError> {
        let judge = |period: Option<LocalDate>,
                     due_at: Timestamp,
                     first: Option<(EventId, Timestamp)>,
                     misses: &BTreeMap<Option<LocalDate>, MissRow>| {
            let standing = match first {
                Some((_, at)) if at <= due_at => Standing::OnTime,
                Some(_) => Standing::Late,
                None => Standing::Missing,
            };
            Period {
                task: task.stream.clone(),
                period,
                due_at,
                standing,
                report: first.map(|(event, recorded_at)| Recorded { event, recorded_at }),
                miss: misses
                    .get(&period)
                    .filter(|m| m.recorded_at <= now)
                    .map(|m| Recorded { event: m.event, recorded_at: m.recorded_at }),
            }
        };
        let mut out = Vec::new();
        match &task.obligation {
            Obligation::Deadline { due_at, .. } => {
                let ended_before = task.ended_at.is_some_and(|e| e < *due_at);
                let in_span = from.is_none_or(|from| *due_at >= from);
                if *due_at <= now && !ended_before && in_span {
                    // Any report, or the completion, meets a single deadline.
                    let reports = self.reports_of(&task.stream)?;
                    let mut first = reports
                        .iter()
                        .filter(|r| r.recorded_at <= now)
                        .map(|r| (r.event, r.recorded_at))
                        .min_by_key(|r| r.1);
                    if let Some(done) = task.completed_at.filter(|at| *at <= now) {
                        let completion = task.events.last().copied().unwrap_or(task.events[0]);
                        if first.is_none_or(|f| done < f.1) {
                            first = Some((completion, done));
                        }
                    }
                    let misses = self.misses_in(&task.stream, Some(("", "")))?;
                    out.push(judge(None, *due_at, first, &misses));
                }
            }
            Obligation::Recurring {
                due_time,
                utc_offset,
                starts_on,
                ends_on,
                reported: true,
                ..
            } => {
                let offset = parse_offset(utc_offset).unwrap_or(self.offset);
                // The first day that can be due at or after `from` (a day early is harmless:
                // the loop below skips what is due before `from`).
                let mut day = match from {
                    Some(from) => {
                        (*starts_on).max(from.plus_seconds_or_same(-86_400).date_at(offset))
                    }
                    None => *starts_on,
                };
                let last = now.plus_seconds_or_same(86_400).date_at(offset);
                let (first_key, last_key) = (day.to_string(), last.to_string());
                let span = from.map(|_| (first_key.as_str(), last_key.as_str()));
                let mut by_period: BTreeMap<LocalDate, (EventId, Timestamp)> = BTreeMap::new();
                for r in self.reports_in(&task.stream, span)? {
                    if r.recorded_at > now {
                        continue;
                    }
                    if let Some(p) = r.period {
                        let slot = by_period.entry(p).or_insert((r.event, r.recorded_at));
                        if r.recorded_at < slot.1 {
                            *slot = (r.event, r.recorded_at);
                        }
                    }
                }
                let misses = self.misses_in(&task.stream, span)?;
                loop {
                    if ends_on.is_some_and(|end| day > end) {
                        break;
                    }
                    let due_at = Timestamp::from_parts(day, due_time.time(), offset);
                    if due_at > now
                        || task.completed_at.is_some_and(|c| c < due_at)
                        || task.ended_at.is_some_and(|e| e < due_at)
                    {
                        break;
                    }
                    if from.is_none_or(|from| due_at >= from) {
                        out.push(judge(Some(day), due_at, by_period.get(&day).copied(), &misses));
                    }
                    match day.next() {
                        Some(next) => day = next,
                        None => break,
                    }
                }
            }
            Obligation::Recurring { reported: false, .. } | Obligation::Standing => {}
        }
        Ok(out)
    }

    /// The tasks that can have a period due from `from` to `now`: single deadlines due in
    /// that span, and recurring duties whose last day is not before it. Costs what the span
    /// holds, not what the ledger holds (at the head; as of a past position it reads every
    /// task).
    pub fn duties_due_between(
        &self,
        from: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<TaskRow>, ViewsError> {
        if from > now {
            return Ok(Vec::new());
        }
        if self.at.is_some() {
            // As of a past position a duty may have sat under another last day (re-keyed when
            // it was completed or ended later), which only `history` holds: read every task,
            // as the head's answer did before the index.
            return self.tasks();
        }
        let mut streams = BTreeSet::new();
        let deadlines = self.txn.open_table(TASKS_BY_DEADLINE)?;
        let range = (from.unix_seconds(), "")..=(now.unix_seconds(), MAX);
        for entry in deadlines.range(range)? {
            let (key, written) = entry?;
            if self.holds(written.value()) {
                streams.insert(key.value().1.to_owned());
            }
        }
        let recurring = self.txn.open_table(TASKS_RECURRING)?;
        // Two days early: a day's local date differs from UTC's by less than one.
        let first =
            from.plus_seconds_or_same(-2 * 86_400).date_at(time::UtcOffset::UTC).to_string();
        for entry in recurring.range((first.as_str(), "")..=(OPEN_ENDED, MAX))? {
            let (key, written) = entry?;
            if self.holds(written.value()) {
                streams.insert(key.value().1.to_owned());
            }
        }
        let mut out = Vec::with_capacity(streams.len());
        for stream in streams {
            if let Some(row) = self.row::<TaskRow>(TASKS, &stream)? {
                out.push(row);
            }
        }
        Ok(out)
    }
}
