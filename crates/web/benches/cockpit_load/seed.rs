//! A province of synthetic cockpit data: the shipped Zhejiang province/city/county table, ten
//! townships per county, units of every kind in each township, hits of several indicators
//! and severities across a year, and clues opened from some of them and walked through the
//! real workflow (each step a ledger entry), as `qinglian_store::cockpit::fixture` does for
//! two counties.

use qinglian_core::division::builtin;
use qinglian_core::{DivisionCode, Role};
use qinglian_store::cockpit::fixture::{DAY, T0};
use qinglian_store::ledger::Ledger;
use qinglian_store::workflow::State;
use qinglian_store::{DivisionRow, HitRecord, Move, NewItem, NewUser, Principal, Store, UnitRow};
use serde_json::json;

pub const PROVINCE: &str = "330000";
const TOWNSHIPS_PER_COUNTY: usize = 10;
const KINDS: [&str; 8] = [
    "organ",
    "soe",
    "private_enterprise",
    "village",
    "school",
    "hospital",
    "transport",
    "culture",
];
const INDICATORS: [(&str, &str); 6] = [
    ("SL-R01", "high"),
    ("SL-R02", "medium"),
    ("SL-S01", "low"),
    ("VA-R01", "high"),
    ("VA-S02", "medium"),
    ("ED-R01", "low"),
];

pub struct Seeded {
    pub admin: Principal,
    pub counties: Vec<String>,
    pub townships: Vec<String>,
    pub units: Vec<String>,
    pub hits: Vec<String>,
    pub clues: Vec<String>,
}

