//! What came of a programme, measured from the catalogue and the brokering desk: each
//! beneficiary's products when its support began (noted at approval, or when it joined
//! later) against today, the requests forwarded to it, the deals closed with it and the
//! leads from fairs since, and the indicators staff record at acceptance.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ProgrammeView, commit_change, open_programme};
use crate::context::AppState;
use crate::db::entities::{
    product, programme_baseline, programme_beneficiary, programme_indicator, request, request_match,
};
use crate::domain::programme::outcomes::{
    CatalogueChange, Indicators, IndicatorsInput, ProductFacts, catalogue_changes,
};
use crate::domain::{BeneficiaryStatus, Code, ProductStatus, ProgrammeStatus, RequestStatus};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::services::Actor;
use crate::services::requests::RequestSource;

/// An enterprise's products as the catalogue shows them now.
pub(super) async fn product_facts(
    db: &impl ConnectionTrait,
    enterprise_id: i32,
) -> AppResult<Vec<ProductFacts>> {
    Ok(product::Entity::find()
        .filter(product::Column::EnterpriseId.eq(enterprise_id))
        .order_by_asc(product::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| ProductFacts {
            id: p.id,
            name: p.name,
            published: p.status == ProductStatus::Published,
            packaging: p.packaging_status,
            trademark: p.tm_status,
            ocop_stars: p.ocop_stars.and_then(|s| u8::try_from(s).ok()),
        })
        .collect())
}

/// Notes where a beneficiary's catalogue stands, once: what its support is measured from.
pub(crate) async fn take_baseline(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    b: &programme_beneficiary::Model,
) -> AppResult<()> {
    let taken = programme_baseline::Entity::find()
        .filter(programme_baseline::Column::BeneficiaryId.eq(b.id))
        .count(db)
        .await?
        > 0;
    if taken {
        return Ok(());
    }
    let facts = product_facts(db, b.enterprise_id).await?;
    programme_baseline::ActiveModel {
        beneficiary_id: Set(b.id),
        taken_at: Set(at),
        facts: Set(serde_json::to_string(&facts).map_err(anyhow::Error::from)?),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Notes the catalogue of every committed beneficiary that has no baseline yet.
pub(super) async fn take_baselines(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    programme_id: i32,
) -> AppResult<()> {
    let committed = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::ProgrammeId.eq(programme_id))
        .filter(programme_beneficiary::Column::Status.eq(BeneficiaryStatus::Committed))
        .all(db)
        .await?;
    for b in &committed {
        take_baseline(db, at, b).await?;
    }
    Ok(())
}

/// A change in a beneficiary's catalogue, said in the reader's language.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ChangeView {
    #[serde(flatten)]
    pub change: CatalogueChange,
    pub message: String,
}

/// What came of the support to one beneficiary since it began.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BeneficiaryOutcome {
    pub beneficiary_id: i32,
    pub enterprise_id: i32,
    pub enterprise: String,
    /// When its support began (the approval, or when it joined later); nothing is measured
    /// before.
    pub since: Option<DateTime<Utc>>,
    pub changes: Vec<ChangeView>,
    /// Buyers' requests the desk forwarded to it since.
    pub requests_forwarded: u64,
    /// Requests closed with a deal with it since, and their value.
    pub deals: u64,
    pub deal_value_vnd: i64,
    /// Buyers who left their interest at its booth since.
    pub fair_leads: u64,
    /// What staff measured at acceptance.
    pub indicators: Option<Indicators>,
}

/// What came of a programme as a whole, beside what it cost.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct OutcomeTotals {
    /// What it cost: the settled amount, else what was paid out.
    pub cost_vnd: i64,
    pub packaging_designed: u32,
    pub trademarks_filed: u32,
    pub trademarks_registered: u32,
    pub ocop_gained: u32,
    pub products_published: u32,
    pub requests_forwarded: u64,
    pub deals: u64,
    pub deal_value_vnd: i64,
    pub fair_leads: u64,
    pub new_jobs: i64,
    /// Deal value brought per đồng spent, in thousandths (2150 = 2.15 ₫ per ₫); none before
    /// anything was spent.
    pub deal_value_per_vnd_milli: Option<i64>,
}

impl OutcomeTotals {
    pub fn of(cost_vnd: i64, outcomes: &[BeneficiaryOutcome]) -> Self {
        let mut t = OutcomeTotals {
            cost_vnd,
            ..Default::default()
        };
        for o in outcomes {
            for c in &o.changes {
                match c.change {
                    CatalogueChange::PackagingDesigned { .. } => t.packaging_designed += 1,
                    CatalogueChange::TrademarkFiled { .. } => t.trademarks_filed += 1,
                    CatalogueChange::TrademarkRegistered { .. } => t.trademarks_registered += 1,
                    CatalogueChange::OcopGained { .. } => t.ocop_gained += 1,
                    CatalogueChange::ProductPublished { .. } => t.products_published += 1,
                }
            }
            t.requests_forwarded += o.requests_forwarded;
            t.deals += o.deals;
            t.deal_value_vnd += o.deal_value_vnd;
            t.fair_leads += o.fair_leads;
            t.new_jobs += o.indicators.as_ref().and_then(|i| i.new_jobs).unwrap_or(0);
        }
        t.deal_value_per_vnd_milli = (cost_vnd > 0).then(|| {
            i64::try_from(i128::from(t.deal_value_vnd) * 1000 / i128::from(cost_vnd))
                .unwrap_or(i64::MAX)
        });
        t
    }
}

