//! Column headers (English name, Chinese header as in `crates/lake/datasets/enforcement.toml`),
//! the cells of each row, and the writer of the pack's CSV files.

use super::*;
use crate::packs::{CsvFiles, yuan};
use crate::write::Cell;

pub const SQUADS: [(&str, &str); 7] = [
    ("squad_id", "中队编号"),
    ("unit_id", "执法单位编号"),
    ("name", "中队名称"),
    ("division_code", "辖区区划代码"),
    ("base_longitude", "驻地经度"),
    ("base_latitude", "驻地纬度"),
    ("commander_person_id", "中队长人员编号"),
];
pub const OFFICERS: [(&str, &str); 8] = [
    ("officer_id", "队员编号"),
    ("person_id", "人员编号"),
    ("squad_id", "中队编号"),
    ("unit_id", "执法单位编号"),
    ("badge_no", "执法证号"),
    ("status", "人员身份"),
    ("start_date", "入队日期"),
    ("end_date", "离队日期"),
];
pub const SHIFTS: [(&str, &str); 5] = [
    ("shift_id", "班次编号"),
    ("officer_id", "队员编号"),
    ("kind", "班次类型"),
    ("start_at", "开始时间"),
    ("end_at", "结束时间"),
];
pub const GPS: [(&str, &str); 4] = [
    ("officer_id", "队员编号"),
    ("recorded_at", "定位时间"),
    ("longitude", "经度"),
    ("latitude", "纬度"),
];
pub const INSPECTIONS: [(&str, &str); 9] = [
    ("inspection_id", "检查编号"),
    ("officer_id", "队员编号"),
    ("shift_id", "班次编号"),
    ("occurred_at", "检查时间"),
    ("place", "检查地点"),
    ("longitude", "经度"),
    ("latitude", "纬度"),
    ("result", "检查结果"),
    ("case_id", "案件编号"),
];
pub const CASES: [(&str, &str); 22] = [
    ("case_id", "案件编号"),
    ("unit_id", "执法单位编号"),
    ("squad_id", "中队编号"),
    ("lead_officer_id", "主办队员编号"),
    ("case_type", "案件类型"),
    ("procedure", "办案程序"),
    ("source", "案件来源"),
    ("party_id", "当事人编号"),
    ("party_kind", "当事人类型"),
    ("place", "案发地点"),
    ("division_code", "所在区划代码"),
    ("longitude", "经度"),
    ("latitude", "纬度"),
    ("received_at", "受案时间"),
    ("registered_at", "立案时间"),
    ("decided_at", "决定时间"),
    ("closed_at", "结案时间"),
    ("outcome", "办理结果"),
    ("needs_verification", "需查证"),
    ("major_complex", "重大复杂"),
    ("major_decision", "重大执法决定"),
    ("extension_approval_no", "延期审批文号"),
];
pub const EVENTS: [(&str, &str); 10] = [
    ("event_id", "环节编号"),
    ("case_id", "案件编号"),
    ("step", "办理环节"),
    ("occurred_at", "发生时间"),
    ("officer_id", "执法人员编号"),
    ("co_officer_id", "协办执法人员编号"),
    ("on_site", "现场环节"),
    ("place", "地点"),
    ("longitude", "经度"),
    ("latitude", "纬度"),
];
pub const AV: [(&str, &str); 8] = [
    ("file_id", "文件编号"),
    ("officer_id", "队员编号"),
    ("case_id", "案件编号"),
    ("event_id", "环节编号"),
    ("start_at", "开始时间"),
    ("end_at", "结束时间"),
    ("is_evidence", "作为证据"),
    ("deleted_on", "删除日期"),
];
pub const CODES_COLS: [(&str, &str); 8] = [
    ("violation_code", "违法行为代码"),
    ("name", "违法行为名称"),
    ("legal_basis", "处罚依据"),
    ("party_kind", "适用对象"),
    ("min_fine", "法定最低罚款（元）"),
    ("max_fine", "法定最高罚款（元）"),
    ("light_max", "从轻上限（元）"),
    ("heavy_min", "从重下限（元）"),
];
pub const PENALTIES: [(&str, &str); 11] = [
    ("penalty_id", "决定书编号"),
    ("case_id", "案件编号"),
    ("officer_id", "承办人编号"),
    ("violation_code", "违法行为代码"),
    ("band", "裁量档次"),
    ("fine", "罚款金额（元）"),
    ("mitigation_ground", "减轻处罚理由"),
    ("on_the_spot", "当场处罚"),
    ("decided_on", "决定日期"),
    ("voided_on", "作废日期"),
    ("reissue_of", "重开原决定书编号"),
];
pub const PUBLICATIONS: [(&str, &str); 3] = [
    ("penalty_id", "决定书编号"),
    ("published_on", "公示日期"),
    ("channel", "公示渠道"),
];
pub const REVIEWS: [(&str, &str); 5] = [
    ("review_id", "审核编号"),
    ("case_id", "案件编号"),
    ("reviewed_on", "审核日期"),
    ("reviewer_person_id", "审核人员编号"),
    ("conclusion", "审核结论"),
];
pub const HEARINGS: [(&str, &str); 3] = [
    ("case_id", "案件编号"),
    ("notified_on", "告知日期"),
    ("requested", "申请听证"),
];
pub const CLOCK_STOPS: [(&str, &str); 4] = [
    ("case_id", "案件编号"),
    ("kind", "中止事由"),
    ("start_date", "起始日期"),
    ("end_date", "终止日期"),
];
pub const COMPLAINTS: [(&str, &str); 6] = [
    ("complaint_id", "投诉编号"),
    ("officer_id", "被投诉队员编号"),
    ("case_id", "案件编号"),
    ("received_on", "受理日期"),
    ("category", "投诉类别"),
    ("finding", "调查结论"),
];
pub const FORCE: [(&str, &str); 5] = [
    ("report_id", "报告编号"),
    ("officer_id", "队员编号"),
    ("case_id", "案件编号"),
    ("occurred_at", "发生时间"),
    ("level", "强制等级"),
];
pub const CALENDAR: [(&str, &str); 3] = [("day", "日期"), ("kind", "类型"), ("name", "名称")];
pub const DISCIPLINE: [(&str, &str); 7] = [
    ("finding_id", "处分编号"),
    ("officer_id", "队员编号"),
    ("complaint_id", "投诉编号"),
    ("recommended", "建议处分"),
    ("final", "最终处分"),
    ("decided_on", "决定日期"),
    ("decided_by_person_id", "决定人员编号"),
];

