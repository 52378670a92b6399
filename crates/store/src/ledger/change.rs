//! A state change as data: SQL text that both backends accept, with its bound values. The ledger
//! writer runs a unit's change and appends its entry in the same transaction, so neither can
//! commit without the other.

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    OptFloat(Option<f64>),
    Bool(bool),
    Bytes(Vec<u8>),
}

/// One statement of a change. The SQL uses `$1…$n` placeholders and must be valid on SQLite and
/// PostgreSQL alike; it is written by Qinglian's own code, never by users.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub sql: String,
    pub binds: Vec<Bind>,
    /// How many rows the statement must affect (`None`: any). A transition guarded by
    /// `WHERE status = $old` uses `Some(1)` so a concurrent change makes it fail, not vanish.
    pub expect_rows: Option<u64>,
}

impl Stmt {
    pub fn new(sql: impl Into<String>, binds: Vec<Bind>) -> Self {
        Stmt {
            sql: sql.into(),
            binds,
            expect_rows: None,
        }
    }

    pub fn expecting(mut self, rows: u64) -> Self {
        self.expect_rows = Some(rows);
        self
    }
}

/// Binds `Bind` values onto a sqlx query of either backend.
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                $crate::ledger::change::Bind::Text(v) => q.bind(v.clone()),
                $crate::ledger::change::Bind::OptText(v) => q.bind(v.clone()),
                $crate::ledger::change::Bind::Int(v) => q.bind(*v),
                $crate::ledger::change::Bind::OptInt(v) => q.bind(*v),
                $crate::ledger::change::Bind::OptFloat(v) => q.bind(*v),
                $crate::ledger::change::Bind::Bool(v) => q.bind(*v),
                $crate::ledger::change::Bind::Bytes(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}
pub(crate) use bind_all;
