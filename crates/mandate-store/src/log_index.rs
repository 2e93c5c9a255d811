//! A persisted index of a log kept elsewhere (JetStream): for each position from 1 to the
//! index's head, the event's id, its stream and version, and whether it changes the registry.
//! A process that opens the remote log reads only what was appended since the index's head,
//! instead of the whole log, and a gate folds only the registry (`mandate_ledger::backend`), so
//! opening costs the same at any length of the log.
//!
//! The index only ever grows as a dense prefix of the log: an entry is recorded only at the
//! head + 1. Entries are gathered in memory and committed durably in groups, at most
//! [`DURABLE_EVERY`] or [`GROUP`] entries apart, and when the index is dropped: after a crash
//! the index holds fewer entries than the log, never other ones, and the next open reads the
//! rest from the log. Its head's event id is kept, so a caller can check that the index belongs
//! to the log it opens. The file is opened in redb's `MultiWriter` mode: every process that
//! opens the log (the gate, a reader beside it) reads and extends the same index.
//!
//! Tables: `ids` (event id → position), `stream_events` ((stream, version) → position),
//! `stream_heads` (stream → version), `registry` (position → ()), `meta` (`head` → position,
//! `head_id` → the id of the event at the head).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mandate_model::ids::{EventId, StreamId};
use redb::{ConcurrencyMode, Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::{OpenError, StoreError, open_error};

const IDS: TableDefinition<'_, &[u8; 32], u64> = TableDefinition::new("ids");
const STREAM_EVENTS: TableDefinition<'_, (&str, u64), u64> = TableDefinition::new("stream_events");
const STREAM_HEADS: TableDefinition<'_, &str, u64> = TableDefinition::new("stream_heads");
const REGISTRY: TableDefinition<'_, u64, ()> = TableDefinition::new("registry");
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");

/// The longest an entry waits in memory before it is committed.
pub const DURABLE_EVERY: Duration = Duration::from_secs(2);
/// The most entries that wait in memory.
pub const GROUP: usize = 8_192;

/// One event as the index records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub position: u64,
    pub id: EventId,
    pub stream: StreamId,
    pub version: u64,
}

/// Entries recorded but not yet committed, with their look-ups.
struct Waiting {
    entries: Vec<(IndexEntry, bool)>,
    ids: BTreeMap<EventId, u64>,
    streams: BTreeMap<StreamId, Vec<(u64, u64)>>,
    since: Instant,
}

impl Waiting {
    fn new() -> Self {
        Self {
            entries: Vec::new(),
            ids: BTreeMap::new(),
            streams: BTreeMap::new(),
            since: Instant::now(),
        }
    }
}

/// The persisted index.
pub struct LogIndex {
    db: Database,
    waiting: Mutex<Waiting>,
}

