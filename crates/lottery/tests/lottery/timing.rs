//! Timing evidence and notarised hashes (§4.7 steps 2 and 4, §4.10.4), IA end to end, and
//! determinism across thread counts.

use qinglian_lottery::beacon::QUICKNET;
use qinglian_lottery::hash::sha256;
use qinglian_lottery::publish::{PublishInput, publish};
use qinglian_lottery::verify::{
    Notarised, Status, TimingEvidence, VerifyOptions, verify_all, verify_all_with,
};

use crate::common::{lot1, read};

fn opts(t4: Option<i64>, nb: Option<u64>, t5: Option<i64>) -> VerifyOptions {
    VerifyOptions {
        timing: Some(TimingEvidence {
            t4_commit_unix: t4,
            not_before_round: nb,
            ceremony_done_unix: t5,
            margin_secs: 3600,
        }),
        ..VerifyOptions::default()
    }
}

#[test]
fn timing_evidence_passes_or_fails_as_declared() {
    let dir = lot1().join("published-stb-da");
    let t_r = QUICKNET.time_of_round(123);
    let good = verify_all_with(&dir, &opts(Some(t_r - 7200), Some(100), Some(t_r - 60)));
    assert!(good.passed(), "{}", good.to_text());
    assert_eq!(
        good.status_of("(timing)", "timing-t4-margin"),
        Some(Status::Pass)
    );
    // R earlier than the commit plus the margin.
    let early = verify_all_with(&dir, &opts(Some(t_r - 60), None, None));
    assert_eq!(
        early.first_failure().map(|c| c.check),
        Some("timing-t4-margin")
    );
    // A "not-before" round later than R: R already existed when the roster was committed.
    let late = verify_all_with(&dir, &opts(None, Some(124), None));
    assert_eq!(
        late.first_failure().map(|c| c.check),
        Some("timing-not-before")
    );
    // The ceremony must be over before time(R).
    let slow = verify_all_with(&dir, &opts(None, None, Some(t_r + 1)));
    assert_eq!(
        slow.first_failure().map(|c| c.check),
        Some("timing-ceremony")
    );
}

#[test]
fn notarised_hashes_are_compared() {
    let dir = lot1().join("published-stb-da");
    let roster = sha256(&read(dir.join("roster.csv")));
    let mut o = VerifyOptions {
        notarised: Notarised {
            roster_sha256: Some(roster),
            ..Notarised::default()
        },
        ..VerifyOptions::default()
    };
    assert_eq!(
        verify_all_with(&dir, &o).status_of("roster.csv", "sha256-vs-notarised"),
        Some(Status::Pass)
    );
    o.notarised.params_sha256 = Some(roster);
    let rep = verify_all_with(&dir, &o);
    let f = rep.first_failure().unwrap();
    assert_eq!((f.artefact, f.check), ("params.txt", "sha256-vs-notarised"));
}

#[test]
fn ia_publication_verifies_and_output_is_thread_independent() {
    let src = lot1().join("published-stb-da");
    let params = String::from_utf8(read(src.join("params.txt")))
        .unwrap()
        .replace("mechanism=DA", "mechanism=IA")
        .into_bytes();
    let (roster, ceremony, beacon) = (
        read(src.join("roster.csv")),
        read(src.join("ceremony.txt")),
        read(src.join("beacon.json")),
    );
    let input = PublishInput {
        params: &params,
        roster: &roster,
        ceremony: &ceremony,
        beacon: &beacon,
        offers_log: b"",
    };
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let da = publish(&a, &input, 1).unwrap();
    publish(&b, &input, 3).unwrap();
    for f in [
        "seed.txt",
        "results.csv",
        "waitlists.csv",
        "run_manifest.txt",
    ] {
        assert!(
            read(a.join(f)) == read(b.join(f)),
            "{f} depends on the thread count"
        );
    }
    let rep = verify_all(&a);
    assert!(rep.passed(), "{}", rep.to_text());
    // No school is over capacity, and IA really ran (its result differs from DA's here).
    let caps: Vec<u64> = da
        .params
        .schools
        .values()
        .map(|s| u64::from(s.cap))
        .collect();
    for (s, cap) in caps.iter().enumerate() {
        assert!(da.assigned.iter().filter(|x| **x == s as u32).count() as u64 <= *cap);
    }
    let dm = String::from_utf8(read(src.join("results.csv"))).unwrap();
    assert!(
        read(a.join("results.csv")) != dm.into_bytes(),
        "IA and DA differ on this roster"
    );
}
