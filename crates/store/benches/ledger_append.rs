//! Durable acknowledged ledger appends: N concurrent producers each submit a ~300-byte entry and
//! wait for its receipt (index, signed checkpoint, inclusion proof). Reports entries/s and
//! latency percentiles on SQLite (WAL, synchronous=FULL) and, when reachable, PostgreSQL.
//!
//! ```sh
//! cargo bench -p qinglian-store --bench ledger_append      # SECONDS=5 PRODUCERS=16,256
//! ```
//! Published figures for scale: Trillian about 400–500 entries/s on MySQL; Trillian Tessera about
//! 10,000/s on 7 cores.

use qinglian_ledger::Signer;
use qinglian_store::Store;
use qinglian_store::ledger::{Ledger, Unit};
use std::time::{Duration, Instant};

async fn run(store: &Store, producers: usize, secs: u64) -> (f64, Duration, Duration) {
    let (ledger, _) = Ledger::open(
        store,
        Signer::from_seed("bench.invalid/ledger/v1", &[1; 32]).unwrap(),
        "bench.invalid/ledger/v1",
    )
    .await
    .unwrap();
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for p in 0..producers {
        let l = ledger.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut n = 0u64;
            while Instant::now() < until {
                let entry = serde_json::json!({
                    "kind": "clue_transition", "actor": {"id": format!("user-{p}"), "role": "supervisor"},
                    "object": {"clue_id": format!("C-{p}-{n}"), "from": "triage", "to": "preliminary_verification"},
                    "reason_sha256": "9f2c0d6b1e4a7c3f5d8e2b6a9c1f4e7d3b5a8c2e6f9d1b4a7c3e5f8d2b6a9c1f",
                    "ts": "2026-11-25T08:00:00.000Z", "tenant": "330106",
                });
                let t = Instant::now();
                l.append(Unit::new("clue_transition", entry)).await.unwrap();
                lat.push(t.elapsed());
                n += 1;
            }
            lat
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64().max(secs as f64);
    all.sort();
    let p = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    (all.len() as f64 / elapsed, p(0.5), p(0.99))
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let producers: Vec<usize> = std::env::var("PRODUCERS")
        .unwrap_or_else(|_| "16,256".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!("| backend | producers | entries/s | p50 | p99 |\n|---|---:|---:|---:|---:|");
    for &n in &producers {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!(
            "sqlite://{}",
            dir.path().join("bench.db").display()
        ))
        .await
        .unwrap();
        let (rate, p50, p99) = run(&store, n, secs).await;
        println!(
            "| SQLite (WAL, FULL) | {n} | {rate:.0} | {:.1} ms | {:.1} ms |",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
        store.close().await;
    }
    for &n in &producers {
        let Some(db) = qinglian_store::testing::PgTestDb::create().await else {
            break;
        };
        let store = Store::open(&db.url).await.unwrap();
        let (rate, p50, p99) = run(&store, n, secs).await;
        println!(
            "| PostgreSQL | {n} | {rate:.0} | {:.1} ms | {:.1} ms |",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
        store.close().await;
        db.drop_db().await;
    }
}
