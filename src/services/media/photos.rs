//! Product photos: adding (sized and stored once), ordering, the cover, moving, deleting.

use super::{MAX_PHOTOS, process, release_photos, store_photo};
use crate::context::AppState;
use crate::db::entities::{document, photo, product};
use crate::domain::photo::PhotoView;
use crate::domain::{Code, Invalid, PendingStatus, ProductStatus};
use crate::error::{AppError, AppResult};
use crate::media::{self};
use crate::services::catalogue::{
    Change, can_manage, note_change, product_for_change, product_for_change_locked,
};
use crate::services::{Actor, audit, search_sync};
use bytes::Bytes;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use std::collections::HashMap;

/// A photo row as served.
pub(super) fn photo_view(p: &photo::Model) -> PhotoView {
    PhotoView::from_stored(&crate::domain::photo::Stored {
        id: p.id,
        position: p.position,
        width: p.width,
        height: p.height,
        alt: &p.alt,
        variants: &p.variants,
        pending: p.pending,
    })
}

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
    if p.status != ProductStatus::Published && !manager {
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

pub(super) fn clean_alt(alt: Option<&str>, fallback: &str) -> String {
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
        return Err(AppError::conflict("file", Code::PhotoLimit));
    }
    let processed = process(state, bytes).await?;
    let (original, variants) = store_photo(&state.store, &processed).await?;
    let saved = async {
        let txn = crate::db::write_txn(&state.db).await?;
        let (p, _) = product_for_change_locked(&txn, actor, product_id).await?;
        // A photo added to a published listing by its producer waits for the centre, like
        // an edit; staff adding one is the centre's own decision.
        let held = p.status == ProductStatus::Published && !actor.is_staff();
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
            created_at: Set(state.clock.now()),
            pending: Set(held),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut active: product::ActiveModel = p.clone().into();
        note_change(&mut active, state.clock.now(), &p, Change::Photos { held });
        active.update(&txn).await?;
        audit::record(
            &txn,
            state.clock.now(),
            actor,
            "product.photo_add",
            "product",
            product_id,
            json!({"photo_id": row.id, "hash": row.hash, "width": row.width, "height": row.height, "held": held}),
        )
        .await?;
        search_sync::enqueue(&txn, state.clock.now(), &[product_id]).await?;
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
                created_at: state.clock.now(),
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
    let txn = crate::db::write_txn(&state.db).await?;
    product_for_change_locked(&txn, actor, product_id).await?;
    let rows = photo::Entity::find()
        .filter(photo::Column::ProductId.eq(product_id))
        .all(&txn)
        .await?;
    let mut have: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut want = order.to_vec();
    have.sort_unstable();
    want.sort_unstable();
    if have != want {
        return Err(Invalid::one("photo_ids", Code::PhotoOrderMismatch).into());
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
        state.clock.now(),
        actor,
        "product.photo_order",
        "product",
        product_id,
        json!({"order": order}),
    )
    .await?;
    search_sync::enqueue(&txn, state.clock.now(), &[product_id]).await?;
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
    let txn = crate::db::write_txn(&state.db).await?;
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
    note_change(
        &mut active,
        state.clock.now(),
        &p,
        Change::Photos { held: false },
    );
    if p.pending.is_none()
        && matches!(
            p.pending_status,
            Some(PendingStatus::Draft | PendingStatus::Submitted)
        )
        && crate::services::catalogue::held_photos(&txn, product_id).await? == 0
    {
        // The held photo was all that waited.
        active.pending_status = Set(None);
    }
    active.update(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "product.photo_delete",
        "product",
        product_id,
        json!({"photo_id": photo_id, "hash": row.hash}),
    )
    .await?;
    search_sync::enqueue(&txn, state.clock.now(), &[product_id]).await?;
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
