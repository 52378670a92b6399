//! A column mapping (表头映射) for files whose headers or values are not ours: a user's TOML
//! file maps their headers onto a dataset's columns and, for enum columns, their values onto
//! our codes, so an export from another system (a police case system with its own precinct,
//! time and outcome columns) imports without code changes:
//!
//! ```toml
//! [columns]              # the file's header = the dataset's column (English name or any alias)
//! "派出所编号" = "squad_id"
//! "接警时间" = "received_at"
//!
//! [values.outcome]       # the file's value = our code (or its Chinese label)
//! "已处罚" = "penalty"
//! "不予处罚" = "no_penalty"
//! ```
//!
//! The mapping is checked against the dataset before anything is read: every target must be a
//! column, every value target a code of that enum column.

use crate::schema::{ColType, DatasetSchema, normalize_header};
use qinglian_core::Msg;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnMap {
    /// Normalised source header → the schema column's English name.
    columns: BTreeMap<String, String>,
    /// Schema column → source value (trimmed) → code.
    values: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
}

fn bad(source: &str, zh: String, en: String) -> Msg {
    Msg::new(
        "IMPORT_BAD_MAPPING",
        format!("表头映射文件 {source}：{zh}"),
        format!("column mapping {source}: {en}"),
    )
}

impl ColumnMap {
    /// Parses and checks a mapping file for `schema`; `source` names the file in errors.
    pub fn parse(text: &str, source: &str, schema: &DatasetSchema) -> Result<ColumnMap, Msg> {
        let f: File = toml::from_str(text).map_err(|e| {
            bad(
                source,
                format!("不是有效的映射（应为 [columns] 与 [values.字段] 两节）：{e}"),
                format!("not a valid mapping (expected [columns] and [values.COLUMN]): {e}"),
            )
        })?;
        let column_of = |target: &str| {
            schema
                .columns
                .iter()
                .find(|c| c.name == target || c.matches_header(target))
                .ok_or_else(|| {
                    let names: Vec<&str> = schema.columns.iter().map(|c| c.name.as_str()).collect();
                    bad(
                        source,
                        format!(
                            "“{target}”不是数据集 {} 的字段（可用：{}）",
                            schema.name,
                            names.join("、")
                        ),
                        format!(
                            "'{target}' is not a column of dataset {} (columns: {})",
                            schema.name,
                            names.join(", ")
                        ),
                    )
                })
        };
        let mut map = ColumnMap::default();
        for (header, target) in &f.columns {
            let col = column_of(target)?;
            map.columns
                .insert(normalize_header(header), col.name.clone());
        }
        for (target, values) in &f.values {
            let col = column_of(target)?;
            if col.ty != ColType::Enum {
                return Err(bad(
                    source,
                    format!("字段 {} 不是枚举字段，不能映射取值", col.name),
                    format!(
                        "column {} is not an enum column; its values cannot be mapped",
                        col.name
                    ),
                ));
            }
            let mut out = BTreeMap::new();
            for (from, to) in values {
                let Some(v) = col.values.iter().find(|v| v.code == *to || v.zh == *to) else {
                    let allowed: Vec<String> = col
                        .values
                        .iter()
                        .map(|v| format!("{}（{}）", v.code, v.zh))
                        .collect();
                    return Err(bad(
                        source,
                        format!(
                            "字段 {} 的取值“{from}”映射到“{to}”，但“{to}”不是它的取值（可用：{}）",
                            col.name,
                            allowed.join("、")
                        ),
                        format!(
                            "value '{from}' of column {} maps to '{to}', which is not one of its values ({})",
                            col.name,
                            allowed.join(", ")
                        ),
                    ));
                };
                out.insert(from.trim().to_owned(), v.code.clone());
            }
            map.values.insert(col.name.clone(), out);
        }
        Ok(map)
    }

    /// The column a source header is mapped to, if the mapping names it.
    pub(crate) fn target(&self, header: &str) -> Option<&str> {
        self.columns
            .get(&normalize_header(header))
            .map(String::as_str)
    }

    /// The value translations of one column, if any.
    pub(crate) fn values(&self, column: &str) -> Option<&BTreeMap<String, String>> {
        self.values.get(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cases() -> &'static DatasetSchema {
        crate::schema::Catalogue::builtin().get("le_cases").unwrap()
    }

    #[test]
    fn maps_headers_and_enum_values_and_checks_them() {
        let m = ColumnMap::parse(
            "[columns]\n\"派出所编号\" = \"squad_id\"\n\"接警时间\" = \"受案时间\"\n[values.outcome]\n\"已处罚\" = \"penalty\"\n\" 不罚 \" = \"不予处罚\"\n",
            "m.toml",
            cases(),
        )
        .unwrap();
        assert_eq!(m.target("派出所编号"), Some("squad_id"));
        assert_eq!(m.target(" 接警时间 "), Some("received_at"));
        assert_eq!(m.target("其他"), None);
        let v = m.values("outcome").unwrap();
        assert_eq!(v["已处罚"], "penalty");
        assert_eq!(v["不罚"], "no_penalty");

        let e = ColumnMap::parse("[columns]\n\"x\" = \"nope\"\n", "m.toml", cases()).unwrap_err();
        assert!(e.zh.contains("m.toml") && e.zh.contains("nope") && e.en.contains("le_cases"));
        let e = ColumnMap::parse("[values.place]\n\"a\" = \"b\"\n", "m.toml", cases()).unwrap_err();
        assert!(e.en.contains("not an enum"), "{}", e.en);
        let e = ColumnMap::parse("[values.outcome]\n\"a\" = \"fined\"\n", "m.toml", cases())
            .unwrap_err();
        assert!(
            e.en.contains("'fined'") && e.en.contains("penalty"),
            "{}",
            e.en
        );
        assert!(
            ColumnMap::parse("[colums]\n", "m.toml", cases()).is_err(),
            "typos are refused"
        );
    }
}
