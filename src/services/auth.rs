//! Accounts and sessions: registration, sign-in with rate limiting, sign-out.
//!
//! Sessions live in the database (a restart or a second app instance keeps them); the
//! cookie carries a random token and the database keeps only its SHA-256. A session ends
//! at its absolute end or after a while unused, whichever comes first (shorter for staff).

use crate::context::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use super::{Actor, SignedIn, audit, throttle};
use crate::config::Config;
use crate::db::entities::{session, user};
use crate::domain::{Code, Invalid, Login, Password, Role, required_text};
use crate::error::{AppError, AppResult};

/// What a new account is made from.
pub struct NewAccount {
    pub login: Login,
    pub password: Password,
    pub full_name: String,
    pub role: Role,
}

impl NewAccount {
    /// Parses an account created for someone (by staff or the command line): any role.
    pub fn parse(
        login: &str,
        password: &str,
        full_name: &str,
        role: &str,
    ) -> Result<Self, Invalid> {
        Self::parse_with(
            login,
            password,
            full_name,
            role,
            |_| true,
            Code::RoleUnknown,
        )
    }

    /// Parses a self-service registration: only producers and buyers sign themselves up.
    pub fn parse_registration(
        login: &str,
        password: &str,
        full_name: &str,
        role: &str,
    ) -> Result<Self, Invalid> {
        Self::parse_with(
            login,
            password,
            full_name,
            role,
            |r| matches!(r, Role::Producer | Role::Buyer),
            Code::RoleSelfService,
        )
    }

    fn parse_with(
        login: &str,
        password: &str,
        full_name: &str,
        role: &str,
        allowed: fn(Role) -> bool,
        role_code: Code,
    ) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let login = errors.take(Login::parse(login));
        let password = errors.take(Password::parse(password));
        let full_name = errors.take(required_text(Some(full_name), "full_name", 2, 100));
        let role = Role::parse(role).filter(|r| allowed(*r)).or_else(|| {
            errors.push("role", role_code);
            None
        });
        match (login, password, full_name, role) {
            (Some(login), Some(password), Some(full_name), Some(role)) if errors.0.is_empty() => {
                Ok(NewAccount {
                    login,
                    password,
                    full_name,
                    role,
                })
            }
            _ => Err(errors),
        }
    }
}

pub(super) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

/// A random token for forms (CSRF) and similar one-off secrets.
pub fn new_secret() -> AppResult<String> {
    random_token()
}

