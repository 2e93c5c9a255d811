//! Queries over one consistent snapshot of the read models. Every answer lists the event ids
//! behind it (`events`), so that an inspector can fetch and check each one.
//!
//! Timeliness is judged on the gate's `recorded_at`: a report counts for a period when the
//! gate recorded it by the period's due time. `now` is the moment the answer is given for:
//! periods due after it are not yet owed, reports recorded after it are not yet known.

use std::collections::BTreeSet;

use mandate_model::event::{Assignee, AssigneeRole, Breach, DocumentRef, Obligation, Subject};
use mandate_model::ids::{EventId, OfficeId, PersonId, StreamId};
use mandate_model::time::{Timestamp, parse_offset};
use redb::{ReadTransaction, ReadableTable};

pub use crate::answer::*;

use crate::project::decode;
use crate::rows::*;
use crate::*;

pub(crate) const MAX: &str = "\u{10ffff}";

/// A tenure's key: (office, from, person, role).
type Tenure = (&'static str, i64, &'static str, &'static str);

/// Why a query found nothing to answer about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    #[error("no office {0} is registered")]
    NoOffice(String),
    #[error("no person {0} is registered")]
    NoPerson(String),
    #[error("no document with symbol or stream {0} is in the ledger")]
    NoDocument(String),
    #[error(transparent)]
    Views(#[from] ViewsError),
}

impl From<redb::StorageError> for QueryError {
    fn from(e: redb::StorageError) -> Self {
        Self::Views(e.into())
    }
}
impl From<redb::TableError> for QueryError {
    fn from(e: redb::TableError) -> Self {
        Self::Views(e.into())
    }
}

/// One consistent snapshot of the read models.
pub struct Reader {
    pub(crate) txn: ReadTransaction,
    pub(crate) offset: time::UtcOffset,
    /// The position read as of (`None`: the head); see `history`.
    pub(crate) at: Option<u64>,
}

pub(crate) fn obligation_name(obligation: &Obligation) -> &'static str {
    match obligation {
        Obligation::Deadline { .. } => "deadline",
        Obligation::Recurring { reported: true, .. } => "daily",
        Obligation::Recurring { reported: false, .. } => "daily, no report",
        Obligation::Standing => "standing",
    }
}

impl Reader {
    pub(crate) fn new(txn: ReadTransaction, at: Option<u64>) -> Result<Self, ViewsError> {
        let offset = {
            let text = txn.open_table(TEXT)?;
            text.get("utc_offset")?
                .and_then(|v| parse_offset(v.value()))
                .unwrap_or(time::UtcOffset::UTC)
        };
        Ok(Self { txn, offset, at })
    }

    /// The ledger's offset for human times.
    pub fn offset(&self) -> time::UtcOffset {
        self.offset
    }

    /// The position of the last event the read models hold (as read: no later than the
    /// position a reader as of one reads at).
    pub fn position(&self) -> Result<u64, ViewsError> {
        let meta = self.txn.open_table(META)?;
        let held = meta.get("position")?.map_or(0, |v| v.value());
        Ok(self.at.map_or(held, |at| at.min(held)))
    }

    pub(crate) fn row<T: serde::de::DeserializeOwned>(
        &self,
        table: TableDefinition<'_, &str, &[u8]>,
        key: &str,
    ) -> Result<Option<T>, ViewsError> {
        let name = table.name().to_owned();
        let table = self.txn.open_table(table)?;
        let Some(v) = table.get(key)? else { return Ok(None) };
        match self.version::<&str>(&name, &key, v.value())? {
            Some(stored) => Ok(Some(decode(&name, &stored)?)),
            None => Ok(None),
        }
    }

    /// The office's row.
    pub fn office(&self, office: &OfficeId) -> Result<Option<OfficeRow>, ViewsError> {
        self.row(OFFICES, office.as_str())
    }

    /// Every office, in id order.
    pub fn offices(&self) -> Result<Vec<OfficeRow>, ViewsError> {
        self.all(OFFICES)
    }

    /// Every document in the ledger, in stream order.
    pub fn documents(&self) -> Result<Vec<DocumentRow>, ViewsError> {
        self.all(DOCUMENTS)
    }

    /// Every person, in id order.
    pub fn people(&self) -> Result<Vec<PersonRow>, ViewsError> {
        self.all(PEOPLE)
    }

