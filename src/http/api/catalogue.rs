//! Categories, places, enterprises and products.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, ApiQuery};
use crate::context::AppState;
use crate::domain::{EnterpriseInput, ProductInput};
use crate::error::{ApiError, ApiResult, AppError};
use crate::http::session::CurrentActor;
use crate::services::audit::{self, AuditEntry};
use crate::services::catalogue::{
    self, Decision, EnterpriseScope, EnterpriseView, Lookup, Page, ProductFilter, ProductView,
};
use crate::services::reference::{Category, Commune, Province};

/// The category tree.
#[utoipa::path(get, path = "/categories", tag = "catalogue", responses((status = 200, body = Vec<Category>)))]
pub async fn list_categories(State(state): State<AppState>) -> axum::Json<Vec<Category>> {
    axum::Json(state.reference.tree.clone())
}

/// Vietnam's 34 provinces.
#[utoipa::path(get, path = "/provinces", tag = "catalogue", responses((status = 200, body = Vec<Province>)))]
pub async fn list_provinces(State(state): State<AppState>) -> axum::Json<Vec<Province>> {
    axum::Json(state.reference.provinces.clone())
}

/// The communes, wards and special zones of a province.
#[utoipa::path(get, path = "/provinces/{code}/communes", tag = "catalogue",
    params(("code" = i32, Path, description = "Province code")),
    responses((status = 200, body = Vec<Commune>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_communes(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<i32>,
) -> ApiResult<axum::Json<Vec<Commune>>> {
    state.reference.province(code).ok_or(AppError::NotFound)?;
    Ok(axum::Json(
        state
            .reference
            .communes_of(code)
            .into_iter()
            .cloned()
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateEnterpriseBody {
    #[serde(flatten)]
    pub enterprise: EnterpriseInput,
    /// Staff only: the producer account that will manage it.
    pub member_user_id: Option<i32>,
}

/// Create an enterprise (producers for themselves; staff for a producer).
#[utoipa::path(post, path = "/enterprises", tag = "catalogue", request_body = CreateEnterpriseBody,
    responses((status = 201, body = EnterpriseView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "`tax_code.taken`"),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_enterprise(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(body): ApiJson<CreateEnterpriseBody>,
) -> ApiResult<impl IntoResponse> {
    let view =
        catalogue::create_enterprise(&state, &actor, &body.enterprise, body.member_user_id).await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseQuery {
    /// `public` (default): enterprises with published products; `mine`: the caller's;
    /// `review` (staff): those whose profile changes wait for review.
    #[param(inline)]
    pub scope: Option<EnterpriseScope>,
}

/// List enterprises.
#[utoipa::path(get, path = "/enterprises", tag = "catalogue", params(EnterpriseQuery),
    responses((status = 200, body = Vec<EnterpriseView>)))]
pub async fn list_enterprises(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(q): ApiQuery<EnterpriseQuery>,
) -> ApiResult<axum::Json<Vec<EnterpriseView>>> {
    Ok(axum::Json(
        catalogue::list_enterprises(&state, &actor, q.scope.unwrap_or_default()).await?,
    ))
}

/// One enterprise.
#[utoipa::path(get, path = "/enterprises/{id}", tag = "catalogue", params(("id" = i32, Path)),
    responses((status = 200, body = EnterpriseView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_enterprise(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<EnterpriseView>> {
    Ok(axum::Json(
        catalogue::get_enterprise(&state, &actor, Lookup::Id(id)).await?,
    ))
}

/// Change an enterprise: send only the fields to change (JSON merge patch).
#[utoipa::path(patch, path = "/enterprises/{id}", tag = "catalogue", params(("id" = i32, Path)),
    request_body = EnterpriseInput,
    responses((status = 200, body = EnterpriseView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_enterprise(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<Value>,
) -> ApiResult<axum::Json<EnterpriseView>> {
    Ok(axum::Json(
        catalogue::update_enterprise(&state, &actor, id, &patch).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct AddMemberBody {
    pub user_id: i32,
}

/// Let a producer account manage an enterprise (staff).
#[utoipa::path(post, path = "/enterprises/{id}/members", tag = "catalogue", params(("id" = i32, Path)),
    request_body = AddMemberBody, responses((status = 204), (status = 403, body = crate::error::ErrorBody)))]
pub async fn add_member(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<AddMemberBody>,
) -> ApiResult<StatusCode> {
    catalogue::add_member(&state, &actor, id, body.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct CreateProductBody {
    pub enterprise_id: i32,
    #[serde(flatten)]
    pub product: ProductInput,
}

/// Create a product (a draft) for an enterprise the caller manages.
#[utoipa::path(post, path = "/products", tag = "catalogue", request_body = CreateProductBody,
    responses((status = 201, body = ProductView), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_product(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(body): ApiJson<CreateProductBody>,
) -> ApiResult<impl IntoResponse> {
    let view = catalogue::create_product(&state, &actor, body.enterprise_id, &body.product).await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// List products: published ones for everybody; drafts and the review queue for those who may.
#[utoipa::path(get, path = "/products", tag = "catalogue", params(ProductFilter),
    responses((status = 200, body = Page<ProductView>)))]
///
/// What visitors (nobody signed in) are answered is the same for all of them: it is kept
/// until the catalogue changes and carries an `ETag` (see the public pages).
pub async fn list_products(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    ApiQuery(filter): ApiQuery<ProductFilter>,
) -> ApiResult<axum::response::Response> {
    use crate::http::pages::cached;
    let public = matches!(actor, crate::services::Actor::Visitor)
        && filter.mine != Some(true)
        && filter.status.is_none();
    let mut keep = None;
    if public {
        let key = crate::page_cache::PageKey {
            path: uri.to_string(),
            lang: crate::i18n::current().code(),
            public_url: String::new(),
            day: state.clock.today(),
        };
        match cached::lookup_key(&state, key, &headers).await? {
            cached::Lookup::Hit(response, _) => return Ok(response),
            cached::Lookup::Miss(k) => keep = k,
        }
    }
    let page = catalogue::list_products(&state, &actor, &filter).await?;
    Ok(match keep {
        Some(keep) => {
            let body = serde_json::to_vec(&page).map_err(anyhow::Error::from)?;
            let page = crate::page_cache::Page::listing(bytes::Bytes::from(body));
            cached::keep(&state, keep, page, &headers)
        }
        None => axum::Json(page).into_response(),
    })
}

/// One product. Unpublished products are 404 to anyone who may not see them.
#[utoipa::path(get, path = "/products/{id}", tag = "catalogue", params(("id" = i32, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_product(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<ProductView>> {
    Ok(axum::Json(
        catalogue::get_product(&state, &actor, Lookup::Id(id)).await?,
    ))
}

/// Change a product (JSON merge patch). A published product keeps what buyers see: the
/// change waits in `pending_changes` until staff approve it.
#[utoipa::path(patch, path = "/products/{id}", tag = "catalogue", params(("id" = i32, Path)),
    request_body = ProductInput,
    responses((status = 200, body = ProductView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_product(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<Value>,
) -> ApiResult<axum::Json<ProductView>> {
    Ok(axum::Json(
        catalogue::update_product(&state, &actor, id, &patch)
            .await?
            .0,
    ))
}

/// Delete a product.
#[utoipa::path(delete, path = "/products/{id}", tag = "catalogue", params(("id" = i32, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_product(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    catalogue::delete_product(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a product (or a published product's pending changes) to the centre for review.
#[utoipa::path(post, path = "/products/{id}/submit", tag = "vetting", params(("id" = i32, Path)),
    responses((status = 200, body = ProductView), (status = 409, body = crate::error::ErrorBody)))]
pub async fn submit_product(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<ProductView>> {
    Ok(axum::Json(
        catalogue::submit_product(&state, &actor, id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    pub decision: Decision,
    /// The product's `version` as reviewed. When the producer changed it since, nothing
    /// happens: 409 `product.changed` (look again).
    pub version: Option<i32>,
    /// Required when rejecting; the producer reads it.
    pub reason: Option<String>,
}

/// Approve or reject what waits for review (staff).
#[utoipa::path(post, path = "/products/{id}/review", tag = "vetting", params(("id" = i32, Path)),
    request_body = ReviewBody,
    responses((status = 200, body = ProductView), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn review_product(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<axum::Json<ProductView>> {
    Ok(axum::Json(
        catalogue::review_product(
            &state,
            &actor,
            id,
            body.decision,
            body.version,
            body.reason.as_deref(),
        )
        .await?,
    ))
}

/// Approve or reject a member's changes to a public enterprise's profile (staff).
#[utoipa::path(post, path = "/enterprises/{id}/review", tag = "vetting", params(("id" = i32, Path)),
    request_body = ReviewBody,
    responses((status = 200, body = EnterpriseView), (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "`enterprise.changed` or `enterprise.nothing_to_review`"),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn review_enterprise(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<axum::Json<EnterpriseView>> {
    Ok(axum::Json(
        catalogue::review_enterprise(
            &state,
            &actor,
            id,
            body.decision,
            body.version,
            body.reason.as_deref(),
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct UnpublishBody {
    pub reason: String,
}

/// Take a published product off the catalogue (staff).
#[utoipa::path(post, path = "/products/{id}/unpublish", tag = "vetting", params(("id" = i32, Path)),
    request_body = UnpublishBody,
    responses((status = 200, body = ProductView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn unpublish_product(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<UnpublishBody>,
) -> ApiResult<axum::Json<ProductView>> {
    Ok(axum::Json(
        catalogue::unpublish_product(&state, &actor, id, Some(&body.reason)).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `product`, `enterprise` or `user`.
    pub entity: Option<String>,
    pub entity_id: Option<i32>,
}

/// The audit trail, newest first (staff).
#[utoipa::path(get, path = "/audit", tag = "vetting", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<axum::Json<Vec<AuditEntry>>> {
    let entity = match (q.entity.as_deref(), q.entity_id) {
        (Some(e), Some(id)) => Some((e, id)),
        _ => None,
    };
    Ok(axum::Json(
        audit::list(&state.db, &actor, entity, 200).await?,
    ))
}

/// Unknown `/api/v1` paths answer in the API's error format.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}
