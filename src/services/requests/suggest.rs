//! Matching: which enterprises could answer a request, from the catalogue and search.
//!
//! Every published product is a candidate when it is in the request's category (or under
//! it) or when search finds it from the request's words; candidates score for the
//! category, the words, the place (same province, same commune) and monthly capacity that
//! covers the quantity asked. Each enterprise is suggested once, with its best product.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use super::{LinkRef, Viewer, viewer_of};
use crate::context::AppState;
use crate::db::entities::{enterprise, product, request, request_match};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::services::Actor;
use crate::services::search::{SearchParams, search_with};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Suggestion {
    pub enterprise: LinkRef,
    pub place: String,
    /// The enterprise's product that fits best.
    pub product: Option<LinkRef>,
    pub score: i32,
    /// Why: `named`, `category`, `words`, `province`, `commune`, `capacity`.
    pub reasons: Vec<String>,
    pub monthly_capacity: Option<i64>,
    pub unit: Option<String>,
    /// Already on the shortlist.
    pub shortlisted: bool,
}

/// Words that say what a request is, not what it is for.
const STOPWORDS: &[&str] = &[
    "can", "mua", "tim", "nguon", "hang", "cung", "cap", "so", "luong", "moi", "thang", "tan",
    "kg", "nam", "tuan", "quy", "don", "vi", "cho", "va", "cua", "de", "co", "the", "lo", "ban",
    "nha", "chung", "toi", "em", "anh", "chi", "cong", "ty", "sieu", "thi", "on", "dinh", "lau",
    "dai", "khoang", "tren", "duoi", "gia", "tot", "chat", "loai", "hoac", "voi", "theo", "o",
    "tai", "ve", "san", "pham", "yeu", "cau", "lien", "ket", "tieu", "thu", "chuyen", "giao",
    "nghe", "ho", "tro", "dang", "muon", "need", "buy", "per", "month", "tons", "ton", "supply",
    "of", "for", "the", "and", "a",
];

fn key_words(title: &str) -> Vec<String> {
    let folded = text::fold(title);
    let mut out: Vec<String> = Vec::new();
    for w in folded.split(|c: char| !c.is_alphanumeric()) {
        if w.chars().count() < 2 || w.chars().all(|c| c.is_ascii_digit()) || STOPWORDS.contains(&w)
        {
            continue;
        }
        if !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    out.truncate(6);
    out
}

/// Searches quietly: suggestions still come from the catalogue when search is down.
async fn found(state: &AppState, q: &str) -> Vec<i32> {
    let params = SearchParams {
        q: q.to_string(),
        per_page: Some(40),
        ..Default::default()
    };
    match search_with(state, &params, &[]).await {
        Ok(r) => r.hits.iter().map(|h| h.id).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "search unavailable for request suggestions");
            Vec::new()
        }
    }
}

