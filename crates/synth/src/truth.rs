//! The ground-truth file: every anomaly a generator planted, and what the indicators should
//! say about it. Schema documented in `GROUND_TRUTH.md`.

use crate::{Scale, SynthError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 1;
pub const GENERATOR: &str = "qinglian-synth";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub schema_version: u32,
    pub generator: String,
    pub scale: String,
    pub seed: u64,
    /// The reference day to screen the generated data on (packs date everything against it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    pub anomalies: Vec<Anomaly>,
}

/// One planted (or deliberately near-miss) pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    /// Stable within one generation, e.g. `procurement-split-0001`.
    pub id: String,
    /// The dataset holding the rows the anomaly is about.
    pub dataset: String,
    /// Key columns (registry `name`s) and their values, identifying the row(s).
    pub keys: BTreeMap<String, String>,
    /// Indicator ids expected to judge it.
    pub indicators: Vec<String>,
    pub expect: Expect,
    pub kind: AnomalyKind,
    pub note_zh: String,
    pub note_en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The indicators must report it.
    Fire,
    /// The indicators must stay silent (a near miss or a legitimate outlier).
    NoFire,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// Deliberately wrong: should fire.
    Planted,
    /// Just inside the threshold: tests the boundary.
    NearThreshold,
    /// Unusual but legitimate: tests false positives.
    NaturalOutlier,
}

impl GroundTruth {
    pub fn new(scale: Scale, seed: u64) -> Self {
        GroundTruth {
            schema_version: SCHEMA_VERSION,
            generator: GENERATOR.to_owned(),
            scale: scale.as_str().to_owned(),
            seed,
            as_of: None,
            anomalies: Vec::new(),
        }
    }

    pub fn push(&mut self, anomaly: Anomaly) {
        self.anomalies.push(anomaly);
    }

    /// Anomalies sorted by id, indicator lists sorted and deduplicated: the published order
    /// must not depend on the order packs ran in.
    pub fn normalized(&self) -> GroundTruth {
        let mut t = self.clone();
        for a in &mut t.anomalies {
            a.indicators.sort();
            a.indicators.dedup();
        }
        t.anomalies.sort_by(|a, b| a.id.cmp(&b.id));
        t
    }

    /// Pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.normalized())
            .expect("ground truth has only string keys and plain values");
        s.push('\n');
        s
    }

    pub fn write(&self, path: &Path) -> Result<(), SynthError> {
        std::fs::write(path, self.to_json()).map_err(SynthError::io(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anomaly(id: &str) -> Anomaly {
        Anomaly {
            id: id.to_owned(),
            dataset: "posts".to_owned(),
            keys: BTreeMap::from([("post_id".to_owned(), "PT330106-000001".to_owned())]),
            indicators: vec!["b".to_owned(), "a".to_owned(), "b".to_owned()],
            expect: Expect::NoFire,
            kind: AnomalyKind::NearThreshold,
            note_zh: "说明".to_owned(),
            note_en: "note".to_owned(),
        }
    }

    #[test]
    fn empty_file_shape() {
        let json = GroundTruth::new(Scale::County, 7).to_json();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["generator"], "qinglian-synth");
        assert_eq!(v["scale"], "county");
        assert_eq!(v["seed"], 7);
        assert_eq!(v["anomalies"], serde_json::json!([]));
        assert!(json.ends_with("}\n"));
    }

    #[test]
    fn anomalies_sorted_and_round_trip() {
        let mut t = GroundTruth::new(Scale::City, 1);
        t.push(anomaly("z-2"));
        t.push(anomaly("a-1"));
        let json = t.to_json();
        let back: GroundTruth = serde_json::from_str(&json).unwrap();
        assert_eq!(back.anomalies[0].id, "a-1");
        assert_eq!(back.anomalies[0].indicators, ["a", "b"]);
        assert!(json.contains("\"expect\": \"no_fire\""));
        assert!(json.contains("\"kind\": \"near_threshold\""));
    }
}
