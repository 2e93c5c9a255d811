//! The fold: one event → the rows it adds or changes.

use mandate_ledger::record::LoggedEvent;
use mandate_model::event::{
    AssigneeRole, Capacity, DocumentRef, EventBody, EventData, Level, Obligation, OfficeKind,
};
use mandate_model::ids::{AreaPath, OfficeId, PersonId};
use mandate_model::time::Timestamp;
use redb::{ReadableTable, Table, WriteTransaction};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::rows::*;
use crate::*;

/// The name serde gives an enum value (`head`, `standing_deputy`, …).
pub(crate) fn tag<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub(crate) fn encode<T: Serialize>(row: &T) -> Vec<u8> {
    // Rows are plain data (strings, numbers, ids): serializing them cannot fail.
    serde_json::to_vec(row).unwrap_or_default()
}

/// A stored value: the position it holds since (8 bytes, big-endian), then its payload.
pub(crate) fn stamp(since: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&since.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// The position a stored value holds since (0 for a value too short to carry one).
pub(crate) fn since(stored: &[u8]) -> u64 {
    stored.get(..8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_be_bytes)
}

/// A stored value's payload.
pub(crate) fn payload(stored: &[u8]) -> &[u8] {
    stored.get(8..).unwrap_or_default()
}

/// Decodes a stored row (its payload after the since-position).
pub(crate) fn decode<T: DeserializeOwned>(table: &str, stored: &[u8]) -> Result<T, ViewsError> {
    serde_json::from_slice(payload(stored))
        .map_err(|source| ViewsError::Row { table: table.to_owned(), source })
}

type History<'txn> = Table<'txn, (&'static str, &'static [u8], u64), &'static [u8]>;

/// Stores `payload` under `key` as of the event at position `at`. A changed value replaces
/// the stored one, which is kept in `history` under the position that ended it (unless the same
/// event wrote it); an unchanged one keeps the position it holds since.
fn put<'k, K: redb::Key + 'static>(
    table: &mut Table<'_, K, &'static [u8]>,
    history: &mut History<'_>,
    name: &'static str,
    at: u64,
    key: K::SelfType<'k>,
    payload_bytes: &[u8],
) -> Result<(), ViewsError> {
    let key_bytes = K::as_bytes(&key).as_ref().to_vec();
    let old = table.get(&key)?.map(|v| v.value().to_vec());
    if let Some(old) = &old
        && payload(old) == payload_bytes
    {
        return Ok(());
    }
    table.insert(key, stamp(at, payload_bytes).as_slice())?;
    if let Some(old) = old
        && since(&old) != at
    {
        history.insert((name, key_bytes.as_slice(), at), old.as_slice())?;
    }
    Ok(())
}

/// Adds the index entry `key` as of position `at`, unless it is already there (it then keeps
/// the position it was first written at).
fn mark<'k, K: redb::Key + 'static>(
    table: &mut Table<'_, K, u64>,
    at: u64,
    key: K::SelfType<'k>,
) -> Result<(), ViewsError> {
    if table.get(&key)?.is_none() {
        table.insert(key, at)?;
    }
    Ok(())
}

/// Removes the index entry `key` at position `at`, keeping it in `history`.
fn unmark<'k, K: redb::Key + 'static>(
    table: &mut Table<'_, K, u64>,
    history: &mut History<'_>,
    name: &'static str,
    at: u64,
    key: K::SelfType<'k>,
) -> Result<(), ViewsError> {
    let key_bytes = K::as_bytes(&key).as_ref().to_vec();
    let old = table.remove(key)?.map(|v| v.value());
    if let Some(old) = old
        && old != at
    {
        history.insert((name, key_bytes.as_slice(), at), old.to_be_bytes().as_slice())?;
    }
    Ok(())
}

/// The key text of a period: the day, or "" for a task's one deadline.
pub(crate) fn period_key(period: Option<mandate_model::time::LocalDate>) -> String {
    period.map(|d| d.to_string()).unwrap_or_default()
}

pub(crate) struct Tables<'txn> {
    stored_check: crate::integrity::StoredCheck,
    /// The position of the event being applied.
    at: u64,
    history: History<'txn>,
    pub meta: Table<'txn, &'static str, u64>,
    text: Table<'txn, &'static str, &'static str>,
    offices: Table<'txn, &'static str, &'static [u8]>,
    office_children: Table<'txn, (&'static str, &'static str), u64>,
    people: Table<'txn, &'static str, &'static [u8]>,
    tenures: Table<'txn, (&'static str, i64, &'static str, &'static str), &'static [u8]>,
    tenures_by_person: Table<'txn, (&'static str, i64, &'static str, &'static str), u64>,
    keys: Table<'txn, &'static str, &'static [u8]>,
    documents: Table<'txn, &'static str, &'static [u8]>,
    document_titles: Table<'txn, (&'static str, &'static str), u64>,
    document_children: Table<'txn, (&'static str, &'static str), u64>,
    document_tasks: Table<'txn, (&'static str, &'static str), u64>,
    tasks: Table<'txn, &'static str, &'static [u8]>,
    tasks_by_office: Table<'txn, (&'static str, &'static str), &'static [u8]>,
    tasks_by_status: Table<'txn, (&'static str, &'static str), u64>,
    tasks_by_deadline: Table<'txn, (i64, &'static str), u64>,
    tasks_recurring: Table<'txn, (&'static str, &'static str), u64>,
    reports: Table<'txn, (&'static str, &'static str, u64), &'static [u8]>,
    reports_by_time: Table<'txn, (&'static str, i64, &'static str, u64), u64>,
    cases_by_subject: Table<'txn, (&'static str, &'static str, &'static str), u64>,
    misses: Table<'txn, (&'static str, &'static str), &'static [u8]>,
    violations: Table<'txn, &'static str, &'static [u8]>,
    sanctions: Table<'txn, &'static str, &'static [u8]>,
    sanctions_by_violation: Table<'txn, (&'static str, &'static str), u64>,
    commendations: Table<'txn, &'static str, &'static [u8]>,
    alerts: Table<'txn, (&'static str, i64, u64), &'static [u8]>,
    visible_in: Table<'txn, (&'static str, &'static str), u64>,
    visible_with: Table<'txn, (&'static str, &'static str), u64>,
}

