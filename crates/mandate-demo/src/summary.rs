//! Who answered for what: a fold of the log into one line per accountable person.
//!
//! Accountability is resolved, not typed in: an office's task lands on whoever headed (or
//! acted as head of) the lead office when it fell due; a task put on a position lands on that
//! position's holder (in charge of the named area) then. Timeliness is judged on the gate's
//! `recorded_at`, never on the author's `occurred_at`.

use std::collections::BTreeMap;

use mandate_ledger::record::LoggedEvent;
use mandate_model::body::decode_body;
use mandate_model::event::{
    Assignee, AssigneeRole, EventData, Obligation, Role, SanctionKind, Subject,
};
use mandate_model::ids::{EventId, OfficeId, PersonId, StreamId};
use mandate_model::time::{LocalDate, Timestamp, parse_offset};
use serde::Serialize;

/// How one obligation period ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    OnTime,
    Late,
    Missing,
}

/// One task as it fell on one person.
#[derive(Debug, Clone, Serialize)]
pub struct TaskLine {
    pub task: String,
    pub document: String,
    pub item: String,
    pub content: String,
    /// `deadline`, `daily`, `daily (no report)` or `standing`.
    pub obligation: String,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    /// The days (or deadline) that were missed, for people.
    pub missed_periods: Vec<String>,
    pub late_periods: Vec<String>,
}

/// A violation at a person's office (or against them) while they headed it.
#[derive(Debug, Clone, Serialize)]
pub struct ViolationLine {
    pub event_id: EventId,
    pub against: String,
    pub finding: String,
    pub occurred_at: Timestamp,
}

/// A sanction on a person (or on an office they headed).
#[derive(Debug, Clone, Serialize)]
pub struct SanctionLine {
    pub event_id: EventId,
    pub sanction: SanctionKind,
    pub vietnamese: String,
    pub against: String,
    pub imposed_by: String,
    pub occurred_at: Timestamp,
    pub appealed: bool,
    pub revised_to: Option<SanctionKind>,
}

/// Everything that fell on one person.
#[derive(Debug, Clone, Serialize)]
pub struct PersonLine {
    pub person: PersonId,
    pub full_name: String,
    pub fictional: bool,
    pub positions: Vec<String>,
    pub tasks: Vec<TaskLine>,
    pub violations: Vec<ViolationLine>,
    pub sanctions: Vec<SanctionLine>,
}

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub as_of: Timestamp,
    pub n_events: u64,
    pub people: Vec<PersonLine>,
}

struct TenureRow {
    office: OfficeId,
    person: PersonId,
    role: Role,
    title: String,
    in_charge_of: Option<mandate_model::ids::AreaPath>,
    from: Timestamp,
    until: Option<Timestamp>,
}

impl TenureRow {
    fn covers(&self, at: Timestamp) -> bool {
        self.from <= at && self.until.is_none_or(|u| at < u)
    }
    fn overlaps(&self, from: Timestamp, to: Timestamp) -> bool {
        self.from <= to && self.until.is_none_or(|u| from < u)
    }
}

struct TaskRow {
    stream: StreamId,
    document: StreamId,
    item: String,
    content: String,
    lead: Option<Assignee>,
    obligation: Obligation,
    assigned_at: Timestamp,
    /// Reports: period (if any) → first recorded_at.
    reports: BTreeMap<Option<LocalDate>, Timestamp>,
}

struct SanctionRow {
    id: EventId,
    against: Subject,
    sanction: SanctionKind,
    by: OfficeId,
    occurred_at: Timestamp,
    appealed: bool,
    revised_to: Option<SanctionKind>,
}

