//! Brokering pages: the request form (from a product, an enterprise, a search with no
//! results, or blank), "my requests" for buyers and producers, the staff desk, the numbers,
//! and the inbox. Every page works as plain forms; scripts only add conveniences.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::{Errors, PageCtx, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::domain::{
    DeclineReason, Frequency, NoDealReason, Num, OutcomeInput, RejectReason, RequestInput,
    RequestKind, RequestStatus, ResponseInput, SupplyKind,
};
use crate::error::AppError;
use crate::http::api::auth::ClientIp;
use crate::http::pages::forms::FormValues;
use crate::services::notify::{self, NotificationView};
use crate::services::reference::{Category, Commune, Province};
use crate::services::requests::{
    self, EventView, ForwardInput, MessageInput, RequestFilter, RequestPage, RequestSource,
    RequestView, RespondInput, ShortlistInput, Stats, StatsQuery, Submission, Suggestion,
    TransitionInput,
};
use crate::services::{auth, catalogue};

fn signed_in(ctx: &PageCtx) -> Result<(), PageError> {
    if ctx.signed_in() {
        Ok(())
    } else {
        Err(PageError(AppError::Unauthenticated))
    }
}

fn staff(ctx: &PageCtx) -> Result<(), PageError> {
    signed_in(ctx)?;
    if ctx.is_staff() {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden))
    }
}

fn opt_i32(v: &Option<String>) -> Option<i32> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

fn opt_text(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.trim().is_empty())
}

fn opt_num(v: &Option<String>) -> Option<Num> {
    opt_text(v).map(Num::Text)
}

/// One line of the timeline in the page's language.
pub fn event_line(ctx: &PageCtx, e: &EventView) -> String {
    let label = ctx.t(&format!("event.{}", e.kind));
    match e.kind.as_str() {
        "status" | "closed" => {
            let to = e
                .to_status
                .map(|s| ctx.code("rstatus", s.as_str()))
                .unwrap_or_default();
            if e.body.is_empty() {
                format!("{label}: {to}")
            } else {
                format!("{label}: {to} — {}", e.body)
            }
        }
        _ if e.body.is_empty() => label.to_string(),
        _ => format!("{label}: {}", e.body),
    }
}

// ---------------------------------------------------------------------------------------------
// The request form

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

async fn form_page(
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
    let mut response = render(&FormPage {
        ctx,
        form,
        errors,
        error,
        categories: state.reference.tree.clone(),
        provinces: state.reference.provinces.clone(),
        communes,
        about,
    });
    *response.status_mut() = status;
    Ok(response)
}

async fn about_text(state: &AppState, form: &FormValues) -> Option<String> {
    let visitor = crate::services::Actor::Visitor;
    if let Ok(pid) = form.get("product_id").parse::<i32>()
        && let Ok(p) = catalogue::get_product(
            &state.db,
            &state.reference,
            &visitor,
            catalogue::Lookup::Id(pid),
        )
        .await
    {
        return Some(format!("{} — {}", p.name, p.enterprise.name));
    }
    if let Ok(eid) = form.get("enterprise_id").parse::<i32>()
        && let Ok(e) = catalogue::get_enterprise(
            &state.db,
            &state.reference,
            &visitor,
            catalogue::Lookup::Id(eid),
        )
        .await
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
        && let Ok(p) = catalogue::get_product(
            &state.db,
            &state.reference,
            &visitor,
            catalogue::Lookup::Id(pid),
        )
        .await
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
    .await
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
    let fair_id = super::fairs::attribute(&state, &headers, None)
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
                            Some(ctx.t("error.request.rate_limited")),
                            about,
                            StatusCode::TOO_MANY_REQUESTS,
                        )
                        .await
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
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// My requests (buyers and producers)

#[derive(Template)]
#[template(path = "requests/list.html")]
struct ListPage {
    ctx: PageCtx,
    page: RequestPage,
}

