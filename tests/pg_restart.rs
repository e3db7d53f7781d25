//! PostgreSQL restarted under load: while it is down, requests fail cleanly (503
//! `database.unavailable`, quickly, nothing half-written) and the site comes back by itself
//! when it returns, without restarting ketnoi. Runs on the PostgreSQL suite only (its own test
//! binary, so no other test shares the server while it restarts).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestApp;
use serde_json::json;

const STAFF: &str = "canbo@example.vn";

fn pg_ctl(action: &str) -> bool {
    let Ok(versions) = std::fs::read_dir("/etc/postgresql") else {
        return false;
    };
    let Some(version) = versions
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .next()
    else {
        return false;
    };
    // Stopped fast: sessions are cut, as a crash or a restart for an upgrade does.
    let mode: &[&str] = if action == "stop" {
        &["-m", "fast"]
    } else {
        &[]
    };
    Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", action])
        .args(mode)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The server process, stopped however the test ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pg_ready() -> bool {
    Command::new("pg_isready")
        .args(["-q", "-h", "127.0.0.1", "-p", "5432"])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_restarted_under_load_requests_fail_cleanly_and_the_site_recovers() {
    if std::env::var("KETNOI_TEST_DATABASE_URL").is_err() {
        eprintln!("SKIPPED: needs PostgreSQL (KETNOI_TEST_DATABASE_URL)");
        return;
    }
    let world = TestApp::builder()
        .staff(STAFF)
        .producer_with_enterprise("p@example.vn", "HTX Côn Minh")
        .build()
        .await;
    let eid = world.enterprise("HTX Côn Minh");
    let app = world.app;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_ketnoi"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ketnoi serve starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let mut up = false;
    for _ in 0..300 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "ketnoi serve did not become ready");
    // Staff's session, for writes.
    let login = http
        .post(format!("{base}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(json!({"login": STAFF, "password": "mat-khau-123"}).to_string())
        .send()
        .await
        .expect("sign-in");
    let mut cookies = Vec::new();
    let mut csrf = String::new();
    for set in login.headers().get_all("set-cookie") {
        let pair = set
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default();
        if let Some(token) = pair.strip_prefix("ketnoi_csrf=") {
            csrf = token.to_string();
        }
        cookies.push(pair.to_string());
    }
    let cookie = cookies.join("; ");

    // Load: reads and writes, one after the other, for as long as the test runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let started = Instant::now();
                let answer = if n % 2 == 0 {
                    http.get(format!("{base}/api/v1/products?per_page=5"))
                        .send()
                        .await
                } else {
                    http.patch(format!("{base}/api/v1/enterprises/{eid}"))
                        .header("cookie", &cookie)
                        .header("x-csrf-token", &csrf)
                        .header("content-type", "application/json")
                        .body(json!({"name": format!("HTX Côn Minh {n}")}).to_string())
                        .send()
                        .await
                };
                let (status, body) = match answer {
                    Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
                    Err(e) => (0, e.to_string()),
                };
                seen.push((Instant::now(), status, body, started.elapsed()));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stopped_at = Instant::now();
    let stopped = pg_ctl("stop");
    if !stopped {
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = load.await;
        drop(server);
        assert!(
            std::env::var("CI").is_err(),
            "pg_ctlcluster could not stop PostgreSQL here"
        );
        eprintln!("SKIPPED: cannot restart PostgreSQL on this machine");
        return;
    }
    // Longer than a request waits for a connection.
    tokio::time::sleep(Duration::from_secs(16)).await;
    let started = pg_ctl("start");
    for _ in 0..300 {
        if pg_ready() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back_at = Instant::now();
    assert!(started && pg_ready(), "PostgreSQL did not come back");
    // The site recovers by itself: a write succeeds again.
    let mut recovered = None;
    while back_at.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let ready = http.get(format!("{base}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            recovered = Some(back_at.elapsed());
            break;
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = load.await.expect("the load ends");
    assert!(
        server.0.try_wait().expect("process state").is_none(),
        "ketnoi serve kept running"
    );
    drop(server);

    let recovered = recovered.expect("the site became ready again without a restart");
    // Requests that started while it was down.
    let during: Vec<_> = seen
        .iter()
        .filter(|(at, _, _, took)| {
            at.checked_sub(*took)
                .is_some_and(|began| began > stopped_at && began < back_at)
        })
        .collect();
    let failed: Vec<_> = during.iter().filter(|(_, s, ..)| *s != 200).collect();
    assert!(
        !failed.is_empty(),
        "no request met the outage: {:?}",
        seen.iter()
            .map(|(at, s, b, t)| (
                at.checked_duration_since(stopped_at).map(|d| d.as_millis()),
                *s,
                t.as_millis(),
                b.chars().take(60).collect::<String>()
            ))
            .collect::<Vec<_>>()
    );
    for (_, status, body, took) in &failed {
        assert_eq!(*status, 503, "{body}");
        assert!(body.contains("database.unavailable"), "{body}");
        assert!(*took < Duration::from_secs(15), "an answer took {took:?}");
    }
    let after: Vec<_> = seen
        .iter()
        .filter(|(at, ..)| *at > back_at + recovered)
        .collect();
    assert!(
        !after.is_empty() && after.iter().all(|(_, s, ..)| *s == 200),
        "after the return: {:?}",
        after.iter().map(|(_, s, b, _)| (s, b)).collect::<Vec<_>>()
    );
    eprintln!(
        "PostgreSQL down about {:?}: {} requests answered 503 database.unavailable (slowest {:?}); ready again {:?} after it returned, without a restart",
        back_at - stopped_at,
        failed.len(),
        failed.iter().map(|(.., t)| *t).max().unwrap_or_default(),
        recovered
    );
}
