//! Product photos, enterprise logos and certificate documents.
//!
//! Objects are written to the blob store first and their rows after, in one transaction
//! with the audit entry: a failed write leaves no row pointing at a missing object, and a
//! failed row leaves at most an orphan object that `storage gc` removes. Objects are
//! content-addressed, so two rows may share them; an object is deleted only when no row
//! refers to it any more.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::catalogue::{
    Change, can_manage, note_change, product_for_change, product_for_change_locked,
};
use super::{Actor, audit, now, search_sync};
use crate::context::AppState;
use crate::db::entities::{document, enterprise, photo, product};
use crate::domain::{Invalid, ProductStatus};
use crate::error::{AppError, AppResult};
use crate::media::{self, FileKind, Refusal};
use crate::storage::{BlobStore, StorageError};

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

// ---------------------------------------------------------------------------------------------
// Views

/// A photo row as served.
fn photo_view(p: &photo::Model) -> PhotoView {
    PhotoView::from_stored(crate::domain::photo::Stored {
        id: p.id,
        position: p.position,
        width: p.width,
        height: p.height,
        alt: &p.alt,
        variants: &p.variants,
        pending: p.pending,
    })
}

/// Kinds of document, by what they prove.
pub const DOCUMENT_KINDS: [&str; 5] = [
    "trademark_certificate",
    "ocop_certificate",
    "food_safety_certificate",
    "business_registration",
    "other",
];

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i32,
    pub enterprise_id: i32,
    pub product_id: Option<i32>,
    /// `trademark_certificate`, `ocop_certificate`, `food_safety_certificate`,
    /// `business_registration` or `other`.
    pub kind: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub verified: bool,
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Members and staff only; answers with the file or a short-lived link to it.
    pub download_url: String,
}

