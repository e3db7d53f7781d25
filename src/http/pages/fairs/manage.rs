//! Staff set a fair up (`fairs/manage.html`): its details and its exhibitors, one route
//! per action.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::context::AppState;
use crate::domain::{Code, FairInput, FairStatus};
use crate::error::AppError;
use crate::http::pages::forms::FormValues;
use crate::http::pages::{Errors, PageCtx, PageError, PageResult, render_as, see_other};
use crate::services::catalogue::EnterpriseView;
use crate::services::fairs::{self, ExhibitorInput, ExhibitorView, FairView};
use crate::services::reference::Province;

#[derive(Template)]
#[template(path = "fairs/manage.html")]
struct ManagePage {
    ctx: PageCtx,
    fair: Option<FairView>,
    form: FormValues,
    errors: Errors,
    error: Option<&'static str>,
    provinces: Vec<Province>,
    enterprises: Vec<EnterpriseView>,
    /// Published products of each exhibitor's enterprise: (id, name, shown).
    offered: HashMap<i32, Vec<(i32, String, bool)>>,
}

impl ManagePage {
    fn statuses(&self) -> &'static [FairStatus] {
        FairStatus::ALL
    }
    fn offered_for(&self, x: &ExhibitorView) -> &[(i32, String, bool)] {
        self.offered.get(&x.id).map_or(&[], Vec::as_slice)
    }
}

async fn manage_page(
    state: &AppState,
    ctx: PageCtx,
    id: Option<i32>,
    form: impl FnOnce(Option<&FairView>) -> FormValues,
    errors: Errors,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let m = fairs::management(state, &ctx.actor, id).await?;
    let form = form(m.fair.as_ref());
    Ok(render_as(
        &ManagePage {
            ctx,
            fair: m.fair,
            form,
            errors,
            error,
            provinces: state.reference.provinces.clone(),
            enterprises: m.enterprises,
            offered: m.offered,
        },
        status,
    ))
}

fn fair_values(f: &FairView) -> FormValues {
    let mut form = FormValues::default();
    form.set("name", f.name.clone());
    form.set("starts_on", f.starts_on.to_string());
    form.set("ends_on", f.ends_on.to_string());
    form.set("venue", f.venue.clone());
    form.set("province_code", f.province_code.to_string());
    form.set("organiser", f.organiser.clone());
    form.set("status", f.status.as_str());
    form.set("description", f.description.clone());
    form
}

pub async fn new_fair(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    manage_page(
        &state,
        ctx,
        None,
        |_| FormValues::default(),
        Errors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct ManageForm {
    /// Which action a form of the page's earlier version meant: all its forms posted to the
    /// fair's page itself ([`manage_post`]).
    pub action: Option<String>,
    pub name: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub venue: Option<String>,
    pub province_code: Option<String>,
    pub organiser: Option<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    pub enterprise_id: Option<String>,
    pub exhibitor_id: Option<String>,
    pub booth: Option<String>,
    #[serde(default)]
    pub product_ids: Vec<String>,
}

impl ManageForm {
    fn fair_input(&self) -> FairInput {
        FairInput {
            name: self.name.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            venue: self.venue.clone(),
            province_code: self.province_code.as_deref().and_then(|s| s.parse().ok()),
            organiser: self.organiser.clone(),
            status: self.status.clone(),
            description: self.description.clone(),
        }
    }
}

pub async fn create_fair(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<ManageForm>,
) -> PageResult {
    let input = f.fair_input();
    match fairs::create(&state, &ctx.actor, &input).await {
        Ok(fair) => Ok(see_other(&format!("/staff/fairs/{}", fair.id))),
        Err(e) => {
            let errors = Errors::from_app(ctx.lang, &e).ok_or(PageError(e))?;
            let form = FormValues::from_input(&input);
            let error = Some(ctx.t("form.fix_errors"));
            manage_page(
                &state,
                ctx,
                None,
                |_| form,
                errors,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn manage_fair(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    manage_page(
        &state,
        ctx,
        Some(id),
        |fair| fair.map(fair_values).unwrap_or_default(),
        Errors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// After a change on the fair's page: back to it, or the page again with what was wrong.
async fn managed<T>(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    f: &ManageForm,
    result: Result<T, AppError>,
    fair_edited: bool,
) -> PageResult {
    let Err(e) = result else {
        return Ok(see_other(&format!("/staff/fairs/{id}")));
    };
    let Some(errors) = Errors::from_app(ctx.lang, &e) else {
        return Err(PageError(e));
    };
    let form = |fair: Option<&FairView>| {
        let mut form = match fair {
            Some(fair) if !fair_edited => fair_values(fair),
            _ => FormValues::from_input(&f.fair_input()),
        };
        form.set("booth", f.booth.clone().unwrap_or_default());
        form
    };
    let error = errors.0.values().next().copied();
    // Shown in answer to a form's post: switching language comes back to the page.
    ctx.here = format!("/staff/fairs/{id}");
    manage_page(
        state,
        ctx,
        Some(id),
        form,
        errors,
        error,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

fn int(s: &Option<String>) -> Option<i32> {
    s.as_deref().and_then(|v| v.trim().parse::<i32>().ok())
}

pub async fn update_fair(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    let result = fairs::update(&state, &ctx.actor, id, &f.fair_input()).await;
    managed(&state, ctx, id, &f, result, true).await
}

pub async fn add_exhibitor(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    let result = fairs::add_exhibitor(
        &state,
        &ctx.actor,
        id,
        &ExhibitorInput {
            enterprise_id: int(&f.enterprise_id),
            booth: f.booth.clone(),
            product_ids: None,
        },
    )
    .await;
    managed(&state, ctx, id, &f, result, false).await
}

/// An exhibitor's booth and the products it shows.
pub async fn update_exhibitor(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, exhibitor_id)): Path<(i32, i32)>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    let product_ids = f
        .product_ids
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let result = fairs::update_exhibitor(
        &state,
        &ctx.actor,
        id,
        exhibitor_id,
        &ExhibitorInput {
            enterprise_id: None,
            booth: f.booth.clone().filter(|b| !b.trim().is_empty()),
            product_ids: Some(product_ids),
        },
    )
    .await;
    managed(&state, ctx, id, &f, result, false).await
}

pub async fn remove_exhibitor(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, exhibitor_id)): Path<(i32, i32)>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    let result = fairs::remove_exhibitor(&state, &ctx.actor, id, exhibitor_id).await;
    managed(&state, ctx, id, &f, result, false).await
}

/// The fair page's earlier single form target, kept for pages still open in a browser:
/// hands each `action` to its own handler.
pub async fn manage_post(
    state: State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    let exhibitor = Path((id, int(&f.exhibitor_id).unwrap_or_default()));
    match f.action.as_deref() {
        Some("update") => update_fair(state, ctx, Path(id), Form(f)).await,
        Some("add_exhibitor") => add_exhibitor(state, ctx, Path(id), Form(f)).await,
        Some("update_exhibitor") => update_exhibitor(state, ctx, exhibitor, Form(f)).await,
        Some("remove_exhibitor") => remove_exhibitor(state, ctx, exhibitor, Form(f)).await,
        _ => Err(PageError(AppError::BadRequest(Code::RequestMalformed))),
    }
}
