//! `demo`: synthesise a county, initialise a fresh store and lake in a folder of its own, import
//! everything, create one account per role, screen it with the shipped indicators, then serve
//! (unless `--no-serve`).

use super::{Ctx, ensure_store, import, now};
use crate::cli::DemoArgs;
use crate::config::{Overrides, Settings};
use anyhow::Context;
use qinglian_core::{DivisionCode, Role};
use qinglian_store::{NewUser, Principal, UnitFilter};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const MARKER: &str = ".qinglian-demo";
/// Demo accounts share one published password: the demo holds synthetic data only.
pub const DEMO_PASSWORD: &str = "qinglian-demo";

/// Empties the demo folder, refusing any folder that does not carry the demo marker.
fn fresh_dir(dir: &PathBuf) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if dir.join(MARKER).exists() {
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("无法清空 {0} / cannot clear {0}", dir.display()))?;
        } else if !empty {
            anyhow::bail!(
                "{0} 已存在且不是演示目录（缺少 {MARKER} 标记），为防误删拒绝继续；请换一个 --data 目录 / {0} exists and is not a demo folder (no {MARKER} marker); refusing to delete it, choose another --data",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join(MARKER),
        "qinglian demo folder: deleted and rebuilt by `qinglian demo`\n",
    )?;
    Ok(())
}

