//! Search with 100,000 products.
//!
//! `cargo bench --bench search` generates 100,000 realistic products (Vietnamese names from
//! the centre's categories, varied places and statuses), indexes them in the embedded engine
//! (and in Meilisearch when `KETNOI_BENCH_MEILI_URL` is set), then runs a fixed mix of 1,000
//! queries — plain, without diacritics, with one typo, as a prefix, with filters and facets —
//! and prints p50/p95/p99 latency of the engine and of `GET /api/v1/search` for the same
//! queries, and their ratio. `BENCH_PRODUCTS` changes the size.
//!
//! First it times highlighting, which runs on every hit whatever engine found it: an ordinary
//! description against an ordinary query, beside text and a query built to be slow (words
//! thousands of letters long, the longest query allowed), so that their ratio shows the
//! work stays bounded.

use std::time::{Duration, Instant};

use ketnoi::search::embedded::EmbeddedEngine;
use ketnoi::search::meili::MeiliEngine;
use ketnoi::search::{SearchDoc, SearchEngine, SearchQuery, words};
use tower::ServiceExt;

const PRODUCTS: &[(&str, &str, &str)] = &[
    ("Miến dong", "mien-dong", "che-bien-nong-lam-san"),
    (
        "Gạo nếp cái hoa vàng",
        "gao-dac-san",
        "che-bien-nong-lam-san",
    ),
    ("Gạo Bao Thai", "gao-dac-san", "che-bien-nong-lam-san"),
    ("Chè Shan tuyết", "che", "che-bien-nong-lam-san"),
    (
        "Hồng không hạt sấy dẻo",
        "trai-cay-che-bien",
        "che-bien-nong-lam-san",
    ),
    ("Mơ muối", "trai-cay-che-bien", "che-bien-nong-lam-san"),
    ("Mật ong hoa rừng", "mat-ong", "che-bien-nong-lam-san"),
    ("Măng khô", "mang-nam", "che-bien-nong-lam-san"),
    ("Nấm hương rừng", "mang-nam", "che-bien-nong-lam-san"),
    ("Tinh dầu quế", "tinh-dau-gia-vi", "che-bien-nong-lam-san"),
    ("Tinh dầu hồi", "tinh-dau-gia-vi", "che-bien-nong-lam-san"),
    ("Rượu men lá", "ruou-truyen-thong", "che-bien-nong-lam-san"),
    ("Đũa tre", "lam-san", "che-bien-nong-lam-san"),
    ("Ván ghép thanh keo", "lam-san", "che-bien-nong-lam-san"),
    ("Bàn ghế gỗ", "do-go", "che-bien-nong-lam-san"),
    ("Gạch không nung", "gach-khong-nung", "vat-lieu-xay-dung"),
    ("Gạch đặc tuynel", "gach-nung", "vat-lieu-xay-dung"),
    ("Đá dăm", "da-xay-dung", "vat-lieu-xay-dung"),
    ("Cát vàng", "cat-soi", "vat-lieu-xay-dung"),
    ("Ngói màu", "ngoi", "vat-lieu-xay-dung"),
    ("Vôi cục", "voi", "vat-lieu-xay-dung"),
    ("Cống bê tông", "be-tong-duc-san", "vat-lieu-xay-dung"),
    ("Khăn thổ cẩm", "tho-cam", "thu-cong-my-nghe"),
    ("Giỏ mây tre đan", "may-tre-dan", "thu-cong-my-nghe"),
];
const PLACES: &[(&str, i32, &str, i32)] = &[
    ("Na Rì", 2155, "Thái Nguyên", 19),
    ("Ba Bể", 1906, "Thái Nguyên", 19),
    ("Chợ Đồn", 2020, "Thái Nguyên", 19),
    ("Bạch Thông", 2014, "Thái Nguyên", 19),
    ("Côn Minh", 2185, "Thái Nguyên", 19),
    ("Sơn Dương", 2536, "Tuyên Quang", 8),
    ("Nguyên Bình", 1726, "Cao Bằng", 4),
    ("Văn Quan", 6253, "Lạng Sơn", 20),
];
const GRADES: &[&str] = &[
    "loại 1",
    "đặc biệt",
    "hộp 500 g",
    "túi 1 kg",
    "truyền thống",
    "xuất khẩu",
    "sạch",
    "hữu cơ",
];
const TRADEMARK: &[&str] = &[
    "unregistered",
    "unregistered",
    "filed",
    "registered",
    "expired",
];
const PACKAGING: &[&str] = &["none", "basic", "basic", "designed"];
const CERTS: &[&str] = &["vietgap", "organic", "haccp", "food_safety", "tcvn"];

