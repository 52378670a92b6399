//! `asof_neighbours`: for each row of one dataset, the rows of another with the same key just
//! before and just after it in time — the as-of join DataFusion's SQL lacks.
//!
//! ```sql
//! SELECT * FROM asof_neighbours('le_case_events', 'officer_id', 'occurred_at',
//!                               'le_gps_points',  'officer_id', 'recorded_at')
//! WHERE on_site
//! ```
//!
//! gives every column of the first dataset (the probes), then every column of the second (the
//! references) twice: `prev_<column>` from the latest reference with the same key at or before
//! the probe's time, and `next_<column>` from the earliest one after it; NULL where there is none,
//! and for a probe whose key or time is NULL. One row per probe. Filters on probe columns are
//! applied before the search. Two references of a key at the same instant: the one whose read
//! columns sort first, so the answer never depends on the order files are read in.
//!
//! Why an operator: written as an equi-join on time buckets, every reference (68 M GPS fixes at
//! design volume) is hashed and probed twice and the candidates aggregated per probe. Here the
//! probes (a few million) are sorted per key in memory and each reference costs one binary
//! search; with no window, `prev`/`next` also tell whether there is any reference that day.
//!
//! Both datasets must be declared by the indicator: the sandbox looks inside this function's
//! scans (see [`datasets_of`]).

mod search;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{
    Column, DFSchema, DataFusionError, Result as DFResult, ScalarValue, exec_err, plan_err,
};
use datafusion::datasource::{TableType, source_as_provider};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableScan};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{
    Boundedness, EmissionType, ReplaceChildrenOptions,
};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties, execute_stream,
};
use datafusion::prelude::SessionContext;
use futures::{FutureExt, StreamExt, TryStreamExt};
use search::{Found, Loc, ProbeIndex, compact, compact_views};
use std::any::Any;
use std::sync::Arc;

/// The SQL name of the function.
pub const NAME: &str = "asof_neighbours";

/// Registers the function in a session.
pub fn register(ctx: &SessionContext) {
    ctx.register_udtf(NAME, Arc::new(AsofFunction));
}

/// The datasets an `asof_neighbours` scan reads, for the sandbox; None for any other scan.
pub fn datasets_of(scan: &TableScan) -> Option<[String; 2]> {
    let provider = source_as_provider(&scan.source).ok()?;
    let any: &dyn Any = provider.as_ref();
    let t = any.downcast_ref::<AsofTable>()?;
    Some([t.probe.dataset.clone(), t.reference.dataset.clone()])
}

#[derive(Debug)]
struct AsofFunction;

/// One side of the search: a registered dataset, its key column and its time column.
#[derive(Debug, Clone)]
struct Side {
    dataset: String,
    table: Arc<dyn TableProvider>,
    key: usize,
    time: usize,
}

impl Side {
    fn resolve(session: &dyn Session, dataset: &str, key: &str, time: &str) -> DFResult<Side> {
        let options = &session.config_options().catalog;
        let schema = session
            .catalog_list()
            .catalog(&options.default_catalog)
            .and_then(|c| c.schema(&options.default_schema));
        // Registered tables are in memory: the lookup is ready at once.
        let table = match schema.map(|s| s.table(dataset).now_or_never()) {
            Some(Some(Ok(Some(t)))) => t,
            _ => return plan_err!("{NAME}: no dataset named '{dataset}' is registered"),
        };
        let fields = table.schema();
        let find = |name: &str| {
            fields
                .index_of(name)
                .or_else(|_| plan_err!("{NAME}: dataset '{dataset}' has no column '{name}'"))
        };
        let (key, time) = (find(key)?, find(time)?);
        let t = fields.field(time).data_type();
        if !matches!(
            t,
            DataType::Timestamp(..) | DataType::Date32 | DataType::Date64
        ) {
            return plan_err!(
                "{NAME}: '{dataset}.{}' must be a timestamp or a date, not {t}",
                fields.field(time).name()
            );
        }
        Ok(Side {
            dataset: dataset.to_owned(),
            table,
            key,
            time,
        })
    }
}

