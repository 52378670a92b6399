//! Generates real files and reads them back the way an importer would.

use calamine::{Data, Reader, Xlsx, open_workbook};
use qinglian_core::DivisionCode;
use qinglian_core::division::builtin_lookup;
use qinglian_core::ids::{birth_date, validate_citizen_id, validate_uscc};
use qinglian_synth::write::FILES;
use qinglian_synth::{Options, Registry, Scale, Summary, generate};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

type Table = Vec<BTreeMap<String, String>>;

#[path = "synth/enforcement.rs"]
mod enforcement;

fn run(scale: Scale, seed: u64, out: &Path) -> Summary {
    let opts = Options {
        scale,
        seed,
        out: out.to_owned(),
    };
    generate(&opts, &|_, done, total| assert!(done <= total)).expect("generation succeeds")
}

/// Minimal RFC 4180 reader (quoted fields, doubled quotes, `\n` records).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        row.is_empty() && field.is_empty(),
        "file ends with a newline"
    );
    rows
}

/// Reads a file into header + rows keyed by header; XLSX dates come back as `YYYY-MM-DD`
/// and must be real date cells.
fn read(path: &Path) -> (Vec<String>, Table) {
    let rows: Vec<Vec<String>> = if path.extension().is_some_and(|e| e == "csv") {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.starts_with('\u{feff}') && !text.contains('\r'));
        parse_csv(&text)
    } else {
        let mut wb: Xlsx<_> = open_workbook(path).unwrap();
        let range = wb.worksheet_range_at(0).unwrap().unwrap();
        range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::String(s) => s.clone(),
                        Data::Empty => String::new(),
                        Data::DateTime(d) => d
                            .as_datetime()
                            .unwrap()
                            .date()
                            .format("%Y-%m-%d")
                            .to_string(),
                        other => panic!("unexpected cell {other:?} in {}", path.display()),
                    })
                    .collect()
            })
            .collect()
    };
    let header = rows[0].clone();
    let table = rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "{}", path.display());
            header.iter().cloned().zip(r.iter().cloned()).collect()
        })
        .collect();
    (header, table)
}

fn load(out: &Path) -> HashMap<&'static str, Table> {
    FILES
        .iter()
        .map(|(dataset, file, cols)| {
            let (header, table) = read(&out.join(file));
            let expected: Vec<&str> = cols.iter().map(|c| c.1).collect();
            assert_eq!(header, expected, "{dataset}");
            (*dataset, table)
        })
        .collect()
}

fn col<'a>(t: &'a Table, name: &str) -> impl Iterator<Item = &'a str> {
    t.iter().map(move |r| r[name].as_str())
}

