//! The search worker: feeds each index the change log from where that index stands.
//!
//! A pass reads the index's position (kept in the index itself by the embedded engine, in
//! `search_consumers` for a shared Meilisearch index), reads the entries after it and the
//! current state of their products, then leases the consumer (one worker at a time feeds an
//! index, whatever the number of instances) and applies that state to the engine outside any
//! database transaction, every engine call bounded in time. Then it records the new
//! position — only while it still holds the lease, so a rebuild that took over is never
//! overwritten. Applying current state makes a replay harmless and keeps an older state from
//! overwriting a newer one. An engine that is down is retried with a short backoff while the
//! entries wait; a product the engine refuses on its own, again and again, is set aside as a
//! dead letter for staff so the rest go on. An index that was never built, or that fell
//! behind the trimmed log, is rebuilt.

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::context::AppState;
use crate::db::entities::{search_consumer, search_dead_letter, search_log};
use crate::error::{AppError, AppResult};
use crate::search::{SearchDoc, SearchError};
use crate::services::search_sync::{LEASE, UNBUILT, lease, register};
use crate::services::{catalogue, search_sync};

/// The longest any one engine call may take: well under the lease, so a worker whose call
/// is still running never finds another worker feeding the same index.
pub const ENGINE_CALL: Duration = Duration::from_secs(20);
/// Failed tries of a batch the engine answered with an error before its products are
/// tried one by one and the ones it still refuses are set aside.
pub const POISON_AFTER: i32 = 3;
/// The longest wait between tries while the engine is down, so an index converges within
/// seconds of its return.
const MAX_BACKOFF_MS: i64 = 4_000;

async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, SearchError>>,
) -> Result<T, SearchError> {
    tokio::time::timeout(ENGINE_CALL, call)
        .await
        .unwrap_or_else(|_| {
            Err(SearchError::Unavailable(format!(
                "no answer within {} s",
                ENGINE_CALL.as_secs()
            )))
        })
}

