//! One indicator (廉洁风险点) as written in its TOML file, validated into [`Indicator`].
//!
//! The file format is documented in `crates/screen/INDICATORS.md`. Validation here is static
//! (fields, types, templates, parameters, fixture shape); the SQL itself is checked by planning
//! it against empty tables of the declared datasets ([`crate::engine::Engine::validate`]).

use crate::error::ScreenError;
use crate::params::{AS_OF, ParamType, ParamValue};
use crate::template::Template;
use chrono::NaiveDate;
use qinglian_core::{Msg, UnitKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A statutory or regulatory rule (xx-Rnn): a breach is a finding to verify.
    Rule,
    /// A peer outlier (xx-Snn): a reason to look, never a verdict.
    Statistical,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Rule => "rule",
            Kind::Statistical => "statistical",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Kind::Rule => "规则",
            Kind::Statistical => "统计",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
        }
    }
}

/// `MAJOR.MINOR.PATCH`. The major version is part of every hit id: raise it when the meaning of
/// a hit changes (different facts, different subject), so old decisions do not carry over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let mut it = s.split('.');
        let mut next = || -> Option<u32> {
            let p = it.next()?;
            if p.is_empty()
                || !p.bytes().all(|b| b.is_ascii_digit())
                || (p.len() > 1 && p.starts_with('0'))
            {
                return None;
            }
            p.parse().ok()
        };
        let v = Version {
            major: next()?,
            minor: next()?,
            patch: next()?,
        };
        it.next().is_none().then_some(v)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    pub name: String,
    pub ty: ParamType,
    pub default: ParamValue,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub description_zh: String,
    pub description_en: String,
}

impl ParamDef {
    /// Parses a value for this parameter (from an override) and checks its bounds.
    pub fn value_from_toml(&self, v: &toml::Value, what: &str) -> Result<ParamValue, Msg> {
        let value = ParamValue::from_toml(self.ty, v, what)?;
        let x = match &value {
            ParamValue::Int(i) => Some(*i as f64),
            ParamValue::Float(f) => Some(*f),
            ParamValue::Money(f) => Some(*f as f64 / 100.0),
            _ => None,
        };
        if let Some(x) = x {
            let below = self.min.is_some_and(|m| x < m);
            let above = self.max.is_some_and(|m| x > m);
            if below || above {
                let range = format!(
                    "[{}, {}]",
                    self.min.map_or("-∞".to_owned(), |m| m.to_string()),
                    self.max.map_or("+∞".to_owned(), |m| m.to_string())
                );
                return Err(Msg::new(
                    "IND_PARAM_RANGE",
                    format!("{what}：取值 {v} 超出允许范围 {range}"),
                    format!("{what}: value {v} is outside the allowed range {range}"),
                ));
            }
        }
        Ok(value)
    }
}

/// Which result columns mean what. Every hit row must carry all of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    /// The unit the hit is about (its `unit_id`); used for jurisdiction and unit kind.
    pub unit: String,
    /// Record keys (contract, person, payment …): with the unit, the hit's subject. Empty for
    /// indicators about the unit itself; it may repeat the unit column when the unit is part of
    /// what a fixture case must name (a gap in one village's postings).
    pub subject: Vec<String>,
    /// Measured values shown with the hit.
    pub values: Vec<String>,
    /// Thresholds and peer statistics used (q1, q3, fence, group size …).
    pub thresholds: Vec<String>,
    /// The facts that trigger the hit: the subject's own inputs, never peer statistics or the
    /// run date, so that unrelated imports and later runs give the same hit id.
    pub facts: Vec<String>,
    /// Descriptive columns the texts may quote (a tenant's name, a date); not stored apart.
    pub context: Vec<String>,
}

impl Output {
    /// The keys a fixture case names: the record keys, or the unit for unit-level indicators.
    pub fn case_keys(&self) -> Vec<String> {
        if self.subject.is_empty() {
            vec![self.unit.clone()]
        } else {
            self.subject.clone()
        }
    }

    /// Whether `name` is a threshold that quotes a parameter (no result column needed).
    pub fn is_param_threshold(&self, name: &str, ind: &Indicator) -> bool {
        self.thresholds.iter().any(|t| t == name) && ind.param(name).is_some()
    }

