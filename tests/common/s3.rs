//! A real S3 server for tests that stop and start it: `s3s-fs` (installed by `.ci/run`,
//! `cargo install --locked s3s-fs@0.14.1 --features binary`) on a free loopback port.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ketnoi::storage::s3::S3Settings;

const ACCESS_KEY: &str = "ketnoi-test";
const SECRET_KEY: &str = "ketnoi-test-secret";

pub struct S3Server {
    child: Option<Child>,
    pub port: u16,
    root: tempfile::TempDir,
}

impl S3Server {
    /// Starts a server over an empty directory; `None` (and a SKIPPED line) where `s3s-fs`
    /// is not installed, except in CI, where it must be.
    pub fn start() -> Option<S3Server> {
        let installed = Command::new("s3s-fs")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                std::env::var("CI").is_err(),
                "s3s-fs is needed in CI: cargo install --locked s3s-fs@0.14.1 --features binary"
            );
            eprintln!(
                "SKIPPED: S3 server test (cargo install --locked s3s-fs@0.14.1 --features binary)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = S3Server {
            child: None,
            port,
            root: tempfile::tempdir().expect("a directory for the store"),
        };
        server.resume();
        Some(server)
    }

    /// Settings for a bucket on this server.
    pub fn settings(&self, bucket: &str) -> S3Settings {
        S3Settings {
            endpoint: Some(self.endpoint()),
            region: "us-east-1".into(),
            bucket: bucket.into(),
            access_key: ACCESS_KEY.into(),
            secret_key: SECRET_KEY.into(),
            path_style: true,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's process id, to kill it from another thread.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Kills the server (SIGKILL): whatever is in flight fails.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory, and waits until it answers.
    pub fn resume(&mut self) {
        self.stop();
        let child = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(self.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("s3s-fs did not start on port {}", self.port);
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
