//! Brokering requests: what a buyer (or a seeker of technology) asks the centre for, the
//! states a request goes through, and how it ends.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::product::parse_date;
use super::{
    Code, Invalid, Num, PhoneNumber, long_text, optional_text, required_text, string_enum,
};

string_enum! {
    /// Market linkage (a buyer wants a product) or technology transfer (machinery or a process).
    RequestKind {
        Linkage => "linkage",
        TechnologyTransfer => "technology_transfer",
    }
}

string_enum! {
    /// Where a request stands. `closed_deal`, `closed_no_deal`, `rejected` and `withdrawn`
    /// are final.
    RequestStatus {
        Submitted => "submitted",
        InReview => "in_review",
        Matching => "matching",
        Forwarded => "forwarded",
        Negotiating => "negotiating",
        ClosedDeal => "closed_deal",
        ClosedNoDeal => "closed_no_deal",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
    }
}

impl RequestStatus {
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            RequestStatus::ClosedDeal
                | RequestStatus::ClosedNoDeal
                | RequestStatus::Rejected
                | RequestStatus::Withdrawn
        )
    }

    /// The states this one may move to. Rejection and withdrawal are open to every open state;
    /// a deal needs producers to have been forwarded the request; "no deal" may also end
    /// matching that found nobody.
    pub fn next(self) -> &'static [RequestStatus] {
        use RequestStatus::{
            ClosedDeal, ClosedNoDeal, Forwarded, InReview, Matching, Negotiating, Rejected,
            Submitted, Withdrawn,
        };
        match self {
            Submitted => &[InReview, Rejected, Withdrawn],
            InReview => &[Matching, Rejected, Withdrawn],
            Matching => &[Forwarded, ClosedNoDeal, Rejected, Withdrawn],
            Forwarded => &[Negotiating, ClosedDeal, ClosedNoDeal, Rejected, Withdrawn],
            Negotiating => &[ClosedDeal, ClosedNoDeal, Rejected, Withdrawn],
            ClosedDeal | ClosedNoDeal | Rejected | Withdrawn => &[],
        }
    }

    pub fn can_become(self, to: RequestStatus) -> bool {
        self.next().contains(&to)
    }
}

string_enum! {
    /// One order, or a supply contract repeated over time.
    SupplyKind {
        OneOff => "one_off",
        Contract => "contract",
    }
}

string_enum! {
    /// How often a supply contract delivers.
    Frequency {
        Weekly => "weekly",
        Monthly => "monthly",
        Quarterly => "quarterly",
        Seasonal => "seasonal",
    }
}

string_enum! {
    /// A technology-transfer request seeks machinery or a process, or offers one.
    TransferDirection {
        Seek => "seek",
        Offer => "offer",
    }
}

string_enum! {
    /// Why a request closed without a deal.
    NoDealReason {
        NoSupplier => "no_supplier",
        Price => "price",
        Quantity => "quantity",
        Quality => "quality",
        Timing => "timing",
        RequesterUnreachable => "requester_unreachable",
        RequesterChangedPlans => "requester_changed_plans",
        Other => "other",
    }
}

string_enum! {
    /// Why a producer declined a forwarded request.
    DeclineReason {
        Capacity => "capacity",
        Price => "price",
        Season => "season",
        Distance => "distance",
        NotOurProduct => "not_our_product",
        Other => "other",
    }
}

string_enum! {
    /// Why staff rejected a request.
    RejectReason {
        Spam => "spam",
        Duplicate => "duplicate",
        Unreachable => "unreachable",
        OutOfScope => "out_of_scope",
        Other => "other",
    }
}

