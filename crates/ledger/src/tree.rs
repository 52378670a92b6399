//! The RFC 6962 tree over any store of complete nodes.
//!
//! Only *complete* (perfect) subtrees are ever stored: they never change once written, so a
//! database table of them is append-only. Ragged right edges are folded from complete nodes
//! on demand, which costs O(log n) reads.

use std::collections::{BTreeMap, HashMap};

use crate::error::TreeError;
use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// A complete subtree: at `level` L, `index` i covers leaves [i·2^L, (i+1)·2^L).
/// Level 0 nodes are the leaf hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The half-open range of leaves this node covers.
    pub fn leaves(self) -> std::ops::Range<u64> {
        (self.index << self.level)..((self.index + 1) << self.level)
    }

    /// Position of this node in the append-only "stored hash" order of Go `sumdb/tlog`
    /// (`StoredHashIndex`): appending leaf j writes its hash and then each parent it completes,
    /// so ids grow strictly and a tile is a contiguous range.
    pub fn stored_index(self) -> u64 {
        // The node is completed by the append of leaf j = last leaf it covers, right after
        // that leaf's hash and `level` lower parents.
        let j = ((self.index + 1) << self.level) - 1;
        stored_hash_count(j) + u64::from(self.level)
    }
}

/// Number of complete nodes in a tree of `size` leaves (= stored hashes): 2n − popcount(n).
pub fn stored_hash_count(size: u64) -> u64 {
    2 * size - u64::from(size.count_ones())
}

/// Anything that can return the hash of a complete node: a [`MemTree`], a map prefetched from
/// a database, or a database reader.
pub trait NodeSource {
    /// The hash of complete node `id`, or [`TreeError::MissingNode`] / [`TreeError::Source`].
    fn node(&self, id: NodeId) -> Result<Hash, TreeError>;
}

fn missing(id: NodeId) -> TreeError {
    TreeError::MissingNode {
        level: id.level,
        index: id.index,
    }
}

impl NodeSource for HashMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Result<Hash, TreeError> {
        self.get(&id).copied().ok_or_else(|| missing(id))
    }
}

impl NodeSource for BTreeMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Result<Hash, TreeError> {
        self.get(&id).copied().ok_or_else(|| missing(id))
    }
}

impl<T: NodeSource + ?Sized> NodeSource for &T {
    fn node(&self, id: NodeId) -> Result<Hash, TreeError> {
        (**self).node(id)
    }
}

/// The complete nodes, left to right, whose fold gives `MTH(D[start:end])` for an RFC 6962
/// subtree: one node per set bit of `end − start`, largest first. `start` must be aligned
/// (a multiple of the largest such node), which holds for every subtree RFC 6962 recursion
/// produces.
pub fn subtree_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::with_capacity((end - start).count_ones() as usize);
    push_subtree_nodes(start, end, &mut out);
    out
}

pub(crate) fn push_subtree_nodes(start: u64, end: u64, out: &mut Vec<NodeId>) {
    let mut at = start;
    let mut rem = end - start;
    while rem > 0 {
        let level = 63 - rem.leading_zeros();
        debug_assert_eq!(at % (1 << level), 0, "unaligned subtree");
        out.push(NodeId::new(level as u8, at >> level));
        at += 1 << level;
        rem -= 1 << level;
    }
}

/// Right fold of complete-subtree hashes (left to right) into one subtree hash.
pub(crate) fn fold_right(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
}

