'use strict';
// An express + express-session counter app whose sessions live in piivault through
// @databunker/session-store, driven over real HTTP with a cookie jar, as a browser would
// (api.md §5, §18).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const express = require('express');
const session = require('express-session');
const SessionStore = require('@databunker/session-store')(session);
const { start, api } = require('../harness');

const SECRET = 'compat-test-secret';
const COOKIE = 'connect.sid';

function counterApp(store) {
  const app = express();
  app.use(session({ store, secret: SECRET, resave: false, saveUninitialized: false, cookie: { maxAge: 3600000 } }));
  app.get('/', (req, res) => {
    req.session.views = (req.session.views || 0) + 1;
    res.json({ views: req.session.views });
  });
  // Reads without changing the session, so express-session calls store.touch.
  app.get('/peek', (req, res) => res.json({ views: req.session.views || 0 }));
  app.get('/identify', (req, res) => {
    Object.assign(req.session, req.query);
    res.json({ views: req.session.views || 0 });
  });
  // Session fixation defence after a login: new id, same content.
  app.get('/rotate', (req, res, next) => {
    const { views } = req.session;
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.views = views;
      res.json({ views });
    });
  });
  app.get('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ loggedOut: true })));
  });
  app.use((err, req, res, next) => res.status(500).json({ error: String(err) }));
  return app;
}

