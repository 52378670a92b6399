//! Errors with a stable code and Chinese text first, English beside it.

use crate::model::LetterKind;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "机关简称“{0}”不能用于文书编号（不能为空、不能含空白或〔〕） / issuer short name {0:?} cannot be used in a letter number (empty, whitespace or 〔〕)"
    )]
    BadShortName(String),
    #[error("文书序号必须大于 0 / the letter sequence must be at least 1")]
    ZeroSequence,
    #[error("年份 {0} 超出范围（1000–9999） / year {0} out of range (1000–9999)")]
    BadYear(i32),
    #[error("《{}》必须写明关键岗位 / a {} needs a key post", .0.title_zh(), .0.as_str())]
    MissingPost(LetterKind),
    #[error("《{}》必须写明收件人姓名 / a {} needs the recipient's name", .0.title_zh(), .0.as_str())]
    MissingPerson(LetterKind),
    #[error("必填项“{zh}”为空 / required field {en} is empty")]
    EmptyField { zh: &'static str, en: &'static str },
    #[error(
        "指标目录中没有适用于{unit_kind}单位“{area}”岗位的风险点 / no indicator in the catalogue applies to this unit kind and key area"
    )]
    NoMatchingIndicators {
        unit_kind: &'static str,
        area: &'static str,
    },
    #[error("提醒函至少需要一条排查提示 / a reminder letter needs at least one hit")]
    NoHits,
    #[error("生成 .docx 失败：{0} / writing the .docx failed: {0}")]
    Docx(String),
}

impl Error {
    /// Stable machine code; never translated, never reworded.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadShortName(_) => "LETTER_BAD_SHORT_NAME",
            Error::ZeroSequence => "LETTER_ZERO_SEQUENCE",
            Error::BadYear(_) => "LETTER_BAD_YEAR",
            Error::MissingPost(_) => "LETTER_MISSING_POST",
            Error::MissingPerson(_) => "LETTER_MISSING_PERSON",
            Error::EmptyField { .. } => "LETTER_EMPTY_FIELD",
            Error::NoMatchingIndicators { .. } => "LETTER_NO_INDICATORS",
            Error::NoHits => "LETTER_NO_HITS",
            Error::Docx(_) => "LETTER_DOCX",
        }
    }
}
