// Page weight of the catalogue grid on a phone: how many bytes a buyer on a slow mobile line
// downloads to see /san-pham (24 products with photos), the first screen only and the whole
// page scrolled to the bottom, and a product page; split into HTML, CSS, JS, images and
// other, with the photo sizes the browser picked from the srcsets.
//
// It is also a check with budgets, run by tests/run: it exits 1, naming the figure and its
// budget, when the grid's first screen or a product page opened cold weighs more than
// 100 kB (kB = 1024 bytes) on a phone over a slow 3G line.
//
// Run from the repository root (it builds nothing; playwright-core comes from the e2e
// test's node_modules, `cd tests/e2e && npm ci` if it is missing):
//
//   cargo build --release --bin ketnoi && node benches/grid-weight.mjs
//   KETNOI_BIN=target/debug/ketnoi node benches/grid-weight.mjs   (as tests/run does)
//
//   KETNOI_BIN     server binary (default: target/release/ketnoi of this repository)
//   CHROMIUM_PATH  browser binary (default: /usr/bin/chromium)
//   BENCH_KEEP=1   keep the temp data dir and the server log
//   BENCH_VERBOSE=1  also list every response of each measurement
//   BENCH_SCREENSHOT=FILE.png  save the grid's first screen as the phone shows it
//
// What it does: starts a throw-away `ketnoi serve --demo` (fresh data dir in the temp dir,
// free port on 127.0.0.1), signs in as the demo staff through the API, uploads one distinct
// photo-like JPEG (2048 × 1536, quality 0.88: what the upload form's script sends from a
// phone; painted in Chromium: gradients, texture at several scales and sensor-like noise, so
// it compresses about like a real photo at every size) to each of the first 24 published
// products and makes it their cover (the demo's own drawn pictures compress far better than
// photos and would flatter the figures), then opens a new context emulating a phone
// (360 × 740 CSS px, 2 device pixels per CSS px, touch, mobile Chrome user agent) on a slow
// 3G line (DevTools' "Slow 3G": 2 s latency, 50 kB/s each way, set with the DevTools
// protocol's Network.emulateNetworkConditions, which Chrome's lazy loading also reads) with
// an empty cache and measures:
//   - grid, first screen: /san-pham loaded, network idle, not scrolled;
//   - grid, whole page: the same page after scrolling slowly to the bottom (cumulative);
//   - product page, cold: a product with a photo, opened in another fresh phone context;
//   - product page, from grid: the same product opened from the grid (CSS/JS cached).
// Bytes are what crossed the wire per response: Playwright's responseBodySize (encoded,
// i.e. compressed when the server compressed) plus responseHeadersSize. Request bodies are
// not counted. Loopback timings mean nothing for a phone, so none are printed.

import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'tests/e2e/package.json'));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  console.error('grid-weight: playwright-core not found; run `cd tests/e2e && npm ci` first');
  process.exit(2);
}

