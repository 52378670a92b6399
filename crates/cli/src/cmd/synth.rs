//! `synth`: deterministic synthetic data.

use crate::cli::SynthArgs;
use crate::output::{print_json, table};
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;

pub fn generate(
    scale: &str,
    seed: u64,
    out: &std::path::Path,
    quiet: bool,
) -> anyhow::Result<qinglian_synth::Summary> {
    let scale: qinglian_synth::Scale = scale.parse().map_err(|_| {
        anyhow::anyhow!("未知规模“{scale}”：应为 county、city 或 province / unknown scale '{scale}': expected county, city or province")
    })?;
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{msg:18} [{bar:40}] {pos}/{len}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    if quiet {
        pb.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let opts = qinglian_synth::Options {
        scale,
        seed,
        out: out.to_path_buf(),
    };
    let summary = qinglian_synth::generate(&opts, &|ds, done, total| {
        pb.set_message(ds.to_owned());
        pb.set_length(total);
        pb.set_position(done);
    })?;
    pb.finish_and_clear();
    Ok(summary)
}

pub fn run(a: &SynthArgs, json: bool) -> anyhow::Result<ExitCode> {
    let summary = generate(&a.scale, a.seed, &a.out, json)?;
    let rows: Vec<Vec<String>> = summary
        .files
        .iter()
        .map(|f| {
            vec![
                f.dataset.clone(),
                f.rows.to_string(),
                f.path.display().to_string(),
            ]
        })
        .collect();
    if json {
        let v: Vec<_> = summary
            .files
            .iter()
            .map(|f| serde_json::json!({"dataset": f.dataset, "rows": f.rows, "path": f.path}))
            .collect();
        print_json(&v);
    } else {
        table(&["数据集 dataset", "行数 rows", "文件 file"], &rows);
    }
    Ok(ExitCode::SUCCESS)
}
