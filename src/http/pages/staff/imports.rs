//! Importing survey spreadsheets (`staff/imports.html`, `staff/import.html`): upload a file,
//! read its row-by-row report, correct which field each column fills, start the import and
//! follow its progress (kept by the server, so a reload shows where it is); export the
//! catalogue.

use askama::Template;
use axum::extract::multipart::Multipart;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::context::AppState;
use crate::domain::import::Column;
use crate::http::pages::{PageCtx, PageResult, render_as, see_other};
use crate::http::upload;
use crate::services::imports::{self, Issue, JobStatus, JobView};

#[derive(Template)]
#[template(path = "staff/imports.html")]
struct ImportsPage {
    ctx: PageCtx,
    jobs: Vec<JobView>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/import.html")]
struct ImportPage {
    ctx: PageCtx,
    job: JobView,
}

impl ImportPage {
    fn running(&self) -> bool {
        matches!(self.job.status, JobStatus::Queued | JobStatus::Running)
    }

    fn checked(&self) -> bool {
        self.job.status == JobStatus::Checked
    }

    fn columns(&self) -> &'static [Column] {
        Column::ALL
    }

    fn status(&self) -> &'static str {
        self.job.status.as_str()
    }

    fn describe(&self, issue: &Issue) -> String {
        imports::describe_issue(issue, self.ctx.lang)
    }
}

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let jobs = imports::recent(&state, &ctx.actor).await?;
    Ok(render_as(
        &ImportsPage {
            ctx,
            jobs,
            error: None,
        },
        StatusCode::OK,
    ))
}

/// The upload: checked at once; the report is the next page.
pub async fn upload(
    State(state): State<AppState>,
    ctx: PageCtx,
    multipart: Multipart,
) -> PageResult {
    ctx.actor.require_staff()?;
    let mut form = upload::read(multipart).await?;
    let result = match form.file() {
        Ok(file) => imports::check(&state, &ctx.actor, &file.file_name, file.bytes).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(job) => Ok(see_other(&format!("/staff/imports/{}", job.id))),
        Err(crate::error::AppError::Invalid(e)) => {
            let code = e.0.first().map_or("import.unreadable", |f| f.code.as_str());
            let error = Some(ctx.t(&format!("error.{code}")).to_string());
            let jobs = imports::recent(&state, &ctx.actor).await?;
            Ok(render_as(
                &ImportsPage { ctx, jobs, error },
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(State(state): State<AppState>, ctx: PageCtx, Path(id): Path<i32>) -> PageResult {
    let job = imports::job(&state, &ctx.actor, id).await?;
    Ok(render_as(&ImportPage { ctx, job }, StatusCode::OK))
}

/// The column form: `header` and `column` pairs, in the file's order.
pub async fn columns(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let headers = pairs
        .iter()
        .filter(|(k, _)| k == "header")
        .map(|(_, v)| v.clone());
    let columns = pairs
        .iter()
        .filter(|(k, _)| k == "column")
        .map(|(_, v)| v.clone());
    let choices: Vec<(String, Option<String>)> = headers
        .zip(columns)
        .map(|(h, c)| (h, Some(c).filter(|c| !c.is_empty())))
        .collect();
    imports::choose_columns(&state, &ctx.actor, id, &choices).await?;
    Ok(see_other(&format!("/staff/imports/{id}")))
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    publish: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    axum::Form(form): axum::Form<StartForm>,
) -> PageResult {
    imports::start(&state, &ctx.actor, id, form.publish.is_some()).await?;
    crate::jobs::spawn_import(state.clone(), id);
    Ok(see_other(&format!("/staff/imports/{id}")))
}

/// The report as a spreadsheet: the file's rows, the bad ones shaded, with what is wrong.
pub async fn report(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let tables = imports::report_tables(&state, &ctx.actor, id, ctx.lang).await?;
    let bytes = crate::sheet::write_xlsx(&tables)
        .map_err(anyhow::Error::new)
        .map_err(crate::error::AppError::from)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"bao-cao-nhap-{id}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
