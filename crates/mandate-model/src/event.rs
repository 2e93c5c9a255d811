//! The events: one body shape, twenty-five kinds.
//!
//! Every body names its ledger, its stream, its 1-based version in that stream, the id of the
//! stream's previous event (absent for version 1), when its author says it happened, and who
//! acted in which capacity. The kind-specific fields sit under `data`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ids::{AreaPath, EventId, OfficeId, PersonId, StreamId, StreamKind};
use crate::symbol::{DocumentSymbol, DocumentType};
use crate::time::{LocalDate, TimeOfDay, Timestamp};

/// One event body, before it is turned into bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBody {
    /// The ledger's name, as its genesis event gave it.
    pub ledger: String,
    /// The stream (aggregate) this event belongs to.
    pub stream: StreamId,
    /// 1 for a stream's first event, then 2, 3, …
    pub version: u64,
    /// The id of the stream's event at `version - 1`; `None` exactly when `version` is 1.
    pub prev: Option<EventId>,
    /// When the author says it happened (the date on a document, the time of a finding).
    pub occurred_at: Timestamp,
    /// Who acts, for which office, in which capacity.
    pub actor: Actor,
    /// The kind and its fields.
    pub data: EventData,
}

/// Who acts, for which office, and in which signing capacity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub person: PersonId,
    pub office: OfficeId,
    pub capacity: Capacity,
    /// The title written in the signature block, e.g. "Phó Bí thư Thường trực".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Signing capacity: decides who answers for an act.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// The head (or acting head) signs in their own name.
    Direct,
    /// T/M, TM. (thay mặt): a member signs on behalf of a collective body, which answers.
    OnBehalf,
    /// KT., K/T (ký thay): a deputy signs in place of the head, who stays accountable.
    InPlace,
    /// TL., T/L (thừa lệnh): by order of the head, within a delegation's scope.
    ByOrder,
    /// TUQ. (thừa ủy quyền): by written delegation, limited in time and content.
    ByDelegation,
    /// Q. (quyền): acting head while the post is vacant.
    Acting,
    /// The ledger's administrator keeping the registry.
    Administrator,
    /// A system process of the ledger (the deadline watchdog).
    System,
}

impl Capacity {
    /// The abbreviation written on Vietnamese documents.
    pub fn abbreviation(&self) -> &'static str {
        match self {
            Self::Direct => "",
            Self::OnBehalf => "T/M",
            Self::InPlace => "KT.",
            Self::ByOrder => "TL.",
            Self::ByDelegation => "TUQ.",
            Self::Acting => "Q.",
            Self::Administrator => "admin",
            Self::System => "system",
        }
    }
}

/// The name a serde enum value has on the wire (`in_place`, `reprimand`): what `--json` and the
/// schemas say, for messages that must not show Rust's variant names.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// As users write it: `KT. (in_place)`, `T/M (on_behalf)`, `direct`, `administrator`.
impl std::fmt::Display for Capacity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Direct | Self::Administrator | Self::System => f.write_str(&wire_name(self)),
            _ => write!(f, "{} ({})", self.abbreviation(), wire_name(self)),
        }
    }
}

/// A position held in an office.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Người đứng đầu: Bí thư, Chủ tịch, Giám đốc, Trưởng ban.
    Head,
    /// Phó Bí thư Thường trực: the standing deputy of a Party committee.
    StandingDeputy,
    /// Phó Bí thư, Phó Chủ tịch, Phó Giám đốc.
    Deputy,
    /// Ủy viên Ban Thường vụ.
    StandingBoardMember,
    /// Q.: acting head while the head's post is vacant.
    ActingHead,
    /// An ordinary member or official.
    Member,
    /// A ledger system process (the watchdog), held in the administration office.
    System,
}

/// The wire name: `head`, `standing_board_member`.
impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&wire_name(self))
    }
}

/// What kind of body an office is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OfficeKind {
    /// Tỉnh ủy, Thành ủy, Quận ủy, Huyện ủy, Đảng ủy phường/xã.
    PartyCommittee,
    /// Ban Thường vụ of a Party committee.
    StandingBoard,
    /// Ban Tuyên giáo, Ban Dân vận, Văn phòng cấp ủy…
    PartyBoard,
    /// Ủy ban Kiểm tra.
    InspectionCommittee,
    /// Ủy ban nhân dân.
    PeoplesCommittee,
    /// Hội đồng nhân dân.
    PeoplesCouncil,
    /// Ban Chỉ đạo phòng, chống dịch.
    SteeringCommittee,
    /// Sở, phòng, ban chuyên môn.
    Department,
    /// Công an.
    Police,
    /// Quân sự.
    Military,
    /// Mặt trận Tổ quốc.
    Front,
    /// Đoàn thể.
    MassOrganisation,
    /// Tổ Covid cộng đồng.
    CommunityTeam,
    /// The ledger's own administration (registry keeping, system processes).
    Administration,
}

