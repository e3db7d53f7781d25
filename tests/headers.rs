//! The security headers every answer carries, through the real router: the content policy,
//! no framing, no sniffing, the referrer policy, HSTS behind https, `no-store` for what a
//! signed-in person sees, and uploads and documents that can run nothing.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};

use common::{TestApp, TestResponse, images};

const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const UPLOAD_CSP: &str = "default-src 'none'; sandbox";

fn header<'a>(r: &'a TestResponse, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn assert_protected(r: &TestResponse, what: &str) {
    assert_eq!(header(r, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(r, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(
        header(r, "referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
}

#[tokio::test]
async fn every_answer_carries_the_page_policy_and_the_browser_guards() {
    let mut app = TestApp::new().await;
    let cross_site = Request::post("/api/v1/auth/logout")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .expect("request");
    let refused = app.send(cross_site).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let answers = [
        ("home page", app.get("/").await),
        ("search page", app.get("/tim-kiem?q=mien").await),
        ("missing page", app.get("/khong-co-trang-nay").await),
        ("API", app.get("/api/v1/categories").await),
        ("API error", app.get("/api/v1/products/999999").await),
        ("style sheet", app.get("/static/app.css").await),
        ("cross-site refusal", refused),
    ];
    for (what, r) in &answers {
        assert_eq!(header(r, "content-security-policy"), PAGE_CSP, "{what}");
        assert_protected(r, what);
        assert_eq!(
            header(r, "strict-transport-security"),
            "",
            "{what}: no HSTS over plain http"
        );
        assert_ne!(
            header(r, "cache-control"),
            "no-store",
            "{what}: a visitor's answers may be cached"
        );
    }
    assert_eq!(
        header(&answers[5].1, "cache-control"),
        "public, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn behind_https_every_answer_asks_for_https_for_a_year() {
    let mut app = TestApp::with_config(ketnoi::config::Config {
        public_url: Some("https://ketnoi.example.vn".into()),
        ..Default::default()
    })
    .await;
    for path in ["/", "/api/v1/categories", "/static/app.js", "/khong-co"] {
        let r = app.get(path).await;
        assert_eq!(
            header(&r, "strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
        assert_protected(&r, path);
    }
}

#[tokio::test]
async fn what_a_signed_in_person_sees_is_never_stored() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("0912000111", "HTX Miến dong Na Rì")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    for path in [
        "/dashboard".to_string(),
        format!("/dashboard/products/{pid}/media"),
        "/api/v1/me".to_string(),
        format!("/api/v1/products/{pid}"),
        "/".to_string(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(header(&r, "cache-control"), "no-store", "{path}");
        assert_eq!(header(&r, "content-security-policy"), PAGE_CSP, "{path}");
    }
    // What is the same for everyone keeps its own long caching.
    let css = app.get("/static/app.css").await;
    assert_eq!(
        header(&css, "cache-control"),
        "public, max-age=31536000, immutable"
    );

    // A session cookie that names no session is a visitor's request.
    app.clear_cookies();
    let forged = app
        .get_with(
            "/",
            &[(
                "cookie",
                "ketnoi_session=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            )],
        )
        .await;
    assert_eq!(forged.status, StatusCode::OK);
    assert_ne!(header(&forged, "cache-control"), "no-store");
    let visitor = app.get("/").await;
    assert_ne!(header(&visitor, "cache-control"), "no-store");
}

#[tokio::test]
async fn photos_and_documents_people_uploaded_can_run_nothing() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("0912000111", "HTX Miến dong Na Rì")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/products/{pid}/photos"),
            &[],
            &[("file", "anh.png", &images::png(400, 300, images::RED)[..])],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let url = r.json()["variants"][0]["url"]
        .as_str()
        .expect("variant url")
        .to_string();
    // Signed in or not, a variant is the same immutable file with the upload policy.
    for signed_in in [true, false] {
        if !signed_in {
            app.clear_cookies();
        }
        let photo = app.get(&url).await;
        assert_eq!(photo.status, StatusCode::OK, "{url}");
        assert_eq!(header(&photo, "content-security-policy"), UPLOAD_CSP);
        assert_eq!(
            header(&photo, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_protected(&photo, "photo");
        let etag = header(&photo, "etag").to_string();
        let again = app.get_with(&url, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert_eq!(header(&again, "content-security-policy"), UPLOAD_CSP);
    }

    app.sign_in("0912000111").await;
    let pdf = b"%PDF-1.7\n% giay chung nhan\n1 0 obj <<>> endobj\n%%EOF\n";
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/enterprises/{eid}/documents"),
            &[
                ("kind", "trademark_certificate"),
                ("title", "Giấy chứng nhận"),
            ],
            &[("file", "giay-chung-nhan.html", pdf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let did = r.json()["id"].as_i64().expect("id");
    for path in [
        format!("/api/v1/documents/{did}/file"),
        format!("/dashboard/documents/{did}/file"),
    ] {
        let file = app.get(&path).await;
        assert_eq!(
            header(&file, "content-security-policy"),
            UPLOAD_CSP,
            "{path}"
        );
        assert_protected(&file, &path);
        assert_eq!(
            header(&file, "cache-control"),
            "private, no-store",
            "{path}"
        );
        if file.status == StatusCode::SEE_OTHER {
            // S3: the store answers the signed link itself, as an attachment.
            assert!(
                file.location()
                    .contains("response-content-disposition=attachment")
            );
            continue;
        }
        assert_eq!(file.status, StatusCode::OK, "{path}");
        // Judged by its bytes: a PDF, whatever its name said, and never shown inline.
        assert_eq!(header(&file, "content-type"), "application/pdf", "{path}");
        let disposition = header(&file, "content-disposition");
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(disposition.contains(".pdf"), "{disposition}");
        assert_eq!(file.bytes, pdf);
    }
}
