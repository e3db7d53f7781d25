//! Accounts through the real router: sessions that end when unused.

mod common;

use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use common::TestApp;
use ketnoi::db::entities::session;

fn ago(d: chrono::Duration) -> chrono::DateTime<chrono::Utc> {
    ketnoi::services::now() - d
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

async fn me_status(app: &mut TestApp) -> StatusCode {
    app.get("/api/v1/me").await.status
}

#[tokio::test]
async fn a_staff_session_ends_after_twelve_idle_hours_and_a_buyers_does_not() {
    let mut app = TestApp::new().await;
    let staff_id = app.sign_in_new("staff", "canbo@example.vn").await;
    let staff = app.cookie_jar();
    let buyer_id = app.sign_in_new("buyer", "mua@example.vn").await;
    let buyer = app.cookie_jar();
    set_last_used(&app, staff_id, ago(chrono::Duration::hours(13))).await;
    set_last_used(&app, buyer_id, ago(chrono::Duration::hours(13))).await;

    app.set_cookie_jar(staff);
    assert_eq!(me_status(&mut app).await, StatusCode::UNAUTHORIZED);
    // Treated as signed out and gone from the database.
    assert!(sessions_of(&app, staff_id).await.is_empty());

    app.set_cookie_jar(buyer.clone());
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
    // The use was recorded: the clock starts again.
    let last = sessions_of(&app, buyer_id).await[0]
        .last_used_at
        .expect("last use");
    assert!(last > ago(chrono::Duration::minutes(1)), "{last}");

    // A buyer's week runs out too.
    set_last_used(&app, buyer_id, ago(chrono::Duration::days(8))).await;
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
    let two_minutes_ago = ago(chrono::Duration::minutes(2));
    set_last_used(&app, id, two_minutes_ago).await;
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
    assert_eq!(
        sessions_of(&app, id).await[0].last_used_at,
        Some(two_minutes_ago)
    );
    let ten_minutes_ago = ago(chrono::Duration::minutes(10));
    set_last_used(&app, id, ten_minutes_ago).await;
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
    let last = sessions_of(&app, id).await[0].last_used_at.unwrap();
    assert!(
        last > ten_minutes_ago + chrono::Duration::minutes(9),
        "{last}"
    );
}

#[tokio::test]
async fn housekeeping_removes_idle_sessions_by_role() {
    let mut app = TestApp::new().await;
    let staff_id = app.sign_in_new("staff", "canbo@example.vn").await;
    let buyer_id = app.sign_in_new("buyer", "mua@example.vn").await;
    let idle_buyer_id = app.sign_in_new("buyer", "mua2@example.vn").await;
    let producer_id = app.sign_in_new("producer", "0912000001").await;
    set_last_used(&app, staff_id, ago(chrono::Duration::hours(13))).await;
    set_last_used(&app, buyer_id, ago(chrono::Duration::hours(13))).await;
    set_last_used(&app, idle_buyer_id, ago(chrono::Duration::days(8))).await;
    let config = ketnoi::config::Config::default();
    let (removed, _) = ketnoi::jobs::housekeeping(&app.db, &config).await.unwrap();
    assert_eq!(removed, 2);
    assert!(sessions_of(&app, staff_id).await.is_empty());
    assert!(sessions_of(&app, idle_buyer_id).await.is_empty());
    assert_eq!(sessions_of(&app, buyer_id).await.len(), 1);
    assert_eq!(sessions_of(&app, producer_id).await.len(), 1);
    // The producer's browser (the last to sign in) is still signed in.
    assert_eq!(me_status(&mut app).await, StatusCode::OK);
}
