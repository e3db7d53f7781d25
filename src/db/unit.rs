//! Units of work and the queries every use case shares: open a write transaction, lock the
//! row to change and read it inside, write, commit; and a free slug for a new record.
//!
//! A change reads what it changes only after its transaction has begun and the row is
//! locked, so two people acting at once apply one after the other and neither works from a
//! stale copy.

use sea_orm::sea_query::LockType;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, PrimaryKeyTrait, QueryFilter, QuerySelect, Select,
    TransactionTrait,
};

use crate::domain::text;
use crate::error::{AppError, AppResult};

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a transaction that reads first and writes later would otherwise have
/// to upgrade its lock, which fails at once while another writer is busy, whatever the busy
/// timeout. PostgreSQL ignores the option.
pub async fn write_txn(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// `select` with its rows locked until the transaction ends (`FOR UPDATE` on PostgreSQL; on
/// SQLite a write transaction already holds the only write lock).
pub fn locked<E: EntityTrait>(txn: &DatabaseTransaction, select: Select<E>) -> Select<E> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        select.lock(LockType::Update)
    } else {
        select
    }
}

/// The row `id` of `E`, read inside `txn` and locked for the rest of it; `NotFound` when
/// there is none.
pub async fn lock<E>(
    txn: &DatabaseTransaction,
    id: impl Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
) -> AppResult<E::Model>
where
    E: EntityTrait,
{
    locked(txn, E::find_by_id(id))
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Opens a write transaction and reads the row `id` of `E` locked in it: the start of every
/// change to one record.
pub async fn begin_on<E>(
    db: &DatabaseConnection,
    id: impl Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
) -> AppResult<(DatabaseTransaction, E::Model)>
where
    E: EntityTrait,
{
    let txn = write_txn(db).await?;
    let row = lock::<E>(&txn, id).await?;
    Ok((txn, row))
}

/// A slug not yet used in `E`'s `slug_col`: `mien-dong-na-ri`, then `mien-dong-na-ri-2`, …
pub async fn free_slug<E>(
    db: &impl ConnectionTrait,
    name: &str,
    slug_col: E::Column,
) -> Result<String, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let base = text::slugify(name);
    let taken: Vec<String> = E::find()
        .select_only()
        .column(slug_col)
        .filter(
            Condition::any()
                .add(slug_col.eq(base.clone()))
                .add(slug_col.starts_with(format!("{base}-"))),
        )
        .into_tuple()
        .all(db)
        .await?;
    if !taken.contains(&base) {
        return Ok(base);
    }
    Ok((2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !taken.contains(s))
        .unwrap_or(base))
}

/// Rows for a worker to claim: on PostgreSQL those another worker holds are passed over
/// (`FOR UPDATE SKIP LOCKED`), so instances share the work; SQLite has one writer at a time.
pub fn skip_locked<E: EntityTrait>(select: Select<E>, backend: DatabaseBackend) -> Select<E> {
    if backend == DatabaseBackend::Postgres {
        select.lock_with_behavior(
            LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        )
    } else {
        select
    }
}

/// What a write that failed on a unique constraint tells the user: `field` already holds
/// a value another record has (`code`, of kind `conflict`). Other failures pass through.
pub fn taken(field: &'static str, code: crate::domain::Code) -> impl FnOnce(DbErr) -> AppError {
    move |e| {
        if unique_violation(&e) {
            AppError::conflict(field, code)
        } else {
            e.into()
        }
    }
}

/// Whether a write failed on a unique constraint (a value another row already has).
pub fn unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
