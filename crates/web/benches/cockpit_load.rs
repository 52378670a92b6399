//! Cockpit load benchmark (issue #6): seeds a province-scale store, starts the real server on
//! port 0 and drives concurrent clients, each with its own session, over the main pages and API
//! lists for a fixed time; reports requests, errors, throughput and p50/p99 per route.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-rel nice cargo bench -p qinglian-web --bench cockpit_load
//! ```
//!
//! Settings (environment): `BENCH_CLIENTS` (100), `BENCH_SECONDS` (60), `BENCH_UNITS` units per
//! township (10), `BENCH_HITS` hits per unit (24), `BENCH_CLUE_EVERY` (20: a clue for every
//! 20th hit), `BENCH_PG` a PostgreSQL URL to run on instead of SQLite, `BENCH_WRITE_MS` (0:
//! none) a ledgered write every so many milliseconds during the run, from this process as
//! another user's work would come, so that every cached page and memoised query goes stale
//! at that rate and is rebuilt under load. The server runs in a
//! second process (this binary again, with `BENCH_SERVE` set to the database URL), so the
//! clients and the server share nothing but loopback, as with `wrk` or `oha`.

#[path = "cockpit_load/seed.rs"]
mod seed;

use qinglian_store::Store;
use qinglian_web::{IndicatorCard, WebConfig};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Latencies (ms) and the error count, per route label.
type Samples = BTreeMap<String, (Vec<f64>, u64)>;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The routes every client cycles through: (label, path, target p99 in ms).
fn routes(s: &seed::Seeded) -> Vec<(String, String, f64)> {
    let unit = &s.units[s.units.len() / 2];
    let hit = &s.hits[s.hits.len() / 3];
    let clue = &s.clues[s.clues.len() / 2];
    let county = &s.counties[s.counties.len() / 2];
    let township = &s.townships[s.townships.len() / 2];
    let page = |label: &str, path: String| (label.to_owned(), path, 100.0);
    let api = |label: &str, path: String| (label.to_owned(), path, 50.0);
    vec![
        page("/ (province overview)", "/".into()),
        page("/divisions/330100 (city)", "/divisions/330100".into()),
        page("/divisions/{county}", format!("/divisions/{county}")),
        page("/divisions/{township}", format!("/divisions/{township}")),
        page("/units/{id}", format!("/units/{unit}")),
        page("/indicators", "/indicators".into()),
        page("/indicators/{id}", "/indicators/SL-R01".into()),
        page("/hits/{id}", format!("/hits/{hit}")),
        page("/clues/{id}", format!("/clues/{clue}")),
        api("/api/v1/hits", "/api/v1/hits?limit=50".into()),
        api("/api/v1/clues", "/api/v1/clues".into()),
        api("/api/v1/units", "/api/v1/units?limit=50".into()),
        api("/api/v1/divisions", "/api/v1/divisions".into()),
        api("/api/v1/hits/{id}", format!("/api/v1/hits/{hit}")),
        api("/api/v1/clues/{id}", format!("/api/v1/clues/{clue}")),
    ]
}

/// Rule cards for the seeded indicator ids (the catalogue is handed in by the CLI in
/// production; the pages need only these fields).
fn cards() -> Vec<IndicatorCard> {
    ["SL-R01", "SL-R02", "SL-S01", "VA-R01", "VA-S02", "ED-R01"]
        .iter()
        .map(|id| IndicatorCard {
            id: (*id).into(),
            version: "1.0.0".into(),
            domain: "soe_leasing".into(),
            kind: "rule".into(),
            severity: "high".into(),
            name_zh: format!("指标 {id}"),
            name_en: format!("indicator {id}"),
            ..Default::default()
        })
        .collect()
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// The server process: opens the seeded store, serves on 127.0.0.1:0, prints its address
/// and serves until its standard input closes (the parent exits or drops the pipe).
fn serve_child(url: &str) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = Store::open(url).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("http://{}", listener.local_addr()?);
        let cfg = WebConfig {
            indicators: cards(),
            ..Default::default()
        };
        let stdin_closed = async {
            let _ = tokio::task::spawn_blocking(|| {
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())
            })
            .await;
        };
        qinglian_web::serve(listener, store, None, cfg, stdin_closed).await?;
        anyhow::Ok(())
    })
}

