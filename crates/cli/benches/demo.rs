//! Time from `qinglian demo --no-serve` to "loaded and ready" at county scale: synthesise,
//! initialise, import every dataset, create the accounts. Target: under 30 s on 2 cores.
//!
//! ```sh
//! cargo bench -p qinglian --bench demo
//! ```

use std::process::Command;
use std::time::Instant;

fn main() {
    let dir = std::env::temp_dir().join("qinglian-bench-demo");
    let mut walls = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_qinglian"))
            .args(["demo", "--no-serve", "--json", "--data"])
            .arg(&dir)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        walls.push(t.elapsed().as_secs_f64());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["totals"]["people"].as_i64().unwrap() > 1_000);
    }
    walls.sort_by(f64::total_cmp);
    println!(
        "demo --no-serve (county scale), 5 runs: best {:.2} s, median {:.2} s, worst {:.2} s; target < 30 s",
        walls[0], walls[2], walls[4]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
