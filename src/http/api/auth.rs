//! Registration, sign-in, sign-out, the current user, and passwords: changing, signing out
//! everywhere, and resetting by e-mail or by staff.

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::context::AppState;
use crate::db::entities::user;
use crate::error::ApiResult;
use crate::http::session::{CurrentActor, expired_session_cookie, session_cookie, session_token};
use crate::services::{SignedIn, accounts, auth};

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
    pub role: crate::domain::Role,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl From<&user::Model> for UserView {
    fn from(u: &user::Model) -> Self {
        UserView {
            id: u.id,
            full_name: u.full_name.clone(),
            role: u.role,
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
            role: u.role,
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

/// The client's address, for rate limits: the connection's peer, or, when the peer is a
/// proxy named in `KETNOI_TRUSTED_PROXIES`, the right-most address in `X-Forwarded-For`
/// that is not one of those proxies (each proxy appends the address it saw, so entries to
/// the left of the last trusted hop are whatever the client chose to send).
pub struct ClientIp(pub String);

impl<S> axum::extract::FromRequestParts<S> for ClientIp
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

fn client_ip(
    peer: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let mut client = peer;
    for value in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(value) = value.to_str() else {
            return client.to_string();
        };
        for entry in value.split(',').rev() {
            match entry.trim().parse::<std::net::IpAddr>() {
                Ok(ip) if is_trusted(&ip) => client = ip,
                Ok(ip) => return ip.to_string(),
                // Garbage from the client side of the chain: the last good hop is the client.
                Err(_) => return client.to_string(),
            }
        }
    }
    client.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> std::net::IpAddr {
        s.parse().expect("address")
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_named_proxy() {
        let none: Vec<ipnet::IpNet> = Vec::new();
        let proxies: Vec<ipnet::IpNet> = vec![
            "127.0.0.1/32".parse().expect("net"),
            "10.0.0.0/8".parse().expect("net"),
        ];
        // No proxy configured: the header is the client's own words.
        assert_eq!(
            client_ip(Some(ip("127.0.0.1")), &xff(&["203.0.113.9"]), &none),
            "127.0.0.1"
        );
        // Behind the proxy: the right-most entry that is not a proxy.
        assert_eq!(
            client_ip(
                Some(ip("127.0.0.1")),
                &xff(&["6.6.6.6, 198.51.100.7, 10.1.2.3"]),
                &proxies
            ),
            "198.51.100.7"
        );
        assert_eq!(
            client_ip(
                Some(ip("10.0.0.2")),
                &xff(&["1.1.1.1", "198.51.100.7"]),
                &proxies
            ),
            "198.51.100.7"
        );
        // A direct client that is not a proxy cannot choose its address.
        assert_eq!(
            client_ip(Some(ip("198.51.100.7")), &xff(&["1.2.3.4"]), &proxies),
            "198.51.100.7"
        );
        // Junk in the header stops the walk at the last trusted hop.
        assert_eq!(
            client_ip(Some(ip("127.0.0.1")), &xff(&["nonsense"]), &proxies),
            "127.0.0.1"
        );
    }
}

/// Create an account (producer or buyer) and sign in.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 201, body = UserView, description = "Account created; session cookie set"),
              (status = 409, body = crate::error::ErrorBody, description = "`login.taken`"),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody, description = "`register.rate_limited`: too many registrations from this address, with `Retry-After`")))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<impl IntoResponse> {
    let account = auth::NewAccount::parse_registration(
        &body.login,
        &body.password,
        &body.full_name,
        &body.role,
    )?;
    let (user, token) = accounts::register(&state, account, &ip).await?;
    let jar = jar.add(session_cookie(
        token,
        state.config.secure_cookies,
        state.config.session_ttl,
    ));
    Ok((StatusCode::CREATED, jar, axum::Json(UserView::from(&user))))
}

/// Sign in with an e-mail address or phone number; sets the session cookie.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = UserView),
              (status = 401, body = crate::error::ErrorBody, description = "`auth.wrong_credentials`"),
              (status = 429, body = crate::error::ErrorBody, description = "`auth.rate_limited`, with `Retry-After`")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<impl IntoResponse> {
    let (token, user) = auth::sign_in(&state, &body.login, &body.password, &ip).await?;
    let jar = jar.add(session_cookie(
        token,
        state.config.secure_cookies,
        state.config.session_ttl,
    ));
    Ok((jar, axum::Json(UserView::from(&user))))
}

/// End the session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    if let Some(token) = session_token(&headers) {
        auth::sign_out(&state, &token).await?;
    }
    Ok((StatusCode::NO_CONTENT, jar.add(expired_session_cookie())))
}

