//! The public lottery page (阳光招生, no sign-in): `/public/lottery/{id}` shows a lottery's
//! record, offers the files LOT1 publishes at its stage, and, once published, checks a family's
//! receipt exactly as `qinglian lottery verify me` does, over the files the store holds.
//!
//! Personal data: the ID a parent types is used for the commitment and shown masked; nothing
//! is stored or logged. Failed checks count per client address, in the sign-in throttle's
//! counters under their own key, with the same limits.

use super::{Lang, PageQuery, base, error_page, page_query, render, resolve_lang, with_cookies};
use crate::auth::{self, cookie, ct_eq};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use minijinja::value::Value;
use qinglian_core::Msg;
use qinglian_core::ids::{mask_citizen_id, normalize_citizen_id};
use qinglian_lottery::LotteryError;
use qinglian_lottery::beacon::pinned_chain;
use qinglian_lottery::hash::to_hex;
use qinglian_lottery::params::Params;
use qinglian_lottery::verify::{MeFiles, MeReport, verify_me_files};
use qinglian_store::LotteryState;
use qinglian_store::lottery::{LotteryRecord, PUBLISHED};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Double-submit token of the verify form (the page has no session).
pub const LOTTERY_CSRF_COOKIE: &str = "ql_lottery_csrf";
const COOKIE_PATH: &str = "/public/lottery";

fn throttle_key(ip: &str) -> String {
    format!("lottery-verify-ip:{ip}")
}

#[derive(Serialize)]
struct FileLine {
    name: &'static str,
    sha256: String,
}

#[derive(Serialize)]
struct SchoolLine {
    code: String,
    cap: u32,
}

#[derive(Serialize)]
struct TierLine {
    tier: u32,
    label: String,
}

#[derive(Serialize)]
struct CutoffView {
    tier: u32,
    rank: u64,
}

#[derive(Serialize)]
struct ChoiceView {
    school: String,
    tier: u32,
    number: String,
    rank: u64,
    listed_by: u64,
    cutoff: Option<CutoffView>,
    admitted_here: bool,
    waitlist_rank: Option<u64>,
}

/// What `verify me` shows a family, and nothing more (the ID only masked).
#[derive(Serialize)]
struct MeView {
    masked_id: String,
    commitment: String,
    seed: String,
    found: bool,
    result: Option<String>,
    warnings: Vec<String>,
    choices: Vec<ChoiceView>,
}

impl MeView {
    fn of(raw_id: &str, r: &MeReport) -> Self {
        MeView {
            masked_id: mask_citizen_id(&normalize_citizen_id(raw_id)),
            commitment: to_hex(&r.commitment),
            seed: to_hex(&r.seed),
            found: r.found,
            result: r.result.clone(),
            warnings: r.warnings.clone(),
            choices: r
                .choices
                .iter()
                .map(|c| ChoiceView {
                    school: c.school.clone(),
                    tier: c.tier,
                    number: to_hex(&c.number),
                    rank: c.rank,
                    listed_by: c.listed_by,
                    cutoff: c.cutoff.map(|(tier, rank)| CutoffView { tier, rank }),
                    admitted_here: c.admitted_here,
                    waitlist_rank: c.waitlist_rank,
                })
                .collect(),
        }
    }
}

fn sha_hex(b: &[u8]) -> String {
    hex_of(&Sha256::digest(b))
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The SHA-256 of each file public at this stage, from the ledgered record.
fn files_of(r: &LotteryRecord, state: LotteryState) -> Vec<FileLine> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    state
        .public_files()
        .iter()
        .map(|&name| FileLine {
            name,
            sha256: match name {
                "params.txt" => r.params_sha256.clone(),
                "roster.csv" => o(&r.roster_sha256),
                "ceremony.txt" => o(&r.ceremony_sha256),
                "beacon.json" => o(&r.beacon_sha256),
                "seed.txt" => sha_hex(format!("{}\n", o(&r.seed)).as_bytes()),
                "results.csv" => o(&r.results_sha256),
                "waitlists.csv" => o(&r.waitlists_sha256),
                "offers_log.csv" => sha_hex(b""),
                _ => o(&r.manifest_sha256),
            },
        })
        .collect()
}

