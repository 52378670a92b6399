//! `verify all <dir>`: recomputes every hash, the beacon, the seed, every number and the whole
//! allocation byte for byte, and replays the offers log. Every failure names the artefact and
//! the check; later checks that depend on a failed one are reported as skipped.

use std::collections::BTreeSet;
use std::path::Path;

use crate::beacon::{Beacon, pinned_chain};
use crate::ceremony::Ceremony;
use crate::draw::{Draw, draw_parsed};
use crate::hash::{Hash32, parse_hex32, sha256, to_hex};
use crate::numbers::default_threads;
use crate::offers::{OffersLog, ReplayBase, replay};
use crate::params::Params;
use crate::publish::{MANIFEST, MANIFEST_FILES, parse_manifest, sha256_file};
use crate::roster::Roster;
use crate::seed::seed;

use super::compare::compare_stream;
use super::report::{Report, Status};
use super::summary::summarise;
pub use super::timing::TimingEvidence;
use super::timing::timing;

/// Hashes read aloud and notarised at T0, T4 and T5, when the verifier has them.
#[derive(Debug, Clone, Default)]
pub struct Notarised {
    pub params_sha256: Option<Hash32>,
    pub roster_sha256: Option<Hash32>,
    pub ceremony_sha256: Option<Hash32>,
}

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    pub notarised: Notarised,
    pub timing: Option<TimingEvidence>,
    /// Hashing threads; 0 = all cores. Output never depends on it.
    pub threads: usize,
}

pub fn verify_all(dir: &Path) -> Report {
    verify_all_with(dir, &VerifyOptions::default())
}

const FMT: &str = "canonical-format";

