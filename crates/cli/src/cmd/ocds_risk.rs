//! `ocds risk`: per-buyer and per-supplier risk scores from the stored hits of the PR-*
//! procurement indicators (`screen --domain procurement`). A score is the share of an
//! organisation's processes that at least one PR-* hit names, listed with those processes and
//! the indicators behind each, so a score can always be traced back to explained hits. Hits
//! decided as false positives do not count. A score ranks where to look first; it is not a
//! finding (值得关注的线索，不是结论).

use super::Ctx;
use crate::cli::AsArgs;
use crate::output::{export_xlsx, print_json, table};
use clap::{Args, ValueEnum};
use qinglian_lake::Lake;
use qinglian_screen::procurement::{Role, process_parties};
use qinglian_screen::{Engine, Limits};
use qinglian_store::{HitFilter, HitRecord};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

/// The indicators a score counts: ours, not the Cardinal parity ones (those answer "same as
/// Cardinal", and would count the short-period flag on nearly every DR process).
const PREFIX: &str = "PR-";

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum By {
    /// 采购人（无采购人时为招标单位）/ buyer (the procuring entity when no buyer is named)
    Buyer,
    /// 中标供应商 / supplier of an active award
    Supplier,
}

#[derive(Debug, Args)]
pub struct RiskArgs {
    /// 按采购人或供应商汇总 / score buyers or suppliers
    #[arg(long, value_enum, default_value = "buyer")]
    pub by: By,
    /// 项目数少于此的机构不排名（比例没有意义）/ leave out organisations with fewer processes (a share of 1 in 1 says little)
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub min_processes: usize,
    /// 只显示前 N 名（0 为全部；--json 与 --export 总是全部）/ show the first N only (0 = all; --json and --export always give all)
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// 导出为 .xlsx / export to .xlsx
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    #[command(flatten)]
    pub who: AsArgs,
}

/// One flagged process behind a score.
#[derive(Debug, Serialize)]
struct Flagged {
    ocid: String,
    indicators: BTreeSet<String>,
    hits: BTreeSet<String>,
}

#[derive(Debug, Serialize)]
struct Score {
    rank: usize,
    org_id: String,
    org_name: Option<String>,
    processes: usize,
    flagged_processes: usize,
    /// Flagged processes ÷ processes.
    score: f64,
    /// Flagged processes per indicator.
    by_indicator: BTreeMap<String, usize>,
    /// Organisation-level hits (peer outliers such as PR-S02, PR-S09) that name it; shown
    /// beside the score, not counted in it (they flag no single process).
    org_hits: Vec<OrgHit>,
    flagged: Vec<Flagged>,
}

#[derive(Debug, Serialize)]
struct OrgHit {
    indicator_id: String,
    hit_id: String,
    explanation_zh: String,
    explanation_en: String,
}

