//! One programme as staff work on it (`programmes/show.html`): its state and what stops it,
//! its file, beneficiaries, follow-up, money and what came of it, with one route per action.
//! A form that fails shows the page again with its message and its own values.

use askama::Template;
use axum::extract::multipart::Multipart;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use serde::Deserialize;

use super::{event_line, per_dong};
use crate::context::AppState;
use crate::domain::programme::follow::{
    ContributionInput, MilestoneInput, MilestoneKind, VisitInput,
};
use crate::domain::programme::outcomes::IndicatorsInput;
use crate::domain::programme::{BeneficiaryInput, DisbursementInput, DocumentKind, MoveInput};
use crate::domain::{CancelReason, Code, EnterpriseInput, LegalForm, ProgrammeStatus};
use crate::error::AppError;
use crate::http::pages::forms::{FormValues, opt_i32, opt_num, opt_text};
use crate::http::pages::{Errors, PageCtx, PageResult, page_error, render_as, see_other};
use crate::http::upload;
use crate::services::programmes::{
    self, BeneficiaryView, CandidateView, ProgrammeEventView, ProgrammeOptions, ProgrammeView,
    ReplaceInput,
};

#[derive(Template)]
#[template(path = "programmes/show.html")]
struct ShowPage {
    ctx: PageCtx,
    p: ProgrammeView,
    options: ProgrammeOptions,
    /// Who could take a withdrawn beneficiary's place (when one withdrew).
    replacements: Vec<CandidateView>,
    message: Option<&'static str>,
    error: Option<&'static str>,
    /// The form that failed (its values and errors show again), if one did.
    failed: String,
    form: FormValues,
    errors: Errors,
    /// Today, for date fields (`yyyy-mm-dd`).
    today: String,
}

impl ShowPage {
    /// A value of the form that failed, if `section` is that form.
    fn v(&self, section: &str, name: &str) -> &str {
        if self.failed == section {
            self.form.get(name)
        } else {
            ""
        }
    }
    /// A date field's value: the failed form's, else today.
    fn day(&self, section: &str, name: &str) -> String {
        match self.v(section, name) {
            "" => self.today.clone(),
            v => v.to_string(),
        }
    }
    /// The error of a field of the form that failed.
    fn e(&self, section: &str, name: &str) -> Option<&'static str> {
        if self.failed == section {
            self.errors.get(name)
        } else {
            None
        }
    }
    fn reasons(&self) -> &'static [CancelReason] {
        CancelReason::ALL
    }
    fn milestone_kinds(&self) -> &'static [MilestoneKind] {
        MilestoneKind::ALL
    }
    fn document_kinds(&self) -> Vec<DocumentKind> {
        DocumentKind::ALL
            .iter()
            .copied()
            .filter(|k| *k != DocumentKind::Photo)
            .collect()
    }
    fn legal_forms(&self) -> &'static [LegalForm] {
        LegalForm::ALL
    }
    fn committed(&self) -> Vec<&BeneficiaryView> {
        self.p
            .beneficiaries
            .iter()
            .filter(|b| b.status == crate::domain::BeneficiaryStatus::Committed)
            .collect()
    }
    /// The beneficiary's enterprise, by its id on the programme.
    fn who(&self, id: &Option<i32>) -> String {
        id.and_then(|id| self.p.beneficiaries.iter().find(|b| b.id == id))
            .map_or_else(
                || self.ctx.t("programme.whole").to_string(),
                |b| b.enterprise.clone(),
            )
    }
    fn who_id(&self, id: &i32) -> String {
        self.who(&Some(*id))
    }
    fn line(&self, e: &ProgrammeEventView) -> String {
        event_line(&self.ctx, e)
    }
    fn is_open(&self) -> bool {
        !self.p.status.is_final()
    }
    fn measuring(&self) -> bool {
        matches!(
            self.p.status,
            ProgrammeStatus::InProgress | ProgrammeStatus::Accepted
        )
    }
    fn takes_money(&self) -> bool {
        self.p.status.takes_disbursements()
    }
    fn per_dong(&self, milli: &i64) -> String {
        per_dong(&self.ctx, *milli)
    }
    fn enterprises_here(&self) -> bool {
        !self.options.enterprises.is_empty()
    }
    fn photos_of(&self, visit: &i32) -> Vec<i32> {
        self.p
            .visits
            .iter()
            .find(|v| v.id == *visit)
            .map(|v| v.photo_ids.clone())
            .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    pub done: Option<String>,
}

