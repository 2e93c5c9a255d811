//! Who may read what: `visible(stream, scope)` (schemas/ACCESS.md §1).
//!
//! A reader's scope is a set of **areas**, office path prefixes matched segment by segment as
//! NATS subjects are (`vn/ha-noi/long-bien/bo-de` covers `vn/ha-noi/long-bien/bo-de/ubnd`, not
//! `vn/ha-noi/long-bien/bo-de-2`; a segment `*` matches any one segment; the area `*` alone is
//! the whole ledger). Each event contributes **facts** about its stream:
//!
//! - an *anchor*: the stream lies in a path (an office's own path; the offices a document is
//!   issued by or addressed to; a task's issuing office, its assignees' offices and the areas
//!   in charge; a case's acting and inspected offices; a commendation's awarding and awarded
//!   office; an alert level's area);
//! - a *link*: the target stream is visible whenever the source stream is (the document above a
//!   task, and the documents a visible document implements; a task's misses; the person and
//!   key streams of each event's actor and signers; the people a visible event names: a
//!   position's holder, a delegate, a key's holder, a subject of a case or a commendation).
//!
//! A stream is visible when it is the ledger's genesis stream, when one of its anchors lies in
//! an area of the scope, or when the source of one of its links is visible. The facts are pure
//! functions of the events ([`facts`]); where they are kept and looked up is the caller's
//! ([`Facts`]); [`visible`] walks the links with a visited set, so cycles end.

use std::collections::BTreeSet;

use crate::event::{DocumentRef, EventBody, EventData, Subject};
use crate::ids::{KeyId, StreamId, StreamKind};

/// One area of a scope: a path prefix of slug segments, `*` matching any one segment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Area {
    segments: Vec<String>,
}

/// Why an area is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AreaError(String);

impl Area {
    /// Reads an area: `*` (the whole ledger), or segments joined by `/`, each `*` or one or more
    /// of `a`–`z`, `0`–`9`, `-` and `_` (the slugs of office and area paths).
    pub fn parse(text: &str) -> Result<Self, AreaError> {
        if text.is_empty() {
            return Err(AreaError("an area is not empty: give an office path such as vn/ha-noi, or * for the whole ledger".into()));
        }
        let mut segments = Vec::new();
        for segment in text.split('/') {
            let ok = segment == "*"
                || (!segment.is_empty()
                    && segment.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                    }));
            if !ok {
                return Err(AreaError(format!(
                    "{text:?} is not an area: each segment between / is * or lower-case letters, \
                     digits, - and _ (as in vn/ha-noi/long-bien/bo-de)"
                )));
            }
            segments.push(segment.to_owned());
        }
        Ok(Self { segments })
    }

    /// Whether this is the whole ledger (`*`).
    pub fn is_whole_ledger(&self) -> bool {
        self.segments.len() == 1 && self.segments[0] == "*"
    }

    /// Whether `path` (an office id or an area path) lies in this area: it has at least this
    /// area's segments, and each equals the area's or the area's is `*`.
    pub fn covers(&self, path: &str) -> bool {
        if self.is_whole_ledger() {
            return true;
        }
        let mut parts = path.split('/');
        self.segments.iter().all(|s| parts.next().is_some_and(|p| s == "*" || s == p))
    }
}

impl std::fmt::Display for Area {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

/// What a reader may see: the streams in its areas and those linked to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    areas: Vec<Area>,
}

impl Scope {
    /// A scope of `areas`.
    pub fn new(areas: Vec<Area>) -> Self {
        Self { areas }
    }

    /// The whole ledger.
    pub fn whole_ledger() -> Self {
        Self { areas: vec![Area { segments: vec!["*".into()] }] }
    }

    /// Whether every stream is visible.
    pub fn is_whole_ledger(&self) -> bool {
        self.areas.iter().any(Area::is_whole_ledger)
    }

    /// The areas.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// Whether `path` lies in one of the areas.
    pub fn covers(&self, path: &str) -> bool {
        self.areas.iter().any(|a| a.covers(path))
    }
}

/// What one event says about who may see which stream.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fact {
    /// `stream` lies in `path` (an office id or an area path).
    Anchor { stream: StreamId, path: String },
    /// `target` is visible whenever `source` is.
    Link { target: StreamId, source: StreamId },
}

fn stream(kind: &str, key: &str) -> Option<StreamId> {
    format!("{kind}:{key}").parse().ok()
}

