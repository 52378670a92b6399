//! Test support: a fresh PostgreSQL database per test run on the real server.
//!
//! `QINGLIAN_TEST_PG` names the server (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! When it is unreachable the caller is told to skip, except with `CI=true`, where a missing
//! PostgreSQL is a failure: CI must never skip the PostgreSQL cases.

use crate::redact_url;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool};

pub struct PgTestDb {
    /// URL of the new, empty database.
    pub url: String,
    name: String,
    admin: PgPool,
}

fn admin_url() -> String {
    std::env::var("QINGLIAN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl PgTestDb {
    /// Creates `qinglian_test_<random>`; `None` (after saying why) when PostgreSQL is absent.
    pub async fn create() -> Option<PgTestDb> {
        let url = admin_url();
        let admin = match PgPoolOptions::new().max_connections(2).connect(&url).await {
            Ok(p) => p,
            Err(e) => {
                assert!(
                    std::env::var("CI").map_or(true, |v| v != "true"),
                    "PostgreSQL is required in CI but unreachable at {}: {e}",
                    redact_url(&url)
                );
                eprintln!(
                    "SKIPPED: PostgreSQL unreachable at {} ({e}); set QINGLIAN_TEST_PG",
                    redact_url(&url)
                );
                return None;
            }
        };
        let name = format!(
            "qinglian_test_{}",
            crate::auth::random_secret()
                .to_lowercase()
                .replace(['-', '_'], "")[..16]
                .to_owned()
        );
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("CREATE DATABASE");
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        Some(PgTestDb {
            url: format!("{base}/{name}"),
            name,
            admin,
        })
    }

    /// Drops the database (closing the caller's pools first is the caller's job).
    pub async fn drop_db(self) {
        let _ = self
            .admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await;
    }
}

impl crate::Store {
    /// Runs raw SQL, as an administrator with full database access could: for the adversarial
    /// tests of the ledger. Not used by the product.
    pub async fn execute_raw_for_tests(&self, sql: &str) -> crate::Result<()> {
        crate::on_pool!(self, p => sqlx::raw_sql(sql).execute(p).await.map(|_| ()))?;
        Ok(())
    }
}

/// A ledger for tests, under a fixed test key (state changes such as creating users go through
/// the ledger, so tests need one). Opening it again on the same store resumes the same log.
pub async fn test_ledger(store: &crate::Store) -> crate::ledger::Ledger {
    let origin = "test.invalid/ledger/v1";
    let signer = qinglian_ledger::Signer::from_seed(origin, &[42; 32]).expect("valid test key");
    crate::ledger::Ledger::open(store, signer, origin)
        .await
        .expect("test ledger opens")
        .0
}
