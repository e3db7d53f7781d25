//! Printed matter as PDF: an HTML page with print CSS (`@page` sizes, embedded fonts),
//! rendered by headless Chromium into a file a print shop accepts.
//!
//! The page and everything it shows (fonts, photos, QR codes) are written into a private
//! temporary directory first, so Chromium reads only local files. It gets no network (every
//! connection goes to a local port nobody listens on, and no name resolves), runs no
//! JavaScript, and keeps its sandbox unless the server runs as root.

use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Once};
use std::time::Duration;

use tokio::sync::Semaphore;

/// A browser renders one or two documents at a time; each takes a few hundred MB.
static PRINTERS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(2));
const TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("no Chromium to print with (set KETNOI_CHROMIUM)")]
    NoBrowser,
    #[error("printing failed: {0}")]
    Failed(String),
}

/// Something that turns a self-contained HTML page into PDF bytes.
#[async_trait::async_trait]
pub trait Printer: Send + Sync {
    /// Renders `html` (with `files`, by relative path, beside it) to PDF bytes.
    async fn pdf(&self, html: &str, files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, PrintError>;
}

/// Headless Chromium, started for each document (see the module's notes on its confinement).
pub struct Chromium {
    browser: PathBuf,
}

impl Chromium {
    pub fn new(browser: PathBuf) -> Self {
        Chromium { browser }
    }
}

#[async_trait::async_trait]
impl Printer for Chromium {
    async fn pdf(&self, html: &str, files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, PrintError> {
        pdf(&self.browser, html, files).await
    }
}

/// The Chromium (or Chrome) to print with: `KETNOI_CHROMIUM`, else the first on `PATH`.
pub fn find_browser(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = configured {
        return p.exists().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

/// Renders `html` (with `files`, by relative path, beside it) to PDF bytes.
pub async fn pdf(
    browser: &Path,
    html: &str,
    files: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, PrintError> {
    let _permit = PRINTERS
        .acquire()
        .await
        .map_err(|e| PrintError::Failed(e.to_string()))?;
    let dir = tempfile::tempdir().map_err(|e| PrintError::Failed(e.to_string()))?;
    let write = |rel: &str, bytes: &[u8]| -> Result<(), PrintError> {
        if rel.contains("..") || rel.starts_with('/') {
            return Err(PrintError::Failed(format!("bad file name {rel}")));
        }
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| PrintError::Failed(e.to_string()))?;
        }
        std::fs::write(&path, bytes).map_err(|e| PrintError::Failed(e.to_string()))
    };
    write("index.html", html.as_bytes())?;
    for (rel, bytes) in files {
        write(rel, bytes)?;
    }
    let out = dir.path().join("out.pdf");
    let profile = dir.path().join("profile");
    // Scripts off for every page of this profile. Chromium's `--blink-settings=
    // scriptEnabled=false` would do it too, but then headless printing writes no PDF.
    write(
        "profile/Default/Preferences",
        br#"{"profile":{"default_content_setting_values":{"javascript":2}}}"#,
    )?;
    let page = url::Url::from_file_path(dir.path().join("index.html"))
        .map_err(|()| PrintError::Failed("temporary path is not absolute".into()))?;
    // A port bound here but never listened on: every connection to it is refused, and no
    // other process can take it while Chromium runs.
    let dead_end = tokio::net::TcpSocket::new_v4()
        .and_then(|s| s.bind(([127, 0, 0, 1], 0).into()).map(|()| s))
        .map_err(|e| PrintError::Failed(format!("no local port for the proxy: {e}")))?;
    let dead_port = dead_end
        .local_addr()
        .map_err(|e| PrintError::Failed(e.to_string()))?
        .port();
    let mut command = tokio::process::Command::new(browser);
    command
        .args(browser_args(running_as_root(), dead_port))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(page.as_str())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let child = command
        .spawn()
        .map_err(|e| PrintError::Failed(e.to_string()))?;
    let output = tokio::time::timeout(TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| PrintError::Failed("Chromium took too long".into()))?
        .map_err(|e| PrintError::Failed(e.to_string()))?;
    drop(dead_end);
    match std::fs::read(&out) {
        Ok(bytes) if bytes.starts_with(b"%PDF") => Ok(bytes),
        _ => Err(PrintError::Failed(format!(
            "Chromium exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        ))),
    }
}

/// Whether this process runs as root, where Chromium refuses to start with its sandbox.
fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Chromium's flags for printing one local page: no network, no sandbox only as root.
fn browser_args(as_root: bool, dead_port: u16) -> Vec<String> {
    let mut args: Vec<String> = [
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--hide-scrollbars",
        "--no-pdf-header-footer",
        "--print-to-pdf-no-header",
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=10000",
        // Every request goes to the dead-end proxy, loopback ones too (`<-loopback>` takes
        // away the implicit exception), and no host name resolves.
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]
    .map(String::from)
    .into();
    args.push(format!("--proxy-server=http://127.0.0.1:{dead_port}"));
    if as_root {
        static WARNED: Once = Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                "running as root: Chromium prints without its sandbox (run ketnoi as another user to keep it)"
            );
        });
        args.push("--no-sandbox".into());
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_goes_only_for_root() {
        assert!(!browser_args(false, 9).iter().any(|a| a == "--no-sandbox"));
        assert!(browser_args(true, 9).iter().any(|a| a == "--no-sandbox"));
        assert!(
            browser_args(false, 4321)
                .iter()
                .any(|a| a == "--proxy-server=http://127.0.0.1:4321")
        );
    }
}
