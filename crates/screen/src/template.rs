//! Explanation templates: text with `{name}` or `{name:format}` placeholders that quote a hit's
//! result columns or the indicator's parameters. `{{` and `}}` are literal braces.
//!
//! | format | renders | example |
//! |---|---|---|
//! | (none) | integers as is, other numbers with two decimals, text as is | `{area_m2}` → `120.50` |
//! | `.N` | N decimals | `{ratio:.3}` → `0.412` |
//! | `pct`, `pct1` | ×100 with 0 or 1 decimal and `%` | `{ratio:pct}` → `41%` |
//! | `yuan` | fen as yuan with two decimals | `{rent_fen:yuan}` → `1234.56` |
//! | `wan` | fen as 万元 with two decimals | `{rent_fen:wan}` → `5.00` |
//! | `int` | rounded to an integer | `{days:int}` → `97` |
//!
//! NULL renders as `—`; booleans as 是/否 in Chinese and yes/no in English.

use qinglian_core::{Msg, money};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Format {
    Plain,
    Decimals(usize),
    Pct(usize),
    Yuan,
    Wan,
    Int,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(String, Format),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

fn parse_format(f: &str) -> Option<Format> {
    Some(match f {
        "" => Format::Plain,
        "pct" => Format::Pct(0),
        "pct1" => Format::Pct(1),
        "yuan" => Format::Yuan,
        "wan" => Format::Wan,
        "int" => Format::Int,
        _ => {
            let n: usize = f.strip_prefix('.')?.parse().ok()?;
            if n > 6 {
                return None;
            }
            Format::Decimals(n)
        }
    })
}

impl Template {
    /// Parses `text`; `what` names the template in errors (e.g. `SL-S01 explanation.zh`).
    pub fn parse(text: &str, what: &str) -> Result<Template, Msg> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        let err = |zh: String, en: String| Msg::new("IND_TEMPLATE", zh, en);
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let mut inner = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        inner.push(c);
                    }
                    if !closed {
                        return Err(err(
                            format!("{what}：占位符“{{{inner}”缺少右花括号"),
                            format!("{what}: placeholder '{{{inner}' is not closed"),
                        ));
                    }
                    let (name, fmt) = inner.split_once(':').unwrap_or((&inner, ""));
                    let name = name.trim();
                    let valid = !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                    if !valid {
                        return Err(err(
                            format!("{what}：占位符名称“{name}”无效（应为小写字母、数字、下划线）"),
                            format!(
                                "{what}: invalid placeholder name '{name}' (lower-case letters, digits, underscores)"
                            ),
                        ));
                    }
                    let format = parse_format(fmt.trim()).ok_or_else(|| {
                        err(
                            format!("{what}：占位符 {name} 的格式“{fmt}”未知（可用 .N、pct、pct1、yuan、wan、int）"),
                            format!("{what}: unknown format '{fmt}' for {name} (known: .N, pct, pct1, yuan, wan, int)"),
                        )
                    })?;
                    if !lit.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut lit)));
                    }
                    pieces.push(Piece::Field(name.to_owned(), format));
                }
                '}' => {
                    return Err(err(
                        format!("{what}：多余的右花括号（字面量请写 }}}}）"),
                        format!("{what}: stray '}}' (write }}}} for a literal brace)"),
                    ));
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        Ok(Template { pieces })
    }

    /// The names the template quotes, in order of appearance.
    pub fn names(&self) -> Vec<&str> {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Field(n, _) => Some(n.as_str()),
                Piece::Text(_) => None,
            })
            .collect()
    }

    /// Renders with `lookup(name)` giving each value as JSON (NULL when unknown).
    pub fn render(&self, lang: Lang, lookup: impl Fn(&str) -> serde_json::Value) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(name, f) => out.push_str(&format_value(&lookup(name), f, lang)),
            }
        }
        out
    }
}

fn format_value(v: &serde_json::Value, f: &Format, lang: Lang) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "—".to_owned(),
        Value::Bool(b) => match (lang, b) {
            (Lang::Zh, true) => "是".to_owned(),
            (Lang::Zh, false) => "否".to_owned(),
            (Lang::En, true) => "yes".to_owned(),
            (Lang::En, false) => "no".to_owned(),
        },
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            match f {
                Format::Plain => match n.as_i64() {
                    Some(i) => i.to_string(),
                    None => plain_float(x),
                },
                Format::Decimals(d) => format!("{x:.d$}", d = *d),
                Format::Pct(d) => format!("{:.d$}%", x * 100.0, d = *d),
                Format::Yuan => money::format_yuan(x.round() as i64),
                Format::Wan => format!("{:.2}", x / 1_000_000.0),
                Format::Int => format!("{:.0}", x.round()),
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A float without a stated format: two decimals from 1 up, three significant digits below
/// (so a significance level of 0.001 is not printed as "0.00"), trailing zeros dropped.
fn plain_float(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || x.abs() >= 1.0 {
        return format!("{x:.2}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).clamp(2, 12) as usize;
    let s = format!("{x:.digits$}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_formats() {
        let t = Template::parse(
            "租金为中位数的 {ratio:pct}，阈值 {max:pct}；{rent:yuan} 元，{rent:wan} 万元，{days:int} 天，{x:.3}，{n}，{s}，{b}，{{字面}}，{missing}",
            "t",
        )
        .unwrap();
        let v = |n: &str| match n {
            "ratio" => json!(0.4149),
            "max" => json!(0.8),
            "rent" => json!(123_456),
            "days" => json!(96.6),
            "x" => json!(1.23456),
            "n" => json!(12),
            "s" => json!("合同A"),
            "b" => json!(true),
            _ => json!(null),
        };
        assert_eq!(
            t.render(Lang::Zh, v),
            "租金为中位数的 41%，阈值 80%；1234.56 元，0.12 万元，97 天，1.235，12，合同A，是，{字面}，—"
        );
        assert_eq!(t.names()[0], "ratio");
        assert_eq!(
            Template::parse("{a:pct1}", "t")
                .unwrap()
                .render(Lang::En, |_| json!(0.1234)),
            "12.3%"
        );
    }

    #[test]
    fn small_plain_floats_keep_their_significant_digits() {
        for (x, want) in [
            (0.001, "0.001"),
            (0.05, "0.05"),
            (0.123456, "0.123"),
            (0.000012345, "0.0000123"),
            (-0.25, "-0.25"),
            (1.5, "1.50"),
            (1234.5678, "1234.57"),
            (0.0, "0.00"),
        ] {
            assert_eq!(plain_float(x), want, "{x}");
        }
    }

    #[test]
    fn precise_errors() {
        let e = Template::parse("比例 {ratio", "SL-S01 explanation.zh").unwrap_err();
        assert_eq!(e.code, "IND_TEMPLATE");
        assert!(e.zh.contains("SL-S01 explanation.zh") && e.en.contains("not closed"));
        assert!(Template::parse("{Ratio}", "t").is_err());
        assert!(
            Template::parse("{r:pct9}", "t")
                .unwrap_err()
                .en
                .contains("pct9")
        );
        assert!(Template::parse("a } b", "t").is_err());
    }
}
