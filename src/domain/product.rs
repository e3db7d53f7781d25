//! Products: what a producer sells, with the centre's concerns (brand, packaging, trademark,
//! OCOP) and trade terms, and the vetting states a listing goes through.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    Certification, Code, Invalid, Num, long_text, optional_text, required_text, string_enum,
};

/// Where a product's public page is: `/san-pham/{slug}`.
pub fn page_path(slug: &str) -> String {
    ["/san-pham/", slug].concat()
}

string_enum! {
    /// Packaging (bao bì, nhãn mác): sold loose, simple bag or label, or designed.
    PackagingStatus {
        None => "none",
        Basic => "basic",
        Designed => "designed",
    }
}

string_enum! {
    /// Trademark registration with the national IP office.
    TrademarkStatus {
        Unregistered => "unregistered",
        Filed => "filed",
        Registered => "registered",
        Expired => "expired",
    }
}

string_enum! {
    TrademarkKind {
        Individual => "individual",
        Collective => "collective",
        Certification => "certification",
        GeographicalIndication => "geographical_indication",
    }
}

string_enum! {
    /// Where a listing stands in vetting. Only `published` products are seen by buyers.
    ProductStatus {
        Draft => "draft",
        Submitted => "submitted",
        Published => "published",
        Rejected => "rejected",
        Unpublished => "unpublished",
    }
}

string_enum! {
    /// A published listing's (or a public enterprise's) held edit: being written by its
    /// producer, with the centre, or sent back with a reason. The public keeps seeing the
    /// published version meanwhile.
    PendingStatus {
        Draft => "draft",
        Submitted => "submitted",
        Rejected => "rejected",
    }
}

impl ProductStatus {
    /// A producer may send the product (back) to the centre for review.
    pub fn can_submit(self) -> bool {
        matches!(
            self,
            ProductStatus::Draft | ProductStatus::Rejected | ProductStatus::Unpublished
        )
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TrademarkInput {
    /// `unregistered`, `filed`, `registered` or `expired`.
    pub status: Option<String>,
    /// `individual`, `collective`, `certification` or `geographical_indication`.
    pub kind: Option<String>,
    /// Application number when filed; certificate number when registered.
    pub number: Option<String>,
    /// `YYYY-MM-DD` (or `dd/mm/yyyy`).
    pub filed_on: Option<String>,
    pub granted_on: Option<String>,
    /// Defaults to ten years after filing for a registered mark.
    pub expires_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trademark {
    pub status: TrademarkStatus,
    pub kind: Option<TrademarkKind>,
    pub number: Option<String>,
    pub filed_on: Option<NaiveDate>,
    pub granted_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

pub(crate) fn parse_date(
    value: Option<&str>,
    field: &'static str,
) -> Result<Option<NaiveDate>, Invalid> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| Invalid::one(field, Code::DateInvalid))
}

impl Trademark {
    pub fn unregistered() -> Self {
        Trademark {
            status: TrademarkStatus::Unregistered,
            kind: None,
            number: None,
            filed_on: None,
            granted_on: None,
            expires_on: None,
        }
    }

    pub fn parse(input: Option<&TrademarkInput>, today: NaiveDate) -> Result<Self, Invalid> {
        let Some(input) = input else {
            return Ok(Self::unregistered());
        };
        let mut errors = Invalid::default();
        let status = match input.status.as_deref().map(str::trim) {
            None | Some("") => TrademarkStatus::Unregistered,
            Some(s) => match TrademarkStatus::parse(s) {
                Some(s) => s,
                None => {
                    return Err(Invalid::one(
                        "trademark.status",
                        Code::TrademarkStatusUnknown,
                    ));
                }
            },
        };
        if status == TrademarkStatus::Unregistered {
            // Leftover details of an unregistered mark mean nothing; drop them.
            return Ok(Self::unregistered());
        }
        let kind = match input.kind.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("trademark.kind", Code::TrademarkKindRequired);
                None
            }
            Some(k) => TrademarkKind::parse(k).or_else(|| {
                errors.push("trademark.kind", Code::TrademarkKindUnknown);
                None
            }),
        };
        let number = errors
            .take(optional_text(
                input.number.as_deref(),
                "trademark.number",
                50,
            ))
            .flatten();
        let filed_on = errors
            .take(parse_date(input.filed_on.as_deref(), "trademark.filed_on"))
            .flatten();
        let mut granted_on = errors
            .take(parse_date(
                input.granted_on.as_deref(),
                "trademark.granted_on",
            ))
            .flatten();
        let mut expires_on = errors
            .take(parse_date(
                input.expires_on.as_deref(),
                "trademark.expires_on",
            ))
            .flatten();
        if filed_on.is_some_and(|d| d > today) {
            errors.push("trademark.filed_on", Code::DateInFuture);
        }
        if granted_on.is_some_and(|d| d > today) {
            errors.push("trademark.granted_on", Code::DateInFuture);
        }
        match status {
            TrademarkStatus::Filed => {
                if number.is_none() {
                    errors.push("trademark.number", Code::TrademarkApplicationNumberRequired);
                }
                if filed_on.is_none() && !errors.has("trademark.filed_on") {
                    errors.push("trademark.filed_on", Code::TrademarkFiledOnRequired);
                }
                granted_on = None;
                expires_on = None;
            }
            TrademarkStatus::Registered | TrademarkStatus::Expired => {
                if status == TrademarkStatus::Registered {
                    if number.is_none() {
                        errors.push("trademark.number", Code::TrademarkCertificateNumberRequired);
                    }
                    if granted_on.is_none() && !errors.has("trademark.granted_on") {
                        errors.push("trademark.granted_on", Code::TrademarkGrantedOnRequired);
                    }
                }
                // A mark is protected for ten years from filing (renewable); a geographical
                // indication has no term.
                if expires_on.is_none() && kind != Some(TrademarkKind::GeographicalIndication) {
                    expires_on = filed_on.and_then(|d| d.checked_add_months(Months::new(120)));
                }
                if let (Some(f), Some(g)) = (filed_on, granted_on)
                    && g < f
                {
                    errors.push("trademark.granted_on", Code::TrademarkGrantedBeforeFiled);
                }
                if let (Some(g), Some(e)) = (granted_on.or(filed_on), expires_on)
                    && e <= g
                {
                    errors.push("trademark.expires_on", Code::TrademarkExpiresBeforeGranted);
                }
            }
            TrademarkStatus::Unregistered => {}
        }
        errors.into_result(|| Trademark {
            status,
            kind,
            number,
            filed_on,
            granted_on,
            expires_on,
        })
    }

