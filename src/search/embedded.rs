//! The embedded engine: a tantivy index in the data directory (or in memory for tests).
//!
//! Text fields hold folded words (no diacritics); `*_exact` fields hold the words as written,
//! so an exact match ranks above a folded one, and both above a typo. A query typed with
//! accents ranks first the documents holding every accented word as typed (`accented`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT, Value,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};

use super::counting::{Tables, field_name};
use super::{
    FACETS, Hit, SearchDoc, SearchEngine, SearchError, SearchQuery, SearchResults, Sort, Strategy,
    Word,
};
use crate::domain::text;

struct Fields {
    id: Field,
    doc: Field,
    name: Field,
    name_exact: Field,
    brand: Field,
    brand_exact: Field,
    other: Field,
    /// The words written with diacritics, coded ([`SearchDoc::accented_words`]).
    accented: Field,
    /// One field per facet (`f_<facet>`): its values as single terms (to filter) and as a
    /// column (to count).
    facets: Vec<(&'static str, Field)>,
    published_at: Field,
    price_asc: Field,
    price_desc: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        doc: b.add_text_field("doc", STORED),
        name: b.add_text_field("name", TEXT),
        name_exact: b.add_text_field("name_exact", TEXT),
        brand: b.add_text_field("brand", TEXT),
        brand_exact: b.add_text_field("brand_exact", TEXT),
        other: b.add_text_field("other", TEXT),
        accented: b.add_text_field("accented", STRING),
        facets: FACETS
            .iter()
            .map(|f| (*f, b.add_text_field(&field_name(f), STRING | FAST)))
            .collect(),
        published_at: b.add_i64_field("published_at", FAST),
        price_asc: b.add_i64_field("price_asc", FAST),
        price_desc: b.add_i64_field("price_desc", FAST),
    };
    (b.build(), fields)
}

struct Inner {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// The facet values of the segments the reader holds, to count them.
    tables: Tables,
}

/// A tantivy index; cheap to clone, safe to share. A rebuild builds a new index beside the
/// current one and swaps it in.
#[derive(Clone)]
pub struct EmbeddedEngine {
    current: Arc<std::sync::RwLock<Arc<Inner>>>,
    /// The directory holding index versions and the `CURRENT` pointer; `None` in memory.
    base: Option<std::path::PathBuf>,
    /// This index's name as a consumer of the change log: kept in the directory, so the
    /// index keeps its place across restarts; new for an index in memory.
    instance: String,
}

const POINTER: &str = "CURRENT";
const INSTANCE: &str = "INSTANCE";

/// A random name for an index.
fn random_name() -> Result<String, SearchError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(failed)?;
    Ok(hex::encode(bytes))
}

/// What an index commits with its documents: how far in the change log they go.
#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    position: i32,
}
/// The directory name of this shape of documents (see [`super::DOC_SHAPE`]).
const VERSION: &str = "products-v6";

fn failed(e: impl std::fmt::Display) -> SearchError {
    SearchError::Failed(e.to_string())
}

impl EmbeddedEngine {
    /// Opens (or creates) the index under `base`, in the version named by `base/CURRENT`.
    /// The index is a projection of the database: if it cannot be opened with this version's
    /// schema, it is recreated empty and the caller reindexes.
    pub fn open(base: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(base).map_err(failed)?;
        let name = std::fs::read_to_string(base.join(POINTER))
            .ok()
            .map(|s| s.trim().to_string())
            // An index written by an older version of the documents is left behind; the
            // server sees an empty index and refills it from the database.
            .filter(|name| name.starts_with(VERSION))
            .unwrap_or_else(|| VERSION.to_string());
        let inner = Self::open_dir(&base.join(name))?;
        let instance = match std::fs::read_to_string(base.join(INSTANCE)) {
            Ok(id) if !id.trim().is_empty() => id.trim().to_string(),
            _ => {
                let id = random_name()?;
                let tmp = base.join("INSTANCE.tmp");
                std::fs::write(&tmp, &id).map_err(failed)?;
                std::fs::rename(&tmp, base.join(INSTANCE)).map_err(failed)?;
                id
            }
        };
        Ok(EmbeddedEngine {
            current: Arc::new(std::sync::RwLock::new(Arc::new(inner))),
            base: Some(base.to_path_buf()),
            instance,
        })
    }