/// A request as it arrives from a form or the API: text, to be checked.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(default)]
pub struct RequestInput {
    /// `linkage` or `technology_transfer`.
    pub kind: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// A product the request is about (market linkage).
    pub product_id: Option<i32>,
    /// An enterprise the request is addressed to.
    pub enterprise_id: Option<i32>,
    /// Category slug, e.g. `mang-kho`; for technology transfer, the sector.
    pub category: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub quantity: Option<Num>,
    pub unit: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub target_price_vnd: Option<Num>,
    /// Delivery (or project) place.
    pub province_code: Option<i32>,
    pub commune_code: Option<i32>,
    /// `YYYY-MM-DD` or `dd/mm/yyyy`.
    pub needed_by: Option<String>,
    /// `one_off` (default) or `contract`.
    pub supply: Option<String>,
    /// For a contract: `weekly`, `monthly`, `quarterly` or `seasonal`.
    pub frequency: Option<String>,
    /// For a contract: how many months it runs.
    #[schema(value_type = Option<i64>)]
    pub duration_months: Option<Num>,
    /// Technology transfer: `seek` (default) or `offer`.
    pub direction: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub budget_min_vnd: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub budget_max_vnd: Option<Num>,
    /// Guests only: who to call back.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub organisation: Option<String>,
}

/// What a linkage request asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkageTerms {
    pub quantity: Option<i64>,
    pub unit: Option<String>,
    pub target_price_vnd: Option<i64>,
    pub needed_by: Option<NaiveDate>,
    pub supply: SupplyKind,
    pub frequency: Option<Frequency>,
    pub duration_months: Option<i32>,
}

/// What a technology-transfer request seeks or offers.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferTerms {
    pub direction: TransferDirection,
    pub budget_min_vnd: Option<i64>,
    pub budget_max_vnd: Option<i64>,
}

/// A checked request. Places and categories are checked against reference data by the
/// service, which knows them.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestFields {
    pub kind: RequestKind,
    pub title: String,
    pub description: String,
    pub product_id: Option<i32>,
    pub enterprise_id: Option<i32>,
    pub category: Option<String>,
    pub province_code: Option<i32>,
    pub commune_code: Option<i32>,
    pub linkage: Option<LinkageTerms>,
    pub transfer: Option<TransferTerms>,
    pub organisation: Option<String>,
}

/// A guest's name and phone number, needed when nobody is signed in.
#[derive(Clone, Debug, PartialEq)]
pub struct GuestContact {
    pub name: String,
    pub phone: PhoneNumber,
}

const MAX_VND: i64 = 1_000_000_000_000_000;

fn parse_code<T>(
    value: Option<&str>,
    field: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, Invalid> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse(s)
            .map(Some)
            .ok_or_else(|| Invalid::one(field, Code::ChoiceInvalid)),
    }
}