async fn show_page(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    message: Option<&'static str>,
    failed: Option<(&str, FormValues, AppError)>,
) -> PageResult {
    let (error, status, errors, section, form) = match failed {
        None => (
            None,
            StatusCode::OK,
            Errors::default(),
            String::new(),
            FormValues::default(),
        ),
        Some((section, form, e)) => {
            let (message, status) = page_error(&ctx, &e)?;
            // Shown in answer to a form's post: switching language comes back to the page.
            ctx.here = format!("/staff/programmes/{id}");
            let errors = Errors::from_app(ctx.lang, &e).unwrap_or_default();
            (Some(message), status, errors, section.to_string(), form)
        }
    };
    let p = programmes::get(state, &ctx.actor, ctx.lang, id).await?;
    let options = programmes::options(state, &ctx.actor).await?;
    let waiting = p
        .beneficiaries
        .iter()
        .any(|b| b.status == crate::domain::BeneficiaryStatus::Withdrew);
    let replacements = if waiting && !p.status.is_final() {
        programmes::replacement_candidates(state, &ctx.actor, ctx.lang, id).await?
    } else {
        Vec::new()
    };
    Ok(render_as(
        &ShowPage {
            today: state.clock.today().format("%Y-%m-%d").to_string(),
            ctx,
            p,
            options,
            replacements,
            message,
            error,
            failed: section,
            form,
            errors,
        },
        status,
    ))
}

/// The programme's beneficiaries as a spreadsheet to fill in and import back.
pub async fn beneficiaries_xlsx(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let table = crate::services::exports::beneficiaries(&state, &ctx.actor, ctx.lang, id).await?;
    let name = format!("thu-huong-{}", crate::domain::text::slugify(&table.name));
    Ok(crate::http::api::imports::spreadsheet(
        &table,
        Some("xlsx"),
        &name,
    )?)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let message = q.done.as_deref().map(|_| ctx.t("programme.saved"));
    show_page(&state, ctx, id, message, None).await
}

/// Back to the programme saying it was saved, or the page again with the error and the
/// failed form's values.
async fn done<T>(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    section: &str,
    form: FormValues,
    result: Result<T, AppError>,
) -> PageResult {
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/staff/programmes/{id}?done=1#{section}"
        ))),
        Err(e) => show_page(state, ctx, id, None, Some((section, form, e))).await,
    }
}

/// Every field of the programme page's forms; each action reads the ones it needs.
#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
pub struct ProgrammeForm {
    pub to: Option<String>,
    pub decision_number: Option<String>,
    pub decided_on: Option<String>,
    pub budget_vnd: Option<String>,
    pub accepted_on: Option<String>,
    pub minutes: Option<String>,
    pub final_vnd: Option<String>,
    pub reason: Option<String>,
    pub reason_words: Option<String>,
    pub to_year: Option<String>,
    pub paid_on: Option<String>,
    pub amount_vnd: Option<String>,
    pub purpose: Option<String>,
    pub enterprise_id: Option<String>,
    pub support: Option<String>,
    pub support_vnd: Option<String>,
    pub contribution_vnd: Option<String>,
    pub fair_id: Option<String>,
    pub new_name: Option<String>,
    pub new_legal_form: Option<String>,
    pub new_tax_code: Option<String>,
    pub new_address: Option<String>,
    pub new_phone: Option<String>,
    pub new_commune_code: Option<String>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub due_on: Option<String>,
    pub beneficiary_id: Option<String>,
    pub received_on: Option<String>,
    pub note: Option<String>,
    pub done: Option<String>,
    pub new_jobs: Option<String>,
    pub revenue_before_vnd: Option<String>,
    pub revenue_after_vnd: Option<String>,
    pub capacity_before: Option<String>,
    pub capacity_after: Option<String>,
    pub capacity_unit: Option<String>,
    /// The programme's version the form was filled in against.
    pub version: Option<String>,
    #[serde(default)]
    pub items: Vec<String>,
}

impl ProgrammeForm {
    fn values(&self) -> FormValues {
        FormValues::from_input(self)
    }

