//! `qinglian`: the one binary. Parses the command line, resolves settings, and wires the
//! library crates together; the work itself lives in those crates.

mod cli;
mod cmd;
mod config;
mod keys;
mod output;
mod registry_load;

use clap::{CommandFactory, FromArgMatches, parser::ValueSource};
use std::process::ExitCode;

/// Puts Chinese beside clap's English headings, on every subcommand.
fn localise(cmd: clap::Command) -> clap::Command {
    cmd.help_template("{about-with-newline}\n用法 / Usage: {usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令 / Commands")
        .mut_args(|a| {
            if a.get_help_heading().is_some() {
                a
            } else if a.is_positional() {
                a.help_heading("参数 / Arguments")
            } else {
                a.help_heading("选项 / Options")
            }
        })
        .mut_subcommands(localise)
}

fn main() -> ExitCode {
    let matches = localise(cli::Cli::command()).get_matches();
    let data_from_flag = matches!(matches.value_source("data"), Some(ValueSource::CommandLine));
    let args = match cli::Cli::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let log = args.global.log.clone().unwrap_or_else(|| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&log).unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时 / cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(cmd::run(args, data_from_flag)) {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(1)
        }
    }
}
