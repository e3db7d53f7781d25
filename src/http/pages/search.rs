//! The search page: a plain GET form (works without scripts) with facet filters and counts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;

use super::{Errors, PageCtx, PageResult, render_as};
use crate::context::AppState;
use crate::domain::Code;
use crate::error::AppError;
use crate::search::FACETS;
use crate::services::search::{self, SearchHit, SearchParams, SearchResponse};

/// One facet value with its count and whether it is ticked.
struct FacetValue {
    value: String,
    label: String,
    count: u64,
    checked: bool,
}

struct FacetGroup {
    name: &'static str,
    label: &'static str,
    values: Vec<FacetValue>,
    /// A long facet (the communes) offers a few values and a search box for the rest:
    /// what was typed in it.
    picker: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    ctx: PageCtx,
    q: String,
    sort: String,
    results: Option<SearchResponse>,
    groups: Vec<FacetGroup>,
    unavailable: bool,
    /// What is wrong with the query (too long, a page past the end), when it cannot run.
    invalid: Option<&'static str>,
    /// Links that find more when nothing matched.
    without_filters: Option<String>,
    /// Enterprises with matching products, most matches first.
    enterprises: Vec<(String, String, u64)>,
    fewer_words: Option<String>,
    params: SearchParams,
    /// Category slug → its name in the page's language.
    category_names: std::collections::HashMap<String, String>,
}

impl SearchPage {
    /// The "wanted" request form, with what was searched for.
    fn wanted_url(&self) -> String {
        let mut url = format!("/yeu-cau/moi?kind=linkage&q={}", super::urlencode(&self.q));
        if let [category] = self.params.category.as_slice() {
            url.push_str(&format!("&category={}", super::urlencode(category)));
        }
        url
    }

    fn state_category(&self, slug: &str) -> Option<String> {
        self.category_names.get(slug).cloned()
    }

    fn page_url(&self, page: &u64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            q.append_pair("q", &self.q);
        }
        for facet in FACETS {
            for v in self.params.values(facet) {
                q.append_pair(facet, v);
            }
        }
        if !self.sort.is_empty() {
            q.append_pair("sort", &self.sort);
        }
        q.append_pair("page", &page.to_string());
        format!("/tim-kiem?{}", q.finish())
    }

    /// The category a query named: its name, the search within it (unless already there),
    /// and the search without its words (when others are left).
    fn category_line(&self) -> Option<(String, Option<String>, Option<String>)> {
        let named = self.results.as_ref()?.understood.category.as_ref()?;
        let category = self.state_category(&named.slug)?;
        let only = (!self.params.category.contains(&named.slug)).then(|| {
            format!(
                "/tim-kiem?q={}&category={}",
                super::urlencode(&self.q),
                super::urlencode(&named.slug)
            )
        });
        let drop = (!named.without.is_empty())
            .then(|| format!("/tim-kiem?q={}", super::urlencode(&named.without)));
        Some((category, only, drop))
    }

    /// The nearest spelling the catalogue has, and the search for it.
    fn suggestion(&self) -> Option<(String, String)> {
        let offered = self.results.as_ref()?.understood.suggestion.clone()?;
        let url = format!("/tim-kiem?q={}", super::urlencode(&offered));
        Some((offered, url))
    }

    /// "Miến dong · ở Na Rì (huyện cũ)" and the link that searches everywhere.
    fn place_line(&self) -> Option<(String, String)> {
        use crate::domain::place::PlaceKind;
        let place = self.results.as_ref()?.understood.place.as_ref()?;
        let short = ["Thành phố ", "Tỉnh ", "Huyện ", "Quận ", "Thị xã "]
            .iter()
            .find_map(|k| place.name.strip_prefix(k))
            .unwrap_or(&place.name);
        let kind = match place.kind {
            PlaceKind::Province => String::new(),
            PlaceKind::FormerProvince => {
                format!(" ({})", self.ctx.t("search.kind_former_province"))
            }
            PlaceKind::FormerDistrict => {
                format!(" ({})", self.ctx.t("search.kind_former_district"))
            }
        };
        let said = format!(
            "{} · {} {short}{kind}",
            place.without,
            self.ctx.t("search.in_place")
        );
        Some((
            said,
            format!("/tim-kiem?q={}", super::urlencode(&place.without)),
        ))
    }

    fn price(&self, h: &SearchHit) -> String {
        let unit = &h.unit;
        match (h.price_min_vnd, h.price_max_vnd) {
            (Some(a), Some(b)) if a != b => {
                format!("{} – {}/{unit}", super::group_thousands(a), self.ctx.vnd(b))
            }
            (Some(a), _) | (None, Some(a)) => format!("{}/{unit}", self.ctx.vnd(a)),
            (None, None) => self.ctx.t("price.on_request").to_string(),
        }
    }
}

fn label(state: &AppState, ctx: &PageCtx, facet: &str, value: &str) -> String {
    let r = &state.reference;
    let code = value.parse::<i32>().ok();
    match facet {
        "category" => r
            .category_by_slug(value)
            .map_or(value.to_string(), |c| ctx.cat(c)),
        "province" => code
            .and_then(|c| r.province(c))
            .map_or(value.to_string(), |p| p.name.clone()),
        "commune" => code
            .and_then(|c| r.commune(c))
            .map_or(value.to_string(), |c| c.name.clone()),
        "trademark_status" => ctx.code("trademark_status", value).to_string(),
        "packaging_status" => ctx.code("packaging", value).to_string(),
        "former_province" => code
            .and_then(|c| r.places.former_province(c))
            .map_or(value.to_string(), str::to_string),
        "ocop_stars" => format!("{value} ★"),
        "certification" => ctx.code("certification", value).to_string(),
        _ => value.to_string(),
    }
}

