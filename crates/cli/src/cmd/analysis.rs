//! The web pages' import, screening and parameter capability ([`qinglian_web::Analysis`]),
//! implemented with the same functions `qinglian import` and `qinglian screen` run, since the
//! web crate links neither the screening engine nor the CLI's import pipeline.

use super::Ctx;
use super::screen::{Run, screen_with};
use crate::config::Settings;
use qinglian_core::{DivisionCode, Msg};
use qinglian_lake::{ImportError, ReadOptions};
use qinglian_screen::params::ParamType;
use qinglian_screen::{Catalogue, Limits, Overrides, ScreenError};
use qinglian_store::Store;
use qinglian_store::ledger::{Ledger, Unit};
use qinglian_web::{
    BoxFuture, EvidenceTable, ImportOutcome, ImportRequest, ImportedDataset, LocalBoxFuture,
    OverrideChange, OverrideValue, ParamDef, Progress, ScreenRequest, ScreenSummary,
    ScreenedIndicator,
};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

pub struct CliAnalysis {
    settings: Settings,
    store: Store,
    ledger: Ledger,
    catalogue: Catalogue,
}

impl CliAnalysis {
    pub fn new(settings: Settings, store: Store, ledger: Ledger, catalogue: Catalogue) -> Self {
        CliAnalysis {
            settings,
            store,
            ledger,
            catalogue,
        }
    }

    fn overrides_path(&self) -> PathBuf {
        self.settings.data.join(qinglian_screen::overrides::FILE)
    }
}

/// The first problem of a refused catalogue, selection or overrides file, with a count of
/// the others.
fn first_msg(e: &ScreenError) -> Msg {
    let all = e.messages();
    let mut m = all
        .first()
        .cloned()
        .unwrap_or_else(|| Msg::new("SCREEN_REFUSED", e.to_string(), e.to_string()));
    if all.len() > 1 {
        m.zh.push_str(&format!("（另有 {} 处）", all.len() - 1));
        m.en.push_str(&format!(" (and {} more)", all.len() - 1));
    }
    m
}

/// The TOML value a form's text stands for, by the parameter's type; text that does not read
/// as the type is passed on as a string, so the type check refuses it with its own message.
fn toml_value(ty: ParamType, text: &str) -> toml::Value {
    let t = text.trim();
    let s = || toml::Value::String(t.to_owned());
    match ty {
        ParamType::Int => t.parse::<i64>().map_or_else(|_| s(), toml::Value::Integer),
        ParamType::Float => t.parse::<f64>().map_or_else(|_| s(), toml::Value::Float),
        ParamType::Bool => match t {
            "true" | "是" => toml::Value::Boolean(true),
            "false" | "否" => toml::Value::Boolean(false),
            _ => s(),
        },
        // Money reads as yuan text (at most two decimals); dates and text as strings.
        ParamType::Money | ParamType::Text | ParamType::Date => s(),
    }
}

