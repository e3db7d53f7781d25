//! A booth's page (`fairs/booth.html`), what its QR code opens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use super::{Seen, count_visit};
use crate::context::AppState;
use crate::error::AppError;
use crate::http::api::auth::ClientIp;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::fairs::{self, ExhibitorView, FairKey, FairView};

#[derive(Template)]
#[template(path = "fairs/booth.html")]
struct BoothPage {
    ctx: PageCtx,
    fair: FairView,
    x: ExhibitorView,
}

#[derive(Deserialize, Default)]
pub struct ScanQuery {
    pub qr: Option<String>,
}

pub async fn booth(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path((slug, booth)): Path<(String, String)>,
    Query(q): Query<ScanQuery>,
) -> PageResult {
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let x = fair
        .exhibitor(&booth.to_uppercase())
        .cloned()
        .ok_or(AppError::NotFound)?;
    let id = x.id;
    let mut response = render(&BoothPage { ctx, fair, x });
    let seen = Seen {
        fair_slug: Some(&slug),
        scan: q.qr.is_some(),
        exhibitor_id: Some(id),
        product_id: None,
        page: format!("booth:{id}"),
    };
    count_visit(&state, &headers, &ip, seen, &mut response).await?;
    Ok(response)
}
