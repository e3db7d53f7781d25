//! Photo and certificate pages: a product's photos and documents, an enterprise's logo and
//! documents, and the staff queue of documents to verify.
//!
//! Uploads are plain multipart forms (the form token travels in the query string, as a
//! multipart body is not read before the handler); with scripts, `app.js` shrinks photos in
//! the browser and sends them to the API with a progress bar.

use askama::Template;
use axum::extract::multipart::Multipart;
use axum::extract::{Path, Query, State};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::{PageCtx, PageError, PageResult, render, render_as, see_other};
use crate::context::AppState;
use crate::domain::Code;
use crate::error::AppError;
use crate::http::upload;
use crate::services::catalogue::{self, EnterpriseView, Lookup, ProductView};
use crate::services::media::{
    self, DOCUMENT_KINDS, DocumentInput, DocumentView, PhotoView, UploadTarget,
};

#[derive(Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard/media.html")]
struct MediaPage {
    ctx: PageCtx,
    enterprise: EnterpriseView,
    /// Set on a product's page; `None` on the enterprise's page.
    product: Option<ProductView>,
    photos: Vec<PhotoView>,
    documents: Vec<DocumentView>,
    /// The enterprise's products, to attach a document to one of them.
    products: Vec<(i32, String)>,
    message: Option<&'static str>,
    error: Option<&'static str>,
}

impl MediaPage {
    fn kinds(&self) -> &'static [&'static str] {
        &DOCUMENT_KINDS
    }

    fn base(&self) -> String {
        match &self.product {
            Some(p) => format!("/dashboard/products/{}", p.id),
            None => format!("/dashboard/enterprises/{}", self.enterprise.id),
        }
    }

    fn product_name(&self, id: &Option<i32>) -> String {
        id.and_then(|id| self.products.iter().find(|(pid, _)| *pid == id))
            .map(|(_, name)| name.clone())
            .unwrap_or_default()
    }

    fn size(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} kB", (*bytes + 1023) / 1024)
        }
    }
}

fn done_message(ctx: &PageCtx, done: Option<&str>) -> Option<&'static str> {
    match done? {
        "photo_added" => Some(ctx.t("media.added")),
        "saved" => Some(ctx.t("done.changes_saved")),
        _ => None,
    }
}

/// A failed upload or change shown on the page itself, with the reason.
fn error_message(ctx: &PageCtx, err: &AppError) -> Option<&'static str> {
    match err {
        AppError::Invalid(_)
        | AppError::FileTooLarge
        | AppError::StorageUnavailable
        | AppError::Conflict { .. }
        | AppError::BadRequest(_) => Some(ctx.message(err.code())),
        _ => None,
    }
}

