//! Cell values as readers deliver them, and typed Arrow column builders that validate,
//! normalise and convert them. Every source format goes through the same `push`.

use crate::schema::{ColType, Column, normalize_header};
use arrow_array::ArrayRef;
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampSecondBuilder,
};
use arrow_schema::{DataType, Field, TimeUnit};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use qinglian_core::{DivisionCode, Msg, ids, money};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Asia/Shanghai has had no DST since 1991: a fixed offset is exact for our records.
pub(crate) const TZ: &str = "+08:00";
const TZ_SECS: i64 = 8 * 3600;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Empty,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    DateTime(NaiveDateTime),
}

impl Cell<'_> {
    /// The value as the user would read it back in an error message.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Str(s) => s.chars().take(80).collect(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::DateTime(d) => d.to_string(),
        }
    }
}

pub(crate) fn arrow_type(ty: ColType) -> DataType {
    match ty {
        ColType::Int | ColType::Money => DataType::Int64,
        ColType::Float => DataType::Float64,
        ColType::Date => DataType::Date32,
        ColType::DateTime => DataType::Timestamp(TimeUnit::Second, Some(TZ.into())),
        ColType::Bool => DataType::Boolean,
        _ => DataType::Utf8,
    }
}

pub(crate) fn arrow_field(c: &Column) -> Field {
    Field::new(&c.name, arrow_type(c.ty), !c.required)
}

enum B {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Date(Date32Builder),
    Ts(TimestampSecondBuilder),
    Bool(BooleanBuilder),
}

pub(crate) struct ColumnBuilder {
    pub col: Column,
    enum_map: BTreeMap<String, String>,
    /// Labels and codes exactly as written, looked up before normalising.
    enum_exact: HashMap<String, String>,
    b: B,
}

fn expect(col: &Column) -> Msg {
    let (zh, en) = col.ty.expectation();
    let allowed = if col.ty == ColType::Enum {
        let vals: Vec<String> = col
            .values
            .iter()
            .map(|v| format!("{}({})", v.zh, v.code))
            .collect();
        format!("：{}", vals.join("、"))
    } else {
        String::new()
    };
    let allowed_en = if col.ty == ColType::Enum {
        let vals: Vec<String> = col
            .values
            .iter()
            .map(|v| format!("{} ({})", v.code, v.zh))
            .collect();
        format!(": {}", vals.join(", "))
    } else {
        String::new()
    };
    Msg::new(
        "IMPORT_BAD_CELL",
        format!("应为{zh}{allowed}"),
        format!("expected {en}{allowed_en}"),
    )
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")
}

pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
    }
    // "2024-03-15 00:00:00" as exported by many systems for pure dates
    parse_datetime(s)
        .filter(|dt| dt.time() == NaiveTime::MIN)
        .map(|dt| dt.date())
}

pub(crate) fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(dt.naive_utc() + chrono::Duration::seconds(TZ_SECS));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(d);
        }
    }
    None
}

/// `1234`, `-1234.5`, `1234.56`: the common spelling, parsed without allocating.
fn plain_fen(s: &str) -> Option<i64> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty()
        || int.len() > 15
        || frac.len() > 2
        || !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut v: i64 = int.parse::<i64>().ok()? * 100;
    let f = frac.as_bytes();
    if let Some(&d) = f.first() {
        v += i64::from(d - b'0') * 10;
    }
    if let Some(&d) = f.get(1) {
        v += i64::from(d - b'0');
    }
    Some(if neg { -v } else { v })
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD`, the spelling most exports use, parsed without chrono's format machinery.
fn iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        digits(&b[..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`).
fn iso_datetime(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19 || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let t = NaiveTime::from_hms_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    )?;
    Some(iso_date(&s[..10])?.and_time(t))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "是" | "1" | "Y" | "y" => return Some(true),
        "否" | "0" | "N" | "n" => return Some(false),
        _ => {}
    }
    match s.trim().to_ascii_lowercase().as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" | "t" => Some(true),
        "否" | "n" | "no" | "false" | "0" | "×" | "f" => Some(false),
        _ => None,
    }
}

