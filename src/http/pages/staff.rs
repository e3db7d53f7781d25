//! Centre staff: the review queue, reviewing one listing, acting for a producer, the audit
//! trail, and helping someone back into their account.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::dashboard::{DoneQuery, enterprise_form_page};
use super::forms::{EnterpriseForm, FormValues};
use super::{Errors, PageCtx, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::domain::{Invalid, Login, ProductInput, Role};
use crate::error::AppError;
use crate::services::audit::{self, AuditEntry};
use crate::services::catalogue::{self, Decision, ProductFilter, ProductView};
use crate::services::{accounts, auth};

fn require_staff(ctx: &PageCtx) -> Result<(), PageError> {
    match ctx.actor.user() {
        None => Err(PageError(AppError::Unauthenticated)),
        Some(u) if u.role.is_staff() => Ok(()),
        Some(_) => Err(PageError(AppError::Forbidden)),
    }
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueuePage {
    ctx: PageCtx,
    items: Vec<ProductView>,
    /// Enterprises whose profile changes wait.
    enterprises: Vec<catalogue::EnterpriseView>,
    message: Option<&'static str>,
}

pub async fn review_queue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    require_staff(&ctx)?;
    let filter = ProductFilter {
        status: Some("review".into()),
        per_page: Some(100),
        ..Default::default()
    };
    let items = catalogue::list_products(&state.db, &state.reference, &ctx.actor, &filter)
        .await?
        .items;
    let enterprises = catalogue::list_enterprises(
        &state.db,
        &state.reference,
        &ctx.actor,
        catalogue::EnterpriseScope::Review,
    )
    .await?;
    let message = match q.done.as_deref() {
        Some(k @ ("approved" | "rejected" | "unpublished")) => Some(ctx.t(&format!("done.{k}"))),
        _ => None,
    };
    Ok(render(&QueuePage {
        ctx,
        items,
        enterprises,
        message,
    }))
}

/// One line of the comparison between what buyers see and what the producer proposes.
struct Change {
    key: &'static str,
    label: &'static str,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "staff/review.html")]
struct ReviewPage {
    ctx: PageCtx,
    p: ProductView,
    changes: Vec<Change>,
    errors: Errors,
    history: Vec<AuditEntry>,
    /// Why the decision was not taken (the listing changed while staff read it).
    notice: Option<&'static str>,
}

fn describe_changes(ctx: &PageCtx, live: &ProductInput, proposed: &ProductInput) -> Vec<Change> {
    let keys = [
        "name",
        "category",
        "brand",
        "packaging_status",
        "trademark_status",
        "trademark_kind",
        "trademark_number",
        "trademark_filed_on",
        "trademark_granted_on",
        "trademark_expires_on",
        "ocop_stars",
        "ocop_year",
        "certifications",
        "unit",
        "price_min_vnd",
        "price_max_vnd",
        "min_order",
        "monthly_capacity",
        "season_months",
        "shelf_life_days",
        "description",
    ];
    compare(ctx, live, proposed, &keys)
}

/// The fields (of `keys`) whose values differ between what buyers see and the proposal.
fn compare(
    ctx: &PageCtx,
    live: &impl serde::Serialize,
    proposed: &impl serde::Serialize,
    keys: &[&'static str],
) -> Vec<Change> {
    let before = FormValues::from_input(live);
    let after = FormValues::from_input(proposed);
    keys.iter()
        .filter_map(|k| {
            let b = before.all(k).join(", ");
            let a = after.all(k).join(", ");
            (a != b).then(|| Change {
                key: k,
                label: ctx.t(&format!("field.{k}")),
                before: b,
                after: a,
            })
        })
        .collect()
}

async fn review_page_for(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    errors: Errors,
    notice: Option<&'static str>,
) -> PageResult {
    require_staff(&ctx)?;
    let (p, _) = catalogue::product_for_edit(&state.db, &state.reference, &ctx.actor, id).await?;
    let changes = match &p.pending_changes {
        Some(proposed) => {
            let live = catalogue::live_input(&state.db, &state.reference, id).await?;
            describe_changes(&ctx, &live, proposed)
        }
        None => Vec::new(),
    };
    let history = audit::list(&state.db, &ctx.actor, Some(("product", id)), 50).await?;
    let status = if errors.any() {
        Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    } else if notice.is_some() {
        Some(axum::http::StatusCode::CONFLICT)
    } else {
        None
    };
    let mut response = render(&ReviewPage {
        ctx,
        p,
        changes,
        errors,
        history,
        notice,
    });
    if let Some(s) = status {
        *response.status_mut() = s;
    }
    Ok(response)
}

pub async fn review_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    review_page_for(&state, ctx, id, Errors::default(), None).await
}

/// What staff send with a decision: the version they saw and, to reject, why.
#[derive(Deserialize)]
pub struct ReviewForm {
    version: Option<i32>,
    reason: Option<String>,
}

/// The review pages' earlier form, one target for both buttons (`decision`).
#[derive(Deserialize)]
pub struct DecisionForm {
    decision: String,
    version: Option<i32>,
    reason: Option<String>,
}

impl DecisionForm {
    fn split(self) -> Result<(Decision, ReviewForm), PageError> {
        let decision = match self.decision.as_str() {
            "approve" => Decision::Approve,
            "reject" => Decision::Reject,
            _ => return Err(AppError::BadRequest("request.malformed").into()),
        };
        let form = ReviewForm {
            version: self.version,
            reason: self.reason,
        };
        Ok((decision, form))
    }
}

/// Back to the queue, saying what was decided.
fn decided(decision: Decision) -> axum::response::Response {
    see_other(match decision {
        Decision::Approve => "/staff/review?done=approved",
        Decision::Reject => "/staff/review?done=rejected",
    })
}

async fn decide_product(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    decision: Decision,
    form: ReviewForm,
) -> PageResult {
    require_staff(&ctx)?;
    // Shown in answer to a form's post: switching language comes back to the page.
    ctx.here = format!("/staff/review/{id}");
    match catalogue::review_product(
        &state.db,
        &state.reference,
        &ctx.actor,
        id,
        decision,
        form.version,
        form.reason.as_deref(),
    )
    .await
    {
        Ok(_) => Ok(decided(decision)),
        Err(AppError::Conflict {
            code: code @ "product.changed",
            ..
        }) => {
            let notice = ctx.t(&format!("error.{code}"));
            review_page_for(state, ctx, id, Errors::default(), Some(notice)).await
        }
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => review_page_for(state, ctx, id, errors, None).await,
            None => Err(err.into()),
        },
    }
}

pub async fn approve_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    decide_product(&state, ctx, id, Decision::Approve, form).await
}

