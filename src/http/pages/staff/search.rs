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
        Some(k @ ("rebuilding" | "synonyms_saved" | "retried")) => {
            Some(ctx.t(&format!("search_status.{k}")))
        }
        _ => None,
    };
    search_status_page(&state, ctx, message, Errors::default(), String::new()).await
}

async fn search_status_page(
    state: &AppState,
    ctx: PageCtx,
    message: Option<&'static str>,
    errors: Errors,
    typed: String,
) -> PageResult {
    let index = crate::services::search::overview(state, &ctx.actor).await?;
    let synonyms = crate::services::synonyms::list(state, &ctx.actor).await?;
    let bad = errors.any();
    Ok(render_as(
        &SearchStatusPage {
            ctx,
            index,
            message,
            synonyms,
            errors,
            typed,
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
            Some(errors) => search_status_page(&state, ctx, None, errors, form.terms).await,
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
