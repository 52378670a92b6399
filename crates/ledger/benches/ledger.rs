//! Ledger core throughput on this machine (no criterion; `cargo bench -p qinglian-ledger`).
//!
//! Sizes: `QL_BENCH_SIZES=1000000,10000000` (the default). A Python `hashlib` peer computes the
//! same 10M-leaf root when `python3` is on PATH; set `QL_BENCH_PYTHON=0` to skip it.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use qinglian_ledger::{
    Checkpoint, Frontier, Hash, MemTree, Signer, consistency_proof, hash_to_hex, inclusion_proof,
    leaf_hash, open_note, root, root_of, verify_consistency, verify_inclusion,
};

const PAD: usize = 300;
const PROOFS: u64 = 200_000;
const CONSISTENCY: u64 = 100_000;
const SIGNATURES: u64 = 20_000;

/// Entry i: `{"i":<i>,"pad":"xxx…"}`, about 320 bytes, like a typical ledger record.
fn entry(i: u64, pad: &str, buf: &mut Vec<u8>) {
    use std::io::Write as _;
    buf.clear();
    write!(buf, "{{\"i\":{i},\"pad\":\"{pad}\"}}").expect("write to Vec");
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

struct Row {
    op: String,
    n: u64,
    count: u64,
    secs: f64,
    target: &'static str,
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

fn bench_size(n: u64, rows: &mut Vec<Row>) -> (Hash, f64) {
    let pad = "x".repeat(PAD);
    let mut buf = Vec::with_capacity(PAD + 32);
    let mut push = |op: &str, count: u64, secs: f64, target: &'static str| {
        rows.push(Row {
            op: op.to_string(),
            n,
            count,
            secs,
            target,
        });
    };

    let (leaves, t_leaf) = timed(|| {
        (0..n)
            .map(|i| {
                entry(i, &pad, &mut buf);
                leaf_hash(&buf)
            })
            .collect::<Vec<Hash>>()
    });
    push("leaf hash of ~320 B entries", n, t_leaf, "");

    let (r, t_root) = timed(|| root_of(black_box(&leaves)));
    push(
        "full verification: root from leaf hashes (root_of)",
        n,
        t_root,
        "≥ 2,000,000/s",
    );

    push(
        "full verification from entries (leaf hash + root)",
        n,
        t_leaf + t_root,
        "≥ 2,000,000/s",
    );

    let (tree, t_build) = timed(|| MemTree::from_leaf_hashes(leaves.clone()));
    assert_eq!(tree.current_root(), r);
    push("build MemTree level by level", n, t_build, "");

    let (appended, t_append) = timed(|| {
        let mut t = MemTree::with_capacity(n);
        for h in &leaves {
            t.push(*h);
        }
        t
    });
    assert_eq!(appended.current_root(), r);
    drop(appended);
    push("append one by one (MemTree::push)", n, t_append, "");

    let (rows_written, t_frontier) = timed(|| {
        let mut f = Frontier::new();
        let mut created = 0u64;
        for h in &leaves {
            f.append_with(*h, |_, _| created += 1);
        }
        assert_eq!(f.root(), r);
        created
    });
    assert_eq!(rows_written, qinglian_ledger::stored_hash_count(n));
    push(
        "writer append (Frontier, node rows emitted)",
        n,
        t_frontier,
        "",
    );

    let (proved, t_batch) = timed(|| {
        let mut f = Frontier::new();
        let mut proved = 0u64;
        for chunk in leaves.chunks(256) {
            let batch = f.append_batch(chunk);
            for i in batch.old_size..batch.new_size {
                black_box(batch.inclusion_proof(i).expect("in batch"));
                proved += 1;
            }
        }
        assert_eq!(f.root(), r);
        proved
    });
    push(
        "writer batches of 256: append + proof for each entry",
        proved,
        t_batch,
        "",
    );

    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15 ^ n);
    let idx: Vec<u64> = (0..PROOFS).map(|_| rng.next() % n).collect();
    let (proofs, t_gen) = timed(|| {
        idx.iter()
            .map(|&i| inclusion_proof(&tree, i, n).expect("in range"))
            .collect::<Vec<_>>()
    });
    push("inclusion proof generation", PROOFS, t_gen, "≥ 100,000/s");
    let ((), t_ver) = timed(|| {
        for (i, p) in idx.iter().zip(&proofs) {
            verify_inclusion(&leaves[*i as usize], *i, n, p, &r).expect("valid");
        }
    });
    push("inclusion proof verification", PROOFS, t_ver, "≥ 100,000/s");
    drop(proofs);

    let olds: Vec<u64> = (0..CONSISTENCY).map(|_| 1 + rng.next() % (n - 1)).collect();
    let old_roots: Vec<Hash> = olds
        .iter()
        .map(|&m| root(&tree, m).expect("root"))
        .collect();
    let (cproofs, t_cgen) = timed(|| {
        olds.iter()
            .map(|&m| consistency_proof(&tree, m, n).expect("sizes"))
            .collect::<Vec<_>>()
    });
    push("consistency proof generation", CONSISTENCY, t_cgen, "");
    let ((), t_cver) = timed(|| {
        for ((m, or), p) in olds.iter().zip(&old_roots).zip(&cproofs) {
            verify_consistency(*m, n, or, &r, p).expect("valid");
        }
    });
    push("consistency proof verification", CONSISTENCY, t_cver, "");
    (r, t_leaf + t_root)
}