impl TableFunctionImpl for AsofFunction {
    fn call_with_args(&self, args: TableFunctionArgs<'_, '_>) -> DFResult<Arc<dyn TableProvider>> {
        let texts = args
            .exprs()
            .iter()
            .map(|e| match e {
                Expr::Literal(
                    ScalarValue::Utf8(Some(s))
                    | ScalarValue::LargeUtf8(Some(s))
                    | ScalarValue::Utf8View(Some(s)),
                    _,
                ) => Ok(s.clone()),
                other => plan_err!("{NAME} takes text literals, not {other}"),
            })
            .collect::<DFResult<Vec<_>>>()?;
        let [pd, pk, pt, rd, rk, rt] = texts.as_slice() else {
            return plan_err!(
                "{NAME} takes six arguments: probe dataset, key, time, reference dataset, key, time"
            );
        };
        let session = args.session();
        let probe = Side::resolve(session, pd, pk, pt)?;
        let reference = Side::resolve(session, rd, rk, rt)?;
        Ok(Arc::new(AsofTable::new(probe, reference)?))
    }
}

/// Where an output column comes from.
#[derive(Debug, Clone, Copy)]
enum Out {
    Probe(usize),
    Prev(usize),
    Next(usize),
}

#[derive(Debug)]
struct AsofTable {
    probe: Side,
    reference: Side,
    schema: SchemaRef,
}

impl AsofTable {
    fn new(probe: Side, reference: Side) -> DFResult<AsofTable> {
        let (ps, rs) = (probe.table.schema(), reference.table.schema());
        let (pk, rk) = (ps.field(probe.key), rs.field(reference.key));
        if pk.data_type() != rk.data_type() {
            return plan_err!(
                "{NAME}: key types differ ({} is {}, {} is {})",
                pk.name(),
                pk.data_type(),
                rk.name(),
                rk.data_type()
            );
        }
        let mut fields: Vec<Field> = ps.fields().iter().map(|f| f.as_ref().clone()).collect();
        for prefix in ["prev_", "next_"] {
            for f in rs.fields() {
                let name = format!("{prefix}{}", f.name());
                if ps.index_of(&name).is_ok() {
                    return plan_err!("{NAME}: column '{name}' would appear twice");
                }
                fields.push(Field::new(name, f.data_type().clone(), true));
            }
        }
        Ok(AsofTable {
            probe,
            reference,
            schema: Arc::new(Schema::new(fields)),
        })
    }

    fn origin(&self, i: usize) -> Out {
        let (np, nr) = (
            self.probe.table.schema().fields().len(),
            self.reference.table.schema().fields().len(),
        );
        if i < np {
            Out::Probe(i)
        } else if i < np + nr {
            Out::Prev(i - np)
        } else {
            Out::Next(i - np - nr)
        }
    }

    /// Whether a filter reads probe columns only (then it can run before the search).
    fn on_probe(&self, e: &Expr) -> bool {
        let probe = self.probe.table.schema();
        e.column_refs()
            .iter()
            .all(|c| probe.index_of(c.name()).is_ok())
    }
}

