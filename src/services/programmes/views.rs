//! A programme as staff see it: its particulars, file, money, beneficiaries, follow-up,
//! risks and what came of it beside what it cost.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use super::documents::ProgrammeDocumentView;
use super::follow::{risk_message, risks_of};
use super::moves::{checklist, gaps};
use super::outcomes::{BeneficiaryOutcome, OutcomeTotals, beneficiary_outcomes};
use crate::context::AppState;
use crate::db::entities::{
    enterprise, facility_survey, programme, programme_beneficiary, programme_commune,
    programme_contribution, programme_disbursement, programme_document, programme_event,
    programme_milestone, programme_visit, user,
};
use crate::domain::programme::follow::{MilestoneKind, Risk};
use crate::domain::programme::{Gap, Money};
use crate::domain::{
    BeneficiaryStatus, CancelReason, ChecklistItem, FundingSource, ProgrammeKind, ProgrammeStatus,
};
use crate::error::AppResult;
use crate::i18n::{Lang, t};

/// A commune where a programme happens.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlaceView {
    pub code: i32,
    pub name: String,
}

/// The product group a programme supports.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub slug: String,
    pub name: String,
}

/// A payment made under a programme.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DisbursementView {
    pub id: i32,
    pub paid_on: NaiveDate,
    pub amount_vnd: i64,
    pub purpose: String,
}

/// One step of a programme's timeline.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProgrammeEventView {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i32>,
    pub actor: Option<String>,
    /// `proposed`, `moved`, `disbursed`, `edited`, `beneficiary_added`, `visit`, …
    pub kind: String,
    pub from: Option<ProgrammeStatus>,
    pub to: Option<ProgrammeStatus>,
    pub body: String,
}

/// An enterprise a programme supports.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BeneficiaryView {
    pub id: i32,
    pub enterprise_id: i32,
    pub enterprise: String,
    pub support: String,
    pub support_vnd: i64,
    pub contribution_vnd: i64,
    /// Counterpart money recorded as paid in.
    pub contributed_vnd: i64,
    pub product_id: Option<i32>,
    pub fair_id: Option<i32>,
    pub status: BeneficiaryStatus,
    pub withdraw_reason: Option<String>,
    /// The beneficiary that took its place.
    pub replaced_by: Option<i32>,
}

/// A piece of the proposal's file.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChecklistView {
    pub item: ChecklistItem,
    pub label: String,
    pub done: bool,
    pub note: String,
}

/// Something missing from a proposal, said in the reader's language.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GapView {
    /// `checklist`, `no_beneficiary`, `tax_code_missing`, `not_of_kind`,
    /// `counterpart_short`, `over_kind_limit`, `support_over_budget`.
    pub gap: &'static str,
    /// The missing piece of the file (`checklist`).
    pub item: Option<ChecklistItem>,
    /// The beneficiary concerned (`tax_code_missing`, `not_of_kind`).
    pub enterprise_id: Option<i32>,
    pub message: String,
}

/// A milestone the programme is followed by.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MilestoneView {
    pub id: i32,
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub beneficiary_id: Option<i32>,
    pub done_at: Option<DateTime<Utc>>,
    /// Past its date and not done.
    pub overdue: bool,
}

/// A visit staff made.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VisitView {
    pub id: i32,
    pub visited_on: NaiveDate,
    pub beneficiary_id: Option<i32>,
    pub notes: String,
    pub by: Option<String>,
    /// Photos taken (in `documents`, by id).
    pub photo_ids: Vec<i32>,
}

/// Counterpart money a beneficiary paid in.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ContributionView {
    pub id: i32,
    pub beneficiary_id: i32,
    pub received_on: NaiveDate,
    pub amount_vnd: i64,
    pub note: String,
}

/// Why the programme is at risk.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RiskView {
    #[serde(flatten)]
    pub risk: Risk,
    pub message: String,
}

/// A programme as staff see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProgrammeView {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub kind: ProgrammeKind,
    pub funding_source: FundingSource,
    pub year: i32,
    pub status: ProgrammeStatus,
    /// The states it may move to now.
    pub next: Vec<ProgrammeStatus>,
    pub communes: Vec<PlaceView>,
    pub category: Option<GroupView>,
    pub staff_id: Option<i32>,
    pub staff: Option<String>,
    pub description: String,
    pub proposed_vnd: i64,
    pub approved_vnd: Option<i64>,
    pub decision_number: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub acceptance_minutes: Option<String>,
    pub final_vnd: Option<i64>,
    pub cancel_reason: Option<CancelReason>,
    pub cancel_words: Option<String>,
    pub deferred_to: Option<i32>,
    /// Paid out so far.
    pub disbursed_vnd: i64,
    /// What may still be paid out under the approved budget.
    pub remaining_vnd: i64,
    /// The beneficiaries' committed share, and what of it was paid in.
    pub contribution_vnd: i64,
    pub contributed_vnd: i64,
    pub disbursements: Vec<DisbursementView>,
    pub events: Vec<ProgrammeEventView>,
    /// The enterprises it supports, withdrawn and replaced ones included.
    pub beneficiaries: Vec<BeneficiaryView>,
    /// The kind's checklist and what of it the file holds.
    pub checklist: Vec<ChecklistView>,
    /// What stops the proposal from being appraised (empty once it holds up).
    pub gaps: Vec<GapView>,
    pub milestones: Vec<MilestoneView>,
    pub visits: Vec<VisitView>,
    pub contributions: Vec<ContributionView>,
    pub documents: Vec<ProgrammeDocumentView>,
    /// Why it is at risk now (empty when on track or closed).
    pub risks: Vec<RiskView>,
    /// What came of it for each beneficiary that took part.
    pub outcomes: Vec<BeneficiaryOutcome>,
    /// What came of it as a whole, beside what it cost.
    pub totals: OutcomeTotals,
    /// The surveys it started from.
    pub survey_ids: Vec<i32>,
    /// Incremented by every change.
    pub version: i32,
}