const BIN = resolve(process.env.KETNOI_BIN || join(ROOT, 'target/release/ketnoi'));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const KEEP = process.env.BENCH_KEEP === '1';
const VERBOSE = process.env.BENCH_VERBOSE === '1';
const STAFF = { login: 'canbo@ketnoi.vn', password: 'ketnoi-demo' };
/** What a phone may download, in bytes, for each figure that has a budget. */
const BUDGETS = {
  'grid, first screen': 100 * 1024,
  'product, cold': 100 * 1024,
};
/** DevTools' "Slow 3G" preset. */
const SLOW_3G = {
  offline: false,
  latency: 2000,
  downloadThroughput: 50_000,
  uploadThroughput: 50_000,
  connectionType: 'cellular3g',
};
const PHOTOS = 24;
const PHONE = {
  viewport: { width: 360, height: 740 },
  screen: { width: 360, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'vi-VN',
  userAgent:
    'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
};

if (!existsSync(BIN)) {
  console.error(`grid-weight: server binary not found: ${BIN}\n  build it: cargo build --release --bin ketnoi (or set KETNOI_BIN)`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------
// Server

const dataDir = mkdtempSync(join(tmpdir(), 'ketnoi-grid-weight.'));
const logPath = join(dataDir, 'server.log');
let server = null;
let browser = null;

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function startServer() {
  const port = await freePort();
  const env = { ...process.env };
  // Only the data dir chosen here may decide where the database and files live.
  for (const k of ['DATABASE_URL', 'KETNOI_DATA_DIR', 'KETNOI_ADDR', 'KETNOI_PUBLIC_URL', 'KETNOI_DEMO',
    'KETNOI_SECURE_COOKIES', 'KETNOI_SEARCH_URL', 'KETNOI_S3_BUCKET', 'KETNOI_S3_ENDPOINT']) {
    delete env[k];
  }
  const log = openSync(logPath, 'a');
  server = spawn(BIN, ['--data-dir', dataDir, 'serve', '--demo', '--addr', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', log, log],
  });
  const exited = new Promise((ok) => server.once('exit', (code, signal) => ok({ code, signal })));
  server.exited = exited;
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return base;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not answer 200 on ${base}/healthz; its log:\n${readFileSync(logPath, 'utf8')}`);
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGTERM');
  const killed = setTimeout(() => server.kill('SIGKILL'), 5000);
  await server.exited;
  clearTimeout(killed);
}

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await browser?.close().catch(() => {});
  await stopServer();
  if (KEEP) console.error(`grid-weight: kept ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------
// Photos

/**
 * Paints a photo-like JPEG in the page and posts it to the product's photos API from the
 * page (same origin: the session cookie and the same-site check apply as for a person).
 */
async function uploadPhoto(page, productId, seed) {
  return page.evaluate(
    async ({ productId, seed, width, height }) => {
      let state = (seed * 2654435761) >>> 0 || 1;
      const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const g = canvas.getContext('2d');
      const hue = Math.floor(random() * 360);
      const back = g.createLinearGradient(0, 0, width * random(), height);
      back.addColorStop(0, `hsl(${hue}, ${35 + random() * 30}%, ${55 + random() * 25}%)`);
      back.addColorStop(0.5, `hsl(${(hue + 40) % 360}, 50%, 45%)`);
      back.addColorStop(1, `hsl(${(hue + 100) % 360}, 40%, ${15 + random() * 20}%)`);
      g.fillStyle = back;
      g.fillRect(0, 0, width, height);
      const lx = width * (0.2 + random() * 0.6);
      const ly = height * (0.2 + random() * 0.4);
      const light = g.createRadialGradient(lx, ly, 10, lx, ly, width * 0.6);
      light.addColorStop(0, 'rgba(255, 250, 230, 0.7)');
      light.addColorStop(1, 'rgba(0, 0, 0, 0)');
      g.fillStyle = light;
      g.fillRect(0, 0, width, height);
      // Texture at every scale from grains to pebbles, as real produce and packaging have
      // (fine noise alone would average away in the small variants and flatter them).
      for (let i = 0; i < 6000; i++) {
        const size = 3 * Math.exp(random() * Math.log(40));
        g.fillStyle = `hsla(${(hue + random() * 140) % 360}, ${30 + random() * 40}%, ${20 + random() * 60}%, ${0.25 + random() * 0.5})`;
        g.beginPath();
        g.ellipse(random() * width, random() * height, size, size * (0.4 + random() * 0.6), random() * Math.PI, 0, 2 * Math.PI);
        g.fill();
      }
      for (let i = 0; i < 6 + random() * 6; i++) {
        g.beginPath();
        g.arc(random() * width, height * (0.4 + random() * 0.6), (0.04 + random() * 0.12) * width, 0, 2 * Math.PI);
        g.fillStyle = `hsla(${(hue + 150 + random() * 90) % 360}, 50%, ${25 + random() * 45}%, 0.85)`;
        g.fill();
      }
      const image = g.getImageData(0, 0, width, height);
      const d = image.data;
      for (let i = 0; i < d.length; i += 4) {
        const n = (random() - 0.5) * 32;
        d[i] += n;
        d[i + 1] += n * 0.9;
        d[i + 2] += n * 1.1;
      }
      g.putImageData(image, 0, 0);
      const blob = await new Promise((ok) => canvas.toBlob(ok, 'image/jpeg', 0.88));
      const body = new FormData();
      body.append('file', blob, `IMG_${seed}.jpg`);
      const res = await fetch(`/api/v1/products/${productId}/photos`, {
        method: 'POST',
        body,
        headers: { Accept: 'application/json' },
      });
      return { status: res.status, sent: blob.size, body: await res.text() };
    },
    { productId, seed, width: 2048, height: 1536 },
  );
}

// ---------------------------------------------------------------------------------------
// Measuring

const KINDS = ['HTML', 'CSS', 'JS', 'images', 'other'];

function kindOf(req) {
  switch (req.resourceType()) {
    case 'document':
      return 'HTML';
    case 'stylesheet':
      return 'CSS';
    case 'script':
      return 'JS';
    case 'image':
      return 'images';
    default:
      return 'other';
  }
}

/** Records every finished response of a page into the current `bucket`. */
function recorder(page) {
  const rec = { bucket: [], pending: [], failed: [] };
  rec.inflight = 0;
  page.on('request', () => {
    rec.inflight += 1;
  });
  page.on('requestfailed', () => {
    rec.inflight -= 1;
  });
  page.on('requestfinished', (req) => {
    rec.inflight -= 1;
    const bucket = rec.bucket;
    rec.pending.push(
      (async () => {
        const [sizes, res] = await Promise.all([req.sizes(), req.response()]);
        const headers = res ? await res.allHeaders() : {};
        bucket.push({
          url: req.url(),
          kind: kindOf(req),
          status: res?.status() ?? 0,
          bytes: sizes.responseBodySize + sizes.responseHeadersSize,
          body: sizes.responseBodySize,
          encoding: headers['content-encoding'] || '',
          type: (headers['content-type'] || '').split(';')[0],
        });
      })(),
    );
  });
  page.on('requestfailed', (req) => {
    rec.failed.push(`${req.failure()?.errorText ?? 'failed'} ${req.url()}`);
  });
  /** Waits for the recorded sizes, returns the bucket and starts a new one. */
  rec.take = async () => {
    const bucket = rec.bucket;
    rec.bucket = [];
    await Promise.all(rec.pending.splice(0));
    return bucket;
  };
  return rec;
}

/** A context like a phone with nothing cached. */
async function phone() {
  const context = await browser.newContext(PHONE);
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
  return { context, page, rec: recorder(page) };
}

/**
 * Waits for the page's load event, then until none of its requests has been in flight for a
 * second (Playwright's "networkidle" is reached once per page, so it would not wait again
 * after scrolling).
 */
async function settle(page, rec) {
  await page.waitForLoadState('load');
  let quietSince = Date.now();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (rec.inflight > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= 1000) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`requests still in flight after a minute on ${page.url()}`);
}

async function scrollToBottom(page, rec) {
  // About a thumb's flick at a time, pausing as a person reading would.
  for (;;) {
    const done = await page.evaluate(() => {
      const el = document.scrollingElement;
      if (el.scrollTop + innerHeight >= el.scrollHeight - 1) return true;
      window.scrollBy(0, Math.round(innerHeight * 0.6));
      return false;
    });
    if (done) break;
    await page.waitForTimeout(250);
  }
  await page.waitForTimeout(500);
  await settle(page, rec);
}

/** The photo variant of a /media/ URL: "640w webp". */
function variantOf(url) {
  const m = /-(\d+)\.(webp|jpg)(?:$|\?)/.exec(new URL(url).pathname);
  return m ? `${m[1]}w ${m[2] === 'jpg' ? 'jpeg' : 'webp'}` : null;
}

function summarise(name, entries, extra = {}) {
  if (VERBOSE) {
    console.log(`-- ${name}`);
    for (const e of entries) {
      console.log(`   ${e.kind.padEnd(6)} ${String(e.status).padStart(3)} ${kB(e.bytes).padStart(7)} kB ${e.encoding.padEnd(4)} ${e.type.padEnd(24)} ${new URL(e.url).pathname}`);
    }
  }
  const by = Object.fromEntries(KINDS.map((k) => [k, 0]));
  const encodings = {};
  const variants = {};
  let imageCount = 0;
  let cached = 0;
  for (const e of entries) {
    by[e.kind] += e.bytes;
    if (e.bytes === 0) {
      cached += 1; // served from the browser's cache: nothing crossed the line
      continue;
    }
    if (e.encoding && e.kind !== 'images') encodings[e.kind] = e.encoding;
    if (e.kind === 'images' && e.status === 200) {
      imageCount += 1;
      const v = variantOf(e.url);
      if (v) variants[v] = (variants[v] ?? 0) + 1;
    }
  }
  const total = KINDS.reduce((n, k) => n + by[k], 0);
  return { name, by, total, requests: entries.length - cached, cached, imageCount, variants, encodings, ...extra };
}

const kB = (n) => (n / 1024).toFixed(1);

function printTable(rows) {
  const head = ['', ...KINDS, 'total', 'req', 'img', 'cached'];
  const body = rows.map((r) => [
    r.name,
    ...KINDS.map((k) => kB(r.by[k])),
    kB(r.total),
    String(r.requests),
    String(r.imageCount),
    String(r.cached),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

// ---------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const base = await startServer();
  console.log(`server: ${BIN}\n        ${base} (demo catalogue, data in ${dataDir})`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });

  // Staff signs in and adds one photo to each of the first 24 published products.
  const desk = await browser.newContext({ locale: 'vi-VN' });
  const deskPage = await desk.newPage();
  await deskPage.goto(`${base}/healthz`);
  const login = await deskPage.evaluate(async (staff) => {
    const res = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(staff),
    });
    return { status: res.status, body: await res.text() };
  }, STAFF);
  if (login.status !== 200) throw new Error(`demo staff sign-in failed: ${login.status} ${login.body}`);
  const list = await (await desk.request.get(`${base}/api/v1/products?per_page=100`)).json();
  const published = list.items.filter((p) => !p.status || p.status === 'published');
  if (published.length < PHOTOS) {
    throw new Error(`the demo catalogue lists ${published.length} published products, ${PHOTOS} needed`);
  }
  const targets = published.slice(0, PHOTOS);
  let sentBytes = 0;
  const stored = {};
  const t0 = Date.now();
  for (const [i, product] of targets.entries()) {
    const r = await uploadPhoto(deskPage, product.id, i + 1);
    if (r.status !== 201) throw new Error(`upload to product ${product.id} answered ${r.status}: ${r.body}`);
    sentBytes += r.sent;
    const uploaded = JSON.parse(r.body);
    const cover = await deskPage.evaluate(
      async ({ productId, photoId }) => {
        const photos = await (await fetch(`/api/v1/products/${productId}/photos`)).json();
        const res = await fetch(`/api/v1/products/${productId}/photos/order`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ photo_ids: [photoId, ...photos.map((p) => p.id).filter((id) => id !== photoId)] }),
        });
        return { status: res.status, body: await res.text() };
      },
      { productId: product.id, photoId: uploaded.id },
    );
    if (cover.status !== 200) throw new Error(`making the photo the cover answered ${cover.status}: ${cover.body}`);
    for (const v of uploaded.variants) {
      const key = `${v.width}w ${v.format}`;
      stored[key] = (stored[key] ?? 0) + v.bytes;
    }
  }
  console.log(
    `photos: ${PHOTOS} uploaded (2048 × 1536 JPEG q0.88, ${(sentBytes / PHOTOS / 1024 / 1024).toFixed(2)} MB each on average) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `        variants stored, average kB: ${Object.entries(stored)
      .sort(([a], [b]) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b))
      .map(([k, n]) => `${k} ${kB(n / PHOTOS)}`)
      .join(', ')}`,
  );
  await desk.close();

  const rows = [];
  const notes = [];

  // The grid on a phone, cache empty.
  const grid = await phone();
  await grid.page.goto(`${base}/san-pham`);
  await settle(grid.page, grid.rec);
  const cards = await grid.page.locator('li.card').count();
  const withPhoto = await grid.page.locator('li.card picture img').count();
  const visible = await grid.page.evaluate(
    () => [...document.querySelectorAll('li.card')].filter((c) => c.getBoundingClientRect().top < innerHeight).length,
  );
  const columns = await grid.page.evaluate(
    () => getComputedStyle(document.querySelector('ul.grid')).gridTemplateColumns.split(' ').length,
  );
  if (process.env.BENCH_SCREENSHOT) await grid.page.screenshot({ path: process.env.BENCH_SCREENSHOT });
  const firstScreen = await grid.rec.take();
  rows.push(summarise('grid, first screen', firstScreen));
  await scrollToBottom(grid.page, grid.rec);
  const rest = await grid.rec.take();
  const shown = await grid.page.evaluate(() =>
    [...document.querySelectorAll('li.card picture img')].map((img) => ({
      loaded: img.complete && img.naturalWidth > 0,
      src: img.currentSrc,
      width: img.getBoundingClientRect().width,
    })),
  );
  // Cumulative: the first screen's responses plus those the scrolling brought.
  rows.push(summarise('grid, whole page', [...firstScreen, ...rest]));
  notes.push(
    `grid: ${cards} cards in ${columns} column(s), ${withPhoto} with a photo, ${visible} on the first screen; ` +
      `${shown.filter((s) => s.loaded).length}/${shown.length} thumbnails loaded after scrolling, ` +
      `shown ${Math.round(shown[0]?.width ?? 0)} CSS px wide (${Math.round((shown[0]?.width ?? 0) * PHONE.deviceScaleFactor)} device px)`,
  );
  grid.failed = grid.rec.failed;

  // A product page with a photo: opened from the grid (CSS and JS cached) ...
  const target = targets[0];
  const productUrl = `${base}/san-pham/${target.slug}`;
  await grid.page.goto(productUrl);
  await settle(grid.page, grid.rec);
  rows.push(summarise('product, from grid', await grid.rec.take()));
  // ... and cold, as from a link shared on Zalo.
  const cold = await phone();
  await cold.page.goto(productUrl);
  await settle(cold.page, cold.rec);
  const gallery = await cold.page.evaluate(() =>
    [...document.querySelectorAll('.gallery img')].map((img) => ({ loaded: img.complete && img.naturalWidth > 0 })),
  );
  rows.push(summarise('product, cold', await cold.rec.take()));
  notes.push(`product page: /san-pham/${target.slug}, ${gallery.length} photo(s), ${gallery.filter((g) => g.loaded).length} loaded`);

  console.log(`\nbytes transferred (kB = 1024 bytes; body as sent, compressed if it was, + response headers)`);
  console.log(`req/img: responses over the network (img: of them photos and icons); cached: from the browser's cache`);
  console.log(
    `phone: ${PHONE.viewport.width} × ${PHONE.viewport.height} CSS px at ${PHONE.deviceScaleFactor}x, empty cache, ` +
      `slow 3G (${SLOW_3G.latency} ms, ${SLOW_3G.downloadThroughput / 1000} kB/s)\n`,
  );
  printTable(rows);
  console.log('');
  for (const r of rows) {
    const v = Object.entries(r.variants)
      .sort(([a], [b]) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b))
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
    const enc = Object.entries(r.encodings).map(([k, e]) => `${k} ${e}`).join(', ');
    console.log(`${r.name.padEnd(20)} photos: ${v || 'none'}${enc ? `; compressed: ${enc}` : '; not compressed'}`);
  }
  for (const n of notes) console.log(n);
  const failed = [...grid.failed, ...cold.rec.failed];
  if (failed.length) console.log(`failed requests:\n  ${failed.join('\n  ')}`);
  console.log(`(run took ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return checkBudgets(rows);
}

/** Prints each budgeted figure beside its budget; returns the figures over it. */
function checkBudgets(rows) {
  console.log('\nbudgets (a phone on slow 3G, empty cache):');
  const over = [];
  for (const [name, budget] of Object.entries(BUDGETS)) {
    const row = rows.find((r) => r.name === name);
    if (!row) throw new Error(`no figure "${name}" was measured`);
    const ok = row.total <= budget;
    console.log(`  ${name.padEnd(20)} ${kB(row.total).padStart(7)} kB of ${kB(budget)} kB  ${ok ? 'ok' : 'OVER BUDGET'}`);
    if (!ok) over.push(`${name}: ${kB(row.total)} kB, budget ${kB(budget)} kB`);
  }
  return over;
}

try {
  const over = await main();
  if (over.length) {
    console.error(`grid-weight: over budget on a phone:\n  ${over.join('\n  ')}`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`grid-weight: ${err.stack || err}`);
  if (existsSync(logPath)) console.error(`server log (last lines):\n${readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n')}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
