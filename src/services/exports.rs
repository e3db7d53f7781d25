//! The catalogue as a spreadsheet, for staff: one row per product with its enterprise (an
//! enterprise with no product gets a row of its own), under the headers and labels the
//! import reads, so an exported file imported again changes nothing.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::context::AppState;
use std::collections::HashMap;

use crate::db::entities::{enterprise, product, programme, programme_beneficiary};
use crate::domain::import::{
    Column, certification_label, legal_form_label, packaging_label, trademark_kind_label,
    trademark_status_label,
};
use crate::domain::product::split_months;
use crate::domain::text::fold;
use crate::domain::{Certification, LegalForm, ProductStatus, TrademarkKind};
use crate::error::AppResult;
use crate::services::Actor;
use crate::sheet::{Cell, Table};

/// Which part of the catalogue to export, as the staff catalogue filters it.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueFilter {
    /// Words in the enterprise's or the product's name.
    pub q: Option<String>,
    /// A category slug (its sub-categories included).
    pub category: Option<String>,
    /// A province code.
    pub province: Option<i32>,
    /// A listing status: `draft`, `submitted`, `published`, `rejected`, `unpublished`.
    pub status: Option<String>,
}

/// The header of the listing-status column (not read back: the import sets status itself).
pub const STATUS_HEADER: &str = "Trạng thái tin";

/// The catalogue's columns: every field of an enterprise and a product.
fn catalogue_columns() -> impl Iterator<Item = Column> {
    Column::ALL.iter().copied().filter(|c| !c.is_beneficiary())
}

fn date(d: Option<chrono::NaiveDate>) -> Cell {
    d.map_or(Cell::Empty, |d| {
        Cell::Text(d.format("%d/%m/%Y").to_string())
    })
}

fn labels(stored: &str) -> Cell {
    Certification::split(stored)
        .into_iter()
        .map(certification_label)
        .collect::<Vec<_>>()
        .join(", ")
        .into()
}

