//! Candidates for support: producers who need it and could get it, each with the facts that
//! say so — products with no registered trademark or no proper packaging, an OCOP rating
//! about to lapse, no buyer's request in a year, a survey's need no programme answers yet.
//! The same search offers who could take a withdrawn beneficiary's place.

use std::collections::{HashMap, HashSet};

use chrono::Months;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::context::AppState;
use crate::db::entities::{
    enterprise, facility_survey, product, programme, programme_beneficiary, request, request_match,
};
use crate::domain::product::ocop_valid_until;
use crate::domain::programme::survey::Need;
use crate::domain::{
    BeneficiaryStatus, Code, Invalid, PackagingStatus, ProgrammeStatus, TrademarkStatus,
};
use crate::error::AppResult;
use crate::i18n::{Lang, t};
use crate::services::Actor;

/// Most candidates one list shows.
const MAX_CANDIDATES: usize = 200;

/// Why an enterprise is a candidate.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CandidateReason {
    /// `no_trademark`, `basic_packaging`, `ocop_expiring`, `no_requests`, `survey_need`.
    pub reason: &'static str,
    /// The need it shows.
    pub need: Need,
    pub message: String,
}

/// A producer who could get support.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub enterprise_id: i32,
    pub enterprise: String,
    pub slug: String,
    pub commune_code: i32,
    /// `Xã Na Rì, Tỉnh Thái Nguyên`
    pub place: String,
    /// In one of the communes asked for (not only their province).
    pub in_communes: bool,
    pub reasons: Vec<CandidateReason>,
}

/// What the staff list is filtered by.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, ToSchema)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct CandidateFilter {
    /// A commune's statistical code.
    pub commune_code: Option<i32>,
    /// A category slug: producers making something of it.
    pub category: Option<String>,
    /// `machinery`, `packaging`, `trademark`, `market`, `training`.
    pub need: Option<String>,
}

/// The staff list of candidates (staff).
pub async fn candidates(
    state: &AppState,
    actor: &Actor,
    lang: Lang,
    filter: &CandidateFilter,
) -> AppResult<Vec<CandidateView>> {
    actor.require_staff()?;
    let need = match filter.need.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => Some(Need::parse(n).ok_or(Invalid::one("need", Code::SurveyNeedUnknown))?),
    };
    let category = filter
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if category.is_some_and(|c| state.reference.category_by_slug(c).is_none()) {
        return Err(Invalid::one("category", Code::ProgrammeCategoryUnknown).into());
    }
    if filter
        .commune_code
        .is_some_and(|c| state.reference.commune(c).is_none())
    {
        return Err(Invalid::one("commune_code", Code::ProgrammeCommuneUnknown).into());
    }
    let mut found = find(
        state,
        lang,
        &Search {
            communes: filter.commune_code.into_iter().collect(),
            nearby: false,
            category: category.map(str::to_string),
            need,
            exclude: Vec::new(),
        },
    )
    .await?;
    found.truncate(MAX_CANDIDATES);
    Ok(found)
}

/// A search for candidates.
pub(super) struct Search {
    /// Only these communes (all when empty).
    pub communes: Vec<i32>,
    /// Also the rest of their provinces, after them.
    pub nearby: bool,
    /// Only producers making something of this group (a slug).
    pub category: Option<String>,
    /// Only reasons showing this need.
    pub need: Option<Need>,
    /// Enterprises left out.
    pub exclude: Vec<i32>,
}

