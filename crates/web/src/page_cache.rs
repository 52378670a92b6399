//! Rendered cockpit pages and API answers, kept for one ledger size and one minute.
//!
//! A cockpit page depends on the stored data, the clock (overdue items, this month's trend, at
//! minute grain), the reader's language and path, and of the reader only their role and
//! resolved scope ([`qinglian_store::scope::view_key`]), except for the signed-in user's name,
//! username and CSRF token. Those are rendered as per-process random marks and spliced in per
//! request, so users of the same jurisdiction and role share one body and users of different
//! ones never do. Entries are valid for one (ledger size, minute): the store's
//! [`generation`](qinglian_store::Store::generation) moves with every ledger commit of this
//! process at once and with other processes' within its poll interval. The first request for
//! a key renders it; concurrent ones wait for that rendering (single flight); failures and
//! error pages are not kept.
//!
//! Pages may instead be answered from the previous epoch while one background task renders the
//! new one ([`PageCache::get_or_make_stale`]): after a write the province rollups take a second
//! of CPU, and a hundred readers waiting for it saturate the server. Nobody is shown a page
//! older than their own latest write ([`note_writes`]; the page after an action carries its
//! outcome and is never taken from the cache); others see the new figures once rendered, and
//! a form on a page from before someone else's change is checked by the workflow when posted.
//! API answers are always current.

use axum::body::Bytes;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Bytes of bodies kept before the cache starts over (bounds memory without an eviction
/// policy; a new generation or minute empties it anyway).
const MAX_BYTES: usize = 64 << 20;

/// A kept answer: HTML with marks to splice, or bytes served as they are (JSON).
#[derive(Debug)]
pub enum Body {
    Html(Vec<Piece>),
    Bytes(Bytes),
}

/// A piece of a kept page: its own text, or where a per-user value goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    DisplayName,
    Username,
    Csrf,
}

/// The per-user values of one request, already HTML-escaped.
pub struct Fill {
    pub display_name: String,
    pub username: String,
    pub csrf: String,
}

impl Fill {
    pub fn new(display_name: &str, username: &str, csrf: &str) -> Self {
        let esc = |s: &str| minijinja::HtmlEscape(s).to_string();
        Fill {
            display_name: esc(display_name),
            username: esc(username),
            csrf: esc(csrf),
        }
    }
}

#[derive(Default)]
struct SlotCell {
    body: OnceCell<Arc<Body>>,
    /// A background rendering is under way ([`PageCache::get_or_make_stale`]).
    building: AtomicBool,
}

type Slot = Arc<SlotCell>;

#[derive(Default)]
struct Slots {
    /// (ledger size, minute) the entries belong to.
    epoch: (i64, i64),
    map: HashMap<String, Slot>,
    /// The newest body of each key from earlier epochs, with the ledger size it was made for,
    /// for the pages that may be stale.
    stale: HashMap<String, (i64, Arc<Body>)>,
}

pub struct PageCache {
    slots: Mutex<Slots>,
    bytes: AtomicUsize,
    /// The marks rendered in place of the user's name, username and CSRF token: letters and
    /// digits only (HTML escaping leaves them alone), random per process (no stored text can
    /// hold them by chance).
    pub marks: Fill,
    prefix: String,
    /// Per user, the ledger size just after their latest successful form post: they are never
    /// shown a page older than their own write.
    writes: Mutex<HashMap<String, i64>>,
}

impl Default for PageCache {
    fn default() -> Self {
        use rand::RngCore;
        let mut b = [0u8; 16];
        rand::rng().fill_bytes(&mut b);
        let prefix: String = std::iter::once("qlmark".to_owned())
            .chain(b.iter().map(|x| format!("{x:02x}")))
            .collect();
        PageCache {
            slots: Mutex::default(),
            bytes: AtomicUsize::new(0),
            marks: Fill {
                display_name: format!("{prefix}N"),
                username: format!("{prefix}U"),
                csrf: format!("{prefix}C"),
            },
            prefix,
            writes: Mutex::default(),
        }
    }
}

