//! What lapses with time, and when to say so: a registered trademark past its expiry date is
//! expired (and expiring in the six months before); a certificate document may carry a
//! valid-until date. Producers are reminded six months, three months and one month before,
//! once at each.

use chrono::{Months, NaiveDate};

use super::{TrademarkStatus, string_enum};

/// How long before its date something counts as expiring.
pub const EXPIRING_MONTHS: u32 = 6;

string_enum! {
    /// When a reminder is due, by how far ahead the date is.
    Threshold {
        SixMonths => "6m",
        ThreeMonths => "3m",
        OneMonth => "1m",
        /// The day has passed.
        Lapsed => "lapsed",
    }
}

impl Threshold {
    pub fn months(self) -> u32 {
        match self {
            Threshold::SixMonths => 6,
            Threshold::ThreeMonths => 3,
            Threshold::OneMonth => 1,
            Threshold::Lapsed => 0,
        }
    }

    /// The nearest threshold `expires_on` is within on `today` (one month before it, else
    /// three, else six); none further ahead, nor once the day has passed.
    pub fn due(expires_on: NaiveDate, today: NaiveDate) -> Option<Threshold> {
        if today > expires_on {
            return None;
        }
        [
            Threshold::OneMonth,
            Threshold::ThreeMonths,
            Threshold::SixMonths,
        ]
        .into_iter()
        .find(|t| {
            expires_on
                .checked_sub_months(Months::new(t.months()))
                .is_some_and(|from| today >= from)
        })
    }
}

string_enum! {
    /// What lapses.
    ExpiryKind {
        /// A registered trademark (10 years from filing, renewable).
        Trademark => "trademark",
        /// A certificate document with a valid-until date (food safety, VietGAP…).
        Certificate => "certificate",
        /// An OCOP rating (36 months from its certificate).
        Ocop => "ocop",
    }
}

/// A trademark's state as its dates give it: a registered mark past its expiry is expired.
pub fn trademark_state(
    status: TrademarkStatus,
    expires_on: Option<NaiveDate>,
    today: NaiveDate,
) -> TrademarkStatus {
    match (status, expires_on) {
        (TrademarkStatus::Registered, Some(e)) if e < today => TrademarkStatus::Expired,
        _ => status,
    }
}

/// Whether a date still to come is within the months a reminder starts.
pub fn expiring(valid_until: Option<NaiveDate>, today: NaiveDate) -> bool {
    valid_until.is_some_and(|d| d >= today && Threshold::due(d, today).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    #[test]
    fn each_threshold_starts_its_months_before_the_date_and_none_after_it() {
        let on = d(2027, 6, 30);
        assert_eq!(Threshold::due(on, d(2026, 12, 29)), None);
        assert_eq!(
            Threshold::due(on, d(2026, 12, 30)),
            Some(Threshold::SixMonths)
        );
        assert_eq!(
            Threshold::due(on, d(2027, 3, 29)),
            Some(Threshold::SixMonths)
        );
        assert_eq!(
            Threshold::due(on, d(2027, 3, 30)),
            Some(Threshold::ThreeMonths)
        );
        assert_eq!(
            Threshold::due(on, d(2027, 5, 30)),
            Some(Threshold::OneMonth)
        );
        assert_eq!(Threshold::due(on, on), Some(Threshold::OneMonth));
        assert_eq!(Threshold::due(on, d(2027, 7, 1)), None);
    }

    #[test]
    fn a_registered_mark_past_its_date_is_expired_and_expiring_before() {
        let today = d(2026, 12, 3);
        assert_eq!(
            trademark_state(TrademarkStatus::Registered, Some(d(2026, 12, 2)), today),
            TrademarkStatus::Expired
        );
        assert_eq!(
            trademark_state(TrademarkStatus::Registered, Some(today), today),
            TrademarkStatus::Registered
        );
        assert_eq!(
            trademark_state(TrademarkStatus::Filed, Some(d(2020, 1, 1)), today),
            TrademarkStatus::Filed
        );
        assert!(expiring(Some(d(2027, 5, 1)), today));
        assert!(!expiring(Some(d(2027, 7, 1)), today));
        assert!(!expiring(Some(d(2026, 12, 2)), today), "already lapsed");
        assert!(!expiring(None, today));
    }
}