    /// The enterprise registered on the spot, when its name is given.
    fn new_enterprise(&self) -> Option<EnterpriseInput> {
        opt_text(&self.new_name).map(|name| EnterpriseInput {
            name: Some(name),
            legal_form: opt_text(&self.new_legal_form),
            tax_code: opt_text(&self.new_tax_code),
            commune_code: opt_num(&self.new_commune_code),
            address: opt_text(&self.new_address),
            phone: opt_text(&self.new_phone),
            ..Default::default()
        })
    }
}

pub async fn move_programme(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let input = MoveInput {
        to: opt_text(&f.to),
        decision_number: opt_text(&f.decision_number),
        decided_on: opt_text(&f.decided_on),
        budget_vnd: opt_num(&f.budget_vnd),
        accepted_on: opt_text(&f.accepted_on),
        minutes: opt_text(&f.minutes),
        final_vnd: opt_num(&f.final_vnd),
        reason: opt_text(&f.reason),
        reason_words: opt_text(&f.reason_words),
        to_year: opt_num(&f.to_year),
    };
    let result = programmes::move_to(&state, &ctx.actor, ctx.lang, id, &input).await;
    let section = format!("move-{}", f.to.as_deref().unwrap_or_default());
    done(&state, ctx, id, &section, f.values(), result).await
}

/// The file's checklist as ticked on the page: every item of the kind, ticked or not.
pub async fn save_checklist(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let result = programmes::set_checklist(&state, &ctx.actor, ctx.lang, id, &f.items).await;
    done(&state, ctx, id, "file", f.values(), result).await
}

pub async fn add_beneficiary(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let new_enterprise = f.new_enterprise();
    let input = BeneficiaryInput {
        enterprise_id: if new_enterprise.is_some() {
            None
        } else {
            opt_i32(&f.enterprise_id)
        },
        new_enterprise,
        support: opt_text(&f.support),
        support_vnd: opt_num(&f.support_vnd),
        contribution_vnd: opt_num(&f.contribution_vnd),
        product_id: None,
        fair_id: opt_i32(&f.fair_id),
    };
    let result = programmes::add_beneficiary(&state, &ctx.actor, ctx.lang, id, &input).await;
    done(&state, ctx, id, "beneficiaries", f.values(), result).await
}

pub async fn withdraw_beneficiary(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, bid)): Path<(i32, i32)>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let result = programmes::withdraw_beneficiary(
        &state,
        &ctx.actor,
        ctx.lang,
        id,
        bid,
        f.reason.as_deref().unwrap_or_default(),
    )
    .await;
    done(
        &state,
        ctx,
        id,
        &format!("withdraw-{bid}"),
        f.values(),
        result,
    )
    .await
}

pub async fn replace_beneficiary(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, bid)): Path<(i32, i32)>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let input = ReplaceInput {
        enterprise_id: opt_i32(&f.enterprise_id),
        new_enterprise: f.new_enterprise(),
        support: opt_text(&f.support),
        support_vnd: opt_num(&f.support_vnd),
        contribution_vnd: opt_num(&f.contribution_vnd),
    };
    let result =
        programmes::replace_beneficiary(&state, &ctx.actor, ctx.lang, id, bid, &input).await;
    done(
        &state,
        ctx,
        id,
        &format!("replace-{bid}"),
        f.values(),
        result,
    )
    .await
}

pub async fn record_indicators(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, bid)): Path<(i32, i32)>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let input = IndicatorsInput {
        new_jobs: opt_num(&f.new_jobs),
        revenue_before_vnd: opt_num(&f.revenue_before_vnd),
        revenue_after_vnd: opt_num(&f.revenue_after_vnd),
        capacity_before: opt_num(&f.capacity_before),
        capacity_after: opt_num(&f.capacity_after),
        capacity_unit: opt_text(&f.capacity_unit),
    };
    let result = programmes::record_indicators(&state, &ctx.actor, ctx.lang, id, bid, &input).await;
    done(
        &state,
        ctx,
        id,
        &format!("indicators-{bid}"),
        f.values(),
        result,
    )
    .await
}

