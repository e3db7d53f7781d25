//! The year's plan: its funds by source and the limits for each kind (administrators set
//! them), and plan against result at any moment — planned, approved, completed, cancelled
//! (by reason), deferred, paid out, and what is at risk with why.

use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use utoipa::ToSchema;

use super::follow::{risk_message, risks_of};
use crate::context::AppState;
use crate::db::entities::{programme, programme_disbursement, programme_limit, programme_year};
use crate::db::write_txn;
use crate::domain::programme::plan::{
    Budget, BudgetInput, Limit, LimitInput, SourceFigures, by_source,
};
use crate::domain::programme::{PlanEntry, PlanFigures, Tally, default_counterpart_percent};
use crate::domain::{CancelReason, Code, FundingSource, Invalid, ProgrammeKind, ProgrammeStatus};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::services::{Actor, audit};

/// A year's programmes and its plan against results (staff).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub year: i32,
    /// What each fund gives the year (all zero until an administrator sets it).
    pub budget: Budget,
    /// Whether an administrator has set the year's funds.
    pub budget_set: bool,
    pub figures: PlanFigures,
    /// Each fund against the programmes drawing on it.
    pub by_source: Vec<SourceFigures>,
    /// Cancelled programmes by reason.
    pub cancelled_by_reason: Vec<ReasonTally>,
    /// The year's limit for each kind (the default share where none was set).
    pub limits: Vec<LimitView>,
    pub programmes: Vec<ProgrammeSummary>,
    /// Programmes of earlier years deferred to this one, to propose again.
    pub carried_over: Vec<ProgrammeSummary>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReasonTally {
    pub reason: CancelReason,
    pub count: u32,
    pub vnd: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LimitView {
    pub kind: ProgrammeKind,
    pub max_budget_vnd: Option<i64>,
    pub counterpart_percent: u8,
    /// Set by an administrator for this year (otherwise the default share, no ceiling).
    pub set: bool,
}

/// A programme as the plan lists it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProgrammeSummary {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub kind: ProgrammeKind,
    pub funding_source: FundingSource,
    pub status: ProgrammeStatus,
    pub proposed_vnd: i64,
    pub approved_vnd: Option<i64>,
    pub final_vnd: Option<i64>,
    pub disbursed_vnd: i64,
    pub cancel_reason: Option<CancelReason>,
    /// Why it is at risk, in the reader's language (empty when on track or closed).
    pub risks: Vec<String>,
}

pub async fn plan(state: &AppState, actor: &Actor, lang: Lang, year: i32) -> AppResult<PlanView> {
    actor.require_staff()?;
    let db = &state.db;
    let rows = programme::Entity::find()
        .filter(programme::Column::Year.eq(year))
        .order_by_asc(programme::Column::Code)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let payments = programme_disbursement::Entity::find()
        .filter(programme_disbursement::Column::ProgrammeId.is_in(ids))
        .all(db)
        .await?;
    let paid = |id: i32| -> i64 {
        payments
            .iter()
            .filter(|d| d.programme_id == id)
            .map(|d| d.amount_vnd)
            .sum()
    };
    let today = state.clock.today();
    let mut entries = Vec::new();
    let mut programmes = Vec::new();
    let mut by_reason: BTreeMap<CancelReason, Tally> = BTreeMap::new();
    for r in rows {
        let risks = risks_of(db, today, &r).await?;
        let entry = PlanEntry {
            status: r.status,
            funding_source: r.funding_source,
            proposed_vnd: r.proposed_vnd,
            approved_vnd: r.approved_vnd,
            final_vnd: r.final_vnd,
            disbursed_vnd: paid(r.id),
            at_risk: !risks.is_empty(),
        };
        if let Some(reason) = r
            .cancel_reason
            .filter(|_| r.status == ProgrammeStatus::Cancelled)
        {
            let t = by_reason.entry(reason).or_default();
            t.count += 1;
            t.vnd += entry.value_vnd();
        }
        entries.push(entry);
        programmes.push(ProgrammeSummary {
            disbursed_vnd: entry.disbursed_vnd,
            risks: risks.iter().map(|k| risk_message(lang, k)).collect(),
            id: r.id,
            code: r.code,
            title: r.title,
            kind: r.kind,
            funding_source: r.funding_source,
            status: r.status,
            proposed_vnd: r.proposed_vnd,
            approved_vnd: r.approved_vnd,
            final_vnd: r.final_vnd,
            cancel_reason: r.cancel_reason,
        });
    }
    let carried_over = programme::Entity::find()
        .filter(programme::Column::DeferredTo.eq(year))
        .filter(programme::Column::Status.eq(ProgrammeStatus::Deferred))
        .order_by_asc(programme::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|r| ProgrammeSummary {
            id: r.id,
            code: r.code,
            title: r.title,
            kind: r.kind,
            funding_source: r.funding_source,
            status: r.status,
            proposed_vnd: r.proposed_vnd,
            approved_vnd: r.approved_vnd,
            final_vnd: r.final_vnd,
            disbursed_vnd: 0,
            cancel_reason: None,
            risks: Vec::new(),
        })
        .collect();
    let (budget, budget_set) = budget_of(state, year).await?;
    Ok(PlanView {
        year,
        budget,
        budget_set,
        figures: PlanFigures::of(&entries),
        by_source: by_source(&entries, budget),
        cancelled_by_reason: by_reason
            .into_iter()
            .map(|(reason, t)| ReasonTally {
                reason,
                count: t.count,
                vnd: t.vnd,
            })
            .collect(),
        limits: limits_of(state, year).await?,
        programmes,
        carried_over,
    })
}

