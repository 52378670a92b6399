//! Checks that bytes already are an entry's canonical form in one pass, without building a
//! JSON value: `ledger verify` runs it on every entry of the log.
//!
//! It accepts exactly the bytes [`Entry::from_canonical_bytes`](crate::Entry::from_canonical_bytes)
//! accepts (the tests compare the two on generated and mutated entries): a JSON object with no
//! whitespace, keys in strictly increasing UTF-16 order, JCS string escapes, NFC text, integers
//! within ±(2^53 − 1) written the shortest way, no nulls or floats, at most
//! [`MAX_DEPTH`](crate::entry::MAX_DEPTH) deep and [`MAX_ENTRY_BYTES`] long. It says only
//! whether; the slow path explains why.

use std::borrow::Cow;
use std::cmp::Ordering;

use unicode_normalization::is_nfc;

use crate::entry::{MAX_DEPTH, MAX_ENTRY_BYTES, MAX_SAFE_INTEGER};

/// The bytes are not an entry's canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotCanonical;

/// Checks `bytes` and calls `field(parent, key, text)` for every string member of the top-level
/// object (`parent` = `None`) and of the objects directly inside it (`parent` = that member's
/// key), with keys and text unescaped. Fields seen before a later problem have been reported
/// already: act on them only when the result is `Ok`.
pub fn scan_canonical(
    bytes: &[u8],
    mut field: impl FnMut(Option<&str>, &str, &str),
) -> Result<(), NotCanonical> {
    if bytes.len() > MAX_ENTRY_BYTES || bytes.first() != Some(&b'{') {
        return Err(NotCanonical);
    }
    let mut s = Scanner { b: bytes, pos: 0 };
    s.object(0, None, &mut field)?;
    if s.pos == bytes.len() {
        Ok(())
    } else {
        Err(NotCanonical)
    }
}

type Field<'f> = &'f mut dyn FnMut(Option<&str>, &str, &str);

/// A string as it appears between its quotes.
#[derive(Clone, Copy)]
struct RawStr<'a> {
    text: &'a str,
    escaped: bool,
}

impl<'a> RawStr<'a> {
    fn unescaped(self) -> Cow<'a, str> {
        if !self.escaped {
            return Cow::Borrowed(self.text);
        }
        let mut out = String::with_capacity(self.text.len());
        let mut chars = self.text.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            // The scanner admitted only the canonical escapes.
            match chars.next() {
                Some('b') => out.push('\u{8}'),
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('f') => out.push('\u{c}'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16).unwrap_or(0);
                    out.push(char::from_u32(code).unwrap_or('\0'));
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        Cow::Owned(out)
    }
}

