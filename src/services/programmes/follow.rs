//! Following beneficiaries closely: milestones with their dates, visits with notes and
//! photos, counterpart money received, and the at-risk flag computed from those facts.

use bytes::Bytes;
use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::documents::attach;
use super::{ProgrammeView, commit_change, open_programme, open_programme_at};
use crate::context::AppState;
use crate::db::entities::{
    enterprise, programme, programme_beneficiary, programme_contribution, programme_event,
    programme_milestone, programme_visit,
};
use crate::domain::programme::DocumentKind;
use crate::domain::programme::follow::{
    ContributionInput, MilestoneFacts, MilestoneInput, Risk, RiskFacts, VisitInput,
};
use crate::domain::{BeneficiaryStatus, Code, Invalid};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::services::Actor;
use crate::services::media::{StoredFile, store_private};

/// Photos one visit may carry.
pub const MAX_VISIT_PHOTOS: usize = 6;

/// The beneficiary named by a follow-up, which must be one of the programme's.
async fn check_beneficiary(
    db: &impl ConnectionTrait,
    programme_id: i32,
    beneficiary_id: Option<i32>,
) -> AppResult<Option<programme_beneficiary::Model>> {
    match beneficiary_id {
        None => Ok(None),
        Some(bid) => programme_beneficiary::Entity::find_by_id(bid)
            .one(db)
            .await?
            .filter(|b| b.programme_id == programme_id)
            .map(Some)
            .ok_or_else(|| {
                Invalid::one("beneficiary_id", Code::ProgrammeBeneficiaryUnknown).into()
            }),
    }
}

/// Sets a milestone the programme is followed by (staff).
pub async fn add_milestone(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &MilestoneInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let m = input.parse()?;
    let (txn, row) = open_programme_at(state, id, input.version).await?;
    check_beneficiary(&txn, id, m.beneficiary_id).await?;
    let title = if m.title.is_empty() {
        t(lang, &format!("programme.milestone.{}", m.kind)).to_string()
    } else {
        m.title.clone()
    };
    let saved = programme_milestone::ActiveModel {
        programme_id: Set(id),
        beneficiary_id: Set(m.beneficiary_id),
        kind: Set(m.kind),
        title: Set(title.clone()),
        due_on: Set(m.due_on),
        done_at: Set(None),
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
        ("milestone_added", &title),
        serde_json::json!({"milestone_id": saved.id, "kind": m.kind, "due_on": m.due_on}),
    )
    .await
}

/// Marks a milestone done (or not done after all) (staff).
pub async fn set_milestone_done(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    milestone_id: i32,
    done: bool,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let (txn, row) = open_programme(state, id).await?;
    let m = programme_milestone::Entity::find_by_id(milestone_id)
        .one(&txn)
        .await?
        .filter(|m| m.programme_id == id)
        .ok_or(AppError::NotFound)?;
    let title = m.title.clone();
    let mut active: programme_milestone::ActiveModel = m.into();
    active.done_at = Set(done.then(|| state.clock.now()));
    active.update(&txn).await?;
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        (
            if done {
                "milestone_done"
            } else {
                "milestone_reopened"
            },
            &title,
        ),
        serde_json::json!({"milestone_id": milestone_id, "done": done}),
    )
    .await
}

/// Records counterpart money a committed beneficiary paid in (staff).
pub async fn record_contribution(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &ContributionInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let c = input.parse(state.clock.today())?;
    let (txn, row) = open_programme_at(state, id, input.version).await?;
    let b = check_beneficiary(&txn, id, Some(c.beneficiary_id))
        .await?
        .ok_or(Invalid::one(
            "beneficiary_id",
            Code::ProgrammeBeneficiaryUnknown,
        ))?;
    if b.status != BeneficiaryStatus::Committed {
        return Err(AppError::state(Code::ProgrammeBeneficiaryNotCommitted));
    }
    programme_contribution::ActiveModel {
        programme_id: Set(id),
        beneficiary_id: Set(b.id),
        received_on: Set(c.received_on),
        amount_vnd: Set(c.amount_vnd),
        note: Set(c.note.clone()),
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
        ("contribution", &c.note),
        serde_json::json!({"beneficiary_id": b.id, "amount_vnd": c.amount_vnd,
                           "received_on": c.received_on}),
    )
    .await
}

