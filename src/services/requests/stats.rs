//! The numbers staff report to the Department: requests by kind and state, how fast the
//! centre answers and closes, how many end in a deal and for how much; by month, category
//! and province.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::is_overdue;
use crate::context::AppState;
use crate::db::entities::request;
use crate::domain::{Code, Invalid, RequestKind, RequestStatus};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::Actor;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First day (`YYYY-MM-DD`), by submission date; default: a year ago.
    pub from: Option<String>,
    /// Last day, included; default: today.
    pub to: Option<String>,
    /// `linkage` or `technology_transfer`; both by default.
    pub kind: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct StatsRow {
    /// `2026-11`, a category slug, or a province code.
    pub key: String,
    pub label: String,
    pub requests: u64,
    pub closed: u64,
    pub deals: u64,
    pub deal_value_vnd: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Stats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
    pub by_status: BTreeMap<String, u64>,
    pub open: u64,
    pub overdue: u64,
    /// Closed with or without a deal (not rejected, not withdrawn).
    pub closed: u64,
    pub deals: u64,
    /// Deals among closed requests, 0–1.
    pub conversion_rate: Option<f64>,
    pub deal_value_vnd: i64,
    /// From submission to the centre's first action.
    pub median_hours_to_first_response: Option<f64>,
    /// From submission to closing (deal or no deal).
    pub median_days_to_close: Option<f64>,
    pub by_month: Vec<StatsRow>,
    pub by_category: Vec<StatsRow>,
    pub by_province: Vec<StatsRow>,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        f64::midpoint(values[mid - 1], values[mid])
    } else {
        values[mid]
    })
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

fn parse_day(value: Option<&str>, field: &'static str) -> AppResult<Option<NaiveDate>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
            .map(Some)
            .map_err(|_| Invalid::one(field, Code::DateInvalid).into()),
    }
}

fn add(row: &mut StatsRow, r: &request::Model) {
    let status = r.status;
    row.requests += 1;
    if matches!(
        status,
        RequestStatus::ClosedDeal | RequestStatus::ClosedNoDeal
    ) {
        row.closed += 1;
    }
    if status == RequestStatus::ClosedDeal {
        row.deals += 1;
        row.deal_value_vnd += r.deal_value_vnd.unwrap_or(0);
    }
}

/// Staff only.
pub async fn stats(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    query: &StatsQuery,
) -> AppResult<Stats> {
    match actor.user() {
        None => return Err(AppError::Unauthenticated),
        Some(u) if !u.role.is_staff() => return Err(AppError::Forbidden),
        Some(_) => {}
    }
    let today = state.clock.today();
    let to = parse_day(query.to.as_deref(), "to")?.unwrap_or(today);
    let from = parse_day(query.from.as_deref(), "from")?
        .unwrap_or_else(|| to - chrono::Duration::days(365));
    if from > to {
        return Err(Invalid::one("from", Code::StatsRange).into());
    }
    // Days are Vietnamese days (UTC+7).
    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset");
    let start = from
        .and_hms_opt(0, 0, 0)
        .and_then(|d| d.and_local_timezone(vn).single())
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| Invalid::one("from", Code::DateInvalid))?;
    let end = (to + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .and_then(|d| d.and_local_timezone(vn).single())
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| Invalid::one("to", Code::DateInvalid))?;
    let mut select = request::Entity::find()
        .filter(request::Column::CreatedAt.gte(start))
        .filter(request::Column::CreatedAt.lt(end));
    if let Some(kind) = query.kind.as_deref().filter(|k| !k.is_empty()) {
        let kind =
            RequestKind::parse(kind).ok_or_else(|| Invalid::one("kind", Code::ChoiceInvalid))?;
        select = select.filter(request::Column::Kind.eq(kind));
    }
    let rows = select.all(&state.db).await?;

    let mut by_kind = BTreeMap::new();
    let mut by_status: BTreeMap<String, u64> = RequestStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), 0))
        .collect();
    let mut months: BTreeMap<String, StatsRow> = BTreeMap::new();
    let mut categories: BTreeMap<String, StatsRow> = BTreeMap::new();
    let mut provinces: BTreeMap<String, StatsRow> = BTreeMap::new();
    let mut first_response = Vec::new();
    let mut to_close = Vec::new();
    let (mut open, mut overdue, mut closed, mut deals, mut value) = (0, 0, 0, 0, 0i64);
    for r in &rows {
        let status = r.status;
        *by_kind.entry(r.kind.as_str().to_string()).or_insert(0) += 1;
        *by_status.entry(status.as_str().to_string()).or_insert(0) += 1;
        if status.is_open() {
            open += 1;
            if is_overdue(r, &state.config, state.clock.now()) {
                overdue += 1;
            }
        }
        if let Some(at) = r.first_response_at {
            first_response.push(hours(r.created_at, at));
        }
        if matches!(
            status,
            RequestStatus::ClosedDeal | RequestStatus::ClosedNoDeal
        ) {
            closed += 1;
            if let Some(at) = r.closed_at {
                to_close.push(hours(r.created_at, at) / 24.0);
            }
        }
        if status == RequestStatus::ClosedDeal {
            deals += 1;
            value += r.deal_value_vnd.unwrap_or(0);
        }
        let local = r.created_at.with_timezone(&vn);
        let month = format!("{:04}-{:02}", local.year(), local.month());
        let row = months.entry(month.clone()).or_insert_with(|| StatsRow {
            key: month.clone(),
            label: format!("{:02}/{:04}", local.month(), local.year()),
            ..Default::default()
        });
        add(row, r);
        let (ckey, clabel) = match r.category_id.and_then(|c| state.reference.category(c)) {
            Some(c) => {
                // Counted under the top-level category, which is what reports group by.
                let top = state.reference.parent_of(c.id).unwrap_or(c);
                (top.slug.clone(), top.name(lang).to_string())
            }
            None => (
                String::new(),
                crate::i18n::t(lang, "stats.no_category").into(),
            ),
        };
        add(
            categories.entry(ckey.clone()).or_insert_with(|| StatsRow {
                key: ckey,
                label: clabel,
                ..Default::default()
            }),
            r,
        );
        let (pkey, plabel) = match r.province_code.and_then(|c| state.reference.province(c)) {
            Some(p) => (p.code.to_string(), p.name.clone()),
            None => (
                String::new(),
                crate::i18n::t(lang, "stats.no_province").into(),
            ),
        };
        add(
            provinces.entry(pkey.clone()).or_insert_with(|| StatsRow {
                key: pkey,
                label: plabel,
                ..Default::default()
            }),
            r,
        );
    }
    let by_size = |m: BTreeMap<String, StatsRow>| {
        let mut v: Vec<StatsRow> = m.into_values().collect();
        v.sort_by(|a, b| {
            b.requests
                .cmp(&a.requests)
                .then_with(|| a.label.cmp(&b.label))
        });
        v
    };
    Ok(Stats {
        from,
        to,
        total: rows.len() as u64,
        by_kind,
        by_status,
        open,
        overdue,
        closed,
        deals,
        conversion_rate: (closed > 0).then(|| deals as f64 / closed as f64),
        deal_value_vnd: value,
        median_hours_to_first_response: median(first_response),
        median_days_to_close: median(to_close),
        by_month: months.into_values().collect(),
        by_category: by_size(categories),
        by_province: by_size(provinces),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(super::median(vec![]), None);
        assert_eq!(super::median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(super::median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
