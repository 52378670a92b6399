//! Strict canonical parsers (§4.7 step 1, §4.10.3) and registration (§4.10.12).

use qinglian_lottery::ceremony::Ceremony;
use qinglian_lottery::commit::{Salt, register};
use qinglian_lottery::offers::{Event, OffersLog, parse_time};
use qinglian_lottery::params::Params;
use qinglian_lottery::publish::parse_manifest;
use qinglian_lottery::roster::Roster;

use crate::common::{lot1, read};

fn params() -> Params {
    Params::parse(&read(lot1().join("published-stb-da/params.txt"))).unwrap()
}

#[test]
fn canonical_files_roundtrip() {
    for f in [
        "params.txt",
        "params_mtb.txt",
        "published-stb-da/params.txt",
    ] {
        let b = read(lot1().join(f));
        assert_eq!(Params::parse(&b).unwrap().to_bytes(), b, "{f}");
    }
    let p = params();
    let rb = read(lot1().join("roster.csv"));
    assert_eq!(Roster::parse(&rb, &p).unwrap().to_bytes(&p), rb);
    let cb = read(lot1().join("ceremony.txt"));
    assert_eq!(Ceremony::parse(&cb).unwrap().to_bytes(), cb);
}

#[test]
fn roster_rejects_non_canonical_variants() {
    let p = params();
    let good = String::from_utf8(read(lot1().join("roster.csv"))).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let swapped = {
        let mut l = lines.clone();
        l.swap(0, 1);
        l.join("\n") + "\n"
    };
    let dup = format!("{}\n{}", lines[0], good);
    let bad = [
        ("crlf", good.replacen('\n', "\r\n", 1)),
        ("bom", format!("\u{feff}{good}")),
        (
            "upper",
            good.replacen(&lines[0][..10], &lines[0][..10].to_uppercase(), 1),
        ),
        ("trailing space", good.replacen('\n', " \n", 1)),
        ("no final LF", good.trim_end().to_owned()),
        ("swapped", swapped),
        ("duplicate", dup),
        ("unknown school", good.replacen("S04:1", "S99:1", 1)),
        ("tier 0", good.replacen("S04:1", "S04:0", 1)),
        ("leading zero", good.replacen("S04:1", "S04:01", 1)),
        (
            "repeated school",
            good.replacen("S04:1;S01:3", "S04:1;S04:3", 1),
        ),
        ("header", format!("C_i,choices\n{good}")),
        ("blank line", good.replacen('\n', "\n\n", 1)),
        (
            "single-member group",
            good.replacen("S04:1;S01:3", "S04:1;S01:3,group=G1", 1),
        ),
    ];
    assert!(Roster::parse(good.as_bytes(), &p).is_ok());
    for (what, b) in bad {
        let e = Roster::parse(b.as_bytes(), &p);
        assert!(e.is_err(), "{what} accepted");
        assert_eq!(e.unwrap_err().artefact, "roster.csv");
    }
}

#[test]
fn params_rejects_unknown_unsorted_and_partial_keys() {
    let good = String::from_utf8(read(lot1().join("published-stb-da/params.txt"))).unwrap();
    let bad = [
        good.replace("mechanism=DA\n", "mechanism=DA\nzzz=1\n"),
        good.replace("cap.S01=200\ncap.S02=150\n", "cap.S02=150\ncap.S01=200\n"),
        good.replace("beacon.round=123\n", ""),
        good.replace("cap.S01=200", "cap.S01=0200"),
        good.replace("tiebreak=STB", "tiebreak=stb"),
        good.replace("cap.S01=200", "cap.S01=200\ncap.S01=200"),
        good.replace("cap.S05=250\n", "cap.S05=250\ncap.s06=1\n"),
        good.replace("\n", "\r\n"),
    ];
    for b in bad {
        assert!(Params::parse(b.as_bytes()).is_err(), "accepted:\n{b}");
    }
}

#[test]
fn ceremony_and_manifest_are_strict() {
    assert!(Ceremony::parse(b"dice=4,1,6\n").is_ok());
    for b in [
        &b"dice=4,1,7\n"[..],
        b"dice=4,,1\n",
        b"dice=4 1\n",
        b"start=1\ndice=4\n",
        b"",
        b"Dice=4\n",
    ] {
        assert!(
            Ceremony::parse(b).is_err(),
            "{}",
            String::from_utf8_lossy(b)
        );
    }
    let m = read(lot1().join("published-stb-da/run_manifest.txt"));
    assert_eq!(parse_manifest(&m).unwrap().len(), 8);
    let mut reordered = String::from_utf8(m)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    reordered.swap(0, 1);
    assert!(parse_manifest((reordered.join("\n") + "\n").as_bytes()).is_err());
}

