//! Background jobs that run inside `ketnoi serve`.

pub mod mail;
pub mod search;
pub mod storage;

use std::time::Duration;

use crate::context::AppState;

/// Runs `pass` until one finds nothing to do; returns how much they did in all.
pub(crate) async fn until_done<F, Fut>(mut pass: F) -> crate::error::AppResult<usize>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = crate::error::AppResult<usize>>,
{
    let mut total = 0;
    loop {
        match pass().await? {
            0 => return Ok(total),
            n => total += n,
        }
    }
}

/// Deletes sessions past their absolute end or their idle timeout, and rate-limit counters
/// whose window is long over.
/// Idempotent, so several app instances may run it at once.
pub async fn housekeeping(state: &AppState) -> Result<(u64, u64), sea_orm::DbErr> {
    let (db, config) = (&state.db, &*state.config);
    let sessions = crate::services::auth::delete_ended_sessions(db, state.clock.now(), config)
        .await
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    // Counters are kept a day past their window (the longest window is a day).
    let attempts =
        crate::services::throttle::prune(db, chrono::Duration::days(1) + config.login_window)
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    Ok((sessions, attempts))
}

/// Runs [`housekeeping`], the expiry reminders and the reset-link clean-up every hour for as
/// long as the server runs (each is idempotent: a reminder is sent once however often it runs).
pub fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match housekeeping(&state).await {
                Ok((s, a)) if s + a > 0 => tracing::info!(
                    sessions = s,
                    attempts = a,
                    "removed expired sign-in records"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; will retry"),
            }
            match crate::services::reports::snapshot(&state).await {
                Ok(n) if n > 0 => tracing::info!(groups = n, "counted the catalogue for reports"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "catalogue snapshot failed; will retry"),
            }
            match crate::services::expiry::run(&state).await {
                Ok(n) if n > 0 => tracing::info!(reminders = n, "sent expiry reminders"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "expiry reminders failed; will retry"),
            }
            match crate::services::accounts::prune_reset_links(&state.db, state.clock.now()).await {
                Ok(n) if n > 0 => tracing::info!(links = n, "removed spent password reset links"),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "removing spent reset links failed; will retry");
                }
            }
        }
    });
}

/// Runs an import staff just started, in the background.
pub fn spawn_import(state: AppState, id: i32) {
    tokio::spawn(async move {
        if let Err(e) = crate::services::imports::run(&state, id).await {
            tracing::warn!(import = id, error = %e, "import failed");
        }
    });
}

/// Every minute: imports that wait, or that a stopped process left running, are taken up.
pub fn spawn_import_runner(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = crate::services::imports::run_waiting(&state).await {
                tracing::warn!(error = %e, "imports could not be resumed; will retry");
            }
        }
    });
}

/// How long an unreferenced object is left alone: an upload may still be writing its row.
pub const STORAGE_GC_GRACE: chrono::Duration = chrono::Duration::hours(24);

/// Removes orphaned objects (what interrupted uploads left) once a day. Safe to run on
/// several instances at once: removing an orphan twice is harmless.
pub fn spawn_storage_gc(state: AppState) {
    tokio::spawn(async move {
        // The first pass waits an hour, so a restart loop never hammers the store.
        let start = tokio::time::Instant::now() + Duration::from_secs(3600);
        let mut tick = tokio::time::interval_at(start, Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            match crate::jobs::storage::gc(&state, STORAGE_GC_GRACE, false).await {
                Ok(removed) if !removed.is_empty() => {
                    tracing::info!(objects = removed.len(), "removed orphaned objects");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "storage gc failed; will retry tomorrow"),
            }
        }
    });
}
