//! `ocds indicators`: the eleven Cardinal parity indicators (OCDS-R003 … R058) on the lake that
//! `import ocds` filled, with Cardinal's settings file, printed as hits or in Cardinal's shape.
//!
//! The indicators are catalogue files like every other (and `screen --domain procurement` stores
//! their hits); this command only maps Cardinal's INI onto their parameters and prints.

use super::Ctx;
use crate::output::{print_json, table};
use clap::Args;
use qinglian_lake::Lake;
use qinglian_ocds::settings::Ini;
use qinglian_screen::params::AS_OF;
use qinglian_screen::parity::{self, CODES, PREFIX, ParityRun};
use qinglian_screen::{Catalogue, Engine, Indicator, Limits, ParamSet, ParamValue};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct IndicatorsArgs {
    /// Cardinal 设置文件（INI）：有节的指标才运行，参数取自其中；省略则 11 项均按 init 默认值 / Cardinal settings file (INI): indicators with a section run, with its parameters; without it all 11 run at init defaults
    #[arg(long, value_name = "INI")]
    pub settings: Option<PathBuf>,
    /// 以 Cardinal indicators 的 JSON 格式输出 / print Cardinal's indicators JSON
    #[arg(long)]
    pub cardinal_json: bool,
    /// 不输出 Meta（四分位数与界限）/ leave out Meta (quartiles and fences)
    #[arg(long)]
    pub no_meta: bool,
}

fn problem(zh: String, en: String) -> ExitCode {
    eprintln!("错误 / error: {zh} / {en}");
    ExitCode::from(2)
}

/// The INI value Cardinal would read for one of the indicator's parameters. The parameters are
/// named after Cardinal's keys; three live outside the indicator's own section.
fn ini_value(ini: &Ini, code: &str, param: &str) -> Option<String> {
    let get = |section: &str, key: &str| ini.section(section).and_then(|s| s.get(key)).cloned();
    match param {
        "excluded_details" => get("exclusions", "procurement_method_details"),
        "detail_thresholds" => ini
            .section(&format!("{code}.procurement_method_details"))
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("|")
            }),
        "currency"
        | "price_comparison_procurement_methods"
        | "no_price_comparison_procurement_methods" => get("", param),
        _ => get(code, param),
    }
}

/// The indicator's parameters: its defaults (Cardinal's `init` defaults) overlaid with the INI.
fn params_for(
    ind: &Indicator,
    code: &str,
    ini: &Ini,
    file: &str,
) -> Result<ParamSet, (String, String)> {
    let mut set = ParamSet(
        ind.params
            .iter()
            .map(|p| (p.name.clone(), p.default.clone()))
            .collect(),
    );
    for p in &ind.params {
        let Some(text) = ini_value(ini, code, &p.name) else {
            continue;
        };
        let v = text.trim();
        let toml_value = match p.ty {
            qinglian_screen::ParamType::Int => v.parse::<i64>().ok().map(toml::Value::Integer),
            qinglian_screen::ParamType::Float => v.parse::<f64>().ok().map(toml::Value::Float),
            _ => Some(toml::Value::String(v.to_owned())),
        };
        let what = format!("{file} [{code}] {}", p.name);
        let value = toml_value
            .ok_or_else(|| {
                (
                    format!(
                        "{what} 应为{}，而不是“{v}”",
                        if p.ty == qinglian_screen::ParamType::Int {
                            "整数"
                        } else {
                            "数字"
                        }
                    ),
                    format!(
                        "{what} must be {}, not '{v}'",
                        if p.ty == qinglian_screen::ParamType::Int {
                            "an integer"
                        } else {
                            "a number"
                        }
                    ),
                )
            })
            .and_then(|t| {
                p.value_from_toml(&t, &what)
                    .map_err(|m| (m.zh.clone(), m.en))
            })?;
        set.0.insert(p.name.clone(), value);
    }
    let today = chrono::Utc::now().date_naive();
    set.0.insert(AS_OF.to_owned(), ParamValue::Date(today));
    Ok(set)
}

pub async fn run(ctx: &Ctx, a: &IndicatorsArgs) -> anyhow::Result<ExitCode> {
    let (ini, file, codes) = match &a.settings {
        None => (Ini::default(), String::new(), CODES.to_vec()),
        Some(p) => {
            let text = match std::fs::read_to_string(p) {
                Ok(t) => t,
                Err(e) => {
                    return Ok(problem(
                        format!("无法读取设置文件 {}：{e}", p.display()),
                        format!("cannot read settings file {}: {e}", p.display()),
                    ));
                }
            };
            let s = match qinglian_ocds::Settings::parse(&text) {
                Ok(s) => s,
                Err(e) => {
                    return Ok(problem(
                        format!("{}：{}", p.display(), e.zh),
                        format!("{}: {}", p.display(), e.en),
                    ));
                }
            };
            let codes = s.enabled_indicators();
            (s.ini, p.display().to_string(), codes)
        }
    };
    let catalogue = Catalogue::builtin()?;
    let lake = Lake::new(ctx.settings.lake_dir());
    let mut engine = Engine::new(Limits::default())?;
    engine.register_lake(&lake)?;
    if !engine.has("ocds_processes") {
        return Ok(problem(
            "数据湖中没有 OCDS 数据，请先运行 qinglian import ocds 文件".into(),
            "the lake holds no OCDS data: run qinglian import ocds FILE first".into(),
        ));
    }
    let mut runs: Vec<ParityRun> = Vec::with_capacity(codes.len());
    for code in codes {
        let id = format!("{PREFIX}{code}");
        let ind = catalogue.get(&id).ok_or_else(|| {
            anyhow::anyhow!("内置目录缺少 {id} / the built-in catalogue lacks {id}")
        })?;
        let params = match params_for(ind, code, &ini, &file) {
            Ok(p) => p,
            Err((zh, en)) => return Ok(problem(zh, en)),
        };
        runs.push(parity::run(&engine, ind, &params).await?);
    }
    if a.cardinal_json {
        // One line, as Cardinal prints it.
        println!("{}", parity::cardinal_json(&runs, !a.no_meta));
    } else if ctx.json {
        let hits: Vec<_> = runs.iter().flat_map(|r| &r.hits).collect();
        print_json(&hits);
    } else {
        let rows: Vec<Vec<String>> = runs
            .iter()
            .flat_map(|r| &r.hits)
            .map(|h| {
                vec![
                    h.indicator_id.clone(),
                    h.subject.get("group_name").cloned().unwrap_or_default(),
                    h.subject.get("subject_id").cloned().unwrap_or_default(),
                    h.explanation_zh.clone(),
                ]
            })
            .collect();
        table(
            &[
                "指标 / indicator",
                "类别 / group",
                "对象 / subject",
                "说明 / explanation",
            ],
            &rows,
        );
        for r in &runs {
            eprintln!("{PREFIX}{}: {} 条线索 / hits", r.code, r.hits.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
