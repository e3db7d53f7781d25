// Searching on a phone: the results come first and the filters wait behind one button that
// says how many are set; ticking filters updates it, and opening it shows them. The grid at
// /san-pham does the same with its filters. On a wide screen the filters stand open beside
// the results, as before.
//
// Run through ./run.sh, which starts a fresh server and sets KETNOI_E2E_URL.
// The staff account canbo@test.vn / mat-khau-123 must exist (run.sh creates it).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchPhone } from './phone.mjs';
import { api, BASE, norm, pathOf, poll, signedIn, steps } from './steps.mjs';

const step = steps();

const STAFF = { login: 'canbo@test.vn', password: 'mat-khau-123' };
const ENTERPRISE = {
  name: 'HTX Mật ong Phiêng Lằm',
  legal_form: 'cooperative',
  commune_code: 2155, // Xã Na Rì, Thái Nguyên
  address: 'Thôn Phiêng Lằm',
  phone: '0209 3884 789',
};
// A word only these products have, so the search finds exactly them.
const WORD = 'phienglam';
const PRODUCTS = [
  { name: `Mật ong hoa bạc hà ${WORD}`, packaging_status: 'designed', ocop_stars: 4, ocop_year: 2025 },
  { name: `Mật ong hoa nhãn ${WORD}`, packaging_status: 'designed' },
  { name: `Mật ong rừng ${WORD}`, packaging_status: 'none' },
];

let browser;
let context;
let page;
let policy;
let staffApi;
const pageErrors = [];

