//! The enterprises a programme supports: added from the catalogue or registered on the spot,
//! withdrawn with why, and replaced by another enterprise that could take its place instead
//! of cancelling the programme.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::candidates::{CandidateView, Search, find};
use super::outcomes::take_baseline;
use super::{ProgrammeView, commit_change, open_programme};
use crate::context::AppState;
use crate::db::entities::{
    enterprise, fair, product, programme, programme_beneficiary, programme_commune,
};
use crate::db::taken;
use crate::domain::programme::BeneficiaryInput;
use crate::domain::programme::survey::Need;
use crate::domain::{BeneficiaryStatus, Code, EnterpriseFields, EnterpriseInput, Invalid, Num};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::Actor;
use crate::services::catalogue::{insert_enterprise, validate_enterprise};

/// Adds an enterprise the programme supports, with what it gets and puts in (staff). An
/// enterprise not in the catalogue yet is registered with it, in the same transaction.
pub async fn add_beneficiary(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    input: &BeneficiaryInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let fields = input.parse()?;
    let new_enterprise =
        registered(state, fields.enterprise_id, input.new_enterprise.as_ref()).await?;
    if let Some(fair_id) = fields.fair_id
        && fair::Entity::find_by_id(fair_id)
            .one(&state.db)
            .await?
            .is_none()
    {
        return Err(Invalid::one("fair_id", Code::ProgrammeFairUnknown).into());
    }
    let (txn, row) = open_programme(state, id).await?;
    let found = enterprise_for(&txn, state, actor, fields.enterprise_id, new_enterprise).await?;
    if let Some(pid) = fields.product_id {
        check_product(&txn, pid, found.id).await?;
    }
    let b = insert(
        &txn,
        state,
        &row,
        found.id,
        Support {
            what: fields.support.clone(),
            vnd: fields.support_vnd,
            contribution_vnd: fields.contribution_vnd,
            product_id: fields.product_id,
            fair_id: fields.fair_id,
        },
    )
    .await?;
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("beneficiary_added", &found.name),
        serde_json::json!({"enterprise_id": found.id, "beneficiary_id": b.id,
                           "support_vnd": fields.support_vnd,
                           "contribution_vnd": fields.contribution_vnd,
                           "registered_on_the_spot": fields.enterprise_id.is_none()}),
    )
    .await
}

/// The enterprise to register on the spot, checked, when none of the catalogue is named.
async fn registered(
    state: &AppState,
    enterprise_id: Option<i32>,
    input: Option<&EnterpriseInput>,
) -> AppResult<Option<EnterpriseFields>> {
    match (enterprise_id, input) {
        (None, Some(e)) => Ok(Some(validate_enterprise(state, e).await.map_err(nested)?)),
        _ => Ok(None),
    }
}

/// The beneficiary's enterprise: the catalogue's one named, or the one registered now, in
/// the caller's transaction.
async fn enterprise_for(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor,
    enterprise_id: Option<i32>,
    new: Option<EnterpriseFields>,
) -> AppResult<enterprise::Model> {
    match (enterprise_id, new) {
        (Some(eid), _) => {
            Ok(enterprise::Entity::find_by_id(eid)
                .one(txn)
                .await?
                .ok_or(Invalid::one(
                    "enterprise_id",
                    Code::ProgrammeBeneficiaryUnknown,
                ))?)
        }
        (None, Some(fields)) => insert_enterprise(txn, state, actor, &fields, None)
            .await
            .map_err(nested),
        (None, None) => {
            Err(Invalid::one("enterprise_id", Code::ProgrammeBeneficiaryRequired).into())
        }
    }
}

/// Errors of the enterprise registered on the spot, named under `new_enterprise`.
fn nested(e: AppError) -> AppError {
    match e {
        AppError::Invalid(mut inv) => {
            for fe in &mut inv.0 {
                fe.field = match fe.field {
                    "name" => "new_enterprise.name",
                    "legal_form" => "new_enterprise.legal_form",
                    "tax_code" => "new_enterprise.tax_code",
                    "commune_code" => "new_enterprise.commune_code",
                    "address" => "new_enterprise.address",
                    "phone" => "new_enterprise.phone",
                    "email" => "new_enterprise.email",
                    other => other,
                };
            }
            AppError::Invalid(inv)
        }
        AppError::Conflict {
            field: Some("tax_code"),
            code,
        } => AppError::conflict("new_enterprise.tax_code", code),
        other => other,
    }
}

async fn check_product(
    txn: &DatabaseTransaction,
    product_id: i32,
    enterprise_id: i32,
) -> AppResult<()> {
    let of_it = product::Entity::find_by_id(product_id)
        .one(txn)
        .await?
        .is_some_and(|p| p.enterprise_id == enterprise_id);
    if of_it {
        Ok(())
    } else {
        Err(Invalid::one("product_id", Code::ProgrammeProductNotOfBeneficiary).into())
    }
}

struct Support {
    what: String,
    vnd: i64,
    contribution_vnd: i64,
    product_id: Option<i32>,
    fair_id: Option<i32>,
}

