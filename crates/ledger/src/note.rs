//! C2SP signed notes with Ed25519: key ids, key text encodings, signing and opening.
//!
//! A note is text ending in `\n`, a blank line, then one or more lines
//! `— <key name> base64(key id[4] ‖ signature)`. The opener ignores unknown keys, rejects the
//! whole note if a known key's signature fails, and requires at least one verified signature.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::cosig::cosignature_message;
use crate::error::NoteError;

/// Signature type of Ed25519 note signatures.
pub const SIG_TYPE_ED25519: u8 = 0x01;
/// Signature type of Ed25519 `cosignature/v1` witness cosignatures (C2SP tlog-cosignature).
pub const SIG_TYPE_COSIGNATURE_V1: u8 = 0x04;
/// Most signature lines a note may carry (the spec requires accepting at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// Start of every signature line: EM DASH (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// What a key signs and how its signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Type 0x01: Ed25519 over the note text (the log's own checkpoint signature).
    Ed25519,
    /// Type 0x04: timestamped Ed25519 over `cosignature/v1\ntime T\n` ‖ text (a witness).
    CosignatureV1,
}

impl KeyKind {
    /// The signature type byte used in key ids and key texts.
    pub fn sig_type(self) -> u8 {
        match self {
            Self::Ed25519 => SIG_TYPE_ED25519,
            Self::CosignatureV1 => SIG_TYPE_COSIGNATURE_V1,
        }
    }

    fn from_sig_type(ty: u8) -> Result<Self, NoteError> {
        match ty {
            SIG_TYPE_ED25519 => Ok(Self::Ed25519),
            SIG_TYPE_COSIGNATURE_V1 => Ok(Self::CosignatureV1),
            _ => Err(NoteError::UnsupportedKeyType { ty }),
        }
    }
}

/// Key id: the first 4 bytes (big-endian) of SHA-256(name ‖ 0x0A ‖ type ‖ public key).
pub fn key_id(name: &str, sig_type: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', sig_type]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Key names are non-empty, without Unicode spaces, `+` or control characters.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidKeyName {
            name: name.to_string(),
        })
    }
}

fn parse_key_id(text: &str) -> Result<u32, NoteError> {
    let err = || NoteError::KeyIdHex {
        text: text.to_string(),
    };
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err());
    }
    u32::from_str_radix(text, 16).map_err(|_| err())
}

/// `type ‖ 32 bytes` from base64.
fn decode_typed_key(b64: &str) -> Result<(KeyKind, [u8; 32]), NoteError> {
    let bytes = B64.decode(b64).map_err(|_| NoteError::KeyBase64)?;
    let (&ty, key) = bytes.split_first().ok_or(NoteError::KeyLength {
        len: 0,
        expected: 33,
    })?;
    let kind = KeyKind::from_sig_type(ty)?;
    let key: [u8; 32] = key.try_into().map_err(|_| NoteError::KeyLength {
        len: key.len(),
        expected: 32,
    })?;
    Ok((kind, key))
}

fn encode_typed_key(kind: KeyKind, key: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(33);
    bytes.push(kind.sig_type());
    bytes.extend_from_slice(key);
    B64.encode(bytes)
}

/// An Ed25519 key pair with its name and id, shared by [`Signer`] and the witness
/// [`crate::Cosigner`].
#[derive(Clone)]
pub(crate) struct KeyPair {
    pub(crate) name: String,
    pub(crate) key_id: u32,
    pub(crate) kind: KeyKind,
    pub(crate) key: SigningKey,
}

impl KeyPair {
    pub(crate) fn from_seed(name: &str, kind: KeyKind, seed: &[u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let key_id = key_id(name, kind.sig_type(), key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_string(),
            key_id,
            kind,
            key,
        })
    }

