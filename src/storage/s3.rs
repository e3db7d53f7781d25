//! Objects in any S3-compatible store (AWS S3, Cloudflare R2, MinIO, Garage, …) through
//! rust-s3.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::{Bucket, BucketConfiguration, Region};

use super::{BlobStore, ObjectInfo, StorageError, StorageResult, check_key, content_disposition};

/// How to reach a bucket.
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// `https://s3.example.org` (no trailing `/`); `None` for AWS, where the region decides.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    /// `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`; self-hosted
    /// stores (MinIO, Garage) usually need it.
    pub path_style: bool,
}

pub struct S3Store {
    bucket: Box<Bucket>,
    settings: S3Settings,
}

/// How long one request to the store may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[allow(
    clippy::needless_pass_by_value,
    reason = "taken by value to serve as `map_err(unavailable)`"
)]
fn unavailable(e: S3Error) -> StorageError {
    StorageError::Unavailable(e.to_string())
}

fn is_not_found(e: &S3Error) -> bool {
    matches!(e, S3Error::HttpFailWithBody(404, _))
}

impl S3Settings {
    fn region(&self) -> StorageResult<Region> {
        match &self.endpoint {
            Some(endpoint) => Ok(Region::Custom {
                region: self.region.clone(),
                endpoint: endpoint.trim_end_matches('/').to_string(),
            }),
            None => self
                .region
                .parse()
                .map_err(|e: std::str::Utf8Error| StorageError::Unavailable(e.to_string())),
        }
    }

    fn credentials(&self) -> StorageResult<Credentials> {
        Credentials::new(
            Some(&self.access_key),
            Some(&self.secret_key),
            None,
            None,
            None,
        )
        .map_err(|e| StorageError::Unavailable(e.to_string()))
    }
}

impl S3Store {
    pub fn new(settings: S3Settings) -> StorageResult<Self> {
        let mut bucket = Bucket::new(
            &settings.bucket,
            settings.region()?,
            settings.credentials()?,
        )
        .map_err(unavailable)?;
        if settings.path_style {
            bucket = bucket.with_path_style();
        }
        let bucket = bucket
            .with_request_timeout(REQUEST_TIMEOUT)
            .map_err(unavailable)?;
        Ok(S3Store { bucket, settings })
    }

    /// Creates the bucket when it does not exist yet (a fresh MinIO or Garage, the tests).
    pub async fn create_bucket_if_missing(&self) -> StorageResult<()> {
        // Listing one key (rather than all buckets) also works where the account may not
        // list buckets, and with servers whose bucket list lacks an owner.
        match self
            .bucket
            .list_page(String::new(), None, None, None, Some(1))
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(unavailable(e)),
        }
        let settings = &self.settings;
        let created = if settings.path_style {
            Bucket::create_with_path_style(
                &settings.bucket,
                settings.region()?,
                settings.credentials()?,
                BucketConfiguration::default(),
            )
            .await
        } else {
            Bucket::create(
                &settings.bucket,
                settings.region()?,
                settings.credentials()?,
                BucketConfiguration::default(),
            )
            .await
        }
        .map_err(unavailable)?;
        if created.success() {
            Ok(())
        } else {
            Err(StorageError::Unavailable(format!(
                "cannot create bucket {}: {} {}",
                settings.bucket, created.response_code, created.response_text
            )))
        }
    }
}

#[async_trait]
impl BlobStore for S3Store {
    fn name(&self) -> &'static str {
        "s3"
    }

    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> StorageResult<()> {
        check_key(key)?;
        self.bucket
            .put_object_with_content_type(key, &bytes, content_type)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> StorageResult<Option<Bytes>> {
        check_key(key)?;
        match self.bucket.get_object(key).await {
            Ok(response) => Ok(Some(response.into_bytes())),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn exists(&self, key: &str) -> StorageResult<bool> {
        check_key(key)?;
        match self.bucket.head_object(key).await {
            Ok((_, status)) => Ok((200..300).contains(&status)),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn delete(&self, key: &str) -> StorageResult<()> {
        check_key(key)?;
        match self.bucket.delete_object(key).await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn list(&self, prefix: &str) -> StorageResult<Vec<ObjectInfo>> {
        let pages = self
            .bucket
            .list(prefix.to_string(), None)
            .await
            .map_err(unavailable)?;
        let mut out: Vec<ObjectInfo> = pages
            .into_iter()
            .flat_map(|page| page.contents)
            .map(|o| ObjectInfo {
                modified: DateTime::parse_from_rfc3339(&o.last_modified)
                    .map_or_else(|_| Utc::now(), |t| t.with_timezone(&Utc)),
                key: o.key,
                size: o.size,
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn signed_url(
        &self,
        key: &str,
        ttl: Duration,
        download_name: &str,
    ) -> StorageResult<Option<String>> {
        check_key(key)?;
        let secs = u32::try_from(ttl.as_secs()).unwrap_or(u32::MAX).max(1);
        let mut queries = HashMap::new();
        queries.insert(
            "response-content-disposition".to_string(),
            content_disposition(download_name),
        );
        self.bucket
            .presign_get(key, secs, Some(queries))
            .await
            .map(Some)
            .map_err(unavailable)
    }
}
