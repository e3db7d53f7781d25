//! The object store against the database: records whose objects are missing, and objects no
//! record refers to (`ketnoi storage check` / `gc`, and the daily clean-up).

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Serialize;

use crate::context::AppState;
use crate::db::entities::{document, facility_survey_photo, photo, programme_document};
use crate::error::AppResult;
use crate::services::media::photo_keys;

/// A record whose object is not in the store.
#[derive(Clone, Debug, Serialize)]
pub struct Missing {
    /// `photo`, `document`, `programme_document`, `survey_photo` or `import_file`.
    pub record: &'static str,
    pub id: i32,
    pub key: String,
}

async fn all_references(db: &DatabaseConnection) -> AppResult<Vec<(&'static str, i32, String)>> {
    let mut refs = Vec::new();
    for p in photo::Entity::find().all(db).await? {
        for key in photo_keys(&p) {
            refs.push(("photo", p.id, key));
        }
    }
    for d in document::Entity::find().all(db).await? {
        refs.push(("document", d.id, d.object_key));
    }
    for d in programme_document::Entity::find().all(db).await? {
        refs.push(("programme_document", d.id, d.object_key));
    }
    for p in facility_survey_photo::Entity::find().all(db).await? {
        refs.push(("survey_photo", p.id, p.object_key));
    }
    for j in crate::db::entities::import_job::Entity::find()
        .all(db)
        .await?
    {
        if let Some(key) = j.file_key {
            refs.push(("import_file", j.id, key));
        }
    }
    Ok(refs)
}

/// Records whose objects are missing from the store.
pub async fn check(state: &AppState) -> AppResult<Vec<Missing>> {
    let present: HashSet<String> = state
        .store
        .list("")
        .await?
        .into_iter()
        .map(|o| o.key)
        .collect();
    Ok(all_references(&state.db)
        .await?
        .into_iter()
        .filter(|(_, _, key)| !present.contains(key))
        .map(|(record, id, key)| Missing { record, id, key })
        .collect())
}

/// Removes objects no record refers to and older than `grace`; returns their keys.
pub async fn gc(
    state: &AppState,
    grace: chrono::Duration,
    dry_run: bool,
) -> AppResult<Vec<String>> {
    let cutoff = Utc::now() - grace;
    // List first, then read the references: an object stored after the listing is not
    // considered, and one stored before it has its row by the time the rows are read
    // unless its upload is still running, which the grace period covers.
    let objects = state.store.list("").await?;
    let referenced: HashSet<String> = all_references(&state.db)
        .await?
        .into_iter()
        .map(|(_, _, key)| key)
        .collect();
    let mut removed = Vec::new();
    for o in objects {
        if o.modified < cutoff && !referenced.contains(&o.key) {
            if !dry_run {
                state.store.delete(&o.key).await?;
            }
            removed.push(o.key);
        }
    }
    Ok(removed)
}
