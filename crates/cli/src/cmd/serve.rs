//! `serve`: the web server until Ctrl-C.

use super::{Ctx, ensure_store};
use crate::config::Settings;
use anyhow::Context;
use qinglian_store::Store;
use std::process::ExitCode;

pub fn web_config(s: &Settings) -> qinglian_web::WebConfig {
    qinglian_web::WebConfig {
        public_url: s.public_url.clone(),
        session_ttl_secs: s.session_hours * 3600,
        login_max_failures: s.login_max_failures,
        login_window_secs: s.login_window_minutes * 60,
        report_max_per_window: s.reports_per_hour,
        report_window_secs: 3600,
        report_body_limit: s.report_max_mib.saturating_mul(1 << 20),
        evidence_body_limit: s.evidence_max_mib.saturating_mul(1 << 20),
        cooldown_days: s.cooldown_days,
        import_body_limit: s.import_max_mib.saturating_mul(1 << 20),
        ..Default::default()
    }
}

/// What lets the server change state: the ledger writer, the indicator catalogue (letters),
/// and import, screening and parameter overrides as the command line runs them.
pub fn services(
    store: &Store,
    ledger: &qinglian_store::ledger::Ledger,
    catalogue: &crate::cli::CatalogueArgs,
    settings: &Settings,
) -> anyhow::Result<qinglian_web::Services> {
    let c = qinglian_screen::Catalogue::load(&catalogue.indicators)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let infos = super::clues::indicator_infos(&c);
    let analysis =
        super::analysis::CliAnalysis::new(settings.clone(), store.clone(), ledger.clone(), c);
    Ok(qinglian_web::Services {
        ledger: ledger.clone(),
        indicators: std::sync::Arc::new(infos),
        analysis: Some(std::sync::Arc::new(analysis)),
        enforcement: Some(std::sync::Arc::new(
            super::enforcement::CliEnforcement::new(settings.lake_dir(), ledger.clone()),
        )),
    })
}

/// A parameter's value as the rule card and the parameter page show it.
pub fn param_text(v: &qinglian_screen::ParamValue) -> String {
    use qinglian_screen::ParamValue;
    match v {
        ParamValue::Int(v) => v.to_string(),
        ParamValue::Float(v) => v.to_string(),
        ParamValue::Money(fen) => format!("{} 元", qinglian_core::money::format_yuan(*fen)),
        ParamValue::Bool(true) => "是 true".into(),
        ParamValue::Bool(false) => "否 false".into(),
        ParamValue::Text(t) => t.clone(),
        ParamValue::Date(d) => d.to_string(),
    }
}

/// The cockpit's rule cards from the indicator catalogue (the web crate does not link the
/// screening engine): names, reasons, basis, parameters with their shipped defaults.
pub fn indicator_cards(
    catalogue: &crate::cli::CatalogueArgs,
) -> anyhow::Result<Vec<qinglian_web::IndicatorCard>> {
    let c = qinglian_screen::Catalogue::load(&catalogue.indicators)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(c.all()
        .iter()
        .map(|i| qinglian_web::IndicatorCard {
            id: i.id.clone(),
            version: i.version.to_string(),
            domain: i.domain.clone(),
            kind: i.kind.as_str().to_owned(),
            severity: i.severity.as_str().to_owned(),
            unit_kinds: i.unit_kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            name_zh: i.name_zh.clone(),
            name_en: i.name_en.clone(),
            why_zh: i.why_zh.trim().to_owned(),
            why_en: i.why_en.trim().to_owned(),
            legal_basis_zh: i.legal_basis_zh.trim().to_owned(),
            legal_basis_en: i.legal_basis_en.trim().to_owned(),
            exclusions_zh: i.exclusions_zh.trim().to_owned(),
            exclusions_en: i.exclusions_en.trim().to_owned(),
            params: i
                .params
                .iter()
                .map(|p| qinglian_web::IndicatorParam {
                    name: p.name.clone(),
                    default: param_text(&p.default),
                    description_zh: p.description_zh.trim().to_owned(),
                    description_en: p.description_en.trim().to_owned(),
                })
                .collect(),
        })
        .collect())
}

/// Binds, prints the address (scripts wait for this line), and serves until Ctrl-C.
pub async fn serve_until_ctrl_c(
    store: Store,
    services: qinglian_web::Services,
    cards: Vec<qinglian_web::IndicatorCard>,
    s: &Settings,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&s.bind)
        .await
        .with_context(|| format!("无法监听 {0} / cannot listen on {0}", s.bind))?;
    let addr = listener.local_addr()?;
    println!("服务已启动 / listening on http://{addr}  （Ctrl-C 停止 / to stop）");
    let cfg = qinglian_web::WebConfig {
        indicators: cards,
        ..web_config(s)
    };
    qinglian_web::serve(listener, store, Some(services), cfg, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

pub async fn run(ctx: &Ctx, catalogue: &crate::cli::CatalogueArgs) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let store = env.store;
    let services = services(&store, &env.ledger, catalogue, &ctx.settings)?;
    let cards = indicator_cards(catalogue)?;
    // Background jobs (escalation, routine screening, re-checks) every `jobs::SCHEDULE`.
    let jobs = super::jobs::spawn_periodic(
        store.clone(),
        env.ledger,
        ctx.settings.clone(),
        catalogue.indicators.clone(),
    );
    let served = serve_until_ctrl_c(store.clone(), services, cards, &ctx.settings).await;
    jobs.stop().await;
    served?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
