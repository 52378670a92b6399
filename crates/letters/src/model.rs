//! The document model: who issues a letter to whom, and what it says, as plain data.
//!
//! A [`Letter`] is format-free: the HTML and .docx renderers and the canonical text (whose
//! SHA-256 the ledger records) are all derived from it, so they cannot say different things.

use chrono::NaiveDate;
use qinglian_core::UnitKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The three documents of 一书一单一函.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    /// 《廉政告知书》
    Notice,
    /// 《廉政风险防控清单》
    RiskList,
    /// 《廉政风险提醒函》
    Reminder,
}

impl LetterKind {
    pub const ALL: [LetterKind; 3] = [
        LetterKind::Notice,
        LetterKind::RiskList,
        LetterKind::Reminder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Notice => "notice",
            LetterKind::RiskList => "risk_list",
            LetterKind::Reminder => "reminder",
        }
    }

    /// The document title, without book-title marks.
    pub fn title_zh(self) -> &'static str {
        match self {
            LetterKind::Notice => "廉政告知书",
            LetterKind::RiskList => "廉政风险防控清单",
            LetterKind::Reminder => "廉政风险提醒函",
        }
    }

    /// The two-character tag inside the letter number (西湖纪〔2026〕提醒 第 0007 号).
    pub fn number_tag_zh(self) -> &'static str {
        match self {
            LetterKind::Notice => "告知",
            LetterKind::RiskList => "清单",
            LetterKind::Reminder => "提醒",
        }
    }
}

/// Posts with concentrated power, money or resources (关键岗位), by the business they handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyArea {
    Procurement,
    Bidding,
    PropertyTrading,
    Investment,
    Personnel,
    Finance,
    Construction,
    Approval,
    Enforcement,
    CollectiveAssets,
    MedicalPurchasing,
    Admissions,
}

impl KeyArea {
    pub const ALL: [KeyArea; 12] = [
        KeyArea::Procurement,
        KeyArea::Bidding,
        KeyArea::PropertyTrading,
        KeyArea::Investment,
        KeyArea::Personnel,
        KeyArea::Finance,
        KeyArea::Construction,
        KeyArea::Approval,
        KeyArea::Enforcement,
        KeyArea::CollectiveAssets,
        KeyArea::MedicalPurchasing,
        KeyArea::Admissions,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            KeyArea::Procurement => "物资采购",
            KeyArea::Bidding => "招标投标",
            KeyArea::PropertyTrading => "产权交易与资产出租",
            KeyArea::Investment => "投资决策",
            KeyArea::Personnel => "选人用人",
            KeyArea::Finance => "财务资金管理",
            KeyArea::Construction => "工程建设",
            KeyArea::Approval => "行政审批",
            KeyArea::Enforcement => "执法监管",
            KeyArea::CollectiveAssets => "集体“三资”管理",
            KeyArea::MedicalPurchasing => "医药购销",
            KeyArea::Admissions => "招生录取",
        }
    }
}

/// The business side of an official–business relationship (亲清政商关系).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counterparty {
    Supplier,
    Bidder,
    Tenant,
    Contractor,
    Applicant,
    Regulated,
    Investee,
}

impl Counterparty {
    pub const ALL: [Counterparty; 7] = [
        Counterparty::Supplier,
        Counterparty::Bidder,
        Counterparty::Tenant,
        Counterparty::Contractor,
        Counterparty::Applicant,
        Counterparty::Regulated,
        Counterparty::Investee,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            Counterparty::Supplier => "供应商",
            Counterparty::Bidder => "投标人",
            Counterparty::Tenant => "承租方",
            Counterparty::Contractor => "施工单位",
            Counterparty::Applicant => "办事企业和群众",
            Counterparty::Regulated => "监管对象",
            Counterparty::Investee => "合作投资方",
        }
    }
}

/// Same scale as the screening engine's severity (`low` / `medium` / `high`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn name_zh(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
        }
    }
}

/// The discipline body that issues the letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuer {
    /// Full name, e.g. 中共杭州市西湖区纪律检查委员会.
    pub name_zh: String,
    /// Short name used in letter numbers, e.g. 西湖纪.
    pub short_name_zh: String,
}

/// A key post (关键岗位) and the business it handles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// e.g. 采购部经理.
    pub title_zh: String,
    pub key_area: KeyArea,
}

/// To whom a letter goes: a unit, and optionally the holder of one of its posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub unit_name_zh: String,
    pub unit_kind: UnitKind,
    pub post: Option<Post>,
    pub person_name_zh: Option<String>,
}

/// What every letter shares. The sequence is allocated by the store; the number is derived
/// from it, the issuer and the issue date's year, so the parts cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub issuer: Issuer,
    pub recipient: Recipient,
    pub issue_date: NaiveDate,
    pub sequence: u32,
}

/// One indicator of the catalogue, as the risk list needs it (the screening crate maps its
/// `domain` to key areas; this crate does not link the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorSummary {
    pub id: String,
    pub name_zh: String,
    pub why_zh: String,
    pub legal_basis_zh: String,
    pub severity: Severity,
    /// Empty means every unit kind.
    pub unit_kinds: Vec<UnitKind>,
    pub key_areas: Vec<KeyArea>,
    /// A measure written for this indicator; without one the key area's standard measure is used.
    pub measure_zh: Option<String>,
}

/// One screening hit on the person, as the reminder letter quotes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitSummary {
    pub indicator_id: String,
    pub indicator_name_zh: String,
    /// The indicator's explanation, already phrased as a reason to look (提示/疑似).
    pub explanation_zh: String,
    /// Measured values by name, already formatted for display (sorted by name when shown).
    pub values: BTreeMap<String, String>,
    pub date: NaiveDate,
}

/// An earlier letter to the same person, quoted so the reader sees the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorLetter {
    pub number: String,
    pub issue_date: NaiveDate,
}

/// Format-free content of a letter body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Block {
    Heading {
        text: String,
    },
    Paragraph {
        text: String,
    },
    /// Numbered items: （一）（二）…
    List {
        items: Vec<String>,
    },
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// A composed letter, ready to render. Every string is single-line (see `compose::clean`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Letter {
    pub kind: LetterKind,
    pub number: String,
    pub issue_date: NaiveDate,
    pub issuer: Issuer,
    pub recipient: Recipient,
    /// 某某同志： or 某某单位：
    pub salutation: String,
    pub blocks: Vec<Block>,
    /// The acknowledgement block (签收回执): statement, then the field labels to fill in.
    pub ack: Acknowledgement,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub heading: String,
    pub statement: String,
    pub signer_label: String,
    pub date_label: String,
}

impl Letter {
    /// 《廉政风险提醒函》
    pub fn title_zh(&self) -> &'static str {
        self.kind.title_zh()
    }
}

/// `2026年5月8日`, the date style of official documents (GB/T 9704: Arabic numerals).
pub fn date_zh(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}
