//! The ledger's signing key on disk: created once by `init`, readable by its owner only, never
//! printed or logged. The public verifier key is written beside it for anyone to copy.

use anyhow::{Context, bail};
use qinglian_ledger::Signer;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Loads the key at `path`, or creates it for `origin` (the key name is the log's origin).
/// Returns the signer and whether it was created now.
pub fn load_or_create(path: &Path, origin: &str) -> anyhow::Result<(Signer, bool)> {
    if path.exists() {
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!(
                "账本私钥 {0} 的权限过宽（{mode:o}），应为 600：chmod 600 {0} / ledger key {0} is readable by others (mode {mode:o}); it must be 600: chmod 600 {0}",
                path.display()
            );
        }
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "无法读取账本私钥 {0} / cannot read the ledger key {0}",
                path.display()
            )
        })?;
        let signer = Signer::parse(text.trim()).map_err(|e| {
            anyhow::anyhow!(
                "账本私钥 {0} 格式无效 / the ledger key {0} is malformed: {e}",
                path.display()
            )
        })?;
        return Ok((signer, false));
    }
    let dir = path.parent().context("key path has no folder")?;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let signer = Signer::from_seed(origin, &qinglian_store::random_seed()).map_err(|e| {
        anyhow::anyhow!(
            "账本来源标识“{origin}”不能作为密钥名 / origin '{origin}' is not a valid key name: {e}"
        )
    })?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| {
            format!(
                "无法创建账本私钥 {0} / cannot create the ledger key {0}",
                path.display()
            )
        })?;
    f.write_all(signer.to_skey().as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    std::fs::write(
        path.with_extension("vkey"),
        format!("{}\n", signer.verifier().to_vkey()),
    )?;
    Ok((signer, true))
}

/// The file a rotation writes the new key to before the log names it.
fn next_path(key: &Path) -> std::path::PathBuf {
    key.with_extension("skey.next")
}

/// Creates the next key (mode 0600) beside the current one; refuses if one is pending.
pub fn create_next(key: &Path, origin: &str) -> anyhow::Result<Signer> {
    let next = next_path(key);
    if next.exists() {
        bail!(
            "已有未完成的密钥轮换（{0}）；运行 qinglian init 以完成它 / a key rotation is pending ({0}); run qinglian init to complete it",
            next.display()
        );
    }
    let signer = Signer::from_seed(origin, &qinglian_store::random_seed())
        .map_err(|e| anyhow::anyhow!("无法生成新密钥 / cannot make the new key: {e}"))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&next)?;
    f.write_all(signer.to_skey().as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(signer)
}

/// Makes the pending next key the current one and keeps the old one aside; returns where.
pub fn finish_rotation(key: &Path, index: u64) -> anyhow::Result<std::path::PathBuf> {
    let retired = key.with_extension(format!("skey.retired-{index}"));
    std::fs::rename(key, &retired)?;
    std::fs::rename(next_path(key), key)?;
    let signer = Signer::parse(std::fs::read_to_string(key)?.trim())
        .map_err(|e| anyhow::anyhow!("新密钥文件无效 / the new key file is malformed: {e}"))?;
    std::fs::write(
        key.with_extension("vkey"),
        format!("{}\n", signer.verifier().to_vkey()),
    )?;
    Ok(retired)
}

/// Completes a rotation interrupted after the log named the new key: if the pending key is the
/// one the log's last rotation names, it becomes current.
pub fn complete_pending(key: &Path, last_rotation: Option<(u64, &str)>) -> anyhow::Result<bool> {
    let next = next_path(key);
    let Some((index, new_vkey)) = last_rotation else {
        return Ok(false);
    };
    if !next.exists() {
        return Ok(false);
    }
    let pending = Signer::parse(std::fs::read_to_string(&next)?.trim()).map_err(|e| {
        anyhow::anyhow!("待定密钥文件无效 / the pending key file is malformed: {e}")
    })?;
    if pending.verifier().to_vkey() != new_vkey {
        return Ok(false);
    }
    finish_rotation(key, index)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/ledger.skey");
        let (a, created) = load_or_create(&path, "test.invalid/ledger/v1").unwrap();
        assert!(created);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let (b, created) = load_or_create(&path, "ignored").unwrap();
        assert!(!created);
        assert_eq!(a.verifier().to_vkey(), b.verifier().to_vkey());
        let vkey = std::fs::read_to_string(path.with_extension("vkey")).unwrap();
        assert_eq!(vkey.trim(), a.verifier().to_vkey());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(
            load_or_create(&path, "x")
                .unwrap_err()
                .to_string()
                .contains("600")
        );
    }
}