/** A browser's cookie handling, just enough for one host: Set-Cookie in, Cookie out. */
class Client {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
  }

  async get(path) {
    const headers = {};
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) headers.Cookie = cookie;
    const res = await fetch(this.base + path, { headers, redirect: 'manual', signal: AbortSignal.timeout(5000) });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const gone = attrs.some((a) => /^max-age=0$/i.test(a)
        || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
    const body = await res.json();
    assert.equal(res.status, 200, `GET ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  /** The session id inside express-session's signed cookie, with the signature checked. */
  sid() {
    const raw = this.cookies.get(COOKIE);
    assert.ok(raw, 'no session cookie');
    const value = decodeURIComponent(raw);
    assert.ok(value.startsWith('s:'), value);
    const dot = value.lastIndexOf('.');
    const sid = value.slice(2, dot);
    const mac = crypto.createHmac('sha256', SECRET).update(sid).digest('base64').replace(/=+$/, '');
    assert.equal(value.slice(dot + 1), mac, 'cookie signature');
    return sid;
  }
}

describe('express counter app with sessions in piivault', { timeout: 300000 }, () => {
  let server;
  before(async () => {
    server = await start();
  }, { timeout: 600000 });
  after(async () => {
    if (server) await server.stop();
  });

  // One app per test: errors the session client raises inside express's request handling are
  // then reported against the test that caused them, not against a hook that has already ended.
  async function startApp(t) {
    const app = counterApp(new SessionStore({ url: server.url, token: server.token }));
    const web = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    t.after(() => {
      web.closeAllConnections();
      return new Promise((r) => web.close(r));
    });
    return `http://127.0.0.1:${web.address().port}`;
  }

  const stored = async (sid) => api(server, 'GET', `/v1/session/${sid}`);

  it('the counter rises across requests and the session is stored in piivault', async (t) => {
    const base = await startApp(t);
    const c = new Client(base);
    assert.deepEqual(await c.get('/'), { views: 1 });
    assert.deepEqual(await c.get('/'), { views: 2 });
    assert.deepEqual(await c.get('/'), { views: 3 });
    const res = await stored(c.sid());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body), ['status', 'session', 'when', 'data']);
    assert.equal(res.body.session, c.sid());
    assert.equal(res.body.data.views, 3);
    // express-session derives originalMaxAge from expires - now, so it may be a millisecond short.
    const { originalMaxAge } = res.body.data.cookie;
    assert.ok(originalMaxAge > 3590000 && originalMaxAge <= 3600000, String(originalMaxAge));
    assert.ok(Date.parse(res.body.data.cookie.expires) > Date.now(), 'cookie.expires comes back intact');
  });

  it('a second client starts fresh', async (t) => {
    const base = await startApp(t);
    const a = new Client(base);
    await a.get('/');
    await a.get('/');
    const b = new Client(base);
    assert.deepEqual(await b.get('/'), { views: 1 });
    assert.notEqual(b.sid(), a.sid());
    assert.deepEqual(await a.get('/'), { views: 3 });
  });

  it('an unchanged session is touched in piivault, not lost', async (t) => {
    const base = await startApp(t);
    const c = new Client(base);
    await c.get('/');
    const before = (await stored(c.sid())).body.data.cookie.expires;
    await new Promise((r) => setTimeout(r, 20)); // so the new expiry differs by a few milliseconds
    assert.deepEqual(await c.get('/peek'), { views: 1 });
    const after = (await stored(c.sid())).body.data;
    assert.equal(after.views, 1);
    assert.ok(Date.parse(after.cookie.expires) > Date.parse(before), 'touch wrote the new expiry');
  });

  it('logout destroys the session and the counter starts again', async (t) => {
    const base = await startApp(t);
    const c = new Client(base);
    await c.get('/');
    await c.get('/');
    const sid = c.sid();
    assert.deepEqual(await c.get('/logout'), { loggedOut: true });
    assert.equal((await stored(sid)).status, 404);
    assert.deepEqual(await c.get('/'), { views: 1 });
    assert.notEqual(c.sid(), sid);
  });

  it('deleting the session in piivault resets the counter', async (t) => {
    const base = await startApp(t);
    const c = new Client(base);
    await c.get('/');
    await c.get('/');
    const sid = c.sid();
    const del = await api(server, 'DELETE', `/v1/session/${sid}`);
    assert.deepEqual([del.status, del.body], [200, { status: 'ok' }]);
    assert.deepEqual(await c.get('/'), { views: 1 });
    assert.notEqual(c.sid(), sid);
  });

  it('regenerating the id moves the session and deletes the old one', async (t) => {
    const base = await startApp(t);
    const c = new Client(base);
    await c.get('/');
    await c.get('/');
    const old = c.sid();
    assert.deepEqual(await c.get('/rotate'), { views: 2 });
    assert.notEqual(c.sid(), old);
    assert.equal((await stored(old)).status, 404);
    assert.deepEqual(await c.get('/'), { views: 3 });
  });

  it('a session holding email, login, token, phone, custom and expiration keys works', async (t) => {
    const base = await startApp(t);
    const login = `app-${crypto.randomBytes(4).toString('hex')}`;
    const email = `${login}@example.com`;
    const user = await api(server, 'POST', '/v1/user', { body: { login, email } });
    assert.equal(user.status, 200, JSON.stringify(user.body));
    const c = new Client(base);
    await c.get('/');
    const q = new URLSearchParams({ email, login, token: user.body.token, phone: '+447700900555', custom: 'c', expiration: '1h' });
    assert.deepEqual(await c.get(`/identify?${q}`), { views: 1 });
    assert.deepEqual(await c.get('/'), { views: 2 });
    assert.deepEqual(await c.get('/'), { views: 3 });
    const { data } = (await stored(c.sid())).body;
    assert.deepEqual({ ...data, cookie: undefined }, {
      cookie: undefined, views: 3, email, login, token: user.body.token, phone: '+447700900555', custom: 'c', expiration: '1h',
    });
    assert.deepEqual(await c.get('/logout'), { loggedOut: true });
    assert.deepEqual(await c.get('/'), { views: 1 });
  });

  it('a session bound by its email is listed among that user\'s sessions', async (t) => {
    const base = await startApp(t);
    const login = `bound-${crypto.randomBytes(4).toString('hex')}`;
    const email = `${login}@example.com`;
    assert.equal((await api(server, 'POST', '/v1/user', { body: { login, email } })).status, 200);
    const c = new Client(base);
    await c.get(`/identify?${new URLSearchParams({ email: email.toUpperCase() })}`);
    await c.get('/');
    const list = await api(server, 'GET', `/v1/sessions/email/${email}`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.rows.map((r) => r.session), [c.sid()]);
    assert.equal(list.body.rows[0].data.views, 1);
  });

  it('parallel requests with one cookie all succeed', async (t) => {
    const base = await startApp(t);
    const c = new Client(base);
    await c.get('/');
    const results = await Promise.all(Array.from({ length: 12 }, () => c.get('/')));
    for (const r of results) assert.ok(r.views >= 2);
    assert.ok((await c.get('/peek')).views >= 2);
  });
});
