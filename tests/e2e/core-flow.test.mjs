// Core flow through the server-rendered pages, on a phone-sized screen, the way a
// person would do it: a producer registers, adds a production site (first with a
// wrong tax-code check digit), lists a product and sends it for review, adds photos
// to it (a large one, shrunk in the phone before it is sent; an iPhone HEIC photo,
// refused with advice; one from the camera, made the cover); a staff member approves
// it; a visitor finds it on the home page, opens it and sees the photos.
//
// Run through ./run.sh, which starts a fresh server and sets KETNOI_E2E_URL.
// The staff account canbo@test.vn / mat-khau-123 must exist (run.sh creates it).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchPhone } from './phone.mjs';
import { BASE, norm, pathOf, steps } from './steps.mjs';

const step = steps();

const SCREENSHOT = process.env.KETNOI_E2E_SCREENSHOT || '/tmp/e2e-product.png';

const PRODUCER = {
  fullName: 'Nguyễn Thị Hoa',
  login: '0912 345 678',
  password: 'hoa-mat-khau-2024',
};
const STAFF = { login: 'canbo@test.vn', password: 'mat-khau-123' };
const ENTERPRISE = {
  name: 'HTX Miến dong Côn Minh',
  legalForm: 'cooperative',
  badTaxCode: '0100047517', // check digit wrong on purpose
  goodTaxCode: '0100047516',
  province: '19', // Thái Nguyên
  commune: '2155', // Xã Na Rì
  phone: '0209 3884 123',
};
const PRODUCT = {
  name: 'Miến dong Na Rì',
  category: 'mien-dong',
  unit: 'kg',
  priceMin: '80.000',
  priceMax: '120.000',
  description:
    'Miến dong làm từ củ dong riềng trồng tại Na Rì, phơi nắng tự nhiên, không chất tẩy trắng.\nĐóng gói 500 g và 1 kg.',
  price: '80.000 – 120.000 ₫/kg',
};

const MB = 1024 * 1024;
// What app.js sends unchanged (larger photos are shrunk in the browser first).
const SHRINK_ABOVE = 900 * 1024;

let browser;
let context;
let page;
/** What the content policy blocked, and pages served without one (see phone.mjs). */
let policy;
// A plain desktop page that paints the test photos (not the phone the person holds).
let studio;
const pageErrors = [];
const badResponses = [];
// Failed requests a step provokes on purpose (a refused upload), each allowed once.
const expectedFailures = [];
// Bodies of the photo uploads the page sent to the API, in order.
const photoUploads = [];
// Set when the producer first opens the product's photo page.
let productId;


/** URL predicate: the path name is exactly `pathname` (any query string). */
const at = (pathname) => (url) => url.pathname === pathname;

async function text(locator) {
  return norm(await locator.innerText());
}

/**
 * Tap like a finger would, wait for the next document to finish loading (a form
 * post that re-renders the same URL counts too), then check where we are.
 */
async function tapAndWait(locator, expected) {
  await locator.scrollIntoViewIfNeeded();
  await Promise.all([page.waitForEvent('load'), locator.tap()]);
  const url = new URL(page.url());
  const ok = typeof expected === 'function' ? expected(url) : expected.test(url.pathname + url.search);
  assert.ok(ok, `expected to land on ${expected}, but the page is ${pathOf(page)}`);
}

/** The body sizes of the photo uploads so far. */
async function uploadSizes() {
  await Promise.all(photoUploads.map((u) => u.measured));
  return photoUploads.map((u) => u.bytes);
}

/** The API's view of the product's photos (the test shares the browser's cookies). */
async function apiPhotos() {
  const res = await context.request.get(`${BASE}/api/v1/products/${productId}/photos`);
  assert.equal(res.status(), 200, `GET photos answered ${res.status()}`);
  return res.json();
}

/**
 * A photo-like picture painted in Chromium: daylight gradients, a few round shapes and
 * sensor-like noise (so it compresses about as badly as a real phone photo).
 */
