//! Execution on Apache DataFusion, sandboxed.
//!
//! One [`Engine`] (one `SessionContext`) serves every indicator of a run: each lake dataset is
//! registered once as a table over its snapshot's Parquet files, the peer-statistics functions
//! are registered once, and queries use every core (`target_partitions`).
//!
//! User-written SQL is confined:
//! * exactly one statement, and it must be a query (no DDL, DML, `COPY`, `SET`, `EXPLAIN` …),
//!   checked on the parsed statement and again on the plan with DataFusion's `SQLOptions`;
//! * only the datasets the indicator declares: every table scan in the plan (subqueries
//!   included) must name one, so file paths, URLs and table functions are refused — except the
//!   engine's own `asof_neighbours`, whose two datasets must both be declared;
//! * parameters are bound as typed scalars on the plan (`$name`), never spliced into the text;
//! * a memory pool caps what operators may hold (spilling to disk is off), and each query runs
//!   under a time limit; running over either gives a bilingual error. The time limit is checked
//!   by a guard wrapped around every operator of the physical plan, on every batch any operator
//!   hands upward: a tight loop such as a cross join feeding an aggregate never yields to the
//!   scheduler, so a timer alone could neither interrupt it nor cancel its spawned tasks.

use crate::error::{Result, ScreenError};
use crate::indicator::Indicator;
use crate::params::{AS_OF, ParamSet};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::Result as DFResult;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DataFusionError, ParamValues};
use datafusion::dataframe::DataFrame;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::execution_plan::ReplaceChildrenOptions;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use datafusion::sql::parser::{DFParser, Statement as DFStatement};
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use futures::{Stream, StreamExt};
use qinglian_lake::{DatasetSchema, Lake};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Resource limits of one engine.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes all operators of one query may hold at once.
    pub memory_bytes: usize,
    /// Wall-clock time one indicator query may take.
    pub time_limit: Duration,
    /// Parallel partitions (defaults to the number of cores).
    pub partitions: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 2 << 30,
            time_limit: Duration::from_secs(120),
            partitions: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// What a registered table holds, so that every hit can record the input it came from (the
/// default: an optional dataset never imported).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRef {
    /// The lake's snapshot hash of the dataset.
    pub hash: String,
    /// The batch ids read (enough to read the same snapshot again).
    pub batches: Vec<String>,
    pub rows: u64,
}

pub struct Engine {
    ctx: SessionContext,
    limits: Limits,
    inputs: BTreeMap<String, InputRef>,
}

fn df_err(code: &'static str, zh: &str, en: &str, e: &DataFusionError) -> ScreenError {
    // DataFusion's own text is English; it is quoted in both so the detail is not lost.
    let detail = e.to_string();
    ScreenError::msg(code, format!("{zh}：{detail}"), format!("{en}: {detail}"))
}

