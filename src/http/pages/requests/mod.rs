//! Brokering pages: the request form (from a product, an enterprise, a search with no
//! results, or blank), "my requests" for buyers and producers, the staff desk, the numbers,
//! and the inbox. Every page works as plain forms; scripts only add conveniences. One module
//! per template: `requests/*.html`, `staff/request*.html` and `inbox.html`.

pub mod desk;
pub mod desk_request;
pub mod form;
pub mod inbox;
pub mod list;
pub mod show;
pub mod stats;

use axum::http::StatusCode;

use crate::domain::Num;
use crate::error::AppError;
use crate::http::pages::{PageCtx, PageError};
use crate::services::requests::EventView;

fn opt_i32(v: &Option<String>) -> Option<i32> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

fn opt_text(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.trim().is_empty())
}

fn opt_num(v: &Option<String>) -> Option<Num> {
    opt_text(v).map(Num::Text)
}

/// One line of the timeline in the page's language.
pub fn event_line(ctx: &PageCtx, e: &EventView) -> String {
    let label = ctx.t(&format!("event.{}", e.kind));
    match e.kind.as_str() {
        "status" | "closed" => {
            let to = e
                .to_status
                .map(|s| ctx.code("rstatus", s.as_str()))
                .unwrap_or_default();
            if e.body.is_empty() {
                format!("{label}: {to}")
            } else {
                format!("{label}: {to} — {}", e.body)
            }
        }
        _ if e.body.is_empty() => label.to_string(),
        _ => format!("{label}: {}", e.body),
    }
}

/// An error to show on the page it happened on; anything else becomes an error page.
fn page_error(ctx: &PageCtx, e: &AppError) -> Result<(&'static str, StatusCode), PageError> {
    match e {
        AppError::Invalid(_) | AppError::Conflict { .. } => Ok((ctx.message(e.code()), e.status())),
        AppError::Internal(err) => Err(PageError(AppError::Internal(anyhow::anyhow!("{err}")))),
        AppError::Forbidden => Err(PageError(AppError::Forbidden)),
        AppError::NotFound => Err(PageError(AppError::NotFound)),
        AppError::Unauthenticated => Err(PageError(AppError::Unauthenticated)),
        other => Ok((ctx.message(other.code()), other.status())),
    }
}
