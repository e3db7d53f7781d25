// The year's plan of support programmes (kế hoạch khuyến công) and one programme's page,
// as a staff member reads them on a phone-sized screen: a machinery programme in progress
// whose installation is overdue shows as at risk, with the reason, on the plan and on its
// own page; marking the milestone done from the phone clears the risk on both; every table
// fits the narrow screen, nothing scrolls sideways, and the plan reads in English too.
//
// Run through ./run.sh, which starts a fresh server and sets KETNOI_E2E_URL.
// The staff account canbo@test.vn / mat-khau-123 must exist (run.sh creates it).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchPhone } from './phone.mjs';
import { api, BASE, norm, pathOf, signedIn, steps } from './steps.mjs';

const step = steps();

// This year's plan (the server refuses plans far ahead, and decisions dated in the future).
const YEAR = new Date().getFullYear();
const DAY = 24 * 3600 * 1000;
/** A day as yyyy-mm-dd in Vietnam (UTC+7), where the server counts its days. */
const vietnamDay = (ms) => new Date(ms + 7 * 3600 * 1000).toISOString().slice(0, 10);
const OVERDUE_DAYS = 10;
const DUE_ON = vietnamDay(Date.now() - OVERDUE_DAYS * DAY);
const dmy = (iso) => iso.split('-').reverse().join('/');

const STAFF = { login: 'canbo@test.vn', password: 'mat-khau-123' };
const PRODUCER = { login: '0916 777 888', password: 'say-mien-2024', fullName: 'Nông Thị Xuân', role: 'producer' };
const ENTERPRISE = {
  name: 'HTX Miến dong Lam Sơn',
  legal_form: 'cooperative',
  tax_code: '4700258139', // a valid check digit
  commune_code: 2155, // Xã Na Rì, Thái Nguyên
  address: 'Thôn Lam Sơn',
  phone: '0209 3884 789',
};
const PROGRAMME = {
  code: `KC-${YEAR}-01`,
  title: 'Hỗ trợ máy sấy miến dong cho HTX',
  kind: 'machinery',
  funding_source: 'provincial',
  year: YEAR,
  commune_codes: [2155],
  description: 'Thay phơi nắng bằng máy sấy để làm được cả mùa mưa.',
  proposed_vnd: 180000000,
};
const MILESTONE = { kind: 'installation', title: 'Lắp đặt máy sấy', due_on: DUE_ON };

let browser;
let context;
let page;
/** What the content policy blocked, and pages served without one (see phone.mjs). */
let policy;
/** API sessions (their own cookie jars) for the set-up and the checks. */
let staffApi;
let producerApi;
let enterpriseId;
let programme;
let milestoneId;
/** The overdue reason, as the API words it. */
let reason;
const pageErrors = [];
const badResponses = [];

const planPath = `/staff/programmes?year=${YEAR}`;
const programmePath = () => `/staff/programmes/${programme.id}`;

/** How the page sits on the phone's screen: sideways scrolling, and tables wider than it. */
async function layout() {
  return page.evaluate(() => ({
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    wideTables: [...document.querySelectorAll('table')]
      .map((t) => ({
        table: t.closest('section[id]')?.id + ' ' + (t.className || '(table)'),
        right: Math.round(t.getBoundingClientRect().right),
      }))
      .filter((t) => t.right > window.innerWidth + 1),
  }));
}

async function fitsTheScreen(what) {
  const l = await layout();
  assert.equal(l.innerWidth, 390, 'the phone screen');
  assert.ok(l.scrollWidth <= l.innerWidth, `${what} scrolls sideways: ${l.scrollWidth} px wide on a ${l.innerWidth} px screen`);
  assert.deepEqual(l.wideTables, [], `${what}: every table fits the screen`);
}

/** The plan's figures table as { row heading: [count, money] }. */
async function figures() {
  return page.locator('#figures table tbody tr').evaluateAll((rows) =>
    Object.fromEntries(
      rows.map((r) => [
        r.querySelector('th').textContent.replace(/\s+/g, ' ').trim(),
        [...r.querySelectorAll('td')].map((td) => td.textContent.replace(/\s+/g, ' ').trim()),
      ]),
    ),
  );
}