/// The catalogue, filtered, as one table.
pub async fn catalogue(
    state: &AppState,
    actor: &Actor,
    filter: &CatalogueFilter,
) -> AppResult<Table> {
    actor.require_staff()?;
    let reference = &*state.reference;
    let mut enterprises = enterprise::Entity::find().order_by_asc(enterprise::Column::Id);
    if let Some(province) = filter.province {
        let communes: Vec<i32> = reference
            .communes_of(province)
            .iter()
            .map(|c| c.code)
            .collect();
        enterprises = enterprises.filter(enterprise::Column::CommuneCode.is_in(communes));
    }
    let enterprises = enterprises.all(&state.db).await?;
    let mut products = product::Entity::find().order_by_asc(product::Column::Id);
    if let Some(slug) = filter.category.as_deref().filter(|s| !s.is_empty()) {
        products = products
            .filter(product::Column::CategoryId.is_in(reference.category_and_descendants(slug)));
    }
    let status = filter.status.as_deref().and_then(ProductStatus::parse);
    if let Some(status) = status {
        products = products.filter(product::Column::Status.eq(status));
    }
    let products = products.all(&state.db).await?;
    let mut by_enterprise: std::collections::HashMap<i32, Vec<&product::Model>> =
        std::collections::HashMap::new();
    for p in &products {
        by_enterprise.entry(p.enterprise_id).or_default().push(p);
    }
    let words: Vec<String> = filter
        .q
        .as_deref()
        .map(fold)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let product_filtered =
        filter.category.as_deref().is_some_and(|s| !s.is_empty()) || status.is_some();
    let mut table = Table {
        name: "Danh mục".into(),
        headers: catalogue_columns()
            .map(|c| c.header().to_string())
            .collect(),
        ..Table::default()
    };
    table.headers.push(STATUS_HEADER.into());
    for e in &enterprises {
        let mine = by_enterprise.get(&e.id).cloned().unwrap_or_default();
        let matches = |name: &str| {
            let folded = fold(&format!("{} {name}", e.name));
            words.iter().all(|w| folded.contains(w.as_str()))
        };
        let rows: Vec<Option<&product::Model>> = if mine.is_empty() {
            if product_filtered || !matches("") {
                continue;
            }
            vec![None]
        } else {
            let kept: Vec<Option<&product::Model>> = mine
                .into_iter()
                .filter(|p| matches(&p.name))
                .map(Some)
                .collect();
            if kept.is_empty() {
                continue;
            }
            kept
        };
        let (commune, province) = reference.place(e.commune_code);
        for p in rows {
            let mut row: Vec<Cell> = Vec::with_capacity(Column::ALL.len() + 1);
            for column in catalogue_columns() {
                row.push(match (column, p) {
                    (Column::EnterpriseName, _) => e.name.clone().into(),
                    (Column::LegalForm, _) => LegalForm::parse(&e.legal_form)
                        .map_or("", legal_form_label)
                        .into(),
                    (Column::TaxCode, _) => e.tax_code.clone().unwrap_or_default().into(),
                    (Column::Address, _) => e.address.clone().into(),
                    (Column::Commune, _) => commune.map_or("", |c| c.name.as_str()).into(),
                    (Column::Province, _) => province.map_or("", |p| p.name.as_str()).into(),
                    (Column::Phone, _) => e.phone.clone().unwrap_or_default().into(),
                    (Column::Email, _) => e.email.clone().unwrap_or_default().into(),
                    (Column::FoundedYear, _) => e.founded_year.map(i64::from).into(),
                    (Column::Workforce, _) => e.workforce.map(i64::from).into(),
                    (Column::EnterpriseCertifications, _) => labels(&e.certifications),
                    (Column::EnterpriseDescription, _) => e.description.clone().into(),
                    (_, None)
                    | (
                        Column::District
                        | Column::ProgrammeCode
                        | Column::Support
                        | Column::SupportVnd
                        | Column::ContributionVnd,
                        _,
                    ) => Cell::Empty,
                    (Column::ProductName, Some(p)) => p.name.clone().into(),
                    (Column::Category, Some(p)) => reference
                        .category(p.category_id)
                        .map_or("", |c| c.name_vi.as_str())
                        .into(),
                    (Column::Brand, Some(p)) => p.brand.clone().unwrap_or_default().into(),
                    (Column::Packaging, Some(p)) => packaging_label(p.packaging_status).into(),
                    (Column::TrademarkStatus, Some(p)) => {
                        trademark_status_label(p.tm_status).into()
                    }
                    (Column::TrademarkKind, Some(p)) => p
                        .tm_kind
                        .as_deref()
                        .and_then(TrademarkKind::parse)
                        .map_or("", trademark_kind_label)
                        .into(),
                    (Column::TrademarkNumber, Some(p)) => {
                        p.tm_number.clone().unwrap_or_default().into()
                    }
                    (Column::TrademarkFiledOn, Some(p)) => date(p.tm_filed_on),
                    (Column::TrademarkGrantedOn, Some(p)) => date(p.tm_granted_on),
                    (Column::TrademarkExpiresOn, Some(p)) => date(p.tm_expires_on),
                    (Column::OcopStars, Some(p)) => p.ocop_stars.map(i64::from).into(),
                    (Column::OcopYear, Some(p)) => p.ocop_year.map(i64::from).into(),
                    (Column::OcopCertifiedOn, Some(p)) => date(p.ocop_certified_on),
                    (Column::ProductCertifications, Some(p)) => labels(&p.certifications),
                    (Column::Unit, Some(p)) => p.unit.clone().into(),
                    (Column::PriceMin, Some(p)) => p.price_min_vnd.into(),
                    (Column::PriceMax, Some(p)) => p.price_max_vnd.into(),
                    (Column::MinOrder, Some(p)) => p.min_order.into(),
                    (Column::MonthlyCapacity, Some(p)) => p.monthly_capacity.into(),
                    (Column::SeasonMonths, Some(p)) => split_months(&p.season_months)
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                        .into(),
                    (Column::ShelfLifeDays, Some(p)) => p.shelf_life_days.map(i64::from).into(),
                    (Column::ProductDescription, Some(p)) => p.description.clone().into(),
                });
            }
            row.push(p.map_or(Cell::Empty, |p| Cell::Text(p.status.as_str().to_string())));
            table.rows.push(row);
        }
    }
    Ok(table)
}

