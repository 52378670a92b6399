//! `evidence.txt`: what the notarised procedure attests outside the nine published files — the
//! hashes read aloud and notarised at T0, T4 and T5, the T4 commit time, the drand round
//! embedded at T4 and when the ceremony finished. `verify all --evidence` checks against it.
//! Grammar: `docs/lottery-protocol.md` §8. Every key is optional; what is absent is reported.

use super::all::{Notarised, VerifyOptions};
use super::timing::TimingEvidence;
use crate::FormatError;
use crate::hash::{Hash32, parse_hex32, to_hex};
use crate::offers::{format_time, parse_time};
use crate::params::parse_dec;
use chrono::DateTime;

const ART: &str = "evidence.txt";

/// LOT1 §4.2: the roster must be final at least an hour before time(R).
pub const DEFAULT_MARGIN_SECS: i64 = 3600;

/// The keys in their canonical order.
pub const KEYS: [&str; 7] = [
    "notarised.params_sha256",
    "notarised.roster_sha256",
    "notarised.ceremony_sha256",
    "t4.commit_utc",
    "t4.not_before_round",
    "t5.ceremony_done_utc",
    "margin_secs",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    pub params_sha256: Option<Hash32>,
    pub roster_sha256: Option<Hash32>,
    pub ceremony_sha256: Option<Hash32>,
    pub t4_commit_unix: Option<i64>,
    pub not_before_round: Option<u64>,
    pub ceremony_done_unix: Option<i64>,
    pub margin_secs: Option<i64>,
}

fn time_text(unix: i64) -> String {
    DateTime::from_timestamp(unix, 0).map_or_else(|| unix.to_string(), |t| format_time(&t))
}

