//! Photos, logos and documents of products and enterprises.

use axum::extract::State;
use axum::extract::multipart::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, ApiQuery};
use crate::context::AppState;
use crate::domain::Code;
use crate::error::{ApiResult, AppError};
use crate::http::session::CurrentActor;
use crate::http::upload;
use crate::services::media::{self, DocumentInput, DocumentView, PhotoView, UploadTarget};

/// A multipart upload of one photo.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhotoUpload {
    /// JPEG, PNG or WebP, at most 15 MB and 50 megapixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What the photo shows, for screen readers; default: the product's name.
    alt: Option<String>,
}

/// A multipart upload of one document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// PDF, JPEG or PNG, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `trademark_certificate`, `ocop_certificate`, `food_safety_certificate`,
    /// `business_registration` or `other`.
    kind: String,
    title: String,
    /// On the enterprise route: attach to this product of the enterprise.
    product_id: Option<i32>,
    /// The last day the certificate is valid, when it says; its producer is reminded before.
    valid_until: Option<String>,
}

/// The photos of a product, cover first.
#[utoipa::path(get, path = "/products/{id}/photos", tag = "media", params(("id" = i32, Path)),
    responses((status = 200, body = Vec<PhotoView>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list_photos(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<Vec<PhotoView>>> {
    Ok(axum::Json(
        media::list_product_photos(&state, &actor, id).await?,
    ))
}

/// Add a photo (multipart field `file`). Its EXIF orientation is applied and all metadata
/// (GPS position included) removed; WebP and JPEG variants are made at 320, 640, 1024 and
/// 1600 px wide (a portrait photo's largest is 1600 px tall; nothing is enlarged). The first photo is the cover. Sending the same photo again answers 200
/// with the photo already there.
#[utoipa::path(post, path = "/products/{id}/photos", tag = "media", params(("id" = i32, Path)),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = PhotoView), (status = 200, body = PhotoView),
              (status = 409, description = "12 photos already", body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody),
              (status = 422, description = "not a JPEG/PNG/WebP, too many pixels, damaged", body = crate::error::ErrorBody),
              (status = 503, description = "the object store is down", body = crate::error::ErrorBody)))]
