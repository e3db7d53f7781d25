//! Validation errors: which field, and a stable code that names what is wrong.

use serde::Serialize;

use super::Code;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    /// What is wrong, such as `tax_code.check_digit`.
    pub code: Code,
}

/// Every problem found in one input, so a form can show them all at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| e.code.as_str()).collect::<Vec<_>>().join(", "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: &'static str, code: Code) -> Self {
        Invalid(vec![FieldError { field, code }])
    }

    pub fn push(&mut self, field: &'static str, code: Code) {
        self.0.push(FieldError { field, code });
    }

    /// Keeps the value when it parsed, records the error otherwise.
    pub fn take<T>(&mut self, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.extend(e.0);
                None
            }
        }
    }

    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Invalid> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
}