before(async () => {
  assert.ok(BASE, 'KETNOI_E2E_URL must be set (use run.sh)');
  ({ browser, context, policy } = await launchPhone());
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${pathOf(page)}: ${err.message}`));
});

after(async () => {
  await staffApi?.dispose();
  await browser?.close();
});

/** The top of an element on the page, in CSS px from the top of the document. */
const topOf = (locator) => locator.evaluate((el) => el.getBoundingClientRect().top + window.scrollY);

step('1. set-up through the API: three published honeys of one cooperative', async () => {
  staffApi = await signedIn(STAFF.login, STAFF.password);
  const enterprise = await api(staffApi, 'POST', '/api/v1/enterprises', ENTERPRISE, 201);
  for (const p of PRODUCTS) {
    const made = await api(staffApi, 'POST', '/api/v1/products', {
      enterprise_id: enterprise.id,
      category: 'mat-ong',
      unit: 'chai',
      price_min_vnd: 250000,
      description: 'Mật ong nguyên chất, quay từ cầu ong nuôi trong rừng.',
      ...p,
    }, 201);
    const submitted = await api(staffApi, 'POST', `/api/v1/products/${made.id}/submit`, {}, 200);
    await api(staffApi, 'POST', `/api/v1/products/${made.id}/review`, { decision: 'approve', version: submitted.version }, 200);
  }
  await poll('the search finds the three honeys', async () => {
    const found = await api(staffApi, 'GET', `/api/v1/search?q=${WORD}`, undefined, 200);
    return found.total === PRODUCTS.length || found.total;
  });
});

step('2. on a phone the results come first and the filters wait behind one button', async () => {
  await page.goto(`${BASE}/tim-kiem?q=${WORD}`);
  const filters = page.locator('details.facets');
  const button = filters.locator('summary');
  const first = page.locator('#search-results ul.grid > li.card').first();
  assert.equal(norm(await button.innerText()).replace(/\s*▾$/, ''), 'Bộ lọc', 'no filter set yet');
  assert.equal(await filters.evaluate((d) => d.open), false, 'the filters start closed on a phone');
  assert.equal(await page.locator('fieldset.checks').first().isVisible(), false);
  assert.ok(await first.isVisible(), 'the first result shows');
  const viewport = page.viewportSize();
  assert.ok((await topOf(first)) < viewport.height, 'the first result is on the first screen');
  // The button is one line above the results: nothing of the filters stands between.
  assert.ok((await topOf(first)) - (await topOf(button)) < 120, 'only the button is above the results');
});

step('3. the button opens the filters from the keyboard; ticking two says (2) and keeps them open', async () => {
  const filters = page.locator('details.facets');
  await filters.locator('summary').focus();
  await page.keyboard.press('Enter');
  assert.equal(await filters.evaluate((d) => d.open), true, 'Enter opens the filters');
  const packaging = page.locator('fieldset.checks input[name="packaging_status"][value="designed"]');
  assert.ok(await packaging.isVisible(), 'the filters show once opened');

  // Each tick searches again in place (the page's script); the panel stays open.
  await Promise.all([page.waitForResponse((r) => r.url().includes('packaging_status=designed')), packaging.tap()]);
  await poll('one filter set', async () => norm(await page.locator('details.facets > summary').innerText()).startsWith('Bộ lọc (1)') || norm(await page.locator('details.facets > summary').innerText()));
  const ocop = page.locator('fieldset.checks input[name="ocop_stars"][value="4"]');
  await Promise.all([page.waitForResponse((r) => r.url().includes('ocop_stars=4')), ocop.tap()]);
  await poll('two filters set', async () => norm(await page.locator('details.facets > summary').innerText()).startsWith('Bộ lọc (2)') || norm(await page.locator('details.facets > summary').innerText()));
  assert.equal(await page.locator('details.facets').evaluate((d) => d.open), true, 'the filters stayed open');
  assert.equal(await page.locator('#search-results ul.grid > li.card').count(), 1, 'one honey is designed and OCOP 4');

  // The address follows, and the ticked box keeps the focus for the keyboard.
  assert.equal(new URL(page.url()).searchParams.getAll('ocop_stars').join(), '4', page.url());
  assert.equal(await ocop.evaluate((el) => el === document.activeElement), true, 'the ticked box keeps the focus');
  // Loaded afresh (as a shared link or without scripts), the count is the server's.
  await page.reload();
  assert.equal(norm(await page.locator('details.facets > summary').innerText()).replace(/\s*▾$/, ''), 'Bộ lọc (2)');
  assert.equal(await page.locator('details.facets').evaluate((d) => d.open), false);
  await page.locator('details.facets > summary').tap();
  assert.ok(await page.locator('fieldset.checks input[name="ocop_stars"][value="4"]').isChecked());
});

step('4. the grid at /san-pham: products first, its filters behind the same button', async () => {
  await page.goto(`${BASE}/san-pham?category=mat-ong&province=19`);
  const filters = page.locator('details.browse-filters');
  assert.equal(norm(await filters.locator('summary').innerText()).replace(/\s*▾$/, ''), 'Bộ lọc (2)');
  assert.equal(await page.locator('form.filters select[name="category"]').isVisible(), false);
  const first = page.locator('ul.grid > li.card').first();
  assert.ok((await topOf(first)) < page.viewportSize().height, 'the first product is on the first screen');
  await filters.locator('summary').tap();
  assert.ok(await page.locator('form.filters select[name="category"]').isVisible());
  assert.equal(await page.locator('form.filters select[name="category"]').inputValue(), 'mat-ong');
});

step('5. in English the button says Filters; on a wide screen the filters stand open beside the results', async () => {
  await page.goto(`${BASE}/lang/en?next=${encodeURIComponent(`/tim-kiem?q=${WORD}&packaging_status=designed`)}`);
  assert.equal(pathOf(page), `/tim-kiem?q=${WORD}&packaging_status=designed`);
  assert.equal(norm(await page.locator('details.facets > summary').innerText()).replace(/\s*▾$/, ''), 'Filters (1)');

  const wide = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
  try {
    const desk = await wide.newPage();
    await desk.goto(`${BASE}/tim-kiem?q=${WORD}`);
    assert.ok(await desk.locator('fieldset.checks').first().isVisible(), 'the filters show without a tap');
    const facets = await desk.locator('details.facets').boundingBox();
    const first = await desk.locator('#search-results ul.grid > li.card').first().boundingBox();
    assert.ok(facets.x + facets.width <= first.x, 'the filters stand to the left of the results');
    await desk.goto(`${BASE}/san-pham`);
    assert.ok(await desk.locator('form.filters select[name="category"]').isVisible(), 'the grid\'s filters show');
    assert.equal(await desk.locator('details.browse-filters > summary').isVisible(), false);
  } finally {
    await wide.close();
  }
});

step('6. no script error and nothing blocked by the content policy', async () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(policy.violations, []);
  assert.deepEqual(policy.unprotected, []);
});
