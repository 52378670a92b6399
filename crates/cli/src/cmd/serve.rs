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
    }
}

/// Binds, prints the address (scripts wait for this line), and serves until Ctrl-C.
pub async fn serve_until_ctrl_c(store: Store, s: &Settings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&s.bind)
        .await
        .with_context(|| format!("无法监听 {0} / cannot listen on {0}", s.bind))?;
    let addr = listener.local_addr()?;
    println!("服务已启动 / listening on http://{addr}  （Ctrl-C 停止 / to stop）");
    qinglian_web::serve(listener, store, web_config(s), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

pub async fn run(ctx: &Ctx, catalogue: &crate::cli::CatalogueArgs) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let store = env.store;
    // Background jobs (escalation, routine screening, re-checks) every `jobs::SCHEDULE`.
    let jobs = super::jobs::spawn_periodic(
        store.clone(),
        env.ledger,
        ctx.settings.clone(),
        catalogue.indicators.clone(),
    );
    let served = serve_until_ctrl_c(store.clone(), &ctx.settings).await;
    jobs.stop().await;
    served?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