pub async fn add_milestone(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let input = MilestoneInput {
        kind: opt_text(&f.kind),
        title: opt_text(&f.title),
        due_on: opt_text(&f.due_on),
        beneficiary_id: opt_i32(&f.beneficiary_id),
        version: opt_i32(&f.version),
    };
    let result = programmes::add_milestone(&state, &ctx.actor, ctx.lang, id, &input).await;
    done(&state, ctx, id, "milestones", f.values(), result).await
}

pub async fn milestone_done(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, mid)): Path<(i32, i32)>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let is_done = f.done.as_deref() != Some("false");
    let result =
        programmes::set_milestone_done(&state, &ctx.actor, ctx.lang, id, mid, is_done).await;
    done(&state, ctx, id, "milestones", f.values(), result).await
}

pub async fn record_contribution(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let input = ContributionInput {
        beneficiary_id: opt_i32(&f.beneficiary_id),
        received_on: opt_text(&f.received_on),
        amount_vnd: opt_num(&f.amount_vnd),
        note: opt_text(&f.note),
        version: opt_i32(&f.version),
    };
    let result = programmes::record_contribution(&state, &ctx.actor, ctx.lang, id, &input).await;
    done(&state, ctx, id, "contributions", f.values(), result).await
}

pub async fn disburse(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let input = DisbursementInput {
        paid_on: opt_text(&f.paid_on),
        amount_vnd: opt_num(&f.amount_vnd),
        purpose: opt_text(&f.purpose),
        version: opt_i32(&f.version),
    };
    let result = programmes::disburse(&state, &ctx.actor, ctx.lang, id, &input).await;
    done(&state, ctx, id, "money", f.values(), result).await
}

/// A visit with its photos, from the page's multipart form.
pub async fn add_visit(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> PageResult {
    programmes::may_follow(&ctx.actor)?;
    let form = upload::read(multipart).await?;
    let beneficiary_id = form.id_field("beneficiary_id", Code::ProgrammeBeneficiaryUnknown);
    let version = form.id_field("version", Code::NumberInvalid);
    let input = VisitInput {
        visited_on: form.field("visited_on").map(str::to_string),
        notes: form.field("notes").map(str::to_string),
        beneficiary_id: beneficiary_id.as_ref().ok().copied().flatten(),
        version: version.as_ref().ok().copied().flatten(),
    };
    let mut values = FormValues::default();
    values.set("visited_on", input.visited_on.clone().unwrap_or_default());
    values.set("notes", input.notes.clone().unwrap_or_default());
    let photos = form
        .files
        .into_iter()
        .filter(|f| !f.bytes.is_empty())
        .map(|f| (f.file_name, f.bytes))
        .collect();
    let result = match (beneficiary_id, version) {
        (Err(e), _) | (_, Err(e)) => Err(e),
        _ => programmes::add_visit(&state, &ctx.actor, ctx.lang, id, &input, photos).await,
    };
    done(&state, ctx, id, "visits", values, result).await
}

/// A document for the programme's file, from the page's multipart form.
pub async fn add_document(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    multipart: Multipart,
) -> PageResult {
    programmes::may_follow(&ctx.actor)?;
    let mut form = upload::read(multipart).await?;
    let mut values = FormValues::default();
    values.set("kind", form.field("kind").unwrap_or_default());
    values.set("title", form.field("title").unwrap_or_default());
    let result = match form.file() {
        Ok(file) => {
            programmes::add_document(
                &state,
                &ctx.actor,
                ctx.lang,
                id,
                programmes::DocumentUpload {
                    kind: form.field("kind").unwrap_or_default(),
                    title: form.field("title").unwrap_or_default(),
                    file_name: &file.file_name,
                    bytes: file.bytes,
                    version: form.id_field("version", Code::NumberInvalid).ok().flatten(),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    done(&state, ctx, id, "documents", values, result).await
}

pub async fn delete_document(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((id, did)): Path<(i32, i32)>,
    Form(f): Form<ProgrammeForm>,
) -> PageResult {
    let result = programmes::delete_document(&state, &ctx.actor, ctx.lang, id, did).await;
    done(&state, ctx, id, "documents", f.values(), result).await
}

/// A document of the file, for staff (the API's download, reached from the page).
pub async fn download_document(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(did): Path<i32>,
) -> PageResult {
    Ok(upload::download_response(
        programmes::download_document(&state, &ctx.actor, did).await?,
    ))
}
