//! `GET /api/v1/search`.

use axum::extract::State;

use crate::context::AppState;
use crate::domain::Code;
use crate::error::{ApiResult, AppError};
use crate::services::search::{self, SearchParams, SearchResponse};

/// Search published products: diacritic- and typo-tolerant, prefix on the last word,
/// facet filters (OR within a facet, AND across facets) with counts, sorting and pages.
#[utoipa::path(get, path = "/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResponse),
              (status = 422, body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody, description = "`search.unavailable`: the engine did not answer in time")))]
pub async fn search_products(
    State(state): State<AppState>,
    params: Result<axum_extra::extract::Query<SearchParams>, axum_extra::extract::QueryRejection>,
) -> ApiResult<Answer> {
    let axum_extra::extract::Query(params) =
        params.map_err(|_| AppError::BadRequest(Code::RequestMalformed))?;
    Ok(Answer(search::search(&state, &params).await?))
}

/// A search's answer as JSON, exactly as `axum::Json` writes it, into a buffer sized for
/// its hits at once rather than grown from 128 bytes as it is written.
pub struct Answer(SearchResponse);

impl axum::response::IntoResponse for Answer {
    fn into_response(self) -> axum::response::Response {
        use bytes::BufMut;
        // A hit is about a kilobyte of JSON.
        let mut buf = bytes::BytesMut::with_capacity(2048 + 1280 * self.0.hits.len()).writer();
        match serde_json::to_writer(&mut buf, &self.0) {
            Ok(()) => {
                let mut response = axum::response::Response::new(axum::body::Body::from(
                    buf.into_inner().freeze(),
                ));
                // Room for the headers the layers add (request id, security headers, the
                // form token cookie, `Vary`) without growing the map on the way out.
                let headers = response.headers_mut();
                headers.reserve(16);
                headers.insert(
                    axum::http::header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static("application/json"),
                );
                response
            }
            Err(_) => axum::Json(self.0).into_response(),
        }
    }
}

/// The commune facet searched by name, for a commune picker: communes where the search
/// (its words and other filters) finds products, matched by today's name or a former
/// commune, district or province, with their counts; at most 20.
#[utoipa::path(get, path = "/search/communes", tag = "search", operation_id = "search_communes",
    params(SearchParams, search::CommuneQuery),
    responses((status = 200, body = Vec<search::CommuneChoice>),
              (status = 422, body = crate::error::ErrorBody),
              (status = 503, body = crate::error::ErrorBody, description = "`search.unavailable`")))]
pub async fn search_communes(
    State(state): State<AppState>,
    params: Result<axum_extra::extract::Query<SearchParams>, axum_extra::extract::QueryRejection>,
    typed: Result<
        axum_extra::extract::Query<search::CommuneQuery>,
        axum_extra::extract::QueryRejection,
    >,
) -> ApiResult<axum::Json<Vec<search::CommuneChoice>>> {
    let (Ok(axum_extra::extract::Query(params)), Ok(axum_extra::extract::Query(typed))) =
        (params, typed)
    else {
        return Err(AppError::BadRequest(Code::RequestMalformed).into());
    };
    Ok(axum::Json(
        search::communes(&state, &params, &typed.commune_q, search::COMMUNE_CHOICES).await?,
    ))
}

/// How far the search index is behind the catalogue (staff).
#[utoipa::path(get, path = "/search/status", tag = "search",
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

/// Sends a change an index set aside (a dead letter) through again (staff).
#[utoipa::path(post, path = "/search/dead-letters/{id}/retry", tag = "search", operation_id = "retry_search_dead_letter",
    params(("id" = i32, Path)),
    responses((status = 204, description = "queued again"), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn retry_dead_letter(
    State(state): State<AppState>,
    crate::http::session::CurrentActor(actor): crate::http::session::CurrentActor,
    super::ApiPath(id): super::ApiPath<i32>,
) -> ApiResult<axum::http::StatusCode> {
    crate::services::search::retry_dead_letter(&state, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Synonym groups (staff).
#[utoipa::path(get, path = "/search/synonyms", tag = "search",
    responses((status = 200, body = Vec<crate::services::synonyms::SynonymGroup>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_synonyms(
    State(state): State<AppState>,
    crate::http::session::CurrentActor(actor): crate::http::session::CurrentActor,
) -> ApiResult<axum::Json<Vec<crate::services::synonyms::SynonymGroup>>> {
    Ok(axum::Json(
        crate::services::synonyms::list(&state, &actor).await?,
    ))
}

/// Add a synonym group (staff): words that find each other.
#[utoipa::path(post, path = "/search/synonyms", tag = "search", request_body = crate::services::synonyms::NewSynonyms,
    responses((status = 201, body = crate::services::synonyms::SynonymGroup), (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_synonyms(
    State(state): State<AppState>,
    crate::http::session::CurrentActor(actor): crate::http::session::CurrentActor,
    super::ApiJson(body): super::ApiJson<crate::services::synonyms::NewSynonyms>,
) -> ApiResult<(
    axum::http::StatusCode,
    axum::Json<crate::services::synonyms::SynonymGroup>,
)> {
    let group = crate::services::synonyms::add(&state, &actor, &body).await?;
    Ok((axum::http::StatusCode::CREATED, axum::Json(group)))
}

/// Remove a synonym group (staff).
#[utoipa::path(delete, path = "/search/synonyms/{id}", tag = "search", params(("id" = i32, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_synonyms(
    State(state): State<AppState>,
    crate::http::session::CurrentActor(actor): crate::http::session::CurrentActor,
    super::ApiPath(id): super::ApiPath<i32>,
) -> ApiResult<axum::http::StatusCode> {
    crate::services::synonyms::remove(&state, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Every category with the words buyers use for it (staff).
#[utoipa::path(get, path = "/search/category-terms", tag = "search",
    responses((status = 200, body = Vec<crate::services::category_terms::CategoryTerms>),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_category_terms(
    State(state): State<AppState>,
    crate::http::session::CurrentActor(actor): crate::http::session::CurrentActor,
) -> ApiResult<axum::Json<Vec<crate::services::category_terms::CategoryTerms>>> {
    Ok(axum::Json(
        crate::services::category_terms::list(&state, &actor).await?,
    ))
}

/// Replaces the words buyers use for a category (staff); its products are re-indexed.
#[utoipa::path(put, path = "/search/category-terms/{slug}", tag = "search",
    params(("slug" = String, Path)), request_body = crate::services::category_terms::NewTerms,
    responses((status = 200, body = Vec<String>), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_category_terms(
    State(state): State<AppState>,
    crate::http::session::CurrentActor(actor): crate::http::session::CurrentActor,
    super::ApiPath(slug): super::ApiPath<String>,
    super::ApiJson(body): super::ApiJson<crate::services::category_terms::NewTerms>,
) -> ApiResult<axum::Json<Vec<String>>> {
    Ok(axum::Json(
        crate::services::category_terms::set(&state, &actor, &slug, &body).await?,
    ))
}