impl DocumentView {
    fn from_row(d: &document::Model) -> Self {
        DocumentView {
            id: d.id,
            enterprise_id: d.enterprise_id,
            product_id: d.product_id,
            kind: d.kind.clone(),
            title: d.title.clone(),
            file_name: d.file_name.clone(),
            content_type: d.content_type.clone(),
            bytes: d.bytes,
            verified: d.verified_at.is_some(),
            verified_at: d.verified_at,
            created_at: d.created_at,
            download_url: format!("/api/v1/documents/{}/file", d.id),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Photos of these products, in order.
pub async fn photos_of_products(
    db: &impl ConnectionTrait,
    product_ids: &[i32],
) -> AppResult<HashMap<i32, Vec<PhotoView>>> {
    let mut out: HashMap<i32, Vec<PhotoView>> = HashMap::new();
    if product_ids.is_empty() {
        return Ok(out);
    }
    let rows = photo::Entity::find()
        .filter(photo::Column::ProductId.is_in(product_ids.to_vec()))
        .order_by_asc(photo::Column::Position)
        .order_by_asc(photo::Column::Id)
        .all(db)
        .await?;
    for row in &rows {
        if let Some(pid) = row.product_id {
            out.entry(pid).or_default().push(photo_view(row));
        }
    }
    Ok(out)
}

/// The photos a viewer sees: buyers only those the centre approved, the first of them as
/// the cover; members and staff all of them.
pub fn visible(photos: Vec<PhotoView>, manager: bool) -> Vec<PhotoView> {
    if manager {
        return photos;
    }
    photos
        .into_iter()
        .filter(|p| !p.pending)
        .enumerate()
        .map(|(i, mut p)| {
            p.cover = i == 0;
            p
        })
        .collect()
}

/// Logos of these enterprises: the approved one, and one waiting for the centre.
pub async fn logos_of(
    db: &impl ConnectionTrait,
    enterprise_ids: &[i32],
) -> AppResult<HashMap<i32, (Option<PhotoView>, Option<PhotoView>)>> {
    let mut out: HashMap<i32, (Option<PhotoView>, Option<PhotoView>)> = HashMap::new();
    if enterprise_ids.is_empty() {
        return Ok(out);
    }
    let rows = photo::Entity::find()
        .filter(photo::Column::EnterpriseId.is_in(enterprise_ids.to_vec()))
        .filter(photo::Column::ProductId.is_null())
        .all(db)
        .await?;
    for p in &rows {
        let entry = out.entry(p.enterprise_id).or_default();
        if p.pending {
            entry.1 = Some(photo_view(p));
        } else {
            entry.0 = Some(photo_view(p));
        }
    }
    Ok(out)
}

/// Logos of an enterprise waiting for the centre.
pub async fn pending_logo_count(db: &impl ConnectionTrait, enterprise_id: i32) -> AppResult<u64> {
    Ok(photo::Entity::find()
        .filter(photo::Column::EnterpriseId.eq(enterprise_id))
        .filter(photo::Column::ProductId.is_null())
        .filter(photo::Column::Pending.eq(true))
        .count(db)
        .await?)
}

/// Makes a waiting logo the enterprise's logo; returns the rows it replaced, whose objects
/// the caller releases once the transaction is committed.
pub async fn approve_pending_logo(
    txn: &impl ConnectionTrait,
    enterprise_id: i32,
) -> AppResult<Vec<photo::Model>> {
    if pending_logo_count(txn, enterprise_id).await? == 0 {
        return Ok(Vec::new());
    }
    let old = photo::Entity::find()
        .filter(photo::Column::EnterpriseId.eq(enterprise_id))
        .filter(photo::Column::ProductId.is_null())
        .filter(photo::Column::Pending.eq(false))
        .all(txn)
        .await?;
    photo::Entity::delete_many()
        .filter(photo::Column::EnterpriseId.eq(enterprise_id))
        .filter(photo::Column::ProductId.is_null())
        .filter(photo::Column::Pending.eq(false))
        .exec(txn)
        .await?;
    photo::Entity::update_many()
        .col_expr(
            photo::Column::Pending,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(photo::Column::EnterpriseId.eq(enterprise_id))
        .filter(photo::Column::ProductId.is_null())
        .exec(txn)
        .await?;
    Ok(old)
}

/// Kinds of verified document that back up each product's claims: the product's own and
/// its enterprise's.
pub async fn verified_kinds(
    db: &impl ConnectionTrait,
    products: &[(i32, i32)],
) -> AppResult<HashMap<i32, Vec<String>>> {
    let mut out: HashMap<i32, Vec<String>> = HashMap::new();
    if products.is_empty() {
        return Ok(out);
    }
    let enterprise_ids: Vec<i32> = products.iter().map(|(_, e)| *e).collect();
    let rows: Vec<(i32, Option<i32>, String)> = document::Entity::find()
        .select_only()
        .column(document::Column::EnterpriseId)
        .column(document::Column::ProductId)
        .column(document::Column::Kind)
        .filter(document::Column::EnterpriseId.is_in(enterprise_ids))
        .filter(document::Column::VerifiedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    for (pid, eid) in products {
        let mut kinds: Vec<String> = rows
            .iter()
            .filter(|(e, p, _)| e == eid && (p.is_none() || *p == Some(*pid)))
            .map(|(_, _, k)| k.clone())
            .collect();
        kinds.sort();
        kinds.dedup();
        if !kinds.is_empty() {
            out.insert(*pid, kinds);
        }
    }
    Ok(out)
}

/// The photos of a product the actor may see.
pub async fn list_product_photos(
    state: &AppState,
    actor: &Actor,
    product_id: i32,
) -> AppResult<Vec<PhotoView>> {
    let p = product::Entity::find_by_id(product_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let manager = can_manage(&state.db, actor, p.enterprise_id).await?;
    if p.status != ProductStatus::Published.as_str() && !manager {
        return Err(AppError::NotFound);
    }
    Ok(visible(
        photos_of_products(&state.db, &[product_id])
            .await?
            .remove(&product_id)
            .unwrap_or_default(),
        manager,
    ))
}

// ---------------------------------------------------------------------------------------------
// Storing

fn public_key(version_hash: &str, width: u32, ext: &str) -> String {
    format!(
        "public/img/{}/{}-{width}.{ext}",
        &version_hash[..2],
        &version_hash[..32]
    )
}

fn original_key(hash: &str, kind: FileKind) -> String {
    format!(
        "private/originals/{}/{hash}.{}",
        &hash[..2],
        kind.extension()
    )
}

fn document_key(hash: &str, kind: FileKind) -> String {
    format!(
        "private/documents/{}/{hash}.{}",
        &hash[..2],
        kind.extension()
    )
}

/// Decodes and resizes on a blocking thread, at most `image_workers` at once, so that page
/// serving never waits behind image work.
async fn process(state: &AppState, bytes: Bytes) -> AppResult<media::ProcessedPhoto> {
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
async fn store_photo(
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
async fn put_all(
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

/// Locks the product's row for the rest of the transaction, so that concurrent photo
/// changes of one product (positions, the cover) apply one after the other on PostgreSQL.
/// SQLite has one writer at a time anyway.
async fn lock_product(txn: &impl ConnectionTrait, product_id: i32) -> AppResult<()> {
    product::Entity::update_many()
        .col_expr(
            product::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(product::Column::Id.eq(product_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Every object key a photo row refers to.
fn photo_keys(p: &photo::Model) -> Vec<String> {
    let mut keys = vec![p.original_key.clone()];
    if let Ok(stored) = serde_json::from_str::<Vec<StoredVariant>>(&p.variants) {
        keys.extend(stored.into_iter().map(|v| v.key));
    }
    keys
}

/// Deletes the objects of removed photos unless another photo still uses them.
async fn release_photos(state: &AppState, removed: &[photo::Model]) {
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

async fn release_documents(state: &AppState, removed: &[document::Model]) {
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

fn clean_alt(alt: Option<&str>, fallback: &str) -> String {
    let alt = alt
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or(fallback);
    alt.chars().take(200).collect()
}

/// Adds a photo to a product, last in order (first photo = cover). Uploading the same
/// photo again returns the one already there.
pub async fn add_product_photo(
    state: &AppState,
    actor: &Actor,
    product_id: i32,
    bytes: Bytes,
    alt: Option<&str>,
) -> AppResult<(PhotoView, bool)> {
    let (p, _) = product_for_change(&state.db, actor, product_id).await?;
    let hash = media::sha256_hex(media::check_photo(&bytes)?.1);
    if let Some(existing) = photo::Entity::find()
        .filter(photo::Column::ProductId.eq(product_id))
        .filter(photo::Column::Hash.eq(&hash))
        .one(&state.db)
        .await?
    {
        return Ok((photo_view(&existing), false));
    }
    let count = photo::Entity::find()
        .filter(photo::Column::ProductId.eq(product_id))
        .count(&state.db)
        .await?;
    if count >= MAX_PHOTOS {
        return Err(AppError::conflict("file", "photo.limit"));
    }
    let processed = process(state, bytes).await?;
    let (original, variants) = store_photo(&state.store, &processed).await?;
    let saved = async {
        let txn = super::write_txn(&state.db).await?;
        let (p, _) = product_for_change_locked(&txn, actor, product_id).await?;
        // A photo added to a published listing by its producer waits for the centre, like
        // an edit; staff adding one is the centre's own decision.
        let held = p.status == ProductStatus::Published.as_str() && !actor.is_staff();
        let position = photo::Entity::find()
            .filter(photo::Column::ProductId.eq(product_id))
            .count(&txn)
            .await?;
        let row = photo::ActiveModel {
            enterprise_id: Set(p.enterprise_id),
            product_id: Set(Some(product_id)),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            hash: Set(processed.hash.clone()),
            original_key: Set(original.clone()),
            original_type: Set(processed.kind.content_type().into()),
            original_bytes: Set(processed.original.len() as i64),
            width: Set(processed.width as i32),
            height: Set(processed.height as i32),
            variants: Set(serde_json::to_string(&variants).map_err(anyhow::Error::from)?),
            alt: Set(clean_alt(alt, &p.name)),
            created_by: Set(actor.id()),
            created_at: Set(now()),
            pending: Set(held),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut active: product::ActiveModel = p.clone().into();
        note_change(&mut active, &p, Change::Photos { held });
        active.update(&txn).await?;
        audit::record(
            &txn,
            actor,
            "product.photo_add",
            "product",
            product_id,
            json!({"photo_id": row.id, "hash": row.hash, "width": row.width, "height": row.height, "held": held}),
        )
        .await?;
        search_sync::enqueue(&txn, &[product_id]).await?;
        txn.commit().await?;
        AppResult::Ok(row)
    }
    .await;
    match saved {
        Ok(row) => Ok((photo_view(&row), true)),
        Err(e) => {
            // The row was not written: take back the objects unless another row uses them.
            let orphan = photo::Model {
                id: 0,
                enterprise_id: p.enterprise_id,
                product_id: Some(product_id),
                position: 0,
                hash: processed.hash.clone(),
                original_key: original,
                original_type: String::new(),
                original_bytes: 0,
                width: 0,
                height: 0,
                variants: serde_json::to_string(&variants).unwrap_or_default(),
                alt: String::new(),
                created_by: None,
                created_at: now(),
                pending: false,
            };
            release_photos(state, &[orphan]).await;
            Err(e)
        }
    }
}

/// Puts a product's photos in the given order; the first becomes the cover.
pub async fn reorder_product_photos(
    state: &AppState,
    actor: &Actor,
    product_id: i32,
    order: &[i32],
) -> AppResult<Vec<PhotoView>> {
    product_for_change(&state.db, actor, product_id).await?;
    let txn = super::write_txn(&state.db).await?;
    lock_product(&txn, product_id).await?;
    let rows = photo::Entity::find()
        .filter(photo::Column::ProductId.eq(product_id))
        .all(&txn)
        .await?;
    let mut have: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut want = order.to_vec();
    have.sort_unstable();
    want.sort_unstable();
    if have != want {
        return Err(Invalid::one("photo_ids", "photo.order_mismatch").into());
    }
    for (position, id) in order.iter().enumerate() {
        photo::Entity::update_many()
            .col_expr(
                photo::Column::Position,
                sea_orm::sea_query::Expr::value(position as i32),
            )
            .filter(photo::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        "product.photo_order",
        "product",
        product_id,
        json!({"order": order}),
    )
    .await?;
    search_sync::enqueue(&txn, &[product_id]).await?;
    txn.commit().await?;
    Ok(photos_of_products(&state.db, &[product_id])
        .await?
        .remove(&product_id)
        .unwrap_or_default())
}

/// Makes a photo the cover, keeping the others' order.
pub async fn make_cover(
    state: &AppState,
    actor: &Actor,
    product_id: i32,
    photo_id: i32,
) -> AppResult<Vec<PhotoView>> {
    let current = photos_of_products(&state.db, &[product_id])
        .await?
        .remove(&product_id)
        .unwrap_or_default();
    if !current.iter().any(|p| p.id == photo_id) {
        return Err(AppError::NotFound);
    }
    let order: Vec<i32> = std::iter::once(photo_id)
        .chain(current.iter().map(|p| p.id).filter(|&id| id != photo_id))
        .collect();
    reorder_product_photos(state, actor, product_id, &order).await
}

/// Moves a photo one place earlier (`-1`) or later (`1`).
pub async fn move_photo(
    state: &AppState,
    actor: &Actor,
    product_id: i32,
    photo_id: i32,
    step: i32,
) -> AppResult<Vec<PhotoView>> {
    let mut order: Vec<i32> = photos_of_products(&state.db, &[product_id])
        .await?
        .remove(&product_id)
        .unwrap_or_default()
        .iter()
        .map(|p| p.id)
        .collect();
    let i = order
        .iter()
        .position(|&id| id == photo_id)
        .ok_or(AppError::NotFound)?;
    let j = i as i64 + i64::from(step.signum());
    if (0..order.len() as i64).contains(&j) {
        order.swap(i, j as usize);
    }
    reorder_product_photos(state, actor, product_id, &order).await
}

/// Removes a product photo and, unless shared, its objects.
pub async fn delete_product_photo(
    state: &AppState,
    actor: &Actor,
    product_id: i32,
    photo_id: i32,
) -> AppResult<()> {
    product_for_change(&state.db, actor, product_id).await?;
    let txn = super::write_txn(&state.db).await?;
    let (p, _) = product_for_change_locked(&txn, actor, product_id).await?;
    let row = photo::Entity::find_by_id(photo_id)
        .filter(photo::Column::ProductId.eq(product_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    photo::Entity::delete_by_id(photo_id).exec(&txn).await?;
    // Close the gap so positions stay 0..n and the next photo becomes the cover.
    let rest = photo::Entity::find()
        .filter(photo::Column::ProductId.eq(product_id))
        .order_by_asc(photo::Column::Position)
        .order_by_asc(photo::Column::Id)
        .all(&txn)
        .await?;
    for (position, r) in rest.iter().enumerate() {
        if r.position != position as i32 {
            let mut active: photo::ActiveModel = r.clone().into();
            active.position = Set(position as i32);
            active.update(&txn).await?;
        }
    }
    let mut active: product::ActiveModel = p.clone().into();
    note_change(&mut active, &p, Change::Photos { held: false });
    if p.pending.is_none()
        && matches!(p.pending_status.as_deref(), Some("draft" | "submitted"))
        && super::catalogue::held_photos(&txn, product_id).await? == 0
    {
        // The held photo was all that waited.
        active.pending_status = Set(None);
    }
    active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "product.photo_delete",
        "product",
        product_id,
        json!({"photo_id": photo_id, "hash": row.hash}),
    )
    .await?;
    search_sync::enqueue(&txn, &[product_id]).await?;
    txn.commit().await?;
    release_photos(state, &[row]).await;
    Ok(())
}

/// Rows of a product being deleted, read inside the deleting transaction; their objects
/// are released after it commits.
pub async fn product_media(
    db: &impl ConnectionTrait,
    product_id: i32,
) -> AppResult<(Vec<photo::Model>, Vec<document::Model>)> {
    Ok((
        photo::Entity::find()
            .filter(photo::Column::ProductId.eq(product_id))
            .all(db)
            .await?,
        document::Entity::find()
            .filter(document::Column::ProductId.eq(product_id))
            .all(db)
            .await?,
    ))
}

/// Releases the objects of rows already deleted.
pub async fn release(state: &AppState, photos: &[photo::Model], documents: &[document::Model]) {
    release_photos(state, photos).await;
    release_documents(state, documents).await;
}

async fn require_manage(
    db: &DatabaseConnection,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<()> {
    enterprise::Entity::find_by_id(enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    match actor {
        Actor::Visitor => Err(AppError::Unauthenticated),
        _ if can_manage(db, actor, enterprise_id).await? => Ok(()),
        _ => Err(AppError::Forbidden),
    }
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

/// Sets (or replaces) an enterprise's logo.
pub async fn set_logo(
    state: &AppState,
    actor: &Actor,
    enterprise_id: i32,
    bytes: Bytes,
) -> AppResult<PhotoView> {
    require_manage(&state.db, actor, enterprise_id).await?;
    let processed = process(state, bytes).await?;
    let (original, variants) = store_photo(&state.store, &processed).await?;
    let txn = super::write_txn(&state.db).await?;
    let e = super::catalogue::lock_enterprise(&txn, enterprise_id).await?;
    // A member's new logo for a public enterprise waits for the centre beside the old one;
    // otherwise it replaces it at once.
    let held = super::catalogue::holds_changes(&txn, actor, enterprise_id).await?;
    let replaced = photo::Entity::find()
        .filter(photo::Column::EnterpriseId.eq(enterprise_id))
        .filter(photo::Column::ProductId.is_null())
        .filter(if held {
            photo::Column::Pending.eq(true)
        } else {
            photo::Column::Id.is_not_null()
        })
        .all(&txn)
        .await?;
    let replaced_ids: Vec<i32> = replaced.iter().map(|p| p.id).collect();
    photo::Entity::delete_many()
        .filter(photo::Column::Id.is_in(replaced_ids))
        .exec(&txn)
        .await?;
    let mut changed: enterprise::ActiveModel = e.clone().into();
    changed.version = Set(e.version + 1);
    changed.updated_at = Set(now());
    if held {
        changed.pending_status = Set(Some("submitted".into()));
        changed.pending_reason = Set(None);
        changed.submitted_at = Set(Some(now()));
    }
    changed.update(&txn).await?;
    let name = e.name.clone();
    let old = replaced;
    let row = photo::ActiveModel {
        enterprise_id: Set(enterprise_id),
        product_id: Set(None),
        position: Set(0),
        hash: Set(processed.hash.clone()),
        original_key: Set(original),
        original_type: Set(processed.kind.content_type().into()),
        original_bytes: Set(processed.original.len() as i64),
        width: Set(processed.width as i32),
        height: Set(processed.height as i32),
        variants: Set(serde_json::to_string(&variants).map_err(anyhow::Error::from)?),
        alt: Set(name),
        created_by: Set(actor.id()),
        created_at: Set(now()),
        pending: Set(held),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "enterprise.logo_set",
        "enterprise",
        enterprise_id,
        json!({"photo_id": row.id, "hash": row.hash, "held": held}),
    )
    .await?;
    txn.commit().await?;
    release_photos(state, &old).await;
    Ok(photo_view(&row))
}

pub async fn delete_logo(state: &AppState, actor: &Actor, enterprise_id: i32) -> AppResult<()> {
    require_manage(&state.db, actor, enterprise_id).await?;
    let txn = super::write_txn(&state.db).await?;
    let e = super::catalogue::lock_enterprise(&txn, enterprise_id).await?;
    let old = photo::Entity::find()
        .filter(photo::Column::EnterpriseId.eq(enterprise_id))
        .filter(photo::Column::ProductId.is_null())
        .all(&txn)
        .await?;
    if old.is_empty() {
        return Err(AppError::NotFound);
    }
    photo::Entity::delete_many()
        .filter(photo::Column::EnterpriseId.eq(enterprise_id))
        .filter(photo::Column::ProductId.is_null())
        .exec(&txn)
        .await?;
    // A decision staff were about to take on the removed logo no longer applies.
    let mut changed: enterprise::ActiveModel = e.clone().into();
    changed.version = Set(e.version + 1);
    if e.pending.is_none() && e.pending_status.as_deref() == Some("submitted") {
        changed.pending_status = Set(None);
    }
    changed.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "enterprise.logo_delete",
        "enterprise",
        enterprise_id,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    release_photos(state, &old).await;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Documents

/// What a producer fills in to attach a document.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct DocumentInput {
    pub kind: String,
    pub title: String,
    /// Attach to this product of the enterprise; none: the enterprise as a whole.
    pub product_id: Option<i32>,
}

/// Attaches a certificate scan to an enterprise or one of its products.
pub async fn add_document(
    state: &AppState,
    actor: &Actor,
    enterprise_id: i32,
    input: &DocumentInput,
    file_name: &str,
    bytes: Bytes,
) -> AppResult<DocumentView> {
    require_manage(&state.db, actor, enterprise_id).await?;
    let mut invalid = Invalid::default();
    let kind = input.kind.trim();
    if !DOCUMENT_KINDS.contains(&kind) {
        invalid.push("kind", "document.kind");
    }
    let title: String = input.title.trim().chars().take(200).collect();
    if title.is_empty() {
        invalid.push("title", "document.title_required");
    }
    if let Some(pid) = input.product_id {
        let belongs = product::Entity::find_by_id(pid)
            .one(&state.db)
            .await?
            .is_some_and(|p| p.enterprise_id == enterprise_id);
        if !belongs {
            invalid.push("product_id", "document.product");
        }
    }
    let file_kind = match media::check_document(&bytes) {
        Ok(k) => Some(k),
        Err(Refusal::TooLarge { .. }) => return Err(AppError::FileTooLarge),
        Err(r) => {
            invalid.push("file", r.code());
            None
        }
    };
    if !invalid.0.is_empty() {
        return Err(invalid.into());
    }
    let Some(file_kind) = file_kind else {
        return Err(Invalid::one("file", "document.format").into());
    };
    let count = document::Entity::find()
        .filter(document::Column::EnterpriseId.eq(enterprise_id))
        .count(&state.db)
        .await?;
    if count >= MAX_DOCUMENTS {
        return Err(AppError::conflict("file", "document.limit"));
    }
    let hash = media::sha256_hex(&bytes);
    let key = document_key(&hash, file_kind);
    let size = bytes.len() as i64;
    put_all(
        &state.store,
        vec![(key.clone(), bytes, file_kind.content_type())],
    )
    .await?;
    let file_name = safe_file_name(file_name, file_kind);
    let saved = async {
        let txn = super::write_txn(&state.db).await?;
        let row = document::ActiveModel {
            enterprise_id: Set(enterprise_id),
            product_id: Set(input.product_id),
            kind: Set(kind.to_string()),
            title: Set(title.clone()),
            file_name: Set(file_name),
            content_type: Set(file_kind.content_type().into()),
            bytes: Set(size),
            hash: Set(hash.clone()),
            object_key: Set(key.clone()),
            verified_at: Set(None),
            verified_by: Set(None),
            created_by: Set(actor.id()),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            actor,
            "document.add",
            "enterprise",
            enterprise_id,
            json!({"document_id": row.id, "kind": row.kind, "product_id": row.product_id}),
        )
        .await?;
        txn.commit().await?;
        AppResult::Ok(row)
    }
    .await;
    match saved {
        Ok(row) => Ok(DocumentView::from_row(&row)),
        Err(e) => {
            let still_used = document::Entity::find()
                .filter(document::Column::ObjectKey.eq(&key))
                .count(&state.db)
                .await
                .unwrap_or(1)
                > 0;
            if !still_used {
                let _ = state.store.delete(&key).await;
            }
            Err(e)
        }
    }
}

/// A name to offer when the file is downloaded: the uploaded name's letters, the real
/// extension.
fn safe_file_name(name: &str, kind: FileKind) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
    let stem: String = stem
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '"' | '\\' | '/' | ':' | '*' | '?' | '<' | '>' | '|')
        })
        .take(80)
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "tai-lieu" } else { stem };
    format!("{stem}.{}", kind.extension())
}

/// Documents of an enterprise (and its products), for its members and staff.
pub async fn list_documents(
    db: &DatabaseConnection,
    actor: &Actor,
    enterprise_id: i32,
    product_id: Option<i32>,
) -> AppResult<Vec<DocumentView>> {
    require_manage(db, actor, enterprise_id).await?;
    let mut query =
        document::Entity::find().filter(document::Column::EnterpriseId.eq(enterprise_id));
    if let Some(pid) = product_id {
        query = query.filter(document::Column::ProductId.eq(pid));
    }
    Ok(query
        .order_by_asc(document::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(DocumentView::from_row)
        .collect())
}

async fn document_for(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> AppResult<document::Model> {
    let d = document::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    match actor {
        Actor::Visitor => Err(AppError::Unauthenticated),
        // Others do not learn that the document exists.
        _ if !can_manage(db, actor, d.enterprise_id).await? => Err(AppError::NotFound),
        _ => Ok(d),
    }
}

pub async fn delete_document(state: &AppState, actor: &Actor, id: i32) -> AppResult<()> {
    let d = document_for(&state.db, actor, id).await?;
    let txn = super::write_txn(&state.db).await?;
    document::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "document.delete",
        "enterprise",
        d.enterprise_id,
        json!({"document_id": id, "kind": d.kind, "title": d.title}),
    )
    .await?;
    txn.commit().await?;
    release_documents(state, &[d]).await;
    Ok(())
}

/// Staff confirm (or withdraw confirmation) that a document is genuine.
pub async fn verify_document(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    verified: bool,
) -> AppResult<DocumentView> {
    if !actor.is_staff() {
        return Err(if actor.user().is_none() {
            AppError::Unauthenticated
        } else {
            AppError::Forbidden
        });
    }
    let d = document::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = super::write_txn(db).await?;
    let mut active: document::ActiveModel = d.clone().into();
    active.verified_at = Set(verified.then(now));
    active.verified_by = Set(if verified { actor.id() } else { None });
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        if verified {
            "document.verify"
        } else {
            "document.unverify"
        },
        "enterprise",
        d.enterprise_id,
        json!({"document_id": id, "kind": d.kind, "product_id": d.product_id}),
    )
    .await?;
    // Product pages and search show what is verified.
    match d.product_id {
        Some(pid) => search_sync::enqueue(&txn, &[pid]).await?,
        None => search_sync::enqueue_enterprise(&txn, d.enterprise_id).await?,
    }
    txn.commit().await?;
    Ok(DocumentView::from_row(&row))
}

/// Staff: documents not yet verified, oldest first, with their enterprise's name.
pub async fn unverified_documents(
    db: &DatabaseConnection,
) -> AppResult<Vec<(DocumentView, String)>> {
    let rows = document::Entity::find()
        .filter(document::Column::VerifiedAt.is_null())
        .order_by_asc(document::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|d| d.enterprise_id).collect();
    let names: HashMap<i32, String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    Ok(rows
        .iter()
        .map(|d| {
            (
                DocumentView::from_row(d),
                names.get(&d.enterprise_id).cloned().unwrap_or_default(),
            )
        })
        .collect())
}

/// How a document reaches an authorised reader.
pub enum Download {
    /// A short-lived signed URL of the object store.
    Redirect(String),
    /// The bytes, through the application (directory store).
    File {
        bytes: Bytes,
        content_type: String,
        file_name: String,
    },
}

pub async fn download_document(state: &AppState, actor: &Actor, id: i32) -> AppResult<Download> {
    let d = document_for(&state.db, actor, id).await?;
    if let Some(url) = state
        .store
        .signed_url(&d.object_key, SIGNED_URL_TTL, &d.file_name)
        .await?
    {
        return Ok(Download::Redirect(url));
    }
    let bytes = state.store.get(&d.object_key).await?.ok_or_else(|| {
        tracing::error!(key = d.object_key, "document object missing");
        AppError::NotFound
    })?;
    Ok(Download::File {
        bytes,
        content_type: d.content_type,
        file_name: d.file_name,
    })
}

// ---------------------------------------------------------------------------------------------
// Maintenance

/// A record whose object is not in the store.
#[derive(Clone, Debug, Serialize)]
pub struct Missing {
    /// `photo` or `document`.
    pub record: &'static str,
    pub id: i32,
    pub key: String,
}

async fn all_references(db: &DatabaseConnection) -> AppResult<Vec<(&'static str, i32, String)>> {
    let mut refs = Vec::new();
    for p in photo::Entity::find().all(db).await? {
        for key in photo_keys(&p) {
            refs.push(("photo", p.id, key));
        }
    }
    for d in document::Entity::find().all(db).await? {
        refs.push(("document", d.id, d.object_key));
    }
    Ok(refs)
}

/// Records whose objects are missing from the store.
pub async fn check(state: &AppState) -> AppResult<Vec<Missing>> {
    let present: HashSet<String> = state
        .store
        .list("")
        .await?
        .into_iter()
        .map(|o| o.key)
        .collect();
    Ok(all_references(&state.db)
        .await?
        .into_iter()
        .filter(|(_, _, key)| !present.contains(key))
        .map(|(record, id, key)| Missing { record, id, key })
        .collect())
}

/// Removes objects no record refers to and older than `grace`; returns their keys.
pub async fn gc(
    state: &AppState,
    grace: chrono::Duration,
    dry_run: bool,
) -> AppResult<Vec<String>> {
    let cutoff = Utc::now() - grace;
    // List first, then read the references: an object stored after the listing is not
    // considered, and one stored before it has its row by the time the rows are read
    // unless its upload is still running, which the grace period covers.
    let objects = state.store.list("").await?;
    let referenced: HashSet<String> = all_references(&state.db)
        .await?
        .into_iter()
        .map(|(_, _, key)| key)
        .collect();
    let mut removed = Vec::new();
    for o in objects {
        if o.modified < cutoff && !referenced.contains(&o.key) {
            if !dry_run {
                state.store.delete(&o.key).await?;
            }
            removed.push(o.key);
        }
    }
    Ok(removed)
}
