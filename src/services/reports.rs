//! The Department's reports, for staff: the catalogue (by place, category, legal form and the
//! centre's concerns, with how many products still have no registered trademark and no
//! designed packaging, now against a year ago), the fairs, and the year's programmes (by kind,
//! funding source and commune, with why programmes were cancelled).
//!
//! The catalogue's past comes from a daily snapshot ([`snapshot`]), counted by group.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::context::AppState;
use crate::db::entities::{
    catalogue_snapshot, enterprise, fair, product, programme, programme_beneficiary,
    programme_commune, programme_disbursement, programme_indicator,
};
use crate::domain::{PackagingStatus, ProgrammeStatus, TrademarkStatus};
use crate::error::AppResult;
use crate::i18n::{Lang, t};
use crate::services::Actor;

/// One line of a breakdown.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Row {
    /// A province or commune code, a category slug, a status code…
    pub key: String,
    pub label: String,
    pub products: u64,
    /// Products with no registered trademark and no designed packaging.
    pub unprotected: u64,
}

/// The catalogue at a date, from the snapshots.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Point {
    pub day: NaiveDate,
    pub products: u64,
    pub unprotected: u64,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// A province code: its communes are listed instead of the provinces.
    pub province: Option<i32>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CatalogueReport {
    pub today: NaiveDate,
    pub province: Option<i32>,
    pub enterprises: u64,
    pub products: u64,
    pub unprotected: u64,
    /// The snapshot nearest a year before today (none until the server has kept one).
    pub year_ago: Option<Point>,
    pub by_place: Vec<Row>,
    pub by_category: Vec<Row>,
    pub by_legal_form: Vec<Row>,
    pub by_trademark: Vec<Row>,
    pub by_packaging: Vec<Row>,
    pub by_ocop: Vec<Row>,
    /// The last snapshot of each month, oldest first (up to two years).
    pub trend: Vec<Point>,
}

fn unprotected(tm: TrademarkStatus, packaging: PackagingStatus) -> bool {
    tm != TrademarkStatus::Registered && packaging != PackagingStatus::Designed
}

/// Today's counts by group, written once a day (the unique index keeps a second run from
/// adding anything). Returns the groups written.
pub async fn snapshot(state: &AppState) -> AppResult<usize> {
    let today = state.clock.today();
    let taken = catalogue_snapshot::Entity::find()
        .filter(catalogue_snapshot::Column::Day.eq(today))
        .count(&state.db)
        .await?;
    if taken > 0 {
        return Ok(0);
    }
    let enterprises: HashMap<i32, enterprise::Model> = enterprise::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut groups: BTreeMap<(i32, i32, String, String, String, i16), i32> = BTreeMap::new();
    for p in product::Entity::find().all(&state.db).await? {
        let Some(e) = enterprises.get(&p.enterprise_id) else {
            continue;
        };
        let province = state
            .reference
            .commune(e.commune_code)
            .map_or(0, |c| c.province_code);
        *groups
            .entry((
                province,
                p.category_id,
                e.legal_form.clone(),
                p.tm_status.as_str().to_string(),
                p.packaging_status.as_str().to_string(),
                p.ocop_stars.unwrap_or(0),
            ))
            .or_default() += 1;
    }
    let rows: Vec<catalogue_snapshot::ActiveModel> = groups
        .into_iter()
        .map(
            |((province, category, legal, tm, pack, ocop), n)| catalogue_snapshot::ActiveModel {
                day: Set(today),
                province_code: Set(province),
                category_id: Set(category),
                legal_form: Set(legal),
                tm_status: Set(tm),
                packaging_status: Set(pack),
                ocop_stars: Set(ocop),
                products: Set(n),
                ..Default::default()
            },
        )
        .collect();
    let written = rows.len();
    let txn = crate::db::write_txn(&state.db).await?;
    for chunk in rows.chunks(500) {
        // Another instance may have written the day meanwhile: its rows stand.
        if catalogue_snapshot::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await
            .is_err()
        {
            txn.rollback().await?;
            return Ok(0);
        }
    }
    txn.commit().await?;
    Ok(written)
}

fn add(map: &mut BTreeMap<String, Row>, key: String, label: impl FnOnce() -> String, bad: bool) {
    let row = map.entry(key.clone()).or_insert_with(|| Row {
        key,
        label: label(),
        ..Row::default()
    });
    row.products += 1;
    row.unprotected += u64::from(bad);
}