impl PageCache {
    /// The slot of `key` in `epoch` and the key's body from an earlier epoch, if any.
    fn slot(&self, epoch: (i64, i64), key: String) -> (Slot, Option<(i64, Arc<Body>)>) {
        let mut s = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let full = self.bytes.load(Ordering::Relaxed) > MAX_BYTES;
        if s.epoch != epoch || full {
            let made_for = s.epoch.0;
            s.epoch = epoch;
            let done: Vec<(String, (i64, Arc<Body>))> = s
                .map
                .drain()
                .filter_map(|(k, v)| v.body.get().map(|b| (k, (made_for, b.clone()))))
                .collect();
            s.stale.extend(done);
            let kept: usize = s.stale.values().map(|b| b.1.len()).sum();
            if full || kept > MAX_BYTES {
                s.stale.clear();
            }
            self.bytes.store(0, Ordering::Relaxed);
        }
        let stale = s.stale.get(&key).cloned();
        (s.map.entry(key).or_default().clone(), stale)
    }

    async fn init<E, F, Fut>(&self, slot: &SlotCell, make: F) -> Result<Arc<Body>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Body, E>>,
    {
        slot.body
            .get_or_try_init(|| async {
                let body = make().await?;
                self.bytes.fetch_add(body.len(), Ordering::Relaxed);
                Ok(Arc::new(body))
            })
            .await
            .cloned()
    }

    /// Records that `user` changed something and the ledger is now `size` long.
    pub fn wrote(&self, user: &str, size: i64) {
        let mut w = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        let at = w.entry(user.to_owned()).or_default();
        *at = (*at).max(size);
    }

    fn last_write(&self, user: &str) -> Option<i64> {
        let w = self.writes.lock().unwrap_or_else(|e| e.into_inner());
        w.get(user).copied()
    }

    /// As [`PageCache::get_or_make`], except that while nothing is kept for `key` in `epoch`
    /// but an earlier epoch's body is — one made after `reader`'s own latest write — that body
    /// is the answer and one background task renders the new one (a failed rendering is tried
    /// again by the next request).
    pub async fn get_or_make_stale<E, F, Fut>(
        self: &Arc<Self>,
        epoch: (i64, i64),
        key: String,
        reader: &str,
        make: F,
    ) -> Result<Arc<Body>, E>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<Body, E>> + Send + 'static,
        E: Send + 'static,
    {
        let (slot, stale) = self.slot(epoch, key);
        if let Some(b) = slot.body.get() {
            return Ok(b.clone());
        }
        let wrote = self.last_write(reader);
        let Some((_, old)) = stale.filter(|(made_for, _)| wrote.is_none_or(|w| *made_for >= w))
        else {
            return self.init(&slot, make).await;
        };
        if !slot.building.swap(true, Ordering::AcqRel) {
            let this = self.clone();
            tokio::spawn(async move {
                if this.init(&slot, make).await.is_err() {
                    slot.building.store(false, Ordering::Release);
                }
            });
        }
        Ok(old)
    }

    /// The body kept for `key` in `epoch`, or `make()`'s, kept if it is `Ok`. `Err` carries
    /// the answer to give instead (an error page, a redirect), which is not kept.
    pub async fn get_or_make<E, F, Fut>(
        &self,
        epoch: (i64, i64),
        key: String,
        make: F,
    ) -> Result<Arc<Body>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Body, E>>,
    {
        let (slot, _) = self.slot(epoch, key);
        self.init(&slot, make).await
    }

    /// A rendered page cut at the marks, ready to keep.
    pub fn html(&self, page: &str) -> Body {
        let mut pieces = Vec::new();
        let mut rest = page;
        while let Some(at) = rest.find(&self.prefix) {
            let after = &rest[at + self.prefix.len()..];
            let piece = match after.as_bytes().first() {
                Some(b'N') => Piece::DisplayName,
                Some(b'U') => Piece::Username,
                Some(b'C') => Piece::Csrf,
                _ => {
                    // Not one of ours (cannot happen): keep the text as it is.
                    pieces.push(Piece::Text(rest[..at + self.prefix.len()].to_owned()));
                    rest = after;
                    continue;
                }
            };
            if at > 0 {
                pieces.push(Piece::Text(rest[..at].to_owned()));
            }
            pieces.push(piece);
            rest = &after[1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Body::Html(pieces)
    }
}

impl Body {
    fn len(&self) -> usize {
        match self {
            Body::Html(pieces) => pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => t.len(),
                    _ => 0,
                })
                .sum(),
            Body::Bytes(b) => b.len(),
        }
    }

    /// The page for one user: the kept text with their values at the marks.
    pub fn splice(&self, fill: &Fill) -> String {
        let Body::Html(pieces) = self else {
            return String::new();
        };
        let mut out = String::with_capacity(self.len() + 256);
        for p in pieces {
            out.push_str(match p {
                Piece::Text(t) => t,
                Piece::DisplayName => &fill.display_name,
                Piece::Username => &fill.username,
                Piece::Csrf => &fill.csrf,
            });
        }
        out
    }
}

