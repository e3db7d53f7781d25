//! One error type for the whole application, with stable codes.
//!
//! Every error carries a [`Code`] from the one list in `domain::code`; the code's kind gives
//! the HTTP status. The API renders it as `{"error": {"code", "message", "kind", "field",
//! "link"}}`; pages render it as a page. Messages come from the locale files in the request's
//! language; internals are logged, never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::{Code, Invalid};
use crate::i18n::{self, t};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("sign-in required")]
    Unauthenticated,
    #[error("wrong sign-in name or password")]
    WrongCredentials,
    #[error("forbidden")]
    Forbidden,
    /// A state-changing request with a session but without the browser's same-site
    /// signals or the session's form token (`X-CSRF-Token`).
    #[error("form token missing")]
    CsrfTokenMissing,
    #[error("not found")]
    NotFound,
    /// A unique value already taken (a code of kind `taken`), or a state that does not allow
    /// the action (kind `state`).
    #[error("conflict: {code}")]
    Conflict {
        field: Option<&'static str>,
        code: Code,
    },
    #[error("bad request: {0}")]
    BadRequest(Code),
    /// Too many attempts; `code` says at what (`auth.rate_limited`, `register.rate_limited`, `request.rate_limited`).
    #[error("too many attempts")]
    RateLimited { code: Code, retry_after_secs: u64 },
    #[error("search is unavailable")]
    SearchUnavailable,
    #[error("request body too large")]
    TooLarge,
    /// An uploaded file over its size limit.
    #[error("file too large")]
    FileTooLarge,
    #[error("object store unavailable")]
    StorageUnavailable,
    /// The database does not answer (restarting, unreachable, every connection busy): the
    /// request changed nothing and may be tried again.
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(String),
    /// No browser to print PDFs with, or printing failed.
    #[error("printing unavailable")]
    PrintUnavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if database_unreachable(&e) {
            AppError::DatabaseUnavailable(e.to_string())
        } else {
            AppError::Internal(anyhow::Error::new(e))
        }
    }
}

/// Whether the error says the database cannot be reached now (rather than that a statement
/// was wrong): no connection to be had, a connection lost, the server shutting down or
/// starting, or SQLite's write lock held past the busy timeout.
fn database_unreachable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            match s.as_ref() {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => true,
                // PostgreSQL: connection exceptions, shutting down, starting up; SQLite:
                // busy, locked.
                Sqlx::Database(d) => matches!(
                    d.code().as_deref(),
                    Some(
                        "08000"
                            | "08001"
                            | "08003"
                            | "08004"
                            | "08006"
                            | "57P01"
                            | "57P02"
                            | "57P03"
                            | "5"
                            | "6"
                            | "517"
                    )
                ),
                _ => false,
            }
        }
        _ => false,
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A value that must be unique is already used (`code` of kind `taken`), or a limit or
    /// state tied to one field.
    pub fn conflict(field: &'static str, code: Code) -> Self {
        AppError::Conflict {
            field: Some(field),
            code,
        }
    }

    /// The record's state does not allow the move (`code` of kind `state`).
    pub fn state(code: Code) -> Self {
        AppError::Conflict { field: None, code }
    }

    /// Decided by the code's kind, so a code answers with one status wherever it is raised.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().kind().http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The stable code clients match on; also the message key.
    pub fn code(&self) -> Code {
        match self {
            AppError::Invalid(inv) => inv.0.first().map_or(Code::Invalid, |e| e.code),
            AppError::Unauthenticated => Code::AuthRequired,
            AppError::WrongCredentials => Code::AuthWrongCredentials,
            AppError::Forbidden => Code::AuthForbidden,
            AppError::CsrfTokenMissing => Code::AuthCsrfToken,
            AppError::NotFound => Code::NotFound,
            AppError::Conflict { code, .. }
            | AppError::BadRequest(code)
            | AppError::RateLimited { code, .. } => *code,
            AppError::TooLarge => Code::RequestTooLarge,
            AppError::FileTooLarge => Code::FileTooLarge,
            AppError::StorageUnavailable => Code::StorageUnavailable,
            AppError::DatabaseUnavailable(_) => Code::DatabaseUnavailable,
            AppError::PrintUnavailable => Code::PrintUnavailable,
            AppError::SearchUnavailable => Code::SearchUnavailable,
            AppError::Internal(_) => Code::Internal,
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::Invalid(inv) => inv.0.first().map(|e| e.field),
            AppError::Conflict { field, .. } => *field,
            AppError::WrongCredentials => Some("login"),
            AppError::FileTooLarge => Some("file"),
            _ => None,
        }
    }

    fn log(&self) {
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::DatabaseUnavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
            }
            _ => {}
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `tax_code.check_digit`, `auth.required`, `not_found`; every code is
    /// listed with its status and messages on `/api/docs`.
    #[schema(schema_with = code_schema)]
    pub code: Code,
    /// Human message in the request's language (Vietnamese unless `Accept-Language: en`).
    pub message: String,
    /// What sort of problem: `invalid` (422), `taken` (409, a unique value already used),
    /// `state` (409, the record's state does not allow it), `not_found`, … — the status follows
    /// from it.
    #[schema(schema_with = kind_schema)]
    pub kind: &'static str,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Where the code is explained.
    pub link: String,
    /// Every field error, when the input had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldDetail>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldDetail {
    pub field: String,
    #[schema(schema_with = code_schema)]
    pub code: Code,
    pub message: String,
}

