//! The stored ledger on both backends: genesis, concurrent appends with verifiable receipts,
//! changes that commit with their entry or not at all, idempotency, recovery, fail-closed
//! start on tampered nodes, and two writers that cannot fork the log.

use qinglian_ledger::{Checkpoint, Signer, verify_inclusion};
use qinglian_store::ledger::{Bind, Ledger, Stmt, Unit};
use qinglian_store::{Store, UnitRow};
use serde_json::json;

const ORIGIN: &str = "test.qinglian.invalid/ledger/v1";

fn signer(seed: u8) -> Signer {
    Signer::from_seed(ORIGIN, &[seed; 32]).unwrap()
}

fn check_receipt(a: &qinglian_store::ledger::Appended, s: &Signer) {
    let (cp, _) =
        Checkpoint::open(&a.checkpoint, &[s.verifier()]).expect("checkpoint signed by the log key");
    assert_eq!(cp.size, a.size);
    verify_inclusion(&a.leaf_hash, a.index, a.size, &a.proof, &cp.root)
        .expect("inclusion proof verifies");
}

async fn suite(store: Store) {
    let s = signer(1);
    let (ledger, genesis) = Ledger::open(&store, signer(1), ORIGIN).await.unwrap();
    let genesis = genesis.expect("a new log starts with its genesis entry");
    assert_eq!(genesis.index, 0);
    check_receipt(&genesis, &s);
    let g = store.ledger_entry(0).await.unwrap().unwrap();
    let gv: serde_json::Value = serde_json::from_slice(&g.leaf).unwrap();
    assert_eq!(gv["kind"], "genesis");
    assert_eq!(gv["public_key"], s.verifier().to_vkey());

    // Many producers at once: every index distinct, every receipt verifies.
    let mut tasks = Vec::new();
    for i in 0..300 {
        let l = ledger.clone();
        tasks.push(tokio::spawn(async move {
            l.append(Unit::new("test", json!({"kind": "test", "n": i})))
                .await
                .unwrap()
        }));
    }
    let mut indices = Vec::new();
    for t in tasks {
        let a = t.await.unwrap();
        check_receipt(&a, &s);
        indices.push(a.index);
    }
    indices.sort_unstable();
    assert_eq!(indices, (1..=300).collect::<Vec<u64>>());

    // A change commits with its entry, or neither does.
    store
        .upsert_units(&[UnitRow {
            unit_id: "U1".into(),
            name: "旧名".into(),
            kind: "organ".into(),
            division_code: "330106".into(),
            uscc: None,
            parent_unit_id: None,
            address: None,
        }])
        .await
        .unwrap();
    let rename = |id: &str, name: &str| {
        Unit::new(
            "unit_rename",
            json!({"kind": "unit_rename", "unit_id": id, "name": name}),
        )
        .about("unit", id)
        .with_change(vec![
            Stmt::new(
                "UPDATE units SET name = $1 WHERE unit_id = $2",
                vec![Bind::Text(name.into()), Bind::Text(id.into())],
            )
            .expecting(1),
        ])
    };
    let before = store.ledger_state("main").await.unwrap().unwrap().size;
    let ok = ledger.append(rename("U1", "新名")).await.unwrap();
    check_receipt(&ok, &s);
    let err = ledger.append(rename("NOPE", "x")).await.unwrap_err();
    assert_eq!(err.code(), "LEDGER_CHANGE_CONFLICT");
    assert_eq!(
        store.ledger_state("main").await.unwrap().unwrap().size,
        before + 1,
        "the failed unit left no entry"
    );
    let op = qinglian_store::Principal::operator();
    assert_eq!(
        store.get_unit(&op, "U1").await.unwrap().unwrap().name,
        "新名"
    );
    assert_eq!(
        store
            .ledger_object_history("unit", "U1")
            .await
            .unwrap()
            .len(),
        1
    );

    // Floats are refused: entries are canonical JSON with integers only.
    assert_eq!(
        ledger
            .append(Unit::new("bad", json!({"x": 1.5})))
            .await
            .unwrap_err()
            .code(),
        "LEDGER_ENTRY"
    );

    // Idempotency: a retry gets the original index.
    let a1 = ledger
        .append(Unit::new("t", json!({"k": "once"})).with_req_id("req-1"))
        .await
        .unwrap();
    let a2 = ledger
        .append(Unit::new("t", json!({"k": "once"})).with_req_id("req-1"))
        .await
        .unwrap();
    assert_eq!(a1.index, a2.index);

    // Proofs from stored nodes, at any size.
    let state = store.ledger_state("main").await.unwrap().unwrap();
    for idx in [0, 1, 150, state.size - 1] {
        let e = store.ledger_entry(idx).await.unwrap().unwrap();
        let proof = store.ledger_inclusion_proof(idx, state.size).await.unwrap();
        verify_inclusion(&e.leaf_hash, idx, state.size, &proof, &state.root).unwrap();
    }
    let (old_cp, _) = Checkpoint::open(&genesis.checkpoint, &[s.verifier()]).unwrap();
    let cons = store
        .ledger_consistency_proof(old_cp.size, state.size)
        .await
        .unwrap();
    qinglian_ledger::verify_consistency(old_cp.size, state.size, &old_cp.root, &state.root, &cons)
        .unwrap();

    // A second writer on the same store: the one behind catches up and appends after the
    // other's entry, so the log never forks and no caller sees a refusal.
    let (other, none) = Ledger::open(&store, signer(1), ORIGIN).await.unwrap();
    assert!(none.is_none(), "no second genesis");
    let theirs = other
        .append(Unit::new("t", json!({"from": "other"})))
        .await
        .unwrap();
    let caught_up = ledger
        .append(Unit::new("t", json!({"from": "first"})))
        .await
        .unwrap();
    assert_eq!(
        caught_up.index,
        theirs.index + 1,
        "appended after the other's entry"
    );
    check_receipt(&caught_up, &s);
    let after = ledger
        .append(Unit::new("t", json!({"from": "first", "retry": 1})))
        .await
        .unwrap();
    assert_eq!(after.index, caught_up.index + 1);
    check_receipt(&after, &s);

    // Another key cannot take over the log.
    assert_eq!(
        Ledger::open(&store, signer(2), ORIGIN)
            .await
            .err()
            .unwrap()
            .code(),
        "LEDGER_KEY"
    );
    assert_eq!(
        Ledger::open(&store, signer(1), "other.origin/v1")
            .await
            .err()
            .unwrap()
            .code(),
        "LEDGER_ORIGIN"
    );
}

