//! Use cases: each combines the database and the permission rules for one thing a person does.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod category_terms;
pub mod dashboard;
pub mod demo;
pub mod expiry;
pub mod exports;
pub mod fairs;
pub mod health;
pub mod imports;
pub mod media;
pub mod notify;
pub mod page_cache;
pub mod printing;
pub mod programmes;
pub mod reference;
pub mod reports;
pub mod requests;
pub mod search;
pub mod search_sync;
pub mod synonyms;
pub mod throttle;

use crate::domain::Role;
use crate::error::{AppError, AppResult};

/// Who is acting: a signed-in user or a visitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Visitor,
    User(SignedIn),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub id: i32,
    pub role: Role,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl Actor {
    pub fn user(&self) -> Option<&SignedIn> {
        match self {
            Actor::User(u) => Some(u),
            Actor::Visitor => None,
        }
    }

    pub fn id(&self) -> Option<i32> {
        self.user().map(|u| u.id)
    }

    pub fn is_staff(&self) -> bool {
        self.user().is_some_and(|u| u.role.is_staff())
    }

    pub fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }

    /// Anyone signed in: a visitor is asked to sign in.
    pub fn require_signed_in(&self) -> AppResult<&SignedIn> {
        self.user().ok_or(AppError::Unauthenticated)
    }

    /// Staff (or an admin): a visitor is asked to sign in, anyone else is refused.
    pub fn require_staff(&self) -> AppResult<&SignedIn> {
        match self.user() {
            None => Err(AppError::Unauthenticated),
            Some(u) if u.role.is_staff() => Ok(u),
            Some(_) => Err(AppError::Forbidden),
        }
    }

    /// An administrator: a visitor is asked to sign in, anyone else is refused.
    pub fn require_admin(&self) -> AppResult<&SignedIn> {
        match self.user() {
            None => Err(AppError::Unauthenticated),
            Some(u) if u.role == Role::Admin => Ok(u),
            Some(_) => Err(AppError::Forbidden),
        }
    }
}
