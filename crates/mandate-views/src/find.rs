//! Finding offices, people and documents by name or id, with or without diacritics
//! (`mandate_model::fold`), and listing them, optionally within an area.
//!
//! Ranking: the whole folded name (or id) equals the query; then it starts with it; then every
//! word of the query starts a word of the name, in order; then the name holds the query.
//! Results are grouped by kind and, within a rank, ordered by name.

use mandate_model::fold::fold;
use mandate_model::ids::{AreaPath, EventId};
use schemars::JsonSchema;
use serde::Serialize;

use crate::ViewsError;
use crate::query::Reader;

/// One thing found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Found {
    /// The id to use in other commands (office id, person id, document stream).
    pub id: String,
    pub name: String,
    /// What else helps tell it apart: an office's area, a document's issuer and date, that a
    /// person is fictional; absent when nothing does.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// 0 exact, 1 prefix, 2 phrase, 3 words, 4 contains; absent in a list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<u8>,
    pub event: EventId,
}

/// What `find` answers: each kind, best first.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct FindAnswer {
    pub query: String,
    pub offices: Vec<Found>,
    pub people: Vec<Found>,
    pub documents: Vec<Found>,
    /// The registrations and directives behind the answer.
    pub events: Vec<EventId>,
}

/// What `list` answers: every office, person or document (within an area, when asked).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ListAnswer {
    /// `offices`, `people` or `documents`.
    pub kind: String,
    /// The area asked about; absent for the whole ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub below: Option<AreaPath>,
    pub items: Vec<Found>,
    pub events: Vec<EventId>,
    /// Over HTTP, a page's cursor for the next one; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl ListAnswer {
    /// The answer listing `items`, with the events behind them.
    pub fn new(kind: ListKind, below: Option<&AreaPath>, items: Vec<Found>) -> Self {
        let mut events: Vec<EventId> = items.iter().map(|f| f.event).collect();
        events.sort();
        events.dedup();
        let kind = match kind {
            ListKind::Offices => "offices",
            ListKind::People => "people",
            ListKind::Documents => "documents",
        };
        Self { kind: kind.to_owned(), below: below.cloned(), items, events, next: None }
    }
}

/// How well `haystack` (folded) matches `query` (folded), if at all.
fn rank(haystack: &str, query: &str) -> Option<u8> {
    if query.is_empty() {
        return None;
    }
    if haystack == query {
        return Some(0);
    }
    if haystack.starts_with(query) {
        return Some(1);
    }
    // The query as a phrase starting at a word: `phuong bo de` holds `bo de`.
    if haystack.match_indices(query).any(|(at, _)| haystack.as_bytes()[at - 1] == b' ') {
        return Some(2);
    }
    let mut words = haystack.split(' ');
    if query.split(' ').all(|q| words.any(|w| w.starts_with(q))) {
        return Some(3);
    }
    haystack.contains(query).then_some(4)
}

fn best(texts: &[&str], query: &str) -> Option<u8> {
    texts.iter().filter_map(|t| rank(&fold(t), query)).min()
}

fn sorted(mut found: Vec<Found>, limit: usize) -> Vec<Found> {
    found.sort_by(|a, b| (a.rank, fold(&a.name), &a.id).cmp(&(b.rank, fold(&b.name), &b.id)));
    found.truncate(limit);
    found
}

/// Offices, people and documents whose name or id matches `text`, at most `limit` of each.
pub fn find(reader: &Reader, text: &str, limit: usize) -> Result<FindAnswer, ViewsError> {
    let query = fold(text);
    let mut answer = FindAnswer { query: text.to_owned(), ..FindAnswer::default() };
    let mut offices = Vec::new();
    for o in reader.offices()? {
        if let Some(rank) = best(&[&o.name, o.office.as_str()], &query) {
            offices.push(Found {
                id: o.office.to_string(),
                name: o.name,
                detail: o.area.to_string(),
                rank: Some(rank),
                event: o.event,
            });
        }
    }
    let mut people = Vec::new();
    for p in reader.people()? {
        if let Some(rank) = best(&[&p.full_name, p.person.as_str()], &query) {
            let detail = if p.fictional { "fictional".to_owned() } else { String::new() };
            people.push(Found {
                id: p.person.to_string(),
                name: p.full_name,
                detail,
                rank: Some(rank),
                event: p.event,
            });
        }
    }
    let mut documents = Vec::new();
    for d in reader.documents()? {
        if let Some(rank) = best(&[&d.title, &d.subject, d.stream.as_str()], &query) {
            let Some(event) = d.events.first().copied() else { continue };
            documents.push(Found {
                id: d.stream.to_string(),
                name: format!("{} — {}", d.title, d.subject),
                detail: format!("{}, {}", d.issuer, d.issued_on.to_human()),
                rank: Some(rank),
                event,
            });
        }
    }
    answer.offices = sorted(offices, limit);
    answer.people = sorted(people, limit);
    answer.documents = sorted(documents, limit);
    let mut events: Vec<EventId> = [&answer.offices, &answer.people, &answer.documents]
        .into_iter()
        .flatten()
        .map(|f| f.event)
        .collect();
    events.sort();
    events.dedup();
    answer.events = events;
    Ok(answer)
}

