//! A buyer's interest at a booth, written down by staff or the exhibitor, becomes a
//! market-linkage request for the desk.

use super::{ExhibitorView, FairKey, FairView, get};
use crate::context::AppState;
use crate::db::entities::enterprise_member;
use crate::domain::fair::parse_booth;
use crate::domain::{Code, Invalid, Num, RequestInput};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::services::Actor;
use crate::services::catalogue::{self, ProductView};
use crate::services::requests::{self, RequestSource, RequestView, Submission};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// The lead-capture form of a fair: the fair and the booths the actor writes leads for. A
/// visitor is asked to sign in; someone with no booth there is refused.
pub async fn capture_form(
    state: &AppState,
    actor: &Actor,
    slug: &str,
) -> AppResult<(FairView, Vec<ExhibitorView>)> {
    actor.require_signed_in()?;
    let fair = get(state, FairKey::Slug(slug)).await?;
    let booths: Vec<ExhibitorView> = capturable(&state.db, actor, &fair)
        .await?
        .into_iter()
        .cloned()
        .collect();
    if booths.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok((fair, booths))
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
        .ok_or_else(|| Invalid::one("booth", Code::FairBoothUnknown))?;
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
                .ok_or_else(|| Invalid::one("product_ids", Code::FairProductNotShown))
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
