//! Hits: one result row of an indicator, explained and identified.
//!
//! A hit's id is SHA-256 over the indicator id, its major version, the canonical subject keys
//! and the hash of the triggering facts. Screening the same facts again gives the same id (not a
//! duplicate), whatever else was imported meanwhile; a changed fact gives a new one.

use crate::engine::InputRef;
use crate::error::{Result, ScreenError};
use crate::indicator::Indicator;
use crate::params::ParamSet;
use crate::template::Lang;
use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::common::ScalarValue;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: String,
    pub indicator_id: String,
    pub indicator_version: String,
    pub domain: String,
    pub kind: String,
    pub severity: String,
    /// SHA-256 of the canonical parameter values used (see [`ParamSet::hash`]).
    pub param_hash: String,
    pub params: Value,
    /// Dataset → the snapshot read (hash and batch ids).
    pub inputs: BTreeMap<String, InputRef>,
    pub unit_id: String,
    pub unit_kind: Option<String>,
    pub division_code: Option<String>,
    /// The unit column and the record keys, as text.
    pub subject: BTreeMap<String, String>,
    pub facts_hash: String,
    pub values: BTreeMap<String, Value>,
    pub thresholds: BTreeMap<String, Value>,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub counterfactual_zh: String,
    pub counterfactual_en: String,
}

/// A cell as JSON: numbers, text, booleans; dates as `YYYY-MM-DD`.
pub(crate) fn cell_json(col: &dyn Array, row: usize) -> Result<Value> {
    let s = ScalarValue::try_from_array(col, row).map_err(|e| {
        ScreenError::msg(
            "SCREEN_EXEC",
            format!("无法读取结果值：{e}"),
            format!("cannot read a result value: {e}"),
        )
    })?;
    if s.is_null() {
        return Ok(Value::Null);
    }
    let num_f = |f: f64| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number);
    Ok(match s {
        ScalarValue::Boolean(Some(b)) => Value::Bool(b),
        ScalarValue::Int8(Some(v)) => v.into(),
        ScalarValue::Int16(Some(v)) => v.into(),
        ScalarValue::Int32(Some(v)) => v.into(),
        ScalarValue::Int64(Some(v)) => v.into(),
        ScalarValue::UInt8(Some(v)) => v.into(),
        ScalarValue::UInt16(Some(v)) => v.into(),
        ScalarValue::UInt32(Some(v)) => v.into(),
        ScalarValue::UInt64(Some(v)) => v.into(),
        ScalarValue::Float32(Some(v)) => num_f(f64::from(v)),
        ScalarValue::Float64(Some(v)) => num_f(v),
        ScalarValue::Utf8(Some(v))
        | ScalarValue::LargeUtf8(Some(v))
        | ScalarValue::Utf8View(Some(v)) => Value::String(v),
        ScalarValue::Date32(Some(d)) => Value::String(
            chrono::DateTime::from_timestamp(i64::from(d) * 86_400, 0)
                .map(|t| t.date_naive().format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        ),
        ScalarValue::Decimal128(Some(v), _, scale) => {
            num_f(v as f64 / 10f64.powi(i32::from(scale)))
        }
        other => Value::String(other.to_string()),
    })
}

/// Text of a key value, as stored in the subject.
fn key_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of the facts, as canonical JSON (sorted keys).
pub fn facts_hash(facts: &BTreeMap<String, Value>) -> String {
    sha256_hex(serde_json::to_string(facts).expect("plain JSON").as_bytes())
}

/// The hit id: SHA-256 over indicator id, major version, canonical subject and facts hash.
pub fn hit_id(
    indicator_id: &str,
    major: u32,
    subject: &BTreeMap<String, String>,
    facts_hash: &str,
) -> String {
    let subject = serde_json::to_string(subject).expect("plain JSON");
    sha256_hex(
        format!("qinglian-hit-v1\n{indicator_id}\n{major}\n{subject}\n{facts_hash}").as_bytes(),
    )
}

/// Unit facts the engine looks up for every hit.
#[derive(Debug, Clone, Default)]
pub struct UnitInfo {
    pub kind: String,
    pub division_code: String,
}

