//! Fixtures: each indicator's small input tables and exact expected hits, run by
//! `qinglian indicators check` and by the test suite.
//!
//! A fixture passes when the hits' subjects are exactly the `fire` cases (a hit on a `no_fire`
//! case, or on anything not listed, is a mismatch), and every value or text a case checks is
//! equal.

use crate::engine::{Engine, InputRef, Limits};
use crate::error::{Result, ScreenError};
use crate::hit::{Hit, sha256_hex};
use crate::indicator::{Case, Indicator};
use crate::overrides::Overrides;
use crate::params::{AS_OF, ParamSet, ParamValue};
use qinglian_core::Msg;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: String,
    pub positives: usize,
    pub negatives: usize,
    pub passed: bool,
    /// Every mismatch or error, in both languages.
    pub problems: Vec<Msg>,
}

/// The parameters of a fixture run: defaults, the fixture's own values, its run date.
pub fn fixture_params(ind: &Indicator) -> Result<ParamSet> {
    let f = ind.fixture.as_ref().ok_or_else(|| no_fixture(ind))?;
    let mut set = Overrides::default().effective(ind, None, f.as_of);
    for (name, v) in &f.params {
        let def = ind.param(name).ok_or_else(|| no_fixture(ind))?;
        let value = def.value_from_toml(v, &format!("{} fixture.params.{name}", ind.id))?;
        set.0.insert(name.clone(), value);
    }
    set.0.insert(AS_OF.to_owned(), ParamValue::Date(f.as_of));
    Ok(set)
}

fn no_fixture(ind: &Indicator) -> ScreenError {
    ScreenError::msg(
        "IND_FIXTURE",
        format!("{} 没有样例数据", ind.id),
        format!("{} has no fixture", ind.id),
    )
}

/// An engine holding the fixture's tables (declared datasets not given are empty).
pub fn fixture_engine(ind: &Indicator, limits: Limits) -> Result<Engine> {
    let f = ind.fixture.as_ref().ok_or_else(|| no_fixture(ind))?;
    let mut engine = Engine::new(limits)?;
    let mut names: BTreeSet<&str> = ind.datasets.iter().map(String::as_str).collect();
    names.extend(f.tables.keys().map(String::as_str));
    for name in names {
        let schema = qinglian_lake::schema_of(name)
            .map_err(|e| ScreenError::msg("IND_FIXTURE", format!("{e}"), format!("{e}")))?;
        let text = f.tables.get(name).map_or("", String::as_str);
        let batches = if text.trim().is_empty() {
            vec![]
        } else {
            qinglian_lake::parse_bytes(
                schema,
                &format!("{}-fixture-{name}.csv", ind.id),
                text.trim_start().as_bytes(),
            )
            .map_err(|e| {
                ScreenError::msg(
                    "IND_FIXTURE_TABLE",
                    format!("{} 样例表 {name} 无效：{e}", ind.id),
                    format!("{} fixture table {name} is invalid: {e}", ind.id),
                )
            })?
        };
        let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
        engine.register_batches(
            schema,
            batches,
            InputRef {
                hash: sha256_hex(text.as_bytes()),
                batches: vec!["fixture".to_owned()],
                rows,
            },
        )?;
    }
    Ok(engine)
}

/// Runs the fixture and returns its hits (for `check` and for tests that look closer).
pub async fn run_fixture(ind: &Indicator, limits: Limits) -> Result<Vec<Hit>> {
    let engine = fixture_engine(ind, limits)?;
    let params = fixture_params(ind)?;
    engine.validate(ind, &params).await?;
    let units = crate::run::unit_index(&engine).await?;
    let inputs = engine.inputs().clone();
    let batches = engine.execute(ind, &params).await?;
    // The peer statistics must run on the fixture too, so a broken stats_sql fails the check.
    engine.execute_stats(ind, &params).await?;
    crate::hit::hits_from_batches(ind, &batches, &params, &inputs, &units)
}

fn value_matches(expected: &toml::Value, actual: &serde_json::Value) -> bool {
    match expected {
        toml::Value::Integer(i) => actual.as_i64() == Some(*i),
        toml::Value::Float(f) => actual
            .as_f64()
            .is_some_and(|a| (a - f).abs() <= 1e-9 * f.abs().max(1.0)),
        toml::Value::Boolean(b) => actual.as_bool() == Some(*b),
        toml::Value::String(s) => {
            // A decimal string compares at its own precision; other text compares as text.
            let decimals = s.split_once('.').map_or(0, |(_, d)| d.len());
            match (s.parse::<f64>(), actual.as_f64()) {
                (Ok(_), Some(a)) => format!("{a:.decimals$}") == *s,
                _ => actual.as_str() == Some(s.as_str()),
            }
        }
        _ => false,
    }
}