fn assert_unique(what: &str, keys: impl Iterator<Item = String>) {
    let mut seen = HashSet::new();
    for k in keys {
        assert!(seen.insert(k.clone()), "duplicate {what}: {k}");
    }
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

#[test]
fn county_files_are_valid_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let summary = run(Scale::County, 42, dir.path());
    eprintln!("county generation took {:?}", started.elapsed());
    let names: Vec<&str> = summary.files.iter().map(|f| f.dataset.as_str()).collect();
    assert_eq!(
        names,
        [
            "divisions",
            "units",
            "people",
            "posts",
            "person_relations",
            "org_relations",
            "market_rents",
            "properties",
            "tender_listings",
            "lease_contracts",
            "rent_payments",
            "collectives",
            "village_assets",
            "village_resolutions",
            "village_contracts",
            "village_payments",
            "village_disclosures",
            "grading_records",
            "enrolment_plans",
            "enrolment_applications",
            "household_registrations",
            "admissions",
            "lottery_lists",
            "class_assignments",
            "pupil_records",
            "school_transfers",
            "le_squads",
            "le_officers",
            "le_shifts",
            "le_gps_points",
            "le_inspections",
            "le_cases",
            "le_case_events",
            "le_av_evidence",
            "le_violation_codes",
            "le_penalties",
            "le_publications",
            "le_legal_reviews",
            "le_hearing_notices",
            "le_clock_stops",
            "le_complaints",
            "le_use_of_force",
            "le_discipline",
            "work_calendar",
            "ground_truth"
        ]
    );
    let t = load(dir.path());
    for f in &summary.files[..6] {
        assert_eq!(t[f.dataset.as_str()].len(), f.rows, "{}", f.dataset);
        eprintln!("{:>18}: {}", f.dataset, f.rows);
    }

    // Divisions: valid codes, parents exist, sizes as intended for 西湖区.
    let divisions = &t["divisions"];
    assert_unique(
        "division",
        col(divisions, "行政区划代码").map(str::to_owned),
    );
    let codes: HashSet<&str> = col(divisions, "行政区划代码").collect();
    let (mut towns, mut villages) = (0, 0);
    for r in divisions {
        let code = DivisionCode::parse(&r["行政区划代码"]).unwrap();
        assert_eq!(
            code.as_str(),
            r["行政区划代码"],
            "code is already normalised"
        );
        let parent = DivisionCode::parse(&r["上级区划代码"]).unwrap();
        assert!(parent.contains(&code));
        match code.as_str().len() {
            9 => {
                towns += 1;
                assert!(builtin_lookup(&parent).is_some());
            }
            12 => {
                villages += 1;
                assert!(codes.contains(parent.as_str()));
                let serial: u32 = code.as_str()[9..].parse().unwrap();
                assert!((1..300).contains(&serial));
                assert_eq!(serial > 200, r["名称"].ends_with('村'), "{}", r["名称"]);
            }
            n => panic!("unexpected code length {n}"),
        }
        let lon: f64 = r["经度"].parse().unwrap();
        let lat: f64 = r["纬度"].parse().unwrap();
        assert!(
            (119.5..121.0).contains(&lon) && (29.8..30.7).contains(&lat),
            "{lon},{lat}"
        );
    }
    assert!((10..=14).contains(&towns), "{towns} townships");
    assert!((100..=210).contains(&villages), "{villages} villages");

    // Units: ids, USCCs, divisions and parents.
    let units = &t["units"];
    assert!((250..=420).contains(&units.len()), "{} units", units.len());
    assert_unique("unit_id", col(units, "单位编号").map(str::to_owned));
    assert_unique("uscc", col(units, "统一社会信用代码").map(str::to_owned));
    assert_unique("unit name", col(units, "单位名称").map(str::to_owned));
    let unit_ids: HashSet<&str> = col(units, "单位编号").collect();
    let unit_by_id: HashMap<&str, &BTreeMap<String, String>> =
        units.iter().map(|u| (u["单位编号"].as_str(), u)).collect();
    let kinds: BTreeSet<&str> = col(units, "单位类型").collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "机关", "国企", "民企", "村居", "学校", "医院", "交通", "文化"
        ])
    );
    for u in units {
        let uscc = &u["统一社会信用代码"];
        validate_uscc(uscc).unwrap();
        assert_eq!(&uscc[2..8], "330106");
        let div = &u["行政区划代码"];
        assert!(div == "330106" || codes.contains(div.as_str()), "{div}");
        let prefix = &uscc[..2];
        match u["单位类型"].as_str() {
            "村居" => {
                assert_eq!(prefix, "N2");
                assert_eq!(div.len(), 12);
            }
            "民企" | "国企" => assert_eq!(prefix, "91"),
            "机关" => assert!(prefix == "11" || prefix == "12"),
            "学校" | "医院" | "文化" => assert_eq!(prefix, "12"),
            _ => assert!(prefix == "12" || prefix == "91"),
        }
        if !u["上级单位编号"].is_empty() {
            assert!(unit_ids.contains(u["上级单位编号"].as_str()));
        }
        assert!(u["地址"].starts_with("浙江省杭州市西湖区"));
    }
    let villages_units = units.iter().filter(|u| u["单位类型"] == "村居").count();
    assert_eq!(villages_units, villages, "one unit per village");

    // People: valid unique IDs, gender from the ID, references.
    let people = &t["people"];
    assert!(
        (2000..=4500).contains(&people.len()),
        "{} people",
        people.len()
    );
    assert_unique("person_id", col(people, "人员编号").map(str::to_owned));
    assert_unique("citizen_id", col(people, "公民身份号码").map(str::to_owned));
    for p in people {
        let id = &p["公民身份号码"];
        validate_citizen_id(id).unwrap();
        assert_eq!(&id[..6], "330106");
        let year = chrono::Datelike::year(&birth_date(id).unwrap());
        assert!((1960..=2002).contains(&year));
        let male = (id.as_bytes()[16] - b'0') % 2 == 1;
        assert_eq!(p["性别"], if male { "男" } else { "女" });
        let div = &p["所属区划"];
        assert!(div == "330106" || codes.contains(div.as_str()));
        if !p["所在单位编号"].is_empty() {
            assert!(unit_ids.contains(p["所在单位编号"].as_str()));
        }
        assert!((2..=4).contains(&p["姓名"].chars().count()));
    }
    let person_ids: HashSet<&str> = col(people, "人员编号").collect();

    // Posts: references, one current head per unit, dates, labels.
    let posts = &t["posts"];
    assert_unique("post_id", col(posts, "岗位编号").map(str::to_owned));
    let mut heads: HashMap<&str, usize> = HashMap::new();
    let key_areas = BTreeSet::from([
        "",
        "物资采购",
        "招标投标",
        "产权交易",
        "投资",
        "人事",
        "财务",
    ]);
    for p in posts {
        assert!(unit_ids.contains(p["单位编号"].as_str()));
        assert!(person_ids.contains(p["人员编号"].as_str()));
        assert!(key_areas.contains(p["关键岗位类别"].as_str()));
        assert!(p["是否一把手"] == "是" || p["是否一把手"] == "否");
        assert!(is_date(&p["任职日期"]));
        if !p["离任日期"].is_empty() {
            assert!(is_date(&p["离任日期"]));
            assert!(p["离任日期"] > p["任职日期"]);
        } else if p["是否一把手"] == "是" {
            *heads.entry(p["单位编号"].as_str()).or_default() += 1;
        }
        assert!(p["任职日期"].as_str() <= "2025-12-31");
    }
    assert_eq!(heads.len(), units.len(), "every unit has a head");
    assert!(heads.values().all(|n| *n == 1), "exactly one head per unit");
    let keyed = posts
        .iter()
        .filter(|p| !p["关键岗位类别"].is_empty())
        .count();
    assert!(
        keyed * 20 > posts.len() && keyed * 3 < posts.len(),
        "{keyed} key posts of {}",
        posts.len()
    );
    assert!(posts.iter().any(|p| !p["离任日期"].is_empty()));

    // Person relations.
    let rel = &t["person_relations"];
    assert!(!rel.is_empty());
    assert_unique(
        "person relation",
        rel.iter()
            .map(|r| format!("{}|{}|{}", r["人员编号"], r["关系人编号"], r["关系"])),
    );
    let labels = BTreeSet::from([
        "配偶",
        "父母",
        "子女",
        "兄弟姐妹",
        "其他亲属",
        "关系密切人员",
    ]);
    for r in rel {
        assert!(person_ids.contains(r["人员编号"].as_str()));
        assert!(person_ids.contains(r["关系人编号"].as_str()));
        assert_ne!(r["人员编号"], r["关系人编号"]);
        assert!(labels.contains(r["关系"].as_str()));
    }
    let used: BTreeSet<&str> = col(rel, "关系").collect();
    assert!(used.len() >= 5, "{used:?}");

    // Org relations: private firms only, matching the unit, shares summing to 100.
    let org = &t["org_relations"];
    assert_unique(
        "org relation",
        org.iter().map(|r| {
            format!(
                "{}|{}|{}|{}",
                r["人员编号"], r["组织统一社会信用代码"], r["组织名称"], r["身份"]
            )
        }),
    );
    let mut shares: BTreeMap<&str, f64> = BTreeMap::new();
    for r in org {
        assert!(person_ids.contains(r["人员编号"].as_str()));
        validate_uscc(&r["组织统一社会信用代码"]).unwrap();
        if r["单位编号"].is_empty() {
            // A firm a pack planted (outside the registry), recorded in the ground truth.
            continue;
        }
        let u = unit_by_id[r["单位编号"].as_str()];
        assert_eq!(u["单位类型"], "民企");
        assert_eq!(u["单位名称"], r["组织名称"]);
        assert_eq!(u["统一社会信用代码"], r["组织统一社会信用代码"]);
        validate_uscc(&r["组织统一社会信用代码"]).unwrap();
        assert!(["股东", "法定代表人", "高级管理人员", "员工"].contains(&r["身份"].as_str()));
        assert_eq!(r["身份"] == "股东", !r["持股比例"].is_empty());
        if r["身份"] == "股东" && r["终止日期"].is_empty() {
            *shares.entry(r["单位编号"].as_str()).or_default() +=
                r["持股比例"].parse::<f64>().unwrap();
        }
        for c in ["起始日期", "终止日期"] {
            assert!(r[c].is_empty() || is_date(&r[c]));
        }
    }
    let firms = units.iter().filter(|u| u["单位类型"] == "民企").count();
    assert_eq!(shares.len(), firms);
    assert!(
        shares.values().all(|s| (s - 100.0).abs() < 1e-9),
        "{shares:?}"
    );
    let legal: Vec<&str> = org
        .iter()
        .filter(|r| r["身份"] == "法定代表人" && !r["单位编号"].is_empty())
        .map(|r| r["单位编号"].as_str())
        .collect();
    assert_eq!(legal.len(), firms);

    // No pattern is planted by chance: relatives neither hold roles in firms nor work in the
    // official's own unit; associates are never firm people.
    // Links a pack plants on purpose (firms outside the registry, so without a unit) are
    // recorded in the ground truth and checked by the pack's own test.
    let in_firms: HashSet<&str> = org
        .iter()
        .filter(|r| !r["单位编号"].is_empty())
        .map(|r| r["人员编号"].as_str())
        .collect();
    let unit_of: HashMap<&str, &str> = people
        .iter()
        .map(|p| (p["人员编号"].as_str(), p["所在单位编号"].as_str()))
        .collect();
    for r in rel {
        let (a, b) = (r["人员编号"].as_str(), r["关系人编号"].as_str());
        if r["关系"] == "关系密切人员" {
            assert!(!in_firms.contains(a) && !in_firms.contains(b), "{a} {b}");
        } else {
            assert!(!in_firms.contains(b), "relative {b} of {a} in a firm");
            assert!(
                unit_of[b].is_empty() || unit_of[b] != unit_of[a],
                "{a} and relative {b} in one unit"
            );
        }
    }

    // The refused name appears nowhere.
    for table in t.values() {
        for row in table {
            assert!(row.values().all(|v| !v.contains("徐佩宁")));
        }
    }

    // Ground truth.
    let gt: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("ground_truth.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(gt["schema_version"], 1);
    assert_eq!(gt["generator"], "qinglian-synth");
    assert_eq!(gt["scale"], "county");
    assert_eq!(gt["seed"], 42);
    assert_eq!(gt["as_of"], "2025-12-31");
    let anomalies = gt["anomalies"].as_array().unwrap();
    assert!(!anomalies.is_empty());
    let ids: BTreeSet<&str> = anomalies
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), anomalies.len(), "anomaly ids are unique");
}

