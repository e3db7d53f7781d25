//! Objects in the store: their keys, processing uploads into them, and releasing them
//! once no row refers to them; and who may upload at all.

use crate::context::AppState;
use crate::db::entities::{document, enterprise, photo};
use crate::domain::photo::StoredVariant;
use crate::error::{AppError, AppResult};
use crate::media::{self, FileKind};
use crate::services::Actor;
use crate::services::catalogue::product_for_change;
use crate::storage::BlobStore;
use bytes::Bytes;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::Arc;

/// A public image variant, by its path under `/media/` (`img/ab/…-640.webp`): anyone may
/// read these, as every page links them. `NotFound` for a path that names no public
/// object; `StorageUnavailable` while the store does not answer.
pub async fn public_variant(state: &AppState, path: &str) -> AppResult<(String, Bytes)> {
    let key = format!("public/{path}");
    if crate::storage::check_key(&key).is_err() {
        return Err(AppError::NotFound);
    }
    match state.store.get(&key).await {
        Ok(Some(bytes)) => Ok((key, bytes)),
        Ok(None) => Err(AppError::NotFound),
        Err(e) => {
            tracing::error!(key, error = %e, "object store");
            Err(AppError::StorageUnavailable)
        }
    }
}

pub(super) fn public_key(version_hash: &str, width: u32, ext: &str) -> String {
    format!(
        "public/img/{}/{}-{width}.{ext}",
        &version_hash[..2],
        &version_hash[..32]
    )
}

pub(super) fn original_key(hash: &str, kind: FileKind) -> String {
    format!(
        "private/originals/{}/{hash}.{}",
        &hash[..2],
        kind.extension()
    )
}

/// Decodes and resizes on a blocking thread, at most `image_workers` at once, so that page
/// serving never waits behind image work.
pub(super) async fn process(state: &AppState, bytes: Bytes) -> AppResult<media::ProcessedPhoto> {
    // Cheap checks first, without a permit: refused files never queue.
    media::check_photo(&bytes)?;
    let _permit = state
        .image_permits
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || media::process_photo(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::from)
}

/// Writes all objects of a processed photo; on failure removes what it wrote.
pub(super) async fn store_photo(
    store: &Arc<dyn BlobStore>,
    photo: &media::ProcessedPhoto,
) -> AppResult<(String, Vec<StoredVariant>)> {
    let version_hash =
        media::sha256_hex(format!("{}:{}", media::PIPELINE_VERSION, photo.hash).as_bytes());
    let original = original_key(&photo.hash, photo.kind);
    let mut objects: Vec<(String, Bytes, &'static str)> = vec![(
        original.clone(),
        Bytes::from(photo.original.clone()),
        photo.kind.content_type(),
    )];
    let mut stored = Vec::new();
    for v in &photo.variants {
        let key = public_key(&version_hash, v.width, v.format.extension());
        stored.push(StoredVariant {
            width: v.width,
            height: v.height,
            format: v.format.as_str().into(),
            key: key.clone(),
            bytes: v.bytes.len() as u64,
        });
        objects.push((
            key,
            Bytes::from(v.bytes.clone()),
            crate::storage::content_type_of(&format!(".{}", v.format.extension())),
        ));
    }
    put_all(store, objects).await?;
    Ok((original, stored))
}

/// Stores objects concurrently; all or none (what was written is removed on failure).
pub(super) async fn put_all(
    store: &Arc<dyn BlobStore>,
    objects: Vec<(String, Bytes, &'static str)>,
) -> AppResult<()> {
    let mut tasks = tokio::task::JoinSet::new();
    let keys: Vec<String> = objects.iter().map(|(k, _, _)| k.clone()).collect();
    for (key, bytes, content_type) in objects {
        let store = store.clone();
        tasks.spawn(async move { store.put(&key, bytes, content_type).await });
    }
    let mut failure = None;
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failure = Some(AppError::from(e)),
            Err(e) => failure = Some(AppError::Internal(e.into())),
        }
    }
    match failure {
        None => Ok(()),
        Some(e) => {
            for key in keys {
                let _ = store.delete(&key).await;
            }
            Err(e)
        }
    }
}

/// Every object key a photo row refers to.
pub fn photo_keys(p: &photo::Model) -> Vec<String> {
    let mut keys = vec![p.original_key.clone()];
    if let Ok(stored) = serde_json::from_str::<Vec<StoredVariant>>(&p.variants) {
        keys.extend(stored.into_iter().map(|v| v.key));
    }
    keys
}

/// Deletes the objects of removed photos unless another photo still uses them.
pub(super) async fn release_photos(state: &AppState, removed: &[photo::Model]) {
    for p in removed {
        let still_used = photo::Entity::find()
            .filter(photo::Column::Hash.eq(&p.hash))
            .count(&state.db)
            .await
            .unwrap_or(1)
            > 0;
        if still_used {
            continue;
        }
        for key in photo_keys(p) {
            if let Err(e) = state.store.delete(&key).await {
                tracing::warn!(key, error = %e, "object left for storage gc");
            }
        }
    }
}

pub(super) async fn release_documents(state: &AppState, removed: &[document::Model]) {
    for d in removed {
        let still_used = document::Entity::find()
            .filter(document::Column::ObjectKey.eq(&d.object_key))
            .count(&state.db)
            .await
            .unwrap_or(1)
            > 0;
        if !still_used && let Err(e) = state.store.delete(&d.object_key).await {
            tracing::warn!(key = d.object_key, error = %e, "object left for storage gc");
        }
    }
}

/// Releases the objects of rows already deleted.
pub async fn release(state: &AppState, photos: &[photo::Model], documents: &[document::Model]) {
    release_photos(state, photos).await;
    release_documents(state, documents).await;
}

pub(super) async fn require_manage(
    db: &DatabaseConnection,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<()> {
    enterprise::Entity::find_by_id(enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::services::catalogue::require_manage(db, actor, enterprise_id).await
}

/// Where an upload goes.
#[derive(Clone, Copy, Debug)]
pub enum UploadTarget {
    ProductPhoto(i32),
    ProductDocument(i32),
    EnterpriseLogo(i32),
    EnterpriseDocument(i32),
}

/// Whether the actor may upload there, asked before the request body is read: a refused
/// upload costs the server no bandwidth, memory or disk. The use case checks again.
pub async fn may_upload(state: &AppState, actor: &Actor, target: UploadTarget) -> AppResult<()> {
    match target {
        UploadTarget::ProductPhoto(id) | UploadTarget::ProductDocument(id) => {
            product_for_change(&state.db, actor, id).await.map(drop)
        }
        UploadTarget::EnterpriseLogo(id) | UploadTarget::EnterpriseDocument(id) => {
            require_manage(&state.db, actor, id).await
        }
    }
}
