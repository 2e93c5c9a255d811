//! Read models: the projector, their digest, the queries and the deadline watchdog.
//!
//! The projector folds the log, in order, into redb tables (`views.redb`). Each batch of events
//! is applied in one write transaction that also stores the position of the last event applied,
//! so that after a crash at any moment the read models are exactly those of some prefix of the
//! log, and projecting goes on from there: every event has its effect exactly once.
//!
//! The fold depends only on the events (never on the clock or on the order of tables), so a
//! rebuild from zero gives the same rows; [`Views::digest`] hashes the rows (not redb's bytes,
//! which are not deterministic) to show it.

#![forbid(unsafe_code)]

use std::path::Path;

use mandate_ledger::backend::LogBackend;
use mandate_ledger::record::LoggedEvent;
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    TableHandle,
};
use sha2::{Digest, Sha256};

pub mod answer;
mod cases;
mod duties;
pub mod find;
mod history;
pub mod integrity;
mod project;
pub mod query;
pub mod registry;
pub mod rows;
pub mod scoped;
pub mod watchdog;

/// redb's page cache for the read models, in bytes [default]. Replays stay within it however
/// long the log is.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

// Bookkeeping.
/// The name of the layout [`Views::digest`] hashes (SPEC §8): digests compare only within one
/// layout, which is this release's tables and rows.
pub const DIGEST_LAYOUT: &str =
    concat!("views-digest/mandate-", env!("CARGO_PKG_VERSION"), "/layout-6");

pub(crate) const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");
pub(crate) const TEXT: TableDefinition<'_, &str, &str> = TableDefinition::new("text");
// The registry.
pub(crate) const OFFICES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("offices");
pub(crate) const OFFICE_CHILDREN: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("office_children");
pub(crate) const PEOPLE: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("people");
/// (office, from, person, role) → tenure.
pub(crate) const TENURES: TableDefinition<'_, (&str, i64, &str, &str), &[u8]> =
    TableDefinition::new("tenures");
/// (person, from, office, role) → since (the position the entry was first written at).
pub(crate) const TENURES_BY_PERSON: TableDefinition<'_, (&str, i64, &str, &str), u64> =
    TableDefinition::new("tenures_by_person");
pub(crate) const KEYS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("keys");
// Documents and tasks.
pub(crate) const DOCUMENTS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("documents");
/// (title, stream) → since (the position the entry was first written at): documents by symbol.
pub(crate) const DOCUMENT_TITLES: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("document_titles");
/// (parent, child) → since (the position the entry was first written at): the implementation tree, downwards.
pub(crate) const DOCUMENT_CHILDREN: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("document_children");
/// (document, task) → since (the position the entry was first written at).
pub(crate) const DOCUMENT_TASKS: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("document_tasks");
pub(crate) const TASKS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("tasks");
/// (office, task) → the office's role in it (`lead`, `coordinate`), stamped like a row.
pub(crate) const TASKS_BY_OFFICE: TableDefinition<'_, (&str, &str), &[u8]> =
    TableDefinition::new("tasks_by_office");
/// (status, task) → since (the position the entry was first written at): `open` or `completed`.
pub(crate) const TASKS_BY_STATUS: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("tasks_by_status");
/// (due, task) → since (the position the entry was first written at): tasks with one deadline; recurring ones are under `tasks_recurring`.
pub(crate) const TASKS_BY_DEADLINE: TableDefinition<'_, (i64, &str), u64> =
    TableDefinition::new("tasks_by_deadline");
/// (last day, task) → since (the position the entry was written at): tasks with a recurring
/// duty, by the last day it can come due (`duties::last_day_key`), so that a watchdog look
/// reads only the duties that can owe in its span.
pub(crate) const TASKS_RECURRING: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("tasks_recurring");
/// (task, period or "", position) → report.
pub(crate) const REPORTS: TableDefinition<'_, (&str, &str, u64), &[u8]> =
    TableDefinition::new("reports");