pub async fn my_requests(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    signed_in(&ctx)?;
    if ctx.is_staff() {
        return Ok(see_other("/staff/requests"));
    }
    let page = requests::list(
        &state,
        &ctx.actor,
        ctx.lang,
        &RequestFilter {
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?;
    Ok(render(&ListPage { ctx, page }))
}

#[derive(Template)]
#[template(path = "requests/show.html")]
struct ShowPage {
    ctx: PageCtx,
    r: RequestView,
    producer: bool,
    message: Option<&'static str>,
    error: Option<&'static str>,
    form: FormValues,
}

impl ShowPage {
    /// Where the message form of a thread posts.
    fn message_url(&self) -> String {
        format!("/yeu-cau/{}/tin-nhan", self.r.id)
    }
    fn declines(&self) -> &'static [DeclineReason] {
        DeclineReason::ALL
    }
    fn line(&self, e: &EventView) -> String {
        event_line(&self.ctx, e)
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    pub sent: Option<String>,
    pub done: Option<String>,
}

async fn show_page(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    message: Option<&'static str>,
    error: Option<(&'static str, StatusCode)>,
    form: FormValues,
) -> PageResult {
    signed_in(&ctx)?;
    if ctx.is_staff() {
        return Ok(see_other(&format!("/staff/requests/{id}")));
    }
    if error.is_some() {
        // Shown in answer to a form's post: switching language comes back to the page.
        ctx.here = format!("/yeu-cau/{id}");
    }
    let r = requests::get(state, &ctx.actor, ctx.lang, id).await?;
    if let Some(me) = ctx.actor.id() {
        notify::mark_request_read(&state.db, me, id).await?;
    }
    let mut response = render(&ShowPage {
        producer: r.viewer == "producer",
        ctx,
        r,
        message,
        error: error.map(|e| e.0),
        form,
    });
    if let Some((_, status)) = error {
        *response.status_mut() = status;
    }
    Ok(response)
}

pub async fn show_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let message = if q.sent.is_some() {
        Some(ctx.t("request.sent"))
    } else {
        match q.done.as_deref() {
            Some(k @ ("withdrawn" | "answered" | "message")) => {
                Some(ctx.t(&format!("request.done.{k}")))
            }
            _ => None,
        }
    };
    show_page(&state, ctx, id, message, None, FormValues::default()).await
}

/// The fields of the forms on a requester's or producer's request page; each action reads
/// the ones it needs.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PartyForm {
    /// Which action a form of the page's earlier version meant: all its forms posted to
    /// the page itself ([`party_action`]).
    pub action: Option<String>,
    pub enterprise_id: Option<String>,
    pub body: Option<String>,
    pub answer: Option<String>,
    pub price_vnd: Option<String>,
    pub quantity: Option<String>,
    pub lead_time_days: Option<String>,
    pub message: Option<String>,
    pub reason: Option<String>,
}

/// Back to the request page saying what was done, or the page again with the error and
/// the values sent.
async fn party_done<T>(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    f: &PartyForm,
    result: Result<T, AppError>,
    done: &str,
) -> PageResult {
    match result {
        Ok(_) => Ok(see_other(&format!("/yeu-cau/{id}?done={done}"))),
        Err(e) => {
            let (message, status) = page_error(&ctx, &e)?;
            let form = FormValues::from_pairs(&[
                ("body", &f.body),
                ("answer", &f.answer),
                ("price_vnd", &f.price_vnd),
                ("quantity", &f.quantity),
                ("lead_time_days", &f.lead_time_days),
                ("message", &f.message),
                ("reason", &f.reason),
            ]);
            show_page(state, ctx, id, None, Some((message, status)), form).await
        }
    }
}

/// The requester takes the request back.
pub async fn withdraw_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<PartyForm>,
) -> PageResult {
    signed_in(&ctx)?;
    let result = requests::transition(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        &TransitionInput {
            to: "withdrawn".into(),
            reason: None,
            note: None,
        },
    )
    .await;
    party_done(&state, ctx, id, &f, result, "withdrawn").await
}

