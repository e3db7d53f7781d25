//! Public product and enterprise pages come from the rendered-page cache: served again
//! with a validator until the change log says something on them changed, never kept for
//! someone signed in, and never holding what buyers may not see.

mod common;

use axum::http::{StatusCode, header};
use serde_json::json;

use common::{TestApp, TestResponse};

const PRODUCER: &str = "0912000111";
const STAFF: &str = "canbo@ketnoi.vn";

fn head(r: &TestResponse, name: header::HeaderName) -> &str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A staff member, a producer with an enterprise and one published product; the app is
/// left signed out. Returns (enterprise id, product id, product page, enterprise page).
async fn published() -> (TestApp, i64, i64, String, String) {
    let mut app = TestApp::new().await;
    app.sign_in_new("staff", STAFF).await;
    let (_, eid) = app
        .producer_with_enterprise(PRODUCER, "HTX Miến dong Na Rì")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    app.submit_and_approve(pid, PRODUCER, STAFF).await;
    let product = app.get(&format!("/api/v1/products/{pid}")).await.json();
    let enterprise = app.get(&format!("/api/v1/enterprises/{eid}")).await.json();
    app.clear_cookies();
    (
        app,
        eid,
        pid,
        product["url"].as_str().expect("url").to_string(),
        enterprise["url"].as_str().expect("url").to_string(),
    )
}

