//! Scores hits against a ground-truth file (`qinglian synth`'s `ground_truth.json`): per
//! indicator, recall over the anomalies that must fire and precision over all its hits.
//!
//! A hit matches an anomaly when the anomaly names the hit's indicator and every key of the
//! anomaly equals the hit's subject value of that name. Hits that match no `fire` entry count
//! against precision, whether they fall on a `no_fire` entry or on unlabelled rows.

use crate::hit::Hit;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Score {
    pub indicator_id: String,
    pub hits: usize,
    pub true_positives: usize,
    /// Entries with `expect: fire` for this indicator, and how many of them were hit.
    pub must_fire: usize,
    pub found: usize,
    /// Entries with `expect: no_fire` for this indicator, and how many of them were hit anyway.
    pub must_not_fire: usize,
    pub wrongly_fired: usize,
    pub recall: f64,
    pub precision: f64,
}

struct Entry<'a> {
    keys: Vec<(&'a str, &'a str)>,
    fire: bool,
}

fn matches(e: &Entry<'_>, h: &Hit) -> bool {
    e.keys
        .iter()
        .all(|(k, v)| h.subject.get(*k).is_some_and(|s| s == v))
}

/// Scores `hits` of the indicators `ids` against the ground truth document.
pub fn score(truth: &Value, hits: &[Hit], ids: &[&str]) -> Vec<Score> {
    let mut by_indicator: BTreeMap<&str, Vec<Entry<'_>>> = BTreeMap::new();
    for a in truth["anomalies"].as_array().into_iter().flatten() {
        let keys: Vec<(&str, &str)> = a["keys"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default()))
            .collect();
        let fire = a["expect"] == "fire";
        for i in a["indicators"].as_array().into_iter().flatten() {
            if let Some(i) = i.as_str() {
                by_indicator.entry(i).or_default().push(Entry {
                    keys: keys.clone(),
                    fire,
                });
            }
        }
    }
    ids.iter()
        .map(|id| {
            let entries = by_indicator.get(id).map_or(&[][..], Vec::as_slice);
            let mine: Vec<&Hit> = hits.iter().filter(|h| h.indicator_id == *id).collect();
            let tp = mine
                .iter()
                .filter(|h| entries.iter().any(|e| e.fire && matches(e, h)))
                .count();
            let fire: Vec<&Entry<'_>> = entries.iter().filter(|e| e.fire).collect();
            let found = fire
                .iter()
                .filter(|e| mine.iter().any(|h| matches(e, h)))
                .count();
            let no_fire: Vec<&Entry<'_>> = entries.iter().filter(|e| !e.fire).collect();
            let wrongly = no_fire
                .iter()
                .filter(|e| mine.iter().any(|h| matches(e, h)))
                .count();
            Score {
                indicator_id: (*id).to_owned(),
                hits: mine.len(),
                true_positives: tp,
                must_fire: fire.len(),
                found,
                must_not_fire: no_fire.len(),
                wrongly_fired: wrongly,
                recall: if fire.is_empty() {
                    1.0
                } else {
                    found as f64 / fire.len() as f64
                },
                precision: if mine.is_empty() {
                    1.0
                } else {
                    tp as f64 / mine.len() as f64
                },
            }
        })
        .collect()
}
