//! Support programme pages through the router, as a browser without script uses them: the
//! year's plan, a programme's page and its forms (a mistake shown on the page, nothing
//! saved), the survey form sent twice and kept once, candidates added to a programme, the
//! proposal printed, a producer's own support and the public list.

mod common;

use axum::http::{StatusCode, header};

use common::pdf::pdf_text;
use common::programmes::*;
use common::{TestApp, images};

fn today(app: &TestApp) -> String {
    app.state.clock.today().format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn staff_see_the_years_plan_and_others_do_not() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-90").await;
    let app = &mut world.app;
    let r = app.get("/staff/programmes?year=2026").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for expected in [
        "Kế hoạch khuyến công 2026",
        "KC-2026-90",
        "Khuyến công địa phương",
        "150 triệu đồng",
        &format!("/staff/programmes/{id}"),
    ] {
        assert!(r.body.contains(expected), "{expected} missing");
    }
    // Only an administrator sets the funds.
    assert!(!r.body.contains("/staff/programmes/plan/2026/budget"));
    app.sign_in(ADMIN).await;
    let r = app
        .post_form(
            "/staff/programmes/plan/2026/budget",
            &[
                ("national_vnd", "0"),
                ("provincial_vnd", "1.290.000.000"),
                ("other_vnd", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.get("/staff/programmes?year=2026").await;
    assert!(r.body.contains("1,29 tỷ đồng"), "the fund in billions");
    let r = app
        .post_form(
            "/staff/programmes/plan/2026/limits/machinery",
            &[("max_budget_vnd", ""), ("counterpart_percent", "150")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("role=\"alert\""));

    for who in [BUYER, PRODUCER] {
        app.sign_in(who).await;
        assert_eq!(
            app.get("/staff/programmes").await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            app.get(&format!("/staff/programmes/{id}")).await.status,
            StatusCode::FORBIDDEN
        );
    }
    app.clear_cookies();
    let r = app.get(&format!("/staff/programmes/{id}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/dang-nhap"));
}

#[tokio::test]
async fn a_programme_is_proposed_completed_and_moved_through_its_page() {
    let mut world = world().await;
    let cooperative = world.enterprise(COOPERATIVE);
    let app = &mut world.app;
    app.sign_in(STAFF).await;
    check_tax_code(app, cooperative, "0100047516").await;
    let r = app.get("/staff/programmes/new").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post_form(
            "/staff/programmes/new",
            &[
                ("code", "KC-2026-91"),
                ("title", "Hỗ trợ thiết kế bao bì miến dong Côn Minh"),
                ("kind", "packaging"),
                ("funding_source", "provincial"),
                ("year", "2026"),
                ("commune_codes", "2155"),
                ("proposed_vnd", "40.000.000"),
                ("description", "Thiết kế bao bì 500 g và 1 kg."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = r.location().to_string();
    let id: i64 = page
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("an id");
    let r = app.get(&page).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Còn thiếu trước khi thẩm định"),
        "the gaps are said"
    );
    assert!(
        r.body
            .contains("Chưa có cơ sở thụ hưởng nào cam kết tham gia.")
    );

    // A beneficiary without what it gets: the page says so, and nothing is saved.
    let before = app.snapshot().await;
    let r = app
        .post_form(
            &format!("/staff/programmes/{id}/beneficiaries"),
            &[("enterprise_id", &cooperative.to_string()), ("support", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("<details id=\"add-beneficiary\" open>"),
        "the failed form is open"
    );
    assert_eq!(app.snapshot().await, before);

    let r = app
        .post_form(
            &format!("/staff/programmes/{id}/beneficiaries"),
            &[
                ("enterprise_id", &cooperative.to_string()),
                ("support", "Thiết kế bao bì cho 2 sản phẩm"),
                ("support_vnd", "40.000.000"),
                ("contribution_vnd", "20.000.000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let items = [
        "application",
        "business_registration",
        "design_brief",
        "product_samples",
        "counterpart_commitment",
        "cost_estimate",
    ];
    let fields: Vec<(&str, &str)> = items.iter().map(|i| ("items", *i)).collect();
    let r = app
        .post_form(&format!("/staff/programmes/{id}/checklist"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.get(&page).await;
    assert!(
        r.body.contains("Hồ sơ đủ điều kiện để thẩm định."),
        "{}",
        r.body
    );
    for step in [
        vec![("to", "appraised")],
        vec![
            ("to", "approved"),
            ("decision_number", "88/QĐ-TTKC"),
            ("decided_on", "2026-04-02"),
            ("budget_vnd", "40.000.000"),
        ],
        vec![("to", "in_progress")],
    ] {
        let r = app
            .post_form(&format!("/staff/programmes/{id}/moves"), &step)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{step:?}: {}", r.body);
    }
    // Paying more than approved is refused on the page.
    let r = app
        .post_form(
            &format!("/staff/programmes/{id}/disbursements"),
            &[
                ("paid_on", &today(app)),
                ("amount_vnd", "40.000.001"),
                ("purpose", "Thanh toán thiết kế"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Số tiền này vượt kinh phí được phê duyệt của đề án.")
    );
    let (csrf, day) = (app.csrf().await, today(app));
    let r = app
        .multipart(
            "POST",
            &format!("/staff/programmes/{id}/visits?csrf={csrf}"),
            &[
                ("visited_on", &day),
                ("notes", "Đã duyệt mẫu bao bì lần 1."),
            ],
            &[(
                "file",
                "mau.jpg",
                &images::phone_jpeg(320, 240, [1, 2, 3], [200, 100, 50]),
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.get(&page).await;
    assert!(r.body.contains("Đã duyệt mẫu bao bì lần 1."));
    assert!(r.body.contains("Đang thực hiện"));
    assert!(
        r.body.contains("Chuyển bước: Đang thực hiện"),
        "the timeline names the move"
    );

    // The proposal prints for the file.
    let r = app.get(&format!("/staff/programmes/{id}/print")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Đề xuất đề án khuyến công") && r.body.contains("KC-2026-91"));
    if app.state.config.chromium.is_none() {
        assert!(std::env::var("CI").is_err(), "Chromium prints PDFs in CI");
        eprintln!("SKIPPED: the proposal's PDF (no Chromium)");
        return;
    }
    let pdf = app
        .get(&format!("/staff/programmes/{id}/proposal.pdf"))
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    if let Some(text) = pdf_text(&pdf.bytes) {
        for expected in [
            "ĐỀ XUẤT ĐỀ ÁN KHUYẾN CÔNG",
            "KC-2026-91",
            COOPERATIVE,
            "40.000.000 ₫",
        ] {
            assert!(
                text.to_uppercase().contains(&expected.to_uppercase()),
                "{expected:?} missing from: {text}"
            );
        }
    }
}

#[tokio::test]
async fn a_survey_form_sent_twice_keeps_one_survey_and_starts_a_proposal() {
    let mut world = world().await;
    let other = world.enterprise(OTHER);
    let app = &mut world.app;
    app.sign_in(STAFF).await;
    let r = app.get("/staff/surveys/new").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("survey-capture.js"));
    let key = r
        .body
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the form's key")
        .to_string();
    let csrf = app.csrf().await;
    let day = today(app);
    let fields = [
        ("key", key.as_str()),
        ("enterprise_id", &other.to_string()),
        ("visited_on", day.as_str()),
        ("met", "Bà Lan, chủ nhiệm HTX"),
        ("makes", "Chè Shan tuyết"),
        ("output", "2 tấn/năm"),
        ("need_machinery", "on"),
        ("need_trademark", "on"),
    ];
    let photo = images::png(32, 32, [10, 200, 10]);
    let first = app
        .multipart(
            "POST",
            &format!("/staff/surveys/new?csrf={csrf}"),
            &fields,
            &[("file", "doi-che.png", &photo)],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let again = app
        .multipart(
            "POST",
            &format!("/staff/surveys/new?csrf={csrf}"),
            &fields,
            &[("file", "doi-che.png", &photo)],
        )
        .await;
    assert_eq!(again.location(), first.location(), "the same survey");
    let r = app.get(first.location()).await;
    assert!(r.body.contains("Bà Lan, chủ nhiệm HTX") && r.body.contains("Nhãn hiệu"));
    assert_eq!(
        r.body.matches("/staff/survey-photos/").count(),
        1,
        "one photo"
    );
    let list = app.get("/staff/surveys").await;
    assert_eq!(list.body.matches("/staff/surveys/1\"").count(), 1);
    let draft = app.get("/staff/programmes/new?survey=1").await;
    assert_eq!(draft.status, StatusCode::OK);
    assert!(
        draft
            .body
            .contains("Hỗ trợ ứng dụng máy móc thiết bị – HTX Chè Bằng Phúc")
    );

    // A survey with its facts missing says what is missing, and keeps nothing.
    let before = app.snapshot().await;
    let r = app
        .multipart(
            "POST",
            &format!("/staff/surveys/new?csrf={csrf}"),
            &[("key", "another"), ("visited_on", day.as_str())],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("field-error"));
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn a_candidate_joins_a_programme_from_the_candidates_page() {
    let mut world = world().await;
    let cooperative = world.enterprise(COOPERATIVE);
    let app = &mut world.app;
    app.sign_in(STAFF).await;
    let id = propose(app, "KC-2026-92").await;
    let r = app.get("/staff/candidates?need=market").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(COOPERATIVE));
    assert!(
        r.body
            .contains("Chưa có yêu cầu kết nối nào trong 12 tháng.")
    );
    let r = app
        .post_form(
            "/staff/candidates/add",
            &[
                ("programme_id", &id.to_string()),
                ("enterprise_id", &cooperative.to_string()),
                ("support", "Máy sấy miến"),
                ("support_vnd", "100.000.000"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = app.get(&format!("/api/v1/programmes/{id}")).await.json();
    assert_eq!(v["beneficiaries"][0]["enterprise_id"], cooperative);
}

#[tokio::test]
async fn producers_see_their_support_and_everyone_the_completed_programmes() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-93").await;
    let app = &mut world.app;
    must_step(app, id, acceptance()).await;
    app.sign_in(PRODUCER).await;
    let r = app.get("/dashboard/support").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Máy sấy miến 200 kg/mẻ") && r.body.contains("KC-2026-93"));
    app.sign_in(OTHER_PRODUCER).await;
    let r = app.get("/dashboard/support").await;
    assert!(!r.body.contains("KC-2026-93"), "not another producer's");
    app.clear_cookies();
    let r = app.get("/de-an").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("KC-2026-93") && r.body.contains(COOPERATIVE));
    assert!(
        !r.body.contains("180.000.000"),
        "no one's own share is published"
    );
    let r = app.get("/dashboard/support").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_staff_dashboard_names_programmes_at_risk_and_why() {
    let mut world = world().await;
    world.app.sign_in(STAFF).await;
    let id = under_way(&mut world, "KC-2026-94").await;
    let app = &mut world.app;
    let past = (app.state.clock.today() - chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let r = app
        .post_form(
            &format!("/staff/programmes/{id}/milestones"),
            &[
                ("kind", "installation"),
                ("title", "Lắp đặt máy sấy"),
                ("due_on", &past),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let board = app.get("/dashboard").await;
    assert!(board.body.contains("id=\"at-risk\""), "the dashboard warns");
    assert!(board.body.contains("KC-2026-94"));
    assert!(board.body.contains("Quá hạn 3 ngày: Lắp đặt máy sấy"));
    app.sign_in(PRODUCER).await;
    let board = app.get("/dashboard").await;
    assert!(
        !board.body.contains("id=\"at-risk\""),
        "producers do not see the plan's risks"
    );
}
