//! The desk's numbers (`staff/request_stats.html`).

use askama::Template;
use axum::extract::{Query, State};

use crate::context::AppState;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::requests::{self, Stats, StatsQuery};

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

pub async fn stats(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<StatsQuery>,
) -> PageResult {
    let s = requests::stats(&state, &ctx.actor, ctx.lang, &q).await?;
    let query = format!(
        "from={}&to={}",
        s.from.format("%Y-%m-%d"),
        s.to.format("%Y-%m-%d")
    );
    Ok(render(&StatsPage { ctx, s, query }))
}
