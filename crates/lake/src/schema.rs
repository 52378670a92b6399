//! Dataset schemas as data: one TOML file per domain under `datasets/`, compiled in.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColType {
    Text,
    Int,
    Float,
    /// Yuan in the file, `i64` fen in the lake.
    Money,
    Date,
    DateTime,
    Bool,
    Division,
    CitizenId,
    Uscc,
    Enum,
}

impl ColType {
    pub fn as_str(self) -> &'static str {
        match self {
            ColType::Text => "text",
            ColType::Int => "int",
            ColType::Float => "float",
            ColType::Money => "money",
            ColType::Date => "date",
            ColType::DateTime => "date_time",
            ColType::Bool => "bool",
            ColType::Division => "division",
            ColType::CitizenId => "citizen_id",
            ColType::Uscc => "uscc",
            ColType::Enum => "enum",
        }
    }

    /// What a cell of this type must look like, for error messages (zh, en).
    pub fn expectation(self) -> (&'static str, &'static str) {
        match self {
            ColType::Text => ("文本", "text"),
            ColType::Int => ("整数", "an integer"),
            ColType::Float => ("数字", "a number"),
            ColType::Money => (
                "以元为单位、最多两位小数的金额",
                "an amount in yuan with at most two decimals",
            ),
            ColType::Date => ("日期，如 2024-03-15", "a date such as 2024-03-15"),
            ColType::DateTime => (
                "日期时间，如 2024-03-15 08:30:00",
                "a date and time such as 2024-03-15 08:30:00",
            ),
            ColType::Bool => ("是/否", "yes/no (是/否)"),
            ColType::Division => (
                "6、9 或 12 位行政区划代码",
                "a 6-, 9- or 12-digit division code",
            ),
            ColType::CitizenId => (
                "18 位公民身份号码（校验码正确）",
                "an 18-character citizen ID with a valid check digit",
            ),
            ColType::Uscc => (
                "18 位统一社会信用代码（校验码正确）",
                "an 18-character USCC with a valid check character",
            ),
            ColType::Enum => ("规定的取值之一", "one of the allowed values"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnumValue {
    pub code: String,
    pub zh: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(rename = "type")]
    pub ty: ColType,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<EnumValue>,
}

impl Column {
    /// The Chinese header users see first (the first alias), or the English name.
    pub fn label_zh(&self) -> &str {
        self.aliases.first().map_or(&self.name, String::as_str)
    }

    /// Whether a header cell names this column (English name or any alias, case- and
    /// space-insensitive; full-width brackets folded).
    pub fn matches_header(&self, header: &str) -> bool {
        let h = normalize_header(header);
        normalize_header(&self.name) == h || self.aliases.iter().any(|a| normalize_header(a) == h)
    }
}

pub(crate) fn normalize_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{feff}')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            _ => c.to_ascii_lowercase(),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatasetSchema {
    pub name: String,
    pub name_zh: String,
    pub domain: String,
    /// Import order for `import-dir`: datasets others refer to come first.
    pub order: u32,
    pub key: Vec<String>,
    /// Holds personal data (names, IDs): shown masked, unmasking is logged.
    #[serde(default)]
    pub personal: bool,
    /// Reference data that only adjusts a default (a holiday calendar): screening reads it as
    /// an empty table until it is imported, so indicators that read it still run.
    #[serde(default)]
    pub optional: bool,
    pub description_zh: String,
    pub description_en: String,
    pub columns: Vec<Column>,
}

impl DatasetSchema {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
    /// Registry datasets are also loaded into the store.
    pub fn is_registry(&self) -> bool {
        self.domain == "registry"
    }

    /// The Arrow schema of the dataset's Parquet files (column order as declared).
    pub fn arrow_schema(&self) -> std::sync::Arc<arrow_schema::Schema> {
        std::sync::Arc::new(arrow_schema::Schema::new(
            self.columns
                .iter()
                .map(crate::cell::arrow_field)
                .collect::<Vec<_>>(),
        ))
    }
}

#[derive(Deserialize)]
struct DomainFile {
    dataset: Vec<DatasetSchema>,
}

/// Every dataset kind Qinglian knows, sorted by import order then name.
pub struct Catalogue {
    datasets: Vec<DatasetSchema>,
}

const DOMAIN_FILES: &[(&str, &str)] = &[
    ("registry.toml", include_str!("../datasets/registry.toml")),
    (
        "soe_leasing.toml",
        include_str!("../datasets/soe_leasing.toml"),
    ),
    (
        "village_assets.toml",
        include_str!("../datasets/village_assets.toml"),
    ),
    ("education.toml", include_str!("../datasets/education.toml")),
    ("ocds.toml", include_str!("../datasets/ocds.toml")),
    (
        "enforcement.toml",
        include_str!("../datasets/enforcement.toml"),
    ),
];

impl Catalogue {
    pub fn builtin() -> &'static Catalogue {
        static C: OnceLock<Catalogue> = OnceLock::new();
        C.get_or_init(|| {
            let mut datasets: Vec<DatasetSchema> = DOMAIN_FILES
                .iter()
                .flat_map(|(file, text)| {
                    toml::from_str::<DomainFile>(text)
                        .unwrap_or_else(|e| panic!("shipped dataset schema {file} is invalid: {e}"))
                        .dataset
                })
                .collect();
            datasets.sort_by(|a, b| (a.order, &a.name).cmp(&(b.order, &b.name)));
            Catalogue { datasets }
        })
    }

    pub fn all(&self) -> &[DatasetSchema] {
        &self.datasets
    }

    pub fn get(&self, name: &str) -> Option<&DatasetSchema> {
        self.datasets.iter().find(|d| d.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_schemas_are_consistent() {
        let c = Catalogue::builtin();
        assert!(c.all().len() >= 6);
        for d in c.all() {
            for k in &d.key {
                assert!(d.column(k).is_some(), "{}: key {k} is a column", d.name);
            }
            let mut seen = std::collections::BTreeSet::new();
            for col in &d.columns {
                assert!(
                    seen.insert(normalize_header(&col.name)),
                    "{}: duplicate {}",
                    d.name,
                    col.name
                );
                for a in &col.aliases {
                    assert!(
                        seen.insert(normalize_header(a)),
                        "{}: alias {a} used twice",
                        d.name
                    );
                }
                assert_eq!(
                    col.ty == ColType::Enum,
                    !col.values.is_empty(),
                    "{}.{}: enum values",
                    d.name,
                    col.name
                );
            }
        }
    }

    #[test]
    fn headers_match_loosely() {
        let units = Catalogue::builtin().get("units").unwrap();
        let col = units.column("unit_id").unwrap();
        assert!(col.matches_header("单位编号"));
        assert!(col.matches_header(" \u{feff}Unit_ID "));
        assert!(col.matches_header("*单位编号"));
        assert!(!col.matches_header("单位名称"));
    }
}
