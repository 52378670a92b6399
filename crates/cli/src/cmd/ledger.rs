//! `ledger`: checkpoints for people to keep, proofs and receipts, and verification.
//! Exit codes: 0 verified, 1 verification failed, 2 usage or I/O problem.

use super::{Ctx, ensure_store};
use crate::cli::LedgerCmd;
use crate::output::print_json;
use qinglian_ledger::{
    Receipt, Verifier, hash_to_base64, hash_to_hex, verify_receipt as check_receipt,
};
use qinglian_store::ledger::LOG_ID;
use std::path::Path;
use std::process::ExitCode;

fn usage(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("错误 / error: {e}");
    ExitCode::from(2)
}

pub async fn run(ctx: &Ctx, c: LedgerCmd) -> anyhow::Result<ExitCode> {
    let env = ensure_store(&ctx.settings).await?;
    let store = env.store;
    let state = store
        .ledger_state(LOG_ID)
        .await?
        .expect("init creates the ledger");
    let code = match c {
        LedgerCmd::Checkpoint => {
            // Exactly the signed note (with any witness cosignatures), to be kept as is.
            print!(
                "{}",
                store
                    .ledger_published_checkpoint(&state.checkpoint, state.size)
                    .await?
            );
            ExitCode::SUCCESS
        }
        LedgerCmd::AddCosignature { file, witness_vkey } => {
            let witness = match Verifier::parse(witness_vkey.trim()) {
                Ok(v) if v.kind() == qinglian_ledger::KeyKind::CosignatureV1 => v,
                Ok(_) => {
                    return Ok(usage(
                        "见证方公钥必须是 cosignature/v1 类型 / the witness key must be a cosignature/v1 key",
                    ));
                }
                Err(e) => return Ok(usage(format!("见证方公钥无效 / invalid witness key: {e}"))),
            };
            let note = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    return Ok(usage(format!(
                        "无法读取 {0} / cannot read {0}: {e}",
                        file.display()
                    )));
                }
            };
            match add_cosignature(&store, &note, &witness).await? {
                Ok(size) => {
                    if !ctx.json {
                        println!(
                            "已保存 {} 对大小为 {size} 的检查点的联署 / kept {}'s cosignature of the checkpoint at size {size}",
                            witness.name(),
                            witness.name()
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(why) => {
                    eprintln!("联署未被接受 / cosignature refused: {why}");
                    ExitCode::from(1)
                }
            }
        }
        LedgerCmd::Proof { index } => match store.ledger_entry(index).await? {
            None => usage(format!(
                "没有第 {index} 条（账本共 {} 条）/ no entry {index} (the ledger has {})",
                state.size, state.size
            )),
            Some(e) => {
                let proof = store.ledger_inclusion_proof(index, state.size).await?;
                let entry = String::from_utf8_lossy(&e.leaf).into_owned();
                if ctx.json {
                    print_json(&serde_json::json!({
                        "index": index, "size": state.size, "entry": serde_json::from_slice::<serde_json::Value>(&e.leaf)?,
                        "leaf_hash": hash_to_hex(&e.leaf_hash),
                        "proof": proof.iter().map(hash_to_base64).collect::<Vec<_>>(), "checkpoint": state.checkpoint,
                    }));
                } else {
                    println!("条目 / entry #{index}: {entry}");
                    println!("叶哈希 / leaf hash: {}", hash_to_hex(&e.leaf_hash));
                    println!(
                        "包含证明（树大小 {}）/ inclusion proof (tree size {}):",
                        state.size, state.size
                    );
                    for h in &proof {
                        println!("  {}", hash_to_base64(h));
                    }
                    println!("检查点 / checkpoint:\n{}", state.checkpoint);
                }
                ExitCode::SUCCESS
            }
        },
        LedgerCmd::Receipt { index, out } => match store.ledger_entry(index).await? {
            None => usage(format!("没有第 {index} 条 / no entry {index}")),
            Some(e) => {
                let proof = store.ledger_inclusion_proof(index, state.size).await?;
                let receipt = Receipt::new(&e.leaf, index, proof, &state.checkpoint).encode();
                if let Err(err) = std::fs::write(&out, receipt) {
                    return Ok(usage(format!(
                        "无法写入 {0} / cannot write {0}: {err}",
                        out.display()
                    )));
                }
                if !ctx.json {
                    println!(
                        "已写出第 {index} 条的凭据 / wrote the receipt of entry {index}: {}",
                        out.display()
                    );
                    println!(
                        "核验 / verify: qinglian ledger verify-receipt {} --vkey '{}'",
                        out.display(),
                        env.ledger.verifier().to_vkey()
                    );
                }
                ExitCode::SUCCESS
            }
        },
        LedgerCmd::Verify { from, vkey } => {
            let vkey = match vkey {
                Some(v) => match Verifier::parse(v.trim()) {
                    Ok(v) => v,
                    Err(e) => {
                        return Ok(usage(format!("验证公钥无效 / invalid verifier key: {e}")));
                    }
                },
                None => env.ledger.verifier(),
            };
            let kept = match &from {
                Some(p) => match std::fs::read_to_string(p) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        return Ok(usage(format!(
                            "无法读取 {0} / cannot read {0}: {e}",
                            p.display()
                        )));
                    }
                },
                None => None,
            };
            match store.ledger_verify(&vkey, kept.as_deref()).await {
                Ok(r) => {
                    if ctx.json {
                        print_json(&serde_json::json!({"verified": true, "report": r}));
                    } else {
                        println!(
                            "账本核验通过 / ledger verified: {} 条 entries, {} 个节点 nodes, {} 个检查点 checkpoints, root {}",
                            r.entries_checked, r.nodes_checked, r.checkpoints_checked, r.root
                        );
                        if let Some(s) = r.consistent_with {
                            println!(
                                "与您保存的大小为 {s} 的检查点一致 / consistent with your checkpoint of size {s}"
                            );
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(f) => {
                    if ctx.json {
                        print_json(&serde_json::json!({"verified": false, "failure": f}));
                    }
                    eprintln!("账本核验失败 / ledger verification FAILED: {f}");
                    ExitCode::from(1)
                }
            }
        }
        LedgerCmd::RotateKey => {
            let key = &ctx.settings.ledger_key;
            let old_vkey = env.ledger.verifier().to_vkey();
            // The new key is on disk before the log names it, so a crash cannot lose it.
            let next = crate::keys::create_next(key, &state.origin)?;
            let a = env.ledger.rotate_key(next.clone()).await?;
            let retired = crate::keys::finish_rotation(key, a.index)?;
            if ctx.json {
                print_json(
                    &serde_json::json!({"index": a.index, "old_key": old_vkey, "new_key": next.verifier().to_vkey(), "retired_key_file": retired}),
                );
            } else {
                println!(
                    "密钥已轮换，见第 {} 条 / key rotated at entry {}",
                    a.index, a.index
                );
                println!("旧公钥 / old key: {old_vkey}");
                println!(
                    "新公钥（请分发给核验方）/ new key (give it to verifiers): {}",
                    next.verifier().to_vkey()
                );
                println!(
                    "旧私钥已移至 {}：请离线封存或销毁 / the old private key was moved to {}: archive it offline or destroy it",
                    retired.display(),
                    retired.display()
                );
            }
            ExitCode::SUCCESS
        }
        LedgerCmd::RecordProof {
            index,
            row,
            file,
            out,
        } => {
            let Some(e) = store.ledger_entry(index).await? else {
                return Ok(usage(format!("没有第 {index} 条 / no entry {index}")));
            };
            let v: serde_json::Value = serde_json::from_slice(&e.leaf)?;
            // An OCDS import names each file's table in the file itself (eight tables, one entry).
            let f = v["files"].get(file);
            let dataset = f
                .and_then(|f| f["dataset"].as_str())
                .or_else(|| v["dataset"].as_str());
            let (Some(dataset), Some(f)) = (dataset, f) else {
                return Ok(usage(format!(
                    "第 {index} 条不是导入记录，或没有第 {file} 个文件 / entry {index} is not an import, or has no file {file}"
                )));
            };
            let content_hash = f["content_hash"].as_str().unwrap_or_default();
            let rows_root = f["rows_root"]
                .as_str()
                .and_then(qinglian_ledger::hash_from_hex)
                .unwrap_or_default();
            let lake = qinglian_lake::Lake::new(ctx.settings.lake_dir());
            let proof = match lake.row_proof(dataset, content_hash, &rows_root, row) {
                Ok(p) => p,
                Err(e @ qinglian_lake::rowhash::RowProofError::Altered) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::from(1));
                }
                Err(qinglian_lake::rowhash::RowProofError::Lake(e)) => return Err(e.into()),
                Err(e) => return Ok(usage(e.to_string())),
            };
            let entry_proof = store.ledger_inclusion_proof(index, state.size).await?;
            let receipt = Receipt::new(&e.leaf, index, entry_proof, &state.checkpoint).encode();
            let doc = proof.document(index, file, &receipt);
            if let Err(err) = std::fs::write(&out, serde_json::to_vec_pretty(&doc)?) {
                return Ok(usage(format!(
                    "无法写入 {0} / cannot write {0}: {err}",
                    out.display()
                )));
            }
            if !ctx.json {
                println!(
                    "已写出第 {index} 条导入中第 {row} 行的证明 / wrote the proof of row {row} of import entry {index}: {}",
                    out.display()
                );
            }
            ExitCode::SUCCESS
        }
        LedgerCmd::VerifyRecord { .. } | LedgerCmd::VerifyReceipt { .. } => {
            unreachable!("handled without a store")
        }
    };
    store.close().await;
    Ok(code)
}

