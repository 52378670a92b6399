//! Indicator parameters: declared types, values parsed from TOML, binding into DataFusion as
//! typed scalars (never spliced into SQL text), and the canonical hash every hit records.

use crate::error::ScreenError;
use chrono::NaiveDate;
use datafusion::common::ScalarValue;
use qinglian_core::{Msg, money};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    Int,
    Float,
    /// Written in yuan (at most two decimals), bound as `i64` fen like every money column.
    Money,
    Bool,
    Text,
    /// `YYYY-MM-DD`, bound as an Arrow `Date32`.
    Date,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Money => "money",
            ParamType::Bool => "bool",
            ParamType::Text => "text",
            ParamType::Date => "date",
        }
    }

    fn expectation(self) -> (&'static str, &'static str) {
        match self {
            ParamType::Int => ("整数", "an integer"),
            ParamType::Float => ("数字", "a number"),
            ParamType::Money => (
                "以元为单位、最多两位小数的金额",
                "an amount in yuan with at most two decimals",
            ),
            ParamType::Bool => ("true 或 false", "true or false"),
            ParamType::Text => ("文本", "text"),
            ParamType::Date => ("日期，如 2024-03-15", "a date such as 2024-03-15"),
        }
    }
}

/// A typed parameter value. Money is held in fen.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Int(i64),
    Float(f64),
    Money(i64),
    Bool(bool),
    Text(String),
    Date(NaiveDate),
}

impl ParamValue {
    /// Parses a TOML value as `ty`; `what` names the place for the error (file, key).
    pub fn from_toml(ty: ParamType, v: &toml::Value, what: &str) -> Result<Self, Msg> {
        let bad = || {
            let (zh, en) = ty.expectation();
            Msg::new(
                "IND_PARAM_VALUE",
                format!("{what}：取值 {v} 应为{zh}"),
                format!("{what}: value {v} should be {en}"),
            )
        };
        Ok(match (ty, v) {
            (ParamType::Int, toml::Value::Integer(i)) => ParamValue::Int(*i),
            (ParamType::Float, toml::Value::Float(f)) if f.is_finite() => ParamValue::Float(*f),
            (ParamType::Float, toml::Value::Integer(i)) => ParamValue::Float(*i as f64),
            (ParamType::Money, toml::Value::Integer(i)) => {
                ParamValue::Money(i.checked_mul(100).ok_or_else(bad)?)
            }
            (ParamType::Money, toml::Value::Float(f)) => {
                ParamValue::Money(money::fen_from_f64(*f).map_err(|_| bad())?)
            }
            (ParamType::Money, toml::Value::String(s)) => {
                ParamValue::Money(money::parse_yuan(s).map_err(|_| bad())?)
            }
            (ParamType::Bool, toml::Value::Boolean(b)) => ParamValue::Bool(*b),
            (ParamType::Text, toml::Value::String(s)) => ParamValue::Text(s.clone()),
            (ParamType::Date, toml::Value::String(s)) => ParamValue::Date(
                NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad())?,
            ),
            (ParamType::Date, toml::Value::Datetime(d)) => ParamValue::Date(
                NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").map_err(|_| bad())?,
            ),
            _ => return Err(bad()),
        })
    }

    /// The DataFusion scalar the placeholder is bound to.
    pub fn scalar(&self) -> ScalarValue {
        match self {
            ParamValue::Int(i) | ParamValue::Money(i) => ScalarValue::Int64(Some(*i)),
            ParamValue::Float(f) => ScalarValue::Float64(Some(*f)),
            ParamValue::Bool(b) => ScalarValue::Boolean(Some(*b)),
            ParamValue::Text(s) => ScalarValue::Utf8(Some(s.clone())),
            ParamValue::Date(d) => ScalarValue::Date32(Some(days_since_epoch(*d))),
        }
    }

    /// The value as JSON, as hits record it (money in fen, dates as text).
    pub fn json(&self) -> serde_json::Value {
        match self {
            ParamValue::Int(i) | ParamValue::Money(i) => (*i).into(),
            ParamValue::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            ParamValue::Bool(b) => (*b).into(),
            ParamValue::Text(s) => s.clone().into(),
            ParamValue::Date(d) => d.format("%Y-%m-%d").to_string().into(),
        }
    }

    /// Reads a value back from the JSON a hit recorded (for `hits rerun`).
    pub fn from_json(ty: ParamType, v: &serde_json::Value) -> Option<Self> {
        Some(match ty {
            ParamType::Int => ParamValue::Int(v.as_i64()?),
            ParamType::Money => ParamValue::Money(v.as_i64()?),
            ParamType::Float => ParamValue::Float(v.as_f64()?),
            ParamType::Bool => ParamValue::Bool(v.as_bool()?),
            ParamType::Text => ParamValue::Text(v.as_str()?.to_owned()),
            ParamType::Date => {
                ParamValue::Date(NaiveDate::parse_from_str(v.as_str()?, "%Y-%m-%d").ok()?)
            }
        })
    }
}

