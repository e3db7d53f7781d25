//! Certificate documents: attaching, listing, verifying, and signed downloads.

use super::{MAX_DOCUMENTS, SIGNED_URL_TTL, put_all, release_documents, require_manage};
use crate::context::AppState;
use crate::db::entities::{document, enterprise, product};
use crate::domain::{Code, Invalid};
use crate::error::{AppError, AppResult};
use crate::media::{self, FileKind, Refusal};
use crate::services::catalogue::can_manage;
use crate::services::{Actor, audit, search_sync};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Kinds of document, by what they prove.
pub const DOCUMENT_KINDS: [&str; 5] = [
    "trademark_certificate",
    "ocop_certificate",
    "food_safety_certificate",
    "business_registration",
    "other",
];

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i32,
    pub enterprise_id: i32,
    pub product_id: Option<i32>,
    /// `trademark_certificate`, `ocop_certificate`, `food_safety_certificate`,
    /// `business_registration` or `other`.
    pub kind: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub bytes: i64,
    pub verified: bool,
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The last day the certificate is valid, when it says.
    pub valid_until: Option<chrono::NaiveDate>,
    /// Members and staff only; answers with the file or a short-lived link to it.
    pub download_url: String,
}

impl DocumentView {
    pub(super) fn from_row(d: &document::Model) -> Self {
        DocumentView {
            id: d.id,
            enterprise_id: d.enterprise_id,
            product_id: d.product_id,
            kind: d.kind.clone(),
            title: d.title.clone(),
            file_name: d.file_name.clone(),
            content_type: d.content_type.clone(),
            bytes: d.bytes,
            verified: d.verified_at.is_some(),
            verified_at: d.verified_at,
            created_at: d.created_at,
            valid_until: d.valid_until,
            download_url: format!("/api/v1/documents/{}/file", d.id),
        }
    }
}

/// Kinds of verified document that back up each product's claims: the product's own and
/// its enterprise's.
pub async fn verified_kinds(
    db: &impl ConnectionTrait,
    products: &[(i32, i32)],
) -> AppResult<HashMap<i32, Vec<String>>> {
    let mut out: HashMap<i32, Vec<String>> = HashMap::new();
    if products.is_empty() {
        return Ok(out);
    }
    let enterprise_ids: Vec<i32> = products.iter().map(|(_, e)| *e).collect();
    let rows: Vec<(i32, Option<i32>, String)> = document::Entity::find()
        .select_only()
        .column(document::Column::EnterpriseId)
        .column(document::Column::ProductId)
        .column(document::Column::Kind)
        .filter(document::Column::EnterpriseId.is_in(enterprise_ids))
        .filter(document::Column::VerifiedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    for (pid, eid) in products {
        let mut kinds: Vec<String> = rows
            .iter()
            .filter(|(e, p, _)| e == eid && (p.is_none() || *p == Some(*pid)))
            .map(|(_, _, k)| k.clone())
            .collect();
        kinds.sort();
        kinds.dedup();
        if !kinds.is_empty() {
            out.insert(*pid, kinds);
        }
    }
    Ok(out)
}

pub(super) fn document_key(hash: &str, kind: FileKind) -> String {
    format!(
        "private/documents/{}/{hash}.{}",
        &hash[..2],
        kind.extension()
    )
}

/// What a producer fills in to attach a document.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct DocumentInput {
    pub kind: String,
    pub title: String,
    /// Attach to this product of the enterprise; none: the enterprise as a whole.
    pub product_id: Option<i32>,
    /// The last day the certificate is valid, when it says (`dd/mm/yyyy` or `yyyy-mm-dd`):
    /// its producer is reminded before.
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// Attaches a certificate scan to an enterprise or one of its products.
pub async fn add_document(
    state: &AppState,
    actor: &Actor,
    enterprise_id: i32,
    input: &DocumentInput,
    file_name: &str,
    bytes: Bytes,
) -> AppResult<DocumentView> {
    require_manage(&state.db, actor, enterprise_id).await?;
    let mut invalid = Invalid::default();
    let kind = input.kind.trim();
    if !DOCUMENT_KINDS.contains(&kind) {
        invalid.push("kind", Code::DocumentKind);
    }
    let title: String = input.title.trim().chars().take(200).collect();
    if title.is_empty() {
        invalid.push("title", Code::DocumentTitleRequired);
    }
    let valid_until = invalid
        .take(crate::domain::product::parse_date(
            input.valid_until.as_deref(),
            "valid_until",
        ))
        .flatten();
    if let Some(pid) = input.product_id {
        let belongs = product::Entity::find_by_id(pid)
            .one(&state.db)
            .await?
            .is_some_and(|p| p.enterprise_id == enterprise_id);
        if !belongs {
            invalid.push("product_id", Code::DocumentProduct);
        }
    }
    let file_kind = match media::check_document(&bytes) {
        Ok(k) => Some(k),
        Err(Refusal::TooLarge { .. }) => return Err(AppError::FileTooLarge),
        Err(r) => {
            invalid.push("file", r.code());
            None
        }
    };
    if !invalid.0.is_empty() {
        return Err(invalid.into());
    }
    let Some(file_kind) = file_kind else {
        return Err(Invalid::one("file", Code::DocumentFormat).into());
    };
    let count = document::Entity::find()
        .filter(document::Column::EnterpriseId.eq(enterprise_id))
        .count(&state.db)
        .await?;
    if count >= MAX_DOCUMENTS {
        return Err(AppError::conflict("file", Code::DocumentLimit));
    }
    let hash = media::sha256_hex(&bytes);
    let key = document_key(&hash, file_kind);
    let size = bytes.len() as i64;
    put_all(
        &state.store,
        vec![(key.clone(), bytes, file_kind.content_type())],
    )
    .await?;
    let file_name = safe_file_name(file_name, file_kind);
    let saved = async {
        let txn = crate::db::write_txn(&state.db).await?;
        let row = document::ActiveModel {
            enterprise_id: Set(enterprise_id),
            product_id: Set(input.product_id),
            kind: Set(kind.to_string()),
            title: Set(title.clone()),
            file_name: Set(file_name),
            content_type: Set(file_kind.content_type().into()),
            bytes: Set(size),
            hash: Set(hash.clone()),
            object_key: Set(key.clone()),
            verified_at: Set(None),
            verified_by: Set(None),
            created_by: Set(actor.id()),
            created_at: Set(state.clock.now()),
            valid_until: Set(valid_until),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            state.clock.now(),
            actor,
            "document.add",
            "enterprise",
            enterprise_id,
            json!({"document_id": row.id, "kind": row.kind, "product_id": row.product_id}),
        )
        .await?;
        txn.commit().await?;
        AppResult::Ok(row)
    }
    .await;
    match saved {
        Ok(row) => Ok(DocumentView::from_row(&row)),
        Err(e) => {
            let still_used = document::Entity::find()
                .filter(document::Column::ObjectKey.eq(&key))
                .count(&state.db)
                .await
                .unwrap_or(1)
                > 0;
            if !still_used {
                let _ = state.store.delete(&key).await;
            }
            Err(e)
        }
    }
}

/// A private file written to the object store (a programme's document, a survey's photo):
/// content-addressed under `prefix`, so the same file twice is one object.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub key: String,
    pub content_type: &'static str,
    pub bytes: i64,
    pub hash: String,
    pub file_name: String,
}

