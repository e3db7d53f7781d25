//! Products: creating, editing, submitting, vetting and unpublishing.

use super::{
    Lookup, ProductView, can_manage, fields_of, may_publish, patched, review_terms, with_media_one,
};
use crate::context::AppState;
use crate::db::entities::{enterprise, product};
use crate::db::free_slug;
use crate::db::reference::Reference;
use crate::domain::product::join_months;
use crate::domain::{
    Certification, Code, Invalid, PendingStatus, ProductFields, ProductInput, ProductStatus,
};
use crate::error::{AppError, AppResult};
use crate::services::media;
use crate::services::{Actor, audit, search_sync};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

pub(crate) fn apply_fields(
    active: &mut product::ActiveModel,
    fields: &ProductFields,
    category_id: i32,
) {
    let tm = &fields.trademark;
    active.name = Set(fields.name.clone());
    active.category_id = Set(category_id);
    active.brand = Set(fields.brand.clone());
    active.packaging_status = Set(fields.packaging_status);
    active.tm_status = Set(tm.status);
    active.tm_kind = Set(tm.kind.map(|k| k.as_str().into()));
    active.tm_number = Set(tm.number.clone());
    active.tm_filed_on = Set(tm.filed_on);
    active.tm_granted_on = Set(tm.granted_on);
    active.tm_expires_on = Set(tm.expires_on);
    active.ocop_stars = Set(fields.ocop.map(|o| i16::from(o.stars)));
    active.ocop_year = Set(fields.ocop.map(|o| o.year));
    active.ocop_certified_on = Set(fields.ocop.and_then(|o| o.certified_on));
    active.certifications = Set(Certification::join(&fields.certifications));
    active.unit = Set(fields.unit.clone());
    active.price_min_vnd = Set(fields.price.min);
    active.price_max_vnd = Set(fields.price.max);
    active.min_order = Set(fields.min_order);
    active.monthly_capacity = Set(fields.monthly_capacity);
    active.season_months = Set(join_months(&fields.season_months));
    active.shelf_life_days = Set(fields.shelf_life_days);
    active.description = Set(fields.description.clone());
}

pub(crate) fn category_id(reference: &Reference, fields: &ProductFields) -> AppResult<i32> {
    reference
        .category_by_slug(&fields.category)
        .map(|c| c.id)
        .ok_or_else(|| Invalid::one("category", Code::CategoryUnknown).into())
}

pub(super) async fn load_product(
    db: &impl ConnectionTrait,
    id: i32,
) -> AppResult<(product::Model, enterprise::Model)> {
    let p = product::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    with_enterprise(db, p).await
}

/// Reads a product for a change inside `txn`, its row locked until the transaction ends, so
/// the change builds on what is stored now and not on what another request is replacing.
pub(crate) async fn lock_product(
    txn: &sea_orm::DatabaseTransaction,
    id: i32,
) -> AppResult<(product::Model, enterprise::Model)> {
    let p = crate::db::lock::<product::Entity>(txn, id).await?;
    with_enterprise(txn, p).await
}

async fn with_enterprise(
    db: &impl ConnectionTrait,
    p: product::Model,
) -> AppResult<(product::Model, enterprise::Model)> {
    let e = enterprise::Entity::find_by_id(p.enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((p, e))
}

/// Loads a product the actor may change. Unpublished products of others are 404, published
/// ones 403: no one learns of a draft that is not theirs.
pub(crate) async fn product_for_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> AppResult<(product::Model, enterprise::Model)> {
    let (p, e) = load_product(db, id).await?;
    may_change(db, actor, p, e).await
}

/// [`product_for_change`] inside a write transaction, with the row locked.
pub(crate) async fn product_for_change_locked(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    id: i32,
) -> AppResult<(product::Model, enterprise::Model)> {
    let (p, e) = lock_product(txn, id).await?;
    may_change(txn, actor, p, e).await
}

pub(super) async fn may_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    p: product::Model,
    e: enterprise::Model,
) -> AppResult<(product::Model, enterprise::Model)> {
    if !can_manage(db, actor, e.id).await? {
        if p.status != ProductStatus::Published {
            return Err(AppError::NotFound);
        }
        return Err(if actor.user().is_none() {
            AppError::Unauthenticated
        } else {
            AppError::Forbidden
        });
    }
    Ok((p, e))
}

