//! Enterprises: registering, editing (held for the centre once public), vetting and members.

use super::{
    Decision, EnterpriseView, Lookup, Manages, enterprise_input, manages, may_publish, memberships,
    patched, require_manage, with_logo, with_logos,
};
use crate::context::AppState;
use crate::db::entities::{enterprise, enterprise_member, product, user};
use crate::db::reference::Reference;
use crate::db::{free_slug, taken};
use crate::domain::Code;
use crate::domain::{
    Certification, EnterpriseFields, EnterpriseInput, Invalid, PendingStatus, ProductStatus, Role,
};
use crate::error::{AppError, AppResult};
use crate::services::media;
use crate::services::{Actor, audit, search_sync};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

pub(super) async fn published_count(
    db: &impl ConnectionTrait,
    enterprise_id: i32,
) -> AppResult<u64> {
    Ok(product::Entity::find()
        .filter(product::Column::EnterpriseId.eq(enterprise_id))
        .filter(product::Column::Status.eq(ProductStatus::Published))
        .count(db)
        .await?)
}

/// Checks an enterprise input completely (fields, commune, free tax code) without saving.
pub async fn validate_enterprise(
    state: &AppState,
    input: &EnterpriseInput,
) -> AppResult<EnterpriseFields> {
    let fields = EnterpriseFields::parse(input, state.clock.today())?;
    check_enterprise_refs(&state.db, &state.reference, &fields, None).await?;
    Ok(fields)
}

pub(super) async fn check_enterprise_refs(
    db: &impl ConnectionTrait,
    reference: &Reference,
    fields: &EnterpriseFields,
    except: Option<i32>,
) -> AppResult<()> {
    if reference.commune(fields.commune_code).is_none() {
        return Err(Invalid::one("commune_code", Code::CommuneUnknown).into());
    }
    if let Some(tax) = &fields.tax_code {
        let mut q = enterprise::Entity::find().filter(enterprise::Column::TaxCode.eq(tax.as_str()));
        if let Some(id) = except {
            q = q.filter(enterprise::Column::Id.ne(id));
        }
        if q.count(db).await? > 0 {
            return Err(AppError::conflict("tax_code", Code::TaxCodeTaken));
        }
    }
    Ok(())
}

/// Creates an enterprise. A producer becomes its member; staff may name a producer member.
pub async fn create_enterprise(
    state: &AppState,
    actor: &Actor,
    input: &EnterpriseInput,
    member_user_id: Option<i32>,
) -> AppResult<EnterpriseView> {
    let (db, reference) = (&state.db, &*state.reference);
    let me = may_publish(actor)?;
    let fields = EnterpriseFields::parse(input, state.clock.today())?;
    check_enterprise_refs(db, reference, &fields, None).await?;
    let member = if me.role == Role::Producer {
        Some(me.id)
    } else if let Some(uid) = member_user_id {
        let u = user::Entity::find_by_id(uid).one(db).await?;
        match u {
            Some(u) if u.role == Role::Producer => Some(uid),
            _ => return Err(Invalid::one("member_user_id", Code::MemberNotProducer).into()),
        }
    } else {
        None
    };
    let txn = crate::db::write_txn(db).await?;
    let model = insert_enterprise(&txn, state, actor, &fields, member).await?;
    txn.commit().await?;
    // The creator is its member, or staff.
    Ok(EnterpriseView::new(&model, reference, 0, Some(Manages(()))))
}

