//! Staff register a producer with their enterprise (`dashboard/enterprise_form.html`).

use axum::extract::State;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::context::AppState;
use crate::http::pages::dashboard::enterprise_form_page;
use crate::http::pages::forms::{EnterpriseForm, FormValues};
use crate::http::pages::{Errors, PageCtx, PageResult, see_other};
use crate::services::catalogue;

/// Staff register a producer who has no account yet, with their enterprise, in one form.
pub async fn new_producer(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    catalogue::may_register_producers(&ctx.actor)?;
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
        // Only the form again, with the province's communes: no use case to ask.
        catalogue::may_register_producers(&ctx.actor)?;
        return Ok(enterprise_form_page(
            &state,
            ctx,
            title,
            action,
            values,
            Errors::default(),
        ));
    }
    let producer = catalogue::ProducerAccount {
        login: form.producer_login.as_deref().unwrap_or_default(),
        full_name: form.producer_name.as_deref().unwrap_or_default(),
        password: form.producer_password.as_deref().unwrap_or_default(),
    };
    let province_code = form
        .enterprise
        .province_code
        .as_deref()
        .and_then(|p| p.trim().parse().ok());
    let result = catalogue::register_producer_with_enterprise(
        &state,
        &ctx.actor,
        &producer,
        &form.enterprise.to_input(),
        province_code,
    )
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
