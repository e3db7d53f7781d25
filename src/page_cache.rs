//! Rendered public pages, kept in memory and served again until the catalogue changes.
//!
//! The cache is a consumer of the change log the search indexes follow (`search_log`): it
//! keeps its own position there, and every entry it reads drops the pages that show the
//! entry's product or any product of its enterprise. A page is stored with the position the
//! cache stood at when its rendering began, and only if the cache has not moved since, so a
//! page rendered from data older than an entry the cache has already applied is never kept.
//! (`services::page_cache` reads the log; this module only holds and drops pages.)
//!
//! Memory is bounded: past the budget the least recently served pages go first.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// What a page is, for whom it was rendered: the path, the language, the address the page
/// calls itself by, and the day (a trademark that expires today changes what it says).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub path: String,
    pub lang: &'static str,
    pub public_url: String,
    pub day: chrono::NaiveDate,
}

/// One rendered page.
#[derive(Debug)]
pub struct Page {
    pub body: bytes::Bytes,
    /// A strong validator: the body's digest, the same on every instance.
    pub etag: String,
    /// The enterprise whose products the page shows.
    pub enterprise_id: i32,
    /// Every product the page shows.
    pub products: Vec<i32>,
    /// A listing of the whole catalogue: any change may alter it.
    pub listing: bool,
    pub content_type: &'static str,
    last_used: AtomicU64,
}

impl Page {
    /// An HTML page showing these products of one enterprise.
    pub fn new(body: bytes::Bytes, enterprise_id: i32, products: Vec<i32>) -> Self {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&body);
        Page {
            etag: format!("\"{}\"", hex::encode(&digest[..12])),
            body,
            enterprise_id,
            products,
            listing: false,
            content_type: "text/html; charset=utf-8",
            last_used: AtomicU64::new(0),
        }
    }

    /// A listing of the catalogue (JSON), dropped by any change.
    pub fn listing(body: bytes::Bytes) -> Self {
        Page {
            listing: true,
            content_type: "application/json",
            ..Page::new(body, 0, Vec::new())
        }
    }

    fn weight(&self, key: &PageKey) -> usize {
        self.body.len() + key.path.len() + key.public_url.len() + self.products.len() * 4 + 128
    }
}

/// A change read from the log: a product, and its enterprise when the product still exists.
#[derive(Clone, Copy, Debug)]
pub struct Change {
    pub product_id: i32,
    pub enterprise_id: Option<i32>,
}

struct Pages {
    map: HashMap<PageKey, Arc<Page>>,
    bytes: usize,
    /// The log position every kept page is valid at.
    position: i32,
    /// False until the cache first read where the log stands.
    started: bool,
}

pub struct PageCache {
    pages: RwLock<Pages>,
    /// Counts of public listings (a filter → the log position it was counted at, and the
    /// count): counting a whole catalogue costs more than the page of it that is shown.
    counts: std::sync::Mutex<HashMap<String, (i32, u64)>>,
    budget: usize,
    tick: AtomicU64,
    /// One reader of the log at a time, and when its last reading began.
    pub sync: tokio::sync::Mutex<Option<Instant>>,
    epoch: Instant,
    /// When the log was last read, in milliseconds after `epoch` (`u64::MAX`: never).
    read_ms: AtomicU64,
}

impl PageCache {
    /// A cache holding at most `budget` bytes of pages (0 turns it off).
    pub fn new(budget: usize) -> Self {
        PageCache {
            pages: RwLock::new(Pages {
                map: HashMap::new(),
                bytes: 0,
                position: 0,
                started: false,
            }),
            counts: std::sync::Mutex::default(),
            budget,
            tick: AtomicU64::new(0),
            sync: tokio::sync::Mutex::new(None),
            epoch: Instant::now(),
            read_ms: AtomicU64::new(u64::MAX),
        }
    }

    /// Notes that the log was read, from `at` on.
    pub fn mark_read(&self, at: Instant) {
        let ms = u64::try_from(at.saturating_duration_since(self.epoch).as_millis())
            .unwrap_or(u64::MAX - 1);
        self.read_ms.store(ms, Ordering::Relaxed);
    }

