//! Objects as files under one directory (the default, in the data directory).
//!
//! Writes go to a temporary file that is synced and then renamed into place, so a reader
//! never sees half an object and a crash leaves either the old object or the new one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{BlobStore, ObjectInfo, StorageError, StorageResult, check_key};

/// Temporary files live here, inside the root so that renames stay on one file system.
const TMP_DIR: &str = ".tmp";

pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    pub fn open(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join(TMP_DIR))?;
        Ok(DirStore { root })
    }

    fn path(&self, key: &str) -> StorageResult<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "taken by value to serve as `map_err(io)`"
)]
fn io(e: std::io::Error) -> StorageError {
    StorageError::Unavailable(e.to_string())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> StorageResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Unavailable(e.to_string()))?
        .map_err(io)
}

fn write_atomically(root: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut name = [0u8; 12];
    getrandom::fill(&mut name).map_err(|e| std::io::Error::other(e.to_string()))?;
    let tmp = root.join(TMP_DIR).join(hex::encode(name));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn walk(root: &Path, dir: &Path, prefix: &str, out: &mut Vec<ObjectInfo>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let Some(key) = rel
            .to_str()
            .map(|k| k.replace(std::path::MAIN_SEPARATOR, "/"))
        else {
            continue;
        };
        if key == TMP_DIR {
            continue;
        }
        let meta = entry.metadata()?;
        if meta.is_dir() {
            // Descend only where keys under this directory can match the prefix.
            if prefix.starts_with(&format!("{key}/")) || key.starts_with(prefix) {
                walk(root, &path, prefix, out)?;
            }
        } else if key.starts_with(prefix) && check_key(&key).is_ok() {
            out.push(ObjectInfo {
                key,
                size: meta.len(),
                modified: meta.modified().map(DateTime::<Utc>::from)?,
            });
        }
    }
    Ok(())
}

#[async_trait]
impl BlobStore for DirStore {
    fn name(&self) -> &'static str {
        "directory"
    }

    async fn put(&self, key: &str, bytes: Bytes, _content_type: &str) -> StorageResult<()> {
        let path = self.path(key)?;
        let root = self.root.clone();
        blocking(move || write_atomically(&root, &path, &bytes)).await
    }

    async fn get(&self, key: &str) -> StorageResult<Option<Bytes>> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    async fn exists(&self, key: &str) -> StorageResult<bool> {
        let path = self.path(key)?;
        match tokio::fs::metadata(&path).await {
            Ok(m) => Ok(m.is_file()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io(e)),
        }
    }

    async fn delete(&self, key: &str) -> StorageResult<()> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    async fn list(&self, prefix: &str) -> StorageResult<Vec<ObjectInfo>> {
        let root = self.root.clone();
        let prefix = prefix.to_string();
        let mut out = blocking(move || {
            let mut out = Vec::new();
            walk(&root, &root, &prefix, &mut out)?;
            Ok(out)
        })
        .await?;
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn signed_url(
        &self,
        key: &str,
        _ttl: Duration,
        _download_name: &str,
    ) -> StorageResult<Option<String>> {
        check_key(key)?;
        Ok(None)
    }
}
