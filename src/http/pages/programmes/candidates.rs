//! Candidates for support (`programmes/candidates.html`): producers who need it, each with
//! why, filtered by commune, product group and need, each with one action to add it to an
//! open programme as a beneficiary.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::context::AppState;
use crate::domain::programme::BeneficiaryInput;
use crate::domain::programme::survey::Need;
use crate::http::pages::forms::{opt_i32, opt_num, opt_text};
use crate::http::pages::{PageCtx, PageResult, page_error, render_as, see_other};
use crate::services::programmes::{self, CandidateFilter, CandidateView, ProgrammeOptions};
use crate::services::reference::{Category, Province};

#[derive(Template)]
#[template(path = "programmes/candidates.html")]
struct CandidatesPage {
    ctx: PageCtx,
    filter: CandidateFilter,
    candidates: Vec<CandidateView>,
    options: ProgrammeOptions,
    provinces: Vec<Province>,
    communes: Vec<(i32, String, i32)>,
    categories: Vec<Category>,
    error: Option<&'static str>,
}

impl CandidatesPage {
    fn needs(&self) -> &'static [Need] {
        Need::ALL
    }
    fn communes_in(&self, province: &i32) -> Vec<&(i32, String, i32)> {
        self.communes.iter().filter(|c| c.2 == *province).collect()
    }
    fn chosen_commune(&self, code: &i32) -> bool {
        self.filter.commune_code == Some(*code)
    }
    fn chosen_category(&self, slug: &str) -> bool {
        self.filter.category.as_deref() == Some(slug)
    }
    fn chosen_need(&self, need: &Need) -> bool {
        self.filter.need.as_deref() == Some(need.as_str())
    }
}

async fn page(
    state: &AppState,
    ctx: PageCtx,
    filter: CandidateFilter,
    error: Option<(&'static str, StatusCode)>,
) -> PageResult {
    let candidates = programmes::candidates(state, &ctx.actor, ctx.lang, &filter).await?;
    let options = programmes::options(state, &ctx.actor).await?;
    let communes = super::local_communes(state, &options, &[]);
    Ok(render_as(
        &CandidatesPage {
            ctx,
            filter,
            candidates,
            options,
            provinces: state.reference.provinces.clone(),
            communes,
            categories: state.reference.tree.clone(),
            error: error.map(|e| e.0),
        },
        error.map_or(StatusCode::OK, |e| e.1),
    ))
}

pub async fn candidates(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(filter): Query<CandidateFilter>,
) -> PageResult {
    page(&state, ctx, filter, None).await
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    pub programme_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub support: Option<String>,
    pub support_vnd: Option<String>,
    pub contribution_vnd: Option<String>,
}

/// Adds a candidate to an open programme as a beneficiary, then shows the programme.
pub async fn add_to_programme(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<AddForm>,
) -> PageResult {
    let Some(id) = opt_i32(&f.programme_id) else {
        let message = ctx.t("programme.choose_programme");
        return page(
            &state,
            ctx,
            CandidateFilter::default(),
            Some((message, StatusCode::UNPROCESSABLE_ENTITY)),
        )
        .await;
    };
    let input = BeneficiaryInput {
        enterprise_id: opt_i32(&f.enterprise_id),
        new_enterprise: None,
        support: opt_text(&f.support),
        support_vnd: opt_num(&f.support_vnd),
        contribution_vnd: opt_num(&f.contribution_vnd),
        product_id: None,
        fair_id: None,
    };
    match programmes::add_beneficiary(&state, &ctx.actor, ctx.lang, id, &input).await {
        Ok(p) => Ok(see_other(&format!(
            "/staff/programmes/{}?done=1#beneficiaries",
            p.id
        ))),
        Err(e) => {
            let shown = page_error(&ctx, &e)?;
            page(&state, ctx, CandidateFilter::default(), Some(shown)).await
        }
    }
}
