//! The three letters end to end: composition, HTML, .docx, hashes, and a real reader
//! (LibreOffice headless) opening the .docx.

use chrono::NaiveDate;
use qinglian_core::UnitKind;
use qinglian_letters::{
    Counterparty, Error, Header, HitSummary, IndicatorSummary, Issuer, KeyArea, Letter, Post,
    PriorLetter, Recipient, Severity, notice, reminder, risk_list,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn header(seq: u32, person: Option<&str>, post: Option<(&str, KeyArea)>) -> Header {
    Header {
        issuer: Issuer {
            name_zh: "中共杭州市西湖区纪律检查委员会".into(),
            short_name_zh: "西湖纪".into(),
        },
        recipient: Recipient {
            unit_name_zh: "杭州西湖城市建设投资集团有限公司".into(),
            unit_kind: UnitKind::Soe,
            post: post.map(|(t, a)| Post {
                title_zh: t.into(),
                key_area: a,
            }),
            person_name_zh: person.map(Into::into),
        },
        issue_date: day(2026, 5, 8),
        sequence: seq,
    }
}

fn buyer() -> Header {
    header(
        7,
        Some("王建国"),
        Some(("采购部经理", KeyArea::Procurement)),
    )
}

fn indicator(
    id: &str,
    name: &str,
    sev: Severity,
    kinds: &[UnitKind],
    areas: &[KeyArea],
    measure: Option<&str>,
) -> IndicatorSummary {
    IndicatorSummary {
        id: id.into(),
        name_zh: name.into(),
        why_zh: format!("{name}可能意味着规避公开竞争或利益输送。"),
        legal_basis_zh: format!("《中华人民共和国政府采购法》（{id}）"),
        severity: sev,
        unit_kinds: kinds.to_vec(),
        key_areas: areas.to_vec(),
        measure_zh: measure.map(Into::into),
    }
}

fn catalogue() -> Vec<IndicatorSummary> {
    use KeyArea::*;
    use UnitKind::*;
    vec![
        indicator(
            "PR-S02",
            "拆分采购规避招标",
            Severity::Medium,
            &[Soe, Organ],
            &[Procurement, Bidding],
            None,
        ),
        indicator(
            "PR-R01",
            "单一来源采购占比过高",
            Severity::High,
            &[Soe],
            &[Procurement],
            Some("单一来源采购须经论证并公示。"),
        ),
        indicator(
            "PR-G01",
            "供应商与员工亲属关联",
            Severity::Low,
            &[],
            &[Procurement],
            None,
        ),
        indicator(
            "SL-S01",
            "低于市场租金",
            Severity::Medium,
            &[Soe],
            &[PropertyTrading],
            None,
        ),
        indicator(
            "VA-P01",
            "村级采购未经民主决策",
            Severity::High,
            &[Village],
            &[Procurement],
            None,
        ),
    ]
}

fn hits() -> Vec<HitSummary> {
    vec![
        HitSummary {
            indicator_id: "PR-S02".into(),
            indicator_name_zh: "拆分采购规避招标".into(),
            explanation_zh: "同一供应商 30 日内 4 笔采购合计 118 万元，单笔均略低于 30 万元公开招标限额，提示疑似拆分采购。".into(),
            values: BTreeMap::from([
                ("合计金额".to_owned(), "118.00 万元".to_owned()),
                ("笔数".to_owned(), "4".to_owned()),
            ]),
            date: day(2026, 4, 20),
        },
        HitSummary {
            indicator_id: "PR-G01".into(),
            indicator_name_zh: "供应商与员工亲属关联".into(),
            explanation_zh: "中标供应商股东与采购经办人员登记住址相同，提示疑似存在关联关系，需核实。".into(),
            values: BTreeMap::new(),
            date: day(2026, 3, 2),
        },
    ]
}

fn all_letters() -> (Letter, Letter, Letter) {
    let n = notice(
        &header(3, None, Some(("采购部经理", KeyArea::Procurement))),
        Counterparty::Supplier,
    )
    .expect("notice");
    let l = risk_list(
        &header(
            5,
            Some("王建国"),
            Some(("采购部经理", KeyArea::Procurement)),
        ),
        &catalogue(),
    )
    .expect("risk list");
    let prior = [PriorLetter {
        number: "西湖纪〔2025〕提醒 第 0031 号".into(),
        issue_date: day(2025, 11, 3),
    }];
    let r = reminder(&buyer(), &hits(), Some(day(2026, 5, 22)), &prior).expect("reminder");
    (n, l, r)
}

#[test]
fn notice_letter_speaks_to_the_post_and_the_counterparty() {
    let (n, _, _) = all_letters();
    let html = n.to_html();
    for want in [
        "<html lang=\"zh-CN\">",
        "<h1>廉政告知书</h1>",
        "西湖纪〔2026〕告知 第 0003 号",
        "杭州西湖城市建设投资集团有限公司：",
        "与供应商交往中的禁止性规定",
        "不得向供应商泄露采购预算",
        "不得收受管理服务对象的礼品礼金",
        "化整为零规避公开采购",
        "12388",
        "签收人（签字）",
        "签收日期",
        "2026年5月8日",
        r#"font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif"#,
        "@page { size: A4;",
    ] {
        assert!(html.contains(want), "notice HTML lacks {want:?}");
    }
    // Narrowed rules stay out when they do not apply: tenants, other key areas, villages.
    for absent in ["承租方", "进场公开交易", "五议两公开"] {
        assert!(
            !html.contains(absent),
            "notice HTML should not contain {absent:?}"
        );
    }
    // Self-contained: nothing to fetch when printed offline.
    for external in ["<script", "<link", "src=", "url(", "@import"] {
        assert!(
            !html.contains(external),
            "external asset marker {external:?}"
        );
    }
}

#[test]
fn notice_without_a_post_keeps_only_general_duties() {
    let n = notice(&header(1, None, None), Counterparty::Tenant).expect("notice");
    let text = n.canonical_text();
    assert!(text.contains("在日常工作中"), "{text}");
    assert!(text.contains("不得以低于评估价或市场价的租金出租资产"));
    assert!(
        !text.contains("化整为零"),
        "area duty without a post:\n{text}"
    );
}

#[test]
fn risk_list_filters_by_unit_kind_and_key_area_and_orders_by_severity() {
    let (_, l, _) = all_letters();
    let qinglian_letters::Block::Table { columns, rows } = &l.blocks[1] else {
        panic!(
            "the second block of a risk list is its table: {:?}",
            l.blocks
        );
    };
    assert_eq!(
        columns,
        &["序号", "风险点", "风险表现", "依据", "风险等级", "防控措施"]
    );
    let names: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        names,
        [
            "单一来源采购占比过高（PR-R01）",
            "拆分采购规避招标（PR-S02）",
            "供应商与员工亲属关联（PR-G01）"
        ]
    );
    let levels: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(levels, ["高", "中", "低"]);
    assert_eq!(rows[0][5], "单一来源采购须经论证并公示。");
    assert!(
        rows[1][5].contains("采购需求和预算经集体审核"),
        "standard measure: {}",
        rows[1][5]
    );
    let html = l.to_html();
    for r in rows {
        for cell in r {
            assert!(
                html.contains(&qinglian_letters::escape_html(cell)),
                "row cell {cell:?}"
            );
        }
    }
    assert!(!html.contains("低于市场租金") && !html.contains("村级采购"));
}