pub async fn reject_product(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    decide_product(&state, ctx, id, Decision::Reject, form).await
}

/// The product review page's earlier form target, kept for pages still open in a browser.
pub async fn decide(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<DecisionForm>,
) -> PageResult {
    require_staff(&ctx)?;
    let (decision, form) = form.split()?;
    decide_product(&state, ctx, id, decision, form).await
}

#[derive(Template)]
#[template(path = "staff/enterprise_review.html")]
struct EnterpriseReviewPage {
    ctx: PageCtx,
    e: catalogue::EnterpriseView,
    changes: Vec<Change>,
    errors: Errors,
    notice: Option<&'static str>,
}

async fn enterprise_review_for(
    state: &AppState,
    ctx: PageCtx,
    id: i32,
    errors: Errors,
    notice: Option<&'static str>,
) -> PageResult {
    let (e, live) =
        catalogue::enterprise_review(&state.db, &state.reference, &ctx.actor, id).await?;
    let keys = [
        "name",
        "legal_form",
        "tax_code",
        "commune_code",
        "address",
        "phone",
        "email",
        "description",
        "founded_year",
        "workforce",
        "certifications",
    ];
    let mut changes = match &e.pending_changes {
        Some(proposed) => compare(&ctx, &live, proposed, &keys),
        None => Vec::new(),
    };
    // Staff read a place, not a commune code.
    for c in changes.iter_mut().filter(|c| c.key == "commune_code") {
        c.label = ctx.t("field.commune");
        for v in [&mut c.before, &mut c.after] {
            if let Ok(code) = v.parse::<i32>() {
                *v = state.reference.place_name(code);
            }
        }
    }
    let status = if errors.any() {
        Some(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        notice.map(|_| axum::http::StatusCode::CONFLICT)
    };
    let mut response = render(&EnterpriseReviewPage {
        ctx,
        e,
        changes,
        errors,
        notice,
    });
    if let Some(s) = status {
        *response.status_mut() = s;
    }
    Ok(response)
}

pub async fn enterprise_review_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    enterprise_review_for(&state, ctx, id, Errors::default(), None).await
}

