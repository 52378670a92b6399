//! Reads: scoped for operators and officers, unscoped for the public page (a lottery's record
//! and its published files are public by design: LOT1 publishes every artefact).

use super::{COLS, LotteryRecord, LotteryState};
use crate::scope::{self, Principal};
use crate::{Result, Store, on_pool};

impl Store {
    /// A lottery the principal may see.
    pub async fn get_lottery(&self, p: &Principal, id: &str) -> Result<Option<LotteryRecord>> {
        let f = scope::lotteries(p, "l", 2);
        let sql = format!(
            "SELECT {COLS} FROM lotteries l WHERE l.id = $1 AND {}",
            f.sql
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, LotteryRecord>(&sql).bind(id);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_optional(pool).await
        })?)
    }

    /// Lotteries the principal may see, newest first.
    pub async fn list_lotteries(&self, p: &Principal) -> Result<Vec<LotteryRecord>> {
        let f = scope::lotteries(p, "l", 1);
        let sql = format!(
            "SELECT {COLS} FROM lotteries l WHERE {} ORDER BY l.created_at DESC, l.id",
            f.sql
        );
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, LotteryRecord>(&sql);
            for b in &f.binds { q = q.bind(b); }
            q.fetch_all(pool).await
        })?)
    }

    pub(crate) async fn lottery_unscoped(&self, id: &str) -> Result<Option<LotteryRecord>> {
        let sql = format!("SELECT {COLS} FROM lotteries l WHERE l.id = $1");
        Ok(
            on_pool!(self, pool => sqlx::query_as::<_, LotteryRecord>(&sql).bind(id).fetch_optional(pool).await)?,
        )
    }

    /// The public view of a lottery (the page at `/public/lottery/{id}`): its record, which
    /// holds no personal data.
    pub async fn public_lottery(&self, id: &str) -> Result<Option<LotteryRecord>> {
        self.lottery_unscoped(id).await
    }

    /// A stored artefact's exact bytes.
    pub async fn lottery_file(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(on_pool!(self, pool => sqlx::query_scalar(
            "SELECT content FROM lottery_files WHERE lottery_id = $1 AND name = $2")
            .bind(id).bind(name).fetch_optional(pool).await)?)
    }

    /// An artefact the public may download at the lottery's current stage, else `None`.
    pub async fn public_lottery_file(&self, id: &str, name: &str) -> Result<Option<Vec<u8>>> {
        let Some(r) = self.lottery_unscoped(id).await? else {
            return Ok(None);
        };
        let Some(state) = LotteryState::parse(&r.state) else {
            return Ok(None);
        };
        if !state.public_files().contains(&name) {
            return Ok(None);
        }
        self.lottery_file(id, name).await
    }
}
