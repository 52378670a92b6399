//! Command-line grammar. Every help text is Chinese first, English beside it.

use clap::{ArgAction, Args, Parser, Subcommand};
use std::path::PathBuf;

mod workflow;
pub use workflow::*;

#[derive(Debug, Parser)]
#[command(
    name = "qinglian",
    version,
    about = "清廉：公共机构廉洁监督平台 / Qinglian: integrity supervision for public bodies",
    long_about = "清廉：导入记录、用可解释的指标排查风险、跟踪整改、全过程留痕。\nQinglian: import records, screen them with explainable indicators, track rectification, trace every step.",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// 数据目录 / data directory
    #[arg(long, global = true, env = "QINGLIAN_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// 数据库地址（sqlite://… 或 postgres://…）/ database URL (sqlite://… or postgres://…)
    #[arg(
        long = "database",
        global = true,
        env = "QINGLIAN_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// 配置文件 / configuration file
    #[arg(long, global = true, env = "QINGLIAN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// 日志过滤器 / log filter
    #[arg(long, global = true, env = "QINGLIAN_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// 账本签名私钥文件 / ledger signing key file
    #[arg(long, global = true, env = "QINGLIAN_LEDGER_KEY", value_name = "FILE")]
    pub ledger_key: Option<PathBuf>,
    /// 以 JSON 输出结果（供脚本使用）/ print results as JSON (for scripts)
    #[arg(long, global = true)]
    pub json: bool,
    /// 显示帮助 / print help
    #[arg(short = 'h', long, global = true, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// 显示版本 / print version
    #[arg(short = 'V', long, action = ArgAction::Version)]
    pub version: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 初始化数据目录、存储和账本（幂等）/ create the data directory, the store and the ledger (idempotent)
    Init(InitArgs),
    /// 显示生效的配置（不显示密码）/ show the effective settings (passwords hidden)
    Config,
    /// 列出所有数据集及其列 / list every dataset with its columns
    Datasets(DatasetsArgs),
    /// 导入文件到数据集（CSV、XLSX、JSON）/ import files into a dataset (CSV, XLSX, JSON)
    Import(ImportArgs),
    /// 按依赖顺序导入目录中的 <数据集>.csv|xlsx|jsonl / import every <dataset>.csv|xlsx|jsonl of a folder in dependency order
    ImportDir(ImportDirArgs),
    /// 查询登记信息（区划、单位、人员、岗位、关系）/ list registry data (divisions, units, people, posts, relations)
    Registry(RegistryArgs),
    /// 用户管理 / manage users
    #[command(subcommand)]
    Users(UsersCmd),
    /// 脚本用 API 令牌 / API tokens for scripts
    #[command(subcommand)]
    Tokens(TokensCmd),
    /// 账本：检查点、证明、凭据、核验 / the ledger: checkpoints, proofs, receipts, verification
    #[command(subcommand)]
    Ledger(LedgerCmd),
    /// 备份存储、数据湖和密钥（一致的副本）/ back up the store, the lake and the keys, consistent with each other
    Backup {
        /// 备份目录（须为空）/ backup folder (must be empty)
        dir: PathBuf,
    },
    /// 从备份恢复到新的数据目录并核验账本 / restore a backup into a new data directory and verify the ledger
    Restore {
        /// 备份目录 / backup folder
        dir: PathBuf,
    },
    /// 风险指标目录：列出、查看、用样例校验（无需数据目录）/ the indicator catalogue: list, show, check against fixtures (no data directory needed)
    #[command(subcommand)]
    Indicators(IndicatorsCmd),
    /// 用指标排查数据湖，命中写入存储 / screen the lake with the indicators; hits go to the store
    Screen(ScreenArgs),
    /// 命中（值得关注的线索）：列出、导出、重算 / hits (reasons to look): list, export, re-run
    Hits(HitsArgs),
    /// 问题线索：登记、分办、处置、认定、整改、销号 / clues: open, triage, dispose, find, rectify, close
    Clues(CluesArgs),
    /// 一书一单一函：签发、列出、送达、签收 / the letters: issue, list, deliver, acknowledge
    Letters(LettersArgs),
    /// 后台任务（逾期升级、常态排查、整改数据复查）/ background jobs (escalation, routine screening, re-checks)
    #[command(subcommand)]
    Jobs(JobsCmd),
    /// 站内通知 / in-app notifications
    Inbox(InboxArgs),
    /// 成效统计：发现问题、整改、完善制度、处理人员、退赔 / outcomes: problems found and rectified, systems improved, persons handled, money recovered
    Report(ReportArgs),
    /// 阳光招生派位（LOT1，任何人可离线核验）：公告、报名、冻结、派位、公布、核验 / school-admission lottery (LOT1, verifiable offline by anyone): announce, register, freeze, draw, publish, verify
    #[command(subcommand)]
    Lottery(crate::cmd::lottery::LotteryCmd),
    /// OCDS 采购数据（与 Cardinal 兼容）：修正、字段覆盖率；导入用 import ocds / OCDS procurement data (Cardinal-compatible): prepare, coverage; import with import ocds
    #[command(subcommand)]
    Ocds(crate::cmd::ocds::OcdsCmd),
    /// 智慧执法：队员工作量化表、案件轨迹、中队看板（直接读数据湖）/ smart law enforcement: officer workload tables, case trajectories, the squad board (read straight from the lake)
    #[command(subcommand)]
    Enforcement(crate::cmd::enforcement::EnforcementCmd),
    /// 启动 Web 服务 / run the web server
    Serve(ServeArgs),
    /// 生成确定性的合成数据 / write deterministic synthetic data
    Synth(SynthArgs),
    /// 一键演示：合成、初始化、导入、启动服务；--data 默认 ./qinglian-demo，忽略 QINGLIAN_DATA，只删除带演示标记的目录 / one-command demo: synthesise, initialise, import, serve; --data defaults to ./qinglian-demo, ignores QINGLIAN_DATA, and only a folder carrying the demo marker is ever deleted
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// 新账本的来源标识（C2SP origin）/ origin of a new ledger (C2SP origin)
    #[arg(long, env = "QINGLIAN_LEDGER_ORIGIN", value_name = "NAME")]
    pub origin: Option<String>,
}

