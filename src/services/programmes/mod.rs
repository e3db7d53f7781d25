//! Support programmes (đề án khuyến công): staff propose a programme (from a facility survey
//! or from nothing), complete its file, move it through its states with what each move
//! records, follow its beneficiaries with milestones, visits and counterpart money, pay out
//! under its approved budget, and measure what came of it. Administrators set each year's
//! funds and limits. Producers see the support their enterprise gets; the public sees
//! completed programmes.
//!
//! Every change is a timeline event and an audit entry, written in the transaction that
//! makes it; a settled, cancelled or deferred programme is read-only.

mod beneficiaries;
mod candidates;
mod documents;
mod follow;
mod moves;
mod outcomes;
mod plan;
mod printing;
mod public;
mod surveys;
mod views;

pub use beneficiaries::*;
pub use candidates::*;
pub use documents::*;
pub use follow::*;
pub use moves::*;
pub use outcomes::*;
pub use plan::*;
pub use printing::*;
pub use public::*;
pub use surveys::*;
pub use views::*;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};

use super::{Actor, audit};
use crate::context::AppState;
use crate::db::entities::{
    facility_survey, programme, programme_checklist, programme_commune, programme_disbursement,
    programme_event, user,
};
use crate::db::{begin_on, taken, write_txn};
use crate::domain::programme::{Money, ProgrammeFields, ProgrammeInput};
use crate::domain::{ChecklistItem, Code, Invalid, ProgrammeStatus};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;

/// Proposes a programme (staff). Started from a survey, the survey is linked to it and the
/// file's survey item is ticked.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    input: &ProgrammeInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let fields = input.parse(state.clock.today())?;
    let category_id = check_refs(state, &fields).await?;
    let survey = match fields.survey_id {
        Some(id) => Some(
            facility_survey::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or(Invalid::one("survey_id", Code::ProgrammeSurveyUnknown))?,
        ),
        None => None,
    };
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
        category_id: Set(category_id),
        version: Set(1),
        created_by: Set(actor.id()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(taken("code", Code::ProgrammeCodeTaken))?;
    set_communes(&txn, row.id, &fields.commune_codes).await?;
    if let Some(s) = survey {
        if fields.kind.checklist().contains(&ChecklistItem::Survey) {
            programme_checklist::ActiveModel {
                programme_id: Set(row.id),
                item: Set(ChecklistItem::Survey.as_str().into()),
                done: Set(true),
                note: Set(format!("#{} · {}", s.id, s.visited_on.format("%d/%m/%Y"))),
                updated_by: Set(actor.id()),
                updated_at: Set(at),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        if s.programme_id.is_none() {
            let mut linked: facility_survey::ActiveModel = s.into();
            linked.programme_id = Set(Some(row.id));
            linked.update(&txn).await?;
        }
    }
    event(
        &txn,
        at,
        actor,
        row.id,
        "proposed",
        (None, Some(row.status)),
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
        serde_json::json!({"code": fields.code, "year": fields.year, "kind": fields.kind,
                           "survey_id": fields.survey_id}),
    )
    .await?;
    txn.commit().await?;
    view(state, lang, row).await
}

/// Changes a programme's particulars (staff). Its code, kind, year, funding source and the
/// budget asked for are fixed once it leaves the proposal stage; its title, description,
/// communes, product group and the person responsible may change until it closes.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &ProgrammeInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let fields = input.parse(state.clock.today())?;
    let category_id = check_refs(state, &fields).await?;
    let (txn, row) = open_programme(state, id).await?;
    let fixed_changed = row.code != fields.code
        || row.kind != fields.kind
        || row.year != fields.year
        || row.funding_source != fields.funding_source
        || row.proposed_vnd != fields.proposed_vnd;
    if row.status != ProgrammeStatus::Proposed && fixed_changed {
        return Err(AppError::state(Code::ProgrammeLocked));
    }
    let mut active: programme::ActiveModel = row.clone().into();
    active.code = Set(fields.code.clone());
    active.title = Set(fields.title.clone());
    active.kind = Set(fields.kind);
    active.funding_source = Set(fields.funding_source);
    active.year = Set(fields.year);
    active.staff_id = Set(fields.staff_id);
    active.description = Set(fields.description.clone());
    active.proposed_vnd = Set(fields.proposed_vnd);
    active.category_id = Set(category_id);
    let row = active
        .update(&txn)
        .await
        .map_err(taken("code", Code::ProgrammeCodeTaken))?;
    programme_commune::Entity::delete_many()
        .filter(programme_commune::Column::ProgrammeId.eq(id))
        .exec(&txn)
        .await?;
    set_communes(&txn, id, &fields.commune_codes).await?;
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("edited", ""),
        serde_json::json!({"code": fields.code, "title": fields.title,
                           "staff_id": fields.staff_id, "communes": fields.commune_codes}),
    )
    .await
}

