//! The search contract: every engine gives the same answers to the same questions.
//! Runs against the embedded engine always.

use std::collections::BTreeMap;

use ketnoi::search::embedded::EmbeddedEngine;
use ketnoi::search::meili::MeiliEngine;
use ketnoi::search::{SearchDoc, SearchEngine, SearchQuery, Sort, words};

fn doc(id: i32, name: &str, category: &str, parent: &str) -> SearchDoc {
    SearchDoc {
        id,
        slug: format!("p-{id}"),
        name: name.into(),
        brand: None,
        description: String::new(),
        category: category.into(),
        categories: vec![category.into(), parent.into()],
        category_names: Vec::new(),
        enterprise_id: 1,
        enterprise_name: "Hợp tác xã Côn Minh".into(),
        enterprise_description: String::new(),
        commune_code: 2155,
        commune: "Xã Na Rì".into(),
        province_code: 19,
        province: "Thái Nguyên".into(),
        trademark_status: "unregistered".into(),
        packaging_status: "none".into(),
        ocop_stars: None,
        certifications: Vec::new(),
        unit: "kg".into(),
        price_min_vnd: None,
        price_max_vnd: None,
        published_at: 1_700_000_000 + i64::from(id),
        cover: None,
        verified_documents: Vec::new(),
        former_places: Vec::new(),
        former_provinces: Vec::new(),
    }
}

fn catalogue() -> Vec<SearchDoc> {
    let agro = "che-bien-nong-lam-san";
    let mut v = vec![
        doc(1, "Miến dong Na Rì", "mien-dong", agro),
        doc(2, "Đũa tre Bạch Thông", "lam-san", agro),
        doc(3, "Chè Shan tuyết Phìn Hồ", "che", agro),
        doc(4, "Hồng không hạt Bắc Kạn", "trai-cay-che-bien", agro),
        doc(
            5,
            "Gạch không nung Phú Bình",
            "gach-khong-nung",
            "vat-lieu-xay-dung",
        ),
        doc(6, "Khăn thổ cẩm Dao Tiền", "tho-cam", "thu-cong-my-nghe"),
        doc(7, "Mật ong rừng Ba Bể", "mat-ong", agro),
        doc(8, "Măng khô", "mang-nam", agro),
    ];
    for d in &mut v {
        d.former_places = vec![
            "Thị trấn Yến Lạc".into(),
            "Huyện Na Rì".into(),
            "Tỉnh Bắc Kạn".into(),
        ];
        d.former_provinces = vec![6];
    }
    v[1].province_code = 4;
    v[1].commune_code = 1726;
    v[1].commune = "Xã Bình Liêu".into();
    v[1].province = "Quảng Ninh".into();
    v[1].former_places = vec!["Huyện Bình Liêu".into(), "Tỉnh Quảng Ninh".into()];
    v[1].former_provinces = vec![22];
    v[2].trademark_status = "registered".into();
    v[2].ocop_stars = Some(4);
    v[2].certifications = vec!["vietgap".into(), "organic".into()];
    v[0].price_min_vnd = Some(80_000);
    v[1].price_min_vnd = Some(15_000);
    v[2].price_min_vnd = Some(300_000);
    v[7].description = "Măng nứa rừng phơi khô, ngâm nhanh, thơm. Hợp với mật ong và xôi.".into();
    v[5].enterprise_description = "Tổ hợp tác dệt thủ công của người Dao Tiền.".into();
    v
}

/// The embedded engine always; Meilisearch too when `KETNOI_TEST_MEILI_URL` names a server
/// (each test gets its own index there).
async fn engines() -> Vec<Box<dyn SearchEngine>> {
    let embedded = EmbeddedEngine::in_memory().expect("in-memory index");
    let mut engines: Vec<Box<dyn SearchEngine>> = vec![Box::new(embedded)];
    match std::env::var("KETNOI_TEST_MEILI_URL") {
        Ok(url) => {
            let key = std::env::var("KETNOI_TEST_MEILI_KEY").ok();
            let mut bytes = [0u8; 6];
            getrandom::fill(&mut bytes).expect("randomness");
            let index = format!("ketnoi_test_{}", hex::encode(bytes));
            let meili = MeiliEngine::new(&url, key.as_deref(), &index).expect("Meilisearch client");
            engines.push(Box::new(meili));
        }
        Err(_) => {
            eprintln!(
                "SKIPPED: the Meilisearch contract run (set KETNOI_TEST_MEILI_URL to run it)"
            );
        }
    }
    for e in &engines {
        e.upsert(catalogue()).await.expect("index");
    }
    engines
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        words: words(text),
        limit: 20,
        facets: ketnoi::search::FACETS.to_vec(),
        ..Default::default()
    }
}

