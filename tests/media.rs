//! Photos and documents through the real router and the configured object store (a
//! directory, or the S3 server named by `KETNOI_TEST_S3_ENDPOINT`).

mod common;

use axum::http::StatusCode;
use common::images::{self, BLUE, RED, SECRET};
use common::{TestApp, TestResponse};
use image::GenericImageView;
use serde_json::{Value, json};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn upload_photo(app: &mut TestApp, pid: i64, bytes: &[u8]) -> TestResponse {
    app.multipart(
        "POST",
        &format!("/api/v1/products/{pid}/photos"),
        &[],
        &[("file", "IMG_20261128_0930.jpg", bytes)],
    )
    .await
}

/// A producer with a draft product; returns the product id.
async fn producer_product(app: &mut TestApp) -> (i64, i64) {
    let (_, eid) = app
        .producer_with_enterprise("0912000111", "HTX Miến dong Na Rì")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    (eid, pid)
}

async fn publish(app: &mut TestApp, pid: i64, producer: &str) {
    let staff = "canbo-duyet@example.vn";
    app.sign_in_new("staff", staff).await;
    app.submit_and_approve(pid, producer, staff).await;
}

fn variant<'a>(photo: &'a Value, width: u64, format: &str) -> &'a Value {
    photo["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .find(|v| v["width"] == width && v["format"] == format)
        .unwrap_or_else(|| panic!("no {format} at {width}: {photo}"))
}

#[tokio::test]
async fn a_phone_photo_is_turned_upright_stripped_and_served_in_sizes() {
    let mut app = TestApp::new().await;
    let (_, pid) = producer_product(&mut app).await;
    // Stored 1200 × 700 sideways; upright it is 700 × 1200, red on top.
    let original = images::phone_jpeg(1200, 700, RED, BLUE);
    assert!(contains(&original, SECRET) && contains(&original, b"Exif"));
    let r = upload_photo(&mut app, pid, &original).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let photo = r.json();
    assert_eq!(
        (photo["width"].as_u64(), photo["height"].as_u64()),
        (Some(700), Some(1200))
    );
    assert_eq!(photo["cover"], true);
    assert_eq!(photo["alt"], "Miến dong Na Rì");
    let widths: Vec<u64> = photo["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["format"] == "jpeg")
        .map(|v| v["width"].as_u64().unwrap())
        .collect();
    assert_eq!(
        widths,
        [320, 640, 700],
        "never enlarged beyond the original"
    );

    for v in photo["variants"].as_array().unwrap() {
        let url = v["url"].as_str().unwrap();
        assert!(
            url.starts_with("/media/public/") || url.starts_with("/media/img/"),
            "{url}"
        );
        // A buyer (signed out) fetches it.
        app.clear_cookies();
        let got = app.get(url).await;
        assert_eq!(got.status, StatusCode::OK, "{url}");
        assert_eq!(
            got.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(got.bytes.len() as u64, v["bytes"].as_u64().unwrap());
        assert!(!contains(&got.bytes, SECRET), "{url} leaks metadata");
        assert!(!contains(&got.bytes, b"Exif"), "{url} has EXIF");
        let ct = got.headers["content-type"].to_str().unwrap();
        assert_eq!(
            ct,
            if v["format"] == "webp" {
                "image/webp"
            } else {
                "image/jpeg"
            }
        );
        let img = image::load_from_memory(&got.bytes).expect("decodes");
        assert_eq!(
            (u64::from(img.width()), u64::from(img.height())),
            (v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap())
        );
        // Upright: red on top, blue below.
        let top = img.get_pixel(img.width() / 2, img.height() / 8).0;
        let bottom = img.get_pixel(img.width() / 2, img.height() * 7 / 8).0;
        assert!(top[0] > 150 && top[2] < 100, "top is red: {top:?} in {url}");
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "bottom is blue: {bottom:?}"
        );
        // An unchanged image is not sent twice.
        let etag = got.headers["etag"].to_str().unwrap().to_string();
        let again = app.get_with(url, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    }
    // The 320 px WebP is small enough for a grid on 3G.
    assert!(variant(&photo, 320, "webp")["bytes"].as_u64().unwrap() < 20_000);

    // The original keeps its metadata but is private: no URL reaches it.
    let originals = app.state.store.list("private/originals/").await.unwrap();
    assert_eq!(originals.len(), 1);
    let key = &originals[0].key;
    for path in [
        format!("/media/{key}"),
        format!("/media/../{key}"),
        format!("/media/%2e%2e/{key}"),
    ] {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn files_that_are_not_photos_are_refused_with_advice() {
    let mut app = TestApp::new().await;
    let (_, pid) = producer_product(&mut app).await;
    let mut png_zip = images::png(40, 40, RED);
    png_zip.extend_from_slice(b"PK\x03\x04\x14\0\0\0\x08\0payload.js");
    let mut jpeg_html = images::phone_jpeg(64, 64, RED, BLUE);
    jpeg_html.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo.format",
        ),
        (
            "html named .jpg",
            b"<!doctype html><title>x</title>".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo.format",
        ),
        (
            "iphone heic",
            b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo.heif",
        ),
        (
            "executable",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo.format",
        ),
        (
            "png + zip polyglot",
            png_zip,
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo.hidden_data",
        ),
        (
            "jpeg + html polyglot",
            jpeg_html,
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo.hidden_data",
        ),
        (
            "40,000 × 40,000 in 100 kB",
            images::huge_png(40_000, 40_000),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo.too_many_pixels",
        ),
        (
            "truncated jpeg",
            images::phone_jpeg(64, 64, RED, BLUE)[..300].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo.damaged",
        ),
        (
            "16 MB",
            {
                let mut big = images::phone_jpeg(64, 64, RED, BLUE);
                big.resize(16 * 1024 * 1024, 0);
                big
            },
            StatusCode::PAYLOAD_TOO_LARGE,
            "file.too_large",
        ),
    ];
    for (what, bytes, status, code) in cases {
        let r = upload_photo(&mut app, pid, &bytes).await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert_eq!(r.error_code(), code, "{what}");
        assert_eq!(r.json()["error"]["field"], "file", "{what}");
        let message = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            !message.starts_with("error."),
            "{what}: no message for {message}"
        );
    }
    // The advice names the formats that work.
    let r = upload_photo(&mut app, pid, b"<svg/>").await;
    let message = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("JPEG"), "{message}");
    let heic = upload_photo(&mut app, pid, b"\0\0\0\x18ftypheic\0\0\0\0").await;
    assert!(
        heic.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("JPEG")
    );
    // Nothing was kept.
    let listed = app.get(&format!("/api/v1/products/{pid}/photos")).await;
    assert_eq!(listed.json(), json!([]));
    assert!(app.state.store.list("").await.unwrap().is_empty());
}

