//! The server-rendered pages through the real router: forms, language, vetting by staff.

mod common;

use axum::http::StatusCode;
use common::{NA_RI, TestApp};

/// Registers a producer through the form and creates an enterprise and a submitted product.
async fn producer_flow(app: &mut TestApp) -> String {
    let r = app
        .post_form(
            "/dang-ky",
            &[
                ("full_name", "Hoàng Văn Minh"),
                ("login", "0912 345 678"),
                ("password", "mat-khau-123"),
                ("role", "producer"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dashboard");
    let dash = app.get("/dashboard").await;
    assert!(dash.body.contains("Hoàng Văn Minh"));

    let commune = NA_RI.to_string();
    let mut fields = vec![
        ("name", "Hợp tác xã Miến dong Côn Minh"),
        ("legal_form", "cooperative"),
        ("tax_code", "0100047517"),
        ("province_code", "19"),
        ("commune_code", commune.as_str()),
        ("phone", "0912.345.678"),
        ("certifications", "food_safety"),
        ("certifications", "vietgap"),
    ];
    let bad = app.post_form("/dashboard/enterprises/new", &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("chữ số kiểm tra"),
        "the tax code error is explained"
    );
    assert!(
        bad.body.contains("value=\"Hợp tác xã Miến dong Côn Minh\""),
        "typed values are kept"
    );
    assert!(
        bad.body.contains("value=\"vietgap\" checked"),
        "checked boxes stay checked"
    );
    fields[2] = ("tax_code", "0100047516");
    // Without scripts the province can change after the commune was picked: asked, not guessed.
    fields[3] = ("province_code", "1");
    let mismatch = app.post_form("/dashboard/enterprises/new", &fields).await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("không thuộc tỉnh đã chọn"));
    fields[3] = ("province_code", "19");
    let ok = app.post_form("/dashboard/enterprises/new", &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let new_product = ok.location().to_string();
    assert!(new_product.starts_with("/dashboard/products/new?enterprise="));
    let enterprise_id = new_product
        .split("enterprise=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("the redirect names the enterprise")
        .to_string();
    let form = app.get(&new_product).await;
    assert!(form.body.contains("Đã lưu thông tin cơ sở."));

    let product = [
        ("enterprise_id", enterprise_id.as_str()),
        ("name", "Miến dong Na Rì"),
        ("category", "mien-dong"),
        ("packaging_status", "basic"),
        ("trademark_status", "unregistered"),
        ("unit", "kg"),
        ("price_min_vnd", "80.000"),
        ("price_max_vnd", "120.000 ₫"),
        ("season_months", "10"),
        ("season_months", "11"),
        ("description", "Miến dong phơi nắng."),
    ];
    // "Save and send" posts to its own address.
    assert!(
        form.body
            .contains("formaction=\"/dashboard/products/new/submit\""),
        "{}",
        form.body
    );
    let created = app
        .post_form("/dashboard/products/new/submit", &product)
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location().to_string();
    let dash = app.get(&location).await;
    assert!(dash.body.contains("Đã gửi sản phẩm cho Trung tâm duyệt."));
    assert!(dash.body.contains("Đang chờ duyệt"));
    // A form left open from before names its button in `action`, at the form's address.
    let mut older = product.to_vec();
    older[1] = ("name", "Miến dong loại hai");
    older.push(("action", "submit"));
    let sent = app.post_form("/dashboard/products/new", &older).await;
    assert_eq!(sent.location(), "/dashboard?done=product_submitted");
    enterprise_id
}

#[tokio::test]
async fn producer_publishes_through_the_forms_and_staff_approve() {
    let mut app = TestApp::new().await;
    producer_flow(&mut app).await;

    // Not public yet.
    app.clear_cookies();
    assert_eq!(
        app.get("/san-pham/mien-dong-na-ri").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!app.get("/").await.body.contains("Miến dong Na Rì"));

    app.sign_in_new("staff", "canbo@example.vn").await;
    let queue = app.get("/staff/review").await;
    assert!(queue.body.contains("Miến dong Na Rì"));
    let id = queue
        .body
        .split("/staff/review/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let review = app.get(&format!("/staff/review/{id}")).await;
    assert_eq!(review.status, StatusCode::OK);
    // The form names the version on the page.
    let version = review
        .body
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the review form carries the version")
        .to_string();
    // Each button posts to its own address.
    let (approve, reject) = (
        format!("/staff/review/{id}/approve"),
        format!("/staff/review/{id}/reject"),
    );
    for target in [&approve, &reject] {
        assert!(
            review.body.contains(&format!("formaction=\"{target}\"")),
            "{target}: {}",
            review.body
        );
    }
    let no_reason = app
        .post_form(&reject, &[("reason", ""), ("version", &version)])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Vui lòng ghi lý do"));
    // The form's earlier single target still decides by the button's name.
    let no_reason = app
        .post_form(
            &format!("/staff/review/{id}"),
            &[
                ("decision", "reject"),
                ("reason", ""),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Vui lòng ghi lý do"));
    let approved = app.post_form(&approve, &[("version", &version)]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(approved.location(), "/staff/review?done=approved");

    app.clear_cookies();
    let home = app.get("/").await;
    assert!(home.body.contains("Miến dong Na Rì"));
    let page = app.get("/san-pham/mien-dong-na-ri").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("80.000 – 120.000 ₫/kg"));
    assert!(
        page.body
            .contains(r#"<meta property="og:title" content="Miến dong Na Rì">"#)
    );
    assert!(page.body.contains("Tháng 10, 11"));
    let enterprise = app.get("/co-so/hop-tac-xa-mien-dong-con-minh").await;
    assert_eq!(enterprise.status, StatusCode::OK);
    assert!(enterprise.body.contains("Xã Na Rì, Thái Nguyên"));
    assert!(enterprise.body.contains("og:description"));
    let browse = app
        .get("/san-pham?category=che-bien-nong-lam-san&province=19")
        .await;
    assert!(browse.body.contains("Miến dong Na Rì"));
    let elsewhere = app.get("/san-pham?province=1").await;
    assert!(!elsewhere.body.contains("Miến dong Na Rì"));
}

#[tokio::test]
async fn forms_without_their_token_or_from_another_site_are_refused() {
    let mut app = TestApp::new().await;
    app.csrf().await;
    let forged = app
        .post_raw_form(
            "/dang-ky",
            "full_name=Ai&login=a%40b.vn&password=mat-khau-123&role=buyer".into(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("Biểu mẫu đã hết hạn"));
    // Nothing was created: the same login registers fine afterwards.
    let token = app.csrf().await;
    let cross_site = axum::http::Request::post("/dang-ky")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(format!(
            "csrf={token}&full_name=Ai+%C4%91%C3%B3&login=a%40b.vn&password=mat-khau-123&role=buyer"
        )))
        .unwrap();
    assert_eq!(app.send(cross_site).await.status, StatusCode::FORBIDDEN);
    let evil_origin = axum::http::Request::post("/api/v1/auth/logout")
        .header("origin", "https://evil.example")
        .header("host", "ketnoi.example")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(evil_origin).await.status, StatusCode::FORBIDDEN);
    let ok = app
        .post_form(
            "/dang-ky",
            &[
                ("full_name", "Ai đó"),
                ("login", "a@b.vn"),
                ("password", "mat-khau-123"),
                ("role", "buyer"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

#[tokio::test]
async fn the_language_switch_sticks() {
    let mut app = TestApp::new().await;
    assert!(app.get("/").await.body.contains("<html lang=\"vi\">"));
    let switch = app.get("/lang/en?next=/san-pham").await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.location(), "/san-pham");
    let page = app.get("/").await;
    assert!(page.body.contains("<html lang=\"en\">"));
    assert!(page.body.contains("Arrowroot vermicelli"));
    assert!(page.body.contains("Tiếng Việt"));
    // Never redirect off-site.
    assert_eq!(
        app.get("/lang/vi?next=//evil.example").await.location(),
        "/"
    );
    assert!(app.get("/").await.body.contains("Miến dong"));
}

#[tokio::test]
async fn sign_in_page_explains_mistakes() {
    let mut app = TestApp::new().await;
    app.sign_in_new("producer", "p@example.vn").await;
    app.clear_cookies();
    let wrong = app
        .post_form(
            "/dang-nhap",
            &[("login", "p@example.vn"), ("password", "sai-mat-khau")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("mật khẩu không đúng"));
    assert!(wrong.body.contains("value=\"p@example.vn\""));
    let right = app
        .post_form(
            "/dang-nhap",
            &[("login", "p@example.vn"), ("password", "mat-khau-123")],
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(right.location(), "/dashboard");
    let out = app.post_form("/dang-xuat", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/dashboard").await.location(),
        "/dang-nhap?next=%2Fdashboard"
    );
}

#[tokio::test]
async fn a_page_that_needs_a_sign_in_brings_the_visitor_back_to_it() {
    let mut app = TestApp::new().await;
    app.sign_in_new("staff", "canbo@example.vn").await;
    app.clear_cookies();
    let asked = app.get("/staff/requests?status=new").await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        asked.location(),
        "/dang-nhap?next=%2Fstaff%2Frequests%3Fstatus%3Dnew"
    );
    let form = app.get(asked.location()).await;
    assert!(
        form.body
            .contains("name=\"next\" value=\"/staff/requests?status=new\""),
        "{}",
        form.body
    );
    let signed_in = app
        .post_form(
            "/dang-nhap",
            &[
                ("login", "canbo@example.vn"),
                ("password", "mat-khau-123"),
                ("next", "/staff/requests?status=new"),
            ],
        )
        .await;
    assert_eq!(signed_in.location(), "/staff/requests?status=new");
    // Never to another site, whatever the link says.
    app.clear_cookies();
    let r = app
        .post_form(
            "/dang-nhap",
            &[
                ("login", "canbo@example.vn"),
                ("password", "mat-khau-123"),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/dashboard");
}

#[tokio::test]
async fn an_error_page_keeps_the_signed_in_header() {
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "mua@example.vn").await;
    let missing = app.get("/san-pham/khong-co-san-pham-nay").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Không tìm thấy"), "{}", missing.body);
    assert!(missing.body.contains("action=\"/dang-xuat\""));
    assert!(missing.body.contains("href=\"/tai-khoan\""));
    assert!(!missing.body.contains("href=\"/dang-nhap\""));
    // A producer refused a staff page sees the refusal under their own header.
    app.sign_in_new("producer", "p@example.vn").await;
    let refused = app.get("/staff/requests").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("action=\"/dang-xuat\""));
    app.clear_cookies();
    let missing = app.get("/san-pham/khong-co-san-pham-nay").await;
    assert!(missing.body.contains("href=\"/dang-nhap\""));
}

#[tokio::test]
async fn staff_create_a_producer_and_enterprise_in_one_form() {
    let mut app = TestApp::new().await;
    app.sign_in_new("staff", "canbo@example.vn").await;
    let commune = NA_RI.to_string();
    let base = [
        ("producer_name", "Triệu Thị Lan"),
        ("producer_login", "0978111222"),
        ("producer_password", "mat-khau-123"),
        ("name", "Hộ kinh doanh Mật ong Ba Bể"),
        ("legal_form", "household_business"),
        ("province_code", "19"),
        ("commune_code", commune.as_str()),
        ("phone", "0978111222"),
    ];
    // A mistake in the enterprise leaves no account behind.
    let mut bad = base.to_vec();
    bad[7] = ("phone", "12");
    let r = app.post_form("/staff/producers/new", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Số điện thoại không đúng"));
    let r = app.post_form("/staff/producers/new", &base).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    app.sign_in("0978111222").await;
    let dash = app.get("/dashboard").await;
    assert!(dash.body.contains("Hộ kinh doanh Mật ong Ba Bể"));
    let audit = {
        app.sign_in("canbo@example.vn").await;
        app.get("/staff/audit").await
    };
    assert!(audit.body.contains("Tạo tài khoản"));
    assert!(audit.body.contains("Tạo cơ sở"));
}

#[tokio::test]
async fn unknown_pages_and_forbidden_pages_say_so() {
    let mut app = TestApp::new().await;
    let missing = app.get("/san-pham/khong-co").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Không tìm thấy"));
    app.sign_in_new("buyer", "b@example.vn").await;
    let staff = app.get("/staff/review").await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN);
    let css = app.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
}

#[tokio::test]
async fn every_asset_a_template_names_is_served() {
    let mut app = common::TestApp::new().await;
    let mut named = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from("frontend/templates")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("templates") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a template");
            for piece in text.split("ctx.asset(\"").skip(1) {
                if let Some(name) = piece.split('"').next() {
                    named.push(name.to_string());
                }
            }
        }
    }
    named.sort();
    named.dedup();
    assert!(named.len() >= 4, "{named:?}");
    for name in named {
        let r = app.get(&ketnoi::http::statics::asset_url(&name)).await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{name}");
    }
}
