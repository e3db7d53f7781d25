// A facility survey (khảo sát cơ sở CNNT) written at a workshop with no network: a staff
// member opens the survey form while online, the network drops, two surveys are written
// down (one of an enterprise in the catalogue, with a photo; one of a facility that is not),
// both are kept on the phone (IndexedDB) and survive a reload from the phone's own copy, and
// when the network comes back each reaches the centre exactly once, photo included — even
// the one whose answer was lost on the way back (the server kept it, the phone thought it
// failed and sent it again with the same key).
//
// Run through ./run.sh, which starts a fresh server and sets KETNOI_E2E_URL.
// The staff account canbo@test.vn / mat-khau-123 must exist (run.sh creates it).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { launchPhone } from './phone.mjs';
import { api, BASE, norm, pathOf, poll, signedIn, sleep, steps } from './steps.mjs';

const step = steps();

const STAFF = { login: 'canbo@test.vn', password: 'mat-khau-123' };
const PRODUCER = { login: '0915 444 555', password: 'mien-dong-2024', fullName: 'Hoàng Văn Minh', role: 'producer' };
const ENTERPRISE = {
  name: 'HTX Miến dong Hợp Thành',
  legal_form: 'cooperative',
  commune_code: 2155, // Xã Na Rì, Thái Nguyên
  address: 'Thôn Nà Làng',
  phone: '0209 3884 456',
};
// Visited yesterday (by the phone's clock, so never ahead of the server's day).
const VISITED_ON = new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 10);
// The two surveys, in the order written; the first one's answer is the one lost.
const SURVEYS = [
  {
    enterprise: true,
    met: 'Ông Hoàng Văn Minh, chủ nhiệm HTX',
    makes: 'Miến dong sợi nhỏ, miến dong sợi to',
    output: '3 tấn/tháng mùa vụ',
    equipment: 'Máy tráng bánh thủ công, phơi nắng',
    needs: ['machinery', 'packaging'],
    notes: 'Muốn có máy sấy để làm được cả mùa mưa.',
    photo: 'xuong-trang-banh.png',
  },
  {
    facility_name: 'Cơ sở miến Hà Thị Lan',
    commune_code: 2185, // Xã Côn Minh, Thái Nguyên
    met: 'Bà Hà Thị Lan, chủ cơ sở',
    makes: 'Miến dong sợi nhỏ',
    output: '500 kg/tháng',
    equipment: 'Dao cắt tay, nong phơi',
    needs: ['market', 'trademark'],
    notes: 'Chưa có nhãn hiệu, bán cho thương lái.',
  },
];

// How long the phone may take to empty its queue once the network is back (it retries every 15 s).
const FLUSH_WITHIN = 35_000;

let browser;
let context;
let page;
/** What the content policy blocked, and pages served without one (see phone.mjs). */
let policy;
/** API sessions (their own cookie jars) for the set-up and the checks. */
let staffApi;
let producerApi;
let enterpriseId;
/** The photo attached to the first survey: a small PNG made here. */
let photo;
const pageErrors = [];
const badResponses = [];
/** Requests that failed outright; those made while the network was cut are expected. */
const failedRequests = [];
let offline = false;
/** Every survey POST the phone made once back online: its key and what the server answered. */
const surveyPosts = [];
/** Every photo POST the phone made: the survey it went to and what the server answered. */
const photoPosts = [];
/** The first survey POST, answered by the server but cut before the answer reached the phone. */
let lost = null;
/** The keys of the two surveys, in the order written (read from the phone's storage). */
let keys = [];