#[test]
fn registration_enforces_checksum_and_normalises() {
    let salt = Salt::parse("00112233445566778899aabbccddeeff").unwrap();
    // GB 11643 example with an X check digit, typed three ways.
    let a = register("2026-T", "11010519491231002X", salt.clone()).unwrap();
    let b = register("2026-T", " 11010519491231002x ", salt.clone()).unwrap();
    let c = register(
        "2026-T",
        "１１０１０５１９４９１２３１００２ｘ",
        salt.clone(),
    )
    .unwrap();
    assert_eq!(a.commitment, b.commitment);
    assert_eq!(a.commitment, c.commitment);
    assert!(register("2026-T", "110105194912310021", salt.clone()).is_err());
    assert!(register("2026-t", "11010519491231002X", salt).is_err());
    assert!(Salt::parse("00112233445566778899AABBCCDDEEFF").is_err());
    let fresh = Salt::generate().unwrap();
    assert_eq!(fresh.as_str().len(), 32);
    assert!(a.to_text().contains("承诺值"));
}

#[test]
fn offers_log_format() {
    let c = "00221f29940a8599ac529aacf3ed52fde655c7614d372a9fa3eb61c53d2eff14";
    let ok =
        format!("1,2026-07-01T08:00:00Z,S01,{c},offer\n2,2026-07-01T08:00:00Z,S01,{c},accept\n");
    let log = OffersLog::parse(ok.as_bytes()).unwrap();
    assert_eq!(log.lines[1].event, Event::Accept);
    assert_eq!(log.to_bytes(), ok.as_bytes());
    for bad in [
        format!("2,2026-07-01T08:00:00Z,S01,{c},offer\n"),
        format!("1,2026-07-01T08:00:00+00:00,S01,{c},offer\n"),
        format!("1,2026-07-01T08:00Z,S01,{c},offer\n"),
        format!("1,2026-07-01T08:00:00Z,S01,{c},withdraw\n"),
        format!("seq,time_utc,school,C_i,event\n1,2026-07-01T08:00:00Z,S01,{c},offer\n"),
        format!("1,2026-07-02T08:00:00Z,S01,{c},offer\n2,2026-07-01T08:00:00Z,S01,{c},accept\n"),
    ] {
        assert!(OffersLog::parse(bad.as_bytes()).is_err(), "{bad}");
    }
    assert!(parse_time("2026-02-30T00:00:00Z").is_none());
}

/// A roster large enough to be parsed in chunks on several threads: errors keep their global
/// line numbers and order checks hold across chunk boundaries.
#[test]
fn chunked_roster_parse_is_exact() {
    use qinglian_lottery::hash::sha256;
    let p = Params::parse(b"cap.A=3\ncap.B=2\nlottery_id=T\nmechanism=DA\ntiebreak=STB\n").unwrap();
    let mut commits: Vec<String> = (0u32..24_000)
        .map(|i| hex::encode(sha256(&i.to_be_bytes())))
        .collect();
    commits.sort();
    let mut lines: Vec<String> = commits.iter().map(|c| format!("{c},A:1;B:2")).collect();
    let n = lines.len();
    lines[0].push_str(",group=GX");
    lines[n - 1].push_str(",group=GX");
    let text = |l: &[String]| l.join("\n") + "\n";
    let r = Roster::parse(text(&lines).as_bytes(), &p).unwrap();
    assert_eq!(r.len(), n);
    assert_eq!(r.group[0], r.group[n - 1]);
    assert_eq!(r.to_bytes(&p), text(&lines).as_bytes());
    for k in [1, n / 2 - 1, n / 2, n / 2 + 1, 3 * n / 4, n - 2] {
        let mut l = lines.clone();
        l.swap(k, k + 1);
        assert_eq!(
            Roster::parse(text(&l).as_bytes(), &p).unwrap_err().line,
            k + 2,
            "swap at {k}"
        );
        let mut l = lines.clone();
        l[k] = l[k].replace("B:2", "B:0");
        assert_eq!(
            Roster::parse(text(&l).as_bytes(), &p).unwrap_err().line,
            k + 1,
            "tier at {k}"
        );
        let mut l = lines.clone();
        l[k + 1] = l[k].clone();
        let e = Roster::parse(text(&l).as_bytes(), &p).unwrap_err();
        assert_eq!(
            (e.line, e.en.as_str()),
            (k + 2, "duplicate C_i"),
            "dup at {k}"
        );
    }
}
