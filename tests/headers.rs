//! The security headers every answer carries, through the real router: the content policy,
//! no framing, no sniffing, the referrer policy, HSTS behind https, `no-store` for what a
//! signed-in person sees, and uploads and documents that can run nothing.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

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

#[tokio::test]
async fn the_print_page_allows_only_its_own_style() {
    let mut desk = common::desk::desk().await;
    let app = &mut desk.app;
    app.sign_in(common::desk::STAFF).await;
    let r = app
        .post_json(
            "/api/v1/fairs",
            json!({"name": "Hội chợ OCOP 2026", "starts_on": "2026-12-10", "ends_on": "2026-12-12",
                   "venue": "Quảng trường", "province_code": common::desk::THAI_NGUYEN,
                   "organiser": "Sở Công Thương", "status": "open"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let slug = r.json()["slug"].as_str().expect("slug").to_string();
    app.clear_cookies();
    let nonce_of = |r: &TestResponse| {
        let csp = header(r, "content-security-policy").to_string();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {csp}"))
            .to_string();
        assert_eq!(
            csp,
            format!(
                "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; \
                 font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            )
        );
        nonce
    };
    let first = app.get(&format!("/hoi-cho/{slug}/in/catalogue")).await;
    assert_eq!(first.status, StatusCode::OK);
    let nonce = nonce_of(&first);
    assert!(nonce.len() >= 32, "{nonce}");
    assert_eq!(first.body.matches("<style").count(), 1);
    assert!(first.body.contains(&format!("<style nonce=\"{nonce}\">")));
    assert_protected(&first, "print page");
    let second = app.get(&format!("/hoi-cho/{slug}/in/catalogue")).await;
    assert_ne!(nonce_of(&second), nonce, "a new nonce for every answer");
}

/// The attribute names in what follows a tag's name (values, quoted or not, skipped).
fn attribute_names(rest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && !matches!(c, '=' | '/')))
                .collect();
        if name.is_empty() {
            break;
        }
        names.push(name);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            match chars.next_if(|c| matches!(c, '"' | '\'')) {
                Some(quote) => while chars.next().is_some_and(|c| c != quote) {},
                None => while chars.next_if(|c| !c.is_whitespace()).is_some() {},
            }
        }
    }
    names
}

/// What in a page the page policy would block: inline styles, inline scripts, event
/// handlers, `javascript:` links, and `<style>` without the page's nonce.
fn policy_breaches(html: &str, nonce: Option<&str>) -> Vec<String> {
    let mut found = Vec::new();
    for tag in html.split('<').skip(1) {
        let Some(tag) = tag.split('>').next() else {
            continue;
        };
        let lower = tag.to_lowercase();
        let name = lower.split_whitespace().next().unwrap_or_default();
        let attributes = attribute_names(&lower[name.len()..]);
        let attributes: Vec<&str> = attributes.iter().map(String::as_str).collect();
        if attributes.contains(&"style") {
            found.push(format!("inline style: <{tag}>"));
        }
        if attributes.iter().any(|a| a.starts_with("on")) {
            found.push(format!("event handler: <{tag}>"));
        }
        if lower.contains("javascript:") {
            found.push(format!("javascript: URL: <{tag}>"));
        }
        if name == "script" && !attributes.contains(&"src") {
            found.push(format!("inline script: <{tag}>"));
        }
        if name == "style" {
            let allowed = nonce.is_some_and(|n| tag == format!("style nonce=\"{n}\""));
            if !allowed {
                found.push(format!("style element without the nonce: <{tag}>"));
            }
        }
    }
    found
}