fn text(s: &Option<String>) -> Cell<'_> {
    s.as_deref().map_or(Cell::Empty, Cell::Text)
}
fn date(d: Option<NaiveDate>) -> Cell<'static> {
    d.map_or(Cell::Empty, Cell::Date)
}
fn time(t: NaiveDateTime) -> Cell<'static> {
    use chrono::Timelike;
    // By hand: chrono's formatter is the slowest part of writing the GPS table.
    Cell::Owned(format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}
fn opt_time(t: Option<NaiveDateTime>) -> Cell<'static> {
    t.map_or(Cell::Empty, time)
}
fn coord(v: f64) -> Cell<'static> {
    Cell::Owned(format!("{v:.6}"))
}
fn opt_coord(v: Option<f64>) -> Cell<'static> {
    v.map_or(Cell::Empty, coord)
}
fn flag(b: bool) -> Cell<'static> {
    Cell::Text(if b { "是" } else { "否" })
}
fn money(fen: i64) -> Cell<'static> {
    Cell::Owned(yuan(fen))
}

fn squad_cells(s: &Squad) -> [Cell<'_>; 7] {
    [
        Cell::Text(&s.squad_id),
        Cell::Text(&s.unit_id),
        Cell::Text(&s.name),
        Cell::Text(&s.division_code),
        coord(s.longitude),
        coord(s.latitude),
        text(&s.commander),
    ]
}

fn officer_cells(o: &Officer) -> [Cell<'_>; 8] {
    [
        Cell::Text(&o.officer_id),
        Cell::Text(&o.person_id),
        Cell::Text(&o.squad_id),
        Cell::Text(&o.unit_id),
        text(&o.badge_no),
        Cell::Text(if o.sworn {
            "执法人员"
        } else {
            "协管辅助人员"
        }),
        Cell::Date(o.start_date),
        date(o.end_date),
    ]
}

fn shift_cells(s: &Shift) -> [Cell<'_>; 5] {
    [
        Cell::Text(&s.shift_id),
        Cell::Text(&s.officer_id),
        Cell::Text(s.kind.name_zh()),
        time(s.start_at),
        time(s.end_at),
    ]
}

fn gps_cells(g: &GpsPoint) -> [Cell<'_>; 4] {
    [
        Cell::Text(&g.officer_id),
        time(g.recorded_at),
        coord(g.longitude),
        coord(g.latitude),
    ]
}