fn by_count(map: BTreeMap<String, Row>) -> Vec<Row> {
    let mut rows: Vec<Row> = map.into_values().collect();
    rows.sort_by(|a, b| {
        b.products
            .cmp(&a.products)
            .then_with(|| a.label.cmp(&b.label))
    });
    rows
}

/// The catalogue report (staff).
pub async fn catalogue(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    query: &CatalogueQuery,
) -> AppResult<CatalogueReport> {
    actor.require_staff()?;
    let reference = &*state.reference;
    let today = state.clock.today();
    let in_province = |commune: i32| {
        query.province.is_none_or(|p| {
            reference
                .commune(commune)
                .is_some_and(|c| c.province_code == p)
        })
    };
    let enterprises: HashMap<i32, enterprise::Model> = enterprise::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .filter(|e| in_province(e.commune_code))
        .map(|e| (e.id, e))
        .collect();
    let mut place = BTreeMap::new();
    let mut category = BTreeMap::new();
    let mut legal = BTreeMap::new();
    let mut trademark = BTreeMap::new();
    let mut packaging = BTreeMap::new();
    let mut ocop = BTreeMap::new();
    let (mut products, mut bad_total) = (0, 0);
    for p in product::Entity::find().all(&state.db).await? {
        let Some(e) = enterprises.get(&p.enterprise_id) else {
            continue;
        };
        let bad = unprotected(p.tm_status, p.packaging_status);
        products += 1;
        bad_total += u64::from(bad);
        let (commune, province) = reference.place(e.commune_code);
        match query.province {
            Some(_) => add(
                &mut place,
                e.commune_code.to_string(),
                || commune.map_or_else(String::new, |c| c.name.clone()),
                bad,
            ),
            None => add(
                &mut place,
                province.map_or(0, |p| p.code).to_string(),
                || province.map_or_else(String::new, |p| p.name.clone()),
                bad,
            ),
        }
        let cat = reference
            .parent_of(p.category_id)
            .or_else(|| reference.category(p.category_id));
        add(
            &mut category,
            cat.map_or_else(String::new, |c| c.slug.clone()),
            || cat.map_or_else(String::new, |c| c.name(lang).to_string()),
            bad,
        );
        add(
            &mut legal,
            e.legal_form.clone(),
            || t(lang, &format!("legal_form.{}", e.legal_form)).to_string(),
            bad,
        );
        let tm = p.tm_status.as_str();
        add(
            &mut trademark,
            tm.to_string(),
            || t(lang, &format!("trademark_status.{tm}")).to_string(),
            bad,
        );
        let pack = p.packaging_status.as_str();
        add(
            &mut packaging,
            pack.to_string(),
            || t(lang, &format!("packaging.{pack}")).to_string(),
            bad,
        );
        let stars = p.ocop_stars.unwrap_or(0);
        add(
            &mut ocop,
            stars.to_string(),
            || {
                if stars == 0 {
                    t(lang, "report.no_ocop").to_string()
                } else {
                    format!("OCOP {stars}★")
                }
            },
            bad,
        );
    }
    let mut by_ocop: Vec<Row> = ocop.into_values().collect();
    by_ocop.sort_by(|a, b| a.key.cmp(&b.key));
    let (trend, year_ago) = history(state, query.province, today).await?;
    Ok(CatalogueReport {
        today,
        province: query.province,
        enterprises: enterprises.len() as u64,
        products,
        unprotected: bad_total,
        year_ago,
        by_place: by_count(place),
        by_category: by_count(category),
        by_legal_form: by_count(legal),
        by_trademark: by_count(trademark),
        by_packaging: by_count(packaging),
        by_ocop,
        trend,
    })
}

