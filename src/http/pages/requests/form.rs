//! The request form (`requests/form.html`) and the thanks a guest sees (`requests/sent.html`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::{opt_i32, opt_num, opt_text};
use crate::context::AppState;
use crate::domain::{Code, Frequency, RequestInput, RequestKind};
use crate::error::AppError;
use crate::http::api::auth::ClientIp;
use crate::http::pages::forms::FormValues;
use crate::http::pages::{Errors, PageCtx, PageError, PageResult, render, render_as, see_other};
use crate::services::reference::{Category, Commune, Province};
use crate::services::requests::{self, RequestSource, Submission};
use crate::services::{auth, catalogue};

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewRequestQuery {
    pub kind: Option<String>,
    pub product: Option<i32>,
    pub enterprise: Option<i32>,
    /// What a search found nothing for.
    pub q: Option<String>,
    pub category: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RequestForm {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub product_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub category: Option<String>,
    pub quantity: Option<String>,
    pub unit: Option<String>,
    pub target_price_vnd: Option<String>,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub needed_by: Option<String>,
    pub supply: Option<String>,
    pub frequency: Option<String>,
    pub duration_months: Option<String>,
    pub direction: Option<String>,
    pub budget_min_vnd: Option<String>,
    pub budget_max_vnd: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub organisation: Option<String>,
    pub source: Option<String>,
    /// One-time token: the same form sent twice makes one request.
    pub token: Option<String>,
    /// Left empty by people; bots fill it.
    pub website: Option<String>,
}

impl RequestForm {
    fn to_input(&self) -> RequestInput {
        RequestInput {
            kind: opt_text(&self.kind),
            title: self.title.clone(),
            description: self.description.clone(),
            product_id: opt_i32(&self.product_id),
            enterprise_id: opt_i32(&self.enterprise_id),
            category: opt_text(&self.category),
            quantity: opt_num(&self.quantity),
            unit: opt_text(&self.unit),
            target_price_vnd: opt_num(&self.target_price_vnd),
            province_code: opt_i32(&self.province_code),
            commune_code: opt_i32(&self.commune_code),
            needed_by: opt_text(&self.needed_by),
            supply: opt_text(&self.supply),
            frequency: opt_text(&self.frequency),
            duration_months: opt_num(&self.duration_months),
            direction: opt_text(&self.direction),
            budget_min_vnd: opt_num(&self.budget_min_vnd),
            budget_max_vnd: opt_num(&self.budget_max_vnd),
            contact_name: opt_text(&self.contact_name),
            contact_phone: opt_text(&self.contact_phone),
            organisation: opt_text(&self.organisation),
        }
    }
}

#[derive(Template)]
#[template(path = "requests/form.html")]
struct FormPage {
    ctx: PageCtx,
    form: FormValues,
    errors: Errors,
    error: Option<&'static str>,
    categories: Vec<Category>,
    provinces: Vec<Province>,
    communes: Vec<Commune>,
    /// What the request is about, shown above the form.
    about: Option<String>,
}

impl FormPage {
    fn kinds(&self) -> &'static [RequestKind] {
        RequestKind::ALL
    }
    fn frequencies(&self) -> &'static [Frequency] {
        Frequency::ALL
    }
}