async fn product_page(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<MediaPage, PageError> {
    let (product, _) = catalogue::product_for_edit(state, &ctx.actor, id).await?;
    let enterprise =
        catalogue::get_enterprise(state, &ctx.actor, Lookup::Id(product.enterprise_id)).await?;
    let documents =
        media::list_documents(state, &ctx.actor, enterprise.id, Some(product.id)).await?;
    Ok(MediaPage {
        photos: product.photos.clone(),
        products: vec![(product.id, product.name.clone())],
        product: Some(product),
        enterprise,
        documents,
        message,
        error,
        ctx,
    })
}

async fn enterprise_page(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    message: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<MediaPage, PageError> {
    let enterprise = catalogue::get_enterprise(state, &ctx.actor, Lookup::Id(id)).await?;
    let documents = media::list_documents(state, &ctx.actor, id, None).await?;
    let products = catalogue::list_products(
        state,
        &ctx.actor,
        &catalogue::ProductFilter {
            enterprise_id: Some(id),
            mine: Some(true),
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?
    .items
    .into_iter()
    .filter(|p| p.enterprise_id == id)
    .map(|p| (p.id, p.name))
    .collect();
    Ok(MediaPage {
        photos: enterprise
            .logo
            .clone()
            .into_iter()
            .chain(enterprise.pending_logo.clone())
            .collect(),
        enterprise,
        product: None,
        documents,
        products,
        message,
        error,
        ctx,
    })
}

/// Re-renders the page with the failure explained, or fails as a page for other errors.
async fn failed(
    state: &AppState,
    mut ctx: PageCtx,
    product: Option<i32>,
    enterprise: i32,
    err: AppError,
) -> PageResult {
    let Some(error) = error_message(&ctx, &err) else {
        return Err(PageError(err));
    };
    // Shown in answer to a form's post: switching language comes back to the page.
    ctx.here = match product {
        Some(id) => format!("/dashboard/products/{id}/media"),
        None => format!("/dashboard/enterprises/{enterprise}/media"),
    };
    let page = match product {
        Some(id) => product_page(state, ctx, id, None, Some(error)).await?,
        None => enterprise_page(state, ctx, enterprise, None, Some(error)).await?,
    };
    Ok(render_as(&page, err.status()))
}

pub async fn product_media(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let message = done_message(&ctx, q.done.as_deref());
    Ok(render(&product_page(&state, ctx, id, message, None).await?))
}

pub async fn enterprise_media(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let message = done_message(&ctx, q.done.as_deref());
    Ok(render(
        &enterprise_page(&state, ctx, id, message, None).await?,
    ))
}

/// Several photos at once (camera and gallery inputs); stops at the first refusal and
/// says which.
pub async fn add_photos(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> PageResult {
    let result = async {
        media::may_upload(&state, &ctx.actor, UploadTarget::ProductPhoto(id)).await?;
        let form = upload::read(multipart).await?;
        if form.files.is_empty() {
            return Err(crate::domain::Invalid::one("file", Code::FileMissing).into());
        }
        for file in form.files {
            media::add_product_photo(
                &state,
                &ctx.actor,
                id,
                file.bytes,
                form.fields.get("alt").map(String::as_str),
            )
            .await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/dashboard/products/{id}/media?done=photo_added#photos"
        ))),
        Err(e) => failed(&state, ctx, Some(id), 0, e).await,
    }
}

/// Back to the photos after a change to one of them, or the page with what went wrong.
async fn photo_changed(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    result: Result<(), AppError>,
) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/dashboard/products/{id}/media?done=saved#photos"
        ))),
        Err(e) => failed(state, ctx, Some(id), 0, e).await,
    }
}

pub async fn make_cover(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, photo_id)): Path<(i32, i32)>,
) -> PageResult {
    let result = media::make_cover(&state, &ctx.actor, id, photo_id)
        .await
        .map(drop);
    photo_changed(&state, ctx, id, result).await
}

pub async fn move_photo_up(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, photo_id)): Path<(i32, i32)>,
) -> PageResult {
    let result = media::move_photo(&state, &ctx.actor, id, photo_id, -1)
        .await
        .map(drop);
    photo_changed(&state, ctx, id, result).await
}

pub async fn move_photo_down(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, photo_id)): Path<(i32, i32)>,
) -> PageResult {
    let result = media::move_photo(&state, &ctx.actor, id, photo_id, 1)
        .await
        .map(drop);
    photo_changed(&state, ctx, id, result).await
}

pub async fn delete_photo(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, photo_id)): Path<(i32, i32)>,
) -> PageResult {
    let result = media::delete_product_photo(&state, &ctx.actor, id, photo_id).await;
    photo_changed(&state, ctx, id, result).await
}

#[derive(Deserialize)]
pub struct PhotoAction {
    /// `cover`, `up`, `down` or `delete`.
    pub action: String,
}

/// The photo buttons' earlier single form target, kept for pages still open in a browser:
/// hands each `action` to its own handler.
pub async fn photo_action(
    state: State<AppState>,
    ctx: PageCtx,
    photo: Path<(i32, i32)>,
    Form(form): Form<PhotoAction>,
) -> PageResult {
    match form.action.as_str() {
        "cover" => make_cover(state, ctx, photo).await,
        "up" => move_photo_up(state, ctx, photo).await,
        "down" => move_photo_down(state, ctx, photo).await,
        "delete" => delete_photo(state, ctx, photo).await,
        _ => {
            photo_changed(
                &state,
                ctx,
                photo.0.0,
                Err(AppError::BadRequest(Code::RequestMalformed)),
            )
            .await
        }
    }
}

