//! The stream map: a sparse Merkle tree from stream id to stream head, for proofs that a
//! stream's history is complete (its head is this version and event) or that a stream does not
//! exist, as of a checkpoint (schemas/SPEC.md §9).
//!
//! Keys are `SHA-256(stream id)`, read as 256 bits from the most significant. The tree is
//! compressed: an empty subtree hashes to 32 zero bytes, a subtree holding exactly one entry
//! hashes to that entry's leaf hash wherever it sits, and any other subtree to
//! `SHA-256(0x01 ‖ left ‖ right)`. A leaf hash is
//! `SHA-256(0x00 ‖ key ‖ version (u64 big-endian) ‖ last event id)`.
//!
//! A proof for a key lists the sibling hashes from the root down to where the key's path ends:
//! at an empty subtree (the key is absent), at its own leaf (present, with that head), or at
//! another key's leaf that shares the path so far (absent).

use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// The hash of an empty subtree.
pub const EMPTY: Hash = [0; 32];

/// The map key of a stream id.
pub fn key_of(stream: &str) -> Hash {
    Sha256::digest(stream.as_bytes()).into()
}

/// A stream head as the map holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Head {
    pub version: u64,
    pub last: Hash,
}

/// The leaf hash of a key and head.
pub fn leaf_hash(key: &Hash, head: &Head) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(key);
    h.update(head.version.to_be_bytes());
    h.update(head.last);
    h.finalize().into()
}

fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

fn bit(key: &Hash, depth: usize) -> bool {
    key[depth / 8] & (0x80 >> (depth % 8)) != 0
}

/// The root of the map over `entries`, which must be sorted by key with no key twice.
pub fn root(entries: &[(Hash, Head)]) -> Hash {
    fn build(entries: &[(Hash, Head)], depth: usize) -> Hash {
        match entries {
            [] => EMPTY,
            [(key, head)] => leaf_hash(key, head),
            _ if depth >= 256 => EMPTY, // unreachable with distinct keys
            _ => {
                let split = entries.partition_point(|(k, _)| !bit(k, depth));
                node_hash(
                    &build(&entries[..split], depth + 1),
                    &build(&entries[split..], depth + 1),
                )
            }
        }
    }
    build(entries, 0)
}

/// Where a key's path ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Terminal {
    /// An empty subtree: the key is absent.
    Empty,
    /// A subtree holding one entry: the key's own (present) or another's (the key is absent).
    Leaf { key: Hash, head: Head },
}

/// A proof for one key: sibling hashes from the root down, and where the path ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapProof {
    pub siblings: Vec<Hash>,
    pub terminal: Terminal,
}

/// The proof for `key` in the map over `entries` (sorted by key, no key twice).
pub fn prove(entries: &[(Hash, Head)], key: &Hash) -> MapProof {
    let mut siblings = Vec::new();
    let mut range = entries;
    let mut depth = 0;
    loop {
        match range {
            [] => return MapProof { siblings, terminal: Terminal::Empty },
            [(k, head)] => {
                return MapProof { siblings, terminal: Terminal::Leaf { key: *k, head: *head } };
            }
            _ => {
                let split = range.partition_point(|(k, _)| !bit(k, depth));
                let (left, right) = range.split_at(split);
                if bit(key, depth) {
                    siblings.push(root_at_depth(left, depth + 1));
                    range = right;
                } else {
                    siblings.push(root_at_depth(right, depth + 1));
                    range = left;
                }
                depth += 1;
            }
        }
    }
}

fn root_at_depth(entries: &[(Hash, Head)], depth: usize) -> Hash {
    match entries {
        [] => EMPTY,
        [(key, head)] => leaf_hash(key, head),
        _ => {
            let split = entries.partition_point(|(k, _)| !bit(k, depth));
            node_hash(
                &root_at_depth(&entries[..split], depth + 1),
                &root_at_depth(&entries[split..], depth + 1),
            )
        }
    }
}

/// What a verified proof shows about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The key's head in the map.
    Present(Head),
    /// The key is not in the map.
    Absent,
}