#[allow(clippy::too_many_lines)] // one pass over each fact, then the reasons in order
pub(super) async fn find(
    state: &AppState,
    lang: Lang,
    search: &Search,
) -> AppResult<Vec<CandidateView>> {
    let db = &state.db;
    let today = state.clock.today();
    let provinces: HashSet<i32> = search
        .communes
        .iter()
        .filter_map(|c| state.reference.commune(*c))
        .map(|c| c.province_code)
        .collect();
    let mut query = enterprise::Entity::find();
    if !search.communes.is_empty() {
        let mut codes: Vec<i32> = search.communes.clone();
        if search.nearby {
            for p in &provinces {
                codes.extend(state.reference.communes_of(*p).iter().map(|c| c.code));
            }
        }
        query = query.filter(enterprise::Column::CommuneCode.is_in(codes));
    }
    let enterprises: Vec<enterprise::Model> = query
        .all(db)
        .await?
        .into_iter()
        .filter(|e| !search.exclude.contains(&e.id))
        .collect();
    let ids: Vec<i32> = enterprises.iter().map(|e| e.id).collect();
    let products = product::Entity::find()
        .filter(product::Column::EnterpriseId.is_in(ids.clone()))
        .all(db)
        .await?;
    let makers: Option<HashSet<i32>> = search.category.as_deref().map(|slug| {
        let groups = state.reference.category_and_descendants(slug);
        products
            .iter()
            .filter(|p| groups.contains(&p.category_id))
            .map(|p| p.enterprise_id)
            .collect()
    });
    let surveys = facility_survey::Entity::find()
        .filter(facility_survey::Column::EnterpriseId.is_in(ids.clone()))
        .all(db)
        .await?;
    let cutoff = state.clock.now() - chrono::Duration::days(365);
    let mut asked: HashSet<i32> = request::Entity::find()
        .filter(request::Column::EnterpriseId.is_in(ids.clone()))
        .filter(request::Column::CreatedAt.gte(cutoff))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| r.enterprise_id)
        .collect();
    asked.extend(
        request_match::Entity::find()
            .filter(request_match::Column::EnterpriseId.is_in(ids.clone()))
            .filter(request_match::Column::ShortlistedAt.gte(cutoff))
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.enterprise_id),
    );
    // The needs each enterprise's live programmes already answer.
    let committed = programme_beneficiary::Entity::find()
        .filter(programme_beneficiary::Column::EnterpriseId.is_in(ids.clone()))
        .filter(programme_beneficiary::Column::Status.eq(BeneficiaryStatus::Committed))
        .all(db)
        .await?;
    let programmes: HashMap<i32, programme::Model> = programme::Entity::find()
        .filter(
            programme::Column::Id
                .is_in(committed.iter().map(|b| b.programme_id).collect::<Vec<_>>()),
        )
        .filter(
            programme::Column::Status
                .is_not_in([ProgrammeStatus::Cancelled, ProgrammeStatus::Deferred]),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let answered = |enterprise_id: i32, need: Need| {
        committed.iter().any(|b| {
            b.enterprise_id == enterprise_id
                && programmes
                    .get(&b.programme_id)
                    .is_some_and(|p| Need::of_kind(p.kind) == Some(need))
        })
    };
    let soon = today.checked_add_months(Months::new(6)).unwrap_or(today);
    let mut out = Vec::new();
    for e in &enterprises {
        if makers.as_ref().is_some_and(|m| !m.contains(&e.id)) {
            continue;
        }
        let mine: Vec<&product::Model> = products
            .iter()
            .filter(|p| p.enterprise_id == e.id)
            .collect();
        let names = |keep: &dyn Fn(&product::Model) -> bool| -> Vec<String> {
            mine.iter()
                .filter(|p| keep(p))
                .map(|p| p.name.clone())
                .collect()
        };
        let mut reasons = Vec::new();
        let mut push = |reason: &'static str, need: Need, message: String| {
            if search.need.is_none_or(|n| n == need) {
                reasons.push(CandidateReason {
                    reason,
                    need,
                    message,
                });
            }
        };
        let unmarked = names(&|p| {
            matches!(
                p.tm_status,
                TrademarkStatus::Unregistered | TrademarkStatus::Expired
            )
        });
        if !unmarked.is_empty() && !answered(e.id, Need::Trademark) {
            push(
                "no_trademark",
                Need::Trademark,
                t(lang, "programme.candidate.no_trademark")
                    .replace("{products}", &unmarked.join(", ")),
            );
        }
        let plain = names(&|p| {
            matches!(
                p.packaging_status,
                PackagingStatus::None | PackagingStatus::Basic
            )
        });
        if !plain.is_empty() && !answered(e.id, Need::Packaging) {
            push(
                "basic_packaging",
                Need::Packaging,
                t(lang, "programme.candidate.basic_packaging")
                    .replace("{products}", &plain.join(", ")),
            );
        }
        for p in &mine {
            if let Some(year) = p.ocop_year {
                let until = ocop_valid_until(year);
                if until >= today && until <= soon {
                    push(
                        "ocop_expiring",
                        Need::Market,
                        t(lang, "programme.candidate.ocop_expiring")
                            .replace("{product}", &p.name)
                            .replace("{date}", &until.format("%d/%m/%Y").to_string()),
                    );
                }
            }
        }
        if !asked.contains(&e.id) && !answered(e.id, Need::Market) {
            push(
                "no_requests",
                Need::Market,
                t(lang, "programme.candidate.no_requests").to_string(),
            );
        }
        for s in surveys.iter().filter(|s| s.enterprise_id == Some(e.id)) {
            for need in Need::split(&s.needs) {
                if !answered(e.id, need) {
                    push(
                        "survey_need",
                        need,
                        t(lang, "programme.candidate.survey_need")
                            .replace("{date}", &s.visited_on.format("%d/%m/%Y").to_string())
                            .replace("{need}", t(lang, &format!("survey.need.{need}"))),
                    );
                }
            }
        }
        if reasons.is_empty() {
            continue;
        }
        out.push(CandidateView {
            enterprise_id: e.id,
            enterprise: e.name.clone(),
            slug: e.slug.clone(),
            commune_code: e.commune_code,
            place: state.reference.place_name(e.commune_code),
            in_communes: search.communes.is_empty() || search.communes.contains(&e.commune_code),
            reasons,
        });
    }
    out.sort_by(|a, b| {
        b.in_communes
            .cmp(&a.in_communes)
            .then(b.reasons.len().cmp(&a.reasons.len()))
            .then_with(|| a.enterprise.cmp(&b.enterprise))
    });
    Ok(out)
}