/// Checks `bytes` (a PDF, JPEG or PNG; a JPEG, PNG or WebP photo of up to a photo's size when
/// `photos_only`) and writes it under `private/{prefix}/`; the caller writes its row next.
/// Keys are content-addressed and shared by every row with the same bytes, so nothing here
/// deletes an object: what no row refers to is removed by `storage gc` after its grace
/// period.
pub async fn store_private(
    state: &AppState,
    prefix: &str,
    file_name: &str,
    bytes: Bytes,
    photos_only: bool,
) -> AppResult<StoredFile> {
    let (kind, bytes) = if photos_only {
        let (kind, image) = media::check_photo(&bytes)?;
        let end = image.len();
        (kind, bytes.slice(..end))
    } else {
        (media::check_document(&bytes)?, bytes)
    };
    let hash = media::sha256_hex(&bytes);
    let key = format!(
        "private/{prefix}/{}/{hash}.{}",
        &hash[..2],
        kind.extension()
    );
    let size = bytes.len() as i64;
    state.store.put(&key, bytes, kind.content_type()).await?;
    Ok(StoredFile {
        key,
        content_type: kind.content_type(),
        bytes: size,
        hash,
        file_name: safe_file_name(file_name, kind),
    })
}

/// How a private object reaches a reader allowed to have it.
pub async fn private_download(
    state: &AppState,
    key: &str,
    file_name: &str,
    content_type: &str,
) -> AppResult<Download> {
    if let Some(url) = state
        .store
        .signed_url(key, SIGNED_URL_TTL, file_name)
        .await?
    {
        return Ok(Download::Redirect(url));
    }
    let bytes = state.store.get(key).await?.ok_or_else(|| {
        tracing::error!(key, "private object missing");
        AppError::NotFound
    })?;
    Ok(Download::File {
        bytes,
        content_type: content_type.to_string(),
        file_name: file_name.to_string(),
    })
}

