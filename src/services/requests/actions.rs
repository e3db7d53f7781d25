//! Everything people do to a request: submit it, move it, match and forward it, answer it,
//! talk about it and close it.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    Audience, Event, EventKind, RequestSource, RequestView, Viewer, change_status, forwarded_ids,
    lock, members_of, record, status_of, view_for, viewer_of,
};
use crate::context::AppState;
use crate::db::entities::{enterprise, product, request, request_match, user};
use crate::domain::{
    GuestContact, Invalid, Outcome, OutcomeInput, RejectReason, RequestFields, RequestInput,
    RequestStatus, Response, ResponseInput, Role, long_text, today,
};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::services::notify::{self, NoticeKind};
use crate::services::{Actor, now, throttle, unique_violation, write_txn};

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
fn scoped_key(actor: &Actor, key: Option<&str>, secret: Option<&str>) -> AppResult<Option<String>> {
    let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else {
        return Ok(None);
    };
    if key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::BadRequest("request.idempotency_key"));
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

async fn by_key(db: &impl ConnectionTrait, key: &str) -> AppResult<Option<request::Model>> {
    Ok(request::Entity::find()
        .filter(request::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// The viewer of a request the actor just sent (a guest sees it as its requester, once).
fn sender_view(actor: &Actor) -> Viewer {
    if actor.is_staff() {
        Viewer::Staff
    } else {
        Viewer::Requester
    }
}

/// Counts links: spam carries them, real requests rarely do.
fn links(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower.matches("http://").count()
        + lower.matches("https://").count()
        + lower.matches("www.").count()
}

/// Checks the references of a request against the catalogue and reference data, filling in
/// the enterprise and category of a named product.
async fn resolve(
    state: &AppState,
    fields: &mut RequestFields,
    errors: &mut Invalid,
) -> AppResult<Option<i32>> {
    let db = &state.db;
    if let Some(pid) = fields.product_id {
        match product::Entity::find_by_id(pid).one(db).await? {
            Some(p) if p.status == "published" => {
                fields.enterprise_id.get_or_insert(p.enterprise_id);
                if fields.category.is_none()
                    && let Some(c) = state.reference.category(p.category_id)
                {
                    fields.category = Some(c.slug.clone());
                }
            }
            _ => errors.push("product_id", "request.product_unknown"),
        }
    }
    if let Some(eid) = fields.enterprise_id
        && enterprise::Entity::find_by_id(eid).one(db).await?.is_none()
    {
        errors.push("enterprise_id", "request.enterprise_unknown");
    }
    let category_id = match fields.category.as_deref() {
        None => None,
        Some(slug) => match state.reference.category_by_slug(slug) {
            Some(c) => Some(c.id),
            None => {
                errors.push("category", "category.unknown");
                None
            }
        },
    };
    if let Some(code) = fields.province_code
        && state.reference.province(code).is_none()
    {
        errors.push("province_code", "request.province_unknown");
    }
    if let Some(code) = fields.commune_code {
        match state.reference.commune(code) {
            None => errors.push("commune_code", "commune.unknown"),
            Some(c) if Some(c.province_code) != fields.province_code => {
                errors.push("commune_code", "commune.not_in_province")
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
    let fields = errors.take(RequestFields::parse(input, today()));
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
        errors.push("description", "request.links");
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
            "request.rate_limited",
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
    let at = now();
    let linkage = fields.linkage.as_ref();
    let transfer = fields.transfer.as_ref();
    // Taken by phone or met in person: the number is known to be real.
    let staff_taken = guest.is_some() && (actor.is_staff() || submission.on_behalf);
    let txn = write_txn(db).await?;
    let inserted = request::ActiveModel {
        kind: Set(fields.kind.as_str().into()),
        status: Set(RequestStatus::Submitted.as_str().into()),
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
        actor,
        &mut req,
        Event::new(EventKind::Submitted, Audience::Everyone, ""),
    )
    .await?;
    let staff = notify::staff_ids(&txn).await?;
    notify::notify(
        &txn,
        &state.config,
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

/// Opens a request for a change: locks it, and works out who the actor is to it.
async fn open_for_change(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<(DatabaseTransaction, request::Model, Viewer)> {
    let txn = write_txn(&state.db).await?;
    let req = lock(&txn, id).await?;
    let viewer = viewer_of(&txn, actor, &req).await?;
    Ok((txn, req, viewer))
}

async fn finish(
    state: &AppState,
    txn: DatabaseTransaction,
    lang: Lang,
    req: request::Model,
    viewer: Viewer,
) -> AppResult<RequestView> {
    txn.commit().await?;
    view_for(state, lang, &req, &viewer).await
}

fn require_staff(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn require_open(req: &request::Model) -> AppResult<()> {
    if status_of(req).is_open() {
        Ok(())
    } else {
        Err(AppError::state("request.closed"))
    }
}

/// Who hears about a change: the requester, the assigned staff member (or all staff when
/// nobody is), and the members of forwarded enterprises when `producers`.
async fn audience_ids(
    db: &impl ConnectionTrait,
    req: &request::Model,
    requester: bool,
    staff: bool,
    producers: bool,
) -> AppResult<Vec<i32>> {
    let mut ids = Vec::new();
    if requester {
        ids.extend(req.requester_id);
    }
    if staff {
        match req.assigned_to {
            Some(id) => ids.push(id),
            None => ids.extend(notify::staff_ids(db).await?),
        }
    }
    if producers {
        let forwarded = forwarded_ids(db, req.id).await?;
        ids.extend(members_of(db, &forwarded).await?);
    }
    Ok(ids)
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TransitionInput {
    /// The new state: staff move a request to `in_review`, `matching`, `negotiating` or
    /// `rejected`; a requester to `withdrawn`. Forwarding and closing have their own actions.
    pub to: String,
    /// Rejection: `spam`, `duplicate`, `unreachable`, `out_of_scope` or `other`.
    pub reason: Option<String>,
    /// A line for the timeline.
    pub note: Option<String>,
}

/// Moves a request to another state.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &TransitionInput,
) -> AppResult<RequestView> {
    let to = RequestStatus::parse(&input.to)
        .ok_or_else(|| Invalid::one("to", "request.status_unknown"))?;
    let note = long_text(input.note.as_deref(), "note", 2000)?;
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    match (&viewer, to) {
        (Viewer::Requester, RequestStatus::Withdrawn) => {}
        (Viewer::Requester | Viewer::Producer(_), _) => return Err(AppError::Forbidden),
        (Viewer::Staff, RequestStatus::Withdrawn) => return Err(AppError::Forbidden),
        (Viewer::Staff, _) => {}
    }
    if !status_of(&req).can_become(to) {
        return Err(AppError::state("request.transition"));
    }
    match to {
        RequestStatus::Forwarded => return Err(AppError::state("request.use_forward")),
        RequestStatus::ClosedDeal | RequestStatus::ClosedNoDeal => {
            return Err(AppError::state("request.use_close"));
        }
        _ => {}
    }
    let mut body = note;
    if to == RequestStatus::Rejected {
        let reason = input
            .reason
            .as_deref()
            .and_then(RejectReason::parse)
            .ok_or_else(|| Invalid::one("reason", "request.reason_required"))?;
        let mut active: request::ActiveModel = req.clone().into();
        active.rejection_reason = Set(Some(reason.as_str().into()));
        req = active.update(&txn).await?;
        body = if body.is_empty() {
            t(Lang::Vi, &format!("reject.{reason}")).to_string()
        } else {
            body
        };
    }
    change_status(&txn, actor, &mut req, to, &body).await?;
    let (requester, staff, producers) = match to {
        RequestStatus::Withdrawn => (false, true, true),
        RequestStatus::Rejected => (true, false, true),
        _ => (true, false, false),
    };
    let ids = audience_ids(&txn, &req, requester, staff, producers).await?;
    let detail = t(Lang::Vi, &format!("rstatus.{to}"));
    notify::notify(
        &txn,
        &state.config,
        actor,
        &ids,
        NoticeKind::Status,
        &req,
        Some(detail),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

/// Assigns the request to a staff member (or nobody).
pub async fn assign(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    to: Option<i32>,
) -> AppResult<RequestView> {
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    let assignee = match to {
        None => None,
        Some(uid) => {
            let u = user::Entity::find_by_id(uid)
                .one(&txn)
                .await?
                .filter(|u| Role::parse(&u.role).is_some_and(Role::is_staff))
                .ok_or_else(|| Invalid::one("user_id", "request.assignee_not_staff"))?;
            Some(u)
        }
    };
    let mut active: request::ActiveModel = req.clone().into();
    active.assigned_to = Set(assignee.as_ref().map(|u| u.id));
    req = active.update(&txn).await?;
    let body = assignee
        .as_ref()
        .map(|u| u.full_name.clone())
        .unwrap_or_default();
    record(
        &txn,
        actor,
        &mut req,
        Event::new(EventKind::Assigned, Audience::Staff, &body),
    )
    .await?;
    if let Some(u) = &assignee {
        notify::notify(
            &txn,
            &state.config,
            actor,
            &[u.id],
            NoticeKind::Assigned,
            &req,
            None,
        )
        .await?;
    }
    finish(state, txn, lang, req, viewer).await
}

/// A staff note, seen only by staff.
pub async fn add_note(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    body: Option<&str>,
) -> AppResult<RequestView> {
    let body = long_text(body, "body", 4000)?;
    if body.is_empty() {
        return Err(Invalid::one("body", "text.required").into());
    }
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    record(
        &txn,
        actor,
        &mut req,
        Event::new(EventKind::Note, Audience::Staff, &body),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ShortlistInput {
    pub enterprise_id: Option<i32>,
    /// The product that fits, if one does.
    pub product_id: Option<i32>,
    /// Why this enterprise (staff only).
    pub note: Option<String>,
}

/// Adds an enterprise to the shortlist; a request under review moves to matching.
pub async fn shortlist(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &ShortlistInput,
) -> AppResult<RequestView> {
    let enterprise_id = input
        .enterprise_id
        .ok_or_else(|| Invalid::one("enterprise_id", "request.enterprise_unknown"))?;
    let note = long_text(input.note.as_deref(), "note", 1000)?;
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    require_open(&req)?;
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Invalid::one("enterprise_id", "request.enterprise_unknown"))?;
    if let Some(pid) = input.product_id {
        let fits = product::Entity::find_by_id(pid)
            .one(&txn)
            .await?
            .is_some_and(|p| p.enterprise_id == e.id);
        if !fits {
            return Err(Invalid::one("product_id", "request.product_not_of_enterprise").into());
        }
    }
    match status_of(&req) {
        RequestStatus::Submitted => return Err(AppError::state("request.transition")),
        RequestStatus::InReview => {
            change_status(&txn, actor, &mut req, RequestStatus::Matching, "").await?;
        }
        _ => {}
    }
    let inserted = request_match::ActiveModel {
        request_id: Set(req.id),
        enterprise_id: Set(e.id),
        product_id: Set(input.product_id),
        note: Set(Some(note).filter(|n| !n.is_empty())),
        shortlisted_by: Set(actor.id()),
        shortlisted_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if unique_violation(&e) => {
            return Err(AppError::conflict(
                "enterprise_id",
                "request.already_shortlisted",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    record(
        &txn,
        actor,
        &mut req,
        Event::new(EventKind::Shortlisted, Audience::Staff, &e.name).about(Some(e.id)),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

/// Takes an enterprise off the shortlist, while it has not been forwarded the request.
pub async fn unshortlist(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    enterprise_id: i32,
) -> AppResult<RequestView> {
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    require_open(&req)?;
    let m = request_match::Entity::find()
        .filter(request_match::Column::RequestId.eq(req.id))
        .filter(request_match::Column::EnterpriseId.eq(enterprise_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.forwarded_at.is_some() {
        return Err(AppError::state("request.already_forwarded"));
    }
    request_match::Entity::delete_by_id(m.id).exec(&txn).await?;
    let name = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    record(
        &txn,
        actor,
        &mut req,
        Event::new(EventKind::Unshortlisted, Audience::Staff, &name).about(Some(enterprise_id)),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ForwardInput {
    /// Shortlisted enterprises to forward to; all not yet forwarded when empty.
    pub enterprise_ids: Vec<i32>,
}

/// Forwards the request to shortlisted enterprises; their members are notified.
pub async fn forward(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &ForwardInput,
) -> AppResult<RequestView> {
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    require_open(&req)?;
    let status = status_of(&req);
    if !matches!(
        status,
        RequestStatus::Matching | RequestStatus::Forwarded | RequestStatus::Negotiating
    ) {
        return Err(AppError::state("request.transition"));
    }
    if req.requester_id.is_none() && req.phone_verified_at.is_none() {
        return Err(AppError::state("request.phone_unverified"));
    }
    let waiting: Vec<request_match::Model> = request_match::Entity::find()
        .filter(request_match::Column::RequestId.eq(req.id))
        .filter(request_match::Column::ForwardedAt.is_null())
        .order_by_asc(request_match::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .filter(|m| {
            input.enterprise_ids.is_empty() || input.enterprise_ids.contains(&m.enterprise_id)
        })
        .collect();
    if waiting.is_empty()
        || (!input.enterprise_ids.is_empty() && waiting.len() != input.enterprise_ids.len())
    {
        return Err(AppError::state("request.nothing_to_forward"));
    }
    if status == RequestStatus::Matching {
        change_status(&txn, actor, &mut req, RequestStatus::Forwarded, "").await?;
    }
    let ids: Vec<i32> = waiting.iter().map(|m| m.enterprise_id).collect();
    request_match::Entity::update_many()
        .col_expr(
            request_match::Column::ForwardedAt,
            sea_orm::sea_query::Expr::value(Some(now())),
        )
        .filter(request_match::Column::Id.is_in(waiting.iter().map(|m| m.id)))
        .exec(&txn)
        .await?;
    let enterprises = super::view::by_id!(&txn, enterprise, ids.clone());
    for id in &ids {
        let name = enterprises
            .get(id)
            .map(|e| e.name.as_str())
            .unwrap_or_default();
        record(
            &txn,
            actor,
            &mut req,
            Event::new(EventKind::Forwarded, Audience::Enterprise, name).about(Some(*id)),
        )
        .await?;
    }
    let members = members_of(&txn, &ids).await?;
    notify::notify(
        &txn,
        &state.config,
        actor,
        &members,
        NoticeKind::Forwarded,
        &req,
        Some(&req.description.clone()),
    )
    .await?;
    let forwarded_total = forwarded_ids(&txn, req.id).await?.len();
    let detail = super::progress(Lang::Vi, status_of(&req), forwarded_total, 0);
    let requester: Vec<i32> = req.requester_id.into_iter().collect();
    notify::notify(
        &txn,
        &state.config,
        actor,
        &requester,
        NoticeKind::Status,
        &req,
        Some(&detail),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

/// The producer side of a request: which forwarded enterprise the actor answers for.
fn answering_enterprise(viewer: &Viewer, asked: Option<i32>, forwarded: &[i32]) -> AppResult<i32> {
    match viewer {
        Viewer::Producer(mine) => match asked {
            Some(e) if mine.contains(&e) => Ok(e),
            Some(_) => Err(AppError::Forbidden),
            None if mine.len() == 1 => Ok(mine[0]),
            None => Err(Invalid::one("enterprise_id", "request.enterprise_required").into()),
        },
        // Staff answer for a producer they talked to on the phone.
        Viewer::Staff => match asked {
            Some(e) if forwarded.contains(&e) => Ok(e),
            Some(_) => Err(AppError::state("request.not_forwarded")),
            None => Err(Invalid::one("enterprise_id", "request.enterprise_required").into()),
        },
        Viewer::Requester => Err(AppError::Forbidden),
    }
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RespondInput {
    /// The enterprise answering, when the producer manages several.
    pub enterprise_id: Option<i32>,
    #[serde(flatten)]
    pub response: ResponseInput,
}

/// A producer answers a forwarded request: interested with an offer, or declined.
pub async fn respond(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &RespondInput,
) -> AppResult<RequestView> {
    let response = Response::parse(&input.response)?;
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    if matches!(viewer, Viewer::Requester) {
        return Err(AppError::Forbidden);
    }
    require_open(&req)?;
    if !matches!(
        status_of(&req),
        RequestStatus::Forwarded | RequestStatus::Negotiating
    ) {
        return Err(AppError::state("request.transition"));
    }
    let forwarded = forwarded_ids(&txn, req.id).await?;
    let enterprise_id = answering_enterprise(&viewer, input.enterprise_id, &forwarded)?;
    let m = request_match::Entity::find()
        .filter(request_match::Column::RequestId.eq(req.id))
        .filter(request_match::Column::EnterpriseId.eq(enterprise_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut active: request_match::ActiveModel = m.into();
    active.answered_at = Set(Some(now()));
    active.answered_by = Set(actor.id());
    let (kind, notice, summary) = match &response {
        Response::Interested {
            price_vnd,
            quantity,
            lead_time_days,
            message,
        } => {
            active.answer = Set(Some("interested".into()));
            active.offer_price_vnd = Set(*price_vnd);
            active.offer_quantity = Set(*quantity);
            active.lead_time_days = Set(*lead_time_days);
            active.answer_message = Set(message.clone());
            active.decline_reason = Set(None);
            let mut parts = vec![t(Lang::Vi, "answer.interested").to_string()];
            if let Some(p) = price_vnd {
                parts.push(format!(
                    "{}: {} ₫",
                    t(Lang::Vi, "offer.price"),
                    crate::domain::text::group_thousands(*p)
                ));
            }
            if let Some(q) = quantity {
                parts.push(format!(
                    "{}: {}",
                    t(Lang::Vi, "offer.quantity"),
                    crate::domain::text::group_thousands(*q)
                ));
            }
            if let Some(d) = lead_time_days {
                parts.push(format!("{}: {d}", t(Lang::Vi, "offer.lead_time")));
            }
            if let Some(m) = message {
                parts.push(m.clone());
            }
            (Audience::Thread, NoticeKind::Offer, parts.join(" · "))
        }
        Response::Declined { reason, message } => {
            active.answer = Set(Some("declined".into()));
            active.decline_reason = Set(Some(reason.as_str().into()));
            active.answer_message = Set(message.clone());
            active.offer_price_vnd = Set(None);
            active.offer_quantity = Set(None);
            active.lead_time_days = Set(None);
            let mut s = format!(
                "{}: {}",
                t(Lang::Vi, "answer.declined"),
                t(Lang::Vi, &format!("decline.{reason}"))
            );
            if let Some(m) = message {
                s.push_str(&format!(" · {m}"));
            }
            (Audience::Enterprise, NoticeKind::Declined, s)
        }
    };
    active.update(&txn).await?;
    record(
        &txn,
        actor,
        &mut req,
        Event::new(EventKind::Answered, kind, &summary).about(Some(enterprise_id)),
    )
    .await?;
    let ids = audience_ids(&txn, &req, notice == NoticeKind::Offer, true, false).await?;
    notify::notify(
        &txn,
        &state.config,
        actor,
        &ids,
        notice,
        &req,
        Some(&summary),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MessageInput {
    /// The thread: the requester and this enterprise. Empty: the requester and the centre.
    pub enterprise_id: Option<i32>,
    pub body: Option<String>,
}

/// A message in one of the request's threads; staff read every thread.
pub async fn message(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &MessageInput,
) -> AppResult<RequestView> {
    let body = long_text(input.body.as_deref(), "body", 2000)?;
    if body.is_empty() {
        return Err(Invalid::one("body", "text.required").into());
    }
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_open(&req)?;
    let forwarded = forwarded_ids(&txn, req.id).await?;
    let thread = match &viewer {
        Viewer::Producer(_) => Some(answering_enterprise(
            &viewer,
            input.enterprise_id,
            &forwarded,
        )?),
        Viewer::Requester | Viewer::Staff => match input.enterprise_id {
            None => None,
            Some(e) if forwarded.contains(&e) => Some(e),
            Some(_) => return Err(AppError::state("request.not_forwarded")),
        },
    };
    let audience = if thread.is_some() {
        Audience::Thread
    } else {
        Audience::Requester
    };
    record(
        &txn,
        actor,
        &mut req,
        Event::new(EventKind::Message, audience, &body).about(thread),
    )
    .await?;
    let mut ids = Vec::new();
    match &viewer {
        Viewer::Requester => {
            ids.extend(audience_ids(&txn, &req, false, true, false).await?);
            if let Some(e) = thread {
                ids.extend(members_of(&txn, &[e]).await?);
            }
        }
        Viewer::Producer(_) => {
            ids.extend(audience_ids(&txn, &req, true, true, false).await?);
        }
        Viewer::Staff => {
            ids.extend(req.requester_id);
            if let Some(e) = thread {
                ids.extend(members_of(&txn, &[e]).await?);
            }
        }
    }
    notify::notify(
        &txn,
        &state.config,
        actor,
        &ids,
        NoticeKind::Message,
        &req,
        Some(&body),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

/// Puts the requester and a forwarded enterprise in touch: each now sees the other's
/// contact details. A forwarded request moves to negotiating.
pub async fn connect(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    enterprise_id: Option<i32>,
) -> AppResult<RequestView> {
    let enterprise_id = enterprise_id
        .ok_or_else(|| Invalid::one("enterprise_id", "request.enterprise_required"))?;
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    require_open(&req)?;
    let m = request_match::Entity::find()
        .filter(request_match::Column::RequestId.eq(req.id))
        .filter(request_match::Column::EnterpriseId.eq(enterprise_id))
        .filter(request_match::Column::ForwardedAt.is_not_null())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::state("request.not_forwarded"))?;
    if m.connected_at.is_some() {
        return Err(AppError::state("request.already_connected"));
    }
    if req.requester_id.is_none() && req.phone_verified_at.is_none() {
        return Err(AppError::state("request.phone_unverified"));
    }
    let mut active: request_match::ActiveModel = m.into();
    active.connected_at = Set(Some(now()));
    active.update(&txn).await?;
    if status_of(&req) == RequestStatus::Forwarded {
        change_status(&txn, actor, &mut req, RequestStatus::Negotiating, "").await?;
    }
    let name = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    record(
        &txn,
        actor,
        &mut req,
        Event::new(EventKind::Connected, Audience::Thread, &name).about(Some(enterprise_id)),
    )
    .await?;
    let mut ids: Vec<i32> = req.requester_id.into_iter().collect();
    ids.extend(members_of(&txn, &[enterprise_id]).await?);
    notify::notify(
        &txn,
        &state.config,
        actor,
        &ids,
        NoticeKind::Connected,
        &req,
        Some(&name),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

/// Closes a request with its outcome.
pub async fn close(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &OutcomeInput,
) -> AppResult<RequestView> {
    let outcome = Outcome::parse(input)?;
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    if !status_of(&req).can_become(outcome.status()) {
        return Err(AppError::state("request.transition"));
    }
    let mut active: request::ActiveModel = req.clone().into();
    let summary = match &outcome {
        Outcome::Deal {
            value_vnd,
            quantity,
            supply,
            enterprise_id,
            note,
        } => {
            if let Some(e) = enterprise_id
                && !forwarded_ids(&txn, req.id).await?.contains(e)
            {
                return Err(Invalid::one("enterprise_id", "request.not_forwarded").into());
            }
            active.deal_value_vnd = Set(Some(*value_vnd));
            active.deal_quantity = Set(*quantity);
            active.deal_supply = Set(Some(supply.as_str().into()));
            active.deal_enterprise_id = Set(*enterprise_id);
            active.outcome_note = Set(note.clone());
            format!(
                "{}: {} ₫",
                t(Lang::Vi, "outcome.deal"),
                crate::domain::text::group_thousands(*value_vnd)
            )
        }
        Outcome::NoDeal { reason, note } => {
            active.no_deal_reason = Set(Some(reason.as_str().into()));
            active.outcome_note = Set(note.clone());
            format!(
                "{}: {}",
                t(Lang::Vi, "outcome.no_deal"),
                t(Lang::Vi, &format!("no_deal.{reason}"))
            )
        }
    };
    req = active.update(&txn).await?;
    // Everyone who can see the request sees it close; what came of it (a deal's value and
    // with whom) is shown from the outcome, to the requester, staff and the winner only.
    change_status(&txn, actor, &mut req, outcome.status(), "").await?;
    let winners = members_of(
        &txn,
        &req.deal_enterprise_id.into_iter().collect::<Vec<_>>(),
    )
    .await?;
    let mut told = audience_ids(&txn, &req, true, false, false).await?;
    told.extend(winners.iter().copied());
    notify::notify(
        &txn,
        &state.config,
        actor,
        &told,
        NoticeKind::Status,
        &req,
        Some(&summary),
    )
    .await?;
    let others: Vec<i32> = audience_ids(&txn, &req, false, false, true)
        .await?
        .into_iter()
        .filter(|id| !told.contains(id))
        .collect();
    notify::notify(
        &txn,
        &state.config,
        actor,
        &others,
        NoticeKind::Status,
        &req,
        None,
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
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
        return Err(AppError::state("request.phone_already_verified"));
    }
    let mut active: request::ActiveModel = req.clone().into();
    active.phone_verified_at = Set(Some(now()));
    req = active.update(&txn).await?;
    record(
        &txn,
        actor,
        &mut req,
        Event::new(EventKind::PhoneVerified, Audience::Staff, ""),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}

/// Staff members, for the assignment list.
pub async fn staff_members(state: &AppState) -> AppResult<Vec<(i32, String)>> {
    Ok(notify::staff(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect())
}