/// The facts the event `body`, signed by `signers`, contributes (SPEC: schemas/ACCESS.md §1).
pub fn facts(body: &EventBody, signers: &[KeyId]) -> Vec<Fact> {
    let here = &body.stream;
    let mut out = BTreeSet::new();
    let anchor = |out: &mut BTreeSet<Fact>, path: &str| {
        out.insert(Fact::Anchor { stream: here.clone(), path: path.to_owned() });
    };
    let link_from_here = |out: &mut BTreeSet<Fact>, target: Option<StreamId>| {
        if let Some(target) = target.filter(|t| t != here) {
            out.insert(Fact::Link { target, source: here.clone() });
        }
    };
    let person = |id: &str| stream("person", id);
    let subject = |out: &mut BTreeSet<Fact>, s: &Subject| match s {
        Subject::Office(o) => anchor(out, o.as_str()),
        Subject::Person(p) => link_from_here(out, person(p.as_str())),
    };
    // Every event: its actor's person stream and its signers' key streams.
    link_from_here(&mut out, person(body.actor.person.as_str()));
    for key in signers {
        link_from_here(&mut out, stream("key", &key.to_string()));
    }
    match &body.data {
        EventData::OfficeRegistered { .. } if here.kind() == StreamKind::Office => {
            anchor(&mut out, here.key());
        }
        EventData::PositionAssigned { person: p, .. }
        | EventData::PositionEnded { person: p, .. } => {
            link_from_here(&mut out, person(p.as_str()));
        }
        EventData::DelegationGranted { delegate, .. } => {
            link_from_here(&mut out, person(delegate.as_str()));
        }
        EventData::KeyRegistered { person: p, .. } => link_from_here(&mut out, person(p.as_str())),
        EventData::DirectiveIssued { addressees, distribution, implements, .. } => {
            anchor(&mut out, body.actor.office.as_str());
            for a in addressees.iter().chain(distribution) {
                if let Some(office) = &a.office {
                    anchor(&mut out, office.as_str());
                }
            }
            for doc in implements {
                if let DocumentRef::Ledger(above) = doc {
                    // The document this one implements is visible when this one is.
                    if above != here {
                        out.insert(Fact::Link { target: above.clone(), source: here.clone() });
                    }
                }
            }
        }
        EventData::TaskAssigned { document, assignees, .. } => {
            anchor(&mut out, body.actor.office.as_str());
            for a in assignees {
                anchor(&mut out, a.office.as_str());
                if let Some(area) = &a.in_charge_of {
                    anchor(&mut out, area.as_str());
                }
            }
            out.insert(Fact::Link { target: document.clone(), source: here.clone() });
        }
        EventData::DeadlineMissed { task, .. } => {
            out.insert(Fact::Link { target: here.clone(), source: task.clone() });
        }
        EventData::InspectionConducted { subjects, .. } => {
            anchor(&mut out, body.actor.office.as_str());
            for s in subjects {
                subject(&mut out, s);
            }
        }
        EventData::ViolationRecorded { against, .. }
        | EventData::SanctionImposed { against, .. } => {
            anchor(&mut out, body.actor.office.as_str());
            subject(&mut out, against);
        }
        EventData::ViolationWithdrawn { .. }
        | EventData::SanctionAppealed { .. }
        | EventData::SanctionRevised { .. } => anchor(&mut out, body.actor.office.as_str()),
        EventData::CommendationAwarded { to, .. } => {
            anchor(&mut out, body.actor.office.as_str());
            subject(&mut out, to);
        }
        EventData::AlertLevelChanged { .. } if here.kind() == StreamKind::Area => {
            anchor(&mut out, here.key());
        }
        _ => {}
    }
    out.into_iter().collect()
}

/// Where the facts are kept: a stream's anchors, and the sources of the links into it.
pub trait Facts {
    type Error;
    /// The paths `stream` lies in.
    fn anchors(&self, stream: &StreamId) -> Result<Vec<String>, Self::Error>;
    /// The streams whose visibility makes `stream` visible.
    fn sources(&self, stream: &StreamId) -> Result<Vec<StreamId>, Self::Error>;
}