impl ColumnBuilder {
    pub fn new(col: &Column, capacity: usize) -> Self {
        let b = match col.ty {
            ColType::Int | ColType::Money => B::Int(Int64Builder::with_capacity(capacity)),
            ColType::Float => B::Float(Float64Builder::with_capacity(capacity)),
            ColType::Date => B::Date(Date32Builder::with_capacity(capacity)),
            ColType::DateTime => {
                B::Ts(TimestampSecondBuilder::with_capacity(capacity).with_timezone(TZ))
            }
            ColType::Bool => B::Bool(BooleanBuilder::with_capacity(capacity)),
            _ => B::Text(StringBuilder::with_capacity(capacity, capacity * 8)),
        };
        let mut enum_map = BTreeMap::new();
        let mut enum_exact = HashMap::new();
        for v in &col.values {
            enum_exact.insert(v.code.clone(), v.code.clone());
            enum_exact.insert(v.zh.clone(), v.code.clone());
            enum_map.insert(normalize_header(&v.code), v.code.clone());
            enum_map.insert(normalize_header(&v.zh), v.code.clone());
        }
        ColumnBuilder {
            col: col.clone(),
            enum_map,
            enum_exact,
            b,
        }
    }

    fn push_null(&mut self) {
        match &mut self.b {
            B::Text(b) => b.append_null(),
            B::Int(b) => b.append_null(),
            B::Float(b) => b.append_null(),
            B::Date(b) => b.append_null(),
            B::Ts(b) => b.append_null(),
            B::Bool(b) => b.append_null(),
        }
    }

    /// Validates and appends one cell. On error nothing is appended for this cell except a
    /// null, so the builders stay aligned while the reader goes on collecting errors.
    pub fn push(&mut self, cell: Cell<'_>) -> Result<(), Msg> {
        let cell = match cell {
            Cell::Str(s) if s.trim().is_empty() => Cell::Empty,
            c => c,
        };
        if let Cell::Empty = cell {
            self.push_null();
            if self.col.required {
                return Err(Msg::new(
                    "IMPORT_MISSING_VALUE",
                    format!("必填项为空：{}", expect(&self.col).zh),
                    format!("required value is empty: {}", expect(&self.col).en),
                ));
            }
            return Ok(());
        }
        let r = self.push_value(cell);
        if r.is_err() {
            self.push_null();
        }
        r
    }

