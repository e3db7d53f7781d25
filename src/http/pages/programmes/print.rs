//! A programme's proposal printed for the centre's file (`programmes/print.html`): A4, the
//! centre's name and the date, the particulars, beneficiaries, checklist, what is missing,
//! budget and milestones. In the browser, or as a PDF through the context's printer.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;

use crate::context::AppState;
use crate::error::AppError;
use crate::http::pages::{PageCtx, PageResult};
use crate::services::programmes::{self, ProgrammeView};

#[derive(Template)]
#[template(path = "programmes/print.html")]
struct PrintPage {
    ctx: PageCtx,
    p: ProgrammeView,
    /// `dd/mm/yyyy`, the day it was printed.
    printed_on: String,
    /// Where the fonts are read from: the site, or files beside the page for a PDF.
    fonts: String,
    /// Allows the page's own `<style>` and nothing else (see `headers::print_csp`).
    nonce: String,
}

fn render(
    state: &AppState,
    ctx: PageCtx,
    p: ProgrammeView,
    fonts: &str,
    nonce: &str,
) -> Result<String, AppError> {
    PrintPage {
        ctx,
        p,
        printed_on: state.clock.today().format("%d/%m/%Y").to_string(),
        fonts: fonts.to_string(),
        nonce: nonce.to_string(),
    }
    .render()
    .map_err(|e| AppError::Internal(anyhow::anyhow!("print template: {e}")))
}

/// The proposal in the browser (printed with the browser's own dialog).
pub async fn print_html(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let p = programmes::get(&state, &ctx.actor, ctx.lang, id).await?;
    let nonce = crate::http::headers::nonce()?;
    let html = render(&state, ctx, p, "/static/fonts/", &nonce)?;
    let mut response = axum::response::Html(html).into_response();
    if let Ok(csp) = HeaderValue::from_str(&crate::http::headers::print_csp(&nonce)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    Ok(response)
}

/// The proposal as a PDF for the file (staff).
pub async fn print_pdf(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let job = programmes::start_proposal_print(&state, &ctx.actor)?;
    let p = programmes::get(&state, &ctx.actor, ctx.lang, id).await?;
    let name = format!("de-an-{}.pdf", crate::domain::text::slugify(&p.code));
    let nonce = crate::http::headers::nonce()?;
    let html = render(&state, ctx, p, "fonts/", &nonce)?;
    let pdf = job.pdf(&html, &crate::http::pages::font_files()).await?;
    Ok(crate::http::pages::pdf_response(&name, pdf))
}
