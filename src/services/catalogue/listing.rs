//! Lists and counts: the catalogue, the review queue, a producer's own, the home page.

use super::{EnterpriseView, ProductView};
use crate::context::AppState;
use crate::db::entities::{enterprise, enterprise_member, product};
use crate::db::reference::Reference;
use crate::domain::{Code, Invalid, ProductStatus};
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use crate::services::media;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which products to list: the query of `GET /api/v1/products` and of the pages.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// A category slug; a parent category includes its sub-categories.
    pub category: Option<String>,
    /// Province code.
    pub province: Option<i32>,
    /// Commune code.
    pub commune: Option<i32>,
    pub enterprise_id: Option<i32>,
    /// Members and staff: a vetting state; staff: `review` for the review queue.
    pub status: Option<String>,
    /// `true`: the products of the caller's enterprises, in every state.
    pub mine: Option<bool>,
    /// 1 to 10,000, default 1.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<u64>,
    /// 1 to 100, default 24.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub pages: u64,
}

/// Lists products. Visitors and buyers see published products; `mine`, `status` and the
/// review queue need membership or staff rights.
pub async fn list_products(
    state: &AppState,
    actor: &Actor,
    filter: &ProductFilter,
) -> AppResult<Page<ProductView>> {
    let (db, reference) = (&state.db, &*state.reference);
    let paging = crate::domain::Paging::parse(filter.page, filter.per_page, 24, 100)?;
    // Filters and order are kept apart so that the count runs without the ORDER BY.
    let mut cond = Condition::all();
    let order: (product::Column, sea_orm::Order);
    let mut show_pending = false;
    let mine = filter.mine.unwrap_or(false);
    let review = filter.status.as_deref() == Some("review");
    if review {
        actor.require_staff()?;
        show_pending = true;
        cond = cond.add(
            Condition::any()
                .add(product::Column::Status.eq(ProductStatus::Submitted))
                .add(product::Column::PendingStatus.eq(crate::domain::PendingStatus::Submitted)),
        );
        order = (product::Column::SubmittedAt, sea_orm::Order::Asc);
    } else if mine || filter.status.is_some() {
        let me = actor.require_signed_in()?;
        show_pending = true;
        if let Some(status) = &filter.status {
            let s =
                ProductStatus::parse(status).ok_or(Invalid::one("status", Code::StatusUnknown))?;
            cond = cond.add(product::Column::Status.eq(s));
        }
        if !me.role.is_staff() || mine {
            cond = cond.add(
                product::Column::EnterpriseId.in_subquery(
                    Query::select()
                        .column(enterprise_member::Column::EnterpriseId)
                        .from(enterprise_member::Entity)
                        .and_where(Expr::col(enterprise_member::Column::UserId).eq(me.id))
                        .to_owned(),
                ),
            );
        }
        order = (product::Column::UpdatedAt, sea_orm::Order::Desc);
    } else {
        cond = cond.add(product::Column::Status.eq(ProductStatus::Published));
        order = (product::Column::PublishedAt, sea_orm::Order::Desc);
    }
    if let Some(slug) = filter.category.as_deref().filter(|s| !s.is_empty()) {
        let ids = reference.category_and_descendants(slug);
        if ids.is_empty() {
            return Err(Invalid::one("category", Code::CategoryUnknown).into());
        }
        cond = cond.add(product::Column::CategoryId.is_in(ids));
    }
    let communes: Option<Vec<i32>> = match (filter.commune, filter.province) {
        (Some(c), _) => Some(vec![c]),
        (None, Some(p)) => Some(reference.communes_of(p).iter().map(|c| c.code).collect()),
        (None, None) => None,
    };
    if let Some(codes) = communes {
        cond = cond.add(
            product::Column::EnterpriseId.in_subquery(
                Query::select()
                    .column(enterprise::Column::Id)
                    .from(enterprise::Entity)
                    .and_where(Expr::col(enterprise::Column::CommuneCode).is_in(codes))
                    .to_owned(),
            ),
        );
    }
    if let Some(eid) = filter.enterprise_id {
        cond = cond.add(product::Column::EnterpriseId.eq(eid));
    }
    // A public listing's count changes only with an entry of the change log: it is
    // counted again only when the log moved.
    let public_count = if show_pending {
        None
    } else {
        crate::services::page_cache::follow(state).await?.map(|at| {
            let key = format!(
                "{:?} {:?} {:?} {:?}",
                filter.category, filter.province, filter.commune, filter.enterprise_id
            );
            (key, at)
        })
    };
    let kept = public_count
        .as_ref()
        .and_then(|(key, at)| state.pages.count(key, *at));
    let total = if let Some(n) = kept {
        n
    } else {
        let n = product::Entity::find()
            .filter(cond.clone())
            .count(db)
            .await?;
        if let Some((key, at)) = public_count {
            state.pages.keep_count(key, at, n);
        }
        n
    };
    let rows = product::Entity::find()
        .filter(cond)
        .order_by(order.0, order.1.clone())
        .order_by(product::Column::Id, order.1)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(db)
        .await?;
    let items = views(db, reference, rows, show_pending, state.clock.today()).await?;
    Ok(Page {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
        pages: paging.pages(total),
    })
}

