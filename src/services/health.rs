//! Whether this instance can serve: its database answers.

use crate::context::AppState;
use sea_orm::ConnectionTrait;

use crate::error::AppResult;

/// Asks the database for a trivial answer; an error means the instance cannot serve.
pub async fn check(state: &AppState) -> AppResult<()> {
    let db = &state.db;
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}
