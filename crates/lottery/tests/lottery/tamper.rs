//! Tamper detection (§4.10.3): any single changed byte of any artefact fails verify_all; a
//! forger who also rewrites the manifest is still caught by the recomputation.

use std::path::Path;

use proptest::prelude::*;
use qinglian_lottery::hash::sha256;
use qinglian_lottery::publish::{MANIFEST, MANIFEST_FILES, manifest_bytes};
use qinglian_lottery::verify::{Status, verify_all};

use crate::common::{lot1, read};

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
}

fn rewrite_manifest(dir: &Path) {
    let entries: Vec<(&str, [u8; 32])> = MANIFEST_FILES
        .iter()
        .map(|n| (*n, sha256(&read(dir.join(n)))))
        .collect();
    std::fs::write(dir.join(MANIFEST), manifest_bytes(&entries)).unwrap();
}

const ALL: [&str; 9] = [
    "beacon.json",
    "ceremony.txt",
    "offers_log.csv",
    "params.txt",
    "results.csv",
    "roster.csv",
    "run_manifest.txt",
    "seed.txt",
    "waitlists.csv",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_single_byte_change_is_detected(file in 0usize..9, pos in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        copy_dir(&lot1().join("published-stb-da"), &dir);
        let name = ALL[file];
        let mut bytes = read(dir.join(name));
        if bytes.is_empty() {
            // offers_log.csv is empty: "changing a byte" means adding one.
            bytes.push(xor);
        } else {
            let i = pos.index(bytes.len());
            bytes[i] ^= xor;
        }
        std::fs::write(dir.join(name), &bytes).unwrap();
        let rep = verify_all(&dir);
        prop_assert!(!rep.passed(), "{name} change not detected");
        let f = rep.first_failure().unwrap();
        prop_assert!(f.artefact == name || name == MANIFEST, "first failure {} for {name}", f);
    }
}

#[test]
fn forged_manifest_does_not_hide_a_roster_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    copy_dir(&lot1().join("published-stb-da-tampered-roster"), &dir);
    rewrite_manifest(&dir);
    let rep = verify_all(&dir);
    assert!(!rep.passed());
    assert_eq!(
        rep.status_of("roster.csv", "sha256-vs-manifest"),
        Some(Status::Pass)
    );
    let f = rep.first_failure().unwrap();
    assert_eq!((f.artefact, f.check), ("seed.txt", "seed-recompute"));
}

#[test]
fn forged_results_are_caught_by_recomputation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    copy_dir(&lot1().join("published-stb-da"), &dir);
    // Move one unplaced applicant into S01 in place of a placed one.
    let text = String::from_utf8(read(dir.join("results.csv"))).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let a = lines.iter().position(|l| l.ends_with(",S01")).unwrap();
    let b = lines.iter().position(|l| l.ends_with(",-")).unwrap();
    lines[a] = lines[a].replace(",S01", ",-");
    lines[b] = lines[b].replace(",-", ",S01");
    std::fs::write(dir.join("results.csv"), lines.join("\n") + "\n").unwrap();
    rewrite_manifest(&dir);
    let rep = verify_all(&dir);
    let failed: Vec<(&str, &str)> = rep.failures().map(|c| (c.artefact, c.check)).collect();
    assert_eq!(failed, [("results.csv", "allocation-recompute")]);
    assert!(
        rep.first_failure()
            .unwrap()
            .en
            .contains(&format!("line {}", a.min(b) + 1))
    );
}

#[test]
fn extra_or_missing_file_fails_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    copy_dir(&lot1().join("published-mtb-da"), &dir);
    std::fs::write(dir.join("notes.txt"), b"x").unwrap();
    assert_eq!(verify_all(&dir).first_failure().unwrap().check, "layout");
    std::fs::remove_file(dir.join("notes.txt")).unwrap();
    std::fs::remove_file(dir.join("waitlists.csv")).unwrap();
    let rep = verify_all(&dir);
    assert!(
        rep.failures()
            .any(|c| c.artefact == "waitlists.csv" && c.check == "layout")
    );
}