/// Password hashes computed at once. Each Argon2id hash takes a core and 19 MiB for a
/// moment; a flood of sign-ins waits here instead of exhausting the machine.
static HASHERS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(
        std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
    )
});
/// How long a sign-in waits for a free hasher before it is asked to come back later.
const HASH_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs a password hash computation on a blocking thread, a few at a time.
async fn with_hasher<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _permit = tokio::time::timeout(HASH_QUEUE_WAIT, HASHERS.acquire())
        .await
        .map_err(|_| AppError::RateLimited {
            code: Code::AuthBusy,
            retry_after_secs: 5,
        })?
        .map_err(|e| anyhow::anyhow!("hashers closed: {e}"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing task failed: {e}")))
}

/// Argon2id hashing is deliberately slow; keep it off the async worker threads.
pub async fn hash_password(password: &Password) -> AppResult<String> {
    let password = password.expose().to_string();
    with_hasher(move || {
        let mut salt_bytes = [0u8; 16];
        getrandom::fill(&mut salt_bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
    .map_err(AppError::Internal)
}

/// Whether `password` matches `hash` (a malformed hash matches nothing).
pub async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    with_hasher(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
}

/// A real hash of a random password, verified against when the account does not exist so
/// that a wrong name and a wrong password take the same time.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn dummy_hash() -> AppResult<String> {
    DUMMY_HASH
        .get_or_try_init(|| async {
            let random = random_token()?;
            let password = Password::parse(&random).map_err(|e| anyhow::anyhow!("{e}"))?;
            hash_password(&password).await
        })
        .await
        .cloned()
}

/// Who opens an account.
#[derive(Clone, Copy, Debug)]
pub enum Opener<'a> {
    /// A person registering themselves: producer or buyer only.
    SelfService,
    /// The operator at the server's console (`ketnoi user create`, the demo loader).
    Console,
    /// A signed-in user opening an account for someone else: staff for producers and
    /// buyers, admins for anyone.
    User(&'a SignedIn),
}

pub async fn create_account(
    db: &DatabaseConnection,
    at: chrono::DateTime<chrono::Utc>,
    opener: Opener<'_>,
    account: NewAccount,
) -> AppResult<user::Model> {
    let allowed = match opener {
        Opener::SelfService => matches!(account.role, Role::Producer | Role::Buyer),
        Opener::Console => true,
        Opener::User(u) => {
            u.role == Role::Admin || (u.role == Role::Staff && !account.role.is_staff())
        }
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let actor = match opener {
        Opener::User(u) => Actor::User(u.clone()),
        _ => Actor::Visitor,
    };
    let (email, phone) = match &account.login {
        Login::Email(e) => (Some(e.as_str().to_string()), None),
        Login::Phone(p) => (None, Some(p.as_str().to_string())),
    };
    let password_hash = hash_password(&account.password).await?;
    let model = user::ActiveModel {
        email: Set(email),
        phone: Set(phone),
        password_hash: Set(password_hash),
        full_name: Set(account.full_name),
        role: Set(account.role),
        created_at: Set(at),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(crate::db::taken("login", Code::LoginTaken))?;
    audit::record(
        db,
        at,
        &actor,
        "user.create",
        "user",
        model.id,
        serde_json::json!({"role": model.role, "full_name": model.full_name}),
    )
    .await?;
    Ok(model)
}

/// The limits a sign-in attempt counts against: the name at this address (tight: a
/// person who mistypes is slowed, nobody elsewhere is), the address (one source trying many
/// names), and the name from anywhere (loose, so that nobody can lock a staff member out
/// from a few addresses, while a spread-out guess is still slowed).
fn sign_in_limits(config: &Config, login: &Login, ip: &str) -> Vec<throttle::Limit> {
    let n = config.login_attempts;
    let window = config.login_window;
    let name = login.key();
    vec![
        throttle::Limit::new(format!("signin:{name}@{ip}"), n, window),
        throttle::Limit::new(format!("signin-ip:{ip}"), n.saturating_mul(4), window),
        throttle::Limit::new(format!("signin:{name}"), n.saturating_mul(10), window),
    ]
}

/// Forgets the sign-in counters of one sign-in name (its password was just reset), at every
/// address and from anywhere, and nobody else's: `signin:{name}@` cannot start another
/// name's key, since a name holds at most one `@`.
pub(super) async fn clear_sign_in_limits(db: &impl ConnectionTrait, name: &str) -> AppResult<()> {
    throttle::clear(db, &format!("signin:{name}@")).await?;
    throttle::forget(db, &format!("signin:{name}")).await
}

/// Checks a sign-in and opens a session; returns the session token for the cookie.
///
/// The attempt is counted before the password is checked, so attempts sent in parallel
/// cannot all slip under the limit; a successful sign-in takes its count back.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    ip: &str,
) -> AppResult<(String, user::Model)> {
    let (db, config) = (&state.db, &*state.config);
    let login = Login::parse(login)?;
    let limits = sign_in_limits(config, &login, ip);
    throttle::check(db, Code::AuthRateLimited, &limits).await?;
    let found = user::Entity::find()
        .filter(match &login {
            Login::Email(e) => user::Column::Email.eq(e.as_str()),
            Login::Phone(p) => user::Column::Phone.eq(p.as_str()),
        })
        .one(db)
        .await?;
    let hash = match &found {
        Some(u) => u.password_hash.clone(),
        None => dummy_hash().await?,
    };
    let ok = verify_password(password.to_string(), hash).await?;
    let Some(user) = found.filter(|_| ok) else {
        return Err(AppError::WrongCredentials);
    };
    let keys: Vec<&str> = limits.iter().map(|l| l.key.as_str()).collect();
    throttle::refund(db, &keys).await?;
    let token = open_session(db, state.clock.now(), config, user.id).await?;
    let mut active: user::ActiveModel = user.clone().into();
    active.last_login_at = Set(Some(state.clock.now()));
    let user = active.update(db).await?;
    Ok((token, user))
}

/// Opens a session without a password check, right after registration or a reset.
pub async fn open_session(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    config: &Config,
    user_id: i32,
) -> AppResult<String> {
    let token = random_token()?;
    session::ActiveModel {
        id: Set(hash_token(&token)),
        user_id: Set(user_id),
        created_at: Set(at),
        expires_at: Set(at + config.session_ttl),
        last_used_at: Set(Some(at)),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// A session's last use is written at most this often, so reading a page is not a write.
/// The idle timeouts are hours long; a few minutes of slack do not matter.
pub const SESSION_TOUCH_INTERVAL: chrono::Duration = chrono::Duration::minutes(5);

pub async fn sign_out(state: &AppState, token: &str) -> AppResult<()> {
    let db = &state.db;
    session::Entity::delete_by_id(hash_token(token))
        .exec(db)
        .await?;
    Ok(())
}

/// The user behind a session token, if the session is still valid: not past its absolute
/// end, and used within the idle timeout of the user's role. A session that ended is
/// deleted; a live one has its last use recorded (at most every few minutes).
pub async fn session_user(state: &AppState, token: &str) -> AppResult<Option<SignedIn>> {
    let (db, config) = (&state.db, &*state.config);
    let Some(session) = session::Entity::find_by_id(hash_token(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let at = state.clock.now();
    let user = match user::Entity::find_by_id(session.user_id).one(db).await? {
        Some(u) => signed_in(&u),
        None => None,
    };
    let last_used = session.last_used_at.unwrap_or(session.created_at);
    let ended = session.expires_at < at
        || user
            .as_ref()
            .is_none_or(|u| last_used + config.idle_timeout(u.role) < at);
    if ended {
        session::Entity::delete_by_id(session.id).exec(db).await?;
        return Ok(None);
    }
    if at - last_used >= SESSION_TOUCH_INTERVAL {
        session::Entity::update_many()
            .col_expr(session::Column::LastUsedAt, Expr::value(Some(at)))
            .filter(session::Column::Id.eq(session.id))
            .exec(db)
            .await?;
    }
    Ok(user)
}

/// Deletes every session past its absolute end or unused for longer than its owner's
/// role allows. Returns how many went.
pub async fn delete_ended_sessions(
    db: &DatabaseConnection,
    at: chrono::DateTime<chrono::Utc>,
    config: &Config,
) -> AppResult<u64> {
    let unused_since = |cutoff: chrono::DateTime<chrono::Utc>| {
        Condition::any()
            .add(session::Column::LastUsedAt.lt(cutoff))
            .add(
                Condition::all()
                    .add(session::Column::LastUsedAt.is_null())
                    .add(session::Column::CreatedAt.lt(cutoff)),
            )
    };
    let staff = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::Role.is_in([Role::Staff, Role::Admin]))
        .to_owned();
    let gone = session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(session::Column::ExpiresAt.lt(at))
                .add(
                    Condition::all()
                        .add(session::Column::UserId.not_in_subquery(staff.clone()))
                        .add(unused_since(at - config.session_idle)),
                )
                .add(
                    Condition::all()
                        .add(session::Column::UserId.in_subquery(staff))
                        .add(unused_since(at - config.staff_session_idle)),
                ),
        )
        .exec(db)
        .await?;
    Ok(gone.rows_affected)
}

pub fn signed_in(u: &user::Model) -> Option<SignedIn> {
    Some(SignedIn {
        id: u.id,
        role: u.role,
        full_name: u.full_name.clone(),
        email: u.email.clone(),
        phone: u.phone.clone(),
    })
}

/// Finds an account by e-mail or phone, for staff linking a producer to an enterprise.
pub async fn find_by_login(
    db: &DatabaseConnection,
    login: &Login,
) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(match login {
            Login::Email(e) => user::Column::Email.eq(e.as_str()),
            Login::Phone(p) => user::Column::Phone.eq(p.as_str()),
        })
        .one(db)
        .await?)
}
