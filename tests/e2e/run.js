'use strict';
// Builds piivault once (through the compat suite's harness) and runs the browser tests against
// it in one process group, bounded in time so CI never waits on a hung browser or server.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { build } = require('../compat/harness');

const RUN_TIMEOUT_MS = 10 * 60 * 1000;

async function main() {
  const prebuilt = Boolean(process.env.PIIVAULT_BIN);
  const bin = await build();
  const dir = path.join(__dirname, 'test');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(dir, f));
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
    stdio: 'inherit', detached: true, env: { ...process.env, PIIVAULT_BIN: bin },
  });
  const killGroup = () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  };
  process.once('SIGINT', killGroup);
  process.once('SIGTERM', killGroup);
  const timer = setTimeout(() => {
    console.error(`e2e tests still running after ${RUN_TIMEOUT_MS} ms: killing them`);
    killGroup();
  }, RUN_TIMEOUT_MS);
  const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(sig ? 1 : c)));
  clearTimeout(timer);
  if (!prebuilt) fs.rmSync(path.dirname(bin), { recursive: true, force: true });
  process.exitCode = code;
}

main().catch((err) => {
  console.error(err.message);
  process.exitCode = 1;
});
