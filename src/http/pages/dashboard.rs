//! The producer's dashboard: their enterprises and products, and the forms to edit them.
//! Staff use the same forms to act for a producer.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::forms::{EnterpriseForm, FormValues, ProductForm};
use super::{Errors, PageCtx, PageResult, render, render_as, see_other};
use crate::context::AppState;
use crate::domain::Code;
use crate::domain::{
    Certification, LegalForm, PackagingStatus, PendingStatus, ProductInput, TrademarkKind,
    TrademarkStatus,
};
use crate::services::catalogue::{self, EnterpriseScope, EnterpriseView, ProductView};
use crate::services::dashboard;
use crate::services::reference::{Category, Commune, Province};

#[derive(Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
    pub enterprise: Option<i32>,
}

/// Messages a redirect may announce, by key (anything else is ignored).
fn done_message(ctx: &PageCtx, done: Option<&str>) -> Option<&'static str> {
    match done? {
        k @ ("product_saved" | "product_submitted" | "product_deleted" | "enterprise_saved"
        | "changes_saved" | "enterprise_held") => Some(ctx.t(&format!("done.{k}"))),
        "withdrawn" => Some(ctx.t("notice.withdrawn")),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "dashboard/index.html")]
struct DashboardPage {
    ctx: PageCtx,
    enterprises: Vec<EnterpriseView>,
    products: Vec<ProductView>,
    message: Option<&'static str>,
    review_count: u64,
    /// Booths at fairs to come: where to record buyers.
    booths: Vec<(crate::services::fairs::FairSummary, String)>,
    /// Support programmes at risk (staff).
    at_risk: Vec<crate::services::programmes::ProgrammeSummary>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let board = dashboard::overview(&state, &ctx.actor, ctx.lang).await?;
    let message = done_message(&ctx, q.done.as_deref());
    Ok(render(&DashboardPage {
        ctx,
        enterprises: board.enterprises,
        products: board.products,
        message,
        review_count: board.review_count,
        booths: board.booths,
        at_risk: board.at_risk,
    }))
}

// ---------------------------------------------------------------------------------------------
// Enterprise form

#[derive(Template)]
#[template(path = "dashboard/enterprise_form.html")]
pub(super) struct EnterpriseFormPage {
    pub ctx: PageCtx,
    pub title: &'static str,
    pub action: String,
    pub form: FormValues,
    pub errors: Errors,
    pub provinces: Vec<Province>,
    pub communes: Vec<Commune>,
}

impl EnterpriseFormPage {
    /// The logo and documents page of the enterprise being edited.
    fn media_url(&self) -> Option<String> {
        self.action
            .strip_suffix("/edit")
            .map(|base| format!("{base}/media"))
    }

    fn legal_forms(&self) -> &'static [LegalForm] {
        LegalForm::ALL
    }

    fn certifications(&self) -> &'static [Certification] {
        Certification::ALL
    }
}

pub(super) fn enterprise_form_page(
    state: &AppState,
    ctx: PageCtx,
    title: &'static str,
    action: String,
    mut form: FormValues,
    errors: Errors,
) -> Response {
    // The commune decides the province; a chosen province shows its communes.
    let commune_province = form
        .get("commune_code")
        .parse::<i32>()
        .ok()
        .and_then(|c| state.reference.commune(c))
        .map(|c| c.province_code);
    if form.get("province_code").is_empty()
        && let Some(p) = commune_province
    {
        form.set("province_code", p.to_string());
    }
    let communes = form
        .get("province_code")
        .parse::<i32>()
        .ok()
        .map(|p| {
            state
                .reference
                .communes_of(p)
                .into_iter()
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let status = if errors.any() {
        Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        None
    };
    render_as(
        &EnterpriseFormPage {
            ctx,
            title,
            action,
            form,
            errors,
            provinces: state.reference.provinces.clone(),
            communes,
        },
        status.unwrap_or(StatusCode::OK),
    )
}

fn values_of_enterprise_form(form: &EnterpriseForm) -> FormValues {
    let mut values = FormValues::from_input(&form.to_input());
    if let Some(p) = &form.province_code {
        values.set("province_code", p.clone());
    }
    values
}

pub async fn new_enterprise(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    catalogue::may_publish(&ctx.actor)?;
    let title = ctx.t("enterprise.new");
    Ok(enterprise_form_page(
        &state,
        ctx,
        title,
        "/dashboard/enterprises/new".into(),
        FormValues::default(),
        Errors::default(),
    ))
}

pub async fn create_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<EnterpriseForm>,
) -> PageResult {
    let title = ctx.t("enterprise.new");
    let action = "/dashboard/enterprises/new".to_string();
    if form.pick_province.is_some() {
        // Only the form again, with the province's communes.
        catalogue::may_publish(&ctx.actor)?;
        return Ok(enterprise_form_page(
            &state,
            ctx,
            title,
            action,
            values_of_enterprise_form(&form),
            Errors::default(),
        ));
    }
    let result = match form.place_mismatch(&state.reference) {
        Some(mismatch) => Err(mismatch.into()),
        None => catalogue::create_enterprise(&state, &ctx.actor, &form.to_input(), None).await,
    };
    match result {
        Ok(e) => Ok(see_other(&format!(
            "/dashboard/products/new?enterprise={}&done=enterprise_saved",
            e.id
        ))),
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => Ok(enterprise_form_page(
                &state,
                ctx,
                title,
                action,
                values_of_enterprise_form(&form),
                errors,
            )),
            None => Err(err.into()),
        },
    }
}