pub async fn set_logo(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> PageResult {
    let result = async {
        media::may_upload(&state, &ctx.actor, UploadTarget::EnterpriseLogo(id)).await?;
        let file = upload::read(multipart).await?.file()?;
        media::set_logo(&state, &ctx.actor, id, file.bytes).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/dashboard/enterprises/{id}/media?done=saved#logo"
        ))),
        Err(e) => failed(&state, ctx, None, id, e).await,
    }
}

pub async fn delete_logo(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    media::delete_logo(&state, &ctx.actor, id).await?;
    Ok(see_other(&format!(
        "/dashboard/enterprises/{id}/media?done=saved#logo"
    )))
}

async fn add_document(
    state: &AppState,
    ctx: PageCtx,
    enterprise_id: i32,
    product_id: Option<i32>,
    multipart: Multipart,
) -> PageResult {
    let target = match product_id {
        Some(id) => UploadTarget::ProductDocument(id),
        None => UploadTarget::EnterpriseDocument(enterprise_id),
    };
    let result = async {
        media::may_upload(state, &ctx.actor, target).await?;
        let mut form = upload::read(multipart).await?;
        let file = form.file();
        let chosen_product = form
            .field("product_id")
            .and_then(|v| v.trim().parse::<i32>().ok());
        let input = DocumentInput {
            kind: form.field("kind").unwrap_or_default().into(),
            title: form.field("title").unwrap_or_default().into(),
            product_id: product_id.or(chosen_product),
            valid_until: form.field("valid_until").map(str::to_string),
        };
        let file = file?;
        media::add_document(
            state,
            &ctx.actor,
            enterprise_id,
            &input,
            &file.file_name,
            file.bytes,
        )
        .await
    }
    .await;
    match (result, product_id) {
        (Ok(_), Some(pid)) => Ok(see_other(&format!(
            "/dashboard/products/{pid}/media?done=saved#documents"
        ))),
        (Ok(_), None) => Ok(see_other(&format!(
            "/dashboard/enterprises/{enterprise_id}/media?done=saved#documents"
        ))),
        (Err(e), product) => failed(state, ctx, product, enterprise_id, e).await,
    }
}

pub async fn add_product_document(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> PageResult {
    let (p, _) = catalogue::product_for_change(&state.db, &ctx.actor, id).await?;
    add_document(&state, ctx, p.enterprise_id, Some(id), multipart).await
}

pub async fn add_enterprise_document(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> PageResult {
    add_document(&state, ctx, id, None, multipart).await
}

#[derive(Deserialize)]
pub struct Back {
    /// Where to return: a path on this site.
    pub back: Option<String>,
    pub verified: Option<bool>,
}

fn back_to(back: Option<&str>, fallback: &str) -> String {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") => b.to_string(),
        _ => fallback.to_string(),
    }
}

pub async fn delete_document(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<Back>,
) -> PageResult {
    media::delete_document(&state, &ctx.actor, id).await?;
    Ok(see_other(&back_to(form.back.as_deref(), "/dashboard")))
}

pub async fn verify_document(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<Back>,
) -> PageResult {
    media::verify_document(&state, &ctx.actor, id, form.verified.unwrap_or(true)).await?;
    Ok(see_other(&back_to(
        form.back.as_deref(),
        "/staff/documents",
    )))
}

/// A document for its enterprise's members and staff.
pub async fn download_document(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    Ok(upload::download_response(
        media::download_document(&state, &ctx.actor, id).await?,
    ))
}

#[derive(Template)]
#[template(path = "staff/documents.html")]
struct StaffDocumentsPage {
    ctx: PageCtx,
    documents: Vec<(DocumentView, String)>,
}

/// Staff: documents waiting for verification, oldest first.
pub async fn staff_documents(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let documents = media::unverified_documents(&state, &ctx.actor).await?;
    Ok(render(&StaffDocumentsPage { ctx, documents }))
}
