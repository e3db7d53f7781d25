//! Accounts: roles, e-mail addresses, sign-in names and passwords.

use super::{Code, Invalid, PhoneNumber, string_enum};

string_enum! {
    /// What a person may do; producers act through the enterprises they belong to.
    Role {
        Producer => "producer",
        Buyer => "buyer",
        Staff => "staff",
        Admin => "admin",
    }
}

impl Role {
    /// Centre staff and administrators: vetting, brokering, acting for producers.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}

/// A lower-cased e-mail address with one `@` and a dotted domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Self::parse_field(input, "email")
    }

    pub fn parse_field(input: &str, field: &'static str) -> Result<Self, Invalid> {
        let email = input.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                }
                None => false,
            };
        if valid {
            Ok(Email(email))
        } else {
            Err(Invalid::one(field, Code::EmailInvalid))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a person signs in: an e-mail address or a phone number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Login {
    Email(Email),
    Phone(PhoneNumber),
}

impl Login {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        if input.trim().is_empty() {
            return Err(Invalid::one("login", Code::LoginRequired));
        }
        if input.contains('@') {
            Email::parse_field(input, "login").map(Login::Email)
        } else {
            PhoneNumber::parse_field(input, "login")
                .map(Login::Phone)
                .map_err(|_| Invalid::one("login", Code::LoginInvalid))
        }
    }

    /// The canonical text, used as the rate-limiting key.
    pub fn key(&self) -> &str {
        match self {
            Login::Email(e) => e.as_str(),
            Login::Phone(p) => p.as_str(),
        }
    }
}

/// A password of reasonable length; never logged, never shown.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let count = input.chars().count();
        if count < Self::MIN_CHARS {
            return Err(Invalid::one("password", Code::PasswordTooShort));
        }
        if count > 128 {
            return Err(Invalid::one("password", Code::PasswordTooLong));
        }
        Ok(Password(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_is_email_or_phone() {
        assert!(
            matches!(Login::parse("An@Example.VN"), Ok(Login::Email(e)) if e.as_str() == "an@example.vn")
        );
        assert!(
            matches!(Login::parse("+84 912 345 678"), Ok(Login::Phone(p)) if p.as_str() == "0912345678")
        );
        assert!(Login::parse("an@").is_err());
        assert!(Login::parse("hello").is_err());
    }

    #[test]
    fn password_length_is_checked() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("đủ-dài-rồi").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("secret-secret").unwrap()),
            "Password(***)"
        );
    }
}