#[test]
fn risk_list_refuses_what_it_cannot_fill() {
    let no_post = risk_list(&header(1, None, None), &catalogue()).unwrap_err();
    assert!(matches!(no_post, Error::MissingPost(_)), "{no_post}");
    let none = risk_list(
        &header(1, None, Some(("人事科长", KeyArea::Personnel))),
        &catalogue(),
    )
    .unwrap_err();
    assert_eq!(none.code(), "LETTER_NO_INDICATORS");
    assert!(none.to_string().contains("选人用人"), "{none}");
}

#[test]
fn reminder_quotes_hits_as_reasons_to_look() {
    let (_, _, r) = all_letters();
    let text = r.canonical_text();
    for want in [
        "T 廉政风险提醒函",
        "N 西湖纪〔2026〕提醒 第 0007 号",
        "R 送达：杭州西湖城市建设投资集团有限公司 采购部经理 王建国",
        "S 王建国同志：",
        "疑似廉洁风险",
        "不是对任何人违纪违法的认定",
        "合计金额：118.00 万元；笔数：4",
        "此前已于2025年11月3日以西湖纪〔2025〕提醒 第 0031 号函",
        "于2026年5月22日前向中共杭州市西湖区纪律检查委员会书面说明",
        "G 签收人（签字）",
        "G 签收日期",
    ] {
        assert!(text.contains(want), "reminder lacks {want:?}:\n{text}");
    }
    // Oldest hit first; a hit without values shows a dash rather than an empty cell.
    let first = text.find("供应商与员工亲属关联").expect("hit 1");
    let second = text.find("拆分采购规避招标").expect("hit 2");
    assert!(first < second);
    assert!(text.contains("需核实。\t—\n"), "{text}");
    assert!(!text.contains("违规行为"), "a reminder states no verdict");
    let html = r.to_html();
    for h in hits() {
        assert!(html.contains(&h.explanation_zh));
    }
}

