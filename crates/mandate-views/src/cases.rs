//! Violations and sanctions by whom they are against, so that a person's answer costs what
//! their cases cost, not what every case of the ledger costs.

use std::collections::BTreeMap;

use mandate_model::event::Subject;
use mandate_model::time::Timestamp;

use crate::query::Reader;
use crate::rows::*;
use crate::*;

const MAX: &str = "\u{10ffff}";

/// The `cases_by_subject` key of a subject.
pub(crate) fn subject_key(subject: &Subject) -> String {
    match subject {
        Subject::Office(o) => format!("office:{o}"),
        Subject::Person(p) => format!("person:{p}"),
    }
}

impl Reader {
    /// The ids of `kind` ("violation" or "sanction") against `subject`.
    fn cases_against(&self, subject: &Subject, kind: &str) -> Result<Vec<String>, ViewsError> {
        let table = self.txn.open_table(CASES_BY_SUBJECT)?;
        let s = subject_key(subject);
        let mut out = Vec::new();
        for entry in table.range((s.as_str(), kind, "")..=(s.as_str(), kind, MAX))? {
            let (key, written) = entry?;
            if self.holds(written.value()) {
                out.push(key.value().2.to_owned());
            }
        }
        Ok(out)
    }

    /// What the oversight part of an answer about `subjects` rests on, as of `now`: the
    /// violations against them, the sanctions against them or on those violations, and the
    /// sanctions against the head each office violation's office had then; each list by time.
    /// (The same rows the whole tables give for every question about these subjects.)
    pub(crate) fn oversight_of(
        &self,
        subjects: &[Subject],
        now: Timestamp,
    ) -> Result<(Vec<ViolationRow>, Vec<SanctionRow>), ViewsError> {
        let mut violations: BTreeMap<String, ViolationRow> = BTreeMap::new();
        let mut sanction_ids: Vec<String> = Vec::new();
        for subject in subjects {
            for id in self.cases_against(subject, "violation")? {
                if let Some(row) = self.row::<ViolationRow>(VIOLATIONS, &id)? {
                    violations.insert(id, row);
                }
            }
            sanction_ids.extend(self.cases_against(subject, "sanction")?);
        }
        let by_violation = self.txn.open_table(SANCTIONS_BY_VIOLATION)?;
        for (id, v) in &violations {
            for entry in by_violation.range((id.as_str(), "")..=(id.as_str(), MAX))? {
                let (key, written) = entry?;
                if self.holds(written.value()) {
                    sanction_ids.push(key.value().1.to_owned());
                }
            }
            if let Subject::Office(office) = &v.against
                && let Some(head) = self.head_then(office, v.occurred_at)?
            {
                sanction_ids.extend(self.cases_against(&Subject::Person(head), "sanction")?);
            }
        }
        let mut sanctions: BTreeMap<String, SanctionRow> = BTreeMap::new();
        for id in sanction_ids {
            if sanctions.contains_key(&id) {
                continue;
            }
            if let Some(row) = self.row::<SanctionRow>(SANCTIONS, &id)? {
                sanctions.insert(id, row);
            }
        }
        let mut violations: Vec<ViolationRow> =
            violations.into_values().filter(|v| v.occurred_at <= now).collect();
        violations.sort_by_key(|v| (v.occurred_at, v.event));
        let mut sanctions: Vec<SanctionRow> =
            sanctions.into_values().filter(|s| s.occurred_at <= now).collect();
        sanctions.sort_by_key(|s| (s.occurred_at, s.event));
        Ok((violations, sanctions))
    }
}
