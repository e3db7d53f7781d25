//! Keeps every search index a faithful projection of the catalogue.
//!
//! A change to a searchable record appends an entry to the change log (`search_log`) in the
//! same transaction. Entries are appended in commit order (see [`enqueue`]); each index is a
//! consumer that keeps its own position in the log and applies the records' current state
//! (`jobs::search`), so an index that was down, or a new instance's own index, catches up
//! from where it stood. Entries every consumer is past are trimmed.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::catalogue::ProductView;
use crate::db::entities::{
    product, search_consumer, search_dead_letter, search_log, search_log_trim,
};
use crate::db::reference::Reference;
use crate::domain::ProductStatus;
use crate::error::AppResult;
use crate::search::SearchDoc;
use sea_orm::sea_query::{Expr, OnConflict};
use std::time::Duration;

/// Held by a transaction from its first log entry to its commit (PostgreSQL): entries then
/// become visible in the order of their ids, so a consumer that has read up to an id never
/// sees a smaller one appear later. SQLite has a single writer, which gives the same order.
const LOG_ORDER_LOCK: i64 = 0x6b65_746e_6f69;

/// Notes, in the caller's transaction, that these products must be (re)indexed or removed
/// from every index. Call it last, just before the commit: on PostgreSQL it takes the log's
/// order lock until then.
pub async fn enqueue(
    txn: &DatabaseTransaction,
    at: chrono::DateTime<chrono::Utc>,
    product_ids: &[i32],
) -> AppResult<()> {
    if product_ids.is_empty() {
        return Ok(());
    }
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOG_ORDER_LOCK})"))
            .await?;
    }
    note_local_change();
    let rows = product_ids.iter().map(|id| search_log::ActiveModel {
        product_id: Set(*id),
        created_at: Set(at),
        ..Default::default()
    });
    search_log::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// When this process last appended to the log (milliseconds since the Unix epoch).
static LOCAL_CHANGE_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn note_local_change() {
    LOCAL_CHANGE_MS.store(unix_ms(), std::sync::atomic::Ordering::Relaxed);
}

/// Whether this process appended to the log within `window`: its entry is committed just
/// after, so what follows the log in this process reads it before answering the next
/// request (the page that was just approved is shown as approved).
pub fn changed_here_within(window: Duration) -> bool {
    let last = LOCAL_CHANGE_MS.load(std::sync::atomic::Ordering::Relaxed);
    last > 0 && unix_ms() - last < i64::try_from(window.as_millis()).unwrap_or(i64::MAX)
}

/// The entries after `after`, oldest first (at most `limit`): each with its product and
/// that product's enterprise (none when the product no longer exists).
pub async fn changes_after(
    db: &impl ConnectionTrait,
    after: i32,
    limit: u64,
) -> AppResult<Vec<(i32, i32, Option<i32>)>> {
    use sea_orm::sea_query::{Alias, ExprTrait, Query};
    let stmt = Query::select()
        .column((search_log::Entity, search_log::Column::Id))
        .column((search_log::Entity, search_log::Column::ProductId))
        .expr_as(
            Expr::col((product::Entity, product::Column::EnterpriseId)),
            Alias::new("enterprise_id"),
        )
        .from(search_log::Entity)
        .left_join(
            product::Entity,
            Expr::col((product::Entity, product::Column::Id))
                .equals((search_log::Entity, search_log::Column::ProductId)),
        )
        .and_where(Expr::col((search_log::Entity, search_log::Column::Id)).gt(after))
        .order_by(
            (search_log::Entity, search_log::Column::Id),
            sea_orm::Order::Asc,
        )
        .limit(limit)
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<i32>("", "id")?,
                r.try_get::<i32>("", "product_id")?,
                r.try_get::<Option<i32>>("", "enterprise_id")?,
            ))
        })
        .collect()
}

/// Everything an enterprise shows in search (its name and place are on every product).
pub async fn enqueue_enterprise(
    txn: &DatabaseTransaction,
    at: chrono::DateTime<chrono::Utc>,
    enterprise_id: i32,
) -> AppResult<()> {
    let ids: Vec<i32> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::EnterpriseId.eq(enterprise_id))
        .filter(product::Column::Status.eq(ProductStatus::Published))
        .into_tuple()
        .all(txn)
        .await?;
    for chunk in ids.chunks(500) {
        enqueue(txn, at, chunk).await?;
    }
    Ok(())
}

