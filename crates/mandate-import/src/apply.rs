//! A reviewed draft made into event bodies, in dependency order: the offices to register, the
//! document, its tasks. Refused, naming every field, while a fact an event needs is `unknown`
//! or `ambiguous`.

use mandate_model::event::{
    Actor, Addressee, Assignee, AssigneeRole, DocumentRef, EventData, ExternalDocument,
};
use mandate_model::ids::{OfficeId, StreamId, StreamKind};
use mandate_model::time::Timestamp;

use crate::draft::{AddresseeDraft, CitationDraft, DRAFT_FORMAT, Draft, Fact, Status};

/// One event to sign and append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub stream: StreamId,
    pub occurred_at: Timestamp,
    /// None: the administrator registers it (filled in by the caller); Some: the author acts.
    pub actor: Option<Actor>,
    pub data: EventData,
}

/// Why a draft cannot be applied: each field still open, by its JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the draft is not ready: {}", .open.join("; "))]
pub struct NotReady {
    pub open: Vec<String>,
}

struct Check {
    open: Vec<String>,
}

impl Check {
    fn need<'a, T>(&mut self, path: &str, fact: &'a Fact<T>) -> Option<&'a T> {
        match fact.settled() {
            Some(v) => Some(v),
            None => {
                let why = match fact.status {
                    Status::Ambiguous => {
                        format!("{path} is ambiguous ({} candidates)", fact.candidates.len())
                    }
                    Status::Unknown => format!("{path} is unknown"),
                    _ => format!("{path} has no value"),
                };
                let note = fact.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
                self.open.push(format!("{why}{note}"));
                None
            }
        }
    }
}

