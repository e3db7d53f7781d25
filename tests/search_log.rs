//! The change log every search index follows: two indexes on one database, a worker that
//! never holds the database while the engine is slow, poison entries set aside, rebuilds
//! that lose nothing made while they run, and deletions that leave the index.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use common::TestApp;
use ketnoi::context::AppState;
use ketnoi::search::embedded::EmbeddedEngine;
use ketnoi::search::{SearchDoc, SearchEngine, SearchError, SearchQuery, SearchResults, words};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use ketnoi::db::entities::search_log;

const PRODUCER: &str = "p@example.vn";
const STAFF: &str = "canbo@example.vn";

/// A real embedded index behind a gate: while the gate is shut, writes to the index wait
/// (an engine that is slow to answer); a product can be made to be refused (an engine that
/// rejects one document).
struct Gated {
    inner: EmbeddedEngine,
    open: tokio::sync::watch::Sender<bool>,
    waiting: Arc<AtomicI32>,
    refuse: AtomicI32,
    rebuild_shut: AtomicBool,
    /// Down: every write to the index fails at once as if nothing answered.
    down: AtomicBool,
    /// Shared by instances, like a Meilisearch index: the database keeps its position.
    shared: bool,
}

impl Gated {
    fn new() -> Arc<Self> {
        Self::with(false)
    }

    fn shared() -> Arc<Self> {
        Self::with(true)
    }

    fn with(shared: bool) -> Arc<Self> {
        Arc::new(Gated {
            shared,
            inner: EmbeddedEngine::in_memory().expect("an index in memory"),
            open: tokio::sync::watch::channel(true).0,
            waiting: Arc::default(),
            refuse: AtomicI32::new(0),
            rebuild_shut: AtomicBool::new(false),
            down: AtomicBool::new(false),
        })
    }

    async fn pass(&self) {
        let mut rx = self.open.subscribe();
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _ = rx.wait_for(|open| *open).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    fn shut(&self) {
        self.open.send_replace(false);
    }

    fn open(&self) {
        self.open.send_replace(true);
    }

    async fn until_waiting(&self) {
        for _ in 0..400 {
            if self.waiting.load(Ordering::SeqCst) > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("nothing reached the engine");
    }
}

#[async_trait::async_trait]
impl SearchEngine for Gated {
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
        self.inner.search(query).await
    }
    async fn rebuild(&self, docs: Vec<SearchDoc>, position: i32) -> Result<(), SearchError> {
        if self.rebuild_shut.load(Ordering::SeqCst) {
            self.pass().await;
        }
        self.inner.rebuild(docs, position).await
    }
    async fn apply(
        &self,
        docs: Vec<SearchDoc>,
        gone: Vec<i32>,
        position: i32,
    ) -> Result<(), SearchError> {
        self.pass().await;
        if self.down.load(Ordering::SeqCst) {
            return Err(SearchError::Unavailable("connection refused".into()));
        }
        let refused = self.refuse.load(Ordering::SeqCst);
        if refused != 0 && docs.iter().any(|d| d.id == refused) {
            return Err(SearchError::Failed(format!(
                "document {refused}: invalid_document_fields"
            )));
        }
        self.inner.apply(docs, gone, position).await
    }
    async fn position(&self) -> Result<Option<i32>, SearchError> {
        if self.shared {
            Err(SearchError::Failed("kept by the database".into()))
        } else {
            self.inner.position().await
        }
    }
    fn keeps_position(&self) -> bool {
        !self.shared
    }
    async fn set_synonyms(&self, groups: Vec<Vec<String>>) -> Result<(), SearchError> {
        self.inner.set_synonyms(groups).await
    }
    fn consumer(&self) -> String {
        if self.shared {
            "shared:products".into()
        } else {
            self.inner.consumer()
        }
    }
    fn name(&self) -> &'static str {
        "embedded"
    }
}

/// The products an index finds for `q`.
async fn found(state: &AppState, q: &str) -> Vec<i32> {
    found_up_to(state, q, 50).await
}

