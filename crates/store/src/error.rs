use qinglian_core::Msg;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("无法连接数据库 / cannot connect to the database: {0}")]
    Connect(String),
    #[error(
        "数据库地址无效（应以 sqlite: 或 postgres:// 开头）/ unsupported database URL (expected sqlite: or postgres://): {0}"
    )]
    BadUrl(String),
    #[error("数据库迁移失败 / migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据库错误 / database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(Msg),
    #[error("记录不存在 / not found: {0}")]
    NotFound(String),
}

impl StoreError {
    pub(crate) fn connect(e: impl std::fmt::Display) -> Self {
        // sqlx errors never carry the password, but the URL we were given might; say only what failed.
        StoreError::Connect(e.to_string())
    }

    /// Stable machine code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Connect(_) => "DB_CONNECT",
            StoreError::BadUrl(_) => "DB_BAD_URL",
            StoreError::Migrate(_) => "DB_MIGRATE",
            StoreError::Db(_) => "DB_ERROR",
            StoreError::Invalid(m) => m.code,
            StoreError::NotFound(_) => "NOT_FOUND",
        }
    }
}

impl From<Msg> for StoreError {
    fn from(m: Msg) -> Self {
        StoreError::Invalid(m)
    }
}
