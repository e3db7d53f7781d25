//! Support programmes (đề án khuyến công): staff propose a programme, move it through its
//! states with what each move records, pay out under its approved budget, and read the
//! year's plan against its results. Every move and payment is a timeline event and an audit
//! entry, written in the transaction that makes it.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, audit};
use crate::context::AppState;
use crate::db::entities::{
    enterprise, product, programme, programme_beneficiary, programme_checklist, programme_commune,
    programme_disbursement, programme_event, programme_limit, user,
};
use crate::db::{begin_on, taken, write_txn};
use crate::domain::programme::{
    BeneficiaryInput, DisbursementInput, Gap, Money, Move, MoveInput, PlanEntry, PlanFigures,
    ProgrammeFields, ProgrammeInput, Proposal, default_counterpart_percent,
};
use crate::domain::{
    BeneficiaryStatus, CancelReason, ChecklistItem, Code, FundingSource, Invalid, ProgrammeKind,
    ProgrammeStatus, TaxCode,
};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};

/// A commune where a programme happens.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlaceView {
    pub code: i32,
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
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i32>,
    /// `proposed`, `moved`, `disbursed`.
    pub kind: String,
    pub from: Option<ProgrammeStatus>,
    pub to: Option<ProgrammeStatus>,
    pub body: String,
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
    pub staff_id: Option<i32>,
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
    pub disbursements: Vec<DisbursementView>,
    pub events: Vec<ProgrammeEventView>,
    /// The enterprises it supports, withdrawn ones included.
    pub beneficiaries: Vec<BeneficiaryView>,
    /// The kind's checklist and what of it the file holds.
    pub checklist: Vec<ChecklistView>,
    /// What stops the proposal from being appraised (empty once it holds up).
    pub gaps: Vec<GapView>,
    /// Incremented by every change.
    pub version: i32,
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
    pub product_id: Option<i32>,
    pub fair_id: Option<i32>,
    pub status: BeneficiaryStatus,
    pub withdraw_reason: Option<String>,
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
    /// `checklist`, `no_beneficiary`, `tax_code_missing`, `counterpart_short`,
    /// `over_kind_limit`, `support_over_budget`.
    pub gap: &'static str,
    /// The missing piece of the file (`checklist`).
    pub item: Option<ChecklistItem>,
    /// The beneficiary concerned (`tax_code_missing`).
    pub enterprise_id: Option<i32>,
    pub message: String,
}

