//! Programmes as others see them: a producer's own support and what it owes
//! (`programmes/support.html`), and the completed programmes anyone may read with what came
//! of them (`programmes/public.html`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render_as};
use crate::services::programmes::{self, PublicProgramme, SupportView};

#[derive(Template)]
#[template(path = "programmes/support.html")]
struct SupportPage {
    ctx: PageCtx,
    support: Vec<SupportView>,
}

/// The support the signed-in producer's enterprises get.
pub async fn my_support(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let support = programmes::my_support(&state, &ctx.actor).await?;
    Ok(render_as(&SupportPage { ctx, support }, StatusCode::OK))
}

#[derive(Template)]
#[template(path = "programmes/public.html")]
struct PublicPage {
    ctx: PageCtx,
    programmes: Vec<PublicProgramme>,
    year: Option<i32>,
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// Completed programmes with their beneficiaries and what came of them.
pub async fn completed(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let programmes = programmes::completed_programmes(&state, ctx.lang, q.year).await?;
    Ok(render_as(
        &PublicPage {
            ctx,
            programmes,
            year: q.year,
        },
        StatusCode::OK,
    ))
}