async fn ids(engine: &dyn SearchEngine, query: SearchQuery) -> Vec<i32> {
    engine
        .search(&query)
        .await
        .expect("search")
        .hits
        .iter()
        .map(|h| h.id)
        .collect()
}

#[tokio::test]
async fn diacritics_do_not_matter_including_d_stroke_and_nfd() {
    for e in engines().await {
        assert_eq!(ids(e.as_ref(), q("mien dong ")).await, [1], "{}", e.name());
        assert_eq!(ids(e.as_ref(), q("dua tre ")).await, [2], "{}", e.name());
        assert_eq!(ids(e.as_ref(), q("DUA TRE ")).await, [2], "{}", e.name());
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Miến dong ").collect();
        assert_eq!(ids(e.as_ref(), q(&nfd)).await, [1], "{}", e.name());
    }
}

#[tokio::test]
async fn typos_are_forgiven_as_meilisearch_does() {
    for e in engines().await {
        assert_eq!(
            ids(e.as_ref(), q("tuyest ")).await,
            [3],
            "one typo in a 6-letter word: {}",
            e.name()
        );
        assert_eq!(
            ids(e.as_ref(), q("khogn nung ")).await,
            [5],
            "a transposition: {}",
            e.name()
        );
        assert!(
            ids(e.as_ref(), q("mian ")).await.is_empty(),
            "no typo in a 4-letter word: {}",
            e.name()
        );
        assert_eq!(
            ids(e.as_ref(), q("thong ")).await,
            [2],
            "a typo on the first letter counts as two (`không`, `hồng` are not `thông`): {}",
            e.name()
        );
        assert_eq!(
            ids(e.as_ref(), q("bach thonh ")).await,
            [2],
            "the first letter as typed, one typo after it: {}",
            e.name()
        );
    }
}

#[tokio::test]
async fn the_last_word_matches_as_a_prefix_while_typing() {
    for e in engines().await {
        assert_eq!(ids(e.as_ref(), q("mien do")).await, [1], "{}", e.name());
        assert_eq!(ids(e.as_ref(), q("tho c")).await, [6], "{}", e.name());
        assert!(
            ids(e.as_ref(), q("mien do ")).await.is_empty(),
            "a finished word is whole: {}",
            e.name()
        );
    }
}

#[tokio::test]
async fn exact_spelling_ranks_above_folded_and_names_above_descriptions() {
    for e in engines().await {
        // "hồng" is exact in "Hồng không hạt"; "Phìn Hồ" only shares the prefix.
        let hits = ids(e.as_ref(), q("hồng ")).await;
        assert_eq!(hits.first(), Some(&4), "{}", e.name());
        // "mật ong" is the name of 7 and only in the description of 8.
        let hits = ids(e.as_ref(), q("mat ong ")).await;
        assert_eq!(hits, [7, 8], "{}", e.name());
    }
}

