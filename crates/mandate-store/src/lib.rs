//! The embedded log: one redb file holding every event at its position, with indexes by id
//! and by stream.
//!
//! # Brief overview
//! [`EmbeddedLog`] implements [`LogBackend`]. Each append is one redb write transaction with
//! `Durability::Immediate`: when `append` returns, the events are on disk; after a crash at any
//! moment a reopened file holds every acknowledged append and nothing half-written.
//! The file is opened in redb's `SingleWriter` mode: one process writes (a second writer gets
//! [`OpenError::InUse`]) while any number of processes read it with
//! [`EmbeddedLog::open_read_only`] and follow its commits.
//!
//! Tables:
//! - `events`: position (u64) → stored record (see [`record`]);
//! - `event_ids`: event id (32 bytes) → position;
//! - `stream_events`: (stream id, version) → position;
//! - `stream_heads`: stream id → last version.
//!
//! # Example
//! ```no_run
//! use mandate_ledger::backend::{LogBackend, NewEvent};
//! let log = mandate_store::EmbeddedLog::open("ledger.redb".as_ref()).unwrap();
//! assert_eq!(log.head().unwrap(), 0);
//! ```

#![forbid(unsafe_code)]

pub mod log_index;
pub mod record;

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use mandate_ledger::backend::{LogBackend, NewEvent};
use mandate_ledger::record::LoggedEvent;
use mandate_model::ids::{EventId, StreamId};
use redb::{
    ConcurrencyMode, Database, DatabaseError, ReadOnlyDatabase, ReadableDatabase, ReadableTable,
    TableDefinition,
};

const EVENTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("events");
const EVENT_IDS: TableDefinition<'_, &[u8; 32], u64> = TableDefinition::new("event_ids");
const STREAM_EVENTS: TableDefinition<'_, (&str, u64), u64> = TableDefinition::new("stream_events");
const STREAM_HEADS: TableDefinition<'_, &str, u64> = TableDefinition::new("stream_heads");
/// position → (): the events that change the registry (`backend::changes_registry`), which a
/// gate folds in when it opens; written in the same transaction as the events.
const REGISTRY: TableDefinition<'_, u64, ()> = TableDefinition::new("registry");
/// name → value: `registry_indexed` = 1 once `REGISTRY` holds every such event of the log.
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");

/// redb's page cache for the log, in bytes.
pub const DEFAULT_CACHE_BYTES: usize = 256 * 1024 * 1024;

/// Why the log could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    #[error(
        "the log {path} is open in another process (another `mandate` is running on this data \
         directory); stop it, or point this command at another --data directory"
    )]
    InUse { path: String },
    #[error(
        "the log {path} was left by a crash and must be opened once by a writer (any `mandate` \
         command that appends, or the process that was writing) before it can be read"
    )]
    NeedsRecovery { path: String },
    #[error("the log {path} could not be opened")]
    Database {
        path: String,
        #[source]
        source: redb::DatabaseError,
    },
    #[error("the log {path} could not be prepared")]
    Prepare {
        path: String,
        #[source]
        source: StoreError,
    },
}

/// A failure reading or writing the log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("redb failed")]
    Redb(#[from] redb::Error),
    #[error("the record at position {position} is damaged")]
    Record {
        position: u64,
        #[source]
        source: record::RecordError,
    },
    #[error("this log was opened read-only")]
    ReadOnly,
    #[error("the append does not start at position {expected} (it starts at {found})")]
    Position { expected: u64, found: u64 },
    #[error("event {id} is already in the log")]
    Duplicate { id: EventId },
    #[error("stream {stream} is at version {head}; the append claims version {claimed}")]
    Version { stream: String, head: u64, claimed: u64 },
}

macro_rules! redb_from {
    ($($ty:ty),*) => {$(
        impl From<$ty> for StoreError {
            fn from(err: $ty) -> Self {
                Self::Redb(err.into())
            }
        }
    )*};
}
redb_from!(redb::TransactionError, redb::TableError, redb::StorageError, redb::CommitError);

/// The embedded log. Clones share one open database (redb serves many readers beside its one
/// writer in a process): the gate appends through one, the projector and the HTTP API read
/// through others.
#[derive(Clone)]
pub struct EmbeddedLog {
    db: Arc<Handle>,
    appended: Arc<(Mutex<u64>, Condvar)>,
}

enum Handle {
    Writer(Database),
    Reader(ReadOnlyDatabase),
}

impl Handle {
    fn begin_read(&self) -> Result<redb::ReadTransaction, redb::TransactionError> {
        match self {
            Self::Writer(db) => db.begin_read(),
            Self::Reader(db) => db.begin_read(),
        }
    }
}

