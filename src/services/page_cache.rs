//! Keeps the rendered-page cache a faithful copy of the catalogue: the cache follows the
//! same change log as the search indexes (see `crate::page_cache`).
//!
//! It reads the log before serving a page when it is due: at once after a change made by
//! this process (the next request is often the person who made it, looking at the result),
//! otherwise at most once a second, which bounds how long another instance's change takes
//! to show here.

use std::time::{Duration, Instant};

use crate::context::AppState;
use crate::error::AppResult;
use crate::page_cache::Change;
use crate::services::search_sync;

/// How long after this process changed the catalogue every cached page is checked
/// against the log before it is served (the change's transaction commits within it).
const AFTER_A_LOCAL_CHANGE: Duration = Duration::from_secs(30);
/// How stale a page may be after another instance's change.
const AT_MOST_EVERY: Duration = Duration::from_secs(1);
const BATCH: u64 = 5_000;

/// Brings the cache up to the log when due; returns the position a page rendered now is
/// valid at (`None` when the cache is off).
pub async fn follow(state: &AppState) -> AppResult<Option<i32>> {
    let cache = &state.pages;
    if !cache.enabled() {
        return Ok(None);
    }
    let arrived = Instant::now();
    let local = search_sync::changed_here_within(AFTER_A_LOCAL_CHANGE);
    if let Some(position) = cache.position()
        && !local
        && cache
            .read_at()
            .is_some_and(|at| at.elapsed() < AT_MOST_EVERY)
    {
        return Ok(Some(position));
    }
    let mut last = cache.sync.lock().await;
    // Another request read the log after this one arrived: what it read is enough.
    if let (Some(at), Some(position)) = (*last, cache.position())
        && at >= arrived
    {
        return Ok(Some(position));
    }
    let started = Instant::now();
    let db = &state.db;
    let mut position = if let Some(p) = cache.position() {
        p
    } else {
        let p = search_sync::last_entry(db).await?;
        cache.reset(p);
        p
    };
    if search_sync::trimmed_through(db).await? > position {
        // Entries this cache never read are gone: start again from where the log stands.
        position = search_sync::last_entry(db).await?;
        cache.reset(position);
    }
    loop {
        let entries = search_sync::changes_after(db, position, BATCH).await?;
        let Some(&(last_id, _, _)) = entries.last() else {
            break;
        };
        let changes: Vec<Change> = entries
            .iter()
            .map(|&(_, product_id, enterprise_id)| Change {
                product_id,
                enterprise_id,
            })
            .collect();
        cache.apply(&changes, last_id);
        position = last_id;
        if (entries.len() as u64) < BATCH {
            break;
        }
    }
    *last = Some(started);
    cache.mark_read(started);
    Ok(Some(position))
}
