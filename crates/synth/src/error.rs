use std::path::PathBuf;

/// Errors of the generator. Display is Chinese first, then English.
#[derive(thiserror::Error, Debug)]
pub enum SynthError {
    #[error("无法写入文件 {}：{source} / cannot write {}: {source}", .path.display(), .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("无法生成 Excel 文件 {}：{source} / cannot write workbook {}: {source}", .path.display(), .path.display())]
    Xlsx {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("无法生成 JSON 文件 {}：{source} / cannot write JSON {}: {source}", .path.display(), .path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "未知的规模“{0}”：应为 county、city 或 province / unknown scale '{0}': expected county, city or province"
    )]
    UnknownScale(String),
    #[error("内置区划表中找不到 {0} / division {0} is missing from the shipped table")]
    MissingDivision(String),
}

impl SynthError {
    /// Stable machine code, never translated.
    pub fn code(&self) -> &'static str {
        match self {
            SynthError::Io { .. } => "SYNTH_IO",
            SynthError::Xlsx { .. } => "SYNTH_XLSX",
            SynthError::Json { .. } => "SYNTH_JSON",
            SynthError::UnknownScale(_) => "SYNTH_UNKNOWN_SCALE",
            SynthError::MissingDivision(_) => "SYNTH_MISSING_DIVISION",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> SynthError {
        let path = path.into();
        move |source| SynthError::Io { path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_with_anyhow_and_threads() {
        fn check<T: Send + Sync + 'static>() {}
        check::<SynthError>();
    }

    #[test]
    fn chinese_first() {
        let e = SynthError::io("/x/units.csv")(std::io::Error::other("disk full"));
        let s = e.to_string();
        assert!(s.starts_with("无法写入文件 /x/units.csv"), "{s}");
        assert!(s.contains(" / cannot write /x/units.csv: disk full"), "{s}");
        assert_eq!(e.code(), "SYNTH_IO");
    }
}
