//! Accounts through the real router: sessions that end when unused, changing the password,
//! signing out everywhere, and resetting a forgotten password by e-mail or through staff.

mod common;

use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;
use sha2::{Digest, Sha256};

use common::{TestApp, json_request};
use ketnoi::db::entities::{audit, email_outbox, password_reset, session, user};

const PASSWORD: &str = "mat-khau-123";
const NEW_PASSWORD: &str = "mat-khau-moi-456";

fn ago(d: chrono::Duration) -> chrono::DateTime<chrono::Utc> {
    ketnoi::clock::Clock::system().now() - d
}

async fn set_last_used(app: &TestApp, user_id: i32, at: chrono::DateTime<chrono::Utc>) {
    session::Entity::update_many()
        .col_expr(session::Column::LastUsedAt, Expr::value(Some(at)))
        .filter(session::Column::UserId.eq(user_id))
        .exec(&app.db)
        .await
        .expect("move last use");
}

async fn sessions_of(app: &TestApp, user_id: i32) -> Vec<session::Model> {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .expect("sessions")
}

async fn password_hash(app: &TestApp, user_id: i32) -> String {
    user::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .expect("user")
        .expect("exists")
        .password_hash
}

async fn reset_rows(app: &TestApp) -> Vec<password_reset::Model> {
    password_reset::Entity::find()
        .order_by_asc(password_reset::Column::Id)
        .all(&app.db)
        .await
        .expect("reset rows")
}

async fn outbox(app: &TestApp) -> Vec<email_outbox::Model> {
    email_outbox::Entity::find()
        .order_by_asc(email_outbox::Column::Id)
        .all(&app.db)
        .await
        .expect("outbox")
}

async fn audit_actions(app: &TestApp, user_id: i32) -> Vec<String> {
    audit::Entity::find()
        .filter(audit::Column::Entity.eq("user"))
        .filter(audit::Column::EntityId.eq(user_id))
        .order_by_asc(audit::Column::Id)
        .all(&app.db)
        .await
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect()
}

async fn me_status(app: &mut TestApp) -> StatusCode {
    app.get("/api/v1/me").await.status
}

async fn sign_in_with(app: &mut TestApp, login: &str, password: &str) -> StatusCode {
    app.clear_cookies();
    app.post_json(
        "/api/v1/auth/login",
        json!({"login": login, "password": password}),
    )
    .await
    .status
}

/// The reset link's path and token from an e-mail body.
fn link_in(body: &str) -> (String, String) {
    let start = body
        .find("/dat-lai-mat-khau?token=")
        .unwrap_or_else(|| panic!("no reset link in: {body}"));
    let path: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let token = path
        .trim_start_matches("/dat-lai-mat-khau?token=")
        .to_string();
    assert_eq!(token.len(), 64, "{path}");
    (path, token)
}

fn sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[tokio::test]
async fn a_staff_session_ends_after_twelve_idle_hours_and_a_buyers_does_not() {
    let mut app = TestApp::new().await;
    let staff_id = app.sign_in_new("staff", "canbo@example.vn").await;
    let staff = app.cookie_jar();
    let buyer_id = app.sign_in_new("buyer", "mua@example.vn").await;
    let buyer = app.cookie_jar();
    // Both browsers are left alone for 13 hours.
    app.state.clock.advance(chrono::Duration::hours(13));

    app.set_cookie_jar(staff);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    // Treated as signed out and gone from the database.
    assert!(sessions_of(&app, staff_id).await.is_empty());
    let page = app.get("/tai-khoan").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/dang-nhap?next=%2Ftai-khoan");

    app.set_cookie_jar(buyer.clone());
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
    // The use was recorded: the clock starts again.
    let last = sessions_of(&app, buyer_id).await[0]
        .last_used_at
        .expect("last use");
    assert!(
        last > app.state.clock.now() - chrono::Duration::minutes(1),
        "{last}"
    );

    // A buyer's week runs out too.
    app.state.clock.advance(chrono::Duration::days(8));
    app.set_cookie_jar(buyer);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    assert!(sessions_of(&app, buyer_id).await.is_empty());
}

