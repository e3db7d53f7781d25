//! What each person sees of a request, and the lists of requests.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Audience, Viewer, is_overdue, overdue_before, viewer_of};
use crate::context::AppState;
use crate::db::entities::{
    enterprise, enterprise_member, product, request, request_event, request_match, user,
};
use crate::domain::Code;
use crate::domain::{
    DeclineReason, Frequency, NoDealReason, PhoneNumber, RequestKind, RequestStatus, SupplyKind,
    TransferDirection,
};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::services::Actor;

/// Loads the rows of `$entity` with the given ids into a map by id.
macro_rules! by_id {
    ($db:expr, $entity:ident, $ids:expr) => {
        $entity::Entity::find()
            .filter($entity::Column::Id.is_in($ids))
            .all($db)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect::<std::collections::HashMap<i32, $entity::Model>>()
    };
}
pub(crate) use by_id;

/// A record named by id, with its public page when it has one.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LinkRef {
    pub id: i32,
    pub name: String,
    pub url: Option<String>,
}

impl LinkRef {
    pub fn enterprise(e: &enterprise::Model) -> Self {
        LinkRef {
            id: e.id,
            name: e.name.clone(),
            url: Some(format!("/co-so/{}", e.slug)),
        }
    }

    /// A product links to its page only while buyers can see it.
    pub fn product(p: &product::Model) -> Self {
        LinkRef {
            id: p.id,
            name: p.name.clone(),
            url: (p.status == crate::domain::ProductStatus::Published)
                .then(|| crate::domain::product::page_path(&p.slug)),
        }
    }
}

/// How to reach someone: shown only to staff, and to the other side once staff connect them.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Contact {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RequesterView {
    pub name: String,
    pub organisation: Option<String>,
    /// A guest (no account), known by name and phone.
    pub guest: bool,
    /// Guests: staff have called the number and it is real.
    pub phone_verified: bool,
    pub contact: Option<Contact>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MatchView {
    pub enterprise: LinkRef,
    pub place: String,
    pub product: Option<LinkRef>,
    /// Staff only: why this enterprise was shortlisted.
    pub note: Option<String>,
    pub shortlisted_at: DateTime<Utc>,
    pub forwarded_at: Option<DateTime<Utc>>,
    /// `interested` or `declined`, once the producer answers.
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub offer_price_vnd: Option<i64>,
    pub offer_quantity: Option<i64>,
    pub lead_time_days: Option<i32>,
    pub answer_message: Option<String>,
    pub decline_reason: Option<DeclineReason>,
    pub connected: bool,
    pub contact: Option<Contact>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    /// The actor is centre staff.
    pub by_staff: bool,
    /// `submitted`, `status`, `assigned`, `note`, `shortlisted`, `unshortlisted`,
    /// `forwarded`, `answered`, `message`, `connected`, `phone_verified`, `closed`.
    pub kind: String,
    /// `staff`, `requester`, `enterprise`, `thread` or `everyone`.
    pub audience: String,
    /// The enterprise a thread or a forwarding concerns; none for the requester's thread
    /// with the centre.
    pub enterprise_id: Option<i32>,
    pub from_status: Option<RequestStatus>,
    pub to_status: Option<RequestStatus>,
    pub body: String,
}

