//! The centre's desk: moving a request through its states, assigning it, internal notes,
//! the shortlist, forwarding to producers, connecting the two sides and closing it.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    Audience, Event, EventKind, RequestView, Viewer, audience_ids, change_status, finish,
    forwarded_ids, members_of, open_for_change, record, require_open, require_staff,
};
use crate::context::AppState;
use crate::db::entities::{enterprise, product, request, request_match, user};
use crate::db::unique_violation;
use crate::domain::{Code, Invalid, Outcome, OutcomeInput, RejectReason, RequestStatus, long_text};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::services::Actor;
use crate::services::notify::{self, NoticeKind};

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
        .ok_or_else(|| Invalid::one("to", Code::RequestStatusUnknown))?;
    let note = long_text(input.note.as_deref(), "note", 2000)?;
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    match (&viewer, to) {
        (Viewer::Requester, RequestStatus::Withdrawn) => {}
        (Viewer::Requester | Viewer::Producer(_), _)
        | (Viewer::Staff, RequestStatus::Withdrawn) => {
            return Err(AppError::Forbidden);
        }
        (Viewer::Staff, _) => {}
    }
    if !req.status.can_become(to) {
        return Err(AppError::state(Code::RequestTransition));
    }
    match to {
        RequestStatus::Forwarded => return Err(AppError::state(Code::RequestUseForward)),
        RequestStatus::ClosedDeal | RequestStatus::ClosedNoDeal => {
            return Err(AppError::state(Code::RequestUseClose));
        }
        _ => {}
    }
    let mut body = note;
    if to == RequestStatus::Rejected {
        let reason = input
            .reason
            .as_deref()
            .and_then(RejectReason::parse)
            .ok_or_else(|| Invalid::one("reason", Code::RequestReasonRequired))?;
        let mut active: request::ActiveModel = req.clone().into();
        active.rejection_reason = Set(Some(reason.as_str().into()));
        req = active.update(&txn).await?;
        body = if body.is_empty() {
            t(Lang::Vi, &format!("reject.{reason}")).to_string()
        } else {
            body
        };
    }
    change_status(&txn, state.clock.now(), actor, &mut req, to, &body).await?;
    let (requester, staff, producers) = match to {
        RequestStatus::Withdrawn => (false, true, true),
        RequestStatus::Rejected => (true, false, true),
        _ => (true, false, false),
    };
    let ids = audience_ids(&txn, &req, requester, staff, producers).await?;
    let detail = t(Lang::Vi, &format!("rstatus.{to}"));
    notify::notify(
        &txn,
        state,
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
                .filter(|u| u.role.is_staff())
                .ok_or_else(|| Invalid::one("user_id", Code::RequestAssigneeNotStaff))?;
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
        state.clock.now(),
        actor,
        &mut req,
        Event::new(EventKind::Assigned, Audience::Staff, &body),
    )
    .await?;
    if let Some(u) = &assignee {
        notify::notify(
            &txn,
            state,
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
        return Err(Invalid::one("body", Code::TextRequired).into());
    }
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    record(
        &txn,
        state.clock.now(),
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
        .ok_or_else(|| Invalid::one("enterprise_id", Code::RequestEnterpriseUnknown))?;
    let note = long_text(input.note.as_deref(), "note", 1000)?;
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    require_open(&req)?;
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Invalid::one("enterprise_id", Code::RequestEnterpriseUnknown))?;
    if let Some(pid) = input.product_id {
        let fits = product::Entity::find_by_id(pid)
            .one(&txn)
            .await?
            .is_some_and(|p| p.enterprise_id == e.id);
        if !fits {
            return Err(Invalid::one("product_id", Code::RequestProductNotOfEnterprise).into());
        }
    }
    match req.status {
        RequestStatus::Submitted => return Err(AppError::state(Code::RequestTransition)),
        RequestStatus::InReview => {
            change_status(
                &txn,
                state.clock.now(),
                actor,
                &mut req,
                RequestStatus::Matching,
                "",
            )
            .await?;
        }
        _ => {}
    }
    let inserted = request_match::ActiveModel {
        request_id: Set(req.id),
        enterprise_id: Set(e.id),
        product_id: Set(input.product_id),
        note: Set(Some(note).filter(|n| !n.is_empty())),
        shortlisted_by: Set(actor.id()),
        shortlisted_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if unique_violation(&e) => {
            return Err(AppError::conflict(
                "enterprise_id",
                Code::RequestAlreadyShortlisted,
            ));
        }
        Err(e) => return Err(e.into()),
    }
    record(
        &txn,
        state.clock.now(),
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
        return Err(AppError::state(Code::RequestAlreadyForwarded));
    }
    request_match::Entity::delete_by_id(m.id).exec(&txn).await?;
    let name = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    record(
        &txn,
        state.clock.now(),
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
    let status = req.status;
    if !matches!(
        status,
        RequestStatus::Matching | RequestStatus::Forwarded | RequestStatus::Negotiating
    ) {
        return Err(AppError::state(Code::RequestTransition));
    }
    if req.requester_id.is_none() && req.phone_verified_at.is_none() {
        return Err(AppError::state(Code::RequestPhoneUnverified));
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
        return Err(AppError::state(Code::RequestNothingToForward));
    }
    if status == RequestStatus::Matching {
        change_status(
            &txn,
            state.clock.now(),
            actor,
            &mut req,
            RequestStatus::Forwarded,
            "",
        )
        .await?;
    }
    let ids: Vec<i32> = waiting.iter().map(|m| m.enterprise_id).collect();
    request_match::Entity::update_many()
        .col_expr(
            request_match::Column::ForwardedAt,
            sea_orm::sea_query::Expr::value(Some(state.clock.now())),
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
            state.clock.now(),
            actor,
            &mut req,
            Event::new(EventKind::Forwarded, Audience::Enterprise, name).about(Some(*id)),
        )
        .await?;
    }
    let members = members_of(&txn, &ids).await?;
    notify::notify(
        &txn,
        state,
        actor,
        &members,
        NoticeKind::Forwarded,
        &req,
        Some(&req.description.clone()),
    )
    .await?;
    let forwarded_total = forwarded_ids(&txn, req.id).await?.len();
    let detail = super::progress(Lang::Vi, req.status, forwarded_total, 0);
    let requester: Vec<i32> = req.requester_id.into_iter().collect();
    notify::notify(
        &txn,
        state,
        actor,
        &requester,
        NoticeKind::Status,
        &req,
        Some(&detail),
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
        .ok_or_else(|| Invalid::one("enterprise_id", Code::RequestEnterpriseRequired))?;
    let (txn, mut req, viewer) = open_for_change(state, actor, id).await?;
    require_staff(&viewer)?;
    require_open(&req)?;
    let m = request_match::Entity::find()
        .filter(request_match::Column::RequestId.eq(req.id))
        .filter(request_match::Column::EnterpriseId.eq(enterprise_id))
        .filter(request_match::Column::ForwardedAt.is_not_null())
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::state(Code::RequestNotForwarded))?;
    if m.connected_at.is_some() {
        return Err(AppError::state(Code::RequestAlreadyConnected));
    }
    if req.requester_id.is_none() && req.phone_verified_at.is_none() {
        return Err(AppError::state(Code::RequestPhoneUnverified));
    }
    let mut active: request_match::ActiveModel = m.into();
    active.connected_at = Set(Some(state.clock.now()));
    active.update(&txn).await?;
    if req.status == RequestStatus::Forwarded {
        change_status(
            &txn,
            state.clock.now(),
            actor,
            &mut req,
            RequestStatus::Negotiating,
            "",
        )
        .await?;
    }
    let name = enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    record(
        &txn,
        state.clock.now(),
        actor,
        &mut req,
        Event::new(EventKind::Connected, Audience::Thread, &name).about(Some(enterprise_id)),
    )
    .await?;
    let mut ids: Vec<i32> = req.requester_id.into_iter().collect();
    ids.extend(members_of(&txn, &[enterprise_id]).await?);
    notify::notify(
        &txn,
        state,
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
    if !req.status.can_become(outcome.status()) {
        return Err(AppError::state(Code::RequestTransition));
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
                return Err(Invalid::one("enterprise_id", Code::RequestNotForwarded).into());
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
    change_status(
        &txn,
        state.clock.now(),
        actor,
        &mut req,
        outcome.status(),
        "",
    )
    .await?;
    let winners = members_of(
        &txn,
        &req.deal_enterprise_id.into_iter().collect::<Vec<_>>(),
    )
    .await?;
    let mut told = audience_ids(&txn, &req, true, false, false).await?;
    told.extend(winners.iter().copied());
    notify::notify(
        &txn,
        state,
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
    notify::notify(&txn, state, actor, &others, NoticeKind::Status, &req, None).await?;
    finish(state, txn, lang, req, viewer).await
}

/// Staff members, for the assignment list (staff).
pub async fn staff_members(state: &AppState, actor: &Actor) -> AppResult<Vec<(i32, String)>> {
    actor.require_staff()?;
    Ok(notify::staff(&state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect())
}

/// What the desk shows of one request: the request (its notifications read), the
/// enterprises that could answer it while it may still be shortlisted, and who it may be
/// assigned to.
pub struct DeskRequest {
    pub request: RequestView,
    pub suggestions: Vec<super::Suggestion>,
    pub staff_members: Vec<(i32, String)>,
}

/// One request at the desk (staff).
pub async fn desk_request(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
) -> AppResult<DeskRequest> {
    actor.require_staff()?;
    let request = super::open(state, actor, lang, id).await?;
    let suggestions = if request.can("shortlist") {
        super::suggestions(state, actor, lang, id).await?
    } else {
        Vec::new()
    };
    Ok(DeskRequest {
        request,
        suggestions,
        staff_members: staff_members(state, actor).await?,
    })
}

/// The desk's list: requests filtered as staff asked, and how many are overdue.
pub struct DeskList {
    pub page: super::RequestPage,
    pub overdue_count: u64,
}

/// The desk's list of requests (staff).
pub async fn desk_list(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    filter: &super::RequestFilter,
) -> AppResult<DeskList> {
    actor.require_staff()?;
    let page = super::list(state, actor, lang, filter).await?;
    let overdue = super::RequestFilter {
        overdue: Some(true),
        per_page: Some(1),
        ..Default::default()
    };
    let overdue_count = super::list(state, actor, lang, &overdue).await?.total;
    Ok(DeskList {
        page,
        overdue_count,
    })
}

/// A state change made at the desk (staff; a requester withdraws from their own page).
pub async fn transition_at_desk(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &TransitionInput,
) -> AppResult<RequestView> {
    actor.require_staff()?;
    transition(state, actor, lang, id, input).await
}

/// A message written at the desk, in the centre's thread or an enterprise's (staff).
pub async fn message_at_desk(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &super::MessageInput,
) -> AppResult<RequestView> {
    actor.require_staff()?;
    super::message(state, actor, lang, id, input).await
}