/// The brokering requests the desk shows for `filter` (every page of them) as one table
/// (staff: it names who asked).
pub async fn requests(
    state: &AppState,
    actor: &Actor,
    lang: crate::i18n::Lang,
    filter: &crate::services::requests::RequestFilter,
) -> AppResult<Table> {
    use crate::i18n::t;
    actor.require_staff()?;
    let headers = [
        "export.request_id",
        "request.kind",
        "desk.state",
        "export.title",
        "export.requester",
        "export.organisation",
        "field.category",
        "field.province",
        "export.quantity",
        "export.unit",
        "desk.assigned",
        "export.overdue",
        "export.source",
        "export.created",
        "export.last_activity",
    ];
    let mut table = Table {
        name: t(lang, "nav.desk").into(),
        headers: headers.iter().map(|h| t(lang, h).to_string()).collect(),
        ..Table::default()
    };
    let mut page = 1;
    loop {
        let mut f = filter.clone();
        f.page = Some(page);
        f.per_page = Some(200);
        let found = crate::services::requests::list(state, actor, lang, &f).await?;
        for r in &found.items {
            table.rows.push(vec![
                Cell::Int(i64::from(r.id)),
                t(lang, &format!("request.kind.{}", r.kind.as_str())).into(),
                t(lang, &format!("rstatus.{}", r.status.as_str())).into(),
                r.title.clone().into(),
                r.requester_name.clone().into(),
                r.organisation.clone().unwrap_or_default().into(),
                r.category_name.clone().unwrap_or_default().into(),
                r.province.clone().unwrap_or_default().into(),
                r.quantity.into(),
                r.unit.clone().unwrap_or_default().into(),
                r.assigned_to.clone().unwrap_or_default().into(),
                if r.overdue { t(lang, "export.yes") } else { "" }.into(),
                r.source.clone().into(),
                Cell::Text(r.created_at.format("%d/%m/%Y").to_string()),
                Cell::Text(r.last_activity_at.format("%d/%m/%Y").to_string()),
            ]);
        }
        if found.items.is_empty() || page * found.per_page >= found.total || page >= 10_000 {
            break;
        }
        page += 1;
    }
    Ok(table)
}

/// The header of a beneficiary's state (not read back: withdrawing is done on the page).
pub const BENEFICIARY_STATUS_HEADER: &str = "Tình trạng";

/// A programme's beneficiaries as a beneficiary list (staff): the columns the import reads,
/// so the file can be filled in and imported back, and what it writes reads back unchanged.
pub async fn beneficiaries(
    state: &AppState,
    actor: &Actor,
    lang: crate::i18n::Lang,
    programme_id: i32,
) -> AppResult<Table> {
    actor.require_staff()?;
    let row = programme::Entity::find_by_id(programme_id)
        .one(&state.db)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let list = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(programme_beneficiary::Column::Id)
        .all(&state.db)
        .await?;
    let ids: Vec<i32> = list.iter().map(|b| b.enterprise_id).collect();
    let enterprises: HashMap<i32, enterprise::Model> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let products: HashMap<i32, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(list.iter().filter_map(|b| b.product_id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let columns = [
        Column::ProgrammeCode,
        Column::EnterpriseName,
        Column::LegalForm,
        Column::TaxCode,
        Column::Address,
        Column::Commune,
        Column::Province,
        Column::ProductName,
        Column::Support,
        Column::SupportVnd,
        Column::ContributionVnd,
    ];
    let mut table = Table {
        name: row.code.clone(),
        headers: columns.iter().map(|c| c.header().to_string()).collect(),
        ..Table::default()
    };
    table.headers.push(BENEFICIARY_STATUS_HEADER.into());
    for b in &list {
        let Some(e) = enterprises.get(&b.enterprise_id) else {
            continue;
        };
        let (commune, province) = state.reference.place(e.commune_code);
        let mut cells: Vec<Cell> = columns
            .iter()
            .map(|c| match c {
                Column::ProgrammeCode => row.code.clone().into(),
                Column::EnterpriseName => e.name.clone().into(),
                Column::LegalForm => LegalForm::parse(&e.legal_form)
                    .map_or("", legal_form_label)
                    .into(),
                Column::TaxCode => e.tax_code.clone().unwrap_or_default().into(),
                Column::Address => e.address.clone().into(),
                Column::Commune => commune.map_or("", |c| c.name.as_str()).into(),
                Column::Province => province.map_or("", |p| p.name.as_str()).into(),
                Column::ProductName => b
                    .product_id
                    .and_then(|p| products.get(&p))
                    .map_or("", |p| p.name.as_str())
                    .into(),
                Column::Support => b.support.clone().into(),
                Column::SupportVnd => Cell::Int(b.support_vnd),
                Column::ContributionVnd => Cell::Int(b.contribution_vnd),
                _ => Cell::Empty,
            })
            .collect();
        cells.push(
            crate::i18n::t(
                lang,
                &format!("programme.beneficiary.{}", b.status.as_str()),
            )
            .to_string()
            .into(),
        );
        table.rows.push(cells);
    }
    Ok(table)
}