/// One conversation on a request: the requester with an enterprise, or with the centre.
#[derive(Clone, Debug)]
pub struct Thread {
    pub enterprise_id: Option<i32>,
    /// The enterprise's name; empty for the thread with the centre.
    pub name: String,
    pub messages: Vec<EventView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    /// `deal` or `no_deal`.
    pub result: String,
    pub value_vnd: Option<i64>,
    pub quantity: Option<i64>,
    pub supply: Option<SupplyKind>,
    pub enterprise_id: Option<i32>,
    pub reason: Option<NoDealReason>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: i32,
    pub kind: RequestKind,
    pub status: RequestStatus,
    /// Where the request stands, in plain words for the person asking.
    pub progress: String,
    pub title: String,
    pub description: String,
    pub product: Option<LinkRef>,
    pub enterprise: Option<LinkRef>,
    pub category: Option<String>,
    pub category_name: Option<String>,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub target_price_vnd: Option<i64>,
    pub needed_by: Option<NaiveDate>,
    pub supply: Option<SupplyKind>,
    pub frequency: Option<Frequency>,
    pub duration_months: Option<i32>,
    pub direction: Option<TransferDirection>,
    pub budget_min_vnd: Option<i64>,
    pub budget_max_vnd: Option<i64>,
    pub province_code: Option<i32>,
    pub province: Option<String>,
    pub commune_code: Option<i32>,
    pub commune: Option<String>,
    /// `form`, `api`, `product`, `enterprise`, `search` or `fair`.
    pub source: String,
    /// The trade fair it came from (a booth lead, or a visit that began with a QR scan).
    pub fair: Option<LinkRef>,
    pub requester: RequesterView,
    pub assigned_to: Option<LinkRef>,
    /// Open and idle longer than the centre allows.
    pub overdue: bool,
    pub forwarded_count: usize,
    pub interested_count: usize,
    pub matches: Vec<MatchView>,
    pub timeline: Vec<EventView>,
    pub outcome: Option<OutcomeView>,
    pub rejection_reason: Option<String>,
    /// What the person asking may do now: `withdraw`, `message`, `respond`, `assign`,
    /// `note`, `shortlist`, `forward`, `connect`, `close`, `verify_phone`, and the states
    /// staff may move it to as `to:<status>`.
    pub actions: Vec<String>,
    /// How the caller sees the request: `staff`, `requester` or `producer`.
    pub viewer: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl RequestView {
    pub fn place(&self) -> String {
        crate::db::reference::join_place(self.commune.as_deref(), self.province.as_deref())
    }

    pub fn can(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action)
    }

    /// The message threads the viewer can write in, with their messages: the requester and
    /// staff have a thread with each other (first) and one with each forwarded enterprise;
    /// a producer has the one with the requester.
    pub fn threads(&self) -> Vec<Thread> {
        let mut ids: Vec<Option<i32>> = Vec::new();
        if self.viewer != "producer" {
            ids.push(None);
        }
        ids.extend(
            self.timeline
                .iter()
                .filter(|e| e.kind == "message" && e.enterprise_id.is_some())
                .map(|e| e.enterprise_id),
        );
        ids.extend(
            self.matches
                .iter()
                .filter(|m| m.forwarded_at.is_some())
                .map(|m| Some(m.enterprise.id)),
        );
        let mut seen = Vec::new();
        ids.retain(|id| {
            let new = !seen.contains(id);
            seen.push(*id);
            new
        });
        ids.into_iter()
            .map(|id| Thread {
                enterprise_id: id,
                name: id
                    .and_then(|id| self.matches.iter().find(|m| m.enterprise.id == id))
                    .map(|m| m.enterprise.name.clone())
                    .unwrap_or_default(),
                messages: self
                    .timeline
                    .iter()
                    .filter(|e| e.kind == "message" && e.enterprise_id == id)
                    .cloned()
                    .collect(),
            })
            .collect()
    }
}

/// Plain words for where a request stands.
pub fn progress(lang: Lang, status: RequestStatus, forwarded: usize, connected: usize) -> String {
    let n = match status {
        RequestStatus::Forwarded => forwarded,
        RequestStatus::Negotiating => connected.max(1),
        _ => 0,
    };
    t(lang, &format!("progress.{status}")).replace("{n}", &n.to_string())
}

fn contact_of_user(u: Option<&user::Model>) -> Contact {
    Contact {
        phone: u
            .and_then(|u| u.phone.as_deref())
            .map(|p| PhoneNumber::parse(p).map_or(p.to_string(), |p| p.display())),
        email: u.and_then(|u| u.email.clone()),
        address: None,
    }
}

