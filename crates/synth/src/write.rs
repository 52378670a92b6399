//! Turns the registry into files: Chinese headers (the first alias of each column in
//! `crates/lake/datasets/registry.toml`), Chinese enum labels, 是/否 booleans.

use crate::csv::write_csv;
use crate::registry::{DivisionRow, OrgRelation, Person, PersonRelation, Post, Registry, Unit};
use crate::xlsx::write_xlsx;
use crate::{FileSummary, GroundTruth, Summary, SynthError};
use chrono::{Datelike, NaiveDate};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

/// Report progress every this many rows.
pub(crate) const PROGRESS_EVERY: usize = 8192;

/// One output cell. Dates become `YYYY-MM-DD` in CSV and date-formatted cells in XLSX.
pub(crate) enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    Date(NaiveDate),
    Empty,
}

impl Cell<'_> {
    fn opt(s: Option<&str>) -> Cell<'_> {
        s.map_or(Cell::Empty, Cell::Text)
    }
    fn date(d: Option<NaiveDate>) -> Cell<'static> {
        d.map_or(Cell::Empty, Cell::Date)
    }
    fn bool(b: bool) -> Cell<'static> {
        Cell::Text(if b { "是" } else { "否" })
    }

    pub(crate) fn push_csv(&self, line: &mut String, field: fn(&mut String, &str)) {
        match self {
            Cell::Text(s) => field(line, s),
            Cell::Owned(s) => field(line, s),
            Cell::Date(d) => {
                use std::fmt::Write;
                let _ = write!(line, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
            }
            Cell::Empty => {}
        }
    }
}

/// `(column name, header)` per dataset, in file column order.
pub const DIVISIONS: [(&str, &str); 5] = [
    ("code", "行政区划代码"),
    ("name", "名称"),
    ("parent_code", "上级区划代码"),
    ("longitude", "经度"),
    ("latitude", "纬度"),
];
pub const UNITS: [(&str, &str); 7] = [
    ("unit_id", "单位编号"),
    ("name", "单位名称"),
    ("kind", "单位类型"),
    ("division_code", "行政区划代码"),
    ("uscc", "统一社会信用代码"),
    ("parent_unit_id", "上级单位编号"),
    ("address", "地址"),
];
pub const PEOPLE: [(&str, &str); 6] = [
    ("person_id", "人员编号"),
    ("name", "姓名"),
    ("citizen_id", "公民身份号码"),
    ("gender", "性别"),
    ("division_code", "所属区划"),
    ("unit_id", "所在单位编号"),
];
pub const POSTS: [(&str, &str); 8] = [
    ("post_id", "岗位编号"),
    ("unit_id", "单位编号"),
    ("person_id", "人员编号"),
    ("title", "职务"),
    ("key_area", "关键岗位类别"),
    ("is_head", "是否一把手"),
    ("start_date", "任职日期"),
    ("end_date", "离任日期"),
];
pub const PERSON_RELATIONS: [(&str, &str); 3] = [
    ("person_id", "人员编号"),
    ("related_person_id", "关系人编号"),
    ("relation", "关系"),
];
pub const ORG_RELATIONS: [(&str, &str); 8] = [
    ("person_id", "人员编号"),
    ("org_name", "组织名称"),
    ("org_uscc", "组织统一社会信用代码"),
    ("unit_id", "单位编号"),
    ("role", "身份"),
    ("share_pct", "持股比例"),
    ("start_date", "起始日期"),
    ("end_date", "终止日期"),
];

/// `(column name, header)` pairs of one file.
pub type Columns = &'static [(&'static str, &'static str)];

/// `(dataset, file name, columns)` in import order.
pub const FILES: [(&str, &str, Columns); 6] = [
    ("divisions", "divisions.csv", &DIVISIONS),
    ("units", "units.csv", &UNITS),
    ("people", "people.xlsx", &PEOPLE),
    ("posts", "posts.xlsx", &POSTS),
    (
        "person_relations",
        "person_relations.csv",
        &PERSON_RELATIONS,
    ),
    ("org_relations", "org_relations.csv", &ORG_RELATIONS),
];
pub const GROUND_TRUTH_FILE: &str = "ground_truth.json";

fn headers<const N: usize>(cols: [(&'static str, &'static str); N]) -> [&'static str; N] {
    cols.map(|c| c.1)
}

