//! A request id for every request: taken from a reverse proxy's `X-Request-Id` when it is a
//! sane token, else made here; carried by the request's log span, returned in the
//! `X-Request-Id` response header and shown on error pages, so a person can quote it and an
//! operator find the request in the logs.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub static HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, as the request's extensions hold it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

tokio::task_local! {
    static CURRENT: String;
}

/// The id of the request being served, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

fn sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A new id: this process's random key, read from the system once, mixed with the number of
/// ids made before (splitmix64's step and finish). Ids never repeat within a process and
/// differ from one start to the next, without a system call on every request. An id names a
/// request in the logs; it is not a secret.
fn fresh() -> String {
    static KEY: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let key = *KEY.get_or_init(|| {
        let mut bytes = [0u8; 8];
        // Never fatal: without the system's randomness ids still differ within a process.
        let _ = getrandom::fill(&mut bytes);
        u64::from_le_bytes(bytes)
    });
    let n = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // An odd step: distinct counts give distinct states, and the finish is one-to-one.
    let mut z = key.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    format!("{:016x}", z ^ (z >> 31))
}

/// Gives the request its id, runs it, and names the id in the answer.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map_or_else(fresh, str::to_string);
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = CURRENT.scope(id.clone(), next.run(request)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER.clone(), value);
    }
    response
}

/// The log span of a request: its method, path and id.
pub fn span(request: &Request) -> tracing::Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map_or("", |r| r.0.as_str());
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_ids_are_sixteen_hex_digits_and_never_repeat() {
        let ids: std::collections::HashSet<String> = (0..20_000).map(|_| fresh()).collect();
        assert_eq!(ids.len(), 20_000);
        assert!(
            ids.iter()
                .all(|id| id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) && sane(id))
        );
    }

    #[test]
    fn only_sane_ids_are_taken_from_outside() {
        assert!(sane("9f2c1ab0-77e1-4c1b-8d3e-1b2c3d4e5f60"));
        assert!(!sane(""));
        assert!(!sane("a b"));
        assert!(!sane("<script>"));
        assert!(!sane(&"x".repeat(65)));
        assert_eq!(fresh().len(), 16);
    }
}