async fn set_communes(txn: &DatabaseTransaction, id: i32, codes: &[i32]) -> AppResult<()> {
    for code in codes {
        programme_commune::ActiveModel {
            programme_id: Set(id),
            commune_code: Set(*code),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// The communes exist, the product group exists and the person responsible is staff;
/// answers the group's id.
async fn check_refs(state: &AppState, fields: &ProgrammeFields) -> AppResult<Option<i32>> {
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
    match &fields.category {
        None => Ok(None),
        Some(slug) => state
            .reference
            .category_by_slug(slug)
            .map(|c| Some(c.id))
            .ok_or_else(|| Invalid::one("category", Code::ProgrammeCategoryUnknown).into()),
    }
}

/// Whether `actor` may send files to programmes and surveys (staff): asked before an
/// upload is read, so nobody else's body is taken in.
pub fn may_follow(actor: &Actor) -> AppResult<()> {
    actor.require_staff().map(|_| ())
}

/// A new proposal drafted from a programme deferred to a later year (staff): the same
/// particulars in the year it was deferred to, with a new code to give.
pub async fn draft_from_deferred(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<ProgrammeInput> {
    actor.require_staff()?;
    let row = programme::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .filter(|r| r.status == ProgrammeStatus::Deferred)
        .ok_or(AppError::NotFound)?;
    let communes = programme_commune::Entity::find()
        .filter(programme_commune::Column::ProgrammeId.eq(id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| c.commune_code)
        .collect();
    Ok(ProgrammeInput {
        code: None,
        title: Some(row.title),
        kind: Some(row.kind.as_str().into()),
        funding_source: Some(row.funding_source.as_str().into()),
        year: row
            .deferred_to
            .map(|y| crate::domain::Num::Int(i64::from(y))),
        commune_codes: Some(communes),
        staff_id: row.staff_id,
        description: Some(row.description),
        proposed_vnd: Some(crate::domain::Num::Int(row.proposed_vnd)),
        category: row
            .category_id
            .and_then(|c| state.reference.category(c))
            .map(|c| c.slug.clone()),
        survey_id: None,
    })
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

/// One row of the timeline.
async fn event(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    actor: &Actor,
    programme_id: i32,
    kind: &str,
    (from, to): (Option<ProgrammeStatus>, Option<ProgrammeStatus>),
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

/// Opens a change to a programme that is still open: the row locked, inside its
/// transaction. A settled, cancelled or deferred programme is read-only.
async fn open_programme(
    state: &AppState,
    id: i32,
) -> AppResult<(DatabaseTransaction, programme::Model)> {
    let (txn, row) = begin_on::<programme::Entity>(&state.db, id).await?;
    if row.status.is_final() {
        return Err(AppError::state(Code::ProgrammeClosed));
    }
    Ok((txn, row))
}

/// [`open_programme`], refusing a change entered against an earlier `version` (a form sent
/// twice, or after someone else changed the programme).
async fn open_programme_at(
    state: &AppState,
    id: i32,
    version: Option<i32>,
) -> AppResult<(DatabaseTransaction, programme::Model)> {
    let (txn, row) = open_programme(state, id).await?;
    if version.is_some_and(|v| v != row.version) {
        return Err(AppError::state(Code::ProgrammeChanged));
    }
    Ok((txn, row))
}

/// Notes a change to the programme (see [`changed`]), commits it, and shows the programme.
async fn commit_change(
    state: &AppState,
    txn: DatabaseTransaction,
    actor: &Actor,
    lang: Lang,
    row: programme::Model,
    what: (&str, &str),
    details: serde_json::Value,
) -> AppResult<ProgrammeView> {
    let row = changed(state, &txn, actor, row, what, details).await?;
    txn.commit().await?;
    view(state, lang, row).await
}

/// Notes a change to the programme: a new version, its timeline event and audit entry.
async fn changed(
    state: &AppState,
    txn: &DatabaseTransaction,
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
    event(txn, at, actor, id, what, (None, None), body).await?;
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