async fn tamper_and_reopen(store: &Store, drop_triggers: &[&str], update: &str) {
    for t in drop_triggers {
        store.execute_raw_for_tests(t).await.unwrap();
    }
    store.execute_raw_for_tests(update).await.unwrap();
    let err = Ledger::open(store, signer(1), ORIGIN)
        .await
        .err()
        .expect("fails closed");
    assert_eq!(err.code(), "LEDGER_ROOT_MISMATCH");
}

#[tokio::test]
async fn sqlite_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("l.db").display()))
        .await
        .unwrap();
    suite(store.clone()).await;
    // An administrator edits a node hash behind the application's back.
    tamper_and_reopen(
        &store,
        &["DROP TRIGGER ledger_nodes_no_update"],
        "UPDATE ledger_nodes SET hash = zeroblob(32) WHERE sidx = (SELECT MAX(sidx) FROM ledger_nodes)",
    )
    .await;
}

#[tokio::test]
async fn postgres_ledger() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    suite(store.clone()).await;
    tamper_and_reopen(
        &store,
        &["DROP TRIGGER ledger_nodes_append_only ON ledger_nodes"],
        "UPDATE ledger_nodes SET hash = decode(repeat('00', 32), 'hex') WHERE sidx = (SELECT MAX(sidx) FROM ledger_nodes)",
    )
    .await;
    store.close().await;
    db.drop_db().await;
}

/// A fresh log of 40 entries, with the genesis checkpoint kept "outside".
async fn small_log(store: &Store) -> String {
    let (ledger, genesis) = Ledger::open(store, signer(1), ORIGIN).await.unwrap();
    for i in 0..39 {
        ledger
            .append(Unit::new("t", json!({"kind": "t", "n": i})))
            .await
            .unwrap();
    }
    genesis.unwrap().checkpoint
}

