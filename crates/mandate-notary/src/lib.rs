//! The Merkle notary.
//!
//! The notary follows the log and keeps, in one redb file (`notary.redb`): the hash of every
//! complete subtree of the log's Merkle tree (RFC 9162, one leaf per event, schemas/SPEC.md §9),
//! so that any inclusion or consistency proof for any size is answered in O(log n) look-ups
//! without reading the log; and every stream's head after each of its events, so that the
//! stream map (stream → version and last event) can be rebuilt at any size.
//!
//! It signs checkpoints (C2SP tlog-checkpoint in a signed note) with a map note beside each
//! (the map's root at the same size), storing both in the same transaction as the position they
//! cover before anyone sees them. It signs only at its current size, only if that is larger
//! than the last checkpoint, and only after checking that the tree still has the last
//! checkpoint's root at its size: a restart, or a store rebuilt from another log, cannot fork.

#![forbid(unsafe_code)]

pub mod bundle;
pub mod tiles;
pub mod witness;

use std::path::Path;

use mandate_ledger::backend::LogBackend;
use mandate_ledger::record::LoggedEvent;
use mandate_model::merkle::{self, Hash, NodeSource};
use mandate_model::note::{Checkpoint, MapCommitment, Note, NoteError, NoteSigner};
use mandate_model::smt::{self, Head, MapProof};
use redb::{ConcurrencyMode, Database, ReadableDatabase, ReadableTable, TableDefinition};

const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");
/// (level, index) → the hash of that complete subtree; level 0 holds the leaf hashes.
pub(crate) const NODES: TableDefinition<'_, (u32, u64), &[u8]> = TableDefinition::new("nodes");
/// (stream, position) → version (u64 big-endian) ‖ event id: every head a stream had.
const HEADS: TableDefinition<'_, (&str, u64), &[u8]> = TableDefinition::new("heads");
/// size → the signed checkpoint note (with any cosignatures).
const CHECKPOINTS: TableDefinition<'_, u64, &str> = TableDefinition::new("checkpoints");
/// size → the signed map note (with any cosignatures).
const MAP_NOTES: TableDefinition<'_, u64, &str> = TableDefinition::new("map_notes");
/// The meta key of the first position whose leaf bytes the store kept (1 unless the store
/// predates entry bundles and has not filled them in yet).
const LEAVES_KEPT_FROM: &str = "leaves_kept_from";

/// A failure of the notary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotaryError {
    #[error("the notary's store {path} is open in another process (is a notary running?)")]
    InUse { path: String },
    #[error("the notary's store {path} could not be opened")]
    Open {
        path: String,
        #[source]
        source: redb::DatabaseError,
    },
    #[error("redb failed")]
    Redb(#[from] redb::Error),
    #[error("the log could not be read")]
    Log(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the event at position {position} cannot be read: {reason}")]
    Event { position: u64, reason: String },
    #[error("the notary is at size {at}; the next event given is at position {given}")]
    Gap { at: u64, given: u64 },
    #[error("no node ({level}, {index}) in the notary's store: it holds {size} leaves")]
    MissingNode { level: u32, index: u64, size: u64 },
    #[error("size {size} is beyond the notary's tree ({have} leaves)")]
    Range { size: u64, have: u64 },
    #[error(
        "refusing to sign: the tree's root at {size} is not the one checkpoint {size} signed \
         (the store does not hold the log that was notarised; a checkpoint now would fork it)"
    )]
    Fork { size: u64 },
    #[error("a stored note is damaged")]
    Note(#[from] NoteError),
    #[error("no checkpoint at size {0}")]
    NoCheckpoint(u64),
}

macro_rules! redb_from {
    ($($ty:ty),*) => {$(
        impl From<$ty> for NotaryError {
            fn from(err: $ty) -> Self {
                Self::Redb(err.into())
            }
        }
    )*};
}
redb_from!(redb::TransactionError, redb::TableError, redb::StorageError, redb::CommitError);

/// A signed checkpoint and its map note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: Note,
    pub map: MapCommitment,
    pub map_note: Note,
}

enum Handle {
    Writer(Database),
    Reader(redb::ReadOnlyDatabase),
}

