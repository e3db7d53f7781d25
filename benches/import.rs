//! Importing a survey workbook of 100,000 rows, and exporting the catalogue.
//!
//! `cargo bench --bench import` writes a generated XLSX survey file (25,000 enterprises with
//! four products each, as commune offices keep them: one row per product, the enterprise's
//! cells repeated), then on one SQLite database:
//! - the dry run (every row read, checked and planned against the database; nothing written),
//! - the import itself (batches of 500 rows, each one transaction with its audit entries and
//!   search outbox rows),
//! - the catalogue's export of the imported products as XLSX,
//! - the same number of enterprises and products written by plain batched INSERTs (500 rows a
//!   statement, one transaction a batch, nothing checked) into the same database — the
//!   reference the import is set against,
//!
//! and prints rows per second side by side with the ratio, and the process's peak memory.
//! `BENCH_ROWS` changes the size; `KETNOI_BENCH_DATABASE_URL` runs it on PostgreSQL instead.

use std::time::Instant;

use sea_orm::{EntityTrait, Set};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The process's peak resident memory so far, in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

const PRODUCTS: &[&str] = &["Miến dong", "Bún dong", "Măng khô", "Mật ong rừng"];
const COMMUNES: &[&str] = &[
    "Xã Na Rì",
    "Xã Côn Minh",
    "Xã Văn Lang",
    "Xã Xuân Dương",
    "Xã Trần Phú",
];

