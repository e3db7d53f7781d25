//! Trade fair pages: the public fair page and booth pages (what QR codes open), printed
//! matter (HTML for the browser, PDF for the print shop), QR codes, lead capture at the
//! booth (it keeps working offline), results, and the staff pages that set a fair up. One
//! module per template in `fairs/`; what several of them need (the fair cookie, QR
//! addresses) is here.

pub mod booth;
pub mod capture;
pub mod list;
pub mod manage;
pub mod print;
pub mod results;
pub mod show;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::context::AppState;
use crate::error::AppError;
use crate::services::catalogue::ProductView;
use crate::services::fairs::{self, FairView};

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
    format!("{base}{}?hoi-cho={}&qr=1", p.url, fair.slug)
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
        Some(token) => fairs::fair_of_visitor(state, &token).await,
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
        state,
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
