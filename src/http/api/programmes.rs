//! Support programmes under `/api/v1/programmes`: proposals, their moves from appraisal to
//! settlement, payments under the approved budget, and the year's plan against results.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::{ApiJson, ApiPath};
use crate::context::AppState;
use crate::domain::programme::{BeneficiaryInput, DisbursementInput, MoveInput, ProgrammeInput};
use crate::error::{ApiResult, ErrorBody};
use crate::http::session::CurrentActor;
use crate::i18n;
use crate::services::programmes::{self, PlanView, ProgrammeView};

/// Propose a programme (staff).
#[utoipa::path(post, path = "/programmes", tag = "programmes", operation_id = "create_programme",
    request_body = ProgrammeInput,
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.code_taken`"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<ProgrammeInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        axum::Json(programmes::create(&state, &actor, i18n::current(), &input).await?),
    ))
}

/// One programme with its payments and timeline (staff).
#[utoipa::path(get, path = "/programmes/{id}", tag = "programmes", operation_id = "show_programme", params(("id" = i32, Path)),
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::get(&state, &actor, i18n::current(), id).await?,
    ))
}

/// Move a programme one step, or cancel or defer it, with what the step records (staff).
#[utoipa::path(post, path = "/programmes/{id}/moves", tag = "programmes", operation_id = "move_programme", params(("id" = i32, Path)),
    request_body = MoveInput,
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.transition`"), (status = 422, body = ErrorBody)))]
pub async fn move_to(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<MoveInput>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::move_to(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

/// Record a payment under the approved budget (staff).
#[utoipa::path(post, path = "/programmes/{id}/disbursements", tag = "programmes", operation_id = "disburse_programme", params(("id" = i32, Path)),
    request_body = DisbursementInput,
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.not_approved`"),
              (status = 422, body = ErrorBody, description = "`programme.over_budget`, …")))]
pub async fn disburse(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<DisbursementInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        axum::Json(programmes::disburse(&state, &actor, i18n::current(), id, &input).await?),
    ))
}

/// A year's programmes and its plan against results (staff).
#[utoipa::path(get, path = "/programmes/plans/{year}", tag = "programmes", operation_id = "programme_plan", params(("year" = i32, Path)),
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(year): ApiPath<i32>,
) -> ApiResult<axum::Json<PlanView>> {
    Ok(axum::Json(programmes::plan(&state, &actor, year).await?))
}

/// Add an enterprise the programme supports, with what it gets and puts in (staff).
#[utoipa::path(post, path = "/programmes/{id}/beneficiaries", tag = "programmes", operation_id = "add_programme_beneficiary", params(("id" = i32, Path)),
    request_body = BeneficiaryInput,
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.beneficiary_taken`, `programme.closed`"), (status = 422, body = ErrorBody)))]
pub async fn add_beneficiary(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<BeneficiaryInput>,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        axum::Json(programmes::add_beneficiary(&state, &actor, i18n::current(), id, &input).await?),
    ))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct WithdrawBody {
    /// Why the enterprise pulls out.
    pub reason: String,
}

/// A beneficiary pulls out, with why; the programme goes on (staff).
#[utoipa::path(post, path = "/programmes/{id}/beneficiaries/{beneficiary_id}/withdraw", tag = "programmes", operation_id = "withdraw_programme_beneficiary",
    params(("id" = i32, Path), ("beneficiary_id" = i32, Path)), request_body = WithdrawBody,
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw_beneficiary(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, beneficiary_id)): ApiPath<(i32, i32)>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::withdraw_beneficiary(
            &state,
            &actor,
            i18n::current(),
            id,
            beneficiary_id,
            &body.reason,
        )
        .await?,
    ))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ChecklistBody {
    /// Whether the file holds it.
    pub done: bool,
    #[serde(default)]
    pub note: String,
}

/// Mark a piece of the proposal's file as there or not (staff).
#[utoipa::path(put, path = "/programmes/{id}/checklist/{item}", tag = "programmes", operation_id = "set_programme_checklist_item",
    params(("id" = i32, Path), ("item" = String, Path)), request_body = ChecklistBody,
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_checklist_item(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, item)): ApiPath<(i32, String)>,
    ApiJson(body): ApiJson<ChecklistBody>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::set_checklist_item(
            &state,
            &actor,
            i18n::current(),
            id,
            &item,
            body.done,
            &body.note,
        )
        .await?,
    ))
}
