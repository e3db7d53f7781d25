//! The Meilisearch engine (meilisearch-sdk), for deployments that scale out.
//!
//! The app creates and configures its index itself. Documents carry folded copies of their
//! text and queries are folded the same way, so matching is the same as the embedded
//! engine's whatever Meilisearch's own normaliser does with Vietnamese (`đ` especially).
//! A query typed with accents is asked in two parts, the documents holding every accented
//! word as typed (a filter on their coded words) and the rest, and answered in that order.
//! Every write waits for its task and treats a failed task as an error: the SDK's
//! `wait_for_completion` returns `Ok` for a task that failed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use meilisearch_sdk::client::Client;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{
    MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use meilisearch_sdk::tasks::Task;
use serde::{Deserialize, Serialize};

use super::{
    HIT_FIELDS, Hit, SearchDoc, SearchEngine, SearchError, SearchQuery, SearchResults, Sort,
    Strategy,
};
use crate::domain::text;

/// Our facet names and the document attributes that hold them.
const ATTRIBUTES: &[(&str, &str)] = &[
    ("category", "categories"),
    ("province", "province_code"),
    ("commune", "commune_code"),
    ("trademark_status", "trademark_status"),
    ("packaging_status", "packaging_status"),
    ("ocop_stars", "ocop_stars"),
    ("certification", "certifications"),
    ("former_province", "former_provinces"),
    ("enterprise", "enterprise_id"),
];

/// Facet values counted when the caller does not say how many communes there are.
const DEFAULT_FACET_VALUES: usize = 5_000;

const NUMERIC: &[&str] = &[
    "province",
    "commune",
    "ocop_stars",
    "former_province",
    "enterprise",
];

#[derive(Serialize, Deserialize)]
struct MeiliDoc {
    #[serde(flatten)]
    doc: SearchDoc,
    name_folded: String,
    brand_folded: String,
    other_folded: String,
    /// The words written with diacritics, coded (filtered on, never searched).
    accented: Vec<String>,
    price_asc: i64,
    price_desc: i64,
}

impl From<SearchDoc> for MeiliDoc {
    fn from(doc: SearchDoc) -> Self {
        let other = [
            doc.description.as_str(),
            &doc.enterprise_name,
            &doc.enterprise_description,
            &doc.commune,
            &doc.province,
            &doc.category_names.join(" "),
            &doc.categories
                .iter()
                .map(|c| super::category_token(c))
                .collect::<Vec<_>>()
                .join(" "),
            &doc.certifications.join(" "),
            &doc.former_places.join(" "),
        ]
        .join(" ");
        let folded = |s: &str| text::fold(&text::units_apart(s));
        MeiliDoc {
            name_folded: folded(&doc.name),
            brand_folded: doc.brand.as_deref().map(folded).unwrap_or_default(),
            other_folded: folded(&other),
            accented: doc.accented_words(),
            price_asc: doc.price_min_vnd.or(doc.price_max_vnd).unwrap_or(i64::MAX),
            price_desc: doc.price_max_vnd.or(doc.price_min_vnd).unwrap_or(i64::MIN),
            doc,
        }
    }
}

/// Meilisearch's HTTP client with deadlines: a server that accepts connections and never
/// answers costs a search a few seconds, not the whole site its start. (The SDK's own
/// client sets none and cannot be given one.)
#[derive(Clone, Debug)]
pub struct TimedHttp {
    client: reqwest::Client,
}

impl TimedHttp {
    /// Connecting gives up after this long…
    const CONNECT: Duration = Duration::from_secs(3);
    /// …and a whole request (a batch of documents included) after this long.
    const REQUEST: Duration = Duration::from_secs(30);

    fn new(key: Option<&str>) -> Result<Self, SearchError> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::USER_AGENT,
            reqwest::header::HeaderValue::from_static("ketnoi"),
        );
        if let Some(key) = key {
            let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {key}"))
                .map_err(|_| SearchError::Unavailable("the search key is not valid text".into()))?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(Self::CONNECT)
            .timeout(Self::REQUEST)
            .build()
            .map_err(unavailable)?;
        Ok(TimedHttp { client })
    }
}