pub(crate) fn open_error(shown: &str, err: DatabaseError) -> OpenError {
    match err {
        DatabaseError::DatabaseAlreadyOpen => OpenError::InUse { path: shown.to_owned() },
        DatabaseError::RepairAborted => OpenError::NeedsRecovery { path: shown.to_owned() },
        source => OpenError::Database { path: shown.to_owned(), source },
    }
}

impl EmbeddedLog {
    /// Opens (or creates) the log at `path`, with the default cache size.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        Self::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// Opens (or creates) the log at `path`, with redb's cache set to `cache_bytes`.
    pub fn open_with_cache(path: &Path, cache_bytes: usize) -> Result<Self, OpenError> {
        let shown = path.display().to_string();
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .create(path)
            .map_err(|err| open_error(&shown, err))?;
        let log = Self {
            db: Arc::new(Handle::Writer(db)),
            appended: Arc::new((Mutex::new(0), Condvar::new())),
        };
        log.create_tables().map_err(|source| OpenError::Prepare { path: shown.clone(), source })?;
        let head = log.head().map_err(|source| OpenError::Prepare { path: shown, source })?;
        *log.appended.0.lock().unwrap_or_else(|p| p.into_inner()) = head;
        Ok(log)
    }

    /// Opens an existing log to read it, alongside the process that writes it (if any).
    pub fn open_read_only(path: &Path) -> Result<Self, OpenError> {
        Self::open_read_only_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// [`EmbeddedLog::open_read_only`] with redb's cache set to `cache_bytes`.
    pub fn open_read_only_with_cache(path: &Path, cache_bytes: usize) -> Result<Self, OpenError> {
        let shown = path.display().to_string();
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .open_read_only(path)
            .map_err(|err| open_error(&shown, err))?;
        let log = Self {
            db: Arc::new(Handle::Reader(db)),
            appended: Arc::new((Mutex::new(0), Condvar::new())),
        };
        let head = log.head().map_err(|source| OpenError::Prepare { path: shown, source })?;
        *log.appended.0.lock().unwrap_or_else(|p| p.into_inner()) = head;
        Ok(log)
    }

    fn writer(&self) -> Result<&Database, StoreError> {
        match &*self.db {
            Handle::Writer(db) => Ok(db),
            Handle::Reader(_) => Err(StoreError::ReadOnly),
        }
    }

    fn create_tables(&self) -> Result<(), StoreError> {
        let txn = self.writer()?.begin_write()?;
        txn.open_table(EVENTS)?;
        txn.open_table(EVENT_IDS)?;
        txn.open_table(STREAM_EVENTS)?;
        txn.open_table(STREAM_HEADS)?;
        txn.open_table(REGISTRY)?;
        {
            // A log from before the registry index: build it once, from the stream index.
            let mut meta = txn.open_table(META)?;
            if meta.get("registry_indexed")?.is_none() {
                let streams = txn.open_table(STREAM_EVENTS)?;
                let mut registry = txn.open_table(REGISTRY)?;
                for entry in streams.iter()? {
                    let (key, position) = entry?;
                    let (stream, version) = key.value();
                    let changes = stream
                        .parse::<StreamId>()
                        .map_or(true, |s| mandate_ledger::backend::changes_registry(&s, version));
                    if changes {
                        registry.insert(position.value(), ())?;
                    }
                }
                meta.insert("registry_indexed", 1)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Waits until the log's head passes `after` or `timeout` elapses; returns the head.
    /// Wakes on appends made through this handle.
    pub fn wait_for(&self, after: u64, timeout: Duration) -> u64 {
        let (lock, condvar) = &*self.appended;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = condvar
            .wait_timeout_while(guard, timeout, |head| *head <= after)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }

    /// The version of a stream's last event, 0 when it has none.
    pub fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        let txn = self.db.begin_read()?;
        let heads = txn.open_table(STREAM_HEADS)?;
        Ok(heads.get(stream.as_str())?.map_or(0, |v| v.value()))
    }

    fn read_at(
        events: &impl ReadableTable<u64, &'static [u8]>,
        position: u64,
    ) -> Result<Option<LoggedEvent>, StoreError> {
        match events.get(position)? {
            None => Ok(None),
            Some(bytes) => record::decode(position, bytes.value())
                .map(Some)
                .map_err(|source| StoreError::Record { position, source }),
        }
    }
}

impl LogBackend for EmbeddedLog {
    type Error = StoreError;

    fn head(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read()?;
        let events = txn.open_table(EVENTS)?;
        Ok(events.last()?.map_or(0, |(k, _)| k.value()))
    }

    fn append(&self, batch: &[NewEvent]) -> Result<(), StoreError> {
        let txn = self.writer()?.begin_write()?;
        let last;
        {
            let mut events = txn.open_table(EVENTS)?;
            let mut ids = txn.open_table(EVENT_IDS)?;
            let mut streams = txn.open_table(STREAM_EVENTS)?;
            let mut heads = txn.open_table(STREAM_HEADS)?;
            let mut registry = txn.open_table(REGISTRY)?;
            let mut expected = events.last()?.map_or(0, |(k, _)| k.value()) + 1;
            for NewEvent { event, id, stream, version, .. } in batch {
                if event.position != expected {
                    return Err(StoreError::Position { expected, found: event.position });
                }
                let id = *id;
                debug_assert_eq!(id, event.id(), "NewEvent::id is the hash of its body");
                if ids.get(id.as_bytes())?.is_some() {
                    return Err(StoreError::Duplicate { id });
                }
                let changes = mandate_ledger::backend::changes_registry(stream, *version);
                let stream = stream.as_str();
                let head = heads.get(stream)?.map_or(0, |v| v.value());
                if *version != head + 1 {
                    return Err(StoreError::Version {
                        stream: stream.to_owned(),
                        head,
                        claimed: *version,
                    });
                }
                events.insert(event.position, record::encode(event).as_slice())?;
                ids.insert(id.as_bytes(), event.position)?;
                streams.insert((stream, *version), event.position)?;
                heads.insert(stream, *version)?;
                if changes {
                    registry.insert(event.position, ())?;
                }
                expected += 1;
            }
            last = expected - 1;
        }
        // Durability::Immediate is redb's default: commit returns once the data is on disk.
        txn.commit()?;
        let (lock, condvar) = &*self.appended;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = last;
        condvar.notify_all();
        Ok(())
    }

    fn read_from(&self, from: u64, limit: usize) -> Result<Vec<LoggedEvent>, StoreError> {
        let txn = self.db.begin_read()?;
        let events = txn.open_table(EVENTS)?;
        let mut out = Vec::with_capacity(limit.min(4096));
        for entry in events.range(from.max(1)..)?.take(limit) {
            let (position, bytes) = entry?;
            let position = position.value();
            out.push(
                record::decode(position, bytes.value())
                    .map_err(|source| StoreError::Record { position, source })?,
            );
        }
        Ok(out)
    }

    fn find(&self, id: &EventId) -> Result<Option<LoggedEvent>, StoreError> {
        Ok(self.find_many(std::slice::from_ref(id))?.pop().flatten())
    }

    fn find_many(&self, ids: &[EventId]) -> Result<Vec<Option<LoggedEvent>>, StoreError> {
        let txn = self.db.begin_read()?;
        let index = txn.open_table(EVENT_IDS)?;
        let events = txn.open_table(EVENTS)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match index.get(id.as_bytes())? {
                None => out.push(None),
                Some(position) => out.push(Self::read_at(&events, position.value())?),
            }
        }
        Ok(out)
    }

    fn registry_positions(&self) -> Result<Option<Vec<u64>>, StoreError> {
        let txn = self.db.begin_read()?;
        // A read-only handle on a log from before the index cannot build it.
        let indexed = match txn.open_table(META) {
            Ok(meta) => meta.get("registry_indexed")?.is_some(),
            Err(redb::TableError::TableDoesNotExist(_)) => false,
            Err(e) => return Err(e.into()),
        };
        if !indexed {
            return Ok(None);
        }
        let table = txn.open_table(REGISTRY)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            out.push(entry?.0.value());
        }
        Ok(Some(out))
    }

    fn read_positions(&self, positions: &[u64]) -> Result<Vec<LoggedEvent>, StoreError> {
        let txn = self.db.begin_read()?;
        let events = txn.open_table(EVENTS)?;
        let mut out = Vec::with_capacity(positions.len());
        for p in positions {
            out.extend(Self::read_at(&events, *p)?);
        }
        Ok(out)
    }

    fn stream_head(&self, stream: &StreamId) -> Result<Option<(u64, u64)>, StoreError> {
        let txn = self.db.begin_read()?;
        let Some(version) = txn.open_table(STREAM_HEADS)?.get(stream.as_str())?.map(|v| v.value())
        else {
            return Ok(None);
        };
        let position = txn.open_table(STREAM_EVENTS)?.get((stream.as_str(), version))?;
        Ok(position.map(|p| (version, p.value())))
    }

    fn stream_position(&self, stream: &StreamId, version: u64) -> Result<Option<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(STREAM_EVENTS)?;
        Ok(table.get((stream.as_str(), version))?.map(|p| p.value()))
    }

    fn backing(&self) -> Option<std::sync::Arc<dyn mandate_ledger::backend::Backing>> {
        Some(std::sync::Arc::new(mandate_ledger::backend::LogBacking(self.clone())))
    }

    fn stream_positions(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(STREAM_EVENTS)?;
        let mut out = Vec::new();
        for entry in
            table.range((stream.as_str(), from_version.max(1))..=(stream.as_str(), u64::MAX))?
        {
            out.push(entry?.1.value());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
