//! One contract for every object store: the directory store always, and the S3 store when
//! `KETNOI_TEST_S3_ENDPOINT` names a real S3 server (tests/run starts one).

mod common;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ketnoi::storage::{BlobStore, StorageError};

/// Every store to check, each over fresh, empty storage.
async fn stores(dir: &std::path::Path) -> Vec<Arc<dyn BlobStore>> {
    let mut out: Vec<Arc<dyn BlobStore>> = vec![Arc::new(
        ketnoi::storage::dir::DirStore::open(dir.join("dir-store")).expect("open directory store"),
    )];
    if std::env::var("KETNOI_TEST_S3_ENDPOINT").is_ok() {
        out.push(
            ketnoi::app::open_store(&common::test_storage(dir))
                .await
                .expect("open S3 store"),
        );
    }
    out
}

#[tokio::test]
async fn objects_round_trip_and_disappear() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()).await {
        let name = store.name();
        let key = "public/img/ab/abcdef-320.webp";
        assert_eq!(store.get(key).await.unwrap(), None, "{name}: empty store");
        assert!(!store.exists(key).await.unwrap(), "{name}");
        store
            .put(key, Bytes::from_static(b"first"), "image/webp")
            .await
            .unwrap();
        assert!(store.exists(key).await.unwrap(), "{name}");
        store
            .put(key, Bytes::from_static(b"second version"), "image/webp")
            .await
            .unwrap();
        assert_eq!(
            store.get(key).await.unwrap().as_deref(),
            Some(&b"second version"[..]),
            "{name}: a put replaces"
        );
        store.delete(key).await.unwrap();
        assert_eq!(store.get(key).await.unwrap(), None, "{name}: deleted");
        store.delete(key).await.expect("deleting twice is fine");
    }
}

#[tokio::test]
async fn large_binary_objects_survive_intact() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    for store in stores(dir.path()).await {
        store
            .put(
                "private/originals/00/big.jpg",
                Bytes::from(bytes.clone()),
                "image/jpeg",
            )
            .await
            .unwrap();
        let back = store
            .get("private/originals/00/big.jpg")
            .await
            .unwrap()
            .unwrap();
        assert!(back == bytes, "{}: bytes differ", store.name());
    }
}

#[tokio::test]
async fn listing_by_prefix_gives_sizes_and_times() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()).await {
        let name = store.name();
        assert!(
            store.list("").await.unwrap().is_empty(),
            "{name}: a new store is empty"
        );
        let before = chrono::Utc::now() - chrono::Duration::minutes(5);
        for (key, body) in [
            ("public/img/aa/one-320.jpg", "1"),
            ("public/img/ab/two-320.jpg", "22"),
            ("private/documents/cc/three.pdf", "333"),
        ] {
            store
                .put(key, Bytes::from(body), "application/octet-stream")
                .await
                .unwrap();
        }
        let all = store.list("").await.unwrap();
        let keys: Vec<&str> = all.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "private/documents/cc/three.pdf",
                "public/img/aa/one-320.jpg",
                "public/img/ab/two-320.jpg"
            ],
            "{name}"
        );
        assert_eq!(all[0].size, 3, "{name}");
        assert!(all.iter().all(|o| o.modified > before), "{name}: {all:?}");
        let public: Vec<String> = store
            .list("public/img/a")
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect();
        assert_eq!(
            public,
            ["public/img/aa/one-320.jpg", "public/img/ab/two-320.jpg"],
            "{name}"
        );
        assert!(store.list("nothing/").await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test]
async fn unsafe_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()).await {
        for key in ["../escape", "a/../../b", "/abs", "Upper/Case", ""] {
            let err = store
                .put(key, Bytes::from_static(b"x"), "text/plain")
                .await
                .expect_err("refused");
            assert!(
                matches!(err, StorageError::InvalidKey(_)),
                "{}: {key}",
                store.name()
            );
        }
    }
    assert!(!dir.path().join("escape").exists());
}

#[tokio::test]
async fn signed_links_work_only_where_the_store_signs() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()).await {
        let key = "private/documents/ab/certificate.pdf";
        store
            .put(key, Bytes::from_static(b"%PDF-1.4 test"), "application/pdf")
            .await
            .unwrap();
        let url = store
            .signed_url(key, Duration::from_secs(60), "Giấy chứng nhận.pdf")
            .await
            .unwrap();
        if store.name() == "directory" {
            assert_eq!(url, None);
        } else {
            let url = url.expect("S3 signs links");
            let body = reqwest::get(&url).await.unwrap();
            assert_eq!(body.status(), 200, "signed link works: {url}");
            assert_eq!(&body.bytes().await.unwrap()[..], b"%PDF-1.4 test");
            // Tampering with the signature is refused.
            let at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
            let flipped = if &url[at..=at] == "0" { "1" } else { "0" };
            let forged = format!("{}{flipped}{}", &url[..at], &url[at + 1..]);
            assert_eq!(reqwest::get(&forged).await.unwrap().status(), 403);
            // The object itself is not public.
            let endpoint = std::env::var("KETNOI_TEST_S3_ENDPOINT").unwrap();
            let bare = format!("{endpoint}/{}/{key}", url.split('/').nth(3).unwrap());
            assert_ne!(reqwest::get(&bare).await.unwrap().status(), 200);
        }
    }
}