/// The snapshots, summed by day: the last of each month for two years, and the one
/// nearest a year ago (within a quarter of it).
async fn history(
    state: &AppState,
    province: Option<i32>,
    today: NaiveDate,
) -> AppResult<(Vec<Point>, Option<Point>)> {
    let since = today - chrono::Duration::days(2 * 366);
    let mut q = catalogue_snapshot::Entity::find()
        .filter(catalogue_snapshot::Column::Day.gte(since))
        .order_by_asc(catalogue_snapshot::Column::Day);
    if let Some(p) = province {
        q = q.filter(catalogue_snapshot::Column::ProvinceCode.eq(p));
    }
    let mut days: BTreeMap<NaiveDate, Point> = BTreeMap::new();
    for s in q.all(&state.db).await? {
        let point = days.entry(s.day).or_insert(Point {
            day: s.day,
            products: 0,
            unprotected: 0,
        });
        let n = u64::try_from(s.products).unwrap_or_default();
        point.products += n;
        let tm = TrademarkStatus::parse(&s.tm_status).unwrap_or(TrademarkStatus::Unregistered);
        let pack = PackagingStatus::parse(&s.packaging_status).unwrap_or(PackagingStatus::None);
        if unprotected(tm, pack) {
            point.unprotected += n;
        }
    }
    let mut months: BTreeMap<(i32, u32), Point> = BTreeMap::new();
    for p in days.values() {
        months.insert((p.day.year(), p.day.month()), p.clone());
    }
    let target = today - chrono::Duration::days(365);
    let year_ago = days
        .values()
        .filter(|p| (p.day - target).num_days().abs() <= 46)
        .min_by_key(|p| (p.day - target).num_days().abs())
        .cloned();
    Ok((months.into_values().collect(), year_ago))
}

/// A fair's figures for the report.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FairRow {
    pub id: i32,
    pub name: String,
    pub starts_on: NaiveDate,
    pub exhibitors: u64,
    pub leads: u64,
    pub requests: u64,
    pub deals: u64,
    pub deal_value_vnd: i64,
}

/// Every fair, newest first, with its exhibitors, leads, requests and deals (staff).
pub async fn fairs(state: &AppState, actor: &Actor) -> AppResult<Vec<FairRow>> {
    actor.require_staff()?;
    let list = fair::Entity::find()
        .order_by_desc(fair::Column::StartsOn)
        .all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(list.len());
    for f in list {
        let r = crate::services::fairs::results(
            state,
            actor,
            crate::services::fairs::FairKey::Id(f.id),
        )
        .await?;
        out.push(FairRow {
            id: f.id,
            name: f.name.clone(),
            starts_on: f.starts_on,
            exhibitors: r.exhibitors.len() as u64,
            leads: r.total.leads,
            requests: r.total.requests,
            deals: r.total.deals,
            deal_value_vnd: r.total.deal_value_vnd,
        });
    }
    Ok(out)
}

/// A line of the programmes report.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ProgrammeRow {
    pub key: String,
    pub label: String,
    pub programmes: u64,
    /// Approved budget (proposed, until approved), in đồng.
    pub budget_vnd: i64,
    pub disbursed_vnd: i64,
    pub cancelled: u64,
    pub beneficiaries: u64,
    /// Beneficiaries whose results were measured.
    pub measured: u64,
    pub new_jobs: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProgrammesReport {
    pub year: i32,
    pub total: ProgrammeRow,
    pub by_kind: Vec<ProgrammeRow>,
    pub by_funding: Vec<ProgrammeRow>,
    pub by_commune: Vec<ProgrammeRow>,
    /// Cancelled programmes by reason.
    pub cancelled: Vec<ProgrammeRow>,
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Default: this year.
    pub year: Option<i32>,
}

