//! `prepare` + flatten throughput on the real Dominican Republic file (10,000 compiled
//! releases, 67 MB decoded), and the Parquet write of the eight tables. Run:
//!
//! ```sh
//! cargo bench -p qinglian-ocds --bench import      # OCDS_BENCH_FILE=… for another file
//! ```
//!
//! Prints records/s for prepare+flatten from the .gz file and for the lake commit, best of
//! three runs (machines here are noisy).

use qinglian_lake::Lake;
use qinglian_ocds::{LineReader, PrepareSettings, commit_all, flatten_stream, lake_imports};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let file = std::env::var_os("OCDS_BENCH_FILE").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/ocds/dominican-republic-dgcp-10000.jsonl.gz")
        },
        PathBuf::from,
    );
    let settings = PrepareSettings::default();
    let mut best_flatten = f64::MAX;
    let mut best_commit = f64::MAX;
    let mut records = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let mut r = LineReader::open(&file).expect("bench input");
        let f = flatten_stream(&mut r, &settings, "", None, &|_| {}).expect("readable");
        best_flatten = best_flatten.min(t.elapsed().as_secs_f64());
        records = f.summary.releases;
        let dir = tempfile::tempdir().expect("temp dir");
        let lake = Lake::new(dir.path());
        let t = Instant::now();
        commit_all(&lake, lake_imports(&lake, f, "bench", false).expect("lake")).expect("commit");
        best_commit = best_commit.min(t.elapsed().as_secs_f64());
    }
    let rate = |s: f64| records as f64 / s;
    // Where the time goes: each stage adds work on top of the previous one.
    type Stage = fn(qinglian_ocds::RawLine) -> usize;
    let stages: [(&str, Stage); 3] = [
        ("read + gunzip", |l| l.bytes.len()),
        ("+ parse", |l| {
            let t = std::str::from_utf8(&l.bytes).unwrap_or_default();
            usize::from(qinglian_ocds::json::parse(t).is_ok())
        }),
        ("+ prepare", |l| {
            qinglian_ocds::prepare_line(&l, &PrepareSettings::default())
                .issues
                .len()
        }),
    ];
    for (name, work) in stages {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let mut r = LineReader::open(&file).expect("bench input");
            qinglian_ocds::read::pipeline(&mut r, 4 << 20, work, |v| {
                std::hint::black_box(v);
                Ok::<(), ()>(())
            })
            .expect("no sink errors");
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{name:>14}: {best:.3}s = {:.0} records/s", rate(best));
    }
    println!(
        "prepare+flatten: {records} records in {best_flatten:.3}s = {:.0} records/s",
        rate(best_flatten)
    );
    println!(
        "lake commit (8 tables, Parquet zstd): {best_commit:.3}s; end to end {:.0} records/s",
        rate(best_flatten + best_commit)
    );
}
