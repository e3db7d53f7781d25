//! Survey spreadsheets in (`/api/v1/imports`: check, correct the columns, start, follow) and
//! the catalogue out (`/api/v1/exports/catalogue`), for staff.

use axum::extract::State;
use axum::extract::multipart::Multipart;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, ApiQuery};
use crate::context::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::http::session::CurrentActor;
use crate::http::upload;
use crate::services::exports::{self, CatalogueFilter};
use crate::services::imports::{self, JobView};

/// A multipart upload of one survey file.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// XLSX, XLS, ODS or CSV (UTF-8, or the Windows code page Excel writes), at most 40 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Check a survey file (staff): every row is planned against the catalogue as it is and
/// reported — created, updated, unchanged or refused with why — and nothing is written. The
/// answer is an import waiting to be started.
#[utoipa::path(post, path = "/imports", tag = "imports", operation_id = "check_import",
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = JobView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody, description = "`import.unreadable`, `import.no_headers`")))]
pub async fn check(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    multipart: Multipart,
) -> ApiResult<Response> {
    actor.require_staff()?;
    let mut form = upload::read(multipart).await?;
    let file = form.file()?;
    let job = imports::check(&state, &actor, &file.file_name, file.bytes).await?;
    Ok((StatusCode::CREATED, axum::Json(job)).into_response())
}

/// The latest imports (staff).
#[utoipa::path(get, path = "/imports", tag = "imports", operation_id = "list_imports",
    responses((status = 200, body = Vec<JobView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<axum::Json<Vec<JobView>>> {
    Ok(axum::Json(imports::recent(&state, &actor).await?))
}

/// One import: its report, and while it runs its progress (percent, rows per second, time
/// left).
#[utoipa::path(get, path = "/imports/{id}", tag = "imports", operation_id = "get_import", params(("id" = i32, Path)),
    responses((status = 200, body = JobView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<JobView>> {
    Ok(axum::Json(imports::job(&state, &actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ColumnChoice {
    /// The column's header in the file.
    pub header: String,
    /// The field it fills (a code such as `enterprise_name`), or null: not imported.
    pub column: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ColumnChoices {
    pub columns: Vec<ColumnChoice>,
}

/// Correct which field a column fills; remembered for later files with the same headers.
/// The file is checked again.
#[utoipa::path(put, path = "/imports/{id}/columns", tag = "imports", operation_id = "choose_import_columns",
    params(("id" = i32, Path)), request_body = ColumnChoices,
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "`import.not_checked`"), (status = 422, body = ErrorBody)))]
pub async fn choose_columns(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<ColumnChoices>,
) -> ApiResult<axum::Json<JobView>> {
    let choices: Vec<(String, Option<String>)> = body
        .columns
        .into_iter()
        .map(|c| (c.header, c.column))
        .collect();
    Ok(axum::Json(
        imports::choose_columns(&state, &actor, id, &choices).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct StartImport {
    /// Create the new products published (default: drafts).
    #[serde(default)]
    pub publish: bool,
}

/// Start a checked import. It runs in the background in batches; follow it with
/// `GET /imports/{id}`.
#[utoipa::path(post, path = "/imports/{id}/start", tag = "imports", operation_id = "start_import",
    params(("id" = i32, Path)), request_body = StartImport,
    responses((status = 202, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`import.not_checked`")))]
pub async fn start(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<StartImport>,
) -> ApiResult<Response> {
    let job = imports::start(&state, &actor, id, body.publish).await?;
    crate::jobs::spawn_import(state.clone(), id);
    Ok((StatusCode::ACCEPTED, axum::Json(job)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}

/// The catalogue as a spreadsheet (staff): one row per product with its enterprise, under
/// the headers the import reads. Cells that would run as formulas are neutralised.
#[utoipa::path(get, path = "/exports/catalogue", tag = "imports", operation_id = "export_catalogue",
    params(CatalogueFilter, ExportFormat),
    responses((status = 200, description = "XLSX (default) or CSV",
               content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export_catalogue(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(filter): ApiQuery<CatalogueFilter>,
    ApiQuery(format): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let table = exports::catalogue(&state, &actor, &filter).await?;
    Ok(spreadsheet(&table, format.format.as_deref(), "danh-muc")?)
}

/// A programme's beneficiaries as a spreadsheet (staff), under the headers the import
/// reads: filled in with more enterprises, the same file imports back.
#[utoipa::path(get, path = "/exports/programmes/{id}/beneficiaries", tag = "imports", operation_id = "export_programme_beneficiaries",
    params(("id" = i32, Path), ExportFormat),
    responses((status = 200, description = "XLSX (default) or CSV",
               content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_beneficiaries(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(format): ApiQuery<ExportFormat>,
) -> ApiResult<Response> {
    let table = exports::beneficiaries(&state, &actor, crate::i18n::current(), id).await?;
    let name = format!("thu-huong-{}", crate::domain::text::slugify(&table.name));
    Ok(spreadsheet(&table, format.format.as_deref(), &name)?)
}

/// A table as a download, XLSX or CSV.
pub fn spreadsheet(
    table: &crate::sheet::Table,
    format: Option<&str>,
    name: &str,
) -> Result<Response, crate::error::AppError> {
    let (bytes, content_type, ext) = if format == Some("csv") {
        (
            crate::sheet::write_csv(table),
            "text/csv; charset=utf-8",
            "csv",
        )
    } else {
        (
            crate::sheet::write_xlsx(std::slice::from_ref(table)).map_err(anyhow::Error::new)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
