//! Object storage: one [`BlobStore`] interface, a directory (default) and any S3-compatible
//! store.
//!
//! Keys are `/`-separated paths made by the application (`public/…` for image variants that
//! anyone may fetch, `private/…` for originals and documents). Both stores behave alike,
//! which `tests/storage_contract.rs` checks against each.

pub mod dir;
pub mod s3;

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid object key: {0}")]
    InvalidKey(String),
    #[error("object store unavailable: {0}")]
    Unavailable(String),
}

pub type StorageResult<T> = Result<T, StorageError>;

/// One stored object, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    pub modified: DateTime<Utc>,
}

/// Where photos and documents live.
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// `directory` or `s3`, for status pages and logs.
    fn name(&self) -> &'static str;

    /// Stores `bytes` under `key`, replacing what was there. When it returns `Ok`, the object
    /// is durable and readable.
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> StorageResult<()>;

    /// The object's bytes, or `None` when there is no such object.
    async fn get(&self, key: &str) -> StorageResult<Option<Bytes>>;

    /// Whether the object exists.
    async fn exists(&self, key: &str) -> StorageResult<bool>;

    /// Removes the object; removing a missing object is not an error.
    async fn delete(&self, key: &str) -> StorageResult<()>;

    /// Every object whose key starts with `prefix`.
    async fn list(&self, prefix: &str) -> StorageResult<Vec<ObjectInfo>>;

    /// A URL that lets its holder download the object for `ttl`, when the store can sign one
    /// (S3); `None` when downloads must go through the application (directory).
    async fn signed_url(
        &self,
        key: &str,
        ttl: Duration,
        download_name: &str,
    ) -> StorageResult<Option<String>>;
}

/// Keys are ASCII paths of lowercase letters, digits, `-`, `_`, `.` and `/`, with no empty,
/// `.` or `..` segment: safe as file paths and as URL paths without escaping.
pub fn check_key(key: &str) -> StorageResult<()> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
                })
        });
    if ok {
        Ok(())
    } else {
        Err(StorageError::InvalidKey(key.chars().take(80).collect()))
    }
}

/// The content type of a stored object, from its key's extension.
pub fn content_type_of(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("webp") => "image/webp",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// `attachment` with the file's name, ASCII fallback plus RFC 5987 UTF-8 form.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = crate::domain::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_safe_paths() {
        assert!(check_key("public/img/ab/abcdef-320.webp").is_ok());
        for bad in [
            "", "/abs", "a//b", "a/../b", "./a", "a/", "A/b", "a b", "a\\b", "ả",
        ] {
            assert!(check_key(bad).is_err(), "{bad:?} accepted");
        }
    }
}
