//! Sending a request: signed in or as a guest (rate-limited, idempotent per sender), with
//! the guest's phone checked by staff before anything is forwarded.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{
    Audience, Event, EventKind, RequestSource, RequestView, Viewer, finish, open_for_change,
    record, require_staff, view_for,
};
use crate::context::AppState;
use crate::db::entities::{enterprise, product, request};
use crate::db::{unique_violation, write_txn};
use crate::domain::{Code, GuestContact, Invalid, RequestFields, RequestInput, RequestStatus};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::notify::{self, NoticeKind};
use crate::services::{Actor, throttle};

/// Guests may send this many requests an hour from one address…
pub const GUEST_REQUESTS_PER_HOUR: u32 = 3;

/// …and this many a day from one phone number.
pub const GUEST_REQUESTS_PER_PHONE_PER_DAY: u32 = 5;

/// A request being sent, with where it came from.
pub struct Submission<'a> {
    pub input: &'a RequestInput,
    pub source: RequestSource,
    /// The API's `Idempotency-Key`, or the form's one-time token.
    pub idempotency_key: Option<String>,
    pub client_ip: String,
    /// The trade fair it came from: a booth lead, or a visit that began with a QR scan.
    pub fair_id: Option<i32>,
    /// Recorded for someone else (a lead at a fair booth): their name and phone are the
    /// contact, checked in person, and the sender is not the requester.
    pub on_behalf: bool,
    /// Something only this sender holds (the browser's form-token cookie): a guest's
    /// idempotency key counts only together with it.
    pub sender_secret: Option<String>,
}

/// The key under which a submission is remembered: a signed-in sender's own, or a guest's
/// bound to their browser's secret, so that nobody else can read a guest's request back by
/// guessing the key. A guest without a secret gets no deduplication.
pub(crate) fn scoped_key(
    actor: &Actor,
    key: Option<&str>,
    secret: Option<&str>,
) -> AppResult<Option<String>> {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    if key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::BadRequest(Code::RequestIdempotencyKey));
    }
    Ok(match (actor.id(), secret.filter(|s| s.len() >= 32)) {
        (Some(id), _) => Some(format!("u{id}:{key}")),
        (None, Some(secret)) => {
            use sha2::Digest;
            let scope = hex::encode(&sha2::Sha256::digest(secret.as_bytes())[..12]);
            Some(format!("guest:{scope}:{key}"))
        }
        (None, None) => None,
    })
}

