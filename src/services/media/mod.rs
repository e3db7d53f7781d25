//! Product photos, enterprise logos and certificate documents.
//!
//! Objects are written to the blob store first and their rows after, in one transaction
//! with the audit entry: a failed write leaves no row pointing at a missing object, and a
//! failed row leaves at most an orphan object that `storage gc` removes. Objects are
//! content-addressed, so two rows may share them; an object is deleted only when no row
//! refers to it any more.

mod documents;
mod logos;
mod objects;
mod photos;

pub use documents::*;
pub use logos::*;
pub use objects::*;
pub use photos::*;
use std::time::Duration;

use crate::domain::Invalid;
use crate::error::AppError;
use crate::media::Refusal;
use crate::storage::StorageError;

/// Photos a product may have.
pub const MAX_PHOTOS: u64 = 12;

/// Documents an enterprise may keep (its own and its products').
pub const MAX_DOCUMENTS: u64 = 50;

/// How long a signed document link works.
pub const SIGNED_URL_TTL: Duration = Duration::from_secs(300);

pub use crate::domain::photo::{ImageVariant, MEDIA_PATH, PhotoView, StoredVariant};

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::TooLarge { .. } => AppError::FileTooLarge,
            other => Invalid::one("file", other.code()).into(),
        }
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        tracing::error!(error = %e, "object store");
        AppError::StorageUnavailable
    }
}
