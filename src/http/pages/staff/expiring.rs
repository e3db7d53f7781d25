//! What lapses soon (`staff/expiring.html`): trademarks, OCOP ratings and certificates in the
//! next six months, by how near, and what lapsed in the last month.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

use crate::context::AppState;
use crate::domain::expiry::Threshold;
use crate::http::pages::{PageCtx, PageResult, render_as};
use crate::services::expiry::{self, ExpiryItem};

#[derive(Template)]
#[template(path = "staff/expiring.html")]
struct ExpiringPage {
    ctx: PageCtx,
    items: Vec<ExpiryItem>,
}

impl ExpiringPage {
    /// The groups shown, nearest first, with their items.
    fn groups(&self) -> Vec<(&'static str, Vec<&ExpiryItem>)> {
        [
            ("lapsed", None),
            ("1m", Some(Threshold::OneMonth)),
            ("3m", Some(Threshold::ThreeMonths)),
            ("6m", Some(Threshold::SixMonths)),
        ]
        .into_iter()
        .map(|(name, t)| {
            (
                name,
                self.items.iter().filter(|i| i.threshold == t).collect(),
            )
        })
        .filter(|(_, items): &(&str, Vec<&ExpiryItem>)| !items.is_empty())
        .collect()
    }
}

pub async fn expiring(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let items = expiry::expiring(&state, &ctx.actor).await?;
    Ok(render_as(&ExpiringPage { ctx, items }, StatusCode::OK))
}
