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
}
