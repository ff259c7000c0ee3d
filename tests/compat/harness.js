'use strict';
// Starts a real piivault in demo mode on a free loopback port with a fresh data directory, so the
// published Databunker clients can be driven against it exactly as an application would.
// Everything here is bounded in time: a hung build, a server that never answers /v1/status or one
// that ignores SIGTERM fails the run instead of stalling it.

const { spawn, execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..');
const ROOT_TOKEN = 'DEMO';
const BUILD_TIMEOUT_MS = 8 * 60 * 1000;
const READY_TIMEOUT_MS = 30 * 1000;
const STOP_TIMEOUT_MS = 5 * 1000;

/**
 * build compiles cmd/piivault into a fresh temporary directory, unless PIIVAULT_BIN names a binary
 * already built (run.js builds once and shares it with every test file). Returns the binary's path.
 */
async function build() {
  if (process.env.PIIVAULT_BIN) return process.env.PIIVAULT_BIN;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piivault-bin-'));
  const bin = path.join(dir, 'piivault');
  await new Promise((resolve, reject) => {
    execFile('go', ['build', '-o', bin, './cmd/piivault'],
      { cwd: REPO, timeout: BUILD_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`go build ./cmd/piivault failed: ${err.message}\n${stderr}`));
        else resolve();
      });
  });
  return bin;
}

/** freePort asks the kernel for an unused loopback port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * start launches `piivault demo` and resolves once GET /v1/status answers OK. The returned object
 * has url, token, dataDir, log() (the server's output so far) and stop().
 */
async function start() {
  const bin = await build();
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'piivault-data-'));
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ['demo', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // If this test process dies without running its after hooks, take the server with it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    if (output.length > 1 << 20) output = output.slice(-(1 << 19));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.on('error', (err) => {
      exited = { code: null, signal: null, err };
      resolve(exited);
    });
  });

  const server = {
    url,
    token: ROOT_TOKEN,
    dataDir,
    log: () => output,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        let timer;
        const timeout = new Promise((r) => { timer = setTimeout(r, STOP_TIMEOUT_MS, 'timeout'); });
        const outcome = await Promise.race([exit, timeout]);
        clearTimeout(timer); // a pending timer would keep the test process alive
        if (outcome === 'timeout') {
          child.kill('SIGKILL');
          await exit;
        }
      }
      process.removeListener('exit', orphanGuard);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await server.stop();
      throw new Error(`piivault exited before it was ready (${JSON.stringify(exited)}):\n${output}`);
    }
    try {
      const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(1000) });
      const body = await res.text();
      if (res.status === 200 && body.trim() === 'OK') return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`piivault not ready within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await sleep(50);
  }
}

/**
 * api sends one request straight to piivault (not through a client) and returns
 * {status, headers, body} with body parsed as JSON when it is JSON.
 */
async function api(server, method, route, { body, token = server.token, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== null) h['X-Bunker-Token'] = token;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (!h['Content-Type']) h['Content-Type'] = 'application/json';
  }
  const res = await fetch(server.url + route, {
    method, headers: h, body: payload, redirect: 'manual', signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text answers (status routes) stay strings
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** promisify a node-style call whose callback may never come (the session client hangs on some errors). */
function callback(fn, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`callback not called within ${ms} ms`)), ms);
    fn((err, value) => {
      clearTimeout(timer);
      resolve({ err, value });
    });
  });
}

module.exports = { build, start, api, callback, freePort, ROOT_TOKEN };
