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

/// The hash of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
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

/// Where proofs get hashes from: the hashes of complete, aligned subtrees. Level 0 is the leaf
/// hashes; the subtree at `(level, index)` covers leaves `index·2^level .. (index+1)·2^level`.
/// A log's notary stores these as leaves arrive, so that any proof for any tree size is
/// answered with O(log n) look-ups and no re-reading of the log.
pub trait NodeSource {
    /// A failure to read a node.
    type Error;
    /// The hash of the complete subtree at `(level, index)`.
    fn complete(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

impl NodeSource for Tree {
    type Error = ProofError;
    fn complete(&self, level: u32, index: u64) -> Result<Hash, ProofError> {
        // A complete subtree's hash is at its level only if its right edge is not carried
        // up unchanged; compute it from the leaves' level when it is not stored as such.
        let leaves = self.levels.first().ok_or(ProofError::Range)?;
        let width = 1u64 << level;
        let start = index * width;
        if start + width > leaves.len() as u64 {
            return Err(ProofError::Range);
        }
        Ok(self.levels[level as usize][index as usize])
    }
}

/// Why a proof could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    #[error("the leaf or tree size is out of range")]
    Range,
}

fn largest_power_of_two_below(n: u64) -> u64 {
    // n ≥ 2
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The tree hash of leaves `start..end` (`start` aligned to the largest power of two that
/// fits, as RFC 9162's recursion always gives).
pub fn range_hash<S: NodeSource>(source: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let n = end - start;
    if n == 0 {
        return Ok(Sha256::digest([]).into());
    }
    if n.is_power_of_two() && start.is_multiple_of(n) {
        return source.complete(n.trailing_zeros(), start / n);
    }
    let k = largest_power_of_two_below(n);
    let left = range_hash(source, start, start + k)?;
    let right = range_hash(source, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// The tree hash of the first `size` leaves.
pub fn root_at<S: NodeSource>(source: &S, size: u64) -> Result<Hash, S::Error> {
    range_hash(source, 0, size)
}

/// RFC 9162 §2.1.3.1: the inclusion proof of leaf `index` in the tree of the first `size`
/// leaves, bottom up.
pub fn inclusion_proof<S: NodeSource>(
    source: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, S::Error> {
    fn path<S: NodeSource>(
        s: &S,
        m: u64,
        start: u64,
        end: u64,
        out: &mut Vec<Hash>,
    ) -> Result<(), S::Error> {
        let n = end - start;
        if n <= 1 {
            return Ok(());
        }
        let k = largest_power_of_two_below(n);
        if m < k {
            path(s, m, start, start + k, out)?;
            out.push(range_hash(s, start + k, end)?);
        } else {
            path(s, m - k, start + k, end, out)?;
            out.push(range_hash(s, start, start + k)?);
        }
        Ok(())
    }
    let mut out = Vec::new();
    if index < size {
        path(source, index, 0, size, &mut out)?;
    }
    Ok(out)
}

/// RFC 9162 §2.1.4.1: the consistency proof between the trees of the first `old` and the first
/// `new` leaves (`0 < old ≤ new`).
pub fn consistency_proof<S: NodeSource>(
    source: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, S::Error> {
    fn subproof<S: NodeSource>(
        s: &S,
        m: u64,
        start: u64,
        end: u64,
        whole: bool,
        out: &mut Vec<Hash>,
    ) -> Result<(), S::Error> {
        let n = end - start;
        if m == n {
            if !whole {
                out.push(range_hash(s, start, end)?);
            }
            return Ok(());
        }
        let k = largest_power_of_two_below(n);
        if m <= k {
            subproof(s, m, start, start + k, whole, out)?;
            out.push(range_hash(s, start + k, end)?);
        } else {
            subproof(s, m - k, start + k, end, false, out)?;
            out.push(range_hash(s, start, start + k)?);
        }
        Ok(())
    }
    let mut out = Vec::new();
    if 0 < old && old < new {
        subproof(source, old, 0, new, true, &mut out)?;
    }
    Ok(out)
}

/// RFC 9162 §2.1.4.2: whether `proof` shows the tree of `old` leaves with hash `old_root` is a
/// prefix of the tree of `new` leaves with hash `new_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> bool {
    if old == 0 || old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (old - 1, new - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    fr == *old_root && sr == *new_root && sn == 0
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

    /// The reference test data of RFC 6962's authors (Certificate Transparency's
    /// `merkle_tree_test.cc`, carried on in transparency-dev/merkle's tests): eight leaves,
    /// the root of every prefix, and inclusion and consistency proofs.
    const CT_LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const CT_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    /// (leaf index, tree size, proof).
    const CT_INCLUSION: [(u64, u64, &[&str]); 4] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    /// (old size, new size, proof).
    const CT_CONSISTENCY: [(u64, u64, &[&str]); 4] = [
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];

    fn h(hex_text: &str) -> Hash {
        hex::decode(hex_text).unwrap().try_into().unwrap()
    }

    fn ct_tree() -> Tree {
        Tree::from_leaf_hashes(
            CT_LEAVES.iter().map(|l| leaf_hash(&hex::decode(l).unwrap())).collect(),
        )
    }

    #[test]
    fn the_certificate_transparency_reference_vectors_hold() {
        let tree = ct_tree();
        for (size, root) in (1..=8u64).zip(CT_ROOTS) {
            assert_eq!(root_at(&tree, size).unwrap(), h(root), "root of {size}");
        }
        for (index, size, proof) in CT_INCLUSION {
            let expected: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
            assert_eq!(inclusion_proof(&tree, index, size).unwrap(), expected);
            let leaf = leaf_hash(&hex::decode(CT_LEAVES[index as usize]).unwrap());
            assert!(verify_inclusion(
                &leaf,
                index,
                size,
                &expected,
                &h(CT_ROOTS[size as usize - 1])
            ));
        }
        for (old, new, proof) in CT_CONSISTENCY {
            let expected: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
            assert_eq!(consistency_proof(&tree, old, new).unwrap(), expected, "{old} → {new}");
            let (a, b) = (h(CT_ROOTS[old as usize - 1]), h(CT_ROOTS[new as usize - 1]));
            assert!(verify_consistency(old, new, &expected, &a, &b), "{old} → {new}");
            if old != new {
                assert!(!verify_consistency(old, new, &expected, &b, &b));
            }
        }
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
        fn every_consistency_proof_verifies_and_any_change_fails(
            new in 1u64..200,
            old in any::<prop::sample::Index>(),
            flip in any::<prop::sample::Index>(),
        ) {
            let leaves = leaves(new as usize);
            let tree = Tree::from_leaf_hashes(leaves.clone());
            let old = old.index(new as usize) as u64 + 1;
            let proof = consistency_proof(&tree, old, new).unwrap();
            let (a, b) = (mth(&leaves[..old as usize]), mth(&leaves));
            prop_assert_eq!(root_at(&tree, old).unwrap(), a);
            prop_assert!(verify_consistency(old, new, &proof, &a, &b));
            // The proof is O(log n).
            prop_assert!(proof.len() <= 2 * (64 - new.leading_zeros() as usize));
            let mut bad_old = a;
            bad_old[flip.index(32)] ^= 1;
            prop_assert!(!verify_consistency(old, new, &proof, &bad_old, &b));
            let mut bad_new = b;
            bad_new[flip.index(32)] ^= 1;
            prop_assert!(!verify_consistency(old, new, &proof, &a, &bad_new));
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let i = flip.index(bad.len());
                bad[i][0] ^= 1;
                prop_assert!(!verify_consistency(old, new, &bad, &a, &b));
            }
            // Generated inclusion proofs agree with the level-by-level ones.
            let m = flip.index(new as usize) as u64;
            prop_assert_eq!(inclusion_proof(&tree, m, new).unwrap(), tree.inclusion_path(m));
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
