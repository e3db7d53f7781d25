//! The context every use case receives: the database, the engines and stores behind their
//! interfaces, the mailer, the printer, the clock and the reference data, cheap to clone. It sits below
//! the services, so that services, jobs and handlers all take the same thing and nothing
//! below `http` needs to know the router.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::db::reference::Reference;
use crate::search::SearchEngine;
use crate::storage::BlobStore;

/// Everything a use case may need, behind one shared pointer: cloned by every extractor
/// and middleware of every request, so a clone is one reference count, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<Context>);

impl AppState {
    pub fn new(context: Context) -> Self {
        AppState(Arc::new(context))
    }
}

impl std::ops::Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.0
    }
}

/// Changing a part (a test swapping the search engine) changes this copy only, as it did
/// when each part was cloned on its own.
impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Context {
        Arc::make_mut(&mut self.0)
    }
}

/// What an [`AppState`] holds.
#[derive(Clone)]
pub struct Context {
    pub db: DatabaseConnection,
    pub reference: Arc<Reference>,
    pub config: Arc<Config>,
    pub search: Arc<dyn SearchEngine>,
    /// Search synonym groups, folded (see `services::synonyms`).
    pub synonyms: Arc<std::sync::RwLock<Vec<Vec<String>>>>,
    /// The catalogue's words, and when they were read (see `services::search`).
    pub vocabulary: Arc<tokio::sync::RwLock<crate::search::vocabulary::Kept>>,
    /// Photos and documents.
    pub store: Arc<dyn BlobStore>,
    /// Bounds how many photos are decoded and resized at once.
    pub image_permits: Arc<tokio::sync::Semaphore>,
    /// Sends queued e-mail (see `jobs::mail`).
    pub mailer: Arc<crate::mail::Mailer>,
    /// Prints catalogues and labels to PDF; none when no browser is installed.
    pub printer: Option<Arc<dyn crate::print::Printer>>,
    /// What time it is for every use case and job.
    pub clock: crate::clock::Clock,
    /// This process among the instances sharing the database (leases name it).
    pub instance: Arc<str>,
    /// Held while this process feeds or rebuilds its search index: one at a time.
    pub search_worker: Arc<tokio::sync::Mutex<()>>,
    /// Rendered public pages (see `page_cache`).
    pub pages: Arc<crate::page_cache::PageCache>,
}
