//! The answers queries give, in one vocabulary shared by `--json`, bundles and the HTTP API.
//!
//! The shapes are the contract `schemas/answers/` publishes (generated from these types, checked
//! by a test): an office or a person is an object with its `id` and its `name`; a report or a
//! `deadline.missed` is an object with its `event` and the gate's `recorded_at`; a window is
//! `from`/`to`; an absent value is an absent member, never `null` or `""`; every answer lists in
//! `events` the ids of the events behind it.

use mandate_model::event::{Capacity, Ladder, Role, SanctionKind};
use mandate_model::ids::{AreaPath, EventId, OfficeId, PersonId, StreamId};
use mandate_model::time::{LocalDate, Timestamp};
use schemars::JsonSchema;
use serde::Serialize;

/// How one period of an obligation stands at the moment asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Reported by the due time.
    OnTime,
    /// Reported, after the due time.
    Late,
    /// Due, and no report yet.
    Missing,
}

/// An office, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct OfficeRef {
    pub id: OfficeId,
    pub name: String,
}

/// A person, by id and full name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PersonRef {
    pub id: PersonId,
    pub name: String,
}

/// Whom a violation or a sanction is against: an office or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SubjectRef {
    Office { id: OfficeId, name: String },
    Person { id: PersonId, name: String },
}

impl SubjectRef {
    /// The subject's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Office { name, .. } | Self::Person { name, .. } => name,
        }
    }

    /// The office, when the subject is one.
    pub fn office(&self) -> Option<&OfficeId> {
        match self {
            Self::Office { id, .. } => Some(id),
            Self::Person { .. } => None,
        }
    }
}

/// An event and when the gate recorded it: a report that met a period, a `deadline.missed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Recorded {
    pub event: EventId,
    pub recorded_at: Timestamp,
}

/// One due period of a task (its one deadline, or one day of a daily duty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Period {
    pub task: StreamId,
    /// The day, for a daily duty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<LocalDate>,
    pub due_at: Timestamp,
    pub standing: Standing,
    /// The first report for the period (or, for a deadline, the completion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Recorded>,
    /// The watchdog's `deadline.missed`, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub miss: Option<Recorded>,
}

/// A person in a position, from when to when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Holder {
    pub person: PersonRef,
    pub office: OfficeRef,
    pub title: String,
    pub role: Role,
    pub from: Timestamp,
    /// The end of the tenure; absent while it lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
    pub events: Vec<EventId>,
}

/// `head`: who headed an office at a moment.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HeadAnswer {
    pub office: OfficeRef,
    pub at: Timestamp,
    /// Absent when no head is recorded at that moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<Holder>,
    pub events: Vec<EventId>,
}

/// A document's issuer: an office of the ledger (with its id), or, for a document outside the
/// ledger, the issuer its citation names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Issuer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<OfficeId>,
    pub name: String,
}

/// A document as answers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DocumentLine {
    /// Its stream, for a document of the ledger (absent for a citation of one outside it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamId>,
    pub title: String,
    /// Its subject line (trích yếu), for a document in the ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Absent for a ledger document cited by a stream the ledger does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<Issuer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<LocalDate>,
    /// False for a document outside the ledger, cited by issuer, symbol and date.
    pub in_ledger: bool,
    /// The fields the recorder assumed rather than read from the text (`issued_on`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
    /// Its `directive.issued`, for a document in the ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EventId>,
    /// The `directive.revoked` that ended it (and every duty it gave).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<EventId>,
}

impl DocumentLine {
    /// Whether `field` is an assumption, not the text's.
    pub fn is_assumed(&self, field: &str) -> bool {
        self.assumed.iter().any(|f| f == field)
    }
}

/// A report as answers show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReportLine {
    pub event: EventId,
    /// The day reported on, for a daily duty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<LocalDate>,
    pub recorded_at: Timestamp,
    pub signer: PersonRef,
    pub capacity: Capacity,
    /// Who answers for the report: the head it is signed for (KT., TL., TUQ. resolve to the
    /// head); absent when no head is recorded then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accountable: Option<PersonRef>,
}

/// One task as it fell on one tenure.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TaskAnswer {
    pub task: StreamId,
    pub item: String,
    pub content: String,
    /// `deadline`, `daily`, `daily, no report` or `standing`.
    pub obligation: String,
    /// The office's part: `lead` or `coordinate`.
    pub role: String,
    /// The document, then each document it implements, up to the top.
    pub directive_chain: Vec<DocumentLine>,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    /// Every period due in the window, with how it stands.
    pub periods: Vec<Period>,
    /// Reports on the task in the window, with who answers for each.
    pub reports: Vec<ReportLine>,
}

/// A sanction's revision (on appeal or review): what it became, by which event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Revision {
    pub to: SanctionKind,
    pub event: EventId,
}

/// A sanction as answers show it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SanctionLine {
    pub event: EventId,
    pub against: SubjectRef,
    pub ladder: Ladder,
    pub sanction: SanctionKind,
    /// The sanction's name in Vietnamese (`khiển trách`).
    pub vietnamese: String,
    pub imposed_by: OfficeRef,
    pub occurred_at: Timestamp,
    /// The `sanction.appealed` events.
    pub appeals: Vec<EventId>,
    /// The latest revision; absent when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revised: Option<Revision>,
}

/// A violation with what followed it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CaseLine {
    pub violation: EventId,
    pub case: StreamId,
    pub against: SubjectRef,
    pub finding: String,
    pub breach: String,
    pub occurred_at: Timestamp,
    /// The `violation.withdrawn`, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<EventId>,
    pub sanctions: Vec<SanctionLine>,
    /// For a violation by an office: who headed it then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_then: Option<PersonRef>,
    /// Sanctions on that head imposed after the violation.
    pub head_sanctioned_later: Vec<SanctionLine>,
}