/// Writes a checked enterprise (and its member, if any) in the caller's transaction, with
/// its audit entry: the catalogue's own step, shared by whoever registers an enterprise
/// (staff adding a programme's beneficiary on the spot, say).
pub(crate) async fn insert_enterprise(
    txn: &sea_orm::DatabaseTransaction,
    state: &AppState,
    actor: &Actor,
    fields: &EnterpriseFields,
    member: Option<i32>,
) -> AppResult<enterprise::Model> {
    let slug = free_slug::<enterprise::Entity>(txn, &fields.name, enterprise::Column::Slug).await?;
    let at = state.clock.now();
    let model = enterprise::ActiveModel {
        slug: Set(slug),
        name: Set(fields.name.clone()),
        name_key: Set(Some(crate::domain::text::name_key(&fields.name))),
        legal_form: Set(fields.legal_form.as_str().into()),
        tax_code: Set(fields.tax_code.as_ref().map(|t| t.as_str().into())),
        commune_code: Set(fields.commune_code),
        address: Set(fields.address.clone()),
        phone: Set(Some(fields.phone.as_str().into())),
        email: Set(fields.email.as_ref().map(|e| e.as_str().into())),
        description: Set(fields.description.clone()),
        founded_year: Set(fields.founded_year),
        workforce: Set(fields.workforce),
        certifications: Set(Certification::join(&fields.certifications)),
        created_at: Set(at),
        updated_at: Set(at),
        created_by: Set(actor.id()),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(taken("tax_code", Code::TaxCodeTaken))?;
    if let Some(uid) = member {
        enterprise_member::ActiveModel {
            enterprise_id: Set(model.id),
            user_id: Set(uid),
            created_at: Set(at),
        }
        .insert(txn)
        .await?;
    }
    audit::record(
        txn,
        state.clock.now(),
        actor,
        "enterprise.create",
        "enterprise",
        model.id,
        json!({"name": model.name, "member": member}),
    )
    .await?;
    Ok(model)
}

pub(crate) fn apply_enterprise_fields(
    active: &mut enterprise::ActiveModel,
    fields: &EnterpriseFields,
) {
    active.name = Set(fields.name.clone());
    active.name_key = Set(Some(crate::domain::text::name_key(&fields.name)));
    active.legal_form = Set(fields.legal_form.as_str().into());
    active.tax_code = Set(fields.tax_code.as_ref().map(|t| t.as_str().into()));
    active.commune_code = Set(fields.commune_code);
    active.address = Set(fields.address.clone());
    active.phone = Set(Some(fields.phone.as_str().into()));
    active.email = Set(fields.email.as_ref().map(|e| e.as_str().into()));
    active.description = Set(fields.description.clone());
    active.founded_year = Set(fields.founded_year);
    active.workforce = Set(fields.workforce);
    active.certifications = Set(Certification::join(&fields.certifications));
}

/// Whether a member's change to this enterprise waits for the centre: once it is public
/// (a product of it is published), buyers see only what staff approved. Staff's own
/// changes are the centre's decision.
pub(crate) async fn holds_changes(
    db: &impl ConnectionTrait,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<bool> {
    Ok(!actor.is_staff() && published_count(db, enterprise_id).await? > 0)
}

/// Applies a partial update (JSON merge patch) to an enterprise. A member's edit of a
/// public enterprise is held for the centre, as a product's is; buyers keep seeing the
/// approved profile until staff approve it.
pub async fn update_enterprise(
    state: &AppState,
    actor: &Actor,
    id: i32,
    patch: &Value,
) -> AppResult<EnterpriseView> {
    let (db, reference) = (&state.db, &*state.reference);
    let (txn, current) = crate::db::begin_on::<enterprise::Entity>(db, id).await?;
    let Some(proof) = manages(&txn, actor, id).await? else {
        return Err(if actor.user().is_none() {
            AppError::Unauthenticated
        } else if published_count(&txn, id).await? > 0 {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    };
    let held = holds_changes(&txn, actor, id).await?;
    let live = enterprise_input(&current);
    // A held edit builds on the edit already waiting.
    let base: EnterpriseInput = match (&current.pending, held) {
        (Some(p), true) => serde_json::from_str(p).unwrap_or_else(|_| live.clone()),
        _ => live.clone(),
    };
    let input: EnterpriseInput = patched(&base, patch)?;
    let fields = EnterpriseFields::parse(&input, state.clock.today())?;
    check_enterprise_refs(&txn, reference, &fields, Some(id)).await?;
    let mut active: enterprise::ActiveModel = current.clone().into();
    active.version = Set(current.version + 1);
    active.updated_at = Set(state.clock.now());
    if held {
        let unchanged =
            EnterpriseFields::parse(&live, state.clock.today()).is_ok_and(|l| l == fields);
        if unchanged && media::pending_logo_count(&txn, id).await? == 0 {
            active.pending = Set(None);
            active.pending_status = Set(None);
        } else {
            active.pending = Set(if unchanged {
                None
            } else {
                Some(serde_json::to_string(&input).map_err(anyhow::Error::new)?)
            });
            active.pending_status = Set(Some(PendingStatus::Submitted));
            active.submitted_at = Set(Some(state.clock.now()));
        }
        active.pending_reason = Set(None);
    } else {
        apply_enterprise_fields(&mut active, &fields);
    }
    let model = active
        .update(&txn)
        .await
        .map_err(taken("tax_code", Code::TaxCodeTaken))?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "enterprise.update",
        "enterprise",
        id,
        json!({"changes": patch, "held": held, "version": model.version}),
    )
    .await?;
    if !held {
        search_sync::enqueue_enterprise(&txn, state.clock.now(), id).await?;
    }
    txn.commit().await?;
    let count = published_count(db, id).await?;
    with_logo(
        db,
        EnterpriseView::new(&model, reference, count, Some(proof)),
    )
    .await
}

/// What every review decision needs: a staff member, the version they reviewed, and a
/// reason for a rejection (trimmed, at most 1,000 characters).
pub(super) fn review_terms(
    actor: &Actor,
    decision: Decision,
    version: Option<i32>,
    reason: Option<&str>,
) -> AppResult<(i32, Option<String>)> {
    actor.require_staff()?;
    let reason = crate::domain::optional_text(reason, "reason", 1000)?;
    if decision == Decision::Reject && reason.is_none() {
        return Err(Invalid::one("reason", Code::ReviewReasonRequired).into());
    }
    let Some(version) = version else {
        return Err(Invalid::one("version", Code::ReviewVersionRequired).into());
    };
    Ok((version, reason))
}

/// Staff approve or reject a member's held changes to a public enterprise (its profile and
/// a new logo), naming the version they reviewed: 409 `enterprise.changed` if it moved.
pub async fn review_enterprise(
    state: &crate::context::AppState,
    actor: &Actor,
    id: i32,
    decision: Decision,
    version: Option<i32>,
    reason: Option<&str>,
) -> AppResult<EnterpriseView> {
    let (version, reason) = review_terms(actor, decision, version, reason)?;
    let db = &state.db;
    let (txn, current) = crate::db::begin_on::<enterprise::Entity>(db, id).await?;
    if current.pending_status != Some(PendingStatus::Submitted) {
        return Err(AppError::state(Code::EnterpriseNothingToReview));
    }
    if current.version != version {
        return Err(AppError::state(Code::EnterpriseChanged));
    }
    let mut active: enterprise::ActiveModel = current.clone().into();
    let mut replaced = Vec::new();
    match decision {
        Decision::Approve => {
            if let Some(pending) = current.pending.as_deref() {
                let input: EnterpriseInput = serde_json::from_str(pending)
                    .map_err(|_| AppError::state(Code::EnterpriseNothingToReview))?;
                let fields = EnterpriseFields::parse(&input, state.clock.today())?;
                check_enterprise_refs(&txn, &state.reference, &fields, Some(id)).await?;
                apply_enterprise_fields(&mut active, &fields);
            }
            active.pending = Set(None);
            active.pending_status = Set(None);
            active.pending_reason = Set(None);
            replaced = media::approve_pending_logo(&txn, id).await?;
        }
        Decision::Reject => {
            active.pending_status = Set(Some(PendingStatus::Rejected));
            active.pending_reason = Set(reason.clone());
        }
    }
    active.updated_at = Set(state.clock.now());
    let model = active
        .update(&txn)
        .await
        .map_err(taken("tax_code", Code::TaxCodeTaken))?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        match decision {
            Decision::Approve => "enterprise.approve",
            Decision::Reject => "enterprise.reject",
        },
        "enterprise",
        id,
        json!({"reason": reason, "version": version}),
    )
    .await?;
    if decision == Decision::Approve {
        search_sync::enqueue_enterprise(&txn, state.clock.now(), id).await?;
    }
    txn.commit().await?;
    media::release(state, &replaced, &[]).await;
    let count = published_count(db, id).await?;
    with_logo(
        db,
        EnterpriseView::new(&model, &state.reference, count, Some(Manages(()))),
    )
    .await
}

/// An enterprise is public once one of its products is published; before that only its
/// members and staff see it.
pub async fn get_enterprise(
    state: &AppState,
    actor: &Actor,
    key: Lookup<'_>,
) -> AppResult<EnterpriseView> {
    let (db, reference) = (&state.db, &*state.reference);
    let m = enterprise::Entity::find()
        .filter(match key {
            Lookup::Id(id) => enterprise::Column::Id.eq(id),
            Lookup::Slug(slug) => enterprise::Column::Slug.eq(slug),
        })
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    shown(db, reference, actor, &m).await
}

/// An enterprise as `actor` may see it: an enterprise with no published product is shown
/// only to those who manage it.
async fn shown(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    m: &enterprise::Model,
) -> AppResult<EnterpriseView> {
    let count = published_count(db, m.id).await?;
    let proof = manages(db, actor, m.id).await?;
    if count == 0 && proof.is_none() {
        return Err(AppError::NotFound);
    }
    with_logo(db, EnterpriseView::new(m, reference, count, proof)).await
}

/// What an edit form starts from: the edit waiting for the centre when there is one (so
/// a member goes on where they left off), else the profile; same visibility as editing.
pub async fn enterprise_for_edit(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<EnterpriseInput> {
    let db = &state.db;
    let m = enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    require_manage(db, actor, id).await?;
    Ok(m.pending
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_else(|| enterprise_input(&m)))
}

/// An enterprise's approved profile beside the edit waiting for review (staff).
pub async fn enterprise_review(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<(EnterpriseView, EnterpriseInput)> {
    let (db, reference) = (&state.db, &*state.reference);
    actor.require_staff()?;
    let m = enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((shown(db, reference, actor, &m).await?, enterprise_input(&m)))
}

#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseScope {
    /// Enterprises with at least one published product.
    #[default]
    Public,
    /// Enterprises the signed-in producer belongs to (all, for staff).
    Mine,
    /// Staff: enterprises whose profile changes wait for review.
    Review,
}

pub async fn list_enterprises(
    state: &AppState,
    actor: &Actor,
    scope: EnterpriseScope,
) -> AppResult<Vec<EnterpriseView>> {
    let (db, reference) = (&state.db, &*state.reference);
    let mut query = enterprise::Entity::find().order_by_asc(enterprise::Column::Name);
    match scope {
        EnterpriseScope::Public => {
            query = query.filter(
                enterprise::Column::Id.in_subquery(
                    Query::select()
                        .column(product::Column::EnterpriseId)
                        .from(product::Entity)
                        .and_where(
                            Expr::col(product::Column::Status)
                                .eq(ProductStatus::Published.as_str()),
                        )
                        .to_owned(),
                ),
            );
        }
        EnterpriseScope::Review => {
            actor.require_staff()?;
            query = query.filter(
                enterprise::Column::PendingStatus.eq(crate::domain::PendingStatus::Submitted),
            );
        }
        EnterpriseScope::Mine => {
            let me = actor.require_signed_in()?;
            if !me.role.is_staff() {
                query = query.filter(
                    enterprise::Column::Id.in_subquery(
                        Query::select()
                            .column(enterprise_member::Column::EnterpriseId)
                            .from(enterprise_member::Entity)
                            .and_where(Expr::col(enterprise_member::Column::UserId).eq(me.id))
                            .to_owned(),
                    ),
                );
            }
        }
    }
    let rows = query.all(db).await?;
    let counts = published_counts(db, rows.iter().map(|e| e.id).collect()).await?;
    let mine: Vec<i32> = match actor.user() {
        Some(u) if !u.role.is_staff() => memberships(db, u.id).await?,
        _ => Vec::new(),
    };
    let views = rows
        .iter()
        .map(|e| {
            let proof = (actor.is_staff() || mine.contains(&e.id)).then_some(Manages(()));
            EnterpriseView::new(e, reference, counts.get(&e.id).copied().unwrap_or(0), proof)
        })
        .collect();
    with_logos(db, views).await
}

pub(super) async fn published_counts(
    db: &impl ConnectionTrait,
    ids: Vec<i32>,
) -> AppResult<std::collections::HashMap<i32, u64>> {
    let rows: Vec<(i32, i64)> = product::Entity::find()
        .select_only()
        .column(product::Column::EnterpriseId)
        .column_as(product::Column::Id.count(), "n")
        .filter(product::Column::EnterpriseId.is_in(ids))
        .filter(product::Column::Status.eq(ProductStatus::Published))
        .group_by(product::Column::EnterpriseId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Adds a producer account to an enterprise (staff).
pub async fn add_member(
    state: &AppState,
    actor: &Actor,
    enterprise_id: i32,
    user_id: i32,
) -> AppResult<()> {
    let db = &state.db;
    actor.require_staff()?;
    enterprise::Entity::find_by_id(enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let u = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if u.role != Role::Producer {
        return Err(Invalid::one("user_id", Code::MemberNotProducer).into());
    }
    if enterprise_member::Entity::find_by_id((enterprise_id, user_id))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let txn = crate::db::write_txn(db).await?;
    enterprise_member::ActiveModel {
        enterprise_id: Set(enterprise_id),
        user_id: Set(user_id),
        created_at: Set(state.clock.now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "enterprise.add_member",
        "enterprise",
        enterprise_id,
        json!({"user_id": user_id}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
