//! Search through the real router: the index follows the catalogue, the API and the page.

mod common;

use axum::http::StatusCode;
use common::{TestApp, product_body};
use serde_json::json;

/// A producer with three products; two get published.
async fn catalogue(app: &mut TestApp) -> (i64, i64, i64) {
    let (_, eid) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let a = app.create_product(eid, "Miến dong Na Rì").await;
    let mut body = product_body("Đũa tre Bạch Thông");
    body["enterprise_id"] = json!(eid);
    body["category"] = json!("lam-san");
    body["price_min_vnd"] = json!(15000);
    body["price_max_vnd"] = json!(20000);
    body["ocop_stars"] = json!(null);
    body["ocop_year"] = json!(null);
    body["description"] = json!("Đũa tre già luộc, sấy khô, không tẩm hóa chất.");
    let b = app.post_json("/api/v1/products", body).await.json()["id"]
        .as_i64()
        .expect("created");
    let c = app.create_product(eid, "Miến dong loại hai").await;
    for id in [a, b, c] {
        app.post_json(&format!("/api/v1/products/{id}/submit"), json!({}))
            .await;
    }
    app.sign_in_new("staff", "canbo@example.vn").await;
    for id in [a, b] {
        let r = app.review(id, json!({"decision": "approve"})).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    app.clear_cookies();
    (a, b, c)
}

#[tokio::test]
async fn published_products_are_found_the_way_buyers_type() {
    let mut app = TestApp::new().await;
    let (a, b, _) = catalogue(&mut app).await;
    assert!(app.index().await >= 2);

    let r = app.get("/api/v1/search?q=mien%20dong").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.json();
    assert_eq!(body["total"], 1, "only published products: {body}");
    let hit = &body["hits"][0];
    assert_eq!(hit["id"], a);
    assert_eq!(hit["url"], "/san-pham/mien-dong-na-ri");
    assert_eq!(hit["enterprise"]["name"], "HTX Côn Minh");
    assert_eq!(hit["province"], "Thái Nguyên");
    assert_eq!(
        hit["highlights"]["name"],
        "<mark>Miến</mark> <mark>dong</mark> Na Rì"
    );
    assert!(body["processing_time_ms"].is_number());
    assert_eq!(body["per_page"], 24);

    let r = app.get("/api/v1/search?q=dua%20tr").await.json();
    assert_eq!(r["hits"][0]["id"], b, "prefix and đ folding: {r}");
    let r = app
        .get("/api/v1/search?q=&category=che-bien-nong-lam-san&sort=price_asc")
        .await
        .json();
    assert_eq!(r["total"], 2);
    assert_eq!(r["hits"][0]["id"], b, "cheapest first");
    assert_eq!(r["facets"]["category"]["mien-dong"], 1);
    assert_eq!(r["facets"]["category"]["lam-san"], 1);
    assert_eq!(r["facets"]["ocop_stars"]["4"], 1);
    let eid = r["hits"][0]["enterprise"]["id"].clone();
    assert!(
        r["facets"].get("enterprise").is_none(),
        "producer counts only where shown"
    );
    let only = app
        .get(&format!("/api/v1/search?enterprise={eid}"))
        .await
        .json();
    assert_eq!(only["total"], 2);
    let r = app
        .get("/api/v1/search?ocop_stars=4,5&trademark_status=registered")
        .await
        .json();
    assert_eq!(r["total"], 1);
    let bad = app.get("/api/v1/search?sort=cheapest").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_code(), "search.sort");
}

#[tokio::test]
async fn the_index_follows_edits_unpublishing_and_deletion() {
    let mut app = TestApp::new().await;
    let (a, b, _) = catalogue(&mut app).await;
    app.index().await;

    // An edit waiting for review changes nothing; approving it does.
    app.sign_in("p@example.vn").await;
    app.patch_json(
        &format!("/api/v1/products/{a}"),
        json!({"name": "Miến dong đặc sản"}),
    )
    .await;
    app.post_json(&format!("/api/v1/products/{a}/submit"), json!({}))
        .await;
    app.index().await;
    // Not yet: no product has the new word.
    assert_eq!(
        app.get("/api/v1/search?q=dac%20san").await.json()["understood"]["unmatched"][0],
        "dac"
    );
    app.sign_in("canbo@example.vn").await;
    app.review(a, json!({"decision": "approve"})).await;
    app.index().await;
    assert_eq!(
        app.get("/api/v1/search?q=dac%20san").await.json()["hits"][0]["id"],
        a
    );

    // The enterprise's new name reaches every product.
    let eid = app.get(&format!("/api/v1/products/{a}")).await.json()["enterprise_id"].clone();
    app.patch_json(
        &format!("/api/v1/enterprises/{eid}"),
        json!({"name": "Hợp tác xã Nông sản Na Rì"}),
    )
    .await;
    app.index().await;
    let r = app
        .get("/api/v1/search?q=nong%20san%20na%20ri")
        .await
        .json();
    assert_eq!(r["total"], 2, "{r}");

    app.post_json(
        &format!("/api/v1/products/{b}/unpublish"),
        json!({"reason": "Hết hàng"}),
    )
    .await;
    app.sign_in("p@example.vn").await;
    app.delete(&format!("/api/v1/products/{a}")).await;
    app.index().await;
    assert_eq!(app.get("/api/v1/search").await.json()["total"], 0);
}