    /// `PRIVATE+KEY+<name>+<hex id>+base64(type ‖ seed)`; `+` may occur in the base64, so
    /// split on the first four only.
    pub(crate) fn parse(text: &str, kind: KeyKind) -> Result<Self, NoteError> {
        let mut parts = text.splitn(5, '+');
        if parts.next() != Some("PRIVATE") || parts.next() != Some("KEY") {
            return Err(NoteError::KeyFormat {
                what: "应以 PRIVATE+KEY+ 开头 / must start with PRIVATE+KEY+",
            });
        }
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::KeyFormat {
                what: "应为 PRIVATE+KEY+名称+编号+密钥 / expected PRIVATE+KEY+name+id+key",
            });
        };
        check_name(name)?;
        let stated = parse_key_id(id)?;
        let (got_kind, seed) = decode_typed_key(b64)?;
        if got_kind != kind {
            return Err(NoteError::UnsupportedKeyType {
                ty: got_kind.sig_type(),
            });
        }
        let pair = Self::from_seed(name, kind, &seed)?;
        if pair.key_id != stated {
            return Err(NoteError::KeyIdMismatch {
                stated,
                computed: pair.key_id,
            });
        }
        Ok(pair)
    }

    pub(crate) fn to_skey(&self) -> String {
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            encode_typed_key(self.kind, self.key.as_bytes())
        )
    }

    pub(crate) fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            kind: self.kind,
            key: self.key.verifying_key(),
        }
    }

    /// `— name base64(id ‖ sig)\n`
    pub(crate) fn line(&self, sig: &[u8]) -> String {
        let mut bytes = Vec::with_capacity(4 + sig.len());
        bytes.extend_from_slice(&self.key_id.to_be_bytes());
        bytes.extend_from_slice(sig);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(bytes))
    }
}

impl fmt::Debug for KeyPair {
    // Never print the seed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}+{:08x} ({:?}, private)",
            self.name, self.key_id, self.kind
        )
    }
}

/// A log signing key (Ed25519, type 0x01). Its text form is secret; `Debug` hides the seed.
#[derive(Clone, Debug)]
pub struct Signer(pub(crate) KeyPair);

impl Signer {
    /// Derives the key from a 32-byte seed supplied by the caller (who owns randomness).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, NoteError> {
        KeyPair::from_seed(name, KeyKind::Ed25519, seed).map(Self)
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    pub fn parse(skey: &str) -> Result<Self, NoteError> {
        KeyPair::parse(skey, KeyKind::Ed25519).map(Self)
    }

    /// The secret key text. Store it with restrictive permissions; never log it.
    pub fn to_skey(&self) -> String {
        self.0.to_skey()
    }

    /// The matching public verifier.
    pub fn verifier(&self) -> Verifier {
        self.0.verifier()
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn key_id(&self) -> u32 {
        self.0.key_id
    }
}

impl FromStr for Signer {
    type Err = NoteError;
    fn from_str(s: &str) -> Result<Self, NoteError> {
        Self::parse(s)
    }
}

/// A public key trusted to verify notes: a log key (type 0x01) or a witness key (type 0x04).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    kind: KeyKind,
    key: VerifyingKey,
}

impl Verifier {
    /// Builds a verifier from its parts; the key id is computed.
    pub fn new(name: &str, kind: KeyKind, public_key: &[u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| NoteError::InvalidPublicKey)?;
        Ok(Self {
            name: name.to_string(),
            key_id: key_id(name, kind.sig_type(), public_key),
            kind,
            key,
        })
    }

    /// Parses `<name>+<hex id>+<base64(type ‖ public key)>`; `+` may occur in the base64, so
    /// split on the first two only.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::KeyFormat {
                what: "应为 名称+编号+公钥 / expected name+id+key",
            });
        };
        check_name(name)?;
        let stated = parse_key_id(id)?;
        let (kind, key) = decode_typed_key(b64)?;
        let computed = key_id(name, kind.sig_type(), &key);
        if computed != stated {
            return Err(NoteError::KeyIdMismatch { stated, computed });
        }
        Self::new(name, kind, &key)
    }

    /// The vkey text.
    pub fn to_vkey(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            encode_typed_key(self.kind, self.key.as_bytes())
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Checks one signature (without the key id) over `text`; returns the cosignature time.
    fn check(&self, text: &str, sig: &[u8]) -> Result<Option<u64>, ()> {
        // verify_strict also refuses small-order keys and non-canonical encodings, so a
        // signature cannot be re-encoded into a second valid one.
        match self.kind {
            KeyKind::Ed25519 => {
                let sig: &[u8; 64] = sig.try_into().map_err(|_| ())?;
                self.key
                    .verify_strict(text.as_bytes(), &Signature::from_bytes(sig))
                    .map(|()| None)
                    .map_err(|_| ())
            }
            KeyKind::CosignatureV1 => {
                let (ts, sig) = sig.split_first_chunk::<8>().ok_or(())?;
                let sig: &[u8; 64] = sig.try_into().map_err(|_| ())?;
                let ts = u64::from_be_bytes(*ts);
                if ts > i64::MAX as u64 {
                    return Err(());
                }
                let msg = cosignature_message(text, ts);
                self.key
                    .verify_strict(&msg, &Signature::from_bytes(sig))
                    .map(|()| Some(ts))
                    .map_err(|_| ())
            }
        }
    }
}

