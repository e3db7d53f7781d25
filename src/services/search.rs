//! Searching the catalogue: turns what a buyer typed and ticked into an engine query, and the
//! engine's answer into hits with highlights. The same for the API and the search page.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::context::AppState;
use crate::domain::{Code, Invalid};
use crate::error::{AppError, AppResult};
use crate::search::highlight::Highlighter;
use crate::search::vocabulary::Vocabulary;
use crate::search::{FACETS, Hit, SearchQuery, SearchResults, Sort, Strategy, Word, words};

/// The query string of `GET /api/v1/search` and of the search page. Each facet takes several
/// values, repeated (`category=a&category=b`) or comma-separated.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What the buyer typed; diacritics optional, typos forgiven, the last word may be partial.
    #[serde(default)]
    pub q: String,
    /// Category slugs; a parent category includes its sub-categories.
    #[serde(default)]
    pub category: Vec<String>,
    /// Province codes.
    #[serde(default)]
    pub province: Vec<String>,
    /// Commune codes.
    #[serde(default)]
    pub commune: Vec<String>,
    /// `unregistered`, `filed`, `registered`, `expired`.
    #[serde(default)]
    pub trademark_status: Vec<String>,
    /// `none`, `basic`, `designed`.
    #[serde(default)]
    pub packaging_status: Vec<String>,
    /// 3, 4, 5.
    #[serde(default)]
    pub ocop_stars: Vec<String>,
    /// `vietgap`, `organic`, `haccp`, `iso22000`, `food_safety`, `tcvn`.
    #[serde(default)]
    pub certification: Vec<String>,
    /// Provinces as they were before 1 July 2025, by their former codes (Bắc Kạn 6, Hà
    /// Giang 2): products from the communes that took them over.
    #[serde(default)]
    pub former_province: Vec<String>,
    /// Enterprise ids.
    #[serde(default)]
    pub enterprise: Vec<String>,
    /// `relevance` (default), `newest`, `price_asc`, `price_desc`.
    pub sort: Option<String>,
    /// 1 to 1,000, default 1.
    #[param(minimum = 1, maximum = 1000)]
    pub page: Option<u64>,
    /// 1 to 100, default 24.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

impl SearchParams {
    pub fn values(&self, facet: &str) -> &[String] {
        match facet {
            "category" => &self.category,
            "province" => &self.province,
            "commune" => &self.commune,
            "trademark_status" => &self.trademark_status,
            "packaging_status" => &self.packaging_status,
            "ocop_stars" => &self.ocop_stars,
            "certification" => &self.certification,
            "former_province" => &self.former_province,
            "enterprise" => &self.enterprise,
            _ => &[],
        }
    }

    pub fn has_filters(&self) -> bool {
        self.filters_set() > 0
    }

