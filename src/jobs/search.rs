//! The search worker: drains the outbox into the search engine.
//!
//! Each pass claims a batch of outbox rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
//! several app instances share the work), reads the current state of those products, and
//! applies it: published products are upserted, everything else is removed. Applying the
//! current state makes a retry or a duplicate row harmless. A failure leaves the rows in
//! place with a growing backoff; nothing is lost while the engine is down.

use std::time::Duration;

use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::db::entities::search_outbox;
use crate::db::reference::Reference;
use crate::error::{AppError, AppResult};
use crate::search::{SearchDoc, SearchEngine};
use crate::services::{catalogue, now, search_sync};

/// Applies up to `batch` waiting changes. Returns how many outbox rows were applied.
pub async fn drain_once(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
    batch: u64,
) -> AppResult<usize> {
    let txn = crate::db::write_txn(db).await?;
    let mut select = search_outbox::Entity::find()
        .filter(search_outbox::Column::NextAttemptAt.lte(now()))
        .order_by_asc(search_outbox::Column::Id)
        .limit(batch);
    if db.get_database_backend() == DatabaseBackend::Postgres {
        select = select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = select.all(&txn).await?;
    if rows.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    let mut ids: Vec<i32> = rows.iter().map(|r| r.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let views = catalogue::published_views(&txn, reference, &ids).await?;
    let docs: Vec<SearchDoc> = search_sync::documents(&txn, reference, &views).await?;
    let gone: Vec<i32> = ids
        .iter()
        .copied()
        .filter(|id| !docs.iter().any(|d| d.id == *id))
        .collect();
    let applied = async {
        if !docs.is_empty() {
            engine.upsert(docs).await?;
        }
        if !gone.is_empty() {
            engine.delete(gone).await?;
        }
        Ok::<(), crate::search::SearchError>(())
    }
    .await;
    match applied {
        Ok(()) => {
            let row_ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
            search_outbox::Entity::delete_many()
                .filter(search_outbox::Column::Id.is_in(row_ids))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            Ok(rows.len())
        }
        Err(e) => {
            search_sync::defer(&txn, &rows, &e.to_string()).await?;
            txn.commit().await?;
            Err(AppError::Internal(anyhow::anyhow!(e)))
        }
    }
}

/// Drains everything currently due (for tests, `reindex` and start-up).
pub async fn drain(
    db: &DatabaseConnection,
    engine: &dyn SearchEngine,
    reference: &Reference,
) -> AppResult<usize> {
    let mut total = 0;
    loop {
        let n = drain_once(db, engine, reference, 500).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

/// Runs the worker for as long as the server runs; also picks up synonym changes made on
/// other app instances.
pub fn spawn_worker(state: crate::context::AppState) {
    tokio::spawn(async move {
        let mut last_reload = std::time::Instant::now();
        loop {
            if last_reload.elapsed() > Duration::from_secs(60) {
                if let Err(e) = crate::services::synonyms::reload(&state).await {
                    tracing::warn!(error = %e, "could not reload search synonyms");
                }
                last_reload = std::time::Instant::now();
            }
            match drain_once(&state.db, state.search.as_ref(), &state.reference, 200).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(300)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, engine = state.search.name(), "search index update failed; will retry");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}
