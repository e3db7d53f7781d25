//! Notifications: an in-app inbox for everyone, and e-mail to those with an address.
//!
//! Written in the same transaction as the change they announce; the e-mail goes into
//! `email_outbox` and is sent by `jobs::mail`, so a change is never announced without
//! happening, nor happens without being announced.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::Actor;
use crate::context::AppState;
use crate::db::entities::{email_outbox, notification, request, user};
use crate::domain::{Role, string_enum};
use crate::error::AppResult;
use crate::i18n::{Lang, t};

string_enum! {
    /// What a notification announces.
    NoticeKind {
        NewRequest => "new_request",
        Assigned => "assigned",
        Forwarded => "forwarded",
        Offer => "offer",
        Declined => "declined",
        Status => "status",
        Message => "message",
        Connected => "connected",
        /// A trademark, OCOP rating or certificate lapses within months.
        Expiring => "expiring",
        /// It has lapsed.
        Lapsed => "lapsed",
    }
}

/// Where a person reads a request: staff at the desk, everyone else on the request page.
pub fn request_path(role: Option<Role>, id: i32) -> String {
    if role.is_some_and(Role::is_staff) {
        format!("/staff/requests/{id}")
    } else {
        format!("/yeu-cau/{id}")
    }
}

/// Notifies `users` (minus whoever acted) about a request; queues e-mail for those with an
/// address. `detail` is a line of plain text added to the e-mail.
pub async fn notify(
    db: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    users: &[i32],
    kind: NoticeKind,
    request: &request::Model,
    detail: Option<&str>,
) -> AppResult<()> {
    let ids: Vec<i32> = users
        .iter()
        .copied()
        .filter(|id| Some(*id) != actor.id())
        .collect();
    deliver(
        db,
        state,
        &ids,
        kind,
        &request.title,
        About::Request(request.id),
        detail,
    )
    .await
}

/// Notifies `users` of something that is not a request (a certificate about to lapse, say):
/// an in-app notice opening `link`, and e-mail to those with an address.
pub async fn notice(
    db: &impl ConnectionTrait,
    state: &AppState,
    users: &[i32],
    kind: NoticeKind,
    subject: &str,
    link: &str,
    detail: Option<&str>,
) -> AppResult<()> {
    deliver(db, state, users, kind, subject, About::Link(link), detail).await
}

/// What a notice opens.
#[derive(Clone, Copy)]
enum About<'a> {
    Request(i32),
    Link(&'a str),
}

async fn deliver(
    db: &impl ConnectionTrait,
    state: &AppState,
    users: &[i32],
    kind: NoticeKind,
    subject: &str,
    about: About<'_>,
    detail: Option<&str>,
) -> AppResult<()> {
    let mut ids = users.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let (at, config) = (state.clock.now(), &*state.config);
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let base = config.base_url();
    for person in people {
        let (request_id, link) = match about {
            About::Request(id) => (Some(id), None),
            About::Link(l) => (None, Some(l.to_string())),
        };
        notification::ActiveModel {
            user_id: Set(person.id),
            at: Set(at),
            kind: Set(kind.as_str().into()),
            request_id: Set(request_id),
            subject: Set(subject.to_string()),
            read_at: Set(None),
            link: Set(link),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let Some(address) = person.email.clone() else {
            continue;
        };
        let path = match about {
            About::Request(id) => request_path(Some(person.role), id),
            About::Link(l) => l.to_string(),
        };
        let headline = t(Lang::Vi, &format!("notify.{kind}"));
        let mut body = format!(
            "{} {},\n\n{headline}: {subject}\n",
            t(Lang::Vi, "mail.greeting"),
            person.full_name,
        );
        if let Some(d) = detail.filter(|d| !d.is_empty()) {
            body.push_str(&format!("\n{d}\n"));
        }
        body.push_str(&format!(
            "\n{}: {base}{path}\n\n-- \n{}\n",
            t(Lang::Vi, "mail.open"),
            t(Lang::Vi, "site.footer")
        ));
        queue_mail(
            db,
            at,
            address,
            format!("[ketnoi] {headline}: {subject}"),
            body,
        )
        .await?;
    }
    Ok(())
}

/// Queues an e-mail in the outbox, in the caller's transaction; the mail worker sends it.
pub async fn queue_mail(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    to: String,
    subject: String,
    body: String,
) -> AppResult<()> {
    email_outbox::ActiveModel {
        to_address: Set(to),
        subject: Set(subject),
        body: Set(body),
        created_at: Set(at),
        attempts: Set(0),
        next_attempt_at: Set(at),
        sent_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Every staff member and administrator, by name.
pub async fn staff(db: &impl ConnectionTrait) -> AppResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.is_in([Role::Staff, Role::Admin]))
        .order_by_asc(user::Column::FullName)
        .all(db)
        .await?)
}

/// Ids of every staff member and administrator.
pub async fn staff_ids(db: &impl ConnectionTrait) -> AppResult<Vec<i32>> {
    Ok(staff(db).await?.into_iter().map(|u| u.id).collect())
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i32,
    pub at: chrono::DateTime<chrono::Utc>,
    /// `new_request`, `assigned`, `forwarded`, `offer`, `declined`, `status`, `message`,
    /// `connected`, `expiring`, `lapsed`.
    pub kind: String,
    /// In the request's language, e.g. "Yêu cầu mới".
    pub message: String,
    /// The request's title.
    pub subject: String,
    pub request_id: Option<i32>,
    pub url: Option<String>,
    pub read: bool,
}

/// The newest notifications of the signed-in person.
pub async fn inbox(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lang: Lang,
    limit: u64,
) -> AppResult<Vec<NotificationView>> {
    let me = actor.require_signed_in()?;
    let rows = notification::Entity::find()
        .filter(notification::Column::UserId.eq(me.id))
        .order_by_desc(notification::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|n| NotificationView {
            id: n.id,
            at: n.at,
            message: t(lang, &format!("notify.{}", n.kind)).into(),
            kind: n.kind,
            subject: n.subject,
            url: n
                .link
                .clone()
                .or_else(|| n.request_id.map(|id| request_path(Some(me.role), id))),
            request_id: n.request_id,
            read: n.read_at.is_some(),
        })
        .collect())
}

pub async fn unread_count(db: &impl ConnectionTrait, user_id: i32) -> AppResult<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks the given notifications (or all, when `ids` is empty) as read. Only one's own.
pub async fn mark_read(state: &AppState, actor: &Actor, ids: &[i32]) -> AppResult<u64> {
    let (db, at) = (&state.db, state.clock.now());
    let me = actor.require_signed_in()?;
    let mut update = notification::Entity::update_many()
        .col_expr(
            notification::Column::ReadAt,
            sea_orm::sea_query::Expr::value(Some(at)),
        )
        .filter(notification::Column::UserId.eq(me.id))
        .filter(notification::Column::ReadAt.is_null());
    if !ids.is_empty() {
        update = update.filter(notification::Column::Id.is_in(ids.iter().copied()));
    }
    Ok(update.exec(db).await?.rows_affected)
}

/// Marks one person's notifications about a request as read (they have opened it).
pub async fn mark_request_read(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    user_id: i32,
    request_id: i32,
) -> AppResult<()> {
    notification::Entity::update_many()
        .col_expr(
            notification::Column::ReadAt,
            sea_orm::sea_query::Expr::value(Some(at)),
        )
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::RequestId.eq(request_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
