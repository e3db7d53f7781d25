// Core flow through the server-rendered pages, on a phone-sized screen, the way a
// person would do it: a producer registers, adds a production site (first with a
// wrong tax-code check digit), lists a product and sends it for review; a staff
// member approves it; a visitor finds it on the home page and opens it.
//
// Run through ./run.sh, which starts a fresh server and sets KETNOI_E2E_URL.
// The staff account canbo@test.vn / mat-khau-123 must exist (run.sh creates it).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const BASE = process.env.KETNOI_E2E_URL;
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
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

let browser;
let context;
let page;
const pageErrors = [];
const badResponses = [];
// Steps depend on each other: once one fails, the rest fail loudly instead of
// producing confusing follow-up errors (they are never silently skipped).
let broken = null;

/** Collapse all whitespace (including no-break spaces) so text compares reliably. */
const norm = (s) => (s ?? '').replace(/\s+/g, ' ').trim();

/** URL predicate: the path name is exactly `pathname` (any query string). */
const at = (pathname) => (url) => url.pathname === pathname;

function path(p) {
  const u = new URL(p.url());
  return u.pathname + u.search;
}

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
  assert.ok(ok, `expected to land on ${expected}, but the page is ${path(page)}`);
}

function step(name, fn) {
  test(name, async () => {
    if (broken) throw new Error(`not run: earlier step failed ("${broken}")`);
    try {
      await fn();
    } catch (err) {
      broken = name;
      throw err;
    }
  });
}

before(async () => {
  assert.ok(BASE, 'KETNOI_E2E_URL must be set (use run.sh)');
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
  context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    screen: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'vi-VN',
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${path(page)}: ${err.message}`));
  page.on('response', (res) => {
    // Form pages may answer 4xx on purpose (validation); sub-resources and
    // script fetches (CSS, JS, icons, the communes API) must not fail.
    if (res.status() >= 400 && res.request().resourceType() !== 'document') {
      badResponses.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    }
  });
});

after(async () => {
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

  const submit = form.locator('button[name="action"][value="submit"]');
  assert.equal(await text(submit), 'Lưu và gửi duyệt');
  await tapAndWait(submit, at('/dashboard'));

  const row = page.locator('li.product-row', { hasText: PRODUCT.name });
  await row.waitFor();
  assert.equal(await text(row.locator('strong')), PRODUCT.name);
  assert.equal(await text(row.locator('.status').first()), 'Đang chờ duyệt');
});

step('4. staff signs in and approves the product from the review queue', async () => {
  await tapAndWait(page.locator('header form[action="/dang-xuat"] button'), (url) => url.pathname !== '/dashboard');
  await page.locator('header a[href="/dang-nhap"]').waitFor();

  await tapAndWait(page.locator('header a[href="/dang-nhap"]'), /\/dang-nhap/);
  const form = page.locator('main form');
  await form.locator('input[name="login"]').fill(STAFF.login);
  await form.locator('input[name="password"]').fill(STAFF.password);
  await tapAndWait(form.locator('button'), (url) => url.pathname !== '/dang-nhap');
  await page.locator('header form[action="/dang-xuat"] button').waitFor();

  await page.goto(`${BASE}/staff/review`);
  assert.equal(path(page), '/staff/review');
  const item = page.locator('main ul.rows a', { hasText: PRODUCT.name });
  await tapAndWait(item, /\/staff\/review\/\d+$/);
  assert.equal(await text(page.locator('h1')), PRODUCT.name);
  assert.match(await text(page.locator('main')), /80\.000 – 120\.000 ₫\/kg/);

  const approve = page.locator('button[name="decision"][value="approve"]');
  await tapAndWait(approve, at('/staff/review'));
  assert.match(await text(page.locator('h1')), /\(0\)/, 'the queue should now be empty');
  assert.equal(await page.locator('main ul.rows a', { hasText: PRODUCT.name }).count(), 0);
});

step('5. a visitor finds the product on the home page and opens it', async () => {
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

step('6. a buyer types without diacritics and the results follow as they type', async () => {
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

step('no script errors or failed sub-resource requests along the way', async () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(badResponses, []);
});