    fn open_dir(dir: &Path) -> Result<Inner, SearchError> {
        std::fs::create_dir_all(dir).map_err(failed)?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(failed)?;
        let index = if let Ok(index) = Index::open_or_create(directory, schema.clone()) {
            index
        } else {
            std::fs::remove_dir_all(dir).map_err(failed)?;
            std::fs::create_dir_all(dir).map_err(failed)?;
            Index::create_in_dir(dir, schema).map_err(failed)?
        };
        Self::with_index(&index, fields)
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> Result<Self, SearchError> {
        Ok(EmbeddedEngine {
            current: Arc::new(std::sync::RwLock::new(Arc::new(Self::ram()?))),
            base: None,
            instance: random_name()?,
        })
    }

    fn ram() -> Result<Inner, SearchError> {
        let (schema, fields) = schema();
        Self::with_index(&Index::create_in_ram(schema), fields)
    }

    fn with_index(index: &Index, fields: Fields) -> Result<Inner, SearchError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(failed)?;
        let writer = index.writer(50_000_000).map_err(failed)?;
        let tables = Tables::new(FACETS);
        tables.follow(&reader.searcher()).map_err(failed)?;
        Ok(Inner {
            index: index.clone(),
            reader,
            writer: Mutex::new(writer),
            fields,
            tables,
        })
    }

    fn inner(&self) -> Result<Arc<Inner>, SearchError> {
        self.current.read().map(|g| g.clone()).map_err(failed)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> Result<T, SearchError> + Send + 'static,
    ) -> Result<T, SearchError> {
        let inner = self.inner()?;
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(failed)?
    }
}

fn folded_words(parts: &[&str]) -> String {
    folded(&parts.join(" "))
}

/// Text as the index holds it: folded, numbers apart from their units.
fn folded(s: &str) -> String {
    text::fold(&text::units_apart(s))
}

/// Text as written, numbers apart from their units.
fn exact(s: &str) -> String {
    text::units_apart(&text::clean(s))
}

