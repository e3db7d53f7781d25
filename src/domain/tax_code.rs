//! Vietnamese tax codes (mã số thuế): 10 digits with a check digit, or 13 for a branch.

use super::{Code, Invalid};

const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/// A tax code in its canonical form: `0100047516` or `0100047516-001`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaxCode(String);

impl TaxCode {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        const FIELD: &str = "tax_code";
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
            .collect();
        if compact.is_empty() || !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::one(FIELD, Code::TaxCodeDigits));
        }
        if compact.len() != 10 && compact.len() != 13 {
            return Err(Invalid::one(FIELD, Code::TaxCodeLength));
        }
        let digits: Vec<u32> = compact.chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        let remainder = sum % 11;
        if remainder == 0 || 10 - remainder != digits[9] {
            return Err(Invalid::one(FIELD, Code::TaxCodeCheckDigit));
        }
        if compact.len() == 13 {
            if &compact[10..] == "000" {
                return Err(Invalid::one(FIELD, Code::TaxCodeBranch));
            }
            return Ok(TaxCode(format!("{}-{}", &compact[..10], &compact[10..])));
        }
        Ok(TaxCode(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_codes_in_any_spacing() {
        assert_eq!(
            TaxCode::parse("0100047516").map(|t| t.0),
            Ok("0100047516".into())
        );
        assert_eq!(
            TaxCode::parse("0100047516-001").map(|t| t.0),
            Ok("0100047516-001".into())
        );
        assert_eq!(
            TaxCode::parse(" 0100047516001 ").map(|t| t.0),
            Ok("0100047516-001".into())
        );
    }

    #[test]
    fn refuses_wrong_check_digit_length_and_letters() {
        let code = |r: Result<TaxCode, Invalid>| r.err().map(|e| e.0[0].code);
        assert_eq!(
            code(TaxCode::parse("0100047517")),
            Some(Code::TaxCodeCheckDigit)
        );
        assert_eq!(code(TaxCode::parse("010004751")), Some(Code::TaxCodeLength));
        assert_eq!(
            code(TaxCode::parse("01000475AB")),
            Some(Code::TaxCodeDigits)
        );
        assert_eq!(
            code(TaxCode::parse("0100047516-000")),
            Some(Code::TaxCodeBranch)
        );
    }

    #[test]
    fn a_prefix_with_remainder_zero_has_no_valid_code() {
        // Find a nine-digit prefix whose weighted sum is divisible by 11: no tenth digit works.
        let prefix = (100_000_000u32..)
            .map(|n| format!("{n:09}"))
            .find(|p| {
                p.chars()
                    .filter_map(|c| c.to_digit(10))
                    .zip(WEIGHTS)
                    .map(|(d, w)| d * w)
                    .sum::<u32>()
                    % 11
                    == 0
            })
            .expect("such a prefix exists");
        for last in 0..=9 {
            assert!(TaxCode::parse(&format!("{prefix}{last}")).is_err());
        }
    }
}