async fn budget_of(state: &AppState, year: i32) -> AppResult<(Budget, bool)> {
    Ok(
        match programme_year::Entity::find()
            .filter(programme_year::Column::Year.eq(year))
            .one(&state.db)
            .await?
        {
            Some(y) => (
                Budget {
                    national_vnd: y.national_vnd,
                    provincial_vnd: y.provincial_vnd,
                    other_vnd: y.other_vnd,
                },
                true,
            ),
            None => (Budget::default(), false),
        },
    )
}

async fn limits_of(state: &AppState, year: i32) -> AppResult<Vec<LimitView>> {
    let set = programme_limit::Entity::find()
        .filter(programme_limit::Column::Year.eq(year))
        .all(&state.db)
        .await?;
    Ok(ProgrammeKind::ALL
        .iter()
        .map(|&kind| match set.iter().find(|l| l.kind == kind) {
            Some(l) => LimitView {
                kind,
                max_budget_vnd: l.max_budget_vnd,
                counterpart_percent: u8::try_from(l.counterpart_percent).unwrap_or(0),
                set: true,
            },
            None => LimitView {
                kind,
                max_budget_vnd: None,
                counterpart_percent: default_counterpart_percent(kind),
                set: false,
            },
        })
        .collect())
}

fn check_year(state: &AppState, year: i32) -> AppResult<()> {
    crate::domain::programme::parse_year(
        Some(&crate::domain::Num::Int(i64::from(year))),
        "year",
        state.clock.today(),
    )?;
    Ok(())
}

/// Sets what each fund gives a year (administrators).
pub async fn set_budget(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    year: i32,
    input: &BudgetInput,
) -> AppResult<PlanView> {
    actor.require_admin()?;
    check_year(state, year)?;
    let budget = input.parse()?;
    let at = state.clock.now();
    let txn = write_txn(&state.db).await?;
    let existing = programme_year::Entity::find()
        .filter(programme_year::Column::Year.eq(year))
        .one(&txn)
        .await?;
    let mut row: programme_year::ActiveModel = match existing {
        Some(y) => y.into(),
        None => programme_year::ActiveModel {
            year: Set(year),
            created_at: Set(at),
            ..Default::default()
        },
    };
    row.national_vnd = Set(budget.national_vnd);
    row.provincial_vnd = Set(budget.provincial_vnd);
    row.other_vnd = Set(budget.other_vnd);
    row.updated_at = Set(at);
    let saved = row.save(&txn).await?;
    let id = saved.id.clone().unwrap();
    audit::record(
        &txn,
        at,
        actor,
        "programme.budget",
        "programme_year",
        id,
        serde_json::json!({"year": year, "national_vnd": budget.national_vnd,
                           "provincial_vnd": budget.provincial_vnd, "other_vnd": budget.other_vnd}),
    )
    .await?;
    txn.commit().await?;
    plan(state, actor, lang, year).await
}