#[tokio::test]
async fn a_rebuild_drops_what_the_catalogue_no_longer_has() {
    let mut app = TestApp::new().await;
    let (a, b, _) = catalogue(&mut app).await;
    app.index().await;
    // Something the database does not know (say, from a lost outbox).
    let mut stray = ketnoi::services::search_sync::search_doc(
        &ketnoi::services::catalogue::published_views(
            &app.db,
            &app.state.reference,
            &[a as i32],
            app.state.clock.today(),
        )
        .await
        .unwrap()[0],
        &app.state.reference,
    );
    stray.id = 9999;
    stray.name = "Sản phẩm ma".into();
    app.state.search.upsert(vec![stray]).await.unwrap();
    assert_eq!(
        app.get("/api/v1/search?q=san%20pham%20ma").await.json()["total"],
        1
    );
    let n = ketnoi::services::search::rebuild(&app.state).await.unwrap();
    assert_eq!(n, 2);
    // Staff can start one from their page too.
    app.sign_in("canbo@example.vn").await;
    let started = app.post_form("/staff/search/rebuild", &[]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(started.location())
            .await
            .body
            .contains("Đang dựng lại chỉ mục")
    );
    let r = app.get("/api/v1/search?q=san%20pham%20ma").await.json();
    assert!(
        r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["id"] != 9999),
        "{r}"
    );
    let all = app.get("/api/v1/search").await.json();
    let mut found: Vec<i64> = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    found.sort_unstable();
    assert_eq!(found, [a, b]);
}

#[tokio::test]
async fn the_search_page_works_as_a_plain_form() {
    let mut app = TestApp::new().await;
    catalogue(&mut app).await;
    app.index().await;
    let page = app.get("/tim-kiem?q=mien+dong").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<mark>Miến</mark> <mark>dong</mark> Na Rì")
    );
    assert!(
        page.body.contains("name=\"category\" value=\"mien-dong\""),
        "facet checkboxes"
    );
    let none = app
        .get("/tim-kiem?q=xi+mang+trang&category=mien-dong")
        .await;
    assert!(none.body.contains("Chưa tìm thấy sản phẩm nào"));
    assert!(none.body.contains("Tìm lại không dùng bộ lọc"));
    assert!(none.body.contains("Tìm với ít từ hơn"));
    // The search box is on every page.
    assert!(app.get("/").await.body.contains("action=\"/tim-kiem\""));
}

