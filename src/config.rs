//! Configuration: command-line flags and environment variables, each documented once here.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ketnoi",
    version,
    about = "Producer catalogue and market-linkage marketplace",
    long_about = "ketnoi runs a provincial producer catalogue and market-linkage marketplace.\n\
        With no configuration it keeps everything under one data directory (SQLite database, \
        files); set DATABASE_URL to run on PostgreSQL."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Directory for the embedded database and files; created if missing.
    #[arg(long, env = "KETNOI_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// Database URL: `sqlite:PATH` or `postgres://USER@HOST/DB`. Default: SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl GlobalArgs {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite:{}", self.data_dir.join("ketnoi.db").display()))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default command).
    Serve(Box<ServeArgs>),
    /// Apply database migrations and exit.
    Migrate,
    /// Fill an empty database with a demo catalogue and print a staff login.
    Demo,
    /// Rebuild the search index from the database (built aside, then swapped in).
    Reindex(SearchArgs),
    /// Check or clean the photo and document store.
    Storage(StorageCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import producers and products from a survey spreadsheet (XLSX, XLS, ODS or CSV):
    /// checks every row first, then writes in batches; the same file given again resumes an
    /// unfinished import and creates nothing twice.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The spreadsheet.
    pub file: PathBuf,
    /// The staff account the import is recorded under (its e-mail or phone).
    #[arg(long = "as", value_name = "LOGIN")]
    pub login: String,
    /// Create the new products published (by default they are drafts for staff to review).
    #[arg(long)]
    pub publish: bool,
    /// Only check the file and print its report; write nothing.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KETNOI_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Public base URL, used in share previews and to accept same-site form posts behind a proxy.
    #[arg(long, env = "KETNOI_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Load the demo catalogue first if the database has no enterprises. Its sign-ins and
    /// password are public, so it serves only on a loopback address unless
    /// `--demo-on-public-address` is given too.
    #[arg(long, env = "KETNOI_DEMO")]
    pub demo: bool,
    /// Serve the demo on an address other hosts can reach, knowing that anyone who finds it
    /// can sign in as staff with the published demo password.
    #[arg(long, env = "KETNOI_DEMO_ON_PUBLIC_ADDRESS")]
    pub demo_on_public_address: bool,
    /// Mark cookies `Secure` (serve over HTTPS). Defaults to on when the public URL is https.
    #[arg(long, env = "KETNOI_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    #[command(flatten)]
    pub search: SearchArgs,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// Requests with no activity for this many days are flagged overdue on the desk.
    #[arg(long, env = "KETNOI_OVERDUE_DAYS", default_value_t = 3)]
    pub overdue_days: u32,
    /// Where e-mail goes: `smtp://user:password@host:587?tls=required`, `smtps://…:465`,
    /// or `smtp://127.0.0.1:25` for a local relay. Without it, e-mail is written to the log.
    #[arg(long, env = "KETNOI_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of e-mail notifications.
    #[arg(
        long,
        env = "KETNOI_MAIL_FROM",
        default_value = "ketnoi <no-reply@ketnoi.local>"
    )]
    pub mail_from: String,
    /// Chromium (or Chrome) used to print fair catalogues and cards as PDF; found on PATH
    /// when not given.
    #[arg(long, env = "KETNOI_CHROMIUM")]
    pub chromium: Option<PathBuf>,
    /// Reverse proxies whose `X-Forwarded-For` is believed, as addresses or networks
    /// separated by commas (`127.0.0.1,10.0.0.0/8`). Without it the connection's own
    /// address is the client's.
    #[arg(long, env = "KETNOI_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Hours without use after which a producer's or buyer's session ends (a session ends
    /// after 30 days in any case).
    #[arg(long, env = "KETNOI_SESSION_IDLE_HOURS", default_value_t = 168)]
    pub session_idle_hours: u32,
    /// Hours without use after which a staff member's or administrator's session ends.
    #[arg(long, env = "KETNOI_STAFF_SESSION_IDLE_HOURS", default_value_t = 12)]
    pub staff_session_idle_hours: u32,
    /// Seconds a connection may take to send a request's headers (and stay idle between
    /// requests) before it is closed.
    #[arg(long, env = "KETNOI_HEADER_TIMEOUT", default_value_t = 15)]
    pub header_timeout: u64,
    /// Seconds a whole request may take, upload and answer included, before it is answered
    /// 408.
    #[arg(long, env = "KETNOI_REQUEST_TIMEOUT", default_value_t = 180)]
    pub request_timeout: u64,
    /// Bearer token that opens `/metrics` (Prometheus text format) to a scraper; without
    /// it `/metrics` does not exist.
    #[arg(long, env = "KETNOI_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Memory for rendered public pages (product and enterprise pages shown to visitors),
    /// in MiB; 0 renders every page afresh.
    #[arg(long, env = "KETNOI_PAGE_CACHE_MIB", default_value_t = 64)]
    pub page_cache_mib: usize,
}

