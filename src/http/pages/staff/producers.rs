//! Staff register a producer with their enterprise (`dashboard/enterprise_form.html`).

use axum::extract::State;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::require_staff;
use crate::app::AppState;
use crate::domain::{Code, Invalid, Login, Role};
use crate::error::AppError;
use crate::http::pages::dashboard::enterprise_form_page;
use crate::http::pages::forms::{EnterpriseForm, FormValues};
use crate::http::pages::{Errors, PageCtx, PageResult, see_other};
use crate::services::auth;
use crate::services::catalogue;

/// Staff register a producer who has no account yet, with their enterprise, in one form.
pub async fn new_producer(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    require_staff(&ctx)?;
    let title = ctx.t("staff.new_producer");
    Ok(enterprise_form_page(
        &state,
        ctx,
        title,
        "/staff/producers/new".into(),
        FormValues::default(),
        Errors::default(),
    ))
}

#[derive(Deserialize)]
pub struct ProducerForm {
    producer_name: Option<String>,
    producer_login: Option<String>,
    producer_password: Option<String>,
    #[serde(flatten)]
    enterprise: EnterpriseForm,
}

pub async fn create_producer(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<ProducerForm>,
) -> PageResult {
    require_staff(&ctx)?;
    let title = ctx.t("staff.new_producer");
    let action = "/staff/producers/new".to_string();
    let mut values = FormValues::from_input(&form.enterprise.to_input());
    if let Some(p) = &form.enterprise.province_code {
        values.set("province_code", p.clone());
    }
    values.set(
        "producer_name",
        form.producer_name.clone().unwrap_or_default(),
    );
    values.set(
        "producer_login",
        form.producer_login.clone().unwrap_or_default(),
    );
    if form.enterprise.pick_province.is_some() {
        return Ok(enterprise_form_page(
            &state,
            ctx,
            title,
            action,
            values,
            Errors::default(),
        ));
    }
    let result = async {
        // Check everything before writing anything, so a mistake leaves no account behind.
        let input = form.enterprise.to_input();
        let mut errors = Invalid::default();
        let login = errors.take(
            Login::parse(form.producer_login.as_deref().unwrap_or_default())
                .map_err(|e| rename(e, "producer_login")),
        );
        let existing = match &login {
            Some(l) => auth::find_by_login(&state.db, l).await?,
            None => None,
        };
        if let Some(u) = &existing
            && u.role != Role::Producer
        {
            errors.push("producer_login", Code::MemberNotProducer);
        }
        if existing.is_none() {
            errors.take(crate::domain::required_text(
                form.producer_name.as_deref(),
                "producer_name",
                2,
                100,
            ));
            errors.take(
                crate::domain::Password::parse(
                    form.producer_password.as_deref().unwrap_or_default(),
                )
                .map_err(|e| rename(e, "producer_password")),
            );
        }
        if let Err(AppError::Invalid(inv)) =
            catalogue::validate_enterprise(&state.db, &state.reference, &input).await
        {
            errors.0.extend(inv.0);
        } else if let Some(mismatch) = form.enterprise.place_mismatch(&state.reference) {
            errors.0.extend(mismatch.0);
        }
        if !errors.0.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let user = match existing {
            Some(u) => u,
            None => {
                crate::services::accounts::open_account_for(
                    &state.db,
                    &ctx.actor,
                    form.producer_login.as_deref().unwrap_or_default(),
                    form.producer_password.as_deref().unwrap_or_default(),
                    form.producer_name.as_deref().unwrap_or_default(),
                    "producer",
                )
                .await?
            }
        };
        catalogue::create_enterprise(
            &state.db,
            &state.reference,
            &ctx.actor,
            &input,
            Some(user.id),
        )
        .await
    }
    .await;
    match result {
        Ok(e) => Ok(see_other(&format!(
            "/dashboard/products/new?enterprise={}&done=enterprise_saved",
            e.id
        ))),
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => Ok(enterprise_form_page(
                &state, ctx, title, action, values, errors,
            )),
            None => Err(err.into()),
        },
    }
}

fn rename(mut e: Invalid, field: &'static str) -> Invalid {
    for fe in &mut e.0 {
        fe.field = field;
    }
    e
}