#[derive(Debug, Serialize)]
struct Report {
    by: &'static str,
    indicators_counted: String,
    hits_read: usize,
    min_processes: usize,
    note_zh: &'static str,
    note_en: &'static str,
    scores: Vec<Score>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The processes a hit names: its `ocid`, or for PR-S01 the awards it sums (`ocids`).
fn hit_processes(h: &HitRecord) -> Vec<String> {
    if let Some(o) = text(&h.subject, "ocid") {
        return vec![o];
    }
    text(&h.values, "ocids")
        .map(|s| s.split('、').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The organisations an organisation-level hit names on the chosen side.
fn hit_orgs(h: &HitRecord, by: By) -> Vec<String> {
    match by {
        // PR-S09 is about a supplier (its unit is the supplier).
        By::Buyer if h.indicator_id == "PR-S09" => vec![],
        By::Buyer => vec![h.unit_id.clone()],
        By::Supplier => ["supplier_id", "a_id", "b_id"]
            .iter()
            .filter_map(|k| text(&h.subject, k))
            .collect(),
    }
}

fn scores(
    parties: &[qinglian_screen::procurement::ProcessParty],
    hits: &[HitRecord],
    by: By,
    min_processes: usize,
) -> Vec<Score> {
    let known: BTreeSet<&str> = parties.iter().map(|p| p.ocid.as_str()).collect();
    let mut per_process: BTreeMap<String, Flagged> = BTreeMap::new();
    let mut org_hits: BTreeMap<String, Vec<OrgHit>> = BTreeMap::new();
    for h in hits {
        let processes = hit_processes(h);
        if processes.is_empty() {
            for org in hit_orgs(h, by) {
                org_hits.entry(org).or_default().push(OrgHit {
                    indicator_id: h.indicator_id.clone(),
                    hit_id: h.id.clone(),
                    explanation_zh: h.explanation_zh.clone(),
                    explanation_en: h.explanation_en.clone(),
                });
            }
            continue;
        }
        for p in processes {
            // A hit on a process no longer in the lake (superseded import) does not count.
            if !known.contains(p.as_str()) {
                continue;
            }
            let f = per_process.entry(p.clone()).or_insert_with(|| Flagged {
                ocid: p.clone(),
                indicators: BTreeSet::new(),
                hits: BTreeSet::new(),
            });
            f.indicators.insert(h.indicator_id.clone());
            f.hits.insert(h.id.clone());
        }
    }
    let mut orgs: BTreeMap<&str, (Option<&str>, Vec<&str>)> = BTreeMap::new();
    for p in parties {
        let e = orgs.entry(p.org_id.as_str()).or_default();
        if e.0.is_none() {
            e.0 = p.org_name.as_deref();
        }
        e.1.push(p.ocid.as_str());
    }
    let mut out: Vec<Score> = orgs
        .into_iter()
        .filter(|(_, (_, ocids))| ocids.len() >= min_processes)
        .map(|(id, (name, ocids))| {
            let flagged: Vec<Flagged> = ocids
                .iter()
                .filter_map(|o| per_process.get(*o))
                .map(|f| Flagged {
                    ocid: f.ocid.clone(),
                    indicators: f.indicators.clone(),
                    hits: f.hits.clone(),
                })
                .collect();
            let mut by_indicator = BTreeMap::new();
            for f in &flagged {
                for i in &f.indicators {
                    *by_indicator.entry(i.clone()).or_insert(0) += 1;
                }
            }
            Score {
                rank: 0,
                org_id: id.to_owned(),
                org_name: name.map(str::to_owned),
                processes: ocids.len(),
                flagged_processes: flagged.len(),
                score: flagged.len() as f64 / ocids.len() as f64,
                by_indicator,
                org_hits: org_hits.remove(id).unwrap_or_default(),
                flagged,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.flagged_processes.cmp(&a.flagged_processes))
            .then(b.org_hits.len().cmp(&a.org_hits.len()))
            .then(a.org_id.cmp(&b.org_id))
    });
    for (i, s) in out.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    out
}

fn problem(zh: &str, en: &str) -> ExitCode {
    eprintln!("错误 / error: {zh} / {en}");
    ExitCode::from(2)
}

fn indicator_summary(s: &Score) -> String {
    s.by_indicator
        .iter()
        .map(|(k, v)| format!("{k}×{v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn run(ctx: &Ctx, a: &RiskArgs) -> anyhow::Result<ExitCode> {
    let lake = Lake::new(ctx.settings.lake_dir());
    let mut engine = Engine::new(Limits::default())?;
    engine.register_lake(&lake)?;
    if !engine.has("ocds_processes") {
        return Ok(problem(
            "数据湖中没有 OCDS 数据，请先运行 qinglian import ocds 文件",
            "the lake holds no OCDS data: run qinglian import ocds FILE first",
        ));
    }
    let role = match a.by {
        By::Buyer => Role::Buyer,
        By::Supplier => Role::Supplier,
    };
    let parties = process_parties(&engine, role).await?;
    let env = super::ensure_store(&ctx.settings).await?;
    let who = super::clues::acting(&env.store, &a.who).await?;
    let filter = HitFilter {
        domain: Some("procurement".into()),
        limit: 100_000,
        ..Default::default()
    };
    let hits: Vec<HitRecord> = env
        .store
        .list_hits(&who, &filter)
        .await?
        .into_iter()
        .filter(|h| h.indicator_id.starts_with(PREFIX))
        .collect();
    env.store.close().await;
    let list = scores(&parties, &hits, a.by, a.min_processes);
    let by = match a.by {
        By::Buyer => "buyer",
        By::Supplier => "supplier",
    };
    if let Some(path) = &a.export {
        let headers = [
            "排名",
            "机构编号",
            "机构名称",
            "项目数",
            "被提示项目数",
            "风险分（被提示项目占比）",
            "各指标提示项目数",
            "机构级提示",
            "被提示项目及指标",
        ];
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|s| {
                vec![
                    s.rank.to_string(),
                    s.org_id.clone(),
                    s.org_name.clone().unwrap_or_default(),
                    s.processes.to_string(),
                    s.flagged_processes.to_string(),
                    format!("{:.4}", s.score),
                    indicator_summary(s),
                    s.org_hits
                        .iter()
                        .map(|h| {
                            format!("{} {}", h.indicator_id, &h.hit_id[..8.min(h.hit_id.len())])
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    s.flagged
                        .iter()
                        .map(|f| {
                            let ids: Vec<&str> = f.indicators.iter().map(String::as_str).collect();
                            format!("{}: {}", f.ocid, ids.join(" "))
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            })
            .collect();
        let sheet = match a.by {
            By::Buyer => "采购人风险分",
            By::Supplier => "供应商风险分",
        };
        export_xlsx(path, sheet, &headers, &rows)?;
    }
    if ctx.json {
        print_json(&Report {
            by,
            indicators_counted: format!("{PREFIX}*"),
            hits_read: hits.len(),
            min_processes: a.min_processes,
            note_zh: "风险分是被 PR 指标提示的项目占该机构项目的比例，是值得关注的线索，不是结论",
            note_en: "a score is the share of the organisation's processes flagged by a PR indicator: a reason to look, not a finding",
            scores: list,
        });
        return Ok(ExitCode::SUCCESS);
    }
    let shown = if a.limit == 0 {
        list.len()
    } else {
        a.limit.min(list.len())
    };
    let rows: Vec<Vec<String>> = list[..shown]
        .iter()
        .map(|s| {
            let mut examples: Vec<&str> =
                s.flagged.iter().map(|f| f.ocid.as_str()).take(3).collect();
            if s.flagged.len() > 3 {
                examples.push("…");
            }
            vec![
                s.rank.to_string(),
                s.org_id.clone(),
                s.org_name.clone().unwrap_or_default(),
                format!("{}/{}", s.flagged_processes, s.processes),
                format!("{:.1}%", s.score * 100.0),
                indicator_summary(s),
                s.org_hits.len().to_string(),
                examples.join(" "),
            ]
        })
        .collect();
    table(
        &[
            "排名 rank",
            "编号 id",
            "名称 name",
            "提示/项目 flagged/processes",
            "风险分 score",
            "指标 indicators",
            "机构级提示 org hits",
            "项目 processes",
        ],
        &rows,
    );
    println!(
        "{} 个{}（项目数 ≥ {}），读取 {} 条 PR 命中；风险分是值得关注的线索，不是结论；--json 列出每个分数背后的全部项目与命中。\n{} {}s (≥ {} processes) from {} PR hits; a score is a reason to look, not a finding; --json lists every process and hit behind each score.",
        list.len(),
        if matches!(a.by, By::Buyer) {
            "采购人"
        } else {
            "供应商"
        },
        a.min_processes,
        hits.len(),
        list.len(),
        by,
        a.min_processes,
        hits.len()
    );
    if let Some(p) = &a.export {
        println!("已导出 / exported: {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
