//! Security headers on every response: a strict content policy (unless the handler chose
//! its own), no framing, no type sniffing, a referrer policy, HSTS behind https, and
//! `no-store` on what signed-in people are shown.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::context::AppState;
use crate::error::AppError;
use crate::http::session::{CurrentActor, session_token};

/// What the pages may load: only this site's own scripts, styles, images and fonts, and
/// images inlined as `data:` (none of them inline scripts or styles).
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What people uploaded, and documents: nothing loads and nothing runs, and a browser that
/// renders one anyway treats it as a sandboxed page of no origin.
pub const UPLOAD_CSP: &str = "default-src 'none'; sandbox";

pub const HSTS: &str = "max-age=31536000";

/// The policy of a print page: its one `<style>` carries `nonce`, nothing else is styled
/// or run, and only this site's photos and fonts load.
pub fn print_csp(nonce: &str) -> String {
    format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; \
         font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// A fresh random nonce (128 bits, hex) for one response.
pub fn nonce() -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

/// Public assets and image variants are the same for everyone and cached for a year, so
/// their requests need no session lookup.
fn is_public_asset(path: &str) -> bool {
    path.starts_with("/static/") || path.starts_with("/media/")
}

/// Adds the headers. The signed-in person is resolved here (once: handlers reuse the
/// `CurrentActor` this leaves in the request), so a personal page is never stored by a
/// browser or a proxy.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let signed_in = if session_token(&parts.headers).is_some() && !is_public_asset(parts.uri.path())
    {
        // A failed lookup is left to the handler, which reports it.
        CurrentActor::from_request_parts(&mut parts, &state)
            .await
            .is_ok_and(|CurrentActor(actor)| actor.user().is_some())
    } else {
        false
    };
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        );
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A page with a secret in its address (a reset link) sends no referrer at all.
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    let https = state
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if signed_in && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
