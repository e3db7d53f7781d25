//! A programme's file and its moves: the checklist staff tick, what stops a proposal from
//! being appraised, each move with what it records, and payments under the approved budget.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::{
    ProgrammeView, commit_change, event, money, open_programme, outcomes::take_baselines, view,
};
use crate::context::AppState;
use crate::db::begin_on;
use crate::db::entities::{
    enterprise, product, programme, programme_beneficiary, programme_checklist,
    programme_disbursement, programme_limit,
};
use crate::domain::programme::{
    DisbursementInput, Gap, Move, MoveInput, Proposal, ProposedBeneficiary,
    default_counterpart_percent,
};
use crate::domain::{BeneficiaryStatus, ChecklistItem, Code, Invalid, ProgrammeStatus, TaxCode};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::{Actor, audit};

/// Moves a programme one step (or out: cancelled, deferred), recording what the step
/// needs: the decision at approval, the minutes at acceptance, the final amount at
/// settlement, the reason at cancellation. At approval the beneficiaries' catalogue is
/// noted, to measure later what changed.
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
    // What holds up at appraisal must still hold at approval, for the budget approved.
    let budget = match &mv {
        Move::Approve { budget_vnd, .. } => Some(*budget_vnd),
        _ => None,
    };
    if matches!(to, ProgrammeStatus::Appraised | ProgrammeStatus::Approved)
        && !gaps_at(&txn, state, &row, budget).await?.is_empty()
    {
        return Err(AppError::state(Code::ProgrammeIncomplete));
    }
    if to == ProgrammeStatus::Deferred && money(&txn, &row).await?.disbursed_vnd > 0 {
        return Err(AppError::state(Code::ProgrammeDeferPaid));
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
    if to == ProgrammeStatus::Approved {
        take_baselines(&txn, at, id).await?;
    }
    event(&txn, at, actor, id, "moved", (Some(from), Some(to)), &body).await?;
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
    if input.version.is_some_and(|v| v != row.version) {
        return Err(AppError::state(Code::ProgrammeChanged));
    }
    let paid = input.parse(state.clock.today())?;
    money(&txn, &row)
        .await?
        .check_disbursement(paid.amount_vnd)
        .map_err(|code| Invalid::one("amount_vnd", code))?;
    programme_disbursement::ActiveModel {
        programme_id: Set(id),
        paid_on: Set(paid.paid_on),
        amount_vnd: Set(paid.amount_vnd),
        purpose: Set(paid.purpose.clone()),
        recorded_by: Set(actor.id()),
        created_at: Set(state.clock.now()),
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
        ("disbursed", &paid.purpose),
        serde_json::json!({"amount_vnd": paid.amount_vnd, "paid_on": paid.paid_on}),
    )
    .await
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
    put_item(&txn, state, actor, id, item, done, Some(note)).await?;
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("checklist", item.as_str()),
        serde_json::json!({"item": item, "done": done}),
    )
    .await
}

/// The whole file at once, as ticked on a page: the pieces named are there, the others not
/// (staff). One change, whatever it ticks.
pub async fn set_checklist(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    done: &[String],
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let (txn, row) = open_programme(state, id).await?;
    if let Some(unknown) = done
        .iter()
        .find(|d| ChecklistItem::parse(d).is_none_or(|i| !row.kind.checklist().contains(&i)))
    {
        tracing::debug!(item = unknown, "checklist item of another kind");
        return Err(Invalid::one("item", Code::ProgrammeChecklistItemUnknown).into());
    }
    let held = checklist(&txn, &row).await?;
    let mut ticked = Vec::new();
    for (item, was, _) in held {
        let now = done.iter().any(|d| d == item.as_str());
        if now != was {
            put_item(&txn, state, actor, id, item, now, None).await?;
            ticked.push((item, now));
        }
    }
    if ticked.is_empty() {
        drop(txn);
        return view(state, lang, row).await;
    }
    let body = ticked
        .iter()
        .map(|(i, _)| i.as_str())
        .collect::<Vec<_>>()
        .join(",");
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("checklist", &body),
        serde_json::json!({"items": ticked}),
    )
    .await
}