#[test]
fn reminder_needs_a_person_and_hits() {
    let no_person = header(2, None, Some(("采购部经理", KeyArea::Procurement)));
    assert_eq!(
        reminder(&no_person, &hits(), None, &[]).unwrap_err().code(),
        "LETTER_MISSING_PERSON"
    );
    assert_eq!(
        reminder(&buyer(), &[], None, &[]).unwrap_err().code(),
        "LETTER_NO_HITS"
    );
    let mut blank = buyer();
    blank.recipient.unit_name_zh = " \n\t".into();
    assert_eq!(
        reminder(&blank, &hits(), None, &[]).unwrap_err().code(),
        "LETTER_EMPTY_FIELD"
    );
    let mut bad = buyer();
    bad.sequence = 0;
    assert_eq!(
        reminder(&bad, &hits(), None, &[]).unwrap_err().code(),
        "LETTER_ZERO_SEQUENCE"
    );
    let ok = reminder(&buyer(), &hits(), None, &[]).expect("reminder without deadline");
    assert!(ok.canonical_text().contains("如有需要说明的情况"));
}

#[test]
fn hostile_input_is_escaped_and_never_expanded() {
    let mut h = buyer();
    h.recipient.unit_name_zh = "<script>alert(\"x\")</script>&{number}".into();
    h.recipient.person_name_zh = Some("王\n建国'<b>".into());
    let mut evil = hits();
    evil[0].explanation_zh = "</td></tr></table><img src=x onerror=alert(1)>".into();
    let r = reminder(&h, &evil, None, &[]).expect("reminder");
    let html = r.to_html();
    assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>"));
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;{number}"));
    assert!(
        html.contains("王 建国&#39;&lt;b&gt;同志："),
        "newline cleaned, quote escaped"
    );
    assert!(
        html.contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;img src=x onerror=alert(1)&gt;")
    );
    // The .docx carries the same text as escaped XML.
    let xml = zip_entry(&r.to_docx().expect("docx"), "word/document.xml");
    assert!(
        xml.contains("&lt;script&gt;"),
        "document.xml escapes markup"
    );
    assert!(!xml.contains("<script>"));
}

#[test]
fn content_hash_is_sha256_of_the_canonical_text_and_shown_in_both_formats() {
    let (n, l, r) = all_letters();
    let hashes: Vec<String> = [&n, &l, &r].iter().map(|x| x.content_hash()).collect();
    for (x, h) in [&n, &l, &r].iter().zip(&hashes) {
        assert_eq!(
            *h,
            hex::encode(Sha256::digest(x.canonical_text().as_bytes()))
        );
        assert_eq!(h.len(), 64);
        assert!(x.to_html().contains(&format!("文书指纹（SHA-256）：{h}")));
        let xml = zip_entry(&x.to_docx().expect("docx"), "word/document.xml");
        assert!(xml.contains(h.as_str()));
    }
    assert!(hashes[0] != hashes[1] && hashes[1] != hashes[2]);
    assert_eq!(
        all_letters().2.content_hash(),
        hashes[2],
        "same input, same hash"
    );
    let mut changed = hits();
    changed[0].values.insert("笔数".into(), "5".into());
    let r2 = reminder(&buyer(), &changed, Some(day(2026, 5, 22)), &[]).expect("reminder");
    let r3 = reminder(&buyer(), &hits(), Some(day(2026, 5, 22)), &[]).expect("reminder");
    assert_ne!(
        r2.content_hash(),
        r3.content_hash(),
        "one measured value changes the hash"
    );
}

