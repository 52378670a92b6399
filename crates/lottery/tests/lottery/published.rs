//! The published directories: verify_all passes / fails as the vectors README demands, and
//! publish writes the same nine files byte for byte.

use std::path::Path;

use qinglian_lottery::publish::{MANIFEST, MANIFEST_FILES, PublishInput, publish};
use qinglian_lottery::verify::{Status, verify_all};

use crate::common::{lot1, read};

#[test]
fn verify_all_passes_on_good_directories() {
    for d in ["published-stb-da", "published-mtb-da"] {
        let rep = verify_all(&lot1().join(d));
        assert!(rep.passed(), "{d}:\n{}", rep.to_text());
        assert_eq!(
            rep.status_of("beacon.json", "beacon-signature"),
            Some(Status::Pass)
        );
        assert_eq!(
            rep.status_of("(timing)", "timing"),
            Some(Status::NoEvidence)
        );
        assert_eq!(
            rep.status_of("offers_log.csv", "offers-replay"),
            Some(Status::Pass)
        );
    }
}

#[test]
fn verify_all_fails_on_tampered_roster_naming_the_roster_hash() {
    let rep = verify_all(&lot1().join("published-stb-da-tampered-roster"));
    assert!(!rep.passed());
    let first = rep.first_failure().unwrap();
    assert_eq!(
        (first.artefact, first.check),
        ("roster.csv", "sha256-vs-manifest"),
        "{}",
        rep.to_text()
    );
    assert!(
        first
            .en
            .contains("ee27cc971c250cdd15990dfbd6773b1a74e6cbb58f42ab9db8b01c2daeccbccd")
    );
    // Strict parsing passes (the tampered roster is canonical); only consequences fail after.
    assert_eq!(
        rep.status_of("roster.csv", "canonical-format"),
        Some(Status::Pass)
    );
    let failed: Vec<(&str, &str)> = rep.failures().map(|c| (c.artefact, c.check)).collect();
    assert_eq!(
        failed,
        [
            ("roster.csv", "sha256-vs-manifest"),
            ("seed.txt", "seed-recompute"),
            ("results.csv", "allocation-recompute"),
            ("waitlists.csv", "waitlists-recompute"),
        ]
    );
    assert!(
        rep.failures()
            .nth(1)
            .unwrap()
            .en
            .contains("fec8d5d095900a2bfbdc38cca36387dfb6eb3b1b8e0bee24529fd586bdf54b08")
    );
}

pub fn republish(src: &Path, out: &Path) {
    let r = |n: &str| read(src.join(n));
    let (p, ro, c, b, o) = (
        r("params.txt"),
        r("roster.csv"),
        r("ceremony.txt"),
        r("beacon.json"),
        r("offers_log.csv"),
    );
    publish(
        out,
        &PublishInput {
            params: &p,
            roster: &ro,
            ceremony: &c,
            beacon: &b,
            offers_log: &o,
        },
        2,
    )
    .unwrap();
}

#[test]
fn publish_writes_the_same_bytes() {
    for d in ["published-stb-da", "published-mtb-da"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        republish(&lot1().join(d), &out);
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut want: Vec<&str> = MANIFEST_FILES.to_vec();
        want.push(MANIFEST);
        want.sort_unstable();
        assert_eq!(names, want);
        for n in want {
            assert!(
                read(out.join(n)) == read(lot1().join(d).join(n)),
                "{d}/{n} differs"
            );
        }
    }
}

#[test]
fn publish_refuses_a_bad_beacon_for_pinned_params() {
    let src = lot1().join("published-stb-da");
    let r = |n: &str| read(src.join(n));
    let mut b = r("beacon.json");
    // Point the beacon at round 124: the pinned round is 123.
    let text = String::from_utf8(b.clone())
        .unwrap()
        .replace("\"round\": 123", "\"round\": 124");
    b = text.into_bytes();
    let tmp = tempfile::tempdir().unwrap();
    let res = publish(
        tmp.path(),
        &PublishInput {
            params: &r("params.txt"),
            roster: &r("roster.csv"),
            ceremony: &r("ceremony.txt"),
            beacon: &b,
            offers_log: b"",
        },
        1,
    );
    assert!(res.is_err());
}
