//! The search worker: drains the outbox into the search engine.
//!
//! Each pass claims a batch of outbox rows (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
//! several app instances share the work), reads the current state of those products, and
//! applies it: published products are upserted, everything else is removed. Applying the
//! current state makes a retry or a duplicate row harmless. A failure leaves the rows in
//! place with a growing backoff; nothing is lost while the engine is down.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::context::AppState;
use crate::db::entities::search_outbox;
use crate::error::{AppError, AppResult};
use crate::search::SearchDoc;
use crate::services::{catalogue, search_sync};

/// Applies up to `batch` waiting changes. Returns how many outbox rows were applied.
pub async fn drain_once(state: &AppState, batch: u64) -> AppResult<usize> {
    let (db, engine, reference) = (&state.db, state.search.as_ref(), &*state.reference);
    let txn = crate::db::write_txn(db).await?;
    let select = search_outbox::Entity::find()
        .filter(search_outbox::Column::NextAttemptAt.lte(state.clock.now()))
        .order_by_asc(search_outbox::Column::Id)
        .limit(batch);
    let rows = crate::db::skip_locked(select, db.get_database_backend())
        .all(&txn)
        .await?;
    if rows.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    let mut ids: Vec<i32> = rows.iter().map(|r| r.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let views = catalogue::published_views(&txn, reference, &ids, state.clock.today()).await?;
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
            search_sync::defer(&txn, state.clock.now(), &rows, &e.to_string()).await?;
            txn.commit().await?;
            Err(AppError::Internal(anyhow::anyhow!(e)))
        }
    }
}

/// Drains everything currently due (for tests, `reindex` and start-up).
pub async fn drain(state: &AppState) -> AppResult<usize> {
    super::until_done(|| drain_once(state, 500)).await
}

/// Runs the worker for as long as the server runs; also picks up synonym changes made on
/// other app instances.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut last_reload = std::time::Instant::now();
        loop {
            if last_reload.elapsed() > Duration::from_secs(60) {
                if let Err(e) = crate::services::synonyms::reload(&state).await {
                    tracing::warn!(error = %e, "could not reload search synonyms");
                }
                last_reload = std::time::Instant::now();
            }
            match drain_once(&state, 200).await {
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
