//! A real SMTP server for tests that send e-mail.

/// An SMTP server from PyPI (`aiosmtpd`) on a free loopback port, saving mail to a maildir.
pub struct SmtpServer {
    child: std::process::Child,
    pub port: u16,
    pub maildir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_smtp() -> Option<SmtpServer> {
    let available = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        assert!(
            std::env::var("CI").is_err(),
            "aiosmtpd is needed in CI: pip install aiosmtpd"
        );
        eprintln!("SKIPPED: e-mail delivery test (pip install aiosmtpd)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("test setup")
        .local_addr()
        .expect("test setup")
        .port();
    let maildir = tempfile::tempdir().expect("test setup");
    let child = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir.path().join("mail"))
        .spawn()
        .expect("start aiosmtpd");
    // Owned at once, so the server is stopped however the test ends.
    let server = SmtpServer {
        child,
        port,
        maildir,
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(server);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("aiosmtpd did not start");
}

/// Decodes each delivered message with Python's e-mail parser: (to, subject, body).
pub fn delivered(maildir: &std::path::Path) -> Vec<(String, String, String)> {
    let script = r#"
import email, email.header, json, mailbox, sys
out = []
for m in mailbox.Maildir(sys.argv[1], create=False):
    subject = str(email.header.make_header(email.header.decode_header(m["Subject"])))
    out.append([m["To"], subject, m.get_payload(decode=True).decode("utf-8")])
print(json.dumps(out))
"#;
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(maildir)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("test setup")
}
