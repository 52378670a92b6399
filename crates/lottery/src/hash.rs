//! SHA-256 helpers and the lowercase-hex 32-byte value every LOT1 artefact uses.

use sha2::{Digest, Sha256};

/// A 32-byte digest (commitment, number, seed, file hash). Ordering is big-endian byte order,
/// which equals lowercase-hex string order, as LOT1 requires.
pub type Hash32 = [u8; 32];

pub fn sha256(data: &[u8]) -> Hash32 {
    Sha256::digest(data).into()
}

/// SHA-256 of several byte strings concatenated, without building the concatenation.
pub fn sha256_parts(parts: &[&[u8]]) -> Hash32 {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub fn to_hex(h: &Hash32) -> String {
    hex::encode(h)
}

/// Parses exactly 64 lowercase hex characters; uppercase is rejected because LOT1 files are
/// canonical and two spellings of one value would give two file hashes.
pub fn parse_hex32(s: &str) -> Option<Hash32> {
    parse_hex32_bytes(s.as_bytes())
}

pub fn parse_hex32_bytes(s: &[u8]) -> Option<Hash32> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// Lowercase hex of any length (beacon keys and signatures).
pub fn parse_hex_lower(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| Some((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Writes 64 lowercase hex characters into `out` (hot path of results and waitlists).
pub fn push_hex(out: &mut Vec<u8>, h: &Hash32) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in h {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
}

/// `[A-Z0-9-]{1,64}`: the charset of `lottery_id` and school codes, which keeps the `|`
/// framing of every hash input unambiguous (lottery.md §4.4).
pub fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks the byte-level rules shared by every text artefact: UTF-8, no BOM, no CR, every line
/// (including the last) ends with LF, no blank lines. Returns the lines without their LF.
pub fn canonical_lines<'a>(
    artefact: &'static str,
    bytes: &'a [u8],
) -> Result<Vec<&'a str>, crate::FormatError> {
    use crate::FormatError;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| FormatError::new(artefact, 0, "不是 UTF-8 文本", "not UTF-8 text"))?;
    if text.starts_with('\u{feff}') {
        return Err(FormatError::new(
            artefact,
            1,
            "不得有 BOM",
            "a byte-order mark is not allowed",
        ));
    }
    if text.is_empty() {
        return Ok(Vec::new());
    }
    if !text.ends_with('\n') {
        return Err(FormatError::new(
            artefact,
            text.lines().count(),
            "末行须以 LF 结尾",
            "the last line must end with LF",
        ));
    }
    let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
    for (i, l) in lines.iter().enumerate() {
        if l.contains('\r') {
            return Err(FormatError::new(
                artefact,
                i + 1,
                "不得含 CR（须为 LF 换行）",
                "CR is not allowed (LF line ends only)",
            ));
        }
        if l.is_empty() {
            return Err(FormatError::new(
                artefact,
                i + 1,
                "不得有空行",
                "blank lines are not allowed",
            ));
        }
        if l.starts_with([' ', '\t']) || l.ends_with([' ', '\t']) {
            return Err(FormatError::new(
                artefact,
                i + 1,
                "行首行尾不得有空白",
                "leading or trailing whitespace is not allowed",
            ));
        }
    }
    Ok(lines)
}