#[tokio::test]
async fn no_page_needs_what_the_policy_forbids() {
    use common::desk::*;
    let mut desk = desk().await;
    let (a, product_a) = (desk.a, desk.product_a);
    let app = &mut desk.app;
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            "/api/v1/fairs",
            json!({"name": "Hội chợ OCOP 2026", "starts_on": "2026-12-10", "ends_on": "2026-12-12",
                   "venue": "Quảng trường", "province_code": THAI_NGUYEN,
                   "organiser": "Sở Công Thương", "status": "open"}),
        )
        .await;
    let fair = r.json();
    let (fid, slug) = (
        fair["id"].as_i64().expect("id"),
        fair["slug"].as_str().expect("slug").to_string(),
    );
    let r = app
        .post_json(
            &format!("/api/v1/fairs/{fid}/exhibitors"),
            json!({"enterprise_id": a, "booth": "A2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Something to draw bars for: a scan, and a request on the desk.
    app.clear_cookies();
    app.get(&format!("/san-pham/mien-dong-con-minh?hoi-cho={slug}&qr=1"))
        .await;
    let mut request = linkage();
    request["contact_name"] = json!("Anh Tùng");
    request["contact_phone"] = json!("0977 111 222");
    let r = app.post_json("/api/v1/requests", request).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let visitor = [
        "/".to_string(),
        "/san-pham".into(),
        "/san-pham/mien-dong-con-minh".into(),
        "/co-so/htx-con-minh".into(),
        "/tim-kiem?q=mien%20dong".into(),
        "/hoi-cho".into(),
        format!("/hoi-cho/{slug}"),
        format!("/hoi-cho/{slug}/gian/A2"),
        "/dang-nhap".into(),
        "/dang-ky".into(),
        "/yeu-cau/moi".into(),
        "/api/docs".into(),
        "/khong-co-trang-nay".into(),
    ];
    let producer = [
        "/dashboard".to_string(),
        format!("/dashboard/products/{product_a}/edit"),
        format!("/dashboard/products/{product_a}/media"),
        format!("/dashboard/enterprises/{a}/media"),
        "/dashboard/products/new".into(),
        "/yeu-cau".into(),
        "/thong-bao".into(),
        format!("/hoi-cho/{slug}/khach-hang"),
    ];
    let staff = [
        "/staff/review".to_string(),
        "/staff/requests".into(),
        "/staff/requests/stats".into(),
        "/staff/fairs".into(),
        format!("/staff/fairs/{fid}"),
        format!("/hoi-cho/{slug}/ket-qua"),
        "/staff/documents".into(),
        "/staff/audit".into(),
        "/staff/search".into(),
        "/staff/producers/new".into(),
    ];
    let mut pages = Vec::new();
    app.clear_cookies();
    for path in &visitor {
        pages.push((path.clone(), app.get(path).await));
    }
    app.sign_in(PRODUCER_A).await;
    for path in &producer {
        pages.push((path.clone(), app.get(path).await));
    }
    app.sign_in(STAFF).await;
    for path in &staff {
        pages.push((path.clone(), app.get(path).await));
    }
    for (path, page) in &pages {
        assert!(
            page.status == StatusCode::OK || path == "/khong-co-trang-nay",
            "{path}: {}",
            page.status
        );
        assert_eq!(header(page, "content-security-policy"), PAGE_CSP, "{path}");
        let breaches = policy_breaches(&page.body, None);
        assert!(breaches.is_empty(), "{path}: {breaches:#?}");
    }
    let body = |path: &str| &pages.iter().find(|(p, _)| p == path).expect(path).1.body;
    // Search highlights and the bars of the results still show, without inline styles (the
    // booth: the scan above, and the visitor who opened its page).
    assert!(body("/tim-kiem?q=mien%20dong").contains("<mark>"));
    let results = body(&format!("/hoi-cho/{slug}/ket-qua"));
    assert!(
        results.contains("<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect width=\"100\" height=\"10\"/></svg> 1 / 1"),
        "{results}"
    );
    assert!(body("/staff/requests/stats").contains("<svg class=\"bar\""));

    // The print page keeps its one `<style>`, allowed by the nonce of its own policy.
    app.clear_cookies();
    let print = app.get(&format!("/hoi-cho/{slug}/in/catalogue")).await;
    let csp = header(&print, "content-security-policy");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("a nonce");
    assert!(print.body.contains("<svg"), "QR codes drawn inline");
    let breaches = policy_breaches(&print.body, Some(nonce));
    assert!(breaches.is_empty(), "{breaches:#?}");
    assert!(
        !policy_breaches(&print.body, Some("another-nonce")).is_empty(),
        "the check sees a style element with the wrong nonce"
    );
}