/// A producer answers the request it was sent: interested (with an offer) or declined.
pub async fn respond_to_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<PartyForm>,
) -> PageResult {
    signed_in(&ctx)?;
    let result = requests::respond(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        &RespondInput {
            enterprise_id: opt_i32(&f.enterprise_id),
            response: ResponseInput {
                answer: opt_text(&f.answer),
                price_vnd: opt_num(&f.price_vnd),
                quantity: opt_num(&f.quantity),
                lead_time_days: opt_num(&f.lead_time_days),
                message: opt_text(&f.message),
                reason: opt_text(&f.reason),
            },
        },
    )
    .await;
    party_done(&state, ctx, id, &f, result, "answered").await
}

/// A message from the requester or a producer to the centre (or, once connected, each other).
pub async fn send_party_message(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<PartyForm>,
) -> PageResult {
    signed_in(&ctx)?;
    let result = requests::message(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        &MessageInput {
            enterprise_id: opt_i32(&f.enterprise_id),
            body: f.body.clone(),
        },
    )
    .await;
    party_done(&state, ctx, id, &f, result, "message").await
}

/// The request page's earlier single form target, kept for pages still open in a browser:
/// hands each `action` to its own handler.
pub async fn party_action(
    state: State<AppState>,
    ctx: PageCtx,
    id: Path<i32>,
    Form(f): Form<PartyForm>,
) -> PageResult {
    signed_in(&ctx)?;
    match f.action.as_deref() {
        Some("withdraw") => withdraw_request(state, ctx, id, Form(f)).await,
        Some("respond") => respond_to_request(state, ctx, id, Form(f)).await,
        Some("message") => send_party_message(state, ctx, id, Form(f)).await,
        _ => Err(PageError(AppError::BadRequest("request.malformed"))),
    }
}

/// An error to show on the page it happened on; anything else becomes an error page.
fn page_error(ctx: &PageCtx, e: &AppError) -> Result<(&'static str, StatusCode), PageError> {
    match e {
        AppError::Invalid(_) | AppError::Conflict { .. } => {
            Ok((ctx.t(&format!("error.{}", e.code())), e.status()))
        }
        AppError::Internal(err) => Err(PageError(AppError::Internal(anyhow::anyhow!("{err}")))),
        AppError::Forbidden => Err(PageError(AppError::Forbidden)),
        AppError::NotFound => Err(PageError(AppError::NotFound)),
        AppError::Unauthenticated => Err(PageError(AppError::Unauthenticated)),
        other => Ok((ctx.t(&format!("error.{}", other.code())), other.status())),
    }
}

// ---------------------------------------------------------------------------------------------
// The staff desk

#[derive(Template)]
#[template(path = "staff/requests.html")]
struct DeskPage {
    ctx: PageCtx,
    page: RequestPage,
    filter: FormValues,
    categories: Vec<Category>,
    provinces: Vec<Province>,
    overdue_days: u32,
    overdue_count: u64,
}

impl DeskPage {
    fn kinds(&self) -> &'static [RequestKind] {
        RequestKind::ALL
    }
    fn statuses(&self) -> &'static [RequestStatus] {
        RequestStatus::ALL
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DeskQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub assigned: Option<String>,
    pub overdue: Option<String>,
    pub category: Option<String>,
    pub province: Option<String>,
    pub page: Option<u64>,
}