fn contact_of_enterprise(e: &enterprise::Model) -> Contact {
    Contact {
        phone: e
            .phone
            .as_deref()
            .map(|p| PhoneNumber::parse(p).map_or(p.to_string(), |p| p.display())),
        email: e.email.clone(),
        address: Some(e.address.clone()),
    }
}

/// Builds the view of one request for one viewer.
pub async fn view_for(
    state: &AppState,
    lang: Lang,
    req: &request::Model,
    viewer: &Viewer,
) -> AppResult<RequestView> {
    let db = &state.db;
    let reference = &state.reference;
    let status = req.status;
    let matches = request_match::Entity::find()
        .filter(request_match::Column::RequestId.eq(req.id))
        .order_by_asc(request_match::Column::Id)
        .all(db)
        .await?;
    let mut enterprise_ids: Vec<i32> = matches.iter().map(|m| m.enterprise_id).collect();
    enterprise_ids.extend(req.enterprise_id);
    let enterprises = by_id!(db, enterprise, enterprise_ids);
    let mut product_ids: Vec<i32> = matches.iter().filter_map(|m| m.product_id).collect();
    product_ids.extend(req.product_id);
    let products = by_id!(db, product, product_ids);
    let product_ref = |id: i32| products.get(&id).map(LinkRef::product);
    let enterprise_ref = |id: i32| enterprises.get(&id).map(LinkRef::enterprise);
    let events = request_event::Entity::find()
        .filter(request_event::Column::RequestId.eq(req.id))
        .order_by_asc(request_event::Column::Id)
        .all(db)
        .await?;
    let mut user_ids: Vec<i32> = events.iter().filter_map(|e| e.actor_id).collect();
    user_ids.extend(req.requester_id);
    user_ids.extend(req.assigned_to);
    let users = by_id!(db, user, user_ids);

    let visible_match = |m: &request_match::Model| match viewer {
        Viewer::Staff => true,
        Viewer::Requester => m.forwarded_at.is_some() && m.answer.as_deref() == Some("interested"),
        Viewer::Producer(mine) => mine.contains(&m.enterprise_id),
    };
    let forwarded_count = matches.iter().filter(|m| m.forwarded_at.is_some()).count();
    let interested_count = matches
        .iter()
        .filter(|m| m.answer.as_deref() == Some("interested"))
        .count();
    let connected_count = matches.iter().filter(|m| m.connected_at.is_some()).count();
    let match_views: Vec<MatchView> = matches
        .iter()
        .filter(|m| visible_match(m))
        .filter_map(|m| {
            let e = enterprises.get(&m.enterprise_id)?;
            let show_contact = viewer.is_staff()
                || (matches!(viewer, Viewer::Requester) && m.connected_at.is_some());
            Some(MatchView {
                enterprise: enterprise_ref(e.id)?,
                place: reference.place_name(e.commune_code),
                product: m.product_id.and_then(product_ref),
                note: m.note.clone().filter(|_| viewer.is_staff()),
                shortlisted_at: m.shortlisted_at,
                forwarded_at: m.forwarded_at,
                answer: m.answer.clone(),
                answered_at: m.answered_at,
                offer_price_vnd: m.offer_price_vnd,
                offer_quantity: m.offer_quantity,
                lead_time_days: m.lead_time_days,
                answer_message: m.answer_message.clone(),
                decline_reason: m.decline_reason.as_deref().and_then(DeclineReason::parse),
                connected: m.connected_at.is_some(),
                contact: show_contact.then(|| contact_of_enterprise(e)),
            })
        })
        .collect();

    let visible_event = |e: &request_event::Model| {
        let audience = Audience::parse(&e.audience).unwrap_or(Audience::Staff);
        match viewer {
            Viewer::Staff => true,
            Viewer::Requester => matches!(
                audience,
                Audience::Everyone | Audience::Requester | Audience::Thread
            ),
            Viewer::Producer(mine) => match audience {
                Audience::Everyone => true,
                Audience::Enterprise | Audience::Thread => {
                    e.enterprise_id.is_some_and(|id| mine.contains(&id))
                }
                _ => false,
            },
        }
    };
    // A producer learns who is asking only once staff connect them.
    let producer_connected = match viewer {
        Viewer::Producer(mine) => matches
            .iter()
            .any(|m| mine.contains(&m.enterprise_id) && m.connected_at.is_some()),
        _ => false,
    };
    let hide_requester = matches!(viewer, Viewer::Producer(_)) && !producer_connected;
    let timeline = events
        .iter()
        .filter(|e| visible_event(e))
        .map(|e| {
            let actor = e.actor_id.and_then(|id| users.get(&id));
            let by_staff = actor.is_some_and(|u| u.role.is_staff());
            EventView {
                id: e.id,
                at: e.at,
                actor: actor.map(|u| {
                    if by_staff && !viewer.is_staff() {
                        format!("{} ({})", u.full_name, t(lang, "request.the_centre"))
                    } else if hide_requester && Some(u.id) == req.requester_id {
                        t(lang, "request.a_buyer").to_string()
                    } else {
                        u.full_name.clone()
                    }
                }),
                by_staff,
                kind: e.kind.clone(),
                audience: e.audience.clone(),
                enterprise_id: e.enterprise_id,
                from_status: e.from_status,
                to_status: e.to_status,
                body: e.body.clone(),
            }
        })
        .collect();

    let requester_user = req.requester_id.and_then(|id| users.get(&id));
    let requester_contact = match requester_user {
        Some(u) => contact_of_user(Some(u)),
        None => Contact {
            phone: req
                .contact_phone
                .as_deref()
                .map(|p| PhoneNumber::parse(p).map_or(p.to_string(), |p| p.display())),
            email: None,
            address: None,
        },
    };
    let requester = RequesterView {
        name: if hide_requester {
            t(lang, "request.a_buyer").to_string()
        } else {
            requester_user
                .map(|u| u.full_name.clone())
                .or_else(|| req.contact_name.clone())
                .unwrap_or_default()
        },
        organisation: req.organisation.clone().filter(|_| !hide_requester),
        guest: req.requester_id.is_none(),
        phone_verified: req.requester_id.is_some() || req.phone_verified_at.is_some(),
        contact: (viewer.is_staff() || matches!(viewer, Viewer::Requester) || producer_connected)
            .then_some(requester_contact),
    };
    let category = req.category_id.and_then(|id| reference.category(id));
    let (province, commune) = (
        req.province_code.and_then(|c| reference.province(c)),
        req.commune_code.and_then(|c| reference.commune(c)),
    );
    // The outcome is the requester's, the centre's and the winning enterprise's business;
    // other producers see only that the request closed.
    let party_to_outcome = match viewer {
        Viewer::Staff | Viewer::Requester => true,
        Viewer::Producer(mine) => req.deal_enterprise_id.is_some_and(|e| mine.contains(&e)),
    };
    let outcome = match status {
        _ if !party_to_outcome => None,
        RequestStatus::ClosedDeal => Some(OutcomeView {
            result: "deal".into(),
            value_vnd: req.deal_value_vnd,
            quantity: req.deal_quantity,
            supply: req.deal_supply.as_deref().and_then(SupplyKind::parse),
            enterprise_id: req.deal_enterprise_id,
            reason: None,
            note: req.outcome_note.clone().filter(|_| viewer.is_staff()),
        }),
        RequestStatus::ClosedNoDeal => Some(OutcomeView {
            result: "no_deal".into(),
            value_vnd: None,
            quantity: None,
            supply: None,
            enterprise_id: None,
            reason: req.no_deal_reason.as_deref().and_then(NoDealReason::parse),
            note: req.outcome_note.clone().filter(|_| viewer.is_staff()),
        }),
        _ => None,
    };
    let progress_text = match viewer {
        Viewer::Producer(mine) => {
            let answered = matches
                .iter()
                .any(|m| mine.contains(&m.enterprise_id) && m.answer.is_some());
            if status.is_open() && !answered {
                t(lang, "progress.producer.waiting").to_string()
            } else if status.is_open() {
                t(lang, "progress.producer.answered").to_string()
            } else {
                progress(lang, status, forwarded_count, connected_count)
            }
        }
        _ => progress(lang, status, forwarded_count, connected_count),
    };
    Ok(RequestView {
        id: req.id,
        kind: req.kind,
        status,
        progress: progress_text,
        title: req.title.clone(),
        description: req.description.clone(),
        product: req.product_id.and_then(product_ref),
        enterprise: req.enterprise_id.and_then(enterprise_ref),
        category: category.map(|c| c.slug.clone()),
        category_name: category.map(|c| c.name(lang).to_string()),
        quantity: req.quantity,
        unit: req.unit.clone(),
        target_price_vnd: req.target_price_vnd,
        needed_by: req.needed_by,
        supply: req.supply.as_deref().and_then(SupplyKind::parse),
        frequency: req.frequency.as_deref().and_then(Frequency::parse),
        duration_months: req.duration_months,
        direction: req.direction.as_deref().and_then(TransferDirection::parse),
        budget_min_vnd: req.budget_min_vnd,
        budget_max_vnd: req.budget_max_vnd,
        province_code: req.province_code,
        province: province.map(|p| p.name.clone()),
        commune_code: req.commune_code,
        commune: commune.map(|c| c.name.clone()),
        source: req.source.clone(),
        fair: match req.fair_id {
            Some(id) => crate::db::entities::fair::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|f| LinkRef {
                    id: f.id,
                    name: f.name,
                    url: Some(format!("/hoi-cho/{}", f.slug)),
                }),
            None => None,
        },
        requester,
        assigned_to: req
            .assigned_to
            .and_then(|id| users.get(&id))
            .map(|u| LinkRef {
                id: u.id,
                name: u.full_name.clone(),
                url: None,
            }),
        overdue: is_overdue(req, &state.config, state.clock.now()),
        forwarded_count,
        interested_count,
        matches: match_views,
        timeline,
        outcome,
        rejection_reason: req.rejection_reason.clone(),
        actions: actions_for(req, viewer, &matches),
        viewer: match viewer {
            Viewer::Staff => "staff",
            Viewer::Requester => "requester",
            Viewer::Producer(_) => "producer",
        }
        .into(),
        created_at: req.created_at,
        updated_at: req.updated_at,
        last_activity_at: req.last_activity_at,
        first_response_at: req.first_response_at,
        closed_at: req.closed_at,
    })
}