/** CRC-32 (as PNG chunks carry it). */
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A real (decodable) RGB PNG of width × height: a green gradient. */
function png(width, height) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then RGB
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = 31 + x * 4;
      row[2 + x * 3] = 111 + y * 4;
      row[3 + x * 3] = 67;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The surveys the phone keeps in IndexedDB, in the order written. Never creates the
 * database itself (that is the page's job): before the page made it, there is none.
 */
const queued = () =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('ketnoi-surveys');
        req.onupgradeneeded = () => req.transaction.abort();
        req.onerror = () => (req.error?.name === 'AbortError' ? resolve([]) : reject(req.error));
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('queue')) {
            db.close();
            resolve([]);
            return;
          }
          const get = db.transaction('queue').objectStore('queue').getAll();
          get.onsuccess = () => {
            db.close();
            resolve(
              get.result
                .sort((a, b) => a.at - b.at)
                .map((q) => ({
                  key: q.key,
                  body: q.body,
                  photos: q.photos.map((p) => ({ size: p.size, type: p.type })),
                  names: q.names,
                  surveyId: q.surveyId ?? null,
                })),
            );
          };
          get.onerror = () => {
            db.close();
            reject(get.error);
          };
        };
      }),
  );

/** The queue notice: its text, the count it carries, and whether it is shown. */
async function queueNotice() {
  return page.locator('#survey-queue').evaluate((el) => ({
    text: el.textContent.replace(/\s+/g, ' ').trim(),
    waiting: el.dataset.waiting ?? null,
    shown: !el.hidden,
  }));
}

/** What of the survey page and the scripts, styles and icon it loads is in no cache of the phone. */
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
  photo = png(24, 16);
  ({ browser, context, policy } = await launchPhone());
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${pathOf(page)}: ${err.message}`));
  page.on('response', (res) => {
    const req = res.request();
    if (res.status() >= 400) badResponses.push(`${res.status()} ${req.method()} ${res.url()}`);
    const m = new URL(res.url()).pathname.match(/^\/api\/v1\/surveys\/(\d+)\/photos$/);
    if (m && req.method() === 'POST') photoPosts.push({ survey: Number(m[1]), status: res.status() });
  });
  page.on('requestfailed', (req) => {
    failedRequests.push({
      offline,
      request: `${req.method()} ${new URL(req.url()).pathname}`,
      error: req.failure()?.errorText ?? '',
    });
  });
});

after(async () => {
  await staffApi?.dispose();
  await producerApi?.dispose();
  await browser?.close();
});

step('1. set-up through the API: a producer and its enterprise in Xã Na Rì', async () => {
  staffApi = await signedIn(STAFF.login, STAFF.password);
  await api(staffApi, 'POST', '/api/v1/users', {
    login: PRODUCER.login,
    password: PRODUCER.password,
    full_name: PRODUCER.fullName,
    role: PRODUCER.role,
  }, 201);
  producerApi = await signedIn(PRODUCER.login, PRODUCER.password);
  enterpriseId = (await api(producerApi, 'POST', '/api/v1/enterprises', ENTERPRISE, 201)).id;
  assert.ok(Number.isInteger(enterpriseId), `an enterprise id: ${enterpriseId}`);
  assert.deepEqual(await api(staffApi, 'GET', '/api/v1/surveys', undefined, 200), [], 'no survey yet');
});

step('2. staff signs in on the phone and opens the survey form; the phone keeps a copy for offline use', async () => {
  await page.goto(`${BASE}/dang-nhap`);
  const form = page.locator('main form');
  await form.locator('input[name="login"]').fill(STAFF.login);
  await form.locator('input[name="password"]').fill(STAFF.password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/dang-nhap'), form.locator('button').tap()]);
  await page.locator('header form[action="/dang-xuat"] button').waitFor();

  // The page's own script keeps the surveys and registers the worker: it must load.
  const [script] = await Promise.all([
    page.waitForResponse((res) => new URL(res.url()).pathname === '/static/survey-capture.js'),
    page.goto(`${BASE}/staff/surveys/new`),
  ]);
  assert.equal(script.status(), 200, `the survey page's script ${pathOf(script)} answered ${script.status()}`);
  assert.equal(norm(await page.locator('main h1').innerText()), 'Phiếu khảo sát cơ sở');
  const option = page.locator(`#survey-enterprise option[value="${enterpriseId}"]`);
  assert.match(norm(await option.innerText()), new RegExp(`^${ENTERPRISE.name} · `), 'the enterprise can be chosen');
  assert.equal(await page.locator('#survey-facility').isVisible(), true, 'a facility not in the catalogue can be written');
  assert.equal((await queueNotice()).shown, false, 'nothing waits yet');
  assert.equal(await page.locator('#survey-sent').isVisible(), false, 'nothing sent yet');

  // The service worker takes over the page (reload once if it has not). From this first
  // visit on, the page itself and every script, style and icon it loads are kept on the phone.
  const controlled = await page.evaluate(() =>
    Promise.race([
      navigator.serviceWorker.ready.then(() => Boolean(navigator.serviceWorker.controller)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no service worker within 10 s')), 10_000)),
    ]),
  );
  if (!controlled) {
    await page.reload();
    await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
  }
  await poll('the survey page and its assets are in the service worker cache', everythingKept);
  assert.equal(
    await page.evaluate(() => new URL(navigator.serviceWorker.controller.scriptURL).pathname),
    '/staff/surveys/sw.js',
  );
  assert.ok(
    (await page.evaluate(() => caches.keys())).includes('ketnoi-offline-v1'),
    'kept in the offline cache',
  );
});