async function makePhoto({ width, height, type = 'image/jpeg', quality, noise = 16, seed = 1 }) {
  studio ??= await browser.newPage();
  const base64 = await studio.evaluate(
    async ({ width, height, type, quality, noise, seed }) => {
      let state = seed >>> 0 || 1;
      const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const g = canvas.getContext('2d');
      const hue = Math.floor(random() * 360);
      const sky = g.createLinearGradient(0, 0, width * 0.3, height);
      sky.addColorStop(0, `hsl(${hue}, 45%, 70%)`);
      sky.addColorStop(0.55, `hsl(${(hue + 40) % 360}, 55%, 45%)`);
      sky.addColorStop(1, `hsl(${(hue + 90) % 360}, 40%, 25%)`);
      g.fillStyle = sky;
      g.fillRect(0, 0, width, height);
      const light = g.createRadialGradient(width * 0.65, height * 0.35, 10, width * 0.65, height * 0.35, width * 0.6);
      light.addColorStop(0, 'rgba(255, 250, 230, 0.75)');
      light.addColorStop(1, 'rgba(0, 0, 0, 0)');
      g.fillStyle = light;
      g.fillRect(0, 0, width, height);
      for (let i = 0; i < 7; i++) {
        const r = (0.05 + random() * 0.12) * width;
        g.beginPath();
        g.arc(random() * width, height * (0.45 + random() * 0.5), r, 0, 2 * Math.PI);
        g.fillStyle = `hsla(${(hue + 180 + random() * 60) % 360}, 50%, ${30 + random() * 40}%, 0.85)`;
        g.fill();
      }
      const image = g.getImageData(0, 0, width, height);
      const d = image.data;
      for (let i = 0; i < d.length; i += 4) {
        const n = (random() - 0.5) * 2 * noise;
        d[i] += n;
        d[i + 1] += n * 0.9;
        d[i + 2] += n * 1.1;
      }
      g.putImageData(image, 0, 0);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, quality));
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      return btoa(binary);
    },
    { width, height, type, quality, noise, seed },
  );
  return Buffer.from(base64, 'base64');
}

/** Choose files in a file input; the page sends them by itself, then reloads with `done`. */
async function chooseAndWaitForUpload(input, files) {
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get('done') === 'photo_added', {
      waitUntil: 'load',
      timeout: 60_000,
    }),
    input.setInputFiles(files),
  ]);
}

