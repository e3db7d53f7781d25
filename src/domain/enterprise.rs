//! Enterprises: the household businesses, cooperatives and companies that make the products.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    Code, Email, Invalid, Num, PhoneNumber, TaxCode, long_text, optional_text, required_text,
    string_enum,
};

string_enum! {
    /// Legal form (loại hình): hộ kinh doanh, hợp tác xã, tổ hợp tác, doanh nghiệp.
    LegalForm {
        HouseholdBusiness => "household_business",
        Cooperative => "cooperative",
        CooperativeGroup => "cooperative_group",
        Company => "company",
    }
}

string_enum! {
    /// Certifications an enterprise or product holds.
    Certification {
        Vietgap => "vietgap",
        Organic => "organic",
        Haccp => "haccp",
        Iso22000 => "iso22000",
        FoodSafety => "food_safety",
        Tcvn => "tcvn",
    }
}

impl Certification {
    /// Parses a list, dropping duplicates and keeping a stable order.
    pub fn parse_list(values: &[String], field: &'static str) -> Result<Vec<Self>, Invalid> {
        let mut out = Vec::new();
        for v in values.iter().filter(|v| !v.trim().is_empty()) {
            match Certification::parse(v) {
                Some(c) if !out.contains(&c) => out.push(c),
                Some(_) => {}
                None => return Err(Invalid::one(field, Code::CertificationUnknown)),
            }
        }
        out.sort();
        Ok(out)
    }

    /// Stored as `vietgap,haccp`.
    pub fn join(list: &[Self]) -> String {
        list.iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn split(stored: &str) -> Vec<Self> {
        stored.split(',').filter_map(Certification::parse).collect()
    }
}

/// An enterprise as submitted by a form or the API, before it is checked.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct EnterpriseInput {
    pub name: Option<String>,
    /// `household_business`, `cooperative`, `cooperative_group` or `company`.
    pub legal_form: Option<String>,
    /// 10 digits, or 13 for a branch (`0100047516-001`); check digit verified.
    pub tax_code: Option<String>,
    /// Statistical code of the commune (since 1 July 2025).
    #[schema(value_type = Option<i64>)]
    pub commune_code: Option<Num>,
    /// Street address or village, without the commune.
    pub address: Option<String>,
    /// Any common spelling: `+84 912 345 678`, `0912.345.678`.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub founded_year: Option<Num>,
    #[schema(value_type = Option<i64>)]
    pub workforce: Option<Num>,
    /// Codes: `vietgap`, `organic`, `haccp`, `iso22000`, `food_safety`, `tcvn`.
    pub certifications: Option<Vec<String>>,
}

/// A checked enterprise.
#[derive(Clone, Debug, PartialEq)]
pub struct EnterpriseFields {
    pub name: String,
    pub legal_form: LegalForm,
    pub tax_code: Option<TaxCode>,
    pub commune_code: i32,
    pub address: String,
    pub phone: PhoneNumber,
    pub email: Option<Email>,
    pub description: String,
    pub founded_year: Option<i32>,
    pub workforce: Option<i32>,
    pub certifications: Vec<Certification>,
}

