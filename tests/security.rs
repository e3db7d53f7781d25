//! What an attacker tries from outside: guessing passwords in parallel, forging addresses,
//! racing the guest limits.

mod common;

use axum::http::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use common::desk::linkage;
use common::{TestApp, concurrently, json_request};

fn wrong_login(login: &str) -> axum::http::Request<axum::body::Body> {
    json_request(
        "POST",
        "/api/v1/auth/login",
        &json!({"login": login, "password": "wrong-password"}),
    )
}

fn statuses(answers: &[(StatusCode, String)], status: StatusCode) -> usize {
    answers.iter().filter(|(s, _)| *s == status).count()
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_get_five_tries() {
    let mut app = TestApp::new().await;
    app.sign_in_new("staff", "canbo@example.vn").await;
    let requests = (0..30).map(|_| wrong_login("canbo@example.vn")).collect();
    let answers = concurrently(&app.router, "198.51.100.7:4000", requests).await;
    assert_eq!(
        statuses(&answers, StatusCode::UNAUTHORIZED),
        5,
        "{answers:?}"
    );
    assert_eq!(statuses(&answers, StatusCode::TOO_MANY_REQUESTS), 25);
}

#[tokio::test]
async fn a_guesser_elsewhere_does_not_lock_a_staff_member_out() {
    let mut app = TestApp::new().await;
    app.sign_in_new("staff", "canbo@example.vn").await;
    app.clear_cookies();
    let answers = concurrently(
        &app.router,
        "203.0.113.66:5000",
        (0..8).map(|_| wrong_login("canbo@example.vn")).collect(),
    )
    .await;
    assert_eq!(statuses(&answers, StatusCode::TOO_MANY_REQUESTS), 3);
    // The staff member, at the office, signs in at once.
    let r = app
        .send_from(
            "192.0.2.10:6000",
            json_request(
                "POST",
                "/api/v1/auth/login",
                &json!({"login": "canbo@example.vn", "password": "mat-khau-123"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn forged_forwarded_for_headers_do_not_make_fresh_addresses() {
    let mut app = TestApp::new().await;
    // One source tries many names, each request claiming another address.
    let mut last = StatusCode::OK;
    for i in 0..21 {
        let mut request = wrong_login(&format!("khach{i}@example.vn"));
        request
            .headers_mut()
            .insert("x-forwarded-for", format!("10.9.8.{i}").parse().unwrap());
        last = app.send_from("127.0.0.1:7000", request).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_named_proxy_the_forwarded_client_is_counted() {
    let config = ketnoi::config::Config {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..Default::default()
    };
    let mut app = TestApp::with_config(config).await;
    app.sign_in_new("buyer", "mua@example.vn").await;
    app.clear_cookies();
    let from = |client: &str| {
        let mut request = wrong_login("mua@example.vn");
        // The client's own claim, then what the proxy saw.
        request.headers_mut().insert(
            "x-forwarded-for",
            format!("1.2.3.4, {client}").parse().unwrap(),
        );
        request
    };
    for _ in 0..5 {
        let r = app.send_from("127.0.0.1:7000", from("198.51.100.20")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app.send_from("127.0.0.1:7000", from("198.51.100.20")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not held up.
    let r = app.send_from("127.0.0.1:7000", from("198.51.100.21")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn guests_sending_at_once_get_the_hourly_limit_and_no_more() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::new().await;
    let mut body = linkage();
    body["contact_name"] = json!("Chị Lan");
    body["contact_phone"] = json!("0987 654 321");
    let requests = (0..10)
        .map(|_| json_request("POST", "/api/v1/requests", &body))
        .collect();
    let answers = concurrently(&app.router, "198.51.100.30:8000", requests).await;
    let odd: Vec<_> = answers
        .iter()
        .filter(|(s, _)| !matches!(s.as_u16(), 201 | 429))
        .collect();
    assert!(odd.is_empty(), "{odd:?}");
    assert_eq!(statuses(&answers, StatusCode::CREATED), 3, "{answers:?}");
    assert_eq!(statuses(&answers, StatusCode::TOO_MANY_REQUESTS), 7);
    let refused = answers
        .iter()
        .find(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.is_some_and(|(_, body)| body.contains("request.rate_limited")),
        "{refused:?}"
    );
    let stored = ketnoi::db::entities::request::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 3);
}

/// Where a redirect lands when a browser follows it from https://ketnoi.vn/.
fn lands_on(location: &str) -> Option<String> {
    let base = url::Url::parse("https://ketnoi.vn/dang-nhap").expect("a URL");
    base.join(location.trim())
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
}

const EVIL_NEXTS: &[&str] = &[
    "/%09/evil.example",
    "/%0A/evil.example",
    "//evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/.//evil.example",
    "https://evil.example",
];

#[tokio::test]
async fn the_language_switch_never_sends_anyone_to_another_site() {
    let mut app = TestApp::new().await;
    for next in EVIL_NEXTS {
        let r = app.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            lands_on(r.location()).as_deref(),
            Some("ketnoi.vn"),
            "{next} -> {}",
            r.location()
        );
    }
    let r = app.get("/lang/en?next=/san-pham%3Fpage%3D2").await;
    assert_eq!(r.location(), "/san-pham?page=2");
}

#[tokio::test]
async fn signing_in_never_sends_anyone_to_another_site() {
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "mua@example.vn").await;
    for next in EVIL_NEXTS {
        app.clear_cookies();
        let decoded: String = url::form_urlencoded::parse(format!("n={next}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let r = app
            .post_form(
                "/dang-nhap",
                &[
                    ("login", "mua@example.vn"),
                    ("password", "mat-khau-123"),
                    ("next", &decoded),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            lands_on(r.location()).as_deref(),
            Some("ketnoi.vn"),
            "{next} -> {}",
            r.location()
        );
    }
}

#[tokio::test]
async fn page_numbers_past_the_end_of_the_integers_get_a_clear_error() {
    let mut app = TestApp::new().await;
    for path in [
        "/api/v1/products?page=9223372036854775808",
        "/api/v1/products?page=0",
        "/api/v1/products?per_page=101",
        "/api/v1/search?q=mien&page=1001",
    ] {
        let r = app.get(path).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        assert!(
            r.error_code().ends_with("page.out_of_range"),
            "{path}: {}",
            r.body
        );
    }
    // Not a number at all: malformed, and still an answer.
    let r = app
        .get("/api/v1/products?page=99999999999999999999999")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    app.sign_in_new("staff", "canbo@example.vn").await;
    let r = app.get("/api/v1/requests?page=9223372036854775808").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.error_code(), "page.out_of_range");
    let r = app.get("/api/v1/requests?page=2&per_page=200").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn the_api_document_is_whole_every_reference_resolves_and_operations_are_unique() {
    fn walk(doc: &serde_json::Value, node: &serde_json::Value, missing: &mut Vec<String>) {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    let pointer = r.trim_start_matches('#');
                    if doc.pointer(pointer).is_none() {
                        missing.push(r.clone());
                    }
                }
                map.values().for_each(|v| walk(doc, v, missing));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(doc, v, missing)),
            _ => {}
        }
    }
    let mut app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let mut missing = Vec::new();
    walk(&doc, &doc, &mut missing);
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "unresolved: {missing:?}");
    let mut ids: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            ids.push(op["operationId"].as_str().unwrap_or_default().to_string());
            // A parameter in the path must be named in the path.
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap_or_default();
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: {p}"
                    );
                }
            }
        }
    }
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "operation ids repeat");
}

#[tokio::test]
async fn a_session_without_the_browsers_signals_or_its_token_changes_nothing() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("0912000111", "HTX Côn Minh")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    let patch = json!({"name": "Đổi tên bởi trang khác"});
    // Only the cookie: what a forged request from an old browser or a plug-in carries.
    let mut forged = json_request("PATCH", &format!("/api/v1/products/{pid}"), &patch);
    forged.headers_mut().insert(
        axum::http::header::COOKIE,
        app.cookie_header().parse().unwrap(),
    );
    let router = app.router.clone();
    let r = tower::ServiceExt::oneshot(router, forged).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let view = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(view["name"], "Miến dong Na Rì");
    assert_eq!(view["version"], 1);
    // The same call with the session's token goes through.
    let r = app
        .patch_json(&format!("/api/v1/products/{pid}"), patch)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn an_upper_case_form_type_still_needs_its_token() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("0912000111", "HTX Côn Minh")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    let request = axum::http::Request::post(format!("/dashboard/products/{pid}/delete"))
        .header(
            axum::http::header::CONTENT_TYPE,
            "APPLICATION/X-WWW-FORM-URLENCODED",
        )
        .body(axum::body::Body::from("confirm=1"))
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        app.get(&format!("/api/v1/products/{pid}")).await.status,
        StatusCode::OK,
        "the product is still there"
    );
}

