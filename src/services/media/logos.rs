//! Enterprise logos: one each, a member's new one held for the centre once the enterprise is public.

use super::{photo_view, process, release_photos, require_manage, store_photo};
use crate::context::AppState;
use crate::db::entities::{enterprise, photo};
use crate::domain::PendingStatus;
use crate::domain::photo::PhotoView;
use crate::error::{AppError, AppResult};
use crate::services::{Actor, audit, search_sync};
use bytes::Bytes;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use std::collections::HashMap;

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
    let (txn, e) =
        crate::db::begin_on::<crate::db::entities::enterprise::Entity>(&state.db, enterprise_id)
            .await?;
    // A member's new logo for a public enterprise waits for the centre beside the old one;
    // otherwise it replaces it at once.
    let held = crate::services::catalogue::holds_changes(&txn, actor, enterprise_id).await?;
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
    changed.updated_at = Set(state.clock.now());
    if held {
        changed.pending_status = Set(Some(PendingStatus::Submitted));
        changed.pending_reason = Set(None);
        changed.submitted_at = Set(Some(state.clock.now()));
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
        created_at: Set(state.clock.now()),
        pending: Set(held),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "enterprise.logo_set",
        "enterprise",
        enterprise_id,
        json!({"photo_id": row.id, "hash": row.hash, "held": held}),
    )
    .await?;
    // The pages of the enterprise's products show the logo buyers see.
    if !held {
        search_sync::enqueue_enterprise(&txn, state.clock.now(), enterprise_id).await?;
    }
    txn.commit().await?;
    release_photos(state, &old).await;
    Ok(photo_view(&row))
}

pub async fn delete_logo(state: &AppState, actor: &Actor, enterprise_id: i32) -> AppResult<()> {
    require_manage(&state.db, actor, enterprise_id).await?;
    let (txn, e) =
        crate::db::begin_on::<crate::db::entities::enterprise::Entity>(&state.db, enterprise_id)
            .await?;
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
    if e.pending.is_none() && e.pending_status == Some(PendingStatus::Submitted) {
        changed.pending_status = Set(None);
    }
    changed.update(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "enterprise.logo_delete",
        "enterprise",
        enterprise_id,
        json!({}),
    )
    .await?;
    search_sync::enqueue_enterprise(&txn, state.clock.now(), enterprise_id).await?;
    txn.commit().await?;
    release_photos(state, &old).await;
    Ok(())
}