fn actions_for(
    req: &request::Model,
    viewer: &Viewer,
    matches: &[request_match::Model],
) -> Vec<String> {
    let status = req.status;
    let mut out: Vec<String> = Vec::new();
    if !status.is_open() {
        return out;
    }
    match viewer {
        Viewer::Requester => {
            out.push("withdraw".into());
            out.push("message".into());
        }
        Viewer::Producer(_) => {
            if matches!(
                status,
                RequestStatus::Forwarded | RequestStatus::Negotiating
            ) {
                out.push("respond".into());
            }
            out.push("message".into());
        }
        Viewer::Staff => {
            for to in status.next() {
                if matches!(
                    to,
                    RequestStatus::InReview
                        | RequestStatus::Matching
                        | RequestStatus::Negotiating
                        | RequestStatus::Rejected
                ) {
                    out.push(format!("to:{to}"));
                }
            }
            out.extend(["assign", "note", "message"].map(String::from));
            if status != RequestStatus::Submitted {
                out.push("shortlist".into());
            }
            let waiting = matches.iter().any(|m| m.forwarded_at.is_none());
            if waiting
                && matches!(
                    status,
                    RequestStatus::Matching | RequestStatus::Forwarded | RequestStatus::Negotiating
                )
            {
                out.push("forward".into());
            }
            if matches
                .iter()
                .any(|m| m.forwarded_at.is_some() && m.connected_at.is_none())
            {
                out.push("connect".into());
            }
            if status.can_become(RequestStatus::ClosedNoDeal) {
                out.push("close".into());
            }
            if req.requester_id.is_none() && req.phone_verified_at.is_none() {
                out.push("verify_phone".into());
            }
        }
    }
    out
}

