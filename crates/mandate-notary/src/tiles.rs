//! The log as C2SP tlog-tiles (schemas/SPEC.md §9.6): hash tiles and entry bundles kept in the
//! notary's store as the tree grows, so that serving one is a look-up, never a read of the log.
//!
//! A full tile is stored once, as its bytes, when it fills (`hash_tiles`, `entry_tiles`); a
//! partial hash tile is read from the stored nodes; the leaves of the entry bundle still
//! filling wait in `pending_leaves` and leave it when their bundle is stored.

use mandate_model::merkle::Hash;
use mandate_model::tlog::{self, TILE_WIDTH, TilePath};
use redb::{ReadableTable, TableDefinition};

use crate::NotaryError;

/// (tile level, index) → the full tile's 8,192 bytes.
pub(crate) const HASH_TILES: TableDefinition<'_, (u32, u64), &[u8]> =
    TableDefinition::new("hash_tiles");
/// index → the full entry bundle's bytes.
pub(crate) const ENTRY_TILES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("entry_tiles");
/// position → the leaf bytes (SPEC §9.1) of an event whose entry bundle has not filled yet.
pub(crate) const PENDING_LEAVES: TableDefinition<'_, u64, &[u8]> =
    TableDefinition::new("pending_leaves");

/// Called for each node the tree stores: when it is the last hash of a tile, stores the tile.
pub(crate) fn node_stored(
    nodes: &redb::Table<'_, (u32, u64), &[u8]>,
    tiles: &mut redb::Table<'_, (u32, u64), &[u8]>,
    level: u32,
    index: u64,
) -> Result<(), NotaryError> {
    if !level.is_multiple_of(8) || index % TILE_WIDTH != TILE_WIDTH - 1 {
        return Ok(());
    }
    let n = index / TILE_WIDTH;
    let mut bytes = Vec::with_capacity(8192);
    for entry in nodes.range((level, n * TILE_WIDTH)..=(level, index))? {
        bytes.extend_from_slice(&entry?.1.value()[..32]);
    }
    if bytes.len() != 8192 {
        return Err(NotaryError::MissingNode { level, index: n * TILE_WIDTH, size: 0 });
    }
    tiles.insert((level / 8, n), bytes.as_slice())?;
    Ok(())
}

/// Called for each leaf the tree stores (positions in order): keeps its bytes until its
/// bundle fills, then stores the bundle and lets the leaves go.
/// Leaves before `kept_from` (a store older than entry bundles) are filled in later
/// ([`fill_in`]); a bundle that needs them waits for that.
pub(crate) fn leaf_stored(
    pending: &mut redb::Table<'_, u64, &[u8]>,
    bundles: &mut redb::Table<'_, u64, &[u8]>,
    position: u64,
    leaf: &[u8],
    kept_from: u64,
) -> Result<(), NotaryError> {
    pending.insert(position, leaf)?;
    if !position.is_multiple_of(TILE_WIDTH) || position - TILE_WIDTH + 1 < kept_from {
        return Ok(());
    }
    store_bundle(pending, bundles, position)
}

/// Stores the full bundle ending at `position` from the pending leaves and lets them go.
fn store_bundle(
    pending: &mut redb::Table<'_, u64, &[u8]>,
    bundles: &mut redb::Table<'_, u64, &[u8]>,
    position: u64,
) -> Result<(), NotaryError> {
    let first = position - TILE_WIDTH + 1;
    let mut leaves = Vec::with_capacity(TILE_WIDTH as usize);
    for entry in pending.range(first..=position)? {
        leaves.push(entry?.1.value().to_vec());
    }
    if leaves.len() as u64 != TILE_WIDTH {
        return Err(NotaryError::Event {
            position: first,
            reason: "the leaves of its entry bundle are not all stored".into(),
        });
    }
    let bundle = tlog::entry_bundle(leaves.iter().map(Vec::as_slice));
    bundles.insert(position / TILE_WIDTH - 1, bundle.as_slice())?;
    for p in first..=position {
        pending.remove(p)?;
    }
    Ok(())
}

