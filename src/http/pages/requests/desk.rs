//! The staff desk: every request, filtered (`staff/requests.html`).

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::{opt_i32, opt_text};
use crate::context::AppState;
use crate::domain::{RequestKind, RequestStatus};
use crate::http::pages::forms::FormValues;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::reference::{Category, Province};
use crate::services::requests::{self, RequestFilter, RequestPage};

#[derive(Template)]
#[template(path = "staff/requests.html")]
struct DeskPage {
    ctx: PageCtx,
    page: RequestPage,
    filter: FormValues,
    categories: Vec<Category>,
    provinces: Vec<Province>,
    overdue_days: u32,
    overdue_count: u64,
    /// The filter as a query string, for the spreadsheet links.
    export_query: String,
}

/// A query-string value, percent-encoded.
fn urlencoding(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

impl DeskPage {
    fn kinds(&self) -> &'static [RequestKind] {
        RequestKind::ALL
    }
    fn statuses(&self) -> &'static [RequestStatus] {
        RequestStatus::ALL
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct DeskQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub assigned: Option<String>,
    pub overdue: Option<String>,
    pub category: Option<String>,
    pub province: Option<String>,
    pub page: Option<u64>,
    /// `xlsx` or `csv`: every request the filter finds, as a spreadsheet.
    pub format: Option<String>,
}

pub async fn desk(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DeskQuery>,
) -> PageResult {
    let mut filter_values = FormValues::default();
    for (k, v) in [
        ("status", &q.status),
        ("kind", &q.kind),
        ("assigned", &q.assigned),
        ("overdue", &q.overdue),
        ("category", &q.category),
        ("province", &q.province),
    ] {
        if let Some(v) = opt_text(v) {
            filter_values.set(k, v);
        }
    }
    let filter = RequestFilter {
        // The desk opens on what is still open.
        status: Some(opt_text(&q.status).unwrap_or_else(|| "open".into())),
        kind: opt_text(&q.kind),
        assigned: opt_text(&q.assigned),
        overdue: q.overdue.as_deref().map(|v| v == "1" || v == "true"),
        category: opt_text(&q.category),
        province: opt_i32(&q.province),
        page: q.page,
        per_page: Some(50),
    };
    if let Some(format) = q.format.as_deref() {
        let table =
            crate::services::exports::requests(&state, &ctx.actor, ctx.lang, &filter).await?;
        return Ok(crate::http::api::imports::spreadsheet(
            &table,
            Some(format),
            "yeu-cau",
        )?);
    }
    let export_query = [
        ("status", &q.status),
        ("kind", &q.kind),
        ("assigned", &q.assigned),
        ("overdue", &q.overdue),
        ("category", &q.category),
        ("province", &q.province),
    ]
    .iter()
    .filter_map(|(k, v)| opt_text(v).map(|v| format!("{k}={}&", urlencoding(&v))))
    .collect::<String>();
    let desk = requests::desk_list(&state, &ctx.actor, ctx.lang, &filter).await?;
    Ok(render(&DeskPage {
        export_query,
        ctx,
        page: desk.page,
        filter: filter_values,
        categories: state.reference.tree.clone(),
        provinces: state.reference.provinces.clone(),
        overdue_days: state.config.overdue_days,
        overdue_count: desk.overdue_count,
    }))
}
