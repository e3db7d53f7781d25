//! Reference data (categories, provinces, communes) for the pages and API; it lives in
//! [`crate::db::reference`].

pub use crate::db::reference::*;
