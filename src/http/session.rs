//! Who is asking, in which language, and whether a state-changing request is same-site.

use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::context::AppState;
use crate::error::{ApiError, AppError};
use crate::i18n::{self, Lang};
use crate::services::{Actor, auth};

pub const SESSION_COOKIE: &str = "ketnoi_session";
pub const CSRF_COOKIE: &str = "ketnoi_csrf";
pub const LANG_COOKIE: &str = "lang";
/// Hidden field every HTML form carries.
pub const CSRF_FIELD: &str = "csrf";

/// The signed-in user (or a visitor), resolved once per request.
#[derive(Clone, Debug)]
pub struct CurrentActor(pub Actor);

impl<S> FromRequestParts<S> for CurrentActor
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(actor) = parts.extensions.get::<CurrentActor>() {
            return Ok(actor.clone());
        }
        let state = AppState::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        let actor = match jar.get(SESSION_COOKIE) {
            Some(c) => match auth::session_user(&state, c.value())
                .await
                .map_err(ApiError)?
            {
                Some(user) => Actor::User(user),
                None => Actor::Visitor,
            },
            None => Actor::Visitor,
        };
        let actor = CurrentActor(actor);
        parts.extensions.insert(actor.clone());
        Ok(actor)
    }
}

/// The session token from the cookie, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

pub fn session_cookie(token: String, secure: bool, max_age: chrono::Duration) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time_duration(max_age))
        .build()
}

pub fn expired_session_cookie() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .max_age(time_duration(chrono::Duration::zero()))
        .build()
}

fn time_duration(d: chrono::Duration) -> time::Duration {
    time::Duration::seconds(d.num_seconds())
}

/// The request's language: the `lang` cookie (set by the switch), else `Accept-Language`,
/// else Vietnamese.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    let jar = CookieJar::from_headers(headers);
    jar.get(LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// Marks an answer that is the same for every visitor (a cached public page): it holds no
/// form, so no form token cookie is issued with it, and shared caches may keep it.
#[derive(Clone, Copy, Debug)]
pub struct NoFormToken;

/// The form token of this browser, as sent in its cookie or just issued.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Sets the language for the request, issues the form token cookie, and refuses
/// state-changing requests from other sites.
///
/// Cross-site refusal follows the browser's own signals (`Sec-Fetch-Site`, `Origin`);
/// HTML forms additionally carry a token that must match their cookie, so a request
/// forged without the browser's headers still fails.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let lang = request_lang(req.headers());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !same_site(req.headers(), state.config.public_url.as_deref()) {
        return i18n::REQUEST_LANG
            .scope(lang, async {
                ApiError(AppError::Forbidden).into_response()
            })
            .await;
    }
    // An API read answers with JSON, never a form: it neither needs nor issues a token
    // (a client gets one with its session, or with its first write). The API's reference
    // (`/api/docs`) is a page like any other.
    if !unsafe_method && req.uri().path().starts_with("/api/v1/") {
        req.extensions_mut().insert(lang);
        return i18n::REQUEST_LANG.scope(lang, next.run(req)).await;
    }
    // Without the browser's own signals, a request that carries a session must prove it
    // comes from the session's holder: the form token, or its copy in `X-CSRF-Token`.
    let browser_signals =
        req.headers().contains_key("sec-fetch-site") || req.headers().contains_key(header::ORIGIN);
    let jar = CookieJar::from_headers(req.headers());
    let (token, issued) = match jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| t.len() >= 32)
    {
        Some(t) => (t, false),
        None => match auth::new_secret() {
            Ok(t) => (t, true),
            Err(e) => return ApiError(e).into_response(),
        },
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let has_session = jar.get(SESSION_COOKIE).is_some();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if unsafe_method && is_form {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
            return ApiError(AppError::TooLarge).into_response();
        };
        let sent = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned());
        if issued || sent.as_deref() != Some(token.as_str()) {
            return csrf_refused(lang, &token, state.config.secure_cookies).await;
        }
        req = Request::from_parts(parts, axum::body::Body::from(bytes));
    }
    // A multipart page form cannot be read here without buffering the upload, so it sends
    // its token in the query string (scripts may send a header instead). The API is
    // covered by the same-site check above.
    let is_multipart = content_type.starts_with("multipart/form-data");
    let page_upload = is_multipart && !req.uri().path().starts_with("/api/");
    if unsafe_method && page_upload {
        let sent = header_token.clone().or_else(|| {
            url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.into_owned())
        });
        if issued || sent.as_deref() != Some(token.as_str()) {
            return csrf_refused(lang, &token, state.config.secure_cookies).await;
        }
    } else if unsafe_method
        && !is_form
        && has_session
        && !browser_signals
        && (issued || header_token.as_deref() != Some(token.as_str()))
    {
        return i18n::REQUEST_LANG
            .scope(lang, async {
                ApiError(AppError::CsrfTokenMissing).into_response()
            })
            .await;
    }
    req.extensions_mut().insert(CsrfToken(token.clone()));
    req.extensions_mut().insert(lang);
    let mut response = i18n::REQUEST_LANG.scope(lang, next.run(req)).await;
    if issued && response.extensions().get::<NoFormToken>().is_none() {
        set_csrf_cookie(&mut response, &token, state.config.secure_cookies);
    }
    response
}

/// The page that says a form came without its token, with a (fresh) token for the retry.
async fn csrf_refused(lang: Lang, token: &str, secure: bool) -> Response {
    let mut response = i18n::REQUEST_LANG
        .scope(lang, async { super::pages::csrf_failure_page(lang) })
        .await;
    set_csrf_cookie(&mut response, token, secure);
    response
}

fn set_csrf_cookie(response: &mut Response, token: &str, secure: bool) {
    let cookie = Cookie::build((CSRF_COOKIE, token.to_string()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build();
    if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// True unless the browser says the request comes from another site.
fn same_site(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Not a browser, or an old one: no cross-site signal to act on.
        return true;
    };
    if origin == "null" {
        return false;
    }
    let origin_host = origin.split("://").nth(1).unwrap_or(origin);
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    host == Some(origin_host)
        || public_url.is_some_and(|u| u.trim_end_matches('/') == origin.trim_end_matches('/'))
}
