//! A programme's file in the object store: the decision, quotations, the contract, the
//! acceptance minutes, the settlement, and photos taken on visits. Private: staff read them
//! through a short-lived link.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ProgrammeView, changed, commit_change, open_programme, open_programme_at, view};
use crate::context::AppState;
use crate::db::entities::programme_document;
use crate::domain::programme::DocumentKind;
use crate::domain::{Code, Invalid};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::Actor;
use crate::services::media::{
    Download, MAX_DOCUMENTS, StoredFile, private_download, store_private,
};

/// Where a programme's files live in the store.
const PREFIX: &str = "programmes";

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProgrammeDocumentView {
    pub id: i32,
    pub kind: DocumentKind,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
    /// The visit it was taken on (photos).
    pub visit_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// Staff only; answers with the file or a short-lived link to it.
    pub download_url: String,
}

impl ProgrammeDocumentView {
    pub(super) fn from_row(d: &programme_document::Model) -> Self {
        ProgrammeDocumentView {
            id: d.id,
            kind: d.kind,
            title: d.title.clone(),
            file_name: d.file_name.clone(),
            content_type: d.content_type.clone(),
            bytes: d.bytes,
            visit_id: d.visit_id,
            created_at: d.created_at,
            download_url: format!("/api/v1/programme-documents/{}/file", d.id),
        }
    }
}

/// A document as sent for a programme's file.
pub struct DocumentUpload<'a> {
    /// `application`, `decision`, `quotation`, `contract`, `acceptance_minutes`,
    /// `settlement`, `other`.
    pub kind: &'a str,
    pub title: &'a str,
    pub file_name: &'a str,
    pub bytes: Bytes,
    /// The programme's version it was sent against; a stale one is refused.
    pub version: Option<i32>,
}

/// Adds a document to a programme's file (staff).
pub async fn add_document(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    upload: DocumentUpload<'_>,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let DocumentUpload {
        kind,
        title,
        file_name,
        bytes,
        version,
    } = upload;
    let mut errors = Invalid::default();
    let kind = DocumentKind::parse(kind).filter(|k| *k != DocumentKind::Photo);
    if kind.is_none() {
        errors.push("kind", Code::ProgrammeDocumentKind);
    }
    let title: String = title.trim().chars().take(200).collect();
    if title.is_empty() {
        errors.push("title", Code::DocumentTitleRequired);
    }
    if bytes.is_empty() {
        errors.push("file", Code::FileMissing);
    }
    let Some(kind) = kind.filter(|_| errors.0.is_empty()) else {
        return Err(errors.into());
    };
    // Refuse on the programme's state before anything is stored.
    drop(open_programme_at(state, id, version).await?);
    // Stored first, then its row; an object whose row could not be written is left to
    // `storage gc`.
    let stored = store_private(state, PREFIX, file_name, bytes, false).await?;
    let (txn, row) = open_programme_at(state, id, version).await?;
    attach(&txn, state, actor, id, None, kind, &title, &stored).await?;
    commit_change(
        state,
        txn,
        actor,
        lang,
        row,
        ("document_added", &title),
        serde_json::json!({"kind": kind, "file_name": stored.file_name}),
    )
    .await
}

/// Writes a document row in the caller's transaction, within the programme's limit.
#[allow(clippy::too_many_arguments)] // one row: every column is the caller's to give
pub(super) async fn attach(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor,
    programme_id: i32,
    visit_id: Option<i32>,
    kind: DocumentKind,
    title: &str,
    stored: &StoredFile,
) -> AppResult<()> {
    let count = programme_document::Entity::find()
        .filter(programme_document::Column::ProgrammeId.eq(programme_id))
        .count(txn)
        .await?;
    if count >= MAX_DOCUMENTS {
        return Err(AppError::conflict("file", Code::DocumentLimit));
    }
    programme_document::ActiveModel {
        programme_id: Set(programme_id),
        visit_id: Set(visit_id),
        kind: Set(kind),
        title: Set(title.into()),
        file_name: Set(stored.file_name.clone()),
        content_type: Set(stored.content_type.into()),
        bytes: Set(stored.bytes),
        hash: Set(stored.hash.clone()),
        object_key: Set(stored.key.clone()),
        created_by: Set(actor.id()),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Removes a document from an open programme's file (staff).
pub async fn delete_document(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
    document_id: i32,
) -> AppResult<ProgrammeView> {
    actor.require_staff()?;
    let (txn, row) = open_programme(state, id).await?;
    let d = programme_document::Entity::find_by_id(document_id)
        .one(&txn)
        .await?
        .filter(|d| d.programme_id == id)
        .ok_or(AppError::NotFound)?;
    programme_document::Entity::delete_by_id(d.id)
        .exec(&txn)
        .await?;
    let row = changed(
        state,
        &txn,
        actor,
        row,
        ("document_deleted", &d.title),
        serde_json::json!({"document_id": d.id, "kind": d.kind}),
    )
    .await?;
    txn.commit().await?;
    // Its object may be another row's too (keys are content-addressed): `storage gc`
    // removes it once nothing refers to it.
    view(state, lang, row).await
}

/// A document of a programme's file, for staff.
pub async fn download_document(
    state: &AppState,
    actor: &Actor,
    document_id: i32,
) -> AppResult<Download> {
    actor.require_staff()?;
    let d = programme_document::Entity::find_by_id(document_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    private_download(state, &d.object_key, &d.file_name, &d.content_type).await
}