pub async fn edit_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let input = catalogue::enterprise_for_edit(&state, &ctx.actor, id).await?;
    let title = ctx.t("enterprise.edit");
    let values = FormValues::from_input(&input);
    Ok(enterprise_form_page(
        &state,
        ctx,
        title,
        format!("/dashboard/enterprises/{id}/edit"),
        values,
        Errors::default(),
    ))
}

pub async fn update_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<EnterpriseForm>,
) -> PageResult {
    let title = ctx.t("enterprise.edit");
    let action = format!("/dashboard/enterprises/{id}/edit");
    if form.pick_province.is_some() {
        // Only the form again, with the province's communes.
        catalogue::require_manage(&state.db, &ctx.actor, id).await?;
        return Ok(enterprise_form_page(
            &state,
            ctx,
            title,
            action,
            values_of_enterprise_form(&form),
            Errors::default(),
        ));
    }
    let patch = serde_json::to_value(form.to_input()).map_err(anyhow::Error::new)?;
    let result = match form.place_mismatch(&state.reference) {
        Some(mismatch) => Err(mismatch.into()),
        None => catalogue::update_enterprise(&state, &ctx.actor, id, &patch).await,
    };
    match result {
        Ok(e) if e.pending_status == Some(PendingStatus::Submitted) => {
            Ok(see_other("/dashboard?done=enterprise_held"))
        }
        Ok(_) => Ok(see_other("/dashboard?done=enterprise_saved")),
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => Ok(enterprise_form_page(
                &state,
                ctx,
                title,
                action,
                values_of_enterprise_form(&form),
                errors,
            )),
            None => Err(err.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Product form

#[derive(Template)]
#[template(path = "dashboard/product_form.html")]
struct ProductFormPage {
    ctx: PageCtx,
    title: &'static str,
    action: String,
    form: FormValues,
    errors: Errors,
    tree: Vec<Category>,
    enterprises: Vec<EnterpriseView>,
    /// The product being edited, with its vetting state.
    product: Option<ProductView>,
    message: Option<&'static str>,
}

impl ProductFormPage {
    fn packaging(&self) -> &'static [PackagingStatus] {
        PackagingStatus::ALL
    }
    fn tm_statuses(&self) -> &'static [TrademarkStatus] {
        TrademarkStatus::ALL
    }
    fn tm_kinds(&self) -> &'static [TrademarkKind] {
        TrademarkKind::ALL
    }
    fn certifications(&self) -> &'static [Certification] {
        Certification::ALL
    }
    fn months(&self) -> Vec<u8> {
        (1..=12).collect()
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per form action; a struct would only rename them"
)]
async fn product_form_page(
    state: &AppState,
    ctx: PageCtx,
    title: &'static str,
    action: String,
    form: FormValues,
    errors: Errors,
    product: Option<ProductView>,
    message: Option<&'static str>,
) -> PageResult {
    let enterprises = catalogue::list_enterprises(state, &ctx.actor, EnterpriseScope::Mine).await?;
    let status = if errors.any() {
        Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        None
    };
    Ok(render_as(
        &ProductFormPage {
            ctx,
            title,
            action,
            form,
            errors,
            tree: state.reference.tree.clone(),
            enterprises,
            product,
            message,
        },
        status.unwrap_or(StatusCode::OK),
    ))
}

fn product_values(input: &ProductInput, enterprise_id: Option<i32>) -> FormValues {
    let mut values = FormValues::from_input(input);
    if let Some(id) = enterprise_id {
        values.set("enterprise_id", id.to_string());
    }
    values
}