/// Fills in the leaves of positions `from..kept_from` (read from the log by the caller, in
/// order) that a store older than entry bundles never kept, then stores every bundle within
/// the tree of `size` that starts at or after `from` and holds one of them (bundles that also
/// need leaves below `from` wait for the next, lower chunk).
pub(crate) fn fill_in(
    pending: &mut redb::Table<'_, u64, &[u8]>,
    bundles: &mut redb::Table<'_, u64, &[u8]>,
    leaves: &[(u64, Vec<u8>)],
    from: u64,
    kept_from: u64,
    size: u64,
) -> Result<(), NotaryError> {
    for (position, leaf) in leaves {
        pending.insert(*position, leaf.as_slice())?;
    }
    // Bundles are numbered from 0; bundle n holds positions 256n + 1 ..= 256(n + 1).
    let mut n = (from - 1).div_ceil(TILE_WIDTH);
    while n * TILE_WIDTH + 1 < kept_from && (n + 1) * TILE_WIDTH <= size {
        if bundles.get(n)?.is_none() {
            store_bundle(pending, bundles, (n + 1) * TILE_WIDTH)?;
        }
        n += 1;
    }
    Ok(())
}

/// The bytes of `tile` from one read transaction, or `None` when the store's tree is too small
/// to hold it.
pub(crate) fn read(
    txn: &redb::ReadTransaction,
    size: u64,
    tile: &TilePath,
) -> Result<Option<Vec<u8>>, NotaryError> {
    match tile.needs_size() {
        Some(needed) if needed <= size => {}
        _ => return Ok(None),
    }
    let width = u64::from(tile.width);
    match tile.level {
        Some(level) => {
            let level = u32::from(level);
            if width == TILE_WIDTH
                && let Some(bytes) = txn.open_table(HASH_TILES)?.get((level, tile.index))?
            {
                return Ok(Some(bytes.value().to_vec()));
            }
            // A partial tile (or a full one a store from before tiles never kept): its hashes
            // are stored nodes at tree level 8 × L.
            let nodes = txn.open_table(crate::NODES)?;
            let first = tile.index * TILE_WIDTH;
            let mut out = Vec::with_capacity(32 * width as usize);
            for entry in nodes.range((level * 8, first)..(level * 8, first + width))? {
                out.extend_from_slice(&entry?.1.value()[..32]);
            }
            if out.len() as u64 != 32 * width {
                return Err(NotaryError::MissingNode { level: level * 8, index: first, size });
            }
            Ok(Some(out))
        }
        None => {
            if let Some(bytes) = txn.open_table(ENTRY_TILES)?.get(tile.index)? {
                let bytes = bytes.value();
                return Ok(Some(if width == TILE_WIDTH {
                    bytes.to_vec()
                } else {
                    first_entries(bytes, width as usize)
                }));
            }
            let pending = txn.open_table(PENDING_LEAVES)?;
            let first = tile.index * TILE_WIDTH + 1;
            let mut leaves = Vec::with_capacity(width as usize);
            for entry in pending.range(first..first + width)? {
                leaves.push(entry?.1.value().to_vec());
            }
            if leaves.len() as u64 != width {
                // The leaves of a store from before entry bundles: `Notary::catch_up` fills
                // them in from the log.
                return Err(NotaryError::Event {
                    position: first,
                    reason: "its entry bundle is not stored yet (the notary is filling it in)"
                        .into(),
                });
            }
            Ok(Some(tlog::entry_bundle(leaves.iter().map(Vec::as_slice))))
        }
    }
}

/// The first `width` entries of a full bundle.
fn first_entries(bundle: &[u8], width: usize) -> Vec<u8> {
    let mut at = 0;
    for _ in 0..width {
        if at + 2 > bundle.len() {
            break;
        }
        let len = u16::from_be_bytes([bundle[at], bundle[at + 1]]) as usize;
        at += 2 + len;
    }
    bundle[..at.min(bundle.len())].to_vec()
}

/// The hash of each leaf in an entry bundle, for checks.
pub fn bundle_leaf_hashes(bundle: &[u8]) -> Option<Vec<Hash>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bundle.len() {
        let len = u16::from_be_bytes([*bundle.get(at)?, *bundle.get(at + 1)?]) as usize;
        let leaf = bundle.get(at + 2..at + 2 + len)?;
        out.push(mandate_model::merkle::leaf_hash(leaf));
        at += 2 + len;
    }
    Some(out)
}
