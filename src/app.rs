//! Assembly: opens the configured database-side services and engines into the
//! [`AppState`] every use case receives.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::{Config, SearchConfig, StorageConfig};
use crate::context::AppState;
use crate::db::reference::Reference;
use crate::search::SearchEngine;
use crate::search::embedded::EmbeddedEngine;
use crate::search::meili::MeiliEngine;
use crate::storage::BlobStore;
use crate::storage::dir::DirStore;
use crate::storage::s3::S3Store;

/// Opens the configured object store; an S3 bucket is created when missing.
pub async fn open_store(config: &StorageConfig) -> anyhow::Result<Arc<dyn BlobStore>> {
    Ok(match config {
        StorageConfig::Dir(dir) => Arc::new(DirStore::open(dir).map_err(|e| {
            anyhow::anyhow!("cannot open the file store at {}: {e}", dir.display())
        })?),
        StorageConfig::S3(settings) => {
            let store = S3Store::new(settings.clone())?;
            if let Err(e) = store.create_bucket_if_missing().await {
                // The store may be down for now; uploads say so until it is back.
                tracing::warn!(bucket = settings.bucket, error = %e, "cannot check the S3 bucket");
            }
            Arc::new(store)
        }
    })
}

/// A name for this process among the instances sharing the database: the host's name and
/// a random part.
fn instance_name() -> anyhow::Result<String> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "ketnoi".into());
    Ok(format!("{host}-{}", hex::encode(bytes)))
}

/// How long starting up waits on the search engine before going on without it.
const STARTUP_SEARCH_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Loads reference data and opens the search engine over an already migrated database.
pub async fn build_state(db: DatabaseConnection, config: Config) -> anyhow::Result<AppState> {
    let reference = Reference::load(&db).await?;
    let search: Arc<dyn SearchEngine> = match &config.search {
        SearchConfig::InMemory => Arc::new(EmbeddedEngine::in_memory()?),
        SearchConfig::Embedded(dir) => Arc::new(EmbeddedEngine::open(dir)?),
        SearchConfig::Meilisearch { url, key, index } => Arc::new(MeiliEngine::with_facet_values(
            url,
            key.as_deref(),
            index,
            reference.commune_count() + 100,
        )?),
    };
    let store = open_store(&config.storage).await?;
    let mailer = Arc::new(crate::mail::Mailer::from_config(&config)?);
    let printer = config.chromium.clone().map(|browser| {
        Arc::new(crate::print::Chromium::new(browser)) as Arc<dyn crate::print::Printer>
    });
    let state = AppState::new(crate::context::Context {
        mailer,
        printer,
        clock: crate::clock::Clock::system(),
        db,
        reference: Arc::new(reference),
        image_permits: Arc::new(tokio::sync::Semaphore::new(config.image_workers.max(1))),
        pages: Arc::new(crate::page_cache::PageCache::new(config.page_cache_bytes)),
        config: Arc::new(config),
        search,
        synonyms: Arc::default(),
        vocabulary: Arc::default(),
        store,
        instance: instance_name()?.into(),
        search_worker: Arc::default(),
    });
    // A search engine that does not answer must not hold up the start: the search worker
    // applies the synonyms once it does.
    if let Ok(result) = tokio::time::timeout(
        STARTUP_SEARCH_WAIT,
        crate::services::synonyms::reload(&state),
    )
    .await
    {
        result.map_err(|e| anyhow::anyhow!("{e}"))?;
    } else {
        tracing::warn!("the search engine did not answer in time; synonyms follow later");
    }
    Ok(state)
}