/// Each tampering an administrator with full database access could do is caught by `verify`.
async fn adversarial(new_store: impl AsyncFn() -> Store, drop_triggers: &[&str]) {
    let vkey = signer(1).verifier();
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "A2 rewrite an entry",
            &[
                "UPDATE ledger_entries SET leaf = (SELECT leaf FROM ledger_entries WHERE idx = 6) WHERE idx = 5",
            ],
            "LEDGER_LEAF_MISMATCH",
        ),
        (
            "A2 rewrite an entry and its hash",
            &[
                "UPDATE ledger_entries SET leaf = (SELECT leaf FROM ledger_entries WHERE idx = 6), leaf_hash = (SELECT leaf_hash FROM ledger_entries WHERE idx = 6) WHERE idx = 5",
            ],
            "LEDGER_NODE_MISMATCH",
        ),
        (
            "A6 delete an entry",
            &["DELETE FROM ledger_entries WHERE idx = 7"],
            "LEDGER_GAP",
        ),
        (
            "A5 reorder two entries",
            &[
                "UPDATE ledger_entries SET idx = -1 WHERE idx = 3",
                "UPDATE ledger_entries SET idx = 3 WHERE idx = 4",
                "UPDATE ledger_entries SET idx = 4 WHERE idx = -1",
            ],
            "LEDGER_NODE_MISMATCH",
        ),
        (
            "A9 flip a stored node",
            &[
                "UPDATE ledger_nodes SET hash = (SELECT hash FROM ledger_nodes WHERE sidx = 0) WHERE sidx = 9",
            ],
            "LEDGER_NODE_MISMATCH",
        ),
        (
            "A1 truncate the tail",
            &["DELETE FROM ledger_entries WHERE idx >= 30"],
            "LEDGER_GAP",
        ),
        (
            "relabel an entry's kind",
            &["UPDATE ledger_entries SET kind = 'other' WHERE idx = 8"],
            "LEDGER_COLUMN_MISMATCH",
        ),
        (
            "move an entry to another object",
            &["UPDATE ledger_entries SET object_id = 'x' WHERE idx = 0"],
            "LEDGER_COLUMN_MISMATCH",
        ),
        (
            "set a request id",
            &["UPDATE ledger_entries SET req_id = 'r' WHERE idx = 9"],
            "LEDGER_COLUMN_MISMATCH",
        ),
        (
            "change a checkpoint's root column",
            &[
                "UPDATE ledger_checkpoints SET root = (SELECT root FROM ledger_checkpoints WHERE size = 1) WHERE size = 5",
            ],
            "LEDGER_BAD_CHECKPOINT",
        ),
        (
            "add a stray node",
            &[
                "INSERT INTO ledger_nodes (sidx, hash) SELECT MAX(sidx) + 1, (SELECT hash FROM ledger_nodes WHERE sidx = 0) FROM ledger_nodes",
            ],
            "LEDGER_EXTRA",
        ),
        (
            "A3 drop a checkpoint's signature",
            &[
                "UPDATE ledger_checkpoints SET note = (SELECT note FROM ledger_checkpoints WHERE size = 1) WHERE size = 20",
            ],
            "LEDGER_BAD_CHECKPOINT",
        ),
    ];
    for (name, sqls, code) in cases {
        let store = new_store().await;
        let kept = small_log(&store).await;
        let ok = store
            .ledger_verify(&vkey, Some(&kept))
            .await
            .unwrap_or_else(|e| panic!("{name}: clean log fails: {e}"));
        assert_eq!((ok.size, ok.consistent_with), (40, Some(1)));
        for t in drop_triggers {
            store.execute_raw_for_tests(t).await.unwrap();
        }
        for sql in *sqls {
            store.execute_raw_for_tests(sql).await.unwrap();
        }
        let err = store
            .ledger_verify(&vkey, Some(&kept))
            .await
            .expect_err(name);
        assert_eq!(err.code, *code, "{name}: {err}");
        assert!(!err.zh.is_empty() && !err.en.is_empty());
    }

    // A4/A11: a checkpoint kept from another history with the same key and origin is a fork.
    let a = new_store().await;
    small_log(&a).await;
    let (la, _) = Ledger::open(&a, signer(1), ORIGIN).await.unwrap();
    let kept_a = la
        .append(Unit::new("t", json!({"branch": "a"})))
        .await
        .unwrap()
        .checkpoint;
    let b = new_store().await;
    small_log(&b).await;
    let (lb, _) = Ledger::open(&b, signer(1), ORIGIN).await.unwrap();
    lb.append(Unit::new("t", json!({"branch": "b"})))
        .await
        .unwrap();
    lb.append(Unit::new("t", json!({"branch": "b2"})))
        .await
        .unwrap();
    assert_eq!(
        b.ledger_verify(&vkey, Some(&kept_a))
            .await
            .unwrap_err()
            .code,
        "LEDGER_FORK"
    );
    // A1: the log is smaller than a checkpoint the user kept (rollback / old backup).
    let (_, big) = Checkpoint::open(&kept_a, std::slice::from_ref(&vkey))
        .map(|(c, o)| (o, c))
        .unwrap();
    assert_eq!(big.size, 41);
    let c = new_store().await;
    small_log(&c).await;
    assert_eq!(
        c.ledger_verify(&vkey, Some(&kept_a))
            .await
            .unwrap_err()
            .code,
        "LEDGER_ROLLBACK"
    );
    // Replaced (genesis included) and re-signed with another key: the holder of the real key
    // sees that this is not the log it trusts.
    let d = new_store().await;
    let (ld, _) = Ledger::open(&d, signer(9), ORIGIN).await.unwrap();
    ld.append(Unit::new("t", json!({"k": 1}))).await.unwrap();
    assert_eq!(
        d.ledger_verify(&vkey, None).await.unwrap_err().code,
        "LEDGER_KEY_UNKNOWN"
    );
}

