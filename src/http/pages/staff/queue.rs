//! The review queue (`staff/queue.html`): listings and profile edits waiting for the centre.

use askama::Template;
use axum::extract::{Query, State};

use crate::context::AppState;
use crate::http::pages::dashboard::DoneQuery;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::catalogue::{self, ProductFilter, ProductView};

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    ctx: PageCtx,
    items: Vec<ProductView>,
    /// Enterprises whose profile changes wait.
    enterprises: Vec<catalogue::EnterpriseView>,
    message: Option<&'static str>,
}

pub async fn review_queue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    // Asked first: it is for staff only, so no one else's list is read.
    let enterprises =
        catalogue::list_enterprises(&state, &ctx.actor, catalogue::EnterpriseScope::Review).await?;
    let filter = ProductFilter {
        status: Some("review".into()),
        per_page: Some(100),
        ..Default::default()
    };
    let items = catalogue::list_products(&state, &ctx.actor, &filter)
        .await?
        .items;
    let message = match q.done.as_deref() {
        Some(k @ ("approved" | "rejected" | "unpublished")) => Some(ctx.t(&format!("done.{k}"))),
        _ => None,
    };
    Ok(render(&QueuePage {
        ctx,
        items,
        enterprises,
        message,
    }))
}
