//! Inclusion and consistency proofs: generation over any [`NodeSource`] and verification that
//! needs nothing but the proof (RFC 9162 §2.1.3.2 and §2.1.4.2).
//!
//! Generation works in two steps so a database-backed store can fetch every node a proof
//! needs in one query: a [`ProofPlan`] lists the complete nodes, then [`ProofPlan::resolve`]
//! folds their hashes into proof elements. Each proof has at most one ragged element (the
//! right-edge subtree), so a plan reads O(log n) nodes.

use crate::error::{ProofError, TreeError};
use crate::hash::{Hash, hash_from_slice, node_hash};
use crate::tree::{NodeId, NodeSource, fold_right, push_subtree_nodes};

/// The complete nodes behind each element of a proof, in proof order (leaf side first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProofPlan {
    nodes: Vec<NodeId>,
    /// `nodes[ends[i-1]..ends[i]]` fold into proof element i.
    ends: Vec<usize>,
}

impl ProofPlan {
    /// Number of hashes in the resulting proof.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every node the proof needs (no duplicates): fetch these, then [`Self::resolve`].
    pub fn node_ids(&self) -> &[NodeId] {
        &self.nodes
    }

    /// Reads the nodes and builds the proof.
    pub fn resolve(&self, source: &impl NodeSource) -> Result<Vec<Hash>, TreeError> {
        let hashes = self
            .nodes
            .iter()
            .map(|&id| source.node(id))
            .collect::<Result<Vec<_>, _>>()?;
        let mut start = 0;
        Ok(self
            .ends
            .iter()
            .map(|&end| {
                let h = fold_right(&hashes[start..end]).expect("plan parts are non-empty");
                start = end;
                h
            })
            .collect())
    }

    /// Built top-down (root side first); reversed at the end into proof order.
    fn push_part(&mut self, start: u64, end: u64) {
        push_subtree_nodes(start, end, &mut self.nodes);
        self.ends.push(self.nodes.len());
    }

    fn into_proof_order(self) -> Self {
        let mut nodes = Vec::with_capacity(self.nodes.len());
        let mut ends = Vec::with_capacity(self.ends.len());
        for i in (0..self.ends.len()).rev() {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            nodes.extend_from_slice(&self.nodes[start..self.ends[i]]);
            ends.push(nodes.len());
        }
        Self { nodes, ends }
    }
}

/// Largest power of two strictly below `n` (n ≥ 2): RFC 6962's split point.
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Nodes for the inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 PATH).
pub fn inclusion_plan(index: u64, size: u64) -> Result<ProofPlan, TreeError> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    let mut plan = ProofPlan::default();
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split(hi - lo);
        if index < lo + k {
            plan.push_part(lo + k, hi);
            hi = lo + k;
        } else {
            plan.push_part(lo, lo + k);
            lo += k;
        }
    }
    Ok(plan.into_proof_order())
}

/// Nodes for the consistency proof from `old_size` to `new_size` (RFC 9162 SUBPROOF with
/// b = true). `old_size == new_size` gives an empty proof; `old_size == 0` is refused, since
/// verifiers reject it.
pub fn consistency_plan(old_size: u64, new_size: u64) -> Result<ProofPlan, TreeError> {
    if old_size == 0 || old_size > new_size {
        return Err(TreeError::BadSizes {
            old: old_size,
            new: new_size,
        });
    }
    let m = old_size;
    let mut plan = ProofPlan::default();
    let (mut lo, mut hi, mut whole_old_tree) = (0u64, new_size, true);
    loop {
        if m == hi {
            // The old tree's own subtree: omitted when it is the whole old tree (the verifier
            // already holds its root).
            if !whole_old_tree {
                plan.push_part(lo, hi);
            }
            break;
        }
        let k = split(hi - lo);
        if m <= lo + k {
            plan.push_part(lo + k, hi);
            hi = lo + k;
        } else {
            plan.push_part(lo, lo + k);
            lo += k;
            whole_old_tree = false;
        }
    }
    Ok(plan.into_proof_order())
}

