//! The `ketnoi` command: serve the marketplace, migrate, load a demo, manage accounts.

use std::io::Read;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use ketnoi::config::{Cli, Command, Config, ServeArgs, UserCommand};
use ketnoi::services::{Actor, auth, demo};
use ketnoi::{app, db, domain};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sea_orm=warn,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    std::fs::create_dir_all(&cli.global.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            cli.global.data_dir.display()
        )
    })?;
    let database_url = cli.global.database_url();
    let conn = db::connect(&database_url).await?;
    db::migrate(&conn).await?;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => {
            if args.demo {
                load_demo(&conn).await?;
            }
            let config = Config::from_serve(&args);
            let router = app::build_app(conn, config).await?;
            let listener = tokio::net::TcpListener::bind(args.addr)
                .await
                .with_context(|| format!("cannot listen on {}", args.addr))?;
            tracing::info!(addr = %args.addr, database = %db::redact(&database_url), "ketnoi is serving");
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        }
        Command::Migrate => println!("database is up to date: {}", db::redact(&database_url)),
        Command::Demo => load_demo(&conn).await?,
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
            let role = domain::Role::parse(&role)
                .context("role must be producer, buyer, staff or admin")?;
            let login = auth::cli_login(email.as_deref(), phone.as_deref())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let password = domain::Password::parse(password).map_err(|_| {
                anyhow::anyhow!(
                    "the password needs at least {} characters",
                    domain::Password::MIN_CHARS
                )
            })?;
            let full_name = domain::required_text(Some(&name), "full_name", 2, 100)
                .map_err(|_| anyhow::anyhow!("the name needs 2 to 100 characters"))?;
            let user = auth::create_account(
                &conn,
                &Actor::Visitor,
                auth::NewAccount {
                    login,
                    password,
                    full_name,
                    role,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("cannot create the account: {e}"))?;
            println!(
                "created {} account #{} for {}",
                user.role, user.id, user.full_name
            );
        }
    }
    Ok(())
}

async fn load_demo(conn: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    match demo::load(conn).await? {
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