pub async fn desk(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DeskQuery>,
) -> PageResult {
    staff(&ctx)?;
    let mut filter_values = FormValues::default();
    for (k, v) in [
        ("status", &q.status),
        ("kind", &q.kind),
        ("assigned", &q.assigned),
        ("overdue", &q.overdue),
        ("category", &q.category),
        ("province", &q.province),
    ] {
        if let Some(v) = opt_text(v) {
            filter_values.set(k, v);
        }
    }
    let filter = RequestFilter {
        // The desk opens on what is still open.
        status: Some(opt_text(&q.status).unwrap_or_else(|| "open".into())),
        kind: opt_text(&q.kind),
        assigned: opt_text(&q.assigned),
        overdue: q.overdue.as_deref().map(|v| v == "1" || v == "true"),
        category: opt_text(&q.category),
        province: opt_i32(&q.province),
        page: q.page,
        per_page: Some(50),
    };
    let page = requests::list(&state, &ctx.actor, ctx.lang, &filter).await?;
    let overdue_count = requests::list(
        &state,
        &ctx.actor,
        ctx.lang,
        &RequestFilter {
            overdue: Some(true),
            per_page: Some(1),
            ..Default::default()
        },
    )
    .await?
    .total;
    Ok(render(&DeskPage {
        ctx,
        page,
        filter: filter_values,
        categories: state.reference.tree.clone(),
        provinces: state.reference.provinces.clone(),
        overdue_days: state.config.overdue_days,
        overdue_count,
    }))
}

#[derive(Template)]
#[template(path = "staff/request.html")]
struct DeskRequestPage {
    ctx: PageCtx,
    r: RequestView,
    suggestions: Vec<Suggestion>,
    staff_members: Vec<(i32, String)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
    form: FormValues,
}

impl DeskRequestPage {
    /// Where the message form of a thread posts.
    fn message_url(&self) -> String {
        format!("/staff/requests/{}/messages", self.r.id)
    }
    /// The state changes offered as buttons (rejection has its own form).
    fn moves(&self) -> Vec<&str> {
        self.r
            .actions
            .iter()
            .filter_map(|a| a.strip_prefix("to:"))
            .filter(|to| *to != "rejected")
            .collect()
    }
    fn is_assigned(&self, id: &i32) -> bool {
        self.r.assigned_to.as_ref().is_some_and(|a| a.id == *id)
    }
    fn rejects(&self) -> &'static [RejectReason] {
        RejectReason::ALL
    }
    fn no_deals(&self) -> &'static [NoDealReason] {
        NoDealReason::ALL
    }
    fn supplies(&self) -> &'static [SupplyKind] {
        SupplyKind::ALL
    }
    fn line(&self, e: &EventView) -> String {
        event_line(&self.ctx, e)
    }
    fn waiting(&self) -> usize {
        self.r
            .matches
            .iter()
            .filter(|m| m.forwarded_at.is_none())
            .count()
    }
    fn reasons(&self, s: &Suggestion) -> String {
        s.reasons
            .iter()
            .map(|r| self.ctx.t(&format!("suggest.{r}")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn desk_request_page(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    message: Option<&'static str>,
    error: Option<(&'static str, StatusCode)>,
    form: FormValues,
) -> PageResult {
    staff(&ctx)?;
    if error.is_some() {
        // Shown in answer to a form's post: switching language comes back to the page.
        ctx.here = format!("/staff/requests/{id}");
    }
    let r = requests::get(state, &ctx.actor, ctx.lang, id).await?;
    if let Some(me) = ctx.actor.id() {
        notify::mark_request_read(&state.db, me, id).await?;
    }
    let suggestions = if r.can("shortlist") {
        requests::suggestions(state, &ctx.actor, ctx.lang, id).await?
    } else {
        Vec::new()
    };
    let staff_members = requests::staff_members(state).await?;
    let mut response = render(&DeskRequestPage {
        ctx,
        r,
        suggestions,
        staff_members,
        message,
        error: error.map(|e| e.0),
        form,
    });
    if let Some((_, status)) = error {
        *response.status_mut() = status;
    }
    Ok(response)
}

pub async fn desk_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let message = q.done.as_deref().map(|_| ctx.t("request.done.saved"));
    desk_request_page(&state, ctx, id, message, None, FormValues::default()).await
}

/// The fields of the desk's forms; each action reads the ones it needs.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DeskForm {
    /// Which action a form of the desk's earlier version meant: all its forms posted to the
    /// desk page itself ([`desk_action`]).
    pub action: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub body: Option<String>,
    pub user_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub product_id: Option<String>,
    #[serde(default)]
    pub enterprise_ids: Vec<String>,
    pub result: Option<String>,
    pub value_vnd: Option<String>,
    pub quantity: Option<String>,
    pub supply: Option<String>,
}

/// Back to the desk page saying it was saved, or the desk page again with the error and
/// the values of the form that failed (`action` names that form).
async fn desk_done<T>(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    action: &str,
    f: &DeskForm,
    result: Result<T, AppError>,
) -> PageResult {
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/requests/{id}?done=1"))),
        Err(e) => {
            let (message, status) = page_error(&ctx, &e)?;
            let mut form = FormValues::from_pairs(&[
                ("body", &f.body),
                ("note", &f.note),
                ("result", &f.result),
                ("value_vnd", &f.value_vnd),
                ("quantity", &f.quantity),
                ("reason", &f.reason),
            ]);
            form.set("action", action);
            desk_request_page(state, ctx, id, None, Some((message, status)), form).await
        }
    }
}

pub async fn transition_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::transition(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        &TransitionInput {
            to: f.to.clone().unwrap_or_default(),
            reason: opt_text(&f.reason),
            note: opt_text(&f.note),
        },
    )
    .await;
    desk_done(&state, ctx, id, "transition", &f, result).await
}

