//! The brokering desk under `/api/v1/requests`, and the inbox under `/api/v1/notifications`.
//! Permissions are the pages' own (decided in `services::requests`): a requester sees their
//! requests, a producer those forwarded to their enterprises, staff all.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ClientIp;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::context::AppState;
use crate::domain::{OutcomeInput, RequestInput};
use crate::error::{ApiResult, ErrorBody};
use crate::http::session::CurrentActor;
use crate::i18n;
use crate::services::notify::{self, NotificationView};
use crate::services::requests::{
    self, ForwardInput, MessageInput, RequestFilter, RequestPage, RequestSource, RequestView,
    RespondInput, ShortlistInput, Stats, StatsQuery, Submission, Suggestion, TransitionInput,
};

/// Send a market-linkage or technology-transfer request. Guests add `contact_name` and
/// `contact_phone` (rate-limited; staff verify the phone before anything is forwarded).
/// The same `Idempotency-Key` returns the same request (200) instead of a new one (201).
#[utoipa::path(post, path = "/requests", tag = "brokering", operation_id = "submit_request", request_body = RequestInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique string (up to 100 characters); a retry with the same key returns the first request. A guest's key counts together with the `ketnoi_csrf` cookie the server set, so a retry must send that cookie back")),
    responses((status = 201, body = RequestView), (status = 200, body = RequestView, description = "Seen before: the request made with this key"),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "`auth.rate_limited`: too many guest requests")))]
pub async fn submit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ClientIp(ip): ClientIp,
    csrf: Option<axum::Extension<crate::http::session::CsrfToken>>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<RequestInput>,
) -> ApiResult<impl IntoResponse> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let fair_id = crate::http::pages::fairs::attribute(&state, &headers, None)
        .await?
        .map(|(id, _)| id);
    let (view, created) = requests::submit(
        &state,
        &actor,
        i18n::current(),
        Submission {
            input: &input,
            source: RequestSource::Api,
            idempotency_key: key,
            client_ip: ip,
            fair_id,
            on_behalf: false,
            sender_secret: csrf.map(|c| c.0.0),
        },
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(view)))
}

/// Requests the caller may see, newest activity first.
#[utoipa::path(get, path = "/requests", tag = "brokering", operation_id = "list_requests", params(RequestFilter),
    responses((status = 200, body = RequestPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(filter): ApiQuery<RequestFilter>,
) -> ApiResult<axum::Json<RequestPage>> {
    Ok(axum::Json(
        requests::list(&state, &actor, i18n::current(), &filter).await?,
    ))
}

/// One request with its status, its progress in plain words, the matches the caller may
/// see, and the timeline (who, when, what).
#[utoipa::path(get, path = "/requests/{id}", tag = "brokering", operation_id = "show_request", params(("id" = i32, Path)),
    responses((status = 200, body = RequestView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::open(&state, &actor, i18n::current(), id).await?,
    ))
}

/// Move a request to another state. Illegal transitions are refused with
/// `request.transition` (409).
#[utoipa::path(post, path = "/requests/{id}/transition", tag = "brokering", params(("id" = i32, Path)), request_body = TransitionInput,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`request.transition`, `request.use_forward`, `request.use_close`"), (status = 422, body = ErrorBody)))]
pub async fn transition(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<TransitionInput>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::transition(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct AssignBody {
    /// A staff member's id; `null` leaves the request unassigned.
    pub user_id: Option<i32>,
}

/// Assign a request to a staff member (staff).
#[utoipa::path(post, path = "/requests/{id}/assign", tag = "brokering", params(("id" = i32, Path)), request_body = AssignBody,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<AssignBody>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::assign(&state, &actor, i18n::current(), id, body.user_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NoteBody {
    pub body: Option<String>,
}

/// An internal note, seen only by staff.
#[utoipa::path(post, path = "/requests/{id}/notes", tag = "brokering", params(("id" = i32, Path)), request_body = NoteBody,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::add_note(&state, &actor, i18n::current(), id, body.body.as_deref()).await?,
    ))
}

