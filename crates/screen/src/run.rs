//! A screening run: every selected indicator on one engine, with per-region parameters, unit
//! lookups and a result per indicator (hits, or why it could not run).

use crate::engine::{Engine, InputRef};
use crate::error::Result;
use crate::hit::{Hit, UnitInfo, hits_from_batches};
use crate::indicator::Indicator;
use crate::overrides::Overrides;
use crate::params::ParamSet;
use chrono::NaiveDate;
use datafusion::arrow::array::AsArray;
use qinglian_core::{DivisionCode, Msg};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Ran,
    /// A dataset it reads is not in the lake: said, not silently skipped.
    NotComputable {
        reason: Msg,
    },
    /// Outside its validity dates on the run date.
    NotInForce,
    Failed {
        error: Msg,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub indicator_id: String,
    pub indicator_version: String,
    pub domain: String,
    pub name_zh: String,
    pub name_en: String,
    pub status: Status,
    pub hits: Vec<Hit>,
    pub elapsed_ms: u64,
    /// Rows in the datasets the indicator reads.
    pub rows_read: u64,
}

/// Looks up every unit's kind and division once per run (from the `units` dataset if present).
pub async fn unit_index(engine: &Engine) -> Result<BTreeMap<String, UnitInfo>> {
    let mut out = BTreeMap::new();
    if !engine.has("units") {
        return Ok(out);
    }
    let batches = engine
        .query_internal("SELECT unit_id, kind, division_code FROM units")
        .await?;
    for b in &batches {
        let ids = b.column(0).as_string::<i32>();
        let kinds = b.column(1).as_string::<i32>();
        let divs = b.column(2).as_string::<i32>();
        for i in 0..b.num_rows() {
            out.insert(
                ids.value(i).to_owned(),
                UnitInfo {
                    kind: kinds.value(i).to_owned(),
                    division_code: divs.value(i).to_owned(),
                },
            );
        }
    }
    Ok(out)
}

/// The inputs a hit of `ind` records: the datasets it reads, and `units` (kind, division).
pub(crate) fn inputs_of(engine: &Engine, ind: &Indicator) -> BTreeMap<String, InputRef> {
    engine
        .inputs()
        .iter()
        .filter(|(d, _)| ind.datasets.contains(d) || d.as_str() == "units")
        .map(|(d, i)| (d.clone(), i.clone()))
        .collect()
}

/// Runs one indicator with every parameter set its overrides need, keeping each hit only
/// from the run whose parameters apply to the hit's unit.
pub async fn run_indicator(
    engine: &Engine,
    ind: &Indicator,
    overrides: &Overrides,
    as_of: NaiveDate,
    units: &BTreeMap<String, UnitInfo>,
) -> Result<Vec<Hit>> {
    let inputs = inputs_of(engine, ind);
    let mut hits = Vec::new();
    for set in overrides.distinct_sets(ind, as_of) {
        let batches = engine.execute(ind, &set).await?;
        for h in hits_from_batches(ind, &batches, &set, &inputs, units)? {
            let division = h
                .division_code
                .as_deref()
                .and_then(|d| DivisionCode::parse(d).ok());
            if overrides.effective(ind, division.as_ref(), as_of) == set {
                hits.push(h);
            }
        }
    }
    hits.sort_by(|a, b| a.subject.cmp(&b.subject).then(a.id.cmp(&b.id)));
    hits.dedup_by(|a, b| a.id == b.id);
    Ok(hits)
}

/// Screens every indicator in `selection`; `progress(done, total, id)` after each one.
pub async fn screen(
    engine: &Engine,
    selection: &[&Indicator],
    overrides: &Overrides,
    as_of: NaiveDate,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Vec<Outcome>> {
    let units = unit_index(engine).await?;
    let mut out = Vec::with_capacity(selection.len());
    for (n, ind) in selection.iter().enumerate() {
        progress(n, selection.len(), &ind.id);
        let started = Instant::now();
        let missing: Vec<&str> = ind
            .datasets
            .iter()
            .filter(|d| !engine.has(d))
            .map(String::as_str)
            .collect();
        let rows_read = ind
            .datasets
            .iter()
            .filter_map(|d| engine.inputs().get(d))
            .map(|i| i.rows)
            .sum();
        let (status, hits) = if !ind.in_force(as_of) {
            (Status::NotInForce, vec![])
        } else if !missing.is_empty() {
            (
                Status::NotComputable {
                    reason: Msg::new(
                        "SCREEN_DATASET_MISSING",
                        format!(
                            "无法计算：数据湖中没有数据集 {}（先用 qinglian import 导入）",
                            missing.join("、")
                        ),
                        format!(
                            "not computable: the lake has no dataset {} (import it with qinglian import)",
                            missing.join(", ")
                        ),
                    ),
                },
                vec![],
            )
        } else {
            match run_indicator(engine, ind, overrides, as_of, &units).await {
                Ok(h) => (Status::Ran, h),
                Err(e) => (
                    Status::Failed {
                        error: e
                            .messages()
                            .into_iter()
                            .next()
                            .unwrap_or_else(|| Msg::new("SCREEN_EXEC", "运行失败", "failed")),
                    },
                    vec![],
                ),
            }
        };
        out.push(Outcome {
            indicator_id: ind.id.clone(),
            indicator_version: ind.version.to_string(),
            domain: ind.domain.clone(),
            name_zh: ind.name_zh.clone(),
            name_en: ind.name_en.clone(),
            status,
            hits,
            elapsed_ms: started.elapsed().as_millis() as u64,
            rows_read,
        });
    }
    progress(selection.len(), selection.len(), "");
    Ok(out)
}

/// What `hits rerun` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rerun {
    /// The same hit (same id, values, thresholds and texts) came out again.
    pub reproduced: bool,
    /// The hit as re-computed, if the indicator still fires for the subject.
    pub hit: Option<Hit>,
    /// Every difference, in both languages.
    pub differences: Vec<Msg>,
}