    /// When the log was last read.
    pub fn read_at(&self) -> Option<Instant> {
        match self.read_ms.load(Ordering::Relaxed) {
            u64::MAX => None,
            ms => Some(self.epoch + std::time::Duration::from_millis(ms)),
        }
    }

    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Pages> {
        self.pages
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Pages> {
        self.pages
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Where the cache stands in the log; `None` before it first read the log.
    pub fn position(&self) -> Option<i32> {
        let pages = self.read();
        pages.started.then_some(pages.position)
    }

    pub fn get(&self, key: &PageKey) -> Option<Arc<Page>> {
        let page = self.read().map.get(key).cloned()?;
        page.last_used
            .store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        Some(page)
    }

    /// Keeps a page rendered when the cache stood at `rendered_at`; nothing when the cache
    /// has moved since (the page may predate a change already applied) or is off.
    pub fn put(&self, key: PageKey, page: Page, rendered_at: i32) -> bool {
        let weight = page.weight(&key);
        if !self.enabled() || weight > self.budget / 4 {
            return false;
        }
        page.last_used
            .store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        let mut pages = self.write();
        if !pages.started || pages.position != rendered_at {
            return false;
        }
        let kept = key.clone();
        if let Some(old) = pages.map.insert(key, Arc::new(page)) {
            pages.bytes -= old.weight(&kept);
        }
        pages.bytes += weight;
        if pages.bytes > self.budget {
            Self::shrink(&mut pages, self.budget * 3 / 4);
        }
        true
    }

    /// Drops the least recently served pages until at most `target` bytes are kept.
    fn shrink(pages: &mut Pages, target: usize) {
        let mut by_age: Vec<(u64, PageKey, usize)> = pages
            .map
            .iter()
            .map(|(k, p)| (p.last_used.load(Ordering::Relaxed), k.clone(), p.weight(k)))
            .collect();
        by_age.sort_unstable_by_key(|(used, _, _)| *used);
        for (_, key, weight) in by_age {
            if pages.bytes <= target {
                break;
            }
            pages.map.remove(&key);
            pages.bytes -= weight;
        }
    }

    /// Applies changes read from the log up to `position`: the pages that show a changed
    /// product, or any product of its enterprise, are dropped.
    pub fn apply(&self, changes: &[Change], position: i32) {
        let mut pages = self.write();
        if !changes.is_empty() {
            let products: std::collections::HashSet<i32> =
                changes.iter().map(|c| c.product_id).collect();
            let enterprises: std::collections::HashSet<i32> =
                changes.iter().filter_map(|c| c.enterprise_id).collect();
            let mut freed = 0;
            pages.map.retain(|key, page| {
                let keep = !page.listing
                    && !enterprises.contains(&page.enterprise_id)
                    && !page.products.iter().any(|p| products.contains(p));
                if !keep {
                    freed += page.weight(key);
                }
                keep
            });
            pages.bytes -= freed;
        }
        pages.position = pages.position.max(position);
        pages.started = true;
    }

    /// Forgets every page and stands at `position` (the log was trimmed past the cache).
    pub fn reset(&self, position: i32) {
        let mut pages = self.write();
        pages.map.clear();
        pages.bytes = 0;
        pages.position = position;
        pages.started = true;
    }

    /// A public listing's count, when it was counted at `position`.
    pub fn count(&self, filter: &str, position: i32) -> Option<u64> {
        let counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        counts
            .get(filter)
            .filter(|(at, _)| *at == position)
            .map(|(_, n)| *n)
    }

    /// Keeps a public listing's count, counted at `position`.
    pub fn keep_count(&self, filter: String, position: i32, n: u64) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if counts.len() >= 10_000 {
            counts.retain(|_, (at, _)| *at == position);
        }
        if counts.len() < 10_000 {
            counts.insert(filter, (position, n));
        }
    }

    /// How many pages and bytes are kept.
    pub fn size(&self) -> (usize, usize) {
        let pages = self.read();
        (pages.map.len(), pages.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> PageKey {
        PageKey {
            path: path.into(),
            lang: "vi",
            public_url: "http://x".into(),
            day: chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date"),
        }
    }

    fn page(enterprise: i32, products: &[i32]) -> Page {
        Page::new(
            bytes::Bytes::from(vec![b'x'; 1000]),
            enterprise,
            products.to_vec(),
        )
    }

    #[test]
    fn a_page_rendered_before_a_change_the_cache_applied_is_not_kept() {
        let cache = PageCache::new(1 << 20);
        assert!(!cache.put(key("/a"), page(1, &[1]), 0), "not started");
        cache.apply(&[], 5);
        assert!(cache.put(key("/a"), page(1, &[1]), 5));
        cache.apply(&[], 6);
        assert!(!cache.put(key("/b"), page(1, &[2]), 5));
        assert!(cache.get(&key("/a")).is_some());
        assert!(cache.get(&key("/b")).is_none());
    }

    #[test]
    fn a_change_drops_the_pages_of_its_product_and_its_enterprise() {
        let cache = PageCache::new(1 << 20);
        cache.apply(&[], 1);
        cache.put(key("/p1"), page(1, &[1, 2]), 1);
        cache.put(key("/p3"), page(2, &[3]), 1);
        cache.put(key("/e1"), page(1, &[1, 2]), 1);
        // A new product of enterprise 1 drops every page of that enterprise.
        cache.apply(
            &[Change {
                product_id: 9,
                enterprise_id: Some(1),
            }],
            2,
        );
        assert!(cache.get(&key("/p1")).is_none());
        assert!(cache.get(&key("/e1")).is_none());
        assert!(cache.get(&key("/p3")).is_some());
        // A product gone from the database still drops the pages that showed it.
        cache.apply(
            &[Change {
                product_id: 3,
                enterprise_id: None,
            }],
            3,
        );
        assert!(cache.get(&key("/p3")).is_none());
        assert_eq!(cache.size(), (0, 0));
    }

    #[test]
    fn any_change_drops_a_listing() {
        let cache = PageCache::new(1 << 20);
        cache.apply(&[], 1);
        cache.put(key("/api"), Page::listing(bytes::Bytes::from("[]")), 1);
        cache.put(key("/p1"), page(1, &[1]), 1);
        cache.apply(
            &[Change {
                product_id: 7,
                enterprise_id: Some(3),
            }],
            2,
        );
        assert!(cache.get(&key("/api")).is_none());
        assert!(cache.get(&key("/p1")).is_some());
    }

    #[test]
    fn past_its_budget_the_least_recently_served_pages_go_first() {
        let cache = PageCache::new(6_000);
        cache.apply(&[], 1);
        for i in 0..8 {
            cache.put(key(&format!("/p{i}")), page(i, &[i]), 1);
            // Page 0 is served all along.
            cache.get(&key("/p0"));
        }
        let (n, bytes) = cache.size();
        assert!(bytes <= 6_000, "{bytes}");
        assert!(n < 8);
        assert!(cache.get(&key("/p0")).is_some());
        assert!(cache.get(&key("/p1")).is_none());
        assert!(cache.get(&key("/p7")).is_some());
    }
}