/// Inclusion proof of leaf `index` in the tree of `size` leaves.
pub fn inclusion_proof(
    source: &impl NodeSource,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, TreeError> {
    inclusion_plan(index, size)?.resolve(source)
}

/// Consistency proof between the trees of `old_size` and `new_size` leaves.
pub fn consistency_proof(
    source: &impl NodeSource,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, TreeError> {
    consistency_plan(old_size, new_size)?.resolve(source)
}

/// Bit length of x (0 for 0).
fn bit_len(x: u64) -> u32 {
    64 - x.leading_zeros()
}

/// Expected inclusion proof length for `index` < `size`: one hash per level where the paths to
/// `index` and to the last leaf differ, plus one per left sibling on the shared right edge.
pub fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = bit_len(index ^ (size - 1));
    (inner + (index >> inner).count_ones()) as usize
}

/// Expected consistency proof length for 0 < `old` < `new`.
pub fn consistency_proof_len(old: u64, new: u64) -> usize {
    let shift = old.trailing_zeros();
    let (f, s) = ((old - 1) >> shift, (new - 1) >> shift);
    let inner = bit_len(f ^ s);
    let seed = usize::from(!old.is_power_of_two());
    seed + (inner + (f >> inner).count_ones()) as usize
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves with root `root`.
///
/// The proof binds index and root; some other sizes give the same proof shape, so `size` and
/// `root` must come together from a signed checkpoint.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(leaf_hash, index, size, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch {
            computed,
            expected: *root,
        });
    }
    Ok(())
}

/// The root implied by an inclusion proof; [`verify_inclusion`] compares it with a trusted root.
pub fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    // fn walks the path to the leaf, sn the path to the last leaf; where they coincide
    // (the right edge) a node without a right sibling is carried up unchanged.
    let (mut fnode, mut snode, mut r) = (index, size - 1, *leaf_hash);
    for p in proof {
        debug_assert!(
            snode != 0,
            "length check guarantees the walk ends at the root"
        );
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    debug_assert_eq!(snode, 0);
    Ok(r)
}

/// Verifies that the tree of `old_size` leaves with `old_root` is a prefix of the tree of
/// `new_size` leaves with `new_root`.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size == 0 {
        return Err(ProofError::ZeroOldSize);
    }
    if old_size > new_size {
        return Err(ProofError::OldSizeGreater {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::EqualSizesNonEmptyProof { len: proof.len() });
        }
        if old_root != new_root {
            return Err(ProofError::EqualSizesDifferentRoots);
        }
        return Ok(());
    }
    if proof.is_empty() {
        return Err(ProofError::EmptyProof);
    }
    let expected = consistency_proof_len(old_size, new_size);
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    // When the old tree is a perfect subtree, its root is the walk's starting node and the
    // proof omits it.
    let (seed, rest) = if old_size.is_power_of_two() {
        (*old_root, proof)
    } else {
        (proof[0], &proof[1..])
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        debug_assert!(snode != 0);
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    debug_assert_eq!(snode, 0);
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch {
            computed: fr,
            expected: *old_root,
        });
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch {
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}

/// [`verify_inclusion`] over byte strings of unchecked length, as decoded from JSON or base64
/// (the transparency-dev interface): any field that is not 32 bytes is an error.
pub fn verify_inclusion_slices(
    leaf_hash: &[u8],
    index: u64,
    size: u64,
    proof: &[&[u8]],
    root: &[u8],
) -> Result<(), ProofError> {
    let leaf = hash_from_slice(leaf_hash)?;
    let root = hash_from_slice(root)?;
    let proof = proof
        .iter()
        .map(|p| hash_from_slice(p))
        .collect::<Result<Vec<_>, _>>()?;
    verify_inclusion(&leaf, index, size, &proof, &root)
}

