//! Bilingual messages: a stable machine code plus Chinese and English text.
//!
//! Users read Chinese first; scripts match on `code`.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Msg {
    /// Stable code such as `IMPORT_BAD_CELL`; never translated, never reworded.
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl Msg {
    pub fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for Msg {
    /// Chinese first, English beside it, as every user-facing text in Qinglian.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} / {}", self.code, self.zh, self.en)
    }
}

impl std::error::Error for Msg {}
