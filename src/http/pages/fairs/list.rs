//! The list of fairs (`fairs/list.html`), for visitors and for staff.

use askama::Template;
use axum::extract::State;

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::fairs::{self, FairSummary};

#[derive(Template)]
#[template(path = "fairs/list.html")]
struct ListPage {
    ctx: PageCtx,
    fairs: Vec<FairSummary>,
}

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let fairs = fairs::list(&state).await?;
    Ok(render(&ListPage { ctx, fairs }))
}

pub async fn staff_list(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let fairs = fairs::list_for_staff(&state, &ctx.actor).await?;
    Ok(render(&ListPage { ctx, fairs }))
}
