//! The test harness: the real router over a fresh database for every test.
//!
//! SQLite (a file in a temporary directory) always; PostgreSQL when
//! `KETNOI_TEST_DATABASE_URL` names a server (each test gets its own new database there).

#![allow(dead_code)]

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use ketnoi::config::{Config, StorageConfig};
use ketnoi::services::auth;

pub mod desk;
pub mod images;
pub mod pdf;
pub mod programmes;
pub mod s3;
pub mod smtp;

pub struct TestApp {
    pub router: Router,
    pub state: ketnoi::context::AppState,
    pub db: sea_orm::DatabaseConnection,
    /// The test's own database, for the command line to open.
    pub database_url: String,
    cookies: HashMap<String, String>,
    _dir: tempfile::TempDir,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Which database the suite runs on, for messages.
pub fn backend() -> &'static str {
    if std::env::var("KETNOI_TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Which object store the suite runs on: a directory, or a fresh bucket on the S3 server
/// named by `KETNOI_TEST_S3_ENDPOINT`.
pub fn test_storage(dir: &std::path::Path) -> StorageConfig {
    match std::env::var("KETNOI_TEST_S3_ENDPOINT") {
        Ok(endpoint) => {
            let mut bytes = [0u8; 6];
            getrandom::fill(&mut bytes).expect("randomness");
            StorageConfig::S3(ketnoi::storage::s3::S3Settings {
                endpoint: Some(endpoint),
                region: "us-east-1".into(),
                bucket: format!("ketnoi-test-{}", hex::encode(bytes)),
                access_key: std::env::var("KETNOI_TEST_S3_ACCESS_KEY")
                    .unwrap_or_else(|_| "ketnoi-test".into()),
                secret_key: std::env::var("KETNOI_TEST_S3_SECRET_KEY")
                    .unwrap_or_else(|_| "ketnoi-test-secret".into()),
                path_style: true,
            })
        }
        Err(_) => StorageConfig::Dir(dir.join("blobs")),
    }
}

async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("KETNOI_TEST_DATABASE_URL") {
        Ok(admin_url) => {
            use sea_orm::ConnectionTrait;
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).expect("randomness");
            let name = format!("ketnoi_test_{}", hex::encode(bytes));
            let admin = sea_orm::Database::connect(&admin_url)
                .await
                .expect("connect to the PostgreSQL test server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let mut url = url::Url::parse(&admin_url).expect("KETNOI_TEST_DATABASE_URL is a URL");
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        Err(_) => format!("sqlite:{}", dir.join("test.db").display()),
    }
}

/// A test's world in one expression:
/// `TestApp::builder().staff("canbo@example.vn").producer_with_enterprise("p@example.vn", "HTX Côn Minh").build().await`.
/// Accounts are made as the command line makes them (password `mat-khau-123`); enterprises
/// are registered by their producer through the API; the app is left signed out.
#[derive(Default)]
pub struct Builder {
    config: Option<Config>,
    accounts: Vec<(&'static str, String)>,
    enterprises: Vec<(String, String)>,
}

/// What [`Builder::build`] made: the app, and the ids of the accounts and enterprises by
/// their login and name.
pub struct World {
    pub app: TestApp,
    users: HashMap<String, i32>,
    enterprises: HashMap<String, i64>,
}

impl Builder {
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    pub fn account(mut self, role: &'static str, login: &str) -> Self {
        self.accounts.push((role, login.to_string()));
        self
    }

    pub fn staff(self, login: &str) -> Self {
        self.account("staff", login)
    }

    pub fn admin(self, login: &str) -> Self {
        self.account("admin", login)
    }

    pub fn buyer(self, login: &str) -> Self {
        self.account("buyer", login)
    }

    pub fn producer(self, login: &str) -> Self {
        self.account("producer", login)
    }

    /// A producer and the enterprise they register.
    pub fn producer_with_enterprise(mut self, login: &str, enterprise: &str) -> Self {
        self.enterprises
            .push((login.to_string(), enterprise.to_string()));
        self
    }

    pub async fn build(self) -> World {
        let mut app = TestApp::with_config(self.config.unwrap_or_default()).await;
        let mut users = HashMap::new();
        for (role, login) in &self.accounts {
            users.insert(login.clone(), app.sign_in_new(role, login).await);
        }
        let mut enterprises = HashMap::new();
        for (login, name) in &self.enterprises {
            let (uid, eid) = app.producer_with_enterprise(login, name).await;
            users.insert(login.clone(), uid);
            enterprises.insert(name.clone(), eid);
        }
        app.clear_cookies();
        World {
            app,
            users,
            enterprises,
        }
    }
}

impl World {
    /// The id of the account signed in as `login`.
    pub fn user(&self, login: &str) -> i32 {
        *self
            .users
            .get(login)
            .unwrap_or_else(|| panic!("no account {login}"))
    }

    /// The id of the enterprise named `name`.
    pub fn enterprise(&self, name: &str) -> i64 {
        *self
            .enterprises
            .get(name)
            .unwrap_or_else(|| panic!("no enterprise {name}"))
    }
}

impl TestApp {
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub async fn new() -> Self {
        Self::with_config(Config::default()).await
    }

    pub async fn with_config(mut config: Config) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        if matches!(&config.storage, StorageConfig::Dir(d) if d.as_path() == std::path::Path::new("./data/blobs"))
        {
            config.storage = test_storage(dir.path());
        }
        let url = fresh_database(dir.path()).await;
        let db = ketnoi::db::connect(&url).await.expect("connect");
        ketnoi::db::migrate(&db).await.expect("migrate");
        let state = ketnoi::app::build_state(db.clone(), config)
            .await
            .expect("build app");
        let router = ketnoi::router::router(state.clone());
        TestApp {
            router,
            state,
            db,
            database_url: url,
            cookies: HashMap::new(),
            _dir: dir,
        }
    }

    /// Applies every waiting change to the search index, as the background worker does.
    pub async fn index(&self) -> usize {
        ketnoi::jobs::search::drain(&self.state)
            .await
            .expect("search index updated")
    }

    /// Everything a person could change: each table's rows (but sessions and throttle
    /// counters, which reading and being refused touch) and the object store's keys. Two
    /// equal snapshots mean nothing changed in between.
    pub async fn snapshot(&self) -> String {
        use sea_orm::{FromQueryResult, Statement};
        let backend = self.db.get_database_backend();
        let tables_sql = match backend {
            sea_orm::DatabaseBackend::Postgres => {
                "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
            }
            _ => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
            }
        };
        let tables = Value::find_by_statement(Statement::from_string(backend, tables_sql))
            .all(&self.db)
            .await
            .expect("list tables");
        let skip = ["sessions", "throttles", "seaql_migrations"];
        let mut out = String::new();
        for t in tables {
            let name = t["name"].as_str().expect("table name").to_string();
            if skip.contains(&name.as_str()) {
                continue;
            }
            let rows = Value::find_by_statement(Statement::from_string(
                backend,
                format!("SELECT * FROM \"{name}\" ORDER BY 1"),
            ))
            .all(&self.db)
            .await
            .expect("read table");
            out.push_str(&format!("{name}: {}\n", Value::Array(rows)));
        }
        let mut keys: Vec<String> = self
            .state
            .store
            .list("")
            .await
            .expect("list objects")
            .into_iter()
            .map(|o| o.key)
            .collect();
        keys.sort();
        out.push_str(&format!("objects: {keys:?}\n"));
        out
    }

    /// Forgets the session and form cookies: a new visitor in the same database.
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
    }