#[tokio::test]
async fn sqlite_ledger_verify_catches_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::sync::atomic::AtomicU32::new(0);
    let path = dir.path().to_owned();
    adversarial(
        async || {
            let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Store::open(&format!(
                "sqlite://{}",
                path.join(format!("v{i}.db")).display()
            ))
            .await
            .unwrap()
        },
        &[
            "DROP TRIGGER ledger_entries_no_update",
            "DROP TRIGGER ledger_entries_no_delete",
            "DROP TRIGGER ledger_nodes_no_update",
            "DROP TRIGGER ledger_checkpoints_no_update",
        ],
    )
    .await;
}

#[tokio::test]
async fn postgres_ledger_verify_catches_tampering() {
    if qinglian_store::testing::PgTestDb::create()
        .await
        .map(|d| tokio::spawn(d.drop_db()))
        .is_none()
    {
        return;
    }
    let dbs = std::sync::Mutex::new(Vec::new());
    adversarial(
        async || {
            let db = qinglian_store::testing::PgTestDb::create().await.unwrap();
            let store = Store::open(&db.url).await.unwrap();
            dbs.lock().unwrap().push(db);
            store
        },
        &[
            "DROP TRIGGER ledger_entries_append_only ON ledger_entries",
            "DROP TRIGGER ledger_nodes_append_only ON ledger_nodes",
            "DROP TRIGGER ledger_checkpoints_append_only ON ledger_checkpoints",
        ],
    )
    .await;
    let dbs: Vec<_> = std::mem::take(&mut *dbs.lock().unwrap());
    for db in dbs {
        db.drop_db().await;
    }
}

