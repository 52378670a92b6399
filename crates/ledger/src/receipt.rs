//! Offline receipts (取证凭据) in the C2SP `tlog-proof@v1` format, with the entry carried in
//! the `extra` line so that the verifier key alone suffices to check them.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64(entry bytes)>
//! index <N>
//! <base64 proof hash>…
//!
//! <signed checkpoint note, verbatim>
//! ```
//!
//! The spec calls `extra` unauthenticated; here it is authenticated by hashing it into the
//! leaf that the inclusion proof places in the signed tree.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::{Checkpoint, parse_size};
use crate::error::ReceiptError;
use crate::hash::{Hash, hash_from_base64, hash_to_base64, leaf_hash};
use crate::note::{OpenedNote, Verifier, open_note, parse_note};
use crate::proof::verify_inclusion;

/// First line of every receipt.
pub const RECEIPT_HEADER: &str = "c2sp.org/tlog-proof@v1";
/// An inclusion proof in a tree of at most 2^63 − 1 leaves has at most 63 hashes.
pub const MAX_PROOF_HASHES: usize = 63;

/// A parsed receipt (not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The entry bytes (canonical JSON in this ledger), or other opaque data.
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, with any cosignatures, exactly as issued.
    pub checkpoint: String,
}

/// A receipt that verified against the log key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    pub index: u64,
    pub entry: Vec<u8>,
    pub leaf_hash: Hash,
    pub checkpoint: Checkpoint,
    /// Which keys signed or cosigned the checkpoint.
    pub note: OpenedNote,
}

impl Receipt {
    /// A receipt carrying `entry` for leaf `index`, proven in `signed_checkpoint`.
    pub fn new(entry: &[u8], index: u64, proof: Vec<Hash>, signed_checkpoint: &str) -> Self {
        Self {
            extra: Some(entry.to_vec()),
            index,
            proof,
            checkpoint: signed_checkpoint.to_string(),
        }
    }

    /// The text form (write it to a `.tlog-proof` file).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(64 + 45 * self.proof.len() + self.checkpoint.len());
        out.push_str(RECEIPT_HEADER);
        out.push('\n');
        if let Some(extra) = &self.extra {
            out.push_str("extra ");
            out.push_str(&B64.encode(extra));
            out.push('\n');
        }
        out.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            out.push_str(&hash_to_base64(h));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Strict parse; the checkpoint note must be well formed (signatures are checked by
    /// [`Self::verify`]).
    pub fn parse(text: &str) -> Result<Self, ReceiptError> {
        let mut rest = text;
        let mut line_no = 0usize;
        let mut next_line = |rest: &mut &str| -> Option<(usize, String)> {
            let (line, tail) = rest.split_once('\n')?;
            *rest = tail;
            line_no += 1;
            Some((line_no, line.to_string()))
        };
        match next_line(&mut rest) {
            Some((_, l)) if l == RECEIPT_HEADER => {}
            _ => return Err(ReceiptError::BadHeader),
        }
        let (mut n, mut line) = next_line(&mut rest).ok_or(ReceiptError::BadIndex { line: 2 })?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(
                B64.decode(b64)
                    .map_err(|_| ReceiptError::BadExtra { line: n })?,
            );
            (n, line) = next_line(&mut rest).ok_or(ReceiptError::BadIndex { line: n + 1 })?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(|s| parse_size(s).ok())
            .ok_or(ReceiptError::BadIndex { line: n })?;
        let mut proof = Vec::new();
        loop {
            let (n, line) = next_line(&mut rest).ok_or(ReceiptError::MissingCheckpoint)?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(ReceiptError::TooManyProofLines {
                    count: proof.len() + 1,
                    max: MAX_PROOF_HASHES,
                });
            }
            proof
                .push(hash_from_base64(&line).map_err(|_| ReceiptError::BadProofLine { line: n })?);
        }
        if rest.is_empty() {
            return Err(ReceiptError::MissingCheckpoint);
        }
        parse_note(rest)?;
        Ok(Self {
            extra,
            index,
            proof,
            checkpoint: rest.to_string(),
        })
    }

    /// Verifies against the log key alone: see [`verify_receipt`].
    pub fn verify(&self, log_key: &Verifier) -> Result<VerifiedReceipt, ReceiptError> {
        self.verify_with_witnesses(log_key, &[], 0)
    }