#[tokio::test]
async fn facets_filter_and_count() {
    for e in engines().await {
        let mut query = q("");
        query.filters = BTreeMap::from([("category".into(), vec!["che-bien-nong-lam-san".into()])]);
        let r = e.search(&query).await.unwrap();
        assert_eq!(
            r.total,
            6,
            "a parent category includes its children: {}",
            e.name()
        );
        assert_eq!(r.facets["category"]["mien-dong"], 1);
        assert_eq!(r.facets["category"]["che-bien-nong-lam-san"], 6);
        assert_eq!(r.facets["province"]["19"], 5);
        assert_eq!(r.facets["province"]["4"], 1);
        assert_eq!(r.facets["enterprise"]["1"], 6);
        // No page asked for: the same count and facets, and no hits.
        let counted = e
            .search(&SearchQuery {
                limit: 0,
                ..query.clone()
            })
            .await
            .unwrap();
        assert_eq!(
            (counted.total, &counted.facets, counted.hits.len()),
            (r.total, &r.facets, 0),
            "{}",
            e.name()
        );
        let mut worded = q("mien");
        worded.limit = 0;
        let counted = e.search(&worded).await.unwrap();
        worded.limit = 20;
        let listed = e.search(&worded).await.unwrap();
        assert!(counted.total > 0 && counted.hits.is_empty(), "{}", e.name());
        assert_eq!(counted.total, listed.total, "{}", e.name());
        assert_eq!(counted.facets, listed.facets, "{}", e.name());
        // OR within a facet, AND across facets.
        query
            .filters
            .insert("province".into(), vec!["19".into(), "4".into()]);
        query
            .filters
            .insert("trademark_status".into(), vec!["registered".into()]);
        assert_eq!(ids(e.as_ref(), query.clone()).await, [3], "{}", e.name());
        query
            .filters
            .insert("certification".into(), vec!["organic".into()]);
        query
            .filters
            .insert("ocop_stars".into(), vec!["4".into(), "5".into()]);
        assert_eq!(ids(e.as_ref(), query).await, [3], "{}", e.name());
    }
}

#[tokio::test]
async fn sorting_and_pages() {
    for e in engines().await {
        let mut query = q("");
        query.sort = Sort::Newest;
        query.limit = 3;
        assert_eq!(
            ids(e.as_ref(), query.clone()).await,
            [8, 7, 6],
            "{}",
            e.name()
        );
        query.offset = 3;
        assert_eq!(
            ids(e.as_ref(), query.clone()).await,
            [5, 4, 3],
            "{}",
            e.name()
        );
        let mut by_price = q("");
        by_price.sort = Sort::PriceAsc;
        let hits = ids(e.as_ref(), by_price).await;
        assert_eq!(
            &hits[..3],
            [2, 1, 3],
            "cheapest first, unpriced last: {}",
            e.name()
        );
    }
}

#[tokio::test]
async fn updates_and_deletes_show_at_once() {
    for e in engines().await {
        let mut renamed = catalogue()[0].clone();
        renamed.name = "Bột dong đặc biệt".into();
        e.upsert(vec![renamed]).await.unwrap();
        assert_eq!(ids(e.as_ref(), q("dac biet ")).await, [1], "{}", e.name());
        assert!(
            ids(e.as_ref(), q("mien ")).await.is_empty(),
            "the old name is gone: {}",
            e.name()
        );
        e.delete(vec![1, 999]).await.unwrap();
        assert!(
            ids(e.as_ref(), q("dac biet ")).await.is_empty(),
            "{}",
            e.name()
        );
        assert_eq!(e.search(&q("")).await.unwrap().total, 7);
        e.clear().await.unwrap();
        assert_eq!(e.search(&q("")).await.unwrap().total, 0);
    }
}

#[tokio::test]
async fn a_rebuild_replaces_everything_at_once() {
    for e in engines().await {
        let fresh: Vec<SearchDoc> = catalogue().into_iter().filter(|d| d.id % 2 == 0).collect();
        e.rebuild(fresh, 0).await.expect("rebuild");
        let r = e.search(&q("")).await.unwrap();
        assert_eq!(r.total, 4, "{}", e.name());
        assert!(ids(e.as_ref(), q("mien ")).await.is_empty(), "{}", e.name());
        assert_eq!(ids(e.as_ref(), q("dua ")).await, [2], "{}", e.name());
        // Writes keep working on the new index.
        e.upsert(vec![catalogue()[0].clone()]).await.unwrap();
        assert_eq!(ids(e.as_ref(), q("mien ")).await, [1], "{}", e.name());
    }
}

