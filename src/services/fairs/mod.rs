//! Trade fairs: staff set up a fair, its exhibitors at their booths and the products each
//! shows; visitors find them on the fair's pages and by QR codes; staff and exhibitors turn a
//! buyer's interest at the booth into a market-linkage request for the desk; and the fair's
//! results are counted from scans, visits, leads and deals.

mod leads;
pub mod printing;
mod results;
mod setup;
mod visits;

pub use leads::*;
pub use results::*;
pub use setup::*;
pub use visits::*;

use crate::context::AppState;
use crate::db::entities::{enterprise, fair, fair_exhibitor, fair_product};
use crate::domain::FairStatus;
use crate::error::{AppError, AppResult};
use crate::services::catalogue::{self, ProductView};
use crate::services::requests::LinkRef;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ExhibitorView {
    pub id: i32,
    pub booth: String,
    pub enterprise: LinkRef,
    pub place: String,
    /// The exhibitor's page at this fair (what its booth QR code opens).
    pub url: String,
    pub products: Vec<ProductView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FairView {
    pub id: i32,
    pub slug: String,
    pub url: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub province_code: i32,
    pub province: Option<String>,
    pub organiser: String,
    pub status: FairStatus,
    pub description: String,
    /// By booth.
    pub exhibitors: Vec<ExhibitorView>,
}

impl FairView {
    pub fn exhibitor(&self, booth: &str) -> Option<&ExhibitorView> {
        self.exhibitors.iter().find(|e| e.booth == booth)
    }

    pub fn product(&self, id: i32) -> Option<(&ExhibitorView, &ProductView)> {
        self.exhibitors
            .iter()
            .find_map(|e| e.products.iter().find(|p| p.id == id).map(|p| (e, p)))
    }

    pub fn product_count(&self) -> usize {
        self.exhibitors.iter().map(|e| e.products.len()).sum()
    }
}

/// `A2` before `A10`: booths sort as people read them.
pub(super) fn booth_key(booth: &str) -> (String, u32, String) {
    let letters: String = booth.chars().take_while(|c| !c.is_ascii_digit()).collect();
    let rest = &booth[letters.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (
        letters,
        digits.parse().unwrap_or(0),
        rest[digits.len()..].to_string(),
    )
}

/// How a page or the API names a fair.
#[derive(Clone, Copy, Debug)]
pub enum FairKey<'a> {
    Id(i32),
    Slug(&'a str),
}

pub(super) async fn load(db: &impl ConnectionTrait, key: FairKey<'_>) -> AppResult<fair::Model> {
    fair::Entity::find()
        .filter(match key {
            FairKey::Id(id) => fair::Column::Id.eq(id),
            FairKey::Slug(slug) => fair::Column::Slug.eq(slug),
        })
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A fair with its exhibitors by booth and the published products each shows.
pub async fn get(state: &AppState, key: FairKey<'_>) -> AppResult<FairView> {
    let db = &state.db;
    let f = load(db, key).await?;
    let exhibitors = fair_exhibitor::Entity::find()
        .filter(fair_exhibitor::Column::FairId.eq(f.id))
        .all(db)
        .await?;
    let ids: Vec<i32> = exhibitors.iter().map(|e| e.id).collect();
    let links = fair_product::Entity::find()
        .filter(fair_product::Column::ExhibitorId.is_in(ids))
        .order_by_asc(fair_product::Column::Id)
        .all(db)
        .await?;
    let product_ids: Vec<i32> = links.iter().map(|l| l.product_id).collect();
    let products: HashMap<i32, ProductView> =
        catalogue::published_views(db, &state.reference, &product_ids, state.clock.today())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let enterprises = crate::services::requests::by_id!(
        db,
        enterprise,
        exhibitors
            .iter()
            .map(|e| e.enterprise_id)
            .collect::<Vec<_>>()
    );
    let mut views: Vec<ExhibitorView> = exhibitors
        .iter()
        .filter_map(|x| {
            let e = enterprises.get(&x.enterprise_id)?;
            Some(ExhibitorView {
                id: x.id,
                booth: x.booth.clone(),
                enterprise: LinkRef::enterprise(e),
                place: state.reference.place_name(e.commune_code),
                url: format!("/hoi-cho/{}/gian/{}", f.slug, x.booth),
                products: links
                    .iter()
                    .filter(|l| l.exhibitor_id == x.id)
                    .filter_map(|l| products.get(&l.product_id).cloned())
                    .collect(),
            })
        })
        .collect();
    views.sort_by_key(|e| booth_key(&e.booth));
    Ok(FairView {
        id: f.id,
        url: format!("/hoi-cho/{}", f.slug),
        slug: f.slug,
        name: f.name,
        starts_on: f.starts_on,
        ends_on: f.ends_on,
        venue: f.venue,
        province_code: f.province_code,
        province: state
            .reference
            .province(f.province_code)
            .map(|p| p.name.clone()),
        organiser: f.organiser,
        status: f.status,
        description: f.description,
        exhibitors: views,
    })
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FairSummary {
    pub id: i32,
    pub slug: String,
    pub url: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub province: Option<String>,
    pub status: FairStatus,
}

/// Every fair, the latest first.
pub async fn list(state: &AppState) -> AppResult<Vec<FairSummary>> {
    Ok(fair::Entity::find()
        .order_by_desc(fair::Column::StartsOn)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|f| FairSummary {
            id: f.id,
            url: format!("/hoi-cho/{}", f.slug),
            province: state
                .reference
                .province(f.province_code)
                .map(|p| p.name.clone()),
            slug: f.slug,
            name: f.name,
            starts_on: f.starts_on,
            ends_on: f.ends_on,
            venue: f.venue,
            status: f.status,
        })
        .collect())
}
