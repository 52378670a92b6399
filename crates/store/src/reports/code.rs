//! Receipt codes (回执码) of citizen reports: 16 random characters of Crockford's base32
//! alphabet (80 bits from the operating system's generator) and one check character, printed
//! in groups of four: `7K3M-Q9TX-2B8D-RV4H-P`.
//!
//! The check character is Luhn mod 32 over the same alphabet (not Crockford's mod-37 symbols
//! `*~$=U`, which do not survive URLs and handwriting): it catches every single mistyped
//! character and every swap of two neighbours but `0Z`/`Z0` (Luhn's one blind spot), so a typo
//! is told apart from an unknown code.
//! Reading is forgiving as Crockford intends: case, hyphens and spaces are ignored, and
//! I/L read as 1, O as 0. Only the code's SHA-256 is stored.

use qinglian_core::Msg;
use rand::RngCore;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random characters before the check character.
pub const BODY_LEN: usize = 16;

fn value(c: u8) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        b'I' | b'L' => b'1',
        b'O' => b'0',
        c => c,
    };
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// Luhn mod N (N = 32): the character that makes the weighted sum of body + check divisible
/// by 32.
fn check_char(body: &[u32]) -> u8 {
    let mut factor = 2;
    let mut sum = 0;
    for v in body.iter().rev() {
        let a = factor * v;
        sum += a / 32 + a % 32;
        factor = if factor == 2 { 1 } else { 2 };
    }
    ALPHABET[((32 - sum % 32) % 32) as usize]
}

/// A fresh code in canonical form (17 characters, no hyphens).
pub fn generate() -> String {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    // 80 bits → 16 characters of 5 bits.
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    let body: Vec<u32> = (0..BODY_LEN)
        .rev()
        .map(|i| ((bits >> (5 * i)) & 31) as u32)
        .collect();
    let mut s: String = body.iter().map(|v| ALPHABET[*v as usize] as char).collect();
    s.push(check_char(&body) as char);
    s
}

/// The code as printed for people: groups of four, the check character last.
pub fn display(canonical: &str) -> String {
    let chunks: Vec<String> = canonical
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    chunks.join("-")
}

/// Reads a code as typed: canonical form, or why it cannot be one (a bilingual message).
pub fn parse(input: &str) -> Result<String, Msg> {
    let raw: Vec<u8> = input
        .bytes()
        .filter(|b| !matches!(b, b'-' | b' ' | b'\t'))
        .collect();
    if raw.len() != BODY_LEN + 1 {
        return Err(Msg::new(
            "REPORT_CODE_LENGTH",
            format!(
                "回执码应为 {} 位（如 7K3M-Q9TX-2B8D-RV4H-P），您输入了 {} 位",
                BODY_LEN + 1,
                raw.len()
            ),
            format!(
                "a receipt code has {} characters (e.g. 7K3M-Q9TX-2B8D-RV4H-P); {} were given",
                BODY_LEN + 1,
                raw.len()
            ),
        ));
    }
    let mut vals = Vec::with_capacity(raw.len());
    for (i, b) in raw.iter().enumerate() {
        match value(*b) {
            Some(v) => vals.push(v),
            None => {
                let shown = String::from_utf8_lossy(&[*b]).into_owned();
                return Err(Msg::new(
                    "REPORT_CODE_CHAR",
                    format!(
                        "回执码第 {} 位“{shown}”不是有效字符（只含数字和字母，不含 U）",
                        i + 1
                    ),
                    format!(
                        "character {} of the receipt code ('{shown}') is not valid (digits and letters except U)",
                        i + 1
                    ),
                ));
            }
        }
    }
    let (body, check) = vals.split_at(BODY_LEN);
    if ALPHABET[check[0] as usize] != check_char(body) {
        return Err(Msg::new(
            "REPORT_CODE_CHECK",
            "回执码校验位不符，可能有输入错误，请逐位核对",
            "the receipt code's check character does not match: probably a typo; check it character by character",
        ));
    }
    Ok(vals.iter().map(|v| ALPHABET[*v as usize] as char).collect())
}

/// What is stored and looked up: the SHA-256 of the canonical code.
pub fn code_hash(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back_and_are_distinct() {
        let a = generate();
        let b = generate();
        assert_eq!(a.len(), 17);
        assert_ne!(a, b, "80 random bits");
        assert_eq!(parse(&a).unwrap(), a);
        assert_eq!(parse(&display(&a).to_lowercase()).unwrap(), a);
        assert_eq!(display("0123456789ABCDEFG"), "0123-4567-89AB-CDEF-G");
    }

    #[test]
    fn every_single_typo_and_neighbour_swap_is_caught() {
        for _ in 0..20 {
            let code = generate();
            let bytes = code.as_bytes();
            for i in 0..bytes.len() {
                for c in ALPHABET {
                    if *c == bytes[i] {
                        continue;
                    }
                    let mut t = bytes.to_vec();
                    t[i] = *c;
                    let e = parse(std::str::from_utf8(&t).unwrap()).unwrap_err();
                    assert_eq!(e.code, "REPORT_CODE_CHECK", "{code} pos {i}");
                }
                let pair = [bytes[i], *bytes.get(i + 1).unwrap_or(&b'0')];
                let blind = pair == *b"0Z" || pair == *b"Z0";
                if i + 1 < bytes.len() && bytes[i] != bytes[i + 1] && !blind {
                    let mut t = bytes.to_vec();
                    t.swap(i, i + 1);
                    assert!(parse(std::str::from_utf8(&t).unwrap()).is_err(), "swap {i}");
                }
            }
        }
    }

    #[test]
    fn reading_is_forgiving_but_says_what_is_wrong() {
        let code = generate();
        let sloppy = code.replace('1', "l").replace('0', "o").to_lowercase();
        assert_eq!(parse(&sloppy).unwrap(), code);
        let e = parse("ABC").unwrap_err();
        assert_eq!(e.code, "REPORT_CODE_LENGTH");
        assert!(e.zh.contains("17") && e.en.contains("17"));
        let e = parse(&format!("U{}", &code[1..])).unwrap_err();
        assert_eq!(e.code, "REPORT_CODE_CHAR");
        assert!(e.zh.contains("第 1 位"), "{}", e.zh);
        assert_ne!(code_hash(&code), code_hash(&generate()));
        assert_eq!(code_hash(&code).len(), 64);
    }
}
