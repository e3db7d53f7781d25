//! Application state and assembly.

use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;

use crate::config::{Config, SearchConfig};
use crate::search::SearchEngine;
use crate::search::embedded::EmbeddedEngine;
use crate::search::meili::MeiliEngine;
use crate::services::reference::Reference;

/// Everything a request handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub reference: Arc<Reference>,
    pub config: Arc<Config>,
    pub search: Arc<dyn SearchEngine>,
    /// Search synonym groups, folded (see `services::synonyms`).
    pub synonyms: Arc<std::sync::RwLock<Vec<Vec<String>>>>,
}

/// Loads reference data and opens the search engine over an already migrated database.
pub async fn build_state(db: DatabaseConnection, config: Config) -> anyhow::Result<AppState> {
    let reference = Reference::load(&db).await?;
    let search: Arc<dyn SearchEngine> = match &config.search {
        SearchConfig::InMemory => Arc::new(EmbeddedEngine::in_memory()?),
        SearchConfig::Embedded(dir) => Arc::new(EmbeddedEngine::open(dir)?),
        SearchConfig::Meilisearch { url, key, index } => {
            Arc::new(MeiliEngine::new(url, key.as_deref(), index)?)
        }
    };
    let state = AppState {
        db,
        reference: Arc::new(reference),
        config: Arc::new(config),
        search,
        synonyms: Arc::default(),
    };
    crate::services::synonyms::reload(&state)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(state)
}

/// Builds the router over an already migrated database.
pub async fn build_app(db: DatabaseConnection, config: Config) -> anyhow::Result<Router> {
    Ok(crate::router::router(build_state(db, config).await?))
}