fn inspection_cells(i: &Inspection) -> [Cell<'_>; 9] {
    [
        Cell::Text(&i.inspection_id),
        Cell::Text(&i.officer_id),
        text(&i.shift_id),
        time(i.occurred_at),
        Cell::Text(&i.place),
        coord(i.longitude),
        coord(i.latitude),
        Cell::Text(i.result.name_zh()),
        text(&i.case_id),
    ]
}

fn case_cells(c: &Case) -> [Cell<'_>; 22] {
    [
        Cell::Text(&c.case_id),
        Cell::Text(&c.unit_id),
        Cell::Text(&c.squad_id),
        Cell::Text(&c.lead_officer_id),
        Cell::Text(c.case_type.name_zh()),
        Cell::Text(c.procedure.name_zh()),
        Cell::Text(c.source.name_zh()),
        text(&c.party_id),
        c.party_kind
            .map_or(Cell::Empty, |k| Cell::Text(k.name_zh())),
        Cell::Text(&c.place),
        Cell::Text(&c.division_code),
        coord(c.longitude),
        coord(c.latitude),
        time(c.received_at),
        opt_time(c.registered_at),
        opt_time(c.decided_at),
        opt_time(c.closed_at),
        c.outcome.map_or(Cell::Empty, |o| Cell::Text(o.name_zh())),
        flag(c.needs_verification),
        flag(c.major_complex),
        flag(c.major_decision),
        text(&c.extension_approval_no),
    ]
}

fn event_cells(e: &CaseEvent) -> [Cell<'_>; 10] {
    [
        Cell::Text(&e.event_id),
        Cell::Text(&e.case_id),
        Cell::Text(e.step.name_zh()),
        time(e.occurred_at),
        Cell::Text(&e.officer_id),
        text(&e.co_officer_id),
        flag(e.on_site),
        text(&e.place),
        opt_coord(e.longitude),
        opt_coord(e.latitude),
    ]
}

fn av_cells(a: &AvFile) -> [Cell<'_>; 8] {
    [
        Cell::Text(&a.file_id),
        Cell::Text(&a.officer_id),
        text(&a.case_id),
        text(&a.event_id),
        time(a.start_at),
        time(a.end_at),
        flag(a.is_evidence),
        date(a.deleted_on),
    ]
}

fn code_cells(c: &ViolationCode) -> [Cell<'_>; 8] {
    [
        Cell::Text(c.code),
        Cell::Text(c.name),
        Cell::Text(c.basis),
        Cell::Text(c.party.name_zh()),
        money(c.min),
        money(c.max),
        money(c.light_max),
        money(c.heavy_min),
    ]
}

fn penalty_cells(p: &Penalty) -> [Cell<'_>; 11] {
    [
        Cell::Text(&p.penalty_id),
        Cell::Text(&p.case_id),
        Cell::Text(&p.officer_id),
        Cell::Text(p.violation_code),
        Cell::Text(p.band.name_zh()),
        money(p.fine),
        p.mitigation_ground.map_or(Cell::Empty, Cell::Text),
        flag(p.on_the_spot),
        Cell::Date(p.decided_on),
        date(p.voided_on),
        text(&p.reissue_of),
    ]
}

fn publication_cells(p: &Publication) -> [Cell<'_>; 3] {
    [
        Cell::Text(&p.penalty_id),
        Cell::Date(p.published_on),
        Cell::Text(&p.channel),
    ]
}

fn review_cells(r: &LegalReview) -> [Cell<'_>; 5] {
    [
        Cell::Text(&r.review_id),
        Cell::Text(&r.case_id),
        Cell::Date(r.reviewed_on),
        text(&r.reviewer_person_id),
        Cell::Text(r.conclusion.name_zh()),
    ]
}

fn hearing_cells(h: &HearingNotice) -> [Cell<'_>; 3] {
    [
        Cell::Text(&h.case_id),
        Cell::Date(h.notified_on),
        flag(h.requested),
    ]
}

fn stop_cells(s: &ClockStop) -> [Cell<'_>; 4] {
    [
        Cell::Text(&s.case_id),
        Cell::Text(s.kind.name_zh()),
        Cell::Date(s.start_date),
        Cell::Date(s.end_date),
    ]
}