    /// Every declared column, each once, in declaration order.
    pub fn columns(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        std::iter::once(&self.unit)
            .chain(&self.subject)
            .chain(&self.values)
            .chain(&self.thresholds)
            .chain(&self.facts)
            .chain(&self.context)
            .map(String::as_str)
            .filter(|c| seen.insert(*c))
            .collect()
    }
}

/// An expected fixture case: the subject (declared subject columns) and optional checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub subject: BTreeMap<String, String>,
    /// Expected measured values: integers and floats compare exactly, decimal strings compare
    /// after rounding the hit's value to as many decimals as the string has.
    pub values: BTreeMap<String, toml::Value>,
    pub explanation_zh: Option<String>,
    pub explanation_en: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    /// Dataset name → CSV text (English column names or Chinese headers, as any import).
    pub tables: BTreeMap<String, String>,
    /// Parameter values for the fixture run (defaults otherwise), and the run date.
    pub params: BTreeMap<String, toml::Value>,
    pub as_of: NaiveDate,
    pub fire: Vec<Case>,
    pub no_fire: Vec<Case>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub id: String,
    pub version: Version,
    pub domain: String,
    pub unit_kinds: Vec<UnitKind>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub kind: Kind,
    pub severity: Severity,
    pub name_zh: String,
    pub name_en: String,
    pub why_zh: String,
    pub why_en: String,
    pub legal_basis_zh: String,
    pub legal_basis_en: String,
    pub exclusions_zh: String,
    pub exclusions_en: String,
    pub datasets: Vec<String>,
    pub sql: String,
    /// Optional second query: one row per peer statistic of the run (`key` text, `value`
    /// double), reported even when nothing fires (Cardinal's `Meta`: quartiles and fences).
    pub stats_sql: Option<String>,
    pub params: Vec<ParamDef>,
    pub output: Output,
    pub explanation_zh: Template,
    pub explanation_en: Template,
    pub counterfactual_zh: Template,
    pub counterfactual_en: Template,
    /// The template texts as written, for `indicators show`.
    pub texts: BTreeMap<&'static str, String>,
    pub fixture: Option<Fixture>,
    /// Where it came from: `builtin:soe_leasing/SL-S01.toml` or a file path.
    pub source: String,
    pub builtin: bool,
}

impl Indicator {
    pub fn param(&self, name: &str) -> Option<&ParamDef> {
        self.params.iter().find(|p| p.name == name)
    }

    pub fn param_types(&self) -> BTreeMap<String, ParamType> {
        self.params.iter().map(|p| (p.name.clone(), p.ty)).collect()
    }

