//! The dependency rule (the README's architecture part): `http → services → (db, search, storage, mail,
//! print) → domain`, arrows pointing down only. Every file under `src/` is read, each
//! `crate::…` path it names is put in its layer, and a path into a higher layer fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layer of a top-level module of the crate; higher may use lower, never the reverse.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "domain" | "i18n" => 0,
        "db" | "search" | "storage" | "mail" | "print" | "qr" | "media" | "sheet" | "config"
        | "error" | "clock" | "context" | "page_cache" => 1,
        "services" => 2,
        "app" | "jobs" => 3,
        "http" => 4,
        "router" => 5,
        _ => return None,
    })
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names with `crate::x` (or `use crate::{x, …}`).
fn named_modules(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let code: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let preceded_by_ident = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !preceded_by_ident {
            if let Some(group) = after.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        found.insert(name);
                    }
                }
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                found.insert(name);
            }
        }
        rest = after;
    }
    found
}

#[test]
fn no_layer_uses_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    for file in &all {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .expect("a name")
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = layer(&top) else { continue };
        let source = std::fs::read_to_string(file).expect("read");
        for module in named_modules(&source) {
            if let Some(theirs) = layer(&module)
                && theirs > own
            {
                wrong.push(format!(
                    "{} ({top}) uses crate::{module}",
                    relative.display()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "lower layers must not use higher ones:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_finds_paths_and_groups() {
    let names = named_modules(
        "use crate::services::auth;\nuse crate::{db, http::pages};\n// crate::router in a comment\nfn f() { crate::jobs::run(); not_crate::x(); }",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["db", "http", "jobs", "services"]
    );
}