#[async_trait]
impl TableProvider for AsofTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DFResult<Vec<TableProviderFilterPushDown>> {
        // Inexact: DataFusion filters the output again, which costs little and keeps the
        // answer right whatever the probe scan does with them.
        Ok(filters
            .iter()
            .map(|f| {
                if self.on_probe(f) {
                    TableProviderFilterPushDown::Inexact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let all: Vec<usize> = (0..self.schema.fields().len()).collect();
        let wanted = projection.unwrap_or(&all);
        let origins: Vec<Out> = wanted.iter().map(|&i| self.origin(i)).collect();
        // Filters name columns without the function's qualifier, as the probe table knows them.
        let filters: Vec<Expr> = filters
            .iter()
            .filter(|f| self.on_probe(f))
            .map(|f| {
                f.clone()
                    .transform(|e| {
                        Ok(match e {
                            Expr::Column(c) => {
                                Transformed::yes(Expr::Column(Column::new_unqualified(c.name)))
                            }
                            other => Transformed::no(other),
                        })
                    })
                    .map(|t| t.data)
            })
            .collect::<DFResult<_>>()?;
        let ps = self.probe.table.schema();
        let mut probe_cols: Vec<usize> = vec![self.probe.key, self.probe.time];
        probe_cols.extend(origins.iter().filter_map(|o| match o {
            Out::Probe(i) => Some(*i),
            _ => None,
        }));
        for f in &filters {
            for c in f.column_refs() {
                probe_cols.push(ps.index_of(c.name())?);
            }
        }
        probe_cols.sort_unstable();
        probe_cols.dedup();
        let mut ref_cols: Vec<usize> = vec![self.reference.key, self.reference.time];
        ref_cols.extend(origins.iter().filter_map(|o| match o {
            Out::Prev(i) | Out::Next(i) => Some(*i),
            Out::Probe(_) => None,
        }));
        ref_cols.sort_unstable();
        ref_cols.dedup();

        let mut probe = self
            .probe
            .table
            .scan(state, Some(&probe_cols), &filters, None)
            .await?;
        if let Some(predicate) = filters.into_iter().reduce(Expr::and) {
            let schema = DFSchema::try_from(probe.schema().as_ref().clone())?;
            let predicate = state.create_physical_expr(predicate, &schema)?;
            probe = Arc::new(FilterExec::try_new(predicate, probe)?);
        }
        let reference = self
            .reference
            .table
            .scan(state, Some(&ref_cols), &[], None)
            .await?;
        let at = |cols: &[usize], i: usize| cols.binary_search(&i).expect("scanned column");
        let outputs = origins
            .iter()
            .map(|o| match *o {
                Out::Probe(i) => Out::Probe(at(&probe_cols, i)),
                Out::Prev(i) => Out::Prev(at(&ref_cols, i)),
                Out::Next(i) => Out::Next(at(&ref_cols, i)),
            })
            .collect();
        let schema = Arc::new(self.schema.project(wanted)?);
        Ok(Arc::new(AsofExec::new(
            Job {
                probe,
                reference,
                keys: Keys {
                    probe_key: at(&probe_cols, self.probe.key),
                    probe_time: at(&probe_cols, self.probe.time),
                    ref_key: at(&ref_cols, self.reference.key),
                    ref_time: at(&ref_cols, self.reference.time),
                },
                outputs,
                schema,
            },
            format!("{} ~ {}", self.probe.dataset, self.reference.dataset),
        )))
    }
}

/// Key and time column positions in the two inputs' schemas.
#[derive(Debug, Clone, Copy)]
struct Keys {
    probe_key: usize,
    probe_time: usize,
    ref_key: usize,
    ref_time: usize,
}

#[derive(Debug)]
struct AsofExec {
    job: Job,
    label: String,
    properties: Arc<PlanProperties>,
}

impl AsofExec {
    fn new(job: Job, label: String) -> AsofExec {
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&job.schema)),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        AsofExec {
            job,
            label,
            properties,
        }
    }
}

impl DisplayAs for AsofExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AsofNeighboursExec: {}", self.label)
    }
}

impl ExecutionPlan for AsofExec {
    fn name(&self) -> &str {
        "AsofNeighboursExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.job.probe, &self.job.reference]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DFResult<TreeNodeRecursion>,
    ) -> DFResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let [probe, reference]: [Arc<dyn ExecutionPlan>; 2] = children
            .try_into()
            .or_else(|_| exec_err!("{NAME} has two inputs"))?;
        let job = Job {
            probe,
            reference,
            ..self.job.clone()
        };
        Ok(Arc::new(AsofExec::new(job, self.label.clone())))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(
                datafusion::physical_plan::execution_plan::ChildrenPropertiesMode::Recompute,
            ),
        )
    }

    fn execute(
        &self,
        partition: usize,
        ctx: Arc<TaskContext>,
    ) -> DFResult<SendableRecordBatchStream> {
        if partition != 0 {
            return exec_err!("{NAME} has one output partition, not {partition}");
        }
        let batches = futures::stream::once(self.job.clone().run(ctx))
            .map_ok(futures::stream::iter)
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.job.schema),
            batches,
        )))
    }
}

/// The two inputs and what to make of them: the plan node's state, cloned for each execution.
#[derive(Debug, Clone)]
struct Job {
    probe: Arc<dyn ExecutionPlan>,
    reference: Arc<dyn ExecutionPlan>,
    keys: Keys,
    outputs: Vec<Out>,
    schema: SchemaRef,
}

