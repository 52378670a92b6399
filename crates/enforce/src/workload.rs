//! The officer workload table (执法队员工作量化表): one row per officer for a period.
//!
//! What each column counts (all times Asia/Shanghai; a period is `[first day 00:00, day after
//! the last 00:00)`; work is credited to the case's lead officer, `lead_officer_id`):
//!
//! * **incidents received / closed** (接警 / 处警办结): `case_type = incident` with `received_at`
//!   / `closed_at` in the period.
//! * **cases registered / closed** (立案 / 结案): `admin_penalty` and `public_security` cases with
//!   `registered_at` / `closed_at` in the period.
//! * **on-time rate** (按期办结率): every incident and case is judged once, in the period where
//!   the earlier of its finish and its deadline falls (and only once that moment has passed):
//!   on time when it finished by the deadline. The clocks ([`TimeLimits`]):
//!   - 行政处罚 (`admin_penalty`): from `registered_at` to the decision (`decided_at`, else
//!     `closed_at`), 90 days (《行政处罚法》第六十条); with an extension approval number, 30 more
//!     days. Cases never registered have no clock.
//!   - 治安案件 (`public_security`): from `received_at` to the decision (else closure), 30 days
//!     (《治安管理处罚法》: 自受理之日起不得超过三十日); with an extension approval, 30 more.
//!   - 警情 (`incident`): from `received_at` to `closed_at`, 24 hours (a local service
//!     standard, not a statute: the handling should finish within a day of the call).
//!
//!   Day limits count whole days after the starting day (the starting day is not counted; the
//!   deadline is the end of the last day), and add the days of the case's clock-stops
//!   (`le_clock_stops`: appraisal, public notice, hearing; both ends included).
//! * **median handling time** (办结用时中位数): incidents closed in the period, hours from
//!   received to closed; cases closed in the period, days from received to closed.
//! * **evidence completeness** (音视频覆盖率): on-site steps (`le_case_events.on_site`) done by
//!   the officer in the period, and the share covered by an audio-video file — one linked to
//!   the step (`event_id`), or one of the officer's or the co-officer's files running at the
//!   step's time. Files deleted later still count: they existed when the step was recorded
//!   (early deletion is the LE indicators' business).
//! * **patrol time and distance** (巡查时长 / 里程): the officer's `patrol` shifts, clipped to the
//!   period and merged where they overlap; distance is the path through the officer's GPS points
//!   inside those shifts, leaving out segments faster than `max_speed_kmh` (position jumps).
//! * **inspections per patrol hour** (每巡查小时检查数): inspections in the period ÷ patrol hours.
//! * **complaints** (被投诉): complaints received in the period; sustained ones apart.
//! * **rank in squad / percentile** (中队排名 / 百分位): by the [`RankBy`] score (default: incidents
//!   and cases closed), competition ranking (1, 2, 2, 4) within the squad; the percentile is the
//!   share of the other officers of the same status (sworn or auxiliary) with a lower score,
//!   ties counting half.

use crate::geo::haversine_m;
use crate::period::{Period, local_day, local_midnight};
use crate::roster::Roster;
use crate::scan::{self, Files, Filter, FxMap, Scan, arrow_err, opt_str, opt_ts, ts_between};
use arrow_array::{Array, RecordBatch};
use chrono::Days;
use qinglian_core::Msg;
use qinglian_lake::Lake;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeLimits {
    pub incident_hours: i64,
    pub admin_penalty_days: i64,
    pub admin_penalty_extension_days: i64,
    pub public_security_days: i64,
    pub public_security_extension_days: i64,
}

