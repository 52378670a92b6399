//! A case's trajectory (办案轨迹): the case, its steps in time order, and the lead officer's GPS
//! track from an hour before the first step to an hour after the last, with the distance from
//! each step's recorded place to the officer's position at that moment.
//!
//! Two ways to the same answer: [`trajectory_scan`] filters the Parquet files while reading
//! (one request from the command line), [`TrajectoryIndex`] is built once and keeps, per id,
//! where the rows are (file, row range and, for GPS, time range), so that a server answers one
//! case by decoding only the pages that hold it.

use crate::geo::haversine_m;
use crate::period::LocalTime;
use crate::scan::{
    self, Files, Filter, FxMap, RowSource, Scan, arrow_err, key64, opt_f64, opt_str, opt_ts,
    ts_between,
};
use crate::workload::path_m;
use arrow_array::{Array, RecordBatch};
use qinglian_core::Msg;
use qinglian_lake::Lake;
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;

/// The track runs from this long before the first step to this long after the last.
pub const MARGIN_SECS: i64 = 3600;
/// A GPS fix further apart in time than this says nothing about where a step happened.
pub const FIX_WINDOW_SECS: i64 = 15 * 60;
/// Track segments faster than this are position jumps and are left out of the path length.
pub const MAX_SPEED_KMH: f64 = 150.0;

// The party's id is personal data and is deliberately not read.
const CASE_COLS: [&str; 21] = [
    "case_id",
    "unit_id",
    "squad_id",
    "lead_officer_id",
    "case_type",
    "procedure",
    "source",
    "party_kind",
    "place",
    "division_code",
    "longitude",
    "latitude",
    "received_at",
    "registered_at",
    "decided_at",
    "closed_at",
    "outcome",
    "needs_verification",
    "major_complex",
    "major_decision",
    "extension_approval_no",
];
const EVENT_COLS: [&str; 10] = [
    "event_id",
    "case_id",
    "step",
    "occurred_at",
    "officer_id",
    "co_officer_id",
    "on_site",
    "place",
    "longitude",
    "latitude",
];
const GPS_COLS: [&str; 4] = ["officer_id", "recorded_at", "longitude", "latitude"];

/// The case row (without the party's id).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseInfo {
    pub case_id: String,
    pub unit_id: String,
    pub squad_id: String,
    pub lead_officer_id: String,
    pub case_type: String,
    pub procedure: String,
    pub source: Option<String>,
    pub party_kind: Option<String>,
    pub place: Option<String>,
    pub division_code: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub received_at: LocalTime,
    pub registered_at: Option<LocalTime>,
    pub decided_at: Option<LocalTime>,
    pub closed_at: Option<LocalTime>,
    pub outcome: Option<String>,
    pub needs_verification: Option<bool>,
    pub major_complex: Option<bool>,
    pub major_decision: Option<bool>,
    pub extension_approval_no: Option<String>,
}

impl CaseInfo {
    pub fn case_type_zh(&self) -> &'static str {
        match self.case_type.as_str() {
            "incident" => "警情事件",
            "admin_penalty" => "行政处罚",
            "public_security" => "治安案件",
            _ => "其他",
        }
    }
}

