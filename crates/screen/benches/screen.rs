//! Screening speed: every shipped indicator on the synthetic lake, side by side with DuckDB
//! running the same SQL on the same Parquet files. Run:
//!
//! ```sh
//! pip install duckdb
//! cargo bench -p qinglian-screen --bench screen                 # SCALE=city (default) | province
//! ```
//!
//! `SCALE` picks the synthetic scale, `BENCH_DIR` keeps the generated lake between runs (it is
//! rebuilt when missing), `BENCH_INDICATORS` (comma-separated ids or id prefixes, e.g.
//! `RA-,SL-S06`) runs only those indicators. Each query runs three times and the best time counts; the table gives
//! rows read per second and the time ratio (Qinglian ÷ DuckDB: below 1 means Qinglian is faster).
//! Machines here are noisy: read the ratios, not the absolute times.

use qinglian_lake::{Lake, ReadOptions};
use qinglian_screen::params::{ParamType, ParamValue};
use qinglian_screen::{Catalogue, Engine, Limits, Overrides, run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn build_lake(dir: &Path, scale: qinglian_synth::Scale) -> Lake {
    let lake = Lake::new(dir.join("lake"));
    if dir.join("lake/.complete").exists() {
        return lake;
    }
    let _ = std::fs::remove_dir_all(dir);
    let started = Instant::now();
    let summary = qinglian_synth::generate(
        &qinglian_synth::Options {
            scale,
            seed: 42,
            out: dir.join("synth"),
        },
        &|_, _, _| {},
    )
    .expect("synthetic data");
    eprintln!(
        "generated {scale} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    for f in summary.files.iter().filter(|f| f.dataset != "ground_truth") {
        let p = lake
            .prepare(
                &f.dataset,
                std::slice::from_ref(&f.path),
                &ReadOptions::default(),
                false,
                &|_, _| {},
            )
            .unwrap_or_else(|e| panic!("{}: {e}", f.dataset));
        lake.commit(p).expect("commit");
    }
    eprintln!("imported in {:.1} s", started.elapsed().as_secs_f64());
    std::fs::write(dir.join("lake/.complete"), "").expect("marker");
    lake
}

fn param_json(v: &ParamValue, ty: ParamType) -> serde_json::Value {
    serde_json::json!({ "type": ty.as_str(), "value": v.json() })
}

fn main() {
    let scale: qinglian_synth::Scale = std::env::var("SCALE")
        .unwrap_or_else(|_| "city".into())
        .parse()
        .expect("SCALE is county, city or province");
    let dir = std::env::var("BENCH_DIR").map_or_else(
        |_| std::env::temp_dir().join(format!("qinglian-screen-bench-{scale}")),
        PathBuf::from,
    );
    let lake = build_lake(&dir, scale);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let catalogue = Catalogue::builtin().expect("shipped catalogue");
    let as_of = qinglian_synth::packs::as_of();
    let overrides = Overrides::default();

    let mut engine = Engine::new(Limits::default()).expect("engine");
    engine.register_lake(&lake).expect("lake");
    // Only the indicators asked for (ids or prefixes), e.g. to skip LE-S03, which needs more
    // than the default memory limit at province scale.
    let wanted: Vec<String> = std::env::var("BENCH_INDICATORS")
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    let selection: Vec<_> = catalogue
        .all()
        .iter()
        .filter(|i| wanted.is_empty() || wanted.iter().any(|w| i.id.starts_with(w.as_str())))
        .collect();
    let mut spec_inds = Vec::new();
    let mut rows_out = Vec::new();
    for ind in selection.iter().copied() {
        let params = overrides.effective(ind, None, as_of);
        let mut best = f64::INFINITY;
        let mut result_rows = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let batches = rt.block_on(engine.execute(ind, &params)).expect("runs");
            best = best.min(t.elapsed().as_secs_f64());
            result_rows = batches.iter().map(|b| b.num_rows()).sum::<usize>();
        }
        let rows_read: u64 = ind
            .datasets
            .iter()
            .filter_map(|d| engine.inputs().get(d))
            .map(|i| i.rows)
            .sum();
        let types = ind.param_types();
        let params_json: serde_json::Map<String, serde_json::Value> = params
            .0
            .iter()
            .map(|(k, v)| {
                let ty = types.get(k).copied().unwrap_or(ParamType::Date);
                (k.clone(), param_json(v, ty))
            })
            .collect();
        spec_inds.push(serde_json::json!({
            "id": ind.id, "sql": ind.sql, "params": params_json, "rows": result_rows,
        }));
        rows_out.push((ind.id.clone(), rows_read, result_rows, best));
    }
    // The whole run as `qinglian screen` does it: unit lookup, every indicator, hits built.
    let mut total_best = f64::INFINITY;
    let mut hits = 0;
    for _ in 0..2 {
        let t = Instant::now();
        let out = rt
            .block_on(run::screen(
                &engine,
                &selection,
                &overrides,
                as_of,
                &mut |_, _, _| {},
            ))
            .expect("screen");
        total_best = total_best.min(t.elapsed().as_secs_f64());
        hits = out.iter().map(|o| o.hits.len()).sum::<usize>();
    }

    let datasets: serde_json::Map<String, serde_json::Value> = lake
        .datasets()
        .expect("datasets")
        .into_iter()
        .map(|s| (s.dataset, serde_json::json!(s.files)))
        .collect();
    let spec = serde_json::json!({ "datasets": datasets, "indicators": spec_inds });
    let spec_path = dir.join("duckdb_spec.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).expect("json")).expect("spec");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/screen_duckdb.py");
    let peers: serde_json::Value = match Command::new("python3")
        .arg(&script)
        .arg(&spec_path)
        .output()
    {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).expect("peer JSON"),
        Ok(o) => {
            eprintln!(
                "DuckDB unavailable (pip install duckdb): {}",
                String::from_utf8_lossy(&o.stderr)
            );
            serde_json::json!({})
        }
        Err(e) => {
            eprintln!("python3 unavailable: {e}");
            serde_json::json!({})
        }
    };

    println!(
        "machine: {} cores; scale {scale}; {} indicators; lake {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rows_out.len(),
        dir.display()
    );
    println!(
        "\n| indicator | rows read | result rows | Qinglian s | rows/s | DuckDB s | Qinglian ÷ DuckDB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (mut q_sum, mut d_sum) = (0.0, 0.0);
    let mut worst: (String, f64) = (String::new(), 0.0);
    for (id, rows_read, result_rows, q) in &rows_out {
        let d = peers[id.as_str()]["seconds"].as_f64();
        let d_rows = peers[id.as_str()]["rows"].as_u64();
        if let Some(dr) = d_rows {
            assert_eq!(
                dr as usize, *result_rows,
                "{id}: DuckDB returns the same number of rows"
            );
        }
        q_sum += q;
        let (d_text, ratio) = match d {
            Some(d) => {
                d_sum += d;
                let r = q / d;
                if r > worst.1 {
                    worst = (id.clone(), r);
                }
                (format!("{d:.3}"), format!("{r:.2}"))
            }
            None => ("—".into(), "—".into()),
        };
        println!(
            "| {id} | {rows_read} | {result_rows} | {q:.3} | {:.0} | {d_text} | {ratio} |",
            *rows_read as f64 / q
        );
    }
    println!(
        "| **all (sum of queries)** | | | **{q_sum:.2}** | | **{d_sum:.2}** | **{:.2}** |",
        if d_sum > 0.0 { q_sum / d_sum } else { f64::NAN }
    );
    println!(
        "\n`qinglian screen` end to end (unit lookup, every indicator, {hits} hits built): {total_best:.2} s; slowest ratio {} at {:.2}",
        worst.0, worst.1
    );
}
