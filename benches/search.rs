//! Search with 100,000 products, measured side by side.
//!
//! `cargo bench --bench search` generates 100,000 realistic products (Vietnamese names from
//! the centre's categories, places with their former districts and provinces, statuses),
//! indexes them and runs a fixed mix of 1,000 queries — plain, without diacritics, with a
//! typo the engines forgive, as a prefix, with filters and sorts — through
//! `GET /api/v1/search`. Every engine call the API makes is recorded, so each figure below is
//! of exactly the queries the API sent (the same words, strategy, filters and counted facets):
//!
//! - **bare tantivy**: a plain tantivy index of the same documents, folded the same way, each
//!   word matched exactly, with typos (the first letter's counting as two, as ketnoi's and
//!   Meilisearch's do) and as a prefix over the same three fields, the same
//!   filters, the same eight facets counted (from tantivy's own columns) and the page's
//!   documents read — the reference the embedded engine is held to;
//! - **embedded engine**: ketnoi's engine asked the API's main query directly;
//! - **embedded, engine calls in the API** and **embedded GET /api/v1/search**: the engine's
//!   time within each request (all its calls) and the whole request (query reading,
//!   highlighting, facet labels, JSON);
//! - **GET /api/v1/search, engine answers replayed**: the same requests once more, each
//!   engine call answered from a copy of what the engine answered before: the API's own
//!   work alone, without the engine's variance in it;
//! - with `KETNOI_BENCH_MEILI_URL` (and `KETNOI_BENCH_MEILI_KEY`): the same for Meilisearch,
//!   plus **Meilisearch direct**, the body ketnoi sends posted straight to the server.
//!
//! Each query's hit count is checked against the other engines, and queries that find
//! nothing are counted by kind. `BENCH_PRODUCTS` changes the size.
//!
//! First it times highlighting, which runs on every hit whatever engine found it: an ordinary
//! description against an ordinary query, beside text and a query built to be slow (words
//! thousands of letters long, the longest query allowed), so that their ratio shows the
//! work stays bounded.

mod common;
use common::{pct, rss_mib};

use std::time::{Duration, Instant};

use ketnoi::search::embedded::EmbeddedEngine;
use ketnoi::search::meili::MeiliEngine;
use std::sync::Arc;

use ketnoi::search::{SearchDoc, SearchEngine, SearchError, SearchQuery, SearchResults, words};
use tower::ServiceExt;

const PRODUCTS: &[(&str, &str, &str)] = &[
    ("Miến dong", "mien-dong", "che-bien-nong-lam-san"),
    (
        "Gạo nếp cái hoa vàng",
        "gao-dac-san",
        "che-bien-nong-lam-san",
    ),
    ("Gạo Bao Thai", "gao-dac-san", "che-bien-nong-lam-san"),
    ("Chè Shan tuyết", "che", "che-bien-nong-lam-san"),
    (
        "Hồng không hạt sấy dẻo",
        "trai-cay-che-bien",
        "che-bien-nong-lam-san",
    ),
    ("Mơ muối", "trai-cay-che-bien", "che-bien-nong-lam-san"),
    ("Mật ong hoa rừng", "mat-ong", "che-bien-nong-lam-san"),
    ("Măng khô", "mang-nam", "che-bien-nong-lam-san"),
    ("Nấm hương rừng", "mang-nam", "che-bien-nong-lam-san"),
    ("Tinh dầu quế", "tinh-dau-gia-vi", "che-bien-nong-lam-san"),
    ("Tinh dầu hồi", "tinh-dau-gia-vi", "che-bien-nong-lam-san"),
    ("Rượu men lá", "ruou-truyen-thong", "che-bien-nong-lam-san"),
    ("Đũa tre", "lam-san", "che-bien-nong-lam-san"),
    ("Ván ghép thanh keo", "lam-san", "che-bien-nong-lam-san"),
    ("Bàn ghế gỗ", "do-go", "che-bien-nong-lam-san"),
    ("Gạch không nung", "gach-khong-nung", "vat-lieu-xay-dung"),
    ("Gạch đặc tuynel", "gach-nung", "vat-lieu-xay-dung"),
    ("Đá dăm", "da-xay-dung", "vat-lieu-xay-dung"),
    ("Cát vàng", "cat-soi", "vat-lieu-xay-dung"),
    ("Ngói màu", "ngoi", "vat-lieu-xay-dung"),
    ("Vôi cục", "voi", "vat-lieu-xay-dung"),
    ("Cống bê tông", "be-tong-duc-san", "vat-lieu-xay-dung"),
    ("Khăn thổ cẩm", "tho-cam", "thu-cong-my-nghe"),
    ("Giỏ mây tre đan", "may-tre-dan", "thu-cong-my-nghe"),
];
/// Commune, its code, today's province and its code, the former district and the former
/// province (with its code) the commune's area belonged to before July 2025.
const PLACES: &[(&str, i32, &str, i32, &str, &str, i32)] = &[
    (
        "Na Rì",
        2155,
        "Thái Nguyên",
        19,
        "Huyện Na Rì",
        "Tỉnh Bắc Kạn",
        6,
    ),
    (
        "Ba Bể",
        1906,
        "Thái Nguyên",
        19,
        "Huyện Ba Bể",
        "Tỉnh Bắc Kạn",
        6,
    ),
    (
        "Chợ Đồn",
        2020,
        "Thái Nguyên",
        19,
        "Huyện Chợ Đồn",
        "Tỉnh Bắc Kạn",
        6,
    ),
    (
        "Bạch Thông",
        2014,
        "Thái Nguyên",
        19,
        "Huyện Bạch Thông",
        "Tỉnh Bắc Kạn",
        6,
    ),
    (
        "Côn Minh",
        2185,
        "Thái Nguyên",
        19,
        "Huyện Na Rì",
        "Tỉnh Bắc Kạn",
        6,
    ),
    (
        "Sơn Dương",
        2536,
        "Tuyên Quang",
        8,
        "Huyện Sơn Dương",
        "Tỉnh Tuyên Quang",
        8,
    ),
    (
        "Nguyên Bình",
        1726,
        "Cao Bằng",
        4,
        "Huyện Nguyên Bình",
        "Tỉnh Cao Bằng",
        4,
    ),
    (
        "Văn Quan",
        6253,
        "Lạng Sơn",
        20,
        "Huyện Văn Quan",
        "Tỉnh Lạng Sơn",
        20,
    ),
];
/// The parent categories' names, as documents carry them with their own category's.
const PARENTS: &[(&str, &str)] = &[
    ("che-bien-nong-lam-san", "Chế biến nông – lâm sản"),
    ("vat-lieu-xay-dung", "Vật liệu xây dựng"),
    ("thu-cong-my-nghe", "Thủ công mỹ nghệ"),
];
const GRADES: &[&str] = &[
    "loại 1",
    "đặc biệt",
    "hộp 500 g",
    "túi 1 kg",
    "truyền thống",
    "xuất khẩu",
    "sạch",
    "hữu cơ",
];
const TRADEMARK: &[&str] = &[
    "unregistered",
    "unregistered",
    "filed",
    "registered",
    "expired",
];
const PACKAGING: &[&str] = &["none", "basic", "basic", "designed"];
const CERTS: &[&str] = &["vietgap", "organic", "haccp", "food_safety", "tcvn"];

