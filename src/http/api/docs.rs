//! The OpenAPI document and its reading page.

use utoipa::OpenApi;

use super::{auth, catalogue};

#[derive(OpenApi)]
#[openapi(
    info(title = "ketnoi API", version = "1",
         description = "Producer catalogue and market-linkage marketplace. Errors are `{\"error\": {\"code\", \"message\", \"field\"}}`; messages follow `Accept-Language` (Vietnamese by default). Sessions are cookies set by `/auth/login`."),
    paths(
        auth::register, auth::login, auth::logout, auth::me, auth::create_user,
        catalogue::list_categories, catalogue::list_provinces, catalogue::list_communes,
        catalogue::create_enterprise, catalogue::list_enterprises, catalogue::get_enterprise,
        catalogue::update_enterprise, catalogue::add_member,
        catalogue::create_product, catalogue::list_products, catalogue::get_product,
        catalogue::update_product, catalogue::delete_product,
        catalogue::submit_product, catalogue::review_product, catalogue::unpublish_product,
        catalogue::list_audit,
    ),
    tags((name = "auth", description = "Accounts and sessions"),
         (name = "catalogue", description = "Categories, places, enterprises, products"),
         (name = "vetting", description = "Review by the centre, audit trail"))
)]
pub struct ApiDoc;

pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