    pub fn to_input(&self) -> TrademarkInput {
        let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        TrademarkInput {
            status: Some(self.status.as_str().into()),
            kind: self.kind.map(|k| k.as_str().into()),
            number: self.number.clone(),
            filed_on: date(self.filed_on),
            granted_on: date(self.granted_on),
            expires_on: date(self.expires_on),
        }
    }
}

/// An OCOP rating: 3 to 5 stars, current for 36 months from its certificate's date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ocop {
    pub stars: u8,
    pub year: i32,
    /// The certificate's date, when known (else only its year is).
    pub certified_on: Option<NaiveDate>,
}

impl Ocop {
    fn parse(
        stars: Option<&Num>,
        year: Option<&Num>,
        certified_on: Option<&str>,
        today: NaiveDate,
    ) -> Result<Option<Self>, Invalid> {
        let this_year = i64::from(today.year());
        let stars = Num::parse(stars, "ocop_stars", 3, 5)
            .map_err(|_| Invalid::one("ocop_stars", Code::OcopStars))?;
        let certified_on = parse_date(certified_on, "ocop_certified_on")?;
        if certified_on.is_some_and(|d| d > today || d.year() < 2018) {
            return Err(Invalid::one("ocop_certified_on", Code::OcopCertifiedOn));
        }
        // The certificate's date gives its year.
        let year = match (Num::parse(year, "ocop_year", 2018, this_year), certified_on) {
            (Ok(Some(y)), Some(d)) if y != i64::from(d.year()) => {
                return Err(Invalid::one("ocop_certified_on", Code::OcopCertifiedOn));
            }
            (Ok(y), d) => y.or(d.map(|d| i64::from(d.year()))),
            (Err(_), _) => return Err(Invalid::one("ocop_year", Code::OcopYear)),
        };
        match (stars, year) {
            (None, None) if certified_on.is_none() => Ok(None),
            (Some(stars), Some(year)) => Ok(Some(Ocop {
                stars: stars as u8,
                year: year as i32,
                certified_on,
            })),
            (Some(_), None) => Err(Invalid::one("ocop_year", Code::OcopYearRequired)),
            (None, _) => Err(Invalid::one("ocop_stars", Code::OcopStarsRequired)),
        }
    }

