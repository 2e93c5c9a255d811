//! The log a command works on: the embedded one in the data directory, or JetStream.

use mandate_ledger::backend::{LogBackend, NewEvent};
use mandate_ledger::record::LoggedEvent;
use mandate_model::ids::{EventId, StreamId};
use mandate_nats::{JetStreamError, JetStreamLog};
use mandate_store::{EmbeddedLog, StoreError};

/// Either log.
pub(crate) enum AnyLog {
    Embedded(EmbeddedLog),
    JetStream(Box<JetStreamLog>),
}

/// Either log's error.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AnyLogError {
    #[error(transparent)]
    Embedded(#[from] StoreError),
    #[error(transparent)]
    JetStream(#[from] JetStreamError),
}

macro_rules! delegate {
    ($self:ident, $log:ident => $call:expr) => {
        match $self {
            AnyLog::Embedded($log) => Ok($call?),
            AnyLog::JetStream($log) => Ok($call?),
        }
    };
}

impl LogBackend for AnyLog {
    type Error = AnyLogError;

    fn head(&self) -> Result<u64, AnyLogError> {
        delegate!(self, log => log.head())
    }
    fn append(&self, events: &[NewEvent]) -> Result<(), AnyLogError> {
        delegate!(self, log => log.append(events))
    }
    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<LoggedEvent>, AnyLogError> {
        delegate!(self, log => log.read_from(from, limit))
    }
    fn find(&self, id: &EventId) -> Result<Option<LoggedEvent>, AnyLogError> {
        delegate!(self, log => log.find(id))
    }
    fn find_many(&self, ids: &[EventId]) -> Result<Vec<Option<LoggedEvent>>, AnyLogError> {
        delegate!(self, log => log.find_many(ids))
    }
    fn find_many_up_to_head(
        &self,
        ids: &[EventId],
    ) -> Result<Vec<Option<LoggedEvent>>, AnyLogError> {
        delegate!(self, log => log.find_many_up_to_head(ids))
    }
    fn stream_positions(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<u64>, AnyLogError> {
        delegate!(self, log => log.stream_positions(stream, from_version))
    }
}
