//! Staff register a producer who has no account yet together with their enterprise, in
//! one step, as centre staff do at a commune meeting.

use super::{EnterpriseView, create_enterprise, validate_enterprise};
use crate::context::AppState;
use crate::domain::{Code, EnterpriseInput, Invalid, Login, Password, Role, required_text};
use crate::error::{AppError, AppResult};
use crate::services::{Actor, accounts, auth};

/// The producer named on the form: an existing producer account is found by its login;
/// otherwise one is opened with this name and password.
pub struct ProducerAccount<'a> {
    pub login: &'a str,
    pub full_name: &'a str,
    pub password: &'a str,
}

/// Opens (or reuses) the producer's account and registers their enterprise with them as its
/// member. Everything is checked before anything is written, so a mistake anywhere on the
/// form leaves no account behind. `province_code` is the province picked on the form, which
/// must be the commune's.
pub async fn register_producer_with_enterprise(
    state: &AppState,
    actor: &Actor,
    producer: &ProducerAccount<'_>,
    enterprise: &EnterpriseInput,
    province_code: Option<i32>,
) -> AppResult<EnterpriseView> {
    let (db, reference) = (&state.db, &*state.reference);
    super::may_register_producers(actor)?;
    let mut errors = Invalid::default();
    let login = errors.take(Login::parse(producer.login).map_err(|e| on(e, "producer_login")));
    let existing = match &login {
        Some(l) => auth::find_by_login(db, l).await?,
        None => None,
    };
    if existing.as_ref().is_some_and(|u| u.role != Role::Producer) {
        errors.push("producer_login", Code::MemberNotProducer);
    }
    if existing.is_none() {
        errors.take(required_text(
            Some(producer.full_name),
            "producer_name",
            2,
            100,
        ));
        errors.take(Password::parse(producer.password).map_err(|e| on(e, "producer_password")));
    }
    match validate_enterprise(state, enterprise).await {
        Err(AppError::Invalid(inv)) => errors.0.extend(inv.0),
        Err(other) => return Err(other),
        Ok(fields) => {
            let commune = reference.commune(fields.commune_code);
            if let (Some(province), Some(commune)) = (province_code, commune)
                && commune.province_code != province
            {
                errors.push("commune_code", Code::CommuneNotInProvince);
            }
        }
    }
    if !errors.0.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let user = match existing {
        Some(u) => u,
        None => {
            accounts::open_account_for(
                state,
                actor,
                producer.login,
                producer.password,
                producer.full_name,
                Role::Producer.as_str(),
            )
            .await?
        }
    };
    create_enterprise(state, actor, enterprise, Some(user.id)).await
}

/// The same errors, named for the form's field.
fn on(mut e: Invalid, field: &'static str) -> Invalid {
    for fe in &mut e.0 {
        fe.field = field;
    }
    e
}
