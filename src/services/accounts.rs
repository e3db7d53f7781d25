//! A person's own password and sessions: changing the password, signing out everywhere,
//! and one-time reset links, asked for by e-mail or made by staff for someone on the phone.
//!
//! A reset link carries a random token; the database keeps only its SHA-256, so a copy of
//! the database opens no account. Each account has at most one unused link at a time.

use crate::context::AppState;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use super::auth::{self, hash_token};
use super::{Actor, SignedIn, audit, throttle};
use crate::config::Config;
use crate::db::entities::{password_reset, session, user};
use crate::db::write_txn;
use crate::domain::{Code, Invalid, Login, Password, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};

/// The signed-in person and the ids of the enterprises they are a member of; a visitor is
/// asked to sign in.
pub async fn whoami<'a>(state: &AppState, actor: &'a Actor) -> AppResult<(&'a SignedIn, Vec<i32>)> {
    let db = &state.db;
    let me = actor.require_signed_in()?;
    Ok((
        me,
        crate::services::catalogue::memberships(db, me.id).await?,
    ))
}

/// How long a link sent by e-mail works.
pub const EMAIL_RESET_TTL: chrono::Duration = chrono::Duration::hours(1);
/// How long a link made by staff works: long enough to read it out and for the person to
/// find a quiet moment.
pub const STAFF_RESET_TTL: chrono::Duration = chrono::Duration::hours(24);
/// Reset e-mails one sign-in name may ask for in an hour (each one is a message in
/// somebody's inbox).
pub const RESET_REQUESTS_PER_LOGIN: u32 = 3;
/// Reset requests one address may send in an hour, whatever names it tries.
pub const RESET_REQUESTS_PER_ADDRESS: u32 = 10;

/// The code every unusable link answers with: expired, used, replaced or never made.
const INVALID_LINK: AppError = AppError::BadRequest(Code::PasswordResetInvalid);

fn renamed(err: Invalid, field: &'static str) -> Invalid {
    Invalid(
        err.0
            .into_iter()
            .map(|mut e| {
                e.field = field;
                e
            })
            .collect(),
    )
}

