//! What lapses with time, over simulated days: a registered trademark, an OCOP rating (36
//! months from its certificate) and a certificate with
//! a valid-until date remind their producer six months, three months and one month before
//! and when they lapse — each once, however often the job runs — staff see them in one list,
//! and a lapsed trademark shows as expired on its page and in search.

mod common;

use axum::http::StatusCode;
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use common::{TestApp, World, product_body};
use ketnoi::db::entities::{email_outbox, notification};

const STAFF: &str = "canbo@example.vn";
const PRODUCER: &str = "sx@example.vn";
const OTHER: &str = "0912000009";
const COOPERATIVE: &str = "HTX Miến dong Côn Minh";

async fn world() -> World {
    TestApp::builder()
        .staff(STAFF)
        .producer_with_enterprise(PRODUCER, COOPERATIVE)
        .producer_with_enterprise(OTHER, "HTX Chè Bằng Phúc")
        .build()
        .await
}

fn day(app: &TestApp, days: i64) -> String {
    (app.state.clock.today() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// A published product of the cooperative whose registered mark lapses in `days` days.
async fn marked_product(app: &mut TestApp, enterprise: i64, days: i64) -> i64 {
    app.sign_in(PRODUCER).await;
    let mut body = product_body("Miến dong Côn Minh gói 500 g");
    body["enterprise_id"] = json!(enterprise);
    body["trademark"] = json!({"status": "registered", "kind": "collective", "number": "312345",
                               "filed_on": "2016-03-10", "granted_on": "2018-05-02",
                               "expires_on": day(app, days)});
    let r = app.post_json("/api/v1/products", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_i64().expect("id");
    app.submit_and_approve(pid, PRODUCER, STAFF).await;
    pid
}

/// The producer's notices about what lapses, oldest first, as (kind, subject).
async fn notices(app: &TestApp, user: i32) -> Vec<(String, String)> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::Kind.is_in(["expiring", "lapsed"]))
        .all(&app.db)
        .await
        .expect("notices")
        .into_iter()
        .map(|n| (n.kind, n.subject))
        .collect()
}

/// Runs the job once a day for `days` days (twice on each, as two instances would).
async fn days_pass(app: &TestApp, days: i64) {
    for _ in 0..days {
        app.state.clock.advance(Duration::days(1));
        for _ in 0..2 {
            ketnoi::services::expiry::run(&app.state)
                .await
                .expect("reminders run");
        }
    }
}

#[tokio::test]
async fn a_trademark_reminds_its_producer_at_six_three_and_one_month_and_lapses_once() {
    let mut world = world().await;
    let enterprise = world.enterprise(COOPERATIVE);
    let producer = world.user(PRODUCER);
    let other = world.user(OTHER);
    let app = &mut world.app;
    let pid = marked_product(app, enterprise, 200).await;
    let expires = (app.state.clock.today() + Duration::days(200))
        .format("%d/%m/%Y")
        .to_string();
    app.index().await;

    // Seven months ahead is too early to say anything.
    ketnoi::services::expiry::run(&app.state)
        .await
        .expect("run");
    assert_eq!(notices(app, producer).await, []);

    days_pass(app, 30).await;
    let subject = format!("Nhãn hiệu của Miến dong Côn Minh gói 500 g hết hạn ngày {expires}");
    assert_eq!(
        notices(app, producer).await,
        [("expiring".into(), subject.clone())]
    );
    days_pass(app, 90).await;
    assert_eq!(
        notices(app, producer).await.len(),
        2,
        "the three-month reminder"
    );
    days_pass(app, 60).await;
    assert_eq!(
        notices(app, producer).await.len(),
        3,
        "the one-month reminder"
    );
    // The product page says it lapses soon.
    app.sign_in(PRODUCER).await;
    let page = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(page["trademark"]["status"], "registered");
    assert_eq!(page["trademark"]["expiring"], true);

    days_pass(app, 25).await;
    let all = notices(app, producer).await;
    assert_eq!(
        all.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["expiring", "expiring", "expiring", "lapsed"],
        "each threshold once, then the lapse: {all:?}"
    );
    assert_eq!(
        all[3].1,
        format!("Nhãn hiệu của Miến dong Côn Minh gói 500 g đã hết hạn ngày {expires}")
    );
    assert_eq!(notices(app, other).await, [], "nobody else is told");
    let mails = email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddress.eq(PRODUCER))
        .filter(email_outbox::Column::Subject.contains("hết hạn"))
        .count(&app.db)
        .await
        .expect("mail");
    assert_eq!(mails, 4, "an e-mail with each notice");

    // Lapsed: the page, the inbox and search say so.
    app.sign_in(PRODUCER).await;
    let page = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(page["trademark"]["status"], "expired");
    let inbox = app.get("/thong-bao").await;
    assert!(
        inbox
            .body
            .contains(&format!("href=\"/dashboard/products/{pid}/edit\"")),
        "the notice opens the product"
    );
    app.index().await;
    let found = app
        .get("/api/v1/search?q=&trademark_status=expired")
        .await
        .json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["hits"][0]["id"], pid);
}

