//! Importing a directive's text (issue 16), for every interface: the registry names resolve
//! against (from the read models), who the rules will hold accountable, and a reviewed draft
//! made into event bodies for the gate, in dependency order.

use mandate_import::apply::{self, NotReady, Planned};
use mandate_import::{Draft, KnownDocument, KnownOffice, KnownPerson, Registry};
use mandate_model::event::EventBody;
use mandate_model::event::{Actor, Capacity, Role};
use mandate_model::ids::{EventId, StreamId};
use mandate_views::query::Reader;

/// What the ledger's read models hold that names are matched to.
pub fn registry(reader: &Reader) -> anyhow::Result<Registry> {
    let offices = reader
        .offices()?
        .into_iter()
        .map(|o| KnownOffice {
            id: o.office,
            name: o.name,
            kind: o.kind,
            level: o.level,
            area: o.area,
        })
        .collect();
    let people = reader
        .people()?
        .into_iter()
        .map(|p| KnownPerson { id: p.person, full_name: p.full_name })
        .collect();
    let documents = reader
        .documents()?
        .into_iter()
        .map(|d| {
            // The stream key is ISSUER:YEAR:SYMBOL.
            let symbol = d.stream.key().rsplit(':').next().map(str::to_owned);
            KnownDocument { stream: d.stream, issuer: d.issuer, symbol, issued_on: d.issued_on }
        })
        .collect();
    Ok(Registry { offices, people, documents })
}

/// Who the ledger's rules will hold accountable for the document, from the draft's capacity
/// and issuer and the registry's positions on the issue date (SPEC §7): a collective body for
/// T/M; its head for a direct, KT., TL. or TUQ. signature; the acting head for Q.
pub fn accountable(reader: &Reader, draft: &Draft) -> anyhow::Result<Option<String>> {
    let (Some(issuer), Some(capacity)) =
        (draft.document.issuer.settled(), draft.signature.capacity.settled())
    else {
        return Ok(None);
    };
    let name = reader.office(issuer)?.map_or_else(|| issuer.to_string(), |o| o.name);
    let role = match capacity {
        Capacity::OnBehalf => {
            return Ok(Some(format!(
                "{name}, the collective body (T/M: it answers, not the signer)"
            )));
        }
        Capacity::Acting => Role::ActingHead,
        _ => Role::Head,
    };
    let at = draft.document.occurred_at.settled().copied();
    let holder = reader
        .tenures_of_office(issuer)?
        .into_iter()
        .find(|t| t.role == role && at.is_some_and(|at| t.covers(at)));
    Ok(Some(match holder {
        Some(t) => {
            let person =
                reader.person(&t.person)?.map_or_else(|| t.person.to_string(), |p| p.full_name);
            format!("{person} ({}), {} of {name}, on the issue date", t.person, t.title)
        }
        None => format!(
            "the {} of {name} on the issue date: the registry names no one",
            mandate_model::event::wire_name(&role)
        ),
    }))
}

/// Who signs one body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// The administrator: an office registration.
    Administrator,
    /// The document's author (the signature block's person).
    Author,
}

/// The draft's events as bodies, each with who signs it. `head` gives a stream's current
/// version and last event; registrations are acted by `administrator`.
pub fn bodies(
    draft: &Draft,
    ledger: &str,
    administrator: &Actor,
    head: impl Fn(&StreamId) -> Option<(u64, EventId)>,
) -> Result<Vec<(EventBody, Signer)>, NotReady> {
    let planned = apply::events(draft)?;
    let mut out = Vec::with_capacity(planned.len());
    let mut open: Vec<String> = Vec::new();
    for Planned { stream, occurred_at, actor, data } in planned {
        let (actor, signer) = match actor {
            Some(a) => (a, Signer::Author),
            None => (administrator.clone(), Signer::Administrator),
        };
        let (version, prev) = match head(&stream) {
            Some((v, last)) => (v + 1, Some(last)),
            None => (1, None),
        };
        if mandate_model::event::kind_opens_stream(data.kind()) && version != 1 {
            open.push(format!(
                "{stream} is already in the ledger: nothing of this draft was appended"
            ));
            continue;
        }
        out.push((
            EventBody {
                ledger: ledger.to_owned(),
                stream,
                version,
                prev,
                occurred_at,
                actor,
                data,
            },
            signer,
        ));
    }
    if !open.is_empty() {
        return Err(NotReady { open });
    }
    Ok(out)
}