pub async fn add_photo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    multipart: Multipart,
) -> ApiResult<Response> {
    media::may_upload(&state, &actor, UploadTarget::ProductPhoto(id)).await?;
    let mut form = upload::read(multipart).await?;
    let file = form.file()?;
    let (photo, created) =
        media::add_product_photo(&state, &actor, id, file.bytes, form.field("alt")).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(photo)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct PhotoOrder {
    /// Every photo id of the product, in the new order; the first becomes the cover.
    pub photo_ids: Vec<i32>,
}

/// Reorder a product's photos.
#[utoipa::path(put, path = "/products/{id}/photos/order", tag = "media", params(("id" = i32, Path)),
    request_body = PhotoOrder,
    responses((status = 200, body = Vec<PhotoView>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn reorder_photos(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<PhotoOrder>,
) -> ApiResult<axum::Json<Vec<PhotoView>>> {
    Ok(axum::Json(
        media::reorder_product_photos(&state, &actor, id, &body.photo_ids).await?,
    ))
}

/// Delete a product photo; the next one becomes the cover.
#[utoipa::path(delete, path = "/products/{id}/photos/{photo_id}", tag = "media",
    params(("id" = i32, Path), ("photo_id" = i32, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_photo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath((id, photo_id)): ApiPath<(i32, i32)>,
) -> ApiResult<StatusCode> {
    media::delete_product_photo(&state, &actor, id, photo_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set or replace an enterprise's logo (multipart field `file`).
#[utoipa::path(put, path = "/enterprises/{id}/logo", tag = "media", params(("id" = i32, Path)),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = PhotoView), (status = 413, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn set_logo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    multipart: Multipart,
) -> ApiResult<axum::Json<PhotoView>> {
    media::may_upload(&state, &actor, UploadTarget::EnterpriseLogo(id)).await?;
    let file = upload::read(multipart).await?.file()?;
    Ok(axum::Json(
        media::set_logo(&state, &actor, id, file.bytes).await?,
    ))
}

/// Remove an enterprise's logo.
#[utoipa::path(delete, path = "/enterprises/{id}/logo", tag = "media", params(("id" = i32, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_logo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    media::delete_logo(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilter {
    /// Only the documents of this product.
    pub product_id: Option<i32>,
}

/// Documents of an enterprise and its products (members and staff only).
#[utoipa::path(get, path = "/enterprises/{id}/documents", tag = "media",
    params(("id" = i32, Path), DocumentFilter),
    responses((status = 200, body = Vec<DocumentView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_enterprise_documents(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(filter): ApiQuery<DocumentFilter>,
) -> ApiResult<axum::Json<Vec<DocumentView>>> {
    Ok(axum::Json(
        media::list_documents(&state, &actor, id, filter.product_id).await?,
    ))
}

async fn add_document(
    state: &AppState,
    actor: &crate::services::Actor,
    enterprise_id: i32,
    product_id: Option<i32>,
    multipart: Multipart,
) -> ApiResult<Response> {
    let target = match product_id {
        Some(id) => UploadTarget::ProductDocument(id),
        None => UploadTarget::EnterpriseDocument(enterprise_id),
    };
    media::may_upload(state, actor, target).await?;
    let mut form = upload::read(multipart).await?;
    let file = form.file()?;
    let product_id = match product_id {
        Some(id) => Some(id),
        None => match form.field("product_id").map(str::trim) {
            None | Some("") => None,
            Some(v) => Some(v.parse().map_err(|_| {
                AppError::from(crate::domain::Invalid::one(
                    "product_id",
                    Code::DocumentProduct,
                ))
            })?),
        },
    };
    let input = DocumentInput {
        kind: form.field("kind").unwrap_or_default().into(),
        title: form.field("title").unwrap_or_default().into(),
        product_id,
        valid_until: form.field("valid_until").map(str::to_string),
    };
    let doc = media::add_document(
        state,
        actor,
        enterprise_id,
        &input,
        &file.file_name,
        file.bytes,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(doc)).into_response())
}

/// Attach a certificate scan to an enterprise (or, with `product_id`, to one of its
/// products). Only its members and staff can see it.
#[utoipa::path(post, path = "/enterprises/{id}/documents", tag = "media", params(("id" = i32, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 413, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_enterprise_document(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    multipart: Multipart,
) -> ApiResult<Response> {
    add_document(&state, &actor, id, None, multipart).await
}

async fn product_enterprise(
    state: &AppState,
    actor: &crate::services::Actor,
    id: i32,
) -> ApiResult<i32> {
    let (p, _) = crate::services::catalogue::product_for_change(&state.db, actor, id).await?;
    Ok(p.enterprise_id)
}

/// Documents of a product (members and staff only).
#[utoipa::path(get, path = "/products/{id}/documents", tag = "media", params(("id" = i32, Path)),
    responses((status = 200, body = Vec<DocumentView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list_product_documents(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<axum::Json<Vec<DocumentView>>> {
    let enterprise_id = product_enterprise(&state, &actor, id).await?;
    Ok(axum::Json(
        media::list_documents(&state, &actor, enterprise_id, Some(id)).await?,
    ))
}

/// Attach a certificate scan to a product.
#[utoipa::path(post, path = "/products/{id}/documents", tag = "media", params(("id" = i32, Path)),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 413, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_product_document(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    multipart: Multipart,
) -> ApiResult<Response> {
    let enterprise_id = product_enterprise(&state, &actor, id).await?;
    add_document(&state, &actor, enterprise_id, Some(id), multipart).await
}

/// Download a document: the file itself (directory store) or a redirect to a link valid
/// for five minutes (S3).
#[utoipa::path(get, path = "/documents/{id}/file", tag = "media", params(("id" = i32, Path)),
    responses((status = 200, description = "the file"), (status = 303, description = "signed link"),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn download_document(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Response> {
    Ok(upload::download_response(
        media::download_document(&state, &actor, id).await?,
    ))
}

/// Delete a document.
#[utoipa::path(delete, path = "/documents/{id}", tag = "media", params(("id" = i32, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_document(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    media::delete_document(&state, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct Verification {
    pub verified: bool,
}

/// Staff: confirm that a document is genuine (or withdraw that). Product pages then show,
/// e.g., "trademark certificate verified by the centre".
#[utoipa::path(post, path = "/documents/{id}/verify", tag = "media", params(("id" = i32, Path)),
    request_body = Verification,
    responses((status = 200, body = DocumentView), (status = 403, body = crate::error::ErrorBody)))]
pub async fn verify_document(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiPath(id): ApiPath<i32>,
    ApiJson(body): ApiJson<Verification>,
) -> ApiResult<axum::Json<DocumentView>> {
    Ok(axum::Json(
        media::verify_document(&state, &actor, id, body.verified).await?,
    ))
}
