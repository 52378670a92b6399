//! Offers-log replay (§4.7 step 6, §4.10.15): a lawful sequence passes verify_all; an
//! out-of-order offer or a decline by a non-admitted applicant fails and is named.

use chrono::{TimeZone, Utc};
use qinglian_lottery::hash::{Hash32, sha256};
use qinglian_lottery::offers::{Event, OffersLog};
use qinglian_lottery::publish::{MANIFEST, MANIFEST_FILES, manifest_bytes};
use qinglian_lottery::verify::{Status, verify_all};

use crate::common::{hex32, lot1, read};
use crate::published::republish;

fn setup(log: &OffersLog) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for n in MANIFEST_FILES.iter().chain([&MANIFEST]) {
        std::fs::copy(lot1().join("published-stb-da").join(n), src.join(n)).unwrap();
    }
    std::fs::write(src.join("offers_log.csv"), log.to_bytes()).unwrap();
    let entries: Vec<(&str, Hash32)> = MANIFEST_FILES
        .iter()
        .map(|n| (*n, sha256(&read(src.join(n)))))
        .collect();
    std::fs::write(src.join(MANIFEST), manifest_bytes(&entries)).unwrap();
    tmp
}

fn s01_first_holder_and_waitlist() -> (Hash32, Vec<Hash32>) {
    let dir = lot1().join("published-stb-da");
    let results = String::from_utf8(read(dir.join("results.csv"))).unwrap();
    let holder = results.lines().find(|l| l.ends_with(",S01")).unwrap();
    let wl = String::from_utf8(read(dir.join("waitlists.csv"))).unwrap();
    let list = wl
        .lines()
        .filter(|l| l.starts_with("S01,"))
        .map(|l| hex32(l.rsplit(',').next().unwrap()))
        .collect();
    (hex32(&holder[..64]), list)
}

fn t(min: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 8, min, 0).unwrap()
}

#[test]
fn lawful_log_replays() {
    let (holder, wl) = s01_first_holder_and_waitlist();
    let mut log = OffersLog::default();
    log.append(t(0), "S01", holder, Event::Decline).unwrap();
    log.append(t(1), "S01", wl[0], Event::Offer).unwrap();
    log.append(t(2), "S01", wl[0], Event::Decline).unwrap();
    log.append(t(3), "S01", wl[1], Event::Offer).unwrap();
    log.append(t(4), "S01", wl[1], Event::Expire).unwrap();
    log.append(t(5), "S01", wl[2], Event::Offer).unwrap();
    log.append(t(6), "S01", wl[2], Event::Accept).unwrap();
    let tmp = setup(&log);
    let rep = verify_all(&tmp.path().join("src"));
    assert!(rep.passed(), "{}", rep.to_text());
    assert_eq!(
        rep.status_of("offers_log.csv", "offers-replay"),
        Some(Status::Pass)
    );
    // publish with the same log writes the same bytes.
    let out = tmp.path().join("out");
    republish(&tmp.path().join("src"), &out);
    assert_eq!(
        read(out.join(MANIFEST)),
        read(tmp.path().join("src").join(MANIFEST))
    );
}

#[test]
fn out_of_order_offer_and_stray_decline_are_flagged() {
    let (holder, wl) = s01_first_holder_and_waitlist();
    let mut log = OffersLog::default();
    log.append(t(0), "S01", holder, Event::Decline).unwrap();
    log.append(t(1), "S01", wl[1], Event::Offer).unwrap(); // skips rank 1
    log.append(t(2), "S02", wl[0], Event::Decline).unwrap(); // no offer, no seat there
    let tmp = setup(&log);
    let rep = verify_all(&tmp.path().join("src"));
    let fails: Vec<String> = rep
        .failures()
        .map(|c| format!("{}|{}|{}", c.artefact, c.check, c.en))
        .collect();
    assert_eq!(fails.len(), 2, "{fails:?}");
    assert!(fails[0].starts_with("offers_log.csv|offers-replay|seq 2: out-of-order offer at S01"));
    assert!(fails[1].contains("seq 3") && fails[1].contains("neither an open offer nor a seat"));
}

#[test]
fn offer_without_free_seat_is_flagged() {
    let (_, wl) = s01_first_holder_and_waitlist();
    let mut log = OffersLog::default();
    log.append(t(0), "S01", wl[0], Event::Offer).unwrap();
    let tmp = setup(&log);
    let rep = verify_all(&tmp.path().join("src"));
    assert!(rep.failures().any(|c| c.en.contains("without a free seat")));
}