fn event_error(event: &LoggedEvent, reason: impl std::fmt::Display) -> ViewsError {
    ViewsError::Event { position: event.position, reason: reason.to_string() }
}

impl<'txn> Tables<'txn> {
    pub(crate) fn open(txn: &'txn WriteTransaction) -> Result<Self, ViewsError> {
        Ok(Self {
            stored_check: crate::integrity::StoredCheck::default(),
            at: 0,
            history: txn.open_table(HISTORY)?,
            meta: txn.open_table(META)?,
            text: txn.open_table(TEXT)?,
            offices: txn.open_table(OFFICES)?,
            office_children: txn.open_table(OFFICE_CHILDREN)?,
            people: txn.open_table(PEOPLE)?,
            tenures: txn.open_table(TENURES)?,
            tenures_by_person: txn.open_table(TENURES_BY_PERSON)?,
            keys: txn.open_table(KEYS)?,
            documents: txn.open_table(DOCUMENTS)?,
            document_titles: txn.open_table(DOCUMENT_TITLES)?,
            document_children: txn.open_table(DOCUMENT_CHILDREN)?,
            document_tasks: txn.open_table(DOCUMENT_TASKS)?,
            tasks: txn.open_table(TASKS)?,
            tasks_by_office: txn.open_table(TASKS_BY_OFFICE)?,
            tasks_by_status: txn.open_table(TASKS_BY_STATUS)?,
            tasks_by_deadline: txn.open_table(TASKS_BY_DEADLINE)?,
            tasks_recurring: txn.open_table(TASKS_RECURRING)?,
            reports: txn.open_table(REPORTS)?,
            reports_by_time: txn.open_table(REPORTS_BY_TIME)?,
            cases_by_subject: txn.open_table(CASES_BY_SUBJECT)?,
            misses: txn.open_table(MISSES)?,
            violations: txn.open_table(VIOLATIONS)?,
            sanctions: txn.open_table(SANCTIONS)?,
            sanctions_by_violation: txn.open_table(SANCTIONS_BY_VIOLATION)?,
            commendations: txn.open_table(COMMENDATIONS)?,
            alerts: txn.open_table(ALERTS)?,
            visible_in: txn.open_table(VISIBLE_IN)?,
            visible_with: txn.open_table(VISIBLE_WITH)?,
        })
    }

