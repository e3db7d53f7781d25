//! Facility surveys (*khảo sát cơ sở CNNT*): staff write a visit down on a phone, often with
//! no network; each survey carries its own key, so sending it again (the answer lost on the
//! way back) returns the same survey. A survey starts a proposal with its facts filled in.

use bytes::Bytes;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::context::AppState;
use crate::db::entities::{enterprise, facility_survey, facility_survey_photo, user};
use crate::db::unique_violation;
use crate::domain::programme::survey::{Need, SurveyInput};
use crate::domain::{Code, FundingSource, Invalid, Num, ProgrammeInput};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::services::media::{Download, private_download, store_private};
use crate::services::requests::scoped_key;
use crate::services::{Actor, audit};

/// Photos one survey may carry.
pub const MAX_SURVEY_PHOTOS: u64 = 8;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SurveyPhotoView {
    pub id: i32,
    /// Staff only.
    pub url: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SurveyView {
    pub id: i32,
    pub enterprise_id: Option<i32>,
    /// The enterprise's name, or the facility's as written.
    pub facility: String,
    pub commune_code: i32,
    pub place: String,
    pub visited_on: NaiveDate,
    pub met: String,
    pub makes: String,
    pub output: String,
    pub equipment: String,
    pub needs: Vec<Need>,
    pub notes: String,
    /// The proposal it started, if one.
    pub programme_id: Option<i32>,
    pub photos: Vec<SurveyPhotoView>,
    /// Who surveyed.
    pub surveyor: Option<String>,
    pub created_at: DateTime<Utc>,
}

async fn survey_view(state: &AppState, s: facility_survey::Model) -> AppResult<SurveyView> {
    let db = &state.db;
    let facility = match s.enterprise_id {
        Some(id) => enterprise::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|e| e.name)
            .unwrap_or_default(),
        None => s.facility_name.clone().unwrap_or_default(),
    };
    let photos = facility_survey_photo::Entity::find()
        .filter(facility_survey_photo::Column::SurveyId.eq(s.id))
        .order_by_asc(facility_survey_photo::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| SurveyPhotoView {
            id: p.id,
            url: format!("/api/v1/survey-photos/{}/file", p.id),
        })
        .collect();
    let surveyor = match s.created_by {
        Some(id) => user::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|u| u.full_name),
        None => None,
    };
    Ok(SurveyView {
        id: s.id,
        enterprise_id: s.enterprise_id,
        facility,
        commune_code: s.commune_code,
        place: state.reference.place_name(s.commune_code),
        visited_on: s.visited_on,
        met: s.met,
        makes: s.makes,
        output: s.output,
        equipment: s.equipment,
        needs: Need::split(&s.needs),
        notes: s.notes,
        programme_id: s.programme_id,
        photos,
        surveyor,
        created_at: s.created_at,
    })
}

