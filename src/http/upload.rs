//! Reading `multipart/form-data` uploads (the API and the pages' plain forms alike), and
//! serving what was uploaded.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::context::AppState;
use crate::domain::Code;
use crate::error::AppError;
use crate::http::headers::UPLOAD_CSP;
use crate::media::{MAX_PHOTO_BYTES, sha256_hex};
use crate::services::media::Download;
use crate::storage::content_type_of;

/// Largest request body on an upload route: the largest file plus the form's other fields.
pub const UPLOAD_BODY_LIMIT: usize = MAX_PHOTO_BYTES + 512 * 1024;

/// One uploaded file.
pub struct UploadedFile {
    pub file_name: String,
    pub bytes: Bytes,
}

/// A multipart form: its files (every part with a file name) and its text fields.
#[derive(Default)]
pub struct Upload {
    pub files: Vec<UploadedFile>,
    pub fields: HashMap<String, String>,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// A field holding a record's id: none when empty, a 422 naming the field (`code`) when
    /// it is not a number.
    pub fn id_field(&self, name: &'static str, code: Code) -> Result<Option<i32>, AppError> {
        match self.field(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| crate::domain::Invalid::one(name, code).into()),
        }
    }

    /// The first file, or a 422 naming the `file` field.
    pub fn file(&mut self) -> Result<UploadedFile, AppError> {
        if self.files.is_empty() {
            return Err(crate::domain::Invalid::one("file", Code::FileMissing).into());
        }
        Ok(self.files.remove(0))
    }
}

fn multipart_error(e: &MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::FileTooLarge
    } else {
        AppError::BadRequest(Code::RequestMalformed)
    }
}

/// Reads the whole form. An empty file part (a form sent with no file chosen) is skipped.
pub async fn read(mut multipart: Multipart) -> Result<Upload, AppError> {
    let mut upload = Upload::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
            if !bytes.is_empty() || !file_name.is_empty() {
                upload.files.push(UploadedFile { file_name, bytes });
            }
        } else {
            let text = field.text().await.map_err(|e| multipart_error(&e))?;
            if text.len() <= 10_000 {
                upload.fields.insert(name, text);
            }
        }
    }
    Ok(upload)
}

/// `GET /media/{*key}`: public image variants. Keys are content-addressed, so a response
/// never changes and may be cached for a year. They were made from what people uploaded,
/// so they carry the upload policy: nothing in them loads or runs.
pub async fn serve_media(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let etag = format!(
        "\"{}\"",
        &sha256_hex(format!("public/{path}").as_bytes())[..16]
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
        && crate::storage::check_key(&format!("public/{path}")).is_ok()
    {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, IMMUTABLE.into()),
                (header::CONTENT_SECURITY_POLICY, UPLOAD_CSP.into()),
            ],
        )
            .into_response();
    }
    match crate::services::media::public_variant(&state, &path).await {
        Ok((key, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type_of(&key).to_string()),
                (header::CACHE_CONTROL, IMMUTABLE.into()),
                (header::ETAG, etag),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
                (header::CONTENT_SECURITY_POLICY, UPLOAD_CSP.into()),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Err(AppError::StorageUnavailable) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "30")],
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A document for an authorised reader: a redirect to a short-lived signed link (S3), or
/// the file itself, as an attachment that the browser never runs.
pub fn download_response(download: Download) -> Response {
    match download {
        Download::Redirect(url) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&url) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(UPLOAD_CSP),
            );
            response
        }
        Download::File {
            bytes,
            content_type,
            file_name,
        } => {
            let disposition = crate::storage::content_disposition(&file_name);
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "private, no-store".into()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
                    (header::CONTENT_SECURITY_POLICY, UPLOAD_CSP.into()),
                ],
                Body::from(bytes),
            )
                .into_response()
        }
    }
}
