// Booth lead capture at a trade fair, on a phone in a hall with no network: a staff member
// opens the capture page while online, the network drops, three buyers are written down,
// the page survives a reload from the phone's own copy, and when the network comes back
// every lead reaches the desk exactly once — even the one whose answer was lost on the way
// back (the server kept it, the phone thought it failed and sent it again).
//
// Run through ./run.sh, which starts a fresh server and sets KETNOI_E2E_URL.
// The staff account canbo@test.vn / mat-khau-123 must exist (run.sh creates it).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchPhone, watchPolicy } from './phone.mjs';
import { api, BASE, norm, pathOf, poll, signedIn, sleep, steps } from './steps.mjs';

const step = steps();

const STAFF = { login: 'canbo@test.vn', password: 'mat-khau-123' };
const PRODUCER = { login: '0913 222 333', password: 'tan-cuong-2024', fullName: 'Lê Văn Tân', role: 'producer' };
const ENTERPRISE = {
  name: 'HTX Chè Bằng Phúc',
  legal_form: 'cooperative',
  commune_code: 2155, // Xã Na Rì, Thái Nguyên
  address: 'Thôn Nà Pài',
  phone: '0209 3884 456',
  certifications: ['food_safety'],
};
const PRODUCT = {
  name: 'Chè Shan tuyết Bằng Phúc',
  category: 'che',
  packaging_status: 'designed',
  unit: 'kg',
  price_min_vnd: 400000,
  price_max_vnd: 650000,
  min_order: 5,
  description: 'Chè Shan tuyết cổ thụ hái tay trên núi cao, sao thủ công, đóng túi 200 g và 500 g.',
};
const FAIR = {
  name: 'Hội chợ OCOP Thái Nguyên mùa thu',
  starts_on: '2026-12-10',
  ends_on: '2026-12-14',
  venue: 'Quảng trường 20/8',
  province_code: 19, // Thái Nguyên
  organiser: 'Sở Công Thương Thái Nguyên',
  status: 'open',
};
const BOOTH = 'A2';
// Three buyers who stop at the booth; the first one's lead is the one whose answer is lost.
const BUYERS = [
  { name: 'Bà Hạnh', phone: '0966 100 201', organisation: 'Siêu thị Hạnh Phúc', quantity: '200' },
  { name: 'Anh Tùng', phone: '0966 100 202', organisation: 'Nhà hàng Sen Việt', quantity: '50' },
  { name: 'Chị Mai', phone: '0966 100 203', organisation: 'Cửa hàng Đặc sản Việt Bắc', quantity: '' },
];

// How long the phone may take to empty its queue once the network is back (it retries every 15 s).
const FLUSH_WITHIN = 30_000;

let browser;
let context;
let page;
/** What the content policy blocked, and pages served without one (see phone.mjs). */
let policy;
/** API sessions (their own cookie jars) for the set-up and the final check. */
let staffApi;
let producerApi;
let enterpriseId;
let productId;
let fair;
const pageErrors = [];
const badResponses = [];
/** Every lead POST the phone made once back online: its key and what the server answered. */
const leadPosts = [];
/** The first lead POST, answered by the server but cut before the answer reached the phone. */
let lost = null;

const digits = (s) => (s ?? '').replace(/\D/g, '');

const capturePath = () => `/hoi-cho/${fair.slug}/khach-hang`;
const leadsUrl = () => `${BASE}/api/v1/fairs/${fair.id}/leads`;

/** The leads the phone keeps in its own storage, waiting to be sent. */
const queued = () => page.evaluate((key) => JSON.parse(localStorage.getItem(key) || '[]'), `ketnoi-leads-${fair.id}`);

/** The queue notice: its text, the count it carries, and whether it is shown. */
async function queueNotice() {
  return page.locator('#lead-queue').evaluate((el) => ({
    text: el.textContent.replace(/\s+/g, ' ').trim(),
    waiting: el.dataset.waiting ?? null,
    shown: !el.hidden,
  }));
}

/** What of the capture page and the scripts, styles and icon it loads is not yet in the phone's cache. */
async function everythingKept() {
  return page.evaluate(async () => {
    const wanted = [
      location.origin + location.pathname,
      ...[...document.querySelectorAll('script[src], link[rel="stylesheet"][href], link[rel="icon"][href]')].map((el) => el.src || el.href),
    ];
    const missing = [];
    for (const url of wanted) if (!(await caches.match(url))) missing.push(url);
    return missing;
  });
}

