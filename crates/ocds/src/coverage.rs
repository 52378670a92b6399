//! `coverage`: how often each field is non-empty, in Cardinal's `{path: count}` shape.
//!
//! Empty values are `null`, `""`, `[]`, `{}` and containers holding only empty values. Paths
//! are built from `/` (entering an object), member names and `[]` (an array element): `""` counts
//! lines with any non-empty value, `/` lines that are non-empty objects, `/tender/` non-empty
//! tender objects, `/awards[]` non-empty award elements. Lines that are not JSON are skipped.

use crate::json::{self, Value};
use crate::read::{LineReader, RawLine, pipeline};
use std::collections::HashMap;
use std::io;

/// Counts in first-seen order (input order, whatever the number of threads).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Coverage {
    order: Vec<String>,
    counts: HashMap<String, u64>,
}

impl Coverage {
    fn bump(&mut self, path: &str, by: u64) {
        match self.counts.get_mut(path) {
            Some(c) => *c += by,
            None => {
                self.order.push(path.to_owned());
                self.counts.insert(path.to_owned(), by);
            }
        }
    }

    /// Adds one parsed line.
    pub fn add(&mut self, v: &Value<'_>) {
        let mut path = String::new();
        self.walk(v, &mut path);
    }

    /// Returns whether `v` is non-empty, counting it and its non-empty descendants.
    fn walk(&mut self, v: &Value<'_>, path: &mut String) -> bool {
        let nonempty = match v {
            Value::Null => false,
            Value::Bool(_) | Value::Number(_) => true,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => {
                let mut any = false;
                if !a.is_empty() {
                    let len = path.len();
                    path.push_str("[]");
                    for x in a {
                        any |= self.walk(x, path);
                    }
                    path.truncate(len);
                }
                any
            }
            Value::Object(m) => {
                let mut any = false;
                if !m.is_empty() {
                    let len = path.len();
                    path.push('/');
                    for (k, x) in m.iter() {
                        let l2 = path.len();
                        path.push_str(k);
                        any |= self.walk(x, path);
                        path.truncate(l2);
                    }
                    if any {
                        self.bump(path, 1);
                    }
                    path.truncate(len);
                }
                any
            }
        };
        if nonempty {
            self.bump(path, 1);
        }
        nonempty
    }

    /// Adds another count, keeping this one's order first.
    pub fn merge(&mut self, other: Coverage) {
        let Coverage { order, mut counts } = other;
        for k in order {
            let n = counts.remove(&k).unwrap_or(0);
            self.bump(&k, n);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.order.iter().map(|k| (k.as_str(), self.counts[k]))
    }

    /// The counts as a JSON object text, in first-seen order.
    pub fn to_json(&self) -> String {
        let mut m = json::Map::new();
        for (k, n) in self.iter() {
            m.insert(k.to_owned(), Value::Number(n.to_string().into()));
        }
        Value::Object(m).to_json()
    }
}

fn line_coverage(line: RawLine) -> Coverage {
    let mut c = Coverage::default();
    if let Ok(text) = std::str::from_utf8(&line.bytes)
        && let Ok(v) = json::parse(text)
    {
        c.add(&v);
    }
    c
}

/// Counts a whole input. Invalid lines are skipped (and logged); a read error ends the input.
pub fn run(reader: &mut LineReader) -> io::Result<Coverage> {
    let mut total = Coverage::default();
    let err = pipeline(reader, 4 << 20, line_coverage, |parts| {
        for c in parts {
            total.merge(c);
        }
        Ok::<(), io::Error>(())
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cov(text: &str) -> Vec<(String, u64)> {
        let mut r =
            LineReader::from_reader(Box::new(std::io::Cursor::new(text.to_owned())), None).unwrap();
        run(&mut r)
            .unwrap()
            .iter()
            .map(|(k, n)| (k.to_owned(), n))
            .collect()
    }

    #[test]
    fn counts_nonempty_paths() {
        let got = cov("{\"a\":[{\"b\":1},{}],\"c\":\"\",\"d\":{\"e\":null}}\n{\"a\":[]}\n");
        let want = [
            ("/a[]/b", 1),
            ("/a[]/", 1),
            ("/a[]", 1),
            ("/a", 1),
            ("/", 1),
            ("", 1),
        ];
        assert_eq!(
            got,
            want.map(|(k, n)| (k.to_owned(), n)).to_vec(),
            "empty members, empty objects and empty arrays are not counted"
        );
    }

    #[test]
    fn invalid_lines_are_skipped() {
        assert_eq!(cov("{\"a\":1}\n{\"a\":\n\n1\n"), cov("{\"a\":1}\n1\n"));
    }
}
