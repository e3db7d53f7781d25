//! Trade fairs through the real router: set-up by staff, QR codes that decode to the exact
//! URLs, attribution of scans, visits and requests to the fair, booth leads with their
//! permissions, results, and printed catalogues checked by their text.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use common::TestApp;
use common::desk::*;
use common::pdf::pdf_text;

const PUBLIC: &str = "https://ketnoi.example.vn";

struct Fair {
    desk: Desk,
    id: i64,
    slug: String,
}

async fn fair() -> Fair {
    let config = ketnoi::config::Config {
        public_url: Some(PUBLIC.into()),
        ..Default::default()
    };
    let mut desk = desk_with(TestApp::with_config(config).await).await;
    let app = &mut desk.app;
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            "/api/v1/fairs",
            json!({
                "name": "Hội chợ OCOP Thái Nguyên 2026",
                "starts_on": "2026-12-10",
                "ends_on": "14/12/2026",
                "venue": "Quảng trường 20/8",
                "province_code": THAI_NGUYEN,
                "organiser": "Sở Công Thương Thái Nguyên",
                "status": "open",
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    let slug = r.json()["slug"].as_str().expect("slug").to_string();
    for (enterprise, booth) in [(desk.b, "a10"), (desk.a, "A2")] {
        let r = app
            .post_json(
                &format!("/api/v1/fairs/{id}/exhibitors"),
                json!({"enterprise_id": enterprise, "booth": booth}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    app.clear_cookies();
    Fair { desk, id, slug }
}

/// Rebuilds the picture an SVG code draws (module squares) and decodes it.
fn decode_svg(svg: &str) -> String {
    let size: u32 = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("viewBox");
    let scale = 8;
    let mut img = image::GrayImage::from_pixel(size * scale, size * scale, image::Luma([255]));
    let path = svg.split(" d=\"").nth(1).expect("path");
    for cmd in path.split('M').skip(1) {
        let xy = cmd.split('h').next().expect("move");
        let (x, y) = xy.split_once(',').expect("x,y");
        let (x, y): (u32, u32) = (x.parse().expect("x"), y.parse().expect("y"));
        for dy in 0..scale {
            for dx in 0..scale {
                img.put_pixel(x * scale + dx, y * scale + dy, image::Luma([0]));
            }
        }
    }
    decode(img)
}

fn decode(img: image::GrayImage) -> String {
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one code in the picture");
    grids[0].decode().expect("decodes").1
}

#[tokio::test]
async fn qr_codes_decode_to_the_exact_urls() {
    let Fair { mut desk, id, slug } = fair().await;
    let app = &mut desk.app;
    let product_url = format!("{PUBLIC}/san-pham/mien-dong-con-minh?hoi-cho={slug}&qr=1");
    let booth_url = format!("{PUBLIC}/hoi-cho/{slug}/gian/A2?qr=1");

    let png = app
        .get(&format!(
            "/hoi-cho/{slug}/qr/san-pham-{}.png",
            desk.product_a
        ))
        .await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.headers[header::CONTENT_TYPE], "image/png");
    let img = image::load_from_memory(&png.bytes)
        .expect("a PNG")
        .to_luma8();
    assert_eq!(decode(img), product_url);

    let svg = app.get(&format!("/hoi-cho/{slug}/qr/gian-A2.svg")).await;
    assert_eq!(svg.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(decode_svg(&svg.body), booth_url);

    let api = app
        .get(&format!("/api/v1/fairs/{id}/qr?target=booth:a2&format=svg"))
        .await;
    assert_eq!(decode_svg(&api.body), booth_url);
    let other = app
        .get(&format!("/api/v1/fairs/{id}/qr?target=product:999999"))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_fair_page_lists_booths_in_order_and_filters() {
    let Fair { mut desk, id, slug } = fair().await;
    let app = &mut desk.app;
    let view = app.get(&format!("/api/v1/fairs/{id}")).await.json();
    let booths: Vec<&str> = view["exhibitors"]
        .as_array()
        .expect("exhibitors")
        .iter()
        .map(|x| x["booth"].as_str().expect("booth"))
        .collect();
    assert_eq!(booths, vec!["A2", "A10"], "A2 before A10");
    assert_eq!(
        view["exhibitors"][0]["products"][0]["name"],
        "Miến dong Côn Minh"
    );

    let page = app.get(&format!("/hoi-cho/{slug}")).await;
    assert!(
        page.body.contains("Gian A2 · HTX Côn Minh"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Miến dong Bắc Kạn"));
    let filtered = app.get(&format!("/hoi-cho/{slug}?q=bac%20kan")).await;
    assert!(filtered.body.contains("Miến dong Bắc Kạn"));
    assert!(!filtered.body.contains("Miến dong Côn Minh"));
    let tea = app.get(&format!("/hoi-cho/{slug}?danh-muc=che")).await;
    assert!(!tea.body.contains("Miến dong"), "nobody shows tea here");
}

#[tokio::test]
async fn scans_visits_and_requests_are_counted_for_the_fair() {
    let Fair { mut desk, id, slug } = fair().await;
    let (a, b) = (desk.a, desk.b);
    let app = &mut desk.app;

    // A buyer scans the product card, looks at the booth, then asks through the API.
    let scan = app
        .get(&format!("/san-pham/mien-dong-con-minh?hoi-cho={slug}&qr=1"))
        .await;
    assert_eq!(scan.status, StatusCode::OK);
    assert!(
        scan.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap_or_default().starts_with("ketnoi_fair=")),
        "the fair follows the buyer"
    );
    assert_eq!(
        app.get(&format!("/hoi-cho/{slug}/gian/A2")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/co-so/htx-con-minh").await.status, StatusCode::OK);
    let mut body = linkage();
    body["contact_name"] = json!("Anh Tùng");
    body["contact_phone"] = json!("0977 111 222");
    body["enterprise_id"] = json!(a);
    let r = app.post_json("/api/v1/requests", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // A request from someone who never scanned is not the fair's.
    app.clear_cookies();
    let mut other = linkage();
    other["contact_name"] = json!("Chị Mai");
    other["contact_phone"] = json!("0977 333 444");
    assert_eq!(
        app.post_json("/api/v1/requests", other).await.status,
        StatusCode::CREATED
    );

    // Leads at the booths.
    app.sign_in(PRODUCER_A).await;
    let lead = |booth: &str, phone: &str| {
        json!({"booth": booth, "contact_name": "Bà Hạnh", "contact_phone": phone,
               "organisation": "Siêu thị Hạnh Phúc", "product_ids": [], "quantity": "200", "note": "Hỏi giá sỉ"})
    };
    let send = |key: &str, body: &Value| {
        Request::post(format!("/api/v1/fairs/{id}/leads"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    let r = app.send(send("lead-1", &lead("A2", "0966 000 111"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let first = r.json();
    assert_eq!(first["source"], "fair");
    assert_eq!(first["enterprise"]["id"], a);
    assert!(
        first["title"]
            .as_str()
            .expect("title")
            .contains("Hội chợ OCOP Thái Nguyên 2026")
    );
    let again = app.send(send("lead-1", &lead("A2", "0966 000 111"))).await;
    assert_eq!(again.status, StatusCode::OK, "the same lead, sent twice");
    assert_eq!(again.json()["id"], first["id"]);
    let r = app.send(send("lead-2", &lead("A10", "0966 000 222"))).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "another enterprise's booth"
    );
    app.sign_in(BUYER).await;
    let r = app.send(send("lead-3", &lead("A2", "0966 000 333"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.clear_cookies();
    let r = app.send(send("lead-4", &lead("A2", "0966 000 444"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.sign_in(STAFF).await;
    let r = app.send(send("lead-5", &lead("A10", "0966 000 555"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "staff capture for any booth");
    let lead_b = r.json()["id"].as_i64().expect("id");
    assert_eq!(
        r.json()["requester"]["phone_verified"],
        true,
        "met in person"
    );

    // The desk closes B's lead with a deal.
    for (path, body) in [
        ("transition", json!({"to": "in_review"})),
        ("shortlist", json!({"enterprise_id": b})),
        ("forward", json!({})),
        (
            "close",
            json!({"result": "deal", "value_vnd": "300.000.000", "enterprise_id": b}),
        ),
    ] {
        let r = app
            .post_json(&format!("/api/v1/requests/{lead_b}/{path}"), body)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }

    let results = app.get(&format!("/api/v1/fairs/{id}/results")).await.json();
    let total = &results["total"];
    assert_eq!(total["scans"], 1, "{results}");
    assert_eq!(
        total["visits"], 2,
        "booth page and enterprise page after the scan"
    );
    assert_eq!(total["leads"], 2);
    assert_eq!(
        total["requests"], 3,
        "two leads and the scanned buyer's request"
    );
    assert_eq!(total["deals"], 1);
    assert_eq!(total["deal_value_vnd"], 300_000_000);
    let a2 = &results["exhibitors"][0];
    assert_eq!(a2["booth"], "A2");
    assert_eq!(a2["scans"], 1);
    assert_eq!(a2["requests"], 2);
    let a10 = &results["exhibitors"][1];
    assert_eq!(
        (a10["leads"].as_i64(), a10["deals"].as_i64()),
        (Some(1), Some(1))
    );

    let csv = app.get(&format!("/hoi-cho/{slug}/ket-qua.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.body.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Gian,Cơ sở,Lượt quét QR,Lượt xem trang,Khách ghi nhận tại gian,Yêu cầu,Giao dịch,Giá trị giao dịch (đồng)"
    );
    assert_eq!(
        lines[2],
        "\"A10\",\"HTX Miến dong Bắc Kạn\",0,0,1,1,1,300000000"
    );
    let book = app.get(&format!("/hoi-cho/{slug}/ket-qua.xlsx")).await;
    assert_eq!(book.status, StatusCode::OK);
    let sheet = &ketnoi::sheet::read(&book.bytes).expect("a workbook")[0];
    assert_eq!(sheet.rows[0][0], "Gian");
    assert_eq!(
        sheet.rows[2],
        [
            "A10",
            "HTX Miến dong Bắc Kạn",
            "0",
            "0",
            "1",
            "1",
            "1",
            "300000000"
        ]
    );
    let page = app.get(&format!("/hoi-cho/{slug}/ket-qua")).await;
    assert!(page.body.contains("300.000.000 ₫"), "{}", page.body);
}

#[tokio::test]
async fn only_staff_set_fairs_up() {
    let Fair { mut desk, id, .. } = fair().await;
    let a = desk.a;
    let app = &mut desk.app;
    for login in [Some(PRODUCER_A), Some(BUYER), None] {
        match login {
            Some(l) => app.sign_in(l).await,
            None => app.clear_cookies(),
        }
        let want = if login.is_some() { 403 } else { 401 };
        let r = app
            .post_json("/api/v1/fairs", json!({"name": "Hội chợ khác"}))
            .await;
        assert_eq!(r.status.as_u16(), want, "{login:?} create");
        let r = app
            .patch_json(&format!("/api/v1/fairs/{id}"), json!({"status": "closed"}))
            .await;
        assert_eq!(r.status.as_u16(), want, "{login:?} update");
        let r = app
            .post_json(
                &format!("/api/v1/fairs/{id}/exhibitors"),
                json!({"enterprise_id": a, "booth": "B1"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), want, "{login:?} exhibitor");
        assert_eq!(
            app.get(&format!("/api/v1/fairs/{id}/results"))
                .await
                .status
                .as_u16(),
            want
        );
    }
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/fairs/{id}/exhibitors"),
            json!({"enterprise_id": desk.c, "booth": "A2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "fair.booth_taken");
    let r = app
        .post_json(
            &format!("/api/v1/fairs/{id}/exhibitors"),
            json!({"enterprise_id": desk.c, "booth": "A 3"}),
        )
        .await;
    assert_eq!(r.error_code(), "fair.booth_invalid");
    let r = app
        .patch_json(&format!("/api/v1/fairs/{id}"), json!({"status": "closed"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "closed");
    assert_eq!(r.json()["venue"], "Quảng trường 20/8", "other fields kept");
}

#[tokio::test]
async fn the_printed_catalogue_has_every_exhibitor_and_product() {
    let Fair { mut desk, slug, .. } = fair().await;
    let app = &mut desk.app;
    // The browser version is public.
    let html = app.get(&format!("/hoi-cho/{slug}/in/catalogue")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("size:A4"));
    assert!(html.body.contains("<svg"), "QR codes drawn inline");

    // PDFs are for staff and exhibitors.
    assert_eq!(
        app.get(&format!("/hoi-cho/{slug}/pdf/catalogue"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.sign_in(BUYER).await;
    assert_eq!(
        app.get(&format!("/hoi-cho/{slug}/pdf/catalogue"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    if app.state.config.chromium.is_none() {
        assert!(std::env::var("CI").is_err(), "Chromium prints PDFs in CI");
        eprintln!("SKIPPED: PDF rendering (no Chromium)");
        return;
    }
    app.sign_in(STAFF).await;
    let pdf = app.get(&format!("/hoi-cho/{slug}/pdf/catalogue")).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let Some(text) = pdf_text(&pdf.bytes) else {
        return;
    };
    for expected in [
        "Hội chợ OCOP Thái Nguyên 2026",
        "10/12/2026 – 14/12/2026",
        "Gian A2 — HTX Côn Minh",
        "Gian A10 — HTX Miến dong Bắc Kạn",
        "Miến dong Côn Minh",
        "Miến dong Bắc Kạn",
        "80.000 – 120.000 ₫/kg",
        "OCOP ★★★★",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    app.sign_in(PRODUCER_A).await;
    let poster = app.get(&format!("/hoi-cho/{slug}/pdf/gian-A2")).await;
    assert_eq!(poster.status, StatusCode::OK);
    let text = pdf_text(&poster.bytes).unwrap_or_default();
    assert!(
        text.contains("Gian A2") && text.contains("HTX Côn Minh"),
        "{text}"
    );
    let card = app
        .get(&format!("/hoi-cho/{slug}/pdf/san-pham-{}", desk.product_a))
        .await;
    assert_eq!(card.status, StatusCode::OK);
    let text = pdf_text(&card.bytes).unwrap_or_default();
    assert!(
        text.contains("Miến dong Côn Minh") && text.contains("Gian A2"),
        "{text}"
    );
}

#[tokio::test]
async fn booth_leads_work_as_a_plain_form_too() {
    let Fair { mut desk, slug, .. } = fair().await;
    let app = &mut desk.app;
    app.sign_in(PRODUCER_A).await;
    let dashboard = app.get("/dashboard").await;
    assert!(
        dashboard
            .body
            .contains(&format!("/hoi-cho/{slug}/khach-hang")),
        "the exhibitor finds where to record buyers"
    );
    let page = app.get(&format!("/hoi-cho/{slug}/khach-hang")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("A2 · HTX Côn Minh"));
    assert!(
        !page.body.contains("A10 ·"),
        "only the exhibitor's own booth"
    );
    let at = page.body.find("name=\"token\" value=\"").expect("token") + 20;
    let token = page.body[at..at + 64].to_string();
    let pid = desk.product_a.to_string();
    let fields = [
        ("token", token.as_str()),
        ("booth", "A2"),
        ("contact_name", "Ông Bình"),
        ("contact_phone", "0912 888 999"),
        ("product_ids", pid.as_str()),
        ("quantity", "500"),
    ];
    for _ in 0..2 {
        let r = app
            .post_form(&format!("/hoi-cho/{slug}/khach-hang"), &fields)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let bad = app
        .post_form(
            &format!("/hoi-cho/{slug}/khach-hang"),
            &[
                ("token", "t-2"),
                ("booth", "A2"),
                ("contact_name", "Ông Bình"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Vui lòng để lại số điện thoại"));
    app.sign_in(STAFF).await;
    let list = app.get("/api/v1/requests?status=").await.json();
    assert_eq!(list["total"], 1, "one lead from one form: {list}");
    assert_eq!(list["items"][0]["source"], "fair");
    assert_eq!(list["items"][0]["quantity"], 500);
    let id = list["items"][0]["id"].as_i64().expect("id");
    let view = app.get(&format!("/api/v1/requests/{id}")).await.json();
    assert_eq!(view["fair"]["name"], "Hội chợ OCOP Thái Nguyên 2026");
    assert_eq!(view["requester"]["name"], "Ông Bình");
    let desk = app.get(&format!("/staff/requests/{id}")).await;
    assert!(
        desk.body.contains("Hội chợ OCOP Thái Nguyên 2026"),
        "{}",
        desk.body
    );
}

#[tokio::test]
async fn staff_move_booths_change_what_is_shown_and_remove_exhibitors() {
    let Fair { mut desk, id, slug } = fair().await;
    let product_a = desk.product_a;
    let app = &mut desk.app;
    app.sign_in(STAFF).await;
    let view = app.get(&format!("/api/v1/fairs/{id}")).await.json();
    let b_id = view["exhibitors"][1]["id"].as_i64().expect("A10's id");
    let a_id = view["exhibitors"][0]["id"].as_i64().expect("A2's id");

    // A10 moves to A1 (so it now comes first), A2 shows nothing for now.
    let r = app
        .patch_json(
            &format!("/api/v1/fairs/{id}/exhibitors/{b_id}"),
            json!({"booth": "a1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["exhibitors"][0]["booth"], "A1");
    let r = app
        .patch_json(
            &format!("/api/v1/fairs/{id}/exhibitors/{a_id}"),
            json!({"booth": "A1"}),
        )
        .await;
    assert_eq!(r.error_code(), "fair.booth_taken");
    let r = app
        .patch_json(
            &format!("/api/v1/fairs/{id}/exhibitors/{a_id}"),
            json!({"product_ids": []}),
        )
        .await;
    assert_eq!(r.json()["exhibitors"][1]["products"], json!([]));
    let r = app
        .patch_json(
            &format!("/api/v1/fairs/{id}/exhibitors/{a_id}"),
            json!({"product_ids": [999_999]}),
        )
        .await;
    assert_eq!(r.error_code(), "fair.product_not_shown");

    // Through the staff page: show the product again, then take A10 (now A1) off the fair.
    let url = format!("/staff/fairs/{id}");
    let page = app.get(&url).await;
    assert!(page.body.contains("Miến dong Côn Minh"), "offered products");
    let (a_id, b_id, pid) = (a_id.to_string(), b_id.to_string(), product_a.to_string());
    let (edit, remove) = (
        format!("{url}/exhibitors/{a_id}"),
        format!("{url}/exhibitors/{b_id}/delete"),
    );
    for target in [&edit, &remove] {
        assert!(
            page.body.contains(&format!("action=\"{target}\"")),
            "{target}"
        );
    }
    let r = app
        .post_form(&edit, &[("booth", "A2"), ("product_ids", &pid)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), url);
    let r = app.post_form(&remove, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let view = app.get(&format!("/api/v1/fairs/{id}")).await.json();
    assert_eq!(view["exhibitors"].as_array().expect("list").len(), 1);
    assert_eq!(view["exhibitors"][0]["products"][0]["id"], product_a);
    assert_eq!(
        app.get(&format!("/hoi-cho/{slug}/gian/A1")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .delete(&format!("/api/v1/fairs/{id}/exhibitors/{b_id}"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "already gone");
}

#[tokio::test]
async fn staff_create_a_fair_with_the_form_and_are_told_what_is_wrong() {
    let mut desk = desk().await;
    let app = &mut desk.app;
    app.sign_in(STAFF).await;
    assert_eq!(app.get("/staff/fairs/new").await.status, StatusCode::OK);
    let mut fields = vec![
        ("name", "Hội chợ Xúc tiến thương mại vùng Việt Bắc"),
        ("starts_on", "2027-03-05"),
        ("ends_on", "2027-03-01"),
        ("venue", "Nhà thi đấu tỉnh"),
        ("province_code", "19"),
        ("organiser", "Trung tâm Khuyến công"),
    ];
    let bad = app.post_form("/staff/fairs/new", &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Ngày kết thúc phải sau ngày bắt đầu."),
        "{}",
        bad.body
    );
    fields[2] = ("ends_on", "2027-03-08");
    let r = app.post_form("/staff/fairs/new", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location()).await;
    assert!(
        page.body
            .contains("Hội chợ Xúc tiến thương mại vùng Việt Bắc")
    );
    let list = app.get("/api/v1/fairs").await.json();
    assert_eq!(list[0]["slug"], "hoi-cho-xuc-tien-thuong-mai-vung-viet-bac");

    // Edited from its page: a wrong date is explained with the values kept, then saved.
    let url = r.location().to_string();
    let edit = format!("{url}/edit");
    assert!(
        page.body.contains(&format!("action=\"{edit}\"")),
        "{}",
        page.body
    );
    fields[0] = ("name", "Hội chợ vùng Việt Bắc 2027");
    fields[2] = ("ends_on", "2027-03-01");
    let bad = app.post_form(&edit, &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Ngày kết thúc phải sau ngày bắt đầu."));
    assert!(bad.body.contains("value=\"Hội chợ vùng Việt Bắc 2027\""));
    fields[2] = ("ends_on", "2027-03-09");
    let r = app.post_form(&edit, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), url);
    let page = app.get(&url).await;
    assert!(page.body.contains("value=\"2027-03-09\""), "{}", page.body);

    // An exhibitor added from the page; a booth without an enterprise is refused there.
    let add = format!("{url}/exhibitors");
    assert!(page.body.contains(&format!("action=\"{add}\"")));
    let bad = app.post_form(&add, &[("booth", "B7")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("value=\"B7\""), "the booth is kept");
    let a = desk.a.to_string();
    let r = app
        .post_form(&add, &[("enterprise_id", &a), ("booth", "B7")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = url.trim_start_matches("/staff/fairs/");
    let view = app.get(&format!("/api/v1/fairs/{id}")).await.json();
    assert_eq!(view["name"], "Hội chợ vùng Việt Bắc 2027");
    assert_eq!(view["exhibitors"][0]["booth"], "B7");

    // The page's earlier single target still takes each action by name.
    let x = view["exhibitors"][0]["id"].to_string();
    let r = app
        .post_form(
            &url,
            &[
                ("action", "update_exhibitor"),
                ("exhibitor_id", &x),
                ("booth", "B8"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post_form(
            &url,
            &[("action", "remove_exhibitor"), ("exhibitor_id", &x)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let view = app.get(&format!("/api/v1/fairs/{id}")).await.json();
    assert_eq!(view["exhibitors"], json!([]));
    app.sign_in(BUYER).await;
    assert_eq!(
        app.get("/staff/fairs/new").await.status,
        StatusCode::FORBIDDEN
    );
}

/// Results of the fair, as staff read them; leaves the app signed in as staff.
async fn results_of(app: &mut TestApp, id: i64) -> Value {
    app.sign_in(STAFF).await;
    let r = app.get(&format!("/api/v1/fairs/{id}/results")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn hits(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    ketnoi::db::entities::fair_hit::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

/// A request sent the way a person would, with exactly this `Cookie` header.
fn request_with_cookie(cookie: &str, phone: &str) -> Request<Body> {
    let mut body = linkage();
    body["contact_name"] = json!("Anh Tùng");
    body["contact_phone"] = json!(phone);
    Request::post("/api/v1/requests")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_string()))
        .expect("request")
}

#[tokio::test]
async fn a_forged_fair_cookie_counts_nothing_and_claims_no_request() {
    let Fair { mut desk, id, slug } = fair().await;
    let app = &mut desk.app;
    // What the cookie used to hold (the fair's slug), and a token the server never gave.
    let forged = [
        format!("ketnoi_fair={slug}"),
        format!("ketnoi_fair={}", "ab".repeat(32)),
    ];
    for (i, cookie) in forged.iter().enumerate() {
        for path in [
            "/san-pham/mien-dong-con-minh",
            "/san-pham/mien-dong-con-minh?qr=1",
            "/co-so/htx-con-minh",
        ] {
            app.clear_cookies();
            let r = app.get_with(path, &[("cookie", cookie)]).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
        }
        app.clear_cookies();
        let r = app
            .send(request_with_cookie(cookie, &format!("0977 111 22{i}")))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    assert_eq!(hits(app).await, 0, "no scan or visit was written");
    let results = results_of(app, id).await;
    assert_eq!(
        (
            &results["total"]["scans"],
            &results["total"]["visits"],
            &results["total"]["requests"]
        ),
        (&json!(0), &json!(0), &json!(0)),
        "{results}"
    );
    let list = app.get("/api/v1/requests?status=").await.json();
    assert_eq!(list["total"], 2);
    for item in list["items"].as_array().expect("items") {
        let view = app
            .get(&format!("/api/v1/requests/{}", item["id"]))
            .await
            .json();
        assert_eq!(view["fair"], Value::Null, "not the fair's: {view}");
    }
}

#[tokio::test]
async fn each_browser_counts_a_scan_and_a_page_once() {
    use sea_orm::EntityTrait;
    let Fair { mut desk, id, slug } = fair().await;
    let app = &mut desk.app;
    let scan = format!("/san-pham/mien-dong-con-minh?hoi-cho={slug}&qr=1");
    // A buyer's phone: the card scanned, then reloaded four times; the booth page twice.
    let first = app.get(&scan).await;
    let token = app
        .cookie_header()
        .split("; ")
        .find_map(|c| c.strip_prefix("ketnoi_fair="))
        .expect("a fair cookie")
        .to_string();
    let set = first
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ketnoi_fair="))
        .expect("set on the scan")
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    assert_eq!(token.len(), 64, "an opaque token: {token}");
    assert!(!token.contains(&slug));
    for _ in 0..4 {
        let again = app.get(&scan).await;
        assert_eq!(again.status, StatusCode::OK);
        assert!(
            again.headers.get(header::SET_COOKIE).is_none()
                || !again
                    .headers
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .any(|c| c.to_str().unwrap_or_default().starts_with("ketnoi_fair=")),
            "the same token is kept"
        );
    }
    for _ in 0..2 {
        app.get(&format!("/hoi-cho/{slug}/gian/A2")).await;
    }
    // The server keeps only the token's hash.
    let visitors = ketnoi::db::entities::fair_visitor::Entity::find()
        .all(&app.db)
        .await
        .expect("visitors");
    assert_eq!(visitors.len(), 1);
    assert_eq!(
        visitors[0].token_hash,
        ketnoi::media::sha256_hex(token.as_bytes())
    );
    assert_ne!(visitors[0].token_hash, token);

    // A second phone scans the same card once.
    app.clear_cookies();
    app.get(&scan).await;
    let results = results_of(app, id).await;
    assert_eq!(results["total"]["scans"], 2, "{results}");
    assert_eq!(results["total"]["visits"], 1, "{results}");
    assert_eq!(results["exhibitors"][0]["scans"], 2);
}

#[tokio::test]
async fn a_script_that_drops_its_cookie_is_held_back_per_address() {
    let Fair { mut desk, id, slug } = fair().await;
    let app = &mut desk.app;
    let scan = format!("/san-pham/mien-dong-con-minh?hoi-cho={slug}&qr=1");
    let get = |path: &str| Request::get(path).body(Body::empty()).expect("request");
    for _ in 0..30 {
        app.clear_cookies();
        let r = app.send_from("198.51.100.20:40000", get(&scan)).await;
        assert_eq!(r.status, StatusCode::OK, "the page is shown all the same");
    }
    // Someone else at another address is counted as usual.
    app.clear_cookies();
    app.send_from("203.0.113.5:40000", get(&scan)).await;
    let results = results_of(app, id).await;
    assert_eq!(results["total"]["scans"], 21, "{results}");
}

#[tokio::test]
async fn csv_cells_that_a_spreadsheet_would_run_stay_text() {
    let Fair { mut desk, id, slug } = fair().await;
    let app = &mut desk.app;
    let (_, evil) = app
        .producer_with_enterprise("0912000099", "=HYPERLINK(\"http://evil.example\")")
        .await;
    let (_, other) = app
        .producer_with_enterprise("0912000098", "@Cơ sở\tnông sản")
        .await;
    app.sign_in(STAFF).await;
    for (enterprise, booth) in [(evil, "B1"), (other, "-C1")] {
        let r = app
            .post_json(
                &format!("/api/v1/fairs/{id}/exhibitors"),
                json!({"enterprise_id": enterprise, "booth": booth}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let csv = app.get(&format!("/hoi-cho/{slug}/ket-qua.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.body.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(&"\"B1\",\"'=HYPERLINK(\"\"http://evil.example\"\")\",0,0,0,0,0,0"),
        "{text}"
    );
    assert!(
        lines.contains(&"\"'-C1\",\"'@Cơ sở nông sản\",0,0,0,0,0,0"),
        "{text}"
    );
    assert!(
        lines.contains(&"\"A2\",\"HTX Côn Minh\",0,0,0,0,0,0"),
        "ordinary names are left alone: {text}"
    );
}
