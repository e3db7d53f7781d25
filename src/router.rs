//! The whole URL map in one place.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Extension, Router, middleware};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::context::AppState;
use crate::http::api::{
    auth, catalogue, docs, fairs, imports, programmes, requests, search, uploads,
};
use crate::http::upload::{self, UPLOAD_BODY_LIMIT};
use crate::http::{headers, pages, session, statics};

/// The plain photo form may carry several photos (camera and gallery) at once.
const PAGE_UPLOAD_LIMIT: usize = 4 * UPLOAD_BODY_LIMIT;
/// A survey workbook of a whole province.
const IMPORT_BODY_LIMIT: usize = 40 * 1024 * 1024;

/// The JSON API under `/api/v1`. Each handler's `#[utoipa::path]` names its method and
/// path, so a handler routed here is in the OpenAPI document too.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::logout_all))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::request_password_reset))
        .routes(routes!(auth::complete_password_reset))
        .routes(routes!(auth::me))
        .routes(routes!(auth::create_user))
        .routes(routes!(auth::create_password_reset))
        .routes(routes!(catalogue::list_categories))
        .routes(routes!(catalogue::list_provinces))
        .routes(routes!(catalogue::list_communes))
        .routes(routes!(
            catalogue::list_enterprises,
            catalogue::create_enterprise
        ))
        .routes(routes!(
            catalogue::get_enterprise,
            catalogue::update_enterprise
        ))
        .routes(routes!(catalogue::add_member))
        .routes(routes!(catalogue::review_enterprise))
        .routes(routes!(catalogue::list_products, catalogue::create_product))
        .routes(routes!(
            catalogue::get_product,
            catalogue::update_product,
            catalogue::delete_product
        ))
        .routes(routes!(catalogue::submit_product))
        .routes(routes!(catalogue::review_product))
        .routes(routes!(catalogue::unpublish_product))
        .routes(
            routes!(uploads::list_photos, uploads::add_photo)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .routes(routes!(uploads::reorder_photos))
        .routes(routes!(uploads::delete_photo))
        .routes(
            routes!(
                uploads::list_product_documents,
                uploads::add_product_document
            )
            .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .routes(
            routes!(uploads::set_logo, uploads::delete_logo)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .routes(
            routes!(
                uploads::list_enterprise_documents,
                uploads::add_enterprise_document
            )
            .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .routes(routes!(uploads::delete_document))
        .routes(routes!(uploads::download_document))
        .routes(routes!(uploads::verify_document))
        .routes(routes!(requests::list, requests::submit))
        .routes(routes!(requests::stats))
        .routes(routes!(requests::show))
        .routes(routes!(requests::transition))
        .routes(routes!(requests::assign))
        .routes(routes!(requests::add_note))
        .routes(routes!(requests::suggestions))
        .routes(routes!(requests::shortlist))
        .routes(routes!(requests::unshortlist))
        .routes(routes!(requests::forward))
        .routes(routes!(requests::respond))
        .routes(routes!(requests::message))
        .routes(routes!(requests::connect))
        .routes(routes!(requests::close))
        .routes(routes!(requests::verify_phone))
        .routes(routes!(fairs::list, fairs::create))
        .routes(routes!(fairs::show, fairs::update))
        .routes(routes!(fairs::add_exhibitor))
        .routes(routes!(fairs::update_exhibitor, fairs::remove_exhibitor))
        .routes(routes!(fairs::capture_lead))
        .routes(routes!(fairs::results))
        .routes(routes!(fairs::qr))
        .routes(routes!(programmes::create))
        .routes(routes!(programmes::show, programmes::update))
        .routes(routes!(programmes::move_to))
        .routes(routes!(programmes::disburse))
        .routes(routes!(programmes::plan))
        .routes(routes!(programmes::set_budget))
        .routes(routes!(programmes::set_limit))
        .routes(routes!(programmes::candidates))
        .routes(routes!(programmes::completed))
        .routes(routes!(programmes::add_beneficiary))
        .routes(routes!(programmes::withdraw_beneficiary))
        .routes(routes!(programmes::replace_beneficiary))
        .routes(routes!(programmes::replacements))
        .routes(routes!(programmes::record_indicators))
        .routes(routes!(programmes::set_checklist_item))
        .routes(routes!(programmes::add_milestone))
        .routes(routes!(programmes::set_milestone_done))
        .routes(routes!(programmes::record_contribution))
        .routes(routes!(programmes::add_visit).layer(DefaultBodyLimit::max(PAGE_UPLOAD_LIMIT)))
        .routes(routes!(programmes::add_document).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .routes(routes!(programmes::delete_document))
        .routes(routes!(programmes::download_document))
        .routes(routes!(programmes::enterprise_support))
        .routes(routes!(programmes::record_survey, programmes::list_surveys))
        .routes(routes!(programmes::show_survey))
        .routes(routes!(programmes::survey_proposal))
        .routes(
            routes!(programmes::add_survey_photo).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .routes(routes!(programmes::survey_photo))
        .routes(
            routes!(imports::check, imports::list).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .routes(routes!(imports::get))
        .routes(routes!(imports::choose_columns))
        .routes(routes!(imports::start))
        .routes(routes!(imports::export_catalogue))
        .routes(routes!(imports::export_beneficiaries))
        .routes(routes!(requests::notifications))
        .routes(routes!(requests::mark_read))
        .routes(routes!(catalogue::list_audit))
        .routes(routes!(search::search_products))
        .routes(routes!(search::search_communes))
        .routes(routes!(search::search_status))
        .routes(routes!(search::list_synonyms, search::add_synonyms))
        .routes(routes!(search::remove_synonyms))
        .routes(routes!(search::list_category_terms))
        .routes(routes!(search::set_category_terms))
        .routes(routes!(search::retry_dead_letter))
        // The document itself is not one of its operations.
        .route("/openapi.json", get(docs::openapi_json))
        .fallback(catalogue::not_found)
}

/// Support programme pages: the plan, a programme and its actions, surveys, candidates, a
/// producer's own support and the public list.
fn programme_pages() -> Router<AppState> {
    use pages::programmes::{candidates, form, plan, print, public, show, surveys};
    Router::new()
        .route("/de-an", get(public::completed))
        .route("/dashboard/support", get(public::my_support))
        .route("/staff/programmes", get(plan::plan))
        .route(
            "/staff/programmes/plan/{year}/budget",
            post(plan::set_budget),
        )
        .route(
            "/staff/programmes/plan/{year}/limits/{kind}",
            post(plan::set_limit),
        )
        .route(
            "/staff/programmes/new",
            get(form::new_programme).post(form::create_programme),
        )
        .route("/staff/programmes/{id}", get(show::show))
        .route(
            "/staff/programmes/{id}/edit",
            get(form::edit_programme).post(form::update_programme),
        )
        .route("/staff/programmes/{id}/print", get(print::print_html))
        .route("/staff/programmes/{id}/proposal.pdf", get(print::print_pdf))
        .route(
            "/staff/programmes/{id}/beneficiaries.xlsx",
            get(show::beneficiaries_xlsx),
        )
        .route("/staff/programmes/{id}/moves", post(show::move_programme))
        .route(
            "/staff/programmes/{id}/checklist",
            post(show::save_checklist),
        )
        .route(
            "/staff/programmes/{id}/beneficiaries",
            post(show::add_beneficiary),
        )
        .route(
            "/staff/programmes/{id}/beneficiaries/{bid}/withdraw",
            post(show::withdraw_beneficiary),
        )
        .route(
            "/staff/programmes/{id}/beneficiaries/{bid}/replace",
            post(show::replace_beneficiary),
        )
        .route(
            "/staff/programmes/{id}/beneficiaries/{bid}/indicators",
            post(show::record_indicators),
        )
        .route(
            "/staff/programmes/{id}/milestones",
            post(show::add_milestone),
        )
        .route(
            "/staff/programmes/{id}/milestones/{mid}/done",
            post(show::milestone_done),
        )
        .route(
            "/staff/programmes/{id}/contributions",
            post(show::record_contribution),
        )
        .route("/staff/programmes/{id}/disbursements", post(show::disburse))
        .route(
            "/staff/programmes/{id}/visits",
            post(show::add_visit).layer(DefaultBodyLimit::max(PAGE_UPLOAD_LIMIT)),
        )
        .route(
            "/staff/programmes/{id}/documents",
            post(show::add_document).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/staff/programmes/{id}/documents/{did}/delete",
            post(show::delete_document),
        )
        .route(
            "/staff/programme-documents/{did}",
            get(show::download_document),
        )
        .route("/staff/candidates", get(candidates::candidates))
        .route("/staff/candidates/add", post(candidates::add_to_programme))
        .route("/staff/surveys", get(surveys::list))
        .route("/staff/surveys/sw.js", get(surveys::service_worker))
        .route(
            "/staff/surveys/new",
            get(surveys::new_survey)
                .post(surveys::record)
                .layer(DefaultBodyLimit::max(PAGE_UPLOAD_LIMIT)),
        )
        .route("/staff/surveys/{id}", get(surveys::show))
        .route("/staff/survey-photos/{id}", get(surveys::photo))
}

pub fn router(state: AppState) -> Router {
    let (api, document) = OpenApiRouter::with_openapi(docs::ApiDoc::openapi())
        .nest("/api/v1", api())
        .split_for_parts();
    let document = Extension(Arc::new(document));

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
            "/dashboard/products/new/submit",
            post(pages::dashboard::create_and_submit_product),
        )
        .route(
            "/dashboard/products/{id}/edit/submit",
            post(pages::dashboard::update_and_submit_product),
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
            get(pages::uploads::product_media),
        )
        .route(
            "/dashboard/products/{id}/photos",
            post(pages::uploads::add_photos).layer(DefaultBodyLimit::max(PAGE_UPLOAD_LIMIT)),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}",
            post(pages::uploads::photo_action),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}/cover",
            post(pages::uploads::make_cover),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}/move-up",
            post(pages::uploads::move_photo_up),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}/move-down",
            post(pages::uploads::move_photo_down),
        )
        .route(
            "/dashboard/products/{id}/photos/{photo_id}/delete",
            post(pages::uploads::delete_photo),
        )
        .route(
            "/dashboard/products/{id}/documents",
            post(pages::uploads::add_product_document)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/dashboard/enterprises/{id}/media",
            get(pages::uploads::enterprise_media),
        )
        .route(
            "/dashboard/enterprises/{id}/logo",
            post(pages::uploads::set_logo).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/dashboard/enterprises/{id}/logo/delete",
            post(pages::uploads::delete_logo),
        )
        .route(
            "/dashboard/enterprises/{id}/documents",
            post(pages::uploads::add_enterprise_document)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/dashboard/documents/{id}/file",
            get(pages::uploads::download_document),
        )
        .route(
            "/dashboard/documents/{id}/delete",
            post(pages::uploads::delete_document),
        )
        .route("/staff/documents", get(pages::uploads::staff_documents))
        .route(
            "/staff/documents/{id}/verify",
            post(pages::uploads::verify_document),
        )
        .route(
            "/yeu-cau/moi",
            get(pages::requests::form::new_request).post(pages::requests::form::create_request),
        )
        .route("/yeu-cau", get(pages::requests::list::my_requests))
        .route(
            "/yeu-cau/{id}",
            get(pages::requests::show::show_request).post(pages::requests::show::party_action),
        )
        .route(
            "/yeu-cau/{id}/rut-lai",
            post(pages::requests::show::withdraw_request),
        )
        .route(
            "/yeu-cau/{id}/tra-loi",
            post(pages::requests::show::respond_to_request),
        )
        .route(
            "/yeu-cau/{id}/tin-nhan",
            post(pages::requests::show::send_party_message),
        )
        .route("/hoi-cho", get(pages::fairs::list::list))
        .route("/hoi-cho/sw.js", get(pages::fairs::capture::service_worker))
        .route("/hoi-cho/{slug}", get(pages::fairs::show::show))
        .route(
            "/hoi-cho/{slug}/gian/{booth}",
            get(pages::fairs::booth::booth),
        )
        .route(
            "/hoi-cho/{slug}/qr/{file}",
            get(pages::fairs::print::qr_file),
        )
        .route(
            "/hoi-cho/{slug}/in/{what}",
            get(pages::fairs::print::print_html),
        )
        .route(
            "/hoi-cho/{slug}/pdf/{what}",
            get(pages::fairs::print::print_pdf),
        )
        .route(
            "/hoi-cho/{slug}/khach-hang",
            get(pages::fairs::capture::capture).post(pages::fairs::capture::capture_post),
        )
        .route(
            "/hoi-cho/{slug}/ket-qua",
            get(pages::fairs::results::results),
        )
        .route(
            "/hoi-cho/{slug}/ket-qua.csv",
            get(pages::fairs::results::results_csv),
        )
        .route(
            "/hoi-cho/{slug}/ket-qua.xlsx",
            get(pages::fairs::results::results_xlsx),
        )
        .route("/staff/fairs", get(pages::fairs::list::staff_list))
        .route(
            "/staff/fairs/new",
            get(pages::fairs::manage::new_fair).post(pages::fairs::manage::create_fair),
        )
        .route(
            "/staff/fairs/{id}",
            get(pages::fairs::manage::manage_fair).post(pages::fairs::manage::manage_post),
        )
        .route(
            "/staff/fairs/{id}/edit",
            post(pages::fairs::manage::update_fair),
        )
        .route(
            "/staff/fairs/{id}/exhibitors",
            post(pages::fairs::manage::add_exhibitor),
        )
        .route(
            "/staff/fairs/{id}/exhibitors/{exhibitor_id}",
            post(pages::fairs::manage::update_exhibitor),
        )
        .route(
            "/staff/fairs/{id}/exhibitors/{exhibitor_id}/delete",
            post(pages::fairs::manage::remove_exhibitor),
        )
        .route("/thong-bao", get(pages::requests::inbox::inbox))
        .route(
            "/thong-bao/da-doc",
            post(pages::requests::inbox::mark_all_read),
        )
        .route("/staff/requests", get(pages::requests::desk::desk))
        .route("/staff/requests/stats", get(pages::requests::stats::stats))
        .route(
            "/staff/requests/{id}",
            get(pages::requests::desk_request::desk_request)
                .post(pages::requests::desk_request::desk_action),
        )
        .route(
            "/staff/requests/{id}/transition",
            post(pages::requests::desk_request::transition_request),
        )
        .route(
            "/staff/requests/{id}/assign",
            post(pages::requests::desk_request::assign_request),
        )
        .route(
            "/staff/requests/{id}/notes",
            post(pages::requests::desk_request::add_note),
        )
        .route(
            "/staff/requests/{id}/shortlist",
            post(pages::requests::desk_request::shortlist_enterprise),
        )
        .route(
            "/staff/requests/{id}/shortlist/{enterprise_id}/delete",
            post(pages::requests::desk_request::unshortlist_enterprise),
        )
        .route(
            "/staff/requests/{id}/forward",
            post(pages::requests::desk_request::forward_request),
        )
        .route(
            "/staff/requests/{id}/connect",
            post(pages::requests::desk_request::connect_parties),
        )
        .route(
            "/staff/requests/{id}/messages",
            post(pages::requests::desk_request::send_desk_message),
        )
        .route(
            "/staff/requests/{id}/verify-phone",
            post(pages::requests::desk_request::verify_phone),
        )
        .route(
            "/staff/requests/{id}/close",
            post(pages::requests::desk_request::close_request),
        )
        .route("/staff/review", get(pages::staff::queue::review_queue))
        .route(
            "/staff/review/{id}",
            get(pages::staff::review::review_page).post(pages::staff::review::decide),
        )
        .route(
            "/staff/review/{id}/approve",
            post(pages::staff::review::approve_product),
        )
        .route(
            "/staff/review/{id}/reject",
            post(pages::staff::review::reject_product),
        )
        .route(
            "/staff/review/co-so/{id}",
            get(pages::staff::enterprise_review::enterprise_review_page)
                .post(pages::staff::enterprise_review::decide_enterprise),
        )
        .route(
            "/staff/review/co-so/{id}/approve",
            post(pages::staff::enterprise_review::approve_enterprise),
        )
        .route(
            "/staff/review/co-so/{id}/reject",
            post(pages::staff::enterprise_review::reject_enterprise),
        )
        .route(
            "/staff/products/{id}/unpublish",
            post(pages::staff::review::unpublish),
        )
        .route(
            "/staff/producers/new",
            get(pages::staff::producers::new_producer)
                .post(pages::staff::producers::create_producer),
        )
        .route(
            "/staff/accounts",
            get(pages::staff::accounts::accounts_page),
        )
        .route(
            "/staff/accounts/{id}/password-reset",
            post(pages::staff::accounts::create_reset_link),
        )
        .route("/staff/audit", get(pages::staff::audit::audit_log))
        .route("/staff/expiring", get(pages::staff::expiring::expiring))
        .route(
            "/staff/imports",
            get(pages::staff::imports::list)
                .post(pages::staff::imports::upload)
                .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route("/staff/imports/{id}", get(pages::staff::imports::show))
        .route("/staff/reports", get(pages::staff::reports::index))
        .route(
            "/staff/reports/catalogue",
            get(pages::staff::reports::catalogue),
        )
        .route(
            "/staff/reports/programmes",
            get(pages::staff::reports::programmes),
        )
        .route("/staff/reports/fairs", get(pages::staff::reports::fairs))
        .route(
            "/staff/imports/{id}/columns",
            post(pages::staff::imports::columns),
        )
        .route(
            "/staff/imports/{id}/start",
            post(pages::staff::imports::start),
        )
        .route(
            "/staff/imports/{id}/report.xlsx",
            get(pages::staff::imports::report),
        )
        .route("/staff/search", get(pages::staff::search::search_status))
        .route(
            "/staff/search/rebuild",
            post(pages::staff::search::rebuild_search),
        )
        .route(
            "/staff/search/category-terms/{slug}",
            post(pages::staff::search::set_category_terms),
        )
        .route(
            "/staff/search/synonyms",
            post(pages::staff::search::add_synonyms),
        )
        .route(
            "/staff/search/synonyms/{id}/delete",
            post(pages::staff::search::remove_synonyms),
        )
        .route(
            "/staff/search/dead-letters/{id}/retry",
            post(pages::staff::search::retry_dead_letter),
        )
        .merge(programme_pages())
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(pages::readyz))
        .route("/metrics", get(crate::http::metrics::metrics))
        .route("/static/{*path}", get(statics::serve))
        .route("/media/{*key}", get(upload::serve_media))
        .merge(api.layer(document.clone()))
        .route("/api/docs", get(docs::api_docs).layer(document))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            pages::error_pages,
        ))
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
        .layer(middleware::from_fn(crate::http::metrics::record))
        .layer(TraceLayer::new_for_http().make_span_with(crate::http::request_id::span))
        .layer(middleware::from_fn(crate::http::request_id::assign))
        .with_state(state)
}

/// The whole application over an already migrated database: its state, then its routes.
pub async fn build_app(
    db: sea_orm::DatabaseConnection,
    config: crate::config::Config,
) -> anyhow::Result<Router> {
    Ok(router(crate::app::build_state(db, config).await?))
}