struct Page {
    record: LotteryRecord,
    state: LotteryState,
    params: Option<Params>,
}

async fn load(state: &AppState, id: &str) -> Result<Option<Page>, ApiError> {
    let Some(record) = state.store.public_lottery(id).await? else {
        return Ok(None);
    };
    let st = record.state()?;
    let params = state
        .store
        .lottery_file(id, "params.txt")
        .await?
        .and_then(|b| Params::parse(&b).ok());
    Ok(Some(Page {
        record,
        state: st,
        params,
    }))
}

struct Extra<'a> {
    csrf: &'a str,
    me: Option<MeView>,
    error: Option<Msg>,
}

fn page(lang: Lang, p: &Page, x: Extra<'_>, status: StatusCode, secure: bool) -> Response {
    let schools: Vec<SchoolLine> = p
        .params
        .iter()
        .flat_map(|pr| pr.schools.iter())
        .map(|(code, s)| SchoolLine {
            code: code.clone(),
            cap: s.cap,
        })
        .collect();
    let tiers: Vec<TierLine> = p
        .params
        .iter()
        .flat_map(|pr| pr.tier_labels.iter())
        .map(|(t, l)| TierLine {
            tier: *t,
            label: l.clone(),
        })
        .collect();
    let beacon_time = p.params.as_ref().and_then(|pr| {
        let pin = pr.beacon.as_ref()?;
        let t = pinned_chain(&pin.chain_hash)?.time_of_round(pin.round);
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
    });
    let ctx = context! {
        lottery => Value::from_serialize(&p.record),
        state_zh => p.state.name_zh(),
        state_en => p.state.as_str(),
        published => p.state == LotteryState::Published,
        beacon_time => beacon_time,
        schools => schools,
        tiers => tiers,
        files => files_of(&p.record, p.state),
        csrf => x.csrf,
        me => x.me,
        error => x.error.as_ref().map(|m| context! { code => m.code, zh => &m.zh, en => &m.en }),
        ..base(lang, &format!("/public/lottery/{}", p.record.id), None)
    };
    match render("lottery.html", ctx) {
        Ok(html) => with_cookies(
            (status, html).into_response(),
            [auth::set_cookie(
                LOTTERY_CSRF_COOKIE,
                x.csrf,
                COOKIE_PATH,
                Some(2 * 3600),
                secure,
            )],
        ),
        Err(e) => error_page(lang, &e),
    }
}