fn gap_message(lang: Lang, gap: Gap, names: &[(i32, String)]) -> String {
    let text = t(lang, gap.key());
    let name = |id: i32| {
        names
            .iter()
            .find(|(e, _)| *e == id)
            .map(|(_, n)| n.as_str())
            .unwrap_or_default()
            .to_string()
    };
    match gap {
        Gap::Checklist { item } => {
            text.replace("{item}", t(lang, &format!("programme.checklist.{item}")))
        }
        Gap::CounterpartShort { percent } => text.replace("{percent}", &percent.to_string()),
        Gap::TaxCodeMissing { enterprise_id } | Gap::NotOfKind { enterprise_id } => {
            text.replace("{enterprise}", &name(enterprise_id))
        }
        Gap::OverKindLimit { limit_vnd } => text.replace(
            "{limit}",
            &format!("{} ₫", crate::domain::text::group_thousands(limit_vnd)),
        ),
        Gap::NoBeneficiary | Gap::SupportOverBudget => text.to_string(),
    }
}

async fn names_of(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> AppResult<Vec<(i32, String)>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect())
}

#[allow(clippy::too_many_lines)] // reads each part of the programme once, in order
pub(super) async fn view(
    state: &AppState,
    lang: Lang,
    row: programme::Model,
) -> AppResult<ProgrammeView> {
    let db = &state.db;
    let today = state.clock.today();
    let communes = programme_commune::Entity::find()
        .filter(programme_commune::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_commune::Column::CommuneCode)
        .all(db)
        .await?
        .into_iter()
        .map(|c| PlaceView {
            code: c.commune_code,
            name: state
                .reference
                .commune(c.commune_code)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
        })
        .collect();
    let disbursements: Vec<DisbursementView> = programme_disbursement::Entity::find()
        .filter(programme_disbursement::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_disbursement::Column::PaidOn)
        .order_by_asc(programme_disbursement::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|d| DisbursementView {
            id: d.id,
            paid_on: d.paid_on,
            amount_vnd: d.amount_vnd,
            purpose: d.purpose,
        })
        .collect();
    let events = programme_event::Entity::find()
        .filter(programme_event::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_event::Column::Id)
        .all(db)
        .await?;
    let visits = programme_visit::Entity::find()
        .filter(programme_visit::Column::ProgrammeId.eq(row.id))
        .order_by_desc(programme_visit::Column::VisitedOn)
        .order_by_desc(programme_visit::Column::Id)
        .all(db)
        .await?;
    let people = names_of(
        db,
        events
            .iter()
            .filter_map(|e| e.actor_id)
            .chain(visits.iter().filter_map(|v| v.created_by))
            .chain(row.staff_id),
    )
    .await?;
    let person = |id: Option<i32>| {
        id.and_then(|id| people.iter().find(|(u, _)| *u == id))
            .map(|(_, n)| n.clone())
    };
    let documents: Vec<ProgrammeDocumentView> = programme_document::Entity::find()
        .filter(programme_document::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_document::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(ProgrammeDocumentView::from_row)
        .collect();
    let contributions: Vec<ContributionView> = programme_contribution::Entity::find()
        .filter(programme_contribution::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_contribution::Column::ReceivedOn)
        .all(db)
        .await?
        .into_iter()
        .map(|c| ContributionView {
            id: c.id,
            beneficiary_id: c.beneficiary_id,
            received_on: c.received_on,
            amount_vnd: c.amount_vnd,
            note: c.note,
        })
        .collect();
    let milestones = programme_milestone::Entity::find()
        .filter(programme_milestone::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_milestone::Column::DueOn)
        .all(db)
        .await?
        .into_iter()
        .map(|m| MilestoneView {
            overdue: m.done_at.is_none() && m.due_on < today,
            id: m.id,
            kind: m.kind,
            title: m.title,
            due_on: m.due_on,
            beneficiary_id: m.beneficiary_id,
            done_at: m.done_at,
        })
        .collect();
    let rows = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_beneficiary::Column::Id)
        .all(db)
        .await?;
    let enterprises: Vec<(i32, String)> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(rows.iter().map(|b| b.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let named: Vec<(programme_beneficiary::Model, String)> = rows
        .into_iter()
        .map(|b| {
            let name = enterprises
                .iter()
                .find(|(id, _)| *id == b.enterprise_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default();
            (b, name)
        })
        .collect();
    let outcomes = beneficiary_outcomes(db, lang, &named).await?;
    let beneficiaries: Vec<BeneficiaryView> = named
        .into_iter()
        .map(|(b, enterprise)| BeneficiaryView {
            contributed_vnd: contributions
                .iter()
                .filter(|c| c.beneficiary_id == b.id)
                .map(|c| c.amount_vnd)
                .sum(),
            id: b.id,
            enterprise_id: b.enterprise_id,
            enterprise,
            support: b.support,
            support_vnd: b.support_vnd,
            contribution_vnd: b.contribution_vnd,
            product_id: b.product_id,
            fair_id: b.fair_id,
            status: b.status,
            withdraw_reason: b.withdraw_reason,
            replaced_by: b.replaced_by,
        })
        .collect();
    let disbursed_vnd = disbursements.iter().map(|d| d.amount_vnd).sum();
    let money = Money {
        approved_vnd: row.approved_vnd,
        disbursed_vnd,
    };
    let gaps = gaps(db, state, &row)
        .await?
        .into_iter()
        .map(|gap| GapView {
            message: gap_message(lang, gap, &enterprises),
            gap: gap.key().trim_start_matches("programme.gap."),
            item: match gap {
                Gap::Checklist { item } => Some(item),
                _ => None,
            },
            enterprise_id: match gap {
                Gap::TaxCodeMissing { enterprise_id } | Gap::NotOfKind { enterprise_id } => {
                    Some(enterprise_id)
                }
                _ => None,
            },
        })
        .collect();
    let checklist = checklist(db, &row)
        .await?
        .into_iter()
        .map(|(item, done, note)| ChecklistView {
            label: t(lang, &format!("programme.checklist.{item}")).to_string(),
            item,
            done,
            note,
        })
        .collect();
    let risks = risks_of(db, today, &row)
        .await?
        .into_iter()
        .map(|risk| RiskView {
            message: risk_message(lang, &risk),
            risk,
        })
        .collect();
    let survey_ids = facility_survey::Entity::find()
        .filter(facility_survey::Column::ProgrammeId.eq(row.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let committed = beneficiaries
        .iter()
        .filter(|b| b.status == BeneficiaryStatus::Committed);
    let contribution_vnd = committed.clone().map(|b| b.contribution_vnd).sum();
    let contributed_vnd = contributions.iter().map(|c| c.amount_vnd).sum();
    let cost_vnd = row.final_vnd.unwrap_or(disbursed_vnd);
    Ok(ProgrammeView {
        totals: OutcomeTotals::of(cost_vnd, &outcomes),
        outcomes,
        id: row.id,
        code: row.code,
        title: row.title,
        kind: row.kind,
        funding_source: row.funding_source,
        year: row.year,
        status: row.status,
        next: row.status.next().to_vec(),
        communes,
        category: row
            .category_id
            .and_then(|c| state.reference.category(c))
            .map(|c| GroupView {
                slug: c.slug.clone(),
                name: c.name(lang).to_string(),
            }),
        staff_id: row.staff_id,
        staff: person(row.staff_id),
        description: row.description,
        proposed_vnd: row.proposed_vnd,
        approved_vnd: row.approved_vnd,
        decision_number: row.decision_number,
        decided_on: row.decided_on,
        accepted_on: row.accepted_on,
        acceptance_minutes: row.acceptance_minutes,
        final_vnd: row.final_vnd,
        cancel_reason: row.cancel_reason,
        cancel_words: row.cancel_words,
        deferred_to: row.deferred_to,
        disbursed_vnd,
        remaining_vnd: money.remaining_vnd(),
        contribution_vnd,
        contributed_vnd,
        disbursements,
        events: events
            .into_iter()
            .map(|e| ProgrammeEventView {
                at: e.at,
                actor: person(e.actor_id),
                actor_id: e.actor_id,
                kind: e.kind,
                from: e.from_status,
                to: e.to_status,
                body: e.body,
            })
            .collect(),
        visits: visits
            .into_iter()
            .map(|v| VisitView {
                photo_ids: documents
                    .iter()
                    .filter(|d| d.visit_id == Some(v.id))
                    .map(|d| d.id)
                    .collect(),
                by: person(v.created_by),
                id: v.id,
                visited_on: v.visited_on,
                beneficiary_id: v.beneficiary_id,
                notes: v.notes,
            })
            .collect(),
        documents,
        contributions,
        milestones,
        gaps,
        checklist,
        beneficiaries,
        risks,
        survey_ids,
        version: row.version,
    })
}
