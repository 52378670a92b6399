//! The indicator catalogue: the files shipped inside the binary plus the user's own
//! directories (`--indicators DIR`, `QINGLIAN_INDICATORS`).

use crate::error::{Result, ScreenError};
use crate::indicator::{self, Indicator};
use qinglian_core::Msg;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/builtin_indicators.rs"));

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    indicators: Vec<Indicator>,
}

fn stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".toml").unwrap_or(name)
}

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            toml_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

impl Catalogue {
    /// The shipped catalogue. Its files are checked by the test suite, so an error here means a
    /// broken build; it is still reported, not panicked on.
    pub fn builtin() -> Result<Catalogue> {
        Catalogue::load(&[])
    }

    /// The shipped catalogue plus every `*.toml` under each user directory. All problems of
    /// all files are reported together.
    pub fn load(user_dirs: &[PathBuf]) -> Result<Catalogue> {
        let mut parsed: Vec<Result<Indicator>> = Vec::new();
        let mut errors: Vec<Msg> = Vec::new();
        for (path, text) in BUILTIN.iter().filter(|(p, _)| p.ends_with(".toml")) {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            let beside = |name: &str| {
                let want = if dir.is_empty() {
                    name.to_owned()
                } else {
                    format!("{dir}/{name}")
                };
                BUILTIN
                    .iter()
                    .find(|(p, _)| *p == want)
                    .map(|(_, t)| (*t).to_owned())
            };
            parsed.push(indicator::parse(
                text,
                &format!("builtin:{path}"),
                stem(path),
                true,
                &beside,
            ));
        }
        for dir in user_dirs {
            let mut files = Vec::new();
            if let Err(e) = toml_files(dir, &mut files) {
                errors.push(Msg::new(
                    "IND_DIR",
                    format!("无法读取指标目录 {}：{e}", dir.display()),
                    format!("cannot read the indicator directory {}: {e}", dir.display()),
                ));
                continue;
            }
            files.sort();
            for f in files {
                let source = f.display().to_string();
                let text = match std::fs::read_to_string(&f) {
                    Ok(t) => t,
                    Err(e) => {
                        errors.push(Msg::new(
                            "IND_DIR",
                            format!("无法读取 {source}：{e}"),
                            format!("cannot read {source}: {e}"),
                        ));
                        continue;
                    }
                };
                let parent = f.parent().map(Path::to_path_buf).unwrap_or_default();
                let beside = |name: &str| std::fs::read_to_string(parent.join(name)).ok();
                let stem = f
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                parsed.push(indicator::parse(&text, &source, &stem, false, &beside));
            }
        }
        let mut indicators = Vec::new();
        for r in parsed {
            match r {
                Ok(i) => indicators.push(i),
                Err(e) => errors.extend(e.messages()),
            }
        }
        indicators.sort_by(|a, b| a.id.cmp(&b.id).then(a.builtin.cmp(&b.builtin).reverse()));
        for w in indicators.windows(2) {
            if w[0].id == w[1].id {
                errors.push(Msg::new(
                    "IND_DUPLICATE",
                    format!(
                        "指标编号 {} 重复：{} 与 {}（调整内置指标的参数请用 overrides.toml）",
                        w[0].id, w[0].source, w[1].source
                    ),
                    format!(
                        "indicator id {} appears twice: {} and {} (to tune a shipped indicator use overrides.toml)",
                        w[0].id, w[0].source, w[1].source
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ScreenError::Invalid {
                file: "指标目录 / indicator catalogue".to_owned(),
                errors,
            });
        }
        Ok(Catalogue { indicators })
    }

    /// Every indicator, sorted by id.
    pub fn all(&self) -> &[Indicator] {
        &self.indicators
    }

    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The indicators of a domain and/or one id; an unknown name is an error.
    pub fn select(&self, domain: Option<&str>, id: Option<&str>) -> Result<Vec<&Indicator>> {
        if let Some(id) = id
            && self.get(id).is_none()
        {
            return Err(ScreenError::msg(
                "IND_UNKNOWN",
                format!("指标“{id}”不存在（见 qinglian indicators list）"),
                format!("no indicator '{id}' (see qinglian indicators list)"),
            ));
        }
        if let Some(d) = domain
            && !self.indicators.iter().any(|i| i.domain == d)
        {
            let domains: Vec<&str> = self
                .indicators
                .iter()
                .map(|i| i.domain.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(ScreenError::msg(
                "IND_UNKNOWN_DOMAIN",
                format!("领域“{d}”没有指标；可用：{}", domains.join("、")),
                format!(
                    "no indicators in domain '{d}'; known: {}",
                    domains.join(", ")
                ),
            ));
        }
        Ok(self
            .indicators
            .iter()
            .filter(|i| domain.is_none_or(|d| i.domain == d) && id.is_none_or(|x| i.id == x))
            .collect())
    }

    /// For tests: a catalogue of given indicators.
    pub fn from_indicators(mut indicators: Vec<Indicator>) -> Catalogue {
        indicators.sort_by(|a, b| a.id.cmp(&b.id));
        Catalogue { indicators }
    }
}
