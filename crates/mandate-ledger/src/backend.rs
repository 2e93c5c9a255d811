//! The interface every log backend (embedded redb, JetStream) offers the gate.

use mandate_model::ids::{EventId, StreamId};

use crate::record::LoggedEvent;

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
}