/// Enterprises that could answer the request, from the catalogue and search (staff).
#[utoipa::path(get, path = "/requests/{id}/suggestions", tag = "brokering", params(("id" = i32, Path)),
    responses((status = 200, body = Vec<Suggestion>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<Vec<Suggestion>>> {
    Ok(axum::Json(
        requests::suggestions(&state, &actor, i18n::current(), id).await?,
    ))
}

/// Shortlist an enterprise (staff); a request under review moves to matching.
#[utoipa::path(post, path = "/requests/{id}/shortlist", tag = "brokering", params(("id" = i32, Path)), request_body = ShortlistInput,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "`request.already_shortlisted`"), (status = 422, body = ErrorBody)))]
pub async fn shortlist(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ShortlistInput>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::shortlist(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

/// Take an enterprise off the shortlist before it is forwarded the request (staff).
#[utoipa::path(delete, path = "/requests/{id}/shortlist/{enterprise_id}", tag = "brokering",
    params(("id" = i32, Path), ("enterprise_id" = i32, Path)),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "`request.already_forwarded`")))]
pub async fn unshortlist(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, enterprise_id)): ApiPath<(i32, i32)>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::unshortlist(&state, &actor, i18n::current(), id, enterprise_id).await?,
    ))
}

/// Forward the request to shortlisted enterprises (staff); their members are notified.
#[utoipa::path(post, path = "/requests/{id}/forward", tag = "brokering", params(("id" = i32, Path)), request_body = ForwardInput,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`request.nothing_to_forward`, `request.phone_unverified`, `request.transition`")))]
pub async fn forward(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ForwardInput>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::forward(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

/// A producer's answer: `interested` with an offer, or `declined` with a reason.
#[utoipa::path(post, path = "/requests/{id}/response", tag = "brokering", params(("id" = i32, Path)), request_body = RespondInput,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn respond(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<RespondInput>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::respond(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

/// A message in a thread: the requester with one forwarded enterprise (`enterprise_id`), or
/// the requester with the centre. Staff read every thread.
#[utoipa::path(post, path = "/requests/{id}/messages", tag = "brokering", params(("id" = i32, Path)), request_body = MessageInput,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn message(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<MessageInput>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::message(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ConnectBody {
    pub enterprise_id: Option<i32>,
}

/// Put the requester and a forwarded enterprise in touch (staff): each sees the other's
/// phone and e-mail from now on.
#[utoipa::path(post, path = "/requests/{id}/connect", tag = "brokering", params(("id" = i32, Path)), request_body = ConnectBody,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn connect(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<ConnectBody>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::connect(&state, &actor, i18n::current(), id, body.enterprise_id).await?,
    ))
}

/// Close a request with its outcome (staff): a deal (value in VND, quantity, one-off or
/// contract) or no deal (a reason from the list, and a note).
#[utoipa::path(post, path = "/requests/{id}/close", tag = "brokering", params(("id" = i32, Path)), request_body = OutcomeInput,
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<OutcomeInput>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::close(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

/// Record that staff called a guest's number and reached them.
#[utoipa::path(post, path = "/requests/{id}/verify-phone", tag = "brokering", params(("id" = i32, Path)),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn verify_phone(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<RequestView>> {
    Ok(axum::Json(
        requests::verify_phone(&state, &actor, i18n::current(), id).await?,
    ))
}

/// Requests by kind and state, time to first response and to close, conversion to deals
/// and deal value; by month, category and province (staff).
#[utoipa::path(get, path = "/requests/stats", tag = "brokering", params(StatsQuery),
    responses((status = 200, body = Stats), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(query): ApiQuery<StatsQuery>,
) -> ApiResult<axum::Json<Stats>> {
    Ok(axum::Json(
        requests::stats(&state, &actor, i18n::current(), &query).await?,
    ))
}

/// The caller's newest notifications.
#[utoipa::path(get, path = "/notifications", tag = "brokering",
    responses((status = 200, body = Vec<NotificationView>), (status = 401, body = ErrorBody)))]
pub async fn notifications(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<axum::Json<Vec<NotificationView>>> {
    Ok(axum::Json(
        notify::inbox(&state.db, &actor, i18n::current(), 100).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReadBody {
    /// The notifications read; all of them when empty.
    #[serde(default)]
    pub ids: Vec<i32>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct ReadResult {
    pub marked: u64,
}

/// Mark notifications as read.
#[utoipa::path(post, path = "/notifications/read", tag = "brokering", request_body = ReadBody,
    responses((status = 200, body = ReadResult), (status = 401, body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(body): ApiJson<ReadBody>,
) -> ApiResult<axum::Json<ReadResult>> {
    Ok(axum::Json(ReadResult {
        marked: notify::mark_read(&state, &actor, &body.ids).await?,
    }))
}