    /// This browser's cookies, to come back to after acting as someone else.
    pub fn cookie_jar(&self) -> HashMap<String, String> {
        self.cookies.clone()
    }

    /// Becomes the browser that had these cookies.
    pub fn set_cookie_jar(&mut self, jar: HashMap<String, String>) {
        self.cookies = jar;
    }

    /// The `Cookie` header this browser sends, for requests built by hand.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, request: Request<Body>) -> TestResponse {
        let mut request = request;
        if !self.cookies.is_empty() {
            let value = self.cookie_header().parse().expect("cookie header");
            request.headers_mut().insert(header::COOKIE, value);
        }
        self.add_csrf_header(&mut request);
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().expect("cookie is text");
            let pair = set.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || set.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// An API client holding a session sends its form token back on every state-changing
    /// call, as the API documents (browsers send their same-site signals instead).
    fn add_csrf_header(&self, request: &mut Request<Body>) {
        let safe = matches!(request.method().as_str(), "GET" | "HEAD" | "OPTIONS");
        // Pages' forms carry the token themselves.
        let api = request.uri().path().starts_with("/api/");
        if safe || !api || request.headers().contains_key("x-csrf-token") {
            return;
        }
        if let Some(token) = self.cookies.get("ketnoi_csrf") {
            request
                .headers_mut()
                .insert("x-csrf-token", token.parse().expect("token header"));
        }
    }

