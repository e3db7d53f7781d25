//! Pure domain types and rules: parsed once at the edge, trusted everywhere after.
//!
//! Nothing here knows about HTTP or the database. Every `parse` returns either a value that
//! is valid by construction or [`Invalid`] errors naming the field and a stable code; the
//! messages people read live in `frontend/locales`, keyed by that code.

mod account;
pub mod code;
mod enterprise;
mod error;
pub mod expiry;
pub mod fair;
pub mod import;
mod paging;
mod phone;
pub mod photo;
pub mod place;
pub mod product;
pub mod programme;
pub mod request;
mod tax_code;
pub mod text;

pub use account::{Email, Login, Password, Role};
pub use code::{Code, Kind};
pub use enterprise::{Certification, EnterpriseFields, EnterpriseInput, LegalForm};
pub use error::{FieldError, Invalid};
pub use fair::{FairFields, FairInput, FairStatus};
pub use paging::Paging;
pub use phone::PhoneNumber;
pub use product::{
    Ocop, PackagingStatus, PendingStatus, PriceRange, ProductFields, ProductInput, ProductStatus,
    Trademark, TrademarkInput, TrademarkKind, TrademarkStatus,
};
pub use programme::{
    BeneficiaryStatus, CancelReason, ChecklistItem, FundingSource, Move, MoveInput, PlanFigures,
    ProgrammeFields, ProgrammeInput, ProgrammeKind, ProgrammeStatus,
};
pub use request::{
    DeclineReason, Frequency, GuestContact, NoDealReason, Outcome, OutcomeInput, RejectReason,
    RequestFields, RequestInput, RequestKind, RequestStatus, Response, ResponseInput, SupplyKind,
    TransferDirection,
};
pub use tax_code::TaxCode;

/// Declares a closed set of string codes with their parse and display.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s.trim() { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

/// A number as it arrives: a JSON number, or text typed into a form (`1.290.000 ₫`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Num {
    Int(i64),
    Text(String),
}

impl From<i64> for Num {
    fn from(n: i64) -> Self {
        Num::Int(n)
    }
}

impl Num {
    /// Reads a whole number, ignoring thousands separators and a trailing currency sign.
    /// Empty text is no value.
    pub fn parse(
        value: Option<&Num>,
        field: &'static str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, Invalid> {
        let n = match value {
            None => return Ok(None),
            Some(Num::Int(n)) => *n,
            Some(Num::Text(text)) => {
                let digits: String = text
                    .trim()
                    .trim_end_matches(['₫', 'đ', 'd'])
                    .chars()
                    .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}' | '_'))
                    .collect();
                if digits.is_empty() {
                    return Ok(None);
                }
                digits
                    .parse::<i64>()
                    .map_err(|_| Invalid::one(field, Code::NumberInvalid))?
            }
        };
        if n < min || n > max {
            return Err(Invalid::one(field, Code::NumberOutOfRange));
        }
        Ok(Some(n))
    }
}

/// Trims text; empty becomes `None`; longer than `max` characters is an error.
pub fn optional_text(
    value: Option<&str>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, Invalid> {
    let cleaned = text::clean(value.unwrap_or_default());
    if cleaned.is_empty() {
        Ok(None)
    } else if cleaned.chars().count() > max {
        Err(Invalid::one(field, Code::TextTooLong))
    } else {
        Ok(Some(cleaned))
    }
}

/// Like [`optional_text`] but required, with at least `min` characters.
pub fn required_text(
    value: Option<&str>,
    field: &'static str,
    min: usize,
    max: usize,
) -> Result<String, Invalid> {
    match optional_text(value, field, max)? {
        None => Err(Invalid::one(field, Code::TextRequired)),
        Some(t) if t.chars().count() < min => Err(Invalid::one(field, Code::TextTooShort)),
        Some(t) => Ok(t),
    }
}

/// Long free text (descriptions): keeps line breaks, normalises each line.
pub fn long_text(value: Option<&str>, field: &'static str, max: usize) -> Result<String, Invalid> {
    let text = value
        .unwrap_or_default()
        .lines()
        .map(text::clean)
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.trim().to_string();
    if text.chars().count() > max {
        Err(Invalid::one(field, Code::TextTooLong))
    } else {
        Ok(text)
    }
}