#[tokio::test]
async fn synonyms_find_each_other() {
    for e in engines().await {
        let groups = vec![vec!["chè".to_string(), "trà".to_string()]];
        e.set_synonyms(groups.clone()).await.expect("synonyms");
        let mut query = q("tra ");
        ketnoi::search::add_synonyms(&mut query.words, &ketnoi::search::fold_groups(&groups));
        assert_eq!(ids(e.as_ref(), query).await, [3], "{}", e.name());
    }
}

/// A synonym of several words (`bún tàu` = `miến`), as Meilisearch allows: the words typed
/// together find the other member, and the other member finds them.
#[tokio::test]
async fn synonyms_of_several_words_find_each_other() {
    let mut noodles = doc(80, "Bún tàu Cao Bằng", "mien-dong", "che-bien-nong-lam-san");
    noodles.commune = "Phường Thục Phán".into();
    noodles.province = "Cao Bằng".into();
    for e in engines().await {
        e.upsert(vec![noodles.clone()]).await.expect("index");
        let groups = vec![vec!["miến".to_string(), "Bún tàu".to_string()]];
        e.set_synonyms(groups.clone()).await.expect("synonyms");
        let folded = ketnoi::search::fold_groups(&groups);
        let mut query = q("bun tau na ri ");
        ketnoi::search::add_synonyms(&mut query.words, &folded);
        assert_eq!(query.words.len(), 3, "one word for the two");
        assert_eq!(ids(e.as_ref(), query).await, [1], "{}", e.name());
        let mut query = q("mien cao bang ");
        ketnoi::search::add_synonyms(&mut query.words, &folded);
        assert_eq!(ids(e.as_ref(), query).await, [80], "{}", e.name());
        let mut query = q("mien ");
        ketnoi::search::add_synonyms(&mut query.words, &folded);
        let mut found = ids(e.as_ref(), query).await;
        found.sort_unstable();
        assert_eq!(found, [1, 80], "{}", e.name());
    }
}

#[tokio::test]
async fn an_enterprise_description_finds_its_products() {
    for e in engines().await {
        assert_eq!(
            ids(e.as_ref(), q("det thu cong ")).await,
            [6],
            "{}",
            e.name()
        );
    }
}

/// A facet with more values than Meilisearch's default `maxValuesPerFacet` (100) is
/// counted whole: every commune with products has its count.
#[tokio::test]
async fn a_long_facet_is_counted_whole() {
    let many: Vec<SearchDoc> = (0..240)
        .map(|n| {
            let mut d = doc(
                100 + n,
                &format!("Miến dong mẻ {n}"),
                "mien-dong",
                "che-bien-nong-lam-san",
            );
            d.commune_code = 1000 + n;
            d
        })
        .collect();
    for e in engines().await {
        e.upsert(many.clone()).await.expect("index");
        let mut query = q("mien dong");
        query.facets = vec!["commune"];
        let r = e.search(&query).await.unwrap();
        let communes = &r.facets["commune"];
        assert!(
            communes.len() > 240,
            "{}: {} communes counted",
            e.name(),
            communes.len()
        );
        assert_eq!(communes["1239"], 1, "{}", e.name());
        assert_eq!(communes["2155"], 1, "{}", e.name());
    }
}

/// Former place names are searched like today's, and the former province is a facet and a
/// filter.
#[tokio::test]
async fn former_places_are_searched_and_the_former_province_is_a_facet() {
    for e in engines().await {
        let name = e.name();
        // Only products from communes that took over former Na Rì district.
        let found = ids(e.as_ref(), q("huyen na ri ")).await;
        assert!(
            found.contains(&3) && !found.contains(&2),
            "{name}: {found:?}"
        );
        assert_eq!(
            ids(e.as_ref(), q("dua tre quang ninh")).await,
            [2],
            "{name}"
        );
        let r = e.search(&q("")).await.unwrap();
        assert_eq!(r.facets["former_province"]["6"], 7, "{name}");
        assert_eq!(r.facets["former_province"]["22"], 1, "{name}");
        let mut query = q("");
        query.filters = BTreeMap::from([("former_province".into(), vec!["22".into()])]);
        assert_eq!(ids(e.as_ref(), query).await, [2], "{name}");
    }
}

