//! The OpenAPI document and a readable reference page rendered from it on the server
//! (no script or CDN needed, so it reads on any phone and offline).

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa::OpenApi;

use crate::domain::Code;
use crate::http::pages::{PageCtx, render};
use crate::i18n::Lang;

/// The parts of the document that belong to no operation: title, description and tags.
/// The operations come from the API's routes (`router.rs`), each described by its handler.
#[derive(OpenApi)]
#[openapi(
    info(title = "ketnoi API", version = "1",
         description = "Producer catalogue and market-linkage marketplace. Errors are `{\"error\": {\"code\", \"message\", \"kind\", \"field\", \"link\"}}` with stable codes, each listed with its status and messages under Error codes on `/api/docs`; `kind` tells a value already taken (`taken`) from a move the record's state does not allow (`state`); messages follow `Accept-Language` (Vietnamese by default). Sign in with `POST /api/v1/auth/login`; the session is a cookie (`ketnoi_session`), and with it comes a form-token cookie (`ketnoi_csrf`): every state-changing call made with the session and without a browser's `Origin`/`Sec-Fetch-Site` headers sends that token back in `X-CSRF-Token` (else 403 `auth.csrf_token`). Partial updates (PATCH) are JSON merge patches."),
    tags((name = "auth", description = "Accounts and sessions"),
         (name = "catalogue", description = "Categories, places, enterprises, products"),
         (name = "vetting", description = "Review by the centre, audit trail"),
         (name = "search", description = "Searching the published catalogue"),
         (name = "media", description = "Photos, logos and certificate documents"),
         (name = "fairs", description = "Trade fairs: exhibitors, booths, QR codes, leads and results"),
         (name = "programmes", description = "Support programmes (đề án khuyến công): proposals, moves from appraisal to settlement, payments, the year's plan"),
         (name = "imports", description = "Survey spreadsheets imported (checked first, then run in batches) and the catalogue exported"),
         (name = "brokering", description = "Market-linkage and technology-transfer requests, brokered by the centre; notifications"))
)]
pub struct ApiDoc;

/// The whole document, as the router put it together.
pub type Document = Extension<Arc<utoipa::openapi::OpenApi>>;

pub async fn openapi_json(Extension(doc): Document) -> Response {
    axum::Json(doc.as_ref()).into_response()
}

struct Operation {
    method: String,
    path: String,
    summary: String,
    description: String,
    params: Vec<(String, String, String, bool, String)>,
    body: String,
    responses: Vec<(String, String, String)>,
}

/// One row of the error table: code, status, kind, Vietnamese and English messages.
struct ErrorRow {
    code: &'static str,
    status: u16,
    kind: &'static str,
    vi: &'static str,
    en: &'static str,
}

struct Schema {
    name: String,
    fields: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    ctx: PageCtx,
    description: String,
    operations: Vec<Operation>,
    schemas: Vec<Schema>,
    errors: Vec<ErrorRow>,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// `ProductView`, `string`, `array of Category`, …
fn type_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(items) = schema.get("items") {
        return format!("array of {}", type_name(items));
    }
    for key in ["oneOf", "allOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            return list
                .iter()
                .map(type_name)
                .filter(|t| t != "null")
                .collect::<Vec<_>>()
                .join(" | ");
        }
    }
    match schema.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .map(text)
            .filter(|t| t != "null")
            .collect::<Vec<_>>()
            .join(" | "),
        Some(t) => text(t),
        None => "object".into(),
    }
}

fn json_schema_of(content: &Value) -> String {
    content
        .get("content")
        .and_then(|c| c.get("application/json"))
        .and_then(|c| c.get("schema"))
        .map(type_name)
        .unwrap_or_default()
}

pub async fn api_docs(ctx: PageCtx, Extension(doc): Document) -> Response {
    let doc = serde_json::to_value(doc.as_ref()).unwrap_or_default();
    let mut operations = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post", "patch", "put", "delete"] {
                let Some(op) = item.get(method) else { continue };
                operations.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: text(&op["summary"]),
                    description: text(&op["description"]),
                    params: op["parameters"]
                        .as_array()
                        .map(|ps| {
                            ps.iter()
                                .map(|p| {
                                    (
                                        text(&p["name"]),
                                        text(&p["in"]),
                                        type_name(&p["schema"]),
                                        p["required"].as_bool().unwrap_or(false),
                                        text(&p["description"]),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    body: op
                        .get("requestBody")
                        .map(json_schema_of)
                        .unwrap_or_default(),
                    responses: op["responses"]
                        .as_object()
                        .map(|rs| {
                            rs.iter()
                                .map(|(status, r)| {
                                    (status.clone(), text(&r["description"]), json_schema_of(r))
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object()
        .map(|all| {
            all.iter()
                .map(|(name, s)| Schema {
                    name: name.clone(),
                    fields: s["properties"]
                        .as_object()
                        .map(|props| {
                            props
                                .iter()
                                .map(|(f, p)| (f.clone(), type_name(p), text(&p["description"])))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    render(&DocsPage {
        ctx,
        description: text(&doc["info"]["description"]),
        operations,
        schemas,
        errors: Code::ALL
            .iter()
            .map(|&code| ErrorRow {
                code: code.as_str(),
                status: code.kind().http_status(),
                kind: code.kind().as_str(),
                vi: crate::error::message(Lang::Vi, code),
                en: crate::error::message(Lang::En, code),
            })
            .collect(),
    })
}