    /// How many facet values are ticked, over every facet.
    pub fn filters_set(&self) -> usize {
        FACETS.iter().map(|f| self.values(f).len()).sum()
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HitEnterprise {
    pub id: i32,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Highlights {
    /// The name, HTML-escaped, with matched words in `<mark>`.
    pub name: String,
    pub brand: Option<String>,
    /// About 160 characters of the description around the first match.
    pub description: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub id: i32,
    pub slug: String,
    pub url: String,
    pub name: String,
    pub brand: Option<String>,
    pub category: String,
    pub enterprise: HitEnterprise,
    pub commune: String,
    pub commune_code: i32,
    pub province: String,
    pub province_code: i32,
    pub trademark_status: String,
    pub packaging_status: String,
    pub ocop_stars: Option<u8>,
    pub unit: String,
    pub price_min_vnd: Option<i64>,
    pub price_max_vnd: Option<i64>,
    /// The cover's smallest JPEG, for a list.
    pub thumbnail: Option<String>,
    /// The cover photo with all its sizes, for `srcset`.
    pub cover: Option<crate::services::media::PhotoView>,
    /// Certificates the centre has verified.
    pub verified_documents: Vec<String>,
    pub highlights: Highlights,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub hits: Vec<SearchHit>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// Facet → value → number of matching products.
    #[schema(value_type = Object)]
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
    /// Time the search engine took.
    pub processing_time_ms: f64,
    /// How the query was read: a place it names, words nothing has.
    pub understood: Understood,
}

/// How a query was read, for the buyer to see (and undo).
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Understood {
    /// Words of the query no product has: the search went on without them.
    pub unmatched: Vec<String>,
    /// No product has every word: the hits have most of them, the most first.
    pub partial: bool,
    /// A place the query names: products from there come first.
    pub place: Option<PlaceMention>,
    /// Words read as the catalogue's word one edit away (`mein dong` → `mien`): a slip in
    /// a 4-letter word, read only when the query's other words find a product named with
    /// that word and with no other.
    pub corrected: Vec<crate::search::slips::Correction>,
    /// A category the query names (`miến dong`, `glass noodles`, `tea`).
    pub category: Option<CategoryMention>,
    /// When nothing was found: the query with each word nothing has replaced by the
    /// nearest word the catalogue has (`mieb` → `mien`).
    pub suggestion: Option<String>,
}

/// A category named in a query.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CategoryMention {
    pub slug: String,
    /// The words that name it, as typed.
    pub text: String,
    /// The query without them.
    pub without: String,
}

/// A place named in a query.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PlaceMention {
    /// The words that name it, as typed.
    pub text: String,
    /// Its name (`Tỉnh Bắc Kạn`, `Huyện Na Rì`).
    pub name: String,
    pub kind: crate::domain::place::PlaceKind,
    /// For a former district, the former province it was in.
    pub within: Option<String>,
    /// The query without the place's words, to search without it.
    pub without: String,
}

/// How long a search may take before the page says search is unavailable.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(3);

fn split(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

pub async fn search(state: &AppState, params: &SearchParams) -> AppResult<SearchResponse> {
    search_with(state, params, crate::search::DEFAULT_FACETS).await
}

/// Like [`search`], counting the given facets.
pub async fn search_with(
    state: &AppState,
    params: &SearchParams,
    facets: &[&'static str],
) -> AppResult<SearchResponse> {
    // Meilisearch counts at most 100,000 hits (`maxTotalHits`): 1,000 pages of 100.
    let paging = crate::domain::Paging::parse_within(params.page, params.per_page, 24, 100, 1000)?;
    let (page, per_page) = (paging.page, paging.per_page);
    let sort = match params.sort.as_deref() {
        None => Sort::Relevance,
        Some(s) => Sort::parse(s).ok_or_else(|| Invalid::one("sort", Code::SearchSort))?,
    };
    if params.q.chars().count() > 200 {
        return Err(Invalid::one("q", Code::TextTooLong).into());
    }
    let filters: BTreeMap<String, Vec<String>> = FACETS
        .iter()
        .map(|f| (f.to_string(), split(params.values(f))))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let mut query_words = words(&params.q);
    let vocabulary = vocabulary(state).await?;
    // Words typed without their spaces (`miendong`) are read as the catalogue's words.
    for w in &mut query_words {
        if let Some(parts) = vocabulary.split(&w.folded) {
            w.folded = parts.join(" ");
            w.exact.clone_from(&w.folded);
            w.prefix = false;
        }
    }
    let synonyms = |words: &mut Vec<Word>| {
        if let Ok(groups) = state.synonyms.read() {
            crate::search::add_synonyms(words, &groups);
        }
    };
    synonyms(&mut query_words);
    // A slip in a short syllable (`mein dong con minh`), when the other words anchor it,
    // is read as the catalogue's word before either engine sees the query.
    let slip = crate::search::slips::read_slip(&mut query_words, &vocabulary, |query| async move {
        run(state, &query).await
    })
    .await?;
    if slip.is_some() {
        synonyms(&mut query_words);
    }
    let mut query = SearchQuery {
        words: query_words,
        strategy: Strategy::All,
        filters,
        sort,
        offset: usize::try_from(paging.offset()).unwrap_or(usize::MAX),
        limit: usize::try_from(per_page).unwrap_or(24),
        facets: facets.to_vec(),
    };
    let mut understood = Understood {
        corrected: slip.into_iter().collect(),
        ..Default::default()
    };
    // A place the buyer named (below); a slip in its name is read as the name's word, and
    // said, as a slip in any other word is. A word the catalogue has is meant as typed.
    let named = {
        let folded: Vec<&str> = query.words.iter().map(|w| w.folded.as_str()).collect();
        state
            .reference
            .places
            .mentioned(&folded, |w| !vocabulary.contains(w))
    }
    .filter(|n| n.len < query.words.len());
    // A slip in a short word (`bac kna`) is read only when the query so read finds
    // products: the name's other words and the query's anchor it.
    let named = match named {
        Some(
            n @ crate::domain::place::Named {
                short: true,
                slip: Some(slip),
                ..
            },
        ) => crate::search::slips::anchored(&query.words, slip, &query.filters, |q| async move {
            run(state, &q).await
        })
        .await?
        .then_some(n),
        named => named,
    };
    if let Some((at, read)) = named.and_then(|n| n.slip) {
        let typed = std::mem::replace(&mut query.words[at], Word::read_as(read, false));
        // The name's word being typed (`binh lie`) is no slip: nothing to say.
        if !(typed.prefix && read.starts_with(typed.folded.as_str())) {
            understood.corrected.push(crate::search::slips::Correction {
                typed: typed.exact,
                read: read.to_string(),
            });
        }
    }
    // A category the query names is said, with the way to look only there or drop it.
    let folded: Vec<&str> = query.words.iter().map(|w| w.folded.as_str()).collect();
    if let Some((from, len, slug)) = vocabulary.category_in(&folded) {
        let typed = |range: &mut dyn Iterator<Item = &Word>| {
            range
                .map(|w| w.exact.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        understood.category = Some(CategoryMention {
            slug: slug.to_string(),
            text: typed(&mut query.words[from..from + len].iter()),
            without: typed(&mut query.words[..from].iter().chain(&query.words[from + len..])),
        });
    }
    // A place the buyer named ranks products from there first, without leaving out the
    // same products from elsewhere: its words go last, and the engine drops them last.
    if let Some(crate::domain::place::Named {
        from, len, place, ..
    }) = named
    {
        let named: Vec<Word> = query.words.drain(from..from + len).collect();
        understood.place = Some(PlaceMention {
            text: named
                .iter()
                .map(|w| w.exact.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            name: place.name.clone(),
            kind: place.kind,
            within: place.within.clone(),
            without: query
                .words
                .iter()
                .map(|w| w.exact.as_str())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        });
        // A category named before the place: its own word right after its name, so its
        // products from elsewhere still come before what the place alone brings.
        let folded: Vec<&str> = query.words.iter().map(|w| w.folded.as_str()).collect();
        if let Some((at, n, slug)) = vocabulary.category_in(&folded) {
            query.words.insert(
                at + n,
                Word {
                    exact: String::new(),
                    folded: crate::search::category_token(slug),
                    prefix: false,
                    synonyms: Vec::new(),
                },
            );
        }
        query.words.extend(named);
        query.strategy = Strategy::Last;
        only_last_is_prefix(&mut query.words);
    }
    let mut results = run(state, &query).await?;
    if results.total == 0 && !query.words.is_empty() {
        // Nothing has every word: leave out the words nothing in the catalogue has, and
        // say so; if the rest still never meet, show what has most of them. A category's
        // own word only ranks: it is left out here.
        query
            .words
            .retain(|w| !w.folded.starts_with(crate::search::CATEGORY_TOKEN));
        let counts = word_counts(state, &query.words).await?;
        let (known, unknown): (Counted, Counted) =
            query.words.drain(..).zip(counts).partition(|(_, n)| *n > 0);
        understood.unmatched = unknown.into_iter().map(|(w, _)| w.exact).collect();
        if understood.place.as_ref().is_some_and(|p| {
            p.text
                .split(' ')
                .all(|w| understood.unmatched.iter().any(|u| u == w))
        }) {
            understood.place = None;
        }
        let mut known = known;
        query.words = known.iter().map(|(w, _)| w.clone()).collect();
        // Most of what was typed unknown is not a search for something else: say nothing
        // matched rather than answer one stray word.
        if known.len() < understood.unmatched.len() {
            query.words.clear();
            known.clear();
        }
        if !understood.unmatched.is_empty() && !query.words.is_empty() {
            query.strategy = Strategy::All;
            results = run(state, &query).await?;
        }
        if results.total == 0 && query.words.len() > 1 {
            // The rarest word first: the engine keeps it and drops the commonest first.
            known.sort_by_key(|(_, n)| *n);
            query.words = known.into_iter().map(|(w, _)| w).collect();
            query.strategy = Strategy::Last;
            only_last_is_prefix(&mut query.words);
            results = run(state, &query).await?;
            understood.partial = results.total > 0;
        }
    }
    if results.total == 0 && !understood.unmatched.is_empty() {
        // The nearest spelling the catalogue has, for each word it has not.
        let mut changed = false;
        let offered: Vec<String> = words(&params.q)
            .into_iter()
            .map(|w| {
                if understood.unmatched.contains(&w.exact)
                    && let Some(near) = vocabulary.nearest(&w.folded)
                {
                    changed = true;
                    near.to_string()
                } else {
                    w.exact
                }
            })
            .collect();
        understood.suggestion = changed.then(|| offered.join(" "));
    }
    let mut response = respond(results, &query, page, per_page);
    response.understood = understood;
    Ok(response)
}

/// How long the catalogue's words are used before they are read again.
const VOCABULARY_AGE: Duration = Duration::from_secs(300);

/// The catalogue's words: published products' names and brands, categories' names and the
/// words buyers use for them; read from the database at most every few minutes.
async fn vocabulary(state: &AppState) -> AppResult<std::sync::Arc<Vocabulary>> {
    let fresh = |kept: &crate::search::vocabulary::Kept| {
        kept.as_ref()
            .filter(|(at, _)| at.elapsed() < VOCABULARY_AGE)
            .map(|(_, v)| v.clone())
    };
    if let Some(v) = fresh(&*state.vocabulary.read().await) {
        return Ok(v);
    }
    let mut kept = state.vocabulary.write().await;
    if let Some(v) = fresh(&kept) {
        return Ok(v);
    }
    use crate::db::entities::product;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let products: Vec<(String, Option<String>)> = product::Entity::find()
        .select_only()
        .column(product::Column::Name)
        .column(product::Column::Brand)
        .filter(product::Column::Status.eq(crate::domain::ProductStatus::Published))
        .into_tuple()
        .all(&state.db)
        .await?;
    let built = std::sync::Arc::new(build_vocabulary(&state.db, &products).await?);
    *kept = Some((std::time::Instant::now(), built.clone()));
    Ok(built)
}

/// The catalogue's words: the published products' names and brands (given), and every
/// category's names and buyers' words.
pub async fn build_vocabulary(
    db: &impl sea_orm::ConnectionTrait,
    products: &[(String, Option<String>)],
) -> AppResult<Vocabulary> {
    use crate::db::entities::category;
    use sea_orm::{EntityTrait, QuerySelect};
    let categories: Vec<(String, String, String, String)> = category::Entity::find()
        .select_only()
        .column(category::Column::Slug)
        .column(category::Column::NameVi)
        .column(category::Column::NameEn)
        .column(category::Column::SearchTerms)
        .into_tuple()
        .all(db)
        .await?;
    let texts = products
        .iter()
        .flat_map(|(name, brand)| std::iter::once(name.as_str()).chain(brand.as_deref()))
        .chain(
            categories
                .iter()
                .flat_map(|(_, vi, en, terms)| [vi.as_str(), en.as_str(), terms.as_str()]),
        );
    let named = categories.iter().map(|(slug, vi, en, terms)| {
        let mut phrases = vec![vi.as_str(), en.as_str()];
        phrases.extend(terms.split(',').map(str::trim).filter(|t| !t.is_empty()));
        (slug.as_str(), phrases)
    });
    Ok(Vocabulary::from_texts(texts).with_categories(named))
}

/// After words are reordered, only the last may still be a word being typed (as
/// Meilisearch reads a query).
fn only_last_is_prefix(words: &mut [Word]) {
    if let Some((_, before)) = words.split_last_mut() {
        for w in before {
            w.prefix = false;
        }
    }
}

/// Query words with the number of products that have each.
type Counted = Vec<(Word, u64)>;

/// Asks the engine, bounded in time, and counts how long it took.
async fn run(state: &AppState, query: &SearchQuery) -> AppResult<SearchResults> {
    let started = std::time::Instant::now();
    let answer = tokio::time::timeout(SEARCH_TIMEOUT, state.search.search(query)).await;
    metrics::histogram!("search_duration_seconds", "engine" => state.search.name())
        .record(started.elapsed().as_secs_f64());
    match answer {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => {
            if matches!(e, crate::search::SearchError::Misconfigured(_)) {
                tracing::error!(error = %e, engine = state.search.name(), "search failed: the engine refuses ketnoi's key (KETNOI_SEARCH_KEY)");
            } else {
                tracing::warn!(error = %e, engine = state.search.name(), "search failed");
            }
            Err(AppError::SearchUnavailable)
        }
        Err(_) => {
            tracing::warn!(engine = state.search.name(), "search timed out");
            Err(AppError::SearchUnavailable)
        }
    }
}

/// How many products in the whole catalogue have each word (with its typos, prefix and
/// synonyms, as the search itself matches it).
async fn word_counts(state: &AppState, words: &[Word]) -> AppResult<Vec<u64>> {
    let asks = words.iter().map(|w| {
        let query = SearchQuery {
            words: vec![w.clone()],
            // Only the count is read.
            limit: 0,
            ..Default::default()
        };
        async move { run(state, &query).await.map(|r| r.total) }
    });
    futures_util::future::try_join_all(asks).await
}

/// A commune offered by the search page's commune picker, with the number of products the
/// search finds in it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CommuneChoice {
    /// The commune code: the value of the `commune` filter.
    pub value: String,
    pub name: String,
    pub province: String,
    /// The place before 1 July 2025 that the typed words named (`Huyện Na Rì, Bắc Kạn`),
    /// when they named a former commune, district or province rather than today's.
    pub former: Option<String>,
    pub count: u64,
}

/// What was typed into the commune picker.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommuneQuery {
    /// Today's commune or province name, or a former commune, district or province
    /// (before 1 July 2025); diacritics optional, each word may be the start of one.
    #[serde(default)]
    pub commune_q: String,
}

/// Most communes a picker lists.
pub const COMMUNE_CHOICES: usize = 20;

/// True when every typed word starts a word of `place` (both folded).
fn names(typed: &[String], place: &str) -> bool {
    let words: Vec<&str> = place
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    typed
        .iter()
        .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
}

/// The commune facet searched by name: communes with products the search finds (the
/// other filters applied, a ticked commune not), whose name, province or former commune,
/// district or province matches what was typed; most products first, today's names before
/// former ones. The counts come from the engine's facet distribution, complete for every
/// commune on both engines (Meilisearch's `maxValuesPerFacet` is set above the number of
/// communes), and names are matched here against the reference data, so both engines
/// answer alike.
pub async fn communes(
    state: &AppState,
    params: &SearchParams,
    typed: &str,
    limit: usize,
) -> AppResult<Vec<CommuneChoice>> {
    if typed.chars().count() > 100 {
        return Err(Invalid::one("commune_q", Code::TextTooLong).into());
    }
    let mut others = params.clone();
    others.commune.clear();
    others.page = None;
    others.per_page = Some(1);
    others.sort = None;
    let results = search_with(state, &others, &["commune"]).await?;
    Ok(commune_choices(
        state,
        results.facets.get("commune"),
        typed,
        limit,
    ))
}

/// [`communes`] for counts already at hand: a search's commune facet with no commune ticked.
pub fn commune_choices(
    state: &AppState,
    counts: Option<&BTreeMap<String, u64>>,
    typed: &str,
    limit: usize,
) -> Vec<CommuneChoice> {
    use crate::domain::text::fold;
    let typed: Vec<String> = fold(typed)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(String::from)
        .collect();
    let reference = &state.reference;
    let mut choices: Vec<CommuneChoice> = counts
        .into_iter()
        .flatten()
        .filter(|(_, n)| **n > 0)
        .filter_map(|(value, n)| {
            let commune = reference.commune(value.parse().ok()?)?;
            let province = reference
                .province(commune.province_code)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let today = format!("{} {}", fold(&commune.name), fold(&province));
            let former = if names(&typed, &today) {
                None
            } else {
                // A former district (or province) named says more than one of its communes.
                let mut found = None;
                for f in reference.places.formers_of(commune.code) {
                    let district = fold(&format!("{} {}", f.district, f.province));
                    if names(&typed, &district) {
                        found = Some(format!("{}, {}", f.district, f.province));
                        break;
                    }
                    if found.is_none() && names(&typed, &format!("{} {district}", fold(&f.name))) {
                        found = Some(format!("{}, {}, {}", f.name, f.district, f.province));
                    }
                }
                Some(found?)
            };
            Some(CommuneChoice {
                value: value.clone(),
                name: commune.name.clone(),
                province,
                former,
                count: *n,
            })
        })
        .collect();
    choices.sort_by(|a, b| {
        a.former
            .is_some()
            .cmp(&b.former.is_some())
            .then(b.count.cmp(&a.count))
            .then_with(|| fold(&a.name).cmp(&fold(&b.name)))
    });
    choices.truncate(limit);
    choices
}

fn respond(
    results: SearchResults,
    query: &SearchQuery,
    page: u64,
    per_page: u64,
) -> SearchResponse {
    let highlighter = Highlighter::new(&query.words);
    let hits = results
        .hits
        .into_iter()
        .map(|d| hit(d, &highlighter))
        .collect();
    SearchResponse {
        hits,
        total: results.total,
        page,
        per_page,
        facets: results.facets,
        processing_time_ms: (results.engine_ms * 100.0).round() / 100.0,
        understood: Understood::default(),
    }
}

fn hit(d: Hit, highlighter: &Highlighter) -> SearchHit {
    let highlights = Highlights {
        name: highlighter.highlight(&d.name),
        brand: d.brand.as_deref().map(|b| highlighter.highlight(b)),
        description: highlighter.snippet(&d.description, 160),
    };
    SearchHit {
        id: d.id,
        url: crate::domain::product::page_path(&d.slug),
        slug: d.slug,
        thumbnail: d.cover.as_ref().map(|c| c.thumbnail.clone()),
        cover: d.cover,
        verified_documents: d.verified_documents,
        name: d.name,
        brand: d.brand,
        category: d.category,
        enterprise: HitEnterprise {
            id: d.enterprise_id,
            name: d.enterprise_name,
        },
        commune: d.commune,
        commune_code: d.commune_code,
        province: d.province,
        province_code: d.province_code,
        trademark_status: d.trademark_status,
        packaging_status: d.packaging_status,
        ocop_stars: d.ocop_stars,
        unit: d.unit,
        price_min_vnd: d.price_min_vnd,
        price_max_vnd: d.price_max_vnd,
        highlights,
    }
}

/// True when the index holds nothing (a first start, or a new index version).
pub async fn index_is_empty(state: &AppState) -> anyhow::Result<bool> {
    let everything = SearchQuery {
        limit: 1,
        ..Default::default()
    };
    Ok(state.search.search(&everything).await?.total == 0)
}

/// The index's lag and failures, for staff.
pub async fn status(
    state: &AppState,
    actor: &crate::services::Actor,
) -> AppResult<crate::services::search_sync::OutboxStatus> {
    actor.require_staff()?;
    crate::services::search_sync::status(&state.db, state.clock.now()).await
}

/// Rebuilds this instance's index from the database, aside, then swaps it in (staff, and
/// `ketnoi reindex`). Returns the number of products indexed.
pub async fn rebuild(state: &AppState) -> AppResult<usize> {
    let _one_at_a_time = state.search_worker.lock().await;
    crate::services::search_sync::register(state, &state.search.consumer()).await?;
    rebuild_locked(state).await
}

/// [`rebuild`], for a caller that already holds `state.search_worker`. The index's lease is
/// held (and renewed) for the whole rebuild, so no worker of any instance feeds it
/// meanwhile. The log position is noted before the catalogue is read; once the new index is
/// swapped in, the index stands at that position and the worker replays every change made
/// since — deletions and enterprise edits included — so nothing made during the rebuild is
/// lost.
pub(crate) async fn rebuild_locked(state: &AppState) -> AppResult<usize> {
    use crate::db::entities::{product, search_consumer};
    use crate::services::search_sync::{LEASE, lease};
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let consumer = state.search.consumer();
    let owner = crate::services::search_sync::lease_owner(state, true);
    // A worker of another instance may be in the middle of a pass: it lets go at its end
    // (every engine call is bounded), so the rebuild waits for it a little.
    let mut tries = 0;
    while !lease(state, &consumer, &owner, LEASE).await? {
        tries += 1;
        if tries > 120 {
            return Err(AppError::state(crate::domain::Code::SearchRebuildRunning));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // Renewed while the rebuild runs; a process that dies lets it lapse within a minute.
    let renewal = {
        let (state, consumer, owner) = (state.clone(), consumer.clone(), owner.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(LEASE / 3).await;
                if !matches!(lease(&state, &consumer, &owner, LEASE).await, Ok(true)) {
                    return;
                }
            }
        })
    };
    let built = async {
        let position = crate::services::search_sync::last_entry(&state.db).await?;
        let ids: Vec<i32> = product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .filter(product::Column::Status.eq(crate::domain::ProductStatus::Published))
            .into_tuple()
            .all(&state.db)
            .await?;
        let mut docs = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1000) {
            let views = crate::services::catalogue::published_views(
                &state.db,
                &state.reference,
                chunk,
                state.clock.today(),
            )
            .await?;
            docs.extend(
                crate::services::search_sync::documents(&state.db, &state.reference, &views)
                    .await?,
            );
        }
        let count = docs.len();
        state.search.rebuild(docs, position).await.map_err(|e| {
            tracing::warn!(error = %e, "search rebuild failed");
            AppError::SearchUnavailable
        })?;
        Ok::<_, AppError>((count, position))
    }
    .await;
    renewal.abort();
    let now = state.clock.now();
    let rows = search_consumer::Entity::update_many();
    let update = match &built {
        Ok((_, position)) => crate::services::search_sync::stands_at(rows, *position, now),
        Err(_) => crate::services::search_sync::released(rows),
    }
    .col_expr(search_consumer::Column::SeenAt, Expr::value(now))
    .filter(search_consumer::Column::Name.eq(consumer.clone()))
    .filter(search_consumer::Column::LeaseOwner.eq(owner));
    update.exec(&state.db).await?;
    built.map(|(count, _)| count)
}

/// Sends a change an index set aside through again (staff): it goes to the end of the log.
pub async fn retry_dead_letter(
    state: &AppState,
    actor: &crate::services::Actor,
    id: i32,
) -> AppResult<()> {
    use crate::db::entities::search_dead_letter;
    use sea_orm::EntityTrait;
    actor.require_staff()?;
    let txn = crate::db::write_txn(&state.db).await?;
    let letter = crate::db::lock::<search_dead_letter::Entity>(&txn, id).await?;
    search_dead_letter::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    crate::services::audit::record(
        &txn,
        state.clock.now(),
        actor,
        "search.retry",
        "product",
        letter.product_id,
        serde_json::json!({"consumer": letter.consumer, "error": letter.error}),
    )
    .await?;
    crate::services::search_sync::enqueue(&txn, state.clock.now(), &[letter.product_id]).await?;
    txn.commit().await?;
    Ok(())
}

/// An enterprise among a search's hits, with how many of its products matched.
pub struct LeadingEnterprise {
    pub name: String,
    pub slug: String,
    pub products: u64,
}

/// The five enterprises with the most matching products in `r`, most first.
pub async fn leading_enterprises(
    db: &sea_orm::DatabaseConnection,
    r: &SearchResponse,
) -> AppResult<Vec<LeadingEnterprise>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut counts: Vec<(i32, u64)> = r
        .facets
        .get("enterprise")
        .map(|m| {
            m.iter()
                .filter_map(|(k, n)| k.parse().ok().map(|id| (id, *n)))
                .collect()
        })
        .unwrap_or_default();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.truncate(5);
    let ids: Vec<i32> = counts.iter().map(|(id, _)| *id).collect();
    let rows = crate::db::entities::enterprise::Entity::find()
        .filter(crate::db::entities::enterprise::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(counts
        .iter()
        .filter_map(|(id, n)| {
            rows.iter()
                .find(|e| e.id == *id)
                .map(|e| LeadingEnterprise {
                    name: e.name.clone(),
                    slug: e.slug.clone(),
                    products: *n,
                })
        })
        .collect())
}

/// What staff see of the index: the engine, how many documents it holds (`None` while it
/// does not answer), and the outbox's lag and failures.
pub struct IndexOverview {
    pub engine: &'static str,
    pub documents: Option<u64>,
    pub outbox: crate::services::search_sync::OutboxStatus,
}

/// The index's state for the staff search page.
pub async fn overview(
    state: &AppState,
    actor: &crate::services::Actor,
) -> AppResult<IndexOverview> {
    let outbox = status(state, actor).await?;
    let everything = crate::search::SearchQuery {
        limit: 1,
        ..Default::default()
    };
    let documents = state.search.search(&everything).await.ok().map(|r| r.total);
    Ok(IndexOverview {
        engine: state.search.name(),
        documents,
        outbox,
    })
}

/// Starts a full rebuild in the background, recorded in the audit trail; searches keep
/// using the old index meanwhile.
pub async fn start_rebuild(state: &AppState, actor: &crate::services::Actor) -> AppResult<()> {
    actor.require_staff()?;
    crate::services::audit::record(
        &state.db,
        state.clock.now(),
        actor,
        "search.rebuild",
        "search",
        0,
        serde_json::json!({}),
    )
    .await?;
    let state = state.clone();
    tokio::spawn(async move {
        match rebuild(&state).await {
            Ok(n) => tracing::info!(products = n, "search index rebuilt"),
            Err(e) => tracing::warn!(error = %e, "search rebuild failed"),
        }
    });
    Ok(())
}