#[tokio::test]
async fn a_certificate_with_a_valid_until_date_reminds_and_staff_see_what_lapses_soon() {
    let mut world = world().await;
    let enterprise = world.enterprise(COOPERATIVE);
    let producer = world.user(PRODUCER);
    let app = &mut world.app;
    app.sign_in(PRODUCER).await;
    let until = day(app, 40);
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/enterprises/{enterprise}/documents"),
            &[
                ("kind", "food_safety_certificate"),
                ("title", "Giấy chứng nhận cơ sở đủ điều kiện ATTP"),
                ("valid_until", &until),
            ],
            &[(
                "file",
                "attp.pdf",
                b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n",
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["valid_until"], until);
    let bad = app
        .multipart(
            "POST",
            &format!("/api/v1/enterprises/{enterprise}/documents"),
            &[
                ("kind", "other"),
                ("title", "Giấy khác"),
                ("valid_until", "31/02/2027"),
            ],
            &[("file", "x.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["error"]["field"], "valid_until");

    days_pass(app, 1).await;
    let first = notices(app, producer).await;
    assert_eq!(first.len(), 1, "the three-month reminder: {first:?}");
    assert!(
        first[0]
            .1
            .starts_with("Giấy chứng nhận cơ sở đủ điều kiện ATTP hết hạn ngày")
    );
    days_pass(app, 14).await;
    assert_eq!(
        notices(app, producer).await.len(),
        2,
        "the one-month reminder"
    );

    app.sign_in(STAFF).await;
    let page = app.get("/staff/expiring").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"within-1m\""), "{}", page.body);
    assert!(
        page.body
            .contains("Giấy chứng nhận cơ sở đủ điều kiện ATTP")
    );
    app.sign_in(PRODUCER).await;
    assert_eq!(
        app.get("/staff/expiring").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_ocop_rating_reminds_36_months_after_its_certificate_and_then_leaves_the_facets() {
    let mut world = world().await;
    let enterprise = world.enterprise(COOPERATIVE);
    let producer = world.user(PRODUCER);
    let app = &mut world.app;
    // Certified so that its 36 months end in 200 days.
    let lapses = app.state.clock.today() + Duration::days(200);
    let certified = lapses
        .checked_sub_months(chrono::Months::new(36))
        .and_then(|d| d.succ_opt())
        .expect("a date");
    app.sign_in(PRODUCER).await;
    let mut body = product_body("Miến dong OCOP 4 sao");
    body["enterprise_id"] = json!(enterprise);
    body["trademark"] = json!({"status": "unregistered"});
    body["ocop_stars"] = json!(4);
    body["ocop_year"] = json!(null);
    body["ocop_certified_on"] = json!(certified.format("%d/%m/%Y").to_string());
    let r = app.post_json("/api/v1/products", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let product = r.json();
    let pid = product["id"].as_i64().expect("id");
    assert_eq!(
        product["ocop_valid_until"],
        lapses.format("%Y-%m-%d").to_string()
    );
    assert_eq!(product["ocop_current"], true);
    app.submit_and_approve(pid, PRODUCER, STAFF).await;
    app.index().await;
    let found = app.get("/api/v1/search?q=&ocop_stars=4").await.json();
    assert_eq!(found["total"], 1, "{found}");

    days_pass(app, 30).await;
    days_pass(app, 90).await;
    days_pass(app, 60).await;
    days_pass(app, 25).await;
    let all = notices(app, producer).await;
    assert_eq!(
        all.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["expiring", "expiring", "expiring", "lapsed"],
        "each threshold once, then the lapse: {all:?}"
    );
    assert_eq!(
        all[3].1,
        format!(
            "Hạng OCOP của Miến dong OCOP 4 sao đã hết hiệu lực ngày {}",
            lapses.format("%d/%m/%Y")
        )
    );
    // Lapsed: its page says so and the OCOP facet no longer counts it.
    app.sign_in(STAFF).await;
    let page = app.get(&format!("/api/v1/products/{pid}")).await.json();
    assert_eq!(page["ocop_current"], false);
    app.index().await;
    let found = app.get("/api/v1/search?q=&ocop_stars=4").await.json();
    assert_eq!(found["total"], 0, "{found}");
}