/// A name to offer when the file is downloaded: the uploaded name's letters, the real
/// extension.
pub(super) fn safe_file_name(name: &str, kind: FileKind) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
    let stem: String = stem
        .chars()
        .filter(|c| {
            !c.is_control() && !matches!(c, '"' | '\\' | '/' | ':' | '*' | '?' | '<' | '>' | '|')
        })
        .take(80)
        .collect();
    let stem = stem.trim();
    let stem = if stem.is_empty() { "tai-lieu" } else { stem };
    format!("{stem}.{}", kind.extension())
}

/// Documents of an enterprise (and its products), for its members and staff.
pub async fn list_documents(
    state: &AppState,
    actor: &Actor,
    enterprise_id: i32,
    product_id: Option<i32>,
) -> AppResult<Vec<DocumentView>> {
    let db = &state.db;
    require_manage(db, actor, enterprise_id).await?;
    let mut query =
        document::Entity::find().filter(document::Column::EnterpriseId.eq(enterprise_id));
    if let Some(pid) = product_id {
        query = query.filter(document::Column::ProductId.eq(pid));
    }
    Ok(query
        .order_by_asc(document::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(DocumentView::from_row)
        .collect())
}

pub(super) async fn document_for(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> AppResult<document::Model> {
    let d = document::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    match actor {
        Actor::Visitor => Err(AppError::Unauthenticated),
        // Others do not learn that the document exists.
        Actor::User(_) if !can_manage(db, actor, d.enterprise_id).await? => Err(AppError::NotFound),
        Actor::User(_) => Ok(d),
    }
}

pub async fn delete_document(state: &AppState, actor: &Actor, id: i32) -> AppResult<()> {
    let d = document_for(&state.db, actor, id).await?;
    let txn = crate::db::write_txn(&state.db).await?;
    document::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        "document.delete",
        "enterprise",
        d.enterprise_id,
        json!({"document_id": id, "kind": d.kind, "title": d.title}),
    )
    .await?;
    // A verified certificate shows in search; once deleted it must not.
    if d.verified_at.is_some() {
        match d.product_id {
            Some(pid) => search_sync::enqueue(&txn, state.clock.now(), &[pid]).await?,
            None => {
                search_sync::enqueue_enterprise(&txn, state.clock.now(), d.enterprise_id).await?;
            }
        }
    }
    txn.commit().await?;
    release_documents(state, &[d]).await;
    Ok(())
}

/// Staff confirm (or withdraw confirmation) that a document is genuine.
pub async fn verify_document(
    state: &AppState,
    actor: &Actor,
    id: i32,
    verified: bool,
) -> AppResult<DocumentView> {
    let db = &state.db;
    if !actor.is_staff() {
        return Err(if actor.user().is_none() {
            AppError::Unauthenticated
        } else {
            AppError::Forbidden
        });
    }
    let d = document::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = crate::db::write_txn(db).await?;
    let mut active: document::ActiveModel = d.clone().into();
    active.verified_at = Set(verified.then(|| state.clock.now()));
    active.verified_by = Set(if verified { actor.id() } else { None });
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        state.clock.now(),
        actor,
        if verified {
            "document.verify"
        } else {
            "document.unverify"
        },
        "enterprise",
        d.enterprise_id,
        json!({"document_id": id, "kind": d.kind, "product_id": d.product_id}),
    )
    .await?;
    // Product pages and search show what is verified.
    match d.product_id {
        Some(pid) => search_sync::enqueue(&txn, state.clock.now(), &[pid]).await?,
        None => search_sync::enqueue_enterprise(&txn, state.clock.now(), d.enterprise_id).await?,
    }
    txn.commit().await?;
    Ok(DocumentView::from_row(&row))
}

/// Staff: documents not yet verified, oldest first, with their enterprise's name.
pub async fn unverified_documents(
    state: &AppState,
    actor: &Actor,
) -> AppResult<Vec<(DocumentView, String)>> {
    let db = &state.db;
    actor.require_staff()?;
    let rows = document::Entity::find()
        .filter(document::Column::VerifiedAt.is_null())
        .order_by_asc(document::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|d| d.enterprise_id).collect();
    let names: HashMap<i32, String> = enterprise::Entity::find()
        .filter(enterprise::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    Ok(rows
        .iter()
        .map(|d| {
            (
                DocumentView::from_row(d),
                names.get(&d.enterprise_id).cloned().unwrap_or_default(),
            )
        })
        .collect())
}

/// How a document reaches an authorised reader.
pub enum Download {
    /// A short-lived signed URL of the object store.
    Redirect(String),
    /// The bytes, through the application (directory store).
    File {
        bytes: Bytes,
        content_type: String,
        file_name: String,
    },
}

pub async fn download_document(state: &AppState, actor: &Actor, id: i32) -> AppResult<Download> {
    let d = document_for(&state.db, actor, id).await?;
    private_download(state, &d.object_key, &d.file_name, &d.content_type).await
}