/// (task, occurred_at, period or "", position) → since: a task's reports by when they were
/// made, so that a question about a span reads that span's reports only.
/// (subject, "violation" or "sanction", event id) → since: violations and sanctions by whom
/// they are against (`office:ID` or `person:ID`), so that a person's answer reads only theirs.
pub(crate) const CASES_BY_SUBJECT: TableDefinition<'_, (&str, &str, &str), u64> =
    TableDefinition::new("cases_by_subject");
pub(crate) const REPORTS_BY_TIME: TableDefinition<'_, (&str, i64, &str, u64), u64> =
    TableDefinition::new("reports_by_time");
/// (task, period or "") → the watchdog's `deadline.missed`.
pub(crate) const MISSES: TableDefinition<'_, (&str, &str), &[u8]> = TableDefinition::new("misses");
// Oversight.
pub(crate) const VIOLATIONS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("violations");
pub(crate) const SANCTIONS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("sanctions");
/// (violation, sanction) → since (the position the entry was first written at).
pub(crate) const SANCTIONS_BY_VIOLATION: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("sanctions_by_violation");
pub(crate) const COMMENDATIONS: TableDefinition<'_, &str, &[u8]> =
    TableDefinition::new("commendations");
/// (area, effective_from, position) → alert level.
/// (stream, path) → since (the position the entry was first written at): the stream lies in that office or area path (visibility's anchors).
pub(crate) const VISIBLE_IN: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("visible_in");
/// (target, source) → since (the position the entry was first written at): the target stream is visible whenever the source is.
pub(crate) const VISIBLE_WITH: TableDefinition<'_, (&str, &str), u64> =
    TableDefinition::new("visible_with");
/// (table, key bytes, until) → the row the table held under that key before the event at
/// position `until` replaced or removed it (its value as stored, since-position first): the
/// history that answers as of a position without a replay (see [`query::Reader`]).
pub(crate) const HISTORY: TableDefinition<'_, (&str, &[u8], u64), &[u8]> =
    TableDefinition::new("history");
/// The layout of these read models: a file of another layout is rebuilt from the log.
/// 3: every row and index entry carries the position it holds since; replaced rows are kept
/// in `history`. 4: `tasks_recurring` is keyed by a duty's last day (the watchdog's index).
/// 5: `reports_by_time`. 6: `cases_by_subject`.
pub const LAYOUT: u64 = 6;
/// "cursor" → the watchdog's cursor (JSON, [`watchdog::Cursor`]): how far its looks have
/// judged the log. Process state, not derived from the log alone, so outside the digest; a
/// rebuilt file has none and its first look reads every duty once.
pub(crate) const WATCHDOG: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("watchdog");
pub(crate) const ALERTS: TableDefinition<'_, (&str, i64, u64), &[u8]> =
    TableDefinition::new("alerts");

/// A failure of the read models.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewsError {
    #[error("the read models {path} are open in another process (a projector is running?)")]
    InUse { path: String },
    #[error("the read models {path} could not be opened")]
    Open {
        path: String,
        #[source]
        source: redb::DatabaseError,
    },
    #[error("redb failed")]
    Redb(#[from] redb::Error),
    #[error("these read models were opened read-only (a projector is writing them)")]
    ReadOnly,
    #[error("the log could not be read")]
    Log(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the event at position {position} cannot be projected: {reason}")]
    Event { position: u64, reason: String },
    #[error("the read models are at position {at}; the next event given is at {given}")]
    Gap { at: u64, given: u64 },
    #[error("a row of table {table} is damaged")]
    Row {
        table: String,
        #[source]
        source: serde_json::Error,
    },
}

macro_rules! redb_from {
    ($($ty:ty),*) => {$(
        impl From<$ty> for ViewsError {
            fn from(err: $ty) -> Self {
                Self::Redb(err.into())
            }
        }
    )*};
}
redb_from!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

/// How a batch is committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// On disk when the call returns (the live projector).
    Durable,
    /// Left to a later durable commit (a replay, which ends with one). After a crash the read
    /// models are those of the last durable commit: still a prefix of the log. Read models that
    /// other processes may share commit durably anyway.
    Deferred,
}

/// The read models in one redb file (or in memory, for `--as-of` answers).
pub struct Views {
    db: Handle,
    /// Whether commits may be deferred: not when other processes share the file (they would
    /// not see such commits).
    may_defer: bool,
}