async fn rotation_suite(store: Store) {
    let old = signer(1);
    let new = signer(2);
    let (ledger, _) = Ledger::open(&store, old.clone(), ORIGIN).await.unwrap();
    for i in 0..5 {
        ledger
            .append(Unit::new("t", json!({"n": i})))
            .await
            .unwrap();
    }
    let kept = store
        .ledger_state("main")
        .await
        .unwrap()
        .unwrap()
        .checkpoint;
    let r = ledger.rotate_key(new.clone()).await.unwrap();
    // the hand-over checkpoint carries both signatures
    Checkpoint::open(&r.checkpoint, &[old.verifier()]).unwrap();
    Checkpoint::open(&r.checkpoint, &[new.verifier()]).unwrap();
    let entry: serde_json::Value =
        serde_json::from_slice(&store.ledger_entry(r.index).await.unwrap().unwrap().leaf).unwrap();
    assert_eq!(entry["kind"], "key_rotation");
    assert_eq!(entry["new_key"], new.verifier().to_vkey());
    assert_eq!(ledger.verifier(), new.verifier());
    let after = ledger
        .append(Unit::new("t", json!({"after": 1})))
        .await
        .unwrap();
    Checkpoint::open(&after.checkpoint, &[new.verifier()]).unwrap();
    assert!(
        Checkpoint::open(&after.checkpoint, &[old.verifier()]).is_err(),
        "the old key signs no more"
    );
    // either end of the chain verifies the whole log and the checkpoint kept under the old key
    for anchor in [old.verifier(), new.verifier()] {
        let rep = store.ledger_verify(&anchor, Some(&kept)).await.unwrap();
        assert_eq!(rep.consistent_with, Some(6));
    }
    assert_eq!(
        store
            .ledger_verify(&signer(3).verifier(), None)
            .await
            .unwrap_err()
            .code,
        "LEDGER_KEY_UNKNOWN"
    );
    assert_eq!(
        Ledger::open(&store, old, ORIGIN)
            .await
            .err()
            .unwrap()
            .code(),
        "LEDGER_KEY_ROTATED"
    );
    let (reopened, _) = Ledger::open(&store, new, ORIGIN).await.unwrap();
    reopened
        .append(Unit::new("t", json!({"reopened": 1})))
        .await
        .unwrap();
}

#[tokio::test]
async fn sqlite_key_rotation() {
    let dir = tempfile::tempdir().unwrap();
    rotation_suite(
        Store::open(&format!("sqlite://{}", dir.path().join("r.db").display()))
            .await
            .unwrap(),
    )
    .await;
}

#[tokio::test]
async fn postgres_key_rotation() {
    let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
        return;
    };
    let store = Store::open(&db.url).await.unwrap();
    rotation_suite(store.clone()).await;
    store.close().await;
    db.drop_db().await;
}

/// The child side of the crash test: appends from many tasks and prints each acknowledged index.
/// It runs only when the parent test starts this binary with `QINGLIAN_CRASH_DB` set.
#[tokio::test]
async fn crash_child() {
    let Ok(path) = std::env::var("QINGLIAN_CRASH_DB") else {
        return;
    };
    let store = Store::open(&format!("sqlite://{path}")).await.unwrap();
    let (ledger, _) = Ledger::open(&store, signer(1), ORIGIN).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for p in 0..64 {
        let (l, tx) = (ledger.clone(), tx.clone());
        tokio::spawn(async move {
            for n in 0.. {
                let a = l
                    .append(Unit::new(
                        "t",
                        json!({"p": p, "n": n, "pad": "x".repeat(200)}),
                    ))
                    .await
                    .unwrap();
                if tx.send(a.index).is_err() {
                    return;
                }
            }
        });
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    while let Some(i) = rx.recv().await {
        writeln!(out, "ACK {i}").unwrap();
        out.flush().unwrap();
    }
}

/// A12: `kill -9` in the middle of batches. Every index acknowledged before the kill is in the
/// log afterwards, the log verifies, and the writer starts again from it.
#[test]
fn kill_9_loses_no_acknowledged_entry() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    for round in 0..3 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "ledger::crash_child",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("QINGLIAN_CRASH_DB", &db)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut acked = Vec::new();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        while acked.len() < 2_000 + round * 500 {
            match lines.next() {
                Some(Ok(l)) => {
                    if let Some(i) = l.strip_prefix("ACK ") {
                        acked.push(i.parse::<u64>().unwrap());
                    }
                }
                _ => break,
            }
        }
        child.kill().unwrap(); // SIGKILL, mid-batch
        child.wait().unwrap();
        assert!(
            acked.len() >= 2_000,
            "the child acknowledged {} entries",
            acked.len()
        );
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = Store::open(&format!("sqlite://{}", db.display()))
                .await
                .unwrap();
            let state = store.ledger_state("main").await.unwrap().unwrap();
            let max = *acked.iter().max().unwrap();
            assert!(
                state.size > max,
                "acknowledged index {max} lost: size {}",
                state.size
            );
            for i in acked.iter().step_by(97) {
                assert!(
                    store.ledger_entry(*i).await.unwrap().is_some(),
                    "entry {i} lost"
                );
            }
            store
                .ledger_verify(&signer(1).verifier(), None)
                .await
                .unwrap();
            // and the writer goes on
            let (l, _) = Ledger::open(&store, signer(1), ORIGIN).await.unwrap();
            l.append(Unit::new("t", json!({"after_crash": round})))
                .await
                .unwrap();
            store.close().await;
        });
    }
}