/// The first `limit` products an index finds for `q`, by id.
async fn found_up_to(state: &AppState, q: &str, limit: usize) -> Vec<i32> {
    let query = SearchQuery {
        words: words(q),
        limit,
        ..Default::default()
    };
    let mut ids: Vec<i32> = state
        .search
        .search(&query)
        .await
        .expect("search")
        .hits
        .iter()
        .map(|h| h.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// Every product an index holds.
async fn found_all(state: &AppState) -> Vec<i32> {
    found_up_to(state, "", 1_000).await
}

/// An app whose producer has an enterprise; returns it with the enterprise's id.
async fn producer_app() -> (TestApp, i64) {
    let mut app = TestApp::new().await;
    let (_, eid) = app.producer_with_enterprise(PRODUCER, "HTX Côn Minh").await;
    app.sign_in_new("staff", STAFF).await;
    app.clear_cookies();
    (app, eid)
}

/// A product created by the producer and approved by staff.
async fn published(app: &mut TestApp, eid: i64, name: &str) -> i32 {
    app.sign_in(PRODUCER).await;
    let pid = app.create_product(eid, name).await;
    app.post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
        .await;
    app.sign_in(STAFF).await;
    let r = app.review(pid, json!({"decision": "approve"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    i32::try_from(pid).expect("an id")
}

/// A second instance of the app on the same database, with its own embedded index.
async fn second_instance(app: &TestApp) -> AppState {
    ketnoi::app::build_state(app.db.clone(), ketnoi::config::Config::default())
        .await
        .expect("second instance")
}

async fn log_len(app: &TestApp) -> u64 {
    search_log::Entity::find()
        .count(&app.db)
        .await
        .expect("the log")
}

#[tokio::test]
async fn two_indexes_on_one_database_each_follow_the_log_and_it_is_trimmed_past_both() {
    let (mut app, eid) = producer_app().await;
    let b = second_instance(&app).await;
    assert_ne!(app.state.search.consumer(), b.search.consumer());
    // Both indexes start from the catalogue.
    app.index().await;
    ketnoi::jobs::search::drain(&b).await.unwrap();

    let pid = published(&mut app, eid, "Miến dong Na Rì").await;
    app.index().await;
    assert_eq!(found(&app.state, "mien dong").await, [pid]);
    // The other instance's index has not applied it yet, and the log keeps it for it.
    assert_eq!(found(&b, "mien dong").await, Vec::<i32>::new());
    ketnoi::services::search_sync::trim(&app.db, app.state.clock.now())
        .await
        .unwrap();
    assert!(log_len(&app).await > 0);
    ketnoi::jobs::search::drain(&b).await.unwrap();
    assert_eq!(found(&b, "mien dong").await, [pid]);
    // Both are past every entry: the log is trimmed.
    ketnoi::services::search_sync::trim(&app.db, app.state.clock.now())
        .await
        .unwrap();
    assert_eq!(log_len(&app).await, 0);

    // Unpublished through one instance, it leaves both indexes.
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/products/{pid}/unpublish"),
            json!({"reason": "Sai nhóm sản phẩm"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.index().await;
    ketnoi::jobs::search::drain(&b).await.unwrap();
    assert_eq!(found(&app.state, "mien dong").await, Vec::<i32>::new());
    assert_eq!(found(&b, "mien dong").await, Vec::<i32>::new());

    let status = app.get("/api/v1/search/status").await.json();
    assert_eq!(status["consumers"].as_array().unwrap().len(), 2, "{status}");
    assert_eq!(status["pending"], 0, "{status}");
}

#[tokio::test]
async fn writes_go_on_while_the_engine_is_slow_and_one_worker_feeds_an_index() {
    let (mut app, eid) = producer_app().await;
    let gated = Gated::shared();
    let mut slow = app.state.clone();
    slow.search = gated.clone();
    ketnoi::jobs::search::drain(&slow).await.unwrap();
    let first = published(&mut app, eid, "Miến dong Na Rì").await;

    gated.shut();
    let worker = {
        let slow = slow.clone();
        tokio::spawn(async move { ketnoi::jobs::search::drain(&slow).await })
    };
    gated.until_waiting().await;
    // Another instance feeding the same index waits for the lease instead of applying the
    // same entries at once.
    let mut other = slow.clone();
    other.instance = "another-instance".into();
    other.search_worker = Arc::default();
    assert_eq!(
        ketnoi::jobs::search::drain_once(&other, 100).await.unwrap(),
        0
    );
    // While the engine holds the worker, the catalogue takes writes as usual.
    let mut more = Vec::new();
    for name in ["Bún dong Côn Minh", "Mật ong bạc hà", "Chè Shan tuyết"] {
        more.push(published(&mut app, eid, name).await);
    }
    gated.open();
    worker.await.unwrap().unwrap();
    ketnoi::jobs::search::drain(&slow).await.unwrap();
    let mut all = vec![first];
    all.extend(&more);
    all.sort_unstable();
    let everything = found(&slow, "").await;
    assert_eq!(everything, all);
}

#[tokio::test]
async fn a_product_the_engine_keeps_refusing_is_set_aside_and_the_rest_go_on() {
    let (mut app, eid) = producer_app().await;
    let gated = Gated::new();
    let mut state = app.state.clone();
    state.search = gated.clone();
    ketnoi::jobs::search::drain(&state).await.unwrap();
    let bad = published(&mut app, eid, "Miến dong Na Rì").await;
    let good = published(&mut app, eid, "Bún dong Côn Minh").await;
    gated.refuse.store(bad, Ordering::SeqCst);
    for _ in 0..ketnoi::jobs::search::POISON_AFTER {
        let _ = ketnoi::jobs::search::drain(&state).await;
        state.clock.advance(chrono::Duration::seconds(10));
    }
    ketnoi::jobs::search::drain(&state).await.unwrap();
    assert_eq!(found(&state, "dong").await, [good]);

    app.sign_in(STAFF).await;
    let status = app.get("/api/v1/search/status").await.json();
    let letters = status["dead_letters"].as_array().unwrap();
    assert_eq!(letters.len(), 1, "{status}");
    assert_eq!(letters[0]["product_id"], bad);
    assert!(
        letters[0]["error"]
            .as_str()
            .unwrap()
            .contains("invalid_document_fields")
    );
    assert_eq!(status["pending"], 0, "{status}");
    let page = app.get("/staff/search").await;
    assert!(
        page.body.contains("Thay đổi bị chỉ mục từ chối"),
        "{}",
        page.body
    );

    // Mended, and sent through again by staff: it is found, and the letter is gone.
    gated.refuse.store(0, Ordering::SeqCst);
    let id = letters[0]["id"].as_i64().unwrap();
    app.sign_in(PRODUCER).await;
    let refused = app
        .post_json(
            &format!("/api/v1/search/dead-letters/{id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/search/dead-letters/{id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    ketnoi::jobs::search::drain(&state).await.unwrap();
    assert_eq!(found(&state, "dong").await, [bad, good]);
    let status = app.get("/api/v1/search/status").await.json();
    assert_eq!(status["dead_letters"], json!([]));
}

#[tokio::test]
async fn what_changes_while_the_index_is_rebuilt_is_in_it_afterwards() {
    let (mut app, eid) = producer_app().await;
    let gated = Gated::new();
    let mut state = app.state.clone();
    state.search = gated.clone();
    ketnoi::jobs::search::drain(&state).await.unwrap();
    let kept = published(&mut app, eid, "Miến dong Na Rì").await;
    let doomed = published(&mut app, eid, "Bún dong Côn Minh").await;
    ketnoi::jobs::search::drain(&state).await.unwrap();

    gated.rebuild_shut.store(true, Ordering::SeqCst);
    gated.shut();
    let rebuild = {
        let state = state.clone();
        tokio::spawn(async move { ketnoi::services::search::rebuild(&state).await })
    };
    gated.until_waiting().await;
    // The rebuild read the catalogue before these: a product deleted, the enterprise
    // renamed, a product published.
    app.sign_in(PRODUCER).await;
    let r = app.delete(&format!("/api/v1/products/{doomed}")).await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
    app.sign_in(STAFF).await;
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"name": "Hợp tác xã Miến dong Côn Minh"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    gated.open();
    gated.rebuild_shut.store(false, Ordering::SeqCst);
    let late = published(&mut app, eid, "Mật ong bạc hà").await;
    assert_eq!(rebuild.await.unwrap().unwrap(), 2);
    ketnoi::jobs::search::drain(&state).await.unwrap();
    assert_eq!(found(&state, "").await, [kept, late]);
    let hit = state
        .search
        .search(&SearchQuery {
            words: words("mien dong"),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(hit.hits[0].enterprise_name, "Hợp tác xã Miến dong Côn Minh");
}

#[tokio::test]
async fn a_deleted_certificate_no_longer_shows_as_verified_in_search() {
    let (mut app, eid) = producer_app().await;
    let pid = published(&mut app, eid, "Miến dong Na Rì").await;
    app.sign_in(PRODUCER).await;
    let pdf = b"%PDF-1.7\n% chung nhan\n1 0 obj <<>> endobj\n%%EOF\n";
    let r = app
        .multipart(
            "POST",
            &format!("/api/v1/enterprises/{eid}/documents"),
            &[
                ("kind", "trademark_certificate"),
                ("title", "Giấy chứng nhận nhãn hiệu"),
                ("product_id", &pid.to_string()),
            ],
            &[("file", "cn.pdf", pdf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let did = r.json()["id"].as_i64().unwrap();
    app.sign_in(STAFF).await;
    let r = app
        .post_json(
            &format!("/api/v1/documents/{did}/verify"),
            json!({"verified": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.index().await;
    let shown = |app: &TestApp| {
        let state = app.state.clone();
        async move {
            state
                .search
                .search(&SearchQuery {
                    words: words("mien"),
                    limit: 5,
                    ..Default::default()
                })
                .await
                .unwrap()
                .hits[0]
                .verified_documents
                .clone()
        }
    };
    assert_eq!(shown(&app).await, ["trademark_certificate"]);
    let r = app.delete(&format!("/api/v1/documents/{did}")).await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
    app.index().await;
    assert_eq!(shown(&app).await, Vec::<String>::new());
}

/// The search engine down for a minute (`KETNOI_TEST_ENGINE_DOWN_SECS`, default 60) during
/// a stream of approvals, fed by the server's own worker: every write succeeds, and the
/// index equals the catalogue within 10 s of the engine's return.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_engine_down_writes_succeed_and_the_index_converges_soon_after_it_returns() {
    let down_for = Duration::from_secs(
        std::env::var("KETNOI_TEST_ENGINE_DOWN_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let (mut app, eid) = producer_app().await;
    // Products waiting for review, approved one by one while the engine is down.
    app.sign_in(PRODUCER).await;
    let mut waiting = Vec::new();
    for n in 0..300 {
        let pid = app.create_product(eid, &format!("Miến dong mẻ {n}")).await;
        app.post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
            .await;
        waiting.push(pid);
    }
    app.sign_in(STAFF).await;
    let gated = Gated::shared();
    let mut state = app.state.clone();
    state.search = gated.clone();
    ketnoi::jobs::search::drain(&state).await.unwrap();
    gated.down.store(true, Ordering::SeqCst);
    ketnoi::jobs::search::spawn_worker(state.clone());
    let went_down = std::time::Instant::now();
    let mut written = Vec::new();
    for pid in waiting {
        if went_down.elapsed() >= down_for {
            break;
        }
        let r = app.review(pid, json!({"decision": "approve"})).await;
        assert_eq!(r.status, StatusCode::OK, "approval failed: {}", r.body);
        written.push(i32::try_from(pid).expect("an id"));
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    tokio::time::sleep(down_for.saturating_sub(went_down.elapsed())).await;
    assert_eq!(found(&state, "").await, Vec::<i32>::new());
    let status = ketnoi::services::search_sync::status(&app.db, app.state.clock.now())
        .await
        .unwrap();
    let consumer = status
        .consumers
        .iter()
        .find(|c| c.name == "shared:products")
        .expect("the index's consumer");
    assert!(consumer.attempts > 0, "{status:?}");
    assert!(consumer.last_error.is_some(), "{status:?}");
    let back = std::time::Instant::now();
    gated.down.store(false, Ordering::SeqCst);
    written.sort_unstable();
    while found_all(&state).await != written {
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "not converged 10 s after the engine came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "engine down {:.0} s: {} approvals, none failed; the index equalled the catalogue {:?} after the engine came back",
        down_for.as_secs_f64(),
        written.len(),
        back.elapsed()
    );
}
