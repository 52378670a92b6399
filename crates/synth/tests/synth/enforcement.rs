//! The enforcement pack: files against `enforcement.toml`, the officer name ban, determinism,
//! realistic tracks, and every LE indicator of `/work/spec/le-semantics.md` recomputed here on
//! the generated files: the hits must be exactly the ground truth's `fire` entries.

use super::{Table, is_date, read, run};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
use qinglian_synth::packs::enforcement as le;
use qinglian_synth::{Registry, Scale};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

const FILES: [(&str, &[(&str, &str)]); 18] = [
    ("le_squads", &le::SQUADS),
    ("le_officers", &le::OFFICERS),
    ("le_shifts", &le::SHIFTS),
    ("le_gps_points", &le::GPS),
    ("le_inspections", &le::INSPECTIONS),
    ("le_cases", &le::CASES),
    ("le_case_events", &le::EVENTS),
    ("le_av_evidence", &le::AV),
    ("le_violation_codes", &le::CODES_COLS),
    ("le_penalties", &le::PENALTIES),
    ("le_publications", &le::PUBLICATIONS),
    ("le_legal_reviews", &le::REVIEWS),
    ("le_hearing_notices", &le::HEARINGS),
    ("le_clock_stops", &le::CLOCK_STOPS),
    ("le_complaints", &le::COMPLAINTS),
    ("le_use_of_force", &le::FORCE),
    ("le_discipline", &le::DISCIPLINE),
    ("work_calendar", &le::CALENDAR),
];

/// A GPS fix or an on-site step: time and position.
type Fix = (NaiveDateTime, (f64, f64));
/// An on-site step: time, event id, position.
type Step<'a> = (NaiveDateTime, &'a str, (f64, f64));
/// An officer-month's inspection rate: officer, rate, inspections.
type Rate<'a> = (&'a str, f64, usize);

/// Yuan in fen.
fn y(yuan: i64) -> i64 {
    yuan * 100
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_else(|_| panic!("{s}"))
}
fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|_| panic!("{s}"))
}
fn fen(s: &str) -> i64 {
    let (i, f) = s.split_once('.').unwrap();
    assert_eq!(f.len(), 2, "{s}");
    i.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap()
}
fn ll(r: &BTreeMap<String, String>) -> Option<(f64, f64)> {
    Some((r["经度"].parse().ok()?, r["纬度"].parse().ok()?))
}

/// Headers, enum labels and cell types as `enforcement.toml` declares them.
fn load(out: &Path) -> HashMap<&'static str, Table> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lake/datasets/enforcement.toml");
    let doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let datasets = doc["dataset"].as_array().unwrap();
    let mut tables = HashMap::new();
    for (dataset, cols) in FILES {
        let ds = datasets
            .iter()
            .find(|d| d["name"].as_str() == Some(dataset))
            .unwrap_or_else(|| panic!("{dataset}"));
        let spec = ds["columns"].as_array().unwrap();
        let names: Vec<&str> = spec.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(
            cols.iter().map(|c| c.0).collect::<Vec<_>>(),
            names,
            "{dataset}"
        );
        let (header, table) = read(&out.join(format!("{dataset}.csv")));
        assert_eq!(header, cols.iter().map(|c| c.1).collect::<Vec<_>>());
        assert!(!table.is_empty(), "{dataset}");
        for ((_, h), c) in cols.iter().zip(spec) {
            assert_eq!(Some(*h), c["aliases"][0].as_str(), "{dataset}");
            let required = c.get("required").and_then(|v| v.as_bool()) == Some(true);
            let ty = c["type"].as_str().unwrap();
            let allowed: Option<BTreeSet<&str>> = c.get("values").map(|v| {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["zh"].as_str().unwrap())
                    .collect()
            });
            for r in &table {
                let v = r[*h].as_str();
                if v.is_empty() {
                    assert!(!required, "{dataset}.{h} is required");
                    continue;
                }
                match ty {
                    "date" => assert!(is_date(v), "{dataset}.{h}: {v}"),
                    "date_time" => {
                        let t = dt(v);
                        // LE-S08's near miss: uses of force the day before the window.
                        let edge = dataset == "le_use_of_force" && t.date() == day("2024-12-31");
                        assert!(t.year() == 2025 || edge, "{dataset}.{h}: {v}");
                    }
                    "float" => assert!(v.parse::<f64>().is_ok(), "{dataset}.{h}: {v}"),
                    "money" => assert!(fen(v) >= 0, "{dataset}.{h}: {v}"),
                    "bool" => assert!(v == "是" || v == "否", "{dataset}.{h}: {v}"),
                    "division" => assert!(v.len() == 9 && v.starts_with("330106"), "{v}"),
                    "enum" => assert!(allowed.as_ref().unwrap().contains(v), "{dataset}.{h}: {v}"),
                    _ => {}
                }
            }
        }
        let key: Vec<&str> = ds["key"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                let k = k.as_str().unwrap();
                cols.iter().find(|c| c.0 == k).unwrap().1
            })
            .collect();
        super::assert_unique(
            dataset,
            table.iter().map(|r| {
                key.iter()
                    .map(|k| r[*k].as_str())
                    .collect::<Vec<_>>()
                    .join("|")
            }),
        );
        tables.insert(dataset, table);
    }
    tables
}

fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    le::distance_m(a, b)
}

/// The n-th working day after `d`: the calendar's days (true: worked) over Monday–Friday.
fn working_day_after(d: NaiveDate, n: i64, calendar: &HashMap<NaiveDate, bool>) -> NaiveDate {
    let mut day = d;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap();
        let worked = calendar
            .get(&day)
            .copied()
            .unwrap_or(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun));
        if worked {
            left -= 1;
        }
    }
    day
}

/// Inclusive linear quantile (Excel `QUARTILE.INC`).
fn quantile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Every LE indicator of the semantics file, as subject keys (`a|b` for two-column subjects).
fn indicators(
    t: &HashMap<&str, Table>,
    as_of: NaiveDate,
) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut hits: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    let cases = &t["le_cases"];
    let case_of: HashMap<&str, &BTreeMap<String, String>> =
        cases.iter().map(|c| (c["案件编号"].as_str(), c)).collect();
    let sworn: HashSet<&str> = t["le_officers"]
        .iter()
        .filter(|o| o["人员身份"] == "执法人员")
        .map(|o| o["队员编号"].as_str())
        .collect();
    let unit_of: HashMap<&str, &str> = t["le_officers"]
        .iter()
        .map(|o| (o["队员编号"].as_str(), o["执法单位编号"].as_str()))
        .collect();
    let mut stops: HashMap<&str, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
    for s in &t["le_clock_stops"] {
        stops
            .entry(s["案件编号"].as_str())
            .or_default()
            .push((day(&s["起始日期"]), day(&s["终止日期"])));
    }
    let mut events_of: HashMap<&str, Vec<&BTreeMap<String, String>>> = HashMap::new();
    for e in &t["le_case_events"] {
        events_of.entry(e["案件编号"].as_str()).or_default().push(e);
    }
    let date = |s: &str| dt(s).date();
    // R01, R02, R04, R06 on cases.
    let mut av_of: HashMap<&str, Vec<(NaiveDateTime, NaiveDateTime)>> = HashMap::new();
    for a in &t["le_av_evidence"] {
        av_of
            .entry(a["案件编号"].as_str())
            .or_default()
            .push((dt(&a["开始时间"]), dt(&a["结束时间"])));
    }
    let mut reviews: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
    for r in &t["le_legal_reviews"] {
        reviews
            .entry(r["案件编号"].as_str())
            .or_default()
            .push(day(&r["审核日期"]));
    }
    for c in cases {
        let id = c["案件编号"].clone();
        let ty = c["案件类型"].as_str();
        let penal = ty == "行政处罚" || ty == "治安案件";
        if penal && c["办案程序"] != "简易程序" {
            let start = if ty == "行政处罚" {
                (!c["立案时间"].is_empty()).then(|| date(&c["立案时间"]))
            } else {
                Some(date(&c["受案时间"]))
            };
            if let Some(start) = start {
                let end = [&c["决定时间"], &c["结案时间"]]
                    .iter()
                    .find(|s| !s.is_empty())
                    .map_or(as_of, |s| date(s));
                let mut stopped = 0;
                let mut d = start.succ_opt().unwrap();
                while d <= end {
                    if stops
                        .get(id.as_str())
                        .is_some_and(|v| v.iter().any(|(a, b)| *a <= d && d <= *b))
                    {
                        stopped += 1;
                    }
                    d = d.succ_opt().unwrap();
                }
                let elapsed = (end - start).num_days() - stopped;
                let limit = if ty == "行政处罚" {
                    90
                } else if c["延期审批文号"].is_empty() {
                    30
                } else {
                    60
                };
                if elapsed > limit {
                    hits.entry("LE-R01").or_default().insert(id.clone());
                }
            }
        }
        if penal && !c["立案时间"].is_empty() {
            let days = (date(&c["立案时间"]) - date(&c["受案时间"])).num_days();
            let limit = if c["重大复杂"] == "是" {
                30
            } else if c["需查证"] == "是" {
                7
            } else {
                3
            };
            if days > limit {
                hits.entry("LE-R02").or_default().insert(id.clone());
            }
        }
        let onsite: Vec<NaiveDateTime> = events_of
            .get(id.as_str())
            .into_iter()
            .flatten()
            .filter(|e| e["现场环节"] == "是")
            .map(|e| dt(&e["发生时间"]))
            .collect();
        if !c["结案时间"].is_empty() && !onsite.is_empty() {
            let files = av_of.get(id.as_str()).cloned().unwrap_or_default();
            let uncovered = onsite.iter().any(|t| {
                !files
                    .iter()
                    .any(|(a, b)| a <= t && t <= b && (*b - *a).num_seconds() >= 30)
            });
            if uncovered {
                hits.entry("LE-R04").or_default().insert(id.clone());
            }
        }
        if c["重大执法决定"] == "是" && !c["决定时间"].is_empty() {
            let d = date(&c["决定时间"]);
            if !reviews
                .get(id.as_str())
                .is_some_and(|v| v.iter().any(|r| *r <= d))
            {
                hits.entry("LE-R06").or_default().insert(id.clone());
            }
        }
    }
    // R03.
    for e in &t["le_case_events"] {
        let c = case_of[e["案件编号"].as_str()];
        let penal = c["案件类型"] == "行政处罚" || c["案件类型"] == "治安案件";
        if !penal || c["办案程序"] == "简易程序" {
            continue;
        }
        if !["检查取证", "决定", "送达"].contains(&e["办理环节"].as_str()) {
            continue;
        }
        let (o, co) = (e["执法人员编号"].as_str(), e["协办执法人员编号"].as_str());
        if !(sworn.contains(o) && sworn.contains(co) && o != co) {
            hits.entry("LE-R03")
                .or_default()
                .insert(e["环节编号"].clone());
        }
    }
    // R05.
    for a in &t["le_av_evidence"] {
        if a["删除日期"].is_empty() {
            continue;
        }
        let kept = (day(&a["删除日期"]) - dt(&a["结束时间"]).date()).num_days();
        if a["作为证据"] == "是" || kept < 180 {
            hits.entry("LE-R05")
                .or_default()
                .insert(a["文件编号"].clone());
        }
    }
    // Penalties: R07, R08, R09, S06, S07.
    let mut published: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
    for p in &t["le_publications"] {
        published
            .entry(p["决定书编号"].as_str())
            .or_default()
            .push(day(&p["公示日期"]));
    }
    let mut notices: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
    for h in &t["le_hearing_notices"] {
        notices
            .entry(h["案件编号"].as_str())
            .or_default()
            .push(day(&h["告知日期"]));
    }
    let calendar: HashMap<NaiveDate, bool> = t["work_calendar"]
        .iter()
        .map(|c| (day(&c["日期"]), c["类型"] == "调休上班"))
        .collect();
    let min_of: HashMap<&str, i64> = t["le_violation_codes"]
        .iter()
        .map(|c| (c["违法行为代码"].as_str(), fen(&c["法定最低罚款（元）"])))
        .collect();
    let mut by_party: HashMap<&str, Vec<(NaiveDate, &str, &str, String)>> = HashMap::new();
    for p in &t["le_penalties"] {
        let id = p["决定书编号"].clone();
        let c = case_of[p["案件编号"].as_str()];
        let decided = day(&p["决定日期"]);
        let fine = fen(&p["罚款金额（元）"]);
        let voided = !p["作废日期"].is_empty();
        if !voided {
            by_party.entry(c["当事人编号"].as_str()).or_default().push((
                decided,
                c["案件编号"].as_str(),
                p["裁量档次"].as_str(),
                id.clone(),
            ));
        }
        if voided || p["裁量档次"] == "不予处罚" {
            continue;
        }
        let spot = p["当场处罚"] == "是";
        if !spot && c["案件类型"] == "行政处罚" {
            let deadline = working_day_after(decided, 7, &calendar);
            let ok = published
                .get(p["决定书编号"].as_str())
                .is_some_and(|v| v.iter().any(|d| *d <= deadline));
            if !ok && deadline < as_of {
                hits.entry("LE-R07").or_default().insert(id.clone());
            }
        }
        let person = c["当事人类型"] == "自然人";
        if (spot || c["办案程序"] == "简易程序") && fine > if person { y(200) } else { y(3_000) }
        {
            hits.entry("LE-R08").or_default().insert(id.clone());
        }
        let threshold = if c["案件类型"] == "治安案件" {
            y(2_000)
        } else if person {
            y(10_000)
        } else {
            y(100_000)
        };
        if fine >= threshold
            && !notices
                .get(c["案件编号"].as_str())
                .is_some_and(|v| v.iter().any(|n| *n < decided))
        {
            hits.entry("LE-R09").or_default().insert(id.clone());
        }
        if fine < min_of[p["违法行为代码"].as_str()] && p["减轻处罚理由"].is_empty() {
            hits.entry("LE-S06").or_default().insert(id.clone());
        }
    }
    for list in by_party.values() {
        for (d, _, _, id) in list {
            let window: Vec<_> = list
                .iter()
                .filter(|(x, ..)| *x <= *d && (*d - *x).num_days() < 365)
                .collect();
            let distinct: HashSet<&str> = window.iter().map(|w| w.1).collect();
            if distinct.len() >= 3
                && window
                    .iter()
                    .all(|w| ["不予处罚", "减轻", "从轻"].contains(&w.2))
            {
                hits.entry("LE-S07").or_default().insert(id.clone());
            }
        }
    }
    // S02 and S03 on on-site events.
    let mut onsite: HashMap<&str, Vec<Step<'_>>> = HashMap::new();
    for e in &t["le_case_events"] {
        if e["现场环节"] == "是"
            && let Some(p) = ll(e)
        {
            onsite.entry(e["执法人员编号"].as_str()).or_default().push((
                dt(&e["发生时间"]),
                e["环节编号"].as_str(),
                p,
            ));
        }
    }
    let mut fixes: HashMap<&str, Vec<Fix>> = HashMap::new();
    for g in &t["le_gps_points"] {
        fixes
            .entry(g["队员编号"].as_str())
            .or_default()
            .push((dt(&g["定位时间"]), ll(g).unwrap()));
    }
    for v in fixes.values_mut() {
        v.sort_by_key(|f| f.0);
    }
    for (o, list) in &mut onsite {
        list.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for w in list.windows(2) {
            let d = distance_m(w[0].2, w[1].2);
            let dt_s = (w[1].0 - w[0].0).num_seconds();
            if d >= 1000.0 && (dt_s == 0 || d / dt_s as f64 * 3.6 > 120.0) {
                hits.entry("LE-S02").or_default().insert(w[1].1.to_owned());
            }
        }
        let f = fixes.get(o).map_or(&[][..], Vec::as_slice);
        for (t0, id, p) in list.iter() {
            let i = f.partition_point(|x| x.0 < *t0);
            let mut best: Option<(i64, (f64, f64))> = None;
            for x in &f[i.saturating_sub(1)..(i + 1).min(f.len())] {
                let gap = (x.0 - *t0).num_seconds().abs();
                if gap <= 900 && best.is_none_or(|b| gap < b.0) {
                    best = Some((gap, x.1));
                }
            }
            let fire = match best {
                Some((_, q)) => distance_m(*p, q) > 500.0,
                None => f.iter().any(|x| x.0.date() == t0.date()),
            };
            if fire {
                hits.entry("LE-S03").or_default().insert((*id).to_owned());
            }
        }
    }
    // S01.
    let mut patrols: HashMap<(&str, u32), Vec<(NaiveDateTime, NaiveDateTime)>> = HashMap::new();
    for s in t["le_shifts"].iter().filter(|s| s["班次类型"] == "巡查") {
        let (a, b) = (dt(&s["开始时间"]), dt(&s["结束时间"]));
        patrols
            .entry((s["队员编号"].as_str(), a.month()))
            .or_default()
            .push((a, b));
    }
    let mut insp: HashMap<&str, Vec<NaiveDateTime>> = HashMap::new();
    for i in &t["le_inspections"] {
        insp.entry(i["队员编号"].as_str())
            .or_default()
            .push(dt(&i["检查时间"]));
    }
    let mut groups: HashMap<(&str, u32), Vec<Rate<'_>>> = HashMap::new();
    for ((o, m), shifts) in &patrols {
        if shifts.len() < 10 {
            continue;
        }
        let hours: f64 = shifts
            .iter()
            .map(|(a, b)| (*b - *a).num_seconds() as f64 / 3600.0)
            .sum();
        let n = insp
            .get(o)
            .into_iter()
            .flatten()
            .filter(|t| shifts.iter().any(|(a, b)| a <= *t && *t <= b))
            .count();
        groups
            .entry((unit_of[o], *m))
            .or_default()
            .push((o, n as f64 / hours, n));
    }
    // Peers with and without the officer itself: the background must hold either way.
    for ((_, m), peers) in &groups {
        for (k, (o, rate, n)) in peers.iter().enumerate() {
            for with_self in [true, false] {
                let rates: Vec<f64> = peers
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| with_self || *j != k)
                    .map(|(_, p)| p.1)
                    .collect();
                if rates.len() < 5 {
                    continue;
                }
                let (q1, q3) = (quantile(&rates, 0.25), quantile(&rates, 0.75));
                let fence = (q3 > q1).then_some(q1 - 1.5 * (q3 - q1));
                if *n == 0 || fence.is_some_and(|f| *rate < f) {
                    hits.entry("LE-S01")
                        .or_default()
                        .insert(format!("{o}|2025-{m:02}"));
                }
            }
        }
    }
    // S04.
    let mut closures: HashMap<&str, (usize, usize)> = HashMap::new();
    for c in cases
        .iter()
        .filter(|c| c["案件类型"] != "警情事件" && !c["结案时间"].is_empty())
    {
        let e = closures.entry(c["主办队员编号"].as_str()).or_default();
        e.0 += 1;
        if ["撤销案件", "不予立案", "不予处罚", "终止调查"].contains(&c["办理结果"].as_str())
        {
            e.1 += 1;
        }
    }
    let peers: Vec<(&str, f64)> = closures
        .iter()
        .filter(|(_, (n, _))| *n >= 30)
        .map(|(o, (n, a))| (*o, *a as f64 / *n as f64))
        .collect();
    for (k, (o, share)) in peers.iter().enumerate() {
        for with_self in [true, false] {
            let shares: Vec<f64> = peers
                .iter()
                .enumerate()
                .filter(|(j, _)| with_self || *j != k)
                .map(|(_, p)| p.1)
                .collect();
            if shares.len() < 5 {
                continue;
            }
            let (q1, q3) = (quantile(&shares, 0.25), quantile(&shares, 0.75));
            if *share > q3 + 1.5 * (q3 - q1) {
                hits.entry("LE-S04")
                    .or_default()
                    .insert(format!("{o}|2025"));
            }
        }
    }
    // S05: voided share per officer and year, peers by the case's unit (IQR 0: no fence).
    let mut decisions: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
    for p in &t["le_penalties"] {
        let unit = case_of[p["案件编号"].as_str()]["执法单位编号"].as_str();
        let e = decisions
            .entry((unit, p["承办人编号"].as_str()))
            .or_default();
        e.0 += 1;
        e.1 += usize::from(!p["作废日期"].is_empty());
    }
    let shares: Vec<(&str, f64)> = decisions
        .iter()
        .filter(|(_, (n, _))| *n >= 30)
        .map(|((_, o), (n, v))| (*o, *v as f64 / *n as f64))
        .collect();
    if shares.len() >= 5 {
        let v: Vec<f64> = shares.iter().map(|s| s.1).collect();
        let (q1, q3) = (quantile(&v, 0.25), quantile(&v, 0.75));
        for (o, s) in &shares {
            if q3 > q1 && *s > q3 + 1.5 * (q3 - q1) {
                hits.entry("LE-S05")
                    .or_default()
                    .insert(format!("{o}|2025"));
            }
        }
    }
    // S05 party: two voids of one party (at one unit) at most 90 days apart, by the year of
    // the later one.
    let mut voids: HashMap<(&str, &str), Vec<NaiveDate>> = HashMap::new();
    for p in t["le_penalties"]
        .iter()
        .filter(|p| !p["作废日期"].is_empty())
    {
        let c = case_of[p["案件编号"].as_str()];
        if !c["当事人编号"].is_empty() {
            voids
                .entry((c["执法单位编号"].as_str(), c["当事人编号"].as_str()))
                .or_default()
                .push(day(&p["作废日期"]));
        }
    }
    for ((_, party), v) in &voids {
        for d in v {
            let n = v
                .iter()
                .filter(|x| **x <= *d && (*d - **x).num_days() <= 90)
                .count();
            if n >= 2 {
                hits.entry("LE-S05")
                    .or_default()
                    .insert(format!("{party}|{}", d.year()));
            }
        }
    }
    // S06 share: live fines at exactly their code's minimum, per officer (fence as S05).
    let mut at_min: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
    for p in &t["le_penalties"] {
        if !p["作废日期"].is_empty() || p["裁量档次"] == "不予处罚" {
            continue;
        }
        let unit = case_of[p["案件编号"].as_str()]["执法单位编号"].as_str();
        let e = at_min.entry((unit, p["承办人编号"].as_str())).or_default();
        e.0 += 1;
        e.1 += usize::from(fen(&p["罚款金额（元）"]) == min_of[p["违法行为代码"].as_str()]);
    }
    let shares: Vec<(&str, f64)> = at_min
        .iter()
        .filter(|(_, (n, _))| *n >= 30)
        .map(|((_, o), (n, k))| (*o, *k as f64 / *n as f64))
        .collect();
    if shares.len() >= 5 {
        let v: Vec<f64> = shares.iter().map(|s| s.1).collect();
        let (q1, q3) = (quantile(&v, 0.25), quantile(&v, 0.75));
        eprintln!(
            "S06 share: q1 {q1:.3} q3 {q3:.3} fence {:.3}",
            q3 + 1.5 * (q3 - q1)
        );
        for (o, s) in &shares {
            if q3 > q1 && *s > q3 + 1.5 * (q3 - q1) {
                hits.entry("LE-S06")
                    .or_default()
                    .insert(format!("{o}|2025"));
            }
        }
    }
    // S09: downgrade share per (unit, decider), peers all groups with at least ten findings.
    let rank = |s: &str| {
        [
            "不予处分",
            "批评教育",
            "警告",
            "记过",
            "记大过",
            "降级",
            "开除",
        ]
        .iter()
        .position(|x| *x == s)
        .unwrap()
    };
    let mut by_decider: HashMap<(&str, &str), (usize, usize)> = HashMap::new();
    for d in &t["le_discipline"] {
        if d["最终处分"].is_empty() || d["决定人员编号"].is_empty() {
            continue;
        }
        let e = by_decider
            .entry((unit_of[d["队员编号"].as_str()], d["决定人员编号"].as_str()))
            .or_default();
        e.0 += 1;
        e.1 += usize::from(rank(&d["最终处分"]) < rank(&d["建议处分"]));
    }
    let groups: Vec<(&str, f64)> = by_decider
        .iter()
        .filter(|(_, (n, _))| *n >= 10)
        .map(|((_, d), (n, k))| (*d, *k as f64 / *n as f64))
        .collect();
    if groups.len() >= 5 {
        let v: Vec<f64> = groups.iter().map(|s| s.1).collect();
        let (q1, q3) = (quantile(&v, 0.25), quantile(&v, 0.75));
        for (d, s) in &groups {
            if q3 > q1 && *s > q3 + 1.5 * (q3 - q1) {
                hits.entry("LE-S09").or_default().insert((*d).to_owned());
            }
        }
    }
    // S08.
    let mut complaints: HashMap<&str, usize> = HashMap::new();
    for c in &t["le_complaints"] {
        let d = day(&c["受理日期"]);
        if d <= as_of && (as_of - d).num_days() < 365 {
            *complaints.entry(c["被投诉队员编号"].as_str()).or_default() += 1;
        }
    }
    let mut force: HashMap<&str, usize> = HashMap::new();
    for f in &t["le_use_of_force"] {
        let d = dt(&f["发生时间"]).date();
        if d <= as_of && (as_of - d).num_days() < 365 {
            *force.entry(f["队员编号"].as_str()).or_default() += 1;
        }
    }
    // Peers: the unit's officers on the roster during the window, zeros included.
    let mut totals: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
    for o in &t["le_officers"] {
        let id = o["队员编号"].as_str();
        let left = (!o["离队日期"].is_empty()).then(|| day(&o["离队日期"]));
        if day(&o["入队日期"]) <= as_of && left.is_none_or(|l| (as_of - l).num_days() < 365) {
            let n = complaints.get(id).copied().unwrap_or(0) + force.get(id).copied().unwrap_or(0);
            totals
                .entry(o["执法单位编号"].as_str())
                .or_default()
                .push((id, n));
        }
    }
    for peers in totals.values() {
        let v: Vec<f64> = peers.iter().map(|p| p.1 as f64).collect();
        let (q1, q3) = (quantile(&v, 0.25), quantile(&v, 0.75));
        eprintln!(
            "S08: {} peers, q1 {q1} q3 {q3} fence {}",
            v.len(),
            q3 + 1.5 * (q3 - q1)
        );
        for (o, n) in peers {
            if v.len() >= 5 && q3 > q1 && *n as f64 > q3 + 1.5 * (q3 - q1) {
                hits.entry("LE-S08").or_default().insert((*o).to_owned());
            }
        }
    }
    for (o, n) in complaints {
        if n >= 3 {
            hits.entry("LE-S08").or_default().insert(o.to_owned());
        }
    }
    hits
}

