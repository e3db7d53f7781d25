//! A brokering desk to test against: staff, two buyers, and three producers with a
//! published product each (A and B make arrowroot vermicelli, C makes tea).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{NA_RI, TestApp, product_body};

pub const STAFF: &str = "canbo@ketnoi.vn";
pub const BUYER: &str = "thumua@sieuthi.vn";
pub const OTHER_BUYER: &str = "khac@nhahang.vn";
pub const PRODUCER_A: &str = "0912000001";
pub const PRODUCER_B: &str = "0912000002";
pub const PRODUCER_C: &str = "0912000003";
/// Thái Nguyên.
pub const THAI_NGUYEN: i64 = 19;

pub struct Desk {
    pub app: TestApp,
    pub staff_id: i64,
    /// Enterprises: A and B make arrowroot vermicelli, C makes tea.
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub product_a: i64,
}

pub async fn publish(
    app: &mut TestApp,
    login: &str,
    enterprise: i64,
    name: &str,
    category: &str,
) -> i64 {
    app.sign_in(login).await;
    let mut body = product_body(name);
    body["enterprise_id"] = json!(enterprise);
    body["category"] = json!(category);
    body["description"] = json!(format!("{name}, làm tại Na Rì, đóng gói cẩn thận."));
    let r = app.post_json("/api/v1/products", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_i64().expect("a number");
    app.submit_and_approve(pid, login, STAFF).await;
    pid
}

pub async fn desk_with(app: TestApp) -> Desk {
    let mut app = app;
    let staff_id = i64::from(app.sign_in_new("staff", STAFF).await);
    app.sign_in_new("buyer", BUYER).await;
    app.sign_in_new("buyer", OTHER_BUYER).await;
    let (_, a) = app
        .producer_with_enterprise(PRODUCER_A, "HTX Côn Minh")
        .await;
    let (_, b) = app
        .producer_with_enterprise(PRODUCER_B, "HTX Miến dong Bắc Kạn")
        .await;
    let (_, c) = app
        .producer_with_enterprise(PRODUCER_C, "HTX Chè Bằng Phúc")
        .await;
    let product_a = publish(&mut app, PRODUCER_A, a, "Miến dong Côn Minh", "mien-dong").await;
    publish(&mut app, PRODUCER_B, b, "Miến dong Bắc Kạn", "mien-dong").await;
    publish(&mut app, PRODUCER_C, c, "Chè Shan tuyết", "che").await;
    app.index().await;
    app.clear_cookies();
    Desk {
        app,
        staff_id,
        a,
        b,
        c,
        product_a,
    }
}

pub async fn desk() -> Desk {
    desk_with(TestApp::new().await).await
}

pub fn linkage() -> Value {
    json!({
        "kind": "linkage",
        "title": "Cần 2 tấn miến dong mỗi tháng",
        "description": "Chuỗi siêu thị ở Hà Nội cần nguồn miến dong ổn định, có nhãn mác.",
        "category": "mien-dong",
        "quantity": "2.000",
        "unit": "kg",
        "target_price_vnd": "90.000",
        "province_code": THAI_NGUYEN,
        "commune_code": NA_RI,
        "needed_by": "2030-01-15",
        "supply": "contract",
        "frequency": "monthly",
        "duration_months": 12,
    })
}
