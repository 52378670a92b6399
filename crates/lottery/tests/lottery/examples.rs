//! The project's own golden examples (tests/golden/, hand-derived in docs/lottery-protocol.md):
//! sibling groups, seat blocks with precedence, a fallback beacon. Each is a full published
//! directory; seeds and manifests were computed with coreutils `sha256sum`, the allocations by hand.

use std::path::PathBuf;

use qinglian_lottery::beacon::Beacon;
use qinglian_lottery::draw::draw;
use qinglian_lottery::params::Params;
use qinglian_lottery::verify::{Status, verify_all};

use crate::common::read;
use crate::published::republish;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden")).join(name)
}

#[test]
fn golden_examples_verify_and_republish_identically() {
    for name in ["sibling-group", "seat-blocks", "fallback"] {
        let dir = golden(name);
        let rep = verify_all(&dir);
        assert!(rep.passed(), "{name}:\n{}", rep.to_text());
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("o");
        republish(&dir, &out);
        for f in [
            "seed.txt",
            "results.csv",
            "waitlists.csv",
            "run_manifest.txt",
        ] {
            assert!(read(out.join(f)) == read(dir.join(f)), "{name}/{f}");
        }
    }
}

#[test]
fn sibling_bundle_changes_who_gets_in() {
    let dir = golden("sibling-group");
    let roster = String::from_utf8(read(dir.join("roster.csv"))).unwrap();
    let unbundled = roster.replace(",group=GTWIN", "");
    let b = Beacon::parse(&read(dir.join("beacon.json"))).unwrap();
    let d = draw(
        &read(dir.join("params.txt")),
        unbundled.as_bytes(),
        &read(dir.join("ceremony.txt")),
        &b.randomness(),
        1,
    )
    .unwrap();
    let placed: Vec<bool> = d.assigned.iter().map(|a| *a != u32::MAX).collect();
    // Without the bundle the twin with the higher number (line 2) loses to line 3.
    assert_eq!(placed, [false, false, true, true]);
    let with = String::from_utf8(read(dir.join("results.csv"))).unwrap();
    assert_eq!(
        with.lines().map(|l| !l.ends_with(",-")).collect::<Vec<_>>(),
        [false, true, false, true]
    );
}

#[test]
fn seat_blocks_differ_from_one_open_block() {
    let dir = golden("seat-blocks");
    let params = String::from_utf8(read(dir.join("params.txt"))).unwrap();
    let open: String = params
        .lines()
        .filter(|l| !l.starts_with("block."))
        .map(|l| format!("{l}\n"))
        .collect();
    let b = Beacon::parse(&read(dir.join("beacon.json"))).unwrap();
    let d = draw(
        open.as_bytes(),
        &read(dir.join("roster.csv")),
        &read(dir.join("ceremony.txt")),
        &b.randomness(),
        1,
    )
    .unwrap();
    assert!(d.results_bytes() != read(dir.join("results.csv")));
    let p = Params::parse(params.as_bytes()).unwrap();
    assert_eq!(Params::parse(&p.to_bytes()).unwrap(), p);
    assert_eq!(p.to_bytes(), params.as_bytes());
}

#[test]
fn fallback_beacon_needs_a_declared_fallback() {
    let dir = golden("fallback");
    let tmp = tempfile::tempdir().unwrap();
    let d2 = tmp.path().join("d");
    std::fs::create_dir(&d2).unwrap();
    for e in std::fs::read_dir(&dir).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), d2.join(e.file_name())).unwrap();
    }
    // A value that does not fit fallback.format is rejected.
    let bj = String::from_utf8(read(dir.join("beacon.json")))
        .unwrap()
        .replace("3288.45", "3288.4");
    std::fs::write(d2.join("beacon.json"), bj).unwrap();
    let rep = verify_all(&d2);
    assert_eq!(
        rep.status_of("beacon.json", "beacon-signature"),
        Some(Status::Fail)
    );
    // Params without fallback.* cannot accept a fallback beacon at all.
    let p = Params::parse(&read(golden("sibling-group").join("params.txt"))).unwrap();
    let fb = Beacon::parse(&read(dir.join("beacon.json"))).unwrap();
    assert!(
        fb.verify(p.beacon.as_ref().unwrap(), p.fallback.as_ref())
            .is_err()
    );
}
