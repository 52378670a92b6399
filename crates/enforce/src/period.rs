//! Reporting periods (统计周期): a day, an ISO week, a ten-day period (旬), a month, a year, or
//! any range of days. Days are Asia/Shanghai calendar days; a period is the half-open interval
//! from local midnight of its first day to local midnight after its last.
//!
//! Syntax (one spelling per kind, so nothing is ambiguous):
//!
//! | text                        | period                                   |
//! |-----------------------------|------------------------------------------|
//! | `2025-09-03`                | that day                                 |
//! | `2025-W36`                  | ISO week 36 of 2025 (Monday to Sunday)   |
//! | `2025-09上旬` / `2025-09-D1`  | 1st–10th September (上旬)                 |
//! | `2025-09中旬` / `2025-09-D2`  | 11th–20th (中旬)                          |
//! | `2025-09下旬` / `2025-09-D3`  | 21st to the end of the month (下旬)       |
//! | `2025-09`                   | the month                                |
//! | `2025`                      | the year                                 |
//! | `2025-09-01..2025-09-10`    | both days included                       |
//!
//! `D` stands for dekad, the usual English word for 旬.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use qinglian_core::Msg;
use serde::Serialize;

/// Asia/Shanghai has had no daylight saving since 1991: local midnight is UTC 16:00 the day before.
pub const TZ_SECS: i64 = 8 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The text as the user gave it, normalised (`2025-09上旬`).
    pub label: String,
    pub kind: PeriodKind,
    /// First day.
    pub first: NaiveDate,
    /// Last day (included).
    pub last: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Day,
    Week,
    Dekad,
    Month,
    Year,
    Range,
}

impl PeriodKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            PeriodKind::Day => "日",
            PeriodKind::Week => "周",
            PeriodKind::Dekad => "旬",
            PeriodKind::Month => "月",
            PeriodKind::Year => "年",
            PeriodKind::Range => "自定义区间",
        }
    }
}

/// Seconds since the epoch (UTC) of local midnight at the start of `d`.
pub fn local_midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
        - TZ_SECS
}

/// The local calendar day of an instant.
pub fn local_day(ts: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(ts + TZ_SECS, 0).map_or(NaiveDate::MIN, |d| d.date_naive())
}

/// `2025-09-03 08:30:00`, local time.
pub fn local_text(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts + TZ_SECS, 0)
        .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Days since 1970-01-01 (Arrow `Date32`) of a date.
