// A survey spreadsheet imported from the staff pages, and a report read on a phone: the file
// is checked first (nothing written), started, and its progress bar moves, survives a reload
// of the page, and ends at 100% with every row created; the catalogue report then draws its
// charts as SVG with the same numbers as the tables beside them, and prints without the
// site's navigation.
//
// Run through ./run.sh, which starts a fresh server and sets KETNOI_E2E_URL.
// The staff account canbo@test.vn / mat-khau-123 must exist (run.sh creates it).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchPhone } from './phone.mjs';
import { api, BASE, norm, pathOf, poll, signedIn, steps } from './steps.mjs';

const step = steps(240_000);

const STAFF = { login: 'canbo@test.vn', password: 'mat-khau-123' };
// Few enough that the programme forms (which list up to 2,000 enterprises) still list the
// other tests' enterprises.
const ROWS = 1_500;

/** A survey file as a commune office keeps it: a title above the headers, `;` between cells. */
function surveyCsv() {
  const lines = ['DANH SÁCH CƠ SỞ SẢN XUẤT XÃ NA RÌ', 'Tên cơ sở;Xã/phường;Tỉnh;Điện thoại;Tên sản phẩm;Nhóm sản phẩm;Giá từ;ĐVT;Bao bì'];
  for (let i = 0; i < ROWS; i++) {
    const phone = `09${String(10_000_000 + i).padStart(8, '0')}`;
    lines.push(`Cơ sở khảo sát số ${i};Xã Na Rì;Thái Nguyên;${phone};Miến dong khảo sát ${i};Miến dong;${(50_000 + i).toLocaleString('vi-VN')};kg;${i % 3 === 0 ? 'Đã thiết kế' : 'Chưa có'}`);
  }
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

let browser;
let context;
let page;
let policy;
let staffApi;
let importId;
const pageErrors = [];
const badResponses = [];

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
  await browser?.close();
});

const barValue = () => page.locator('#import-bar').evaluate((el) => Number(el.value));

step('1. staff signs in and uploads a survey file: it is checked and nothing is written', async () => {
  staffApi = await signedIn(STAFF.login, STAFF.password);
  await page.goto(`${BASE}/dang-nhap`);
  const form = page.locator('main form');
  await form.locator('input[name="login"]').fill(STAFF.login);
  await form.locator('input[name="password"]').fill(STAFF.password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/dang-nhap'), form.locator('button').tap()]);

  await page.goto(`${BASE}/staff/imports`);
  await page.locator('input[type="file"][name="file"]').setInputFiles({ name: 'khao-sat-na-ri.csv', mimeType: 'text/csv', buffer: surveyCsv() });
  await Promise.all([
    page.waitForURL((url) => /^\/staff\/imports\/\d+$/.test(url.pathname), { timeout: 120_000 }),
    page.locator('main form button').first().tap(),
  ]);
  importId = Number(new URL(page.url()).pathname.split('/').pop());
  assert.equal(await page.locator('#import-status').getAttribute('data-status'), 'checked');
  assert.equal(norm(await page.locator('#planned-create').textContent()), String(ROWS));
  assert.equal(norm(await page.locator('#planned-invalid').textContent()), '0');
  const job = await api(staffApi, 'GET', `/api/v1/imports/${importId}`, undefined, 200);
  assert.equal(job.done_rows, 0, 'nothing written by the check');
});

step('2. started, the progress bar moves and survives a reload of the page', async () => {
  await Promise.all([
    page.waitForURL((url) => url.pathname === `/staff/imports/${importId}`),
    page.locator('#import-start').tap(),
  ]);
  // The bar is the server's: part-way, a reload shows it where it was, or further.
  let seen = 0;
  await poll('the bar to move', async () => {
    seen = await barValue();
    return seen > 0 || (await page.locator('#import-status').getAttribute('data-status')) === 'done';
  }, 120_000);
  await page.reload();
  const after = await barValue();
  assert.ok(after >= seen, `after the reload the bar shows ${after}%, before it ${seen}%`);
  const status = await page.locator('#import-status').getAttribute('data-status');
  assert.ok(['running', 'queued', 'done'].includes(status), status);
  if (status !== 'done') {
    assert.match(norm(await page.locator('#import-figures').textContent()), /%/);
  }
  // The page follows the import to its end by itself.
  await page.waitForFunction(() => document.querySelector('#import-status')?.dataset.status === 'done', null, { timeout: 180_000 });
  assert.equal(await barValue(), 100);
  assert.equal(norm(await page.locator('#done-create').textContent()), String(ROWS));
  const job = await api(staffApi, 'GET', `/api/v1/imports/${importId}`, undefined, 200);
  assert.equal(job.status, 'done');
  assert.equal(job.done.create, ROWS);
  assert.ok(job.rows_per_second > 0, 'the rate is reported');
});

step('3. the catalogue report draws each chart with the numbers of the table beside it', async () => {
  await page.goto(`${BASE}/staff/reports/catalogue`);
  const charts = page.locator('svg.chart');
  assert.ok((await charts.count()) >= 6, 'a chart for each breakdown');
  const packaging = page.locator('svg#by-packaging');
  assert.equal(await packaging.getAttribute('role'), 'img');
  assert.equal(norm(await page.locator('#by-packaging-title').textContent()), 'Theo bao bì');
  const box = await packaging.boundingBox();
  assert.ok(box && box.width > 200 && box.height > 40, `the chart is drawn (${JSON.stringify(box)})`);
  // Each table row's product count is the value its bar carries.
  const rows = await page.locator('table#by-packaging tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('th').textContent.trim(), tr.querySelectorAll('td')[0].textContent.trim()]));
  const bars = await packaging.locator('rect.s0 > title').allTextContents();
  assert.equal(bars.length, rows.length);
  for (const [label, count] of rows) {
    assert.ok(bars.some((t) => t === `Sản phẩm: ${Number(count).toLocaleString('vi-VN')}` || t === `Sản phẩm: ${count}`), `${label}: ${count} in ${JSON.stringify(bars)}`);
  }
  const designed = rows.find(([label]) => label.startsWith('Bao bì được thiết kế'));
  assert.ok(designed && Number(designed[1]) >= ROWS / 3, `designed packaging counted: ${JSON.stringify(rows)}`);
  // Nothing scrolls sideways on the phone.
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 1, `the page is ${wide}px wider than the screen`);
});

step('4. printed, the report keeps its charts and drops the site around it', async () => {
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.top').isVisible(), false);
  assert.equal(await page.locator('.print-only.report-head').isVisible(), true);
  assert.match(norm(await page.locator('.print-only.report-head').textContent()), /Trung tâm Khuyến công/);
  assert.equal(await page.locator('svg#by-category').isVisible(), true);
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(badResponses, []);
  assert.deepEqual(policy.violations, [], 'nothing the content policy had to block');
  assert.deepEqual(policy.unprotected, [], 'every page carries a content policy');
});
