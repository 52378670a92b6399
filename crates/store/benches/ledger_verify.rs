//! `ledger verify` against the database: a log of `ENTRIES` entries (default 1,000,000) in SQLite
//! is read back, every leaf and stored node recomputed, every checkpoint checked, and the state of
//! tracked objects replayed. The replay is timed on its own over a workflow-shaped history:
//! `CLUES` clues (default 20,000), each decided, opened, triaged and disposed of (four entries).
//!
//! ```sh
//! cargo bench -p qinglian-store --bench ledger_verify            # ENTRIES=1000000 CLUES=20000
//! LEDGER_DB=/tmp/l.db cargo bench -p qinglian-store --bench ledger_verify  # keep it; reruns only verify
//! BACKEND=postgres cargo bench -p qinglian-store --bench ledger_verify     # at QINGLIAN_TEST_PG, no peer
//! ```
//! The peer is what an auditor would write without Qinglian: Python's sqlite3 and hashlib
//! recomputing the same RFC 6962 root from the same file (`bench/ledger_root.py`); it checks the
//! root only — no nodes, checkpoints, signatures or state — so it bounds the I/O-and-hash floor.

use qinglian_core::{DivisionCode, Role};
use qinglian_ledger::Signer;
use qinglian_store::ledger::{Ledger, Unit};
use qinglian_store::workflow::State;
use qinglian_store::{DivisionRow, HitRecord, Move, NewUser, Store, UnitRow};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const ORIGIN: &str = "bench.invalid/ledger/v1";
const T0: i64 = 1_780_000_000;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Appends `n` entries of ~300 bytes from 256 producers (the write path the product uses).
async fn fill(ledger: &Ledger, n: u64) {
    let producers = 256u64;
    let mut tasks = Vec::new();
    for p in 0..producers {
        let l = ledger.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = p;
            while i < n {
                let entry = serde_json::json!({
                    "kind": "bench_event", "actor": {"id": format!("user-{p}"), "role": "operator"},
                    "object": {"seq": i, "note_sha256": "9f2c0d6b1e4a7c3f5d8e2b6a9c1f4e7d3b5a8c2e6f9d1b4a7c3e5f8d2b6a9c1f"},
                    "ts": "2026-11-25T08:00:00.000Z", "tenant": "330106",
                });
                l.append(Unit::new("bench_event", entry)).await.unwrap();
                i += producers;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

fn hit(i: u64) -> HitRecord {
    HitRecord {
        id: format!("h{i}"),
        indicator_id: "SL-R01".into(),
        indicator_version: "1.0.0".into(),
        domain: "soe_leasing".into(),
        kind: "rule".into(),
        severity: "high".into(),
        param_hash: "p".into(),
        params: serde_json::json!({}),
        inputs: serde_json::json!({}),
        unit_id: "V1".into(),
        unit_kind: Some("village".into()),
        division_code: "330106001001".into(),
        subject: serde_json::json!({"unit_id": "V1", "contract_id": format!("K{i}")}),
        facts_hash: format!("f{i}"),
        values: serde_json::json!({}),
        thresholds: serde_json::json!({}),
        explanation_zh: "提示".into(),
        explanation_en: "note".into(),
        counterfactual_zh: String::new(),
        counterfactual_en: String::new(),
        first_seen_at: 0,
        last_seen_at: 0,
        times_seen: 0,
        decision: None,
        decided_by: None,
        decided_at: None,
    }
}

/// `clues` hits, each decided, opened as a clue, triaged and disposed of by preliminary
/// verification through the store's workflow API, from 32 concurrent tasks.
async fn workflow(store: &Store, ledger: &Ledger, clues: u64) {
    let div = |code: &str, level: &str, parent: Option<&str>| DivisionRow {
        code: code.into(),
        name: code.into(),
        level: level.into(),
        parent_code: parent.map(Into::into),
        longitude: None,
        latitude: None,
        builtin: false,
    };
    store
        .upsert_divisions(&[
            div("330000", "province", None),
            div("330100", "city", Some("330000")),
            div("330106", "county", Some("330100")),
            div("330106001", "township", Some("330106")),
            div("330106001001", "village", Some("330106001")),
        ])
        .await
        .unwrap();
    store
        .upsert_units(&[UnitRow {
            unit_id: "V1".into(),
            name: "某村".into(),
            kind: "village".into(),
            division_code: "330106001001".into(),
            uscc: None,
            parent_unit_id: None,
            address: None,
        }])
        .await
        .unwrap();
    let u = store
        .create_user(
            ledger,
            &NewUser {
                username: "town".into(),
                display_name: "town".into(),
                password: "correct horse".into(),
                role: Role::Supervisor,
                divisions: vec![DivisionCode::parse("330106001").unwrap()],
                units: vec![],
            },
            T0,
        )
        .await
        .unwrap();
    let town = store.principal(&u).await.unwrap();
    let hits: Vec<HitRecord> = (0..clues).map(hit).collect();
    for chunk in hits.chunks(5_000) {
        store.upsert_hits(chunk, T0).await.unwrap();
    }
    let tasks = 32u64;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (store, ledger, town) = (store.clone(), ledger.clone(), town.clone());
        handles.push(tokio::spawn(async move {
            let mut i = t;
            while i < clues {
                let h = format!("h{i}");
                store
                    .decide_hit(&ledger, &town, &h, "confirmed", None, T0)
                    .await
                    .unwrap();
                // Clue ids come from a count: a simultaneous open is refused, so retry.
                let c = loop {
                    match store.open_clue_from_hit(&ledger, &town, &h, T0).await {
                        Ok(c) => break c,
                        Err(e) if e.code() == "CLUE_EXISTS" => panic!("{e}"),
                        Err(_) => tokio::task::yield_now().await,
                    }
                };
                let triage = Move {
                    to: Some(State::Triaged),
                    handler: Some("town".into()),
                    note: Some("转乡镇纪委".into()),
                    ..Default::default()
                };
                store
                    .move_clue(&ledger, &town, &c.id, &triage, T0 + 1)
                    .await
                    .unwrap();
                let dispose = Move {
                    to: Some(State::Verification),
                    note: Some("初步核实".into()),
                    ..Default::default()
                };
                store
                    .move_clue(&ledger, &town, &c.id, &dispose, T0 + 2)
                    .await
                    .unwrap();
                i += tasks;
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
}

fn peer(db: &Path) -> Option<(f64, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/ledger_root.py");
    let o = Command::new("python3").arg(script).arg(db).output().ok()?;
    if !o.status.success() {
        eprintln!("peer failed: {}", String::from_utf8_lossy(&o.stderr));
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
    Some((v["seconds"].as_f64()?, v["root"].as_str()?.to_owned()))
}

#[tokio::main]
async fn main() {
    let entries = env_num("ENTRIES", 1_000_000);
    let clues = env_num("CLUES", 20_000);
    let dir = tempfile::tempdir().unwrap();
    // LEDGER_DB=FILE keeps the database: a second run reuses it and only verifies (profiling).
    let kept = std::env::var_os("LEDGER_DB").map(std::path::PathBuf::from);
    let reuse = kept.as_ref().is_some_and(|p| p.exists());
    let db = kept.unwrap_or_else(|| dir.path().join("bench.db"));
    // BACKEND=postgres: the same on a fresh PostgreSQL database (QINGLIAN_TEST_PG), no peer.
    let pg = if std::env::var("BACKEND").is_ok_and(|b| b == "postgres") {
        Some(
            qinglian_store::testing::PgTestDb::create()
                .await
                .expect("PostgreSQL at QINGLIAN_TEST_PG"),
        )
    } else {
        None
    };
    let url = pg
        .as_ref()
        .map_or_else(|| format!("sqlite://{}", db.display()), |pg| pg.url.clone());
    let store = Store::open(&url).await.unwrap();
    let signer = Signer::from_seed(ORIGIN, &[1; 32]).unwrap();
    let vkey = signer.verifier();
    let (ledger, _) = Ledger::open(&store, signer, ORIGIN).await.unwrap();

    let t = Instant::now();
    if !reuse {
        workflow(&store, &ledger, clues).await;
    }
    let workflow_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    if reuse {
        println!("reusing {}", db.display());
    } else {
        let have = ledger
            .append(Unit::new(
                "bench_event",
                serde_json::json!({"kind": "bench_event", "start": true}),
            ))
            .await
            .unwrap()
            .index
            + 1;
        fill(&ledger, entries.saturating_sub(have)).await;
    }
    let fill_s = t.elapsed().as_secs_f64();

    let mut replay_best = f64::INFINITY;
    let mut objects = 0;
    for _ in 0..3 {
        let t = Instant::now();
        objects = store.replay_tracked_state().await.unwrap();
        replay_best = replay_best.min(t.elapsed().as_secs_f64());
    }
    let t = Instant::now();
    let report = store.ledger_verify(&vkey, None).await.unwrap();
    let verify_s = t.elapsed().as_secs_f64();
    let tree_s = verify_s - replay_best;
    let size = report.size;
    // What the checkpoint signatures alone cost (verify spreads them over every core, beside
    // the tree): one Ed25519 verification per stored checkpoint, here on one core.
    let notes = store.ledger_checkpoints().await.unwrap();
    let t = Instant::now();
    for (_, note) in &notes {
        qinglian_ledger::Checkpoint::open(note, std::slice::from_ref(&vkey)).unwrap();
    }
    let sigs_s = t.elapsed().as_secs_f64();
    store.close().await;
    let db_mb = std::fs::metadata(&db).map_or(0, |m| m.len()) / 1_000_000;

    println!(
        "machine: {} cores; {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if pg.is_some() {
            "PostgreSQL".to_owned()
        } else {
            format!("SQLite file {db_mb} MB")
        }
    );
    println!(
        "setup: {clues} clues through the workflow in {workflow_s:.1} s ({:.0} steps/s), then filled to {size} entries in {fill_s:.1} s",
        (clues * 4) as f64 / workflow_s
    );
    println!("\n| step | entries / objects | seconds | rate |\n|---|---:|---:|---:|");
    println!(
        "| `ledger verify` (all) | {size} entries, {} nodes, {} checkpoints | {verify_s:.2} | {:.0} entries/s |",
        report.nodes_checked,
        report.checkpoints_checked,
        size as f64 / verify_s
    );
    println!(
        "| of which tree, nodes and checkpoints | {size} | {tree_s:.2} | {:.0} entries/s |",
        size as f64 / tree_s
    );
    println!(
        "| checkpoint signatures alone, one core | {} | {sigs_s:.2} | {:.0} checkpoints/s |",
        notes.len(),
        notes.len() as f64 / sigs_s
    );
    println!(
        "| of which state replay | {objects} objects from {} workflow entries | {replay_best:.3} | {:.0} objects/s |",
        clues * 4,
        objects as f64 / replay_best
    );
    if let Some(pg) = pg {
        pg.drop_db().await;
    } else if let Some((peer_s, root)) = peer(&db) {
        assert_eq!(root, report.root, "the peer computes the same root");
        println!(
            "| peer: Python sqlite3 + hashlib, root only | {size} | {peer_s:.2} | {:.0} entries/s |",
            size as f64 / peer_s
        );
        println!(
            "\nQinglian's full verify takes {:.2}× the time of the peer's root-only recomputation.",
            verify_s / peer_s
        );
    }
}
