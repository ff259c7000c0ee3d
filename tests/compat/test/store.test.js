'use strict';
// @databunker/store, every method, against a real piivault (api.md §3, §4, §7.2, §18). The client
// returns the parsed body for 2xx and non-2xx answers alike, so errors are asserted as bodies; the
// HTTP status is checked with a direct request where §18 names one.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const DatabunkerStore = require('@databunker/store');
const { start, api } = require('../harness');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// Unique values per test so tests never collide on the unique index fields.
const uniq = (prefix) => `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
const err = (message) => ({ status: 'error', message });

let server;
let store;
before(async () => {
  server = await start();
  store = new DatabunkerStore({ url: server.url, token: server.token });
}, { timeout: 600000 });
after(async () => {
  if (server) await server.stop();
});

async function newUser(extra = {}) {
  const login = uniq('user');
  const profile = { login, email: `${login}@example.com`, ...extra };
  const res = await store.users.create(profile);
  assert.equal(res.status, 'ok', JSON.stringify(res));
  return { token: res.token, profile };
}

describe('store.users', { timeout: 60000 }, () => {
  it('create answers ok with a v4 UUID token, without a redirect for the trailing slash', async () => {
    const res = await store.users.create({ login: uniq('c'), name: 'Ann' });
    assert.equal(res.status, 'ok');
    assert.match(res.token, UUID);
    const direct = await api(server, 'POST', '/v1/user/', { body: { login: uniq('d') } });
    assert.equal(direct.status, 200, 'POST /v1/user/ is served, not redirected');
    assert.deepEqual(Object.keys(direct.body), ['status', 'token']);
  });

  it('get finds the user by token, login, email (raw and mixed case) and phone', async () => {
    const login = uniq('find');
    // A '+' in the email stays a '+': the path is decoded once (api.md §17 #17).
    const profile = { login, email: `${login}+tag@example.com`, phone: '+447700900123', custom: login, age: 30 };
    const { token } = await store.users.create(profile);
    const lookups = [
      ['token', token], ['token', token.toUpperCase()], ['login', login], ['email', profile.email],
      ['email', profile.email.toUpperCase()], ['phone', '+447700900123'], ['phone', '07700900123'],
      ['custom', login],
    ];
    for (const [mode, value] of lookups) {
      assert.deepEqual(await store.users.get(mode, value), { status: 'ok', token, data: profile }, `${mode}/${value}`);
    }
  });

  it('get of an unknown user is not found', async () => {
    assert.deepEqual(await store.users.get('login', uniq('nobody')), err('not found'));
    assert.deepEqual(await store.users.get('email', 'nobody@example.com'), err('not found'));
    assert.deepEqual(await store.users.get('token', crypto.randomUUID()), err('not found'));
    const direct = await api(server, 'GET', `/v1/user/login/${uniq('nobody')}`);
    assert.equal(direct.status, 404);
  });

  it('create refuses a taken login or email with duplicate index: <field>', async () => {
    const { profile } = await newUser();
    assert.deepEqual(await store.users.create({ login: profile.login }), err('duplicate index: login'));
    assert.deepEqual(await store.users.create({ login: uniq('x'), email: profile.email.toUpperCase() }),
      err('duplicate index: email'));
    // login is checked before email: the first conflict is reported.
    assert.deepEqual(await store.users.create({ email: profile.email, login: profile.login }), err('duplicate index: login'));
    const direct = await api(server, 'POST', '/v1/user', { body: { login: profile.login } });
    assert.equal(direct.status, 409);
  });

  it('create refuses a profile without lookup fields', async () => {
    assert.deepEqual(await store.users.create({ name: 'no index' }),
      err('failed to create user, all user lookup fields are missing'));
  });

  it('create refuses an empty profile, sent as {} or as no body at all', async () => {
    assert.deepEqual(await store.users.create({}), err('empty request body'));
    assert.deepEqual(await store.users.create(), err('empty request body'));
  });

  it('set applies a merge patch: nested objects merge, null deletes, arrays replace', async () => {
    const { token, profile } = await newUser({ address: { city: 'Paris', zip: '75001' }, tags: ['a', 'b'], drop: 1 });
    const res = await store.users.set('token', token, { address: { city: 'Lyon', street: null }, tags: ['c'], drop: null, age: 40 });
    assert.deepEqual(res, { status: 'ok', token });
    assert.deepEqual((await store.users.get('token', token)).data, {
      login: profile.login, email: profile.email, address: { city: 'Lyon', zip: '75001' }, tags: ['c'], age: 40,
    });
  });

  it('set applies a JSON Patch array', async () => {
    const { token, profile } = await newUser({ n: 1, list: [1, 2] });
    const res = await store.users.set('login', profile.login, [
      { op: 'test', path: '/n', value: 1 },
      { op: 'replace', path: '/n', value: 2 },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'copy', from: '/n', path: '/m' },
      { op: 'move', from: '/m', path: '/k' },
      { op: 'remove', path: '/list/0' },
    ]);
    assert.deepEqual(res, { status: 'ok', token });
    assert.deepEqual((await store.users.get('token', token)).data, { ...profile, n: 2, list: [2, 3], k: 2 });
  });

  it('set refuses a JSON Patch that fails and leaves the profile unchanged', async () => {
    const { token, profile } = await newUser({ n: 1 });
    assert.deepEqual(await store.users.set('token', token, [
      { op: 'replace', path: '/n', value: 5 }, { op: 'test', path: '/n', value: 1 },
    ]), err('failed to apply patch'));
    assert.deepEqual(await store.users.set('token', token, [{ op: 'remove', path: '/missing' }]), err('failed to apply patch'));
    assert.deepEqual((await store.users.get('token', token)).data, profile);
  });

  it('set re-indexes a changed email and login', async () => {
    const { token, profile } = await newUser();
    const login = uniq('renamed');
    const email = `${login}@example.com`;
    assert.deepEqual(await store.users.set('email', profile.email, { email, login }), { status: 'ok', token });
    assert.equal((await store.users.get('email', email)).token, token);
    assert.equal((await store.users.get('login', login)).token, token);
    assert.deepEqual(await store.users.get('email', profile.email), err('not found'));
    assert.deepEqual(await store.users.get('login', profile.login), err('not found'));
  });

  it('set refuses to take another user\'s email', async () => {
    const a = await newUser();
    const b = await newUser();
    assert.deepEqual(await store.users.set('token', b.token, { email: a.profile.email }), err('duplicate index: email'));
  });

  it('set refuses an empty patch and an unknown user', async () => {
    const { token } = await newUser();
    assert.deepEqual(await store.users.set('token', token, {}), err('empty request body'));
    assert.deepEqual(await store.users.set('token', token, []), err('empty request body'));
    assert.deepEqual(await store.users.set('login', uniq('nobody'), { a: 1 }), err('not found'));
  });

  it('a wrong token gets access denied and no data', async () => {
    const { token } = await newUser();
    const wrong = new DatabunkerStore({ url: server.url, token: 'wrong-token' });
    assert.deepEqual(await wrong.users.get('token', token), err('access denied'));
    assert.deepEqual(await wrong.users.create({ login: uniq('w') }), err('access denied'));
  });
});

describe('store.collection', { timeout: 60000 }, () => {
  it('set creates a record and get returns it', async () => {
    const { token } = await newUser();
    const record = { street: '1 Main St', lines: ['a', 'b'], geo: { lat: 1.5 } };
    assert.deepEqual(await store.collection('shipping').set('token', token, record), { status: 'ok', token });
    assert.deepEqual(await store.collection('shipping').get('token', token), { status: 'ok', token, data: record });
  });

  it('set replaces the whole record', async () => {
    const { token, profile } = await newUser();
    await store.collection('prefs').set('token', token, { a: 1, b: 2 });
    assert.deepEqual(await store.collection('prefs').set('email', profile.email, { c: 3 }), { status: 'ok', token });
    assert.deepEqual((await store.collection('prefs').get('login', profile.login)).data, { c: 3 });
  });

  it('set and get work for every valid name, including data and status, and names are lower-cased', async () => {
    const { token } = await newUser();
    for (const name of ['data', 'status', 'token', 'a1', 'app_name_2']) {
      assert.deepEqual(await store.collection(name).set('token', token, { name }), { status: 'ok', token }, name);
      assert.deepEqual((await store.collection(name).get('token', token)).data, { name }, name);
    }
    await store.collection('Mixed').set('token', token, { v: 1 });
    assert.deepEqual((await store.collection('mixed').get('token', token)).data, { v: 1 });
  });

  it('records of different apps and users are separate', async () => {
    const a = await newUser();
    const b = await newUser();
    await store.collection('one').set('token', a.token, { who: 'a' });
    await store.collection('one').set('token', b.token, { who: 'b' });
    await store.collection('two').set('token', a.token, { who: 'a2' });
    assert.deepEqual((await store.collection('one').get('token', a.token)).data, { who: 'a' });
    assert.deepEqual((await store.collection('one').get('token', b.token)).data, { who: 'b' });
    assert.deepEqual((await store.collection('two').get('token', a.token)).data, { who: 'a2' });
  });

  it('set refuses a bad app name', async () => {
    const { token } = await newUser();
    for (const name of ['x', '1abc', 'bad-name', 'a'.repeat(32)]) {
      assert.deepEqual(await store.collection(name).set('token', token, { a: 1 }), err('bad appname'), name);
      assert.deepEqual(await store.collection(name).get('token', token), err('bad appname'), name);
    }
  });

  it('set refuses an empty record', async () => {
    const { token } = await newUser();
    assert.deepEqual(await store.collection('shipping').set('token', token, {}), err('empty body'));
    assert.deepEqual(await store.collection('shipping').set('token', token), err('empty body'));
  });

  it('set and get of an unknown user are not found', async () => {
    assert.deepEqual(await store.collection('shipping').set('token', crypto.randomUUID(), { a: 1 }), err('not found'));
    assert.deepEqual(await store.collection('shipping').get('login', uniq('nobody')), err('not found'));
  });

  it('get of a record never set is not found', async () => {
    const { token } = await newUser();
    assert.deepEqual(await store.collection('never').get('token', token), err('not found'));
  });
});

describe('store.agreements', { timeout: 60000 }, () => {
  const lbasisKeys = ['basistype', 'brief', 'creationtime', 'fulldesc', 'module', 'requiredflag',
    'requiredmsg', 'shortdesc', 'status', 'usercontrol'];

  async function newBrief() {
    const brief = uniq('news').toLowerCase();
    const res = await api(server, 'POST', `/v1/lbasis/${brief}`, {
      body: { module: 'newsletter', basistype: 'consent', shortdesc: 'News', usercontrol: true },
    });
    assert.deepEqual(res.body, { status: 'ok' });
    return brief;
  }
  const agreement = async (brief, mode, value) => (await api(server, 'GET', `/v1/agreement/${brief}/${mode}/${value}`)).body;

  it('rawlist lists the two login bases of a fresh vault with every field', async () => {
    const res = await store.agreements.rawlist();
    assert.equal(res.status, 'ok');
    assert.equal(res.total, res.rows.length);
    const byBrief = Object.fromEntries(res.rows.map((r) => [r.brief, r]));
    for (const [brief, shortdesc] of [['core-send-email-on-login', 'Send email on login'], ['core-send-sms-on-login', 'Send SMS on login']]) {
      const row = byBrief[brief];
      assert.ok(row, `${brief} missing from ${JSON.stringify(res.rows)}`);
      assert.deepEqual(Object.keys(row), lbasisKeys);
      assert.equal(row.module, 'login');
      assert.equal(row.basistype, 'consent');
      assert.equal(row.shortdesc, shortdesc);
      assert.equal(row.requiredflag, true);
      assert.equal(row.usercontrol, true);
      assert.equal(row.requiredmsg, 'This consent is required to give you our service.');
      assert.equal(row.status, 'active');
      assert.ok(Number.isInteger(row.creationtime) && row.creationtime > 0);
    }
  });

  it('rawlist includes a basis created later', async () => {
    const brief = await newBrief();
    const row = (await store.agreements.rawlist()).rows.find((r) => r.brief === brief);
    assert.ok(row);
    assert.equal(row.module, 'newsletter');
  });

  it('accept with {} records a yes agreement for a user', async () => {
    const brief = await newBrief();
    const { token, profile } = await newUser();
    assert.deepEqual(await store.agreements.accept('email', profile.email, brief, {}), { status: 'ok' });
    const got = await agreement(brief, 'token', token);
    assert.equal(got.status, 'ok', JSON.stringify(got));
    assert.equal(got.data.status, 'yes');
    assert.equal(got.data.brief, brief);
    assert.equal(got.data.token, token);
  });

  it('accept with no data (an empty body under a JSON content type) records yes', async () => {
    const brief = await newBrief();
    const { token } = await newUser();
    assert.deepEqual(await store.agreements.accept('token', token, brief), { status: 'ok' });
    assert.equal((await agreement(brief, 'token', token)).data.status, 'yes');
  });

  it('accept passes its fields through', async () => {
    const brief = await newBrief();
    const { profile } = await newUser();
    assert.deepEqual(await store.agreements.accept('login', profile.login, brief,
      { agreementmethod: 'web-form', referencecode: 'ref-1', lastmodifiedby: 'app' }), { status: 'ok' });
    const { data } = await agreement(brief, 'login', profile.login);
    assert.equal(data.agreementmethod, 'web-form');
    assert.equal(data.referencecode, 'ref-1');
    assert.equal(data.lastmodifiedby, 'app');
  });

  it('accept for an email without a user is fine and is linked when the user is created', async () => {
    const brief = await newBrief();
    const email = `${uniq('later')}@example.com`;
    assert.deepEqual(await store.agreements.accept('email', email, brief, {}), { status: 'ok' });
    const held = await agreement(brief, 'email', email);
    assert.equal(held.data.status, 'yes');
    assert.equal(held.data.token, '');
    const { token } = await store.users.create({ email });
    const linked = await api(server, 'GET', `/v1/agreements/token/${token}`);
    assert.equal(linked.body.status, 'ok', JSON.stringify(linked.body));
    const row = linked.body.rows.find((r) => r.brief === brief);
    assert.ok(row, JSON.stringify(linked.body));
    assert.equal(row.token, token);
    assert.equal(row.status, 'yes');
  });

  it('accept of an unknown brief is not found', async () => {
    const { profile } = await newUser();
    assert.deepEqual(await store.agreements.accept('email', profile.email, uniq('nobrief'), {}), err('not found'));
    const direct = await api(server, 'POST', `/v1/agreement/${uniq('nobrief')}/email/${profile.email}`, { body: {} });
    assert.equal(direct.status, 404);
  });

  it('accept refuses a bad brief and an unknown login subject', async () => {
    const brief = await newBrief();
    assert.deepEqual(await store.agreements.accept('email', 'a@example.com', '1bad', {}), err('bad brief format'));
    assert.deepEqual(await store.agreements.accept('login', uniq('nobody'), brief, {}), err('not found'));
  });

  it('withdraw sets the agreement to no, and withdrawing again still succeeds', async () => {
    const brief = await newBrief();
    const { token, profile } = await newUser();
    await store.agreements.accept('email', profile.email, brief, {});
    assert.deepEqual(await store.agreements.withdraw('email', profile.email, brief), { status: 'ok' });
    const { data } = await agreement(brief, 'token', token);
    assert.equal(data.status, 'no');
    assert.equal(data.endtime, 0);
    assert.deepEqual(await store.agreements.withdraw('token', token, brief), { status: 'ok' });
  });

  it('accept after withdraw gives consent again', async () => {
    const brief = await newBrief();
    const { token } = await newUser();
    await store.agreements.accept('token', token, brief, {});
    await store.agreements.withdraw('token', token, brief);
    assert.deepEqual(await store.agreements.accept('token', token, brief, {}), { status: 'ok' });
    assert.equal((await agreement(brief, 'token', token)).data.status, 'yes');
  });

  it('withdraw of an unknown brief or a missing agreement is not found', async () => {
    const brief = await newBrief();
    const { token } = await newUser();
    assert.deepEqual(await store.agreements.withdraw('token', token, uniq('nobrief')), err('not found'));
    assert.deepEqual(await store.agreements.withdraw('token', token, brief), err('not found'));
  });
});