    /// The person's row.
    pub fn person(&self, person: &PersonId) -> Result<Option<PersonRow>, ViewsError> {
        self.row(PEOPLE, person.as_str())
    }

    fn office_name(&self, office: &OfficeId) -> Result<String, ViewsError> {
        Ok(self.office(office)?.map_or_else(|| office.to_string(), |o| o.name))
    }

    fn person_name(&self, person: &PersonId) -> Result<String, ViewsError> {
        Ok(self.person(person)?.map_or_else(|| person.to_string(), |p| p.full_name))
    }

    /// A task's row.
    pub fn task(&self, task: &StreamId) -> Result<Option<TaskRow>, ViewsError> {
        self.row(TASKS, task.as_str())
    }

    /// Every task, in stream order.
    pub fn tasks(&self) -> Result<Vec<TaskRow>, ViewsError> {
        self.all(TASKS)
    }

    /// The tenures of an office, by start.
    pub fn tenures_of_office(&self, office: &OfficeId) -> Result<Vec<TenureRow>, ViewsError> {
        let table = self.txn.open_table(TENURES)?;
        let o = office.as_str();
        let mut out = Vec::new();
        for entry in table.range((o, i64::MIN, "", "")..=(o, i64::MAX, MAX, MAX))? {
            let (key, value) = entry?;
            if let Some(stored) = self.version::<Tenure>("tenures", &key.value(), value.value())? {
                out.push(decode("tenures", &stored)?);
            }
        }
        Ok(out)
    }

    /// The tenures of a person, by start.
    pub fn tenures_of_person(&self, person: &PersonId) -> Result<Vec<TenureRow>, ViewsError> {
        let by_person = self.txn.open_table(TENURES_BY_PERSON)?;
        let tenures = self.txn.open_table(TENURES)?;
        let p = person.as_str();
        let mut out = Vec::new();
        for entry in by_person.range((p, i64::MIN, "", "")..=(p, i64::MAX, MAX, MAX))? {
            let (key, written) = entry?;
            if !self.holds(written.value()) {
                continue;
            }
            let (_, from, office, role) = key.value();
            let tenure = (office, from, p, role);
            if let Some(v) = tenures.get(tenure)?
                && let Some(stored) = self.version::<Tenure>("tenures", &tenure, v.value())?
            {
                out.push(decode("tenures", &stored)?);
            }
        }
        Ok(out)
    }

    /// Who held a tenure, with the events behind every fact shown: the tenure's, and the
    /// registrations the person's and the office's names come from.
    pub(crate) fn holder(&self, tenure: &TenureRow) -> Result<Holder, ViewsError> {
        let person = self.person(&tenure.person)?;
        let office = self.office(&tenure.office)?;
        let mut events = tenure.events.clone();
        events.extend(person.as_ref().map(|p| p.event));
        events.extend(office.as_ref().map(|o| o.event));
        Ok(Holder {
            person: PersonRef {
                id: tenure.person.clone(),
                name: person.map_or_else(|| tenure.person.to_string(), |p| p.full_name),
            },
            office: OfficeRef {
                id: tenure.office.clone(),
                name: office.map_or_else(|| tenure.office.to_string(), |o| o.name),
            },
            title: tenure.title.clone(),
            role: tenure.role,
            from: tenure.from,
            to: tenure.until,
            events,
        })
    }

    /// The tenure answering for `assignee` at `at`: the head (or acting head) of its office, or
    /// the holder of the position it names (in charge of the named area).
    pub fn answering(
        &self,
        assignee: &Assignee,
        at: Timestamp,
    ) -> Result<Option<TenureRow>, ViewsError> {
        Ok(self
            .tenures_of_office(&assignee.office)?
            .into_iter()
            .filter(|t| t.covers(at) && answers_for(t, assignee))
            // The head before an acting head, if both.
            .min_by_key(|t| t.role))
    }

    /// Question 1: who headed `office` at `at`, since when, until when.
    pub fn head(&self, office: &OfficeId, at: Timestamp) -> Result<HeadAnswer, QueryError> {
        let row = self.office(office)?.ok_or_else(|| QueryError::NoOffice(office.to_string()))?;
        let tenure = self
            .tenures_of_office(office)?
            .into_iter()
            .filter(|t| t.is_head() && t.covers(at))
            .min_by_key(|t| t.role);
        let head = tenure.as_ref().map(|t| self.holder(t)).transpose()?;
        let mut events = vec![row.event];
        if let Some(h) = &head {
            events.extend(h.events.iter().copied());
        }
        events.sort();
        events.dedup();
        Ok(HeadAnswer {
            office: OfficeRef { id: office.clone(), name: row.name },
            at,
            head,
            events,
        })
    }