/// The published products among `ids`, as views (for the search index).
pub async fn published_views(
    db: &impl ConnectionTrait,
    reference: &Reference,
    ids: &[i32],
    today: chrono::NaiveDate,
) -> AppResult<Vec<ProductView>> {
    let rows = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.to_vec()))
        .filter(product::Column::Status.eq(ProductStatus::Published))
        .all(db)
        .await?;
    views(db, reference, rows, false, today).await
}

pub(super) async fn views(
    db: &impl ConnectionTrait,
    reference: &Reference,
    rows: Vec<product::Model>,
    show_pending: bool,
    today: chrono::NaiveDate,
) -> AppResult<Vec<ProductView>> {
    let mut ids: Vec<i32> = rows.iter().map(|p| p.enterprise_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let enterprises: std::collections::HashMap<i32, enterprise::Model> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let views: Vec<ProductView> = rows
        .iter()
        .filter_map(|p| {
            enterprises
                .get(&p.enterprise_id)
                .map(|e| ProductView::new(p, e, reference, show_pending, today))
        })
        .collect();
    with_media(db, views).await
}

/// Adds photos and verified certificates to product views.
pub(super) async fn with_media(
    db: &impl ConnectionTrait,
    mut views: Vec<ProductView>,
) -> AppResult<Vec<ProductView>> {
    let ids: Vec<i32> = views.iter().map(|v| v.id).collect();
    let mut photos = media::photos_of_products(db, &ids).await?;
    let pairs: Vec<(i32, i32)> = views.iter().map(|v| (v.id, v.enterprise_id)).collect();
    let mut verified = media::verified_kinds(db, &pairs).await?;
    for v in &mut views {
        v.photos = media::visible(photos.remove(&v.id).unwrap_or_default(), v.for_manager);
        v.verified_documents = verified.remove(&v.id).unwrap_or_default();
    }
    Ok(views)
}

pub(super) async fn with_media_one(
    db: &impl ConnectionTrait,
    view: ProductView,
) -> AppResult<ProductView> {
    with_media(db, vec![view])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Adds logos to enterprise views.
pub(super) async fn with_logos(
    db: &impl ConnectionTrait,
    mut views: Vec<EnterpriseView>,
) -> AppResult<Vec<EnterpriseView>> {
    let ids: Vec<i32> = views.iter().map(|v| v.id).collect();
    let mut logos = media::logos_of(db, &ids).await?;
    for v in &mut views {
        let (live, waiting) = logos.remove(&v.id).unwrap_or_default();
        v.logo = live;
        // Only those who see the contact (members, staff) see what waits.
        v.pending_logo = waiting.filter(|_| v.contact.is_some());
    }
    Ok(views)
}

pub(super) async fn with_logo(
    db: &impl ConnectionTrait,
    view: EnterpriseView,
) -> AppResult<EnterpriseView> {
    with_logos(db, vec![view])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Newest published products, of one enterprise or of all, without counting them.
pub async fn newest_products(
    state: &AppState,
    enterprise_id: Option<i32>,
    limit: u64,
) -> AppResult<Vec<ProductView>> {
    let (db, reference) = (&state.db, &*state.reference);
    let mut query = product::Entity::find();
    if let Some(id) = enterprise_id {
        query = query.filter(product::Column::EnterpriseId.eq(id));
    }
    let rows = query
        .filter(product::Column::Status.eq(ProductStatus::Published))
        .order_by_desc(product::Column::PublishedAt)
        .order_by_desc(product::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    views(db, reference, rows, false, state.clock.today()).await
}

/// Published product counts per category id (parents include their children).
pub async fn category_counts(
    state: &AppState,
) -> AppResult<std::collections::HashMap<String, u64>> {
    let (db, reference) = (&state.db, &*state.reference);
    let rows: Vec<(i32, i64)> = product::Entity::find()
        .select_only()
        .column(product::Column::CategoryId)
        .column_as(product::Column::Id.count(), "n")
        .filter(product::Column::Status.eq(ProductStatus::Published))
        .group_by(product::Column::CategoryId)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = std::collections::HashMap::new();
    for (id, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        if let Some(c) = reference.category(id) {
            *counts.entry(c.slug.clone()).or_insert(0) += n;
        }
        if let Some(parent) = reference.parent_of(id) {
            *counts.entry(parent.slug.clone()).or_insert(0) += n;
        }
    }
    Ok(counts)
}

/// The enterprise ids a producer belongs to.
pub async fn memberships(db: &impl ConnectionTrait, user_id: i32) -> AppResult<Vec<i32>> {
    Ok(enterprise_member::Entity::find()
        .filter(enterprise_member::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect())
}
