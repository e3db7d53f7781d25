//! ketnoi: the producer catalogue and market-linkage marketplace of a provincial
//! Industrial and Trade Promotion Centre.
//!
//! `router::build_app` assembles the whole application from a database connection and a
//! configuration; the binary in `main.rs` and the integration tests both go through it.
//! The layers, and the one direction in which they may depend on each other, are described
//! in the README's architecture part and checked by `tests/layers.rs`.

pub mod app;
pub mod clock;
pub mod config;
pub mod context;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod page_cache;
pub mod print;
pub mod qr;
pub mod router;
pub mod search;
pub mod services;
pub mod sheet;
pub mod storage;

/// The allocator of every program built on ketnoi: the server, and the tests and benches that
/// measure it. mimalloc hands out and takes back the many small strings of a search's answer
/// faster than the system's allocator, and keeps less memory resident.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
