//! Reviewing a product (`staff/review.html`): approve or reject what the producer sent,
//! or take a published product down.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::{Change, DecisionForm, ReviewForm, compare, decided, refusal_shown};
use crate::context::AppState;
use crate::domain::{Code, ProductInput};
use crate::error::AppError;
use crate::http::pages::{Errors, PageCtx, PageResult, render_as, see_other};
use crate::services::audit::{self, AuditEntry};
use crate::services::catalogue::{self, Decision, ProductView};

#[derive(Template)]
#[template(path = "staff/review.html")]
struct ReviewPage {
    ctx: PageCtx,
    p: ProductView,
    changes: Vec<Change>,
    errors: Errors,
    history: Vec<AuditEntry>,
    /// Why the decision was not taken (the listing changed while staff read it).
    notice: Option<&'static str>,
}

fn describe_changes(ctx: &PageCtx, live: &ProductInput, proposed: &ProductInput) -> Vec<Change> {
    let keys = [
        "name",
        "category",
        "brand",
        "packaging_status",
        "trademark_status",
        "trademark_kind",
        "trademark_number",
        "trademark_filed_on",
        "trademark_granted_on",
        "trademark_expires_on",
        "ocop_stars",
        "ocop_year",
        "certifications",
        "unit",
        "price_min_vnd",
        "price_max_vnd",
        "min_order",
        "monthly_capacity",
        "season_months",
        "shelf_life_days",
        "description",
    ];
    compare(ctx, live, proposed, &keys)
}

async fn review_page_for(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    errors: Errors,
    notice: Option<&'static str>,
) -> PageResult {
    let (p, live) = catalogue::product_for_review(state, &ctx.actor, id).await?;
    let changes = match (&live, &p.pending_changes) {
        (Some(live), Some(proposed)) => describe_changes(&ctx, live, proposed),
        _ => Vec::new(),
    };
    let history = audit::list(&state.db, &ctx.actor, Some(("product", id)), 50).await?;
    let status = if errors.any() {
        Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    } else if notice.is_some() {
        Some(axum::http::StatusCode::CONFLICT)
    } else {
        None
    };
    Ok(render_as(
        &ReviewPage {
            ctx,
            p,
            changes,
            errors,
            history,
            notice,
        },
        status.unwrap_or(StatusCode::OK),
    ))
}

pub async fn review_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    review_page_for(&state, ctx, id, Errors::default(), None).await
}

async fn decide_product(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    decision: Decision,
    form: ReviewForm,
) -> PageResult {
    // Shown in answer to a form's post: switching language comes back to the page.
    ctx.here = format!("/staff/review/{id}");
    match catalogue::review_product(
        state,
        &ctx.actor,
        id,
        decision,
        form.version,
        form.reason.as_deref(),
    )
    .await
    {
        Ok(_) => Ok(decided(decision)),
        Err(err) => {
            let (notice, errors) = refusal_shown(&ctx, err)?;
            review_page_for(state, ctx, id, errors, notice).await
        }
    }
}

pub async fn approve_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    decide_product(&state, ctx, id, Decision::Approve, form).await
}

pub async fn reject_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    decide_product(&state, ctx, id, Decision::Reject, form).await
}

/// The product review page's earlier form target, kept for pages still open in a browser.
pub async fn decide(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<DecisionForm>,
) -> PageResult {
    let (decision, form) = form.split()?;
    decide_product(&state, ctx, id, decision, form).await
}

#[derive(Deserialize)]
pub struct UnpublishForm {
    reason: Option<String>,
}

pub async fn unpublish(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<UnpublishForm>,
) -> PageResult {
    match catalogue::unpublish_product(&state, &ctx.actor, id, form.reason.as_deref()).await {
        Ok(_) => Ok(see_other("/staff/review?done=unpublished")),
        Err(AppError::Conflict {
            code: code @ Code::ProductChanged,
            ..
        }) => {
            let notice = ctx.message(code);
            review_page_for(&state, ctx, id, Errors::default(), Some(notice)).await
        }
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => review_page_for(&state, ctx, id, errors, None).await,
            None => Err(err.into()),
        },
    }
}