#[tokio::test]
async fn photos_are_ordered_the_first_is_the_cover_and_deleting_removes_objects() {
    let mut app = TestApp::new().await;
    let (_, pid) = producer_product(&mut app).await;
    let mut ids = Vec::new();
    for colour in [RED, BLUE, [30, 160, 30]] {
        let r = upload_photo(&mut app, pid, &images::png(500, 400, colour)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    // The same photo sent twice (a retry on a flaky line) is one photo.
    let again = upload_photo(&mut app, pid, &images::png(500, 400, BLUE)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["id"], ids[1]);

    let r = app
        .json(
            "PUT",
            &format!("/api/v1/products/{pid}/photos/order"),
            json!({"photo_ids": [ids[2], ids[0], ids[1]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let order: Vec<i64> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [ids[2], ids[0], ids[1]]);
    assert_eq!(r.json()[0]["cover"], true);
    let partial = app
        .json(
            "PUT",
            &format!("/api/v1/products/{pid}/photos/order"),
            json!({"photo_ids": [ids[2]]}),
        )
        .await;
    assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The product carries its photos, cover first.
    let product = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(product["photos"][0]["id"], ids[2]);
    assert_eq!(product["photos"].as_array().unwrap().len(), 3);

    let before = app.state.store.list("").await.unwrap().len();
    let cover_urls: Vec<String> = product["photos"][0]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["url"].as_str().unwrap().to_string())
        .collect();
    let r = app
        .delete(&format!("/api/v1/products/{pid}/photos/{}", ids[2]))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let product = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(
        product["photos"][0]["id"], ids[0],
        "the next photo is the cover"
    );
    assert_eq!(product["photos"][0]["position"], 0);
    for url in &cover_urls {
        assert_eq!(app.get(url).await.status, StatusCode::NOT_FOUND, "{url}");
    }
    // Original and 2 widths × 2 formats (500 px wide: 320 and 500).
    assert_eq!(app.state.store.list("").await.unwrap().len(), before - 5);

    // Deleting the product removes everything it stored.
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/products/{pid}/documents"),
            &[
                ("kind", "trademark_certificate"),
                ("title", "Giấy chứng nhận nhãn hiệu"),
            ],
            &[("file", "gcn.pdf", b"%PDF-1.4\n1 0 obj\n%%EOF\n")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        app.delete(&format!("/api/v1/products/{pid}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.state.store.list("").await.unwrap(), vec![]);
}

#[tokio::test]
async fn only_the_enterprise_and_staff_change_photos() {
    let mut app = TestApp::new().await;
    let (_, pid) = producer_product(&mut app).await;
    let photo = images::png(100, 100, RED);
    app.clear_cookies();
    assert_eq!(
        upload_photo(&mut app, pid, &photo).await.status,
        StatusCode::NOT_FOUND
    );
    app.producer_with_enterprise("0912000222", "Cơ sở khác")
        .await;
    assert_eq!(
        upload_photo(&mut app, pid, &photo).await.status,
        StatusCode::NOT_FOUND
    );
    publish(&mut app, pid, "0912000111").await;
    // Staff add photos for a producer.
    let r = upload_photo(&mut app, pid, &photo).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.sign_in("0912000222").await;
    let r = upload_photo(&mut app, pid, &images::png(100, 100, BLUE)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let pid_photo = r.json();
    assert_eq!(pid_photo["error"]["code"], "auth.forbidden");
    // Everyone sees the photos of a published product.
    app.clear_cookies();
    let listed = app.get(&format!("/api/v1/products/{pid}/photos")).await;
    assert_eq!(listed.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn published_photos_reach_pages_and_search() {
    let mut app = TestApp::new().await;
    let (eid, pid) = producer_product(&mut app).await;
    upload_photo(&mut app, pid, &images::phone_jpeg(1800, 2400, RED, BLUE)).await;
    let logo = app
        .multipart(
            "PUT",
            &format!("/api/v1/enterprises/{eid}/logo"),
            &[],
            &[("file", "logo.png", &images::png(256, 256, BLUE))],
        )
        .await;
    assert_eq!(logo.status, StatusCode::OK, "{}", logo.body);
    publish(&mut app, pid, "0912000111").await;
    app.index().await;
    app.clear_cookies();
    let hits = app.get("/api/v1/search?q=mien%20dong").await.json();
    let hit = &hits["hits"][0];
    assert_eq!(hit["id"], pid);
    let thumb = hit["thumbnail"].as_str().expect("thumbnail in the hit");
    assert!(thumb.ends_with("-320.jpg"), "{thumb}");
    assert_eq!(app.get(thumb).await.status, StatusCode::OK);

    let page = app.get("/san-pham/mien-dong-na-ri").await;
    assert!(page.body.contains("srcset="), "product page uses srcset");
    assert!(page.body.contains("type=\"image/webp\""));
    assert!(page.body.contains("-1600.webp 1600w"));
    let browse = app.get("/san-pham").await;
    assert!(browse.body.contains("loading=\"lazy\""));
    assert!(browse.body.contains("-320.webp 320w"));
    assert!(
        !browse.body.contains("-1600."),
        "the grid never asks for the largest size"
    );
    let e = app.get(&format!("/api/v1/enterprises/{eid}")).await.json();
    assert!(
        e["logo"]["thumbnail"]
            .as_str()
            .unwrap()
            .ends_with("-256.jpg")
    );
}

#[tokio::test]
async fn documents_are_private_and_verified_ones_show_on_the_product() {
    let mut app = TestApp::new().await;
    let (eid, pid) = producer_product(&mut app).await;
    let pdf = b"%PDF-1.7\n% chung nhan nhan hieu\n1 0 obj <<>> endobj\n%%EOF\n";
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/enterprises/{eid}/documents"),
            &[
                ("kind", "trademark_certificate"),
                ("title", "Giấy chứng nhận nhãn hiệu tập thể"),
                ("product_id", &pid.to_string()),
            ],
            &[("file", "Giấy CN nhãn hiệu.pdf", pdf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let doc = r.json();
    assert_eq!(doc["verified"], false);
    assert_eq!(doc["file_name"], "Giấy CN nhãn hiệu.pdf");
    let did = doc["id"].as_i64().unwrap();

    // Wrong kinds of file and missing fields are explained.
    let bad = app
        .multipart(
            "POST",
            &format!("/api/v1/products/{pid}/documents"),
            &[("kind", "diploma"), ("title", "")],
            &[("file", "scan.docx", b"PK\x03\x04 word document")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["kind", "title", "file"]);

    // The member downloads it.
    let file = app.get(&format!("/api/v1/documents/{did}/file")).await;
    let body = if file.status == StatusCode::SEE_OTHER {
        // S3: a short-lived signed link.
        let url = file.location().to_string();
        assert!(url.contains("X-Amz-Expires=300"), "{url}");
        reqwest::get(&url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    } else {
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.headers["content-type"], "application/pdf");
        assert!(
            file.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(file.headers["cache-control"], "private, no-store");
        file.bytes
    };
    assert_eq!(body, pdf);

    // Others do not even learn it exists.
    app.producer_with_enterprise("0912000333", "Cơ sở bên cạnh")
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/documents/{did}/file"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/api/v1/enterprises/{eid}/documents"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let verify = app
        .post_json(
            &format!("/api/v1/documents/{did}/verify"),
            json!({"verified": true}),
        )
        .await;
    assert_eq!(verify.status, StatusCode::FORBIDDEN);
    app.clear_cookies();
    assert_eq!(
        app.get(&format!("/api/v1/documents/{did}/file"))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Published, but not yet verified: no badge.
    publish(&mut app, pid, "0912000111").await;
    app.clear_cookies();
    let page = app.get("/san-pham/mien-dong-na-ri").await;
    assert!(
        !page.body.contains("đã được Trung tâm xác minh"),
        "no badge before verification"
    );
    let product = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(product["verified_documents"], json!([]));

    app.sign_in("canbo-duyet@example.vn").await;
    let verify = app
        .post_json(
            &format!("/api/v1/documents/{did}/verify"),
            json!({"verified": true}),
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK, "{}", verify.body);
    assert_eq!(verify.json()["verified"], true);
    app.clear_cookies();
    let page = app.get("/san-pham/mien-dong-na-ri").await;
    assert!(
        page.body
            .contains("Giấy chứng nhận nhãn hiệu đã được Trung tâm xác minh"),
        "badge after verification"
    );
    let product = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(
        product["verified_documents"],
        json!(["trademark_certificate"])
    );
    // The document itself stays private.
    assert!(!page.body.contains(&format!("/api/v1/documents/{did}/file")));
}

#[tokio::test]
async fn a_store_that_is_down_loses_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = ketnoi::config::Config {
        storage: ketnoi::config::StorageConfig::S3(ketnoi::storage::s3::S3Settings {
            // Nothing listens here.
            endpoint: Some("http://127.0.0.1:9".into()),
            region: "us-east-1".into(),
            bucket: "ketnoi".into(),
            access_key: "a".into(),
            secret_key: "b".into(),
            path_style: true,
        }),
        ..Default::default()
    };
    let mut app = TestApp::with_config(config).await;
    let (_, pid) = producer_product(&mut app).await;
    let r = upload_photo(&mut app, pid, &images::png(100, 100, RED)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.error_code(), "storage.unavailable");
    assert_eq!(
        app.get(&format!("/api/v1/products/{pid}/photos"))
            .await
            .json(),
        json!([])
    );
    // The rest of the site works.
    assert_eq!(
        app.get(&format!("/api/v1/products/{pid}")).await.status,
        StatusCode::OK
    );
    drop(dir);
}

/// The S3 server killed in the middle of a stream of uploads, then started again: each
/// upload is either stored whole (201) or refused with `storage.unavailable` (503); no photo
/// or document row points at an object the store does not have, and uploads work again
/// once the store is back, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_killed_during_uploads_leaves_no_row_without_its_object() {
    let Some(mut server) = common::s3::S3Server::start() else {
        return;
    };
    let config = ketnoi::config::Config {
        storage: ketnoi::config::StorageConfig::S3(server.settings("ketnoi-down")),
        ..Default::default()
    };
    let mut app = TestApp::with_config(config).await;
    let (eid, pid) = producer_product(&mut app).await;
    let pid_killer = server.pid();
    let (mut stored, mut refused) = (0, 0);
    for n in 0u8..40 {
        if n == 6 {
            // Killed from outside while an upload is being stored.
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(15));
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid_killer.to_string()])
                    .status();
            });
        }
        let r = upload_photo(
            &mut app,
            pid,
            &images::png(640, 480, [n * 6, 90, 200 - n * 4]),
        )
        .await;
        match r.status {
            StatusCode::CREATED => stored += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(r.error_code(), "storage.unavailable", "{}", r.body);
                refused += 1;
            }
            other => panic!("upload {n}: {other} {}", r.body),
        }
        if stored == 12 {
            break;
        }
    }
    // A document while the store is down: refused, nothing recorded.
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n";
    let document = async |app: &mut TestApp| {
        app.multipart(
            "POST",
            &format!("/api/v1/enterprises/{eid}/documents"),
            &[
                ("kind", "trademark_certificate"),
                ("title", "Giấy chứng nhận nhãn hiệu"),
            ],
            &[("file", "nhan-hieu.pdf", pdf)],
        )
        .await
    };
    let r = document(&mut app).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.error_code(), "storage.unavailable");
    assert!(
        stored >= 6 && refused >= 1,
        "stored {stored}, refused {refused}"
    );

    server.resume();
    let listed = app
        .get(&format!("/api/v1/products/{pid}/photos"))
        .await
        .json();
    assert_eq!(listed.as_array().map(Vec::len), Some(stored), "{listed}");
    assert_eq!(
        app.get(&format!("/api/v1/enterprises/{eid}/documents"))
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    // Every object a row names is in the store, and is served.
    let missing = ketnoi::jobs::storage::check(&app.state).await.unwrap();
    assert!(missing.is_empty(), "{missing:?}");
    for photo in listed.as_array().unwrap() {
        let url = photo["variants"][0]["url"].as_str().unwrap();
        assert_eq!(app.get(url).await.status, StatusCode::OK, "{url}");
    }
    // The store is back: uploads work again, without a restart.
    let r = upload_photo(&mut app, pid, &images::png(320, 240, BLUE)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = document(&mut app).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    eprintln!(
        "store killed mid-stream: {stored} uploads stored, {refused} refused, none half-written"
    );
}

#[tokio::test]
async fn storage_check_finds_missing_objects_and_gc_removes_orphans() {
    let mut app = TestApp::new().await;
    let (_, pid) = producer_product(&mut app).await;
    let photo = upload_photo(&mut app, pid, &images::png(400, 300, RED))
        .await
        .json();
    assert!(
        ketnoi::jobs::storage::check(&app.state)
            .await
            .unwrap()
            .is_empty()
    );

    // An orphan (an upload whose row was never written) and a missing object.
    app.state
        .store
        .put(
            "public/img/zz/orphan-320.webp",
            bytes::Bytes::from_static(b"x"),
            "image/webp",
        )
        .await
        .unwrap();
    let lost = variant(&photo, 320, "webp")["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/media/")
        .to_string();
    app.state
        .store
        .delete(&format!("public/{lost}"))
        .await
        .unwrap();

    let missing = ketnoi::jobs::storage::check(&app.state).await.unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].record, "photo");
    assert_eq!(missing[0].key, format!("public/{lost}"));

    // Within the grace period nothing goes; after it, only the orphan.
    let young = ketnoi::jobs::storage::gc(&app.state, chrono::Duration::hours(1), false)
        .await
        .unwrap();
    assert!(young.is_empty());
    let dry = ketnoi::jobs::storage::gc(&app.state, chrono::Duration::seconds(-5), true)
        .await
        .unwrap();
    assert_eq!(dry, ["public/img/zz/orphan-320.webp"]);
    assert!(
        app.state
            .store
            .exists("public/img/zz/orphan-320.webp")
            .await
            .unwrap()
    );
    let removed = ketnoi::jobs::storage::gc(&app.state, chrono::Duration::seconds(-5), false)
        .await
        .unwrap();
    assert_eq!(removed, ["public/img/zz/orphan-320.webp"]);
    assert!(
        !app.state
            .store
            .exists("public/img/zz/orphan-320.webp")
            .await
            .unwrap()
    );
    assert_eq!(
        app.state.store.list("").await.unwrap().len(),
        4,
        "the photo's other objects stay"
    );
}

#[tokio::test]
async fn the_plain_forms_manage_photos_and_documents_without_scripts() {
    let mut app = TestApp::new().await;
    let (eid, pid) = producer_product(&mut app).await;
    let page = app.get(&format!("/dashboard/products/{pid}/media")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("capture=\"environment\""),
        "a camera button"
    );
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let token = app.csrf().await;

    // Without the form token the upload is refused, and nothing is stored.
    let forged = app
        .multipart(
            "POST",
            &format!("/dashboard/products/{pid}/photos"),
            &[],
            &[("file", "a.png", &images::png(300, 200, RED))],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(app.state.store.list("").await.unwrap().is_empty());

    // Two photos in one form: the camera's and one from the gallery.
    let r = app
        .multipart(
            "POST",
            &format!("/dashboard/products/{pid}/photos?csrf={token}"),
            &[],
            &[
                (
                    "file",
                    "camera.jpg",
                    &images::phone_jpeg(800, 600, RED, BLUE),
                ),
                ("file", "gallery.png", &images::png(300, 200, BLUE)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location()).await;
    assert!(page.body.contains("Đã thêm ảnh."), "{}", page.body);
    let photos = app
        .get(&format!("/api/v1/products/{pid}/photos"))
        .await
        .json();
    let second = photos[1]["id"].as_i64().unwrap();

    // A refused file is explained on the page, in Vietnamese.
    let refused = app
        .multipart(
            "POST",
            &format!("/dashboard/products/{pid}/photos?csrf={token}"),
            &[],
            &[("file", "anh.heic", b"\0\0\0\x18ftypheic\0\0\0\0")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("HEIC"), "{}", refused.body);
    assert!(refused.body.contains("Tương thích nhất"));

    // Each photo button posts to its own address: make the second the cover, move it
    // down and back up, then delete it.
    let photo = format!("/dashboard/products/{pid}/photos/{second}");
    let page = app.get(&format!("/dashboard/products/{pid}/media")).await;
    for action in ["cover", "move-up", "delete"] {
        assert!(
            page.body
                .contains(&format!("formaction=\"{photo}/{action}\"")),
            "{action}: {}",
            page.body
        );
    }
    let order = |photos: &serde_json::Value| -> Vec<i64> {
        let list = photos.as_array().expect("a list");
        list.iter().map(|p| p["id"].as_i64().expect("id")).collect()
    };
    let r = app.post_form(&format!("{photo}/cover"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.location(),
        format!("/dashboard/products/{pid}/media?done=saved#photos")
    );
    let photos = app
        .get(&format!("/api/v1/products/{pid}/photos"))
        .await
        .json();
    assert_eq!(photos[0]["id"], second);
    let first = order(&photos)[1];
    let r = app.post_form(&format!("{photo}/move-down"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let photos = app
        .get(&format!("/api/v1/products/{pid}/photos"))
        .await
        .json();
    assert_eq!(order(&photos), [first, second]);
    let r = app.post_form(&format!("{photo}/move-up"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let photos = app
        .get(&format!("/api/v1/products/{pid}/photos"))
        .await
        .json();
    assert_eq!(order(&photos), [second, first]);
    // The buttons' earlier single target still takes the action by name.
    let r = app.post_form(&photo, &[("action", "down")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let photos = app
        .get(&format!("/api/v1/products/{pid}/photos"))
        .await
        .json();
    assert_eq!(order(&photos), [first, second]);
    let r = app.post_form(&format!("{photo}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let photos = app
        .get(&format!("/api/v1/products/{pid}/photos"))
        .await
        .json();
    assert_eq!(photos.as_array().unwrap().len(), 1);

    // A certificate for the enterprise, verified by staff from their queue.
    let r = app
        .multipart(
            "POST",
            &format!("/dashboard/enterprises/{eid}/documents?csrf={token}"),
            &[
                ("kind", "ocop_certificate"),
                ("title", "Chứng nhận OCOP 4 sao 2023"),
                ("product_id", ""),
            ],
            &[("file", "ocop.png", &images::png(600, 800, [250, 250, 250]))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get(&format!("/dashboard/enterprises/{eid}/media"))
        .await;
    assert!(page.body.contains("Chứng nhận OCOP 4 sao 2023"));
    assert!(page.body.contains("Chưa xác minh"));
    app.sign_in_new("staff", "canbo-xacminh@example.vn").await;
    let queue = app.get("/staff/documents").await;
    assert!(
        queue.body.contains("Chứng nhận OCOP 4 sao 2023"),
        "{}",
        queue.body
    );
    let did = app
        .get(&format!("/api/v1/enterprises/{eid}/documents"))
        .await
        .json()[0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post_form(
            &format!("/staff/documents/{did}/verify"),
            &[("verified", "true"), ("back", "/staff/documents")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/staff/documents");
    let queue = app.get("/staff/documents").await;
    assert!(!queue.body.contains("Chứng nhận OCOP 4 sao 2023"));
    let file = app.get(&format!("/dashboard/documents/{did}/file")).await;
    assert!(matches!(
        file.status,
        StatusCode::OK | StatusCode::SEE_OTHER
    ));
    // Producers cannot verify.
    app.sign_in("0912000111").await;
    let r = app
        .post_form(
            &format!("/staff/documents/{did}/verify"),
            &[("verified", "false")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
