//! Enterprises and products: publishing, editing for a producer, and vetting.
//!
//! Permissions are checked here, once per use case: producers act on the enterprises they
//! belong to; staff and admins act on all; buyers and visitors only read what is published.
//! Every change is written with its audit entry in one transaction.

mod access;
mod enterprises;
mod listing;
mod producers;
mod products;
mod views;

pub use access::*;
pub use enterprises::*;
pub use listing::*;
pub use producers::*;
pub use products::*;
pub use views::*;
