//! The cockpit's procurement page on a real `qinglian serve` (port 0) with real procurement
//! hits: the Dominican Republic file imported and screened (`screen --domain procurement`),
//! three of its procuring entities registered as units, two in 西湖区 330106 and one in 拱墅区
//! 330105. A 330106 supervisor sees exactly the red flags of its two buyers (per indicator, as
//! `qinglian hits` lists them), none of the other county's; the table downloads as .xlsx; a
//! user of a county without procurement data gets no nav link and an empty page.

use super::served::{serve, signed_in};
use super::{json, ok, q};
use calamine::{Data, Reader, Xlsx};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn add_user(data: &Path, name: &str, division: &str) {
    let mut child = q(data)
        .args(["users", "add", name, "--role", "supervisor"])
        .args(["--jurisdiction", division, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "pw-{name}-123456").unwrap();
    assert!(child.wait().unwrap().success());
}

async fn get(c: &reqwest::Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn dr_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/ocds/dominican-republic-dgcp-10000.jsonl.gz")
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
                    Data::Int(i) => format!("{i}"),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The process a hit names (PR-*: `ocid`; Cardinal's group `OCID`: `subject_id`).
fn ocid_of(h: &Value) -> Option<&str> {
    let s = &h["subject"];
    s["ocid"]
        .as_str()
        .or_else(|| (s["group_name"] == "OCID").then(|| s["subject_id"].as_str())?)
}

#[tokio::test]
async fn procurement_page_shows_the_red_flags_of_the_jurisdiction() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    // DR procuring entities (tender.procuringEntity.id) registered as units.
    let units = dir.path().join("units.csv");
    std::fs::write(
        &units,
        "unit_id,name,kind,division_code\n\
         1157,Unidad Técnica Ejecutora de Titulación de Terrenos del Estado,机关,330106\n\
         1087,Hospital Regional Dr. Alejandro Cabral,医院,330106\n\
         141,Ministerio de Interior y Policía,机关,330105\n",
    )
    .unwrap();
    ok(q(&data).arg("init"));
    ok(q(&data).args(["import", "units"]).arg(&units));
    ok(q(&data).args(["import", "ocds"]).arg(dr_file()));
    ok(q(&data).args(["screen", "--domain", "procurement", "--as-of", "2026-12-01"]));
    add_user(&data, "xh-sup", "330106");
    add_user(&data, "sc-sup", "330102");

    // What the store holds, as the command line lists it (operator: everything).
    let hits = json(q(&data).args(["hits", "--domain", "procurement", "--limit", "100000"]));
    let hits = hits.as_array().unwrap();
    let mine: Vec<&Value> = hits
        .iter()
        .filter(|h| h["unit_id"] == "1157" || h["unit_id"] == "1087")
        .collect();
    let others: Vec<&Value> = hits.iter().filter(|h| h["unit_id"] == "141").collect();
    assert!(
        mine.len() > 50 && !others.is_empty(),
        "{} / {}",
        mine.len(),
        others.len()
    );
    assert!(mine.iter().all(|h| h["division_code"] == "330106"));
    let mut per_indicator: BTreeMap<&str, usize> = BTreeMap::new();
    for h in &mine {
        *per_indicator
            .entry(h["indicator_id"].as_str().unwrap())
            .or_default() += 1;
    }
    assert!(per_indicator.contains_key("PR-R01") && per_indicator.contains_key("OCDS-R003"));
    let my_ocids: BTreeSet<&str> = mine.iter().filter_map(|h| ocid_of(h)).collect();
    let their_ocids: BTreeSet<&str> = others
        .iter()
        .filter_map(|h| ocid_of(h))
        .filter(|o| !my_ocids.contains(o))
        .collect();
    assert!(!their_ocids.is_empty());

    let s = serve(&data);
    let c = signed_in(&s.base, "xh-sup", "pw-xh-sup-123456").await;
    let (_, home) = get(&c, format!("{}/", s.base)).await;
    assert!(
        home.contains(r#"href="/procurement""#),
        "nav offers the page"
    );
    let (status, page) = get(&c, format!("{}/procurement", s.base)).await;
    assert_eq!(status, 200);
    // Attribute values come HTML-escaped (`/` as `&#x2f;`).
    let main = page.split("<main>").nth(1).unwrap().replace("&#x2f;", "/");
    assert!(main.contains("<h1>招标采购红旗</h1>"));
    assert!(main.find("被提示项目").unwrap() < main.find("Flagged processes").unwrap());
    // The hand-checked PR-R01 process of buyer 1157 (docs/procurement.md), its buyer linked.
    assert!(main.contains("ocds-6550wx-UTECT-CCC-CP-2022-0002"));
    assert!(main.contains(r#"href="/units/1157""#));
    assert!(main.contains(r#"href="/indicators/PR-R01""#));
    assert!(main.contains(r#"href="/hits/"#));
    for o in &their_ocids {
        assert!(!main.contains(o), "{o} of 拱墅区 shown to 西湖区");
    }
    assert!(!main.contains(r#"href="/units/141""#));
    let total: usize = mine.len();
    assert!(
        main.contains(&format!(">{total}<")),
        "the hit total {total} is shown"
    );

    // The workbook: per indicator exactly the hits `qinglian hits` lists for the two buyers.
    let r = c
        .get(format!("{}/procurement?format=xlsx", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut book = Xlsx::new(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let rows = sheet(&mut book, "Red flags per indicator");
    assert_eq!(rows[0][3], "命中 Hits");
    let shown: BTreeMap<&str, usize> = rows[1..]
        .iter()
        .filter(|r| r[3] != "0")
        .map(|r| (r[0].as_str(), r[3].parse().unwrap()))
        .collect();
    assert_eq!(shown, per_indicator);
    // 65 processes between the two buyers: the list is not cut, so it is exactly theirs.
    let procs = sheet(&mut book, "Flagged processes");
    let listed: BTreeSet<&str> = procs[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(listed, my_ocids);
    // Most red flags first.
    let n: Vec<usize> = procs[1..].iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(n.windows(2).all(|w| w[0] >= w[1]));
    let buyers = sheet(&mut book, "Buyers by red flags");
    let listed: BTreeSet<String> = buyers[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        listed
            .iter()
            .all(|b| b.contains("（1157）") || b.contains("（1087）"))
    );

    // English first on request.
    let (_, en) = get(&c, format!("{}/procurement?lang=en", s.base)).await;
    let en = en.split("<main>").nth(1).unwrap();
    assert!(en.contains("<h1>Procurement red flags</h1>"));
    assert!(en.find("Flagged processes").unwrap() < en.find("被提示项目").unwrap());

    // A county with no procurement data: no nav link, an empty page, nothing of the others.
    let other = signed_in(&s.base, "sc-sup", "pw-sc-sup-123456").await;
    let (_, home) = get(&other, format!("{}/", s.base)).await;
    assert!(!home.contains(r#"href="/procurement""#));
    let (status, page) = get(&other, format!("{}/procurement", s.base)).await;
    assert_eq!(status, 200);
    assert!(!page.contains("ocds-6550wx-"));
    // Signed out: to the sign-in form.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = bare
        .get(format!("{}/procurement", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}
