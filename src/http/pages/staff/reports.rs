//! The Department's reports (`staff/reports/*.html`): pages to read and print on A4 (the
//! centre's name and the date on top), each chart drawn as SVG beside its table of numbers,
//! and every table downloadable as XLSX or CSV (`?format=xlsx|csv`).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::context::AppState;
use crate::http::charts::{self, Series};
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::reports::{
    self, CatalogueQuery, CatalogueReport, FairRow, ProgrammeRow, ProgrammesReport, Row, YearQuery,
};
use crate::sheet::{Cell, Table};

#[derive(Deserialize, Default)]
pub struct Format {
    format: Option<String>,
}

/// Tables as a download: one workbook with a sheet each, or one CSV with the tables one
/// after another.
pub fn download(tables: &[Table], format: &str, name: &str) -> PageResult {
    if format == "csv" {
        // CSV holds one table: the tables follow one another under their own headers.
        let mut bytes = Vec::new();
        for (i, table) in tables.iter().enumerate() {
            let mut part = crate::sheet::write_csv(table);
            if i > 0 {
                part.drain(..3);
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend(part);
        }
        return Ok(file(
            bytes,
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
        ));
    }
    let bytes = crate::sheet::write_xlsx(tables)
        .map_err(anyhow::Error::new)
        .map_err(crate::error::AppError::from)?;
    Ok(file(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
    ))
}

fn file(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn count(n: u64) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

#[derive(Template)]
#[template(path = "staff/reports/index.html")]
struct IndexPage {
    ctx: PageCtx,
}

pub async fn index(ctx: PageCtx) -> PageResult {
    ctx.actor.require_staff()?;
    Ok(render(&IndexPage { ctx }))
}

#[derive(Template)]
#[template(path = "staff/reports/catalogue.html")]
struct CataloguePage {
    ctx: PageCtx,
    r: CatalogueReport,
    provinces: Vec<(i32, String)>,
    query: String,
}

impl CataloguePage {
    fn sections(&self) -> Vec<(&'static str, &'static str, &Vec<Row>)> {
        vec![
            (
                "by-place",
                if self.r.province.is_some() {
                    "report.by_commune"
                } else {
                    "report.by_province"
                },
                &self.r.by_place,
            ),
            ("by-category", "report.by_category", &self.r.by_category),
            (
                "by-legal-form",
                "report.by_legal_form",
                &self.r.by_legal_form,
            ),
            ("by-trademark", "report.by_trademark", &self.r.by_trademark),
            ("by-packaging", "report.by_packaging", &self.r.by_packaging),
            ("by-ocop", "report.by_ocop", &self.r.by_ocop),
        ]
    }

    fn chart(&self, id: &str, title: &str, rows: &[Row]) -> String {
        let top: Vec<&Row> = rows.iter().take(15).collect();
        charts::bars(
            id,
            title,
            &top.iter().map(|r| r.label.clone()).collect::<Vec<_>>(),
            &[
                Series {
                    name: self.ctx.t("report.products"),
                    values: top.iter().map(|r| r.products).collect(),
                },
                Series {
                    name: self.ctx.t("report.unprotected"),
                    values: top.iter().map(|r| r.unprotected).collect(),
                },
            ],
        )
    }

    fn trend(&self) -> String {
        charts::lines(
            "trend",
            self.ctx.t("report.trend"),
            &self
                .r
                .trend
                .iter()
                .map(|p| p.day.format("%m/%Y").to_string())
                .collect::<Vec<_>>(),
            &[
                Series {
                    name: self.ctx.t("report.products"),
                    values: self.r.trend.iter().map(|p| p.products).collect(),
                },
                Series {
                    name: self.ctx.t("report.unprotected"),
                    values: self.r.trend.iter().map(|p| p.unprotected).collect(),
                },
            ],
        )
    }

    fn share(&self, part: &u64, whole: &u64) -> String {
        let (part, whole) = (*part, *whole);
        if whole == 0 {
            "—".into()
        } else {
            #[allow(clippy::cast_precision_loss)]
            let pct = part as f64 * 100.0 / whole as f64;
            format!("{pct:.0}%")
        }
    }

    fn change(&self) -> Option<String> {
        let before = self.r.year_ago.as_ref()?;
        let now = i64::try_from(self.r.unprotected).unwrap_or_default();
        let then = i64::try_from(before.unprotected).unwrap_or_default();
        let diff = now - then;
        Some(if diff > 0 {
            format!("+{diff}")
        } else {
            diff.to_string()
        })
    }
}

fn catalogue_tables(
    ctx: &PageCtx,
    r: &CatalogueReport,
    sections: &[(&str, &str, &Vec<Row>)],
) -> Vec<Table> {
    let mut tables = vec![Table {
        name: ctx.t("report.summary").into(),
        headers: vec![ctx.t("report.figure").into(), ctx.t("report.value").into()],
        rows: vec![
            vec![
                Cell::Text(ctx.t("report.enterprises").into()),
                count(r.enterprises),
            ],
            vec![
                Cell::Text(ctx.t("report.products").into()),
                count(r.products),
            ],
            vec![
                Cell::Text(ctx.t("report.unprotected").into()),
                count(r.unprotected),
            ],
            vec![
                Cell::Text(ctx.t("report.unprotected_year_ago").into()),
                r.year_ago
                    .as_ref()
                    .map_or(Cell::Empty, |p| count(p.unprotected)),
            ],
        ],
        ..Table::default()
    }];
    for (_, title, rows) in sections {
        tables.push(Table {
            name: ctx.t(title).into(),
            headers: vec![
                ctx.t(title).into(),
                ctx.t("report.products").into(),
                ctx.t("report.unprotected").into(),
            ],
            rows: rows
                .iter()
                .map(|row| {
                    vec![
                        Cell::Text(row.label.clone()),
                        count(row.products),
                        count(row.unprotected),
                    ]
                })
                .collect(),
            ..Table::default()
        });
    }
    tables.push(Table {
        name: ctx.t("report.trend").into(),
        headers: vec![
            ctx.t("report.day").into(),
            ctx.t("report.products").into(),
            ctx.t("report.unprotected").into(),
        ],
        rows: r
            .trend
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.day.format("%d/%m/%Y").to_string()),
                    count(p.products),
                    count(p.unprotected),
                ]
            })
            .collect(),
        ..Table::default()
    });
    tables
}

