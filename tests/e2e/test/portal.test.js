'use strict';
// The privacy portal and the admin console, driven in a real headless Chromium against a real
// piivault demo. The flows run in order and share one server: the subject signs in, asks for a
// change, the officer approves it, and so on until the subject is forgotten.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { start, api } = require('../../compat/harness');
const { launch, open, shot, a11y } = require('../browser');

let server;
let browser;
let portal; // the data subject's tab, phone-width
let consoleTab; // the officer's tab, desktop-width
let userToken;

before(async () => {
  server = await start();
  const created = await api(server, 'POST', '/v1/user',
    { body: { phone: '4444', email: 'subject@example.com', name: 'Sam Subject', city: 'Lisbon' } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  userToken = created.body.token;
  browser = await launch();
  portal = await open(browser.context, 390, 844);
  consoleTab = await open(browser.context, 1280, 900);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** check screenshots the page and asserts axe finds nothing serious or critical. */
async function check(page, name) {
  await shot(page, name);
  const bad = await a11y(page);
  assert.deepEqual(bad, [], `${name}: accessibility violations`);
}

/** notice waits for the portal's status line to contain text. */
async function notice(page, text) {
  await page.locator('#notice').getByText(text).waitFor();
}

function assertNoPII(page) {
  for (const s of ['4444', 'subject@example.com', userToken]) {
    assert.ok(!page.url().includes(s), `address bar holds personal data: ${page.url()}`);
  }
}

async function go(page, hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
}

test('the portal loads with no console error and the demo sign-in works', async () => {
  await portal.goto(`${server.url}/`);
  await portal.getByRole('heading', { name: 'Sign in to your privacy portal' }).waitFor();
  await check(portal, 'portal-01-sign-in');
  await portal.getByLabel('Sign in with').selectOption('phone');
  await portal.getByLabel('Phone number or email address').fill('4444');
  await portal.getByLabel(/I agree that a one-time access code/).check();
  await portal.getByRole('button', { name: 'Send me a code' }).click();
  await portal.getByRole('heading', { name: 'Enter your access code' }).waitFor();
  await portal.getByLabel('Access code', { exact: true }).fill('4444');
  await check(portal, 'portal-02-code');
  await portal.getByRole('button', { name: 'Sign in' }).click();
  await portal.getByRole('heading', { name: 'Your profile' }).waitFor();
  await portal.getByRole('cell', { name: 'Sam Subject' }).waitFor();
  await check(portal, 'portal-03-profile');
  assertNoPII(portal);
  assert.deepEqual(portal.errors, [], 'console errors');
  const stored = await portal.evaluate(() => Object.keys(localStorage).length);
  assert.equal(stored, 0, 'nothing may be kept in localStorage');
});

test('a profile edit becomes a request, the officer approves it, the subject sees the change', async () => {
  await portal.getByLabel('city').fill('Porto');
  await portal.getByRole('button', { name: 'Save changes' }).click();
  await notice(portal, 'sent to the privacy officer');

  await consoleTab.goto(`${server.url}/#/admin`);
  await consoleTab.getByRole('heading', { name: 'Admin console' }).waitFor();
  await check(consoleTab, 'console-00-sign-in');
  await consoleTab.getByLabel('Root token').fill(server.token);
  await consoleTab.getByRole('button', { name: 'Sign in' }).click();
  await consoleTab.getByRole('heading', { name: 'Requests' }).waitFor();
  await consoleTab.getByRole('button', { name: 'Review' }).first().click();
  await consoleTab.getByRole('heading', { name: 'Review: change-profile' }).waitFor();
  await consoleTab.getByText('"Porto"').waitFor();
  await check(consoleTab, 'console-01-requests');
  await consoleTab.getByLabel('Reason (optional)').fill('verified by phone');
  await consoleTab.getByRole('button', { name: 'Approve' }).click();
  await notice(consoleTab, 'Request approved.');
  assertNoPII(consoleTab);

  await go(portal, '#/requests');
  await portal.getByRole('heading', { name: 'Requests' }).waitFor();
  await portal.getByText('approved').first().waitFor();
  await check(portal, 'portal-04-requests');
  await go(portal, '#/profile');
  await portal.getByRole('cell', { name: 'Porto' }).waitFor();
});

test('the subject withdraws and gives a consent again', async () => {
  await go(portal, '#/consents');
  await portal.getByRole('heading', { name: 'Send SMS on login' }).waitFor();
  await check(portal, 'portal-05-consents');
  await portal.getByRole('button', { name: 'Withdraw consent: Send SMS on login' }).click();
  await notice(portal, 'Consent withdrawn.');
  await portal.getByText('no', { exact: true }).waitFor();
  await portal.getByRole('button', { name: 'Give consent: Send SMS on login' }).click();
  await notice(portal, 'Consent given.');
  await portal.getByText('yes', { exact: true }).waitFor();
  // A cookie-popup basis nobody answered yet can be given from the portal too.
  const lb = await api(server, 'POST', '/v1/lbasis/e2e-analytics',
    { body: { module: 'cookie-popup', shortdesc: 'Analytics cookies', fulldesc: 'Count visits anonymously', usercontrol: true } });
  assert.equal(lb.status, 200);
  await go(portal, '#/profile');
  await portal.getByRole('heading', { name: 'Your profile' }).waitFor();
  await go(portal, '#/consents');
  await portal.getByText('Count visits anonymously').waitFor();
  await portal.getByRole('button', { name: 'Give consent: Analytics cookies' }).click();
  await notice(portal, 'Consent given.');
  const ag = await api(server, 'GET', `/v1/agreement/e2e-analytics/token/${userToken}`);
  assert.equal(ag.body.data.status, 'yes');
});

test('log out everywhere ends the application sessions', async () => {
  for (const id of ['e2e-session-0000000001', 'e2e-session-0000000002']) {
    const r = await api(server, 'POST', `/v1/session/${id}`, { body: { phone: '4444', cart: 3 } });
    assert.equal(r.status, 200);
  }
  await go(portal, '#/sessions');
  await portal.getByText('2 active session(s)').waitFor();
  await check(portal, 'portal-06-sessions');
  await portal.getByRole('button', { name: 'Log out everywhere' }).click();
  await notice(portal, '2 session(s) ended');
  await portal.getByText('0 active session(s)').waitFor();
  const r = await api(server, 'GET', '/v1/sessions/phone/4444');
  assert.equal(r.body.total, 0);
});

test('the export download holds the profile', async () => {
  await go(portal, '#/privacy');
  await portal.getByRole('heading', { name: 'Download everything' }).waitFor();
  await check(portal, 'portal-07-privacy');
  const [download] = await Promise.all([
    portal.waitForEvent('download'),
    portal.getByRole('button', { name: 'Download my data' }).click(),
  ]);
  const file = await download.path();
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(doc.token, userToken);
  assert.equal(doc.profile.name, 'Sam Subject');
  assert.equal(doc.profile.city, 'Porto');
});

test('apps and history pages render', async () => {
  const r = await api(server, 'POST', '/v1/userapp/phone/4444/shop', { body: { address: 'Rua 1' } });
  assert.equal(r.status, 200);
  await go(portal, '#/apps');
  await portal.getByRole('heading', { name: 'shop' }).waitFor();
  await check(portal, 'portal-08-apps');
  await go(portal, '#/history');
  await portal.getByRole('heading', { name: 'History' }).waitFor();
  await portal.getByRole('cell', { name: 'user change-profile request' }).first().waitFor();
  await check(portal, 'portal-09-history');
});

test('the audit view shows the subject\'s events and the chain verifies', async () => {
  await go(consoleTab, '#/admin/audit');
  await consoleTab.getByLabel('User token (record)').fill(userToken);
  await consoleTab.getByRole('button', { name: 'Apply filters' }).click();
  await consoleTab.getByRole('cell', { name: 'user change-profile request' }).first().waitFor();
  await consoleTab.getByRole('button', { name: 'Verify the chain' }).click();
  await consoleTab.getByText(/^Chain ok: \d+ event\(s\) checked\.$/).waitFor();
  await consoleTab.getByRole('button', { name: 'Details' }).first().click();
  await consoleTab.getByRole('heading', { name: /^Event: / }).waitFor();
  await check(consoleTab, 'console-02-audit');
});

test('the other console pages render', async () => {
  const pages = [
    ['#/admin/lbasis', 'Legal bases and processing activities', 'console-03-legal'],
    ['#/admin/users', 'Users', 'console-04-users'],
    ['#/admin/keys', 'Keys', 'console-05-keys'],
    ['#/admin/system', 'System', 'console-06-system'],
  ];
  for (const [hash, heading, name] of pages) {
    await go(consoleTab, hash);
    await consoleTab.getByRole('heading', { name: heading, exact: true }).waitFor();
    if (hash === '#/admin/users') {
      await consoleTab.getByLabel('Look up by').selectOption('phone');
      await consoleTab.getByLabel('Identity').fill('4444');
      await consoleTab.getByRole('button', { name: 'Look up' }).click();
      await consoleTab.getByRole('heading', { name: 'App records' }).waitFor();
    }
    await check(consoleTab, name);
  }
  assertNoPII(consoleTab);
});

test('forget me: the request is approved, the subject is signed out and gone', async () => {
  await go(portal, '#/privacy');
  await portal.getByRole('button', { name: 'Erase my data' }).click();
  await notice(portal, 'Tick the box');
  await portal.getByLabel('I understand that erasing my data cannot be undone.').check();
  await portal.getByRole('button', { name: 'Erase my data' }).click();
  await notice(portal, 'request to be forgotten');

  await go(consoleTab, '#/admin/requests');
  await consoleTab.getByRole('cell', { name: 'forget-me' }).waitFor();
  await consoleTab.getByRole('button', { name: 'Review' }).first().click();
  await consoleTab.getByRole('button', { name: 'Approve' }).click();
  await notice(consoleTab, 'Request approved.');

  await go(portal, '#/profile');
  await portal.getByRole('heading', { name: 'Sign in to your privacy portal' }).waitFor();
  await notice(portal, 'Please sign in again');
  const gone = await api(server, 'GET', '/v1/user/phone/4444');
  assert.equal(gone.status, 404);
  assert.equal(await portal.evaluate(() => sessionStorage.length), 0);
});

test('the sign-in form is reachable and usable from the keyboard alone', async () => {
  await portal.goto(`${server.url}/`);
  await portal.getByRole('heading', { name: 'Sign in to your privacy portal' }).waitFor();
  // Each view puts focus on the main region, so Tab walks its controls first.
  assert.equal(await portal.evaluate(() => document.activeElement.id), 'main');
  const reached = [];
  for (let i = 0; i < 12 && !reached.includes('Send me a code'); i++) {
    await portal.keyboard.press('Tab');
    reached.push(await portal.evaluate(() => {
      const el = document.activeElement;
      return el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
    }));
  }
  for (const want of ['Sign in with', 'Phone number or email address', 'Send me a code']) {
    assert.ok(reached.includes(want), `Tab never reached "${want}": ${JSON.stringify(reached)}`);
  }
});