/// The events of `draft`, or every field that stops it.
pub fn events(draft: &Draft) -> Result<Vec<Planned>, NotReady> {
    let mut c = Check { open: Vec::new() };
    if draft.format != DRAFT_FORMAT {
        c.open.push(format!("format is {:?}, not {DRAFT_FORMAT:?}", draft.format));
    }
    let d = &draft.document;
    let stream = c.need("document.stream", &d.stream).cloned();
    let document_type = c.need("document.document_type", &d.document_type).copied();
    let issuer = c.need("document.issuer", &d.issuer).cloned();
    let issued_on = c.need("document.issued_on", &d.issued_on).copied();
    let occurred_at = c.need("document.occurred_at", &d.occurred_at).copied();
    let subject = c.need("document.subject", &d.subject).cloned();
    let person = c.need("signature.person", &draft.signature.person).cloned();
    let capacity = c.need("signature.capacity", &draft.signature.capacity).copied();
    let title = draft.signature.title.settled().cloned();
    // A blank number stays blank (the stream key says so); a symbol found is kept.
    let symbol = d.symbol.settled().cloned();
    let place = d.place.settled().cloned();
    let implements = citations(&mut c, "document.implements", &d.implements);
    let cites = citations(&mut c, "document.cites", &d.cites);

    let mut planned = Vec::new();
    for (i, o) in draft.new_offices.iter().enumerate() {
        if o.skip {
            continue;
        }
        let path = format!("new_offices[{i}]");
        let id = c.need(&format!("{path}.id"), &o.id).cloned();
        let name = c.need(&format!("{path}.name"), &o.name).cloned();
        let kind = c.need(&format!("{path}.kind"), &o.kind).copied();
        let level = c.need(&format!("{path}.level"), &o.level).copied();
        let area = c.need(&format!("{path}.area"), &o.area).cloned();
        if let (Some(id), Some(name), Some(kind), Some(level), Some(area), Some(at)) =
            (id, name, kind, level, area, occurred_at)
        {
            let stream = office_stream(&mut c, &path, &id);
            if let Some(stream) = stream {
                planned.push(Planned {
                    stream,
                    occurred_at: at,
                    actor: None,
                    data: EventData::OfficeRegistered { name, kind, level, area, parent: None },
                });
            }
        }
    }
    let actor = match (&person, &issuer, capacity) {
        (Some(person), Some(office), Some(capacity)) => {
            Some(Actor { person: person.clone(), office: office.clone(), capacity, title })
        }
        _ => None,
    };
    let mut assumed = d.assumed_fields.clone();
    for (field, status) in [
        ("document_type", d.document_type.status),
        ("symbol", d.symbol.status),
        ("issued_on", d.issued_on.status),
        ("place", d.place.status),
        ("subject", d.subject.status),
    ] {
        if status == Status::Assumed && !assumed.iter().any(|a| a == field) {
            assumed.push(field.to_owned());
        }
    }
    let mut tasks = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for (i, t) in draft.tasks.iter().enumerate() {
        if t.skip {
            continue;
        }
        let path = format!("tasks[{i}]");
        let content = c.need(&format!("{path}.content"), &t.content).cloned();
        let obligation = c.need(&format!("{path}.obligation"), &t.obligation).cloned();
        let mut assignees = Vec::new();
        for (j, a) in t.assignees.iter().enumerate() {
            let office = c.need(&format!("{path}.assignees[{j}].office"), &a.office).cloned();
            let role = c.need(&format!("{path}.assignees[{j}].role"), &a.role).copied();
            if let (Some(office), Some(role)) = (office, role) {
                assignees.push(Assignee {
                    office,
                    role,
                    position: a.position,
                    in_charge_of: a.in_charge_of.clone(),
                });
            }
        }
        if t.assignees.is_empty() {
            c.open.push(format!("{path}.assignees is empty"));
        }
        let leads =
            t.assignees.iter().filter(|a| a.role.settled() == Some(&AssigneeRole::Lead)).count();
        if leads > 1 {
            c.open.push(format!(
                "{path}.assignees: {leads} lead; exactly one leads (chủ trì), the others coordinate"
            ));
        }
        let report_to = match &t.report_to {
            Some(f) => c.need(&format!("{path}.report_to"), f).cloned(),
            None => None,
        };
        let (Some(doc), Some(content), Some(obligation), Some(at)) =
            (&stream, content, obligation, occurred_at)
        else {
            continue;
        };
        let mut key = format!("{}:{}", doc.key(), item_key(&t.item));
        if let Some(part) = &t.part {
            key = format!("{key}/{part}");
        }
        let mut unique = key.clone();
        let mut n = 2;
        while keys.contains(&unique) {
            unique = format!("{key}-{n}");
            n += 1;
        }
        keys.push(unique.clone());
        match StreamId::new(StreamKind::Task, &unique) {
            Ok(task_stream) => tasks.push(Planned {
                stream: task_stream,
                occurred_at: at,
                actor: actor.clone(),
                data: EventData::TaskAssigned {
                    document: doc.clone(),
                    item: t.item.clone(),
                    content,
                    assignees,
                    obligation,
                    report_to,
                },
            }),
            Err(e) => c.open.push(format!("{path}: {e}")),
        }
    }
    if !c.open.is_empty() {
        return Err(NotReady { open: c.open });
    }
    let (Some(stream), Some(document_type), Some(issued_on), Some(occurred_at), Some(subject)) =
        (stream, document_type, issued_on, occurred_at, subject)
    else {
        return Err(NotReady { open: vec!["the document's facts are incomplete".into()] });
    };
    planned.push(Planned {
        stream,
        occurred_at,
        actor: actor.clone(),
        data: EventData::DirectiveIssued {
            document_type,
            symbol,
            issued_on,
            place,
            subject,
            addressees: d.addressees.iter().map(addressee).collect(),
            distribution: d.distribution.iter().map(addressee).collect(),
            implements,
            cites,
            assumed,
        },
    });
    planned.extend(tasks);
    Ok(planned)
}

fn office_stream(c: &mut Check, path: &str, id: &OfficeId) -> Option<StreamId> {
    match StreamId::new(StreamKind::Office, id.as_str()) {
        Ok(s) => Some(s),
        Err(e) => {
            c.open.push(format!("{path}.id: {e}"));
            None
        }
    }
}

/// "2 (dash 5)" → "2/dash-5"; "2.1" stays.
fn item_key(item: &str) -> String {
    match item.split_once(" (dash ") {
        Some((head, n)) => format!("{head}/dash-{}", n.trim_end_matches(')')),
        None => item.replace(' ', "-").replace(['(', ')'], ""),
    }
}

fn addressee(a: &AddresseeDraft) -> Addressee {
    Addressee {
        name: a.name.clone(),
        office: a.office.settled().cloned(),
        for_report: a.for_report,
    }
}

fn citations(c: &mut Check, path: &str, list: &[CitationDraft]) -> Vec<DocumentRef> {
    let mut out = Vec::new();
    for (i, cite) in list.iter().enumerate() {
        if let Some(stream) = &cite.ledger {
            out.push(DocumentRef::Ledger(stream.clone()));
            continue;
        }
        let issuer = c.need(&format!("{path}[{i}].issuer"), &cite.issuer).cloned();
        let date = c.need(&format!("{path}[{i}].date"), &cite.date).copied();
        if let (Some(issuer), Some(date)) = (issuer, date) {
            out.push(DocumentRef::External(ExternalDocument {
                issuer,
                symbol: cite.symbol.clone(),
                date,
            }));
        }
    }
    out
}
