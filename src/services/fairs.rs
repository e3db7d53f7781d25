//! Trade fairs: staff set up a fair, its exhibitors at their booths and the products each
//! shows; visitors find them on the fair's pages and by QR codes; staff and exhibitors turn a
//! buyer's interest at the booth into a market-linkage request for the desk; and the fair's
//! results are counted from scans, visits, leads and deals.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::catalogue::{self, ProductView};
use super::requests::{self, LinkRef, RequestSource, RequestView, Submission};
use super::{Actor, audit, now, unique_violation, write_txn};
use crate::context::AppState;
use crate::db::entities::{
    enterprise, enterprise_member, fair, fair_exhibitor, fair_hit, fair_product, fair_visitor,
    request,
};
use crate::domain::fair::parse_booth;
use crate::domain::{FairFields, FairInput, FairStatus, Invalid, Num, RequestInput, text};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExhibitorView {
    pub id: i32,
    pub booth: String,
    pub enterprise: LinkRef,
    pub place: String,
    /// The exhibitor's page at this fair (what its booth QR code opens).
    pub url: String,
    pub products: Vec<ProductView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FairView {
    pub id: i32,
    pub slug: String,
    pub url: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub province_code: i32,
    pub province: Option<String>,
    pub organiser: String,
    pub status: FairStatus,
    pub description: String,
    /// By booth.
    pub exhibitors: Vec<ExhibitorView>,
}

impl FairView {
    pub fn exhibitor(&self, booth: &str) -> Option<&ExhibitorView> {
        self.exhibitors.iter().find(|e| e.booth == booth)
    }

    pub fn product(&self, id: i32) -> Option<(&ExhibitorView, &ProductView)> {
        self.exhibitors
            .iter()
            .find_map(|e| e.products.iter().find(|p| p.id == id).map(|p| (e, p)))
    }

    pub fn product_count(&self) -> usize {
        self.exhibitors.iter().map(|e| e.products.len()).sum()
    }
}

/// `A2` before `A10`: booths sort as people read them.
fn booth_key(booth: &str) -> (String, u32, String) {
    let letters: String = booth.chars().take_while(|c| !c.is_ascii_digit()).collect();
    let rest = &booth[letters.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (
        letters,
        digits.parse().unwrap_or(0),
        rest[digits.len()..].to_string(),
    )
}

/// How a page or the API names a fair.
#[derive(Clone, Copy, Debug)]
pub enum FairKey<'a> {
    Id(i32),
    Slug(&'a str),
}

async fn load(db: &impl ConnectionTrait, key: FairKey<'_>) -> AppResult<fair::Model> {
    fair::Entity::find()
        .filter(match key {
            FairKey::Id(id) => fair::Column::Id.eq(id),
            FairKey::Slug(slug) => fair::Column::Slug.eq(slug),
        })
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A fair with its exhibitors by booth and the published products each shows.
pub async fn get(state: &AppState, key: FairKey<'_>) -> AppResult<FairView> {
    let db = &state.db;
    let f = load(db, key).await?;
    let exhibitors = fair_exhibitor::Entity::find()
        .filter(fair_exhibitor::Column::FairId.eq(f.id))
        .all(db)
        .await?;
    let ids: Vec<i32> = exhibitors.iter().map(|e| e.id).collect();
    let links = fair_product::Entity::find()
        .filter(fair_product::Column::ExhibitorId.is_in(ids))
        .order_by_asc(fair_product::Column::Id)
        .all(db)
        .await?;
    let product_ids: Vec<i32> = links.iter().map(|l| l.product_id).collect();
    let products: HashMap<i32, ProductView> =
        catalogue::published_views(db, &state.reference, &product_ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let enterprises = crate::services::requests::by_id!(
        db,
        enterprise,
        exhibitors
            .iter()
            .map(|e| e.enterprise_id)
            .collect::<Vec<_>>()
    );
    let mut views: Vec<ExhibitorView> = exhibitors
        .iter()
        .filter_map(|x| {
            let e = enterprises.get(&x.enterprise_id)?;
            Some(ExhibitorView {
                id: x.id,
                booth: x.booth.clone(),
                enterprise: LinkRef::enterprise(e),
                place: state.reference.place_name(e.commune_code),
                url: format!("/hoi-cho/{}/gian/{}", f.slug, x.booth),
                products: links
                    .iter()
                    .filter(|l| l.exhibitor_id == x.id)
                    .filter_map(|l| products.get(&l.product_id).cloned())
                    .collect(),
            })
        })
        .collect();
    views.sort_by_key(|e| booth_key(&e.booth));
    Ok(FairView {
        id: f.id,
        url: format!("/hoi-cho/{}", f.slug),
        slug: f.slug,
        name: f.name,
        starts_on: f.starts_on,
        ends_on: f.ends_on,
        venue: f.venue,
        province_code: f.province_code,
        province: state
            .reference
            .province(f.province_code)
            .map(|p| p.name.clone()),
        organiser: f.organiser,
        status: FairStatus::parse(&f.status).unwrap_or(FairStatus::Planned),
        description: f.description,
        exhibitors: views,
    })
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FairSummary {
    pub id: i32,
    pub slug: String,
    pub url: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub province: Option<String>,
    pub status: FairStatus,
}

/// Every fair, the latest first.
pub async fn list(state: &AppState) -> AppResult<Vec<FairSummary>> {
    Ok(fair::Entity::find()
        .order_by_desc(fair::Column::StartsOn)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|f| FairSummary {
            id: f.id,
            url: format!("/hoi-cho/{}", f.slug),
            province: state
                .reference
                .province(f.province_code)
                .map(|p| p.name.clone()),
            slug: f.slug,
            name: f.name,
            starts_on: f.starts_on,
            ends_on: f.ends_on,
            venue: f.venue,
            status: FairStatus::parse(&f.status).unwrap_or(FairStatus::Planned),
        })
        .collect())
}

fn check_province(state: &AppState, fields: &FairFields) -> AppResult<()> {
    if state.reference.province(fields.province_code).is_none() {
        return Err(Invalid::one("province_code", "request.province_unknown").into());
    }
    Ok(())
}

/// Creates a fair (staff).
pub async fn create(state: &AppState, actor: &Actor, input: &FairInput) -> AppResult<FairView> {
    actor.require_staff()?;
    let fields = FairFields::parse(input)?;
    check_province(state, &fields)?;
    let txn = write_txn(&state.db).await?;
    let base = text::slugify(&fields.name);
    let mut slug = base.clone();
    let mut n = 1;
    while fair::Entity::find()
        .filter(fair::Column::Slug.eq(slug.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        n += 1;
        slug = format!("{base}-{n}");
    }
    let at = now();
    let row = fair::ActiveModel {
        slug: Set(slug),
        name: Set(fields.name),
        starts_on: Set(fields.starts_on),
        ends_on: Set(fields.ends_on),
        venue: Set(fields.venue),
        province_code: Set(fields.province_code),
        organiser: Set(fields.organiser),
        status: Set(fields.status.as_str().into()),
        description: Set(fields.description),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "fair.create",
        "fair",
        row.id,
        serde_json::json!({"name": row.name}),
    )
    .await?;
    txn.commit().await?;
    get(state, FairKey::Id(row.id)).await
}

/// Changes a fair (staff): fields left out keep their value.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i32,
    input: &FairInput,
) -> AppResult<FairView> {
    actor.require_staff()?;
    let current = load(&state.db, FairKey::Id(id)).await?;
    let merged = FairInput {
        name: input.name.clone().or(Some(current.name.clone())),
        starts_on: input
            .starts_on
            .clone()
            .or(Some(current.starts_on.to_string())),
        ends_on: input.ends_on.clone().or(Some(current.ends_on.to_string())),
        venue: input.venue.clone().or(Some(current.venue.clone())),
        province_code: input.province_code.or(Some(current.province_code)),
        organiser: input.organiser.clone().or(Some(current.organiser.clone())),
        status: input.status.clone().or(Some(current.status.clone())),
        description: input
            .description
            .clone()
            .or(Some(current.description.clone())),
    };
    let fields = FairFields::parse(&merged)?;
    check_province(state, &fields)?;
    let txn = write_txn(&state.db).await?;
    let mut active: fair::ActiveModel = current.into();
    active.name = Set(fields.name);
    active.starts_on = Set(fields.starts_on);
    active.ends_on = Set(fields.ends_on);
    active.venue = Set(fields.venue);
    active.province_code = Set(fields.province_code);
    active.organiser = Set(fields.organiser);
    active.status = Set(fields.status.as_str().into());
    active.description = Set(fields.description);
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "fair.update",
        "fair",
        id,
        serde_json::to_value(input).unwrap_or_default(),
    )
    .await?;
    txn.commit().await?;
    get(state, FairKey::Id(id)).await
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ExhibitorInput {
    pub enterprise_id: Option<i32>,
    /// `A12`: letters, digits and dashes.
    pub booth: Option<String>,
    /// Published products of the enterprise shown at the booth; all of them when left out.
    pub product_ids: Option<Vec<i32>>,
}

/// The published products of an enterprise among `wanted` (all when `None`).
async fn products_of(
    db: &impl ConnectionTrait,
    enterprise_id: i32,
    wanted: Option<&[i32]>,
) -> AppResult<Vec<i32>> {
    let published: Vec<i32> = crate::db::entities::product::Entity::find()
        .filter(crate::db::entities::product::Column::EnterpriseId.eq(enterprise_id))
        .filter(crate::db::entities::product::Column::Status.eq("published"))
        .order_by_asc(crate::db::entities::product::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    match wanted {
        None => Ok(published),
        Some(ids) => {
            if ids.iter().any(|id| !published.contains(id)) {
                return Err(Invalid::one("product_ids", "fair.product_not_shown").into());
            }
            Ok(ids.to_vec())
        }
    }
}

async fn set_products(
    db: &impl ConnectionTrait,
    exhibitor_id: i32,
    product_ids: &[i32],
) -> AppResult<()> {
    fair_product::Entity::delete_many()
        .filter(fair_product::Column::ExhibitorId.eq(exhibitor_id))
        .exec(db)
        .await?;
    for pid in product_ids {
        fair_product::ActiveModel {
            exhibitor_id: Set(exhibitor_id),
            product_id: Set(*pid),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Adds an exhibitor at a booth with the products it shows (staff).
pub async fn add_exhibitor(
    state: &AppState,
    actor: &Actor,
    fair_id: i32,
    input: &ExhibitorInput,
) -> AppResult<FairView> {
    actor.require_staff()?;
    let mut errors = Invalid::default();
    let booth = errors.take(parse_booth(input.booth.as_deref()));
    if input.enterprise_id.is_none() {
        errors.push("enterprise_id", "request.enterprise_unknown");
    }
    if !errors.0.is_empty() {
        return Err(errors.into());
    }
    let (booth, enterprise_id) = (
        booth.unwrap_or_default(),
        input.enterprise_id.unwrap_or_default(),
    );
    let txn = write_txn(&state.db).await?;
    load(&txn, FairKey::Id(fair_id)).await?;
    if enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(Invalid::one("enterprise_id", "request.enterprise_unknown").into());
    }
    let products = products_of(&txn, enterprise_id, input.product_ids.as_deref()).await?;
    let taken = fair_exhibitor::Entity::find()
        .filter(fair_exhibitor::Column::FairId.eq(fair_id))
        .all(&txn)
        .await?;
    if taken.iter().any(|x| x.booth == booth) {
        return Err(AppError::conflict("booth", "fair.booth_taken"));
    }
    if taken.iter().any(|x| x.enterprise_id == enterprise_id) {
        return Err(AppError::conflict(
            "enterprise_id",
            "fair.already_exhibiting",
        ));
    }
    let row = fair_exhibitor::ActiveModel {
        fair_id: Set(fair_id),
        enterprise_id: Set(enterprise_id),
        booth: Set(booth.clone()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if unique_violation(&e) {
            AppError::conflict("booth", "fair.booth_taken")
        } else {
            e.into()
        }
    })?;
    set_products(&txn, row.id, &products).await?;
    audit::record(
        &txn,
        actor,
        "fair.exhibitor_add",
        "fair",
        fair_id,
        serde_json::json!({"enterprise_id": enterprise_id, "booth": booth, "products": products}),
    )
    .await?;
    txn.commit().await?;
    get(state, FairKey::Id(fair_id)).await
}

/// An exhibitor of this fair, or `NotFound`.
async fn exhibitor_of(
    db: &impl ConnectionTrait,
    fair_id: i32,
    exhibitor_id: i32,
) -> AppResult<fair_exhibitor::Model> {
    fair_exhibitor::Entity::find_by_id(exhibitor_id)
        .one(db)
        .await?
        .filter(|x| x.fair_id == fair_id)
        .ok_or(AppError::NotFound)
}

/// Moves an exhibitor to another booth and/or changes the products it shows (staff).
pub async fn update_exhibitor(
    state: &AppState,
    actor: &Actor,
    fair_id: i32,
    exhibitor_id: i32,
    input: &ExhibitorInput,
) -> AppResult<FairView> {
    actor.require_staff()?;
    let txn = write_txn(&state.db).await?;
    let x = exhibitor_of(&txn, fair_id, exhibitor_id).await?;
    if let Some(b) = input.booth.as_deref() {
        let booth = parse_booth(Some(b))?;
        if booth != x.booth {
            let clash = fair_exhibitor::Entity::find()
                .filter(fair_exhibitor::Column::FairId.eq(fair_id))
                .filter(fair_exhibitor::Column::Booth.eq(booth.as_str()))
                .one(&txn)
                .await?;
            if clash.is_some() {
                return Err(AppError::conflict("booth", "fair.booth_taken"));
            }
            let mut active: fair_exhibitor::ActiveModel = x.clone().into();
            active.booth = Set(booth);
            active.update(&txn).await?;
        }
    }
    if let Some(ids) = &input.product_ids {
        let products = products_of(&txn, x.enterprise_id, Some(ids)).await?;
        set_products(&txn, x.id, &products).await?;
    }
    audit::record(&txn, actor, "fair.exhibitor_update", "fair", fair_id, serde_json::json!({"exhibitor_id": exhibitor_id, "booth": input.booth, "products": input.product_ids})).await?;
    txn.commit().await?;
    get(state, FairKey::Id(fair_id)).await
}

/// Takes an exhibitor off the fair (staff).
pub async fn remove_exhibitor(
    state: &AppState,
    actor: &Actor,
    fair_id: i32,
    exhibitor_id: i32,
) -> AppResult<FairView> {
    actor.require_staff()?;
    let txn = write_txn(&state.db).await?;
    let x = exhibitor_of(&txn, fair_id, exhibitor_id).await?;
    fair_exhibitor::Entity::delete_by_id(x.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "fair.exhibitor_remove",
        "fair",
        fair_id,
        serde_json::json!({"exhibitor_id": exhibitor_id, "booth": x.booth}),
    )
    .await?;
    txn.commit().await?;
    get(state, FairKey::Id(fair_id)).await
}

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
const NEW_VISITORS_PER_ADDRESS: u32 = 20;
const NEW_VISITOR_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

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
enum Holder {
    Known(i32),
    New(String),
}

fn token_hash(token: &str) -> String {
    crate::media::sha256_hex(token.as_bytes())
}

/// The unexpired visitor a cookie's token belongs to. Anything else the cookie holds (an old
/// fair slug, a made-up value) belongs to no one.
async fn visitor_of(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Option<fair_visitor::Model>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(fair_visitor::Entity::find()
        .filter(fair_visitor::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
        .filter(|v| v.created_at + VISITOR_TTL > now()))
}

/// Counts a QR scan or a page visit for the fair it belongs to: the fair the link names,
/// else the one of the browser's visitor token. A link that names a fair gives a browser
/// without a token for it a new one (a few per client address at a time); each token counts
/// a page once per kind, however often it is reloaded. Returns the token just issued, for
/// the cookie.
pub async fn count_visit(
    db: &sea_orm::DatabaseConnection,
    visit: &Visit<'_>,
) -> AppResult<Option<String>> {
    let current = match visit.token {
        Some(token) => visitor_of(db, token).await?,
        None => None,
    };
    let named = match visit.fair_slug.filter(|s| !s.is_empty() && s.len() <= 200) {
        Some(slug) => id_of(db, slug).await?,
        None => None,
    };
    let (fair_id, visitor) = match (named, current) {
        (Some(fair_id), Some(v)) if v.fair_id == fair_id => (fair_id, Holder::Known(v.id)),
        (Some(fair_id), _) => {
            let limit = super::throttle::Limit::new(
                format!("fair-visitor:{}", visit.client_ip),
                NEW_VISITORS_PER_ADDRESS,
                NEW_VISITOR_WINDOW,
            );
            match super::throttle::check(db, "fair.too_many_visitors", &[limit]).await {
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
                created_at: Set(now()),
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
        at: Set(now()),
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
pub async fn fair_of_visitor(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Option<(i32, String)>> {
    let Some(v) = visitor_of(db, token).await? else {
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

/// Whether the actor may capture leads for this booth: staff for any, members of the
/// exhibiting enterprise for their own.
pub async fn may_capture(
    db: &impl ConnectionTrait,
    actor: &Actor,
    exhibitor: &ExhibitorView,
) -> AppResult<bool> {
    match actor {
        Actor::Visitor => Ok(false),
        a if a.is_staff() => Ok(true),
        Actor::User(u) => Ok(enterprise_member::Entity::find_by_id((
            exhibitor.enterprise.id,
            u.id,
        ))
        .one(db)
        .await?
        .is_some()),
    }
}

/// The booths the actor may capture leads for.
pub async fn capturable<'a>(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    fair: &'a FairView,
) -> AppResult<Vec<&'a ExhibitorView>> {
    let mine = match actor {
        Actor::Visitor => return Ok(Vec::new()),
        a if a.is_staff() => return Ok(fair.exhibitors.iter().collect()),
        Actor::User(u) => catalogue::memberships(db, u.id).await?,
    };
    Ok(fair
        .exhibitors
        .iter()
        .filter(|x| mine.contains(&x.enterprise.id))
        .collect())
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct LeadInput {
    /// The booth where the buyer stopped.
    pub booth: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub organisation: Option<String>,
    /// Products of that booth the buyer is interested in.
    pub product_ids: Vec<i32>,
    #[schema(value_type = Option<i64>)]
    pub quantity: Option<Num>,
    pub unit: Option<String>,
    pub note: Option<String>,
}

/// Turns a buyer's interest at a booth into a market-linkage request on the desk, tagged
/// with the fair. The same `key` (each lead's own, made on the phone) returns the same
/// request, however often an offline phone sends it.
pub async fn capture_lead(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    fair_id: i32,
    input: &LeadInput,
    key: Option<String>,
) -> AppResult<(RequestView, bool)> {
    if matches!(actor, Actor::Visitor) {
        return Err(AppError::Unauthenticated);
    }
    let fair = get(state, FairKey::Id(fair_id)).await?;
    let booth = parse_booth(input.booth.as_deref())?;
    let exhibitor = fair
        .exhibitor(&booth)
        .ok_or_else(|| Invalid::one("booth", "fair.booth_unknown"))?;
    if !may_capture(&state.db, actor, exhibitor).await? {
        return Err(AppError::Forbidden);
    }
    let chosen: Vec<&ProductView> = input
        .product_ids
        .iter()
        .map(|id| {
            exhibitor
                .products
                .iter()
                .find(|p| p.id == *id)
                .ok_or_else(|| Invalid::one("product_ids", "fair.product_not_shown"))
        })
        .collect::<Result<_, _>>()?;
    let names = chosen
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut title = format!(
        "{} {}: {}",
        t(Lang::Vi, "fair.lead_title"),
        fair.name,
        if names.is_empty() {
            exhibitor.enterprise.name.as_str()
        } else {
            names.as_str()
        }
    );
    if title.chars().count() > 200 {
        title = title.chars().take(199).collect::<String>() + "…";
    }
    let note = input.note.clone().filter(|n| !n.trim().is_empty());
    let description = format!(
        "{} {} ({}).{}",
        t(Lang::Vi, "fair.lead_at_booth"),
        exhibitor.booth,
        exhibitor.enterprise.name,
        note.map(|n| format!("\n{n}")).unwrap_or_default()
    );
    let first = chosen.first();
    let request_input = RequestInput {
        kind: Some("linkage".into()),
        title: Some(title),
        description: Some(description),
        product_id: first.map(|p| p.id),
        enterprise_id: Some(exhibitor.enterprise.id),
        category: first.map(|p| p.category.clone()),
        quantity: input.quantity.clone(),
        unit: input
            .unit
            .clone()
            .filter(|u| !u.trim().is_empty())
            .or_else(|| {
                first
                    .copied()
                    .or(exhibitor.products.first())
                    .map(|p| p.unit.clone())
            }),
        province_code: None,
        contact_name: input.contact_name.clone(),
        contact_phone: input.contact_phone.clone(),
        organisation: input.organisation.clone(),
        ..Default::default()
    };
    requests::submit(
        state,
        actor,
        lang,
        Submission {
            input: &request_input,
            source: RequestSource::Fair,
            idempotency_key: key,
            client_ip: String::new(),
            fair_id: Some(fair.id),
            on_behalf: true,
            sender_secret: None,
        },
    )
    .await
}

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ResultRow {
    /// Empty for the fair as a whole.
    pub booth: String,
    pub enterprise: String,
    pub scans: u64,
    pub visits: u64,
    /// Requests captured at the booth.
    pub leads: u64,
    /// Every request that came from the fair (leads, and requests after a scan).
    pub requests: u64,
    pub deals: u64,
    pub deal_value_vnd: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FairResults {
    pub fair: FairSummary,
    pub total: ResultRow,
    pub exhibitors: Vec<ResultRow>,
}

/// Scans, visits, leads, requests, deals and deal value, per fair and per exhibitor (staff).
pub async fn results(state: &AppState, actor: &Actor, fair_id: i32) -> AppResult<FairResults> {
    actor.require_staff()?;
    let fair = get(state, FairKey::Id(fair_id)).await?;
    let hits = fair_hit::Entity::find()
        .filter(fair_hit::Column::FairId.eq(fair_id))
        .all(&state.db)
        .await?;
    let reqs = request::Entity::find()
        .filter(request::Column::FairId.eq(fair_id))
        .all(&state.db)
        .await?;
    let tally = |row: &mut ResultRow,
                 hit_of: &dyn Fn(&fair_hit::Model) -> bool,
                 req_of: &dyn Fn(&request::Model) -> bool| {
        for h in hits.iter().filter(|h| hit_of(h)) {
            match h.kind.as_str() {
                "scan" => row.scans += 1,
                _ => row.visits += 1,
            }
        }
        for r in reqs.iter().filter(|r| req_of(r)) {
            row.requests += 1;
            if r.source == RequestSource::Fair.as_str() {
                row.leads += 1;
            }
            if r.status == "closed_deal" {
                row.deals += 1;
                row.deal_value_vnd += r.deal_value_vnd.unwrap_or(0);
            }
        }
    };
    let mut total = ResultRow::default();
    tally(&mut total, &|_| true, &|_| true);
    let mut rows = Vec::new();
    for x in &fair.exhibitors {
        let mut row = ResultRow {
            booth: x.booth.clone(),
            enterprise: x.enterprise.name.clone(),
            ..Default::default()
        };
        let product_ids: Vec<i32> = x.products.iter().map(|p| p.id).collect();
        tally(
            &mut row,
            &|h| {
                h.exhibitor_id == Some(x.id)
                    || h.product_id.is_some_and(|p| product_ids.contains(&p))
            },
            &|r| {
                r.enterprise_id == Some(x.enterprise.id)
                    || r.deal_enterprise_id == Some(x.enterprise.id)
            },
        );
        rows.push(row);
    }
    Ok(FairResults {
        fair: FairSummary {
            id: fair.id,
            slug: fair.slug.clone(),
            url: fair.url.clone(),
            name: fair.name.clone(),
            starts_on: fair.starts_on,
            ends_on: fair.ends_on,
            venue: fair.venue.clone(),
            province: fair.province.clone(),
            status: fair.status,
        },
        total,
        exhibitors: rows,
    })
}

/// The results as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Vietnamese).
pub fn results_csv(r: &FairResults, lang: Lang) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "fair.csv.booth",
        "fair.csv.enterprise",
        "fair.csv.scans",
        "fair.csv.visits",
        "fair.csv.leads",
        "fair.csv.requests",
        "fair.csv.deals",
        "fair.csv.deal_value",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect::<Vec<_>>()
    .join(",");
    out.push_str(&header);
    out.push_str("\r\n");
    let mut line = |row: &ResultRow, booth: &str, name: &str| {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            csv_text(booth),
            csv_text(name),
            row.scans,
            row.visits,
            row.leads,
            row.requests,
            row.deals,
            row.deal_value_vnd
        ));
    };
    for row in &r.exhibitors {
        line(row, &row.booth, &row.enterprise);
    }
    line(&r.total, "", t(lang, "fair.csv.total"));
    out
}

/// A text cell, quoted. One that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`,
/// a tab or a carriage return first) gets a `'` in front, so it stays text; numbers are
/// written unquoted by the caller and stay numbers.
fn csv_text(s: &str) -> String {
    let guard = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        "'"
    } else {
        ""
    };
    format!("\"{guard}{}\"", s.replace('"', "\"\""))
}

/// The booths of the given enterprises at fairs that are not over: (fair, booth).
pub async fn booths_of(
    state: &AppState,
    enterprise_ids: &[i32],
) -> AppResult<Vec<(FairSummary, String)>> {
    if enterprise_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = fair_exhibitor::Entity::find()
        .filter(fair_exhibitor::Column::EnterpriseId.is_in(enterprise_ids.to_vec()))
        .all(&state.db)
        .await?;
    let fairs = list(state).await?;
    Ok(rows
        .into_iter()
        .filter_map(|x| {
            fairs
                .iter()
                .find(|f| f.id == x.fair_id && f.status != FairStatus::Closed)
                .map(|f| (f.clone(), x.booth))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::csv_text;

    #[test]
    fn csv_text_that_would_be_a_formula_is_kept_as_text() {
        for (cell, written) in [
            ("=1+1", "\"'=1+1\""),
            ("+84 912 345 678", "\"'+84 912 345 678\""),
            ("-A1", "\"'-A1\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\t=1", "\"'\t=1\""),
            ("\r=1", "\"'\r=1\""),
            ("HTX \"Côn Minh\"", "\"HTX \"\"Côn Minh\"\"\""),
            ("A2", "\"A2\""),
        ] {
            assert_eq!(csv_text(cell), written, "{cell:?}");
        }
    }
}