fn string_enum(values: impl IntoIterator<Item = &'static str>) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values))
        .build()
}

fn code_schema() -> utoipa::openapi::Object {
    string_enum(Code::ALL.iter().map(|c| c.as_str()))
}

fn kind_schema() -> utoipa::openapi::Object {
    string_enum(crate::domain::Kind::ALL.iter().map(|k| k.as_str()))
}

/// The message for `code` in `lang`.
pub fn message(lang: i18n::Lang, code: Code) -> &'static str {
    t(lang, &code.message_key())
}

/// Errors of the JSON API.
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        err.log();
        let lang = i18n::current();
        let details = match &err {
            AppError::Invalid(inv) if inv.0.len() > 1 => inv
                .0
                .iter()
                .map(|e| FieldDetail {
                    field: e.field.into(),
                    code: e.code,
                    message: message(lang, e.code).into(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: err.code(),
                message: message(lang, err.code()).into(),
                kind: err.code().kind().as_str(),
                field: err.field().map(Into::into),
                link: err.code().link(),
                details,
            },
        };
        let mut response = (err.status(), Json(body)).into_response();
        if let AppError::RateLimited {
            retry_after_secs, ..
        } = err
        {
            response
                .headers_mut()
                .insert("retry-after", retry_after_secs.into());
        }
        response
    }
}

/// Axum's own extractor failures (malformed JSON, wrong content type) in our error format.
pub fn rejection(status: StatusCode) -> ApiError {
    ApiError(match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest(Code::RequestContentType),
        _ => AppError::BadRequest(Code::RequestMalformed),
    })
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        rejection(r.status()).0
    }
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(_: axum::extract::rejection::QueryRejection) -> Self {
        AppError::BadRequest(Code::RequestMalformed)
    }
}

impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        AppError::NotFound
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Kind;
    use crate::i18n::Lang;

    #[test]
    fn every_code_has_a_vietnamese_and_an_english_message() {
        for code in Code::ALL {
            for lang in [Lang::Vi, Lang::En] {
                let text = crate::i18n::lookup(lang, &code.message_key());
                assert!(
                    text.is_some_and(|t| !t.trim().is_empty()),
                    "{code} has no {} message",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn every_error_message_belongs_to_a_code() {
        for lang in [Lang::Vi, Lang::En] {
            for key in crate::i18n::keys(lang) {
                let Some(code) = key.strip_prefix("error.") else {
                    continue;
                };
                if code.starts_with("title.") {
                    continue;
                }
                assert!(Code::parse(code).is_some(), "{key} names no code");
            }
        }
    }

    #[test]
    fn every_status_a_code_answers_with_has_a_page_title() {
        for kind in Kind::ALL {
            let key = format!("error.title.{}", kind.http_status());
            for lang in [Lang::Vi, Lang::En] {
                assert!(crate::i18n::lookup(lang, &key).is_some(), "{key} missing");
            }
        }
    }

    #[test]
    fn a_taken_value_and_a_wrong_state_are_both_conflicts_of_different_kinds() {
        let taken = AppError::conflict("tax_code", Code::TaxCodeTaken);
        let state = AppError::state(Code::RequestTransition);
        assert_eq!(taken.status(), StatusCode::CONFLICT);
        assert_eq!(state.status(), StatusCode::CONFLICT);
        assert_eq!(taken.code().kind(), Kind::Taken);
        assert_eq!(state.code().kind(), Kind::State);
    }
}