pub async fn run(
    dir: PathBuf,
    a: &DemoArgs,
    o: &Overrides,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    fresh_dir(&dir)?;
    let synth_dir = dir.join("synth");
    super::synth::generate("county", a.seed, &synth_dir, json)?;
    // The demo runs on the embedded default whatever the environment says.
    let settings = Settings::resolve(&Overrides {
        data: Some(dir.clone()),
        database_url: None,
        config: None,
        max_errors: None,
        ..o.clone()
    })?;
    let ctx = Ctx {
        settings,
        json,
        quiet: true,
    };
    let plan = import::plan_dir(&synth_dir)?;
    let opts = qinglian_lake::ReadOptions {
        max_errors: ctx.settings.max_errors,
        ..Default::default()
    };
    let code = import::run_plan(&ctx, plan, &opts, false).await?;
    if code != ExitCode::SUCCESS {
        anyhow::bail!("演示数据导入失败 / the demo data did not import");
    }
    let env = ensure_store(&ctx.settings).await?;
    let store = env.store.clone();
    let accounts = create_accounts(&store, &env.ledger).await?;
    // A small admission lottery, run end to end and published (阳光招生).
    let lottery = super::lottery::demo::run(&ctx, &store, &env.ledger, &dir, a.seed).await?;
    let totals = store.registry_totals().await?;
    let loaded = started.elapsed().as_secs_f64();
    // Screen the county on the synthetic data's reference day, so there are hits to look at.
    let screen_args = crate::cli::ScreenArgs {
        domain: None,
        indicator: None,
        as_of: Some(
            qinglian_synth::packs::as_of()
                .format("%Y-%m-%d")
                .to_string(),
        ),
        time_limit: 120,
        memory_limit: 2048,
        catalogue: crate::cli::CatalogueArgs::default(),
    };
    let screening = match super::screen::run_screen(&ctx, &screen_args).await? {
        Ok(r) if !r.failed() => r,
        _ => anyhow::bail!("演示数据排查失败 / screening the demo data failed"),
    };
    // A few examples from different indicators, most severe first, rather than three of one.
    let mut samples = store
        .list_hits(
            &Principal::operator(),
            &qinglian_store::HitFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    let rank = |s: &str| match s {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    };
    samples.sort_by(|a, b| {
        (rank(&a.severity), &a.indicator_id).cmp(&(rank(&b.severity), &b.indicator_id))
    });
    // The supervisor walks a few of them through the workflow, so the cockpit has figures,
    // timelines and ledger proofs to show.
    let walked =
        super::demo_walk::walk(&store, &env.ledger, "demo-supervisor", &samples, now()).await?;
    let mut seen_domains = std::collections::BTreeSet::new();
    let mut seen = std::collections::BTreeSet::new();
    samples.retain(|h| seen.insert(h.indicator_id.clone()));
    let mut picked: Vec<_> = Vec::new();
    for h in &samples {
        if seen_domains.insert(h.domain.clone()) {
            picked.push(h.clone());
        }
    }
    for h in &samples {
        if picked.len() >= 3 {
            break;
        }
        if !picked.iter().any(|p| p.id == h.id) {
            picked.push(h.clone());
        }
    }
    let samples = picked;
    let as_of = qinglian_synth::packs::as_of();
    if json {
        crate::output::print_json(&serde_json::json!({
            "data": dir, "loaded_seconds": loaded, "totals": totals.iter().map(|(t, n)| (t.to_string(), n)).collect::<std::collections::BTreeMap<_, _>>(),
            "accounts": accounts.iter().map(|(u, r, s)| serde_json::json!({"username": u, "role": r, "scope": s, "password": DEMO_PASSWORD})).collect::<Vec<_>>(),
            "screening": screening.json(),
            "sample_hits": samples,
            "walked": walked,
            "lottery": lottery,
        }));
    } else {
        println!(
            "演示数据已载入 / demo data loaded: {} ({loaded:.1}s)",
            dir.display()
        );
        crate::output::table(
            &["表 table", "行数 rows"],
            &totals
                .iter()
                .map(|(t, n)| vec![(*t).to_owned(), n.to_string()])
                .collect::<Vec<_>>(),
        );
        println!(
            "\n风险排查：{} 条命中（值得关注的线索，不是结论；qinglian --data {} hits 查看全部）/ screening: {} hits (reasons to look, not verdicts; see all with qinglian --data {} hits)",
            screening.total_hits(),
            dir.display(),
            screening.total_hits(),
            dir.display()
        );
        for h in &samples {
            println!(
                "  · [{}] {}\n    {}",
                h.indicator_id, h.explanation_zh, h.explanation_en
            );
        }
        let states: Vec<String> = walked
            .iter()
            .map(|w| format!("{} {}", w.clue, w.state))
            .collect();
        println!(
            "  演示处置流程（由 demo-supervisor 完成，每步记入账本）/ demo workflow (by demo-supervisor, each step ledgered): {}",
            states.join(", ")
        );
        println!(
            "  演示数据截至 {as_of}；重新排查请加 --as-of {as_of}（默认按今天，逾期类指标会多出命中）\n  the demo data ends on {as_of}: re-screen with --as-of {as_of} (the default is today, which makes more payments overdue)"
        );
        println!(
            "\n演示账号（密码均为 {DEMO_PASSWORD}）/ demo accounts (password {DEMO_PASSWORD} for all):"
        );
        crate::output::table(
            &["用户名 username", "角色 role", "管辖 scope"],
            &accounts
                .iter()
                .map(|(u, r, s)| {
                    vec![
                        u.clone(),
                        format!("{} {}", r.as_str(), r.name_zh()),
                        s.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
    if !json {
        println!(
            "\n阳光招生派位（演示，演练）：{} 名申请人，录取 {} 名；公布目录 {}\nadmission lottery (demo, a rehearsal): {} applicants, {} placed; published in {}",
            lottery.lottery.applicants,
            lottery.lottery.placed.unwrap_or(0),
            lottery.published.display(),
            lottery.lottery.applicants,
            lottery.lottery.placed.unwrap_or(0),
            lottery.published.display()
        );
        println!(
            "  公开核验页 / public page: {}\n  试一户 / try a family: 身份证号 ID {} · 盐值 salt {}（回执 / receipts: {}）",
            lottery.public_page,
            lottery.sample_id,
            lottery.sample_salt,
            lottery.receipts.display()
        );
        let base = ctx
            .settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", ctx.settings.bind));
        println!(
            "\n执法队伍看板（demo-supervisor、demo-commander 登录后可见）/ enforcement team board (sign in as demo-supervisor or demo-commander): {}/enforcement",
            base.trim_end_matches('/')
        );
    }
    if !a.no_serve {
        let services =
            super::serve::services(&store, &env.ledger, &Default::default(), &ctx.settings)?;
        let cards = super::serve::indicator_cards(&Default::default())?;
        super::serve::serve_until_ctrl_c(store.clone(), services, cards, &ctx.settings).await?;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// One account per role, each seeing a different part of the demo county.
async fn create_accounts(
    store: &qinglian_store::Store,
    ledger: &qinglian_store::ledger::Ledger,
) -> anyhow::Result<Vec<(String, Role, String)>> {
    let op = Principal::operator();
    let county = "330106";
    let township = store
        .list_divisions(&op, Some(county))
        .await?
        .into_iter()
        .next()
        .map(|d| d.code)
        .context("演示数据缺少乡镇 / the demo data has no township")?;
    let soe = store
        .list_units(
            &op,
            &UnitFilter {
                kind: Some("soe".into()),
                limit: 1,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .next()
        .context("演示数据缺少国企 / the demo data has no SOE")?;
    let plan: Vec<(&str, Role, Vec<&str>, Vec<String>)> = vec![
        ("demo-admin", Role::Admin, vec!["330000"], vec![]),
        ("demo-supervisor", Role::Supervisor, vec![county], vec![]),
        ("demo-analyst", Role::Analyst, vec!["330100"], vec![]),
        ("demo-auditor", Role::Auditor, vec![county], vec![]),
        (
            "demo-commander",
            Role::Commander,
            vec![township.as_str()],
            vec![],
        ),
        ("demo-unit", Role::Unit, vec![], vec![soe.unit_id.clone()]),
    ];
    let mut out = Vec::new();
    for (name, role, divs, units) in plan {
        let scope = if units.is_empty() {
            divs.join(" ")
        } else {
            format!("{}（{}）", units.join(" "), soe.name)
        };
        store
            .create_user(
                ledger,
                &NewUser {
                    username: name.into(),
                    display_name: format!("演示{}", role.name_zh()),
                    password: DEMO_PASSWORD.into(),
                    role,
                    divisions: divs
                        .iter()
                        .map(|d| DivisionCode::parse(d))
                        .collect::<Result<_, _>>()?,
                    units,
                },
                now(),
            )
            .await?;
        out.push((name.to_owned(), role, scope));
    }
    Ok(out)
}
