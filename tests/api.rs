//! The JSON API through the real router: accounts, catalogue, vetting, errors.

mod common;

use axum::http::StatusCode;
use common::{NA_RI, TestApp, enterprise_body, product_body};
use serde_json::json;

#[tokio::test]
async fn register_login_me_logout() {
    let mut app = TestApp::new().await;
    let r = app
        .post_json("/api/v1/auth/register", json!({"login": "+84 912 345 678", "password": "mat-khau-123", "full_name": "Lò Thị Mai", "role": "producer"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["phone"], "0912345678");
    let me = app.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"]["full_name"], "Lò Thị Mai");

    // The same number written differently is the same account.
    let dup = app
        .post_json("/api/v1/auth/register", json!({"login": "0912.345.678", "password": "mat-khau-123", "full_name": "Ai đó", "role": "buyer"}))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.error_code(), "login.taken");

    let out = app.post_json("/api/v1/auth/logout", json!({})).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);

    let login = app
        .post_json(
            "/api/v1/auth/login",
            json!({"login": "0912 345 678", "password": "mat-khau-123"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(app.get("/api/v1/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_survive_a_restart_and_work_on_another_instance() {
    let mut app = TestApp::new().await;
    app.sign_in_new("producer", "p@example.vn").await;
    // A second application instance over the same database: the cookie still signs in.
    app.router = ketnoi::router::build_app(app.db.clone(), ketnoi::config::Config::default())
        .await
        .unwrap();
    let me = app.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"]["email"], "p@example.vn");
}

#[tokio::test]
async fn registration_cannot_make_staff_and_explains_in_vietnamese() {
    let mut app = TestApp::new().await;
    let r = app
        .post_json(
            "/api/v1/auth/register",
            json!({"login": "x@y.vn", "password": "short", "full_name": "A", "role": "staff"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    assert_eq!(body["error"]["code"], "password.too_short");
    assert_eq!(body["error"]["field"], "password");
    assert_eq!(body["error"]["message"], "Mật khẩu cần ít nhất 8 ký tự.");
    let codes: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["password.too_short", "text.too_short", "role.self_service"]
    );
}

#[tokio::test]
async fn failed_sign_ins_are_rate_limited() {
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "buyer@example.vn").await;
    app.clear_cookies();
    for _ in 0..5 {
        let r = app
            .post_json(
                "/api/v1/auth/login",
                json!({"login": "buyer@example.vn", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.error_code(), "auth.wrong_credentials");
    }
    // Even the right password waits now.
    let r = app
        .post_json(
            "/api/v1/auth/login",
            json!({"login": "buyer@example.vn", "password": "mat-khau-123"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.error_code(), "auth.rate_limited");
    assert!(r.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn housekeeping_removes_expired_sessions_but_keeps_live_ones() {
    use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "b@example.vn").await;
    app.db
        .execute_unprepared("INSERT INTO sessions (id, user_id, created_at, expires_at) SELECT 'old', id, '2020-01-01T00:00:00+00:00', '2020-01-02T00:00:00+00:00' FROM users")
        .await
        .unwrap();
    let (sessions, _) = ketnoi::jobs::housekeeping(&app.state).await.unwrap();
    assert_eq!(sessions, 1);
    assert_eq!(
        ketnoi::db::entities::session::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.get("/api/v1/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn english_messages_on_request() {
    let mut app = TestApp::new().await;
    let request = axum::http::Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .header("accept-language", "en-GB,en;q=0.9")
        .body(axum::body::Body::from(
            r#"{"login":"nobody@example.vn","password":"whatever1"}"#,
        ))
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(
        r.json()["error"]["message"],
        "Wrong email/phone number or password."
    );
}

#[tokio::test]
async fn malformed_json_gets_the_error_format() {
    let mut app = TestApp::new().await;
    app.sign_in_new("producer", "p@example.vn").await;
    let request = axum::http::Request::post("/api/v1/enterprises")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "request.malformed");
    assert_eq!(
        app.get("/api/v1/nothing-here").await.error_code(),
        "not_found"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let mut app = TestApp::new().await;
    app.sign_in_new("producer", "p@example.vn").await;
    let huge = "x".repeat(3 * 1024 * 1024);
    let r = app
        .post_json("/api/v1/enterprises", json!({"name": huge}))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.error_code(), "request.too_large");
}

#[tokio::test]
async fn categories_and_places() {
    let mut app = TestApp::new().await;
    let cats = app.get("/api/v1/categories").await.json();
    let tops: Vec<&str> = cats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        tops,
        [
            "che-bien-nong-lam-san",
            "vat-lieu-xay-dung",
            "thu-cong-my-nghe"
        ]
    );
    assert_eq!(cats[0]["children"][0]["name_vi"], "Miến dong");
    assert_eq!(cats[0]["children"][0]["name_en"], "Arrowroot vermicelli");
    let provinces = app.get("/api/v1/provinces").await.json();
    assert_eq!(provinces.as_array().unwrap().len(), 34);
    let communes = app.get("/api/v1/provinces/19/communes").await.json();
    assert!(
        communes
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Xã Na Rì" && c["code"] == NA_RI)
    );
    assert_eq!(
        app.get("/api/v1/provinces/999/communes").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn enterprise_validation_names_each_field() {
    let mut app = TestApp::new().await;
    app.sign_in_new("producer", "p@example.vn").await;
    let r = app
        .post_json(
            "/api/v1/enterprises",
            json!({"name": "HTX Miến dong", "legal_form": "cooperative", "tax_code": "0100047517", "commune_code": NA_RI, "phone": "12345"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    assert_eq!(body["error"]["code"], "tax_code.check_digit");
    assert_eq!(body["error"]["field"], "tax_code");
    assert_eq!(body["error"]["kind"], "invalid");
    assert_eq!(
        body["error"]["link"],
        "/api/docs#error-tax_code.check_digit"
    );
    assert_eq!(body["error"]["details"][1]["code"], "phone.invalid");

    let unknown_commune = app.post_json("/api/v1/enterprises", json!({"name": "HTX A", "legal_form": "cooperative", "commune_code": 999999, "phone": "0912345678"})).await;
    assert_eq!(unknown_commune.error_code(), "commune.unknown");
}

#[tokio::test]
async fn enterprises_get_readable_unique_urls_and_tax_codes_are_unique() {
    let mut app = TestApp::new().await;
    app.sign_in_new("producer", "p@example.vn").await;
    let mut body = enterprise_body("Hợp tác xã Miến dong Côn Minh");
    body["tax_code"] = json!("0100047516");
    let a = app
        .post_json("/api/v1/enterprises", body.clone())
        .await
        .json();
    assert_eq!(a["slug"], "hop-tac-xa-mien-dong-con-minh");
    assert_eq!(a["url"], "/co-so/hop-tac-xa-mien-dong-con-minh");
    assert_eq!(a["contact"]["phone"], "0912345678");
    assert_eq!(a["province"], "Thái Nguyên");
    let dup = app.post_json("/api/v1/enterprises", body).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.error_code(), "tax_code.taken");
    // A value already used is told apart from a move the record's state refuses.
    assert_eq!(dup.json()["error"]["kind"], "taken");
    let b = app
        .post_json(
            "/api/v1/enterprises",
            enterprise_body("Hợp tác xã Miến dong Côn Minh"),
        )
        .await
        .json();
    assert_eq!(b["slug"], "hop-tac-xa-mien-dong-con-minh-2");
}

#[tokio::test]
async fn product_lifecycle_from_draft_to_published() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    let draft = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["slug"], "mien-dong-na-ri");
    assert_eq!(draft["url"], "/san-pham/mien-dong-na-ri");
    assert_eq!(draft["trademark"]["expires_on"], "2030-03-10");
    assert_eq!(draft["category"], "mien-dong");

    // Nobody else sees a draft.
    app.clear_cookies();
    assert_eq!(
        app.get(&format!("/api/v1/products/{pid}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/api/v1/products").await.json()["total"], 0);

    app.sign_in("p@example.vn").await;
    let submitted = app
        .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await;
    assert_eq!(submitted.json()["status"], "submitted");
    let again = app
        .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "product.already_submitted");
    // A producer cannot approve their own product.
    let self_review = app.review(pid, json!({"decision": "approve"})).await;
    assert_eq!(self_review.status, StatusCode::FORBIDDEN);

    app.sign_in_new("staff", "canbo@example.vn").await;
    let queue = app.get("/api/v1/products?status=review").await.json();
    assert_eq!(queue["items"][0]["id"], pid);
    let no_reason = app.review(pid, json!({"decision": "reject"})).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.error_code(), "review.reason_required");
    let rejected = app
        .review(
            pid,
            json!({"decision": "reject", "reason": "Thiếu ảnh sản phẩm"}),
        )
        .await
        .json();
    assert_eq!(rejected["status"], "rejected");

    app.sign_in("p@example.vn").await;
    let seen = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(seen["rejection_reason"], "Thiếu ảnh sản phẩm");
    app.post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await;

    app.sign_in("canbo@example.vn").await;
    let approved = app.review(pid, json!({"decision": "approve"})).await.json();
    assert_eq!(approved["status"], "published");

    app.clear_cookies();
    let public = app.get(&format!("/api/v1/products/{pid}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public
            .json()
            .get("rejection_reason")
            .is_none_or(serde_json::Value::is_null)
    );
    let list = app
        .get("/api/v1/products?category=che-bien-nong-lam-san&province=19")
        .await
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["enterprise"]["name"], "HTX Côn Minh");
    assert_eq!(
        app.get("/api/v1/products?province=1").await.json()["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/products?category=vat-lieu-xay-dung")
            .await
            .json()["total"],
        0
    );
    let enterprise = app.get(&format!("/api/v1/enterprises/{eid}")).await.json();
    assert_eq!(enterprise["status"], "published");
}

#[tokio::test]
async fn edits_to_a_published_product_wait_for_approval() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    app.post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await;
    app.sign_in_new("staff", "canbo@example.vn").await;
    app.review(pid, json!({"decision": "approve"})).await;

    app.sign_in("p@example.vn").await;
    let edited = app
        .patch_json(
            &format!("/api/v1/products/{pid}"),
            json!({"price_min_vnd": 95000, "name": "Miến dong Na Rì loại 1"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let edited = edited.json();
    assert_eq!(edited["status"], "published");
    assert_eq!(edited["name"], "Miến dong Na Rì");
    assert_eq!(edited["pending_changes"]["name"], "Miến dong Na Rì loại 1");
    assert_eq!(edited["pending_status"], "draft");

    // Buyers still see the approved version.
    app.clear_cookies();
    let public = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(public["price_min_vnd"], 80000);
    assert!(public.get("pending_changes").is_none());

    app.sign_in("p@example.vn").await;
    let sent = app
        .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await
        .json();
    assert_eq!(sent["pending_status"], "submitted");
    app.sign_in("canbo@example.vn").await;
    let approved = app.review(pid, json!({"decision": "approve"})).await.json();
    assert_eq!(approved["name"], "Miến dong Na Rì loại 1");
    assert_eq!(approved["price_min_vnd"], 95000);
    assert!(approved.get("pending_changes").is_none());
    // The URL stays stable after a rename.
    assert_eq!(approved["slug"], "mien-dong-na-ri");

    let gone = app
        .post_json(
            &format!("/api/v1/products/{pid}/unpublish"),
            json!({"reason": "Hết hàng dài ngày"}),
        )
        .await
        .json();
    assert_eq!(gone["status"], "unpublished");
    app.clear_cookies();
    assert_eq!(
        app.get(&format!("/api/v1/products/{pid}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn partial_updates_validate_and_lose_nothing() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    let bad = app
        .patch_json(
            &format!("/api/v1/products/{pid}"),
            json!({"price_max_vnd": 1000, "ocop_stars": 7}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unchanged = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(unchanged["price_max_vnd"], 120000);
    assert_eq!(unchanged["ocop_stars"], 4);
    let ok = app
        .patch_json(
            &format!("/api/v1/products/{pid}"),
            json!({"ocop_stars": null, "ocop_year": null}),
        )
        .await
        .json();
    assert!(ok["ocop_stars"].is_null());
    assert_eq!(ok["brand"], "Côn Minh");
    let e = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"phone": "+84 98 765 4321"}),
        )
        .await
        .json();
    assert_eq!(e["contact"]["phone"], "0987654321");
    assert_eq!(e["name"], "HTX Côn Minh");
}

#[tokio::test]
async fn staff_act_for_a_producer_and_the_audit_trail_says_who() {
    let mut app = TestApp::new().await;
    let producer = app.sign_in_new("producer", "0977000111").await;
    app.sign_in_new("staff", "canbo@example.vn").await;
    let mut body = enterprise_body("Tổ hợp tác Đũa tre Bạch Thông");
    body["member_user_id"] = json!(producer);
    let e = app.post_json("/api/v1/enterprises", body).await;
    assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
    let eid = e.json()["id"].as_i64().unwrap();
    let pid = app.create_product(eid, "Đũa tre Bạch Thông").await;

    app.sign_in("0977000111").await;
    let me = app.get("/api/v1/me").await.json();
    assert_eq!(me["enterprise_ids"], json!([eid]));
    let mine = app.get("/api/v1/products?mine=true").await.json();
    assert_eq!(mine["items"][0]["slug"], "dua-tre-bach-thong");
    assert_eq!(app.get("/api/v1/audit").await.status, StatusCode::FORBIDDEN);

    app.sign_in("canbo@example.vn").await;
    let trail = app
        .get(&format!("/api/v1/audit?entity=product&entity_id={pid}"))
        .await
        .json();
    assert_eq!(trail[0]["action"], "product.create");
    assert_eq!(trail[0]["actor_name"], "Người dùng canbo@example.vn");
}

#[tokio::test]
async fn openapi_document_lists_the_api() {
    let mut app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/register",
        "/api/v1/products/{id}/review",
        "/api/v1/enterprises/{id}",
        "/api/v1/categories",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    let docs = app.get("/api/docs").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(
        docs.body
            .contains("<code>POST /api/v1/products/{id}/review</code>")
    );
    assert!(docs.body.contains("id=\"schema-ProductView\""));
}

/// The document lists every error code, and the reference page explains each one with its
/// status and both messages, where an error's `link` points.
#[tokio::test]
async fn every_error_code_is_in_the_document_and_on_the_reference_page() {
    let mut app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let detail = &doc["components"]["schemas"]["ErrorDetail"]["properties"];
    let codes: Vec<&str> = detail["code"]["enum"]
        .as_array()
        .expect("codes listed")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(codes.len(), ketnoi::domain::Code::ALL.len());
    for code in [
        "tax_code.check_digit",
        "tax_code.taken",
        "request.transition",
        "auth.required",
    ] {
        assert!(codes.contains(&code), "{code}");
    }
    let kinds = detail["kind"]["enum"].as_array().expect("kinds listed");
    assert!(kinds.contains(&json!("taken")) && kinds.contains(&json!("state")));

    let page = app.get("/api/docs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"error-tax_code.taken\""));
    let row = page
        .body
        .split("id=\"error-request.transition\"")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("a row for request.transition");
    assert!(row.contains("409") && row.contains("state"), "{row}");
}

/// Every operation the API had when its routes and its document became one declaration:
/// an operation that disappears, moves or changes its id breaks integrations.
#[tokio::test]
async fn the_document_keeps_every_operation_with_its_path_and_id() {
    let mut app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if let Some(id) = op["operationId"].as_str() {
                found.push(format!("{} {path} {id}", method.to_uppercase()));
            }
        }
    }
    found.sort();
    let expected: [&str; 115] = [
        "GET /api/v1/audit list_audit",
        "POST /api/v1/auth/login login",
        "POST /api/v1/auth/logout logout",
        "POST /api/v1/auth/logout-all logout_all",
        "POST /api/v1/auth/password change_password",
        "POST /api/v1/auth/password-reset request_password_reset",
        "POST /api/v1/auth/password-reset/complete complete_password_reset",
        "POST /api/v1/auth/register register",
        "GET /api/v1/categories list_categories",
        "DELETE /api/v1/documents/{id} delete_document",
        "GET /api/v1/documents/{id}/file download_document",
        "POST /api/v1/documents/{id}/verify verify_document",
        "GET /api/v1/enterprises list_enterprises",
        "POST /api/v1/enterprises create_enterprise",
        "GET /api/v1/enterprises/{id} get_enterprise",
        "PATCH /api/v1/enterprises/{id} update_enterprise",
        "GET /api/v1/enterprises/{id}/documents list_enterprise_documents",
        "POST /api/v1/enterprises/{id}/documents add_enterprise_document",
        "DELETE /api/v1/enterprises/{id}/logo delete_logo",
        "PUT /api/v1/enterprises/{id}/logo set_logo",
        "PUT /api/v1/imports/{id}/columns choose_import_columns",
        "POST /api/v1/enterprises/{id}/members add_member",
        "POST /api/v1/enterprises/{id}/review review_enterprise",
        "GET /api/v1/fairs list_fairs",
        "POST /api/v1/fairs create_fair",
        "GET /api/v1/fairs/{id} show_fair",
        "PATCH /api/v1/fairs/{id} update_fair",
        "POST /api/v1/fairs/{id}/exhibitors add_exhibitor",
        "DELETE /api/v1/fairs/{id}/exhibitors/{exhibitor_id} remove_exhibitor",
        "PATCH /api/v1/fairs/{id}/exhibitors/{exhibitor_id} update_exhibitor",
        "POST /api/v1/fairs/{id}/leads capture_lead",
        "POST /api/v1/imports check_import",
        "POST /api/v1/imports/{id}/start start_import",
        "GET /api/v1/fairs/{id}/qr qr",
        "GET /api/v1/fairs/{id}/results results",
        "GET /api/v1/imports list_imports",
        "GET /api/v1/imports/{id} get_import",
        "GET /api/v1/me me",
        "GET /api/v1/notifications notifications",
        "POST /api/v1/notifications/read mark_read",
        "GET /api/v1/products list_products",
        "POST /api/v1/products create_product",
        "DELETE /api/v1/products/{id} delete_product",
        "GET /api/v1/products/{id} get_product",
        "PATCH /api/v1/products/{id} update_product",
        "GET /api/v1/products/{id}/documents list_product_documents",
        "POST /api/v1/products/{id}/documents add_product_document",
        "GET /api/v1/products/{id}/photos list_photos",
        "POST /api/v1/products/{id}/photos add_photo",
        "PUT /api/v1/products/{id}/photos/order reorder_photos",
        "DELETE /api/v1/products/{id}/photos/{photo_id} delete_photo",
        "POST /api/v1/products/{id}/review review_product",
        "POST /api/v1/products/{id}/submit submit_product",
        "POST /api/v1/products/{id}/unpublish unpublish_product",
        "GET /api/v1/enterprises/{id}/support enterprise_support",
        "GET /api/v1/exports/catalogue export_catalogue",
        "GET /api/v1/exports/programmes/{id}/beneficiaries export_programme_beneficiaries",
        "GET /api/v1/programme-documents/{id}/file download_programme_document",
        "POST /api/v1/programmes create_programme",
        "GET /api/v1/programmes/candidates programme_candidates",
        "GET /api/v1/programmes/completed completed_programmes",
        "GET /api/v1/programmes/plans/{year} programme_plan",
        "PUT /api/v1/programmes/plans/{year}/budget set_programme_budget",
        "PUT /api/v1/programmes/plans/{year}/limits/{kind} set_programme_limit",
        "GET /api/v1/programmes/{id} show_programme",
        "PUT /api/v1/programmes/{id} update_programme",
        "POST /api/v1/programmes/{id}/beneficiaries add_programme_beneficiary",
        "PUT /api/v1/programmes/{id}/beneficiaries/{beneficiary_id}/indicators record_programme_indicators",
        "POST /api/v1/programmes/{id}/beneficiaries/{beneficiary_id}/replace replace_programme_beneficiary",
        "POST /api/v1/programmes/{id}/beneficiaries/{beneficiary_id}/withdraw withdraw_programme_beneficiary",
        "PUT /api/v1/programmes/{id}/checklist/{item} set_programme_checklist_item",
        "POST /api/v1/programmes/{id}/contributions record_programme_contribution",
        "POST /api/v1/programmes/{id}/disbursements disburse_programme",
        "POST /api/v1/programmes/{id}/documents add_programme_document",
        "DELETE /api/v1/programmes/{id}/documents/{document_id} delete_programme_document",
        "POST /api/v1/programmes/{id}/milestones add_programme_milestone",
        "PUT /api/v1/programmes/{id}/milestones/{milestone_id} set_programme_milestone_done",
        "POST /api/v1/programmes/{id}/moves move_programme",
        "GET /api/v1/programmes/{id}/replacements programme_replacements",
        "POST /api/v1/programmes/{id}/visits add_programme_visit",
        "GET /api/v1/survey-photos/{id}/file download_survey_photo",
        "GET /api/v1/surveys list_surveys",
        "POST /api/v1/surveys record_survey",
        "GET /api/v1/surveys/{id} show_survey",
        "POST /api/v1/surveys/{id}/photos add_survey_photo",
        "GET /api/v1/surveys/{id}/proposal survey_proposal",
        "GET /api/v1/provinces list_provinces",
        "GET /api/v1/provinces/{code}/communes list_communes",
        "GET /api/v1/requests list_requests",
        "POST /api/v1/requests submit_request",
        "GET /api/v1/requests/stats stats",
        "GET /api/v1/requests/{id} show_request",
        "POST /api/v1/requests/{id}/assign assign",
        "POST /api/v1/requests/{id}/close close",
        "POST /api/v1/requests/{id}/connect connect",
        "POST /api/v1/requests/{id}/forward forward",
        "POST /api/v1/requests/{id}/messages message",
        "POST /api/v1/requests/{id}/notes add_note",
        "POST /api/v1/requests/{id}/response respond",
        "POST /api/v1/requests/{id}/shortlist shortlist",
        "DELETE /api/v1/requests/{id}/shortlist/{enterprise_id} unshortlist",
        "GET /api/v1/requests/{id}/suggestions suggestions",
        "POST /api/v1/requests/{id}/transition transition",
        "POST /api/v1/requests/{id}/verify-phone verify_phone",
        "GET /api/v1/search search_products",
        "GET /api/v1/search/communes search_communes",
        "GET /api/v1/search/category-terms list_category_terms",
        "PUT /api/v1/search/category-terms/{slug} set_category_terms",
        "GET /api/v1/search/status search_status",
        "GET /api/v1/search/synonyms list_synonyms",
        "POST /api/v1/search/synonyms add_synonyms",
        "POST /api/v1/search/dead-letters/{id}/retry retry_search_dead_letter",
        "DELETE /api/v1/search/synonyms/{id} remove_synonyms",
        "POST /api/v1/users create_user",
        "POST /api/v1/users/{id}/password-reset create_password_reset",
    ];
    let mut expected = expected.map(String::from).to_vec();
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn alive_ready_and_each_request_named() {
    let mut app = TestApp::new().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ok");
    eprintln!("database backend: {}", common::backend());

    let r = app.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ready = r.json();
    assert_eq!(ready["ready"], true, "{ready}");
    for part in ["database", "migrations", "search", "store"] {
        assert_eq!(ready[part]["ok"], true, "{part}: {ready}");
    }
    assert_eq!(ready["search_engine"], "embedded");

    // Every answer names its request; a proxy's id is kept when it is a plain token.
    let id = r.headers["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 16, "{id}");
    let r = app
        .get_with("/api/v1/categories", &[("x-request-id", "lb-7f3a.42")])
        .await;
    assert_eq!(r.headers["x-request-id"], "lb-7f3a.42");
    let r = app
        .get_with("/api/v1/categories", &[("x-request-id", "<script>")])
        .await;
    assert_ne!(r.headers["x-request-id"], "<script>");
    // An error page shows it, for the person to quote.
    let r = app.get("/khong-co-trang-nay").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let id = r.headers["x-request-id"].to_str().unwrap().to_string();
    assert!(
        r.body
            .contains(&format!("<code id=\"request-id\">{id}</code>")),
        "{}",
        r.body
    );

    // With its database gone, the instance is alive but not ready.
    app.db.clone().close().await.unwrap();
    let r = app.get("/readyz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    let ready = r.json();
    assert_eq!(ready["ready"], false);
    assert_eq!(ready["database"]["ok"], false);
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    // Requests fail cleanly, saying so: nothing was changed, try again later.
    let r = app.get("/api/v1/products").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.error_code(), "database.unavailable");
}

#[tokio::test]
async fn product_validation_in_the_api() {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let mut body = product_body("Miến");
    body["enterprise_id"] = json!(eid);
    body["category"] = json!("khong-co");
    let r = app.post_json("/api/v1/products", body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "category.unknown");
    let mut body = product_body("Miến dong");
    body["enterprise_id"] = json!(eid);
    body["trademark"] = json!({"status": "filed", "kind": "individual"});
    let r = app.post_json("/api/v1/products", body).await.json();
    assert_eq!(r["error"]["code"], "trademark.application_number_required");
    assert_eq!(r["error"]["field"], "trademark.number");
}

#[tokio::test]
async fn metrics_are_for_the_scraper_holding_the_token() {
    let mut closed = TestApp::new().await;
    assert_eq!(
        closed.get("/metrics").await.status,
        StatusCode::NOT_FOUND,
        "no token configured: no metrics"
    );
    let config = ketnoi::config::Config {
        metrics_token: Some("chuoi-bi-mat-cho-prometheus".into()),
        ..Default::default()
    };
    let mut app = TestApp::with_config(config).await;
    app.get("/api/v1/categories").await;
    app.get("/api/v1/search?q=mien").await;
    app.index().await;
    // The server folds latency samples into their histograms every few seconds: what was
    // folded before a scrape is still in it.
    ketnoi::http::metrics::upkeep();
    assert_eq!(app.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
    let wrong = app
        .get_with(
            "/metrics",
            &[("authorization", "Bearer chuoi-bi-mat-khac-hoan-toan")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let r = app
        .get_with(
            "/metrics",
            &[("authorization", "Bearer chuoi-bi-mat-cho-prometheus")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for series in [
        "http_requests_total{method=\"GET\",route=\"/api/v1/categories\",status=\"200\"}",
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/categories\",status=\"200\",le=",
        "search_duration_seconds_count{engine=\"embedded\"}",
        "search_log_behind{consumer=\"embedded:",
        "search_dead_letters ",
        "mail_queue ",
        "db_pool_connections ",
    ] {
        assert!(
            r.body.contains(series),
            "{series} missing from:\n{}",
            r.body
        );
    }
}