    /// Verifies the log signature, the origin (= log key name), the inclusion of
    /// `leaf_hash(extra)` at `index`, and that at least `min_cosignatures` of `witnesses`
    /// cosigned the checkpoint.
    pub fn verify_with_witnesses(
        &self,
        log_key: &Verifier,
        witnesses: &[Verifier],
        min_cosignatures: usize,
    ) -> Result<VerifiedReceipt, ReceiptError> {
        let entry = self.extra.clone().ok_or(ReceiptError::MissingEntry)?;
        let mut keys = Vec::with_capacity(1 + witnesses.len());
        keys.push(log_key.clone());
        keys.extend_from_slice(witnesses);
        let note = open_note(&self.checkpoint, &keys)?;
        if note.verified_by(log_key).is_none() {
            return Err(ReceiptError::NotSignedByLog {
                key_name: log_key.name().to_string(),
            });
        }
        let checkpoint = Checkpoint::parse(&note.text)?;
        if checkpoint.origin != log_key.name() {
            return Err(ReceiptError::OriginMismatch {
                origin: checkpoint.origin,
                key_name: log_key.name().to_string(),
            });
        }
        let leaf = leaf_hash(&entry);
        verify_inclusion(
            &leaf,
            self.index,
            checkpoint.size,
            &self.proof,
            &checkpoint.root,
        )?;
        let cosigned = witnesses
            .iter()
            .filter(|w| note.verified_by(w).is_some())
            .count();
        if cosigned < min_cosignatures {
            return Err(ReceiptError::NotEnoughCosignatures {
                got: cosigned,
                need: min_cosignatures,
            });
        }
        Ok(VerifiedReceipt {
            index: self.index,
            entry,
            leaf_hash: leaf,
            checkpoint,
            note,
        })
    }
}