impl OfficeKind {
    /// Whether the office acts as a collective, so that "T/M" signatures answer for it.
    pub fn is_collective(&self) -> bool {
        matches!(
            self,
            Self::PartyCommittee
                | Self::StandingBoard
                | Self::PeoplesCommittee
                | Self::PeoplesCouncil
                | Self::SteeringCommittee
                | Self::InspectionCommittee
                | Self::Front
        )
    }
}

/// Administrative level.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    National,
    /// Tỉnh, thành phố trực thuộc trung ương.
    Province,
    /// Quận, huyện, thị xã, thành phố thuộc tỉnh.
    District,
    /// Xã, phường, thị trấn.
    Commune,
    /// Thôn, khu, tổ dân phố.
    Residential,
}

/// A reference to a document: one in this ledger, or one outside it, cited only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentRef {
    /// A document in this ledger, by its stream; the gate checks that it exists.
    Ledger(StreamId),
    /// A document outside this ledger (e.g. a Prime Minister's directive), cited as written.
    External(ExternalDocument),
}

/// A document outside the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalDocument {
    /// The issuing body as written, e.g. "UBND Thành phố Hà Nội".
    pub issuer: String,
    pub symbol: DocumentSymbol,
    pub date: LocalDate,
}

/// An office or a person, as the subject of a finding, sanction or commendation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Office(OfficeId),
    Person(PersonId),
}

/// A recipient of a document (Kính gửi, Nơi nhận).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Addressee {
    /// As written on the document.
    pub name: String,
    /// The office, where it is registered in the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<OfficeId>,
    /// "(b/c)": receives it to be reported to.
    pub for_report: bool,
}

/// A file kept outside the ledger, committed to by its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub description: String,
    /// SHA-256 of the file, 64 lower-case hex digits.
    pub sha256: EventIdLike,
}

/// A SHA-256 digest written as 64 lower-case hex digits.
pub type EventIdLike = EventId;

/// Where an office stands among those a task is assigned to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AssigneeRole {
    /// Chủ trì: leads, and answers for the deadline.
    Lead,
    /// Phối hợp: coordinates.
    Coordinate,
}

/// An office a task is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignee {
    pub office: OfficeId,
    pub role: AssigneeRole,
    /// When the task falls on a position-holder rather than the office as a whole
    /// (06-CT/QU item 3: the Standing Board members in charge of the wards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Role>,
    /// With `position`: the holder in charge of this area ("phụ trách phường Bồ Đề").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_charge_of: Option<AreaPath>,
}

/// How a deadline was worded.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineWording {
    /// "hoàn thành trước ngày D": due when day D begins.
    BeforeDay,
    /// "trong ngày D": due when day D ends.
    WithinDay,
    /// A stated hour.
    AtTime,
}

/// How often a recurring obligation falls due.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// "hằng ngày".
    Daily,
}

/// What a task asks for, in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Obligation {
    /// One deadline.
    Deadline { due_at: Timestamp, wording: DeadlineWording },
    /// A duty that recurs, e.g. report daily before 16:30 (UTC+7).
    Recurring {
        cadence: Cadence,
        /// Local time of day the period's report is due by.
        due_time: TimeOfDay,
        /// The offset `due_time` is read in, e.g. "+07:00".
        utc_offset: String,
        /// The first day a report is due.
        starts_on: LocalDate,
        /// The last day a report is due; absent: until the directive is revoked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ends_on: Option<LocalDate>,
        /// Whether each period needs a report ("báo cáo … trước 16h30 hằng ngày"), or is a duty
        /// to act only ("đóng cửa nhà trọ chậm nhất 21 giờ hàng ngày"), which cannot be missed
        /// for want of a report but which violations can cite.
        reported: bool,
    },
    /// A standing duty with no date ("tiếp tục…", "tăng cường…"): it cannot be late.
    Standing,
}

/// The kind of a report.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Định kỳ.
    Periodic,
    /// Chuyên đề.
    Thematic,
    /// Đột xuất.
    AdHoc,
}

/// The ladder a sanction is taken from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Ladder {
    /// Non-disciplinary measures.
    NonDisciplinary,
    /// Party discipline (kỷ luật Đảng).
    Party,
    /// Civil-service discipline (kỷ luật cán bộ, công chức).
    CivilService,
    /// Administrative fines (xử phạt vi phạm hành chính).
    Administrative,
}

