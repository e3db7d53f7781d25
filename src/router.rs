//! The whole URL map in one place.

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::http::api::{auth, catalogue, docs, search};
use crate::http::{pages, session, statics};

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/users", post(auth::create_user))
        .route("/categories", get(catalogue::list_categories))
        .route("/provinces", get(catalogue::list_provinces))
        .route("/provinces/{code}/communes", get(catalogue::list_communes))
        .route(
            "/enterprises",
            get(catalogue::list_enterprises).post(catalogue::create_enterprise),
        )
        .route(
            "/enterprises/{id}",
            get(catalogue::get_enterprise).patch(catalogue::update_enterprise),
        )
        .route("/enterprises/{id}/members", post(catalogue::add_member))
        .route(
            "/products",
            get(catalogue::list_products).post(catalogue::create_product),
        )
        .route(
            "/products/{id}",
            get(catalogue::get_product)
                .patch(catalogue::update_product)
                .delete(catalogue::delete_product),
        )
        .route("/products/{id}/submit", post(catalogue::submit_product))
        .route("/products/{id}/review", post(catalogue::review_product))
        .route(
            "/products/{id}/unpublish",
            post(catalogue::unpublish_product),
        )
        .route("/audit", get(catalogue::list_audit))
        .route("/search", get(search::search_products))
        .route("/search/status", get(search::search_status))
        .route(
            "/search/synonyms",
            get(search::list_synonyms).post(search::add_synonyms),
        )
        .route(
            "/search/synonyms/{id}",
            axum::routing::delete(search::remove_synonyms),
        )
        .route("/openapi.json", get(docs::openapi_json))
        .fallback(catalogue::not_found);

    Router::new()
        .route("/", get(pages::catalogue::home))
        .route("/san-pham", get(pages::catalogue::browse))
        .route("/san-pham/{slug}", get(pages::catalogue::product_page))
        .route("/co-so/{slug}", get(pages::catalogue::enterprise_page))
        .route("/tim-kiem", get(pages::search::search_page))
        .route("/lang/{code}", get(pages::account::switch_lang))
        .route(
            "/dang-nhap",
            get(pages::account::sign_in_page).post(pages::account::sign_in),
        )
        .route(
            "/dang-ky",
            get(pages::account::register_page).post(pages::account::register),
        )
        .route("/dang-xuat", post(pages::account::sign_out))
        .route("/dashboard", get(pages::dashboard::dashboard))
        .route(
            "/dashboard/enterprises/new",
            get(pages::dashboard::new_enterprise).post(pages::dashboard::create_enterprise),
        )
        .route(
            "/dashboard/enterprises/{id}/edit",
            get(pages::dashboard::edit_enterprise).post(pages::dashboard::update_enterprise),
        )
        .route(
            "/dashboard/products/new",
            get(pages::dashboard::new_product).post(pages::dashboard::create_product),
        )
        .route(
            "/dashboard/products/{id}/edit",
            get(pages::dashboard::edit_product).post(pages::dashboard::update_product),
        )
        .route(
            "/dashboard/products/{id}/submit",
            post(pages::dashboard::submit_product),
        )
        .route(
            "/dashboard/products/{id}/delete",
            post(pages::dashboard::delete_product),
        )
        .route("/staff/review", get(pages::staff::review_queue))
        .route(
            "/staff/review/{id}",
            get(pages::staff::review_page).post(pages::staff::decide),
        )
        .route(
            "/staff/products/{id}/unpublish",
            post(pages::staff::unpublish),
        )
        .route(
            "/staff/producers/new",
            get(pages::staff::new_producer).post(pages::staff::create_producer),
        )
        .route("/staff/audit", get(pages::staff::audit_log))
        .route("/staff/search", get(pages::staff::search_status))
        .route("/staff/search/rebuild", post(pages::staff::rebuild_search))
        .route("/staff/search/synonyms", post(pages::staff::add_synonyms))
        .route(
            "/staff/search/synonyms/{id}/delete",
            post(pages::staff::remove_synonyms),
        )
        .route("/healthz", get(pages::healthz))
        .route("/static/{*path}", get(statics::serve))
        .nest("/api/v1", api)
        .route("/api/docs", get(docs::api_docs))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::guard,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