/// [`verify_consistency`] over byte strings of unchecked length. With equal sizes the roots
/// are only compared, never hashed, so (as upstream) any two equal byte strings pass; every
/// hash that enters a computation must be 32 bytes.
pub fn verify_consistency_slices(
    old_size: u64,
    new_size: u64,
    old_root: &[u8],
    new_root: &[u8],
    proof: &[&[u8]],
) -> Result<(), ProofError> {
    if old_size != 0 && old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::EqualSizesNonEmptyProof { len: proof.len() });
        }
        if old_root != new_root {
            return Err(ProofError::EqualSizesDifferentRoots);
        }
        return Ok(());
    }
    if old_size == 0 {
        return Err(ProofError::ZeroOldSize);
    }
    if old_size > new_size {
        return Err(ProofError::OldSizeGreater {
            old: old_size,
            new: new_size,
        });
    }
    let old_root = hash_from_slice(old_root)?;
    let new_root = hash_from_slice(new_root)?;
    let proof = proof
        .iter()
        .map(|p| hash_from_slice(p))
        .collect::<Result<Vec<_>, _>>()?;
    verify_consistency(old_size, new_size, &old_root, &new_root, &proof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontier::Frontier;
    use crate::hash::leaf_hash;
    use crate::tree::{MemTree, root, root_of};
    use proptest::prelude::*;

    fn tree(n: u64) -> MemTree {
        MemTree::from_leaf_hashes((0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect())
    }

    #[test]
    fn exhaustive_small_trees() {
        let t = tree(70);
        for size in 1..=70u64 {
            let r = root(&t, size).unwrap();
            for index in 0..size {
                let p = inclusion_proof(&t, index, size).unwrap();
                assert_eq!(p.len(), inclusion_proof_len(index, size));
                let leaf = t.leaf_hashes()[index as usize];
                verify_inclusion(&leaf, index, size, &p, &r).unwrap();
                assert!(verify_inclusion(&leaf, index, size * 2, &p, &r).is_err());
                if size > 1 {
                    let other = (index + 1) % size;
                    assert!(verify_inclusion(&leaf, other, size, &p, &r).is_err());
                }
            }
            for old in 1..=size {
                let p = consistency_proof(&t, old, size).unwrap();
                if old < size {
                    assert_eq!(p.len(), consistency_proof_len(old, size));
                }
                let or = root(&t, old).unwrap();
                verify_consistency(old, size, &or, &r, &p)
                    .unwrap_or_else(|e| panic!("{old}->{size}: {e}"));
            }
        }
    }

    #[test]
    fn plans_read_logarithmically_many_nodes() {
        let size = (1u64 << 40) + 12345;
        for index in [0, 1, size / 3, size - 2, size - 1] {
            let plan = inclusion_plan(index, size).unwrap();
            assert!(plan.node_ids().len() <= 2 * 41, "{}", plan.node_ids().len());
            assert_eq!(plan.len(), inclusion_proof_len(index, size));
        }
        for old in [1, 2, 3, size / 2, size - 1] {
            let plan = consistency_plan(old, size).unwrap();
            assert!(plan.node_ids().len() <= 2 * 42);
            assert_eq!(plan.len(), consistency_proof_len(old, size));
        }
    }

    #[test]
    fn generation_errors() {
        let t = tree(5);
        assert_eq!(
            inclusion_proof(&t, 5, 5),
            Err(TreeError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            consistency_proof(&t, 0, 5),
            Err(TreeError::BadSizes { old: 0, new: 5 })
        );
        assert_eq!(
            consistency_proof(&t, 4, 3),
            Err(TreeError::BadSizes { old: 4, new: 3 })
        );
        assert!(matches!(
            inclusion_proof(&t, 0, 9),
            Err(TreeError::MissingNode { .. })
        ));
    }

    #[test]
    fn verify_errors_are_precise() {
        let t = tree(6);
        let r = root(&t, 6).unwrap();
        let leaf = t.leaf_hashes()[2];
        let p = inclusion_proof(&t, 2, 6).unwrap();
        assert_eq!(
            verify_inclusion(&leaf, 6, 6, &p, &r),
            Err(ProofError::IndexOutOfRange { index: 6, size: 6 })
        );
        assert_eq!(
            verify_inclusion(&leaf, 2, 6, &p[..2], &r),
            Err(ProofError::WrongProofLength {
                expected: 3,
                got: 2
            })
        );
        assert!(matches!(
            verify_inclusion(&leaf, 2, 6, &p, &leaf),
            Err(ProofError::RootMismatch { .. })
        ));
        let r4 = root(&t, 4).unwrap();
        assert_eq!(
            verify_consistency(0, 6, &r4, &r, &[]),
            Err(ProofError::ZeroOldSize)
        );
        assert_eq!(
            verify_consistency(6, 4, &r, &r4, &[]),
            Err(ProofError::OldSizeGreater { old: 6, new: 4 })
        );
        assert_eq!(
            verify_consistency(6, 6, &r, &r4, &[]),
            Err(ProofError::EqualSizesDifferentRoots)
        );
        assert_eq!(
            verify_consistency(6, 6, &r, &r, &[r]),
            Err(ProofError::EqualSizesNonEmptyProof { len: 1 })
        );
        assert_eq!(
            verify_consistency(4, 6, &r4, &r, &[]),
            Err(ProofError::EmptyProof)
        );
        let (c, r3) = (consistency_proof(&t, 3, 6).unwrap(), root(&t, 3).unwrap());
        assert!(matches!(
            verify_consistency(3, 6, &r, &r, &c),
            Err(ProofError::OldRootMismatch { .. })
        ));
        assert!(matches!(
            verify_consistency(3, 6, &r3, &r3, &c),
            Err(ProofError::NewRootMismatch { .. })
        ));
        // Messages are bilingual.
        let msg = ProofError::ZeroOldSize.to_string();
        assert!(msg.contains(" / ") && msg.contains("旧树"));
    }

    fn flip(proof: &mut [Hash], which: usize, bit: usize) {
        let i = which % proof.len();
        proof[i][bit / 8 % 32] ^= 1 << (bit % 8);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn inclusion_proofs_verify_and_mutations_fail(
            size in 1u64..3000, seed in any::<u64>(), which in any::<usize>(), bit in 0usize..256,
        ) {
            let t = tree(size);
            let r = t.current_root();
            for index in [seed % size, (seed / 7) % size, size - 1] {
                let leaf = t.leaf_hashes()[index as usize];
                let p = inclusion_proof(&t, index, size).unwrap();
                prop_assert!(verify_inclusion(&leaf, index, size, &p, &r).is_ok());
                if !p.is_empty() {
                    let mut bad = p.clone();
                    flip(&mut bad, which, bit);
                    prop_assert!(verify_inclusion(&leaf, index, size, &bad, &r).is_err());
                    prop_assert!(verify_inclusion(&leaf, index, size, &p[..p.len() - 1], &r).is_err());
                    // Wrong index (any other leaf position) fails.
                    let other = (index + 1 + seed % (size - 1)) % size;
                    prop_assert!(verify_inclusion(&leaf, other, size, &p, &r).is_err());
                }
                let mut longer = p.clone();
                longer.push(r);
                prop_assert!(verify_inclusion(&leaf, index, size, &longer, &r).is_err());
                // Doubling or halving the size always changes the proof shape. (Some other
                // sizes share the shape, which is why a checkpoint signs size and root together.)
                prop_assert!(verify_inclusion(&leaf, index, size * 2, &p, &r).is_err());
                if index < size / 2 {
                    prop_assert!(verify_inclusion(&leaf, index, size / 2, &p, &r).is_err());
                }
                let mut bad_leaf = leaf;
                bad_leaf[bit / 8] ^= 1 << (bit % 8);
                prop_assert!(verify_inclusion(&bad_leaf, index, size, &p, &r).is_err());
            }
        }

        #[test]
        fn consistency_proofs_verify_and_mutations_fail(
            new in 2u64..3000, seed in any::<u64>(), which in any::<usize>(), bit in 0usize..256,
        ) {
            let t = tree(new);
            let old = 1 + seed % (new - 1);
            let (or, nr) = (root(&t, old).unwrap(), t.current_root());
            let p = consistency_proof(&t, old, new).unwrap();
            prop_assert!(verify_consistency(old, new, &or, &nr, &p).is_ok());
            let mut bad = p.clone();
            flip(&mut bad, which, bit);
            prop_assert!(verify_consistency(old, new, &or, &nr, &bad).is_err());
            prop_assert!(verify_consistency(old, new, &or, &nr, &p[..p.len() - 1]).is_err());
            let mut longer = p.clone();
            longer.push(nr);
            prop_assert!(verify_consistency(old, new, &or, &nr, &longer).is_err());
            prop_assert!(verify_consistency(old, new * 2, &or, &nr, &p).is_err());
            prop_assert!(verify_consistency(old, new, &nr, &or, &p).is_err());
        }

        #[test]
        fn every_proof_of_a_random_tree_verifies(size in 1u64..2500) {
            let t = tree(size);
            let r = t.current_root();
            let roots: Vec<Hash> = (0..=size).map(|m| root(&t, m).unwrap()).collect();
            for index in 0..size {
                let p = inclusion_proof(&t, index, size).unwrap();
                let leaf = t.leaf_hashes()[index as usize];
                prop_assert!(verify_inclusion(&leaf, index, size, &p, &r).is_ok(), "{}", index);
            }
            for old in 1..=size {
                let p = consistency_proof(&t, old, size).unwrap();
                let ok = verify_consistency(old, size, &roots[old as usize], &r, &p);
                prop_assert!(ok.is_ok(), "{} -> {}", old, size);
            }
        }

        #[test]
        fn frontier_memtree_and_root_of_agree(size in 0u64..3000) {
            let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            let mut f = Frontier::new();
            let mut m = MemTree::new();
            for h in &leaves {
                f.append(*h);
                m.push(*h);
            }
            prop_assert_eq!(f.root(), m.current_root());
            prop_assert_eq!(f.root(), root_of(&leaves));
            prop_assert_eq!(m.current_root(), MemTree::from_leaf_hashes(leaves).current_root());
        }
    }
}
