//! What a process knows of the JetStream stream: for every message from sequence 1 to `head`,
//! its event id, stream and version, and nothing beyond. It only ever grows as a dense prefix,
//! so reading on from `head + 1` misses nothing: a message whose acknowledgement was lost (the
//! server restarting, say) may sit between two acknowledged ones, and is picked up by that read
//! rather than skipped over.
//!
//! With a data directory the index is persisted (`mandate_store::log_index`, shared by every
//! handle of the process and by other processes beside it), so a process reads from the stream
//! only what was appended since, and a gate folds only the registry: opening costs the same at
//! any length of the log. Without one, it lives in memory and is rebuilt from the whole stream.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use mandate_ledger::backend::changes_registry;
use mandate_model::ids::{EventId, StreamId};
use mandate_store::log_index::{IndexEntry, LogIndex};

/// The index in memory.
#[derive(Default)]
pub(crate) struct MemoryIndex {
    pub(crate) ids: BTreeMap<EventId, u64>,
    pub(crate) streams: BTreeMap<StreamId, Vec<u64>>,
    pub(crate) head: u64,
}

impl MemoryIndex {
    /// Records the message at `position` if it is the next one; returns whether it was. One
    /// already recorded, or one beyond a gap, is left to a read from `head + 1`.
    pub(crate) fn record(&mut self, position: u64, id: EventId, stream: &StreamId) -> bool {
        if position != self.head + 1 {
            return false;
        }
        self.ids.insert(id, position);
        match self.streams.get_mut(stream) {
            Some(positions) => positions.push(position),
            None => {
                self.streams.insert(stream.clone(), vec![position]);
            }
        }
        self.head = position;
        true
    }
}

/// The index, persisted or in memory.
pub(crate) enum Index {
    Memory(MemoryIndex),
    Persisted(Arc<LogIndex>),
}

/// A persisted index's failure, as text.
fn text(e: mandate_store::StoreError) -> String {
    mandate_ledger::error_chain(&e)
}

impl Index {
    pub(crate) fn head(&self) -> Result<u64, String> {
        match self {
            Index::Memory(m) => Ok(m.head),
            Index::Persisted(p) => p.head().map(|(h, _)| h).map_err(text),
        }
    }

    /// Records the entries that continue the index, in order; the first beyond a gap stops it.
    pub(crate) fn record(&mut self, entries: &[IndexEntry]) -> Result<(), String> {
        match self {
            Index::Memory(m) => {
                for e in entries {
                    m.record(e.position, e.id, &e.stream);
                }
                Ok(())
            }
            Index::Persisted(p) => p.record(entries, changes_registry).map(|_| ()).map_err(text),
        }
    }

    pub(crate) fn positions_of(&self, ids: &[EventId]) -> Result<Vec<Option<u64>>, String> {
        match self {
            Index::Memory(m) => Ok(ids.iter().map(|id| m.ids.get(id).copied()).collect()),
            Index::Persisted(p) => p.positions_of(ids).map_err(text),
        }
    }

    pub(crate) fn stream_positions(
        &self,
        stream: &StreamId,
        from_version: u64,
    ) -> Result<Vec<u64>, String> {
        match self {
            Index::Memory(m) => Ok(m
                .streams
                .get(stream)
                .map(|p| p.iter().skip(from_version.saturating_sub(1) as usize).copied().collect())
                .unwrap_or_default()),
            Index::Persisted(p) => p.stream_positions(stream, from_version).map_err(text),
        }
    }

    pub(crate) fn stream_head(&self, stream: &StreamId) -> Result<Option<(u64, u64)>, String> {
        match self {
            Index::Memory(m) => {
                Ok(m.streams.get(stream).and_then(|p| p.last().map(|l| (p.len() as u64, *l))))
            }
            Index::Persisted(p) => p.stream_head(stream).map_err(text),
        }
    }

    /// The registry's positions, when the index is persisted (in memory, a gate folds every
    /// event, as it always did).
    pub(crate) fn registry_positions(&self) -> Result<Option<Vec<u64>>, String> {
        match self {
            Index::Memory(_) => Ok(None),
            Index::Persisted(p) => p.registry_positions().map(Some).map_err(text),
        }
    }

    pub(crate) fn persisted(&self) -> bool {
        matches!(self, Index::Persisted(_))
    }
}

/// The persisted indexes this process has open, by path: redb opens a file once per process,
/// and every handle on one log shares its index.
fn open_indexes() -> &'static Mutex<BTreeMap<PathBuf, Weak<LogIndex>>> {
    static OPEN: OnceLock<Mutex<BTreeMap<PathBuf, Weak<LogIndex>>>> = OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// The persisted index at `path`, opened once per process.
pub(crate) fn open_persisted(path: &Path) -> Result<Arc<LogIndex>, String> {
    let mut open = open_indexes().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(index) = open.get(path).and_then(Weak::upgrade) {
        return Ok(index);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let index = Arc::new(LogIndex::open(path).map_err(|e| mandate_ledger::error_chain(&e))?);
    open.insert(path.to_owned(), Arc::downgrade(&index));
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch whose first acknowledgement was lost (the server restarting) but whose second
    /// came back: the index must not jump over the first, or reading on from its head would
    /// never index it, and a retry of it would be judged as new (and refused as a conflict).
    #[test]
    fn the_index_grows_only_as_a_dense_prefix() {
        let stream: StreamId = "task:ubnd-hn/cv-1234/3".parse().unwrap();
        let mut index = MemoryIndex::default();
        assert!(index.record(1, EventId([1; 32]), &stream));
        // Position 2's acknowledgement was lost; position 3's arrived.
        assert!(!index.record(3, EventId([3; 32]), &stream));
        assert_eq!(index.head, 1);
        assert!(!index.ids.contains_key(&EventId([3; 32])));
        // Reading on from head + 1 then brings in 2 and 3, in order, once each.
        assert!(index.record(2, EventId([2; 32]), &stream));
        assert!(index.record(3, EventId([3; 32]), &stream));
        assert!(!index.record(3, EventId([3; 32]), &stream), "recorded once");
        assert_eq!(index.head, 3);
        assert_eq!(index.streams[&stream], vec![1, 2, 3]);
        assert_eq!(index.ids.len(), 3);
    }

    /// The same, persisted: the gap is not jumped, and two handles of one process share it.
    #[test]
    fn a_persisted_index_grows_only_as_a_dense_prefix_and_is_shared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.redb");
        let stream: StreamId = "task:ubnd-hn/cv-1234/3".parse().unwrap();
        let entry = |p: u64| IndexEntry {
            position: p,
            id: EventId([p as u8; 32]),
            stream: stream.clone(),
            version: p,
        };
        let mut a = Index::Persisted(open_persisted(&path).unwrap());
        let b = Index::Persisted(open_persisted(&path).unwrap());
        a.record(&[entry(1)]).unwrap();
        a.record(&[entry(3)]).unwrap();
        assert_eq!(a.head().unwrap(), 1);
        a.record(&[entry(2), entry(3)]).unwrap();
        assert_eq!(b.head().unwrap(), 3);
        assert_eq!(b.stream_positions(&stream, 1).unwrap(), [1, 2, 3]);
        assert_eq!(b.stream_head(&stream).unwrap(), Some((3, 3)));
        assert_eq!(b.positions_of(&[EventId([2; 32])]).unwrap(), [Some(2)]);
        // Task reports (version > 1) do not change the registry.
        assert_eq!(b.registry_positions().unwrap(), Some(vec![1]));
    }
}
