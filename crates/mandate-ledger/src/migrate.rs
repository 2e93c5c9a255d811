//! Copying a log to another backend with every event id, version, position and receipt
//! unchanged (e.g. an embedded ledger onto JetStream).

use mandate_model::body::decode_body;
use mandate_rules::state::LedgerState;

use crate::backend::{LogBackend, NewEvent};

/// Why a migration stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    #[error("cannot read the source log")]
    Source(#[source] crate::gate::LogError),
    #[error("cannot write the destination log")]
    Destination(#[source] crate::gate::LogError),
    #[error(
        "the destination already holds {n_events} events that are not the source's first ones (position {position} differs)"
    )]
    Diverged { n_events: u64, position: u64 },
    #[error("the event at position {position} of the source is not a valid body")]
    Corrupt {
        position: u64,
        #[source]
        source: mandate_model::body::DecodeError,
    },
}

const CHUNK: usize = 1024;

/// Copies `source` into `destination`. A destination that already holds a prefix of the source
/// (an interrupted migration) is continued; one that holds anything else is refused.
/// Returns the number of events copied; `progress` gets the position reached.
pub fn migrate<S: LogBackend, D: LogBackend>(
    source: &S,
    destination: &D,
    mut progress: impl FnMut(u64),
) -> Result<u64, MigrateError> {
    let existing = destination.head().map_err(|e| MigrateError::Destination(Box::new(e)))?;
    let mut state = LedgerState::default();
    let mut position = 1;
    let mut n_copied = 0;
    let mut prev_in_log = None;
    loop {
        let chunk =
            source.read_from(position, CHUNK).map_err(|e| MigrateError::Source(Box::new(e)))?;
        let Some(last) = chunk.last() else { break };
        position = last.position + 1;
        let mut batch = Vec::with_capacity(chunk.len());
        for event in chunk {
            let body = decode_body(&event.body)
                .map_err(|source| MigrateError::Corrupt { position: event.position, source })?;
            let subject = state.subject_of(&body);
            let prev_position = state.head(&body.stream).map(|h| h.last_position);
            state.apply_with_subject(&body, event.id(), std::sync::Arc::clone(&subject));
            let this = event.id();
            let before = prev_in_log.replace(this);
            if event.position <= existing {
                let there = destination
                    .read_from(event.position, 1)
                    .map_err(|e| MigrateError::Destination(Box::new(e)))?;
                if there.first() != Some(&event) {
                    return Err(MigrateError::Diverged {
                        n_events: existing,
                        position: event.position,
                    });
                }
                continue;
            }
            batch.push(NewEvent {
                id: event.id(),
                stream: body.stream,
                version: body.version,
                prev_position,
                subject,
                prev_in_log: before,
                event,
            });
        }
        if !batch.is_empty() {
            destination.append(&batch).map_err(|e| MigrateError::Destination(Box::new(e)))?;
            n_copied += batch.len() as u64;
        }
        progress(position - 1);
    }
    Ok(n_copied)
}
