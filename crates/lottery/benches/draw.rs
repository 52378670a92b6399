//! LOT1 at district scale (issue 9 "Speed"): 1,000,000 applicants, 2,000 schools, 1–10
//! choices. Times the draw, publish, `verify all` (in a child process, so its peak RSS is its
//! own) and `verify me`. `cargo bench -p qinglian-lottery`; size via `QL_BENCH_APPLICANTS`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use qinglian_lottery::beacon::Beacon;
use qinglian_lottery::commit::{Salt, commitment};
use qinglian_lottery::hash::{Hash32, push_hex, sha256};
use qinglian_lottery::numbers::default_threads;
use qinglian_lottery::publish::{PublishInput, publish};
use qinglian_lottery::verify::{verify_all, verify_me};

const SCHOOLS: u32 = 2000;
const LOTTERY: &str = "2026-BENCH-G1";
/// The real drand quicknet round-123 beacon (also in shared/vectors/drand), so `verify all`
/// checks a genuine BLS signature.
const BEACON: &str = "{\n  \"chain_hash\": \"52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971\",\n  \"round\": 123,\n  \"signature\": \"b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92\"\n}\n";

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn id_of(i: u64) -> String {
    format!("1101082019{i:08}")
}

fn salt_of(i: u64) -> Salt {
    Salt::parse(&hex::encode(&sha256(&i.to_be_bytes())[..16])).expect("salt")
}

fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn params_bytes() -> Vec<u8> {
    let mut kv: Vec<String> = vec![
        "beacon.chain_hash=52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971".into(),
        format!(
            "beacon.pubkey={}",
            qinglian_lottery::beacon::QUICKNET.public_key
        ),
        "beacon.round=123".into(),
        "beacon.scheme=bls-unchained-g1-rfc9380".into(),
        format!("lottery_id={LOTTERY}"),
        "mechanism=DA".into(),
        "tiebreak=STB".into(),
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for s in 0..SCHOOLS {
        kv.push(format!("cap.S{s:04}={}", 150 + rng.next() % 400));
    }
    kv.sort();
    kv.iter()
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes()
}

fn roster_bytes(n: u64) -> Vec<u8> {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut rows: Vec<(Hash32, Vec<u8>)> = Vec::with_capacity(n as usize);
    for i in 0..n {
        let c = commitment(LOTTERY, &id_of(i), &salt_of(i));
        let k = 1 + rng.next() % 10;
        let mut picked: Vec<u32> = Vec::new();
        // Popular schools are chosen more often (square of a uniform draw), as in real districts.
        while picked.len() < k as usize {
            let u = rng.next() % 1_000_000;
            let s = (u * u / 1_000_000 * u64::from(SCHOOLS) / 1_000_000) as u32;
            if !picked.contains(&s) {
                picked.push(s);
            }
        }
        let line: Vec<String> = picked
            .iter()
            .map(|s| format!("S{s:04}:{}", 1 + rng.next() % 3))
            .collect();
        rows.push((c, line.join(";").into_bytes()));
    }
    rows.sort_unstable_by_key(|a| a.0);
    let mut out = Vec::with_capacity(n as usize * 110);
    for (c, l) in rows {
        push_hex(&mut out, &c);
        out.push(b',');
        out.extend_from_slice(&l);
        out.push(b'\n');
    }
    out
}

fn child_verify(dir: &Path) {
    let t = Instant::now();
    let rep = verify_all(dir);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "VERIFY_ALL passed={} secs={secs:.3} peak_rss_mb={}",
        rep.passed(),
        peak_rss_mb()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(p) = args.iter().position(|a| a == "--verify-child") {
        child_verify(Path::new(&args[p + 1]));
        return;
    }
    let n: u64 = std::env::var("QL_BENCH_APPLICANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let threads = default_threads();
    println!("LOT1 bench: {n} applicants, {SCHOOLS} schools, 1–10 choices, {threads} threads");
    let t = Instant::now();
    let params = params_bytes();
    let roster = roster_bytes(n);
    println!(
        "  generate inputs            {:>8.3} s (roster {} MB)",
        t.elapsed().as_secs_f64(),
        roster.len() >> 20
    );
    let ceremony = b"dice=4,1,6,6,2,3,5,5,1,2\n".to_vec();
    let beacon = BEACON.as_bytes();
    let rnd = Beacon::parse(beacon).expect("beacon").randomness();

    let t = Instant::now();
    let d = qinglian_lottery::draw(&params, &roster, &ceremony, &rnd, threads).expect("draw");
    let draw_s = t.elapsed().as_secs_f64();
    let placed = d.assigned.iter().filter(|a| **a != u32::MAX).count();
    println!("  draw (parse+seed+numbers+DA) {draw_s:>6.3} s  target ≤ 2 s   placed {placed}");
    // Phase breakdown of the same draw.
    {
        use qinglian_lottery::numbers::{compute_numbers, effective_numbers, priority_keys};
        let t = Instant::now();
        let p = qinglian_lottery::params::Params::parse(&params).expect("params");
        let r = qinglian_lottery::roster::Roster::parse(&roster, &p).expect("roster");
        let parse_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let nums = compute_numbers(&r, &p, &rnd, threads);
        let num_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let keys = priority_keys(&r, p.schools.len(), &effective_numbers(&r, &nums));
        let key_s = t.elapsed().as_secs_f64();
        let inst = qinglian_lottery::allocate::Instance {
            start: r.start.clone(),
            school: r.choices.iter().map(|c| c.school).collect(),
            key: keys,
            blocks: p.schools.values().map(|s| s.effective_blocks()).collect(),
        };
        let t = Instant::now();
        let m = qinglian_lottery::allocate::allocate(&inst, p.mechanism);
        println!(
            "    phases: parse {parse_s:.3} s, numbers {num_s:.3} s, order {key_s:.3} s, DA {:.3} s ({} placed)",
            t.elapsed().as_secs_f64(),
            m.iter().filter(|a| **a != u32::MAX).count()
        );
    }
    let t = Instant::now();
    let one = qinglian_lottery::draw(&params, &roster, &ceremony, &rnd, 1).expect("draw");
    println!(
        "  draw, 1 thread             {:>8.3} s  identical: {}",
        t.elapsed().as_secs_f64(),
        one.assigned == d.assigned
    );
    drop((d, one));

    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("pub");
    let t = Instant::now();
    publish(
        &dir,
        &PublishInput {
            params: &params,
            roster: &roster,
            ceremony: &ceremony,
            beacon,
            offers_log: b"",
        },
        threads,
    )
    .expect("publish");
    let wl = std::fs::metadata(dir.join("waitlists.csv")).map_or(0, |m| m.len() >> 20);
    println!(
        "  publish (draw + 9 files)   {:>8.3} s  waitlists.csv {wl} MB",
        t.elapsed().as_secs_f64()
    );
    drop(roster);

    let out = Command::new(std::env::current_exe().expect("exe"))
        .arg("--verify-child")
        .arg(&dir)
        .output()
        .expect("child");
    let line = String::from_utf8_lossy(&out.stdout);
    println!(
        "  verify all (child process) {}   target ≤ 10 s, < 1.5 GB",
        line.trim()
    );

    let i = n / 3;
    let t = Instant::now();
    let me = verify_me(&dir, &id_of(i), salt_of(i).as_str()).expect("verify me");
    let me_s = t.elapsed().as_secs_f64();
    println!(
        "  verify me                  {me_s:>8.3} s  target ≤ 1 s   found {} result {:?}",
        me.found, me.result
    );
    println!("  peak RSS of this process   {} MB", peak_rss_mb());
}
