//! Column headers (English name, Chinese header as in `crates/lake/datasets/education.toml`)
//! and the cells of each row, for the CSV writer.

use super::*;

pub const PLANS: [(&str, &str); 11] = [
    ("plan_id", "计划编号"),
    ("unit_id", "学校单位编号"),
    ("enrol_year", "招生年度"),
    ("stage", "学段"),
    ("ownership", "办学性质"),
    ("approved_area", "审批招生区域代码"),
    ("seats", "计划招生人数"),
    ("reg_start", "报名开始日期"),
    ("reg_end", "报名截止日期"),
    ("offer_start", "录取开始日期"),
    ("approval_no", "计划批准文号"),
];
pub const APPLICATIONS: [(&str, &str); 9] = [
    ("application_id", "报名编号"),
    ("unit_id", "学校单位编号"),
    ("enrol_year", "招生年度"),
    ("stage", "学段"),
    ("pupil_id", "学生编号"),
    ("apply_date", "报名日期"),
    ("assessment", "测评方式"),
    ("assessment_date", "测评日期"),
    ("score", "测评成绩"),
];
pub const REGISTRATIONS: [(&str, &str); 8] = [
    ("registration_id", "登记编号"),
    ("pupil_id", "学生编号"),
    ("household_id", "户号"),
    ("address_id", "地址编号"),
    ("address", "登记地址"),
    ("division_code", "所在区划代码"),
    ("basis", "登记依据"),
    ("since_date", "迁入日期"),
];
pub const ADMISSIONS: [(&str, &str); 15] = [
    ("admission_id", "录取编号"),
    ("unit_id", "学校单位编号"),
    ("enrol_year", "招生年度"),
    ("stage", "学段"),
    ("pupil_id", "学生编号"),
    ("route", "录取方式"),
    ("offer_date", "录取日期"),
    ("deposit_date", "缴费日期"),
    ("status", "学籍状态"),
    ("status_date", "学籍注册日期"),
    ("hukou_division", "户籍区划代码"),
    ("residence_division", "居住区划代码"),
    ("cross_area_basis", "跨区就读依据"),
    ("registration_id", "入学登记编号"),
    ("guardian_person_id", "监护人人员编号"),
];
pub const LISTS: [(&str, &str); 7] = [
    ("unit_id", "学校单位编号"),
    ("enrol_year", "招生年度"),
    ("stage", "学段"),
    ("pupil_id", "学生编号"),
    ("list_type", "名单类型"),
    ("lottery_id", "摇号编号"),
    ("seq_no", "序号"),
];
pub const CLASSES: [(&str, &str); 7] = [
    ("unit_id", "学校单位编号"),
    ("enrol_year", "入学年度"),
    ("grade", "年级"),
    ("class_name", "班级"),
    ("pupil_id", "学生编号"),
    ("assign_date", "分班日期"),
    ("method", "分班方式"),
];
pub const RECORDS: [(&str, &str); 7] = [
    ("pupil_id", "学生编号"),
    ("unit_id", "学校单位编号"),
    ("term", "学期"),
    ("term_start", "学期开始日期"),
    ("attendance_days", "出勤天数"),
    ("meals", "用餐次数"),
    ("exams", "考试次数"),
];
pub const TRANSFERS: [(&str, &str); 10] = [
    ("transfer_id", "转学编号"),
    ("pupil_id", "学生编号"),
    ("from_unit_id", "转出学校单位编号"),
    ("from_school", "转出学校"),
    ("to_unit_id", "转入学校单位编号"),
    ("school_year", "学年"),
    ("transfer_date", "转入日期"),
    ("grade", "年级"),
    ("kind", "类型"),
    ("reason", "原因"),
];

fn opt_text(s: &Option<String>) -> Cell<'_> {
    s.as_deref().map_or(Cell::Empty, Cell::Text)
}
fn opt_date(d: Option<NaiveDate>) -> Cell<'static> {
    d.map_or(Cell::Empty, Cell::Date)
}
fn int(v: impl ToString) -> Cell<'static> {
    Cell::Owned(v.to_string())
}

