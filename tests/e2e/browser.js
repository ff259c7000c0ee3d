'use strict';
// Launches Debian's Chromium headless through playwright-core with a fresh profile directory,
// and gives each test a few helpers: screenshots to artifacts/, an axe-core check and a record
// of console errors. Everything started here is closed by close().

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');
const axe = require('axe-core');

const ARTIFACTS = path.join(__dirname, 'artifacts');
const EXECUTABLE = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** launch starts Chromium; returns {context, close}. */
async function launch() {
  if (!fs.existsSync(EXECUTABLE)) throw new Error(`${EXECUTABLE} is missing: apt-get install -y chromium`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'piivault-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: EXECUTABLE, headless: true, args: ARGS, acceptDownloads: true, timeout: 60000,
  });
  context.setDefaultTimeout(15000);
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** open makes a page with the given viewport that records console errors and page errors. */
async function open(context, width, height) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push(String(e)));
  return page;
}

/** shot saves a full-page screenshot under artifacts/ and returns its path. */
async function shot(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * a11y runs axe-core on the page and returns the serious and critical violations. The source is
 * evaluated through the DevTools protocol, which the page's CSP does not govern, so the check
 * needs no inline script and the portal's real policy stays in force.
 */
async function a11y(page) {
  await page.evaluate(axe.source);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

module.exports = { launch, open, shot, a11y, ARTIFACTS };
