//! Sign-in, registration, sign-out, the language switch, and one's own account: changing
//! the password, signing out everywhere, and resetting a forgotten password.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::forms::FormValues;
use super::{Errors, PageCtx, PageResult, render, render_as, see_other};
use crate::context::AppState;
use crate::error::AppError;
use crate::http::api::auth::ClientIp;
use crate::http::session::{LANG_COOKIE, expired_session_cookie, session_cookie, session_token};
use crate::i18n::Lang;
use crate::services::{accounts, auth};

#[derive(Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
    /// What a redirect here announces (`signed_out_all`).
    pub done: Option<String>,
}

/// Only paths on this site: never send someone to another site after a switch or a
/// sign-in. The candidate is resolved the way a browser resolves a `Location` (tabs and
/// newlines dropped, `\\` read as `/`, dot segments removed) against a placeholder origin;
/// it is kept only if it stays on that origin and its path cannot be read as
/// `//host` (a scheme-relative URL) once written back.
pub(crate) fn local_path(next: Option<&str>) -> String {
    const ORIGIN: &str = "http://ketnoi.invalid/";
    let fallback = || "/".to_string();
    let Some(next) = next.filter(|n| n.starts_with('/')) else {
        return fallback();
    };
    let Ok(base) = url::Url::parse(ORIGIN) else {
        return fallback();
    };
    let Ok(resolved) = base.join(next) else {
        return fallback();
    };
    if resolved.origin() != base.origin() || resolved.username() != "" {
        return fallback();
    }
    let path = resolved.path();
    if !path.starts_with('/') || path.starts_with("//") {
        return fallback();
    }
    let mut out = path.to_string();
    if let Some(q) = resolved.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = resolved.fragment() {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_site_survive() {
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "/\tevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\\/evil.example",
            "/%09/evil.example",
            "/.//evil.example",
            "/..//evil.example",
            "/./\\evil.example",
            "https://evil.example/",
            "http:evil.example",
            "evil.example",
            "javascript:alert(1)",
            "/\u{3000}/evil.example",
        ] {
            let kept = local_path(Some(evil));
            assert!(!kept.starts_with("//"), "{evil:?} became {kept:?}");
            let base = url::Url::parse("https://ketnoi.vn/").unwrap();
            let landed = base.join(&kept).unwrap();
            assert_eq!(landed.host_str(), Some("ketnoi.vn"), "{evil:?} -> {kept:?}");
        }
        assert_eq!(
            local_path(Some("/san-pham?q=mien#top")),
            "/san-pham?q=mien#top"
        );
        assert_eq!(
            local_path(Some("/tim-kiem?q=mi%E1%BA%BFn")),
            "/tim-kiem?q=mi%E1%BA%BFn"
        );
        assert_eq!(local_path(None), "/");
    }
}

pub async fn switch_lang(
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
    jar: CookieJar,
) -> impl IntoResponse {
    let lang = Lang::parse(&code).unwrap_or_default();
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build();
    (jar.add(cookie), see_other(&local_path(q.next.as_deref())))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    ctx: PageCtx,
    form: FormValues,
    errors: Errors,
    message: Option<&'static str>,
    notice: Option<&'static str>,
    next: String,
}

pub async fn sign_in_page(ctx: PageCtx, Query(q): Query<NextQuery>) -> PageResult {
    if ctx.signed_in() {
        return Ok(see_other("/dashboard"));
    }
    let next = local_path(q.next.as_deref());
    let notice = match q.done.as_deref() {
        Some("signed_out_all") => Some(ctx.t("account.signed_out_all")),
        _ => None,
    };
    Ok(render(&SignInPage {
        ctx,
        form: FormValues::default(),
        errors: Errors::default(),
        message: None,
        notice,
        next,
    }))
}

