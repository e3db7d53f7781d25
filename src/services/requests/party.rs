//! What the two sides do on a request: a forwarded producer answers it; the requester,
//! the producers and staff write messages.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    Audience, Event, EventKind, RequestView, Viewer, audience_ids, finish, forwarded_ids,
    members_of, open_for_change, record, require_open,
};
use crate::context::AppState;
use crate::db::entities::request_match;
use crate::domain::{Code, Invalid, RequestStatus, Response, ResponseInput, long_text};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::services::Actor;
use crate::services::notify::{self, NoticeKind};

/// The producer side of a request: which forwarded enterprise the actor answers for.
pub(super) fn answering_enterprise(
    viewer: &Viewer,
    asked: Option<i32>,
    forwarded: &[i32],
) -> AppResult<i32> {
    match viewer {
        Viewer::Producer(mine) => match asked {
            Some(e) if mine.contains(&e) => Ok(e),
            Some(_) => Err(AppError::Forbidden),
            None if mine.len() == 1 => Ok(mine[0]),
            None => Err(Invalid::one("enterprise_id", Code::RequestEnterpriseRequired).into()),
        },
        // Staff answer for a producer they talked to on the phone.
        Viewer::Staff => match asked {
            Some(e) if forwarded.contains(&e) => Ok(e),
            Some(_) => Err(AppError::state(Code::RequestNotForwarded)),
            None => Err(Invalid::one("enterprise_id", Code::RequestEnterpriseRequired).into()),
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
        req.status,
        RequestStatus::Forwarded | RequestStatus::Negotiating
    ) {
        return Err(AppError::state(Code::RequestTransition));
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
    active.answered_at = Set(Some(state.clock.now()));
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
        state.clock.now(),
        actor,
        &mut req,
        Event::new(EventKind::Answered, kind, &summary).about(Some(enterprise_id)),
    )
    .await?;
    let ids = audience_ids(&txn, &req, notice == NoticeKind::Offer, true, false).await?;
    notify::notify(&txn, state, actor, &ids, notice, &req, Some(&summary)).await?;
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
        return Err(Invalid::one("body", Code::TextRequired).into());
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
            Some(_) => return Err(AppError::state(Code::RequestNotForwarded)),
        },
    };
    let audience = if thread.is_some() {
        Audience::Thread
    } else {
        Audience::Requester
    };
    record(
        &txn,
        state.clock.now(),
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
        state,
        actor,
        &ids,
        NoticeKind::Message,
        &req,
        Some(&body),
    )
    .await?;
    finish(state, txn, lang, req, viewer).await
}
