//! The interface every log backend (embedded redb, JetStream) offers the gate.

use std::sync::Arc;

use mandate_model::event::EventData;
use mandate_model::ids::{EventId, StreamId, StreamKind};
pub use mandate_rules::backing::{BackedHead, Backing};

use crate::record::LoggedEvent;

/// Whether the event at `version` of `stream` changes what the gate's state keeps in memory
/// (the registry: offices, people, keys, documents, tasks, cases). Every event does, except a
/// task's later events (reports, corrections, its completion) and misses: those only move a
/// stream's head, which a backed state looks up in the log (`mandate_rules::backing`).
pub fn changes_registry(stream: &StreamId, version: u64) -> bool {
    !(stream.kind() == StreamKind::Miss || (stream.kind() == StreamKind::Task && version > 1))
}

/// An event the gate has accepted, with the stream and version it continues (the log indexes
/// by them without reading the body again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub event: LoggedEvent,
    /// The event's id, `event.id()` (the hash of its body), computed once by whoever judged it.
    pub id: EventId,
    pub stream: StreamId,
    pub version: u64,
    /// The log position of the stream's previous event (absent at version 1).
    pub prev_position: Option<u64>,
    /// The stream's NATS subject.
    pub subject: std::sync::Arc<str>,
    /// The id of the event at the position before this one (absent at position 1): the log
    /// must end with it when this event is appended, which pins each event to its predecessor.
    pub prev_in_log: Option<EventId>,
}

/// A log the gate appends to and everyone reads from.
///
/// Positions are 1-based and dense. An append of several events is atomic: after a crash either
/// all of them are in the log or none is, and `append` returns only once they are durable.
pub trait LogBackend {
    /// The backend's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The position of the last event, 0 when empty.
    fn head(&self) -> Result<u64, Self::Error>;

    /// Appends events at positions `head + 1 …`, in order. Each must continue its stream
    /// (version = the stream's last version + 1) and have an id not yet in the log; otherwise
    /// nothing is written and an error is returned.
    fn append(&self, events: &[NewEvent]) -> Result<(), Self::Error>;

    /// Up to `limit` events from position `from` on.
    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<LoggedEvent>, Self::Error>;

    /// The event with this id, if logged.
    fn find(&self, id: &EventId) -> Result<Option<LoggedEvent>, Self::Error>;

    /// For each id, the logged event with that id, if any; backends answer from one snapshot.
    fn find_many(&self, ids: &[EventId]) -> Result<Vec<Option<LoggedEvent>>, Self::Error> {
        ids.iter().map(|id| self.find(id)).collect()
    }

    /// [`LogBackend::find_many`] for a caller that has just read [`LogBackend::head`]: the
    /// look-up must see every event up to that head, and need not look further (a backend whose
    /// every read is a round trip to a server saves one). By default, `find_many`.
    fn find_many_up_to_head(
        &self,
        ids: &[EventId],
    ) -> Result<Vec<Option<LoggedEvent>>, Self::Error> {
        self.find_many(ids)
    }

    /// The positions of a stream's events from `from_version` on.
    fn stream_positions(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<u64>, Self::Error>;

    /// The positions of the events that change the registry ([`changes_registry`]), in order,
    /// when the backend keeps them indexed; `None` when it does not (a gate then folds every
    /// event).
    fn registry_positions(&self) -> Result<Option<Vec<u64>>, Self::Error> {
        Ok(None)
    }

    /// The events at `positions`, in order (each must be in the log).
    fn read_positions(&self, positions: &[u64]) -> Result<Vec<LoggedEvent>, Self::Error> {
        let mut out = Vec::with_capacity(positions.len());
        for p in positions {
            out.extend(self.read_from(*p, 1)?.into_iter().filter(|e| e.position == *p));
        }
        Ok(out)
    }

    /// The version of a stream's last event and its position, if it has events.
    fn stream_head(&self, stream: &StreamId) -> Result<Option<(u64, u64)>, Self::Error> {
        let positions = self.stream_positions(stream, 1)?;
        Ok(positions.last().map(|p| (positions.len() as u64, *p)))
    }

    /// The position of a stream's event at `version`.
    fn stream_position(&self, stream: &StreamId, version: u64) -> Result<Option<u64>, Self::Error> {
        Ok(self.stream_positions(stream, version)?.first().copied())
    }

    /// Where a gate's state looks up what it does not fold in, when the backend can answer
    /// quickly ([`LogBacking`]); `None` when a gate must fold every event.
    fn backing(&self) -> Option<Arc<dyn Backing>> {
        None
    }
}

/// A log as a gate state's backing: heads from its stream index, reports by id.
pub struct LogBacking<L>(pub L);

impl<L: LogBackend + Send + Sync> Backing for LogBacking<L> {
    fn head(&self, stream: &StreamId) -> Result<Option<BackedHead>, String> {
        let log = &self.0;
        let Some((version, last_position)) = log.stream_head(stream).map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let first_position = log
            .stream_position(stream, 1)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{stream} has no first event in the log's index"))?;
        let mut read =
            log.read_positions(&[first_position, last_position]).map_err(|e| e.to_string())?;
        let last =
            read.pop().ok_or_else(|| format!("position {last_position} is not in the log"))?;
        let first = read.pop().unwrap_or_else(|| last.clone());
        let first =
            mandate_model::body::decode_logged_body(&first.body).map_err(|e| e.to_string())?;
        Ok(Some(BackedHead { version, last: last.id(), last_position, first }))
    }

    fn report_task(&self, id: &EventId) -> Result<Option<StreamId>, String> {
        let Some(event) = self.0.find(id).map_err(|e| e.to_string())? else { return Ok(None) };
        let body =
            mandate_model::body::decode_logged_body(&event.body).map_err(|e| e.to_string())?;
        Ok(matches!(body.data, EventData::ReportFiled { .. }).then_some(body.stream))
    }
}