/// Every office (within `below`, when given: its area or under it), person (holding a position
/// in such an office at any time) or document (issued by such an office), by name.
pub fn list(
    reader: &Reader,
    kind: ListKind,
    below: Option<&AreaPath>,
) -> Result<Vec<Found>, ViewsError> {
    let offices = reader.offices()?;
    let in_area = |area: &AreaPath| below.is_none_or(|b| b.contains(area));
    let office_ids: Vec<_> =
        offices.iter().filter(|o| in_area(&o.area)).map(|o| o.office.clone()).collect();
    let found = match kind {
        ListKind::Offices => offices
            .into_iter()
            .filter(|o| in_area(&o.area))
            .map(|o| Found {
                id: o.office.to_string(),
                name: o.name,
                detail: o.area.to_string(),
                rank: None,
                event: o.event,
            })
            .collect(),
        ListKind::People => {
            let mut out = Vec::new();
            for p in reader.people()? {
                let holds = below.is_none()
                    || reader
                        .tenures_of_person(&p.person)?
                        .iter()
                        .any(|t| office_ids.contains(&t.office));
                if holds {
                    let detail = if p.fictional { "fictional".to_owned() } else { String::new() };
                    out.push(Found {
                        id: p.person.to_string(),
                        name: p.full_name,
                        detail,
                        rank: None,
                        event: p.event,
                    });
                }
            }
            out
        }
        ListKind::Documents => reader
            .documents()?
            .into_iter()
            .filter(|d| office_ids.contains(&d.issuer))
            .filter_map(|d| {
                Some(Found {
                    id: d.stream.to_string(),
                    name: format!("{} — {}", d.title, d.subject),
                    detail: format!("{}, {}", d.issuer, d.issued_on.to_human()),
                    rank: None,
                    event: *d.events.first()?,
                })
            })
            .collect(),
    };
    Ok(sorted(found, usize::MAX))
}

/// Edit distance between two strings, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The `n` ids of `kind` nearest to an unknown `id` (for "did you mean"), nearest first.
pub fn nearest(
    reader: &Reader,
    kind: ListKind,
    id: &str,
    n: usize,
) -> Result<Vec<Found>, ViewsError> {
    let mut all = list(reader, kind, None)?;
    all.sort_by_key(|f| (distance(&f.id, id), f.id.clone()));
    all.truncate(n);
    Ok(all)
}

/// What `list` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Offices,
    People,
    Documents,
}

#[cfg(test)]
mod tests {
    use super::rank;

    #[test]
    fn ranks_run_from_exact_to_contained() {
        assert_eq!(rank("bo de", "bo de"), Some(0));
        assert_eq!(rank("bo de ward", "bo de"), Some(1));
        assert_eq!(rank("uy ban nhan dan phuong bo de", "phuong bo"), Some(2));
        assert_eq!(rank("nguyen van a", "van a"), Some(2));
        assert_eq!(rank("bo phan quan tri demo", "bo de"), Some(3));
        assert_eq!(rank("abode", "bode"), Some(4));
        assert_eq!(rank("thach ban", "bo de"), None);
        assert_eq!(rank("anything", ""), None);
    }

    #[test]
    fn distance_counts_edits() {
        use super::distance;
        assert_eq!(distance("bo-de", "bo-de"), 0);
        assert_eq!(distance("bode", "bo-de"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("ngoc-thuy", "ngoc-thui"), 1);
    }
}
