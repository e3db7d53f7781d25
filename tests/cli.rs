//! The `ketnoi` command itself: migrate, user create (password on standard input), demo.

use std::io::Write;
use std::process::{Command, Stdio};

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use ketnoi::db::entities::{enterprise, product, user};

fn ketnoi(dir: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("KETNOI_DEMO_ON_PUBLIC_ADDRESS")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("the binary ends");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn migrate_create_a_user_and_load_the_demo() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, out) = ketnoi(dir.path(), &["migrate"], "");
    assert!(ok, "{out}");
    assert!(out.contains("database is up to date"));
    assert!(dir.path().join("ketnoi.db").exists());

    let (ok, out) = ketnoi(
        dir.path(),
        &[
            "user",
            "create",
            "--role",
            "admin",
            "--name",
            "Nguyễn Văn An",
            "--email",
            "An@Example.vn",
        ],
        "mat-khau-dai-123\n",
    );
    assert!(ok, "{out}");
    assert!(out.contains("created admin account"), "{out}");
    let (ok, out) = ketnoi(
        dir.path(),
        &[
            "user",
            "create",
            "--role",
            "staff",
            "--name",
            "Ngắn",
            "--phone",
            "0912 000 111",
        ],
        "short\n",
    );
    assert!(!ok);
    assert!(out.contains("at least 8 characters"), "{out}");
    let (ok, out) = ketnoi(
        dir.path(),
        &[
            "user",
            "create",
            "--role",
            "chief",
            "--name",
            "Ai",
            "--phone",
            "0912000111",
        ],
        "mat-khau-dai-123\n",
    );
    assert!(!ok);
    assert!(out.contains("Unknown role"), "{out}");

    let (ok, out) = ketnoi(dir.path(), &["demo"], "");
    assert!(ok, "{out}");
    assert!(out.contains("Staff sign-in: canbo@ketnoi.vn"), "{out}");
    let (ok, out) = ketnoi(dir.path(), &["demo"], "");
    assert!(ok, "{out}");
    assert!(out.contains("already has enterprises"), "{out}");

    let (ok, out) = ketnoi(dir.path(), &["reindex"], "");
    assert!(ok, "{out}");
    assert!(
        out.contains("search index rebuilt with 40 products (embedded)"),
        "{out}"
    );
    assert!(dir.path().join("search").join("CURRENT").exists());

    let url = format!("sqlite:{}", dir.path().join("ketnoi.db").display());
    let db = ketnoi::db::connect(&url).await.expect("connect");
    assert_eq!(enterprise::Entity::find().count(&db).await.unwrap(), 12);
    assert_eq!(product::Entity::find().count(&db).await.unwrap(), 50);
    for status in ["published", "submitted", "draft", "rejected"] {
        let n = product::Entity::find()
            .filter(product::Column::Status.eq(status))
            .count(&db)
            .await
            .unwrap();
        assert!(n > 0, "the demo has {status} products");
    }
    let booths = ketnoi::db::entities::fair_exhibitor::Entity::find()
        .count(&db)
        .await
        .unwrap();
    assert_eq!(booths, 6, "the demo fair has six booths");
    let admin = user::Entity::find()
        .filter(user::Column::Email.eq("an@example.vn"))
        .one(&db)
        .await
        .unwrap();
    assert_eq!(admin.map(|u| u.role), Some(ketnoi::domain::Role::Admin));
}

#[tokio::test]
async fn storage_check_and_gc_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, out) = ketnoi(dir.path(), &["storage", "check"], "");
    assert!(ok, "{out}");
    assert!(
        out.contains("every photo and document has its objects (directory)"),
        "{out}"
    );

    // An object no record refers to, as an interrupted upload leaves it.
    let orphan = dir.path().join("blobs/public/img/ab/orphan-320.webp");
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(&orphan, b"x").unwrap();
    let (ok, out) = ketnoi(dir.path(), &["storage", "gc", "--dry-run"], "");
    assert!(ok, "{out}");
    assert!(
        out.contains("0 orphaned objects found"),
        "young objects are left: {out}"
    );
    let (ok, out) = ketnoi(dir.path(), &["storage", "gc", "--grace-hours", "0"], "");
    assert!(ok, "{out}");
    assert!(
        out.contains("removed public/img/ab/orphan-320.webp"),
        "{out}"
    );
    assert!(!orphan.exists());
}

/// Starts `ketnoi serve` with `args` and `env`, waits until its output shows `until`, then
/// stops it; returns what it printed up to then (or panics after a minute).
fn serve_until(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)], until: &str) -> String {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .arg("--data-dir")
        .arg(dir)
        .arg("serve")
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("KETNOI_DEMO_ON_PUBLIC_ADDRESS")
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (tx, rx) = std::sync::mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
    }
    // Only the readers hold a sender now: the channel ends when the process does.
    drop(tx);
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !seen.contains(until) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.contains(until), "{until:?} never came: {seen}");
    seen
}

#[test]
fn the_demo_with_its_public_password_serves_only_on_loopback_unless_forced() {
    for addr in ["0.0.0.0:8080", "[::]:0", "192.0.2.10:8080"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (ok, out) = ketnoi(dir.path(), &["serve", "--demo", "--addr", addr], "");
        assert!(!ok, "{addr}: {out}");
        assert_eq!(out.trim().lines().count(), 1, "one line: {out}");
        assert!(
            out.contains(&format!(
                "refusing to serve the demo on {addr}: its staff password is public"
            )),
            "{out}"
        );
        assert!(out.contains("--demo-on-public-address"), "{out}");
        assert!(
            !dir.path().join("ketnoi.db").exists(),
            "nothing was created before the refusal"
        );
    }
    // The same from the environment, as a container sets it.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_ketnoi"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("serve")
        .env("KETNOI_DEMO", "true")
        .env("KETNOI_ADDR", "0.0.0.0:8080")
        .env_remove("KETNOI_DEMO_ON_PUBLIC_ADDRESS")
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to serve the demo on 0.0.0.0:8080"),
        "{out:?}"
    );

    // On loopback it starts as before; elsewhere only when forced, with a warning.
    let dir = tempfile::tempdir().expect("temp dir");
    serve_until(
        dir.path(),
        &["--demo", "--addr", "127.0.0.1:0"],
        &[],
        "Demo catalogue loaded.",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let out = serve_until(
        dir.path(),
        &["--demo", "--addr", "0.0.0.0:0", "--demo-on-public-address"],
        &[],
        "Demo catalogue loaded.",
    );
    assert!(
        out.contains("serving the demo on a public address"),
        "{out}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    serve_until(
        dir.path(),
        &["--demo", "--addr", "0.0.0.0:0"],
        &[("KETNOI_DEMO_ON_PUBLIC_ADDRESS", "true")],
        "Demo catalogue loaded.",
    );
}