#[tokio::test]
async fn a_visitor_gets_the_kept_page_with_a_validator_and_an_approved_edit_at_once() {
    let (mut app, _, pid, url, enterprise_url) = published().await;

    let first = app.get(&url).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains("Miến dong Na Rì"));
    let etag = head(&first, header::ETAG).to_string();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    assert_eq!(
        head(&first, header::CACHE_CONTROL),
        "public, max-age=0, must-revalidate"
    );
    assert!(
        first.headers.get(header::SET_COOKIE).is_none(),
        "a page shared by every visitor sets no cookie"
    );
    assert_eq!(app.state.pages.size().0, 1, "the page is kept");
    let again = app.get(&url).await;
    assert_eq!(again.body, first.body);
    assert_eq!(head(&again, header::ETAG), etag);
    let revalidated = app.get_with(&url, &[("if-none-match", &etag)]).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert!(revalidated.body.is_empty());
    assert_eq!(head(&revalidated, header::ETAG), etag);
    // The other language is a page of its own.
    let english = app.get_with(&url, &[("accept-language", "en")]).await;
    assert_eq!(english.status, StatusCode::OK);
    assert_ne!(head(&english, header::ETAG), etag);

    // The producer renames the product: it waits for the centre, and buyers keep seeing
    // the approved page.
    app.sign_in(PRODUCER).await;
    let r = app
        .patch_json(
            &format!("/api/v1/products/{pid}"),
            json!({"name": "Miến dong Na Rì loại đặc biệt"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.clear_cookies();
    let waiting = app.get(&url).await;
    assert!(
        !waiting.body.contains("loại đặc biệt"),
        "a proposal is never public"
    );

    // Staff approve it: the very next visitor sees it, and the old validator no longer
    // matches.
    app.sign_in(STAFF).await;
    let r = app.review(pid, json!({"decision": "approve"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.clear_cookies();
    let after = app.get_with(&url, &[("if-none-match", &etag)]).await;
    assert_eq!(after.status, StatusCode::OK);
    assert!(after.body.contains("Miến dong Na Rì loại đặc biệt"));
    assert_ne!(head(&after, header::ETAG), etag);

    // The enterprise page and the product page list the enterprise's products: a new one
    // approved shows on both at once.
    let listed = app.get(&enterprise_url).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.body.contains("Miến dong Côn Minh"));
    app.sign_in(PRODUCER).await;
    let eid = app.get(&format!("/api/v1/products/{pid}")).await.json()["enterprise_id"]
        .as_i64()
        .expect("enterprise");
    let other = app.create_product(eid, "Miến dong Côn Minh").await;
    app.submit_and_approve(other, PRODUCER, STAFF).await;
    app.clear_cookies();
    assert!(
        app.get(&enterprise_url)
            .await
            .body
            .contains("Miến dong Côn Minh")
    );
    assert!(app.get(&url).await.body.contains("Miến dong Côn Minh"));

    // Taken down: gone at once, not served from the cache.
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/products/{other}/unpublish"),
            json!({"reason": "Hết hàng"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.clear_cookies();
    assert!(!app.get(&url).await.body.contains("Miến dong Côn Minh"));
}

#[tokio::test]
async fn a_draft_or_a_signed_in_view_is_never_kept() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise(PRODUCER, "HTX Miến dong Na Rì")
        .await;
    let pid = app.create_product(eid, "Miến dong bản nháp").await;
    let url = app.get(&format!("/api/v1/products/{pid}")).await.json()["url"]
        .as_str()
        .expect("url")
        .to_string();

    // The producer sees the draft, marked private, and nothing is kept.
    let mine = app.get(&url).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert!(mine.body.contains("Miến dong bản nháp"));
    assert_eq!(head(&mine, header::CACHE_CONTROL), "no-store");
    assert!(mine.headers.get(header::ETAG).is_none());
    assert_eq!(app.state.pages.size(), (0, 0));
    // A visitor at the same address is told it does not exist, and that is not kept either.
    app.clear_cookies();
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.state.pages.size(), (0, 0));

    // Published: visitors get the kept page; the producer still gets their own.
    app.sign_in_new("staff", STAFF).await;
    app.submit_and_approve(pid, PRODUCER, STAFF).await;
    app.clear_cookies();
    let public = app.get(&url).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(app.state.pages.size().0, 1);
    app.sign_in(PRODUCER).await;
    let own = app.get(&url).await;
    assert_eq!(head(&own, header::CACHE_CONTROL), "no-store");
    assert!(own.headers.get(header::ETAG).is_none());
    assert_ne!(own.body, public.body, "the producer's page is their own");
    // An address with a query (a fair's QR code) is rendered every time.
    app.clear_cookies();
    let before = app.state.pages.size().0;
    let r = app.get(&format!("{url}?qr=1")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers.get(header::ETAG).is_none());
    assert_eq!(app.state.pages.size().0, before);
}

#[tokio::test]
async fn a_new_logo_shows_on_the_kept_pages_at_once() {
    let (mut app, eid, _, url, enterprise_url) = published().await;
    assert_eq!(app.get(&url).await.status, StatusCode::OK);
    let before = app.get(&enterprise_url).await;
    assert!(!before.body.contains("class=\"logo\""));
    app.sign_in(STAFF).await;
    let r = app
        .multipart(
            "PUT",
            &format!("/api/v1/enterprises/{eid}/logo"),
            &[],
            &[(
                "file",
                "logo.png",
                &common::images::png(300, 300, [20, 120, 60]),
            )],
        )
        .await;
    assert!(r.status.is_success(), "{}: {}", r.status, r.body);
    app.clear_cookies();
    let after = app.get(&enterprise_url).await;
    assert!(
        after.body.contains("class=\"logo\""),
        "the enterprise page shows the logo"
    );
    assert_ne!(
        head(&after, header::ETAG),
        head(&before, header::ETAG),
        "a new validator"
    );
}

#[tokio::test]
async fn the_public_listing_is_kept_until_the_catalogue_changes() {
    let (mut app, eid, _, _, _) = published().await;
    let first = app.get("/api/v1/products?per_page=5").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.json()["total"], 1);
    let etag = head(&first, header::ETAG).to_string();
    assert!(!etag.is_empty());
    assert!(head(&first, header::CONTENT_TYPE).starts_with("application/json"));
    let again = app
        .get_with("/api/v1/products?per_page=5", &[("if-none-match", &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // A product approved is in the next answer; a signed-in producer's own list is never
    // the visitors' one.
    app.sign_in(PRODUCER).await;
    // Signed in, the catalogue is counted as visitors see it (the count kept until the
    // log moves), and not kept as the visitors' answer.
    let signed_in = app.get("/api/v1/products?per_page=5").await;
    assert_eq!(signed_in.json()["total"], 1);
    assert!(signed_in.headers.get(header::ETAG).is_none());
    let other = app.create_product(eid, "Miến dong Côn Minh").await;
    let mine = app.get("/api/v1/products?mine=true").await;
    assert_eq!(mine.json()["total"], 2);
    assert!(mine.headers.get(header::ETAG).is_none());
    app.submit_and_approve(other, PRODUCER, STAFF).await;
    assert_eq!(
        app.get("/api/v1/products?per_page=5").await.json()["total"],
        2,
        "the kept count follows the approval"
    );
    app.clear_cookies();
    let after = app
        .get_with("/api/v1/products?per_page=5", &[("if-none-match", &etag)])
        .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.json()["total"], 2);
    assert_ne!(head(&after, header::ETAG), etag);
}
