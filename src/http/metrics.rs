//! Operators' figures at `/metrics`, in Prometheus' text format: requests by route and
//! status with their latency, each search index's backlog and its age, dead letters, the
//! mail queue, search latency by engine and the database pool. Only a scraper presenting
//! `KETNOI_METRICS_TOKEN` reads them; without a token the address does not exist.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::context::AppState;

/// Latency buckets, in seconds: a page in milliseconds up to an export in seconds.
const BUCKETS: &[f64] = &[
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed once (every instance of the app in this process
/// shares it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .map_or_else(
                |_| PrometheusBuilder::new().build_recorder(),
                PrometheusBuilder::build_recorder,
            );
        let handle = recorder.handle();
        // Already set (another recorder in this process): its figures are the ones kept.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Counts each request and how long it took, by method, route (its pattern, not its
/// path, so ids do not multiply the series) and status.
pub async fn record(request: Request, next: Next) -> Response {
    handle();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// How often latency samples are folded into their histograms.
const UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the latency samples recorded since the last time into their histograms. A sample
/// waits in a queue until then, and without a scraper (`/metrics` needs a token) nothing
/// else empties it: the queue would grow with every request the server answers.
pub fn upkeep() {
    handle().run_upkeep();
}

/// Runs [`upkeep`] every few seconds for as long as the server runs.
pub fn spawn_upkeep() {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(UPKEEP);
        loop {
            tick.tick().await;
            upkeep();
        }
    });
}

fn authorised(state: &AppState, headers: &HeaderMap) -> Option<bool> {
    let token = state.config.metrics_token.as_deref()?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared in constant time: the token is a password.
    let same = given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    Some(same)
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match authorised(&state, &headers) {
        None => return StatusCode::NOT_FOUND.into_response(),
        Some(false) => {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
            )
                .into_response();
        }
        Some(true) => {}
    }
    gauges(&state).await;
    (
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        handle().render(),
    )
        .into_response()
}

/// Reads what the gauges show at the moment of the scrape.
async fn gauges(state: &AppState) {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    if let Ok(status) = crate::services::search_sync::status(&state.db, state.clock.now()).await {
        for c in &status.consumers {
            let labels = [("consumer", c.name.clone())];
            #[allow(clippy::cast_precision_loss)]
            metrics::gauge!("search_log_behind", &labels).set(c.behind as f64);
            #[allow(clippy::cast_precision_loss)]
            metrics::gauge!("search_log_lag_seconds", &labels).set(c.lag_seconds as f64);
            metrics::gauge!("search_consumer_failing_attempts", &labels).set(f64::from(c.attempts));
        }
        #[allow(clippy::cast_precision_loss)]
        metrics::gauge!("search_dead_letters").set(status.dead_letters.len() as f64);
    }
    use crate::db::entities::email_outbox;
    if let Ok(unsent) = email_outbox::Entity::find()
        .filter(email_outbox::Column::SentAt.is_null())
        .count(&state.db)
        .await
    {
        #[allow(clippy::cast_precision_loss)]
        metrics::gauge!("mail_queue").set(unsent as f64);
    }
    let (size, idle) = if state.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        let pool = state.db.get_postgres_connection_pool();
        (pool.size(), pool.num_idle())
    } else {
        let pool = state.db.get_sqlite_connection_pool();
        (pool.size(), pool.num_idle())
    };
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!("db_pool_idle").set(idle as f64);
}
