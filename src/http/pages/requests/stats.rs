//! The desk's numbers (`staff/request_stats.html`).

use askama::Template;
use axum::extract::{Query, State};

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::requests::{self, Stats, StatsQuery};
use crate::sheet::{Cell, Table};

#[derive(Template)]
#[template(path = "staff/request_stats.html")]
struct StatsPage {
    ctx: PageCtx,
    s: Stats,
    query: String,
}

impl StatsPage {
    fn tables(&self) -> Vec<(&'static str, &[crate::services::requests::StatsRow])> {
        vec![
            (self.ctx.t("stats.by_month"), self.s.by_month.as_slice()),
            (
                self.ctx.t("stats.by_category"),
                self.s.by_category.as_slice(),
            ),
            (
                self.ctx.t("stats.by_province"),
                self.s.by_province.as_slice(),
            ),
        ]
    }
    /// Width of a bar, in percent of the largest value in its table.
    fn bar(&self, value: &u64, rows: &[crate::services::requests::StatsRow]) -> u64 {
        let max = rows.iter().map(|r| r.requests).max().unwrap_or(0).max(1);
        value * 100 / max
    }
    fn percent(&self, v: &Option<f64>) -> String {
        v.map_or("–".into(), |v| format!("{:.0} %", v * 100.0))
    }
    fn number(&self, v: &Option<f64>) -> String {
        v.map_or("–".into(), |v| format!("{v:.1}").replace('.', ","))
    }
    fn billions(&self, v: &i64) -> String {
        if *v >= 1_000_000_000 {
            format!(
                "{} tỷ đồng",
                format!("{:.2}", *v as f64 / 1e9).replace('.', ",")
            )
        } else {
            self.ctx.vnd(*v)
        }
    }
}

#[derive(serde::Deserialize)]
pub struct Format {
    format: Option<String>,
}

/// The numbers as tables: the summary, then by state, month, product group and province.
fn tables(page: &StatsPage) -> Vec<Table> {
    let t = |k: &str| page.ctx.t(k).to_string();
    let n = |v: u64| Cell::Int(i64::try_from(v).unwrap_or(i64::MAX));
    let s = &page.s;
    let mut out = vec![Table {
        name: t("desk.numbers"),
        headers: vec![t("report.figure"), t("report.value")],
        rows: vec![
            vec![
                Cell::Text(t("stats.from")),
                Cell::Text(s.from.format("%d/%m/%Y").to_string()),
            ],
            vec![
                Cell::Text(t("stats.to")),
                Cell::Text(s.to.format("%d/%m/%Y").to_string()),
            ],
            vec![Cell::Text(t("stats.total")), n(s.total)],
            vec![Cell::Text(t("stats.open")), n(s.open)],
            vec![
                Cell::Text(t("stats.first_response")),
                Cell::Text(page.number(&s.median_hours_to_first_response)),
            ],
            vec![
                Cell::Text(t("stats.to_close")),
                Cell::Text(page.number(&s.median_days_to_close)),
            ],
            vec![
                Cell::Text(t("stats.conversion")),
                Cell::Text(page.percent(&s.conversion_rate)),
            ],
            vec![Cell::Text(t("stats.deals")), n(s.deals)],
            vec![
                Cell::Text(t("stats.deal_value")),
                Cell::Int(s.deal_value_vnd),
            ],
        ],
        ..Table::default()
    }];
    out.push(Table {
        name: t("desk.state"),
        headers: vec![t("desk.state"), t("desk.requests")],
        rows: s
            .by_status
            .iter()
            .map(|(k, v)| vec![Cell::Text(page.ctx.code("rstatus", k).to_string()), n(*v)])
            .collect(),
        ..Table::default()
    });
    for (title, rows) in page.tables() {
        out.push(Table {
            name: title.to_string(),
            headers: vec![
                title.to_string(),
                t("desk.requests"),
                t("stats.deals"),
                t("stats.deal_value"),
            ],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        Cell::Text(r.label.clone()),
                        n(r.requests),
                        n(r.deals),
                        Cell::Int(r.deal_value_vnd),
                    ]
                })
                .collect(),
            ..Table::default()
        });
    }
    out
}

pub async fn stats(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<StatsQuery>,
    Query(f): Query<Format>,
) -> PageResult {
    let s = requests::stats(&state, &ctx.actor, ctx.lang, &q).await?;
    let query = format!(
        "from={}&to={}",
        s.from.format("%Y-%m-%d"),
        s.to.format("%Y-%m-%d")
    );
    let page = StatsPage { ctx, s, query };
    if let Some(format) = f.format.as_deref() {
        return crate::http::pages::staff::reports::download(
            &tables(&page),
            format,
            "so-lieu-ket-noi",
        );
    }
    Ok(render(&page))
}
