//! The published vectors in `shared/vectors/` (read at test time only; the product never
//! needs them): RFC 6962 reference tree, transparency-dev inclusion and consistency probes,
//! and C2SP / Go signed-note vectors.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use qinglian_ledger::checkpoint::Checkpoint;
use qinglian_ledger::proof::{verify_consistency_slices, verify_inclusion_slices};
use qinglian_ledger::{
    EMPTY_ROOT, MemTree, NoteError, ProofError, Signer, Verifier, hash_to_base64, inclusion_proof,
    leaf_hash, open_note, root, sign_note, verify_inclusion,
};
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors");

fn load(rel: &str) -> Value {
    let path = Path::new(VECTORS).join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Every `*.json` under `dir`, sorted; names contain `[`, `]`, `@`, `+`, so they stay paths.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn b64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().unwrap()).unwrap()
}

/// Go encodes a nil `[][]byte` as `null`.
fn b64_list(v: &Value) -> Vec<Vec<u8>> {
    v.as_array()
        .map(|a| a.iter().map(b64).collect())
        .unwrap_or_default()
}

/// Byte fields go in undecoded-length, as in the upstream verifier's interface.
fn run_inclusion(v: &Value) -> Result<(), ProofError> {
    let proof = b64_list(&v["proof"]);
    let proof: Vec<&[u8]> = proof.iter().map(Vec::as_slice).collect();
    verify_inclusion_slices(
        &b64(&v["leafHash"]),
        v["leafIdx"].as_u64().unwrap(),
        v["treeSize"].as_u64().unwrap(),
        &proof,
        &b64(&v["root"]),
    )
}

fn run_consistency(v: &Value) -> Result<(), ProofError> {
    let proof = b64_list(&v["proof"]);
    let proof: Vec<&[u8]> = proof.iter().map(Vec::as_slice).collect();
    verify_consistency_slices(
        v["size1"].as_u64().unwrap(),
        v["size2"].as_u64().unwrap(),
        &b64(&v["root1"]),
        &b64(&v["root2"]),
        &proof,
    )
}

fn run_probe_dir(dir: &str, run: fn(&Value) -> Result<(), ProofError>) -> (usize, usize) {
    let files = json_files(&Path::new(VECTORS).join(dir));
    let (mut ok, mut err) = (0, 0);
    let mut failures = Vec::new();
    for f in &files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let want_err = v["wantErr"].as_bool().unwrap();
        let got = run(&v);
        if got.is_err() != want_err {
            failures.push(format!("{}: {} (got {got:?})", f.display(), v["desc"]));
        }
        if want_err { err += 1 } else { ok += 1 }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    (ok, err)
}

#[test]
fn merkle_reference_tree() {
    let v = load("merkle/reference-tree.json");
    let leaves: Vec<Vec<u8>> = v["leaf_inputs_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| unhex(h.as_str().unwrap()))
        .collect();
    let mut tree = MemTree::new();
    let mut roots = vec![root(&tree, 0).unwrap()];
    for l in &leaves {
        tree.push(leaf_hash(l));
        roots.push(tree.current_root());
    }
    assert_eq!(roots[0], EMPTY_ROOT);
    for r in v["roots_by_tree_size"].as_array().unwrap() {
        let n = r["tree_size"].as_u64().unwrap() as usize;
        assert_eq!(
            roots[n].to_vec(),
            unhex(r["root_hex"].as_str().unwrap()),
            "size {n}"
        );
    }
    let levels = v["node_hashes_by_level"]["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 4);
    for lv in levels {
        let level = lv["level"].as_u64().unwrap() as u8;
        for (i, h) in lv["hashes_hex"].as_array().unwrap().iter().enumerate() {
            let id = qinglian_ledger::NodeId::new(level, i as u64);
            use qinglian_ledger::NodeSource as _;
            assert_eq!(tree.node(id).unwrap().to_vec(), unhex(h.as_str().unwrap()));
        }
    }
    // Generated proofs over the reference tree verify against its roots.
    for size in 1..=8u64 {
        for idx in 0..size {
            let p = inclusion_proof(&tree, idx, size).unwrap();
            let leaf = leaf_hash(&leaves[idx as usize]);
            verify_inclusion(&leaf, idx, size, &p, &roots[size as usize]).unwrap();
        }
    }
}

#[test]
fn merkle_inclusion_vectors() {
    let (ok, err) = run_probe_dir("merkle/inclusion", run_inclusion);
    assert_eq!((ok, err), (6, 92));
}

#[test]
fn merkle_consistency_vectors() {
    let (ok, err) = run_probe_dir("merkle/consistency", run_consistency);
    assert_eq!((ok, err), (6, 92));
}

fn verifiers(v: &Value) -> Vec<Verifier> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|k| Verifier::parse(k.as_str().unwrap()).unwrap())
        .collect()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn signed_note_vectors() {
    let all = load("signed-note/vectors.json");
    let vectors = all["vectors"].as_array().unwrap();
    let (mut valid, mut invalid, mut signed) = (0, 0, 0);
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let note = v["signed_note"].as_str().unwrap();
        let keys = verifiers(&v["verifier_keys"]);
        let got = open_note(note, &keys);
        if v["expect"] == "valid" {
            let opened = got.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(opened.text, v["text"].as_str().unwrap(), "{name}");
            let ver: Vec<String> = opened.verified.iter().map(|s| s.name.clone()).collect();
            let unver: Vec<String> = opened.unverified.iter().map(|s| s.name.clone()).collect();
            assert_eq!(ver, names(&v["expect_verified_signers"]), "{name}");
            assert_eq!(unver, names(&v["expect_unverified_signers"]), "{name}");
            valid += 1;
        } else {
            let reason = v["reason"].as_str().unwrap();
            let e = got.expect_err(name);
            let kind_ok = match e {
                NoteError::InvalidSignature { .. } => reason.starts_with("invalid-signature"),
                NoteError::NoVerifiableSignature => reason.starts_with("no-verifiable-signature"),
                _ => reason.starts_with("malformed"),
            };
            assert!(kind_ok, "{name}: got {e:?} for reason {reason}");
            invalid += 1;
        }
        if let Some(skey) = v["signer_key"].as_str()
            && v["sign_is_deterministic"] == true
        {
            let s = Signer::parse(skey).unwrap();
            assert_eq!(
                sign_note(v["text"].as_str().unwrap(), &[&s]).unwrap(),
                note,
                "{name}"
            );
            signed += 1;
        }
    }
    assert_eq!((valid, invalid), (10, 23));
    assert_eq!(signed, 2);
}

