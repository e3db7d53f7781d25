//! The demo catalogue as a visitor first sees it: every product with a picture of its own,
//! stored and served like an uploaded photo.

mod common;

use std::collections::HashSet;

use axum::http::StatusCode;
use ketnoi::db::entities::{photo, product};
use sea_orm::EntityTrait;

#[tokio::test]
async fn every_demo_product_has_a_picture_of_its_own_served_like_a_photo() {
    let mut app = common::TestApp::new().await;
    let started = std::time::Instant::now();
    ketnoi::services::demo::load(&app.state)
        .await
        .expect("the demo loads")
        .expect("into an empty catalogue");
    eprintln!("demo seeded in {:.1} s", started.elapsed().as_secs_f64());

    // Every product, whatever its state, has a photo row; no two products share a picture.
    let products = product::Entity::find()
        .all(&app.state.db)
        .await
        .expect("products");
    let photos = photo::Entity::find()
        .all(&app.state.db)
        .await
        .expect("photos");
    for p in &products {
        assert!(
            photos.iter().any(|ph| ph.product_id == Some(p.id)),
            "{} has no photo",
            p.name
        );
    }
    let pictures: HashSet<&str> = photos.iter().map(|ph| ph.hash.as_str()).collect();
    assert_eq!(
        pictures.len(),
        products.len(),
        "each product its own picture"
    );

    // A visitor sees every published product with a cover, in every size, as images.
    let list = app.get("/api/v1/products?per_page=100").await.json();
    let items = list["items"].as_array().expect("items");
    let published = products
        .iter()
        .filter(|p| p.status == ketnoi::domain::ProductStatus::Published)
        .count();
    assert!(published > 20, "{published} published");
    assert_eq!(items.len(), published, "{list}");
    for item in items {
        let cover = &item["photos"][0];
        let variants = cover["variants"]
            .as_array()
            .unwrap_or_else(|| panic!("{} has no photo: {item}", item["name"]));
        assert!(variants.len() >= 4, "{cover}");
        for v in variants {
            let url = v["url"].as_str().expect("url");
            let got = app.get(url).await;
            assert_eq!(got.status, StatusCode::OK, "{url}");
            let ct = got.headers["content-type"].to_str().expect("ascii");
            assert!(ct.starts_with("image/"), "{url}: {ct}");
            let img = image::load_from_memory(&got.bytes).expect("an image");
            assert_eq!(u64::from(img.width()), v["width"].as_u64().expect("width"));
        }
    }

    // The grid shows a picture on every card: each card's `<picture>` loads with the page, or
    // waits to be seen with a `<noscript>` copy that does.
    let grid = app.get("/san-pham").await;
    assert_eq!(grid.status, StatusCode::OK);
    let cards = grid.body.matches("<li class=\"card\">").count();
    assert!(cards > 0);
    assert_eq!(
        grid.body.matches("<picture>").count(),
        cards,
        "{}",
        grid.body
    );
}
