//! Who may do what with an enterprise and its products.

use crate::db::entities::enterprise_member;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use sea_orm::{ConnectionTrait, EntityTrait};

/// Staff, or a member of the enterprise.
pub async fn can_manage(
    db: &impl ConnectionTrait,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<bool> {
    match actor {
        Actor::Visitor => Ok(false),
        Actor::User(u) if u.role.is_staff() => Ok(true),
        Actor::User(u) => Ok(enterprise_member::Entity::find_by_id((enterprise_id, u.id))
            .one(db)
            .await?
            .is_some()),
    }
}

/// Proof that the actor manages an enterprise (one of its members, or staff). Only the
/// permission check makes one, and a view shows contacts only when handed one, so a new
/// view or field cannot show contacts by accident.
#[derive(Clone, Copy, Debug)]
pub struct Manages(pub(super) ());

/// The proof that `actor` manages `enterprise_id`, if they do.
pub async fn manages(
    db: &impl ConnectionTrait,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<Option<Manages>> {
    Ok(can_manage(db, actor, enterprise_id)
        .await?
        .then_some(Manages(())))
}

/// A member of the enterprise, or staff: a visitor is asked to sign in, anyone else refused.
pub(crate) async fn require_manage(
    db: &impl ConnectionTrait,
    actor: &Actor,
    enterprise_id: i32,
) -> AppResult<()> {
    match actor {
        Actor::Visitor => Err(AppError::Unauthenticated),
        Actor::User(_) if can_manage(db, actor, enterprise_id).await? => Ok(()),
        Actor::User(_) => Err(AppError::Forbidden),
    }
}

/// A producer or staff: those who put enterprises and products in the catalogue. A visitor
/// is asked to sign in, a buyer is refused.
pub fn may_publish(actor: &Actor) -> AppResult<&crate::services::SignedIn> {
    let me = actor.require_signed_in()?;
    if matches!(me.role, Role::Producer) || me.role.is_staff() {
        Ok(me)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Staff register producers who have no account yet (the new producer form).
pub fn may_register_producers(actor: &Actor) -> AppResult<()> {
    actor.require_staff().map(|_| ())
}

/// How a page or the API names a record: by id (API) or by its URL slug (pages).
#[derive(Clone, Copy, Debug)]
pub enum Lookup<'a> {
    Id(i32),
    Slug(&'a str),
}