/// Proposes a programme (staff).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    input: &ProgrammeInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let fields = input.parse(state.clock.today())?;
    check_refs(state, &fields).await?;
    let at = state.clock.now();
    let txn = write_txn(&state.db).await?;
    let row = programme::ActiveModel {
        code: Set(fields.code.clone()),
        title: Set(fields.title.clone()),
        kind: Set(fields.kind),
        funding_source: Set(fields.funding_source),
        year: Set(fields.year),
        status: Set(ProgrammeStatus::Proposed),
        staff_id: Set(fields.staff_id),
        description: Set(fields.description.clone()),
        proposed_vnd: Set(fields.proposed_vnd),
        version: Set(1),
        created_by: Set(actor.id()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(taken("code", Code::ProgrammeCodeTaken))?;
    for code in &fields.commune_codes {
        programme_commune::ActiveModel {
            programme_id: Set(row.id),
            commune_code: Set(*code),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    event(
        &txn,
        at,
        actor,
        row.id,
        "proposed",
        None,
        Some(row.status),
        "",
    )
    .await?;
    audit::record(
        &txn,
        at,
        actor,
        "programme.create",
        "programme",
        row.id,
        serde_json::json!({"code": fields.code, "year": fields.year, "kind": fields.kind}),
    )
    .await?;
    txn.commit().await?;
    view(state, lang, row).await
}

/// The communes exist and the person responsible is staff.
async fn check_refs(state: &AppState, fields: &ProgrammeFields) -> AppResult<()> {
    if fields
        .commune_codes
        .iter()
        .any(|c| state.reference.commune(*c).is_none())
    {
        return Err(Invalid::one("commune_codes", Code::ProgrammeCommuneUnknown).into());
    }
    if let Some(id) = fields.staff_id {
        let staff = user::Entity::find_by_id(id).one(&state.db).await?;
        if !staff.is_some_and(|u| u.role.is_staff()) {
            return Err(Invalid::one("staff_id", Code::ProgrammeStaffUnknown).into());
        }
    }
    Ok(())
}

/// One programme (staff).
pub async fn get(state: &AppState, actor: &Actor, lang: Lang, id: i32) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let row = programme::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    view(state, lang, row).await
}

/// Moves a programme one step (or out: cancelled, deferred), recording what the step
/// needs: the decision at approval, the minutes at acceptance, the final amount at
/// settlement, the reason at cancellation.
pub async fn move_to(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &MoveInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let (txn, row) = begin_on::<programme::Entity>(&state.db, id).await?;
    let mv = input.parse(row.year, state.clock.today())?;
    let from = row.status;
    let to = mv.target();
    if !from.can_become(to) {
        return Err(AppError::state(Code::ProgrammeTransition));
    }
    if to == ProgrammeStatus::Appraised && !gaps(&txn, &row).await?.is_empty() {
        return Err(AppError::state(Code::ProgrammeIncomplete));
    }
    let at = state.clock.now();
    let mut active: programme::ActiveModel = row.clone().into();
    let body = match &mv {
        Move::Appraise | Move::Start => String::new(),
        Move::Approve {
            decision_number,
            decided_on,
            budget_vnd,
        } => {
            active.decision_number = Set(Some(decision_number.clone()));
            active.decided_on = Set(Some(*decided_on));
            active.approved_vnd = Set(Some(*budget_vnd));
            format!("{decision_number} ({})", decided_on.format("%d/%m/%Y"))
        }
        Move::Accept {
            accepted_on,
            minutes,
        } => {
            active.accepted_on = Set(Some(*accepted_on));
            active.acceptance_minutes = Set(Some(minutes.clone()));
            minutes.clone()
        }
        Move::Settle { final_vnd } => {
            money(&txn, &row)
                .await?
                .check_settlement(*final_vnd)
                .map_err(|code| Invalid::one("final_vnd", code))?;
            active.final_vnd = Set(Some(*final_vnd));
            String::new()
        }
        Move::Cancel { reason, words } => {
            active.cancel_reason = Set(Some(*reason));
            active.cancel_words = Set(words.clone());
            words.clone().unwrap_or_default()
        }
        Move::Defer { to_year } => {
            active.deferred_to = Set(Some(*to_year));
            String::new()
        }
    };
    active.status = Set(to);
    active.version = Set(row.version + 1);
    active.updated_at = Set(at);
    let row = active.update(&txn).await?;
    event(&txn, at, actor, id, "moved", Some(from), Some(to), &body).await?;
    audit::record(
        &txn,
        at,
        actor,
        "programme.move",
        "programme",
        id,
        serde_json::json!({"from": from, "to": to}),
    )
    .await?;
    txn.commit().await?;
    view(state, lang, row).await
}

/// Records a payment under an approved programme; never past its budget.
pub async fn disburse(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &DisbursementInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let (txn, row) = begin_on::<programme::Entity>(&state.db, id).await?;
    if !row.status.takes_disbursements() {
        return Err(AppError::state(Code::ProgrammeNotApproved));
    }
    let paid = input.parse(state.clock.today())?;
    money(&txn, &row)
        .await?
        .check_disbursement(paid.amount_vnd)
        .map_err(|code| Invalid::one("amount_vnd", code))?;
    let at = state.clock.now();
    programme_disbursement::ActiveModel {
        programme_id: Set(id),
        paid_on: Set(paid.paid_on),
        amount_vnd: Set(paid.amount_vnd),
        purpose: Set(paid.purpose.clone()),
        recorded_by: Set(actor.id()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let row = changed(
        state,
        &txn,
        actor,
        row,
        ("disbursed", &paid.purpose),
        serde_json::json!({"amount_vnd": paid.amount_vnd, "paid_on": paid.paid_on}),
    )
    .await?;
    txn.commit().await?;
    view(state, lang, row).await
}

/// A year's programmes and its plan against results (staff).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub year: i32,
    pub figures: PlanFigures,
    pub programmes: Vec<ProgrammeSummary>,
}

/// A programme as the plan lists it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProgrammeSummary {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub kind: ProgrammeKind,
    pub status: ProgrammeStatus,
    pub proposed_vnd: i64,
    pub approved_vnd: Option<i64>,
    pub final_vnd: Option<i64>,
    pub disbursed_vnd: i64,
}

pub async fn plan(state: &AppState, actor: &Actor, year: i32) -> AppResult<PlanView> {
    actor.require_staff()?;
    let rows = programme::Entity::find()
        .filter(programme::Column::Year.eq(year))
        .order_by_asc(programme::Column::Code)
        .all(&state.db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let payments = programme_disbursement::Entity::find()
        .filter(programme_disbursement::Column::ProgrammeId.is_in(ids))
        .all(&state.db)
        .await?;
    let paid = |id: i32| -> i64 {
        payments
            .iter()
            .filter(|d| d.programme_id == id)
            .map(|d| d.amount_vnd)
            .sum()
    };
    let entries: Vec<PlanEntry> = rows
        .iter()
        .map(|r| PlanEntry {
            status: r.status,
            proposed_vnd: r.proposed_vnd,
            approved_vnd: r.approved_vnd,
            final_vnd: r.final_vnd,
            disbursed_vnd: paid(r.id),
            at_risk: false,
        })
        .collect();
    Ok(PlanView {
        year,
        figures: PlanFigures::of(&entries),
        programmes: rows
            .into_iter()
            .map(|r| ProgrammeSummary {
                disbursed_vnd: paid(r.id),
                id: r.id,
                code: r.code,
                title: r.title,
                kind: r.kind,
                status: r.status,
                proposed_vnd: r.proposed_vnd,
                approved_vnd: r.approved_vnd,
                final_vnd: r.final_vnd,
            })
            .collect(),
    })
}

/// What has been paid out under `row`, read in the caller's transaction.
async fn money(db: &impl ConnectionTrait, row: &programme::Model) -> AppResult<Money> {
    let disbursed: i64 = programme_disbursement::Entity::find()
        .filter(programme_disbursement::Column::ProgrammeId.eq(row.id))
        .all(db)
        .await?
        .iter()
        .map(|d| d.amount_vnd)
        .sum();
    Ok(Money {
        approved_vnd: row.approved_vnd,
        disbursed_vnd: disbursed,
    })
}

#[allow(clippy::too_many_arguments)] // one timeline row: every column is the caller's to give
async fn event(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    programme_id: i32,
    kind: &str,
    from: Option<ProgrammeStatus>,
    to: Option<ProgrammeStatus>,
    body: &str,
) -> AppResult<()> {
    programme_event::ActiveModel {
        programme_id: Set(programme_id),
        at: Set(at),
        actor_id: Set(actor.id()),
        kind: Set(kind.into()),
        from_status: Set(from),
        to_status: Set(to),
        body: Set(body.into()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn view(state: &AppState, lang: Lang, row: programme::Model) -> AppResult<ProgrammeView> {
    let db = &state.db;
    let communes = programme_commune::Entity::find()
        .filter(programme_commune::Column::ProgrammeId.eq(row.id))
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
        .await?
        .into_iter()
        .map(|e| ProgrammeEventView {
            at: e.at,
            actor_id: e.actor_id,
            kind: e.kind,
            from: e.from_status,
            to: e.to_status,
            body: e.body,
        })
        .collect();
    let disbursed_vnd = disbursements.iter().map(|d| d.amount_vnd).sum();
    let money = Money {
        approved_vnd: row.approved_vnd,
        disbursed_vnd,
    };
    let gaps = gaps(db, &row)
        .await?
        .into_iter()
        .map(|gap| GapView {
            message: gap_message(lang, gap),
            gap: gap.key().trim_start_matches("programme.gap."),
            item: match gap {
                Gap::Checklist { item } => Some(item),
                _ => None,
            },
            enterprise_id: match gap {
                Gap::TaxCodeMissing { enterprise_id } => Some(enterprise_id),
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
    let beneficiaries = beneficiary_views(db, row.id).await?;
    Ok(ProgrammeView {
        id: row.id,
        code: row.code,
        title: row.title,
        kind: row.kind,
        funding_source: row.funding_source,
        year: row.year,
        status: row.status,
        next: row.status.next().to_vec(),
        communes,
        staff_id: row.staff_id,
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
        disbursements,
        events,
        gaps,
        checklist,
        beneficiaries,
        version: row.version,
    })
}

fn gap_message(lang: Lang, gap: Gap) -> String {
    let text = t(lang, gap.key());
    match gap {
        Gap::Checklist { item } => {
            text.replace("{item}", t(lang, &format!("programme.checklist.{item}")))
        }
        Gap::CounterpartShort { percent } => text.replace("{percent}", &percent.to_string()),
        _ => text.to_string(),
    }
}

/// The kind's checklist with what the file holds: (item, done, note).
async fn checklist(
    db: &impl ConnectionTrait,
    row: &programme::Model,
) -> AppResult<Vec<(ChecklistItem, bool, String)>> {
    let held = programme_checklist::Entity::find()
        .filter(programme_checklist::Column::ProgrammeId.eq(row.id))
        .all(db)
        .await?;
    Ok(row
        .kind
        .checklist()
        .iter()
        .map(|item| {
            let entry = held.iter().find(|c| c.item == item.as_str());
            (
                *item,
                entry.is_some_and(|c| c.done),
                entry.map(|c| c.note.clone()).unwrap_or_default(),
            )
        })
        .collect())
}

/// What stops `row` from being appraised, read in the caller's transaction.
async fn gaps(db: &impl ConnectionTrait, row: &programme::Model) -> AppResult<Vec<Gap>> {
    let done: Vec<ChecklistItem> = checklist(db, row)
        .await?
        .into_iter()
        .filter_map(|(item, done, _)| done.then_some(item))
        .collect();
    let committed = with_enterprises(
        db,
        programme_beneficiary::Entity::find()
            .filter(programme_beneficiary::Column::ProgrammeId.eq(row.id))
            .filter(programme_beneficiary::Column::Status.eq(BeneficiaryStatus::Committed))
            .all(db)
            .await?,
    )
    .await?;
    let beneficiaries: Vec<(i32, bool, i64, i64)> = committed
        .iter()
        .map(|(b, e)| {
            let checked = e
                .as_ref()
                .and_then(|e| e.tax_code.as_deref())
                .is_some_and(|c| TaxCode::parse(c).is_ok());
            (b.enterprise_id, checked, b.support_vnd, b.contribution_vnd)
        })
        .collect();
    let limit = programme_limit::Entity::find()
        .filter(programme_limit::Column::Year.eq(row.year))
        .filter(programme_limit::Column::Kind.eq(row.kind))
        .one(db)
        .await?;
    Ok(Proposal {
        kind: Some(row.kind),
        budget_vnd: row.approved_vnd.unwrap_or(row.proposed_vnd),
        checklist_done: &done,
        beneficiaries: &beneficiaries,
        max_budget_vnd: limit.as_ref().and_then(|l| l.max_budget_vnd),
        counterpart_percent: limit
            .and_then(|l| u8::try_from(l.counterpart_percent).ok())
            .unwrap_or_else(|| default_counterpart_percent(row.kind)),
    }
    .gaps())
}

/// Beneficiaries with their enterprises.
async fn with_enterprises(
    db: &impl ConnectionTrait,
    rows: Vec<programme_beneficiary::Model>,
) -> AppResult<Vec<(programme_beneficiary::Model, Option<enterprise::Model>)>> {
    let enterprises = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(rows.iter().map(|b| b.enterprise_id)))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|b| {
            let e = enterprises
                .iter()
                .find(|e| e.id == b.enterprise_id)
                .cloned();
            (b, e)
        })
        .collect())
}

async fn beneficiary_views(
    db: &impl ConnectionTrait,
    programme_id: i32,
) -> AppResult<Vec<BeneficiaryView>> {
    let rows = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(programme_beneficiary::Column::Id)
        .all(db)
        .await?;
    Ok(with_enterprises(db, rows)
        .await?
        .into_iter()
        .map(|(b, e)| BeneficiaryView {
            id: b.id,
            enterprise_id: b.enterprise_id,
            enterprise: e.map(|e| e.name).unwrap_or_default(),
            support: b.support,
            support_vnd: b.support_vnd,
            contribution_vnd: b.contribution_vnd,
            product_id: b.product_id,
            fair_id: b.fair_id,
            status: b.status,
            withdraw_reason: b.withdraw_reason,
            replaced_by: b.replaced_by,
        })
        .collect())
}

/// Opens a change to a programme that is still open: the row locked, inside its
/// transaction. A settled, cancelled or deferred programme is read-only.
async fn open_programme(
    state: &AppState,
    id: i32,
) -> AppResult<(sea_orm::DatabaseTransaction, programme::Model)> {
    let (txn, row) = begin_on::<programme::Entity>(&state.db, id).await?;
    if row.status.is_final() {
        return Err(AppError::state(Code::ProgrammeClosed));
    }
    Ok((txn, row))
}

/// Notes a change to the programme: a new version, its timeline event and audit entry.
async fn changed(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    row: programme::Model,
    (what, body): (&str, &str),
    details: serde_json::Value,
) -> AppResult<programme::Model> {
    let at = state.clock.now();
    let id = row.id;
    let version = row.version;
    let mut active: programme::ActiveModel = row.into();
    active.version = Set(version + 1);
    active.updated_at = Set(at);
    let row = active.update(txn).await?;
    event(txn, at, actor, id, what, None, None, body).await?;
    audit::record(
        txn,
        at,
        actor,
        &format!("programme.{what}"),
        "programme",
        id,
        details,
    )
    .await?;
    Ok(row)
}

/// Adds an enterprise the programme supports, with what it gets and puts in (staff).
pub async fn add_beneficiary(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &BeneficiaryInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let fields = input.parse()?;
    let (txn, row) = open_programme(state, id).await?;
    let found = enterprise::Entity::find_by_id(fields.enterprise_id)
        .one(&txn)
        .await?
        .ok_or(Invalid::one(
            "enterprise_id",
            Code::ProgrammeBeneficiaryUnknown,
        ))?;
    if let Some(pid) = fields.product_id {
        let of_it = product::Entity::find_by_id(pid)
            .one(&txn)
            .await?
            .is_some_and(|p| p.enterprise_id == found.id);
        if !of_it {
            return Err(Invalid::one("product_id", Code::ProgrammeProductNotOfBeneficiary).into());
        }
    }
    let at = state.clock.now();
    programme_beneficiary::ActiveModel {
        programme_id: Set(id),
        enterprise_id: Set(found.id),
        support: Set(fields.support.clone()),
        support_vnd: Set(fields.support_vnd),
        contribution_vnd: Set(fields.contribution_vnd),
        product_id: Set(fields.product_id),
        fair_id: Set(fields.fair_id),
        status: Set(BeneficiaryStatus::Committed),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(taken("enterprise_id", Code::ProgrammeBeneficiaryTaken))?;
    let row = changed(
        state,
        &txn,
        actor,
        row,
        ("beneficiary_added", &found.name),
        serde_json::json!({"enterprise_id": found.id, "support_vnd": fields.support_vnd,
                           "contribution_vnd": fields.contribution_vnd}),
    )
    .await?;
    txn.commit().await?;
    view(state, lang, row).await
}

/// A beneficiary pulls out, with why; the programme goes on (staff).
pub async fn withdraw_beneficiary(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    beneficiary_id: i32,
    reason: &str,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let reason = crate::domain::required_text(Some(reason), "reason", 3, 500)
        .map_err(|_| Invalid::one("reason", Code::ProgrammeWithdrawReasonRequired))?;
    let (txn, row) = open_programme(state, id).await?;
    let b = programme_beneficiary::Entity::find_by_id(beneficiary_id)
        .one(&txn)
        .await?
        .filter(|b| b.programme_id == id)
        .ok_or(AppError::NotFound)?;
    if b.status != BeneficiaryStatus::Committed {
        return Err(AppError::state(Code::ProgrammeTransition));
    }
    let enterprise_id = b.enterprise_id;
    let mut active: programme_beneficiary::ActiveModel = b.into();
    active.status = Set(BeneficiaryStatus::Withdrew);
    active.withdraw_reason = Set(Some(reason.clone()));
    active.updated_at = Set(state.clock.now());
    active.update(&txn).await?;
    let row = changed(
        state,
        &txn,
        actor,
        row,
        ("beneficiary_withdrew", &reason),
        serde_json::json!({"enterprise_id": enterprise_id}),
    )
    .await?;
    txn.commit().await?;
    view(state, lang, row).await
}

/// Marks a piece of the proposal's file as there (or not), with a note (staff).
pub async fn set_checklist_item(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    item: &str,
    done: bool,
    note: &str,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let (txn, row) = open_programme(state, id).await?;
    let item = ChecklistItem::parse(item)
        .filter(|i| row.kind.checklist().contains(i))
        .ok_or(Invalid::one("item", Code::ProgrammeChecklistItemUnknown))?;
    let note = crate::domain::optional_text(Some(note), "note", 500)?.unwrap_or_default();
    let at = state.clock.now();
    let existing = programme_checklist::Entity::find()
        .filter(programme_checklist::Column::ProgrammeId.eq(id))
        .filter(programme_checklist::Column::Item.eq(item.as_str()))
        .one(&txn)
        .await?;
    let mut entry: programme_checklist::ActiveModel = match existing {
        Some(e) => e.into(),
        None => programme_checklist::ActiveModel {
            programme_id: Set(id),
            item: Set(item.as_str().into()),
            ..Default::default()
        },
    };
    entry.done = Set(done);
    entry.note = Set(note);
    entry.updated_by = Set(actor.id());
    entry.updated_at = Set(at);
    entry.save(&txn).await?;
    let row = changed(
        state,
        &txn,
        actor,
        row,
        ("checklist", item.as_str()),
        serde_json::json!({"item": item, "done": done}),
    )
    .await?;
    txn.commit().await?;
    view(state, lang, row).await
}