fn hit(id: &str, unit: &str, kind: &str, division: &str, n: usize) -> HitRecord {
    let (indicator, severity) = INDICATORS[n % INDICATORS.len()];
    let day = (n % 330) as i64;
    HitRecord {
        id: id.into(),
        indicator_id: indicator.into(),
        indicator_version: "1.0.0".into(),
        domain: "soe_leasing".into(),
        kind: "rule".into(),
        severity: severity.into(),
        param_hash: "p".into(),
        params: json!({"min_rent_fen": 100_000}),
        inputs: json!({"lease_contracts": {"hash": "snap", "batches": 1, "rows": 12}}),
        unit_id: unit.into(),
        unit_kind: Some(kind.into()),
        division_code: division.into(),
        subject: json!({"unit_id": unit, "contract_id": format!("K-{id}")}),
        facts_hash: format!("f-{id}"),
        values: json!({"rent_fen": 81_234 + n as i64}),
        thresholds: json!({"min_rent_fen": 100_000}),
        explanation_zh: format!("合同 K-{id} 租金低于下限"),
        explanation_en: format!("contract K-{id}: rent below the floor"),
        counterfactual_zh: "租金不低于下限则不会触发".into(),
        counterfactual_en: "a rent at the floor would not fire".into(),
        first_seen_at: T0 - 300 * DAY + day * DAY,
        last_seen_at: T0 - 300 * DAY + day * DAY,
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

/// Seeds `units_per_township` units in every township, `hits_per_unit` hits per unit, and a
/// clue for every `clue_every`-th hit; a third of the clues are walked to rectification.
pub async fn seed(
    store: &Store,
    ledger: &Ledger,
    units_per_township: usize,
    hits_per_unit: usize,
    clue_every: usize,
) -> anyhow::Result<Seeded> {
    let zj: Vec<_> = builtin()
        .iter()
        .filter(|d| d.code.as_str().starts_with("33"))
        .collect();
    let mut divisions: Vec<DivisionRow> = zj
        .iter()
        .map(|d| DivisionRow {
            code: d.code.to_string(),
            name: d.name.clone(),
            level: d.level.as_str().into(),
            parent_code: d.parent.as_ref().map(ToString::to_string),
            longitude: d.longitude,
            latitude: d.latitude,
            builtin: true,
        })
        .collect();
    let counties: Vec<String> = zj
        .iter()
        .filter(|d| d.level.as_str() == "county")
        .map(|d| d.code.to_string())
        .collect();
    let mut townships = Vec::new();
    for c in &counties {
        for t in 1..=TOWNSHIPS_PER_COUNTY {
            let code = format!("{c}{t:03}");
            divisions.push(DivisionRow {
                code: code.clone(),
                name: format!("第{t}街道"),
                level: "township".into(),
                parent_code: Some(c.clone()),
                longitude: None,
                latitude: None,
                builtin: false,
            });
            townships.push(code);
        }
    }
    store.upsert_divisions(&divisions).await?;
    let mut units = Vec::new();
    let mut rows = Vec::new();
    for (ti, t) in townships.iter().enumerate() {
        for u in 0..units_per_township {
            let id = format!("U{ti:04}-{u:02}");
            rows.push(UnitRow {
                unit_id: id.clone(),
                name: format!("单位{ti}-{u}"),
                kind: KINDS[(ti + u) % KINDS.len()].into(),
                division_code: t.clone(),
                uscc: None,
                parent_unit_id: None,
                address: None,
            });
            units.push(id);
        }
    }
    for chunk in rows.chunks(2000) {
        store.upsert_units(chunk).await?;
    }
    let user = store
        .create_user(
            ledger,
            &NewUser {
                username: "bench-admin".into(),
                display_name: "省级管理员".into(),
                password: "correct horse battery".into(),
                role: Role::Admin,
                divisions: vec![DivisionCode::parse(PROVINCE)?],
                units: vec![],
            },
            T0,
        )
        .await?;
    let admin = store.principal(&user).await?;
    let mut hits = Vec::new();
    let mut batch = Vec::new();
    let mut n = 0;
    for r in &rows {
        for _ in 0..hits_per_unit {
            let id = format!("h{n:07x}");
            batch.push(hit(&id, &r.unit_id, &r.kind, &r.division_code, n));
            hits.push(id);
            n += 1;
            if batch.len() == 2000 {
                store.upsert_hits(&batch, T0).await?;
                batch.clear();
            }
        }
    }
    store.upsert_hits(&batch, T0).await?;
    let mut clues = Vec::new();
    for (i, h) in hits.iter().enumerate().step_by(clue_every.max(1)) {
        let c = store
            .open_clue_from_hit(ledger, &admin, h, T0 + DAY)
            .await?;
        if (i / clue_every).is_multiple_of(3) {
            walk(store, ledger, &admin, &c.id).await?;
        }
        clues.push(c.id);
    }
    Ok(Seeded {
        admin,
        counties,
        townships,
        units,
        hits,
        clues,
    })
}

/// Registered → triaged → verification → confirmed (one person handled) → an item →
/// rectifying, as a supervisor's actions do it.
async fn walk(store: &Store, ledger: &Ledger, p: &Principal, id: &str) -> anyhow::Result<()> {
    let triage = Move {
        handler: Some(p.username.clone()),
        ..mv(State::Triaged, "分办")
    };
    store
        .move_clue(ledger, p, id, &triage, T0 + 2 * DAY)
        .await?;
    let check = mv(State::Verification, "初步核实");
    store.move_clue(ledger, p, id, &check, T0 + 3 * DAY).await?;
    let found = Move {
        persons: vec![("criticism".to_owned(), 1)],
        ..mv(State::Confirmed, "问题属实")
    };
    store
        .move_clue(ledger, p, id, &found, T0 + 10 * DAY)
        .await?;
    let item = NewItem {
        text: "重新公开招租".into(),
        deadline: T0 + 60 * DAY,
        indicator_id: None,
        subject: None,
    };
    store.add_item(ledger, p, id, &item, T0 + 11 * DAY).await?;
    let rect = mv(State::Rectifying, "下达整改通知");
    store.move_clue(ledger, p, id, &rect, T0 + 12 * DAY).await?;
    Ok(())
}
