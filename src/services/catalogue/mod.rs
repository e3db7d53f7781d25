//! Enterprises and products: publishing, editing for a producer, and vetting.
//!
//! Permissions are checked here, once per use case: producers act on the enterprises they
//! belong to; staff and admins act on all; buyers and visitors only read what is published.
//! Every change is written with its audit entry in one transaction.

mod access;
mod enterprises;
mod listing;
mod products;
mod views;

pub use access::*;
pub use enterprises::*;
pub use listing::*;
pub use products::*;
pub use views::*;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::domain::text;
use crate::error::AppResult;

// Slugs

/// A slug not yet used in `table`: `mien-dong-na-ri`, then `mien-dong-na-ri-2`, …
async fn free_slug<E>(
    db: &impl ConnectionTrait,
    name: &str,
    slug_col: E::Column,
) -> AppResult<String>
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