fn generate(n: usize) -> Vec<SearchDoc> {
    (0..n)
        .map(|i| {
            let (name, category, parent) = PRODUCTS[i % PRODUCTS.len()];
            let (commune, commune_code, province, province_code, district, former, former_code) =
                PLACES[(i / 7) % PLACES.len()];
            let parent_name = PARENTS
                .iter()
                .find(|(slug, _)| *slug == parent)
                .map_or("", |(_, n)| *n);
            let grade = GRADES[(i / 3) % GRADES.len()];
            let id = i32::try_from(i + 1).expect("fits");
            SearchDoc {
                id,
                slug: format!("sp-{id}"),
                name: format!("{name} {commune} {grade}"),
                brand: (i % 3 == 0).then(|| format!("{commune} Xanh")),
                description: format!("{name} của vùng {commune}, {province}. Sản xuất theo cách truyền thống, đóng gói cẩn thận, giao hàng toàn quốc."),
                category: category.into(),
                categories: vec![category.into(), parent.into()],
                category_names: vec![name.into(), parent_name.into()],
                enterprise_id: id % 1000 + 1,
                enterprise_name: format!("Hợp tác xã {commune} {}", id % 1000),
                enterprise_description: format!("Cơ sở sản xuất của xã {commune}, thành lập năm {}.", 1990 + id % 30),
                commune_code,
                commune: format!("Xã {commune}"),
                province_code,
                province: province.into(),
                trademark_status: TRADEMARK[i % TRADEMARK.len()].into(),
                packaging_status: PACKAGING[i % PACKAGING.len()].into(),
                ocop_stars: match i % 10 {
                    0 => Some(3),
                    1 => Some(4),
                    2 => Some(5),
                    _ => None,
                },
                certifications: vec![CERTS[i % CERTS.len()].into()],
                unit: "kg".into(),
                price_min_vnd: Some(20_000 + (i as i64 % 200) * 1_000),
                price_max_vnd: Some(40_000 + (i as i64 % 200) * 1_000),
                published_at: 1_700_000_000 + i as i64,
                cover: None,
                verified_documents: Vec::new(),
                former_places: vec![format!("Xã {commune}"), district.into(), former.into()],
                former_provinces: vec![former_code],
            }
        })
        .collect()
}

const KINDS: [&str; 5] = ["plain", "folded", "typo", "prefix", "filtered"];

