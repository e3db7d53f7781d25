//! Whether this instance can serve: alive (`/healthz`, nothing asked of anyone) and ready
//! (`/readyz`: the database answers with every migration applied; the search engine and the
//! object store are reported, since pages and the API serve without them).

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde::Serialize;

use crate::context::AppState;
use crate::error::AppResult;

/// How long each part is given to answer.
const PROBE: Duration = Duration::from_secs(2);

/// Asks the database for a trivial answer; an error means the instance cannot serve.
pub async fn check(state: &AppState) -> AppResult<()> {
    let db = &state.db;
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}

/// One part's state. What is wrong goes to the log, not to whoever asks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Part {
    pub ok: bool,
}

impl Part {
    fn of<E: std::fmt::Display>(name: &str, result: Result<(), E>) -> Part {
        match result {
            Ok(()) => Part { ok: true },
            Err(e) => {
                tracing::warn!(part = name, error = %e, "not ready");
                Part { ok: false }
            }
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// Ready to take requests: the database answers and its schema is this version's.
    pub ready: bool,
    pub database: Part,
    pub migrations: Part,
    pub search: Part,
    /// `embedded` or `meilisearch`.
    pub search_engine: &'static str,
    /// Changes this instance's index has not applied yet.
    pub search_behind: Option<u64>,
    pub store: Part,
}

async fn probe<T, E: std::fmt::Display>(
    work: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(PROBE, work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", PROBE.as_secs())),
    }
}

/// Asks each part in turn, each bounded in time.
pub async fn readiness(state: &AppState) -> Readiness {
    let database = Part::of("database", probe(check(state)).await);
    let migrations = if database.ok {
        Part::of(
            "migrations",
            probe(crate::db::pending_migrations(&state.db))
                .await
                .and_then(|pending| {
                    if pending == 0 {
                        Ok(())
                    } else {
                        Err(format!("{pending} migrations not applied"))
                    }
                }),
        )
    } else {
        Part::of("migrations", Err("the database does not answer"))
    };
    let search = Part::of(
        "search",
        probe(state.search.search(&crate::search::SearchQuery {
            limit: 1,
            ..Default::default()
        }))
        .await
        .map(|_| ()),
    );
    let search_behind = if database.ok {
        probe(crate::services::search_sync::status(
            &state.db,
            state.clock.now(),
        ))
        .await
        .ok()
        .and_then(|s| {
            let me = state.search.consumer();
            s.consumers
                .into_iter()
                .find(|c| c.name == me)
                .map(|c| c.behind)
        })
    } else {
        None
    };
    let store = Part::of(
        "store",
        probe(state.store.exists("readyz/probe")).await.map(|_| ()),
    );
    Readiness {
        ready: database.ok && migrations.ok,
        database,
        migrations,
        search,
        search_engine: state.search.name(),
        search_behind,
        store,
    }
}
