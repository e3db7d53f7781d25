//! The Department's reports: the catalogue now against a year ago (from the daily snapshot),
//! the year's programmes, the fairs — pages with SVG charts beside their tables, and the same
//! tables as XLSX and CSV.

mod common;

use axum::http::StatusCode;
use common::programmes::{self as p, STAFF};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use ketnoi::db::entities::catalogue_snapshot;
use ketnoi::services::reports;

fn cell<'a>(rows: &'a [Vec<String>], label: &str) -> &'a str {
    rows.iter()
        .find(|r| r.first().is_some_and(|c| c == label))
        .and_then(|r| r.get(1))
        .map_or("", String::as_str)
}

#[tokio::test]
async fn the_catalogue_now_against_a_year_ago_in_a_chart_a_table_and_a_workbook() {
    let mut world = p::world().await;
    let eid = world.enterprise(p::COOPERATIVE);
    let app = &mut world.app;
    app.sign_in(p::PRODUCER).await;
    // Two products with neither a registered trademark nor designed packaging, one with both.
    let mut ids = Vec::new();
    for name in ["Miến dong loại 1", "Miến dong loại 2"] {
        let mut body = common::product_body(name);
        body["trademark"] = json!({"status": "unregistered"});
        body["packaging_status"] = json!("basic");
        body["enterprise_id"] = json!(eid);
        let r = app.post_json("/api/v1/products", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    app.create_product(eid, "Bún dong").await;

    // A year ago, as the server counted it then.
    assert!(reports::snapshot(&app.state).await.unwrap() > 0);
    assert_eq!(
        reports::snapshot(&app.state).await.unwrap(),
        0,
        "once a day"
    );
    let first_day = catalogue_snapshot::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    // Since then one of the two got a designed package.
    let r = app
        .patch_json(
            &format!("/api/v1/products/{}", ids[0]),
            json!({"packaging_status": "designed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.state.clock.advance(chrono::Duration::days(365));
    assert!(reports::snapshot(&app.state).await.unwrap() > 0);
    assert!(
        catalogue_snapshot::Entity::find()
            .count(&app.db)
            .await
            .unwrap()
            > first_day
    );

    // Producers do not read the Department's reports.
    app.sign_in(p::PRODUCER).await;
    assert_eq!(
        app.get("/staff/reports/catalogue").await.status,
        StatusCode::FORBIDDEN
    );
    app.sign_in(STAFF).await;
    let page = app.get("/staff/reports/catalogue").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // 3 products; 1 still unprotected now, 2 a year ago.
    let unprotected = page
        .body
        .split("id=\"unprotected\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        unprotected.starts_with("><strong>1</strong> (33%)"),
        "{unprotected:.80}"
    );
    let year_ago = page
        .body
        .split("id=\"year-ago\"")
        .nth(1)
        .unwrap_or_default();
    assert!(year_ago.starts_with(">2 / 3"), "{year_ago:.80}");
    assert!(year_ago.contains("thay đổi -1"), "{year_ago:.120}");
    // Charts drawn on the server, each with its table of the same numbers.
    assert!(
        page.body.matches("<svg class=\"chart\"").count() >= 6,
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<title id=\"by-category-title\">Theo nhóm sản phẩm</title>")
    );
    assert!(
        page.body
            .contains("<table class=\"stats\" id=\"by-packaging\">")
    );
    assert!(page.body.contains("Thái Nguyên"));
    assert!(!page.body.contains("<script>"));

    let r = app.get("/staff/reports/catalogue?format=xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    let sheets = ketnoi::sheet::read(&r.bytes).expect("a workbook");
    let summary = &sheets[0].rows;
    assert_eq!(cell(summary, "Sản phẩm"), "3");
    assert_eq!(
        cell(summary, "Chưa có nhãn hiệu và bao bì chuyên nghiệp"),
        "1"
    );
    assert_eq!(cell(summary, "Cùng kỳ năm trước"), "2");
    assert!(
        sheets
            .iter()
            .any(|s| s.name == "Theo tỉnh" && cell(&s.rows, "Thái Nguyên") == "3")
    );
    let r = app.get("/staff/reports/catalogue?format=csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("Chưa có nhãn hiệu và bao bì chuyên nghiệp,1"),
        "{}",
        r.body
    );

    // One province's communes.
    let page = app.get("/staff/reports/catalogue?province=19").await;
    assert!(page.body.contains("Xã Na Rì"), "{}", page.body);
}

#[tokio::test]
async fn the_years_programmes_by_kind_source_commune_and_why_cancelled() {
    let mut world = p::world().await;
    world.app.sign_in(STAFF).await;
    let running = p::under_way(&mut world, "DA-01/2026").await;
    let app = &mut world.app;
    let r = app
        .post_json(
            &format!("/api/v1/programmes/{running}/disbursements"),
            json!({"paid_on": app.state.clock.today().to_string(), "amount_vnd": "100.000.000", "purpose": "Thanh toán máy sấy"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let dropped = p::propose_body(app, p::proposal("DA-02/2026", "packaging")).await;
    let r = p::step(
        app,
        dropped,
        json!({"to": "cancelled", "reason": "investment_plans_changed"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let page = app.get("/staff/reports/programmes?year=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Hỗ trợ ứng dụng máy móc thiết bị"));
    assert!(page.body.contains("Cơ sở thay đổi kế hoạch đầu tư"));
    assert!(page.body.contains("<svg class=\"chart\" id=\"by-kind\""));
    let r = app
        .get("/staff/reports/programmes?year=2026&format=xlsx")
        .await;
    let sheets = ketnoi::sheet::read(&r.bytes).expect("a workbook");
    let total = &sheets[0].rows[1];
    assert_eq!(total[1], "2", "{total:?}");
    assert_eq!(total[3], "100000000", "disbursed: {total:?}");
    assert_eq!(total[4], "1", "cancelled: {total:?}");
    let why = sheets
        .iter()
        .find(|s| s.name.starts_with("Đề án bị hủy"))
        .expect("by reason");
    assert_eq!(why.rows[1][0], "Cơ sở thay đổi kế hoạch đầu tư");
    // Another year has nothing.
    let r = app
        .get("/staff/reports/programmes?year=2020&format=csv")
        .await;
    assert!(r.body.contains("Tổng cộng,0,0,0,0,0,0,0"), "{}", r.body);
    let fairs = app.get("/staff/reports/fairs").await;
    assert_eq!(fairs.status, StatusCode::OK);
}

#[tokio::test]
async fn the_desk_exports_the_requests_its_filter_finds() {
    use common::desk;
    let desk::Desk { mut app, .. } = desk::desk().await;
    app.sign_in(desk::BUYER).await;
    let r = app.post_json("/api/v1/requests", desk::linkage()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut other = desk::linkage();
    other["kind"] = json!("technology_transfer");
    other["title"] = json!("Cần công nghệ sấy miến bằng nhiệt mặt trời");
    let r = app.post_json("/api/v1/requests", other).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A buyer has no desk.
    assert_eq!(
        app.get("/staff/requests?format=xlsx").await.status,
        StatusCode::FORBIDDEN
    );

    app.sign_in(desk::STAFF).await;
    let page = app.get("/staff/requests?kind=linkage").await;
    assert!(
        page.body
            .contains("/staff/requests?kind=linkage&#38;format=xlsx"),
        "{}",
        page.body
    );
    let r = app.get("/staff/requests?kind=linkage&format=xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    let rows = &ketnoi::sheet::read(&r.bytes).expect("a workbook")[0].rows;
    assert_eq!(
        rows.len(),
        2,
        "the header and the one linkage request: {rows:?}"
    );
    assert_eq!(rows[1][3], "Cần 2 tấn miến dong mỗi tháng");
    let r = app.get("/staff/requests?status=open&format=csv").await;
    assert!(
        r.body
            .contains("Cần công nghệ sấy miến bằng nhiệt mặt trời"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Cần 2 tấn miến dong mỗi tháng"));
    // The desk's numbers download the same way.
    let r = app.get("/staff/requests/stats?format=xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    let sheets = ketnoi::sheet::read(&r.bytes).expect("a workbook");
    assert_eq!(
        cell(&sheets[0].rows, "Số yêu cầu"),
        "2",
        "{:?}",
        sheets[0].rows
    );
    assert!(
        sheets.len() >= 4,
        "the summary, by state, month, group and province"
    );
}
