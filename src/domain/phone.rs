//! Vietnamese phone numbers: `+84 912 345 678`, `0912.345.678` and `84912345678` are one number.

use super::{Code, Invalid};

/// Stored in national form, `0912345678`; shown grouped, `0912 345 678`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Self::parse_field(input, "phone")
    }

    pub fn parse_field(input: &str, field: &'static str) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || " .-()+".contains(c)))
        {
            return Err(Invalid::one(field, Code::PhoneInvalid));
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let national =
            if trimmed.starts_with('+') || (digits.starts_with("84") && digits.len() >= 11) {
                match digits.strip_prefix("84") {
                    Some(rest) => format!("0{}", rest.trim_start_matches('0')),
                    None => return Err(Invalid::one(field, Code::PhoneInvalid)),
                }
            } else {
                digits
            };
        let valid = national.starts_with('0')
            && match national.as_bytes().get(1) {
                // Mobile numbers: ten digits, 03x, 05x, 07x, 08x, 09x.
                Some(b'3' | b'5' | b'7' | b'8' | b'9') => national.len() == 10,
                // Landlines: eleven digits beginning 02.
                Some(b'2') => national.len() == 11,
                _ => false,
            };
        if valid {
            Ok(PhoneNumber(national))
        } else {
            Err(Invalid::one(field, Code::PhoneInvalid))
        }
    }

    /// The canonical national form, as stored and matched.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `0912 345 678` (mobile) or `0209 3870 123` (landline).
    pub fn display(&self) -> String {
        let s = &self.0;
        if s.len() == 10 {
            format!("{} {} {}", &s[..4], &s[4..7], &s[7..])
        } else {
            format!("{} {} {}", &s[..4], &s[4..8], &s[8..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_number_are_equal() {
        let a = PhoneNumber::parse("+84 912 345 678").unwrap();
        let b = PhoneNumber::parse("0912.345.678").unwrap();
        let c = PhoneNumber::parse("84912345678").unwrap();
        let d = PhoneNumber::parse("(+84) 0912-345-678").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(c, d);
        assert_eq!(a.as_str(), "0912345678");
        assert_eq!(a.display(), "0912 345 678");
    }

    #[test]
    fn landlines_have_eleven_digits() {
        let p = PhoneNumber::parse("0209 3870 123").unwrap();
        assert_eq!(p.as_str(), "02093870123");
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        for bad in [
            "",
            "12345",
            "0112345678",
            "09123456789",
            "0912abc678",
            "+1 202 555 0100",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