/// Turns result rows into hits (sorted by subject, duplicates of the same facts merged), keeping
/// only units of the indicator's kinds.
pub fn hits_from_batches(
    ind: &Indicator,
    batches: &[RecordBatch],
    params: &ParamSet,
    inputs: &BTreeMap<String, InputRef>,
    units: &BTreeMap<String, UnitInfo>,
) -> Result<Vec<Hit>> {
    let columns = ind.output.columns();
    let params_json = params.json();
    let param_hash = params.hash();
    let mut out: BTreeMap<(BTreeMap<String, String>, String), Hit> = BTreeMap::new();
    for batch in batches {
        let schema = batch.schema();
        // A threshold may name a parameter instead of a result column: its value is the
        // parameter's (as bound for this run).
        let mut idx = Vec::with_capacity(columns.len());
        for c in &columns {
            match schema.index_of(c) {
                Ok(i) => idx.push(Some(i)),
                Err(_) if ind.output.is_param_threshold(c, ind) => idx.push(None),
                Err(_) => {
                    return Err(ScreenError::msg(
                        "IND_OUTPUT_COLUMN",
                        format!("{} 的 SQL 结果缺少声明的输出列 {c}", ind.id),
                        format!("{} SQL result lacks declared output column {c}", ind.id),
                    ));
                }
            }
        }
        for row in 0..batch.num_rows() {
            let mut vals: BTreeMap<&str, Value> = BTreeMap::new();
            for (c, i) in columns.iter().zip(&idx) {
                let v = match i {
                    Some(i) => cell_json(batch.column(*i).as_ref(), row)?,
                    None => params_json.get(*c).cloned().unwrap_or(Value::Null),
                };
                vals.insert(c, v);
            }
            let mut subject = BTreeMap::new();
            for k in std::iter::once(&ind.output.unit).chain(&ind.output.subject) {
                let v = &vals[k.as_str()];
                if v.is_null() {
                    return Err(ScreenError::msg(
                        "IND_OUTPUT_NULL",
                        format!(
                            "{} 的 SQL 返回了主体键 {k} 为空的行：每行命中都必须指明单位与记录",
                            ind.id
                        ),
                        format!(
                            "{} SQL returned a row whose subject key {k} is NULL: every hit must name its unit and record",
                            ind.id
                        ),
                    ));
                }
                subject.insert(k.clone(), key_text(v));
            }
            let facts: BTreeMap<String, Value> = ind
                .output
                .facts
                .iter()
                .map(|f| (f.clone(), vals[f.as_str()].clone()))
                .collect();
            let fh = facts_hash(&facts);
            let id = hit_id(&ind.id, ind.version.major, &subject, &fh);
            let pick = |names: &[String]| -> BTreeMap<String, Value> {
                names
                    .iter()
                    .map(|n| (n.clone(), vals[n.as_str()].clone()))
                    .collect()
            };
            let lookup = |name: &str| -> Value {
                vals.get(name)
                    .cloned()
                    .or_else(|| params_json.get(name).cloned())
                    .unwrap_or(Value::Null)
            };
            let unit_id = subject[&ind.output.unit].clone();
            let info = units.get(&unit_id);
            // The indicator applies to its declared unit kinds only (unknown units are kept).
            if info.is_some_and(|u| !ind.unit_kinds.iter().any(|k| k.as_str() == u.kind)) {
                continue;
            }
            let hit = Hit {
                id,
                indicator_id: ind.id.clone(),
                indicator_version: ind.version.to_string(),
                domain: ind.domain.clone(),
                kind: ind.kind.as_str().to_owned(),
                severity: ind.severity.as_str().to_owned(),
                param_hash: param_hash.clone(),
                params: params_json.clone(),
                inputs: inputs.clone(),
                unit_kind: info.map(|u| u.kind.clone()),
                division_code: info.map(|u| u.division_code.clone()),
                unit_id,
                facts_hash: fh,
                values: pick(&ind.output.values),
                thresholds: pick(&ind.output.thresholds),
                explanation_zh: ind.explanation_zh.render(Lang::Zh, lookup),
                explanation_en: ind.explanation_en.render(Lang::En, lookup),
                counterfactual_zh: ind.counterfactual_zh.render(Lang::Zh, lookup),
                counterfactual_en: ind.counterfactual_en.render(Lang::En, lookup),
                subject,
            };
            out.entry((hit.subject.clone(), hit.id.clone()))
                .or_insert(hit);
        }
    }
    Ok(out.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_depends_on_exactly_its_inputs() {
        let s = BTreeMap::from([
            ("unit_id".to_owned(), "U1".to_owned()),
            ("contract_id".to_owned(), "C1".to_owned()),
        ]);
        let f1 = facts_hash(&BTreeMap::from([("rent".to_owned(), Value::from(100))]));
        let f2 = facts_hash(&BTreeMap::from([("rent".to_owned(), Value::from(101))]));
        let a = hit_id("SL-S01", 1, &s, &f1);
        assert_eq!(a, hit_id("SL-S01", 1, &s, &f1));
        assert_eq!(a.len(), 64);
        assert_ne!(a, hit_id("SL-S01", 2, &s, &f1), "major version");
        assert_ne!(a, hit_id("SL-S02", 1, &s, &f1), "indicator");
        assert_ne!(a, hit_id("SL-S01", 1, &s, &f2), "facts");
        let mut s2 = s;
        s2.insert("contract_id".into(), "C2".into());
        assert_ne!(a, hit_id("SL-S01", 1, &s2, &f1), "subject");
    }
}