/// RFC 8785 key order: UTF-16 code units. UTF-8 byte order agrees with it unless one side has a
/// character at or above U+E000 (lead byte 0xEE and up), where supplementary characters
/// (surrogates 0xD800–0xDFFF) sort first in UTF-16.
fn key_order(a: RawStr<'_>, b: RawStr<'_>) -> Ordering {
    let plain = |k: &RawStr<'_>| !k.escaped && k.text.bytes().all(|c| c < 0xEE);
    if plain(&a) && plain(&b) {
        return a.text.as_bytes().cmp(b.text.as_bytes());
    }
    let (a, b) = (a.unescaped(), b.unescaped());
    a.encode_utf16().cmp(b.encode_utf16())
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> Result<(), NotCanonical> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(NotCanonical)
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), NotCanonical> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(NotCanonical)
        }
    }

    /// `{` at `pos`; the object's members are at `depth + 1`. `parent` is the key of this
    /// object's member in the top-level object (for `field`), `None` for the top level itself.
    fn object(
        &mut self,
        depth: usize,
        parent: Option<&str>,
        field: Field<'_>,
    ) -> Result<(), NotCanonical> {
        self.eat(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        let mut previous: Option<RawStr<'a>> = None;
        loop {
            let key = self.string()?;
            if previous.is_some_and(|p| key_order(p, key) != Ordering::Less) {
                return Err(NotCanonical);
            }
            previous = Some(key);
            self.eat(b':')?;
            let member = depth + 1;
            if member > MAX_DEPTH {
                return Err(NotCanonical);
            }
            match self.peek() {
                Some(b'"') if depth <= 1 => {
                    let text = self.string()?;
                    field(parent, &key.unescaped(), &text.unescaped());
                }
                Some(b'{') if depth == 0 => {
                    self.object(member, Some(&key.unescaped()), field)?;
                }
                _ => self.value(member)?,
            }
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(NotCanonical),
            }
        }
    }

    /// Any value at `depth` (already checked against the limit by the caller).
    fn value(&mut self, depth: usize) -> Result<(), NotCanonical> {
        match self.peek().ok_or(NotCanonical)? {
            b'{' => self.object(depth, None, &mut |_, _, _| {}),
            b'[' => {
                self.pos += 1;
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(());
                }
                if depth + 1 > MAX_DEPTH {
                    return Err(NotCanonical);
                }
                loop {
                    self.value(depth + 1)?;
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(());
                        }
                        _ => return Err(NotCanonical),
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'-' | b'0'..=b'9' => self.integer(),
            _ => Err(NotCanonical),
        }
    }

    /// An integer written as `i64::to_string` writes it, of magnitude at most 2^53 − 1.
    fn integer(&mut self) -> Result<(), NotCanonical> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.b[start..self.pos];
        // 2^53 − 1 has 16 digits; "0" alone, never "-0" or a leading zero.
        if digits.is_empty()
            || digits.len() > 16
            || (digits[0] == b'0' && (digits.len() > 1 || negative))
        {
            return Err(NotCanonical);
        }
        let n = digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
        if n > MAX_SAFE_INTEGER {
            return Err(NotCanonical);
        }
        Ok(())
    }

    /// A string in JCS form (`"` at `pos`): valid UTF-8 in NFC, only `\"`, `\\`, `\b`, `\t`,
    /// `\n`, `\f`, `\r` and lowercase `\u00xx` for the other control characters escaped.
    fn string(&mut self) -> Result<RawStr<'a>, NotCanonical> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        let mut ascii = true;
        loop {
            let c = *self.b.get(self.pos).ok_or(NotCanonical)?;
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    let e = *self.b.get(self.pos).ok_or(NotCanonical)?;
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r' => {}
                        b'u' => {
                            let hex = self.b.get(self.pos..self.pos + 4).ok_or(NotCanonical)?;
                            self.pos += 4;
                            let lower_hex =
                                |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
                            if hex[0] != b'0'
                                || hex[1] != b'0'
                                || !matches!(hex[2], b'0' | b'1')
                                || !lower_hex(hex[3])
                            {
                                return Err(NotCanonical);
                            }
                            let code = (hex[2] - b'0') * 16
                                + if hex[3].is_ascii_digit() {
                                    hex[3] - b'0'
                                } else {
                                    hex[3] - b'a' + 10
                                };
                            // These have short escapes.
                            if matches!(code, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                                return Err(NotCanonical);
                            }
                        }
                        _ => return Err(NotCanonical),
                    }
                }
                0..=0x1f => return Err(NotCanonical),
                0x80.. => ascii = false,
                _ => {}
            }
        }
        let raw = &self.b[start..self.pos - 1];
        let text = std::str::from_utf8(raw).map_err(|_| NotCanonical)?;
        let s = RawStr { text, escaped };
        // ASCII is always NFC. Escapes stand for control characters, which never combine, but
        // their spelling (`\n`) could combine with a following mark, so check the text itself.
        if !ascii && !is_nfc(&s.unescaped()) {
            return Err(NotCanonical);
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Entry;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// The reference: the slow path's verdict and the four columns `ledger verify` reads.
    fn slow(bytes: &[u8]) -> Option<Vec<Option<String>>> {
        Entry::from_canonical_bytes(bytes).ok()?;
        let v: Value = serde_json::from_slice(bytes).ok()?;
        let s = |v: &Value| v.as_str().map(str::to_owned);
        Some(vec![
            s(&v["kind"]),
            s(&v["req_id"]),
            s(&v["object"]["type"]),
            s(&v["object"]["id"]),
        ])
    }

    fn fast(bytes: &[u8]) -> Option<Vec<Option<String>>> {
        let mut cols = vec![None; 4];
        scan_canonical(bytes, |parent, key, text| {
            let i = match (parent, key) {
                (None, "kind") => 0,
                (None, "req_id") => 1,
                (Some("object"), "type") => 2,
                (Some("object"), "id") => 3,
                _ => return,
            };
            cols[i] = Some(text.to_owned());
        })
        .ok()?;
        Some(cols)
    }

    fn same(bytes: &[u8]) {
        assert_eq!(
            fast(bytes),
            slow(bytes),
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
    }

    #[test]
    fn accepts_canonical_and_reads_fields() {
        let v = json!({"kind": "clue_transition", "object": {"type": "clue", "id": "C-17", "n": 3},
            "req_id": "r\n\"1\"", "actor": {"id": "u", "roles": ["a", {"type": "no"}]}, "n": -9007199254740991i64});
        let bytes = Entry::from_value(&v).unwrap().into_bytes();
        assert_eq!(
            fast(&bytes).unwrap(),
            vec![
                Some("clue_transition".into()),
                Some("r\n\"1\"".into()),
                Some("clue".into()),
                Some("C-17".into())
            ]
        );
        same(&bytes);
    }

    #[test]
    fn refuses_what_the_slow_path_refuses() {
        let cases: &[&[u8]] = &[
            b"",
            b"{}",
            b"[]",
            b"{} ",
            b" {}",
            b"{\"a\":1,\"a\":2}",
            b"{\"b\":1,\"a\":2}",
            b"{\"a\" :1}",
            b"{\"a\":1.0}",
            b"{\"a\":1e2}",
            b"{\"a\":-0}",
            b"{\"a\":0}",
            b"{\"a\":01}",
            b"{\"a\":9007199254740991}",
            b"{\"a\":9007199254740992}",
            b"{\"a\":-9007199254740992}",
            b"{\"a\":null}",
            b"{\"a\":true}",
            b"{\"a\":tru}",
            b"{\"a\":\"\\/\"}",
            b"{\"a\":\"\\u0008\"}",
            b"{\"a\":\"\\u0001\"}",
            b"{\"a\":\"\\u001F\"}",
            b"{\"a\":\"\\u001f\"}",
            b"{\"a\":\"\\u0020\"}",
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\x7f\"}",
            b"{\"a\":\"\xff\"}",
            b"{\"a\":\"\xed\xa0\x80\"}",
            b"{\"a\":\"\\ud83d\\ude00\"}",
            "{\"a\":\"e\u{301}\"}".as_bytes(),
            "{\"a\":\"\u{e9}\"}".as_bytes(),
            "{\"a\":\"\\n\u{301}\"}".as_bytes(),
            "{\"e\u{301}\":1}".as_bytes(),
            "{\"\u{1F600}\":1,\"\u{FF61}\":2}".as_bytes(),
            "{\"\u{FF61}\":2,\"\u{1F600}\":1}".as_bytes(),
            b"{\"\\n\":1,\"\\t\":2}",
            b"{\"\\t\":1,\"\\n\":2}",
            b"{\"a\":[1,]}",
            b"{\"a\":[,1]}",
            b"{\"a\":[]}",
            b"{\"a\":{}}",
            b"{\"a\":1,}",
            b"{\"a\":1}}",
            b"{\"a\":\"x",
            b"{\"a\"",
            b"{\"object\":\"x\",\"type\":\"y\"}",
            b"{\"object\":{\"type\":1,\"id\":\"z\"}}",
            b"{\"object\":{\"id\":\"z\",\"type\":\"t\"}}",
            b"{\"x\":{\"kind\":\"k\"},\"kind\":\"j\"}",
        ];
        for c in cases {
            same(c);
        }
    }

    #[test]
    fn depth_and_size_limits() {
        for depth in [30, 31, 32, 33, 34] {
            let mut v = json!(1);
            for i in 0..depth {
                v = if i % 2 == 0 {
                    json!([v])
                } else {
                    json!({"k": v})
                };
            }
            let mut inner = json!({"kind": "k"});
            inner["v"] = v;
            let bytes = serde_json::to_vec(&inner).unwrap();
            same(&bytes);
            let arrays = format!("{{\"a\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
            same(arrays.as_bytes());
        }
        for len in [MAX_ENTRY_BYTES - 1, MAX_ENTRY_BYTES, MAX_ENTRY_BYTES + 1] {
            let pad = "x".repeat(len - 8);
            let bytes = format!("{{\"a\":\"{pad}\"}}");
            assert_eq!(bytes.len(), len);
            same(bytes.as_bytes());
        }
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just('a'),
                Just('k'),
                Just('"'),
                Just('\\'),
                Just('\n'),
                Just('\u{1}'),
                Just('\u{7f}'),
                Just('e'),
                Just('\u{301}'),
                Just('\u{e9}'),
                Just('中'),
                Just('\u{FF61}'),
                Just('\u{1F600}'),
            ],
            0..5,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(|i| Value::from(i >> (i & 15))),
            Just(Value::from(-9007199254740991i64)),
            Just(Value::from(9007199254740992u64)),
            Just(Value::from(u64::MAX)),
            Just(json!(0.5)),
            Just(Value::Null),
            text().prop_map(Value::from),
            prop_oneof![Just("kind"), Just("type"), Just("id"), Just("req_id")]
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        text(),
                        Just("kind".to_owned()),
                        Just("object".to_owned()),
                        Just("type".to_owned()),
                        Just("id".to_owned()),
                        Just("req_id".to_owned()),
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn agrees_with_the_slow_path(v in json_value(), edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..3)) {
            let mut obj = serde_json::Map::new();
            obj.insert("kind".into(), Value::from("k"));
            obj.insert("object".into(), v.clone());
            obj.insert("v".into(), v);
            let obj = Value::Object(obj);
            // Canonical bytes when there are any, else a plain serialisation, then mutated.
            let mut bytes = crate::canonical_json(&obj).unwrap_or_else(|_| serde_json::to_vec(&obj).unwrap());
            same(&bytes);
            for (at, byte, op) in edits {
                if bytes.is_empty() { break; }
                let i = at.index(bytes.len());
                match op {
                    0 => bytes[i] = byte,
                    1 => { bytes.remove(i); }
                    _ => bytes.insert(i, byte),
                }
                same(&bytes);
            }
        }
    }
}
