//! National identifiers and their checksums: the citizen ID (GB 11643, ISO 7064 MOD 11-2) and
//! the unified social credit code (GB 32100, MOD 31). Also masking for display.

use crate::Msg;
use chrono::NaiveDate;

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// Computes the citizen-ID check character for 17 leading digits.
pub fn citizen_id_check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize] as char
}

/// Normalises a citizen ID as people type it: trims, folds full-width digits and `ｘ`/`x`,
/// and upgrades a 15-digit first-generation ID to 18 digits. Does not check the checksum.
pub fn normalize_citizen_id(raw: &str) -> String {
    let mut s: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            _ => c,
        })
        .collect();
    if s.len() == 15 && s.bytes().all(|b| b.is_ascii_digit()) {
        let first17 = format!("{}19{}", &s[..6], &s[6..]);
        let check = citizen_id_check_char(first17.as_bytes());
        s = format!("{first17}{check}");
    }
    s
}

/// Validates a normalised citizen ID: 17 digits, a valid birth date, and the check character.
pub fn validate_citizen_id(id: &str) -> Result<(), Msg> {
    let b = id.as_bytes();
    let fail = |zh: &str, en: &str| {
        Err(Msg::new(
            "BAD_CITIZEN_ID",
            format!("公民身份号码“{}”无效：{zh}", mask_citizen_id(id)),
            format!("invalid citizen ID '{}': {en}", mask_citizen_id(id)),
        ))
    };
    if b.len() != 18 {
        return fail("应为 18 位", "expected 18 characters");
    }
    if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
        return fail(
            "前 17 位应为数字，末位为数字或 X",
            "expected 17 digits and a digit or X",
        );
    }
    if birth_date(id).is_none() {
        return fail("出生日期无效", "the birth date is not a valid date");
    }
    if citizen_id_check_char(&b[..17]) as u8 != b[17] {
        return fail("校验码不符（GB 11643）", "check digit mismatch (GB 11643)");
    }
    Ok(())
}

/// The birth date encoded in an 18-character ID.
pub fn birth_date(id: &str) -> Option<NaiveDate> {
    let y = id.get(6..10)?.parse().ok()?;
    let m = id.get(10..12)?.parse().ok()?;
    let d = id.get(12..14)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d).filter(|date| date.format("%Y").to_string().as_str() >= "1900")
}

/// `330106********1234`: the region and the last four stay, the birth date is hidden.
pub fn mask_citizen_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// `张*` for two characters, `张*明` for three or more: enough to recognise, not to identify.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn uscc_value(c: u8) -> Option<u32> {
    USCC_CHARS.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The USCC check character for 17 leading characters, or `None` if one is outside the
/// GB 32100 alphabet (which omits I, O, S, V and Z).
pub fn uscc_check_char(first17: &[u8]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(USCC_WEIGHTS) {
        sum += uscc_value(*c)? * w;
    }
    let v = (31 - sum % 31) % 31;
    Some(USCC_CHARS[v as usize] as char)
}

/// Trims and upper-cases a USCC.
pub fn normalize_uscc(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// Validates a normalised unified social credit code (GB 32100-2015).
pub fn validate_uscc(code: &str) -> Result<(), Msg> {
    let b = code.as_bytes();
    let fail = |zh: &str, en: &str| {
        Err(Msg::new(
            "BAD_USCC",
            format!("统一社会信用代码“{code}”无效：{zh}"),
            format!("invalid unified social credit code '{code}': {en}"),
        ))
    };
    if b.len() != 18 {
        return fail("应为 18 位", "expected 18 characters");
    }
    if b.iter().any(|c| uscc_value(*c).is_none()) {
        return fail(
            "含有不允许的字符（不含 I、O、S、V、Z）",
            "contains characters outside the GB 32100 alphabet (no I, O, S, V, Z)",
        );
    }
    if uscc_check_char(&b[..17]).map(|c| c as u8) != Some(b[17]) {
        return fail(
            "校验码不符（GB 32100）",
            "check character mismatch (GB 32100)",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citizen_id_checksum() {
        // The worked example of GB 11643-1999 appendix.
        assert!(validate_citizen_id("11010519491231002X").is_ok());
        assert!(validate_citizen_id("440524188001010014").is_err()); // before 1900
        assert!(validate_citizen_id("110105194912310021").is_err());
        assert!(validate_citizen_id("11010519491331002X").is_err()); // month 13
        assert!(validate_citizen_id("1101051949123100").is_err());
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            normalize_citizen_id(" 11010519491231002x "),
            "11010519491231002X"
        );
        assert_eq!(
            normalize_citizen_id("１１０１０５１９４９１２３１００２X"),
            "11010519491231002X"
        );
        let upgraded = normalize_citizen_id("110105491231002");
        assert_eq!(&upgraded[..17], "11010519491231002");
        assert!(validate_citizen_id(&upgraded).is_ok());
    }

    #[test]
    fn masking() {
        assert_eq!(mask_citizen_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳明月"), "欧**月");
    }

    #[test]
    fn uscc_checksum() {
        // The example code commonly quoted with GB 32100.
        {
            let ok = "91350100M000100Y43";
            assert!(validate_uscc(ok).is_ok(), "{ok}");
        }
        assert!(validate_uscc("91350100M000100Y44").is_err());
        assert!(validate_uscc("91350100M000100YI3").is_err());
        assert!(validate_uscc("9135").is_err());
    }

    #[test]
    fn every_digit_change_is_caught() {
        let good = b"91350100M000100Y43";
        for i in 0..17 {
            let mut bad = *good;
            bad[i] = if bad[i] == b'1' { b'2' } else { b'1' };
            assert!(validate_uscc(std::str::from_utf8(&bad).unwrap()).is_err());
        }
    }
}
