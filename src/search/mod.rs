//! Search: one [`SearchEngine`] interface with an embedded tantivy engine (default).
//!
//! The index is a projection of the database: documents are built here from the catalogue,
//! so every engine indexes the same words, folded the same way (diacritics off, `đ` → `d`,
//! NFC and NFD alike), and highlights are computed here too, so answers read the same
//! whatever engine produced them.

mod accents;
mod bonus;
mod counting;
pub mod embedded;
pub mod fuzzy;
pub mod highlight;
pub mod meili;
pub mod slips;
pub mod vocabulary;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::text;

/// What a search engine stores for one published product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchDoc {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub brand: Option<String>,
    pub description: String,
    /// The product's category slug.
    pub category: String,
    /// The category and its parents, for filtering and facet counts.
    pub categories: Vec<String>,
    pub category_names: Vec<String>,
    pub enterprise_id: i32,
    pub enterprise_name: String,
    /// What the enterprise says of itself (searched, weighted like a description).
    #[serde(default)]
    pub enterprise_description: String,
    pub commune_code: i32,
    pub commune: String,
    pub province_code: i32,
    pub province: String,
    pub trademark_status: String,
    pub packaging_status: String,
    pub ocop_stars: Option<u8>,
    pub certifications: Vec<String>,
    pub unit: String,
    pub price_min_vnd: Option<i64>,
    pub price_max_vnd: Option<i64>,
    /// Seconds since 1970, for "newest first".
    pub published_at: i64,
    /// The cover photo, shown with the hit (not searched).
    #[serde(default)]
    pub cover: Option<crate::domain::photo::PhotoView>,
    /// Certificates the centre has verified.
    #[serde(default)]
    pub verified_documents: Vec<String>,
    /// The communes, districts and provinces from before 1 July 2025 that the product's
    /// commune took over: buyers still say them (`bac kan`, `huyen na ri`).
    #[serde(default)]
    pub former_places: Vec<String>,
    /// The codes of those former provinces (a facet and a filter).
    #[serde(default)]
    pub former_provinces: Vec<i32>,
}

/// A product as a search answer carries it: what a hit shows and highlights. Engines read
/// only these fields of a found document; the rest (its categories' and places' names, the
/// producer's own text, the coded words) is for finding it, and never leaves the index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub brand: Option<String>,
    /// Read for its snippet.
    pub description: String,
    pub category: String,
    pub enterprise_id: i32,
    pub enterprise_name: String,
    pub commune_code: i32,
    pub commune: String,
    pub province_code: i32,
    pub province: String,
    pub trademark_status: String,
    pub packaging_status: String,
    pub ocop_stars: Option<u8>,
    pub unit: String,
    pub price_min_vnd: Option<i64>,
    pub price_max_vnd: Option<i64>,
    #[serde(default)]
    pub cover: Option<crate::domain::photo::PhotoView>,
    #[serde(default)]
    pub verified_documents: Vec<String>,
}

/// The names of [`Hit`]'s fields, as an engine is asked for them.
pub const HIT_FIELDS: &[&str] = &[
    "id",
    "slug",
    "name",
    "brand",
    "description",
    "category",
    "enterprise_id",
    "enterprise_name",
    "commune_code",
    "commune",
    "province_code",
    "province",
    "trademark_status",
    "packaging_status",
    "ocop_stars",
    "unit",
    "price_min_vnd",
    "price_max_vnd",
    "cover",
    "verified_documents",
];

impl From<SearchDoc> for Hit {
    fn from(d: SearchDoc) -> Self {
        Hit {
            id: d.id,
            slug: d.slug,
            name: d.name,
            brand: d.brand,
            description: d.description,
            category: d.category,
            enterprise_id: d.enterprise_id,
            enterprise_name: d.enterprise_name,
            commune_code: d.commune_code,
            commune: d.commune,
            province_code: d.province_code,
            province: d.province,
            trademark_status: d.trademark_status,
            packaging_status: d.packaging_status,
            ocop_stars: d.ocop_stars,
            unit: d.unit,
            price_min_vnd: d.price_min_vnd,
            price_max_vnd: d.price_max_vnd,
            cover: d.cover,
            verified_documents: d.verified_documents,
        }
    }
}

/// The shape of search documents: raised whenever what is indexed changes, so every
/// index is rebuilt from the database (an embedded index into a new directory, a shared
/// Meilisearch index as a new consumer of the change log, built then followed).
pub const DOC_SHAPE: u32 = 6;

/// A word every document of a category (and of its parent category) holds, never shown:
/// a query that names the category and a place carries it right after the category's
/// name, so with the `last` strategy the category's products rank above products the
/// name reaches only through a parent category's words (`chè` in *Chế biến…*).
pub fn category_token(slug: &str) -> String {
    format!("{CATEGORY_TOKEN}{}", slug.replace('-', ""))
}