/// The fixed mix: (kind, query string for the API).
fn queries() -> Vec<(usize, String)> {
    let plain = [
        "Miến dong",
        "Chè Shan tuyết",
        "Mật ong",
        "Gạch không nung",
        "Khăn thổ cẩm",
        "Đũa tre",
        "Tinh dầu quế",
        "Nấm hương",
    ];
    let folded = [
        "mien dong na ri",
        "che shan tuyet",
        "mat ong hoa rung",
        "gach khong nung",
        "dua tre bach thong",
        "ruou men la",
        "hong khong hat",
        "voi cuc",
    ];
    // One slip in a word of five letters or more, which both engines forgive.
    let typo = [
        "mien dongg",
        "shan tuyte",
        "nam huogn rung",
        "gach khogn nung",
        "van ghep thahn keo",
        "gach dac tuynl",
        "hong khogn hat",
        "dua tre bach thogn",
    ];
    let prefix = [
        "mien d", "che sh", "mat o", "gach kh", "tho c", "du", "tinh da", "cat va",
    ];
    let filtered = [
        "q=mien&category=che-bien-nong-lam-san&province=19",
        "q=gach&category=vat-lieu-xay-dung&trademark_status=registered",
        "q=&category=mat-ong&ocop_stars=4,5",
        "q=che&certification=organic&sort=price_asc",
        "q=&province=4&packaging_status=designed&sort=newest",
        "q=tho%20cam&province=4,8",
        "q=dua&trademark_status=registered,filed&certification=haccp",
        "q=&category=thu-cong-my-nghe&sort=price_desc",
    ];
    let enc = |q: &str| {
        format!(
            "q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    };
    let mut all = Vec::new();
    for i in 0..1000 {
        let k = i % 8;
        let kind = (i / 8) % 5;
        all.push((
            kind,
            match kind {
                0 => enc(plain[k]),
                1 => enc(folded[k]),
                2 => enc(&format!("{} ", typo[k])),
                3 => enc(prefix[k]),
                _ => filtered[k].to_string(),
            },
        ));
    }
    all
}

/// Median time of `f` over `runs` runs, in microseconds.
fn median_us(runs: usize, mut f: impl FnMut() -> usize) -> f64 {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort_unstable();
    times[runs / 2].as_secs_f64() * 1e6
}

fn highlighting() {
    use ketnoi::search::highlight::{highlight, snippet};
    // As a description is stored: cleaned when it was written.
    let ordinary_text = ketnoi::domain::text::clean(
        &"Miến dong Na Rì được làm từ củ dong riềng trồng trên nương, \
        phơi nắng tự nhiên, không chất tẩy trắng. Sợi miến dai, trong, nấu không nát. "
            .repeat(12),
    );
    let ordinary = words("mien dong na ri ");
    // 200 characters of query: long words, each allowed two typos.
    let long_query = words(&format!("{} ", ["khongnung"; 20].join(" ")));
    let hostile_text = format!(
        "{} {} {}",
        "khongnung".repeat(600),
        "a".repeat(5_000),
        "khongnunk ".repeat(300)
    );
    // The same text as typed, with the spaces cleaning takes out: read the long way.
    let typed_text = format!(" {} ", ordinary_text.replace(". ", ".  "));
    let runs = 200;
    let time = |text: &str, query: &[ketnoi::search::Word]| {
        median_us(runs, || {
            highlight(text, query).len() + snippet(text, query, 240).len()
        })
    };
    let a = time(&ordinary_text, &ordinary);
    let rows = [
        (
            format!(
                "ordinary {}-char description as stored, 4 words",
                ordinary_text.chars().count()
            ),
            a,
        ),
        (
            "the same with spaces to clean".to_string(),
            time(&typed_text, &ordinary),
        ),
        (
            format!(
                "{}-char text of 5,000-letter words, 20-word query",
                hostile_text.chars().count()
            ),
            time(&hostile_text, &long_query),
        ),
    ];
    println!("highlighting and a snippet (median of {runs} runs, µs)");
    for (label, us) in rows {
        println!("{label:<56} {us:>10.1}   ×{:.1}", us / a);
    }
    println!();
}

/// An engine that notes every query it is asked and how long the answer took. With
/// `replay`, a query asked before is answered with a copy of the answer it had then: requests
/// through it time the API's own work.
struct Recording {
    inner: Arc<dyn SearchEngine>,
    calls: std::sync::Mutex<Vec<(SearchQuery, Duration, u64)>>,
    replay: Option<std::sync::Mutex<std::collections::HashMap<String, SearchResults>>>,
}

impl Recording {
    fn take(&self) -> Vec<(SearchQuery, Duration, u64)> {
        std::mem::take(&mut *self.calls.lock().expect("calls"))
    }
}

#[async_trait::async_trait]
impl SearchEngine for Recording {
    async fn upsert(&self, docs: Vec<SearchDoc>) -> Result<(), SearchError> {
        self.inner.upsert(docs).await
    }
    async fn delete(&self, ids: Vec<i32>) -> Result<(), SearchError> {
        self.inner.delete(ids).await
    }
    async fn clear(&self) -> Result<(), SearchError> {
        self.inner.clear().await
    }
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let key = self.replay.as_ref().map(|_| format!("{query:?}"));
        if let (Some(kept), Some(key)) = (&self.replay, &key)
            && let Some(r) = kept.lock().expect("kept").get(key)
        {
            return Ok(r.clone());
        }
        let t = Instant::now();
        let r = self.inner.search(query).await?;
        let took = t.elapsed();
        self.calls
            .lock()
            .expect("calls")
            .push((query.clone(), took, r.total));
        if let (Some(kept), Some(key)) = (&self.replay, key) {
            kept.lock().expect("kept").insert(key, r.clone());
        }
        Ok(r)
    }
    async fn rebuild(&self, docs: Vec<SearchDoc>, position: i32) -> Result<(), SearchError> {
        self.inner.rebuild(docs, position).await
    }
    fn consumer(&self) -> String {
        self.inner.consumer()
    }
    async fn set_synonyms(&self, groups: Vec<Vec<String>>) -> Result<(), SearchError> {
        self.inner.set_synonyms(groups).await
    }
    fn name(&self) -> &'static str {
        self.inner.name()
    }
}