async fn decide_on_enterprise(
    state: &AppState,
    mut ctx: PageCtx,
    id: i32,
    decision: Decision,
    form: ReviewForm,
) -> PageResult {
    // Shown in answer to a form's post: switching language comes back to the page.
    ctx.here = format!("/staff/review/co-so/{id}");
    match catalogue::review_enterprise(
        state,
        &ctx.actor,
        id,
        decision,
        form.version,
        form.reason.as_deref(),
    )
    .await
    {
        Ok(_) => Ok(decided(decision)),
        Err(AppError::Conflict {
            code: code @ "enterprise.changed",
            ..
        }) => {
            let notice = ctx.t(&format!("error.{code}"));
            enterprise_review_for(state, ctx, id, Errors::default(), Some(notice)).await
        }
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => enterprise_review_for(state, ctx, id, errors, None).await,
            None => Err(err.into()),
        },
    }
}

pub async fn approve_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    decide_on_enterprise(&state, ctx, id, Decision::Approve, form).await
}

pub async fn reject_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    decide_on_enterprise(&state, ctx, id, Decision::Reject, form).await
}

/// The enterprise review page's earlier form target, kept for pages still open in a browser.
pub async fn decide_enterprise(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<DecisionForm>,
) -> PageResult {
    let (decision, form) = form.split()?;
    decide_on_enterprise(&state, ctx, id, decision, form).await
}

#[derive(Deserialize)]
pub struct UnpublishForm {
    reason: Option<String>,
}

pub async fn unpublish(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
    Form(form): Form<UnpublishForm>,
) -> PageResult {
    require_staff(&ctx)?;
    match catalogue::unpublish_product(
        &state.db,
        &state.reference,
        &ctx.actor,
        id,
        form.reason.as_deref(),
    )
    .await
    {
        Ok(_) => Ok(see_other("/staff/review?done=unpublished")),
        Err(AppError::Conflict {
            code: code @ "product.changed",
            ..
        }) => {
            let notice = ctx.t(&format!("error.{code}"));
            review_page_for(&state, ctx, id, Errors::default(), Some(notice)).await
        }
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => review_page_for(&state, ctx, id, errors, None).await,
            None => Err(err.into()),
        },
    }
}

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
            && u.role != Role::Producer.as_str()
        {
            errors.push("producer_login", "member.not_producer");
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

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    ctx: PageCtx,
    entries: Vec<AuditEntry>,
}

pub async fn audit_log(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    require_staff(&ctx)?;
    let entries = audit::list(&state.db, &ctx.actor, None, 200).await?;
    Ok(render(&AuditPage { ctx, entries }))
}

#[derive(Template)]
#[template(path = "staff/search.html")]
struct SearchStatusPage {
    ctx: PageCtx,
    engine: &'static str,
    status: crate::services::search_sync::OutboxStatus,
    documents: Option<u64>,
    message: Option<&'static str>,
    synonyms: Vec<crate::services::synonyms::SynonymGroup>,
    errors: Errors,
    typed: String,
}

