//! The administrators and threshold a bundle's events are judged by (BUNDLE.md §4.4).

use mandate_ledger::record::LoggedEvent;
use mandate_model::event::EventData;
use mandate_model::ids::PersonId;

/// The administrators and their threshold as the bundle's `ledger:` stream sets them: genesis,
/// then each `administrators.changed` (the stream is complete in a bundle, §3 of BUNDLE.md).
pub(super) struct AdministratorSets {
    /// Genesis's administrator, whose key genesis gives.
    pub(super) first: PersonId,
    /// From which position each set holds (the event's own position for genesis, which is
    /// judged by the set it declares; the next position for a change).
    changes: Vec<(u64, std::collections::BTreeSet<PersonId>, usize)>,
}

impl AdministratorSets {
    pub(super) fn of(logged: &[LoggedEvent], bodies: &[mandate_model::event::EventBody]) -> Self {
        let mut first = None;
        let mut changes = Vec::new();
        for (e, b) in logged.iter().zip(bodies) {
            match &b.data {
                EventData::LedgerEstablished {
                    administrator,
                    co_administrators,
                    threshold,
                    ..
                } => {
                    first = Some(administrator.person.clone());
                    let set = std::iter::once(administrator)
                        .chain(co_administrators)
                        .map(|a| a.person.clone())
                        .collect();
                    changes.push((e.position, set, threshold.map_or(1, |t| t as usize)));
                }
                EventData::AdministratorsChanged { administrators, threshold } => {
                    let set = administrators.iter().cloned().collect();
                    changes.push((e.position + 1, set, *threshold as usize));
                }
                _ => {}
            }
        }
        changes.sort_by_key(|(from, _, _)| *from);
        let first = first.unwrap_or_else(|| "admin".parse().expect("a person id"));
        AdministratorSets { first, changes }
    }

    /// The set and threshold an event at `position` is judged by.
    pub(super) fn in_force(&self, position: u64) -> (std::collections::BTreeSet<PersonId>, usize) {
        self.changes
            .iter()
            .rev()
            .find(|(from, _, _)| *from <= position)
            .map_or_else(Default::default, |(_, set, threshold)| (set.clone(), *threshold))
    }
}
