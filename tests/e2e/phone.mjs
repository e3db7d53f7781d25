// The phone both end-to-end tests hold: Debian's Chromium, headless, with a 390 × 844 Android
// screen in Vietnamese.

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchPhone() {
  const browser = await chromium.launch({
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
  const context = await browser.newContext({
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
  const policy = await watchPolicy(context);
  return { browser, context, policy };
}

/**
 * Watches every page of the context for what the Content-Security-Policy blocked (the
 * `securitypolicyviolation` event and Chromium's console errors) and for pages served
 * without a policy. Tests assert both lists stay empty.
 */
export async function watchPolicy(context) {
  const violations = [];
  const unprotected = [];
  await context.exposeBinding('__ketnoiPolicyViolation', (_source, v) => {
    violations.push(`${v.page}: ${v.directive} blocked ${v.blocked || 'inline'} (${v.source}:${v.line}) ${v.sample}`);
  });
  // Init scripts are added through the DevTools protocol, so the policy does not stop them.
  await context.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => {
        window.__ketnoiPolicyViolation({
          page: location.pathname + location.search,
          directive: e.violatedDirective,
          blocked: e.blockedURI,
          source: e.sourceFile,
          line: e.lineNumber,
          sample: e.sample,
        });
      },
      true,
    );
  });
  context.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) {
      violations.push(`console: ${msg.text()}`);
    }
  });
  context.on('response', (res) => {
    if (res.request().resourceType() === 'document' && !res.headers()['content-security-policy']) {
      unprotected.push(`${res.status()} ${res.url()}`);
    }
  });
  return { violations, unprotected };
}
