//! The right edge of the tree ("compact range"): one complete subtree hash per set bit of the
//! size. A writer that keeps only this O(log n) state can append and compute roots.

use std::collections::HashMap;

use crate::error::TreeError;
use crate::hash::{EMPTY_ROOT, HASH_LEN, Hash, node_hash};
use crate::proof::{consistency_proof, inclusion_proof};
use crate::tree::{NodeId, NodeSource, fold_right, subtree_nodes};

/// Right-edge stack of the tree: the complete subtrees whose concatenation is the whole tree,
/// largest (leftmost) first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash.
    pub fn append(&mut self, leaf: Hash) {
        self.append_with(leaf, |_, _| {});
    }

    /// Appends a leaf hash and calls `created` for each complete node the append produced,
    /// lowest first (the leaf, then each parent it completes): exactly the rows a store
    /// persists, in increasing [`NodeId::stored_index`] order.
    pub fn append_with(&mut self, leaf: Hash, mut created: impl FnMut(NodeId, &Hash)) {
        let mut hash = leaf;
        let mut index = self.size;
        let mut level = 0u8;
        created(NodeId::new(0, index), &hash);
        // Each trailing 1 bit of the old size is a same-sized left neighbour to merge with.
        for _ in 0..self.size.trailing_ones() {
            let left = self.hashes.pop().expect("one hash per set bit of size");
            hash = node_hash(&left, &hash);
            level += 1;
            index >>= 1;
            created(NodeId::new(level, index), &hash);
        }
        self.hashes.push(hash);
        self.size += 1;
    }

    /// Appends a batch of leaf hashes (one writer transaction). The result lists the node rows
    /// to persist and can prove, with no storage reads, every leaf of the batch at the new size
    /// and the consistency of the old size with the new one: every node those proofs need is
    /// either on the old frontier or created by the batch.
    pub fn append_batch(&mut self, leaves: &[Hash]) -> AppendedBatch {
        let old_size = self.size;
        let mut nodes: HashMap<NodeId, Hash> = self.nodes().collect();
        let mut created = Vec::with_capacity(2 * leaves.len() + 1);
        for leaf in leaves {
            self.append_with(*leaf, |id, h| created.push((id, *h)));
        }
        nodes.extend(created.iter().copied());
        AppendedBatch {
            old_size,
            new_size: self.size,
            root: self.root(),
            created,
            nodes,
        }
    }

    /// Root of the tree so far.
    pub fn root(&self) -> Hash {
        fold_right(&self.hashes).unwrap_or(EMPTY_ROOT)
    }

    /// The right-edge nodes with their ids, largest first.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, Hash)> + '_ {
        subtree_nodes(0, self.size)
            .into_iter()
            .zip(self.hashes.iter().copied())
    }

    /// Rebuilds the frontier of `size` leaves from stored nodes (popcount(size) reads), e.g. on
    /// writer start-up; compare [`Self::root`] with the last signed root before appending.
    pub fn from_source(source: &impl NodeSource, size: u64) -> Result<Self, TreeError> {
        let hashes = subtree_nodes(0, size)
            .into_iter()
            .map(|id| source.node(id))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { size, hashes })
    }

    /// Encoding: size as 8 bytes big-endian, then popcount(size) hashes, largest first.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + HASH_LEN * self.hashes.len());
        out.extend_from_slice(&self.size.to_be_bytes());
        for h in &self.hashes {
            out.extend_from_slice(h);
        }
        out
    }

    /// Strict inverse of [`Self::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TreeError> {
        let bad = || TreeError::FrontierEncoding { len: bytes.len() };
        let (size_bytes, rest) = bytes.split_first_chunk::<8>().ok_or_else(bad)?;
        let size = u64::from_be_bytes(*size_bytes);
        if rest.len() != HASH_LEN * size.count_ones() as usize {
            return Err(bad());
        }
        let hashes = rest
            .chunks_exact(HASH_LEN)
            .map(|c| c.try_into().expect("chunk of 32"))
            .collect();
        Ok(Self { size, hashes })
    }
}

