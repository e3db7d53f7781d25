//! One request on the staff desk (`staff/request.html`) and each thing staff do with it,
//! one route per action.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::show::ShowQuery;
use super::{event_line, opt_i32, opt_num, opt_text, page_error};
use crate::context::AppState;
use crate::domain::{Code, NoDealReason, OutcomeInput, RejectReason, SupplyKind};
use crate::error::AppError;
use crate::http::pages::forms::FormValues;
use crate::http::pages::{PageCtx, PageError, PageResult, render_as, see_other};
use crate::services::requests::{
    self, EventView, ForwardInput, MessageInput, RequestView, ShortlistInput, Suggestion,
    TransitionInput,
};

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
    if error.is_some() {
        // Shown in answer to a form's post: switching language comes back to the page.
        ctx.here = format!("/staff/requests/{id}");
    }
    let desk = requests::desk_request(state, &ctx.actor, ctx.lang, id).await?;
    Ok(render_as(
        &DeskRequestPage {
            ctx,
            r: desk.request,
            suggestions: desk.suggestions,
            staff_members: desk.staff_members,
            message,
            error: error.map(|e| e.0),
            form,
        },
        error.map_or(StatusCode::OK, |(_, s)| s),
    ))
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
    let result = requests::transition_at_desk(
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
    let result = requests::assign(&state, &ctx.actor, ctx.lang, id, opt_i32(&f.user_id)).await;
    desk_done(&state, ctx, id, "assign", &f, result).await
}

pub async fn add_note(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
    let result = requests::add_note(&state, &ctx.actor, ctx.lang, id, f.body.as_deref()).await;
    desk_done(&state, ctx, id, "note", &f, result).await
}

pub async fn shortlist_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<DeskForm>,
) -> PageResult {
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
    let result = requests::message_at_desk(
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
        _ => Err(PageError(AppError::BadRequest(Code::RequestMalformed))),
    }
}