impl ServeArgs {
    /// Why the server must not start as asked: the demo, whose staff password is public, on
    /// an address other machines can reach.
    pub fn demo_refusal(&self) -> Option<String> {
        (self.demo && !self.addr.ip().is_loopback() && !self.demo_on_public_address).then(|| {
            format!(
                "refusing to serve the demo on {}: its staff password is public, so anyone who \
                 can reach this address could sign in as staff; listen on a loopback address \
                 (--addr 127.0.0.1:{}) or, if that is really meant, add \
                 --demo-on-public-address (KETNOI_DEMO_ON_PUBLIC_ADDRESS=true)",
                self.addr,
                self.addr.port()
            )
        })
    }
}

/// An address (`10.0.0.1`) or a network (`10.0.0.0/8`).
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("not an address or network: {s}"))
}

/// Where photos and documents live; shared by `serve` and `storage`.
#[derive(Debug, Clone, Default, Args)]
pub struct StorageArgs {
    /// Directory for photos and documents when no S3 bucket is given (default: `blobs/` in
    /// the data directory). Instances sharing one database share this directory.
    #[arg(long, env = "KETNOI_BLOB_DIR")]
    pub blob_dir: Option<PathBuf>,
    /// S3 bucket for photos and documents. Without it they are kept in a directory
    /// (`--blob-dir`).
    #[arg(long, env = "KETNOI_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// S3 endpoint, e.g. `https://s3.example.org` or `http://127.0.0.1:9000`; leave unset
    /// for AWS S3.
    #[arg(long, env = "KETNOI_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// S3 region (`auto` for Cloudflare R2, `garage` for Garage's default).
    #[arg(long, env = "KETNOI_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    #[arg(long, env = "KETNOI_S3_ACCESS_KEY", hide_env_values = true)]
    pub s3_access_key: Option<String>,
    #[arg(long, env = "KETNOI_S3_SECRET_KEY", hide_env_values = true)]
    pub s3_secret_key: Option<String>,
    /// Address objects as `ENDPOINT/BUCKET/KEY` (MinIO, Garage) instead of
    /// `BUCKET.ENDPOINT/KEY` (AWS, R2). Default: on when an endpoint is given.
    #[arg(long, env = "KETNOI_S3_PATH_STYLE")]
    pub s3_path_style: Option<bool>,
}

/// Which object store keeps photos and documents.
#[derive(Clone, Debug)]
pub enum StorageConfig {
    Dir(PathBuf),
    S3(crate::storage::s3::S3Settings),
}

impl StorageConfig {
    pub fn from_args(args: &StorageArgs, global: &GlobalArgs) -> Result<Self, String> {
        let Some(bucket) = args.s3_bucket.clone() else {
            return Ok(StorageConfig::Dir(
                args.blob_dir
                    .clone()
                    .unwrap_or_else(|| global.data_dir.join("blobs")),
            ));
        };
        let (Some(access_key), Some(secret_key)) =
            (args.s3_access_key.clone(), args.s3_secret_key.clone())
        else {
            return Err(
                "KETNOI_S3_ACCESS_KEY and KETNOI_S3_SECRET_KEY are needed with KETNOI_S3_BUCKET"
                    .into(),
            );
        };
        let endpoint = args
            .s3_endpoint
            .as_ref()
            .map(|e| e.trim_end_matches('/').to_string());
        Ok(StorageConfig::S3(crate::storage::s3::S3Settings {
            path_style: args.s3_path_style.unwrap_or(endpoint.is_some()),
            endpoint,
            region: args.s3_region.clone(),
            bucket,
            access_key,
            secret_key,
        }))
    }
}

