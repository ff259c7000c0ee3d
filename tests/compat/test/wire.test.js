'use strict';
// Pins down exactly what the published clients put on the wire, against a recording server, so
// the piivault contract (api.md §18) is checked against the real requests and not our guess of
// them. If a client release changes its requests, these tests say so first.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const session = require('express-session');
const DatabunkerStore = require('@databunker/store');
const SessionStore = require('@databunker/session-store')(session);
const { callback } = require('../harness');

function recorder() {
  const seen = [];
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ status: 'ok', data: { answered: true } }));
    });
  });
  return { srv, seen };
}

describe('requests the clients send', { timeout: 30000 }, () => {
  const rec = recorder();
  let url;
  before(async () => {
    await new Promise((r) => rec.srv.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${rec.srv.address().port}/`; // trailing slash: the clients strip one
  });
  after(async () => {
    rec.srv.closeAllConnections();
    await new Promise((r) => rec.srv.close(r));
  });
  const last = () => rec.seen[rec.seen.length - 1];

  const sid = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';

  const sessionCases = [
    { name: 'get sends GET /v1/session/<sid> with the token and no body',
      call: (s, cb) => s.get(sid, cb), method: 'GET', body: '' },
    { name: 'set sends POST /v1/session/<sid> with the whole session as JSON',
      call: (s, cb) => s.set(sid, { views: 1, cookie: { path: '/' } }, cb),
      method: 'POST', body: '{"views":1,"cookie":{"path":"/"}}', type: 'application/json' },
    { name: 'touch sends the same POST as set',
      call: (s, cb) => s.touch(sid, { views: 2 }, cb), method: 'POST', body: '{"views":2}', type: 'application/json' },
    { name: 'destroy sends DELETE /v1/session/<sid>',
      call: (s, cb) => s.destroy(sid, cb), method: 'DELETE', body: '' },
  ];
  for (const c of sessionCases) {
    it(`session-store ${c.name}`, async () => {
      const store = new SessionStore({ url, token: 'T0K' });
      const { err } = await callback((cb) => c.call(store, cb));
      assert.ok(!err, `callback error: ${err}`);
      const req = last();
      assert.equal(req.method, c.method);
      assert.equal(req.url, `/v1/session/${sid}`);
      assert.equal(req.headers['x-bunker-token'], 'T0K');
      assert.equal(req.body, c.body);
      if (c.type) assert.match(req.headers['content-type'], new RegExp(`^${c.type}`));
    });
  }

  it('session-store clear, length and all send nothing', async () => {
    const store = new SessionStore({ url, token: 'T0K' });
    const before = rec.seen.length;
    const cleared = await callback((cb) => store.clear(cb));
    assert.equal(cleared.err, undefined);
    const length = await callback((cb) => store.length(cb));
    assert.deepEqual(length, { err: null, value: null });
    assert.equal(store.all, undefined, 'all is not implemented by the client');
    assert.equal(rec.seen.length, before);
  });

  const storeCases = [
    { name: 'users.create posts to /v1/user/ with the trailing slash',
      call: (s) => s.users.create({ login: 'a' }), method: 'POST', url: '/v1/user/', body: '{"login":"a"}' },
    { name: 'users.get puts the raw email in the path',
      call: (s) => s.users.get('email', 'a+b@x.com'), method: 'GET', url: '/v1/user/email/a+b@x.com', body: '' },
    { name: 'users.get puts the raw phone in the path',
      call: (s) => s.users.get('phone', '+447700900123'), method: 'GET', url: '/v1/user/phone/+447700900123', body: '' },
    { name: 'users.set sends PUT with a merge patch',
      call: (s) => s.users.set('login', 'a', { x: null }), method: 'PUT', url: '/v1/user/login/a', body: '{"x":null}' },
    { name: 'users.set sends PUT with a JSON Patch array',
      call: (s) => s.users.set('login', 'a', [{ op: 'remove', path: '/x' }]),
      method: 'PUT', url: '/v1/user/login/a', body: '[{"op":"remove","path":"/x"}]' },
    { name: 'collection(name).set posts to /v1/userapp/<mode>/<value>/<name>',
      call: (s) => s.collection('shipping').set('token', 'u', { a: 1 }),
      method: 'POST', url: '/v1/userapp/token/u/shipping', body: '{"a":1}' },
    { name: 'collection(name).get gets /v1/userapp/<mode>/<value>/<name>',
      call: (s) => s.collection('shipping').get('token', 'u'), method: 'GET', url: '/v1/userapp/token/u/shipping', body: '' },
    { name: 'agreements.rawlist gets /v1/lbasis',
      call: (s) => s.agreements.rawlist(), method: 'GET', url: '/v1/lbasis', body: '' },
    { name: 'agreements.accept with data posts it',
      call: (s) => s.agreements.accept('email', 'a@b.com', 'news', {}),
      method: 'POST', url: '/v1/agreement/news/email/a@b.com', body: '{}' },
    { name: 'agreements.accept without data posts an empty body under a JSON content type',
      call: (s) => s.agreements.accept('email', 'a@b.com', 'news'),
      method: 'POST', url: '/v1/agreement/news/email/a@b.com', body: '' },
    { name: 'agreements.withdraw sends DELETE /v1/agreement/<brief>/<mode>/<value>',
      call: (s) => s.agreements.withdraw('email', 'a@b.com', 'news'),
      method: 'DELETE', url: '/v1/agreement/news/email/a@b.com', body: '' },
  ];
  for (const c of storeCases) {
    it(`store ${c.name}`, async () => {
      const store = new DatabunkerStore({ url, token: 'T0K' });
      const out = await c.call(store);
      assert.equal(out.status, 'ok', 'the parsed body is returned');
      const req = last();
      assert.equal(req.method, c.method);
      assert.equal(req.url, c.url);
      assert.equal(req.headers['x-bunker-token'], 'T0K');
      assert.equal(req.body, c.body);
      if (c.method === 'POST' || c.method === 'PUT') {
        assert.equal(req.headers['content-type'], 'application/json;charset=UTF-8');
      }
    });
  }
});

describe('error paths of the clients themselves', { timeout: 30000 }, () => {
  it('store returns a non-2xx JSON body with a status field as it is', async () => {
    const srv = http.createServer((req, res) => {
      res.writeHead(409, { 'Content-Type': 'application/json' });
      res.end('{"status":"error","message":"duplicate index: login"}');
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const store = new DatabunkerStore({ url: `http://127.0.0.1:${srv.address().port}`, token: 'T' });
      assert.deepEqual(await store.users.create({ login: 'a' }),
        { status: 'error', message: 'duplicate index: login' });
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });

  it('session-store get turns 404 not found into "no session" and any other error into an error', async () => {
    let answer;
    const srv = http.createServer((req, res) => {
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const store = new SessionStore({ url: `http://127.0.0.1:${srv.address().port}`, token: 'T' });
      answer = { status: 404, body: { status: 'error', message: 'not found' } };
      assert.deepEqual(await callback((cb) => store.get('x'.repeat(32), cb)), { err: null, value: null });
      answer = { status: 404, body: { status: 'error', message: 'endpoint is missing' } };
      assert.deepEqual(await callback((cb) => store.get('x'.repeat(32), cb)),
        { err: 'endpoint is missing', value: undefined });
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
