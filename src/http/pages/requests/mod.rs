//! Brokering pages: the request form (from a product, an enterprise, a search with no
//! results, or blank), "my requests" for buyers and producers, the staff desk, the numbers,
//! and the inbox. Every page works as plain forms; scripts only add conveniences. One module
//! per template: `requests/*.html`, `staff/request*.html` and `inbox.html`.

pub mod desk;
pub mod desk_request;
pub mod form;
pub mod inbox;
pub mod list;
pub mod show;
pub mod stats;

use crate::http::pages::PageCtx;
pub(crate) use crate::http::pages::forms::{opt_i32, opt_num, opt_text};
pub(crate) use crate::http::pages::page_error;
use crate::services::requests::EventView;

/// One line of the timeline in the page's language.
pub fn event_line(ctx: &PageCtx, e: &EventView) -> String {
    let label = ctx.t(&format!("event.{}", e.kind));
    match e.kind.as_str() {
        "status" | "closed" => {
            let to = e
                .to_status
                .map(|s| ctx.code("rstatus", s.as_str()))
                .unwrap_or_default();
            if e.body.is_empty() {
                format!("{label}: {to}")
            } else {
                format!("{label}: {to} — {}", e.body)
            }
        }
        _ if e.body.is_empty() => label.to_string(),
        _ => format!("{label}: {}", e.body),
    }
}