/// The lead officer's GPS fix nearest in time to a step.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fix {
    pub at: LocalTime,
    pub longitude: f64,
    pub latitude: f64,
    /// From the step's recorded place.
    pub distance_m: f64,
    pub seconds_apart: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    pub event_id: String,
    pub step: String,
    pub step_zh: &'static str,
    pub at: LocalTime,
    pub officer_id: String,
    pub co_officer_id: Option<String>,
    pub on_site: Option<bool>,
    pub place: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    /// Only for steps by the lead officer (or with the lead as co-officer) that have a place,
    /// and a fix within [`FIX_WINDOW_SECS`].
    pub nearest_fix: Option<Fix>,
    /// The import batch and row the step was read from (its record proof's coordinates).
    pub source: Option<RowSource>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct TrackPoint {
    pub at: LocalTime,
    pub longitude: f64,
    pub latitude: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trajectory {
    pub case: CaseInfo,
    pub events: Vec<Event>,
    /// Whose track: the case's lead officer.
    pub officer_id: String,
    pub from: LocalTime,
    pub to: LocalTime,
    pub track: Vec<TrackPoint>,
    /// Path length of the track in metres (position jumps left out).
    pub path_m: f64,
    /// The largest step-to-fix distance, the number a reviewer looks at first.
    pub max_fix_distance_m: Option<f64>,
}

const STEPS: [(&str, &str); 9] = [
    ("received", "受案接警"),
    ("dispatched", "派警"),
    ("arrived", "到场"),
    ("inspected", "检查取证"),
    ("registered", "立案"),
    ("decided", "决定"),
    ("served", "送达"),
    ("closed", "结案"),
    ("voided", "撤销"),
];

fn step_order(step: &str) -> (usize, &'static str) {
    STEPS
        .iter()
        .position(|(c, _)| *c == step)
        .map_or((STEPS.len(), "其他"), |i| (i, STEPS[i].1))
}

fn eq_pred(col: &'static str, value: String) -> scan::Pred {
    Arc::new(move |b: &RecordBatch| {
        let a = scan::strs(b, col).map_err(arrow_err)?;
        Ok(scan::keep(a.len(), |i| {
            a.is_valid(i) && a.value(i) == value.as_str()
        }))
    })
}

fn case_from(batches: &[RecordBatch], case_id: &str) -> Result<Option<CaseInfo>, Msg> {
    for b in batches {
        let id = scan::strs(b, "case_id")?;
        let Some(i) = (0..b.num_rows()).find(|&i| id.value(i) == case_id) else {
            continue;
        };
        let s = |c: &str| scan::strs(b, c).map(|a| a.value(i).to_owned());
        let os = |c: &str| scan::strs(b, c).map(|a| opt_str(a, i).map(str::to_owned));
        let t = |c: &str| scan::ts(b, c).map(|a| opt_ts(a, i).map(LocalTime));
        let f = |c: &str| scan::f64s(b, c).map(|a| opt_f64(a, i));
        let bo = |c: &str| scan::bools(b, c).map(|a| a.is_valid(i).then(|| a.value(i)));
        return Ok(Some(CaseInfo {
            case_id: s("case_id")?,
            unit_id: s("unit_id")?,
            squad_id: s("squad_id")?,
            lead_officer_id: s("lead_officer_id")?,
            case_type: s("case_type")?,
            procedure: s("procedure")?,
            source: os("source")?,
            party_kind: os("party_kind")?,
            place: os("place")?,
            division_code: s("division_code")?,
            longitude: f("longitude")?,
            latitude: f("latitude")?,
            received_at: LocalTime(scan::ts(b, "received_at")?.value(i)),
            registered_at: t("registered_at")?,
            decided_at: t("decided_at")?,
            closed_at: t("closed_at")?,
            outcome: os("outcome")?,
            needs_verification: bo("needs_verification")?,
            major_complex: bo("major_complex")?,
            major_decision: bo("major_decision")?,
            extension_approval_no: os("extension_approval_no")?,
        }));
    }
    Ok(None)
}

/// The case's steps in `batches`; `located` is each row's (file, row in file), in the order
/// the batches hold them.
fn events_from(
    batches: &[RecordBatch],
    located: &[(u32, u64)],
    files: &Files,
    case_id: &str,
) -> Result<Vec<Event>, Msg> {
    let mut out = Vec::new();
    let mut at_row = 0usize;
    for b in batches {
        let first = at_row;
        at_row += b.num_rows();
        let (id, case, step, t) = (
            scan::strs(b, "event_id")?,
            scan::strs(b, "case_id")?,
            scan::strs(b, "step")?,
            scan::ts(b, "occurred_at")?,
        );
        let (off, co, on, place) = (
            scan::strs(b, "officer_id")?,
            scan::strs(b, "co_officer_id")?,
            scan::bools(b, "on_site")?,
            scan::strs(b, "place")?,
        );
        let (lon, lat) = (scan::f64s(b, "longitude")?, scan::f64s(b, "latitude")?);
        for i in 0..b.num_rows() {
            if case.value(i) != case_id {
                continue;
            }
            out.push(Event {
                event_id: id.value(i).to_owned(),
                step: step.value(i).to_owned(),
                step_zh: step_order(step.value(i)).1,
                at: LocalTime(t.value(i)),
                officer_id: off.value(i).to_owned(),
                co_officer_id: opt_str(co, i).map(str::to_owned),
                on_site: on.is_valid(i).then(|| on.value(i)),
                place: opt_str(place, i).map(str::to_owned),
                longitude: opt_f64(lon, i),
                latitude: opt_f64(lat, i),
                nearest_fix: None,
                source: located
                    .get(first + i)
                    .and_then(|&(f, r)| files.source(f, r)),
            });
        }
    }
    out.sort_by(|a, b| {
        a.at.cmp(&b.at)
            .then(step_order(&a.step).0.cmp(&step_order(&b.step).0))
            .then(a.event_id.cmp(&b.event_id))
    });
    Ok(out)
}

fn track_from(
    batches: &[RecordBatch],
    officer: &str,
    from: i64,
    to: i64,
) -> Result<Vec<TrackPoint>, Msg> {
    let mut out = Vec::new();
    for b in batches {
        let (o, t, lon, lat) = (
            scan::strs(b, "officer_id")?,
            scan::ts(b, "recorded_at")?,
            scan::f64s(b, "longitude")?,
            scan::f64s(b, "latitude")?,
        );
        for i in 0..b.num_rows() {
            let at = t.value(i);
            if o.value(i) == officer && at >= from && at <= to {
                out.push(TrackPoint {
                    at: LocalTime(at),
                    longitude: lon.value(i),
                    latitude: lat.value(i),
                });
            }
        }
    }
    out.sort_by_key(|p| p.at);
    out.dedup_by_key(|p| p.at);
    Ok(out)
}

/// The window of the track: an hour around the steps (around the case's own times when it has
/// no steps).
fn window(case: &CaseInfo, events: &[Event]) -> (i64, i64) {
    let (first, last) = match (events.first(), events.last()) {
        (Some(f), Some(l)) => (f.at.0, l.at.0),
        _ => {
            let end = case.closed_at.map_or(case.received_at.0, |c| c.0);
            (case.received_at.0, end.max(case.received_at.0))
        }
    };
    (first - MARGIN_SECS, last + MARGIN_SECS)
}

fn assemble(
    case: CaseInfo,
    mut events: Vec<Event>,
    track: Vec<TrackPoint>,
    from: i64,
    to: i64,
) -> Trajectory {
    let lead = case.lead_officer_id.clone();
    for e in &mut events {
        let by_lead = e.officer_id == lead || e.co_officer_id.as_deref() == Some(lead.as_str());
        let (Some(lon), Some(lat)) = (e.longitude, e.latitude) else {
            continue;
        };
        if !by_lead || track.is_empty() {
            continue;
        }
        let i = track.partition_point(|p| p.at.0 < e.at.0);
        let nearest = [i.checked_sub(1), (i < track.len()).then_some(i)]
            .into_iter()
            .flatten()
            .min_by_key(|&j| (track[j].at.0 - e.at.0).abs())
            .expect("track not empty");
        let p = track[nearest];
        let apart = (p.at.0 - e.at.0).abs();
        if apart <= FIX_WINDOW_SECS {
            e.nearest_fix = Some(Fix {
                at: p.at,
                longitude: p.longitude,
                latitude: p.latitude,
                distance_m: haversine_m(lon, lat, p.longitude, p.latitude),
                seconds_apart: apart,
            });
        }
    }
    let pts: Vec<(i64, u32, f64, f64)> = track
        .iter()
        .map(|p| (p.at.0, 0, p.longitude, p.latitude))
        .collect();
    let max_fix = events
        .iter()
        .filter_map(|e| e.nearest_fix.as_ref().map(|f| f.distance_m))
        .max_by(f64::total_cmp);
    Trajectory {
        officer_id: lead,
        case,
        events,
        from: LocalTime(from),
        to: LocalTime(to),
        path_m: path_m(&pts, MAX_SPEED_KMH / 3.6),
        track,
        max_fix_distance_m: max_fix,
    }
}

/// One case by filtering while reading: no index, every file of the three datasets is opened
/// (GPS row groups outside the window are skipped by their statistics).
pub fn trajectory_scan(lake: &Lake, case_id: &str) -> Result<Option<Trajectory>, Msg> {
    let cases = Files::open(lake, "le_cases")?;
    let found = cases.scan(
        &Scan {
            columns: CASE_COLS.to_vec(),
            prune: None,
            filter: Some(Filter {
                columns: vec!["case_id"],
                pred: eq_pred("case_id", case_id.to_owned()),
            }),
        },
        |b| Ok(b.clone()),
    )?;
    let Some(case) = case_from(&found, case_id)? else {
        return Ok(None);
    };
    // The steps by location (one pass over `case_id`, then only their rows), so that each
    // step knows the import row it came from.
    let ev_files = Files::open(lake, "le_case_events")?;
    let key = key64(case_id);
    let runs = ev_files.scan_located(&["case_id"], |fi, row0, b| {
        Ok(runs_of(fi, row0, scan::strs(b, "case_id")?)
            .into_iter()
            .filter(|r| r.key == key)
            .collect::<Vec<_>>())
    })?;
    let (ev, located) = read_runs(
        &ev_files,
        runs.iter().flatten().map(|r| (r.file, r.start, r.len)),
        &EVENT_COLS,
    )?;
    let events = events_from(&ev, &located, &ev_files, case_id)?;
    let (from, to) = window(&case, &events);
    let officer = case.lead_officer_id.clone();
    let in_window = ts_between("recorded_at", from, to + 1);
    let is_officer = eq_pred("officer_id", officer.clone());
    let pred: scan::Pred = Arc::new(move |b: &RecordBatch| {
        let (t, o) = (in_window(b)?, is_officer(b)?);
        Ok(scan::keep(t.len(), |i| t.value(i) && o.value(i)))
    });
    let gps = Files::open(lake, "le_gps_points")?.scan(
        &Scan {
            columns: GPS_COLS.to_vec(),
            prune: Some(("recorded_at", from, to + 1)),
            filter: Some(Filter {
                columns: vec!["officer_id", "recorded_at"],
                pred,
            }),
        },
        |b| Ok(b.clone()),
    )?;
    let track = track_from(&gps, &officer, from, to)?;
    Ok(Some(assemble(case, events, track, from, to)))
}

/// Where one key's rows are: file, first row, count.
#[derive(Debug, Clone, Copy)]
struct Run {
    key: u64,
    file: u32,
    start: u32,
    len: u32,
}

/// A GPS run also carries its time range.
#[derive(Debug, Clone, Copy)]
struct GpsRun {
    file: u32,
    start: u32,
    len: u32,
    t_min: i64,
    t_max: i64,
}

/// Longest GPS run: shorter runs let a request skip more of a long shift.
const GPS_RUN_MAX: u32 = 1024;

/// Locations of every case, every case's steps and every officer's GPS points, built once
/// from a lake snapshot (a server keeps it and rebuilds it when [`TrajectoryIndex::is_current`]
/// says the lake has changed).
pub struct TrajectoryIndex {
    cases: Files,
    events: Files,
    gps: Files,
    case_runs: Vec<Run>,
    event_runs: Vec<Run>,
    gps_runs: FxMap<u64, Vec<GpsRun>>,
}

/// Runs of equal keys in one batch.
fn runs_of(fi: u32, row0: u64, keys: &arrow_array::StringArray) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut prev: Option<&str> = None;
    for i in 0..keys.len() {
        let k = keys.value(i);
        match out.last_mut() {
            Some(r) if prev == Some(k) => r.len += 1,
            _ => out.push(Run {
                key: key64(k),
                file: fi,
                start: (row0 + i as u64) as u32,
                len: 1,
            }),
        }
        prev = Some(k);
    }
    out
}