/// Every product, whatever its state: each index applies the published ones and removes
/// the others, so it ends up matching the catalogue. Returns how many.
pub async fn enqueue_all(
    db: &DatabaseConnection,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<usize> {
    let ids: Vec<i32> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for chunk in ids.chunks(500) {
        let txn = crate::db::write_txn(db).await?;
        enqueue(&txn, at, chunk).await?;
        txn.commit().await?;
    }
    Ok(ids.len())
}

/// How long a lease on an index lasts: a worker holds it for one pass (its engine calls
/// bounded well under this) and lets it go; a rebuild renews it while it runs. A holder
/// that dies lets it lapse, and another instance takes over.
pub const LEASE: Duration = Duration::from_secs(30);

/// Who holds the lease on this instance's index. An embedded index can be open in one
/// process only, so its lease is the index's own: a process restarted after a kill takes it
/// back at once. A shared index is leased by the process feeding it (or rebuilding it).
pub fn lease_owner(state: &crate::context::AppState, rebuild: bool) -> String {
    if state.search.keeps_position() {
        state.search.consumer()
    } else if rebuild {
        format!("{}:rebuild", state.instance)
    } else {
        state.instance.to_string()
    }
}
/// Position of an index that has not been built yet.
pub const UNBUILT: i32 = -1;

/// Adds the index to the consumers when it is new (as not yet built).
pub async fn register(state: &crate::context::AppState, consumer: &str) -> AppResult<()> {
    let now = state.clock.now();
    let row = search_consumer::ActiveModel {
        name: Set(consumer.to_string()),
        position: Set(UNBUILT),
        lease_owner: Set(None),
        lease_until: Set(None),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        seen_at: Set(now),
    };
    match search_consumer::Entity::insert(row)
        .on_conflict(
            OnConflict::column(search_consumer::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&state.db)
        .await
    {
        Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Takes (or renews) the lease on `consumer` for `owner`; false when another holds it.
pub async fn lease(
    state: &crate::context::AppState,
    consumer: &str,
    owner: &str,
    length: Duration,
) -> AppResult<bool> {
    let now = state.clock.now();
    let until = now + chrono::Duration::from_std(length).unwrap_or_default();
    let taken = search_consumer::Entity::update_many()
        .col_expr(search_consumer::Column::LeaseOwner, Expr::value(owner))
        .col_expr(search_consumer::Column::LeaseUntil, Expr::value(until))
        .col_expr(search_consumer::Column::SeenAt, Expr::value(now))
        .filter(search_consumer::Column::Name.eq(consumer))
        .filter(
            sea_orm::Condition::any()
                .add(search_consumer::Column::LeaseOwner.is_null())
                .add(search_consumer::Column::LeaseOwner.eq(owner))
                .add(search_consumer::Column::LeaseUntil.lt(now)),
        )
        .exec(&state.db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// `update` letting the lease go: no holder, no expiry.
pub fn released(
    update: sea_orm::UpdateMany<search_consumer::Entity>,
) -> sea_orm::UpdateMany<search_consumer::Entity> {
    update
        .col_expr(
            search_consumer::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            search_consumer::Column::LeaseUntil,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
}

/// `update` recording that the index stands at `position` and is well: the lease let go,
/// no failure on record, due again at once.
pub fn stands_at(
    update: sea_orm::UpdateMany<search_consumer::Entity>,
    position: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> sea_orm::UpdateMany<search_consumer::Entity> {
    released(update)
        .col_expr(search_consumer::Column::Position, Expr::value(position))
        .col_expr(search_consumer::Column::Attempts, Expr::value(0))
        .col_expr(
            search_consumer::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(search_consumer::Column::NextAttemptAt, Expr::value(now))
}

/// The last entry of the log (0 when it has none yet), read when a rebuild starts.
pub async fn last_entry(db: &impl ConnectionTrait) -> AppResult<i32> {
    let last: Option<i32> = search_log::Entity::find()
        .select_only()
        .column_as(search_log::Column::Id.max(), "max")
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    Ok(last.unwrap_or(trimmed_through(db).await?))
}

/// How far the log has been trimmed: an index whose position is before it missed entries
/// and must be rebuilt.
pub async fn trimmed_through(db: &impl ConnectionTrait) -> AppResult<i32> {
    Ok(search_log_trim::Entity::find_by_id(1)
        .one(db)
        .await?
        .map_or(0, |t| t.trimmed_through))
}

/// A consumer not heard of for this long is forgotten: the log is trimmed past it, and it
/// rebuilds if it comes back.
const FORGET_AFTER_DAYS: i64 = 7;

/// Drops the entries every known consumer has applied; forgets consumers not seen for a
/// week. Returns how many entries went.
pub async fn trim(db: &DatabaseConnection, at: chrono::DateTime<chrono::Utc>) -> AppResult<u64> {
    search_consumer::Entity::delete_many()
        .filter(search_consumer::Column::SeenAt.lt(at - chrono::Duration::days(FORGET_AFTER_DAYS)))
        .exec(db)
        .await?;
    let lowest: Option<i32> = search_consumer::Entity::find()
        .select_only()
        .column_as(search_consumer::Column::Position.min(), "min")
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    // With no consumer at all, nothing is trimmed: the first index to come reads it all.
    let Some(upto) = lowest else { return Ok(0) };
    if upto <= trimmed_through(db).await? {
        return Ok(0);
    }
    let txn = crate::db::write_txn(db).await?;
    let gone = search_log::Entity::delete_many()
        .filter(search_log::Column::Id.lte(upto))
        .exec(&txn)
        .await?
        .rows_affected;
    search_log_trim::Entity::update_many()
        .col_expr(
            search_log_trim::Column::TrimmedThrough,
            sea_orm::sea_query::Expr::value(upto),
        )
        .filter(search_log_trim::Column::Id.eq(1))
        .filter(search_log_trim::Column::TrimmedThrough.lt(upto))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(gone)
}

/// One index as staff see it on the status page.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ConsumerStatus {
    /// `embedded:<instance>` or `meilisearch:<index>`.
    pub name: String,
    /// The last change applied.
    pub position: i32,
    /// Changes not yet applied.
    pub behind: u64,
    /// Age in seconds of the oldest change not yet applied.
    pub lag_seconds: i64,
    /// Failed attempts in a row.
    pub attempts: i32,
    pub last_error: Option<String>,
    pub seen_at: chrono::DateTime<chrono::Utc>,
}

/// A change an index refused several times, set aside so the rest could go on.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeadLetterView {
    pub id: i32,
    pub consumer: String,
    pub product_id: i32,
    pub error: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The indexes' state, for staff.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxStatus {
    /// Changes not yet applied by the index furthest behind.
    pub pending: u64,
    /// Indexes whose last attempt failed.
    pub failing: u64,
    /// Age in seconds of the oldest change an index has not applied.
    pub lag_seconds: i64,
    pub last_error: Option<String>,
    pub consumers: Vec<ConsumerStatus>,
    pub dead_letters: Vec<DeadLetterView>,
}

pub async fn status(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<OutboxStatus> {
    use sea_orm::PaginatorTrait;
    let mut consumers = Vec::new();
    for c in search_consumer::Entity::find()
        .order_by_asc(search_consumer::Column::Name)
        .all(db)
        .await?
    {
        let waiting = search_log::Entity::find().filter(search_log::Column::Id.gt(c.position));
        let behind = waiting.clone().count(db).await?;
        let oldest = waiting.order_by_asc(search_log::Column::Id).one(db).await?;
        consumers.push(ConsumerStatus {
            name: c.name,
            position: c.position,
            behind,
            lag_seconds: oldest.map_or(0, |o| (at - o.created_at).num_seconds().max(0)),
            attempts: c.attempts,
            last_error: c.last_error,
            seen_at: c.seen_at,
        });
    }
    let dead_letters = search_dead_letter::Entity::find()
        .order_by_desc(search_dead_letter::Column::Id)
        .limit(200)
        .all(db)
        .await?
        .into_iter()
        .map(|d| DeadLetterView {
            id: d.id,
            consumer: d.consumer,
            product_id: d.product_id,
            error: d.error,
            created_at: d.created_at,
        })
        .collect();
    let pending = match consumers.iter().map(|c| c.behind).max() {
        Some(n) => n,
        // No index has started yet: everything in the log waits.
        None => search_log::Entity::find().count(db).await?,
    };
    Ok(OutboxStatus {
        pending,
        failing: consumers.iter().filter(|c| c.attempts > 0).count() as u64,
        lag_seconds: consumers.iter().map(|c| c.lag_seconds).max().unwrap_or(0),
        last_error: consumers.iter().find_map(|c| c.last_error.clone()),
        consumers,
        dead_letters,
    })
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
    let terms = crate::services::category_terms::by_category(db).await?;
    Ok(views
        .iter()
        .map(|v| {
            let mut doc = search_doc(v, reference);
            if let Some(terms) = terms.get(&v.category) {
                doc.category_names.extend(terms.iter().cloned());
            }
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
    let (former_places, former_provinces) = reference.places.former_names(p.commune_code);
    SearchDoc {
        former_places,
        former_provinces,
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