/// Folds `events` (in log order) into a summary as of `as_of`.
pub fn summarize(events: &[LoggedEvent], as_of: Timestamp) -> Summary {
    let mut offset = time::UtcOffset::UTC;
    let mut people: BTreeMap<PersonId, (String, bool)> = BTreeMap::new();
    let mut office_names: BTreeMap<OfficeId, String> = BTreeMap::new();
    let mut tenures: Vec<TenureRow> = Vec::new();
    let mut tasks: Vec<TaskRow> = Vec::new();
    let mut documents: BTreeMap<StreamId, String> = BTreeMap::new();
    let mut violations: Vec<(EventId, Subject, String, Timestamp)> = Vec::new();
    let mut sanctions: Vec<SanctionRow> = Vec::new();
    for event in events {
        let Ok(body) = decode_body(&event.body) else { continue };
        let recorded_at = event.receipt.parse().map_or(body.occurred_at, |r| r.recorded_at);
        let id = event.id();
        let stream_office = || body.stream.key().parse::<OfficeId>().ok();
        match &body.data {
            EventData::LedgerEstablished {
                utc_offset,
                administrator,
                admin_office,
                admin_office_name,
                ..
            } => {
                offset = parse_offset(utc_offset).unwrap_or(offset);
                people
                    .insert(administrator.person.clone(), (administrator.full_name.clone(), false));
                office_names.insert(admin_office.clone(), admin_office_name.clone());
            }
            EventData::OfficeRegistered { name, .. } => {
                if let Some(office) = stream_office() {
                    office_names.insert(office, name.clone());
                }
            }
            EventData::PersonRegistered { full_name, fictional } => {
                if let Ok(person) = body.stream.key().parse() {
                    people.insert(person, (full_name.clone(), *fictional));
                }
            }
            EventData::PositionAssigned { person, role, title, from, in_charge_of, .. } => {
                if let Some(office) = stream_office() {
                    tenures.push(TenureRow {
                        office,
                        person: person.clone(),
                        role: *role,
                        title: title.clone(),
                        in_charge_of: in_charge_of.clone(),
                        from: *from,
                        until: None,
                    });
                }
            }
            EventData::PositionEnded { person, role, until, .. } => {
                if let Some(office) = stream_office()
                    && let Some(t) = tenures.iter_mut().find(|t| {
                        t.office == office
                            && &t.person == person
                            && t.role == *role
                            && t.until.is_none()
                    })
                {
                    t.until = Some(*until);
                }
            }
            EventData::DirectiveIssued { symbol, document_type, .. } => {
                let name = symbol.as_ref().map_or_else(
                    || format!("{} (no number)", document_type.vietnamese_name()),
                    |s| s.to_string(),
                );
                documents.insert(body.stream.clone(), name);
            }
            EventData::TaskAssigned { document, item, content, assignees, obligation, .. } => {
                tasks.push(TaskRow {
                    stream: body.stream.clone(),
                    document: document.clone(),
                    item: item.clone(),
                    content: content.clone(),
                    lead: assignees.iter().find(|a| a.role == AssigneeRole::Lead).cloned(),
                    obligation: obligation.clone(),
                    assigned_at: body.occurred_at,
                    reports: BTreeMap::new(),
                });
            }
            EventData::ReportFiled { period, .. } => {
                if let Some(task) = tasks.iter_mut().find(|t| t.stream == body.stream) {
                    task.reports.entry(*period).or_insert(recorded_at);
                }
            }
            EventData::ViolationRecorded { against, finding, .. } => {
                violations.push((id, against.clone(), finding.clone(), body.occurred_at));
            }
            EventData::SanctionImposed { against, sanction, .. } => sanctions.push(SanctionRow {
                id,
                against: against.clone(),
                sanction: *sanction,
                by: body.actor.office.clone(),
                occurred_at: body.occurred_at,
                appealed: false,
                revised_to: None,
            }),
            EventData::SanctionAppealed { sanction, .. } => {
                if let Some(s) = sanctions.iter_mut().find(|s| s.id == *sanction) {
                    s.appealed = true;
                }
            }
            EventData::SanctionRevised { sanction, revised_to, .. } => {
                if let Some(s) = sanctions.iter_mut().find(|s| s.id == *sanction) {
                    s.revised_to = Some(*revised_to);
                }
            }
            _ => {}
        }
    }

    let is_head = |t: &TenureRow| matches!(t.role, Role::Head | Role::ActingHead);
    // The tenure answering for `assignee` at `at`.
    let answering = |assignee: &Assignee, at: Timestamp| -> Option<&TenureRow> {
        tenures.iter().find(|t| {
            t.office == assignee.office
                && t.covers(at)
                && match assignee.position {
                    Some(role) => {
                        t.role == role
                            && (assignee.in_charge_of.is_none()
                                || t.in_charge_of == assignee.in_charge_of)
                    }
                    None => is_head(t),
                }
        })
    };
    let name_of_subject = |s: &Subject| match s {
        Subject::Office(o) => office_names.get(o).cloned().unwrap_or_else(|| o.to_string()),
        Subject::Person(p) => people.get(p).map_or_else(|| p.to_string(), |(n, _)| n.clone()),
    };
    let head_at = |office: &OfficeId, at: Timestamp| {
        tenures
            .iter()
            .find(|t| &t.office == office && is_head(t) && t.covers(at))
            .map(|t| t.person.clone())
    };

    let mut lines: BTreeMap<PersonId, PersonLine> = BTreeMap::new();
    fn entry<'a>(
        lines: &'a mut BTreeMap<PersonId, PersonLine>,
        person: &PersonId,
        make: impl FnOnce() -> PersonLine,
    ) -> &'a mut PersonLine {
        lines.entry(person.clone()).or_insert_with(make)
    }
    let make_line = |person: &PersonId| {
        let (full_name, fictional) = people.get(person).cloned().unwrap_or_default();
        let positions = tenures
            .iter()
            .filter(|t| &t.person == person)
            .map(|t| {
                let day = |ts: Timestamp| ts.date_at(offset).to_human();
                format!(
                    "{}, {} ({} – {})",
                    t.title,
                    office_names.get(&t.office).cloned().unwrap_or_else(|| t.office.to_string()),
                    day(t.from),
                    t.until.map_or_else(|| "nay".to_owned(), day)
                )
            })
            .collect();
        PersonLine {
            person: person.clone(),
            full_name,
            fictional,
            positions,
            tasks: Vec::new(),
            violations: Vec::new(),
            sanctions: Vec::new(),
        }
    };

    for task in &tasks {
        let Some(lead) = &task.lead else { continue };
        let document =
            documents.get(&task.document).cloned().unwrap_or_else(|| task.document.to_string());
        let mut per_person: BTreeMap<PersonId, TaskLine> = BTreeMap::new();
        let blank = |obligation: &str| TaskLine {
            task: task.stream.to_string(),
            document: document.clone(),
            item: task.item.clone(),
            content: task.content.clone(),
            obligation: obligation.to_owned(),
            on_time: 0,
            late: 0,
            missing: 0,
            missed_periods: Vec::new(),
            late_periods: Vec::new(),
        };
        let mut judge = |due: Timestamp, key: Option<LocalDate>, label: String, kind: &str| {
            if due >= as_of {
                return;
            }
            let Some(tenure) = answering(lead, due) else { return };
            let line = per_person.entry(tenure.person.clone()).or_insert_with(|| blank(kind));
            match task.reports.get(&key) {
                Some(at) if *at <= due => line.on_time += 1,
                Some(_) => {
                    line.late += 1;
                    line.late_periods.push(label);
                }
                None => {
                    line.missing += 1;
                    line.missed_periods.push(label);
                }
            }
        };
        match &task.obligation {
            Obligation::Deadline { due_at, .. } => {
                judge(*due_at, None, due_at.to_human(), "deadline")
            }
            Obligation::Recurring {
                due_time,
                utc_offset,
                starts_on,
                ends_on,
                reported: true,
                ..
            } => {
                let duty_offset = parse_offset(utc_offset).unwrap_or(offset);
                let mut day = *starts_on;
                while ends_on.is_none_or(|end| day <= end) {
                    let due = Timestamp::from_parts(day, due_time.time(), duty_offset);
                    if due >= as_of {
                        break;
                    }
                    judge(due, Some(day), day.to_human(), "daily");
                    match day.next() {
                        Some(next) => day = next,
                        None => break,
                    }
                }
            }
            Obligation::Recurring { reported: false, .. } | Obligation::Standing => {
                let kind = if matches!(task.obligation, Obligation::Standing) {
                    "standing"
                } else {
                    "daily (no report)"
                };
                for tenure in tenures.iter().filter(|t| {
                    t.office == lead.office
                        && t.overlaps(task.assigned_at, as_of)
                        && match lead.position {
                            Some(role) => {
                                t.role == role
                                    && (lead.in_charge_of.is_none()
                                        || t.in_charge_of == lead.in_charge_of)
                            }
                            None => is_head(t),
                        }
                }) {
                    per_person.entry(tenure.person.clone()).or_insert_with(|| blank(kind));
                }
            }
        }
        for (person, task_line) in per_person {
            entry(&mut lines, &person, || make_line(&person)).tasks.push(task_line);
        }
    }
    for (id, against, finding, at) in &violations {
        let person = match against {
            Subject::Person(p) => Some(p.clone()),
            Subject::Office(o) => head_at(o, *at),
        };
        if let Some(person) = person {
            entry(&mut lines, &person, || make_line(&person)).violations.push(ViolationLine {
                event_id: *id,
                against: name_of_subject(against),
                finding: finding.clone(),
                occurred_at: *at,
            });
        }
    }
    for s in &sanctions {
        let person = match &s.against {
            Subject::Person(p) => Some(p.clone()),
            Subject::Office(o) => head_at(o, s.occurred_at),
        };
        if let Some(person) = person {
            entry(&mut lines, &person, || make_line(&person)).sanctions.push(SanctionLine {
                event_id: s.id,
                sanction: s.sanction,
                vietnamese: s.sanction.vietnamese_name().to_owned(),
                against: name_of_subject(&s.against),
                imposed_by: office_names.get(&s.by).cloned().unwrap_or_else(|| s.by.to_string()),
                occurred_at: s.occurred_at,
                appealed: s.appealed,
                revised_to: s.revised_to,
            });
        }
    }
    Summary { as_of, n_events: events.len() as u64, people: lines.into_values().collect() }
}
