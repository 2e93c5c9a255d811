//! The state the gate judges appends on, folded from accepted events: the ledger's genesis,
//! offices with their positions and delegations, people, keys, stream heads, documents, tasks,
//! and the events other events may cite.

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use mandate_model::event::{
    Assignee, Capacity, EventBody, EventData, Level, Obligation, OfficeKind, RevocationReason,
    Role, Subject,
};
use mandate_model::ids::{AreaPath, EventId, KeyId, OfficeId, PersonId, StreamId};
use mandate_model::sign::decode_public_key;
use mandate_model::subject::stream_subject;
use mandate_model::time::{LocalDate, Timestamp};

/// What the genesis event established.
#[derive(Debug, Clone)]
pub struct LedgerInfo {
    pub name: String,
    pub utc_offset: time::UtcOffset,
    /// The administrator genesis names first (its actor).
    pub administrator: PersonId,
    /// Every administrator now: genesis's, then as `administrators.changed` last set it.
    pub administrators: std::collections::BTreeSet<PersonId>,
    /// How many distinct administrators must sign an event in capacity `administrator`.
    pub threshold: usize,
    pub admin_office: OfficeId,
    pub genesis: EventId,
    /// The key receipts are signed with.
    pub gate_key: Option<VerifyingKey>,
}

/// A span during which a person holds a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenure {
    pub person: PersonId,
    pub role: Role,
    pub title: String,
    pub from: Timestamp,
    pub until: Option<Timestamp>,
    /// The area the holder is in charge of, if the position has one.
    pub in_charge_of: Option<AreaPath>,
    /// The `position.assigned` event.
    pub assigned_by: EventId,
}

impl Tenure {
    /// Whether the tenure covers `at`.
    pub fn covers(&self, at: Timestamp) -> bool {
        self.from <= at && self.until.is_none_or(|until| at < until)
    }
}

/// A TL. or TUQ. delegation.
#[derive(Debug, Clone)]
pub struct Delegation {
    pub grant: EventId,
    pub delegate: PersonId,
    pub capacity: Capacity,
    pub scope: Vec<String>,
    pub valid_from: Timestamp,
    pub valid_until: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl Delegation {
    /// Whether the delegation lets its delegate sign `kind` at `at`.
    pub fn covers(&self, kind: &str, at: Timestamp) -> bool {
        self.valid_from <= at
            && self.valid_until.is_none_or(|until| at < until)
            && self.revoked_at.is_none_or(|revoked| at < revoked)
            && self.scope.iter().any(|k| k == kind)
    }
}

/// A registered office.
#[derive(Debug, Clone)]
pub struct Office {
    pub name: String,
    pub kind: OfficeKind,
    pub level: Level,
    pub area: AreaPath,
    pub parent: Option<OfficeId>,
    pub tenures: Vec<Tenure>,
    pub delegations: Vec<Delegation>,
}

impl Office {
    /// The tenures of `person` in `role` covering `at`.
    pub fn holds(&self, person: &PersonId, roles: &[Role], at: Timestamp) -> bool {
        self.tenures.iter().any(|t| &t.person == person && roles.contains(&t.role) && t.covers(at))
    }

    /// Who held `role` at `at`.
    pub fn holder(&self, role: Role, at: Timestamp) -> Option<&Tenure> {
        self.tenures.iter().find(|t| t.role == role && t.covers(at))
    }
}

/// A registered person.
#[derive(Debug, Clone)]
pub struct Person {
    pub full_name: String,
    pub fictional: bool,
}

/// A registered key.
#[derive(Debug, Clone)]
pub struct Key {
    pub public_key: VerifyingKey,
    pub person: PersonId,
    pub valid_from: Timestamp,
    pub revoked: Option<KeyRevocation>,
}

/// When and why a key stopped being trusted.
#[derive(Debug, Clone, Copy)]
pub struct KeyRevocation {
    pub reason: RevocationReason,
    pub effective_at: Timestamp,
    pub compromised_since: Option<Timestamp>,
}

/// A stream's last event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHead {
    pub version: u64,
    pub last: EventId,
    /// The log position of the last event.
    pub last_position: u64,
    /// The NATS subject of the stream (fixed when the stream opens).
    pub subject: Arc<str>,
}

