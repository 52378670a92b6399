use super::*;
use datafusion::arrow::array::{Array, AsArray, Int64Array, StringArray, TimestampSecondArray};
use datafusion::arrow::datatypes::{Int64Type, TimeUnit, TimestampSecondType};
use datafusion::datasource::MemTable;

/// A small deterministic generator (no extra dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Second, None)
}

/// Probes (id, k, t, flag) and references (k, t, v); references split over `parts` partitions.
fn context(
    probes: &[(i64, Option<&str>, Option<i64>, bool)],
    refs: &[(Option<&str>, i64, i64)],
    parts: usize,
) -> SessionContext {
    let ctx = SessionContext::new();
    register(&ctx);
    let ps = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("k", DataType::Utf8, true),
        Field::new("t", ts(), true),
        Field::new("flag", DataType::Boolean, false),
    ]));
    let pb = RecordBatch::try_new(
        Arc::clone(&ps),
        vec![
            Arc::new(Int64Array::from_iter_values(probes.iter().map(|p| p.0))),
            Arc::new(StringArray::from_iter(probes.iter().map(|p| p.1))),
            Arc::new(TimestampSecondArray::from_iter(probes.iter().map(|p| p.2))),
            Arc::new(datafusion::arrow::array::BooleanArray::from_iter(
                probes.iter().map(|p| Some(p.3)),
            )),
        ],
    )
    .unwrap();
    ctx.register_table(
        "p",
        Arc::new(MemTable::try_new(ps, vec![vec![pb]]).unwrap()),
    )
    .unwrap();
    let rs = Arc::new(Schema::new(vec![
        Field::new("k", DataType::Utf8, true),
        Field::new("t", ts(), false),
        Field::new("v", DataType::Int64, false),
    ]));
    let chunk = refs.len().div_ceil(parts.max(1)).max(1);
    let mut partitions: Vec<Vec<RecordBatch>> = refs
        .chunks(chunk)
        .map(|c| {
            // Small batches so that slots are settled across many batches.
            c.chunks(7)
                .map(|b| {
                    RecordBatch::try_new(
                        Arc::clone(&rs),
                        vec![
                            Arc::new(StringArray::from_iter(b.iter().map(|r| r.0))),
                            Arc::new(TimestampSecondArray::from_iter_values(
                                b.iter().map(|r| r.1),
                            )),
                            Arc::new(Int64Array::from_iter_values(b.iter().map(|r| r.2))),
                        ],
                    )
                    .unwrap()
                })
                .collect()
        })
        .collect();
    if partitions.is_empty() {
        partitions.push(vec![]);
    }
    ctx.register_table("r", Arc::new(MemTable::try_new(rs, partitions).unwrap()))
        .unwrap();
    ctx
}

type Row = (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

async fn run(ctx: &SessionContext, sql: &str) -> Vec<Row> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let mut out = Vec::new();
    for b in batches {
        let id = b.column(0).as_primitive::<Int64Type>();
        let pt = b.column(1).as_primitive::<TimestampSecondType>();
        let pv = b.column(2).as_primitive::<Int64Type>();
        let nt = b.column(3).as_primitive::<TimestampSecondType>();
        let nv = b.column(4).as_primitive::<Int64Type>();
        let get = |a: &dyn Array, i: usize| (!a.is_null(i)).then_some(i);
        for i in 0..b.num_rows() {
            out.push((
                id.value(i),
                get(pt, i).map(|i| pt.value(i)),
                get(pv, i).map(|i| pv.value(i)),
                get(nt, i).map(|i| nt.value(i)),
                get(nv, i).map(|i| nv.value(i)),
            ));
        }
    }
    out.sort();
    out
}

const SQL: &str = "SELECT id, prev_t, prev_v, next_t, next_v \
                   FROM asof_neighbours('p', 'k', 't', 'r', 'k', 't') WHERE flag";

