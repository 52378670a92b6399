//! Test support: a small programme in two counties, walked through the real workflow (hits,
//! decisions, clues, items, reports, verifications, closure — each a ledger entry), for the
//! cockpit's tests in this crate and in the web crate. The seed is plain data ([`HITS`],
//! [`CLUES`]) so that tests compute the figures they expect from it, not from the store.

use crate::ledger::Ledger;
use crate::workflow::{Grade, Move, NewItem, State, Verification};
use crate::{DivisionRow, HitRecord, NewUser, Principal, Result, Store, UnitRow};
use qinglian_core::{DivisionCode, Role};
use serde_json::json;

pub const DAY: i64 = 86_400;
/// 2026-07-11 08:00 +08:00: the first sighting of every hit.
pub const T0: i64 = 1_782_864_000 + 10 * DAY;
/// When the tests look: 2026-10-09, after every step below.
pub const NOW: i64 = T0 + 90 * DAY;

/// (code, name, level, parent)
pub const DIVISIONS: &[(&str, &str, &str, Option<&str>)] = &[
    ("330000", "浙江省", "province", None),
    ("330100", "杭州市", "city", Some("330000")),
    ("330105", "拱墅区", "county", Some("330100")),
    ("330106", "西湖区", "county", Some("330100")),
    ("330106001", "北山街道", "township", Some("330106")),
    ("330106002", "西溪街道", "township", Some("330106")),
];

/// (id, name, kind, division)
pub const UNITS: &[(&str, &str, &str, &str)] = &[
    ("XH-SOE", "西湖城投集团", "soe", "330106"),
    ("XH-VIL", "北山某村", "village", "330106001"),
    ("XH-SCH", "西溪某小学", "school", "330106002"),
    ("GS-SOE", "拱墅国资公司", "soe", "330105"),
    ("GS-SCH", "拱墅某中学", "school", "330105"),
];

pub struct SeedHit {
    pub id: &'static str,
    pub unit: &'static str,
    pub indicator: &'static str,
    pub severity: &'static str,
    pub decision: Option<&'static str>,
    /// Days after [`T0`] of the first sighting.
    pub day: i64,
}

pub const HITS: &[SeedHit] = &[
    SeedHit {
        id: "a1",
        unit: "XH-SOE",
        indicator: "SL-R01",
        severity: "high",
        decision: Some("confirmed"),
        day: 0,
    },
    SeedHit {
        id: "a2",
        unit: "XH-SOE",
        indicator: "SL-S02",
        severity: "medium",
        decision: None,
        day: 0,
    },
    SeedHit {
        id: "a3",
        unit: "XH-VIL",
        indicator: "VA-R01",
        severity: "high",
        decision: Some("confirmed"),
        day: 1,
    },
    SeedHit {
        id: "a4",
        unit: "XH-VIL",
        indicator: "VA-R01",
        severity: "low",
        decision: Some("false_positive"),
        day: 1,
    },
    SeedHit {
        id: "a5",
        unit: "XH-SCH",
        indicator: "SE-R01",
        severity: "medium",
        decision: None,
        day: 40,
    },
    SeedHit {
        id: "b1",
        unit: "GS-SOE",
        indicator: "SL-R01",
        severity: "high",
        decision: Some("confirmed"),
        day: 0,
    },
    SeedHit {
        id: "b2",
        unit: "GS-SCH",
        indicator: "SE-R01",
        severity: "low",
        decision: None,
        day: 35,
    },
    SeedHit {
        id: "b3",
        unit: "GS-SCH",
        indicator: "SE-R01",
        severity: "medium",
        decision: Some("unsure"),
        day: 70,
    },
];

/// How far a clue opened from a hit is walked.
pub enum Walk {
    /// Opened only.
    Registered,
    /// Confirmed with persons handled, one item ordered with a deadline `deadline_day` days
    /// after T0, not yet reported.
    Rectifying {
        persons: &'static [(&'static str, i64)],
        deadline_day: i64,
    },
    /// Confirmed, rectified (one item, verified with money and maybe a system), closed on
    /// `closed_day`.
    Closed {
        persons: &'static [(&'static str, i64)],
        money_fen: i64,
        systems: Option<&'static str>,
        closed_day: i64,
    },
}

