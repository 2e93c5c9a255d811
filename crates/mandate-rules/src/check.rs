//! Every rule an append must pass, each with its own rejection.
//!
//! Checks run in two steps so that the costly one can run in parallel:
//! [`check_signature`] (key lookup and strict ed25519 verification; it only reads the state),
//! then [`check_rules`] (everything else, in log order, on a state that includes every earlier
//! event).

use mandate_model::body::DecodeError;
use mandate_model::chain::ChainBreak;
use mandate_model::event::{
    Capacity, DocumentRef, EventBody, EventData, Ladder, Obligation, OfficeKind, Role,
    SanctionKind, Subject,
};
use mandate_model::ids::{EventId, KeyId, OfficeId, PersonId, StreamId, StreamKind};
use mandate_model::time::{LocalDate, Timestamp};

use crate::ladder::Ladders;

use crate::state::{Citable, LedgerState};

pub use crate::signatures::{
    SignedEvent, Signers, check_signature, check_signature_with, check_signatures_with,
    is_administrator,
};
use crate::signatures::{
    check_genesis_signers, check_keys, missing_text, signature_count_text, signers_text,
};

/// Why the gate refused an append. Each variant is one rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The decoder's own words say what is wrong (no "malformed: … malformed").
    #[error(transparent)]
    Malformed(#[from] DecodeError),
    #[error("{}", signature_count_text(*n_signatures, *limit))]
    SignatureCount { n_signatures: usize, limit: usize },
    #[error(
        "the signatures are not in increasing order of key id with none repeated: {second} \
         follows {first}"
    )]
    SignatureOrder { first: KeyId, second: KeyId },
    #[error("the ledger has no genesis yet: the first event must be ledger.established")]
    NotEstablished,
    #[error("the ledger is already established; a second ledger.established is refused")]
    AlreadyEstablished,
    #[error("the event is for ledger {found:?}, but this ledger is {expected:?}")]
    WrongLedger { expected: String, found: String },
    #[error("key {key_id} is not registered in this ledger")]
    UnknownKey { key_id: KeyId },
    #[error(
        "the signature does not verify for key {key_id} (ed25519 verify_strict over the DSSE PAE)"
    )]
    BadSignature { key_id: KeyId },
    #[error("key {key_id} belongs to {owner}, not to the actor {actor}")]
    KeyNotOwned { key_id: KeyId, owner: PersonId, actor: PersonId },
    #[error(
        "key {key_id} belongs to {owner}, who is not an administrator at {at}: only \
         administrators co-sign an administrator's event"
    )]
    NotAnAdministrator { key_id: KeyId, owner: PersonId, at: Timestamp },
    #[error(
        "{} signed; an administrator's event needs {need} distinct administrators{}",
        signers_text(signed),
        missing_text(missing)
    )]
    BelowThreshold { signed: Vec<PersonId>, need: usize, missing: Vec<PersonId> },
    #[error(
        "key {key_id} is valid only from {valid_from}, after the event's occurred_at {occurred_at}"
    )]
    KeyNotYetValid { key_id: KeyId, valid_from: Timestamp, occurred_at: Timestamp },
    #[error(
        "key {key_id} was revoked at {effective_at}, before this append was recorded at {recorded_at}"
    )]
    KeyRevoked { key_id: KeyId, effective_at: Timestamp, recorded_at: Timestamp },
    #[error(
        "key {key_id} is compromised since {since}; the event claims to have occurred at {occurred_at}"
    )]
    KeyCompromised { key_id: KeyId, since: Timestamp, occurred_at: Timestamp },
    #[error(
        "occurred_at {occurred_at} is after the gate's clock {recorded_at}: events cannot come from the future"
    )]
    OccurredInFuture { occurred_at: Timestamp, recorded_at: Timestamp },
    #[error("{what} {id} is not registered in this ledger")]
    NotRegistered { what: &'static str, id: String },
    #[error("{person} may not sign as {capacity} for {office} at {at}: {reason}")]
    NotEntitled {
        person: PersonId,
        office: OfficeId,
        capacity: Capacity,
        at: Timestamp,
        reason: String,
    },
    #[error("the {what} {target} cited by {field} does not exist in this ledger")]
    MissingReference { field: &'static str, what: &'static str, target: String },
    #[error("{reason}")]
    Inconsistent { field: &'static str, reason: String },
    #[error("the deadline {due_at} is before the document's issue date {issued_on}")]
    DeadlineBeforeIssue { due_at: Timestamp, issued_on: LocalDate },
    #[error("{sanction} is not on the {ladder} ladder in force on {day}{source_text}")]
    SanctionNotOnLadder {
        sanction: SanctionKind,
        ladder: Ladder,
        day: LocalDate,
        source_text: String,
    },
    #[error(
        "{office} may not decide on a sanction imposed by {competent}: an appeal or revision is \
         decided by a body above the one that imposed it, whose area contains {competent}'s"
    )]
    NotCompetent { office: OfficeId, competent: OfficeId },
    #[error("{}", version_conflict_text(stream, *head, *claimed, *expected))]
    VersionConflict { stream: StreamId, head: u64, claimed: u64, expected: u64 },
    #[error("{}", prev_missing_text(stream, *claimed, *head, last.as_ref()))]
    PrevMissing { stream: StreamId, claimed: u64, head: u64, last: Option<EventId> },
    #[error(
        "the event's prev does not name the last event of stream {stream} (expected {expected})"
    )]
    PrevMismatch { stream: StreamId, expected: EventId },
}