impl EnterpriseFields {
    /// `today` bounds the founding year (it may not lie ahead).
    pub fn parse(input: &EnterpriseInput, today: chrono::NaiveDate) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let name = errors.take(required_text(input.name.as_deref(), "name", 2, 200));
        let legal_form = match input.legal_form.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("legal_form", Code::LegalFormRequired);
                None
            }
            Some(v) => LegalForm::parse(v).or_else(|| {
                errors.push("legal_form", Code::LegalFormUnknown);
                None
            }),
        };
        let tax_code = match input.tax_code.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(v) => errors.take(TaxCode::parse(v)).map(Some),
        };
        let commune_code = match errors.take(Num::parse(
            input.commune_code.as_ref(),
            "commune_code",
            1,
            i32::MAX.into(),
        )) {
            Some(Some(code)) => i32::try_from(code).ok(),
            Some(None) => {
                errors.push("commune_code", Code::CommuneRequired);
                None
            }
            None => None,
        };
        let address = errors.take(optional_text(input.address.as_deref(), "address", 300));
        let phone = match input.phone.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push("phone", Code::PhoneRequired);
                None
            }
            Some(v) => errors.take(PhoneNumber::parse(v)),
        };
        let email = match input.email.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(v) => errors.take(Email::parse(v)).map(Some),
        };
        let description = errors.take(long_text(input.description.as_deref(), "description", 5000));
        let this_year = i64::from(chrono::Datelike::year(&today));
        let founded_year = errors
            .take(Num::parse(
                input.founded_year.as_ref(),
                "founded_year",
                1900,
                this_year,
            ))
            .map(|v| v.and_then(|y| i32::try_from(y).ok()));
        let workforce = errors
            .take(Num::parse(
                input.workforce.as_ref(),
                "workforce",
                1,
                100_000,
            ))
            .map(|v| v.and_then(|w| i32::try_from(w).ok()));
        let certifications = errors.take(Certification::parse_list(
            input.certifications.as_deref().unwrap_or_default(),
            "certifications",
        ));
        match (
            name,
            legal_form,
            tax_code,
            commune_code,
            address,
            phone,
            email,
            description,
            founded_year,
            workforce,
            certifications,
        ) {
            (
                Some(name),
                Some(legal_form),
                Some(tax_code),
                Some(commune_code),
                Some(address),
                Some(phone),
                Some(email),
                Some(description),
                Some(founded_year),
                Some(workforce),
                Some(certifications),
            ) if errors.0.is_empty() => Ok(EnterpriseFields {
                name,
                legal_form,
                tax_code,
                commune_code,
                address: address.unwrap_or_default(),
                phone,
                email,
                description,
                founded_year,
                workforce,
                certifications,
            }),
            _ => Err(errors),
        }
    }

    /// Back to input form, for editing and for merging a partial update.
    pub fn to_input(&self) -> EnterpriseInput {
        EnterpriseInput {
            name: Some(self.name.clone()),
            legal_form: Some(self.legal_form.as_str().into()),
            tax_code: self.tax_code.as_ref().map(|t| t.as_str().into()),
            commune_code: Some(Num::Int(self.commune_code.into())),
            address: Some(self.address.clone()),
            phone: Some(self.phone.as_str().into()),
            email: self.email.as_ref().map(|e| e.as_str().into()),
            description: Some(self.description.clone()),
            founded_year: self.founded_year.map(|y| Num::Int(y.into())),
            workforce: self.workforce.map(|w| Num::Int(w.into())),
            certifications: Some(
                self.certifications
                    .iter()
                    .map(|c| c.as_str().into())
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The day the checks count from.
    fn day() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date")
    }

    fn valid() -> EnterpriseInput {
        EnterpriseInput {
            name: Some("  Hợp tác xã   Miến dong Côn Minh ".into()),
            legal_form: Some("cooperative".into()),
            tax_code: Some("0100047516".into()),
            commune_code: Some(Num::Text("1234".into())),
            phone: Some("+84 912 345 678".into()),
            ..Default::default()
        }
    }

    #[test]
    fn parses_and_normalises() {
        let e = EnterpriseFields::parse(&valid(), day()).unwrap();
        assert_eq!(e.name, "Hợp tác xã Miến dong Côn Minh");
        assert_eq!(e.phone.as_str(), "0912345678");
        assert_eq!(e.commune_code, 1234);
    }

    #[test]
    fn reports_every_bad_field() {
        let input = EnterpriseInput {
            name: Some("A".into()),
            legal_form: Some("llc".into()),
            tax_code: Some("0100047517".into()),
            phone: None,
            email: Some("not-an-email".into()),
            founded_year: Some(Num::Text("3000".into())),
            ..Default::default()
        };
        let err = EnterpriseFields::parse(&input, day()).unwrap_err();
        let codes: Vec<_> = err.0.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("name", Code::TextTooShort),
                ("legal_form", Code::LegalFormUnknown),
                ("tax_code", Code::TaxCodeCheckDigit),
                ("commune_code", Code::CommuneRequired),
                ("phone", Code::PhoneRequired),
                ("email", Code::EmailInvalid),
                ("founded_year", Code::NumberOutOfRange),
            ]
        );
    }
}
