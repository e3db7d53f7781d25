//! Application state and assembly.

use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::services::reference::Reference;

/// Everything a request handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub reference: Arc<Reference>,
    pub config: Arc<Config>,
}

/// Builds the router over an already migrated database.
pub async fn build_app(db: DatabaseConnection, config: Config) -> anyhow::Result<Router> {
    let reference = Reference::load(&db).await?;
    let state = AppState {
        db,
        reference: Arc::new(reference),
        config: Arc::new(config),
    };
    Ok(crate::router::router(state))
}
