//! The whole URL map in one place.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, patch, post, put};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use crate::http::api::{auth, catalogue, docs, fairs, media, requests, search};
use crate::http::upload::{self, UPLOAD_BODY_LIMIT};
use crate::http::{headers, pages, session, statics};

/// The plain photo form may carry several photos (camera and gallery) at once.
const PAGE_UPLOAD_LIMIT: usize = 4 * UPLOAD_BODY_LIMIT;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/logout-all", post(auth::logout_all))
        .route("/auth/password", post(auth::change_password))
        .route("/auth/password-reset", post(auth::request_password_reset))
        .route(
            "/auth/password-reset/complete",
            post(auth::complete_password_reset),
        )
        .route("/me", get(auth::me))
        .route("/users", post(auth::create_user))
        .route(
            "/users/{id}/password-reset",
            post(auth::create_password_reset),
        )
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
            "/enterprises/{id}/review",
            post(catalogue::review_enterprise),
        )
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
        .route(
            "/products/{id}/photos",
            get(media::list_photos)
                .post(media::add_photo)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/products/{id}/photos/order", put(media::reorder_photos))
        .route(
            "/products/{id}/photos/{photo_id}",
            delete(media::delete_photo),
        )
        .route(
            "/products/{id}/documents",
            get(media::list_product_documents)
                .post(media::add_product_document)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/enterprises/{id}/logo",
            put(media::set_logo)
                .delete(media::delete_logo)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/enterprises/{id}/documents",
            get(media::list_enterprise_documents)
                .post(media::add_enterprise_document)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/documents/{id}", delete(media::delete_document))
        .route("/documents/{id}/file", get(media::download_document))
        .route("/documents/{id}/verify", post(media::verify_document))
        .route("/requests", get(requests::list).post(requests::submit))
        .route("/requests/stats", get(requests::stats))
        .route("/requests/{id}", get(requests::show))
        .route("/requests/{id}/transition", post(requests::transition))
        .route("/requests/{id}/assign", post(requests::assign))
        .route("/requests/{id}/notes", post(requests::add_note))
        .route("/requests/{id}/suggestions", get(requests::suggestions))
        .route("/requests/{id}/shortlist", post(requests::shortlist))
        .route(
            "/requests/{id}/shortlist/{enterprise_id}",
            delete(requests::unshortlist),
        )
        .route("/requests/{id}/forward", post(requests::forward))
        .route("/requests/{id}/response", post(requests::respond))
        .route("/requests/{id}/messages", post(requests::message))
        .route("/requests/{id}/connect", post(requests::connect))
        .route("/requests/{id}/close", post(requests::close))
        .route("/requests/{id}/verify-phone", post(requests::verify_phone))
        .route("/fairs", get(fairs::list).post(fairs::create))
        .route("/fairs/{id}", get(fairs::show).patch(fairs::update))
        .route("/fairs/{id}/exhibitors", post(fairs::add_exhibitor))
        .route(
            "/fairs/{id}/exhibitors/{exhibitor_id}",
            patch(fairs::update_exhibitor).delete(fairs::remove_exhibitor),
        )
        .route("/fairs/{id}/leads", post(fairs::capture_lead))
        .route("/fairs/{id}/results", get(fairs::results))
        .route("/fairs/{id}/qr", get(fairs::qr))
        .route("/notifications", get(requests::notifications))
        .route("/notifications/read", post(requests::mark_read))
        .route("/audit", get(catalogue::list_audit))
        .route("/search", get(search::search_products))
        .route("/search/status", get(search::search_status))
        .route(
            "/search/synonyms",
            get(search::list_synonyms).post(search::add_synonyms),
        )
        .route("/search/synonyms/{id}", delete(search::remove_synonyms))
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
        .route("/tai-khoan", get(pages::account::account_page))
        .route("/tai-khoan/mat-khau", post(pages::account::change_password))
        .route(
            "/tai-khoan/dang-xuat-tat-ca",
            post(pages::account::sign_out_everywhere),
        )
        .route(
            "/quen-mat-khau",
            get(pages::account::forgot_page).post(pages::account::forgot),
        )
        .route(
            "/dat-lai-mat-khau",
            get(pages::account::reset_page).post(pages::account::reset),
        )
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
        .route(
            "/dashboard/products/{id}/media",
            get(pages::media::product_media),
        )
        .route(
            "/dashboard/products/{id}/photos",
            post(pages::media::add_photos).layer(DefaultBodyLimit::max(PAGE_UPLOAD_LIMIT)),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}",
            post(pages::media::photo_action),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}/cover",
            post(pages::media::make_cover),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}/move-up",
            post(pages::media::move_photo_up),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}/move-down",
            post(pages::media::move_photo_down),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}/delete",
            post(pages::media::delete_photo),
        )
        .route(
            "/dashboard/products/{id}/documents",
            post(pages::media::add_product_document)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/dashboard/enterprises/{id}/media",
            get(pages::media::enterprise_media),
        )
        .route(
            "/dashboard/enterprises/{id}/logo",
            post(pages::media::set_logo).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/dashboard/enterprises/{id}/logo/delete",
            post(pages::media::delete_logo),
        )
        .route(
            "/dashboard/enterprises/{id}/documents",
            post(pages::media::add_enterprise_document)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/dashboard/documents/{id}/file",
            get(pages::media::download_document),
        )
        .route(
            "/dashboard/documents/{id}/delete",
            post(pages::media::delete_document),
        )
        .route("/staff/documents", get(pages::media::staff_documents))
        .route(
            "/staff/documents/{id}/verify",
            post(pages::media::verify_document),
        )
        .route(
            "/yeu-cau/moi",
            get(pages::requests::new_request).post(pages::requests::create_request),
        )
        .route("/yeu-cau", get(pages::requests::my_requests))
        .route(
            "/yeu-cau/{id}",
            get(pages::requests::show_request).post(pages::requests::party_action),
        )
        .route(
            "/yeu-cau/{id}/rut-lai",
            post(pages::requests::withdraw_request),
        )
        .route(
            "/yeu-cau/{id}/tra-loi",
            post(pages::requests::respond_to_request),
        )
        .route(
            "/yeu-cau/{id}/tin-nhan",
            post(pages::requests::send_party_message),
        )
        .route("/hoi-cho", get(pages::fairs::list))
        .route("/hoi-cho/sw.js", get(pages::fairs::service_worker))
        .route("/hoi-cho/{slug}", get(pages::fairs::show))
        .route("/hoi-cho/{slug}/gian/{booth}", get(pages::fairs::booth))
        .route("/hoi-cho/{slug}/qr/{file}", get(pages::fairs::qr_file))
        .route("/hoi-cho/{slug}/in/{what}", get(pages::fairs::print_html))
        .route("/hoi-cho/{slug}/pdf/{what}", get(pages::fairs::print_pdf))
        .route(
            "/hoi-cho/{slug}/khach-hang",
            get(pages::fairs::capture).post(pages::fairs::capture_post),
        )
        .route("/hoi-cho/{slug}/ket-qua", get(pages::fairs::results))
        .route(
            "/hoi-cho/{slug}/ket-qua.csv",
            get(pages::fairs::results_csv),
        )
        .route("/staff/fairs", get(pages::fairs::staff_list))
        .route(
            "/staff/fairs/new",
            get(pages::fairs::new_fair).post(pages::fairs::create_fair),
        )
        .route(
            "/staff/fairs/{id}",
            get(pages::fairs::manage).post(pages::fairs::manage_post),
        )
        .route("/staff/fairs/{id}/edit", post(pages::fairs::update_fair))
        .route(
            "/staff/fairs/{id}/exhibitors",
            post(pages::fairs::add_exhibitor),
        )
        .route(
            "/staff/fairs/{id}/exhibitors/{exhibitor_id}",
            post(pages::fairs::update_exhibitor),
        )
        .route(
            "/staff/fairs/{id}/exhibitors/{exhibitor_id}/delete",
            post(pages::fairs::remove_exhibitor),
        )
        .route("/thong-bao", get(pages::requests::inbox))
        .route("/thong-bao/da-doc", post(pages::requests::mark_all_read))
        .route("/staff/requests", get(pages::requests::desk))
        .route("/staff/requests/stats", get(pages::requests::stats))
        .route(
            "/staff/requests/{id}",
            get(pages::requests::desk_request).post(pages::requests::desk_action),
        )
        .route(
            "/staff/requests/{id}/transition",
            post(pages::requests::transition_request),
        )
        .route(
            "/staff/requests/{id}/assign",
            post(pages::requests::assign_request),
        )
        .route(
            "/staff/requests/{id}/notes",
            post(pages::requests::add_note),
        )
        .route(
            "/staff/requests/{id}/shortlist",
            post(pages::requests::shortlist_enterprise),
        )
        .route(
            "/staff/requests/{id}/shortlist/{enterprise_id}/delete",
            post(pages::requests::unshortlist_enterprise),
        )
        .route(
            "/staff/requests/{id}/forward",
            post(pages::requests::forward_request),
        )
        .route(
            "/staff/requests/{id}/connect",
            post(pages::requests::connect_parties),
        )
        .route(
            "/staff/requests/{id}/messages",
            post(pages::requests::send_desk_message),
        )
        .route(
            "/staff/requests/{id}/verify-phone",
            post(pages::requests::verify_phone),
        )
        .route(
            "/staff/requests/{id}/close",
            post(pages::requests::close_request),
        )
        .route("/staff/review", get(pages::staff::review_queue))
        .route(
            "/staff/review/{id}",
            get(pages::staff::review_page).post(pages::staff::decide),
        )
        .route(
            "/staff/review/{id}/approve",
            post(pages::staff::approve_product),
        )
        .route(
            "/staff/review/{id}/reject",
            post(pages::staff::reject_product),
        )
        .route(
            "/staff/review/co-so/{id}",
            get(pages::staff::enterprise_review_page).post(pages::staff::decide_enterprise),
        )
        .route(
            "/staff/review/co-so/{id}/approve",
            post(pages::staff::approve_enterprise),
        )
        .route(
            "/staff/review/co-so/{id}/reject",
            post(pages::staff::reject_enterprise),
        )
        .route(
            "/staff/products/{id}/unpublish",
            post(pages::staff::unpublish),
        )
        .route(
            "/staff/producers/new",
            get(pages::staff::new_producer).post(pages::staff::create_producer),
        )
        .route("/staff/accounts", get(pages::staff::accounts_page))
        .route(
            "/staff/accounts/{id}/password-reset",
            post(pages::staff::create_reset_link),
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
        .route("/media/{*key}", get(upload::serve_media))
        .nest("/api/v1", api)
        .route("/api/docs", get(docs::api_docs))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The whole application over an already migrated database: its state, then its routes.
pub async fn build_app(
    db: sea_orm::DatabaseConnection,
    config: crate::config::Config,
) -> anyhow::Result<Router> {
    Ok(router(crate::app::build_state(db, config).await?))
}
