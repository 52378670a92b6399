//! The values-collecting aggregates (`peer_q1`, `peer_q3`, `peer_mad`, `peer_quantile_r8`) as
//! full `AggregateUDFImpl`s with a [`GroupsAccumulator`]: one state for all groups instead of a
//! boxed [`Accumulator`] per group, which DataFusion otherwise drives through an adapter that
//! slices every batch per group — costly when there are many groups. Window use
//! (`OVER (PARTITION BY …)`) and aggregates without `GROUP BY` still take the plain
//! accumulators in the parent module; both paths keep the same values and the same formulas,
//! so results are identical.

use super::{QuantileR8Acc, Stat, ValuesAcc, compute, quantile_r8_sorted};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray};
use datafusion::arrow::buffer::{OffsetBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use std::sync::Arc;

/// What the aggregate computes from its group's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// Quartile or MAD of the finite values (one argument).
    Values(Stat),
    /// Type-8 quantile of the non-NaN values at `p` (second argument, constant).
    R8,
}

impl Kind {
    /// Which input values the group keeps (as the plain accumulators filter them).
    fn keeps(self, v: f64) -> bool {
        match self {
            Kind::Values(_) => v.is_finite(),
            Kind::R8 => !v.is_nan(),
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PeerValues {
    name: String,
    kind: Kind,
    signature: Signature,
}

pub(crate) fn udaf(name: &str, kind: Kind) -> AggregateUDF {
    let args = match kind {
        Kind::Values(_) => vec![DataType::Float64],
        Kind::R8 => vec![DataType::Float64, DataType::Float64],
    };
    AggregateUDF::from(PeerValues {
        name: name.to_owned(),
        kind,
        signature: Signature::exact(args, Volatility::Immutable),
    })
}

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

impl AggregateUDFImpl for PeerValues {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn accumulator(&self, _args: AccumulatorArgs<'_>) -> Result<Box<dyn Accumulator>> {
        Ok(match self.kind {
            Kind::Values(stat) => Box::new(ValuesAcc {
                stat,
                values: Vec::new(),
            }),
            Kind::R8 => Box::new(QuantileR8Acc::default()),
        })
    }

    fn state_fields(&self, args: StateFieldsArgs<'_>) -> Result<Vec<FieldRef>> {
        let mut fields = vec![Arc::new(Field::new(
            format_state_name(args.name, "values"),
            list_type(),
            true,
        ))];
        if self.kind == Kind::R8 {
            fields.push(Arc::new(Field::new(
                format_state_name(args.name, "p"),
                DataType::Float64,
                true,
            )));
        }
        Ok(fields)
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs<'_>) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs<'_>,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(GroupValues::new(self.kind)))
    }
}

/// Every kept value of every group, by group index; `p` per group for [`Kind::R8`].
#[derive(Debug)]
pub(crate) struct GroupValues {
    kind: Kind,
    groups: Vec<Vec<f64>>,
    p: Vec<Option<f64>>,
    n_values: usize,
}

impl GroupValues {
    pub(crate) fn new(kind: Kind) -> Self {
        GroupValues {
            kind,
            groups: Vec::new(),
            p: Vec::new(),
            n_values: 0,
        }
    }

    fn grow(&mut self, total_num_groups: usize) {
        if self.groups.len() < total_num_groups {
            self.groups.resize_with(total_num_groups, Vec::new);
        }
        if self.kind == Kind::R8 && self.p.len() < total_num_groups {
            self.p.resize(total_num_groups, None);
        }
    }

    /// Removes the emitted groups (shifting the rest down) and their `p`.
    fn take(&mut self, emit_to: EmitTo) -> (Vec<Vec<f64>>, Vec<Option<f64>>) {
        let groups = emit_to.take_needed(&mut self.groups);
        let p = if self.kind == Kind::R8 {
            emit_to.take_needed(&mut self.p)
        } else {
            Vec::new()
        };
        self.n_values -= groups.iter().map(Vec::len).sum::<usize>();
        (groups, p)
    }
}

/// A list array with one list per entry of `lists`.
fn list_array(lists: impl ExactSizeIterator<Item = Vec<f64>>) -> ListArray {
    let mut offsets = Vec::with_capacity(lists.len() + 1);
    offsets.push(0i32);
    let mut flat = Vec::new();
    for l in lists {
        flat.extend(l);
        offsets.push(i32::try_from(flat.len()).expect("fewer than 2^31 values per batch"));
    }
    ListArray::new(
        Arc::new(Field::new_list_field(DataType::Float64, true)),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Arc::new(Float64Array::from(flat)),
        None,
    )
}

fn passes(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

impl GroupsAccumulator for GroupValues {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let x = values[0].as_primitive::<Float64Type>();
        let p = (self.kind == Kind::R8).then(|| values[1].as_primitive::<Float64Type>());
        for (row, &g) in group_indices.iter().enumerate() {
            if !passes(opt_filter, row) {
                continue;
            }
            if x.is_valid(row) && self.kind.keeps(x.value(row)) {
                self.groups[g].push(x.value(row));
                self.n_values += 1;
            }
            // The plain accumulator keeps the first non-null `p` it sees.
            if let Some(p) = p
                && self.p[g].is_none()
                && p.is_valid(row)
            {
                self.p[g] = Some(p.value(row));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (groups, p) = self.take(emit_to);
        let out: Float64Array = match self.kind {
            Kind::Values(stat) => groups
                .into_iter()
                .map(|mut v| compute(stat, &mut v))
                .collect(),
            Kind::R8 => groups
                .into_iter()
                .zip(p)
                .map(|(mut v, p)| {
                    v.sort_by(f64::total_cmp);
                    p.and_then(|p| quantile_r8_sorted(&v, p))
                })
                .collect(),
        };
        Ok(Arc::new(out))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (groups, p) = self.take(emit_to);
        let mut out: Vec<ArrayRef> = vec![Arc::new(list_array(groups.into_iter()))];
        if self.kind == Kind::R8 {
            out.push(Arc::new(Float64Array::from(p)));
        }
        Ok(out)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let lists = values[0].as_list::<i32>();
        let inner = lists.values().as_primitive::<Float64Type>();
        let offsets = lists.value_offsets();
        let p = (self.kind == Kind::R8).then(|| values[1].as_primitive::<Float64Type>());
        for (row, &g) in group_indices.iter().enumerate() {
            if lists.is_valid(row) {
                let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
                let before = self.groups[g].len();
                self.groups[g].extend(
                    (start..end)
                        .filter(|&i| inner.is_valid(i))
                        .map(|i| inner.value(i)),
                );
                self.n_values += self.groups[g].len() - before;
            }
            if let Some(p) = p
                && self.p[g].is_none()
                && p.is_valid(row)
            {
                self.p[g] = Some(p.value(row));
            }
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let x = values[0].as_primitive::<Float64Type>();
        let kept = (0..x.len()).map(|row| {
            if passes(opt_filter, row) && x.is_valid(row) && self.kind.keeps(x.value(row)) {
                vec![x.value(row)]
            } else {
                Vec::new()
            }
        });
        let mut out: Vec<ArrayRef> = vec![Arc::new(list_array(kept))];
        if self.kind == Kind::R8 {
            let p = values[1].as_primitive::<Float64Type>();
            let p: Float64Array = (0..p.len())
                .map(|row| (passes(opt_filter, row) && p.is_valid(row)).then(|| p.value(row)))
                .collect();
            out.push(Arc::new(p));
        }
        Ok(out)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self.groups.capacity() * std::mem::size_of::<Vec<f64>>()
            + self.n_values * std::mem::size_of::<f64>()
            + self.p.capacity() * std::mem::size_of::<Option<f64>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{BooleanArray, Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use std::collections::BTreeMap;

    /// xorshift64*: deterministic random data without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    struct Row {
        g: i64,
        x: Option<f64>,
        keep: bool,
    }

    /// Many small groups (1–3 rows typical), some of only NULL / NaN / ±inf values, ties,
    /// and a FILTER column that empties some groups.
    fn random_rows(seed: u64, n: usize, n_groups: u64) -> Vec<Row> {
        let mut r = Rng(seed);
        (0..n)
            .map(|_| {
                let g = r.below(n_groups) as i64;
                let x = match (g % 7, r.below(12)) {
                    (0, _) => None, // every value NULL: an empty group
                    (1, k) => Some([f64::NAN, f64::INFINITY, f64::NEG_INFINITY][k as usize % 3]),
                    (_, 0) => None,
                    (_, 1) => Some(f64::NAN),
                    (_, 2) => Some(f64::INFINITY),
                    (_, 3) => Some((r.below(5)) as f64), // ties
                    _ => Some((r.next() >> 11) as f64 / (1u64 << 53) as f64 * 1e4 - 5e3),
                };
                Row {
                    g,
                    x,
                    keep: r.below(3) != 0,
                }
            })
            .collect()
    }

    /// What the plain formulas give for one group's inputs.
    fn expected(kind: Kind, xs: &[Option<f64>]) -> Option<f64> {
        let mut v: Vec<f64> = xs
            .iter()
            .flatten()
            .copied()
            .filter(|v| kind.keeps(*v))
            .collect();
        match kind {
            Kind::Values(stat) => compute(stat, &mut v),
            Kind::R8 => {
                v.sort_by(f64::total_cmp);
                quantile_r8_sorted(&v, 0.25)
            }
        }
    }

    fn same(a: Option<f64>, b: Option<f64>) -> bool {
        a.map(f64::to_bits) == b.map(f64::to_bits)
    }

    async fn run(ctx: &SessionContext, sql: &str) -> BTreeMap<i64, Vec<Option<f64>>> {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let mut out = BTreeMap::new();
        for b in batches {
            let g = b
                .column(0)
                .as_primitive::<datafusion::arrow::datatypes::Int64Type>();
            for row in 0..b.num_rows() {
                let vals = (1..b.num_columns())
                    .map(|c| {
                        let a = b.column(c).as_primitive::<Float64Type>();
                        a.is_valid(row).then(|| a.value(row))
                    })
                    .collect();
                out.insert(g.value(row), vals);
            }
        }
        out
    }

    /// GROUP BY (the groups accumulator, with partial and final phases over 4 partitions and
    /// the partial phase skipped after a few rows) against the formulas on each group, and
    /// against the window path (the plain accumulator), bit for bit.
    #[tokio::test]
    async fn grouped_results_equal_plain_accumulator() {
        for (seed, skip_partial) in [(7u64, false), (11, true), (42, true)] {
            let rows = random_rows(seed, 6_000, 2_500);
            let mut config = SessionConfig::new()
                .with_target_partitions(4)
                .with_batch_size(97);
            if skip_partial {
                config = config
                    .set_usize(
                        "datafusion.execution.skip_partial_aggregation_probe_rows_threshold",
                        50,
                    )
                    .set_str(
                        "datafusion.execution.skip_partial_aggregation_probe_ratio_threshold",
                        "0.0",
                    );
            }
            let ctx = SessionContext::new_with_config(config);
            crate::stats::register(&ctx);
            let schema = Arc::new(Schema::new(vec![
                Field::new("g", DataType::Int64, false),
                Field::new("x", DataType::Float64, true),
                Field::new("keep", DataType::Boolean, false),
            ]));
            let parts: Vec<Vec<RecordBatch>> = rows
                .chunks(1_500)
                .map(|chunk| {
                    vec![
                        RecordBatch::try_new(
                            schema.clone(),
                            vec![
                                Arc::new(chunk.iter().map(|r| r.g).collect::<Int64Array>()),
                                Arc::new(chunk.iter().map(|r| r.x).collect::<Float64Array>()),
                                Arc::new(
                                    chunk.iter().map(|r| Some(r.keep)).collect::<BooleanArray>(),
                                ),
                            ],
                        )
                        .unwrap(),
                    ]
                })
                .collect();
            ctx.register_table("t", Arc::new(MemTable::try_new(schema, parts).unwrap()))
                .unwrap();
            let grouped = run(
                &ctx,
                "SELECT g, peer_q1(x), peer_q3(x), peer_mad(x), peer_quantile_r8(x, 0.25), \
                        peer_q3(x) FILTER (WHERE keep) FROM t GROUP BY g",
            )
            .await;
            let window = run(
                &ctx,
                "SELECT DISTINCT g, peer_q1(x) OVER w, peer_q3(x) OVER w, peer_mad(x) OVER w, \
                        peer_quantile_r8(x, 0.25) OVER w, NULL::DOUBLE \
                 FROM t WINDOW w AS (PARTITION BY g)",
            )
            .await;
            let mut by_group: BTreeMap<i64, Vec<&Row>> = BTreeMap::new();
            for r in &rows {
                by_group.entry(r.g).or_default().push(r);
            }
            assert_eq!(grouped.len(), by_group.len());
            assert_eq!(window.len(), by_group.len());
            let kinds = [
                Kind::Values(Stat::Q1),
                Kind::Values(Stat::Q3),
                Kind::Values(Stat::Mad),
                Kind::R8,
            ];
            let (mut empty, mut filtered_empty) = (0, 0);
            for (g, group) in &by_group {
                let xs: Vec<Option<f64>> = group.iter().map(|r| r.x).collect();
                let kept: Vec<Option<f64>> = group.iter().filter(|r| r.keep).map(|r| r.x).collect();
                let (got, win) = (&grouped[g], &window[g]);
                for (i, kind) in kinds.iter().enumerate() {
                    let want = expected(*kind, &xs);
                    assert!(
                        same(got[i], want),
                        "seed {seed} group {g} {kind:?}: {got:?}"
                    );
                    assert!(same(win[i], want), "seed {seed} group {g} {kind:?} window");
                }
                let want = expected(Kind::Values(Stat::Q3), &kept);
                assert!(same(got[4], want), "seed {seed} group {g} FILTER: {got:?}");
                empty += usize::from(got[0].is_none());
                filtered_empty += usize::from(got[4].is_none() && got[1].is_some());
            }
            assert!(
                empty > 300 && filtered_empty > 10,
                "{empty} {filtered_empty}"
            );
        }
    }

    /// Emitting the first groups keeps the others, shifted down, as DataFusion expects.
    #[test]
    fn emit_first_shifts_remaining_groups() {
        let mut acc = GroupValues::new(Kind::Values(Stat::Q1));
        let x: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(1.0),
            Some(5.0),
            None,
            Some(2.0),
            Some(9.0),
            Some(3.0),
        ]));
        acc.update_batch(&[x], &[0, 1, 2, 0, 1, 3], None, 4)
            .unwrap();
        let state = acc.state(EmitTo::First(2)).unwrap();
        let lists = state[0].as_list::<i32>();
        assert_eq!(lists.len(), 2);
        assert_eq!(
            lists.value(0).as_primitive::<Float64Type>().values(),
            &[1.0, 2.0]
        );
        // Former groups 2 and 3 are now 0 and 1; merge the emitted state back as 2 and 3.
        acc.merge_batch(&state, &[2, 3], 4).unwrap();
        let out = acc.evaluate(EmitTo::All).unwrap();
        let out = out.as_primitive::<Float64Type>();
        assert!(out.is_null(0));
        assert_eq!(out.value(1), 3.0);
        assert_eq!(out.value(2), 1.25); // Q1 of 1, 2
        assert_eq!(out.value(3), 6.0); // Q1 of 5, 9
        assert_eq!(acc.size(), std::mem::size_of::<GroupValues>());
    }
}