fn main() -> anyhow::Result<()> {
    if let Ok(url) = std::env::var("BENCH_SERVE") {
        return serve_child(&url);
    }
    let clients = env_or("BENCH_CLIENTS", 100);
    let seconds = env_or("BENCH_SECONDS", 60);
    let (units, hits, clue_every) = (
        env_or("BENCH_UNITS", 10),
        env_or("BENCH_HITS", 24),
        env_or("BENCH_CLUE_EVERY", 20),
    );
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let dir = tempfile::tempdir()?;
    let url = std::env::var("BENCH_PG")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let t = Instant::now();
    let (store, ledger, seeded) = server_rt.block_on(async {
        let store = Store::open(&url).await?;
        let ledger = qinglian_store::testing::test_ledger(&store).await;
        let s = seed::seed(&store, &ledger, units, hits, clue_every).await?;
        anyhow::Ok((store, ledger, s))
    })?;
    println!(
        "seeded ({backend}): {} counties, {} townships, {} units, {} hits, {} clues in {:.1} s",
        seeded.counties.len(),
        seeded.townships.len(),
        seeded.units.len(),
        seeded.hits.len(),
        seeded.clues.len(),
        t.elapsed().as_secs_f64()
    );
    let mut server = std::process::Command::new(std::env::current_exe()?)
        .env("BENCH_SERVE", &url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let base = {
        let out = server.stdout.take().expect("piped");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)?;
        line.trim().to_owned()
    };
    anyhow::ensure!(
        base.starts_with("http://"),
        "the server did not start: {base:?}"
    );
    let mut sessions = Vec::new();
    for _ in 0..clients {
        let now = chrono::Utc::now().timestamp();
        let (secret, _) =
            server_rt.block_on(store.create_session(seeded.admin.user_id, now, 86_400))?;
        sessions.push(secret);
    }
    let routes = Arc::new(routes(&seeded));
    // Latencies (ms) and errors per route label.
    let samples: Arc<Mutex<Samples>> = Arc::default();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    // One pass over every route first, so the measured run starts warm.
    let warm = reqwest::Client::new();
    client_rt.block_on(async {
        for (label, path, _) in routes.iter() {
            let r = warm
                .get(format!("{base}{path}"))
                .header("cookie", format!("ql_session={}", sessions[0]))
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "{label}: {}", r.status());
        }
        anyhow::Ok(())
    })?;
    let deadline = Instant::now() + Duration::from_secs(seconds as u64);
    let started = Instant::now();
    let write_ms = env_or("BENCH_WRITE_MS", 0);
    let writer = (write_ms > 0).then(|| {
        server_rt.spawn(async move {
            let mut n = 0u64;
            let mut tick = tokio::time::interval(Duration::from_millis(write_ms as u64));
            tick.tick().await;
            while Instant::now() < deadline {
                tick.tick().await;
                let unit =
                    qinglian_store::ledger::Unit::new("bench_write", serde_json::json!({ "n": n }));
                if ledger.append(unit).await.is_ok() {
                    n += 1;
                }
            }
            n
        })
    });
    client_rt.block_on(async {
        let mut tasks = Vec::new();
        for (i, secret) in sessions.iter().enumerate() {
            let (routes, samples, base) = (routes.clone(), samples.clone(), base.clone());
            let cookie = format!("ql_session={secret}");
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut k = i;
                while Instant::now() < deadline {
                    let (label, path, _) = &routes[k % routes.len()];
                    k += 1;
                    let t = Instant::now();
                    let ok = match http
                        .get(format!("{base}{path}"))
                        .header("cookie", &cookie)
                        .send()
                        .await
                    {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    let mut s = samples.lock().unwrap();
                    let e = s.entry(label.clone()).or_default();
                    e.0.push(ms);
                    e.1 += u64::from(!ok);
                }
            }));
        }
        for t in tasks {
            t.await.expect("client task");
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let writes = match writer {
        Some(w) => server_rt.block_on(w)?,
        None => 0,
    };
    drop(server.stdin.take());
    server.wait()?;
    let samples = samples.lock().unwrap();
    let total: usize = samples.values().map(|(v, _)| v.len()).sum();
    let errors: u64 = samples.values().map(|(_, e)| e).sum();
    println!(
        "{clients} clients, {elapsed:.0} s: {total} requests, {errors} errors, {:.0} req/s, {writes} ledgered writes",
        total as f64 / elapsed
    );
    println!("| route | requests | errors | p50 ms | p99 ms | max ms | target p99 | met |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for (label, _, target) in routes.iter() {
        let Some((v, e)) = samples.get(label) else {
            continue;
        };
        let mut v = v.clone();
        v.sort_by(f64::total_cmp);
        let p99 = pct(&v, 0.99);
        println!(
            "| `{label}` | {} | {e} | {:.1} | {p99:.1} | {:.0} | {target:.0} | {} |",
            v.len(),
            pct(&v, 0.50),
            v.last().copied().unwrap_or(f64::NAN),
            if p99 <= *target && *e == 0 {
                "yes"
            } else {
                "no"
            }
        );
    }
    Ok(())
}
