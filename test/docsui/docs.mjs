// Opens the API reference page (/docs) of a running zebra in headless
// Chromium through playwright-core, records every request the page makes,
// waits for Swagger UI to render the operations, saves a full-page
// screenshot, and prints one JSON report on stdout for docsui_test.go to
// judge:
//
//   node docs.mjs BASE_URL SCREENSHOT_PATH
//
// CHROMIUM overrides the browser (default /usr/bin/chromium, Debian's).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, screenshot] = process.argv.slice(2);
if (!base || !screenshot) {
  console.error('usage: node docs.mjs BASE_URL SCREENSHOT_PATH');
  process.exit(2);
}

const userDataDir = mkdtempSync(join(tmpdir(), 'zebra-docsui-'));
const report = { requests: [], failedRequests: [], pageErrors: [], console: [], operations: [], title: '' };
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--metrics-recording-only',
    ],
  });
  // Every request of every page and worker of the context, including
  // those that fail or are blocked.
  context.on('request', (req) => report.requests.push({ url: req.url(), method: req.method(), type: req.resourceType() }));
  context.on('requestfailed', (req) => report.failedRequests.push({ url: req.url(), error: req.failure()?.errorText }));
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (err) => report.pageErrors.push(String(err)));
  page.on('console', (msg) => { if (msg.type() === 'error') report.console.push(msg.text()); });

  const resp = await page.goto(base + '/docs', { waitUntil: 'networkidle', timeout: 60000 });
  report.status = resp ? resp.status() : 0;
  report.title = await page.title();
  await page.waitForSelector('.opblock', { timeout: 60000 });
  report.operations = await page.$$eval('.opblock', (blocks) => blocks.map((b) => ({
    id: b.id,
    method: (b.querySelector('.opblock-summary-method')?.textContent || '').trim(),
    path: b.querySelector('.opblock-summary-path')?.getAttribute('data-path') || '',
    visible: !!(b.offsetWidth || b.offsetHeight || b.getClientRects().length),
  })));
  report.info = (await page.textContent('.info .title').catch(() => '')) || '';
  await page.screenshot({ path: screenshot, fullPage: true });
} catch (err) {
  report.fatal = String(err && err.stack || err);
} finally {
  if (context) await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report) + '\n');