#[test]
fn invalid_utf8_note_is_malformed() {
    // The golang/mod negative that JSON cannot hold: a note starting with byte 0xFF.
    let all = load("signed-note/vectors.json");
    let v = &all["vectors"][0];
    let mut note = vec![0xff];
    note.extend_from_slice(v["signed_note"].as_str().unwrap().as_bytes());
    let keys = verifiers(&v["verifier_keys"]);
    assert_eq!(
        open_note(&note, &keys),
        Err(NoteError::NotUtf8 { offset: 0 })
    );
}

#[test]
fn verifier_and_signer_key_vectors() {
    let all = load("signed-note/vectors.json");
    for k in all["verifier_key_vectors"].as_array().unwrap() {
        let text = k["vkey"].as_str().unwrap();
        let got = Verifier::parse(text);
        if k["expect"] == "valid" {
            let v = got.unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(v.name(), k["name"].as_str().unwrap());
            assert_eq!(
                format!("{:08x}", v.key_id()),
                k["key_hash_hex"].as_str().unwrap()
            );
            assert_eq!(v.to_vkey(), text);
        } else {
            assert!(got.is_err(), "{text} should fail: {}", k["reason"]);
        }
    }
    let skeys = all["signer_key_vectors"].as_array().unwrap();
    assert_eq!(skeys.len(), 5);
    for k in skeys {
        let s = Signer::parse(k["signer_key"].as_str().unwrap()).unwrap();
        assert_eq!(s.verifier().to_vkey(), k["verifier_key"].as_str().unwrap());
        assert_eq!(s.to_skey(), k["signer_key"].as_str().unwrap());
    }
}

#[test]
fn tlog_record_hash_and_tree_note() {
    let all = load("signed-note/vectors.json");
    let t = &all["tlog"];
    let h = leaf_hash(t["record_hash"]["data_utf8"].as_str().unwrap().as_bytes());
    assert_eq!(
        hash_to_base64(&h),
        t["record_hash"]["hash_base64"].as_str().unwrap()
    );
    let text = t["tree_note"]["text"].as_str().unwrap();
    let cp = Checkpoint::parse(text).unwrap();
    assert_eq!(cp.origin, "go.sum database tree");
    assert_eq!(cp.size, t["tree_note"]["size"].as_u64().unwrap());
    assert_eq!(cp.root, h);
    assert_eq!(cp.to_body().unwrap(), text);
    for bad in t["tree_note_invalid"].as_array().unwrap() {
        let text = bad["text"].as_str().unwrap();
        // The first case is well formed but names another log: the origin check rejects it.
        let rejected = Checkpoint::parse(text)
            .and_then(|cp| cp.expect_origin("go.sum database tree"))
            .is_err();
        assert!(rejected, "{}", bad["reason"]);
    }
}

#[test]
fn sumdb_checkpoint_parses_and_tampered_size_fails() {
    let all = load("signed-note/vectors.json");
    let v = all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "sumdb-checkpoint-6476701")
        .unwrap();
    let keys = verifiers(&v["verifier_keys"]);
    let note = v["signed_note"].as_str().unwrap();
    let (cp, opened) = Checkpoint::open(note, &keys).unwrap();
    assert_eq!(cp.size, 6_476_701);
    assert_eq!(
        hash_to_base64(&cp.root),
        "mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk="
    );
    assert_eq!(opened.verified[0].name, "sum.golang.org");
    let tampered = note.replacen("6476701", "6476702", 1);
    assert!(Checkpoint::open(&tampered, &keys).is_err());
    // The formats test checkpoint has a 6-byte "root": the note verifies, the body does not.
    let v = all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "formats-testkeys-checkpoint-log-signed")
        .unwrap();
    let keys = verifiers(&v["verifier_keys"]);
    assert!(open_note(v["signed_note"].as_str().unwrap(), &keys).is_ok());
    assert!(Checkpoint::open(v["signed_note"].as_str().unwrap(), &keys).is_err());
}