/// The `last` strategy: products with the first word, those with every word first, then
/// those with fewer of the words that follow.
#[tokio::test]
async fn the_last_strategy_ranks_products_with_more_words_first() {
    let mut elsewhere = doc(
        50,
        "Miến dong Bình Liêu",
        "mien-dong",
        "che-bien-nong-lam-san",
    );
    elsewhere.commune_code = 1726;
    elsewhere.province_code = 22;
    elsewhere.commune = "Xã Bình Liêu".into();
    elsewhere.province = "Quảng Ninh".into();
    let mut rice = doc(51, "Miến gạo", "mien-dong", "che-bien-nong-lam-san");
    rice.commune_code = 1726;
    rice.province_code = 22;
    rice.commune = "Xã Bình Liêu".into();
    rice.province = "Quảng Ninh".into();
    for e in engines().await {
        e.upsert(vec![elsewhere.clone(), rice.clone()])
            .await
            .expect("index");
        let mut query = q("mien dong bac kan ");
        query.strategy = ketnoi::search::Strategy::Last;
        let found = ids(e.as_ref(), query.clone()).await;
        assert_eq!(found.first(), Some(&1), "{}: {found:?}", e.name());
        let at = |id: i32| found.iter().position(|x| *x == id).unwrap_or(usize::MAX);
        assert!(at(1) < at(50) && at(50) < at(51), "{}: {found:?}", e.name());
        assert!(
            !found.contains(&7),
            "honey has not the first word: {}",
            e.name()
        );
        // Every word required: only the product from the place.
        query.strategy = ketnoi::search::Strategy::All;
        assert_eq!(ids(e.as_ref(), query).await, [1], "{}", e.name());
    }
}

/// Numbers and units as typed: `500g` is `500 g`, `6 lo` finds `6 lỗ`, a size is one word.
#[tokio::test]
async fn numbers_and_units_match_as_typed() {
    let bricks = "vat-lieu-xay-dung";
    let extra = vec![
        doc(
            60,
            "Miến dong gói 500g",
            "mien-dong",
            "che-bien-nong-lam-san",
        ),
        doc(
            61,
            "Miến dong túi 500 g",
            "mien-dong",
            "che-bien-nong-lam-san",
        ),
        doc(62, "Gạch 6 lỗ 220x105x60", "gach-khong-nung", bricks),
        doc(63, "Gạch 2 lỗ loại 1", "gach-khong-nung", bricks),
        doc(64, "Chiếu trúc 1x2 m", "lam-san", "che-bien-nong-lam-san"),
        doc(65, "Chiếu trúc 1 mét 2", "lam-san", "che-bien-nong-lam-san"),
    ];
    for e in engines().await {
        let name = e.name();
        e.upsert(extra.clone()).await.expect("index");
        let mut both = ids(e.as_ref(), q("mien 500g ")).await;
        both.sort_unstable();
        assert_eq!(both, [60, 61], "{name}");
        let mut both = ids(e.as_ref(), q("mien 500 g ")).await;
        both.sort_unstable();
        assert_eq!(both, [60, 61], "{name}");
        assert_eq!(ids(e.as_ref(), q("gach 6 lo ")).await, [62], "{name}");
        assert_eq!(ids(e.as_ref(), q("gach 6lo ")).await, [62], "{name}");
        assert_eq!(ids(e.as_ref(), q("chieu 1x2 ")).await, [64], "{name}");
    }
}

/// Words buyers use for a category (English mostly, several words each) find its products.
#[tokio::test]
async fn a_categorys_terms_find_its_products() {
    let mut brick = doc(
        70,
        "Gạch block 6 lỗ",
        "gach-khong-nung",
        "vat-lieu-xay-dung",
    );
    brick.category_names = vec![
        "Gạch không nung".into(),
        "Unfired bricks".into(),
        "cement bricks".into(),
        "concrete blocks".into(),
    ];
    for e in engines().await {
        e.upsert(vec![brick.clone()]).await.expect("index");
        assert_eq!(
            ids(e.as_ref(), q("cement bricks ")).await,
            [70],
            "{}",
            e.name()
        );
        assert_eq!(
            ids(e.as_ref(), q("concrete block")).await,
            [70],
            "{}",
            e.name()
        );
    }
}