pub struct SeedClue {
    /// The clue id the walk produces (clues are numbered in order of opening).
    pub id: &'static str,
    pub hit: &'static str,
    pub walk: Walk,
}

/// Findings are recorded 10 days after T0 (July); closures on their `closed_day`.
pub const FOUND_DAY: i64 = 10;

pub const CLUES: &[SeedClue] = &[
    SeedClue {
        id: "C-1",
        hit: "a1",
        walk: Walk::Closed {
            persons: &[("admonishment", 1), ("reminder_talk", 2)],
            money_fen: 1_250_000,
            systems: Some("《国有资产出租管理办法》"),
            closed_day: 60,
        },
    },
    SeedClue {
        id: "C-2",
        hit: "a3",
        walk: Walk::Rectifying {
            persons: &[("criticism", 1)],
            deadline_day: 30,
        },
    },
    SeedClue {
        id: "C-3",
        hit: "b1",
        walk: Walk::Closed {
            persons: &[("sanction", 1)],
            money_fen: 300_050,
            systems: None,
            closed_day: 25,
        },
    },
    SeedClue {
        id: "C-4",
        hit: "b3",
        walk: Walk::Registered,
    },
];

pub fn unit_of(hit: &str) -> &'static SeedHit {
    HITS.iter().find(|h| h.id == hit).expect("seeded hit")
}

pub fn division_of(unit: &str) -> &'static str {
    UNITS.iter().find(|u| u.0 == unit).expect("seeded unit").3
}

pub fn kind_of(unit: &str) -> &'static str {
    UNITS.iter().find(|u| u.0 == unit).expect("seeded unit").2
}

fn hit(h: &SeedHit) -> HitRecord {
    HitRecord {
        id: h.id.into(),
        indicator_id: h.indicator.into(),
        indicator_version: "1.0.0".into(),
        domain: "soe_leasing".into(),
        kind: "rule".into(),
        severity: h.severity.into(),
        param_hash: "p".into(),
        params: json!({"min_rent_fen": 100_000}),
        inputs: json!({"lease_contracts": {"hash": format!("snap-{}", h.id), "batches": 1, "rows": 12}}),
        unit_id: h.unit.into(),
        unit_kind: Some(kind_of(h.unit).into()),
        division_code: division_of(h.unit).into(),
        subject: json!({"unit_id": h.unit, "contract_id": format!("K-{}", h.id)}),
        facts_hash: format!("f-{}", h.id),
        values: json!({"rent_fen": 81_234}),
        thresholds: json!({"min_rent_fen": 100_000, "peer": {"median": 2.5}}),
        explanation_zh: format!("合同 K-{} 租金 812.34 元，低于下限 1000.00 元", h.id),
        explanation_en: format!(
            "contract K-{} rent 812.34 yuan, below the floor 1000.00 yuan",
            h.id
        ),
        counterfactual_zh: "租金不低于 1000.00 元则不会触发".into(),
        counterfactual_en: "a rent of at least 1000.00 yuan would not fire".into(),
        first_seen_at: T0 + h.day * DAY,
        last_seen_at: T0 + h.day * DAY,
        times_seen: 1,
        decision: None,
        decided_by: None,
        decided_at: None,
    }
}

fn mv(to: State, note: &str) -> Move {
    Move {
        to: Some(to),
        note: Some(note.into()),
        ..Default::default()
    }
}

