//! Answers cut to what a reader may see (`visible(stream, scope)`, schemas/ACCESS.md §1): the
//! facts are the read models' `visible_in` and `visible_with` tables; each answer keeps the
//! items whose streams are visible and recomputes its totals from them.

use std::cell::RefCell;
use std::collections::BTreeMap;

use mandate_model::ids::{OfficeId, PersonId, StreamId};
use mandate_model::visibility::{self, Facts, Scope};

use crate::answer::*;
use crate::find::{FindAnswer, Found, ListAnswer};
use crate::query::Reader;
use crate::{VISIBLE_IN, VISIBLE_WITH, ViewsError};

struct Tables<'r> {
    reader: &'r Reader,
}

impl Facts for Tables<'_> {
    type Error = ViewsError;
    fn anchors(&self, stream: &StreamId) -> Result<Vec<String>, ViewsError> {
        let table = self.reader.txn.open_table(VISIBLE_IN)?;
        let s = stream.as_str();
        let mut out = Vec::new();
        for row in table.range((s, "")..)? {
            let (key, written) = row?;
            let (stream, path) = key.value();
            if stream != s {
                break;
            }
            if !self.reader.holds(written.value()) {
                continue;
            }
            out.push(path.to_owned());
        }
        Ok(out)
    }
    fn sources(&self, stream: &StreamId) -> Result<Vec<StreamId>, ViewsError> {
        let table = self.reader.txn.open_table(VISIBLE_WITH)?;
        let s = stream.as_str();
        let mut out = Vec::new();
        for row in table.range((s, "")..)? {
            let (key, written) = row?;
            let (target, source) = key.value();
            if target != s {
                break;
            }
            if !self.reader.holds(written.value()) {
                continue;
            }
            if let Ok(source) = source.parse() {
                out.push(source);
            }
        }
        Ok(out)
    }
}

/// A reader's view of one snapshot: whether each stream is visible to its scope, remembered for
/// the request.
pub struct Visibility<'r> {
    tables: Tables<'r>,
    scope: Scope,
    memo: RefCell<BTreeMap<String, bool>>,
}

impl<'r> Visibility<'r> {
    /// `scope`'s view of `reader`'s snapshot.
    pub fn new(reader: &'r Reader, scope: Scope) -> Self {
        Self { tables: Tables { reader }, scope, memo: RefCell::new(BTreeMap::new()) }
    }

    /// The scope.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Whether every stream is visible.
    pub fn is_whole_ledger(&self) -> bool {
        self.scope.is_whole_ledger()
    }

    /// Whether `stream` is visible.
    pub fn stream(&self, stream: &StreamId) -> Result<bool, ViewsError> {
        if self.is_whole_ledger() {
            return Ok(true);
        }
        if let Some(v) = self.memo.borrow().get(stream.as_str()) {
            return Ok(*v);
        }
        let v = visibility::visible(stream, &self.scope, &self.tables)?;
        self.memo.borrow_mut().insert(stream.as_str().to_owned(), v);
        Ok(v)
    }

    fn kind(&self, kind: &str, key: &str) -> Result<bool, ViewsError> {
        match format!("{kind}:{key}").parse::<StreamId>() {
            Ok(s) => self.stream(&s),
            Err(_) => Ok(false),
        }
    }

    /// Whether an office's stream is visible.
    pub fn office(&self, office: &OfficeId) -> Result<bool, ViewsError> {
        self.kind("office", office.as_str())
    }

    /// Whether a person's stream is visible.
    pub fn person(&self, person: &PersonId) -> Result<bool, ViewsError> {
        self.kind("person", person.as_str())
    }

    fn found(&self, kind: &str, f: &Found) -> Result<bool, ViewsError> {
        match f.id.parse::<StreamId>() {
            Ok(s) if f.id.starts_with("document:") => self.stream(&s),
            _ => self.kind(kind, &f.id),
        }
    }

