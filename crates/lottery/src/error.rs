//! Errors. Every message is Chinese first with English beside, and names the artefact and,
//! for parse errors, the 1-based line, so a parent or auditor can find the fault by hand.

use thiserror::Error;

/// A strict-parser rejection: which artefact, which line (0 = the file as a whole), and why.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{artefact} 第 {line} 行：{zh} / {artefact} line {line}: {en}")]
pub struct FormatError {
    pub artefact: &'static str,
    pub line: usize,
    pub zh: String,
    pub en: String,
}

impl FormatError {
    pub fn new(
        artefact: &'static str,
        line: usize,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            artefact,
            line,
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// Errors of the library API.
#[derive(Debug, Error)]
pub enum LotteryError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("公民身份号码无效：{zh} / invalid citizen ID: {en}")]
    CitizenId { zh: String, en: String },
    #[error("盐值须为 32 位小写十六进制 / salt must be 32 lowercase hex characters")]
    BadSalt,
    #[error("抽签规则不一致：{zh} / inconsistent lottery rules: {en}")]
    Rules { zh: String, en: String },
    #[error("信标无效：{0}")]
    Beacon(#[from] crate::beacon::BeaconError),
    #[error("读写 {path} 失败 / I/O error on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("无法生成随机盐值 / cannot obtain OS randomness for a salt: {0}")]
    Entropy(String),
}

impl LotteryError {
    pub fn rules(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Rules {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

pub type Result<T, E = LotteryError> = std::result::Result<T, E>;
