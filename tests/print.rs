//! Printing with the real Chromium: the browser that turns the app's HTML into PDF reaches
//! no network and runs no script, whatever the page asks for.

mod common;

use std::time::Duration;

use common::pdf::pdf_text;

/// The Chromium the server would print with, or a loud skip (never in CI).
fn browser() -> Option<std::path::PathBuf> {
    let found = ketnoi::print::find_browser(None);
    if found.is_none() {
        assert!(std::env::var("CI").is_err(), "Chromium prints PDFs in CI");
        eprintln!("SKIPPED: printing (no Chromium)");
    }
    found
}

#[tokio::test]
async fn the_printing_browser_reaches_no_network_and_runs_no_script() {
    let Some(browser) = browser() else {
        return;
    };
    // A real server on this machine, which the page tries to load an image and a style
    // sheet from, by address and by name.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let port = listener.local_addr().expect("address").port();
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel();
    let server = tokio::spawn(async move {
        while let Ok((_, peer)) = listener.accept().await {
            let _ = seen_tx.send(peer);
        }
    });
    let html = format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>In thử</title>
<link rel="stylesheet" href="http://localhost:{port}/style.css"></head>
<body><p>Fair catalogue OCOP 2026</p>
<img src="http://127.0.0.1:{port}/x.png" alt="">
<img src="http://ketnoi-print-test.example/y.png" alt="">
<script>document.body.textContent = 'SCRIPT RAN';</script>
</body></html>"#
    );
    let pdf = ketnoi::print::pdf(&browser, &html, &[])
        .await
        .expect("a PDF");
    assert!(pdf.starts_with(b"%PDF"));
    // Anything Chromium had started would have arrived by now; give a slow one a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.abort();
    let mut connections = Vec::new();
    while let Ok(peer) = seen_rx.try_recv() {
        connections.push(peer);
    }
    assert!(
        connections.is_empty(),
        "the printing browser connected to the test server: {connections:?}"
    );
    let Some(text) = pdf_text(&pdf) else {
        return;
    };
    assert!(text.contains("Fair catalogue OCOP 2026"), "{text}");
    assert!(
        !text.contains("SCRIPT RAN"),
        "the page's script ran: {text}"
    );
}
