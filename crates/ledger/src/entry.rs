//! Canonical JSON for ledger entries: RFC 8785 (JCS) in a strict profile.
//!
//! The ledger stores the exact bytes and hashes them; it never re-serialises to verify. Two
//! encodings of one event would be two different leaves, so anything that has more than one
//! spelling is refused instead of normalised: floats, nulls, integers beyond ±(2^53 − 1)
//! (other JCS implementations read numbers as doubles), text not in NFC, and (through the
//! byte comparison in [`Entry::from_canonical_bytes`]) duplicate keys, other key orders,
//! whitespace and escapes.

use serde::Serialize;
use serde_json::Value;
use unicode_normalization::is_nfc;

use crate::error::EntryError;
use crate::hash::{Hash, leaf_hash};

/// Largest entry in bytes: the tlog-tiles entry-bundle limit (16-bit length prefix).
pub const MAX_ENTRY_BYTES: usize = 65_535;
/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 32;
/// Largest integer magnitude that every JSON reader keeps exact (2^53 − 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// One ledger entry: canonical JSON bytes, exactly as hashed into the leaf.
///
/// **Entries hold references and hashes of personal data, never the data itself.** The log
/// can never be edited, and checkpoints and receipts travel outside the system, so a name,
/// ID number or phone number written here could never be erased (PIPL). Record who acted, when,
/// why and on which record, with people identified by a keyed hash such as
/// `HMAC-SHA256(k_tenant, 身份证号)` and documents by a salted SHA-256 whose salt lives in a
/// deletable store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    bytes: Vec<u8>,
}

impl Entry {
    /// Canonicalises a JSON object.
    pub fn from_value(value: &Value) -> Result<Self, EntryError> {
        if !value.is_object() {
            return Err(EntryError::NotObject);
        }
        Ok(Self {
            bytes: canonical_json(value)?,
        })
    }

    /// Canonicalises any serialisable record (it must serialise to a JSON object).
    pub fn from_serialize<T: Serialize + ?Sized>(record: &T) -> Result<Self, EntryError> {
        let value = serde_json::to_value(record).map_err(|e| EntryError::Json(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Accepts bytes only if they already are the canonical form (canonical-or-reject).
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, EntryError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EntryError::TooLarge {
                size: bytes.len(),
                max: MAX_ENTRY_BYTES,
            });
        }
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| EntryError::Json(e.to_string()))?;
        let canonical = Self::from_value(&value)?;
        if canonical.bytes != bytes {
            let offset = canonical
                .bytes
                .iter()
                .zip(bytes)
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| canonical.bytes.len().min(bytes.len()));
            return Err(EntryError::NotCanonical { offset });
        }
        Ok(canonical)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The RFC 6962 leaf hash of the bytes.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.bytes)
    }

    /// The entry as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.bytes).expect("entries are valid JSON")
    }
}

/// Canonical bytes of `value`: keys sorted by UTF-16 code units, no insignificant whitespace,
/// JCS string escaping, integers only; at most [`MAX_ENTRY_BYTES`].
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, EntryError> {
    let mut out = Vec::with_capacity(256);
    let mut path = Vec::new();
    write_value(value, &mut out, &mut path)?;
    if out.len() > MAX_ENTRY_BYTES {
        return Err(EntryError::TooLarge {
            size: out.len(),
            max: MAX_ENTRY_BYTES,
        });
    }
    Ok(out)
}

/// JSON Pointer (RFC 6901) of the current position, for error messages.
fn pointer(path: &[String]) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    path.iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect()
}