#[async_trait::async_trait]
impl meilisearch_sdk::request::HttpClient for TimedHttp {
    async fn stream_request<
        Query: serde::Serialize + Send + Sync,
        Body: futures_io::AsyncRead + Send + Sync + 'static,
        Output: serde::de::DeserializeOwned + 'static,
    >(
        &self,
        url: &str,
        method: meilisearch_sdk::request::Method<Query, Body>,
        content_type: &str,
        expected_status_code: u16,
    ) -> Result<Output, meilisearch_sdk::errors::Error> {
        use futures_util::AsyncReadExt;
        use meilisearch_sdk::request::Method;
        let query = yaup::to_string(method.query())?;
        let url = format!("{url}{query}");
        let verb = match &method {
            Method::Get { .. } => reqwest::Method::GET,
            Method::Delete { .. } => reqwest::Method::DELETE,
            Method::Post { .. } => reqwest::Method::POST,
            Method::Put { .. } => reqwest::Method::PUT,
            Method::Patch { .. } => reqwest::Method::PATCH,
        };
        let mut request = self.client.request(verb, &url);
        if let Some(body) = method.into_body() {
            let mut bytes = Vec::new();
            let mut body = std::pin::pin!(body);
            body.read_to_end(&mut bytes)
                .await
                .map_err(|e| meilisearch_sdk::errors::Error::Other(Box::new(e)))?;
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        let response = self.client.execute(request.build()?).await?;
        let status = response.status().as_u16();
        let mut text = response.text().await?;
        if text.is_empty() {
            text = "null".into();
        }
        meilisearch_sdk::request::parse_response(status, expected_status_code, &text, url)
    }

    fn is_tokio(&self) -> bool {
        true
    }
}

pub struct MeiliEngine {
    client: Client<TimedHttp>,
    index: String,
    task_timeout: Duration,
    /// Index creation and settings, done once the server first answers.
    configured: tokio::sync::OnceCell<()>,
    /// Facet values returned per facet (`faceting.maxValuesPerFacet`): every commune.
    max_facet_values: usize,
    /// The synonyms last set, given to a rebuilt index before it is swapped in.
    synonyms: std::sync::Mutex<Option<std::collections::HashMap<String, Vec<String>>>>,
}

fn unavailable(e: impl std::fmt::Display) -> SearchError {
    SearchError::Unavailable(e.to_string())
}

/// What a Meilisearch error means for ketnoi: a key it refuses (401/403) is the
/// operator's to fix; a missing index (404) is rebuilt; a request it refuses (400) is
/// ketnoi's; anything else (no answer, 5xx) is tried again later.
fn classify(e: meilisearch_sdk::errors::Error) -> SearchError {
    use meilisearch_sdk::errors::{Error, ErrorCode, ErrorType};
    match e {
        Error::Meilisearch(m) => match (m.error_type, m.error_code) {
            (ErrorType::Auth, _) => SearchError::Misconfigured(m.error_message),
            (_, ErrorCode::IndexNotFound) => SearchError::Missing(m.error_message),
            (ErrorType::InvalidRequest, code) => {
                SearchError::Failed(format!("{code:?}: {}", m.error_message))
            }
            _ => SearchError::Unavailable(m.error_message),
        },
        Error::MeilisearchCommunication(c) => match c.status_code {
            401 | 403 => SearchError::Misconfigured(c.to_string()),
            404 => SearchError::Missing(c.to_string()),
            _ => SearchError::Unavailable(c.to_string()),
        },
        e @ (Error::InvalidRequest | Error::CantUseWithoutApiKey(_)) => {
            SearchError::Misconfigured(e.to_string())
        }
        e => SearchError::Unavailable(e.to_string()),
    }
}

fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

impl MeiliEngine {
    /// A client for the server at `url`. Nothing is sent yet: the index is created and
    /// configured on first use, so the app starts (and serves everything but search) while
    /// Meilisearch is down.
    pub fn new(url: &str, key: Option<&str>, index: &str) -> Result<Self, SearchError> {
        Self::with_facet_values(url, key, index, DEFAULT_FACET_VALUES)
    }

