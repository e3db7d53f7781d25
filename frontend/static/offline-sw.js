// Keeps the pages staff fill in where there is no network — lead capture at a fair booth,
// a facility survey at a workshop — and the site's assets on the phone, so the page opens
// and works offline. Registered once per scope (/hoi-cho/, /staff/surveys/). Pages: network
// first, the kept copy when offline. Assets: the kept copy (their URLs change when they do).
const CACHE = 'ketnoi-offline-v1';
const KEPT = [/^\/hoi-cho\/[^/]+\/khach-hang$/, /^\/staff\/surveys\/new$/];
const kept = (pathname) => KEPT.some((re) => re.test(pathname));

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
// A page that loaded before the worker took over sends what it needs offline.
self.addEventListener('message', (event) => {
  const urls = (event.data && Array.isArray(event.data.keep) ? event.data.keep : [])
    .map((u) => new URL(u, self.location.href))
    .filter((u) => u.origin === self.location.origin
      && (u.pathname.startsWith('/static/') || kept(u.pathname)))
    .map((u) => (u.pathname.startsWith('/static/') ? u.href : u.origin + u.pathname));
  event.waitUntil(caches.open(CACHE).then((c) => Promise.all(urls.map((u) => fetch(u)
    .then((response) => response.ok && c.put(u, response)).catch(() => {})))));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/')) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(request, copy)); }
        return response;
      })),
    );
    return;
  }
  if (kept(url.pathname)) {
    const page = url.origin + url.pathname;
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok) { const copy = response.clone(); caches.open(CACHE).then((c) => c.put(page, copy)); }
        return response;
      }).catch(() => caches.match(page).then((hit) => hit || Response.error())),
    );
  }
});