/// Applies one change to the overrides file's text and checks the whole result against the
/// catalogue, as `qinglian screen` will read it. Returns the new text.
pub fn edit_overrides(
    text: &str,
    c: &OverrideChange,
    catalogue: &Catalogue,
    source: &str,
) -> Result<String, Msg> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| {
        Msg::new(
            "OVERRIDE_PARSE",
            format!("{source}：无法解析：{}", e.to_string().trim()),
            format!("{source}: cannot parse: {}", e.to_string().trim()),
        )
    })?;
    let (id, code, name) = (c.indicator.trim(), c.division.trim(), c.param.trim());
    let ind = catalogue.get(id).ok_or_else(|| {
        Msg::new(
            "OVERRIDE_INDICATOR",
            format!("指标“{id}”不存在"),
            format!("no indicator '{id}'"),
        )
    })?;
    let def = ind.param(name).ok_or_else(|| {
        Msg::new(
            "OVERRIDE_PARAM",
            format!("指标 {id} 没有参数“{name}”"),
            format!("indicator {id} has no parameter '{name}'"),
        )
    })?;
    let division = DivisionCode::parse(code)?;
    let code = division.as_str().to_owned();
    match &c.value {
        Some(v) => {
            let value = toml_value(def.ty, v);
            def.value_from_toml(&value, &format!("{id} {code} {name}"))?;
            let per_ind = table
                .entry(id.to_owned())
                .or_insert_with(|| toml::Value::Table(Default::default()));
            let per_div = per_ind
                .as_table_mut()
                .ok_or_else(|| shape(source, id))?
                .entry(code)
                .or_insert_with(|| toml::Value::Table(Default::default()));
            per_div
                .as_table_mut()
                .ok_or_else(|| shape(source, id))?
                .insert(name.to_owned(), value);
        }
        None => {
            let removed = table
                .get_mut(id)
                .and_then(toml::Value::as_table_mut)
                .and_then(|t| t.get_mut(&code))
                .and_then(toml::Value::as_table_mut)
                .and_then(|t| t.remove(name));
            if removed.is_none() {
                return Err(Msg::new(
                    "OVERRIDE_MISSING",
                    format!("{id} 在 {code} 没有参数 {name} 的覆盖值，无需删除"),
                    format!("{id} has no override of {name} in {code}: nothing to remove"),
                ));
            }
            // Empty tables would linger in the file as headers without values.
            if let Some(per_ind) = table.get_mut(id).and_then(toml::Value::as_table_mut) {
                per_ind.retain(|_, v| v.as_table().is_none_or(|t| !t.is_empty()));
                if per_ind.is_empty() {
                    table.remove(id);
                }
            }
        }
    }
    let out = toml::to_string(&table).map_err(|e| {
        Msg::new(
            "OVERRIDE_WRITE",
            format!("无法写出参数覆盖：{e}"),
            format!("cannot write the overrides: {e}"),
        )
    })?;
    Overrides::parse(&out, source, catalogue).map_err(|e| first_msg(&e))?;
    Ok(out)
}

fn shape(source: &str, id: &str) -> Msg {
    Msg::new(
        "OVERRIDE_SHAPE",
        format!("{source}：[{id}] 应为以行政区划代码为键的表"),
        format!("{source}: [{id}] should hold tables keyed by division code"),
    )
}

/// Every value of the overrides file, in file order (indicator, division, parameter).
pub fn list_overrides(text: &str, source: &str) -> Result<Vec<OverrideValue>, Msg> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        Msg::new(
            "OVERRIDE_PARSE",
            format!("{source}：无法解析：{}", e.to_string().trim()),
            format!("{source}: cannot parse: {}", e.to_string().trim()),
        )
    })?;
    let mut out = Vec::new();
    for (id, per_div) in &table {
        for (code, values) in per_div.as_table().into_iter().flatten() {
            for (name, v) in values.as_table().into_iter().flatten() {
                out.push(OverrideValue {
                    indicator: id.clone(),
                    division: code.clone(),
                    param: name.clone(),
                    value: v.to_string(),
                });
            }
        }
    }
    Ok(out)
}