/** Opens a page by tapping a link, and waits for where it leads. */
async function tapTo(link, pathname) {
  await Promise.all([page.waitForURL((url) => url.pathname === pathname), link.tap()]);
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

step(`1. set-up through the API: machinery programme ${PROGRAMME.code}, in progress, its installation ${OVERDUE_DAYS} days overdue`, async () => {
  staffApi = await signedIn(STAFF.login, STAFF.password);
  await api(staffApi, 'POST', '/api/v1/users', {
    login: PRODUCER.login,
    password: PRODUCER.password,
    full_name: PRODUCER.fullName,
    role: PRODUCER.role,
  }, 201);
  producerApi = await signedIn(PRODUCER.login, PRODUCER.password);
  enterpriseId = (await api(producerApi, 'POST', '/api/v1/enterprises', ENTERPRISE, 201)).id;

  const url = (rest = '') => `/api/v1/programmes/${programme.id}${rest}`;
  programme = await api(staffApi, 'POST', '/api/v1/programmes', PROGRAMME, 201);
  assert.equal(programme.status, 'proposed');
  programme = await api(staffApi, 'POST', url('/beneficiaries'), {
    enterprise_id: enterpriseId,
    support: 'Máy sấy miến 200 kg/mẻ',
    support_vnd: 150000000,
    contribution_vnd: 180000000,
  }, 201);
  assert.ok(programme.checklist.length > 0, 'a file to complete');
  for (const { item } of programme.checklist) {
    programme = await api(staffApi, 'PUT', url(`/checklist/${item}`), { done: true }, 200);
  }
  assert.deepEqual(programme.gaps, [], 'the proposal holds up: complete file, a beneficiary with a checked tax code');

  await api(staffApi, 'POST', url('/moves'), { to: 'appraised' }, 200);
  await api(staffApi, 'POST', url('/moves'), {
    to: 'approved',
    decision_number: '125/QĐ-SCT',
    decided_on: `01/01/${YEAR}`, // never ahead of today
    budget_vnd: 150000000,
  }, 200);
  programme = await api(staffApi, 'POST', url('/moves'), { to: 'in_progress' }, 200);
  assert.equal(programme.status, 'in_progress');
  assert.deepEqual(programme.risks, [], 'not at risk yet');

  programme = await api(staffApi, 'POST', url('/milestones'), { ...MILESTONE, beneficiary_id: programme.beneficiaries[0].id }, 201);
  assert.equal(programme.milestones.length, 1);
  milestoneId = programme.milestones[0].id;
  assert.equal(programme.milestones[0].overdue, true, 'the milestone is overdue');
  assert.equal(programme.risks.length, 1, `one reason: ${JSON.stringify(programme.risks)}`);
  reason = programme.risks[0].message;
  assert.equal(reason, `Quá hạn ${OVERDUE_DAYS} ngày: ${MILESTONE.title} (hạn ${dmy(DUE_ON)}).`);

  const plan = await api(staffApi, 'GET', `/api/v1/programmes/plans/${YEAR}`, undefined, 200);
  assert.equal(plan.figures.planned.count, 1, 'one programme in the plan');
  assert.deepEqual(plan.figures.at_risk, { count: 1, vnd: 150000000 }, 'at risk: the programme and its approved budget');
  assert.deepEqual(plan.programmes.map((p) => [p.id, p.code, p.risks]), [[programme.id, PROGRAMME.code, [reason]]]);
});

step('2. staff signs in on the phone; the plan fits the screen and names the programme at risk, and why', async () => {
  await page.goto(`${BASE}/dang-nhap`);
  const form = page.locator('main form');
  await form.locator('input[name="login"]').fill(STAFF.login);
  await form.locator('input[name="password"]').fill(STAFF.password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/dang-nhap'), form.locator('button').tap()]);
  await page.locator('header form[action="/dang-xuat"] button').waitFor();

  await page.goto(`${BASE}${planPath}`);
  assert.equal(norm(await page.locator('main h1').innerText()), `Kế hoạch khuyến công ${YEAR}`);
  await fitsTheScreen('the plan');

  const f = await figures();
  assert.equal(f['Kế hoạch']?.[0], '1', `one programme planned: ${JSON.stringify(f)}`);
  assert.equal(f['Đã phê duyệt']?.[0], '1', 'approved');
  assert.equal(f['Có nguy cơ chậm hoặc không hoàn thành']?.[0], '1', 'at risk');
  assert.equal(await page.locator('#figures tr.warn').count(), 1, 'the at-risk row stands out');
  assert.equal(norm(await page.locator('#funds h2').innerText()), 'Kinh phí theo nguồn');

  const atRisk = page.locator('#at-risk');
  assert.equal(await atRisk.isVisible(), true, 'the at-risk section is shown');
  const listed = await atRisk.locator(':scope > ul > li').evaluateAll((items) =>
    items.map((li) => ({
      code: li.querySelector('a strong')?.textContent.trim(),
      href: li.querySelector('a')?.getAttribute('href'),
      reasons: [...li.querySelectorAll('ul li')].map((r) => r.textContent.replace(/\s+/g, ' ').trim()),
    })),
  );
  assert.deepEqual(listed, [{ code: PROGRAMME.code, href: programmePath(), reasons: [reason] }], 'the programme at risk, with its reason');
  assert.match(listed[0].reasons[0], /^Quá hạn /);

  const row = page.locator('#programmes li', { hasText: PROGRAMME.code });
  assert.equal(await row.count(), 1, 'the programme is in the year\'s list');
  assert.equal(norm(await row.locator('.status').innerText()), 'Đang thực hiện');
  assert.match(norm(await row.innerText()), new RegExp(`⚠ Quá hạn ${OVERDUE_DAYS} ngày`), 'its reason in the list too');
});

step('3. the programme page fits the screen and says why it is at risk; marking the milestone done clears it', async () => {
  await tapTo(page.locator(`#programmes a[href="${programmePath()}"]`), programmePath());
  assert.equal(norm(await page.locator('main h1').innerText()), `${PROGRAMME.code} · ${PROGRAMME.title}`);
  await fitsTheScreen('the programme page');
  assert.equal(norm(await page.locator('main h1 + p .status').innerText()), 'Đang thực hiện', 'the status badge');

  const risks = page.locator('#risks');
  assert.equal(await risks.isVisible(), true, 'the risk notice is shown');
  assert.deepEqual(
    (await risks.locator('li').allInnerTexts()).map(norm),
    [reason],
    'the notice gives the overdue reason',
  );
  for (const id of ['moves', 'file', 'beneficiaries', 'milestones', 'visits', 'money', 'outcomes', 'timeline']) {
    assert.equal(await page.locator(`#${id}`).count(), 1, `the page has its #${id} section`);
  }
  assert.match(norm(await page.locator('#beneficiaries li').first().innerText()), new RegExp(`^${ENTERPRISE.name} `));

  const milestone = page.locator('#milestones li', { hasText: MILESTONE.title });
  assert.equal(await milestone.count(), 1);
  assert.match(norm(await milestone.innerText()), new RegExp(`^○ ${MILESTONE.title} · Hạn ${dmy(DUE_ON)} · ${ENTERPRISE.name} · Quá hạn`, 'i'));
  const done = milestone.getByRole('button', { name: 'Đã xong' });
  await Promise.all([
    page.waitForURL((url) => url.pathname === programmePath() && url.searchParams.get('done') === '1'),
    done.tap(),
  ]);

  await page.locator('main p.notice.ok').waitFor();
  assert.equal(norm(await page.locator('main p.notice.ok').innerText()), 'Đã lưu.');
  assert.equal(await page.locator('#risks').count(), 0, 'the risk notice is gone');
  const doneNow = page.locator('#milestones li', { hasText: MILESTONE.title });
  assert.match(norm(await doneNow.innerText()), new RegExp(`^✓ ${MILESTONE.title} `), 'the milestone is ticked');
  assert.doesNotMatch(norm(await doneNow.innerText()), /Quá hạn/, 'no longer overdue');
  assert.equal(await doneNow.getByRole('button', { name: 'Chưa xong' }).count(), 1, 'and can be reopened');
  await fitsTheScreen('the programme page after saving');

  const view = await api(staffApi, 'GET', `/api/v1/programmes/${programme.id}`, undefined, 200);
  assert.deepEqual(view.risks, [], 'no longer at risk');
  assert.ok(view.milestones.find((m) => m.id === milestoneId)?.done_at, 'the milestone is done');
});

step('4. back on the plan, the programme is no longer at risk', async () => {
  await tapTo(page.locator(`main a[href="${planPath}"]`), '/staff/programmes');
  assert.equal(pathOf(page), planPath);
  assert.equal(norm(await page.locator('main h1').innerText()), `Kế hoạch khuyến công ${YEAR}`);
  assert.equal(await page.locator('#at-risk').count(), 0, 'no at-risk section');
  const f = await figures();
  assert.equal(f['Có nguy cơ chậm hoặc không hoàn thành']?.[0], '0', `none at risk: ${JSON.stringify(f)}`);
  assert.equal(await page.locator('#figures tr.warn').count(), 0);
  assert.doesNotMatch(norm(await page.locator('#programmes li', { hasText: PROGRAMME.code }).innerText()), /⚠/);
  await fitsTheScreen('the plan');

  const plan = await api(staffApi, 'GET', `/api/v1/programmes/plans/${YEAR}`, undefined, 200);
  assert.equal(plan.figures.at_risk.count, 0);
});

step('5. the plan reads in English, and back in Vietnamese', async () => {
  const english = page.locator('header a.lang');
  assert.equal(norm(await english.innerText()), 'English');
  await Promise.all([page.waitForURL((url) => url.pathname === '/staff/programmes'), english.tap()]);
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(pathOf(page), planPath, 'the same page');
  assert.equal(norm(await page.locator('main h1').innerText()), `Support programme plan ${YEAR}`);
  assert.equal(norm(await page.locator('#funds h2').innerText()), 'Funds by source');
  await fitsTheScreen('the plan in English');

  const vietnamese = page.locator('header a.lang');
  assert.equal(norm(await vietnamese.innerText()), 'Tiếng Việt');
  await Promise.all([page.waitForURL((url) => url.pathname === '/staff/programmes'), vietnamese.tap()]);
  await page.waitForFunction(() => document.documentElement.lang === 'vi');
  assert.equal(norm(await page.locator('main h1').innerText()), `Kế hoạch khuyến công ${YEAR}`);
});

step('no script errors, failed requests or content-policy violations along the way', async () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(badResponses, []);
  assert.deepEqual(policy.violations, [], 'nothing the content policy had to block');
  assert.deepEqual(policy.unprotected, [], 'every page carries a content policy');
});