/// A document in the ledger.
#[derive(Debug, Clone)]
pub struct Document {
    pub issuer: OfficeId,
    pub issued_on: LocalDate,
    pub revoked: bool,
}

/// A task in the ledger.
#[derive(Debug, Clone)]
pub struct Task {
    pub document: StreamId,
    pub assignees: Vec<Assignee>,
    pub obligation: Obligation,
    pub assigned_at: Timestamp,
}

/// An event other events may cite by id.
#[derive(Debug, Clone)]
pub enum Citable {
    Violation { against: Subject, recorded_by: OfficeId, occurred_at: Timestamp, withdrawn: bool },
    Sanction { against: Subject, competent: OfficeId },
    Report { task: StreamId },
    DelegationGrant { office: OfficeId },
}

/// The gate's whole view of the ledger.
#[derive(Debug, Clone, Default)]
pub struct LedgerState {
    pub ledger: Option<LedgerInfo>,
    pub offices: BTreeMap<OfficeId, Office>,
    pub persons: BTreeMap<PersonId, Person>,
    /// Shared so that a gate can verify the next batch's signatures against a snapshot while it
    /// commits this one; copied on write.
    pub keys: Arc<BTreeMap<KeyId, Key>>,
    /// The heads of the streams folded in (with a backing: since the last commit).
    pub streams: BTreeMap<StreamId, StreamHead>,
    pub documents: BTreeMap<StreamId, Document>,
    pub tasks: BTreeMap<StreamId, Task>,
    /// Violations, sanctions and delegation grants (all of them), and the reports folded in
    /// (with a backing: since the last commit).
    pub citable: BTreeMap<EventId, Citable>,
    /// The number of events folded in: the log position of the last one.
    pub n_events: u64,
    /// Where what is not folded in is looked up (`crate::backing`).
    lazy: crate::backing::Lazy,
}

/// Beyond this many heads and reports held since the last commit, a backed state lets them go
/// (the log holds them).
const KEEP_AFTER_COMMIT: usize = 1 << 16;

impl LedgerState {
    /// The head of `stream`, if it has events.
    pub fn head(&self, stream: &StreamId) -> Option<StreamHead> {
        if let Some(h) = self.streams.get(stream) {
            return Some(h.clone());
        }
        let backing = self.lazy.backing.as_ref()?;
        let mut heads = self.lazy.heads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = heads.get(stream) {
            return known.clone();
        }
        let found = match backing.head(stream) {
            Ok(found) => found.map(|b| {
                let ledger =
                    self.ledger.as_ref().map_or(b.first.ledger.as_str(), |l| l.name.as_str());
                let (area, office_body) = self.owner_of(&b.first);
                StreamHead {
                    version: b.version,
                    last: b.last,
                    last_position: b.last_position,
                    subject: stream_subject(ledger, stream, &area, &office_body).into(),
                }
            }),
            Err(e) => {
                self.lazy.failed(format!("the head of {stream} cannot be read from the log: {e}"));
                return None;
            }
        };
        heads.insert(stream.clone(), found.clone());
        found
    }

    /// The event `id` that others may cite (a report, violation, sanction or grant).
    pub fn citable(&self, id: &EventId) -> Option<Citable> {
        if let Some(c) = self.citable.get(id) {
            return Some(c.clone());
        }
        let backing = self.lazy.backing.as_ref()?;
        let mut reports = self.lazy.reports.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = reports.get(id) {
            return known.clone().map(|task| Citable::Report { task });
        }
        let found = match backing.report_task(id) {
            Ok(found) => found,
            Err(e) => {
                self.lazy.failed(format!("the report {id} cannot be read from the log: {e}"));
                return None;
            }
        };
        reports.insert(*id, found.clone());
        found.map(|task| Citable::Report { task })
    }

    /// Looks up, from now on, what is not folded in through `backing` (which must hold every
    /// event up to [`LedgerState::n_events`]).
    pub fn set_backing(&mut self, backing: Arc<dyn crate::backing::Backing>) {
        self.lazy = crate::backing::Lazy { backing: Some(backing), ..Default::default() };
    }

