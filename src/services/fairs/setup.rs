//! Setting a fair up: its details, its exhibitors at their booths and the products each shows.

use super::{FairKey, FairView, get, load};
use crate::context::AppState;
use crate::db::entities::{enterprise, fair, fair_exhibitor, fair_product};
use crate::db::{free_slug, write_txn};
use crate::domain::fair::parse_booth;
use crate::domain::{Code, FairFields, FairInput, Invalid};
use crate::error::{AppError, AppResult};
use crate::services::catalogue::{self, EnterpriseScope, EnterpriseView};
use crate::services::{Actor, audit};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;

pub(super) fn check_province(state: &AppState, fields: &FairFields) -> AppResult<()> {
    if state.reference.province(fields.province_code).is_none() {
        return Err(Invalid::one("province_code", Code::RequestProvinceUnknown).into());
    }
    Ok(())
}

/// What the fair's management page offers staff: the fair (none for a new one), the
/// enterprises that may exhibit, and for each exhibitor its published products with whether
/// its booth shows them.
pub struct Management {
    pub fair: Option<FairView>,
    pub enterprises: Vec<EnterpriseView>,
    /// By exhibitor id: (product id, name, shown at the booth).
    pub offered: HashMap<i32, Vec<(i32, String, bool)>>,
}

/// The management page of fair `id`, or of a new fair (staff).
pub async fn management(state: &AppState, actor: &Actor, id: Option<i32>) -> AppResult<Management> {
    actor.require_staff()?;
    let fair = match id {
        Some(id) => Some(get(state, FairKey::Id(id)).await?),
        None => None,
    };
    let enterprises = catalogue::list_enterprises(state, actor, EnterpriseScope::Public).await?;
    let mut offered = HashMap::new();
    for x in fair.iter().flat_map(|f| &f.exhibitors) {
        let shown: Vec<i32> = x.products.iter().map(|p| p.id).collect();
        let all = catalogue::list_products(
            state,
            &Actor::Visitor,
            &catalogue::ProductFilter {
                enterprise_id: Some(x.enterprise.id),
                per_page: Some(100),
                ..Default::default()
            },
        )
        .await?
        .items;
        offered.insert(
            x.id,
            all.into_iter()
                .map(|p| (p.id, p.name, shown.contains(&p.id)))
                .collect(),
        );
    }
    Ok(Management {
        fair,
        enterprises,
        offered,
    })
}

/// Every fair, for staff managing them.
pub async fn list_for_staff(state: &AppState, actor: &Actor) -> AppResult<Vec<super::FairSummary>> {
    actor.require_staff()?;
    super::list(state).await
}

/// Creates a fair (staff).
pub async fn create(state: &AppState, actor: &Actor, input: &FairInput) -> AppResult<FairView> {
    actor.require_staff()?;
    let fields = FairFields::parse(input)?;
    check_province(state, &fields)?;
    let txn = write_txn(&state.db).await?;
    let slug = free_slug::<fair::Entity>(&txn, &fields.name, fair::Column::Slug).await?;
    let at = state.clock.now();
    let row = fair::ActiveModel {
        slug: Set(slug),
        name: Set(fields.name),
        starts_on: Set(fields.starts_on),
        ends_on: Set(fields.ends_on),
        venue: Set(fields.venue),
        province_code: Set(fields.province_code),
        organiser: Set(fields.organiser),
        status: Set(fields.status),
        description: Set(fields.description),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "fair.create",
        "fair",
        row.id,
        serde_json::json!({"name": row.name}),
    )
    .await?;
    txn.commit().await?;
    get(state, FairKey::Id(row.id)).await
}

