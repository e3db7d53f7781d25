//! Reminders before something lapses: a registered trademark, an OCOP rating (36 months
//! from its certificate; from the start of its year when only the year is known), or a
//! certificate with a valid-until date. The producer is told (in-app and e-mail) six months, three
//! months and one month before, and when it has lapsed — once at each, whatever instances
//! run the job — and staff see everything lapsing soon in one list. A lapse also refreshes
//! the product's search document, so facets show the state the dates give.

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use utoipa::ToSchema;

use super::notify::{self, NoticeKind};
use super::{Actor, search_sync};
use crate::context::AppState;
use crate::db::entities::{document, enterprise, enterprise_member, expiry_reminder, product};
use crate::db::unique_violation;
use crate::domain::TrademarkStatus;
use crate::domain::expiry::{EXPIRING_MONTHS, ExpiryKind, Threshold};
use crate::error::AppResult;
use crate::i18n::{Lang, t};

/// How long after a lapse the producer is still told of it (older ones only refresh the
/// index: a mark that lapsed years ago is no news).
const LAPSED_NEWS_DAYS: i64 = 31;

/// Something that lapses, with its date.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExpiryItem {
    pub kind: ExpiryKind,
    pub enterprise_id: i32,
    pub enterprise: String,
    pub product_id: Option<i32>,
    pub document_id: Option<i32>,
    /// The product's name, or the document's title.
    pub title: String,
    pub expires_on: NaiveDate,
    /// The reminder due now (none once lapsed).
    pub threshold: Option<Threshold>,
    /// Where its producer deals with it.
    pub link: String,
}

/// Everything lapsing from `from` to `until` (both included).
async fn lapsing(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<ExpiryItem>> {
    let mut items = Vec::new();
    let marks = product::Entity::find()
        .filter(product::Column::TmStatus.eq(TrademarkStatus::Registered))
        .filter(product::Column::TmExpiresOn.between(from, until))
        .all(db)
        .await?;
    for p in marks {
        if let Some(on) = p.tm_expires_on {
            items.push(ExpiryItem {
                kind: ExpiryKind::Trademark,
                enterprise_id: p.enterprise_id,
                enterprise: String::new(),
                product_id: Some(p.id),
                document_id: None,
                link: format!("/dashboard/products/{}/edit", p.id),
                title: p.name,
                expires_on: on,
                threshold: Threshold::due(on, today),
            });
        }
    }
    let rated = product::Entity::find()
        .filter(product::Column::OcopStars.is_not_null())
        .all(db)
        .await?;
    for p in rated {
        let Some(on) = crate::services::catalogue::ocop_of(&p).map(|o| o.valid_until()) else {
            continue;
        };
        if on < from || on > until {
            continue;
        }
        items.push(ExpiryItem {
            kind: ExpiryKind::Ocop,
            enterprise_id: p.enterprise_id,
            enterprise: String::new(),
            product_id: Some(p.id),
            document_id: None,
            link: format!("/dashboard/products/{}/edit", p.id),
            title: p.name,
            expires_on: on,
            threshold: Threshold::due(on, today),
        });
    }
    let certificates = document::Entity::find()
        .filter(document::Column::ValidUntil.between(from, until))
        .all(db)
        .await?;
    for d in certificates {
        if let Some(on) = d.valid_until {
            items.push(ExpiryItem {
                kind: ExpiryKind::Certificate,
                enterprise_id: d.enterprise_id,
                enterprise: String::new(),
                product_id: d.product_id,
                document_id: Some(d.id),
                link: format!("/dashboard/enterprises/{}/media#documents", d.enterprise_id),
                title: d.title,
                expires_on: on,
                threshold: Threshold::due(on, today),
            });
        }
    }
    let names: Vec<(i32, String)> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(items.iter().map(|i| i.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    for item in &mut items {
        if let Some((_, n)) = names.iter().find(|(id, _)| *id == item.enterprise_id) {
            item.enterprise.clone_from(n);
        }
    }
    items.sort_by(|a, b| {
        a.expires_on
            .cmp(&b.expires_on)
            .then_with(|| a.title.cmp(&b.title))
    });
    Ok(items)
}

fn horizon(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_months(Months::new(EXPIRING_MONTHS))
        .unwrap_or(today)
}

/// What lapses in the next six months, soonest first, and what lapsed in the last month
/// (staff).
pub async fn expiring(state: &AppState, actor: &Actor) -> AppResult<Vec<ExpiryItem>> {
    actor.require_staff()?;
    let today = state.clock.today();
    lapsing(
        &state.db,
        today - chrono::Duration::days(LAPSED_NEWS_DAYS),
        horizon(today),
        today,
    )
    .await
}

/// Sends the reminders due today and notes what lapsed; returns how many it sent. Each
/// reminder is written with its notices in one transaction, and a reminder row that exists
/// already (another run, another instance) means it was sent: nothing goes twice.
pub async fn run(state: &AppState) -> AppResult<usize> {
    let today = state.clock.today();
    let mut sent = 0;
    // Coming up: the threshold due now.
    for item in lapsing(&state.db, today, horizon(today), today).await? {
        if let Some(threshold) = item.threshold
            && remind(state, &item, threshold, true).await?
        {
            sent += 1;
        }
    }
    // Lapsed: the index learns it whatever its age; the producer only if it is news.
    let long_ago = today - chrono::Duration::days(36_500);
    for item in lapsing(
        &state.db,
        long_ago,
        today - chrono::Duration::days(1),
        today,
    )
    .await?
    {
        let news = (today - item.expires_on).num_days() <= LAPSED_NEWS_DAYS;
        if remind(state, &item, Threshold::Lapsed, news).await? && news {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Writes one reminder and (when `tell`) its notices; `false` when it was sent before.
async fn remind(
    state: &AppState,
    item: &ExpiryItem,
    threshold: Threshold,
    tell: bool,
) -> AppResult<bool> {
    let at: DateTime<Utc> = state.clock.now();
    let txn = crate::db::write_txn(&state.db).await?;
    let subject_id = item.document_id.or(item.product_id).unwrap_or_default();
    let inserted = expiry_reminder::ActiveModel {
        kind: Set(item.kind),
        subject_id: Set(subject_id),
        expires_on: Set(item.expires_on),
        threshold: Set(threshold),
        sent_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if unique_violation(&e) => {
            txn.rollback().await?;
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    }
    if threshold == Threshold::Lapsed
        && let (Some(pid), ExpiryKind::Trademark | ExpiryKind::Ocop) = (item.product_id, item.kind)
    {
        search_sync::enqueue(&txn, at, &[pid]).await?;
    }
    if tell {
        let members: Vec<i32> = enterprise_member::Entity::find()
            .filter(enterprise_member::Column::EnterpriseId.eq(item.enterprise_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let (kind, key) = if threshold == Threshold::Lapsed {
            (NoticeKind::Lapsed, format!("expiry.lapsed.{}", item.kind))
        } else {
            (
                NoticeKind::Expiring,
                format!("expiry.expiring.{}", item.kind),
            )
        };
        let subject = t(Lang::Vi, &key)
            .replace("{title}", &item.title)
            .replace("{date}", &item.expires_on.format("%d/%m/%Y").to_string());
        notify::notice(
            &txn,
            state,
            &members,
            kind,
            &subject,
            &item.link,
            Some(t(Lang::Vi, &format!("expiry.advice.{}", item.kind))),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(true)
}