fn generate(n: usize) -> Vec<SearchDoc> {
    (0..n)
        .map(|i| {
            let (name, category, parent) = PRODUCTS[i % PRODUCTS.len()];
            let (commune, commune_code, province, province_code) = PLACES[(i / 7) % PLACES.len()];
            let grade = GRADES[(i / 3) % GRADES.len()];
            let id = i32::try_from(i + 1).expect("fits");
            SearchDoc {
                id,
                slug: format!("sp-{id}"),
                name: format!("{name} {commune} {grade}"),
                brand: (i % 3 == 0).then(|| format!("{commune} Xanh")),
                description: format!("{name} của vùng {commune}, {province}. Sản xuất theo cách truyền thống, đóng gói cẩn thận, giao hàng toàn quốc."),
                category: category.into(),
                categories: vec![category.into(), parent.into()],
                category_names: Vec::new(),
                enterprise_id: id % 1000 + 1,
                enterprise_name: format!("Hợp tác xã {commune} {}", id % 1000),
                enterprise_description: format!("Cơ sở sản xuất của xã {commune}, thành lập năm {}.", 1990 + id % 30),
                commune_code,
                commune: format!("Xã {commune}"),
                province_code,
                province: province.into(),
                trademark_status: TRADEMARK[i % TRADEMARK.len()].into(),
                packaging_status: PACKAGING[i % PACKAGING.len()].into(),
                ocop_stars: match i % 10 {
                    0 => Some(3),
                    1 => Some(4),
                    2 => Some(5),
                    _ => None,
                },
                certifications: vec![CERTS[i % CERTS.len()].into()],
                unit: "kg".into(),
                price_min_vnd: Some(20_000 + (i as i64 % 200) * 1_000),
                price_max_vnd: Some(40_000 + (i as i64 % 200) * 1_000),
                published_at: 1_700_000_000 + i as i64,
                cover: None,
                verified_documents: Vec::new(),
                former_places: Vec::new(),
                former_provinces: Vec::new(),
            }
        })
        .collect()
}

