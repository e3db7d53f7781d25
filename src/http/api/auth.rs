//! Registration, sign-in, sign-out and the current user.

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::app::AppState;
use crate::db::entities::user;
use crate::error::{ApiResult, AppError};
use crate::http::session::{CurrentActor, expired_session_cookie, session_cookie, session_token};
use crate::services::{Actor, SignedIn, auth, catalogue};

#[derive(Deserialize, ToSchema)]
pub struct RegisterBody {
    /// An e-mail address or a phone number.
    pub login: String,
    pub password: String,
    pub full_name: String,
    /// `producer` or `buyer`.
    pub role: String,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    pub login: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i32,
    pub full_name: String,
    /// `producer`, `buyer`, `staff` or `admin`.
    pub role: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl From<&user::Model> for UserView {
    fn from(u: &user::Model) -> Self {
        UserView {
            id: u.id,
            full_name: u.full_name.clone(),
            role: u.role.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
        }
    }
}

impl From<&SignedIn> for UserView {
    fn from(u: &SignedIn) -> Self {
        UserView {
            id: u.id,
            full_name: u.full_name.clone(),
            role: u.role.as_str().into(),
            email: u.email.clone(),
            phone: u.phone.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    /// Ids of the enterprises this user is a member of.
    pub enterprise_ids: Vec<i32>,
}

/// The client's address, for rate limiting sign-ins.
pub struct ClientIp(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(client_ip(peer, &parts.headers)))
    }
}

fn client_ip(peer: Option<std::net::IpAddr>, headers: &HeaderMap) -> String {
    // Behind a reverse proxy on this host the peer is the proxy: trust its forwarded header
    // then, and only then.
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|s| s.trim().to_string());
    match peer {
        Some(ip) if ip.is_loopback() => forwarded.unwrap_or_else(|| ip.to_string()),
        Some(ip) => ip.to_string(),
        None => forwarded.unwrap_or_else(|| "unknown".into()),
    }
}

/// Create an account (producer or buyer) and sign in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 201, body = UserView, description = "Account created; session cookie set"),
              (status = 409, body = crate::error::ErrorBody, description = "`login.taken`"),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<impl IntoResponse> {
    let account = auth::NewAccount::parse_registration(
        &body.login,
        &body.password,
        &body.full_name,
        &body.role,
    )?;
    let user = auth::create_account(&state.db, auth::Opener::SelfService, account).await?;
    let token = auth::open_session(&state.db, &state.config, user.id).await?;
    let jar = jar.add(session_cookie(
        token,
        state.config.secure_cookies,
        state.config.session_ttl,
    ));
    Ok((StatusCode::CREATED, jar, axum::Json(UserView::from(&user))))
}

/// Sign in with an e-mail address or phone number; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = UserView),
              (status = 401, body = crate::error::ErrorBody, description = "`auth.wrong_credentials`"),
              (status = 429, body = crate::error::ErrorBody, description = "`auth.rate_limited`, with `Retry-After`")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<impl IntoResponse> {
    let (token, user) =
        auth::sign_in(&state.db, &state.config, &body.login, &body.password, &ip).await?;
    let jar = jar.add(session_cookie(
        token,
        state.config.secure_cookies,
        state.config.session_ttl,
    ));
    Ok((jar, axum::Json(UserView::from(&user))))
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    if let Some(token) = session_token(&headers) {
        auth::sign_out(&state.db, &token).await?;
    }
    Ok((StatusCode::NO_CONTENT, jar.add(expired_session_cookie())))
}

/// The signed-in user and their enterprises.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<axum::Json<MeView>> {
    let user = actor.user().ok_or(AppError::Unauthenticated)?;
    let enterprise_ids = catalogue::memberships(&state.db, user.id).await?;
    Ok(axum::Json(MeView {
        user: user.into(),
        enterprise_ids,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUserBody {
    pub login: String,
    pub password: String,
    pub full_name: String,
    /// `producer` or `buyer` (staff); any role (admin).
    pub role: String,
}

/// Create an account for someone else: staff register producers and buyers, admins staff.
#[utoipa::path(post, path = "/api/v1/users", tag = "auth", request_body = CreateUserBody,
    responses((status = 201, body = UserView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(body): ApiJson<CreateUserBody>,
) -> ApiResult<impl IntoResponse> {
    let user = create_user_for(
        &state,
        &actor,
        &body.login,
        &body.password,
        &body.full_name,
        &body.role,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(UserView::from(&user))))
}

/// Shared by the API and the staff page.
pub async fn create_user_for(
    state: &AppState,
    actor: &Actor,
    login: &str,
    password: &str,
    full_name: &str,
    role: &str,
) -> Result<user::Model, AppError> {
    let me = actor.user().ok_or(AppError::Unauthenticated)?;
    if !me.role.is_staff() {
        return Err(AppError::Forbidden);
    }
    let account = auth::NewAccount::parse(login, password, full_name, role)?;
    auth::create_account(&state.db, auth::Opener::User(me), account).await
}
