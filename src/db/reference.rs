//! Reference data that never changes while the server runs: categories and places.
//! Loaded once at start; lookups are in memory.

use std::collections::HashMap;

use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::entities::{category, commune, province};
use crate::i18n::Lang;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Category {
    #[serde(skip)]
    pub id: i32,
    pub slug: String,
    pub name_vi: String,
    pub name_en: String,
    #[serde(skip)]
    pub parent_id: Option<i32>,
    #[schema(no_recursion)]
    pub children: Vec<Category>,
}

impl Category {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.name_vi,
            Lang::En => &self.name_en,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Province {
    pub code: i32,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Commune {
    pub code: i32,
    pub name: String,
    pub province_code: i32,
}

#[derive(Debug, Default)]
pub struct Reference {
    /// Top-level categories with their children, in display order.
    pub tree: Vec<Category>,
    by_id: HashMap<i32, Category>,
    by_slug: HashMap<String, i32>,
    pub provinces: Vec<Province>,
    province_by_code: HashMap<i32, usize>,
    communes: HashMap<i32, Commune>,
    /// Communes by name, today's and those before 1 July 2025 (for survey files).
    pub places: crate::domain::place::PlaceIndex,
}

/// Every commune before 1 July 2025 with the commune it is part of now.
const FORMER_UNITS_CSV: &str = include_str!("../../migrations/data/vn-admin-units-2025-former.csv");

impl Reference {
    /// How many communes there are: the longest list of values a place facet can have.
    pub fn commune_count(&self) -> usize {
        self.communes.len()
    }
}

fn former_communes() -> Vec<crate::domain::place::FormerCommune> {
    FORMER_UNITS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            Some(crate::domain::place::FormerCommune {
                commune_code: cols.first()?.trim().parse().ok()?,
                name: (*cols.get(2)?).to_string(),
                district: (*cols.get(3)?).to_string(),
                province: (*cols.get(4)?).to_string(),
                province_code: cols.get(5)?.trim().parse().ok()?,
            })
        })
        .collect()
}

impl Reference {
    pub async fn load(db: &DatabaseConnection) -> Result<Self, sea_orm::DbErr> {
        let rows = category::Entity::find()
            .order_by_asc(category::Column::Position)
            .order_by_asc(category::Column::Id)
            .all(db)
            .await?;
        let flat: Vec<Category> = rows
            .into_iter()
            .map(|r| Category {
                id: r.id,
                slug: r.slug,
                name_vi: r.name_vi,
                name_en: r.name_en,
                parent_id: r.parent_id,
                children: Vec::new(),
            })
            .collect();
        let tree = flat
            .iter()
            .filter(|c| c.parent_id.is_none())
            .map(|top| Category {
                children: flat
                    .iter()
                    .filter(|c| c.parent_id == Some(top.id))
                    .cloned()
                    .collect(),
                ..top.clone()
            })
            .collect();
        let by_slug = flat.iter().map(|c| (c.slug.clone(), c.id)).collect();
        let by_id = flat.into_iter().map(|c| (c.id, c)).collect();

        let mut provinces: Vec<Province> = province::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| Province {
                code: p.code,
                name: p.name,
            })
            .collect();
        provinces
            .sort_by_cached_key(|p| (crate::domain::text::fold(&p.name), p.name.clone(), p.code));
        let province_by_code = provinces
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code, i))
            .collect();
        let communes: HashMap<i32, Commune> = commune::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| {
                (
                    c.code,
                    Commune {
                        code: c.code,
                        name: c.name,
                        province_code: c.province_code,
                    },
                )
            })
            .collect();
        let places = crate::domain::place::PlaceIndex::new(
            communes
                .values()
                .map(|c: &Commune| crate::domain::place::PlaceCommune {
                    code: c.code,
                    name: c.name.clone(),
                    province_code: c.province_code,
                })
                .collect(),
            &provinces
                .iter()
                .map(|p| (p.code, p.name.clone()))
                .collect::<Vec<_>>(),
            former_communes(),
        );
        Ok(Reference {
            tree,
            by_id,
            by_slug,
            provinces,
            province_by_code,
            communes,
            places,
        })
    }

    pub fn category(&self, id: i32) -> Option<&Category> {
        self.by_id.get(&id)
    }

    pub fn category_by_slug(&self, slug: &str) -> Option<&Category> {
        self.by_slug.get(slug).and_then(|id| self.by_id.get(id))
    }

    /// The category and its sub-categories: browsing a parent shows its children's products.
    pub fn category_and_descendants(&self, slug: &str) -> Vec<i32> {
        let Some(cat) = self.category_by_slug(slug) else {
            return Vec::new();
        };
        let mut ids = vec![cat.id];
        ids.extend(
            self.by_id
                .values()
                .filter(|c| c.parent_id == Some(cat.id))
                .map(|c| c.id),
        );
        ids
    }

    pub fn parent_of(&self, id: i32) -> Option<&Category> {
        self.category(id)
            .and_then(|c| c.parent_id)
            .and_then(|p| self.category(p))
    }

    pub fn province(&self, code: i32) -> Option<&Province> {
        self.province_by_code
            .get(&code)
            .map(|i| &self.provinces[*i])
    }

    pub fn commune(&self, code: i32) -> Option<&Commune> {
        self.communes.get(&code)
    }

    /// Communes of a province, sorted by name.
    pub fn communes_of(&self, province_code: i32) -> Vec<&Commune> {
        let mut list: Vec<&Commune> = self
            .communes
            .values()
            .filter(|c| c.province_code == province_code)
            .collect();
        // Names that differ only in their marks ("Văn Lang", "Văn Lăng") fold alike: the
        // name itself, then the code, keep the order the same on every call.
        list.sort_by_cached_key(|c| (crate::domain::text::fold(&c.name), c.name.clone(), c.code));
        list
    }

    /// `Xã Na Rì, Tỉnh Thái Nguyên`-style place of a commune, as (commune, province).
    pub fn place(&self, commune_code: i32) -> (Option<&Commune>, Option<&Province>) {
        let commune = self.commune(commune_code);
        let province = commune.and_then(|c| self.province(c.province_code));
        (commune, province)
    }

    /// `Xã Na Rì, Thái Nguyên`
    pub fn place_name(&self, commune_code: i32) -> String {
        let (commune, province) = self.place(commune_code);
        join_place(
            commune.map(|c| c.name.as_str()),
            province.map(|p| p.name.as_str()),
        )
    }
}

/// `Xã Na Rì, Thái Nguyên`, or whichever part is known.
pub fn join_place(commune: Option<&str>, province: Option<&str>) -> String {
    [commune, province]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}