/// The fixed mix: (query string for the API, kind).
fn queries() -> Vec<String> {
    let plain = [
        "Miến dong",
        "Chè Shan tuyết",
        "Mật ong",
        "Gạch không nung",
        "Khăn thổ cẩm",
        "Đũa tre",
        "Tinh dầu quế",
        "Nấm hương",
    ];
    let folded = [
        "mien dong na ri",
        "che shan tuyet",
        "mat ong hoa rung",
        "gach khong nung",
        "dua tre bach thong",
        "ruou men la",
        "hong khong hat",
        "voi cuc",
    ];
    let typo = [
        "mien dongg",
        "shan tuyte",
        "mat ongg rung",
        "gach khogn nung",
        "tho cma",
        "tinh dau quee",
        "nam huongg",
        "gao nep cai hao vang",
    ];
    let prefix = [
        "mien d", "che sh", "mat o", "gach kh", "tho c", "du", "tinh da", "cat va",
    ];
    let filtered = [
        "q=mien&category=che-bien-nong-lam-san&province=19",
        "q=gach&category=vat-lieu-xay-dung&trademark_status=registered",
        "q=&category=mat-ong&ocop_stars=4,5",
        "q=che&certification=organic&sort=price_asc",
        "q=&province=4&packaging_status=designed&sort=newest",
        "q=tho%20cam&province=4,8",
        "q=dua&trademark_status=registered,filed&certification=vietgap",
        "q=&category=thu-cong-my-nghe&sort=price_desc",
    ];
    let enc = |q: &str| {
        format!(
            "q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    };
    let mut all = Vec::new();
    for i in 0..1000 {
        let k = i % 8;
        all.push(match (i / 8) % 5 {
            0 => enc(plain[k]),
            1 => enc(folded[k]),
            2 => enc(&format!("{} ", typo[k])),
            3 => enc(prefix[k]),
            _ => filtered[k].to_string(),
        });
    }
    all
}

/// The engine query the API builds from a query string.
fn engine_query(qs: &str) -> SearchQuery {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(qs.as_bytes())
        .into_owned()
        .collect();
    let mut query = SearchQuery {
        limit: 24,
        ..Default::default()
    };
    for (k, v) in params {
        match k.as_str() {
            "q" => query.words = words(&v),
            "sort" => query.sort = ketnoi::search::Sort::parse(&v).unwrap_or_default(),
            facet => {
                query
                    .filters
                    .insert(facet.to_string(), v.split(',').map(String::from).collect());
            }
        }
    }
    query
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn line(label: &str, mut v: Vec<Duration>) {
    v.sort_unstable();
    println!(
        "{label:<34} {:>8.2} {:>8.2} {:>8.2}",
        pct(&v, 0.5),
        pct(&v, 0.95),
        pct(&v, 0.99)
    );
}

async fn measure(
    label: &str,
    engine: std::sync::Arc<dyn SearchEngine>,
    docs: &[SearchDoc],
) -> anyhow::Result<()> {
    let t = Instant::now();
    engine.clear().await?;
    for chunk in docs.chunks(10_000) {
        engine.upsert(chunk.to_vec()).await?;
    }
    println!(
        "{label}: indexed {} products in {:.1} s",
        docs.len(),
        t.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir()?;
    let db = ketnoi::db::connect(&format!("sqlite:{}", dir.path().join("b.db").display())).await?;
    ketnoi::db::migrate(&db).await?;
    let mut state = ketnoi::app::build_state(db, ketnoi::config::Config::default()).await?;
    state.search = engine.clone();
    let router = ketnoi::router::router(state);

    let mut engine_times = Vec::new();
    let mut api_times = Vec::new();
    let mut ratios = Vec::new();
    for qs in queries() {
        let query = engine_query(&qs);
        let t = Instant::now();
        let r = engine.search(&query).await?;
        let e = t.elapsed();
        std::hint::black_box(r.total);
        let t = Instant::now();
        let response = router
            .clone()
            .oneshot(
                axum::http::Request::get(format!("/api/v1/search?{qs}"))
                    .body(axum::body::Body::empty())?,
            )
            .await?;
        anyhow::ensure!(response.status() == 200, "{qs}: {}", response.status());
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await?
            .to_bytes();
        let a = t.elapsed();
        std::hint::black_box(body.len());
        engine_times.push(e);
        api_times.push(a);
        ratios.push(a.as_secs_f64() / e.as_secs_f64().max(1e-9));
    }
    println!(
        "{:<34} {:>8} {:>8} {:>8}",
        "1,000 queries (ms)", "p50", "p95", "p99"
    );
    line(&format!("{label} engine"), engine_times);
    line(&format!("{label} GET /api/v1/search"), api_times);
    ratios.sort_by(f64::total_cmp);
    println!(
        "{label}: API / engine time, median {:.2}, p95 {:.2}",
        ratios[ratios.len() / 2],
        ratios[ratios.len() * 95 / 100]
    );
    Ok(())
}

/// Median time of `f` over `runs` runs, in microseconds.
fn median_us(runs: usize, mut f: impl FnMut() -> usize) -> f64 {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    times[runs / 2].as_secs_f64() * 1e6
}

fn highlighting() {
    use ketnoi::search::highlight::{highlight, snippet};
    let ordinary_text = "Miến dong Na Rì được làm từ củ dong riềng trồng trên nương, \
        phơi nắng tự nhiên, không chất tẩy trắng. Sợi miến dai, trong, nấu không nát. "
        .repeat(12);
    let ordinary = words("mien dong na ri ");
    // 200 characters of query: long words, each allowed two typos.
    let long_query = words(&format!("{} ", ["khongnung"; 20].join(" ")));
    let hostile_text = format!(
        "{} {} {}",
        "khongnung".repeat(600),
        "a".repeat(5_000),
        "khongnunk ".repeat(300)
    );
    let runs = 200;
    let a = median_us(runs, || {
        highlight(&ordinary_text, &ordinary).len() + snippet(&ordinary_text, &ordinary, 240).len()
    });
    let b = median_us(runs, || {
        highlight(&hostile_text, &long_query).len() + snippet(&hostile_text, &long_query, 240).len()
    });
    println!("highlighting (median of {runs} runs, µs)");
    println!(
        "{:<56} {a:>10.1}",
        format!(
            "ordinary {}-char description, 4 words",
            ordinary_text.chars().count()
        )
    );
    println!(
        "{:<56} {b:>10.1}   ×{:.1}",
        format!(
            "{}-char text of 5,000-letter words, 20-word query",
            hostile_text.chars().count()
        ),
        b / a
    );
    println!();
}

fn main() -> anyhow::Result<()> {
    highlighting();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let n = std::env::var("BENCH_PRODUCTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        let docs = generate(n);
        let dir = tempfile::tempdir()?;
        let embedded: std::sync::Arc<dyn SearchEngine> =
            std::sync::Arc::new(EmbeddedEngine::open(dir.path())?);
        measure("embedded", embedded, &docs).await?;
        match std::env::var("KETNOI_BENCH_MEILI_URL") {
            Ok(url) => {
                let key = std::env::var("KETNOI_BENCH_MEILI_KEY").ok();
                let meili: std::sync::Arc<dyn SearchEngine> =
                    std::sync::Arc::new(MeiliEngine::new(&url, key.as_deref(), "ketnoi_bench")?);
                measure("meilisearch", meili, &docs).await?;
            }
            Err(_) => println!("meilisearch: skipped (set KETNOI_BENCH_MEILI_URL)"),
        }
        Ok(())
    })
}
