//! Producers' contacts and each party's business stay with the centre: who sees a phone
//! number, an e-mail address, a requester's name, a deal's value.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};

use common::TestApp;
use common::desk::{BUYER, Desk, PRODUCER_A, PRODUCER_B, PRODUCER_C, STAFF, desk, linkage};

/// Enterprise A's phone in any spelling, its e-mail and street address.
const SECRETS: &[&str] = &["987111222", "987 111 222", "Khuổi Nộc", "@htx.vn"];

fn leaks(text: &str) -> Vec<&'static str> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    SECRETS
        .iter()
        .copied()
        .filter(|s| text.contains(s) || digits.contains(&s.replace([' ', '.'], "")))
        .collect()
}

async fn give_contact(app: &mut TestApp, enterprise: i64) {
    app.sign_in(STAFF).await;
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{enterprise}"),
            json!({"email": "lienhe@htx.vn", "phone": "+84 987 111 222", "address": "Bản Khuổi Nộc"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn producers_contacts_reach_only_their_members_and_staff() {
    let Desk { mut app, a, .. } = desk().await;
    give_contact(&mut app, a).await;
    app.index().await;
    let slug = {
        app.clear_cookies();
        let r = app.get(&format!("/api/v1/enterprises/{a}")).await;
        r.json()["slug"].as_str().expect("slug").to_string()
    };
    let product_slug = app.get("/api/v1/products").await.json()["items"][0]["slug"]
        .as_str()
        .expect("slug")
        .to_string();
    let public_paths = [
        "/api/v1/enterprises".to_string(),
        format!("/api/v1/enterprises/{a}"),
        "/api/v1/products".to_string(),
        format!("/api/v1/products?enterprise_id={a}"),
        "/api/v1/search?q=mien".to_string(),
        format!("/co-so/{slug}"),
        format!("/san-pham/{product_slug}"),
        "/tim-kiem?q=mien".to_string(),
        "/san-pham".to_string(),
    ];
    // Visitors, buyers and other producers read the catalogue without contacts.
    for who in [None, Some(BUYER), Some(PRODUCER_C)] {
        match who {
            Some(login) => app.sign_in(login).await,
            None => app.clear_cookies(),
        }
        for path in &public_paths {
            let r = app.get(path).await;
            assert_eq!(r.status, StatusCode::OK, "{who:?} {path}");
            assert!(
                leaks(&r.body).is_empty(),
                "{who:?} sees {:?} at {path}",
                leaks(&r.body)
            );
        }
        let view = app.get(&format!("/api/v1/enterprises/{a}")).await.json();
        assert!(view.get("contact").is_none(), "{view}");
    }
    // The enterprise's own member and staff see how to reach it.
    for login in [PRODUCER_A, STAFF] {
        app.sign_in(login).await;
        let view = app.get(&format!("/api/v1/enterprises/{a}")).await.json();
        assert_eq!(view["contact"]["phone"], "0987111222", "{login}: {view}");
        assert_eq!(view["contact"]["email"], "lienhe@htx.vn");
        assert_eq!(view["contact"]["address"], "Bản Khuổi Nộc");
        let page = app.get(&format!("/co-so/{slug}")).await;
        assert!(page.body.contains("0987 111 222"), "{login}");
    }
}

async fn submit(app: &mut TestApp) -> i64 {
    app.sign_in(BUYER).await;
    let mut body = linkage();
    body["organisation"] = json!("Siêu thị Xanh Hà Nội");
    let r = app.post_json("/api/v1/requests", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("id")
}

fn names_the_buyer(view: &Value) -> bool {
    let text = view.to_string();
    text.contains(&format!("Người dùng {BUYER}")) || text.contains("Siêu thị Xanh")
}

#[tokio::test]
async fn producers_learn_who_asks_only_when_staff_connect_them_and_losers_never_see_the_deal() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let Desk { mut app, a, b, .. } = desk().await;
    // B's manager reads e-mail: what the centre tells B by e-mail is checked too.
    app.sign_in(STAFF).await;
    let manager = ketnoi::services::auth::create_account(
        &app.db,
        app.state.clock.now(),
        ketnoi::services::auth::Opener::Console,
        ketnoi::services::auth::NewAccount::parse(
            "quanly@htxbackan.vn",
            "mat-khau-123",
            "Quản lý HTX",
            "producer",
        )
        .expect("account"),
    )
    .await
    .expect("created");
    let r = app
        .post_json(
            &format!("/api/v1/enterprises/{b}/members"),
            json!({"user_id": manager.id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let id = submit(&mut app).await;
    app.sign_in(STAFF).await;
    for (path, body) in [
        ("transition", json!({"to": "in_review"})),
        ("shortlist", json!({"enterprise_id": a})),
        ("shortlist", json!({"enterprise_id": b})),
        ("forward", json!({})),
    ] {
        let r = app
            .post_json(&format!("/api/v1/requests/{id}/{path}"), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    for login in [PRODUCER_A, PRODUCER_B] {
        app.sign_in(login).await;
        let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
        assert!(!names_the_buyer(&view), "{login} before connect: {view}");
        assert_eq!(view["requester"]["name"], "Người mua (qua Trung tâm)");
        let list = app.get("/api/v1/requests").await.json();
        assert!(!names_the_buyer(&list), "{login}: {list}");
        let page = app.get(&format!("/yeu-cau/{id}")).await;
        assert!(!page.body.contains("Siêu thị Xanh"), "{login}");
    }
    app.sign_in(PRODUCER_A).await;
    app.post_json(
        &format!("/api/v1/requests/{id}/response"),
        json!({"answer": "interested", "price_vnd": 85000}),
    )
    .await;
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/connect"),
            json!({"enterprise_id": a}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.sign_in(PRODUCER_A).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert!(names_the_buyer(&view), "A is connected: {view}");
    app.sign_in(PRODUCER_B).await;
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert!(!names_the_buyer(&view), "B is not: {view}");

    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/requests/{id}/close"),
            json!({"result": "deal", "value_vnd": "2.040.000.000", "quantity": 24000, "supply": "contract", "enterprise_id": a}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (login, party) in [(BUYER, true), (PRODUCER_A, true), (PRODUCER_B, false)] {
        app.sign_in(login).await;
        let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
        assert_eq!(view["status"], "closed_deal");
        let text = view.to_string();
        assert_eq!(
            text.contains("2040000000"),
            party,
            "{login} and the deal's value: {view}"
        );
        assert_eq!(view["outcome"].is_object(), party, "{login}: {view}");
        let page = app.get(&format!("/yeu-cau/{id}")).await;
        assert_eq!(page.body.contains("2.040.000.000"), party, "{login} page");
    }
    let mail: Vec<String> = ketnoi::db::entities::email_outbox::Entity::find()
        .filter(ketnoi::db::entities::email_outbox::Column::ToAddress.eq("quanly@htxbackan.vn"))
        .all(&app.db)
        .await
        .expect("mail")
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(!mail.is_empty(), "B's manager hears of the request");
    assert!(
        mail.iter()
            .all(|body| !body.contains("2.040.000.000") && !body.contains("Siêu thị Xanh")),
        "{mail:?}"
    );
}