#[derive(Debug, Args)]
pub struct DatasetsArgs {
    /// 只显示此数据集 / only this dataset
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// 数据集名称（见 qinglian datasets）/ dataset name (see qinglian datasets)
    pub dataset: String,
    /// 要导入的文件 / files to import
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// XLSX 工作表名称或序号（从 1 起）/ XLSX sheet name or number (from 1)
    #[arg(long)]
    pub sheet: Option<String>,
    /// CSV 编码：utf-8 或 gb18030（默认自动识别）/ CSV encoding: utf-8 or gb18030 (detected by default)
    #[arg(long)]
    pub encoding: Option<String>,
    /// 替换数据集在数据湖中的现有批次（登记信息按主键更新，不删除）/ supersede the dataset's existing batches in the lake (registry rows in the store are updated by key, never deleted)
    #[arg(long)]
    pub replace: bool,
    /// 最多列出的错误数 / errors listed at most
    #[arg(long, env = "QINGLIAN_MAX_ERRORS")]
    pub max_errors: Option<usize>,
    /// 表头与取值映射（TOML：[columns] 表头 = 字段，[values.字段] 取值 = 代码），导入其他系统导出的文件 / header and value mapping (TOML: [columns] header = column, [values.COLUMN] value = code) for files exported by other systems
    #[arg(long, value_name = "TOML")]
    pub columns: Option<PathBuf>,
    /// 仅 import ocds：Cardinal 设置文件（INI）/ import ocds only: Cardinal settings file (INI)
    #[arg(long, value_name = "INI")]
    pub settings: Option<PathBuf>,
    /// 仅 import ocds：问题清单 CSV（含行号）/ import ocds only: CSV of issues with line numbers
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportDirArgs {
    /// 含 <数据集>.csv|xlsx|jsonl 的目录 / folder holding <dataset>.csv|xlsx|jsonl files
    pub dir: PathBuf,
    /// 替换各数据集的现有批次 / supersede existing batches
    #[arg(long)]
    pub replace: bool,
    /// 最多列出的错误数 / errors listed at most
    #[arg(long, env = "QINGLIAN_MAX_ERRORS")]
    pub max_errors: Option<usize>,
}

#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// divisions | units | people | posts | relations
    pub table: String,
    /// 区划代码（含下级）/ division code (and below)
    #[arg(long)]
    pub division: Option<String>,
    /// 单位类型 / unit kind
    #[arg(long)]
    pub kind: Option<String>,
    /// 单位编号（人员）/ unit id (people)
    #[arg(long)]
    pub unit: Option<String>,
    /// 只列关键岗位（posts）/ key posts only (posts)
    #[arg(long)]
    pub key_only: bool,
    /// 最多行数 / at most this many rows
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// 导出为 Excel 文件 / export to an Excel file
    #[arg(long, value_name = "FILE.xlsx")]
    pub export: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// 添加用户 / add a user
    Add(UserAddArgs),
    /// 列出用户 / list users
    List,
    /// 停用用户（立即结束其会话与令牌）/ disable a user (ends its sessions and tokens at once)
    Disable {
        /// 用户名 / username
        username: String,
    },
    /// 重新启用用户 / enable a user again
    Enable {
        /// 用户名 / username
        username: String,
    },
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// 用户名 / username
    pub username: String,
    /// 角色：admin supervisor unit commander analyst auditor / role
    #[arg(long)]
    pub role: String,
    /// 显示名称 / display name
    #[arg(long)]
    pub name: Option<String>,
    /// 管辖区划代码（可多个）/ jurisdiction division code (repeatable)
    #[arg(long = "jurisdiction", value_name = "CODE")]
    pub jurisdictions: Vec<String>,
    /// 单位编号（unit 角色，可多个）/ unit id (for the unit role, repeatable)
    #[arg(long = "unit", value_name = "UNIT_ID")]
    pub units: Vec<String>,
    /// 从标准输入读取密码；否则生成随机密码并只显示一次 / read the password from stdin; otherwise a random one is generated and shown once
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokensCmd {
    /// 为用户创建令牌（只显示一次）/ create a token for a user (shown once)
    Create {
        /// 用户名 / username
        #[arg(long)]
        user: String,
        /// 令牌用途 / what the token is for
        #[arg(long, default_value = "script")]
        name: String,
    },
    /// 吊销令牌 / revoke a token
    Revoke {
        /// 令牌编号 / token id
        id: i64,
    },
    /// 列出令牌（不含密钥）/ list tokens (without secrets)
    List,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCmd {
    /// 输出最新的签名检查点（供用户、审计或见证方保存）/ print the latest signed checkpoint (for users, auditors or witnesses to keep)
    Checkpoint,
    /// 输出一条记录及其包含证明 / print an entry and its inclusion proof
    Proof {
        /// 条目序号 / entry index
        index: u64,
    },
    /// 导出离线核验凭据（C2SP tlog-proof，内含条目）/ write an offline receipt (C2SP tlog-proof, entry inside)
    Receipt {
        /// 条目序号 / entry index
        index: u64,
        /// 输出文件 / output file
        #[arg(long)]
        out: PathBuf,
    },
    /// 完整核验账本：重算整棵树、核对每个检查点，并与您保存的检查点比对 / verify the whole ledger: recompute the tree, check every checkpoint, and compare with a checkpoint you kept
    Verify {
        /// 您早先保存的检查点文件 / a checkpoint file you kept earlier
        #[arg(long = "from", value_name = "CHECKPOINT_FILE")]
        from: Option<PathBuf>,
        /// 验证公钥（默认取本机私钥对应的公钥）/ verifier key (default: the local signing key's)
        #[arg(long)]
        vkey: Option<String>,
    },
    /// 轮换签名密钥：旧密钥签署交接声明，交接检查点由新旧密钥共同签名 / rotate the signing key: the old key signs the hand-over, whose checkpoint both keys sign
    RotateKey,
    /// 导出单条导入记录的证明：条目凭据加该行在批次默克尔树中的证明 / prove a single imported record: the entry's receipt plus the row's proof within the batch
    RecordProof {
        /// 导入条目的序号 / index of the import entry
        index: u64,
        /// 行号（从 0 起，按文件中的顺序）/ row number (from 0, in file order)
        row: u64,
        /// 条目中的第几个文件（从 0 起）/ which file of the entry (from 0)
        #[arg(long, default_value_t = 0)]
        file: usize,
        /// 输出文件 / output file
        #[arg(long)]
        out: PathBuf,
    },
    /// 离线核验单条记录的证明 / verify a record proof offline
    VerifyRecord {
        /// 证明文件 / proof file
        file: PathBuf,
        /// 账本验证公钥 / the ledger's verifier key
        #[arg(long)]
        vkey: String,
    },
    /// 保存见证方对检查点的联署（C2SP cosignature/v1），此后随检查点一并发布 / keep a witness's cosignature of a checkpoint (C2SP cosignature/v1), published with it from then on
    AddCosignature {
        /// 见证方返回的联署检查点 / the cosigned checkpoint returned by the witness
        file: PathBuf,
        /// 见证方公钥 / the witness's verifier key
        #[arg(long)]
        witness_vkey: String,
    },
    /// 离线核验凭据，无需数据库 / verify a receipt offline, no database needed
    VerifyReceipt {
        /// 凭据文件 / receipt file
        file: PathBuf,
        /// 账本验证公钥（信任锚）/ the ledger's verifier key (the trust anchor)
        #[arg(long)]
        vkey: String,
    },
}

#[derive(Debug, Args, Clone)]
pub struct WebArgs {
    /// 监听地址 / listen address
    #[arg(long, env = "QINGLIAN_BIND")]
    pub bind: Option<String>,
    /// 对外访问地址 / public URL
    #[arg(long, env = "QINGLIAN_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// 会话有效期（小时）/ session lifetime (hours)
    #[arg(long, env = "QINGLIAN_SESSION_HOURS")]
    pub session_hours: Option<i64>,
    /// 登录失败次数上限 / failed logins allowed per window
    #[arg(long, env = "QINGLIAN_LOGIN_MAX_FAILURES")]
    pub login_max_failures: Option<u32>,
    /// 登录限流窗口（分钟）/ login throttling window (minutes)
    #[arg(long, env = "QINGLIAN_LOGIN_WINDOW_MINUTES")]
    pub login_window_minutes: Option<i64>,
    /// 每个 IP 每小时可提交的群众举报数 / citizen reports accepted per IP per hour
    #[arg(long, env = "QINGLIAN_REPORTS_PER_HOUR")]
    pub reports_per_hour: Option<u32>,
    /// 一份群众举报（含附件）的大小上限（MiB）/ size limit of one citizen report with attachments (MiB)
    #[arg(long, env = "QINGLIAN_REPORT_MAX_MIB")]
    pub report_max_mib: Option<usize>,
    /// 一次整改报告（含佐证材料）的大小上限（MiB）/ size limit of one rectification report with evidence files (MiB)
    #[arg(long, env = "QINGLIAN_EVIDENCE_MAX_MIB")]
    pub evidence_max_mib: Option<usize>,
    /// 导入页面上传文件的大小上限（MiB）/ size limit of a file uploaded on the import page (MiB)
    #[arg(long, env = "QINGLIAN_IMPORT_MAX_MIB")]
    pub import_max_mib: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub web: WebArgs,
    /// Indicators of the routine screening the server's jobs run.
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// 规模：county | city | province / scale
    #[arg(long, default_value = "county")]
    pub scale: String,
    /// 随机种子（相同种子生成相同文件）/ seed (same seed, same files)
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// 输出目录 / output folder
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 加载后不启动服务 / stop after loading, do not serve
    #[arg(long)]
    pub no_serve: bool,
    /// 随机种子 / seed
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub web: WebArgs,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CatalogueArgs {
    /// 自定义指标目录（可多个；与内置指标合并）/ directory of your own indicators (repeatable; added to the shipped ones)
    #[arg(long = "indicators", value_name = "DIR", env = "QINGLIAN_INDICATORS")]
    pub indicators: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum IndicatorsCmd {
    /// 列出全部指标 / list every indicator
    List {
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// 显示一个指标的全部内容（含 SQL）/ show everything about one indicator (SQL included)
    Show {
        /// 指标编号，如 SL-S01 / indicator id, e.g. SL-S01
        id: String,
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// 用每个指标的样例数据校验命中结果，不符则退出码为 1 / run every indicator on its fixture and compare the hits exactly; exit code 1 on any mismatch
    Check {
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
}

#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// 只运行此领域的指标 / only indicators of this domain
    #[arg(long)]
    pub domain: Option<String>,
    /// 只运行此指标 / only this indicator
    #[arg(long, value_name = "ID")]
    pub indicator: Option<String>,
    /// 排查基准日（默认今天，北京时间）/ reference date of the run (default: today, Asia/Shanghai)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// 每个指标的运行时间上限（秒）/ time limit per indicator (seconds)
    #[arg(long, default_value_t = 120)]
    pub time_limit: u64,
    /// 查询内存上限（MB）/ memory limit of a query (MB)
    #[arg(long, default_value_t = 2048)]
    pub memory_limit: usize,
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HitsArgs {
    #[command(subcommand)]
    pub action: Option<HitsCmd>,
    /// 只列此指标 / only this indicator
    #[arg(long, value_name = "ID")]
    pub indicator: Option<String>,
    /// 只列此领域 / only this domain
    #[arg(long)]
    pub domain: Option<String>,
    /// 只列此单位 / only this unit
    #[arg(long, value_name = "UNIT_ID")]
    pub unit: Option<String>,
    /// 包括已判定为误报的命中 / include hits decided as false positives
    #[arg(long)]
    pub all: bool,
    /// 最多行数 / at most this many rows
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
    /// 导出为 Excel 文件（中文表头）/ export to an Excel file (Chinese headers)
    #[arg(long, value_name = "FILE.xlsx")]
    pub export: Option<PathBuf>,
    #[command(flatten)]
    pub who: AsArgs,
}

#[derive(Debug, Subcommand)]
pub enum HitsCmd {
    /// 分拣队列：未判定的命中，按严重程度、再按涉及金额排序 / triage queue: undecided hits by severity, then by the amount at stake
    Queue {
        /// 最多行数 / at most this many rows
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// 判定命中：confirmed 属实、false_positive 误报（同一事实不再提示）、unsure 待定；记入账本 / decide a hit: confirmed, false_positive (not raised again for the same facts) or unsure; ledgered
    Decide {
        /// 命中编号（完整或至少 8 位前缀）/ hit id (full, or a prefix of at least 8 characters)
        id: String,
        /// confirmed | false_positive | unsure
        #[arg(long)]
        decision: String,
        /// 说明 / remark
        #[arg(long)]
        note: Option<String>,
    },
    /// 在记录的数据快照与参数上重新计算一个命中，报告是否一致 / re-compute a hit on its recorded snapshot and parameters and say whether it is the same
    Rerun {
        /// 命中编号（完整或至少 8 位前缀）/ hit id (full, or a prefix of at least 8 characters)
        id: String,
        /// 每个指标的运行时间上限（秒）/ time limit (seconds)
        #[arg(long, default_value_t = 120)]
        time_limit: u64,
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
}
