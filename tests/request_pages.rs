//! The brokering pages through the real router: the request form for guests and buyers,
//! the staff desk, the producer's answer, the numbers and the inbox — all as plain forms.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use common::desk::*;

fn token_of(page: &str) -> String {
    let at = page
        .find("name=\"token\" value=\"")
        .expect("the form carries a token")
        + 20;
    page[at..at + 64]
        .split('"')
        .next()
        .expect("token")
        .to_string()
}

async fn request_count(app: &mut TestApp) -> i64 {
    app.sign_in(STAFF).await;
    let r = app.get("/api/v1/requests?status=").await.json();
    r["total"].as_i64().expect("a number")
}

#[tokio::test]
async fn a_guest_asks_from_a_product_page_once_however_often_the_form_is_sent() {
    let Desk {
        mut app, product_a, ..
    } = desk().await;
    let product = app.get("/san-pham/mien-dong-con-minh").await;
    assert!(
        product
            .body
            .contains(&format!("/yeu-cau/moi?product={product_a}")),
        "the product page offers a request"
    );
    let form = app.get(&format!("/yeu-cau/moi?product={product_a}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("Cần mua Miến dong Côn Minh"),
        "prefilled title"
    );
    assert!(form.body.contains("Miến dong Côn Minh — HTX Côn Minh"));
    assert!(
        form.body.contains("name=\"website\""),
        "a honeypot for bots"
    );
    let token = token_of(&form.body);
    let product_id = product_a.to_string();
    let mut fields = vec![
        ("token", token.as_str()),
        ("source", "product"),
        ("product_id", product_id.as_str()),
        ("kind", "linkage"),
        ("title", "Cần mua Miến dong Côn Minh"),
        ("description", "Nhà hàng cần 50 kg miến mỗi tuần."),
        ("quantity", "50"),
        ("unit", "kg"),
        ("supply", "contract"),
        ("frequency", "weekly"),
        ("contact_name", "Chị Lan"),
        ("contact_phone", ""),
    ];
    // Missing phone: the form comes back with the values and a message in Vietnamese.
    let bad = app.post_form("/yeu-cau/moi", &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Vui lòng để lại số điện thoại"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Nhà hàng cần 50 kg miến mỗi tuần."));
    assert_eq!(token_of(&bad.body), token, "the same form keeps its token");

    fields.retain(|(k, _)| *k != "contact_phone");
    fields.push(("contact_phone", "0987 654 321"));
    for _ in 0..2 {
        let sent = app.post_form("/yeu-cau/moi", &fields).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
        assert!(sent.body.contains("0987 654 321"), "{}", sent.body);
    }
    // A bot fills the hidden field: thanked, and nothing kept.
    app.clear_cookies();
    let mut bot = fields.clone();
    bot.retain(|(k, _)| *k != "token");
    bot.push(("token", "bot-token-1"));
    bot.push(("website", "http://spam.example"));
    let r = app.post_form("/yeu-cau/moi", &bot).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        request_count(&mut app).await,
        1,
        "one request, from one form"
    );

    let desk = app.get("/staff/requests").await;
    assert!(
        desk.body.contains("Cần mua Miến dong Côn Minh"),
        "{}",
        desk.body
    );
    assert!(desk.body.contains("Chưa xác minh số điện thoại"));
}

