//! Database access: connection, migrations, the sea-orm entities with typed status columns,
//! and the units of work and shared queries every use case goes through.

mod columns;
pub mod entities;
pub mod reference;
mod unit;

pub use unit::{
    begin_on, free_slug, lock, locked, skip_locked, taken, unique_violation, write_txn,
};

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Connects to SQLite (creating the file) or PostgreSQL, by the URL's scheme.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        // A request waits this long for a connection (the database restarting, every
        // connection busy) before it is answered 503 `database.unavailable`.
        .acquire_timeout(Duration::from_secs(5));
    if url.starts_with("sqlite:") {
        // WAL lets readers work while one writer writes; the busy timeout queues writers
        // instead of failing them.
        options.max_connections(8).map_sqlx_sqlite_opts(|o| {
            o.create_if_missing(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    } else {
        options.max_connections(16);
    }
    Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(url)))
}

/// How many of this version's migrations the database has not applied.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, sea_orm::DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}

/// Applies every migration that has not run yet.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("database migration failed")?;
    fill_name_keys(db)
        .await
        .context("filling in enterprises' name keys failed")
}

/// Enterprises written before their names were kept folded get their key (once; a no-op after).
async fn fill_name_keys(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let missing: Vec<(i32, String)> = entities::enterprise::Entity::find()
        .select_only()
        .column(entities::enterprise::Column::Id)
        .column(entities::enterprise::Column::Name)
        .filter(entities::enterprise::Column::NameKey.is_null())
        .into_tuple()
        .all(db)
        .await?;
    for (id, name) in missing {
        entities::enterprise::Entity::update_many()
            .col_expr(
                entities::enterprise::Column::NameKey,
                sea_orm::sea_query::Expr::value(crate::domain::text::name_key(&name)),
            )
            .filter(entities::enterprise::Column::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Hides a password in a database URL before it is logged.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