    /// The last day the rating is certainly current: 36 months from its certificate, or
    /// (when only the year is known) the earliest that could be, so a reminder is never late.
    pub fn valid_until(&self) -> NaiveDate {
        self.certified_on
            .and_then(|d| d.checked_add_months(Months::new(36)))
            .and_then(|d| d.pred_opt())
            .unwrap_or_else(|| ocop_valid_until(self.year))
    }

    /// Whether the rating may still be current on `today`: with only its year known, until
    /// the latest day a certificate of that year can last (a rating is never shown lapsed
    /// while it may not be).
    pub fn current_on(&self, today: NaiveDate) -> bool {
        match self.certified_on {
            Some(_) => self.valid_until() >= today,
            None => NaiveDate::from_ymd_opt(self.year + 3, 12, 31).is_none_or(|last| last >= today),
        }
    }
}

/// The last day an OCOP rating certified in `year` is current: 36 months counted from the
/// start of that year, the earliest a certificate of that year can lapse (only its year is
/// known), so a reminder is never late.
pub fn ocop_valid_until(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 2, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// A price range in whole đồng; either end may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriceRange {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// A product as submitted by a form or the API, before it is checked.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ProductInput {
    pub name: Option<String>,
    /// A category slug from `GET /api/v1/categories`.
    pub category: Option<String>,
    pub brand: Option<String>,
    /// `none`, `basic` or `designed`.
    pub packaging_status: Option<String>,
    pub trademark: Option<TrademarkInput>,
    /// 3, 4 or 5.
    #[schema(value_type = Option<i64>)]
    pub ocop_stars: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub ocop_year: Option<Num>,
    /// The OCOP certificate's date (`YYYY-MM-DD` or `DD/MM/YYYY`); the rating is current for
    /// 36 months from it. Gives `ocop_year` when that is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocop_certified_on: Option<String>,
    pub certifications: Option<Vec<String>>,
    /// kg, hộp, chai, bao, viên, m³, tấn…
    pub unit: Option<String>,
    /// Whole đồng.
    #[schema(value_type = Option<i64>)]
    pub price_min_vnd: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub price_max_vnd: Option<Num>,
    /// In `unit`.
    #[schema(value_type = Option<i64>)]
    pub min_order: Option<Num>,
    /// In `unit` per month.
    #[schema(value_type = Option<i64>)]
    pub monthly_capacity: Option<Num>,
    /// Months (1–12) in which the product is made or harvested; empty means all year.
    #[schema(value_type = Option<Vec<i64>>)]
    pub season_months: Option<Vec<Num>>,
    #[schema(value_type = Option<i64>)]
    pub shelf_life_days: Option<Num>,
    pub description: Option<String>,
}

/// A checked product.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductFields {
    pub name: String,
    pub category: String,
    pub brand: Option<String>,
    pub packaging_status: PackagingStatus,
    pub trademark: Trademark,
    pub ocop: Option<Ocop>,
    pub certifications: Vec<Certification>,
    pub unit: String,
    pub price: PriceRange,
    pub min_order: Option<i64>,
    pub monthly_capacity: Option<i64>,
    pub season_months: Vec<u8>,
    pub shelf_life_days: Option<i32>,
    pub description: String,
}

const MAX_VND: i64 = 1_000_000_000_000;