pub async fn new_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    catalogue::may_publish(&ctx.actor)?;
    let title = ctx.t("product.new");
    let mut values = product_values(&ProductInput::default(), q.enterprise);
    values.set("unit", "kg");
    let message = done_message(&ctx, q.done.as_deref());
    product_form_page(
        &state,
        ctx,
        title,
        "/dashboard/products/new".into(),
        values,
        Errors::default(),
        None,
        message,
    )
    .await
}

/// "Save draft" on a new product's form (and, from pages still open, "save and send" named
/// by the form's `action`).
pub async fn create_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<ProductForm>,
) -> PageResult {
    let submit = form.submit();
    save_new_product(&state, ctx, form, submit).await
}

/// "Save and send to the centre" on a new product's form.
pub async fn create_and_submit_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<ProductForm>,
) -> PageResult {
    save_new_product(&state, ctx, form, true).await
}

async fn save_new_product(
    state: &AppState,
    ctx: PageCtx,
    form: ProductForm,
    submit: bool,
) -> PageResult {
    let input = form.to_input();
    let result = match form.enterprise_id {
        Some(eid) => catalogue::create_product(state, &ctx.actor, eid, &input).await,
        None => catalogue::may_publish(&ctx.actor).and_then(|_| {
            Err(crate::domain::Invalid::one("enterprise_id", Code::EnterpriseRequired).into())
        }),
    };
    match result {
        Ok(p) => {
            if submit {
                catalogue::submit_product(state, &ctx.actor, p.id).await?;
                Ok(see_other("/dashboard?done=product_submitted"))
            } else {
                Ok(see_other("/dashboard?done=product_saved"))
            }
        }
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => {
                let title = ctx.t("product.new");
                product_form_page(
                    state,
                    ctx,
                    title,
                    "/dashboard/products/new".into(),
                    product_values(&input, form.enterprise_id),
                    errors,
                    None,
                    None,
                )
                .await
            }
            None => Err(err.into()),
        },
    }
}

pub async fn edit_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let (view, input) = catalogue::product_for_edit(&state, &ctx.actor, id).await?;
    let title = ctx.t("product.edit");
    let values = product_values(&input, Some(view.enterprise_id));
    product_form_page(
        &state,
        ctx,
        title,
        format!("/dashboard/products/{id}/edit"),
        values,
        Errors::default(),
        Some(view),
        None,
    )
    .await
}

/// "Save" on a product's edit form (and, from pages still open, "save and send" named by
/// the form's `action`).
pub async fn update_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ProductForm>,
) -> PageResult {
    let submit = form.submit();
    save_product(&state, ctx, id, form, submit).await
}

/// "Save and send to the centre" on a product's edit form.
pub async fn update_and_submit_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ProductForm>,
) -> PageResult {
    save_product(&state, ctx, id, form, true).await
}

async fn save_product(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    form: ProductForm,
    submit: bool,
) -> PageResult {
    let input = form.to_input();
    let patch = serde_json::to_value(&input).map_err(anyhow::Error::new)?;
    match catalogue::update_product(state, &ctx.actor, id, &patch).await {
        Ok((p, withdrawn)) => {
            let waiting =
                p.pending_changes.is_some() || p.status != crate::domain::ProductStatus::Published;
            if submit && waiting && !p.in_review() {
                catalogue::submit_product(state, &ctx.actor, id).await?;
                return Ok(see_other("/dashboard?done=product_submitted"));
            }
            Ok(see_other(if withdrawn {
                "/dashboard?done=withdrawn"
            } else if p.pending_changes.is_some() {
                "/dashboard?done=changes_saved"
            } else {
                "/dashboard?done=product_saved"
            }))
        }
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => {
                let (view, _) = catalogue::product_for_edit(state, &ctx.actor, id).await?;
                let title = ctx.t("product.edit");
                let values = product_values(&input, Some(view.enterprise_id));
                product_form_page(
                    state,
                    ctx,
                    title,
                    format!("/dashboard/products/{id}/edit"),
                    values,
                    errors,
                    Some(view),
                    None,
                )
                .await
            }
            None => Err(err.into()),
        },
    }
}

pub async fn submit_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    catalogue::submit_product(&state, &ctx.actor, id).await?;
    Ok(see_other("/dashboard?done=product_submitted"))
}

pub async fn delete_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    catalogue::delete_product(&state, &ctx.actor, id).await?;
    Ok(see_other("/dashboard?done=product_deleted"))
}