/// Changes the signed-in person's password after checking the current one; every other
/// session of theirs ends (this one, `session_token`, stays) and unused reset links die.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    session_token: Option<&str>,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let (db, config) = (&state.db, &*state.config);
    let me = actor.require_signed_in()?;
    let mut errors = Invalid::default();
    if current.is_empty() {
        errors.push("current_password", Code::PasswordCurrentRequired);
    }
    let new = errors.take(Password::parse(new).map_err(|e| renamed(e, "new_password")));
    let Some(new) = new.filter(|_| errors.0.is_empty()) else {
        return Err(errors.into());
    };
    // Counted before the check, like a sign-in: a stolen session cannot guess the password.
    let key = format!("password-change:{}", me.id);
    throttle::check(
        db,
        Code::AuthRateLimited,
        &[throttle::Limit::new(
            key.clone(),
            config.login_attempts,
            config.login_window,
        )],
    )
    .await?;
    let account = user::Entity::find_by_id(me.id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !auth::verify_password(current.to_string(), account.password_hash.clone()).await? {
        return Err(Invalid::one("current_password", Code::PasswordCurrentWrong).into());
    }
    throttle::refund(db, &[key.as_str()]).await?;
    let password_hash = auth::hash_password(&new).await?;
    let txn = write_txn(db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .filter(user::Column::Id.eq(me.id))
        .exec(&txn)
        .await?;
    let mut others = session::Entity::delete_many().filter(session::Column::UserId.eq(me.id));
    if let Some(token) = session_token {
        others = others.filter(session::Column::Id.ne(hash_token(token)));
    }
    let ended = others.exec(&txn).await?.rows_affected;
    drop_unused_links(&txn, me.id).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "user.password_change",
        "user",
        me.id,
        serde_json::json!({"sessions_ended": ended}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every session of the signed-in person, this one included. Returns how many.
pub async fn sign_out_everywhere(state: &AppState, actor: &Actor) -> AppResult<u64> {
    let db = &state.db;
    let me = actor.require_signed_in()?;
    let txn = write_txn(db).await?;
    let ended = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(me.id))
        .exec(&txn)
        .await?
        .rows_affected;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "user.sign_out_all",
        "user",
        me.id,
        serde_json::json!({"sessions_ended": ended}),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// A staff member opens an account for someone else: a producer or buyer (staff), or any
/// role (admins).
pub async fn open_account_for(
    state: &AppState,
    actor: &Actor,
    login: &str,
    password: &str,
    full_name: &str,
    role: &str,
) -> AppResult<user::Model> {
    let db = &state.db;
    let me = actor.require_staff()?;
    let account = auth::NewAccount::parse(login, password, full_name, role)?;
    auth::create_account(db, state.clock.now(), auth::Opener::User(me), account).await
}

/// Registrations allowed from one address in [`Config::login_window`]: enough for a commune
/// hall where a whole class of producers signs up behind one connection, too few to learn
/// which of a list of phone numbers already have accounts (a taken name answers
/// `login.taken`, so that a producer who forgot they registered is told so; the owner of a
/// taken e-mail address is told by mail).
fn registration_limit(config: &Config, ip: &str) -> throttle::Limit {
    throttle::Limit::new(
        format!("register-ip:{ip}"),
        config.login_attempts.saturating_mul(2),
        config.login_window,
    )
}

/// A person opens their own account (producer or buyer) from `ip`, and is signed in:
/// returns the account and the session token for the cookie.
pub async fn register(
    state: &AppState,
    account: auth::NewAccount,
    ip: &str,
) -> AppResult<(user::Model, String)> {
    let (db, config) = (&state.db, &*state.config);
    throttle::check(
        db,
        Code::RegisterRateLimited,
        &[registration_limit(config, ip)],
    )
    .await?;
    let login = account.login.clone();
    let user = match auth::create_account(db, state.clock.now(), auth::Opener::SelfService, account)
        .await
    {
        Err(AppError::Conflict {
            code: Code::LoginTaken,
            ..
        }) => {
            tell_owner_of_registration(state, &login).await?;
            return Err(AppError::conflict("login", Code::LoginTaken));
        }
        other => other?,
    };
    let token = auth::open_session(db, state.clock.now(), config, user.id).await?;
    Ok((user, token))
}

/// Someone tried to open a new account with the e-mail address of an existing one: its
/// owner is told (once a day at most, so that nobody can flood a mailbox through the form)
/// and shown the way back in, in case it was them.
async fn tell_owner_of_registration(state: &AppState, login: &Login) -> AppResult<()> {
    let (db, config) = (&state.db, &*state.config);
    let Login::Email(address) = login else {
        return Ok(());
    };
    let once_a_day = throttle::Limit::new(
        format!("register-notice:{}", login.key()),
        1,
        chrono::Duration::days(1),
    );
    match throttle::check(db, Code::RegisterRateLimited, &[once_a_day]).await {
        Err(AppError::RateLimited { .. }) => return Ok(()),
        other => other?,
    }
    let Some(account) = auth::find_by_login(db, login).await? else {
        return Ok(());
    };
    let base = config.base_url();
    let body = format!(
        "{} {},\n\n{}\n\n{base}/dang-nhap\n{base}/quen-mat-khau\n\n{}\n\n-- \n{}\n",
        t(Lang::Vi, "mail.greeting"),
        account.full_name,
        t(Lang::Vi, "register.mail_intro"),
        t(Lang::Vi, "register.mail_ignore"),
        t(Lang::Vi, "site.footer"),
    );
    super::notify::queue_mail(
        db,
        state.clock.now(),
        address.as_str().to_string(),
        format!("[ketnoi] {}", t(Lang::Vi, "register.mail_subject")),
        body,
    )
    .await
}

/// Someone forgot their password and typed a sign-in name. When an account with that name
/// has an e-mail address, a link is queued to it; either way the caller learns nothing
/// (whether the account exists, whether it has an address), so the answer to show is
/// always the same. Requests are counted per address and per name before anything else.
pub async fn request_reset(state: &AppState, login: &str, client_ip: &str) -> AppResult<()> {
    let (db, config) = (&state.db, &*state.config);
    let login = Login::parse(login)?;
    throttle::check(
        db,
        Code::PasswordResetRateLimited,
        &[
            throttle::Limit::new(
                format!("password-reset-ip:{client_ip}"),
                RESET_REQUESTS_PER_ADDRESS,
                chrono::Duration::hours(1),
            ),
            throttle::Limit::new(
                format!("password-reset:{}", login.key()),
                RESET_REQUESTS_PER_LOGIN,
                chrono::Duration::hours(1),
            ),
        ],
    )
    .await?;
    let Some(account) = auth::find_by_login(db, &login).await? else {
        return Ok(());
    };
    let Some(address) = account.email.clone() else {
        // Phone only: the page tells everyone alike that the centre can reset it.
        return Ok(());
    };
    let token = auth::new_secret()?;
    let at = state.clock.now();
    let expires_at = at + EMAIL_RESET_TTL;
    let txn = write_txn(db).await?;
    store_link(&txn, account.id, &token, at, expires_at, None).await?;
    let link = reset_url(config, &token);
    let body = format!(
        "{} {},\n\n{}\n\n{link}\n\n{}\n\n-- \n{}\n",
        t(Lang::Vi, "mail.greeting"),
        account.full_name,
        t(Lang::Vi, "password_reset.mail_intro"),
        t(Lang::Vi, "password_reset.mail_ignore"),
        t(Lang::Vi, "site.footer"),
    );
    super::notify::queue_mail(
        &txn,
        state.clock.now(),
        address,
        format!("[ketnoi] {}", t(Lang::Vi, "password_reset.mail_subject")),
        body,
    )
    .await?;
    audit::record(
        &txn,
        state.clock.now(),
        &Actor::Visitor,
        "user.password_reset_request",
        "user",
        account.id,
        serde_json::json!({"expires_at": expires_at}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether a staff member in `actor` may make a reset link for an account in `target`:
/// staff for producers and buyers, administrators for staff too; nobody for an
/// administrator (another administrator's account is not something to open by phone).
pub fn may_reset(actor: Role, target: Role) -> bool {
    match actor {
        Role::Admin => target != Role::Admin,
        Role::Staff => !target.is_staff(),
        Role::Producer | Role::Buyer => false,
    }
}

/// Staff and administrators help people with their accounts; nobody else does.
pub fn require_helper(actor: &Actor) -> AppResult<&SignedIn> {
    let me = actor.require_signed_in()?;
    if me.role.is_staff() {
        Ok(me)
    } else {
        Err(AppError::Forbidden)
    }
}

/// An account as staff see it when they look someone up to help them.
#[derive(Clone, Debug)]
pub struct AccountSummary {
    pub user: user::Model,
    /// Whether the one looking may make a reset link for it.
    pub may_reset: bool,
}

/// Finds an account by e-mail address or phone number, for staff helping someone.
pub async fn find_account(
    state: &AppState,
    actor: &Actor,
    query: &str,
) -> AppResult<Option<AccountSummary>> {
    let db = &state.db;
    let me = require_helper(actor)?;
    let login = Login::parse(query)?;
    Ok(auth::find_by_login(db, &login).await?.map(|u| {
        let target = Some(u.role);
        AccountSummary {
            may_reset: target.is_some_and(|r| may_reset(me.role, r)),
            user: u,
        }
    }))
}

/// A reset link just made, shown once: only its hash is kept.
#[derive(Clone, Debug)]
pub struct ResetLink {
    pub user: user::Model,
    pub url: String,
    /// The token in groups of four, to read out over the phone and type at
    /// `/dat-lai-mat-khau`.
    pub code: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Staff make a one-time reset link for someone who called (no e-mail address, or no
/// access to it). Replaces any unused link of that account.
pub async fn staff_reset_link(
    state: &AppState,
    actor: &Actor,
    user_id: i32,
) -> AppResult<ResetLink> {
    let (db, config) = (&state.db, &*state.config);
    let me = require_helper(actor)?;
    let target = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = may_reset(me.role, target.role);
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let token = auth::new_secret()?;
    let at = state.clock.now();
    let expires_at = at + STAFF_RESET_TTL;
    let txn = write_txn(db).await?;
    store_link(&txn, target.id, &token, at, expires_at, Some(me.id)).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "user.password_reset_link",
        "user",
        target.id,
        serde_json::json!({"expires_at": expires_at}),
    )
    .await?;
    txn.commit().await?;
    Ok(ResetLink {
        url: reset_url(config, &token),
        code: group_code(&token),
        user: target,
        expires_at,
    })
}

/// Whether a reset token (as in the link, or the code typed with spaces) still works.
pub async fn check_reset_token(state: &AppState, token: &str) -> AppResult<()> {
    let db = &state.db;
    live_link(db, state.clock.now(), token).await.map(|_| ())
}

/// Sets a new password with a reset token: the token is used up, every session of the
/// account ends, its sign-in limits are forgotten, and a fresh session opens (its token is
/// returned for the cookie). The browser's previous session, whoever's it was, ends too.
pub async fn complete_reset(
    state: &AppState,
    token: &str,
    new_password: &str,
    previous_session: Option<&str>,
) -> AppResult<(String, user::Model)> {
    let (db, config) = (&state.db, &*state.config);
    let link = live_link(db, state.clock.now(), token).await?;
    let new = Password::parse(new_password).map_err(|e| renamed(e, "new_password"))?;
    let password_hash = auth::hash_password(&new).await?;
    let at = state.clock.now();
    let txn = write_txn(db).await?;
    // Used up in one statement: two tabs sending the same link cannot both get through.
    let taken = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(at)))
        .filter(password_reset::Column::Id.eq(link.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(at))
        .exec(&txn)
        .await?
        .rows_affected;
    if taken != 1 {
        return Err(INVALID_LINK);
    }
    let account = user::Entity::find_by_id(link.user_id)
        .one(&txn)
        .await?
        .ok_or(INVALID_LINK)?;
    let mut active: user::ActiveModel = account.into();
    active.password_hash = Set(password_hash);
    active.last_login_at = Set(Some(at));
    let account = active.update(&txn).await?;
    let ended = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(account.id))
        .exec(&txn)
        .await?
        .rows_affected;
    if let Some(previous) = previous_session {
        session::Entity::delete_by_id(hash_token(previous))
            .exec(&txn)
            .await?;
    }
    drop_unused_links(&txn, account.id).await?;
    for name in [account.email.as_deref(), account.phone.as_deref()]
        .into_iter()
        .flatten()
    {
        auth::clear_sign_in_limits(&txn, name).await?;
    }
    let person = auth::signed_in(&account).map_or(Actor::Visitor, Actor::User);
    audit::record(
        &txn,
        state.clock.now(),
        &person,
        "user.password_reset",
        "user",
        account.id,
        serde_json::json!({"sessions_ended": ended, "link_by": link.created_by}),
    )
    .await?;
    let session = auth::open_session(&txn, state.clock.now(), config, account.id).await?;
    txn.commit().await?;
    Ok((session, account))
}

/// Removes links that can no longer be used (used or expired). Returns how many went.
pub async fn prune_reset_links(
    db: &DatabaseConnection,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    Ok(password_reset::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(password_reset::Column::UsedAt.is_not_null())
                .add(password_reset::Column::ExpiresAt.lt(at)),
        )
        .exec(db)
        .await?
        .rows_affected)
}

/// The token as typed: spaces and dashes between groups dropped, any case.
fn normalise_token(input: &str) -> Option<String> {
    let token: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit())).then_some(token)
}

fn group_code(token: &str) -> String {
    token
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn reset_url(config: &Config, token: &str) -> String {
    format!("{}/dat-lai-mat-khau?token={token}", config.base_url())
}

async fn live_link(
    db: &DatabaseConnection,
    at: chrono::DateTime<chrono::Utc>,
    token: &str,
) -> AppResult<password_reset::Model> {
    let token = normalise_token(token).ok_or(INVALID_LINK)?;
    password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(hash_token(&token)))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(at))
        .one(db)
        .await?
        .ok_or(INVALID_LINK)
}

/// A new link for an account, replacing its unused ones.
async fn store_link(
    db: &impl ConnectionTrait,
    user_id: i32,
    token: &str,
    created_at: chrono::DateTime<chrono::Utc>,
    expires_at: chrono::DateTime<chrono::Utc>,
    created_by: Option<i32>,
) -> AppResult<()> {
    drop_unused_links(db, user_id).await?;
    password_reset::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(hash_token(token)),
        created_at: Set(created_at),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_by: Set(created_by),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn drop_unused_links(db: &impl ConnectionTrait, user_id: i32) -> AppResult<()> {
    password_reset::Entity::delete_many()
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_read_out_in_groups_is_the_token() {
        let token = "0123456789abcdef".repeat(4);
        let code = group_code(&token);
        assert_eq!(code.split(' ').count(), 16);
        assert_eq!(normalise_token(&code).as_deref(), Some(token.as_str()));
        assert_eq!(
            normalise_token(&code.to_uppercase().replace(' ', "-")).as_deref(),
            Some(token.as_str())
        );
        assert_eq!(normalise_token("abc"), None);
        assert_eq!(normalise_token(&"g".repeat(64)), None);
    }

    #[test]
    fn who_may_reset_whom() {
        use Role::*;
        let allowed: Vec<(Role, Role)> = [Producer, Buyer, Staff, Admin]
            .into_iter()
            .flat_map(|a| [Producer, Buyer, Staff, Admin].map(|t| (a, t)))
            .filter(|(a, t)| may_reset(*a, *t))
            .collect();
        assert_eq!(
            allowed,
            [
                (Staff, Producer),
                (Staff, Buyer),
                (Admin, Producer),
                (Admin, Buyer),
                (Admin, Staff)
            ]
        );
    }
}