    /// [`MeiliEngine::new`], counting up to `max_facet_values` values of each facet (the
    /// longest facet is the communes: 3,321 since 1 July 2025; Meilisearch's default is 100).
    pub fn with_facet_values(
        url: &str,
        key: Option<&str>,
        index: &str,
        max_facet_values: usize,
    ) -> Result<Self, SearchError> {
        let client = Client::new_with_client(url.trim_end_matches('/'), key, TimedHttp::new(key)?);
        Ok(MeiliEngine {
            client,
            index: index.to_string(),
            task_timeout: Duration::from_secs(60),
            configured: tokio::sync::OnceCell::new(),
            max_facet_values: max_facet_values.max(DEFAULT_FACET_VALUES),
            synonyms: std::sync::Mutex::new(None),
        })
    }

    async fn ready(&self) -> Result<(), SearchError> {
        self.configured
            .get_or_try_init(|| self.configure())
            .await
            .copied()
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        let task = task
            .wait_for_completion(
                &self.client,
                Some(Duration::from_millis(50)),
                Some(self.task_timeout),
            )
            .await
            .map_err(classify)?;
        match task {
            Task::Failed { content } => Err(SearchError::Failed(format!("{:?}", content.error))),
            t if t.is_failure() => Err(SearchError::Failed("task failed".into())),
            _ => Ok(()),
        }
    }

    async fn configure(&self) -> Result<(), SearchError> {
        self.configure_index(&self.index).await
    }