/// Syllables typed together, split by the catalogue's own words as ketnoi does before
/// asking either engine: `miendong` finds miến dong, `matong` honey.
#[tokio::test]
async fn joined_syllables_split_by_the_catalogues_words_find_their_products() {
    let vocabulary = ketnoi::search::vocabulary::Vocabulary::from_texts(
        catalogue().iter().map(|d| d.name.as_str()),
    );
    for e in engines().await {
        for (typed, expected) in [("miendong ", vec![1]), ("matong ", vec![7, 8])] {
            let mut query = q(typed);
            for w in &mut query.words {
                if let Some(parts) = vocabulary.split(&w.folded) {
                    w.folded = parts.join(" ");
                    w.exact.clone_from(&w.folded);
                }
            }
            let mut found = ids(e.as_ref(), query).await;
            found.sort_unstable();
            assert_eq!(found, expected, "{typed}: {}", e.name());
        }
    }
}

/// A query naming a category and a place carries the category's own word after its name
/// (as ketnoi sends it to either engine): the category's products first, then what the
/// other words reach through a parent category's name.
#[tokio::test]
async fn the_category_word_ranks_the_categorys_products_first() {
    let mut chopsticks = doc(90, "Đũa tre Bắc Kạn", "lam-san", "che-bien-nong-lam-san");
    chopsticks.category_names = vec!["Lâm sản".into(), "Chế biến nông – lâm sản".into()];
    let mut tea = doc(91, "Chè xanh Bình Liêu", "che", "che-bien-nong-lam-san");
    tea.category_names = vec!["Chè".into(), "Chế biến nông – lâm sản".into()];
    tea.commune = "Xã Bình Liêu".into();
    tea.province = "Quảng Ninh".into();
    for e in engines().await {
        e.upsert(vec![chopsticks.clone(), tea.clone()])
            .await
            .expect("index");
        let mut query = q("che bac kan ");
        query.words.insert(
            1,
            ketnoi::search::Word {
                exact: String::new(),
                folded: ketnoi::search::category_token("che"),
                prefix: false,
                synonyms: Vec::new(),
            },
        );
        query.strategy = ketnoi::search::Strategy::Last;
        let found = ids(e.as_ref(), query).await;
        let at = |id: i32| found.iter().position(|x| *x == id).unwrap_or(usize::MAX);
        assert!(at(3) < at(91) && at(91) < at(90), "{}: {found:?}", e.name());
    }
}

/// A query typed with accents ranks first the products holding every accented word as typed
/// (in their name, categories, place or producer): `chè` (tea) before `chế` (to process),
/// though both fold to `che`. Nothing is found or lost by it, totals and counts stay whole,
/// pages follow on, and a sort the buyer chose is kept as chosen.
#[tokio::test]
async fn typed_accents_rank_products_spelled_as_typed_first() {
    let mut green = doc(92, "Trà xanh Thái Nguyên", "che", "che-bien-nong-lam-san");
    green.category_names = vec!["Chè".into(), "Chế biến nông – lâm sản".into()];
    green.price_min_vnd = Some(200_000);
    let mut compost = doc(
        93,
        "Chế phẩm vi sinh ủ phân",
        "phan-bon",
        "vat-tu-nong-nghiep",
    );
    compost.category_names = vec!["Phân bón".into(), "Vật tư nông nghiệp".into()];
    compost.price_min_vnd = Some(50_000);
    for e in engines().await {
        let e = e.as_ref();
        e.upsert(vec![green.clone(), compost.clone()])
            .await
            .expect("index");
        // The tea named so, the tea of the category Chè, then the compost named Chế.
        assert_eq!(ids(e, q("chè ")).await, [3, 92, 93], "{}", e.name());
        assert_eq!(ids(e, q("chế ")).await, [93, 92, 3], "{}", e.name());
        // Typed without accents, or still being typed: the same products, none set apart.
        for text in ["che ", "chè"] {
            let mut found = ids(e, q(text)).await;
            found.sort_unstable();
            assert_eq!(found, [3, 92, 93], "{}: {text:?}", e.name());
        }
        // A sort the buyer chose stays as chosen.
        let mut by_price = q("chè ");
        by_price.sort = Sort::PriceAsc;
        assert_eq!(ids(e, by_price).await, [93, 92, 3], "{}", e.name());
        // Totals and counts are the whole answer's; pages follow on across the two parts.
        let whole = e.search(&q("chè ")).await.expect("search");
        assert_eq!(whole.total, 3, "{}", e.name());
        let categories = &whole.facets["category"];
        assert_eq!(categories.get("che"), Some(&2), "{}", e.name());
        assert_eq!(categories.get("phan-bon"), Some(&1), "{}", e.name());
        for (offset, limit, page) in [(1, 1, vec![92]), (2, 1, vec![93]), (1, 2, vec![92, 93])] {
            let mut query = q("chè ");
            query.offset = offset;
            query.limit = limit;
            let answer = e.search(&query).await.expect("search");
            let found: Vec<i32> = answer.hits.iter().map(|h| h.id).collect();
            assert_eq!(found, page, "{}: {offset}+{limit}", e.name());
            assert_eq!(answer.total, 3, "{}: {offset}+{limit}", e.name());
        }
    }
}

