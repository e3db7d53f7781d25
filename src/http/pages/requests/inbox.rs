//! The inbox of notifications (`inbox.html`).

use askama::Template;
use axum::extract::State;

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render, see_other};
use crate::services::notify::{self, NotificationView};

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: PageCtx,
    items: Vec<NotificationView>,
}

pub async fn inbox(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let items = notify::inbox(&state.db, &ctx.actor, ctx.lang, 100).await?;
    Ok(render(&InboxPage { ctx, items }))
}

pub async fn mark_all_read(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    notify::mark_read(&state, &ctx.actor, &[]).await?;
    Ok(see_other("/thong-bao"))
}