before(async () => {
  assert.ok(BASE, 'KETNOI_E2E_URL must be set (use run.sh)');
  ({ browser, context, policy } = await launchPhone());
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${pathOf(page)}: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) badResponses.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
});

after(async () => {
  await staffApi?.dispose();
  await producerApi?.dispose();
  await browser?.close();
});

step('1. set-up through the API: a producer with a published product, at booth A2 of an open fair', async () => {
  staffApi = await signedIn(STAFF.login, STAFF.password);
  await api(staffApi, 'POST', '/api/v1/users', {
    login: PRODUCER.login,
    password: PRODUCER.password,
    full_name: PRODUCER.fullName,
    role: PRODUCER.role,
  }, 201);

  producerApi = await signedIn(PRODUCER.login, PRODUCER.password);
  enterpriseId = (await api(producerApi, 'POST', '/api/v1/enterprises', ENTERPRISE, 201)).id;
  productId = (await api(producerApi, 'POST', '/api/v1/products', { ...PRODUCT, enterprise_id: enterpriseId }, 201)).id;
  const submitted = await api(producerApi, 'POST', `/api/v1/products/${productId}/submit`, {}, 200);
  await api(staffApi, 'POST', `/api/v1/products/${productId}/review`, { decision: 'approve', version: submitted.version }, 200);

  fair = await api(staffApi, 'POST', '/api/v1/fairs', FAIR, 201);
  await api(staffApi, 'POST', `/api/v1/fairs/${fair.id}/exhibitors`, { enterprise_id: enterpriseId, booth: BOOTH }, 201);
  const view = await api(staffApi, 'GET', `/api/v1/fairs/${fair.id}`, undefined, 200);
  assert.deepEqual(
    view.exhibitors.map((x) => [x.booth, x.products.map((p) => p.id)]),
    [[BOOTH, [productId]]],
    'the enterprise shows its product at booth A2',
  );
});

step('2. staff signs in on the phone and opens the capture page; the phone keeps a copy for offline use', async () => {
  await page.goto(`${BASE}/dang-nhap`);
  const form = page.locator('main form');
  await form.locator('input[name="login"]').fill(STAFF.login);
  await form.locator('input[name="password"]').fill(STAFF.password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/dang-nhap'), form.locator('button').tap()]);
  await page.locator('header form[action="/dang-xuat"] button').waitFor();

  await page.goto(`${BASE}${capturePath()}`);
  assert.equal(norm(await page.locator('main h1').innerText()), 'Ghi nhận khách tại gian hàng');
  assert.equal(
    norm(await page.locator('#lead-booth option:checked').innerText()),
    `${BOOTH} · ${ENTERPRISE.name}`,
  );
  assert.equal((await queueNotice()).shown, false, 'nothing waits yet');

  // The service worker takes over the page (reload once if it has not). From this first
  // visit on, the page itself and every script, style and icon it loads are kept on the phone.
  const controlled = await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    return Boolean(navigator.serviceWorker.controller);
  });
  if (!controlled) {
    await page.reload();
    await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
  }
  await poll('the capture page and its assets are in the service worker cache', everythingKept);
  assert.equal(
    await page.evaluate(() => new URL(navigator.serviceWorker.controller.scriptURL).pathname),
    '/hoi-cho/sw.js',
  );
});