/// Enterprises that could answer the request, best first. Staff only.
pub async fn suggestions(
    state: &AppState,
    actor: &Actor,
    _lang: Lang,
    id: i32,
) -> AppResult<Vec<Suggestion>> {
    let db = &state.db;
    let reference = &state.reference;
    let req = request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if viewer_of(db, actor, &req).await? != Viewer::Staff {
        return Err(AppError::Forbidden);
    }
    let category = req.category_id.and_then(|c| reference.category(c));
    let in_category: Vec<i32> = category
        .map(|c| reference.category_and_descendants(&c.slug))
        .unwrap_or_default();

    // Words found by search, with how strongly.
    let mut word_score: HashMap<i32, i32> = HashMap::new();
    let mut queries: Vec<(String, i32)> = Vec::new();
    if let Some(pid) = req.product_id
        && let Some(p) = product::Entity::find_by_id(pid).one(db).await?
    {
        queries.push((p.name.clone(), 4));
    }
    let words = key_words(&req.title);
    if !words.is_empty() {
        queries.push((words.join(" "), 4));
        if words.len() > 1 {
            for pair in words.windows(2) {
                queries.push((pair.join(" "), 3));
            }
            for w in words.iter().filter(|w| w.chars().count() >= 3).take(4) {
                queries.push((w.clone(), 1));
            }
        }
    }
    for (q, weight) in queries {
        for pid in found(state, &q).await {
            let s = word_score.entry(pid).or_default();
            *s = (*s + weight).min(6);
        }
    }

    let mut condition = sea_orm::Condition::any();
    if !in_category.is_empty() {
        condition = condition.add(product::Column::CategoryId.is_in(in_category.clone()));
    }
    if !word_score.is_empty() {
        condition = condition.add(product::Column::Id.is_in(word_score.keys().copied()));
    }
    if let Some(e) = req.enterprise_id {
        condition = condition.add(product::Column::EnterpriseId.eq(e));
    }
    let products = if condition.is_empty() {
        Vec::new()
    } else {
        product::Entity::find()
            .filter(product::Column::Status.eq(crate::domain::ProductStatus::Published))
            .filter(condition)
            .limit(500)
            .all(db)
            .await?
    };
    let enterprise_ids: Vec<i32> = products.iter().map(|p| p.enterprise_id).collect();
    let enterprises = super::view::by_id!(db, enterprise, enterprise_ids);
    let shortlisted: Vec<i32> = request_match::Entity::find()
        .filter(request_match::Column::RequestId.eq(req.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.enterprise_id)
        .collect();

    let mut best: HashMap<i32, Suggestion> = HashMap::new();
    for p in &products {
        let Some(e) = enterprises.get(&p.enterprise_id) else {
            continue;
        };
        let mut score = 0;
        let mut reasons: Vec<&str> = Vec::new();
        if req.enterprise_id == Some(e.id) {
            score += 10;
            reasons.push("named");
        }
        if req.category_id == Some(p.category_id) {
            score += 5;
            reasons.push("category");
        } else if in_category.contains(&p.category_id) {
            score += 4;
            reasons.push("category");
        }
        match word_score.get(&p.id) {
            Some(s)
                if *s >= 3 || in_category.is_empty() || in_category.contains(&p.category_id) =>
            {
                score += s;
                reasons.push("words");
            }
            // A single common word outside the category asked for is noise.
            Some(_) if req.enterprise_id != Some(e.id) => continue,
            _ => {}
        }
        let (commune, province) = reference.place(e.commune_code);
        if req.province_code.is_some() && province.map(|p| p.code) == req.province_code {
            score += 3;
            reasons.push("province");
            if req.commune_code == Some(e.commune_code) {
                score += 1;
                reasons.push("commune");
            }
        }
        if let (Some(q), Some(cap)) = (req.quantity, p.monthly_capacity)
            && cap >= q
            && req
                .unit
                .as_deref()
                .is_none_or(|u| text::fold(u) == text::fold(&p.unit))
        {
            score += 2;
            reasons.push("capacity");
        }
        if score == 0 {
            continue;
        }
        let suggestion = Suggestion {
            enterprise: LinkRef::enterprise(e),
            place: crate::db::reference::join_place(
                commune.map(|c| c.name.as_str()),
                province.map(|p| p.name.as_str()),
            ),
            product: Some(LinkRef::product(p)),
            score,
            reasons: reasons.into_iter().map(String::from).collect(),
            monthly_capacity: p.monthly_capacity,
            unit: Some(p.unit.clone()),
            shortlisted: shortlisted.contains(&e.id),
        };
        match best.get(&e.id) {
            Some(b) if b.score >= score => {}
            _ => {
                best.insert(e.id, suggestion);
            }
        }
    }
    let mut out: Vec<Suggestion> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.enterprise.name.cmp(&b.enterprise.name))
    });
    out.truncate(15);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn key_words_drop_what_every_request_says() {
        assert_eq!(
            super::key_words("Cần 5 tấn măng khô mỗi tháng"),
            vec!["mang", "kho"]
        );
        assert_eq!(
            super::key_words("Tìm dây chuyền sấy miến dong"),
            vec!["day", "sấy", "mien", "dong"]
                .into_iter()
                .map(crate::domain::text::fold)
                .collect::<Vec<_>>()
        );
    }
}
