//! A real `ketnoi serve` process against clients that misbehave and a search engine that
//! never answers: the server starts, stays up, and lets go of what it cannot finish.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `ketnoi serve` with `args` and waits (up to `within`) for its health check.
fn start(args: &[&str], within: Duration) -> (Server, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let addr = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--addr", &addr])
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("KETNOI_SEARCH_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let server = Server {
        child,
        addr,
        _dir: dir,
    };
    while started.elapsed() < within {
        if let Some((200, _)) = get(&server.addr, "/healthz", Duration::from_secs(2)) {
            return (server, started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("ketnoi serve did not answer its health check within {within:?}");
}

/// A plain HTTP/1.1 GET: the status and body, or `None` when nothing came back in time.
fn get(addr: &str, path: &str, timeout: Duration) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split(' ').nth(1)?.parse().ok()?;
    Some((status, answer))
}

/// Reads until the server closes the connection or `limit` passes; returns what came and
/// whether the server closed it.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

#[test]
fn a_search_engine_that_never_answers_does_not_stop_the_site() {
    // Accepts connections and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").expect("listener");
    let url = format!(
        "meilisearch+http://{}",
        silent.local_addr().expect("address")
    );
    let held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for stream in silent.incoming().flatten().take(64) {
            kept.push(stream);
        }
        kept
    });
    let (server, took) = start(&["--demo", "--search-url", &url], Duration::from_secs(40));
    // Loading the demo takes its own time on a busy machine; what matters is that the start
    // never waits out the search engine's 30-second request deadline.
    assert!(took < Duration::from_secs(28), "started in {took:?}");
    let (status, _) = get(&server.addr, "/san-pham", Duration::from_secs(10)).expect("browse");
    assert_eq!(status, 200, "the catalogue is served without search");
    let asked = Instant::now();
    let (status, body) = get(
        &server.addr,
        "/api/v1/search?q=mien",
        Duration::from_secs(20),
    )
    .expect("search");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("search.unavailable"), "{body}");
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
    drop(server);
    drop(held);
}

#[test]
fn a_client_that_never_finishes_its_headers_is_let_go() {
    let (server, _) = start(&["--header-timeout", "1"], Duration::from_secs(20));
    let mut slow = TcpStream::connect(&server.addr).expect("connect");
    write!(slow, "GET / HTTP/1.1\r\nHost: {}\r\nX-Slow: 1", server.addr).expect("write");
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(6));
    assert!(
        closed,
        "the server still holds a connection whose headers never ended"
    );
    // An idle connection that never sends a request goes the same way.
    let mut idle = TcpStream::connect(&server.addr).expect("connect");
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(6));
    assert!(closed, "an idle connection is held");
    // So does a kept-alive connection that asks nothing more after its first answer.
    let mut kept = TcpStream::connect(&server.addr).expect("connect");
    write!(
        kept,
        "GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    )
    .expect("write");
    let (answer, closed) = read_until_closed(&mut kept, Duration::from_secs(6));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("\r\nkeep-alive: timeout=1\r\n"),
        "the answer tells the client how long the connection stays open: {answer:?}"
    );
    assert!(closed, "an idle kept-alive connection is held");
    // Others are served all along.
    assert_eq!(
        get(&server.addr, "/healthz", Duration::from_secs(5)).map(|(s, _)| s),
        Some(200)
    );
}

#[test]
fn an_upload_nobody_may_make_is_refused_before_its_body_is_sent() {
    // The demo is only what it talks to: it may take its time to start on a busy machine.
    let (server, _) = start(&["--demo"], Duration::from_secs(60));
    let mut upload = TcpStream::connect(&server.addr).expect("connect");
    // Headers of a 10 MB photo, and no body at all: the answer must not wait for it.
    write!(
        upload,
        "POST /api/v1/products/1/photos HTTP/1.1\r\nHost: {}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 10000000\r\n\
         Expect: 100-continue\r\n\r\n",
        server.addr
    )
    .expect("write");
    let (answer, _) = read_until_closed(&mut upload, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer:?}");
    assert!(
        !answer.contains("100 Continue"),
        "the client was invited to send the body: {answer:?}"
    );
    upload.shutdown(Shutdown::Both).ok();
}

#[test]
fn a_request_whose_body_never_arrives_gets_an_answer_in_time() {
    let (server, _) = start(&["--request-timeout", "2"], Duration::from_secs(20));
    let mut slow = TcpStream::connect(&server.addr).expect("connect");
    write!(
        slow,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 200\r\n\r\n{{\"login\":",
        server.addr
    )
    .expect("write");
    let started = Instant::now();
    let (answer, _) = read_until_closed(&mut slow, Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(6));
}
