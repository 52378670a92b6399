//! The `lottery` command line. Every help text is Chinese first, English beside it.

use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum LotteryCmd {
    /// 公告抽签（T0）：登记 params.txt（须固定 drand 信标轮次），输出抽签编号 / announce a lottery (T0) from params.txt (which must pin the drand round); prints its id
    Announce(AnnounceArgs),
    /// 批量报名（T1）：身份证号校验码必须正确；整批全部登记或全部不登记；每户一张回执（盐值与承诺值），写入可打印的 HTML 与 Excel / register applicants in bulk (T1): citizen-ID checksums enforced, all or nothing; one receipt per family (salt and commitment) as printable HTML and in Excel
    Register(RegisterArgs),
    /// 冻结名册（T4）：生成 roster.csv，输出其 SHA-256 供公证 / freeze the roster (T4): writes roster.csv and prints its SHA-256 for the notary
    Freeze(FreezeArgs),
    /// 派位（T5–T7）：核验信标签名，由名册、规则、仪式输入和信标计算种子、号码与录取结果 / draw (T5–T7): verify the beacon's signature, derive the seed, every number and the allocation
    Draw(DrawArgs),
    /// 公布：写出九个公布文件（含 sha256sum 格式的清单）并自行核验 / publish: write the nine published files (with the sha256sum manifest) and verify them
    Publish(PublishArgs),
    /// 派位后递补（T8）：空余学位按候补顺序发出通知，登记接受、放弃、逾期；只追加到 offers_log.csv，每步记入账本 / post-draw offers (T8): released seats offered down the waitlist, answers recorded; appended to offers_log.csv, each step ledgered
    #[command(subcommand)]
    Offers(OffersCmd),
    /// 登记公证与时间证据（公证的哈希、T4 提交时间、T4 时嵌入的 drand 轮次、仪式结束时间），记入账本 / record what the notary or TSA attested (notarised hashes, T4 commit time, drand round embedded at T4, ceremony end), ledgered
    Notarise(NotariseArgs),
    /// 输出 evidence.txt 供 verify all --evidence 使用（登记的证据；未登记 T4 时间时取账本冻结条目的时间）/ write evidence.txt for verify all --evidence (the recorded evidence; T4 from the ledger's freeze entry when no notary time was recorded)
    Evidence {
        /// 抽签编号 / lottery id
        #[arg(long = "lottery", value_name = "ID")]
        lottery: String,
        /// 写入文件（默认输出到屏幕）/ write to a file (default: print)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 离线核验公布目录（无需数据库与网络）/ verify a publication directory offline (no database, no network)
    #[command(subcommand)]
    Verify(VerifyCmd),
    /// 列出抽签 / list lotteries
    List(ListArgs),
    /// 显示一个抽签及其每一步的账本条目 / show a lottery and the ledger entry of each step
    Show {
        /// 抽签编号（lottery_id）/ lottery id
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct AnnounceArgs {
    /// 规则文件 params.txt（按原样保存并公布）/ the rules file params.txt (kept and published byte for byte)
    #[arg(long, value_name = "FILE")]
    pub params: PathBuf,
    /// 标题，如“2026 年西湖区民办初中招生派位” / title, e.g. the district and school year
    #[arg(long)]
    pub title: Option<String>,
    /// 组织抽签的行政区划（管辖范围）；省略则为全系统抽签，只有命令行操作员可运行 / division running the lottery (jurisdiction); without it the lottery is installation-wide and only the operator runs it
    #[arg(long, value_name = "CODE")]
    pub division: Option<String>,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// 抽签编号 / lottery id
    #[arg(long = "lottery", value_name = "ID")]
    pub lottery: String,
    /// 报名表（.xlsx 或 .csv）：身份证号、志愿（如 S04:1;S01:3），可选姓名、兄弟姐妹组 / applicants file (.xlsx or .csv): citizen ID, choices (e.g. S04:1;S01:3), optional name and sibling group
    #[arg(long = "from", value_name = "FILE")]
    pub from: PathBuf,
    /// XLSX 工作表名称或序号（从 1 起）/ XLSX sheet name or number (from 1)
    #[arg(long)]
    pub sheet: Option<String>,
    /// 回执（可打印 HTML，每户一页；默认与报名表同目录的 <文件名>-receipts.html）/ receipts (printable HTML, one page per family; default <file>-receipts.html beside the applicants file)
    #[arg(long, value_name = "FILE.html")]
    pub receipts: Option<PathBuf>,
    /// 回执导出为 Excel（默认 <文件名>-receipts.xlsx）/ receipts as Excel (default <file>-receipts.xlsx)
    #[arg(long, value_name = "FILE.xlsx")]
    pub export: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// 抽签编号 / lottery id
    #[arg(long = "lottery", value_name = "ID")]
    pub lottery: String,
    /// 演练：不要求名册在信标轮次前 1 小时冻结（记入账本并公开标明）/ rehearsal: the roster need not freeze an hour before the beacon round (ledgered and shown publicly)
    #[arg(long)]
    pub rehearsal: bool,
}

#[derive(Debug, Args)]
pub struct DrawArgs {
    /// 抽签编号 / lottery id
    #[arg(long = "lottery", value_name = "ID")]
    pub lottery: String,
    /// 现场仪式输入 ceremony.txt（如 dice=4,1,6,…）/ the live ceremony's inputs, ceremony.txt (e.g. dice=4,1,6,…)
    #[arg(long, value_name = "FILE")]
    pub ceremony: PathBuf,
    /// params.txt 固定轮次的 drand 信标 beacon.json / the drand beacon of the round params.txt fixed, beacon.json
    #[arg(long, value_name = "FILE")]
    pub beacon: PathBuf,
    /// 计算号码的线程数（0 为全部核心；结果与此无关）/ threads for the numbers (0: all cores; the result never depends on it)
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// 抽签编号 / lottery id
    #[arg(long = "lottery", value_name = "ID")]
    pub lottery: String,
    /// 公布目录（须不存在或为空）/ publication directory (absent or empty)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum VerifyCmd {
    /// 全面核验：重算全部哈希、信标签名、种子、每个号码和全部录取结果，并回放补录日志 / everything: every hash, the beacon signature, the seed, every number, the whole allocation, and the offers log replayed
    All {
        /// 公布目录 / publication directory
        dir: PathBuf,
        /// 公证与时间证据 evidence.txt（公证的哈希、T4 提交时间、嵌入轮次、仪式结束时间；见 lottery evidence）/ notarised hashes and timing evidence, evidence.txt (see lottery evidence)
        #[arg(long, value_name = "FILE")]
        evidence: Option<PathBuf>,
    },
    /// 家庭核验：本人号码、各志愿排名与各校录取末位 / family check: own number, rank at each choice and each school's cut-off
    Me {
        /// 公布目录 / publication directory
        dir: PathBuf,
        /// 学生身份证号 / the child's citizen ID
        #[arg(long = "id", value_name = "ID")]
        id: String,
        /// 回执上的盐值（32 位十六进制）/ the salt on the receipt (32 hex characters)
        #[arg(long, value_name = "SALT")]
        salt: String,
    },
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// 导出为 Excel 文件 / export to an Excel file
    #[arg(long, value_name = "FILE.xlsx")]
    pub export: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum OffersCmd {
    /// 向该校候补名单上下一位符合条件的申请人发出递补通知（须有空余学位）/ offer a free seat at the school to the next eligible applicant on its waitlist
    Next {
        #[command(flatten)]
        at: OfferSchool,
    },
    /// 登记申请人接受递补通知（原学位随之释放）/ the applicant accepts an open offer (the seat held is released)
    Accept(OfferAnswer),
    /// 登记申请人放弃递补通知，或放弃已录取的学位（学位释放给候补）/ the applicant declines an open offer, or gives up the seat held (released to the waitlist)
    Decline(OfferAnswer),
    /// 登记递补通知逾期未答复 / an open offer lapsed without an answer
    Expire(OfferAnswer),
    /// 列出补录日志 / list the offers log
    List {
        /// 抽签编号 / lottery id
        #[arg(long = "lottery", value_name = "ID")]
        lottery: String,
        /// 导出为 Excel 文件 / export to an Excel file
        #[arg(long, value_name = "FILE.xlsx")]
        export: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct OfferSchool {
    /// 抽签编号 / lottery id
    #[arg(long = "lottery", value_name = "ID")]
    pub lottery: String,
    /// 学校代码（如 S01）/ school code (e.g. S01)
    #[arg(long, value_name = "CODE")]
    pub school: String,
}

#[derive(Debug, Args)]
pub struct OfferAnswer {
    #[command(flatten)]
    pub at: OfferSchool,
    /// 申请人承诺值 C_i（64 位十六进制，见回执与 roster.csv）/ the applicant's commitment C_i (64 hex digits, on the receipt and in roster.csv)
    #[arg(long, value_name = "C_i")]
    pub applicant: String,
}

#[derive(Debug, Args)]
pub struct NotariseArgs {
    /// 抽签编号 / lottery id
    #[arg(long = "lottery", value_name = "ID")]
    pub lottery: String,
    /// 出证方，如“杭州市西湖公证处”或 TSA 名称 / who attests, e.g. the notary office or the TSA
    #[arg(long = "by", value_name = "NAME")]
    pub by: String,
    /// 公证的 params.txt SHA-256（T0）/ notarised SHA-256 of params.txt (T0)
    #[arg(long, value_name = "SHA256")]
    pub params_sha256: Option<String>,
    /// 公证的 roster.csv SHA-256（T4）/ notarised SHA-256 of roster.csv (T4)
    #[arg(long, value_name = "SHA256")]
    pub roster_sha256: Option<String>,
    /// 公证的 ceremony.txt SHA-256（T5）/ notarised SHA-256 of ceremony.txt (T5)
    #[arg(long, value_name = "SHA256")]
    pub ceremony_sha256: Option<String>,
    /// 名册最终提交时间 T4（RFC 3339 UTC，如 2026-06-30T08:00:00Z）/ final roster commit time T4 (RFC 3339 UTC)
    #[arg(long, value_name = "TIME")]
    pub t4: Option<String>,
    /// T4 时嵌入的最新 drand 轮次（证明提交不早于该轮）/ the latest drand round embedded at T4 (proves the commit was not earlier)
    #[arg(long, value_name = "ROUND")]
    pub not_before_round: Option<String>,
    /// 现场仪式结束时间 T5（RFC 3339 UTC）/ when the live ceremony finished, T5 (RFC 3339 UTC)
    #[arg(long, value_name = "TIME")]
    pub ceremony_done: Option<String>,
    /// T4 与信标轮次时间之间要求的间隔（秒，默认 3600）/ required gap between T4 and time(R) in seconds (default 3600)
    #[arg(long, value_name = "SECS")]
    pub margin_secs: Option<String>,
}
