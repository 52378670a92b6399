//! The demo's supervisor takes a few of the demo's own hits through the workflow, so the
//! cockpit shows found and rectified problems, money recovered, timelines and ledger proofs from
//! the first sign-in. Every step goes through the store and the ledger exactly as a user's
//! would; nothing is written around them.

use qinglian_store::ledger::Ledger;
use qinglian_store::workflow::{Grade, State};
use qinglian_store::{HitRecord, Move, NewItem, Store, Verification};
use serde::Serialize;

const DAY: i64 = 86_400;

/// What the walk left, for the demo's printout.
#[derive(Debug, Clone, Serialize)]
pub struct Walked {
    pub clue: String,
    pub hit: String,
    pub state: &'static str,
}

fn mv(to: State, note: &str) -> Move {
    Move {
        to: Some(to),
        note: Some(note.into()),
        ..Default::default()
    }
}

/// Walks up to three hits of different units (most severe first): one to closure with money
/// recovered and a rule improved, one into rectification with a deadline a month ahead, one
/// only assigned; and decides one more as a false positive.
pub async fn walk(
    store: &Store,
    ledger: &Ledger,
    supervisor: &str,
    hits: &[HitRecord],
    now: i64,
) -> anyhow::Result<Vec<Walked>> {
    let user = store.find_user(supervisor).await?.ok_or_else(|| {
        anyhow::anyhow!("演示账号 {supervisor} 不存在 / no demo account {supervisor}")
    })?;
    let p = store.principal(&user).await?;
    let mut picked: Vec<&HitRecord> = Vec::new();
    for h in hits {
        if !picked.iter().any(|q| q.unit_id == h.unit_id) {
            picked.push(h);
        }
        if picked.len() == 4 {
            break;
        }
    }
    let mut out = Vec::new();
    let mut t = now;
    let mut tick = || {
        t += 60;
        t
    };
    for (n, h) in picked.iter().enumerate() {
        if n == 3 {
            store
                .decide_hit(
                    ledger,
                    &p,
                    &h.id,
                    "false_positive",
                    Some("演示：经核实为正常业务 / demo: checked, ordinary business"),
                    tick(),
                )
                .await?;
            break;
        }
        store
            .decide_hit(ledger, &p, &h.id, "confirmed", None, tick())
            .await?;
        let clue = store.open_clue_from_hit(ledger, &p, &h.id, tick()).await?;
        let id = clue.id.clone();
        let triage = Move {
            handler: Some(supervisor.into()),
            ..mv(State::Triaged, "分办至承办人 / assigned")
        };
        store.move_clue(ledger, &p, &id, &triage, tick()).await?;
        let mut state = "triaged";
        if n < 2 {
            store
                .move_clue(
                    ledger,
                    &p,
                    &id,
                    &mv(State::Verification, "初步核实"),
                    tick(),
                )
                .await?;
            let found = Move {
                persons: vec![("reminder_talk".into(), 1)],
                ..mv(State::Confirmed, "问题属实 / the problem is confirmed")
            };
            store.move_clue(ledger, &p, &id, &found, tick()).await?;
            let item = NewItem {
                text: "按规定重新办理并建立长效制度 / redo it by the rules and fix the control"
                    .into(),
                deadline: now + 30 * DAY,
                indicator_id: None,
                subject: None,
            };
            store.add_item(ledger, &p, &id, &item, tick()).await?;
            store
                .move_clue(
                    ledger,
                    &p,
                    &id,
                    &mv(State::Rectifying, "下达整改通知"),
                    tick(),
                )
                .await?;
            state = "rectifying";
        }
        if n == 0 {
            store
                .report_item(
                    ledger,
                    &p,
                    &id,
                    1,
                    Grade::Completely,
                    &[],
                    Some("已整改 / rectified"),
                    tick(),
                )
                .await?;
            let v = Verification {
                grade: Grade::Completely,
                note: Some("现场核查 / checked on site".into()),
                systems_improved: Some("修订资产出租管理办法 / revised the leasing rules".into()),
                money_recovered_fen: 1_250_000,
                new_deadline: None,
                data_check: None,
                cooldown_days: 30,
            };
            store.verify_item(ledger, &p, &id, 1, &v, tick()).await?;
            store
                .move_clue(ledger, &p, &id, &mv(State::Closed, "销号"), tick())
                .await?;
            state = "closed";
        }
        out.push(Walked {
            clue: id,
            hit: h.id.clone(),
            state,
        });
    }
    Ok(out)
}