pub async fn create_product(
    state: &AppState,
    actor: &Actor,
    enterprise_id: i32,
    input: &ProductInput,
) -> AppResult<ProductView> {
    let (db, reference) = (&state.db, &*state.reference);
    may_publish(actor)?;
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(db)
        .await?;
    let Some(e) = e else {
        return Err(Invalid::one("enterprise_id", Code::EnterpriseUnknown).into());
    };
    if !can_manage(db, actor, e.id).await? {
        return Err(AppError::Forbidden);
    }
    let fields = ProductFields::parse(input, state.clock.today())?;
    let category_id = category_id(reference, &fields)?;
    let txn = crate::db::write_txn(db).await?;
    let slug = free_slug::<product::Entity>(&txn, &fields.name, product::Column::Slug).await?;
    let at = state.clock.now();
    let mut active = product::ActiveModel {
        enterprise_id: Set(e.id),
        slug: Set(slug),
        status: Set(ProductStatus::Draft),
        rejection_reason: Set(None),
        pending: Set(None),
        pending_status: Set(None),
        pending_reason: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        submitted_at: Set(None),
        published_at: Set(None),
        ..Default::default()
    };
    apply_fields(&mut active, &fields, category_id);
    let model = active.insert(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "product.create",
        "product",
        model.id,
        json!({"name": model.name, "enterprise_id": e.id}),
    )
    .await?;
    txn.commit().await?;
    with_media_one(
        db,
        ProductView::new(&model, &e, reference, true, state.clock.today()),
    )
    .await
}

/// A change to a product, as vetting sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Its fields: a submission the centre has not decided is withdrawn to a draft (the
    /// centre approves only what it saw).
    Edit,
    /// Its photos: a new version, so a decision on the old one is refused and staff look
    /// again; `held` (a photo kept from buyers) gives a published product changes to send.
    Photos { held: bool },
}

/// What a change does to a product's vetting: it is a new version, and see [`Change`].
/// Returns whether a submission was withdrawn.
pub(crate) fn note_change(
    active: &mut product::ActiveModel,
    at: chrono::DateTime<chrono::Utc>,
    p: &product::Model,
    change: Change,
) -> bool {
    active.version = Set(p.version + 1);
    active.updated_at = Set(at);
    let status = p.status;
    match change {
        Change::Edit if status == ProductStatus::Submitted => {
            active.status = Set(ProductStatus::Draft);
            true
        }
        Change::Edit
            if status == ProductStatus::Published
                && p.pending_status == Some(PendingStatus::Submitted) =>
        {
            active.pending_status = Set(Some(PendingStatus::Draft));
            true
        }
        Change::Photos { held: true }
            if status == ProductStatus::Published
                && matches!(p.pending_status, None | Some(PendingStatus::Rejected)) =>
        {
            active.pending_status = Set(Some(PendingStatus::Draft));
            active.pending_reason = Set(None);
            false
        }
        _ => false,
    }
}

/// Photos of a product that buyers do not see yet.
pub(crate) async fn held_photos(db: &impl ConnectionTrait, product_id: i32) -> AppResult<u64> {
    Ok(crate::db::entities::photo::Entity::find()
        .filter(crate::db::entities::photo::Column::ProductId.eq(product_id))
        .filter(crate::db::entities::photo::Column::Pending.eq(true))
        .count(db)
        .await?)
}

/// Edits a product. A draft, rejected or unpublished product changes at once; a published
/// one keeps what buyers see and holds the edit as pending changes until staff approve.
/// An edit to something waiting for the centre withdraws it to a draft, to be sent again;
/// the answer says whether it did.
pub async fn update_product(
    state: &AppState,
    actor: &Actor,
    id: i32,
    patch: &Value,
) -> AppResult<(ProductView, bool)> {
    let (db, reference) = (&state.db, &*state.reference);
    let txn = crate::db::write_txn(db).await?;
    let (p, e) = product_for_change_locked(&txn, actor, id).await?;
    let status = p.status;
    let live = fields_of(&p, reference);
    // Edits build on the pending version when there is one.
    let base: ProductInput = match (&p.pending, status) {
        (Some(pending), ProductStatus::Published) => {
            serde_json::from_str(pending).unwrap_or_else(|_| live.to_input())
        }
        _ => live.to_input(),
    };
    let input: ProductInput = patched(&base, patch)?;
    let fields = ProductFields::parse(&input, state.clock.today())?;
    let category_id = category_id(reference, &fields)?;
    let mut active: product::ActiveModel = p.clone().into();
    let withdrawn = note_change(&mut active, state.clock.now(), &p, Change::Edit);
    if status == ProductStatus::Published {
        if fields == live {
            // Back to what buyers see: nothing waits, unless photos do.
            active.pending = Set(None);
            if held_photos(&txn, id).await? == 0 {
                active.pending_status = Set(None);
                active.pending_reason = Set(None);
            }
        } else {
            active.pending = Set(Some(
                serde_json::to_string(&fields.to_input()).map_err(anyhow::Error::new)?,
            ));
            active.pending_status = Set(Some(PendingStatus::Draft));
            active.pending_reason = Set(None);
        }
    } else {
        apply_fields(&mut active, &fields, category_id);
    }
    let model = active.update(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "product.update",
        "product",
        id,
        json!({"changes": patch, "withdrawn": withdrawn, "version": model.version}),
    )
    .await?;
    search_sync::enqueue(&txn, state.clock.now(), &[id]).await?;
    txn.commit().await?;
    Ok((
        with_media_one(
            db,
            ProductView::new(&model, &e, reference, true, state.clock.today()),
        )
        .await?,
        withdrawn,
    ))
}

