//! Programmes as others see them: a producer sees the support its own enterprise gets and
//! the milestones it owes (never another beneficiary's money, never the file); the public
//! sees completed programmes with their beneficiaries and what came of them, as the centre
//! publishes them anyway — never a proposal, a cancelled programme or anyone's accounts.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use super::outcomes::{BeneficiaryOutcome, ChangeView, beneficiary_outcomes};
use crate::context::AppState;
use crate::db::entities::{
    enterprise, enterprise_member, product, programme, programme_beneficiary, programme_commune,
    programme_contribution, programme_milestone,
};
use crate::domain::programme::follow::MilestoneKind;
use crate::domain::{BeneficiaryStatus, ProductStatus, ProgrammeKind, ProgrammeStatus};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::Actor;
use crate::services::catalogue::require_manage;

/// A milestone a producer owes.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OwedMilestone {
    pub kind: MilestoneKind,
    pub title: String,
    pub due_on: NaiveDate,
    pub done: bool,
}

/// The support one enterprise gets from one programme, as its producer sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupportView {
    pub programme_id: i32,
    pub code: String,
    pub title: String,
    pub kind: ProgrammeKind,
    pub year: i32,
    pub status: ProgrammeStatus,
    pub enterprise_id: i32,
    pub enterprise: String,
    /// What it gets.
    pub support: String,
    pub support_vnd: i64,
    /// What it committed to put in, and what it has paid in so far.
    pub contribution_vnd: i64,
    pub contributed_vnd: i64,
    pub beneficiary_status: BeneficiaryStatus,
    /// Its own milestones and the programme's, open ones first.
    pub milestones: Vec<OwedMilestone>,
}