#[tokio::test]
async fn a_guest_who_guesses_another_guests_key_reads_nothing_of_theirs() {
    let mut app = TestApp::new().await;
    let mut body = linkage();
    body["contact_name"] = json!("Chị Lan");
    body["contact_phone"] = json!("0987 654 321");
    let keyed = |body: &serde_json::Value| {
        let mut r = json_request("POST", "/api/v1/requests", body);
        r.headers_mut()
            .insert("idempotency-key", "lead-2026-12-01-001".parse().unwrap());
        r
    };
    // The first guest's browser holds its form-token cookie; a retry returns its request.
    app.get("/").await;
    let first = app.send(keyed(&body)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let retry = app.send(keyed(&body)).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.json()["id"], first.json()["id"]);
    // Another guest sends the same key from their own browser.
    app.clear_cookies();
    app.get("/").await;
    let mut theirs = linkage();
    theirs["contact_name"] = json!("Anh Tùng");
    theirs["contact_phone"] = json!("0912 888 777");
    let other = app.send(keyed(&theirs)).await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
    assert_ne!(other.json()["id"], first.json()["id"]);
    assert!(
        !other.body.contains("Chị Lan") && !other.body.contains("654 321"),
        "{}",
        other.body
    );
}

#[tokio::test]
async fn api_reads_set_no_cookie_and_a_guests_first_write_brings_its_token() {
    let mut app = TestApp::new().await;
    for path in [
        "/api/v1/search?q=mien",
        "/api/v1/categories",
        "/api/v1/products",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(
            r.headers.get(axum::http::header::SET_COOKIE).is_none(),
            "{path} answers JSON to anyone: no cookie"
        );
    }
    // A page may hold a form, the API's reference too: it still brings the browser its
    // token.
    for path in ["/dang-nhap", "/api/docs"] {
        app.clear_cookies();
        let page = app.get(path).await;
        assert!(
            page.headers
                .get_all(axum::http::header::SET_COOKIE)
                .iter()
                .any(|v| v.to_str().unwrap_or("").starts_with("ketnoi_csrf=")),
            "{path}: {:?}",
            page.headers
        );
    }
    // A guest whose first call is a keyed write gets the token with it, and its retry,
    // sending that cookie back, is the same request.
    app.clear_cookies();
    let mut body = linkage();
    body["contact_name"] = json!("Chị Lan");
    body["contact_phone"] = json!("0987 654 321");
    let keyed = || {
        let mut r = json_request("POST", "/api/v1/requests", &body);
        r.headers_mut()
            .insert("idempotency-key", "lead-2026-12-06-001".parse().unwrap());
        r
    };
    let first = app.send(keyed()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(
        first
            .headers
            .get_all(axum::http::header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap_or("").starts_with("ketnoi_csrf=")),
        "the write brings the token its retry needs"
    );
    let retry = app.send(keyed()).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(retry.json()["id"], first.json()["id"]);
}

fn registration(login: &str) -> axum::http::Request<axum::body::Body> {
    json_request(
        "POST",
        "/api/v1/auth/register",
        &json!({"login": login, "password": "mat-khau-123", "full_name": "Lò Văn Tủa", "role": "producer"}),
    )
}

#[tokio::test]
async fn one_address_cannot_sweep_phone_numbers_through_registration() {
    let mut app = TestApp::new().await;
    app.sign_in_new("producer", "0912000111").await;
    app.clear_cookies();
    // Someone checks 40 phone numbers, the taken one among them, from one address.
    let mut numbers: Vec<String> = (0..39).map(|i| format!("09130001{i:02}")).collect();
    numbers.insert(30, "0912000111".into());
    let requests = numbers.iter().map(|n| registration(n)).collect();
    let answers = concurrently(&app.router, "198.51.100.7:4000", requests).await;
    let limited = statuses(&answers, StatusCode::TOO_MANY_REQUESTS);
    let answered = answers.len() - limited;
    assert_eq!(answered, 10, "{answers:?}");
    let users = ketnoi::db::entities::user::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(
        users as usize,
        1 + statuses(&answers, StatusCode::CREATED),
        "a refused registration opened no account"
    );
    // Another address (a producer at home) still registers, and the page says why it waits.
    let r = app
        .send_from("203.0.113.9:4000", registration("0913999999"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.clear_cookies();
    let csrf = app.csrf().await;
    let page = app
        .send_from(
            "198.51.100.7:4000",
            axum::http::Request::post("/dang-ky")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!(
                    "csrf={csrf}&login=0913888888&password=mat-khau-123&full_name=L%C3%B2&role=producer"
                )))
                .expect("request"),
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.body.contains("<form"),
        "the form stays, with its message"
    );
    assert!(page.body.contains("nhờ cán bộ Trung tâm"), "{}", page.body);
}

#[tokio::test]
async fn registering_with_a_taken_address_tells_its_owner_once() {
    use ketnoi::db::entities::email_outbox;
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "mua@example.vn").await;
    app.clear_cookies();
    for _ in 0..3 {
        let r = app.send(registration("Mua@Example.vn")).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(r.error_code(), "login.taken");
    }
    let mail = email_outbox::Entity::find()
        .all(&app.db)
        .await
        .expect("outbox");
    assert_eq!(mail.len(), 1, "one notice a day, whatever is tried");
    assert_eq!(mail[0].to_address, "mua@example.vn");
    assert!(mail[0].body.contains("/quen-mat-khau"), "{}", mail[0].body);
    // A taken phone number has no mailbox to tell.
    app.sign_in_new("producer", "0912000111").await;
    app.clear_cookies();
    let r = app.send(registration("0912000111")).await;
    assert_eq!(r.error_code(), "login.taken");
    assert_eq!(
        email_outbox::Entity::find()
            .count(&app.db)
            .await
            .expect("count"),
        1
    );
}

#[tokio::test]
async fn a_search_longer_than_two_hundred_characters_gets_a_clear_error() {
    let mut app = TestApp::new().await;
    let long = "miến".repeat(51);
    let r = app
        .get(&format!("/api/v1/search?q={}", urlencoding(&long)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.error_code(), "text.too_long");
    assert_eq!(r.json()["error"]["field"], "q");
    let page = app
        .get(&format!("/tim-kiem?q={}", urlencoding(&long)))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("<form"),
        "the search form stays to correct it"
    );
    // At the limit, one word of 200 letters is searched.
    let r = app
        .get(&format!("/api/v1/search?q={}", "a".repeat(200)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