/// State replay: users and tokens must be in the state their ledger history leads to.
async fn replay_suite(new_store: impl AsyncFn() -> Store) {
    let setup = async |store: &Store| {
        let (ledger, _) = Ledger::open(store, signer(1), ORIGIN).await.unwrap();
        let u = qinglian_store::NewUser {
            username: "li".into(),
            display_name: "李".into(),
            password: "long enough".into(),
            role: qinglian_core::Role::Auditor,
            divisions: vec![qinglian_core::DivisionCode::parse("330106").unwrap()],
            units: vec![],
        };
        store.create_user(&ledger, &u, 1).await.unwrap();
        let (id, _) = store.create_token(&ledger, "li", "t", 2).await.unwrap();
        store.revoke_token(&ledger, id, 3).await.unwrap();
        store.create_token(&ledger, "li", "t2", 4).await.unwrap();
        assert_eq!(
            store
                .ledger_verify(&signer(1).verifier(), None)
                .await
                .unwrap()
                .objects_replayed,
            3,
            "one user, two tokens"
        );
    };
    let cases: &[(&str, &str)] = &[
        (
            "INSERT INTO users (username, display_name, password_hash, role, disabled, created_at) VALUES ('ghost', 'g', 'x', 'admin', FALSE, 0)",
            "LEDGER_STATE_UNRECORDED",
        ),
        (
            "UPDATE users SET disabled = TRUE WHERE username = 'li'",
            "LEDGER_STATE_DIVERGED",
        ),
        (
            "UPDATE api_tokens SET revoked_at = NULL",
            "LEDGER_STATE_DIVERGED",
        ),
        (
            "DELETE FROM api_tokens WHERE revoked_at IS NULL",
            "LEDGER_STATE_DIVERGED",
        ),
    ];
    for (sql, code) in cases {
        let store = new_store().await;
        setup(&store).await;
        store.execute_raw_for_tests(sql).await.unwrap();
        let err = store
            .ledger_verify(&signer(1).verifier(), None)
            .await
            .unwrap_err();
        assert_eq!(err.code, *code, "{sql}: {err}");
    }
}

#[tokio::test]
async fn sqlite_state_replay() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::sync::atomic::AtomicU32::new(0);
    let path = dir.path().to_owned();
    replay_suite(async || {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Store::open(&format!(
            "sqlite://{}",
            path.join(format!("r{i}.db")).display()
        ))
        .await
        .unwrap()
    })
    .await;
}

#[tokio::test]
async fn postgres_state_replay() {
    if qinglian_store::testing::PgTestDb::create()
        .await
        .map(|d| tokio::spawn(d.drop_db()))
        .is_none()
    {
        return;
    }
    let dbs = std::sync::Mutex::new(Vec::new());
    replay_suite(async || {
        let db = qinglian_store::testing::PgTestDb::create().await.unwrap();
        let store = Store::open(&db.url).await.unwrap();
        dbs.lock().unwrap().push(db);
        store
    })
    .await;
    let dbs: Vec<_> = std::mem::take(&mut *dbs.lock().unwrap());
    for db in dbs {
        db.drop_db().await;
    }
}
