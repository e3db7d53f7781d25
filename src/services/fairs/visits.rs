//! Counting a fair's reach: a QR code followed or a page seen, once per browser, with
//! new browsers held back per address so that a script cannot inflate the numbers.

use crate::context::AppState;
use crate::db::entities::{fair, fair_hit, fair_visitor};
use crate::db::write_txn;
use crate::domain::Code;
use crate::error::{AppError, AppResult};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

crate::domain::string_enum! {
    /// A QR code followed, or a page seen with the fair attached.
    HitKind {
        Scan => "scan",
        Visit => "visit",
    }
}

/// How long a visitor token keeps pages and requests with its fair (its cookie's life too).
pub const VISITOR_TTL: chrono::Duration = chrono::Duration::days(7);

/// New visitor tokens one client address may get per window. A phone keeps its token, so
/// only a browser that drops its cookies (a script inflating the counts) needs more; a
/// hall's shared network still has room for many phones.
pub(super) const NEW_VISITORS_PER_ADDRESS: u32 = 20;

pub(super) const NEW_VISITOR_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

/// A page seen, as a page handler reports it.
#[derive(Clone, Debug, Default)]
pub struct Visit<'a> {
    /// The token in the browser's fair cookie, if it sent one.
    pub token: Option<&'a str>,
    /// The fair the link names (`?hoi-cho=…`, or the fair of a booth page).
    pub fair_slug: Option<&'a str>,
    /// Opened from a QR code (`qr=1`); counts as a scan only on a link that names its fair.
    pub scan: bool,
    pub exhibitor_id: Option<i32>,
    pub product_id: Option<i32>,
    /// What was seen (`product:12`, `booth:3`, `enterprise:5`): a token counts each once.
    pub page: String,
    pub client_ip: &'a str,
}

/// Who a visit is counted for: a visitor the database knows, or one given a token now.
pub(super) enum Holder {
    Known(i32),
    New(String),
}

pub(super) fn token_hash(token: &str) -> String {
    crate::media::sha256_hex(token.as_bytes())
}

/// The unexpired visitor a cookie's token belongs to. Anything else the cookie holds (an old
/// fair slug, a made-up value) belongs to no one.
pub(super) async fn visitor_of(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    token: &str,
) -> AppResult<Option<fair_visitor::Model>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(fair_visitor::Entity::find()
        .filter(fair_visitor::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
        .filter(|v| v.created_at + VISITOR_TTL > at))
}

/// Counts a QR scan or a page visit for the fair it belongs to: the fair the link names,
/// else the one of the browser's visitor token. A link that names a fair gives a browser
/// without a token for it a new one (a few per client address at a time); each token counts
/// a page once per kind, however often it is reloaded. Returns the token just issued, for
/// the cookie.
pub async fn count_visit(state: &AppState, visit: &Visit<'_>) -> AppResult<Option<String>> {
    let (db, at) = (&state.db, state.clock.now());
    let current = match visit.token {
        Some(token) => visitor_of(db, at, token).await?,
        None => None,
    };
    let named = match visit.fair_slug.filter(|s| !s.is_empty() && s.len() <= 200) {
        Some(slug) => id_of(db, slug).await?,
        None => None,
    };
    let (fair_id, visitor) = match (named, current) {
        (Some(fair_id), Some(v)) if v.fair_id == fair_id => (fair_id, Holder::Known(v.id)),
        (Some(fair_id), _) => {
            let limit = crate::services::throttle::Limit::new(
                format!("fair-visitor:{}", visit.client_ip),
                NEW_VISITORS_PER_ADDRESS,
                NEW_VISITOR_WINDOW,
            );
            match crate::services::throttle::check(db, Code::FairTooManyVisitors, &[limit]).await {
                Ok(()) => {}
                Err(AppError::RateLimited { .. }) => {
                    tracing::info!(
                        ip = visit.client_ip,
                        fair_id,
                        "fair visitor tokens limited; not counted"
                    );
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
            (fair_id, Holder::New(crate::services::auth::new_secret()?))
        }
        (None, Some(v)) => (v.fair_id, Holder::Known(v.id)),
        (None, None) => return Ok(None),
    };
    let kind = if visit.scan && named.is_some() {
        HitKind::Scan
    } else {
        HitKind::Visit
    };
    let txn = write_txn(db).await?;
    let (visitor_id, issued) = match visitor {
        Holder::Known(id) => (id, None),
        Holder::New(token) => {
            let id = fair_visitor::ActiveModel {
                fair_id: Set(fair_id),
                token_hash: Set(token_hash(&token)),
                created_at: Set(at),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id;
            (id, Some(token))
        }
    };
    fair_hit::Entity::insert(fair_hit::ActiveModel {
        fair_id: Set(fair_id),
        exhibitor_id: Set(visit.exhibitor_id),
        product_id: Set(visit.product_id),
        kind: Set(kind.as_str().into()),
        at: Set(at),
        visitor_id: Set(Some(visitor_id)),
        page: Set(Some(visit.page.clone())),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            fair_hit::Column::VisitorId,
            fair_hit::Column::Kind,
            fair_hit::Column::Page,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(issued)
}

/// The fair a browser's visitor token attributes its requests to: (id, slug).
pub async fn fair_of_visitor(state: &AppState, token: &str) -> AppResult<Option<(i32, String)>> {
    let db = &state.db;
    let Some(v) = visitor_of(db, state.clock.now(), token).await? else {
        return Ok(None);
    };
    Ok(fair::Entity::find_by_id(v.fair_id)
        .one(db)
        .await?
        .map(|f| (f.id, f.slug)))
}

/// The fair id behind a slug, for attribution.
pub async fn id_of(db: &impl ConnectionTrait, slug: &str) -> AppResult<Option<i32>> {
    Ok(fair::Entity::find()
        .filter(fair::Column::Slug.eq(slug))
        .one(db)
        .await?
        .map(|f| f.id))
}