#[test]
fn same_seed_same_bytes_different_seed_different_data() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let sa = run(Scale::County, 7, a.path());
    run(Scale::County, 7, b.path());
    run(Scale::County, 8, c.path());
    let mut differing = 0;
    for f in &sa.files {
        let name = f.path.file_name().unwrap();
        let (x, y, z) = (
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            std::fs::read(c.path().join(name)).unwrap(),
        );
        assert!(
            x == y,
            "{} differs between runs with the same seed",
            f.dataset
        );
        differing += usize::from(x != z);
    }
    // Everything changes with the seed.
    assert!(
        differing >= 19,
        "only {differing} files changed with the seed"
    );
}

#[test]
fn a_county_is_the_same_at_every_scale() {
    let county = Registry::generate(Scale::County, 5, &|_, _, _| {}).unwrap();
    let city = Registry::generate(Scale::City, 5, &|_, _, _| {}).unwrap();
    let in_xihu = |code: &str| code.starts_with("330106");
    let city_units: Vec<_> = city
        .units
        .iter()
        .filter(|u| in_xihu(&u.division_code))
        .cloned()
        .collect();
    assert_eq!(county.units, city_units);
    let city_people: Vec<_> = city
        .people
        .iter()
        .filter(|p| p.person_id.starts_with("P330106-"))
        .cloned()
        .collect();
    assert_eq!(county.people, city_people);
    assert!(city.divisions.len() > 10 * county.divisions.len());
    // Ids stay unique across counties.
    assert_unique("unit_id", city.units.iter().map(|u| u.unit_id.clone()));
    assert_unique(
        "citizen_id",
        city.people.iter().map(|p| p.citizen_id.clone()),
    );
    assert_unique("uscc", city.units.iter().map(|u| u.uscc.clone()));
}

