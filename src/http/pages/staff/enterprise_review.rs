//! Reviewing an edit of a public enterprise's profile (`staff/enterprise_review.html`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;

use super::{Change, DecisionForm, ReviewForm, compare, decided, refusal_shown};
use crate::context::AppState;
use crate::http::pages::{Errors, PageCtx, PageResult, render_as};
use crate::services::catalogue::{self, Decision};

#[derive(Template)]
#[template(path = "staff/enterprise_review.html")]
struct EnterpriseReviewPage {
    ctx: PageCtx,
    e: catalogue::EnterpriseView,
    changes: Vec<Change>,
    errors: Errors,
    notice: Option<&'static str>,
}

async fn enterprise_review_for(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    errors: Errors,
    notice: Option<&'static str>,
) -> PageResult {
    let (e, live) = catalogue::enterprise_review(state, &ctx.actor, id).await?;
    let keys = [
        "name",
        "legal_form",
        "tax_code",
        "commune_code",
        "address",
        "phone",
        "email",
        "description",
        "founded_year",
        "workforce",
        "certifications",
    ];
    let mut changes = match &e.pending_changes {
        Some(proposed) => compare(&ctx, &live, proposed, &keys),
        None => Vec::new(),
    };
    // Staff read a place, not a commune code.
    for c in changes.iter_mut().filter(|c| c.key == "commune_code") {
        c.label = ctx.t("field.commune");
        for v in [&mut c.before, &mut c.after] {
            if let Ok(code) = v.parse::<i32>() {
                *v = state.reference.place_name(code);
            }
        }
    }
    let status = if errors.any() {
        Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        notice.map(|_| axum::http::StatusCode::CONFLICT)
    };
    Ok(render_as(
        &EnterpriseReviewPage {
            ctx,
            e,
            changes,
            errors,
            notice,
        },
        status.unwrap_or(StatusCode::OK),
    ))
}

pub async fn enterprise_review_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    enterprise_review_for(&state, ctx, id, Errors::default(), None).await
}

async fn decide_on_enterprise(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    decision: Decision,
    form: ReviewForm,
) -> PageResult {
    // Shown in answer to a form's post: switching language comes back to the page.
    ctx.here = format!("/staff/review/co-so/{id}");
    match catalogue::review_enterprise(
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
            enterprise_review_for(state, ctx, id, errors, notice).await
        }
    }
}

pub async fn approve_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    decide_on_enterprise(&state, ctx, id, Decision::Approve, form).await
}

pub async fn reject_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    decide_on_enterprise(&state, ctx, id, Decision::Reject, form).await
}

/// The enterprise review page's earlier form target, kept for pages still open in a browser.
pub async fn decide_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<DecisionForm>,
) -> PageResult {
    let (decision, form) = form.split()?;
    decide_on_enterprise(&state, ctx, id, decision, form).await
}