/// Loads the registry, a supervisor `fixture-op` over the province who walks everything, the
/// hits with their decisions and the clues as [`CLUES`] says.
pub async fn seed(store: &Store, ledger: &Ledger) -> Result<()> {
    let divisions: Vec<DivisionRow> = DIVISIONS
        .iter()
        .map(|(code, name, level, parent)| DivisionRow {
            code: (*code).into(),
            name: (*name).into(),
            level: (*level).into(),
            parent_code: parent.map(Into::into),
            longitude: None,
            latitude: None,
            builtin: false,
        })
        .collect();
    store.upsert_divisions(&divisions).await?;
    let units: Vec<UnitRow> = UNITS
        .iter()
        .map(|(id, name, kind, div)| UnitRow {
            unit_id: (*id).into(),
            name: (*name).into(),
            kind: (*kind).into(),
            division_code: (*div).into(),
            uscc: None,
            parent_unit_id: None,
            address: None,
        })
        .collect();
    store.upsert_units(&units).await?;
    let user = store
        .create_user(
            ledger,
            &NewUser {
                username: "fixture-op".into(),
                display_name: "fixture-op".into(),
                password: "correct horse battery".into(),
                role: Role::Supervisor,
                divisions: vec![DivisionCode::parse("330000").expect("valid")],
                units: vec![],
            },
            T0,
        )
        .await?;
    let op: Principal = store.principal(&user).await?;
    for h in HITS {
        store.upsert_hits(&[hit(h)], T0 + h.day * DAY).await?;
        if let Some(d) = h.decision {
            store
                .decide_hit(ledger, &op, h.id, d, None, T0 + h.day * DAY + 3600)
                .await?;
        }
    }
    for c in CLUES {
        let opened = store
            .open_clue_from_hit(ledger, &op, c.hit, T0 + DAY)
            .await?;
        assert_eq!(opened.id, c.id, "clues open in the order of CLUES");
        let (persons, deadline_day, closing) = match &c.walk {
            Walk::Registered => continue,
            Walk::Rectifying {
                persons,
                deadline_day,
            } => (*persons, *deadline_day, None),
            Walk::Closed {
                persons,
                money_fen,
                systems,
                closed_day,
            } => (*persons, 50, Some((*money_fen, *systems, *closed_day))),
        };
        let triage = Move {
            handler: Some("fixture-op".into()),
            ..mv(State::Triaged, "分办")
        };
        let id = c.id;
        store
            .move_clue(ledger, &op, id, &triage, T0 + 2 * DAY)
            .await?;
        store
            .move_clue(
                ledger,
                &op,
                id,
                &mv(State::Verification, "初步核实"),
                T0 + 3 * DAY,
            )
            .await?;
        let found = Move {
            persons: persons.iter().map(|(f, n)| ((*f).to_owned(), *n)).collect(),
            ..mv(State::Confirmed, "问题属实")
        };
        store
            .move_clue(ledger, &op, id, &found, T0 + FOUND_DAY * DAY)
            .await?;
        let item = NewItem {
            text: "重新公开招租".into(),
            deadline: T0 + deadline_day * DAY,
            indicator_id: None,
            subject: None,
        };
        store
            .add_item(ledger, &op, id, &item, T0 + 11 * DAY)
            .await?;
        store
            .move_clue(
                ledger,
                &op,
                id,
                &mv(State::Rectifying, "下达整改通知"),
                T0 + 12 * DAY,
            )
            .await?;
        let Some((money, systems, closed_day)) = closing else {
            continue;
        };
        let at = T0 + (closed_day - 2) * DAY;
        store
            .report_item(
                ledger,
                &op,
                id,
                1,
                Grade::Completely,
                &[],
                Some("已整改"),
                at,
            )
            .await?;
        let v = Verification {
            grade: Grade::Completely,
            note: Some("现场核查".into()),
            systems_improved: systems.map(Into::into),
            money_recovered_fen: money,
            new_deadline: None,
            data_check: None,
            cooldown_days: 30,
        };
        store.verify_item(ledger, &op, id, 1, &v, at + DAY).await?;
        store
            .move_clue(
                ledger,
                &op,
                id,
                &mv(State::Closed, "销号"),
                T0 + closed_day * DAY,
            )
            .await?;
    }
    Ok(())
}