/// The outcome of [`Frontier::append_batch`].
#[derive(Debug, Clone)]
pub struct AppendedBatch {
    pub old_size: u64,
    pub new_size: u64,
    /// Root at `new_size`.
    pub root: Hash,
    /// Complete nodes created by the batch, lowest first per leaf: persist exactly these; their
    /// [`NodeId::stored_index`] values run consecutively from `stored_hash_count(old_size)`.
    pub created: Vec<(NodeId, Hash)>,
    nodes: HashMap<NodeId, Hash>,
}

impl AppendedBatch {
    /// Inclusion proof of leaf `index` (in `old_size..new_size`) at `new_size`.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, TreeError> {
        if index < self.old_size {
            // Older leaves may need nodes this batch does not hold: use the stored tree.
            return Err(TreeError::NotInBatch {
                index,
                first: self.old_size,
            });
        }
        inclusion_proof(self, index, self.new_size)
    }

    /// Consistency proof from `old_size` (must be > 0) to `new_size`.
    pub fn consistency_proof(&self) -> Result<Vec<Hash>, TreeError> {
        consistency_proof(self, self.old_size, self.new_size)
    }
}

impl NodeSource for AppendedBatch {
    fn node(&self, id: NodeId) -> Result<Hash, TreeError> {
        self.nodes.node(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::MemTree;

    #[test]
    fn append_with_reports_same_nodes_as_memtree() {
        let mut f = Frontier::new();
        let mut m = MemTree::new();
        for i in 0..600u64 {
            let h = leaf_hash(&i.to_be_bytes());
            let mut from_frontier = Vec::new();
            f.append_with(h, |id, h| from_frontier.push((id, *h)));
            assert_eq!(from_frontier, m.append(h));
            assert_eq!(f.root(), m.current_root());
            for (id, h) in f.nodes() {
                assert_eq!(m.node(id).unwrap(), h);
            }
        }
    }

    #[test]
    fn batches_prove_their_own_leaves_without_storage() {
        use crate::proof::{verify_consistency, verify_inclusion};
        use crate::tree::root;
        let all: Vec<Hash> = (0..700u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let full = MemTree::from_leaf_hashes(all.clone());
        for (old, k) in [
            (0, 1),
            (0, 5),
            (1, 1),
            (5, 3),
            (64, 64),
            (100, 257),
            (255, 1),
            (333, 300),
        ] {
            let mut f = Frontier::from_source(&full, old).unwrap();
            let batch = f.append_batch(&all[old as usize..(old + k) as usize]);
            let new = old + k;
            assert_eq!(batch.root, root(&full, new).unwrap());
            let mut rows = MemTree::from_leaf_hashes(all[..old as usize].to_vec());
            let expected: Vec<_> = all[old as usize..new as usize]
                .iter()
                .flat_map(|h| rows.append(*h))
                .collect();
            assert_eq!(batch.created, expected);
            for i in old..new {
                let p = batch.inclusion_proof(i).unwrap();
                verify_inclusion(&all[i as usize], i, new, &p, &batch.root).unwrap();
            }
            if old > 0 {
                assert_eq!(
                    batch.inclusion_proof(old - 1),
                    Err(TreeError::NotInBatch {
                        index: old - 1,
                        first: old
                    })
                );
                let p = batch.consistency_proof().unwrap();
                let old_root = root(&full, old).unwrap();
                verify_consistency(old, new, &old_root, &batch.root, &p).unwrap();
            }
        }
    }

    #[test]
    fn rebuild_and_bytes_roundtrip() {
        let mut m = MemTree::new();
        let mut f = Frontier::new();
        for i in 0..77u64 {
            let h = leaf_hash(&i.to_be_bytes());
            m.push(h);
            f.append(h);
        }
        let rebuilt = Frontier::from_source(&m, 77).unwrap();
        assert_eq!(rebuilt, f);
        let bytes = f.to_bytes();
        assert_eq!(bytes.len(), 8 + 32 * 77u64.count_ones() as usize);
        assert_eq!(Frontier::from_bytes(&bytes).unwrap(), f);
        assert!(Frontier::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(Frontier::from_bytes(&[0u8; 7]).is_err());
        assert_eq!(Frontier::from_bytes(&[0u8; 8]).unwrap(), Frontier::new());
        // Appending after a rebuild continues the same tree.
        let mut g = Frontier::from_bytes(&bytes).unwrap();
        let h = leaf_hash(b"next");
        g.append(h);
        m.push(h);
        assert_eq!(g.root(), m.current_root());
    }
}
