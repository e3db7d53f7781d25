//! Proposing a programme, or changing its particulars (`programmes/form.html`). Started from
//! a survey, the form arrives with the survey's facts filled in.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::context::AppState;
use crate::domain::{FundingSource, ProgrammeInput, ProgrammeKind};
use crate::error::AppError;
use crate::http::pages::forms::{FormValues, opt_i32, opt_num, opt_text};
use crate::http::pages::{Errors, PageCtx, PageResult, page_error, render_as, see_other};
use crate::services::programmes::{self, ProgrammeOptions, ProgrammeView};
use crate::services::reference::{Category, Province};

#[derive(Template)]
#[template(path = "programmes/form.html")]
struct FormPage {
    ctx: PageCtx,
    /// The programme being changed; none for a new one.
    p: Option<ProgrammeView>,
    form: FormValues,
    errors: Errors,
    error: Option<&'static str>,
    options: ProgrammeOptions,
    provinces: Vec<Province>,
    communes: Vec<(i32, String, i32)>,
    categories: Vec<Category>,
}

impl FormPage {
    fn kinds(&self) -> &'static [ProgrammeKind] {
        ProgrammeKind::ALL
    }
    fn sources(&self) -> &'static [FundingSource] {
        FundingSource::ALL
    }
    fn action(&self) -> String {
        match &self.p {
            Some(p) => format!("/staff/programmes/{}/edit", p.id),
            None => "/staff/programmes/new".into(),
        }
    }
    fn communes_in(&self, province: &i32) -> Vec<&(i32, String, i32)> {
        self.communes.iter().filter(|c| c.2 == *province).collect()
    }
    /// Whether the fixed particulars may still change.
    fn proposal(&self) -> bool {
        self.p
            .as_ref()
            .is_none_or(|p| p.status == crate::domain::ProgrammeStatus::Proposed)
    }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    pub survey: Option<i32>,
    /// A programme deferred to this year, proposed again.
    pub from: Option<i32>,
}

async fn form_page(
    state: &AppState,
    ctx: PageCtx,
    p: Option<ProgrammeView>,
    form: FormValues,
    failed: Option<AppError>,
) -> PageResult {
    let (error, status, errors) = match &failed {
        None => (None, StatusCode::OK, Errors::default()),
        Some(e) => {
            let (message, status) = page_error(&ctx, e)?;
            (
                Some(message),
                status,
                Errors::from_app(ctx.lang, e).unwrap_or_default(),
            )
        }
    };
    let options = programmes::options(state, &ctx.actor).await?;
    let chosen: Vec<i32> = form
        .all("commune_codes")
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let communes = super::local_communes(state, &options, &chosen);
    Ok(render_as(
        &FormPage {
            ctx,
            p,
            form,
            errors,
            error,
            options,
            provinces: state.reference.provinces.clone(),
            communes,
            categories: state.reference.tree.clone(),
        },
        status,
    ))
}

pub async fn new_programme(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let form = if let Some(id) = q.survey {
        FormValues::from_input(
            &programmes::draft_from_survey(&state, &ctx.actor, ctx.lang, id).await?,
        )
    } else if let Some(id) = q.from {
        FormValues::from_input(&programmes::draft_from_deferred(&state, &ctx.actor, id).await?)
    } else {
        programmes::may_follow(&ctx.actor)?;
        let mut f = FormValues::default();
        f.set(
            "year",
            chrono::Datelike::year(&state.clock.today()).to_string(),
        );
        f.set("funding_source", FundingSource::Provincial.as_str());
        if let Some(me) = ctx.actor.id() {
            f.set("staff_id", me.to_string());
        }
        f
    };
    form_page(&state, ctx, None, form, None).await
}

pub async fn edit_programme(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let p = programmes::get(&state, &ctx.actor, ctx.lang, id).await?;
    let mut form = FormValues::default();
    form.set("code", p.code.clone());
    form.set("title", p.title.clone());
    form.set("kind", p.kind.as_str());
    form.set("funding_source", p.funding_source.as_str());
    form.set("year", p.year.to_string());
    form.set("description", p.description.clone());
    form.set("proposed_vnd", p.proposed_vnd.to_string());
    if let Some(s) = p.staff_id {
        form.set("staff_id", s.to_string());
    }
    if let Some(c) = &p.category {
        form.set("category", c.slug.clone());
    }
    form.set_all(
        "commune_codes",
        p.communes.iter().map(|c| c.code.to_string()).collect(),
    );
    form_page(&state, ctx, Some(p), form, None).await
}

#[derive(Deserialize, Default, serde::Serialize)]
pub struct ProgrammeFormFields {
    pub code: Option<String>,
    pub title: Option<String>,
    pub kind: Option<String>,
    pub funding_source: Option<String>,
    pub year: Option<String>,
    #[serde(default)]
    pub commune_codes: Vec<String>,
    pub staff_id: Option<String>,
    pub description: Option<String>,
    pub proposed_vnd: Option<String>,
    pub category: Option<String>,
    pub survey_id: Option<String>,
}

impl ProgrammeFormFields {
    fn input(&self) -> ProgrammeInput {
        ProgrammeInput {
            code: opt_text(&self.code),
            title: opt_text(&self.title),
            kind: opt_text(&self.kind),
            funding_source: opt_text(&self.funding_source),
            year: opt_num(&self.year),
            commune_codes: Some(
                self.commune_codes
                    .iter()
                    .filter_map(|c| c.trim().parse().ok())
                    .collect(),
            ),
            staff_id: opt_i32(&self.staff_id),
            description: opt_text(&self.description),
            proposed_vnd: opt_num(&self.proposed_vnd),
            category: opt_text(&self.category),
            survey_id: opt_i32(&self.survey_id),
        }
    }
}

pub async fn create_programme(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<ProgrammeFormFields>,
) -> PageResult {
    match programmes::create(&state, &ctx.actor, ctx.lang, &f.input()).await {
        Ok(p) => Ok(see_other(&format!("/staff/programmes/{}", p.id))),
        Err(e) => form_page(&state, ctx, None, FormValues::from_input(&f), Some(e)).await,
    }
}

pub async fn update_programme(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ProgrammeFormFields>,
) -> PageResult {
    match programmes::update(&state, &ctx.actor, ctx.lang, id, &f.input()).await {
        Ok(p) => Ok(see_other(&format!("/staff/programmes/{}?done=1", p.id))),
        Err(e) => {
            let p = programmes::get(&state, &ctx.actor, ctx.lang, id).await?;
            form_page(&state, ctx, Some(p), FormValues::from_input(&f), Some(e)).await
        }
    }
}
