//! RFC 9162 §2.1 Merkle trees: tree hashes, inclusion paths and their verification.
//!
//! Leaf hash `SHA-256(0x00 ‖ leaf)`, node hash `SHA-256(0x01 ‖ left ‖ right)`; a tree of `n > 1`
//! leaves splits at the largest power of two below `n`. The empty tree's hash is `SHA-256("")`.

use sha2::{Digest, Sha256};

/// A 32-byte hash.
pub type Hash = [u8; 32];

/// The hash of a leaf's bytes.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(leaf);
    hasher.finalize().into()
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// A whole tree kept level by level, to answer every leaf's inclusion path.
///
/// Pairing neighbours at each level and carrying a last unpaired node up unchanged builds
/// exactly RFC 9162's tree (split at the largest power of two below the size).
#[derive(Debug, Clone)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// Builds the tree over leaf hashes.
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let below = levels.last().map(Vec::as_slice).unwrap_or_default();
            let above = below
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => node_hash(left, right),
                    [alone] => *alone,
                    _ => [0; 32],
                })
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// The tree hash.
    pub fn root(&self) -> Hash {
        match self.levels.last() {
            Some(top) if top.len() == 1 => top[0],
            _ => Sha256::digest([]).into(),
        }
    }

    /// The inclusion path of leaf `index` (RFC 9162 §2.1.3.1), bottom up.
    pub fn inclusion_path(&self, index: u64) -> Vec<Hash> {
        let mut path = Vec::new();
        let mut idx = index as usize;
        for level in &self.levels[..self.levels.len().saturating_sub(1)] {
            let sibling = idx ^ 1;
            if sibling < level.len() {
                path.push(level[sibling]);
            }
            idx /= 2;
        }
        path
    }
}

/// Verifies that `leaf_hash` is leaf `index` of a tree of `size` leaves with hash `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    path: &[Hash],
    root: &Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// RFC 9162's recursive definition, for comparison.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = n.next_power_of_two() / 2;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = n.next_power_of_two() / 2;
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]));
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]));
            p
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&(i as u64).to_le_bytes())).collect()
    }

    #[test]
    fn known_root_of_the_empty_tree() {
        assert_eq!(
            hex::encode(Tree::from_leaf_hashes(Vec::new()).root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    proptest! {
        #[test]
        fn levels_match_the_recursive_definition(n in 1usize..70, m in any::<prop::sample::Index>()) {
            let leaves = leaves(n);
            let tree = Tree::from_leaf_hashes(leaves.clone());
            prop_assert_eq!(tree.root(), mth(&leaves));
            let m = m.index(n);
            prop_assert_eq!(tree.inclusion_path(m as u64), path(m, &leaves));
        }

        #[test]
        fn every_path_verifies_and_any_change_fails(n in 1usize..70, m in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()) {
            let leaves = leaves(n);
            let tree = Tree::from_leaf_hashes(leaves.clone());
            let m = m.index(n) as u64;
            let p = tree.inclusion_path(m);
            let root = tree.root();
            prop_assert!(verify_inclusion(&leaves[m as usize], m, n as u64, &p, &root));
            let mut bad_root = root;
            bad_root[flip.index(32)] ^= 1;
            prop_assert!(!verify_inclusion(&leaves[m as usize], m, n as u64, &p, &bad_root));
            if !p.is_empty() {
                let mut bad = p.clone();
                let i = flip.index(bad.len());
                bad[i][0] ^= 1;
                prop_assert!(!verify_inclusion(&leaves[m as usize], m, n as u64, &bad, &root));
            }
            if n > 1 {
                let other = (m + 1) % n as u64;
                prop_assert!(!verify_inclusion(&leaves[m as usize], other, n as u64, &p, &root));
            }
        }
    }
}
