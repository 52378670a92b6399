//! Enforcement read models over a real lake (e.g. `qinglian synth --scale city` imported with
//! `qinglian import-dir`):
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-rel cargo bench -p qinglian-enforce --bench enforce -- DATA_DIR [PERIOD] [CASES]
//! python3 bench/enforce_duckdb.py DATA_DIR/enforce-bench.json
//! ```
//!
//! Prints the workload table for every officer (best and median of 5 runs after a warm-up),
//! the trajectory index build, trajectory latency p50/p99/max over CASES sampled cases through
//! the index and p50 of the scan path, and writes `DATA_DIR/enforce-bench.json` (the Parquet
//! files, the period, the cut-off and the computed rows) for the DuckDB side, which runs the
//! same table as one SQL query over the same files and compares the numbers.

use qinglian_enforce::{
    Period, Roster, TrajectoryIndex, WorkloadOptions, trajectory_scan, workload,
};
use qinglian_lake::Lake;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn pctl(v: &mut [Duration], p: f64) -> Duration {
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(data) = args.first().map(PathBuf::from) else {
        eprintln!("用法 / usage: enforce DATA_DIR [PERIOD] [CASES]");
        std::process::exit(2);
    };
    let period = Period::parse(args.get(1).map_or("2025-09", String::as_str)).expect("period");
    let cases: usize = args.get(2).map_or(1000, |s| s.parse().expect("CASES"));
    let lake = Lake::new(data.join("lake"));
    println!(
        "cores {}  period {} ({} – {})",
        rayon::current_num_threads(),
        period.label,
        period.first,
        period.last
    );

    let t = Instant::now();
    let roster = Roster::load(&lake).expect("roster");
    println!(
        "roster: {} squads, {} officers in {:.1} ms",
        roster.squads.len(),
        roster.officers.len(),
        ms(t.elapsed())
    );

    let opts = WorkloadOptions::default();
    let mut w = workload(&lake, &roster, &period, &opts).expect("workload");
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        w = workload(&lake, &roster, &period, &opts).expect("workload");
        runs.push(t.elapsed());
    }
    let best = *runs.iter().min().expect("runs");
    let median = pctl(&mut runs, 0.5);
    println!(
        "workload, all {} officers: best {:.1} ms, median {:.1} ms",
        w.rows.len(),
        ms(best),
        ms(median)
    );

    let t = Instant::now();
    let index = TrajectoryIndex::build(&lake).expect("index");
    let (nc, ne, ng) = index.sizes();
    println!(
        "trajectory index over {nc} cases, {ne} steps, {ng} GPS points: built in {:.0} ms",
        ms(t.elapsed())
    );
    let ids = index.sample_case_ids(cases).expect("sample");
    let mut lat = Vec::with_capacity(ids.len());
    let mut points = 0usize;
    for id in &ids {
        let t = Instant::now();
        let tr = index
            .trajectory(id)
            .expect("trajectory")
            .expect("case exists");
        lat.push(t.elapsed());
        points += tr.track.len();
    }
    let max = *lat.iter().max().expect("cases");
    println!(
        "trajectory via index, {} cases (avg {} GPS points): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ids.len(),
        points / ids.len().max(1),
        ms(pctl(&mut lat, 0.5)),
        ms(pctl(&mut lat, 0.99)),
        ms(max)
    );
    let mut scan = Vec::new();
    for id in ids.iter().step_by((ids.len() / 10).max(1)).take(10) {
        let t = Instant::now();
        let a = trajectory_scan(&lake, id).expect("scan");
        scan.push(t.elapsed());
        assert_eq!(
            a,
            index.trajectory(id).expect("index"),
            "{id}: scan and index differ"
        );
    }
    println!(
        "trajectory by scanning, {} cases: p50 {:.1} ms (same answers as the index)",
        scan.len(),
        ms(pctl(&mut scan, 0.5))
    );

    let files = |d: &str| -> Vec<String> {
        lake.snapshot(d)
            .expect("snapshot")
            .files
            .iter()
            .map(|p| p.display().to_string())
            .collect()
    };
    let datasets: serde_json::Map<String, serde_json::Value> = [
        "le_cases",
        "le_clock_stops",
        "le_case_events",
        "le_av_evidence",
        "le_shifts",
        "le_gps_points",
        "le_inspections",
        "le_complaints",
        "le_officers",
    ]
    .iter()
    .map(|d| ((*d).to_owned(), serde_json::json!(files(d))))
    .collect();
    let spec = serde_json::json!({
        "start": period.start(),
        "end": period.end(),
        "first": period.first.to_string(),
        "last": period.last.to_string(),
        "as_of": opts.as_of,
        "max_speed_kmh": opts.max_speed_kmh,
        "datasets": datasets,
        "rust_best_ms": ms(best),
        "rows": w.rows,
    });
    let out = data.join("enforce-bench.json");
    std::fs::write(&out, serde_json::to_vec(&spec).expect("json")).expect("write spec");
    println!("spec for the DuckDB side: {}", out.display());
}