/// Deletes a product with its photos and documents (their objects too, unless shared).
pub async fn delete_product(
    state: &crate::context::AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<()> {
    let txn = crate::db::write_txn(&state.db).await?;
    let (p, _) = product_for_change_locked(&txn, actor, id).await?;
    let (photos, documents) = media::product_media(&txn, id).await?;
    crate::db::entities::photo::Entity::delete_many()
        .filter(crate::db::entities::photo::Column::ProductId.eq(id))
        .exec(&txn)
        .await?;
    crate::db::entities::document::Entity::delete_many()
        .filter(crate::db::entities::document::Column::ProductId.eq(id))
        .exec(&txn)
        .await?;
    product::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "product.delete",
        "product",
        id,
        json!({"name": p.name, "enterprise_id": p.enterprise_id, "photos": photos.len(), "documents": documents.len()}),
    )
    .await?;
    search_sync::enqueue(&txn, state.clock.now(), &[id]).await?;
    txn.commit().await?;
    media::release(state, &photos, &documents).await;
    Ok(())
}

/// Sends a product, or a published product's pending changes, to the centre for review.
pub async fn submit_product(state: &AppState, actor: &Actor, id: i32) -> AppResult<ProductView> {
    let (db, reference) = (&state.db, &*state.reference);
    let txn = crate::db::write_txn(db).await?;
    let (p, e) = product_for_change_locked(&txn, actor, id).await?;
    let status = p.status;
    let mut active: product::ActiveModel = p.clone().into();
    let what = if status.can_submit() {
        active.status = Set(ProductStatus::Submitted);
        "product"
    } else if status == ProductStatus::Published
        && matches!(
            p.pending_status,
            Some(PendingStatus::Draft | PendingStatus::Rejected)
        )
    {
        active.pending_status = Set(Some(PendingStatus::Submitted));
        active.pending_reason = Set(None);
        "changes"
    } else {
        return Err(AppError::state(match status {
            ProductStatus::Submitted => Code::ProductAlreadySubmitted,
            _ if p.pending_status == Some(PendingStatus::Submitted) => {
                Code::ProductAlreadySubmitted
            }
            _ => Code::ProductNothingToSubmit,
        }));
    };
    active.submitted_at = Set(Some(state.clock.now()));
    let model = active.update(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "product.submit",
        "product",
        id,
        json!({"what": what, "version": model.version}),
    )
    .await?;
    txn.commit().await?;
    with_media_one(
        db,
        ProductView::new(&model, &e, reference, true, state.clock.today()),
    )
    .await
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// Staff approve or reject what is waiting: a new listing or a published product's changes.
/// The decision names the version staff reviewed; if the product changed since, nothing
/// happens and the answer says so (409 `product.changed`).
pub async fn review_product(
    state: &AppState,
    actor: &Actor,
    id: i32,
    decision: Decision,
    version: Option<i32>,
    reason: Option<&str>,
) -> AppResult<ProductView> {
    let (db, reference) = (&state.db, &*state.reference);
    let (version, reason) = review_terms(actor, decision, version, reason)?;
    let txn = crate::db::write_txn(db).await?;
    let (p, e) = lock_product(&txn, id).await?;
    let status = p.status;
    let changes_waiting =
        status == ProductStatus::Published && p.pending_status == Some(PendingStatus::Submitted);
    if status != ProductStatus::Submitted && !changes_waiting {
        return Err(AppError::state(Code::ProductNothingToReview));
    }
    if p.version != version {
        return Err(AppError::state(Code::ProductChanged));
    }
    let mut active: product::ActiveModel = p.clone().into();
    match (decision, changes_waiting) {
        (Decision::Approve, false) => {
            active.status = Set(ProductStatus::Published);
            active.rejection_reason = Set(None);
            active.published_at = Set(Some(state.clock.now()));
        }
        (Decision::Reject, false) => {
            active.status = Set(ProductStatus::Rejected);
            active.rejection_reason = Set(reason.clone());
        }
        (Decision::Approve, true) => {
            if let Some(pending) = p.pending.as_deref() {
                let input: ProductInput = serde_json::from_str(pending)
                    .map_err(|_| AppError::state(Code::ProductNothingToReview))?;
                let fields = ProductFields::parse(&input, state.clock.today())?;
                let category_id = category_id(reference, &fields)?;
                apply_fields(&mut active, &fields, category_id);
            }
            active.pending = Set(None);
            active.pending_status = Set(None);
            active.pending_reason = Set(None);
        }
        (Decision::Reject, true) => {
            active.pending_status = Set(Some(PendingStatus::Rejected));
            active.pending_reason = Set(reason.clone());
        }
    }
    active.updated_at = Set(state.clock.now());
    let model = active.update(&txn).await?;
    if decision == Decision::Approve {
        // What staff saw, photos included, is what buyers see now.
        crate::db::entities::photo::Entity::update_many()
            .col_expr(
                crate::db::entities::photo::Column::Pending,
                sea_orm::sea_query::Expr::value(false),
            )
            .filter(crate::db::entities::photo::Column::ProductId.eq(id))
            .exec(&txn)
            .await?;
    }
    let action = match decision {
        Decision::Approve => "product.approve",
        Decision::Reject => "product.reject",
    };
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        action,
        "product",
        id,
        json!({"reason": reason, "changes": changes_waiting, "version": version}),
    )
    .await?;
    search_sync::enqueue(&txn, state.clock.now(), &[id]).await?;
    txn.commit().await?;
    with_media_one(
        db,
        ProductView::new(&model, &e, reference, true, state.clock.today()),
    )
    .await
}

