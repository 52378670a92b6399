//! Errors of the screening engine: every one carries a stable code and Chinese and English text.

use qinglian_core::Msg;
use std::fmt;

/// What went wrong, for people (zh first) and for scripts (`code`).
#[derive(Debug, Clone, PartialEq)]
pub enum ScreenError {
    /// An indicator, override or fixture file is not valid; every problem found is listed.
    Invalid { file: String, errors: Vec<Msg> },
    /// Anything else, one message.
    Msg(Msg),
}

impl ScreenError {
    pub fn msg(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ScreenError::Msg(Msg::new(code, zh, en))
    }

    /// The stable machine code (for `Invalid`, the code of the first problem).
    pub fn code(&self) -> &'static str {
        match self {
            ScreenError::Invalid { errors, .. } => errors.first().map_or("IND_INVALID", |m| m.code),
            ScreenError::Msg(m) => m.code,
        }
    }

    /// Every message, for JSON output.
    pub fn messages(&self) -> Vec<Msg> {
        match self {
            ScreenError::Invalid { errors, .. } => errors.clone(),
            ScreenError::Msg(m) => vec![m.clone()],
        }
    }
}

impl fmt::Display for ScreenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScreenError::Invalid { file, errors } => {
                write!(
                    f,
                    "{file}：{} 处错误 / {} error(s)",
                    errors.len(),
                    errors.len()
                )?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
            ScreenError::Msg(m) => m.fmt(f),
        }
    }
}

impl std::error::Error for ScreenError {}

impl From<Msg> for ScreenError {
    fn from(m: Msg) -> Self {
        ScreenError::Msg(m)
    }
}

pub type Result<T, E = ScreenError> = std::result::Result<T, E>;