#[derive(Debug, Args)]
pub struct StorageCommand {
    #[command(subcommand)]
    pub action: StorageAction,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum StorageAction {
    /// List photos and documents whose stored objects are missing (exit status 1 if any).
    Check,
    /// Remove stored objects no record refers to, once older than the grace period.
    Gc {
        /// Leave objects younger than this many hours (an upload may still be finishing).
        #[arg(long, default_value_t = 24)]
        grace_hours: u32,
        /// Only list what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Where search lives; shared by `serve` and `reindex`.
#[derive(Debug, Clone, Args)]
pub struct SearchArgs {
    /// Search engine: `embedded` (a tantivy index in the data directory) or
    /// `meilisearch+http://HOST:7700`.
    #[arg(long, env = "KETNOI_SEARCH_URL", default_value = "embedded")]
    pub search_url: String,
    /// Meilisearch API key (the master key or a key allowed to manage the index).
    #[arg(long, env = "KETNOI_SEARCH_KEY", hide_env_values = true)]
    pub search_key: Option<String>,
    /// Meilisearch index name.
    #[arg(long, env = "KETNOI_SEARCH_INDEX", default_value = "ketnoi_products")]
    pub search_index: String,
}

impl Default for SearchArgs {
    fn default() -> Self {
        SearchArgs {
            search_url: "embedded".into(),
            search_key: None,
            search_index: "ketnoi_products".into(),
        }
    }
}

/// Which search engine serves search.
#[derive(Clone, Debug)]
pub enum SearchConfig {
    /// A tantivy index kept in memory (tests).
    InMemory,
    /// A tantivy index in this directory.
    Embedded(PathBuf),
    Meilisearch {
        url: String,
        key: Option<String>,
        index: String,
    },
}

impl SearchConfig {
    pub fn from_args(args: &SearchArgs, global: &GlobalArgs) -> Self {
        match args.search_url.strip_prefix("meilisearch+") {
            Some(url) => SearchConfig::Meilisearch {
                url: url.to_string(),
                key: args.search_key.clone(),
                index: args.search_index.clone(),
            },
            None => SearchConfig::Embedded(global.data_dir.join("search")),
        }
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            demo: false,
            demo_on_public_address: false,
            secure_cookies: None,
            search: SearchArgs::default(),
            storage: StorageArgs::default(),
            overdue_days: 3,
            smtp_url: None,
            mail_from: "ketnoi <no-reply@ketnoi.local>".into(),
            chromium: None,
            trusted_proxies: Vec::new(),
            session_idle_hours: 168,
            staff_session_idle_hours: 12,
            header_timeout: 15,
            request_timeout: 180,
            metrics_token: None,
            page_cache_mib: 64,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create {
        /// producer, buyer, staff or admin.
        #[arg(long)]
        role: String,
        /// Full name shown to others.
        #[arg(long)]
        name: String,
        #[arg(long, required_unless_present = "phone")]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
}

/// What the running application needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    pub public_url: Option<String>,
    pub secure_cookies: bool,
    /// Failed sign-ins allowed per sign-in name (and per address) in [`Config::login_window`].
    pub login_attempts: u32,
    pub login_window: chrono::Duration,
    /// A session's absolute lifetime, however often it is used.
    pub session_ttl: chrono::Duration,
    /// How long a producer's or buyer's session lasts without use.
    pub session_idle: chrono::Duration,
    /// How long a staff member's or administrator's session lasts without use.
    pub staff_session_idle: chrono::Duration,
    pub search: SearchConfig,
    pub storage: StorageConfig,
    /// Photos processed at once (each decodes a whole photo into memory).
    pub image_workers: usize,
    /// Days without activity after which an open request is overdue.
    pub overdue_days: u32,
    /// SMTP server URL; `None` writes e-mail to the log.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// The browser that prints PDFs; `None`: PDFs are unavailable (pages still print).
    pub chromium: Option<PathBuf>,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long a whole request may take.
    pub request_timeout: std::time::Duration,
    /// Opens `/metrics` to whoever presents it.
    pub metrics_token: Option<String>,
    /// Bytes of rendered public pages kept in memory (0: none).
    pub page_cache_bytes: usize,
}

impl Config {
    /// The address links in e-mail start with: the public URL, never a request's `Host`
    /// (which whoever sends the request chooses).
    pub fn base_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| "http://localhost:8080".into())
    }

    /// How long a session of someone in `role` may go unused.
    pub fn idle_timeout(&self, role: crate::domain::Role) -> chrono::Duration {
        if role.is_staff() {
            self.staff_session_idle
        } else {
            self.session_idle
        }
    }

    pub fn from_serve(args: &ServeArgs, global: &GlobalArgs) -> Result<Self, String> {
        let https = args
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
        Ok(Config {
            public_url: args
                .public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_string()),
            secure_cookies: args.secure_cookies.unwrap_or(https),
            search: SearchConfig::from_args(&args.search, global),
            storage: StorageConfig::from_args(&args.storage, global)?,
            overdue_days: args.overdue_days.max(1),
            smtp_url: args.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            mail_from: args.mail_from.clone(),
            chromium: crate::print::find_browser(args.chromium.as_deref()),
            trusted_proxies: args.trusted_proxies.clone(),
            request_timeout: std::time::Duration::from_secs(args.request_timeout.max(1)),
            metrics_token: args.metrics_token.clone().filter(|t| !t.trim().is_empty()),
            page_cache_bytes: args.page_cache_mib.saturating_mul(1 << 20),
            session_idle: chrono::Duration::hours(i64::from(args.session_idle_hours.max(1))),
            staff_session_idle: chrono::Duration::hours(i64::from(
                args.staff_session_idle_hours.max(1),
            )),
            ..Config::default()
        })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_url: None,
            secure_cookies: false,
            login_attempts: 5,
            login_window: chrono::Duration::minutes(15),
            session_ttl: chrono::Duration::days(30),
            session_idle: chrono::Duration::days(7),
            staff_session_idle: chrono::Duration::hours(12),
            search: SearchConfig::InMemory,
            storage: StorageConfig::Dir(PathBuf::from("./data/blobs")),
            image_workers: std::thread::available_parallelism()
                .map_or(2, std::num::NonZero::get)
                .clamp(1, 4),
            overdue_days: 3,
            smtp_url: None,
            mail_from: "ketnoi <no-reply@ketnoi.local>".into(),
            chromium: crate::print::find_browser(None),
            trusted_proxies: Vec::new(),
            request_timeout: std::time::Duration::from_secs(180),
            metrics_token: None,
            page_cache_bytes: 64 << 20,
        }
    }
}