/// Re-executes an indicator on the snapshot and parameters a hit recorded.
pub async fn rerun(engine: &Engine, ind: &Indicator, recorded: &Hit) -> Result<Rerun> {
    let mut differences = Vec::new();
    if ind.version.to_string() != recorded.indicator_version {
        differences.push(Msg::new(
            "RERUN_VERSION",
            format!(
                "指标版本已由 {} 变为 {}（按当前版本重新计算）",
                recorded.indicator_version, ind.version
            ),
            format!(
                "the indicator version changed from {} to {} (re-computed with the current one)",
                recorded.indicator_version, ind.version
            ),
        ));
    }
    let params = ParamSet::from_recorded(&ind.param_types(), &recorded.params)?;
    let units = unit_index(engine).await?;
    let batches = engine.execute(ind, &params).await?;
    let inputs = inputs_of(engine, ind);
    let hits = hits_from_batches(ind, &batches, &params, &inputs, &units)?;
    let found = hits.into_iter().find(|h| h.subject == recorded.subject);
    match &found {
        None => differences.push(Msg::new(
            "RERUN_NO_LONGER_FIRES",
            "在记录的数据快照与参数上重新计算，该主体不再命中",
            "re-computed on the recorded snapshot and parameters, the subject no longer fires",
        )),
        Some(h) => {
            let mut diff = |field: &str, a: String, b: String| {
                if a != b {
                    differences.push(Msg::new(
                        "RERUN_CHANGED",
                        format!("{field}：记录为 {a}，重算为 {b}"),
                        format!("{field}: recorded {a}, re-computed {b}"),
                    ));
                }
            };
            diff("id", recorded.id.clone(), h.id.clone());
            diff(
                "facts_hash",
                recorded.facts_hash.clone(),
                h.facts_hash.clone(),
            );
            // Sums and peer statistics are aggregated in parallel, so their last bits may
            // depend on the order partial sums meet; numbers equal to 1e-9 are the same result.
            let (rv, hv) = (json_value(&recorded.values), json_value(&h.values));
            if !same_numbers(&rv, &hv) {
                diff("values", rv.to_string(), hv.to_string());
            }
            let (rt, ht) = (json_value(&recorded.thresholds), json_value(&h.thresholds));
            if !same_numbers(&rt, &ht) {
                diff("thresholds", rt.to_string(), ht.to_string());
            }
            diff(
                "param_hash",
                recorded.param_hash.clone(),
                h.param_hash.clone(),
            );
            diff("inputs", json(&recorded.inputs), json(&h.inputs));
            diff(
                "explanation_zh",
                recorded.explanation_zh.clone(),
                h.explanation_zh.clone(),
            );
            diff(
                "explanation_en",
                recorded.explanation_en.clone(),
                h.explanation_en.clone(),
            );
        }
    }
    Ok(Rerun {
        reproduced: differences.is_empty(),
        hit: found,
        differences,
    })
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn json_value<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// Equal JSON, except that two numbers within a relative 1e-9 of each other count as equal.
fn same_numbers(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_numbers(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_numbers(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::same_numbers;
    use serde_json::json;

    #[test]
    fn numbers_equal_to_a_billionth_are_the_same_result() {
        let a = json!({"q1": 0.6391304347826088, "fence": 0.4328991558500501, "n": 115});
        let b = json!({"q1": 0.6391304347826088, "fence": 0.4328991558500503, "n": 115});
        assert!(same_numbers(&a, &b));
        assert!(!same_numbers(
            &a,
            &json!({"q1": 0.6391, "fence": 0.4328991558500501, "n": 115})
        ));
        assert!(!same_numbers(
            &a,
            &json!({"q1": 0.6391304347826088, "fence": 0.4328991558500501, "n": 116})
        ));
        assert!(!same_numbers(
            &a,
            &json!({"q1": 0.6391304347826088, "fence": 0.4328991558500501})
        ));
        assert!(!same_numbers(&json!([1.0, "x"]), &json!([1.0, "y"])));
        assert!(same_numbers(&json!(0.0), &json!(0.0)));
        assert!(!same_numbers(&json!(0.0), &json!(1e-300)));
    }
}
