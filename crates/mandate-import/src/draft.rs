//! The draft: what the importer proposes from a document, every fact with where it came from.
//!
//! A draft is a JSON file an administrator reads, edits and applies (`schemas/IMPORT.md`,
//! `schemas/draft.schema.json`). Each fact carries a status: `found` (read from the text),
//! `resolved` (a name matched to something the ledger holds, the match in `note`), `ambiguous`
//! (several candidates; none chosen), `unknown` (the text leaves it blank or does not say it) or
//! `assumed` (filled in by a person; never written by the importer). Unknown stays unknown.

use mandate_model::event::{AssigneeRole, Capacity, Level, Obligation, OfficeKind, Role};
use mandate_model::ids::{AreaPath, OfficeId, PersonId, StreamId};
use mandate_model::symbol::{DocumentSymbol, DocumentType};
use mandate_model::time::{LocalDate, TimeOfDay, Timestamp};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The format name a draft carries in `format`.
pub const DRAFT_FORMAT: &str = "mandate-draft/1";

/// How a fact came to be in the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Read from the text, as quoted in `evidence`.
    Found,
    /// A name in the text matched to what the ledger holds; `note` shows the match.
    Resolved,
    /// The text fits several candidates (in `candidates`); a person must choose.
    Ambiguous,
    /// The text leaves it blank or does not say it; a person must fill it in or leave it out.
    Unknown,
    /// Not read from the text: filled in by a person reviewing the draft, or by a rule the
    /// draft states in `note` (only `occurred_at`'s time of day, which no text gives).
    Assumed,
}

impl Status {
    /// Whether an event may be made from a fact with this status.
    pub fn settled(&self) -> bool {
        matches!(self, Self::Found | Self::Resolved | Self::Assumed)
    }
}

/// Where a fact came from: a span of the draft's `source.text`, in Unicode code points from
/// its start, and the words there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub start: usize,
    pub end: usize,
    /// `source.text[start..end]`, exactly.
    pub quote: String,
}

/// One proposed value with its status and evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, bound(deserialize = "T: Deserialize<'de>"))]
#[schemars(rename = "Fact_of_{T}")]
pub struct Fact<T> {
    /// Absent when `unknown` or `ambiguous`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<T>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// With `ambiguous`: the values the text fits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<T>,
    /// Why: the match made, what the text leaves out, what a person should check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl<T> Fact<T> {
    /// A value read from the text.
    pub fn found(value: T, evidence: Evidence) -> Self {
        Self {
            value: Some(value),
            status: Status::Found,
            evidence: Some(evidence),
            candidates: Vec::new(),
            note: None,
        }
    }
    /// A name matched to the ledger.
    pub fn resolved(value: T, evidence: Option<Evidence>, note: String) -> Self {
        Self {
            value: Some(value),
            status: Status::Resolved,
            evidence,
            candidates: Vec::new(),
            note: Some(note),
        }
    }
    /// Several candidates, none chosen.
    pub fn ambiguous(candidates: Vec<T>, evidence: Option<Evidence>, note: String) -> Self {
        Self { value: None, status: Status::Ambiguous, evidence, candidates, note: Some(note) }
    }
    /// Not in the text.
    pub fn unknown(evidence: Option<Evidence>, note: impl Into<String>) -> Self {
        Self {
            value: None,
            status: Status::Unknown,
            evidence,
            candidates: Vec::new(),
            note: Some(note.into()),
        }
    }
    /// With a note added.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
    /// The value, when the status lets an event use it.
    pub fn settled(&self) -> Option<&T> {
        if self.status.settled() { self.value.as_ref() } else { None }
    }
}

/// A whole draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// `mandate-draft/1`.
    pub format: String,
    pub source: Source,
    pub document: DocumentDraft,
    pub signature: SignatureDraft,
    /// One per numbered item or dash that assigns work (an item with sub-items is a heading:
    /// its sub-items are the tasks, and it lends them its assignee).
    pub tasks: Vec<TaskDraft>,
    /// What the text says about who answers, and to whom. Kept in the draft only: no event
    /// holds it (the ledger's rules decide accountability from capacities and positions).
    pub accountability: Vec<Clause>,
    /// Offices the tasks name that the ledger does not know, proposed for registration.
    pub new_offices: Vec<NewOffice>,
}

/// The document read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The file name, as given.
    pub name: String,
    /// `text/plain` or the .docx media type.
    pub media_type: String,
    /// SHA-256 of the file's bytes, 64 lower-case hex digits.
    pub sha256: String,
    /// The text read from it, NFC, line ends as `\n`: what every `evidence` indexes.
    pub text: String,
}