/// The notary's store.
pub struct Notary {
    db: Handle,
    origin: String,
}

fn open_error(path: String, err: redb::DatabaseError) -> NotaryError {
    match err {
        redb::DatabaseError::DatabaseAlreadyOpen => NotaryError::InUse { path },
        source => NotaryError::Open { path, source },
    }
}

fn to_hash(bytes: &[u8]) -> Hash {
    let mut h = [0; 32];
    h.copy_from_slice(&bytes[..32]);
    h
}

/// Reads nodes from one read transaction.
struct Nodes<'a> {
    table: &'a redb::ReadOnlyTable<(u32, u64), &'static [u8]>,
    size: u64,
}

impl NodeSource for Nodes<'_> {
    type Error = NotaryError;
    fn complete(&self, level: u32, index: u64) -> Result<Hash, NotaryError> {
        match self.table.get((level, index))? {
            Some(v) => Ok(to_hash(v.value())),
            None => Err(NotaryError::MissingNode { level, index, size: self.size }),
        }
    }
}

impl Notary {
    /// Opens (or creates) the notary's store at `path` for the log whose origin is `origin`.
    pub fn open(path: &Path, origin: &str) -> Result<Self, NotaryError> {
        let shown = path.display().to_string();
        let db = Database::builder()
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .create(path)
            .map_err(|e| open_error(shown, e))?;
        let txn = db.begin_write()?;
        txn.open_table(META)?;
        txn.open_table(NODES)?;
        txn.open_table(HEADS)?;
        txn.open_table(CHECKPOINTS)?;
        txn.open_table(MAP_NOTES)?;
        txn.open_table(tiles::HASH_TILES)?;
        txn.open_table(tiles::ENTRY_TILES)?;
        txn.open_table(tiles::PENDING_LEAVES)?;
        {
            // A store from before tiles kept no leaves: they are filled in from the log by
            // `catch_up`, from 1 to the size it had.
            let mut meta = txn.open_table(META)?;
            if meta.get(LEAVES_KEPT_FROM)?.is_none() {
                let size = meta.get("size")?.map_or(0, |v| v.value());
                meta.insert(LEAVES_KEPT_FROM, size + 1)?;
            }
        }
        txn.commit()?;
        Ok(Self { db: Handle::Writer(db), origin: origin.to_owned() })
    }

    /// Opens the store to read it beside the notary that writes it.
    pub fn open_read_only(path: &Path, origin: &str) -> Result<Self, NotaryError> {
        let shown = path.display().to_string();
        let db = Database::builder()
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .open_read_only(path)
            .map_err(|e| open_error(shown, e))?;
        Ok(Self { db: Handle::Reader(db), origin: origin.to_owned() })
    }

