//! Search synonyms, edited by staff: groups of words that mean the same product, such as a
//! local name and a common name. Every engine applies them the same way.

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Actor, audit};
use crate::context::AppState;
use crate::db::entities::search_synonym;
use crate::domain::{Code, Invalid, text};
use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SynonymGroup {
    pub id: i32,
    /// The words, as staff wrote them.
    pub terms: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewSynonyms {
    /// Two or more terms separated by commas, each a word or a few (`miến, bún tàu`).
    pub terms: String,
}

/// `"miến, bún tàu"`: terms of up to 4 words (40 characters), at least two distinct once
/// folded (`"miến, mien"` is one).
fn parse_terms(input: &str) -> Result<Vec<String>, Invalid> {
    let terms: Vec<String> = input
        .split([',', ';', '\n'])
        .map(text::clean)
        .filter(|t| !t.is_empty())
        .collect();
    if terms
        .iter()
        .any(|t| t.split(' ').count() > 4 || t.chars().count() > 40)
    {
        return Err(Invalid::one("terms", Code::SynonymTooLong));
    }
    let mut folded: Vec<String> = terms.iter().map(|t| text::fold(t)).collect();
    folded.sort();
    folded.dedup();
    if folded.len() < 2 {
        return Err(Invalid::one("terms", Code::SynonymTooFew));
    }
    Ok(terms)
}

pub async fn list(state: &AppState, actor: &Actor) -> AppResult<Vec<SynonymGroup>> {
    let db = &state.db;
    actor.require_staff()?;
    all(db).await
}

async fn all(db: &DatabaseConnection) -> AppResult<Vec<SynonymGroup>> {
    Ok(search_synonym::Entity::find()
        .order_by_asc(search_synonym::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| SynonymGroup {
            id: r.id,
            terms: r.terms.split(',').map(String::from).collect(),
        })
        .collect())
}

/// Reads the groups from the database into the app and hands them to the engine. An engine
/// that is down gets them when the worker next reloads.
pub async fn reload(state: &AppState) -> AppResult<()> {
    let groups: Vec<Vec<String>> = all(&state.db).await?.into_iter().map(|g| g.terms).collect();
    let folded = crate::search::fold_groups(&groups);
    let unchanged = state.synonyms.read().is_ok_and(|c| *c == folded);
    if unchanged {
        return Ok(());
    }
    // Record the groups only once the engine has them, so a failure is retried next time.
    match state.search.set_synonyms(groups).await {
        Ok(()) => {
            *state.synonyms.write().map_err(|e| anyhow::anyhow!("{e}"))? = folded;
        }
        Err(e) => tracing::warn!(error = %e, "synonyms not yet applied to the search engine"),
    }
    Ok(())
}

pub async fn add(state: &AppState, actor: &Actor, input: &NewSynonyms) -> AppResult<SynonymGroup> {
    actor.require_staff()?;
    let terms = parse_terms(&input.terms)?;
    let row = search_synonym::ActiveModel {
        terms: Set(terms.join(",")),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    audit::record(
        &state.db,
        state.clock.now(),
        actor,
        "synonyms.add",
        "synonyms",
        row.id,
        serde_json::json!({"terms": terms}),
    )
    .await?;
    reload(state).await?;
    Ok(SynonymGroup { id: row.id, terms })
}

pub async fn remove(state: &AppState, actor: &Actor, id: i32) -> AppResult<()> {
    actor.require_staff()?;
    let row = search_synonym::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    search_synonym::Entity::delete_by_id(id)
        .exec(&state.db)
        .await?;
    audit::record(
        &state.db,
        state.clock.now(),
        actor,
        "synonyms.remove",
        "synonyms",
        id,
        serde_json::json!({"terms": row.terms}),
    )
    .await?;
    reload(state).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_short_and_distinct() {
        assert!(parse_terms("măng, mang").is_err(), "the same word folded");
        assert_eq!(
            parse_terms("miến, bún tàu").unwrap(),
            vec!["miến".to_string(), "bún tàu".to_string()]
        );
        assert_eq!(
            parse_terms("miến dong riềng loại một, miến").unwrap_err().0[0].code,
            Code::SynonymTooLong
        );
        assert_eq!(
            parse_terms("chè; trà").unwrap(),
            vec!["chè".to_string(), "trà".to_string()]
        );
    }
}
