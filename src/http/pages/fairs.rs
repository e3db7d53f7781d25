//! Trade fair pages: the public fair page and booth pages (what QR codes open), printed
//! matter (HTML for the browser, PDF for the print shop), QR codes, lead capture at the
//! booth (it keeps working offline), results, and the staff pages that set a fair up.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::forms::FormValues;
use super::{Errors, PageCtx, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::domain::{FairInput, FairStatus, Num, text};
use crate::error::AppError;
use crate::http::api::auth::ClientIp;
use crate::services::catalogue::{self, EnterpriseScope, EnterpriseView, ProductView};
use crate::services::fairs::{
    self, ExhibitorInput, ExhibitorView, FairKey, FairResults, FairSummary, FairView, LeadInput,
};
use crate::services::reference::Province;

/// The cookie that carries a fair from a QR scan to the pages and requests that follow.
pub const FAIR_COOKIE: &str = "ketnoi_fair";

/// The address people reach the site at: the configured public URL, else this request's host.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    state.config.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    })
}

/// What a QR code opens: a product page or a booth page, with the fair attached.
pub fn product_qr_url(base: &str, fair: &FairView, p: &ProductView) -> String {
    format!("{base}/san-pham/{}?hoi-cho={}&qr=1", p.slug, fair.slug)
}

pub fn booth_qr_url(base: &str, fair: &FairView, booth: &str) -> String {
    format!("{base}/hoi-cho/{}/gian/{booth}?qr=1", fair.slug)
}

/// `product:12` or `booth:A12` → the URL its code holds.
pub fn qr_target(fair: &FairView, base: &str, target: &str) -> Option<String> {
    match target.split_once(':')? {
        ("product", id) => {
            let id: i32 = id.parse().ok()?;
            fair.product(id).map(|(_, p)| product_qr_url(base, fair, p))
        }
        ("booth", booth) => fair
            .exhibitor(&booth.to_uppercase())
            .map(|x| booth_qr_url(base, fair, &x.booth)),
        _ => None,
    }
}

/// A QR code as `svg` or `png`, cached for an hour (a fair's pages do not move).
pub fn qr_response(url: &str, format: &str) -> Result<Response, AppError> {
    let (kind, body) = match format {
        "png" => ("image/png", crate::qr::png(url, 12)?),
        "svg" => ("image/svg+xml", crate::qr::svg(url)?.into_bytes()),
        _ => return Err(AppError::NotFound),
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response())
}

fn fair_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build((FAIR_COOKIE, token.to_string()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(fairs::VISITOR_TTL.num_seconds()))
        .build()
}

fn fair_token(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(FAIR_COOKIE)
        .map(|c| c.value().to_string())
}

/// The fair a request belongs to: the one named (a slug), else the one of the visitor token
/// the server gave this browser at a scan or fair link.
pub async fn attribute(
    state: &AppState,
    headers: &HeaderMap,
    named: Option<&str>,
) -> Result<Option<(i32, String)>, AppError> {
    if let Some(slug) = named.filter(|s| !s.is_empty() && s.len() <= 200) {
        return Ok(fairs::id_of(&state.db, slug)
            .await?
            .map(|id| (id, slug.to_string())));
    }
    match fair_token(headers) {
        Some(token) => fairs::fair_of_visitor(&state.db, &token).await,
        None => Ok(None),
    }
}

/// What a page tells [`count_visit`] about itself.
pub struct Seen<'a> {
    /// The fair the link names, if any.
    pub fair_slug: Option<&'a str>,
    pub scan: bool,
    pub exhibitor_id: Option<i32>,
    pub product_id: Option<i32>,
    /// `product:12`, `booth:3`, `enterprise:5`.
    pub page: String,
}

