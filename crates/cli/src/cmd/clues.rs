//! `clues` and `hits decide`: the workflow as the command-line operator. The state machine and
//! the rules live in `qinglian-store`; this file resolves arguments, re-screens an item's
//! indicator for closure by data (the store does not link DataFusion), and prints.

use super::{Ctx, ensure_store};
use crate::cli::{
    AsArgs, ClueMoveArgs, ClueOpenArgs, CluesArgs, CluesCmd, ItemAddArgs, ItemCmd, ItemVerifyArgs,
};
use crate::output::{print_json, table};
use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use qinglian_core::Msg;
use qinglian_lake::Lake;
use qinglian_screen::{Catalogue, Engine, Limits, Overrides, run};
use qinglian_store::letters::IndicatorInfo;
use qinglian_store::reports::NewAttachment;
use qinglian_store::workflow::{
    Grade, ItemReport, Method, Precision, QueuedHit, State, subject_matches,
};
use qinglian_store::{ClueRecord, DataCheck, Move, NewItem, Principal, Verification};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::ExitCode;

const SHANGHAI: i64 = 8 * 3600;

fn bad(code: &'static str, zh: String, en: String) -> anyhow::Error {
    anyhow::Error::new(Msg::new(code, zh, en))
}

pub fn parse_date(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        bad(
            "BAD_DATE",
            format!("日期“{s}”无效：应为 YYYY-MM-DD"),
            format!("invalid date '{s}': expected YYYY-MM-DD"),
        )
    })
}

/// A deadline date means the end of that day in Asia/Shanghai.
pub fn deadline(s: &str) -> anyhow::Result<i64> {
    let d = parse_date(s)?.succ_opt().context("date out of range")?;
    Ok(d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
        - SHANGHAI
        - 1)
}

/// `--now`: RFC 3339, or a Shanghai wall time `YYYY-MM-DD[THH:MM[:SS]]`.
pub fn parse_time(s: &str) -> anyhow::Result<i64> {
    let t = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp());
    }
    let wall = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .or_else(|| parse_date(t).ok().and_then(|d| d.and_hms_opt(0, 0, 0)));
    match wall {
        Some(w) => Ok(chrono::Utc.from_utc_datetime(&w).timestamp() - SHANGHAI),
        None => Err(bad(
            "BAD_TIME",
            format!("时间“{s}”无效：应为 RFC 3339 或 YYYY-MM-DD[THH:MM]（北京时间）"),
            format!("invalid time '{s}': expected RFC 3339 or YYYY-MM-DD[THH:MM] (Asia/Shanghai)"),
        )),
    }
}

