//! The store: the registry, users, sessions and API tokens, on SQLite (the embedded default)
//! or PostgreSQL, behind one type.
//!
//! Both backends run the same SQL text (`$N` placeholders, `ON CONFLICT` upserts, index-friendly
//! range predicates), so dialect differences stay inside this crate: only the migrations differ.
//! Every read of registry data takes a [`Principal`] and goes through [`scope`], the one place
//! where jurisdiction is enforced.

mod auth;
pub mod cockpit;
mod error;
mod hits;
pub mod ledger;
pub mod letters;
pub mod lottery;
mod registry;
pub mod reports;
pub mod scope;
pub mod testing;
mod users;
pub mod workflow;

pub use auth::{hash_password, random_password, random_seed, verify_password};
pub use error::StoreError;
pub use hits::{DECISIONS, HitFilter, HitRecord, HitUpsertReport, hit_upsert_stmts};
pub use lottery::{
    LotteryRecord, LotteryState, NewApplicant, OfferRecorded, OfferRequest, RegisterReport,
};
pub use registry::{
    DivisionRow, OrgRelationRow, PersonMasked, PersonRelationRow, PersonRow, PostRow,
    RegistryCounts, RegistryTable, UnitFilter, UnitRow, UpsertRow, upsert_stmts,
};
pub use scope::{Principal, Scope};
pub use users::{NewUser, TokenInfo, User};
pub use workflow::{
    ClueEvent, ClueRecord, DataCheck, Escalation, InboxRow, ItemRecord, Move, NewItem,
    OutcomeReport, UnitOutcome, Verification,
};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression against whichever pool backs the store. The expression is
/// compiled once per backend, so it may use backend-specific types through inference.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// The cockpit's aggregates for the current ledger size (see `cockpit::cache`).
    cache: std::sync::Arc<cockpit::cache::ReadCache>,
}

impl Store {
    /// Opens (creating if needed) the database at `url`: `sqlite://path` or `postgres://…`.
    /// Migrations run here, so every caller sees the current schema.
    pub async fn open(url: &str) -> Result<Self> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(StoreError::connect)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(StoreError::connect)?;
            Store {
                pool: Pool::Postgres(pool),
                cache: Default::default(),
            }
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(StoreError::connect)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: an acknowledged ledger append must survive power loss, not only a crash.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .map_err(StoreError::connect)?;
            Store {
                pool: Pool::Sqlite(pool),
                cache: Default::default(),
            }
        } else {
            return Err(StoreError::BadUrl(redact_url(url)));
        };
        store.migrate().await?;
        if let Pool::Sqlite(p) = &store.pool {
            // Table statistics for the planner (SQLite gathers none by itself): analyses only
            // what changed a lot since the last time, with a bounded sample, so it stays cheap.
            let mut c = p.acquire().await?;
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(&mut *c)
                .await?;
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&mut *c)
                .await?;
        }
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await);
    }
}

/// Hides the password of a database URL so it can be printed or logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Writes a consistent copy of an SQLite store to `path` while it stays online
    /// (`VACUUM INTO`). PostgreSQL stores are copied with `pg_dump` by the caller.
    pub async fn sqlite_snapshot(&self, path: &std::path::Path) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query("VACUUM INTO $1")
                    .bind(path.display().to_string())
                    .execute(p)
                    .await?;
                Ok(())
            }
            Pool::Postgres(_) => Err(StoreError::Invalid(qinglian_core::Msg::new(
                "BACKUP_BACKEND",
                "PostgreSQL 存储请用 pg_dump 备份",
                "a PostgreSQL store is copied with pg_dump",
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