/// The communes: those ticked, then the communes with the most products — or, when
/// something was typed in the commune box, the communes it names (today's names and former
/// communes and districts), each with its count.
async fn commune_group(
    state: &AppState,
    ctx: &PageCtx,
    params: &SearchParams,
    commune_q: &str,
    results: &SearchResponse,
) -> Result<FacetGroup, AppError> {
    let typed = commune_q.trim();
    let limit = if typed.is_empty() {
        8
    } else {
        search::COMMUNE_CHOICES
    };
    let choices = if params.commune.is_empty() {
        // The page's own search counted the communes with the same words and filters.
        if typed.chars().count() > 100 {
            Vec::new()
        } else {
            search::commune_choices(state, results.facets.get("commune"), typed, limit)
        }
    } else {
        match search::communes(state, params, typed, limit).await {
            Ok(choices) => choices,
            // Too long to be a place: nothing matches.
            Err(AppError::Invalid(_)) => Vec::new(),
            Err(e) => return Err(e),
        }
    };
    let ticked = &params.commune;
    let mut values: Vec<FacetValue> = ticked
        .iter()
        .filter(|v| !choices.iter().any(|c| &c.value == *v))
        .map(|v| FacetValue {
            value: v.clone(),
            label: label(state, ctx, "commune", v),
            count: results
                .facets
                .get("commune")
                .and_then(|c| c.get(v))
                .copied()
                .unwrap_or(0),
            checked: true,
        })
        .collect();
    values.extend(choices.into_iter().map(|c| FacetValue {
        checked: ticked.contains(&c.value),
        label: match &c.former {
            Some(former) => format!(
                "{} · {} ({} {former})",
                c.name,
                c.province,
                ctx.t("search.former")
            ),
            None => format!("{} · {}", c.name, c.province),
        },
        value: c.value,
        count: c.count,
    }));
    Ok(FacetGroup {
        name: "commune",
        label: ctx.t("facet.commune"),
        values,
        picker: Some(typed.to_string()),
    })
}

pub async fn search_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    params: Result<axum_extra::extract::Query<SearchParams>, axum_extra::extract::QueryRejection>,
    typed: Result<
        axum_extra::extract::Query<search::CommuneQuery>,
        axum_extra::extract::QueryRejection,
    >,
) -> PageResult {
    let params = params.map(|p| p.0).unwrap_or_default();
    let commune_q = typed.map(|t| t.0.commune_q).unwrap_or_default();
    // Producers are listed only for a typed query.
    let facets: Vec<&'static str> = if params.q.trim().is_empty() {
        crate::search::DEFAULT_FACETS.to_vec()
    } else {
        FACETS.to_vec()
    };
    let (results, unavailable, invalid) = match search::search_with(&state, &params, &facets).await
    {
        Ok(r) => (Some(r), false, None),
        Err(AppError::SearchUnavailable) => (None, true, None),
        Err(err @ AppError::Invalid(_)) => {
            let message = Errors::from_app(ctx.lang, &err).and_then(|e| {
                ["q", "page", "per_page", "sort"]
                    .iter()
                    .find_map(|f| e.get(f))
            });
            (
                None,
                false,
                Some(message.unwrap_or(ctx.message(Code::RequestMalformed))),
            )
        }
        Err(e) => return Err(e.into()),
    };
    let mut groups: Vec<FacetGroup> = results
        .as_ref()
        .map(|r| {
            FACETS
                .iter()
                .filter(|f| !matches!(**f, "enterprise" | "commune"))
                .map(|facet| {
                    let ticked = params.values(facet);
                    let mut values: Vec<FacetValue> = r
                        .facets
                        .get(*facet)
                        .map(|counts| {
                            counts
                                .iter()
                                .map(|(v, n)| FacetValue {
                                    value: v.clone(),
                                    label: label(&state, &ctx, facet, v),
                                    count: *n,
                                    checked: ticked.contains(v),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    values
                        .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
                    FacetGroup {
                        name: facet,
                        label: ctx.t(&format!("facet.{facet}")),
                        values,
                        picker: None,
                    }
                })
                .filter(|g| !g.values.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(r) = results
        .as_ref()
        .filter(|r| r.total > 0 || !params.commune.is_empty())
    {
        groups.push(commune_group(&state, &ctx, &params, &commune_q, r).await?);
    }
    let enterprises = match &results {
        Some(r) if !params.q.trim().is_empty() => search::leading_enterprises(&state.db, r)
            .await?
            .into_iter()
            .map(|e| (e.name, format!("/co-so/{}", e.slug), e.products))
            .collect(),
        _ => Vec::new(),
    };
    let nothing = results.as_ref().is_some_and(|r| r.total == 0);
    let without_filters = (nothing && params.has_filters())
        .then(|| format!("/tim-kiem?q={}", super::urlencode(&params.q)));
    let words: Vec<&str> = params.q.split_whitespace().collect();
    let fewer_words = (nothing && words.len() > 1).then(|| {
        format!(
            "/tim-kiem?q={}",
            super::urlencode(&words[..words.len() - 1].join(" "))
        )
    });
    let category_names = results
        .as_ref()
        .and_then(|r| r.understood.category.as_ref())
        .and_then(|c| state.reference.category_by_slug(&c.slug))
        .map(|c| (c.slug.clone(), ctx.cat(c)))
        .into_iter()
        .collect();
    Ok(render_as(
        &SearchPage {
            q: params.q.clone(),
            sort: params.sort.clone().unwrap_or_default(),
            ctx,
            results,
            groups,
            unavailable,
            invalid,
            without_filters,
            enterprises,
            fewer_words,
            category_names,
            params,
        },
        if invalid.is_some() {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
    ))
}