pub(super) async fn by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> AppResult<Option<request::Model>> {
    Ok(request::Entity::find()
        .filter(request::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// The viewer of a request the actor just sent (a guest sees it as its requester, once).
pub(super) fn sender_view(actor: &Actor) -> Viewer {
    if actor.is_staff() {
        Viewer::Staff
    } else {
        Viewer::Requester
    }
}

/// Counts links: spam carries them, real requests rarely do.
pub(super) fn links(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower.matches("http://").count()
        + lower.matches("https://").count()
        + lower.matches("www.").count()
}

/// Checks the references of a request against the catalogue and reference data, filling in
/// the enterprise and category of a named product.
pub(super) async fn resolve(
    state: &AppState,
    fields: &mut RequestFields,
    errors: &mut Invalid,
) -> AppResult<Option<i32>> {
    let db = &state.db;
    if let Some(pid) = fields.product_id {
        match product::Entity::find_by_id(pid).one(db).await? {
            Some(p) if p.status == crate::domain::ProductStatus::Published => {
                fields.enterprise_id.get_or_insert(p.enterprise_id);
                if fields.category.is_none()
                    && let Some(c) = state.reference.category(p.category_id)
                {
                    fields.category = Some(c.slug.clone());
                }
            }
            _ => errors.push("product_id", Code::RequestProductUnknown),
        }
    }
    if let Some(eid) = fields.enterprise_id
        && enterprise::Entity::find_by_id(eid).one(db).await?.is_none()
    {
        errors.push("enterprise_id", Code::RequestEnterpriseUnknown);
    }
    let category_id = match fields.category.as_deref() {
        None => None,
        Some(slug) => {
            if let Some(c) = state.reference.category_by_slug(slug) {
                Some(c.id)
            } else {
                errors.push("category", Code::CategoryUnknown);
                None
            }
        }
    };
    if let Some(code) = fields.province_code
        && state.reference.province(code).is_none()
    {
        errors.push("province_code", Code::RequestProvinceUnknown);
    }
    if let Some(code) = fields.commune_code {
        match state.reference.commune(code) {
            None => errors.push("commune_code", Code::CommuneUnknown),
            Some(c) if Some(c.province_code) != fields.province_code => {
                errors.push("commune_code", Code::CommuneNotInProvince);
            }
            Some(_) => {}
        }
    }
    Ok(category_id)
}

/// Sends a request. Returns its view and whether it is new (`false`: the same idempotency
/// key was seen before, and this is that request).
pub async fn submit(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    submission: Submission<'_>,
) -> AppResult<(RequestView, bool)> {
    let db = &state.db;
    let key = scoped_key(
        actor,
        submission.idempotency_key.as_deref(),
        submission.sender_secret.as_deref(),
    )?;
    if let Some(key) = &key
        && let Some(existing) = by_key(db, key).await?
    {
        return Ok((
            view_for(state, lang, &existing, &sender_view(actor)).await?,
            false,
        ));
    }
    let input = submission.input;
    let mut errors = Invalid::default();
    let fields = errors.take(RequestFields::parse(input, state.clock.today()));
    let guest = match actor {
        Actor::Visitor => errors.take(GuestContact::parse(input)),
        _ if submission.on_behalf => errors.take(GuestContact::parse(input)),
        // Staff may type a request taken over the phone, with the caller's name and number.
        Actor::User(u) if u.role.is_staff() && input.contact_phone.is_some() => {
            errors.take(GuestContact::parse(input))
        }
        Actor::User(_) => None,
    };
    let Some(mut fields) = fields else {
        return Err(errors.into());
    };
    if links(&fields.title) + links(&fields.description) > 2 {
        errors.push("description", Code::RequestLinks);
    }
    let category_id = resolve(state, &mut fields, &mut errors).await?;
    if !errors.0.is_empty() {
        return Err(errors.into());
    }
    if let (Actor::Visitor, Some(g)) = (actor, &guest) {
        // Counted before the insert, in one statement per key: guests sending at once
        // cannot all pass under the limit.
        throttle::check(
            db,
            Code::RequestRateLimited,
            &[
                throttle::Limit::new(
                    format!("guest-request-ip:{}", submission.client_ip),
                    GUEST_REQUESTS_PER_HOUR,
                    chrono::Duration::hours(1),
                ),
                throttle::Limit::new(
                    format!("guest-request-phone:{}", g.phone.as_str()),
                    GUEST_REQUESTS_PER_PHONE_PER_DAY,
                    chrono::Duration::days(1),
                ),
            ],
        )
        .await?;
    }
    let at = state.clock.now();
    let linkage = fields.linkage.as_ref();
    let transfer = fields.transfer.as_ref();
    // Taken by phone or met in person: the number is known to be real.
    let staff_taken = guest.is_some() && (actor.is_staff() || submission.on_behalf);
    let txn = write_txn(db).await?;
    let inserted = request::ActiveModel {
        kind: Set(fields.kind),
        status: Set(RequestStatus::Submitted),
        title: Set(fields.title.clone()),
        description: Set(fields.description.clone()),
        requester_id: Set(actor.id().filter(|_| !staff_taken)),
        contact_name: Set(guest.as_ref().map(|g| g.name.clone())),
        contact_phone: Set(guest.as_ref().map(|g| g.phone.as_str().to_string())),
        organisation: Set(fields.organisation.clone()),
        phone_verified_at: Set(staff_taken.then_some(at)),
        client_ip: Set(matches!(actor, Actor::Visitor).then(|| submission.client_ip.clone())),
        product_id: Set(fields.product_id),
        enterprise_id: Set(fields.enterprise_id),
        category_id: Set(category_id),
        quantity: Set(linkage.and_then(|l| l.quantity)),
        unit: Set(linkage.and_then(|l| l.unit.clone())),
        target_price_vnd: Set(linkage.and_then(|l| l.target_price_vnd)),
        needed_by: Set(linkage.and_then(|l| l.needed_by)),
        supply: Set(linkage.map(|l| l.supply.as_str().to_string())),
        frequency: Set(linkage
            .and_then(|l| l.frequency)
            .map(|f| f.as_str().to_string())),
        duration_months: Set(linkage.and_then(|l| l.duration_months)),
        direction: Set(transfer.map(|t| t.direction.as_str().to_string())),
        budget_min_vnd: Set(transfer.and_then(|t| t.budget_min_vnd)),
        budget_max_vnd: Set(transfer.and_then(|t| t.budget_max_vnd)),
        province_code: Set(fields.province_code),
        commune_code: Set(fields.commune_code),
        source: Set(submission.source.as_str().into()),
        fair_id: Set(submission.fair_id),
        idempotency_key: Set(key.clone()),
        created_at: Set(at),
        updated_at: Set(at),
        last_activity_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let mut req = match inserted {
        Ok(r) => r,
        Err(e) if unique_violation(&e) && key.is_some() => {
            // The same key, sent twice at once: the other attempt won.
            txn.rollback().await?;
            let existing = by_key(db, key.as_deref().unwrap_or_default())
                .await?
                .ok_or(AppError::NotFound)?;
            return Ok((
                view_for(state, lang, &existing, &sender_view(actor)).await?,
                false,
            ));
        }
        Err(e) => return Err(e.into()),
    };
    record(
        &txn,
        state.clock.now(),
        actor,
        &mut req,
        Event::new(EventKind::Submitted, Audience::Everyone, ""),
    )
    .await?;
    let staff = notify::staff_ids(&txn).await?;
    notify::notify(
        &txn,
        state,
        actor,
        &staff,
        NoticeKind::NewRequest,
        &req,
        Some(&req.description.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok((
        view_for(state, lang, &req, &sender_view(actor)).await?,
        true,
    ))
}

/// Staff called the guest's number and reached them.
pub async fn verify_phone(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
) -> AppResult<RequestView> {
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    if req.requester_id.is_some() || req.phone_verified_at.is_some() {
        return Err(AppError::state(Code::RequestPhoneAlreadyVerified));
    }
    let mut active: request::ActiveModel = req.clone().into();
    active.phone_verified_at = Set(Some(state.clock.now()));
    req = active.update(&txn).await?;
    record(
        &txn,
        state.clock.now(),
        actor,
        &mut req,
        Event::new(EventKind::PhoneVerified, Audience::Staff, ""),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}
