//! The one error type of the web layer: a status plus a bilingual [`Msg`], rendered as
//! `{"error":{"code","zh","en"}}`. Internal details go to the log, never to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qinglian_core::Msg;
use qinglian_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub msg: Msg,
}

/// The JSON body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `NOT_FOUND`.
    #[schema(example = "NOT_FOUND")]
    pub code: String,
    /// Chinese text (shown first).
    pub zh: String,
    /// English text.
    pub en: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, zh: &str, en: &str) -> Self {
        ApiError {
            status,
            msg: Msg::new(code, zh, en),
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "未登录或凭据无效，请登录或提供有效的 API 令牌",
            "not signed in or invalid credentials: sign in or send a valid API token",
        )
    }

    /// Also the answer for objects outside the caller's jurisdiction, so existence does not leak.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "记录不存在",
            "not found",
        )
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "CSRF_FAILED",
            "缺少或错误的 CSRF 令牌（X-CSRF-Token）",
            "missing or wrong CSRF token (X-CSRF-Token)",
        )
    }

    pub fn bad_request(msg: Msg) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            msg,
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "服务器内部错误，请稍后重试或联系管理员",
            "internal server error: try again later or contact the administrator",
        )
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.msg.code.to_owned(),
                zh: self.msg.zh.clone(),
                en: self.msg.en.clone(),
            },
        }
    }
}

/// The HTTP status of a store refusal, by its code: a role that may not act is 403, a step the
/// state machine refuses or a duplicate is 409, anything else the caller sent is 400.
fn refusal_status(code: &str) -> StatusCode {
    if code.ends_with("_FORBIDDEN") {
        StatusCode::FORBIDDEN
    } else if code.contains("ILLEGAL")
        || matches!(code, "CLUE_EXISTS" | "REPORT_FINAL" | "CLUE_ITEMS_OPEN")
    {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(m) => {
                let mut err = ApiError::bad_request(m);
                err.status = refusal_status(err.msg.code);
                err
            }
            StoreError::NotFound(_) => ApiError::not_found(),
            other => {
                tracing::error!(code = other.code(), error = %other, "store error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"qinglian\""),
            );
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn renders_bilingual_json_with_status() {
        let res = ApiError::not_found().into_response();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "NOT_FOUND");
        assert_eq!(v["error"]["zh"], "记录不存在");
        assert_eq!(v["error"]["en"], "not found");
    }

    #[test]
    fn unauthenticated_asks_for_bearer() {
        let res = ApiError::unauthenticated().into_response();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(
            res.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }

    #[test]
    fn store_errors_map_to_statuses() {
        let bad: ApiError = StoreError::Invalid(Msg::new("BAD_DIVISION_CODE", "坏", "bad")).into();
        assert_eq!(
            (bad.status, bad.msg.code),
            (StatusCode::BAD_REQUEST, "BAD_DIVISION_CODE")
        );
        let role: ApiError = StoreError::Invalid(Msg::new("CLUE_FORBIDDEN", "否", "no")).into();
        assert_eq!(role.status, StatusCode::FORBIDDEN);
        let step: ApiError =
            StoreError::Invalid(Msg::new("CLUE_ILLEGAL_TRANSITION", "否", "no")).into();
        assert_eq!(step.status, StatusCode::CONFLICT);
        let nf: ApiError = StoreError::NotFound("x".into()).into();
        assert_eq!(nf.status, StatusCode::NOT_FOUND);
        let db: ApiError = StoreError::Connect("secret detail".into()).into();
        assert_eq!(db.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!db.msg.en.contains("secret"));
    }
}
