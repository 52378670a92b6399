//! Flattening the DR file into the lake: the counts the data description states, the fields
//! the indicators read, and re-import as a no-op.

use super::{dr_file, settings_of, shared};
use arrow_array::{Array, Int64Array, StringArray};
use qinglian_lake::Lake;
use qinglian_ocds::{LineReader, commit_all, flatten_stream, lake_imports};
use std::collections::HashSet;

fn column<'a, T: 'static>(b: &'a arrow_array::RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

#[test]
fn dr_file_flattens_with_the_documented_counts_and_lands_once() {
    let settings = settings_of(&shared().join("cardinal-expected/settings.ini"));
    let mut r = LineReader::open(&dr_file()).unwrap();
    let f = flatten_stream(&mut r, &settings.prepare, "", None, &|_| {}).unwrap();
    assert_eq!(f.summary.releases, 10_000);
    assert_eq!(f.rows("ocds_processes"), 10_000);
    assert_eq!(f.rows("ocds_bids"), 24_903);
    assert_eq!(f.rows("ocds_awards"), 9_522);

    let (_, bids) = f
        .tables
        .iter()
        .find(|(t, _)| *t == "ocds_tenderers")
        .unwrap();
    let mut tenderers = HashSet::new();
    for b in bids {
        let ids = column::<StringArray>(b, "tenderer_id");
        for i in 0..b.num_rows() {
            if ids.is_valid(i) {
                tenderers.insert(ids.value(i).to_owned());
            }
        }
    }
    assert_eq!(tenderers.len(), 6_467);

    let (_, procs) = f
        .tables
        .iter()
        .find(|(t, _)| *t == "ocds_processes")
        .unwrap();
    let mut methods = std::collections::BTreeMap::new();
    let mut with_tenderers = 0;
    for b in procs {
        let m = column::<StringArray>(b, "procurement_method");
        let n = column::<Int64Array>(b, "number_of_tenderers");
        for i in 0..b.num_rows() {
            *methods.entry(m.value(i).to_owned()).or_insert(0) += 1;
            with_tenderers += usize::from(n.is_valid(i));
        }
    }
    assert_eq!(methods["open"], 9_508);
    assert_eq!(methods["direct"], 486);
    assert_eq!(methods["selective"], 6);
    assert_eq!(with_tenderers, 10_000);

    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(dir.path());
    let hash = f.content_hash.clone();
    let reports = commit_all(&lake, lake_imports(&lake, f, "dr.jsonl.gz", false).unwrap()).unwrap();
    assert_eq!(reports.len(), 8);
    assert_eq!(lake.snapshot("ocds_bids").unwrap().rows, 24_903);

    // The same data again is recognised and writes nothing.
    let mut r = LineReader::open(&dr_file()).unwrap();
    let again = flatten_stream(&mut r, &settings.prepare, "", None, &|_| {}).unwrap();
    assert_eq!(again.content_hash, hash);
    let imports = lake_imports(&lake, again, "dr.jsonl.gz", false).unwrap();
    assert!(imports.iter().all(|p| p.is_noop(&lake)));
}

#[test]
fn tables_do_not_depend_on_the_number_of_threads() {
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut r = LineReader::open(&dr_file()).unwrap();
            let f = flatten_stream(&mut r, &Default::default(), "", None, &|_| {}).unwrap();
            f.tables
                .iter()
                .map(|(t, b)| {
                    let hashes = row_hashes(b);
                    (t.to_string(), hashes)
                })
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(run(1), run(3));
}

fn row_hashes(batches: &[arrow_array::RecordBatch]) -> Vec<[u8; 32]> {
    qinglian_lake::rowhash::row_leaf_hashes(batches)
}