pub fn fmt_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + SHANGHAI, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The principal a command acts as: the named user (their role and jurisdiction; refused when
/// unknown or disabled), else the command-line operator.
pub async fn acting(store: &qinglian_store::Store, who: &AsArgs) -> anyhow::Result<Principal> {
    let Some(name) = &who.user else {
        return Ok(Principal::operator());
    };
    match store.find_user(name).await? {
        Some(u) if !u.disabled => Ok(store.principal(&u).await?),
        Some(_) => bail!(bad(
            "USER_DISABLED",
            format!("用户 {name} 已停用，不能以其身份执行"),
            format!("user {name} is disabled; cannot act as them"),
        )),
        None => bail!(bad(
            "USER_UNKNOWN",
            format!("没有用户 {name}（--as 应为已登记的用户名）"),
            format!("no user {name} (--as takes a registered username)"),
        )),
    }
}

fn state_label(s: &str) -> String {
    State::parse(s).map_or_else(|| s.to_owned(), State::label)
}

pub async fn decide(
    ctx: &Ctx,
    who: &AsArgs,
    id: &str,
    decision: &str,
    note: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let op = acting(&env.store, who).await?;
    let hit = super::screen::find_hit(&env.store, id).await?;
    env.store
        .decide_hit(&env.ledger, &op, &hit.id, decision, note, super::now())
        .await?;
    env.store.close().await;
    if ctx.json {
        print_json(&json!({"hit": hit.id, "decision": decision}));
    } else {
        println!(
            "已判定命中 {} 为 {decision}（已记入账本）/ hit {} decided {decision} (ledgered)",
            hit.id, hit.id
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run(ctx: &Ctx, args: CluesArgs) -> anyhow::Result<ExitCode> {
    let c = args.cmd;
    let env = ensure_store(&ctx.settings).await?;
    let (store, ledger) = (&env.store, &env.ledger);
    let op = acting(store, &args.who).await?;
    let now = super::now();
    match c {
        CluesCmd::List => {
            let precision = store.indicator_precision(&op).await?;
            list(ctx, &store.list_clues(&op).await?, &precision);
        }
        CluesCmd::Open(a) => {
            let c = open(store, ledger, &op, &a, now).await?;
            if ctx.json {
                print_json(&c);
            } else {
                // The id alone on the first line, for scripts.
                println!("{}", c.id);
                println!("已登记线索 {} / opened clue {}", c.id, c.id);
            }
        }
        CluesCmd::Show { id } => show(ctx, store, &op, &id).await?,
        CluesCmd::Move(a) => {
            let m = move_of(&a)?;
            let c = store.move_clue(ledger, &op, &a.id, &m, now).await?;
            if ctx.json {
                print_json(&c);
            } else {
                println!(
                    "线索 {} 已转为“{}”/ clue {} is now {}",
                    c.id,
                    state_label(&c.status),
                    c.id,
                    c.status
                );
            }
        }
        CluesCmd::Item(i) => item(ctx, store, ledger, &op, i, now).await?,
    }
    env.store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn open(
    store: &qinglian_store::Store,
    ledger: &qinglian_store::ledger::Ledger,
    op: &Principal,
    a: &ClueOpenArgs,
    now: i64,
) -> anyhow::Result<ClueRecord> {
    Ok(match (&a.hit, &a.unit, &a.summary) {
        (Some(h), _, _) => {
            let hit = super::screen::find_hit(store, h).await?;
            store.open_clue_from_hit(ledger, op, &hit.id, now).await?
        }
        (None, Some(u), Some(s)) => store.open_clue_manual(ledger, op, u, s, now).await?,
        _ => bail!(bad(
            "CLUE_OPEN_SOURCE",
            "请给出 --hit，或 --unit 与 --summary".into(),
            "give --hit, or --unit with --summary".into(),
        )),
    })
}

fn move_of(a: &ClueMoveArgs) -> anyhow::Result<Move> {
    let method = a
        .method
        .as_deref()
        .map(|m| {
            Method::parse(m).ok_or_else(|| {
                bad(
                    "CLUE_BAD_METHOD",
                    format!("处置方式“{m}”无效：应为 谈话函询、初步核实、暂存待查 或 予以了结"),
                    format!("invalid method '{m}': expected talk_inquiry, preliminary_verification, shelved or closed_no_action"),
                )
            })
        })
        .transpose()?;
    let to = match (a.to.as_deref(), method) {
        (None | Some("disposed" | "处置"), Some(m)) => Some(m.state()),
        (None, None) => None,
        (Some(t), m) => {
            let s = State::parse(t).ok_or_else(|| {
                bad(
                    "CLUE_BAD_STATE",
                    format!("状态“{t}”无效"),
                    format!("unknown state '{t}'"),
                )
            })?;
            if let Some(m) = m.filter(|m| m.state() != s) {
                bail!(bad(
                    "CLUE_METHOD_MISMATCH",
                    format!(
                        "处置方式 {} 对应状态 {}，与 --to {t} 不符",
                        m.name_zh(),
                        m.state().as_str()
                    ),
                    format!(
                        "method {} leads to {}, not {t}",
                        m.as_str(),
                        m.state().as_str()
                    ),
                ));
            }
            Some(s)
        }
    };
    let persons = a
        .persons
        .iter()
        .map(|p| {
            p.split_once('=')
                .and_then(|(f, n)| Some((f.trim().to_owned(), n.trim().parse::<i64>().ok()?)))
                .ok_or_else(|| {
                    bad(
                        "CLUE_BAD_PERSONS",
                        format!("人员处理“{p}”无效：应为 形式=人数，如 诫勉谈话=1"),
                        format!("invalid --persons '{p}': expected FORM=N, e.g. admonishment=1"),
                    )
                })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Move {
        to,
        note: a.note.clone(),
        handler: a.handler.clone(),
        unit: a.unit.clone(),
        persons,
    })
}

fn list(ctx: &Ctx, clues: &[ClueRecord], precision: &BTreeMap<String, Precision>) {
    let of = |c: &ClueRecord| c.indicator_id.as_ref().and_then(|i| precision.get(i));
    if ctx.json {
        let v: Vec<Value> = clues
            .iter()
            .map(|c| {
                let mut v = json!(c);
                v["indicator_precision"] = json!(of(c));
                v
            })
            .collect();
        print_json(&v);
        return;
    }
    let rows: Vec<Vec<String>> = clues
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                state_label(&c.status),
                c.unit_id.clone(),
                c.handler.clone().unwrap_or_default(),
                c.level_division.clone().unwrap_or_default(),
                fmt_time(c.updated_at),
                of(c).map_or_else(String::new, Precision::label),
                c.summary.clone(),
            ]
        })
        .collect();
    table(
        &[
            "线索 clue",
            "状态 state",
            "单位 unit",
            "承办人 handler",
            "办理层级 level",
            "更新 updated",
            "指标准确率 precision",
            "摘要 summary",
        ],
        &rows,
    );
    println!("\n共 {} 条线索 / {} clues", rows.len(), rows.len());
}

async fn show(
    ctx: &Ctx,
    store: &qinglian_store::Store,
    op: &Principal,
    id: &str,
) -> anyhow::Result<()> {
    let clue = store.get_clue(op, id).await?.ok_or_else(|| {
        bad(
            "NOT_FOUND",
            format!("没有线索 {id}"),
            format!("no clue {id}"),
        )
    })?;
    let items = store.clue_items(id).await?;
    let timeline = store.clue_timeline(op, id).await?;
    let hit = match &clue.hit_id {
        Some(h) => store.get_hit(op, h).await?,
        None => None,
    };
    let warnings = match &hit {
        Some(h) => store
            .hit_warnings(op, std::slice::from_ref(h))
            .await?
            .remove(&h.id)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let precision = match &clue.indicator_id {
        Some(i) => store.indicator_precision(op).await?.remove(i),
        None => None,
    };
    if ctx.json {
        print_json(&json!({
            "clue": clue, "items": items, "timeline": timeline, "warnings": warnings,
            "indicator_precision": precision,
        }));
        return Ok(());
    }
    println!("线索 clue {}：{}", clue.id, clue.summary);
    println!(
        "状态 state: {}    单位 unit: {}（{}）    来源 source: {}{}",
        state_label(&clue.status),
        clue.unit_id,
        clue.division_code,
        clue.source,
        clue.hit_id
            .as_ref()
            .map(|h| format!(" {h}"))
            .unwrap_or_default()
    );
    println!(
        "承办人 handler: {}    责任单位 responsible: {}    办理层级 level: {}    处置方式 method: {}",
        clue.handler.as_deref().unwrap_or("-"),
        clue.responsible_unit.as_deref().unwrap_or("-"),
        clue.level_division.as_deref().unwrap_or("-"),
        clue.method
            .as_deref()
            .and_then(Method::parse)
            .map_or("-", Method::name_zh),
    );
    if let (Some(ind), Some(p)) = (&clue.indicator_id, &precision) {
        println!(
            "指标 indicator {ind} 准确率 precision: {}（属实 confirmed {}，误报 false positive {}，待定 unsure {}）",
            p.label(),
            p.confirmed,
            p.false_positive,
            p.unsure
        );
    }
    for w in &warnings {
        println!("提醒 warned: {} / {}", w.note_zh, w.note_en);
    }
    if !items.is_empty() {
        println!("\n整改事项 items:");
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|i| {
                vec![
                    i.seq.to_string(),
                    i.status.clone(),
                    fmt_time(i.deadline),
                    i.indicator_id.clone().unwrap_or_default(),
                    i.report.clone().unwrap_or_default(),
                    i.verdict.clone().unwrap_or_default(),
                    i.text.clone(),
                ]
            })
            .collect();
        table(
            &[
                "序号 no",
                "状态 status",
                "期限 deadline",
                "指标 indicator",
                "报告 report",
                "核查 verdict",
                "内容 text",
            ],
            &rows,
        );
    }
    println!("\n全过程 timeline:");
    let rows: Vec<Vec<String>> = timeline
        .iter()
        .map(|e| {
            vec![
                e.step.to_string(),
                fmt_time(e.at),
                e.kind.clone(),
                match (&e.from_status, &e.to_status) {
                    (Some(f), Some(t)) => format!("{} → {}", state_label(f), state_label(t)),
                    (None, Some(t)) => state_label(t),
                    _ => String::new(),
                },
                e.actor.clone(),
                e.ledger_index.map(|i| format!("#{i}")).unwrap_or_default(),
                e.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "步 step",
            "时间 time",
            "动作 action",
            "状态 state",
            "操作人 actor",
            "账本 ledger",
            "说明 note",
        ],
        &rows,
    );
    Ok(())
}

fn grade(s: &str) -> anyhow::Result<Grade> {
    Grade::parse(s).ok_or_else(|| {
        bad(
            "ITEM_BAD_GRADE",
            format!("整改程度“{s}”无效：应为 completely 完全整改、partly 部分整改 或 not 未整改"),
            format!("invalid grade '{s}': expected completely, partly or not"),
        )
    })
}

async fn item(
    ctx: &Ctx,
    store: &qinglian_store::Store,
    ledger: &qinglian_store::ledger::Ledger,
    op: &Principal,
    c: ItemCmd,
    now: i64,
) -> anyhow::Result<()> {
    let (clue, seq, what) = match c {
        ItemCmd::Add(a) => {
            let n = store
                .add_item(ledger, op, &a.clue, &new_item(store, op, &a).await?, now)
                .await?;
            (a.clue, n, "添加 added")
        }
        ItemCmd::Report(a) => {
            let files = a
                .evidence
                .iter()
                .map(|f| read_evidence(f))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let report = ItemReport {
                grade: grade(&a.grade)?,
                files: &files,
                hashes: &[],
                note: a.note.as_deref(),
            };
            store
                .report_item_with(ledger, op, &a.clue, a.item, &report, now)
                .await?;
            (a.clue, a.item, "已报告 reported")
        }
        ItemCmd::Verify(a) => {
            verify(ctx, store, ledger, op, &a, now).await?;
            (a.clue, a.item, "已核查 verified")
        }
    };
    if ctx.json {
        print_json(&json!({"clue": clue, "item": seq, "items": store.clue_items(&clue).await?}));
    } else {
        println!("整改事项 {clue}/{seq} {what} / item {clue}/{seq}");
    }
    Ok(())
}

async fn new_item(
    store: &qinglian_store::Store,
    op: &Principal,
    a: &ItemAddArgs,
) -> anyhow::Result<NewItem> {
    let (indicator_id, subject) = if a.from_hit {
        let c = store.get_clue(op, &a.clue).await?.ok_or_else(|| {
            bad(
                "NOT_FOUND",
                format!("没有线索 {}", a.clue),
                format!("no clue {}", a.clue),
            )
        })?;
        let subject = c
            .subject
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok());
        (c.indicator_id, subject)
    } else {
        let subject = a
            .subject
            .as_deref()
            .map(|s| {
                serde_json::from_str::<Value>(s)
                    .ok()
                    .filter(Value::is_object)
                    .ok_or_else(|| {
                        bad(
                            "ITEM_BAD_SUBJECT",
                            format!("主体“{s}”不是 JSON 对象"),
                            format!("subject '{s}' is not a JSON object"),
                        )
                    })
            })
            .transpose()?;
        (a.indicator.clone(), subject)
    };
    Ok(NewItem {
        text: a.text.clone(),
        deadline: deadline(&a.deadline)?,
        indicator_id,
        subject,
    })
}

/// An evidence file to report: the store keeps its bytes by SHA-256 with the report, in the
/// same place the server keeps uploads.
fn read_evidence(path: &std::path::Path) -> anyhow::Result<NewAttachment> {
    let content = std::fs::read(path).with_context(|| {
        format!(
            "无法读取佐证材料 {0} / cannot read evidence {0}",
            path.display()
        )
    })?;
    Ok(NewAttachment {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        media_type: "application/octet-stream".into(),
        content,
    })
}

async fn verify(
    ctx: &Ctx,
    store: &qinglian_store::Store,
    ledger: &qinglian_store::ledger::Ledger,
    op: &Principal,
    a: &ItemVerifyArgs,
    now: i64,
) -> anyhow::Result<()> {
    let g = grade(&a.grade)?;
    let clue = store.get_clue(op, &a.clue).await?.ok_or_else(|| {
        bad(
            "NOT_FOUND",
            format!("没有线索 {}", a.clue),
            format!("no clue {}", a.clue),
        )
    })?;
    let item = store
        .clue_items(&clue.id)
        .await?
        .into_iter()
        .find(|i| i.seq == a.item)
        .ok_or_else(|| {
            bad(
                "NOT_FOUND",
                format!("没有整改事项 {}/{}", a.clue, a.item),
                format!("no item {}/{}", a.clue, a.item),
            )
        })?;
    let data_check = match (&item.indicator_id, g) {
        (Some(ind), Grade::Completely) => {
            let subject = item
                .subject
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok());
            Some(rescreen(ctx, a, ind, &clue.unit_id, subject.as_ref()).await?)
        }
        _ => None,
    };
    let v = Verification {
        grade: g,
        note: a.note.clone(),
        systems_improved: a.systems_improved.clone(),
        money_recovered_fen: a.money_fen,
        new_deadline: a.new_deadline.as_deref().map(deadline).transpose()?,
        data_check,
        cooldown_days: ctx.settings.cooldown_days,
    };
    store
        .verify_item(ledger, op, &clue.id, a.item, &v, now)
        .await?;
    Ok(())
}

/// Re-screens one indicator on the lake as it is now and returns which of its hits concern the
/// unit and subject. Nothing is written: the result travels into the verification's entry.
async fn rescreen(
    ctx: &Ctx,
    a: &ItemVerifyArgs,
    indicator: &str,
    unit: &str,
    subject: Option<&Value>,
) -> anyhow::Result<DataCheck> {
    let catalogue = Catalogue::load(&a.catalogue.indicators).map_err(|e| anyhow::anyhow!("{e}"))?;
    let ind = catalogue.select(None, Some(indicator))?[0];
    let overrides = Overrides::load(
        &ctx.settings.data.join(qinglian_screen::overrides::FILE),
        &catalogue,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let as_of = match &a.as_of {
        Some(d) => parse_date(d)?,
        None => (chrono::Utc::now() + chrono::Duration::seconds(SHANGHAI)).date_naive(),
    };
    let mut engine = Engine::new(Limits::default())?;
    engine.register_lake(&Lake::new(ctx.settings.lake_dir()))?;
    let outcomes = run::screen(&engine, &[ind], &overrides, as_of, &mut |_, _, _| {}).await?;
    let o = outcomes.into_iter().next().context("one indicator ran")?;
    if !matches!(o.status, run::Status::Ran) {
        bail!(bad(
            "ITEM_RESCREEN_FAILED",
            format!("重新排查指标 {indicator} 未能完成，不能按数据核查"),
            format!("re-screening indicator {indicator} did not complete; cannot verify on data"),
        ));
    }
    let firing = o
        .hits
        .iter()
        .filter(|h| h.unit_id == unit)
        .filter(|h| {
            subject_matches(
                subject,
                &serde_json::to_value(&h.subject).unwrap_or(Value::Null),
            )
        })
        .map(|h| h.id.clone())
        .collect();
    Ok(DataCheck {
        indicator_id: o.indicator_id,
        indicator_version: o.indicator_version,
        as_of: as_of.to_string(),
        inputs: engine
            .inputs()
            .iter()
            .filter(|(d, _)| ind.datasets.contains(*d))
            .map(|(d, i)| (d.clone(), i.hash.clone()))
            .collect(),
        firing,
    })
}

/// Values an indicator reports as money (fen): those its explanation quotes with the `yuan` or
/// `wan` format. The triage queue takes a hit's amount at stake from them.
pub fn money_values(ind: &qinglian_screen::Indicator) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in ["explanation.zh", "explanation.en"] {
        let text = ind.texts.get(key).map_or("", String::as_str);
        for part in text.split('{').skip(1) {
            let Some((inner, _)) = part.split_once('}') else {
                continue;
            };
            if let Some((name, fmt)) = inner.split_once(':')
                && matches!(fmt.trim(), "yuan" | "wan")
                && ind.output.values.iter().any(|v| v == name.trim())
                && !out.iter().any(|o| o == name.trim())
            {
                out.push(name.trim().to_owned());
            }
        }
    }
    out
}

/// The catalogue as the store's letters and queue use it.
pub fn indicator_infos(c: &Catalogue) -> Vec<IndicatorInfo> {
    c.all()
        .iter()
        .map(|i| IndicatorInfo {
            id: i.id.clone(),
            domain: i.domain.clone(),
            name_zh: i.name_zh.clone(),
            why_zh: i.why_zh.trim().to_owned(),
            legal_basis_zh: i.legal_basis_zh.trim().to_owned(),
            severity: i.severity.as_str().to_owned(),
            unit_kinds: i.unit_kinds.clone(),
            money_values: money_values(i),
        })
        .collect()
}

/// Each indicator's measured precision when a data directory with a store exists (never
/// creating one: `indicators list` needs no data directory).
pub async fn precision_if_available(
    o: &crate::config::Overrides,
) -> Option<BTreeMap<String, Precision>> {
    let s = crate::config::Settings::resolve(o).ok()?;
    let url = s.database_url.as_str();
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        && !std::path::Path::new(path.split('?').next().unwrap_or(path)).is_file()
    {
        return None;
    }
    let store = qinglian_store::Store::open(url).await.ok()?;
    let p = store.indicator_precision(&Principal::operator()).await.ok();
    store.close().await;
    p
}

/// `hits queue`: undecided hits, most severe first, then the most money at stake.
pub async fn queue(
    ctx: &Ctx,
    who: &AsArgs,
    limit: usize,
    cat: &crate::cli::CatalogueArgs,
) -> anyhow::Result<ExitCode> {
    let catalogue = Catalogue::load(&cat.indicators).map_err(|e| anyhow::anyhow!("{e}"))?;
    let money: BTreeMap<String, Vec<String>> = catalogue
        .all()
        .iter()
        .map(|i| (i.id.clone(), money_values(i)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let env = ensure_store(&ctx.settings).await?;
    let op = acting(&env.store, who).await?;
    let q = env.store.triage_queue(&op, &money, limit).await?;
    env.store.close().await;
    if ctx.json {
        print_json(&q);
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = q.iter().map(queue_row).collect();
    table(
        &[
            "命中 hit",
            "严重 severity",
            "涉及金额（元）amount",
            "指标 indicator",
            "准确率 precision",
            "单位 unit",
            "线索 clue",
            "说明 explanation",
        ],
        &rows,
    );
    for h in q.iter().filter(|h| !h.warnings.is_empty()) {
        for w in &h.warnings {
            println!(
                "{}：{} / {}",
                &h.hit.id[..16.min(h.hit.id.len())],
                w.note_zh,
                w.note_en
            );
        }
    }
    println!(
        "\n{} 条待判定命中（按严重程度、涉及金额排序）/ {} undecided hits (by severity, then amount at stake)",
        q.len(),
        q.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn queue_row(h: &QueuedHit) -> Vec<String> {
    vec![
        h.hit.id[..16.min(h.hit.id.len())].to_owned(),
        h.hit.severity.clone(),
        h.amount_fen
            .map(qinglian_core::money::format_yuan)
            .unwrap_or_else(|| "-".into()),
        h.hit.indicator_id.clone(),
        h.indicator_precision
            .as_ref()
            .map_or_else(|| "-".into(), Precision::label),
        h.hit.unit_id.clone(),
        h.clue_id.clone().unwrap_or_default(),
        h.hit.explanation_zh.clone(),
    ]
}

/// Each hit as JSON with the reminder letters already sent to a person it concerns
/// (`warned`) and its indicator's measured precision; and the same as two text columns.
pub async fn annotate_hits(
    store: &qinglian_store::Store,
    p: &Principal,
    hits: &[qinglian_store::HitRecord],
) -> anyhow::Result<(Vec<Value>, Vec<[String; 2]>)> {
    let mut warned = store.hit_warnings(p, hits).await?;
    let precision = store.indicator_precision(p).await?;
    let mut values = Vec::with_capacity(hits.len());
    let mut cols = Vec::with_capacity(hits.len());
    for h in hits {
        let w = warned.remove(&h.id).unwrap_or_default();
        let pr = precision.get(&h.indicator_id);
        cols.push([
            pr.map_or_else(|| "-".into(), Precision::label),
            w.iter()
                .map(|w| format!("{} / {}", w.note_zh, w.note_en))
                .collect::<Vec<_>>()
                .join("；"),
        ]);
        let mut v = json!(h);
        v["warned"] = json!(w);
        v["indicator_precision"] = json!(pr);
        values.push(v);
    }
    Ok((values, cols))
}
