//! verify_me on the published STB directory, with applicants.csv as the families' receipts.

use qinglian_lottery::hash::to_hex;
use qinglian_lottery::verify::verify_me;

use crate::common::{lot1, read};

fn applicant_of(c: &str) -> (String, String) {
    let text = String::from_utf8(read(lot1().join("applicants.csv"))).unwrap();
    let row = text
        .lines()
        .find(|l| l.ends_with(c))
        .expect("commitment in applicants.csv");
    let f: Vec<&str> = row.split(',').collect();
    (f[1].to_owned(), f[2].to_owned())
}

#[test]
fn spot_check_applicant_number_and_waitlist_ranks() {
    let c = "00221f29940a8599ac529aacf3ed52fde655c7614d372a9fa3eb61c53d2eff14";
    let (id, salt) = applicant_of(c);
    let rep = verify_me(&lot1().join("published-stb-da"), &id, &salt).unwrap();
    assert!(rep.found);
    assert_eq!(to_hex(&rep.commitment), c);
    assert_eq!(rep.result, None);
    let by: Vec<(&str, u32, Option<u64>)> = rep
        .choices
        .iter()
        .map(|m| (m.school.as_str(), m.tier, m.waitlist_rank))
        .collect();
    assert_eq!(by, [("S04", 1, Some(21)), ("S01", 3, Some(404))]);
    assert_eq!(
        to_hex(&rep.choices[0].number),
        "ac02c56f96fa3ebb8278245929ea619113a8d56136e740bc1091de3f51cdff99"
    );
    // Not admitted anywhere, so it ranks below each school's cut-off.
    for m in &rep.choices {
        let (_, cut_rank) = m.cutoff.unwrap();
        assert!(m.rank > cut_rank, "{m:?}");
    }
    let text = rep.lines.join("\n");
    assert!(text.contains("候补第 21 位") && text.contains("waitlist position 21"));
    // The synthetic ID fails GB 11643 (most do): warned, not refused.
    if qinglian_core::ids::validate_citizen_id(&id).is_err() {
        assert!(rep.warnings.iter().any(|w| w.contains("warning")));
    }
}

#[test]
fn admitted_applicant_sees_rank_within_cutoff_and_normalised_id() {
    let results = String::from_utf8(read(lot1().join("published-stb-da/results.csv"))).unwrap();
    let row = results.lines().find(|l| !l.ends_with(",-")).unwrap();
    let (c, school) = row.split_once(',').unwrap();
    let (id, salt) = applicant_of(c);
    // Full-width digits and surrounding spaces normalise to the same commitment.
    let fw: String = id
        .chars()
        .map(|ch| char::from_u32(ch as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    let rep = verify_me(&lot1().join("published-stb-da"), &format!("  {fw} "), &salt).unwrap();
    assert!(rep.found);
    assert_eq!(rep.result.as_deref(), Some(school));
    let here = rep.choices.iter().find(|m| m.school == school).unwrap();
    assert!(
        here.admitted_here && here.rank <= here.cutoff.unwrap().1 && here.waitlist_rank.is_none()
    );
}

#[test]
fn unknown_applicant_is_reported_not_found() {
    let rep = verify_me(
        &lot1().join("published-mtb-da"),
        "110108201901010000",
        "00000000000000000000000000000000",
    )
    .unwrap();
    assert!(!rep.found);
    assert!(rep.lines.iter().any(|l| l.contains("not in the roster")));
}

#[test]
fn every_applicant_is_in_the_roster() {
    let text = String::from_utf8(read(lot1().join("applicants.csv"))).unwrap();
    let roster = String::from_utf8(read(lot1().join("roster.csv"))).unwrap();
    for row in text.lines().step_by(97) {
        let f: Vec<&str> = row.split(',').collect();
        let salt = qinglian_lottery::Salt::parse(f[2]).unwrap();
        let (c, _) = qinglian_lottery::commit::commitment_lenient("2026-DEMO-G1", f[1], &salt);
        assert_eq!(to_hex(&c), f[3]);
        assert!(roster.contains(&to_hex(&c)));
    }
}

/// A small lottery built from registrations, with twins: verify_me shows the twins the group
/// number and the same ranks the full draw uses.
#[test]
fn twins_see_the_group_number_in_verify_me() {
    use qinglian_lottery::numbers::Numbers;
    use qinglian_lottery::params::Params;
    use qinglian_lottery::publish::{PublishInput, publish};
    use qinglian_lottery::roster::{Roster, RosterEntry};
    use qinglian_lottery::{Salt, register};

    let dir = crate::common::lot1().join("published-mtb-da");
    let params_b =
        b"cap.A=2\ncap.B=1\nlottery_id=T-TWINS\nmechanism=DA\nsibling.rule=min\ntiebreak=MTB\n"
            .to_vec();
    let params = Params::parse(&params_b).unwrap();
    // Valid GB 11643 IDs: 17 digits plus the computed check character.
    let ids: Vec<String> = (0..8u32)
        .map(|i| {
            let first17 = format!("11010520150101{i:03}");
            let check = qinglian_core::ids::citizen_id_check_char(first17.as_bytes());
            format!("{first17}{check}")
        })
        .collect();
    let salts: Vec<Salt> = (0..8)
        .map(|i| Salt::parse(&format!("{i:032x}")).unwrap())
        .collect();
    let entries: Vec<RosterEntry> = (0..8)
        .map(|i| RosterEntry {
            commitment: register("T-TWINS", &ids[i], salts[i].clone())
                .unwrap()
                .commitment,
            choices: vec![("A".into(), 1), ("B".into(), 1 + (i as u32 % 2))],
            group: (i < 2).then(|| "GT1".to_owned()),
        })
        .collect();
    let (_, roster_b) = Roster::from_entries(entries, &params).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pub");
    let (ceremony, beacon) = (
        read(dir.join("ceremony.txt")),
        read(dir.join("beacon.json")),
    );
    let d = publish(
        &out,
        &PublishInput {
            params: &params_b,
            roster: &roster_b,
            ceremony: &ceremony,
            beacon: &beacon,
            offers_log: b"",
        },
        1,
    )
    .unwrap();
    assert!(
        qinglian_lottery::verify_all(&out)
            .failures()
            .all(|c| c.artefact == "params.txt" && c.check == "beacon-pins")
    );
    let Numbers::Mtb(eff) = &d.effective else {
        panic!("MTB")
    };
    for twin in 0..2 {
        let rep = verify_me(&out, &ids[twin], salts[twin].as_str()).unwrap();
        let i = d.roster.find(&rep.commitment).unwrap();
        for (j, m) in rep.choices.iter().enumerate() {
            assert_eq!(
                m.number,
                eff[d.roster.start[i] as usize + j],
                "twin {twin} at {}",
                m.school
            );
        }
        assert_eq!(rep.result.is_some(), d.assigned[i] != u32::MAX);
    }
}