fn bench_signatures(rows: &mut Vec<Row>) {
    let s = Signer::from_seed("bench.example/ledger/v1", &[7; 32]).expect("valid name");
    let v = s.verifier();
    let cp = Checkpoint::new("bench.example/ledger/v1", 123_456, leaf_hash(b"x")).expect("ok");
    let (notes, t_sign) = timed(|| {
        (0..SIGNATURES)
            .map(|i| {
                let mut c = cp.clone();
                c.size += i;
                c.sign(&[&s]).expect("sign")
            })
            .collect::<Vec<_>>()
    });
    let ((), t_open) = timed(|| {
        for n in &notes {
            black_box(open_note(n, std::slice::from_ref(&v)).expect("opens"));
        }
    });
    for (op, secs) in [
        ("sign checkpoint (Ed25519 note)", t_sign),
        ("open checkpoint note (verify)", t_open),
    ] {
        rows.push(Row {
            op: op.to_string(),
            n: 0,
            count: SIGNATURES,
            secs,
            target: "",
        });
    }
}

const PYTHON_PEER: &str = r#"
import hashlib, sys, time
n = int(sys.argv[1]); pad = b"x" * int(sys.argv[2]); sha = hashlib.sha256
t = time.perf_counter()
level = [sha(b"\x00" + b'{"i":%d,"pad":"%s"}' % (i, pad)).digest() for i in range(n)]
while len(level) > 1:
    nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        nxt.append(level[-1])
    level = nxt
print(level[0].hex(), time.perf_counter() - t)
"#;

/// Runs the Python peer; None when python3 is absent or disabled.
fn python_peer(n: u64) -> Option<(String, f64)> {
    if std::env::var("QL_BENCH_PYTHON").is_ok_and(|v| v == "0") {
        return None;
    }
    let out = Command::new("python3")
        .args(["-c", PYTHON_PEER, &n.to_string(), &PAD.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let mut parts = text.split_whitespace();
    let root = parts.next()?.to_string();
    let secs = parts.next()?.parse().ok()?;
    Some((root, secs))
}

fn main() {
    let sizes: Vec<u64> = std::env::var("QL_BENCH_SIZES")
        .unwrap_or_else(|_| "1000000,10000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("QL_BENCH_SIZES: comma-separated integers")
        })
        .collect();
    let mut rows = Vec::new();
    let mut last = None;
    for &n in &sizes {
        eprintln!("benchmarking size {n} …");
        last = Some((n, bench_size(n, &mut rows)));
    }
    bench_signatures(&mut rows);

    println!("| operation | log size | operations | seconds | rows/s | target |");
    println!("|---|---:|---:|---:|---:|---|");
    for r in &rows {
        let n = if r.n == 0 {
            "—".into()
        } else {
            r.n.to_string()
        };
        println!(
            "| {} | {} | {} | {:.3} | {:.0} | {} |",
            r.op,
            n,
            r.count,
            r.secs,
            r.count as f64 / r.secs,
            r.target
        );
    }

    if let Some((n, (rust_root, rust_secs))) = last {
        eprintln!("running the Python hashlib peer for size {n} …");
        match python_peer(n) {
            Some((py_root, py_secs)) => {
                let same = py_root == hash_to_hex(&rust_root);
                println!();
                println!(
                    "Entries → root, {n} leaves: Rust {rust_secs:.2} s, Python hashlib {py_secs:.2} s \
                     ({:.1}× faster); roots {}.",
                    py_secs / rust_secs,
                    if same { "identical" } else { "DIFFER" }
                );
                assert!(
                    same,
                    "Python root {py_root} != Rust root {}",
                    hash_to_hex(&rust_root)
                );
            }
            None => println!("\n(Python peer skipped.)"),
        }
    }
}
