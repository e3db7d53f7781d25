//! `GET /api/v1/search`.

use axum::extract::State;

use crate::app::AppState;
use crate::error::{ApiResult, AppError};
use crate::services::search::{self, SearchParams, SearchResponse};

/// Search published products: diacritic- and typo-tolerant, prefix on the last word,
/// facet filters (OR within a facet, AND across facets) with counts, sorting and pages.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResponse),
              (status = 422, body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody, description = "`search.unavailable`: the engine did not answer in time")))]
pub async fn search_products(
    State(state): State<AppState>,
    params: Result<axum_extra::extract::Query<SearchParams>, axum_extra::extract::QueryRejection>,
) -> ApiResult<axum::Json<SearchResponse>> {
    let axum_extra::extract::Query(params) =
        params.map_err(|_| AppError::BadRequest("request.malformed"))?;
    Ok(axum::Json(search::search(&state, &params).await?))
}

/// How far the search index is behind the catalogue (staff).
#[utoipa::path(get, path = "/api/v1/search/status", tag = "search",
    responses((status = 200, body = crate::services::search_sync::OutboxStatus),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn search_status(
    State(state): State<AppState>,
    crate::http::session::CurrentActor(actor): crate::http::session::CurrentActor,
) -> ApiResult<axum::Json<crate::services::search_sync::OutboxStatus>> {
    Ok(axum::Json(
        crate::services::search::status(&state, &actor).await?,
    ))
}