    fn push_value(&mut self, cell: Cell<'_>) -> Result<(), Msg> {
        let col = &self.col;
        let bad = || expect(col);
        match (&mut self.b, col.ty) {
            (B::Text(b), ColType::Text) => match cell {
                Cell::Str(s) => b.append_value(s.trim()),
                Cell::Int(i) => b.append_value(i.to_string()),
                // Excel stores numeric-looking codes as floats; keep integral ones exact.
                Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                    b.append_value(format!("{}", f as i64));
                }
                Cell::Float(f) => b.append_value(f.to_string()),
                Cell::Bool(v) => b.append_value(if v { "是" } else { "否" }),
                Cell::DateTime(d) => b.append_value(d.to_string()),
                Cell::Empty => unreachable!("handled in push"),
            },
            (B::Text(b), ColType::Division) => {
                // Fast path: an already-normal 6- or 9-digit code is appended as it is.
                if let Cell::Str(s) = cell {
                    let t = s.trim();
                    if (t.len() == 6 || t.len() == 9) && DivisionCode::parse(t).is_ok() {
                        b.append_value(t);
                        return Ok(());
                    }
                }
                let s = text_of(cell).ok_or_else(bad)?;
                let code = DivisionCode::parse(&s)?;
                b.append_value(code.as_str());
            }
            (B::Text(b), ColType::CitizenId) => {
                let s = match cell {
                    Cell::Float(_) | Cell::Int(_) => {
                        return Err(Msg::new(
                            "BAD_CITIZEN_ID",
                            "身份证号被存成了数字，末几位已丢失；请在 Excel 中把该列设为“文本”后重新录入",
                            "the citizen ID was stored as a number and lost its last digits; format the column as Text in Excel and re-enter it",
                        ));
                    }
                    c => text_of(c).ok_or_else(bad)?,
                };
                let id = ids::normalize_citizen_id(&s);
                ids::validate_citizen_id(&id)?;
                b.append_value(id);
            }
            (B::Text(b), ColType::Uscc) => {
                let s = text_of(cell).ok_or_else(bad)?;
                let code = ids::normalize_uscc(&s);
                ids::validate_uscc(&code)?;
                b.append_value(code);
            }
            (B::Text(b), ColType::Enum) => {
                if let Cell::Str(s) = cell
                    && let Some(code) = self.enum_exact.get(s.trim())
                {
                    b.append_value(code);
                    return Ok(());
                }
                let s = text_of(cell).ok_or_else(bad)?;
                let code = self.enum_map.get(&normalize_header(&s)).ok_or_else(bad)?;
                b.append_value(code);
            }
            (B::Int(b), ColType::Int) => {
                let v = match cell {
                    Cell::Int(i) => i,
                    Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => f as i64,
                    Cell::Str(s) => match s.trim().parse() {
                        Ok(v) => v,
                        Err(_) => s
                            .trim()
                            .replace([',', '，'], "")
                            .parse()
                            .map_err(|_| bad())?,
                    },
                    _ => return Err(bad()),
                };
                b.append_value(v);
            }
            (B::Int(b), ColType::Money) => {
                let v = match cell {
                    Cell::Int(i) => i.checked_mul(100).ok_or_else(bad)?,
                    Cell::Float(f) => money::fen_from_f64(f)?,
                    Cell::Str(s) => match plain_fen(s.trim()) {
                        Some(v) => v,
                        None => money::parse_yuan(s)?,
                    },
                    _ => return Err(bad()),
                };
                b.append_value(v);
            }
            (B::Float(b), _) => {
                let v = match cell {
                    Cell::Int(i) => i as f64,
                    Cell::Float(f) => f,
                    Cell::Str(s) => {
                        let t = s.trim().replace([',', '，'], "");
                        t.strip_suffix('%')
                            .unwrap_or(&t)
                            .trim()
                            .parse()
                            .map_err(|_| bad())?
                    }
                    _ => return Err(bad()),
                };
                if !v.is_finite() {
                    return Err(bad());
                }
                b.append_value(v);
            }
            (B::Date(b), _) => {
                let d = match cell {
                    Cell::DateTime(dt) => dt.date(),
                    Cell::Str(s) => iso_date(s.trim())
                        .or_else(|| parse_date(s))
                        .ok_or_else(bad)?,
                    _ => return Err(bad()),
                };
                b.append_value((d - epoch()).num_days() as i32);
            }
            (B::Ts(b), _) => {
                let dt = match cell {
                    Cell::DateTime(dt) => dt,
                    Cell::Str(s) => iso_datetime(s.trim())
                        .or_else(|| parse_datetime(s))
                        .or_else(|| parse_date(s).map(|d| d.and_time(NaiveTime::MIN)))
                        .ok_or_else(bad)?,
                    _ => return Err(bad()),
                };
                b.append_value(dt.and_utc().timestamp() - TZ_SECS);
            }
            (B::Bool(b), _) => {
                let v = match cell {
                    Cell::Bool(v) => v,
                    Cell::Int(i) if i == 0 || i == 1 => i == 1,
                    Cell::Float(f) if f == 0.0 || f == 1.0 => f == 1.0,
                    Cell::Str(s) => parse_bool(s).ok_or_else(bad)?,
                    _ => return Err(bad()),
                };
                b.append_value(v);
            }
            _ => return Err(bad()),
        }
        Ok(())
    }

    pub fn finish(mut self) -> ArrayRef {
        match &mut self.b {
            B::Text(b) => Arc::new(b.finish()),
            B::Int(b) => Arc::new(b.finish()),
            B::Float(b) => Arc::new(b.finish()),
            B::Date(b) => Arc::new(b.finish()),
            B::Ts(b) => Arc::new(b.finish()),
            B::Bool(b) => Arc::new(b.finish()),
        }
    }
}

