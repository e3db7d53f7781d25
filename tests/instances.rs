//! Two `ketnoi serve` processes on one database, each with its own embedded search index,
//! one shared object store (a directory, or a bucket on the S3 server named by
//! `KETNOI_TEST_S3_ENDPOINT`) and one SMTP server: they serve as one site, and killed with
//! SIGKILL in the middle of a stream of writes, they lose nothing they acknowledged.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestApp;
use common::smtp::{delivered, start_smtp};
use ketnoi::config::StorageConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

const STAFF: &str = "canbo@example.vn";
const PRODUCER: &str = "p@example.vn";
const ENTERPRISE: &str = "HTX Côn Minh";
const BUYER: &str = "mua@example.vn";

/// A `ketnoi serve` process.
struct Instance {
    child: Child,
    port: u16,
    data: PathBuf,
    log: PathBuf,
}

impl Instance {
    fn start(
        database_url: &str,
        data: &Path,
        store: &StorageConfig,
        smtp_port: Option<u16>,
    ) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        std::fs::create_dir_all(data).expect("data directory");
        let log = data.join("server.log");
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ketnoi"));
        cmd.arg("--data-dir")
            .arg(data)
            .arg("serve")
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "info")
            .env_remove("KETNOI_SEARCH_URL")
            .stdout(Stdio::from(out.try_clone().expect("log file")))
            .stderr(Stdio::from(out));
        match store {
            StorageConfig::Dir(blobs) => {
                cmd.arg("--blob-dir").arg(blobs);
            }
            StorageConfig::S3(s3) => {
                cmd.env("KETNOI_S3_BUCKET", &s3.bucket)
                    .env(
                        "KETNOI_S3_ENDPOINT",
                        s3.endpoint.as_deref().unwrap_or_default(),
                    )
                    .env("KETNOI_S3_ACCESS_KEY", &s3.access_key)
                    .env("KETNOI_S3_SECRET_KEY", &s3.secret_key);
            }
        }
        if let Some(p) = smtp_port {
            cmd.env("KETNOI_SMTP_URL", format!("smtp://127.0.0.1:{p}"));
        }
        let child = cmd.spawn().expect("ketnoi serve starts");
        let instance = Instance {
            child,
            port,
            data: data.to_path_buf(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return instance;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("ketnoi serve did not start: {}", instance.log_text());
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A browser of the API: its cookies and the form token they carry.
#[derive(Default, Clone)]
struct Client {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

impl Client {
    async fn send(
        &mut self,
        method: reqwest::Method,
        url: &str,
        body: Option<reqwest::Body>,
        content_type: &str,
    ) -> Result<(StatusCode, Vec<u8>), reqwest::Error> {
        let mut request = self
            .http
            .request(method.clone(), url)
            .timeout(Duration::from_secs(20));
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header("cookie", cookie);
        }
        if method != reqwest::Method::GET
            && let Some(token) = self.cookies.get("ketnoi_csrf")
        {
            request = request.header("x-csrf-token", token);
        }
        if let Some(body) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request.send().await?;
        for set in response.headers().get_all("set-cookie") {
            let text = set.to_str().unwrap_or_default();
            if let Some((k, v)) = text.split(';').next().and_then(|kv| kv.split_once('=')) {
                if v.is_empty() {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        let status = response.status();
        Ok((status, response.bytes().await?.to_vec()))
    }

    async fn json(
        &mut self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        let (status, bytes) = self
            .send(
                method,
                url,
                body.map(|b| reqwest::Body::from(b.to_string())),
                "application/json",
            )
            .await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    async fn get(&mut self, url: &str) -> (StatusCode, Value) {
        self.json(reqwest::Method::GET, url, None)
            .await
            .expect("an answer")
    }

    async fn post(&mut self, url: &str, body: Value) -> (StatusCode, Value) {
        self.json(reqwest::Method::POST, url, Some(body))
            .await
            .expect("an answer")
    }

    async fn sign_in(&mut self, instance: &Instance, login: &str) {
        self.cookies.clear();
        let (status, body) = self
            .post(
                &instance.url("/api/v1/auth/login"),
                json!({"login": login, "password": "mat-khau-123"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "sign-in of {login}: {body}");
    }
}

/// The published products an instance's search finds (its own index).
async fn found(client: &mut Client, instance: &Instance) -> Option<BTreeSet<i64>> {
    let mut ids = BTreeSet::new();
    for page in 1..=20 {
        let (status, body) = client
            .json(
                reqwest::Method::GET,
                &instance.url(&format!("/api/v1/search?q=&per_page=100&page={page}")),
                None,
            )
            .await
            .ok()?;
        if status != StatusCode::OK {
            return None;
        }
        let hits = body["hits"].as_array()?;
        ids.extend(hits.iter().filter_map(|h| h["id"].as_i64()));
        if hits.len() < 100 {
            break;
        }
    }
    Some(ids)
}

/// Waits until the instance's index holds exactly `expected`; how long it took.
async fn converges(client: &mut Client, instance: &Instance, expected: &BTreeSet<i64>) -> Duration {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(30) {
        last = found(client, instance).await;
        if last.as_ref() == Some(expected) {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the index of {} did not converge: expected {expected:?}, found {last:?}\n{}",
        instance.data.display(),
        instance.log_text()
    );
}

async fn published_in_database(app: &TestApp) -> BTreeSet<i64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    ketnoi::db::entities::product::Entity::find()
        .filter(ketnoi::db::entities::product::Column::Status.eq("published"))
        .all(&app.db)
        .await
        .expect("products")
        .into_iter()
        .map(|p| i64::from(p.id))
        .collect()
}

/// A multipart body with one file part.
fn multipart(name: &str, bytes: &[u8]) -> (Vec<u8>, String) {
    let boundary = "ketnoi-test-boundary-7d1f";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_serve_as_one_and_lose_nothing_when_killed() {
    let Some(smtp) = start_smtp() else { return };
    let world = TestApp::builder()
        .staff(STAFF)
        .buyer(BUYER)
        .producer_with_enterprise(PRODUCER, ENTERPRISE)
        .build()
        .await;
    let eid = world.enterprise(ENTERPRISE);
    let mut app = world.app;
    // Products waiting for review, made before the instances start.
    app.sign_in(PRODUCER).await;
    let mut waiting = Vec::new();
    for n in 0..80 {
        let pid = app.create_product(eid, &format!("Miến dong mẻ {n}")).await;
        let r = app
            .post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
            .await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.body);
        waiting.push(pid);
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = common::test_storage(dir.path());
    let url = app.database_url.clone();
    let (dir_a, dir_b) = (dir.path().join("a"), dir.path().join("b"));
    let mut a = Instance::start(&url, &dir_a, &store, Some(smtp.port));
    let mut b = Instance::start(&url, &dir_b, &store, Some(smtp.port));

    // A session made on one instance works on the other.
    let mut producer = Client::default();
    producer.sign_in(&a, PRODUCER).await;
    let (status, me) = producer.get(&b.url("/api/v1/me")).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["email"], PRODUCER, "{me}");

    // Approved through A, found through B's own index (and A's).
    let mut staff = Client::default();
    staff.sign_in(&a, STAFF).await;
    let first = waiting.remove(0);
    let (_, product) = staff
        .get(&a.url(&format!("/api/v1/products/{first}")))
        .await;
    let (status, body) = staff
        .post(
            &a.url(&format!("/api/v1/products/{first}/review")),
            json!({"decision": "approve", "version": product["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let expected: BTreeSet<i64> = [first].into();
    let took_b = converges(&mut staff, &b, &expected).await;
    converges(&mut staff, &a, &expected).await;
    assert!(took_b < Duration::from_secs(10), "{took_b:?}");

    // A photo uploaded through A is served by B.
    let jpeg = common::images::phone_jpeg(64, 48, [200, 30, 30], [30, 30, 200]);
    let (body, content_type) = multipart("IMG_0001.jpg", &jpeg);
    let (status, bytes) = producer
        .send(
            reqwest::Method::POST,
            &a.url(&format!("/api/v1/products/{first}/photos")),
            Some(reqwest::Body::from(body)),
            &content_type,
        )
        .await
        .expect("an answer");
    let photo: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let media = photo["variants"][0]["url"]
        .as_str()
        .expect("a variant's address")
        .to_string();
    let (status, served) = producer
        .send(reqwest::Method::GET, &b.url(&media), None, "")
        .await
        .expect("an answer");
    assert_eq!(status, StatusCode::OK);
    assert!(!served.is_empty());

    // Requests sent through both instances: each e-mail they queue for the desk goes out
    // once, whichever instance's worker sends it.
    let mut buyer = Client::default();
    buyer.sign_in(&a, BUYER).await;
    for n in 0..10 {
        let instance = if n % 2 == 0 { &a } else { &b };
        let mut request = common::desk::linkage();
        request["title"] = json!(format!("Cần miến dong, đợt {n}"));
        let (status, body) = buyer.post(&instance.url("/api/v1/requests"), request).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let mut staff_b = Client::default();
    staff_b.sign_in(&b, STAFF).await;
    let mut approved = vec![first];
    for n in 0..10 {
        let pid = waiting.remove(0);
        let (client, instance) = if n % 2 == 0 {
            (&mut staff, &a)
        } else {
            (&mut staff_b, &b)
        };
        let (_, product) = client
            .get(&instance.url(&format!("/api/v1/products/{pid}")))
            .await;
        let (status, body) = client
            .post(
                &instance.url(&format!("/api/v1/products/{pid}/review")),
                json!({"decision": "approve", "version": product["version"]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        approved.push(pid);
    }
    // Each e-mail the approvals queued went out once, whichever instance sent it.
    use sea_orm::{EntityTrait, PaginatorTrait};
    let deadline = Instant::now() + Duration::from_secs(30);
    let queued = loop {
        let unsent = {
            use sea_orm::{ColumnTrait, QueryFilter};
            ketnoi::db::entities::email_outbox::Entity::find()
                .filter(ketnoi::db::entities::email_outbox::Column::SentAt.is_null())
                .count(&app.db)
                .await
                .expect("outbox")
        };
        if unsent == 0 || Instant::now() > deadline {
            break ketnoi::db::entities::email_outbox::Entity::find()
                .count(&app.db)
                .await
                .expect("outbox");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mail = delivered(&smtp.maildir.path().join("mail"));
    let distinct: BTreeSet<&(String, String, String)> = mail.iter().collect();
    assert!(queued > 0);
    assert_eq!(distinct.len(), mail.len(), "a message was sent twice");
    assert_eq!(mail.len() as u64, queued, "every queued message was sent");

    // A stream of approvals through both instances, both killed with SIGKILL halfway.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(
        approved.iter().copied().collect::<BTreeSet<i64>>(),
    ));
    let stream = {
        let acknowledged = acknowledged.clone();
        let (url_a, url_b) = (a.url(""), b.url(""));
        let (mut staff, mut staff_b) = (staff.clone(), staff_b.clone());
        let waiting = waiting.clone();
        tokio::spawn(async move {
            for (n, pid) in waiting.into_iter().enumerate() {
                let (client, base) = if n % 2 == 0 {
                    (&mut staff, &url_a)
                } else {
                    (&mut staff_b, &url_b)
                };
                let Ok((_, product)) = client
                    .json(
                        reqwest::Method::GET,
                        &format!("{base}/api/v1/products/{pid}"),
                        None,
                    )
                    .await
                else {
                    return;
                };
                match client
                    .json(
                        reqwest::Method::POST,
                        &format!("{base}/api/v1/products/{pid}/review"),
                        Some(json!({"decision": "approve", "version": product["version"]})),
                    )
                    .await
                {
                    Ok((StatusCode::OK, _)) => {
                        acknowledged.lock().expect("lock").insert(pid);
                    }
                    _ => return,
                }
            }
        })
    };
    while acknowledged.lock().expect("lock").len() < 35 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.kill();
    b.kill();
    stream.await.expect("the stream ends");
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() >= 35);

    let published = published_in_database(&app).await;
    assert!(
        acknowledged.is_subset(&published),
        "acknowledged but not in the database: {:?}",
        acknowledged.difference(&published).collect::<Vec<_>>()
    );
    let restarted = Instant::now();
    let mut a = Instance::start(&url, &dir_a, &store, Some(smtp.port));
    let mut b = Instance::start(&url, &dir_b, &store, Some(smtp.port));
    let mut reader = Client::default();
    converges(&mut reader, &a, &published).await;
    converges(&mut reader, &b, &published).await;
    eprintln!(
        "acknowledged {} approvals before SIGKILL; {} published; both indexes equal the database {:?} after the restart began",
        acknowledged.len(),
        published.len(),
        restarted.elapsed()
    );

    a.kill();
    b.kill();
}

/// The enterprise name each published product's search document carries, page by page.
async fn indexed_names(client: &mut Client, instance: &Instance) -> Option<Vec<String>> {
    let (status, body) = client
        .json(
            reqwest::Method::GET,
            &instance.url("/api/v1/search?q=&per_page=100"),
            None,
        )
        .await
        .ok()?;
    if status != StatusCode::OK {
        return None;
    }
    Some(
        body["hits"]
            .as_array()?
            .iter()
            .map(|h| {
                h["enterprise"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_twenty_times_in_a_stream_of_writes_the_database_and_index_agree() {
    const TRIALS: usize = 20;
    const PRODUCTS: usize = 30;
    let world = TestApp::builder()
        .staff(STAFF)
        .producer_with_enterprise(PRODUCER, ENTERPRISE)
        .build()
        .await;
    let eid = world.enterprise(ENTERPRISE);
    let mut app = world.app;
    for n in 0..PRODUCTS {
        app.sign_in(PRODUCER).await;
        let pid = app.create_product(eid, &format!("Miến dong mẻ {n}")).await;
        app.post_json(&format!("/api/v1/products/{pid}/submit"), json!({}))
            .await;
        app.sign_in(STAFF).await;
        let r = app.review(pid, json!({"decision": "approve"})).await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.body);
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let (data, store) = (dir.path().join("a"), common::test_storage(dir.path()));
    let url = app.database_url.clone();
    let mut last_acknowledged: Option<usize> = None;
    let mut written = 0usize;
    let mut slowest = Duration::ZERO;
    for trial in 0..TRIALS {
        let mut instance = Instance::start(&url, &data, &store, None);
        let mut staff = Client::default();
        staff.sign_in(&instance, STAFF).await;
        // A stream of renames of the enterprise (each one changes every product's search
        // document), cut by SIGKILL at a moment that differs from trial to trial.
        let acknowledged = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(usize::MAX));
        let stream = {
            let acknowledged = acknowledged.clone();
            let (mut staff, base) = (staff.clone(), instance.url(""));
            let first = written;
            tokio::spawn(async move {
                for n in first..first + 1000 {
                    let answer = staff
                        .json(
                            reqwest::Method::PATCH,
                            &format!("{base}/api/v1/enterprises/{eid}"),
                            Some(json!({"name": format!("HTX Côn Minh lần {n}")})),
                        )
                        .await;
                    match answer {
                        Ok((StatusCode::OK, _)) => {
                            acknowledged.store(n, std::sync::atomic::Ordering::SeqCst);
                        }
                        Ok((status, body)) => panic!("write refused: {status} {body}"),
                        Err(_) => return,
                    }
                }
            })
        };
        let cut = Duration::from_millis(300 + 97 * (trial as u64 % 13));
        tokio::time::sleep(cut).await;
        instance.kill();
        stream.await.expect("the stream ends");
        let ack = acknowledged.load(std::sync::atomic::Ordering::SeqCst);
        if ack != usize::MAX {
            last_acknowledged = Some(ack);
            written = ack + 2;
        }

        // The database holds the last acknowledged name, or the one in flight at the kill:
        // read on a connection of its own, as a process started now would read it (the
        // test app's pool is shared with its own background work).
        let stored = {
            use sea_orm::EntityTrait;
            let db = ketnoi::db::connect(&url).await.expect("database");
            let name = ketnoi::db::entities::enterprise::Entity::find_by_id(
                i32::try_from(eid).expect("id"),
            )
            .one(&db)
            .await
            .expect("database")
            .expect("the enterprise")
            .name;
            db.close().await.expect("closed");
            name
        };
        if let Some(ack) = last_acknowledged {
            assert!(
                stored == format!("HTX Côn Minh lần {ack}")
                    || stored == format!("HTX Côn Minh lần {}", ack + 1),
                "trial {trial}: acknowledged {ack}, stored {stored}"
            );
        }
        // Restarted, its index says what the database says.
        let restarted = Instant::now();
        let instance = Instance::start(&url, &data, &store, None);
        let mut reader = Client::default();
        loop {
            let names = indexed_names(&mut reader, &instance).await;
            if names
                .as_ref()
                .is_some_and(|n| n.len() == PRODUCTS && n.iter().all(|x| *x == stored))
            {
                break;
            }
            assert!(
                restarted.elapsed() < Duration::from_secs(30),
                "trial {trial}: the index did not converge to {stored}: {names:?}\n{}",
                instance.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        slowest = slowest.max(restarted.elapsed());
        drop(instance);
    }
    eprintln!(
        "{TRIALS} SIGKILLs; last acknowledged rename {last_acknowledged:?}; nothing acknowledged was lost; the index equalled the database at most {slowest:?} after each restart began"
    );
}
