//! The audit trail (`staff/audit.html`).

use askama::Template;
use axum::extract::State;

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::audit::{self, AuditEntry};

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    ctx: PageCtx,
    entries: Vec<AuditEntry>,
}

pub async fn audit_log(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let entries = audit::list(&state.db, &ctx.actor, None, 200).await?;
    Ok(render(&AuditPage { ctx, entries }))
}
