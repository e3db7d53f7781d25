//! The e-mail worker: sends what notifications queued in `email_outbox`.
//!
//! A pass leases a batch (pushing `next_attempt_at` forward, on PostgreSQL under
//! `FOR UPDATE SKIP LOCKED` so instances never take the same rows), sends outside any
//! transaction, then marks each row sent or schedules a retry with a growing backoff. A
//! crash between sending and marking sends that message again: at least once, never lost.

use std::time::Duration;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::context::AppState;
use crate::db::entities::email_outbox;
use crate::error::AppResult;

/// After this many failures a message is left for staff to see, not retried.
pub const MAX_ATTEMPTS: i32 = 12;
const LEASE: chrono::Duration = chrono::Duration::minutes(5);

fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds(30 * 2i64.pow(attempts.clamp(0, 10) as u32))
        .min(chrono::Duration::hours(6))
}

/// Sends up to `batch` due messages; returns how many were sent.
pub async fn drain_once(state: &AppState, batch: u64) -> AppResult<usize> {
    let (db, mailer, clock) = (&state.db, &state.mailer, &state.clock);
    let txn = crate::db::write_txn(db).await?;
    let select = email_outbox::Entity::find()
        .filter(email_outbox::Column::SentAt.is_null())
        .filter(email_outbox::Column::Attempts.lt(MAX_ATTEMPTS))
        .filter(email_outbox::Column::NextAttemptAt.lte(clock.now()))
        .order_by_asc(email_outbox::Column::Id)
        .limit(batch);
    let rows = crate::db::skip_locked(select, db.get_database_backend())
        .all(&txn)
        .await?;
    if rows.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    email_outbox::Entity::update_many()
        .col_expr(
            email_outbox::Column::NextAttemptAt,
            sea_orm::sea_query::Expr::value(clock.now() + LEASE),
        )
        .filter(email_outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(&txn)
        .await?;
    txn.commit().await?;

    let mut sent = 0;
    for row in rows {
        let result = mailer.send(&row.to_address, &row.subject, &row.body).await;
        let attempts = row.attempts + 1;
        let mut active: email_outbox::ActiveModel = row.into();
        active.attempts = Set(attempts);
        match result {
            Ok(()) => {
                active.sent_at = Set(Some(clock.now()));
                active.last_error = Set(None);
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(error = %e, attempts, "e-mail not sent; will retry");
                active.last_error = Set(Some(e.to_string()));
                active.next_attempt_at = Set(clock.now() + backoff(attempts));
            }
        }
        active.update(db).await?;
    }
    Ok(sent)
}

/// Sends everything due now (tests and the command line).
pub async fn drain(state: &AppState) -> AppResult<usize> {
    super::until_done(|| drain_once(state, 50)).await
}

/// Runs the worker for as long as the server runs.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        loop {
            match drain_once(&state, 20).await {
                Ok(0) => tokio::time::sleep(Duration::from_secs(2)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "e-mail worker failed; will retry");
                    tokio::time::sleep(Duration::from_secs(10)).await;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(super::backoff(1).num_seconds(), 60);
        assert!(super::backoff(5) > super::backoff(4));
        assert_eq!(super::backoff(30).num_hours(), 6);
    }
}