#[test]
fn headers_and_labels_match_the_lake_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lake/datasets/registry.toml");
    let doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let datasets = doc["dataset"].as_array().unwrap();
    for (dataset, _, cols) in FILES {
        let ds = datasets
            .iter()
            .find(|d| d["name"].as_str() == Some(dataset))
            .unwrap_or_else(|| panic!("{dataset}"));
        let spec = ds["columns"].as_array().unwrap();
        let spec_names: Vec<&str> = spec.iter().map(|c| c["name"].as_str().unwrap()).collect();
        let our_names: Vec<&str> = cols.iter().map(|c| c.0).collect();
        assert_eq!(our_names, spec_names, "{dataset}: columns and their order");
        for ((_, header), c) in cols.iter().zip(spec) {
            assert_eq!(Some(*header), c["aliases"][0].as_str(), "{dataset}");
            if let Some(values) = c.get("values") {
                let labels: BTreeSet<&str> = values
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["zh"].as_str().unwrap())
                    .collect();
                let ours: BTreeSet<&str> = match c["name"].as_str().unwrap() {
                    "kind" => qinglian_core::UnitKind::ALL
                        .iter()
                        .map(|k| k.name_zh())
                        .collect(),
                    "gender" => ["男", "女"].into(),
                    "key_area" => qinglian_synth::registry::KeyArea::ALL
                        .iter()
                        .map(|k| k.name_zh())
                        .collect(),
                    "relation" => qinglian_synth::registry::Relation::ALL
                        .iter()
                        .map(|k| k.name_zh())
                        .collect(),
                    "role" => qinglian_synth::registry::OrgRole::ALL
                        .iter()
                        .map(|k| k.name_zh())
                        .collect(),
                    other => panic!("unknown enum column {other}"),
                };
                assert_eq!(ours, labels, "{dataset}.{}", c["name"]);
            }
        }
    }
}