/// Checks `proof` for `key` against `map_root`; returns what it shows, or `None` if it does
/// not verify.
pub fn verify(map_root: &Hash, key: &Hash, proof: &MapProof) -> Option<Shown> {
    let depth = proof.siblings.len();
    if depth > 256 {
        return None;
    }
    let (mut hash, shown) = match &proof.terminal {
        Terminal::Empty => (EMPTY, Shown::Absent),
        Terminal::Leaf { key: k, head } => {
            // Another key's leaf stands where this key's path ends only if it shares the path.
            if (0..depth).any(|d| bit(k, d) != bit(key, d)) {
                return None;
            }
            let shown = if k == key { Shown::Present(*head) } else { Shown::Absent };
            (leaf_hash(k, head), shown)
        }
    };
    // A compressed tree never has a single entry beside an empty sibling: such a proof is
    // not of this tree.
    for (d, sibling) in proof.siblings.iter().enumerate().rev() {
        hash = if bit(key, d) { node_hash(sibling, &hash) } else { node_hash(&hash, sibling) };
    }
    (hash == *map_root).then_some(shown)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn entries(n: usize, salt: u8) -> Vec<(Hash, Head)> {
        let mut out: Vec<(Hash, Head)> = (0..n)
            .map(|i| {
                (
                    key_of(&format!("task:s{salt}:{i}")),
                    Head { version: i as u64 + 1, last: [salt; 32] },
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn the_empty_map_and_a_single_entry() {
        assert_eq!(root(&[]), EMPTY);
        let one = entries(1, 1);
        assert_eq!(root(&one), leaf_hash(&one[0].0, &one[0].1));
        let proof = prove(&one, &one[0].0);
        assert_eq!(verify(&root(&one), &one[0].0, &proof), Some(Shown::Present(one[0].1)));
        let other = key_of("task:nothing");
        assert_eq!(verify(&root(&one), &other, &prove(&one, &other)), Some(Shown::Absent));
    }

    proptest! {
        #[test]
        fn presence_and_absence_proofs_verify_and_any_change_fails(
            n in 1usize..300,
            pick in any::<prop::sample::Index>(),
            flip in any::<prop::sample::Index>(),
        ) {
            let map = entries(n, 7);
            let r = root(&map);
            let (key, head) = map[pick.index(n)];
            let proof = prove(&map, &key);
            prop_assert_eq!(verify(&r, &key, &proof), Some(Shown::Present(head)));
            // O(log n) siblings, not 256.
            prop_assert!(proof.siblings.len() <= 4 * (64 - (n as u64).leading_zeros() as usize) + 8);
            // Another head for the same key fails.
            let mut lie = proof.clone();
            lie.terminal = Terminal::Leaf { key, head: Head { version: head.version + 1, last: head.last } };
            prop_assert_eq!(verify(&r, &key, &lie), None);
            // Claiming absence of a present key fails.
            let mut hide = proof.clone();
            hide.terminal = Terminal::Empty;
            prop_assert_eq!(verify(&r, &key, &hide), None);
            // A flipped bit anywhere in a sibling or the root fails.
            if !proof.siblings.is_empty() {
                let mut bad = proof.clone();
                let i = flip.index(bad.siblings.len());
                bad.siblings[i][flip.index(32)] ^= 1;
                prop_assert_eq!(verify(&r, &key, &bad), None);
            }
            let mut bad_root = r;
            bad_root[flip.index(32)] ^= 1;
            prop_assert_eq!(verify(&bad_root, &key, &proof), None);
            // An absent key has a verifying absence proof, and no presence can be forged for it.
            let absent = key_of(&format!("task:absent:{}", flip.index(1000)));
            let proof = prove(&map, &absent);
            prop_assert_eq!(verify(&r, &absent, &proof), Some(Shown::Absent));
            let mut forged = proof.clone();
            forged.terminal = Terminal::Leaf { key: absent, head: Head { version: 1, last: [0; 32] } };
            prop_assert_eq!(verify(&r, &absent, &forged), None);
        }

        #[test]
        fn the_root_does_not_depend_on_how_entries_arrived(n in 0usize..100) {
            let map = entries(n, 3);
            let mut shuffled = map.clone();
            shuffled.reverse();
            shuffled.sort();
            prop_assert_eq!(root(&map), root(&shuffled));
            // Changing one head changes the root.
            if n > 0 {
                let mut changed = map.clone();
                changed[0].1.version += 1;
                prop_assert_ne!(root(&map), root(&changed));
            }
        }
    }
}