/// A slip in a 4-letter syllable of a query of several words, read by ketnoi before either
/// engine sees the query (`ketnoi::search::slips`): read as the catalogue's word one edit
/// away when the other words anchor it, and only then.
#[tokio::test]
async fn a_slip_in_a_short_syllable_is_read_where_the_other_words_anchor_it() {
    use ketnoi::search::slips::{Correction, read_slip};
    let agro = "che-bien-nong-lam-san";
    let mut quang_ninh = doc(97, "Miến dong sợi nhỏ", "mien-dong", agro);
    quang_ninh.enterprise_name = "Hợp tác xã Bình Liêu".into();
    quang_ninh.commune = "Xã Bình Liêu".into();
    quang_ninh.province = "Quảng Ninh".into();
    let extra = vec![
        doc(95, "Miến dong Côn Minh", "mien-dong", agro),
        doc(96, "Mận sấy khô", "trai-cay-che-bien", agro),
        quang_ninh,
    ];
    let vocabulary = ketnoi::search::vocabulary::Vocabulary::from_texts(
        catalogue()
            .iter()
            .chain(&extra)
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
    );
    for e in engines().await {
        let name = e.name();
        e.upsert(extra.clone()).await.expect("index");
        let engine = e.as_ref();
        let read = async |typed: &str| {
            let mut query = q(typed);
            let reading = read_slip(&mut query.words, &vocabulary, |query| async move {
                engine.search(&query).await
            })
            .await
            .expect("search");
            let found = ids(engine, query).await;
            (reading.map(|r: Correction| (r.typed, r.read)), found)
        };
        let slip = |typed: &str, read: &str| Some((typed.to_string(), read.to_string()));

        // Four words, two letters swapped: the product named so first (product 1 has
        // `Côn Minh` in its enterprise's name).
        let (reading, found) = read("mein dong con minh ").await;
        assert_eq!(reading, slip("mein", "mien"), "{name}");
        assert_eq!(found, [95, 1], "{name}");
        // Two words; three; accents typed, the slip in an accented syllable or not.
        let (reading, mut found) = read("mein dong ").await;
        assert_eq!(reading, slip("mein", "mien"), "{name}");
        found.sort_unstable();
        assert_eq!(found, [1, 95, 97], "{name}");
        let (reading, found) = read("mien dogn minh ").await;
        assert_eq!(reading, slip("dogn", "dong"), "{name}");
        assert_eq!(found.first(), Some(&95), "{name}");
        let (reading, found) = read("Miếm dong Côn Minh ").await;
        assert_eq!(reading, slip("miếm", "mien"), "{name}");
        assert_eq!(found.first(), Some(&95), "{name}");
        let (reading, found) = read("Miến dogn Côn Minh").await;
        assert_eq!(reading, slip("dogn", "dong"), "{name}");
        assert_eq!(found.first(), Some(&95), "{name}");

        // Alone, a slip finds nothing: no flood of products one letter away.
        assert_eq!(read("mein ").await, (None, vec![]), "{name}");
        assert_eq!(read("dogn ").await, (None, vec![]), "{name}");
        // A correct word is never read as another, even one the other words would meet
        // in a name: `ninh` (Quảng Ninh) is in no name, and `mien dong minh` finds 95.
        assert_eq!(read("mien dong ninh ").await, (None, vec![97]), "{name}");
        assert_eq!(read("dua tre ninh ").await, (None, vec![2]), "{name}");
        assert_eq!(read("mien dong ").await.0, None, "{name}");
        // `thơm` is only in a description.
        assert_eq!(read("mang thom ").await, (None, vec![8]), "{name}");
        // `minh` meets `mật ong` only in the producer's name, not in a product's: an
        // English word is not taken for a name.
        assert_eq!(read("mint mat ong ").await, (None, vec![]), "{name}");
        // `măng khô` and `mận khô` are both one letter from `manh kho`: no guess.
        assert_eq!(read("manh kho ").await, (None, vec![]), "{name}");
        // Two slips: neither is anchored by the other words.
        assert_eq!(read("mein dogn ").await, (None, vec![]), "{name}");
    }
}

