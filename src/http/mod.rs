//! HTTP: extractors, middleware, the JSON API and the server-rendered pages.

pub mod api;
pub mod charts;
pub mod headers;
pub mod metrics;
pub mod pages;
pub mod request_id;
pub mod server;
pub mod session;
pub mod statics;
pub mod upload;