/// Counts a visit (or a scan) for the fair it belongs to, and keeps a newly issued visitor
/// token in the browser's cookie.
pub async fn count_visit(
    state: &AppState,
    headers: &HeaderMap,
    client_ip: &str,
    seen: Seen<'_>,
    response: &mut Response,
) -> Result<(), AppError> {
    let token = fair_token(headers);
    let issued = fairs::count_visit(
        &state.db,
        &fairs::Visit {
            token: token.as_deref(),
            fair_slug: seen.fair_slug,
            scan: seen.scan,
            exhibitor_id: seen.exhibitor_id,
            product_id: seen.product_id,
            page: seen.page,
            client_ip,
        },
    )
    .await?;
    if let Some(token) = issued
        && let Ok(v) =
            HeaderValue::from_str(&fair_cookie(&token, state.config.secure_cookies).to_string())
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Public pages

#[derive(Template)]
#[template(path = "fairs/list.html")]
struct ListPage {
    ctx: PageCtx,
    fairs: Vec<FairSummary>,
}

pub async fn list(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let fairs = fairs::list(&state).await?;
    Ok(render(&ListPage { ctx, fairs }))
}

#[derive(Template)]
#[template(path = "fairs/show.html")]
struct FairPage {
    ctx: PageCtx,
    fair: FairView,
    /// Exhibitors with only the products that match the filters.
    shown: Vec<ExhibitorView>,
    q: String,
    category: String,
    categories: Vec<(String, String)>,
    can_capture: bool,
}

#[derive(Deserialize, Default)]
pub struct FairQuery {
    pub q: Option<String>,
    #[serde(rename = "danh-muc")]
    pub category: Option<String>,
}

fn matches(
    p: &ProductView,
    x: &ExhibitorView,
    q: &str,
    category: &[i32],
    state: &AppState,
) -> bool {
    let in_category = category.is_empty()
        || state
            .reference
            .category_by_slug(&p.category)
            .is_some_and(|c| category.contains(&c.id));
    let words = text::fold(q);
    let haystack = text::fold(&format!(
        "{} {} {} {}",
        p.name,
        p.brand.clone().unwrap_or_default(),
        x.enterprise.name,
        x.booth
    ));
    in_category && words.split_whitespace().all(|w| haystack.contains(w))
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<FairQuery>,
) -> PageResult {
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let query = q.q.unwrap_or_default();
    let category = q.category.unwrap_or_default();
    let ids = if category.is_empty() {
        Vec::new()
    } else {
        state.reference.category_and_descendants(&category)
    };
    let filtering = !query.trim().is_empty() || !category.is_empty();
    let shown = fair
        .exhibitors
        .iter()
        .filter_map(|x| {
            let products: Vec<ProductView> = x
                .products
                .iter()
                .filter(|p| matches(p, x, &query, &ids, &state))
                .cloned()
                .collect();
            (!filtering || !products.is_empty()).then(|| ExhibitorView {
                products,
                ..x.clone()
            })
        })
        .collect();
    let mut categories: Vec<(String, String)> = Vec::new();
    for x in &fair.exhibitors {
        for p in &x.products {
            if let Some(c) = state.reference.category_by_slug(&p.category) {
                let top = state.reference.parent_of(c.id).unwrap_or(c);
                if !categories.iter().any(|(s, _)| *s == top.slug) {
                    categories.push((top.slug.clone(), top.name(ctx.lang).to_string()));
                }
            }
        }
    }
    let can_capture = !fairs::capturable(&state.db, &ctx.actor, &fair)
        .await?
        .is_empty();
    Ok(render(&FairPage {
        ctx,
        fair,
        shown,
        q: query,
        category,
        categories,
        can_capture,
    }))
}

#[derive(Template)]
#[template(path = "fairs/booth.html")]
struct BoothPage {
    ctx: PageCtx,
    fair: FairView,
    x: ExhibitorView,
}

#[derive(Deserialize, Default)]
pub struct ScanQuery {
    pub qr: Option<String>,
}

pub async fn booth(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path((slug, booth)): Path<(String, String)>,
    Query(q): Query<ScanQuery>,
) -> PageResult {
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let x = fair
        .exhibitor(&booth.to_uppercase())
        .cloned()
        .ok_or(AppError::NotFound)?;
    let id = x.id;
    let mut response = render(&BoothPage { ctx, fair, x });
    let seen = Seen {
        fair_slug: Some(&slug),
        scan: q.qr.is_some(),
        exhibitor_id: Some(id),
        product_id: None,
        page: format!("booth:{id}"),
    };
    count_visit(&state, &headers, &ip, seen, &mut response).await?;
    Ok(response)
}

// ---------------------------------------------------------------------------------------------
// QR codes and printed matter

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
async fn print_page(
    state: &AppState,
    ctx: PageCtx,
    base: &str,
    fair: FairView,
    what: &str,
    for_pdf: bool,
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
    for ex in fair.exhibitors.iter() {
        codes.insert(
            format!("booth:{}", ex.booth),
            crate::qr::svg(&booth_qr_url(base, &fair, &ex.booth))?,
        );
    }
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut photos = HashMap::new();
    for prod in &products {
        let Some(ph) = prod.photos.first() else {
            continue;
        };
        let url = ph.jpeg(640);
        if for_pdf {
            let key = url.trim_start_matches("/media/");
            match state.store.get(key).await {
                Ok(Some(bytes)) => {
                    let name = format!("img/{}.jpg", ph.id);
                    files.push((name.clone(), bytes.to_vec()));
                    photos.insert(ph.id, name);
                }
                Ok(None) => tracing::warn!(key, "photo missing; left out of the print"),
                Err(e) => tracing::warn!(error = %e, key, "photo left out of the print"),
            }
        } else {
            photos.insert(ph.id, url.to_string());
        }
    }
    let fonts = if for_pdf {
        for font in ["fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf"] {
            if let Some(bytes) = crate::http::statics::asset_bytes(font) {
                files.push((font.to_string(), bytes.to_vec()));
            }
        }
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
    let (html, _) = print_page(&state, ctx, &base, fair, &what, false, &nonce).await?;
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
    if !ctx.signed_in() {
        return Err(PageError(AppError::Unauthenticated));
    }
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    if fairs::capturable(&state.db, &ctx.actor, &fair)
        .await?
        .is_empty()
    {
        return Err(PageError(AppError::Forbidden));
    }
    let Some(browser) = state.config.chromium.clone() else {
        return Err(PageError(AppError::PrintUnavailable));
    };
    let base = base_url(&state, &headers);
    let nonce = crate::http::headers::nonce()?;
    let (html, files) = print_page(&state, ctx, &base, fair, &what, true, &nonce).await?;
    let pdf = crate::print::pdf(&browser, &html, &files)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "printing failed");
            AppError::PrintUnavailable
        })?;
    let name = format!("{slug}-{what}.pdf");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Lead capture at the booth