/// Text of a code-like cell; integral numbers become digit strings (division codes typed as
/// numbers in Excel are common).
fn text_of(cell: Cell<'_>) -> Option<String> {
    match cell {
        Cell::Str(s) => Some(s.trim().to_owned()),
        Cell::Int(i) => Some(i.to_string()),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", f as i64)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;
    use arrow_array::{Array, StringArray};

    fn col(ds: &str, name: &str) -> Column {
        Catalogue::builtin()
            .get(ds)
            .unwrap()
            .column(name)
            .unwrap()
            .clone()
    }

    #[test]
    fn enums_accept_chinese_and_codes() {
        let mut b = ColumnBuilder::new(&col("units", "kind"), 4);
        b.push(Cell::Str("国企")).unwrap();
        b.push(Cell::Str("school")).unwrap();
        let e = b.push(Cell::Str("工厂")).unwrap_err();
        assert!(e.zh.contains("国企(soe)"), "{}", e.zh);
        let a = b.finish();
        let a = a.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(a.value(0), "soe");
        assert_eq!(a.value(1), "school");
        assert!(a.is_null(2));
    }

    #[test]
    fn ids_are_normalised_and_checked() {
        let mut b = ColumnBuilder::new(&col("people", "citizen_id"), 4);
        b.push(Cell::Str(" 11010519491231002x")).unwrap();
        assert_eq!(
            b.push(Cell::Str("110105194912310021")).unwrap_err().code,
            "BAD_CITIZEN_ID"
        );
        assert_eq!(
            b.push(Cell::Float(1.1010519491231e17)).unwrap_err().code,
            "BAD_CITIZEN_ID"
        );
        assert_eq!(
            b.push(Cell::Empty).unwrap_err().code,
            "IMPORT_MISSING_VALUE"
        );
    }

    #[test]
    fn dates_in_common_spellings() {
        for s in [
            "2024-03-05",
            "2024/3/5",
            "2024年3月5日",
            "20240305",
            "2024-03-05 00:00:00",
        ] {
            assert_eq!(parse_date(s), NaiveDate::from_ymd_opt(2024, 3, 5), "{s}");
        }
        assert!(parse_date("2024-02-30").is_none());
        let dt = parse_datetime("2024-03-05T00:00:00Z").unwrap();
        assert_eq!(dt.to_string(), "2024-03-05 08:00:00");
    }

    #[test]
    fn fast_paths_agree_with_the_general_parsers() {
        for s in ["0", "12", "-3.5", "1234.56", "7.", "99999999999.99"] {
            assert_eq!(plain_fen(s), money::parse_yuan(s).ok(), "{s}");
        }
        for s in ["1.234", "", "-", ".5", "1,234", "12a"] {
            assert!(
                plain_fen(s).is_none() || plain_fen(s) == money::parse_yuan(s).ok(),
                "{s}"
            );
        }
        for s in [
            "2024-03-05",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-3-5",
        ] {
            assert_eq!(iso_date(s).or_else(|| parse_date(s)), parse_date(s), "{s}");
        }
        for s in [
            "2024-03-05 08:30:00",
            "2024-03-05T23:59:59",
            "2024-03-05 24:00:00",
        ] {
            assert_eq!(
                iso_datetime(s),
                NaiveDateTime::parse_from_str(&s.replace('T', " "), "%Y-%m-%d %H:%M:%S").ok(),
                "{s}"
            );
        }
    }

    #[test]
    fn booleans_and_floats() {
        assert_eq!(parse_bool("是"), Some(true));
        assert_eq!(parse_bool("否"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
        let mut b = ColumnBuilder::new(&col("org_relations", "share_pct"), 2);
        b.push(Cell::Str("35%")).unwrap();
        assert!(b.push(Cell::Str("abc")).is_err());
    }
}
