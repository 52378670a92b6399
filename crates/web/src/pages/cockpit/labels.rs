//! Codes as people read them: zh/en cells for the states, decisions and kinds the store keeps.

use crate::export::Cell;
use qinglian_core::UnitKind;
use qinglian_store::workflow::machine::PERSON_FORMS;
use qinglian_store::workflow::{ItemState, State};

pub fn severity(s: &str) -> Cell {
    match s {
        "high" => Cell::pair("高", "high"),
        "medium" => Cell::pair("中", "medium"),
        "low" => Cell::pair("低", "low"),
        other => Cell::text(other),
    }
}

pub fn decision(d: Option<&str>) -> Cell {
    match d {
        None => Cell::pair("未判定", "undecided"),
        Some("confirmed") => Cell::pair("属实", "confirmed"),
        Some("false_positive") => Cell::pair("误报", "false positive"),
        Some("unsure") => Cell::pair("待定", "unsure"),
        Some(other) => Cell::text(other),
    }
}

pub fn clue_state(s: &str) -> Cell {
    match State::parse(s) {
        Some(st) => Cell::pair(st.name_zh(), st.as_str()),
        None => Cell::text(s),
    }
}

pub fn item_state(s: &str) -> Cell {
    match ItemState::parse(s) {
        Some(st) => Cell::pair(st.name_zh(), st.as_str()),
        None => Cell::text(s),
    }
}

pub fn finding(f: Option<&str>) -> Cell {
    match f {
        None => Cell::text("-"),
        Some("confirmed") => Cell::pair("问题属实", "confirmed"),
        Some("not_confirmed") => Cell::pair("问题不实", "not confirmed"),
        Some(other) => Cell::text(other),
    }
}

pub fn letter_kind(k: &str) -> Cell {
    match k {
        "notice" => Cell::pair("廉政告知书", "notice letter"),
        "risk_list" => Cell::pair("廉政风险防控清单", "risk-prevention list"),
        "reminder" => Cell::pair("廉政风险提醒函", "reminder letter"),
        other => Cell::text(other),
    }
}

pub fn letter_status(s: &str) -> Cell {
    match s {
        "issued" => Cell::pair("已发出", "issued"),
        "delivered" => Cell::pair("已送达", "delivered"),
        "acknowledged" => Cell::pair("已签收", "acknowledged"),
        other => Cell::text(other),
    }
}

/// A person-handling form's code → (zh, en).
pub fn person_form(code: &str) -> (String, String) {
    match PERSON_FORMS.iter().find(|(c, _)| *c == code) {
        Some((c, zh)) => ((*zh).to_owned(), c.replace('_', " ")),
        None => (code.to_owned(), code.to_owned()),
    }
}

/// A unit kind's code → (zh, en); unregistered units have none.
pub fn unit_kind(code: &str) -> (String, String) {
    if code.is_empty() {
        return ("未登记".into(), "unregistered".into());
    }
    match code.parse::<UnitKind>() {
        Ok(k) => (k.name_zh().into(), k.name_en().into()),
        Err(()) => (code.to_owned(), code.to_owned()),
    }
}

/// The timeline's step kinds.
pub fn step_kind(k: &str) -> Cell {
    match k {
        "open" => Cell::pair("登记", "opened"),
        "triage" => Cell::pair("分办", "triage"),
        "dispose" => Cell::pair("处置", "disposal"),
        "reopen" => Cell::pair("重新分办", "reopened"),
        "finding" => Cell::pair("认定", "finding"),
        "order" => Cell::pair("下达整改", "order"),
        "close" => Cell::pair("销号", "closure"),
        "item_add" => Cell::pair("添加整改事项", "item added"),
        "item_report" => Cell::pair("整改报告", "item report"),
        "item_verify" => Cell::pair("核查", "verification"),
        "item_check" => Cell::pair("数据复查", "data re-check"),
        "escalate" => Cell::pair("逾期升级", "escalation"),
        other => Cell::text(other),
    }
}