/// Root of the tree of the first `size` leaves, reading at most ⌈log2 size⌉ + 1 nodes.
pub fn root(source: &impl NodeSource, size: u64) -> Result<Hash, TreeError> {
    let hashes = subtree_nodes(0, size)
        .into_iter()
        .map(|id| source.node(id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(fold_right(&hashes).unwrap_or(EMPTY_ROOT))
}

/// Root over a batch of leaf hashes (an import's rows, a screening run's hits), in O(n) time
/// and O(log n) extra memory.
pub fn root_of(leaf_hashes: &[Hash]) -> Hash {
    let mut f = crate::frontier::Frontier::new();
    for h in leaf_hashes {
        f.append(*h);
    }
    f.root()
}

/// An in-memory tree: every complete node, level by level.
#[derive(Debug, Clone, Default)]
pub struct MemTree {
    levels: Vec<Vec<Hash>>,
}

impl MemTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves room for `leaves` leaves (about 2 × 32 bytes each) to avoid regrowth.
    pub fn with_capacity(leaves: u64) -> Self {
        let mut levels = Vec::new();
        let mut n = leaves;
        while n > 0 {
            levels.push(Vec::with_capacity(n as usize));
            n /= 2;
        }
        Self { levels }
    }

    /// Builds the tree from leaf hashes, level by level (faster than appending one by one).
    pub fn from_leaf_hashes(leaves: Vec<Hash>) -> Self {
        let mut levels = vec![leaves];
        loop {
            let below = levels.last().expect("at least one level");
            if below.len() < 2 {
                break;
            }
            let up: Vec<Hash> = below
                .chunks_exact(2)
                .map(|p| node_hash(&p[0], &p[1]))
                .collect();
            levels.push(up);
        }
        Self { levels }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash and returns the complete nodes this append created, lowest first:
    /// the leaf itself (level 0) and each parent it completed. Their [`NodeId::stored_index`]
    /// values are consecutive, starting at [`stored_hash_count`] of the old size.
    pub fn append(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let mut out = Vec::with_capacity(1 + self.size().trailing_ones() as usize);
        self.append_with(leaf, |id, h| out.push((id, h)));
        out
    }

    /// Appends a leaf hash without allocating.
    pub fn push(&mut self, leaf: Hash) {
        self.append_with(leaf, |_, _| {});
    }

    fn append_with(&mut self, leaf: Hash, mut created: impl FnMut(NodeId, Hash)) {
        let mut level = 0usize;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            let index = row.len() as u64 - 1;
            created(NodeId::new(level as u8, index), hash);
            if index.is_multiple_of(2) {
                break;
            }
            hash = node_hash(&row[row.len() - 2], &hash);
            level += 1;
        }
    }

    /// Root of the whole tree.
    pub fn current_root(&self) -> Hash {
        root(self, self.size()).expect("a MemTree holds every complete node")
    }

    /// All leaf hashes.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], |l| l.as_slice())
    }
}

impl NodeSource for MemTree {
    fn node(&self, id: NodeId) -> Result<Hash, TreeError> {
        self.levels
            .get(usize::from(id.level))
            .and_then(|l| l.get(usize::try_from(id.index).ok()?))
            .copied()
            .ok_or_else(|| missing(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    /// RFC 6962 MTH by direct recursion: the specification, for cross-checking.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_ROOT,
            1 => leaves[0],
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn roots_agree_with_recursive_definition() {
        let all = leaves(300);
        let mut t = MemTree::new();
        for n in 0..=300u64 {
            assert_eq!(root(&t, n).unwrap(), mth(&all[..n as usize]), "size {n}");
            assert_eq!(root_of(&all[..n as usize]), mth(&all[..n as usize]));
            if n < 300 {
                t.push(all[n as usize]);
            }
        }
        assert_eq!(
            MemTree::from_leaf_hashes(all.clone()).current_root(),
            mth(&all)
        );
    }

    #[test]
    fn append_reports_new_nodes_in_stored_order() {
        let mut t = MemTree::new();
        let mut next_id = 0u64;
        for (i, h) in leaves(1000).into_iter().enumerate() {
            let created = t.append(h);
            assert_eq!(created[0], (NodeId::new(0, i as u64), h));
            for (id, hash) in &created {
                assert_eq!(id.stored_index(), next_id);
                assert_eq!(t.node(*id).unwrap(), *hash);
                next_id += 1;
            }
            assert_eq!(next_id, stored_hash_count(t.size()));
        }
    }

    #[test]
    fn stored_index_matches_go_examples() {
        // Go sumdb/tlog order: leaf0=0, leaf1=1, (1,0)=2, leaf2=3, leaf3=4, (1,1)=5, (2,0)=6.
        let got: Vec<u64> = [
            (0, 0),
            (0, 1),
            (1, 0),
            (0, 2),
            (0, 3),
            (1, 1),
            (2, 0),
            (0, 4),
        ]
        .iter()
        .map(|&(l, i)| NodeId::new(l, i).stored_index())
        .collect();
        assert_eq!(got, vec![0, 1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn missing_nodes_are_reported() {
        let t = MemTree::from_leaf_hashes(leaves(3));
        assert_eq!(
            root(&t, 4),
            Err(TreeError::MissingNode { level: 2, index: 0 })
        );
        let m: HashMap<NodeId, Hash> = HashMap::new();
        assert!(matches!(root(&m, 1), Err(TreeError::MissingNode { .. })));
        assert_eq!(root(&m, 0).unwrap(), EMPTY_ROOT);
    }

    #[test]
    fn subtree_decomposition() {
        assert_eq!(subtree_nodes(0, 0), vec![]);
        assert_eq!(
            subtree_nodes(0, 7),
            vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]
        );
        assert_eq!(
            subtree_nodes(8, 13),
            vec![NodeId::new(2, 2), NodeId::new(0, 12)]
        );
        assert_eq!(NodeId::new(2, 3).leaves(), 12..16);
    }
}
