//! Keeps the search index a faithful projection of the catalogue.
//!
//! A change to a searchable record writes an outbox row in the same transaction; the worker
//! (`jobs::search`) reads the record's current state and applies it to the engine, retrying
//! with backoff while the engine is down. Nothing is lost: the outbox waits.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

use super::catalogue::ProductView;
use crate::db::entities::{product, search_outbox};
use crate::db::reference::Reference;
use crate::domain::ProductStatus;
use crate::error::AppResult;
use crate::search::SearchDoc;

/// Notes that these products must be (re)indexed or removed from the index.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    product_ids: &[i32],
) -> AppResult<()> {
    if product_ids.is_empty() {
        return Ok(());
    }
    let rows = product_ids.iter().map(|id| search_outbox::ActiveModel {
        product_id: Set(*id),
        created_at: Set(at),
        attempts: Set(0),
        next_attempt_at: Set(at),
        last_error: Set(None),
        ..Default::default()
    });
    search_outbox::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Everything an enterprise shows in search (its name and place are on every product).
pub async fn enqueue_enterprise(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    enterprise_id: i32,
) -> AppResult<()> {
    let published = product::Entity::find()
        .filter(product::Column::EnterpriseId.eq(enterprise_id))
        .filter(product::Column::Status.eq(ProductStatus::Published));
    enqueue_found(db, at, published).await.map(|_| ())
}

/// Every product, whatever its state: the worker indexes the published ones and removes the
/// others, so the index ends up matching the catalogue.
pub async fn enqueue_all(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<usize> {
    enqueue_found(db, at, product::Entity::find()).await
}

/// Queues the products `found` selects, a few hundred rows per insert; returns how many.
async fn enqueue_found(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    found: sea_orm::Select<product::Entity>,
) -> AppResult<usize> {
    let ids: Vec<i32> = found
        .select_only()
        .column(product::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for chunk in ids.chunks(500) {
        enqueue(db, at, chunk).await?;
    }
    Ok(ids.len())
}

/// A row for the staff status page.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxStatus {
    /// Changes not yet applied to the search index.
    pub pending: u64,
    /// Changes whose last attempt failed.
    pub failing: u64,
    /// Age in seconds of the oldest change waiting.
    pub lag_seconds: i64,
    pub last_error: Option<String>,
}

pub async fn status(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<OutboxStatus> {
    use sea_orm::{PaginatorTrait, QueryOrder};
    let pending = search_outbox::Entity::find().count(db).await?;
    let failing = search_outbox::Entity::find()
        .filter(search_outbox::Column::Attempts.gt(0))
        .count(db)
        .await?;
    let oldest = search_outbox::Entity::find()
        .order_by_asc(search_outbox::Column::Id)
        .one(db)
        .await?;
    let last_error = search_outbox::Entity::find()
        .filter(search_outbox::Column::LastError.is_not_null())
        .order_by_desc(search_outbox::Column::Id)
        .one(db)
        .await?
        .and_then(|r| r.last_error);
    Ok(OutboxStatus {
        pending,
        failing,
        lag_seconds: oldest.map_or(0, |o| (at - o.created_at).num_seconds().max(0)),
        last_error,
    })
}

/// Marks a claimed batch as failed, to be retried after a backoff that doubles each time.
pub async fn defer(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    rows: &[search_outbox::Model],
    error: &str,
) -> AppResult<()> {
    for row in rows {
        let attempts = row.attempts + 1;
        let backoff =
            chrono::Duration::seconds(2i64.saturating_pow(attempts.clamp(0, 8) as u32).min(300));
        let mut active: search_outbox::ActiveModel = row.clone().into();
        active.attempts = Set(attempts);
        active.next_attempt_at = Set(at + backoff);
        active.last_error = Set(Some(error.chars().take(500).collect()));
        active.update(db).await?;
    }
    Ok(())
}

/// The search documents of published products, with what their enterprises say of
/// themselves.
pub async fn documents(
    db: &impl ConnectionTrait,
    reference: &crate::db::reference::Reference,
    views: &[crate::services::catalogue::ProductView],
) -> AppResult<Vec<crate::search::SearchDoc>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let ids: Vec<i32> = views.iter().map(|v| v.enterprise.id).collect();
    let descriptions: std::collections::HashMap<i32, String> =
        crate::db::entities::enterprise::Entity::find()
            .filter(crate::db::entities::enterprise::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.description))
            .collect();
    Ok(views
        .iter()
        .map(|v| {
            let mut doc = search_doc(v, reference);
            doc.enterprise_description = descriptions
                .get(&v.enterprise.id)
                .cloned()
                .unwrap_or_default();
            doc
        })
        .collect())
}

/// The search document of a published product: its words, facets and what a hit shows.
pub fn search_doc(p: &ProductView, reference: &Reference) -> SearchDoc {
    let mut categories = vec![p.category.clone()];
    let mut category_names = vec![p.category_name_vi.clone(), p.category_name_en.clone()];
    if let Some(parent) = reference
        .category_by_slug(&p.category)
        .and_then(|c| reference.parent_of(c.id))
    {
        categories.push(parent.slug.clone());
        category_names.push(parent.name_vi.clone());
        category_names.push(parent.name_en.clone());
    }
    SearchDoc {
        id: p.id,
        slug: p.slug.clone(),
        name: p.name.clone(),
        brand: p.brand.clone(),
        description: p.description.clone(),
        category: p.category.clone(),
        categories,
        category_names,
        enterprise_id: p.enterprise.id,
        enterprise_name: p.enterprise.name.clone(),
        enterprise_description: String::new(),
        commune_code: p.commune_code,
        commune: p.commune.clone().unwrap_or_default(),
        province_code: p.province_code.unwrap_or_default(),
        province: p.province.clone().unwrap_or_default(),
        trademark_status: p.trademark.status.as_str().into(),
        packaging_status: p.packaging_status.as_str().into(),
        // A lapsed rating is no longer a reason to find the product.
        ocop_stars: p.ocop_stars.filter(|_| p.ocop_current),
        certifications: p
            .certifications
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        unit: p.unit.clone(),
        price_min_vnd: p.price_min_vnd,
        price_max_vnd: p.price_max_vnd,
        published_at: p.published_at.map_or(0, |t| t.timestamp()),
        cover: p.photos.first().cloned(),
        verified_documents: p.verified_documents.clone(),
    }
}