#[test]
fn docx_is_deterministic_with_fixed_times() {
    let (n, _, r) = all_letters();
    let a = r.to_docx().expect("docx");
    // Rendering another document in between must not shift anything (docx-rs keeps counters).
    let _ = n.to_docx().expect("docx");
    let b = r.to_docx().expect("docx");
    assert_eq!(a, b, "same letter, same bytes");
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&a)).expect("zip");
    for i in 0..z.len() {
        let f = z.by_index(i).expect("entry");
        assert_eq!(
            f.last_modified(),
            Some(zip::DateTime::DEFAULT),
            "{}",
            f.name()
        );
    }
    let core = zip_entry(&a, "docProps/core.xml");
    assert!(core.contains("2026-05-08T00:00:00Z"), "{core}");
    let doc = zip_entry(&a, "word/document.xml");
    assert!(
        doc.contains("w:eastAsia=\"Noto Serif CJK SC\""),
        "East-Asian font set"
    );
    assert!(doc.contains("西湖纪〔2026〕提醒 第 0007 号"));
}

fn zip_entry(docx: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("docx is a zip");
    let mut s = String::new();
    z.by_name(name)
        .expect("entry present")
        .read_to_string(&mut s)
        .expect("utf-8 entry");
    s
}

/// Converts the .docx files with LibreOffice into text; `None` (after saying so) when
/// `soffice` is missing, except under `CI=true`, where a missing reader is a failure.
fn soffice_to_text(dir: &Path, files: &[&str]) -> Option<Vec<String>> {
    // A private profile: concurrent runs must not share (and lock) one user installation.
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    let mut cmd = Command::new("soffice");
    cmd.arg(profile)
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "txt:Text",
            "--outdir",
        ])
        .arg(dir)
        .args(files.iter().map(|f| dir.join(f)));
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "LibreOffice (soffice) is required in CI but could not run: {e}"
            );
            eprintln!("SKIPPED: soffice not available ({e}); install libreoffice-writer-nogui");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "soffice failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        files
            .iter()
            .map(|f| {
                let txt = dir.join(Path::new(f).with_extension("txt"));
                std::fs::read_to_string(&txt).unwrap_or_else(|e| {
                    panic!(
                        "no text from {f} ({e}); soffice said: {}",
                        String::from_utf8_lossy(&out.stdout)
                    )
                })
            })
            .collect(),
    )
}

/// Whitespace-insensitive, because the reader lays table cells out on lines of its own.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn libreoffice_reads_the_docx_in_chinese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (n, l, r) = all_letters();
    let names = ["notice.docx", "risk_list.docx", "reminder.docx"];
    for (name, letter) in names.iter().zip([&n, &l, &r]) {
        std::fs::write(dir.path().join(name), letter.to_docx().expect("docx")).expect("write");
    }
    let started = Instant::now();
    let Some(texts) = soffice_to_text(dir.path(), &names) else {
        return;
    };
    eprintln!(
        "LibreOffice converted 3 letters in {:.1?}",
        started.elapsed()
    );
    for (text, letter) in texts.iter().zip([&n, &l, &r]) {
        let got = squeeze(text);
        let mut want = vec![
            letter.title_zh().to_owned(),
            letter.number.clone(),
            letter.recipient.unit_name_zh.clone(),
            letter.salutation.clone(),
            "签收人（签字）".to_owned(),
            letter.content_hash(),
        ];
        for b in &letter.blocks {
            if let qinglian_letters::Block::Table { rows, .. } = b {
                want.extend(rows.iter().flatten().cloned());
            }
        }
        for w in want {
            assert!(
                got.contains(&squeeze(&w)),
                "LibreOffice text lacks {w:?}:\n{text}"
            );
        }
    }
    // The named things the brief asks for, explicitly.
    let risk = squeeze(&texts[1]);
    for name in [
        "单一来源采购占比过高",
        "拆分采购规避招标",
        "供应商与员工亲属关联",
    ] {
        assert!(risk.contains(name), "risk row {name}");
    }
    let remind = squeeze(&texts[2]);
    assert!(remind.contains("王建国同志"));
    for h in hits() {
        assert!(
            remind.contains(&squeeze(&h.explanation_zh)),
            "hit {}",
            h.indicator_id
        );
    }
}
