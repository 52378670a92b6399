//! The cockpit over a real socket: the store's fixture programme (two counties, walked through
//! the real workflow), signed in as a county and a city supervisor. Each page's figures are
//! checked against what the fixture's plain seed implies; the English switch; the .xlsx exports
//! opened with calamine; a step's ledger receipt verified; and county A gets exactly the 404 of
//! a missing object for county B's pages and exports.

use super::{Server, add_user, client, sign_in, sqlite_store, start_with};
use calamine::{Data, Reader, Xlsx};
use qinglian_core::Role;
use qinglian_core::money::format_yuan;
use qinglian_store::cockpit::fixture::{self, CLUES, DAY, HITS, T0, Walk};
use qinglian_store::testing::test_ledger;
use qinglian_web::{IndicatorCard, IndicatorParam, WebConfig};
use reqwest::{Client, StatusCode, header};
use std::io::Cursor;

fn cards() -> Vec<IndicatorCard> {
    vec![IndicatorCard {
        id: "SL-R01".into(),
        version: "1.0.0".into(),
        domain: "soe_leasing".into(),
        kind: "rule".into(),
        severity: "high".into(),
        unit_kinds: vec!["soe".into()],
        name_zh: "低价出租国有资产".into(),
        name_en: "State assets leased below the floor".into(),
        why_zh: "低于评估价出租可能输送利益".into(),
        why_en: "leasing below the appraised rent may transfer benefits".into(),
        legal_basis_zh: "《企业国有资产交易监督管理办法》".into(),
        legal_basis_en: "Measures on state-owned asset transactions".into(),
        exclusions_zh: String::new(),
        exclusions_en: String::new(),
        params: vec![IndicatorParam {
            name: "min_rent_fen".into(),
            default: "1000.00 元".into(),
            description_zh: "租金下限".into(),
            description_en: "rent floor".into(),
        }],
    }]
}

/// What the seed implies for the units `inside` accepts (the headline figures).
struct Expect {
    found: i64,
    rectified: i64,
    money_fen: i64,
    open: i64,
    overdue: i64,
    active: i64,
}

fn expect(inside: &dyn Fn(&str) -> bool, now: i64) -> Expect {
    let mut e = Expect {
        found: 0,
        rectified: 0,
        money_fen: 0,
        open: 0,
        overdue: 0,
        active: 0,
    };
    let mut closed_hits = Vec::new();
    for c in CLUES {
        if !inside(fixture::unit_of(c.hit).unit) {
            continue;
        }
        match &c.walk {
            Walk::Registered => e.open += 1,
            Walk::Rectifying { deadline_day, .. } => {
                e.found += 1;
                e.open += 1;
                e.overdue += i64::from(T0 + deadline_day * DAY < now);
            }
            Walk::Closed { money_fen, .. } => {
                e.found += 1;
                e.rectified += 1;
                e.money_fen += money_fen;
                closed_hits.push(c.hit);
            }
        }
    }
    e.active = HITS
        .iter()
        .filter(|h| inside(h.unit))
        .filter(|h| h.decision != Some("false_positive") && !closed_hits.contains(&h.id))
        .count() as i64;
    e
}

/// Undoes the HTML escaping of attribute values and text.
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of the headline figure labelled `zh`.
pub(crate) fn figure(html: &str, zh: &str) -> String {
    html.split("<li><span class=\"num\">")
        .skip(1)
        .find(|chunk| {
            chunk
                .split("</li>")
                .next()
                .unwrap()
                .contains(&format!(">{zh}<"))
        })
        .unwrap_or_else(|| panic!("no figure {zh}"))
        .split("</span>")
        .next()
        .unwrap()
        .to_owned()
}

async fn page(c: &Client, s: &Server, path: &str) -> (StatusCode, String) {
    let res = c.get(s.url(path)).send().await.unwrap();
    let status = res.status();
    (status, unescape(&res.text().await.unwrap()))
}