    /// The origin line of this log's checkpoints.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    fn begin_read(&self) -> Result<redb::ReadTransaction, NotaryError> {
        Ok(match &self.db {
            Handle::Writer(db) => db.begin_read()?,
            Handle::Reader(db) => db.begin_read()?,
        })
    }

    fn writer(&self) -> Result<&Database, NotaryError> {
        match &self.db {
            Handle::Writer(db) => Ok(db),
            Handle::Reader(_) => {
                Err(NotaryError::Log("the notary's store was opened read-only".into()))
            }
        }
    }

    /// The number of leaves (events) in the tree.
    pub fn size(&self) -> Result<u64, NotaryError> {
        let txn = self.begin_read()?;
        let meta = txn.open_table(META)?;
        Ok(meta.get("size")?.map_or(0, |v| v.value()))
    }

    /// Adds `events` (in log order, continuing from [`Notary::size`]; earlier ones are skipped)
    /// in one transaction.
    pub fn append(&self, events: &[LoggedEvent]) -> Result<u64, NotaryError> {
        let txn = self.writer()?.begin_write()?;
        let size = {
            let mut meta = txn.open_table(META)?;
            let mut nodes = txn.open_table(NODES)?;
            let mut heads = txn.open_table(HEADS)?;
            let mut hash_tiles = txn.open_table(tiles::HASH_TILES)?;
            let mut bundles = txn.open_table(tiles::ENTRY_TILES)?;
            let mut pending = txn.open_table(tiles::PENDING_LEAVES)?;
            let kept_from = meta.get(LEAVES_KEPT_FROM)?.map_or(1, |v| v.value());
            let mut size = meta.get("size")?.map_or(0, |v| v.value());
            for event in events {
                if event.position <= size {
                    continue;
                }
                if event.position != size + 1 {
                    return Err(NotaryError::Gap { at: size, given: event.position });
                }
                let body = mandate_model::body::decode_logged_body(&event.body).map_err(|e| {
                    NotaryError::Event { position: event.position, reason: e.to_string() }
                })?;
                let id = event.id();
                let leaf_bytes =
                    mandate_model::tlog::leaf_bytes(event.position, &id, &event.signatures);
                tiles::leaf_stored(
                    &mut pending,
                    &mut bundles,
                    event.position,
                    &leaf_bytes,
                    kept_from,
                )?;
                // Leaf index = position - 1; store it and every subtree it completes.
                let mut index = size;
                let mut level = 0u32;
                let mut hash = merkle::leaf_hash(&leaf_bytes);
                nodes.insert((0, index), hash.as_slice())?;
                tiles::node_stored(&nodes, &mut hash_tiles, 0, index)?;
                while index % 2 == 1 {
                    let left = nodes
                        .get((level, index - 1))?
                        .map(|v| to_hash(v.value()))
                        .ok_or(NotaryError::MissingNode { level, index: index - 1, size })?;
                    hash = merkle::node_hash(&left, &hash);
                    level += 1;
                    index /= 2;
                    nodes.insert((level, index), hash.as_slice())?;
                    tiles::node_stored(&nodes, &mut hash_tiles, level, index)?;
                }
                let mut head = body.version.to_be_bytes().to_vec();
                head.extend_from_slice(id.as_bytes());
                heads.insert((body.stream.as_str(), event.position), head.as_slice())?;
                size = event.position;
            }
            meta.insert("size", size)?;
            size
        };
        txn.commit()?;
        Ok(size)
    }

    /// Follows `log` from the notary's size to its head, `chunk` events per transaction.
    /// A store older than entry bundles first fills in the leaves it never kept.
    pub fn catch_up<L: LogBackend>(&self, log: &L, chunk: usize) -> Result<u64, NotaryError> {
        self.fill_in_leaves(log, chunk)?;
        let mut size = self.size()?;
        loop {
            let events =
                log.read_from(size + 1, chunk.max(1)).map_err(|e| NotaryError::Log(Box::new(e)))?;
            if events.is_empty() {
                return Ok(size);
            }
            size = self.append(&events)?;
        }
    }

    /// Reads the leaves a store from before entry bundles did not keep (positions below
    /// `leaves_kept_from`) from the log, one transaction per chunk, and stores their bundles.
    fn fill_in_leaves<L: LogBackend>(&self, log: &L, chunk: usize) -> Result<(), NotaryError> {
        loop {
            let (kept_from, size) = {
                let txn = self.begin_read()?;
                let meta = txn.open_table(META)?;
                let kept = meta.get(LEAVES_KEPT_FROM)?.map_or(1, |v| v.value());
                (kept, meta.get("size")?.map_or(0, |v| v.value()))
            };
            if kept_from <= 1 {
                return Ok(());
            }
            // Fill in backwards, one chunk below `kept_from` at a time.
            let from = kept_from.saturating_sub(chunk.max(1) as u64).max(1);
            let events = log
                .read_from(from, (kept_from - from) as usize)
                .map_err(|e| NotaryError::Log(Box::new(e)))?;
            let leaves: Vec<(u64, Vec<u8>)> = events
                .iter()
                .filter(|e| e.position < kept_from)
                .map(|e| {
                    (
                        e.position,
                        mandate_model::tlog::leaf_bytes(e.position, &e.id(), &e.signatures),
                    )
                })
                .collect();
            if leaves.len() as u64 != kept_from - from {
                return Err(NotaryError::Event {
                    position: from,
                    reason: "the log does not hold the events the notary's tree has".into(),
                });
            }
            let txn = self.writer()?.begin_write()?;
            {
                let mut pending = txn.open_table(tiles::PENDING_LEAVES)?;
                let mut bundles = txn.open_table(tiles::ENTRY_TILES)?;
                tiles::fill_in(&mut pending, &mut bundles, &leaves, from, kept_from, size)?;
                txn.open_table(META)?.insert(LEAVES_KEPT_FROM, from)?;
            }
            txn.commit()?;
        }
    }

    /// Makes this store look like one from before tiles (no leaves kept, no tiles stored), as
    /// an upgrade test needs.
    #[doc(hidden)]
    pub fn forget_tiles(&self) -> Result<(), NotaryError> {
        let txn = self.writer()?.begin_write()?;
        {
            let size = txn.open_table(META)?.get("size")?.map_or(0, |v| v.value());
            txn.delete_table(tiles::HASH_TILES)?;
            txn.delete_table(tiles::ENTRY_TILES)?;
            txn.delete_table(tiles::PENDING_LEAVES)?;
            txn.open_table(tiles::HASH_TILES)?;
            txn.open_table(tiles::ENTRY_TILES)?;
            txn.open_table(tiles::PENDING_LEAVES)?;
            txn.open_table(META)?.insert(LEAVES_KEPT_FROM, size + 1)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The bytes of a C2SP tlog-tiles resource (a hash tile or an entry bundle) from the stored
    /// tree, or `None` when a tree of size `size` does not hold it. The caller bounds `size` by
    /// the last signed checkpoint.
    pub fn tile(
        &self,
        tile: &mandate_model::tlog::TilePath,
        size: u64,
    ) -> Result<Option<Vec<u8>>, NotaryError> {
        let txn = self.begin_read()?;
        let have = txn.open_table(META)?.get("size")?.map_or(0, |v| v.value());
        tiles::read(&txn, size.min(have), tile)
    }

    fn with_nodes<T>(
        &self,
        size: u64,
        f: impl FnOnce(&Nodes<'_>) -> Result<T, NotaryError>,
    ) -> Result<T, NotaryError> {
        let txn = self.begin_read()?;
        let have = txn.open_table(META)?.get("size")?.map_or(0, |v| v.value());
        if size > have {
            return Err(NotaryError::Range { size, have });
        }
        let table = txn.open_table(NODES)?;
        f(&Nodes { table: &table, size: have })
    }

    /// The tree's root at `size`.
    pub fn root_at(&self, size: u64) -> Result<Hash, NotaryError> {
        self.with_nodes(size, |n| merkle::root_at(n, size))
    }

    /// The leaf hash of the event at `position`.
    pub fn leaf_hash(&self, position: u64) -> Result<Hash, NotaryError> {
        self.with_nodes(position, |n| n.complete(0, position - 1))
    }

    /// The inclusion proof of the event at `position` in the tree of size `size`.
    pub fn inclusion_proof(&self, position: u64, size: u64) -> Result<Vec<Hash>, NotaryError> {
        if position == 0 || position > size {
            return Err(NotaryError::Range { size: position, have: size });
        }
        self.with_nodes(size, |n| merkle::inclusion_proof(n, position - 1, size))
    }

    /// The consistency proof from size `old` to size `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, NotaryError> {
        if old == 0 || old > new {
            return Err(NotaryError::Range { size: old, have: new });
        }
        self.with_nodes(new, |n| merkle::consistency_proof(n, old, new))
    }

    /// Every stream's head at tree size `size`, sorted by map key.
    pub fn map_entries(&self, size: u64) -> Result<Vec<(Hash, Head)>, NotaryError> {
        let txn = self.begin_read()?;
        let heads = txn.open_table(HEADS)?;
        let mut out = Vec::new();
        let mut current: Option<(String, Head)> = None;
        for entry in heads.iter()? {
            let (key, value) = entry?;
            let (stream, position) = key.value();
            if current.as_ref().is_some_and(|(s, _)| s != stream)
                && let Some((s, head)) = current.take()
            {
                out.push((smt::key_of(&s), head));
            }
            if position <= size {
                let v = value.value();
                let mut version = [0u8; 8];
                version.copy_from_slice(&v[..8]);
                current = Some((
                    stream.to_owned(),
                    Head { version: u64::from_be_bytes(version), last: to_hash(&v[8..]) },
                ));
            }
        }
        if let Some((s, head)) = current {
            out.push((smt::key_of(&s), head));
        }
        out.sort();
        Ok(out)
    }

    /// The map proof for `stream` at size `size`.
    pub fn map_proof(&self, stream: &str, size: u64) -> Result<MapProof, NotaryError> {
        let entries = self.map_entries(size)?;
        Ok(smt::prove(&entries, &smt::key_of(stream)))
    }

    /// The latest checkpoint, if any.
    pub fn latest(&self) -> Result<Option<SignedCheckpoint>, NotaryError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(CHECKPOINTS)?;
        let last = table.last()?.map(|(k, _)| k.value());
        drop(table);
        drop(txn);
        last.map(|size| self.checkpoint_at(size)).transpose()
    }

    /// The checkpoint signed at `size`.
    pub fn checkpoint_at(&self, size: u64) -> Result<SignedCheckpoint, NotaryError> {
        let txn = self.begin_read()?;
        let note = txn
            .open_table(CHECKPOINTS)?
            .get(size)?
            .map(|v| v.value().to_owned())
            .ok_or(NotaryError::NoCheckpoint(size))?;
        let map_note = txn
            .open_table(MAP_NOTES)?
            .get(size)?
            .map(|v| v.value().to_owned())
            .ok_or(NotaryError::NoCheckpoint(size))?;
        let note = Note::parse(&note)?;
        let map_note = Note::parse(&map_note)?;
        Ok(SignedCheckpoint {
            checkpoint: Checkpoint::parse(&note.text)?,
            map: MapCommitment::parse(&map_note.text)?,
            note,
            map_note,
        })
    }

    /// The sizes of every checkpoint, in order.
    pub fn checkpoint_sizes(&self) -> Result<Vec<u64>, NotaryError> {
        let txn = self.begin_read()?;
        let table = txn.open_table(CHECKPOINTS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            out.push(entry?.0.value());
        }
        Ok(out)
    }

    /// Signs a checkpoint and map note at the current size, if it is larger than the last
    /// checkpoint's; stores both before returning them. Returns `None` when there is nothing
    /// new to sign.
    pub fn checkpoint(&self, signer: &NoteSigner) -> Result<Option<SignedCheckpoint>, NotaryError> {
        let size = self.size()?;
        let last = self.latest()?;
        if let Some(last) = &last {
            if size <= last.checkpoint.size {
                return Ok(None);
            }
            // The tree must still have the last checkpoint's root at its size.
            if self.root_at(last.checkpoint.size)? != last.checkpoint.root {
                return Err(NotaryError::Fork { size: last.checkpoint.size });
            }
        } else if size == 0 {
            return Ok(None);
        }
        let checkpoint =
            Checkpoint { origin: self.origin.clone(), size, root: self.root_at(size)? };
        let entries = self.map_entries(size)?;
        let map = MapCommitment {
            origin: self.origin.clone(),
            size,
            log_root: checkpoint.root,
            map_root: smt::root(&entries),
            streams: entries.len() as u64,
        };
        let text = checkpoint.text();
        let note = Note { signatures: vec![signer.sign(&text, 0)], text };
        let map_text = map.text();
        let map_note = Note { signatures: vec![signer.sign(&map_text, 0)], text: map_text };
        let txn = self.writer()?.begin_write()?;
        {
            // Another notary process may not share this store (single writer), so the last
            // checkpoint read above is still the last.
            txn.open_table(CHECKPOINTS)?.insert(size, note.render().as_str())?;
            txn.open_table(MAP_NOTES)?.insert(size, map_note.render().as_str())?;
        }
        txn.commit()?;
        Ok(Some(SignedCheckpoint { checkpoint, note, map, map_note }))
    }

    /// Adds a witness's cosignature lines to the stored notes at `size` (the caller has
    /// verified them).
    pub fn add_cosignatures(
        &self,
        size: u64,
        checkpoint: Option<&mandate_model::note::NoteSignature>,
        map: Option<&mandate_model::note::NoteSignature>,
    ) -> Result<(), NotaryError> {
        let current = self.checkpoint_at(size)?;
        let txn = self.writer()?.begin_write()?;
        {
            let add = |mut note: Note, sig: Option<&mandate_model::note::NoteSignature>| {
                if let Some(sig) = sig
                    && !note.signatures.iter().any(|s| s.name == sig.name && s.id == sig.id)
                {
                    note.signatures.push(sig.clone());
                }
                note.render()
            };
            txn.open_table(CHECKPOINTS)?.insert(size, add(current.note, checkpoint).as_str())?;
            txn.open_table(MAP_NOTES)?.insert(size, add(current.map_note, map).as_str())?;
        }
        txn.commit()?;
        Ok(())
    }
}

