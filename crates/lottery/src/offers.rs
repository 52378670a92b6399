//! `offers_log.csv`: the append-only post-draw log `seq,time_utc,school,C_i,event`
//! (event ∈ offer | accept | decline | expire), and its replay against the waitlists.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::FormatError;
use crate::allocate::{UNASSIGNED, waitlists};
use crate::draw::Draw;
use crate::hash::{Hash32, is_code, parse_hex32, push_hex, to_hex};
use crate::params::parse_dec;

const ART: &str = "offers_log.csv";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Event {
    Offer,
    Accept,
    Decline,
    Expire,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offer => "offer",
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Expire => "expire",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferLine {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub school: String,
    pub commitment: Hash32,
    pub event: Event,
}

/// RFC 3339 UTC with seconds and `Z`, e.g. `2026-07-01T08:00:00Z`; the only accepted spelling.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
        .ok()?
        .and_utc();
    (format_time(&t) == s).then_some(t)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffersLog {
    pub lines: Vec<OfferLine>,
}

impl OffersLog {
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let lines = crate::hash::canonical_lines(ART, bytes)?;
        let mut out = Vec::with_capacity(lines.len());
        for (i, l) in lines.iter().enumerate() {
            let n = i + 1;
            let bad = |zh: &str, en: &str| FormatError::new(ART, n, zh, en);
            let f: Vec<&str> = l.split(',').collect();
            if f.len() != 5 {
                return Err(bad(
                    "须为 seq,time_utc,school,C_i,event 五列",
                    "expected five columns seq,time_utc,school,C_i,event",
                ));
            }
            let seq: u64 =
                parse_dec(f[0]).ok_or_else(|| bad("seq 须为十进制", "seq must be decimal"))?;
            if seq != n as u64 {
                return Err(bad(
                    "seq 须从 1 起连续递增",
                    "seq must run 1, 2, 3, … without gaps",
                ));
            }
            let time = parse_time(f[1]).ok_or_else(|| {
                bad(
                    "时间须为 RFC 3339 UTC，如 2026-07-01T08:00:00Z",
                    "time must be RFC 3339 UTC like 2026-07-01T08:00:00Z",
                )
            })?;
            if out.last().is_some_and(|p: &OfferLine| time < p.time) {
                return Err(bad(
                    "时间不得早于上一行（只可追加）",
                    "time goes backwards (the log is append-only)",
                ));
            }
            if !is_code(f[2]) {
                return Err(bad("学校代码无效", "invalid school code"));
            }
            let commitment = parse_hex32(f[3])
                .ok_or_else(|| bad("C_i 须为 64 位小写十六进制", "C_i must be 64 lowercase hex"))?;
            let event = match f[4] {
                "offer" => Event::Offer,
                "accept" => Event::Accept,
                "decline" => Event::Decline,
                "expire" => Event::Expire,
                _ => {
                    return Err(bad(
                        "事件须为 offer|accept|decline|expire",
                        "event must be offer|accept|decline|expire",
                    ));
                }
            };
            out.push(OfferLine {
                seq,
                time,
                school: f[2].to_owned(),
                commitment,
                event,
            });
        }
        Ok(Self { lines: out })
    }

    /// Appends an event with the next `seq`; refuses a time earlier than the last line.
    pub fn append(
        &mut self,
        time: DateTime<Utc>,
        school: &str,
        commitment: Hash32,
        event: Event,
    ) -> Result<u64, FormatError> {
        let seq = self.lines.len() as u64 + 1;
        if self.lines.last().is_some_and(|p| time < p.time) || !is_code(school) {
            return Err(FormatError::new(
                ART,
                seq as usize,
                "时间倒退或学校代码无效",
                "time goes backwards or invalid school code",
            ));
        }
        self.lines.push(OfferLine {
            seq,
            time,
            school: school.to_owned(),
            commitment,
            event,
        });
        Ok(seq)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for l in &self.lines {
            out.extend_from_slice(
                format!("{},{},{},", l.seq, format_time(&l.time), l.school).as_bytes(),
            );
            push_hex(&mut out, &l.commitment);
            out.push(b',');
            out.extend_from_slice(l.event.as_str().as_bytes());
            out.push(b'\n');
        }
        out
    }
}