/// XLSX headers with column widths in characters.
fn sized<const N: usize>(
    cols: [(&'static str, &'static str); N],
    widths: [f64; N],
) -> [(&'static str, f64); N] {
    let mut i = 0;
    cols.map(|c| {
        i += 1;
        (c.1, widths[i - 1])
    })
}

fn division_cells(d: &DivisionRow) -> [Cell<'_>; 5] {
    [
        Cell::Text(&d.code),
        Cell::Text(&d.name),
        Cell::Text(&d.parent_code),
        Cell::Owned(format!("{:.6}", d.longitude)),
        Cell::Owned(format!("{:.6}", d.latitude)),
    ]
}

fn unit_cells(u: &Unit) -> [Cell<'_>; 7] {
    [
        Cell::Text(&u.unit_id),
        Cell::Text(&u.name),
        Cell::Text(u.kind.name_zh()),
        Cell::Text(&u.division_code),
        Cell::Text(&u.uscc),
        Cell::opt(u.parent_unit_id.as_deref()),
        Cell::Text(&u.address),
    ]
}

fn person_cells(p: &Person) -> [Cell<'_>; 6] {
    [
        Cell::Text(&p.person_id),
        Cell::Text(&p.name),
        Cell::Text(&p.citizen_id),
        Cell::Text(p.gender.name_zh()),
        Cell::Text(&p.division_code),
        Cell::opt(p.unit_id.as_deref()),
    ]
}

fn post_cells(p: &Post) -> [Cell<'_>; 8] {
    [
        Cell::Text(&p.post_id),
        Cell::Text(&p.unit_id),
        Cell::Text(&p.person_id),
        Cell::Text(&p.title),
        Cell::opt(p.key_area.map(|k| k.name_zh())),
        Cell::bool(p.is_head),
        Cell::Date(p.start_date),
        Cell::date(p.end_date),
    ]
}

fn person_relation_cells(r: &PersonRelation) -> [Cell<'_>; 3] {
    [
        Cell::Text(&r.person_id),
        Cell::Text(&r.related_person_id),
        Cell::Text(r.relation.name_zh()),
    ]
}

fn org_relation_cells(r: &OrgRelation) -> [Cell<'_>; 8] {
    [
        Cell::Text(&r.person_id),
        Cell::Text(&r.org_name),
        Cell::Text(&r.org_uscc),
        Cell::Text(&r.unit_id),
        Cell::Text(r.role.name_zh()),
        r.share_bp.map_or(Cell::Empty, |bp| {
            Cell::Owned(format!("{}.{:02}", bp / 100, bp % 100))
        }),
        Cell::date(r.start_date),
        Cell::date(r.end_date),
    ]
}

type Job<'a> = Box<dyn FnOnce(&dyn Fn(u64, u64)) -> Result<usize, SynthError> + Send + 'a>;

enum Event {
    Progress(usize, u64, u64),
    Done(usize, Result<usize, SynthError>),
}

/// Writes every file; the workbooks (the slow part) run on their own threads while the CSVs
/// are written, and all progress is reported on the caller's thread.
pub(crate) fn write_all(
    out: &Path,
    reg: &Registry,
    truth: &GroundTruth,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<Summary, SynthError> {
    std::fs::create_dir_all(out).map_err(SynthError::io(out))?;
    let path = |i: usize| out.join(FILES[i].1);
    let paths: Vec<PathBuf> = (0..FILES.len()).map(path).collect();
    let jobs: Vec<Job<'_>> = vec![
        {
            let p = paths[0].clone();
            Box::new(move |pr| {
                write_csv(&p, headers(DIVISIONS), &reg.divisions, division_cells, pr)
            })
        },
        {
            let p = paths[1].clone();
            Box::new(move |pr| write_csv(&p, headers(UNITS), &reg.units, unit_cells, pr))
        },
        {
            let p = paths[2].clone();
            let cols = sized(PEOPLE, [16.0, 10.0, 22.0, 6.0, 14.0, 16.0]);
            Box::new(move |pr| write_xlsx(&p, "人员", cols, &reg.people, person_cells, pr))
        },
        {
            let p = paths[3].clone();
            let cols = sized(POSTS, [18.0, 16.0, 16.0, 24.0, 12.0, 10.0, 12.0, 12.0]);
            Box::new(move |pr| write_xlsx(&p, "岗位任职", cols, &reg.posts, post_cells, pr))
        },
        {
            let p = paths[4].clone();
            let h = headers(PERSON_RELATIONS);
            Box::new(move |pr| write_csv(&p, h, &reg.person_relations, person_relation_cells, pr))
        },
        {
            let p = paths[5].clone();
            let h = headers(ORG_RELATIONS);
            Box::new(move |pr| write_csv(&p, h, &reg.org_relations, org_relation_cells, pr))
        },
    ];
    // Biggest first, so the two workbooks overlap on a two-core machine.
    const RUN_ORDER: [usize; 6] = [3, 2, 5, 4, 1, 0];
    let slots: Vec<Mutex<Option<Job<'_>>>> =
        jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let mut results: Vec<Option<Result<usize, SynthError>>> =
        (0..FILES.len()).map(|_| None).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(FILES.len());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::channel::<Event>();
        for _ in 0..threads {
            let (tx, next, slots) = (tx.clone(), &next, &slots);
            s.spawn(move || {
                while let Some(&i) = RUN_ORDER.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let job = slots[i].lock().ok().and_then(|mut j| j.take());
                    let Some(job) = job else { continue };
                    let report = |done, total| {
                        let _ = tx.send(Event::Progress(i, done, total));
                    };
                    let r = job(&report);
                    let _ = tx.send(Event::Done(i, r));
                }
            });
        }
        drop(tx);
        for event in rx {
            match event {
                Event::Progress(i, done, total) => progress(FILES[i].0, done, total),
                Event::Done(i, r) => results[i] = Some(r),
            }
        }
    });

    let mut files = Vec::with_capacity(FILES.len() + 1);
    for (i, r) in results.into_iter().enumerate() {
        let rows = r.unwrap_or_else(|| {
            Err(SynthError::Io {
                path: paths[i].clone(),
                source: std::io::Error::other("writer thread failed"),
            })
        })?;
        files.push(FileSummary {
            dataset: FILES[i].0.to_owned(),
            path: paths[i].clone(),
            rows,
        });
    }
    let truth_path = out.join(GROUND_TRUTH_FILE);
    truth.write(&truth_path)?;
    progress("ground_truth", 1, 1);
    files.push(FileSummary {
        dataset: "ground_truth".to_owned(),
        path: truth_path,
        rows: truth.anomalies.len(),
    });
    Ok(Summary { files })
}