impl Evidence {
    /// Parses `key=value` lines (LF, no blank lines, each key at most once, any order).
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let mut ev = Evidence::default();
        let mut seen = std::collections::BTreeSet::new();
        for (i, line) in crate::hash::canonical_lines(ART, bytes)?.iter().enumerate() {
            let n = i + 1;
            let bad = |zh: String, en: String| FormatError::new(ART, n, zh, en);
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| bad("须为 键=值".into(), "expected key=value".into()))?;
            if !KEYS.contains(&k) {
                return Err(bad(
                    format!("未知的键 {k}（可用：{}）", KEYS.join("、")),
                    format!("unknown key {k} (known: {})", KEYS.join(", ")),
                ));
            }
            if !seen.insert(k.to_owned()) {
                return Err(bad(format!("键 {k} 重复"), format!("key {k} repeated")));
            }
            let hash = || {
                parse_hex32(v).ok_or_else(|| {
                    bad(
                        format!("{k} 须为 64 位小写十六进制"),
                        format!("{k} must be 64 lowercase hex digits"),
                    )
                })
            };
            let time = || {
                parse_time(v).map(|t| t.timestamp()).ok_or_else(|| {
                    bad(
                        format!("{k} 须为 RFC 3339 UTC 时间，如 2026-07-01T08:00:00Z"),
                        format!("{k} must be RFC 3339 UTC like 2026-07-01T08:00:00Z"),
                    )
                })
            };
            let number = || {
                parse_dec(v).ok_or_else(|| {
                    bad(
                        format!("{k} 须为十进制整数"),
                        format!("{k} must be a decimal integer"),
                    )
                })
            };
            match k {
                "notarised.params_sha256" => ev.params_sha256 = Some(hash()?),
                "notarised.roster_sha256" => ev.roster_sha256 = Some(hash()?),
                "notarised.ceremony_sha256" => ev.ceremony_sha256 = Some(hash()?),
                "t4.commit_utc" => ev.t4_commit_unix = Some(time()?),
                "t4.not_before_round" => ev.not_before_round = Some(number()?),
                "t5.ceremony_done_utc" => ev.ceremony_done_unix = Some(time()?),
                _ => {
                    ev.margin_secs = Some(i64::try_from(number()?).map_err(|_| {
                        bad("margin_secs 过大".into(), "margin_secs is too large".into())
                    })?);
                }
            }
        }
        Ok(ev)
    }

    /// Canonical bytes: the present keys in [`KEYS`] order, one `key=value` LF line each.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        let mut line = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                out.push_str(&format!("{k}={v}\n"));
            }
        };
        line(KEYS[0], self.params_sha256.as_ref().map(to_hex));
        line(KEYS[1], self.roster_sha256.as_ref().map(to_hex));
        line(KEYS[2], self.ceremony_sha256.as_ref().map(to_hex));
        line(KEYS[3], self.t4_commit_unix.map(time_text));
        line(KEYS[4], self.not_before_round.map(|r| r.to_string()));
        line(KEYS[5], self.ceremony_done_unix.map(time_text));
        line(KEYS[6], self.margin_secs.map(|m| m.to_string()));
        out.into_bytes()
    }

    /// Later values win key by key (a notary's record over the system's own).
    pub fn merged(&self, later: &Evidence) -> Evidence {
        Evidence {
            params_sha256: later.params_sha256.or(self.params_sha256),
            roster_sha256: later.roster_sha256.or(self.roster_sha256),
            ceremony_sha256: later.ceremony_sha256.or(self.ceremony_sha256),
            t4_commit_unix: later.t4_commit_unix.or(self.t4_commit_unix),
            not_before_round: later.not_before_round.or(self.not_before_round),
            ceremony_done_unix: later.ceremony_done_unix.or(self.ceremony_done_unix),
            margin_secs: later.margin_secs.or(self.margin_secs),
        }
    }

    /// Options for `verify all`: notarised hashes always; timing only when some time or round
    /// is present (otherwise the timing check says "no evidence").
    pub fn to_options(&self) -> VerifyOptions {
        let timing = (self.t4_commit_unix.is_some()
            || self.not_before_round.is_some()
            || self.ceremony_done_unix.is_some())
        .then(|| TimingEvidence {
            t4_commit_unix: self.t4_commit_unix,
            not_before_round: self.not_before_round,
            ceremony_done_unix: self.ceremony_done_unix,
            margin_secs: self.margin_secs.unwrap_or(DEFAULT_MARGIN_SECS),
        });
        VerifyOptions {
            notarised: Notarised {
                params_sha256: self.params_sha256,
                roster_sha256: self.roster_sha256,
                ceremony_sha256: self.ceremony_sha256,
            },
            timing,
            threads: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "4c04f9bdee5f4202bb3af0ea00f9d16d19eab8d1d9ab42714a673fca22b008bd";

    #[test]
    fn round_trips_in_canonical_order() {
        let text = format!(
            "t5.ceremony_done_utc=2026-07-01T07:30:00Z\nnotarised.roster_sha256={H}\nt4.not_before_round=123\n"
        );
        let ev = Evidence::parse(text.as_bytes()).unwrap();
        assert_eq!(ev.not_before_round, Some(123));
        let canon = String::from_utf8(ev.to_bytes()).unwrap();
        assert_eq!(
            canon,
            format!(
                "notarised.roster_sha256={H}\nt4.not_before_round=123\nt5.ceremony_done_utc=2026-07-01T07:30:00Z\n"
            )
        );
        assert_eq!(Evidence::parse(canon.as_bytes()).unwrap(), ev);
        let o = ev.to_options();
        assert!(o.notarised.roster_sha256.is_some() && o.notarised.params_sha256.is_none());
        assert_eq!(o.timing.unwrap().margin_secs, DEFAULT_MARGIN_SECS);
    }

    #[test]
    fn refuses_unknown_repeated_and_malformed_keys_by_line() {
        for (text, line, says) in [
            ("colour=red\n", 1, "unknown key colour"),
            ("margin_secs=60\nmargin_secs=60\n", 2, "repeated"),
            ("t4.commit_utc=2026-07-01 08:00\n", 1, "RFC 3339"),
            ("notarised.params_sha256=ABC\n", 1, "64 lowercase hex"),
            ("t4.not_before_round\n", 1, "key=value"),
        ] {
            let e = Evidence::parse(text.as_bytes()).unwrap_err();
            assert_eq!((e.artefact, e.line), (ART, line), "{text}");
            assert!(e.en.contains(says), "{text}: {}", e.en);
        }
        assert_eq!(Evidence::parse(b"").unwrap(), Evidence::default());
        assert!(Evidence::default().to_options().timing.is_none());
    }

    #[test]
    fn later_values_win_key_by_key() {
        let a = Evidence {
            t4_commit_unix: Some(10),
            not_before_round: Some(5),
            ..Evidence::default()
        };
        let b = Evidence {
            t4_commit_unix: Some(20),
            ..Evidence::default()
        };
        let m = a.merged(&b);
        assert_eq!((m.t4_commit_unix, m.not_before_round), (Some(20), Some(5)));
    }
}