/// Sets the limits for one kind of programme in a year (administrators): the largest
/// budget one programme may ask for, and the beneficiaries' share of the whole cost.
pub async fn set_limit(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    year: i32,
    kind: &str,
    input: &LimitInput,
) -> AppResult<PlanView> {
    actor.require_admin()?;
    check_year(state, year)?;
    let kind =
        ProgrammeKind::parse(kind).ok_or(Invalid::one("kind", Code::ProgrammeKindUnknown))?;
    let Limit {
        max_budget_vnd,
        counterpart_percent,
    } = input.parse()?;
    let txn = write_txn(&state.db).await?;
    let existing = programme_limit::Entity::find()
        .filter(programme_limit::Column::Year.eq(year))
        .filter(programme_limit::Column::Kind.eq(kind))
        .one(&txn)
        .await?;
    let mut row: programme_limit::ActiveModel = match existing {
        Some(l) => l.into(),
        None => programme_limit::ActiveModel {
            year: Set(year),
            kind: Set(kind),
            ..Default::default()
        },
    };
    row.max_budget_vnd = Set(max_budget_vnd);
    row.counterpart_percent = Set(i32::from(counterpart_percent));
    let saved = row.save(&txn).await?;
    let id = saved.id.clone().unwrap();
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "programme.limit",
        "programme_limit",
        id,
        serde_json::json!({"year": year, "kind": kind, "max_budget_vnd": max_budget_vnd,
                           "counterpart_percent": counterpart_percent}),
    )
    .await?;
    txn.commit().await?;
    plan(state, actor, lang, year).await
}

/// An enterprise staff may pick as a beneficiary.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EnterpriseOption {
    pub id: i32,
    pub name: String,
    pub commune_code: i32,
    pub place: String,
}

/// A programme that still takes beneficiaries.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OpenProgramme {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub kind: ProgrammeKind,
    pub status: ProgrammeStatus,
}

/// What the programme forms offer to pick from (staff).
#[derive(Clone, Debug, Default)]
pub struct ProgrammeOptions {
    /// The centre's staff: who may be responsible.
    pub staff: Vec<(i32, String)>,
    pub enterprises: Vec<EnterpriseOption>,
    /// Fairs a trade-fair programme's beneficiaries may exhibit at.
    pub fairs: Vec<(i32, String)>,
    /// Programmes still open, newest year first.
    pub open: Vec<OpenProgramme>,
    /// Years with a plan or a programme, and this year.
    pub years: Vec<i32>,
}

/// Most enterprises a form lists to pick from.
const MAX_OPTIONS: u64 = 2000;

pub async fn options(state: &AppState, actor: &Actor) -> AppResult<ProgrammeOptions> {
    use sea_orm::QuerySelect;

    use crate::db::entities::{enterprise, fair};
    actor.require_staff()?;
    let db = &state.db;
    let enterprises = enterprise::Entity::find()
        .order_by_asc(enterprise::Column::Name)
        .limit(MAX_OPTIONS)
        .all(db)
        .await?
        .into_iter()
        .map(|e| EnterpriseOption {
            id: e.id,
            commune_code: e.commune_code,
            place: state.reference.place_name(e.commune_code),
            name: e.name,
        })
        .collect();
    let fairs = fair::Entity::find()
        .order_by_desc(fair::Column::StartsOn)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.name))
        .collect();
    let all = programme::Entity::find()
        .order_by_desc(programme::Column::Year)
        .order_by_asc(programme::Column::Code)
        .all(db)
        .await?;
    let mut years: Vec<i32> = programme_year::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|y| y.year)
        .chain(all.iter().map(|p| p.year))
        .chain([chrono::Datelike::year(&state.clock.today())])
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(ProgrammeOptions {
        staff: crate::services::requests::staff_members(state, actor).await?,
        enterprises,
        fairs,
        open: all
            .into_iter()
            .filter(|p| !p.status.is_final())
            .map(|p| OpenProgramme {
                id: p.id,
                code: p.code,
                title: p.title,
                kind: p.kind,
                status: p.status,
            })
            .collect(),
        years,
    })
}

/// Open programmes of any year that are at risk, with why (staff): what the staff desk shows
/// first.
pub async fn at_risk(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
) -> AppResult<Vec<ProgrammeSummary>> {
    actor.require_staff()?;
    let today = state.clock.today();
    let open = programme::Entity::find()
        .filter(programme::Column::Status.is_not_in([
            ProgrammeStatus::Settled,
            ProgrammeStatus::Cancelled,
            ProgrammeStatus::Deferred,
        ]))
        .order_by_asc(programme::Column::Code)
        .all(&state.db)
        .await?;
    let mut out = Vec::new();
    for r in open {
        let risks = risks_of(&state.db, today, &r).await?;
        if risks.is_empty() {
            continue;
        }
        out.push(ProgrammeSummary {
            risks: risks.iter().map(|k| risk_message(lang, k)).collect(),
            disbursed_vnd: 0,
            id: r.id,
            code: r.code,
            title: r.title,
            kind: r.kind,
            funding_source: r.funding_source,
            status: r.status,
            proposed_vnd: r.proposed_vnd,
            approved_vnd: r.approved_vnd,
            final_vnd: r.final_vnd,
            cancel_reason: r.cancel_reason,
        });
    }
    Ok(out)
}