/// Writes one piece of the file (keeping its note unless one is given).
async fn put_item(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    actor: &Actor,
    id: i32,
    item: ChecklistItem,
    done: bool,
    note: Option<String>,
) -> AppResult<()> {
    let existing = programme_checklist::Entity::find()
        .filter(programme_checklist::Column::ProgrammeId.eq(id))
        .filter(programme_checklist::Column::Item.eq(item.as_str()))
        .one(txn)
        .await?;
    let mut entry: programme_checklist::ActiveModel = match existing {
        Some(e) => e.into(),
        None => programme_checklist::ActiveModel {
            programme_id: Set(id),
            item: Set(item.as_str().into()),
            note: Set(String::new()),
            ..Default::default()
        },
    };
    entry.done = Set(done);
    if let Some(note) = note {
        entry.note = Set(note);
    }
    entry.updated_by = Set(actor.id());
    entry.updated_at = Set(state.clock.now());
    entry.save(txn).await?;
    Ok(())
}

/// The kind's checklist with what the file holds: (item, done, note).
pub(super) async fn checklist(
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

/// What stops `row` from being appraised, read in the caller's transaction: the file, the
/// beneficiaries (a checked tax code, products of the group supported, their own share) and
/// the year's limit for the kind.
pub(super) async fn gaps(
    db: &impl ConnectionTrait,
    state: &AppState,
    row: &programme::Model,
) -> AppResult<Vec<Gap>> {
    gaps_at(db, state, row, None).await
}

/// [`gaps`] for `budget_vnd` (the budget about to be approved), else the programme's own.
async fn gaps_at(
    db: &impl ConnectionTrait,
    state: &AppState,
    row: &programme::Model,
    budget_vnd: Option<i64>,
) -> AppResult<Vec<Gap>> {
    let done: Vec<ChecklistItem> = checklist(db, row)
        .await?
        .into_iter()
        .filter_map(|(item, done, _)| done.then_some(item))
        .collect();
    let committed = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::ProgrammeId.eq(row.id))
        .filter(programme_beneficiary::Column::Status.eq(BeneficiaryStatus::Committed))
        .order_by_asc(programme_beneficiary::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = committed.iter().map(|b| b.enterprise_id).collect();
    let enterprises = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?;
    // The enterprises making something of the group supported (or any group when none).
    let makers: Vec<i32> = match row.category_id.and_then(|c| state.reference.category(c)) {
        None => ids,
        Some(group) => {
            let groups = state.reference.category_and_descendants(&group.slug);
            product::Entity::find()
                .filter(product::Column::EnterpriseId.is_in(ids))
                .filter(product::Column::CategoryId.is_in(groups))
                .all(db)
                .await?
                .into_iter()
                .map(|p| p.enterprise_id)
                .collect()
        }
    };
    let beneficiaries: Vec<ProposedBeneficiary> = committed
        .iter()
        .map(|b| ProposedBeneficiary {
            enterprise_id: b.enterprise_id,
            tax_code_checked: enterprises
                .iter()
                .find(|e| e.id == b.enterprise_id)
                .and_then(|e| e.tax_code.as_deref())
                .is_some_and(|c| TaxCode::parse(c).is_ok()),
            makes_supported_products: makers.contains(&b.enterprise_id),
            support_vnd: b.support_vnd,
            contribution_vnd: b.contribution_vnd,
        })
        .collect();
    let limit = programme_limit::Entity::find()
        .filter(programme_limit::Column::Year.eq(row.year))
        .filter(programme_limit::Column::Kind.eq(row.kind))
        .one(db)
        .await?;
    Ok(Proposal {
        kind: Some(row.kind),
        budget_vnd: budget_vnd.unwrap_or(row.approved_vnd.unwrap_or(row.proposed_vnd)),
        checklist_done: &done,
        beneficiaries: &beneficiaries,
        max_budget_vnd: limit.as_ref().and_then(|l| l.max_budget_vnd),
        counterpart_percent: limit
            .and_then(|l| u8::try_from(l.counterpart_percent).ok())
            .unwrap_or_else(|| default_counterpart_percent(row.kind)),
    }
    .gaps())
}
