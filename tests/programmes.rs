//! Support programmes through the API: a programme's life from proposal to settlement, the
//! moves its state refuses, the money rules, the year's plan, and who may do any of it.

mod common;

use axum::http::StatusCode;
use common::World;
use common::programmes::*;
use serde_json::json;

#[tokio::test]
async fn a_machinery_programme_goes_from_proposal_to_settlement_and_is_read_only_after() {
    let mut world = world().await;
    let enterprise = world.enterprise(COOPERATIVE);
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

/// The file of each kind, the beneficiary it needs, and the share it puts in.
const KINDS: [&str; 8] = [
    "machinery",
    "demonstration_model",
    "packaging",
    "trademark",
    "trade_fair",
    "training",
    "advisory",
    "other",
];

#[tokio::test]
async fn a_programme_of_every_kind_goes_from_proposal_to_settlement() {
    let mut world = world().await;
    let enterprise = world.enterprise(COOPERATIVE);
    let app = &mut world.app;
    app.sign_in(STAFF).await;
    check_tax_code(app, enterprise, "0100047516").await;
    for (n, kind) in KINDS.iter().enumerate() {
        let id = propose_body(app, proposal(&format!("KC-2026-K{n}"), kind)).await;
        let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
        let needs_beneficiary = shown["gaps"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["gap"] == "no_beneficiary"));
        assert_eq!(
            needs_beneficiary,
            !matches!(*kind, "training" | "advisory"),
            "{kind}: {shown}"
        );
        if needs_beneficiary {
            add_beneficiary(app, id, enterprise).await;
        }
        tick_checklist(app, id).await;
        let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
        assert_eq!(shown["gaps"], json!([]), "{kind}");
        must_step(app, id, json!({"to": "appraised"})).await;
        must_step(app, id, approval()).await;
        must_step(app, id, json!({"to": "in_progress"})).await;
        let r = app
            .post_json(
                &format!("/api/v1/programmes/{id}/disbursements"),
                json!({"paid_on": "20/04/2026", "amount_vnd": "100.000.000", "purpose": "Thanh toán đợt 1"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{kind}: {}", r.body);
        must_step(app, id, acceptance()).await;
        let v = must_step(app, id, json!({"to": "settled", "final_vnd": 100_000_000})).await;
        assert_eq!(v["status"], "settled", "{kind}");
        assert_eq!(v["totals"]["cost_vnd"], 100_000_000, "{kind}");
    }
    let plan = app.get("/api/v1/programmes/plans/2026").await.json();
    assert_eq!(
        plan["figures"]["completed"],
        json!({"count": 8, "vnd": 800_000_000})
    );
    assert_eq!(plan["figures"]["disbursed_vnd"], 800_000_000);
}

#[tokio::test]
async fn administrators_set_the_years_funds_and_limits_and_the_plan_holds_each_fund_against_them() {
    let mut world = world().await;
    let cooperative = world.enterprise(COOPERATIVE);
    let app = &mut world.app;
    app.sign_in(STAFF).await;
    propose(app, "KC-2026-20").await;
    // Staff may not set the funds; nothing changes.
    let before = app.snapshot().await;
    let r = app
        .json(
            "PUT",
            "/api/v1/programmes/plans/2026/budget",
            json!({"provincial_vnd": "1.290.000.000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .json(
            "PUT",
            "/api/v1/programmes/plans/2026/limits/machinery",
            json!({"counterpart_percent": 40}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);

    app.sign_in(ADMIN).await;
    let r = app
        .json(
            "PUT",
            "/api/v1/programmes/plans/2026/budget",
            json!({"national_vnd": 0, "provincial_vnd": "1.290.000.000", "other_vnd": "50.000.000"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let plan = r.json();
    assert_eq!(plan["budget_set"], true);
    let provincial = plan["by_source"]
        .as_array()
        .expect("funds")
        .iter()
        .find(|f| f["source"] == "provincial")
        .cloned()
        .expect("the provincial fund");
    assert_eq!(provincial["budget_vnd"], 1_290_000_000i64);
    assert_eq!(provincial["planned_vnd"], 180_000_000);
    assert_eq!(provincial["unallocated_vnd"], 1_110_000_000i64);

    // A ceiling under the budget asked for, and a larger own share: the proposal says both.
    let r = app
        .json(
            "PUT",
            "/api/v1/programmes/plans/2026/limits/machinery",
            json!({"max_budget_vnd": "120.000.000", "counterpart_percent": 60}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let limit = r.json()["limits"]
        .as_array()
        .expect("limits")
        .iter()
        .find(|l| l["kind"] == "machinery")
        .cloned()
        .expect("machinery");
    assert_eq!(
        limit,
        json!({"kind": "machinery", "max_budget_vnd": 120_000_000, "counterpart_percent": 60, "set": true})
    );
    let bad = app
        .json(
            "PUT",
            "/api/v1/programmes/plans/2026/limits/machinery",
            json!({"counterpart_percent": 120}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let id = propose(app, "KC-2026-21").await;
    complete_file(app, id, cooperative).await;
    let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
    let gaps: Vec<&str> = shown["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .map(|g| g["gap"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(gaps, ["counterpart_short", "over_kind_limit"], "{shown}");
    assert_eq!(
        shown["gaps"][1]["message"],
        "Kinh phí đề nghị vượt mức tối đa 120.000.000 ₫ của loại đề án này trong năm."
    );
}

#[tokio::test]
async fn a_proposal_changes_freely_but_its_code_kind_and_money_are_fixed_once_appraised() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = appraised(&mut world, "KC-2026-30").await;
    let app = &mut world.app;
    let mut body = machinery("KC-2026-30");
    body["title"] = json!("Hỗ trợ máy sấy và máy cắt miến cho HTX Côn Minh");
    body["category"] = json!("mien-dong");
    let r = app
        .json("PUT", &format!("/api/v1/programmes/{id}"), body.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json()["title"],
        "Hỗ trợ máy sấy và máy cắt miến cho HTX Côn Minh"
    );
    assert_eq!(r.json()["category"]["slug"], "mien-dong");
    let before = app.snapshot().await;
    body["proposed_vnd"] = json!(250_000_000);
    let r = app
        .json("PUT", &format!("/api/v1/programmes/{id}"), body)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "programme.locked");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_beneficiary_must_make_what_the_programme_supports() {
    let mut world = world().await;
    let enterprise = world.enterprise(COOPERATIVE);
    let app = &mut world.app;
    app.sign_in(STAFF).await;
    let mut body = machinery("KC-2026-40");
    body["category"] = json!("che");
    let id = propose_body(app, body).await;
    complete_file(app, id, enterprise).await;
    // The cooperative makes nothing yet: not a tea producer.
    let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
    assert_eq!(shown["gaps"][0]["gap"], "not_of_kind", "{shown}");
    assert_eq!(
        shown["gaps"][0]["message"],
        format!("{COOPERATIVE} chưa có sản phẩm nào thuộc nhóm sản phẩm đề án hỗ trợ.")
    );
    let mut product = common::product_body("Chè Shan tuyết Côn Minh");
    product["enterprise_id"] = json!(enterprise);
    product["category"] = json!("che");
    let r = app.post_json("/api/v1/products", product).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
    assert_eq!(shown["gaps"], json!([]), "{shown}");
}

#[tokio::test]
async fn staff_register_a_producer_on_the_spot_as_a_beneficiary_and_a_mistake_registers_nothing() {
    let World { mut app, .. } = world().await;
    app.sign_in(STAFF).await;
    let id = propose(&mut app, "KC-2026-50").await;
    let newcomer = json!({
        "name": "Hộ kinh doanh Nấm hương Lạng San",
        "legal_form": "household_business",
        "tax_code": "0100047516-00",
        "commune_code": common::NA_RI,
        "address": "Thôn Nà Làng",
        "phone": "0987 654 321",
    });
    let before = app.snapshot().await;
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries"),
            json!({"new_enterprise": newcomer, "support": "Lò sấy nấm", "support_vnd": 50_000_000}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "new_enterprise.tax_code");
    assert_eq!(app.snapshot().await, before);

    let mut newcomer = newcomer;
    newcomer["tax_code"] = json!("0100047516");
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries"),
            json!({"new_enterprise": newcomer, "support": "Lò sấy nấm", "support_vnd": 50_000_000,
                   "contribution_vnd": 50_000_000}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    assert_eq!(
        v["beneficiaries"][0]["enterprise"],
        "Hộ kinh doanh Nấm hương Lạng San"
    );
    let eid = v["beneficiaries"][0]["enterprise_id"]
        .as_i64()
        .expect("an id");
    let e = app.get(&format!("/api/v1/enterprises/{eid}")).await.json();
    assert_eq!(e["tax_code"], "0100047516", "{e}");
}

#[tokio::test]
async fn the_demo_year_tells_the_whole_story() {
    let mut app = common::TestApp::new().await;
    ketnoi::services::demo::load(&app.state)
        .await
        .expect("the demo loads")
        .expect("into an empty catalogue");
    let r = app
        .post_json(
            "/api/v1/auth/login",
            json!({"login": "canbo@ketnoi.vn", "password": ketnoi::services::demo::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let year = chrono::Datelike::year(&app.state.clock.today());
    let plan = app
        .get(&format!("/api/v1/programmes/plans/{year}"))
        .await
        .json();
    let f = &plan["figures"];
    assert_eq!(f["planned"]["count"], 14, "{f}");
    let planned = f["planned"]["vnd"].as_i64().expect("money");
    assert!(
        (1_250_000_000..=1_330_000_000).contains(&planned),
        "about 1,29 billion đồng: {planned}"
    );
    assert_eq!(f["cancelled"]["count"], 1);
    assert_eq!(
        plan["cancelled_by_reason"][0]["reason"],
        "investment_plans_changed"
    );
    assert_eq!(f["at_risk"]["count"], 1);
    assert!(f["completed"]["count"].as_i64().unwrap_or(0) >= 3, "{f}");
    for source in plan["by_source"].as_array().expect("funds") {
        assert!(
            source["unallocated_vnd"].as_i64().unwrap_or(-1) >= 0,
            "no fund over-planned: {source}"
        );
    }
    // The completed ones show what they bought, measured from the catalogue and the desk.
    let mut measured = 0;
    for p in plan["programmes"].as_array().expect("programmes") {
        if !matches!(p["status"].as_str(), Some("accepted" | "settled")) {
            continue;
        }
        let v = app
            .get(&format!("/api/v1/programmes/{}", p["id"]))
            .await
            .json();
        let t = &v["totals"];
        if t["packaging_designed"].as_i64() > Some(0)
            || t["trademarks_filed"].as_i64() > Some(0)
            || t["deals"].as_i64() > Some(0)
        {
            measured += 1;
        }
    }
    assert!(
        measured >= 3,
        "{measured} completed programmes with measured outcomes"
    );
    app.clear_cookies();
    let public = app.get("/api/v1/programmes/completed").await.json();
    assert!(public.as_array().is_some_and(|p| p.len() >= 3), "{public}");
}

#[tokio::test]
async fn a_deferred_programme_waits_in_next_years_plan_to_be_proposed_again() {
    let World { mut app, .. } = world().await;
    app.sign_in(STAFF).await;
    let id = propose(&mut app, "KC-2026-60").await;
    let v = must_step(&mut app, id, json!({"to": "deferred"})).await;
    assert_eq!(v["deferred_to"], 2027);
    let this_year = app.get("/api/v1/programmes/plans/2026").await.json();
    assert_eq!(
        this_year["figures"]["deferred"],
        json!({"count": 1, "vnd": 180_000_000})
    );
    let next = app.get("/api/v1/programmes/plans/2027").await.json();
    assert_eq!(next["carried_over"][0]["code"], "KC-2026-60");
    assert_eq!(next["figures"]["planned"]["count"], 0, "not counted twice");
    let page = app.get("/staff/programmes?year=2027").await;
    assert!(
        page.body
            .contains(&format!("/staff/programmes/new?from={id}"))
    );
    let form = app.get(&format!("/staff/programmes/new?from={id}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("name=\"year\" value=\"2027\""),
        "in the year it moved to"
    );
    assert!(
        form.body
            .contains("Hỗ trợ máy sấy miến cho HTX Miến dong Côn Minh")
    );
}

/// A move's body with everything any move records, so only the state can refuse it.
fn full_move(to: &str) -> serde_json::Value {
    json!({"to": to, "decision_number": "9/QĐ", "decided_on": "15/03/2026", "budget_vnd": 150_000_000,
           "accepted_on": "10/09/2026", "minutes": "Đạt yêu cầu nghiệm thu.", "final_vnd": 150_000_000,
           "reason": "other", "reason_words": "Thử", "to_year": 2027})
}

#[tokio::test]
async fn every_move_a_state_does_not_allow_is_refused_through_the_api_and_changes_nothing() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let all = [
        "proposed",
        "appraised",
        "approved",
        "in_progress",
        "accepted",
        "settled",
        "cancelled",
        "deferred",
    ];
    // A programme in each state, reached by the legal road.
    let road: [&[&str]; 8] = [
        &[],
        &["appraised"],
        &["appraised", "approved"],
        &["appraised", "approved", "in_progress"],
        &["appraised", "approved", "in_progress", "accepted"],
        &[
            "appraised",
            "approved",
            "in_progress",
            "accepted",
            "settled",
        ],
        &["cancelled"],
        &["deferred"],
    ];
    let mut ids = Vec::new();
    for (n, steps) in road.iter().enumerate() {
        let code = format!("KC-2026-M{n}");
        let id = if steps.first() == Some(&"appraised") {
            appraised(&mut world, &code).await
        } else {
            propose(&mut world.app, &code).await
        };
        for to in steps.iter().filter(|s| **s != "appraised") {
            must_step(&mut world.app, id, full_move(to)).await;
        }
        ids.push(id);
    }
    let app = &mut world.app;
    for (id, state) in ids.iter().zip(all) {
        let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
        assert_eq!(shown["status"], state);
        let next: Vec<String> = shown["next"]
            .as_array()
            .expect("next")
            .iter()
            .map(|s| s.as_str().unwrap_or_default().to_string())
            .collect();
        let before = app.snapshot().await;
        for to in all.iter().filter(|to| !next.iter().any(|n| n == *to)) {
            let r = step(app, *id, full_move(to)).await;
            assert!(
                r.status == StatusCode::CONFLICT
                    || (*to == "proposed" && r.status == StatusCode::UNPROCESSABLE_ENTITY),
                "{state} → {to}: {} {}",
                r.status,
                r.body
            );
        }
        assert_eq!(
            app.snapshot().await,
            before,
            "refusals from {state} changed something"
        );
    }
}

#[tokio::test]
async fn approval_holds_the_proposal_to_its_rules_again_for_the_budget_approved() {
    let mut world = world().await;
    let other = world.enterprise(OTHER);
    world.app.sign_in(STAFF).await;
    let id = appraised(&mut world, "KC-2026-70").await;
    let app = &mut world.app;
    // A beneficiary with no tax code joins after appraisal: approval waits for it.
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries"),
            json!({"enterprise_id": other, "support": "Máy đóng gói", "contribution_vnd": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let before = app.snapshot().await;
    let r = step(app, id, approval()).await;
    assert_eq!(r.error_code(), "programme.incomplete");
    assert_eq!(app.snapshot().await, before);
    let shown = app.get(&format!("/api/v1/programmes/{id}")).await.json();
    let late = shown["beneficiaries"][1]["id"].as_i64().expect("an id");
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries/{late}/withdraw"),
            json!({"reason": "Chưa đủ hồ sơ"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A budget over the year's limit for the kind is refused at approval too.
    app.sign_in(ADMIN).await;
    let r = app
        .json(
            "PUT",
            "/api/v1/programmes/plans/2026/limits/machinery",
            json!({"max_budget_vnd": "200.000.000", "counterpart_percent": 50}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.sign_in(STAFF).await;
    let mut over = approval();
    over["budget_vnd"] = json!(250_000_000);
    assert_eq!(
        step(app, id, over).await.error_code(),
        "programme.incomplete"
    );
    must_step(app, id, approval()).await;
}