/// The definition, by brute force: latest at or before / earliest after, ties to the smaller v.
fn expected(
    probes: &[(i64, Option<&str>, Option<i64>, bool)],
    refs: &[(Option<&str>, i64, i64)],
) -> Vec<Row> {
    let mut out: Vec<Row> = probes
        .iter()
        .filter(|p| p.3)
        .map(|&(id, k, t, _)| {
            let (Some(k), Some(t)) = (k, t) else {
                return (id, None, None, None, None);
            };
            let same = || refs.iter().filter(move |r| r.0 == Some(k));
            let prev = same()
                .filter(|r| r.1 <= t)
                .min_by_key(|r| (std::cmp::Reverse(r.1), r.2));
            let next = same().filter(|r| r.1 > t).min_by_key(|r| (r.1, r.2));
            (
                id,
                prev.map(|r| r.1),
                prev.map(|r| r.2),
                next.map(|r| r.1),
                next.map(|r| r.2),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn neighbours_match_the_definition_on_random_data() {
    let keys = ["a", "b", "c", "d"];
    for seed in 1..=12 {
        let mut g = Lcg(seed);
        let probes: Vec<_> = (0..(40 + g.next(80)) as i64)
            .map(|id| {
                let k = (g.next(10) > 0).then(|| keys[g.next(4) as usize]);
                let t = (g.next(12) > 0).then(|| g.next(200) as i64);
                (id, k, t, g.next(5) > 0)
            })
            .collect();
        // Few distinct times so that references tie and land on probe times exactly; key "d"
        // has probes but no references, and "e" references but no probes.
        let refs: Vec<_> = (0..g.next(300) as i64)
            .map(|v| {
                let k = if g.next(20) == 0 {
                    None
                } else {
                    Some(["a", "b", "c", "e"][g.next(4) as usize])
                };
                (k, g.next(200) as i64, (v * 7919) % 1000)
            })
            .collect();
        for parts in [1, 3] {
            let ctx = context(&probes, &refs, parts);
            assert_eq!(
                run(&ctx, SQL).await,
                expected(&probes, &refs),
                "seed {seed}, {parts} partition(s)"
            );
        }
    }
}

#[tokio::test]
async fn a_fix_at_the_probe_time_is_previous_and_ties_take_the_smaller_row() {
    let probes = [
        (1, Some("a"), Some(100), true),
        (2, Some("a"), Some(50), true),
    ];
    let refs = [
        (Some("a"), 100, 9),
        (Some("a"), 100, 3),
        (Some("a"), 101, 5),
        (Some("a"), 101, 4),
        (Some("a"), 10, 1),
    ];
    let ctx = context(&probes, &refs, 2);
    assert_eq!(
        run(&ctx, SQL).await,
        vec![
            (1, Some(100), Some(3), Some(101), Some(4)),
            (2, Some(10), Some(1), Some(100), Some(3)),
        ]
    );
}

#[tokio::test]
async fn no_references_and_no_probes_give_nulls_and_nothing() {
    let probes = [
        (1, Some("a"), Some(100), true),
        (2, Some("a"), Some(50), false),
    ];
    let ctx = context(&probes, &[], 1);
    assert_eq!(run(&ctx, SQL).await, vec![(1, None, None, None, None)]);
    let ctx = context(&[], &[(Some("a"), 1, 1)], 1);
    assert!(run(&ctx, SQL).await.is_empty());
}

#[tokio::test]
async fn bad_arguments_are_plan_errors_that_say_what_is_wrong() {
    let ctx = context(&[], &[], 1);
    let err = |sql: &'static str| {
        let ctx = ctx.clone();
        async move { ctx.sql(sql).await.unwrap_err().to_string() }
    };
    assert!(
        err("SELECT * FROM asof_neighbours('p', 'k', 't')")
            .await
            .contains("six arguments")
    );
    assert!(
        err("SELECT * FROM asof_neighbours('p', 'k', 't', 'nope', 'k', 't')")
            .await
            .contains("no dataset named 'nope'")
    );
    assert!(
        err("SELECT * FROM asof_neighbours('p', 'k', 'flag', 'r', 'k', 't')")
            .await
            .contains("timestamp or a date")
    );
    assert!(
        err("SELECT * FROM asof_neighbours('p', 'id', 't', 'r', 'k', 't')")
            .await
            .contains("key types differ")
    );
}

#[test]
fn compacted_views_keep_only_the_bytes_their_rows_use() {
    use datafusion::arrow::array::StringViewArray;
    use datafusion::arrow::compute::filter_record_batch;
    let long: Vec<String> = (0..1000)
        .map(|i| format!("执法环节编号-{i:08}-超过十二字节"))
        .collect();
    let schema = Arc::new(Schema::new(vec![Field::new(
        "s",
        DataType::Utf8View,
        false,
    )]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![Arc::new(StringViewArray::from_iter_values(&long))],
    )
    .unwrap();
    let keep =
        datafusion::arrow::array::BooleanArray::from_iter((0..1000).map(|i| Some(i % 100 == 0)));
    let filtered = filter_record_batch(&batch, &keep).unwrap();
    let bytes = |b: &RecordBatch| {
        let a = b.column(0).as_string_view();
        a.data_buffers().iter().map(|d| d.len()).sum::<usize>()
    };
    let compact = compact_views(filtered.clone()).unwrap();
    assert_eq!(
        compact.column(0).as_string_view(),
        filtered.column(0).as_string_view()
    );
    assert!(
        bytes(&compact) * 50 < bytes(&filtered),
        "{} vs {}",
        bytes(&compact),
        bytes(&filtered)
    );
}

#[tokio::test]
async fn each_output_batch_owns_its_memory() {
    // A repartition above the operator reserves each batch's buffer size: a batch that slices
    // the whole probe set, or shares a gathered column, would count all of it every time.
    use datafusion::prelude::SessionConfig;
    let n = 20_000;
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_batch_size(1000));
    register(&ctx);
    let id = |i: usize| format!("执法环节编号-{i:08}-超过十二字节");
    let ps = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8View, false),
        Field::new("k", DataType::Utf8View, false),
        Field::new("t", ts(), false),
    ]));
    let probes = RecordBatch::try_new(
        Arc::clone(&ps),
        vec![
            Arc::new(datafusion::arrow::array::StringViewArray::from_iter_values(
                (0..n).map(id),
            )),
            Arc::new(datafusion::arrow::array::StringViewArray::from_iter_values(
                (0..n).map(|i| format!("队员-{:04}-的编号较长", i % 50)),
            )),
            Arc::new(TimestampSecondArray::from_iter_values(
                (0..n).map(|i| i as i64),
            )),
        ],
    )
    .unwrap();
    let rs = Arc::new(Schema::new(vec![
        Field::new("k", DataType::Utf8View, false),
        Field::new("t", ts(), false),
        Field::new("note", DataType::Utf8View, false),
    ]));
    let refs = RecordBatch::try_new(
        Arc::clone(&rs),
        vec![
            Arc::new(datafusion::arrow::array::StringViewArray::from_iter_values(
                (0..n).map(|i| format!("队员-{:04}-的编号较长", i % 50)),
            )),
            Arc::new(TimestampSecondArray::from_iter_values(
                (0..n).map(|i| i as i64 + 3),
            )),
            Arc::new(datafusion::arrow::array::StringViewArray::from_iter_values(
                (0..n).map(id),
            )),
        ],
    )
    .unwrap();
    let whole = probes.get_array_memory_size() + refs.get_array_memory_size();
    ctx.register_table(
        "p",
        Arc::new(MemTable::try_new(ps, vec![vec![probes]]).unwrap()),
    )
    .unwrap();
    ctx.register_table(
        "r",
        Arc::new(MemTable::try_new(rs, vec![vec![refs]]).unwrap()),
    )
    .unwrap();
    let batches = ctx
        .sql("SELECT * FROM asof_neighbours('p', 'k', 't', 'r', 'k', 't')")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), n);
    for b in &batches {
        assert!(
            b.get_array_memory_size() * 5 < whole,
            "a batch of {} rows counts {} bytes of {whole}",
            b.num_rows(),
            b.get_array_memory_size()
        );
    }
}