/// Checks every stored checkpoint against the log: the notary's signature on both notes, the
/// tree root and the stream map at each checkpoint's size recomputed from the log in one pass.
/// Each mismatch is a finding at the checkpoint's size (rule `checkpoint`).
pub fn check_checkpoints<L: LogBackend>(
    log: &L,
    notary: &Notary,
    verifier: &mandate_model::note::NoteVerifier,
) -> Result<Vec<mandate_ledger::verify::Finding>, NotaryError> {
    use mandate_model::tlog::Frontier;
    let finding = |position: u64, message: String| mandate_ledger::verify::Finding {
        position,
        rule: "checkpoint".into(),
        message,
    };
    let mut findings = Vec::new();
    let mut checkpoints = Vec::new();
    for size in notary.checkpoint_sizes()? {
        match notary.checkpoint_at(size) {
            Ok(cp) => {
                if let Err(e) = cp.note.verify(verifier) {
                    findings.push(finding(size, format!("the checkpoint's signature: {e}")));
                } else if let Err(e) = cp.map_note.verify(verifier) {
                    findings.push(finding(size, format!("the map note's signature: {e}")));
                } else {
                    checkpoints.push(cp);
                }
            }
            Err(e) => findings.push(finding(size, format!("unreadable: {e}"))),
        }
    }
    let mut frontier = Frontier::new();
    let mut heads: std::collections::BTreeMap<String, Head> = std::collections::BTreeMap::new();
    let mut next = checkpoints.iter().peekable();
    let mut position = 1;
    let hex = |h: &Hash| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    while next.peek().is_some() {
        let events = log.read_from(position, 4_096).map_err(|e| NotaryError::Log(Box::new(e)))?;
        if events.is_empty() {
            break;
        }
        // Leaf hashes and stream heads in parallel; the tree and the map in order.
        use rayon::prelude::*;
        let prepared: Vec<(Hash, Option<(String, Head)>)> = events
            .par_iter()
            .map(|e| {
                let id = e.id();
                let leaf = mandate_model::tlog::leaf_hash(e.position, &id, &e.signatures);
                let head = mandate_model::body::decode_logged_body(&e.body).ok().map(|body| {
                    (body.stream.to_string(), Head { version: body.version, last: *id.as_bytes() })
                });
                (leaf, head)
            })
            .collect();
        for (e, (leaf, head)) in events.iter().zip(prepared) {
            frontier.push(leaf);
            if let Some((stream, head)) = head {
                heads.insert(stream, head);
            }
            position = e.position + 1;
            while let Some(cp) = next.next_if(|cp| cp.checkpoint.size == e.position) {
                if frontier.root() != cp.checkpoint.root {
                    findings.push(finding(
                        cp.checkpoint.size,
                        format!(
                            "the log's tree root at size {} is {}, the signed checkpoint says {}: \
                             the history it signed was rewritten, or the checkpoint is of a fork",
                            cp.checkpoint.size,
                            hex(&frontier.root()),
                            hex(&cp.checkpoint.root)
                        ),
                    ));
                }
                let mut entries: Vec<(Hash, Head)> =
                    heads.iter().map(|(s, h)| (smt::key_of(s), *h)).collect();
                entries.sort();
                if smt::root(&entries) != cp.map.map_root {
                    findings.push(finding(
                        cp.checkpoint.size,
                        "the stream map recomputed from the log differs from the signed map note"
                            .into(),
                    ));
                }
            }
        }
    }
    for cp in next {
        findings.push(finding(
            cp.checkpoint.size,
            format!(
                "the checkpoint covers {} events but the log ends at {}: events were dropped",
                cp.checkpoint.size,
                position - 1
            ),
        ));
    }
    Ok(findings)
}
