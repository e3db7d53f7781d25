//! The brokering desk through the real router: the whole life of a request of each kind,
//! every illegal transition, who may do what, idempotent submission, overdue requests,
//! and e-mail delivered to a real SMTP server on loopback.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use common::TestApp;
use common::desk::*;
use common::smtp::{delivered, start_smtp};

async fn post_keyed(app: &mut TestApp, key: &str, body: &Value) -> common::TestResponse {
    let request = Request::post("/api/v1/requests")
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .expect("test setup");
    app.send(request).await
}

async fn submit(app: &mut TestApp, who: &str, body: Value) -> i64 {
    app.sign_in(who).await;
    let r = app.post_json("/api/v1/requests", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("a number")
}

fn kinds(view: &Value) -> Vec<String> {
    view["timeline"]
        .as_array()
        .expect("test setup")
        .iter()
        .map(|e| e["kind"].as_str().expect("text").to_string())
        .collect()
}

fn notification_kinds(r: &common::TestResponse) -> Vec<String> {
    r.json()
        .as_array()
        .expect("test setup")
        .iter()
        .map(|n| n["kind"].as_str().expect("text").to_string())
        .collect()
}

#[tokio::test]
async fn a_market_linkage_request_goes_from_first_message_to_a_deal() {
    let Desk {
        mut app,
        a,
        b,
        c,
        product_a,
        ..
    } = desk().await;

    // The buyer asks; a retry over a flaky connection returns the same request.
    app.sign_in(BUYER).await;
    let r = post_keyed(&mut app, "2f1c-first-try", &linkage()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let first = r.json();
    let id = first["id"].as_i64().expect("a number");
    assert_eq!(first["status"], "submitted");
    assert_eq!(first["quantity"], 2000);
    assert_eq!(first["frequency"], "monthly");
    assert_eq!(first["province"], "Thái Nguyên");
    assert!(
        first["progress"]
            .as_str()
            .expect("text")
            .contains("đã nhận"),
        "{first}"
    );
    let again = post_keyed(&mut app, "2f1c-first-try", &linkage()).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["id"], id);
    let mine = app.get("/api/v1/requests").await.json();
    assert_eq!(mine["total"], 1, "{mine}");

    // Staff find it in the queue, review it and look for producers.
    app.sign_in(STAFF).await;
    let inbox = app.get("/api/v1/notifications").await;
    assert_eq!(notification_kinds(&inbox), vec!["new_request"]);
    let queue = app.get("/api/v1/requests?status=submitted").await.json();
    assert_eq!(queue["items"][0]["id"], id, "{queue}");
    assert_eq!(
        queue["items"][0]["requester_name"],
        format!("Người dùng {BUYER}")
    );
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/transition"),
            json!({"to": "in_review"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "in_review");
    assert!(r.json()["first_response_at"].is_string());

    let suggestions = app
        .get(&format!("/api/v1/requests/{id}/suggestions"))
        .await
        .json();
    let suggested: Vec<i64> = suggestions
        .as_array()
        .expect("test setup")
        .iter()
        .map(|s| s["enterprise"]["id"].as_i64().expect("a number"))
        .collect();
    assert!(
        suggested.contains(&a) && suggested.contains(&b),
        "{suggestions}"
    );
    assert!(
        !suggested.contains(&c),
        "tea is not vermicelli: {suggestions}"
    );
    let top = &suggestions[0];
    assert!(
        top["reasons"]
            .as_array()
            .expect("test setup")
            .contains(&json!("category")),
        "{top}"
    );

    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/shortlist"),
            json!({"enterprise_id": a, "product_id": product_a, "note": "Đủ sản lượng"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "matching");
    app.post_json(
        &format!("/api/v1/requests/{id}/shortlist"),
        json!({"enterprise_id": b}),
    )
    .await;
    let r = app
        .post_json(&format!("/api/v1/requests/{id}/forward"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "forwarded");
    assert_eq!(r.json()["forwarded_count"], 2);

    // Producer A is interested, B declines.
    app.sign_in(PRODUCER_A).await;
    let inbox = app.get("/api/v1/notifications").await;
    assert_eq!(notification_kinds(&inbox), vec!["forwarded"]);
    let seen = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert!(
        seen["requester"]["contact"].is_null(),
        "no contact before connecting: {seen}"
    );
    assert_eq!(seen["matches"].as_array().expect("a list").len(), 1);
    assert!(
        seen["matches"][0]["note"].is_null(),
        "staff notes stay with staff"
    );
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/response"),
            json!({"answer": "interested", "price_vnd": "85.000", "quantity": 2000, "lead_time_days": 10, "message": "Giao tận nơi mỗi tháng."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.sign_in(PRODUCER_B).await;
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/response"),
            json!({"answer": "declined", "reason": "capacity"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The buyer sees progress in plain words and A's offer, not B's refusal.
    app.sign_in(BUYER).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert_eq!(
        view["progress"],
        "Trung tâm đã chuyển yêu cầu của bạn tới 2 cơ sở sản xuất."
    );
    let offers = view["matches"].as_array().expect("a list");
    assert_eq!(offers.len(), 1, "{view}");
    assert_eq!(offers[0]["enterprise"]["id"], a);
    assert_eq!(offers[0]["offer_price_vnd"], 85000);
    assert!(offers[0]["contact"].is_null());
    for hidden in ["shortlisted", "note", "assigned"] {
        assert!(!kinds(&view).contains(&hidden.to_string()), "{view}");
    }
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/messages"),
            json!({"enterprise_id": a, "body": "Bên em có giấy chứng nhận ATTP không?"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A reads the message; B never sees A's thread.
    app.sign_in(PRODUCER_A).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert!(kinds(&view).contains(&"message".to_string()), "{view}");
    app.sign_in(PRODUCER_B).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert!(!kinds(&view).contains(&"message".to_string()), "{view}");
    assert!(
        !view.to_string().contains("85000"),
        "B never sees A's offer"
    );

    // Staff connect the buyer with A: contacts cross, the request is negotiating.
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/connect"),
            json!({"enterprise_id": a}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "negotiating");
    app.sign_in(BUYER).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert_eq!(
        view["matches"][0]["contact"]["phone"], "0912 345 678",
        "{view}"
    );
    app.sign_in(PRODUCER_A).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert_eq!(view["requester"]["contact"]["email"], BUYER, "{view}");

    // The deal is recorded, and counted.
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/close"),
            json!({"result": "deal", "value_vnd": "2.040.000.000", "quantity": 24000, "supply": "contract", "enterprise_id": a}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let view = r.json();
    assert_eq!(view["status"], "closed_deal");
    assert_eq!(view["outcome"]["value_vnd"], 2_040_000_000i64);
    assert!(view["actions"].as_array().expect("a list").is_empty());
    assert_eq!(
        kinds(&view),
        [
            "submitted",
            "status",
            "status",
            "shortlisted",
            "shortlisted",
            "status",
            "forwarded",
            "forwarded",
            "answered",
            "answered",
            "message",
            "status",
            "connected",
            "closed"
        ]
    );
    assert!(
        view["timeline"]
            .as_array()
            .expect("test setup")
            .iter()
            .all(|e| e["actor"].is_string())
    );
    let stats = app.get("/api/v1/requests/stats").await.json();
    assert_eq!(stats["total"], 1);
    assert_eq!(stats["deals"], 1);
    assert_eq!(stats["conversion_rate"], 1.0);
    assert_eq!(stats["deal_value_vnd"], 2_040_000_000i64);
    assert_eq!(stats["by_category"][0]["key"], "che-bien-nong-lam-san");
    assert_eq!(stats["by_province"][0]["label"], "Thái Nguyên");
    assert!(stats["median_hours_to_first_response"].is_number());

    app.sign_in(BUYER).await;
    let inbox = app.get("/api/v1/notifications").await;
    let kinds = notification_kinds(&inbox);
    assert!(
        kinds.contains(&"offer".to_string()) && kinds.contains(&"connected".to_string()),
        "{kinds:?}"
    );
    assert!(!kinds.contains(&"declined".to_string()), "{kinds:?}");
}

#[tokio::test]
async fn a_technology_transfer_request_ends_without_a_deal_and_says_why() {
    let Desk { mut app, a, .. } = desk().await;
    let id = submit(
        &mut app,
        PRODUCER_C,
        json!({
            "kind": "technology_transfer",
            "title": "Tìm dây chuyền sấy miến dong",
            "description": "Hợp tác xã cần máy sấy miến công suất 500 kg/ngày.",
            "category": "mien-dong",
            "direction": "seek",
            "budget_min_vnd": 200_000_000,
            "budget_max_vnd": "500.000.000",
            "province_code": THAI_NGUYEN,
        }),
    )
    .await;
    app.sign_in(STAFF).await;
    for (path, body) in [
        ("transition", json!({"to": "in_review"})),
        ("shortlist", json!({"enterprise_id": a})),
        ("forward", json!({"enterprise_ids": [a]})),
        (
            "notes",
            json!({"body": "HTX Côn Minh đã dùng máy sấy của Viện Cơ điện."}),
        ),
    ] {
        let r = app
            .post_json(&format!("/api/v1/requests/{id}/{path}"), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/close"),
            json!({"result": "no_deal"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "request.reason_required");
    assert_eq!(r.json()["error"]["message"], "Vui lòng chọn lý do.");
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/close"),
            json!({"result": "no_deal", "reason": "price", "note": "Ngân sách thấp hơn giá máy."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let view = r.json();
    assert_eq!(view["kind"], "technology_transfer");
    assert_eq!(view["status"], "closed_no_deal");
    assert_eq!(view["budget_max_vnd"], 500_000_000);
    assert_eq!(view["outcome"]["reason"], "price");

    app.sign_in(PRODUCER_C).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert_eq!(view["progress"], "Yêu cầu đã đóng, chưa có giao dịch.");
    assert!(
        view["outcome"]["note"].is_null(),
        "the note is the centre's"
    );
    assert!(!kinds(&view).contains(&"note".to_string()));
    let stats = {
        app.sign_in(STAFF).await;
        app.get("/api/v1/requests/stats?kind=technology_transfer")
            .await
            .json()
    };
    assert_eq!(stats["by_status"]["closed_no_deal"], 1);
    assert_eq!(stats["conversion_rate"], 0.0);
}

/// Drives a new request into `state` and returns its id (staff signed in at the end).
async fn drive(desk: &mut Desk, state: &str) -> i64 {
    let a = desk.a;
    let app = &mut desk.app;
    let id = submit(app, BUYER, linkage()).await;
    let step = |path: &'static str, body: Value| (path, body);
    let steps: Vec<(&str, Value)> = match state {
        "submitted" => vec![],
        "in_review" => vec![step("transition", json!({"to": "in_review"}))],
        "matching" => vec![
            step("transition", json!({"to": "in_review"})),
            step("shortlist", json!({"enterprise_id": a})),
        ],
        "forwarded" | "negotiating" | "closed_deal" => {
            let mut s = vec![
                step("transition", json!({"to": "in_review"})),
                step("shortlist", json!({"enterprise_id": a})),
                step("forward", json!({})),
            ];
            if state != "forwarded" {
                s.push(step("connect", json!({"enterprise_id": a})));
            }
            if state == "closed_deal" {
                s.push(step(
                    "close",
                    json!({"result": "deal", "value_vnd": 1_000_000}),
                ));
            }
            s
        }
        "closed_no_deal" => vec![
            step("transition", json!({"to": "in_review"})),
            step("shortlist", json!({"enterprise_id": a})),
            step(
                "close",
                json!({"result": "no_deal", "reason": "no_supplier"}),
            ),
        ],
        "rejected" => vec![step(
            "transition",
            json!({"to": "rejected", "reason": "spam"}),
        )],
        "withdrawn" => {
            let r = app
                .post_json(
                    &format!("/api/v1/requests/{id}/transition"),
                    json!({"to": "withdrawn"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            vec![]
        }
        other => panic!("no such state {other}"),
    };
    app.sign_in(STAFF).await;
    for (path, body) in steps {
        let r = app
            .post_json(&format!("/api/v1/requests/{id}/{path}"), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{state} via {path}: {}", r.body);
    }
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert_eq!(view["status"], state);
    id
}

/// Tries to move request `id` to `to` through the action that would do it; says too whether
/// anything changed.
async fn attempt(desk: &mut Desk, id: i64, to: &str) -> (common::TestResponse, bool) {
    let app = &mut desk.app;
    let (who, path, body) = match to {
        "closed_deal" => (
            STAFF,
            "close",
            json!({"result": "deal", "value_vnd": 5_000_000}),
        ),
        "closed_no_deal" => (
            STAFF,
            "close",
            json!({"result": "no_deal", "reason": "timing"}),
        ),
        "withdrawn" => (BUYER, "transition", json!({"to": "withdrawn"})),
        "rejected" => (
            STAFF,
            "transition",
            json!({"to": "rejected", "reason": "duplicate"}),
        ),
        other => (STAFF, "transition", json!({"to": other})),
    };
    app.sign_in(who).await;
    let before = app.snapshot().await;
    let r = app
        .post_json(&format!("/api/v1/requests/{id}/{path}"), body)
        .await;
    let changed = app.snapshot().await != before;
    (r, changed)
}

#[tokio::test]
async fn every_illegal_transition_is_refused_and_changes_nothing() {
    let mut desk = desk().await;
    let states = [
        "submitted",
        "in_review",
        "matching",
        "forwarded",
        "negotiating",
        "closed_deal",
        "closed_no_deal",
        "rejected",
        "withdrawn",
    ];
    let legal = [
        ("submitted", "in_review"),
        ("in_review", "matching"),
        ("matching", "forwarded"),
        ("matching", "closed_no_deal"),
        ("forwarded", "negotiating"),
        ("forwarded", "closed_deal"),
        ("forwarded", "closed_no_deal"),
        ("negotiating", "closed_deal"),
        ("negotiating", "closed_no_deal"),
    ];
    let open = [
        "submitted",
        "in_review",
        "matching",
        "forwarded",
        "negotiating",
    ];
    let mut refused = 0;
    for from in states {
        let id = drive(&mut desk, from).await;
        for to in states {
            let allowed = from == to
                || legal.contains(&(from, to))
                || (open.contains(&from) && matches!(to, "rejected" | "withdrawn"));
            if allowed {
                continue;
            }
            let (r, changed) = attempt(&mut desk, id, to).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{from} → {to}: {}", r.body);
            assert!(!changed, "{from} → {to} was refused but changed something");
            assert_eq!(
                r.error_code(),
                "request.transition",
                "{from} → {to}: {}",
                r.body
            );
            assert_eq!(r.json()["error"]["kind"], "state");
            assert!(
                !r.json()["error"]["message"]
                    .as_str()
                    .expect("text")
                    .is_empty()
            );
            desk.app.sign_in(STAFF).await;
            let view = desk.app.get(&format!("/api/v1/requests/{id}")).await.json();
            assert_eq!(view["status"], from, "{from} → {to} changed the state");
            refused += 1;
        }
    }
    assert_eq!(refused, 9 * 9 - 9 - 5 * 2 - 9);
}

/// What each person gets when they try each action on one request.
#[tokio::test]
async fn permissions_match_for_every_role_and_action() {
    let mut desk = desk().await;
    let (a, c, staff_id) = (desk.a, desk.c, desk.staff_id);
    let id = drive(&mut desk, "forwarded").await;
    let app = &mut desk.app;
    let url = |p: &str| format!("/api/v1/requests/{id}{p}");

    // (role, login) — `None` is a guest.
    let people: [(&str, Option<&str>); 5] = [
        ("requester", Some(BUYER)),
        ("forwarded producer", Some(PRODUCER_A)),
        ("other producer", Some(PRODUCER_C)),
        ("other buyer", Some(OTHER_BUYER)),
        ("guest", None),
    ];
    let staff_only = json!({});
    // Expected status per person, in `people` order; staff are checked after.
    let checks: Vec<(&str, &str, Value, [u16; 5])> = vec![
        ("GET", "", Value::Null, [200, 200, 404, 404, 401]),
        (
            "GET",
            "/suggestions",
            Value::Null,
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/assign",
            json!({"user_id": staff_id}),
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/notes",
            json!({"body": "Ghi chú nội bộ"}),
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/shortlist",
            json!({"enterprise_id": c}),
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/forward",
            staff_only.clone(),
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/connect",
            json!({"enterprise_id": a}),
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/verify-phone",
            Value::Null,
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/close",
            json!({"result": "deal", "value_vnd": 1000}),
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/transition",
            json!({"to": "negotiating"}),
            [403, 403, 404, 404, 401],
        ),
        (
            "POST",
            "/response",
            json!({"answer": "interested"}),
            [403, 200, 404, 404, 401],
        ),
        (
            "POST",
            "/messages",
            json!({"body": "Xin chào"}),
            [200, 200, 404, 404, 401],
        ),
    ];
    for (method, path, body, expected) in &checks {
        for ((role, login), want) in people.iter().zip(expected) {
            match login {
                Some(l) => app.sign_in(l).await,
                None => app.clear_cookies(),
            }
            let before = app.snapshot().await;
            let r = match *method {
                "GET" => app.get(&url(path)).await,
                _ => {
                    app.post_json(
                        &url(path),
                        if body.is_null() {
                            json!({})
                        } else {
                            body.clone()
                        },
                    )
                    .await
                }
            };
            assert_eq!(
                r.status.as_u16(),
                *want,
                "{role} {method} {path}: {}",
                r.body
            );
            if *want >= 400 {
                assert!(
                    app.snapshot().await == before,
                    "{role} {method} {path} was refused but changed something"
                );
            }
        }
    }
    // Lists: each sees only their own.
    for (role, login, sees) in [
        ("requester", BUYER, true),
        ("forwarded producer", PRODUCER_A, true),
        ("other producer", PRODUCER_C, false),
        ("other buyer", OTHER_BUYER, false),
    ] {
        app.sign_in(login).await;
        let list = app.get("/api/v1/requests").await.json();
        let ids: Vec<i64> = list["items"]
            .as_array()
            .expect("test setup")
            .iter()
            .map(|i| i["id"].as_i64().expect("a number"))
            .collect();
        assert_eq!(ids.contains(&id), sees, "{role}: {list}");
        let stats = app.get("/api/v1/requests/stats").await;
        assert_eq!(stats.status, StatusCode::FORBIDDEN, "{role}");
    }
    app.clear_cookies();
    assert_eq!(
        app.get("/api/v1/requests").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/notifications").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Staff may do all of it.
    app.sign_in(STAFF).await;
    for (method, path, body) in [
        ("GET", "", Value::Null),
        ("GET", "/suggestions", Value::Null),
        ("POST", "/assign", json!({"user_id": staff_id})),
        ("POST", "/notes", json!({"body": "Gọi lại thứ Hai"})),
        (
            "POST",
            "/messages",
            json!({"body": "Trung tâm đã nhận được."}),
        ),
        ("POST", "/connect", json!({"enterprise_id": a})),
    ] {
        let r = match method {
            "GET" => app.get(&url(path)).await,
            _ => app.post_json(&url(path), body).await,
        };
        assert_eq!(
            r.status,
            StatusCode::OK,
            "staff {method} {path}: {}",
            r.body
        );
    }
    assert_eq!(
        app.get("/api/v1/requests/stats").await.status,
        StatusCode::OK
    );
    let r = app.post_json(&url("/verify-phone"), json!({})).await;
    assert_eq!(
        r.error_code(),
        "request.phone_already_verified",
        "not a guest: {}",
        r.body
    );
    let r = app
        .post_json(&url("/assign"), json!({"user_id": 999_999}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Only the requester withdraws.
    app.sign_in(PRODUCER_A).await;
    let r = app
        .post_json(&url("/transition"), json!({"to": "withdrawn"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.sign_in(BUYER).await;
    let r = app
        .post_json(&url("/transition"), json!({"to": "withdrawn"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "withdrawn");
}

#[tokio::test]
async fn idempotent_submission_holds_under_a_double_tap_and_is_scoped_to_the_sender() {
    let Desk { mut app, .. } = desk().await;
    app.sign_in(BUYER).await;
    let make = || {
        app.authorised(
            Request::post("/api/v1/requests")
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", "double-tap-7")
                .body(Body::from(linkage().to_string()))
                .expect("test setup"),
        )
    };
    use tower::ServiceExt;
    let (r1, r2) = tokio::join!(
        app.router.clone().oneshot(make()),
        app.router.clone().oneshot(make())
    );
    let mut statuses = vec![
        r1.expect("test setup").status(),
        r2.expect("test setup").status(),
    ];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CREATED]);
    let list = app.get("/api/v1/requests").await.json();
    assert_eq!(list["total"], 1, "{list}");

    // Another person's identical key is their own request.
    app.sign_in(OTHER_BUYER).await;
    let r = post_keyed(&mut app, "double-tap-7", &linkage()).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = post_keyed(&mut app, "has spaces in it", &linkage()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "request.idempotency_key");

    // Nothing half-written when the input is wrong.
    let mut bad = linkage();
    bad["needed_by"] = json!("01/01/2020");
    bad["unit"] = json!("");
    let r = app.post_json("/api/v1/requests", bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["error"]["details"]
        .as_array()
        .expect("test setup")
        .iter()
        .map(|d| d["field"].as_str().expect("text").to_string())
        .collect();
    assert!(
        fields.contains(&"needed_by".into()) && fields.contains(&"unit".into()),
        "{}",
        r.body
    );
    let list = app.get("/api/v1/requests").await.json();
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn guests_are_rate_limited_and_verified_before_anything_is_forwarded() {
    let Desk { mut app, a, .. } = desk().await;
    app.clear_cookies();
    let mut body = linkage();
    let r = app.post_json("/api/v1/requests", body.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "text.required", "{}", r.body);
    body["contact_name"] = json!("Chị Lan");
    body["contact_phone"] = json!("+84 987 654 321");
    body["organisation"] = json!("Nhà hàng Lan Chi");
    let r = post_keyed(&mut app, "guest-form-token-1", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let guest = r.json();
    let id = guest["id"].as_i64().expect("a number");
    assert_eq!(guest["requester"]["guest"], true);
    assert_eq!(guest["requester"]["phone_verified"], false);
    let again = post_keyed(&mut app, "guest-form-token-1", &body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["id"], id);
    // A guest cannot read requests back.
    assert_eq!(
        app.get(&format!("/api/v1/requests/{id}")).await.status,
        StatusCode::UNAUTHORIZED
    );
    for _ in 0..2 {
        let r = app.post_json("/api/v1/requests", body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let r = app.post_json("/api/v1/requests", body.clone()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key("retry-after"));

    // Spam with links is refused.
    let mut spam = body.clone();
    spam["description"] = json!("Mua ngay http://a.example http://b.example http://c.example");
    app.clear_cookies();
    let r = app.post_json("/api/v1/requests", spam).await;
    assert!(matches!(r.status.as_u16(), 422 | 429));

    app.sign_in(STAFF).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert_eq!(view["requester"]["contact"]["phone"], "0987 654 321");
    assert!(
        view["actions"]
            .as_array()
            .expect("test setup")
            .contains(&json!("verify_phone"))
    );
    for (path, body) in [
        ("transition", json!({"to": "in_review"})),
        ("shortlist", json!({"enterprise_id": a})),
    ] {
        let r = app
            .post_json(&format!("/api/v1/requests/{id}/{path}"), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = app
        .post_json(&format!("/api/v1/requests/{id}/forward"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "request.phone_unverified");
    let r = app
        .post_json(&format!("/api/v1/requests/{id}/verify-phone"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(&format!("/api/v1/requests/{id}/forward"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "forwarded");
}

#[tokio::test]
async fn idle_requests_are_flagged_overdue_until_someone_acts() {
    let Desk { mut app, .. } = desk().await;
    let stale = submit(&mut app, BUYER, linkage()).await;
    // Four days pass with nobody acting on it (the centre's limit is three).
    app.state.clock.advance(chrono::Duration::days(4));
    let fresh = submit(&mut app, BUYER, linkage()).await;

    app.sign_in(STAFF).await;
    let overdue = app.get("/api/v1/requests?overdue=true").await.json();
    let ids: Vec<i64> = overdue["items"]
        .as_array()
        .expect("test setup")
        .iter()
        .map(|i| i["id"].as_i64().expect("a number"))
        .collect();
    assert_eq!(ids, vec![stale], "{overdue}");
    assert_eq!(overdue["items"][0]["overdue"], true);
    let all = app.get("/api/v1/requests").await.json();
    assert_eq!(all["total"], 2);
    let fresh_view = app.get(&format!("/api/v1/requests/{fresh}")).await.json();
    assert_eq!(fresh_view["overdue"], false);
    let stats = app.get("/api/v1/requests/stats").await.json();
    assert_eq!(stats["overdue"], 1);

    let r = app
        .post_json(
            &format!("/api/v1/requests/{stale}/notes"),
            json!({"body": "Đã gọi cho người mua."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["overdue"], false);
    let overdue = app.get("/api/v1/requests?overdue=true").await.json();
    assert_eq!(overdue["total"], 0);
}

#[tokio::test]
async fn notifications_reach_a_real_smtp_server() {
    let Some(smtp) = start_smtp() else { return };
    let config = ketnoi::config::Config {
        smtp_url: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
        public_url: Some("https://ketnoi.example.vn".into()),
        ..Default::default()
    };
    let Desk { mut app, .. } = desk_with(TestApp::with_config(config).await).await;
    let id = submit(&mut app, BUYER, linkage()).await;
    let sent = ketnoi::jobs::mail::drain(&app.state)
        .await
        .expect("mail sent");
    assert_eq!(sent, 1, "one staff member with an e-mail address");
    let mail = delivered(&smtp.maildir.path().join("mail"));
    assert_eq!(mail.len(), 1, "{mail:?}");
    let (to, subject, body) = &mail[0];
    assert_eq!(to, STAFF);
    assert_eq!(
        subject,
        "[ketnoi] Yêu cầu mới: Cần 2 tấn miến dong mỗi tháng"
    );
    assert!(
        body.contains(&format!("https://ketnoi.example.vn/staff/requests/{id}")),
        "{body}"
    );
    assert!(body.contains("Chuỗi siêu thị ở Hà Nội"), "{body}");
    // Sent once: a second pass finds nothing to send.
    assert_eq!(
        ketnoi::jobs::mail::drain(&app.state)
            .await
            .expect("test setup"),
        0
    );
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_when_it_is_back() {
    let Some(smtp) = start_smtp() else { return };
    let port = smtp.port;
    drop(smtp);
    let config = ketnoi::config::Config {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Default::default()
    };
    let Desk { mut app, .. } = desk_with(TestApp::with_config(config).await).await;
    submit(&mut app, BUYER, linkage()).await;
    assert_eq!(
        ketnoi::jobs::mail::drain(&app.state)
            .await
            .expect("test setup"),
        0
    );
    use sea_orm::EntityTrait;
    let rows = ketnoi::db::entities::email_outbox::Entity::find()
        .all(&app.db)
        .await
        .expect("test setup");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].sent_at.is_none() && rows[0].last_error.is_some() && rows[0].attempts == 1);
}

#[tokio::test]
async fn the_shortlist_can_change_before_forwarding_and_the_inbox_is_read() {
    let Desk {
        mut app,
        a,
        b,
        staff_id,
        ..
    } = desk().await;
    let id = submit(&mut app, BUYER, linkage()).await;
    app.sign_in(STAFF).await;
    for (path, body) in [
        ("transition", json!({"to": "in_review"})),
        ("shortlist", json!({"enterprise_id": a})),
        ("shortlist", json!({"enterprise_id": b})),
    ] {
        let r = app
            .post_json(&format!("/api/v1/requests/{id}/{path}"), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/shortlist"),
            json!({"enterprise_id": a}),
        )
        .await;
    assert_eq!(r.error_code(), "request.already_shortlisted");
    let r = app
        .delete(&format!("/api/v1/requests/{id}/shortlist/{b}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["matches"].as_array().expect("list").len(), 1);
    assert!(kinds(&r.json()).contains(&"unshortlisted".to_string()));
    app.post_json(&format!("/api/v1/requests/{id}/forward"), json!({}))
        .await;
    let r = app
        .delete(&format!("/api/v1/requests/{id}/shortlist/{a}"))
        .await;
    assert_eq!(r.error_code(), "request.already_forwarded");

    // Assigning tells the assignee; reading the inbox empties the unread count.
    let other = app.sign_in_new("staff", "canbo2@ketnoi.vn").await;
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/assign"),
            json!({"user_id": other}),
        )
        .await;
    assert_eq!(r.json()["assigned_to"]["id"], other);
    assert_ne!(i64::from(other), staff_id);
    app.sign_in("canbo2@ketnoi.vn").await;
    let inbox = app.get("/api/v1/notifications").await.json();
    assert_eq!(inbox[0]["kind"], "assigned", "{inbox}");
    assert_eq!(inbox[0]["url"], format!("/staff/requests/{id}"));
    assert_eq!(inbox[0]["read"], false);
    let r = app
        .post_json("/api/v1/notifications/read", json!({"ids": []}))
        .await;
    assert_eq!(r.json()["marked"], 1);
    let inbox = app.get("/api/v1/notifications").await.json();
    assert_eq!(inbox[0]["read"], true);
}