step('3. the network drops; two surveys are written, wait on the phone and survive an offline reload', async () => {
  await context.setOffline(true);
  offline = true;
  assert.equal(await page.evaluate(() => navigator.onLine), false, 'the phone knows it is offline');

  const form = page.locator('#survey-form');
  await form.locator('input[name="visited_on"]').fill(VISITED_ON);
  for (const [i, s] of SURVEYS.entries()) {
    if (s.enterprise) {
      await form.locator('#survey-enterprise').selectOption(String(enterpriseId));
      assert.equal(await page.locator('#survey-facility').isVisible(), false, 'no facility fields for a catalogued enterprise');
    } else {
      await form.locator('#survey-enterprise').selectOption('');
      assert.equal(await page.locator('#survey-facility').isVisible(), true);
      await form.locator('input[name="facility_name"]').fill(s.facility_name);
      await form.locator('select[name="commune_code"]').selectOption(String(s.commune_code));
    }
    await form.locator('input[name="met"]').fill(s.met);
    await form.locator('input[name="makes"]').fill(s.makes);
    await form.locator('input[name="output"]').fill(s.output);
    await form.locator('textarea[name="equipment"]').fill(s.equipment);
    for (const need of s.needs) await form.locator(`input[name="need_${need}"]`).check();
    await form.locator('textarea[name="notes"]').fill(s.notes);
    if (s.photo) {
      await page.locator('#survey-photos').setInputFiles({ name: s.photo, mimeType: 'image/png', buffer: photo });
    }
    await form.getByRole('button', { name: 'Lưu phiếu' }).tap();

    // The form is cleared for the next survey, the day kept.
    await page.waitForFunction(() => document.querySelector('#survey-form [name="met"]').value === '');
    assert.equal(await form.locator('input[name="visited_on"]').inputValue(), VISITED_ON, 'the day is kept');
    assert.equal(await form.locator('#survey-enterprise').inputValue(), '');
    assert.equal(await form.locator('input[name="need_machinery"]').isChecked(), false);
    assert.equal(await page.locator('#survey-photos').evaluate((el) => el.files.length), 0, 'no photo left chosen');
    await page.waitForFunction((n) => document.querySelector('#survey-queue').dataset.waiting === n, String(i + 1));
    const notice = await queueNotice();
    assert.ok(notice.shown, 'the queue is shown');
    assert.equal(notice.text, `${i + 1} phiếu đang chờ gửi.`, `after survey ${i + 1}: ${JSON.stringify(notice)}`);
  }

  const waiting = await queued();
  assert.deepEqual(
    waiting.map((q) => [q.body.enterprise_id, q.body.facility_name, q.body.commune_code, q.body.visited_on, q.body.met, [...q.body.needs].sort()]),
    [
      [enterpriseId, null, null, VISITED_ON, SURVEYS[0].met, [...SURVEYS[0].needs].sort()],
      [null, SURVEYS[1].facility_name, SURVEYS[1].commune_code, VISITED_ON, SURVEYS[1].met, [...SURVEYS[1].needs].sort()],
    ],
    'each survey is kept on the phone as written',
  );
  assert.deepEqual(
    waiting.map((q) => [q.names, q.photos]),
    [[[SURVEYS[0].photo], [{ size: photo.length, type: 'image/png' }]], [[], []]],
    'the photo is kept with its survey',
  );
  keys = waiting.map((q) => q.key);
  assert.equal(new Set(keys).size, 2, `each survey has its own key: ${JSON.stringify(keys)}`);
  assert.ok(keys.every((k) => typeof k === 'string' && k.length >= 16), `keys: ${JSON.stringify(keys)}`);

  // Reload with no network: the service worker answers with the kept page, whose script
  // (kept too) shows the queue still there.
  const response = await page.reload();
  assert.ok(response?.ok(), `offline reload answered ${response?.status()}`);
  assert.equal(response.fromServiceWorker(), true, 'the page came from the service worker');
  assert.equal(pathOf(page), '/staff/surveys/new');
  assert.equal(norm(await page.locator('main h1').innerText()), 'Phiếu khảo sát cơ sở');
  await page.waitForFunction(() => document.querySelector('#survey-queue').dataset.waiting === '2');
  const notice = await queueNotice();
  assert.deepEqual(notice, { text: '2 phiếu đang chờ gửi.', waiting: '2', shown: true });
  const reloaded = await queued();
  assert.deepEqual(reloaded.map((q) => q.key), keys, 'the same two surveys');
  assert.deepEqual(reloaded[0].photos, [{ size: photo.length, type: 'image/png' }], 'the photo too');

  // Nothing reached the server.
  assert.deepEqual(await api(staffApi, 'GET', '/api/v1/surveys', undefined, 200), [], 'no survey sent while offline');
  assert.deepEqual(photoPosts, [], 'no photo sent while offline');
});