    async fn configure_index(&self, uid: &str) -> Result<(), SearchError> {
        if self.client.get_index(uid).await.is_err() {
            let task = self
                .client
                .create_index(uid, Some("id"))
                .await
                .map_err(classify)?;
            self.wait(task).await?;
        }
        let filterable: Vec<&str> = ATTRIBUTES
            .iter()
            .map(|(_, a)| *a)
            .chain(["accented"])
            .collect();
        let settings = Settings::new()
            .with_searchable_attributes(["name_folded", "brand_folded", "other_folded"])
            .with_filterable_attributes(filterable)
            .with_sortable_attributes(["published_at", "price_asc", "price_desc", "id"])
            // A sort the buyer chose orders every result, as on the embedded engine; without
            // one the `sort` rule does nothing and relevance decides.
            .with_ranking_rules([
                "sort",
                "words",
                "typo",
                "proximity",
                "attribute",
                "exactness",
            ])
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(true),
                disable_on_attributes: None,
                disable_on_words: None,
                min_word_size_for_typos: Some(MinWordSizeForTypos {
                    one_typo: Some(5),
                    two_typos: Some(9),
                }),
                disable_on_numbers: None,
            })
            .with_pagination(PaginationSetting {
                max_total_hits: 100_000,
            })
            // Every commune's count, not the first 100; producers (a value per enterprise)
            // most products first, so the leading ones are never cut off.
            .with_faceting(meilisearch_sdk::settings::FacetingSettings {
                max_values_per_facet: self.max_facet_values,
                sort_facet_values_by: Some(std::collections::BTreeMap::from([
                    (
                        "*".to_string(),
                        meilisearch_sdk::settings::FacetSortValue::Alpha,
                    ),
                    (
                        "enterprise_id".to_string(),
                        meilisearch_sdk::settings::FacetSortValue::Count,
                    ),
                ])),
            });
        let task = self
            .client
            .index(uid)
            .set_settings(&settings)
            .await
            .map_err(classify)?;
        self.wait(task).await
    }

    fn filter(&self, q: &SearchQuery) -> String {
        q.filters
            .iter()
            .filter(|(_, values)| !values.is_empty())
            .filter_map(|(facet, values)| {
                let attribute = ATTRIBUTES.iter().find(|(f, _)| f == facet)?.1;
                let numeric = NUMERIC.contains(&facet.as_str());
                let list: Vec<String> = values
                    .iter()
                    .filter(|v| !numeric || v.chars().all(|c| c.is_ascii_digit()))
                    .map(|v| if numeric { v.clone() } else { quote(v) })
                    .collect();
                // A numeric facet with no valid value matches nothing.
                Some(if list.is_empty() {
                    format!("{attribute} IN [-1]")
                } else {
                    format!("{attribute} IN [{}]", list.join(", "))
                })
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }
}

/// What ketnoi asks Meilisearch for one search, before it is put into the SDK's request.
#[derive(Clone)]
struct Request {
    text: String,
    filter: String,
    facets: Vec<&'static str>,
    sort: Vec<&'static str>,
    strategy: MatchingStrategies,
    offset: usize,
    limit: usize,
}

/// All of `conditions`, each already a filter expression (parenthesised where it has an OR).
fn all_of(conditions: &[&str]) -> String {
    conditions
        .iter()
        .filter(|c| !c.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" AND ")
}

impl Request {
    /// The documents holding every accented word as typed, then the others: Meilisearch
    /// folds accents in documents and queries alike, so the two are asked apart, each
    /// ranked as Meilisearch ranks, the first shown before the second.
    fn split(&self, accented: &[String]) -> (Request, Request) {
        let every = accented
            .iter()
            .map(|w| format!("accented = {}", quote(w)))
            .collect::<Vec<_>>()
            .join(" AND ");
        let with = Request {
            filter: all_of(&[&self.filter, &every]),
            ..self.clone()
        };
        let without = Request {
            filter: all_of(&[&self.filter, &format!("NOT ({every})")]),
            ..self.clone()
        };
        (with, without)
    }

    fn of(engine: &MeiliEngine, q: &SearchQuery) -> Self {
        let mut text = q
            .words
            .iter()
            .map(|w| w.folded.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        // Meilisearch treats the last word as a prefix unless the query ends with a space.
        if q.words.last().is_some_and(|w| !w.prefix) {
            text.push(' ');
        }
        Request {
            text,
            filter: engine.filter(q),
            facets: ATTRIBUTES
                .iter()
                .filter(|(f, _)| q.facets.contains(f))
                .map(|(_, a)| *a)
                .collect(),
            sort: match q.sort {
                Sort::Relevance => vec![],
                Sort::Newest => vec!["published_at:desc", "id:desc"],
                Sort::PriceAsc => vec!["price_asc:asc"],
                Sort::PriceDesc => vec!["price_desc:desc"],
            },
            strategy: match q.strategy {
                Strategy::All => MatchingStrategies::ALL,
                Strategy::Last => MatchingStrategies::LAST,
            },
            offset: q.offset,
            limit: q.limit.max(1),
        }
    }

    fn build<'a>(
        &'a self,
        index: &'a meilisearch_sdk::indexes::Index<TimedHttp>,
    ) -> meilisearch_sdk::search::SearchQuery<'a, TimedHttp> {
        let mut request = index.search();
        request
            .with_query(&self.text)
            .with_matching_strategy(self.strategy.clone())
            .with_facets(Selectors::Some(&self.facets))
            .with_attributes_to_retrieve(Selectors::Some(HIT_FIELDS));
        // Pages give an exact total; an offset that is not a page's start is asked as
        // such (Meilisearch then estimates the total).
        if self.offset.is_multiple_of(self.limit) {
            request
                .with_page(self.offset / self.limit + 1)
                .with_hits_per_page(self.limit);
        } else {
            request.with_offset(self.offset).with_limit(self.limit);
        }
        if !self.filter.is_empty() {
            request.with_filter(&self.filter);
        }
        if !self.sort.is_empty() {
            request.with_sort(&self.sort);
        }
        request
    }
}

/// Documents found, how many in all, and the facet counts of one request.
type Answer = (
    Vec<Hit>,
    u64,
    std::collections::HashMap<String, std::collections::HashMap<String, usize>>,
);

impl MeiliEngine {
    /// The index's name and the bodies ketnoi posts to `/indexes/{index}/search` for `q`,
    /// at the same time (two for a query typed with accents, the first page of each): to
    /// time Meilisearch apart from ketnoi with exactly the same parameters.
    pub fn search_bodies(&self, q: &SearchQuery) -> (String, Vec<serde_json::Value>) {
        let index = self.client.index(&self.index);
        let whole = Request::of(self, q);
        let accented = q.accented_words();
        let parts = if accented.is_empty() {
            vec![whole]
        } else {
            let (with, without) = whole.split(&accented);
            vec![with, without]
        };
        let bodies = parts
            .iter()
            .map(|p| serde_json::to_value(p.build(&index)).unwrap_or_default())
            .collect();
        (self.index.clone(), bodies)
    }