/// Starts a full rebuild in the background; searches keep using the old index meanwhile.
pub async fn rebuild_search(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    require_staff(&ctx)?;
    crate::services::audit::record(
        &state.db,
        &ctx.actor,
        "search.rebuild",
        "search",
        0,
        serde_json::json!({}),
    )
    .await?;
    tokio::spawn(async move {
        match crate::services::search::rebuild(&state).await {
            Ok(n) => tracing::info!(products = n, "search index rebuilt"),
            Err(e) => tracing::warn!(error = %e, "search rebuild failed"),
        }
    });
    Ok(see_other("/staff/search?done=rebuilding"))
}

pub async fn search_status(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    require_staff(&ctx)?;
    let message = match q.done.as_deref() {
        Some(k @ ("rebuilding" | "synonyms_saved")) => Some(ctx.t(&format!("search_status.{k}"))),
        _ => None,
    };
    search_status_page(&state, ctx, message, Errors::default(), String::new()).await
}

async fn search_status_page(
    state: &AppState,
    ctx: PageCtx,
    message: Option<&'static str>,
    errors: Errors,
    typed: String,
) -> PageResult {
    let status = crate::services::search::status(state, &ctx.actor).await?;
    let everything = crate::search::SearchQuery {
        limit: 1,
        ..Default::default()
    };
    let documents = state.search.search(&everything).await.ok().map(|r| r.total);
    let synonyms = crate::services::synonyms::list(&state.db, &ctx.actor).await?;
    let bad = errors.any();
    let mut response = render(&SearchStatusPage {
        ctx,
        engine: state.search.name(),
        status,
        documents,
        message,
        synonyms,
        errors,
        typed,
    });
    if bad {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct SynonymsForm {
    terms: String,
}

pub async fn add_synonyms(
    State(state): State<AppState>,
    ctx: PageCtx,
    Form(form): Form<SynonymsForm>,
) -> PageResult {
    require_staff(&ctx)?;
    let input = crate::services::synonyms::NewSynonyms {
        terms: form.terms.clone(),
    };
    match crate::services::synonyms::add(&state, &ctx.actor, &input).await {
        Ok(_) => Ok(see_other("/staff/search?done=synonyms_saved")),
        Err(err) => match Errors::from_app(ctx.lang, &err) {
            Some(errors) => search_status_page(&state, ctx, None, errors, form.terms).await,
            None => Err(err.into()),
        },
    }
}

pub async fn remove_synonyms(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    require_staff(&ctx)?;
    crate::services::synonyms::remove(&state, &ctx.actor, id).await?;
    Ok(see_other("/staff/search?done=synonyms_saved"))
}

#[derive(Template)]
#[template(path = "staff/accounts.html")]
struct AccountsPage {
    ctx: PageCtx,
    q: String,
    /// `None` before a search; `Some(None)` when nothing matched.
    found: Option<Option<accounts::AccountSummary>>,
    errors: Errors,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    q: Option<String>,
}

/// Finding someone's account by phone or e-mail, to help them sign in again.
pub async fn accounts_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(query): Query<AccountQuery>,
) -> PageResult {
    let q = query.q.unwrap_or_default().trim().to_string();
    if q.is_empty() {
        accounts::require_helper(&ctx.actor)?;
        return Ok(render(&AccountsPage {
            ctx,
            q,
            found: None,
            errors: Errors::default(),
        }));
    }
    match accounts::find_account(&state.db, &ctx.actor, &q).await {
        Ok(found) => Ok(render(&AccountsPage {
            ctx,
            q,
            found: Some(found),
            errors: Errors::default(),
        })),
        Err(err @ AppError::Invalid(_)) => {
            let errors = Errors::from_app(ctx.lang, &err).unwrap_or_default();
            let mut response = render(&AccountsPage {
                ctx,
                q,
                found: None,
                errors,
            });
            *response.status_mut() = err.status();
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/reset_link.html")]
struct ResetLinkPage {
    ctx: PageCtx,
    link: accounts::ResetLink,
}

/// Makes a one-time reset link and shows it, once, to read out over the phone.
pub async fn create_reset_link(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i32>,
) -> PageResult {
    let link = accounts::staff_reset_link(&state.db, &state.config, &ctx.actor, id).await?;
    Ok(super::account::private(render(&ResetLinkPage {
        ctx,
        link,
    })))
}