fn write_value(v: &Value, out: &mut Vec<u8>, path: &mut Vec<String>) -> Result<(), EntryError> {
    if path.len() > MAX_DEPTH {
        return Err(EntryError::TooDeep {
            path: pointer(path),
            max: MAX_DEPTH,
        });
    }
    match v {
        Value::Null => {
            return Err(EntryError::Null {
                path: pointer(path),
            });
        }
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            let text = if let Some(i) = n.as_i64() {
                (i.unsigned_abs() <= MAX_SAFE_INTEGER).then(|| i.to_string())
            } else if let Some(u) = n.as_u64() {
                (u <= MAX_SAFE_INTEGER).then(|| u.to_string())
            } else {
                return Err(EntryError::Float {
                    path: pointer(path),
                });
            };
            let text = text.ok_or_else(|| EntryError::UnsafeInteger {
                path: pointer(path),
            })?;
            out.extend_from_slice(text.as_bytes());
        }
        Value::String(s) => write_string(s, out, path)?,
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                path.push(i.to_string());
                write_value(item, out, path)?;
                path.pop();
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            // RFC 8785 orders keys by UTF-16 code units, not by UTF-8 bytes.
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                path.push(k.clone());
                write_string(k, out, path)?;
                out.push(b':');
                write_value(&map[k], out, path)?;
                path.pop();
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>, path: &[String]) -> Result<(), EntryError> {
    if !is_nfc(s) {
        return Err(EntryError::NotNfc {
            path: pointer(path),
        });
    }
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: &Value) -> String {
        String::from_utf8(canonical_json(v).unwrap()).unwrap()
    }

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let v = json!({"b": 1, "a": {"z": [true, false, "x"], "y": -5}, "A": "q"});
        assert_eq!(
            canon(&v),
            r#"{"A":"q","a":{"y":-5,"z":[true,false,"x"]},"b":1}"#
        );
    }

    #[test]
    fn utf16_key_order() {
        // U+1F600 (surrogates 0xD83D 0xDE00) sorts before U+FF61 in UTF-16, after it in UTF-8.
        let v = json!({"\u{FF61}": 2, "\u{1F600}": 1, "a": 3});
        assert_eq!(canon(&v), "{\"a\":3,\"\u{1F600}\":1,\"\u{FF61}\":2}");
    }

    #[test]
    fn jcs_string_escapes() {
        let v = json!({"s": "q\"b\\\u{8}\t\n\u{c}\r\u{1}\u{1f}\u{7f}é中\u{2028}/"});
        assert_eq!(
            canon(&v),
            "{\"s\":\"q\\\"b\\\\\\b\\t\\n\\f\\r\\u0001\\u001f\u{7f}é中\u{2028}/\"}"
        );
    }

    #[test]
    fn rejects_floats_nulls_big_integers_and_nfd() {
        let cases = [
            (
                json!({"a": {"b": 1.5}}),
                EntryError::Float {
                    path: "/a/b".into(),
                },
            ),
            (
                json!({"a": [1, null]}),
                EntryError::Null {
                    path: "/a/1".into(),
                },
            ),
            (
                json!({"n": 9_007_199_254_740_992u64}),
                EntryError::UnsafeInteger { path: "/n".into() },
            ),
            (
                json!({"n": -9_007_199_254_740_992i64}),
                EntryError::UnsafeInteger { path: "/n".into() },
            ),
            (
                json!({"e\u{301}": 1}),
                EntryError::NotNfc {
                    path: "/e\u{301}".into(),
                },
            ),
            (
                json!({"k/~": "e\u{301}"}),
                EntryError::NotNfc {
                    path: "/k~1~0".into(),
                },
            ),
        ];
        for (v, want) in cases {
            assert_eq!(canonical_json(&v), Err(want));
        }
        assert_eq!(
            canon(&json!({"n": 9_007_199_254_740_991u64})),
            r#"{"n":9007199254740991}"#
        );
        assert_eq!(
            canon(&json!({"n": -9_007_199_254_740_991i64})),
            r#"{"n":-9007199254740991}"#
        );
    }

    #[test]
    fn size_and_depth_limits() {
        let big = json!({"s": "x".repeat(MAX_ENTRY_BYTES)});
        assert!(matches!(
            canonical_json(&big),
            Err(EntryError::TooLarge { .. })
        ));
        let fits = json!({"s": "x".repeat(MAX_ENTRY_BYTES - 8)});
        assert_eq!(canonical_json(&fits).unwrap().len(), MAX_ENTRY_BYTES);
        let mut deep = json!(1);
        for _ in 0..40 {
            deep = json!([deep]);
        }
        assert!(matches!(
            canonical_json(&deep),
            Err(EntryError::TooDeep { .. })
        ));
    }

    #[test]
    fn canonical_or_reject() {
        let e = Entry::from_value(&json!({"b": "2", "a": 1})).unwrap();
        assert_eq!(e.as_bytes(), br#"{"a":1,"b":"2"}"#);
        assert_eq!(Entry::from_canonical_bytes(e.as_bytes()).unwrap(), e);
        assert_eq!(e.leaf_hash(), leaf_hash(br#"{"a":1,"b":"2"}"#));
        for (bad, offset) in [
            (&br#"{"b":"2","a":1}"#[..], 2),
            (br#"{"a": 1,"b":"2"}"#, 5),
            (br#"{"a":1,"a":1,"b":"2"}"#, 8),
            (br#"{"a":1,"b":"\u0032"}"#, 12),
            (br#"{"a":1,"b":"2"} "#, 15),
        ] {
            assert_eq!(
                Entry::from_canonical_bytes(bad),
                Err(EntryError::NotCanonical { offset }),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(matches!(
            Entry::from_canonical_bytes(br#"{"a":1.0}"#),
            Err(EntryError::Float { .. })
        ));
        assert!(matches!(
            Entry::from_canonical_bytes(b"[1]"),
            Err(EntryError::NotObject)
        ));
        assert!(matches!(
            Entry::from_canonical_bytes(b"{"),
            Err(EntryError::Json(_))
        ));
        assert!(matches!(
            Entry::from_canonical_bytes(&vec![b' '; MAX_ENTRY_BYTES + 1]),
            Err(EntryError::TooLarge { .. })
        ));
    }

    #[test]
    fn from_serialize() {
        #[derive(Serialize)]
        struct Access<'a> {
            schema: &'a str,
            subject_ref: &'a str,
            purpose: &'a str,
        }
        let e = Entry::from_serialize(&Access {
            schema: "ledger/v1/pii_access",
            subject_ref: "9f86d081884c7d65",
            purpose: "案件核查",
        })
        .unwrap();
        assert_eq!(
            std::str::from_utf8(e.as_bytes()).unwrap(),
            r#"{"purpose":"案件核查","schema":"ledger/v1/pii_access","subject_ref":"9f86d081884c7d65"}"#
        );
        assert_eq!(e.to_value()["purpose"], "案件核查");
    }
}