impl Job {
    /// Searches, then yields the output in batches built on demand (the probes are held once).
    async fn run(
        self,
        ctx: Arc<TaskContext>,
    ) -> DFResult<impl Iterator<Item = DFResult<RecordBatch>> + Send> {
        let mut memory = MemoryConsumer::new(NAME).register(ctx.memory_pool());
        // Filtered string views still point into the scan's whole pages: copy out what the kept
        // rows use, batch by batch, so the probes hold their own bytes only.
        let mut probes = Vec::new();
        let mut stream = execute_stream(Arc::clone(&self.probe), Arc::clone(&ctx))?;
        while let Some(batch) = stream.next().await {
            let batch = compact_views(batch?)?;
            memory.try_grow(batch.get_array_memory_size())?;
            probes.push(batch);
        }
        let probe = datafusion::arrow::compute::concat_batches(&self.probe.schema(), &probes)?;
        drop(probes);
        let index = Arc::new(ProbeIndex::build(
            probe.column(self.keys.probe_key),
            probe.column(self.keys.probe_time),
        )?);
        memory.try_grow(index.size())?;
        let found = if index.len() == 0 {
            None
        } else {
            self.search(&index, &ctx, &mut memory).await?
        };
        let rows = probe.num_rows();
        let ref_schema = self.reference.schema();
        let mut ref_cols: Vec<(usize, DataType)> = Vec::new();
        for o in &self.outputs {
            if let Out::Prev(c) | Out::Next(c) = *o
                && !ref_cols.iter().any(|(x, _)| *x == c)
            {
                ref_cols.push((c, ref_schema.field(c).data_type().clone()));
            }
        }
        let (gathered, idx) = match found {
            Some(found) => {
                let (prev, next) = found.spread(&index, rows);
                found.gather(&ref_cols, &[&prev, &next])?
            }
            None => {
                let none: Vec<Loc> = vec![search::NONE; rows];
                Found::new(0).gather(&ref_cols, &[&none, &none])?
            }
        };
        drop(index);
        let column_of = move |c: usize| {
            ref_cols
                .iter()
                .position(|(x, _)| *x == c)
                .expect("gathered column")
        };
        let batch_size = ctx.session_config().batch_size().max(1);
        let (outputs, schema) = (self.outputs, self.schema);
        let [prev_idx, next_idx]: [Vec<Option<u32>>; 2] = idx.try_into().expect("two directions");
        Ok((0..rows).step_by(batch_size).map(move |start| {
            let _held = &memory;
            let len = batch_size.min(rows - start);
            let pick =
                |which: &[Option<u32>]| UInt32Array::from(which[start..start + len].to_vec());
            let (pi, ni) = (pick(&prev_idx), pick(&next_idx));
            // Copies, not slices: a batch's memory is counted by its buffers, and a slice of
            // the probes would count all of them (a repartition above reserves per batch).
            let rows = UInt32Array::from_iter_values(start as u32..(start + len) as u32);
            let columns = outputs
                .iter()
                .map(|o| -> DFResult<ArrayRef> {
                    Ok(compact(&match *o {
                        Out::Probe(c) => take(probe.column(c).as_ref(), &rows, None)?,
                        Out::Prev(c) => take(gathered[column_of(c)].as_ref(), &pi, None)?,
                        Out::Next(c) => take(gathered[column_of(c)].as_ref(), &ni, None)?,
                    }))
                })
                .collect::<DFResult<Vec<_>>>()?;
            Ok(RecordBatch::try_new(Arc::clone(&schema), columns)?)
        }))
    }

    /// Streams every partition of the references through its own task (both cores), then
    /// combines what the tasks found.
    async fn search(
        &self,
        index: &Arc<ProbeIndex>,
        ctx: &Arc<TaskContext>,
        memory: &mut MemoryReservation,
    ) -> DFResult<Option<Found>> {
        let parts = self.reference.output_partitioning().partition_count();
        memory.try_grow(parts * index.len() * Found::SLOT_BYTES)?;
        let mut tasks = Vec::with_capacity(parts);
        for p in 0..parts {
            let mut stream = self.reference.execute(p, Arc::clone(ctx))?;
            let index = Arc::clone(index);
            let (key, time) = (self.keys.ref_key, self.keys.ref_time);
            tasks.push(SpawnedTask::spawn(async move {
                let mut found = Found::new(index.len());
                while let Some(batch) = stream.next().await {
                    found.offer(&index, &batch?, key, time)?;
                }
                Ok::<_, DataFusionError>(found)
            }));
        }
        let mut founds = Vec::with_capacity(parts);
        for t in tasks {
            founds.push(
                t.join_unwind()
                    .await
                    .map_err(|e| DataFusionError::ExecutionJoin(Box::new(e)))??,
            );
        }
        Found::merge(founds)
    }
}

#[cfg(test)]
mod tests;
