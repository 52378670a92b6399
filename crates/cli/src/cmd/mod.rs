//! One module per command family. Each returns the process exit code: 0 success,
//! 1 refused input or failed check, 2 usage or I/O problem.

mod analysis;
mod backup;
mod clues;
mod demo;
mod demo_walk;
pub mod enforcement;
mod import;
mod info;
mod init;
mod jobs;
mod ledger;
mod letters;
pub mod lottery;
pub mod ocds;
mod ocds_indicators;
mod ocds_risk;
mod screen;
mod serve;
mod synth;
mod users;

use crate::cli::{Cli, Command};
use crate::config::{Overrides, Settings};
use std::process::ExitCode;

pub use init::ensure_store;

pub struct Ctx {
    pub settings: Settings,
    pub json: bool,
    /// Print nothing on success (the demo prints its own summary).
    pub quiet: bool,
}

pub async fn run(cli: Cli, data_from_flag: bool) -> anyhow::Result<ExitCode> {
    let g = &cli.global;
    let mut o = Overrides {
        data: g.data.clone(),
        database_url: g.database_url.clone(),
        config: g.config.clone(),
        log: g.log.clone(),
        ledger_key: g.ledger_key.clone(),
        ..Default::default()
    };
    match &cli.command {
        Command::Import(a) => o.max_errors = a.max_errors,
        Command::ImportDir(a) => o.max_errors = a.max_errors,
        Command::Init(a) => o.ledger_origin = a.origin.clone(),
        Command::Serve(a) => web_overrides(&mut o, &a.web),
        Command::Demo(a) => web_overrides(&mut o, &a.web),
        Command::Clues(crate::cli::CluesArgs {
            cmd: crate::cli::CluesCmd::Item(crate::cli::ItemCmd::Verify(a)),
            ..
        }) => o.cooldown_days = a.cooldown_days,
        Command::Jobs(crate::cli::JobsCmd::Run(a)) => {
            o.escalation_days = a.escalation_days;
            o.screen_every_days = a.screen_every_days;
            o.cooldown_days = a.cooldown_days;
        }
        _ => {}
    }
    let json = g.json;
    match cli.command {
        // The demo keeps to its own folder: an explicit --data, else ./qinglian-demo, never QINGLIAN_DATA.
        Command::Demo(a) => {
            let dir = if data_from_flag { o.data.clone() } else { None };
            demo::run(
                dir.unwrap_or_else(|| "./qinglian-demo".into()),
                &a,
                &o,
                json,
            )
            .await
        }
        Command::Synth(a) => synth::run(&a, json),
        // Needs nothing but the file and the key: no settings, no store.
        Command::Ledger(crate::cli::LedgerCmd::VerifyRecord { file, vkey }) => {
            ledger::verify_record(&file, &vkey, json)
        }
        Command::Ledger(crate::cli::LedgerCmd::VerifyReceipt { file, vkey }) => {
            ledger::verify_receipt(&file, &vkey, json)
        }
        // Offline: no settings, no store, no data directory.
        Command::Lottery(lottery::LotteryCmd::Verify(v)) => Ok(lottery::verify(v, json)),
        // Works on files only: no settings, no store (`ocds indicators` reads the lake, below).
        Command::Ocds(c) if !matches!(c, ocds::OcdsCmd::Indicators(_) | ocds::OcdsCmd::Risk(_)) => {
            Ok(ocds::run(c, json))
        }
        Command::Datasets(a) => info::datasets(a.name.as_deref(), json),
        // The catalogue ships inside the binary: no settings, no store, no data directory.
        Command::Indicators(c) => screen::indicators(c, json, &o).await,
        command => {
            let ctx = Ctx {
                settings: Settings::resolve(&o)?,
                json,
                quiet: false,
            };
            match command {
                Command::Init(_) => init::run(&ctx).await,
                Command::Config => info::config(&ctx),
                Command::Import(a) => import::import(&ctx, &a).await,
                Command::ImportDir(a) => import::import_dir(&ctx, &a.dir, a.replace).await,
                Command::Registry(a) => info::registry(&ctx, &a).await,
                Command::Users(c) => users::users(&ctx, c).await,
                Command::Tokens(c) => users::tokens(&ctx, c).await,
                Command::Serve(a) => serve::run(&ctx, &a.catalogue).await,
                Command::Ledger(c) => ledger::run(&ctx, c).await,
                Command::Backup { dir } => backup::backup(&ctx, &dir).await,
                Command::Restore { dir } => backup::restore(&ctx, &dir).await,
                Command::Screen(a) => screen::screen(&ctx, &a).await,
                Command::Hits(crate::cli::HitsArgs {
                    action: Some(crate::cli::HitsCmd::Decide { id, decision, note }),
                    who,
                    ..
                }) => clues::decide(&ctx, &who, &id, &decision, note.as_deref()).await,
                Command::Hits(crate::cli::HitsArgs {
                    action: Some(crate::cli::HitsCmd::Queue { limit, catalogue }),
                    who,
                    ..
                }) => clues::queue(&ctx, &who, limit, &catalogue).await,
                Command::Hits(a) => screen::hits(&ctx, a).await,
                Command::Clues(c) => clues::run(&ctx, c).await,
                Command::Letters(c) => letters::run(&ctx, c).await,
                Command::Jobs(c) => jobs::run(&ctx, c).await,
                Command::Inbox(a) => jobs::inbox(&ctx, &a).await,
                Command::Report(a) => jobs::report(&ctx, &a).await,
                Command::Lottery(c) => lottery::run(&ctx, c).await,
                Command::Enforcement(c) => enforcement::run(&ctx, c).await,
                Command::Ocds(ocds::OcdsCmd::Indicators(a)) => ocds_indicators::run(&ctx, &a).await,
                Command::Ocds(ocds::OcdsCmd::Risk(a)) => ocds_risk::run(&ctx, &a).await,
                Command::Demo(_)
                | Command::Synth(_)
                | Command::Datasets(_)
                | Command::Ocds(_)
                | Command::Indicators(_) => {
                    unreachable!("handled above")
                }
            }
        }
    }
}

fn web_overrides(o: &mut Overrides, w: &crate::cli::WebArgs) {
    o.bind = w.bind.clone();
    o.public_url = w.public_url.clone();
    o.session_hours = w.session_hours;
    o.login_max_failures = w.login_max_failures;
    o.login_window_minutes = w.login_window_minutes;
    o.reports_per_hour = w.reports_per_hour;
    o.report_max_mib = w.report_max_mib;
    o.evidence_max_mib = w.evidence_max_mib;
    o.import_max_mib = w.import_max_mib;
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