/// A slip in a short word of a place's name (`bac kna`) is read before either engine sees
/// the query, and only when the query so read finds products there
/// (`ketnoi::search::slips::anchored`): the same answer from both engines.
#[tokio::test]
async fn a_slip_in_a_short_word_of_a_place_is_read_where_the_query_finds_products() {
    use ketnoi::domain::place::{FormerCommune, PlaceIndex};
    use ketnoi::search::slips::anchored;
    let former = |district: &str, province: &str, code| FormerCommune {
        commune_code: 1,
        name: "Xã Côn Minh".into(),
        district: district.into(),
        province: province.into(),
        province_code: code,
    };
    let places = PlaceIndex::new(
        Vec::new(),
        &[(4, "Tỉnh Quảng Ninh".into())],
        vec![former("Huyện Na Rì", "Tỉnh Bắc Kạn", 6)],
    );
    for e in engines().await {
        let name = e.name();
        let engine = e.as_ref();
        // The place as read, and whether the query (in a category) anchors it.
        let read_in = async |typed: &str, category: Option<&str>| {
            let mut query = q(typed);
            if let Some(slug) = category {
                query.filters = BTreeMap::from([("category".into(), vec![slug.into()])]);
            }
            let folded: Vec<&str> = query.words.iter().map(|w| w.folded.as_str()).collect();
            let named = places.mentioned(&folded, |_| true).expect("a place");
            assert!(named.short, "{typed}");
            let slip = named.slip.expect("a slip");
            let found = anchored(&query.words, slip, &query.filters, |query| async move {
                engine.search(&query).await
            })
            .await
            .expect("search");
            (named.place.name.clone(), slip.1.to_string(), found)
        };
        let read = async |typed: &str| read_in(typed, None).await;
        // Product 2 is from Quảng Ninh, the honey (7) from Bắc Kạn.
        assert_eq!(
            read("dua tre quang nihn").await,
            ("Tỉnh Quảng Ninh".into(), "ninh".into(), true),
            "{name}"
        );
        assert_eq!(
            read("mat ong quang nihn").await,
            ("Tỉnh Quảng Ninh".into(), "ninh".into(), false),
            "{name}"
        );
        assert_eq!(
            read("mat ong bac kna").await,
            ("Tỉnh Bắc Kạn".into(), "kan".into(), true),
            "{name}"
        );
        assert_eq!(
            read("dua tre bac kna").await,
            ("Tỉnh Bắc Kạn".into(), "kan".into(), false),
            "{name}"
        );
        assert_eq!(
            read("mat ong huyen na rii").await,
            ("Huyện Na Rì".into(), "ri".into(), true),
            "{name}"
        );
        // Within the query's filters: no honey among Bắc Kạn's tea.
        assert!(!read_in("mat ong bac kna", Some("che")).await.2, "{name}");
    }
}
