//! A fair's public page (`fairs/show.html`): its exhibitors and what they show.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use crate::context::AppState;
use crate::domain::text;
use crate::http::pages::{PageCtx, PageResult, render};
use crate::services::catalogue::ProductView;
use crate::services::fairs::{self, ExhibitorView, FairKey, FairView};

#[derive(Template)]
#[template(path = "fairs/show.html")]
struct FairPage {
    ctx: PageCtx,
    fair: FairView,
    /// Exhibitors with only the products that match the filters.
    shown: Vec<ExhibitorView>,
    q: String,
    category: String,
    categories: Vec<(String, String)>,
    can_capture: bool,
}

#[derive(Deserialize, Default)]
pub struct FairQuery {
    pub q: Option<String>,
    #[serde(rename = "danh-muc")]
    pub category: Option<String>,
}

fn matches(
    p: &ProductView,
    x: &ExhibitorView,
    q: &str,
    category: &[i32],
    state: &AppState,
) -> bool {
    let in_category = category.is_empty()
        || state
            .reference
            .category_by_slug(&p.category)
            .is_some_and(|c| category.contains(&c.id));
    let words = text::fold(q);
    let haystack = text::fold(&format!(
        "{} {} {} {}",
        p.name,
        p.brand.clone().unwrap_or_default(),
        x.enterprise.name,
        x.booth
    ));
    in_category && words.split_whitespace().all(|w| haystack.contains(w))
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<FairQuery>,
) -> PageResult {
    let fair = fairs::get(&state, FairKey::Slug(&slug)).await?;
    let query = q.q.unwrap_or_default();
    let category = q.category.unwrap_or_default();
    let ids = if category.is_empty() {
        Vec::new()
    } else {
        state.reference.category_and_descendants(&category)
    };
    let filtering = !query.trim().is_empty() || !category.is_empty();
    let shown = fair
        .exhibitors
        .iter()
        .filter_map(|x| {
            let products: Vec<ProductView> = x
                .products
                .iter()
                .filter(|p| matches(p, x, &query, &ids, &state))
                .cloned()
                .collect();
            (!filtering || !products.is_empty()).then(|| ExhibitorView {
                products,
                ..x.clone()
            })
        })
        .collect();
    let mut categories: Vec<(String, String)> = Vec::new();
    for x in &fair.exhibitors {
        for p in &x.products {
            if let Some(c) = state.reference.category_by_slug(&p.category) {
                let top = state.reference.parent_of(c.id).unwrap_or(c);
                if !categories.iter().any(|(s, _)| *s == top.slug) {
                    categories.push((top.slug.clone(), top.name(ctx.lang).to_string()));
                }
            }
        }
    }
    let can_capture = !fairs::capturable(&state.db, &ctx.actor, &fair)
        .await?
        .is_empty();
    Ok(render(&FairPage {
        ctx,
        fair,
        shown,
        q: query,
        category,
        categories,
        can_capture,
    }))
}
