//! Enterprises and products: publishing, editing for a producer, and vetting.
//!
//! Permissions are checked here, once per use case: producers act on the enterprises they
//! belong to; staff and admins act on all; buyers and visitors only read what is published.
//! Every change is written with its audit entry in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::media::{self, PhotoView};
use super::{Actor, audit, now, search_sync, unique_violation};
use crate::db::entities::{enterprise, enterprise_member, product, user};
use crate::db::reference::Reference;
use crate::domain::product::{join_months, split_months};
use crate::domain::{
    Certification, EnterpriseFields, EnterpriseInput, Invalid, LegalForm, Ocop, PackagingStatus,
    PriceRange, ProductFields, ProductInput, ProductStatus, Role, Trademark, TrademarkKind,
    TrademarkStatus, text,
};
use crate::error::{AppError, AppResult};

// ---------------------------------------------------------------------------------------------
// Permissions

/// Staff, or a member of the enterprise.
pub async fn can_manage(
    db: &impl ConnectionTrait,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<bool> {
    match actor {
        Actor::Visitor => Ok(false),
        Actor::User(u) if u.role.is_staff() => Ok(true),
        Actor::User(u) => Ok(enterprise_member::Entity::find_by_id((enterprise_id, u.id))
            .one(db)
            .await?
            .is_some()),
    }
}

/// Proof that the actor manages an enterprise (one of its members, or staff). Only the
/// permission check makes one, and a view shows contacts only when handed one, so a new
/// view or field cannot show contacts by accident.
#[derive(Clone, Copy, Debug)]
pub struct Manages(());

/// The proof that `actor` manages `enterprise_id`, if they do.
pub async fn manages(
    db: &impl ConnectionTrait,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<Option<Manages>> {
    Ok(can_manage(db, actor, enterprise_id)
        .await?
        .then_some(Manages(())))
}

async fn require_manage(
    db: &impl ConnectionTrait,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<()> {
    match actor {
        Actor::Visitor => Err(AppError::Unauthenticated),
        _ if can_manage(db, actor, enterprise_id).await? => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

fn require_staff(actor: &Actor) -> AppResult<()> {
    match actor {
        Actor::Visitor => Err(AppError::Unauthenticated),
        a if a.is_staff() => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// How a page or the API names a record: by id (API) or by its URL slug (pages).
#[derive(Clone, Copy, Debug)]
pub enum Lookup<'a> {
    Id(i32),
    Slug(&'a str),
}

// ---------------------------------------------------------------------------------------------
// Views

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EnterpriseView {
    pub id: i32,
    pub slug: String,
    /// Path of the public page.
    pub url: String,
    pub name: String,
    #[schema(value_type = String)]
    pub legal_form: LegalForm,
    pub tax_code: Option<String>,
    pub commune_code: i32,
    pub commune: Option<String>,
    pub province_code: Option<i32>,
    pub province: Option<String>,
    pub description: String,
    pub founded_year: Option<i32>,
    pub workforce: Option<i32>,
    #[schema(value_type = Vec<String>)]
    pub certifications: Vec<Certification>,
    /// `published` once a product of it is published; `unlisted` before.
    pub status: String,
    pub published_products: u64,
    pub logo: Option<PhotoView>,
    /// Street address, phone and e-mail: only for the enterprise's members and staff.
    /// Buyers reach producers through the centre, which connects them on a request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<EnterpriseContact>,
    /// Incremented by every change; a review names the version it decides on.
    pub version: i32,
    /// A member's edit of the public profile, waiting for the centre (members and staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_changes: Option<EnterpriseInput>,
    /// `submitted` or `rejected`, while an edit waits (members and staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_reason: Option<String>,
    /// A new logo waiting for the centre (members and staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_logo: Option<PhotoView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How to reach an enterprise.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EnterpriseContact {
    pub address: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl EnterpriseContact {
    pub fn phone_display(&self) -> Option<String> {
        self.phone
            .as_deref()
            .and_then(|p| crate::domain::PhoneNumber::parse(p).ok())
            .map(|p| p.display())
    }
}

impl EnterpriseView {
    /// The view of an enterprise; its contact only with the proof that the viewer
    /// manages it.
    fn new(
        m: &enterprise::Model,
        reference: &Reference,
        published_products: u64,
        manages: Option<Manages>,
    ) -> Self {
        let (commune, province) = reference.place(m.commune_code);
        EnterpriseView {
            id: m.id,
            slug: m.slug.clone(),
            url: format!("/co-so/{}", m.slug),
            name: m.name.clone(),
            legal_form: LegalForm::parse(&m.legal_form).unwrap_or(LegalForm::HouseholdBusiness),
            tax_code: m.tax_code.clone(),
            commune_code: m.commune_code,
            commune: commune.map(|c| c.name.clone()),
            province_code: province.map(|p| p.code),
            province: province.map(|p| p.name.clone()),
            description: m.description.clone(),
            founded_year: m.founded_year,
            workforce: m.workforce,
            certifications: Certification::split(&m.certifications),
            status: if published_products > 0 {
                "published"
            } else {
                "unlisted"
            }
            .into(),
            published_products,
            logo: None,
            contact: manages.map(|_| EnterpriseContact {
                address: m.address.clone(),
                phone: m.phone.clone(),
                email: m.email.clone(),
            }),
            version: m.version,
            pending_changes: manages.and(
                m.pending
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok()),
            ),
            pending_status: manages.and(m.pending_status.clone()),
            pending_reason: manages.and(m.pending_reason.clone()),
            pending_logo: None,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }

    pub fn place(&self) -> String {
        crate::db::reference::join_place(self.commune.as_deref(), self.province.as_deref())
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TrademarkView {
    #[schema(value_type = String)]
    pub status: TrademarkStatus,
    #[schema(value_type = Option<String>)]
    pub kind: Option<TrademarkKind>,
    pub number: Option<String>,
    pub filed_on: Option<NaiveDate>,
    pub granted_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EnterpriseRef {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub url: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub id: i32,
    pub slug: String,
    /// Path of the public page.
    pub url: String,
    /// Vetting state: `draft`, `submitted`, `published`, `rejected`, `unpublished`.
    #[schema(value_type = String)]
    pub status: ProductStatus,
    /// Why the centre rejected or unpublished it.
    pub rejection_reason: Option<String>,
    pub enterprise_id: i32,
    pub enterprise: EnterpriseRef,
    pub name: String,
    /// Category slug.
    pub category: String,
    pub category_name_vi: String,
    pub category_name_en: String,
    pub brand: Option<String>,
    #[schema(value_type = String)]
    pub packaging_status: PackagingStatus,
    pub trademark: TrademarkView,
    pub ocop_stars: Option<u8>,
    pub ocop_year: Option<i32>,
    #[schema(value_type = Vec<String>)]
    pub certifications: Vec<Certification>,
    pub unit: String,
    pub price_min_vnd: Option<i64>,
    pub price_max_vnd: Option<i64>,
    pub min_order: Option<i64>,
    pub monthly_capacity: Option<i64>,
    pub season_months: Vec<u8>,
    pub shelf_life_days: Option<i32>,
    pub description: String,
    pub commune_code: i32,
    pub commune: Option<String>,
    pub province_code: Option<i32>,
    pub province: Option<String>,
    /// In order; the first is the cover.
    pub photos: Vec<PhotoView>,
    /// Kinds of certificate the centre has checked (`trademark_certificate`, …).
    pub verified_documents: Vec<String>,
    /// A producer's edit of a published product, waiting for the centre; only shown to
    /// the enterprise's members and staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_changes: Option<ProductInput>,
    /// `draft`, `submitted` or `rejected`, when there are pending changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_reason: Option<String>,
    /// Incremented by every change; a review names the version it decides on.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// Made for a member or staff: photos waiting for approval are included.
    #[serde(skip)]
    pub(crate) for_manager: bool,
}

impl ProductView {
    fn new(
        m: &product::Model,
        e: &enterprise::Model,
        reference: &Reference,
        show_pending: bool,
    ) -> Self {
        let category = reference.category(m.category_id);
        let (commune, province) = reference.place(e.commune_code);
        ProductView {
            id: m.id,
            slug: m.slug.clone(),
            url: format!("/san-pham/{}", m.slug),
            status: ProductStatus::parse(&m.status).unwrap_or(ProductStatus::Draft),
            rejection_reason: if show_pending {
                m.rejection_reason.clone()
            } else {
                None
            },
            enterprise_id: e.id,
            enterprise: EnterpriseRef {
                id: e.id,
                slug: e.slug.clone(),
                name: e.name.clone(),
                url: format!("/co-so/{}", e.slug),
            },
            name: m.name.clone(),
            category: category.map(|c| c.slug.clone()).unwrap_or_default(),
            category_name_vi: category.map(|c| c.name_vi.clone()).unwrap_or_default(),
            category_name_en: category.map(|c| c.name_en.clone()).unwrap_or_default(),
            brand: m.brand.clone(),
            packaging_status: PackagingStatus::parse(&m.packaging_status)
                .unwrap_or(PackagingStatus::None),
            trademark: TrademarkView {
                status: TrademarkStatus::parse(&m.tm_status)
                    .unwrap_or(TrademarkStatus::Unregistered),
                kind: m.tm_kind.as_deref().and_then(TrademarkKind::parse),
                number: m.tm_number.clone(),
                filed_on: m.tm_filed_on,
                granted_on: m.tm_granted_on,
                expires_on: m.tm_expires_on,
            },
            ocop_stars: m.ocop_stars.map(|s| s as u8),
            ocop_year: m.ocop_year,
            certifications: Certification::split(&m.certifications),
            unit: m.unit.clone(),
            price_min_vnd: m.price_min_vnd,
            price_max_vnd: m.price_max_vnd,
            min_order: m.min_order,
            monthly_capacity: m.monthly_capacity,
            season_months: split_months(&m.season_months),
            shelf_life_days: m.shelf_life_days,
            description: m.description.clone(),
            commune_code: e.commune_code,
            commune: commune.map(|c| c.name.clone()),
            province_code: province.map(|p| p.code),
            province: province.map(|p| p.name.clone()),
            photos: Vec::new(),
            verified_documents: Vec::new(),
            pending_changes: if show_pending {
                m.pending
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
            } else {
                None
            },
            pending_status: if show_pending {
                m.pending_status.clone()
            } else {
                None
            },
            pending_reason: if show_pending {
                m.pending_reason.clone()
            } else {
                None
            },
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            published_at: m.published_at,
            for_manager: show_pending,
        }
    }

    pub fn place(&self) -> String {
        crate::db::reference::join_place(self.commune.as_deref(), self.province.as_deref())
    }

    pub fn ocop_current(&self) -> bool {
        match (self.ocop_stars, self.ocop_year) {
            (Some(stars), Some(year)) => Ocop { stars, year }.is_current(),
            _ => false,
        }
    }

    pub fn in_review(&self) -> bool {
        self.status == ProductStatus::Submitted
            || self.pending_status.as_deref() == Some("submitted")
    }
}

/// The checked fields of a stored product, for editing and merging.
pub fn fields_of(m: &product::Model, reference: &Reference) -> ProductFields {
    ProductFields {
        name: m.name.clone(),
        category: reference
            .category(m.category_id)
            .map(|c| c.slug.clone())
            .unwrap_or_default(),
        brand: m.brand.clone(),
        packaging_status: PackagingStatus::parse(&m.packaging_status)
            .unwrap_or(PackagingStatus::None),
        trademark: Trademark {
            status: TrademarkStatus::parse(&m.tm_status).unwrap_or(TrademarkStatus::Unregistered),
            kind: m.tm_kind.as_deref().and_then(TrademarkKind::parse),
            number: m.tm_number.clone(),
            filed_on: m.tm_filed_on,
            granted_on: m.tm_granted_on,
            expires_on: m.tm_expires_on,
        },
        ocop: m.ocop_stars.zip(m.ocop_year).map(|(s, y)| Ocop {
            stars: s as u8,
            year: y,
        }),
        certifications: Certification::split(&m.certifications),
        unit: m.unit.clone(),
        price: PriceRange {
            min: m.price_min_vnd,
            max: m.price_max_vnd,
        },
        min_order: m.min_order,
        monthly_capacity: m.monthly_capacity,
        season_months: split_months(&m.season_months),
        shelf_life_days: m.shelf_life_days,
        description: m.description.clone(),
    }
}

/// The stored enterprise as editable input (for forms and partial updates).
pub fn enterprise_input(m: &enterprise::Model) -> EnterpriseInput {
    EnterpriseInput {
        name: Some(m.name.clone()),
        legal_form: Some(m.legal_form.clone()),
        tax_code: m.tax_code.clone(),
        commune_code: Some(crate::domain::Num::Int(m.commune_code.into())),
        address: Some(m.address.clone()),
        phone: m.phone.clone(),
        email: m.email.clone(),
        description: Some(m.description.clone()),
        founded_year: m.founded_year.map(|y| crate::domain::Num::Int(y.into())),
        workforce: m.workforce.map(|w| crate::domain::Num::Int(w.into())),
        certifications: Some(
            Certification::split(&m.certifications)
                .iter()
                .map(|c| c.as_str().into())
                .collect(),
        ),
    }
}

/// Applies a JSON merge patch (RFC 7396) to `current`.
fn merge(current: &mut Value, patch: &Value) {
    match (current, patch) {
        (Value::Object(cur), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    cur.insert(k.clone(), Value::Null);
                } else {
                    merge(cur.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (cur, p) => *cur = p.clone(),
    }
}

fn patched<T: Serialize + for<'de> Deserialize<'de>>(current: &T, patch: &Value) -> AppResult<T> {
    if !patch.is_object() {
        return Err(AppError::BadRequest("request.malformed"));
    }
    let mut value = serde_json::to_value(current).map_err(anyhow::Error::new)?;
    merge(&mut value, patch);
    serde_json::from_value(value).map_err(|_| AppError::BadRequest("request.malformed"))
}

// ---------------------------------------------------------------------------------------------
// Slugs

/// A slug not yet used in `table`: `mien-dong-na-ri`, then `mien-dong-na-ri-2`, …
async fn free_slug<E>(
    db: &impl ConnectionTrait,
    name: &str,
    slug_col: E::Column,
) -> AppResult<String>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let base = text::slugify(name);
    let taken: Vec<String> = E::find()
        .select_only()
        .column(slug_col)
        .filter(
            Condition::any()
                .add(slug_col.eq(base.clone()))
                .add(slug_col.starts_with(format!("{base}-"))),
        )
        .into_tuple()
        .all(db)
        .await?;
    if !taken.contains(&base) {
        return Ok(base);
    }
    Ok((2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !taken.contains(s))
        .unwrap_or(base))
}

// ---------------------------------------------------------------------------------------------
// Enterprises

async fn published_count(db: &impl ConnectionTrait, enterprise_id: i32) -> AppResult<u64> {
    Ok(product::Entity::find()
        .filter(product::Column::EnterpriseId.eq(enterprise_id))
        .filter(product::Column::Status.eq(ProductStatus::Published.as_str()))
        .count(db)
        .await?)
}

/// Checks an enterprise input completely (fields, commune, free tax code) without saving.
pub async fn validate_enterprise(
    db: &impl ConnectionTrait,
    reference: &Reference,
    input: &EnterpriseInput,
) -> AppResult<EnterpriseFields> {
    let fields = EnterpriseFields::parse(input)?;
    check_enterprise_refs(db, reference, &fields, None).await?;
    Ok(fields)
}

async fn check_enterprise_refs(
    db: &impl ConnectionTrait,
    reference: &Reference,
    fields: &EnterpriseFields,
    except: Option<i32>,
) -> AppResult<()> {
    if reference.commune(fields.commune_code).is_none() {
        return Err(Invalid::one("commune_code", "commune.unknown").into());
    }
    if let Some(tax) = &fields.tax_code {
        let mut q = enterprise::Entity::find().filter(enterprise::Column::TaxCode.eq(tax.as_str()));
        if let Some(id) = except {
            q = q.filter(enterprise::Column::Id.ne(id));
        }
        if q.count(db).await? > 0 {
            return Err(AppError::conflict("tax_code", "tax_code.taken"));
        }
    }
    Ok(())
}

/// Creates an enterprise. A producer becomes its member; staff may name a producer member.
pub async fn create_enterprise(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    input: &EnterpriseInput,
    member_user_id: Option<i32>,
) -> AppResult<EnterpriseView> {
    let me = actor.user().ok_or(AppError::Unauthenticated)?;
    if !matches!(me.role, Role::Producer | Role::Staff | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let fields = EnterpriseFields::parse(input)?;
    check_enterprise_refs(db, reference, &fields, None).await?;
    let member = if me.role == Role::Producer {
        Some(me.id)
    } else if let Some(uid) = member_user_id {
        let u = user::Entity::find_by_id(uid).one(db).await?;
        match u {
            Some(u) if u.role == Role::Producer.as_str() => Some(uid),
            _ => return Err(Invalid::one("member_user_id", "member.not_producer").into()),
        }
    } else {
        None
    };
    let txn = super::write_txn(db).await?;
    let slug =
        free_slug::<enterprise::Entity>(&txn, &fields.name, enterprise::Column::Slug).await?;
    let at = now();
    let model = enterprise::ActiveModel {
        slug: Set(slug),
        name: Set(fields.name.clone()),
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
        created_by: Set(Some(me.id)),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if unique_violation(&e) {
            AppError::conflict("tax_code", "tax_code.taken")
        } else {
            e.into()
        }
    })?;
    if let Some(uid) = member {
        enterprise_member::ActiveModel {
            enterprise_id: Set(model.id),
            user_id: Set(uid),
            created_at: Set(at),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        actor,
        "enterprise.create",
        "enterprise",
        model.id,
        json!({"name": model.name, "member": member}),
    )
    .await?;
    txn.commit().await?;
    // The creator is its member, or staff.
    Ok(EnterpriseView::new(&model, reference, 0, Some(Manages(()))))
}

fn apply_enterprise_fields(active: &mut enterprise::ActiveModel, fields: &EnterpriseFields) {
    active.name = Set(fields.name.clone());
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

fn tax_code_taken(e: sea_orm::DbErr) -> AppError {
    if unique_violation(&e) {
        AppError::conflict("tax_code", "tax_code.taken")
    } else {
        e.into()
    }
}

/// Reads an enterprise for a change inside `txn`, its row locked on PostgreSQL.
pub(crate) async fn lock_enterprise(
    txn: &sea_orm::DatabaseTransaction,
    id: i32,
) -> AppResult<enterprise::Model> {
    let mut select = enterprise::Entity::find_by_id(id);
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        select = select.lock(sea_orm::sea_query::LockType::Update);
    }
    select.one(txn).await?.ok_or(AppError::NotFound)
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
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    id: i32,
    patch: &Value,
) -> AppResult<EnterpriseView> {
    let txn = super::write_txn(db).await?;
    let current = lock_enterprise(&txn, id).await?;
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
    let fields = EnterpriseFields::parse(&input)?;
    check_enterprise_refs(&txn, reference, &fields, Some(id)).await?;
    let mut active: enterprise::ActiveModel = current.clone().into();
    active.version = Set(current.version + 1);
    active.updated_at = Set(now());
    if held {
        let unchanged = EnterpriseFields::parse(&live).is_ok_and(|l| l == fields);
        if unchanged && media::pending_logo_count(&txn, id).await? == 0 {
            active.pending = Set(None);
            active.pending_status = Set(None);
        } else {
            active.pending = Set(if unchanged {
                None
            } else {
                Some(serde_json::to_string(&input).map_err(anyhow::Error::new)?)
            });
            active.pending_status = Set(Some("submitted".into()));
            active.submitted_at = Set(Some(now()));
        }
        active.pending_reason = Set(None);
    } else {
        apply_enterprise_fields(&mut active, &fields);
    }
    let model = active.update(&txn).await.map_err(tax_code_taken)?;
    audit::record(
        &txn,
        actor,
        "enterprise.update",
        "enterprise",
        id,
        json!({"changes": patch, "held": held, "version": model.version}),
    )
    .await?;
    if !held {
        search_sync::enqueue_enterprise(&txn, id).await?;
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
fn review_terms(
    actor: &Actor,
    decision: Decision,
    version: Option<i32>,
    reason: Option<&str>,
) -> AppResult<(i32, Option<String>)> {
    require_staff(actor)?;
    let reason = crate::domain::optional_text(reason, "reason", 1000)?;
    if decision == Decision::Reject && reason.is_none() {
        return Err(Invalid::one("reason", "review.reason_required").into());
    }
    let Some(version) = version else {
        return Err(Invalid::one("version", "review.version_required").into());
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
    let txn = super::write_txn(db).await?;
    let current = lock_enterprise(&txn, id).await?;
    if current.pending_status.as_deref() != Some("submitted") {
        return Err(AppError::state("enterprise.nothing_to_review"));
    }
    if current.version != version {
        return Err(AppError::state("enterprise.changed"));
    }
    let mut active: enterprise::ActiveModel = current.clone().into();
    let mut replaced = Vec::new();
    match decision {
        Decision::Approve => {
            if let Some(pending) = current.pending.as_deref() {
                let input: EnterpriseInput = serde_json::from_str(pending)
                    .map_err(|_| AppError::state("enterprise.nothing_to_review"))?;
                let fields = EnterpriseFields::parse(&input)?;
                check_enterprise_refs(&txn, &state.reference, &fields, Some(id)).await?;
                apply_enterprise_fields(&mut active, &fields);
            }
            active.pending = Set(None);
            active.pending_status = Set(None);
            active.pending_reason = Set(None);
            replaced = media::approve_pending_logo(&txn, id).await?;
        }
        Decision::Reject => {
            active.pending_status = Set(Some("rejected".into()));
            active.pending_reason = Set(reason.clone());
        }
    }
    active.updated_at = Set(now());
    let model = active.update(&txn).await.map_err(tax_code_taken)?;
    audit::record(
        &txn,
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
        search_sync::enqueue_enterprise(&txn, id).await?;
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
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    key: Lookup<'_>,
) -> AppResult<EnterpriseView> {
    let m = enterprise::Entity::find()
        .filter(match key {
            Lookup::Id(id) => enterprise::Column::Id.eq(id),
            Lookup::Slug(slug) => enterprise::Column::Slug.eq(slug),
        })
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let count = published_count(db, m.id).await?;
    let proof = manages(db, actor, m.id).await?;
    if count == 0 && proof.is_none() {
        return Err(AppError::NotFound);
    }
    with_logo(db, EnterpriseView::new(&m, reference, count, proof)).await
}

/// What an edit form starts from: the edit waiting for the centre when there is one (so
/// a member goes on where they left off), else the profile; same visibility as editing.
pub async fn enterprise_for_edit(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> AppResult<EnterpriseInput> {
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
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    id: i32,
) -> AppResult<(EnterpriseView, EnterpriseInput)> {
    require_staff(actor)?;
    let view = get_enterprise(db, reference, actor, Lookup::Id(id)).await?;
    let m = enterprise::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((view, enterprise_input(&m)))
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
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    scope: EnterpriseScope,
) -> AppResult<Vec<EnterpriseView>> {
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
            require_staff(actor)?;
            query = query.filter(enterprise::Column::PendingStatus.eq("submitted"));
        }
        EnterpriseScope::Mine => {
            let me = actor.user().ok_or(AppError::Unauthenticated)?;
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

async fn published_counts(
    db: &impl ConnectionTrait,
    ids: Vec<i32>,
) -> AppResult<std::collections::HashMap<i32, u64>> {
    let rows: Vec<(i32, i64)> = product::Entity::find()
        .select_only()
        .column(product::Column::EnterpriseId)
        .column_as(product::Column::Id.count(), "n")
        .filter(product::Column::EnterpriseId.is_in(ids))
        .filter(product::Column::Status.eq(ProductStatus::Published.as_str()))
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
    db: &DatabaseConnection,
    actor: &Actor,
    enterprise_id: i32,
    user_id: i32,
) -> AppResult<()> {
    require_staff(actor)?;
    enterprise::Entity::find_by_id(enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let u = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if u.role != Role::Producer.as_str() {
        return Err(Invalid::one("user_id", "member.not_producer").into());
    }
    if enterprise_member::Entity::find_by_id((enterprise_id, user_id))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let txn = super::write_txn(db).await?;
    enterprise_member::ActiveModel {
        enterprise_id: Set(enterprise_id),
        user_id: Set(user_id),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
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

// ---------------------------------------------------------------------------------------------
// Products

fn apply_fields(active: &mut product::ActiveModel, fields: &ProductFields, category_id: i32) {
    let tm = &fields.trademark;
    active.name = Set(fields.name.clone());
    active.category_id = Set(category_id);
    active.brand = Set(fields.brand.clone());
    active.packaging_status = Set(fields.packaging_status.as_str().into());
    active.tm_status = Set(tm.status.as_str().into());
    active.tm_kind = Set(tm.kind.map(|k| k.as_str().into()));
    active.tm_number = Set(tm.number.clone());
    active.tm_filed_on = Set(tm.filed_on);
    active.tm_granted_on = Set(tm.granted_on);
    active.tm_expires_on = Set(tm.expires_on);
    active.ocop_stars = Set(fields.ocop.map(|o| i16::from(o.stars)));
    active.ocop_year = Set(fields.ocop.map(|o| o.year));
    active.certifications = Set(Certification::join(&fields.certifications));
    active.unit = Set(fields.unit.clone());
    active.price_min_vnd = Set(fields.price.min);
    active.price_max_vnd = Set(fields.price.max);
    active.min_order = Set(fields.min_order);
    active.monthly_capacity = Set(fields.monthly_capacity);
    active.season_months = Set(join_months(&fields.season_months));
    active.shelf_life_days = Set(fields.shelf_life_days);
    active.description = Set(fields.description.clone());
}

fn category_id(reference: &Reference, fields: &ProductFields) -> AppResult<i32> {
    reference
        .category_by_slug(&fields.category)
        .map(|c| c.id)
        .ok_or_else(|| Invalid::one("category", "category.unknown").into())
}

async fn load_product(
    db: &impl ConnectionTrait,
    id: i32,
) -> AppResult<(product::Model, enterprise::Model)> {
    load_product_with(db, id, false).await
}

/// Reads a product for a change inside `txn`: on PostgreSQL its row stays locked until the
/// transaction ends, so the change builds on what is stored now and not on what another
/// request is replacing (SQLite's write transaction already holds the whole database).
pub(crate) async fn lock_product(
    txn: &sea_orm::DatabaseTransaction,
    id: i32,
) -> AppResult<(product::Model, enterprise::Model)> {
    load_product_with(
        txn,
        id,
        txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres,
    )
    .await
}

async fn load_product_with(
    db: &impl ConnectionTrait,
    id: i32,
    for_update: bool,
) -> AppResult<(product::Model, enterprise::Model)> {
    let mut select = product::Entity::find_by_id(id);
    if for_update {
        select = select.lock(sea_orm::sea_query::LockType::Update);
    }
    let p = select.one(db).await?.ok_or(AppError::NotFound)?;
    let e = enterprise::Entity::find_by_id(p.enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((p, e))
}

/// Loads a product the actor may change. Unpublished products of others are 404, published
/// ones 403: no one learns of a draft that is not theirs.
pub(crate) async fn product_for_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> AppResult<(product::Model, enterprise::Model)> {
    let (p, e) = load_product(db, id).await?;
    may_change(db, actor, p, e).await
}

/// [`product_for_change`] inside a write transaction, with the row locked.
pub(crate) async fn product_for_change_locked(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    id: i32,
) -> AppResult<(product::Model, enterprise::Model)> {
    let (p, e) = lock_product(txn, id).await?;
    may_change(txn, actor, p, e).await
}

async fn may_change(
    db: &impl ConnectionTrait,
    actor: &Actor,
    p: product::Model,
    e: enterprise::Model,
) -> AppResult<(product::Model, enterprise::Model)> {
    if !can_manage(db, actor, e.id).await? {
        if p.status != ProductStatus::Published.as_str() {
            return Err(AppError::NotFound);
        }
        return Err(if actor.user().is_none() {
            AppError::Unauthenticated
        } else {
            AppError::Forbidden
        });
    }
    Ok((p, e))
}

pub async fn create_product(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    enterprise_id: i32,
    input: &ProductInput,
) -> AppResult<ProductView> {
    if actor.user().is_none() {
        return Err(AppError::Unauthenticated);
    }
    let e = enterprise::Entity::find_by_id(enterprise_id)
        .one(db)
        .await?;
    let Some(e) = e.filter(|_| true) else {
        return Err(Invalid::one("enterprise_id", "enterprise.unknown").into());
    };
    if !can_manage(db, actor, e.id).await? {
        return Err(AppError::Forbidden);
    }
    let fields = ProductFields::parse(input)?;
    let category_id = category_id(reference, &fields)?;
    let txn = super::write_txn(db).await?;
    let slug = free_slug::<product::Entity>(&txn, &fields.name, product::Column::Slug).await?;
    let at = now();
    let mut active = product::ActiveModel {
        enterprise_id: Set(e.id),
        slug: Set(slug),
        status: Set(ProductStatus::Draft.as_str().into()),
        rejection_reason: Set(None),
        pending: Set(None),
        pending_status: Set(None),
        pending_reason: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        submitted_at: Set(None),
        published_at: Set(None),
        ..Default::default()
    };
    apply_fields(&mut active, &fields, category_id);
    let model = active.insert(&txn).await?;
    audit::record(
        &txn,
        actor,
        "product.create",
        "product",
        model.id,
        json!({"name": model.name, "enterprise_id": e.id}),
    )
    .await?;
    txn.commit().await?;
    with_media_one(db, ProductView::new(&model, &e, reference, true)).await
}

/// A change to a product, as vetting sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    /// Its fields: a submission the centre has not decided is withdrawn to a draft (the
    /// centre approves only what it saw).
    Edit,
    /// Its photos: a new version, so a decision on the old one is refused and staff look
    /// again; `held` (a photo kept from buyers) gives a published product changes to send.
    Photos { held: bool },
}

/// What a change does to a product's vetting: it is a new version, and see [`Change`].
/// Returns whether a submission was withdrawn.
pub(crate) fn note_change(
    active: &mut product::ActiveModel,
    p: &product::Model,
    change: Change,
) -> bool {
    active.version = Set(p.version + 1);
    active.updated_at = Set(now());
    let status = ProductStatus::parse(&p.status).unwrap_or(ProductStatus::Draft);
    match change {
        Change::Edit if status == ProductStatus::Submitted => {
            active.status = Set(ProductStatus::Draft.as_str().into());
            true
        }
        Change::Edit
            if status == ProductStatus::Published
                && p.pending_status.as_deref() == Some("submitted") =>
        {
            active.pending_status = Set(Some("draft".into()));
            true
        }
        Change::Photos { held: true }
            if status == ProductStatus::Published
                && matches!(p.pending_status.as_deref(), None | Some("rejected")) =>
        {
            active.pending_status = Set(Some("draft".into()));
            active.pending_reason = Set(None);
            false
        }
        _ => false,
    }
}

/// Photos of a product that buyers do not see yet.
pub(crate) async fn held_photos(db: &impl ConnectionTrait, product_id: i32) -> AppResult<u64> {
    Ok(crate::db::entities::photo::Entity::find()
        .filter(crate::db::entities::photo::Column::ProductId.eq(product_id))
        .filter(crate::db::entities::photo::Column::Pending.eq(true))
        .count(db)
        .await?)
}

/// Edits a product. A draft, rejected or unpublished product changes at once; a published
/// one keeps what buyers see and holds the edit as pending changes until staff approve.
/// An edit to something waiting for the centre withdraws it to a draft, to be sent again;
/// the answer says whether it did.
pub async fn update_product(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    id: i32,
    patch: &Value,
) -> AppResult<(ProductView, bool)> {
    let txn = super::write_txn(db).await?;
    let (p, e) = product_for_change_locked(&txn, actor, id).await?;
    let status = ProductStatus::parse(&p.status).unwrap_or(ProductStatus::Draft);
    let live = fields_of(&p, reference);
    // Edits build on the pending version when there is one.
    let base: ProductInput = match (&p.pending, status) {
        (Some(pending), ProductStatus::Published) => {
            serde_json::from_str(pending).unwrap_or_else(|_| live.to_input())
        }
        _ => live.to_input(),
    };
    let input: ProductInput = patched(&base, patch)?;
    let fields = ProductFields::parse(&input)?;
    let category_id = category_id(reference, &fields)?;
    let mut active: product::ActiveModel = p.clone().into();
    let withdrawn = note_change(&mut active, &p, Change::Edit);
    if status == ProductStatus::Published {
        if fields == live {
            // Back to what buyers see: nothing waits, unless photos do.
            active.pending = Set(None);
            if held_photos(&txn, id).await? == 0 {
                active.pending_status = Set(None);
                active.pending_reason = Set(None);
            }
        } else {
            active.pending = Set(Some(
                serde_json::to_string(&fields.to_input()).map_err(anyhow::Error::new)?,
            ));
            active.pending_status = Set(Some("draft".into()));
            active.pending_reason = Set(None);
        }
    } else {
        apply_fields(&mut active, &fields, category_id);
    }
    let model = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "product.update",
        "product",
        id,
        json!({"changes": patch, "withdrawn": withdrawn, "version": model.version}),
    )
    .await?;
    search_sync::enqueue(&txn, &[id]).await?;
    txn.commit().await?;
    Ok((
        with_media_one(db, ProductView::new(&model, &e, reference, true)).await?,
        withdrawn,
    ))
}

/// Deletes a product with its photos and documents (their objects too, unless shared).
pub async fn delete_product(
    state: &crate::context::AppState,
    actor: &Actor,
    id: i32,
) -> AppResult<()> {
    let db = &state.db;
    let (p, _) = product_for_change(db, actor, id).await?;
    let txn = super::write_txn(db).await?;
    let (photos, documents) = media::product_media(&txn, id).await?;
    crate::db::entities::photo::Entity::delete_many()
        .filter(crate::db::entities::photo::Column::ProductId.eq(id))
        .exec(&txn)
        .await?;
    crate::db::entities::document::Entity::delete_many()
        .filter(crate::db::entities::document::Column::ProductId.eq(id))
        .exec(&txn)
        .await?;
    product::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "product.delete",
        "product",
        id,
        json!({"name": p.name, "enterprise_id": p.enterprise_id, "photos": photos.len(), "documents": documents.len()}),
    )
    .await?;
    search_sync::enqueue(&txn, &[id]).await?;
    txn.commit().await?;
    media::release(state, &photos, &documents).await;
    Ok(())
}

/// Sends a product, or a published product's pending changes, to the centre for review.
pub async fn submit_product(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    id: i32,
) -> AppResult<ProductView> {
    let txn = super::write_txn(db).await?;
    let (p, e) = product_for_change_locked(&txn, actor, id).await?;
    let status = ProductStatus::parse(&p.status).unwrap_or(ProductStatus::Draft);
    let mut active: product::ActiveModel = p.clone().into();
    let what = if status.can_submit() {
        active.status = Set(ProductStatus::Submitted.as_str().into());
        "product"
    } else if status == ProductStatus::Published
        && matches!(p.pending_status.as_deref(), Some("draft" | "rejected"))
    {
        active.pending_status = Set(Some("submitted".into()));
        active.pending_reason = Set(None);
        "changes"
    } else {
        return Err(AppError::state(match status {
            ProductStatus::Submitted => "product.already_submitted",
            _ if p.pending_status.as_deref() == Some("submitted") => "product.already_submitted",
            _ => "product.nothing_to_submit",
        }));
    };
    active.submitted_at = Set(Some(now()));
    let model = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "product.submit",
        "product",
        id,
        json!({"what": what, "version": model.version}),
    )
    .await?;
    txn.commit().await?;
    with_media_one(db, ProductView::new(&model, &e, reference, true)).await
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// Staff approve or reject what is waiting: a new listing or a published product's changes.
/// The decision names the version staff reviewed; if the product changed since, nothing
/// happens and the answer says so (409 `product.changed`).
pub async fn review_product(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    id: i32,
    decision: Decision,
    version: Option<i32>,
    reason: Option<&str>,
) -> AppResult<ProductView> {
    let (version, reason) = review_terms(actor, decision, version, reason)?;
    let txn = super::write_txn(db).await?;
    let (p, e) = lock_product(&txn, id).await?;
    let status = ProductStatus::parse(&p.status).unwrap_or(ProductStatus::Draft);
    let changes_waiting =
        status == ProductStatus::Published && p.pending_status.as_deref() == Some("submitted");
    if status != ProductStatus::Submitted && !changes_waiting {
        return Err(AppError::state("product.nothing_to_review"));
    }
    if p.version != version {
        return Err(AppError::state("product.changed"));
    }
    let mut active: product::ActiveModel = p.clone().into();
    match (decision, changes_waiting) {
        (Decision::Approve, false) => {
            active.status = Set(ProductStatus::Published.as_str().into());
            active.rejection_reason = Set(None);
            active.published_at = Set(Some(now()));
        }
        (Decision::Reject, false) => {
            active.status = Set(ProductStatus::Rejected.as_str().into());
            active.rejection_reason = Set(reason.clone());
        }
        (Decision::Approve, true) => {
            if let Some(pending) = p.pending.as_deref() {
                let input: ProductInput = serde_json::from_str(pending)
                    .map_err(|_| AppError::state("product.nothing_to_review"))?;
                let fields = ProductFields::parse(&input)?;
                let category_id = category_id(reference, &fields)?;
                apply_fields(&mut active, &fields, category_id);
            }
            active.pending = Set(None);
            active.pending_status = Set(None);
            active.pending_reason = Set(None);
        }
        (Decision::Reject, true) => {
            active.pending_status = Set(Some("rejected".into()));
            active.pending_reason = Set(reason.clone());
        }
    }
    active.updated_at = Set(now());
    let model = active.update(&txn).await?;
    if decision == Decision::Approve {
        // What staff saw, photos included, is what buyers see now.
        crate::db::entities::photo::Entity::update_many()
            .col_expr(
                crate::db::entities::photo::Column::Pending,
                sea_orm::sea_query::Expr::value(false),
            )
            .filter(crate::db::entities::photo::Column::ProductId.eq(id))
            .exec(&txn)
            .await?;
    }
    let action = match decision {
        Decision::Approve => "product.approve",
        Decision::Reject => "product.reject",
    };
    audit::record(
        &txn,
        actor,
        action,
        "product",
        id,
        json!({"reason": reason, "changes": changes_waiting, "version": version}),
    )
    .await?;
    search_sync::enqueue(&txn, &[id]).await?;
    txn.commit().await?;
    with_media_one(db, ProductView::new(&model, &e, reference, true)).await
}

/// Staff take a published product off the catalogue, with a reason the producer sees.
pub async fn unpublish_product(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    id: i32,
    reason: Option<&str>,
) -> AppResult<ProductView> {
    require_staff(actor)?;
    let (p, e) = load_product(db, id).await?;
    let Some(reason) = crate::domain::optional_text(reason, "reason", 1000)? else {
        return Err(Invalid::one("reason", "review.reason_required").into());
    };
    if p.status != ProductStatus::Published.as_str() {
        return Err(AppError::state("product.not_published"));
    }
    let mut active: product::ActiveModel = p.into();
    active.status = Set(ProductStatus::Unpublished.as_str().into());
    active.rejection_reason = Set(Some(reason.clone()));
    active.updated_at = Set(now());
    let txn = super::write_txn(db).await?;
    let model = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "product.unpublish",
        "product",
        id,
        json!({"reason": reason}),
    )
    .await?;
    search_sync::enqueue(&txn, &[id]).await?;
    txn.commit().await?;
    with_media_one(db, ProductView::new(&model, &e, reference, true)).await
}

/// A product as the actor may see it: published for everyone, otherwise only for its
/// enterprise's members and staff (404 for anyone else).
pub async fn get_product(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    key: Lookup<'_>,
) -> AppResult<ProductView> {
    let p = product::Entity::find()
        .filter(match key {
            Lookup::Id(id) => product::Column::Id.eq(id),
            Lookup::Slug(slug) => product::Column::Slug.eq(slug),
        })
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let e = enterprise::Entity::find_by_id(p.enterprise_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let manages = can_manage(db, actor, e.id).await?;
    if p.status != ProductStatus::Published.as_str() && !manages {
        return Err(AppError::NotFound);
    }
    with_media_one(db, ProductView::new(&p, &e, reference, manages)).await
}

/// The stored fields of a product for its edit form: the pending version when there is one.
pub async fn product_for_edit(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    id: i32,
) -> AppResult<(ProductView, ProductInput)> {
    let (p, e) = product_for_change(db, actor, id).await?;
    let input = match &p.pending {
        Some(pending) => {
            serde_json::from_str(pending).unwrap_or_else(|_| fields_of(&p, reference).to_input())
        }
        None => fields_of(&p, reference).to_input(),
    };
    Ok((
        with_media_one(db, ProductView::new(&p, &e, reference, true)).await?,
        input,
    ))
}

/// What buyers currently see of a product, as input (to compare with pending changes).
pub async fn live_input(
    db: &DatabaseConnection,
    reference: &Reference,
    id: i32,
) -> AppResult<ProductInput> {
    let (p, _) = load_product(db, id).await?;
    Ok(fields_of(&p, reference).to_input())
}

/// Which products to list: the query of `GET /api/v1/products` and of the pages.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// A category slug; a parent category includes its sub-categories.
    pub category: Option<String>,
    /// Province code.
    pub province: Option<i32>,
    /// Commune code.
    pub commune: Option<i32>,
    pub enterprise_id: Option<i32>,
    /// Members and staff: a vetting state; staff: `review` for the review queue.
    pub status: Option<String>,
    /// `true`: the products of the caller's enterprises, in every state.
    pub mine: Option<bool>,
    /// 1 to 10,000, default 1.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<u64>,
    /// 1 to 100, default 24.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub pages: u64,
}

/// Lists products. Visitors and buyers see published products; `mine`, `status` and the
/// review queue need membership or staff rights.
pub async fn list_products(
    db: &DatabaseConnection,
    reference: &Reference,
    actor: &Actor,
    filter: &ProductFilter,
) -> AppResult<Page<ProductView>> {
    let paging = crate::domain::Paging::parse(filter.page, filter.per_page, 24, 100)?;
    // Filters and order are kept apart so that the count runs without the ORDER BY.
    let mut cond = Condition::all();
    let order: (product::Column, sea_orm::Order);
    let mut show_pending = false;
    let mine = filter.mine.unwrap_or(false);
    let review = filter.status.as_deref() == Some("review");
    if review {
        require_staff(actor)?;
        show_pending = true;
        cond = cond.add(
            Condition::any()
                .add(product::Column::Status.eq(ProductStatus::Submitted.as_str()))
                .add(product::Column::PendingStatus.eq("submitted")),
        );
        order = (product::Column::SubmittedAt, sea_orm::Order::Asc);
    } else if mine || filter.status.is_some() {
        let me = actor.user().ok_or(AppError::Unauthenticated)?;
        show_pending = true;
        if let Some(status) = &filter.status {
            let s = ProductStatus::parse(status).ok_or(Invalid::one("status", "status.unknown"))?;
            cond = cond.add(product::Column::Status.eq(s.as_str()));
        }
        if !me.role.is_staff() || mine {
            cond = cond.add(
                product::Column::EnterpriseId.in_subquery(
                    Query::select()
                        .column(enterprise_member::Column::EnterpriseId)
                        .from(enterprise_member::Entity)
                        .and_where(Expr::col(enterprise_member::Column::UserId).eq(me.id))
                        .to_owned(),
                ),
            );
        }
        order = (product::Column::UpdatedAt, sea_orm::Order::Desc);
    } else {
        cond = cond.add(product::Column::Status.eq(ProductStatus::Published.as_str()));
        order = (product::Column::PublishedAt, sea_orm::Order::Desc);
    }
    if let Some(slug) = filter.category.as_deref().filter(|s| !s.is_empty()) {
        let ids = reference.category_and_descendants(slug);
        if ids.is_empty() {
            return Err(Invalid::one("category", "category.unknown").into());
        }
        cond = cond.add(product::Column::CategoryId.is_in(ids));
    }
    let communes: Option<Vec<i32>> = match (filter.commune, filter.province) {
        (Some(c), _) => Some(vec![c]),
        (None, Some(p)) => Some(reference.communes_of(p).iter().map(|c| c.code).collect()),
        (None, None) => None,
    };
    if let Some(codes) = communes {
        cond = cond.add(
            product::Column::EnterpriseId.in_subquery(
                Query::select()
                    .column(enterprise::Column::Id)
                    .from(enterprise::Entity)
                    .and_where(Expr::col(enterprise::Column::CommuneCode).is_in(codes))
                    .to_owned(),
            ),
        );
    }
    if let Some(eid) = filter.enterprise_id {
        cond = cond.add(product::Column::EnterpriseId.eq(eid));
    }
    let total = product::Entity::find()
        .filter(cond.clone())
        .count(db)
        .await?;
    let rows = product::Entity::find()
        .filter(cond)
        .order_by(order.0, order.1.clone())
        .order_by(product::Column::Id, order.1)
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(db)
        .await?;
    let items = views(db, reference, rows, show_pending).await?;
    Ok(Page {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
        pages: paging.pages(total),
    })
}

/// The published products among `ids`, as views (for the search index).
pub async fn published_views(
    db: &impl ConnectionTrait,
    reference: &Reference,
    ids: &[i32],
) -> AppResult<Vec<ProductView>> {
    let rows = product::Entity::find()
        .filter(product::Column::Id.is_in(ids.to_vec()))
        .filter(product::Column::Status.eq(ProductStatus::Published.as_str()))
        .all(db)
        .await?;
    views(db, reference, rows, false).await
}

async fn views(
    db: &impl ConnectionTrait,
    reference: &Reference,
    rows: Vec<product::Model>,
    show_pending: bool,
) -> AppResult<Vec<ProductView>> {
    let mut ids: Vec<i32> = rows.iter().map(|p| p.enterprise_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let enterprises: std::collections::HashMap<i32, enterprise::Model> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let views: Vec<ProductView> = rows
        .iter()
        .filter_map(|p| {
            enterprises
                .get(&p.enterprise_id)
                .map(|e| ProductView::new(p, e, reference, show_pending))
        })
        .collect();
    with_media(db, views).await
}

/// Adds photos and verified certificates to product views.
async fn with_media(
    db: &impl ConnectionTrait,
    mut views: Vec<ProductView>,
) -> AppResult<Vec<ProductView>> {
    let ids: Vec<i32> = views.iter().map(|v| v.id).collect();
    let mut photos = media::photos_of_products(db, &ids).await?;
    let pairs: Vec<(i32, i32)> = views.iter().map(|v| (v.id, v.enterprise_id)).collect();
    let mut verified = media::verified_kinds(db, &pairs).await?;
    for v in &mut views {
        v.photos = media::visible(photos.remove(&v.id).unwrap_or_default(), v.for_manager);
        v.verified_documents = verified.remove(&v.id).unwrap_or_default();
    }
    Ok(views)
}

async fn with_media_one(db: &impl ConnectionTrait, view: ProductView) -> AppResult<ProductView> {
    with_media(db, vec![view])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Adds logos to enterprise views.
async fn with_logos(
    db: &impl ConnectionTrait,
    mut views: Vec<EnterpriseView>,
) -> AppResult<Vec<EnterpriseView>> {
    let ids: Vec<i32> = views.iter().map(|v| v.id).collect();
    let mut logos = media::logos_of(db, &ids).await?;
    for v in &mut views {
        let (live, waiting) = logos.remove(&v.id).unwrap_or_default();
        v.logo = live;
        // Only those who see the contact (members, staff) see what waits.
        v.pending_logo = waiting.filter(|_| v.contact.is_some());
    }
    Ok(views)
}

async fn with_logo(db: &impl ConnectionTrait, view: EnterpriseView) -> AppResult<EnterpriseView> {
    with_logos(db, vec![view])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Newest published products, of one enterprise or of all, without counting them.
pub async fn newest_products(
    db: &DatabaseConnection,
    reference: &Reference,
    enterprise_id: Option<i32>,
    limit: u64,
) -> AppResult<Vec<ProductView>> {
    let mut query = product::Entity::find();
    if let Some(id) = enterprise_id {
        query = query.filter(product::Column::EnterpriseId.eq(id));
    }
    let rows = query
        .filter(product::Column::Status.eq(ProductStatus::Published.as_str()))
        .order_by_desc(product::Column::PublishedAt)
        .order_by_desc(product::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    views(db, reference, rows, false).await
}

/// Published product counts per category id (parents include their children).
pub async fn category_counts(
    db: &DatabaseConnection,
    reference: &Reference,
) -> AppResult<std::collections::HashMap<String, u64>> {
    let rows: Vec<(i32, i64)> = product::Entity::find()
        .select_only()
        .column(product::Column::CategoryId)
        .column_as(product::Column::Id.count(), "n")
        .filter(product::Column::Status.eq(ProductStatus::Published.as_str()))
        .group_by(product::Column::CategoryId)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = std::collections::HashMap::new();
    for (id, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        if let Some(c) = reference.category(id) {
            *counts.entry(c.slug.clone()).or_insert(0) += n;
        }
        if let Some(parent) = reference.parent_of(id) {
            *counts.entry(parent.slug.clone()).or_insert(0) += n;
        }
    }
    Ok(counts)
}

/// The enterprise ids a producer belongs to.
pub async fn memberships(db: &impl ConnectionTrait, user_id: i32) -> AppResult<Vec<i32>> {
    Ok(enterprise_member::Entity::find()
        .filter(enterprise_member::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect())
}