impl Default for TimeLimits {
    fn default() -> Self {
        TimeLimits {
            incident_hours: 24,
            admin_penalty_days: 90,
            admin_penalty_extension_days: 30,
            public_security_days: 30,
            public_security_extension_days: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    /// Incidents closed + cases closed (办结量).
    #[default]
    Closed,
    /// Inspections (检查数).
    Inspections,
    /// Patrol kilometres (巡查里程).
    PatrolKm,
}

impl RankBy {
    pub fn parse(s: &str) -> Result<RankBy, Msg> {
        match s.trim() {
            "closed" | "办结量" => Ok(RankBy::Closed),
            "inspections" | "检查数" => Ok(RankBy::Inspections),
            "patrol_km" | "巡查里程" => Ok(RankBy::PatrolKm),
            other => Err(Msg::new(
                "RANK_BY",
                format!(
                    "未知排名依据“{other}”：应为 closed（办结量）、inspections（检查数）或 patrol_km（巡查里程）"
                ),
                format!("unknown ranking '{other}': expected closed, inspections or patrol_km"),
            )),
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            RankBy::Closed => "办结量",
            RankBy::Inspections => "检查数",
            RankBy::PatrolKm => "巡查里程",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct WorkloadOptions {
    pub limits: TimeLimits,
    pub rank_by: RankBy,
    /// GPS segments faster than this are position jumps, not patrol.
    pub max_speed_kmh: f64,
    /// Deadlines after this instant (UTC seconds) are not judged yet; normally now.
    pub as_of: i64,
}

impl Default for WorkloadOptions {
    fn default() -> Self {
        WorkloadOptions {
            limits: TimeLimits::default(),
            rank_by: RankBy::default(),
            max_speed_kmh: 150.0,
            as_of: chrono::Utc::now().timestamp(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WorkloadRow {
    pub officer_id: String,
    pub person_id: Option<String>,
    pub name: Option<String>,
    /// Empty when the officer is not on the roster.
    pub squad_id: String,
    pub squad_name: Option<String>,
    pub unit_id: Option<String>,
    pub status: Option<String>,
    pub incidents_received: u32,
    pub incidents_closed: u32,
    pub cases_registered: u32,
    pub cases_closed: u32,
    /// Incidents and cases judged against their time limit in the period.
    pub due: u32,
    pub on_time: u32,
    pub on_time_rate: Option<f64>,
    pub median_incident_hours: Option<f64>,
    pub median_case_days: Option<f64>,
    pub onsite_steps: u32,
    pub onsite_with_av: u32,
    pub evidence_rate: Option<f64>,
    pub patrol_hours: f64,
    pub patrol_km: f64,
    pub inspections: u32,
    pub inspections_per_patrol_hour: Option<f64>,
    pub complaints: u32,
    pub complaints_sustained: u32,
    pub score: f64,
    pub squad_rank: u32,
    pub squad_size: u32,
    /// Share (0–100) of same-status peers with a lower score, ties half; none without peers.
    pub percentile: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub period: Period,
    pub options: WorkloadOptions,
    /// Sorted by squad, then rank, then officer id.
    pub rows: Vec<WorkloadRow>,
}

#[derive(Debug, Default, Clone)]
struct Agg {
    incidents_received: u32,
    incidents_closed: u32,
    cases_registered: u32,
    cases_closed: u32,
    due: u32,
    on_time: u32,
    incident_hours: Vec<f64>,
    case_days: Vec<f64>,
    onsite_steps: u32,
    onsite_with_av: u32,
    patrol_secs: i64,
    patrol_m: f64,
    inspections: u32,
    complaints: u32,
    complaints_sustained: u32,
}

impl Agg {
    fn add(&mut self, o: Agg) {
        self.incidents_received += o.incidents_received;
        self.incidents_closed += o.incidents_closed;
        self.cases_registered += o.cases_registered;
        self.cases_closed += o.cases_closed;
        self.due += o.due;
        self.on_time += o.on_time;
        self.incident_hours.extend(o.incident_hours);
        self.case_days.extend(o.case_days);
        self.onsite_steps += o.onsite_steps;
        self.onsite_with_av += o.onsite_with_av;
        self.patrol_secs += o.patrol_secs;
        self.patrol_m += o.patrol_m;
        self.inspections += o.inspections;
        self.complaints += o.complaints;
        self.complaints_sustained += o.complaints_sustained;
    }
}

type Aggs = FxMap<String, Agg>;

fn merge(parts: Vec<Vec<(String, Agg)>>) -> Aggs {
    let mut out = Aggs::default();
    for part in parts {
        for (k, a) in part {
            out.entry(k).or_default().add(a);
        }
    }
    out
}

/// Per-batch aggregation keyed by borrowed ids; owned only when handed back.
fn local<'b>(
    n: usize,
    key: impl Fn(usize) -> Option<&'b str>,
    mut f: impl FnMut(usize, &mut Agg),
) -> Vec<(String, Agg)> {
    let mut m: FxMap<&'b str, Agg> = FxMap::default();
    for i in 0..n {
        if let Some(k) = key(i) {
            f(i, m.entry(k).or_default());
        }
    }
    m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaseKind {
    Incident,
    AdminPenalty,
    PublicSecurity,
}

impl CaseKind {
    pub(crate) fn parse(s: &str) -> Option<CaseKind> {
        match s {
            "incident" => Some(CaseKind::Incident),
            "admin_penalty" => Some(CaseKind::AdminPenalty),
            "public_security" => Some(CaseKind::PublicSecurity),
            _ => None,
        }
    }
}

/// One incident or case as the time-limit rule sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub kind: CaseKind,
    pub received: i64,
    pub registered: Option<i64>,
    pub decided: Option<i64>,
    pub closed: Option<i64>,
    pub extended: bool,
    pub stop_days: i64,
}

impl Clock {
    /// (deadline, finish) or none when the rule does not apply (a case never registered).
    pub fn deadline(&self, l: &TimeLimits) -> Option<(i64, Option<i64>)> {
        let by_days = |start: i64, days: i64| {
            local_midnight(local_day(start) + Days::new((days + self.stop_days + 1).max(0) as u64))
        };
        match self.kind {
            CaseKind::Incident => Some((self.received + l.incident_hours * 3600, self.closed)),
            CaseKind::AdminPenalty => {
                let start = self.registered?;
                let days = l.admin_penalty_days
                    + if self.extended {
                        l.admin_penalty_extension_days
                    } else {
                        0
                    };
                Some((by_days(start, days), self.decided.or(self.closed)))
            }
            CaseKind::PublicSecurity => {
                let days = l.public_security_days
                    + if self.extended {
                        l.public_security_extension_days
                    } else {
                        0
                    };
                Some((by_days(self.received, days), self.decided.or(self.closed)))
            }
        }
    }

    /// Whether this clock is judged in the period, and if so whether it was on time.
    pub fn judge(&self, l: &TimeLimits, p: &Period, as_of: i64) -> Option<bool> {
        let (deadline, finish) = self.deadline(l)?;
        let at = finish.map_or(deadline, |f| f.min(deadline));
        (p.contains(at) && at <= as_of).then(|| finish.is_some_and(|f| f <= deadline))
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn ratio(a: u32, b: u32) -> Option<f64> {
    (b > 0).then(|| f64::from(a) / f64::from(b))
}

/// Clock-stop days per case (both dates included).
pub(crate) fn clock_stops(lake: &Lake) -> Result<FxMap<String, i64>, Msg> {
    let f = Files::open(lake, "le_clock_stops")?;
    let parts = f.scan(
        &Scan {
            columns: vec!["case_id", "start_date", "end_date"],
            ..Default::default()
        },
        |b| {
            let (c, s, e) = (
                scan::strs(b, "case_id")?,
                scan::dates(b, "start_date")?,
                scan::dates(b, "end_date")?,
            );
            Ok((0..b.num_rows())
                .map(|i| {
                    (
                        c.value(i).to_owned(),
                        i64::from((e.value(i) - s.value(i) + 1).max(0)),
                    )
                })
                .collect::<Vec<_>>())
        },
    )?;
    let mut m = FxMap::default();
    for (k, d) in parts.into_iter().flatten() {
        *m.entry(k).or_insert(0) += d;
    }
    Ok(m)
}

fn cases(lake: &Lake, p: &Period, o: &WorkloadOptions) -> Result<Aggs, Msg> {
    let stops = clock_stops(lake)?;
    let f = Files::open(lake, "le_cases")?;
    let (start, end) = (p.start(), p.end());
    // Nothing of a case closed before the period or received after it counts.
    let pred: scan::Pred = Arc::new(move |b: &RecordBatch| {
        let r = scan::ts(b, "received_at").map_err(arrow_err)?;
        let c = scan::ts(b, "closed_at").map_err(arrow_err)?;
        Ok(scan::keep(b.num_rows(), |i| {
            r.value(i) < end && (c.is_null(i) || c.value(i) >= start)
        }))
    });
    let parts = f.scan(
        &Scan {
            columns: vec![
                "case_id",
                "lead_officer_id",
                "case_type",
                "received_at",
                "registered_at",
                "decided_at",
                "closed_at",
                "extension_approval_no",
            ],
            prune: None,
            filter: Some(Filter {
                columns: vec!["received_at", "closed_at"],
                pred,
            }),
        },
        |b| {
            let id = scan::strs(b, "case_id")?;
            let lead = scan::strs(b, "lead_officer_id")?;
            let ty = scan::strs(b, "case_type")?;
            let (rec, reg, dec, clo) = (
                scan::ts(b, "received_at")?,
                scan::ts(b, "registered_at")?,
                scan::ts(b, "decided_at")?,
                scan::ts(b, "closed_at")?,
            );
            let ext = scan::strs(b, "extension_approval_no")?;
            Ok(local(
                b.num_rows(),
                |i| Some(lead.value(i)),
                |i, a| {
                    let Some(kind) = CaseKind::parse(ty.value(i)) else {
                        return;
                    };
                    let c = Clock {
                        kind,
                        received: rec.value(i),
                        registered: opt_ts(reg, i),
                        decided: opt_ts(dec, i),
                        closed: opt_ts(clo, i),
                        extended: opt_str(ext, i).is_some(),
                        stop_days: if kind == CaseKind::Incident {
                            0
                        } else {
                            stops.get(id.value(i)).copied().unwrap_or(0)
                        },
                    };
                    let closed_in = c.closed.filter(|&t| p.contains(t));
                    if kind == CaseKind::Incident {
                        a.incidents_received += u32::from(p.contains(c.received));
                        if let Some(t) = closed_in {
                            a.incidents_closed += 1;
                            a.incident_hours.push((t - c.received) as f64 / 3600.0);
                        }
                    } else {
                        a.cases_registered +=
                            u32::from(c.registered.is_some_and(|t| p.contains(t)));
                        if let Some(t) = closed_in {
                            a.cases_closed += 1;
                            a.case_days.push((t - c.received) as f64 / 86_400.0);
                        }
                    }
                    if let Some(ok) = c.judge(&o.limits, p, o.as_of) {
                        a.due += 1;
                        a.on_time += u32::from(ok);
                    }
                },
            ))
        },
    )?;
    Ok(merge(parts))
}

/// Audio-video files running in the period: per officer, intervals sorted by start with the
/// running maximum of their ends; and the steps files are linked to.
struct AvIndex {
    by_officer: FxMap<String, Vec<(i64, i64)>>,
    linked: HashSet<String, scan::FxBuild>,
}

impl AvIndex {
    fn covers(&self, officer: &str, t: i64) -> bool {
        self.by_officer.get(officer).is_some_and(|v| {
            let i = v.partition_point(|&(s, _)| s <= t);
            i > 0 && v[i - 1].1 >= t
        })
    }
}

fn av_index(lake: &Lake, p: &Period) -> Result<AvIndex, Msg> {
    let f = Files::open(lake, "le_av_evidence")?;
    let (start, end) = (p.start(), p.end());
    let pred: scan::Pred = Arc::new(move |b: &RecordBatch| {
        let s = scan::ts(b, "start_at").map_err(arrow_err)?;
        let e = scan::ts(b, "end_at").map_err(arrow_err)?;
        Ok(scan::keep(b.num_rows(), |i| {
            s.value(i) < end && e.value(i) >= start
        }))
    });
    let parts = f.scan(
        &Scan {
            columns: vec!["officer_id", "event_id", "start_at", "end_at"],
            prune: Some(("start_at", i64::MIN, end)),
            filter: Some(Filter {
                columns: vec!["start_at", "end_at"],
                pred,
            }),
        },
        |b| {
            let (o, ev, s, e) = (
                scan::strs(b, "officer_id")?,
                scan::strs(b, "event_id")?,
                scan::ts(b, "start_at")?,
                scan::ts(b, "end_at")?,
            );
            let mut per: FxMap<&str, Vec<(i64, i64)>> = FxMap::default();
            let mut linked = Vec::new();
            for i in 0..b.num_rows() {
                per.entry(o.value(i))
                    .or_default()
                    .push((s.value(i), e.value(i)));
                if let Some(id) = opt_str(ev, i) {
                    linked.push(id.to_owned());
                }
            }
            Ok((
                per.into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Vec<_>>(),
                linked,
            ))
        },
    )?;
    let mut by_officer: FxMap<String, Vec<(i64, i64)>> = FxMap::default();
    let mut linked = HashSet::default();
    for (per, l) in parts {
        for (k, v) in per {
            by_officer.entry(k).or_default().extend(v);
        }
        linked.extend(l);
    }
    by_officer.par_iter_mut().for_each(|(_, v)| {
        v.sort_unstable();
        let mut max_end = i64::MIN;
        for iv in v.iter_mut() {
            max_end = max_end.max(iv.1);
            iv.1 = max_end;
        }
    });
    Ok(AvIndex { by_officer, linked })
}

fn evidence(lake: &Lake, p: &Period) -> Result<Aggs, Msg> {
    let av = av_index(lake, p)?;
    let f = Files::open(lake, "le_case_events")?;
    let in_period = ts_between("occurred_at", p.start(), p.end());
    let pred: scan::Pred = Arc::new(move |b: &RecordBatch| {
        let t = in_period(b)?;
        let on = scan::bools(b, "on_site").map_err(arrow_err)?;
        Ok(scan::keep(b.num_rows(), |i| {
            t.value(i) && on.is_valid(i) && on.value(i)
        }))
    });
    let parts = f.scan(
        &Scan {
            columns: vec!["event_id", "officer_id", "co_officer_id", "occurred_at"],
            prune: Some(("occurred_at", p.start(), p.end())),
            filter: Some(Filter {
                columns: vec!["occurred_at", "on_site"],
                pred,
            }),
        },
        |b| {
            let (ev, o, co, t) = (
                scan::strs(b, "event_id")?,
                scan::strs(b, "officer_id")?,
                scan::strs(b, "co_officer_id")?,
                scan::ts(b, "occurred_at")?,
            );
            Ok(local(
                b.num_rows(),
                |i| Some(o.value(i)),
                |i, a| {
                    a.onsite_steps += 1;
                    let at = t.value(i);
                    let covered = av.linked.contains(ev.value(i))
                        || av.covers(o.value(i), at)
                        || opt_str(co, i).is_some_and(|c| av.covers(c, at));
                    a.onsite_with_av += u32::from(covered);
                },
            ))
        },
    )?;
    Ok(merge(parts))
}

/// Patrol windows per officer, clipped to the period, sorted and merged.
fn patrol_windows(lake: &Lake, p: &Period) -> Result<FxMap<String, Vec<(i64, i64)>>, Msg> {
    let f = Files::open(lake, "le_shifts")?;
    let (start, end) = (p.start(), p.end());
    let pred: scan::Pred = Arc::new(move |b: &RecordBatch| {
        let k = scan::strs(b, "kind").map_err(arrow_err)?;
        let s = scan::ts(b, "start_at").map_err(arrow_err)?;
        let e = scan::ts(b, "end_at").map_err(arrow_err)?;
        Ok(scan::keep(b.num_rows(), |i| {
            k.value(i) == "patrol" && s.value(i) < end && e.value(i) > start
        }))
    });
    let parts = f.scan(
        &Scan {
            columns: vec!["officer_id", "start_at", "end_at"],
            prune: Some(("start_at", i64::MIN, end)),
            filter: Some(Filter {
                columns: vec!["kind", "start_at", "end_at"],
                pred,
            }),
        },
        |b| {
            let (o, s, e) = (
                scan::strs(b, "officer_id")?,
                scan::ts(b, "start_at")?,
                scan::ts(b, "end_at")?,
            );
            Ok((0..b.num_rows())
                .map(|i| {
                    (
                        o.value(i).to_owned(),
                        s.value(i).max(start),
                        e.value(i).min(end),
                    )
                })
                .collect::<Vec<_>>())
        },
    )?;
    let mut m: FxMap<String, Vec<(i64, i64)>> = FxMap::default();
    for (o, s, e) in parts.into_iter().flatten() {
        if e > s {
            m.entry(o).or_default().push((s, e));
        }
    }
    for v in m.values_mut() {
        v.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(v.len());
        for &(s, e) in v.iter() {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        *v = merged;
    }
    Ok(m)
}

/// Path length in metres through points `(time, window, lon, lat)` sorted by time, counting
/// only segments inside one window and not faster than `max_mps`.
pub(crate) fn path_m(points: &[(i64, u32, f64, f64)], max_mps: f64) -> f64 {
    points
        .windows(2)
        .filter(|w| w[0].1 == w[1].1)
        .map(|w| {
            let d = haversine_m(w[0].2, w[0].3, w[1].2, w[1].3);
            let dt = (w[1].0 - w[0].0) as f64;
            if d == 0.0 || (dt > 0.0 && d / dt <= max_mps) {
                d
            } else {
                0.0
            }
        })
        .sum()
}

fn patrol(lake: &Lake, p: &Period, o: &WorkloadOptions) -> Result<Aggs, Msg> {
    let windows = patrol_windows(lake, p)?;
    let f = Files::open(lake, "le_gps_points")?;
    let parts = f.scan(
        &Scan {
            columns: vec!["officer_id", "recorded_at", "longitude", "latitude"],
            prune: Some(("recorded_at", p.start(), p.end())),
            filter: Some(Filter {
                columns: vec!["recorded_at"],
                pred: ts_between("recorded_at", p.start(), p.end()),
            }),
        },
        |b| {
            let (off, t, lon, lat) = (
                scan::strs(b, "officer_id")?,
                scan::ts(b, "recorded_at")?,
                scan::f64s(b, "longitude")?,
                scan::f64s(b, "latitude")?,
            );
            let mut per: FxMap<&str, Vec<(i64, u32, f64, f64)>> = FxMap::default();
            // Exports come grouped by officer, so the officer's windows are looked up once
            // per run of equal ids rather than once per fix.
            let mut i = 0;
            while i < b.num_rows() {
                let id = off.value(i);
                let mut end = i + 1;
                while end < b.num_rows() && off.value(end) == id {
                    end += 1;
                }
                if let Some(w) = windows.get(id) {
                    let mut run = Vec::new();
                    for j in i..end {
                        let at = t.value(j);
                        let wi = w.partition_point(|&(s, _)| s <= at);
                        if wi > 0 && at < w[wi - 1].1 {
                            run.push((at, wi as u32, lon.value(j), lat.value(j)));
                        }
                    }
                    if !run.is_empty() {
                        per.entry(id).or_default().extend(run);
                    }
                }
                i = end;
            }
            Ok(per
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<Vec<_>>())
        },
    )?;
    let mut points: FxMap<String, Vec<(i64, u32, f64, f64)>> = FxMap::default();
    for (k, v) in parts.into_iter().flatten() {
        points.entry(k).or_default().extend(v);
    }
    let max_mps = o.max_speed_kmh / 3.6;
    let mut out: Aggs = windows
        .iter()
        .map(|(k, w)| {
            (
                k.clone(),
                Agg {
                    patrol_secs: w.iter().map(|(s, e)| e - s).sum(),
                    ..Default::default()
                },
            )
        })
        .collect();
    let dist: Vec<(String, f64)> = points
        .into_par_iter()
        .map(|(k, mut v)| {
            v.sort_unstable_by_key(|x| x.0);
            let d = path_m(&v, max_mps);
            (k, d)
        })
        .collect();
    for (k, d) in dist {
        out.entry(k).or_default().patrol_m += d;
    }
    Ok(out)
}

fn inspections(lake: &Lake, p: &Period) -> Result<Aggs, Msg> {
    let f = Files::open(lake, "le_inspections")?;
    let parts = f.scan(
        &Scan {
            columns: vec!["officer_id"],
            prune: Some(("occurred_at", p.start(), p.end())),
            filter: Some(Filter {
                columns: vec!["occurred_at"],
                pred: ts_between("occurred_at", p.start(), p.end()),
            }),
        },
        |b| {
            let o = scan::strs(b, "officer_id")?;
            Ok(local(
                b.num_rows(),
                |i| Some(o.value(i)),
                |_, a| a.inspections += 1,
            ))
        },
    )?;
    Ok(merge(parts))
}

fn complaints(lake: &Lake, p: &Period) -> Result<Aggs, Msg> {
    let f = Files::open(lake, "le_complaints")?;
    let (lo, hi) = (
        crate::period::date32(p.first),
        crate::period::date32(p.last) + 1,
    );
    let pred: scan::Pred = Arc::new(move |b: &RecordBatch| {
        let d = scan::dates(b, "received_on").map_err(arrow_err)?;
        Ok(scan::keep(d.len(), |i| {
            d.is_valid(i) && d.value(i) >= lo && d.value(i) < hi
        }))
    });
    let parts = f.scan(
        &Scan {
            columns: vec!["officer_id", "finding"],
            prune: Some(("received_on", i64::from(lo), i64::from(hi))),
            filter: Some(Filter {
                columns: vec!["received_on"],
                pred,
            }),
        },
        |b| {
            let (o, fnd) = (scan::strs(b, "officer_id")?, scan::strs(b, "finding")?);
            Ok(local(
                b.num_rows(),
                |i| Some(o.value(i)),
                |i, a| {
                    a.complaints += 1;
                    a.complaints_sustained += u32::from(opt_str(fnd, i) == Some("sustained"));
                },
            ))
        },
    )?;
    Ok(merge(parts))
}

/// The workload of every officer for the period (rank and percentile need them all; filter
/// the rows afterwards).
pub fn workload(
    lake: &Lake,
    roster: &Roster,
    period: &Period,
    o: &WorkloadOptions,
) -> Result<Workload, Msg> {
    let ((c, e), (pt, (i, cm))) = rayon::join(
        || rayon::join(|| cases(lake, period, o), || evidence(lake, period)),
        || {
            rayon::join(
                || patrol(lake, period, o),
                || rayon::join(|| inspections(lake, period), || complaints(lake, period)),
            )
        },
    );
    let mut all = Aggs::default();
    for part in [c?, e?, pt?, i?, cm?] {
        for (k, a) in part {
            all.entry(k).or_default().add(a);
        }
    }
    for off in &roster.officers {
        if off.serves(period.first, period.last) {
            all.entry(off.officer_id.clone()).or_default();
        }
    }
    let mut rows: Vec<WorkloadRow> = all
        .into_iter()
        .map(|(id, mut a)| {
            let off = roster.officer(&id);
            let squad = off.and_then(|x| roster.squad(&x.squad_id));
            let hours = a.patrol_secs as f64 / 3600.0;
            let km = a.patrol_m / 1000.0;
            let score = match o.rank_by {
                RankBy::Closed => f64::from(a.incidents_closed + a.cases_closed),
                RankBy::Inspections => f64::from(a.inspections),
                RankBy::PatrolKm => km,
            };
            WorkloadRow {
                person_id: off.map(|x| x.person_id.clone()),
                name: off.and_then(|x| x.name.clone()),
                squad_id: off.map(|x| x.squad_id.clone()).unwrap_or_default(),
                squad_name: squad.map(|s| s.name.clone()),
                unit_id: off.map(|x| x.unit_id.clone()),
                status: off.map(|x| x.status.clone()),
                incidents_received: a.incidents_received,
                incidents_closed: a.incidents_closed,
                cases_registered: a.cases_registered,
                cases_closed: a.cases_closed,
                due: a.due,
                on_time: a.on_time,
                on_time_rate: ratio(a.on_time, a.due),
                median_incident_hours: median(&mut a.incident_hours),
                median_case_days: median(&mut a.case_days),
                onsite_steps: a.onsite_steps,
                onsite_with_av: a.onsite_with_av,
                evidence_rate: ratio(a.onsite_with_av, a.onsite_steps),
                patrol_hours: hours,
                patrol_km: km,
                inspections: a.inspections,
                inspections_per_patrol_hour: (hours > 0.0)
                    .then(|| f64::from(a.inspections) / hours),
                complaints: a.complaints,
                complaints_sustained: a.complaints_sustained,
                score,
                squad_rank: 0,
                squad_size: 0,
                percentile: None,
                officer_id: id,
            }
        })
        .collect();
    rank(&mut rows);
    Ok(Workload {
        period: period.clone(),
        options: *o,
        rows,
    })
}

/// Competition rank within the squad; percentile among same-status peers.
fn rank(rows: &mut [WorkloadRow]) {
    rows.sort_by(|a, b| {
        a.squad_id
            .cmp(&b.squad_id)
            .then(b.score.total_cmp(&a.score))
            .then(a.officer_id.cmp(&b.officer_id))
    });
    let mut i = 0;
    while i < rows.len() {
        let j = i + rows[i..]
            .iter()
            .take_while(|r| r.squad_id == rows[i].squad_id)
            .count();
        let size = (j - i) as u32;
        for k in i..j {
            let above = rows[i..k]
                .iter()
                .filter(|r| r.score > rows[k].score)
                .count();
            rows[k].squad_rank = above as u32 + 1;
            rows[k].squad_size = size;
        }
        i = j;
    }
    // Peers by status: sorted scores, then lower/equal counts by binary search.
    let mut by_status: FxMap<Option<String>, Vec<f64>> = FxMap::default();
    for r in rows.iter() {
        by_status.entry(r.status.clone()).or_default().push(r.score);
    }
    for v in by_status.values_mut() {
        v.sort_by(f64::total_cmp);
    }
    for r in rows.iter_mut() {
        let v = &by_status[&r.status];
        let n = v.len();
        if n < 2 {
            continue;
        }
        let lower = v.partition_point(|&x| x < r.score);
        let equal = v.partition_point(|&x| x <= r.score) - lower - 1;
        r.percentile = Some(100.0 * (lower as f64 + 0.5 * equal as f64) / (n - 1) as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp()
            - crate::period::TZ_SECS
    }

    fn clock(kind: CaseKind, received: &str) -> Clock {
        Clock {
            kind,
            received: ts(received),
            registered: None,
            decided: None,
            closed: None,
            extended: false,
            stop_days: 0,
        }
    }

    #[test]
    fn admin_penalty_deadline_counts_days_after_registration_plus_stops() {
        let l = TimeLimits::default();
        let mut c = clock(CaseKind::AdminPenalty, "2025-06-01 09:00:00");
        assert_eq!(c.deadline(&l), None, "never registered: no clock");
        c.registered = Some(ts("2025-06-02 10:00:00"));
        // 90 days after 2 June is 31 August; the deadline is the end of that day.
        assert_eq!(c.deadline(&l).unwrap().0, ts("2025-09-01 00:00:00"));
        c.stop_days = 10;
        assert_eq!(c.deadline(&l).unwrap().0, ts("2025-09-11 00:00:00"));
        c.extended = true;
        assert_eq!(c.deadline(&l).unwrap().0, ts("2025-10-11 00:00:00"));
    }

    #[test]
    fn each_clock_is_judged_once_where_finish_or_deadline_falls() {
        let l = TimeLimits::default();
        let aug = Period::parse("2025-08").unwrap();
        let sep = Period::parse("2025-09").unwrap();
        let now = ts("2026-01-01 00:00:00");
        let mut c = clock(CaseKind::PublicSecurity, "2025-08-01 10:00:00");
        // Unfinished: judged late when the deadline (end of 31 August) passes.
        assert_eq!(
            c.judge(&l, &aug, now),
            None,
            "deadline is 1 Sept 00:00, in September"
        );
        assert_eq!(c.judge(&l, &sep, now), Some(false));
        // Not judged before the deadline has passed.
        assert_eq!(c.judge(&l, &sep, ts("2025-08-20 00:00:00")), None);
        // Decided on the last day: on time, judged in August.
        c.decided = Some(ts("2025-08-31 23:00:00"));
        assert_eq!(c.judge(&l, &aug, now), Some(true));
        assert_eq!(c.judge(&l, &sep, now), None);
        // Decided late in October: judged (late) at the deadline only, never again.
        c.decided = Some(ts("2025-10-03 10:00:00"));
        assert_eq!(c.judge(&l, &sep, now), Some(false));
        assert_eq!(c.judge(&l, &Period::parse("2025-10").unwrap(), now), None);
    }

    #[test]
    fn incidents_have_24_hours() {
        let l = TimeLimits::default();
        let day = Period::parse("2025-09-01..2025-09-30").unwrap();
        let now = ts("2026-01-01 00:00:00");
        let mut c = clock(CaseKind::Incident, "2025-09-01 22:00:00");
        c.closed = Some(ts("2025-09-02 21:59:59"));
        assert_eq!(c.judge(&l, &day, now), Some(true));
        c.closed = Some(ts("2025-09-02 22:00:01"));
        assert_eq!(c.judge(&l, &day, now), Some(false));
    }

    #[test]
    fn path_skips_jumps_and_window_changes() {
        // Three points 111 m apart a minute each, then a jump of 111 km in a minute, then a
        // point in another window.
        let pts = [
            (0, 1, 120.0, 30.0),
            (60, 1, 120.0, 30.001),
            (120, 1, 120.0, 30.002),
            (180, 1, 120.0, 31.002),
            (240, 2, 120.0, 31.003),
        ];
        let d = path_m(&pts, 150.0 / 3.6);
        assert!((d - 222.4).abs() < 1.0, "{d}");
    }

    #[test]
    fn ranks_and_percentiles() {
        let row = |id: &str, squad: &str, status: &str, score: f64| WorkloadRow {
            officer_id: id.into(),
            person_id: None,
            name: None,
            squad_id: squad.into(),
            squad_name: None,
            unit_id: None,
            status: Some(status.into()),
            incidents_received: 0,
            incidents_closed: 0,
            cases_registered: 0,
            cases_closed: 0,
            due: 0,
            on_time: 0,
            on_time_rate: None,
            median_incident_hours: None,
            median_case_days: None,
            onsite_steps: 0,
            onsite_with_av: 0,
            evidence_rate: None,
            patrol_hours: 0.0,
            patrol_km: 0.0,
            inspections: 0,
            inspections_per_patrol_hour: None,
            complaints: 0,
            complaints_sustained: 0,
            score,
            squad_rank: 0,
            squad_size: 0,
            percentile: None,
        };
        let mut rows = vec![
            row("a", "S1", "officer", 5.0),
            row("b", "S1", "officer", 9.0),
            row("c", "S1", "officer", 5.0),
            row("d", "S1", "officer", 1.0),
            row("e", "S2", "officer", 5.0),
            row("x", "S2", "auxiliary", 3.0),
        ];
        rank(&mut rows);
        let got: Vec<(&str, u32, u32, Option<f64>)> = rows
            .iter()
            .map(|r| {
                (
                    r.officer_id.as_str(),
                    r.squad_rank,
                    r.squad_size,
                    r.percentile,
                )
            })
            .collect();
        // Officers' scores: 1, 5, 5, 5, 9 → 5 has one lower and two equal peers: (1 + 1) / 4.
        assert_eq!(
            got,
            vec![
                ("b", 1, 4, Some(100.0)),
                ("a", 2, 4, Some(50.0)),
                ("c", 2, 4, Some(50.0)),
                ("d", 4, 4, Some(0.0)),
                ("e", 1, 2, Some(50.0)),
                ("x", 2, 2, None),
            ]
        );
    }
}