enum Handle {
    Writer(Database),
    Reader(redb::ReadOnlyDatabase),
}

impl Handle {
    fn begin_read(&self) -> Result<redb::ReadTransaction, redb::TransactionError> {
        match self {
            Self::Writer(db) => db.begin_read(),
            Self::Reader(db) => db.begin_read(),
        }
    }
    fn begin_write(&self) -> Result<redb::WriteTransaction, ViewsError> {
        match self {
            Self::Writer(db) => Ok(db.begin_write()?),
            Self::Reader(_) => Err(ViewsError::ReadOnly),
        }
    }
}

impl Views {
    /// Opens (or creates) the read models at `path`.
    pub fn open(path: &Path) -> Result<Self, ViewsError> {
        Self::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// Opens (or creates) the read models at `path` with redb's cache set to `cache_bytes`.
    pub fn open_with_cache(path: &Path, cache_bytes: usize) -> Result<Self, ViewsError> {
        let shown = path.display().to_string();
        if !path.exists() {
            Self::create_whole(path).map_err(|e| open_error(shown.clone(), e))?;
        }
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
            .create(path)
            .map_err(|e| open_error(shown, e))?;
        if Self::stale_layout(&db)? {
            // Read models of an older layout lack rows newer code reads (visibility, …): they
            // are derived data, so they are rebuilt from the log by the next catch-up.
            drop(db);
            std::fs::remove_file(path).map_err(|e| {
                open_error(
                    path.display().to_string(),
                    redb::DatabaseError::Storage(redb::StorageError::Io(e)),
                )
            })?;
            return Self::open_with_cache(path, cache_bytes);
        }
        let views = Self { db: Handle::Writer(db), may_defer: false };
        views.create_tables()?;
        Ok(views)
    }

    /// Whether `db` holds read models of another layout than [`LAYOUT`].
    fn stale_layout(db: &Database) -> Result<bool, ViewsError> {
        let txn = db.begin_read()?;
        let meta = match txn.open_table(META) {
            Ok(meta) => meta,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        let position = meta.get("position")?.map(|v| v.value());
        let layout = meta.get("layout")?.map(|v| v.value());
        Ok(position.is_some() && layout != Some(LAYOUT))
    }

    /// Creates an empty database at `path` so that the file appears whole or not at all: redb
    /// writes its header after creating the file, so a process killed in between would leave
    /// a file no one can open. It is made beside `path` and renamed into place.
    fn create_whole(path: &Path) -> Result<(), redb::DatabaseError> {
        let io = |e: std::io::Error| redb::DatabaseError::Storage(redb::StorageError::Io(e));
        let mut partial = path.as_os_str().to_owned();
        partial.push(".creating");
        let partial = std::path::PathBuf::from(partial);
        let _ = std::fs::remove_file(&partial);
        drop(Database::create(&partial)?);
        std::fs::File::open(&partial).and_then(|f| f.sync_all()).map_err(io)?;
        std::fs::rename(&partial, path).map_err(io)?;
        if let Some(dir) = path.parent() {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }

    /// Creates read models at `path` for a rebuild: this process alone has the file until it is
    /// dropped, so commits may be deferred ([`Commit::Deferred`]). Afterwards the file opens
    /// like any other with [`Views::open`].
    pub fn create_for_replay(path: &Path, cache_bytes: usize) -> Result<Self, ViewsError> {
        let shown = path.display().to_string();
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(path)
            .map_err(|e| open_error(shown, e))?;
        let views = Self { db: Handle::Writer(db), may_defer: true };
        views.create_tables()?;
        Ok(views)
    }

    /// Opens existing read models to read them beside the projector that writes them.
    pub fn open_read_only(path: &Path) -> Result<Self, ViewsError> {
        let shown = path.display().to_string();
        let db = Database::builder()
            .set_cache_size(DEFAULT_CACHE_BYTES)
            .set_concurrency_mode(redb::ConcurrencyMode::SingleWriter)
            .open_read_only(path)
            .map_err(|e| open_error(shown, e))?;
        Ok(Self { db: Handle::Reader(db), may_defer: false })
    }

    /// Fresh read models in memory.
    pub fn in_memory() -> Result<Self, ViewsError> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|source| ViewsError::Open { path: "(memory)".into(), source })?;
        let views = Self { db: Handle::Writer(db), may_defer: true };
        views.create_tables()?;
        Ok(views)
    }

    fn create_tables(&self) -> Result<(), ViewsError> {
        let txn = self.db.begin_write()?;
        txn.open_table(META)?;
        txn.open_table(TEXT)?;
        txn.open_table(OFFICES)?;
        txn.open_table(OFFICE_CHILDREN)?;
        txn.open_table(PEOPLE)?;
        txn.open_table(TENURES)?;
        txn.open_table(TENURES_BY_PERSON)?;
        txn.open_table(KEYS)?;
        txn.open_table(DOCUMENTS)?;
        txn.open_table(DOCUMENT_TITLES)?;
        txn.open_table(DOCUMENT_CHILDREN)?;
        txn.open_table(DOCUMENT_TASKS)?;
        txn.open_table(TASKS)?;
        txn.open_table(TASKS_BY_OFFICE)?;
        txn.open_table(TASKS_BY_STATUS)?;
        txn.open_table(TASKS_BY_DEADLINE)?;
        txn.open_table(TASKS_RECURRING)?;
        txn.open_table(REPORTS)?;
        txn.open_table(REPORTS_BY_TIME)?;
        txn.open_table(CASES_BY_SUBJECT)?;
        txn.open_table(MISSES)?;
        txn.open_table(VIOLATIONS)?;
        txn.open_table(SANCTIONS)?;
        txn.open_table(SANCTIONS_BY_VIOLATION)?;
        txn.open_table(COMMENDATIONS)?;
        txn.open_table(ALERTS)?;
        txn.open_table(VISIBLE_IN)?;
        txn.open_table(VISIBLE_WITH)?;
        txn.open_table(HISTORY)?;
        txn.open_table(WATCHDOG)?;
        {
            let mut meta = txn.open_table(META)?;
            if meta.get("position")?.is_none() {
                meta.insert("layout", LAYOUT)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// The watchdog's cursor, if a look left one (see [`watchdog::Watchdog::look`]).
    pub fn watchdog_cursor(&self) -> Result<Option<watchdog::Cursor>, ViewsError> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(WATCHDOG) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(bytes) = table.get("cursor")? else { return Ok(None) };
        // A cursor that does not read is as good as none: the next look reads every duty.
        Ok(serde_json::from_slice(bytes.value()).ok())
    }

    /// Keeps the watchdog's cursor for its next look.
    pub fn set_watchdog_cursor(&self, cursor: &watchdog::Cursor) -> Result<(), ViewsError> {
        let bytes = serde_json::to_vec(cursor)
            .map_err(|source| ViewsError::Row { table: "watchdog".into(), source })?;
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        txn.open_table(WATCHDOG)?.insert("cursor", bytes.as_slice())?;
        txn.commit()?;
        Ok(())
    }

    /// The position of the last event applied (0: none).
    pub fn position(&self) -> Result<u64, ViewsError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(META)?;
        Ok(meta.get("position")?.map_or(0, |v| v.value()))
    }

    /// Applies `events` (in log order, continuing from [`Views::position`]; events already
    /// applied are skipped) in one write transaction with the new position. Returns the number
    /// of rows written. On error nothing of the batch is kept.
    pub fn apply(&self, events: &[LoggedEvent], commit: Commit) -> Result<u64, ViewsError> {
        self.apply_inner(events, commit, false)
    }

    /// Applies a selection of the log's events (in log order, positions increasing, gaps
    /// allowed): the read models of what an audit bundle holds. Answers over them are complete
    /// only where the selection holds every event that bears on them.
    pub fn apply_selected(&self, events: &[LoggedEvent]) -> Result<u64, ViewsError> {
        self.apply_inner(events, Commit::Durable, true)
    }

    fn apply_inner(
        &self,
        events: &[LoggedEvent],
        commit: Commit,
        gaps: bool,
    ) -> Result<u64, ViewsError> {
        let mut txn = self.db.begin_write()?;
        if commit == Commit::Deferred && self.may_defer {
            txn.set_durability(Durability::None)?;
        }
        let written = {
            let mut tables = project::Tables::open(&txn)?;
            let mut at = tables.meta.get("position")?.map_or(0, |v| v.value());
            let mut written = 0;
            for event in events {
                if event.position <= at {
                    continue;
                }
                if event.position != at + 1 && !gaps {
                    return Err(ViewsError::Gap { at, given: event.position });
                }
                written += tables.apply(event)?;
                at = event.position;
            }
            tables.meta.insert("position", at)?;
            written
        };
        txn.commit()?;
        Ok(written)
    }

    /// Projects the log from the read models' position up to `until` (or its head), `chunk`
    /// events per transaction. Returns the new position and the rows written.
    pub fn catch_up<L: LogBackend>(
        &self,
        log: &L,
        until: Option<u64>,
        chunk: usize,
        commit: Commit,
        mut keep: impl FnMut(&LoggedEvent) -> bool,
    ) -> Result<(u64, u64), ViewsError> {
        let mut at = self.position()?;
        let mut rows = 0;
        let mut batches = 0u64;
        let chunk = chunk.max(1);
        loop {
            let limit = match until {
                Some(end) if end <= at => break,
                Some(end) => chunk.min((end - at) as usize),
                None => chunk,
            };
            let mut events =
                log.read_from(at + 1, limit).map_err(|e| ViewsError::Log(Box::new(e)))?;
            if events.is_empty() {
                break;
            }
            let full = events.len() == limit;
            let kept = events.iter().take_while(|e| keep(e)).count();
            let stopped = kept < events.len();
            events.truncate(kept);
            if events.is_empty() {
                break;
            }
            // Deferred commits keep pages redb cannot free until a durable one: make every
            // sixteenth durable, so a long replay stays within bounded memory.
            batches += 1;
            let this = if batches.is_multiple_of(16) { Commit::Durable } else { commit };
            match self.apply(&events, this) {
                Ok(n) => rows += n,
                // An event that cannot be folded in (a damaged log): keep everything before it,
                // so the read models stop exactly at its position, and say where.
                Err(ViewsError::Event { position, reason }) => {
                    let before: Vec<LoggedEvent> =
                        events.into_iter().take_while(|e| e.position < position).collect();
                    if !before.is_empty() {
                        self.apply(&before, Commit::Durable)?;
                    }
                    return Err(ViewsError::Event { position, reason });
                }
                Err(other) => return Err(other),
            }
            at = events.last().map_or(at, |e| e.position);
            if stopped || !full {
                break;
            }
        }
        if commit == Commit::Deferred && self.may_defer {
            // One durable commit at the end makes the whole replay durable.
            let txn = self.db.begin_write()?;
            txn.commit()?;
        }
        Ok((at, rows))
    }

    /// SHA-256 over the logical contents of every table: table names, then each row's key and
    /// value bytes, in key order. Equal for the same prefix of the same log.
    pub fn digest(&self) -> Result<[u8; 32], ViewsError> {
        let txn = self.db.begin_read()?;
        let mut hasher = Sha256::new();
        hash_table(&txn, META, &mut hasher)?;
        hash_table(&txn, TEXT, &mut hasher)?;
        hash_table(&txn, OFFICES, &mut hasher)?;
        hash_table(&txn, OFFICE_CHILDREN, &mut hasher)?;
        hash_table(&txn, PEOPLE, &mut hasher)?;
        hash_table(&txn, TENURES, &mut hasher)?;
        hash_table(&txn, TENURES_BY_PERSON, &mut hasher)?;
        hash_table(&txn, KEYS, &mut hasher)?;
        hash_table(&txn, DOCUMENTS, &mut hasher)?;
        hash_table(&txn, DOCUMENT_TITLES, &mut hasher)?;
        hash_table(&txn, DOCUMENT_CHILDREN, &mut hasher)?;
        hash_table(&txn, DOCUMENT_TASKS, &mut hasher)?;
        hash_table(&txn, TASKS, &mut hasher)?;
        hash_table(&txn, TASKS_BY_OFFICE, &mut hasher)?;
        hash_table(&txn, TASKS_BY_STATUS, &mut hasher)?;
        hash_table(&txn, TASKS_BY_DEADLINE, &mut hasher)?;
        hash_table(&txn, TASKS_RECURRING, &mut hasher)?;
        hash_table(&txn, REPORTS, &mut hasher)?;
        hash_table(&txn, REPORTS_BY_TIME, &mut hasher)?;
        hash_table(&txn, CASES_BY_SUBJECT, &mut hasher)?;
        hash_table(&txn, MISSES, &mut hasher)?;
        hash_table(&txn, VIOLATIONS, &mut hasher)?;
        hash_table(&txn, SANCTIONS, &mut hasher)?;
        hash_table(&txn, SANCTIONS_BY_VIOLATION, &mut hasher)?;
        hash_table(&txn, COMMENDATIONS, &mut hasher)?;
        hash_table(&txn, ALERTS, &mut hasher)?;
        hash_table(&txn, VISIBLE_IN, &mut hasher)?;
        hash_table(&txn, VISIBLE_WITH, &mut hasher)?;
        hash_table(&txn, HISTORY, &mut hasher)?;
        Ok(hasher.finalize().into())
    }

    /// A consistent snapshot to query.
    pub fn reader(&self) -> Result<query::Reader, ViewsError> {
        query::Reader::new(self.db.begin_read()?, None)
    }

    /// A snapshot that reads as the read models of the log's first `position` events read
    /// (without a replay: from the positions rows carry and the `history` of replaced rows).
    /// A position past what they hold reads as the head.
    pub fn reader_at(&self, position: u64) -> Result<query::Reader, ViewsError> {
        query::Reader::new(self.db.begin_read()?, Some(position))
    }
}

fn open_error(path: String, err: redb::DatabaseError) -> ViewsError {
    match err {
        redb::DatabaseError::DatabaseAlreadyOpen => ViewsError::InUse { path },
        source => ViewsError::Open { path, source },
    }
}

fn hash_table<K: redb::Key + 'static, V: redb::Value + 'static>(
    txn: &redb::ReadTransaction,
    table: TableDefinition<'_, K, V>,
    hasher: &mut Sha256,
) -> Result<(), ViewsError> {
    let name = table.name().to_owned();
    let table = txn.open_table(table)?;
    hasher.update((name.len() as u64).to_be_bytes());
    hasher.update(name.as_bytes());
    hasher.update(table.len()?.to_be_bytes());
    for entry in table.iter()? {
        let (key, value) = entry?;
        let key = key.value();
        let key = K::as_bytes(&key);
        let value = value.value();
        let value = V::as_bytes(&value);
        hasher.update((key.as_ref().len() as u64).to_be_bytes());
        hasher.update(key.as_ref());
        hasher.update((value.as_ref().len() as u64).to_be_bytes());
        hasher.update(value.as_ref());
    }
    Ok(())
}

/// A digest as lowercase hex.
pub fn digest_hex(digest: &[u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The raw limit the read models' benchmark compares against: `rows` rows of `row_bytes` bytes
/// inserted into a fresh redb file at `path` in transactions of 4,096, without fsync (as a
/// replay commits them); rows per second.
pub fn raw_insert_rate(
    path: &std::path::Path,
    rows: u64,
    row_bytes: usize,
) -> Result<f64, ViewsError> {
    const RAW: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("raw");
    let row = vec![0x5au8; row_bytes];
    let db = redb::Database::create(path).map_err(redb::Error::from)?;
    let started = std::time::Instant::now();
    let mut key = 0u64;
    while key < rows {
        let mut txn = db.begin_write()?;
        txn.set_durability(redb::Durability::None)?;
        {
            let mut table = txn.open_table(RAW)?;
            for _ in 0..4_096 {
                if key >= rows {
                    break;
                }
                key += 1;
                table.insert(key, row.as_slice())?;
            }
        }
        txn.commit()?;
    }
    db.begin_write()?.commit()?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}