/// The `directive.issued` event proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentDraft {
    /// The stream the event opens: `document:ISSUER:YEAR:SYMBOL`; unknown without a symbol.
    pub stream: Fact<StreamId>,
    pub document_type: Fact<DocumentType>,
    pub symbol: Fact<DocumentSymbol>,
    pub issuer: Fact<OfficeId>,
    pub place: Fact<String>,
    pub issued_on: Fact<LocalDate>,
    /// The event's `occurred_at`. A text gives a date only: the importer uses 08:00 local time
    /// on the issue date and marks it `assumed` (the one value it assumes itself, by this stated
    /// rule); unknown while the date is.
    pub occurred_at: Fact<Timestamp>,
    /// Trích yếu.
    pub subject: Fact<String>,
    /// Kính gửi.
    pub addressees: Vec<AddresseeDraft>,
    /// Nơi nhận.
    pub distribution: Vec<AddresseeDraft>,
    /// Thực hiện: documents this one implements.
    pub implements: Vec<CitationDraft>,
    /// Căn cứ, theo: documents it cites otherwise.
    pub cites: Vec<CitationDraft>,
    /// Fields of the event whose values are assumed, not read (the event's `assumed`).
    pub assumed_fields: Vec<String>,
}

/// A recipient, as written, with the office it resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddresseeDraft {
    pub name: String,
    /// "(b/c)": receives it to be reported to.
    pub for_report: bool,
    pub evidence: Evidence,
    /// Unknown when the name matches no registered office (then it is kept as written).
    pub office: Fact<OfficeId>,
}

/// A document cited, with the ledger document it resolves to if the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CitationDraft {
    pub symbol: DocumentSymbol,
    pub document_type: DocumentType,
    /// The issuer as written ("UBND Thành phố Hà Nội"), or the registered name it resolves to.
    pub issuer: Fact<String>,
    pub date: Fact<LocalDate>,
    pub evidence: Evidence,
    /// The ledger's document, when the ledger holds one with this symbol, issuer and year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<StreamId>,
}

/// The signature block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureDraft {
    /// The capacity of the outermost line (T/M, KT., TL., TUQ., Q.), or `direct`.
    pub capacity: Fact<Capacity>,
    /// Every line of the capacity chain, as written: `TL. CHỦ TỊCH`, `KT. CHÁNH VĂN PHÒNG`,
    /// `PHÓ CHÁNH VĂN PHÒNG`.
    pub chain: Vec<ChainLine>,
    /// The title for the event's actor, e.g. "T/M Ban Thường vụ, Bí thư".
    pub title: Fact<String>,
    /// The signer's name as written.
    pub signer: Fact<String>,
    /// The registered person of that name.
    pub person: Fact<PersonId>,
}

/// One line of a capacity chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainLine {
    /// Absent for the last line (the signer's own title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// The rest of the line: the body or the title.
    pub words: String,
    pub evidence: Evidence,
}

/// A proposed `task.assigned`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskDraft {
    /// The item as numbered: "3", "2.1", "2 (dash 5)".
    pub item: String,
    /// With a group ("UBND các phường"): the member's area's last segment, one task each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// True: a person chose to leave this task out of what is applied.
    #[serde(default)]
    pub skip: bool,
    /// The item's words.
    pub content: Fact<String>,
    pub assignees: Vec<AssigneeDraft>,
    pub obligation: Fact<Obligation>,
    /// The deadline phrase as read, even when `obligation` cannot be made from it yet (a daily
    /// duty whose first day, the issue date, the text leaves blank); absent for a standing duty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<Reading>,
    /// Who reports are owed to, when the item says ("báo cáo về Thường trực Quận ủy").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_to: Option<Fact<OfficeId>>,
    /// Parts of `obligation` the text does not state that the draft took from elsewhere (a
    /// recurring duty's first day is the issue date). Kept in the draft only: `task.assigned`
    /// has no `assumed` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
}

/// A deadline phrase as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// `before_day`, `within_day`, `daily_before`, `daily_by`, `periodic`, `within_days`.
    pub wording: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<LocalDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeOfDay>,
    /// With `within_days`: how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Whether "báo cáo" comes before it: each period needs a report.
    pub reported: bool,
    pub evidence: Evidence,
}

/// One office a task is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssigneeDraft {
    pub office: Fact<OfficeId>,
    pub role: Fact<AssigneeRole>,
    /// When the task falls on position-holders ("Các đồng chí Ủy viên Thường vụ … phụ trách").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_charge_of: Option<AreaPath>,
}

/// An accountability clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// The item it stands in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Who answers, as written ("Bí thư Đảng ủy và Chủ tịch UBND phường").
    pub who: String,
    /// Whether it names heads of offices (người đứng đầu, bí thư, chủ tịch, thủ trưởng).
    pub heads: bool,
    /// "nơi nào để xảy ra … thì …": it holds only if the condition comes about.
    pub conditional: bool,
    /// "chịu trách nhiệm trước Ban Thường vụ Tỉnh ủy": to whom, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owed_to: Option<String>,
    pub evidence: Evidence,
}

/// An office the text names that the ledger does not hold, proposed as `office.registered`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOffice {
    /// Its id: unknown until a person chooses one (the note suggests one).
    pub id: Fact<OfficeId>,
    pub name: Fact<String>,
    pub kind: Fact<OfficeKind>,
    pub level: Fact<Level>,
    pub area: Fact<AreaPath>,
    /// True: a person chose not to register it.
    #[serde(default)]
    pub skip: bool,
}
