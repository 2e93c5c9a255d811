//! The log as a transparency log: what each Merkle leaf commits to, and the log's origin
//! (schemas/SPEC.md §9).

use crate::ids::EventId;
use crate::merkle::{self, Hash};
use crate::sign::BodySignature;

/// The first bytes of every leaf.
pub const LEAF_PREFIX: &[u8] = b"mandate-leaf/v1\n";

/// The leaf bytes of the event at `position` (1-based): the prefix, the position (u64
/// big-endian), the event id, the number of signatures (u32 big-endian), then each signature
/// as its key id and its 64 bytes, in the order the log holds them.
pub fn leaf_bytes(position: u64, event_id: &EventId, signatures: &[BodySignature]) -> Vec<u8> {
    let mut out = Vec::with_capacity(LEAF_PREFIX.len() + 8 + 32 + 4 + 96 * signatures.len());
    out.extend_from_slice(LEAF_PREFIX);
    out.extend_from_slice(&position.to_be_bytes());
    out.extend_from_slice(event_id.as_bytes());
    out.extend_from_slice(&(signatures.len() as u32).to_be_bytes());
    for s in signatures {
        out.extend_from_slice(s.key_id.as_bytes());
        out.extend_from_slice(&s.signature);
    }
    out
}

/// The Merkle leaf hash of the event at `position`.
pub fn leaf_hash(position: u64, event_id: &EventId, signatures: &[BodySignature]) -> Hash {
    merkle::leaf_hash(&leaf_bytes(position, event_id, signatures))
}

/// A ledger's origin line (and its notary's key name): `mandate/LEDGER`.
pub fn origin(ledger: &str) -> String {
    format!("mandate/{ledger}")
}

/// Roots of growing trees, from the complete subtrees on the right edge: a verifier that reads
/// the log once computes the root at every size without keeping the leaves.
#[derive(Debug, Clone, Default)]
pub struct Frontier {
    /// (height, hash) of the complete subtrees, left to right, heights strictly decreasing.
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl Frontier {
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of leaves pushed.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(height, left)) = self.stack.last() {
            if height != node.0 {
                break;
            }
            self.stack.pop();
            node = (height + 1, merkle::node_hash(&left, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    /// The root of the tree of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else { return merkle::empty_root() };
        for (_, left) in iter {
            acc = merkle::node_hash(left, &acc);
        }
        acc
    }
}

/// The number of hashes (or entries) in a full tile (C2SP tlog-tiles: tile height 8).
pub const TILE_WIDTH: u64 = 256;

/// A resource of the log's C2SP tlog-tiles API: a hash tile (`tile/L/N[.p/W]`) or an entry
/// bundle (`tile/entries/N[.p/W]`), as the path after the log's prefix names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    /// The tile's level (0 to 63); `None` for an entry bundle.
    pub level: Option<u8>,
    /// The tile's index within its level.
    pub index: u64,
    /// How many hashes (or entries) it holds: 256 for a full tile, 1 to 255 for a partial one.
    pub width: u16,
}

/// Why a tile path is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TilePathError(String);

impl TilePath {
    /// Reads a path such as `tile/0/x001/x234/067.p/8` or `tile/entries/000`, exactly as C2SP
    /// tlog-tiles writes them (no leading zeroes on L and W, 3-digit index elements, `x` on all
    /// but the last), refusing every other spelling so that one resource has one path.
    pub fn parse(path: &str) -> Result<Self, TilePathError> {
        let bad = |why: &str| TilePathError(format!("{path:?} is not a tile path: {why}"));
        let rest = path.strip_prefix("tile/").ok_or_else(|| bad("it does not start with tile/"))?;
        let (level, rest) = rest.split_once('/').ok_or_else(|| bad("it has no index"))?;
        let level = if level == "entries" {
            None
        } else {
            let ok = !level.is_empty()
                && level.len() <= 2
                && level.bytes().all(|b| b.is_ascii_digit())
                && (level == "0" || !level.starts_with('0'));
            let l: u8 = level.parse().ok().filter(|l| ok && *l <= 63).ok_or_else(|| {
                bad("the level is a number from 0 to 63 without leading zeroes, or entries")
            })?;
            Some(l)
        };
        let (index_part, width) = match rest.split_once(".p/") {
            Some((index, w)) => {
                let ok = !w.is_empty()
                    && w.len() <= 3
                    && w.bytes().all(|b| b.is_ascii_digit())
                    && !w.starts_with('0');
                let w: u16 = w.parse().ok().filter(|w| ok && *w < 256).ok_or_else(|| {
                    bad("a partial tile's width is a number from 1 to 255 without leading zeroes")
                })?;
                (index, w)
            }
            None => (rest, TILE_WIDTH as u16),
        };
        let elements: Vec<&str> = index_part.split('/').collect();
        let mut index: u64 = 0;
        for (i, element) in elements.iter().enumerate() {
            let last = i + 1 == elements.len();
            let digits = if last {
                *element
            } else {
                element
                    .strip_prefix('x')
                    .ok_or_else(|| bad("all but the last index element begin with x"))?
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("each index element is 3 digits"));
            }
            if i == 0 && elements.len() > 1 && digits == "000" {
                return Err(bad("the index has a leading zero element"));
            }
            let d: u64 = digits.parse().map_err(|_| bad("each index element is 3 digits"))?;
            index = index
                .checked_mul(1000)
                .and_then(|v| v.checked_add(d))
                .ok_or_else(|| bad("the index is too large"))?;
        }
        Ok(Self { level, index, width })
    }

