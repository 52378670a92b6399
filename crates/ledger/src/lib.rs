//! Tamper-evident ledger core of Qinglian (全过程留痕).
//!
//! Pure code: no files, network or database. Storage sits behind [`NodeSource`]; randomness
//! (key seeds) and time (cosignature timestamps) come from the caller.
//!
//! * [`hash`], [`tree`], [`proof`], [`frontier`]: the RFC 6962 / RFC 9162 Merkle tree, its
//!   inclusion and consistency proofs and their verifiers, so Go `sumdb/tlog`,
//!   `transparency-dev/merkle` and C2SP witnesses check this ledger unchanged.
//! * [`checkpoint`], [`note`], [`cosig`]: C2SP `tlog-checkpoint` bodies in C2SP `signed-note`
//!   envelopes with Ed25519, and `cosignature/v1` witness cosignatures.
//! * [`receipt`]: `c2sp.org/tlog-proof@v1` offline receipts that carry their entry.
//! * [`entry`]: canonical JSON for entries; [`canonical`] checks stored entries in one pass.

pub mod canonical;
pub mod checkpoint;
pub mod cosig;
pub mod entry;
pub mod error;
pub mod frontier;
pub mod hash;
pub mod note;
pub mod proof;
pub mod receipt;
pub mod tree;

pub use canonical::{NotCanonical, scan_canonical};
pub use checkpoint::{Checkpoint, MAX_TREE_SIZE};
pub use cosig::{Cosigner, cosign, cosignature_message};
pub use entry::{Entry, MAX_ENTRY_BYTES, canonical_json};
pub use error::{CheckpointError, EntryError, NoteError, ProofError, ReceiptError, TreeError};
pub use frontier::{AppendedBatch, Frontier};
pub use hash::{
    EMPTY_ROOT, Hash, hash_from_base64, hash_from_hex, hash_from_slice, hash_to_base64,
    hash_to_hex, leaf_hash, node_hash,
};
pub use note::{
    KeyKind, MAX_SIGNATURES, NoteSignature, OpenedNote, ParsedNote, SIG_TYPE_COSIGNATURE_V1,
    SIG_TYPE_ED25519, SignatureInfo, Signer, Verifier, is_valid_key_name, key_id, open_note,
    parse_note, sign_note,
};
pub use proof::{
    ProofPlan, consistency_plan, consistency_proof, consistency_proof_len, inclusion_plan,
    inclusion_proof, inclusion_proof_len, root_from_inclusion_proof, verify_consistency,
    verify_consistency_slices, verify_inclusion, verify_inclusion_slices,
};
pub use receipt::{RECEIPT_HEADER, Receipt, VerifiedReceipt, verify_receipt};
pub use tree::{MemTree, NodeId, NodeSource, root, root_of, stored_hash_count, subtree_nodes};