/// Whether a reader of `scope` may see `stream`, given the ledger's `facts`.
pub fn visible<F: Facts>(stream: &StreamId, scope: &Scope, facts: &F) -> Result<bool, F::Error> {
    if scope.is_whole_ledger() {
        return Ok(true);
    }
    let mut seen = BTreeSet::new();
    let mut todo = vec![stream.clone()];
    while let Some(s) = todo.pop() {
        if !seen.insert(s.clone()) {
            continue;
        }
        if s.kind() == StreamKind::Ledger {
            return Ok(true);
        }
        if facts.anchors(&s)?.iter().any(|p| scope.covers(p)) {
            return Ok(true);
        }
        todo.extend(facts.sources(&s)?.into_iter().filter(|t| !seen.contains(t)));
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::convert::Infallible;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn areas_match_segment_by_segment() {
        let a = Area::parse("vn/ha-noi/long-bien/bo-de").unwrap();
        assert!(a.covers("vn/ha-noi/long-bien/bo-de"));
        assert!(a.covers("vn/ha-noi/long-bien/bo-de/ubnd"));
        assert!(!a.covers("vn/ha-noi/long-bien/bo-de-2"));
        assert!(!a.covers("vn/ha-noi/long-bien"));
        assert!(!a.covers("vn/ha-noi/long-bien/thach-ban/ubnd"));
        let w = Area::parse("vn/*/long-bien").unwrap();
        assert!(w.covers("vn/ha-noi/long-bien/quan-uy"));
        assert!(!w.covers("vn/ha-noi"));
        assert!(Area::parse("*").unwrap().covers("mandate/quan-tri"));
        for bad in ["", "vn//x", "VN", "vn/", "vn/hà-nội", "a b", "vn/>"] {
            assert!(Area::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Area::parse("vn/*/x").unwrap().to_string(), "vn/*/x");
    }

    /// A small random ledger, as the relations the definition speaks of.
    #[derive(Debug, Clone)]
    struct World {
        /// stream → paths it lies in.
        anchors: BTreeMap<String, Vec<String>>,
        /// (target, source) links.
        links: Vec<(String, String)>,
    }

    impl Facts for World {
        type Error = Infallible;
        fn anchors(&self, s: &StreamId) -> Result<Vec<String>, Infallible> {
            Ok(self.anchors.get(s.as_str()).cloned().unwrap_or_default())
        }
        fn sources(&self, s: &StreamId) -> Result<Vec<StreamId>, Infallible> {
            Ok(self
                .links
                .iter()
                .filter(|(t, _)| t == s.as_str())
                .map(|(_, src)| src.parse().unwrap())
                .collect())
        }
    }

    const SEGMENTS: [&str; 3] = ["a", "b", "c"];

    fn path() -> impl Strategy<Value = String> {
        proptest::collection::vec(0usize..3, 1..4)
            .prop_map(|v| v.iter().map(|i| SEGMENTS[*i]).collect::<Vec<_>>().join("/"))
    }

    fn area() -> impl Strategy<Value = String> {
        prop_oneof![
            1 => Just("*".to_owned()),
            6 => proptest::collection::vec(0usize..4, 1..4).prop_map(|v| v
                .iter()
                .map(|i| if *i == 3 { "*" } else { SEGMENTS[*i] })
                .collect::<Vec<_>>()
                .join("/")),
        ]
    }

    fn streams() -> Vec<String> {
        let mut out = vec!["ledger:l".to_owned()];
        for kind in ["office", "task", "document", "person", "key", "miss", "case"] {
            for i in 0..4 {
                out.push(format!("{kind}:{i}"));
            }
        }
        out
    }

    fn world() -> impl Strategy<Value = World> {
        let n = streams().len();
        (
            proptest::collection::vec((0..n, path()), 0..12),
            proptest::collection::vec((0..n, 0..n), 0..20),
        )
            .prop_map(|(anchors, links)| {
                let names = streams();
                let mut a: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for (s, p) in anchors {
                    a.entry(names[s].clone()).or_default().push(p);
                }
                World {
                    anchors: a,
                    links: links
                        .into_iter()
                        .map(|(t, s)| (names[t].clone(), names[s].clone()))
                        .collect(),
                }
            })
    }

    /// The definition read literally: start from the genesis and the anchored streams, add
    /// link targets until nothing changes; areas matched by comparing segment lists.
    fn brute_force(world: &World, areas: &[String]) -> BTreeSet<String> {
        let covers = |area: &str, path: &str| {
            if area == "*" {
                return true;
            }
            let a: Vec<&str> = area.split('/').collect();
            let p: Vec<&str> = path.split('/').collect();
            p.len() >= a.len() && a.iter().zip(&p).all(|(x, y)| *x == "*" || x == y)
        };
        let all = streams();
        let mut seen: BTreeSet<String> = all
            .iter()
            .filter(|s| {
                areas.iter().any(|a| a == "*")
                    || s.starts_with("ledger:")
                    || world
                        .anchors
                        .get(*s)
                        .is_some_and(|ps| ps.iter().any(|p| areas.iter().any(|a| covers(a, p))))
            })
            .cloned()
            .collect();
        loop {
            let before = seen.len();
            for (t, s) in &world.links {
                if seen.contains(s) {
                    seen.insert(t.clone());
                }
            }
            if seen.len() == before {
                return seen;
            }
        }
    }

    proptest! {
        #[test]
        fn visible_is_its_definition(world in world(), areas in proptest::collection::vec(area(), 0..3)) {
            let scope = Scope::new(areas.iter().map(|a| Area::parse(a).unwrap()).collect());
            let expected = brute_force(&world, &areas);
            for s in streams() {
                let id: StreamId = s.parse().unwrap();
                let Ok(got) = visible(&id, &scope, &world);
                prop_assert_eq!(got, expected.contains(&s), "{} in {:?}", s, areas);
            }
        }
    }
}
