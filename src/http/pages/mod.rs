//! Server-rendered pages (askama): Vietnamese by default, English by a switch that sticks,
//! small enough for a cheap phone on 3G, and complete without JavaScript.

pub mod account;
pub mod cached;
pub mod catalogue;
pub mod dashboard;
pub mod fairs;
pub mod forms;
pub mod programmes;
pub mod requests;
pub mod search;
pub mod staff;
pub mod uploads;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;

use crate::context::AppState;
use crate::domain::{Code, FieldError};
use crate::error::AppError;
use crate::http::session::{CsrfToken, CurrentActor};
use crate::i18n::{self, Lang};
use crate::services::Actor;
use crate::services::catalogue::ProductView;
use crate::services::reference::Category;

/// What every page needs: language, who is signed in, the form token, where we are.
#[derive(Clone, Debug)]
pub struct PageCtx {
    pub lang: Lang,
    pub actor: Actor,
    pub csrf: String,
    /// Path and query of this page, to come back to after switching language.
    pub here: String,
    pub public_url: String,
    /// Unread notifications of the signed-in person.
    pub unread: u64,
}

impl<S> FromRequestParts<S> for PageCtx
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let CurrentActor(actor) = CurrentActor::from_request_parts(parts, state)
            .await
            .map_err(|e| PageError(e.0))?;
        let app = AppState::from_ref(state);
        let unread = match actor.id() {
            Some(id) => crate::services::notify::unread_count(&app.db, id)
                .await
                .map_err(PageError)?,
            None => 0,
        };
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        Ok(PageCtx {
            lang,
            actor,
            csrf,
            here: parts
                .uri
                .path_and_query()
                .map_or("/".into(), |p| p.as_str().to_string()),
            public_url: app
                .config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{host}")),
            unread,
        })
    }
}

impl PageCtx {
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    /// The message of an error code in the page's language.
    pub fn message(&self, code: Code) -> &'static str {
        crate::error::message(self.lang, code)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    pub fn lang_switch_url(&self) -> String {
        format!(
            "/lang/{}?next={}",
            self.lang.other().code(),
            urlencode(&self.here)
        )
    }

    pub fn asset(&self, path: &str) -> String {
        crate::http::statics::asset_url(path)
    }

    pub fn user_name(&self) -> &str {
        self.actor.user().map_or("", |u| u.full_name.as_str())
    }

    pub fn signed_in(&self) -> bool {
        self.actor.user().is_some()
    }

    pub fn is_staff(&self) -> bool {
        self.actor.is_staff()
    }

    pub fn can_publish(&self) -> bool {
        matches!(self.actor.role(), Some(crate::domain::Role::Producer)) || self.actor.is_staff()
    }

    /// `1.290.000 ₫`
    pub fn vnd(&self, amount: i64) -> String {
        format!("{} ₫", group_thousands(amount))
    }

    /// A large sum as people say it: `1,29 tỷ đồng`, `180 triệu đồng` (`1.29 billion ₫`);
    /// smaller sums as [`Self::vnd`].
    pub fn big_money(&self, amount: &i64) -> String {
        let decimal = match self.lang {
            Lang::Vi => ',',
            Lang::En => '.',
        };
        match crate::domain::text::compact(*amount, decimal) {
            Some((n, crate::domain::text::Scale::Billion)) => {
                format!("{n} {}", self.t("money.billion"))
            }
            Some((n, crate::domain::text::Scale::Million)) => {
                format!("{n} {}", self.t("money.million"))
            }
            None => self.vnd(*amount),
        }
    }

    /// [`Self::vnd`] for templates, which hold numbers by reference.
    pub fn money(&self, amount: &i64) -> String {
        self.vnd(*amount)
    }

    /// `80.000 – 120.000 ₫/kg`, or "price on request".
    pub fn price(&self, p: &ProductView) -> String {
        let range = match (p.price_min_vnd, p.price_max_vnd) {
            (Some(a), Some(b)) if a == b => self.vnd(a),
            (Some(a), Some(b)) => format!("{} – {}", group_thousands(a), self.vnd(b)),
            (Some(a), None) => format!("{} {}", self.t("price.from"), self.vnd(a)),
            (None, Some(b)) => format!("{} {}", self.t("price.up_to"), self.vnd(b)),
            (None, None) => return self.t("price.on_request").to_string(),
        };
        format!("{range}/{}", p.unit)
    }

    pub fn quantity(&self, n: &i64, unit: &str) -> String {
        format!("{} {unit}", group_thousands(*n))
    }

