//! Witness cosignatures, C2SP `tlog-cosignature` Ed25519 `cosignature/v1` (type 0x04).
//!
//! A cosignature says "as of time T, this is the largest consistent tree head I have seen for
//! this origin". Verification happens in [`crate::open_note`] with a [`Verifier`] of kind
//! [`crate::KeyKind::CosignatureV1`]; the verified [`crate::SignatureInfo`] carries T.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::Signer as _;

use crate::error::NoteError;
use crate::note::{KeyKind, KeyPair, Verifier, check_text, parse_note};

/// The signed message: `cosignature/v1\ntime <T>\n` followed by the checkpoint body.
pub fn cosignature_message(body: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{body}").into_bytes()
}

/// A witness key (Ed25519, type 0x04). `Debug` hides the seed.
#[derive(Clone)]
pub struct Cosigner(KeyPair);

impl Cosigner {
    /// Derives the key from a caller-supplied 32-byte seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, NoteError> {
        KeyPair::from_seed(name, KeyKind::CosignatureV1, seed).map(Self)
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 ‖ seed)>` (the signed-note private key
    /// layout with the cosignature type byte; a project convention, the spec defines none).
    pub fn parse(skey: &str) -> Result<Self, NoteError> {
        KeyPair::parse(skey, KeyKind::CosignatureV1).map(Self)
    }

    /// The secret key text.
    pub fn to_skey(&self) -> String {
        self.0.to_skey()
    }

    /// The public verifier (vkey with type 0x04).
    pub fn verifier(&self) -> Verifier {
        self.0.verifier()
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn key_id(&self) -> u32 {
        self.0.key_id
    }

    /// The signature line for `body` at `timestamp` (POSIX seconds, at most 2^63 − 1).
    pub fn signature_line(&self, body: &str, timestamp: u64) -> Result<String, NoteError> {
        check_text(body)?;
        if timestamp > i64::MAX as u64 {
            return Err(NoteError::TimestampTooLarge { timestamp });
        }
        let sig = self.0.key.sign(&cosignature_message(body, timestamp));
        let mut bytes = Vec::with_capacity(72);
        bytes.extend_from_slice(&timestamp.to_be_bytes());
        bytes.extend_from_slice(&sig.to_bytes());
        Ok(self.0.line(&bytes))
    }
}

impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Cosigner {
    type Err = NoteError;
    fn from_str(s: &str) -> Result<Self, NoteError> {
        Self::parse(s)
    }
}

/// Adds `cosigner`'s cosignature to a signed note. The note must be well formed and not
/// already carry this key's signature. Checking the log signature and consistency with the
/// witness's previous checkpoint is the witness's job before calling this.
pub fn cosign(note: &str, cosigner: &Cosigner, timestamp: u64) -> Result<String, NoteError> {
    let parsed = parse_note(note)?;
    if parsed
        .signatures
        .iter()
        .any(|s| s.name == cosigner.name() && s.key_id == cosigner.key_id())
    {
        return Err(NoteError::DuplicateSignature {
            name: cosigner.name().to_string(),
            key_id: cosigner.key_id(),
        });
    }
    let line = cosigner.signature_line(&parsed.text, timestamp)?;
    let out = format!("{note}{line}");
    // Re-parse so the signature-count limit holds for the result too.
    parse_note(&out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{Signer, open_note, sign_note};

    const BODY: &str = "example.com/log\n3\nqINS1GRFhWHwdkUeqLEoP4ZjSqzvC6aVXrRtL6dCGgs=\n";

    #[test]
    fn cosign_and_verify_with_timestamp() {
        let log = Signer::from_seed("example.com/log", &[1; 32]).unwrap();
        let w = Cosigner::from_seed("witness.example/w1", &[2; 32]).unwrap();
        let note = sign_note(BODY, &[&log]).unwrap();
        let cosigned = cosign(&note, &w, 1_679_315_147).unwrap();
        let opened = open_note(&cosigned, &[log.verifier(), w.verifier()]).unwrap();
        assert_eq!(opened.verified.len(), 2);
        assert_eq!(opened.verified[1].timestamp, Some(1_679_315_147));
        assert_eq!(opened.verified[0].timestamp, None);
        // Key ids differ by type byte even for the same seed and name.
        let same = Cosigner::from_seed("example.com/log", &[1; 32]).unwrap();
        assert_ne!(same.key_id(), log.key_id());
        // The vkey text roundtrips with type 0x04.
        assert_eq!(
            Verifier::parse(&w.verifier().to_vkey()).unwrap(),
            w.verifier()
        );
        assert_eq!(Cosigner::parse(&w.to_skey()).unwrap().key_id(), w.key_id());
        assert!(Signer::parse(&w.to_skey()).is_err());
        assert!(Cosigner::parse(&log.to_skey()).is_err());
    }

    #[test]
    fn tampered_cosignature_fails() {
        let log = Signer::from_seed("example.com/log", &[1; 32]).unwrap();
        let w = Cosigner::from_seed("w", &[2; 32]).unwrap();
        let note = sign_note(BODY, &[&log]).unwrap();
        // A cosignature over a different body does not verify on this note.
        let other = "example.com/log\n4\nqINS1GRFhWHwdkUeqLEoP4ZjSqzvC6aVXrRtL6dCGgs=\n";
        let line = w.signature_line(other, 5).unwrap();
        let forged = format!("{note}{line}");
        assert!(matches!(
            open_note(&forged, &[log.verifier(), w.verifier()]),
            Err(NoteError::InvalidSignature { .. })
        ));
        // Unknown witness: ignored.
        let opened = open_note(&forged, &[log.verifier()]).unwrap();
        assert_eq!(opened.unverified[0].name, "w");
        assert!(matches!(
            cosign(&cosign(&note, &w, 1).unwrap(), &w, 2),
            Err(NoteError::DuplicateSignature { .. })
        ));
        assert!(matches!(
            w.signature_line(BODY, u64::MAX),
            Err(NoteError::TimestampTooLarge { .. })
        ));
    }

    #[test]
    fn message_layout() {
        assert_eq!(
            cosignature_message("o\n1\nAA==\n", 7),
            b"cosignature/v1\ntime 7\no\n1\nAA==\n".to_vec()
        );
    }
}