/// What every category word starts with.
pub const CATEGORY_TOKEN: &str = "zzcat";

/// The facets a search can filter on and count.
pub const FACETS: &[&str] = &[
    "category",
    "province",
    "commune",
    "trademark_status",
    "packaging_status",
    "ocop_stars",
    "certification",
    "former_province",
    "enterprise",
];

impl SearchDoc {
    /// The values of one facet for this document.
    pub fn facet_values(&self, facet: &str) -> Vec<String> {
        match facet {
            "category" => self.categories.clone(),
            "province" => vec![self.province_code.to_string()],
            "commune" => vec![self.commune_code.to_string()],
            "trademark_status" => vec![self.trademark_status.clone()],
            "packaging_status" => vec![self.packaging_status.clone()],
            "ocop_stars" => self.ocop_stars.map(|s| s.to_string()).into_iter().collect(),
            "certification" => self.certifications.clone(),
            "former_province" => self.former_provinces.iter().map(i32::to_string).collect(),
            "enterprise" => vec![self.enterprise_id.to_string()],
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    /// Lowest price first; products without a price last.
    PriceAsc,
    PriceDesc,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "" | "relevance" => Some(Sort::Relevance),
            "newest" => Some(Sort::Newest),
            "price_asc" | "price" => Some(Sort::PriceAsc),
            "price_desc" => Some(Sort::PriceDesc),
            _ => None,
        }
    }
}

/// Which documents a query of several words finds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Documents with every word.
    #[default]
    All,
    /// Documents with the first word; those with every word first, then those with the
    /// words up to the second-last, and so on (Meilisearch's `matchingStrategy: last`).
    Last,
}

/// A search as engines receive it: text already split, filters by facet.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// The words as typed (NFC), and folded.
    pub words: Vec<Word>,
    pub strategy: Strategy,
    /// Facet → accepted values (OR within a facet, AND across facets).
    pub filters: BTreeMap<String, Vec<String>>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// The facets to count; counting costs time, so only what the caller shows.
    pub facets: Vec<&'static str>,
}

/// The facets counted unless a caller asks otherwise: all but the last, the enterprise (a
/// value per producer), which is asked for only where it is shown.
pub const DEFAULT_FACETS: &[&str] = FACETS.split_at(FACETS.len() - 1).0;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Lower-cased, with its diacritics.
    pub exact: String,
    /// Folded: no diacritics, `đ` → `d`.
    pub folded: String,
    /// The last word of a query typed so far matches as a prefix.
    pub prefix: bool,
    /// Other words (folded) that staff declared to mean the same.
    pub synonyms: Vec<String>,
}

impl Word {
    /// The catalogue's word (folded) read in place of a word typed with a slip: exactly
    /// that, with no synonyms yet.
    pub fn read_as(folded: &str, prefix: bool) -> Word {
        Word {
            exact: folded.to_string(),
            folded: folded.to_string(),
            prefix,
            synonyms: Vec::new(),
        }
    }

    /// Typos forgiven, as Meilisearch does by default: none under 5 letters, one from 5,
    /// two from 9.
    pub fn typos(&self) -> u8 {
        match self.folded.chars().count() {
            0..=4 => 0,
            5..=8 => 1,
            _ => 2,
        }
    }
}

/// Synonym groups as engines use them: folded, each member one word or a few (`bun tau`),
/// each group of two or more.
pub fn fold_groups(groups: &[Vec<String>]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| {
            let mut words: Vec<String> = g
                .iter()
                .map(|w| text::fold(&text::units_apart(&text::clean(w))))
                .filter(|w| !w.is_empty())
                .collect();
            words.sort();
            words.dedup();
            words
        })
        .filter(|g| g.len() > 1)
        .collect()
}

