//! The registry as answers: an office with its tree and its tenures, a person with theirs, the
//! documents matching a symbol, an issuer or a year.

use mandate_model::event::wire_name;
use mandate_model::ids::{EventId, OfficeId, PersonId};

use crate::query::{
    DocumentsAnswer, OfficeAnswer, OfficeRef, PersonAnswer, PersonRef, QueryError, Reader,
};

impl Reader {
    /// An office, its parents and children, and every tenure in it.
    pub fn office_answer(&self, office: &OfficeId) -> Result<OfficeAnswer, QueryError> {
        let row = self.office(office)?.ok_or_else(|| QueryError::NoOffice(office.to_string()))?;
        let mut events = vec![row.event];
        let mut parents = Vec::new();
        let mut next = row.parent.clone();
        while let Some(p) = next {
            if parents.len() > 64 || parents.iter().any(|r: &OfficeRef| r.id == p) {
                break;
            }
            let parent = self.office(&p)?;
            events.extend(parent.as_ref().map(|o| o.event));
            next = parent.as_ref().and_then(|o| o.parent.clone());
            parents.push(self.office_ref(&p)?);
        }
        let mut children = Vec::new();
        for o in self.offices()? {
            if o.parent.as_ref() == Some(office) {
                events.push(o.event);
                children.push(OfficeRef { id: o.office, name: o.name });
            }
        }
        let mut tenures = Vec::new();
        for t in self.tenures_of_office(office)? {
            let holder = self.holder(&t)?;
            events.extend(holder.events.iter().copied());
            tenures.push(holder);
        }
        Ok(OfficeAnswer {
            office: OfficeRef { id: row.office, name: row.name },
            kind: wire_name(&row.kind),
            level: wire_name(&row.level),
            area: row.area,
            parents,
            children,
            tenures,
            events: sorted(events),
        })
    }

    /// A person and every tenure they held.
    pub fn person_answer(&self, person: &PersonId) -> Result<PersonAnswer, QueryError> {
        let row = self.person(person)?.ok_or_else(|| QueryError::NoPerson(person.to_string()))?;
        let mut events = vec![row.event];
        let mut tenures = Vec::new();
        for t in self.tenures_of_person(person)? {
            let holder = self.holder(&t)?;
            events.extend(holder.events.iter().copied());
            tenures.push(holder);
        }
        Ok(PersonAnswer {
            person: PersonRef { id: row.person, name: row.full_name },
            fictional: row.fictional,
            tenures,
            events: sorted(events),
        })
    }

    /// The documents of the ledger whose symbol is `symbol` (any case), issued by `issuer`, in
    /// `year` — each filter only when given.
    pub fn documents_answer(
        &self,
        symbol: Option<&str>,
        issuer: Option<&OfficeId>,
        year: Option<i32>,
    ) -> Result<DocumentsAnswer, QueryError> {
        let mut documents = Vec::new();
        let mut events = Vec::new();
        for d in self.documents()? {
            let keep = symbol.is_none_or(|s| d.title.to_lowercase() == s.to_lowercase())
                && issuer.is_none_or(|i| d.issuer == *i)
                && year.is_none_or(|y| d.issued_on.year() == y);
            if keep && !d.events.is_empty() {
                events.extend(d.events.iter().copied());
                events.push(self.office(&d.issuer)?.map_or(d.events[0], |o| o.event));
                documents.push(self.document_line(&d)?);
            }
        }
        Ok(DocumentsAnswer { documents, events: sorted(events), next: None })
    }
}

fn sorted(mut events: Vec<EventId>) -> Vec<EventId> {
    events.sort();
    events.dedup();
    events
}

/// A task an office holds, as its page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OfficeTask {
    pub task: mandate_model::ids::StreamId,
    pub item: String,
    pub content: String,
    /// `lead` or `coordinate`.
    pub role: String,
    /// `deadline`, `daily`, `daily, no report` or `standing`.
    pub obligation: String,
    /// The one deadline, for a task with one.
    pub due_at: Option<mandate_model::time::Timestamp>,
    /// The document it came from.
    pub document: crate::answer::DocumentLine,
    pub assigned_at: mandate_model::time::Timestamp,
    pub completed_at: Option<mandate_model::time::Timestamp>,
    /// When its document's revocation ended it.
    pub ended_at: Option<mandate_model::time::Timestamp>,
    pub events: Vec<EventId>,
}

impl Reader {
    /// The tasks assigned to `office` (to lead or to coordinate), by stream: a range of the
    /// `tasks_by_office` index, so its cost is the office's tasks, not the ledger's.
    pub fn office_tasks(&self, office: &OfficeId) -> Result<Vec<OfficeTask>, crate::ViewsError> {
        let table = self.txn.open_table(crate::TASKS_BY_OFFICE)?;
        let o = office.as_str();
        let mut out = Vec::new();
        for entry in table.range((o, "")..=(o, crate::query::MAX))? {
            let (key, role) = entry?;
            let key = key.value();
            let Some(role) = self.version::<(&str, &str)>("tasks_by_office", &key, role.value())?
            else {
                continue;
            };
            let role = String::from_utf8_lossy(crate::project::payload(&role)).into_owned();
            let Ok(stream) = key.1.parse::<mandate_model::ids::StreamId>() else { continue };
            let Some(task) = self.task(&stream)? else { continue };
            let Some(document) = self.chain_up(&task.document)?.into_iter().next() else {
                continue;
            };
            let due_at = match &task.obligation {
                mandate_model::event::Obligation::Deadline { due_at, .. } => Some(*due_at),
                _ => None,
            };
            let mut events = task.events.clone();
            events.extend(document.event);
            out.push(OfficeTask {
                task: task.stream.clone(),
                item: task.item.clone(),
                content: task.content.clone(),
                role,
                obligation: crate::query::obligation_name(&task.obligation).to_owned(),
                due_at,
                document,
                assigned_at: task.assigned_at,
                completed_at: task.completed_at,
                ended_at: task.ended_at,
                events,
            });
        }
        Ok(out)
    }
}

impl Reader {
    /// The key `key_id` (64 hex digits) and whom it was registered to.
    pub fn key(&self, key_id: &str) -> Result<Option<crate::rows::KeyRow>, crate::ViewsError> {
        self.row(crate::KEYS, key_id)
    }
}

impl Reader {
    /// The document of the ledger with stream `stream`.
    pub fn document(
        &self,
        stream: &mandate_model::ids::StreamId,
    ) -> Result<Option<crate::rows::DocumentRow>, crate::ViewsError> {
        self.row(crate::DOCUMENTS, stream.as_str())
    }
}