    /// A request of this browser or client built by hand: its cookies and form token.
    pub fn authorised(&self, mut request: Request<Body>) -> Request<Body> {
        if !self.cookies.is_empty() {
            let value = self.cookie_header().parse().expect("cookie header");
            request.headers_mut().insert(header::COOKIE, value);
        }
        self.add_csrf_header(&mut request);
        request
    }

    /// Sends a request as if it arrived over a connection from `peer` (`ip:port`).
    pub async fn send_from(&mut self, peer: &str, mut request: Request<Body>) -> TestResponse {
        request.extensions_mut().insert(connect_info(peer));
        self.send(request).await
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut builder = Request::get(path);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        self.send(builder.body(Body::empty()).expect("request"))
            .await
    }

    pub async fn json(&mut self, method: &str, path: &str, body: Value) -> TestResponse {
        self.send(json_request(method, path, &body)).await
    }

    pub async fn post_json(&mut self, path: &str, body: Value) -> TestResponse {
        self.json("POST", path, body).await
    }

    pub async fn patch_json(&mut self, path: &str, body: Value) -> TestResponse {
        self.json("PATCH", path, body).await
    }

    pub async fn delete(&mut self, path: &str) -> TestResponse {
        self.send(Request::delete(path).body(Body::empty()).expect("request"))
            .await
    }

    /// Sends a `multipart/form-data` request: text fields, then files
    /// (field name, file name, bytes).
    pub async fn multipart(
        &mut self,
        method: &str,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> TestResponse {
        let boundary = "----ketnoi-test-boundary-7d93";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file_name, bytes) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// The form token this browser holds, fetching a page first if it has none.
    pub async fn csrf(&mut self) -> String {
        if !self.cookies.contains_key("ketnoi_csrf") {
            self.get("/").await;
        }
        self.cookies
            .get("ketnoi_csrf")
            .cloned()
            .expect("form token cookie")
    }

    /// Posts an HTML form with its token, as a browser does.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.csrf().await;
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf", &token);
        for (k, v) in fields {
            body.append_pair(k, v);
        }
        self.post_raw_form(path, body.finish()).await
    }