#[tokio::test]
async fn a_session_still_ends_at_its_absolute_end_however_recently_used() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("producer", "0912000001").await;
    session::Entity::update_many()
        .col_expr(
            session::Column::ExpiresAt,
            Expr::value(ago(chrono::Duration::minutes(1))),
        )
        .filter(session::Column::UserId.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    set_last_used(&app, id, ago(chrono::Duration::seconds(10))).await;
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    assert!(sessions_of(&app, id).await.is_empty());
}

#[tokio::test]
async fn last_use_is_written_every_few_minutes_not_on_every_request() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("buyer", "mua@example.vn").await;
    let signed_in = sessions_of(&app, id).await[0].last_used_at;
    app.state.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
    assert_eq!(sessions_of(&app, id).await[0].last_used_at, signed_in);
    app.state.clock.advance(chrono::Duration::minutes(8));
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
    let last = sessions_of(&app, id).await[0].last_used_at.unwrap();
    assert!(
        last > app.state.clock.now() - chrono::Duration::minutes(1),
        "{last}"
    );
}

#[tokio::test]
async fn housekeeping_removes_idle_sessions_by_role() {
    let mut app = TestApp::new().await;
    let idle_buyer_id = app.sign_in_new("buyer", "mua2@example.vn").await;
    // A week passes; then staff and a buyer sign in and leave their browsers for 13 hours.
    app.state
        .clock
        .advance(chrono::Duration::days(7) - chrono::Duration::hours(5));
    let staff_id = app.sign_in_new("staff", "canbo@example.vn").await;
    let buyer_id = app.sign_in_new("buyer", "mua@example.vn").await;
    app.state.clock.advance(chrono::Duration::hours(13));
    let producer_id = app.sign_in_new("producer", "0912000001").await;
    let (removed, _) = ketnoi::jobs::housekeeping(&app.state).await.unwrap();
    assert_eq!(removed, 2);
    assert!(sessions_of(&app, staff_id).await.is_empty());
    assert!(sessions_of(&app, idle_buyer_id).await.is_empty());
    assert_eq!(sessions_of(&app, buyer_id).await.len(), 1);
    assert_eq!(sessions_of(&app, producer_id).await.len(), 1);
    // The producer's browser (the last to sign in) is still signed in.
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_but_not_this_one() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("producer", "0912000001").await;
    let phone = app.cookie_jar();
    app.sign_in("0912000001").await;
    let this = app.cookie_jar();
    assert_eq!(sessions_of(&app, id).await.len(), 2);

    let r = app
        .post_json(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
    assert_eq!(sessions_of(&app, id).await.len(), 1);
    app.set_cookie_jar(phone);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    app.set_cookie_jar(this);
    assert_eq!(me_status(&mut app).await, StatusCode::OK);

    assert_eq!(
        sign_in_with(&mut app, "0912000001", PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in_with(&mut app, "0912000001", NEW_PASSWORD).await,
        StatusCode::OK
    );
    assert!(
        audit_actions(&app, id)
            .await
            .contains(&"user.password_change".to_string())
    );
}

#[tokio::test]
async fn a_wrong_current_password_is_refused_and_changes_nothing() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("buyer", "mua@example.vn").await;
    let other = app.cookie_jar();
    app.sign_in("mua@example.vn").await;
    let hash = password_hash(&app, id).await;
    let before = sessions_of(&app, id).await;
    assert_eq!(before.len(), 2);

    let r = app
        .post_json(
            "/api/v1/auth/password",
            json!({"current_password": "not-my-password", "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.error_code(), "password.current_wrong");
    assert_eq!(r.json()["error"]["field"], "current_password");
    assert_eq!(
        r.json()["error"]["message"],
        "Mật khẩu hiện tại không đúng."
    );
    assert_eq!(password_hash(&app, id).await, hash);
    assert_eq!(sessions_of(&app, id).await, before);
    assert!(
        !audit_actions(&app, id)
            .await
            .contains(&"user.password_change".to_string())
    );
    app.set_cookie_jar(other);
    assert_eq!(me_status(&mut app).await, StatusCode::OK);

    // The same on the page, in Vietnamese, with nothing changed.
    let page = app
        .post_form(
            "/tai-khoan/mat-khau",
            &[
                ("current_password", "not-my-password"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Mật khẩu hiện tại không đúng."));
    assert_eq!(password_hash(&app, id).await, hash);
    assert_eq!(sessions_of(&app, id).await.len(), 2);
}

#[tokio::test]
async fn guessing_the_current_password_is_rate_limited() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("buyer", "mua@example.vn").await;
    let hash = password_hash(&app, id).await;
    for _ in 0..5 {
        let r = app
            .post_json(
                "/api/v1/auth/password",
                json!({"current_password": "guess-guess", "new_password": NEW_PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right one waits now.
    let r = app
        .post_json(
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.error_code(), "auth.rate_limited");
    assert_eq!(password_hash(&app, id).await, hash);
}

#[tokio::test]
async fn the_account_page_changes_the_password_and_says_so() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("producer", "0912000001").await;
    let page = app.get("/tai-khoan").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đổi mật khẩu"));
    assert!(page.body.contains(r#"action="/tai-khoan/mat-khau""#));
    assert!(page.body.contains(r#"name="csrf""#));
    // The header links to it.
    assert!(app.get("/").await.body.contains(r#"href="/tai-khoan""#));

    let short = app
        .post_form(
            "/tai-khoan/mat-khau",
            &[("current_password", PASSWORD), ("new_password", "ngan")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("Mật khẩu cần ít nhất 8 ký tự."));

    let r = app
        .post_form(
            "/tai-khoan/mat-khau",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/tai-khoan?done=password_changed");
    let done = app.get(r.location()).await;
    assert!(done.body.contains("Đã đổi mật khẩu."));
    assert_eq!(sessions_of(&app, id).await.len(), 1);
    assert_eq!(
        sign_in_with(&mut app, "0912000001", NEW_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("buyer", "mua@example.vn").await;
    let other = app.cookie_jar();
    app.sign_in("mua@example.vn").await;
    let r = app.post_json("/api/v1/auth/logout-all", json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    app.set_cookie_jar(other);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    assert!(sessions_of(&app, id).await.is_empty());
    assert!(
        audit_actions(&app, id)
            .await
            .contains(&"user.sign_out_all".to_string())
    );

    // A visitor has nothing to end.
    app.clear_cookies();
    let r = app.post_json("/api/v1/auth/logout-all", json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // The button on the account page.
    app.sign_in("mua@example.vn").await;
    let kept = app.cookie_jar();
    app.sign_in("mua@example.vn").await;
    let r = app.post_form("/tai-khoan/dang-xuat-tat-ca", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dang-nhap?done=signed_out_all");
    assert!(
        app.get(r.location())
            .await
            .body
            .contains("Bạn đã đăng xuất khỏi mọi thiết bị.")
    );
    app.set_cookie_jar(kept);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    assert!(sessions_of(&app, id).await.is_empty());
}

#[tokio::test]
async fn a_reset_by_e_mail_sends_one_working_link_ends_old_sessions_and_signs_in() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("buyer", "mua@example.vn").await;
    let old = app.cookie_jar();
    let old_hash = password_hash(&app, id).await;
    app.clear_cookies();

    // From the sign-in page.
    assert!(
        app.get("/dang-nhap")
            .await
            .body
            .contains(r#"href="/quen-mat-khau""#)
    );
    let r = app
        .post_form("/quen-mat-khau", &[("login", "Mua@Example.vn")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Liên kết dùng được trong 1 giờ."));

    let mail = outbox(&app).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to_address, "mua@example.vn");
    let (path, token) = link_in(&mail[0].body);
    let rows = reset_rows(&app).await;
    assert_eq!(rows.len(), 1);
    // Only the hash is kept.
    assert_eq!(rows[0].token_hash, sha256(&token));
    assert_eq!(rows[0].created_by, None);
    assert_eq!(
        rows[0].expires_at - rows[0].created_at,
        chrono::Duration::hours(1)
    );

    let form = app.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"name="new_password""#));
    assert_eq!(form.headers.get("referrer-policy").unwrap(), "no-referrer");

    let done = app
        .post_form(
            "/dat-lai-mat-khau",
            &[("token", &token), ("new_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/tai-khoan?done=password_reset");
    // Signed in with a fresh session; the old one is gone.
    let me = app.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"]["id"], id);
    assert_eq!(sessions_of(&app, id).await.len(), 1);
    assert_ne!(password_hash(&app, id).await, old_hash);
    assert!(reset_rows(&app).await[0].used_at.is_some());
    let fresh = app.cookie_jar();
    app.set_cookie_jar(old);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        audit_actions(&app, id).await,
        [
            "user.create",
            "user.password_reset_request",
            "user.password_reset"
        ]
    );

    // The link is used up: one clear message, on the page and in the API.
    app.set_cookie_jar(fresh);
    let again = app.get(&path).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("không dùng được nữa"));
    assert!(!again.body.contains(r#"name="new_password""#));
    let api = app
        .post_json(
            "/api/v1/auth/password-reset/complete",
            json!({"token": token, "new_password": "lan-thu-hai-789"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.error_code(), "password_reset.invalid");
    assert_eq!(
        sign_in_with(&mut app, "mua@example.vn", NEW_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_answer_is_the_same_whether_or_not_the_account_exists() {
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "mua@example.vn").await;
    app.sign_in_new("producer", "0912000001").await;
    app.clear_cookies();
    let mut answers = Vec::new();
    for login in [
        "mua@example.vn",
        "0912000001",
        "khong-co@example.vn",
        "0987654321",
    ] {
        let r = app
            .post_json("/api/v1/auth/password-reset", json!({"login": login}))
            .await;
        answers.push((login, r.status, r.bytes));
    }
    for (login, status, bytes) in &answers {
        assert_eq!(*status, StatusCode::ACCEPTED, "{login}");
        assert_eq!(bytes, &answers[0].2, "{login}");
    }
    // Only the account with an e-mail address got mail; the phone-only one waits for staff.
    let mail = outbox(&app).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to_address, "mua@example.vn");

    // The page too: the same page for a real account and a made-up one.
    let known = app
        .post_form("/quen-mat-khau", &[("login", "0912000001")])
        .await;
    let unknown = app
        .post_form("/quen-mat-khau", &[("login", "0911111111")])
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body);
    assert!(
        known
            .body
            .contains("Trung tâm có thể đặt lại mật khẩu giúp bạn")
    );

    // What is not a sign-in name is said to be so.
    let bad = app
        .post_json("/api/v1/auth/password-reset", json!({"login": "hello"}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_code(), "login.invalid");
}

#[tokio::test]
async fn an_expired_or_replaced_link_is_refused_and_changes_nothing() {
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("buyer", "mua@example.vn").await;
    let hash = password_hash(&app, id).await;
    app.clear_cookies();
    for _ in 0..2 {
        let r = app
            .post_json(
                "/api/v1/auth/password-reset",
                json!({"login": "mua@example.vn"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    let mail = outbox(&app).await;
    assert_eq!(mail.len(), 2);
    let (first_path, first) = link_in(&mail[0].body);
    let (_, second) = link_in(&mail[1].body);
    // A new request replaced the older link.
    assert_eq!(reset_rows(&app).await.len(), 1);
    assert_eq!(app.get(&first_path).await.status, StatusCode::BAD_REQUEST);
    let r = app
        .post_json(
            "/api/v1/auth/password-reset/complete",
            json!({"token": first, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The newer one, an hour and a bit later.
    password_reset::Entity::update_many()
        .col_expr(
            password_reset::Column::ExpiresAt,
            Expr::value(ago(chrono::Duration::seconds(1))),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let page = app.get(&format!("/dat-lai-mat-khau?token={second}")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("không dùng được nữa"));
    let r = app
        .post_form(
            "/dat-lai-mat-khau",
            &[("token", &second), ("new_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post_json(
            "/api/v1/auth/password-reset/complete",
            json!({"token": second, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.error_code(), "password_reset.invalid");
    assert_eq!(
        r.json()["error"]["message"],
        "Liên kết hoặc mã đặt lại mật khẩu này không dùng được nữa: có thể đã hết hạn, đã được dùng, đã có liên kết mới thay thế hoặc bị gõ sai. Hãy yêu cầu liên kết mới hoặc gọi cho Trung tâm."
    );
    // A made-up token gets the same answer.
    let r = app
        .post_json(
            "/api/v1/auth/password-reset/complete",
            json!({"token": "ab".repeat(32), "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.error_code(), "password_reset.invalid");
    assert_eq!(password_hash(&app, id).await, hash);
    assert!(reset_rows(&app).await[0].used_at.is_none());
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reset_clears_the_sign_in_limits_of_that_login() {
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "mua@example.vn").await;
    for _ in 0..5 {
        assert_eq!(
            sign_in_with(&mut app, "mua@example.vn", "wrong-password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_with(&mut app, "mua@example.vn", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let r = app
        .post_json(
            "/api/v1/auth/password-reset",
            json!({"login": "mua@example.vn"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let (_, token) = link_in(&outbox(&app).await[0].body);
    let r = app
        .post_json(
            "/api/v1/auth/password-reset/complete",
            json!({"token": token, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["email"], "mua@example.vn");
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
    assert_eq!(
        sign_in_with(&mut app, "mua@example.vn", NEW_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn reset_requests_are_throttled_per_login_and_per_address() {
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "mua@example.vn").await;
    app.clear_cookies();
    let ask = |login: &str| {
        json_request(
            "POST",
            "/api/v1/auth/password-reset",
            &json!({"login": login}),
        )
    };
    // One name, from different places: three an hour.
    for i in 0..3 {
        let r = app
            .send_from(&format!("198.51.100.{i}:4000"), ask("mua@example.vn"))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    let r = app
        .send_from("198.51.100.9:4000", ask("mua@example.vn"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.error_code(), "password_reset.rate_limited");
    assert!(r.headers.get("retry-after").is_some());
    assert_eq!(outbox(&app).await.len(), 3);
    // A made-up name is throttled alike, so the limit tells nothing either.
    for _ in 0..3 {
        let r = app
            .send_from("198.51.100.20:4000", ask("khong-co@example.vn"))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    let r = app
        .send_from("198.51.100.21:4000", ask("khong-co@example.vn"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // One address, many names: ten an hour.
    for i in 0..10 {
        let r = app
            .send_from("203.0.113.5:5000", ask(&format!("ai{i}@example.vn")))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
    }
    let r = app
        .send_from("203.0.113.5:5000", ask("ai-nua@example.vn"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The page says so in Vietnamese.
    let token = app.csrf().await;
    let body = format!("csrf={token}&login=ai-khac%40example.vn");
    let page = app
        .send_from(
            "203.0.113.5:5000",
            axum::http::Request::post("/quen-mat-khau")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.body
            .contains("Bạn đã yêu cầu đặt lại mật khẩu nhiều lần.")
    );
    assert_eq!(outbox(&app).await.len(), 3);
}

#[tokio::test]
async fn staff_make_a_reset_link_for_a_producer_who_called() {
    let mut app = TestApp::new().await;
    let producer_id = app.sign_in_new("producer", "0912000001").await;
    let producer = app.cookie_jar();
    let staff_id = app.sign_in_new("staff", "canbo@example.vn").await;

    // The staff page finds the account by its number, written any way.
    let dashboard = app.get("/dashboard").await;
    assert!(dashboard.body.contains(r#"href="/staff/accounts""#));
    let found = app.get("/staff/accounts?q=0912.000.001").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("Người dùng 0912000001"));
    assert!(
        found
            .body
            .contains(&format!("/staff/accounts/{producer_id}/password-reset"))
    );
    let none = app.get("/staff/accounts?q=0999999999").await;
    assert!(none.body.contains("Không có tài khoản nào"));

    let page = app
        .post_form(
            &format!("/staff/accounts/{producer_id}/password-reset"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    assert!(page.body.contains("/dat-lai-mat-khau?token="));

    // The API makes one too, replacing the first.
    let r = app
        .post_json(
            &format!("/api/v1/users/{producer_id}/password-reset"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let link = r.json();
    assert_eq!(link["user"]["id"], producer_id);
    let url = link["url"].as_str().unwrap();
    let code = link["code"].as_str().unwrap();
    assert!(url.contains("/dat-lai-mat-khau?token="));
    assert_eq!(code.split(' ').count(), 16);
    let rows = reset_rows(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].created_by, Some(staff_id));
    assert_eq!(
        rows[0].expires_at - rows[0].created_at,
        chrono::Duration::hours(24)
    );
    assert!(
        audit_actions(&app, producer_id)
            .await
            .contains(&"user.password_reset_link".to_string())
    );

    // The producer types the code read out over the phone, spaces and all.
    app.clear_cookies();
    let form = app
        .get(&format!(
            "/dat-lai-mat-khau?token={}",
            code.replace(' ', "+")
        ))
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains(r#"name="new_password""#));
    let r = app
        .post_form(
            "/dat-lai-mat-khau",
            &[("token", code), ("new_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let me = app.get("/api/v1/me").await;
    assert_eq!(me.json()["user"]["id"], producer_id);
    app.set_cookie_jar(producer);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in_with(&mut app, "0912000001", NEW_PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn who_may_make_a_reset_link_for_whom_and_refusals_change_nothing() {
    let mut app = TestApp::new().await;
    let producer_id = app.sign_in_new("producer", "0912000001").await;
    let buyer_id = app.sign_in_new("buyer", "mua@example.vn").await;
    let other_staff_id = app.sign_in_new("staff", "canbo2@example.vn").await;
    let admin_id = app.sign_in_new("admin", "quantri@example.vn").await;
    let admin = app.cookie_jar();
    app.sign_in_new("staff", "canbo@example.vn").await;
    let staff = app.cookie_jar();

    let make = |id: i32| format!("/api/v1/users/{id}/password-reset");
    let cases = [
        // (browser, target, status)
        (staff.clone(), other_staff_id, StatusCode::FORBIDDEN),
        (staff.clone(), admin_id, StatusCode::FORBIDDEN),
        (admin.clone(), admin_id, StatusCode::FORBIDDEN),
    ];
    for (jar, target, status) in cases {
        app.set_cookie_jar(jar);
        let hash = password_hash(&app, target).await;
        let r = app.post_json(&make(target), json!({})).await;
        assert_eq!(r.status, status, "{target}: {}", r.body);
        assert_eq!(r.error_code(), "auth.forbidden");
        assert!(reset_rows(&app).await.is_empty());
        assert_eq!(password_hash(&app, target).await, hash);
        assert!(
            !audit_actions(&app, target)
                .await
                .contains(&"user.password_reset_link".to_string())
        );
    }
    // The staff page refuses alike, and shows no button for a colleague.
    app.set_cookie_jar(staff.clone());
    let found = app.get("/staff/accounts?q=canbo2@example.vn").await;
    assert!(
        !found
            .body
            .contains(&format!("/staff/accounts/{other_staff_id}/password-reset"))
    );
    let page = app
        .post_form(
            &format!("/staff/accounts/{other_staff_id}/password-reset"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(reset_rows(&app).await.is_empty());

    // A producer cannot make one at all, not even for a buyer, nor look anyone up.
    app.sign_in("0912000001").await;
    let r = app.post_json(&make(buyer_id), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.post_json(&make(producer_id), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/staff/accounts?q=mua@example.vn").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/staff/accounts").await.status,
        StatusCode::FORBIDDEN
    );
    // Nor a visitor.
    app.clear_cookies();
    let r = app.post_json(&make(buyer_id), json!({})).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(reset_rows(&app).await.is_empty());

    // An administrator may for staff; staff for buyers; an unknown id is not found.
    app.set_cookie_jar(admin);
    let r = app.post_json(&make(other_staff_id), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.set_cookie_jar(staff);
    let r = app.post_json(&make(buyer_id), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.post_json(&make(99_999), json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        password_reset::Entity::find().count(&app.db).await.unwrap(),
        2
    );
}

#[tokio::test]
async fn the_new_endpoints_are_in_the_api_document() {
    let mut app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    for path in [
        "/api/v1/auth/password",
        "/api/v1/auth/logout-all",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/complete",
        "/api/v1/users/{id}/password-reset",
    ] {
        assert!(doc["paths"][path]["post"].is_object(), "{path}");
    }
}

#[tokio::test]
async fn a_reset_in_a_browser_signed_in_as_someone_else_ends_that_session() {
    let mut app = TestApp::new().await;
    let buyer_id = app.sign_in_new("buyer", "mua@example.vn").await;
    app.clear_cookies();
    let r = app
        .post_json(
            "/api/v1/auth/password-reset",
            json!({"login": "mua@example.vn"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let (_, token) = link_in(&outbox(&app).await[0].body);
    // A shared phone: a producer is signed in when the buyer opens the link.
    let producer_id = app.sign_in_new("producer", "0912000001").await;
    let r = app
        .post_form(
            "/dat-lai-mat-khau",
            &[("token", &token), ("new_password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.get("/api/v1/me").await.json()["user"]["id"], buyer_id);
    assert!(sessions_of(&app, producer_id).await.is_empty());
}
