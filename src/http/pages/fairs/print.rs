//! QR codes and printed matter (`fairs/print.html`): HTML for the browser, PDF for the
//! print shop.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{base_url, booth_qr_url, product_qr_url, qr_response, qr_target};
use crate::context::AppState;
use crate::domain::photo::PhotoView;
use crate::error::AppError;
use crate::http::pages::{PageCtx, PageError, PageResult};
use crate::services::catalogue::ProductView;
use crate::services::fairs::{self, ExhibitorView, FairKey, FairView};

/// `/hoi-cho/{slug}/qr/san-pham-12.svg`, `/hoi-cho/{slug}/qr/gian-A12.png`
pub async fn qr_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let (name, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let target = if let Some(id) = name.strip_prefix("san-pham-") {
        format!("product:{id}")
    } else if let Some(b) = name.strip_prefix("gian-") {
        format!("booth:{b}")
    } else {
        return Err(AppError::NotFound.into());
    };
    let url = qr_target(&fair, &base_url(&state, &headers), &target).ok_or(AppError::NotFound)?;
    Ok(qr_response(&url, ext)?)
}

/// What is printed: the whole catalogue, a booth poster, or a product card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Printed {
    Catalogue,
    Poster,
    Card,
}

#[derive(Template)]
#[template(path = "fairs/print.html")]
struct PrintPage {
    ctx: PageCtx,
    fair: FairView,
    what: Printed,
    /// For a poster: the booth; for a card: the booth and the product.
    x: Option<ExhibitorView>,
    p: Option<ProductView>,
    /// Inline SVG of each code, by `product:{id}` / `booth:{booth}`.
    codes: HashMap<String, String>,
    /// Where each photo is read from: its URL, or a file beside the page when printing to PDF.
    photos: HashMap<i32, String>,
    fonts: String,
    /// Allows the page's own `<style>` and nothing else (see `headers::print_csp`).
    nonce: String,
}

impl PrintPage {
    fn code(&self, key: &str) -> &str {
        self.codes.get(key).map_or("", String::as_str)
    }
    fn product_code(&self, p: &ProductView) -> &str {
        self.code(&format!("product:{}", p.id))
    }
    fn booth_code(&self, x: &ExhibitorView) -> &str {
        self.code(&format!("booth:{}", x.booth))
    }
    fn photo(&self, p: &ProductView) -> Option<&str> {
        p.photos
            .first()
            .and_then(|ph| self.photos.get(&ph.id))
            .map(String::as_str)
    }
    fn is(&self, what: &str) -> bool {
        matches!(
            (what, self.what),
            ("catalogue", Printed::Catalogue)
                | ("poster", Printed::Poster)
                | ("card", Printed::Card)
        )
    }
    fn dates(&self) -> String {
        let f = |d: &chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
        if self.fair.starts_on == self.fair.ends_on {
            f(&self.fair.starts_on)
        } else {
            format!("{} – {}", f(&self.fair.starts_on), f(&self.fair.ends_on))
        }
    }
}

fn parse_printed<'a>(
    fair: &'a FairView,
    what: &str,
) -> Option<(Printed, Option<&'a ExhibitorView>, Option<&'a ProductView>)> {
    if what == "catalogue" {
        return Some((Printed::Catalogue, None, None));
    }
    if let Some(b) = what.strip_prefix("gian-") {
        return fair
            .exhibitor(&b.to_uppercase())
            .map(|x| (Printed::Poster, Some(x), None));
    }
    let id: i32 = what.strip_prefix("san-pham-")?.parse().ok()?;
    fair.product(id)
        .map(|(x, p)| (Printed::Card, Some(x), Some(p)))
}

/// The printed page; for PDF, also the files it reads (fonts and photos).
/// The page to print; with a print job (a PDF), its photos and fonts travel as files beside
/// it, else they are links for the browser.
async fn print_page(
    job: Option<&fairs::printing::PrintJob<'_>>,
    ctx: PageCtx,
    base: &str,
    fair: FairView,
    what: &str,
    nonce: &str,
) -> Result<(String, Vec<(String, Vec<u8>)>), AppError> {
    let (printed, x, p) = parse_printed(&fair, what).ok_or(AppError::NotFound)?;
    let (x, p) = (x.cloned(), p.cloned());
    let products: Vec<&ProductView> = match printed {
        Printed::Catalogue => fair.exhibitors.iter().flat_map(|x| &x.products).collect(),
        Printed::Poster => x.iter().flat_map(|x| &x.products).collect(),
        Printed::Card => p.iter().collect(),
    };
    let mut codes = HashMap::new();
    for prod in &products {
        codes.insert(
            format!("product:{}", prod.id),
            crate::qr::svg(&product_qr_url(base, &fair, prod))?,
        );
    }
    for ex in &fair.exhibitors {
        codes.insert(
            format!("booth:{}", ex.booth),
            crate::qr::svg(&booth_qr_url(base, &fair, &ex.booth))?,
        );
    }
    let covers: Vec<&PhotoView> = products.iter().filter_map(|p| p.photos.first()).collect();
    let (photos, mut files) = match job {
        Some(job) => job.photo_files(&covers).await,
        None => (
            covers
                .iter()
                .map(|ph| (ph.id, ph.jpeg(640).to_string()))
                .collect(),
            Vec::new(),
        ),
    };
    let for_pdf = job.is_some();
    let fonts = if for_pdf {
        files.extend(crate::http::pages::font_files());
        "fonts/".to_string()
    } else {
        "/static/fonts/".to_string()
    };
    let html = PrintPage {
        ctx,
        fair,
        what: printed,
        x,
        p,
        codes,
        photos,
        fonts,
        nonce: nonce.to_string(),
    }
    .render()
    .map_err(|e| AppError::Internal(anyhow::anyhow!("print template: {e}")))?;
    Ok((html, files))
}

/// The printed matter in the browser (print it with the browser's own dialog).
pub async fn print_html(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path((slug, what)): Path<(String, String)>,
) -> PageResult {
    let base = base_url(&state, &headers);
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let nonce = crate::http::headers::nonce()?;
    let (html, _) = print_page(None, ctx, &base, fair, &what, &nonce).await?;
    let mut response = axum::response::Html(html).into_response();
    if let Ok(csp) = HeaderValue::from_str(&crate::http::headers::print_csp(&nonce)) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    Ok(response)
}

/// The printed matter as a PDF for the print shop (staff and exhibitors).
pub async fn print_pdf(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path((slug, what)): Path<(String, String)>,
) -> PageResult {
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let job = fairs::printing::start(&state, &ctx.actor, &fair).await?;
    let base = base_url(&state, &headers);
    let nonce = crate::http::headers::nonce()?;
    let (html, files) = print_page(Some(&job), ctx, &base, fair, &what, &nonce).await?;
    let pdf = job.pdf(&html, &files).await?;
    Ok(crate::http::pages::pdf_response(
        &format!("{slug}-{what}.pdf"),
        pdf,
    ))
}