impl Inner {
    fn document(&self, d: &SearchDoc) -> Result<TantivyDocument, SearchError> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, u64::try_from(d.id).map_err(failed)?);
        doc.add_text(f.doc, serde_json::to_string(d).map_err(failed)?);
        doc.add_text(f.name, folded(&d.name));
        doc.add_text(f.name_exact, exact(&d.name));
        if let Some(brand) = &d.brand {
            doc.add_text(f.brand, folded(brand));
            doc.add_text(f.brand_exact, exact(brand));
        }
        let mut names = d.category_names.join(" ");
        for c in &d.categories {
            names.push(' ');
            names.push_str(&super::category_token(c));
        }
        let certifications = d.certifications.join(" ");
        let former = d.former_places.join(" ");
        doc.add_text(
            f.other,
            folded_words(&[
                &d.description,
                &d.enterprise_name,
                &d.enterprise_description,
                &d.commune,
                &d.province,
                &names,
                &certifications,
                &former,
            ]),
        );
        for word in d.accented_words() {
            doc.add_text(f.accented, word);
        }
        for (facet, field) in &f.facets {
            for value in d.facet_values(facet) {
                doc.add_text(*field, value);
            }
        }
        doc.add_i64(f.published_at, d.published_at);
        doc.add_i64(
            f.price_asc,
            d.price_min_vnd.or(d.price_max_vnd).unwrap_or(i64::MAX),
        );
        doc.add_i64(
            f.price_desc,
            d.price_max_vnd.or(d.price_min_vnd).unwrap_or(i64::MIN),
        );
        Ok(doc)
    }

    fn word_query(&self, w: &Word) -> Box<dyn Query> {
        let f = &self.fields;
        let term = |field: Field, text: &str| Term::from_field_text(field, text);
        let exact = |field: Field, text: &str, boost: f32| -> (Occur, Box<dyn Query>) {
            (
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        term(field, text),
                        IndexRecordOption::WithFreqs,
                    )),
                    boost,
                )),
            )
        };
        // Several words (a synonym such as `bún tàu`): each of them, in any field.
        let together = |words: &str, boost: f32| -> (Occur, Box<dyn Query>) {
            let each: Vec<(Occur, Box<dyn Query>)> = words
                .split(' ')
                .map(|t| {
                    let any: Vec<(Occur, Box<dyn Query>)> = vec![
                        exact(f.name, t, boost),
                        exact(f.brand, t, boost * 0.75),
                        exact(f.other, t, boost * 0.25),
                    ];
                    (
                        Occur::Must,
                        Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
                    )
                })
                .collect();
            (Occur::Should, Box::new(BooleanQuery::new(each)))
        };
        if w.folded.contains(' ') {
            let mut clauses = vec![together(&w.folded, 4.0)];
            for other in &w.synonyms {
                clauses.push(together(other, 3.5));
            }
            return Box::new(BooleanQuery::new(clauses));
        }
        let mut clauses = vec![
            exact(f.name_exact, &w.exact, 6.0),
            exact(f.brand_exact, &w.exact, 4.5),
            exact(f.name, &w.folded, 4.0),
            exact(f.brand, &w.folded, 3.0),
            exact(f.other, &w.folded, 1.0),
        ];
        // Synonyms of the word count like the word itself, a little lower.
        for other in &w.synonyms {
            if other.contains(' ') {
                clauses.push(together(other, 3.5));
            } else {
                clauses.push(exact(f.name, other, 3.5));
                clauses.push(exact(f.brand, other, 2.5));
                clauses.push(exact(f.other, other, 0.8));
            }
        }
        let typos = w.typos();
        // A word being typed: its completions, above its typos (three halves of the field's
        // boost more), read together when it may have typos.
        for (field, boost) in [(f.name, 2.0), (f.brand, 1.5), (f.other, 0.5)] {
            let query: Box<dyn Query> = match (typos > 0, w.prefix) {
                (true, true) => Box::new(
                    super::fuzzy::Fuzzy::new(field, &w.folded, typos, true).written_first(1.5),
                ),
                (true, false) => Box::new(super::fuzzy::Fuzzy::new(field, &w.folded, typos, false)),
                (false, true) => Box::new(BoostQuery::new(
                    Box::new(FuzzyTermQuery::new_prefix(term(field, &w.folded), 0, true)),
                    1.5,
                )),
                (false, false) => continue,
            };
            clauses.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The first word required; each further word adds a score larger than any a word's
    /// relevance gives, the earlier the larger, so documents with more of the leading words
    /// come first (Meilisearch's `last` strategy).
    fn last_words(&self, words: &[Word]) -> Option<(Occur, Box<dyn Query>)> {
        let (first, rest) = words.split_first()?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, self.word_query(first))];
        for (i, w) in rest.iter().enumerate() {
            let bucket = 10_000.0 * f32::powi(2.0, i32::try_from(rest.len() - i).unwrap_or(0));
            clauses.push((
                Occur::Should,
                Box::new(super::bonus::Bonus::new(self.word_query(w), bucket)),
            ));
        }
        Some((Occur::Must, Box::new(BooleanQuery::new(clauses))))
    }

    fn query(&self, q: &SearchQuery) -> Box<dyn Query> {
        let mut must: Vec<(Occur, Box<dyn Query>)> = match q.strategy {
            Strategy::All => q
                .words
                .iter()
                .map(|w| (Occur::Must, self.word_query(w)))
                .collect(),
            Strategy::Last => self.last_words(&q.words).into_iter().collect(),
        };
        for (facet, values) in &q.filters {
            if values.is_empty() {
                continue;
            }
            let Some((_, field)) = self.fields.facets.iter().find(|(f, _)| f == facet) else {
                // A facet the index does not have: nothing has its value.
                must.push((Occur::Must, Box::new(tantivy::query::EmptyQuery)));
                continue;
            };
            let any: Vec<(Occur, Box<dyn Query>)> = values
                .iter()
                .map(|v| {
                    let t = Term::from_field_text(*field, v);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        let accented = q.accented_words();
        if !accented.is_empty() {
            // Documents with every accented word as typed come first: a score above the
            // sum of the `last` strategy's steps, as Meilisearch asks for them first.
            let every: Vec<(Occur, Box<dyn Query>)> = accented
                .iter()
                .map(|w| {
                    let t = Term::from_field_text(self.fields.accented, w);
                    (
                        Occur::Must,
                        Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect();
            let above = 10_000.0 * f32::powi(2.0, i32::try_from(q.words.len() + 1).unwrap_or(0));
            must.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(
                    Box::new(BooleanQuery::new(every)),
                    above,
                )),
            ));
        }
        if must.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(must))
        }
    }

    fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let query = self.query(q);
        let facet_collector = self.tables.counter(&q.facets);
        // One pass over the matching documents: the count, the facets and the page.
        let top = || TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
        let by = |field: &'static str, order: Order| top().order_by_fast_field::<i64>(field, order);
        let (total, facet_counts, addresses): (usize, _, Vec<DocAddress>) = match q.sort {
            // No page asked for (a word's count, facets alone): nothing is scored.
            _ if q.limit == 0 => {
                let (n, f) = searcher
                    .search(&query, &(Count, facet_collector))
                    .map_err(failed)?;
                (n, f, Vec::new())
            }
            Sort::Relevance => {
                let (n, f, page) = searcher
                    .search(&query, &(Count, facet_collector, top().order_by_score()))
                    .map_err(failed)?;
                (n, f, page.into_iter().map(|(_, a)| a).collect())
            }
            Sort::Newest => {
                let (n, f, page) = searcher
                    .search(
                        &query,
                        &(Count, facet_collector, by("published_at", Order::Desc)),
                    )
                    .map_err(failed)?;
                (n, f, page.into_iter().map(|(_, a)| a).collect())
            }
            Sort::PriceAsc => {
                let (n, f, page) = searcher
                    .search(
                        &query,
                        &(Count, facet_collector, by("price_asc", Order::Asc)),
                    )
                    .map_err(failed)?;
                (n, f, page.into_iter().map(|(_, a)| a).collect())
            }
            Sort::PriceDesc => {
                let (n, f, page) = searcher
                    .search(
                        &query,
                        &(Count, facet_collector, by("price_desc", Order::Desc)),
                    )
                    .map_err(failed)?;
                (n, f, page.into_iter().map(|(_, a)| a).collect())
            }
        };
        let mut hits = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(failed)?;
            let json = doc
                .get_first(self.fields.doc)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            hits.push(serde_json::from_str::<Hit>(json).map_err(failed)?);
        }
        let mut facets = facet_counts;
        for facet in &q.facets {
            facets.entry(facet.to_string()).or_default();
        }
        Ok(SearchResults {
            hits,
            total: total as u64,
            facets,
            engine_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Commits a write made outside the change log; the index keeps its position.
    fn commit(&self, writer: &mut IndexWriter) -> Result<(), SearchError> {
        if let Some(position) = self.position()? {
            self.commit_at(writer, position)
        } else {
            writer.commit().map_err(failed)?;
            self.reload()
        }
    }

    /// Commits what the writer holds together with the log position it reaches.
    fn commit_at(&self, writer: &mut IndexWriter, position: i32) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&Payload { position }).map_err(failed)?;
        let mut prepared = writer.prepare_commit().map_err(failed)?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(failed)?;
        self.reload()
    }

    /// Takes up what was committed, with the facet tables of its new segments.
    fn reload(&self) -> Result<(), SearchError> {
        self.reader.reload().map_err(failed)?;
        self.tables.follow(&self.reader.searcher()).map_err(failed)
    }

    fn position(&self) -> Result<Option<i32>, SearchError> {
        let metas = self.index.load_metas().map_err(failed)?;
        Ok(metas
            .payload
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
            .map(|p| p.position))
    }
}