/// The signed-in user and their enterprises.
#[utoipa::path(get, path = "/me", tag = "auth",
    responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<axum::Json<MeView>> {
    let (user, enterprise_ids) = accounts::whoami(&state, &actor).await?;
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
#[utoipa::path(post, path = "/users", tag = "auth", request_body = CreateUserBody,
    responses((status = 201, body = UserView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(body): ApiJson<CreateUserBody>,
) -> ApiResult<impl IntoResponse> {
    let user = accounts::open_account_for(
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

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    pub current_password: String,
    /// 8 to 128 characters.
    pub new_password: String,
}

/// Change the signed-in user's password. Every other session of the user ends; this one
/// stays.
#[utoipa::path(post, path = "/auth/password", tag = "auth", request_body = ChangePasswordBody,
    responses((status = 204, description = "Changed; other sessions ended"),
              (status = 401, body = crate::error::ErrorBody, description = "`auth.required`"),
              (status = 422, body = crate::error::ErrorBody, description = "`password.current_wrong`, `password.too_short`, …"),
              (status = 429, body = crate::error::ErrorBody, description = "`auth.rate_limited`, with `Retry-After`")))]
pub async fn change_password(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ChangePasswordBody>,
) -> ApiResult<StatusCode> {
    accounts::change_password(
        &state,
        &actor,
        session_token(&headers).as_deref(),
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End every session of the signed-in user, this one included.
#[utoipa::path(post, path = "/auth/logout-all", tag = "auth",
    responses((status = 204, description = "Every session ended; session cookie removed"),
              (status = 401, body = crate::error::ErrorBody, description = "`auth.required`")))]
pub async fn logout_all(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    accounts::sign_out_everywhere(&state, &actor).await?;
    Ok((StatusCode::NO_CONTENT, jar.add(expired_session_cookie())))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordResetBody {
    /// The e-mail address or phone number the account signs in with.
    pub login: String,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordResetAccepted {
    /// What to tell the person; the same whether or not the account exists.
    pub message: String,
}

/// Ask for a password reset link by e-mail. The answer is the same whether or not an
/// account has that name, and whether or not it has an e-mail address (phone-only accounts
/// are reset by the centre's staff).
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = PasswordResetBody,
    responses((status = 202, body = PasswordResetAccepted, description = "Accepted; a link valid one hour is e-mailed when the account has an address"),
              (status = 422, body = crate::error::ErrorBody, description = "`login.invalid`: not an e-mail address or phone number"),
              (status = 429, body = crate::error::ErrorBody, description = "`password_reset.rate_limited`, with `Retry-After`")))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<PasswordResetBody>,
) -> ApiResult<impl IntoResponse> {
    accounts::request_reset(&state, &body.login, &ip).await?;
    let message = crate::i18n::t(crate::i18n::current(), "password_reset.sent").to_string();
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(PasswordResetAccepted { message }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CompletePasswordResetBody {
    /// The token from the link, or the code staff read out (spaces and dashes allowed).
    pub token: String,
    /// 8 to 128 characters.
    pub new_password: String,
}

/// Set a new password with a reset link. The link is used up, every session of the account
/// ends, and a fresh session is opened (cookie set).
#[utoipa::path(post, path = "/auth/password-reset/complete", tag = "auth", request_body = CompletePasswordResetBody,
    responses((status = 200, body = UserView, description = "Password set; signed in"),
              (status = 400, body = crate::error::ErrorBody, description = "`password_reset.invalid`: expired, used or unknown"),
              (status = 422, body = crate::error::ErrorBody, description = "`password.too_short`, `password.too_long`")))]
pub async fn complete_password_reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    ApiJson(body): ApiJson<CompletePasswordResetBody>,
) -> ApiResult<impl IntoResponse> {
    let (token, user) = accounts::complete_reset(
        &state,
        &body.token,
        &body.new_password,
        session_token(&headers).as_deref(),
    )
    .await?;
    let jar = jar.add(session_cookie(
        token,
        state.config.secure_cookies,
        state.config.session_ttl,
    ));
    Ok((jar, axum::Json(UserView::from(&user))))
}

#[derive(Serialize, ToSchema)]
pub struct ResetLinkView {
    pub user: UserView,
    /// The one-time link; shown only now (only its hash is kept).
    pub url: String,
    /// The same token in groups of four, to read out over the phone.
    pub code: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Make a one-time password reset link for an account, valid 24 hours: staff for producers
/// and buyers, administrators for staff too.
#[utoipa::path(post, path = "/users/{id}/password-reset", tag = "auth",
    params(("id" = i32, Path, description = "The account's id")),
    responses((status = 201, body = ResetLinkView),
              (status = 401, body = crate::error::ErrorBody, description = "`auth.required`"),
              (status = 403, body = crate::error::ErrorBody, description = "`auth.forbidden`"),
              (status = 404, body = crate::error::ErrorBody, description = "`not_found`")))]
pub async fn create_password_reset(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<impl IntoResponse> {
    let link = accounts::staff_reset_link(&state, &actor, id).await?;
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(ResetLinkView {
            user: UserView::from(&link.user),
            url: link.url,
            code: link.code,
            expires_at: link.expires_at,
        }),
    ))
}