/// Staff take a published product off the catalogue, with a reason the producer sees.
pub async fn unpublish_product(
    state: &AppState,
    actor: &Actor,
    id: i32,
    reason: Option<&str>,
) -> AppResult<ProductView> {
    let (db, reference) = (&state.db, &*state.reference);
    actor.require_staff()?;
    let (p, e) = load_product(db, id).await?;
    let Some(reason) = crate::domain::optional_text(reason, "reason", 1000)? else {
        return Err(Invalid::one("reason", Code::ReviewReasonRequired).into());
    };
    if p.status != ProductStatus::Published {
        return Err(AppError::state(Code::ProductNotPublished));
    }
    let mut active: product::ActiveModel = p.into();
    active.status = Set(ProductStatus::Unpublished);
    active.rejection_reason = Set(Some(reason.clone()));
    active.updated_at = Set(state.clock.now());
    let txn = crate::db::write_txn(db).await?;
    let model = active.update(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "product.unpublish",
        "product",
        id,
        json!({"reason": reason}),
    )
    .await?;
    search_sync::enqueue(&txn, state.clock.now(), &[id]).await?;
    txn.commit().await?;
    with_media_one(
        db,
        ProductView::new(&model, &e, reference, true, state.clock.today()),
    )
    .await
}

/// A product as the actor may see it: published for everyone, otherwise only for its
/// enterprise's members and staff (404 for anyone else).
pub async fn get_product(
    state: &AppState,
    actor: &Actor,
    key: Lookup<'_>,
) -> AppResult<ProductView> {
    let (db, reference) = (&state.db, &*state.reference);
    let p = product::Entity::find()
        .filter(match key {
            Lookup::Id(id) => product::Column::Id.eq(id),
            Lookup::Slug(slug) => product::Column::Slug.eq(slug),
        })
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let e = enterprise::Entity::find_by_id(p.enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let manages = can_manage(db, actor, e.id).await?;
    if p.status != ProductStatus::Published && !manages {
        return Err(AppError::NotFound);
    }
    with_media_one(
        db,
        ProductView::new(&p, &e, reference, manages, state.clock.today()),
    )
    .await
}

/// The stored fields of a product for its edit form: the pending version when there is one.
pub async fn product_for_edit(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<(ProductView, ProductInput)> {
    let (db, reference) = (&state.db, &*state.reference);
    let (p, e) = product_for_change(db, actor, id).await?;
    let input = match &p.pending {
        Some(pending) => {
            serde_json::from_str(pending).unwrap_or_else(|_| fields_of(&p, reference).to_input())
        }
        None => fields_of(&p, reference).to_input(),
    };
    Ok((
        with_media_one(
            db,
            ProductView::new(&p, &e, reference, true, state.clock.today()),
        )
        .await?,
        input,
    ))
}

/// A product on the centre's review page (staff only): the listing with what waits for the
/// centre, and, when a published product's changes wait, what buyers see now to compare.
pub async fn product_for_review(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<(ProductView, Option<ProductInput>)> {
    let (db, reference) = (&state.db, &*state.reference);
    actor.require_staff()?;
    let (p, e) = load_product(db, id).await?;
    let live = p
        .pending
        .is_some()
        .then(|| fields_of(&p, reference).to_input());
    Ok((
        with_media_one(
            db,
            ProductView::new(&p, &e, reference, true, state.clock.today()),
        )
        .await?,
        live,
    ))
}