/// Writes a committed beneficiary; once the programme is approved its catalogue is noted
/// at once, since its support begins now.
async fn insert(
    txn: &DatabaseTransaction,
    state: &AppState,
    row: &programme::Model,
    enterprise_id: i32,
    s: Support,
) -> AppResult<programme_beneficiary::Model> {
    let at = state.clock.now();
    let b = programme_beneficiary::ActiveModel {
        programme_id: Set(row.id),
        enterprise_id: Set(enterprise_id),
        support: Set(s.what),
        support_vnd: Set(s.vnd),
        contribution_vnd: Set(s.contribution_vnd),
        product_id: Set(s.product_id),
        fair_id: Set(s.fair_id),
        status: Set(BeneficiaryStatus::Committed),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(taken("enterprise_id", Code::ProgrammeBeneficiaryTaken))?;
    if row.status.is_approved() {
        take_baseline(txn, at, &b).await?;
    }
    Ok(b)
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
    let b = beneficiary_of(&txn, id, beneficiary_id).await?;
    if b.status != BeneficiaryStatus::Committed {
        return Err(AppError::state(Code::ProgrammeBeneficiaryNotCommitted));
    }
    let enterprise_id = b.enterprise_id;
    let mut active: programme_beneficiary::ActiveModel = b.into();
    active.status = Set(BeneficiaryStatus::Withdrew);
    active.withdraw_reason = Set(Some(reason.clone()));
    active.updated_at = Set(state.clock.now());
    active.update(&txn).await?;
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("beneficiary_withdrew", &reason),
        serde_json::json!({"enterprise_id": enterprise_id, "beneficiary_id": beneficiary_id}),
    )
    .await
}

async fn beneficiary_of(
    db: &impl ConnectionTrait,
    programme_id: i32,
    beneficiary_id: i32,
) -> AppResult<programme_beneficiary::Model> {
    programme_beneficiary::Entity::find_by_id(beneficiary_id)
        .one(db)
        .await?
        .filter(|b| b.programme_id == programme_id)
        .ok_or(AppError::NotFound)
}

/// Another enterprise taking a withdrawn beneficiary's place: by default it gets the same
/// support and puts in the same share.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReplaceInput {
    /// An enterprise of the catalogue; or `new_enterprise`.
    pub enterprise_id: Option<i32>,
    pub new_enterprise: Option<EnterpriseInput>,
    /// What it gets; the withdrawn one's support when empty.
    pub support: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub support_vnd: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub contribution_vnd: Option<Num>,
}

/// Puts another enterprise in the place of one that withdrew (staff): the withdrawn one is
/// marked replaced, with who took its place.
pub async fn replace_beneficiary(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    beneficiary_id: i32,
    input: &ReplaceInput,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let old = beneficiary_of(&state.db, id, beneficiary_id).await?;
    let fields = BeneficiaryInput {
        enterprise_id: input.enterprise_id,
        new_enterprise: input.new_enterprise.clone(),
        support: input.support.clone().or(Some(old.support.clone())),
        support_vnd: input
            .support_vnd
            .clone()
            .or(Some(Num::Int(old.support_vnd))),
        contribution_vnd: input
            .contribution_vnd
            .clone()
            .or(Some(Num::Int(old.contribution_vnd))),
        product_id: None,
        fair_id: old.fair_id,
    };
    let parsed = fields.parse()?;
    let new_enterprise =
        registered(state, parsed.enterprise_id, fields.new_enterprise.as_ref()).await?;
    let (txn, row) = open_programme(state, id).await?;
    let old = beneficiary_of(&txn, id, beneficiary_id).await?;
    if old.status != BeneficiaryStatus::Withdrew {
        return Err(AppError::state(Code::ProgrammeNotWithdrawn));
    }
    let found = enterprise_for(&txn, state, actor, parsed.enterprise_id, new_enterprise).await?;
    let new = insert(
        &txn,
        state,
        &row,
        found.id,
        Support {
            what: parsed.support,
            vnd: parsed.support_vnd,
            contribution_vnd: parsed.contribution_vnd,
            product_id: None,
            fair_id: parsed.fair_id,
        },
    )
    .await?;
    let old_enterprise = old.enterprise_id;
    let mut active: programme_beneficiary::ActiveModel = old.into();
    active.status = Set(BeneficiaryStatus::Replaced);
    active.replaced_by = Set(Some(new.id));
    active.updated_at = Set(state.clock.now());
    active.update(&txn).await?;
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("beneficiary_replaced", &found.name),
        serde_json::json!({"replaced": old_enterprise, "by": found.id, "beneficiary_id": new.id}),
    )
    .await
}

/// The enterprises that could take a programme's place for a beneficiary (staff): in the
/// programme's communes first, then its province, with the same kind of need — surveyed
/// with it, or with products that show it — and not already in the programme.
pub async fn replacement_candidates(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
) -> AppResult<Vec<CandidateView>> {
    actor.require_staff()?;
    let row = programme::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let communes: Vec<i32> = programme_commune::Entity::find()
        .filter(programme_commune::Column::ProgrammeId.eq(id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| c.commune_code)
        .collect();
    let taken: Vec<i32> = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::ProgrammeId.eq(id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|b| b.enterprise_id)
        .collect();
    let category = row
        .category_id
        .and_then(|c| state.reference.category(c))
        .map(|c| c.slug.clone());
    let mut found = find(
        state,
        lang,
        &Search {
            communes: communes.clone(),
            nearby: true,
            category,
            need: Need::of_kind(row.kind),
            exclude: taken,
        },
    )
    .await?;
    found.truncate(10);
    Ok(found)
}