fn read_head(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<(u64, Option<EventId>), StoreError> {
    let head = meta
        .get("head")?
        .and_then(|v| <[u8; 8]>::try_from(v.value()).ok())
        .map_or(0, u64::from_be_bytes);
    let id = meta.get("head_id")?.and_then(|v| <[u8; 32]>::try_from(v.value()).ok()).map(EventId);
    Ok((head, id))
}

impl LogIndex {
    /// Opens (or creates) the index at `path`.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let shown = path.display().to_string();
        let db = Database::builder()
            .set_cache_size(64 << 20)
            .set_concurrency_mode(ConcurrencyMode::MultiWriter)
            .create(path)
            .map_err(|err| open_error(&shown, err))?;
        let index = Self { db, waiting: Mutex::new(Waiting::new()) };
        index.create_tables().map_err(|source| OpenError::Prepare { path: shown, source })?;
        Ok(index)
    }

    fn create_tables(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        txn.open_table(IDS)?;
        txn.open_table(STREAM_EVENTS)?;
        txn.open_table(STREAM_HEADS)?;
        txn.open_table(REGISTRY)?;
        txn.open_table(META)?;
        txn.commit()?;
        Ok(())
    }

    fn committed_head(&self) -> Result<(u64, Option<EventId>), StoreError> {
        let txn = self.db.begin_read()?;
        read_head(&txn.open_table(META)?)
    }

    /// The index's head and the id of the event there (0 and none when empty).
    pub fn head(&self) -> Result<(u64, Option<EventId>), StoreError> {
        let committed = self.committed_head()?;
        let waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        Ok(match waiting.entries.last() {
            Some((last, _)) if last.position > committed.0 => (last.position, Some(last.id)),
            _ => committed,
        })
    }

    /// Records the entries that continue the index (those at or below its head are skipped;
    /// the first beyond a gap stops it). `changes_registry` says which go in the registry.
    /// Returns the head after.
    pub fn record(
        &self,
        entries: &[IndexEntry],
        changes_registry: impl Fn(&StreamId, u64) -> bool,
    ) -> Result<u64, StoreError> {
        let (mut head, _) = self.head()?;
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        let start = head;
        for entry in entries.iter().filter(|e| e.position > start) {
            if entry.position != head + 1 {
                break;
            }
            waiting.ids.insert(entry.id, entry.position);
            waiting
                .streams
                .entry(entry.stream.clone())
                .or_default()
                .push((entry.version, entry.position));
            let registry = changes_registry(&entry.stream, entry.version);
            waiting.entries.push((entry.clone(), registry));
            head = entry.position;
        }
        if waiting.entries.len() >= GROUP || waiting.since.elapsed() >= DURABLE_EVERY {
            self.commit(&mut waiting)?;
        }
        Ok(head)
    }

    /// Commits what waits, durably.
    pub fn sync(&self) -> Result<(), StoreError> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        self.commit(&mut waiting)
    }

    fn commit(&self, waiting: &mut Waiting) -> Result<(), StoreError> {
        if waiting.entries.is_empty() {
            waiting.since = Instant::now();
            return Ok(());
        }
        let txn = self.db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            // Another process may have indexed some of them already.
            let (committed, _) = read_head(&meta)?;
            let mut head = committed;
            let mut ids = txn.open_table(IDS)?;
            let mut streams = txn.open_table(STREAM_EVENTS)?;
            let mut heads = txn.open_table(STREAM_HEADS)?;
            let mut registry = txn.open_table(REGISTRY)?;
            let mut last_id = None;
            for (entry, changes) in waiting.entries.iter().filter(|(e, _)| e.position > committed) {
                if entry.position != head + 1 {
                    break;
                }
                ids.insert(entry.id.as_bytes(), entry.position)?;
                streams.insert((entry.stream.as_str(), entry.version), entry.position)?;
                heads.insert(entry.stream.as_str(), entry.version)?;
                if *changes {
                    registry.insert(entry.position, ())?;
                }
                head = entry.position;
                last_id = Some(entry.id);
            }
            if let Some(id) = last_id {
                meta.insert("head", head.to_be_bytes().as_slice())?;
                meta.insert("head_id", id.as_bytes().as_slice())?;
            }
        }
        txn.commit()?;
        *waiting = Waiting::new();
        Ok(())
    }

    /// The position of each id, where the index holds it.
    pub fn positions_of(&self, ids: &[EventId]) -> Result<Vec<Option<u64>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(IDS)?;
        let waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        ids.iter()
            .map(|id| match waiting.ids.get(id) {
                Some(p) => Ok(Some(*p)),
                None => Ok(table.get(id.as_bytes())?.map(|p| p.value())),
            })
            .collect()
    }

    /// The positions of a stream's events from `from_version` on.
    pub fn stream_positions(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(STREAM_EVENTS)?;
        let mut out: BTreeMap<u64, u64> = BTreeMap::new();
        for entry in
            table.range((stream.as_str(), from_version.max(1))..=(stream.as_str(), u64::MAX))?
        {
            let (key, position) = entry?;
            out.insert(key.value().1, position.value());
        }
        let waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        for (version, position) in waiting.streams.get(stream).into_iter().flatten() {
            if *version >= from_version {
                out.insert(*version, *position);
            }
        }
        Ok(out.into_values().collect())
    }

    /// A stream's last version and its position.
    pub fn stream_head(&self, stream: &StreamId) -> Result<Option<(u64, u64)>, StoreError> {
        {
            let waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(last) = waiting.streams.get(stream).and_then(|v| v.last()) {
                return Ok(Some(*last));
            }
        }
        let txn = self.db.begin_read()?;
        let Some(version) = txn.open_table(STREAM_HEADS)?.get(stream.as_str())?.map(|v| v.value())
        else {
            return Ok(None);
        };
        let position = txn.open_table(STREAM_EVENTS)?.get((stream.as_str(), version))?;
        Ok(position.map(|p| (version, p.value())))
    }

    /// The positions of the events that change the registry, in order.
    pub fn registry_positions(&self) -> Result<Vec<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(REGISTRY)?;
        let mut out = std::collections::BTreeSet::new();
        for entry in table.iter()? {
            out.insert(entry?.0.value());
        }
        let waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        out.extend(waiting.entries.iter().filter(|(_, r)| *r).map(|(e, _)| e.position));
        Ok(out.into_iter().collect())
    }
}

impl Drop for LogIndex {
    fn drop(&mut self) {
        let _ = self.sync();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(position: u64, stream: &str, version: u64) -> IndexEntry {
        IndexEntry {
            position,
            id: EventId::of_body(&position.to_le_bytes()),
            stream: stream.parse().unwrap(),
            version,
        }
    }

    #[test]
    fn the_index_grows_as_a_dense_prefix_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.redb");
        let not_tasks = |s: &StreamId, v: u64| !(s.as_str().starts_with("task:") && v > 1);
        {
            let index = LogIndex::open(&path).unwrap();
            assert_eq!(index.head().unwrap(), (0, None));
            // A gap is not recorded.
            assert_eq!(index.record(&[entry(2, "person:a", 1)], not_tasks).unwrap(), 0);
            let head = index
                .record(
                    &[entry(1, "person:a", 1), entry(2, "task:d:1", 1), entry(3, "task:d:1", 2)],
                    not_tasks,
                )
                .unwrap();
            assert_eq!(head, 3);
            // Entries already there are skipped; the next one continues.
            assert_eq!(
                index
                    .record(&[entry(3, "task:d:1", 2), entry(4, "task:d:1", 3)], not_tasks)
                    .unwrap(),
                4
            );
        }
        let index = LogIndex::open(&path).unwrap();
        assert_eq!(index.head().unwrap(), (4, Some(entry(4, "task:d:1", 3).id)));
        assert_eq!(index.registry_positions().unwrap(), [1, 2]);
        let task: StreamId = "task:d:1".parse().unwrap();
        assert_eq!(index.stream_positions(&task, 2).unwrap(), [3, 4]);
        assert_eq!(index.stream_head(&task).unwrap(), Some((3, 4)));
        assert_eq!(
            index.positions_of(&[entry(3, "task:d:1", 2).id, EventId([9; 32])]).unwrap(),
            [Some(3), None]
        );
    }
}