pub fn verify_receipt(file: &Path, vkey: &str, json: bool) -> anyhow::Result<ExitCode> {
    let vkey = match Verifier::parse(vkey.trim()) {
        Ok(v) => v,
        Err(e) => return Ok(usage(format!("验证公钥无效 / invalid verifier key: {e}"))),
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            return Ok(usage(format!(
                "无法读取 {0} / cannot read {0}: {e}",
                file.display()
            )));
        }
    };
    match check_receipt(&text, &vkey) {
        Ok(v) => {
            let entry = String::from_utf8_lossy(&v.entry).into_owned();
            if json {
                print_json(&serde_json::json!({
                    "verified": true, "index": v.index, "size": v.checkpoint.size,
                    "origin": v.checkpoint.origin, "entry": serde_json::from_str::<serde_json::Value>(&entry).unwrap_or(serde_json::Value::String(entry.clone())),
                }));
            } else {
                println!(
                    "凭据核验通过 / receipt verified: 第 {} 条，包含于 {} 大小为 {} 的签名检查点 / entry {} is in the signed checkpoint of {} at size {}",
                    v.index,
                    v.checkpoint.origin,
                    v.checkpoint.size,
                    v.index,
                    v.checkpoint.origin,
                    v.checkpoint.size
                );
                println!("条目 / entry: {entry}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                print_json(&serde_json::json!({"verified": false, "error": e.to_string()}));
            }
            eprintln!("凭据核验失败 / receipt verification FAILED: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Checks a witness's cosigned note against the log's own checkpoint of that size and keeps the
/// witness's line. The outer error is an I/O problem; the inner one a refusal.
async fn add_cosignature(
    store: &qinglian_store::Store,
    note: &str,
    witness: &Verifier,
) -> anyhow::Result<Result<u64, String>> {
    let parsed = match qinglian_ledger::note::parse_note(note) {
        Ok(p) => p,
        Err(e) => return Ok(Err(format!("格式错误 / malformed: {e}"))),
    };
    let cp = match qinglian_ledger::Checkpoint::parse(&parsed.text) {
        Ok(c) => c,
        Err(e) => return Ok(Err(format!("不是检查点 / not a checkpoint: {e}"))),
    };
    let ours = store
        .ledger_checkpoints()
        .await?
        .into_iter()
        .find(|(size, _)| *size == cp.size);
    let Some((_, our_note)) = ours else {
        return Ok(Err(format!(
            "本账本没有大小为 {} 的检查点 / this log has no checkpoint of size {}",
            cp.size, cp.size
        )));
    };
    let ours_text = qinglian_ledger::note::parse_note(&our_note)
        .map(|n| n.text)
        .unwrap_or_default();
    if ours_text != parsed.text {
        return Ok(Err("联署的检查点与本账本的不同（分叉？）/ the cosigned checkpoint differs from this log's (a fork?)".into()));
    }
    if let Err(e) = qinglian_ledger::open_note(note, std::slice::from_ref(witness)) {
        return Ok(Err(format!(
            "见证方联署无效 / the witness's cosignature does not verify: {e}"
        )));
    }
    let Some(sig) = parsed
        .signatures
        .iter()
        .find(|s| s.name == witness.name() && s.key_id == witness.key_id())
    else {
        return Ok(Err(
            "找不到该见证方的联署行 / no cosignature line by this witness".into(),
        ));
    };
    use base64::Engine as _;
    let mut bytes = sig.key_id.to_be_bytes().to_vec();
    bytes.extend_from_slice(&sig.signature);
    let line = format!(
        "\u{2014} {} {}\n",
        sig.name,
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );
    store
        .ledger_add_cosignature(cp.size, witness.name(), &line)
        .await?;
    Ok(Ok(cp.size))
}

/// Verifies a record proof offline: the receipt proves the import entry in a signed checkpoint,
/// and the row proof places the record under the rows root that entry carries.
pub fn verify_record(file: &Path, vkey: &str, json: bool) -> anyhow::Result<ExitCode> {
    let vkey = match Verifier::parse(vkey.trim()) {
        Ok(v) => v,
        Err(e) => return Ok(usage(format!("验证公钥无效 / invalid verifier key: {e}"))),
    };
    let doc: serde_json::Value = match std::fs::read(file)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(d) => d,
        Err(e) => {
            return Ok(usage(format!(
                "无法读取证明 {0} / cannot read proof {0}: {e}",
                file.display()
            )));
        }
    };
    let failed = |why: String| {
        if json {
            print_json(&serde_json::json!({"verified": false, "error": why}));
        }
        eprintln!("记录证明核验失败 / record proof verification FAILED: {why}");
        Ok(ExitCode::from(1))
    };
    let receipt = match check_receipt(doc["receipt"].as_str().unwrap_or_default(), &vkey) {
        Ok(r) => r,
        Err(e) => return failed(format!("条目凭据 / entry receipt: {e}")),
    };
    let entry: serde_json::Value = serde_json::from_slice(&receipt.entry).unwrap_or_default();
    let f = doc["file"].as_u64().unwrap_or(0) as usize;
    let Some(root) = entry["files"][f]["rows_root"]
        .as_str()
        .and_then(qinglian_ledger::hash_from_hex)
    else {
        return failed("条目中没有该文件的行根 / the entry has no rows root for that file".into());
    };
    let dataset = entry["files"][f]["dataset"]
        .as_str()
        .or_else(|| entry["dataset"].as_str())
        .unwrap_or_default()
        .to_owned();
    let record = doc["record"].as_str().unwrap_or_default();
    let proof: Option<Vec<qinglian_ledger::Hash>> = doc["row_proof"].as_array().map(|a| {
        a.iter()
            .filter_map(|h| {
                h.as_str()
                    .and_then(|s| qinglian_ledger::hash_from_base64(s).ok())
            })
            .collect()
    });
    let (row, rows) = (
        doc["row"].as_u64().unwrap_or(u64::MAX),
        doc["rows"].as_u64().unwrap_or(0),
    );
    let leaf = qinglian_ledger::leaf_hash(record.as_bytes());
    if let Err(e) =
        qinglian_ledger::verify_inclusion(&leaf, row, rows, &proof.unwrap_or_default(), &root)
    {
        return failed(format!("行证明 / row proof: {e}"));
    }
    if json {
        print_json(
            &serde_json::json!({"verified": true, "entry_index": receipt.index, "dataset": dataset, "row": row, "record": serde_json::from_str::<serde_json::Value>(record).unwrap_or_default()}),
        );
    } else {
        println!(
            "记录证明核验通过 / record proof verified: 第 {} 条导入（{}）的第 {row} 行 / row {row} of import entry {} ({})",
            receipt.index, dataset, receipt.index, dataset
        );
        println!("记录 / record: {record}");
    }
    Ok(ExitCode::SUCCESS)
}