impl RequestFields {
    pub fn parse(input: &RequestInput, today: NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let kind = match errors.take(parse_code(
            input.kind.as_deref(),
            "kind",
            RequestKind::parse,
        )) {
            Some(Some(k)) => Some(k),
            Some(None) => {
                errors.push("kind", Code::RequestKindRequired);
                None
            }
            None => None,
        };
        let title = errors.take(required_text(input.title.as_deref(), "title", 5, 200));
        let description = errors.take(long_text(input.description.as_deref(), "description", 5000));
        if description
            .as_deref()
            .is_some_and(|d| d.chars().count() < 10)
        {
            errors.push("description", Code::RequestDescriptionShort);
        }
        let category = input
            .category
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let organisation = errors.take(optional_text(
            input.organisation.as_deref(),
            "organisation",
            200,
        ));
        if input.commune_code.is_some() && input.province_code.is_none() {
            errors.push("province_code", Code::RequestProvinceRequired);
        }
        let linkage = match kind {
            Some(RequestKind::Linkage) => {
                let quantity = errors.take(Num::parse(
                    input.quantity.as_ref(),
                    "quantity",
                    1,
                    1_000_000_000,
                ));
                let unit = errors.take(optional_text(input.unit.as_deref(), "unit", 30));
                if matches!(quantity, Some(Some(_))) && matches!(unit, Some(None)) {
                    errors.push("unit", Code::RequestUnitRequired);
                }
                let price = errors.take(Num::parse(
                    input.target_price_vnd.as_ref(),
                    "target_price_vnd",
                    1,
                    MAX_VND,
                ));
                let needed_by = errors.take(parse_date(input.needed_by.as_deref(), "needed_by"));
                if let Some(Some(d)) = needed_by
                    && d < today
                {
                    errors.push("needed_by", Code::RequestNeededByPast);
                }
                let supply = errors
                    .take(parse_code(
                        input.supply.as_deref(),
                        "supply",
                        SupplyKind::parse,
                    ))
                    .map(|s| s.unwrap_or(SupplyKind::OneOff));
                let frequency = errors.take(parse_code(
                    input.frequency.as_deref(),
                    "frequency",
                    Frequency::parse,
                ));
                let duration = errors.take(Num::parse(
                    input.duration_months.as_ref(),
                    "duration_months",
                    1,
                    120,
                ));
                if supply == Some(SupplyKind::Contract) && matches!(frequency, Some(None)) {
                    errors.push("frequency", Code::RequestFrequencyRequired);
                }
                match (
                    quantity, unit, price, needed_by, supply, frequency, duration,
                ) {
                    (Some(q), Some(u), Some(p), Some(n), Some(s), Some(f), Some(d)) => {
                        let contract = s == SupplyKind::Contract;
                        Some(LinkageTerms {
                            quantity: q,
                            unit: u,
                            target_price_vnd: p,
                            needed_by: n,
                            supply: s,
                            frequency: f.filter(|_| contract),
                            duration_months: d.filter(|_| contract).map(|d| d as i32),
                        })
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let transfer = match kind {
            Some(RequestKind::TechnologyTransfer) => {
                let direction = errors
                    .take(parse_code(
                        input.direction.as_deref(),
                        "direction",
                        TransferDirection::parse,
                    ))
                    .map(|d| d.unwrap_or(TransferDirection::Seek));
                let min = errors.take(Num::parse(
                    input.budget_min_vnd.as_ref(),
                    "budget_min_vnd",
                    1,
                    MAX_VND,
                ));
                let max = errors.take(Num::parse(
                    input.budget_max_vnd.as_ref(),
                    "budget_max_vnd",
                    1,
                    MAX_VND,
                ));
                if let (Some(Some(a)), Some(Some(b))) = (min, max)
                    && a > b
                {
                    errors.push("budget_max_vnd", Code::RequestBudgetOrder);
                }
                match (direction, min, max) {
                    (Some(direction), Some(min), Some(max)) => Some(TransferTerms {
                        direction,
                        budget_min_vnd: min,
                        budget_max_vnd: max,
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        errors.into_result(|| RequestFields {
            kind: kind.expect("checked"),
            title: title.expect("checked"),
            description: description.expect("checked"),
            product_id: input.product_id,
            enterprise_id: input.enterprise_id,
            category,
            province_code: input.province_code,
            commune_code: input.commune_code,
            linkage,
            transfer,
            organisation: organisation.flatten(),
        })
    }
}

impl GuestContact {
    pub fn parse(input: &RequestInput) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let name = errors.take(required_text(
            input.contact_name.as_deref(),
            "contact_name",
            2,
            120,
        ));
        let phone = match input.contact_phone.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("contact_phone", Code::RequestPhoneRequired);
                None
            }
            Some(p) => errors.take(PhoneNumber::parse_field(p, "contact_phone")),
        };
        errors.into_result(|| GuestContact {
            name: name.expect("checked"),
            phone: phone.expect("checked"),
        })
    }
}

/// How a request ended, as staff record it.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Deal {
        value_vnd: i64,
        quantity: Option<i64>,
        supply: SupplyKind,
        enterprise_id: Option<i32>,
        note: Option<String>,
    },
    NoDeal {
        reason: NoDealReason,
        note: Option<String>,
    },
}

/// An outcome as it arrives.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(default)]
pub struct OutcomeInput {
    /// `deal` or `no_deal`.
    pub result: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub value_vnd: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub quantity: Option<Num>,
    /// `one_off` or `contract`.
    pub supply: Option<String>,
    /// The producer the deal was made with.
    pub enterprise_id: Option<i32>,
    /// No deal: `no_supplier`, `price`, `quantity`, `quality`, `timing`,
    /// `requester_unreachable`, `requester_changed_plans` or `other`.
    pub reason: Option<String>,
    pub note: Option<String>,
}

impl Outcome {
    pub fn parse(input: &OutcomeInput) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let note = errors
            .take(long_text(input.note.as_deref(), "note", 2000))
            .map(|n| Some(n).filter(|n| !n.is_empty()));
        match input.result.as_deref().map(str::trim) {
            Some("deal") => {
                let value = match errors.take(Num::parse(
                    input.value_vnd.as_ref(),
                    "value_vnd",
                    1,
                    MAX_VND,
                )) {
                    Some(None) => {
                        errors.push("value_vnd", Code::RequestDealValueRequired);
                        None
                    }
                    v => v.flatten(),
                };
                let quantity = errors.take(Num::parse(
                    input.quantity.as_ref(),
                    "quantity",
                    1,
                    1_000_000_000,
                ));
                let supply = errors.take(parse_code(
                    input.supply.as_deref(),
                    "supply",
                    SupplyKind::parse,
                ));
                errors.into_result(|| Outcome::Deal {
                    value_vnd: value.expect("checked"),
                    quantity: quantity.flatten(),
                    supply: supply.flatten().unwrap_or(SupplyKind::OneOff),
                    enterprise_id: input.enterprise_id,
                    note: note.flatten(),
                })
            }
            Some("no_deal") => {
                let reason = match errors.take(parse_code(
                    input.reason.as_deref(),
                    "reason",
                    NoDealReason::parse,
                )) {
                    Some(None) => {
                        errors.push("reason", Code::RequestReasonRequired);
                        None
                    }
                    r => r.flatten(),
                };
                if reason == Some(NoDealReason::Other) && matches!(note, Some(None)) {
                    errors.push("note", Code::RequestNoteRequired);
                }
                errors.into_result(|| Outcome::NoDeal {
                    reason: reason.expect("checked"),
                    note: note.flatten(),
                })
            }
            _ => Err(Invalid::one("result", Code::RequestResultRequired)),
        }
    }

    pub fn status(&self) -> RequestStatus {
        match self {
            Outcome::Deal { .. } => RequestStatus::ClosedDeal,
            Outcome::NoDeal { .. } => RequestStatus::ClosedNoDeal,
        }
    }
}

/// A producer's answer to a forwarded request.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    Interested {
        price_vnd: Option<i64>,
        quantity: Option<i64>,
        lead_time_days: Option<i32>,
        message: Option<String>,
    },
    Declined {
        reason: DeclineReason,
        message: Option<String>,
    },
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(default)]
pub struct ResponseInput {
    /// `interested` or `declined`.
    pub answer: Option<String>,
    /// Offered unit price in VND.
    #[schema(value_type = Option<i64>)]
    pub price_vnd: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub quantity: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub lead_time_days: Option<Num>,
    pub message: Option<String>,
    /// Declined: `capacity`, `price`, `season`, `distance`, `not_our_product` or `other`.
    pub reason: Option<String>,
}

impl Response {
    pub fn parse(input: &ResponseInput) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let message = errors
            .take(long_text(input.message.as_deref(), "message", 2000))
            .map(|m| Some(m).filter(|m| !m.is_empty()));
        match input.answer.as_deref().map(str::trim) {
            Some("interested") => {
                let price = errors.take(Num::parse(
                    input.price_vnd.as_ref(),
                    "price_vnd",
                    1,
                    MAX_VND,
                ));
                let quantity = errors.take(Num::parse(
                    input.quantity.as_ref(),
                    "quantity",
                    1,
                    1_000_000_000,
                ));
                let lead = errors.take(Num::parse(
                    input.lead_time_days.as_ref(),
                    "lead_time_days",
                    0,
                    730,
                ));
                errors.into_result(|| Response::Interested {
                    price_vnd: price.flatten(),
                    quantity: quantity.flatten(),
                    lead_time_days: lead.flatten().map(|d| d as i32),
                    message: message.flatten(),
                })
            }
            Some("declined") => {
                let reason = match errors.take(parse_code(
                    input.reason.as_deref(),
                    "reason",
                    DeclineReason::parse,
                )) {
                    Some(None) => {
                        errors.push("reason", Code::RequestReasonRequired);
                        None
                    }
                    r => r.flatten(),
                };
                errors.into_result(|| Response::Declined {
                    reason: reason.expect("checked"),
                    message: message.flatten(),
                })
            }
            _ => Err(Invalid::one("answer", Code::RequestAnswerRequired)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        use RequestStatus::*;
        let allowed = [
            (Submitted, InReview),
            (InReview, Matching),
            (Matching, Forwarded),
            (Forwarded, Negotiating),
            (Negotiating, ClosedDeal),
            (Negotiating, ClosedNoDeal),
            (Forwarded, ClosedDeal),
            (Forwarded, ClosedNoDeal),
            (Matching, ClosedNoDeal),
        ];
        for from in RequestStatus::ALL {
            for to in RequestStatus::ALL {
                let expected = allowed.contains(&(*from, *to))
                    || (from.is_open() && matches!(to, Rejected | Withdrawn));
                assert_eq!(from.can_become(*to), expected, "{from} → {to}");
            }
        }
    }

    #[test]
    fn a_contract_needs_its_frequency_and_quantity_its_unit() {
        let input = RequestInput {
            kind: Some("linkage".into()),
            title: Some("Cần 5 tấn măng khô mỗi tháng".into()),
            description: Some("Siêu thị ở Hà Nội cần nguồn măng khô ổn định.".into()),
            quantity: Some(Num::Text("5.000".into())),
            supply: Some("contract".into()),
            needed_by: Some("01/01/2027".into()),
            ..Default::default()
        };
        let err = RequestFields::parse(&input, day("2026-11-28")).unwrap_err();
        assert!(err.has("unit") && err.has("frequency"), "{err:?}");
        let ok = RequestFields::parse(
            &RequestInput {
                unit: Some("kg".into()),
                frequency: Some("monthly".into()),
                duration_months: Some(Num::Int(12)),
                ..input
            },
            day("2026-11-28"),
        )
        .unwrap();
        let terms = ok.linkage.unwrap();
        assert_eq!(terms.quantity, Some(5000));
        assert_eq!(terms.frequency, Some(Frequency::Monthly));
        assert_eq!(terms.needed_by, Some(day("2027-01-01")));
    }

    #[test]
    fn past_dates_and_inverted_budgets_are_refused() {
        let err = RequestFields::parse(
            &RequestInput {
                kind: Some("linkage".into()),
                title: Some("Cần gạch không nung".into()),
                description: Some("Công trình trường học cần gạch.".into()),
                needed_by: Some("2026-01-01".into()),
                ..Default::default()
            },
            day("2026-11-28"),
        )
        .unwrap_err();
        assert!(err.has("needed_by"));
        let err = RequestFields::parse(
            &RequestInput {
                kind: Some("technology_transfer".into()),
                title: Some("Tìm dây chuyền sấy miến".into()),
                description: Some("Hợp tác xã cần máy sấy miến dong.".into()),
                budget_min_vnd: Some(Num::Int(500_000_000)),
                budget_max_vnd: Some(Num::Int(100_000_000)),
                ..Default::default()
            },
            day("2026-11-28"),
        )
        .unwrap_err();
        assert!(err.has("budget_max_vnd"));
    }

    #[test]
    fn outcomes_need_a_value_or_a_reason() {
        assert!(Outcome::parse(&OutcomeInput::default()).is_err());
        let deal = Outcome::parse(&OutcomeInput {
            result: Some("deal".into()),
            value_vnd: Some(Num::Text("1.290.000.000 ₫".into())),
            ..Default::default()
        })
        .unwrap();
        assert!(matches!(
            deal,
            Outcome::Deal {
                value_vnd: 1_290_000_000,
                ..
            }
        ));
        let err = Outcome::parse(&OutcomeInput {
            result: Some("no_deal".into()),
            reason: Some("other".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(err.has("note"));
    }
}
