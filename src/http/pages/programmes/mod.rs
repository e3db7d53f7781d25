//! Support programme pages: the year's plan (`programmes/plan.html`), a programme and each
//! thing staff do with it (`programmes/show.html`), the proposal form and its print, facility
//! surveys captured on a phone (offline too), candidates for support, a producer's own
//! support and the completed programmes the public sees. One module per template.

pub mod candidates;
pub mod form;
pub mod plan;
pub mod print;
pub mod public;
pub mod show;
pub mod surveys;

use crate::context::AppState;
use crate::http::pages::PageCtx;
use crate::services::programmes::{ProgrammeEventView, ProgrammeOptions};

/// The communes a form offers, as (code, name, province code): those of the provinces the
/// catalogue's producers are in, and of the communes already chosen.
pub fn local_communes(
    state: &AppState,
    options: &ProgrammeOptions,
    chosen: &[i32],
) -> Vec<(i32, String, i32)> {
    let mut provinces: Vec<i32> = chosen
        .iter()
        .chain(options.enterprises.iter().map(|e| &e.commune_code))
        .filter_map(|c| state.reference.commune(*c))
        .map(|c| c.province_code)
        .collect();
    provinces.sort_unstable();
    provinces.dedup();
    provinces
        .iter()
        .flat_map(|p| state.reference.communes_of(*p))
        .map(|c| (c.code, c.name.clone(), c.province_code))
        .collect()
}

/// One line of a programme's timeline in the page's language.
pub fn event_line(ctx: &PageCtx, e: &ProgrammeEventView) -> String {
    let label = ctx.t(&format!("programme.event.{}", e.kind));
    match (e.kind.as_str(), e.to) {
        ("moved", Some(to)) => {
            let to = ctx.code("programme.status", to.as_str());
            if e.body.is_empty() {
                format!("{label}: {to}")
            } else {
                format!("{label}: {to} — {}", e.body)
            }
        }
        ("checklist", _) => {
            let items = e
                .body
                .split(',')
                .map(|item| ctx.t(&format!("programme.checklist.{item}")))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{label}: {items}")
        }
        _ if e.body.is_empty() => label.to_string(),
        _ => format!("{label}: {}", e.body),
    }
}

/// Deal value per đồng spent, from thousandths: `20,4`.
pub fn per_dong(ctx: &PageCtx, milli: i64) -> String {
    let whole = milli / 1000;
    let tenths = (milli % 1000) / 100;
    let sep = if ctx.lang == crate::i18n::Lang::Vi {
        ','
    } else {
        '.'
    };
    if tenths == 0 {
        whole.to_string()
    } else {
        format!("{whole}{sep}{tenths}")
    }
}
