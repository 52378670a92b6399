//! Grammar of the workflow commands: clues, their items, jobs, the inbox, the outcome report.

use super::CatalogueArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CluesCmd {
    /// 列出线索 / list clues
    List,
    /// 登记线索：来自命中（--hit）或手工报告（--unit 与 --summary），输出新线索编号 / open a clue from a hit (--hit) or a manual report (--unit and --summary); prints the new clue id
    Open(ClueOpenArgs),
    /// 线索详情与全过程时间线（每步附账本条目序号）/ a clue with its timeline (each step with its ledger index)
    Show {
        /// 线索编号，如 C-1 / clue id, e.g. C-1
        id: String,
    },
    /// 推进线索状态（非法转换会被拒绝并说明可转到的状态）/ move a clue to another state (illegal moves are refused, naming the allowed ones)
    Move(ClueMoveArgs),
    /// 整改事项：添加、报告、核查 / rectification items: add, report, verify
    #[command(subcommand)]
    Item(ItemCmd),
}

#[derive(Debug, Args)]
pub struct ClueOpenArgs {
    /// 命中编号（完整或至少 8 位前缀）/ hit id (full, or a prefix of at least 8 characters)
    #[arg(long, conflicts_with_all = ["unit", "summary"])]
    pub hit: Option<String>,
    /// 手工登记：被反映单位 / manual report: the unit concerned
    #[arg(long, requires = "summary")]
    pub unit: Option<String>,
    /// 手工登记：线索摘要 / manual report: summary
    #[arg(long)]
    pub summary: Option<String>,
}

#[derive(Debug, Args)]
pub struct ClueMoveArgs {
    /// 线索编号 / clue id
    pub id: String,
    /// 目标状态：triaged 分办、inquiry 谈话函询、verification 初步核实、shelved 暂存待查、concluded 予以了结、confirmed 问题属实、rectifying 整改中、closed 销号；处置时也可写 disposed 并给出 --method / target state (for a disposal, `disposed` with --method also works)
    #[arg(long, value_name = "STATE")]
    pub to: Option<String>,
    /// 处置方式：talk_inquiry 谈话函询、preliminary_verification 初步核实、shelved 暂存待查、closed_no_action 予以了结 / disposal method
    #[arg(long)]
    pub method: Option<String>,
    /// 理由或说明（处置与认定必填）/ reason or remark (required for disposals and findings)
    #[arg(long)]
    pub note: Option<String>,
    /// 分办：承办人用户名 / triage: the handling officer's username
    #[arg(long)]
    pub handler: Option<String>,
    /// 分办：责任单位（默认为线索所涉单位）/ triage: responsible unit (default: the clue's unit)
    #[arg(long)]
    pub unit: Option<String>,
    /// 问题属实：人员处理，形式=人数，可多个，如 诫勉谈话=1 / confirmed finding: persons handled as FORM=N, repeatable
    #[arg(long = "persons", value_name = "FORM=N")]
    pub persons: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ItemCmd {
    /// 为问题属实的线索添加整改事项 / add a rectification item to a confirmed clue
    Add(ItemAddArgs),
    /// 单位报告整改情况（佐证材料按 SHA-256 保存）/ the unit reports on an item (evidence kept by SHA-256)
    Report(ItemReportArgs),
    /// 核查整改情况；关联指标的事项须重新排查不再触发 / verify an item; an item tied to an indicator needs a re-screen that no longer fires
    Verify(ItemVerifyArgs),
}

#[derive(Debug, Args)]
pub struct ItemAddArgs {
    /// 线索编号 / clue id
    pub clue: String,
    /// 整改要求 / what must be rectified
    #[arg(long)]
    pub text: String,
    /// 整改期限（当日 24 时，北京时间）/ deadline (end of that day, Asia/Shanghai)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub deadline: String,
    /// 关联指标（销号时须不再触发）/ indicator that must stop firing
    #[arg(long, value_name = "ID")]
    pub indicator: Option<String>,
    /// 关联主体（JSON 对象，如 {"contract_id":"K1"}）/ subject keys (a JSON object)
    #[arg(long, value_name = "JSON", requires = "indicator")]
    pub subject: Option<String>,
    /// 关联线索来源命中的指标与主体 / tie to the indicator and subject of the clue's hit
    #[arg(long, conflicts_with_all = ["indicator", "subject"])]
    pub from_hit: bool,
}

#[derive(Debug, Args)]
pub struct ItemReportArgs {
    /// 线索编号 / clue id
    pub clue: String,
    /// 事项序号 / item number
    pub item: i64,
    /// 整改程度：completely 完全整改、partly 部分整改、not 未整改 / how far rectified
    #[arg(long)]
    pub grade: String,
    /// 佐证材料文件（可多个）/ evidence file (repeatable)
    #[arg(long = "evidence", value_name = "FILE")]
    pub evidence: Vec<PathBuf>,
    /// 说明 / remark
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct ItemVerifyArgs {
    /// 线索编号 / clue id
    pub clue: String,
    /// 事项序号 / item number
    pub item: i64,
    /// 核查结论：completely 完全整改（已整改）、partly 部分整改、not 未整改（退回）/ verdict
    #[arg(long)]
    pub grade: String,
    /// 完善制度：单位修订的制度或控制措施 / systems improved: the rule or control the unit changed
    #[arg(long)]
    pub systems_improved: Option<String>,
    /// 退赔金额（分）/ money recovered (fen)
    #[arg(long, default_value_t = 0)]
    pub money_fen: i64,
    /// 退回时的新期限 / new deadline when returned
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub new_deadline: Option<String>,
    /// 说明 / remark
    #[arg(long)]
    pub note: Option<String>,
    /// 重新排查的基准日（默认今天）/ reference date of the re-screen (default: today)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// 冷却期（天）：此期间内指标对该主体有过命中则不能销号 / cool-down (days): no sighting of the indicator for the subject within it
    #[arg(long, env = "QINGLIAN_COOLDOWN_DAYS")]
    pub cooldown_days: Option<i64>,
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

#[derive(Debug, Subcommand)]
pub enum JobsCmd {
    /// 运行一次后台任务（逾期升级）；serve 内每 10 分钟运行一次 / run the background jobs once (overdue escalation); serve runs them every 10 minutes
    Run(JobsRunArgs),
}

#[derive(Debug, Args)]
pub struct JobsRunArgs {
    /// 以此时间运行（RFC 3339 或 YYYY-MM-DD[THH:MM]，北京时间），用于测试与补跑 / run as of this time (RFC 3339 or YYYY-MM-DD[THH:MM], Asia/Shanghai), for tests and catch-up runs
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// 仍逾期时再次升级的间隔（天）/ days before a still-overdue clue rises again
    #[arg(long, env = "QINGLIAN_ESCALATION_DAYS")]
    pub escalation_days: Option<i64>,
}

#[derive(Debug, Args)]
pub struct InboxArgs {
    /// 只看此用户的通知 / only this user's notifications
    #[arg(long)]
    pub user: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// 统计期间：2026、2026-Q3 或 2026-07（默认全部）/ period: 2026, 2026-Q3 or 2026-07 (default: all)
    #[arg(long)]
    pub period: Option<String>,
    /// 行政区划代码（含下级）/ division code (and below)
    #[arg(long, value_name = "CODE")]
    pub division: Option<String>,
    /// 导出为 Excel 文件（中文表头）/ export to an Excel file (Chinese headers)
    #[arg(long, value_name = "FILE.xlsx")]
    pub export: Option<PathBuf>,
}
