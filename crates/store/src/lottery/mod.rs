//! LOT1 admission lotteries (阳光招生 电脑派位) in the store: a lottery's state, its artefacts as
//! published and its registered applicants. Every step (announce, one register batch, freeze,
//! draw, publish) is one ledger entry (kind `lottery_step`, object ("lottery", id); ids and
//! hashes only) in the same transaction as the rows it changes, and `ledger verify` replays
//! them (`replay.rs`).
//!
//! The protocol is `qinglian-lottery`; this module keeps what a running lottery needs between
//! steps. Citizen IDs and salts are never stored: an applicant is its commitment and roster
//! choices, plus, in a separate table, a digest of its ID that refuses a second registration.

mod evidence;
mod offers;
mod read;
mod replay;
mod steps;

pub use evidence::{EVIDENCE, EvidenceExport};
pub use offers::{OfferRecorded, OfferRequest};
pub use steps::RegisterReport;

use crate::StoreError;
use crate::ledger::{Bind, Stmt};
use qinglian_core::Msg;
use qinglian_lottery::LotteryError;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Where a lottery stands (LOT1 §4.2: T0 announced, T1 registering, T4 frozen, T7 drawn and
/// published).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LotteryState {
    Announced,
    Registering,
    Frozen,
    Drawn,
    Published,
}

impl LotteryState {
    pub const ALL: [LotteryState; 5] = [
        LotteryState::Announced,
        LotteryState::Registering,
        LotteryState::Frozen,
        LotteryState::Drawn,
        LotteryState::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LotteryState::Announced => "announced",
            LotteryState::Registering => "registering",
            LotteryState::Frozen => "frozen",
            LotteryState::Drawn => "drawn",
            LotteryState::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            LotteryState::Announced => "已公告",
            LotteryState::Registering => "报名中",
            LotteryState::Frozen => "名册已冻结",
            LotteryState::Drawn => "已派位",
            LotteryState::Published => "已公布",
        }
    }

    /// The artefacts the public may download at this stage: params at T0, the roster from the
    /// freeze (T2), all nine once published (T7).
    pub fn public_files(self) -> &'static [&'static str] {
        match self {
            LotteryState::Announced | LotteryState::Registering => &["params.txt"],
            LotteryState::Frozen | LotteryState::Drawn => &["params.txt", "roster.csv"],
            LotteryState::Published => &PUBLISHED,
        }
    }
}

/// The nine published files (vectors README, "Published layout").
pub const PUBLISHED: [&str; 9] = [
    "params.txt",
    "roster.csv",
    "ceremony.txt",
    "beacon.json",
    "seed.txt",
    "results.csv",
    "waitlists.csv",
    "offers_log.csv",
    "run_manifest.txt",
];

/// A lottery as stored. Everything here is public by design (hashes, counts, state).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LotteryRecord {
    pub id: String,
    pub title: String,
    pub division_code: Option<String>,
    pub state: String,
    pub steps: i64,
    pub params_sha256: String,
    pub beacon_round: i64,
    pub applicants: i64,
    pub batches: i64,
    pub roster_sha256: Option<String>,
    pub rehearsal: bool,
    pub ceremony_sha256: Option<String>,
    pub beacon_sha256: Option<String>,
    pub seed: Option<String>,
    pub results_sha256: Option<String>,
    pub waitlists_sha256: Option<String>,
    pub placed: Option<i64>,
    pub manifest_sha256: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub frozen_at: Option<i64>,
    pub drawn_at: Option<i64>,
    pub published_at: Option<i64>,
}

impl LotteryRecord {
    pub fn state(&self) -> Result<LotteryState, StoreError> {
        LotteryState::parse(&self.state).ok_or_else(|| {
            refuse(
                "LOTTERY_BAD_STATE",
                format!("抽签 {} 的状态“{}”无法识别", self.id, self.state),
                format!("lottery {} has an unknown state '{}'", self.id, self.state),
            )
        })
    }
}

pub(crate) const COLS: &str = "l.id, l.title, l.division_code, l.state, l.steps, l.params_sha256, \
    l.beacon_round, l.applicants, l.batches, l.roster_sha256, l.rehearsal, l.ceremony_sha256, \
    l.beacon_sha256, l.seed, l.results_sha256, l.waitlists_sha256, l.placed, l.manifest_sha256, \
    l.created_at, l.updated_at, l.frozen_at, l.drawn_at, l.published_at";

