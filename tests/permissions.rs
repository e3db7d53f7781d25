//! Who may do what: each role × each action × their own or another's record.

mod common;

use common::{TestApp, enterprise_body, product_body};
use serde_json::json;

#[derive(Clone, Copy, Debug)]
enum Who {
    Visitor,
    Buyer,
    Owner,
    OtherProducer,
    Staff,
    Admin,
}

const EVERYONE: [Who; 6] = [
    Who::Visitor,
    Who::Buyer,
    Who::Owner,
    Who::OtherProducer,
    Who::Staff,
    Who::Admin,
];

async fn become_(app: &mut TestApp, who: Who) {
    match who {
        Who::Visitor => app.clear_cookies(),
        Who::Buyer => app.sign_in("buyer@example.vn").await,
        Who::Owner => app.sign_in("owner@example.vn").await,
        Who::OtherProducer => app.sign_in("other@example.vn").await,
        Who::Staff => app.sign_in("staff@example.vn").await,
        Who::Admin => app.sign_in("admin@example.vn").await,
    }
}

/// A fresh world: an owner with an enterprise and a draft product, plus the other roles.
async fn world() -> (TestApp, i64, i64) {
    let world = TestApp::builder()
        .buyer("buyer@example.vn")
        .staff("staff@example.vn")
        .admin("admin@example.vn")
        .producer("other@example.vn")
        .producer_with_enterprise("owner@example.vn", "HTX Côn Minh")
        .build()
        .await;
    let eid = world.enterprise("HTX Côn Minh");
    let mut app = world.app;
    app.sign_in("owner@example.vn").await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    (app, eid, pid)
}

/// Makes one call as the current person and records a mismatch when its status is not the
/// expected one, or when a refused call (4xx) changed anything in the database or the store.
macro_rules! attempt {
    ($failures:ident, $app:ident, $who:expr, $action:expr, $want:expr, $call:expr) => {{
        let want: u16 = $want;
        let before = if want >= 400 {
            Some($app.snapshot().await)
        } else {
            None
        };
        let r = $call;
        if r.status.as_u16() != want {
            $failures.push(format!(
                "{:?} {}: got {}, want {want}",
                $who, $action, r.status
            ));
        }
        if let Some(before) = before {
            if $app.snapshot().await != before {
                $failures.push(format!(
                    "{:?} {}: refused but changed something",
                    $who, $action
                ));
            }
        }
        r
    }};
}

fn expect(who: Who, owner: u16, staff: u16, visitor: u16, others: u16) -> u16 {
    match who {
        Who::Owner => owner,
        Who::Staff | Who::Admin => staff,
        Who::Visitor => visitor,
        Who::Buyer | Who::OtherProducer => others,
    }
}

