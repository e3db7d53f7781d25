//! Search upkeep (`staff/search.html`): the index's state, a rebuild, synonyms.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::context::AppState;
use crate::http::pages::dashboard::DoneQuery;
use crate::http::pages::{Errors, PageCtx, PageResult, render_as, see_other};

#[derive(Template)]
#[template(path = "staff/search.html")]
struct SearchStatusPage {
    ctx: PageCtx,
    index: crate::services::search::IndexOverview,
    message: Option<&'static str>,
    synonyms: Vec<crate::services::synonyms::SynonymGroup>,
    errors: Errors,
    typed: String,
    categories: Vec<crate::services::category_terms::CategoryTerms>,
    /// A category whose terms were refused: its slug, what was typed and why.
    terms_refused: Option<(String, String, &'static str)>,
}

impl SearchStatusPage {
    /// What a category's box shows: what was just typed if it was refused, else its terms.
    fn terms_of(&self, c: &crate::services::category_terms::CategoryTerms) -> String {
        match &self.terms_refused {
            Some((slug, typed, _)) if *slug == c.slug => typed.clone(),
            _ => c.terms.join(", "),
        }
    }

    fn refusal_of(&self, slug: &str) -> Option<&'static str> {
        self.terms_refused
            .as_ref()
            .filter(|(s, _, _)| s == slug)
            .map(|(_, _, why)| *why)
    }
}

/// Starts a full rebuild in the background; searches keep using the old index meanwhile.
pub async fn rebuild_search(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    crate::services::search::start_rebuild(&state, &ctx.actor).await?;
    Ok(see_other("/staff/search?done=rebuilding"))
}

/// Sends a dead letter through again.
pub async fn retry_dead_letter(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    crate::services::search::retry_dead_letter(&state, &ctx.actor, id).await?;
    Ok(see_other("/staff/search?done=retried"))
}

pub async fn search_status(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let message = match q.done.as_deref() {
        Some(k @ ("rebuilding" | "synonyms_saved" | "retried" | "terms_saved")) => {
            Some(ctx.t(&format!("search_status.{k}")))
        }
        _ => None,
    };
    search_status_page(&state, ctx, message, Errors::default(), String::new(), None).await
}

async fn search_status_page(
    state: &AppState,
    ctx: PageCtx,
    message: Option<&'static str>,
    errors: Errors,
    typed: String,
    terms_refused: Option<(String, String, &'static str)>,
) -> PageResult {
    let index = crate::services::search::overview(state, &ctx.actor).await?;
    let synonyms = crate::services::synonyms::list(state, &ctx.actor).await?;
    let categories = crate::services::category_terms::list(state, &ctx.actor).await?;
    let bad = errors.any() || terms_refused.is_some();
    Ok(render_as(
        &SearchStatusPage {
            ctx,
            index,
            message,
            synonyms,
            errors,
            typed,
            categories,
            terms_refused,
        },
        if bad {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
    ))
}

#[derive(Deserialize)]
pub struct SynonymsForm {
    terms: String,
}

pub async fn add_synonyms(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<SynonymsForm>,
) -> PageResult {
    let input = crate::services::synonyms::NewSynonyms {
        terms: form.terms.clone(),
    };
    match crate::services::synonyms::add(&state, &ctx.actor, &input).await {
        Ok(_) => Ok(see_other("/staff/search?done=synonyms_saved")),
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => search_status_page(&state, ctx, None, errors, form.terms, None).await,
            None => Err(err.into()),
        },
    }
}

pub async fn remove_synonyms(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    crate::services::synonyms::remove(&state, &ctx.actor, id).await?;
    Ok(see_other("/staff/search?done=synonyms_saved"))
}

/// Saves a category's search terms.
pub async fn set_category_terms(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Form(form): Form<SynonymsForm>,
) -> PageResult {
    let input = crate::services::category_terms::NewTerms {
        terms: form.terms.clone(),
    };
    match crate::services::category_terms::set(&state, &ctx.actor, &slug, &input).await {
        Ok(_) => Ok(see_other("/staff/search?done=terms_saved")),
        Err(err) => match Errors::from_app(ctx.lang, &err).and_then(|e| e.get("terms")) {
            Some(why) => {
                let refused = Some((slug, form.terms, why));
                search_status_page(&state, ctx, None, Errors::default(), String::new(), refused)
                    .await
            }
            None => Err(err.into()),
        },
    }
}
