//! Every Cardinal prepare and coverage fixture, and the DR file's issue report.

use super::{dr_file, prepare, reader_of, settings_of, shared};
use qinglian_ocds::{LineReader, Settings, coverage};
use sha2::{Digest, Sha256};

fn manifest() -> serde_json::Value {
    let dir = shared().join("cardinal-fixtures");
    serde_json::from_slice(&std::fs::read(dir.join("settings-manifest.json")).unwrap()).unwrap()
}

#[test]
fn every_prepare_fixture_reproduces() {
    let dir = shared().join("cardinal-fixtures");
    let m = manifest();
    let list = m["prepare"].as_array().unwrap();
    assert_eq!(list.len(), 9);
    for f in list {
        let input = std::fs::read(dir.join(f["input"].as_str().unwrap())).unwrap();
        let settings = settings_of(&dir.join(f["settings"].as_str().unwrap()));
        let expected = std::fs::read(dir.join(f["expected_output"].as_str().unwrap())).unwrap();
        let (out, _, _) = prepare(&mut reader_of(input), &settings);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expected).unwrap(),
            "fixture {}",
            f["name"]
        );
    }
}

#[test]
fn every_coverage_fixture_reproduces() {
    let dir = shared().join("cardinal-fixtures");
    let m = manifest();
    let list = m["coverage"].as_array().unwrap();
    assert_eq!(list.len(), 35);
    for f in list {
        let input = std::fs::read(dir.join(f["input"].as_str().unwrap())).unwrap();
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(f["expected"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let got = coverage::run(&mut reader_of(input)).unwrap();
        let got: serde_json::Value = serde_json::from_str(&got.to_json()).unwrap();
        assert_eq!(got, expected, "fixture {}", f["name"]);
    }
}

/// Numerically by line, then bytewise: how the shared expected report is sorted.
fn sorted_rows(csv_text: &str) -> Vec<String> {
    let mut rows: Vec<String> = csv_text.lines().map(str::to_owned).collect();
    rows.sort_by(|a, b| {
        let n = |r: &str| r.split(',').next().unwrap().parse::<u64>().unwrap();
        n(a).cmp(&n(b)).then_with(|| a.as_bytes().cmp(b.as_bytes()))
    });
    rows
}

#[test]
fn dominican_republic_issues_and_output_equal_cardinal() {
    let expected_dir = shared().join("cardinal-expected");
    let settings = settings_of(&expected_dir.join("settings.ini"));
    let mut reader = LineReader::open(&dr_file()).unwrap();
    let (out, issues, summary) = prepare(&mut reader, &settings);

    let expected = std::fs::read_to_string(expected_dir.join("prepared-issues.csv")).unwrap();
    let got = sorted_rows(&issues);
    assert_eq!(got.len(), 1254);
    assert_eq!(got, sorted_rows(&expected));
    assert_eq!(summary.lines, 10_000);
    assert_eq!(summary.releases, 10_000);
    assert_eq!(
        summary.issues_by_kind["/bids/details[]/value/amount is zero"],
        942
    );
    assert_eq!(
        summary.issues_by_kind["/bids/details[]/status not set"],
        312
    );

    // The corrected data itself: Cardinal's prepared.jsonl, lines sorted bytewise.
    let mut lines: Vec<&[u8]> = out
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    let mut h = Sha256::new();
    let mut size = 0;
    for l in &lines {
        h.update(l);
        h.update(b"\n");
        size += l.len() + 1;
    }
    assert_eq!(size, 66_997_081);
    assert_eq!(
        hex::encode(h.finalize()),
        "9d1f3f85fd90879208213a85577d48e0c9de7181e24c87226bae67fc5c746365"
    );
}

#[test]
fn cardinal_init_settings_enable_every_indicator_and_change_nothing() {
    let s = settings_of(&shared().join("cardinal-expected/settings.ini"));
    assert_eq!(s.enabled_indicators().len(), 11);
    assert_eq!(s.prepare, qinglian_ocds::PrepareSettings::default());
    // Every indicator fixture's settings parse too (the next step runs them).
    for f in manifest()["indicators"].as_array().unwrap() {
        let text = f["settings_ini"].as_str().unwrap();
        Settings::parse(text).unwrap_or_else(|e| panic!("{}: {e}", f["name"]));
    }
}