step('3. the network drops; three buyers are captured, wait on the phone and survive an offline reload', async () => {
  await context.setOffline(true);
  assert.equal(await page.evaluate(() => navigator.onLine), false, 'the phone knows it is offline');

  const form = page.locator('#lead-form');
  for (const [i, buyer] of BUYERS.entries()) {
    await form.locator('input[name="contact_name"]').fill(buyer.name);
    await form.locator('input[name="contact_phone"]').fill(buyer.phone);
    await form.locator('input[name="organisation"]').fill(buyer.organisation);
    await form.locator(`input[name="product_ids"][value="${productId}"]`).check();
    await form.locator('input[name="quantity"]').fill(buyer.quantity);
    await form.getByRole('button', { name: 'Lưu khách' }).tap();

    // The form is cleared for the next buyer, the booth kept.
    await page.waitForFunction(() => document.querySelector('#lead-form [name="contact_name"]').value === '');
    assert.equal(await form.locator('select[name="booth"]').inputValue(), BOOTH);
    assert.equal(await form.locator(`input[name="product_ids"][value="${productId}"]`).isChecked(), false);
    const notice = await queueNotice();
    assert.ok(notice.shown, 'the queue is shown');
    assert.equal(notice.waiting, String(i + 1), `after buyer ${i + 1}: ${JSON.stringify(notice)}`);
    assert.match(notice.text, new RegExp(`^${i + 1} khách đang chờ gửi`));
  }

  const waiting = await queued();
  assert.deepEqual(
    waiting.map((l) => [l.body.contact_name, digits(l.body.contact_phone), l.body.product_ids, l.body.booth]),
    BUYERS.map((b) => [b.name, digits(b.phone), [productId], BOOTH]),
    'each lead is kept on the phone in the order taken',
  );
  assert.equal(new Set(waiting.map((l) => l.key)).size, 3, 'each lead has its own key');

  // Reload with no network: the service worker answers with the kept page, whose script
  // (kept too) shows the queue still there.
  const response = await page.reload();
  assert.ok(response?.ok(), `offline reload answered ${response?.status()}`);
  assert.equal(response.fromServiceWorker(), true, 'the page came from the service worker');
  assert.equal(pathOf(page), capturePath());
  assert.equal(norm(await page.locator('main h1').innerText()), 'Ghi nhận khách tại gian hàng');
  await page.locator('#lead-queue:not([hidden])').waitFor();
  const notice = await queueNotice();
  assert.equal(notice.waiting, '3');
  assert.equal(notice.text, '3 khách đang chờ gửi — sẽ tự gửi khi có mạng.');
  assert.deepEqual((await queued()).map((l) => l.key), waiting.map((l) => l.key), 'the same three leads');

  // Nothing reached the server.
  const list = await api(staffApi, 'GET', '/api/v1/requests?status=', undefined, 200);
  assert.equal(list.items.filter((r) => r.source === 'fair').length, 0, 'no lead sent while offline');
});

step('4. the network comes back; the first answer is lost on the way, and every lead still arrives once', async () => {
  const keys = (await queued()).map((l) => l.key);
  // The first lead that goes out reaches the server, but its answer never reaches the
  // phone (the connection drops on the way back). Later sends pass normally.
  await page.route(leadsUrl(), async (route) => {
    const req = route.request();
    if (req.method() !== 'POST') return route.fallback();
    const key = (await req.headerValue('idempotency-key')) ?? null;
    const response = await route.fetch();
    leadPosts.push({ key, status: response.status() });
    if (!lost) {
      lost = { key, status: response.status(), body: await response.json() };
      await route.abort('connectionreset');
    } else {
      await route.fulfill({ response });
    }
  });

  await context.setOffline(false);
  // It sends on its own: on the `online` event, or at the latest on its 15-second retry.
  await poll('the phone\'s queue is empty', async () => (await queued()).length === 0, FLUSH_WITHIN);
  await page.locator('#lead-queue').waitFor({ state: 'hidden' });
  const notice = await queueNotice();
  assert.equal(notice.waiting, '0', `the notice counts none waiting: ${JSON.stringify(notice)}`);

  assert.ok(lost, 'one send lost its answer');
  assert.equal(lost.key, keys[0], 'the first lead went first');
  assert.equal(lost.status, 201, 'the server recorded the lead whose answer was lost');
  // The lost one was sent again with the same key and recognised (200), the others created.
  assert.deepEqual(
    leadPosts,
    [
      { key: keys[0], status: 201 },
      { key: keys[0], status: 200 },
      { key: keys[1], status: 201 },
      { key: keys[2], status: 201 },
    ],
    'what the phone sent and what the server answered',
  );
  await page.unroute(leadsUrl());
});