fn subject_of(ind: &Indicator, h: &Hit) -> BTreeMap<String, String> {
    ind.output
        .case_keys()
        .into_iter()
        .map(|k| {
            let v = h.subject.get(&k).cloned().unwrap_or_default();
            (k, v)
        })
        .collect()
}

fn describe(s: &BTreeMap<String, String>) -> String {
    s.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares hits with the fixture's cases; every mismatch is listed.
pub fn compare(ind: &Indicator, hits: &[Hit]) -> Vec<Msg> {
    let Some(f) = &ind.fixture else {
        return vec![no_fixture(ind).messages().remove(0)];
    };
    let mut problems = Vec::new();
    let by_subject: BTreeMap<BTreeMap<String, String>, &Hit> =
        hits.iter().map(|h| (subject_of(ind, h), h)).collect();
    let no_fire: BTreeSet<&BTreeMap<String, String>> =
        f.no_fire.iter().map(|c| &c.subject).collect();
    let fire: BTreeSet<&BTreeMap<String, String>> = f.fire.iter().map(|c| &c.subject).collect();
    for case in &f.fire {
        match by_subject.get(&case.subject) {
            None => problems.push(Msg::new(
                "FIXTURE_MISSED",
                format!(
                    "{}：应命中 {} 但未命中{}",
                    ind.id,
                    describe(&case.subject),
                    note(case)
                ),
                format!(
                    "{}: should fire on {} but did not{}",
                    ind.id,
                    describe(&case.subject),
                    note(case)
                ),
            )),
            Some(h) => check_case(ind, case, h, &mut problems),
        }
    }
    for (subject, _) in by_subject.iter().filter(|(s, _)| !fire.contains(s)) {
        let listed = no_fire.contains(subject);
        problems.push(Msg::new(
            "FIXTURE_UNEXPECTED",
            format!(
                "{}：{} 不应命中但命中了{}",
                ind.id,
                describe(subject),
                if listed {
                    "（列为 no_fire）"
                } else {
                    "（样例中未列出）"
                }
            ),
            format!(
                "{}: fired on {}, which it must not{}",
                ind.id,
                describe(subject),
                if listed {
                    " (listed as no_fire)"
                } else {
                    " (not listed in the fixture)"
                }
            ),
        ));
    }
    problems
}

fn note(c: &Case) -> String {
    if c.note.is_empty() {
        String::new()
    } else {
        format!("（{}）", c.note)
    }
}

fn check_case(ind: &Indicator, case: &Case, h: &Hit, problems: &mut Vec<Msg>) {
    for (name, expected) in &case.values {
        let actual = h
            .values
            .get(name)
            .or_else(|| h.thresholds.get(name))
            .cloned()
            .or_else(|| {
                h.subject
                    .get(name)
                    .map(|s| serde_json::Value::String(s.clone()))
            })
            .unwrap_or(serde_json::Value::Null);
        if !value_matches(expected, &actual) {
            problems.push(Msg::new(
                "FIXTURE_VALUE",
                format!(
                    "{}：{} 的 {name} 应为 {expected}，实际为 {actual}",
                    ind.id,
                    describe(&case.subject)
                ),
                format!(
                    "{}: {} {name} should be {expected}, is {actual}",
                    ind.id,
                    describe(&case.subject)
                ),
            ));
        }
    }
    for (expected, actual, lang) in [
        (&case.explanation_zh, &h.explanation_zh, "zh"),
        (&case.explanation_en, &h.explanation_en, "en"),
    ] {
        if let Some(e) = expected
            && e != actual
        {
            problems.push(Msg::new(
                "FIXTURE_TEXT",
                format!(
                    "{}：{} 的说明（{lang}）应为“{e}”，实际为“{actual}”",
                    ind.id,
                    describe(&case.subject)
                ),
                format!(
                    "{}: {} explanation ({lang}) should be '{e}', is '{actual}'",
                    ind.id,
                    describe(&case.subject)
                ),
            ));
        }
    }
}

/// Runs and compares one indicator's fixture.
pub async fn check(ind: &Indicator, limits: Limits) -> Report {
    let (positives, negatives) = ind
        .fixture
        .as_ref()
        .map_or((0, 0), |f| (f.fire.len(), f.no_fire.len()));
    let problems = match run_fixture(ind, limits).await {
        Ok(hits) => compare(ind, &hits),
        Err(e) => e.messages(),
    };
    Report {
        id: ind.id.clone(),
        positives,
        negatives,
        passed: problems.is_empty(),
        problems,
    }
}