step('4. the network comes back; the first answer is lost on the way, and each survey still arrives once', async () => {
  // The first survey that goes out reaches the server, but its answer never reaches the
  // phone (the connection drops on the way back). Later sends pass normally.
  await page.route(`${BASE}/api/v1/surveys`, async (route) => {
    const req = route.request();
    if (req.method() !== 'POST') return route.fallback();
    const key = (await req.headerValue('idempotency-key')) ?? null;
    const response = await route.fetch();
    surveyPosts.push({ key, status: response.status() });
    if (!lost) {
      lost = { key, status: response.status(), body: await response.json() };
      await route.abort('connectionreset');
    } else {
      await route.fulfill({ response });
    }
  });

  await context.setOffline(false);
  offline = false;
  // It sends on its own: on the `online` event, or at the latest on its 15-second retry.
  await poll('the phone\'s queue is empty', async () => (await queued()).length === 0, FLUSH_WITHIN);
  await page.locator('#survey-queue').waitFor({ state: 'hidden' });
  const notice = await queueNotice();
  assert.equal(notice.waiting, '0', `the notice counts none waiting: ${JSON.stringify(notice)}`);

  assert.ok(lost, 'one send lost its answer');
  assert.equal(lost.key, keys[0], 'the first survey went first');
  assert.equal(lost.status, 201, 'the server recorded the survey whose answer was lost');
  // The lost one was sent again with the same key and recognised (200), the other created.
  assert.deepEqual(
    surveyPosts,
    [
      { key: keys[0], status: 201 },
      { key: keys[0], status: 200 },
      { key: keys[1], status: 201 },
    ],
    'what the phone sent and what the server answered',
  );
  // Its photo went after it, to the survey the server kept.
  assert.deepEqual(photoPosts, [{ survey: lost.body.id, status: 201 }], 'one photo, sent once');
  await page.unroute(`${BASE}/api/v1/surveys`);

  // The page lists both as sent, each linking to its survey.
  const links = await page.locator('#survey-sent:not([hidden]) li a').evaluateAll((as) =>
    as.map((a) => [a.getAttribute('href'), a.textContent.replace(/\s+/g, ' ').trim()]),
  );
  assert.equal(links.length, 2, `two links: ${JSON.stringify(links)}`);
  assert.deepEqual(links[0], [`/staff/surveys/${lost.body.id}`, `${ENTERPRISE.name} · đã gửi về trung tâm`]);
  assert.match(links[1][0], /^\/staff\/surveys\/\d+$/);
  assert.equal(links[1][1], `${SURVEYS[1].facility_name} · đã gửi về trung tâm`);
});