/// A version without `prev` does not say which event it follows: say which one it must.
fn prev_missing_text(stream: &StreamId, claimed: u64, head: u64, last: Option<&EventId>) -> String {
    match last {
        Some(last) => format!(
            "the event claims version {claimed} of {stream} but gives no prev: the stream is at \
             version {head}, so the next event is version {} with prev {last}",
            head + 1
        ),
        None => format!(
            "the event claims version {claimed} of {stream} but gives no prev, and the stream has \
             no events yet: its first event is version 1, without prev"
        ),
    }
}

/// A version conflict said as what it means: a stream opened twice is something already
/// there (an office already registered), otherwise someone appended first.
fn version_conflict_text(stream: &StreamId, head: u64, claimed: u64, expected: u64) -> String {
    if claimed == 1 && head > 0 {
        let events = if head == 1 { "1 event".to_owned() } else { format!("{head} events") };
        format!(
            "{stream} already exists ({events}): what opens it is already in the ledger; to \
             change it, append the next event at version {expected}"
        )
    } else {
        format!(
            "stream {stream} is at version {head}; the event claims version {claimed} (expected \
             {expected}): someone appended first, or the version is wrong"
        )
    }
}

impl Rejection {
    /// Whether a signature check that failed this way may pass once earlier events of the same
    /// batch are applied (a key registered, or the ledger established, a moment before).
    pub fn may_pass_after_earlier_events(&self) -> bool {
        matches!(self, Self::UnknownKey { .. } | Self::NotEstablished)
    }

    /// A short stable name for the rule, for JSON output and tests.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::SignatureCount { .. } => "signature_count",
            Self::SignatureOrder { .. } => "signature_order",
            Self::NotAnAdministrator { .. } => "key_not_owned",
            Self::BelowThreshold { .. } => "below_threshold",
            Self::NotEstablished => "not_established",
            Self::AlreadyEstablished => "already_established",
            Self::WrongLedger { .. } => "wrong_ledger",
            Self::UnknownKey { .. } => "unknown_key",
            Self::BadSignature { .. } => "bad_signature",
            Self::KeyNotOwned { .. } => "key_not_owned",
            Self::KeyNotYetValid { .. } => "key_not_yet_valid",
            Self::KeyRevoked { .. } => "key_revoked",
            Self::KeyCompromised { .. } => "key_compromised",
            Self::OccurredInFuture { .. } => "occurred_in_future",
            Self::NotRegistered { .. } => "not_registered",
            Self::NotEntitled { .. } => "not_entitled",
            Self::MissingReference { .. } => "missing_reference",
            Self::Inconsistent { .. } => "inconsistent",
            Self::DeadlineBeforeIssue { .. } => "deadline_before_issue",
            Self::SanctionNotOnLadder { .. } => "sanction_not_on_ladder",
            Self::NotCompetent { .. } => "not_competent",
            Self::VersionConflict { .. } | Self::PrevMissing { .. } => "version_conflict",
            Self::PrevMismatch { .. } => "prev_mismatch",
        }
    }
}