pub async fn catalogue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<CatalogueQuery>,
    Query(f): Query<Format>,
) -> PageResult {
    let r = reports::catalogue(&state, &ctx.actor, ctx.lang, &q).await?;
    let provinces = state
        .reference
        .provinces
        .iter()
        .map(|p| (p.code, p.name.clone()))
        .collect();
    let query = q
        .province
        .map_or_else(String::new, |p| format!("province={p}&"));
    let page = CataloguePage {
        ctx,
        r,
        provinces,
        query,
    };
    if let Some(format) = f.format.as_deref() {
        let tables = catalogue_tables(&page.ctx, &page.r, &page.sections());
        return download(&tables, format, "bao-cao-danh-muc");
    }
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "staff/reports/programmes.html")]
struct ProgrammesPage {
    ctx: PageCtx,
    r: ProgrammesReport,
}

impl ProgrammesPage {
    fn sections(&self) -> Vec<(&'static str, &'static str, &Vec<ProgrammeRow>)> {
        vec![
            ("by-kind", "report.by_kind", &self.r.by_kind),
            ("by-funding", "report.by_funding", &self.r.by_funding),
            ("by-commune", "report.by_commune", &self.r.by_commune),
            ("cancelled", "report.cancelled_why", &self.r.cancelled),
        ]
    }

    fn chart(&self, id: &str, title: &str, rows: &[ProgrammeRow]) -> String {
        let top: Vec<&ProgrammeRow> = rows.iter().take(15).collect();
        let million = |v: i64| u64::try_from(v / 1_000_000).unwrap_or_default();
        charts::bars(
            id,
            title,
            &top.iter().map(|r| r.label.clone()).collect::<Vec<_>>(),
            &[
                Series {
                    name: self.ctx.t("report.budget_m"),
                    values: top.iter().map(|r| million(r.budget_vnd)).collect(),
                },
                Series {
                    name: self.ctx.t("report.disbursed_m"),
                    values: top.iter().map(|r| million(r.disbursed_vnd)).collect(),
                },
            ],
        )
    }
}

