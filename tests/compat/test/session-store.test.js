'use strict';
// @databunker/session-store, every method, against a real piivault (api.md §5, §18).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const session = require('express-session');
const SessionStore = require('@databunker/session-store')(session);
const { start, api, callback } = require('../harness');

// express-session's default ids: 24 random bytes in base64url, 32 characters.
const newSid = () => crypto.randomBytes(24).toString('base64url');

describe('@databunker/session-store against piivault', { timeout: 300000 }, () => {
  let server;
  let store;
  before(async () => {
    server = await start();
    store = new SessionStore({ url: `${server.url}/`, token: server.token });
  }, { timeout: 600000 });
  after(async () => {
    if (server) await server.stop();
  });

  const set = (sid, sess) => callback((cb) => store.set(sid, sess, cb));
  const get = (sid) => callback((cb) => store.get(sid, cb));

  it('set stores a new session and get returns exactly that object', async () => {
    const sid = newSid();
    const sess = {
      cookie: { originalMaxAge: 86400000, expires: new Date(Date.now() + 86400000).toISOString(), httpOnly: true, path: '/' },
      views: 3,
      ratio: 0.25,
      flag: false,
      nothing: null,
      list: [3, 'two', { one: 1 }, []],
      nested: { deeper: { deepest: 'ok' } },
      text: 'Zoë — 日本語 — 🙂',
    };
    assert.deepEqual(await set(sid, sess), { err: null, value: null });
    assert.deepEqual(await get(sid), { err: null, value: sess });
  });

  it('set on an existing id replaces the session, it does not merge', async () => {
    const sid = newSid();
    await set(sid, { a: 1, b: { c: 2 } });
    assert.deepEqual(await set(sid, { b: { d: 3 } }), { err: null, value: null });
    assert.deepEqual((await get(sid)).value, { b: { d: 3 } });
  });

  it('set accepts a UUID as the session id', async () => {
    const sid = crypto.randomUUID();
    assert.deepEqual(await set(sid, { views: 1 }), { err: null, value: null });
    assert.deepEqual((await get(sid)).value, { views: 1 });
  });

  it('set accepts an empty session object and stores it as {}', async () => {
    const sid = newSid();
    assert.deepEqual(await set(sid, {}), { err: null, value: null });
    assert.deepEqual((await get(sid)).value, {});
  });

  it('set accepts a session of tens of KB', async () => {
    const sid = newSid();
    const sess = { cookie: { path: '/' }, blob: 'x'.repeat(60 * 1024), items: Array.from({ length: 500 }, (_, i) => ({ i })) };
    assert.deepEqual(await set(sid, sess), { err: null, value: null });
    assert.deepEqual((await get(sid)).value, sess);
  });

  it('set accepts sessions holding email, login, phone, custom, token and expiration keys', async () => {
    // Some of these bind the session to a user and one sets its expiry; none may make a write fail.
    const created = await api(server, 'POST', '/v1/user', { body: { login: 'sess-user', email: 'sess-user@example.com' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const cases = [
      { email: 'sess-user@example.com' },
      { login: 'sess-user' },
      { token: created.body.token },
      { phone: '+447700900999', custom: 'nobody' },
      { email: 'unknown@example.com', login: 42, token: 'not-a-uuid' },
      { expiration: '30s' },
      { expiration: 'soon' },
      { expiration: 0, email: { nested: true }, token: [1, 2] },
    ];
    for (const extra of cases) {
      const sid = newSid();
      const sess = { cookie: { path: '/' }, views: 1, ...extra };
      assert.deepEqual(await set(sid, sess), { err: null, value: null }, JSON.stringify(extra));
      assert.deepEqual((await get(sid)).value, sess, JSON.stringify(extra));
    }
  });

  it('concurrent writes to one id all succeed and the last one is readable whole', async () => {
    const sid = newSid();
    // One write on its own first: if writes fail, the client's own bug (it throws in its error
    // handler) is then reported once, against this test, instead of sixteen times after it.
    assert.deepEqual(await set(sid, { writer: -1 }), { err: null, value: null });
    const writes = Array.from({ length: 16 }, (_, i) => set(sid, { writer: i, payload: 'p'.repeat(1000 + i) }));
    for (const res of await Promise.all(writes)) assert.deepEqual(res, { err: null, value: null });
    const { value } = await get(sid);
    assert.ok(value && Number.isInteger(value.writer), JSON.stringify(value));
    assert.equal(value.payload, 'p'.repeat(1000 + value.writer), 'never a mix of two writes');
  });

  it('an expired session reads as "no session", so express-session starts a fresh one', async () => {
    const sid = newSid();
    assert.deepEqual(await set(sid, { views: 1, expiration: '1s' }), { err: null, value: null });
    // Expiry has whole-second resolution: poll, bounded, instead of sleeping a fixed time.
    const deadline = Date.now() + 5000;
    let res = await get(sid);
    while (res.value !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await get(sid);
    }
    assert.deepEqual(res, { err: null, value: null });
  });

  it('touch rewrites the session like set', async () => {
    const sid = newSid();
    await set(sid, { views: 1, cookie: { path: '/' } });
    const touched = { views: 1, cookie: { path: '/', expires: new Date(Date.now() + 60000).toISOString() } };
    assert.deepEqual(await callback((cb) => store.touch(sid, touched, cb)), { err: null, value: null });
    assert.deepEqual((await get(sid)).value, touched);
  });

  it('get of an unknown id is "no session", not an error', async () => {
    assert.deepEqual(await get(newSid()), { err: null, value: null });
  });

  it('get of an id outside the session-id syntax is "no session"', async () => {
    assert.deepEqual(await get('short'), { err: null, value: null });
  });

  it('piivault answers an unknown session with 404 and exactly the not-found body', async () => {
    const res = await api(server, 'GET', `/v1/session/${newSid()}`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { status: 'error', message: 'not found' });
  });

  it('destroy deletes the session and get then finds nothing', async () => {
    const sid = newSid();
    await set(sid, { views: 5 });
    const res = await callback((cb) => store.destroy(sid, cb));
    assert.equal(res.err, undefined);
    assert.deepEqual(await get(sid), { err: null, value: null });
  });

  it('destroy of an unknown id succeeds', async () => {
    const res = await callback((cb) => store.destroy(newSid(), cb));
    assert.equal(res.err, undefined);
  });

  it('a wrong token gets no data from get and cannot destroy', async () => {
    const sid = newSid();
    await set(sid, { secret: 'value' });
    const wrong = new SessionStore({ url: server.url, token: 'not-the-root-token' });
    const got = await callback((cb) => wrong.get(sid, cb));
    assert.equal(got.value, undefined);
    assert.equal(got.err, 'access denied');
    const destroyed = await callback((cb) => wrong.destroy(sid, cb));
    assert.ok(destroyed.err, 'destroy with a wrong token must report an error');
    assert.deepEqual((await get(sid)).value, { secret: 'value' });
  });

  it('load (inherited from express-session) restores the session with cookie.expires as a Date', async () => {
    const sid = newSid();
    const expires = new Date(Date.now() + 3600000);
    await set(sid, { views: 7, cookie: { originalMaxAge: 3600000, expires: expires.toISOString(), httpOnly: true, path: '/' } });
    const { err, value } = await callback((cb) => store.load(sid, cb));
    assert.ifError(err);
    assert.equal(value.views, 7);
    assert.equal(value.id, sid);
    assert.ok(value.cookie.expires instanceof Date);
    assert.equal(value.cookie.expires.getTime(), expires.getTime());
  });

  it('clear, length and all are client stubs that answer without asking the server', async () => {
    assert.equal((await callback((cb) => store.clear(cb))).err, undefined);
    assert.deepEqual(await callback((cb) => store.length(cb)), { err: null, value: null });
    assert.equal(store.all, undefined);
  });
});
