//! CSS, scripts and icons, embedded in the binary and served with long cache lifetimes.
//! File names carry a content hash in their query string (see `asset_url`), so a new
//! release is fetched at once while an unchanged file is never fetched twice.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    path: &'static str,
    body: &'static [u8],
    content_type: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "app.css",
        body: include_bytes!("../../frontend/static/app.css"),
        content_type: "text/css; charset=utf-8",
    },
    Asset {
        path: "app.js",
        body: include_bytes!("../../frontend/static/app.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        path: "fair-capture.js",
        body: include_bytes!("../../frontend/static/fair-capture.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        path: "survey-capture.js",
        body: include_bytes!("../../frontend/static/survey-capture.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        path: "import-progress.js",
        body: include_bytes!("../../frontend/static/import-progress.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    // DejaVu Sans covers every Vietnamese letter; printed matter embeds it.
    Asset {
        path: "fonts/DejaVuSans.ttf",
        body: include_bytes!("../../frontend/static/fonts/DejaVuSans.ttf"),
        content_type: "font/ttf",
    },
    Asset {
        path: "fonts/DejaVuSans-Bold.ttf",
        body: include_bytes!("../../frontend/static/fonts/DejaVuSans-Bold.ttf"),
        content_type: "font/ttf",
    },
    Asset {
        path: "favicon.svg",
        body: include_bytes!("../../frontend/static/favicon.svg"),
        content_type: "image/svg+xml",
    },
];

static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| hex::encode(&Sha256::digest(a.body)[..6]))
        .collect()
});

/// `/static/app.css?v=1a2b3c…`
pub fn asset_url(path: &str) -> String {
    match ASSETS.iter().position(|a| a.path == path) {
        Some(i) => format!("/static/{path}?v={}", VERSIONS[i]),
        None => format!("/static/{path}"),
    }
}

/// The bytes of an embedded file, e.g. a font for printed matter.
pub fn asset_bytes(path: &str) -> Option<&'static [u8]> {
    ASSETS.iter().find(|a| a.path == path).map(|a| a.body)
}

pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.body,
    )
        .into_response()
}
