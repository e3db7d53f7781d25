//! A fair's results (`fairs/results.html`) and their CSV.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::fairs::{self, FairResults};

#[derive(Template)]
#[template(path = "fairs/results.html")]
struct ResultsPage {
    ctx: PageCtx,
    r: FairResults,
}

impl ResultsPage {
    fn bar(&self, value: u64) -> u64 {
        let max = self
            .r
            .exhibitors
            .iter()
            .map(|x| x.scans + x.visits)
            .max()
            .unwrap_or(0)
            .max(1);
        value * 100 / max
    }
}

pub async fn results(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> PageResult {
    let r = fairs::results(&state, &ctx.actor, fairs::FairKey::Slug(&slug)).await?;
    Ok(render(&ResultsPage { ctx, r }))
}

pub async fn results_csv(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> PageResult {
    let r = fairs::results(&state, &ctx.actor, fairs::FairKey::Slug(&slug)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{slug}-ket-qua.csv\""),
            ),
        ],
        fairs::results_csv(&r, ctx.lang),
    )
        .into_response())
}

/// The same table as a workbook.
pub async fn results_xlsx(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> PageResult {
    use crate::sheet::{Cell, Table};
    let r = fairs::results(&state, &ctx.actor, fairs::FairKey::Slug(&slug)).await?;
    let n = |v: u64| Cell::Int(i64::try_from(v).unwrap_or(i64::MAX));
    let line = |row: &fairs::ResultRow, booth: &str, name: &str| {
        vec![
            Cell::from(booth),
            Cell::from(name),
            n(row.scans),
            n(row.visits),
            n(row.leads),
            n(row.requests),
            n(row.deals),
            Cell::Int(row.deal_value_vnd),
        ]
    };
    let mut rows: Vec<Vec<Cell>> = r
        .exhibitors
        .iter()
        .map(|row| line(row, &row.booth, &row.enterprise))
        .collect();
    rows.push(line(&r.total, "", ctx.t("fair.csv.total")));
    let table = Table {
        name: r.fair.name.clone(),
        headers: [
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
        .map(|k| ctx.t(k).to_string())
        .collect(),
        rows,
        ..Table::default()
    };
    crate::http::pages::staff::reports::download(&[table], "xlsx", &format!("{slug}-ket-qua"))
}