/// Checks every rule but the signatures, on a state that includes every earlier event.
pub fn check_rules(
    state: &LedgerState,
    ladders: &Ladders,
    body: &EventBody,
    signers: &[KeyId],
    recorded_at: Timestamp,
) -> Result<(), Rejection> {
    let Some(ledger) = &state.ledger else {
        return match &body.data {
            EventData::LedgerEstablished { .. } => {
                check_genesis_signers(body, signers)?;
                check_version(state, body)
            }
            _ => Err(Rejection::NotEstablished),
        };
    };
    if matches!(body.data, EventData::LedgerEstablished { .. }) {
        return Err(Rejection::AlreadyEstablished);
    }
    if body.ledger != ledger.name {
        return Err(Rejection::WrongLedger {
            expected: ledger.name.clone(),
            found: body.ledger.clone(),
        });
    }
    check_keys(state, body, signers, recorded_at)?;
    if body.occurred_at > recorded_at {
        return Err(Rejection::OccurredInFuture { occurred_at: body.occurred_at, recorded_at });
    }
    check_references_and_authority(state, ladders, body)?;
    check_version(state, body)
}

fn check_version(state: &LedgerState, body: &EventBody) -> Result<(), Rejection> {
    let head = state.head(&body.stream).map(|h| (h.version, h.last));
    if body.version > 1 && body.prev.is_none() {
        let (version, last) = head.map_or((0, None), |(v, id)| (v, Some(id)));
        return Err(Rejection::PrevMissing {
            stream: body.stream.clone(),
            claimed: body.version,
            head: version,
            last,
        });
    }
    mandate_model::chain::continues(head, body).map_err(|chain_break| match chain_break {
        ChainBreak::Version { stream, head, claimed } => {
            Rejection::VersionConflict { stream, head, claimed, expected: head + 1 }
        }
        ChainBreak::Prev { stream, expected, .. } => match expected {
            Some(expected) => Rejection::PrevMismatch { stream, expected },
            // Version 1 with a prev is refused by the decoder; keep a rejection regardless.
            None => {
                Rejection::VersionConflict { stream, head: 0, claimed: body.version, expected: 1 }
            }
        },
    })
}

fn registered_office(state: &LedgerState, id: &OfficeId) -> Result<(), Rejection> {
    if state.offices.contains_key(id) {
        Ok(())
    } else {
        Err(Rejection::NotRegistered { what: "office", id: id.to_string() })
    }
}

fn registered_person(state: &LedgerState, id: &PersonId) -> Result<(), Rejection> {
    if state.persons.contains_key(id) {
        Ok(())
    } else {
        Err(Rejection::NotRegistered { what: "person", id: id.to_string() })
    }
}

fn existing_stream(
    state: &LedgerState,
    stream: &StreamId,
    field: &'static str,
    what: &'static str,
) -> Result<(), Rejection> {
    if state.head(stream).is_some() {
        Ok(())
    } else {
        Err(Rejection::MissingReference { field, what, target: stream.to_string() })
    }
}

fn document_ref(
    state: &LedgerState,
    r: &DocumentRef,
    field: &'static str,
) -> Result<(), Rejection> {
    match r {
        DocumentRef::Ledger(stream) if !state.documents.contains_key(stream) => {
            Err(Rejection::MissingReference { field, what: "document", target: stream.to_string() })
        }
        _ => Ok(()),
    }
}

fn inconsistent(field: &'static str, reason: impl Into<String>) -> Rejection {
    Rejection::Inconsistent { field, reason: reason.into() }
}

