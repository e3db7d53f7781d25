//! Support programmes under `/api/v1/programmes`: proposals and their file, moves from
//! appraisal to settlement, beneficiaries, follow-up, payments under the approved budget,
//! outcomes, the year's plan, candidates, facility surveys, a producer's own support and
//! the completed programmes anyone may read.

use axum::extract::State;
use axum::extract::multipart::Multipart;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, ApiQuery};
use crate::context::AppState;
use crate::domain::Code;
use crate::domain::programme::follow::{ContributionInput, MilestoneInput, VisitInput};
use crate::domain::programme::outcomes::IndicatorsInput;
use crate::domain::programme::plan::{BudgetInput, LimitInput};
use crate::domain::programme::survey::SurveyInput;
use crate::domain::programme::{BeneficiaryInput, DisbursementInput, MoveInput, ProgrammeInput};
use crate::error::{ApiResult, ErrorBody};
use crate::http::session::CurrentActor;
use crate::http::upload;
use crate::i18n;
use crate::services::programmes::{
    self, CandidateFilter, CandidateView, PlanView, ProgrammeView, PublicProgramme, ReplaceInput,
    SupportView, SurveyFilter, SurveyView,
};

fn created<T: serde::Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// Propose a programme (staff). Started from a survey (`survey_id`), the survey is linked
/// and the file's survey item ticked.
#[utoipa::path(post, path = "/programmes", tag = "programmes", operation_id = "create_programme",
    request_body = ProgrammeInput,
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.code_taken`"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<ProgrammeInput>,
) -> ApiResult<Response> {
    Ok(created(
        programmes::create(&state, &actor, i18n::current(), &input).await?,
    ))
}

/// One programme with its file, money, beneficiaries, follow-up, risks and outcomes (staff).
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

/// Change a programme's particulars (staff): code, kind, year, source and the budget asked
/// for only while it is a proposal; title, description, communes, product group and the
/// person responsible until it closes.
#[utoipa::path(put, path = "/programmes/{id}", tag = "programmes", operation_id = "update_programme", params(("id" = i32, Path)),
    request_body = ProgrammeInput,
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.locked`, `programme.closed`, `programme.code_taken`"), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ProgrammeInput>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::update(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