/// One applicant of a register batch, as the caller computed it from the family's ID and a
/// fresh salt (the salt goes on the receipt, never here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplicant {
    /// `C_i`, 64 lowercase hex.
    pub commitment: String,
    /// `(school, tier)` in the family's preference order.
    pub choices: Vec<(String, u32)>,
    /// Sibling group label (`G…`), if any.
    pub group: Option<String>,
    /// [`id_digest`] of the normalised citizen ID.
    pub id_digest: String,
}

/// The digest that refuses registering one child twice in a lottery. Not a commitment: it
/// carries no salt, so it is stored apart from the commitments and never published.
pub fn id_digest(lottery_id: &str, id_norm: &str) -> String {
    sha256_hex(format!("QINGLIAN|LOTTERY-ID|{lottery_id}|{id_norm}").as_bytes())
}

/// The applicant's roster line without its LF: `C_i,S04:1;S01:3[,group=G…]` (LOT1 §4.3).
pub fn roster_line(commitment: &str, choices: &str, group: Option<&str>) -> String {
    match group {
        Some(g) => format!("{commitment},{choices},group={g}"),
        None => format!("{commitment},{choices}"),
    }
}

pub fn choices_text(choices: &[(String, u32)]) -> String {
    choices
        .iter()
        .map(|(s, t)| format!("{s}:{t}"))
        .collect::<Vec<_>>()
        .join(";")
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 over lines each followed by LF (a batch's applicants or ID digests, sorted).
pub(crate) fn lines_sha256<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for l in lines {
        h.update(l.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

pub(crate) fn refuse(code: &'static str, zh: String, en: String) -> StoreError {
    StoreError::Invalid(Msg::new(code, zh, en))
}

/// A protocol error as a bilingual refusal under `code`.
pub(crate) fn protocol(code: &'static str, e: LotteryError) -> StoreError {
    match e {
        LotteryError::Format(f) => refuse(
            code,
            format!("{} 第 {} 行：{}", f.artefact, f.line, f.zh),
            format!("{} line {}: {}", f.artefact, f.line, f.en),
        ),
        LotteryError::Rules { zh, en } | LotteryError::CitizenId { zh, en } => refuse(code, zh, en),
        other => {
            let text = other.to_string();
            refuse(code, text.clone(), text)
        }
    }
}

/// Multi-row INSERTs of at most ~240 parameters each (SQLite looks parameters up linearly).
pub(crate) fn insert_rows(table: &str, cols: &[&str], rows: Vec<Vec<Bind>>) -> Vec<Stmt> {
    let per = (240 / cols.len()).max(1);
    let mut out = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Bind>> = rows.by_ref().take(per).collect();
        let mut n = 0;
        let values: Vec<String> = chunk
            .iter()
            .map(|r| {
                let ph: Vec<String> = r
                    .iter()
                    .map(|_| {
                        n += 1;
                        format!("${n}")
                    })
                    .collect();
                format!("({})", ph.join(", "))
            })
            .collect();
        out.push(Stmt::new(
            format!(
                "INSERT INTO {table} ({}) VALUES {}",
                cols.join(", "),
                values.join(", ")
            ),
            chunk.into_iter().flatten().collect(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_are_chunked_with_numbered_placeholders() {
        let rows: Vec<Vec<Bind>> = (0..130)
            .map(|i| vec![Bind::Int(i), Bind::Text(i.to_string())])
            .collect();
        let s = insert_rows("t", &["a", "b"], rows);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].binds.len(), 240);
        assert!(s[0].sql.ends_with("($239, $240)"), "{}", s[0].sql);
        assert_eq!(s[1].binds.len(), 20);
        assert!(
            s[1].sql
                .starts_with("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)")
        );
    }

    #[test]
    fn lines_and_digests() {
        assert_eq!(
            roster_line("ab", "S01:1;S02:2", Some("G1")),
            "ab,S01:1;S02:2,group=G1"
        );
        assert_eq!(
            choices_text(&[("S01".into(), 1), ("S02".into(), 3)]),
            "S01:1;S02:3"
        );
        // sha256 of "a\nb\n"
        assert_eq!(lines_sha256(["a", "b"]), sha256_hex(b"a\nb\n"));
        assert_ne!(id_digest("L1", "X"), id_digest("L2", "X"));
    }
}
