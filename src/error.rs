//! One error type for the whole application, with stable codes.
//!
//! The API renders it as `{"error": {"code", "message", "field"}}`; pages render it as a
//! page. Messages come from the locale files in the request's language; internals are
//! logged, never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::Invalid;
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
    /// A unique value already taken, or a state that does not allow the action.
    #[error("conflict: {code}")]
    Conflict {
        field: Option<&'static str>,
        code: &'static str,
    },
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// Too many attempts; `code` says at what (`auth.rate_limited`, `register.rate_limited`, `request.rate_limited`).
    #[error("too many attempts")]
    RateLimited {
        code: &'static str,
        retry_after_secs: u64,
    },
    #[error("search is unavailable")]
    SearchUnavailable,
    #[error("request body too large")]
    TooLarge,
    /// An uploaded file over its size limit.
    #[error("file too large")]
    FileTooLarge,
    #[error("object store unavailable")]
    StorageUnavailable,
    /// No browser to print PDFs with, or printing failed.
    #[error("printing unavailable")]
    PrintUnavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn conflict(field: &'static str, code: &'static str) -> Self {
        AppError::Conflict {
            field: Some(field),
            code,
        }
    }

    pub fn state(code: &'static str) -> Self {
        AppError::Conflict { field: None, code }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated | AppError::WrongCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfTokenMissing => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge | AppError::FileTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::StorageUnavailable | AppError::PrintUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::SearchUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients match on; also the message key.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(inv) => inv.0.first().map_or("invalid", |e| e.code),
            AppError::Unauthenticated => "auth.required",
            AppError::WrongCredentials => "auth.wrong_credentials",
            AppError::Forbidden => "auth.forbidden",
            AppError::CsrfTokenMissing => "auth.csrf_token",
            AppError::NotFound => "not_found",
            AppError::Conflict { code, .. } => code,
            AppError::BadRequest(code) => code,
            AppError::RateLimited { code, .. } => code,
            AppError::TooLarge => "request.too_large",
            AppError::FileTooLarge => "file.too_large",
            AppError::StorageUnavailable => "storage.unavailable",
            AppError::PrintUnavailable => "print.unavailable",
            AppError::SearchUnavailable => "search.unavailable",
            AppError::Internal(_) => "internal",
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
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `tax_code.check_digit`, `auth.required`, `not_found`.
    pub code: String,
    /// Human message in the request's language (Vietnamese unless `Accept-Language: en`).
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field error, when the input had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldDetail>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldDetail {
    pub field: String,
    pub code: String,
    pub message: String,
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
                    code: e.code.into(),
                    message: t(lang, &format!("error.{}", e.code)).into(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: err.code().into(),
                message: t(lang, &format!("error.{}", err.code())).into(),
                field: err.field().map(Into::into),
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
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::BadRequest("request.content_type"),
        _ => AppError::BadRequest("request.malformed"),
    })
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        rejection(r.status()).0
    }
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(_: axum::extract::rejection::QueryRejection) -> Self {
        AppError::BadRequest("request.malformed")
    }
}

impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(_: axum::extract::rejection::PathRejection) -> Self {
        AppError::NotFound
    }
}
