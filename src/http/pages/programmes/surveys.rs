//! Facility surveys (`programmes/surveys.html`, `survey_new.html`, `survey.html`): the list,
//! the capture form a phone keeps for a workshop with no network (each survey sent once,
//! its photos after it), and one survey with the proposal it can start.

use askama::Template;
use axum::extract::multipart::Multipart;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::context::AppState;
use crate::domain::programme::survey::{Need, SurveyInput};
use crate::http::pages::forms::FormValues;
use crate::http::pages::{Errors, PageCtx, PageResult, page_error, render_as, see_other};
use crate::http::upload;
use crate::services::programmes::{self, ProgrammeOptions, SurveyFilter, SurveyView};
use crate::services::reference::Province;

#[derive(Template)]
#[template(path = "programmes/surveys.html")]
struct ListPage {
    ctx: PageCtx,
    surveys: Vec<SurveyView>,
    open_only: bool,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(filter): Query<SurveyFilter>,
) -> PageResult {
    let surveys = programmes::surveys(&state, &ctx.actor, &filter).await?;
    Ok(render_as(
        &ListPage {
            ctx,
            surveys,
            open_only: filter.open == Some(true),
        },
        StatusCode::OK,
    ))
}

#[derive(Template)]
#[template(path = "programmes/survey_new.html")]
struct NewPage {
    ctx: PageCtx,
    options: ProgrammeOptions,
    provinces: Vec<Province>,
    communes: Vec<(i32, String, i32)>,
    /// The survey's key when sent without script: a second post of the form keeps one survey.
    key: String,
    today: String,
    form: FormValues,
    errors: Errors,
    error: Option<&'static str>,
}

impl NewPage {
    fn needs(&self) -> &'static [Need] {
        Need::ALL
    }
    fn communes_in(&self, province: &i32) -> Vec<&(i32, String, i32)> {
        self.communes.iter().filter(|c| c.2 == *province).collect()
    }
    /// Whose queue on the phone this page fills.
    fn user_id(&self) -> String {
        self.ctx
            .actor
            .id()
            .map(|id| id.to_string())
            .unwrap_or_default()
    }
}

async fn new_page(
    state: &AppState,
    ctx: PageCtx,
    form: FormValues,
    failed: Option<crate::error::AppError>,
) -> PageResult {
    let (error, status, errors) = match &failed {
        None => (None, StatusCode::OK, Errors::default()),
        Some(e) => {
            let (m, s) = page_error(&ctx, e)?;
            (
                Some(m),
                s,
                Errors::from_app(ctx.lang, e).unwrap_or_default(),
            )
        }
    };
    let options = programmes::options(state, &ctx.actor).await?;
    let communes = super::local_communes(state, &options, &[]);
    Ok(render_as(
        &NewPage {
            key: crate::services::auth::new_secret()?,
            today: state.clock.today().format("%Y-%m-%d").to_string(),
            ctx,
            options,
            provinces: state.reference.provinces.clone(),
            communes,
            form,
            errors,
            error,
        },
        status,
    ))
}

pub async fn new_survey(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    new_page(&state, ctx, FormValues::default(), None).await
}

/// The capture form sent without script (a phone with network): the survey, then its
/// photos.
pub async fn record(
    State(state): State<AppState>,
    ctx: PageCtx,
    multipart: Multipart,
) -> PageResult {
    programmes::may_follow(&ctx.actor)?;
    let form = upload::read(multipart).await?;
    let field = |name: &str| form.field(name).map(str::to_string);
    let input = SurveyInput {
        enterprise_id: form
            .field("enterprise_id")
            .and_then(|v| v.trim().parse().ok()),
        facility_name: field("facility_name"),
        commune_code: form
            .field("commune_code")
            .and_then(|v| v.trim().parse().ok()),
        visited_on: field("visited_on"),
        met: field("met"),
        makes: field("makes"),
        output: field("output"),
        equipment: field("equipment"),
        needs: Some(
            form.fields
                .iter()
                .filter(|(k, v)| k.starts_with("need_") && v.as_str() == "on")
                .map(|(k, _)| k.trim_start_matches("need_").to_string())
                .collect(),
        ),
        notes: field("notes"),
    };
    let mut values = FormValues::from_input(&input);
    for need in input.needs.iter().flatten() {
        values.set(&format!("need_{need}"), "on");
    }
    let saved = programmes::record_survey(&state, &ctx.actor, &input, form.field("key")).await;
    let survey = match saved {
        Ok((s, _)) => s,
        Err(e) => return new_page(&state, ctx, values, Some(e)).await,
    };
    for f in form.files.into_iter().filter(|f| !f.bytes.is_empty()) {
        programmes::add_survey_photo(&state, &ctx.actor, survey.id, (&f.file_name, f.bytes))
            .await?;
    }
    Ok(see_other(&format!("/staff/surveys/{}", survey.id)))
}

#[derive(Template)]
#[template(path = "programmes/survey.html")]
struct ShowPage {
    ctx: PageCtx,
    s: SurveyView,
}

pub async fn show(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<i32>) -> PageResult {
    let s = programmes::survey(&state, &ctx.actor, id).await?;
    Ok(render_as(&ShowPage { ctx, s }, StatusCode::OK))
}

pub async fn photo(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<i32>) -> PageResult {
    Ok(upload::download_response(
        programmes::survey_photo(&state, &ctx.actor, id).await?,
    ))
}

/// The service worker that keeps the capture form and its assets for offline use.
pub async fn service_worker() -> Response {
    crate::http::pages::offline_worker("/staff/surveys/")
}
