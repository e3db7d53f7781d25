//! Trade fairs under `/api/v1/fairs`: fairs, exhibitors and their booths, leads captured at
//! the booth, QR codes and results.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::context::AppState;
use crate::domain::FairInput;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::http::session::CurrentActor;
use crate::i18n;
use crate::services::fairs::{
    self, ExhibitorInput, FairKey, FairResults, FairSummary, FairView, LeadInput,
};
use crate::services::requests::RequestView;

/// Every fair, the latest first.
#[utoipa::path(get, path = "/fairs", tag = "fairs", operation_id = "list_fairs", responses((status = 200, body = Vec<FairSummary>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<axum::Json<Vec<FairSummary>>> {
    Ok(axum::Json(fairs::list(&state).await?))
}

/// Create a fair (staff).
#[utoipa::path(post, path = "/fairs", tag = "fairs", operation_id = "create_fair", request_body = FairInput,
    responses((status = 201, body = FairView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<FairInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        axum::Json(fairs::create(&state, &actor, &input).await?),
    ))
}

/// One fair with its exhibitors by booth and the products each shows.
#[utoipa::path(get, path = "/fairs/{id}", tag = "fairs", operation_id = "show_fair", params(("id" = i32, Path)),
    responses((status = 200, body = FairView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<FairView>> {
    Ok(axum::Json(fairs::get(&state, FairKey::Id(id)).await?))
}

/// Change a fair (staff); fields left out keep their value.
#[utoipa::path(patch, path = "/fairs/{id}", tag = "fairs", operation_id = "update_fair", params(("id" = i32, Path)), request_body = FairInput,
    responses((status = 200, body = FairView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<FairInput>,
) -> ApiResult<axum::Json<FairView>> {
    Ok(axum::Json(fairs::update(&state, &actor, id, &input).await?))
}

/// Put an enterprise at a booth with the products it shows (staff).
#[utoipa::path(post, path = "/fairs/{id}/exhibitors", tag = "fairs", params(("id" = i32, Path)), request_body = ExhibitorInput,
    responses((status = 201, body = FairView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`fair.booth_taken`, `fair.already_exhibiting`"), (status = 422, body = ErrorBody)))]
pub async fn add_exhibitor(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ExhibitorInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        axum::Json(fairs::add_exhibitor(&state, &actor, id, &input).await?),
    ))
}

/// Move an exhibitor to another booth, or change the products it shows (staff).
#[utoipa::path(patch, path = "/fairs/{id}/exhibitors/{exhibitor_id}", tag = "fairs",
    params(("id" = i32, Path), ("exhibitor_id" = i32, Path)), request_body = ExhibitorInput,
    responses((status = 200, body = FairView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_exhibitor(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, exhibitor_id)): ApiPath<(i32, i32)>,
    ApiJson(input): ApiJson<ExhibitorInput>,
) -> ApiResult<axum::Json<FairView>> {
    Ok(axum::Json(
        fairs::update_exhibitor(&state, &actor, id, exhibitor_id, &input).await?,
    ))
}

/// Take an exhibitor off the fair (staff).
#[utoipa::path(delete, path = "/fairs/{id}/exhibitors/{exhibitor_id}", tag = "fairs",
    params(("id" = i32, Path), ("exhibitor_id" = i32, Path)),
    responses((status = 200, body = FairView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_exhibitor(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, exhibitor_id)): ApiPath<(i32, i32)>,
) -> ApiResult<axum::Json<FairView>> {
    Ok(axum::Json(
        fairs::remove_exhibitor(&state, &actor, id, exhibitor_id).await?,
    ))
}

/// Record a buyer's interest at a booth (staff, or a member of the exhibiting enterprise):
/// it becomes a market-linkage request on the desk, tagged with the fair. Send each lead
/// with its own `Idempotency-Key`; the same key returns the same request (200).
#[utoipa::path(post, path = "/fairs/{id}/leads", tag = "fairs", params(("id" = i32, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "The lead's own key, made when it was captured")),
    request_body = LeadInput,
    responses((status = 201, body = RequestView), (status = 200, body = RequestView, description = "Seen before"),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn capture_lead(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LeadInput>,
) -> ApiResult<impl IntoResponse> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (view, created) =
        fairs::capture_lead(&state, &actor, i18n::current(), id, &input, key).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        axum::Json(view),
    ))
}

/// Scans, visits, leads, requests, deals and deal value, for the fair and per exhibitor
/// (staff).
#[utoipa::path(get, path = "/fairs/{id}/results", tag = "fairs", params(("id" = i32, Path)),
    responses((status = 200, body = FairResults), (status = 403, body = ErrorBody)))]
pub async fn results(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<FairResults>> {
    Ok(axum::Json(
        fairs::results(&state, &actor, fairs::FairKey::Id(id)).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// `product:{id}` or `booth:{booth}`.
    pub target: String,
    /// `svg` (default) or `png`.
    pub format: Option<String>,
}

/// The QR code of a product or a booth at this fair; it opens the page with the fair
/// attached, so scans and what follows are counted for the fair.
#[utoipa::path(get, path = "/fairs/{id}/qr", tag = "fairs", params(("id" = i32, Path), QrQuery),
    responses((status = 200, description = "image/svg+xml or image/png"), (status = 404, body = ErrorBody)))]
pub async fn qr(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(q): ApiQuery<QrQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let fair = fairs::get(&state, FairKey::Id(id)).await?;
    let base = crate::http::pages::fairs::base_url(&state, &headers);
    let url =
        crate::http::pages::fairs::qr_target(&fair, &base, &q.target).ok_or(AppError::NotFound)?;
    Ok(crate::http::pages::fairs::qr_response(
        &url,
        q.format.as_deref().unwrap_or("svg"),
    )?)
}
