//! Money is `i64` fen (分), never a float. Parsing accepts what Excel users type.

use crate::Msg;

/// Parses yuan text such as `1234.56`, `¥1,234.5`, `-3` or `1234.50元` into fen.
pub fn parse_yuan(text: &str) -> Result<i64, Msg> {
    let bad = |why_zh: &str, why_en: &str| {
        Msg::new(
            "BAD_MONEY",
            format!("金额“{text}”无效：{why_zh}"),
            format!("invalid amount '{text}': {why_en}"),
        )
    };
    let t: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(bad("应为以元为单位的数字", "expected a number of yuan"));
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("应为以元为单位的数字", "expected a number of yuan"));
    }
    if frac.trim_end_matches('0').len() > 2 {
        return Err(bad("最多两位小数（分）", "at most two decimals (fen)"));
    }
    let yuan: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad("数值过大", "too large"))?
    };
    let mut fen_part = frac.trim_end_matches('0').to_owned();
    while fen_part.len() < 2 {
        fen_part.push('0');
    }
    let fen: i64 = fen_part.parse().unwrap_or(0);
    let total = yuan
        .checked_mul(100)
        .and_then(|v| v.checked_add(fen))
        .ok_or_else(|| bad("数值过大", "too large"))?;
    Ok(if neg { -total } else { total })
}

/// Converts a spreadsheet number (yuan, a binary float) to fen, refusing sub-fen amounts.
pub fn fen_from_f64(yuan: f64) -> Result<i64, Msg> {
    let scaled = yuan * 100.0;
    let rounded = scaled.round();
    if !scaled.is_finite() || rounded.abs() > 9.0e15 {
        return Err(Msg::new(
            "BAD_MONEY",
            format!("金额 {yuan} 超出范围"),
            format!("amount {yuan} out of range"),
        ));
    }
    if (scaled - rounded).abs() > 1e-6 * rounded.abs().max(1.0) {
        return Err(Msg::new(
            "BAD_MONEY",
            format!("金额 {yuan} 最多两位小数（分）"),
            format!("amount {yuan} has more than two decimals (fen)"),
        ));
    }
    Ok(rounded as i64)
}

/// Formats fen as yuan with two decimals: `123456` → `1234.56`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_yuan("1234.56"), Ok(123_456));
        assert_eq!(parse_yuan("¥1,234.5"), Ok(123_450));
        assert_eq!(parse_yuan("-3"), Ok(-300));
        assert_eq!(parse_yuan("1234.50元"), Ok(123_450));
        assert_eq!(parse_yuan(".5"), Ok(50));
        assert!(parse_yuan("12.345").is_err());
        assert!(parse_yuan("abc").is_err());
        assert!(parse_yuan("").is_err());
    }

    #[test]
    fn floats_from_excel() {
        assert_eq!(fen_from_f64(0.1 + 0.2), Ok(30));
        assert_eq!(fen_from_f64(1234.56), Ok(123_456));
        assert!(fen_from_f64(1.234).is_err());
        assert_eq!(format_yuan(-123_456), "-1234.56");
        assert_eq!(format_yuan(5), "0.05");
    }
}