#[tokio::test]
async fn permission_matrix() {
    let mut failures = Vec::new();

    for who in EVERYONE {
        let (mut app, eid, pid) = world().await;
        become_(&mut app, who).await;
        attempt!(
            failures,
            app,
            who,
            "view draft product",
            expect(who, 200, 200, 404, 404),
            app.get(&format!("/api/v1/products/{pid}")).await
        );
        attempt!(
            failures,
            app,
            who,
            "edit draft product",
            expect(who, 200, 200, 404, 404),
            app.patch_json(&format!("/api/v1/products/{pid}"), json!({"brand": "Mới"}))
                .await
        );
        attempt!(
            failures,
            app,
            who,
            "view unlisted enterprise",
            expect(who, 200, 200, 404, 404),
            app.get(&format!("/api/v1/enterprises/{eid}")).await
        );
        attempt!(
            failures,
            app,
            who,
            "edit enterprise",
            expect(who, 200, 200, 401, 404),
            app.patch_json(
                &format!("/api/v1/enterprises/{eid}"),
                json!({"address": "Thôn Mới"}),
            )
            .await
        );
        let mut body = product_body("Sản phẩm thêm");
        body["enterprise_id"] = json!(eid);
        attempt!(
            failures,
            app,
            who,
            "add product to enterprise",
            expect(who, 201, 201, 401, 403),
            app.post_json("/api/v1/products", body).await
        );
        let want = match who {
            Who::Visitor => 401,
            Who::Buyer => 403,
            _ => 201,
        };
        attempt!(
            failures,
            app,
            who,
            "create enterprise",
            want,
            app.post_json("/api/v1/enterprises", enterprise_body("Cơ sở mới"))
                .await
        );
        attempt!(
            failures,
            app,
            who,
            "submit product",
            expect(who, 200, 200, 404, 404),
            app.post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
                .await
        );
        attempt!(
            failures,
            app,
            who,
            "see review queue",
            expect(who, 403, 200, 401, 403),
            app.get("/api/v1/products?status=review").await
        );
        attempt!(
            failures,
            app,
            who,
            "approve product",
            expect(who, 403, 200, 401, 403),
            app.review(pid, json!({"decision": "approve"})).await
        );
        attempt!(
            failures,
            app,
            who,
            "read audit trail",
            expect(who, 403, 200, 401, 403),
            app.get("/api/v1/audit").await
        );
        attempt!(failures, app, who, "create producer account", expect(who, 403, 201, 401, 403), app.post_json("/api/v1/users", json!({"login": "new@example.vn", "password": "mat-khau-123", "full_name": "Người mới", "role": "producer"})).await);
    }

    // Only an admin opens staff accounts.
    for who in [Who::Staff, Who::Admin] {
        let (mut app, _, _) = world().await;
        become_(&mut app, who).await;
        attempt!(failures, app, who, "create staff account", if matches!(who, Who::Admin) { 201 } else { 403 }, app.post_json("/api/v1/users", json!({"login": "canbo2@example.vn", "password": "mat-khau-123", "full_name": "Cán bộ mới", "role": "staff"})).await);
    }

    // Once published: everyone reads, only the owner and staff change it.
    for who in EVERYONE {
        let (mut app, eid, pid) = world().await;
        app.sign_in("owner@example.vn").await;
        app.post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
            .await;
        app.sign_in("staff@example.vn").await;
        app.review(pid, json!({"decision": "approve"})).await;
        become_(&mut app, who).await;
        attempt!(
            failures,
            app,
            who,
            "view published product",
            200,
            app.get(&format!("/api/v1/products/{pid}")).await
        );
        attempt!(
            failures,
            app,
            who,
            "view listed enterprise",
            200,
            app.get(&format!("/api/v1/enterprises/{eid}")).await
        );
        attempt!(
            failures,
            app,
            who,
            "edit published product",
            expect(who, 200, 200, 401, 403),
            app.patch_json(&format!("/api/v1/products/{pid}"), json!({"brand": "Khác"}))
                .await
        );
        attempt!(
            failures,
            app,
            who,
            "edit listed enterprise",
            expect(who, 200, 200, 401, 403),
            app.patch_json(
                &format!("/api/v1/enterprises/{eid}"),
                json!({"address": "Thôn Khác"}),
            )
            .await
        );
        attempt!(
            failures,
            app,
            who,
            "unpublish product",
            expect(who, 403, 200, 401, 403),
            app.post_json(
                &format!("/api/v1/products/{pid}/unpublish"),
                json!({"reason": "Kiểm tra lại"}),
            )
            .await
        );
        let want = expect(who, 204, 204, 401, 403);
        attempt!(
            failures,
            app,
            who,
            "delete product",
            want,
            app.delete(&format!("/api/v1/products/{pid}")).await
        );
    }
    assert!(
        failures.is_empty(),
        "permission mismatches:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn photo_and_document_permission_matrix() {
    let mut failures = Vec::new();
    let png = common::images::png(64, 48, common::images::RED);
    let other_png = common::images::png(64, 48, common::images::BLUE);
    let pdf: &[u8] = b"%PDF-1.4\n%%EOF\n";
    for who in EVERYONE {
        let (mut app, eid, pid) = world().await;
        become_(&mut app, Who::Owner).await;
        let photo = app
            .multipart(
                "POST",
                &format!("/api/v1/products/{pid}/photos"),
                &[],
                &[("file", "a.png", &png)],
            )
            .await
            .json()["id"]
            .as_i64()
            .expect("owner adds a photo");
        let doc = app
            .multipart(
                "POST",
                &format!("/api/v1/enterprises/{eid}/documents"),
                &[("kind", "business_registration"), ("title", "Giấy đăng ký")],
                &[("file", "dk.pdf", pdf)],
            )
            .await
            .json()["id"]
            .as_i64()
            .expect("owner adds a document");
        become_(&mut app, who).await;
        attempt!(
            failures,
            app,
            who,
            "add photo to draft",
            expect(who, 201, 201, 404, 404),
            app.multipart(
                "POST",
                &format!("/api/v1/products/{pid}/photos"),
                &[],
                &[("file", "b.png", &other_png)],
            )
            .await
        );
        attempt!(
            failures,
            app,
            who,
            "list photos of draft",
            expect(who, 200, 200, 404, 404),
            app.get(&format!("/api/v1/products/{pid}/photos")).await
        );
        attempt!(
            failures,
            app,
            who,
            "list documents",
            expect(who, 200, 200, 401, 403),
            app.get(&format!("/api/v1/enterprises/{eid}/documents"))
                .await
        );
        attempt!(
            failures,
            app,
            who,
            "download document",
            expect(who, 200, 200, 401, 404),
            app.get(&format!("/api/v1/documents/{doc}/file")).await
        );
        attempt!(
            failures,
            app,
            who,
            "verify document",
            expect(who, 403, 200, 401, 403),
            app.post_json(
                &format!("/api/v1/documents/{doc}/verify"),
                json!({"verified": true}),
            )
            .await
        );
        attempt!(
            failures,
            app,
            who,
            "set logo",
            expect(who, 200, 200, 401, 403),
            app.multipart(
                "PUT",
                &format!("/api/v1/enterprises/{eid}/logo"),
                &[],
                &[("file", "l.png", &png)],
            )
            .await
        );
        attempt!(
            failures,
            app,
            who,
            "delete document",
            expect(who, 204, 204, 401, 404),
            app.delete(&format!("/api/v1/documents/{doc}")).await
        );
        attempt!(
            failures,
            app,
            who,
            "delete photo",
            expect(who, 204, 204, 404, 404),
            app.delete(&format!("/api/v1/products/{pid}/photos/{photo}"))
                .await
        );
    }
    assert!(
        failures.is_empty(),
        "permission mismatches:\n{}",
        failures.join("\n")
    );
}

/// The matrices' "changed nothing" check sees a change to a row and to the store.
#[tokio::test]
async fn a_snapshot_sees_every_kind_of_change() {
    let (mut app, _, pid) = world().await;
    become_(&mut app, Who::Owner).await;
    let start = app.snapshot().await;
    assert_eq!(app.snapshot().await, start, "reading changes nothing");
    app.get(&format!("/api/v1/products/{pid}")).await;
    assert_eq!(app.snapshot().await, start, "a page view changes nothing");
    app.patch_json(&format!("/api/v1/products/{pid}"), json!({"brand": "Mới"}))
        .await;
    let edited = app.snapshot().await;
    assert_ne!(edited, start, "an edit is seen");
    app.state
        .store
        .put("x/y", bytes::Bytes::from_static(b"z"), "text/plain")
        .await
        .expect("put");
    assert_ne!(app.snapshot().await, edited, "a new object is seen");
}