fn ts() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl qinglian_web::Analysis for CliAnalysis {
    fn import(&self, req: ImportRequest) -> BoxFuture<'_, anyhow::Result<ImportOutcome>> {
        Box::pin(async move {
            let opts = ReadOptions {
                sheet: req.sheet.clone(),
                encoding: None,
                max_errors: self.settings.max_errors,
                columns: None,
            };
            let plan = vec![(req.dataset.clone(), vec![req.file.clone()])];
            let done = super::import::import_plan(
                &self.settings,
                &self.store,
                &self.ledger,
                plan,
                &opts,
                req.replace,
                &req.actor,
                false,
            )
            .await?;
            Ok(match done {
                Ok(reports) => ImportOutcome::Done(
                    reports
                        .into_iter()
                        .map(|r| ImportedDataset {
                            dataset: r.commit.dataset,
                            rows_written: r.commit.rows_written,
                            registry_rows: r.registry_rows,
                            skipped_files: r.commit.skipped_files.len(),
                            snapshot: r.commit.snapshot,
                            ledger_index: r.ledger_index,
                        })
                        .collect(),
                ),
                Err(ImportError::Invalid { errors, more }) => {
                    ImportOutcome::Refused { errors, more }
                }
                Err(other) => return Err(other.into()),
            })
        })
    }

    fn screen(
        &self,
        req: ScreenRequest,
        progress: Progress,
    ) -> LocalBoxFuture<'_, anyhow::Result<Result<ScreenSummary, Msg>>> {
        Box::pin(async move {
            let selection = match self
                .catalogue
                .select(req.domain.as_deref(), req.indicator.as_deref())
            {
                Ok(s) => s,
                Err(e) => return Ok(Err(first_msg(&e))),
            };
            let as_of = match super::screen::parse_as_of(req.as_of.as_deref()) {
                Ok(d) => d,
                Err(e) => {
                    return Ok(Err(e.downcast::<Msg>().unwrap_or_else(|e| {
                        Msg::new("BAD_DATE", e.to_string(), e.to_string())
                    })));
                }
            };
            let overrides = match Overrides::load(&self.overrides_path(), &self.catalogue) {
                Ok(o) => o,
                Err(e) => return Ok(Err(first_msg(&e))),
            };
            let ctx = Ctx {
                settings: self.settings.clone(),
                json: false,
                quiet: true,
            };
            let progress = move |done: usize, total: usize, id: &str| progress(done, total, id);
            let run = Run {
                selection: &selection,
                overrides: &overrides,
                as_of,
                limits: Limits::default(),
                now: super::now(),
                trigger: None,
                actor: Some(&req.actor),
                progress: Some(&progress),
            };
            let report = screen_with(&ctx, &self.store, &self.ledger, &run).await?;
            let j = report.json();
            let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
            let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
            Ok(Ok(ScreenSummary {
                as_of: s(&j["as_of"]),
                total_hits: n(&j["total_hits"]) as usize,
                new: n(&j["new"]) as usize,
                ledger_index: n(&j["ledger_index"]),
                elapsed_ms: n(&j["elapsed_ms"]),
                indicators: j["indicators"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|i| ScreenedIndicator {
                        id: s(&i["id"]),
                        name_zh: s(&i["name_zh"]),
                        name_en: s(&i["name_en"]),
                        status: s(&i["status"]),
                        hits: n(&i["hits"]) as usize,
                        new: n(&i["new"]) as usize,
                    })
                    .collect(),
            }))
        })
    }

    fn evidence(
        &self,
        hit: qinglian_store::HitRecord,
    ) -> BoxFuture<'_, anyhow::Result<Vec<EvidenceTable>>> {
        Box::pin(async move {
            let recorded = super::screen::hit_of(&hit)?;
            let Some(ind) = self.catalogue.get(&recorded.indicator_id) else {
                return Ok(Vec::new());
            };
            let lake = qinglian_lake::Lake::new(self.settings.lake_dir());
            let mut engine = qinglian_screen::Engine::new(Limits::default())?;
            engine.register_recorded(&lake, &recorded.inputs)?;
            let found = qinglian_screen::evidence::records(&engine, ind, &recorded, 50).await?;
            Ok(found
                .into_iter()
                .map(|e| EvidenceTable {
                    dataset: e.dataset,
                    name_zh: e.name_zh,
                    key: e.key,
                    value: e.value,
                    columns: e.columns,
                    rows: e.rows,
                    truncated: e.truncated,
                    masked: e.masked,
                })
                .collect())
        })
    }

    fn domains(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for i in self.catalogue.all() {
            match out.iter_mut().find(|(d, _)| *d == i.domain) {
                Some((_, ids)) => ids.push(i.id.clone()),
                None => out.push((i.domain.clone(), vec![i.id.clone()])),
            }
        }
        out
    }

    fn params(&self) -> Vec<ParamDef> {
        self.catalogue
            .all()
            .iter()
            .flat_map(|i| {
                i.params.iter().map(|p| ParamDef {
                    indicator: i.id.clone(),
                    name: p.name.clone(),
                    ty: p.ty.as_str().to_owned(),
                    default: super::serve::param_text(&p.default),
                    min: p.min,
                    max: p.max,
                })
            })
            .collect()
    }

    fn overrides(&self) -> Result<Vec<OverrideValue>, Msg> {
        let path = self.overrides_path();
        let source = path.display().to_string();
        // The same check the screening makes, so the page shows a file it would refuse.
        Overrides::load(&path, &self.catalogue).map_err(|e| first_msg(&e))?;
        match std::fs::read_to_string(&path) {
            Ok(text) => list_overrides(&text, &source),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Msg::new(
                "OVERRIDE_IO",
                format!("无法读取 {source}：{e}"),
                format!("cannot read {source}: {e}"),
            )),
        }
    }

    fn set_override(
        &self,
        change: OverrideChange,
    ) -> BoxFuture<'_, anyhow::Result<Result<u64, Msg>>> {
        Box::pin(async move {
            let path = self.overrides_path();
            let source = path.display().to_string();
            // One writer of the data directory at a time (imports, backups, this file).
            let data = self.settings.data.clone();
            let lock =
                tokio::task::spawn_blocking(move || super::backup::data_lock(&data)).await??;
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(e.into()),
            };
            let new_text = match edit_overrides(&text, &change, &self.catalogue, &source) {
                Ok(t) => t,
                Err(m) => return Ok(Err(m)),
            };
            // Written beside the file first, recorded, then swapped in: the file never holds
            // a change the ledger lacks, and a failed append leaves the old file.
            let tmp = path.with_extension("toml.tmp");
            std::fs::write(&tmp, &new_text)?;
            let kind = if change.value.is_some() {
                "override_set"
            } else {
                "override_removed"
            };
            let mut entry = serde_json::json!({
                "kind": kind,
                "indicator": change.indicator.trim(),
                "division": change.division.trim(),
                "param": change.param.trim(),
                "file_sha256": hex::encode(Sha256::digest(new_text.as_bytes())),
                "actor": change.actor,
                "ts": ts(),
            });
            // Canonical entries hold no nulls: a removal simply has no value.
            if let Some(v) = change.value.as_deref() {
                entry["value"] = v.trim().into();
            }
            let about = format!("{}/{}", change.indicator.trim(), change.division.trim());
            let appended = self
                .ledger
                .append(Unit::new(kind, entry).about("overrides", &about))
                .await;
            let appended = match appended {
                Ok(a) => a,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e.into());
                }
            };
            std::fs::rename(&tmp, &path)?;
            drop(lock);
            Ok(Ok(appended.index))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(value: Option<&str>) -> OverrideChange {
        OverrideChange {
            indicator: "SL-R01".into(),
            division: "330106".into(),
            param: "single_min_annual".into(),
            value: value.map(str::to_owned),
            actor: "web:t".into(),
        }
    }

    #[test]
    fn sets_checks_and_removes_an_override() {
        let c = Catalogue::builtin().unwrap();
        let text = edit_overrides("", &change(Some("20000")), &c, "o.toml").unwrap();
        let list = list_overrides(&text, "o.toml").unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].division.as_str(), list[0].value.as_str()),
            ("330106", "\"20000\"")
        );
        // The screening reads it back as 20,000 yuan.
        Overrides::parse(&text, "o.toml", &c).unwrap();
        let bad = edit_overrides(&text, &change(Some("很多")), &c, "o.toml").unwrap_err();
        assert_eq!(bad.code, "IND_PARAM_VALUE");
        assert!(
            bad.zh.contains("很多") && bad.en.contains("yuan"),
            "{bad:?}"
        );
        let unknown = OverrideChange {
            param: "nope".into(),
            ..change(Some("1"))
        };
        assert_eq!(
            edit_overrides("", &unknown, &c, "o.toml").unwrap_err().code,
            "OVERRIDE_PARAM"
        );
        let bad_division = OverrideChange {
            division: "33x".into(),
            ..change(Some("1"))
        };
        assert!(edit_overrides("", &bad_division, &c, "o.toml").is_err());
        let removed = edit_overrides(&text, &change(None), &c, "o.toml").unwrap();
        assert!(list_overrides(&removed, "o.toml").unwrap().is_empty());
        assert!(
            !removed.contains("SL-R01"),
            "no empty tables left: {removed}"
        );
        assert_eq!(
            edit_overrides(&removed, &change(None), &c, "o.toml")
                .unwrap_err()
                .code,
            "OVERRIDE_MISSING"
        );
    }

    #[test]
    fn form_text_becomes_the_parameter_type() {
        assert_eq!(toml_value(ParamType::Int, " 12 "), toml::Value::Integer(12));
        assert_eq!(toml_value(ParamType::Float, "0.5"), toml::Value::Float(0.5));
        assert_eq!(
            toml_value(ParamType::Bool, "是"),
            toml::Value::Boolean(true)
        );
        assert_eq!(
            toml_value(ParamType::Int, "x"),
            toml::Value::String("x".into())
        );
    }
}