impl FromStr for Verifier {
    type Err = NoteError;
    fn from_str(s: &str) -> Result<Self, NoteError> {
        Self::parse(s)
    }
}

impl fmt::Display for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// One signature line of a note, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    /// The signature bytes after the 4-byte key id.
    pub signature: Vec<u8>,
}

/// A syntactically valid note, split into text and signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedNote {
    /// The signed text, with its final newline, without the blank separator line.
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

/// A signature that verified (or, in `unverified`, one by a key the opener does not know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInfo {
    pub name: String,
    pub key_id: u32,
    /// The cosignature time (POSIX seconds) for `cosignature/v1` lines.
    pub timestamp: Option<u64>,
}

/// A note whose signatures were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    pub text: String,
    /// Known keys whose signatures verified, in note order (never empty).
    pub verified: Vec<SignatureInfo>,
    /// Signatures by keys the opener does not know, ignored per the spec.
    pub unverified: Vec<SignatureInfo>,
}

impl OpenedNote {
    /// The verified signature of `verifier`, if the note carries one.
    pub fn verified_by(&self, verifier: &Verifier) -> Option<&SignatureInfo> {
        self.verified
            .iter()
            .find(|s| s.name == verifier.name && s.key_id == verifier.key_id)
    }
}

/// Rejects ASCII control characters other than newline, reporting the 1-based line.
fn check_controls(text: &str) -> Result<(), NoteError> {
    let mut line = 1;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        } else if (c as u32) < 0x20 {
            return Err(NoteError::ControlChar {
                line,
                code: c as u32,
            });
        }
    }
    Ok(())
}

/// Splits a note into text and signature lines, rejecting anything malformed.
pub fn parse_note(note: impl AsRef<[u8]>) -> Result<ParsedNote, NoteError> {
    let bytes = note.as_ref();
    let s = std::str::from_utf8(bytes).map_err(|e| NoteError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    check_controls(s)?;
    if !s.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    // The text may itself contain blank lines: the last one separates the signatures.
    let split = s.rfind("\n\n").ok_or(NoteError::MissingBlankLine)?;
    let text = &s[..=split];
    let block = &s[split + 2..];
    if block.is_empty() {
        return Err(NoteError::NoSignatures);
    }
    let lines: Vec<&str> = block[..block.len() - 1].split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            count: lines.len(),
            max: MAX_SIGNATURES,
        });
    }
    let first_line = text.matches('\n').count() + 2;
    let mut seen = HashSet::new();
    let mut signatures = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let line = first_line + i;
        let rest = l
            .strip_prefix(SIG_PREFIX)
            .ok_or(NoteError::NotSignatureLine { line })?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(NoteError::SignatureBase64 { line })?;
        if !is_valid_key_name(name) {
            return Err(NoteError::SignatureKeyName { line });
        }
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::SignatureBase64 { line })?;
        if raw.len() < 5 {
            return Err(NoteError::SignatureTooShort {
                line,
                len: raw.len(),
            });
        }
        let key_id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        if !seen.insert((name, key_id)) {
            return Err(NoteError::DuplicateSignature {
                name: name.to_string(),
                key_id,
            });
        }
        signatures.push(NoteSignature {
            name: name.to_string(),
            key_id,
            signature: raw[4..].to_vec(),
        });
    }
    Ok(ParsedNote {
        text: text.to_string(),
        signatures,
    })
}

/// Opens a signed note: every signature by a known key must verify, and at least one must.
pub fn open_note(note: impl AsRef<[u8]>, verifiers: &[Verifier]) -> Result<OpenedNote, NoteError> {
    let parsed = parse_note(note)?;
    let mut verified = Vec::new();
    let mut unverified = Vec::new();
    for sig in parsed.signatures {
        let known = verifiers
            .iter()
            .find(|v| v.name == sig.name && v.key_id == sig.key_id);
        let info = |timestamp| SignatureInfo {
            name: sig.name.clone(),
            key_id: sig.key_id,
            timestamp,
        };
        match known {
            None => unverified.push(info(None)),
            Some(v) => match v.check(&parsed.text, &sig.signature) {
                Ok(ts) => verified.push(info(ts)),
                Err(()) => {
                    return Err(NoteError::InvalidSignature {
                        name: sig.name,
                        key_id: sig.key_id,
                    });
                }
            },
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoVerifiableSignature);
    }
    Ok(OpenedNote {
        text: parsed.text,
        verified,
        unverified,
    })
}

/// Checks that `text` can be the text of a note.
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() {
        return Err(NoteError::EmptyText);
    }
    check_controls(text)?;
    if !text.ends_with('\n') {
        return Err(NoteError::MissingFinalNewline);
    }
    Ok(())
}

