//! Whether this instance can serve: its database answers.

use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::error::AppResult;

/// Asks the database for a trivial answer; an error means the instance cannot serve.
pub async fn check(db: &DatabaseConnection) -> AppResult<()> {
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}