fn complaint_cells(c: &Complaint) -> [Cell<'_>; 6] {
    [
        Cell::Text(&c.complaint_id),
        Cell::Text(&c.officer_id),
        text(&c.case_id),
        Cell::Date(c.received_on),
        Cell::Text(c.category.name_zh()),
        Cell::Text(c.finding.name_zh()),
    ]
}

fn force_cells(f: &UseOfForce) -> [Cell<'_>; 5] {
    [
        Cell::Text(&f.report_id),
        Cell::Text(&f.officer_id),
        text(&f.case_id),
        time(f.occurred_at),
        Cell::Text(f.level.name_zh()),
    ]
}

fn discipline_cells(d: &Discipline) -> [Cell<'_>; 7] {
    [
        Cell::Text(&d.finding_id),
        Cell::Text(&d.officer_id),
        text(&d.complaint_id),
        Cell::Text(d.recommended.name_zh()),
        d.final_sanction
            .map_or(Cell::Empty, |s| Cell::Text(s.name_zh())),
        date(d.decided_on),
        text(&d.decided_by),
    ]
}

fn calendar_cells(c: &CalendarDay) -> [Cell<'_>; 3] {
    [
        Cell::Date(c.day),
        Cell::Text(if c.workday {
            "调休上班"
        } else {
            "节假日"
        }),
        Cell::Text(c.name),
    ]
}

/// Writes the enforcement files (all CSV: the GPS and event tables are the largest of any
/// pack); returns their summaries in import order. The GPS table is written on a thread of its
/// own while the others are written here.
pub(crate) fn write(
    out: &std::path::Path,
    d: &Enforcement,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<Vec<crate::FileSummary>, crate::SynthError> {
    std::fs::create_dir_all(out).map_err(crate::SynthError::io(out))?;
    let gps_path = out.join("le_gps_points.csv");
    let (rest, gps) = std::thread::scope(|s| {
        let gps = s.spawn(|| {
            let header = GPS.map(|c| c.1);
            crate::csv::write_csv(&gps_path, header, &d.gps, gps_cells, &|_, _| {})
        });
        let rest = write_rest(out, d, progress);
        (rest, gps.join())
    });
    let mut files = rest?;
    let rows = gps.unwrap_or_else(|_| {
        Err(crate::SynthError::Io {
            path: gps_path.clone(),
            source: std::io::Error::other("writer thread failed"),
        })
    })?;
    progress("le_gps_points", rows as u64, rows as u64);
    files.insert(
        3,
        crate::FileSummary {
            dataset: "le_gps_points".to_owned(),
            path: gps_path,
            rows,
        },
    );
    Ok(files)
}

fn write_rest(
    out: &std::path::Path,
    d: &Enforcement,
    progress: &dyn Fn(&str, u64, u64),
) -> Result<Vec<crate::FileSummary>, crate::SynthError> {
    let mut w = CsvFiles::new(out, progress);
    w.write("le_squads", SQUADS, &d.squads, squad_cells)?;
    w.write("le_officers", OFFICERS, &d.officers, officer_cells)?;
    w.write("le_shifts", SHIFTS, &d.shifts, shift_cells)?;
    w.write(
        "le_inspections",
        INSPECTIONS,
        &d.inspections,
        inspection_cells,
    )?;
    w.write("le_cases", CASES, &d.cases, case_cells)?;
    w.write("le_case_events", EVENTS, &d.events, event_cells)?;
    w.write("le_av_evidence", AV, &d.av, av_cells)?;
    w.write("le_violation_codes", CODES_COLS, model::CODES, code_cells)?;
    w.write("le_penalties", PENALTIES, &d.penalties, penalty_cells)?;
    w.write(
        "le_publications",
        PUBLICATIONS,
        &d.publications,
        publication_cells,
    )?;
    w.write("le_legal_reviews", REVIEWS, &d.reviews, review_cells)?;
    w.write("le_hearing_notices", HEARINGS, &d.hearings, hearing_cells)?;
    w.write("le_clock_stops", CLOCK_STOPS, &d.clock_stops, stop_cells)?;
    w.write("le_complaints", COMPLAINTS, &d.complaints, complaint_cells)?;
    w.write("le_use_of_force", FORCE, &d.force, force_cells)?;
    w.write("le_discipline", DISCIPLINE, &d.discipline, discipline_cells)?;
    if !d.calendar.is_empty() {
        w.write("work_calendar", CALENDAR, &d.calendar, calendar_cells)?;
    }
    Ok(w.files)
}