pub async fn assign_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::assign(&state, &ctx.actor, ctx.lang, id, opt_i32(&f.user_id)).await;
    desk_done(&state, ctx, id, "assign", &f, result).await
}

pub async fn add_note(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::add_note(&state, &ctx.actor, ctx.lang, id, f.body.as_deref()).await;
    desk_done(&state, ctx, id, "note", &f, result).await
}

pub async fn shortlist_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::shortlist(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        &ShortlistInput {
            enterprise_id: opt_i32(&f.enterprise_id),
            product_id: opt_i32(&f.product_id),
            note: opt_text(&f.note),
        },
    )
    .await;
    desk_done(&state, ctx, id, "shortlist", &f, result).await
}

pub async fn unshortlist_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, enterprise_id)): Path<(i32, i32)>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::unshortlist(&state, &ctx.actor, ctx.lang, id, enterprise_id).await;
    desk_done(&state, ctx, id, "unshortlist", &f, result).await
}

/// Sends the request to every shortlisted enterprise not yet sent it (or those named).
pub async fn forward_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::forward(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        &ForwardInput {
            enterprise_ids: f
                .enterprise_ids
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect(),
        },
    )
    .await;
    desk_done(&state, ctx, id, "forward", &f, result).await
}

/// Gives the requester and one interested enterprise each other's contact.
pub async fn connect_parties(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result =
        requests::connect(&state, &ctx.actor, ctx.lang, id, opt_i32(&f.enterprise_id)).await;
    desk_done(&state, ctx, id, "connect", &f, result).await
}

pub async fn send_desk_message(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::message(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        &MessageInput {
            enterprise_id: opt_i32(&f.enterprise_id),
            body: f.body.clone(),
        },
    )
    .await;
    desk_done(&state, ctx, id, "message", &f, result).await
}

/// Staff called the guest back on the number given.
pub async fn verify_phone(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::verify_phone(&state, &ctx.actor, ctx.lang, id).await;
    desk_done(&state, ctx, id, "verify_phone", &f, result).await
}

/// Records the outcome (a deal, or why there was none) and closes the request.
pub async fn close_request(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let result = requests::close(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        &OutcomeInput {
            result: opt_text(&f.result),
            value_vnd: opt_num(&f.value_vnd),
            quantity: opt_num(&f.quantity),
            supply: opt_text(&f.supply),
            enterprise_id: opt_i32(&f.enterprise_id),
            reason: opt_text(&f.reason),
            note: opt_text(&f.note),
        },
    )
    .await;
    desk_done(&state, ctx, id, "close", &f, result).await
}