/// The wire name: `party`, `civil_service`.
impl std::fmt::Display for Ladder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&wire_name(self))
    }
}

/// A sanction's kind. Which kinds a ladder allows on a date is dated data kept by the gate.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SanctionKind {
    /// Nhắc nhở.
    Reminder,
    /// Phê bình.
    Criticism,
    /// Kiểm điểm.
    SelfCriticismReview,
    /// Công khai trên phương tiện thông tin đại chúng.
    PublicDisclosure,
    /// Dừng hoạt động.
    StopOperating,
    /// Khiển trách.
    Reprimand,
    /// Cảnh cáo.
    Warning,
    /// Cách chức.
    RemovalFromPost,
    /// Khai trừ.
    Expulsion,
    /// Giải tán (an organisation).
    Dissolution,
    /// Hạ bậc lương.
    SalaryGradeReduction,
    /// Giáng chức.
    Demotion,
    /// Buộc thôi việc.
    Dismissal,
    /// Phạt tiền.
    Fine,
}

impl SanctionKind {
    /// The Vietnamese name.
    pub fn vietnamese_name(&self) -> &'static str {
        match self {
            Self::Reminder => "nhắc nhở",
            Self::Criticism => "phê bình",
            Self::SelfCriticismReview => "kiểm điểm",
            Self::PublicDisclosure => "công khai",
            Self::StopOperating => "dừng hoạt động",
            Self::Reprimand => "khiển trách",
            Self::Warning => "cảnh cáo",
            Self::RemovalFromPost => "cách chức",
            Self::Expulsion => "khai trừ",
            Self::Dissolution => "giải tán",
            Self::SalaryGradeReduction => "hạ bậc lương",
            Self::Demotion => "giáng chức",
            Self::Dismissal => "buộc thôi việc",
            Self::Fine => "phạt tiền",
        }
    }
}

/// The Vietnamese name and the wire name: `khiển trách (reprimand)`.
impl std::fmt::Display for SanctionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.vietnamese_name(), wire_name(self))
    }
}

/// How a key came to be revoked.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// Retired in a rotation; everything it signed before stays valid.
    Superseded,
    /// The holder left every position.
    HolderLeft,
    /// Lost or stolen: nothing it signed from `compromised_since` on is trusted.
    Compromised,
}

/// Epidemic alert level (cấp độ dịch).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    /// 1: low, green.
    Low,
    /// 2: medium, yellow.
    Medium,
    /// 3: high, orange.
    High,
    /// 4: very high, red.
    VeryHigh,
}

/// The administrator named by the genesis event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Administrator {
    pub person: PersonId,
    pub full_name: String,
    /// The ed25519 public key, 32 bytes in base64 (RFC 4648 §4, padded).
    pub public_key: String,
}

/// A finding at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub place: String,
    pub description: String,
}

/// What a violation cites as breached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Breach {
    /// A task in this ledger, by its stream.
    Task(StreamId),
    /// A document.
    Document(DocumentRef),
}