pub(super) fn change_message(lang: Lang, change: &CatalogueChange) -> String {
    let text = t(lang, change.key()).replace("{product}", change.product());
    match change {
        CatalogueChange::OcopGained { from, to, .. } => text
            .replace("{from}", &from.map_or("0".into(), |f| f.to_string()))
            .replace("{to}", &to.to_string()),
        _ => text,
    }
}

/// What came of the support to each beneficiary that took part (withdrawn ones are left
/// out: nothing of theirs is the programme's doing).
pub(super) async fn beneficiary_outcomes(
    db: &impl ConnectionTrait,
    lang: Lang,
    beneficiaries: &[(programme_beneficiary::Model, String)],
) -> AppResult<Vec<BeneficiaryOutcome>> {
    let mut out = Vec::new();
    for (b, name) in beneficiaries {
        if b.status != BeneficiaryStatus::Committed {
            continue;
        }
        let baseline = programme_baseline::Entity::find()
            .filter(programme_baseline::Column::BeneficiaryId.eq(b.id))
            .one(db)
            .await?;
        let indicators = programme_indicator::Entity::find()
            .filter(programme_indicator::Column::BeneficiaryId.eq(b.id))
            .one(db)
            .await?
            .map(|i| Indicators {
                new_jobs: i.new_jobs,
                revenue_before_vnd: i.revenue_before_vnd,
                revenue_after_vnd: i.revenue_after_vnd,
                capacity_before: i.capacity_before,
                capacity_after: i.capacity_after,
                capacity_unit: i.capacity_unit,
            });
        let Some(baseline) = baseline else {
            out.push(BeneficiaryOutcome {
                beneficiary_id: b.id,
                enterprise_id: b.enterprise_id,
                enterprise: name.clone(),
                since: None,
                changes: Vec::new(),
                requests_forwarded: 0,
                deals: 0,
                deal_value_vnd: 0,
                fair_leads: 0,
                indicators,
            });
            continue;
        };
        let since = baseline.taken_at;
        let before: Vec<ProductFacts> = serde_json::from_str(&baseline.facts).unwrap_or_default();
        let now = product_facts(db, b.enterprise_id).await?;
        let changes = catalogue_changes(&before, &now)
            .into_iter()
            .map(|change| ChangeView {
                message: change_message(lang, &change),
                change,
            })
            .collect();
        let requests_forwarded = request_match::Entity::find()
            .filter(request_match::Column::EnterpriseId.eq(b.enterprise_id))
            .filter(request_match::Column::ForwardedAt.gte(since))
            .count(db)
            .await?;
        let deals = request::Entity::find()
            .filter(request::Column::DealEnterpriseId.eq(b.enterprise_id))
            .filter(request::Column::Status.eq(RequestStatus::ClosedDeal))
            .filter(request::Column::ClosedAt.gte(since))
            .all(db)
            .await?;
        let fair_leads = request::Entity::find()
            .filter(request::Column::EnterpriseId.eq(b.enterprise_id))
            .filter(request::Column::Source.eq(RequestSource::Fair.as_str()))
            .filter(request::Column::CreatedAt.gte(since))
            .count(db)
            .await?;
        out.push(BeneficiaryOutcome {
            beneficiary_id: b.id,
            enterprise_id: b.enterprise_id,
            enterprise: name.clone(),
            since: Some(since),
            changes,
            requests_forwarded,
            deals: deals.len() as u64,
            deal_value_vnd: deals.iter().filter_map(|r| r.deal_value_vnd).sum(),
            fair_leads,
            indicators,
        });
    }
    Ok(out)
}

/// Records what staff measured for one beneficiary (jobs, revenue and capacity before and
/// after), once the programme is under way or accepted; recording again replaces it.
pub async fn record_indicators(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    beneficiary_id: i32,
    input: &IndicatorsInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let measured = input.parse()?;
    let (txn, row) = open_programme(state, id).await?;
    if !matches!(
        row.status,
        ProgrammeStatus::InProgress | ProgrammeStatus::Accepted
    ) {
        return Err(AppError::state(Code::ProgrammeIndicatorsTooEarly));
    }
    let b = programme_beneficiary::Entity::find_by_id(beneficiary_id)
        .one(&txn)
        .await?
        .filter(|b| b.programme_id == id)
        .ok_or(AppError::NotFound)?;
    if b.status != BeneficiaryStatus::Committed {
        return Err(AppError::state(Code::ProgrammeBeneficiaryNotCommitted));
    }
    programme_indicator::Entity::delete_many()
        .filter(programme_indicator::Column::BeneficiaryId.eq(b.id))
        .exec(&txn)
        .await?;
    programme_indicator::ActiveModel {
        beneficiary_id: Set(b.id),
        new_jobs: Set(measured.new_jobs),
        revenue_before_vnd: Set(measured.revenue_before_vnd),
        revenue_after_vnd: Set(measured.revenue_after_vnd),
        capacity_before: Set(measured.capacity_before),
        capacity_after: Set(measured.capacity_after),
        capacity_unit: Set(measured.capacity_unit.clone()),
        recorded_by: Set(actor.id()),
        recorded_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("indicators", ""),
        serde_json::json!({"beneficiary_id": b.id, "new_jobs": measured.new_jobs}),
    )
    .await
}