/// The capacities an office's own acts may be signed in.
const OFFICE_CAPACITIES: [Capacity; 6] = [
    Capacity::Direct,
    Capacity::OnBehalf,
    Capacity::InPlace,
    Capacity::ByOrder,
    Capacity::ByDelegation,
    Capacity::Acting,
];

/// Whether the actor may sign `kind` for their office in their capacity at `occurred_at`.
fn check_entitled(
    state: &LedgerState,
    body: &EventBody,
    allowed: &[Capacity],
) -> Result<(), Rejection> {
    let actor = &body.actor;
    let at = body.occurred_at;
    let refuse = |reason: String| Rejection::NotEntitled {
        person: actor.person.clone(),
        office: actor.office.clone(),
        capacity: actor.capacity,
        at,
        reason,
    };
    registered_person(state, &actor.person)?;
    if !allowed.contains(&actor.capacity) {
        return Err(refuse(format!(
            "{} event cannot be signed in that capacity",
            mandate_model::words::a(body.data.kind())
        )));
    }
    let office = state
        .offices
        .get(&actor.office)
        .ok_or_else(|| Rejection::NotRegistered { what: "office", id: actor.office.to_string() })?;
    let holds = |roles: &[Role]| office.holds(&actor.person, roles, at);
    let kind = body.data.kind();
    let ok = match actor.capacity {
        Capacity::Administrator => {
            let ledger = state.ledger.as_ref();
            ledger.is_some_and(|l| l.admin_office == actor.office)
                && (ledger.is_some_and(|l| l.administrators.contains(&actor.person))
                    || holds(&[Role::Head]))
        }
        Capacity::System => {
            state.ledger.as_ref().is_some_and(|l| l.admin_office == actor.office)
                && holds(&[Role::System])
        }
        Capacity::Direct => holds(&[Role::Head]),
        Capacity::Acting => holds(&[Role::ActingHead]),
        Capacity::InPlace => holds(&[Role::Deputy, Role::StandingDeputy]),
        Capacity::OnBehalf => {
            office.kind.is_collective()
                && holds(&[
                    Role::Head,
                    Role::StandingDeputy,
                    Role::Deputy,
                    Role::StandingBoardMember,
                ])
        }
        Capacity::ByOrder | Capacity::ByDelegation => office.delegations.iter().any(|d| {
            d.delegate == actor.person && d.capacity == actor.capacity && d.covers(kind, at)
        }),
    };
    if ok {
        return Ok(());
    }
    let held: Vec<String> = office
        .tenures
        .iter()
        .filter(|t| t.person == actor.person && t.covers(at))
        .map(|t| {
            serde_json::to_value(t.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    let needs = match actor.capacity {
        Capacity::Administrator => "the ledger's administrator",
        Capacity::System => "a system position in the administration office",
        Capacity::Direct => "the head's position (a deputy signs KT., in_place)",
        Capacity::Acting => "the acting head's position (Q.)",
        Capacity::InPlace => "a deputy's position (KT.)",
        Capacity::OnBehalf => "a seat on a collective body (T/M)",
        Capacity::ByOrder => "a TL. delegation from the head covering this kind of event",
        Capacity::ByDelegation => "a TUQ. delegation covering this kind of event",
    };
    Err(refuse(format!(
        "that capacity needs {needs}; they hold {} there then",
        if held.is_empty() { "no position".to_owned() } else { held.join(", ") }
    )))
}

/// Whether `overseer`'s area contains the subject's (an office, or an office the person holds a
/// position in at `at`).
fn check_oversight(
    state: &LedgerState,
    overseer: &OfficeId,
    subject: &Subject,
    at: Timestamp,
    field: &'static str,
) -> Result<(), Rejection> {
    let area = &state
        .offices
        .get(overseer)
        .ok_or_else(|| Rejection::NotRegistered { what: "office", id: overseer.to_string() })?
        .area;
    let covered = match subject {
        Subject::Office(office) => {
            registered_office(state, office)?;
            state.offices.get(office).is_some_and(|o| area.contains(&o.area))
        }
        Subject::Person(person) => {
            registered_person(state, person)?;
            state
                .offices_of(person, at)
                .iter()
                .any(|o| state.offices.get(*o).is_some_and(|o| area.contains(&o.area)))
        }
    };
    if covered {
        Ok(())
    } else {
        Err(inconsistent(
            field,
            format!(
                "{overseer} (area {area}) has no oversight over {subject:?}: it lies outside that area"
            ),
        ))
    }
}

fn check_ladder(
    ladders: &Ladders,
    ladder: Ladder,
    sanction: SanctionKind,
    day: LocalDate,
) -> Result<(), Rejection> {
    match ladders.in_force(ladder, day) {
        Some(rules) if rules.kinds.contains(&sanction) => Ok(()),
        Some(rules) => Err(Rejection::SanctionNotOnLadder {
            sanction,
            ladder,
            day,
            source_text: format!(" ({})", rules.source),
        }),
        None => Err(Rejection::SanctionNotOnLadder {
            sanction,
            ladder,
            day,
            source_text: String::new(),
        }),
    }
}

fn citable(
    state: &LedgerState,
    id: &EventId,
    field: &'static str,
    what: &'static str,
) -> Result<Citable, Rejection> {
    state.citable(id).ok_or(Rejection::MissingReference { field, what, target: id.to_string() })
}

fn check_references_and_authority(
    state: &LedgerState,
    ladders: &Ladders,
    body: &EventBody,
) -> Result<(), Rejection> {
    let admin = [Capacity::Administrator];
    let offset = state.ledger.as_ref().map_or(time::UtcOffset::UTC, |l| l.utc_offset);
    let stream_office = || body.stream.key().parse::<OfficeId>().ok();
    match &body.data {
        EventData::LedgerEstablished { .. } => Err(Rejection::AlreadyEstablished),
        EventData::AdministratorsChanged { administrators, .. } => {
            for person in administrators {
                registered_person(state, person)?;
            }
            check_entitled(state, body, &admin)
        }
        EventData::OfficeRegistered { parent, .. } => {
            if let Some(parent) = parent {
                registered_office(state, parent)?;
            }
            body.stream.key().parse::<OfficeId>().map_err(|e| {
                inconsistent("stream", format!("office:ID needs an office id: {e}"))
            })?;
            check_entitled(state, body, &admin)
        }
        EventData::PersonRegistered { .. } => {
            body.stream
                .key()
                .parse::<PersonId>()
                .map_err(|e| inconsistent("stream", format!("person:ID needs a person id: {e}")))?;
            check_entitled(state, body, &admin)
        }
        EventData::PositionAssigned { person, role, .. } => {
            let office =
                stream_office().ok_or_else(|| inconsistent("stream", "not an office stream"))?;
            registered_office(state, &office)?;
            registered_person(state, person)?;
            if *role == Role::System
                && state.ledger.as_ref().is_some_and(|l| l.admin_office != office)
            {
                return Err(inconsistent(
                    "data.role",
                    "the system role exists only in the administration office",
                ));
            }
            check_entitled(state, body, &admin)
        }
        EventData::PositionEnded { person, role, until, .. } => {
            let office =
                stream_office().ok_or_else(|| inconsistent("stream", "not an office stream"))?;
            let holds = state.offices.get(&office).is_some_and(|o| {
                o.tenures.iter().any(|t| {
                    &t.person == person && t.role == *role && t.until.is_none() && t.from <= *until
                })
            });
            if !holds {
                return Err(inconsistent(
                    "data.person",
                    format!(
                        "{person} holds no open {role} position in {office} that began before {until}"
                    ),
                ));
            }
            check_entitled(state, body, &admin)
        }
        EventData::DelegationGranted { delegate, .. } => {
            let office =
                stream_office().ok_or_else(|| inconsistent("stream", "not an office stream"))?;
            registered_office(state, &office)?;
            registered_person(state, delegate)?;
            if body.actor.office != office && body.actor.capacity != Capacity::Administrator {
                return Err(inconsistent(
                    "actor.office",
                    "only the office's own head grants its delegations",
                ));
            }
            // A delegation is never re-delegated: only the head (or the administrator) grants.
            check_entitled(state, body, &[Capacity::Administrator, Capacity::Direct])
        }
        EventData::DelegationRevoked { grant, .. } => {
            let office =
                stream_office().ok_or_else(|| inconsistent("stream", "not an office stream"))?;
            match &citable(state, grant, "data.grant", "delegation")? {
                Citable::DelegationGrant { office: granted_in } if *granted_in == office => {}
                _ => {
                    return Err(inconsistent(
                        "data.grant",
                        "does not name a delegation of this office",
                    ));
                }
            }
            check_entitled(state, body, &[Capacity::Administrator, Capacity::Direct])
        }
        EventData::KeyRegistered { person, .. } => {
            registered_person(state, person)?;
            check_entitled(state, body, &admin)
        }
        EventData::KeyRevoked { .. } => {
            existing_stream(state, &body.stream, "stream", "key")?;
            check_entitled(state, body, &admin)
        }
        EventData::DirectiveIssued {
            addressees,
            distribution,
            implements,
            cites,
            issued_on,
            ..
        } => {
            for a in addressees.iter().chain(distribution) {
                if let Some(office) = &a.office {
                    registered_office(state, office)?;
                }
            }
            for r in implements {
                document_ref(state, r, "data.implements")?;
            }
            for r in cites {
                document_ref(state, r, "data.cites")?;
            }
            if body.occurred_at.date_at(offset) < *issued_on {
                return Err(inconsistent("occurred_at", "is before the document's issue date"));
            }
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::DirectiveAmended { by, .. }
        | EventData::DirectiveRevoked { superseded_by: by, .. } => {
            let doc = state.documents.get(&body.stream).ok_or(Rejection::MissingReference {
                field: "stream",
                what: "document",
                target: body.stream.to_string(),
            })?;
            if doc.revoked {
                return Err(inconsistent("stream", format!("{} is already revoked", body.stream)));
            }
            if let Some(r) = by {
                document_ref(state, r, "data.by")?;
            }
            if doc.issuer != body.actor.office {
                return Err(inconsistent(
                    "actor.office",
                    format!("only the issuer {} may change it", doc.issuer),
                ));
            }
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::TaskAssigned { document, assignees, obligation, report_to, .. } => {
            let doc = state.documents.get(document).ok_or(Rejection::MissingReference {
                field: "data.document",
                what: "document",
                target: document.to_string(),
            })?;
            if doc.revoked {
                return Err(inconsistent("data.document", format!("{document} is revoked")));
            }
            if doc.issuer != body.actor.office {
                return Err(inconsistent(
                    "actor.office",
                    format!("tasks of {document} are assigned by its issuer {}", doc.issuer),
                ));
            }
            for a in assignees {
                registered_office(state, &a.office)?;
            }
            if let Some(office) = report_to {
                registered_office(state, office)?;
            }
            if let Obligation::Deadline { due_at, .. } = obligation
                && due_at.date_at(offset) < doc.issued_on
            {
                return Err(Rejection::DeadlineBeforeIssue {
                    due_at: *due_at,
                    issued_on: doc.issued_on,
                });
            }
            if let Obligation::Recurring { starts_on, .. } = obligation
                && *starts_on < doc.issued_on
            {
                return Err(inconsistent(
                    "data.obligation.starts_on",
                    "is before the document's issue date",
                ));
            }
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::ReportFiled { period, .. } => {
            let task = task_of_stream(state, &body.stream)?;
            match (&task.obligation, period) {
                (Obligation::Recurring { starts_on, ends_on, .. }, Some(day)) => {
                    if day < starts_on || ends_on.is_some_and(|end| *day > end) {
                        return Err(inconsistent(
                            "data.period",
                            format!("{day} is outside the duty's days"),
                        ));
                    }
                }
                (Obligation::Recurring { .. }, None) => {
                    return Err(inconsistent(
                        "data.period",
                        "a report on a recurring duty names its day",
                    ));
                }
                (_, Some(_)) => {
                    return Err(inconsistent(
                        "data.period",
                        "only reports on a recurring duty name a day",
                    ));
                }
                (_, None) => {}
            }
            check_assignee(state, task, body)
        }
        EventData::ReportCorrected { corrects, .. } => {
            let task = task_of_stream(state, &body.stream)?;
            match &citable(state, corrects, "data.corrects", "report")? {
                Citable::Report { task: of } if *of == body.stream => {}
                _ => {
                    return Err(inconsistent(
                        "data.corrects",
                        "does not name a report of this task",
                    ));
                }
            }
            check_assignee(state, task, body)
        }
        EventData::TaskCompleted { .. } => {
            let task = task_of_stream(state, &body.stream)?;
            check_assignee(state, task, body)
        }
        EventData::InspectionConducted { subjects, cites, .. } => {
            for subject in subjects {
                check_oversight(
                    state,
                    &body.actor.office,
                    subject,
                    body.occurred_at,
                    "data.subjects",
                )?;
            }
            for r in cites {
                document_ref(state, r, "data.cites")?;
            }
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::ViolationRecorded { against, breach, .. } => {
            match breach {
                mandate_model::event::Breach::Task(task) => {
                    if !state.tasks.contains_key(task) {
                        return Err(Rejection::MissingReference {
                            field: "data.breach.task",
                            what: "task",
                            target: task.to_string(),
                        });
                    }
                }
                mandate_model::event::Breach::Document(r) => {
                    document_ref(state, r, "data.breach.document")?
                }
            }
            check_oversight(state, &body.actor.office, against, body.occurred_at, "data.against")?;
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::ViolationWithdrawn { violation, .. } => {
            match &citable(state, violation, "data.violation", "violation")? {
                Citable::Violation { withdrawn: true, .. } => {
                    return Err(inconsistent("data.violation", "is already withdrawn"));
                }
                Citable::Violation { against, .. } => {
                    check_oversight(
                        state,
                        &body.actor.office,
                        against,
                        body.occurred_at,
                        "data.violation",
                    )?;
                }
                _ => return Err(inconsistent("data.violation", "does not name a violation")),
            }
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::SanctionImposed { violation, against, ladder, sanction, .. } => {
            let Citable::Violation { against: violator, occurred_at, withdrawn, .. } =
                &citable(state, violation, "data.violation", "violation")?
            else {
                return Err(inconsistent("data.violation", "does not name a violation"));
            };
            if *withdrawn {
                return Err(inconsistent("data.violation", "was withdrawn"));
            }
            let fits = match (violator, against) {
                (a, b) if a == b => true,
                (Subject::Office(office), Subject::Person(person)) => {
                    state.offices.get(office).is_some_and(|o| {
                        o.tenures.iter().any(|t| &t.person == person && t.covers(*occurred_at))
                    })
                }
                _ => false,
            };
            if !fits {
                return Err(inconsistent(
                    "data.against",
                    "a sanction falls on the violator, or on a person who held a position in the \
                     offending office when the violation occurred",
                ));
            }
            // Oversight is judged over the violator as it stood when the violation occurred:
            // a head who has since moved on still answers for it.
            check_oversight(state, &body.actor.office, violator, *occurred_at, "data.against")?;
            check_ladder(ladders, *ladder, *sanction, body.occurred_at.date_at(offset))?;
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::SanctionAppealed { sanction, .. } => {
            let Citable::Sanction { against, .. } =
                &citable(state, sanction, "data.sanction", "sanction")?
            else {
                return Err(inconsistent("data.sanction", "does not name a sanction"));
            };
            match against {
                Subject::Person(person) if *person == body.actor.person => {
                    registered_person(state, person)
                }
                Subject::Office(office) if *office == body.actor.office => {
                    check_entitled(state, body, &OFFICE_CAPACITIES)
                }
                _ => Err(inconsistent("actor", "only the sanctioned person or office may appeal")),
            }
        }
        EventData::SanctionRevised { sanction, ladder, revised_to, .. } => {
            let Citable::Sanction { competent, .. } =
                &citable(state, sanction, "data.sanction", "sanction")?
            else {
                return Err(inconsistent("data.sanction", "does not name a sanction"));
            };
            // A body above the one that imposed it decides (the appeal goes up): its area
            // strictly contains the imposing body's area.
            let area_of = |office: &OfficeId| {
                state.offices.get(office).map(|o| o.area.clone()).ok_or_else(|| {
                    Rejection::NotRegistered { what: "office", id: office.to_string() }
                })
            };
            let (deciding, imposing) = (area_of(&body.actor.office)?, area_of(competent)?);
            if deciding == imposing || !deciding.contains(&imposing) {
                return Err(Rejection::NotCompetent {
                    office: body.actor.office.clone(),
                    competent: competent.clone(),
                });
            }
            check_ladder(ladders, *ladder, *revised_to, body.occurred_at.date_at(offset))?;
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::CommendationAwarded { to, .. } => {
            check_oversight(state, &body.actor.office, to, body.occurred_at, "data.to")?;
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
        EventData::DeadlineMissed { task, .. } => {
            if !state.tasks.contains_key(task) {
                return Err(Rejection::MissingReference {
                    field: "data.task",
                    what: "task",
                    target: task.to_string(),
                });
            }
            check_entitled(state, body, &[Capacity::System])
        }
        EventData::AlertLevelChanged { .. } => {
            let area: mandate_model::ids::AreaPath = body
                .stream
                .key()
                .parse()
                .map_err(|_| inconsistent("stream", "must be area:AREA_PATH"))?;
            let office = state.offices.get(&body.actor.office).ok_or_else(|| {
                Rejection::NotRegistered { what: "office", id: body.actor.office.to_string() }
            })?;
            if !matches!(office.kind, OfficeKind::PeoplesCommittee | OfficeKind::SteeringCommittee)
                || !office.area.contains(&area)
            {
                return Err(inconsistent(
                    "actor.office",
                    "alert levels are set by the People's Committee or Steering Committee of the area or one above it",
                ));
            }
            check_entitled(state, body, &OFFICE_CAPACITIES)
        }
    }
}

fn task_of_stream<'a>(
    state: &'a LedgerState,
    stream: &StreamId,
) -> Result<&'a crate::state::Task, Rejection> {
    debug_assert_eq!(stream.kind(), StreamKind::Task);
    state.tasks.get(stream).ok_or(Rejection::MissingReference {
        field: "stream",
        what: "task",
        target: stream.to_string(),
    })
}

/// The actor's office must be among the task's assignees. Where the task falls on a position
/// (the Standing Board members in charge of the wards), a holder of that position acts in their
/// own name (capacity `direct`); otherwise the office's usual signing rules apply.
fn check_assignee(
    state: &LedgerState,
    task: &crate::state::Task,
    body: &EventBody,
) -> Result<(), Rejection> {
    let mine: Vec<_> = task.assignees.iter().filter(|a| a.office == body.actor.office).collect();
    if mine.is_empty() {
        return Err(inconsistent(
            "actor.office",
            format!("{} is not among the task's assignees", body.actor.office),
        ));
    }
    let position_holder = body.actor.capacity == Capacity::Direct
        && mine.iter().any(|a| {
            a.position.is_some_and(|role| {
                state.offices.get(&body.actor.office).is_some_and(|o| {
                    o.tenures.iter().any(|t| {
                        t.person == body.actor.person
                            && t.role == role
                            && t.covers(body.occurred_at)
                            && (a.in_charge_of.is_none() || t.in_charge_of == a.in_charge_of)
                    })
                })
            })
        });
    if position_holder {
        registered_person(state, &body.actor.person)
    } else {
        check_entitled(state, body, &OFFICE_CAPACITIES)
    }
}