#[derive(Deserialize)]
pub struct SignInForm {
    login: String,
    password: String,
    next: Option<String>,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    axum::Form(form): axum::Form<SignInForm>,
) -> PageResult {
    let next = local_path(form.next.as_deref());
    match auth::sign_in(&state, &form.login, &form.password, &ip).await {
        Ok((token, user)) => {
            let jar = jar.add(session_cookie(
                token,
                state.config.secure_cookies,
                state.config.session_ttl,
            ));
            let dest = if next == "/" {
                if user.role == crate::domain::Role::Buyer {
                    "/".to_string()
                } else {
                    "/dashboard".to_string()
                }
            } else {
                next
            };
            Ok((jar, see_other(&dest)).into_response())
        }
        Err(
            err
            @ (AppError::WrongCredentials | AppError::RateLimited { .. } | AppError::Invalid(_)),
        ) => {
            let mut values = FormValues::default();
            values.set("login", form.login.clone());
            let (errors, message) = match &err {
                AppError::Invalid(_) => {
                    (Errors::from_app(ctx.lang, &err).unwrap_or_default(), None)
                }
                _ => (Errors::default(), Some(ctx.message(err.code()))),
            };
            let status = err.status();
            Ok(render_as(
                &SignInPage {
                    ctx,
                    form: values,
                    errors,
                    message,
                    notice: None,
                    next,
                },
                status,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: PageCtx,
    form: FormValues,
    errors: Errors,
}

pub async fn register_page(ctx: PageCtx) -> PageResult {
    let mut form = FormValues::default();
    form.set("role", "producer");
    Ok(render(&RegisterPage {
        ctx,
        form,
        errors: Errors::default(),
    }))
}

#[derive(Deserialize)]
pub struct RegisterForm {
    login: String,
    password: String,
    full_name: String,
    role: String,
}

pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ctx: PageCtx,
    jar: CookieJar,
    axum::Form(form): axum::Form<RegisterForm>,
) -> PageResult {
    let result = match auth::NewAccount::parse_registration(
        &form.login,
        &form.password,
        &form.full_name,
        &form.role,
    ) {
        Ok(account) => accounts::register(&state, account, &ip).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok((user, token)) => {
            let jar = jar.add(session_cookie(
                token,
                state.config.secure_cookies,
                state.config.session_ttl,
            ));
            let dest = if user.role == crate::domain::Role::Producer {
                "/dashboard"
            } else {
                "/"
            };
            Ok((jar, see_other(dest)).into_response())
        }
        Err(err) => match Errors::from_app(ctx.lang, &err).or_else(|| match &err {
            AppError::RateLimited { code, .. } => Some(Errors::new(
                ctx.lang,
                &[crate::domain::FieldError {
                    field: "login",
                    code: *code,
                }],
            )),
            _ => None,
        }) {
            Some(errors) => {
                let mut values = FormValues::default();
                values.set("login", form.login);
                values.set("full_name", form.full_name);
                values.set("role", form.role);
                Ok(render_as(
                    &RegisterPage {
                        ctx,
                        form: values,
                        errors,
                    },
                    err.status(),
                ))
            }
            None => Err(err.into()),
        },
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> PageResult {
    if let Some(token) = session_token(&headers) {
        auth::sign_out(&state, &token).await?;
    }
    Ok((jar.add(expired_session_cookie()), see_other("/")).into_response())
}

/// Pages that show a reset token or a new password form: kept out of caches, and their
/// address (which may hold the token) is not sent on to other pages as a referrer.
pub(super) fn private(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    response
}

#[derive(Template)]
#[template(path = "account/index.html")]
struct AccountPage {
    ctx: PageCtx,
    errors: Errors,
    message: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn account_page(ctx: PageCtx, Query(q): Query<DoneQuery>) -> PageResult {
    ctx.actor.require_signed_in()?;
    let message = match q.done.as_deref() {
        Some(k @ ("password_changed" | "password_reset")) => Some(ctx.t(&format!("account.{k}"))),
        _ => None,
    };
    Ok(render(&AccountPage {
        ctx,
        errors: Errors::default(),
        message,
    }))
}

#[derive(Deserialize)]
pub struct ChangePasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ChangePasswordForm>,
) -> PageResult {
    let result = accounts::change_password(
        &state,
        &ctx.actor,
        session_token(&headers).as_deref(),
        &form.current_password,
        &form.new_password,
    )
    .await;
    match result {
        Ok(()) => Ok(see_other("/tai-khoan?done=password_changed")),
        Err(err @ (AppError::Invalid(_) | AppError::RateLimited { .. })) => {
            let errors = Errors::from_app(ctx.lang, &err).unwrap_or_else(|| {
                let mut e = Errors::default();
                e.0.insert("current_password".into(), ctx.message(err.code()));
                e
            });
            let status = err.status();
            Ok(render_as(
                &AccountPage {
                    ctx,
                    errors,
                    message: None,
                },
                status,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    ctx: PageCtx,
    jar: CookieJar,
) -> PageResult {
    accounts::sign_out_everywhere(&state, &ctx.actor).await?;
    Ok((
        jar.add(expired_session_cookie()),
        see_other("/dang-nhap?done=signed_out_all"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage {
    ctx: PageCtx,
    form: FormValues,
    errors: Errors,
    message: Option<&'static str>,
    /// The request went through: the same words for everyone.
    sent: bool,
}

pub async fn forgot_page(ctx: PageCtx) -> PageResult {
    Ok(render(&ForgotPage {
        ctx,
        form: FormValues::default(),
        errors: Errors::default(),
        message: None,
        sent: false,
    }))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    login: String,
}

pub async fn forgot(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<ForgotForm>,
) -> PageResult {
    match accounts::request_reset(&state, &form.login, &ip).await {
        Ok(()) => Ok(render(&ForgotPage {
            ctx,
            form: FormValues::default(),
            errors: Errors::default(),
            message: None,
            sent: true,
        })),
        Err(err @ (AppError::Invalid(_) | AppError::RateLimited { .. })) => {
            let mut values = FormValues::default();
            values.set("login", form.login);
            let (errors, message) = match Errors::from_app(ctx.lang, &err) {
                Some(errors) => (errors, None),
                None => (Errors::default(), Some(ctx.message(err.code()))),
            };
            let status = err.status();
            Ok(render_as(
                &ForgotPage {
                    ctx,
                    form: values,
                    errors,
                    message,
                    sent: false,
                },
                status,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetPage {
    ctx: PageCtx,
    /// The token of a link that works; `None`: ask for the code staff read out.
    token: Option<String>,
    errors: Errors,
    /// Why the link or code cannot be used.
    message: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ResetQuery {
    token: Option<String>,
}

pub async fn reset_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ResetQuery>,
) -> PageResult {
    let Some(token) = q.token.filter(|t| !t.trim().is_empty()) else {
        return Ok(private(render(&ResetPage {
            ctx,
            token: None,
            errors: Errors::default(),
            message: None,
        })));
    };
    match accounts::check_reset_token(&state, &token).await {
        Ok(()) => Ok(private(render(&ResetPage {
            ctx,
            token: Some(token),
            errors: Errors::default(),
            message: None,
        }))),
        Err(err @ AppError::BadRequest(_)) => Ok(private(invalid_link_page(ctx, &err))),
        Err(e) => Err(e.into()),
    }
}

fn invalid_link_page(ctx: PageCtx, err: &AppError) -> axum::response::Response {
    let message = Some(ctx.message(err.code()));
    render_as(
        &ResetPage {
            ctx,
            token: None,
            errors: Errors::default(),
            message,
        },
        err.status(),
    )
}

#[derive(Deserialize)]
pub struct ResetForm {
    token: String,
    new_password: String,
}

pub async fn reset(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    jar: CookieJar,
    axum::Form(form): axum::Form<ResetForm>,
) -> PageResult {
    let result = accounts::complete_reset(
        &state,
        &form.token,
        &form.new_password,
        session_token(&headers).as_deref(),
    )
    .await;
    match result {
        Ok((token, _)) => {
            let jar = jar.add(session_cookie(
                token,
                state.config.secure_cookies,
                state.config.session_ttl,
            ));
            Ok((jar, see_other("/tai-khoan?done=password_reset")).into_response())
        }
        Err(err @ AppError::Invalid(_)) => {
            let errors = Errors::from_app(ctx.lang, &err).unwrap_or_default();
            let status = err.status();
            Ok(private(render_as(
                &ResetPage {
                    ctx,
                    token: Some(form.token),
                    errors,
                    message: None,
                },
                status,
            )))
        }
        Err(err @ AppError::BadRequest(_)) => Ok(private(invalid_link_page(ctx, &err))),
        Err(e) => Err(e.into()),
    }
}