impl ProductFields {
    /// `today` bounds the dates and years a producer may give (none may lie ahead of it).
    pub fn parse(input: &ProductInput, today: NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let name = errors.take(required_text(input.name.as_deref(), "name", 2, 200));
        let category = match input.category.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("category", Code::CategoryRequired);
                None
            }
            Some(slug) => Some(slug.to_string()),
        };
        let brand = errors.take(optional_text(input.brand.as_deref(), "brand", 100));
        let packaging_status = match input.packaging_status.as_deref().map(str::trim) {
            None | Some("") => Some(PackagingStatus::None),
            Some(p) => PackagingStatus::parse(p).or_else(|| {
                errors.push("packaging_status", Code::PackagingUnknown);
                None
            }),
        };
        let trademark = errors.take(Trademark::parse(input.trademark.as_ref(), today));
        let ocop = errors.take(Ocop::parse(
            input.ocop_stars.as_ref(),
            input.ocop_year.as_ref(),
            input.ocop_certified_on.as_deref(),
            today,
        ));
        let certifications = errors.take(Certification::parse_list(
            input.certifications.as_deref().unwrap_or_default(),
            "certifications",
        ));
        let unit = errors.take(required_text(input.unit.as_deref(), "unit", 1, 20));
        let price_min = errors.take(Num::parse(
            input.price_min_vnd.as_ref(),
            "price_min_vnd",
            0,
            MAX_VND,
        ));
        let price_max = errors.take(Num::parse(
            input.price_max_vnd.as_ref(),
            "price_max_vnd",
            0,
            MAX_VND,
        ));
        if let (Some(Some(min)), Some(Some(max))) = (price_min, price_max)
            && min > max
        {
            errors.push("price_max_vnd", Code::PriceMaxBelowMin);
        }
        let min_order = errors.take(Num::parse(
            input.min_order.as_ref(),
            "min_order",
            1,
            MAX_VND,
        ));
        let monthly_capacity = errors.take(Num::parse(
            input.monthly_capacity.as_ref(),
            "monthly_capacity",
            1,
            MAX_VND,
        ));
        let mut season_months = Vec::new();
        for m in input.season_months.as_deref().unwrap_or_default() {
            match Num::parse(Some(m), "season_months", 1, 12) {
                Ok(Some(m)) => season_months.push(m as u8),
                Ok(None) => {}
                Err(_) => {
                    errors.push("season_months", Code::SeasonMonth);
                    break;
                }
            }
        }
        season_months.sort_unstable();
        season_months.dedup();
        if season_months.len() == 12 {
            season_months.clear();
        }
        let shelf_life_days = errors
            .take(Num::parse(
                input.shelf_life_days.as_ref(),
                "shelf_life_days",
                1,
                36_500,
            ))
            .map(|d| d.map(|d| d as i32));
        let description = errors.take(long_text(input.description.as_deref(), "description", 5000));
        match (
            name,
            category,
            brand,
            packaging_status,
            trademark,
            ocop,
            certifications,
            unit,
        ) {
            (
                Some(name),
                Some(category),
                Some(brand),
                Some(packaging_status),
                Some(trademark),
                Some(ocop),
                Some(certifications),
                Some(unit),
            ) if errors.0.is_empty() => Ok(ProductFields {
                name,
                category,
                brand,
                packaging_status,
                trademark,
                ocop,
                certifications,
                unit,
                price: PriceRange {
                    min: price_min.flatten(),
                    max: price_max.flatten(),
                },
                min_order: min_order.flatten(),
                monthly_capacity: monthly_capacity.flatten(),
                season_months,
                shelf_life_days: shelf_life_days.flatten(),
                description: description.unwrap_or_default(),
            }),
            _ => Err(errors),
        }
    }

    pub fn to_input(&self) -> ProductInput {
        let num = |v: Option<i64>| v.map(Num::Int);
        ProductInput {
            name: Some(self.name.clone()),
            category: Some(self.category.clone()),
            brand: self.brand.clone(),
            packaging_status: Some(self.packaging_status.as_str().into()),
            trademark: Some(self.trademark.to_input()),
            ocop_stars: self.ocop.map(|o| Num::Int(o.stars.into())),
            ocop_year: self.ocop.map(|o| Num::Int(o.year.into())),
            ocop_certified_on: self
                .ocop
                .and_then(|o| o.certified_on)
                .map(|d| d.format("%Y-%m-%d").to_string()),
            certifications: Some(
                self.certifications
                    .iter()
                    .map(|c| c.as_str().into())
                    .collect(),
            ),
            unit: Some(self.unit.clone()),
            price_min_vnd: num(self.price.min),
            price_max_vnd: num(self.price.max),
            min_order: num(self.min_order),
            monthly_capacity: num(self.monthly_capacity),
            season_months: Some(
                self.season_months
                    .iter()
                    .map(|m| Num::Int((*m).into()))
                    .collect(),
            ),
            shelf_life_days: self.shelf_life_days.map(|d| Num::Int(d.into())),
            description: Some(self.description.clone()),
        }
    }
}

