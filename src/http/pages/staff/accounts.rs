//! Finding an account and making a reset link (`staff/accounts.html`, `staff/reset_link.html`).

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use crate::context::AppState;
use crate::error::AppError;
use crate::http::pages::{Errors, PageCtx, PageResult, render, render_as};
use crate::services::accounts;

#[derive(Template)]
#[template(path = "staff/accounts.html")]
struct AccountsPage {
    ctx: PageCtx,
    q: String,
    /// `None` before a search; `Some(None)` when nothing matched.
    found: Option<Option<accounts::AccountSummary>>,
    errors: Errors,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    q: Option<String>,
}

/// Finding someone's account by phone or e-mail, to help them sign in again.
pub async fn accounts_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<AccountQuery>,
) -> PageResult {
    let q = query.q.unwrap_or_default().trim().to_string();
    if q.is_empty() {
        accounts::require_helper(&ctx.actor)?;
        return Ok(render(&AccountsPage {
            ctx,
            q,
            found: None,
            errors: Errors::default(),
        }));
    }
    match accounts::find_account(&state, &ctx.actor, &q).await {
        Ok(found) => Ok(render(&AccountsPage {
            ctx,
            q,
            found: Some(found),
            errors: Errors::default(),
        })),
        Err(err @ AppError::Invalid(_)) => {
            let errors = Errors::from_app(ctx.lang, &err).unwrap_or_default();
            Ok(render_as(
                &AccountsPage {
                    ctx,
                    q,
                    found: None,
                    errors,
                },
                err.status(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/reset_link.html")]
struct ResetLinkPage {
    ctx: PageCtx,
    link: accounts::ResetLink,
}

/// Makes a one-time reset link and shows it, once, to read out over the phone.
pub async fn create_reset_link(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let link = accounts::staff_reset_link(&state, &ctx.actor, id).await?;
    Ok(crate::http::pages::account::private(render(
        &ResetLinkPage { ctx, link },
    )))
}