impl Engine {
    pub fn new(limits: Limits) -> Result<Engine> {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(limits.memory_bytes, 1.0)
            // No spill files: the sandbox writes nothing, and running out of memory is an error.
            .with_disk_manager_builder(
                DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
            )
            .build_arc()
            .map_err(|e| {
                df_err(
                    "SCREEN_ENGINE",
                    "无法创建查询引擎",
                    "cannot create the query engine",
                    &e,
                )
            })?;
        let config = SessionConfig::new()
            .with_target_partitions(limits.partitions.max(1))
            .with_information_schema(false);
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .build();
        let ctx = SessionContext::new_with_state(state);
        crate::stats::register(&ctx);
        crate::asof::register(&ctx);
        Ok(Engine {
            ctx,
            limits,
            inputs: BTreeMap::new(),
        })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// What each registered dataset holds.
    pub fn inputs(&self) -> &BTreeMap<String, InputRef> {
        &self.inputs
    }

    /// The session, for read-only lookups inside the crate (evidence records).
    pub(crate) fn context(&self) -> &SessionContext {
        &self.ctx
    }

    pub fn has(&self, dataset: &str) -> bool {
        self.inputs.contains_key(dataset)
    }

    /// Registers a dataset as a table over Parquet files (no files: an empty table).
    pub fn register_files(
        &mut self,
        schema: &DatasetSchema,
        files: &[PathBuf],
        input: InputRef,
    ) -> Result<()> {
        let arrow_schema = schema.arrow_schema();
        let err = |e: DataFusionError| {
            df_err(
                "SCREEN_REGISTER",
                &format!("无法登记数据集 {}", schema.name),
                &format!("cannot register dataset {}", schema.name),
                &e,
            )
        };
        let _ = self.ctx.deregister_table(schema.name.as_str());
        if files.is_empty() {
            let t = MemTable::try_new(arrow_schema, vec![vec![]]).map_err(err)?;
            self.ctx
                .register_table(schema.name.as_str(), Arc::new(t))
                .map_err(err)?;
        } else {
            let urls = files
                .iter()
                .map(|f| ListingTableUrl::parse(f.to_string_lossy()))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(err)?;
            let opts = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet");
            let config = ListingTableConfig::new_with_multi_paths(urls)
                .with_listing_options(opts)
                .with_schema(arrow_schema);
            let table = ListingTable::try_new(config).map_err(err)?;
            self.ctx
                .register_table(schema.name.as_str(), Arc::new(table))
                .map_err(err)?;
        }
        self.inputs.insert(schema.name.clone(), input);
        Ok(())
    }

    /// Registers a dataset from batches in memory (fixtures, tests).
    pub fn register_batches(
        &mut self,
        schema: &DatasetSchema,
        batches: Vec<RecordBatch>,
        input: InputRef,
    ) -> Result<()> {
        let err = |e: DataFusionError| {
            df_err(
                "SCREEN_REGISTER",
                &format!("无法登记数据集 {}", schema.name),
                &format!("cannot register dataset {}", schema.name),
                &e,
            )
        };
        let _ = self.ctx.deregister_table(schema.name.as_str());
        let t = MemTable::try_new(schema.arrow_schema(), vec![batches]).map_err(err)?;
        self.ctx
            .register_table(schema.name.as_str(), Arc::new(t))
            .map_err(err)?;
        self.inputs.insert(schema.name.clone(), input);
        Ok(())
    }

    /// Registers every dataset the lake holds, each at its current snapshot.
    pub fn register_lake(&mut self, lake: &Lake) -> Result<()> {
        let snaps = lake.datasets().map_err(|e| {
            ScreenError::msg(
                "SCREEN_LAKE",
                format!("无法读取数据湖：{e}"),
                format!("cannot read the lake: {e}"),
            )
        })?;
        for s in snaps {
            let schema = qinglian_lake::schema_of(&s.dataset)
                .map_err(|e| ScreenError::msg("SCREEN_LAKE", format!("{e}"), format!("{e}")))?;
            self.register_files(
                schema,
                &s.files,
                InputRef {
                    hash: s.hash,
                    batches: s.batches,
                    rows: s.rows,
                },
            )?;
        }
        // Optional reference data never imported reads as an empty table.
        for schema in qinglian_lake::Catalogue::builtin().all() {
            if schema.optional && !self.has(&schema.name) {
                self.register_files(schema, &[], InputRef::default())?;
            }
        }
        Ok(())
    }

    /// Registers datasets at recorded snapshots (for `hits rerun`).
    pub fn register_recorded(
        &mut self,
        lake: &Lake,
        inputs: &BTreeMap<String, InputRef>,
    ) -> Result<()> {
        for (dataset, input) in inputs {
            let schema = qinglian_lake::schema_of(dataset)
                .map_err(|e| ScreenError::msg("RERUN_DATASET", format!("{e}"), format!("{e}")))?;
            // An optional dataset read before it was imported: no batches, no manifest.
            let files = if input.batches.is_empty() && schema.optional {
                Vec::new()
            } else {
                lake.batch_files(dataset, &input.batches).map_err(|e| {
                    ScreenError::msg("RERUN_DATASET", format!("{e}"), format!("{e}"))
                })?
            };
            self.register_files(schema, &files, input.clone())?;
        }
        Ok(())
    }

    /// Parses and plans an indicator's SQL, enforcing the sandbox; parameters stay unbound.
    pub async fn plan(&self, ind: &Indicator) -> Result<LogicalPlan> {
        self.plan_sql(ind, &ind.sql, "SQL").await
    }

    /// Plans one of the indicator's queries (`sql` or `stats_sql`) under the same sandbox.
    async fn plan_sql(&self, ind: &Indicator, sql: &str, label: &str) -> Result<LogicalPlan> {
        let what = format!("{} {label}", ind.id);
        let syntax = |e: DataFusionError| {
            df_err(
                "IND_SQL_SYNTAX",
                &format!("{what} 语法错误"),
                &format!("{what} has a syntax error"),
                &e,
            )
        };
        let mut statements =
            DFParser::parse_sql_with_dialect(sql, &GenericDialect {}).map_err(syntax)?;
        if statements.len() != 1 {
            return Err(ScreenError::msg(
                "IND_SQL_MULTI",
                format!(
                    "{what} 应恰好是一条查询语句，实际为 {} 条",
                    statements.len()
                ),
                format!(
                    "{what} must be exactly one query statement, found {}",
                    statements.len()
                ),
            ));
        }
        let statement = statements.pop_front().expect("one statement");
        let is_query = matches!(&statement, DFStatement::Statement(s) if matches!(**s, SqlStatement::Query(_)));
        if !is_query {
            let text = statement.to_string();
            let head: String = text
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            return Err(ScreenError::msg(
                "IND_SQL_FORBIDDEN",
                format!("{what} 只允许只读查询（SELECT / WITH），不允许“{head}”"),
                format!("{what} may only be a read-only query (SELECT / WITH), not '{head}'"),
            ));
        }
        let state = self.ctx.state();
        let plan = state.statement_to_plan(statement).await.map_err(|e| {
            df_err(
                "IND_SQL_PLAN",
                &format!("{what} 无法执行（列名、表名、函数或类型有误）"),
                &format!("{what} cannot be planned (check columns, tables, functions and types)"),
                &e,
            )
        })?;
        SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false)
            .verify_plan(&plan)
            .map_err(|e| {
                df_err(
                    "IND_SQL_FORBIDDEN",
                    &format!("{what} 只允许只读查询"),
                    &format!("{what} may only read"),
                    &e,
                )
            })?;
        let allowed: BTreeSet<&str> = ind.datasets.iter().map(String::as_str).collect();
        let mut bad: BTreeSet<String> = BTreeSet::new();
        plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                // The as-of function reads two datasets named in its arguments.
                if let Some(read) = crate::asof::datasets_of(scan) {
                    bad.extend(read.into_iter().filter(|d| !allowed.contains(d.as_str())));
                } else if scan.table_name.schema().is_some()
                    || !allowed.contains(scan.table_name.table())
                {
                    bad.insert(scan.table_name.to_string());
                }
            }
            Ok(TreeNodeRecursion::Continue)
        })
        .map_err(|e| df_err("IND_SQL_PLAN", &what, &what, &e))?;
        if !bad.is_empty() {
            let names = bad.into_iter().collect::<Vec<_>>();
            return Err(ScreenError::msg(
                "IND_SQL_TABLE",
                format!(
                    "{what} 读取了未声明的表 {}；只能读取 datasets 中声明的数据集（{}）",
                    names.join("、"),
                    ind.datasets.join("、")
                ),
                format!(
                    "{what} reads undeclared table(s) {}; only the declared datasets ({}) may be read",
                    names.join(", "),
                    ind.datasets.join(", ")
                ),
            ));
        }
        let used = plan
            .get_parameter_names()
            .map_err(|e| df_err("IND_SQL_PLAN", &what, &what, &e))?;
        let mut unknown: Vec<String> = used
            .iter()
            .map(|p| p.trim_start_matches('$').to_owned())
            .filter(|p| p != AS_OF && ind.param(p).is_none())
            .collect();
        unknown.sort();
        if !unknown.is_empty() {
            return Err(ScreenError::msg(
                "IND_SQL_PARAM",
                format!("{what} 使用了未声明的参数 ${}", unknown.join("、$")),
                format!(
                    "{what} uses undeclared parameter(s) ${}",
                    unknown.join(", $")
                ),
            ));
        }
        Ok(plan)
    }

    /// Checks an indicator against the registered tables without running it: the sandbox, the
    /// parameters, and that the result has every declared output column.
    pub async fn validate(&self, ind: &Indicator, params: &ParamSet) -> Result<()> {
        let plan = self.plan(ind).await?;
        let used: BTreeSet<String> = plan
            .get_parameter_names()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.trim_start_matches('$').to_owned())
            .collect();
        let quoted: BTreeSet<&str> = [
            &ind.explanation_zh,
            &ind.explanation_en,
            &ind.counterfactual_zh,
            &ind.counterfactual_en,
        ]
        .iter()
        .flat_map(|t| t.names())
        .collect();
        let unused: Vec<&str> = ind
            .params
            .iter()
            .map(|p| p.name.as_str())
            .filter(|p| !used.contains(*p) && !quoted.contains(p))
            .collect();
        if !unused.is_empty() {
            return Err(ScreenError::msg(
                "IND_PARAM_UNUSED",
                format!(
                    "{} 声明的参数 {} 既未在 SQL 中使用也未在说明中引用",
                    ind.id,
                    unused.join("、")
                ),
                format!(
                    "{} declares parameter(s) {} used neither in the SQL nor in a text",
                    ind.id,
                    unused.join(", ")
                ),
            ));
        }
        let df = self.bind(ind, plan, params)?;
        let schema = df.schema();
        let missing: Vec<&str> = ind
            .output
            .columns()
            .into_iter()
            .filter(|c| {
                schema.field_with_unqualified_name(c).is_err()
                    && !ind.output.is_param_threshold(c, ind)
            })
            .collect();
        if !missing.is_empty() {
            return Err(ScreenError::msg(
                "IND_OUTPUT_COLUMN",
                format!(
                    "{} 的 SQL 结果缺少声明的输出列 {}",
                    ind.id,
                    missing.join("、")
                ),
                format!(
                    "{} SQL result lacks declared output column(s) {}",
                    ind.id,
                    missing.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn bind(&self, ind: &Indicator, plan: LogicalPlan, params: &ParamSet) -> Result<DataFrame> {
        DataFrame::new(self.ctx.state(), plan)
            .with_param_values(ParamValues::from(params.scalars()))
            .map_err(|e| {
                df_err(
                    "IND_SQL_PARAM",
                    &format!("{} 参数绑定失败", ind.id),
                    &format!("{} parameters cannot be bound", ind.id),
                    &e,
                )
            })
    }

    /// Runs an indicator's SQL with `params` under the memory and time limits.
    pub async fn execute(&self, ind: &Indicator, params: &ParamSet) -> Result<Vec<RecordBatch>> {
        let plan = self.plan(ind).await?;
        self.run_plan(ind, plan, params).await
    }

    /// Runs the indicator's `stats_sql` (its peer statistics), when it has one.
    pub async fn execute_stats(
        &self,
        ind: &Indicator,
        params: &ParamSet,
    ) -> Result<Option<Vec<RecordBatch>>> {
        let Some(sql) = &ind.stats_sql else {
            return Ok(None);
        };
        let plan = self.plan_sql(ind, sql, "stats_sql").await?;
        self.run_plan(ind, plan, params).await.map(Some)
    }

    async fn run_plan(
        &self,
        ind: &Indicator,
        plan: LogicalPlan,
        params: &ParamSet,
    ) -> Result<Vec<RecordBatch>> {
        let df = self.bind(ind, plan, params)?;
        let limit = self.limits.time_limit;
        let deadline = Instant::now() + limit;
        let task_ctx = Arc::new(df.task_ctx());
        let run = async move {
            let physical = df.create_physical_plan().await?;
            let guarded = physical
                .transform_up(|node| {
                    Ok(Transformed::yes(
                        Arc::new(DeadlineExec::new(node, deadline)) as Arc<dyn ExecutionPlan>,
                    ))
                })?
                .data;
            datafusion::physical_plan::collect(guarded, task_ctx).await
        };
        // The outer timer covers waits outside any operator (planning, a stalled source).
        let outcome = match tokio::time::timeout(limit + Duration::from_secs(1), run).await {
            Err(_) => Err(None),
            Ok(Err(e)) if is_deadline(&e) => Err(None),
            Ok(Err(e)) => Err(Some(e)),
            Ok(Ok(batches)) => Ok(batches),
        };
        match outcome {
            Err(None) => Err(ScreenError::msg(
                "SCREEN_TIMEOUT",
                format!(
                    "指标 {} 运行超过时间上限 {} 秒，已中止（检查是否有笛卡尔积等失控连接，或调大 --time-limit）",
                    ind.id,
                    limit.as_secs_f64()
                ),
                format!(
                    "indicator {} ran past its time limit of {} s and was stopped (look for runaway joins such as a cross join, or raise --time-limit)",
                    ind.id,
                    limit.as_secs_f64()
                ),
            )),
            Err(Some(e)) => Err(exec_error(ind, &e, self.limits.memory_bytes)),
            Ok(batches) => Ok(batches),
        }
    }

    /// Runs a fixed, trusted query (the engine's own lookups).
    pub(crate) async fn query_internal(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let df = self
            .ctx
            .sql_with_options(
                sql,
                SQLOptions::new()
                    .with_allow_ddl(false)
                    .with_allow_dml(false)
                    .with_allow_statements(false),
            )
            .await
            .map_err(|e| df_err("SCREEN_EXEC", "内部查询失败", "internal query failed", &e))?;
        df.collect()
            .await
            .map_err(|e| df_err("SCREEN_EXEC", "内部查询失败", "internal query failed", &e))
    }
}

/// The error a guard raises when the deadline passes; recognised by [`is_deadline`].
const DEADLINE_MARK: &str = "qinglian: query time limit reached";

fn is_deadline(e: &DataFusionError) -> bool {
    matches!(e.find_root(), DataFusionError::Execution(m) if m == DEADLINE_MARK)
}

/// Passes batches through unchanged until the deadline, then fails the query.
#[derive(Debug)]
struct DeadlineExec {
    input: Arc<dyn ExecutionPlan>,
    deadline: Instant,
}

impl DeadlineExec {
    fn new(input: Arc<dyn ExecutionPlan>, deadline: Instant) -> Self {
        DeadlineExec { input, deadline }
    }
}

impl DisplayAs for DeadlineExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeadlineExec")
    }
}

impl ExecutionPlan for DeadlineExec {
    fn name(&self) -> &str {
        "DeadlineExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DFResult<TreeNodeRecursion>,
    ) -> DFResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(DeadlineExec::new(
            children.swap_remove(0),
            self.deadline,
        )))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let deadline = self.deadline;
        Ok(Arc::new(DeadlineExec::new(
            children
                .into_iter()
                .next()
                .unwrap_or_else(|| Arc::clone(&self.input)),
            deadline,
        )))
    }

    fn execute(
        &self,
        partition: usize,
        ctx: Arc<TaskContext>,
    ) -> DFResult<SendableRecordBatchStream> {
        Ok(Box::pin(DeadlineStream {
            inner: self.input.execute(partition, ctx)?,
            deadline: self.deadline,
        }))
    }
}

struct DeadlineStream {
    inner: SendableRecordBatchStream,
    deadline: Instant,
}

impl Stream for DeadlineStream {
    type Item = DFResult<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(Some(Err(DataFusionError::Execution(
                DEADLINE_MARK.to_owned(),
            ))));
        }
        self.inner.poll_next_unpin(cx)
    }
}

impl RecordBatchStream for DeadlineStream {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

fn exec_error(ind: &Indicator, e: &DataFusionError, memory: usize) -> ScreenError {
    if matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)) {
        let mb = memory / (1 << 20);
        return ScreenError::msg(
            "SCREEN_MEMORY",
            format!(
                "指标 {} 所需内存超过上限 {mb} MB，已中止（检查连接条件与分组，或调大 --memory-limit）：{e}",
                ind.id
            ),
            format!(
                "indicator {} needs more memory than its limit of {mb} MB and was stopped (check joins and groupings, or raise --memory-limit): {e}",
                ind.id
            ),
        );
    }
    df_err(
        "SCREEN_EXEC",
        &format!("指标 {} 运行失败", ind.id),
        &format!("indicator {} failed", ind.id),
        e,
    )
}
