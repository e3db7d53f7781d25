//! Catalogue throughput with 100,000 products.
//!
//! `cargo bench --bench catalogue` generates a SQLite catalogue of 1,000 enterprises and
//! 100,000 published products, serves it on a loopback port, and drives it with keep-alive
//! HTTP/1.1 connections. It prints requests per second and latency percentiles for the
//! product page, `GET /api/v1/products`, and a static response of the same size from the same
//! server (the ratio is the figure that matters), then the product page and the listing again
//! from a second server on the same database with the page cache off (every answer rendered
//! afresh), plus start-up time and resident memory.
//! `BENCH_PRODUCTS`, `BENCH_REQUESTS` and `BENCH_CONCURRENCY` change the sizes.

mod common;
use common::{pct, rss_mib};

use std::time::{Duration, Instant};

use axum::routing::get;
use sea_orm::ConnectionTrait;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const NAMES: &[(&str, &str)] = &[
    ("Miến dong", "mien-dong"),
    ("Gạo nếp cái hoa vàng", "gao-dac-san"),
    ("Chè Shan tuyết", "che"),
    ("Hồng không hạt sấy", "trai-cay-che-bien"),
    ("Mật ong rừng", "mat-ong"),
    ("Măng khô", "mang-nam"),
    ("Tinh dầu quế", "tinh-dau-gia-vi"),
    ("Rượu men lá", "ruou-truyen-thong"),
    ("Đũa tre", "lam-san"),
    ("Gạch không nung", "gach-khong-nung"),
    ("Đá xây dựng", "da-xay-dung"),
    ("Thổ cẩm", "tho-cam"),
];
const PLACES: &[&str] = &[
    "Na Rì",
    "Ba Bể",
    "Chợ Đồn",
    "Bạch Thông",
    "Côn Minh",
    "Định Hóa",
    "Phú Lương",
];