    async fn ask(&self, request: &Request) -> Result<Answer, SearchError> {
        let index = self.client.index(&self.index);
        let results = request
            .build(&index)
            .execute::<Hit>()
            .await
            .map_err(classify)?;
        Ok((
            results.hits.into_iter().map(|h| h.result).collect(),
            results
                .total_hits
                .or(results.estimated_total_hits)
                .unwrap_or(0) as u64,
            results.facet_distribution.unwrap_or_default(),
        ))
    }

    /// The page of `whole` when the documents with every accented word come first: the
    /// first page asks both parts at once; a later one needs to know how many the first
    /// part has before it knows where the second part's share of the page starts.
    async fn ask_accented_first(
        &self,
        whole: Request,
        accented: &[String],
    ) -> Result<Answer, SearchError> {
        let (with, mut without) = whole.split(accented);
        let ((mut hits, with_total, mut counts), (rest, without_total, rest_counts)) =
            if whole.offset == 0 {
                tokio::try_join!(self.ask(&with), self.ask(&without))?
            } else {
                let first = self.ask(&with).await?;
                let before = usize::try_from(first.1).unwrap_or(usize::MAX);
                without.offset = whole.offset.saturating_sub(before);
                // Asked even when the page is full: its total and counts are the page's.
                without.limit = whole.limit.saturating_sub(first.0.len()).max(1);
                let second = self.ask(&without).await?;
                (first, second)
            };
        hits.extend(rest);
        hits.truncate(whole.limit);
        for (attribute, values) in rest_counts {
            let into = counts.entry(attribute).or_default();
            for (value, n) in values {
                *into.entry(value).or_default() += n;
            }
        }
        Ok((hits, with_total + without_total, counts))
    }
}

#[async_trait::async_trait]
impl SearchEngine for MeiliEngine {
    async fn upsert(&self, docs: Vec<SearchDoc>) -> Result<(), SearchError> {
        self.ready().await?;
        let docs: Vec<MeiliDoc> = docs.into_iter().map(MeiliDoc::from).collect();
        let task = self
            .client
            .index(&self.index)
            .add_or_replace(&docs, Some("id"))
            .await
            .map_err(classify)?;
        self.wait(task).await
    }

    async fn delete(&self, ids: Vec<i32>) -> Result<(), SearchError> {
        self.ready().await?;
        let task = self
            .client
            .index(&self.index)
            .delete_documents(&ids)
            .await
            .map_err(classify)?;
        self.wait(task).await
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.ready().await?;
        let task = self
            .client
            .index(&self.index)
            .delete_all_documents()
            .await
            .map_err(classify)?;
        self.wait(task).await
    }