#[async_trait::async_trait]
impl SearchEngine for EmbeddedEngine {
    async fn upsert(&self, docs: Vec<SearchDoc>) -> Result<(), SearchError> {
        self.blocking(move |inner| {
            let mut writer = inner.writer.lock().map_err(failed)?;
            for d in &docs {
                let id = u64::try_from(d.id).map_err(failed)?;
                writer.delete_term(Term::from_field_u64(inner.fields.id, id));
                writer.add_document(inner.document(d)?).map_err(failed)?;
            }
            inner.commit(&mut writer)
        })
        .await
    }

    async fn delete(&self, ids: Vec<i32>) -> Result<(), SearchError> {
        self.blocking(move |inner| {
            let mut writer = inner.writer.lock().map_err(failed)?;
            for id in ids {
                let id = u64::try_from(id).map_err(failed)?;
                writer.delete_term(Term::from_field_u64(inner.fields.id, id));
            }
            inner.commit(&mut writer)
        })
        .await
    }

    async fn clear(&self) -> Result<(), SearchError> {
        self.blocking(|inner| {
            let mut writer = inner.writer.lock().map_err(failed)?;
            writer.delete_all_documents().map_err(failed)?;
            inner.commit(&mut writer)
        })
        .await
    }

    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        // A search is a few milliseconds of work whose answer the asking task reads at
        // once (highlighted and written out). On a runtime with several workers it runs on
        // the asking thread, this worker's other tasks handed to another, so its answer is
        // still in this core's caches; elsewhere it waits for a thread of the blocking pool.
        if tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread
        {
            let inner = self.inner()?;
            return tokio::task::block_in_place(|| inner.search(query));
        }
        let query = query.clone();
        self.blocking(move |inner| inner.search(&query)).await
    }

    async fn apply(
        &self,
        docs: Vec<SearchDoc>,
        gone: Vec<i32>,
        position: i32,
    ) -> Result<(), SearchError> {
        self.blocking(move |inner| {
            let mut writer = inner.writer.lock().map_err(failed)?;
            for id in gone {
                let id = u64::try_from(id).map_err(failed)?;
                writer.delete_term(Term::from_field_u64(inner.fields.id, id));
            }
            for d in &docs {
                let id = u64::try_from(d.id).map_err(failed)?;
                writer.delete_term(Term::from_field_u64(inner.fields.id, id));
                writer.add_document(inner.document(d)?).map_err(failed)?;
            }
            inner.commit_at(&mut writer, position)
        })
        .await
    }

    async fn position(&self) -> Result<Option<i32>, SearchError> {
        self.blocking(Inner::position).await
    }

    fn keeps_position(&self) -> bool {
        true
    }

    fn consumer(&self) -> String {
        format!("embedded:{}", self.instance)
    }

    async fn rebuild(&self, docs: Vec<SearchDoc>, position: i32) -> Result<(), SearchError> {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || {
            let (fresh, dir) = match &engine.base {
                None => (EmbeddedEngine::ram()?, None),
                Some(base) => {
                    let name = format!(
                        "{VERSION}-{}",
                        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
                    );
                    (
                        EmbeddedEngine::open_dir(&base.join(&name))?,
                        Some((base.clone(), name)),
                    )
                }
            };
            {
                let mut writer = fresh.writer.lock().map_err(failed)?;
                // Built as one segment: a query reads each segment's dictionary apart (every
                // prefix and typo automaton runs once per segment), so a catalogue left in
                // the many segments bulk indexing writes is slower to search. Nothing merges
                // meanwhile, then everything is merged once, before the index is swapped in.
                writer.set_merge_policy(Box::new(NoMergePolicy));
                for d in &docs {
                    writer.add_document(fresh.document(d)?).map_err(failed)?;
                }
                fresh.commit_at(&mut writer, position)?;
                let segments = fresh.index.searchable_segment_ids().map_err(failed)?;
                if segments.len() > 1 {
                    writer.merge(&segments).wait().map_err(failed)?;
                    fresh.reload()?;
                }
                writer.set_merge_policy(Box::new(LogMergePolicy::default()));
            }
            let old_name = engine
                .base
                .as_ref()
                .and_then(|b| std::fs::read_to_string(b.join(POINTER)).ok());
            if let Some((base, name)) = &dir {
                // Write the pointer atomically, then swap what requests see.
                let tmp = base.join("CURRENT.tmp");
                std::fs::write(&tmp, name).map_err(failed)?;
                std::fs::rename(&tmp, base.join(POINTER)).map_err(failed)?;
            }
            *engine.current.write().map_err(failed)? = Arc::new(fresh);
            if let (Some(base), Some(old)) = (&engine.base, old_name.or(Some(VERSION.into()))) {
                let old_dir = base.join(old.trim());
                if dir.as_ref().is_some_and(|(_, new)| new != old.trim()) {
                    let _ = std::fs::remove_dir_all(old_dir);
                }
            }
            Ok(())
        })
        .await
        .map_err(failed)?
    }

    /// Synonyms reach this engine with each query (see [`Word::synonyms`]).
    async fn set_synonyms(&self, _groups: Vec<Vec<String>>) -> Result<(), SearchError> {
        Ok(())
    }

    fn name(&self) -> &'static str {
        "embedded"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{SearchQuery, words};

    fn doc(id: i32, name: &str) -> SearchDoc {
        SearchDoc {
            id,
            slug: format!("p-{id}"),
            name: name.into(),
            brand: None,
            description: String::new(),
            category: "che".into(),
            categories: vec!["che".into()],
            category_names: Vec::new(),
            enterprise_id: 1,
            enterprise_name: String::new(),
            enterprise_description: String::new(),
            commune_code: 1,
            commune: String::new(),
            province_code: 1,
            province: String::new(),
            trademark_status: "unregistered".into(),
            packaging_status: "none".into(),
            ocop_stars: None,
            certifications: Vec::new(),
            unit: "kg".into(),
            price_min_vnd: None,
            price_max_vnd: None,
            published_at: 0,
            cover: None,
            verified_documents: Vec::new(),
            former_places: Vec::new(),
            former_provinces: Vec::new(),
        }
    }

    #[test]
    fn the_directory_follows_the_document_shape() {
        assert_eq!(VERSION, format!("products-v{}", crate::search::DOC_SHAPE));
    }

    #[tokio::test]
    async fn a_rebuilt_index_is_searched_as_one_segment_at_its_position() {
        let dir = tempfile::tempdir().unwrap();
        let engine = EmbeddedEngine::open(dir.path()).unwrap();
        let docs: Vec<SearchDoc> = (1..=3_000)
            .map(|i| doc(i, &format!("Chè xanh số {i}")))
            .collect();
        engine.rebuild(docs, 9).await.unwrap();
        let inner = engine.current.read().unwrap().clone();
        assert_eq!(inner.index.searchable_segment_ids().unwrap().len(), 1);
        assert_eq!(engine.position().await.unwrap(), Some(9));
        let query = SearchQuery {
            words: words("che "),
            limit: 1,
            ..Default::default()
        };
        assert_eq!(engine.search(&query).await.unwrap().total, 3_000);
    }

    /// Every facet's values among `docs` matching `keep`, counted one document at a time.
    fn counted(
        docs: &[SearchDoc],
        keep: impl Fn(&SearchDoc) -> bool,
    ) -> super::super::counting::Counted {
        let mut out = super::super::counting::Counted::new();
        for facet in crate::search::DEFAULT_FACETS {
            let values = out.entry((*facet).to_string()).or_default();
            for d in docs.iter().filter(|d| keep(d)) {
                for v in d.facet_values(facet) {
                    *values.entry(v).or_default() += 1;
                }
            }
        }
        out
    }

    #[tokio::test]
    async fn facet_counts_follow_every_segment_edit_and_deletion() {
        let engine = EmbeddedEngine::in_memory().unwrap();
        let product = |id: i32| {
            let mut d = doc(
                id,
                if id % 2 == 0 {
                    "Chè xanh"
                } else {
                    "Miến dong"
                },
            );
            d.province_code = id % 3;
            d.commune_code = 100 + id % 7;
            d.categories = if id % 2 == 0 {
                vec!["che".into(), "che-bien-nong-lam-san".into()]
            } else {
                vec!["mien-dong".into(), "che-bien-nong-lam-san".into()]
            };
            d.certifications = match id % 4 {
                0 => Vec::new(),
                1 => vec!["organic".into()],
                _ => vec!["organic".into(), "haccp".into()],
            };
            d.ocop_stars = (id % 5 > 2).then(|| u8::try_from(id % 5).unwrap());
            d.former_provinces = if id % 3 == 0 { vec![6] } else { Vec::new() };
            d
        };
        // Four commits, four segments, each with its own table.
        let mut docs: Vec<SearchDoc> = Vec::new();
        for batch in 0..4 {
            let part: Vec<SearchDoc> = (1..=50).map(|i| product(batch * 50 + i)).collect();
            engine.upsert(part.clone()).await.unwrap();
            docs.extend(part);
        }
        // An edit moves a product to another province and certifies it; one is withdrawn.
        let mut edited = docs.iter().find(|d| d.id == 12).unwrap().clone();
        edited.province_code = 2;
        edited.certifications = vec!["vietgap".into()];
        engine.upsert(vec![edited.clone()]).await.unwrap();
        engine.delete(vec![7]).await.unwrap();
        docs.retain(|d| d.id != 12 && d.id != 7);
        docs.push(edited);
        let inner = engine.inner().unwrap();
        assert!(inner.index.searchable_segment_ids().unwrap().len() > 1);

        let ask = |text: &str, filters: &[(&str, &str)]| SearchQuery {
            words: words(text),
            filters: filters
                .iter()
                .map(|(f, v)| ((*f).to_string(), vec![(*v).to_string()]))
                .collect(),
            facets: crate::search::DEFAULT_FACETS.to_vec(),
            limit: 1,
            ..Default::default()
        };
        let all = engine.search(&ask("", &[])).await.unwrap();
        assert_eq!(all.total, 199);
        assert_eq!(all.facets, counted(&docs, |_| true));
        let tea = engine.search(&ask("che xanh", &[])).await.unwrap();
        assert_eq!(tea.facets, counted(&docs, |d| d.id % 2 == 0));
        let organic = engine
            .search(&ask("mien ", &[("certification", "organic")]))
            .await
            .unwrap();
        let expected = counted(&docs, |d| {
            d.id % 2 == 1 && d.certifications.contains(&"organic".to_string())
        });
        assert_eq!(organic.facets, expected);
        assert_eq!(
            organic.facets["province"].values().sum::<u64>(),
            organic.total
        );
        // Only what was asked is counted.
        let none = engine
            .search(&SearchQuery {
                facets: vec!["province"],
                ..ask("che ", &[])
            })
            .await
            .unwrap();
        assert_eq!(none.facets.keys().collect::<Vec<_>>(), ["province"]);
    }

    #[tokio::test]
    async fn a_hit_carries_what_the_answer_shows_of_its_document() {
        let dir = tempfile::tempdir().unwrap();
        let engine = EmbeddedEngine::open(dir.path()).unwrap();
        let mut d = doc(1, "Chè xanh");
        d.brand = Some("Tân Cương".into());
        d.description = "Chè búp sao tay.".into();
        d.enterprise_description = "Hợp tác xã chè".into();
        d.verified_documents = vec!["trademark_certificate".into()];
        d.former_places = vec!["Huyện Phú Lương".into()];
        engine.upsert(vec![d.clone()]).await.unwrap();
        let query = SearchQuery {
            words: words("che "),
            limit: 10,
            ..Default::default()
        };
        let hits = engine.search(&query).await.unwrap().hits;
        assert_eq!(hits, [Hit::from(d)]);
    }

    /// On a runtime with several workers a search runs on the asking thread: searches
    /// asked at once all answer, and the worker's other tasks go on meanwhile.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn searches_on_a_runtime_of_several_workers_answer_and_keep_it_running() {
        let dir = tempfile::tempdir().unwrap();
        let engine = EmbeddedEngine::open(dir.path()).unwrap();
        let docs: Vec<SearchDoc> = (1..=2_000)
            .map(|i| doc(i, &format!("Chè xanh số {i}")))
            .collect();
        engine.rebuild(docs, 1).await.unwrap();
        let ticks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let ticking = tokio::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            }
        });
        let asks = (0..16).map(|i| {
            let engine = engine.clone();
            tokio::spawn(async move {
                let query = SearchQuery {
                    words: words(if i % 2 == 0 { "che xanh " } else { "so 7 " }),
                    limit: 5,
                    ..Default::default()
                };
                engine.search(&query).await.map(|r| r.total)
            })
        });
        let totals: Vec<u64> = futures_util::future::join_all(asks)
            .await
            .into_iter()
            .map(|t| t.unwrap().unwrap())
            .collect();
        for (i, total) in totals.iter().enumerate() {
            let expected = if i % 2 == 0 { 2_000 } else { 1 };
            assert_eq!(*total, expected, "search {i}");
        }
        // Searches that never yield, one per worker: the workers' other tasks still go on,
        // as each search hands its worker on while it runs.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let hogs: Vec<_> = (0..2)
            .map(|_| {
                let (engine, stop) = (engine.clone(), stop.clone());
                tokio::spawn(async move {
                    let query = SearchQuery {
                        words: words("che "),
                        limit: 1,
                        ..Default::default()
                    };
                    let mut searched = 0u64;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        engine.search(&query).await.unwrap();
                        searched += 1;
                    }
                    searched
                })
            })
            .collect();
        let before = ticks.load(std::sync::atomic::Ordering::Relaxed);
        // Waited for on this thread, not the runtime's timers: workers that were held would
        // hold those too.
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        while ticks.load(std::sync::atomic::Ordering::Relaxed) < before + 100
            && Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let went_on = ticks.load(std::sync::atomic::Ordering::Relaxed) >= before + 100;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for hog in hogs {
            hog.await.unwrap();
        }
        assert!(went_on, "the other task went on");
        ticking.abort();
    }

    #[tokio::test]
    async fn a_rebuilt_index_is_the_one_opened_next_time() {
        let dir = tempfile::tempdir().unwrap();
        let engine = EmbeddedEngine::open(dir.path()).unwrap();
        engine.upsert(vec![doc(1, "Chè xanh")]).await.unwrap();
        engine
            .rebuild(vec![doc(2, "Chè Shan tuyết")], 7)
            .await
            .unwrap();
        let consumer = engine.consumer();
        drop(engine);
        let reopened = EmbeddedEngine::open(dir.path()).unwrap();
        // It is the same consumer of the change log, at the position it was built at.
        assert_eq!(reopened.consumer(), consumer);
        assert_eq!(reopened.position().await.unwrap(), Some(7));
        let query = SearchQuery {
            words: words("che "),
            limit: 10,
            ..Default::default()
        };
        let hits: Vec<i32> = reopened
            .search(&query)
            .await
            .unwrap()
            .hits
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(hits, [2]);
        // Only the current version is kept on disk.
        let versions = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().is_dir())
            .count();
        assert_eq!(versions, 1);
    }
}