async fn generate(db: &sea_orm::DatabaseConnection, products: usize) -> anyhow::Result<()> {
    use ketnoi::db::entities::{category, commune};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    // Communes of Thái Nguyên (province 19) and the categories, as the database has them.
    let communes: Vec<i32> = commune::Entity::find()
        .filter(commune::Column::ProvinceCode.eq(19))
        .order_by_asc(commune::Column::Code)
        .limit(40)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.code)
        .collect();
    let mut category_ids = Vec::new();
    for (_, slug) in NAMES {
        let c = category::Entity::find()
            .filter(category::Column::Slug.eq(*slug))
            .one(db)
            .await?;
        category_ids.push(c.ok_or_else(|| anyhow::anyhow!("no category {slug}"))?.id);
    }
    let enterprises = 1000.min(products.max(1));
    let now = "2026-01-01T00:00:00+00:00";
    let db_pool = db;
    let txn = sea_orm::TransactionTrait::begin(db_pool).await?;
    let db = &txn;
    for e in 0..enterprises {
        let place = PLACES[e % PLACES.len()];
        db.execute_unprepared(&format!(
            "INSERT INTO enterprises (id, slug, name, legal_form, tax_code, commune_code, address, phone, email, description, founded_year, workforce, certifications, created_at, updated_at, created_by) \
             VALUES ({id}, 'htx-{id}', 'Hợp tác xã {place} số {id}', 'cooperative', NULL, {commune}, 'Thôn {id}', '0912{id:06}', NULL, 'Hợp tác xã chế biến nông sản ở {place}.', 2010, 20, 'food_safety', '{now}', '{now}', NULL)",
            id = e + 1,
            commune = communes[e % communes.len()],
        ))
        .await?;
    }
    for chunk_start in (0..products).step_by(500) {
        let mut values = Vec::new();
        for i in chunk_start..(chunk_start + 500).min(products) {
            let name = NAMES[i % NAMES.len()].0;
            let category = category_ids[i % NAMES.len()];
            let place = PLACES[i % PLACES.len()];
            let id = i + 1;
            values.push(format!(
                "({id}, {enterprise}, 'sp-{id}', 'published', NULL, '{name} {place} {id}', {category}, 'Thương hiệu {id}', 'basic', 'unregistered', NULL, NULL, NULL, NULL, NULL, {ocop}, {ocop_year}, 'food_safety', 'kg', {min}, {max}, 10, 1000, '10,11,12', 365, \
                 'Sản phẩm {name} của {place}, làm theo cách truyền thống, đóng gói cẩn thận, giao hàng toàn quốc.', NULL, NULL, NULL, '{now}', '{now}', '{now}', '{now}')",
                enterprise = i % enterprises + 1,
                ocop = if i % 5 == 0 { "3" } else { "NULL" },
                ocop_year = if i % 5 == 0 { "2024" } else { "NULL" },
                min = 50_000 + (i % 100) * 1000,
                max = 90_000 + (i % 100) * 1000,
            ));
        }
        db.execute_unprepared(&format!(
            "INSERT INTO products (id, enterprise_id, slug, status, rejection_reason, name, category_id, brand, packaging_status, tm_status, tm_kind, tm_number, tm_filed_on, tm_granted_on, tm_expires_on, ocop_stars, ocop_year, certifications, unit, price_min_vnd, price_max_vnd, min_order, monthly_capacity, season_months, shelf_life_days, description, pending, pending_status, pending_reason, created_at, updated_at, submitted_at, published_at) VALUES {}",
            values.join(",")
        ))
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Sends `requests` GETs over `concurrency` keep-alive connections; returns latencies.
async fn load(
    addr: std::net::SocketAddr,
    path: &str,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<(Duration, Vec<Duration>, usize)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let path = path.to_string();
        let count = requests / concurrency + usize::from(c < requests % concurrency);
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: identity\r\n\r\n");
            let mut latencies = Vec::with_capacity(count);
            let mut bytes = 0;
            let mut buf = vec![0u8; 1 << 20];
            for _ in 0..count {
                let t = Instant::now();
                stream.write_all(request.as_bytes()).await?;
                let mut filled = 0;
                let (header_end, body_len) = loop {
                    let n = stream.read(&mut buf[filled..]).await?;
                    anyhow::ensure!(n > 0, "connection closed");
                    filled += n;
                    if let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        anyhow::ensure!(
                            head.starts_with("http/1.1 200"),
                            "unexpected response: {}",
                            head.lines().next().unwrap_or("")
                        );
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .ok_or_else(|| anyhow::anyhow!("no content-length"))?;
                        break (end + 4, len);
                    }
                };
                while filled < header_end + body_len {
                    let n = stream.read(&mut buf[filled..]).await?;
                    anyhow::ensure!(n > 0, "connection closed");
                    filled += n;
                }
                bytes = body_len;
                latencies.push(t.elapsed());
            }
            anyhow::Ok((latencies, bytes))
        }));
    }
    let mut all = Vec::with_capacity(requests);
    let mut size = 0;
    for t in tasks {
        let (l, b) = t.await??;
        all.extend(l);
        size = b;
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    Ok((elapsed, all, size))
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let products = env_usize("BENCH_PRODUCTS", 100_000);
    let requests = env_usize("BENCH_REQUESTS", 5_000);
    let concurrency = env_usize("BENCH_CONCURRENCY", 16);
    let dir = tempfile::tempdir()?;
    if std::env::var("BENCH_KEEP_DB").is_ok() {
        println!("database kept at {}", dir.path().join("bench.db").display());
    }
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());

    let db = ketnoi::db::connect(&url).await?;
    ketnoi::db::migrate(&db).await?;
    let t = Instant::now();
    generate(&db, products).await?;
    println!(
        "generated {products} products in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    db.close().await?;

    // Start-up: connect, migrate (nothing to do), load reference data, build the router.
    let t = Instant::now();
    let db = ketnoi::db::connect(&url).await?;
    ketnoi::db::migrate(&db).await?;
    let app = ketnoi::router::build_app(db, ketnoi::config::Config::default()).await?;
    let startup = t.elapsed();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let product_path = format!("/san-pham/sp-{}", products / 2);
    // A static body of the same size as the product page, served by the same server.
    let probe = load(addr, "/healthz", 1, 1);
    let server = {
        let page = reqless_body(&app, &product_path).await?;
        let static_body = axum::body::Bytes::from(vec![b'x'; page]);
        let app = app.route(
            "/bench/static",
            get(move || async move { static_body.clone() }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await })
    };
    probe.await?;
    // The same server with no page cache: every answer rendered afresh.
    let uncached = {
        let db = ketnoi::db::connect(&url).await?;
        let config = ketnoi::config::Config {
            page_cache_bytes: 0,
            ..ketnoi::config::Config::default()
        };
        let app = ketnoi::router::build_app(db, config).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    };

    println!(
        "startup (connect, migrate check, reference data, router): {:.1} ms",
        startup.as_secs_f64() * 1000.0
    );
    println!(
        "{:<32} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "endpoint", "bytes", "req/s", "p50 ms", "p95 ms", "p99 ms"
    );
    let mut rps = Vec::new();
    let listing = "/api/v1/products?per_page=24&page=100";
    for (label, addr, path) in [
        ("product page", addr, product_path.as_str()),
        ("GET /api/v1/products", addr, listing),
        ("static, same size as page", addr, "/bench/static"),
        (
            "product page, no page cache",
            uncached,
            product_path.as_str(),
        ),
        ("GET /api/v1/products, no page cache", uncached, listing),
    ] {
        load(addr, path, requests / 10, concurrency).await?; // warm-up
        let (elapsed, lat, bytes) = load(addr, path, requests, concurrency).await?;
        let r = requests as f64 / elapsed.as_secs_f64();
        rps.push(r);
        println!(
            "{label:<32} {bytes:>9} {r:>9.0} {:>9.2} {:>9.2} {:>9.2}",
            pct(&lat, 0.50),
            pct(&lat, 0.95),
            pct(&lat, 0.99)
        );
    }
    println!("product page / static req/s ratio: {:.2}", rps[0] / rps[2]);
    println!(
        "without the page cache: product page / static {:.2}, GET /api/v1/products {:.0} req/s",
        rps[3] / rps[2],
        rps[4]
    );
    println!("resident memory after load: {:.0} MiB", rss_mib());
    server.abort();
    if std::env::var("BENCH_KEEP_DB").is_ok() {
        let _ = dir.keep();
    }
    Ok(())
}

/// Renders a page once through the router to learn its size.
async fn reqless_body(app: &axum::Router, path: &str) -> anyhow::Result<usize> {
    use tower::ServiceExt;
    let response = app
        .clone()
        .oneshot(axum::http::Request::get(path).body(axum::body::Body::empty())?)
        .await?;
    anyhow::ensure!(
        response.status() == 200,
        "{path} answered {}",
        response.status()
    );
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await?
        .to_bytes();
    Ok(bytes.len())
}
