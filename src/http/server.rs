//! The HTTP server loop: every connection gets a deadline for its request headers, so a
//! client that opens connections and never finishes a request cannot hold them for ever.
//! (Whole requests are bounded by the router's timeout layer.)

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// How long the server waits on a connection.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// From a connection's start (or its previous answer) to the end of the next request's
    /// headers.
    pub header_read: Duration,
    /// How long requests still running at shutdown may take to finish.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in flight
/// finish within the grace period.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    // An idle kept-alive HTTP/1 connection is closed when the header deadline passes. Saying
    // so in every answer (a second early) lets clients stop reusing it before then, instead of
    // sending a request into a connection the server is closing.
    let keep_alive = HeaderValue::try_from(format!(
        "timeout={}",
        limits.header_read.as_secs().saturating_sub(1).max(1)
    ))
    .expect("digits are a header value");
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(limits.header_read);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, say: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (router, keep_alive) = (router.clone(), keep_alive.clone());
        let service = tower::service_fn(move |req: axum::http::Request<hyper::body::Incoming>| {
            let http1 = req.version() < axum::http::Version::HTTP_2;
            let mut req = req.map(axum::body::Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            let answer = router.clone().oneshot(req);
            let keep_alive = keep_alive.clone();
            async move {
                let mut res = answer.await?;
                if http1 {
                    res.headers_mut()
                        .entry(HeaderName::from_static("keep-alive"))
                        .or_insert(keep_alive);
                }
                Ok::<_, Infallible>(res)
            }
        });
        let service = TowerToHyperService::new(service);
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // Telling HTTP/1 from HTTP/2 waits for the first bytes with no deadline of its
            // own: a connection that never sends one is closed here.
            let mut first = [0u8; 1];
            match tokio::time::timeout(limits.header_read, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("requests still running at shutdown were cut off");
        }
    }
    Ok(())
}