    /// `dd/mm/yyyy`
    pub fn date(&self, d: &Option<NaiveDate>) -> String {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    }

    /// `dd/mm/yyyy`, for a date that is there.
    pub fn day(&self, d: &NaiveDate) -> String {
        d.format("%d/%m/%Y").to_string()
    }

    pub fn datetime(&self, d: &chrono::DateTime<chrono::Utc>) -> String {
        let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset");
        d.with_timezone(&vn).format("%d/%m/%Y %H:%M").to_string()
    }

    pub fn months(&self, months: &[u8]) -> String {
        if months.is_empty() {
            return self.t("season.all_year").to_string();
        }
        let list = months
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        format!("{} {list}", self.t("season.months"))
    }

    pub fn category_name(&self, p: &ProductView) -> String {
        match self.lang {
            Lang::Vi => p.category_name_vi.clone(),
            Lang::En => p.category_name_en.clone(),
        }
    }

    pub fn cat(&self, c: &Category) -> String {
        c.name(self.lang).to_string()
    }

    /// The label of a code in a closed list, e.g. `code("packaging", "designed")`.
    pub fn code(&self, group: &str, value: &str) -> &'static str {
        self.t(&format!("{group}.{value}"))
    }

    pub fn stars(&self, n: &Option<u8>) -> String {
        "★".repeat(usize::from(n.unwrap_or(0)))
    }

    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    pub fn excerpt(&self, text: &str, max: &usize) -> String {
        let mut out: String = text.chars().take(*max).collect();
        if text.chars().count() > *max {
            out = out.trim_end().to_string();
            out.push('…');
        }
        out
    }
}

pub use crate::domain::text::group_thousands;

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Field errors of a form, as messages in the page's language, by input name.
#[derive(Clone, Debug, Default)]
pub struct Errors(pub HashMap<String, &'static str>);

impl Errors {
    pub fn new(lang: Lang, errors: &[FieldError]) -> Self {
        let mut map = HashMap::new();
        for e in errors {
            map.entry(e.field.replace('.', "_"))
                .or_insert_with(|| crate::error::message(lang, e.code));
        }
        Errors(map)
    }

    pub fn from_app(lang: Lang, err: &AppError) -> Option<Self> {
        match err {
            AppError::Invalid(inv) => Some(Errors::new(lang, &inv.0)),
            AppError::Conflict {
                field: Some(f),
                code,
            } => Some(Errors::new(
                lang,
                &[FieldError {
                    field: f,
                    code: *code,
                }],
            )),
            _ => None,
        }
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Renders a page answered with `status` (a form sent back with its errors, say); a page
/// that fails to render is a 500 whatever was asked.
pub fn render_as(template: &impl Template, status: StatusCode) -> Response {
    let mut response = render(template);
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}

pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    title: &'static str,
    message: &'static str,
    /// The request's id, for the person to quote when asking for help.
    request_id: Option<String>,
}

/// An error shown as a page, in the request's language.
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

/// What a page error leaves on its response for [`error_pages`], which renders it again
/// with the visitor's own header (signed in, their language, their unread count).
#[derive(Clone, Copy)]
struct ShownError(Code);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let err = self.0;
        if let AppError::Internal(e) = &err {
            tracing::error!(error = ?e, "internal error");
        }
        let mut response = if matches!(err, AppError::Unauthenticated) {
            see_other("/dang-nhap")
        } else {
            let ctx = PageCtx {
                lang: i18n::current(),
                actor: Actor::Visitor,
                csrf: String::new(),
                here: "/".into(),
                public_url: String::new(),
                unread: 0,
            };
            error_page(ctx, err.code())
        };
        response.extensions_mut().insert(ShownError(err.code()));
        response
    }
}

