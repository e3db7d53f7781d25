//! The audit trail: who changed what, and when. Written in the same transaction as the change.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;

use super::Actor;
use crate::db::entities::{audit, user};
use crate::error::AppResult;

/// Records that `actor` did `action` to `entity` #`entity_id` at `at` (the context's clock).
pub async fn record(
    db: &impl ConnectionTrait,
    at: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: i32,
    details: Value,
) -> AppResult<()> {
    audit::ActiveModel {
        at: Set(at),
        actor_id: Set(actor.id()),
        action: Set(action.to_string()),
        entity: Set(entity.to_string()),
        entity_id: Set(entity_id),
        details: Set(details.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i32,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i32>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: i32,
    #[schema(value_type = Object)]
    pub details: Value,
}

/// The newest entries, optionally for one record. Staff only.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entity: Option<(&str, i32)>,
    limit: u64,
) -> AppResult<Vec<AuditEntry>> {
    actor.require_staff()?;
    let mut query = audit::Entity::find()
        .order_by_desc(audit::Column::Id)
        .limit(limit);
    if let Some((entity, id)) = entity {
        query = query
            .filter(audit::Column::Entity.eq(entity))
            .filter(audit::Column::EntityId.eq(id));
    }
    let rows = query.all(db).await?;
    let actor_ids: Vec<i32> = rows.iter().filter_map(|a| a.actor_id).collect();
    let names: std::collections::HashMap<i32, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(actor_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|a| AuditEntry {
            id: a.id,
            at: a.at,
            actor_id: a.actor_id,
            actor_name: a.actor_id.and_then(|id| names.get(&id).cloned()),
            action: a.action,
            entity: a.entity,
            entity_id: a.entity_id,
            details: serde_json::from_str(&a.details).unwrap_or(Value::Null),
        })
        .collect())
}
