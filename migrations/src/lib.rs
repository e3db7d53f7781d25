//! Database schema of ketnoi, one file per change, identical on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_catalogue_core;
mod m20261128_000002_places;
mod m20261128_000003_categories;
mod m20261128_000004_listing_indexes;
mod m20261128_000005_search_outbox;
mod m20261128_000006_search_synonyms;
mod m20261128_000007_media;
mod m20261128_000008_requests;
mod m20261128_000009_fairs;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_catalogue_core::Migration),
            Box::new(m20261128_000002_places::Migration),
            Box::new(m20261128_000003_categories::Migration),
            Box::new(m20261128_000004_listing_indexes::Migration),
            Box::new(m20261128_000005_search_outbox::Migration),
            Box::new(m20261128_000006_search_synonyms::Migration),
            Box::new(m20261128_000007_media::Migration),
            Box::new(m20261128_000008_requests::Migration),
            Box::new(m20261128_000009_fairs::Migration),
        ]
    }
}