#[allow(
    clippy::unnecessary_wraps,
    reason = "answers as the page handlers it ends do, so each can return it as is"
)]
fn form_page(
    state: &AppState,
    ctx: PageCtx,
    form: FormValues,
    errors: Errors,
    error: Option<&'static str>,
    about: Option<String>,
    status: StatusCode,
) -> PageResult {
    let communes = form
        .get("province_code")
        .parse::<i32>()
        .map(|p| {
            state
                .reference
                .communes_of(p)
                .into_iter()
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(render_as(
        &FormPage {
            ctx,
            form,
            errors,
            error,
            categories: state.reference.tree.clone(),
            provinces: state.reference.provinces.clone(),
            communes,
            about,
        },
        status,
    ))
}

async fn about_text(state: &AppState, form: &FormValues) -> Option<String> {
    let visitor = crate::services::Actor::Visitor;
    if let Ok(pid) = form.get("product_id").parse::<i32>()
        && let Ok(p) = catalogue::get_product(state, &visitor, catalogue::Lookup::Id(pid)).await
    {
        return Some(format!("{} — {}", p.name, p.enterprise.name));
    }
    if let Ok(eid) = form.get("enterprise_id").parse::<i32>()
        && let Ok(e) = catalogue::get_enterprise(state, &visitor, catalogue::Lookup::Id(eid)).await
    {
        return Some(e.name);
    }
    None
}

pub async fn new_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<NewRequestQuery>,
) -> PageResult {
    let mut form = FormValues::default();
    let kind = q
        .kind
        .as_deref()
        .and_then(RequestKind::parse)
        .unwrap_or(RequestKind::Linkage);
    form.set("kind", kind.as_str());
    form.set("supply", "one_off");
    form.set("direction", "seek");
    let visitor = crate::services::Actor::Visitor;
    let mut source = RequestSource::Form;
    if let Some(pid) = q.product
        && let Ok(p) = catalogue::get_product(&state, &visitor, catalogue::Lookup::Id(pid)).await
    {
        form.set("product_id", p.id.to_string());
        form.set("enterprise_id", p.enterprise.id.to_string());
        form.set("category", p.category.clone());
        form.set("unit", p.unit.clone());
        form.set(
            "title",
            format!("{} {}", ctx.t("request.prefill.buy"), p.name),
        );
        source = RequestSource::Product;
    } else if let Some(eid) = q.enterprise {
        form.set("enterprise_id", eid.to_string());
        source = RequestSource::Enterprise;
    }
    if let Some(query) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        form.set(
            "title",
            format!("{} {query}", ctx.t("request.prefill.looking_for")),
        );
        source = RequestSource::Search;
    }
    if let Some(c) = q
        .category
        .filter(|c| state.reference.category_by_slug(c).is_some())
    {
        form.set("category", c);
    }
    form.set("source", source.as_str());
    form.set("token", auth::new_secret()?);
    let about = about_text(&state, &form).await;
    form_page(
        &state,
        ctx,
        form,
        Errors::default(),
        None,
        about,
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "requests/sent.html")]
struct SentPage {
    ctx: PageCtx,
    phone: String,
}

pub async fn create_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    Form(f): Form<RequestForm>,
) -> PageResult {
    let fair_id = crate::http::pages::fairs::attribute(&state, &headers, None)
        .await?
        .map(|(id, _)| id);
    let mut values = FormValues::from_input(&f.to_input());
    for (k, v) in [("source", &f.source), ("token", &f.token)] {
        values.set(k, v.clone().unwrap_or_default());
    }
    // A filled honeypot: thank the bot and keep nothing.
    if f.website.as_deref().is_some_and(|w| !w.trim().is_empty()) {
        tracing::info!(ip, "request form honeypot filled; discarded");
        return Ok(render(&SentPage {
            ctx,
            phone: f.contact_phone.clone().unwrap_or_default(),
        }));
    }
    let source = f
        .source
        .as_deref()
        .and_then(RequestSource::parse)
        .filter(|s| !matches!(s, RequestSource::Api | RequestSource::Fair))
        .unwrap_or(RequestSource::Form);
    let input = f.to_input();
    let result = requests::submit(
        &state,
        &ctx.actor,
        ctx.lang,
        Submission {
            input: &input,
            source,
            idempotency_key: f.token.clone(),
            client_ip: ip,
            fair_id,
            on_behalf: false,
            sender_secret: Some(ctx.csrf.clone()),
        },
    )
    .await;
    match result {
        Ok((view, _)) if ctx.signed_in() && !ctx.is_staff() => {
            Ok(see_other(&format!("/yeu-cau/{}?sent=1", view.id)))
        }
        Ok((view, _)) if ctx.is_staff() => Ok(see_other(&format!("/staff/requests/{}", view.id))),
        Ok((view, _)) => Ok(render(&SentPage {
            ctx,
            phone: view
                .requester
                .contact
                .and_then(|c| c.phone)
                .unwrap_or_default(),
        })),
        Err(e) => {
            let Some(errors) = Errors::from_app(ctx.lang, &e) else {
                return match e {
                    AppError::RateLimited { .. } => {
                        let about = about_text(&state, &values).await;
                        form_page(
                            &state,
                            ctx.clone(),
                            values,
                            Errors::default(),
                            Some(ctx.message(Code::RequestRateLimited)),
                            about,
                            StatusCode::TOO_MANY_REQUESTS,
                        )
                    }
                    other => Err(PageError(other)),
                };
            };
            let about = about_text(&state, &values).await;
            form_page(
                &state,
                ctx.clone(),
                values,
                errors,
                Some(ctx.t("form.fix_errors")),
                about,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
