//! A support programme to test against: staff, an administrator, a buyer, the producer of
//! the beneficiary (a vermicelli cooperative in Na Rì) and another producer, and the steps
//! a programme goes through.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{NA_RI, TestApp, TestResponse, World};

pub const STAFF: &str = "canbo@example.vn";
pub const ADMIN: &str = "admin@example.vn";
pub const BUYER: &str = "mua@example.vn";
pub const PRODUCER: &str = "0912000001";
pub const OTHER_PRODUCER: &str = "0912000002";
pub const COOPERATIVE: &str = "HTX Miến dong Côn Minh";
pub const OTHER: &str = "HTX Chè Bằng Phúc";
pub const NA_RI_CODE: i32 = 2155;

pub async fn world() -> World {
    TestApp::builder()
        .staff(STAFF)
        .admin(ADMIN)
        .buyer(BUYER)
        .producer_with_enterprise(PRODUCER, COOPERATIVE)
        .producer_with_enterprise(OTHER_PRODUCER, OTHER)
        .build()
        .await
}

/// A proposal of `kind` (a machinery programme unless said otherwise).
pub fn proposal(code: &str, kind: &str) -> Value {
    json!({
        "code": code,
        "title": "Hỗ trợ máy sấy miến cho HTX Miến dong Côn Minh",
        "kind": kind,
        "funding_source": "provincial",
        "year": 2026,
        "commune_codes": [NA_RI],
        "description": "Máy sấy thay phơi nắng, giữ được mẻ miến trong mùa mưa.",
        "proposed_vnd": "180.000.000",
    })
}

pub fn machinery(code: &str) -> Value {
    proposal(code, "machinery")
}

pub async fn propose_body(app: &mut TestApp, body: Value) -> i64 {
    let r = app.post_json("/api/v1/programmes", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("an id")
}

pub async fn propose(app: &mut TestApp, code: &str) -> i64 {
    propose_body(app, machinery(code)).await
}

/// Gives the enterprise a tax code whose check digit holds.
pub async fn check_tax_code(app: &mut TestApp, enterprise_id: i64, tax_code: &str) {
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{enterprise_id}"),
            json!({"tax_code": tax_code}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Adds a beneficiary putting in as much as it gets.
pub async fn add_beneficiary(app: &mut TestApp, id: i64, enterprise_id: i64) -> Value {
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries"),
            json!({"enterprise_id": enterprise_id, "support": "Máy sấy miến 200 kg/mẻ",
                   "support_vnd": 150_000_000, "contribution_vnd": "180.000.000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

/// Ticks every piece of the programme's checklist.
pub async fn tick_checklist(app: &mut TestApp, id: i64) {
    let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
    let items: Vec<String> = shown["checklist"]
        .as_array()
        .expect("a checklist")
        .iter()
        .map(|c| c["item"].as_str().expect("an item").to_string())
        .collect();
    for item in items {
        let r = app
            .json(
                "PUT",
                &format!("/api/v1/programmes/{id}/checklist/{item}"),
                json!({"done": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
}

/// Completes a machinery proposal's file: the cooperative (with its tax code checked) as
/// the beneficiary putting in its half, and every piece of the checklist.
pub async fn complete_file(app: &mut TestApp, id: i64, enterprise_id: i64) {
    check_tax_code(app, enterprise_id, "0100047516").await;
    add_beneficiary(app, id, enterprise_id).await;
    tick_checklist(app, id).await;
}

/// Proposes a machinery programme whose file is complete, and appraises it.
pub async fn appraised(world: &mut World, code: &str) -> i64 {
    let enterprise = world.enterprise(COOPERATIVE);
    let id = propose(&mut world.app, code).await;
    complete_file(&mut world.app, id, enterprise).await;
    let r = step(&mut world.app, id, json!({"to": "appraised"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id
}

pub async fn step(app: &mut TestApp, id: i64, body: Value) -> TestResponse {
    app.post_json(&format!("/api/v1/programmes/{id}/moves"), body)
        .await
}

/// Takes a step that must succeed.
pub async fn must_step(app: &mut TestApp, id: i64, body: Value) -> Value {
    let r = step(app, id, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

pub fn approval() -> Value {
    json!({"to": "approved", "decision_number": "125/QĐ-SCT", "decided_on": "15/03/2026",
           "budget_vnd": 150_000_000})
}

pub fn acceptance() -> Value {
    json!({"to": "accepted", "accepted_on": "10/09/2026",
           "minutes": "Máy sấy đã lắp đặt, chạy thử 3 mẻ đạt yêu cầu."})
}

/// An appraised machinery programme, approved and under way.
pub async fn under_way(world: &mut World, code: &str) -> i64 {
    let id = appraised(world, code).await;
    must_step(&mut world.app, id, approval()).await;
    must_step(&mut world.app, id, json!({"to": "in_progress"})).await;
    id
}