pub(crate) fn plan_cells(p: &Plan) -> [Cell<'_>; 11] {
    [
        Cell::Text(&p.plan_id),
        Cell::Text(&p.unit_id),
        int(p.year),
        Cell::Text(p.stage.name_zh()),
        Cell::Text(if p.private { "民办" } else { "公办" }),
        Cell::Text(&p.approved_area),
        int(p.seats),
        Cell::Date(p.reg_start),
        Cell::Date(p.reg_end),
        Cell::Date(p.offer_start),
        Cell::Text(&p.approval_no),
    ]
}

pub(crate) fn application_cells(a: &Application) -> [Cell<'_>; 9] {
    [
        Cell::Text(&a.application_id),
        Cell::Text(&a.unit_id),
        int(a.year),
        Cell::Text(a.stage.name_zh()),
        Cell::Text(&a.pupil_id),
        Cell::Date(a.apply_date),
        a.assessment
            .map_or(Cell::Empty, |k| Cell::Text(k.name_zh())),
        opt_date(a.assessment_date),
        a.score.map_or(Cell::Empty, |s| {
            Cell::Owned(format!("{}.{}", s / 10, s % 10))
        }),
    ]
}

pub(crate) fn registration_cells(r: &Registration) -> [Cell<'_>; 8] {
    [
        Cell::Text(&r.registration_id),
        Cell::Text(&r.pupil_id),
        Cell::Text(&r.household_id),
        Cell::Text(&r.address_id),
        Cell::Text(&r.address),
        Cell::Text(&r.division_code),
        Cell::Text(r.basis.name_zh()),
        Cell::Date(r.since),
    ]
}

pub(crate) fn admission_cells(a: &Admission) -> [Cell<'_>; 15] {
    [
        Cell::Text(&a.admission_id),
        Cell::Text(&a.unit_id),
        int(a.year),
        Cell::Text(a.stage.name_zh()),
        Cell::Text(&a.pupil_id),
        Cell::Text(a.route.name_zh()),
        Cell::Date(a.offer_date),
        opt_date(a.deposit_date),
        Cell::Text(a.status.name_zh()),
        opt_date(a.status_date),
        Cell::Text(&a.hukou),
        opt_text(&a.residence),
        a.cross.map_or(Cell::Empty, |c| {
            Cell::Text(match c {
                Cross::Coordinated => "统筹批准",
                Cross::Migrant => "随迁子女",
            })
        }),
        opt_text(&a.registration_id),
        opt_text(&a.guardian),
    ]
}

pub(crate) fn list_cells(l: &ListEntry) -> [Cell<'_>; 7] {
    [
        Cell::Text(&l.unit_id),
        int(l.year),
        Cell::Text(l.stage.name_zh()),
        Cell::Text(&l.pupil_id),
        Cell::Text(l.list.name_zh()),
        opt_text(&l.lottery_id),
        int(l.seq),
    ]
}

pub(crate) fn class_cells(c: &ClassAssignment) -> [Cell<'_>; 7] {
    [
        Cell::Text(&c.unit_id),
        int(c.year),
        int(c.grade),
        Cell::Text(&c.class_name),
        Cell::Text(&c.pupil_id),
        Cell::Date(c.assign_date),
        Cell::Text("随机分班"),
    ]
}

pub(crate) fn record_cells(r: &PupilRecord) -> [Cell<'_>; 7] {
    [
        Cell::Text(&r.pupil_id),
        Cell::Text(&r.unit_id),
        Cell::Text(r.term),
        Cell::Date(r.term_start),
        int(r.attendance),
        int(r.meals),
        int(r.exams),
    ]
}

pub(crate) fn transfer_cells(t: &Transfer) -> [Cell<'_>; 10] {
    [
        Cell::Text(&t.transfer_id),
        Cell::Text(&t.pupil_id),
        opt_text(&t.from_unit_id),
        Cell::Text(&t.from_school),
        Cell::Text(&t.to_unit_id),
        int(t.school_year),
        Cell::Date(t.transfer_date),
        int(t.grade),
        Cell::Text(t.kind.name_zh()),
        Cell::Text(t.reason),
    ]
}
