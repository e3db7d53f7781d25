//! The `ketnoi` command: serve the marketplace, migrate, load a demo, manage accounts.

use std::io::Read;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use ketnoi::config::{
    Cli, Command, Config, ImportArgs, StorageAction, StorageCommand, StorageConfig, UserCommand,
};
use ketnoi::services::{auth, demo};
use ketnoi::{app, db, domain, i18n};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sea_orm=warn,sqlx=warn"));
    // One JSON object a line (with the request's span and id) for log collectors; text for
    // people.
    if std::env::var("KETNOI_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let cli = Cli::parse();
    // Before anything is created or loaded.
    if let Some(Command::Serve(args)) = &cli.command {
        if let Some(why) = args.demo_refusal() {
            eprintln!("ketnoi: {why}");
            std::process::exit(2);
        }
        if args.demo && !args.addr.ip().is_loopback() {
            tracing::warn!(addr = %args.addr, "serving the demo on a public address: anyone who reaches it can sign in as staff with the demo password");
        }
    }
    std::fs::create_dir_all(&cli.global.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            cli.global.data_dir.display()
        )
    })?;
    let database_url = cli.global.database_url();
    let conn = db::connect(&database_url).await?;
    db::migrate(&conn).await?;
    match cli.command.unwrap_or(Command::Serve(Box::default())) {
        Command::Serve(args) => {
            let config = Config::from_serve(&args, &cli.global).map_err(|e| anyhow::anyhow!(e))?;
            let state = app::build_state(conn.clone(), config).await?;
            ketnoi::jobs::spawn_housekeeping(state.clone());
            ketnoi::http::metrics::spawn_upkeep();
            ketnoi::jobs::spawn_import_runner(state.clone());
            if args.demo {
                load_demo(&state).await?;
            }
            // The worker builds an index that was never built (a new engine, a new instance)
            // from the catalogue and then follows the change log; an engine that does not
            // answer never holds up serving.
            ketnoi::jobs::search::spawn_worker(state.clone());
            ketnoi::jobs::spawn_storage_gc(state.clone());
            ketnoi::jobs::mail::spawn_worker(state.clone());
            let router = ketnoi::router::router(state);
            let listener = tokio::net::TcpListener::bind(args.addr)
                .await
                .with_context(|| format!("cannot listen on {}", args.addr))?;
            tracing::info!(addr = %args.addr, database = %db::redact(&database_url), "ketnoi is serving");
            let limits = ketnoi::http::server::Limits {
                header_read: std::time::Duration::from_secs(args.header_timeout.max(1)),
                shutdown_grace: std::time::Duration::from_secs(30),
            };
            ketnoi::http::server::serve(listener, router, limits, shutdown_signal()).await?;
        }
        Command::Migrate => println!("database is up to date: {}", db::redact(&database_url)),
        Command::Demo => {
            // The demo writes only to the database (its search entries wait in the outbox for
            // the server's worker).
            let config = Config {
                storage: ketnoi::config::StorageConfig::Dir(cli.global.data_dir.join("blobs")),
                ..Config::default()
            };
            load_demo(&app::build_state(conn.clone(), config).await?).await?;
        }
        Command::Reindex(search) => {
            let config = Config {
                search: ketnoi::config::SearchConfig::from_args(&search, &cli.global),
                ..Config::default()
            };
            match app::build_state(conn.clone(), config).await {
                Ok(state) => {
                    let n = ketnoi::services::search::rebuild(&state)
                        .await
                        .map_err(|e| {
                            anyhow::anyhow!("the search engine did not take the new index: {e}")
                        })?;
                    println!(
                        "search index rebuilt with {n} products ({})",
                        state.search.name()
                    );
                }
                // The embedded index is held by a running server: let its worker do it.
                Err(e) => {
                    let n = ketnoi::services::search_sync::enqueue_all(
                        &conn,
                        ketnoi::clock::Clock::system().now(),
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    println!(
                        "the index is in use ({e}); queued {n} products for the running server to reindex"
                    );
                }
            }
        }
        Command::Storage(cmd) => return storage(conn, &cli.global, cmd).await,
        Command::Import(args) => return import(conn, &args).await,
        Command::User(UserCommand::Create {
            role,
            name,
            email,
            phone,
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let login = email.or(phone).unwrap_or_default();
            let account = auth::NewAccount::parse(&login, password, &name, &role)
                .map_err(|e| anyhow::anyhow!(describe(&e)))?;
            let user = auth::create_account(
                &conn,
                ketnoi::clock::Clock::system().now(),
                auth::Opener::Console,
                account,
            )
            .await
            .map_err(|e| {
                let message = i18n::t(i18n::Lang::En, &format!("error.{}", e.code()));
                anyhow::anyhow!("cannot create the account: {message}")
            })?;
            println!(
                "created {} account #{} for {}",
                user.role, user.id, user.full_name
            );
        }
    }
    Ok(())
}

/// `ketnoi import FILE --as LOGIN`: the report in Vietnamese, progress as it goes.
async fn import(conn: sea_orm::DatabaseConnection, args: &ImportArgs) -> anyhow::Result<()> {
    use ketnoi::services::imports;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Search documents are written to the outbox; the server's worker indexes them.
    let config = Config {
        search: ketnoi::config::SearchConfig::InMemory,
        ..Config::default()
    };
    let state = app::build_state(conn, config).await?;
    let lang = i18n::Lang::Vi;
    let result = imports::import_command(
        &state,
        &args.login,
        &file_name,
        &bytes,
        args.publish,
        args.check,
        |job| {
            println!(
                "{}/{} dòng ({}%){}",
                job.done_rows,
                job.total_rows,
                job.percent,
                job.rows_per_second
                    .map(|r| format!(", {r} dòng/giây"))
                    .unwrap_or_default()
            );
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!(i18n::t(lang, &format!("error.{}", e.code()))))?;
    let job = &result.job;
    for issue in job.report.issues.iter().chain(&job.report.notes) {
        println!("{}", imports::describe_issue(issue, lang));
    }
    let planned = &job.report.planned;
    if args.check {
        println!(
            "Kiểm tra {} dòng: {} dòng sẽ tạo mới, {} dòng sẽ cập nhật, {} dòng bỏ qua ({} dòng lỗi). Chưa ghi gì.",
            planned.rows,
            planned.create,
            planned.update,
            planned.skip(),
            planned.invalid
        );
        if planned.new_beneficiaries > 0 {
            println!(
                "{} cơ sở sẽ được thêm vào danh sách thụ hưởng của đề án.",
                planned.new_beneficiaries
            );
        }
    } else {
        let done = &job.done;
        println!(
            "{}Đã nhập {} dòng: {} dòng tạo mới, {} dòng cập nhật, {} dòng không đổi, {} dòng lỗi (lần nhập #{}).",
            if result.resumed {
                "Tiếp tục lần nhập dở. "
            } else {
                ""
            },
            done.rows,
            done.create,
            done.update,
            done.unchanged,
            done.invalid,
            job.id
        );
    }
    Ok(())
}

/// `ketnoi storage check|gc`.
async fn storage(
    conn: sea_orm::DatabaseConnection,
    global: &ketnoi::config::GlobalArgs,
    cmd: StorageCommand,
) -> anyhow::Result<()> {
    let config = Config {
        storage: StorageConfig::from_args(&cmd.storage, global).map_err(|e| anyhow::anyhow!(e))?,
        ..Config::default()
    };
    let state = app::build_state(conn, config).await?;
    let fail = |e: ketnoi::error::AppError| anyhow::anyhow!("{e}");
    match cmd.action {
        StorageAction::Check => {
            let missing = ketnoi::jobs::storage::check(&state).await.map_err(fail)?;
            for m in &missing {
                println!("missing: {} #{} {}", m.record, m.id, m.key);
            }
            if missing.is_empty() {
                println!(
                    "every photo and document has its objects ({})",
                    state.store.name()
                );
            } else {
                println!("{} objects missing ({})", missing.len(), state.store.name());
                std::process::exit(1);
            }
        }
        StorageAction::Gc {
            grace_hours,
            dry_run,
        } => {
            let removed = ketnoi::jobs::storage::gc(
                &state,
                chrono::Duration::hours(i64::from(grace_hours)),
                dry_run,
            )
            .await
            .map_err(fail)?;
            for key in &removed {
                println!("{} {key}", if dry_run { "would remove" } else { "removed" });
            }
            println!(
                "{} orphaned objects {} ({})",
                removed.len(),
                if dry_run { "found" } else { "removed" },
                state.store.name()
            );
        }
    }
    Ok(())
}

/// Validation errors as English sentences for the console.
fn describe(errors: &domain::Invalid) -> String {
    errors
        .0
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e.field,
                i18n::t(i18n::Lang::En, &format!("error.{}", e.code))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn load_demo(state: &ketnoi::context::AppState) -> anyhow::Result<()> {
    match demo::load(state).await? {
        Some(login) => {
            println!("Demo catalogue loaded.");
            println!(
                "Staff sign-in: {}  password: {}",
                login.login, login.password
            );
            println!(
                "Producer sign-in: {}  password: {}",
                login.producer_login, login.password
            );
            println!(
                "Administrator sign-in: {}  password: {}",
                login.admin_login, login.password
            );
        }
        None => println!("The database already has enterprises; demo catalogue not loaded."),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
