//! Trade fairs (hội chợ triển lãm): when and where, and the booths producers exhibit at.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::product::parse_date;
use super::{Code, Invalid, long_text, required_text, string_enum};

string_enum! {
    FairStatus {
        Planned => "planned",
        Open => "open",
        Closed => "closed",
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(default)]
pub struct FairInput {
    pub name: Option<String>,
    /// `YYYY-MM-DD` or `dd/mm/yyyy`.
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub venue: Option<String>,
    pub province_code: Option<i32>,
    pub organiser: Option<String>,
    /// `planned` (default), `open` or `closed`.
    pub status: Option<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FairFields {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub venue: String,
    pub province_code: i32,
    pub organiser: String,
    pub status: FairStatus,
    pub description: String,
}

impl FairFields {
    /// Checks a fair; the province is checked against reference data by the service.
    pub fn parse(input: &FairInput) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let name = errors.take(required_text(input.name.as_deref(), "name", 3, 200));
        let starts = match errors.take(parse_date(input.starts_on.as_deref(), "starts_on")) {
            Some(None) => {
                errors.push("starts_on", Code::TextRequired);
                None
            }
            d => d.flatten(),
        };
        let ends = match errors.take(parse_date(input.ends_on.as_deref(), "ends_on")) {
            Some(None) => starts,
            d => d.flatten(),
        };
        if let (Some(a), Some(b)) = (starts, ends)
            && b < a
        {
            errors.push("ends_on", Code::FairEndsBeforeStart);
        }
        let venue = errors.take(required_text(input.venue.as_deref(), "venue", 3, 300));
        if input.province_code.is_none() {
            errors.push("province_code", Code::RequestProvinceRequired);
        }
        let organiser = errors.take(required_text(
            input.organiser.as_deref(),
            "organiser",
            3,
            200,
        ));
        let status = match input
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Some(FairStatus::Planned),
            Some(s) => {
                if let Some(st) = FairStatus::parse(s) {
                    Some(st)
                } else {
                    errors.push("status", Code::ChoiceInvalid);
                    None
                }
            }
        };
        let description = errors.take(long_text(input.description.as_deref(), "description", 5000));
        errors.into_result(|| FairFields {
            name: name.expect("checked"),
            starts_on: starts.expect("checked"),
            ends_on: ends.expect("checked"),
            venue: venue.expect("checked"),
            province_code: input.province_code.expect("checked"),
            organiser: organiser.expect("checked"),
            status: status.expect("checked"),
            description: description.expect("checked"),
        })
    }
}

/// A booth number as printed on the floor plan: `A12`, `B-03`. Upper case, letters, digits
/// and dashes, so it can stand in a URL and on a QR code.
pub fn parse_booth(input: Option<&str>) -> Result<String, Invalid> {
    let booth = input.unwrap_or_default().trim().to_uppercase();
    if booth.is_empty() {
        return Err(Invalid::one("booth", Code::TextRequired));
    }
    if booth.len() > 16 || !booth.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Invalid::one("booth", Code::FairBoothInvalid));
    }
    Ok(booth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fair_needs_dates_in_order_and_a_place() {
        let err = FairFields::parse(&FairInput {
            name: Some("Hội chợ OCOP Thái Nguyên 2026".into()),
            starts_on: Some("12/12/2026".into()),
            ends_on: Some("10/12/2026".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.has("ends_on") && err.has("venue") && err.has("province_code"));
        let ok = FairFields::parse(&FairInput {
            name: Some("Hội chợ OCOP Thái Nguyên 2026".into()),
            starts_on: Some("2026-12-10".into()),
            venue: Some("Quảng trường 20/8".into()),
            province_code: Some(19),
            organiser: Some("Sở Công Thương".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.ends_on, ok.starts_on, "a one-day fair by default");
        assert_eq!(ok.status, FairStatus::Planned);
    }

    #[test]
    fn booths_are_short_codes() {
        assert_eq!(parse_booth(Some(" a12 ")).unwrap(), "A12");
        assert!(parse_booth(Some("A 12")).is_err());
        assert!(parse_booth(Some("")).is_err());
    }
}