/// The kind-specific part of an event. `kind` names the variant; its fields go under `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "data")]
pub enum EventData {
    /// Genesis: the ledger's name, time zone, administrator and administration office.
    #[serde(rename = "ledger.established")]
    LedgerEstablished {
        /// Offset human times are read in, e.g. "+07:00".
        utc_offset: String,
        administrator: Administrator,
        /// The administration office (registry keeping), registered by this event.
        admin_office: OfficeId,
        admin_office_name: String,
        /// The key the gate signs receipts with, 32 bytes in base64.
        gate_public_key: String,
        /// The other administrators, each with their key (absent: the administrator alone).
        /// Each is registered as a person with that key by this event.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[schemars(length(min = 1, max = 15))]
        co_administrators: Vec<Administrator>,
        /// How many distinct administrators must sign each event in capacity `administrator`,
        /// this one included (absent: 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(range(min = 1, max = 16))]
        threshold: Option<u32>,
    },
    /// The administrator set and its threshold from now on, signed under the old ones.
    #[serde(rename = "administrators.changed")]
    AdministratorsChanged {
        /// Every administrator from now on, each a registered person, in no particular order.
        #[schemars(length(min = 1, max = 16))]
        administrators: Vec<PersonId>,
        /// How many distinct administrators must sign each event in capacity `administrator`.
        #[schemars(range(min = 1, max = 16))]
        threshold: u32,
    },
    #[serde(rename = "office.registered")]
    OfficeRegistered {
        name: String,
        kind: OfficeKind,
        level: Level,
        area: AreaPath,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<OfficeId>,
    },
    #[serde(rename = "person.registered")]
    PersonRegistered {
        full_name: String,
        /// True for the demo's invented people.
        fictional: bool,
    },
    #[serde(rename = "position.assigned")]
    PositionAssigned {
        person: PersonId,
        role: Role,
        /// As written: "Bí thư", "Chủ tịch UBND phường".
        title: String,
        from: Timestamp,
        /// The area the holder is in charge of ("Ủy viên BTV phụ trách phường Bồ Đề").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        in_charge_of: Option<AreaPath>,
        /// What `from` rests on, when it is not the appointment itself (e.g. "first shown in
        /// office by 06-CT/QU of 28/7/2021; earlier start not known").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis: Option<String>,
    },
    #[serde(rename = "position.ended")]
    PositionEnded { person: PersonId, role: Role, until: Timestamp, reason: String },
    #[serde(rename = "delegation.granted")]
    DelegationGranted {
        delegate: PersonId,
        /// `by_order` (TL.) or `by_delegation` (TUQ.).
        capacity: Capacity,
        /// The event kinds the delegate may sign, e.g. ["report.filed"].
        scope: Vec<String>,
        valid_from: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        valid_until: Option<Timestamp>,
    },
    #[serde(rename = "delegation.revoked")]
    DelegationRevoked { grant: EventId, effective_at: Timestamp },
    #[serde(rename = "key.registered")]
    KeyRegistered {
        person: PersonId,
        /// The ed25519 public key, 32 bytes in base64 (RFC 4648 §4, padded).
        public_key: String,
        valid_from: Timestamp,
    },
    #[serde(rename = "key.revoked")]
    KeyRevoked {
        reason: RevocationReason,
        effective_at: Timestamp,
        /// With `compromised`: nothing the key signed as occurring from then on is trusted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        compromised_since: Option<Timestamp>,
    },
    #[serde(rename = "directive.issued")]
    DirectiveIssued {
        document_type: DocumentType,
        /// Absent when the text shows no number (then the stream key says so).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        symbol: Option<DocumentSymbol>,
        issued_on: LocalDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        place: Option<String>,
        /// Trích yếu.
        subject: String,
        /// Kính gửi.
        addressees: Vec<Addressee>,
        /// Nơi nhận.
        distribution: Vec<Addressee>,
        /// Documents this one implements (thực hiện).
        implements: Vec<DocumentRef>,
        /// Documents it cites otherwise (căn cứ, theo).
        cites: Vec<DocumentRef>,
        /// Names of fields under `data` whose values the recorder assumed, not read.
        assumed: Vec<String>,
    },
    #[serde(rename = "directive.amended")]
    DirectiveAmended {
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<DocumentRef>,
    },
    #[serde(rename = "directive.revoked")]
    DirectiveRevoked {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        superseded_by: Option<DocumentRef>,
    },
    #[serde(rename = "task.assigned")]
    TaskAssigned {
        /// The document the task comes from.
        document: StreamId,
        /// Its numbered item: "3", "2.1", "2 (dash 5)".
        item: String,
        content: String,
        assignees: Vec<Assignee>,
        obligation: Obligation,
        /// Who reports are owed to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        report_to: Option<OfficeId>,
    },
    #[serde(rename = "report.filed")]
    ReportFiled {
        report_kind: ReportKind,
        /// For a recurring duty, the day the report answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<LocalDate>,
        summary: String,
        attachments: Vec<Attachment>,
    },
    #[serde(rename = "report.corrected")]
    ReportCorrected { corrects: EventId, summary: String },
    #[serde(rename = "task.completed")]
    TaskCompleted { summary: String },
    #[serde(rename = "inspection.conducted")]
    InspectionConducted {
        /// The team as named, e.g. "Đoàn kiểm tra liên ngành Quận".
        team: String,
        subjects: Vec<Subject>,
        findings: Vec<Finding>,
        cites: Vec<DocumentRef>,
    },
    #[serde(rename = "violation.recorded")]
    ViolationRecorded {
        against: Subject,
        breach: Breach,
        finding: String,
        evidence: Vec<Attachment>,
    },
    #[serde(rename = "violation.withdrawn")]
    ViolationWithdrawn { violation: EventId, reason: String },
    #[serde(rename = "sanction.imposed")]
    SanctionImposed {
        violation: EventId,
        against: Subject,
        ladder: Ladder,
        sanction: SanctionKind,
        /// With `fine` only: the amount in đồng.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fine_vnd: Option<u64>,
        reason: String,
    },
    #[serde(rename = "sanction.appealed")]
    SanctionAppealed { sanction: EventId, grounds: String },
    #[serde(rename = "sanction.revised")]
    SanctionRevised {
        sanction: EventId,
        ladder: Ladder,
        revised_to: SanctionKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fine_vnd: Option<u64>,
        reason: String,
    },
    #[serde(rename = "commendation.awarded")]
    CommendationAwarded { to: Subject, title: String, reason: String },
    #[serde(rename = "deadline.missed")]
    DeadlineMissed {
        task: StreamId,
        due_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<LocalDate>,
    },
    #[serde(rename = "alert_level.changed")]
    AlertLevelChanged { level: AlertLevel, effective_from: Timestamp },
}