/// Middleware: after a form post that succeeded (a redirect or a page), the signed-in user's
/// latest write is the ledger's current size, so their next views are never older than it.
pub async fn note_writes(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let res = next.run(req).await;
    if (res.status().is_success() || res.status().is_redirection())
        && let (Ok(Some((p, _, _))), Ok(size)) = (
            crate::auth::session(&state, &headers).await,
            state.store.generation().await,
        )
    {
        state.pages.wrote(&p.username, size);
    }
    res
}

/// API routes whose answers are kept: the registry's and the workflow's lists and single
/// objects (`hits`, `clues`, `units`, `divisions`, each `/{id}`). They depend on the caller's
/// role and scope, the path with its query, the stored data and the clock only; people and
/// everything that answers files or writes are left alone.
fn kept_api_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    let mut parts = rest.split('/');
    let first = parts.next().unwrap_or("");
    let second = parts.next();
    matches!(first, "hits" | "clues" | "units" | "divisions")
        && parts.next().is_none()
        && second.is_none_or(|id| !id.is_empty())
}

/// Largest API answer kept (bigger ones are answered but not kept).
const MAX_API_BODY: usize = 8 << 20;

/// Middleware inside [`crate::auth::require_api_auth`]: a `GET` of a kept API route answers
/// from the cache for the caller's view key, path and query; a `200` answer is kept.
pub async fn api_cache(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, Method, StatusCode, header};
    use axum::response::IntoResponse;
    let auth = req.extensions().get::<crate::auth::Auth>().cloned();
    let (Some(auth), true) = (
        auth,
        req.method() == Method::GET && kept_api_path(req.uri().path()),
    ) else {
        return next.run(req).await;
    };
    let epoch = match state.cache_epoch().await {
        Ok(e) => e,
        Err(e) => return e.into_response(),
    };
    let key = format!(
        "api|{}|{}",
        req.uri(),
        qinglian_store::scope::view_key(&auth.principal)
    );
    let made = state
        .pages
        .get_or_make(epoch, key, || async {
            let res = next.run(req).await;
            let json = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
            if res.status() != StatusCode::OK || !json {
                return Err(res);
            }
            let (parts, body) = res.into_parts();
            match axum::body::to_bytes(body, MAX_API_BODY).await {
                Ok(b) => Ok(Body::Bytes(b)),
                Err(_) => Err(axum::response::Response::from_parts(
                    parts,
                    axum::body::Body::empty(),
                )
                .into_response()),
            }
        })
        .await;
    match made {
        Ok(body) => match &*body {
            Body::Bytes(b) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                b.clone(),
            )
                .into_response(),
            Body::Html(_) => crate::error::ApiError::internal().into_response(),
        },
        Err(res) => res,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_cut_and_filled_escaped() {
        let c = PageCache::default();
        let m = &c.marks;
        let page = format!(
            "<b>{}</b> ({}) <input value=\"{}\">{}",
            m.display_name, m.username, m.csrf, m.csrf
        );
        let body = c.html(&page);
        let fill = Fill::new("<张三>", "zs", "t\"k");
        assert_eq!(
            body.splice(&fill),
            "<b>&lt;张三&gt;</b> (zs) <input value=\"t&quot;k\">t&quot;k"
        );
        // Text without marks stays whole.
        assert_eq!(c.html("abc").splice(&fill), "abc");
        let Body::Html(p) = c.html("abc") else {
            panic!()
        };
        assert_eq!(p, vec![Piece::Text("abc".into())]);
        assert_ne!(
            PageCache::default().marks.csrf,
            c.marks.csrf,
            "random per cache"
        );
    }

    #[test]
    fn which_api_answers_are_kept() {
        for p in [
            "/api/v1/hits",
            "/api/v1/hits/abc",
            "/api/v1/clues/C-1",
            "/api/v1/units",
            "/api/v1/divisions/330106",
        ] {
            assert!(kept_api_path(p), "{p}");
        }
        for p in [
            "/api/v1/people",
            "/api/v1/people/1",
            "/api/v1/me",
            "/api/v1/hits/abc/decision",
            "/api/v1/hits/",
            "/api/v1/rectifications/C-1/1/evidence/x",
            "/hits/abc",
        ] {
            assert!(!kept_api_path(p), "{p}");
        }
    }

    #[tokio::test]
    async fn one_epoch_one_body_and_failures_are_not_kept() {
        let c = PageCache::default();
        let made = AtomicUsize::new(0);
        let make = |s: &'static str| {
            made.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, ()>(Body::Bytes(Bytes::from(s))) }
        };
        let a = c.get_or_make((1, 60), "k".into(), || make("a")).await;
        let b = c.get_or_make((1, 60), "k".into(), || make("b")).await;
        assert!(matches!(&*b.unwrap(), Body::Bytes(x) if x == "a"));
        assert!(a.is_ok());
        assert_eq!(made.load(Ordering::SeqCst), 1);
        // A new ledger size or minute: made again.
        let b = c.get_or_make((2, 60), "k".into(), || make("b")).await;
        assert!(matches!(&*b.unwrap(), Body::Bytes(x) if x == "b"));
        let e = c
            .get_or_make((2, 60), "e".into(), || async { Err::<Body, _>("no") })
            .await;
        assert_eq!(e.unwrap_err(), "no");
        let e = c.get_or_make((2, 60), "e".into(), || make("now")).await;
        assert!(matches!(&*e.unwrap(), Body::Bytes(x) if x == "now"));
    }

    fn text(b: &Body) -> &[u8] {
        match b {
            Body::Bytes(x) => x,
            Body::Html(_) => b"",
        }
    }

    /// What `k` answers in `epoch` once the background rendering has had its turns.
    async fn settled(c: &Arc<PageCache>, epoch: (i64, i64)) -> Vec<u8> {
        for _ in 0..100 {
            if c.slot(epoch, "k".into()).0.body.get().is_some() {
                break;
            }
            tokio::task::yield_now().await;
        }
        let fresh = || async { Ok::<_, ()>(Body::Bytes(Bytes::from("unused"))) };
        let b = c.get_or_make_stale(epoch, "k".into(), "u", fresh).await;
        text(&b.unwrap()).to_vec()
    }

    /// A key never made: rendered in line. Made in an earlier epoch: the old body at once,
    /// the new one rendered once in the background, then answered; a failed background
    /// rendering is tried again by the next request.
    #[tokio::test]
    async fn stale_bodies_answer_while_one_rendering_runs() {
        let c = Arc::new(PageCache::default());
        let ok = |s: &'static str| move || async move { Ok::<_, ()>(Body::Bytes(Bytes::from(s))) };
        let a = c.get_or_make_stale((1, 0), "k".into(), "u", ok("a")).await;
        assert_eq!(text(&a.unwrap()), b"a");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let slow = move || async move {
            rx.await.ok();
            Ok::<_, ()>(Body::Bytes(Bytes::from("b")))
        };
        let b = c.get_or_make_stale((2, 0), "k".into(), "u", slow).await;
        assert_eq!(
            text(&b.unwrap()),
            b"a",
            "the old body while the new one renders"
        );
        let again = c.get_or_make_stale((2, 0), "k".into(), "u", ok("x")).await;
        assert_eq!(
            text(&again.unwrap()),
            b"a",
            "one rendering per key and epoch"
        );
        tx.send(()).unwrap();
        assert_eq!(settled(&c, (2, 0)).await, b"b");
        // A failed rendering leaves the old body and lets the next request try again.
        let fail = || async { Err::<Body, ()>(()) };
        let f = c.get_or_make_stale((3, 0), "k".into(), "u", fail).await;
        assert_eq!(text(&f.unwrap()), b"b");
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        let next = c.get_or_make_stale((3, 0), "k".into(), "u", ok("c")).await;
        assert_eq!(text(&next.unwrap()), b"b");
        assert_eq!(settled(&c, (3, 0)).await, b"c");
        // A reader who wrote after the kept body was made gets this epoch's; others don't wait.
        c.wrote("w", 4);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let slow = move || async move {
            rx.await.ok();
            Ok::<_, ()>(Body::Bytes(Bytes::from("d")))
        };
        let other = c.get_or_make_stale((4, 0), "k".into(), "u", slow).await;
        assert_eq!(text(&other.unwrap()), b"c");
        tx.send(()).unwrap();
        let own = c.get_or_make_stale((4, 0), "k".into(), "w", ok("z")).await;
        // Whichever rendering of this epoch ran first (the background one or the writer's own),
        // never the kept body from before the write.
        assert_ne!(
            text(&own.unwrap()),
            b"c",
            "the writer is not shown the old page"
        );
    }
}