/// One request opened by the actor: as they may see it, its notifications to them read.
pub async fn open(state: &AppState, actor: &Actor, lang: Lang, id: i32) -> AppResult<RequestView> {
    let view = get(state, actor, lang, id).await?;
    if let Some(me) = actor.id() {
        crate::services::notify::mark_request_read(&state.db, state.clock.now(), me, id).await?;
    }
    Ok(view)
}

/// One request as the actor may see it.
pub async fn get(state: &AppState, actor: &Actor, lang: Lang, id: i32) -> AppResult<RequestView> {
    let req = request::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = viewer_of(&state.db, actor, &req).await?;
    view_for(state, lang, &req, &viewer).await
}

/// Filters of the request lists; every filter narrows.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    /// One state or several, comma-separated; `open` for every open state.
    pub status: Option<String>,
    /// `linkage` or `technology_transfer`.
    pub kind: Option<String>,
    /// Staff: `me`, `none`, or a staff member's id.
    pub assigned: Option<String>,
    /// Staff: only requests idle past the overdue limit.
    pub overdue: Option<bool>,
    /// Category slug (its subcategories included).
    pub category: Option<String>,
    /// Province code.
    pub province: Option<i32>,
    /// 1 to 10,000, default 1.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<u64>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RequestSummary {
    pub id: i32,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub progress: String,
    pub title: String,
    pub requester_name: String,
    pub organisation: Option<String>,
    pub guest: bool,
    pub phone_verified: bool,
    pub category_name: Option<String>,
    pub province: Option<String>,
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub assigned_to: Option<String>,
    pub overdue: bool,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RequestPage {
    pub items: Vec<RequestSummary>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

fn open_states() -> Vec<&'static str> {
    RequestStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}