before(async () => {
  assert.ok(BASE, 'KETNOI_E2E_URL must be set (use run.sh)');
  ({ browser, context, policy } = await launchPhone());
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${pathOf(page)}: ${err.message}`));
  page.on('response', (res) => {
    // Form pages may answer 4xx on purpose (validation); sub-resources and
    // script fetches (CSS, JS, icons, the communes API, photo uploads) must not fail,
    // unless the step expected exactly that failure.
    if (res.status() >= 400 && res.request().resourceType() !== 'document') {
      const seen = `${res.status()} ${res.request().method()} ${res.url()}`;
      const expected = expectedFailures.indexOf(seen);
      if (expected >= 0) expectedFailures.splice(expected, 1);
      else badResponses.push(seen);
    }
  });
  // What actually crosses the phone's line when a photo is sent. For a body built from a
  // File (as app.js sends it) Chromium does not hand the bytes to Playwright, so
  // postDataBuffer() is null; the Content-Length of the headers sent on the wire is exact.
  page.on('request', (req) => {
    if (req.method() === 'POST' && /^\/api\/v1\/products\/\d+\/photos$/.test(new URL(req.url()).pathname)) {
      const upload = { url: req.url(), bytes: req.postDataBuffer()?.length ?? null };
      upload.measured = upload.bytes
        ? Promise.resolve()
        : req.allHeaders().then((headers) => {
            upload.bytes = Number(headers['content-length'] ?? 0);
          });
      photoUploads.push(upload);
    }
  });
});

after(async () => {
  await studio?.close();
  await browser?.close();
});

step('1. a producer registers at /dang-ky and lands on the dashboard', async () => {
  await page.goto(`${BASE}/dang-ky`);
  await page.locator('input[name="full_name"]').fill(PRODUCER.fullName);
  await page.locator('input[name="login"]').fill(PRODUCER.login);
  await page.locator('input[name="password"]').fill(PRODUCER.password);
  await page.locator('input[name="role"][value="producer"]').check();
  await tapAndWait(page.locator('main form button'), at('/dashboard'));

  assert.match(await text(page.locator('h1')), new RegExp(PRODUCER.fullName));
  // Signed in: the header offers signing out.
  await page.locator('header form[action="/dang-xuat"] button').waitFor();
});

step('2. the producer adds a production site; a wrong tax-code check digit is refused, values kept', async () => {
  await tapAndWait(
    page.getByRole('link', { name: 'Thêm cơ sở sản xuất' }),
    at('/dashboard/enterprises/new'),
  );

  const form = page.locator('main form');
  await form.locator('input[name="name"]').fill(ENTERPRISE.name);
  await form.locator('select[name="legal_form"]').selectOption(ENTERPRISE.legalForm);
  await form.locator('input[name="tax_code"]').fill(ENTERPRISE.badTaxCode);

  // With JS the "choose province" button is hidden and choosing the province
  // fills the commune list by fetch.
  assert.equal(
    await form.locator('button[name="pick_province"]').isVisible(),
    false,
    'the no-JS "pick province" button should be hidden when JS runs',
  );
  await form.locator('select[name="province_code"]').selectOption(ENTERPRISE.province);
  await form
    .locator(`select[name="commune_code"] option[value="${ENTERPRISE.commune}"]`)
    .waitFor({ state: 'attached' });
  await form.locator('select[name="commune_code"]').selectOption(ENTERPRISE.commune);
  assert.equal(
    norm(await form.locator('select[name="commune_code"] option:checked').textContent()),
    'Xã Na Rì',
  );
  await form.locator('input[name="phone"]').fill(ENTERPRISE.phone);

  const save = form.getByRole('button', { name: 'Lưu', exact: true });
  await tapAndWait(save, at('/dashboard/enterprises/new'));

  // The tax-code error is shown next to the tax-code field.
  const taxError = page
    .locator('label', { has: page.locator('input[name="tax_code"]') })
    .locator('.field-error');
  await taxError.waitFor();
  assert.match(await text(taxError), /chữ số kiểm tra/);
  // No other field was refused.
  assert.equal(await page.locator('.field-error').count(), 1, 'only the tax code should be in error');
  await page.locator('.notice.error').waitFor();

  // Everything typed is still there.
  assert.equal(await form.locator('input[name="name"]').inputValue(), ENTERPRISE.name);
  assert.equal(await form.locator('select[name="legal_form"]').inputValue(), ENTERPRISE.legalForm);
  assert.equal(await form.locator('input[name="tax_code"]').inputValue(), ENTERPRISE.badTaxCode);
  assert.equal(await form.locator('select[name="province_code"]').inputValue(), ENTERPRISE.province);
  assert.equal(await form.locator('select[name="commune_code"]').inputValue(), ENTERPRISE.commune);
  assert.equal(await form.locator('input[name="phone"]').inputValue(), ENTERPRISE.phone);

  // Fix the tax code and save again: on to the new-product form.
  await form.locator('input[name="tax_code"]').fill(ENTERPRISE.goodTaxCode);
  await tapAndWait(save, /\/dashboard\/products\/new\?.+/);
  assert.equal(
    norm(await page.locator('select[name="enterprise_id"] option:checked').textContent()),
    ENTERPRISE.name,
  );
});

step('3. the producer lists a product and sends it for review', async () => {
  const form = page.locator('main form');
  await form.locator('input[name="name"]').fill(PRODUCT.name);
  await form.locator('select[name="category"]').selectOption(PRODUCT.category);
  await form.locator('input[name="unit"]').fill(PRODUCT.unit);
  await form.locator('input[name="price_min_vnd"]').fill(PRODUCT.priceMin);
  await form.locator('input[name="price_max_vnd"]').fill(PRODUCT.priceMax);
  await form.locator('textarea[name="description"]').fill(PRODUCT.description);

  const submit = form.locator('button[formaction="/dashboard/products/new/submit"]');
  assert.equal(await text(submit), 'Lưu và gửi duyệt');
  await tapAndWait(submit, at('/dashboard'));

  const row = page.locator('li.product-row', { hasText: PRODUCT.name });
  await row.waitFor();
  assert.equal(await text(row.locator('strong')), PRODUCT.name);
  assert.equal(await text(row.locator('.status').first()), 'Đang chờ duyệt');
});

step('4. the producer opens the photo page and picks a large photo; the phone shrinks it before sending', async () => {
  // From the product's row on the dashboard: "Ảnh sản phẩm (0)".
  const row = page.locator('li.product-row', { hasText: PRODUCT.name });
  await tapAndWait(
    row.getByRole('link', { name: 'Ảnh sản phẩm (0)' }),
    /^\/dashboard\/products\/\d+\/media$/,
  );
  productId = Number(new URL(page.url()).pathname.split('/')[3]);
  assert.equal(await text(page.locator('main h1')), PRODUCT.name);
  await page.locator('#photos .notice', { hasText: 'Chưa có ảnh nào' }).waitFor();
  assert.equal(await page.locator('ol.photo-list > li').count(), 0);

  // A 12-megapixel photo as a phone camera saves it: several MB.
  const original = await makePhoto({ width: 4000, height: 3000, quality: 0.95, seed: 2024 });
  assert.ok(original.length > 3 * MB, `the test photo should be over 3 MB, it is ${original.length} bytes`);

  // "Chọn ảnh có sẵn" (the gallery input): choosing is enough, the page sends it by itself.
  const form = page.locator('form[data-photo-upload]');
  const gallery = form.locator('input[type=file][multiple]');
  await chooseAndWaitForUpload(gallery, {
    name: 'IMG_20240612_093115.jpg',
    mimeType: 'image/jpeg',
    buffer: original,
  });

  assert.equal(pathOf(page), `/dashboard/products/${productId}/media?done=photo_added`);
  assert.equal(await text(page.locator('main .notice.ok')), 'Đã thêm ảnh.');
  const items = page.locator('ol.photo-list > li');
  assert.equal(await items.count(), 1, 'one photo in the list');
  await items.first().locator('img').waitFor();
  assert.equal(await text(items.first().locator('.badge')), 'Ảnh bìa', 'the first photo is the cover');

  // One request went to the API, and it carried the shrunk photo, not the original.
  const [sent, ...more] = await uploadSizes();
  assert.equal(more.length, 0, `one upload request, got ${photoUploads.length}`);
  assert.equal(photoUploads[0].url, `${BASE}/api/v1/products/${productId}/photos`);
  assert.ok(sent > 50 * 1024, `the upload body looks empty (${sent} bytes): was the file in it?`);
  assert.ok(
    sent < 1.5 * MB,
    `the phone should send well under 1.5 MB, it sent ${sent} bytes (original ${original.length})`,
  );
  console.log(`photo chosen: ${original.length} bytes; request body sent: ${sent} bytes`);

  // Stored upright, no wider than the browser made it; buyers get sizes up to 1600 px.
  const photos = await apiPhotos();
  assert.equal(photos.length, 1);
  const [photo] = photos;
  assert.equal(photo.cover, true);
  assert.equal(photo.position, 0);
  assert.ok(photo.width <= 2048 && photo.width > photo.height, `stored as ${photo.width} × ${photo.height}`);
  assert.ok(Math.abs(photo.width / photo.height - 4 / 3) < 0.01, `4:3 kept: ${photo.width} × ${photo.height}`);
  assert.equal(photo.alt, PRODUCT.name, 'the alt text defaults to the product name');
  const widths = photo.variants.map((v) => v.width);
  assert.equal(Math.max(...widths), 1600, `largest variant: ${widths}`);
  for (const format of ['webp', 'jpeg']) {
    assert.deepEqual(
      photo.variants.filter((v) => v.format === format).map((v) => v.width),
      [320, 640, 1024, 1600],
      `${format} variants`,
    );
  }
  for (const v of photo.variants) {
    assert.ok(v.url.startsWith('/media/') && v.bytes > 0, `variant ${JSON.stringify(v)}`);
    assert.equal(v.height, Math.round((v.width * photo.height) / photo.width), `variant height ${JSON.stringify(v)}`);
  }
  assert.equal(photo.thumbnail, photo.variants.find((v) => v.format === 'jpeg' && v.width === 320).url);
});

step('5. an iPhone HEIC photo is refused with advice the producer can follow', async () => {
  // The picker's `accept` list does not stop every phone from handing over a HEIC file.
  const heic = Buffer.concat([Buffer.from('\0\0\0\x18ftypheic\0\0\0\0', 'latin1'), Buffer.alloc(2048)]);
  expectedFailures.push(`422 POST ${BASE}/api/v1/products/${productId}/photos`);
  const form = page.locator('form[data-photo-upload]');
  const before = pathOf(page);
  const [refused] = await Promise.all([
    page.waitForResponse(
      (res) => res.request().method() === 'POST' && res.url() === `${BASE}/api/v1/products/${productId}/photos`,
    ),
    form.locator('input[type=file][multiple]').setInputFiles({ name: 'anh.heic', mimeType: 'image/heic', buffer: heic }),
  ]);
  assert.equal(refused.status(), 422);
  assert.equal((await refused.json()).error.code, 'photo.heif');

  const chosen = form.locator('.chosen.field-error');
  await chosen.waitFor();
  const message = await text(chosen);
  assert.match(message, /^anh\.heic: /, 'the message names the file');
  assert.match(message, /HEIC/, `the message should mention HEIC: ${message}`);
  assert.equal(pathOf(page), before, 'the page stays put');
  assert.equal(await form.locator('.upload-submit').isDisabled(), false, 'the producer can try again');
  assert.deepEqual(expectedFailures, [], 'the upload was refused by the API (422)');
  assert.equal((await uploadSizes()).length, 2, 'the HEIC file was sent once');
  assert.equal((await apiPhotos()).length, 1, 'nothing was added');
  assert.equal(await page.locator('ol.photo-list > li').count(), 1);
});

step('6. the producer comes back, takes a photo with the camera and makes it the cover', async () => {
  // Back to the product form and into its photos again: the button counts one photo.
  await tapAndWait(page.locator('main .crumbs a'), at(`/dashboard/products/${productId}/edit`));
  await tapAndWait(
    page.getByRole('link', { name: /^Ảnh sản phẩm \(1\)/ }),
    at(`/dashboard/products/${productId}/media`),
  );
  const [first] = await apiPhotos();

  // "Chụp ảnh" (the camera input). A small photo goes as it is.
  const snap = await makePhoto({ width: 800, height: 600, type: 'image/png', noise: 1, seed: 7 });
  assert.ok(snap.length < SHRINK_ABOVE, `the camera photo should be small, it is ${snap.length} bytes`);
  const camera = page.locator('form[data-photo-upload] input[type=file][capture=environment]');
  await chooseAndWaitForUpload(camera, { name: 'camera.png', mimeType: 'image/png', buffer: snap });
  assert.equal(await text(page.locator('main .notice.ok')), 'Đã thêm ảnh.');
  const sizes = await uploadSizes();
  assert.equal(sizes.length, 3);
  const sent = sizes[2];
  assert.ok(sent >= snap.length && sent < snap.length + 4096, `sent unchanged: ${sent} bytes for ${snap.length}`);

  let photos = await apiPhotos();
  assert.deepEqual(photos.map((p) => p.id).slice(0, 1), [first.id]);
  assert.equal(photos.length, 2);
  const second = photos[1];
  assert.deepEqual([second.width, second.height, second.cover], [800, 600, false]);
  assert.deepEqual(
    second.variants.filter((v) => v.format === 'webp').map((v) => v.width),
    [320, 640, 800],
    'a small photo is never enlarged',
  );

  // "Đặt làm ảnh bìa" on the second photo.
  const items = page.locator('ol.photo-list > li');
  assert.equal(await items.count(), 2);
  assert.equal(await items.first().getByRole('button', { name: 'Đặt làm ảnh bìa' }).count(), 0);
  await tapAndWait(
    items.nth(1).getByRole('button', { name: 'Đặt làm ảnh bìa' }),
    (url) => url.pathname === `/dashboard/products/${productId}/media` && url.searchParams.get('done') === 'saved',
  );
  await page.locator('main .notice.ok', { hasText: 'Đã lưu thay đổi' }).waitFor();

  photos = await apiPhotos();
  assert.deepEqual(
    photos.map((p) => [p.id, p.position, p.cover]),
    [
      [second.id, 0, true],
      [first.id, 1, false],
    ],
    'the camera photo is now first and the cover',
  );
  assert.equal(await items.first().locator('img').getAttribute('src'), second.thumbnail);
  assert.equal(await text(items.first().locator('.badge')), 'Ảnh bìa');

  // Back to the dashboard for the next person.
  await tapAndWait(page.locator('header a[href="/dashboard"]').first(), at('/dashboard'));
});

step('7. staff signs in and approves the product from the review queue', async () => {
  await tapAndWait(page.locator('header form[action="/dang-xuat"] button'), (url) => url.pathname !== '/dashboard');
  await page.locator('header a[href="/dang-nhap"]').waitFor();

  await tapAndWait(page.locator('header a[href="/dang-nhap"]'), /\/dang-nhap/);
  const form = page.locator('main form');
  await form.locator('input[name="login"]').fill(STAFF.login);
  await form.locator('input[name="password"]').fill(STAFF.password);
  await tapAndWait(form.locator('button'), (url) => url.pathname !== '/dang-nhap');
  await page.locator('header form[action="/dang-xuat"] button').waitFor();

  await page.goto(`${BASE}/staff/review`);
  assert.equal(pathOf(page), '/staff/review');
  const item = page.locator('main ul.rows a', { hasText: PRODUCT.name });
  await tapAndWait(item, /\/staff\/review\/\d+$/);
  assert.equal(await text(page.locator('h1')), PRODUCT.name);
  assert.match(await text(page.locator('main')), /80\.000 – 120\.000 ₫\/kg/);

  const approve = page.locator('main button[formaction$="/approve"]');
  await tapAndWait(approve, at('/staff/review'));
  assert.match(await text(page.locator('h1')), /\(0\)/, 'the queue should now be empty');
  assert.equal(await page.locator('main ul.rows a', { hasText: PRODUCT.name }).count(), 0);
});

step('8. a visitor finds the product on the home page and opens it', async () => {
  await tapAndWait(page.locator('header form[action="/dang-xuat"] button'), (url) => !url.pathname.startsWith('/staff'));
  await page.locator('header a[href="/dang-nhap"]').waitFor();

  await page.goto(`${BASE}/`);
  const newest = page.locator('main section', {
    has: page.getByRole('heading', { name: 'Sản phẩm mới' }),
  });
  const card = newest.getByRole('link', { name: PRODUCT.name });
  await card.waitFor();
  await tapAndWait(card, /\/san-pham\/[^/]+$/);

  assert.equal(await text(page.locator('main h1')), PRODUCT.name);
  assert.equal(await text(page.locator('main .price.big')), PRODUCT.price);
  const ogTitle = await page.locator('meta[property="og:title"]').getAttribute('content');
  assert.ok(ogTitle?.includes(PRODUCT.name), `og:title should contain the name, got ${JSON.stringify(ogTitle)}`);
  // It is public now: no "not public" warning.
  assert.equal(await page.locator('main .notice.warn').count(), 0);

  // Nothing should stick out sideways on a phone.
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});

step('9. the visitor sees the photos on the product page, cover first', async () => {
  // Still on the product page the visitor opened.
  assert.match(pathOf(page), /^\/san-pham\/[^/]+$/);
  const photos = await apiPhotos();
  assert.equal(photos.length, 2, 'a visitor can list the photos of a published product');
  const gallery = page.locator('main .gallery');
  await gallery.waitFor();
  assert.equal(await gallery.locator('picture').count(), 2);
  assert.equal(await text(page.locator('main .gallery-count')), '2 ảnh');

  const cover = gallery.locator('img').first();
  await cover.scrollIntoViewIfNeeded();
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await cover.elementHandle());
  const shown = await cover.evaluate((img) => ({
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
    currentSrc: img.currentSrc,
    alt: img.alt,
  }));
  assert.ok(shown.naturalWidth > 0, 'the cover photo loaded');
  assert.equal(shown.alt, PRODUCT.name);
  // The browser picked a WebP size of the cover (the camera photo) from the srcset.
  const picked = photos[0].variants.find((v) => new URL(shown.currentSrc).pathname === v.url);
  assert.ok(picked, `the cover shows a variant of the cover photo, got ${shown.currentSrc}`);
  assert.equal(picked.format, 'webp');
  // 390 CSS px at 2 device pixels each: the 800 px image (naturalWidth counts CSS pixels of
  // a srcset image, so it reads 390).
  assert.equal(picked.width, 800, `picked ${shown.currentSrc}`);
  assert.equal(shown.naturalWidth, 390);
  assert.ok(Math.abs(shown.naturalWidth / shown.naturalHeight - 4 / 3) < 0.02, 'shown at its own shape');

  // Variants never change: the browser may keep them for a year.
  const res = await context.request.get(shown.currentSrc);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'image/webp');
  assert.equal(res.headers()['cache-control'], 'public, max-age=31536000, immutable');
});

step('10. a buyer types without diacritics and the results follow as they type', async () => {
  await page.goto(`${BASE}/tim-kiem`);
  const box = page.locator('main input[data-live-search]');
  // Typed the way people type on a phone: no diacritics, the last word unfinished.
  await box.pressSequentially('mien do', { delay: 60 });
  // The empty search lists everything unmarked; wait for the marked answer to the words typed.
  const hit = page.locator('#search-results .card h3:has(mark)', { hasText: PRODUCT.name });
  // The index follows the catalogue through the outbox worker; allow it a few seconds.
  await hit.waitFor({ timeout: 15000 });
  assert.match(await hit.innerHTML(), /<mark>Miến<\/mark> <mark>dong<\/mark>/);
  assert.ok(new URL(page.url()).searchParams.get('q') === 'mien do', `the address follows the query: ${page.url()}`);
  // A query that matches nothing says so kindly.
  await box.fill('xi mang trang');
  await page.locator('#search-results', { hasText: 'Chưa tìm thấy sản phẩm nào' }).waitFor();
});

step('no script errors, failed sub-resource requests or content-policy violations along the way', async () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(badResponses, []);
  assert.deepEqual(expectedFailures, [], 'every failure a step provoked happened');
  assert.deepEqual(policy.violations, [], 'nothing the content policy had to block');
  assert.deepEqual(policy.unprotected, [], 'every page carries a content policy');
});