#[derive(Template)]
#[template(path = "fairs/capture.html")]
struct CapturePage {
    ctx: PageCtx,
    fair: FairView,
    booths: Vec<ExhibitorView>,
    form: FormValues,
    errors: Errors,
    message: Option<&'static str>,
    token: String,
}

async fn capture_page(
    state: &AppState,
    ctx: PageCtx,
    slug: &str,
    form: FormValues,
    errors: Errors,
    message: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    if !ctx.signed_in() {
        return Err(PageError(AppError::Unauthenticated));
    }
    let fair = fairs::get(state, FairKey::Slug(slug)).await?;
    let booths: Vec<ExhibitorView> = fairs::capturable(&state.db, &ctx.actor, &fair)
        .await?
        .into_iter()
        .cloned()
        .collect();
    if booths.is_empty() {
        return Err(PageError(AppError::Forbidden));
    }
    let token = crate::services::auth::new_secret()?;
    let mut response = render(&CapturePage {
        ctx,
        fair,
        booths,
        form,
        errors,
        message,
        token,
    });
    *response.status_mut() = status;
    // The page must work offline at the booth: the service worker keeps a copy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    pub done: Option<String>,
}

pub async fn capture(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let message = q.done.as_ref().map(|_| ctx.t("fair.lead_saved"));
    capture_page(
        &state,
        ctx,
        &slug,
        FormValues::default(),
        Errors::default(),
        message,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct LeadForm {
    pub booth: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub organisation: Option<String>,
    #[serde(default)]
    pub product_ids: Vec<String>,
    pub quantity: Option<String>,
    pub unit: Option<String>,
    pub note: Option<String>,
    pub token: Option<String>,
}

/// The plain form: a lead sent while the network is up, without scripts.
pub async fn capture_post(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Form(f): Form<LeadForm>,
) -> PageResult {
    if !ctx.signed_in() {
        return Err(PageError(AppError::Unauthenticated));
    }
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let input = LeadInput {
        booth: f.booth.clone(),
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
        organisation: f.organisation.clone(),
        product_ids: f
            .product_ids
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
        quantity: f
            .quantity
            .clone()
            .filter(|q| !q.trim().is_empty())
            .map(Num::Text),
        unit: f.unit.clone(),
        note: f.note.clone(),
    };
    match fairs::capture_lead(
        &state,
        &ctx.actor,
        ctx.lang,
        fair.id,
        &input,
        f.token.clone(),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/hoi-cho/{slug}/khach-hang?done=1"))),
        Err(e) => {
            let Some(errors) = Errors::from_app(ctx.lang, &e) else {
                return Err(PageError(e));
            };
            let form = FormValues::from_pairs(&[
                ("booth", &f.booth),
                ("contact_name", &f.contact_name),
                ("contact_phone", &f.contact_phone),
                ("organisation", &f.organisation),
                ("quantity", &f.quantity),
                ("unit", &f.unit),
                ("note", &f.note),
            ]);
            let message = Some(ctx.t("form.fix_errors"));
            capture_page(
                &state,
                ctx,
                &slug,
                form,
                errors,
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// The service worker that keeps the capture page and its assets for offline use.
pub async fn service_worker() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                HeaderValue::from_static("/hoi-cho/"),
            ),
        ],
        include_str!("../../../frontend/static/fair-sw.js"),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Results

#[derive(Template)]
#[template(path = "fairs/results.html")]
struct ResultsPage {
    ctx: PageCtx,
    r: FairResults,
}

impl ResultsPage {
    fn bar(&self, value: u64) -> u64 {
        let max = self
            .r
            .exhibitors
            .iter()
            .map(|x| x.scans + x.visits)
            .max()
            .unwrap_or(0)
            .max(1);
        value * 100 / max
    }
}

pub async fn results(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> PageResult {
    let id = fairs::id_of(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = fairs::results(&state, &ctx.actor, id).await?;
    Ok(render(&ResultsPage { ctx, r }))
}

pub async fn results_csv(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> PageResult {
    let id = fairs::id_of(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = fairs::results(&state, &ctx.actor, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-ket-qua.csv\""),
            ),
        ],
        fairs::results_csv(&r, ctx.lang),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Staff: setting a fair up

#[derive(Template)]
#[template(path = "fairs/manage.html")]
struct ManagePage {
    ctx: PageCtx,
    fair: Option<FairView>,
    form: FormValues,
    errors: Errors,
    error: Option<&'static str>,
    provinces: Vec<Province>,
    enterprises: Vec<EnterpriseView>,
    /// Published products of each exhibitor's enterprise: (id, name, shown).
    offered: HashMap<i32, Vec<(i32, String, bool)>>,
}

impl ManagePage {
    fn statuses(&self) -> &'static [FairStatus] {
        FairStatus::ALL
    }
    fn offered_for(&self, x: &ExhibitorView) -> &[(i32, String, bool)] {
        self.offered.get(&x.id).map_or(&[], Vec::as_slice)
    }
}

fn staff_only(ctx: &PageCtx) -> Result<(), PageError> {
    match ctx.actor.user() {
        None => Err(PageError(AppError::Unauthenticated)),
        Some(u) if u.role.is_staff() => Ok(()),
        Some(_) => Err(PageError(AppError::Forbidden)),
    }
}

async fn manage_page(
    state: &AppState,
    ctx: PageCtx,
    fair: Option<FairView>,
    form: FormValues,
    errors: Errors,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    staff_only(&ctx)?;
    let enterprises = catalogue::list_enterprises(
        &state.db,
        &state.reference,
        &ctx.actor,
        EnterpriseScope::Public,
    )
    .await?;
    let mut offered = HashMap::new();
    if let Some(f) = &fair {
        for x in &f.exhibitors {
            let shown: Vec<i32> = x.products.iter().map(|p| p.id).collect();
            let all = catalogue::list_products(
                &state.db,
                &state.reference,
                &crate::services::Actor::Visitor,
                &catalogue::ProductFilter {
                    enterprise_id: Some(x.enterprise.id),
                    per_page: Some(100),
                    ..Default::default()
                },
            )
            .await?
            .items;
            offered.insert(
                x.id,
                all.into_iter()
                    .map(|p| (p.id, p.name, shown.contains(&p.id)))
                    .collect(),
            );
        }
    }
    let mut response = render(&ManagePage {
        ctx,
        fair,
        form,
        errors,
        error,
        provinces: state.reference.provinces.clone(),
        enterprises,
        offered,
    });
    *response.status_mut() = status;
    Ok(response)
}

fn fair_values(f: &FairView) -> FormValues {
    let mut form = FormValues::default();
    form.set("name", f.name.clone());
    form.set("starts_on", f.starts_on.to_string());
    form.set("ends_on", f.ends_on.to_string());
    form.set("venue", f.venue.clone());
    form.set("province_code", f.province_code.to_string());
    form.set("organiser", f.organiser.clone());
    form.set("status", f.status.as_str());
    form.set("description", f.description.clone());
    form
}

pub async fn staff_list(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    staff_only(&ctx)?;
    list(State(state), ctx).await
}

pub async fn new_fair(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    manage_page(
        &state,
        ctx,
        None,
        FormValues::default(),
        Errors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct ManageForm {
    /// Which action a form of the page's earlier version meant: all its forms posted to the
    /// fair's page itself ([`manage_post`]).
    pub action: Option<String>,
    pub name: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub venue: Option<String>,
    pub province_code: Option<String>,
    pub organiser: Option<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    pub enterprise_id: Option<String>,
    pub exhibitor_id: Option<String>,
    pub booth: Option<String>,
    #[serde(default)]
    pub product_ids: Vec<String>,
}

impl ManageForm {
    fn fair_input(&self) -> FairInput {
        FairInput {
            name: self.name.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            venue: self.venue.clone(),
            province_code: self.province_code.as_deref().and_then(|s| s.parse().ok()),
            organiser: self.organiser.clone(),
            status: self.status.clone(),
            description: self.description.clone(),
        }
    }
}

pub async fn create_fair(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(f): Form<ManageForm>,
) -> PageResult {
    staff_only(&ctx)?;
    let input = f.fair_input();
    match fairs::create(&state, &ctx.actor, &input).await {
        Ok(fair) => Ok(see_other(&format!("/staff/fairs/{}", fair.id))),
        Err(e) => {
            let errors = Errors::from_app(ctx.lang, &e).ok_or(PageError(e))?;
            let form = FormValues::from_input(&input);
            let error = Some(ctx.t("form.fix_errors"));
            manage_page(
                &state,
                ctx,
                None,
                form,
                errors,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

pub async fn manage(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    staff_only(&ctx)?;
    let fair = fairs::get(&state, FairKey::Id(id)).await?;
    let form = fair_values(&fair);
    manage_page(
        &state,
        ctx,
        Some(fair),
        form,
        Errors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// After a change on the fair's page: back to it, or the page again with what was wrong.
async fn managed<T>(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    f: &ManageForm,
    result: Result<T, AppError>,
    fair_edited: bool,
) -> PageResult {
    let e = match result {
        Ok(_) => return Ok(see_other(&format!("/staff/fairs/{id}"))),
        Err(e) => e,
    };
    let Some(errors) = Errors::from_app(ctx.lang, &e) else {
        return Err(PageError(e));
    };
    let fair = fairs::get(state, FairKey::Id(id)).await?;
    let mut form = fair_values(&fair);
    if fair_edited {
        form = FormValues::from_input(&f.fair_input());
    }
    form.set("booth", f.booth.clone().unwrap_or_default());
    let error = errors.0.values().next().copied();
    // Shown in answer to a form's post: switching language comes back to the page.
    ctx.here = format!("/staff/fairs/{id}");
    manage_page(
        state,
        ctx,
        Some(fair),
        form,
        errors,
        error,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

fn int(s: &Option<String>) -> Option<i32> {
    s.as_deref().and_then(|v| v.trim().parse::<i32>().ok())
}

pub async fn update_fair(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    staff_only(&ctx)?;
    let result = fairs::update(&state, &ctx.actor, id, &f.fair_input()).await;
    managed(&state, ctx, id, &f, result, true).await
}

pub async fn add_exhibitor(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    staff_only(&ctx)?;
    let result = fairs::add_exhibitor(
        &state,
        &ctx.actor,
        id,
        &ExhibitorInput {
            enterprise_id: int(&f.enterprise_id),
            booth: f.booth.clone(),
            product_ids: None,
        },
    )
    .await;
    managed(&state, ctx, id, &f, result, false).await
}

/// An exhibitor's booth and the products it shows.
pub async fn update_exhibitor(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, exhibitor_id)): Path<(i32, i32)>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    staff_only(&ctx)?;
    let product_ids = f
        .product_ids
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let result = fairs::update_exhibitor(
        &state,
        &ctx.actor,
        id,
        exhibitor_id,
        &ExhibitorInput {
            enterprise_id: None,
            booth: f.booth.clone().filter(|b| !b.trim().is_empty()),
            product_ids: Some(product_ids),
        },
    )
    .await;
    managed(&state, ctx, id, &f, result, false).await
}

pub async fn remove_exhibitor(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, exhibitor_id)): Path<(i32, i32)>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    staff_only(&ctx)?;
    let result = fairs::remove_exhibitor(&state, &ctx.actor, id, exhibitor_id).await;
    managed(&state, ctx, id, &f, result, false).await
}

/// The fair page's earlier single form target, kept for pages still open in a browser:
/// hands each `action` to its own handler.
pub async fn manage_post(
    state: State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ManageForm>,
) -> PageResult {
    staff_only(&ctx)?;
    let exhibitor = Path((id, int(&f.exhibitor_id).unwrap_or_default()));
    match f.action.as_deref() {
        Some("update") => update_fair(state, ctx, Path(id), Form(f)).await,
        Some("add_exhibitor") => add_exhibitor(state, ctx, Path(id), Form(f)).await,
        Some("update_exhibitor") => update_exhibitor(state, ctx, exhibitor, Form(f)).await,
        Some("remove_exhibitor") => remove_exhibitor(state, ctx, exhibitor, Form(f)).await,
        _ => Err(PageError(AppError::BadRequest("request.malformed"))),
    }
}