#[tokio::test]
async fn when_the_engine_is_down_search_says_so_and_nothing_else_breaks() {
    // Meilisearch configured at a loopback port where nothing listens: a real refusal.
    let config = ketnoi::config::Config {
        search: ketnoi::config::SearchConfig::Meilisearch {
            url: "http://127.0.0.1:9".into(),
            key: None,
            index: "ketnoi_products".into(),
        },
        ..Default::default()
    };
    let mut app = TestApp::with_config(config).await;
    let (a, _, _) = catalogue(&mut app).await;

    let started = std::time::Instant::now();
    let r = app.get("/api/v1/search?q=mien").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.error_code(), "search.unavailable");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let page = app.get("/tim-kiem?q=mien").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tìm kiếm đang tạm gián đoạn"));
    assert_eq!(app.get("/").await.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/api/v1/products/{a}")).await.status,
        StatusCode::OK
    );

    // Writes succeeded; their changes wait in the log, the index marked with the failure.
    let drained = ketnoi::jobs::search::drain(&app.state).await;
    assert!(drained.is_err());
    let status = ketnoi::services::search_sync::status(&app.db, app.state.clock.now())
        .await
        .unwrap();
    assert!(status.pending >= 2, "{status:?}");
    assert_eq!(status.failing, 1, "{status:?}");
    assert_eq!(
        status.consumers[0].name,
        format!("meilisearch:ketnoi_products:v{}", ketnoi::search::DOC_SHAPE)
    );
    assert!(status.last_error.is_some());
    // Staff see it.
    app.sign_in("canbo@example.vn").await;
    let api = app.get("/api/v1/search/status").await.json();
    assert_eq!(api["failing"], 1, "{api}");
    let page = app.get("/staff/search").await;
    assert!(page.body.contains("Không trả lời"));
    assert!(page.body.contains("<title>Tình trạng tìm kiếm · "));
    assert_eq!(page.body.matches("<h2>Từ đồng nghĩa</h2>").count(), 1);
    assert!(page.body.contains("Lỗi gần nhất"));
    app.sign_in("p@example.vn").await;
    assert_eq!(
        app.get("/api/v1/search/status").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn staff_synonyms_make_a_local_name_find_the_common_one() {
    let mut app = TestApp::new().await;
    let (_, b, _) = catalogue(&mut app).await;
    app.index().await;
    assert_eq!(
        app.get("/api/v1/search?q=dua%20truc%20").await.json()["understood"]["unmatched"],
        json!(["truc"])
    );

    app.sign_in("canbo@example.vn").await;
    let bad = app
        .post_form("/staff/search/synonyms", &[("terms", "tre")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("ít nhất hai từ khác nhau"));
    let ok = app
        .post_form("/staff/search/synonyms", &[("terms", "tre, trúc")])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let listed = app.get("/api/v1/search/synonyms").await.json();
    assert_eq!(listed[0]["terms"], json!(["tre", "trúc"]));

    app.clear_cookies();
    let r = app.get("/api/v1/search?q=dua%20truc%20").await.json();
    assert_eq!(r["hits"][0]["id"], b, "{r}");
    assert_eq!(
        r["hits"][0]["highlights"]["name"],
        "<mark>Đũa</mark> <mark>tre</mark> Bạch Thông"
    );

    app.sign_in("canbo@example.vn").await;
    let id = listed[0]["id"].as_i64().expect("id");
    assert_eq!(
        app.delete(&format!("/api/v1/search/synonyms/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.clear_cookies();
    assert_eq!(
        app.get("/api/v1/search?q=dua%20truc%20").await.json()["understood"]["unmatched"],
        json!(["truc"])
    );
    app.sign_in("p@example.vn").await;
    assert_eq!(
        app.post_json("/api/v1/search/synonyms", json!({"terms": "a, b"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn what_an_enterprise_says_of_itself_finds_its_products() {
    let mut app = TestApp::new().await;
    let (a, b, _) = catalogue(&mut app).await;
    app.index().await;
    let r = app.get("/api/v1/search?q=gia%20truyen").await.json();
    assert_eq!(
        r["understood"]["unmatched"],
        json!(["truyen"]),
        "no product says it yet: {r}"
    );

    // Staff add the enterprise's story; its published products are found by it at once.
    app.sign_in("canbo@example.vn").await;
    let eid = app.get(&format!("/api/v1/products/{a}")).await.json()["enterprise"]["id"]
        .as_i64()
        .expect("enterprise id");
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"description": "Nghề làm miến gia truyền từ năm 1985, ba thế hệ."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.index().await;
    let r = app.get("/api/v1/search?q=gia%20truyen").await.json();
    let mut ids: Vec<i64> = r["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_i64().expect("id"))
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        vec![a, b],
        "both published products of the enterprise: {r}"
    );
}

/// The commune facet is searched by name: today's commune, or the former commune, district
/// or province a buyer still says; each with the number of products the search finds there.
#[tokio::test]
async fn the_commune_picker_finds_communes_by_todays_and_former_names() {
    let mut app = TestApp::new().await;
    let (_, na_ri) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let phuc_loc = enterprise_in(&mut app, "HTX Phúc Lộc", 1894).await;
    publish(
        &mut app,
        &[
            (na_ri, "Miến dong Na Rì", "mien-dong"),
            (na_ri, "Miến dong sợi nhỏ", "mien-dong"),
            (phuc_loc, "Miến dong Ba Bể", "mien-dong"),
            (phuc_loc, "Mật ong rừng Ba Bể", "mat-ong"),
        ],
    )
    .await;

    let get = async |app: &mut TestApp, query: &str| {
        let r = app.get(&format!("/api/v1/search/communes?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()
    };
    // Today's name, without marks.
    let found = get(&mut app, "q=mien&commune_q=na+ri").await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["value"], "2155");
    assert_eq!(found[0]["name"], "Xã Na Rì");
    assert_eq!(found[0]["province"], "Thái Nguyên");
    assert_eq!(found[0]["former"], json!(null));
    assert_eq!(found[0]["count"], 2);
    // A former district: Phúc Lộc took over communes of Ba Bể district.
    let found = get(&mut app, "q=mien&commune_q=huyen+ba+be").await;
    assert_eq!(found[0]["value"], "1894", "{found}");
    assert_eq!(found[0]["former"], "Huyện Ba Bể, Tỉnh Bắc Kạn");
    // The count is what the search finds there.
    let there = app.get("/api/v1/search?q=mien&commune=1894").await.json();
    assert_eq!(found[0]["count"], there["total"]);
    // A former province names every commune it went into that has products.
    let found = get(&mut app, "commune_q=bac+kan").await;
    let values: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["2155", "1894"], "as many products: by name");
    // Counts follow the search and its other filters; a ticked commune does not narrow
    // the list of the others.
    let found = get(&mut app, "q=mat+ong&commune=2155").await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["value"], "1894");
    // Nothing typed: every commune with products, most first.
    let found = get(&mut app, "q=ba+be").await;
    assert_eq!(found[0]["value"], "1894", "{found}");
    assert_eq!(found[0]["count"], 2);
    assert_eq!(get(&mut app, "commune_q=ha+giang").await, json!([]));
    let long = "x".repeat(101);
    let r = app
        .get(&format!("/api/v1/search/communes?commune_q={long}"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page offers the same, without scripts: a box, and the communes it names.
    let page = app.get("/tim-kiem?q=mien&commune_q=huyen+na+ri").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"commune_q\""), "the picker");
    assert!(
        page.body.contains("name=\"commune\" value=\"2155\""),
        "Na Rì offered"
    );
    assert!(
        !page.body.contains("name=\"commune\" value=\"1894\""),
        "Phúc Lộc is not in Na Rì district"
    );
    assert!(page.body.contains("trước đây Huyện Na Rì, Tỉnh Bắc Kạn"));
}

/// Products published in Na Rì (formerly Bắc Kạn) and in Bình Liêu (Quảng Ninh).
async fn two_places(app: &mut TestApp) {
    let (_, na_ri) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let binh_lieu = enterprise_in(app, "HTX Bình Liêu", 6838).await;
    publish(
        app,
        &[
            (binh_lieu, "Miến dong Bình Liêu", "mien-dong"),
            (na_ri, "Miến dong sợi nhỏ", "mien-dong"),
            (na_ri, "Mật ong rừng", "mat-ong"),
        ],
    )
    .await;
}

/// A producer's enterprise with the given products (name, category) published and indexed;
/// the app is left signed out.
async fn one_producer(products: &[(&str, &str)]) -> TestApp {
    let mut app = TestApp::new().await;
    let (_, eid) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let products: Vec<(i64, &str, &str)> = products.iter().map(|(n, c)| (eid, *n, *c)).collect();
    publish(&mut app, &products).await;
    app
}

/// A second enterprise, in the given commune, registered by the signed-in producer.
async fn enterprise_in(app: &mut TestApp, name: &str, commune: i64) -> i64 {
    let mut body = common::enterprise_body(name);
    body["commune_code"] = json!(commune);
    let r = app.post_json("/api/v1/enterprises", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("created")
}

/// Products created in the given enterprises and categories, sent for review, approved by
/// a new staff member and indexed; the app is left signed out.
async fn publish(app: &mut TestApp, products: &[(i64, &str, &str)]) {
    let mut ids = Vec::new();
    for (eid, name, category) in products {
        let mut body = product_body(name);
        body["enterprise_id"] = json!(eid);
        body["category"] = json!(category);
        body["description"] = json!("");
        let r = app.post_json("/api/v1/products", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().expect("created");
        app.post_json(&format!("/api/v1/products/{id}/submit"), json!({}))
            .await;
        ids.push(id);
    }
    app.sign_in_new("staff", "canbo@example.vn").await;
    for id in ids {
        assert_eq!(
            app.review(id, json!({"decision": "approve"})).await.status,
            StatusCode::OK
        );
    }
    app.clear_cookies();
    app.index().await;
}

fn names(r: &serde_json::Value) -> Vec<String> {
    r["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["name"].as_str().expect("a name").to_string())
        .collect()
}

/// A place a buyer names — today's, or a former province or district — ranks products from
/// there first without hiding the same products from elsewhere, and the page says so.
#[tokio::test]
async fn a_named_place_ranks_its_products_first_and_the_page_says_so() {
    let mut app = TestApp::new().await;
    two_places(&mut app).await;
    let r = app.get("/api/v1/search?q=mien+dong+bac+kan").await.json();
    assert_eq!(
        names(&r),
        ["Miến dong sợi nhỏ", "Miến dong Bình Liêu"],
        "{r}"
    );
    let place = &r["understood"]["place"];
    assert_eq!(place["name"], "Tỉnh Bắc Kạn", "{r}");
    assert_eq!(place["kind"], "former_province");
    assert_eq!(place["without"], "mien dong");
    let r = app
        .get("/api/v1/search?q=mien+dong+huyen+na+ri")
        .await
        .json();
    assert_eq!(names(&r)[0], "Miến dong sợi nhỏ", "{r}");
    assert_eq!(r["understood"]["place"]["name"], "Huyện Na Rì");
    assert_eq!(r["understood"]["place"]["within"], "Tỉnh Bắc Kạn");
    let r = app
        .get("/api/v1/search?q=mien+dong+quang+ninh")
        .await
        .json();
    assert_eq!(names(&r)[0], "Miến dong Bình Liêu", "{r}");
    assert_eq!(r["understood"]["place"]["kind"], "province");
    // A slip in a long word of the name still names the place, and the page says how
    // the word was read.
    let r = app
        .get("/api/v1/search?q=mien+dong+quagn+ninh")
        .await
        .json();
    assert_eq!(names(&r)[0], "Miến dong Bình Liêu", "{r}");
    assert_eq!(r["understood"]["place"]["name"], "Quảng Ninh", "{r}");
    assert_eq!(r["understood"]["category"]["without"], "quang ninh", "{r}");
    assert_eq!(
        r["understood"]["corrected"],
        json!([{"typed": "quagn", "read": "quang"}])
    );
    let page = app.get("/tim-kiem?q=mien+dong+quagn+ninh").await;
    assert!(
        page.body
            .contains("Đã hiểu <q>quagn</q> là <strong>quang</strong>"),
        "{}",
        page.body
    );
    // The former province is a facet and a filter.
    let r = app.get("/api/v1/search?q=mien").await.json();
    assert_eq!(r["facets"]["former_province"]["6"], 1, "{r}");
    let r = app
        .get("/api/v1/search?q=mien&former_province=22")
        .await
        .json();
    assert_eq!(names(&r), ["Miến dong Bình Liêu"]);

    let page = app
        .get("/tim-kiem?q=Mi%E1%BA%BFn+dong+B%E1%BA%AFc+K%E1%BA%A1n")
        .await;
    assert!(
        page.body.contains("miến dong · ở Bắc Kạn (tỉnh cũ)"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("/tim-kiem?q=mi%E1%BA%BFn%20dong\"")
            || page.body.contains("/tim-kiem?q=mi%E1%BA%BFn+dong\""),
        "searching everywhere is one link"
    );
    assert!(page.body.contains("Tỉnh cũ (trước 7/2025)"), "the facet");
}

/// Most of the province's names are of short words (`Na Rì`, `Bắc Kạn`), shorter than the
/// engines forgive a typo in: a slip in one is read as the place only when the query's
/// other words find products from there.
#[tokio::test]
async fn a_slip_in_a_short_word_of_a_place_is_read_where_the_other_words_find_its_products() {
    let mut app = TestApp::new().await;
    two_places(&mut app).await;
    let r = app.get("/api/v1/search?q=mien+dong+bac+kna").await.json();
    assert_eq!(names(&r)[0], "Miến dong sợi nhỏ", "{r}");
    assert_eq!(r["understood"]["place"]["name"], "Tỉnh Bắc Kạn", "{r}");
    assert_eq!(
        r["understood"]["corrected"],
        json!([{"typed": "kna", "read": "kan"}])
    );
    // Its last word being typed: the place, and no slip to speak of.
    let r = app.get("/api/v1/search?q=mien+dong+binh+lie").await.json();
    assert_eq!(names(&r)[0], "Miến dong Bình Liêu", "{r}");
    assert_eq!(r["understood"]["place"]["name"], "Huyện Bình Liêu", "{r}");
    assert_eq!(r["understood"]["corrected"], json!([]), "{r}");
    let r = app.get("/api/v1/search?q=mat+ong+na+rii").await.json();
    assert_eq!(names(&r), ["Mật ong rừng"], "{r}");
    assert_eq!(r["understood"]["place"]["name"], "Huyện Na Rì", "{r}");
    let page = app.get("/tim-kiem?q=mien+dong+bac+kna").await;
    assert!(
        page.body
            .contains("Đã hiểu <q>kna</q> là <strong>kan</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("ở Bắc Kạn (tỉnh cũ)"), "{}", page.body);
    // No honey from Quảng Ninh: `nihn` is not read as `ninh`, nor the place named.
    let r = app.get("/api/v1/search?q=mat+ong+quang+nihn").await.json();
    assert_eq!(r["understood"]["place"], serde_json::Value::Null, "{r}");
    assert_eq!(r["understood"]["corrected"], json!([]), "{r}");
    // Miến dong is there: the same slip is read.
    let r = app
        .get("/api/v1/search?q=mien+dong+quang+nihn")
        .await
        .json();
    assert_eq!(names(&r)[0], "Miến dong Bình Liêu", "{r}");
    assert_eq!(r["understood"]["place"]["name"], "Quảng Ninh", "{r}");
}

/// A word the catalogue has is what the buyer meant, not a slip in a place's name.
#[tokio::test]
async fn a_catalogue_word_near_a_place_name_is_not_read_as_the_place() {
    let mut app = one_producer(&[
        ("Mật ong quanh năm", "mat-ong"),
        ("Mật ong rừng", "mat-ong"),
    ])
    .await;
    // `quanh` (around) is one letter from `quang`, and the catalogue has it.
    let r = app.get("/api/v1/search?q=mat+ong+quanh+ninh").await.json();
    assert_eq!(r["understood"]["place"], serde_json::Value::Null, "{r}");
    assert_eq!(r["understood"]["corrected"], json!([]), "{r}");
    // A word the catalogue does not have, as near, is read as the place.
    let r = app.get("/api/v1/search?q=mat+ong+quagn+ninh").await.json();
    assert_eq!(r["understood"]["place"]["name"], "Quảng Ninh", "{r}");
}

/// One word nothing in the catalogue has does not empty the answer: the search goes on
/// without it and says which; words that never meet in one product show the products with
/// the most of them.
#[tokio::test]
async fn an_unknown_word_does_not_empty_the_answer() {
    let mut app = TestApp::new().await;
    two_places(&mut app).await;
    let r = app.get("/api/v1/search?q=mint+honey").await.json();
    assert_eq!(names(&r), ["Mật ong rừng"], "{r}");
    assert_eq!(r["understood"]["unmatched"], json!(["mint"]));
    assert_eq!(r["understood"]["partial"], false);
    let r = app.get("/api/v1/search?q=mien+honey").await.json();
    assert_eq!(r["understood"]["partial"], true, "{r}");
    assert_eq!(r["understood"]["unmatched"], json!([]));
    // The rarer word is kept (Meilisearch's `frequency`): the one honey.
    assert_eq!(names(&r), ["Mật ong rừng"], "{r}");
    // Nothing at all: nothing is made up.
    let r = app.get("/api/v1/search?q=xyzzy+plugh").await.json();
    assert_eq!(r["total"], 0);
    assert_eq!(r["understood"]["unmatched"], json!(["xyzzy", "plugh"]));
    let page = app.get("/tim-kiem?q=mint+honey").await;
    assert!(
        page.body.contains("Không sản phẩm nào có từ: <s>mint</s>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Mật ong rừng"));
}

/// English words find Vietnamese products: the starter terms of each category, and terms
/// staff add (producers cannot), indexed with every product of the category at once.
#[tokio::test]
async fn words_buyers_use_for_a_category_find_its_products() {
    let mut app = one_producer(&[
        ("Gạch block 6 lỗ", "gach-khong-nung"),
        ("Tinh dầu hồi", "tinh-dau-gia-vi"),
        ("Mật ong rừng", "mat-ong"),
        ("Miến dong sợi nhỏ", "mien-dong"),
    ])
    .await;
    app.sign_in("canbo@example.vn").await;
    for (q, expected) in [
        ("cement bricks", "Gạch block 6 lỗ"),
        ("concrete blocks", "Gạch block 6 lỗ"),
        ("star anise oil", "Tinh dầu hồi"),
        ("mint honey", "Mật ong rừng"),
        ("glass noodles", "Miến dong sợi nhỏ"),
    ] {
        let r = app
            .get(&format!("/api/v1/search?q={}", q.replace(' ', "+")))
            .await
            .json();
        assert_eq!(names(&r), [expected], "{q}: {r}");
    }
    assert_eq!(app.get("/api/v1/search?q=bun+tau").await.json()["total"], 0);

    // A producer may not change them; nothing changes.
    app.sign_in("p@example.vn").await;
    let r = app
        .json(
            "PUT",
            "/api/v1/search/category-terms/mien-dong",
            json!({"terms": "bún tàu"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.clear_cookies();
    let r = app
        .json(
            "PUT",
            "/api/v1/search/category-terms/mien-dong",
            json!({"terms": "bún tàu"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.sign_in("canbo@example.vn").await;
    let listed = app.get("/api/v1/search/category-terms").await.json();
    let mien = listed
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["slug"] == "mien-dong")
        .expect("miến dong")
        .clone();
    assert_eq!(mien["parent"], "che-bien-nong-lam-san");
    assert!(
        mien["terms"]
            .as_array()
            .unwrap()
            .contains(&json!("glass noodles"))
    );

    // Staff add a local word on the page; the category's products are found by it.
    let r = app
        .json(
            "PUT",
            "/api/v1/search/category-terms/mien-dong",
            json!({"terms": "a b c d e f"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "search_terms.too_long");
    let r = app
        .post_form(
            "/staff/search/category-terms/mien-dong",
            &[("terms", "glass noodles, bún tàu")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.index().await;
    let r = app.get("/api/v1/search?q=bun+tau").await.json();
    assert_eq!(names(&r), ["Miến dong sợi nhỏ"], "{r}");
    let page = app.get("/staff/search").await;
    assert!(page.body.contains("glass noodles, bún tàu"));
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let entries = ketnoi::db::entities::audit::Entity::find()
        .filter(ketnoi::db::entities::audit::Column::Action.eq("category_terms.set"))
        .all(&app.db)
        .await
        .expect("audit");
    assert_eq!(entries.len(), 1, "the refused changes left no trace");
    assert!(entries[0].details.contains("bún tàu"));
}

/// Syllables typed together are read as the catalogue's words; a word nothing has is met
/// with the nearest spelling the catalogue has.
#[tokio::test]
async fn joined_syllables_are_split_and_a_slip_gets_the_nearest_spelling() {
    let mut app = TestApp::new().await;
    two_places(&mut app).await;
    let r = app.get("/api/v1/search?q=miendong").await.json();
    let mut found = names(&r);
    found.sort();
    assert_eq!(found, ["Miến dong Bình Liêu", "Miến dong sợi nhỏ"], "{r}");
    assert_eq!(
        r["hits"][0]["highlights"]["name"]
            .as_str()
            .expect("a name")
            .matches("<mark>")
            .count(),
        2,
        "{r}"
    );
    let r = app.get("/api/v1/search?q=matong").await.json();
    assert_eq!(names(&r), ["Mật ong rừng"], "{r}");
    let r = app.get("/api/v1/search?q=mieb").await.json();
    assert_eq!(r["total"], 0);
    assert_eq!(r["understood"]["suggestion"], "mien", "{r}");
    let page = app.get("/tim-kiem?q=mieb").await;
    assert!(
        page.body
            .contains("Có phải bạn muốn tìm: <a href=\"/tim-kiem?q=mien\">mien</a>"),
        "{}",
        page.body
    );
}

/// A category named in a query — by its Vietnamese or English name, or a word buyers use
/// for it — is said on the page, with the search within it and the search without it.
#[tokio::test]
async fn a_category_named_in_a_query_is_said_with_ways_to_narrow_or_drop_it() {
    let mut app = TestApp::new().await;
    two_places(&mut app).await;
    let r = app
        .get("/api/v1/search?q=mien+dong+quang+ninh")
        .await
        .json();
    assert_eq!(r["understood"]["category"]["slug"], "mien-dong", "{r}");
    assert_eq!(r["understood"]["category"]["text"], "mien dong");
    assert_eq!(r["understood"]["category"]["without"], "quang ninh");
    let r = app.get("/api/v1/search?q=wild+honey").await.json();
    assert_eq!(r["understood"]["category"]["slug"], "mat-ong", "{r}");
    assert_eq!(names(&r), ["Mật ong rừng"]);
    let r = app.get("/api/v1/search?q=rung").await.json();
    assert_eq!(r["understood"]["category"], json!(null));

    let page = app.get("/tim-kiem?q=mi%E1%BA%BFn+dong+na+r%C3%AC").await;
    assert!(page.body.contains("Danh mục: Miến dong"), "{}", page.body);
    let line = &page.body[page.body.find("Danh mục: Miến dong").expect("said")..];
    let line = &line[..line.find("</p>").expect("one line")];
    assert!(
        line.contains("category=mien-dong\">Chỉ xem danh mục này"),
        "{line}"
    );
    assert!(
        page.body
            .contains("/tim-kiem?q=na%20r%C3%AC\">Tìm không theo danh mục")
            || page
                .body
                .contains("/tim-kiem?q=na+r%C3%AC\">Tìm không theo danh mục"),
        "{}",
        page.body
    );
    // Already within it: no link to narrow again.
    let page = app.get("/tim-kiem?q=mien+dong&category=mien-dong").await;
    assert!(page.body.contains("Danh mục: Miến dong"));
    assert!(!page.body.contains("Chỉ xem danh mục này"));
}

/// `Chè Bắc Kạn`: the tea comes first — even from elsewhere — not the chopsticks and
/// persimmons of Bắc Kạn that `chè` reaches only through their parent category's name
/// (*Chế biến nông – lâm sản*).
#[tokio::test]
async fn a_named_category_ranks_its_products_above_words_of_a_parent_name() {
    let mut app = TestApp::new().await;
    let (_, na_ri) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let binh_lieu = enterprise_in(&mut app, "HTX Bình Liêu", 6838).await;
    publish(
        &mut app,
        &[
            (na_ri, "Đũa tre Bắc Kạn", "lam-san"),
            (na_ri, "Hồng không hạt Bắc Kạn", "trai-cay-che-bien"),
            (binh_lieu, "Chè xanh Bình Liêu", "che"),
        ],
    )
    .await;
    let r = app
        .get("/api/v1/search?q=Ch%C3%A8+B%E1%BA%AFc+K%E1%BA%A1n")
        .await
        .json();
    assert_eq!(names(&r)[0], "Chè xanh Bình Liêu", "{r}");
    assert_eq!(r["understood"]["category"]["slug"], "che");
    assert_eq!(r["understood"]["place"]["without"], "chè");
    assert!(
        !r.to_string().contains(ketnoi::search::CATEGORY_TOKEN),
        "the category's word is never shown"
    );
}

/// A slip in a 4-letter syllable is read as the catalogue's word when the query's other
/// words anchor it, said in `understood.corrected` and on the page, and marked where it is
/// found; alone, or in a word the catalogue has, it is left as typed.
#[tokio::test]
async fn a_slip_in_a_short_syllable_is_read_when_the_other_words_anchor_it() {
    let mut app = TestApp::new().await;
    let (_, na_ri) = app
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .await;
    let binh_lieu = enterprise_in(&mut app, "HTX Bình Liêu", 6838).await;
    publish(
        &mut app,
        &[
            (na_ri, "Miến dong Côn Minh", "mien-dong"),
            (binh_lieu, "Miến dong Bình Liêu", "mien-dong"),
            (na_ri, "Mật ong rừng", "mat-ong"),
        ],
    )
    .await;
    let read = |typed: &str, read: &str| json!([{"typed": typed, "read": read}]);

    let r = app.get("/api/v1/search?q=mein+dong+con+minh").await.json();
    assert_eq!(names(&r)[0], "Miến dong Côn Minh", "{r}");
    assert_eq!(r["understood"]["corrected"], read("mein", "mien"), "{r}");
    assert_eq!(r["understood"]["unmatched"], json!([]));
    assert_eq!(
        r["hits"][0]["highlights"]["name"],
        "<mark>Miến</mark> <mark>dong</mark> <mark>Côn</mark> <mark>Minh</mark>"
    );
    // Two words: every miến dong.
    let r = app.get("/api/v1/search?q=mein+dong").await.json();
    assert_eq!(r["total"], 2, "{r}");
    assert_eq!(r["understood"]["corrected"], read("mein", "mien"));
    assert_eq!(
        r["understood"]["category"]["slug"], "mien-dong",
        "read, then named"
    );
    // Three words, accents typed.
    let r = app
        .get("/api/v1/search?q=Mi%E1%BA%BFn+dogn+C%C3%B4n")
        .await
        .json();
    assert_eq!(names(&r)[0], "Miến dong Côn Minh", "{r}");
    assert_eq!(r["understood"]["corrected"], read("dogn", "dong"));
    // The slip in an accented syllable, with a place: read, then the place ranks.
    let r = app
        .get("/api/v1/search?q=Mi%E1%BA%BFm+dong+B%C3%ACnh+Li%C3%AAu")
        .await
        .json();
    assert_eq!(r["understood"]["corrected"], read("miếm", "mien"), "{r}");
    assert_eq!(names(&r)[0], "Miến dong Bình Liêu", "{r}");

    // Alone, a slip finds nothing and is offered the nearest spelling, as before.
    for (typed, offered) in [("mein", "mien"), ("dogn", "dong")] {
        let r = app.get(&format!("/api/v1/search?q={typed}")).await.json();
        assert_eq!(r["total"], 0, "{typed}: {r}");
        assert_eq!(r["understood"]["corrected"], json!([]));
        assert_eq!(r["understood"]["suggestion"], offered);
    }
    // A word the catalogue has is never read as another: `ninh` is in no product's name,
    // but Bình Liêu is in Quảng Ninh (and `minh` would meet `miến dong`).
    let r = app.get("/api/v1/search?q=mien+dong+ninh").await.json();
    assert_eq!(r["understood"]["corrected"], json!([]), "{r}");
    assert_eq!(names(&r), ["Miến dong Bình Liêu"], "{r}");

    let page = app.get("/tim-kiem?q=mein+dong+con+minh").await;
    assert!(
        page.body
            .contains("Đã hiểu <q>mein</q> là <strong>mien</strong>."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<mark>Miến</mark> <mark>dong</mark> <mark>Côn</mark> <mark>Minh</mark>")
    );
}

/// Staff setting several categories' words at once: every change is kept. (On SQLite a
/// transaction that reads before it writes cannot take the write lock once another writer
/// has committed after its read: it must take the lock when it begins.)
#[tokio::test]
async fn category_words_set_at_once_are_all_kept() {
    use ketnoi::services::category_terms::{NewTerms, set};
    use ketnoi::services::{Actor, SignedIn};
    use sea_orm::{EntityTrait, QueryOrder};
    let mut app = TestApp::new().await;
    let id = app.sign_in_new("staff", "canbo@example.vn").await;
    let staff = Actor::User(SignedIn {
        id,
        role: ketnoi::domain::Role::parse("staff").expect("role"),
        full_name: "Cán bộ".into(),
        email: None,
        phone: None,
    });
    let slugs: Vec<String> = ketnoi::db::entities::category::Entity::find()
        .order_by_asc(ketnoi::db::entities::category::Column::Id)
        .all(&app.db)
        .await
        .expect("categories")
        .into_iter()
        .map(|c| c.slug)
        .take(8)
        .collect();
    assert_eq!(slugs.len(), 8);
    let sets = slugs.iter().enumerate().map(|(i, slug)| {
        let (state, staff) = (&app.state, &staff);
        async move {
            let terms = NewTerms {
                terms: format!("từ thử {i}"),
            };
            set(state, staff, slug, &terms).await
        }
    });
    for (slug, kept) in slugs.iter().zip(futures_util::future::join_all(sets).await) {
        assert!(kept.is_ok(), "{slug}: {kept:?}");
    }
    let listed = app.get("/api/v1/search/category-terms").await.json();
    for (i, slug) in slugs.iter().enumerate() {
        let category = listed
            .as_array()
            .expect("categories")
            .iter()
            .find(|c| c["slug"] == slug.as_str())
            .expect("listed");
        assert_eq!(category["terms"], json!([format!("từ thử {i}")]), "{slug}");
    }
}
