//! Words buyers use for a category that its names do not say (English mostly: the catalogue
//! is written in Vietnamese), kept by staff. They are indexed with every product of the
//! category and of its sub-categories, so `cement bricks` finds *Gạch không nung*.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Actor, audit};
use crate::context::AppState;
use crate::db::entities::{category, product};
use crate::domain::{Code, Invalid, ProductStatus, text};
use crate::error::{AppError, AppResult};

/// Most terms a category keeps.
const MOST_TERMS: usize = 40;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CategoryTerms {
    pub slug: String,
    pub name_vi: String,
    pub name_en: String,
    /// The parent category's slug, for a sub-category.
    pub parent: Option<String>,
    pub terms: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewTerms {
    /// Terms separated by commas (or new lines); each up to 5 words. Empty clears them.
    pub terms: String,
}

/// The terms as stored: cleaned, each once (folded), in the order written.
fn parse(input: &str) -> Result<Vec<String>, Invalid> {
    let mut seen = Vec::new();
    let mut terms = Vec::new();
    for t in input.split([',', ';', '\n']).map(text::clean) {
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > 60 || t.split(' ').count() > 5 {
            return Err(Invalid::one("terms", Code::SearchTermTooLong));
        }
        let key = text::fold(&t);
        if !seen.contains(&key) {
            seen.push(key);
            terms.push(t);
        }
    }
    if terms.len() > MOST_TERMS {
        return Err(Invalid::one("terms", Code::SearchTermsTooMany));
    }
    Ok(terms)
}

fn split(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// Every category with its terms, parents first (staff).
pub async fn list(state: &AppState, actor: &Actor) -> AppResult<Vec<CategoryTerms>> {
    actor.require_staff()?;
    let rows = category::Entity::find()
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .all(&state.db)
        .await?;
    let slug_of: HashMap<i32, String> = rows.iter().map(|c| (c.id, c.slug.clone())).collect();
    let mut out: Vec<CategoryTerms> = Vec::new();
    for top in rows.iter().filter(|c| c.parent_id.is_none()) {
        for c in std::iter::once(top).chain(rows.iter().filter(|c| c.parent_id == Some(top.id))) {
            out.push(CategoryTerms {
                slug: c.slug.clone(),
                name_vi: c.name_vi.clone(),
                name_en: c.name_en.clone(),
                parent: c.parent_id.and_then(|p| slug_of.get(&p).cloned()),
                terms: split(&c.search_terms),
            });
        }
    }
    Ok(out)
}

/// Replaces a category's terms (staff), audited; every published product of the category
/// and its sub-categories is re-indexed, in the same transaction.
pub async fn set(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    input: &NewTerms,
) -> AppResult<Vec<String>> {
    actor.require_staff()?;
    let terms = parse(&input.terms)?;
    let txn = crate::db::write_txn(&state.db).await?;
    let row = crate::db::locked(
        &txn,
        category::Entity::find().filter(category::Column::Slug.eq(slug)),
    )
    .one(&txn)
    .await?
    .ok_or(AppError::NotFound)?;
    let before = split(&row.search_terms);
    if before == terms {
        return Ok(terms);
    }
    let id = row.id;
    let mut active: category::ActiveModel = row.into();
    active.search_terms = Set(terms.join(", "));
    active.update(&txn).await?;
    let mut categories: Vec<i32> = category::Entity::find()
        .select_only()
        .column(category::Column::Id)
        .filter(category::Column::ParentId.eq(id))
        .into_tuple()
        .all(&txn)
        .await?;
    categories.push(id);
    let now = state.clock.now();
    audit::record(
        &txn,
        now,
        actor,
        "category_terms.set",
        "categories",
        id,
        serde_json::json!({"before": before, "after": terms}),
    )
    .await?;
    let products: Vec<i32> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::CategoryId.is_in(categories))
        .filter(product::Column::Status.eq(ProductStatus::Published))
        .into_tuple()
        .all(&txn)
        .await?;
    for chunk in products.chunks(500) {
        crate::services::search_sync::enqueue(&txn, now, chunk).await?;
    }
    txn.commit().await?;
    Ok(terms)
}

/// Category slug → its terms and its parent's, for building search documents.
pub async fn by_category(db: &impl ConnectionTrait) -> AppResult<HashMap<String, Vec<String>>> {
    let rows = category::Entity::find().all(db).await?;
    let own: HashMap<i32, Vec<String>> = rows
        .iter()
        .map(|c| (c.id, split(&c.search_terms)))
        .collect();
    Ok(rows
        .iter()
        .map(|c| {
            let mut terms = own.get(&c.id).cloned().unwrap_or_default();
            if let Some(parent) = c.parent_id.and_then(|p| own.get(&p)) {
                terms.extend(parent.iter().cloned());
            }
            (c.slug.clone(), terms)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_cleaned_kept_once_and_bounded() {
        assert_eq!(
            parse(" cement  bricks, Cement Bricks,\nconcrete blocks ;").unwrap(),
            ["cement bricks", "concrete blocks"]
        );
        assert_eq!(parse("").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse("a b c d e f").unwrap_err().0[0].code,
            Code::SearchTermTooLong
        );
        let many: Vec<String> = (0..41).map(|n| format!("term {n}")).collect();
        assert_eq!(
            parse(&many.join(",")).unwrap_err().0[0].code,
            Code::SearchTermsTooMany
        );
    }
}
