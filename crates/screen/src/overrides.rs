//! Per-region parameter overrides (`overrides.toml` in the data directory).
//!
//! ```toml
//! # 指标编号 → 行政区划代码 → 参数 = 取值 / indicator id → division code → parameter = value
//! ["SL-R01"."330100"]          # 杭州市
//! single_asset_min_rent = 30000
//!
//! ["SL-R01"."330106"]          # 西湖区: beats the city for units inside 330106
//! single_asset_min_rent = 20000
//! ```
//!
//! Resolution is level-aware (design §7): for a unit in division D, the defaults are taken, then
//! every override whose division contains D is applied from the widest level to the narrowest,
//! so a county override beats a city one, and a city one still supplies what the county leaves
//! unset. Values are checked against the parameter's type and bounds when the file is read.

use crate::catalogue::Catalogue;
use crate::error::{Result, ScreenError};
use crate::indicator::Indicator;
use crate::params::{AS_OF, ParamSet, ParamValue};
use chrono::NaiveDate;
use qinglian_core::{DivisionCode, Msg};
use std::collections::BTreeMap;
use std::path::Path;

/// File name of the overrides, in the data directory.
pub const FILE: &str = "overrides.toml";

/// One region's values for one indicator.
type RegionValues = (DivisionCode, BTreeMap<String, ParamValue>);

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Indicator id → regions sorted from the widest level to the narrowest.
    by_indicator: BTreeMap<String, Vec<RegionValues>>,
}

impl Overrides {
    /// Reads `path`; a missing file means no overrides.
    pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Overrides> {
        match std::fs::read_to_string(path) {
            Ok(text) => Overrides::parse(&text, &path.display().to_string(), catalogue),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Overrides::default()),
            Err(e) => Err(ScreenError::msg(
                "OVERRIDE_IO",
                format!("无法读取参数覆盖文件 {}：{e}", path.display()),
                format!("cannot read the overrides file {}: {e}", path.display()),
            )),
        }
    }

    pub fn parse(text: &str, source: &str, catalogue: &Catalogue) -> Result<Overrides> {
        let invalid = |errors: Vec<Msg>| ScreenError::Invalid {
            file: source.to_owned(),
            errors,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            invalid(vec![Msg::new(
                "OVERRIDE_PARSE",
                format!("{source}：无法解析：{}", e.to_string().trim()),
                format!("{source}: cannot parse: {}", e.to_string().trim()),
            )])
        })?;
        let mut errors = Vec::new();
        let mut by_indicator = BTreeMap::new();
        for (id, per_division) in &table {
            let Some(ind) = catalogue.get(id) else {
                errors.push(Msg::new(
                    "OVERRIDE_INDICATOR",
                    format!("{source}：指标“{id}”不存在（见 qinglian indicators list）"),
                    format!("{source}: no indicator '{id}' (see qinglian indicators list)"),
                ));
                continue;
            };
            let Some(per_division) = per_division.as_table() else {
                errors.push(Msg::new(
                    "OVERRIDE_SHAPE",
                    format!("{source}：[{id}] 下应为以行政区划代码为键的表，如 [\"{id}\".\"330106\"]"),
                    format!("{source}: [{id}] should hold tables keyed by division code, e.g. [\"{id}\".\"330106\"]"),
                ));
                continue;
            };
            let mut list = Vec::new();
            for (code, values) in per_division {
                let division = match DivisionCode::parse(code) {
                    Ok(d) => d,
                    Err(m) => {
                        errors.push(Msg::new(
                            "OVERRIDE_DIVISION",
                            format!("{source}：[{id}.{code}] {}", m.zh),
                            format!("{source}: [{id}.{code}] {}", m.en),
                        ));
                        continue;
                    }
                };
                let Some(values) = values.as_table() else {
                    errors.push(Msg::new(
                        "OVERRIDE_SHAPE",
                        format!("{source}：[{id}.{code}] 应为“参数 = 取值”的表"),
                        format!("{source}: [{id}.{code}] should be a table of parameter = value"),
                    ));
                    continue;
                };
                let mut parsed = BTreeMap::new();
                for (name, v) in values {
                    let what = format!("{source} [{id}.{code}] {name}");
                    match ind.param(name) {
                        None => errors.push(Msg::new(
                            "OVERRIDE_PARAM",
                            format!(
                                "{what}：指标 {id} 没有参数“{name}”（可用：{}）",
                                param_names(ind)
                            ),
                            format!(
                                "{what}: indicator {id} has no parameter '{name}' (known: {})",
                                param_names(ind)
                            ),
                        )),
                        Some(def) => match def.value_from_toml(v, &what) {
                            Ok(value) => {
                                parsed.insert(name.clone(), value);
                            }
                            Err(m) => errors.push(m),
                        },
                    }
                }
                list.push((division, parsed));
            }
            list.sort_by(|a, b| (a.0.level(), &a.0).cmp(&(b.0.level(), &b.0)));
            by_indicator.insert(id.clone(), list);
        }
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        Ok(Overrides { by_indicator })
    }

    /// The parameters that apply to a unit in `division` (None: unknown, defaults only).
    pub fn effective(
        &self,
        ind: &Indicator,
        division: Option<&DivisionCode>,
        as_of: NaiveDate,
    ) -> ParamSet {
        let mut set: BTreeMap<String, ParamValue> = ind
            .params
            .iter()
            .map(|p| (p.name.clone(), p.default.clone()))
            .collect();
        set.insert(AS_OF.to_owned(), ParamValue::Date(as_of));
        if let (Some(d), Some(list)) = (division, self.by_indicator.get(&ind.id)) {
            for (region, values) in list {
                if region.contains(d) {
                    set.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        ParamSet(set)
    }

    /// Every distinct parameter set the indicator needs across regions (defaults first).
    pub fn distinct_sets(&self, ind: &Indicator, as_of: NaiveDate) -> Vec<ParamSet> {
        let mut sets = vec![self.effective(ind, None, as_of)];
        for (region, _) in self.by_indicator.get(&ind.id).into_iter().flatten() {
            let s = self.effective(ind, Some(region), as_of);
            if !sets.contains(&s) {
                sets.push(s);
            }
        }
        sets
    }

    pub fn is_empty(&self) -> bool {
        self.by_indicator.is_empty()
    }
}

fn param_names(ind: &Indicator) -> String {
    let names: Vec<&str> = ind.params.iter().map(|p| p.name.as_str()).collect();
    if names.is_empty() {
        "无 / none".to_owned()
    } else {
        names.join(", ")
    }
}