/// Move a programme one step, or cancel or defer it, with what the step records (staff).
#[utoipa::path(post, path = "/programmes/{id}/moves", tag = "programmes", operation_id = "move_programme", params(("id" = i32, Path)),
    request_body = MoveInput,
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.transition`, `programme.incomplete`"), (status = 422, body = ErrorBody)))]
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
) -> ApiResult<Response> {
    Ok(created(
        programmes::disburse(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

/// Add an enterprise the programme supports, with what it gets and puts in (staff); an
/// enterprise not in the catalogue yet is registered with it (`new_enterprise`).
#[utoipa::path(post, path = "/programmes/{id}/beneficiaries", tag = "programmes", operation_id = "add_programme_beneficiary", params(("id" = i32, Path)),
    request_body = BeneficiaryInput,
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.beneficiary_taken`, `programme.closed`, `tax_code.taken`"), (status = 422, body = ErrorBody)))]
pub async fn add_beneficiary(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<BeneficiaryInput>,
) -> ApiResult<Response> {
    Ok(created(
        programmes::add_beneficiary(&state, &actor, i18n::current(), id, &input).await?,
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

/// Put another enterprise in the place of one that withdrew (staff).
#[utoipa::path(post, path = "/programmes/{id}/beneficiaries/{beneficiary_id}/replace", tag = "programmes", operation_id = "replace_programme_beneficiary",
    params(("id" = i32, Path), ("beneficiary_id" = i32, Path)), request_body = ReplaceInput,
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.not_withdrawn`, `programme.beneficiary_taken`"), (status = 422, body = ErrorBody)))]
pub async fn replace_beneficiary(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, beneficiary_id)): ApiPath<(i32, i32)>,
    ApiJson(input): ApiJson<ReplaceInput>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::replace_beneficiary(
            &state,
            &actor,
            i18n::current(),
            id,
            beneficiary_id,
            &input,
        )
        .await?,
    ))
}

/// Enterprises that could take a withdrawn beneficiary's place: the programme's communes
/// first, then its province, with the same kind of need (staff).
#[utoipa::path(get, path = "/programmes/{id}/replacements", tag = "programmes", operation_id = "programme_replacements", params(("id" = i32, Path)),
    responses((status = 200, body = Vec<CandidateView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn replacements(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<Vec<CandidateView>>> {
    Ok(axum::Json(
        programmes::replacement_candidates(&state, &actor, i18n::current(), id).await?,
    ))
}

/// Record what was measured for a beneficiary: jobs, revenue and capacity before and after
/// (staff; once the programme is under way or accepted).
#[utoipa::path(put, path = "/programmes/{id}/beneficiaries/{beneficiary_id}/indicators", tag = "programmes", operation_id = "record_programme_indicators",
    params(("id" = i32, Path), ("beneficiary_id" = i32, Path)), request_body = IndicatorsInput,
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`programme.indicators_too_early`"), (status = 422, body = ErrorBody)))]
pub async fn record_indicators(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, beneficiary_id)): ApiPath<(i32, i32)>,
    ApiJson(input): ApiJson<IndicatorsInput>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::record_indicators(&state, &actor, i18n::current(), id, beneficiary_id, &input)
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

/// Set a milestone the programme is followed by, due by a date (staff).
#[utoipa::path(post, path = "/programmes/{id}/milestones", tag = "programmes", operation_id = "add_programme_milestone", params(("id" = i32, Path)),
    request_body = MilestoneInput,
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_milestone(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<MilestoneInput>,
) -> ApiResult<Response> {
    Ok(created(
        programmes::add_milestone(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct DoneBody {
    pub done: bool,
}

/// Mark a milestone done, or not done after all (staff).
#[utoipa::path(put, path = "/programmes/{id}/milestones/{milestone_id}", tag = "programmes", operation_id = "set_programme_milestone_done",
    params(("id" = i32, Path), ("milestone_id" = i32, Path)), request_body = DoneBody,
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn set_milestone_done(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, milestone_id)): ApiPath<(i32, i32)>,
    ApiJson(body): ApiJson<DoneBody>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::set_milestone_done(
            &state,
            &actor,
            i18n::current(),
            id,
            milestone_id,
            body.done,
        )
        .await?,
    ))
}

/// Record counterpart money a beneficiary paid in (staff).
#[utoipa::path(post, path = "/programmes/{id}/contributions", tag = "programmes", operation_id = "record_programme_contribution", params(("id" = i32, Path)),
    request_body = ContributionInput,
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_contribution(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ContributionInput>,
) -> ApiResult<Response> {
    Ok(created(
        programmes::record_contribution(&state, &actor, i18n::current(), id, &input).await?,
    ))
}

/// A visit, as a multipart form: its fields and up to six photos.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct VisitUpload {
    /// `dd/mm/yyyy` or `yyyy-mm-dd`.
    visited_on: String,
    notes: String,
    beneficiary_id: Option<i32>,
    /// The programme's version the visit was written against; a stale one is refused (409).
    version: Option<i32>,
    /// JPEG, PNG or WebP; the field may repeat.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    file: Option<Vec<u8>>,
}

/// Write down a visit to the programme's beneficiaries, with photos (staff).
#[utoipa::path(post, path = "/programmes/{id}/visits", tag = "programmes", operation_id = "add_programme_visit", params(("id" = i32, Path)),
    request_body(content = VisitUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody, description = "the object store is down")))]
pub async fn add_visit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    multipart: Multipart,
) -> ApiResult<Response> {
    programmes::may_follow(&actor)?;
    let form = upload::read(multipart).await?;
    let input = VisitInput {
        visited_on: form.field("visited_on").map(str::to_string),
        notes: form.field("notes").map(str::to_string),
        beneficiary_id: form.id_field("beneficiary_id", Code::ProgrammeBeneficiaryUnknown)?,
        version: form.id_field("version", Code::NumberInvalid)?,
    };
    let photos = form
        .files
        .into_iter()
        .map(|f| (f.file_name, f.bytes))
        .collect();
    Ok(created(
        programmes::add_visit(&state, &actor, i18n::current(), id, &input, photos).await?,
    ))
}

/// A document for a programme's file, as a multipart form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProgrammeDocumentUpload {
    /// PDF, JPEG or PNG, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `application`, `decision`, `quotation`, `contract`, `acceptance_minutes`,
    /// `settlement`, `other`.
    kind: String,
    title: String,
    /// The programme's version the document was added against; a stale one is refused (409).
    version: Option<i32>,
}

/// Add a document to a programme's file (staff).
#[utoipa::path(post, path = "/programmes/{id}/documents", tag = "programmes", operation_id = "add_programme_document", params(("id" = i32, Path)),
    request_body(content = ProgrammeDocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody, description = "the object store is down")))]
pub async fn add_document(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    multipart: Multipart,
) -> ApiResult<Response> {
    programmes::may_follow(&actor)?;
    let mut form = upload::read(multipart).await?;
    let file = form.file()?;
    Ok(created(
        programmes::add_document(
            &state,
            &actor,
            i18n::current(),
            id,
            programmes::DocumentUpload {
                kind: form.field("kind").unwrap_or_default(),
                title: form.field("title").unwrap_or_default(),
                file_name: &file.file_name,
                bytes: file.bytes,
                version: form.id_field("version", Code::NumberInvalid)?,
            },
        )
        .await?,
    ))
}

/// Remove a document from an open programme's file (staff).
#[utoipa::path(delete, path = "/programmes/{id}/documents/{document_id}", tag = "programmes", operation_id = "delete_programme_document",
    params(("id" = i32, Path), ("document_id" = i32, Path)),
    responses((status = 200, body = ProgrammeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn delete_document(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, document_id)): ApiPath<(i32, i32)>,
) -> ApiResult<axum::Json<ProgrammeView>> {
    Ok(axum::Json(
        programmes::delete_document(&state, &actor, i18n::current(), id, document_id).await?,
    ))
}

/// A document of a programme's file: the file, or a short-lived link to it (staff).
#[utoipa::path(get, path = "/programme-documents/{id}/file", tag = "programmes", operation_id = "download_programme_document", params(("id" = i32, Path)),
    responses((status = 200, description = "The file"), (status = 303, description = "A short-lived link"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_document(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Response> {
    Ok(upload::download_response(
        programmes::download_document(&state, &actor, id).await?,
    ))
}

/// A year's plan against results: funds by source, planned, approved, completed, cancelled
/// by reason, paid out, what is at risk and why, the limits for each kind (staff).
#[utoipa::path(get, path = "/programmes/plans/{year}", tag = "programmes", operation_id = "programme_plan", params(("year" = i32, Path)),
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(year): ApiPath<i32>,
) -> ApiResult<axum::Json<PlanView>> {
    Ok(axum::Json(
        programmes::plan(&state, &actor, i18n::current(), year).await?,
    ))
}

/// Set what each fund gives a year, in whole đồng (administrators).
#[utoipa::path(put, path = "/programmes/plans/{year}/budget", tag = "programmes", operation_id = "set_programme_budget", params(("year" = i32, Path)),
    request_body = BudgetInput,
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_budget(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(year): ApiPath<i32>,
    ApiJson(input): ApiJson<BudgetInput>,
) -> ApiResult<axum::Json<PlanView>> {
    Ok(axum::Json(
        programmes::set_budget(&state, &actor, i18n::current(), year, &input).await?,
    ))
}

/// Set one kind's limits for a year: the largest budget and the beneficiaries' share
/// (administrators).
#[utoipa::path(put, path = "/programmes/plans/{year}/limits/{kind}", tag = "programmes", operation_id = "set_programme_limit",
    params(("year" = i32, Path), ("kind" = String, Path)), request_body = LimitInput,
    responses((status = 200, body = PlanView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_limit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((year, kind)): ApiPath<(i32, String)>,
    ApiJson(input): ApiJson<LimitInput>,
) -> ApiResult<axum::Json<PlanView>> {
    Ok(axum::Json(
        programmes::set_limit(&state, &actor, i18n::current(), year, &kind, &input).await?,
    ))
}

/// Producers who need support and could get it, each with why (staff).
#[utoipa::path(get, path = "/programmes/candidates", tag = "programmes", operation_id = "programme_candidates", params(CandidateFilter),
    responses((status = 200, body = Vec<CandidateView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn candidates(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(filter): ApiQuery<CandidateFilter>,
) -> ApiResult<axum::Json<Vec<CandidateView>>> {
    Ok(axum::Json(
        programmes::candidates(&state, &actor, i18n::current(), &filter).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// Completed programmes with their beneficiaries and what came of it, for anyone.
#[utoipa::path(get, path = "/programmes/completed", tag = "programmes", operation_id = "completed_programmes", params(YearQuery),
    responses((status = 200, body = Vec<PublicProgramme>)))]
pub async fn completed(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<axum::Json<Vec<PublicProgramme>>> {
    Ok(axum::Json(
        programmes::completed_programmes(&state, i18n::current(), q.year).await?,
    ))
}

/// The support an enterprise gets from programmes, and the milestones it owes (its members
/// and staff).
#[utoipa::path(get, path = "/enterprises/{id}/support", tag = "programmes", operation_id = "enterprise_support", params(("id" = i32, Path)),
    responses((status = 200, body = Vec<SupportView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enterprise_support(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<Vec<SupportView>>> {
    Ok(axum::Json(
        programmes::support_for_enterprise(&state, &actor, id).await?,
    ))
}

/// Record a facility survey (staff). Send each with its own `Idempotency-Key` (a phone
/// keeps a survey until the server has it); the same key answers the same survey (200).
#[utoipa::path(post, path = "/surveys", tag = "programmes", operation_id = "record_survey",
    params(("Idempotency-Key" = Option<String>, Header, description = "The survey's own key, made when it was written down")),
    request_body = SurveyInput,
    responses((status = 201, body = SurveyView), (status = 200, body = SurveyView, description = "Seen before"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_survey(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SurveyInput>,
) -> ApiResult<Response> {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok());
    let (view, new) = programmes::record_survey(&state, &actor, &input, key).await?;
    Ok(if new {
        created(view)
    } else {
        axum::Json(view).into_response()
    })
}

/// Facility surveys, newest first (staff).
#[utoipa::path(get, path = "/surveys", tag = "programmes", operation_id = "list_surveys", params(SurveyFilter),
    responses((status = 200, body = Vec<SurveyView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_surveys(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(filter): ApiQuery<SurveyFilter>,
) -> ApiResult<axum::Json<Vec<SurveyView>>> {
    Ok(axum::Json(
        programmes::surveys(&state, &actor, &filter).await?,
    ))
}

/// One facility survey (staff).
#[utoipa::path(get, path = "/surveys/{id}", tag = "programmes", operation_id = "show_survey", params(("id" = i32, Path)),
    responses((status = 200, body = SurveyView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show_survey(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<SurveyView>> {
    Ok(axum::Json(programmes::survey(&state, &actor, id).await?))
}

/// A proposal drafted from a survey, to complete and send to `POST /programmes` (staff).
#[utoipa::path(get, path = "/surveys/{id}/proposal", tag = "programmes", operation_id = "survey_proposal", params(("id" = i32, Path)),
    responses((status = 200, body = ProgrammeInput), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn survey_proposal(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<ProgrammeInput>> {
    Ok(axum::Json(
        programmes::draft_from_survey(&state, &actor, i18n::current(), id).await?,
    ))
}

/// A survey photo, as a multipart form.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SurveyPhotoUpload {
    /// JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Add a photo to a survey (staff); the same photo again answers 200.
#[utoipa::path(post, path = "/surveys/{id}/photos", tag = "programmes", operation_id = "add_survey_photo", params(("id" = i32, Path)),
    request_body(content = SurveyPhotoUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = SurveyView), (status = 200, body = SurveyView, description = "Already there"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
              (status = 503, body = ErrorBody, description = "the object store is down")))]
pub async fn add_survey_photo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    multipart: Multipart,
) -> ApiResult<Response> {
    programmes::may_follow(&actor)?;
    let mut form = upload::read(multipart).await?;
    let file = form.file()?;
    let (view, new) =
        programmes::add_survey_photo(&state, &actor, id, (&file.file_name, file.bytes)).await?;
    Ok(if new {
        created(view)
    } else {
        axum::Json(view).into_response()
    })
}

/// A survey's photo (staff).
#[utoipa::path(get, path = "/survey-photos/{id}/file", tag = "programmes", operation_id = "download_survey_photo", params(("id" = i32, Path)),
    responses((status = 200, description = "The photo"), (status = 303, description = "A short-lived link"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn survey_photo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Response> {
    Ok(upload::download_response(
        programmes::survey_photo(&state, &actor, id).await?,
    ))
}
