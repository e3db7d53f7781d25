//! Rate limits: a counter per key in a fixed window, counted and read back in one
//! statement, so attempts made in parallel each see the count of those before them.
//!
//! An attempt is counted before the work it guards (a password check, a request insert), so
//! thirty attempts at once are thirty counts, and only those within the limit go ahead.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult};

use crate::db::write_txn;
use crate::domain::Code;
use crate::error::{AppError, AppResult};

/// One limit: at most `max` attempts per `window` for `key`.
#[derive(Clone, Debug)]
pub struct Limit {
    pub key: String,
    pub max: u32,
    pub window: chrono::Duration,
}

impl Limit {
    pub fn new(key: impl Into<String>, max: u32, window: chrono::Duration) -> Self {
        Limit {
            key: key.into(),
            max,
            window,
        }
    }
}

fn table() -> Alias {
    Alias::new("throttles")
}

fn col(name: &'static str) -> Alias {
    Alias::new(name)
}

/// Counts one attempt against each limit and refuses (429 `code`, with the wait) when any of them
/// is over. Every key is counted even when an earlier one is over, so a refused attempt
/// still costs the attacker on every limit. The keys of one attempt are counted in one
/// short transaction, in the order given: two attempts sharing keys count them one after
/// the other, so exactly `max` get through.
pub async fn check(db: &DatabaseConnection, code: Code, limits: &[Limit]) -> AppResult<()> {
    let txn = write_txn(db).await?;
    let mut wait: Option<u64> = None;
    for limit in limits {
        let (hits, window_start) = count(&txn, limit).await?;
        if hits > i64::from(limit.max) {
            let ends = window_start + limit.window.num_milliseconds();
            let secs = u64::try_from(std::cmp::max(ends - now_ms(), 1000) / 1000).unwrap_or(1);
            wait = Some(wait.map_or(secs, |w| std::cmp::max(w, secs)));
        }
    }
    txn.commit().await?;
    match wait {
        Some(retry_after_secs) => Err(AppError::RateLimited {
            code,
            retry_after_secs,
        }),
        None => Ok(()),
    }
}

/// Takes back one attempt from each key (a sign-in that succeeded is not an attack).
pub async fn refund(db: &impl ConnectionTrait, keys: &[&str]) -> AppResult<()> {
    for key in keys {
        let stmt = Query::update()
            .table(table())
            .value(col("hits"), Expr::col(col("hits")).sub(1))
            .and_where(Expr::col(col("key")).eq(*key))
            .and_where(Expr::col(col("hits")).gt(0))
            .to_owned();
        db.execute(&stmt).await?;
    }
    Ok(())
}

/// Forgets every key that starts with `prefix` (an account whose password was reset).
pub async fn clear(db: &impl ConnectionTrait, prefix: &str) -> AppResult<()> {
    let stmt = Query::delete()
        .from_table(table())
        .and_where(Expr::col(col("key")).like(format!("{}%", escape_like(prefix))))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Forgets one key exactly.
pub async fn forget(db: &impl ConnectionTrait, key: &str) -> AppResult<()> {
    let stmt = Query::delete()
        .from_table(table())
        .and_where(Expr::col(col("key")).eq(key))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Removes counters whose window ended more than `older_than` ago.
pub async fn prune(db: &impl ConnectionTrait, older_than: chrono::Duration) -> AppResult<u64> {
    let stmt = Query::delete()
        .from_table(table())
        .and_where(Expr::col(col("window_start")).lt(now_ms() - older_than.num_milliseconds()))
        .to_owned();
    Ok(db.execute(&stmt).await?.rows_affected())
}

/// Rate limits count the system's seconds (a clock moved forward for a test or a demo does
/// not reopen a window).
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Adds one to the key's counter (starting a new window when the old one is over) and
/// returns the count and when its window began.
async fn count(db: &impl ConnectionTrait, limit: &Limit) -> AppResult<(i64, i64)> {
    let at = now_ms();
    let expired = at - limit.window.num_milliseconds();
    let current = |c: &'static str| Expr::col((table(), col(c)));
    let stmt = Query::insert()
        .into_table(table())
        .columns([col("key"), col("window_start"), col("hits")])
        .values_panic([limit.key.clone().into(), at.into(), 1.into()])
        .on_conflict(
            OnConflict::column(col("key"))
                .values([
                    (
                        col("hits"),
                        Expr::case(current("window_start").lte(expired), 1)
                            .finally(current("hits").add(1))
                            .into(),
                    ),
                    (
                        col("window_start"),
                        Expr::case(current("window_start").lte(expired), at)
                            .finally(current("window_start"))
                            .into(),
                    ),
                ])
                .to_owned(),
        )
        .returning(Query::returning().columns([col("hits"), col("window_start")]))
        .to_owned();
    let row: QueryResult = db
        .query_one(&stmt)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the rate-limit counter returned no row"))?;
    let hits: i64 = row
        .try_get::<i32>("", "hits")
        .map(i64::from)
        .or_else(|_| row.try_get::<i64>("", "hits"))?;
    let start: i64 = row.try_get("", "window_start")?;
    Ok((hits, start))
}
