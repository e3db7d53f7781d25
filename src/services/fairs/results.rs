//! A fair's results: scans, visits, leads and deals per exhibitor, and their CSV.

use super::{FairKey, FairSummary, get, list};
use crate::context::AppState;
use crate::db::entities::{fair_exhibitor, fair_hit, request};
use crate::domain::FairStatus;
use crate::error::AppResult;
use crate::i18n::{Lang, t};
use crate::services::Actor;
use crate::services::requests::RequestSource;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ResultRow {
    /// Empty for the fair as a whole.
    pub booth: String,
    pub enterprise: String,
    pub scans: u64,
    pub visits: u64,
    /// Requests captured at the booth.
    pub leads: u64,
    /// Every request that came from the fair (leads, and requests after a scan).
    pub requests: u64,
    pub deals: u64,
    pub deal_value_vnd: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FairResults {
    pub fair: FairSummary,
    pub total: ResultRow,
    pub exhibitors: Vec<ResultRow>,
}

/// Scans, visits, leads, requests, deals and deal value, per fair and per exhibitor (staff).
pub async fn results(state: &AppState, actor: &Actor, key: FairKey<'_>) -> AppResult<FairResults> {
    actor.require_staff()?;
    let fair = get(state, key).await?;
    let fair_id = fair.id;
    let hits = fair_hit::Entity::find()
        .filter(fair_hit::Column::FairId.eq(fair_id))
        .all(&state.db)
        .await?;
    let reqs = request::Entity::find()
        .filter(request::Column::FairId.eq(fair_id))
        .all(&state.db)
        .await?;
    let tally = |row: &mut ResultRow,
                 hit_of: &dyn Fn(&fair_hit::Model) -> bool,
                 req_of: &dyn Fn(&request::Model) -> bool| {
        for h in hits.iter().filter(|h| hit_of(h)) {
            match h.kind.as_str() {
                "scan" => row.scans += 1,
                _ => row.visits += 1,
            }
        }
        for r in reqs.iter().filter(|r| req_of(r)) {
            row.requests += 1;
            if r.source == RequestSource::Fair.as_str() {
                row.leads += 1;
            }
            if r.status == crate::domain::RequestStatus::ClosedDeal {
                row.deals += 1;
                row.deal_value_vnd += r.deal_value_vnd.unwrap_or(0);
            }
        }
    };
    let mut total = ResultRow::default();
    tally(&mut total, &|_| true, &|_| true);
    let mut rows = Vec::new();
    for x in &fair.exhibitors {
        let mut row = ResultRow {
            booth: x.booth.clone(),
            enterprise: x.enterprise.name.clone(),
            ..Default::default()
        };
        let product_ids: Vec<i32> = x.products.iter().map(|p| p.id).collect();
        tally(
            &mut row,
            &|h| {
                h.exhibitor_id == Some(x.id)
                    || h.product_id.is_some_and(|p| product_ids.contains(&p))
            },
            &|r| {
                r.enterprise_id == Some(x.enterprise.id)
                    || r.deal_enterprise_id == Some(x.enterprise.id)
            },
        );
        rows.push(row);
    }
    Ok(FairResults {
        fair: FairSummary {
            id: fair.id,
            slug: fair.slug.clone(),
            url: fair.url.clone(),
            name: fair.name.clone(),
            starts_on: fair.starts_on,
            ends_on: fair.ends_on,
            venue: fair.venue.clone(),
            province: fair.province.clone(),
            status: fair.status,
        },
        total,
        exhibitors: rows,
    })
}

/// The results as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Vietnamese).
pub fn results_csv(r: &FairResults, lang: Lang) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "fair.csv.booth",
        "fair.csv.enterprise",
        "fair.csv.scans",
        "fair.csv.visits",
        "fair.csv.leads",
        "fair.csv.requests",
        "fair.csv.deals",
        "fair.csv.deal_value",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect::<Vec<_>>()
    .join(",");
    out.push_str(&header);
    out.push_str("\r\n");
    let mut line = |row: &ResultRow, booth: &str, name: &str| {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\r\n",
            csv_text(booth),
            csv_text(name),
            row.scans,
            row.visits,
            row.leads,
            row.requests,
            row.deals,
            row.deal_value_vnd
        ));
    };
    for row in &r.exhibitors {
        line(row, &row.booth, &row.enterprise);
    }
    line(&r.total, "", t(lang, "fair.csv.total"));
    out
}

/// A text cell, quoted. One that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`,
/// a tab or a carriage return first) gets a `'` in front, so it stays text; numbers are
/// written unquoted by the caller and stay numbers.
pub(super) fn csv_text(s: &str) -> String {
    let guard = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        "'"
    } else {
        ""
    };
    format!("\"{guard}{}\"", s.replace('"', "\"\""))
}

/// The booths of the given enterprises at fairs that are not over: (fair, booth).
pub async fn booths_of(
    state: &AppState,
    enterprise_ids: &[i32],
) -> AppResult<Vec<(FairSummary, String)>> {
    if enterprise_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = fair_exhibitor::Entity::find()
        .filter(fair_exhibitor::Column::EnterpriseId.is_in(enterprise_ids.to_vec()))
        .all(&state.db)
        .await?;
    let fairs = list(state).await?;
    Ok(rows
        .into_iter()
        .filter_map(|x| {
            fairs
                .iter()
                .find(|f| f.id == x.fair_id && f.status != FairStatus::Closed)
                .map(|f| (f.clone(), x.booth))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::csv_text;

    #[test]
    fn csv_text_that_would_be_a_formula_is_kept_as_text() {
        for (cell, written) in [
            ("=1+1", "\"'=1+1\""),
            ("+84 912 345 678", "\"'+84 912 345 678\""),
            ("-A1", "\"'-A1\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\t=1", "\"'\t=1\""),
            ("\r=1", "\"'\r=1\""),
            ("HTX \"Côn Minh\"", "\"HTX \"\"Côn Minh\"\"\""),
            ("A2", "\"A2\""),
        ] {
            assert_eq!(csv_text(cell), written, "{cell:?}");
        }
    }
}
