//! What came of a programme, measured not typed: each beneficiary's products as they stood
//! when its support began against how they stand now, plus the indicators staff record at
//! acceptance (jobs, revenue, capacity before and after).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::MAX_PROGRAMME_VND;
use crate::domain::{Code, Invalid, Num, PackagingStatus, TrademarkStatus, optional_text};

/// One product as the catalogue shows it at a moment: what a programme may change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProductFacts {
    pub id: i32,
    pub name: String,
    /// Published in the catalogue.
    pub published: bool,
    pub packaging: PackagingStatus,
    pub trademark: TrademarkStatus,
    pub ocop_stars: Option<u8>,
}

/// A change in the catalogue since the support began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum CatalogueChange {
    /// Packaging became professionally designed.
    PackagingDesigned { product_id: i32, product: String },
    /// A trademark application was filed.
    TrademarkFiled { product_id: i32, product: String },
    /// A trademark was registered.
    TrademarkRegistered { product_id: i32, product: String },
    /// An OCOP rating was gained or raised.
    OcopGained {
        product_id: i32,
        product: String,
        from: Option<u8>,
        to: u8,
    },
    /// A product was published (a new one, or one that was not public before).
    ProductPublished { product_id: i32, product: String },
}

impl CatalogueChange {
    pub fn key(&self) -> &'static str {
        match self {
            CatalogueChange::PackagingDesigned { .. } => "programme.outcome.packaging_designed",
            CatalogueChange::TrademarkFiled { .. } => "programme.outcome.trademark_filed",
            CatalogueChange::TrademarkRegistered { .. } => "programme.outcome.trademark_registered",
            CatalogueChange::OcopGained { .. } => "programme.outcome.ocop_gained",
            CatalogueChange::ProductPublished { .. } => "programme.outcome.product_published",
        }
    }

    pub fn product_id(&self) -> i32 {
        match self {
            CatalogueChange::PackagingDesigned { product_id, .. }
            | CatalogueChange::TrademarkFiled { product_id, .. }
            | CatalogueChange::TrademarkRegistered { product_id, .. }
            | CatalogueChange::OcopGained { product_id, .. }
            | CatalogueChange::ProductPublished { product_id, .. } => *product_id,
        }
    }

    pub fn product(&self) -> &str {
        match self {
            CatalogueChange::PackagingDesigned { product, .. }
            | CatalogueChange::TrademarkFiled { product, .. }
            | CatalogueChange::TrademarkRegistered { product, .. }
            | CatalogueChange::OcopGained { product, .. }
            | CatalogueChange::ProductPublished { product, .. } => product,
        }
    }
}

/// What changed between `before` (when the support began) and `now`, product by product;
/// a product made since counts from nothing.
pub fn catalogue_changes(before: &[ProductFacts], now: &[ProductFacts]) -> Vec<CatalogueChange> {
    let mut changes = Vec::new();
    for p in now {
        let was = before.iter().find(|b| b.id == p.id);
        let (product_id, product) = (p.id, p.name.clone());
        if p.published && !was.is_some_and(|b| b.published) {
            changes.push(CatalogueChange::ProductPublished {
                product_id,
                product: product.clone(),
            });
        }
        if p.packaging == PackagingStatus::Designed
            && was.is_none_or(|b| b.packaging != PackagingStatus::Designed)
        {
            changes.push(CatalogueChange::PackagingDesigned {
                product_id,
                product: product.clone(),
            });
        }
        let tm_before = was.map_or(TrademarkStatus::Unregistered, |b| b.trademark);
        match p.trademark {
            TrademarkStatus::Registered if tm_before != TrademarkStatus::Registered => {
                changes.push(CatalogueChange::TrademarkRegistered {
                    product_id,
                    product: product.clone(),
                });
            }
            TrademarkStatus::Filed
                if matches!(
                    tm_before,
                    TrademarkStatus::Unregistered | TrademarkStatus::Expired
                ) =>
            {
                changes.push(CatalogueChange::TrademarkFiled {
                    product_id,
                    product: product.clone(),
                });
            }
            _ => {}
        }
        let from = was.and_then(|b| b.ocop_stars);
        if let Some(to) = p.ocop_stars
            && from.is_none_or(|f| to > f)
        {
            changes.push(CatalogueChange::OcopGained {
                product_id,
                product,
                from,
                to,
            });
        }
    }
    changes
}

