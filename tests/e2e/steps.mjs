// What the end-to-end tests share: the server under test, ordered steps that stop at the
// first failure, JSON calls through an API session, and small text and waiting helpers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as http } from 'playwright-core';

/** The server run.sh started. */
export const BASE = process.env.KETNOI_E2E_URL;

/** Collapse all whitespace (including no-break spaces) so text compares reliably. */
export const norm = (s) => (s ?? '').replace(/\s+/g, ' ').trim();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The page's path and query. */
export function pathOf(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

/**
 * A `step(name, fn)` for one test file. Steps depend on each other: once one fails, the rest
 * fail loudly instead of producing confusing follow-up errors (they are never silently
 * skipped). Each is bounded, so a step waiting on something that never comes fails instead
 * of hanging.
 */
export function steps(timeout = 120_000) {
  let broken = null;
  return (name, fn) => {
    test(name, { timeout }, async () => {
      if (broken) throw new Error(`not run: earlier step failed ("${broken}")`);
      try {
        await fn();
      } catch (err) {
        broken = name;
        throw err;
      }
    });
  };
}

/** A JSON call through an API session; asserts the status and returns the body. */
export async function api(session, method, url, data, expected) {
  // An API client with a session sends its form token back on state-changing calls.
  const token = (await session.storageState()).cookies.find((c) => c.name === 'ketnoi_csrf')?.value;
  const headers = token && method !== 'GET' ? { 'x-csrf-token': token } : {};
  const res = await session.fetch(`${BASE}${url}`, { method, data, headers });
  const body = await res.text();
  assert.equal(res.status(), expected, `${method} ${url} answered ${res.status()}: ${body}`);
  return body ? JSON.parse(body) : null;
}

/** An API session signed in as `login`. */
export async function signedIn(login, password) {
  const session = await http.newContext({ baseURL: BASE });
  await api(session, 'POST', '/api/v1/auth/login', { login, password }, 200);
  return session;
}

/** Waits until `check` answers true or an empty list; fails with its last answer. */
export async function poll(what, check, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last === true || (Array.isArray(last) && last.length === 0)) return;
    await sleep(200);
  }
  assert.fail(`${what}: still not so after ${timeout} ms (last: ${JSON.stringify(last)})`);
}