pub(crate) fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")).num_days() as i32
}

/// The effective parameters of one execution, by name (sorted, so hashing is canonical).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParamSet(pub BTreeMap<String, ParamValue>);

/// The name of the run date every indicator may use (`$as_of`); not declared per indicator.
pub const AS_OF: &str = "as_of";

impl ParamSet {
    pub fn json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.iter().map(|(k, v)| (k.clone(), v.json())).collect())
    }

    /// SHA-256 of the canonical JSON (sorted keys, money in fen): equal parameters, equal hash.
    pub fn hash(&self) -> String {
        let text = serde_json::to_string(&self.json()).expect("plain JSON");
        hex::encode(Sha256::digest(text.as_bytes()))
    }

    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    /// Named placeholder values for DataFusion (`$name` in the SQL).
    pub(crate) fn scalars(&self) -> Vec<(String, ScalarValue)> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), v.scalar()))
            .collect()
    }

    /// Rebuilds the set a hit recorded, using the indicator's declared types.
    pub fn from_recorded(
        types: &BTreeMap<String, ParamType>,
        recorded: &serde_json::Value,
    ) -> Result<ParamSet, ScreenError> {
        let mut out = BTreeMap::new();
        let obj = recorded.as_object().cloned().unwrap_or_default();
        for (name, v) in obj {
            let ty = if name == AS_OF {
                ParamType::Date
            } else {
                *types.get(&name).ok_or_else(|| {
                    ScreenError::msg(
                        "RERUN_PARAM",
                        format!("记录的参数 {name} 已不在指标定义中"),
                        format!("recorded parameter {name} is no longer declared by the indicator"),
                    )
                })?
            };
            let value = ParamValue::from_json(ty, &v).ok_or_else(|| {
                ScreenError::msg(
                    "RERUN_PARAM",
                    format!("记录的参数 {name} = {v} 与类型 {} 不符", ty.as_str()),
                    format!(
                        "recorded parameter {name} = {v} does not match type {}",
                        ty.as_str()
                    ),
                )
            })?;
            out.insert(name, value);
        }
        Ok(ParamSet(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_from_toml() {
        let v = |s: &str| -> toml::Value {
            toml::from_str::<toml::Table>(&format!("x = {s}")).unwrap()["x"].clone()
        };
        assert_eq!(
            ParamValue::from_toml(ParamType::Money, &v("50000"), "p").unwrap(),
            ParamValue::Money(5_000_000)
        );
        assert_eq!(
            ParamValue::from_toml(ParamType::Money, &v("0.15"), "p").unwrap(),
            ParamValue::Money(15)
        );
        assert!(ParamValue::from_toml(ParamType::Money, &v("0.155"), "p").is_err());
        assert_eq!(
            ParamValue::from_toml(ParamType::Float, &v("3"), "p").unwrap(),
            ParamValue::Float(3.0)
        );
        assert!(ParamValue::from_toml(ParamType::Int, &v("3.5"), "p").is_err());
        assert_eq!(
            ParamValue::from_toml(ParamType::Date, &v("\"2024-02-29\""), "p")
                .unwrap()
                .json(),
            serde_json::json!("2024-02-29")
        );
        let e = ParamValue::from_toml(ParamType::Bool, &v("\"yes\""), "SL-R01 max").unwrap_err();
        assert_eq!(e.code, "IND_PARAM_VALUE");
        assert!(e.zh.contains("SL-R01 max") && e.en.contains("true or false"));
    }

    #[test]
    fn hash_is_canonical_and_sensitive() {
        let mut a = ParamSet::default();
        a.0.insert("b".into(), ParamValue::Float(0.8));
        a.0.insert("a".into(), ParamValue::Money(100));
        let mut b = ParamSet::default();
        b.0.insert("a".into(), ParamValue::Money(100));
        b.0.insert("b".into(), ParamValue::Float(0.8));
        assert_eq!(a.hash(), b.hash());
        b.0.insert("b".into(), ParamValue::Float(0.81));
        assert_ne!(a.hash(), b.hash());
        let types = BTreeMap::from([
            ("a".to_owned(), ParamType::Money),
            ("b".to_owned(), ParamType::Float),
        ]);
        assert_eq!(ParamSet::from_recorded(&types, &a.json()).unwrap(), a);
    }
}