    pub async fn post_raw_form(&mut self, path: &str, body: String) -> TestResponse {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// Creates an account directly (as the command line does) and signs in through the API.
    pub async fn sign_in_new(&mut self, role: &str, login: &str) -> i32 {
        let account = auth::NewAccount {
            login: ketnoi::domain::Login::parse(login).expect("valid login"),
            password: ketnoi::domain::Password::parse("mat-khau-123").expect("valid password"),
            full_name: format!("Người dùng {login}"),
            role: ketnoi::domain::Role::parse(role).expect("role"),
        };
        let user = auth::create_account(
            &self.db,
            self.state.clock.now(),
            auth::Opener::Console,
            account,
        )
        .await
        .expect("account");
        self.sign_in(login).await;
        user.id
    }

    pub async fn sign_in(&mut self, login: &str) {
        self.clear_cookies();
        let r = self
            .post_json(
                "/api/v1/auth/login",
                json!({"login": login, "password": "mat-khau-123"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "sign-in of {login}: {}", r.body);
    }

    /// A producer with one enterprise; returns (user id, enterprise id).
    pub async fn producer_with_enterprise(&mut self, login: &str, name: &str) -> (i32, i64) {
        let uid = self.sign_in_new("producer", login).await;
        let r = self
            .post_json("/api/v1/enterprises", enterprise_body(name))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        (uid, r.json()["id"].as_i64().expect("id"))
    }

    /// The product's current version, as a reviewer reads it.
    pub async fn version_of(&mut self, pid: impl std::fmt::Display) -> i64 {
        let r = self.get(&format!("/api/v1/products/{pid}")).await;
        r.json()["version"].as_i64().unwrap_or(0)
    }

    /// Decides on a product as staff do: on the version they just read.
    pub async fn review(
        &mut self,
        pid: impl std::fmt::Display + Copy,
        mut body: Value,
    ) -> TestResponse {
        if body.get("version").is_none() {
            body["version"] = json!(self.version_of(pid).await);
        }
        self.post_json(&format!("/api/v1/products/{pid}/review"), body)
            .await
    }

    /// The producer submits the product, then staff approve it as they see it.
    pub async fn submit_and_approve(&mut self, pid: i64, producer: &str, staff: &str) {
        self.sign_in(producer).await;
        let r = self
            .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        self.sign_in(staff).await;
        let r = self.review(pid, json!({"decision": "approve"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    pub async fn create_product(&mut self, enterprise_id: i64, name: &str) -> i64 {
        let mut body = product_body(name);
        body["enterprise_id"] = json!(enterprise_id);
        let r = self.post_json("/api/v1/products", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["id"].as_i64().expect("id")
    }
}

/// The connection details axum's server attaches to a request from `peer` (`ip:port`).
pub fn connect_info(peer: &str) -> axum::extract::ConnectInfo<std::net::SocketAddr> {
    axum::extract::ConnectInfo(peer.parse().expect("socket address"))
}

/// A JSON request, as an API client builds it.
pub fn json_request(method: &str, path: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// Sends requests all at once through the router (each its own connection from `peer`),
/// returning each answer's status and body in the order given.
pub async fn concurrently(
    router: &Router,
    peer: &str,
    requests: Vec<Request<Body>>,
) -> Vec<(StatusCode, String)> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, mut request) in requests.into_iter().enumerate() {
        request.extensions_mut().insert(connect_info(peer));
        let router = router.clone();
        tasks.spawn(async move {
            let response = router.oneshot(request).await.expect("router answers");
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (i, status, String::from_utf8_lossy(&bytes).into_owned())
        });
    }
    let mut out = tasks.join_all().await;
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, s, b)| (s, b)).collect()
}

/// Xã Na Rì, Thái Nguyên (formerly Bắc Kạn).
pub const NA_RI: i64 = 2155;

pub fn enterprise_body(name: &str) -> Value {
    json!({
        "name": name,
        "legal_form": "cooperative",
        "commune_code": NA_RI,
        "address": "Thôn Nà Pài",
        "phone": "0912.345.678",
        "certifications": ["food_safety"],
    })
}

pub fn product_body(name: &str) -> Value {
    json!({
        "name": name,
        "category": "mien-dong",
        "brand": "Côn Minh",
        "packaging_status": "designed",
        "trademark": {"status": "registered", "kind": "collective", "number": "312345", "filed_on": "2020-03-10", "granted_on": "2021-05-02"},
        "ocop_stars": 4,
        "ocop_year": 2023,
        "certifications": ["food_safety"],
        "unit": "kg",
        "price_min_vnd": 80000,
        "price_max_vnd": 120000,
        "min_order": 50,
        "monthly_capacity": 3000,
        "season_months": [10, 11, 12, 1],
        "shelf_life_days": 365,
        "description": "Miến dong làm từ củ dong riềng Na Rì, phơi nắng tự nhiên.",
    })
}
