//! The rows of the read models. Each row names the events it was made from, so that every
//! answer can list the event ids behind it.

use mandate_model::event::{
    AlertLevel, Assignee, Breach, Capacity, DocumentRef, Ladder, Level, Obligation, OfficeKind,
    RevocationReason, Role, SanctionKind, Subject,
};
use mandate_model::ids::{AreaPath, EventId, OfficeId, PersonId, StreamId};
use mandate_model::symbol::DocumentType;
use mandate_model::time::{LocalDate, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeRow {
    pub office: OfficeId,
    pub name: String,
    pub kind: OfficeKind,
    pub level: Level,
    pub area: AreaPath,
    pub parent: Option<OfficeId>,
    pub event: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub person: PersonId,
    pub full_name: String,
    pub fictional: bool,
    pub event: EventId,
}

/// One person in one position of one office, from `from` until `until` (absent: still).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenureRow {
    pub office: OfficeId,
    pub person: PersonId,
    pub role: Role,
    pub title: String,
    pub in_charge_of: Option<AreaPath>,
    pub from: Timestamp,
    pub until: Option<Timestamp>,
    pub events: Vec<EventId>,
}

impl TenureRow {
    /// Whether the tenure covers the instant `at`.
    pub fn covers(&self, at: Timestamp) -> bool {
        self.from <= at && self.until.is_none_or(|u| at < u)
    }
    /// Whether the tenure overlaps `[from, to]`.
    pub fn overlaps(&self, from: Timestamp, to: Timestamp) -> bool {
        self.from <= to && self.until.is_none_or(|u| from < u)
    }
    /// Whether the position answers as the office's head (người đứng đầu).
    pub fn is_head(&self) -> bool {
        matches!(self.role, Role::Head | Role::ActingHead)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    pub key_id: String,
    pub person: PersonId,
    pub valid_from: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub reason: Option<RevocationReason>,
    pub compromised_since: Option<Timestamp>,
    pub events: Vec<EventId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRow {
    pub stream: StreamId,
    /// The symbol as printed ("06-CT/QU"), or the type and "(no number)".
    pub title: String,
    pub document_type: DocumentType,
    pub issued_on: LocalDate,
    pub subject: String,
    pub issuer: OfficeId,
    pub signer: PersonId,
    pub capacity: Capacity,
    pub implements: Vec<DocumentRef>,
    pub cites: Vec<DocumentRef>,
    pub amended: Vec<EventId>,
    pub revoked: Option<EventId>,
    /// The fields the recorder assumed rather than read (`issued_on`, `symbol`, …): shown as
    /// assumed wherever they are shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
    pub events: Vec<EventId>,
}

/// A task: an item of a document put on offices, with what it asks for in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRow {
    pub stream: StreamId,
    pub document: StreamId,
    pub item: String,
    pub content: String,
    pub assignees: Vec<Assignee>,
    pub obligation: Obligation,
    pub report_to: Option<OfficeId>,
    /// When the gate recorded the assignment.
    pub assigned_at: Timestamp,
    /// When the gate recorded its completion.
    pub completed_at: Option<Timestamp>,
    /// When the gate recorded the revocation of the task's document, which ends its duties:
    /// no period falls due after it (SPEC §7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    /// The `directive.revoked` event that ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<EventId>,
    pub events: Vec<EventId>,
}

impl TaskRow {
    /// The lead assignee (chủ trì), if any.
    pub fn lead(&self) -> Option<&Assignee> {
        self.assignees.iter().find(|a| a.role == mandate_model::event::AssigneeRole::Lead)
    }
}

/// A report on a task; for a recurring duty, on one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub event: EventId,
    pub position: u64,
    pub task: StreamId,
    pub period: Option<LocalDate>,
    /// The gate's time: timeliness is judged on it.
    pub recorded_at: Timestamp,
    pub occurred_at: Timestamp,
    pub signer: PersonId,
    pub office: OfficeId,
    pub capacity: Capacity,
    /// Who answers for the report: the signer when signing as head, else the office's head
    /// when it was signed (KT., TL., TUQ.).
    pub accountable: Option<PersonId>,
    pub summary: String,
    pub corrections: Vec<EventId>,
}

/// A `deadline.missed` the watchdog recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissRow {
    pub event: EventId,
    pub task: StreamId,
    pub period: Option<LocalDate>,
    pub due_at: Timestamp,
    pub recorded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRow {
    pub event: EventId,
    pub case: StreamId,
    pub against: Subject,
    pub breach: Breach,
    pub finding: String,
    pub occurred_at: Timestamp,
    pub recorded_by: OfficeId,
    pub withdrawn: Option<EventId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanctionRow {
    pub event: EventId,
    pub case: StreamId,
    pub violation: EventId,
    pub against: Subject,
    pub ladder: Ladder,
    pub sanction: SanctionKind,
    pub fine_vnd: Option<u64>,
    pub imposed_by: OfficeId,
    pub occurred_at: Timestamp,
    pub appeals: Vec<EventId>,
    /// The latest revision: the sanction it became, and the event.
    pub revised_to: Option<(SanctionKind, EventId)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommendationRow {
    pub event: EventId,
    pub to: Subject,
    pub title: String,
    pub reason: String,
    pub by: OfficeId,
    pub occurred_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRow {
    pub event: EventId,
    pub area: AreaPath,
    pub level: AlertLevel,
    pub effective_from: Timestamp,
    pub set_by: OfficeId,
}