/// The support an enterprise gets (its members and staff).
pub async fn support_for_enterprise(
    state: &AppState,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<Vec<SupportView>> {
    // Who may ask first: nobody else learns whether the enterprise exists.
    require_manage(&state.db, actor, enterprise_id).await?;
    enterprise::Entity::find_by_id(enterprise_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    support_of(state, &[enterprise_id]).await
}

/// The support the signed-in producer's enterprises get.
pub async fn my_support(state: &AppState, actor: &Actor) -> AppResult<Vec<SupportView>> {
    let me = actor.require_signed_in()?;
    let mine: Vec<i32> = enterprise_member::Entity::find()
        .filter(enterprise_member::Column::UserId.eq(me.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect();
    support_of(state, &mine).await
}

async fn support_of(state: &AppState, enterprise_ids: &[i32]) -> AppResult<Vec<SupportView>> {
    let db = &state.db;
    let rows = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::EnterpriseId.is_in(enterprise_ids.to_vec()))
        .order_by_desc(programme_beneficiary::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for b in rows {
        let Some(p) = programme::Entity::find_by_id(b.programme_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let name = enterprise::Entity::find_by_id(b.enterprise_id)
            .one(db)
            .await?
            .map(|e| e.name)
            .unwrap_or_default();
        let contributed_vnd = programme_contribution::Entity::find()
            .filter(programme_contribution::Column::BeneficiaryId.eq(b.id))
            .all(db)
            .await?
            .iter()
            .map(|c| c.amount_vnd)
            .sum();
        let mut milestones: Vec<OwedMilestone> = programme_milestone::Entity::find()
            .filter(programme_milestone::Column::ProgrammeId.eq(p.id))
            .order_by_asc(programme_milestone::Column::DueOn)
            .all(db)
            .await?
            .into_iter()
            .filter(|m| m.beneficiary_id.is_none_or(|mb| mb == b.id))
            .map(|m| OwedMilestone {
                kind: m.kind,
                title: m.title,
                due_on: m.due_on,
                done: m.done_at.is_some(),
            })
            .collect();
        milestones.sort_by_key(|m| (m.done, m.due_on));
        out.push(SupportView {
            programme_id: p.id,
            code: p.code,
            title: p.title,
            kind: p.kind,
            year: p.year,
            status: p.status,
            enterprise_id: b.enterprise_id,
            enterprise: name,
            support: b.support,
            support_vnd: b.support_vnd,
            contribution_vnd: b.contribution_vnd,
            contributed_vnd,
            beneficiary_status: b.status,
            milestones,
        });
    }
    Ok(out)
}

/// A beneficiary of a completed programme, as published.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicBeneficiary {
    pub enterprise: String,
    /// Its page in the catalogue, when it has one.
    pub slug: Option<String>,
    pub support: String,
    pub changes: Vec<ChangeView>,
    /// Deals closed through the centre since its support began.
    pub deals: u64,
    pub new_jobs: Option<i64>,
}

/// A completed programme, as the centre publishes it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicProgramme {
    pub code: String,
    pub title: String,
    pub kind: ProgrammeKind,
    pub year: i32,
    pub communes: Vec<String>,
    pub accepted_on: Option<NaiveDate>,
    /// What it cost: the settled amount, else the approved budget.
    pub cost_vnd: i64,
    pub beneficiaries: Vec<PublicBeneficiary>,
}

/// Completed (accepted or settled) programmes, newest first, for anyone.
pub async fn completed_programmes(
    state: &AppState,
    lang: Lang,
    year: Option<i32>,
) -> AppResult<Vec<PublicProgramme>> {
    let db = &state.db;
    let mut query = programme::Entity::find()
        .filter(
            programme::Column::Status.is_in([ProgrammeStatus::Accepted, ProgrammeStatus::Settled]),
        )
        .order_by_desc(programme::Column::Year)
        .order_by_asc(programme::Column::Code);
    if let Some(y) = year {
        query = query.filter(programme::Column::Year.eq(y));
    }
    let mut out = Vec::new();
    for p in query.all(db).await? {
        let communes = programme_commune::Entity::find()
            .filter(programme_commune::Column::ProgrammeId.eq(p.id))
            .order_by_asc(programme_commune::Column::CommuneCode)
            .all(db)
            .await?
            .into_iter()
            .map(|c| state.reference.place_name(c.commune_code))
            .collect();
        let rows = programme_beneficiary::Entity::find()
            .filter(programme_beneficiary::Column::ProgrammeId.eq(p.id))
            .filter(programme_beneficiary::Column::Status.eq(BeneficiaryStatus::Committed))
            .order_by_asc(programme_beneficiary::Column::Id)
            .all(db)
            .await?;
        let enterprises = enterprise::Entity::find()
            .filter(enterprise::Column::Id.is_in(rows.iter().map(|b| b.enterprise_id)))
            .all(db)
            .await?;
        let published: Vec<(i32, i32)> = product::Entity::find()
            .filter(product::Column::EnterpriseId.is_in(rows.iter().map(|b| b.enterprise_id)))
            .filter(product::Column::Status.eq(ProductStatus::Published))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.enterprise_id))
            .collect();
        let public: Vec<i32> = published.iter().map(|(_, e)| *e).collect();
        // Only what buyers may see: a change to a product not published is not told.
        let shown = |c: &ChangeView| published.iter().any(|(id, _)| *id == c.change.product_id());
        let named: Vec<(programme_beneficiary::Model, String)> = rows
            .into_iter()
            .map(|b| {
                let name = enterprises
                    .iter()
                    .find(|e| e.id == b.enterprise_id)
                    .map(|e| e.name.clone())
                    .unwrap_or_default();
                (b, name)
            })
            .collect();
        let outcomes: Vec<BeneficiaryOutcome> = beneficiary_outcomes(db, lang, &named).await?;
        let beneficiaries = named
            .iter()
            .map(|(b, name)| {
                let o = outcomes.iter().find(|o| o.beneficiary_id == b.id);
                PublicBeneficiary {
                    enterprise: name.clone(),
                    slug: enterprises
                        .iter()
                        .find(|e| e.id == b.enterprise_id && public.contains(&e.id))
                        .map(|e| e.slug.clone()),
                    support: b.support.clone(),
                    changes: o
                        .map(|o| o.changes.iter().filter(|c| shown(c)).cloned().collect())
                        .unwrap_or_default(),
                    deals: o.map_or(0, |o| o.deals),
                    new_jobs: o.and_then(|o| o.indicators.as_ref().and_then(|i| i.new_jobs)),
                }
            })
            .collect();
        out.push(PublicProgramme {
            code: p.code,
            title: p.title,
            kind: p.kind,
            year: p.year,
            communes,
            accepted_on: p.accepted_on,
            cost_vnd: p.final_vnd.or(p.approved_vnd).unwrap_or(p.proposed_vnd),
            beneficiaries,
        });
    }
    Ok(out)
}