/// The ground truth's enforcement entries per indicator: (fire keys, no-fire keys).
fn truth(out: &Path) -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let gt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ground_truth.json")).unwrap())
            .unwrap();
    let mut per: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for a in gt["anomalies"].as_array().unwrap() {
        if !a["id"].as_str().unwrap().starts_with("enforcement-") {
            continue;
        }
        let keys = a["keys"].as_object().unwrap();
        let key = [
            "case_id",
            "event_id",
            "file_id",
            "penalty_id",
            "officer_id",
            "party_id",
            "decider",
        ]
        .iter()
        .find_map(|k| keys.get(*k))
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
        let key = match (keys.get("month"), keys.get("year")) {
            (Some(m), _) => format!("{key}|{}", m.as_str().unwrap()),
            (_, Some(y)) => format!("{key}|{}", y.as_str().unwrap()),
            _ => key,
        };
        for i in a["indicators"].as_array().unwrap() {
            let e = per.entry(i.as_str().unwrap().to_owned()).or_default();
            if a["expect"] == "fire" {
                e.0.insert(key.clone());
            } else {
                e.1.insert(key.clone());
            }
        }
    }
    per
}

#[test]
fn enforcement_pack_is_consistent_and_its_plants_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let summary = run(Scale::County, 42, dir.path());
    let t = load(dir.path());
    for f in summary
        .files
        .iter()
        .filter(|f| f.dataset.starts_with("le_"))
    {
        assert_eq!(t[f.dataset.as_str()].len(), f.rows, "{}", f.dataset);
        eprintln!("{:>20}: {}", f.dataset, f.rows);
    }
    let cases = t["le_cases"].len();
    let gps = t["le_gps_points"].len();
    assert!((2_000..=20_000).contains(&cases), "{cases} cases");
    assert!((50_000..=300_000).contains(&gps), "{gps} GPS points");

    // Officers are registry people of the county's 综合行政执法局; no refused name.
    let (_, people) = read(&dir.path().join("people.xlsx"));
    let (_, units) = read(&dir.path().join("units.csv"));
    let bureau = units
        .iter()
        .find(|u| u["单位名称"] == "西湖区综合行政执法局")
        .unwrap()["单位编号"]
        .clone();
    let person: HashMap<&str, &BTreeMap<String, String>> =
        people.iter().map(|p| (p["人员编号"].as_str(), p)).collect();
    let officers = &t["le_officers"];
    assert!(
        (25..=40).contains(&officers.len()),
        "{} officers",
        officers.len()
    );
    for o in officers {
        let p = person[o["人员编号"].as_str()];
        assert_eq!(p["所在单位编号"], bureau);
        assert_eq!(o["执法单位编号"], bureau);
        assert_ne!(p["姓名"], "徐佩宁");
        assert_eq!(o["人员身份"] == "执法人员", !o["执法证号"].is_empty());
    }
    for table in t.values() {
        for row in table {
            assert!(row.values().all(|v| !v.contains("徐佩宁")));
        }
    }
    for s in &t["le_squads"] {
        assert!(s["中队名称"].ends_with("中队"), "{}", s["中队名称"]);
        assert!(person.contains_key(s["中队长人员编号"].as_str()));
    }

    // Tracks: near the squad's base, plausible speeds, on-site steps on the track.
    let truth = truth(dir.path());
    let odd_event: HashSet<&String> = truth["LE-S02"].0.iter().chain(&truth["LE-S02"].1).collect();
    let ev: HashMap<&str, &BTreeMap<String, String>> = t["le_case_events"]
        .iter()
        .map(|e| (e["环节编号"].as_str(), e))
        .collect();
    let odd_days: HashSet<(String, NaiveDate)> = odd_event
        .iter()
        .map(|e| {
            let e = ev[e.as_str()];
            (e["执法人员编号"].clone(), dt(&e["发生时间"]).date())
        })
        .collect();
    let mut by_officer: BTreeMap<&str, Vec<Fix>> = BTreeMap::new();
    for g in &t["le_gps_points"] {
        let p = ll(g).unwrap();
        assert!(
            (119.5..121.0).contains(&p.0) && (29.8..30.8).contains(&p.1),
            "{p:?}"
        );
        by_officer
            .entry(g["队员编号"].as_str())
            .or_default()
            .push((dt(&g["定位时间"]), p));
    }
    let (mut pairs, mut max_kmh) = (0, 0.0f64);
    for (o, v) in &mut by_officer {
        v.sort_by_key(|x| x.0);
        for w in v.windows(2) {
            let s = (w[1].0 - w[0].0).num_seconds();
            if w[0].0.date() != w[1].0.date()
                || s > 3600
                || odd_days.contains(&((*o).to_owned(), w[0].0.date()))
            {
                continue;
            }
            assert!((300..=900).contains(&s), "fixes {s} s apart");
            let kmh = distance_m(w[0].1, w[1].1) / s as f64 * 3.6;
            max_kmh = max_kmh.max(kmh);
            pairs += 1;
        }
    }
    assert!(
        pairs > 10_000 && max_kmh < 60.0,
        "{pairs} pairs, max {max_kmh:.1} km/h"
    );

    let as_of = day("2025-12-31");
    let hits = indicators(&t, as_of);
    let ids = [
        "LE-R01", "LE-R02", "LE-R03", "LE-R04", "LE-R05", "LE-R06", "LE-R07", "LE-R08", "LE-R09",
        "LE-S01", "LE-S02", "LE-S03", "LE-S04", "LE-S05", "LE-S06", "LE-S07", "LE-S08", "LE-S09",
    ];
    for id in ids {
        let (fire, no_fire) = truth.get(id).cloned().unwrap_or_default();
        let got = hits.get(id).cloned().unwrap_or_default();
        eprintln!(
            "{id}: {} hits, {} fire, {} no_fire",
            got.len(),
            fire.len(),
            no_fire.len()
        );
        // LE-S09 compares deciders across the data: one planted decider a county.
        let min_fire = if id == "LE-S09" { 1 } else { 2 };
        assert!(
            fire.len() >= min_fire && !no_fire.is_empty(),
            "{id}: {} fire, {} no_fire",
            fire.len(),
            no_fire.len()
        );
        assert_eq!(got, fire, "{id}: hits differ from the planted cases");
        assert!(got.is_disjoint(&no_fire), "{id}");
    }

    // A county's pack is the same alone as with its neighbours (own random streams).
    let county = Registry::generate(Scale::County, 5, &|_, _, _| {}).unwrap();
    let city = Registry::generate(Scale::City, 5, &|_, _, _| {}).unwrap();
    let (mut r1, mut r2) = (county, city);
    let (mut t1, mut t2) = (Vec::new(), Vec::new());
    let a = le::generate(
        &mut r1,
        &Registry::counties(Scale::County).unwrap(),
        5,
        &mut t1,
    );
    let two: Vec<_> = Registry::counties(Scale::City)
        .unwrap()
        .into_iter()
        .filter(|c| ["330105", "330106"].contains(&c.code.as_str()))
        .collect();
    let b = le::generate(&mut r2, &two, 5, &mut t2);
    let xihu: Vec<_> = b
        .cases
        .iter()
        .filter(|c| c.case_id.starts_with("AJ330106-"))
        .cloned()
        .collect();
    assert_eq!(a.cases, xihu);
    let xihu_truth: Vec<_> = t2
        .into_iter()
        .filter(|x| x.id.contains("-330106-"))
        .collect();
    assert_eq!(t1, xihu_truth);
    let xihu_people: Vec<_> = r2
        .people
        .iter()
        .filter(|p| p.person_id.starts_with("P330106-"))
        .cloned()
        .collect();
    assert_eq!(r1.people, xihu_people, "officers join the registry alike");
    let ids: Vec<&str> = r2.people.iter().map(|p| p.person_id.as_str()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "people stay in key order"
    );
}