/// Gives each word the other members of its synonym groups (groups as from
/// [`fold_groups`]). Words of the query that together are a member of several words
/// (`bún tàu`) become one word, which finds the others as they find it.
pub fn add_synonyms(words: &mut Vec<Word>, groups: &[Vec<String>]) {
    let phrases: Vec<&String> = groups
        .iter()
        .flatten()
        .filter(|m| m.contains(' '))
        .collect();
    if !phrases.is_empty() {
        let mut i = 0;
        while i < words.len() {
            let longest = (2..=4.min(words.len() - i)).rev().find(|len| {
                let joined = words[i..i + len]
                    .iter()
                    .map(|w| w.folded.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                phrases.iter().any(|p| **p == joined)
            });
            if let Some(len) = longest {
                let part: Vec<Word> = words.drain(i..i + len).collect();
                let joined =
                    |f: fn(&Word) -> &str| part.iter().map(f).collect::<Vec<_>>().join(" ");
                words.insert(
                    i,
                    Word {
                        exact: joined(|w| &w.exact),
                        folded: joined(|w| &w.folded),
                        prefix: false,
                        synonyms: Vec::new(),
                    },
                );
            }
            i += 1;
        }
    }
    for w in words {
        for g in groups.iter().filter(|g| g.contains(&w.folded)) {
            w.synonyms
                .extend(g.iter().filter(|s| **s != w.folded).cloned());
        }
        w.synonyms.sort();
        w.synonyms.dedup();
    }
}

/// Splits a query into words: NFC, lower case, split on anything not a letter or digit.
pub fn words(query: &str) -> Vec<Word> {
    let cleaned = text::units_apart(&text::clean(query)).to_lowercase();
    let ends_with_space = query.ends_with(char::is_whitespace);
    let mut words: Vec<Word> = cleaned
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(10)
        .map(|w| Word {
            exact: w.to_string(),
            folded: text::fold(w),
            prefix: false,
            synonyms: Vec::new(),
        })
        .collect();
    if let Some(last) = words.last_mut() {
        last.prefix = !ends_with_space;
    }
    words
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SearchResults {
    /// Matching products of the requested page, best first.
    pub hits: Vec<Hit>,
    pub total: u64,
    /// Facet → value → number of matching documents.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// Time the engine itself took.
    pub engine_ms: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// No answer (down, starting, timed out, a server error): try again later.
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    /// The engine answered, and refused what it was given (a document, a request).
    #[error("search engine failed: {0}")]
    Failed(String),
    /// The engine refuses this app's key (missing, wrong, or without the rights): a
    /// configuration error for the operator, not something a retry mends.
    #[error("search engine refuses the key: {0}")]
    Misconfigured(String),
    /// The index does not exist on the engine (deleted, or a new server): rebuild it.
    #[error("search index missing: {0}")]
    Missing(String),
}

/// What every engine does. Engines are shared by all requests.
#[async_trait::async_trait]
pub trait SearchEngine: Send + Sync {
    /// Adds or replaces documents by id.
    async fn upsert(&self, docs: Vec<SearchDoc>) -> Result<(), SearchError>;
    /// Removes documents by id; unknown ids are ignored.
    async fn delete(&self, ids: Vec<i32>) -> Result<(), SearchError>;
    /// Removes every document.
    async fn clear(&self) -> Result<(), SearchError>;
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError>;
    /// Replaces the whole index with `docs`, built aside and swapped in, so searches keep
    /// being answered from the old index until the new one is complete. `position` is the
    /// change log's position the documents were read at; an engine that keeps its own
    /// position (see [`SearchEngine::position`]) stores it with them.
    async fn rebuild(&self, docs: Vec<SearchDoc>, position: i32) -> Result<(), SearchError>;
    /// Applies a stretch of the change log: `docs` upserted, `gone` removed, and — for an
    /// engine that keeps its own position — `position` stored in the same commit, so the
    /// documents and the position never disagree.
    async fn apply(
        &self,
        docs: Vec<SearchDoc>,
        gone: Vec<i32>,
        position: i32,
    ) -> Result<(), SearchError> {
        let _ = position;
        if !docs.is_empty() {
            self.upsert(docs).await?;
        }
        if !gone.is_empty() {
            self.delete(gone).await?;
        }
        Ok(())
    }
    /// Where this index stands in the change log when the engine keeps it with its
    /// documents (the embedded index: `Ok(None)` until it has been built); `Err` for an
    /// engine whose position the database keeps (a shared Meilisearch index).
    async fn position(&self) -> Result<Option<i32>, SearchError> {
        Err(SearchError::Failed(
            "the database keeps this index's position".into(),
        ))
    }
    /// Whether the engine keeps its position with its documents.
    fn keeps_position(&self) -> bool {
        false
    }
    /// The index as a consumer of the change log: `embedded:<instance>` for an instance's
    /// own index, `meilisearch:<index>` for an index every instance shares.
    fn consumer(&self) -> String;
    /// Replaces the synonym groups: a query word from a group also finds the others.
    async fn set_synonyms(&self, groups: Vec<Vec<String>>) -> Result<(), SearchError>;
    /// A short name for logs and the status page.
    fn name(&self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_fields_name_every_field_of_a_hit() {
        let hit = Hit {
            id: 1,
            slug: "mien-dong".into(),
            name: "Miến dong".into(),
            brand: None,
            description: String::new(),
            category: "mien-dong".into(),
            enterprise_id: 2,
            enterprise_name: "HTX".into(),
            commune_code: 3,
            commune: "Côn Minh".into(),
            province_code: 4,
            province: "Thái Nguyên".into(),
            trademark_status: "registered".into(),
            packaging_status: "packaged".into(),
            ocop_stars: None,
            unit: "kg".into(),
            price_min_vnd: None,
            price_max_vnd: None,
            cover: None,
            verified_documents: Vec::new(),
        };
        let json = serde_json::to_value(&hit).expect("json");
        let mut fields: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut named = HIT_FIELDS.to_vec();
        fields.sort_unstable();
        named.sort_unstable();
        assert_eq!(fields, named);
    }
}