#[tokio::test]
async fn the_desk_brokers_a_request_through_forms_from_review_to_deal() {
    let Desk { mut app, a, .. } = desk().await;
    app.sign_in(BUYER).await;
    let form = app.get("/yeu-cau/moi").await;
    let token = token_of(&form.body);
    let r = app
        .post_form(
            "/yeu-cau/moi",
            &[
                ("token", &token),
                ("kind", "linkage"),
                ("title", "Cần 2 tấn miến dong mỗi tháng"),
                ("description", "Chuỗi siêu thị cần miến dong có nhãn mác."),
                ("category", "mien-dong"),
                ("quantity", "2.000"),
                ("unit", "kg"),
                ("province_code", "19"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mine = r.location().to_string();
    assert!(mine.ends_with("?sent=1"), "{mine}");
    let id: i64 = mine
        .trim_start_matches("/yeu-cau/")
        .trim_end_matches("?sent=1")
        .parse()
        .expect("request id");
    let page = app.get(&mine).await;
    assert!(
        page.body.contains("Trung tâm đã nhận yêu cầu của bạn"),
        "{}",
        page.body
    );
    let list = app.get("/yeu-cau").await;
    assert!(list.body.contains("Cần 2 tấn miến dong mỗi tháng"));

    // Staff: the desk, suggestions, shortlist, forward.
    app.sign_in(STAFF).await;
    let inbox = app.get("/thong-bao").await;
    assert!(inbox.body.contains("Yêu cầu mới"), "{}", inbox.body);
    let desk_url = format!("/staff/requests/{id}");
    for fields in [
        vec![("action", "transition"), ("to", "in_review")],
        vec![("action", "shortlist"), ("enterprise_id", &a.to_string())],
        vec![("action", "forward")],
    ] {
        let r = app.post_form(&desk_url, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{fields:?}: {}", r.body);
    }
    let page = app.get(&desk_url).await;
    assert!(page.body.contains("Đã chuyển tới cơ sở"), "{}", page.body);
    assert!(page.body.contains("HTX Côn Minh"));
    assert!(
        page.body.contains("HTX Miến dong Bắc Kạn"),
        "suggested: {}",
        page.body
    );
    // An illegal move is refused on the page, in words.
    let r = app
        .post_form(&desk_url, &[("action", "transition"), ("to", "in_review")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body
            .contains("Không thể chuyển yêu cầu sang trạng thái này")
    );

    // The producer answers with an offer.
    app.sign_in(PRODUCER_A).await;
    let url = format!("/yeu-cau/{id}");
    let page = app.get(&url).await;
    assert!(page.body.contains("Vui lòng trả lời"), "{}", page.body);
    let r = app
        .post_form(
            &url,
            &[
                ("action", "respond"),
                ("enterprise_id", &a.to_string()),
                ("answer", "interested"),
                ("price_vnd", "85.000"),
                ("lead_time_days", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Another producer cannot see it at all.
    app.sign_in(PRODUCER_C).await;
    assert_eq!(app.get(&url).await.status, StatusCode::NOT_FOUND);

    // The buyer sees the offer and writes to the producer.
    app.sign_in(BUYER).await;
    let page = app.get(&url).await;
    assert!(page.body.contains("85.000 ₫"), "{}", page.body);
    assert!(page.body.contains("tới 1 cơ sở sản xuất"));
    let r = app
        .post_form(
            &url,
            &[
                ("action", "message"),
                ("enterprise_id", &a.to_string()),
                ("body", "Có giao tới Hà Nội không?"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Staff connect and close with a deal; the numbers show it.
    app.sign_in(STAFF).await;
    let page = app.get(&desk_url).await;
    assert!(
        page.body.contains("Có giao tới Hà Nội không?"),
        "staff read the thread"
    );
    for fields in [
        vec![("action", "connect"), ("enterprise_id", &a.to_string())],
        vec![
            ("action", "close"),
            ("result", "deal"),
            ("value_vnd", "1.500.000.000"),
            ("supply", "contract"),
            ("enterprise_id", &a.to_string()),
        ],
    ] {
        let r = app.post_form(&desk_url, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{fields:?}: {}", r.body);
    }
    let stats = app.get("/staff/requests/stats").await;
    assert_eq!(stats.status, StatusCode::OK);
    assert!(stats.body.contains("1,50 tỷ đồng"), "{}", stats.body);
    assert!(stats.body.contains("100 %"), "conversion: {}", stats.body);

    app.sign_in(BUYER).await;
    let page = app.get(&url).await;
    assert!(page.body.contains("Thành công"), "{}", page.body);
    assert!(
        page.body.contains("0912 345 678"),
        "the producer's phone after connecting"
    );
    let r = app.post_form("/thong-bao/da-doc", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_search_with_no_results_offers_a_wanted_request() {
    let Desk { mut app, .. } = desk().await;
    let page = app.get("/tim-kiem?q=gach%20khong%20nung").await;
    assert!(
        page.body
            .contains("/yeu-cau/moi?kind=linkage&#38;q=gach+khong+nung"),
        "{}",
        page.body
    );
    let form = app
        .get("/yeu-cau/moi?kind=linkage&q=g%E1%BA%A1ch%20kh%C3%B4ng%20nung")
        .await;
    assert!(
        form.body.contains("Cần tìm: gạch không nung"),
        "{}",
        form.body
    );
    assert!(form.body.contains("value=\"search\""));
}

#[tokio::test]
async fn desk_pages_are_for_staff_only() {
    let Desk { mut app, .. } = desk().await;
    app.clear_cookies();
    let r = app.get("/staff/requests").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dang-nhap");
    for login in [BUYER, PRODUCER_A] {
        app.sign_in(login).await;
        for path in [
            "/staff/requests",
            "/staff/requests/stats",
            "/staff/requests/1",
        ] {
            assert_eq!(
                app.get(path).await.status,
                StatusCode::FORBIDDEN,
                "{login} {path}"
            );
        }
    }
}
