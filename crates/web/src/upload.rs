//! Multipart forms with files (citizen-report attachments, rectification evidence) and file
//! downloads: one reader and one download answer for every upload path.

use crate::error::ApiError;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use qinglian_core::Msg;
use qinglian_store::reports::NewAttachment;

/// A multipart form: text fields in order (a name may repeat) and the non-empty files.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub fields: Vec<(String, String)>,
    /// `(field name, file)`.
    pub files: Vec<(String, NewAttachment)>,
}

impl UploadForm {
    /// The first value of a text field, trimmed.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Like [`Self::text`], absent when empty.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.text(name).filter(|s| !s.is_empty()).map(str::to_owned)
    }

    /// Every non-empty value of a repeated text field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The files sent under any of these field names.
    pub fn take_files(&mut self, names: &[&str]) -> Vec<NewAttachment> {
        let (take, keep) = std::mem::take(&mut self.files)
            .into_iter()
            .partition(|(n, _)| names.contains(&n.as_str()));
        self.files = keep;
        take.into_iter().map(|(_, f)| f).collect()
    }
}

fn form_error(e: MultipartError) -> ApiError {
    ApiError {
        status: e.status(),
        msg: Msg::new(
            "BAD_BODY",
            format!("表单无效或过大：{}", e.body_text()),
            format!("invalid or oversized form: {}", e.body_text()),
        ),
    }
}

/// Reads the whole form. A part with a file name is a file; browsers send an empty one for a
/// file input left empty, which is skipped.
pub async fn read_form(mut m: Multipart) -> Result<UploadForm, ApiError> {
    let mut form = UploadForm::default();
    while let Some(field) = m.next_field().await.map_err(form_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let media_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = field.bytes().await.map_err(form_error)?;
        match file_name {
            Some(file_name) if !bytes.is_empty() => form.files.push((
                name,
                NewAttachment {
                    name: file_name,
                    media_type,
                    content: bytes.to_vec(),
                },
            )),
            Some(_) => {}
            None => form
                .fields
                .push((name, String::from_utf8_lossy(&bytes).trim().to_owned())),
        }
    }
    Ok(form)
}

/// Percent-encodes all but unreserved characters (RFC 5987 `filename*`).
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A stored file as a download: always `attachment` and `application/octet-stream`, so an
/// uploaded file is never rendered by the browser under our origin. `ascii_name` is the
/// fallback name, `name` the original (UTF-8) one.
pub fn download(ascii_name: &str, name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        pct(name)
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_are_attachments_with_both_names() {
        let r = download("item-C-1-1", "整改 报告.pdf", b"x".to_vec());
        let d = r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(d.starts_with("attachment; filename=\"item-C-1-1\""), "{d}");
        assert!(d.contains("filename*=UTF-8''%E6%95%B4%E6%94%B9%20"), "{d}");
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/octet-stream"
        );
    }

    #[test]
    fn fields_and_files_by_name() {
        let mut f = UploadForm {
            fields: vec![
                ("grade".into(), "partly".into()),
                ("evidence".into(), "a".into()),
                ("evidence".into(), String::new()),
                ("evidence".into(), "b".into()),
            ],
            files: vec![(
                "file".into(),
                NewAttachment {
                    name: "a.pdf".into(),
                    media_type: "application/pdf".into(),
                    content: vec![1],
                },
            )],
        };
        assert_eq!(f.text("grade"), Some("partly"));
        assert_eq!(f.opt("note"), None);
        assert_eq!(f.all("evidence"), vec!["a", "b"]);
        assert_eq!(f.take_files(&["other"]).len(), 0);
        assert_eq!(f.take_files(&["file"]).len(), 1);
        assert!(f.files.is_empty());
    }
}