step('5. the desk has exactly three fair leads, one per buyer, for the right enterprise', async () => {
  const list = await api(staffApi, 'GET', '/api/v1/requests?status=&per_page=100', undefined, 200);
  const fromFair = list.items.filter((r) => r.source === 'fair');
  assert.equal(fromFair.length, 3, `three leads: ${JSON.stringify(fromFair.map((r) => r.requester_name))}`);

  const leads = [];
  for (const summary of fromFair) {
    leads.push(await api(staffApi, 'GET', `/api/v1/requests/${summary.id}`, undefined, 200));
  }
  const byPhone = new Map(leads.map((l) => [digits(l.requester?.contact?.phone), l]));
  assert.deepEqual(
    [...byPhone.keys()].sort(),
    BUYERS.map((b) => digits(b.phone)).sort(),
    'one lead per phone number, none twice',
  );
  assert.equal(byPhone.get(digits(BUYERS[0].phone)).id, lost.body.id, 'the lost answer named the lead kept');
  for (const buyer of BUYERS) {
    const lead = byPhone.get(digits(buyer.phone));
    assert.equal(lead.source, 'fair');
    assert.equal(lead.kind, 'linkage');
    assert.equal(lead.fair?.id, fair.id, 'tagged with the fair');
    assert.equal(lead.enterprise?.id, enterpriseId, 'for the exhibiting enterprise');
    assert.equal(lead.product?.id, productId, 'the product ticked');
    assert.equal(lead.requester.name, buyer.name);
    assert.equal(lead.requester.organisation, buyer.organisation);
    assert.equal(lead.quantity, buyer.quantity ? Number(buyer.quantity) : null);
    assert.match(lead.description, new RegExp(`${BOOTH} \\(${ENTERPRISE.name}\\)`));
  }

  const results = await api(staffApi, 'GET', `/api/v1/fairs/${fair.id}/results`, undefined, 200);
  assert.equal(results.total.leads, 3, 'the fair counts three leads');
});

step('6. a buyer\'s scan shows in the results; results, numbers and the print page draw without inline styles', async () => {
  // A phone scans the booth's code twice (a reload): one scan.
  const buyer = await browser.newContext({ locale: 'vi-VN' });
  const buyerPolicy = await watchPolicy(buyer);
  const buyerPage = await buyer.newPage();
  for (let i = 0; i < 2; i++) {
    const res = await buyerPage.goto(`${BASE}/hoi-cho/${fair.slug}/gian/${BOOTH}?qr=1`);
    assert.equal(res.status(), 200);
  }
  const cookies = await buyer.cookies(BASE);
  const token = cookies.find((c) => c.name === 'ketnoi_fair');
  assert.ok(token && /^[0-9a-f]{64}$/.test(token.value) && token.httpOnly, `an opaque visitor token: ${JSON.stringify(token)}`);
  await buyer.close();
  assert.deepEqual(buyerPolicy, { violations: [], unprotected: [] }, 'the booth page keeps to its policy');

  await page.goto(`${BASE}/hoi-cho/${fair.slug}/ket-qua`);
  const bar = page.locator('main table.stats svg.bar rect').first();
  assert.equal(await bar.getAttribute('width'), '100', 'the only booth has the longest bar');
  const shown = await page.locator('main table.stats svg.bar').first().evaluate((el) => {
    const rect = el.querySelector('rect');
    return {
      track: el.getBoundingClientRect().width,
      bar: rect.getBoundingClientRect().width,
      fill: getComputedStyle(rect).fill,
    };
  });
  assert.ok(shown.track > 10 && Math.abs(shown.bar - shown.track) < 1, `drawn full width: ${JSON.stringify(shown)}`);
  assert.equal(shown.fill, 'rgb(31, 111, 67)', 'coloured by the style sheet');
  assert.match(norm(await page.locator('main table.stats tbody tr').first().innerText()), /A2 HTX Chè Bằng Phúc 1 \/ 0 3/);

  await page.goto(`${BASE}/staff/requests/stats`);
  assert.ok((await page.locator('main svg.bar').count()) > 0, 'the desk numbers draw their bars');

  // The print page: its one <style>, allowed by the nonce of its own policy, applies.
  const res = await page.goto(`${BASE}/hoi-cho/${fair.slug}/in/catalogue`);
  const csp = res.headers()['content-security-policy'] ?? '';
  assert.match(csp, /^default-src 'none'; style-src 'nonce-[0-9a-f]{32}';/);
  const title = await page.locator('.cover h1').evaluate((el) => ({
    color: getComputedStyle(el).color,
    font: getComputedStyle(el).fontFamily,
  }));
  assert.deepEqual(title, { color: 'rgb(31, 111, 67)', font: '"KN Sans", sans-serif' });
  await page.evaluate(() => document.fonts.ready);
  assert.equal(await page.evaluate(() => document.fonts.check('12px "KN Sans"')), true, 'the embedded font loaded');
  assert.ok((await page.locator('.booth .qr svg path').count()) > 0, 'QR codes drawn inline');
});

step('no script errors, failed requests or content-policy violations along the way', async () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(badResponses, []);
  assert.deepEqual(policy.violations, [], 'nothing the content policy had to block');
  assert.deepEqual(policy.unprotected, [], 'every page carries a content policy');
});