step('5. the centre has exactly two surveys, as written, with the one photo', async () => {
  const list = await api(staffApi, 'GET', '/api/v1/surveys', undefined, 200);
  assert.equal(list.length, 2, `two surveys: ${JSON.stringify(list.map((s) => s.facility))}`);
  const byFacility = new Map(list.map((s) => [s.facility, s]));
  assert.deepEqual([...byFacility.keys()].sort(), [ENTERPRISE.name, SURVEYS[1].facility_name].sort(), 'one per facility, none twice');

  const first = byFacility.get(ENTERPRISE.name);
  assert.equal(first.id, lost.body.id, 'the lost answer named the survey kept');
  assert.equal(first.enterprise_id, enterpriseId, 'for the catalogued enterprise');
  assert.equal(first.commune_code, ENTERPRISE.commune_code, 'where the enterprise is');
  const second = byFacility.get(SURVEYS[1].facility_name);
  assert.equal(second.enterprise_id, null, 'a facility not in the catalogue');
  assert.equal(second.commune_code, SURVEYS[1].commune_code);
  for (const [survey, s] of [[first, SURVEYS[0]], [second, SURVEYS[1]]]) {
    assert.equal(survey.visited_on, VISITED_ON);
    assert.equal(survey.met, s.met);
    assert.equal(survey.makes, s.makes);
    assert.equal(survey.output, s.output);
    assert.equal(survey.equipment, s.equipment);
    assert.equal(survey.notes, s.notes);
    assert.deepEqual([...survey.needs].sort(), [...s.needs].sort(), `needs of ${survey.facility}`);
  }
  assert.equal(first.photos.length, 1, `one photo on the first: ${JSON.stringify(first.photos)}`);
  assert.equal(second.photos.length, 0, 'none on the second');

  // The sent link opens the survey, its photo there.
  await Promise.all([
    page.waitForURL((url) => url.pathname === `/staff/surveys/${first.id}`),
    page.locator(`#survey-sent a[href="/staff/surveys/${first.id}"]`).tap(),
  ]);
  assert.equal(norm(await page.locator('main h1').innerText()), `Phiếu khảo sát: ${ENTERPRISE.name}`);
  assert.equal(await page.locator('main a[href^="/staff/survey-photos/"]').count(), 1, 'one photo shown');
});

step('no script errors, failed requests or content-policy violations along the way', async () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(badResponses, []);
  // While the network was cut, sends failed (as they should); once it was back, only the
  // answer cut on purpose in step 4.
  const cut = failedRequests.filter((f) => f.offline);
  assert.ok(
    cut.every((f) => f.request === 'POST /api/v1/surveys' && f.error === 'net::ERR_INTERNET_DISCONNECTED'),
    `only survey sends failed while offline: ${JSON.stringify(cut)}`,
  );
  // The page reads only the status of a photo's answer, never its body; when it moves on
  // (step 5) Chromium may cancel that unread body (net::ERR_ABORTED). The answer itself did
  // arrive (its status is in photoPosts), so that is no failure.
  const answered = new Set(photoPosts.map((p) => `POST /api/v1/surveys/${p.survey}/photos`));
  const unreadBody = (f) => f.error === 'net::ERR_ABORTED' && answered.has(f.request);
  assert.deepEqual(
    failedRequests.filter((f) => !f.offline && !unreadBody(f)),
    [{ offline: false, request: 'POST /api/v1/surveys', error: 'net::ERR_CONNECTION_RESET' }],
    'online, only the answer lost on purpose',
  );
  assert.deepEqual(policy.violations, [], 'nothing the content policy had to block');
  assert.deepEqual(policy.unprotected, [], 'every page carries a content policy');
});