/// Parses and verifies a receipt with nothing but the log's verifier key: the checkpoint must
/// be signed by that key, its origin must equal the key name (the ledger's convention), and
/// the carried entry must be the leaf at `index` of the signed tree.
pub fn verify_receipt(receipt: &str, log_key: &Verifier) -> Result<VerifiedReceipt, ReceiptError> {
    Receipt::parse(receipt)?.verify(log_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosig::{Cosigner, cosign};
    use crate::error::{NoteError, ProofError};
    use crate::note::Signer;
    use crate::proof::inclusion_proof;
    use crate::tree::MemTree;

    const ORIGIN: &str = "jianguan.example.gov.cn/ledger/v1";

    fn setup(n: u64) -> (Signer, MemTree, Vec<Vec<u8>>, String) {
        let s = Signer::from_seed(ORIGIN, &[3; 32]).unwrap();
        let entries: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("{{\"action\":\"test\",\"i\":{i}}}").into_bytes())
            .collect();
        let mut t = MemTree::new();
        for e in &entries {
            t.push(leaf_hash(e));
        }
        let cp = Checkpoint::new(ORIGIN, n, t.current_root()).unwrap();
        let note = cp.sign(&[&s]).unwrap();
        (s, t, entries, note)
    }

    fn receipt(t: &MemTree, entries: &[Vec<u8>], note: &str, i: u64) -> Receipt {
        let p = inclusion_proof(t, i, t.size()).unwrap();
        Receipt::new(&entries[i as usize], i, p, note)
    }

    #[test]
    fn roundtrip_and_verify() {
        let (s, t, entries, note) = setup(11);
        for i in 0..11 {
            let r = receipt(&t, &entries, &note, i);
            let text = r.encode();
            assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
            assert_eq!(Receipt::parse(&text).unwrap(), r);
            let v = verify_receipt(&text, &s.verifier()).unwrap();
            assert_eq!(v.entry, entries[i as usize]);
            assert_eq!(v.checkpoint.size, 11);
        }
        // A one-leaf tree has an empty proof: the blank line follows the index directly.
        let (s1, t1, e1, n1) = setup(1);
        let text = receipt(&t1, &e1, &n1, 0).encode();
        assert!(text.contains("index 0\n\n"));
        verify_receipt(&text, &s1.verifier()).unwrap();
    }

    #[test]
    fn tampering_is_caught() {
        let (s, t, entries, note) = setup(9);
        let v = s.verifier();
        let good = receipt(&t, &entries, &note, 4);

        let mut r = good.clone();
        r.extra = Some(b"{\"action\":\"forged\",\"i\":4}".to_vec());
        assert!(matches!(
            r.verify(&v),
            Err(ReceiptError::Proof(ProofError::RootMismatch { .. }))
        ));

        let mut r = good.clone();
        r.index = 5;
        assert!(r.verify(&v).is_err());

        let mut r = good.clone();
        r.proof[0][0] ^= 1;
        assert!(r.verify(&v).is_err());

        let mut r = good.clone();
        r.extra = None;
        assert_eq!(r.verify(&v), Err(ReceiptError::MissingEntry));

        let other = Signer::from_seed(ORIGIN, &[4; 32]).unwrap();
        assert_eq!(
            good.verify(&other.verifier()),
            Err(ReceiptError::Note(NoteError::NoVerifiableSignature))
        );

        // Signed by the right key but claiming another origin.
        let cp = Checkpoint::new("other.example/log", 9, t.current_root()).unwrap();
        let mut r = good;
        r.checkpoint = cp.sign(&[&s]).unwrap();
        assert!(matches!(
            r.verify(&v),
            Err(ReceiptError::OriginMismatch { .. })
        ));
    }

    #[test]
    fn witness_quorum() {
        let (s, t, entries, note) = setup(5);
        let w1 = Cosigner::from_seed("w1.example", &[5; 32]).unwrap();
        let w2 = Cosigner::from_seed("w2.example", &[6; 32]).unwrap();
        let cosigned = cosign(&note, &w1, 1_700_000_000).unwrap();
        let mut r = receipt(&t, &entries, &cosigned, 2);
        let ws = [w1.verifier(), w2.verifier()];
        r.verify_with_witnesses(&s.verifier(), &ws, 1).unwrap();
        assert_eq!(
            r.verify_with_witnesses(&s.verifier(), &ws, 2),
            Err(ReceiptError::NotEnoughCosignatures { got: 1, need: 2 })
        );
        r.checkpoint = cosign(&r.checkpoint, &w2, 1_700_000_001).unwrap();
        let v = r.verify_with_witnesses(&s.verifier(), &ws, 2).unwrap();
        assert_eq!(v.note.verified.len(), 3);
        // Only witness signatures, no log signature.
        let body = Checkpoint::new(ORIGIN, 5, t.current_root())
            .unwrap()
            .to_body()
            .unwrap();
        let only_w = format!("{body}\n{}", w1.signature_line(&body, 1).unwrap());
        r.checkpoint = only_w;
        assert!(matches!(
            r.verify_with_witnesses(&s.verifier(), &ws, 0),
            Err(ReceiptError::NotSignedByLog { .. })
        ));
    }

    #[test]
    fn malformed_receipts_are_rejected_precisely() {
        let (_, t, entries, note) = setup(6);
        let good = receipt(&t, &entries, &note, 3).encode();
        let lines: Vec<&str> = good.split('\n').collect();
        let cases: Vec<(String, ReceiptError)> = vec![
            (
                good.replacen("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2", 1),
                ReceiptError::BadHeader,
            ),
            (
                good.replacen("extra ", "extra !", 1),
                ReceiptError::BadExtra { line: 2 },
            ),
            (
                good.replacen("index 3", "index 03", 1),
                ReceiptError::BadIndex { line: 3 },
            ),
            (
                good.replacen("index 3", "index -3", 1),
                ReceiptError::BadIndex { line: 3 },
            ),
            (
                good.replacen("index 3", "idx 3", 1),
                ReceiptError::BadIndex { line: 3 },
            ),
            (
                good.replacen(lines[3], "AAAA", 1),
                ReceiptError::BadProofLine { line: 4 },
            ),
            (lines[..5].join("\n"), ReceiptError::MissingCheckpoint),
            (
                format!("{}\n", lines[..6].join("\n")),
                ReceiptError::MissingCheckpoint,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Receipt::parse(&text), Err(want), "{text}");
        }
        let mut many = String::from("c2sp.org/tlog-proof@v1\nindex 0\n");
        for _ in 0..64 {
            many.push_str(&hash_to_base64(&[0; 32]));
            many.push('\n');
        }
        assert!(matches!(
            Receipt::parse(&many),
            Err(ReceiptError::TooManyProofLines { .. })
        ));
        let broken_note = good.replacen("\u{2014} ", "- ", 1);
        assert!(matches!(
            Receipt::parse(&broken_note),
            Err(ReceiptError::Note(NoteError::NotSignatureLine { .. }))
        ));
    }
}
