//! Photo pipeline and upload throughput.
//!
//! `cargo bench --bench media` prints:
//! - time (median and worst of `BENCH_RUNS`, default 5) and peak memory to turn a
//!   12-megapixel phone JPEG into every variant (the whole pipeline: checks, decode, EXIF
//!   orientation, resize, WebP and JPEG encoding);
//! - uploads per second sustained through the upload use case (pipeline, object store,
//!   database row and audit entry), `BENCH_UPLOADS` (default 60) uploads from
//!   `BENCH_CONCURRENCY` (default 4) producers at once, with the directory store, and with
//!   an S3 server when `KETNOI_BENCH_S3_ENDPOINT` is set (access key and secret in
//!   `KETNOI_BENCH_S3_ACCESS_KEY` / `KETNOI_BENCH_S3_SECRET_KEY`), e.g. a local
//!   `s3s-fs --host 127.0.0.1 --port 8014 --access-key k --secret-key s /tmp/s3`.
//!
//! Photos are generated: smooth shading plus sensor-like noise, which compresses about as
//! badly as a real photo, so the figures are on the pessimistic side.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ketnoi::config::{Config, StorageConfig};
use ketnoi::domain::Role;
use ketnoi::services::{Actor, SignedIn, media};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process so far (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A photo-like JPEG: shading, a few shapes, noise; EXIF orientation 6 like a phone's.
fn phone_photo(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state % 24) as i32 - 12;
            let fx = x as f32 / width as f32;
            let fy = y as f32 / height as f32;
            let disc = ((fx - 0.5).powi(2) + (fy - 0.45).powi(2)) < 0.06;
            let base = if disc {
                [180.0 + 40.0 * fx, 120.0, 60.0 + 50.0 * fy]
            } else {
                [
                    70.0 + 120.0 * fy,
                    110.0 + 80.0 * fx,
                    90.0 + (seed % 7) as f32 * 20.0,
                ]
            };
            for c in base {
                pixels.push((c as i32 + noise).clamp(0, 255) as u8);
            }
        }
    }
    let mut exif =
        b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0".to_vec();
    exif.extend_from_slice(b"GPS 21.59N 105.85E");
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 92);
    encoder.add_app_segment(1, exif).expect("exif");
    encoder
        .encode(
            &pixels,
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("jpeg");
    out
}

fn pipeline(runs: usize) {
    let photo = phone_photo(4000, 3000, 1);
    println!(
        "12-megapixel JPEG (4000 × 3000, {:.1} MB, EXIF orientation 6):",
        photo.len() as f64 / 1e6
    );
    // Nothing else has run in this process yet: the growth of its peak resident memory is
    // what the pipeline needs (libwebp's C buffers included).
    let rss_before = peak_rss();
    let mut times = Vec::new();
    let mut variants = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let processed = ketnoi::media::process_photo(&photo).expect("processed");
        times.push(start.elapsed());
        variants = processed
            .variants
            .iter()
            .map(|v| (v.width, v.format.as_str(), v.bytes.len()))
            .collect();
    }
    times.sort();
    println!(
        "  all variants: median {:.0} ms, worst {:.0} ms over {runs} runs (one core)",
        times[runs / 2].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3
    );
    if let (Some(before), Some(after)) = (rss_before, peak_rss()) {
        println!(
            "  peak memory: {:.0} MiB more than before (process peak {:.0} MiB → {:.0} MiB)",
            (after - before) as f64 / (1024.0 * 1024.0),
            before as f64 / (1024.0 * 1024.0),
            after as f64 / (1024.0 * 1024.0)
        );
    }
    let sizes: Vec<String> = variants
        .iter()
        .map(|(w, f, b)| format!("{w} {f} {:.0} kB", *b as f64 / 1024.0))
        .collect();
    println!("  variants: {}", sizes.join(", "));
}

