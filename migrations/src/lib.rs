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
mod m20261201_000010_throttles;
mod m20261201_000011_vetting_versions;
mod m20261201_000012_accounts;
mod m20261201_000013_fair_visitors;
mod m20261203_000014_programmes;
mod m20261204_000015_programme_follow_up;
mod m20261204_000016_expiry;
mod m20261204_000017_imports;
mod m20261204_000018_catalogue_snapshots;
mod m20261204_000019_enterprise_name_key;
mod m20261204_000020_ocop_certified_on;
mod m20261204_000021_search_log;
mod m20261205_000022_category_search_terms;

/// A foreign key named `fk_{table}_{column}` to `{to_table}.id`.
pub(crate) fn foreign_key(
    from_table: &str,
    from_col: &str,
    to_table: &str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(Alias::new(from_table), Alias::new(from_col))
        .to(Alias::new(to_table), Alias::new("id"))
        .on_delete(on_delete)
        .to_owned()
}

/// An index named `ix_{table}_{columns}`.
pub(crate) async fn create_index(
    manager: &SchemaManager<'_>,
    table: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", cols.join("_")))
        .table(Alias::new(table));
    for c in cols {
        stmt.col(Alias::new(*c));
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt.clone()).await
}

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
            Box::new(m20261201_000010_throttles::Migration),
            Box::new(m20261201_000011_vetting_versions::Migration),
            Box::new(m20261201_000012_accounts::Migration),
            Box::new(m20261201_000013_fair_visitors::Migration),
            Box::new(m20261203_000014_programmes::Migration),
            Box::new(m20261204_000015_programme_follow_up::Migration),
            Box::new(m20261204_000016_expiry::Migration),
            Box::new(m20261204_000017_imports::Migration),
            Box::new(m20261204_000018_catalogue_snapshots::Migration),
            Box::new(m20261204_000019_enterprise_name_key::Migration),
            Box::new(m20261204_000020_ocop_certified_on::Migration),
            Box::new(m20261204_000021_search_log::Migration),
            Box::new(m20261205_000022_category_search_terms::Migration),
        ]
    }
}