fn looks_like_token(t: &&str) -> bool {
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /public/lottery/{id}`.
pub async fn lottery_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = page_query(q);
    let secure = state.https();
    let (lang, lang_cookie) = resolve_lang(q.lang.as_deref(), &headers, secure);
    let res = match load(&state, &id).await {
        Ok(Some(p)) => {
            let token = cookie(&headers, LOTTERY_CSRF_COOKIE)
                .filter(looks_like_token)
                .map_or_else(auth::random_token, str::to_owned);
            let x = Extra {
                csrf: &token,
                me: None,
                error: None,
            };
            page(lang, &p, x, StatusCode::OK, secure)
        }
        Ok(None) => error_page(lang, &ApiError::not_found()),
        Err(e) => error_page(lang, &e),
    };
    with_cookies(res, lang_cookie)
}

#[derive(Default)]
struct VerifyForm {
    csrf: String,
    id: String,
    salt: String,
    receipt: Option<Vec<u8>>,
}

async fn read_form(m: Result<Multipart, MultipartRejection>) -> Option<VerifyForm> {
    let mut m = m.ok()?;
    let mut f = VerifyForm::default();
    while let Some(field) = m.next_field().await.ok()? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.ok()?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "csrf" => f.csrf = text(),
            "id" => f.id = text(),
            "salt" => f.salt = text(),
            "receipt" if !bytes.is_empty() => f.receipt = Some(bytes.to_vec()),
            _ => {}
        }
    }
    Some(f)
}

/// The salt (and lottery id, if stated) on an uploaded receipt: the `salt:` and `lottery_id:`
/// lines every receipt carries.
fn from_receipt(bytes: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(bytes);
    let after = |label: &str| {
        text.find(label).map(|i| {
            text[i + label.len()..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
    };
    (after("salt:"), after("lottery_id:"))
}

fn msg(code: &'static str, zh: &str, en: &str) -> Msg {
    Msg::new(code, zh, en)
}

/// `POST /public/lottery/{id}`: checks a receipt against the published files.
pub async fn lottery_verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let secure = state.https();
    let (lang, _) = resolve_lang(None, &headers, secure);
    let p = match load(&state, &id).await {
        Ok(Some(p)) => p,
        Ok(None) => return error_page(lang, &ApiError::not_found()),
        Err(e) => return error_page(lang, &e),
    };
    if p.state != LotteryState::Published {
        let token = cookie(&headers, LOTTERY_CSRF_COOKIE)
            .filter(looks_like_token)
            .map_or_else(auth::random_token, str::to_owned);
        let x = Extra {
            csrf: &token,
            me: None,
            error: Some(msg(
                "LOTTERY_NOT_PUBLISHED",
                "派位结果尚未公布",
                "the results are not published yet",
            )),
        };
        return page(lang, &p, x, StatusCode::CONFLICT, secure);
    }
    let f = read_form(form).await.unwrap_or_default();
    let sent = cookie(&headers, LOTTERY_CSRF_COOKIE);
    if !sent.is_some_and(|c| !f.csrf.is_empty() && ct_eq(c, &f.csrf)) {
        let fresh = auth::random_token();
        let x = Extra {
            csrf: &fresh,
            me: None,
            error: Some(msg(
                "LOTTERY_FORM_EXPIRED",
                "表单已过期或来源不明，请重新提交",
                "the form expired or came from elsewhere; please submit it again",
            )),
        };
        return page(lang, &p, x, StatusCode::FORBIDDEN, secure);
    }
    let reply = |status, me, error| {
        page(
            lang,
            &p,
            Extra {
                csrf: &f.csrf,
                me,
                error,
            },
            status,
            secure,
        )
    };
    let now = (state.clock)();
    let ip = auth::client_ip(peer.as_ref().map(|e| &e.0));
    let keys = [throttle_key(&ip)];
    if let Some(wait) = state.throttle.retry_after(&keys, now) {
        tracing::warn!(ip, wait, "lottery verification throttled");
        let mut res = reply(
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(Msg::new(
                "LOTTERY_THROTTLED",
                format!("核验失败次数过多，请 {wait} 秒后再试"),
                format!("too many failed checks; try again in {wait} seconds"),
            )),
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return res;
    }
    let fail = || state.throttle.fail(&keys, now);
    let (receipt_salt, receipt_lottery) =
        f.receipt.as_deref().map(from_receipt).unwrap_or_default();
    if receipt_lottery.as_deref().is_some_and(|l| l != p.record.id) {
        fail();
        return reply(
            StatusCode::BAD_REQUEST,
            None,
            Some(msg(
                "LOTTERY_OTHER_RECEIPT",
                "上传的回执属于另一次抽签",
                "the uploaded receipt belongs to another lottery",
            )),
        );
    }
    let salt = if f.salt.is_empty() {
        receipt_salt.unwrap_or_default()
    } else {
        f.salt.clone()
    };
    if f.id.is_empty() || salt.is_empty() {
        fail();
        return reply(
            StatusCode::BAD_REQUEST,
            None,
            Some(msg(
                "LOTTERY_INPUT",
                "请填写身份证号，并填写盐值或上传回执",
                "enter the ID, and the salt or the receipt",
            )),
        );
    }
    let files = match published_files(&state, &p.record).await {
        Ok(f) => f,
        Err(e) => return error_page(lang, &e),
    };
    let raw_id = f.id.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let me = MeFiles {
            params: &files[0],
            roster: &files[1],
            ceremony: &files[2],
            beacon: &files[3],
            results: &files[4],
            seed: Some(&files[5]),
        };
        verify_me_files(&me, &raw_id, &salt)
    })
    .await;
    match checked {
        Ok(Ok(r)) => {
            if !r.found {
                fail();
            }
            reply(StatusCode::OK, Some(MeView::of(&f.id, &r)), None)
        }
        Ok(Err(LotteryError::BadSalt)) => {
            fail();
            reply(
                StatusCode::BAD_REQUEST,
                None,
                Some(msg(
                    "LOTTERY_BAD_SALT",
                    "盐值须为回执上的 32 位小写十六进制",
                    "the salt is the 32 lowercase hex characters on the receipt",
                )),
            )
        }
        Ok(Err(e)) => {
            tracing::error!(lottery = %p.record.id, error = %e, "published files do not check");
            error_page(lang, &ApiError::internal())
        }
        Err(e) => {
            tracing::error!(error = %e, "verification task failed");
            error_page(lang, &ApiError::internal())
        }
    }
}

/// params, roster, ceremony, beacon, results, seed (the order `MeFiles` is filled in).
type PublishedFiles = Arc<Vec<Vec<u8>>>;

/// Recently checked publications, keyed by their manifest's SHA-256: the manifest covers every
/// file a check reads, so an entry can never be stale (an offer rewrites the manifest) and two
/// stores holding the same publication share it. A million-applicant roster is ~100 MB; without
/// this every family's check would read it from the store again.
static CACHE: Mutex<Vec<(String, PublishedFiles)>> = Mutex::new(Vec::new());
const CACHED_PUBLICATIONS: usize = 4;

async fn published_files(state: &AppState, r: &LotteryRecord) -> Result<PublishedFiles, ApiError> {
    let key = r.manifest_sha256.clone().ok_or_else(ApiError::not_found)?;
    if let Some(hit) = cache().iter().find(|(k, _)| *k == key) {
        return Ok(hit.1.clone());
    }
    let mut out = Vec::with_capacity(6);
    for name in [
        "params.txt",
        "roster.csv",
        "ceremony.txt",
        "beacon.json",
        "results.csv",
        "seed.txt",
    ] {
        out.push(
            state
                .store
                .public_lottery_file(&r.id, name)
                .await?
                .ok_or_else(ApiError::not_found)?,
        );
    }
    let files = Arc::new(out);
    let mut c = cache();
    c.retain(|(k, _)| *k != key);
    if c.len() >= CACHED_PUBLICATIONS {
        c.remove(0);
    }
    c.push((key, files.clone()));
    Ok(files)
}

fn cache() -> std::sync::MutexGuard<'static, Vec<(String, PublishedFiles)>> {
    CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `GET /public/lottery/{id}/files/{name}`: a published artefact, byte for byte.
pub async fn lottery_file(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (lang, _) = resolve_lang(None, &headers, state.https());
    let Some(&name) = PUBLISHED.iter().find(|n| **n == name) else {
        return error_page(lang, &ApiError::not_found());
    };
    match state.store.public_lottery_file(&id, name).await {
        Ok(Some(bytes)) => {
            let ctype = if name.ends_with(".csv") {
                "text/csv; charset=utf-8"
            } else if name.ends_with(".json") {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(None) => error_page(lang, &ApiError::not_found()),
        Err(e) => error_page(lang, &e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Throttle;

    #[test]
    fn receipt_lines_are_read_back() {
        let text = "阳光招生派位回执 / Admission lottery receipt\n抽签编号 / lottery_id: DEMO-1\n盐值 / salt: 0123456789abcdef0123456789abcdef\n承诺值 / commitment C_i: ff\n";
        assert_eq!(
            from_receipt(text.as_bytes()),
            (
                Some("0123456789abcdef0123456789abcdef".into()),
                Some("DEMO-1".into())
            )
        );
        assert_eq!(from_receipt(b"nothing here"), (None, None));
        assert_eq!(throttle_key("1.2.3.4"), "lottery-verify-ip:1.2.3.4");
        assert!(!Throttle::ip_key("1.2.3.4").starts_with("lottery"));
    }
}
