//! Background jobs that run inside `ketnoi serve`.

pub mod search;

use std::time::Duration;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::config::Config;
use crate::db::entities::{login_attempt, session};
use crate::services::now;

/// Deletes expired sessions and sign-in attempts older than the rate-limit window.
/// Idempotent, so several app instances may run it at once.
pub async fn housekeeping(
    db: &DatabaseConnection,
    config: &Config,
) -> Result<(u64, u64), sea_orm::DbErr> {
    let sessions = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(now()))
        .exec(db)
        .await?
        .rows_affected;
    let attempts = login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::AttemptedAt.lt(now() - config.login_window))
        .exec(db)
        .await?
        .rows_affected;
    Ok((sessions, attempts))
}

/// Runs [`housekeeping`] every hour for as long as the server runs.
pub fn spawn_housekeeping(db: DatabaseConnection, config: Config) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match housekeeping(&db, &config).await {
                Ok((s, a)) if s + a > 0 => tracing::info!(
                    sessions = s,
                    attempts = a,
                    "removed expired sign-in records"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; will retry"),
            }
        }
    });
}