fn sorted_runs(parts: Vec<Vec<Run>>) -> Vec<Run> {
    let mut v: Vec<Run> = parts.into_iter().flatten().collect();
    v.par_sort_unstable_by_key(|r| (r.key, r.file, r.start));
    v.shrink_to_fit();
    v
}

fn lookup(runs: &[Run], key: u64) -> &[Run] {
    let a = runs.partition_point(|r| r.key < key);
    let b = a + runs[a..].partition_point(|r| r.key == key);
    &runs[a..b]
}

/// Each row read, in order: (file, row in file).
type Located = Vec<(u32, u64)>;

/// Reads the rows of the given (file, start, len) ranges, file by file, with each row's
/// (file, row in file) in the order they come.
fn read_runs(
    files: &Files,
    runs: impl Iterator<Item = (u32, u32, u32)>,
    cols: &[&'static str],
) -> Result<(Vec<RecordBatch>, Located), Msg> {
    let mut by_file: std::collections::BTreeMap<u32, Vec<(u64, u64)>> = Default::default();
    for (f, s, n) in runs {
        by_file
            .entry(f)
            .or_default()
            .push((u64::from(s), u64::from(n)));
    }
    let (mut out, mut located) = (Vec::new(), Vec::new());
    for (f, mut ranges) in by_file {
        ranges.sort_unstable();
        // Merge touching or overlapping ranges (the selection must be disjoint).
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (s, n) in ranges {
            match merged.last_mut() {
                Some((ms, mn)) if s <= *ms + *mn => *mn = (*mn).max(s + n - *ms),
                _ => merged.push((s, n)),
            }
        }
        out.extend(files.ranges_at(f as usize, &merged, cols)?);
        located.extend(
            merged
                .iter()
                .flat_map(|&(s, n)| (s..s + n).map(move |r| (f, r))),
        );
    }
    Ok((out, located))
}

impl TrajectoryIndex {
    pub fn build(lake: &Lake) -> Result<TrajectoryIndex, Msg> {
        let cases = Files::open(lake, "le_cases")?;
        let events = Files::open(lake, "le_case_events")?;
        let gps = Files::open(lake, "le_gps_points")?;
        let case_runs = sorted_runs(cases.scan_located(&["case_id"], |fi, row0, b| {
            Ok(runs_of(fi, row0, scan::strs(b, "case_id")?))
        })?);
        let event_runs = sorted_runs(events.scan_located(&["case_id"], |fi, row0, b| {
            Ok(runs_of(fi, row0, scan::strs(b, "case_id")?))
        })?);
        let parts = gps.scan_located(&["officer_id", "recorded_at"], |fi, row0, b| {
            let (o, t) = (scan::strs(b, "officer_id")?, scan::ts(b, "recorded_at")?);
            let mut out: Vec<(u64, GpsRun)> = Vec::new();
            let mut prev: Option<&str> = None;
            for i in 0..b.num_rows() {
                let (k, at) = (o.value(i), t.value(i));
                match out.last_mut() {
                    Some((_, r)) if prev == Some(k) && r.len < GPS_RUN_MAX => {
                        r.len += 1;
                        r.t_min = r.t_min.min(at);
                        r.t_max = r.t_max.max(at);
                    }
                    _ => out.push((
                        key64(k),
                        GpsRun {
                            file: fi,
                            start: (row0 + i as u64) as u32,
                            len: 1,
                            t_min: at,
                            t_max: at,
                        },
                    )),
                }
                prev = Some(k);
            }
            Ok(out)
        })?;
        let mut gps_runs: FxMap<u64, Vec<GpsRun>> = FxMap::default();
        for (k, r) in parts.into_iter().flatten() {
            gps_runs.entry(k).or_default().push(r);
        }
        gps_runs
            .par_iter_mut()
            .for_each(|(_, v)| v.sort_unstable_by_key(|r| (r.t_min, r.file, r.start)));
        Ok(TrajectoryIndex {
            cases,
            events,
            gps,
            case_runs,
            event_runs,
            gps_runs,
        })
    }

    /// Whether the lake still holds the snapshots this index was built from.
    pub fn is_current(&self, lake: &Lake) -> bool {
        [&self.cases, &self.events, &self.gps]
            .iter()
            .all(|f| lake.snapshot(f.dataset).is_ok_and(|s| s.hash == f.hash))
    }

    /// Rows indexed: (cases, case steps, GPS points).
    pub fn sizes(&self) -> (u64, u64, u64) {
        (self.cases.rows(), self.events.rows(), self.gps.rows())
    }

    pub fn trajectory(&self, case_id: &str) -> Result<Option<Trajectory>, Msg> {
        let key = key64(case_id);
        let (rows, _) = read_runs(
            &self.cases,
            lookup(&self.case_runs, key)
                .iter()
                .map(|r| (r.file, r.start, r.len)),
            &CASE_COLS,
        )?;
        let Some(case) = case_from(&rows, case_id)? else {
            return Ok(None);
        };
        let (ev, located) = read_runs(
            &self.events,
            lookup(&self.event_runs, key)
                .iter()
                .map(|r| (r.file, r.start, r.len)),
            &EVENT_COLS,
        )?;
        let events = events_from(&ev, &located, &self.events, case_id)?;
        let (from, to) = window(&case, &events);
        let officer = case.lead_officer_id.clone();
        let runs = self
            .gps_runs
            .get(&key64(&officer))
            .map(|v| v.as_slice())
            .unwrap_or_default();
        // Runs are sorted by start time; any run starting after `to` is out, earlier ones are
        // checked by their end.
        let upto = runs.partition_point(|r| r.t_min <= to);
        let (gps, _) = read_runs(
            &self.gps,
            runs[..upto]
                .iter()
                .filter(|r| r.t_max >= from)
                .map(|r| (r.file, r.start, r.len)),
            &GPS_COLS,
        )?;
        let track = track_from(&gps, &officer, from, to)?;
        Ok(Some(assemble(case, events, track, from, to)))
    }

    /// Up to `n` case ids spread over the case files (the index keeps keys, not ids), for
    /// benchmarks and tests.
    pub fn sample_case_ids(&self, n: usize) -> Result<Vec<String>, Msg> {
        let total = self.cases.rows().max(1);
        let step = (total / n.max(1) as u64).max(1);
        let ids = self.cases.scan_located(&["case_id"], |_, row0, b| {
            let a = scan::strs(b, "case_id")?;
            Ok((0..b.num_rows())
                .filter(|&i| (row0 + i as u64).is_multiple_of(step))
                .map(|i| a.value(i).to_owned())
                .collect::<Vec<_>>())
        })?;
        let mut v: Vec<String> = ids.into_iter().flatten().collect();
        v.truncate(n);
        Ok(v)
    }
}