/// Writes down a visit, with the photos taken (staff). The photos are stored first; if the
/// visit cannot be written, they are let go again.
pub async fn add_visit(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &VisitInput,
    photos: Vec<(String, Bytes)>,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let visit = input.parse(state.clock.today())?;
    if photos.len() > MAX_VISIT_PHOTOS {
        return Err(AppError::conflict("file", Code::PhotoLimit));
    }
    drop(open_programme_at(state, id, input.version).await?);
    // Stored first, then the rows; objects whose rows could not be written are left to
    // `storage gc`.
    let mut stored: Vec<StoredFile> = Vec::new();
    for (name, bytes) in photos {
        stored.push(store_private(state, "programmes", &name, bytes, true).await?);
    }
    let (txn, row) = open_programme_at(state, id, input.version).await?;
    check_beneficiary(&txn, id, visit.beneficiary_id).await?;
    let v = programme_visit::ActiveModel {
        programme_id: Set(id),
        beneficiary_id: Set(visit.beneficiary_id),
        visited_on: Set(visit.visited_on),
        notes: Set(visit.notes.clone()),
        created_by: Set(actor.id()),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let title = format!(
        "{} {}",
        t(lang, "programme.visit"),
        visit.visited_on.format("%d/%m/%Y")
    );
    for s in &stored {
        attach(
            &txn,
            state,
            actor,
            id,
            Some(v.id),
            DocumentKind::Photo,
            &title,
            s,
        )
        .await?;
    }
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("visit", &visit.notes),
        serde_json::json!({"visit_id": v.id, "visited_on": visit.visited_on,
                           "photos": stored.len()}),
    )
    .await
}

/// Why a programme is at risk today, from its milestones, counterpart money, last activity
/// and withdrawals.
pub(super) async fn risks_of(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    row: &programme::Model,
) -> AppResult<Vec<Risk>> {
    if row.status.is_final() {
        return Ok(Vec::new());
    }
    let milestones: Vec<MilestoneFacts> = programme_milestone::Entity::find()
        .filter(programme_milestone::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_milestone::Column::DueOn)
        .order_by_asc(programme_milestone::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| MilestoneFacts {
            kind: m.kind,
            title: m.title,
            due_on: m.due_on,
            beneficiary_id: m.beneficiary_id,
            done: m.done_at.is_some(),
        })
        .collect();
    let contributed: Vec<i32> = programme_contribution::Entity::find()
        .filter(programme_contribution::Column::ProgrammeId.eq(row.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.beneficiary_id)
        .collect();
    let beneficiaries = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::ProgrammeId.eq(row.id))
        .order_by_asc(programme_beneficiary::Column::Id)
        .all(db)
        .await?;
    let committed: Vec<i32> = beneficiaries
        .iter()
        .filter(|b| b.status == BeneficiaryStatus::Committed)
        .map(|b| b.id)
        .collect();
    let withdrew: Vec<&programme_beneficiary::Model> = beneficiaries
        .iter()
        .filter(|b| b.status == BeneficiaryStatus::Withdrew)
        .collect();
    let withdrawn: Vec<String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(withdrew.iter().map(|b| b.enterprise_id)))
        .order_by_asc(enterprise::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.name)
        .collect();
    let last = programme_event::Entity::find()
        .filter(programme_event::Column::ProgrammeId.eq(row.id))
        .order_by_desc(programme_event::Column::At)
        .one(db)
        .await?
        .map_or(row.updated_at, |e| e.at.max(row.updated_at));
    let last_activity = last.with_timezone(&crate::clock::vietnam()).date_naive();
    Ok(RiskFacts {
        status: row.status,
        today,
        last_activity,
        milestones: &milestones,
        contributed: &contributed,
        committed: &committed,
        withdrawn: &withdrawn,
    }
    .risks())
}

/// A reason said in the reader's language.
pub(super) fn risk_message(lang: Lang, risk: &Risk) -> String {
    let text = t(lang, risk.key());
    match risk {
        Risk::MilestoneOverdue {
            title,
            due_on,
            days,
        } => text
            .replace("{title}", title)
            .replace("{date}", &due_on.format("%d/%m/%Y").to_string())
            .replace("{days}", &days.to_string()),
        Risk::NoContribution { due_on, days } => text
            .replace("{date}", &due_on.format("%d/%m/%Y").to_string())
            .replace("{days}", &days.to_string()),
        Risk::Idle { days } => text.replace("{days}", &days.to_string()),
        Risk::BeneficiaryWithdrew { enterprise } => text.replace("{enterprise}", enterprise),
    }
}
