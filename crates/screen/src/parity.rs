//! OCDS Cardinal's output shape for the parity indicators (`OCDS-Rnnn`): each indicator's rows
//! name a Cardinal group (`OCID`, `Buyer`, `ProcuringEntity`, `Tenderer`), an id and a value, and
//! its `stats_sql` gives the quartiles and fences Cardinal prints under `Meta`.
//!
//! The indicators themselves are ordinary catalogue files; this module only runs them with
//! Cardinal's settings and reshapes their rows, so that `qinglian ocds indicators
//! --cardinal-json` can be compared with Cardinal's own output.

use crate::engine::Engine;
use crate::error::{Result, ScreenError};
use crate::hit::{Hit, hits_from_batches};
use crate::indicator::Indicator;
use crate::params::ParamSet;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The prefix of the parity indicators' ids: `OCDS-R003` is Cardinal's `R003`.
pub const PREFIX: &str = "OCDS-";

/// Cardinal's indicators, in its order.
pub const CODES: [&str; 11] = [
    "R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058",
];

/// One parity indicator's result.
#[derive(Debug, Clone)]
pub struct ParityRun {
    /// Cardinal's code (`R003`).
    pub code: String,
    /// (group, id, value) as Cardinal reports them.
    pub flags: Vec<(String, String, f64)>,
    /// Cardinal's `Meta` entries (unrounded); `None` where Cardinal has NaN (printed as null).
    pub meta: Vec<(String, Option<f64>)>,
    /// The same rows as screening hits, explained.
    pub hits: Vec<Hit>,
}

fn column<'a>(ind: &Indicator, b: &'a RecordBatch, name: &str) -> Result<&'a dyn Array> {
    b.column_by_name(name).map(|c| c.as_ref()).ok_or_else(|| {
        ScreenError::msg(
            "IND_OUTPUT_COLUMN",
            format!("{} 的结果缺少列 {name}", ind.id),
            format!("{} result lacks column {name}", ind.id),
        )
    })
}

fn floats(ind: &Indicator, col: &dyn Array) -> Result<Vec<Option<f64>>> {
    let c = cast(col, &DataType::Float64).map_err(|e| {
        ScreenError::msg(
            "IND_OUTPUT_TYPE",
            format!("{} 的数值列不是数字：{e}", ind.id),
            format!("{} value column is not numeric: {e}", ind.id),
        )
    })?;
    let a = c.as_primitive::<Float64Type>();
    Ok((0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect())
}

fn texts(ind: &Indicator, col: &dyn Array) -> Result<Vec<Option<String>>> {
    let c = cast(col, &DataType::Utf8).map_err(|e| {
        ScreenError::msg(
            "IND_OUTPUT_TYPE",
            format!("{} 的文本列无法读取：{e}", ind.id),
            format!("{} text column cannot be read: {e}", ind.id),
        )
    })?;
    let a = c.as_string::<i32>();
    Ok((0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i).to_owned()))
        .collect())
}

/// Runs one parity indicator (and its statistics) with `params`.
pub async fn run(engine: &Engine, ind: &Indicator, params: &ParamSet) -> Result<ParityRun> {
    let code = ind.id.strip_prefix(PREFIX).unwrap_or(&ind.id).to_owned();
    let batches = engine.execute(ind, params).await?;
    let mut flags = Vec::new();
    for b in &batches {
        let groups = texts(ind, column(ind, b, "group_name")?)?;
        let ids = texts(ind, column(ind, b, "subject_id")?)?;
        let values = floats(ind, column(ind, b, "value")?)?;
        for ((g, id), v) in groups.into_iter().zip(ids).zip(values) {
            if let (Some(g), Some(id)) = (g, id) {
                // Cardinal prints NaN as null; a parity row always has a number.
                flags.push((g, id, v.unwrap_or(f64::NAN)));
            }
        }
    }
    let mut meta = Vec::new();
    for b in engine.execute_stats(ind, params).await?.unwrap_or_default() {
        let keys = texts(ind, column(ind, &b, "key")?)?;
        let values = floats(ind, column(ind, &b, "value")?)?;
        for (k, v) in keys.into_iter().zip(values) {
            if let Some(k) = k {
                meta.push((k, v.filter(|v| !v.is_nan())));
            }
        }
    }
    let inputs = crate::run::inputs_of(engine, ind);
    let hits = hits_from_batches(ind, &batches, params, &inputs, &BTreeMap::new())?;
    Ok(ParityRun {
        code,
        flags,
        meta,
        hits,
    })
}

/// Cardinal prints `Meta` values rounded to four decimals.
fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// Cardinal's JSON: `{Group: {id: {Rnnn: value}}}` for the groups that have results, plus
/// `Meta` (`{Rnnn: {key: value}}`) unless `meta` is false.
pub fn cardinal_json(runs: &[ParityRun], meta: bool) -> Value {
    let mut groups: BTreeMap<&str, BTreeMap<&str, Map<String, Value>>> = BTreeMap::new();
    for r in runs {
        for (g, id, v) in &r.flags {
            groups
                .entry(g)
                .or_default()
                .entry(id)
                .or_default()
                .insert(r.code.clone(), Value::from(*v));
        }
    }
    let mut out = Map::new();
    for (g, ids) in groups {
        let ids: Map<String, Value> = ids
            .into_iter()
            .map(|(id, m)| (id.to_owned(), Value::Object(m)))
            .collect();
        out.insert(g.to_owned(), Value::Object(ids));
    }
    if meta {
        let m: Map<String, Value> = runs
            .iter()
            .filter(|r| !r.meta.is_empty())
            .map(|r| {
                let entries: Map<String, Value> = r
                    .meta
                    .iter()
                    .map(|(k, v)| (k.clone(), v.map_or(Value::Null, |v| Value::from(round4(v)))))
                    .collect();
                (r.code.clone(), Value::Object(entries))
            })
            .collect();
        out.insert("Meta".to_owned(), Value::Object(m));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinal_shape_merges_groups_and_rounds_meta() {
        let runs = vec![
            ParityRun {
                code: "R024".into(),
                flags: vec![
                    ("OCID".into(), "a".into(), 0.012_345),
                    ("Tenderer".into(), "t".into(), 0.0),
                ],
                meta: vec![("q1".into(), Some(0.031_749_9)), ("q3".into(), None)],
                hits: vec![],
            },
            ParityRun {
                code: "R028".into(),
                flags: vec![("Tenderer".into(), "t".into(), 1.0)],
                meta: vec![],
                hits: vec![],
            },
        ];
        let v = cardinal_json(&runs, true);
        assert_eq!(
            v,
            serde_json::json!({
                "OCID": {"a": {"R024": 0.012345}},
                "Tenderer": {"t": {"R024": 0.0, "R028": 1.0}},
                "Meta": {"R024": {"q1": 0.0317, "q3": null}},
            })
        );
        let bare = cardinal_json(&runs, false);
        assert!(bare.get("Meta").is_none());
    }
}