/// The year's programmes by kind, funding source, commune and cancellation reason (staff).
pub async fn programmes(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    query: &YearQuery,
) -> AppResult<ProgrammesReport> {
    actor.require_staff()?;
    let year = query.year.unwrap_or_else(|| state.clock.today().year());
    let list = programme::Entity::find()
        .filter(programme::Column::Year.eq(year))
        .all(&state.db)
        .await?;
    let ids: Vec<i32> = list.iter().map(|p| p.id).collect();
    let mut paid: HashMap<i32, i64> = HashMap::new();
    let mut communes: HashMap<i32, Vec<i32>> = HashMap::new();
    let mut beneficiaries: HashMap<i32, Vec<i32>> = HashMap::new();
    let mut measured: HashMap<i32, (u64, i64)> = HashMap::new();
    for chunk in ids.chunks(500) {
        for d in programme_disbursement::Entity::find()
            .filter(programme_disbursement::Column::ProgrammeId.is_in(chunk.to_vec()))
            .all(&state.db)
            .await?
        {
            *paid.entry(d.programme_id).or_default() += d.amount_vnd;
        }
        for c in programme_commune::Entity::find()
            .filter(programme_commune::Column::ProgrammeId.is_in(chunk.to_vec()))
            .all(&state.db)
            .await?
        {
            communes
                .entry(c.programme_id)
                .or_default()
                .push(c.commune_code);
        }
        for b in programme_beneficiary::Entity::find()
            .filter(programme_beneficiary::Column::ProgrammeId.is_in(chunk.to_vec()))
            .all(&state.db)
            .await?
        {
            beneficiaries.entry(b.programme_id).or_default().push(b.id);
        }
    }
    let all_beneficiaries: Vec<i32> = beneficiaries.values().flatten().copied().collect();
    let owner: HashMap<i32, i32> = beneficiaries
        .iter()
        .flat_map(|(p, bs)| bs.iter().map(move |b| (*b, *p)))
        .collect();
    for chunk in all_beneficiaries.chunks(500) {
        for i in programme_indicator::Entity::find()
            .filter(programme_indicator::Column::BeneficiaryId.is_in(chunk.to_vec()))
            .all(&state.db)
            .await?
        {
            if let Some(p) = owner.get(&i.beneficiary_id) {
                let m = measured.entry(*p).or_default();
                m.0 += 1;
                m.1 += i.new_jobs.unwrap_or(0);
            }
        }
    }
    let mut total = ProgrammeRow {
        key: "total".into(),
        label: t(lang, "report.total").into(),
        ..ProgrammeRow::default()
    };
    let mut kinds: BTreeMap<String, ProgrammeRow> = BTreeMap::new();
    let mut funding: BTreeMap<String, ProgrammeRow> = BTreeMap::new();
    let mut by_commune: BTreeMap<String, ProgrammeRow> = BTreeMap::new();
    let mut cancelled: BTreeMap<String, ProgrammeRow> = BTreeMap::new();
    for p in &list {
        let count = |row: &mut ProgrammeRow| {
            row.programmes += 1;
            row.budget_vnd += p.approved_vnd.unwrap_or(p.proposed_vnd);
            row.disbursed_vnd += paid.get(&p.id).copied().unwrap_or_default();
            row.cancelled += u64::from(p.status == ProgrammeStatus::Cancelled);
            row.beneficiaries += beneficiaries.get(&p.id).map_or(0, |b| b.len() as u64);
            let (m, jobs) = measured.get(&p.id).copied().unwrap_or_default();
            row.measured += m;
            row.new_jobs += jobs;
        };
        let entry = |map: &mut BTreeMap<String, ProgrammeRow>, key: &str, label: String| {
            map.entry(key.to_string())
                .or_insert_with(|| ProgrammeRow {
                    key: key.to_string(),
                    label,
                    ..ProgrammeRow::default()
                })
                .clone()
        };
        count(&mut total);
        let kind = p.kind.as_str();
        let mut row = entry(
            &mut kinds,
            kind,
            t(lang, &format!("programme.kind.{kind}")).into(),
        );
        count(&mut row);
        kinds.insert(kind.into(), row);
        let source = p.funding_source.as_str();
        let mut row = entry(
            &mut funding,
            source,
            t(lang, &format!("programme.funding.{source}")).into(),
        );
        count(&mut row);
        funding.insert(source.into(), row);
        for code in communes.get(&p.id).into_iter().flatten() {
            let key = code.to_string();
            let mut row = entry(&mut by_commune, &key, state.reference.place_name(*code));
            count(&mut row);
            by_commune.insert(key, row);
        }
        if let Some(reason) = p
            .cancel_reason
            .filter(|_| p.status == ProgrammeStatus::Cancelled)
        {
            let r = reason.as_str();
            let mut row = entry(
                &mut cancelled,
                r,
                t(lang, &format!("programme.cancel.{r}")).into(),
            );
            count(&mut row);
            cancelled.insert(r.into(), row);
        }
    }
    let sorted = |map: BTreeMap<String, ProgrammeRow>| {
        let mut rows: Vec<ProgrammeRow> = map.into_values().collect();
        rows.sort_by(|a, b| {
            b.budget_vnd
                .cmp(&a.budget_vnd)
                .then_with(|| a.label.cmp(&b.label))
        });
        rows
    };
    Ok(ProgrammesReport {
        year,
        total,
        by_kind: sorted(kinds),
        by_funding: sorted(funding),
        by_commune: sorted(by_commune),
        cancelled: sorted(cancelled),
    })
}