async fn workbook(c: &Client, s: &Server, path: &str) -> Xlsx<Cursor<Vec<u8>>> {
    let res = c.get(s.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    Xlsx::new(Cursor::new(bytes)).unwrap()
}

/// The rows of the sheet whose name starts with `prefix`, as text, header first.
fn sheet(book: &mut Xlsx<Cursor<Vec<u8>>>, prefix: &str) -> Vec<Vec<String>> {
    let name = book
        .sheet_names()
        .into_iter()
        .find(|n| n.starts_with(prefix))
        .unwrap_or_else(|| panic!("no sheet {prefix}: {:?}", book.sheet_names()));
    let range = book.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn cockpit_pages_figures_exports_and_jurisdiction() {
    let (store, dir) = sqlite_store().await;
    let ledger = test_ledger(&store).await;
    fixture::seed(&store, &ledger).await.unwrap();
    add_user(
        &store,
        "xihu",
        "西湖纪委",
        Role::Supervisor,
        &["330106"],
        &[],
    )
    .await;
    add_user(&store, "hz", "杭州纪委", Role::Supervisor, &["330100"], &[]).await;
    add_user(&store, "gs-sch", "拱墅某中学", Role::Unit, &[], &["GS-SCH"]).await;
    let s = start_with(
        store.clone(),
        WebConfig {
            indicators: cards(),
            ..WebConfig::default()
        },
        Some(dir),
    )
    .await;
    // The server's clock is the system's; figures with deadlines are computed at that time.
    let now = chrono::Utc::now().timestamp();
    let in_xihu = |u: &str| fixture::division_of(u).starts_with("330106");

    // Signed out: to the sign-in form, coming back afterwards.
    let res = client()
        .get(s.url("/divisions/330106"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        "/login?next=/divisions/330106"
    );

    // Overview of a county supervisor: Xihu's figures only, with navigation and charts.
    let a = sign_in(&s, "xihu").await;
    let (status, home) = page(&a, &s, "/").await;
    assert_eq!(status, StatusCode::OK);
    let e = expect(&in_xihu, now);
    assert!(
        e.found > 0 && e.overdue > 0 && e.money_fen > 0,
        "a seed worth testing"
    );
    assert_eq!(figure(&home, "发现问题"), e.found.to_string());
    assert_eq!(figure(&home, "已整改"), e.rectified.to_string());
    assert_eq!(figure(&home, "挽回损失"), format_yuan(e.money_fen));
    assert_eq!(figure(&home, "在办线索"), e.open.to_string());
    assert_eq!(figure(&home, "逾期事项"), e.overdue.to_string());
    assert_eq!(figure(&home, "有效命中"), e.active.to_string());
    assert!(home.contains("<nav class=\"nav\">") && home.contains("href=\"/indicators\""));
    for (code, name) in [("330106001", "北山街道"), ("330106002", "西溪街道")] {
        assert!(
            home.contains(&format!("<a href=\"/divisions/{code}\"><g class=\"tile")),
            "tile of {code} links to its page"
        );
        assert!(home.contains(name));
    }
    assert!(home.contains("本级 (itself)"), "units at the county itself");
    assert!(!home.contains("拱墅"), "nothing of county B");
    assert!(!home.contains("<script"));
    assert!(!home.contains("style=\""), "no inline styles (CSP)");

    // The overview's tables as a workbook: by division adds up to the headline figures.
    let mut book = workbook(&a, &s, "/?format=xlsx").await;
    let rows = sheet(&mut book, "By division");
    assert_eq!(rows[0][0], "区划 Division");
    assert_eq!(rows[0][1], "发现问题 Problems found");
    let found: f64 = rows[1..].iter().map(|r| r[1].parse::<f64>().unwrap()).sum();
    assert_eq!(found as i64, e.found);
    let village = rows.iter().find(|r| r[0].contains("330106001")).unwrap();
    let e_village = expect(&|u| fixture::division_of(u) == "330106001", now);
    assert_eq!(
        (village[1].as_str(), village[8].as_str()),
        (
            e_village.found.to_string().as_str(),
            e_village.overdue.to_string().as_str()
        )
    );
    let money = sheet(&mut book, "By unit (");
    let soe = money.iter().find(|r| r[0].contains("XH-SOE")).unwrap();
    assert_eq!(
        soe[6].parse::<f64>().unwrap(),
        expect(&|u| u == "XH-SOE", now).money_fen as f64 / 100.0,
        "money in yuan"
    );

    // A city supervisor sees both counties as tiles.
    let city = sign_in(&s, "hz").await;
    let (_, city_home) = page(&city, &s, "/").await;
    let e_city = expect(&|_| true, now);
    assert_eq!(figure(&city_home, "发现问题"), e_city.found.to_string());
    assert!(city_home.contains("<a href=\"/divisions/330105\">"));
    assert!(city_home.contains("<a href=\"/divisions/330106\">"));

    // Division page: figures of the township, its open clue and active hits.
    let (status, town) = page(&a, &s, "/divisions/330106001").await;
    assert_eq!(status, StatusCode::OK);
    let e_town = expect(&|u| fixture::division_of(u) == "330106001", now);
    assert_eq!(figure(&town, "发现问题"), e_town.found.to_string());
    assert_eq!(figure(&town, "逾期事项"), e_town.overdue.to_string());
    assert!(town.contains("href=\"/clues/C-2\""), "the open clue");
    assert!(town.contains("href=\"/hits/a3\""), "an active hit");
    assert!(
        !town.contains("href=\"/hits/a4\""),
        "a false positive is not active"
    );

    // Unit page and its export: the active hits.
    let (status, unit) = page(&a, &s, "/units/XH-SOE").await;
    assert_eq!(status, StatusCode::OK);
    let e_unit = expect(&|u| u == "XH-SOE", now);
    assert_eq!(figure(&unit, "已整改"), e_unit.rectified.to_string());
    assert!(unit.contains("西湖城投集团"));
    let mut book = workbook(&a, &s, "/units/XH-VIL?format=xlsx").await;
    let hits = sheet(&mut book, "Active hits");
    assert_eq!(hits[0][0], "命中 Hit");
    let ids: Vec<&str> = hits[1..].iter().map(|r| r[0].as_str()).collect();
    let want: Vec<&str> = HITS
        .iter()
        .filter(|h| h.unit == "XH-VIL" && h.decision != Some("false_positive"))
        .filter(|h| {
            !CLUES
                .iter()
                .any(|c| c.hit == h.id && matches!(c.walk, Walk::Closed { .. }))
        })
        .map(|h| h.id)
        .collect();
    assert_eq!(ids, want);

    // Indicator card: reasons, basis, parameters, measured precision within the jurisdiction.
    let (status, ind) = page(&a, &s, "/indicators/SL-R01").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "低价出租国有资产",
        "State assets leased below the floor",
        "低于评估价出租可能输送利益",
        "《企业国有资产交易监督管理办法》",
        "min_rent_fen",
        "1000.00 元",
        "100% (1/1)",
    ] {
        assert!(ind.contains(text), "indicator page lacks {text}");
    }
    assert!(ind.contains("href=\"/hits/a1\"") && !ind.contains("href=\"/hits/b1\""));
    assert_eq!(
        page(&a, &s, "/indicators/NOPE").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = page(&a, &s, "/indicators").await;
    assert!(list.contains("href=\"/indicators/SL-R01\""));

    // Hit page: explanation, numbers, snapshots, decision, its clue.
    let (status, hit) = page(&a, &s, "/hits/a1").await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "合同 K-a1 租金 812.34 元，低于下限 1000.00 元",
        "contract K-a1 rent 812.34 yuan",
        "rent_fen",
        "81234",
        "peer.median",
        "snap-a1",
        "K-a1",
        "属实",
        "href=\"/clues/C-1\"",
    ] {
        assert!(hit.contains(text), "hit page lacks {text}");
    }

    // Clue page: every step with its ledger index and a receipt that verifies offline.
    let (status, clue) = page(&a, &s, "/clues/C-1").await;
    assert_eq!(status, StatusCode::OK);
    let op = qinglian_store::Principal::operator();
    let timeline = store.clue_timeline(&op, "C-1").await.unwrap();
    assert!(timeline.len() >= 8, "opened to closed");
    for ev in &timeline {
        assert!(
            clue.contains(&format!("href=\"/clues/C-1/steps/{}/proof\"", ev.step)),
            "step {}",
            ev.step
        );
        assert!(clue.contains(&format!(">{}<", ev.ledger_index.unwrap())));
    }
    assert!(clue.contains("销号") && clue.contains("重新公开招租"));
    let last = timeline.last().unwrap();
    let res = a
        .get(s.url(&format!("/clues/C-1/steps/{}/proof", last.step)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let receipt = res.text().await.unwrap();
    let v = qinglian_ledger::verify_receipt(&receipt, &ledger.verifier()).unwrap();
    assert_eq!(v.index, last.ledger_index.unwrap());
    let entry: serde_json::Value = serde_json::from_slice(&v.entry).unwrap();
    assert_eq!(
        (entry["clue"].as_str(), entry["step"].as_i64()),
        (Some("C-1"), Some(last.step))
    );
    let mut book = workbook(&a, &s, "/clues/C-1?format=xlsx").await;
    let steps = sheet(&mut book, "Timeline");
    assert_eq!(steps.len(), timeline.len() + 1);

    // English first after the switch, remembered.
    let (_, en) = page(&a, &s, "/divisions/330106?lang=en").await;
    assert!(en.contains("<html lang=\"en\">"));
    let main = en.split("<main>").nth(1).unwrap();
    assert!(main.find("Problems found").unwrap() < main.find("发现问题").unwrap());
    let (_, again) = page(&a, &s, "/units/XH-SOE").await;
    assert!(again.contains("<html lang=\"en\">"));
    page(&a, &s, "/?lang=zh").await;

    // County A reaching for county B: the same 404 as a missing object, pages and exports.
    let (_, missing) = page(&a, &s, "/clues/C-99").await;
    for path in [
        "/divisions/330105",
        "/divisions/330105?format=xlsx",
        "/units/GS-SOE",
        "/units/GS-SOE?format=xlsx",
        "/hits/b1",
        "/hits/b1?format=xlsx",
        "/clues/C-3",
        "/clues/C-3?format=xlsx",
        "/clues/C-3/steps/1/proof",
    ] {
        let (status, body) = page(&a, &s, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, missing, "{path} answers like a missing object");
    }
    // A unit user (主体责任) sees its own unit's figures and nothing of its neighbours.
    let u = sign_in(&s, "gs-sch").await;
    let (_, uhome) = page(&u, &s, "/").await;
    let e_sch = expect(&|x| x == "GS-SCH", now);
    assert_eq!(figure(&uhome, "有效命中"), e_sch.active.to_string());
    assert_eq!(figure(&uhome, "在办线索"), e_sch.open.to_string());
    for (path, want) in [
        ("/units/GS-SCH", StatusCode::OK),
        ("/clues/C-4", StatusCode::OK),
        ("/units/GS-SOE", StatusCode::NOT_FOUND),
        ("/hits/b1", StatusCode::NOT_FOUND),
        ("/clues/C-3", StatusCode::NOT_FOUND),
        ("/divisions/330106", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(page(&u, &s, path).await.0, want, "unit user: {path}");
    }

    // The same objects are there for the city.
    for path in [
        "/divisions/330105",
        "/units/GS-SOE",
        "/hits/b1",
        "/clues/C-3",
    ] {
        assert_eq!(page(&city, &s, path).await.0, StatusCode::OK, "{path}");
    }
    s.stop().await;
}