    fn head_at(&self, office: &OfficeId, at: Timestamp) -> Result<Option<PersonId>, ViewsError> {
        let start = (office.as_str(), i64::MIN, "", "");
        let end = (office.as_str(), at.unix_seconds(), "\u{10ffff}", "\u{10ffff}");
        let mut found = None;
        for entry in self.tenures.range(start..=end)? {
            let (_, value) = entry?;
            let tenure: TenureRow = decode("tenures", value.value())?;
            if tenure.is_head() && tenure.covers(at) {
                found = Some(tenure.person);
            }
        }
        Ok(found)
    }

    fn update<T: Serialize + DeserializeOwned>(
        table: &mut Table<'txn, &'static str, &'static [u8]>,
        history: &mut History<'txn>,
        at: u64,
        name: &'static str,
        key: &str,
        change: impl FnOnce(&mut T),
    ) -> Result<bool, ViewsError> {
        let Some(bytes) = table.get(key)?.map(|v| v.value().to_vec()) else { return Ok(false) };
        let mut row: T = decode(name, &bytes)?;
        change(&mut row);
        put(table, history, name, at, key, &encode(&row))?;
        Ok(true)
    }

    /// Moves a recurring duty that was just completed or ended to its last day in
    /// `tasks_recurring` (see `duties`); returns the rows written.
    fn rekey_recurring(&mut self, task: &str) -> Result<u64, ViewsError> {
        let Some(bytes) = self.tasks.get(task)?.map(|v| v.value().to_vec()) else { return Ok(0) };
        let row: TaskRow = decode("tasks", &bytes)?;
        let Obligation::Recurring { ends_on, .. } = row.obligation else { return Ok(0) };
        let closed = match (row.completed_at, row.ended_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let (was, now) =
            (duties::last_day_key(ends_on, None), duties::last_day_key(ends_on, closed));
        if was == now {
            return Ok(0);
        }
        unmark(
            &mut self.tasks_recurring,
            &mut self.history,
            "tasks_recurring",
            self.at,
            (was.as_str(), task),
        )?;
        mark(&mut self.tasks_recurring, self.at, (now.as_str(), task))?;
        Ok(2)
    }

    /// Applies one event; returns the rows written.
    pub(crate) fn apply(&mut self, event: &LoggedEvent) -> Result<u64, ViewsError> {
        let body: EventBody = mandate_model::body::decode_logged_body(&event.body)
            .map_err(|e| event_error(event, e))?;
        self.at = event.position;
        // A log changed after the fact is not folded in (see `integrity::StoredCheck`).
        let id = event.id();
        let receipt = self
            .stored_check
            .check(event, &id, &body.stream, body.version)
            .map_err(|reason| event_error(event, reason))?;
        let recorded_at = receipt.recorded_at;
        let signers: Vec<_> = event.signatures.iter().map(|s| s.key_id).collect();
        for fact in mandate_model::visibility::facts(&body, &signers) {
            match fact {
                mandate_model::visibility::Fact::Anchor { stream, path } => {
                    mark(&mut self.visible_in, self.at, (stream.as_str(), path.as_str()))?;
                }
                mandate_model::visibility::Fact::Link { target, source } => {
                    mark(&mut self.visible_with, self.at, (target.as_str(), source.as_str()))?;
                }
            }
        }
        let stream = body.stream.as_str();
        let key = body.stream.key();
        let mut rows = 0u64;
        match &body.data {
            EventData::LedgerEstablished {
                utc_offset,
                administrator,
                admin_office,
                admin_office_name,
                co_administrators,
                ..
            } => {
                self.text.insert("ledger", body.ledger.as_str())?;
                self.text.insert("utc_offset", utc_offset.as_str())?;
                self.text.insert("admin_office", admin_office.as_str())?;
                let office = OfficeRow {
                    office: admin_office.clone(),
                    name: admin_office_name.clone(),
                    kind: OfficeKind::Administration,
                    level: Level::National,
                    area: AreaPath::administration(),
                    parent: None,
                    event: id,
                };
                put(
                    &mut self.offices,
                    &mut self.history,
                    "offices",
                    self.at,
                    admin_office.as_str(),
                    &encode(&office),
                )?;
                for administrator in std::iter::once(administrator).chain(co_administrators) {
                    let person = PersonRow {
                        person: administrator.person.clone(),
                        full_name: administrator.full_name.clone(),
                        fictional: false,
                        event: id,
                    };
                    put(
                        &mut self.people,
                        &mut self.history,
                        "people",
                        self.at,
                        administrator.person.as_str(),
                        &encode(&person),
                    )?;
                }
                rows += 5 + co_administrators.len() as u64;
            }
            EventData::AdministratorsChanged { .. } => {}
            EventData::OfficeRegistered { name, kind, level, area, parent } => {
                let office: OfficeId = key.parse().map_err(|e| event_error(event, e))?;
                let row = OfficeRow {
                    office: office.clone(),
                    name: name.clone(),
                    kind: *kind,
                    level: *level,
                    area: area.clone(),
                    parent: parent.clone(),
                    event: id,
                };
                put(
                    &mut self.offices,
                    &mut self.history,
                    "offices",
                    self.at,
                    office.as_str(),
                    &encode(&row),
                )?;
                rows += 1;
                if let Some(parent) = parent {
                    mark(&mut self.office_children, self.at, (parent.as_str(), office.as_str()))?;
                    rows += 1;
                }
            }
            EventData::PersonRegistered { full_name, fictional } => {
                let row = PersonRow {
                    person: key.parse().map_err(|e| event_error(event, e))?,
                    full_name: full_name.clone(),
                    fictional: *fictional,
                    event: id,
                };
                put(&mut self.people, &mut self.history, "people", self.at, key, &encode(&row))?;
                rows += 1;
            }
            EventData::PositionAssigned { person, role, title, from, in_charge_of, .. } => {
                let office: OfficeId = key.parse().map_err(|e| event_error(event, e))?;
                let row = TenureRow {
                    office: office.clone(),
                    person: person.clone(),
                    role: *role,
                    title: title.clone(),
                    in_charge_of: in_charge_of.clone(),
                    from: *from,
                    until: None,
                    events: vec![id],
                };
                let role = tag(role);
                let at = from.unix_seconds();
                put(
                    &mut self.tenures,
                    &mut self.history,
                    "tenures",
                    self.at,
                    (office.as_str(), at, person.as_str(), role.as_str()),
                    &encode(&row),
                )?;
                mark(
                    &mut self.tenures_by_person,
                    self.at,
                    (person.as_str(), at, office.as_str(), role.as_str()),
                )?;
                rows += 2;
            }
            EventData::PositionEnded { person, role, until, .. } => {
                let role_tag = tag(role);
                let start = (key, i64::MIN, "", "");
                let end = (key, i64::MAX, "\u{10ffff}", "\u{10ffff}");
                let mut open = None;
                for entry in self.tenures.range(start..=end)? {
                    let (k, v) = entry?;
                    let (_, at, p, r) = k.value();
                    if p == person.as_str() && r == role_tag {
                        let row: TenureRow = decode("tenures", v.value())?;
                        if row.until.is_none() {
                            open = Some((at, row));
                        }
                    }
                }
                if let Some((at, mut row)) = open {
                    row.until = Some(*until);
                    row.events.push(id);
                    put(
                        &mut self.tenures,
                        &mut self.history,
                        "tenures",
                        self.at,
                        (key, at, person.as_str(), role_tag.as_str()),
                        &encode(&row),
                    )?;
                    rows += 1;
                }
            }
            EventData::DelegationGranted { .. } | EventData::DelegationRevoked { .. } => {}
            EventData::KeyRegistered { person, valid_from, .. } => {
                let row = KeyRow {
                    key_id: key.to_owned(),
                    person: person.clone(),
                    valid_from: *valid_from,
                    revoked_at: None,
                    reason: None,
                    compromised_since: None,
                    events: vec![id],
                };
                put(&mut self.keys, &mut self.history, "keys", self.at, key, &encode(&row))?;
                rows += 1;
            }
            EventData::KeyRevoked { reason, effective_at, compromised_since } => {
                if Self::update(
                    &mut self.keys,
                    &mut self.history,
                    self.at,
                    "keys",
                    key,
                    |row: &mut KeyRow| {
                        row.revoked_at = Some(*effective_at);
                        row.reason = Some(*reason);
                        row.compromised_since = *compromised_since;
                        row.events.push(id);
                    },
                )? {
                    rows += 1;
                }
            }
            EventData::DirectiveIssued {
                document_type,
                symbol,
                issued_on,
                subject,
                implements,
                cites,
                assumed,
                ..
            } => {
                let title = symbol.as_ref().map_or_else(
                    || format!("{} (no number)", document_type.vietnamese_name()),
                    |s| s.to_string(),
                );
                let row = DocumentRow {
                    stream: body.stream.clone(),
                    title: title.clone(),
                    document_type: *document_type,
                    issued_on: *issued_on,
                    subject: subject.clone(),
                    issuer: body.actor.office.clone(),
                    signer: body.actor.person.clone(),
                    capacity: body.actor.capacity,
                    implements: implements.clone(),
                    cites: cites.clone(),
                    amended: Vec::new(),
                    revoked: None,
                    assumed: assumed.clone(),
                    events: vec![id],
                };
                put(
                    &mut self.documents,
                    &mut self.history,
                    "documents",
                    self.at,
                    stream,
                    &encode(&row),
                )?;
                mark(&mut self.document_titles, self.at, (title.as_str(), stream))?;
                rows += 2;
                for parent in implements {
                    if let DocumentRef::Ledger(parent) = parent {
                        mark(&mut self.document_children, self.at, (parent.as_str(), stream))?;
                        rows += 1;
                    }
                }
            }
            EventData::DirectiveAmended { .. } => {
                if Self::update(
                    &mut self.documents,
                    &mut self.history,
                    self.at,
                    "documents",
                    stream,
                    |row: &mut DocumentRow| {
                        row.amended.push(id);
                        row.events.push(id);
                    },
                )? {
                    rows += 1;
                }
            }
            EventData::DirectiveRevoked { .. } => {
                if Self::update(
                    &mut self.documents,
                    &mut self.history,
                    self.at,
                    "documents",
                    stream,
                    |row: &mut DocumentRow| {
                        row.revoked = Some(id);
                        row.events.push(id);
                    },
                )? {
                    rows += 1;
                }
                // The revocation ends every duty the document gave (SPEC §7).
                let mut tasks = Vec::new();
                for entry in self.document_tasks.range((stream, "")..=(stream, "\u{10ffff}"))? {
                    tasks.push(entry?.0.value().1.to_owned());
                }
                for task in tasks {
                    if Self::update(
                        &mut self.tasks,
                        &mut self.history,
                        self.at,
                        "tasks",
                        &task,
                        |row: &mut TaskRow| {
                            row.ended_at.get_or_insert(recorded_at);
                            row.ended_by.get_or_insert(id);
                            row.events.push(id);
                        },
                    )? {
                        rows += 1 + self.rekey_recurring(&task)?;
                    }
                }
            }
            EventData::TaskAssigned {
                document,
                item,
                content,
                assignees,
                obligation,
                report_to,
            } => {
                let row = TaskRow {
                    stream: body.stream.clone(),
                    document: document.clone(),
                    item: item.clone(),
                    content: content.clone(),
                    assignees: assignees.clone(),
                    obligation: obligation.clone(),
                    report_to: report_to.clone(),
                    assigned_at: recorded_at,
                    completed_at: None,
                    ended_at: None,
                    ended_by: None,
                    events: vec![id],
                };
                put(&mut self.tasks, &mut self.history, "tasks", self.at, stream, &encode(&row))?;
                mark(&mut self.document_tasks, self.at, (document.as_str(), stream))?;
                mark(&mut self.tasks_by_status, self.at, ("open", stream))?;
                rows += 3;
                for assignee in assignees {
                    let role = match assignee.role {
                        AssigneeRole::Lead => "lead",
                        _ => "coordinate",
                    };
                    put(
                        &mut self.tasks_by_office,
                        &mut self.history,
                        "tasks_by_office",
                        self.at,
                        (assignee.office.as_str(), stream),
                        role.as_bytes(),
                    )?;
                    rows += 1;
                }
                match obligation {
                    Obligation::Deadline { due_at, .. } => {
                        mark(
                            &mut self.tasks_by_deadline,
                            self.at,
                            (due_at.unix_seconds(), stream),
                        )?;
                        rows += 1;
                    }
                    Obligation::Recurring { ends_on, .. } => {
                        let last = duties::last_day_key(*ends_on, None);
                        mark(&mut self.tasks_recurring, self.at, (last.as_str(), stream))?;
                        rows += 1;
                    }
                    Obligation::Standing => {}
                }
            }
            EventData::ReportFiled { period, summary, .. } => {
                let accountable = match body.actor.capacity {
                    Capacity::Direct | Capacity::Acting => Some(body.actor.person.clone()),
                    _ => self
                        .head_at(&body.actor.office, body.occurred_at)?
                        .or_else(|| Some(body.actor.person.clone())),
                };
                let row = ReportRow {
                    event: id,
                    position: event.position,
                    task: body.stream.clone(),
                    period: *period,
                    recorded_at,
                    occurred_at: body.occurred_at,
                    signer: body.actor.person.clone(),
                    office: body.actor.office.clone(),
                    capacity: body.actor.capacity,
                    accountable,
                    summary: summary.clone(),
                    corrections: Vec::new(),
                };
                let period = period_key(*period);
                put(
                    &mut self.reports,
                    &mut self.history,
                    "reports",
                    self.at,
                    (stream, period.as_str(), event.position),
                    &encode(&row),
                )?;
                let occurred = body.occurred_at.unix_seconds();
                mark(
                    &mut self.reports_by_time,
                    self.at,
                    (stream, occurred, period.as_str(), event.position),
                )?;
                rows += 2;
            }
            EventData::ReportCorrected { corrects, .. } => {
                let start = (stream, "", 0u64);
                let end = (stream, "\u{10ffff}", u64::MAX);
                let mut found = None;
                for entry in self.reports.range(start..=end)? {
                    let (k, v) = entry?;
                    let row: ReportRow = decode("reports", v.value())?;
                    if row.event == *corrects {
                        let (_, period, position) = k.value();
                        found = Some((period.to_owned(), position, row));
                        break;
                    }
                }
                if let Some((period, position, mut row)) = found {
                    row.corrections.push(id);
                    put(
                        &mut self.reports,
                        &mut self.history,
                        "reports",
                        self.at,
                        (stream, period.as_str(), position),
                        &encode(&row),
                    )?;
                    rows += 1;
                }
            }
            EventData::TaskCompleted { .. } => {
                if Self::update(
                    &mut self.tasks,
                    &mut self.history,
                    self.at,
                    "tasks",
                    stream,
                    |row: &mut TaskRow| {
                        row.completed_at.get_or_insert(recorded_at);
                        row.events.push(id);
                    },
                )? {
                    unmark(
                        &mut self.tasks_by_status,
                        &mut self.history,
                        "tasks_by_status",
                        self.at,
                        ("open", stream),
                    )?;
                    mark(&mut self.tasks_by_status, self.at, ("completed", stream))?;
                    rows += 3 + self.rekey_recurring(stream)?;
                }
            }
            EventData::InspectionConducted { .. } => {}
            EventData::ViolationRecorded { against, breach, finding, .. } => {
                let row = ViolationRow {
                    event: id,
                    case: body.stream.clone(),
                    against: against.clone(),
                    breach: breach.clone(),
                    finding: finding.clone(),
                    occurred_at: body.occurred_at,
                    recorded_by: body.actor.office.clone(),
                    withdrawn: None,
                };
                put(
                    &mut self.violations,
                    &mut self.history,
                    "violations",
                    self.at,
                    id.to_string().as_str(),
                    &encode(&row),
                )?;
                let (subject, key) = (crate::cases::subject_key(against), id.to_string());
                mark(
                    &mut self.cases_by_subject,
                    self.at,
                    (subject.as_str(), "violation", key.as_str()),
                )?;
                rows += 2;
            }
            EventData::ViolationWithdrawn { violation, .. } => {
                let key = violation.to_string();
                if Self::update(
                    &mut self.violations,
                    &mut self.history,
                    self.at,
                    "violations",
                    &key,
                    |row: &mut ViolationRow| {
                        row.withdrawn = Some(id);
                    },
                )? {
                    rows += 1;
                }
            }
            EventData::SanctionImposed {
                violation, against, ladder, sanction, fine_vnd, ..
            } => {
                let row = SanctionRow {
                    event: id,
                    case: body.stream.clone(),
                    violation: *violation,
                    against: against.clone(),
                    ladder: *ladder,
                    sanction: *sanction,
                    fine_vnd: *fine_vnd,
                    imposed_by: body.actor.office.clone(),
                    occurred_at: body.occurred_at,
                    appeals: Vec::new(),
                    revised_to: None,
                };
                let key = id.to_string();
                put(
                    &mut self.sanctions,
                    &mut self.history,
                    "sanctions",
                    self.at,
                    key.as_str(),
                    &encode(&row),
                )?;
                let subject = crate::cases::subject_key(against);
                mark(
                    &mut self.cases_by_subject,
                    self.at,
                    (subject.as_str(), "sanction", key.as_str()),
                )?;
                rows += 1;
                let violation = violation.to_string();
                mark(
                    &mut self.sanctions_by_violation,
                    self.at,
                    (violation.as_str(), key.as_str()),
                )?;
                rows += 2;
            }
            EventData::SanctionAppealed { sanction, .. } => {
                let key = sanction.to_string();
                if Self::update(
                    &mut self.sanctions,
                    &mut self.history,
                    self.at,
                    "sanctions",
                    &key,
                    |row: &mut SanctionRow| {
                        row.appeals.push(id);
                    },
                )? {
                    rows += 1;
                }
            }
            EventData::SanctionRevised { sanction, revised_to, .. } => {
                let key = sanction.to_string();
                if Self::update(
                    &mut self.sanctions,
                    &mut self.history,
                    self.at,
                    "sanctions",
                    &key,
                    |row: &mut SanctionRow| {
                        row.revised_to = Some((*revised_to, id));
                    },
                )? {
                    rows += 1;
                }
            }
            EventData::CommendationAwarded { to, title, reason } => {
                let row = CommendationRow {
                    event: id,
                    to: to.clone(),
                    title: title.clone(),
                    reason: reason.clone(),
                    by: body.actor.office.clone(),
                    occurred_at: body.occurred_at,
                };
                put(
                    &mut self.commendations,
                    &mut self.history,
                    "commendations",
                    self.at,
                    id.to_string().as_str(),
                    &encode(&row),
                )?;
                rows += 1;
            }
            EventData::DeadlineMissed { task, due_at, period } => {
                let row = MissRow {
                    event: id,
                    task: task.clone(),
                    period: *period,
                    due_at: *due_at,
                    recorded_at,
                };
                let period = period_key(*period);
                put(
                    &mut self.misses,
                    &mut self.history,
                    "misses",
                    self.at,
                    (task.as_str(), period.as_str()),
                    &encode(&row),
                )?;
                rows += 1;
            }
            EventData::AlertLevelChanged { level, effective_from } => {
                let area: AreaPath = key.parse().map_err(|e| event_error(event, e))?;
                let row = AlertRow {
                    event: id,
                    area: area.clone(),
                    level: *level,
                    effective_from: *effective_from,
                    set_by: body.actor.office.clone(),
                };
                put(
                    &mut self.alerts,
                    &mut self.history,
                    "alerts",
                    self.at,
                    (area.as_str(), effective_from.unix_seconds(), event.position),
                    &encode(&row),
                )?;
                rows += 1;
            }
        }
        Ok(rows)
    }
}