/// The requests the actor may see, newest activity first (staff: overdue first).
pub async fn list(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    filter: &RequestFilter,
) -> AppResult<RequestPage> {
    let me = actor.require_signed_in()?;
    let db = &state.db;
    let reference = &state.reference;
    let mut select = request::Entity::find();
    if !me.role.is_staff() {
        let forwarded = Query::select()
            .column(request_match::Column::RequestId)
            .from(request_match::Entity)
            .and_where(request_match::Column::ForwardedAt.is_not_null())
            .and_where(
                request_match::Column::EnterpriseId.in_subquery(
                    Query::select()
                        .column(enterprise_member::Column::EnterpriseId)
                        .from(enterprise_member::Entity)
                        .and_where(enterprise_member::Column::UserId.eq(me.id))
                        .to_owned(),
                ),
            )
            .to_owned();
        select = select.filter(
            Condition::any()
                .add(request::Column::RequesterId.eq(me.id))
                .add(request::Column::Id.in_subquery(forwarded)),
        );
    }
    if let Some(status) = filter.status.as_deref().filter(|s| !s.trim().is_empty()) {
        let mut states: Vec<&str> = Vec::new();
        for s in status.split(',').map(str::trim) {
            if s == "open" {
                states.extend(open_states());
            } else {
                let parsed = RequestStatus::parse(s)
                    .ok_or_else(|| crate::domain::Invalid::one("status", Code::ChoiceInvalid))?;
                states.push(parsed.as_str());
            }
        }
        select = select.filter(request::Column::Status.is_in(states));
    }
    if let Some(kind) = filter.kind.as_deref().filter(|s| !s.trim().is_empty()) {
        let kind = RequestKind::parse(kind)
            .ok_or_else(|| crate::domain::Invalid::one("kind", Code::ChoiceInvalid))?;
        select = select.filter(request::Column::Kind.eq(kind));
    }
    if me.role.is_staff() {
        match filter.assigned.as_deref().map(str::trim) {
            None | Some("") => {}
            Some("me") => select = select.filter(request::Column::AssignedTo.eq(me.id)),
            Some("none") => select = select.filter(request::Column::AssignedTo.is_null()),
            Some(id) => {
                let id: i32 = id
                    .parse()
                    .map_err(|_| crate::domain::Invalid::one("assigned", Code::ChoiceInvalid))?;
                select = select.filter(request::Column::AssignedTo.eq(id));
            }
        }
        if filter.overdue == Some(true) {
            select = select
                .filter(request::Column::Status.is_in(open_states()))
                .filter(
                    request::Column::LastActivityAt
                        .lt(overdue_before(&state.config, state.clock.now())),
                );
        }
    }
    if let Some(slug) = filter.category.as_deref().filter(|s| !s.trim().is_empty()) {
        let ids = reference.category_and_descendants(slug.trim());
        if ids.is_empty() {
            return Err(crate::domain::Invalid::one("category", Code::CategoryUnknown).into());
        }
        select = select.filter(request::Column::CategoryId.is_in(ids));
    }
    if let Some(code) = filter.province {
        select = select.filter(request::Column::ProvinceCode.eq(code));
    }
    let paging = crate::domain::Paging::parse(filter.page, filter.per_page, 50, 200)?;
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(request::Column::LastActivityAt)
        .order_by_desc(request::Column::Id)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(db)
        .await?;
    let mut user_ids: Vec<i32> = rows.iter().filter_map(|r| r.requester_id).collect();
    user_ids.extend(rows.iter().filter_map(|r| r.assigned_to));
    let users = by_id!(db, user, user_ids);
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let matches = request_match::Entity::find()
        .filter(request_match::Column::RequestId.is_in(ids))
        .all(db)
        .await?;
    // Producers see who asks only on requests where staff connected them.
    let memberships: Vec<i32> = if me.role.is_staff() {
        Vec::new()
    } else {
        enterprise_member::Entity::find()
            .filter(enterprise_member::Column::UserId.eq(me.id))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.enterprise_id)
            .collect()
    };
    let items = rows
        .iter()
        .map(|r| {
            let status = r.status;
            let mine: Vec<&request_match::Model> =
                matches.iter().filter(|m| m.request_id == r.id).collect();
            let hide_requester = !me.role.is_staff()
                && r.requester_id != Some(me.id)
                && !mine
                    .iter()
                    .any(|m| m.connected_at.is_some() && memberships.contains(&m.enterprise_id));
            let forwarded = mine.iter().filter(|m| m.forwarded_at.is_some()).count();
            let connected = mine.iter().filter(|m| m.connected_at.is_some()).count();
            RequestSummary {
                id: r.id,
                kind: r.kind,
                status,
                progress: progress(lang, status, forwarded, connected),
                title: r.title.clone(),
                requester_name: if hide_requester {
                    t(lang, "request.a_buyer").to_string()
                } else {
                    r.requester_id
                        .and_then(|id| users.get(&id))
                        .map(|u| u.full_name.clone())
                        .or_else(|| r.contact_name.clone())
                        .unwrap_or_default()
                },
                organisation: r.organisation.clone().filter(|_| !hide_requester),
                guest: r.requester_id.is_none(),
                phone_verified: r.requester_id.is_some() || r.phone_verified_at.is_some(),
                category_name: r
                    .category_id
                    .and_then(|id| reference.category(id))
                    .map(|c| c.name(lang).to_string()),
                province: r
                    .province_code
                    .and_then(|c| reference.province(c))
                    .map(|p| p.name.clone()),
                quantity: r.quantity,
                unit: r.unit.clone(),
                assigned_to: r
                    .assigned_to
                    .and_then(|id| users.get(&id))
                    .map(|u| u.full_name.clone()),
                overdue: is_overdue(r, &state.config, state.clock.now()),
                source: r.source.clone(),
                created_at: r.created_at,
                last_activity_at: r.last_activity_at,
            }
        })
        .collect();
    Ok(RequestPage {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    })
}