/// What staff measure at acceptance for one beneficiary.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct IndicatorsInput {
    /// Jobs created (*lao động mới*).
    #[schema(value_type = Option<i64>)]
    pub new_jobs: Option<Num>,
    /// A year's revenue before and after, in đồng.
    #[schema(value_type = Option<i64>)]
    pub revenue_before_vnd: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub revenue_after_vnd: Option<Num>,
    /// Capacity before and after, in `capacity_unit` (`tấn/tháng`).
    #[schema(value_type = Option<i64>)]
    pub capacity_before: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub capacity_after: Option<Num>,
    pub capacity_unit: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Indicators {
    pub new_jobs: Option<i64>,
    pub revenue_before_vnd: Option<i64>,
    pub revenue_after_vnd: Option<i64>,
    pub capacity_before: Option<i64>,
    pub capacity_after: Option<i64>,
    pub capacity_unit: Option<String>,
}

impl IndicatorsInput {
    pub fn parse(&self) -> Result<Indicators, Invalid> {
        let mut errors = Invalid::default();
        let mut number = |v: Option<&Num>, field: &'static str, max: i64| {
            errors.take(Num::parse(v, field, 0, max)).flatten()
        };
        let new_jobs = number(self.new_jobs.as_ref(), "new_jobs", 100_000);
        let revenue_before_vnd = number(
            self.revenue_before_vnd.as_ref(),
            "revenue_before_vnd",
            MAX_PROGRAMME_VND * 100,
        );
        let revenue_after_vnd = number(
            self.revenue_after_vnd.as_ref(),
            "revenue_after_vnd",
            MAX_PROGRAMME_VND * 100,
        );
        let capacity_before = number(
            self.capacity_before.as_ref(),
            "capacity_before",
            1_000_000_000,
        );
        let capacity_after = number(
            self.capacity_after.as_ref(),
            "capacity_after",
            1_000_000_000,
        );
        let capacity_unit = errors
            .take(optional_text(
                self.capacity_unit.as_deref(),
                "capacity_unit",
                40,
            ))
            .flatten();
        if (capacity_before.is_some() || capacity_after.is_some()) && capacity_unit.is_none() {
            errors.push("capacity_unit", Code::ProgrammeCapacityUnitRequired);
        }
        errors.into_result(|| Indicators {
            new_jobs,
            revenue_before_vnd,
            revenue_after_vnd,
            capacity_before,
            capacity_after,
            capacity_unit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i32, published: bool, packaging: PackagingStatus) -> ProductFacts {
        ProductFacts {
            id,
            name: format!("Sản phẩm {id}"),
            published,
            packaging,
            trademark: TrademarkStatus::Unregistered,
            ocop_stars: None,
        }
    }

    #[test]
    fn nothing_changed_is_no_outcome() {
        let before = [product(1, true, PackagingStatus::Basic)];
        assert_eq!(catalogue_changes(&before, &before), []);
    }

    #[test]
    fn designed_packaging_a_registered_mark_stars_and_a_new_product_each_count_once() {
        let before = [
            product(1, true, PackagingStatus::Basic),
            ProductFacts {
                trademark: TrademarkStatus::Filed,
                ocop_stars: Some(3),
                ..product(2, true, PackagingStatus::Designed)
            },
        ];
        let now = [
            ProductFacts {
                trademark: TrademarkStatus::Filed,
                ..product(1, true, PackagingStatus::Designed)
            },
            ProductFacts {
                trademark: TrademarkStatus::Registered,
                ocop_stars: Some(4),
                ..product(2, true, PackagingStatus::Designed)
            },
            product(3, true, PackagingStatus::None),
            product(4, false, PackagingStatus::None),
        ];
        let changes = catalogue_changes(&before, &now);
        let keys: Vec<(&str, i32)> = changes
            .iter()
            .map(|c| {
                (
                    c.key().trim_start_matches("programme.outcome."),
                    c.product_id(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                ("packaging_designed", 1),
                ("trademark_filed", 1),
                ("trademark_registered", 2),
                ("ocop_gained", 2),
                ("product_published", 3),
            ]
        );
    }

    #[test]
    fn capacity_needs_its_unit() {
        let input = IndicatorsInput {
            capacity_before: Some(Num::Int(2)),
            capacity_after: Some(Num::Text("5".into())),
            ..Default::default()
        };
        assert_eq!(
            input.parse().unwrap_err().0[0].code,
            Code::ProgrammeCapacityUnitRequired
        );
        let ok = IndicatorsInput {
            capacity_unit: Some("tấn/tháng".into()),
            new_jobs: Some(Num::Int(4)),
            revenue_before_vnd: Some(Num::Text("1.200.000.000".into())),
            ..input
        }
        .parse()
        .unwrap();
        assert_eq!(ok.revenue_before_vnd, Some(1_200_000_000));
        assert_eq!(ok.capacity_after, Some(5));
    }
}