#[test]
fn scale_names() {
    for s in [Scale::County, Scale::City, Scale::Province] {
        assert_eq!(s.as_str().parse::<Scale>().unwrap(), s);
    }
    let err = "town".parse::<Scale>().unwrap_err();
    assert!(err.to_string().contains("未知的规模") && err.to_string().contains("unknown scale"));
    assert_eq!(err.code(), "SYNTH_UNKNOWN_SCALE");
}

/// `cargo test --release -p qinglian-synth -- --ignored --nocapture`: province volumes, time
/// and determinism.
#[test]
#[ignore = "slow in debug builds; a benchmark"]
fn province_volumes_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let summary = run(Scale::Province, 1, dir.path());
    eprintln!("province generation took {:?}", started.elapsed());
    for f in &summary.files {
        eprintln!(
            "{:>18}: {:>8} rows, {:>10} bytes",
            f.dataset,
            f.rows,
            std::fs::metadata(&f.path).unwrap().len()
        );
    }
    // Threads must not leak into the output: a second run gives the same bytes.
    let again = tempfile::tempdir().unwrap();
    run(Scale::Province, 1, again.path());
    for f in &summary.files {
        let name = f.path.file_name().unwrap();
        assert!(
            std::fs::read(&f.path).unwrap() == std::fs::read(again.path().join(name)).unwrap(),
            "{name:?}"
        );
    }
    let reg = Registry::generate(Scale::Province, 1, &|_, _, _| {}).unwrap();
    let towns = reg.divisions.iter().filter(|d| d.code.len() == 9).count();
    eprintln!(
        "townships {towns}, villages {}",
        reg.divisions.len() - towns
    );
}