fn programme_tables(
    ctx: &PageCtx,
    sections: &[(&str, &str, &Vec<ProgrammeRow>)],
    total: &ProgrammeRow,
) -> Vec<Table> {
    let headers = |first: &str| {
        vec![
            first.to_string(),
            ctx.t("report.programmes").into(),
            ctx.t("report.budget").into(),
            ctx.t("report.disbursed").into(),
            ctx.t("report.cancelled").into(),
            ctx.t("report.beneficiaries").into(),
            ctx.t("report.measured").into(),
            ctx.t("report.new_jobs").into(),
        ]
    };
    let line = |r: &ProgrammeRow| {
        vec![
            Cell::Text(r.label.clone()),
            count(r.programmes),
            Cell::Int(r.budget_vnd),
            Cell::Int(r.disbursed_vnd),
            count(r.cancelled),
            count(r.beneficiaries),
            count(r.measured),
            Cell::Int(r.new_jobs),
        ]
    };
    let mut tables = vec![Table {
        name: ctx.t("report.total").into(),
        headers: headers(""),
        rows: vec![line(total)],
        ..Table::default()
    }];
    for (_, title, rows) in sections {
        tables.push(Table {
            name: ctx.t(title).into(),
            headers: headers(ctx.t(title)),
            rows: rows.iter().map(&line).collect(),
            ..Table::default()
        });
    }
    tables
}

pub async fn programmes(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<YearQuery>,
    Query(f): Query<Format>,
) -> PageResult {
    let r = reports::programmes(&state, &ctx.actor, ctx.lang, &q).await?;
    let page = ProgrammesPage { ctx, r };
    if let Some(format) = f.format.as_deref() {
        let tables = programme_tables(&page.ctx, &page.sections(), &page.r.total);
        return download(&tables, format, &format!("bao-cao-de-an-{}", page.r.year));
    }
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "staff/reports/fairs.html")]
struct FairsPage {
    ctx: PageCtx,
    rows: Vec<FairRow>,
}

impl FairsPage {
    fn chart(&self) -> String {
        let top: Vec<&FairRow> = self.rows.iter().take(12).collect();
        charts::bars(
            "fairs",
            self.ctx.t("report.fairs"),
            &top.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
            &[
                Series {
                    name: self.ctx.t("report.exhibitors"),
                    values: top.iter().map(|r| r.exhibitors).collect(),
                },
                Series {
                    name: self.ctx.t("report.leads"),
                    values: top.iter().map(|r| r.leads).collect(),
                },
                Series {
                    name: self.ctx.t("report.deals"),
                    values: top.iter().map(|r| r.deals).collect(),
                },
            ],
        )
    }
}

pub async fn fairs(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(f): Query<Format>,
) -> PageResult {
    let rows = reports::fairs(&state, &ctx.actor).await?;
    if let Some(format) = f.format.as_deref() {
        let table = Table {
            name: ctx.t("report.fairs").into(),
            headers: vec![
                ctx.t("report.fair").into(),
                ctx.t("report.day").into(),
                ctx.t("report.exhibitors").into(),
                ctx.t("report.leads").into(),
                ctx.t("report.requests").into(),
                ctx.t("report.deals").into(),
                ctx.t("report.deal_value").into(),
            ],
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        Cell::Text(r.name.clone()),
                        Cell::Text(r.starts_on.format("%d/%m/%Y").to_string()),
                        count(r.exhibitors),
                        count(r.leads),
                        count(r.requests),
                        count(r.deals),
                        Cell::Int(r.deal_value_vnd),
                    ]
                })
                .collect(),
            ..Table::default()
        };
        return download(&[table], format, "bao-cao-hoi-cho");
    }
    Ok(render(&FairsPage { ctx, rows }))
}
