//! Public pages answered from the rendered-page cache (`crate::page_cache`): a visitor's
//! plain request for a product or enterprise page is served as it was last rendered for
//! the same address, language and day, until the change log says something on it changed.
//!
//! These answers carry a strong `ETag` (the body's digest) and `Cache-Control: public,
//! max-age=0, must-revalidate`, so browsers and CDNs keep them and ask again with
//! `If-None-Match` (answered `304` with no body) — a change is visible on the next request.
//! Someone signed in, or an address with a query, gets a page rendered for them and never
//! stored.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{PageCtx, PageError};
use crate::context::AppState;
use crate::http::session::NoFormToken;
use crate::page_cache::{Page, PageKey};
use crate::services::Actor;

/// A page that may be kept once rendered.
pub struct Keep {
    key: PageKey,
    at: i32,
}

pub enum Lookup {
    /// The answer, from the cache, and the page it came from.
    Hit(Response, std::sync::Arc<Page>),
    /// Render the page; `Some` when it may then be kept.
    Miss(Option<Keep>),
}

/// Looks the page up for a visitor's plain request.
pub async fn lookup(
    state: &AppState,
    ctx: &PageCtx,
    request: &HeaderMap,
) -> Result<Lookup, PageError> {
    if !matches!(ctx.actor, Actor::Visitor) || ctx.here.contains('?') {
        return Ok(Lookup::Miss(None));
    }
    let key = PageKey {
        path: ctx.here.clone(),
        lang: ctx.lang.code(),
        public_url: ctx.public_url.clone(),
        day: state.clock.today(),
    };
    lookup_key(state, key, request).await.map_err(PageError)
}

/// Looks up what is kept under `key` (for an answer the same for every visitor).
pub async fn lookup_key(
    state: &AppState,
    key: PageKey,
    request: &HeaderMap,
) -> Result<Lookup, crate::error::AppError> {
    let Some(at) = crate::services::page_cache::follow(state).await? else {
        return Ok(Lookup::Miss(None));
    };
    Ok(match state.pages.get(&key) {
        Some(page) => Lookup::Hit(answer(&page, request), page),
        None => Lookup::Miss(Some(Keep { key, at })),
    })
}

/// Keeps `page` when `keep` allows, and answers with it.
pub fn keep(state: &AppState, keep: Keep, page: Page, request: &HeaderMap) -> Response {
    let response = answer(&page, request);
    state.pages.put(keep.key, page, keep.at);
    response
}

/// Renders the page; keeps it when `keep` allows and it rendered. `enterprise_id` and
/// `products` are what the page shows: a change to any of them drops it.
pub fn render(
    state: &AppState,
    template: &impl Template,
    keep: Option<Keep>,
    enterprise_id: i32,
    products: Vec<i32>,
    request: &HeaderMap,
) -> Response {
    let Some(keep) = keep else {
        return super::render(template);
    };
    let html = match template.render() {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let page = Page::new(bytes::Bytes::from(html), enterprise_id, products);
    self::keep(state, keep, page, request)
}

/// Whether `If-None-Match` names this validator (or any, with `*`).
fn matches(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

fn answer(page: &Page, request: &HeaderMap) -> Response {
    let mut response = if matches(request, &page.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(page.content_type),
            )],
            page.body.clone(),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&page.etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=0, must-revalidate"),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    // The same answer for every visitor: it sets no cookie, not even the form token.
    response.extensions_mut().insert(NoFormToken);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_is_read_as_a_list() {
        let mut h = HeaderMap::new();
        assert!(!matches(&h, "\"abc\""));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(matches(&h, "\"abc\""));
        assert!(!matches(&h, "\"ab\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(matches(&h, "\"abc\""));
    }
}