/// The SOE leasing files: headers and labels as the lake expects them, every ground-truth key
/// pointing at a real row, and a county's pack the same at every scale.
#[test]
fn soe_leasing_pack_is_consistent() {
    use qinglian_synth::packs::soe_leasing as sl;
    let dir = tempfile::tempdir().unwrap();
    run(Scale::County, 42, dir.path());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lake/datasets/soe_leasing.toml");
    let doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let datasets = doc["dataset"].as_array().unwrap();
    let files: [(&str, &[(&str, &str)]); 5] = [
        ("properties", &sl::PROPERTIES),
        ("lease_contracts", &sl::CONTRACTS),
        ("rent_payments", &sl::PAYMENTS),
        ("tender_listings", &sl::LISTINGS),
        ("market_rents", &sl::MARKET),
    ];
    let mut tables = HashMap::new();
    for (dataset, cols) in files {
        let spec = datasets
            .iter()
            .find(|d| d["name"].as_str() == Some(dataset))
            .unwrap()["columns"]
            .as_array()
            .unwrap();
        let names: Vec<&str> = spec.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(
            cols.iter().map(|c| c.0).collect::<Vec<_>>(),
            names,
            "{dataset}"
        );
        let (header, table) = read(&dir.path().join(format!("{dataset}.csv")));
        for ((_, h), c) in cols.iter().zip(spec) {
            assert_eq!(Some(*h), c["aliases"][0].as_str(), "{dataset}");
            if let Some(values) = c.get("values") {
                let allowed: BTreeSet<&str> = values
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["zh"].as_str().unwrap())
                    .collect();
                for r in &table {
                    let v = r[*h].as_str();
                    assert!(v.is_empty() || allowed.contains(v), "{dataset}.{h}: {v}");
                }
            }
        }
        assert_eq!(header.len(), cols.len());
        tables.insert(dataset, table);
    }
    let ids = |t: &str, col: &str| -> HashSet<String> {
        tables[t].iter().map(|r| r[col].clone()).collect()
    };
    let contracts = ids("lease_contracts", "合同编号");
    let listings = ids("tender_listings", "产权交易项目编号");
    let properties = ids("properties", "房产编号");
    assert_eq!(
        contracts.len(),
        tables["lease_contracts"].len(),
        "contract ids unique"
    );
    for r in &tables["lease_contracts"] {
        assert!(properties.contains(&r["房产编号"]));
        let l = &r["产权交易项目编号"];
        assert!(l.is_empty() || listings.contains(l), "listing {l} exists");
    }
    for r in &tables["rent_payments"] {
        assert!(contracts.contains(&r["合同编号"]));
    }
    let gt: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("ground_truth.json")).unwrap(),
    )
    .unwrap();
    let mut per_indicator: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for a in gt["anomalies"].as_array().unwrap() {
        let keys = a["keys"].as_object().unwrap();
        match a["dataset"].as_str().unwrap() {
            d if !["lease_contracts", "tender_listings"].contains(&d) => continue,
            "lease_contracts" => assert!(contracts.contains(keys["contract_id"].as_str().unwrap())),
            "tender_listings" => assert!(listings.contains(keys["listing_id"].as_str().unwrap())),
            other => panic!("unexpected dataset {other}"),
        }
        for i in a["indicators"].as_array().unwrap() {
            let e = per_indicator
                .entry(i.as_str().unwrap().to_owned())
                .or_default();
            if a["expect"] == "fire" {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    // Every SL indicator has cases that must fire and cases that must not.
    per_indicator.retain(|i, _| i.starts_with("SL-"));
    assert_eq!(per_indicator.len(), 13, "{per_indicator:?}");
    for (i, (fire, no_fire)) in &per_indicator {
        assert!(
            *fire >= 2 && *no_fire >= 1,
            "{i}: {fire} fire, {no_fire} no_fire"
        );
    }

    let mut county = Registry::generate(Scale::County, 5, &|_, _, _| {}).unwrap();
    let mut city = Registry::generate(Scale::City, 5, &|_, _, _| {}).unwrap();
    let (mut t1, mut t2) = (Vec::new(), Vec::new());
    let a = sl::generate(
        &mut county,
        &Registry::counties(Scale::County).unwrap(),
        5,
        &mut t1,
    );
    let b = sl::generate(
        &mut city,
        &Registry::counties(Scale::City).unwrap(),
        5,
        &mut t2,
    );
    let xihu: Vec<_> = b
        .contracts
        .iter()
        .filter(|c| c.contract_id.starts_with("ZL330106-"))
        .cloned()
        .collect();
    assert_eq!(a.contracts, xihu);
    let xihu_truth: Vec<_> = t2
        .into_iter()
        .filter(|x| x.id.contains("-330106-"))
        .collect();
    assert_eq!(t1, xihu_truth);
}

/// The village files: headers and labels as the lake expects them, every ground-truth key
/// pointing at a real row, planted cases for every RA indicator, a county the same at every scale.
#[test]
fn village_assets_pack_is_consistent() {
    use qinglian_synth::packs::village_assets as va;
    let dir = tempfile::tempdir().unwrap();
    run(Scale::County, 42, dir.path());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lake/datasets/village_assets.toml");
    let doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let datasets = doc["dataset"].as_array().unwrap();
    let files: [(&str, &[(&str, &str)]); 7] = [
        ("collectives", &va::COLLECTIVES),
        ("village_assets", &va::ASSETS),
        ("village_resolutions", &va::RESOLUTIONS),
        ("village_contracts", &va::CONTRACTS),
        ("village_payments", &va::PAYMENTS),
        ("village_disclosures", &va::DISCLOSURES),
        ("grading_records", &va::GRADINGS),
    ];
    let mut tables = HashMap::new();
    for (dataset, cols) in files {
        let spec = datasets
            .iter()
            .find(|d| d["name"].as_str() == Some(dataset))
            .unwrap()["columns"]
            .as_array()
            .unwrap();
        let names: Vec<&str> = spec.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(
            cols.iter().map(|c| c.0).collect::<Vec<_>>(),
            names,
            "{dataset}"
        );
        let (_, table) = read(&dir.path().join(format!("{dataset}.csv")));
        for ((_, h), c) in cols.iter().zip(spec) {
            assert_eq!(Some(*h), c["aliases"][0].as_str(), "{dataset}");
            if let Some(values) = c.get("values") {
                let allowed: BTreeSet<&str> = values
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["zh"].as_str().unwrap())
                    .collect();
                for r in &table {
                    let v = r[*h].as_str();
                    assert!(v.is_empty() || allowed.contains(v), "{dataset}.{h}: {v}");
                }
            }
        }
        tables.insert(dataset, table);
    }
    let ids = |t: &str, col: &str| -> HashSet<String> {
        tables[t].iter().map(|r| r[col].clone()).collect()
    };
    let contracts = ids("village_contracts", "合同编号");
    let resolutions = ids("village_resolutions", "决议编号");
    let assets = ids("village_assets", "资产编号");
    let payments = ids("village_payments", "收支编号");
    let gradings = ids("grading_records", "定级编号");
    assert_eq!(
        contracts.len(),
        tables["village_contracts"].len(),
        "contract ids unique"
    );
    for r in &tables["village_contracts"] {
        assert!(assets.contains(&r["资产编号"]));
        let res = &r["决议编号"];
        assert!(res.is_empty() || resolutions.contains(res));
    }
    let gt: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("ground_truth.json")).unwrap(),
    )
    .unwrap();
    let mut per_indicator: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for a in gt["anomalies"].as_array().unwrap() {
        let keys = a["keys"].as_object().unwrap();
        let key = |k: &str| keys[k].as_str().unwrap().to_owned();
        match a["dataset"].as_str().unwrap() {
            "village_contracts" => assert!(contracts.contains(&key("contract_id"))),
            "village_resolutions" => assert!(resolutions.contains(&key("resolution_id"))),
            "village_payments" => assert!(payments.contains(&key("payment_id"))),
            "grading_records" => assert!(gradings.contains(&key("record_id"))),
            "village_disclosures" => assert_eq!(key("gap_from"), "2024-04-10"),
            _ => continue,
        }
        for i in a["indicators"].as_array().unwrap() {
            let e = per_indicator
                .entry(i.as_str().unwrap().to_owned())
                .or_default();
            if a["expect"] == "fire" {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    assert_eq!(per_indicator.len(), 15, "{per_indicator:?}");
    for (i, (fire, no_fire)) in &per_indicator {
        assert!(
            *fire >= 1 && *no_fire >= 1,
            "{i}: {fire} fire, {no_fire} no_fire"
        );
    }

    let mut county = Registry::generate(Scale::County, 5, &|_, _, _| {}).unwrap();
    let mut city = Registry::generate(Scale::City, 5, &|_, _, _| {}).unwrap();
    let (mut t1, mut t2) = (Vec::new(), Vec::new());
    let a = va::generate(
        &mut county,
        &Registry::counties(Scale::County).unwrap(),
        5,
        &mut t1,
    );
    let b = va::generate(
        &mut city,
        &Registry::counties(Scale::City).unwrap(),
        5,
        &mut t2,
    );
    let xihu: Vec<_> = b
        .contracts
        .iter()
        .filter(|c| c.contract_id.starts_with("JH330106-"))
        .cloned()
        .collect();
    assert_eq!(a.contracts, xihu);
    let xihu_truth: Vec<_> = t2
        .into_iter()
        .filter(|x| x.id.contains("-330106-"))
        .collect();
    assert_eq!(t1, xihu_truth);
}

/// The school enrolment files: headers and labels as the lake expects them, references between
/// them, every ground-truth key pointing at real rows, planted cases for every ED indicator, a
/// county the same at every scale.
#[test]
fn education_pack_is_consistent() {
    use qinglian_synth::packs::education as ed;
    let dir = tempfile::tempdir().unwrap();
    run(Scale::County, 42, dir.path());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lake/datasets/education.toml");
    let doc: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let datasets = doc["dataset"].as_array().unwrap();
    let files: [(&str, &[(&str, &str)]); 8] = [
        ("enrolment_plans", &ed::PLANS),
        ("enrolment_applications", &ed::APPLICATIONS),
        ("household_registrations", &ed::REGISTRATIONS),
        ("admissions", &ed::ADMISSIONS),
        ("lottery_lists", &ed::LISTS),
        ("class_assignments", &ed::CLASSES),
        ("pupil_records", &ed::RECORDS),
        ("school_transfers", &ed::TRANSFERS),
    ];
    let mut tables = HashMap::new();
    for (dataset, cols) in files {
        let spec = datasets
            .iter()
            .find(|d| d["name"].as_str() == Some(dataset))
            .unwrap()["columns"]
            .as_array()
            .unwrap();
        let names: Vec<&str> = spec.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(
            cols.iter().map(|c| c.0).collect::<Vec<_>>(),
            names,
            "{dataset}"
        );
        let (_, table) = read(&dir.path().join(format!("{dataset}.csv")));
        assert!(!table.is_empty(), "{dataset}");
        for ((_, h), c) in cols.iter().zip(spec) {
            assert_eq!(Some(*h), c["aliases"][0].as_str(), "{dataset}");
            if let Some(values) = c.get("values") {
                let allowed: BTreeSet<&str> = values
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["zh"].as_str().unwrap())
                    .collect();
                for r in &table {
                    let v = r[*h].as_str();
                    assert!(v.is_empty() || allowed.contains(v), "{dataset}.{h}: {v}");
                }
            }
        }
        tables.insert(dataset, table);
    }
    let ids = |t: &str, col: &str| -> HashSet<String> {
        tables[t].iter().map(|r| r[col].clone()).collect()
    };
    let plans = ids("enrolment_plans", "计划编号");
    let admissions = ids("admissions", "录取编号");
    let registrations = ids("household_registrations", "登记编号");
    let addresses = ids("household_registrations", "地址编号");
    let admitted = ids("admissions", "学生编号");
    assert_eq!(
        admissions.len(),
        tables["admissions"].len(),
        "admission ids unique"
    );
    assert_eq!(
        admitted.len(),
        tables["admissions"].len(),
        "one admission per pupil"
    );
    for r in &tables["admissions"] {
        let reg = &r["入学登记编号"];
        assert!(reg.is_empty() || registrations.contains(reg));
        assert!(r["户籍区划代码"].parse::<u64>().is_ok());
    }
    for r in &tables["class_assignments"] {
        assert!(
            admitted.contains(&r["学生编号"]),
            "a class member was admitted"
        );
    }
    for r in &tables["pupil_records"] {
        assert!(admitted.contains(&r["学生编号"]));
        assert!(is_date(&r["学期开始日期"]));
    }
    let schools: HashSet<String> = tables["enrolment_plans"]
        .iter()
        .map(|r| r["学校单位编号"].clone())
        .collect();
    let groups = |t: &str, cols: [&str; 3]| -> HashSet<(String, String, String)> {
        tables[t]
            .iter()
            .map(|r| (r[cols[0]].clone(), r[cols[1]].clone(), r[cols[2]].clone()))
            .collect()
    };
    let app_groups = groups(
        "enrolment_applications",
        ["学校单位编号", "招生年度", "学段"],
    );
    let class_groups = groups("class_assignments", ["学校单位编号", "入学年度", "年级"]);
    let transfers: HashSet<(String, String)> = tables["school_transfers"]
        .iter()
        .map(|r| (r["转入学校单位编号"].clone(), r["学年"].clone()))
        .collect();

    let gt: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("ground_truth.json")).unwrap(),
    )
    .unwrap();
    let stage_zh = |code: &str| {
        if code == "primary" {
            "小学"
        } else {
            "初中"
        }
        .to_owned()
    };
    let mut per_indicator: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for a in gt["anomalies"].as_array().unwrap() {
        if !a["id"].as_str().unwrap().starts_with("education-") {
            continue;
        }
        let keys = a["keys"].as_object().unwrap();
        let key = |k: &str| keys[k].as_str().unwrap().to_owned();
        match a["dataset"].as_str().unwrap() {
            "admissions" => assert!(admissions.contains(&key("admission_id"))),
            "enrolment_plans" => assert!(plans.contains(&key("plan_id"))),
            "household_registrations" => assert!(addresses.contains(&key("address_id"))),
            "enrolment_applications" => assert!(app_groups.contains(&(
                key("unit_id"),
                key("enrol_year"),
                stage_zh(&key("stage"))
            ))),
            "class_assignments" => {
                let group = (key("unit_id"), key("enrol_year"), key("grade"));
                assert!(class_groups.contains(&group));
            }
            "school_transfers" => {
                assert!(schools.contains(&key("unit_id")));
                assert!(
                    transfers.contains(&(key("unit_id"), key("school_year"))),
                    "{a}"
                );
            }
            other => panic!("unexpected dataset {other}"),
        }
        for i in a["indicators"].as_array().unwrap() {
            let e = per_indicator
                .entry(i.as_str().unwrap().to_owned())
                .or_default();
            if a["expect"] == "fire" {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    assert_eq!(per_indicator.len(), 9, "{per_indicator:?}");
    for (i, (fire, no_fire)) in &per_indicator {
        assert!(
            *fire >= 1 && *no_fire >= 1,
            "{i}: {fire} fire, {no_fire} no_fire"
        );
    }

    let county = Registry::generate(Scale::County, 5, &|_, _, _| {}).unwrap();
    let city = Registry::generate(Scale::City, 5, &|_, _, _| {}).unwrap();
    let (mut t1, mut t2) = (Vec::new(), Vec::new());
    let a = ed::generate(
        &county,
        &Registry::counties(Scale::County).unwrap(),
        5,
        &mut t1,
    );
    let b = ed::generate(&city, &Registry::counties(Scale::City).unwrap(), 5, &mut t2);
    let xihu: Vec<_> = b
        .admissions
        .iter()
        .filter(|x| x.admission_id.starts_with("LQ330106-"))
        .cloned()
        .collect();
    assert_eq!(a.admissions, xihu);
    let xihu_truth: Vec<_> = t2
        .into_iter()
        .filter(|x| x.id.contains("-330106-"))
        .collect();
    assert_eq!(t1, xihu_truth);
}
