//! The draft as a person reads it: what was found and where, what is missing.

use std::fmt::Write;

use mandate_model::event::Obligation;

use crate::draft::{Draft, Fact, Status};

fn status<T>(fact: &Fact<T>) -> &'static str {
    match fact.status {
        Status::Found => "found",
        Status::Resolved => "resolved",
        Status::Ambiguous => "AMBIGUOUS",
        Status::Unknown => "UNKNOWN",
        Status::Assumed => "assumed",
    }
}

fn shown<T: serde::Serialize>(fact: &Fact<T>) -> String {
    match &fact.value {
        Some(v) => match serde_json::to_value(v) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(_) => String::new(),
        },
        None => "—".to_owned(),
    }
}

fn row<T: serde::Serialize>(out: &mut String, label: &str, fact: &Fact<T>) {
    let at =
        fact.evidence.as_ref().map(|e| format!(" [{}..{}]", e.start, e.end)).unwrap_or_default();
    let _ = writeln!(out, "  {label:<16} {:<10} {}{at}", status(fact), shown(fact));
    // The match made, or what is missing: every status but a plain reading.
    if fact.status != Status::Found
        && let Some(note) = &fact.note
    {
        let _ = writeln!(out, "  {:<16} {:<10} ↳ {note}", "", "");
    }
}

/// The review table. `accountable` is who the ledger's rules will hold accountable for the
/// document, worked out by the caller from the capacity and the registry.
pub fn table(draft: &Draft, accountable: Option<&str>) -> String {
    let mut out = String::new();
    let d = &draft.document;
    let _ = writeln!(
        out,
        "Nguồn / source: {} ({}), sha256 {}",
        draft.source.name, draft.source.media_type, draft.source.sha256
    );
    let _ = writeln!(out, "\nVăn bản / document");
    row(&mut out, "stream", &d.stream);
    row(&mut out, "type", &d.document_type);
    row(&mut out, "symbol", &d.symbol);
    row(&mut out, "issuer", &d.issuer);
    row(&mut out, "place", &d.place);
    row(&mut out, "issued on", &d.issued_on);
    row(&mut out, "occurred at", &d.occurred_at);
    row(&mut out, "subject", &d.subject);
    for (label, list) in [("addressee", &d.addressees), ("distribution", &d.distribution)] {
        for a in list {
            let office = a.office.settled().map(|o| format!(" → {o}")).unwrap_or_default();
            let report = if a.for_report { " (b/c)" } else { "" };
            let _ =
                writeln!(out, "  {label:<16} {:<10} {}{report}{office}", status(&a.office), a.name);
        }
    }
    for (label, list) in [("implements", &d.implements), ("cites", &d.cites)] {
        for c in list {
            let date = c.date.value.map(|d| d.to_human()).unwrap_or_else(|| "date UNKNOWN".into());
            let issuer = c.issuer.value.clone().unwrap_or_else(|| "issuer UNKNOWN".into());
            let inside =
                c.ledger.as_ref().map(|s| format!(" (in the ledger: {s})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {label:<16} {:<10} {} {date}, {issuer}{inside}",
                status(&c.issuer),
                c.symbol
            );
        }
    }
    let s = &draft.signature;
    let _ = writeln!(out, "\nChữ ký / signature");
    row(&mut out, "capacity", &s.capacity);
    row(&mut out, "title", &s.title);
    row(&mut out, "signer", &s.signer);
    row(&mut out, "person", &s.person);
    if let Some(who) = accountable {
        let _ = writeln!(out, "  {:<16} {:<10} {who}", "accountable", "by rules");
    }
    let _ = writeln!(out, "\nNhiệm vụ / tasks ({})", draft.tasks.len());
    for t in &draft.tasks {
        let item = match &t.part {
            Some(p) => format!("{} /{p}", t.item),
            None => t.item.clone(),
        };
        let leads: Vec<String> = t
            .assignees
            .iter()
            .map(|a| {
                let role =
                    a.role.value.map(|r| mandate_model::event::wire_name(&r)).unwrap_or_default();
                format!("{} {role} ({})", shown(&a.office), status(&a.office))
            })
            .collect();
        let due = match &t.obligation.value {
            Some(Obligation::Deadline { due_at, .. }) => format!("due {}", due_at.to_human()),
            Some(Obligation::Recurring { due_time, reported, .. }) => {
                format!("daily by {due_time}{}", if *reported { ", reported" } else { "" })
            }
            Some(Obligation::Standing) => "standing".to_owned(),
            None => match &t.reading {
                Some(r) => format!(
                    "{} {} (deadline {})",
                    r.wording,
                    r.time
                        .map(|x| x.to_string())
                        .or(r.day.map(|d| d.to_human()))
                        .unwrap_or_default(),
                    status(&t.obligation)
                ),
                None => format!("deadline {}", status(&t.obligation)),
            },
        };
        let skip = if t.skip { " [skipped]" } else { "" };
        let _ = writeln!(out, "  {item:<20} {due:<28} {}{skip}", leads.join("; "));
    }
    if !draft.accountability.is_empty() {
        let _ = writeln!(out, "\nTrách nhiệm / accountability clauses (draft only)");
        for c in &draft.accountability {
            let cond = if c.conditional { "if …: " } else { "" };
            let to = c.owed_to.as_ref().map(|t| format!(" → trước {t}")).unwrap_or_default();
            let item = c.item.as_deref().unwrap_or("-");
            let _ = writeln!(out, "  {item:<20} {cond}{}{to}", c.who);
        }
    }
    if !draft.new_offices.is_empty() {
        let _ = writeln!(out, "\nCơ quan mới / offices to register");
        for o in &draft.new_offices {
            let _ = writeln!(out, "  {} (id {})", shown(&o.name), status(&o.id));
        }
    }
    match crate::apply::events(draft) {
        Ok(events) => {
            let _ = writeln!(out, "\nReady: {} events to sign and append.", events.len());
        }
        Err(not_ready) => {
            let _ = writeln!(out, "\nCòn thiếu / still open ({}):", not_ready.open.len());
            for o in &not_ready.open {
                let _ = writeln!(out, "  - {o}");
            }
        }
    }
    out
}