/// `accountability`: one tenure's share.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TenureAnswer {
    pub holder: Holder,
    pub tasks: Vec<TaskAnswer>,
    pub violations: Vec<CaseLine>,
    pub sanctions: Vec<SanctionLine>,
}

/// `accountability`: everything that fell on a person in a window.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AccountabilityAnswer {
    pub person: PersonRef,
    /// True for the demo's invented people.
    pub fictional: bool,
    /// The window's start; absent for "from the start".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    pub to: Timestamp,
    pub tenures: Vec<TenureAnswer>,
    /// Violations recorded against the person themself, and sanctions on them.
    pub personal_violations: Vec<CaseLine>,
    pub personal_sanctions: Vec<SanctionLine>,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    pub events: Vec<EventId>,
}

/// `overdue` and `misses`: one period with who answered for it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MissLine {
    pub task: StreamId,
    /// The symbol (or title) of the task's document.
    pub document: String,
    pub item: String,
    /// For a duty on a position in charge of an area, that area (one line per ward of 06-CT/QU
    /// item 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_charge_of: Option<AreaPath>,
    /// The lead office.
    pub office: OfficeRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<LocalDate>,
    pub due_at: Timestamp,
    pub standing: Standing,
    /// The report that came late, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Recorded>,
    /// Who held the duty at the due time: the lead office's head, or the holder of the
    /// position it names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answerable: Option<PersonRef>,
    /// Who headed the lead office at the due time (người đứng đầu).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_head: Option<PersonRef>,
    /// The watchdog's `deadline.missed`, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub miss: Option<Recorded>,
}

/// `overdue` (periods still open at `to`) and `misses` (periods of `[from, to]` not met on
/// time).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MissesAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    pub to: Timestamp,
    pub lines: Vec<MissLine>,
    pub events: Vec<EventId>,
}

/// `cases`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CasesAnswer {
    pub cases: Vec<CaseLine>,
    pub events: Vec<EventId>,
}

/// `directive`: a document, above and below.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DirectiveAnswer {
    pub document: DocumentLine,
    /// The documents it implements, then theirs, up to the top (nearest first).
    pub above: Vec<DocumentLine>,
    /// Its tasks, and the documents below it (recursively) with theirs.
    pub below: Vec<DocumentBelow>,
    pub events: Vec<EventId>,
}

/// A document in the tree below a directive, with its tasks.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DocumentBelow {
    pub document: DocumentLine,
    pub depth: u32,
    pub tasks: Vec<DirectiveTask>,
}

/// An office a task is assigned to, with its part.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AssignedOffice {
    pub id: OfficeId,
    pub name: String,
    /// `lead` (chủ trì) or `coordinate` (phối hợp).
    pub role: String,
    /// The area whose member in charge the duty lies on, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_charge_of: Option<AreaPath>,
}

/// A task under a directive, with its reports and misses.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DirectiveTask {
    pub task: StreamId,
    pub item: String,
    pub content: String,
    pub offices: Vec<AssignedOffice>,
    pub obligation: String,
    pub reports: Vec<ReportLine>,
    pub misses: Vec<Recorded>,
}

/// Every answer's schema, by the name of its file in `schemas/answers/` (`head` is
/// `schemas/answers/head.schema.json`). `overdue` shares `misses`'s shape.
pub fn schemas() -> Vec<(&'static str, serde_json::Value)> {
    use mandate_model::schema::closed_schema_for as schema;
    vec![
        ("head", schema::<HeadAnswer>("answers/head.schema.json")),
        ("accountability", schema::<AccountabilityAnswer>("answers/accountability.schema.json")),
        ("misses", schema::<MissesAnswer>("answers/misses.schema.json")),
        ("cases", schema::<CasesAnswer>("answers/cases.schema.json")),
        ("directive", schema::<DirectiveAnswer>("answers/directive.schema.json")),
        ("find", schema::<crate::find::FindAnswer>("answers/find.schema.json")),
        ("list", schema::<crate::find::ListAnswer>("answers/list.schema.json")),
        ("office", schema::<OfficeAnswer>("answers/office.schema.json")),
        ("person", schema::<PersonAnswer>("answers/person.schema.json")),
        ("documents", schema::<DocumentsAnswer>("answers/documents.schema.json")),
    ]
}

/// `offices/{office}`: an office, its place in the tree and who held its positions when.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OfficeAnswer {
    pub office: OfficeRef,
    /// What kind of body it is (`party_committee`, `peoples_committee`, …).
    pub kind: String,
    /// `national`, `province`, `district`, `commune` or `residential`.
    pub level: String,
    pub area: AreaPath,
    /// Its parents, nearest first, up to the top.
    pub parents: Vec<OfficeRef>,
    pub children: Vec<OfficeRef>,
    /// Every position held in it, by start: heads, deputies, members.
    pub tenures: Vec<Holder>,
    pub events: Vec<EventId>,
}

/// `people/{person}`: a person and the positions they held.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PersonAnswer {
    pub person: PersonRef,
    /// True for the demo's invented people.
    pub fictional: bool,
    pub tenures: Vec<Holder>,
    pub events: Vec<EventId>,
}

/// `documents`: the documents of the ledger that match.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DocumentsAnswer {
    pub documents: Vec<DocumentLine>,
    pub events: Vec<EventId>,
    /// Over HTTP, a page's cursor for the next one; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}
