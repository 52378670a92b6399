//! Signed-in sessions kept in memory for a moment, so a page view does not cost two or three
//! queries before it starts.
//!
//! An entry stands for one ledger size (users, their roles and scopes change only with a ledger
//! entry, so a change made anywhere shows once the store's generation moves), is never used
//! past the session's expiry by the server's clock, and is read again from the database after
//! [`RECHECK`] at the latest: a session deleted by another process (a sign-out on another
//! server of the same database) ends here within that time. A sign-out or a new sign-in
//! through this server forgets the session at once, and a lookup that raced with it is not
//! kept.

use qinglian_store::{Principal, Store};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a kept session is trusted without reading it again.
pub const RECHECK: Duration = Duration::from_secs(1);
/// Sessions kept before the map starts over.
const MAX_ENTRIES: usize = 10_000;

struct Kept {
    principal: Principal,
    csrf: String,
    expires_at: i64,
    generation: i64,
    read_at: Instant,
}

#[derive(Default)]
pub struct SessionCache {
    map: Mutex<HashMap<String, Kept>>,
    /// Bumped by every [`SessionCache::forget`]: a lookup that started before is not kept.
    forgets: AtomicU64,
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The principal and CSRF token of a live session (`now`: the server's clock).
    pub async fn lookup(
        &self,
        store: &Store,
        secret: &str,
        now: i64,
    ) -> qinglian_store::Result<Option<(Principal, String)>> {
        let generation = store.generation().await?;
        if let Some(k) = self.lock().get(secret)
            && k.generation == generation
            && now < k.expires_at
            && k.read_at.elapsed() < RECHECK
        {
            return Ok(Some((k.principal.clone(), k.csrf.clone())));
        }
        let forgets = self.forgets.load(Ordering::SeqCst);
        let read_at = Instant::now();
        let found = store.session_until(secret, now).await?;
        let mut map = self.lock();
        match &found {
            Some((p, csrf, expires_at)) if self.forgets.load(Ordering::SeqCst) == forgets => {
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
                map.insert(
                    secret.to_owned(),
                    Kept {
                        principal: p.clone(),
                        csrf: csrf.clone(),
                        expires_at: *expires_at,
                        generation,
                        read_at,
                    },
                );
            }
            _ => {
                map.remove(secret);
            }
        }
        Ok(found.map(|(p, csrf, _)| (p, csrf)))
    }

    /// Forgets a session (after deleting it from the store): the next lookup reads the store.
    pub fn forget(&self, secret: &str) {
        self.forgets.fetch_add(1, Ordering::SeqCst);
        self.lock().remove(secret);
    }
}
