//! The brokering desk: market-linkage and technology-transfer requests, from the first
//! message to a deal.
//!
//! Who sees what is decided here, once: staff see every request; a requester sees their
//! own; a producer sees only requests forwarded to an enterprise they belong to, and never
//! what other producers answered. Contact details cross between the two sides only after
//! staff connect them. Every change writes its timeline event and its notifications in the
//! same transaction as the change.

mod desk;
mod party;
mod stats;
mod submit;
mod suggest;
mod view;

pub use desk::*;
pub use party::*;
pub use stats::{Stats, StatsQuery, StatsRow, stats};
pub use submit::*;
pub use suggest::{Suggestion, suggestions};
pub use view::*;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};

use super::Actor;
use super::notify;
use crate::context::AppState;
use crate::db::entities::{enterprise_member, request, request_event, request_match};
use crate::domain::{Code, RequestStatus, string_enum};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

string_enum! {
    /// Where a request started.
    RequestSource {
        Form => "form",
        Api => "api",
        Product => "product",
        Enterprise => "enterprise",
        Search => "search",
        Fair => "fair",
    }
}

string_enum! {
    /// Who may read a timeline event: `staff` only (notes, shortlists, assignments); the
    /// `requester` and staff; one `enterprise` (`enterprise_id`) and staff; a `thread`
    /// between the requester and one enterprise, read by staff; or `everyone` who can see
    /// the request.
    Audience {
        Staff => "staff",
        Requester => "requester",
        Enterprise => "enterprise",
        Thread => "thread",
        Everyone => "everyone",
    }
}

string_enum! {
    EventKind {
        Submitted => "submitted",
        Status => "status",
        Assigned => "assigned",
        Note => "note",
        Shortlisted => "shortlisted",
        Unshortlisted => "unshortlisted",
        Forwarded => "forwarded",
        Answered => "answered",
        Message => "message",
        Connected => "connected",
        PhoneVerified => "phone_verified",
        Closed => "closed",
    }
}

/// How the person asking relates to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    Staff,
    Requester,
    /// A member of these enterprises, each forwarded the request.
    Producer(Vec<i32>),
}

impl Viewer {
    pub fn is_staff(&self) -> bool {
        matches!(self, Viewer::Staff)
    }
}

/// Who the actor is to this request; `NotFound` when they may not know it exists.
pub async fn viewer_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    req: &request::Model,
) -> AppResult<Viewer> {
    let Some(me) = actor.user() else {
        return Err(AppError::Unauthenticated);
    };
    if me.role.is_staff() {
        return Ok(Viewer::Staff);
    }
    if req.requester_id == Some(me.id) {
        return Ok(Viewer::Requester);
    }
    let mine = forwarded_enterprises_of(db, me.id, req.id).await?;
    if mine.is_empty() {
        Err(AppError::NotFound)
    } else {
        Ok(Viewer::Producer(mine))
    }
}

/// The enterprises of `user_id` that were forwarded request `request_id`.
async fn forwarded_enterprises_of(
    db: &impl ConnectionTrait,
    user_id: i32,
    request_id: i32,
) -> AppResult<Vec<i32>> {
    let memberships: Vec<i32> = enterprise_member::Entity::find()
        .filter(enterprise_member::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect();
    if memberships.is_empty() {
        return Ok(Vec::new());
    }
    let mut forwarded = forwarded_ids(db, request_id).await?;
    forwarded.retain(|e| memberships.contains(e));
    Ok(forwarded)
}

/// The enterprises a request was forwarded to.
pub(crate) async fn forwarded_ids(
    db: &impl ConnectionTrait,
    request_id: i32,
) -> AppResult<Vec<i32>> {
    Ok(request_match::Entity::find()
        .filter(request_match::Column::RequestId.eq(request_id))
        .filter(request_match::Column::ForwardedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect())
}

/// User ids of the members of the given enterprises.
pub(crate) async fn members_of(
    db: &impl ConnectionTrait,
    enterprise_ids: &[i32],
) -> AppResult<Vec<i32>> {
    if enterprise_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(enterprise_member::Entity::find()
        .filter(enterprise_member::Column::EnterpriseId.is_in(enterprise_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// One timeline entry.
pub(crate) struct Event<'a> {
    pub kind: EventKind,
    pub audience: Audience,
    pub enterprise_id: Option<i32>,
    pub from: Option<RequestStatus>,
    pub to: Option<RequestStatus>,
    pub body: &'a str,
}

impl<'a> Event<'a> {
    pub fn new(kind: EventKind, audience: Audience, body: &'a str) -> Self {
        Event {
            kind,
            audience,
            enterprise_id: None,
            from: None,
            to: None,
            body,
        }
    }

    pub fn about(mut self, enterprise_id: Option<i32>) -> Self {
        self.enterprise_id = enterprise_id;
        self
    }
}

/// Writes an event and marks the request active (and answered by the centre, the first time
/// staff act on it).
pub(crate) async fn record(
    txn: &DatabaseTransaction,
    at: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    req: &mut request::Model,
    event: Event<'_>,
) -> AppResult<()> {
    request_event::ActiveModel {
        request_id: Set(req.id),
        at: Set(at),
        actor_id: Set(actor.id()),
        kind: Set(event.kind.as_str().into()),
        audience: Set(event.audience.as_str().into()),
        enterprise_id: Set(event.enterprise_id),
        from_status: Set(event.from),
        to_status: Set(event.to),
        body: Set(event.body.to_string()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut active: request::ActiveModel = req.clone().into();
    active.updated_at = Set(at);
    active.last_activity_at = Set(at);
    if actor.is_staff() && req.first_response_at.is_none() && event.kind != EventKind::Submitted {
        active.first_response_at = Set(Some(at));
    }
    *req = active.update(txn).await?;
    Ok(())
}

/// Moves a request to another state, if the domain allows it, with its timeline event.
pub(crate) async fn change_status(
    txn: &DatabaseTransaction,
    at: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    req: &mut request::Model,
    to: RequestStatus,
    body: &str,
) -> AppResult<()> {
    let from = req.status;
    if !from.can_become(to) {
        return Err(AppError::state(Code::RequestTransition));
    }
    let mut active: request::ActiveModel = req.clone().into();
    active.status = Set(to);
    if !to.is_open() {
        active.closed_at = Set(Some(at));
    }
    *req = active.update(txn).await?;
    let kind = if to.is_open() {
        EventKind::Status
    } else {
        EventKind::Closed
    };
    let mut event = Event::new(kind, Audience::Everyone, body);
    event.from = Some(from);
    event.to = Some(to);
    record(txn, at, actor, req, event).await
}

/// Open requests untouched since before this moment (`overdue_days` before `now`) are
/// overdue.
pub fn overdue_before(
    config: &crate::config::Config,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    now - chrono::Duration::days(i64::from(config.overdue_days))
}

pub fn is_overdue(
    req: &request::Model,
    config: &crate::config::Config,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    req.status.is_open() && req.last_activity_at < overdue_before(config, now)
}

// Shared by the desk, the parties and submission

/// Opens a request for a change: locks it, and works out who the actor is to it.
async fn open_for_change(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<(DatabaseTransaction, request::Model, Viewer)> {
    let (txn, req) = crate::db::begin_on::<request::Entity>(&state.db, id).await?;
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
    if req.status.is_open() {
        Ok(())
    } else {
        Err(AppError::state(Code::RequestClosed))
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