async fn uploads(name: &str, storage: StorageConfig, count: usize, concurrency: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = ketnoi::db::connect(&format!("sqlite:{}", dir.path().join("b.db").display()))
        .await
        .expect("db");
    ketnoi::db::migrate(&db).await.expect("migrate");
    let storage = match storage {
        StorageConfig::Dir(_) => StorageConfig::Dir(dir.path().join("blobs")),
        s3 @ StorageConfig::S3(_) => s3,
    };
    let state = ketnoi::app::build_state(
        db.clone(),
        Config {
            storage,
            ..Config::default()
        },
    )
    .await
    .expect("state");
    ketnoi::services::demo::load(&state).await.expect("demo");
    let actor = Actor::User(SignedIn {
        id: 1,
        role: Role::Staff,
        full_name: "Bench".into(),
        email: None,
        phone: None,
    });
    use sea_orm::{EntityTrait, QuerySelect};
    let products: Vec<i32> = ketnoi::db::entities::product::Entity::find()
        .select_only()
        .column(ketnoi::db::entities::product::Column::Id)
        .into_tuple()
        .all(&db)
        .await
        .expect("products");
    // Photos as the browser sends them after shrinking (2048 px long side).
    let photos: Arc<Vec<bytes::Bytes>> = Arc::new(
        (0..count)
            .map(|i| bytes::Bytes::from(phone_photo(2048, 1536, i as u32 + 10)))
            .collect(),
    );
    let mean = photos.iter().map(bytes::Bytes::len).sum::<usize>() / count.max(1);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let next = Arc::new(AtomicUsize::new(0));
    for _ in 0..concurrency {
        let (state, actor, photos, products, next) = (
            state.clone(),
            actor.clone(),
            photos.clone(),
            products.clone(),
            next.clone(),
        );
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= photos.len() {
                    break;
                }
                let product = products[i % products.len()];
                let t = Instant::now();
                media::add_product_photo(&state, &actor, product, photos[i].clone(), None)
                    .await
                    .expect("uploaded");
                latencies.push(t.elapsed());
            }
            latencies
        });
    }
    let mut latencies: Vec<Duration> = Vec::new();
    while let Some(r) = tasks.join_next().await {
        latencies.extend(r.expect("task"));
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let objects = state.store.list("").await.expect("list").len();
    println!(
        "  {name}: {count} uploads of {:.2} MB photos, {concurrency} at once: {:.1} uploads/s; latency p50 {:.0} ms, p95 {:.0} ms; {objects} objects stored",
        mean as f64 / 1e6,
        count as f64 / elapsed.as_secs_f64(),
        latencies[latencies.len() / 2].as_secs_f64() * 1e3,
        latencies[latencies.len() * 95 / 100].as_secs_f64() * 1e3,
    );
}

fn main() {
    let runs = env_usize("BENCH_RUNS", 5).max(1);
    let count = env_usize("BENCH_UPLOADS", 60).max(1);
    let concurrency = env_usize("BENCH_CONCURRENCY", 4).max(1);
    pipeline(runs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "Uploads through the use case ({} image workers):",
        Config::default().image_workers
    );
    runtime.block_on(uploads(
        "directory store",
        StorageConfig::Dir(std::path::PathBuf::default()),
        count,
        concurrency,
    ));
    match std::env::var("KETNOI_BENCH_S3_ENDPOINT") {
        Ok(endpoint) => runtime.block_on(uploads(
            &format!("S3 ({endpoint})"),
            StorageConfig::S3(ketnoi::storage::s3::S3Settings {
                endpoint: Some(endpoint),
                region: "us-east-1".into(),
                bucket: format!("ketnoi-bench-{}", std::process::id()),
                access_key: std::env::var("KETNOI_BENCH_S3_ACCESS_KEY").unwrap_or_default(),
                secret_key: std::env::var("KETNOI_BENCH_S3_SECRET_KEY").unwrap_or_default(),
                path_style: true,
            }),
            count,
            concurrency,
        )),
        Err(_) => println!("  S3: skipped (set KETNOI_BENCH_S3_ENDPOINT)"),
    }
}
