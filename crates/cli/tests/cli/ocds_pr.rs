//! The PR-* procurement indicators and `ocds risk` on the real Dominican Republic file, checked
//! against figures computed here straight from the raw JSON (not from the lake): the per-method
//! legal minimum of PR-R01 against Cardinal's flat 15-day default, one hand-checked process,
//! and a buyer's risk score against its processes and hits.

use super::{BIN, json, ok, q};
use chrono::DateTime;
use qinglian_ocds::LineReader;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn dr_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/ocds/dominican-republic-dgcp-10000.jsonl.gz")
}

fn releases() -> Vec<Value> {
    let mut r = LineReader::open(&dr_file()).unwrap();
    let mut out = Vec::new();
    loop {
        let chunk = r.next_chunk(1 << 22).unwrap();
        if chunk.is_empty() {
            return out;
        }
        out.extend(
            chunk
                .iter()
                .map(|l| serde_json::from_slice(&l.bytes).unwrap()),
        );
    }
}

/// Whole days of the tender period, when both dates are RFC 3339.
fn period_days(t: &Value) -> Option<i64> {
    let d = |k: &str| DateTime::parse_from_rfc3339(t["tenderPeriod"][k].as_str()?).ok();
    Some((d("endDate")? - d("startDate")?).num_days())
}

/// PR-R01 at its defaults, written again over the raw JSON: open and selective processes at or
/// above 16号令's value for their category need 20 days, limited ones 3.
fn pr_r01_by_hand(r: &Value) -> bool {
    let t = &r["tender"];
    let Some(days) = period_days(t) else {
        return false;
    };
    let threshold = match t["mainProcurementCategory"].as_str() {
        Some("works") => 4_000_000.0,
        Some("goods") => 2_000_000.0,
        Some("services") => 1_000_000.0,
        _ => f64::INFINITY,
    };
    let amount = t["value"]["amount"].as_f64().unwrap_or(0.0);
    let min = match t["procurementMethod"].as_str() {
        Some("open" | "selective") if amount >= threshold => 20,
        Some("limited") => 3,
        _ => 0,
    };
    // No minimum (direct awards, small purchases): never flagged, even a negative period.
    min > 0 && days < min
}

#[test]
fn pr_indicators_and_risk_scores_on_the_dr_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(q(&data).args(["import", "ocds"]).arg(dr_file()));
    ok(q(&data).args(["screen", "--domain", "procurement", "--as-of", "2026-12-01"]));
    let hits = json(q(&data).args(["hits", "--domain", "procurement", "--limit", "100000"]));
    let hits = hits.as_array().unwrap();
    let of =
        |id: &str| -> Vec<&Value> { hits.iter().filter(|h| h["indicator_id"] == id).collect() };

    let raw = releases();
    let live: Vec<&Value> = raw
        .iter()
        .filter(|r| r["tender"]["status"] != "cancelled")
        .collect();
    // Cardinal's R003 default: every period under 15 days, whatever the method.
    let flat_15 = live
        .iter()
        .filter(|r| period_days(&r["tender"]).is_some_and(|d| d < 15))
        .count();
    let by_hand: BTreeSet<&str> = live
        .iter()
        .filter(|r| pr_r01_by_hand(r))
        .map(|r| r["ocid"].as_str().unwrap())
        .collect();
    let r01: BTreeSet<&str> = of("PR-R01")
        .iter()
        .map(|h| h["subject"]["ocid"].as_str().unwrap())
        .collect();
    assert_eq!(r01, by_hand, "PR-R01 = the rule applied to the raw file");
    assert!(flat_15 > 9_000, "the flat 15-day rule flags {flat_15}");
    assert!(
        r01.len() * 10 < flat_15,
        "PR-R01 flags {} processes, not a tenth of the {flat_15} the flat default flags",
        r01.len()
    );

    // Hand-checked: a price comparison for uniforms, 4,645,000 DOP of goods (≥ 2,000,000),
    // open from 2022-07-26T10:02:40Z to 2022-08-04T10:00:00Z: 8 whole days, 20 required.
    let ocid = "ocds-6550wx-UTECT-CCC-CP-2022-0002";
    let h = of("PR-R01")
        .into_iter()
        .find(|h| h["subject"]["ocid"] == ocid)
        .expect("the hand-checked process is flagged");
    let zh = h["explanation_zh"].as_str().unwrap();
    for part in [
        "4645000.00 DOP",
        "仅 8 日",
        "最短期限 20 日",
        "Comparacion de Precios",
    ] {
        assert!(zh.contains(part), "{part} in {zh}");
    }
    assert_eq!(h["unit_id"], "1157");

    // The buyer's score: its processes counted from the raw file, its flagged processes from
    // the PR hits that name one of them.
    let risk = json(q(&data).args(["ocds", "risk", "--by", "buyer", "--min-processes", "1"]));
    let scores = risk["scores"].as_array().unwrap();
    let s = scores
        .iter()
        .find(|s| s["org_id"] == "1157")
        .expect("buyer 1157 is scored");
    let own: BTreeSet<&str> = live
        .iter()
        .filter(|r| r["tender"]["procuringEntity"]["id"] == "1157")
        .map(|r| r["ocid"].as_str().unwrap())
        .collect();
    assert_eq!(s["processes"], own.len());
    let flagged: BTreeSet<&str> = hits
        .iter()
        .filter(|h| h["indicator_id"].as_str().unwrap().starts_with("PR-"))
        .filter_map(|h| h["subject"]["ocid"].as_str())
        .filter(|o| own.contains(o))
        .collect();
    let listed: BTreeSet<&str> = s["flagged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ocid"].as_str().unwrap())
        .collect();
    assert!(listed.contains(ocid));
    assert!(
        listed.is_superset(&flagged),
        "every flagged process is listed"
    );
    assert_eq!(s["flagged_processes"], listed.len());
    let score = s["score"].as_f64().unwrap();
    assert!((score - listed.len() as f64 / own.len() as f64).abs() < 1e-12);
    // Ranked by score, highest first.
    let all: Vec<f64> = scores
        .iter()
        .map(|s| s["score"].as_f64().unwrap())
        .collect();
    assert!(all.windows(2).all(|w| w[0] >= w[1]));

    // Suppliers: a share of their own processes, each flagged one listed with its indicators.
    let sup = json(q(&data).args(["ocds", "risk", "--by", "supplier"]));
    let sup = sup["scores"].as_array().unwrap();
    assert!(!sup.is_empty());
    for s in sup {
        let n = s["processes"].as_u64().unwrap();
        let f = s["flagged"].as_array().unwrap();
        assert!(n >= 5 && f.len() as u64 == s["flagged_processes"].as_u64().unwrap());
        assert!(
            f.iter()
                .all(|p| !p["indicators"].as_array().unwrap().is_empty())
        );
    }
    let xlsx = dir.path().join("risk.xlsx");
    ok(q(&data)
        .args(["ocds", "risk", "--by", "supplier", "--export"])
        .arg(&xlsx));
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    let help = ok(Command::new(BIN).args(["ocds", "risk", "--help"]));
    assert!(help.contains("--by") && help.contains("供应商"));
}
