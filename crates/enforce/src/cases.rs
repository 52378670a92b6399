//! The cases an officer handled in a period (经办案件): the list behind the officer's row of the
//! workload table, each case a way into its trajectory.
//!
//! A case is listed when the officer is its lead (`lead_officer_id`) and it was open at some
//! moment of the period (received before the period's end, not closed before its start: the
//! cases the workload table looks at), or when one of its steps in the period names the officer
//! as officer or co-officer. Whether it finished on time is the workload table's rule
//! ([`crate::workload`]), reported only when the case is judged in this period.

use crate::period::{LocalTime, Period};
use crate::scan::{self, Files, Filter, FxMap, Scan, arrow_err, opt_str, opt_ts, ts_between};
use crate::workload::{CaseKind, Clock, WorkloadOptions, clock_stops};
use arrow_array::{Array, RecordBatch};
use qinglian_core::Msg;
use qinglian_lake::Lake;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;

/// At most this many cases are listed (the earliest received); the rest are counted.
pub const OFFICER_CASES_CAP: usize = 500;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OfficerCase {
    pub case_id: String,
    pub case_type: String,
    pub procedure: String,
    /// Whose case it is (for the caller's jurisdiction check): squad and division.
    pub squad_id: String,
    pub division_code: String,
    /// The officer is the case's lead (else only named in a step of the period).
    pub lead: bool,
    pub received_at: LocalTime,
    pub registered_at: Option<LocalTime>,
    pub decided_at: Option<LocalTime>,
    pub closed_at: Option<LocalTime>,
    pub outcome: Option<String>,
    pub place: Option<String>,
    /// The time limit's end; none when no limit applies (a case never registered …).
    pub deadline: Option<LocalTime>,
    /// Judged in this period: finished by the deadline or not; none when judged elsewhere.
    pub on_time: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OfficerCases {
    pub officer_id: String,
    pub period: Period,
    /// Sorted by received time, then case id; at most the cap.
    pub cases: Vec<OfficerCase>,
    /// All cases found, listed or not.
    pub total: usize,
    pub truncated: bool,
}

/// Cases with a step in the period naming the officer (as officer or co-officer).
fn named_in_steps(lake: &Lake, officer_id: &str, p: &Period) -> Result<HashSet<String>, Msg> {
    let f = Files::open(lake, "le_case_events")?;
    let in_period = ts_between("occurred_at", p.start(), p.end());
    let who = officer_id.to_owned();
    let pred: scan::Pred = Arc::new(move |b: &RecordBatch| {
        let t = in_period(b)?;
        let o = scan::strs(b, "officer_id").map_err(arrow_err)?;
        let co = scan::strs(b, "co_officer_id").map_err(arrow_err)?;
        Ok(scan::keep(b.num_rows(), |i| {
            t.value(i) && (o.value(i) == who || opt_str(co, i) == Some(who.as_str()))
        }))
    });
    let parts = f.scan(
        &Scan {
            columns: vec!["case_id"],
            prune: Some(("occurred_at", p.start(), p.end())),
            filter: Some(Filter {
                columns: vec!["occurred_at", "officer_id", "co_officer_id"],
                pred,
            }),
        },
        |b| {
            let c = scan::strs(b, "case_id")?;
            Ok((0..b.num_rows())
                .map(|i| c.value(i).to_owned())
                .collect::<Vec<_>>())
        },
    )?;
    Ok(parts.into_iter().flatten().collect())
}

/// The cases `officer_id` handled in the period, at most `cap` of them. Every case found is
/// returned to the cap whatever its squad: callers narrow to what the principal may see.
pub fn officer_cases(
    lake: &Lake,
    officer_id: &str,
    p: &Period,
    o: &WorkloadOptions,
    cap: usize,
) -> Result<OfficerCases, Msg> {
    let named = named_in_steps(lake, officer_id, p)?;
    let stops: FxMap<String, i64> = clock_stops(lake)?;
    let f = Files::open(lake, "le_cases")?;
    let (start, end) = (p.start(), p.end());
    let who = officer_id.to_owned();
    let pred: scan::Pred = Arc::new(move |b: &RecordBatch| {
        let id = scan::strs(b, "case_id").map_err(arrow_err)?;
        let lead = scan::strs(b, "lead_officer_id").map_err(arrow_err)?;
        let r = scan::ts(b, "received_at").map_err(arrow_err)?;
        let c = scan::ts(b, "closed_at").map_err(arrow_err)?;
        Ok(scan::keep(b.num_rows(), |i| {
            let open_in = r.value(i) < end && (c.is_null(i) || c.value(i) >= start);
            (lead.value(i) == who && open_in) || named.contains(id.value(i))
        }))
    });
    let parts = f.scan(
        &Scan {
            columns: vec![
                "case_id",
                "lead_officer_id",
                "case_type",
                "procedure",
                "squad_id",
                "division_code",
                "place",
                "received_at",
                "registered_at",
                "decided_at",
                "closed_at",
                "outcome",
                "extension_approval_no",
            ],
            prune: None,
            filter: Some(Filter {
                columns: vec!["case_id", "lead_officer_id", "received_at", "closed_at"],
                pred,
            }),
        },
        |b| {
            let s = |c: &str| scan::strs(b, c);
            let t = |c: &str| scan::ts(b, c);
            let (squad, div) = (s("squad_id")?, s("division_code")?);
            let (id, lead, ty, pr, place, out, ext) = (
                s("case_id")?,
                s("lead_officer_id")?,
                s("case_type")?,
                s("procedure")?,
                s("place")?,
                s("outcome")?,
                s("extension_approval_no")?,
            );
            let (rec, reg, dec, clo) = (
                t("received_at")?,
                t("registered_at")?,
                t("decided_at")?,
                t("closed_at")?,
            );
            Ok((0..b.num_rows())
                .map(|i| {
                    let clock = CaseKind::parse(ty.value(i)).map(|kind| Clock {
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
                    });
                    OfficerCase {
                        case_id: id.value(i).to_owned(),
                        case_type: ty.value(i).to_owned(),
                        procedure: pr.value(i).to_owned(),
                        squad_id: squad.value(i).to_owned(),
                        division_code: div.value(i).to_owned(),
                        lead: lead.value(i) == officer_id,
                        received_at: LocalTime(rec.value(i)),
                        registered_at: opt_ts(reg, i).map(LocalTime),
                        decided_at: opt_ts(dec, i).map(LocalTime),
                        closed_at: opt_ts(clo, i).map(LocalTime),
                        outcome: opt_str(out, i).map(str::to_owned),
                        place: opt_str(place, i).map(str::to_owned),
                        deadline: clock
                            .and_then(|c| c.deadline(&o.limits))
                            .map(|(d, _)| LocalTime(d)),
                        on_time: clock.and_then(|c| c.judge(&o.limits, p, o.as_of)),
                    }
                })
                .collect::<Vec<_>>())
        },
    )?;
    let mut cases: Vec<OfficerCase> = parts.into_iter().flatten().collect();
    cases.sort_by(|a, b| {
        a.received_at
            .cmp(&b.received_at)
            .then_with(|| a.case_id.cmp(&b.case_id))
    });
    let total = cases.len();
    cases.truncate(cap);
    Ok(OfficerCases {
        officer_id: officer_id.to_owned(),
        period: p.clone(),
        cases,
        total,
        truncated: total > cap,
    })
}
