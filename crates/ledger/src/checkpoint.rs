//! C2SP `tlog-checkpoint` bodies: `origin\nsize\nbase64(root)\n` plus optional extension lines.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::error::CheckpointError;
use crate::hash::{HASH_LEN, Hash, hash_to_base64};
use crate::note::{OpenedNote, Signer, Verifier, open_note, sign_note};

/// Largest accepted tree size: 2^63 − 1, so sizes fit SQL BIGINT and Go `int64`.
pub const MAX_TREE_SIZE: u64 = i64::MAX as u64;

/// A log's signed statement of (size, root). Extension lines are allowed by the spec but NOT
/// RECOMMENDED; the ledger writes none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Schema-less URL naming the log, e.g. `jianguan.example.gov.cn/ledger/v1`.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

fn check_line(line: &str, n: usize) -> Result<(), CheckpointError> {
    if line.is_empty() {
        return Err(CheckpointError::EmptyLine { line: n });
    }
    if line.chars().any(|c| c.is_control()) {
        return Err(CheckpointError::ControlChar { line: n });
    }
    Ok(())
}

fn check_origin(origin: &str) -> Result<(), CheckpointError> {
    if origin.is_empty() {
        return Err(CheckpointError::EmptyOrigin);
    }
    check_line(origin, 1)
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        check_origin(origin)?;
        if size > MAX_TREE_SIZE {
            return Err(CheckpointError::SizeTooLarge { size });
        }
        Ok(Self {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// The exact body text that is signed.
    pub fn to_body(&self) -> Result<String, CheckpointError> {
        check_origin(&self.origin)?;
        if self.size > MAX_TREE_SIZE {
            return Err(CheckpointError::SizeTooLarge { size: self.size });
        }
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            hash_to_base64(&self.root)
        );
        for (i, e) in self.extensions.iter().enumerate() {
            check_line(e, 4 + i)?;
            out.push_str(e);
            out.push('\n');
        }
        Ok(out)
    }

    /// Strict parse of a body: no empty lines, no control characters, decimal size without
    /// leading zeros and at most 2^63 − 1, canonical base64 of exactly 32 bytes.
    pub fn parse(body: &str) -> Result<Self, CheckpointError> {
        let text = body
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let lines: Vec<&str> = text.split('\n').collect();
        if lines.len() < 3 {
            return Err(CheckpointError::TooFewLines { got: lines.len() });
        }
        check_origin(lines[0])?;
        for (i, l) in lines.iter().enumerate().skip(1) {
            check_line(l, i + 1)?;
        }
        let size = parse_size(lines[1])?;
        let bad_root = || CheckpointError::BadRoot {
            text: lines[2].to_string(),
        };
        let root: Hash = B64
            .decode(lines[2])
            .ok()
            .filter(|b| b.len() == HASH_LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad_root)?;
        Ok(Self {
            origin: lines[0].to_string(),
            size,
            root,
            extensions: lines[3..].iter().map(|s| s.to_string()).collect(),
        })
    }

    /// Fails unless the checkpoint names the expected log.
    pub fn expect_origin(&self, expected: &str) -> Result<(), CheckpointError> {
        if self.origin == expected {
            Ok(())
        } else {
            Err(CheckpointError::OriginMismatch {
                expected: expected.to_string(),
                got: self.origin.clone(),
            })
        }
    }

    /// Signs the body as a note.
    pub fn sign(&self, signers: &[&Signer]) -> Result<String, CheckpointError> {
        Ok(sign_note(&self.to_body()?, signers)?)
    }

    /// Opens a signed checkpoint note and parses its body.
    pub fn open(note: &str, verifiers: &[Verifier]) -> Result<(Self, OpenedNote), CheckpointError> {
        let opened = open_note(note, verifiers)?;
        let cp = Self::parse(&opened.text)?;
        Ok((cp, opened))
    }
}

/// Decimal without leading zeros (except `0` itself), at most 2^63 − 1.
pub(crate) fn parse_size(text: &str) -> Result<u64, CheckpointError> {
    let bad = || CheckpointError::BadSize {
        text: text.to_string(),
    };
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return Err(bad());
    }
    let size: u64 = text.parse().map_err(|_| bad())?;
    if size > MAX_TREE_SIZE {
        return Err(CheckpointError::SizeTooLarge { size });
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn body_roundtrip() {
        let root = leaf_hash(b"hello world");
        let cp = Checkpoint::new("go.sum database tree", 123_456_789_012, root).unwrap();
        let body = cp.to_body().unwrap();
        assert_eq!(
            body,
            "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
        );
        assert_eq!(Checkpoint::parse(&body).unwrap(), cp);
        let mut ext = cp;
        ext.extensions = vec!["ext one".into(), "ext two".into()];
        assert_eq!(Checkpoint::parse(&ext.to_body().unwrap()).unwrap(), ext);
        assert!(ext.expect_origin("go.sum database tree").is_ok());
        assert_eq!(
            ext.expect_origin("other"),
            Err(CheckpointError::OriginMismatch {
                expected: "other".into(),
                got: "go.sum database tree".into()
            })
        );
    }

    #[test]
    fn malformed_bodies_are_rejected_precisely() {
        let r = "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=";
        let cases: Vec<(String, CheckpointError)> = vec![
            (format!("o\n1\n{r}"), CheckpointError::MissingFinalNewline),
            ("o\n1\n".into(), CheckpointError::TooFewLines { got: 2 }),
            (format!("\n1\n{r}\n"), CheckpointError::EmptyOrigin),
            (
                format!("o\n01\n{r}\n"),
                CheckpointError::BadSize { text: "01".into() },
            ),
            (
                format!("o\n+1\n{r}\n"),
                CheckpointError::BadSize { text: "+1".into() },
            ),
            (
                format!("o\n0xab\n{r}\n"),
                CheckpointError::BadSize {
                    text: "0xab".into(),
                },
            ),
            (
                format!("o\n99999999999999999999\n{r}\n"),
                CheckpointError::BadSize {
                    text: "99999999999999999999".into(),
                },
            ),
            (
                format!("o\n9223372036854775808\n{r}\n"),
                CheckpointError::SizeTooLarge { size: 1 << 63 },
            ),
            (
                "o\n1\nYWJjZGVm\n".into(),
                CheckpointError::BadRoot {
                    text: "YWJjZGVm".into(),
                },
            ),
            (
                "o\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=\n".into(),
                CheckpointError::BadRoot {
                    text: "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=".into(),
                },
            ),
            (
                format!("o\n1\n{r}\n\next\n"),
                CheckpointError::EmptyLine { line: 4 },
            ),
            (
                format!("o\r\n1\n{r}\n"),
                CheckpointError::ControlChar { line: 1 },
            ),
            (
                format!("o\n1\n{r}\nx\ty\n"),
                CheckpointError::ControlChar { line: 4 },
            ),
        ];
        for (body, want) in cases {
            assert_eq!(Checkpoint::parse(&body), Err(want), "{body:?}");
        }
        assert_eq!(parse_size("0").unwrap(), 0);
        assert!(Checkpoint::new("", 1, [0; 32]).is_err());
        assert!(Checkpoint::new("a\nb", 1, [0; 32]).is_err());
        assert!(Checkpoint::new("o", u64::MAX, [0; 32]).is_err());
    }

    #[test]
    fn sign_and_open() {
        let s = Signer::from_seed("example.com/log", &[9; 32]).unwrap();
        let cp = Checkpoint::new("example.com/log", 42, leaf_hash(b"x")).unwrap();
        let note = cp.sign(&[&s]).unwrap();
        let (got, opened) = Checkpoint::open(&note, &[s.verifier()]).unwrap();
        assert_eq!(got, cp);
        assert_eq!(opened.verified[0].name, "example.com/log");
        let tampered = note.replacen("\n42\n", "\n43\n", 1);
        assert!(matches!(
            Checkpoint::open(&tampered, &[s.verifier()]),
            Err(CheckpointError::Note(
                crate::NoteError::InvalidSignature { .. }
            ))
        ));
    }
}