/// A plain tantivy index of the same documents: the floor for a query of the same shape.
mod bare {
    use std::collections::{BTreeMap, HashMap};

    use ketnoi::domain::text::fold;
    use ketnoi::search::fuzzy::Fuzzy;
    use ketnoi::search::{SearchDoc, SearchQuery, Sort, Strategy, Word};
    use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
    use tantivy::columnar::StrColumn;
    use tantivy::query::{AllQuery, BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
    use tantivy::schema::{FAST, Field, IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
    use tantivy::{DocId, Index, IndexReader, Order, Score, SegmentReader, TantivyDocument, Term};

    pub struct Bare {
        reader: IndexReader,
        text: [Field; 3],
        doc: Field,
        facets: Vec<(&'static str, Field)>,
    }

    impl Bare {
        pub fn build(docs: &[SearchDoc]) -> anyhow::Result<Self> {
            let mut b = Schema::builder();
            let text = [
                b.add_text_field("name", TEXT),
                b.add_text_field("brand", TEXT),
                b.add_text_field("other", TEXT),
            ];
            let doc = b.add_text_field("doc", STORED);
            let facets: Vec<(&'static str, Field)> = ketnoi::search::FACETS
                .iter()
                .map(|f| (*f, b.add_text_field(&format!("f_{f}"), STRING | FAST)))
                .collect();
            let published_at = b.add_i64_field("published_at", FAST);
            let price_asc = b.add_i64_field("price_asc", FAST);
            let price_desc = b.add_i64_field("price_desc", FAST);
            let index = Index::create_in_ram(b.build());
            let mut writer = index.writer::<TantivyDocument>(200_000_000)?;
            for d in docs {
                let mut t = TantivyDocument::default();
                t.add_text(text[0], fold(&d.name));
                t.add_text(text[1], fold(d.brand.as_deref().unwrap_or("")));
                t.add_text(
                    text[2],
                    fold(&format!(
                        "{} {} {} {} {} {} {} {}",
                        d.description,
                        d.enterprise_name,
                        d.enterprise_description,
                        d.commune,
                        d.province,
                        d.category_names.join(" "),
                        d.certifications.join(" "),
                        d.former_places.join(" ")
                    )),
                );
                t.add_text(doc, serde_json::to_string(d)?);
                for (facet, field) in &facets {
                    for v in d.facet_values(facet) {
                        t.add_text(*field, v);
                    }
                }
                t.add_i64(published_at, d.published_at);
                t.add_i64(price_asc, d.price_min_vnd.unwrap_or(i64::MAX));
                t.add_i64(price_desc, d.price_max_vnd.unwrap_or(i64::MIN));
                writer.add_document(t)?;
            }
            writer.commit()?;
            let reader = index.reader()?;
            Ok(Bare {
                reader,
                text,
                doc,
                facets,
            })
        }

        fn word(&self, w: &Word) -> Box<dyn Query> {
            let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for field in self.text {
                for part in w.folded.split(' ') {
                    let term = Term::from_field_text(field, part);
                    any.push((
                        Occur::Should,
                        Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    ));
                    // Typos as Meilisearch counts them (the first letter's counts as two).
                    let typos = w.typos();
                    if typos > 0 {
                        any.push((
                            Occur::Should,
                            Box::new(Fuzzy::new(field, part, typos, w.prefix)),
                        ));
                    } else if w.prefix {
                        any.push((
                            Occur::Should,
                            Box::new(FuzzyTermQuery::new_prefix(term, 0, true)),
                        ));
                    }
                }
            }
            Box::new(BooleanQuery::new(any))
        }

        fn query(&self, q: &SearchQuery) -> Box<dyn Query> {
            let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (i, w) in q.words.iter().enumerate() {
                let occur = if q.strategy == Strategy::Last && i > 0 {
                    Occur::Should
                } else {
                    Occur::Must
                };
                must.push((occur, self.word(w)));
            }
            for (facet, values) in &q.filters {
                let Some((_, field)) = self.facets.iter().find(|(f, _)| f == facet) else {
                    continue;
                };
                let any = values
                    .iter()
                    .map(|v| {
                        (
                            Occur::Should,
                            Box::new(TermQuery::new(
                                Term::from_field_text(*field, v),
                                IndexRecordOption::Basic,
                            )) as Box<dyn Query>,
                        )
                    })
                    .collect();
                must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            }
            if must.iter().all(|(o, _)| *o == Occur::Should)
                && q.filters.is_empty()
                && q.words.is_empty()
            {
                Box::new(AllQuery)
            } else {
                Box::new(BooleanQuery::new(must))
            }
        }

        /// Total, the page's documents and the counted facets.
        pub fn search(
            &self,
            q: &SearchQuery,
        ) -> anyhow::Result<(u64, Vec<ketnoi::search::Hit>, usize)> {
            let searcher = self.reader.searcher();
            let query = self.query(q);
            let counted = FacetCounts(
                q.facets
                    .iter()
                    .map(|f| format!("f_{f}"))
                    .collect::<Vec<_>>(),
            );
            let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
            let (total, facets, addresses) = match q.sort {
                Sort::Relevance => {
                    let (n, f, t) =
                        searcher.search(&query, &(Count, counted, top.order_by_score()))?;
                    (n, f, t.into_iter().map(|(_, a)| a).collect::<Vec<_>>())
                }
                Sort::Newest => {
                    let (n, f, t) = searcher.search(
                        &query,
                        &(
                            Count,
                            counted,
                            top.order_by_fast_field::<i64>("published_at", Order::Desc),
                        ),
                    )?;
                    (n, f, t.into_iter().map(|(_, a)| a).collect())
                }
                Sort::PriceAsc => {
                    let (n, f, t) = searcher.search(
                        &query,
                        &(
                            Count,
                            counted,
                            top.order_by_fast_field::<i64>("price_asc", Order::Asc),
                        ),
                    )?;
                    (n, f, t.into_iter().map(|(_, a)| a).collect())
                }
                Sort::PriceDesc => {
                    let (n, f, t) = searcher.search(
                        &query,
                        &(
                            Count,
                            counted,
                            top.order_by_fast_field::<i64>("price_desc", Order::Desc),
                        ),
                    )?;
                    (n, f, t.into_iter().map(|(_, a)| a).collect())
                }
            };
            let mut hits = Vec::with_capacity(addresses.len());
            for a in addresses {
                let d: TantivyDocument = searcher.doc(a)?;
                let json = d
                    .get_first(self.doc)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                hits.push(serde_json::from_str(json)?);
            }
            Ok((total as u64, hits, facets.values().map(BTreeMap::len).sum()))
        }
    }

    /// Counts each value of the given string fast fields among the matching documents.
    struct FacetCounts(Vec<String>);

    struct SegmentCounts {
        columns: Vec<(String, Option<StrColumn>, Vec<u64>)>,
    }

    impl Collector for FacetCounts {
        type Fruit = HashMap<String, BTreeMap<String, u64>>;
        type Child = SegmentCounts;

        fn for_segment(&self, _: u32, segment: &SegmentReader) -> tantivy::Result<SegmentCounts> {
            let mut columns = Vec::new();
            for name in &self.0 {
                let column = segment.fast_fields().str(name)?;
                let n = column.as_ref().map_or(0, |c| c.num_terms());
                columns.push((name.clone(), column, vec![0; n]));
            }
            Ok(SegmentCounts { columns })
        }

        fn requires_scoring(&self) -> bool {
            false
        }

        fn merge_fruits(
            &self,
            fruits: Vec<HashMap<String, BTreeMap<String, u64>>>,
        ) -> tantivy::Result<Self::Fruit> {
            let mut out: Self::Fruit = HashMap::new();
            for fruit in fruits {
                for (facet, counts) in fruit {
                    let into = out.entry(facet).or_default();
                    for (v, n) in counts {
                        *into.entry(v).or_default() += n;
                    }
                }
            }
            Ok(out)
        }
    }

    impl SegmentCollector for SegmentCounts {
        type Fruit = HashMap<String, BTreeMap<String, u64>>;

        fn collect(&mut self, doc: DocId, _: Score) {
            for (_, column, counts) in &mut self.columns {
                if let Some(c) = column {
                    for ord in c.term_ords(doc) {
                        counts[ord as usize] += 1;
                    }
                }
            }
        }

        fn harvest(self) -> Self::Fruit {
            let mut out = HashMap::new();
            for (name, column, counts) in self.columns {
                let mut values = BTreeMap::new();
                if let Some(c) = column {
                    let mut s = String::new();
                    for (ord, n) in counts.into_iter().enumerate() {
                        if n > 0 && c.ord_to_str(ord as u64, &mut s).unwrap_or(false) {
                            values.insert(s.clone(), n);
                        }
                    }
                }
                out.insert(name, values);
            }
            out
        }
    }
}

/// What one engine's run gave.
#[derive(Default)]
struct Run {
    /// The engine asked the API's main query directly.
    engine: Vec<Duration>,
    /// All engine calls within each API request.
    in_api: Vec<Duration>,
    api: Vec<Duration>,
    /// `GET /healthz` through the same router.
    floor: Vec<Duration>,
    /// The search service called without HTTP, less its engine calls: reading the query,
    /// highlighting, facet labels.
    service: Vec<Duration>,
    /// Writing the service's answer as JSON.
    json: Vec<Duration>,
    /// The whole request, with the engine's answers replayed from memory.
    replayed: Vec<Duration>,
    direct: Vec<Duration>,
    /// Per query: the API's total.
    totals: Vec<u64>,
    /// Per query: the API's main engine query, and what it found.
    main: Vec<SearchQuery>,
    main_totals: Vec<u64>,
}

async fn index(engine: &dyn SearchEngine, docs: &[SearchDoc], label: &str) -> anyhow::Result<()> {
    let t = Instant::now();
    // As ketnoi builds an index from the catalogue (on a first start, or `ketnoi reindex`).
    engine.rebuild(docs.to_vec(), 0).await?;
    println!(
        "{label}: indexed {} products in {:.1} s",
        docs.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `GET /api/v1/search?{qs}` through `router`: the answer's body, which must be a 200.
async fn get_search(router: &axum::Router, qs: &str) -> anyhow::Result<axum::body::Bytes> {
    let response = router
        .clone()
        .oneshot(
            axum::http::Request::get(format!("/api/v1/search?{qs}"))
                .body(axum::body::Body::empty())?,
        )
        .await?;
    anyhow::ensure!(response.status() == 200, "{qs}: {}", response.status());
    Ok(http_body_util::BodyExt::collect(response.into_body())
        .await?
        .to_bytes())
}

async fn run(
    engine: Arc<dyn SearchEngine>,
    docs: &[SearchDoc],
    meili: Option<(&str, Option<&str>, &MeiliEngine)>,
) -> anyhow::Result<Run> {
    let recording = Arc::new(Recording {
        inner: engine.clone(),
        calls: std::sync::Mutex::default(),
        replay: None,
    });
    let dir = tempfile::tempdir()?;
    let db = ketnoi::db::connect(&format!("sqlite:{}", dir.path().join("b.db").display())).await?;
    ketnoi::db::migrate(&db).await?;
    let mut state = ketnoi::app::build_state(db.clone(), ketnoi::config::Config::default()).await?;
    state.search = recording.clone();
    // The catalogue's words, as a server holding these products reads them.
    let names: Vec<(String, Option<String>)> = docs
        .iter()
        .map(|d| (d.name.clone(), d.brand.clone()))
        .collect();
    let vocabulary = ketnoi::services::search::build_vocabulary(&db, &names).await?;
    *state.vocabulary.write().await = Some((Instant::now(), Arc::new(vocabulary)));
    let service = state.clone();
    let mut replaying = state.clone();
    replaying.search = Arc::new(Recording {
        inner: engine.clone(),
        calls: std::sync::Mutex::default(),
        replay: Some(std::sync::Mutex::default()),
    });
    let replaying = ketnoi::router::router(replaying);
    let router = ketnoi::router::router(state);
    let http = reqwest::Client::new();

    let mut out = Run::default();
    let all = queries();
    // A first pass warms every path (and the engine's caches) equally.
    for (pass, list) in [(0, &all[..100]), (1, &all[..])] {
        for (_, qs) in list {
            recording.take();
            let t = Instant::now();
            let body = get_search(&router, qs).await?;
            let a = t.elapsed();
            let calls = recording.take();
            if pass == 0 {
                continue;
            }
            let json: serde_json::Value = serde_json::from_slice(&body)?;
            out.totals.push(json["total"].as_u64().unwrap_or(0));
            out.api.push(a);
            out.in_api.push(calls.iter().map(|(_, d, _)| *d).sum());
            let (main, _, found) = calls
                .into_iter()
                .next()
                .ok_or_else(|| anyhow::anyhow!("{qs}: the API asked the engine nothing"))?;
            out.main.push(main);
            out.main_totals.push(found);
        }
    }
    // The API's own time in parts: the service without HTTP (less its engine calls), and
    // writing its answer.
    for (_, qs) in &all {
        let uri: axum::http::Uri = format!("/api/v1/search?{qs}").parse()?;
        let axum_extra::extract::Query(params) = axum_extra::extract::Query::<
            ketnoi::services::search::SearchParams,
        >::try_from_uri(&uri)?;
        recording.take();
        let t = Instant::now();
        let answer = ketnoi::services::search::search(&service, &params)
            .await
            .map_err(|e| anyhow::anyhow!("{qs}: {e:?}"))?;
        let took = t.elapsed();
        let engine: Duration = recording.take().iter().map(|(_, d, _)| *d).sum();
        out.service.push(took.saturating_sub(engine));
        let t = Instant::now();
        std::hint::black_box(serde_json::to_vec(&answer)?);
        out.json.push(t.elapsed());
    }
    // The API's own work alone: a first pass keeps the engine's answers, the second is
    // answered from them (a copy of each, as an engine hands over its hits).
    for pass in 0..2 {
        for (_, qs) in &all {
            let t = Instant::now();
            std::hint::black_box(get_search(&replaying, qs).await?);
            if pass == 1 {
                out.replayed.push(t.elapsed());
            }
        }
    }
    // The router's own cost: a request that does nothing, through the same layers.
    for _ in 0..out.api.len() {
        let t = Instant::now();
        let response = router
            .clone()
            .oneshot(axum::http::Request::get("/healthz").body(axum::body::Body::empty())?)
            .await?;
        std::hint::black_box(http_body_util::BodyExt::collect(response.into_body()).await?);
        out.floor.push(t.elapsed());
    }
    for q in &out.main {
        let t = Instant::now();
        std::hint::black_box(engine.search(q).await?.total);
        out.engine.push(t.elapsed());
    }
    if let Some((url, key, meili)) = meili {
        for q in &out.main {
            // A query typed with accents is two requests, sent together as ketnoi sends them.
            let (index, bodies) = meili.search_bodies(q);
            let mut requests = Vec::new();
            for body in bodies {
                let mut request = http
                    .post(format!(
                        "{}/indexes/{index}/search",
                        url.trim_end_matches('/')
                    ))
                    .header("content-type", "application/json")
                    .body(serde_json::to_vec(&body)?);
                if let Some(key) = key {
                    request = request.bearer_auth(key);
                }
                requests.push(async move {
                    let response = request.send().await?;
                    anyhow::ensure!(response.status().is_success(), "{}", response.status());
                    Ok(response.bytes().await?.len())
                });
            }
            let t = Instant::now();
            std::hint::black_box(futures_util::future::try_join_all(requests).await?);
            out.direct.push(t.elapsed());
        }
    }
    Ok(out)
}

/// The queries that make the tail: each distinct query's median over its repetitions, the
/// slowest on the embedded engine first, beside the same query's other columns.
fn slowest(columns: &[(&str, &[Duration])]) {
    let all = queries();
    let mut by_query: std::collections::BTreeMap<&str, Vec<usize>> =
        std::collections::BTreeMap::new();
    for (i, (_, qs)) in all.iter().enumerate() {
        by_query.entry(qs.as_str()).or_default().push(i);
    }
    let median = |v: &[Duration], at: &[usize]| {
        let mut t: Vec<Duration> = at.iter().map(|&i| v[i]).collect();
        t.sort_unstable();
        t[t.len() / 2].as_secs_f64() * 1e3
    };
    let mut rows: Vec<(&str, Vec<f64>)> = by_query
        .iter()
        .map(|(q, at)| (*q, columns.iter().map(|(_, v)| median(v, at)).collect()))
        .collect();
    rows.sort_by(|a, b| b.1[1].total_cmp(&a.1[1]));
    print!("\n{:<44}", "slowest queries (median of each, ms)");
    for (label, _) in columns {
        print!(" {label:>8}");
    }
    println!();
    for (q, medians) in rows.iter().take(6) {
        let q: String = q.chars().take(44).collect();
        print!("{q:<44}");
        for m in medians {
            print!(" {m:>8.2}");
        }
        println!();
    }
}

fn p(v: &[Duration], q: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    pct(&v, q)
}

fn zero_hits(label: &str, totals: &[u64]) {
    let kinds = queries();
    let mut zero = [0usize; 5];
    for ((kind, _), n) in kinds.iter().zip(totals) {
        if *n == 0 {
            zero[*kind] += 1;
        }
    }
    let said: Vec<String> = KINDS
        .iter()
        .zip(zero)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!(
        "{label}: queries finding nothing, by kind (of 200 each): {}",
        said.join(", ")
    );
}

fn differences(label: &str, a: &[u64], b: &[u64]) {
    let all = queries();
    let differ: Vec<String> = a
        .iter()
        .zip(b)
        .zip(&all)
        .filter(|((x, y), _)| x != y)
        .map(|((x, y), (_, qs))| format!("{qs}: {x} vs {y}"))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    println!(
        "{label}: hit counts differ on {} of {} queries{}",
        a.iter().zip(b).filter(|(x, y)| x != y).count(),
        a.len(),
        if differ.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                differ
                    .iter()
                    .take(6)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        }
    );
}

fn main() -> anyhow::Result<()> {
    highlighting();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let n = std::env::var("BENCH_PRODUCTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        let docs = generate(n);
        let rss_before = rss_mib();

        let dir = tempfile::tempdir()?;
        let embedded: Arc<dyn SearchEngine> = Arc::new(EmbeddedEngine::open(dir.path())?);
        index(embedded.as_ref(), &docs, "embedded").await?;
        let e = run(embedded, &docs, None).await?;
        println!(
            "resident memory: {:.0} MiB after generating, {:.0} MiB with the embedded index built and queried",
            rss_before,
            rss_mib()
        );

        let t = Instant::now();
        let bare = bare::Bare::build(&docs)?;
        println!("bare tantivy: indexed {} products in {:.1} s", docs.len(), t.elapsed().as_secs_f64());
        let mut bare_times = Vec::new();
        let mut bare_totals = Vec::new();
        for q in e.main.iter().take(100) {
            std::hint::black_box(bare.search(q)?);
        }
        for q in &e.main {
            let t = Instant::now();
            let (total, hits, facets) = bare.search(q)?;
            bare_times.push(t.elapsed());
            std::hint::black_box((hits.len(), facets));
            bare_totals.push(total);
        }

        let meili_url = std::env::var("KETNOI_BENCH_MEILI_URL").ok();
        let m = match &meili_url {
            Some(url) => {
                let key = std::env::var("KETNOI_BENCH_MEILI_KEY").ok();
                let meili = Arc::new(MeiliEngine::new(url, key.as_deref(), "ketnoi_bench")?);
                index(meili.as_ref(), &docs, "meilisearch").await?;
                Some(run(meili.clone(), &docs, Some((url, key.as_deref(), &meili))).await?)
            }
            None => None,
        };

        println!();
        println!(
            "{:<44} {:>8} {:>8} {:>8}",
            format!("{} queries, {} products (ms)", e.api.len(), docs.len()),
            "p50",
            "p95",
            "p99"
        );
        let row = |label: &str, v: &[Duration]| {
            println!(
                "{label:<44} {:>8.2} {:>8.2} {:>8.2}",
                p(v, 0.5),
                p(v, 0.95),
                p(v, 0.99)
            );
        };
        row("bare tantivy, same queries", &bare_times);
        row("embedded engine", &e.engine);
        row("embedded, engine calls in the API", &e.in_api);
        row("embedded GET /api/v1/search", &e.api);
        row("GET /api/v1/search, engine answers replayed", &e.replayed);
        row("GET /healthz, same router (its floor)", &e.floor);
        row("search service, less its engine calls", &e.service);
        row("its answer written as JSON", &e.json);
        if let Some(m) = &m {
            row("meilisearch direct (HTTP, same body)", &m.direct);
            row("meilisearch through ketnoi's engine", &m.engine);
            row("meilisearch, engine calls in the API", &m.in_api);
            row("meilisearch GET /api/v1/search", &m.api);
        } else {
            println!("meilisearch: skipped (set KETNOI_BENCH_MEILI_URL)");
        }
        println!();
        let ratio = |a: &[Duration], b: &[Duration], q: f64| p(a, q) / p(b, q).max(1e-9);
        println!(
            "embedded engine / bare tantivy: p50 {:.2}, p95 {:.2}, p99 {:.2}",
            ratio(&e.engine, &bare_times, 0.5),
            ratio(&e.engine, &bare_times, 0.95),
            ratio(&e.engine, &bare_times, 0.99)
        );
        let overhead = |r: &Run| {
            let mut v: Vec<f64> = r
                .api
                .iter()
                .zip(&r.in_api)
                .map(|(a, e)| a.as_secs_f64() / e.as_secs_f64().max(1e-9) - 1.0)
                .collect();
            v.sort_by(f64::total_cmp);
            (v[v.len() / 2], p(&r.api, 0.5) / p(&r.in_api, 0.5) - 1.0)
        };
        let (median, of_medians) = overhead(&e);
        println!(
            "embedded: the API adds {:.0}% to the engine's time at the median request ({:.0}% p50 to p50)",
            median * 100.0,
            of_medians * 100.0
        );
        let own: Vec<Duration> = e
            .api
            .iter()
            .zip(&e.in_api)
            .map(|(a, i)| a.saturating_sub(*i))
            .collect();
        let us = |v: &[Duration]| p(v, 0.5) * 1000.0;
        println!(
            "embedded: the API's own time at p50 {:.0} µs: the service {:.0}, JSON {:.0}, HTTP and the rest {:.0} (the whole request with the engine's answers replayed: {:.0} µs)",
            us(&own),
            us(&e.service),
            us(&e.json),
            us(&own) - us(&e.service) - us(&e.json),
            us(&e.replayed)
        );
        if let Some(m) = &m {
            println!(
                "embedded engine / meilisearch direct: p50 {:.2}, p95 {:.2}, p99 {:.2}",
                ratio(&e.engine, &m.direct, 0.5),
                ratio(&e.engine, &m.direct, 0.95),
                ratio(&e.engine, &m.direct, 0.99)
            );
            println!(
                "meilisearch through ketnoi / direct: p50 {:.2}, p99 {:.2}",
                ratio(&m.engine, &m.direct, 0.5),
                ratio(&m.engine, &m.direct, 0.99)
            );
            let (median, of_medians) = overhead(m);
            println!(
                "meilisearch: the API adds {:.0}% to the engine's time at the median request ({:.0}% p50 to p50)",
                median * 100.0,
                of_medians * 100.0
            );
        }
        slowest(&[("bare", &bare_times), ("engine", &e.engine), ("API", &e.api)]);
        println!();
        zero_hits("embedded", &e.totals);
        differences("bare tantivy vs embedded (main query)", &bare_totals, &e.main_totals);
        if let Some(m) = &m {
            zero_hits("meilisearch", &m.totals);
            differences("embedded vs meilisearch (API totals)", &e.totals, &m.totals);
        }
        Ok(())
    })
}
