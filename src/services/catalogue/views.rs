//! What a person gets back: enterprises and products as each reader may see them.

use super::Manages;
use crate::db::entities::{enterprise, product};
use crate::db::reference::Reference;
use crate::domain::Code;
use crate::domain::expiry;
use crate::domain::product::split_months;
use crate::domain::{
    Certification, EnterpriseInput, LegalForm, Ocop, PackagingStatus, PendingStatus, PriceRange,
    ProductFields, ProductInput, ProductStatus, Trademark, TrademarkKind, TrademarkStatus,
};
use crate::error::{AppError, AppResult};
use crate::services::media::PhotoView;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

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
    pub pending_status: Option<PendingStatus>,
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
    /// A member's edit waits for the centre.
    pub fn edit_held(&self) -> bool {
        self.pending_status == Some(PendingStatus::Submitted)
    }

    /// The view of an enterprise; its contact only with the proof that the viewer
    /// manages it.
    pub(super) fn new(
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
            pending_status: manages.and(m.pending_status),
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
    /// As its dates give it: a registered mark past its expiry date is `expired`.
    #[schema(value_type = String)]
    pub status: TrademarkStatus,
    /// Registered, and expiring within six months.
    pub expiring: bool,
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
    /// The OCOP certificate's date, when known.
    pub ocop_certified_on: Option<NaiveDate>,
    /// The last day the OCOP rating is current (36 months from its certificate).
    pub ocop_valid_until: Option<NaiveDate>,
    /// The OCOP rating is still current today (a lapsed one is shown as such, not counted).
    pub ocop_current: bool,
    /// It lapses within six months.
    pub ocop_expiring: bool,
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
    pub pending_status: Option<PendingStatus>,
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
    pub(super) fn new(
        m: &product::Model,
        e: &enterprise::Model,
        reference: &Reference,
        show_pending: bool,
        today: NaiveDate,
    ) -> Self {
        let category = reference.category(m.category_id);
        let (commune, province) = reference.place(e.commune_code);
        ProductView {
            id: m.id,
            slug: m.slug.clone(),
            url: crate::domain::product::page_path(&m.slug),
            status: m.status,
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
            packaging_status: m.packaging_status,
            trademark: TrademarkView {
                status: expiry::trademark_state(m.tm_status, m.tm_expires_on, today),
                expiring: m.tm_status == TrademarkStatus::Registered
                    && expiry::expiring(m.tm_expires_on, today),
                kind: m.tm_kind.as_deref().and_then(TrademarkKind::parse),
                number: m.tm_number.clone(),
                filed_on: m.tm_filed_on,
                granted_on: m.tm_granted_on,
                expires_on: m.tm_expires_on,
            },
            ocop_stars: m.ocop_stars.map(|s| s as u8),
            ocop_year: m.ocop_year,
            ocop_certified_on: m.ocop_certified_on,
            ocop_valid_until: ocop_of(m).map(|o| o.valid_until()),
            ocop_current: ocop_of(m).is_some_and(|o| o.current_on(today)),
            ocop_expiring: expiry::expiring(ocop_of(m).map(|o| o.valid_until()), today),
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
            pending_status: if show_pending { m.pending_status } else { None },
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

    pub fn in_review(&self) -> bool {
        self.status == ProductStatus::Submitted
            || self.pending_status == Some(PendingStatus::Submitted)
    }

    /// The producer may send it, or its held changes, to the centre.
    pub fn may_submit(&self) -> bool {
        self.status.can_submit()
            || matches!(
                self.pending_status,
                Some(PendingStatus::Draft | PendingStatus::Rejected)
            )
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
        packaging_status: m.packaging_status,
        trademark: Trademark {
            status: m.tm_status,
            kind: m.tm_kind.as_deref().and_then(TrademarkKind::parse),
            number: m.tm_number.clone(),
            filed_on: m.tm_filed_on,
            granted_on: m.tm_granted_on,
            expires_on: m.tm_expires_on,
        },
        ocop: ocop_of(m),
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

/// A stored product's OCOP rating.
pub fn ocop_of(m: &product::Model) -> Option<Ocop> {
    m.ocop_stars.zip(m.ocop_year).map(|(s, y)| Ocop {
        stars: u8::try_from(s).unwrap_or_default(),
        year: y,
        certified_on: m.ocop_certified_on,
    })
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
pub(super) fn merge(current: &mut Value, patch: &Value) {
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

pub(super) fn patched<T: Serialize + for<'de> Deserialize<'de>>(
    current: &T,
    patch: &Value,
) -> AppResult<T> {
    if !patch.is_object() {
        return Err(AppError::BadRequest(Code::RequestMalformed));
    }
    let mut value = serde_json::to_value(current).map_err(anyhow::Error::new)?;
    merge(&mut value, patch);
    serde_json::from_value(value).map_err(|_| AppError::BadRequest(Code::RequestMalformed))
}
