//! Receipts (回执): one printable page per family and the same rows in Excel. The salt exists
//! only here and on paper: Qinglian does not keep it, so these files are written before the
//! batch is committed and moved into place right after.

use super::applicants::Applicant;
use qinglian_core::ids::mask_citizen_id;
use qinglian_lottery::Receipt;
use qinglian_lottery::hash::to_hex;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub struct Issued<'a> {
    pub applicant: &'a Applicant,
    pub receipt: Receipt,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The printable document: one page per family, Chinese first. Each page also carries the
/// receipt's plain-text lines, which the public page reads back when a parent uploads it.
pub fn html(title: &str, lottery_id: &str, page_hint: &str, issued: &[Issued<'_>]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>派位回执 / Lottery receipts · {}</title>\n<style>\nbody{{font-family:\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif;margin:0}}\nsection{{page-break-after:always;break-after:page;padding:2cm;max-width:17cm}}\nh1{{font-size:1.4em}}\n.k{{font-family:monospace;font-size:1.3em;letter-spacing:.05em;word-break:break-all}}\n.en{{color:#555}}\npre{{white-space:pre-wrap;font-size:.8em;border-top:1px solid #999;padding-top:.5em}}\ntd{{padding:.2em .6em .2em 0;vertical-align:top}}\n</style>\n</head>\n<body>\n",
        esc(title)
    );
    for it in issued {
        let a = it.applicant;
        let choices: Vec<String> = a
            .choices
            .iter()
            .map(|(s, t)| format!("{s}（层级 {t}）"))
            .collect();
        let _ = write!(
            s,
            "<section>\n<h1>阳光招生派位回执 <span class=\"en\">Admission lottery receipt</span></h1>\n<p>{}</p>\n<table>\n<tr><td>抽签编号 <span class=\"en\">lottery</span></td><td>{}</td></tr>\n<tr><td>学生 <span class=\"en\">pupil</span></td><td>{} {}</td></tr>\n<tr><td>志愿 <span class=\"en\">choices</span></td><td>{}</td></tr>\n{}<tr><td>盐值 <span class=\"en\">salt</span></td><td class=\"k\">{}</td></tr>\n<tr><td>承诺值 <span class=\"en\">commitment</span></td><td class=\"k\">{}</td></tr>\n</table>\n<p>请妥善保管本回执：盐值只印在这里，系统不保存，丢失后无法补发。名册公布后请核对名册中有您的承诺值；派位结果公布后可在 {} 输入身份证号和盐值查看本人号码、各志愿排名与录取末位，或离线运行 <code>qinglian lottery verify me 公布目录 --id 身份证号 --salt 盐值</code>。</p>\n<p class=\"en\">Keep this receipt: the salt is printed only here; Qinglian does not keep it and cannot reissue it. Once the roster is published, check that your commitment is in it; once the results are published, enter the ID and salt at {} to see your number, your rank at each choice and each school's cut-off, or run <code>qinglian lottery verify me DIR --id ID --salt SALT</code> offline.</p>\n<p>自行复算承诺值 / recompute the commitment yourself: <code>printf 'LOT1|APPLICANT|{}|%s|{}' 身份证号 | sha256sum</code></p>\n<pre>{}</pre>\n</section>\n",
            esc(title),
            esc(lottery_id),
            esc(a.name.as_deref().unwrap_or("")),
            esc(&mask_citizen_id(&a.id_norm)),
            esc(&choices.join(" → ")),
            a.group.as_deref().map_or(String::new(), |g| format!(
                "<tr><td>兄弟姐妹组 <span class=\"en\">sibling group</span></td><td>{}</td></tr>\n",
                esc(g)
            )),
            it.receipt.salt.as_str(),
            to_hex(&it.receipt.commitment),
            esc(page_hint),
            esc(page_hint),
            esc(lottery_id),
            it.receipt.salt.as_str(),
            esc(&it.receipt.to_text()),
        );
    }
    s.push_str("</body>\n</html>\n");
    s
}

pub const HEADERS: [&str; 7] = [
    "行号 row",
    "姓名 name",
    "身份证号（脱敏）masked ID",
    "志愿 choices",
    "兄弟姐妹组 group",
    "盐值 salt",
    "承诺值 commitment",
];

pub fn rows(issued: &[Issued<'_>]) -> Vec<Vec<String>> {
    issued
        .iter()
        .map(|it| {
            let a = it.applicant;
            vec![
                a.row.to_string(),
                a.name.clone().unwrap_or_default(),
                mask_citizen_id(&a.id_norm),
                qinglian_store::lottery::choices_text(&a.choices),
                a.group.clone().unwrap_or_default(),
                it.receipt.salt.as_str().to_owned(),
                to_hex(&it.receipt.commitment),
            ]
        })
        .collect()
}

/// `<dir>/.<name>.partial`: written first, renamed once the batch is committed.
pub fn partial(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.partial"))
}

/// Receipts hold salts: readable by the operator only.
pub fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