/// Records a survey (staff). The same `key` sent again answers the survey already kept
/// (`false`: nothing new was written).
pub async fn record_survey(
    state: &AppState,
    actor: &Actor,
    input: &SurveyInput,
    key: Option<&str>,
) -> AppResult<(SurveyView, bool)> {
    actor.require_staff()?;
    let key = scoped_key(actor, key, None)?;
    if let Some(k) = &key
        && let Some(existing) = by_key(state, k).await?
    {
        return Ok((survey_view(state, existing).await?, false));
    }
    let fields = input.parse(state.clock.today())?;
    let commune_code = if let Some(id) = fields.enterprise_id {
        enterprise::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .ok_or(Invalid::one("enterprise_id", Code::EnterpriseUnknown))?
            .commune_code
    } else {
        let code = fields.commune_code.unwrap_or_default();
        if state.reference.commune(code).is_none() {
            return Err(Invalid::one("commune_code", Code::ProgrammeCommuneUnknown).into());
        }
        code
    };
    let at = state.clock.now();
    let txn = crate::db::write_txn(&state.db).await?;
    let inserted = facility_survey::ActiveModel {
        enterprise_id: Set(fields.enterprise_id),
        facility_name: Set(fields.facility_name.clone()),
        commune_code: Set(commune_code),
        visited_on: Set(fields.visited_on),
        met: Set(fields.met.clone()),
        makes: Set(fields.makes.clone()),
        output: Set(fields.output.clone()),
        equipment: Set(fields.equipment.clone()),
        needs: Set(Need::join(&fields.needs)),
        notes: Set(fields.notes.clone()),
        programme_id: Set(None),
        idempotency_key: Set(key.clone()),
        created_by: Set(actor.id()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(e) if unique_violation(&e) && key.is_some() => {
            // The same survey sent twice at once: the other attempt kept it.
            txn.rollback().await?;
            let existing = by_key(state, key.as_deref().unwrap_or_default())
                .await?
                .ok_or(AppError::NotFound)?;
            return Ok((survey_view(state, existing).await?, false));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        at,
        actor,
        "survey.create",
        "facility_survey",
        row.id,
        serde_json::json!({"enterprise_id": row.enterprise_id, "commune_code": commune_code,
                           "needs": row.needs}),
    )
    .await?;
    txn.commit().await?;
    Ok((survey_view(state, row).await?, true))
}

async fn by_key(state: &AppState, key: &str) -> AppResult<Option<facility_survey::Model>> {
    Ok(facility_survey::Entity::find()
        .filter(facility_survey::Column::IdempotencyKey.eq(key))
        .one(&state.db)
        .await?)
}

/// One survey (staff).
pub async fn survey(state: &AppState, actor: &Actor, id: i32) -> AppResult<SurveyView> {
    actor.require_staff()?;
    let s = facility_survey::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    survey_view(state, s).await
}

/// What the survey list is filtered by.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, ToSchema)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SurveyFilter {
    pub commune_code: Option<i32>,
    pub enterprise_id: Option<i32>,
    /// Only surveys no proposal has started from yet.
    pub open: Option<bool>,
}

/// Surveys, newest first (staff).
pub async fn surveys(
    state: &AppState,
    actor: &Actor,
    filter: &SurveyFilter,
) -> AppResult<Vec<SurveyView>> {
    actor.require_staff()?;
    let mut query = facility_survey::Entity::find()
        .order_by_desc(facility_survey::Column::VisitedOn)
        .order_by_desc(facility_survey::Column::Id)
        .limit(200);
    if let Some(c) = filter.commune_code {
        query = query.filter(facility_survey::Column::CommuneCode.eq(c));
    }
    if let Some(e) = filter.enterprise_id {
        query = query.filter(facility_survey::Column::EnterpriseId.eq(e));
    }
    if filter.open == Some(true) {
        query = query.filter(facility_survey::Column::ProgrammeId.is_null());
    }
    let mut out = Vec::new();
    for s in query.all(&state.db).await? {
        out.push(survey_view(state, s).await?);
    }
    Ok(out)
}

/// Adds a photo to a survey (staff); the same photo twice is kept once (`false`).
pub async fn add_survey_photo(
    state: &AppState,
    actor: &Actor,
    id: i32,
    file: (&str, Bytes),
) -> AppResult<(SurveyView, bool)> {
    actor.require_staff()?;
    let s = facility_survey::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if file.1.is_empty() {
        return Err(Invalid::one("file", Code::FileMissing).into());
    }
    let hash = crate::media::sha256_hex(&file.1);
    let photos = facility_survey_photo::Entity::find()
        .filter(facility_survey_photo::Column::SurveyId.eq(id));
    if photos
        .clone()
        .filter(facility_survey_photo::Column::Hash.eq(&hash))
        .count(&state.db)
        .await?
        > 0
    {
        return Ok((survey_view(state, s).await?, false));
    }
    if photos.count(&state.db).await? >= MAX_SURVEY_PHOTOS {
        return Err(AppError::conflict("file", Code::SurveyPhotoLimit));
    }
    let stored = store_private(state, "surveys", file.0, file.1, true).await?;
    let saved = facility_survey_photo::ActiveModel {
        survey_id: Set(id),
        hash: Set(stored.hash.clone()),
        object_key: Set(stored.key.clone()),
        content_type: Set(stored.content_type.into()),
        bytes: Set(stored.bytes),
        created_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await;
    match saved {
        Ok(_) => Ok((survey_view(state, s).await?, true)),
        // Sent twice at once: the other attempt kept it.
        Err(e) if unique_violation(&e) => Ok((survey_view(state, s).await?, false)),
        // The object is left to `storage gc`.
        Err(e) => Err(e.into()),
    }
}

/// A survey's photo, for staff.
pub async fn survey_photo(state: &AppState, actor: &Actor, photo_id: i32) -> AppResult<Download> {
    actor.require_staff()?;
    let p = facility_survey_photo::Entity::find_by_id(photo_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let ext = match p.content_type.as_str() {
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "jpg",
    };
    let name = format!("khao-sat-{}-{}.{ext}", p.survey_id, p.id);
    private_download(state, &p.object_key, &name, &p.content_type).await
}

/// A proposal started from a survey (staff): its first need gives the kind, its commune the
/// place, and what was seen the description; staff complete the rest.
pub async fn draft_from_survey(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    id: i32,
) -> AppResult<ProgrammeInput> {
    let s = survey(state, actor, id).await?;
    let kind = s
        .needs
        .first()
        .map_or(crate::domain::ProgrammeKind::Other, |n| n.programme_kind());
    let needs: Vec<&str> = s
        .needs
        .iter()
        .map(|n| t(lang, &format!("survey.need.{n}")))
        .collect();
    let line = |key: &str, value: &str| {
        if value.is_empty() {
            String::new()
        } else {
            format!("{}: {value}\n", t(lang, key))
        }
    };
    let description = format!(
        "{}{}{}{}{}{}",
        line(
            "survey.visited",
            &format!("{} · {}", s.visited_on.format("%d/%m/%Y"), s.met)
        ),
        line("survey.makes", &s.makes),
        line("survey.output", &s.output),
        line("survey.equipment", &s.equipment),
        line("survey.needs", &needs.join(", ")),
        line("survey.notes", &s.notes),
    );
    Ok(ProgrammeInput {
        code: None,
        title: Some(format!(
            "{} – {}",
            t(lang, &format!("programme.kind.{kind}")),
            s.facility
        )),
        kind: Some(kind.as_str().into()),
        funding_source: Some(FundingSource::Provincial.as_str().into()),
        year: Some(Num::Int(i64::from(state.clock.today().year()))),
        commune_codes: Some(vec![s.commune_code]),
        staff_id: actor.id(),
        description: Some(description.trim_end().to_string()),
        proposed_vnd: None,
        category: None,
        survey_id: Some(s.id),
    })
}
