//! Support programmes through the API: a programme's life from proposal to settlement, the
//! moves its state refuses, the money rules, the year's plan, and who may do any of it.

mod common;

use axum::http::StatusCode;
use common::{TestApp, World};
use serde_json::{Value, json};

const STAFF: &str = "canbo@example.vn";
const NA_RI: i32 = 2155;

async fn world() -> World {
    TestApp::builder()
        .staff(STAFF)
        .admin("admin@example.vn")
        .buyer("mua@example.vn")
        .producer_with_enterprise("0912000001", "HTX Miến dong Côn Minh")
        .build()
        .await
}

fn machinery(code: &str) -> Value {
    json!({
        "code": code,
        "title": "Hỗ trợ máy sấy miến cho HTX Miến dong Côn Minh",
        "kind": "machinery",
        "funding_source": "provincial",
        "year": 2026,
        "commune_codes": [NA_RI],
        "description": "Máy sấy thay phơi nắng, giữ được mẻ miến trong mùa mưa.",
        "proposed_vnd": "180.000.000",
    })
}

async fn propose(app: &mut TestApp, code: &str) -> i64 {
    let r = app.post_json("/api/v1/programmes", machinery(code)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("an id")
}

const MACHINERY_FILE: [&str; 7] = [
    "application",
    "business_registration",
    "survey",
    "machine_specification",
    "quotations",
    "counterpart_commitment",
    "cost_estimate",
];

/// Completes a machinery proposal's file: the cooperative (with its tax code checked) as the
/// beneficiary putting in its half, and every piece of the checklist.
async fn complete_file(app: &mut TestApp, id: i64, enterprise_id: i64) {
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{enterprise_id}"),
            json!({"tax_code": "0100047516"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries"),
            json!({"enterprise_id": enterprise_id, "support": "Máy sấy miến 200 kg/mẻ",
                   "support_vnd": 150_000_000, "contribution_vnd": "180.000.000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for item in MACHINERY_FILE {
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

/// Proposes a machinery programme whose file is complete, and appraises it.
async fn appraised(world: &mut World, code: &str) -> i64 {
    let enterprise = world.enterprise("HTX Miến dong Côn Minh");
    let id = propose(&mut world.app, code).await;
    complete_file(&mut world.app, id, enterprise).await;
    let r = step(&mut world.app, id, json!({"to": "appraised"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id
}

async fn step(app: &mut TestApp, id: i64, body: Value) -> common::TestResponse {
    app.post_json(&format!("/api/v1/programmes/{id}/moves"), body)
        .await
}

fn approval() -> Value {
    json!({"to": "approved", "decision_number": "125/QĐ-SCT", "decided_on": "15/03/2026",
           "budget_vnd": 150_000_000})
}

#[tokio::test]
async fn a_machinery_programme_goes_from_proposal_to_settlement_and_is_read_only_after() {
    let mut world = world().await;
    let enterprise = world.enterprise("HTX Miến dong Côn Minh");
    let app = &mut world.app;
    app.sign_in(STAFF).await;
    let id = propose(app, "KC-2026-01").await;
    let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
    assert_eq!(shown["status"], "proposed");
    assert_eq!(shown["proposed_vnd"], 180_000_000);
    assert_eq!(shown["communes"][0]["name"], "Xã Na Rì");
    assert_eq!(shown["next"], json!(["appraised", "cancelled", "deferred"]));
    // The file is empty: appraisal says what is missing and changes nothing.
    assert_eq!(
        shown["gaps"][0]["message"],
        "Hồ sơ còn thiếu: Đơn đề nghị hỗ trợ của cơ sở."
    );
    assert!(
        shown["gaps"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["gap"] == "no_beneficiary")),
        "{shown}"
    );
    let before = app.snapshot().await;
    let r = step(app, id, json!({"to": "appraised"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "programme.incomplete");
    assert_eq!(app.snapshot().await, before);
    complete_file(app, id, enterprise).await;
    let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
    assert_eq!(shown["gaps"], json!([]));
    assert_eq!(shown["beneficiaries"][0]["status"], "committed");

    assert_eq!(
        step(app, id, json!({"to": "appraised"})).await.status,
        StatusCode::OK
    );
    let approved = step(app, id, approval()).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["approved_vnd"], 150_000_000);
    assert_eq!(approved.json()["decision_number"], "125/QĐ-SCT");
    assert_eq!(
        step(app, id, json!({"to": "in_progress"})).await.status,
        StatusCode::OK
    );

    let paid = app
        .post_json(
            &format!("/api/v1/programmes/{id}/disbursements"),
            json!({"paid_on": "20/04/2026", "amount_vnd": "90.000.000",
                   "purpose": "Tạm ứng 60% hợp đồng mua máy sấy"}),
        )
        .await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.body);
    assert_eq!(paid.json()["disbursed_vnd"], 90_000_000);
    assert_eq!(paid.json()["remaining_vnd"], 60_000_000);

    let accepted = step(
        app,
        id,
        json!({"to": "accepted", "accepted_on": "10/09/2026",
               "minutes": "Máy sấy đã lắp đặt, chạy thử 3 mẻ đạt yêu cầu."}),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let settled = step(app, id, json!({"to": "settled", "final_vnd": 148_500_000})).await;
    assert_eq!(settled.status, StatusCode::OK, "{}", settled.body);
    let v = settled.json();
    assert_eq!(v["status"], "settled");
    assert_eq!(v["final_vnd"], 148_500_000);
    assert_eq!(v["next"], json!([]));
    let moves: Vec<&str> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["to"].as_str())
        .collect();
    assert_eq!(
        moves,
        [
            "proposed",
            "appraised",
            "approved",
            "in_progress",
            "accepted",
            "settled"
        ]
    );

    // Settled: nothing more moves and nothing more is paid.
    let before = app.snapshot().await;
    let r = step(
        app,
        id,
        json!({"to": "cancelled", "reason": "other", "reason_words": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "programme.transition");
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/disbursements"),
            json!({"paid_on": "20/10/2026", "amount_vnd": 1_000_000, "purpose": "Thêm"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "programme.not_approved");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_step_out_of_order_or_without_what_it_records_is_refused_and_changes_nothing() {
    let World { mut app, .. } = world().await;
    app.sign_in(STAFF).await;
    let id = propose(&mut app, "KC-2026-02").await;
    let before = app.snapshot().await;
    // Straight to approval, skipping appraisal.
    let r = step(&mut app, id, approval()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "programme.transition");
    assert_eq!(r.json()["error"]["kind"], "state");
    // Nothing can be paid before approval.
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/disbursements"),
            json!({"paid_on": "20/04/2026", "amount_vnd": 1_000_000, "purpose": "Tạm ứng"}),
        )
        .await;
    assert_eq!(r.error_code(), "programme.not_approved");
    assert_eq!(app.snapshot().await, before);

    // A move without what it records is refused before anything else is looked at.
    let r = step(&mut app, id, json!({"to": "approved"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("decision_number") && r.body.contains("budget_vnd"),
        "{}",
        r.body
    );
    let r = step(&mut app, id, json!({"to": "cancelled", "reason": "other"})).await;
    assert_eq!(r.error_code(), "programme.cancel_words_required");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn payments_never_go_past_the_approved_budget_nor_settlement_below_them() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = appraised(&mut world, "KC-2026-03").await;
    let mut app = world.app;
    step(&mut app, id, approval()).await;
    let pay = |amount: i64| json!({"paid_on": "20/04/2026", "amount_vnd": amount, "purpose": "Thanh toán hợp đồng"});
    let url = format!("/api/v1/programmes/{id}/disbursements");
    assert_eq!(
        app.post_json(&url, pay(100_000_000)).await.status,
        StatusCode::CREATED
    );
    let before = app.snapshot().await;
    let r = app.post_json(&url, pay(50_000_001)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "programme.over_budget");
    assert_eq!(app.snapshot().await, before);
    assert_eq!(
        app.post_json(&url, pay(50_000_000)).await.status,
        StatusCode::CREATED
    );

    step(&mut app, id, json!({"to": "in_progress"})).await;
    step(
        &mut app,
        id,
        json!({"to": "accepted", "accepted_on": "10/09/2026", "minutes": "Đạt yêu cầu nghiệm thu."}),
    )
    .await;
    let before = app.snapshot().await;
    let r = step(
        &mut app,
        id,
        json!({"to": "settled", "final_vnd": 140_000_000}),
    )
    .await;
    assert_eq!(r.error_code(), "programme.final_below_disbursed");
    let r = step(
        &mut app,
        id,
        json!({"to": "settled", "final_vnd": 150_000_001}),
    )
    .await;
    assert_eq!(r.error_code(), "programme.over_budget");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn the_plan_counts_a_cancelled_programme_apart_and_keeps_its_reason() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let done = appraised(&mut world, "KC-2026-04").await;
    let dropped = propose(&mut world.app, "KC-2026-05").await;
    let mut app = world.app;
    step(&mut app, done, approval()).await;
    let r = step(
        &mut app,
        dropped,
        json!({"to": "cancelled", "reason": "investment_plans_changed"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["cancel_reason"], "investment_plans_changed");
    propose(&mut app, "KC-2026-06").await;

    let plan = app.get("/api/v1/programmes/plans/2026").await.json();
    let f = &plan["figures"];
    assert_eq!(f["planned"], json!({"count": 3, "vnd": 510_000_000}));
    assert_eq!(f["approved"], json!({"count": 1, "vnd": 150_000_000}));
    assert_eq!(f["cancelled"], json!({"count": 1, "vnd": 180_000_000}));
    assert_eq!(f["completed"], json!({"count": 0, "vnd": 0}));
    assert_eq!(plan["programmes"].as_array().map(Vec::len), Some(3));
    let other_year = app.get("/api/v1/programmes/plans/2025").await.json();
    assert_eq!(other_year["figures"]["planned"]["count"], 0);
}

#[tokio::test]
async fn a_proposal_with_a_taken_code_or_an_unknown_commune_is_refused() {
    let World { mut app, .. } = world().await;
    app.sign_in(STAFF).await;
    propose(&mut app, "KC-2026-07").await;
    let before = app.snapshot().await;
    let r = app
        .post_json("/api/v1/programmes", machinery("KC-2026-07"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "programme.code_taken");
    assert_eq!(r.json()["error"]["kind"], "taken");
    let mut nowhere = machinery("KC-2026-08");
    nowhere["commune_codes"] = json!([999_999]);
    let r = app.post_json("/api/v1/programmes", nowhere).await;
    assert_eq!(r.error_code(), "programme.commune_unknown");
    let r = app
        .post_json("/api/v1/programmes", json!({"code": "KC-2026-09"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn only_staff_propose_move_pay_and_read_programmes_and_a_refusal_changes_nothing() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = appraised(&mut world, "KC-2026-10").await;
    let mut app = world.app;
    step(&mut app, id, approval()).await;
    for who in [None, Some("mua@example.vn"), Some("0912000001")] {
        match who {
            None => app.clear_cookies(),
            Some(login) => app.sign_in(login).await,
        }
        let before = app.snapshot().await;
        let expected = if who.is_none() {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::FORBIDDEN
        };
        let calls = [
            app.post_json("/api/v1/programmes", machinery("KC-2026-11"))
                .await,
            step(&mut app, id, json!({"to": "in_progress"})).await,
            app.post_json(
                &format!("/api/v1/programmes/{id}/disbursements"),
                json!({"paid_on": "20/04/2026", "amount_vnd": 1_000_000, "purpose": "Tạm ứng"}),
            )
            .await,
            app.get(&format!("/api/v1/programmes/{id}")).await,
            app.get("/api/v1/programmes/plans/2026").await,
        ];
        for r in calls {
            assert_eq!(r.status, expected, "{who:?}: {}", r.body);
        }
        assert_eq!(app.snapshot().await, before, "{who:?} changed something");
    }
    // Admins are staff too.
    app.sign_in("admin@example.vn").await;
    assert_eq!(
        step(&mut app, id, json!({"to": "in_progress"}))
            .await
            .status,
        StatusCode::OK
    );
}