/// The desk page's earlier single form target, kept for pages still open in a browser:
/// hands each `action` to its own handler.
pub async fn desk_action(
    state: State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    staff(&ctx)?;
    let path = Path(id);
    match f.action.as_deref() {
        Some("transition") => transition_request(state, ctx, path, Form(f)).await,
        Some("assign") => assign_request(state, ctx, path, Form(f)).await,
        Some("note") => add_note(state, ctx, path, Form(f)).await,
        Some("shortlist") => shortlist_enterprise(state, ctx, path, Form(f)).await,
        Some("unshortlist") => {
            let enterprise_id = opt_i32(&f.enterprise_id).unwrap_or_default();
            unshortlist_enterprise(state, ctx, Path((id, enterprise_id)), Form(f)).await
        }
        Some("forward") => forward_request(state, ctx, path, Form(f)).await,
        Some("connect") => connect_parties(state, ctx, path, Form(f)).await,
        Some("message") => send_desk_message(state, ctx, path, Form(f)).await,
        Some("verify_phone") => verify_phone(state, ctx, path, Form(f)).await,
        Some("close") => close_request(state, ctx, path, Form(f)).await,
        _ => Err(PageError(AppError::BadRequest("request.malformed"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers

#[derive(Template)]
#[template(path = "staff/request_stats.html")]
struct StatsPage {
    ctx: PageCtx,
    s: Stats,
    query: String,
}

impl StatsPage {
    fn tables(&self) -> Vec<(&'static str, &[crate::services::requests::StatsRow])> {
        vec![
            (self.ctx.t("stats.by_month"), self.s.by_month.as_slice()),
            (
                self.ctx.t("stats.by_category"),
                self.s.by_category.as_slice(),
            ),
            (
                self.ctx.t("stats.by_province"),
                self.s.by_province.as_slice(),
            ),
        ]
    }
    /// Width of a bar, in percent of the largest value in its table.
    fn bar(&self, value: &u64, rows: &[crate::services::requests::StatsRow]) -> u64 {
        let max = rows.iter().map(|r| r.requests).max().unwrap_or(0).max(1);
        value * 100 / max
    }
    fn percent(&self, v: &Option<f64>) -> String {
        v.map(|v| format!("{:.0} %", v * 100.0))
            .unwrap_or("–".into())
    }
    fn number(&self, v: &Option<f64>) -> String {
        v.map(|v| format!("{v:.1}").replace('.', ","))
            .unwrap_or("–".into())
    }
    fn billions(&self, v: &i64) -> String {
        if *v >= 1_000_000_000 {
            format!(
                "{} tỷ đồng",
                format!("{:.2}", *v as f64 / 1e9).replace('.', ",")
            )
        } else {
            self.ctx.vnd(*v)
        }
    }
}

pub async fn stats(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<StatsQuery>,
) -> PageResult {
    staff(&ctx)?;
    let s = requests::stats(&state, &ctx.actor, ctx.lang, &q).await?;
    let query = format!(
        "from={}&to={}",
        s.from.format("%Y-%m-%d"),
        s.to.format("%Y-%m-%d")
    );
    Ok(render(&StatsPage { ctx, s, query }))
}

// ---------------------------------------------------------------------------------------------
// The inbox

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: PageCtx,
    items: Vec<NotificationView>,
}

pub async fn inbox(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    signed_in(&ctx)?;
    let items = notify::inbox(&state.db, &ctx.actor, ctx.lang, 100).await?;
    Ok(render(&InboxPage { ctx, items }))
}

pub async fn mark_all_read(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    signed_in(&ctx)?;
    notify::mark_read(&state.db, &ctx.actor, &[]).await?;
    Ok(see_other("/thong-bao"))
}
