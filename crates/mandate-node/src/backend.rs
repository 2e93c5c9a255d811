//! The log a command works on: the embedded one in the data directory, or JetStream.

use mandate_ledger::backend::{LogBackend, NewEvent};
use mandate_ledger::record::LoggedEvent;
use mandate_model::ids::{EventId, StreamId};
use mandate_nats::{JetStreamError, JetStreamLog};
use mandate_store::{EmbeddedLog, StoreError};

/// Either log.
pub enum AnyLog {
    Embedded(EmbeddedLog),
    JetStream(Box<JetStreamLog>),
}

/// Either log's error.
#[derive(Debug, thiserror::Error)]
pub enum AnyLogError {
    #[error(transparent)]
    Embedded(#[from] StoreError),
    #[error(transparent)]
    JetStream(#[from] JetStreamError),
    #[error(transparent)]
    Connect(#[from] mandate_nats::ConnectError),
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
    fn registry_positions(&self) -> Result<Option<Vec<u64>>, AnyLogError> {
        delegate!(self, log => log.registry_positions())
    }
    fn read_positions(&self, positions: &[u64]) -> Result<Vec<LoggedEvent>, AnyLogError> {
        delegate!(self, log => log.read_positions(positions))
    }
    fn stream_head(&self, stream: &StreamId) -> Result<Option<(u64, u64)>, AnyLogError> {
        delegate!(self, log => log.stream_head(stream))
    }
    fn stream_position(&self, stream: &StreamId, version: u64) -> Result<Option<u64>, AnyLogError> {
        delegate!(self, log => log.stream_position(stream, version))
    }
    fn backing(&self) -> Option<std::sync::Arc<dyn mandate_ledger::backend::Backing>> {
        match self {
            AnyLog::Embedded(log) => log.backing(),
            AnyLog::JetStream(log) => log.backing(),
        }
    }
}

impl AnyLog {
    /// Another handle on the same log, to read beside this one: for the embedded log, the same
    /// open database; for JetStream, a new connection.
    pub fn reader(&self) -> Result<AnyLog, AnyLogError> {
        Ok(match self {
            AnyLog::Embedded(log) => AnyLog::Embedded(log.clone()),
            AnyLog::JetStream(log) => {
                AnyLog::JetStream(Box::new(JetStreamLog::connect(log.config().clone())?))
            }
        })
    }

    /// Waits up to `timeout` for the log to pass `after`; returns its head. The embedded log
    /// wakes as soon as a handle of this process appends; JetStream is polled.
    pub fn wait_for(&self, after: u64, timeout: std::time::Duration) -> Result<u64, AnyLogError> {
        match self {
            AnyLog::Embedded(log) => Ok(log.wait_for(after, timeout)),
            AnyLog::JetStream(log) => {
                let head = log.head()?;
                if head <= after {
                    std::thread::sleep(timeout.min(std::time::Duration::from_millis(100)));
                }
                Ok(log.head()?)
            }
        }
    }
}
