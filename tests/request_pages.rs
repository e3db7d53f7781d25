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
    let a_id = a.to_string();
    let page = app.get(&desk_url).await;
    assert!(
        page.body
            .contains(&format!("action=\"{desk_url}/transition\"")),
        "{}",
        page.body
    );
    for (action, fields) in [
        ("transition", vec![("to", "in_review")]),
        ("shortlist", vec![("enterprise_id", a_id.as_str())]),
        ("forward", vec![]),
    ] {
        let r = app
            .post_form(&format!("{desk_url}/{action}"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.body);
        assert_eq!(r.location(), format!("{desk_url}?done=1"));
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
        .post_form(&format!("{desk_url}/transition"), &[("to", "in_review")])
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
    assert!(page.body.contains(&format!("action=\"{url}/tra-loi\"")));
    let r = app
        .post_form(
            &format!("{url}/tra-loi"),
            &[
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
    assert!(page.body.contains(&format!("action=\"{url}/tin-nhan\"")));
    let r = app
        .post_form(
            &format!("{url}/tin-nhan"),
            &[
                ("enterprise_id", &a.to_string()),
                ("body", "Có giao tới Hà Nội không?"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{url}?done=message"));

    // Staff connect and close with a deal; the numbers show it.
    app.sign_in(STAFF).await;
    let page = app.get(&desk_url).await;
    assert!(
        page.body.contains("Có giao tới Hà Nội không?"),
        "staff read the thread"
    );
    for (action, fields) in [
        ("connect", vec![("enterprise_id", a_id.as_str())]),
        (
            "close",
            vec![
                ("result", "deal"),
                ("value_vnd", "1.500.000.000"),
                ("supply", "contract"),
                ("enterprise_id", a_id.as_str()),
            ],
        ),
    ] {
        let r = app
            .post_form(&format!("{desk_url}/{action}"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.body);
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
    assert_eq!(r.location(), "/dang-nhap?next=%2Fstaff%2Frequests");
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

/// A request sent by a guest, as staff see it on the desk: `(id, desk url)`.
async fn guest_request(app: &mut TestApp) -> (i64, String) {
    app.clear_cookies();
    let form = app.get("/yeu-cau/moi").await;
    let token = token_of(&form.body);
    let sent = app
        .post_form(
            "/yeu-cau/moi",
            &[
                ("token", &token),
                ("kind", "linkage"),
                ("title", "Cần 500 kg miến dong"),
                ("description", "Nhà hàng cần miến dong cho tháng Tết."),
                ("category", "mien-dong"),
                ("contact_name", "Chị Hoa"),
                ("contact_phone", "0987 654 321"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    app.sign_in(STAFF).await;
    let r = app.get("/api/v1/requests?status=").await.json();
    let id = r["items"][0]["id"].as_i64().expect("the guest's request");
    (id, format!("/staff/requests/{id}"))
}

#[tokio::test]
async fn each_desk_form_posts_to_its_own_address_and_says_what_it_did() {
    let Desk {
        mut app,
        staff_id,
        a,
        ..
    } = desk().await;
    let (_, desk_url) = guest_request(&mut app).await;
    let page = app.get(&desk_url).await;
    for action in ["verify-phone", "assign", "transition", "notes", "messages"] {
        assert!(
            page.body
                .contains(&format!("action=\"{desk_url}/{action}\"")),
            "{action}: {}",
            page.body
        );
    }
    assert!(
        !page.body.contains("name=\"action\""),
        "no form says its action in a field"
    );
    let staff_id = staff_id.to_string();
    let a = a.to_string();
    for (action, fields) in [
        ("verify-phone", vec![]),
        ("assign", vec![("user_id", staff_id.as_str())]),
        ("notes", vec![("body", "Đã gọi lại cho chị Hoa")]),
        (
            "messages",
            vec![("body", "Trung tâm đang tìm cơ sở phù hợp")],
        ),
        ("transition", vec![("to", "in_review")]),
        ("shortlist", vec![("enterprise_id", a.as_str())]),
    ] {
        let r = app
            .post_form(&format!("{desk_url}/{action}"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.body);
        assert_eq!(r.location(), format!("{desk_url}?done=1"));
    }
    let page = app.get(&format!("{desk_url}?done=1")).await;
    assert!(page.body.contains("Đã lưu."), "{}", page.body);
    assert!(page.body.contains("✓ Đã xác minh"), "{}", page.body);
    assert!(
        page.body.contains("Đã gọi lại cho chị Hoa"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Trung tâm đang tìm cơ sở phù hợp"));
    assert!(
        page.body
            .contains(&format!("<option value=\"{staff_id}\" selected>"))
    );
    let remove = format!("{desk_url}/shortlist/{a}/delete");
    assert!(
        page.body.contains(&format!("action=\"{remove}\"")),
        "{}",
        page.body
    );
    let r = app.post_form(&remove, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&desk_url).await;
    assert!(
        page.body.contains("Chưa chọn cơ sở nào"),
        "the shortlist is empty: {}",
        page.body
    );

    // A note with nothing in it is refused on the page, which keeps its address.
    let r = app
        .post_form(&format!("{desk_url}/notes"), &[("body", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains(&format!("/lang/en?next={}", urlencode(&desk_url))),
        "switching language comes back to the desk page"
    );
}

fn urlencode(s: &str) -> String {
    s.replace('/', "%2F")
}

/// A request the signed-in buyer sends from the blank form: the address of its page.
async fn buyer_request(app: &mut TestApp, title: &str, description: &str) -> String {
    app.sign_in(BUYER).await;
    let form = app.get("/yeu-cau/moi").await;
    let token = token_of(&form.body);
    let r = app
        .post_form(
            "/yeu-cau/moi",
            &[
                ("token", &token),
                ("kind", "linkage"),
                ("title", title),
                ("description", description),
                ("category", "mien-dong"),
            ],
        )
        .await;
    r.location().trim_end_matches("?sent=1").to_string()
}

#[tokio::test]
async fn a_buyer_withdraws_a_request_from_its_page() {
    let Desk { mut app, .. } = desk().await;
    let url = buyer_request(&mut app, "Cần 1 tấn miến dong", "Không cần nữa sau Tết.").await;
    let page = app.get(&url).await;
    assert!(
        page.body.contains(&format!("action=\"{url}/rut-lai\"")),
        "{}",
        page.body
    );
    let r = app.post_form(&format!("{url}/rut-lai"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{url}?done=withdrawn"));
    let page = app.get(r.location()).await;
    assert!(page.body.contains("Đã rút"), "{}", page.body);
    // Once withdrawn there is nothing left to withdraw: said on the page.
    let again = app.post_form(&format!("{url}/rut-lai"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test]
async fn forms_of_a_request_page_opened_before_each_action_had_its_address_still_work() {
    let Desk { mut app, a, .. } = desk().await;
    let (id, desk_url) = guest_request(&mut app).await;
    // The desk's single target, told the action in a field.
    for fields in [
        vec![("action", "transition"), ("to", "in_review")],
        vec![("action", "shortlist"), ("enterprise_id", &a.to_string())],
        vec![("action", "unshortlist"), ("enterprise_id", &a.to_string())],
        vec![("action", "note"), ("body", "Ghi chú từ trang cũ")],
    ] {
        let r = app.post_form(&desk_url, &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{fields:?}: {}", r.body);
        assert_eq!(r.location(), format!("{desk_url}?done=1"));
    }
    let page = app.get(&desk_url).await;
    assert!(page.body.contains("Ghi chú từ trang cũ"));
    let unknown = app.post_form(&desk_url, &[("action", "explode")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    // The requester's page, the same.
    app.sign_in(BUYER).await;
    let form = app.get("/yeu-cau/moi").await;
    let token = token_of(&form.body);
    let r = app
        .post_form(
            "/yeu-cau/moi",
            &[
                ("token", &token),
                ("kind", "linkage"),
                ("title", "Cần 300 kg miến dong"),
                ("description", "Cho bếp ăn tập thể."),
            ],
        )
        .await;
    let url = r.location().trim_end_matches("?sent=1").to_string();
    let r = app.post_form(&url, &[("action", "withdraw")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{url}?done=withdrawn"));
    assert_ne!(url, format!("/yeu-cau/{id}"));
}

#[tokio::test]
async fn the_requester_cannot_act_through_the_desks_addresses_and_nothing_changes() {
    let Desk { mut app, .. } = desk().await;
    let url = buyer_request(&mut app, "Cần 2 tấn miến dong", "Cho bếp ăn công ty.").await;
    let id = url
        .rsplit('/')
        .next()
        .expect("the request's id")
        .to_string();
    let before = app.get(&format!("/api/v1/requests/{id}")).await.body;
    for (action, fields) in [
        ("transition", vec![("to", "withdrawn")]),
        (
            "messages",
            vec![("body", "Cho tôi số điện thoại nhà sản xuất")],
        ),
    ] {
        let r = app
            .post_form(&format!("/staff/requests/{id}/{action}"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}: {}", r.body);
    }
    let after = app.get(&format!("/api/v1/requests/{id}")).await.body;
    assert_eq!(before, after, "a refused desk action changed the request");
    assert!(after.contains("\"submitted\""), "{after}");
}
