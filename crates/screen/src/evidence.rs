//! The records behind a hit: the rows of the indicator's datasets, at the snapshot the hit
//! recorded, whose key columns hold the hit's subject keys (a lease's contract, a pupil's
//! admission …), so a reviewer sees the evidence itself and not only the measured numbers.
//!
//! Personal datasets are shown masked (citizen IDs keep region and last four, names their
//! first and last character), as the registry shows people; unmasking is a separate, logged act.

use crate::engine::Engine;
use crate::error::{Result, ScreenError};
use crate::hit::{Hit, cell_json};
use crate::indicator::Indicator;
use datafusion::prelude::{col, lit};
use qinglian_core::ids::{mask_citizen_id, mask_name};
use qinglian_lake::schema::{ColType, DatasetSchema};
use serde::Serialize;
use serde_json::Value;

/// The rows of one dataset that carry the hit's keys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceTable {
    pub dataset: String,
    pub name_zh: String,
    /// The key column the rows were found by, and its value.
    pub key: String,
    pub value: String,
    /// (column name, Chinese header) in schema order.
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<String>>,
    /// More rows matched than `limit`.
    pub truncated: bool,
    /// The values shown are masked (a personal dataset).
    pub masked: bool,
}

fn exec_err(e: impl std::fmt::Display) -> ScreenError {
    ScreenError::msg(
        "EVIDENCE",
        format!("无法读取证据记录：{e}"),
        format!("cannot read the evidence records: {e}"),
    )
}

/// A lake cell as people read it: money in yuan, masked where the dataset is personal.
fn shown(schema: &DatasetSchema, column: &str, v: &Value) -> String {
    let ty = schema.column(column).map(|c| c.ty);
    let text = match v {
        Value::Null => return String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match ty {
        Some(ColType::Money) => v.as_i64().map_or(text, |fen| {
            let sign = if fen < 0 { "-" } else { "" };
            format!(
                "{sign}{}.{:02}",
                fen.unsigned_abs() / 100,
                fen.unsigned_abs() % 100
            )
        }),
        Some(ColType::CitizenId) => mask_citizen_id(&text),
        _ if schema.personal && (column == "name" || column.ends_with("_name")) => mask_name(&text),
        _ => text,
    }
}

/// The evidence of `hit`: for each dataset the indicator reads (registered in `engine`, at the
/// hit's recorded snapshot for a faithful view), the rows whose column named like one of the
/// subject's record keys holds its value; the unit key is used only on `units`. At most
/// `limit` rows per table.
pub async fn records(
    engine: &Engine,
    ind: &Indicator,
    hit: &Hit,
    limit: usize,
) -> Result<Vec<EvidenceTable>> {
    let mut out = Vec::new();
    for dataset in &ind.datasets {
        if !engine.has(dataset) {
            continue;
        }
        let Ok(schema) = qinglian_lake::schema_of(dataset) else {
            continue;
        };
        for (key, value) in &hit.subject {
            let is_unit = key == "unit_id";
            if is_unit != (dataset == "units") || schema.column(key).is_none() {
                continue;
            }
            let wanted = match schema.column(key).map(|c| c.ty) {
                Some(ColType::Int) => match value.parse::<i64>() {
                    Ok(n) => lit(n),
                    Err(_) => continue,
                },
                _ => lit(value.as_str()),
            };
            let df = engine
                .context()
                .table(dataset.as_str())
                .await
                .map_err(exec_err)?
                .filter(col(key.as_str()).eq(wanted))
                .map_err(exec_err)?
                .limit(0, Some(limit + 1))
                .map_err(exec_err)?;
            let batches = df.collect().await.map_err(exec_err)?;
            let columns: Vec<(String, String)> = schema
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.label_zh().to_owned()))
                .collect();
            let mut rows = Vec::new();
            for b in &batches {
                for r in 0..b.num_rows() {
                    let mut row = Vec::with_capacity(columns.len());
                    for (name, _) in &columns {
                        let v = match b.column_by_name(name) {
                            Some(a) => cell_json(a.as_ref(), r)?,
                            None => Value::Null,
                        };
                        row.push(shown(schema, name, &v));
                    }
                    rows.push(row);
                }
            }
            let truncated = rows.len() > limit;
            rows.truncate(limit);
            out.push(EvidenceTable {
                dataset: dataset.clone(),
                name_zh: schema.name_zh.clone(),
                key: key.clone(),
                value: value.clone(),
                columns,
                rows,
                truncated,
                masked: schema.personal,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_in_yuan_and_personal_columns_masked() {
        let people = qinglian_lake::schema_of("people").unwrap();
        assert_eq!(
            shown(people, "citizen_id", &Value::from("330106199001011234")),
            "330106********1234"
        );
        assert_eq!(shown(people, "name", &Value::from("王小明")), "王*明");
        let leases = qinglian_lake::schema_of("lease_contracts").unwrap();
        assert_eq!(
            shown(leases, "monthly_rent", &Value::from(123_456)),
            "1234.56"
        );
        assert_eq!(
            shown(leases, "tenant_name", &Value::from("某某公司")),
            "某某公司"
        );
        assert_eq!(shown(leases, "renewal_of", &Value::Null), "");
    }
}