    /// The document and every document it implements, up to the top.
    pub fn chain_up(&self, document: &StreamId) -> Result<Vec<DocumentLine>, ViewsError> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut next = vec![DocumentRef::Ledger(document.clone())];
        while let Some(reference) = next.pop() {
            match reference {
                DocumentRef::Ledger(stream) => {
                    if !seen.insert(stream.to_string()) {
                        continue;
                    }
                    match self.row::<DocumentRow>(DOCUMENTS, stream.as_str())? {
                        Some(doc) => {
                            out.push(self.document_line(&doc)?);
                            next.extend(doc.implements.iter().rev().cloned());
                        }
                        None => out.push(DocumentLine {
                            title: stream.key().to_owned(),
                            stream: Some(stream),
                            subject: None,
                            issuer: None,
                            issued_on: None,
                            in_ledger: false,
                            assumed: Vec::new(),
                            event: None,
                            revoked: None,
                        }),
                    }
                }
                DocumentRef::External(ext) => out.push(DocumentLine {
                    stream: None,
                    title: ext.symbol.to_string(),
                    subject: None,
                    issuer: Some(Issuer { id: None, name: ext.issuer.clone() }),
                    issued_on: Some(ext.date),
                    in_ledger: false,
                    assumed: Vec::new(),
                    event: None,
                    revoked: None,
                }),
            }
        }
        Ok(out)
    }

    pub(crate) fn document_line(&self, doc: &DocumentRow) -> Result<DocumentLine, ViewsError> {
        Ok(DocumentLine {
            stream: Some(doc.stream.clone()),
            title: doc.title.clone(),
            subject: Some(doc.subject.clone()),
            issuer: Some(Issuer {
                id: Some(doc.issuer.clone()),
                name: self.office_name(&doc.issuer)?,
            }),
            issued_on: Some(doc.issued_on),
            in_ledger: true,
            assumed: doc.assumed.clone(),
            event: doc.events.first().copied(),
            revoked: doc.revoked,
        })
    }

    fn sanction_line(&self, s: &SanctionRow) -> Result<SanctionLine, ViewsError> {
        Ok(SanctionLine {
            event: s.event,
            against: self.subject_ref(&s.against)?,
            ladder: s.ladder,
            sanction: s.sanction,
            vietnamese: s.sanction.vietnamese_name().to_owned(),
            imposed_by: self.office_ref(&s.imposed_by)?,
            occurred_at: s.occurred_at,
            appeals: s.appeals.clone(),
            revised: s.revised_to.map(|(to, event)| Revision { to, event }),
        })
    }

    fn subject_ref(&self, subject: &Subject) -> Result<SubjectRef, ViewsError> {
        Ok(match subject {
            Subject::Office(o) => SubjectRef::Office { id: o.clone(), name: self.office_name(o)? },
            Subject::Person(p) => SubjectRef::Person { id: p.clone(), name: self.person_name(p)? },
        })
    }

    pub(crate) fn office_ref(&self, office: &OfficeId) -> Result<OfficeRef, ViewsError> {
        Ok(OfficeRef { id: office.clone(), name: self.office_name(office)? })
    }

    fn person_ref(&self, person: &PersonId) -> Result<PersonRef, ViewsError> {
        Ok(PersonRef { id: person.clone(), name: self.person_name(person)? })
    }

    fn report_line(&self, r: ReportRow) -> Result<ReportLine, ViewsError> {
        Ok(ReportLine {
            event: r.event,
            period: r.period,
            recorded_at: r.recorded_at,
            signer: self.person_ref(&r.signer)?,
            capacity: r.capacity,
            accountable: r.accountable.as_ref().map(|a| self.person_ref(a)).transpose()?,
        })
    }

    /// The events a sanction line rests on: the sanction, its appeals and revision, and the
    /// registration of the body that imposed it (its name comes from there).
    /// The events a case line rests on, beyond the violation: the subject's registration, the
    /// sanctions and what they rest on, and the head's tenure's events are the holder's.
    fn case_events(&self, c: &CaseLine) -> Result<Vec<EventId>, ViewsError> {
        let mut events = Vec::new();
        match &c.against {
            SubjectRef::Office { id, .. } => events.extend(self.office(id)?.map(|o| o.event)),
            SubjectRef::Person { id, .. } => events.extend(self.person(id)?.map(|p| p.event)),
        }
        if let Some(head) = &c.head_then {
            events.extend(self.person(&head.id)?.map(|p| p.event));
        }
        for s in c.sanctions.iter().chain(&c.head_sanctioned_later) {
            events.extend(self.sanction_events(s)?);
        }
        Ok(events)
    }

    fn sanction_events(&self, s: &SanctionLine) -> Result<Vec<EventId>, ViewsError> {
        let mut events = vec![s.event];
        events.extend(s.appeals.iter().copied());
        events.extend(s.revised.map(|r| r.event));
        events.extend(self.office(&s.imposed_by.id)?.map(|o| o.event));
        Ok(events)
    }

    fn all<T: serde::de::DeserializeOwned>(
        &self,
        table: TableDefinition<'_, &str, &[u8]>,
    ) -> Result<Vec<T>, ViewsError> {
        let name = table.name().to_owned();
        let table = self.txn.open_table(table)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            if let Some(stored) = self.version::<&str>(&name, &key.value(), value.value())? {
                out.push(decode(&name, &stored)?);
            }
        }
        Ok(out)
    }

    /// Every violation and every sanction recorded by `now`.
    fn oversight(
        &self,
        now: Timestamp,
    ) -> Result<(Vec<ViolationRow>, Vec<SanctionRow>), ViewsError> {
        let mut violations: Vec<ViolationRow> = self.all(VIOLATIONS)?;
        violations.retain(|v| v.occurred_at <= now);
        violations.sort_by_key(|v| (v.occurred_at, v.event));
        let mut sanctions: Vec<SanctionRow> = self.all(SANCTIONS)?;
        sanctions.retain(|s| s.occurred_at <= now);
        sanctions.sort_by_key(|s| (s.occurred_at, s.event));
        Ok((violations, sanctions))
    }

    pub(crate) fn head_then(
        &self,
        office: &OfficeId,
        at: Timestamp,
    ) -> Result<Option<PersonId>, ViewsError> {
        self.head_at(office, at)
    }

    fn head_at(&self, office: &OfficeId, at: Timestamp) -> Result<Option<PersonId>, ViewsError> {
        Ok(self
            .tenures_of_office(office)?
            .into_iter()
            .filter(|t| t.is_head() && t.covers(at))
            .min_by_key(|t| t.role)
            .map(|t| t.person))
    }

    fn case_line(
        &self,
        v: &ViolationRow,
        sanctions: &[SanctionRow],
    ) -> Result<CaseLine, ViewsError> {
        let on_it: Vec<SanctionLine> = sanctions
            .iter()
            .filter(|s| s.violation == v.event)
            .map(|s| self.sanction_line(s))
            .collect::<Result<_, _>>()?;
        let (against_office, head_then) = match &v.against {
            Subject::Office(o) => (Some(o.clone()), self.head_at(o, v.occurred_at)?),
            Subject::Person(_) => (None, None),
        };
        let head_sanctioned_later = match &head_then {
            Some(head) if against_office.is_some() => sanctions
                .iter()
                .filter(|s| {
                    s.occurred_at > v.occurred_at
                        && matches!(&s.against, Subject::Person(p) if p == head)
                })
                .map(|s| self.sanction_line(s))
                .collect::<Result<_, _>>()?,
            _ => Vec::new(),
        };
        Ok(CaseLine {
            violation: v.event,
            case: v.case.clone(),
            against: self.subject_ref(&v.against)?,
            finding: v.finding.clone(),
            breach: match &v.breach {
                Breach::Task(t) => t.to_string(),
                Breach::Document(DocumentRef::Ledger(d)) => d.to_string(),
                Breach::Document(DocumentRef::External(e)) => e.symbol.to_string(),
            },
            occurred_at: v.occurred_at,
            withdrawn: v.withdrawn,
            sanctions: on_it,
            head_then: head_then.as_ref().map(|h| self.person_ref(h)).transpose()?,
            head_sanctioned_later,
        })
    }

    /// Question 2: every task `person`'s offices (or positions) held during their tenures in
    /// `[from, to]`, how each period stood at `to`, with violations and sanctions.
    pub fn accountability(
        &self,
        person: &PersonId,
        from: Option<Timestamp>,
        to: Timestamp,
    ) -> Result<AccountabilityAnswer, QueryError> {
        let row = self.person(person)?.ok_or_else(|| QueryError::NoPerson(person.to_string()))?;
        let start = from.unwrap_or(Timestamp::UNIX_EPOCH);
        let mut events: BTreeSet<EventId> = BTreeSet::from([row.event]);
        let tenures = self.tenures_of_person(person)?;
        let mut subjects = vec![Subject::Person(person.clone())];
        subjects.extend(tenures.iter().map(|t| Subject::Office(t.office.clone())));
        let (violations, sanctions) = self.oversight_of(&subjects, to)?;
        let mut answer = AccountabilityAnswer {
            person: PersonRef { id: person.clone(), name: row.full_name.clone() },
            fictional: row.fictional,
            from,
            to,
            tenures: Vec::new(),
            personal_violations: Vec::new(),
            personal_sanctions: Vec::new(),
            on_time: 0,
            late: 0,
            missing: 0,
            events: Vec::new(),
        };
        let tasks_by_office = self.txn.open_table(TASKS_BY_OFFICE)?;
        for tenure in tenures {
            if !tenure.overlaps(start, to) {
                continue;
            }
            events.extend(tenure.events.iter().copied());
            let window_from = start.max(tenure.from);
            let window_to = tenure.until.map_or(to, |u| u.min(to));
            let mut tasks = Vec::new();
            let o = tenure.office.as_str();
            for entry in tasks_by_office.range((o, "")..=(o, MAX))? {
                let (key, role) = entry?;
                let key = key.value();
                let Some(role) =
                    self.version::<(&str, &str)>("tasks_by_office", &key, role.value())?
                else {
                    continue;
                };
                let role = String::from_utf8_lossy(crate::project::payload(&role)).into_owned();
                let stream: StreamId = match key.1.parse() {
                    Ok(s) => s,
                    Err(_) => continue,
                };
                let Some(task) = self.task(&stream)? else { continue };
                if task.assigned_at > window_to {
                    continue;
                }
                let Some(assignee) = task.assignees.iter().find(|a| a.office == tenure.office)
                else {
                    continue;
                };
                if !answers_for(&tenure, assignee) {
                    continue;
                }
                let periods: Vec<Period> = self
                    .periods_between(&task, Some(start), to)?
                    .into_iter()
                    .filter(|p| tenure.covers(p.due_at) && p.due_at >= start && p.due_at <= to)
                    .collect();
                let count = |s: Standing| periods.iter().filter(|p| p.standing == s).count() as u32;
                let reports: Vec<ReportLine> = self
                    .reports_made_between(&task.stream, window_from, window_to)?
                    .into_iter()
                    .filter(|r| {
                        r.recorded_at <= to
                            && r.occurred_at >= window_from
                            && r.occurred_at <= window_to
                    })
                    .map(|r| self.report_line(r))
                    .collect::<Result<_, _>>()?;
                let chain = self.chain_up(&task.document)?;
                events.extend(task.events.iter().copied());
                events.extend(chain.iter().filter_map(|d| d.event));
                events.extend(periods.iter().filter_map(|p| p.report.map(|r| r.event)));
                events.extend(periods.iter().filter_map(|p| p.miss.map(|m| m.event)));
                events.extend(reports.iter().map(|r| r.event));
                let line = TaskAnswer {
                    task: task.stream.clone(),
                    item: task.item.clone(),
                    content: task.content.clone(),
                    obligation: obligation_name(&task.obligation).to_owned(),
                    role,
                    directive_chain: chain,
                    on_time: count(Standing::OnTime),
                    late: count(Standing::Late),
                    missing: count(Standing::Missing),
                    periods,
                    reports,
                };
                answer.on_time += line.on_time;
                answer.late += line.late;
                answer.missing += line.missing;
                tasks.push(line);
            }
            let mut tenure_violations = Vec::new();
            let mut tenure_sanctions = Vec::new();
            if tenure.is_head() {
                for v in &violations {
                    if matches!(&v.against, Subject::Office(o) if *o == tenure.office)
                        && tenure.covers(v.occurred_at)
                        && v.occurred_at >= start
                    {
                        let line = self.case_line(v, &sanctions)?;
                        events.insert(v.event);
                        events.extend(self.case_events(&line)?);
                        tenure_violations.push(line);
                    }
                }
                for s in &sanctions {
                    if matches!(&s.against, Subject::Office(o) if *o == tenure.office)
                        && tenure.covers(s.occurred_at)
                        && s.occurred_at >= start
                    {
                        let line = self.sanction_line(s)?;
                        events.extend(self.sanction_events(&line)?);
                        tenure_sanctions.push(line);
                    }
                }
            }
            answer.tenures.push(TenureAnswer {
                holder: self.holder(&tenure)?,
                tasks,
                violations: tenure_violations,
                sanctions: tenure_sanctions,
            });
        }
        for v in &violations {
            if matches!(&v.against, Subject::Person(p) if p == person) && v.occurred_at >= start {
                let line = self.case_line(v, &sanctions)?;
                events.insert(v.event);
                events.extend(self.case_events(&line)?);
                answer.personal_violations.push(line);
            }
        }
        for s in &sanctions {
            if matches!(&s.against, Subject::Person(p) if p == person) && s.occurred_at >= start {
                let line = self.sanction_line(s)?;
                events.extend(self.sanction_events(&line)?);
                answer.personal_sanctions.push(line);
            }
        }
        answer.events = events.into_iter().collect();
        Ok(answer)
    }

    /// Who answered for what as of `now`: the accountability of every person who held a task
    /// with a due period or standing duty, or met a violation or a sanction.
    pub fn summary(&self, now: Timestamp) -> Result<Vec<AccountabilityAnswer>, QueryError> {
        let mut out = Vec::new();
        for person in self.people()? {
            let answer = self.accountability(&person.person, None, now)?;
            let has_any = answer.tenures.iter().any(|t| {
                !t.tasks.is_empty() || !t.violations.is_empty() || !t.sanctions.is_empty()
            }) || !answer.personal_violations.is_empty()
                || !answer.personal_sanctions.is_empty();
            if has_any {
                out.push(answer);
            }
        }
        Ok(out)
    }

    /// Whether `office` is `filter`, or (with `below`) in its area or under it.
    fn office_matches(
        &self,
        office: &OfficeId,
        filter: Option<&OfficeRow>,
        below: bool,
    ) -> Result<bool, ViewsError> {
        let Some(filter) = filter else { return Ok(true) };
        if *office == filter.office {
            return Ok(true);
        }
        if !below {
            return Ok(false);
        }
        let Some(row) = self.office(office)? else { return Ok(false) };
        if filter.area.contains(&row.area) && row.area != filter.area {
            return Ok(true);
        }
        // Or under it in the office tree.
        let mut parent = row.parent;
        let mut hops = 0;
        while let Some(p) = parent {
            if p == filter.office {
                return Ok(true);
            }
            hops += 1;
            if hops > 64 {
                break;
            }
            parent = self.office(&p)?.and_then(|r| r.parent);
        }
        Ok(false)
    }

    fn filter_row(&self, office: Option<&OfficeId>) -> Result<Option<OfficeRow>, QueryError> {
        office
            .map(|o| self.office(o)?.ok_or_else(|| QueryError::NoOffice(o.to_string())))
            .transpose()
    }

    fn miss_lines(
        &self,
        now: Timestamp,
        since: Option<Timestamp>,
        office: Option<&OfficeId>,
        below: bool,
        keep: impl Fn(&Period) -> bool,
    ) -> Result<Vec<MissLine>, QueryError> {
        let filter = self.filter_row(office)?;
        let mut lines = Vec::new();
        // With a start, only the duties that can come due in the span, and only its periods
        // (`keep` refuses earlier ones anyway).
        let tasks = match since {
            Some(from) => self.duties_due_between(from, now)?,
            None => self.tasks()?,
        };
        for task in tasks {
            if task.assigned_at > now {
                continue;
            }
            let Some(lead) = task.lead() else { continue };
            // A duty on the position in charge of an area (06-CT/QU item 3: the Standing Board
            // member in charge of a ward) belongs to that area too, though the office that
            // holds the position sits above it.
            let in_charge = match (&lead.in_charge_of, filter.as_ref()) {
                (Some(area), Some(f)) => *area == f.area || (below && f.area.contains(area)),
                _ => false,
            };
            if !in_charge && !self.office_matches(&lead.office, filter.as_ref(), below)? {
                continue;
            }
            let periods = self.periods_between(&task, since, now)?;
            if periods.iter().all(|p| !keep(p)) {
                continue;
            }
            let document = self
                .row::<DocumentRow>(DOCUMENTS, task.document.as_str())?
                .map_or_else(|| task.document.to_string(), |d| d.title);
            let office = self.office_ref(&lead.office)?;
            for p in periods.into_iter().filter(|p| keep(p)) {
                let answerable = self.answering(lead, p.due_at)?.map(|t| t.person);
                let answerable = answerable.as_ref().map(|a| self.person_ref(a)).transpose()?;
                let office_head = self.head_at(&lead.office, p.due_at)?;
                let office_head = office_head.as_ref().map(|h| self.person_ref(h)).transpose()?;
                lines.push(MissLine {
                    task: task.stream.clone(),
                    document: document.clone(),
                    item: task.item.clone(),
                    in_charge_of: lead.in_charge_of.clone(),
                    office: office.clone(),
                    period: p.period,
                    due_at: p.due_at,
                    standing: p.standing,
                    report: p.report,
                    answerable,
                    office_head,
                    miss: p.miss,
                });
            }
        }
        lines.sort_by(|a, b| (a.due_at, &a.task).cmp(&(b.due_at, &b.task)));
        Ok(lines)
    }

    fn line_events(&self, lines: &[MissLine]) -> Result<Vec<EventId>, ViewsError> {
        let mut events = BTreeSet::new();
        for line in lines {
            if let Some(task) = self.task(&line.task)? {
                events.extend(task.events.first().copied());
            }
            events.extend(line.miss.map(|m| m.event));
        }
        Ok(events.into_iter().collect())
    }

    /// Obligations open and past due at `at`: due periods with no report yet.
    pub fn overdue(
        &self,
        at: Timestamp,
        office: Option<&OfficeId>,
        below: bool,
    ) -> Result<MissesAnswer, QueryError> {
        let lines =
            self.miss_lines(at, None, office, below, |p| p.standing == Standing::Missing)?;
        let events = self.line_events(&lines)?;
        Ok(MissesAnswer { from: None, to: at, lines, events })
    }

    /// Question 3: every deadline and period due in `[from, to]` that passed without a report
    /// by its due time (late or still missing at `to`), with who answered for the office then.
    pub fn misses(
        &self,
        from: Timestamp,
        to: Timestamp,
        office: Option<&OfficeId>,
        below: bool,
    ) -> Result<MissesAnswer, QueryError> {
        let lines = self.miss_lines(to, Some(from), office, below, |p| {
            p.due_at >= from && p.standing != Standing::OnTime
        })?;
        let mut events = self.line_events(&lines)?;
        for line in &lines {
            if let Some(task) = self.task(&line.task)?
                && let Some(lead) = task.lead()
                && let Some(t) = self.answering(lead, line.due_at)?
            {
                events.extend(t.events);
            }
        }
        events.sort();
        events.dedup();
        Ok(MissesAnswer { from: Some(from), to, lines, events })
    }

    /// Question 5: violations with their sanctions, and whether the office's head was later
    /// sanctioned.
    pub fn cases(
        &self,
        now: Timestamp,
        office: Option<&OfficeId>,
        below: bool,
        only_head_sanctioned: bool,
    ) -> Result<CasesAnswer, QueryError> {
        let filter = self.filter_row(office)?;
        let (violations, sanctions) = self.oversight(now)?;
        let mut cases = Vec::new();
        let mut events = BTreeSet::new();
        for v in &violations {
            let office_of = match &v.against {
                Subject::Office(o) => Some(o.clone()),
                Subject::Person(_) => None,
            };
            match (&office_of, &filter) {
                (Some(o), Some(_)) if !self.office_matches(o, filter.as_ref(), below)? => continue,
                (None, Some(_)) => continue,
                _ => {}
            }
            let line = self.case_line(v, &sanctions)?;
            if only_head_sanctioned && line.head_sanctioned_later.is_empty() {
                continue;
            }
            events.insert(line.violation);
            events.extend(self.case_events(&line)?);
            cases.push(line);
        }
        Ok(CasesAnswer { cases, events: events.into_iter().collect() })
    }

    fn find_document(&self, symbol: &str) -> Result<Option<DocumentRow>, ViewsError> {
        if let Some(doc) = self.row::<DocumentRow>(DOCUMENTS, symbol)? {
            return Ok(Some(doc));
        }
        let titles = self.txn.open_table(DOCUMENT_TITLES)?;
        for entry in titles.range((symbol, "")..=(symbol, MAX))? {
            let (key, written) = entry?;
            if self.holds(written.value()) {
                return self.row(DOCUMENTS, key.value().1);
            }
        }
        // A symbol typed in another case (`06-ct/qu`).
        let wanted = symbol.to_lowercase();
        Ok(self.documents()?.into_iter().find(|d| d.title.to_lowercase() == wanted))
    }

    /// Question 4: a document with every document above it and every task and report below.
    pub fn directive(&self, symbol: &str, now: Timestamp) -> Result<DirectiveAnswer, QueryError> {
        let doc =
            self.find_document(symbol)?.ok_or_else(|| QueryError::NoDocument(symbol.to_owned()))?;
        let mut events = BTreeSet::new();
        let mut chain = self.chain_up(&doc.stream)?;
        let document = chain.remove(0);
        events.extend(doc.events.iter().copied());
        events.extend(chain.iter().filter_map(|d| d.event));
        let children = self.txn.open_table(DOCUMENT_CHILDREN)?;
        let doc_tasks = self.txn.open_table(DOCUMENT_TASKS)?;
        let mut below = Vec::new();
        let mut stack = vec![(doc, 0u32)];
        let mut seen = BTreeSet::new();
        while let Some((doc, depth)) = stack.pop() {
            if !seen.insert(doc.stream.to_string()) {
                continue;
            }
            let s = doc.stream.as_str();
            let mut tasks = Vec::new();
            for entry in doc_tasks.range((s, "")..=(s, MAX))? {
                let (key, written) = entry?;
                if !self.holds(written.value()) {
                    continue;
                }
                let Ok(stream) = key.value().1.parse::<StreamId>() else { continue };
                let Some(task) = self.task(&stream)? else { continue };
                if task.assigned_at > now {
                    continue;
                }
                let reports: Vec<ReportLine> = self
                    .reports_of(&stream)?
                    .into_iter()
                    .filter(|r| r.recorded_at <= now)
                    .map(|r| self.report_line(r))
                    .collect::<Result<_, _>>()?;
                let misses: Vec<Recorded> = self
                    .misses_of(&stream)?
                    .into_values()
                    .filter(|m| m.recorded_at <= now)
                    .map(|m| Recorded { event: m.event, recorded_at: m.recorded_at })
                    .collect();
                events.extend(task.events.iter().copied());
                events.extend(reports.iter().map(|r| r.event));
                events.extend(misses.iter().map(|m| m.event));
                let offices = task
                    .assignees
                    .iter()
                    .map(|a| {
                        Ok(AssignedOffice {
                            id: a.office.clone(),
                            name: self.office_name(&a.office)?,
                            role: if a.role == AssigneeRole::Lead { "lead" } else { "coordinate" }
                                .to_owned(),
                            in_charge_of: a.in_charge_of.clone(),
                        })
                    })
                    .collect::<Result<_, ViewsError>>()?;
                tasks.push(DirectiveTask {
                    task: stream,
                    item: task.item.clone(),
                    content: task.content.clone(),
                    offices,
                    obligation: obligation_name(&task.obligation).to_owned(),
                    reports,
                    misses,
                });
            }
            let mut kids = Vec::new();
            for entry in children.range((s, "")..=(s, MAX))? {
                let (key, written) = entry?;
                if !self.holds(written.value()) {
                    continue;
                }
                if let Some(child) = self.row::<DocumentRow>(DOCUMENTS, key.value().1)? {
                    if child.events.is_empty() {
                        continue;
                    }
                    kids.push(child);
                }
            }
            events.extend(doc.events.iter().copied());
            below.push(DocumentBelow { document: self.document_line(&doc)?, depth, tasks });
            for kid in kids.into_iter().rev() {
                stack.push((kid, depth + 1));
            }
        }
        Ok(DirectiveAnswer { document, above: chain, below, events: events.into_iter().collect() })
    }
}

/// Whether `tenure` answers for `assignee`: its office's head, or the holder of the position
/// the assignment names (in charge of the named area, if one is named).
pub fn answers_for(tenure: &TenureRow, assignee: &Assignee) -> bool {
    tenure.office == assignee.office
        && match assignee.position {
            Some(role) => {
                tenure.role == role
                    && (assignee.in_charge_of.is_none()
                        || tenure.in_charge_of == assignee.in_charge_of)
            }
            None => tenure.is_head(),
        }
}