    /// The path, as C2SP tlog-tiles writes it (`tile/…`).
    pub fn render(&self) -> String {
        let mut out = String::from("tile/");
        match self.level {
            Some(l) => out.push_str(&l.to_string()),
            None => out.push_str("entries"),
        }
        out.push('/');
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        for (i, g) in groups.iter().rev().enumerate() {
            if i + 1 < groups.len() {
                out.push_str(&format!("x{g:03}/"));
            } else {
                out.push_str(&format!("{g:03}"));
            }
        }
        if u64::from(self.width) < TILE_WIDTH {
            out.push_str(&format!(".p/{}", self.width));
        }
        out
    }

    /// The number of leaves a hash of this tile's level covers: 256^level (1 for entries).
    pub fn leaves_per_hash(&self) -> Option<u64> {
        TILE_WIDTH.checked_pow(u32::from(self.level.unwrap_or(0)))
    }

    /// The smallest tree size that holds this tile: its first `width` hashes are complete.
    /// `None` when that is beyond any u64 size.
    pub fn needs_size(&self) -> Option<u64> {
        let per = self.leaves_per_hash()?;
        self.index.checked_mul(TILE_WIDTH)?.checked_add(u64::from(self.width))?.checked_mul(per)
    }
}

/// An entry bundle's bytes: each leaf's bytes with a big-endian u16 length before it.
pub fn entry_bundle<'a>(leaves: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for leaf in leaves {
        out.extend_from_slice(&(leaf.len() as u16).to_be_bytes());
        out.extend_from_slice(leaf);
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn the_frontier_root_is_the_tree_root_at_every_size(n in 0usize..300) {
            let leaves: Vec<Hash> = (0..n).map(|i| merkle::leaf_hash(&(i as u32).to_be_bytes())).collect();
            let tree = merkle::Tree::from_leaf_hashes(leaves.clone());
            let mut f = Frontier::new();
            prop_assert_eq!(f.root(), merkle::root_at(&tree, 0).unwrap());
            for (i, leaf) in leaves.iter().enumerate() {
                f.push(*leaf);
                prop_assert_eq!(f.root(), merkle::root_at(&tree, i as u64 + 1).unwrap());
            }
        }
    }

    #[test]
    fn the_leaf_commits_to_position_id_and_signatures() {
        let id = EventId([5; 32]);
        let sig = BodySignature { key_id: crate::ids::KeyId([6; 32]), signature: [7; 64] };
        let base = leaf_hash(3, &id, std::slice::from_ref(&sig));
        assert_ne!(base, leaf_hash(4, &id, std::slice::from_ref(&sig)));
        assert_ne!(base, leaf_hash(3, &EventId([4; 32]), std::slice::from_ref(&sig)));
        let mut other = sig.clone();
        other.signature[0] ^= 1;
        assert_ne!(base, leaf_hash(3, &id, &[other]));
        assert_ne!(base, leaf_hash(3, &id, &[]));
        assert_eq!(leaf_bytes(3, &id, &[sig]).len(), 16 + 8 + 32 + 4 + 96);
    }

    #[test]
    fn tile_paths_are_read_and_written_as_c2sp_spells_them() {
        for (path, level, index, width) in [
            ("tile/0/000", Some(0), 0, 256),
            ("tile/0/x001/x234/067", Some(0), 1_234_067, 256),
            ("tile/1/000.p/17", Some(1), 0, 17),
            ("tile/entries/x001/000.p/255", None, 1000, 255),
            ("tile/63/999", Some(63), 999, 256),
        ] {
            let t = TilePath::parse(path).unwrap();
            assert_eq!(t, TilePath { level, index, width }, "{path}");
            assert_eq!(t.render(), path);
        }
        for bad in [
            "tile/00/000",
            "tile/64/000",
            "tile/0/0",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/08",
            "tile/entries/1234",
            "tile/0/x1/000",
            "tile/0/",
            "tiles/0/000",
            "tile/entries",
            "tile/0/000.p/",
            "tile/+1/000",
            "tile/0/00a",
        ] {
            assert!(TilePath::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    proptest! {
        #[test]
        fn a_rendered_tile_path_reads_back(level in proptest::option::of(0u8..64), index in any::<u64>(), width in 1u16..=256) {
            let t = TilePath { level, index, width };
            prop_assert_eq!(TilePath::parse(&t.render()), Ok(t));
        }
    }

    #[test]
    fn a_tile_needs_the_tree_that_completes_its_hashes() {
        let t = TilePath::parse("tile/1/000.p/17").unwrap();
        assert_eq!(t.needs_size(), Some(17 * 256));
        assert_eq!(TilePath::parse("tile/0/001").unwrap().needs_size(), Some(512));
        assert_eq!(TilePath::parse("tile/63/000").unwrap().needs_size(), None);
    }
}