/// Season months are stored as `1,2,12`.
pub fn join_months(months: &[u8]) -> String {
    months
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub fn split_months(stored: &str) -> Vec<u8> {
    stored
        .split(',')
        .filter_map(|m| m.trim().parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The day the checks count from.
    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date")
    }

    fn valid() -> ProductInput {
        ProductInput {
            name: Some("Miến dong Na Rì".into()),
            category: Some("mien-dong".into()),
            unit: Some("kg".into()),
            price_min_vnd: Some(Num::Text("80.000".into())),
            price_max_vnd: Some(Num::Text("120.000 ₫".into())),
            season_months: Some(vec![Num::Int(12), Num::Text("1".into()), Num::Int(12)]),
            ..Default::default()
        }
    }

    #[test]
    fn parses_vietnamese_numbers_and_defaults() {
        let p = ProductFields::parse(&valid(), day()).unwrap();
        assert_eq!(
            p.price,
            PriceRange {
                min: Some(80_000),
                max: Some(120_000)
            }
        );
        assert_eq!(p.season_months, vec![1, 12]);
        assert_eq!(p.packaging_status, PackagingStatus::None);
        assert_eq!(p.trademark.status, TrademarkStatus::Unregistered);
        assert_eq!(ProductFields::parse(&p.to_input(), day()).unwrap(), p);
    }

    #[test]
    fn registered_mark_needs_number_and_grant_and_expires_after_ten_years() {
        let mut input = valid();
        input.trademark = Some(TrademarkInput {
            status: Some("registered".into()),
            kind: Some("collective".into()),
            ..Default::default()
        });
        let err = ProductFields::parse(&input, day()).unwrap_err();
        let codes: Vec<_> = err.0.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            vec![
                Code::TrademarkCertificateNumberRequired,
                Code::TrademarkGrantedOnRequired
            ]
        );
        input.trademark = Some(TrademarkInput {
            status: Some("registered".into()),
            kind: Some("collective".into()),
            number: Some("312345".into()),
            filed_on: Some("10/03/2016".into()),
            granted_on: Some("2018-05-02".into()),
            expires_on: None,
        });
        let p = ProductFields::parse(&input, day()).unwrap();
        assert_eq!(p.trademark.expires_on, NaiveDate::from_ymd_opt(2026, 3, 10));
    }

    #[test]
    fn geographical_indications_do_not_expire_by_default() {
        let mut input = valid();
        input.trademark = Some(TrademarkInput {
            status: Some("registered".into()),
            kind: Some("geographical_indication".into()),
            number: Some("00045".into()),
            filed_on: Some("2010-01-05".into()),
            granted_on: Some("2011-06-20".into()),
            expires_on: None,
        });
        assert_eq!(
            ProductFields::parse(&input, day())
                .unwrap()
                .trademark
                .expires_on,
            None
        );
    }

    #[test]
    fn an_ocop_rating_lasts_36_months_from_its_certificate() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let mut input = ProductInput {
            ocop_stars: Some(Num::Int(4)),
            ocop_certified_on: Some("15/03/2024".into()),
            ..valid()
        };
        let ocop = ProductFields::parse(&input, today).unwrap().ocop.unwrap();
        assert_eq!(ocop.year, 2024, "the date gives the year");
        assert_eq!(
            ocop.valid_until(),
            NaiveDate::from_ymd_opt(2027, 3, 14).unwrap()
        );
        assert!(ocop.current_on(today));
        assert!(!ocop.current_on(NaiveDate::from_ymd_opt(2027, 3, 15).unwrap()));
        // A year that is not the certificate's, a date ahead: refused.
        input.ocop_year = Some(Num::Int(2023));
        let err = ProductFields::parse(&input, today).unwrap_err();
        assert_eq!(err.0[0].code, Code::OcopCertifiedOn);
        input.ocop_year = None;
        input.ocop_certified_on = Some("2027-01-01".into());
        assert_eq!(
            ProductFields::parse(&input, today).unwrap_err().0[0].code,
            Code::OcopCertifiedOn
        );
        // Only the year: reminders count from its first day, the page from its last.
        let year_only = Ocop {
            stars: 4,
            year: 2023,
            certified_on: None,
        };
        assert_eq!(
            year_only.valid_until(),
            NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
        );
        assert!(year_only.current_on(today));
        assert!(!year_only.current_on(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
    }

    #[test]
    fn price_range_and_ocop_are_consistent() {
        let mut input = valid();
        input.price_min_vnd = Some(Num::Int(200_000));
        input.ocop_stars = Some(Num::Int(6));
        let err = ProductFields::parse(&input, day()).unwrap_err();
        let codes: Vec<_> = err.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("ocop_stars", Code::OcopStars),
                ("price_max_vnd", Code::PriceMaxBelowMin)
            ]
        );
        let mut input = valid();
        input.ocop_stars = Some(Num::Int(4));
        assert_eq!(
            ProductFields::parse(&input, day()).unwrap_err().0[0].code,
            Code::OcopYearRequired
        );
    }
}