/// Changes a fair (staff): fields left out keep their value.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: i32,
    input: &FairInput,
) -> AppResult<FairView> {
    actor.require_staff()?;
    let current = load(&state.db, FairKey::Id(id)).await?;
    let merged = FairInput {
        name: input.name.clone().or(Some(current.name.clone())),
        starts_on: input
            .starts_on
            .clone()
            .or(Some(current.starts_on.to_string())),
        ends_on: input.ends_on.clone().or(Some(current.ends_on.to_string())),
        venue: input.venue.clone().or(Some(current.venue.clone())),
        province_code: input.province_code.or(Some(current.province_code)),
        organiser: input.organiser.clone().or(Some(current.organiser.clone())),
        status: input
            .status
            .clone()
            .or(Some(current.status.as_str().to_string())),
        description: input
            .description
            .clone()
            .or(Some(current.description.clone())),
    };
    let fields = FairFields::parse(&merged)?;
    check_province(state, &fields)?;
    let txn = write_txn(&state.db).await?;
    let mut active: fair::ActiveModel = current.into();
    active.name = Set(fields.name);
    active.starts_on = Set(fields.starts_on);
    active.ends_on = Set(fields.ends_on);
    active.venue = Set(fields.venue);
    active.province_code = Set(fields.province_code);
    active.organiser = Set(fields.organiser);
    active.status = Set(fields.status);
    active.description = Set(fields.description);
    active.updated_at = Set(state.clock.now());
    active.update(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "fair.update",
        "fair",
        id,
        serde_json::to_value(input).unwrap_or_default(),
    )
    .await?;
    txn.commit().await?;
    get(state, FairKey::Id(id)).await
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ExhibitorInput {
    pub enterprise_id: Option<i32>,
    /// `A12`: letters, digits and dashes.
    pub booth: Option<String>,
    /// Published products of the enterprise shown at the booth; all of them when left out.
    pub product_ids: Option<Vec<i32>>,
}

/// The published products of an enterprise among `wanted` (all when `None`).
pub(super) async fn products_of(
    db: &impl ConnectionTrait,
    enterprise_id: i32,
    wanted: Option<&[i32]>,
) -> AppResult<Vec<i32>> {
    let published: Vec<i32> = crate::db::entities::product::Entity::find()
        .filter(crate::db::entities::product::Column::EnterpriseId.eq(enterprise_id))
        .filter(
            crate::db::entities::product::Column::Status
                .eq(crate::domain::ProductStatus::Published),
        )
        .order_by_asc(crate::db::entities::product::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    match wanted {
        None => Ok(published),
        Some(ids) => {
            if ids.iter().any(|id| !published.contains(id)) {
                return Err(Invalid::one("product_ids", Code::FairProductNotShown).into());
            }
            Ok(ids.to_vec())
        }
    }
}

pub(super) async fn set_products(
    db: &impl ConnectionTrait,
    exhibitor_id: i32,
    product_ids: &[i32],
) -> AppResult<()> {
    fair_product::Entity::delete_many()
        .filter(fair_product::Column::ExhibitorId.eq(exhibitor_id))
        .exec(db)
        .await?;
    for pid in product_ids {
        fair_product::ActiveModel {
            exhibitor_id: Set(exhibitor_id),
            product_id: Set(*pid),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Adds an exhibitor at a booth with the products it shows (staff).
pub async fn add_exhibitor(
    state: &AppState,
    actor: &Actor,
    fair_id: i32,
    input: &ExhibitorInput,
) -> AppResult<FairView> {
    actor.require_staff()?;
    let mut errors = Invalid::default();
    let booth = errors.take(parse_booth(input.booth.as_deref()));
    if input.enterprise_id.is_none() {
        errors.push("enterprise_id", Code::RequestEnterpriseUnknown);
    }
    if !errors.0.is_empty() {
        return Err(errors.into());
    }
    let (booth, enterprise_id) = (
        booth.unwrap_or_default(),
        input.enterprise_id.unwrap_or_default(),
    );
    let txn = write_txn(&state.db).await?;
    load(&txn, FairKey::Id(fair_id)).await?;
    if enterprise::Entity::find_by_id(enterprise_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(Invalid::one("enterprise_id", Code::RequestEnterpriseUnknown).into());
    }
    let products = products_of(&txn, enterprise_id, input.product_ids.as_deref()).await?;
    let taken = fair_exhibitor::Entity::find()
        .filter(fair_exhibitor::Column::FairId.eq(fair_id))
        .all(&txn)
        .await?;
    if taken.iter().any(|x| x.booth == booth) {
        return Err(AppError::conflict("booth", Code::FairBoothTaken));
    }
    if taken.iter().any(|x| x.enterprise_id == enterprise_id) {
        return Err(AppError::conflict(
            "enterprise_id",
            Code::FairAlreadyExhibiting,
        ));
    }
    let row = fair_exhibitor::ActiveModel {
        fair_id: Set(fair_id),
        enterprise_id: Set(enterprise_id),
        booth: Set(booth.clone()),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(crate::db::taken("booth", Code::FairBoothTaken))?;
    set_products(&txn, row.id, &products).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "fair.exhibitor_add",
        "fair",
        fair_id,
        serde_json::json!({"enterprise_id": enterprise_id, "booth": booth, "products": products}),
    )
    .await?;
    txn.commit().await?;
    get(state, FairKey::Id(fair_id)).await
}

/// An exhibitor of this fair, or `NotFound`.
pub(super) async fn exhibitor_of(
    db: &impl ConnectionTrait,
    fair_id: i32,
    exhibitor_id: i32,
) -> AppResult<fair_exhibitor::Model> {
    fair_exhibitor::Entity::find_by_id(exhibitor_id)
        .one(db)
        .await?
        .filter(|x| x.fair_id == fair_id)
        .ok_or(AppError::NotFound)
}

/// Moves an exhibitor to another booth and/or changes the products it shows (staff).
pub async fn update_exhibitor(
    state: &AppState,
    actor: &Actor,
    fair_id: i32,
    exhibitor_id: i32,
    input: &ExhibitorInput,
) -> AppResult<FairView> {
    actor.require_staff()?;
    let txn = write_txn(&state.db).await?;
    let x = exhibitor_of(&txn, fair_id, exhibitor_id).await?;
    if let Some(b) = input.booth.as_deref() {
        let booth = parse_booth(Some(b))?;
        if booth != x.booth {
            let clash = fair_exhibitor::Entity::find()
                .filter(fair_exhibitor::Column::FairId.eq(fair_id))
                .filter(fair_exhibitor::Column::Booth.eq(booth.as_str()))
                .one(&txn)
                .await?;
            if clash.is_some() {
                return Err(AppError::conflict("booth", Code::FairBoothTaken));
            }
            let mut active: fair_exhibitor::ActiveModel = x.clone().into();
            active.booth = Set(booth);
            active.update(&txn).await?;
        }
    }
    if let Some(ids) = &input.product_ids {
        let products = products_of(&txn, x.enterprise_id, Some(ids)).await?;
        set_products(&txn, x.id, &products).await?;
    }
    audit::record(&txn, state.clock.now(), actor, "fair.exhibitor_update", "fair", fair_id, serde_json::json!({"exhibitor_id": exhibitor_id, "booth": input.booth, "products": input.product_ids})).await?;
    txn.commit().await?;
    get(state, FairKey::Id(fair_id)).await
}

/// Takes an exhibitor off the fair (staff).
pub async fn remove_exhibitor(
    state: &AppState,
    actor: &Actor,
    fair_id: i32,
    exhibitor_id: i32,
) -> AppResult<FairView> {
    actor.require_staff()?;
    let txn = write_txn(&state.db).await?;
    let x = exhibitor_of(&txn, fair_id, exhibitor_id).await?;
    fair_exhibitor::Entity::delete_by_id(x.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "fair.exhibitor_remove",
        "fair",
        fair_id,
        serde_json::json!({"exhibitor_id": exhibitor_id, "booth": x.booth}),
    )
    .await?;
    txn.commit().await?;
    get(state, FairKey::Id(fair_id)).await
}