fn workbook(rows: usize) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "DANH SÁCH CƠ SỞ SẢN XUẤT")
        .expect("title");
    let headers = [
        "STT",
        "Tên cơ sở",
        "Loại hình",
        "Xã/phường",
        "Tỉnh",
        "Điện thoại",
        "Tên sản phẩm",
        "Nhóm sản phẩm",
        "Giá từ",
        "ĐVT",
        "Bao bì",
        "Đăng ký nhãn hiệu",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet
            .write_string(2, u16::try_from(c).expect("col"), *h)
            .expect("header");
    }
    for i in 0..rows {
        let e = i / PRODUCTS.len();
        let r = u32::try_from(i + 3).expect("row");
        let cells = [
            (i + 1).to_string(),
            format!("Hộ sản xuất số {e}"),
            "Hộ kinh doanh".to_string(),
            COMMUNES[e % COMMUNES.len()].to_string(),
            "Thái Nguyên".to_string(),
            format!("09{e:08}"),
            format!("{} {e}", PRODUCTS[i % PRODUCTS.len()]),
            "Miến dong".to_string(),
            format!("{}.000", 50 + i % 200),
            "kg".to_string(),
            if i % 3 == 0 {
                "Đã thiết kế"
            } else {
                "Chưa có"
            }
            .to_string(),
            "Chưa đăng ký".to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(r, u16::try_from(c).expect("col"), v.as_str())
                .expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

/// The reference: the same numbers of enterprises and products, plain batched INSERTs.
async fn plain_inserts(
    db: &sea_orm::DatabaseConnection,
    rows: usize,
    category_id: i32,
    commune: i32,
) -> anyhow::Result<()> {
    use ketnoi::db::entities::{enterprise, product};
    use ketnoi::domain::{PackagingStatus, ProductStatus, TrademarkStatus};
    use sea_orm::TransactionTrait;
    let now = chrono::Utc::now();
    let enterprises = rows / PRODUCTS.len();
    let mut ids = Vec::with_capacity(enterprises);
    for start in (0..enterprises).step_by(500) {
        let txn = db.begin().await?;
        let batch: Vec<enterprise::ActiveModel> = (start..(start + 500).min(enterprises))
            .map(|e| enterprise::ActiveModel {
                slug: Set(format!("ref-ho-san-xuat-{e}")),
                name: Set(format!("Hộ sản xuất tham chiếu {e}")),
                name_key: Set(Some(format!("ho san xuat tham chieu {e}"))),
                legal_form: Set("household_business".into()),
                tax_code: Set(None),
                commune_code: Set(commune),
                address: Set(String::new()),
                phone: Set(Some(format!("09{e:08}"))),
                email: Set(None),
                description: Set(String::new()),
                founded_year: Set(None),
                workforce: Set(None),
                certifications: Set(String::new()),
                created_at: Set(now),
                updated_at: Set(now),
                created_by: Set(None),
                version: Set(1),
                pending: Set(None),
                pending_status: Set(None),
                pending_reason: Set(None),
                submitted_at: Set(None),
                ..Default::default()
            })
            .collect();
        ids.extend(
            enterprise::Entity::insert_many(batch)
                .exec_with_returning(&txn)
                .await?
                .into_iter()
                .map(|m| m.id),
        );
        txn.commit().await?;
    }
    for start in (0..rows).step_by(500) {
        let txn = db.begin().await?;
        let batch: Vec<product::ActiveModel> = (start..(start + 500).min(rows))
            .map(|i| product::ActiveModel {
                enterprise_id: Set(ids[i / PRODUCTS.len()]),
                slug: Set(format!("ref-san-pham-{i}")),
                status: Set(ProductStatus::Draft),
                rejection_reason: Set(None),
                name: Set(format!("{} tham chiếu {i}", PRODUCTS[i % PRODUCTS.len()])),
                category_id: Set(category_id),
                brand: Set(None),
                packaging_status: Set(PackagingStatus::None),
                tm_status: Set(TrademarkStatus::Unregistered),
                tm_kind: Set(None),
                tm_number: Set(None),
                tm_filed_on: Set(None),
                tm_granted_on: Set(None),
                tm_expires_on: Set(None),
                ocop_stars: Set(None),
                ocop_year: Set(None),
                certifications: Set(String::new()),
                unit: Set("kg".into()),
                price_min_vnd: Set(Some(50_000)),
                price_max_vnd: Set(None),
                min_order: Set(None),
                monthly_capacity: Set(None),
                season_months: Set(String::new()),
                shelf_life_days: Set(None),
                description: Set(String::new()),
                pending: Set(None),
                pending_status: Set(None),
                pending_reason: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                submitted_at: Set(None),
                published_at: Set(None),
                version: Set(1),
                ..Default::default()
            })
            .collect();
        product::Entity::insert_many(batch).exec(&txn).await?;
        txn.commit().await?;
    }
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn rate(rows: usize, secs: f64) -> String {
    format!("{:>9.0} rows/s", rows as f64 / secs)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use ketnoi::services::{Actor, auth, exports, imports};
    let rows = env_usize("BENCH_ROWS", 100_000);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("KETNOI_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite:{}", dir.path().join("bench.db").display()));
    let db = ketnoi::db::connect(&url).await?;
    ketnoi::db::migrate(&db).await?;
    let config = ketnoi::config::Config {
        search: ketnoi::config::SearchConfig::InMemory,
        storage: ketnoi::config::StorageConfig::Dir(dir.path().join("blobs")),
        ..ketnoi::config::Config::default()
    };
    let state = ketnoi::app::build_state(db.clone(), config).await?;
    let user = auth::create_account(
        &db,
        state.clock.now(),
        auth::Opener::Console,
        auth::NewAccount {
            login: ketnoi::domain::Login::parse("canbo@bench.vn")
                .map_err(|e| anyhow::anyhow!("{e:?}"))?,
            password: ketnoi::domain::Password::parse("mat-khau-123")
                .map_err(|e| anyhow::anyhow!("{e:?}"))?,
            full_name: "Cán bộ".into(),
            role: ketnoi::domain::Role::Staff,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let actor = Actor::User(auth::signed_in(&user).expect("signed in"));

    let started = Instant::now();
    let bytes = workbook(rows);
    let made = started.elapsed().as_secs_f64();
    println!(
        "survey workbook: {rows} rows, {:.1} MiB, written in {made:.1} s",
        bytes.len() as f64 / 1_048_576.0
    );
    let base = peak_mib();

    let started = Instant::now();
    let job = imports::check(&state, &actor, "khao-sat.xlsx", bytes.clone().into())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let dry = started.elapsed().as_secs_f64();
    assert_eq!(
        job.report.planned.create as usize,
        rows,
        "{:?}",
        job.report.issues.first()
    );
    let dry_peak = peak_mib();

    imports::start(&state, &actor, job.id, false)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    imports::run(&state, job.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let import = started.elapsed().as_secs_f64();
    let done = imports::job(&state, &actor, job.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!(done.done.create as usize, rows);
    let import_peak = peak_mib();

    let started = Instant::now();
    let table = exports::catalogue(&state, &actor, &exports::CatalogueFilter::default())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let exported = ketnoi::sheet::write_xlsx(std::slice::from_ref(&table))?;
    let export = started.elapsed().as_secs_f64();
    let commune = state
        .reference
        .places
        .resolve("Xã Na Rì", None, Some("Thái Nguyên"))
        .map_err(|_| anyhow::anyhow!("Na Rì"))?
        .code();
    let category = state
        .reference
        .category_by_slug("mien-dong")
        .expect("a category")
        .id;
    let started = Instant::now();
    plain_inserts(&db, rows, category, commune).await?;
    let plain = started.elapsed().as_secs_f64();

    let products = ketnoi::db::entities::product::Entity::find()
        .all(&db)
        .await?
        .len();

    println!();
    println!("{:<44}{:>9}  throughput", "", "seconds");
    println!(
        "{:<44}{dry:>9.2}  {}",
        "dry run (read, check, plan; nothing written)",
        rate(rows, dry)
    );
    println!(
        "{:<44}{import:>9.2}  {}",
        "import (batches of 500, audit, outbox)",
        rate(rows, import)
    );
    println!(
        "{:<44}{plain:>9.2}  {}",
        "plain batched INSERTs, same rows",
        rate(rows, plain)
    );
    println!(
        "{:<44}{:>9.2}",
        "import / plain INSERTs (rows per second)",
        plain / import
    );
    println!(
        "{:<44}{export:>9.2}  {} products, {:.1} MiB",
        "export as XLSX",
        table.rows.len(),
        exported.len() as f64 / 1_048_576.0
    );
    println!(
        "peak memory: {base:.0} MiB with the workbook in memory, {dry_peak:.0} MiB after the dry run, {import_peak:.0} MiB after the import"
    );
    println!(
        "database: {} ({products} products in all)",
        ketnoi::db::redact(&url)
    );
    Ok(())
}
