// Opens a link of a zebra mail in headless Chromium through playwright-core,
// as a person clicking it would; with a password, fills the page's form with
// it and submits. Waits for the page's status line to settle and prints one
// JSON report on stdout for pages_test.go to judge: the status line, the
// requests the page made and its script errors (a 4xx of the API is an
// answer the page shows, not an error):
//
//   node pages.mjs URL [NEW_PASSWORD]
//
// CHROMIUM overrides the browser (default /usr/bin/chromium, Debian's).
import { chromium } from 'playwright-core';

const [link, password] = process.argv.slice(2);
if (!link) {
  console.error('usage: node pages.mjs URL [NEW_PASSWORD]');
  process.exit(2);
}

const report = { status: 0, text: '', pageErrors: [], requests: [] };
let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  page.on('pageerror', (err) => report.pageErrors.push(String(err)));
  page.on('request', (req) => report.requests.push(req.method() + ' ' + req.url()));
  const resp = await page.goto(link, { waitUntil: 'load', timeout: 60000 });
  report.status = resp ? resp.status() : 0;
  if (password) {
    await page.fill('#password', password);
    await page.click('button[type=submit]');
  }
  // The status line is empty or "Confirming..." until the API answered.
  await page.waitForFunction(() => {
    const s = document.getElementById('status').textContent;
    return s !== '' && !s.endsWith('...');
  }, null, { timeout: 60000 });
  report.text = await page.textContent('#status');
} catch (err) {
  report.fatal = String((err && err.stack) || err);
} finally {
  if (browser) await browser.close();
}
process.stdout.write(JSON.stringify(report) + '\n');
