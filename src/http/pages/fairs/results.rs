//! A fair's results (`fairs/results.html`) and their CSV.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::fairs::{self, FairResults};

#[derive(Template)]
#[template(path = "fairs/results.html")]
struct ResultsPage {
    ctx: PageCtx,
    r: FairResults,
}

impl ResultsPage {
    fn bar(&self, value: u64) -> u64 {
        let max = self
            .r
            .exhibitors
            .iter()
            .map(|x| x.scans + x.visits)
            .max()
            .unwrap_or(0)
            .max(1);
        value * 100 / max
    }
}

pub async fn results(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> PageResult {
    let r = fairs::results(&state, &ctx.actor, fairs::FairKey::Slug(&slug)).await?;
    Ok(render(&ResultsPage { ctx, r }))
}

pub async fn results_csv(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> PageResult {
    let r = fairs::results(&state, &ctx.actor, fairs::FairKey::Slug(&slug)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-ket-qua.csv\""),
            ),
        ],
        fairs::results_csv(&r, ctx.lang),
    )
        .into_response())
}