pub fn verify_all_with(dir: &Path, opts: &VerifyOptions) -> Report {
    let mut rep = Report::default();
    let threads = if opts.threads == 0 {
        default_threads()
    } else {
        opts.threads
    };

    // Step 0: exactly the nine files.
    let mut expected: BTreeSet<&str> = MANIFEST_FILES.into_iter().collect();
    expected.insert(MANIFEST);
    let present: BTreeSet<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => {
            rep.push(
                "(dir)",
                "layout",
                Status::Fail,
                format!("无法读取目录：{e}"),
                format!("cannot read the directory: {e}"),
            );
            return rep;
        }
    };
    let mut layout_ok = true;
    for name in &expected {
        if !present.contains(*name) {
            layout_ok = false;
            rep.push(
                static_name(name),
                "layout",
                Status::Fail,
                "缺少该文件",
                "file is missing",
            );
        }
    }
    for name in &present {
        if !expected.contains(name.as_str()) {
            layout_ok = false;
            rep.push(
                "(dir)",
                "layout",
                Status::Fail,
                format!("多余文件 {name}"),
                format!("unexpected file {name}"),
            );
        }
    }
    if layout_ok {
        rep.push(
            "(dir)",
            "layout",
            Status::Pass,
            "九个文件齐全，无多余文件",
            "exactly the nine published files",
        );
    }
    let read = |name: &str| std::fs::read(dir.join(name)).ok();

    // Step 1: strict parsing.
    let params_b = read("params.txt");
    let roster_b = read("roster.csv");
    let ceremony_b = read("ceremony.txt");
    let beacon_b = read("beacon.json");
    let seed_b = read("seed.txt");
    let offers_b = read("offers_log.csv");
    let manifest_b = read(MANIFEST);

    let params = params_b
        .as_deref()
        .and_then(|b| parsed(&mut rep, "params.txt", Params::parse(b)));
    let roster = match (&params, roster_b.as_deref()) {
        (Some(p), Some(b)) => parsed(&mut rep, "roster.csv", Roster::parse(b, p)),
        (None, Some(_)) => {
            rep.push(
                "roster.csv",
                FMT,
                Status::Skipped,
                "params.txt 无效，无法解析名册",
                "params.txt is invalid, roster not parsed",
            );
            None
        }
        _ => None,
    };
    let ceremony_ok = ceremony_b
        .as_deref()
        .and_then(|b| parsed(&mut rep, "ceremony.txt", Ceremony::parse(b)))
        .is_some();
    let beacon = beacon_b.as_deref().and_then(|b| match Beacon::parse(b) {
        Ok(x) => {
            rep.push("beacon.json", FMT, Status::Pass, "格式正确", "well-formed");
            Some(x)
        }
        Err(e) => {
            rep.push(
                "beacon.json",
                FMT,
                Status::Fail,
                e.to_string(),
                e.to_string(),
            );
            None
        }
    });
    let seed_file = seed_b.as_deref().and_then(|b| {
        let v = b
            .strip_suffix(b"\n")
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(parse_hex32);
        if v.is_none() {
            rep.push(
                "seed.txt",
                FMT,
                Status::Fail,
                "须为 64 位小写十六进制加 LF",
                "must be 64 lowercase hex and LF",
            );
        } else {
            rep.push("seed.txt", FMT, Status::Pass, "格式正确", "well-formed");
        }
        v
    });
    let offers = offers_b
        .as_deref()
        .and_then(|b| parsed(&mut rep, "offers_log.csv", OffersLog::parse(b)));
    let manifest = manifest_b
        .as_deref()
        .and_then(|b| parsed(&mut rep, MANIFEST, parse_manifest(b)));

    // Step 2: hashes against the manifest and the notarised values.
    let mut file_hash: Vec<(&str, Option<Hash32>)> = Vec::new();
    for name in MANIFEST_FILES {
        let h = match name {
            "params.txt" => params_b.as_deref().map(sha256),
            "roster.csv" => roster_b.as_deref().map(sha256),
            "ceremony.txt" => ceremony_b.as_deref().map(sha256),
            "beacon.json" => beacon_b.as_deref().map(sha256),
            "seed.txt" => seed_b.as_deref().map(sha256),
            "offers_log.csv" => offers_b.as_deref().map(sha256),
            _ => sha256_file(&dir.join(name)).ok(),
        };
        file_hash.push((name, h));
    }
    let hash_of = |n: &str| {
        file_hash
            .iter()
            .find(|(x, _)| *x == n)
            .and_then(|(_, h)| *h)
    };
    match &manifest {
        Some(m) => {
            for (name, want) in m {
                let art = static_name(name);
                match hash_of(name) {
                    None => rep.push(
                        art,
                        "sha256-vs-manifest",
                        Status::Skipped,
                        "文件缺失",
                        "file missing",
                    ),
                    Some(h) if h == *want => rep.push(
                        art,
                        "sha256-vs-manifest",
                        Status::Pass,
                        format!("SHA-256 与清单一致 {}", to_hex(&h)),
                        "SHA-256 matches run_manifest.txt",
                    ),
                    Some(h) => rep.push(
                        art,
                        "sha256-vs-manifest",
                        Status::Fail,
                        format!(
                            "SHA-256 为 {}，清单记载 {}：文件已被改动",
                            to_hex(&h),
                            to_hex(want)
                        ),
                        format!(
                            "SHA-256 is {} but run_manifest.txt says {}: the file was altered",
                            to_hex(&h),
                            to_hex(want)
                        ),
                    ),
                }
            }
        }
        None => rep.push(
            MANIFEST,
            "sha256-vs-manifest",
            Status::Skipped,
            "清单无效，未比对哈希",
            "manifest invalid, hashes not compared",
        ),
    }
    let n = &opts.notarised;
    for (art, want) in [
        ("params.txt", n.params_sha256),
        ("roster.csv", n.roster_sha256),
        ("ceremony.txt", n.ceremony_sha256),
    ] {
        match (want, hash_of(art)) {
            (None, _) => rep.push(
                art,
                "sha256-vs-notarised",
                Status::NoEvidence,
                "未提供公证哈希，仅与清单比对",
                "no notarised hash supplied; compared with the manifest only",
            ),
            (Some(w), Some(h)) if w == h => rep.push(
                art,
                "sha256-vs-notarised",
                Status::Pass,
                "与公证哈希一致",
                "matches the notarised hash",
            ),
            (Some(w), _) => rep.push(
                art,
                "sha256-vs-notarised",
                Status::Fail,
                format!("与公证哈希 {} 不符", to_hex(&w)),
                format!("differs from the notarised hash {}", to_hex(&w)),
            ),
        }
    }

    // Step 3: the beacon.
    let mut randomness = None;
    if let (Some(p), Some(b)) = (&params, &beacon) {
        match &p.beacon {
            None => rep.push(
                "params.txt",
                "beacon-pins",
                Status::Fail,
                "params.txt 未固定 beacon.* 参数，无法核验信标",
                "params.txt pins no beacon.* values, so the beacon cannot be verified",
            ),
            Some(pin) => {
                match pinned_chain(&pin.chain_hash) {
                    Some(c)
                        if c.scheme == pin.scheme && c.public_key == hex::encode(&pin.pubkey) =>
                    {
                        rep.push(
                            "params.txt",
                            "beacon-builtin-pins",
                            Status::Pass,
                            format!("固定参数与内置的 {} 一致", c.name),
                            format!("pins equal the built-in {} parameters", c.name),
                        );
                    }
                    Some(c) => rep.push(
                        "params.txt",
                        "beacon-builtin-pins",
                        Status::Warn,
                        format!("链 {} 的公钥或方案与内置值不同", c.name),
                        format!(
                            "public key or scheme differ from the built-in {} values",
                            c.name
                        ),
                    ),
                    None => rep.push(
                        "params.txt",
                        "beacon-builtin-pins",
                        Status::Warn,
                        "未知的 drand 链（不在内置列表中）",
                        "unknown drand chain (not in the built-in list)",
                    ),
                }
                match b.verify(pin, p.fallback.as_ref()) {
                    Ok(r) => {
                        rep.push(
                            "beacon.json",
                            "beacon-signature",
                            Status::Pass,
                            format!("信标签名有效，随机值 {}", to_hex(&r)),
                            format!("beacon verifies; randomness {}", to_hex(&r)),
                        );
                        randomness = Some(r);
                    }
                    Err(e) => rep.push(
                        "beacon.json",
                        "beacon-signature",
                        Status::Fail,
                        e.to_string(),
                        e.to_string(),
                    ),
                }
            }
        }
    }

    // Step 4: timing.
    timing(&mut rep, params.as_ref(), opts.timing.as_ref());

    // Step 5: seed, numbers, allocation.
    let inputs_hashes = (
        hash_of("roster.csv"),
        hash_of("params.txt"),
        hash_of("ceremony.txt"),
    );
    let mut the_draw: Option<Draw> = None;
    match (&params, roster, ceremony_ok, beacon.as_ref(), inputs_hashes) {
        (Some(p), Some(r), true, Some(b), (Some(rh), Some(ph), Some(ch))) => {
            // Even if the signature failed, SHA-256(sig) is what the operator used; compare on.
            let rnd = randomness.unwrap_or_else(|| b.randomness());
            let s = seed(&p.lottery_id, &rh, &ph, &ch, &rnd);
            match seed_file {
                Some(f) if f == s => rep.push(
                    "seed.txt",
                    "seed-recompute",
                    Status::Pass,
                    format!("种子复算一致 {}", to_hex(&s)),
                    "seed recomputed and equal",
                ),
                Some(f) => rep.push(
                    "seed.txt",
                    "seed-recompute",
                    Status::Fail,
                    format!("复算种子为 {}，文件为 {}", to_hex(&s), to_hex(&f)),
                    format!(
                        "recomputed seed {} differs from seed.txt {}",
                        to_hex(&s),
                        to_hex(&f)
                    ),
                ),
                None => rep.push(
                    "seed.txt",
                    "seed-recompute",
                    Status::Skipped,
                    "seed.txt 无效",
                    "seed.txt invalid",
                ),
            }
            let d = draw_parsed(p.clone(), r, s, threads);
            compare_stream(&mut rep, dir, "results.csv", "allocation-recompute", |w| {
                d.write_results(w)
            });
            compare_stream(&mut rep, dir, "waitlists.csv", "waitlists-recompute", |w| {
                d.write_waitlists(w)
            });
            the_draw = Some(d);
        }
        _ => {
            for (a, c) in [
                ("seed.txt", "seed-recompute"),
                ("results.csv", "allocation-recompute"),
                ("waitlists.csv", "waitlists-recompute"),
            ] {
                rep.push(
                    a,
                    c,
                    Status::Skipped,
                    "输入无效，无法复算",
                    "inputs invalid, cannot recompute",
                );
            }
        }
    }

    // Step 6: offers log replay (only against waitlists proven equal to the recomputation).
    let outputs_equal = rep.status_of("results.csv", "allocation-recompute") == Some(Status::Pass)
        && rep.status_of("waitlists.csv", "waitlists-recompute") == Some(Status::Pass);
    match (&the_draw, &offers) {
        (Some(d), Some(log)) if outputs_equal => {
            let sum = replay(&ReplayBase::from_draw(d), log);
            if sum.issues.is_empty() {
                rep.push(
                    "offers_log.csv",
                    "offers-replay",
                    Status::Pass,
                    format!("重放 {} 条记录，无违规", log.lines.len()),
                    format!("replayed {} lines, no violations", log.lines.len()),
                );
            }
            for i in &sum.issues {
                rep.push(
                    "offers_log.csv",
                    "offers-replay",
                    Status::Fail,
                    format!("第 {} 条：{}", i.seq, i.zh),
                    format!("seq {}: {}", i.seq, i.en),
                );
            }
        }
        _ => rep.push(
            "offers_log.csv",
            "offers-replay",
            Status::Skipped,
            "结果或候补名单未通过核验，未重放",
            "results or waitlists not verified; log not replayed",
        ),
    }

    // Step 7: summary.
    if let Some(d) = &the_draw {
        summarise(&mut rep, d, &file_hash);
    }
    rep
}

fn parsed<T, E: std::fmt::Display>(
    rep: &mut Report,
    art: &'static str,
    r: Result<T, E>,
) -> Option<T> {
    match r {
        Ok(v) => {
            rep.push(
                art,
                FMT,
                Status::Pass,
                "严格解析通过",
                "strict parse passed",
            );
            Some(v)
        }
        Err(e) => {
            rep.push(art, FMT, Status::Fail, e.to_string(), e.to_string());
            None
        }
    }
}

fn static_name(name: &str) -> &'static str {
    MANIFEST_FILES
        .into_iter()
        .chain([MANIFEST])
        .find(|n| *n == name)
        .unwrap_or("(unknown)")
}
