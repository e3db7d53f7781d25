//! The centre approves exactly what it saw: every change is a new version, an edit
//! withdraws a submission, an approval names its version, and photos and profile edits of
//! public listings wait for the centre too.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::{TestApp, concurrently, images, json_request};

const PRODUCER: &str = "0912000111";
const STAFF: &str = "canbo@ketnoi.vn";

async fn setup() -> (TestApp, i64, i64) {
    let mut app = TestApp::new().await;
    app.sign_in_new("staff", STAFF).await;
    let (_, eid) = app
        .producer_with_enterprise(PRODUCER, "HTX Miến dong Na Rì")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    (app, eid, pid)
}

async fn product(app: &mut TestApp, pid: i64) -> Value {
    app.get(&format!("/api/v1/products/{pid}")).await.json()
}

async fn submit(app: &mut TestApp, pid: i64) -> Value {
    app.sign_in(PRODUCER).await;
    let r = app
        .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn approve(app: &mut TestApp, pid: i64, version: i64) -> common::TestResponse {
    app.sign_in(STAFF).await;
    app.post_json(
        &format!("/api/v1/products/{pid}/review"),
        json!({"decision": "approve", "version": version}),
    )
    .await
}

async fn public_view(app: &mut TestApp, pid: i64) -> common::TestResponse {
    app.clear_cookies();
    app.get(&format!("/api/v1/products/{pid}")).await
}

#[tokio::test]
async fn an_edit_after_submitting_withdraws_it_and_a_stale_approval_changes_nothing() {
    let (mut app, _, pid) = setup().await;
    let submitted = submit(&mut app, pid).await;
    let seen = submitted["version"].as_i64().expect("version");
    // Staff open the review page; meanwhile the producer changes the price.
    app.sign_in(PRODUCER).await;
    let r = app
        .patch_json(
            &format!("/api/v1/products/{pid}"),
            json!({"price_min_vnd": 500000, "price_max_vnd": 900000}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json()["status"],
        "draft",
        "the edit withdrew the submission"
    );
    let resubmitted = submit(&mut app, pid).await;
    assert!(resubmitted["version"].as_i64() > Some(seen));

    let r = approve(&mut app, pid, seen).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.error_code(), "product.changed");
    assert_eq!(product(&mut app, pid).await["status"], "submitted");
    assert_eq!(
        public_view(&mut app, pid).await.status,
        StatusCode::NOT_FOUND
    );

    // Without a version, nothing is decided either.
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/products/{pid}/review"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "review.version_required");

    // Approving what is there now publishes what staff saw.
    let now = resubmitted["version"].as_i64().expect("version");
    let r = approve(&mut app, pid, now).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let public = public_view(&mut app, pid).await.json();
    assert_eq!(public["price_min_vnd"], 500000);
}

#[tokio::test]
async fn changes_to_a_published_product_are_approved_only_as_seen() {
    let (mut app, _, pid) = setup().await;
    let v = submit(&mut app, pid).await["version"].as_i64().expect("v");
    assert_eq!(approve(&mut app, pid, v).await.status, StatusCode::OK);
    app.sign_in(PRODUCER).await;
    app.patch_json(
        &format!("/api/v1/products/{pid}"),
        json!({"name": "Miến dong Na Rì loại 1"}),
    )
    .await;
    let seen = submit(&mut app, pid).await["version"].as_i64().expect("v");
    // After submitting the changes the producer changes them again.
    app.sign_in(PRODUCER).await;
    let r = app
        .patch_json(
            &format!("/api/v1/products/{pid}"),
            json!({"name": "Miến dong siêu rẻ – liên hệ 0999 999 999"}),
        )
        .await;
    assert_eq!(r.json()["pending_status"], "draft", "{}", r.body);
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/products/{pid}/review"),
            json!({"decision": "approve", "version": seen}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.error_code(), "product.nothing_to_review");
    let seen = submit(&mut app, pid).await["version"].as_i64().expect("v");
    app.sign_in(PRODUCER).await;
    app.patch_json(
        &format!("/api/v1/products/{pid}"),
        json!({"description": "Đổi lần nữa"}),
    )
    .await;
    submit(&mut app, pid).await;
    let r = approve(&mut app, pid, seen).await;
    assert_eq!(r.error_code(), "product.changed");
    assert_eq!(
        public_view(&mut app, pid).await.json()["name"],
        "Miến dong Na Rì",
        "buyers still see the approved version"
    );
}

#[tokio::test]
async fn parallel_edits_each_build_on_the_last() {
    let (mut app, _, pid) = setup().await;
    let patches = [
        json!({"brand": "Côn Minh Xanh"}),
        json!({"unit": "hộp"}),
        json!({"min_order": 77}),
        json!({"monthly_capacity": 4321}),
        json!({"shelf_life_days": 200}),
        json!({"description": "Mô tả mới."}),
        json!({"price_min_vnd": 90000}),
        json!({"ocop_year": 2024}),
    ];
    app.sign_in(PRODUCER).await;
    let requests = patches
        .iter()
        .map(|p| app.authorised(json_request("PATCH", &format!("/api/v1/products/{pid}"), p)))
        .collect();
    let answers = concurrently(&app.router, "192.0.2.1:1000", requests).await;
    assert!(
        answers.iter().all(|(s, _)| *s == StatusCode::OK),
        "{answers:?}"
    );
    let now = product(&mut app, pid).await;
    assert_eq!(now["brand"], "Côn Minh Xanh");
    assert_eq!(now["unit"], "hộp");
    assert_eq!(now["min_order"], 77);
    assert_eq!(now["monthly_capacity"], 4321);
    assert_eq!(now["shelf_life_days"], 200);
    assert_eq!(now["description"], "Mô tả mới.");
    assert_eq!(now["price_min_vnd"], 90000);
    assert_eq!(now["ocop_year"], 2024);
    assert_eq!(now["version"], 1 + patches.len() as i64);
}

async fn upload(app: &mut TestApp, pid: i64, bytes: &[u8]) -> common::TestResponse {
    app.multipart(
        "POST",
        &format!("/api/v1/products/{pid}/photos"),
        &[],
        &[("file", "anh.png", bytes)],
    )
    .await
}

#[tokio::test]
async fn a_photo_added_to_a_published_product_waits_for_the_centre() {
    let (mut app, _, pid) = setup().await;
    app.sign_in(PRODUCER).await;
    assert_eq!(
        upload(&mut app, pid, &images::png(200, 200, [200, 30, 30]))
            .await
            .status,
        StatusCode::CREATED
    );
    let v = submit(&mut app, pid).await["version"].as_i64().expect("v");
    assert_eq!(approve(&mut app, pid, v).await.status, StatusCode::OK);
    app.sign_in(PRODUCER).await;
    let r = upload(&mut app, pid, &images::png(200, 200, [30, 30, 200])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["pending"], true);
    let mine = product(&mut app, pid).await;
    assert_eq!(mine["photos"].as_array().map(Vec::len), Some(2));
    assert_eq!(mine["pending_status"], "draft");
    // Buyers see only the approved photo, on the API, the photo list and the page.
    let public = public_view(&mut app, pid).await.json();
    assert_eq!(
        public["photos"].as_array().map(Vec::len),
        Some(1),
        "{public}"
    );
    let listed = app
        .get(&format!("/api/v1/products/{pid}/photos"))
        .await
        .json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let held_url = mine["photos"][1]["thumbnail"]
        .as_str()
        .expect("url")
        .to_string();
    let page = app
        .get(&format!(
            "/san-pham/{}",
            public["slug"].as_str().expect("slug")
        ))
        .await;
    assert!(!page.body.contains(&held_url));
    // The centre sees the new photo on the review page and approves it.
    let v = submit(&mut app, pid).await["version"].as_i64().expect("v");
    app.sign_in(STAFF).await;
    let review = app.get(&format!("/staff/review/{pid}")).await;
    assert!(
        review.body.contains(&held_url),
        "staff see what they approve"
    );
    assert_eq!(approve(&mut app, pid, v).await.status, StatusCode::OK);
    let public = public_view(&mut app, pid).await.json();
    assert_eq!(public["photos"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_photo_added_while_waiting_for_review_makes_staff_look_again() {
    let (mut app, _, pid) = setup().await;
    let seen = submit(&mut app, pid).await["version"].as_i64().expect("v");
    app.sign_in(PRODUCER).await;
    let r = upload(&mut app, pid, &images::png(200, 200, [200, 30, 30])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let now = product(&mut app, pid).await;
    assert_eq!(
        now["status"], "submitted",
        "a photo keeps the product in the queue"
    );
    assert!(now["version"].as_i64() > Some(seen));
    let r = approve(&mut app, pid, seen).await;
    assert_eq!(r.error_code(), "product.changed");
    assert_eq!(
        public_view(&mut app, pid).await.status,
        StatusCode::NOT_FOUND
    );
    let now = now["version"].as_i64().expect("v");
    assert_eq!(approve(&mut app, pid, now).await.status, StatusCode::OK);
    let public = public_view(&mut app, pid).await.json();
    assert_eq!(public["photos"].as_array().map(Vec::len), Some(1));
}

/// Publishes the product so that its enterprise is public.
async fn publish(app: &mut TestApp, pid: i64) {
    let v = submit(app, pid).await["version"].as_i64().expect("version");
    let r = approve(app, pid, v).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn enterprise(app: &mut TestApp, eid: i64) -> Value {
    app.get(&format!("/api/v1/enterprises/{eid}")).await.json()
}

async fn review_enterprise(app: &mut TestApp, eid: i64, body: Value) -> common::TestResponse {
    app.sign_in(STAFF).await;
    app.post_json(&format!("/api/v1/enterprises/{eid}/review"), body)
        .await
}

#[tokio::test]
async fn a_members_edit_of_a_public_profile_waits_and_is_approved_only_as_seen() {
    let (mut app, eid, pid) = setup().await;
    publish(&mut app, pid).await;
    let before = enterprise(&mut app, eid).await;
    let old_name = before["name"].as_str().expect("name").to_string();

    app.sign_in(PRODUCER).await;
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"name": "HTX Miến dong Tiên Phong", "phone": "0912999888"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = r.json();
    assert_eq!(mine["pending_status"], "submitted");
    assert_eq!(
        mine["name"],
        old_name.as_str(),
        "the live profile is unchanged"
    );
    assert_eq!(mine["pending_changes"]["name"], "HTX Miến dong Tiên Phong");
    let seen = mine["version"].as_i64().expect("version");

    // Buyers keep seeing the approved profile, and never the proposal.
    app.clear_cookies();
    let public = enterprise(&mut app, eid).await;
    assert_eq!(public["name"], old_name.as_str());
    assert!(
        public.get("pending_changes").is_none_or(Value::is_null),
        "{public}"
    );
    assert!(
        public.get("pending_status").is_none_or(Value::is_null),
        "{public}"
    );
    let page = app
        .get(&format!(
            "/co-so/{}",
            public["slug"].as_str().expect("slug")
        ))
        .await;
    assert!(!page.body.contains("Tiên Phong"));

    // Staff see the proposal in the queue and on the review page.
    app.sign_in(STAFF).await;
    let queue = app.get("/staff/review").await;
    assert!(
        queue.body.contains(&format!("/staff/review/co-so/{eid}")),
        "{}",
        queue.body
    );
    let review = app.get(&format!("/staff/review/co-so/{eid}")).await;
    assert_eq!(review.status, StatusCode::OK);
    assert!(review.body.contains("HTX Miến dong Tiên Phong"));
    assert!(
        review
            .body
            .contains(&format!("name=\"version\" value=\"{seen}\""))
    );

    // The producer edits again while staff read: the approval of what they saw is refused.
    app.sign_in(PRODUCER).await;
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"address": "Thôn Nà Đon"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let latest = r.json();
    assert_eq!(
        latest["pending_changes"]["name"], "HTX Miến dong Tiên Phong",
        "the second edit builds on the first"
    );
    let r = review_enterprise(&mut app, eid, json!({"decision": "approve"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.error_code(), "review.version_required");
    let r = review_enterprise(
        &mut app,
        eid,
        json!({"decision": "approve", "version": seen}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.error_code(), "enterprise.changed");
    app.clear_cookies();
    assert_eq!(enterprise(&mut app, eid).await["name"], old_name.as_str());

    // The page shows the conflict rather than approving.
    app.sign_in(STAFF).await;
    let r = app
        .post_form(
            &format!("/staff/review/co-so/{eid}/approve"),
            &[("version", &seen.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let r = review_enterprise(
        &mut app,
        eid,
        json!({"decision": "approve", "version": latest["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.clear_cookies();
    let public = enterprise(&mut app, eid).await;
    assert_eq!(public["name"], "HTX Miến dong Tiên Phong");
    assert!(public.get("contact").is_none_or(Value::is_null), "{public}");
    app.sign_in(PRODUCER).await;
    let mine = enterprise(&mut app, eid).await;
    assert_eq!(mine["contact"]["phone"], "0912999888");
    assert_eq!(mine["contact"]["address"], "Thôn Nà Đon");
    assert!(mine["pending_status"].is_null(), "{mine}");
    // Nothing is left to decide.
    let r = review_enterprise(
        &mut app,
        eid,
        json!({"decision": "approve", "version": mine["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "enterprise.nothing_to_review");
}

#[tokio::test]
async fn a_rejected_profile_edit_stays_with_its_producer_and_reason() {
    let (mut app, eid, pid) = setup().await;
    publish(&mut app, pid).await;
    app.sign_in(PRODUCER).await;
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"description": "Miến ngon nhất Việt Nam, cam kết chữa bệnh"}),
        )
        .await;
    let v = r.json()["version"].as_i64().expect("version");
    // On the review page the reject button posts to its own address; no reason, no rejection.
    app.sign_in(STAFF).await;
    let reject = format!("/staff/review/co-so/{eid}/reject");
    let page = app.get(&format!("/staff/review/co-so/{eid}")).await;
    assert!(
        page.body.contains(&format!("formaction=\"{reject}\"")),
        "{}",
        page.body
    );
    let r = app
        .post_form(&reject, &[("reason", ""), ("version", &v.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Vui lòng ghi lý do"), "{}", r.body);
    let r = review_enterprise(&mut app, eid, json!({"decision": "reject", "version": v})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "review.reason_required");
    let r = review_enterprise(
        &mut app,
        eid,
        json!({"decision": "reject", "version": v, "reason": "Không được quảng cáo chữa bệnh"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.sign_in(PRODUCER).await;
    let mine = enterprise(&mut app, eid).await;
    assert_eq!(mine["pending_status"], "rejected");
    assert_eq!(mine["pending_reason"], "Không được quảng cáo chữa bệnh");
    app.clear_cookies();
    let public = enterprise(&mut app, eid).await;
    assert!(!public.to_string().contains("chữa bệnh"), "{public}");
}

#[tokio::test]
async fn staff_edit_a_public_profile_directly() {
    let (mut app, eid, pid) = setup().await;
    publish(&mut app, pid).await;
    app.sign_in(STAFF).await;
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"name": "HTX Miến dong Na Rì Bắc Kạn"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["pending_status"].is_null());
    app.clear_cookies();
    assert_eq!(
        enterprise(&mut app, eid).await["name"],
        "HTX Miến dong Na Rì Bắc Kạn"
    );
}

#[tokio::test]
async fn a_new_logo_of_a_public_enterprise_waits_for_the_centre() {
    let (mut app, eid, pid) = setup().await;
    app.sign_in(PRODUCER).await;
    let path = format!("/api/v1/enterprises/{eid}/logo");
    let first = app
        .multipart(
            "PUT",
            &path,
            &[],
            &[("file", "logo.png", &images::png(128, 128, [200, 30, 30]))],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    publish(&mut app, pid).await;
    app.clear_cookies();
    let old = enterprise(&mut app, eid).await["logo"]["thumbnail"]
        .as_str()
        .expect("logo")
        .to_string();

    app.sign_in(PRODUCER).await;
    let r = app
        .multipart(
            "PUT",
            &path,
            &[],
            &[("file", "logo.png", &images::png(128, 128, [30, 30, 200]))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mine = enterprise(&mut app, eid).await;
    assert_eq!(mine["pending_status"], "submitted");
    let new = mine["pending_logo"]["thumbnail"]
        .as_str()
        .expect("pending logo")
        .to_string();
    assert_ne!(new, old);
    app.clear_cookies();
    let public = enterprise(&mut app, eid).await;
    assert_eq!(public["logo"]["thumbnail"], old.as_str());
    assert!(!public.to_string().contains(&new), "{public}");

    app.sign_in(STAFF).await;
    let review = app.get(&format!("/staff/review/co-so/{eid}")).await;
    assert!(
        review.body.contains(&new),
        "staff see the logo they approve"
    );
    let v = enterprise(&mut app, eid).await["version"].clone();
    let r = review_enterprise(&mut app, eid, json!({"decision": "approve", "version": v})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.clear_cookies();
    assert_eq!(
        enterprise(&mut app, eid).await["logo"]["thumbnail"],
        new.as_str()
    );
}

#[tokio::test]
async fn only_staff_decide_on_profile_changes_and_a_refusal_changes_nothing() {
    let (mut app, eid, pid) = setup().await;
    publish(&mut app, pid).await;
    app.sign_in(PRODUCER).await;
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"name": "Tên mới"}),
        )
        .await;
    let v = r.json()["version"].clone();
    let before = app.snapshot().await;
    let r = app
        .post_json(
            &format!("/api/v1/enterprises/{eid}/review"),
            json!({"decision": "approve", "version": v}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    app.clear_cookies();
    let r = app
        .post_json(
            &format!("/api/v1/enterprises/{eid}/review"),
            json!({"decision": "approve", "version": v}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(
        app.snapshot().await == before,
        "a refused decision changed something"
    );
    app.sign_in(PRODUCER).await;
    let page = app.get(&format!("/staff/review/co-so/{eid}")).await;
    assert_ne!(page.status, StatusCode::OK);
}