/// Records what a lease holder did; nothing when the lease has passed to someone else.
async fn record(
    state: &AppState,
    consumer: &str,
    owner: &str,
    update: sea_orm::UpdateMany<search_consumer::Entity>,
) -> AppResult<bool> {
    let done = update
        .col_expr(
            search_consumer::Column::SeenAt,
            Expr::value(state.clock.now()),
        )
        .filter(search_consumer::Column::Name.eq(consumer))
        .filter(search_consumer::Column::LeaseOwner.eq(owner))
        .exec(&state.db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Applies up to `batch` entries of the log to this instance's index. Returns how many
/// entries it applied (or how many products it indexed when it built the index, at least
/// 1); 0 when there was nothing to do.
pub async fn drain_once(state: &AppState, batch: u64) -> AppResult<usize> {
    let _one_at_a_time = state.search_worker.lock().await;
    let engine = state.search.as_ref();
    let consumer = engine.consumer();
    let owner = search_sync::lease_owner(state, false);
    let now = state.clock.now();
    let row = search_consumer::Entity::find_by_id(consumer.clone())
        .one(&state.db)
        .await?;
    if row.as_ref().is_some_and(|r| r.next_attempt_at > now) {
        return Ok(0);
    }
    let position = if engine.keeps_position() {
        match bounded(engine.position()).await {
            Ok(p) => p,
            Err(e) => return Err(failure(state, &consumer, &owner, row.as_ref(), &e).await),
        }
    } else {
        row.as_ref().map(|r| r.position).filter(|p| *p != UNBUILT)
    };
    let trimmed = search_sync::trimmed_through(&state.db).await?;
    let Some(position) = position.filter(|p| *p >= trimmed) else {
        // Never built, or behind what the log still holds: built from the database.
        register(state, &consumer).await?;
        return match crate::services::search::rebuild_locked(state).await {
            // At least 1, so a caller draining until nothing is left comes back for what
            // was written while the index was being built.
            Ok(indexed) => Ok(indexed.max(1)),
            Err(AppError::SearchUnavailable) => {
                let e = SearchError::Unavailable("the index could not be built".into());
                Err(failure(state, &consumer, &owner, row.as_ref(), &e).await)
            }
            Err(e) => Err(e),
        };
    };
    let entries = search_log::Entity::find()
        .filter(search_log::Column::Id.gt(position))
        .order_by_asc(search_log::Column::Id)
        .limit(batch)
        .all(&state.db)
        .await?;
    let Some(last) = entries.last().map(|e| e.id) else {
        return Ok(0);
    };
    register(state, &consumer).await?;
    if !lease(state, &consumer, &owner, LEASE).await? {
        return Ok(0);
    }
    // A shared index's position may have moved while the lease was someone else's.
    if !engine.keeps_position() {
        let now_at = search_consumer::Entity::find_by_id(consumer.clone())
            .one(&state.db)
            .await?
            .map_or(UNBUILT, |r| r.position);
        if now_at != position {
            return Ok(0);
        }
    }
    let mut ids: Vec<i32> = entries.iter().map(|e| e.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let (docs, gone) = current_state(state, &ids).await?;
    let was_failing = row.as_ref().is_some_and(|r| r.attempts > 0);
    match bounded(engine.apply(docs, gone, last)).await {
        Ok(()) => {
            advance(state, &consumer, &owner, last).await?;
            if was_failing && !engine.keeps_position() {
                refill_if_emptied(state).await?;
            }
            Ok(entries.len())
        }
        Err(e @ SearchError::Failed(_))
            if row.as_ref().map_or(0, |r| r.attempts) + 1 >= POISON_AFTER =>
        {
            tracing::warn!(error = %e, consumer, "a batch keeps failing; trying its products one by one");
            one_by_one(state, &consumer, &owner, &entries, position, last).await?;
            Ok(entries.len())
        }
        Err(SearchError::Missing(m)) => {
            tracing::warn!(consumer, error = %m, "the search index is missing; rebuilding it");
            crate::services::search::rebuild_locked(state).await
        }
        Err(e) => Err(failure(state, &consumer, &owner, row.as_ref(), &e).await),
    }
}

/// The published products among `ids` as documents, and the others (to remove).
async fn current_state(state: &AppState, ids: &[i32]) -> AppResult<(Vec<SearchDoc>, Vec<i32>)> {
    let views =
        catalogue::published_views(&state.db, &state.reference, ids, state.clock.today()).await?;
    let docs = search_sync::documents(&state.db, &state.reference, &views).await?;
    let gone = ids
        .iter()
        .copied()
        .filter(|id| !docs.iter().any(|d| d.id == *id))
        .collect();
    Ok((docs, gone))
}

/// Records the new position and lets the lease go (a rebuild may take it at once).
async fn advance(state: &AppState, consumer: &str, owner: &str, to: i32) -> AppResult<bool> {
    record(
        state,
        consumer,
        owner,
        search_sync::stands_at(
            search_consumer::Entity::update_many(),
            to,
            state.clock.now(),
        ),
    )
    .await
}

/// Notes a failed try and when to try again; the entries wait where they are.
async fn failure(
    state: &AppState,
    consumer: &str,
    owner: &str,
    row: Option<&search_consumer::Model>,
    e: &SearchError,
) -> AppError {
    let attempts = row.map_or(0, |r| r.attempts) + 1;
    if let SearchError::Misconfigured(why) = e {
        tracing::error!(consumer, error = %why, "the search engine refuses ketnoi's key: set a valid search key (KETNOI_SEARCH_KEY)");
    }
    let backoff = (100i64 << attempts.clamp(0, 10)).min(MAX_BACKOFF_MS);
    let next = state.clock.now() + chrono::Duration::milliseconds(backoff);
    let noted = search_sync::released(search_consumer::Entity::update_many())
        .col_expr(search_consumer::Column::Attempts, Expr::value(attempts))
        .col_expr(search_consumer::Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            search_consumer::Column::LastError,
            Expr::value(e.to_string().chars().take(500).collect::<String>()),
        )
        .filter(search_consumer::Column::Name.eq(consumer))
        .filter(
            sea_orm::Condition::any()
                .add(search_consumer::Column::LeaseOwner.is_null())
                .add(search_consumer::Column::LeaseOwner.eq(owner))
                .add(search_consumer::Column::LeaseUntil.lt(state.clock.now())),
        )
        .exec(&state.db)
        .await;
    if let Err(db) = noted {
        tracing::warn!(error = %db, "could not note a search failure");
    }
    AppError::Internal(anyhow::anyhow!("{e}"))
}

/// Applies a batch the engine keeps refusing product by product: what it still refuses
/// becomes a dead letter, and the index moves past the batch.
async fn one_by_one(
    state: &AppState,
    consumer: &str,
    owner: &str,
    entries: &[search_log::Model],
    from: i32,
    to: i32,
) -> AppResult<()> {
    let engine = state.search.as_ref();
    let mut seen = std::collections::HashSet::new();
    for entry in entries {
        if !seen.insert(entry.product_id) {
            continue;
        }
        let (docs, gone) = current_state(state, &[entry.product_id]).await?;
        match bounded(engine.apply(docs, gone, from)).await {
            Ok(()) => {}
            // Down now: the batch waits as a whole.
            Err(e) if !matches!(e, SearchError::Failed(_)) => {
                let row = search_consumer::Entity::find_by_id(consumer.to_string())
                    .one(&state.db)
                    .await?;
                return Err(failure(state, consumer, owner, row.as_ref(), &e).await);
            }
            Err(e) => {
                search_dead_letter::Entity::insert(search_dead_letter::ActiveModel {
                    consumer: Set(consumer.to_string()),
                    entry_id: Set(entry.id),
                    product_id: Set(entry.product_id),
                    error: Set(e.to_string().chars().take(2000).collect()),
                    created_at: Set(state.clock.now()),
                    ..Default::default()
                })
                .exec(&state.db)
                .await?;
            }
        }
    }
    match bounded(engine.apply(Vec::new(), Vec::new(), to)).await {
        Ok(()) => {
            advance(state, consumer, owner, to).await?;
            Ok(())
        }
        Err(e) => {
            let row = search_consumer::Entity::find_by_id(consumer.to_string())
                .one(&state.db)
                .await?;
            Err(failure(state, consumer, owner, row.as_ref(), &e).await)
        }
    }
}

/// A shared index that answers again but holds nothing while the catalogue has published
/// products was lost (recreated, or emptied by hand): it is rebuilt.
async fn refill_if_emptied(state: &AppState) -> AppResult<()> {
    use sea_orm::PaginatorTrait;
    let published = crate::db::entities::product::Entity::find()
        .filter(
            crate::db::entities::product::Column::Status
                .eq(crate::domain::ProductStatus::Published),
        )
        .count(&state.db)
        .await?;
    if published > 0
        && crate::services::search::index_is_empty(state)
            .await
            .unwrap_or(false)
    {
        tracing::warn!("the search index came back empty; rebuilding it");
        crate::services::search::rebuild_locked(state).await?;
    }
    Ok(())
}

/// Applies everything due (for tests, `reindex` and start-up).
pub async fn drain(state: &AppState) -> AppResult<usize> {
    super::until_done(|| drain_once(state, 500)).await
}

/// Runs the worker for as long as the server runs; also picks up synonym changes made on
/// other app instances and trims the log every minute.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut last_minute = std::time::Instant::now();
        loop {
            if last_minute.elapsed() > Duration::from_secs(60) {
                if let Err(e) = crate::services::synonyms::reload(&state).await {
                    tracing::warn!(error = %e, "could not reload search synonyms");
                }
                if let Err(e) = search_sync::trim(&state.db, state.clock.now()).await {
                    tracing::warn!(error = %e, "could not trim the search log");
                }
                last_minute = std::time::Instant::now();
            }
            match drain_once(&state, 200).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(250)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, engine = state.search.name(), "search index update failed; will retry");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    });
}
