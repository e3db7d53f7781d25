//! Lead capture at the booth (`fairs/capture.html`), which keeps working offline.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::context::AppState;
use crate::domain::Num;
use crate::http::pages::forms::FormValues;
use crate::http::pages::{Errors, PageCtx, PageError, PageResult, render_as, see_other};
use crate::services::fairs::{self, ExhibitorView, FairKey, FairView, LeadInput};

#[derive(Template)]
#[template(path = "fairs/capture.html")]
struct CapturePage {
    ctx: PageCtx,
    fair: FairView,
    booths: Vec<ExhibitorView>,
    form: FormValues,
    errors: Errors,
    message: Option<&'static str>,
    token: String,
}

async fn capture_page(
    state: &AppState,
    ctx: PageCtx,
    slug: &str,
    form: FormValues,
    errors: Errors,
    message: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let (fair, booths) = fairs::capture_form(state, &ctx.actor, slug).await?;
    let token = crate::services::auth::new_secret()?;
    let mut response = render_as(
        &CapturePage {
            ctx,
            fair,
            booths,
            form,
            errors,
            message,
            token,
        },
        status,
    );
    // The page must work offline at the booth: the service worker keeps a copy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    pub done: Option<String>,
}

pub async fn capture(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let message = q.done.as_ref().map(|_| ctx.t("fair.lead_saved"));
    capture_page(
        &state,
        ctx,
        &slug,
        FormValues::default(),
        Errors::default(),
        message,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct LeadForm {
    pub booth: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub organisation: Option<String>,
    #[serde(default)]
    pub product_ids: Vec<String>,
    pub quantity: Option<String>,
    pub unit: Option<String>,
    pub note: Option<String>,
    pub token: Option<String>,
}

/// The plain form: a lead sent while the network is up, without scripts.
pub async fn capture_post(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Form(f): Form<LeadForm>,
) -> PageResult {
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let input = LeadInput {
        booth: f.booth.clone(),
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
        organisation: f.organisation.clone(),
        product_ids: f
            .product_ids
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
        quantity: f
            .quantity
            .clone()
            .filter(|q| !q.trim().is_empty())
            .map(Num::Text),
        unit: f.unit.clone(),
        note: f.note.clone(),
    };
    match fairs::capture_lead(
        &state,
        &ctx.actor,
        ctx.lang,
        fair.id,
        &input,
        f.token.clone(),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/hoi-cho/{slug}/khach-hang?done=1"))),
        Err(e) => {
            let Some(errors) = Errors::from_app(ctx.lang, &e) else {
                return Err(PageError(e));
            };
            let form = FormValues::from_pairs(&[
                ("booth", &f.booth),
                ("contact_name", &f.contact_name),
                ("contact_phone", &f.contact_phone),
                ("organisation", &f.organisation),
                ("quantity", &f.quantity),
                ("unit", &f.unit),
                ("note", &f.note),
            ]);
            let message = Some(ctx.t("form.fix_errors"));
            capture_page(
                &state,
                ctx,
                &slug,
                form,
                errors,
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The service worker that keeps the capture page and its assets for offline use.
pub async fn service_worker() -> Response {
    crate::http::pages::offline_worker("/hoi-cho/")
}
