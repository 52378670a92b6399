//! The published directory (LOT1 §4.6, vectors README "Published layout"): exactly nine files,
//! with a `sha256sum`-style `run_manifest.txt` over the other eight.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::beacon::Beacon;
use crate::draw::{Draw, draw};
use crate::hash::{Hash32, canonical_lines, parse_hex32, push_hex, sha256};
use crate::offers::OffersLog;
use crate::seed::seed_file;
use crate::{FormatError, LotteryError, Result};

pub const MANIFEST: &str = "run_manifest.txt";

/// The eight files the manifest covers, in its (byte) order.
pub const MANIFEST_FILES: [&str; 8] = [
    "beacon.json",
    "ceremony.txt",
    "offers_log.csv",
    "params.txt",
    "results.csv",
    "roster.csv",
    "seed.txt",
    "waitlists.csv",
];

/// Inputs fixed before the draw, as the exact bytes that were announced and notarised.
pub struct PublishInput<'a> {
    pub params: &'a [u8],
    pub roster: &'a [u8],
    pub ceremony: &'a [u8],
    pub beacon: &'a [u8],
    /// Usually empty right after the draw.
    pub offers_log: &'a [u8],
}

/// Writes into a file while hashing what was written.
struct HashingFile {
    file: std::io::BufWriter<std::fs::File>,
    hasher: Sha256,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write_all(buf)?;
        self.hasher.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn write_file<F>(dir: &Path, name: &str, f: F) -> Result<Hash32>
where
    F: FnOnce(&mut HashingFile) -> std::io::Result<()>,
{
    let path = dir.join(name);
    let file = std::fs::File::create(&path).map_err(|e| LotteryError::io(&path, e))?;
    let mut w = HashingFile {
        file: std::io::BufWriter::with_capacity(1 << 20, file),
        hasher: Sha256::new(),
    };
    f(&mut w)
        .and_then(|()| w.flush())
        .map_err(|e| LotteryError::io(&path, e))?;
    Ok(w.hasher.finalize().into())
}

/// Runs the draw (verifying the beacon against the pins when `params.txt` has them) and writes
/// the nine files into `dir`, which must be absent or empty. Returns the draw.
pub fn publish(dir: &Path, input: &PublishInput<'_>, threads: usize) -> Result<Draw> {
    let params = crate::params::Params::parse(input.params)?;
    let beacon = Beacon::parse(input.beacon)?;
    let randomness = match &params.beacon {
        Some(pin) => beacon.verify(pin, params.fallback.as_ref())?,
        None => beacon.randomness(),
    };
    OffersLog::parse(input.offers_log)?;
    let d = draw(
        input.params,
        input.roster,
        input.ceremony,
        &randomness,
        threads,
    )?;
    std::fs::create_dir_all(dir).map_err(|e| LotteryError::io(dir, e))?;
    let not_empty = std::fs::read_dir(dir)
        .map_err(|e| LotteryError::io(dir, e))?
        .next()
        .is_some();
    if not_empty {
        return Err(LotteryError::rules(
            format!("发布目录 {} 须为空", dir.display()),
            format!("publication directory {} must be empty", dir.display()),
        ));
    }
    let mut hashes: Vec<(&str, Hash32)> = Vec::with_capacity(8);
    for name in MANIFEST_FILES {
        let h = match name {
            "beacon.json" => write_file(dir, name, |w| w.write_all(input.beacon))?,
            "ceremony.txt" => write_file(dir, name, |w| w.write_all(input.ceremony))?,
            "offers_log.csv" => write_file(dir, name, |w| w.write_all(input.offers_log))?,
            "params.txt" => write_file(dir, name, |w| w.write_all(input.params))?,
            "roster.csv" => write_file(dir, name, |w| w.write_all(input.roster))?,
            "seed.txt" => write_file(dir, name, |w| w.write_all(&seed_file(&d.seed)))?,
            "results.csv" => write_file(dir, name, |w| d.write_results(w))?,
            _ => write_file(dir, name, |w| d.write_waitlists(w))?,
        };
        hashes.push((name, h));
    }
    let manifest = manifest_bytes(&hashes);
    write_file(dir, MANIFEST, |w| w.write_all(&manifest))?;
    Ok(d)
}

/// `<sha256>  <name>\n` per file, sorted by name (the `sha256sum` text format).
pub fn manifest_bytes(entries: &[(&str, Hash32)]) -> Vec<u8> {
    let mut sorted: Vec<&(&str, Hash32)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = Vec::new();
    for (name, h) in sorted {
        push_hex(&mut out, h);
        out.extend_from_slice(b"  ");
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Strict manifest parse: exactly the eight expected names, sorted, lowercase hex.
pub fn parse_manifest(bytes: &[u8]) -> Result<Vec<(String, Hash32)>, FormatError> {
    let lines = canonical_lines(MANIFEST, bytes)?;
    let mut out: Vec<(String, Hash32)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let bad = |zh: &str, en: &str| FormatError::new(MANIFEST, i + 1, zh, en);
        let (h, name) = l.split_once("  ").ok_or_else(|| {
            bad(
                "须为 <sha256><两个空格><文件名>",
                "expected <sha256><two spaces><name>",
            )
        })?;
        let h = parse_hex32(h).ok_or_else(|| {
            bad(
                "哈希须为 64 位小写十六进制",
                "hash must be 64 lowercase hex",
            )
        })?;
        out.push((name.to_owned(), h));
    }
    let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
    if names != MANIFEST_FILES {
        return Err(FormatError::new(
            MANIFEST,
            0,
            format!("清单须按文件名排序且恰好列出 {}", MANIFEST_FILES.join(" ")),
            format!(
                "the manifest must list exactly {} in this order",
                MANIFEST_FILES.join(" ")
            ),
        ));
    }
    Ok(out)
}

/// SHA-256 of a file read in chunks (large artefacts are never held twice).
pub fn sha256_file(path: &Path) -> Result<Hash32> {
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| LotteryError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| LotteryError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

/// Convenience for small inputs already in memory.
pub fn manifest_for(files: &[(&str, &[u8])]) -> Vec<u8> {
    let entries: Vec<(&str, Hash32)> = files.iter().map(|(n, b)| (*n, sha256(b))).collect();
    manifest_bytes(&entries)
}
