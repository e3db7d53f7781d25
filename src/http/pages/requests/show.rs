//! A request as its requester or a producer sees it (`requests/show.html`, with
//! `requests/thread.html`), and what they do there: answer, write, withdraw.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::{event_line, opt_i32, opt_num, opt_text, page_error};
use crate::context::AppState;
use crate::domain::{Code, DeclineReason, ResponseInput};
use crate::error::AppError;
use crate::http::pages::forms::FormValues;
use crate::http::pages::{PageCtx, PageError, PageResult, render_as, see_other};
use crate::services::requests::{
    self, EventView, MessageInput, RequestView, RespondInput, TransitionInput,
};

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
    if ctx.is_staff() {
        return Ok(see_other(&format!("/staff/requests/{id}")));
    }
    if error.is_some() {
        // Shown in answer to a form's post: switching language comes back to the page.
        ctx.here = format!("/yeu-cau/{id}");
    }
    let r = requests::open(state, &ctx.actor, ctx.lang, id).await?;
    Ok(render_as(
        &ShowPage {
            producer: r.viewer == "producer",
            ctx,
            r,
            message,
            error: error.map(|e| e.0),
            form,
        },
        error.map_or(StatusCode::OK, |(_, s)| s),
    ))
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
    match f.action.as_deref() {
        Some("withdraw") => withdraw_request(state, ctx, id, Form(f)).await,
        Some("respond") => respond_to_request(state, ctx, id, Form(f)).await,
        Some("message") => send_party_message(state, ctx, id, Form(f)).await,
        _ => Err(PageError(AppError::BadRequest(Code::RequestMalformed))),
    }
}