    /// Whether what is not folded in is looked up in the log.
    pub fn is_backed(&self) -> bool {
        self.lazy.backing.is_some()
    }

    /// The first failure to read the backing since the last call: a judgement made meanwhile
    /// may rest on a missing head, so the gate throws the batch away.
    pub fn take_backing_error(&self) -> Option<String> {
        self.lazy.error.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Called once everything folded in is committed to the log: a backed state lets go of
    /// heads and reports (the log holds them), so its memory does not grow with the log.
    pub fn committed(&mut self) {
        if self.lazy.backing.is_none() {
            return;
        }
        let held = self.streams.len() + self.citable.len();
        if held > KEEP_AFTER_COMMIT {
            self.streams.clear();
            self.citable.retain(|_, c| !matches!(c, Citable::Report { .. }));
        }
        let heads = self.lazy.heads.get_mut().unwrap_or_else(|e| e.into_inner());
        if heads.len() > KEEP_AFTER_COMMIT {
            heads.clear();
        }
        let reports = self.lazy.reports.get_mut().unwrap_or_else(|e| e.into_inner());
        if reports.len() > KEEP_AFTER_COMMIT {
            reports.clear();
        }
    }

    /// Folds in the event at `position`, which the caller read from the log (the events before
    /// it that change nothing folded, such as reports, may be skipped when a backing will look
    /// them up).
    pub fn apply_at(&mut self, body: &EventBody, id: EventId, position: u64) {
        self.n_events = position.saturating_sub(1);
        self.apply(body, id);
    }

    /// The NATS subject of `body`'s stream: the one fixed when the stream opened, or, for an
    /// event that opens it, derived from the office the stream is about (see
    /// `mandate_model::subject`).
    pub fn subject_of(&self, body: &EventBody) -> Arc<str> {
        if let Some(head) = self.head(&body.stream) {
            return head.subject;
        }
        let ledger = self.ledger.as_ref().map_or(body.ledger.as_str(), |l| l.name.as_str());
        let (area, office_body) = self.owner_of(body);
        stream_subject(ledger, &body.stream, &area, &office_body).into()
    }

    /// The area and body token of the office a new stream is about.
    fn owner_of(&self, body: &EventBody) -> (AreaPath, String) {
        let office_place = |office: &OfficeId| {
            let area =
                self.offices.get(office).map_or_else(AreaPath::administration, |o| o.area.clone());
            let token = office.as_str().rsplit('/').next().unwrap_or_default().to_owned();
            (area, token)
        };
        match &body.data {
            EventData::OfficeRegistered { area, .. } => {
                (area.clone(), body.stream.key().rsplit('/').next().unwrap_or_default().to_owned())
            }
            EventData::LedgerEstablished { .. }
            | EventData::PersonRegistered { .. }
            | EventData::KeyRegistered { .. } => (AreaPath::administration(), String::new()),
            EventData::TaskAssigned { assignees, .. } => {
                match assignees.iter().find(|a| a.role == mandate_model::event::AssigneeRole::Lead)
                {
                    Some(lead) => office_place(&lead.office),
                    None => office_place(&body.actor.office),
                }
            }
            EventData::DeadlineMissed { task, .. } => {
                match self.tasks.get(task).and_then(|t| {
                    t.assignees.iter().find(|a| a.role == mandate_model::event::AssigneeRole::Lead)
                }) {
                    Some(lead) => office_place(&lead.office),
                    None => office_place(&body.actor.office),
                }
            }
            EventData::AlertLevelChanged { .. } => (
                body.stream.key().parse().unwrap_or_else(|_| AreaPath::administration()),
                String::new(),
            ),
            _ => office_place(&body.actor.office),
        }
    }

    /// Folds one accepted event in. The caller has checked it with [`crate::check`].
    pub fn apply(&mut self, body: &EventBody, id: EventId) {
        let subject = self.subject_of(body);
        self.apply_with_subject(body, id, subject);
    }

    /// [`LedgerState::apply`] with the stream's subject already known.
    pub fn apply_with_subject(&mut self, body: &EventBody, id: EventId, subject: Arc<str>) {
        self.n_events += 1;
        if self.lazy.backing.is_some() {
            // What was looked up for this stream is older than this event.
            self.lazy.heads.get_mut().unwrap_or_else(|e| e.into_inner()).remove(&body.stream);
        }
        self.streams.insert(
            body.stream.clone(),
            StreamHead { version: body.version, last: id, last_position: self.n_events, subject },
        );
        let key = body.stream.key();
        match &body.data {
            EventData::LedgerEstablished {
                utc_offset,
                administrator,
                admin_office,
                admin_office_name,
                gate_public_key,
                co_administrators,
                threshold,
            } => {
                let everyone = || std::iter::once(administrator).chain(co_administrators);
                self.ledger = Some(LedgerInfo {
                    administrators: everyone().map(|a| a.person.clone()).collect(),
                    threshold: threshold.map_or(1, |t| t as usize),
                    gate_key: decode_public_key(gate_public_key).ok(),
                    name: body.ledger.clone(),
                    utc_offset: mandate_model::time::parse_offset(utc_offset)
                        .unwrap_or(time::UtcOffset::UTC),
                    administrator: administrator.person.clone(),
                    admin_office: admin_office.clone(),
                    genesis: id,
                });
                for administrator in everyone() {
                    self.persons.insert(
                        administrator.person.clone(),
                        Person { full_name: administrator.full_name.clone(), fictional: false },
                    );
                    if let Ok(public_key) = decode_public_key(&administrator.public_key) {
                        Arc::make_mut(&mut self.keys).insert(
                            mandate_model::sign::key_id(&public_key),
                            Key {
                                public_key,
                                person: administrator.person.clone(),
                                valid_from: body.occurred_at,
                                revoked: None,
                            },
                        );
                    }
                }
                let area = AreaPath::administration();
                self.offices.insert(
                    admin_office.clone(),
                    Office {
                        name: admin_office_name.clone(),
                        kind: OfficeKind::Administration,
                        level: Level::National,
                        area,
                        parent: None,
                        tenures: Vec::new(),
                        delegations: Vec::new(),
                    },
                );
            }
            EventData::AdministratorsChanged { administrators, threshold } => {
                if let Some(ledger) = self.ledger.as_mut() {
                    ledger.administrators = administrators.iter().cloned().collect();
                    ledger.threshold = *threshold as usize;
                }
            }
            EventData::OfficeRegistered { name, kind, level, area, parent } => {
                if let Ok(office) = key.parse::<OfficeId>() {
                    self.offices.insert(
                        office,
                        Office {
                            name: name.clone(),
                            kind: *kind,
                            level: *level,
                            area: area.clone(),
                            parent: parent.clone(),
                            tenures: Vec::new(),
                            delegations: Vec::new(),
                        },
                    );
                }
            }
            EventData::PersonRegistered { full_name, fictional } => {
                if let Ok(person) = key.parse::<PersonId>() {
                    self.persons.insert(
                        person,
                        Person { full_name: full_name.clone(), fictional: *fictional },
                    );
                }
            }
            EventData::PositionAssigned { person, role, title, from, in_charge_of, .. } => {
                if let Some(office) = self.office_of_stream_mut(&body.stream) {
                    office.tenures.push(Tenure {
                        person: person.clone(),
                        role: *role,
                        title: title.clone(),
                        from: *from,
                        until: None,
                        in_charge_of: in_charge_of.clone(),
                        assigned_by: id,
                    });
                }
            }
            EventData::PositionEnded { person, role, until, .. } => {
                if let Some(office) = self.office_of_stream_mut(&body.stream)
                    && let Some(t) = office
                        .tenures
                        .iter_mut()
                        .find(|t| &t.person == person && t.role == *role && t.until.is_none())
                {
                    t.until = Some(*until);
                }
            }
            EventData::DelegationGranted { delegate, capacity, scope, valid_from, valid_until } => {
                if let Ok(office_id) = key.parse::<OfficeId>() {
                    self.citable.insert(id, Citable::DelegationGrant { office: office_id.clone() });
                    if let Some(office) = self.offices.get_mut(&office_id) {
                        office.delegations.push(Delegation {
                            grant: id,
                            delegate: delegate.clone(),
                            capacity: *capacity,
                            scope: scope.clone(),
                            valid_from: *valid_from,
                            valid_until: *valid_until,
                            revoked_at: None,
                        });
                    }
                }
            }
            EventData::DelegationRevoked { grant, effective_at } => {
                if let Some(office) = self.office_of_stream_mut(&body.stream)
                    && let Some(d) = office.delegations.iter_mut().find(|d| d.grant == *grant)
                {
                    d.revoked_at = Some(*effective_at);
                }
            }
            EventData::KeyRegistered { person, public_key, valid_from } => {
                if let Ok(public_key) = decode_public_key(public_key) {
                    Arc::make_mut(&mut self.keys).insert(
                        mandate_model::sign::key_id(&public_key),
                        Key {
                            public_key,
                            person: person.clone(),
                            valid_from: *valid_from,
                            revoked: None,
                        },
                    );
                }
            }
            EventData::KeyRevoked { reason, effective_at, compromised_since } => {
                if let Some(key) = key
                    .parse::<KeyId>()
                    .ok()
                    .and_then(|k| Arc::make_mut(&mut self.keys).get_mut(&k))
                {
                    key.revoked = Some(KeyRevocation {
                        reason: *reason,
                        effective_at: *effective_at,
                        compromised_since: *compromised_since,
                    });
                }
            }
            EventData::DirectiveIssued { issued_on, .. } => {
                self.documents.insert(
                    body.stream.clone(),
                    Document {
                        issuer: body.actor.office.clone(),
                        issued_on: *issued_on,
                        revoked: false,
                    },
                );
            }
            EventData::DirectiveAmended { .. } => {}
            EventData::DirectiveRevoked { .. } => {
                if let Some(doc) = self.documents.get_mut(&body.stream) {
                    doc.revoked = true;
                }
            }
            EventData::TaskAssigned { document, assignees, obligation, .. } => {
                self.tasks.insert(
                    body.stream.clone(),
                    Task {
                        document: document.clone(),
                        assignees: assignees.clone(),
                        obligation: obligation.clone(),
                        assigned_at: body.occurred_at,
                    },
                );
            }
            EventData::ReportFiled { .. } => {
                self.citable.insert(id, Citable::Report { task: body.stream.clone() });
            }
            EventData::ViolationRecorded { against, .. } => {
                self.citable.insert(
                    id,
                    Citable::Violation {
                        against: against.clone(),
                        recorded_by: body.actor.office.clone(),
                        occurred_at: body.occurred_at,
                        withdrawn: false,
                    },
                );
            }
            EventData::ViolationWithdrawn { violation, .. } => {
                if let Some(Citable::Violation { withdrawn, .. }) = self.citable.get_mut(violation)
                {
                    *withdrawn = true;
                }
            }
            EventData::SanctionImposed { against, .. } => {
                self.citable.insert(
                    id,
                    Citable::Sanction {
                        against: against.clone(),
                        competent: body.actor.office.clone(),
                    },
                );
            }
            EventData::ReportCorrected { .. }
            | EventData::TaskCompleted { .. }
            | EventData::InspectionConducted { .. }
            | EventData::SanctionAppealed { .. }
            | EventData::SanctionRevised { .. }
            | EventData::CommendationAwarded { .. }
            | EventData::DeadlineMissed { .. }
            | EventData::AlertLevelChanged { .. } => {}
        }
    }

    fn office_of_stream_mut(&mut self, stream: &StreamId) -> Option<&mut Office> {
        let office: OfficeId = stream.key().parse().ok()?;
        self.offices.get_mut(&office)
    }

    /// Offices where `person` holds any position at `at`.
    pub fn offices_of(&self, person: &PersonId, at: Timestamp) -> Vec<&OfficeId> {
        self.offices
            .iter()
            .filter(|(_, o)| o.tenures.iter().any(|t| &t.person == person && t.covers(at)))
            .map(|(id, _)| id)
            .collect()
    }
}