    async fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        self.ready().await?;
        let started = Instant::now();
        let whole = Request::of(self, q);
        let accented = q.accented_words();
        let (mut hits, total, distribution) = if accented.is_empty() {
            self.ask(&whole).await?
        } else {
            self.ask_accented_first(whole, &accented).await?
        };
        // A page of at least one is asked for (its total is exact); none is answered when
        // none was wanted, as the embedded engine answers.
        hits.truncate(q.limit);
        let mut facets = BTreeMap::new();
        for facet in &q.facets {
            let attribute = ATTRIBUTES
                .iter()
                .find(|(f, _)| f == facet)
                .map_or(*facet, |(_, a)| *a);
            let counts = distribution
                .get(attribute)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), *v as u64)).collect())
                .unwrap_or_default();
            facets.insert(facet.to_string(), counts);
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
            engine_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    async fn rebuild(&self, docs: Vec<SearchDoc>, _position: i32) -> Result<(), SearchError> {
        self.ready().await?;
        // A name of its own: two rebuilds (or one left by a stopped process) never share
        // their spare index.
        let mut suffix = [0u8; 6];
        getrandom::fill(&mut suffix).map_err(|e| SearchError::Failed(e.to_string()))?;
        let aside = format!("{}_rebuild_{}", self.index, hex::encode(suffix));
        self.configure_index(&aside).await?;
        let synonyms = self.synonyms.lock().ok().and_then(|s| s.clone());
        if let Some(map) = synonyms {
            let task = self
                .client
                .index(&aside)
                .set_synonyms(&map)
                .await
                .map_err(classify)?;
            self.wait(task).await?;
        }
        let docs: Vec<MeiliDoc> = docs.into_iter().map(MeiliDoc::from).collect();
        for chunk in docs.chunks(5_000) {
            let task = self
                .client
                .index(&aside)
                .add_or_replace(chunk, Some("id"))
                .await
                .map_err(classify)?;
            self.wait(task).await?;
        }
        let swap = meilisearch_sdk::client::SwapIndexes {
            indexes: (self.index.clone(), aside.clone()),
            rename: None,
        };
        let task = self.client.swap_indexes([&swap]).await.map_err(classify)?;
        self.wait(task).await?;
        // After the swap the aside name holds the old documents.
        let task = self.client.delete_index(&aside).await.map_err(classify)?;
        self.wait(task).await
    }

    async fn set_synonyms(&self, groups: Vec<Vec<String>>) -> Result<(), SearchError> {
        self.ready().await?;
        // Every word of a group maps to the others, as Meilisearch expects.
        let mut map: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for g in super::fold_groups(&groups) {
            for w in &g {
                map.entry(w.clone())
                    .or_default()
                    .extend(g.iter().filter(|o| *o != w).cloned());
            }
        }
        if let Ok(mut kept) = self.synonyms.lock() {
            *kept = Some(map.clone());
        }
        let task = self
            .client
            .index(&self.index)
            .set_synonyms(&map)
            .await
            .map_err(classify)?;
        self.wait(task).await
    }

    /// The index and the shape of its documents: documents of an older shape are a
    /// consumer the log has not fed, which is built afresh.
    fn consumer(&self) -> String {
        format!("meilisearch:{}:v{}", self.index, super::DOC_SHAPE)
    }

    fn name(&self) -> &'static str {
        "meilisearch"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meilisearch_sdk::errors::{
        Error, ErrorCode, ErrorType, MeilisearchCommunicationError, MeilisearchError,
    };

    fn answered(code: ErrorCode, kind: ErrorType) -> Error {
        Error::Meilisearch(MeilisearchError {
            error_message: "as Meilisearch says it".into(),
            error_code: code,
            error_type: kind,
            error_link: String::new(),
        })
    }

    #[test]
    fn errors_are_told_apart_by_what_an_operator_does_about_them() {
        assert!(matches!(
            classify(answered(ErrorCode::InvalidApiKey, ErrorType::Auth)),
            SearchError::Misconfigured(_)
        ));
        assert!(matches!(
            classify(answered(
                ErrorCode::MissingAuthorizationHeader,
                ErrorType::Auth
            )),
            SearchError::Misconfigured(_)
        ));
        assert!(matches!(
            classify(answered(
                ErrorCode::IndexNotFound,
                ErrorType::InvalidRequest
            )),
            SearchError::Missing(_)
        ));
        assert!(matches!(
            classify(answered(
                ErrorCode::InvalidSearchFilter,
                ErrorType::InvalidRequest
            )),
            SearchError::Failed(_)
        ));
        assert!(matches!(
            classify(answered(ErrorCode::Unknown, ErrorType::Internal)),
            SearchError::Unavailable(_)
        ));
        let status = |status_code| {
            Error::MeilisearchCommunication(MeilisearchCommunicationError {
                status_code,
                message: None,
                url: "http://search:7700/indexes".into(),
            })
        };
        assert!(matches!(
            classify(status(403)),
            SearchError::Misconfigured(_)
        ));
        assert!(matches!(classify(status(404)), SearchError::Missing(_)));
        assert!(matches!(classify(status(502)), SearchError::Unavailable(_)));
        assert!(matches!(
            classify(Error::Timeout),
            SearchError::Unavailable(_)
        ));
    }
}