fn error_page(ctx: PageCtx, code: Code) -> Response {
    let status = StatusCode::from_u16(code.kind().http_status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let page = ErrorPage {
        title: ctx.t(&format!("error.title.{}", status.as_u16())),
        message: ctx.message(code),
        ctx,
        request_id: crate::http::request_id::current(),
    };
    render_as(&page, status)
}

/// Finishes page errors with what the request knew: an error page keeps the signed-in
/// header, and a page that needs a sign-in sends the visitor to sign in and then back to it.
pub async fn error_pages(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // Only pages show error pages: the API, static files and media pass straight through.
    let path = req.uri().path();
    if ["/api/", "/static/", "/media/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let mut kept = axum::http::Request::new(());
    *kept.method_mut() = parts.method.clone();
    *kept.uri_mut() = parts.uri.clone();
    *kept.headers_mut() = parts.headers.clone();
    *kept.extensions_mut() = parts.extensions.clone();
    let response = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    let Some(ShownError(code)) = response.extensions().get::<ShownError>().copied() else {
        return response;
    };
    let (mut parts, ()) = kept.into_parts();
    if code == Code::AuthRequired {
        return see_other(&sign_in_then(&parts));
    }
    match PageCtx::from_request_parts(&mut parts, &state).await {
        Ok(ctx) => error_page(ctx, code),
        Err(_) => response,
    }
}

/// `/dang-nhap?next=…`: back to the page asked for (a GET), or to the page a form was
/// posted from (its same-site `Referer`).
fn sign_in_then(parts: &Parts) -> String {
    let back = if parts.method == axum::http::Method::GET {
        parts.uri.path_and_query().map(|p| p.as_str().to_string())
    } else {
        parts
            .headers
            .get(header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| url::Url::parse(r).ok())
            .filter(|r| {
                let host = parts
                    .headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok());
                host.is_some_and(|h| {
                    r.host_str().is_some_and(|rh| {
                        h == rh || h.strip_prefix(rh).is_some_and(|rest| rest.starts_with(':'))
                    })
                })
            })
            .map(|r| {
                let mut path = r.path().to_string();
                if let Some(q) = r.query() {
                    path.push('?');
                    path.push_str(q);
                }
                path
            })
    };
    match back.filter(|b| b != "/" && !b.starts_with("/dang-nhap")) {
        Some(back) => format!(
            "/dang-nhap?next={}",
            url::form_urlencoded::byte_serialize(account::local_path(Some(&back)).as_bytes())
                .collect::<String>()
        ),
        None => "/dang-nhap".into(),
    }
}

pub type PageResult = Result<Response, PageError>;

/// An error to show on the page it happened on (a form's mistake, a refused move); anything
/// else becomes an error page.
pub fn page_error(ctx: &PageCtx, e: &AppError) -> Result<(&'static str, StatusCode), PageError> {
    match e {
        AppError::Invalid(_) | AppError::Conflict { .. } => Ok((ctx.message(e.code()), e.status())),
        AppError::Internal(err) => Err(PageError(AppError::Internal(anyhow::anyhow!("{err}")))),
        AppError::Forbidden => Err(PageError(AppError::Forbidden)),
        AppError::NotFound => Err(PageError(AppError::NotFound)),
        AppError::Unauthenticated => Err(PageError(AppError::Unauthenticated)),
        other => Ok((ctx.message(other.code()), other.status())),
    }
}

pub async fn not_found() -> PageError {
    PageError(AppError::NotFound)
}

/// The page shown when a form's token does not match (an old tab, or a forged post).
pub fn csrf_failure_page(lang: Lang) -> Response {
    let ctx = PageCtx {
        lang,
        actor: Actor::Visitor,
        csrf: String::new(),
        here: "/".into(),
        public_url: String::new(),
        unread: 0,
    };
    let page = ErrorPage {
        title: ctx.t("error.title.403"),
        message: ctx.t("form.expired"),
        ctx,
        request_id: crate::http::request_id::current(),
    };
    render_as(&page, StatusCode::FORBIDDEN)
}

/// The fonts a printed page reads, as files beside it for a PDF.
pub fn font_files() -> Vec<(String, Vec<u8>)> {
    ["fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf"]
        .into_iter()
        .filter_map(|font| {
            crate::http::statics::asset_bytes(font).map(|bytes| (font.to_string(), bytes.to_vec()))
        })
        .collect()
}

/// A PDF offered for download as `name`.
pub fn pdf_response(name: &str, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        pdf,
    )
        .into_response()
}

/// The service worker that keeps the pages staff fill in offline (a fair's lead capture, a
/// facility survey) and their assets on the phone, for the pages under `scope`.
pub fn offline_worker(scope: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                HeaderValue::from_static(scope),
            ),
        ],
        include_str!("../../../frontend/static/offline-sw.js"),
    )
        .into_response()
}

/// 200 when the database answers.
/// Alive: the process answers (a liveness probe; nothing else is asked).
pub async fn healthz() -> Response {
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        "ok",
    )
        .into_response()
}

/// Ready: the database answers with this version's schema (503 when not); the search engine
/// and the object store are reported beside it.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = crate::services::health::readiness(&state).await;
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(readiness),
    )
        .into_response()
}
