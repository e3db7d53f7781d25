//! Who may do what: each role × each action × their own or another's record.

mod common;

use axum::http::StatusCode;
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
    let mut app = TestApp::new().await;
    app.sign_in_new("buyer", "buyer@example.vn").await;
    app.sign_in_new("staff", "staff@example.vn").await;
    app.sign_in_new("admin", "admin@example.vn").await;
    app.sign_in_new("producer", "other@example.vn").await;
    let (_, eid) = app
        .producer_with_enterprise("owner@example.vn", "HTX Côn Minh")
        .await;
    let pid = app.create_product(eid, "Miến dong Na Rì").await;
    (app, eid, pid)
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
    let mut check = |who: Who, action: &str, got: StatusCode, want: u16| {
        if got.as_u16() != want {
            failures.push(format!("{who:?} {action}: got {got}, want {want}"));
        }
    };

    for who in EVERYONE {
        let (mut app, eid, pid) = world().await;
        become_(&mut app, who).await;
        let r = app.get(&format!("/api/v1/products/{pid}")).await;
        check(
            who,
            "view draft product",
            r.status,
            expect(who, 200, 200, 404, 404),
        );
        let r = app
            .patch_json(&format!("/api/v1/products/{pid}"), json!({"brand": "Mới"}))
            .await;
        check(
            who,
            "edit draft product",
            r.status,
            expect(who, 200, 200, 404, 404),
        );
        let r = app.get(&format!("/api/v1/enterprises/{eid}")).await;
        check(
            who,
            "view unlisted enterprise",
            r.status,
            expect(who, 200, 200, 404, 404),
        );
        let r = app
            .patch_json(
                &format!("/api/v1/enterprises/{eid}"),
                json!({"address": "Thôn Mới"}),
            )
            .await;
        check(
            who,
            "edit enterprise",
            r.status,
            expect(who, 200, 200, 401, 404),
        );
        let mut body = product_body("Sản phẩm thêm");
        body["enterprise_id"] = json!(eid);
        let r = app.post_json("/api/v1/products", body).await;
        check(
            who,
            "add product to enterprise",
            r.status,
            expect(who, 201, 201, 401, 403),
        );
        let r = app
            .post_json("/api/v1/enterprises", enterprise_body("Cơ sở mới"))
            .await;
        let want = match who {
            Who::Visitor => 401,
            Who::Buyer => 403,
            _ => 201,
        };
        check(who, "create enterprise", r.status, want);
        let r = app
            .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
            .await;
        check(
            who,
            "submit product",
            r.status,
            expect(who, 200, 200, 404, 404),
        );
        let r = app.get("/api/v1/products?status=review").await;
        check(
            who,
            "see review queue",
            r.status,
            expect(who, 403, 200, 401, 403),
        );
        let r = app.review(pid, json!({"decision": "approve"})).await;
        check(
            who,
            "approve product",
            r.status,
            expect(who, 403, 200, 401, 403),
        );
        let r = app.get("/api/v1/audit").await;
        check(
            who,
            "read audit trail",
            r.status,
            expect(who, 403, 200, 401, 403),
        );
        let r = app.post_json("/api/v1/users", json!({"login": "new@example.vn", "password": "mat-khau-123", "full_name": "Người mới", "role": "producer"})).await;
        check(
            who,
            "create producer account",
            r.status,
            expect(who, 403, 201, 401, 403),
        );
    }

    // Only an admin opens staff accounts.
    for who in [Who::Staff, Who::Admin] {
        let (mut app, _, _) = world().await;
        become_(&mut app, who).await;
        let r = app.post_json("/api/v1/users", json!({"login": "canbo2@example.vn", "password": "mat-khau-123", "full_name": "Cán bộ mới", "role": "staff"})).await;
        check(
            who,
            "create staff account",
            r.status,
            if matches!(who, Who::Admin) { 201 } else { 403 },
        );
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
        let r = app.get(&format!("/api/v1/products/{pid}")).await;
        check(who, "view published product", r.status, 200);
        let r = app.get(&format!("/api/v1/enterprises/{eid}")).await;
        check(who, "view listed enterprise", r.status, 200);
        let r = app
            .patch_json(&format!("/api/v1/products/{pid}"), json!({"brand": "Khác"}))
            .await;
        check(
            who,
            "edit published product",
            r.status,
            expect(who, 200, 200, 401, 403),
        );
        let r = app
            .patch_json(
                &format!("/api/v1/enterprises/{eid}"),
                json!({"address": "Thôn Khác"}),
            )
            .await;
        check(
            who,
            "edit listed enterprise",
            r.status,
            expect(who, 200, 200, 401, 403),
        );
        let r = app
            .post_json(
                &format!("/api/v1/products/{pid}/unpublish"),
                json!({"reason": "Kiểm tra lại"}),
            )
            .await;
        check(
            who,
            "unpublish product",
            r.status,
            expect(who, 403, 200, 401, 403),
        );
        let r = app.delete(&format!("/api/v1/products/{pid}")).await;
        let want = expect(who, 204, 204, 401, 403);
        check(who, "delete product", r.status, want);
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
    let mut check = |who: Who, action: &str, got: StatusCode, want: u16| {
        if got.as_u16() != want {
            failures.push(format!("{who:?} {action}: got {got}, want {want}"));
        }
    };
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
        let r = app
            .multipart(
                "POST",
                &format!("/api/v1/products/{pid}/photos"),
                &[],
                &[("file", "b.png", &other_png)],
            )
            .await;
        check(
            who,
            "add photo to draft",
            r.status,
            expect(who, 201, 201, 404, 404),
        );
        let r = app.get(&format!("/api/v1/products/{pid}/photos")).await;
        check(
            who,
            "list photos of draft",
            r.status,
            expect(who, 200, 200, 404, 404),
        );
        let r = app
            .get(&format!("/api/v1/enterprises/{eid}/documents"))
            .await;
        check(
            who,
            "list documents",
            r.status,
            expect(who, 200, 200, 401, 403),
        );
        let r = app.get(&format!("/api/v1/documents/{doc}/file")).await;
        check(
            who,
            "download document",
            r.status,
            expect(who, 200, 200, 401, 404),
        );
        let r = app
            .post_json(
                &format!("/api/v1/documents/{doc}/verify"),
                json!({"verified": true}),
            )
            .await;
        check(
            who,
            "verify document",
            r.status,
            expect(who, 403, 200, 401, 403),
        );
        let r = app
            .multipart(
                "PUT",
                &format!("/api/v1/enterprises/{eid}/logo"),
                &[],
                &[("file", "l.png", &png)],
            )
            .await;
        check(who, "set logo", r.status, expect(who, 200, 200, 401, 403));
        let r = app.delete(&format!("/api/v1/documents/{doc}")).await;
        check(
            who,
            "delete document",
            r.status,
            expect(who, 204, 204, 401, 404),
        );
        let r = app
            .delete(&format!("/api/v1/products/{pid}/photos/{photo}"))
            .await;
        check(
            who,
            "delete photo",
            r.status,
            expect(who, 204, 204, 404, 404),
        );
    }
    assert!(
        failures.is_empty(),
        "permission mismatches:\n{}",
        failures.join("\n")
    );
}
