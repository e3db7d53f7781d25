//! The year's plan (`programmes/plan.html`): each fund against the programmes drawing on it,
//! planned against results, what is at risk and why, every programme of the year, and for
//! administrators the year's funds and each kind's limits.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::context::AppState;
use crate::domain::Role;
use crate::domain::programme::plan::{BudgetInput, LimitInput};
use crate::error::AppError;
use crate::http::pages::forms::{FormValues, opt_num};
use crate::http::pages::{Errors, PageCtx, PageResult, page_error, render_as, see_other};
use crate::services::programmes::{self, PlanView, ProgrammeOptions, ProgrammeSummary};

#[derive(Template)]
#[template(path = "programmes/plan.html")]
struct PlanPage {
    ctx: PageCtx,
    plan: PlanView,
    options: ProgrammeOptions,
    message: Option<&'static str>,
    error: Option<&'static str>,
    errors: Errors,
    form: FormValues,
}

impl PlanPage {
    fn is_admin(&self) -> bool {
        self.ctx.actor.role() == Some(Role::Admin)
    }
    fn at_risk(&self) -> Vec<&ProgrammeSummary> {
        self.plan
            .programmes
            .iter()
            .filter(|p| !p.risks.is_empty())
            .collect()
    }
    /// What the programme stands for now: settled, else approved, else asked for.
    fn value(&self, p: &ProgrammeSummary) -> i64 {
        p.final_vnd.or(p.approved_vnd).unwrap_or(p.proposed_vnd)
    }
    fn budget_value(&self, name: &str, amount: &i64) -> String {
        match self.form.get(name) {
            "" => amount.to_string(),
            v => v.to_string(),
        }
    }
    /// The share of the fund's budget taken, for the bar (0–100).
    fn share(&self, part: &i64, whole: &i64) -> i64 {
        if *whole <= 0 {
            0
        } else {
            (part.saturating_mul(100) / whole).clamp(0, 100)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    pub year: Option<i32>,
    pub done: Option<String>,
}

async fn plan_page(
    state: &AppState,
    mut ctx: PageCtx,
    year: i32,
    message: Option<&'static str>,
    failed: Option<(FormValues, AppError)>,
) -> PageResult {
    let (error, status, errors, form) = match failed {
        None => (
            None,
            StatusCode::OK,
            Errors::default(),
            FormValues::default(),
        ),
        Some((form, e)) => {
            let (message, status) = page_error(&ctx, &e)?;
            ctx.here = format!("/staff/programmes?year={year}");
            (
                Some(message),
                status,
                Errors::from_app(ctx.lang, &e).unwrap_or_default(),
                form,
            )
        }
    };
    let plan = programmes::plan(state, &ctx.actor, ctx.lang, year).await?;
    let options = programmes::options(state, &ctx.actor).await?;
    Ok(render_as(
        &PlanPage {
            ctx,
            plan,
            options,
            message,
            error,
            errors,
            form,
        },
        status,
    ))
}

pub async fn plan(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<PlanQuery>,
) -> PageResult {
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&state.clock.today()));
    let message = q.done.as_deref().map(|_| ctx.t("programme.saved"));
    plan_page(&state, ctx, year, message, None).await
}

#[derive(Deserialize, Default, serde::Serialize)]
pub struct BudgetForm {
    pub national_vnd: Option<String>,
    pub provincial_vnd: Option<String>,
    pub other_vnd: Option<String>,
    pub max_budget_vnd: Option<String>,
    pub counterpart_percent: Option<String>,
}

async fn saved<T>(
    state: &AppState,
    ctx: PageCtx,
    year: i32,
    f: &BudgetForm,
    result: Result<T, AppError>,
) -> PageResult {
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/staff/programmes?year={year}&done=1#funds"
        ))),
        Err(e) => plan_page(state, ctx, year, None, Some((FormValues::from_input(f), e))).await,
    }
}

pub async fn set_budget(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(year): Path<i32>,
    Form(f): Form<BudgetForm>,
) -> PageResult {
    let input = BudgetInput {
        national_vnd: opt_num(&f.national_vnd),
        provincial_vnd: opt_num(&f.provincial_vnd),
        other_vnd: opt_num(&f.other_vnd),
    };
    let result = programmes::set_budget(&state, &ctx.actor, ctx.lang, year, &input).await;
    saved(&state, ctx, year, &f, result).await
}

pub async fn set_limit(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((year, kind)): Path<(i32, String)>,
    Form(f): Form<BudgetForm>,
) -> PageResult {
    let input = LimitInput {
        max_budget_vnd: opt_num(&f.max_budget_vnd),
        counterpart_percent: opt_num(&f.counterpart_percent),
    };
    let result = programmes::set_limit(&state, &ctx.actor, ctx.lang, year, &kind, &input).await;
    saved(&state, ctx, year, &f, result).await
}
