//! Public pages: home, browsing, product and enterprise pages.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::{PageCtx, PageResult, cached, render};
use crate::context::AppState;
use crate::http::api::auth::ClientIp;
use crate::services::catalogue::{self, EnterpriseView, Lookup, Page, ProductFilter, ProductView};
use crate::services::reference::{Category, Commune, Province};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    tree: Vec<Category>,
    counts: HashMap<String, u64>,
    newest: Vec<ProductView>,
}

impl HomePage {
    fn count(&self, slug: &str) -> u64 {
        self.counts.get(slug).copied().unwrap_or(0)
    }
}

pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> PageResult {
    let newest = catalogue::newest_products(&state, None, 12).await?;
    let counts = catalogue::category_counts(&state).await?;
    Ok(render(&HomePage {
        ctx,
        tree: state.reference.tree.clone(),
        counts,
        newest,
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct BrowseQuery {
    pub category: Option<String>,
    pub province: Option<String>,
    pub commune: Option<String>,
    pub page: Option<String>,
}

#[derive(Template)]
#[template(path = "browse.html")]
struct BrowsePage {
    ctx: PageCtx,
    tree: Vec<Category>,
    provinces: Vec<Province>,
    communes: Vec<Commune>,
    category: String,
    province: Option<i32>,
    commune: Option<i32>,
    results: Page<ProductView>,
    heading: String,
}

impl BrowsePage {
    /// The link to another page of the same results.
    fn page_url(&self, page: &u64) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !self.category.is_empty() {
            q.append_pair("category", &self.category);
        }
        if let Some(p) = self.province {
            q.append_pair("province", &p.to_string());
        }
        if let Some(c) = self.commune {
            q.append_pair("commune", &c.to_string());
        }
        q.append_pair("page", &page.to_string());
        format!("/san-pham?{}", q.finish())
    }

    /// How many of the filters are set.
    fn filters_set(&self) -> usize {
        usize::from(!self.category.is_empty())
            + usize::from(self.province.is_some())
            + usize::from(self.commune.is_some())
    }
}

fn int(s: &Option<String>) -> Option<i32> {
    s.as_deref().and_then(|s| s.trim().parse().ok())
}

pub async fn browse(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<BrowseQuery>,
) -> PageResult {
    let reference = &state.reference;
    let category = q
        .category
        .clone()
        .filter(|c| reference.category_by_slug(c).is_some())
        .unwrap_or_default();
    let province = int(&q.province).filter(|p| reference.province(*p).is_some());
    // A commune only counts inside the chosen province.
    let commune = int(&q.commune).filter(|c| {
        reference
            .commune(*c)
            .is_some_and(|c| Some(c.province_code) == province)
    });
    let page = q.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1);
    let filter = ProductFilter {
        category: Some(category.clone()).filter(|c| !c.is_empty()),
        province,
        commune,
        page: Some(page),
        per_page: Some(24),
        ..Default::default()
    };
    let results = catalogue::list_products(&state, &ctx.actor, &filter).await?;
    let heading = reference.category_by_slug(&category).map_or_else(
        || ctx.t("browse.all").to_string(),
        |c| c.name(ctx.lang).to_string(),
    );
    let communes = province
        .map(|p| reference.communes_of(p).into_iter().cloned().collect())
        .unwrap_or_default();
    Ok(render(&BrowsePage {
        ctx,
        tree: reference.tree.clone(),
        provinces: reference.provinces.clone(),
        communes,
        category,
        province,
        commune,
        results,
        heading,
    }))
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    ctx: PageCtx,
    p: ProductView,
    manages: bool,
    more: Vec<ProductView>,
}

/// `?hoi-cho=<fair>&qr=1`: the page was opened from a fair's QR code.
#[derive(serde::Deserialize, Default)]
pub struct FairQuery {
    #[serde(rename = "hoi-cho")]
    pub fair: Option<String>,
    pub qr: Option<String>,
}

pub async fn product_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
    Query(fq): Query<FairQuery>,
) -> PageResult {
    let seen = |product_id: i32| super::fairs::Seen {
        fair_slug: fq.fair.as_deref(),
        scan: fq.qr.is_some(),
        exhibitor_id: None,
        product_id: Some(product_id),
        page: format!("product:{product_id}"),
    };
    let keep = match cached::lookup(&state, &ctx, &headers).await? {
        cached::Lookup::Hit(mut response, page) => {
            if let Some(&product_id) = page.products.first() {
                super::fairs::count_visit(&state, &headers, &ip, seen(product_id), &mut response)
                    .await?;
            }
            return Ok(response);
        }
        cached::Lookup::Miss(keep) => keep,
    };
    let p = catalogue::get_product(&state, &ctx.actor, Lookup::Slug(&slug)).await?;
    let manages = catalogue::can_manage(&state.db, &ctx.actor, p.enterprise_id).await?;
    let more: Vec<ProductView> = catalogue::newest_products(&state, Some(p.enterprise_id), 7)
        .await?
        .into_iter()
        .filter(|o| o.id != p.id)
        .take(6)
        .collect();
    let product_id = p.id;
    let enterprise_id = p.enterprise_id;
    let shown = std::iter::once(p.id)
        .chain(more.iter().map(|o| o.id))
        .collect();
    let page = ProductPage {
        ctx,
        p,
        manages,
        more,
    };
    let mut response = cached::render(&state, &page, keep, enterprise_id, shown, &headers);
    super::fairs::count_visit(&state, &headers, &ip, seen(product_id), &mut response).await?;
    Ok(response)
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct EnterprisePage {
    ctx: PageCtx,
    e: EnterpriseView,
    products: Vec<ProductView>,
}

pub async fn enterprise_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
) -> PageResult {
    let seen = |enterprise_id: i32| super::fairs::Seen {
        fair_slug: None,
        scan: false,
        exhibitor_id: None,
        product_id: None,
        page: format!("enterprise:{enterprise_id}"),
    };
    let keep = match cached::lookup(&state, &ctx, &headers).await? {
        cached::Lookup::Hit(mut response, page) => {
            super::fairs::count_visit(
                &state,
                &headers,
                &ip,
                seen(page.enterprise_id),
                &mut response,
            )
            .await?;
            return Ok(response);
        }
        cached::Lookup::Miss(keep) => keep,
    };
    let e = catalogue::get_enterprise(&state, &ctx.actor, Lookup::Slug(&slug)).await?;
    let products = catalogue::newest_products(&state, Some(e.id), 200).await?;
    let enterprise_id = e.id;
    let shown: Vec<i32> = products.iter().map(|p| p.id).collect();
    // An enterprise with nothing published changes without an entry in the log: its page
    // is rendered every time.
    let keep = keep.filter(|_| !shown.is_empty());
    let page = EnterprisePage { ctx, e, products };
    let mut response = cached::render(&state, &page, keep, enterprise_id, shown, &headers);
    super::fairs::count_visit(&state, &headers, &ip, seen(enterprise_id), &mut response).await?;
    Ok(response)
}