    fn retain<T>(
        &self,
        items: &mut Vec<T>,
        mut keep: impl FnMut(&T) -> Result<bool, ViewsError>,
    ) -> Result<(), ViewsError> {
        if self.is_whole_ledger() {
            return Ok(());
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items.drain(..) {
            if keep(&item)? {
                out.push(item);
            }
        }
        *items = out;
        Ok(())
    }

    fn case(&self, c: &CaseLine) -> Result<bool, ViewsError> {
        self.stream(&c.case)
    }

    fn cases(&self, cases: &mut Vec<CaseLine>) -> Result<(), ViewsError> {
        self.retain(cases, |c| self.case(c))?;
        for c in cases.iter_mut() {
            // A sanction on someone outside the scope is theirs, not this reader's.
            self.retain(&mut c.head_sanctioned_later, |s| self.subject(&s.against))?;
        }
        Ok(())
    }

    fn subject(&self, s: &SubjectRef) -> Result<bool, ViewsError> {
        match s {
            SubjectRef::Office { id, .. } => self.office(id),
            SubjectRef::Person { id, .. } => self.person(id),
        }
    }

    fn documents(&self, lines: &mut Vec<DocumentLine>) -> Result<(), ViewsError> {
        // A document outside the ledger is a citation anyone may read.
        self.retain(lines, |d| d.stream.as_ref().map_or(Ok(true), |s| self.stream(s)))
    }

    /// `accountability` as the scope sees it: tasks and cases on visible streams, the tenures
    /// that keep any (or whose office is visible), totals over what is left. A tenure in an
    /// office outside the scope stays when a task of it is visible: the daily duty a district
    /// Standing Board member holds for a ward is the ward's.
    pub fn accountability(&self, a: &mut AccountabilityAnswer) -> Result<(), ViewsError> {
        if self.is_whole_ledger() {
            return Ok(());
        }
        for t in &mut a.tenures {
            self.retain(&mut t.tasks, |task| self.stream(&task.task))?;
            for task in &mut t.tasks {
                self.documents(&mut task.directive_chain)?;
            }
            self.cases(&mut t.violations)?;
            self.retain(&mut t.sanctions, |s| self.subject(&s.against))?;
        }
        self.retain(&mut a.tenures, |t| {
            Ok(!t.tasks.is_empty()
                || !t.violations.is_empty()
                || !t.sanctions.is_empty()
                || self.office(&t.holder.office.id)?)
        })?;
        self.cases(&mut a.personal_violations)?;
        self.retain(&mut a.personal_sanctions, |s| self.subject(&s.against))?;
        let tasks = a.tenures.iter().flat_map(|t| &t.tasks);
        a.on_time = tasks.clone().map(|t| t.on_time).sum();
        a.late = tasks.clone().map(|t| t.late).sum();
        a.missing = tasks.map(|t| t.missing).sum();
        Ok(())
    }

    /// `misses` and `overdue`: lines of visible tasks.
    pub fn misses(&self, a: &mut MissesAnswer) -> Result<(), ViewsError> {
        self.retain(&mut a.lines, |l| self.stream(&l.task))
    }

    /// `cases`: visible cases.
    pub fn cases_answer(&self, a: &mut CasesAnswer) -> Result<(), ViewsError> {
        self.cases(&mut a.cases)
    }

    /// `directive`: the chain and the tasks the scope sees (the document itself is checked by
    /// the caller).
    pub fn directive(&self, a: &mut DirectiveAnswer) -> Result<(), ViewsError> {
        self.documents(&mut a.above)?;
        self.retain(&mut a.below, |b| {
            b.document.stream.as_ref().map_or(Ok(true), |s| self.stream(s))
        })?;
        for b in &mut a.below {
            self.retain(&mut b.tasks, |t| self.stream(&t.task))?;
        }
        Ok(())
    }

    /// `find`: visible offices, people and documents.
    pub fn find(&self, a: &mut FindAnswer) -> Result<(), ViewsError> {
        self.retain(&mut a.offices, |f| self.found("office", f))?;
        self.retain(&mut a.people, |f| self.found("person", f))?;
        self.retain(&mut a.documents, |f| self.found("document", f))?;
        Ok(())
    }

    /// A list's visible items.
    pub fn items(&self, kind: &str, items: &mut Vec<Found>) -> Result<(), ViewsError> {
        self.retain(items, |f| self.found(kind, f))
    }

    /// `list`: visible items.
    pub fn list(&self, a: &mut ListAnswer) -> Result<(), ViewsError> {
        let kind = match a.kind.as_str() {
            "offices" => "office",
            "people" => "person",
            _ => "document",
        };
        self.items(kind, &mut a.items)
    }

    /// An office: its visible parents and children, tenures of visible people.
    pub fn office_answer(&self, a: &mut OfficeAnswer) -> Result<(), ViewsError> {
        self.retain(&mut a.parents, |o| self.office(&o.id))?;
        self.retain(&mut a.children, |o| self.office(&o.id))?;
        self.retain(&mut a.tenures, |h| self.person(&h.person.id))
    }

    /// A person: positions in visible offices.
    pub fn person_answer(&self, a: &mut PersonAnswer) -> Result<(), ViewsError> {
        self.retain(&mut a.tenures, |h| self.office(&h.office.id))
    }

    /// Documents: visible ones.
    pub fn documents_answer(&self, a: &mut DocumentsAnswer) -> Result<(), ViewsError> {
        self.documents(&mut a.documents)
    }
}