/// Signs `text` (non-empty, ending in `\n`, no control characters) with each signer.
pub fn sign_note(text: &str, signers: &[&Signer]) -> Result<String, NoteError> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::NoSigners);
    }
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            count: signers.len(),
            max: MAX_SIGNATURES,
        });
    }
    let mut out = String::with_capacity(text.len() + 1 + 100 * signers.len());
    out.push_str(text);
    out.push('\n');
    let mut seen = HashSet::new();
    for s in signers {
        if !seen.insert((s.name(), s.key_id())) {
            return Err(NoteError::DuplicateSignature {
                name: s.name().to_string(),
                key_id: s.key_id(),
            });
        }
        let sig = s.0.key.sign(text.as_bytes());
        out.push_str(&s.0.line(&sig.to_bytes()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PN_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PN_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";

    fn signer(name: &str, byte: u8) -> Signer {
        Signer::from_seed(name, &[byte; 32]).unwrap()
    }

    #[test]
    fn key_texts_roundtrip() {
        let s = Signer::parse(PN_SKEY).unwrap();
        assert_eq!(s.to_skey(), PN_SKEY);
        assert_eq!(s.verifier().to_vkey(), PN_VKEY);
        assert_eq!(Verifier::parse(PN_VKEY).unwrap(), s.verifier());
        assert_eq!(format!("{}", s.verifier()), PN_VKEY);
        assert!(
            !format!("{s:?}").contains("AYEK"),
            "Debug must not leak the seed"
        );
        let fresh = signer("jianguan.example.gov.cn/ledger/v1", 7);
        assert_eq!(
            Signer::parse(&fresh.to_skey()).unwrap().verifier(),
            fresh.verifier()
        );
    }

    #[test]
    fn every_truncation_and_increment_of_the_signer_key_is_rejected() {
        for i in 0..PN_SKEY.len() {
            assert!(Signer::parse(&PN_SKEY[..i]).is_err(), "prefix {i}");
            assert!(Signer::parse(&PN_SKEY[i + 1..]).is_err(), "suffix {i}");
            let mut b = PN_SKEY.as_bytes().to_vec();
            b[i] = b[i].wrapping_add(1);
            if let Ok(t) = String::from_utf8(b) {
                assert!(Signer::parse(&t).is_err(), "increment at {i}: {t}");
            }
        }
        for i in 0..PN_VKEY.len() {
            assert!(Verifier::parse(&PN_VKEY[..i]).is_err(), "vkey prefix {i}");
        }
    }

    #[test]
    fn key_errors_are_precise() {
        assert!(matches!(
            Verifier::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
            Err(NoteError::KeyIdMismatch {
                stated: 0xc74f20a4,
                computed: 0xc74f20a3
            })
        ));
        assert!(matches!(
            Verifier::parse("PeterNeumann+c74f20a3"),
            Err(NoteError::KeyFormat { .. })
        ));
        assert!(matches!(
            Verifier::parse("Peter Neumann+c74f20a3+ARpc"),
            Err(NoteError::InvalidKeyName { .. })
        ));
        assert!(matches!(
            Verifier::parse("PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
            Err(NoteError::KeyIdHex { .. })
        ));
        assert!(matches!(
            Verifier::parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T"),
            Err(NoteError::KeyBase64)
        ));
        assert!(matches!(
            Signer::parse(PN_VKEY),
            Err(NoteError::KeyFormat { .. })
        ));
        assert!(Signer::from_seed("a+b", &[1; 32]).is_err());
        assert!(Signer::from_seed("", &[1; 32]).is_err());
        assert!(Signer::from_seed("名 字", &[1; 32]).is_err());
    }

    #[test]
    fn sign_and_open_roundtrip_with_blank_lines_in_text() {
        let (a, b) = (signer("a.example/log", 1), signer("b.example/w", 2));
        for text in ["x\n", "a\n\nb\n", "ends blank\n\n", "中文 / English\n"] {
            let note = sign_note(text, &[&a, &b]).unwrap();
            let opened = open_note(&note, &[a.verifier()]).unwrap();
            assert_eq!(opened.text, text);
            assert_eq!(opened.verified.len(), 1);
            assert_eq!(opened.unverified[0].name, "b.example/w");
            assert!(opened.verified_by(&a.verifier()).is_some());
            assert!(opened.verified_by(&b.verifier()).is_none());
        }
    }

    #[test]
    fn sign_rejects_bad_input() {
        let a = signer("a", 1);
        assert_eq!(sign_note("", &[&a]), Err(NoteError::EmptyText));
        assert_eq!(sign_note("x", &[&a]), Err(NoteError::MissingFinalNewline));
        assert_eq!(sign_note("x\n", &[]), Err(NoteError::NoSigners));
        assert!(matches!(
            sign_note("x\ty\n", &[&a]),
            Err(NoteError::ControlChar { line: 1, code: 9 })
        ));
        assert!(matches!(
            sign_note("x\n", &[&a, &a]),
            Err(NoteError::DuplicateSignature { .. })
        ));
    }

    #[test]
    fn malformed_notes_are_rejected_precisely() {
        let a = signer("a", 1);
        let v = [a.verifier()];
        let good = sign_note("hello\nworld\n", &[&a]).unwrap();
        let sigline = good.lines().last().unwrap().to_string();
        let cases: Vec<(String, NoteError)> = vec![
            (
                format!("hello\nworld\n{sigline}\n"),
                NoteError::MissingBlankLine,
            ),
            (good.trim_end().to_string(), NoteError::MissingFinalNewline),
            ("hello\n\n".to_string(), NoteError::NoSignatures),
            (
                format!("{good}{sigline}\n"),
                NoteError::DuplicateSignature {
                    name: "a".into(),
                    key_id: a.key_id(),
                },
            ),
            (
                format!("{good}garbage\n"),
                NoteError::NotSignatureLine { line: 5 },
            ),
            (
                "hello\n\n\u{2014} a !!!!\n".to_string(),
                NoteError::SignatureBase64 { line: 3 },
            ),
            (
                "hello\n\n\u{2014} a AAAA\n".to_string(),
                NoteError::SignatureTooShort { line: 3, len: 3 },
            ),
            (
                "hello\n\n\u{2014} a+b AAAAAAAA\n".to_string(),
                NoteError::SignatureKeyName { line: 3 },
            ),
            (
                format!("hel\rlo\n\n{sigline}\n"),
                NoteError::ControlChar { line: 1, code: 13 },
            ),
            (
                format!("hello\n\n- {}\n", &sigline[4..]),
                NoteError::NotSignatureLine { line: 3 },
            ),
        ];
        for (note, want) in cases {
            assert_eq!(open_note(&note, &v), Err(want), "{note:?}");
        }
        // A non-canonical base64 signature (padding removed) is malformed.
        let unpadded = format!("{}\n", good.trim_end().trim_end_matches('='));
        assert!(matches!(
            open_note(&unpadded, &v),
            Err(NoteError::SignatureBase64 { .. })
        ));
        let mut bad_utf8 = vec![0xff];
        bad_utf8.extend_from_slice(good.as_bytes());
        assert_eq!(
            open_note(&bad_utf8, &v),
            Err(NoteError::NotUtf8 { offset: 0 })
        );
    }

    #[test]
    fn signature_by_another_key_under_the_same_name_is_unknown() {
        let real = signer("log", 1);
        let impostor = signer("log", 2);
        let note = sign_note("x\n", &[&impostor]).unwrap();
        assert_eq!(
            open_note(&note, &[real.verifier()]),
            Err(NoteError::NoVerifiableSignature)
        );
        // A signature line whose key id was altered names no known key.
        let good = sign_note("x\n", &[&real]).unwrap();
        let (head, b64) = good.rsplit_once(' ').unwrap();
        let mut raw = B64.decode(b64.trim_end()).unwrap();
        raw[0] ^= 0xff;
        let altered = format!("{head} {}\n", B64.encode(raw));
        assert_eq!(
            open_note(&altered, &[real.verifier()]),
            Err(NoteError::NoVerifiableSignature)
        );
        // Same name and same key id but a different key (a forged id) fails verification.
        let mut forged = impostor;
        forged.0.key_id = real.key_id();
        let note = sign_note("x\n", &[&forged]).unwrap();
        assert_eq!(
            open_note(&note, &[real.verifier()]),
            Err(NoteError::InvalidSignature {
                name: "log".into(),
                key_id: real.key_id()
            })
        );
    }

    #[test]
    fn sixteen_signatures_are_accepted() {
        let signers: Vec<Signer> = (0..16).map(|i| signer(&format!("k{i}"), i)).collect();
        let refs: Vec<&Signer> = signers.iter().collect();
        let note = sign_note(TEXT, &refs).unwrap();
        let vs: Vec<Verifier> = signers.iter().map(Signer::verifier).collect();
        assert_eq!(open_note(&note, &vs).unwrap().verified.len(), 16);
    }
}