/// Every kind name, with the stream kind its events belong to.
pub const EVENT_KINDS: [(&str, StreamKind); 26] = [
    ("ledger.established", StreamKind::Ledger),
    ("administrators.changed", StreamKind::Ledger),
    ("office.registered", StreamKind::Office),
    ("person.registered", StreamKind::Person),
    ("position.assigned", StreamKind::Office),
    ("position.ended", StreamKind::Office),
    ("delegation.granted", StreamKind::Office),
    ("delegation.revoked", StreamKind::Office),
    ("key.registered", StreamKind::Key),
    ("key.revoked", StreamKind::Key),
    ("directive.issued", StreamKind::Document),
    ("directive.amended", StreamKind::Document),
    ("directive.revoked", StreamKind::Document),
    ("task.assigned", StreamKind::Task),
    ("report.filed", StreamKind::Task),
    ("report.corrected", StreamKind::Task),
    ("task.completed", StreamKind::Task),
    ("inspection.conducted", StreamKind::Case),
    ("violation.recorded", StreamKind::Case),
    ("violation.withdrawn", StreamKind::Case),
    ("sanction.imposed", StreamKind::Case),
    ("sanction.appealed", StreamKind::Case),
    ("sanction.revised", StreamKind::Case),
    ("commendation.awarded", StreamKind::Commendation),
    ("deadline.missed", StreamKind::Miss),
    ("alert_level.changed", StreamKind::Area),
];

impl EventData {
    /// The kind name, e.g. `task.assigned`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::LedgerEstablished { .. } => "ledger.established",
            Self::AdministratorsChanged { .. } => "administrators.changed",
            Self::OfficeRegistered { .. } => "office.registered",
            Self::PersonRegistered { .. } => "person.registered",
            Self::PositionAssigned { .. } => "position.assigned",
            Self::PositionEnded { .. } => "position.ended",
            Self::DelegationGranted { .. } => "delegation.granted",
            Self::DelegationRevoked { .. } => "delegation.revoked",
            Self::KeyRegistered { .. } => "key.registered",
            Self::KeyRevoked { .. } => "key.revoked",
            Self::DirectiveIssued { .. } => "directive.issued",
            Self::DirectiveAmended { .. } => "directive.amended",
            Self::DirectiveRevoked { .. } => "directive.revoked",
            Self::TaskAssigned { .. } => "task.assigned",
            Self::ReportFiled { .. } => "report.filed",
            Self::ReportCorrected { .. } => "report.corrected",
            Self::TaskCompleted { .. } => "task.completed",
            Self::InspectionConducted { .. } => "inspection.conducted",
            Self::ViolationRecorded { .. } => "violation.recorded",
            Self::ViolationWithdrawn { .. } => "violation.withdrawn",
            Self::SanctionImposed { .. } => "sanction.imposed",
            Self::SanctionAppealed { .. } => "sanction.appealed",
            Self::SanctionRevised { .. } => "sanction.revised",
            Self::CommendationAwarded { .. } => "commendation.awarded",
            Self::DeadlineMissed { .. } => "deadline.missed",
            Self::AlertLevelChanged { .. } => "alert_level.changed",
        }
    }

    /// The kind of stream events of this kind belong to.
    pub fn stream_kind(&self) -> StreamKind {
        let kind = self.kind();
        EVENT_KINDS.iter().find(|(name, _)| *name == kind).map_or(StreamKind::Ledger, |(_, s)| *s)
    }

    /// Whether this kind opens its stream (must be version 1) rather than continuing one.
    pub fn opens_stream(&self) -> bool {
        kind_opens_stream(self.kind())
    }
}

/// The kinds that open their stream (SPEC §3): their events are always version 1.
pub const STREAM_OPENING_KINDS: [&str; 8] = [
    "ledger.established",
    "office.registered",
    "person.registered",
    "key.registered",
    "directive.issued",
    "task.assigned",
    "commendation.awarded",
    "deadline.missed",
];

/// Whether events of `kind` open their stream.
pub fn kind_opens_stream(kind: &str) -> bool {
    STREAM_OPENING_KINDS.contains(&kind)
}
