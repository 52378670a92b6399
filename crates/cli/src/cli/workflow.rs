//! Grammar of the workflow commands: clues, their items, letters, jobs, the inbox, the outcome
//! report. `--as USER` on them applies that user's role and jurisdiction (default: the
//! command-line operator, who sees everything).

use super::CatalogueArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Who acts: a user (their role and jurisdiction apply) or, by default, the operator.
#[derive(Debug, Args, Clone, Default)]
pub struct AsArgs {
    /// 以此用户的身份执行（其角色与管辖范围生效；默认为命令行操作员，可见全部）/ act as this user, with their role and jurisdiction (default: the command-line operator, who sees everything)
    #[arg(long = "as", id = "as_user", value_name = "USER", global = true)]
    pub user: Option<String>,
}

#[derive(Debug, Args)]
pub struct CluesArgs {
    #[command(flatten)]
    pub who: AsArgs,
    #[command(subcommand)]
    pub cmd: CluesCmd,
}

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
    /// 运行一次后台任务（逾期升级、到期的常态排查、待核查整改事项的数据复查）；serve 内每 10 分钟运行一次 / run the background jobs once (overdue escalation, routine screening when due, data re-checks of items waiting for verification); serve runs them every 10 minutes
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
    /// 常态排查间隔（天），0 为不自动排查 / routine screening interval (days); 0 turns it off
    #[arg(long, env = "QINGLIAN_SCREEN_EVERY_DAYS")]
    pub screen_every_days: Option<i64>,
    /// 冷却期（天），用于整改事项的数据复查 / cool-down (days) of the items' data re-checks
    #[arg(long, env = "QINGLIAN_COOLDOWN_DAYS")]
    pub cooldown_days: Option<i64>,
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InboxArgs {
    #[command(subcommand)]
    pub action: Option<InboxCmd>,
    /// 只看发给此用户名的通知（操作员视图）/ only notifications addressed to this username (operator view)
    #[arg(long)]
    pub user: Option<String>,
    /// 只看未读 / unread only
    #[arg(long)]
    pub unread: bool,
    #[command(flatten)]
    pub who: AsArgs,
}

#[derive(Debug, Subcommand)]
pub enum InboxCmd {
    /// 标记通知为已读（记入账本）/ mark a notification read (ledgered)
    Read {
        /// 通知编号，如 C-1#7 / notification id, e.g. C-1#7
        id: String,
    },
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
    #[command(flatten)]
    pub who: AsArgs,
}

#[derive(Debug, Args)]
pub struct LettersArgs {
    #[command(flatten)]
    pub who: AsArgs,
    #[command(subcommand)]
    pub cmd: LettersCmd,
}

#[derive(Debug, Subcommand)]
pub enum LettersCmd {
    /// 签发文书（一书一单一函）：按发文区划与年度连续编号，生成 HTML 与 .docx，记入账本 / issue a letter: numbered per issuing division and year without gaps, rendered to HTML and .docx, ledgered
    Issue(Box<LetterIssueArgs>),
    /// 列出文书及其送达、签收情况 / list letters with their delivery and acknowledgement
    List(LetterListArgs),
    /// 登记送达（记入账本）/ record delivery (ledgered)
    Deliver {
        /// 文书编号（如 330106-2026-reminder-0001）或文号 / letter id (e.g. 330106-2026-reminder-0001) or number as printed
        reference: String,
        /// 送达日期（默认今天）/ delivery date (default: today)
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<String>,
    },
    /// 登记签收：回执上的签收日期（记入账本）/ record the acknowledgement: the signature date on the receipt (ledgered)
    Ack {
        /// 文书编号或文号 / letter id or number as printed
        reference: String,
        /// 签收日期 / signature date
        #[arg(long, value_name = "YYYY-MM-DD")]
        signed_on: String,
        /// 签收人（只存入存储，账本仅记其哈希）/ who signed (kept in the store; the ledger holds its hash)
        #[arg(long)]
        signer: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct LetterIssueArgs {
    /// 文书类型：notice 廉政告知书、risk-list 廉政风险防控清单、reminder 廉政风险提醒函 / kind of letter
    #[arg(long)]
    pub kind: String,
    /// 收文单位 / recipient unit
    #[arg(long, value_name = "UNIT_ID")]
    pub unit: Option<String>,
    /// 登记信息中的岗位（确定单位、任职人员、岗位与领域）/ a registry post (gives the unit, holder, title and key area)
    #[arg(long, value_name = "POST_ID")]
    pub post: Option<String>,
    /// 岗位名称（不在登记信息中时）/ post title (when not in the registry)
    #[arg(long)]
    pub post_title: Option<String>,
    /// 关键岗位领域，如 property_trading 或 产权交易与资产出租 / key area of the post
    #[arg(long)]
    pub key_area: Option<String>,
    /// 收件人（提醒函必填）/ the person addressed (required for a reminder)
    #[arg(long, value_name = "PERSON_ID")]
    pub person: Option<String>,
    /// 告知书的交往对象：supplier 供应商、bidder 投标人、tenant 承租方、contractor 施工单位、applicant 办事企业和群众、regulated 监管对象、investee 合作投资方 / the business counterparty of a notice
    #[arg(long)]
    pub counterparty: Option<String>,
    /// 提醒函引用的命中（可多个；默认为与该人员岗位相关的全部命中）/ hits a reminder quotes (repeatable; default: every hit concerning the person's post)
    #[arg(long = "hit", value_name = "HIT_ID")]
    pub hits: Vec<String>,
    /// 发文日期（默认今天）/ issue date (default: today)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// 提醒函的书面说明期限 / a reminder's reply-by date
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub reply_by: Option<String>,
    /// 发文区划（默认：您的管辖区划中包含该单位者；操作员为单位所在县）/ issuing division (default: your jurisdiction holding the unit; for the operator, the unit's county)
    #[arg(long, value_name = "CODE")]
    pub division: Option<String>,
    /// 发文机关全称（默认由区划名称生成）/ issuer's full name (default: from the division's name)
    #[arg(long)]
    pub issuer_name: Option<String>,
    /// 发文机关简称，用于文号（如 西湖纪）/ issuer's short name used in the number (e.g. 西湖纪)
    #[arg(long)]
    pub issuer_short: Option<String>,
    /// 输出目录（默认 <数据目录>/letters）/ output folder (default: <data>/letters)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

#[derive(Debug, Args)]
pub struct LetterListArgs {
    /// 只列此类文书 / only this kind
    #[arg(long)]
    pub kind: Option<String>,
    /// 只列此状态：issued 已签发、delivered 已送达、acknowledged 已签收 / only this status
    #[arg(long)]
    pub status: Option<String>,
    /// 只列发给此单位的 / only to this unit
    #[arg(long, value_name = "UNIT_ID")]
    pub unit: Option<String>,
    /// 只列发给此人员的 / only to this person
    #[arg(long, value_name = "PERSON_ID")]
    pub person: Option<String>,
    /// 导出为 Excel 文件（中文表头）/ export to an Excel file (Chinese headers)
    #[arg(long, value_name = "FILE.xlsx")]
    pub export: Option<PathBuf>,
}