pub fn date32(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// An instant (UTC seconds) that shows, and serialises, as local time `2025-09-03 08:30:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(pub i64);

impl LocalTime {
    pub fn text(self) -> String {
        local_text(self.0)
    }
}

impl Serialize for LocalTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

fn bad(s: &str) -> Msg {
    Msg::new(
        "PERIOD_SYNTAX",
        format!(
            "无法识别统计周期“{s}”：应为 2025-09-03（日）、2025-W36（ISO 周）、2025-09上旬/中旬/下旬 或 2025-09-D1/D2/D3（旬）、2025-09（月）、2025（年）、2025-09-01..2025-09-10（区间，含两端）"
        ),
        format!(
            "unrecognised period '{s}': expected 2025-09-03 (day), 2025-W36 (ISO week), 2025-09上旬/中旬/下旬 or 2025-09-D1/D2/D3 (dekad), 2025-09 (month), 2025 (year), 2025-09-01..2025-09-10 (range, both days included)"
        ),
    )
}

fn month_start(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

fn day(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl Period {
    pub fn parse(text: &str) -> Result<Period, Msg> {
        let s = text.trim();
        let make = |kind, first: NaiveDate, last: NaiveDate, label: String| Period {
            label,
            kind,
            first,
            last,
        };
        if let Some((a, b)) = s.split_once("..") {
            let (first, last) = (
                day(a.trim()).ok_or_else(|| bad(s))?,
                day(b.trim()).ok_or_else(|| bad(s))?,
            );
            if last < first {
                return Err(Msg::new(
                    "PERIOD_ORDER",
                    format!("统计区间“{s}”的结束日早于开始日"),
                    format!("period '{s}' ends before it starts"),
                ));
            }
            return Ok(make(
                PeriodKind::Range,
                first,
                last,
                format!("{first}..{last}"),
            ));
        }
        if let Some(d) = day(s) {
            return Ok(make(PeriodKind::Day, d, d, d.to_string()));
        }
        if let Some((y, w)) = s.split_once("-W").or_else(|| s.split_once("-w")) {
            let year: i32 = y.parse().map_err(|_| bad(s))?;
            let week: u32 = w.parse().map_err(|_| bad(s))?;
            let first =
                NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(|| bad(s))?;
            let last = first + Days::new(6);
            return Ok(make(
                PeriodKind::Week,
                first,
                last,
                format!("{year}-W{week:02}"),
            ));
        }
        for (suffixes, n) in [
            (["上旬", "-D1", "-d1"], 0u32),
            (["中旬", "-D2", "-d2"], 1),
            (["下旬", "-D3", "-d3"], 2),
        ] {
            for suf in suffixes {
                if let Some(m) = s.strip_suffix(suf) {
                    let start = month_start(m.trim_end_matches('-')).ok_or_else(|| bad(s))?;
                    let first = start + Days::new(u64::from(n) * 10);
                    let last = if n == 2 {
                        start + Months::new(1) - Days::new(1)
                    } else {
                        first + Days::new(9)
                    };
                    let label = format!(
                        "{}{}",
                        start.format("%Y-%m"),
                        ["上旬", "中旬", "下旬"][n as usize]
                    );
                    return Ok(make(PeriodKind::Dekad, first, last, label));
                }
            }
        }
        if let Some(first) = month_start(s) {
            let last = first + Months::new(1) - Days::new(1);
            return Ok(make(
                PeriodKind::Month,
                first,
                last,
                first.format("%Y-%m").to_string(),
            ));
        }
        if s.len() == 4
            && let Ok(y) = s.parse::<i32>()
            && let (Some(first), Some(last)) = (
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 12, 31),
            )
        {
            return Ok(make(PeriodKind::Year, first, last, y.to_string()));
        }
        Err(bad(s))
    }

    /// Start instant (UTC seconds): local midnight of the first day.
    pub fn start(&self) -> i64 {
        local_midnight(self.first)
    }

    /// End instant (UTC seconds, excluded): local midnight after the last day.
    pub fn end(&self) -> i64 {
        local_midnight(self.last + Days::new(1))
    }

    pub fn contains(&self, ts: i64) -> bool {
        ts >= self.start() && ts < self.end()
    }

    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// The same kind of period just before this one (for comparisons on the board).
    pub fn previous(&self) -> Period {
        match self.kind {
            PeriodKind::Month => {
                let first = self.first - Months::new(1);
                Period::parse(&first.format("%Y-%m").to_string()).expect("valid month")
            }
            PeriodKind::Year => Period::parse(&(self.first.year() - 1).to_string()).expect("year"),
            PeriodKind::Dekad => {
                let prev_last = self.first - Days::new(1);
                let n = match prev_last.day() {
                    1..=10 => "上旬",
                    11..=20 => "中旬",
                    _ => "下旬",
                };
                Period::parse(&format!("{}{n}", prev_last.format("%Y-%m"))).expect("dekad")
            }
            PeriodKind::Day => {
                let d = self.first - Days::new(1);
                Period::parse(&d.to_string()).expect("day")
            }
            PeriodKind::Week => {
                let w = (self.first - Days::new(7)).iso_week();
                Period::parse(&format!("{}-W{:02}", w.year(), w.week())).expect("week")
            }
            PeriodKind::Range => {
                let len = Days::new(self.days() as u64);
                let (first, last) = (self.first - len, self.last - len);
                Period {
                    label: format!("{first}..{last}"),
                    kind: PeriodKind::Range,
                    first,
                    last,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn every_kind_parses_to_its_days() {
        let cases = [
            ("2025-09-03", "2025-09-03", "2025-09-03", PeriodKind::Day),
            ("2025-W36", "2025-09-01", "2025-09-07", PeriodKind::Week),
            ("2025-W01", "2024-12-30", "2025-01-05", PeriodKind::Week),
            ("2025-09上旬", "2025-09-01", "2025-09-10", PeriodKind::Dekad),
            ("2025-09-D2", "2025-09-11", "2025-09-20", PeriodKind::Dekad),
            ("2025-09下旬", "2025-09-21", "2025-09-30", PeriodKind::Dekad),
            ("2024-02-D3", "2024-02-21", "2024-02-29", PeriodKind::Dekad),
            ("2025-02", "2025-02-01", "2025-02-28", PeriodKind::Month),
            ("2025", "2025-01-01", "2025-12-31", PeriodKind::Year),
            (
                "2025-09-01..2025-09-10",
                "2025-09-01",
                "2025-09-10",
                PeriodKind::Range,
            ),
        ];
        for (text, first, last, kind) in cases {
            let p = Period::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                (p.first, p.last, p.kind),
                (d(first), d(last), kind),
                "{text}"
            );
        }
        assert_eq!(Period::parse("2025-09-D1").unwrap().label, "2025-09上旬");
    }

    #[test]
    fn bad_text_is_refused_with_the_syntax() {
        for s in [
            "",
            "2025-9",
            "2025-13",
            "2025-W54",
            "2025-09-D4",
            "09-2025",
            "2025-09-10..2025-09-01",
            "2025-02-30",
        ] {
            assert!(Period::parse(s).is_err(), "{s} should be refused");
        }
        assert_eq!(Period::parse("x").unwrap_err().code, "PERIOD_SYNTAX");
    }

    #[test]
    fn bounds_are_local_midnights() {
        let p = Period::parse("2025-09-01").unwrap();
        // 2025-09-01 00:00 +08:00 = 2025-08-31 16:00 UTC
        assert_eq!(p.start(), 1_756_656_000);
        assert_eq!(p.end() - p.start(), 86_400);
        assert!(p.contains(p.start()) && !p.contains(p.end()));
        assert_eq!(local_day(p.start()), d("2025-09-01"));
        assert_eq!(local_day(p.start() - 1), d("2025-08-31"));
        assert_eq!(local_text(p.start() + 3600), "2025-09-01 01:00:00");
    }

    #[test]
    fn previous_period_is_the_same_kind() {
        let prev = |s: &str| Period::parse(s).unwrap().previous();
        assert_eq!(prev("2025-09上旬").label, "2025-08下旬");
        assert_eq!(prev("2025-09下旬").label, "2025-09中旬");
        assert_eq!(prev("2025-03").first, d("2025-02-01"));
        assert_eq!(prev("2025-W36").first, d("2025-08-25"));
    }
}