/// What the replay starts from: the published seats, waitlists and preferences.
pub struct ReplayBase<'a> {
    pub codes: Vec<&'a str>,
    pub caps: Vec<u64>,
    pub commits: &'a [Hash32],
    /// Choice list (school indices, best first) per applicant.
    pub prefs: Vec<Vec<u32>>,
    /// Seat per applicant from `results.csv`.
    pub seat: Vec<Option<u32>>,
    /// Applicant indices per school in waitlist rank order.
    pub waitlists: Vec<Vec<u32>>,
}

impl<'a> ReplayBase<'a> {
    /// The base a draw leaves: its seats, waitlists and every applicant's choices.
    pub fn from_draw(d: &'a Draw) -> Self {
        let lists = waitlists(&d.instance, &d.assigned);
        Self {
            codes: d.school_codes(),
            caps: d
                .params
                .schools
                .values()
                .map(|s| u64::from(s.cap))
                .collect(),
            commits: &d.roster.commits,
            prefs: (0..d.roster.len())
                .map(|i| d.roster.choices_of(i).iter().map(|c| c.school).collect())
                .collect(),
            seat: d
                .assigned
                .iter()
                .map(|&a| (a != UNASSIGNED).then_some(a))
                .collect(),
            waitlists: lists
                .into_iter()
                .map(|l| l.into_iter().map(|(_, i)| i).collect())
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayIssue {
    pub seq: u64,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    pub counts: BTreeMap<&'static str, u64>,
    pub issues: Vec<ReplayIssue>,
    /// Seats held per school after the log.
    pub filled: Vec<u64>,
}

/// The replay's state after some prefix of the log: seats held, open offers and who has let
/// an offer from a school go. `record` (the store) and `verify all` share it, so an event the
/// store accepts is exactly one the published replay accepts.
pub struct Replayer<'a> {
    base: &'a ReplayBase<'a>,
    code_ix: BTreeMap<&'a str, u32>,
    seat: Vec<Option<u32>>,
    filled: Vec<u64>,
    open: BTreeSet<(u32, u32)>,
    open_count: Vec<u64>,
    out_of_list: BTreeSet<(u32, u32)>,
}

impl<'a> Replayer<'a> {
    pub fn new(base: &'a ReplayBase<'a>) -> Self {
        let ns = base.codes.len();
        let mut filled = vec![0u64; ns];
        for s in base.seat.iter().flatten() {
            filled[*s as usize] += 1;
        }
        Self {
            base,
            code_ix: base.codes.iter().copied().zip(0u32..).collect(),
            seat: base.seat.clone(),
            filled,
            open: BTreeSet::new(),
            open_count: vec![0; ns],
            out_of_list: BTreeSet::new(),
        }
    }

    pub fn school_index(&self, code: &str) -> Option<u32> {
        self.code_ix.get(code).copied()
    }

    /// Whether applicant `i` ranks school `s` above the seat held (or holds none).
    fn prefers(&self, i: u32, s: u32) -> bool {
        let p = &self.base.prefs[i as usize];
        let Some(rs) = p.iter().position(|x| *x == s) else {
            return false;
        };
        self.seat[i as usize]
            .is_none_or(|cur| p.iter().position(|x| *x == cur).is_none_or(|rc| rs < rc))
    }

    /// Seats at `s` neither held nor under an open offer.
    pub fn free_seats(&self, s: u32) -> u64 {
        let su = s as usize;
        self.base.caps[su].saturating_sub(self.filled[su] + self.open_count[su])
    }

    /// The applicant the next offer at `s` must go to, if anyone is still eligible.
    pub fn next_eligible(&self, s: u32) -> Option<u32> {
        self.base.waitlists[s as usize].iter().copied().find(|&j| {
            !self.out_of_list.contains(&(s, j))
                && !self.open.contains(&(s, j))
                && self.prefers(j, s)
        })
    }

    /// Seat per applicant after the events applied so far.
    pub fn seats(&self) -> &[Option<u32>] {
        &self.seat
    }

    /// Applies one line; returns what is wrong with it as (zh, en) pairs (empty: fine).
    pub fn apply(&mut self, l: &OfferLine) -> Vec<(String, String)> {
        let mut issues = Vec::new();
        let mut issue = |zh: String, en: String| issues.push((zh, en));
        let Some(s) = self.school_index(&l.school) else {
            issue(
                format!("学校 {} 不存在", l.school),
                format!("unknown school {}", l.school),
            );
            return issues;
        };
        let Ok(i) = self.base.commits.binary_search(&l.commitment) else {
            issue(
                "C_i 不在名册中".into(),
                format!("C_i {} is not in the roster", to_hex(&l.commitment)),
            );
            return issues;
        };
        let i = i as u32;
        let su = s as usize;
        match l.event {
            Event::Offer => {
                if self.free_seats(s) == 0 {
                    issue(
                        format!("{} 没有空余学位却发出录取通知", l.school),
                        format!("offer at {} without a free seat", l.school),
                    );
                }
                let expected = self.next_eligible(s);
                if expected != Some(i) {
                    let who =
                        expected.map_or("-".to_owned(), |j| to_hex(&self.base.commits[j as usize]));
                    issue(
                        format!("递补顺序错误：{} 应先递补 {who}", l.school),
                        format!(
                            "out-of-order offer at {}: the next eligible applicant is {who}",
                            l.school
                        ),
                    );
                }
                if self.open.insert((s, i)) {
                    self.open_count[su] += 1;
                }
            }
            Event::Accept => {
                if !self.open.remove(&(s, i)) {
                    issue(
                        "接受了不存在的录取通知".into(),
                        "accept without an open offer".into(),
                    );
                    return issues;
                }
                self.open_count[su] -= 1;
                if !self.prefers(i, s) {
                    issue(
                        "接受的学校不优于已有学位".into(),
                        "accepted a school not preferred to the seat held".into(),
                    );
                }
                if let Some(old) = self.seat[i as usize] {
                    self.filled[old as usize] -= 1;
                }
                self.seat[i as usize] = Some(s);
                self.filled[su] += 1;
            }
            Event::Decline | Event::Expire => {
                if self.open.remove(&(s, i)) {
                    self.open_count[su] -= 1;
                    self.out_of_list.insert((s, i));
                } else if l.event == Event::Decline && self.seat[i as usize] == Some(s) {
                    // Giving up the seat held releases it for the waitlist.
                    self.seat[i as usize] = None;
                    self.filled[su] -= 1;
                } else {
                    issue(
                        format!("{} 在 {} 既无录取通知也无学位", l.event.as_str(), l.school),
                        format!(
                            "{} by an applicant with neither an open offer nor a seat at {}",
                            l.event.as_str(),
                            l.school
                        ),
                    );
                }
            }
        }
        issues
    }
}

/// Replays the log. Every offer must go to a free seat and to the highest-ranked applicant
/// still eligible (on the waitlist, not having declined or let lapse an offer from that
/// school, without an open offer there, and still preferring it to the seat held).
pub fn replay(base: &ReplayBase<'_>, log: &OffersLog) -> ReplaySummary {
    let mut r = Replayer::new(base);
    let mut sum = ReplaySummary::default();
    for l in &log.lines {
        *sum.counts.entry(l.event.as_str()).or_default() += 1;
        for (zh, en) in r.apply(l) {
            sum.issues.push(ReplayIssue { seq: l.seq, zh, en });
        }
    }
    sum.filled = r.filled;
    sum
}
