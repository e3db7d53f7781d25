//! "My requests" for buyers and producers (`requests/list.html`).

use askama::Template;
use axum::extract::State;

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render, see_other};
use crate::services::requests::{self, RequestFilter, RequestPage};

#[derive(Template)]
#[template(path = "requests/list.html")]
struct ListPage {
    ctx: PageCtx,
    page: RequestPage,
}

pub async fn my_requests(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    if ctx.is_staff() {
        return Ok(see_other("/staff/requests"));
    }
    let page = requests::list(
        &state,
        &ctx.actor,
        ctx.lang,
        &RequestFilter {
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?;
    Ok(render(&ListPage { ctx, page }))
}