    /// The fields `indicators list --json` prints.
    pub fn summary_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "version": self.version.to_string(),
            "domain": self.domain,
            "unit_kinds": self.unit_kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "kind": self.kind.as_str(),
            "severity": self.severity.as_str(),
            "legal_basis": {"zh": self.legal_basis_zh, "en": self.legal_basis_en},
            "valid_from": self.valid_from.map(|d| d.to_string()),
            "valid_to": self.valid_to.map(|d| d.to_string()),
            "datasets": self.datasets,
            "source": self.source,
        })
    }

    /// Everything, for `indicators show --json`.
    pub fn detail_json(&self) -> serde_json::Value {
        let mut v = self.summary_json();
        let params: Vec<serde_json::Value> = self
            .params
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "type": p.ty.as_str(),
                    "default": p.default.json(),
                    "min": p.min,
                    "max": p.max,
                    "description_zh": p.description_zh,
                    "description_en": p.description_en,
                })
            })
            .collect();
        let extra = serde_json::json!({
            "why": {"zh": self.why_zh, "en": self.why_en},
            "exclusions": {"zh": self.exclusions_zh, "en": self.exclusions_en},
            "parameters": params,
            "output": self.output,
            "sql": self.sql,
            "stats_sql": self.stats_sql,
            "explanation": {"zh": self.texts.get("explanation.zh"), "en": self.texts.get("explanation.en")},
            "counterfactual": {"zh": self.texts.get("counterfactual.zh"), "en": self.texts.get("counterfactual.en")},
            "fixture": self.fixture.as_ref().map(|f| serde_json::json!({
                "as_of": f.as_of.to_string(),
                "tables": f.tables.keys().collect::<Vec<_>>(),
                "fire": f.fire.len(),
                "no_fire": f.no_fire.len(),
            })),
        });
        if let (Some(a), serde_json::Value::Object(b)) = (v.as_object_mut(), extra) {
            a.extend(b);
        }
        v
    }

    /// Whether the indicator is in force on `day`.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    #[serde(rename = "type")]
    ty: ParamType,
    default: toml::Value,
    min: Option<f64>,
    max: Option<f64>,
    description_zh: String,
    description_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    unit: String,
    subject: Vec<String>,
    values: Vec<String>,
    #[serde(default)]
    thresholds: Vec<String>,
    facts: Vec<String>,
    #[serde(default)]
    context: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Texts {
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    subject: BTreeMap<String, toml::Value>,
    #[serde(default)]
    values: BTreeMap<String, toml::Value>,
    explanation_zh: Option<String>,
    explanation_en: Option<String>,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixture {
    tables: BTreeMap<String, String>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    as_of: toml::Value,
    #[serde(default)]
    fire: Vec<RawCase>,
    #[serde(default)]
    no_fire: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: String,
    version: String,
    domain: String,
    unit_kinds: Vec<String>,
    valid_from: Option<toml::Value>,
    valid_to: Option<toml::Value>,
    kind: Kind,
    severity: Severity,
    name_zh: String,
    name_en: String,
    why_zh: String,
    why_en: String,
    legal_basis_zh: String,
    legal_basis_en: String,
    #[serde(default)]
    exclusions_zh: String,
    #[serde(default)]
    exclusions_en: String,
    datasets: Vec<String>,
    sql: Option<String>,
    sql_file: Option<String>,
    stats_sql: Option<String>,
    #[serde(default)]
    parameters: BTreeMap<String, RawParam>,
    output: RawOutput,
    explanation: Texts,
    counterfactual: Texts,
    fixture: Option<RawFixture>,
}

/// Collects every problem of one file before giving up.
struct Problems {
    what: String,
    list: Vec<Msg>,
}

impl Problems {
    fn add(&mut self, code: &'static str, zh: String, en: String) {
        self.list.push(Msg::new(
            code,
            format!("{}：{zh}", self.what),
            format!("{}: {en}", self.what),
        ));
    }
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase())
        && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `SL-S01`, `RA-R07`, `HZ-SL-X01`: upper-case letters and digits in dash-separated parts.
pub fn is_indicator_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
        && parts[0].as_bytes()[0].is_ascii_uppercase()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn toml_date(v: &toml::Value) -> Option<NaiveDate> {
    let s = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        _ => return None,
    };
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Text of a subject key value as hits record it.
pub(crate) fn key_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Parses and validates one indicator file. `stem` is the file name without `.toml` (it must
/// equal the id); `beside` reads a file next to it (`sql_file`).
pub fn parse(
    text: &str,
    source: &str,
    stem: &str,
    builtin: bool,
    beside: &dyn Fn(&str) -> Option<String>,
) -> Result<Indicator, ScreenError> {
    let invalid = |errors: Vec<Msg>| ScreenError::Invalid {
        file: source.to_owned(),
        errors,
    };
    let raw: RawIndicator = toml::from_str(text).map_err(|e| {
        let e = e.to_string();
        invalid(vec![Msg::new(
            "IND_PARSE",
            format!("{source}：无法解析指标文件（缺少、多余或类型错误的字段）：{}", e.trim()),
            format!("{source}: cannot parse the indicator file (missing, unknown or mistyped field): {}", e.trim()),
        )])
    })?;
    let mut p = Problems {
        what: format!("{source} [{}]", raw.id),
        list: Vec::new(),
    };

    if !is_indicator_id(&raw.id) {
        p.add(
            "IND_ID",
            format!("编号“{}”无效：应如 SL-S01（大写字母与数字，以连字符分隔）", raw.id),
            format!("invalid id '{}': expected e.g. SL-S01 (upper-case letters and digits separated by dashes)", raw.id),
        );
    }
    if raw.id != stem {
        p.add(
            "IND_FILE_NAME",
            format!("文件名应为 {}.toml（一指标一文件，文件名即编号）", raw.id),
            format!(
                "the file should be named {}.toml (one indicator per file, named by its id)",
                raw.id
            ),
        );
    }
    // xx-Rnn is a rule, xx-Snn statistical (reference §0); a mismatch is a typo.
    if let Some(last) = raw.id.rsplit('-').next() {
        let tail_digits = last.len() > 1 && last[1..].bytes().all(|b| b.is_ascii_digit());
        let implied = match last.as_bytes().first() {
            Some(b'R') if tail_digits => Some(Kind::Rule),
            Some(b'S') if tail_digits => Some(Kind::Statistical),
            _ => None,
        };
        if implied.is_some_and(|k| k != raw.kind) {
            p.add(
                "IND_KIND",
                format!(
                    "编号 R 开头为规则、S 开头为统计，但 kind = {}",
                    raw.kind.as_str()
                ),
                format!(
                    "ids ending in Rnn are rules and Snn statistical, but kind = {}",
                    raw.kind.as_str()
                ),
            );
        }
    }
    let version = Version::parse(&raw.version);
    if version.is_none() {
        p.add(
            "IND_VERSION",
            format!("版本“{}”无效：应为 主.次.修订，如 1.0.0", raw.version),
            format!(
                "invalid version '{}': expected MAJOR.MINOR.PATCH such as 1.0.0",
                raw.version
            ),
        );
    }
    if !is_name(&raw.domain) {
        p.add(
            "IND_DOMAIN",
            format!("领域“{}”无效：应为小写英文标识，如 soe_leasing", raw.domain),
            format!(
                "invalid domain '{}': expected a lower-case identifier such as soe_leasing",
                raw.domain
            ),
        );
    }
    let mut unit_kinds = Vec::new();
    for k in &raw.unit_kinds {
        match UnitKind::ALL.into_iter().find(|u| u.as_str() == k) {
            Some(u) => unit_kinds.push(u),
            None => p.add(
                "IND_UNIT_KIND",
                format!("单位类型“{k}”未知：应为 organ、soe、private_enterprise、village、school、hospital、transport、culture 之一"),
                format!("unknown unit kind '{k}': expected one of organ, soe, private_enterprise, village, school, hospital, transport, culture"),
            ),
        }
    }
    if raw.unit_kinds.is_empty() {
        p.add(
            "IND_UNIT_KIND",
            "unit_kinds 不能为空".into(),
            "unit_kinds must not be empty".into(),
        );
    }
    let mut date = |field: &str, v: &Option<toml::Value>| -> Option<NaiveDate> {
        let v = v.as_ref()?;
        let d = toml_date(v);
        if d.is_none() {
            p.add(
                "IND_DATE",
                format!("{field} = {v} 应为日期，如 2024-01-01"),
                format!("{field} = {v} should be a date such as 2024-01-01"),
            );
        }
        d
    };
    let valid_from = date("valid_from", &raw.valid_from);
    let valid_to = date("valid_to", &raw.valid_to);
    if let (Some(f), Some(t)) = (valid_from, valid_to)
        && f > t
    {
        p.add(
            "IND_DATE",
            format!("有效期起 {f} 晚于止 {t}"),
            format!("valid_from {f} is after valid_to {t}"),
        );
    }
    for (field, value, zh) in [
        ("name_zh", &raw.name_zh, true),
        ("name_en", &raw.name_en, false),
        ("why_zh", &raw.why_zh, true),
        ("why_en", &raw.why_en, false),
        ("legal_basis_zh", &raw.legal_basis_zh, true),
        ("legal_basis_en", &raw.legal_basis_en, false),
    ] {
        if value.trim().is_empty() {
            p.add(
                "IND_TEXT",
                format!("{field} 不能为空"),
                format!("{field} must not be empty"),
            );
        } else if zh && !has_cjk(value) {
            p.add(
                "IND_TEXT",
                format!("{field} 应为中文"),
                format!("{field} should be Chinese"),
            );
        }
    }
    if raw.exclusions_zh.trim().is_empty() != raw.exclusions_en.trim().is_empty() {
        p.add(
            "IND_TEXT",
            "exclusions_zh 与 exclusions_en 应同时给出".into(),
            "exclusions_zh and exclusions_en go together".into(),
        );
    }

    // Datasets must be shipped schemas: the engine registers them by these names.
    let catalogue = qinglian_lake::Catalogue::builtin();
    let mut datasets = raw.datasets.clone();
    datasets.sort();
    datasets.dedup();
    for d in &datasets {
        if catalogue.get(d).is_none() {
            p.add(
                "IND_DATASET",
                format!("数据集“{d}”未知（见 qinglian datasets）"),
                format!("unknown dataset '{d}' (see qinglian datasets)"),
            );
        }
    }
    if datasets.is_empty() {
        p.add(
            "IND_DATASET",
            "datasets 不能为空：列出 SQL 读取的数据集".into(),
            "datasets must not be empty: list the datasets the SQL reads".into(),
        );
    }

    let sql = match (&raw.sql, &raw.sql_file) {
        (Some(s), None) => s.clone(),
        (None, Some(f)) => beside(f).unwrap_or_else(|| {
            p.add(
                "IND_SQL_FILE",
                format!("找不到 SQL 文件 {f}（应与指标文件同目录）"),
                format!("SQL file {f} not found (it belongs next to the indicator file)"),
            );
            String::new()
        }),
        _ => {
            p.add(
                "IND_SQL",
                "应给出 sql 或 sql_file 之一".into(),
                "give exactly one of sql and sql_file".into(),
            );
            String::new()
        }
    };

    let mut params = Vec::new();
    for (name, rp) in &raw.parameters {
        if !is_name(name) || name == AS_OF {
            p.add(
                "IND_PARAM_NAME",
                format!("参数名“{name}”无效（小写字母开头；as_of 为保留名）"),
                format!("invalid parameter name '{name}' (lower-case start; as_of is reserved)"),
            );
            continue;
        }
        if rp.description_zh.trim().is_empty() || rp.description_en.trim().is_empty() {
            p.add(
                "IND_PARAM_TEXT",
                format!("参数 {name} 缺少中英文说明"),
                format!("parameter {name} lacks its Chinese and English description"),
            );
        }
        let mut def = ParamDef {
            name: name.clone(),
            ty: rp.ty,
            default: ParamValue::Int(0),
            min: rp.min,
            max: rp.max,
            description_zh: rp.description_zh.clone(),
            description_en: rp.description_en.clone(),
        };
        match def.value_from_toml(&rp.default, &format!("parameters.{name}.default")) {
            Ok(v) => {
                def.default = v;
                params.push(def);
            }
            Err(m) => p.add(m.code, m.zh, m.en),
        }
    }

    let output = Output {
        unit: raw.output.unit.clone(),
        subject: raw.output.subject.clone(),
        values: raw.output.values.clone(),
        thresholds: raw.output.thresholds.clone(),
        facts: raw.output.facts.clone(),
        context: raw.output.context.clone(),
    };
    for (field, list) in [("values", &output.values), ("facts", &output.facts)] {
        if list.is_empty() {
            p.add(
                "IND_OUTPUT",
                format!("output.{field} 不能为空"),
                format!("output.{field} must not be empty"),
            );
        }
    }
    for c in output.columns() {
        if !is_name(c) {
            p.add(
                "IND_OUTPUT",
                format!("输出列名“{c}”无效（小写字母、数字、下划线）"),
                format!(
                    "invalid output column name '{c}' (lower-case letters, digits, underscores)"
                ),
            );
        }
    }

    let known: BTreeSet<&str> = output
        .columns()
        .into_iter()
        .chain(params.iter().map(|d| d.name.as_str()))
        .chain(std::iter::once(AS_OF))
        .collect();
    let mut texts = BTreeMap::new();
    let mut template = |key: &'static str, text: &str| -> Template {
        texts.insert(key, text.to_owned());
        let what = format!("{} {key}", raw.id);
        match Template::parse(text, &what) {
            Ok(t) => {
                for n in t.names() {
                    if !known.contains(n) {
                        p.add(
                            "IND_TEMPLATE",
                            format!("{key} 引用了“{n}”，它既不是声明的输出列也不是参数"),
                            format!("{key} quotes '{n}', which is neither a declared output column nor a parameter"),
                        );
                    }
                }
                if text.trim().is_empty() {
                    p.add(
                        "IND_TEMPLATE",
                        format!("{key} 不能为空"),
                        format!("{key} must not be empty"),
                    );
                }
                t
            }
            Err(m) => {
                p.list.push(m);
                Template::parse("", "").expect("empty template")
            }
        }
    };
    let explanation_zh = template("explanation.zh", &raw.explanation.zh);
    let explanation_en = template("explanation.en", &raw.explanation.en);
    let counterfactual_zh = template("counterfactual.zh", &raw.counterfactual.zh);
    let counterfactual_en = template("counterfactual.en", &raw.counterfactual.en);
    // Hits are reasons to look (design §5): wording says 疑似/提示, never a verdict.
    if !(raw.explanation.zh.contains("疑似") || raw.explanation.zh.contains("提示")) {
        p.add(
            "IND_WORDING",
            "explanation.zh 应使用“疑似”或“提示”等措辞：命中是值得关注的线索，不是结论".into(),
            "explanation.zh should say 疑似 or 提示: a hit is a reason to look, not a verdict"
                .into(),
        );
    }
    if raw.kind == Kind::Statistical
        && ["违规", "违法", "贪污", "腐败"]
            .iter()
            .any(|w| raw.explanation.zh.contains(w))
    {
        p.add(
            "IND_WORDING",
            "统计类指标的说明不得使用“违规”“违法”等定性措辞".into(),
            "explanations of statistical indicators must not use verdict words such as 违规 or 违法".into(),
        );
    }
    if !has_cjk(&raw.explanation.zh) || !has_cjk(&raw.counterfactual.zh) {
        p.add(
            "IND_TEXT",
            "explanation.zh 与 counterfactual.zh 应为中文".into(),
            "explanation.zh and counterfactual.zh should be Chinese".into(),
        );
    }

    let fixture = match raw.fixture {
        None => {
            p.add(
                "IND_FIXTURE",
                "缺少 [fixture]：每个指标都需要必须命中与必须不命中的样例".into(),
                "missing [fixture]: every indicator needs cases that must fire and cases that must not".into(),
            );
            None
        }
        Some(f) => fixture(f, &output, &params, &mut p),
    };

    if !p.list.is_empty() {
        return Err(invalid(p.list));
    }
    Ok(Indicator {
        id: raw.id,
        version: version.expect("checked above"),
        domain: raw.domain,
        unit_kinds,
        valid_from,
        valid_to,
        kind: raw.kind,
        severity: raw.severity,
        name_zh: raw.name_zh,
        name_en: raw.name_en,
        why_zh: raw.why_zh,
        why_en: raw.why_en,
        legal_basis_zh: raw.legal_basis_zh,
        legal_basis_en: raw.legal_basis_en,
        exclusions_zh: raw.exclusions_zh,
        exclusions_en: raw.exclusions_en,
        datasets,
        sql,
        stats_sql: raw.stats_sql,
        params,
        output,
        explanation_zh,
        explanation_en,
        counterfactual_zh,
        counterfactual_en,
        texts,
        fixture,
        source: source.to_owned(),
        builtin,
    })
}

fn fixture(
    f: RawFixture,
    output: &Output,
    params: &[ParamDef],
    p: &mut Problems,
) -> Option<Fixture> {
    let catalogue = qinglian_lake::Catalogue::builtin();
    for name in f.tables.keys() {
        if catalogue.get(name).is_none() {
            p.add(
                "IND_FIXTURE",
                format!("fixture.tables 中的数据集“{name}”未知"),
                format!("fixture.tables names an unknown dataset '{name}'"),
            );
        }
    }
    let as_of = toml_date(&f.as_of);
    if as_of.is_none() {
        p.add(
            "IND_FIXTURE",
            format!("fixture.as_of = {} 应为日期", f.as_of),
            format!("fixture.as_of = {} should be a date", f.as_of),
        );
    }
    for (name, v) in &f.params {
        match params.iter().find(|d| &d.name == name) {
            None => p.add(
                "IND_FIXTURE",
                format!("fixture.params 中的参数“{name}”未声明"),
                format!("fixture.params sets an undeclared parameter '{name}'"),
            ),
            Some(d) => {
                if let Err(m) = d.value_from_toml(v, &format!("fixture.params.{name}")) {
                    p.add(m.code, m.zh, m.en);
                }
            }
        }
    }
    if f.fire.is_empty() || f.no_fire.is_empty() {
        p.add(
            "IND_FIXTURE",
            "fixture 需要至少一个 [[fixture.fire]] 与一个 [[fixture.no_fire]]".into(),
            "a fixture needs at least one [[fixture.fire]] and one [[fixture.no_fire]]".into(),
        );
    }
    let mut seen = BTreeSet::new();
    let mut case = |raw: RawCase, which: &str, p: &mut Problems| -> Case {
        let keys: BTreeSet<&String> = raw.subject.keys().collect();
        let case_keys = output.case_keys();
        let want: BTreeSet<&String> = case_keys.iter().collect();
        if keys != want {
            p.add(
                "IND_FIXTURE",
                format!(
                    "fixture.{which} 的 subject 应恰好给出 {}",
                    case_keys.join("、")
                ),
                format!(
                    "fixture.{which} subject must give exactly {}",
                    case_keys.join(", ")
                ),
            );
        }
        let subject: BTreeMap<String, String> = raw
            .subject
            .iter()
            .map(|(k, v)| (k.clone(), key_text(v)))
            .collect();
        if !seen.insert(subject.clone()) {
            p.add(
                "IND_FIXTURE",
                format!("fixture 中的样例 {subject:?} 重复"),
                format!("fixture case {subject:?} appears twice"),
            );
        }
        // Only what a hit keeps can be checked: measured values and thresholds.
        let checkable: BTreeSet<&str> = output
            .values
            .iter()
            .chain(&output.thresholds)
            .map(String::as_str)
            .collect();
        for k in raw.values.keys() {
            if !checkable.contains(k.as_str()) {
                p.add(
                    "IND_FIXTURE",
                    format!("fixture.{which} 检查的“{k}”不是声明的测量值或阈值（output.values / output.thresholds）"),
                    format!("fixture.{which} checks '{k}', which is not a declared value or threshold (output.values / output.thresholds)"),
                );
            }
        }
        if which == "no_fire" && (!raw.values.is_empty() || raw.explanation_zh.is_some()) {
            p.add(
                "IND_FIXTURE",
                "fixture.no_fire 不命中，不能检查值或说明".into(),
                "fixture.no_fire cases do not fire, so they cannot check values or texts".into(),
            );
        }
        Case {
            subject,
            values: raw.values,
            explanation_zh: raw.explanation_zh,
            explanation_en: raw.explanation_en,
            note: raw.note,
        }
    };
    let fire: Vec<Case> = f.fire.into_iter().map(|c| case(c, "fire", p)).collect();
    let no_fire: Vec<Case> = f
        .no_fire
        .into_iter()
        .map(|c| case(c, "no_fire", p))
        .collect();
    Some(Fixture {
        tables: f.tables,
        params: f.params,
        as_of: as_of?,
        fire,
        no_fire,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            Version::parse("1.2.3"),
            Some(Version {
                major: 1,
                minor: 2,
                patch: 3
            })
        );
        for bad in ["1.2", "1.2.3.4", "01.2.3", "a.b.c", "1..3", ""] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids() {
        for ok in ["SL-S01", "RA-R07", "HZ-SL-X01"] {
            assert!(is_indicator_id(ok), "{ok}");
        }
        for bad in ["sl-s01", "SL", "SL--S01", "1L-S01", "SL-S01 "] {
            assert!(!is_indicator_id(bad), "{bad}");
        }
    }
}
