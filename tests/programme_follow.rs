//! Support programmes followed to the end, through the API: a withdrawal and who takes its
//! place, milestones and the at-risk flag computed from facts, visits and the programme's
//! file in the object store, outcomes measured from real catalogue and brokering changes,
//! facility surveys sent twice and kept once, candidates, what producers and the public
//! see, and who may do any of it.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use common::programmes::*;
use common::{TestApp, World, images};

fn date_in(app: &TestApp, days: i64) -> String {
    (app.state.clock.today() + chrono::Duration::days(days))
        .format("%d/%m/%Y")
        .to_string()
}

fn risk_kinds(view: &Value) -> Vec<String> {
    view["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .map(|r| r["risk"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn show(app: &mut TestApp, id: i64) -> Value {
    let r = app.get(&format!("/api/v1/programmes/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn record_survey(app: &mut TestApp, key: &str, body: &Value) -> (StatusCode, Value) {
    let r = app
        .send(
            Request::post("/api/v1/surveys")
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", key)
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await;
    (r.status, r.json())
}

#[tokio::test]
async fn a_beneficiary_that_withdraws_is_replaced_by_a_neighbour_with_the_same_need() {
    let mut world = world().await;
    let other = world.enterprise(OTHER);
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-60").await;
    let app = &mut world.app;
    // The tea cooperative next door was surveyed and needs machinery.
    let (status, _) = record_survey(
        app,
        "survey-1",
        &json!({"enterprise_id": other, "visited_on": date_in(app, -3), "met": "Bà Lan, chủ nhiệm",
                "makes": "Chè Shan tuyết", "output": "2 tấn/năm", "needs": ["machinery"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let bid = show(app, id).await["beneficiaries"][0]["id"]
        .as_i64()
        .expect("a beneficiary");

    // Replacing someone still committed is refused, and changes nothing.
    let before = app.snapshot().await;
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries/{bid}/replace"),
            json!({"enterprise_id": other}),
        )
        .await;
    assert_eq!(r.error_code(), "programme.not_withdrawn");
    assert_eq!(app.snapshot().await, before);

    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries/{bid}/withdraw"),
            json!({"reason": "Cơ sở chuyển sang đầu tư nhà xưởng"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["beneficiaries"][0]["status"], "withdrew");
    assert_eq!(risk_kinds(&v), ["beneficiary_withdrew"]);
    assert_eq!(
        v["risks"][0]["message"],
        format!("{COOPERATIVE} đã rút khỏi đề án và chưa có cơ sở thay thế.")
    );
    let plan = app.get("/api/v1/programmes/plans/2026").await.json();
    assert_eq!(plan["figures"]["at_risk"]["count"], 1);

    let offered = app
        .get(&format!("/api/v1/programmes/{id}/replacements"))
        .await
        .json();
    assert_eq!(offered[0]["enterprise_id"], other, "{offered}");
    assert_eq!(offered[0]["reasons"][0]["reason"], "survey_need");
    assert_eq!(offered[0]["in_communes"], true);

    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/beneficiaries/{bid}/replace"),
            json!({"enterprise_id": other}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let (old, new) = (&v["beneficiaries"][0], &v["beneficiaries"][1]);
    assert_eq!(old["status"], "replaced");
    assert_eq!(old["replaced_by"], new["id"]);
    assert_eq!(new["enterprise_id"], other);
    assert_eq!(new["status"], "committed");
    assert_eq!(new["support"], "Máy sấy miến 200 kg/mẻ", "the same support");
    assert_eq!(new["support_vnd"], 150_000_000);
    assert_eq!(risk_kinds(&v), Vec::<String>::new());
    // Its support begins now: what comes of it is measured from today.
    assert!(v["outcomes"][0]["since"].is_string(), "{v}");
    assert_eq!(v["status"], "in_progress", "the programme goes on");
}

#[tokio::test]
async fn an_overdue_milestone_missing_money_and_silence_flag_a_programme_at_risk_until_cleared() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-61").await;
    let app = &mut world.app;
    let bid = show(app, id).await["beneficiaries"][0]["id"]
        .as_i64()
        .expect("id");
    for body in [
        json!({"kind": "installation", "title": "Lắp đặt máy sấy", "due_on": date_in(app, 10),
               "beneficiary_id": bid}),
        json!({"kind": "contribution", "due_on": date_in(app, 5), "beneficiary_id": bid}),
    ] {
        let r = app
            .post_json(&format!("/api/v1/programmes/{id}/milestones"), body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let v = show(app, id).await;
    assert_eq!(
        v["milestones"][0]["title"], "Nộp vốn đối ứng",
        "the kind names it"
    );
    assert_eq!(risk_kinds(&v), Vec::<String>::new());

    app.state.clock.advance(chrono::Duration::days(12));
    // A staff session ends after twelve idle hours.
    app.sign_in(STAFF).await;
    let v = show(app, id).await;
    assert_eq!(
        risk_kinds(&v),
        ["no_contribution", "milestone_overdue"],
        "{v}"
    );
    assert!(
        v["risks"][1]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Quá hạn 2 ngày: Lắp đặt máy sấy")),
        "{v}"
    );
    let plan = app.get("/api/v1/programmes/plans/2026").await.json();
    assert_eq!(
        plan["figures"]["at_risk"],
        json!({"count": 1, "vnd": 150_000_000})
    );
    assert_eq!(
        plan["programmes"][0]["risks"].as_array().map(Vec::len),
        Some(2)
    );

    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/contributions"),
            json!({"beneficiary_id": bid, "received_on": date_in(app, 0), "amount_vnd": "90.000.000",
                   "note": "Đối ứng đợt 1, chuyển khoản"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["contributed_vnd"], 90_000_000);
    let installation = r.json()["milestones"]
        .as_array()
        .expect("milestones")
        .iter()
        .find(|m| m["kind"] == "installation")
        .and_then(|m| m["id"].as_i64())
        .expect("installation");
    let r = app
        .json(
            "PUT",
            &format!("/api/v1/programmes/{id}/milestones/{installation}"),
            json!({"done": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(risk_kinds(&r.json()), Vec::<String>::new());

    // A month with nothing done.
    app.state.clock.advance(chrono::Duration::days(31));
    app.sign_in(STAFF).await;
    assert_eq!(risk_kinds(&show(app, id).await), ["idle"]);
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/programmes/{id}/visits"),
            &[
                ("visited_on", &date_in(app, 0)),
                ("notes", "Máy chạy ổn, đã sấy 20 mẻ."),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(risk_kinds(&r.json()), Vec::<String>::new());
}

#[tokio::test]
async fn visits_and_the_programmes_file_are_kept_in_the_store_for_staff_only() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-62").await;
    let app = &mut world.app;
    let photo = images::phone_jpeg(640, 480, [200, 40, 40], [40, 40, 200]);
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/programmes/{id}/visits"),
            &[
                ("visited_on", &date_in(app, 0)),
                ("notes", "Đã lắp máy, chờ chạy thử."),
            ],
            &[
                ("file", "may-say.jpg", &photo),
                ("file", "nha-xuong.png", &images::png(64, 64, [1, 2, 3])),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    assert_eq!(
        v["visits"][0]["photo_ids"].as_array().map(Vec::len),
        Some(2)
    );
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/programmes/{id}/documents"),
            &[("kind", "decision"), ("title", "Quyết định 125/QĐ-SCT")],
            &[(
                "file",
                "qd-125.pdf",
                b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n",
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    let decision = v["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .find(|d| d["kind"] == "decision")
        .cloned()
        .expect("the decision");
    let url = decision["download_url"]
        .as_str()
        .expect("a link")
        .to_string();
    let got = app.get(&url).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.bytes.starts_with(b"%PDF"));

    // A PDF is not a photo, and a wrong kind is said.
    let before = app.snapshot().await;
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/programmes/{id}/visits"),
            &[
                ("visited_on", &date_in(app, 0)),
                ("notes", "Ảnh sai định dạng"),
            ],
            &[("file", "x.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/programmes/{id}/documents"),
            &[("kind", "invoice"), ("title", "Hoá đơn")],
            &[("file", "hd.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")],
        )
        .await;
    assert_eq!(r.error_code(), "programme.document_kind");
    assert_eq!(app.snapshot().await, before);

    // Cleaning the store keeps what the programme refers to.
    let removed = ketnoi::jobs::storage::gc(&app.state, chrono::Duration::zero(), false)
        .await
        .expect("gc");
    assert!(removed.is_empty(), "{removed:?}");
    assert!(
        ketnoi::jobs::storage::check(&app.state)
            .await
            .expect("check")
            .is_empty()
    );

    for who in [None, Some(BUYER), Some(PRODUCER)] {
        match who {
            None => app.clear_cookies(),
            Some(login) => app.sign_in(login).await,
        }
        let r = app.get(&url).await;
        assert!(
            matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{who:?}: {}",
            r.status
        );
    }
}

/// A published product of the cooperative, sold loose with no trademark.
async fn plain_product(app: &mut TestApp, enterprise: i64) -> i64 {
    app.sign_in(PRODUCER).await;
    let mut body = common::product_body("Miến dong sợi nhỏ");
    body["enterprise_id"] = json!(enterprise);
    body["packaging_status"] = json!("basic");
    body["trademark"] = json!({"status": "unregistered"});
    body["ocop_stars"] = Value::Null;
    body["ocop_year"] = Value::Null;
    let r = app.post_json("/api/v1/products", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_i64().expect("id");
    app.submit_and_approve(pid, PRODUCER, STAFF).await;
    pid
}

#[tokio::test]
async fn what_a_programme_bought_is_measured_from_the_catalogue_and_the_desk() {
    let mut world = world().await;
    let cooperative = world.enterprise(COOPERATIVE);
    let pid = plain_product(&mut world.app, cooperative).await;
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-63").await;
    let app = &mut world.app;
    let v = show(app, id).await;
    assert_eq!(v["outcomes"][0]["changes"], json!([]), "nothing yet: {v}");

    // The packaging is designed and the mark filed, as the programme paid for.
    let r = app
        .patch_json(
            &format!("/api/v1/products/{pid}"),
            json!({"packaging_status": "designed",
                   "trademark": {"status": "filed", "kind": "individual", "number": "4-2026-01234",
                                 "filed_on": date_in(app, 0)}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A change to a published product waits for the centre's review.
    assert_eq!(r.json()["pending_status"], "draft", "{}", r.body);
    let r = app
        .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.review(pid, json!({"decision": "approve"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A buyer's request forwarded to it and closed with a deal.
    app.sign_in(BUYER).await;
    let r = app
        .post_json("/api/v1/requests", common::desk::linkage())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rid = r.json()["id"].as_i64().expect("id");
    app.sign_in(STAFF).await;
    for (path, body) in [
        ("transition", json!({"to": "in_review"})),
        ("shortlist", json!({"enterprise_id": cooperative})),
        ("forward", json!({})),
        (
            "close",
            json!({"result": "deal", "value_vnd": "2.040.000.000", "quantity": 24000,
                   "supply": "contract", "enterprise_id": cooperative}),
        ),
    ] {
        let r = app
            .post_json(&format!("/api/v1/requests/{rid}/{path}"), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }

    // A buyer at its booth.
    let r = app
        .post_json(
            "/api/v1/fairs",
            json!({"name": "Hội chợ OCOP Thái Nguyên 2026", "starts_on": date_in(app, 0),
                   "ends_on": date_in(app, 3), "venue": "Quảng trường 20/8", "province_code": 19,
                   "organiser": "Sở Công Thương Thái Nguyên", "status": "open"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fair = r.json()["id"].as_i64().expect("id");
    let r = app
        .post_json(
            &format!("/api/v1/fairs/{fair}/exhibitors"),
            json!({"enterprise_id": cooperative, "booth": "B4"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .post_json(
            &format!("/api/v1/fairs/{fair}/leads"),
            json!({"booth": "B4", "contact_name": "Bà Hạnh", "contact_phone": "0966 000 111",
                   "organisation": "Siêu thị Hạnh Phúc", "product_ids": [pid], "note": "Hỏi giá sỉ"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/disbursements"),
            json!({"paid_on": date_in(app, 0), "amount_vnd": "100.000.000", "purpose": "Thanh toán máy sấy"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let bid = r.json()["beneficiaries"][0]["id"].as_i64().expect("id");
    let r = app
        .json(
            "PUT",
            &format!("/api/v1/programmes/{id}/beneficiaries/{bid}/indicators"),
            json!({"new_jobs": 4, "revenue_before_vnd": "800.000.000", "revenue_after_vnd": "1.300.000.000",
                   "capacity_before": 2, "capacity_after": 5, "capacity_unit": "tấn/tháng"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let v = show(app, id).await;
    let o = &v["outcomes"][0];
    let changes: Vec<&str> = o["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["change"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(changes, ["packaging_designed", "trademark_filed"], "{o}");
    assert_eq!(
        o["changes"][0]["message"],
        "Miến dong sợi nhỏ: bao bì được thiết kế chuyên nghiệp."
    );
    assert_eq!(o["requests_forwarded"], 1);
    assert_eq!(o["deals"], 1);
    assert_eq!(o["deal_value_vnd"], 2_040_000_000i64);
    assert_eq!(o["fair_leads"], 1);
    assert_eq!(o["indicators"]["new_jobs"], 4);
    let t = &v["totals"];
    assert_eq!(t["cost_vnd"], 100_000_000);
    assert_eq!(t["packaging_designed"], 1);
    assert_eq!(t["trademarks_filed"], 1);
    assert_eq!(
        t["deal_value_per_vnd_milli"], 20_400,
        "20,4 ₫ of deals per ₫ spent"
    );

    // A product still a draft: its new packaging counts for staff, but the public is told
    // nothing of a product buyers cannot see.
    app.sign_in(PRODUCER).await;
    let mut draft = common::product_body("Miến dong thử nghiệm");
    draft["enterprise_id"] = json!(cooperative);
    let r = app.post_json("/api/v1/products", draft).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.sign_in(STAFF).await;
    let v = show(app, id).await;
    assert!(
        v["outcomes"][0]["changes"]
            .to_string()
            .contains("Miến dong thử nghiệm"),
        "{v}"
    );

    // Once accepted, the public sees the programme and what came of it, not the money
    // anyone put in or earned.
    must_step(app, id, acceptance()).await;
    app.clear_cookies();
    let r = app.get("/api/v1/programmes/completed?year=2026").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let public = r.json();
    assert_eq!(public[0]["code"], "KC-2026-63");
    assert_eq!(public[0]["beneficiaries"][0]["enterprise"], COOPERATIVE);
    assert_eq!(public[0]["beneficiaries"][0]["new_jobs"], 4);
    assert_eq!(public[0]["beneficiaries"][0]["deals"], 1);
    for secret in [
        "revenue",
        "contribution",
        "800000000",
        "deal_value",
        "0912",
        "Miến dong thử nghiệm",
    ] {
        assert!(!r.body.contains(secret), "{secret} in {}", r.body);
    }
}

#[tokio::test]
async fn a_survey_sent_twice_is_kept_once_and_starts_a_proposal_with_its_facts() {
    let World { mut app, .. } = world().await;
    app.sign_in(STAFF).await;
    let body = json!({"facility_name": "Hộ ông Hoàng Văn Minh", "commune_code": NA_RI_CODE,
                      "visited_on": date_in(&app, -1), "met": "Ông Hoàng Văn Minh",
                      "makes": "Miến dong thủ công", "output": "3 tấn/tháng mùa vụ",
                      "equipment": "Máy tráng bánh cũ, phơi nắng",
                      "needs": ["machinery", "packaging"], "notes": "Muốn có máy sấy trước mùa mưa."});
    let (status, first) = record_survey(&mut app, "khao-sat-1", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = record_survey(&mut app, "khao-sat-1", &body).await;
    assert_eq!(status, StatusCode::OK, "the same survey, sent again");
    assert_eq!(again["id"], first["id"]);
    let sid = first["id"].as_i64().expect("id");
    assert_eq!(first["place"], "Xã Na Rì, Thái Nguyên");

    let photo = images::phone_jpeg(320, 240, [10, 120, 10], [200, 200, 0]);
    for expected in [StatusCode::CREATED, StatusCode::OK] {
        let r = app
            .multipart(
                "POST",
                &format!("/api/v1/surveys/{sid}/photos"),
                &[],
                &[("file", "xuong.jpg", &photo)],
            )
            .await;
        assert_eq!(r.status, expected, "{}", r.body);
        assert_eq!(r.json()["photos"].as_array().map(Vec::len), Some(1));
    }

    // An unknown need is refused and nothing is kept.
    let before = app.snapshot().await;
    let mut bad = body.clone();
    bad["needs"] = json!(["tien"]);
    let (status, problem) = record_survey(&mut app, "khao-sat-2", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["error"]["code"], "survey.need_unknown");
    assert_eq!(app.snapshot().await, before);

    let draft = app
        .get(&format!("/api/v1/surveys/{sid}/proposal"))
        .await
        .json();
    assert_eq!(draft["kind"], "machinery");
    assert_eq!(draft["commune_codes"], json!([NA_RI_CODE]));
    assert_eq!(
        draft["title"],
        "Hỗ trợ ứng dụng máy móc thiết bị – Hộ ông Hoàng Văn Minh"
    );
    assert!(
        draft["description"]
            .as_str()
            .is_some_and(|d| d.contains("Sản lượng: 3 tấn/tháng mùa vụ")),
        "{draft}"
    );
    let mut proposal = draft.clone();
    proposal["code"] = json!("KC-2026-70");
    proposal["proposed_vnd"] = json!(120_000_000);
    let id = propose_body(&mut app, proposal).await;
    let v = show(&mut app, id).await;
    assert_eq!(v["survey_ids"], json!([sid]));
    let survey_item = v["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .find(|c| c["item"] == "survey")
        .cloned()
        .expect("the survey item");
    assert_eq!(survey_item["done"], true);
    let listed = app.get("/api/v1/surveys?open=true").await.json();
    assert_eq!(listed, json!([]), "the survey has its proposal now");
}

#[tokio::test]
async fn candidates_are_producers_who_need_support_each_with_why() {
    let mut world = world().await;
    let cooperative = world.enterprise(COOPERATIVE);
    let other = world.enterprise(OTHER);
    plain_product(&mut world.app, cooperative).await;
    let app = &mut world.app;
    app.sign_in(STAFF).await;
    let all = app.get("/api/v1/programmes/candidates").await.json();
    let reasons = |list: &Value, id: i64| -> Vec<String> {
        list.as_array()
            .expect("a list")
            .iter()
            .find(|c| c["enterprise_id"] == id)
            .map(|c| {
                c["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .map(|r| r["reason"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        reasons(&all, cooperative),
        ["no_trademark", "basic_packaging", "no_requests"],
        "{all}"
    );
    assert_eq!(reasons(&all, other), ["no_requests"]);
    assert_eq!(
        all[0]["reasons"][0]["message"],
        "Chưa đăng ký nhãn hiệu: Miến dong sợi nhỏ."
    );
    let packaging = app
        .get("/api/v1/programmes/candidates?need=packaging&category=mien-dong")
        .await
        .json();
    assert_eq!(packaging.as_array().map(Vec::len), Some(1), "{packaging}");
    assert_eq!(reasons(&packaging, cooperative), ["basic_packaging"]);
    let elsewhere = app
        .get("/api/v1/programmes/candidates?commune_code=4")
        .await
        .json();
    assert_eq!(elsewhere, json!([]));
    let r = app.get("/api/v1/programmes/candidates?need=money").await;
    assert_eq!(r.error_code(), "survey.need_unknown");

    // Once a packaging programme takes it on, that need is answered.
    let id = propose_body(app, proposal("KC-2026-71", "packaging")).await;
    add_beneficiary(app, id, cooperative).await;
    let after = app.get("/api/v1/programmes/candidates").await.json();
    assert_eq!(
        reasons(&after, cooperative),
        ["no_trademark", "no_requests"]
    );
}

#[tokio::test]
async fn a_producer_sees_its_own_support_and_milestones_and_nobody_elses() {
    let mut world = world().await;
    let cooperative = world.enterprise(COOPERATIVE);
    let other = world.enterprise(OTHER);
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-72").await;
    let app = &mut world.app;
    let bid = show(app, id).await["beneficiaries"][0]["id"]
        .as_i64()
        .expect("id");
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/milestones"),
            json!({"kind": "contribution", "due_on": date_in(app, 20), "beneficiary_id": bid}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    app.sign_in(PRODUCER).await;
    let mine = app
        .get(&format!("/api/v1/enterprises/{cooperative}/support"))
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let mine = mine.json();
    assert_eq!(mine[0]["code"], "KC-2026-72");
    assert_eq!(mine[0]["support"], "Máy sấy miến 200 kg/mẻ");
    assert_eq!(mine[0]["contribution_vnd"], 180_000_000);
    assert_eq!(mine[0]["milestones"][0]["title"], "Nộp vốn đối ứng");
    for hidden in [
        "approved_vnd",
        "decision_number",
        "gaps",
        "checklist",
        "events",
    ] {
        assert!(mine[0].get(hidden).is_none(), "{hidden}: {mine}");
    }
    // Another producer's support is not theirs to read; nor is it for a buyer or a guest.
    let r = app
        .get(&format!("/api/v1/enterprises/{other}/support"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.sign_in(OTHER_PRODUCER).await;
    let r = app
        .get(&format!("/api/v1/enterprises/{cooperative}/support"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let theirs = app
        .get(&format!("/api/v1/enterprises/{other}/support"))
        .await;
    assert_eq!(theirs.json(), json!([]));
    app.sign_in(BUYER).await;
    let r = app
        .get(&format!("/api/v1/enterprises/{cooperative}/support"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.clear_cookies();
    let r = app
        .get(&format!("/api/v1/enterprises/{cooperative}/support"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Nor do they learn which enterprises exist.
    let r = app.get("/api/v1/enterprises/99999/support").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Under way is not completed: the public list is empty.
    assert_eq!(
        app.get("/api/v1/programmes/completed").await.json(),
        json!([])
    );
}

/// Every programme action, as (method, path, body): what a person might try.
fn actions(id: i64, bid: i64, cooperative: i64, other: i64) -> Vec<(&'static str, String, Value)> {
    let p = format!("/api/v1/programmes/{id}");
    vec![
        ("POST", "/api/v1/programmes".into(), machinery("KC-2026-99")),
        ("GET", p.clone(), Value::Null),
        ("PUT", p.clone(), machinery("KC-2026-80")),
        (
            "POST",
            format!("{p}/moves"),
            json!({"to": "accepted", "accepted_on": "10/09/2026", "minutes": "Đạt yêu cầu nghiệm thu"}),
        ),
        (
            "POST",
            format!("{p}/disbursements"),
            json!({"paid_on": "20/04/2026", "amount_vnd": 1_000_000, "purpose": "Tạm ứng"}),
        ),
        (
            "PUT",
            format!("{p}/beneficiaries/{bid}/indicators"),
            json!({"new_jobs": 3}),
        ),
        (
            "POST",
            format!("{p}/contributions"),
            json!({"beneficiary_id": bid, "received_on": "01/12/2026", "amount_vnd": 5}),
        ),
        (
            "POST",
            format!("{p}/beneficiaries"),
            json!({"enterprise_id": other, "support": "Thêm", "support_vnd": 1}),
        ),
        (
            "POST",
            format!("{p}/beneficiaries/{bid}/withdraw"),
            json!({"reason": "Không làm nữa"}),
        ),
        ("GET", format!("{p}/replacements"), Value::Null),
        (
            "POST",
            format!("{p}/beneficiaries/{bid}/replace"),
            json!({"new_enterprise": {
            "name": "Hộ kinh doanh Nấm hương Lạng San", "legal_form": "household_business",
            "commune_code": NA_RI_CODE, "address": "Thôn Nà Làng", "phone": "0987 654 321"}}),
        ),
        (
            "PUT",
            format!("{p}/checklist/survey"),
            json!({"done": false}),
        ),
        (
            "POST",
            format!("{p}/milestones"),
            json!({"kind": "training", "due_on": "01/12/2026"}),
        ),
        ("GET", "/api/v1/programmes/plans/2026".into(), Value::Null),
        (
            "PUT",
            "/api/v1/programmes/plans/2026/budget".into(),
            json!({"provincial_vnd": 1}),
        ),
        (
            "PUT",
            "/api/v1/programmes/plans/2026/limits/training".into(),
            json!({"counterpart_percent": 5}),
        ),
        ("GET", "/api/v1/programmes/candidates".into(), Value::Null),
        (
            "POST",
            "/api/v1/surveys".into(),
            json!({"enterprise_id": cooperative, "visited_on": "01/12/2026", "met": "Ông Minh", "makes": "Miến"}),
        ),
        ("GET", "/api/v1/surveys".into(), Value::Null),
    ]
}

#[tokio::test]
async fn only_staff_act_on_programmes_only_admins_set_funds_and_every_refusal_changes_nothing() {
    let mut world = world().await;
    let cooperative = world.enterprise(COOPERATIVE);
    let other = world.enterprise(OTHER);
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-80").await;
    let app = &mut world.app;
    let bid = show(app, id).await["beneficiaries"][0]["id"]
        .as_i64()
        .expect("id");
    let admin_only = ["/budget", "/limits/"];
    // Guest, buyer, the beneficiary's own producer, another producer: refused everything.
    for who in [
        None,
        Some(BUYER),
        Some(PRODUCER),
        Some(OTHER_PRODUCER),
        Some(STAFF),
    ] {
        match who {
            None => app.clear_cookies(),
            Some(login) => app.sign_in(login).await,
        }
        let before = app.snapshot().await;
        for (method, path, body) in actions(id, bid, cooperative, other) {
            if who == Some(STAFF) && !admin_only.iter().any(|a| path.contains(a)) {
                continue;
            }
            let r = if method == "GET" {
                app.get(&path).await
            } else {
                app.json(method, &path, body).await
            };
            let expected = if who.is_none() {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, expected, "{who:?} {method} {path}: {}", r.body);
        }
        for upload in ["visits", "documents"] {
            let r = app
                .multipart(
                    "POST",
                    &format!("/api/v1/programmes/{id}/{upload}"),
                    &[
                        ("visited_on", "01/12/2026"),
                        ("notes", "Thăm cơ sở"),
                        ("kind", "other"),
                        ("title", "x"),
                    ],
                    &[("file", "a.png", &images::png(8, 8, [0, 0, 0]))],
                )
                .await;
            if who != Some(STAFF) {
                assert!(
                    matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
                    "{who:?} {upload}: {}",
                    r.status
                );
            }
        }
        if who == Some(STAFF) {
            // Staff's uploads went through; only the funds were refused.
            continue;
        }
        assert_eq!(app.snapshot().await, before, "{who:?} changed something");
    }
    // Staff and admins do every one of them.
    app.sign_in(ADMIN).await;
    for (method, path, body) in actions(id, bid, cooperative, other) {
        let r = if method == "GET" {
            app.get(&path).await
        } else {
            app.json(method, &path, body).await
        };
        assert!(
            r.status.is_success(),
            "admin {method} {path}: {} {}",
            r.status,
            r.body
        );
    }
}

#[tokio::test]
async fn a_form_sent_twice_records_its_payment_once() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-64").await;
    let app = &mut world.app;
    let version = show(app, id).await["version"].as_i64().expect("a version");
    let pay = json!({"paid_on": date_in(app, 0), "amount_vnd": "50.000.000",
                     "purpose": "Tạm ứng hợp đồng", "version": version});
    let url = format!("/api/v1/programmes/{id}/disbursements");
    assert_eq!(
        app.post_json(&url, pay.clone()).await.status,
        StatusCode::CREATED
    );
    let before = app.snapshot().await;
    let again = app.post_json(&url, pay).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "programme.changed");
    assert_eq!(app.snapshot().await, before);
    assert_eq!(show(app, id).await["disbursed_vnd"], 50_000_000);

    // A visit naming a beneficiary by something that is not an id is refused, not filed
    // under the whole programme.
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/programmes/{id}/visits"),
            &[
                ("visited_on", &date_in(app, 0)),
                ("notes", "Thăm xưởng"),
                ("beneficiary_id", "HTX"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "beneficiary_id");
    assert_eq!(app.snapshot().await, before);

    // With money paid out, it cannot move to next year.
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{id}/moves"),
            json!({"to": "deferred"}),
        )
        .await;
    assert_eq!(r.error_code(), "programme.defer_paid");
    assert_eq!(app.snapshot().await, before);
}
